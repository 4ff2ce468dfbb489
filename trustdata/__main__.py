"""``python -m trustdata``: the same as the ``trustdata`` command."""

import sys

from trustdata.cli import main

if __name__ == "__main__":
    sys.exit(main())

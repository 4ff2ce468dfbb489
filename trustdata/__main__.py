import sys

from trustdata.cli import main

sys.exit(main())

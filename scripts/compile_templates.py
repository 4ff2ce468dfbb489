"""Write trustdata/resources/templates.compiled.json: the report's templates compiled ahead.

Run after editing any ``trustdata/templates/*.html.j2`` (a test fails until then; the pages stay
right meanwhile, the edited template being compiled from its source)::

    python scripts/compile_templates.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trustdata._atomic import write_bytes  # noqa: E402
from trustdata.report import COMPILED_TEMPLATES, compiled_templates  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "trustdata" / "resources" / COMPILED_TEMPLATES
    write_bytes(target, compiled_templates().encode("utf-8"))
    print(f"wrote {target.relative_to(ROOT)}")

"""Write the report's resources made ahead: its templates compiled, plotly_white validated.

``trustdata/resources/templates.compiled.json`` (the Jinja2 templates compiled to Python) and
``trustdata/resources/plotly_white.validated.json`` (plotly's template as plotly validates it).

Run after editing any ``trustdata/templates/*.html.j2`` or upgrading jinja2 or plotly (a test
fails until then; the pages stay right meanwhile: what is out of date is made from its source)::

    python scripts/compile_templates.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trustdata._atomic import write_bytes  # noqa: E402
from trustdata.charts import WHITE_TEMPLATE, white_template_resource  # noqa: E402
from trustdata.report import COMPILED_TEMPLATES, compiled_templates  # noqa: E402

if __name__ == "__main__":
    for name, text in (
        (COMPILED_TEMPLATES, compiled_templates()),
        (WHITE_TEMPLATE, white_template_resource()),
    ):
        target = ROOT / "trustdata" / "resources" / name
        write_bytes(target, text.encode("utf-8"))
        print(f"wrote {target.relative_to(ROOT)}")

"""Write ``trustdata/resources/plotly_validators.json``: the plotly validators the pages use.

Makes the 16 sample pages (4 couples, couple and therapist page, without and with the bundled
reference cohort), records each entry of plotly's table of validators that plotly reads for
them, and writes those entries as plotly's own file holds them (see
:func:`trustdata.charts.use_shipped_validators`).  Run after upgrading plotly (a test fails
until then; meanwhile plotly reads its whole table, as without the resource)::

    python scripts/ship_plotly_validators.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trustdata import charts, io, report  # noqa: E402
from trustdata._atomic import write_bytes  # noqa: E402


class _Recording(dict):
    """plotly's table, recording each entry plotly asks for."""

    asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return dict.get(self, key, default)


if __name__ == "__main__":
    import json

    from plotly.validator_cache import ValidatorCache

    with charts._validators_file().open("r") as f:
        ValidatorCache._json_cache = _Recording(json.load(f))
    logs = io.load(ROOT / "data" / "sample" / "couples")
    for couple in logs.couple_ids:
        for ref in (None, ROOT / "data" / "sample" / "cohort"):
            for audience in report.AUDIENCES:
                report.build(logs, couple, audience=audience, reference=ref,
                             include_expected=ref is not None)  # fmt: skip
    target = ROOT / "trustdata" / "resources" / charts.VALIDATORS
    write_bytes(target, charts.validators_resource(sorted(_Recording.asked)).encode("utf-8"))
    print(f"wrote {target.relative_to(ROOT)} ({len(_Recording.asked)} validators)")

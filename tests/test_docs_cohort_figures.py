"""docs/research.md names the cohort behind its figures: data/sample/cohort's and, for the
notebook, data/sample/cohort_anonymized's (a reader compared 0.095 with the notebook's 0.096)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustdata import cohort, report

DOC = (Path(__file__).resolve().parents[1] / "docs" / "research.md").read_text(encoding="utf-8")


def _linear_to_week_26(name: str) -> str:
    logs = cohort.load_cohort(report.resolve_path(name), progress=False)
    aligned = cohort.align(logs.checkins, logs.events, anchor="discovery", fallback="disclosure")
    groups = cohort.groups_from_couples(logs.couples, group="group")
    groups = groups[groups["group"].isin(("therapy", "waitlist"))]
    model = cohort.growth_model(aligned, groups, reference="waitlist", max_week=26)
    row = model.set_index("term").loc["time:group[therapy]"]
    return "{} ({}-{}".format(*(report.num(row[k], 3) for k in ("estimate", "ci_low", "ci_high")))


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("data/sample/cohort", "On the bundled\n`data/sample/cohort`"),
        ("data/sample/cohort_anonymized", "`notebooks/cohort_comparison.ipynb` runs on\n"),
    ],
)
def test_each_quoted_week_26_slope_is_its_named_cohorts(name, said):
    figure = _linear_to_week_26(name)
    start = DOC.index(said)
    # the figure follows the sentence that names its cohort, before the next section
    assert figure in DOC[start : DOC.index("### Time that bends", start)], (name, figure)

"""The notebooks print numbers as the pages do: half away from zero (4.25 -> 4.3), never
numpy's or Python's half to even (4.25 -> 4.2), which made our_progress disagree with the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trustdata import report

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _cells(path: Path) -> list[str]:
    book = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_rounds_on_its_own(path):
    for src in _cells(path):
        assert not re.search(r"\bround\(", src), f"{path.name}: round() in\n{src}"
        assert not re.search(r":[+ ]?\.\d+[fe%]\}", src), f"{path.name}: a float format in\n{src}"


def test_the_month_table_of_our_progress_agrees_with_the_page(bundled_sample):
    # couple-01 A, April 2024: mean 4.25, printed 4.3 on the page; the notebook printed 4.2
    # (review(trustdata.load(the sample), ...) and its page: made once per worker)
    r = bundled_sample.review("couple-01", today="2026-02-01")
    cell = next(s for s in _cells(report.resolve_path("notebooks/our_progress.ipynb"))
                if s.startswith('monthly = r.monthly["connection"]'))  # fmt: skip
    space = {"r": r, "report": report}
    exec(cell, space)  # the notebook's own code for its month table
    by_month = space["by_month"]
    assert by_month.loc["April 2024", "A"] == 4.3
    page = bundled_sample.page("couple-01", "couple", today="2026-02-01")
    rows = {
        m: re.findall(r'<td class="num">([^<]*)</td>', cells)
        for m, cells in re.findall(r"<tr><td>([A-Z][a-z]+ \d{4})</td>(.*?)</tr>", page)
    }
    compared = 0
    for month, row in by_month.iterrows():
        for k, value in enumerate(row.tolist()):
            if isinstance(value, float) and value == value:  # NaN: no check-in that month
                assert rows[month][k] == f"{value:.1f}" == report.num(value), (month, k, value)
                compared += 1
    assert compared == by_month.notna().to_numpy().sum() > 20


def test_the_therapist_notebook_shows_the_pages_events_around_a_setback(bundled_sample):
    # couple-01's page listed "21 January 2025 anniversary of the discovery; 22 January 2025
    # small win" around a setback; the notebook's table showed only the small win
    r = bundled_sample.review("couple-01", today="2026-02-01")
    said = "21 January 2025 anniversary of the discovery; 22 January 2025 small win"
    assert said in report.events_around(r).tolist()
    page = bundled_sample.page("couple-01", "therapist", today="2026-02-01")
    part = page[page.index('<section id="setbacks"') :]
    assert said in part[: part.index("</section>")]
    cell = next(s for s in _cells(report.resolve_path("notebooks/therapist_review.ipynb"))
                if s.startswith("found = r.setbacks\naround = "))  # fmt: skip
    from trustdata import charts

    space = {"r": r, "report": report, "charts": charts, "partners": list(r.partners),
             "display": lambda *a: None, "Markdown": str}  # fmt: skip
    exec(cell, space)  # the notebook's own code for its setbacks table
    assert said in space["around"]["events_around"].tolist()
    assert space["around"]["events_around"].tolist() == (
        space["around"]["setback_id"].map(report.events_around(r)).fillna("").tolist()
    )

"""The readers' page defects, seen in headless Chromium (see tests/test_browser.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# every table cell holding a p-value under a thousandth, and the lines its text is laid out on
_P_CELLS = """() => Array.from(document.querySelectorAll('td'))
  .filter(td => td.textContent.includes('0.001'))
  .map(td => { const range = document.createRange(); range.selectNodeContents(td);
    return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size; })"""


@pytest.fixture(scope="module")
def couple02_therapist(tmp_path_factory, bundled_sample):
    """couple-02's therapist page, written once for both widths (the page
    ``report.write(logs, "couple-02", out, audience="therapist")`` writes, as rendered once per
    worker by tests/conftest.py)."""
    out = tmp_path_factory.mktemp("p_cells") / "t.html"
    out.write_text(bundled_sample.page("couple-02", "therapist"), encoding="utf-8")
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_a_p_value_under_a_thousandth_stays_on_one_line(browser, couple02_therapist, width):
    # couple-02's therapist tables: "< 0.001" wrapped in the narrow p columns at 1280 px
    path = couple02_therapist
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load")
        lines = page.evaluate(_P_CELLS)
    finally:
        context.close()
    assert len(lines) >= 2  # the trigger table's and the plan table's
    assert lines == [1] * len(lines)

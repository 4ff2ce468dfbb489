"""The trigger heat map and trigger bars on a 390 px phone (reader7, finding 16).

The figures' properties are read back in Python; the page is then opened in headless Chromium
at 390 px and the drawn boxes are measured: the heat map's cells, its row names, and the
trigger bars' first month name against the y axis' "0".  In CI the browser must be there;
elsewhere the browser part is skipped with a message when it is missing.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from trustdata import charts


def _freq(months: int = 17, partners=("A",)) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    starts = pd.date_range("2024-01-01", periods=months, freq="MS")
    cats = [c for c in charts.CATEGORY_LABELS if c != "all"]
    return pd.DataFrame(
        [
            {
                "couple_id": "c1",
                "partner": p,
                "period_start": s,
                "period": f"{s:%Y-%m}",
                "category": c,
                "count": int(rng.integers(0, 6)),
            }
            for p in partners
            for s in starts
            for c in cats
        ]
    )


def test_heatmap_names_its_rows_on_short_lines_and_keeps_them_whole_in_the_data():
    fig = charts.plot_trigger_heatmap(_freq())
    (trace,) = fig.data
    ax = fig.layout.yaxis
    cats = [c for c in charts.CATEGORY_LABELS if c != "all"]
    assert sorted(trace.y) == sorted(charts.CATEGORY_LABELS[c] for c in cats)  # names whole
    assert list(ax.tickvals) == list(trace.y)  # every row named
    for whole, shown in zip(ax.tickvals, ax.ticktext, strict=True):
        lines = shown.split("<br>")
        assert " ".join(lines) == whole
        assert all(len(line) <= charts.HEAT_LABEL_CHARS for line in lines), shown
    assert "TV, film,<br>music or media" in ax.ticktext
    assert ax.tickfont.size == 12


def test_heatmap_grows_by_a_row_of_two_lines_for_each_row():
    one = charts.plot_trigger_heatmap(_freq())
    two = charts.plot_trigger_heatmap(_freq(partners=("A", "B")))
    rows = len(one.data[0].y)
    assert rows == 7
    assert one.layout.height == 230 + charts.HEAT_ROW_PX * rows
    assert two.layout.height == round(230 + charts.HEAT_ROW_PX * 2 * rows / (1 - 0.12))


def test_trigger_bars_keep_their_month_names_off_the_y_axis():
    fig = charts.plot_trigger_bars(_freq(partners=("A", "B")))
    assert fig.layout.xaxis.ticklabelstandoff == 8 and fig.layout.xaxis2.ticklabelstandoff == 8


# --- in the browser ------------------------------------------------------------------------------


# each on-screen heat map and trigger bar chart: its plots' widths, months, and tick boxes
_MEASURE = """() => Array.from(document.querySelectorAll('.chart-screen.js-plotly-plot'))
  .filter(gd => gd.getBoundingClientRect().width > 0)
  .map(gd => {
    const box = el => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
    const kind = (gd.data || []).some(t => t.type === 'heatmap') ? 'heat'
      : (gd.data || []).some(t => t.type === 'bar' && t.meta && t.meta.category) ? 'bars' : '';
    const panels = Array.from(gd.querySelectorAll('.nsewdrag')).map(d => box(d));
    const months = (gd.data || []).filter(t => t.type === 'heatmap').map(t => t.x.length);
    const ticks = sel => Array.from(gd.querySelectorAll(sel))
      .filter(t => t.textContent).map(t => [t.textContent, ...box(t)]);
    return {kind, width: gd.getBoundingClientRect().width, panels, months,
            xticks: ticks('.xtick text, .x2tick text'), yticks: ticks('.ytick text, .y2tick text')};
  }).filter(c => c.kind)"""


def _overlap(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


@pytest.fixture(scope="module")
def phone(tmp_path_factory, browser):
    import trustdata
    from trustdata import report, review

    logs = trustdata.load(report.resolve_path("data/sample/couples"))
    folder = tmp_path_factory.mktemp("phone")
    seen = {}
    for couple in ("couple-01", "couple-04"):  # one panel of 17 months; two of 14
        path = folder / f"{couple}.html"
        page = report.render(review.review(logs, couple), audience="therapist")
        path.write_text(page, encoding="utf-8")
        tab = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            tab.goto(path.as_uri())
            tab.wait_for_function("document.querySelectorAll('.main-svg').length > 0")
            tab.wait_for_timeout(500)
            seen[couple] = tab.evaluate(_MEASURE)
        finally:
            tab.close()
    return seen


@pytest.mark.browser
@pytest.mark.parametrize("couple", ["couple-01", "couple-04"])
def test_heatmap_cells_are_wide_enough_to_see_on_a_phone(phone, couple):
    # reader7: at 390 px each panel's plot was 117 px for 17 (or 14) months: cells of 7-8 px
    (heat,) = [c for c in phone[couple] if c["kind"] == "heat"]
    assert heat["width"] <= 390
    assert heat["months"] and len(heat["panels"]) == len(heat["months"])
    for (left, _, right, _), months in zip(heat["panels"], heat["months"], strict=True):
        assert (right - left) / months >= 12, (right - left, months)
    # the row names, on two lines, do not run into each other
    names = sorted(heat["yticks"], key=lambda t: t[2])
    for upper, lower in itertools.pairwise(names):
        assert not _overlap(upper, lower), (upper, lower)


@pytest.mark.browser
@pytest.mark.parametrize("couple", ["couple-01", "couple-04"])
def test_trigger_bars_first_month_is_clear_of_the_zero(phone, couple):
    # reader7: the first x tick "Jan 2024" ran into the y axis' "0"
    (bars,) = [c for c in phone[couple] if c["kind"] == "bars"]
    assert bars["xticks"] and bars["yticks"]
    for x in bars["xticks"]:
        for y in bars["yticks"]:
            assert not _overlap(x, y), (x, y)

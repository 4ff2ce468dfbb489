"""The layers chart and trigger bars on a 390 px phone (reader8 F7).

Side by side, the layers chart's two panels were about 60 px wide on a phone; under
:data:`trustdata.charts.NARROW_STACK_PX` the page stacks them (``layout.meta["narrow"]``).  The
trigger bars grow by a panel's height per partner, so B's title no longer touches A's axis.
The figures are read back in Python; the page is then opened in headless Chromium at 390 and
1280 px and the drawn boxes measured.  In CI the browser must be there; elsewhere the browser
part is skipped with a message when it is missing.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from trustdata import charts


def _profile(partners=("A", "B")) -> pd.DataFrame:
    rows = []
    for p in partners:
        for k, layer in enumerate(("trust", "reliability", "honesty")):
            rows.append(
                {"couple_id": "c1", "partner": p, "layer": layer, "is_layer": layer != "trust",
                 "n_checkins": 4, "first_date": pd.Timestamp("2025-01-06"),
                 "last_date": pd.Timestamp("2025-03-03"), "start_level": 3.0 + k,
                 "n_start": 2, "recent_start": pd.Timestamp("2025-02-24"),
                 "recent_end": pd.Timestamp("2025-03-03"), "recent_level": 5.0 + k,
                 "n_recent": 2, "change": 2.0, "lags": layer == "reliability",
                 "leads": layer == "honesty"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_two_panels_carry_a_stacked_layout_for_a_phone():
    fig = charts.plot_layers(_profile())
    narrow = fig.layout.meta["narrow"]
    top, bottom = narrow["yaxis"]["domain"], narrow["yaxis2"]["domain"]
    assert bottom[1] < top[0]  # B below A, not overlapping
    assert narrow["xaxis"]["domain"] == narrow["xaxis2"]["domain"] == [0.0, 1.0]
    assert narrow["yaxis2"]["showticklabels"] is True  # B's rows are named too
    assert narrow["xaxis2"]["anchor"] == "y2" and narrow["yaxis2"]["anchor"] == "x2"
    assert [a["text"] for a in narrow["annotations"]] == ["A", "B"]
    assert [a["y"] for a in narrow["annotations"]] == [top[1], bottom[1]]
    assert narrow["height"] > fig.layout.height
    # the wide layout stays side by side
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]


def test_one_panel_needs_no_stacked_layout():
    fig = charts.plot_layers(_profile(("A",)))
    assert fig.layout.meta is None


def test_trigger_bars_grow_a_panel_per_partner():
    freq = pd.DataFrame(
        {"couple_id": "c1", "partner": ["A", "A", "B", "B"],
         "period_start": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2),
         "period": ["2025-01", "2025-02"] * 2, "category": "media", "count": [2, 5, 1, 0]}
    )  # fmt: skip
    one = charts.plot_trigger_bars(freq.loc[freq["partner"] == "A"])
    two = charts.plot_trigger_bars(freq)
    assert one.layout.height == charts.BARS_HEIGHT
    assert two.layout.height == charts.BARS_HEIGHT + charts.BARS_PANEL_PX


# --- in the browser ------------------------------------------------------------------------------


# the layers chart's and trigger bars' plot boxes and panel titles, on screen
_MEASURE = """() => Array.from(document.querySelectorAll('.chart-screen.js-plotly-plot'))
  .filter(gd => gd.getBoundingClientRect().width > 0)
  .map(gd => {
    const box = el => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
    const kind = (gd.data || []).some(t => t.meta && t.meta.part === 'start') ? 'layers'
      : (gd.data || []).some(t => t.type === 'bar' && t.meta && t.meta.category) ? 'bars' : '';
    const panels = Array.from(gd.querySelectorAll('.nsewdrag')).map(d => box(d));
    const titles = Array.from(gd.querySelectorAll('.annotation-text'))
      .map(t => [t.textContent, ...box(t)]);
    const xticks = Array.from(gd.querySelectorAll('.xtick text')).filter(t => t.textContent)
      .map(t => box(t));
    const words = Array.from(gd.querySelectorAll('.textpoint text'))
      .filter(t => / now$/.test(t.textContent)).map(t => [t.textContent, ...box(t)]);
    const yticks = Array.from(gd.querySelectorAll('.ytick text, .y2tick text'))
      .filter(t => t.textContent).map(t => [t.textContent, ...box(t)]);
    const dots = Array.from(gd.querySelectorAll('.scatterlayer .trace .points path'))
      .map(d => box(d));
    return {kind, panels, titles, xticks, words, yticks, dots, figure: box(gd)};
  }).filter(c => c.kind)"""


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, browser):
    import trustdata
    from trustdata import report, review

    logs = trustdata.load(report.resolve_path("data/sample/couples"))
    path = tmp_path_factory.mktemp("layers-phone") / "couple-04.html"
    path.write_text(report.render(review.review(logs, "couple-04")), encoding="utf-8")
    seen = {}
    for width in (390, 1280):
        tab = browser.new_page(viewport={"width": width, "height": 844})
        try:
            tab.goto(path.as_uri())
            tab.wait_for_function("document.querySelectorAll('.main-svg').length > 0")
            tab.wait_for_timeout(500)
            seen[width] = {c["kind"]: c for c in tab.evaluate(_MEASURE)}
        finally:
            tab.close()
    return seen


def test_layers_panels_stack_on_a_phone_and_sit_side_by_side_on_a_wide_screen(drawn):
    a, b = drawn[390]["layers"]["panels"]
    assert b[1] > a[3]  # B's plot starts below A's
    assert min(a[2] - a[0], b[2] - b[0]) >= 150  # was about 60 px side by side
    a, b = drawn[1280]["layers"]["panels"]
    assert b[0] > a[2] and abs(b[1] - a[1]) < 1  # side by side, level


def test_layers_panel_title_b_is_clear_of_a_on_a_phone(drawn):
    chart = drawn[390]["layers"]
    a = chart["panels"][0]
    (title_b,) = [t for t in chart["titles"] if t[0] == "B"]
    below_a = [t for t in chart["xticks"] if t[1] >= a[3] - 1 and t[3] <= title_b[2]]
    assert title_b[2] > a[3] and all(t[3] <= title_b[2] for t in below_a)


@pytest.mark.parametrize("width", [390, 1280])
def test_trigger_bars_title_b_is_clear_of_a_s_axis(drawn, width):
    chart = drawn[width]["bars"]
    a, b = chart["panels"]
    (title_b,) = [t for t in chart["titles"] if t[0] == "B"]
    assert title_b[2] - a[3] >= 12, (title_b, a)  # at 420 px it touched A's axis
    assert title_b[4] <= b[1] + 1


def _mid(b) -> float:
    return (b[1] + b[3]) / 2


@pytest.mark.parametrize("width", [390, 1280])
def test_layers_words_sit_on_their_own_row_whole_and_clear_of_the_dots(drawn, width):
    # reader14 F13: "lowest now" above its dot sat halfway to the row above and read as that
    # row's; it is on its layer's row now, right of the row's dots, and whole on the screen
    import trustdata
    from trustdata import report, review

    chart = drawn[width]["layers"]
    r = review.review(trustdata.load(report.resolve_path("data/sample/couples")), "couple-04")
    prof = r.layers_profile.loc[r.layers_profile["is_layer"]]
    marked = prof.loc[prof["lags"] | prof["leads"]]
    assert len(chart["words"]) == len(marked) > 0
    rows = sorted({_mid(t[1:]) for t in chart["yticks"]})
    gap = min(b - a for a, b in itertools.pairwise(rows))
    found = []
    for word, *b in chart["words"]:
        # its row: the row name level with it, within a tenth of the rows' spacing (above its
        # dot it was about half a row off)
        name, *t = min(chart["yticks"], key=lambda t: abs(_mid(t[1:]) - _mid(b)))
        assert abs(_mid(t) - _mid(b)) <= gap / 10, (word, name, b, t)
        found.append((name, word))
        # whole inside the figure, and over no dot
        assert chart["figure"][0] <= b[0] and b[2] <= chart["figure"][2], (word, b)
        assert not any(_overlap(b, d) for d in chart["dots"]), (word, b)
    words = {"lowest now": "lags", "highest now": "leads"}
    expected = sorted(
        (charts.LAYER_LABELS[row.layer], word)
        for row in marked.itertuples()
        for word, col in words.items()
        if getattr(row, col)
    )
    assert sorted(found) == expected


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

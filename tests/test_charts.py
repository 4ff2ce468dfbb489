"""Charts: read the data back out of each figure and compare it with a pandas one-liner."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustdata import charts, layers, schemas, synth, trends

WEEKS = pd.date_range("2025-01-06", periods=5, freq="7D")


def _trend(couples: tuple[str, ...] = ("c1",), band: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for c in couples:
        for p in ("B", "A"):  # deliberately unsorted
            score = rng.integers(2, 9, size=len(WEEKS)).astype(float)
            score[2] = np.nan  # a missed week stays a gap
            rows.append(
                pd.DataFrame(
                    {
                        "couple_id": c,
                        "partner": p,
                        "week": WEEKS,
                        "measure": "connection",
                        "score": score,
                        "n_checkins": np.where(np.isnan(score), 0, 1),
                        "rolling_mean": score + 0.5,
                        "band_low": score - 1 if band else np.nan,
                        "band_high": score + 1 if band else np.nan,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _setbacks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "setback_id": ["c1/A/1", "c1/B/1", "c1/B/2"],
            "couple_id": "c1",
            "partner": ["A", "B", "B"],
            "measure": "connection",
            "start": pd.to_datetime(["2025-01-13", "2025-01-06", "2025-01-27"]),
            "trough_date": pd.to_datetime(["2025-01-13", "2025-01-06", "2025-02-03"]),
            "end": pd.to_datetime(["2025-01-27", "2025-01-13", None]),
            "level_before": [7.0, 6.0, 6.0],
            "trough_score": [3.0, 4.0, 2.0],
            "depth": [4.0, 2.0, 4.0],
            "weeks": [2, 1, 2],
            "recovered": [True, True, False],
            "weeks_to_recover": [2.0, 1.0, np.nan],
        }
    )


def _events(note: str = "talked") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "couple_id": ["c1", "c1", "c2"],
            "date": pd.to_datetime(["2025-01-08", "2025-01-30", "2025-01-09"]),
            "kind": pd.Categorical(["discovery", "new_information", "discovery"]),
            "partner": ["A", None, "X"],
            "note": [note, None, "other couple"],
        }
    )


def _freq(period: str = "week") -> pd.DataFrame:
    rng = np.random.default_rng(3)
    starts = WEEKS[:3] if period == "week" else pd.date_range("2025-01-01", periods=3, freq="MS")
    labels = (
        [f"2025-W{w:02d}" for w in (2, 3, 4)]
        if period == "week"
        else ["2025-01", "2025-02", "2025-03"]
    )
    rows = [
        {
            "couple_id": "c1",
            "partner": p,
            "period_start": s,
            "period_end": s,
            "period": lab,
            "category": c,
            "count": int(rng.integers(0, 5)),
            "mean_intensity": 5.0,
            "max_intensity": 7.0,
            "major_count": 1,
            "plan_known": 0,
            "plan_share": np.nan,
        }
        for p in ("A", "B")
        for s, lab in zip(starts, labels, strict=True)
        for c in ("date_or_anniversary", "location", "media")
    ]
    return pd.DataFrame(rows)


def _gap() -> pd.DataFrame:
    a, b = np.array([3.0, 5.0, 6.0]), np.array([7.0, 6.0, 4.0])
    return pd.DataFrame(
        {
            "couple_id": "c1",
            "week": WEEKS[:3],
            "partner_a": "A",
            "partner_b": "B",
            "measure": "connection",
            "score_a": a,
            "score_b": b,
            "gap": a - b,
            "abs_gap": np.abs(a - b),
            "rolling_gap": [-4.0, -2.5, -1.0],
            "rolling_abs_gap": [4.0, 2.5, 2.333],
            "rolling_n": [1, 2, 3],
        }
    )


def _traj() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["b", "b", "a", "a"],
            "week": [0, 1, 0, 1],
            "mean": [4.0, 4.5, 5.0, 5.5],
            "ci_low": [3.0, 3.5, 4.0, 4.5],
            "ci_high": [5.0, 5.5, 6.0, 6.5],
            "n_couples": [10, 9, 12, 12],
        }
    )


def _curve() -> pd.DataFrame:
    # shaped like cohort.time_to_good_level: week 0 has no interval (survival 1), nor has the
    # end of group "therapy" where survival reaches 0
    return pd.DataFrame(
        {
            "group": ["waitlist"] * 3 + ["therapy"] * 4,
            "weeks": [0, 6, 12, 0, 4, 8, 15],
            "survival": [1.0, 0.8, 0.6, 1.0, 0.75, 0.25, 0.0],
            "ci_low": [np.nan, 0.4, 0.3, np.nan, 0.3, 0.05, np.nan],
            "ci_high": [np.nan, 0.95, 0.85, np.nan, 0.9, 0.6, np.nan],
            "at_risk": [5, 5, 4, 4, 4, 3, 1],
            "events": [0, 1, 1, 0, 1, 2, 1],
        }
    )


def _part(fig, part: str, partner: str | None = None):
    return [
        t
        for t in fig.data
        if t.meta
        and t.meta.get("part") == part
        and (partner is None or t.meta["partner"] == partner)
    ]


# --- plot_trend ------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", ["A", "B"])
def test_trend_score_and_average_traces_hold_the_partners_values(partner):
    trend = _trend()
    fig = charts.plot_trend(trend)
    (score,) = _part(fig, "score", partner)
    (avg,) = _part(fig, "average", partner)
    expected = trend.query("partner == @partner").sort_values("week")
    np.testing.assert_array_equal(score.y, expected["score"].to_numpy())
    np.testing.assert_array_equal(avg.y, expected["rolling_mean"].to_numpy())
    assert pd.to_datetime(score.x).equals(pd.DatetimeIndex(expected["week"]))


def test_trend_draws_partners_in_sorted_order_with_okabe_ito_colours():
    fig = charts.plot_trend(_trend())
    scores = _part(fig, "score")
    assert [t.name for t in scores] == ["A: weekly score", "B: weekly score"]
    assert [t.marker.color for t in scores] == [
        charts.OKABE_ITO["blue"],
        charts.OKABE_ITO["orange"],
    ]


@pytest.mark.parametrize("band", [True, False])
def test_trend_band_is_drawn_only_when_it_has_values(band):
    trend = _trend(band=band)
    fig = charts.plot_trend(trend)
    highs = _part(fig, "band_high", "A")
    lows = _part(fig, "band_low", "A")
    if band:
        a = trend.query("partner == 'A'").dropna(subset=["band_low", "band_high"])
        np.testing.assert_array_equal(np.concatenate([t.y for t in highs]), a["band_high"])
        np.testing.assert_array_equal(np.concatenate([t.y for t in lows]), a["band_low"])
        assert all(t.fill == "tonexty" for t in lows)
    else:
        assert highs == [] and lows == []


def test_trend_band_leaves_a_missed_week_as_a_gap():
    # plotly's tonexty across a missing value fills shapes that are not the band: each run of
    # weeks with a band is its own (upper, lower) pair
    fig = charts.plot_trend(_trend())
    highs, lows = _part(fig, "band_high", "A"), _part(fig, "band_low", "A")
    runs = [list(pd.to_datetime(t.x)) for t in highs]
    assert runs == [list(WEEKS[:2]), list(WEEKS[3:])]  # week 2 is missing
    assert [list(pd.to_datetime(t.x)) for t in lows] == runs


def test_trend_shades_one_rectangle_per_setback_and_runs_ongoing_ones_to_their_last_week():
    setbacks = _setbacks()
    fig = charts.plot_trend(_trend(), setbacks=setbacks)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == len(setbacks)
    ends = sorted(pd.Timestamp(r.x1) for r in rects)
    # the ongoing setback starts 2025-01-27 and has 2 weeks: it is shaded to 2025-02-10
    expected = setbacks["end"].fillna(
        setbacks["start"] + pd.to_timedelta(setbacks["weeks"] * 7, "D")
    )
    assert ends == sorted(expected)


def test_trend_ignores_setbacks_of_other_couples_and_measures():
    setbacks = pd.concat(
        [_setbacks(), _setbacks().assign(couple_id="c2"), _setbacks().assign(measure="trust")]
    )
    fig = charts.plot_trend(_trend(), setbacks=setbacks)
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == 3


def test_trend_event_markers_and_lines_are_the_couples_events():
    events = _events()
    fig = charts.plot_trend(_trend(), events=events)
    (marks,) = _part(fig, "events")
    mine = events.query("couple_id == 'c1'")
    assert pd.to_datetime(marks.x).equals(pd.DatetimeIndex(mine["date"]))
    assert len([s for s in fig.layout.shapes if s.type == "line"]) == len(mine)
    assert marks.customdata[0][0] == "Discovery"
    assert marks.customdata[1][0] == "New information"


def test_trend_hover_escapes_a_note_that_holds_a_script():
    fig = charts.plot_trend(_trend(), events=_events(note="<script>alert(1)</script>"))
    (marks,) = _part(fig, "events")
    hover = " ".join(map(str, marks.customdata.ravel()))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hover
    assert "<script>" not in hover


def test_trend_escapes_partner_and_title_text():
    trend = _trend().replace({"partner": {"A": "<b>Al</b>"}})
    fig = charts.plot_trend(trend, title="<img src=x onerror=alert(1)>")
    names = " ".join(t.name for t in fig.data)
    assert "<b>" not in names and "&lt;b&gt;Al&lt;/b&gt;: weekly score" in names
    assert fig.layout.title.text == "&lt;img src=x onerror=alert(1)&gt;"
    custom = " ".join(map(str, _part(fig, "score", "<b>Al</b>")[0].customdata.ravel()))
    assert "<b>" not in custom


def test_trend_uses_plain_words_for_title_and_axes():
    fig = charts.plot_trend(_trend())
    assert fig.layout.title.text == "How connected each of you felt"
    assert fig.layout.xaxis.title.text == "Week"
    assert fig.layout.yaxis.title.text == "Connection (1-10)"


def test_trend_with_several_couples_asks_to_pick_one():
    trend = _trend(("c1", "c2"))
    with pytest.raises(ValueError, match=r"pass `couple_id=` to pick one"):
        charts.plot_trend(trend)
    fig = charts.plot_trend(trend, couple_id="c2")
    (score,) = _part(fig, "score", "A")
    np.testing.assert_array_equal(
        score.y, trend.query("couple_id == 'c2' and partner == 'A'")["score"].to_numpy()
    )


def test_trend_unknown_couple_is_a_sentence():
    with pytest.raises(ValueError, match=r"The value for `couple_id` must be one of \['c1'\]"):
        charts.plot_trend(_trend(), couple_id="zz")


def test_trend_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"must have the columns \['rolling_mean'\]"):
        charts.plot_trend(_trend().drop(columns="rolling_mean"))


def test_charts_do_not_modify_their_input():
    trend, setbacks, events = _trend(), _setbacks(), _events()
    copies = [f.copy() for f in (trend, setbacks, events)]
    charts.plot_trend(trend, setbacks=setbacks, events=events)
    for before, after in zip(copies, (trend, setbacks, events), strict=True):
        pd.testing.assert_frame_equal(before, after)


# --- every chart -----------------------------------------------------------------------------

ALL = [
    (charts.plot_trend, _trend),
    (charts.plot_trigger_heatmap, _freq),
    (charts.plot_trigger_bars, lambda: _freq("month")),
    (charts.plot_setback_timeline, _setbacks),
    (charts.plot_partner_gap, _gap),
    (charts.plot_cohort_trajectories, _traj),
    (charts.plot_survival, _curve),
]


@pytest.mark.parametrize(("plot", "make"), ALL)
def test_each_call_returns_a_new_figure(plot, make):
    frame = make()
    first, second = plot(frame), plot(frame)
    assert first is not second
    first.update_layout(title_text="changed")
    assert second.layout.title.text != "changed"


@pytest.mark.parametrize(("plot", "make"), ALL)
def test_empty_input_gives_a_no_data_yet_figure(plot, make):
    fig = plot(make().iloc[0:0])
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == [charts.NO_DATA_TEXT]
    assert fig.layout.title.text  # still says what the chart would show


@pytest.mark.parametrize(("plot", "make"), ALL)
def test_figures_use_system_fonts_and_no_geo_traces(plot, make):
    fig = plot(make())
    assert fig.layout.font.family == charts.FONT
    assert not any(
        t.type in {"scattergeo", "choropleth", "scattermapbox", "scattermap"} for t in fig.data
    )


@pytest.mark.parametrize(("plot", "make"), ALL)
def test_legend_sits_at_the_bottom_of_the_figure_under_the_axis_title(plot, make):
    # paper-relative legends (y=-0.3) land on the x-axis title; a container-relative one at
    # y=0 is below everything and plotly grows the bottom margin to fit it
    legend = plot(make()).layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == (
        "h",
        "container",
        0,
        "bottom",
    )


def test_palette_is_okabe_ito():
    # Okabe & Ito (2008), "Color Universal Design": the eight colours, by hex code
    assert set(charts.PALETTE) == {
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"
    }  # fmt: skip
    assert set(charts.CATEGORY_COLOURS.values()) <= set(charts.PALETTE)
    assert len(set(charts.CATEGORY_COLOURS.values())) == len(charts.CATEGORY_COLOURS)


def test_offline_html_fetches_nothing():
    fig = charts.plot_trend(_trend(), setbacks=_setbacks(), events=_events())
    page = fig.to_html(include_plotlyjs=True, full_html=True)
    # plotly.js itself holds http(s) strings only for map/geo traces (STACK.md); what would
    # fetch is a script or stylesheet pointing at the network
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?https?://", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?://", page, re.I)
    # everything but the plotly.js bundle (the figure, its fonts, the page) holds no address
    assert "http" not in fig.to_html(include_plotlyjs=False, full_html=True)


# --- triggers --------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", ["A", "B"])
def test_heatmap_z_is_the_pivot_of_counts(partner):
    freq = _freq()
    fig = charts.plot_trigger_heatmap(freq)
    (trace,) = [t for t in fig.data if t.name == partner]
    expected = freq.query("partner == @partner").pivot(
        index="category", columns="period_start", values="count"
    )
    np.testing.assert_array_equal(trace.z, expected.to_numpy(dtype=float))
    assert list(trace.y) == [charts.CATEGORY_LABELS[c] for c in expected.index]
    assert fig.layout.xaxis2.title.text == "Week"


def test_heatmap_names_every_category_and_keeps_its_width_for_the_cells():
    # at 390 px the cells were about 60 px wide (the colour bar and its title took the rest)
    # and plotly named only some rows: the bar now lies across above the panels, every row is
    # named (on lines of at most 14 characters: tests/test_charts_phone.py) and the figure
    # grows by HEAT_ROW_PX a row
    freq = _freq()
    fig = charts.plot_trigger_heatmap(freq)
    bar = fig.layout.coloraxis.colorbar
    assert (bar.orientation, bar.yanchor, bar.y > 1) == ("h", "bottom", True)
    names = [charts.CATEGORY_LABELS[c] for c in ("date_or_anniversary", "location", "media")]
    assert all(list(fig.layout[a].tickvals) == names for a in ("yaxis", "yaxis2"))
    rows = sum(len(t.y) for t in fig.data)
    assert rows == 2 * freq["category"].nunique()
    # 2 panels of 3 rows: 30 px a row in what the gap between the panels leaves, 230 px besides
    assert fig.layout.height == round(230 + charts.HEAT_ROW_PX * 6 / (1 - 0.12)) == 435
    cats = [c for c in charts.CATEGORY_LABELS if c != "all"][:7]
    seven = pd.concat(
        [freq.loc[freq["category"] == freq["category"].iloc[0]].assign(category=c) for c in cats],
        ignore_index=True,
    )
    assert len(seven["category"].unique()) == 7
    # 2 panels of 7 rows, sharing what the gap between them leaves
    height = round(230 + charts.HEAT_ROW_PX * 14 / (1 - 0.12))
    assert charts.plot_trigger_heatmap(seven).layout.height == height


def test_heatmap_leaves_missing_cells_empty():
    freq = _freq().iloc[1:]  # drop one (period, category) row
    fig = charts.plot_trigger_heatmap(freq)
    assert np.isnan(fig.data[0].z).sum() == 1


def test_heatmap_drops_the_all_total_when_categories_exist():
    freq = pd.concat([_freq(), _freq().assign(category="all", count=99)])
    fig = charts.plot_trigger_heatmap(freq)
    assert "All triggers" not in fig.data[0].y


@pytest.mark.parametrize("category", ["date_or_anniversary", "location", "media"])
def test_bars_stack_each_categorys_counts(category):
    freq = _freq("month")
    fig = charts.plot_trigger_bars(freq)
    (trace,) = [t for t in fig.data if t.meta == {"partner": "A", "category": category}]
    expected = freq.query("partner == 'A' and category == @category")["count"]
    np.testing.assert_array_equal(trace.y, expected.to_numpy())
    assert trace.marker.color == charts.CATEGORY_COLOURS[category]
    assert fig.layout.barmode == "stack"
    assert fig.layout.xaxis2.title.text == "Month"


def test_bars_show_each_category_once_in_the_legend():
    fig = charts.plot_trigger_bars(_freq("month"))
    shown = [t.name for t in fig.data if t.showlegend]
    assert sorted(shown) == sorted(set(shown)) and len(shown) == 3


def test_mixed_periods_are_refused():
    freq = pd.concat([_freq(), _freq("month")])
    with pytest.raises(ValueError, match="mixes weeks and months"):
        charts.plot_trigger_bars(freq)


# --- setbacks --------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", ["A", "B"])
def test_timeline_bars_start_at_start_and_last_to_end(partner):
    setbacks = _setbacks()
    fig = charts.plot_setback_timeline(setbacks)
    (trace,) = [t for t in fig.data if t.meta["partner"] == partner]
    mine = setbacks.query("partner == @partner")
    end = mine["end"].fillna(mine["start"] + pd.to_timedelta(mine["weeks"] * 7, "D"))
    assert pd.to_datetime(pd.Series(trace.base)).tolist() == mine["start"].tolist()
    np.testing.assert_array_equal(trace.x, (end - mine["start"]).dt.total_seconds() * 1000)
    assert trace.orientation == "h"


def test_timeline_as_of_extends_ongoing_setbacks_and_marks_them():
    fig = charts.plot_setback_timeline(_setbacks(), as_of="2025-03-03")
    (b,) = [t for t in fig.data if t.meta["partner"] == "B"]
    # ongoing: 2025-01-27 to 2025-03-03 = 35 days
    assert b.x[1] == 35 * 24 * 3600 * 1000
    assert list(b.marker.pattern.shape) == ["", "/"]
    assert "still going on" in b.customdata[1][1]


# --- partner gap and cohorts -----------------------------------------------------------------


def test_gap_bars_are_the_gap_with_a_zero_line_and_rolling_gap():
    gap = _gap()
    fig = charts.plot_partner_gap(gap)
    np.testing.assert_array_equal(fig.data[0].y, gap["gap"].to_numpy())
    np.testing.assert_array_equal(fig.data[1].y, gap["rolling_gap"].to_numpy())
    assert [(s.type, s.y0, s.y1) for s in fig.layout.shapes] == [("line", 0, 0)]
    assert fig.layout.yaxis.title.text == "Gap in points (A minus B)"


@pytest.mark.parametrize("group", ["a", "b"])
def test_cohort_lines_are_the_group_means_with_bands(group):
    traj = _traj()
    fig = charts.plot_cohort_trajectories(traj)
    (line,) = [t for t in fig.data if t.meta == {"group": group, "part": "mean"}]
    (low,) = [t for t in fig.data if t.meta == {"group": group, "part": "ci_low"}]
    mine = traj.query("group == @group").sort_values("week")
    np.testing.assert_array_equal(line.y, mine["mean"].to_numpy())
    np.testing.assert_array_equal(low.y, mine["ci_low"].to_numpy())
    np.testing.assert_array_equal(
        np.asarray(line.customdata)[:, 0].astype(float), mine["n_couples"].to_numpy(float)
    )
    assert (np.asarray(line.customdata)[:, 1] == group).all()


# --- the real analyses' outputs --------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    from trustdata import synth

    return synth.generate(couples=3, seed=11, months=(6, 8), text=False).logs


def test_trend_draws_weekly_trend_output(synthetic):
    from trustdata.setbacks import find_setbacks
    from trustdata.trends import weekly_trend

    logs = synthetic.couple(synthetic.couple_ids[0])
    trend = weekly_trend(logs.checkins, logs.events)
    setbacks = find_setbacks(logs.checkins)
    fig = charts.plot_trend(trend, setbacks=setbacks, events=logs.events)
    for p in trend["partner"].unique():
        (score,) = _part(fig, "score", p)
        np.testing.assert_array_equal(score.y, trend.query("partner == @p")["score"].to_numpy())
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == len(setbacks)
    assert len(_part(fig, "events")[0].x) == len(logs.events)


def test_trigger_charts_draw_trigger_frequency_output(synthetic):
    from trustdata.triggers import trigger_frequency

    logs = synthetic.couple(synthetic.couple_ids[0])
    weekly = trigger_frequency(logs.triggers)
    monthly = trigger_frequency(logs.triggers, period="month")
    heat = charts.plot_trigger_heatmap(weekly)
    first = sorted(weekly["partner"].unique())[0]
    expected = (
        weekly.loc[weekly["partner"] == first]
        .pivot(index="category", columns="period_start", values="count")
        .reindex(list(schemas.TRIGGER_CATEGORIES))
    )
    np.testing.assert_array_equal(heat.data[0].z, expected.to_numpy(dtype=float))
    bars = charts.plot_trigger_bars(monthly)
    assert sum(t.y.sum() for t in bars.data) == monthly["count"].sum()


def test_timeline_and_gap_draw_setbacks_and_partner_gap_output(synthetic):
    from trustdata.dyad import partner_gap
    from trustdata.setbacks import find_setbacks

    logs = synthetic.couple(synthetic.couple_ids[0])
    setbacks = find_setbacks(logs.checkins)
    timeline = charts.plot_setback_timeline(setbacks)
    assert sum(len(t.x) for t in timeline.data) == len(setbacks)
    gap = partner_gap(logs.checkins)
    np.testing.assert_array_equal(charts.plot_partner_gap(gap).data[0].y, gap["gap"].to_numpy())


def test_cohort_chart_draws_cohort_trajectories_output(synthetic):
    from trustdata import cohort

    aligned = cohort.align(synthetic.checkins, synthetic.events, fallback="disclosure")
    traj = cohort.trajectories(aligned, synthetic.couples)
    fig = charts.plot_cohort_trajectories(traj)
    means = [t for t in fig.data if t.meta["part"] == "mean"]
    assert sum(len(t.y) for t in means) == len(traj)
    assert fig.layout.xaxis.title.text == "Weeks since the discovery or disclosure"


# --- one colour per partner across charts ----------------------------------------------------


def test_partners_keep_their_colour_when_one_has_no_setbacks():
    only_b = _setbacks().query("partner == 'B'")
    trend = charts.plot_trend(_trend(), partners=["A", "B"])
    timeline = charts.plot_setback_timeline(only_b, partners=["A", "B"])
    (b_score,) = _part(trend, "score", "B")
    (b_bar,) = timeline.data
    assert b_bar.marker.color == b_score.marker.color == charts.OKABE_ITO["orange"]
    assert list(timeline.layout.yaxis.categoryarray) == ["A", "B"]  # A keeps an empty row


def test_partners_given_as_one_string_is_refused():
    with pytest.raises(ValueError, match="must be a list of partner ids"):
        charts.plot_trend(_trend(), partners="AB")


def test_trend_has_a_legend_key_for_setbacks_only_when_one_is_shaded():
    assert _part(charts.plot_trend(_trend(), setbacks=_setbacks()), "setbacks")
    assert not _part(charts.plot_trend(_trend(), setbacks=_setbacks().iloc[0:0]), "setbacks")


def test_trend_legend_keys_look_like_the_marks_they_name():
    # a reader saw an orange triangle for "Events" (the first event's marker stood for all of
    # them) beside circles and stars, and a grey "Setback" key beside blue shading: the events'
    # key is a neutral one of their own, and every setback is shaded in the key's grey
    events = pd.concat(
        [
            _events(),
            pd.DataFrame(
                {
                    "couple_id": ["c1", "c1"],
                    "date": pd.to_datetime(["2025-01-15", "2025-01-22"]),
                    "kind": pd.Categorical(["couples_therapy", "small_win"]),
                    "partner": [None, "B"],
                    "note": [None, None],
                }
            ),
        ],
        ignore_index=True,
    )
    fig = charts.plot_trend(_trend(), setbacks=_setbacks(), events=events)
    (marks,) = _part(fig, "events")
    assert marks.showlegend is False
    assert len(set(marks.marker.symbol)) == 3  # triangle, circle, star
    (key,) = _part(fig, "event_key")
    assert (key.name, key.marker.symbol) == ("Events", "circle-open")  # no one kind's marker
    assert key.marker.symbol not in marks.marker.symbol
    (setback_key,) = _part(fig, "setbacks")
    shading = {(s.fillcolor, s.opacity) for s in fig.layout.shapes if s.type == "rect"}
    assert shading == {(charts.SETBACK_SHADE, 0.18)}  # A's and B's alike
    assert setback_key.marker.color == charts._rgba(charts.SETBACK_SHADE, 0.3)


@pytest.mark.parametrize(("y_range", "expected"), [((0.5, 10.5), (0.5, 10.5)), (None, None)])
def test_cohort_y_range_keeps_wide_bands_on_the_score_scale(y_range, expected):
    fig = charts.plot_cohort_trajectories(_traj().assign(ci_low=-30.0), y_range=y_range)
    assert (tuple(fig.layout.yaxis.range) if fig.layout.yaxis.range else None) == expected


# --- plot_survival -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["therapy", "waitlist"])
def test_survival_line_is_the_groups_curve_as_steps(group):
    curve = _curve()
    (line,) = [t for t in _parts(charts.plot_survival(curve), "survival") if t.name == group]
    rows = curve[curve["group"] == group].sort_values("weeks")
    np.testing.assert_array_equal(line.x, rows["weeks"].to_numpy())
    np.testing.assert_array_equal(line.y, rows["survival"].to_numpy())
    assert line.line.shape == "hv"
    np.testing.assert_array_equal(
        np.asarray(line.customdata)[:, :2].astype(float),
        rows[["at_risk", "events"]].to_numpy(float),
    )


@pytest.mark.parametrize("group", ["therapy", "waitlist"])
def test_survival_band_covers_only_rows_with_both_bounds(group):
    curve = _curve()
    fig = charts.plot_survival(curve)
    (high,) = [t for t in _parts(fig, "ci_high") if t.meta["group"] == group]
    (low,) = [t for t in _parts(fig, "ci_low") if t.meta["group"] == group]
    rows = curve[curve["group"] == group].dropna(subset=["ci_low", "ci_high"])
    np.testing.assert_array_equal(high.x, rows["weeks"].to_numpy())
    np.testing.assert_array_equal(high.y, rows["ci_high"].to_numpy())
    np.testing.assert_array_equal(low.y, rows["ci_low"].to_numpy())
    assert low.fill == "tonexty" and low.line.shape == high.line.shape == "hv"
    assert not high.showlegend and not low.showlegend


def test_survival_groups_sorted_with_okabe_ito_colours_and_plain_words():
    fig = charts.plot_survival(_curve())
    lines = _parts(fig, "survival")
    assert [t.name for t in lines] == ["therapy", "waitlist"]
    assert [t.line.color for t in lines] == [charts.OKABE_ITO["blue"], charts.OKABE_ITO["orange"]]
    assert fig.layout.title.text == "Share of couples not yet at a good level"
    assert fig.layout.xaxis.title.text == "Weeks since discovery"
    assert list(fig.layout.yaxis.range) == [0, 1.02] and fig.layout.yaxis.tickformat == ".0%"


def test_survival_hover_gives_the_numbers_at_risk():
    (line, _) = _parts(charts.plot_survival(_curve()), "survival")
    assert "%{customdata[3]} still followed and not yet there" in line.hovertemplate
    assert "%{customdata[1]} got there this week" in line.hovertemplate
    rows = _curve().query("group == 'therapy'").sort_values("weeks")
    assert np.asarray(line.customdata)[:, 3].tolist() == [
        f"{n} couple{'s' if n != 1 else ''}" for n in rows["at_risk"]
    ]


def test_survival_without_ci_draws_only_the_lines():
    fig = charts.plot_survival(_curve(), show_ci=False)
    assert [t.meta["part"] for t in fig.data] == ["survival", "survival"]


def test_survival_escapes_group_names_and_title():
    curve = _curve().replace({"group": {"therapy": "<b>x</b>"}})
    fig = charts.plot_survival(curve, title="<i>t</i>", x_label="Weeks since <disclosure>")
    assert "&lt;b&gt;x&lt;/b&gt;" in [t.name for t in fig.data]
    assert fig.layout.title.text == "&lt;i&gt;t&lt;/i&gt;"
    assert fig.layout.xaxis.title.text == "Weeks since &lt;disclosure&gt;"


def test_survival_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"\['at_risk'\]"):
        charts.plot_survival(_curve().drop(columns="at_risk"))


def test_survival_chart_draws_time_to_good_level_output(synthetic):
    from trustdata import cohort

    aligned = cohort.align(synthetic.checkins, synthetic.events, fallback="disclosure")
    curve = cohort.time_to_good_level(aligned, window=1, level=5)
    assert len(curve) > 1
    fig = charts.plot_survival(curve)
    lines = _parts(fig, "survival")
    assert sum(len(t.y) for t in lines) == len(curve)
    for t in lines:
        rows = curve[curve["group"] == t.meta["group"]]
        np.testing.assert_array_equal(t.y, rows.sort_values("weeks")["survival"].to_numpy())


def _parts(fig, part: str):
    return [t for t in fig.data if t.meta and t.meta.get("part") == part]


def test_bars_count_axes_start_at_zero_also_for_a_panel_of_zeros():
    freq = _freq("month")
    freq.loc[freq["partner"] == freq["partner"].iloc[-1], "count"] = 0
    fig = charts.plot_trigger_bars(freq)
    assert {fig.layout.yaxis.rangemode, fig.layout.yaxis2.rangemode} == {"nonnegative"}


# --- typed text never reaches plotly live (issue 13 point 1) --------------------------------

PAYLOADS = [
    "%{meta.partner}",
    "%{customdata[0]}",
    '<a href="https://x.invalid/">link</a>',
    "<img src=x onerror=alert(1)>",
    '<b style="fill:url(https://x.invalid/a)">bold</b>',
    "$\\alpha$",
]
# the package's own markup and template placeholders, nothing else may look like either
_OWN_TAGS = re.compile(r"</?(br|b|extra)>")
_OWN_PLACEHOLDER = re.compile(r"%\{(customdata(\[\d+\])?|x|y|z)(:[^{}]*|\|[^{}]*)?\}")


def _strings(obj, path=""):
    """Every string of a figure's JSON with its path (meta excluded: it is never rendered)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k != "meta":
                yield from _strings(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple | np.ndarray):
        for v in obj:
            yield from _strings(v, path)
    elif isinstance(obj, str):
        yield path, obj


def _assert_inert(fig, payload: str) -> None:
    found = False
    for path, text in _strings(fig.to_plotly_json()):
        if path.endswith("hovertemplate"):
            rest = _OWN_PLACEHOLDER.sub("", text)
            assert "%{" not in rest, (path, text)
        else:
            assert "%{" not in text, (path, text)
        rest = _OWN_TAGS.sub("", text)
        assert "<" not in rest and ">" not in rest, (path, text)
        assert "$" not in text, (path, text)
        found |= charts.escape(payload) in text
    assert found, "the payload should be shown, escaped"


def _hostile_figures(payload: str):
    trend = _trend().replace({"partner": {"A": payload}})
    ev = _events(note=payload).assign(partner=payload)
    sb = _setbacks().replace({"partner": {"A": payload}})
    yield charts.plot_trend(trend, setbacks=sb, events=ev, title=payload)
    yield charts.plot_trend(_trend(), events=ev, names={"A": payload}, audience="therapist")
    yield charts.plot_trigger_heatmap(_freq().replace({"partner": {"A": payload}}))
    freq = _freq("month").replace({"partner": {"A": payload}})
    yield charts.plot_trigger_bars(freq, title=payload)
    yield charts.plot_setback_timeline(sb, title=payload)
    yield charts.plot_partner_gap(_gap().assign(partner_a=payload))
    yield charts.plot_cohort_trajectories(_traj().replace({"group": {"a": payload}}))
    yield charts.plot_survival(_curve().replace({"group": {"therapy": payload}}))
    yield charts.plot_layers(_profile().replace({"partner": {"A": payload}}))
    yield charts.plot_layers(_layer_weeks(), names={"B": payload}, title=payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_text_reaches_no_template_title_label_legend_or_annotation_live(payload):
    for fig in _hostile_figures(payload):
        _assert_inert(fig, payload)


def test_escape_turns_every_special_character_into_a_reference_plotly_decodes():
    # plotly.js decodes numeric references and only a few named ones (amp, lt, gt, nbsp, ...):
    # &quot; would show as it is, so quotes become &#34; and &#39;
    assert charts.escape("a&b<c>\"d'e%{f}$") == "a&amp;b&lt;c&gt;&#34;d&#39;e&#37;{f}&#36;"


def test_hover_templates_of_every_chart_hold_no_typed_text():
    payload = "Zo\u00eb %{x}"
    for fig in _hostile_figures(payload):
        for t in fig.data:
            template = t.hovertemplate or ""
            assert "Zo" not in template, (t.name, template)


# --- events by name --------------------------------------------------------------------------


def _named_events(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "couple_id": "c1",
            "date": pd.to_datetime([r[0] for r in rows]),
            "kind": pd.Categorical([r[1] for r in rows], categories=schemas.EVENT_KINDS),
            "partner": [r[2] for r in rows],
            "note": [r[3] for r in rows],
        }
    )


def _event_names(fig):
    return [a for a in fig.layout.annotations if a.name == "event"]


def test_each_event_is_named_in_words_beside_its_mark():
    ev = _named_events(
        ("2025-01-08", "repeat_betrayal", "B", "It happened again"),
        ("2025-01-30", "small_win", None, None),
    )
    fig = charts.plot_trend(_trend(), events=ev)
    names = _event_names(fig)
    assert [a.text for a in names] == ["Repeat betrayal", "Small win"]
    assert [pd.Timestamp(a.x) for a in names] == list(ev["date"])
    # the names sit above the scores, inside the (extended) y range
    top = fig.layout.yaxis.range[1]
    assert all(schemas.SCORE_MAX < a.y < top for a in names)


def test_two_events_a_week_apart_stay_two_marks_on_different_rows():
    ev = _named_events(
        ("2025-01-13", "new_information", "A", None),
        ("2025-01-20", "couples_therapy", None, None),
        ("2025-01-22", "agreement", None, None),
    )
    trend = _trend()  # over a year, a week is about 12 px of a 600 px plot: names would collide
    trend = pd.concat([trend, trend.assign(week=trend["week"] + pd.Timedelta(weeks=52))])
    fig = charts.plot_trend(trend, events=ev)
    (marks,) = _part(fig, "events")
    assert len(marks.x) == 3
    names = _event_names(fig)
    assert len(names) == 3 and len({a.y for a in names}) == 3  # staggered, none merged


def test_events_far_apart_share_the_first_row():
    trend = _trend()
    trend = pd.concat([trend, trend.assign(week=trend["week"] + pd.Timedelta(weeks=52))])
    ev = _named_events(("2025-01-13", "agreement", None, None), ("2025-12-01", "other", None, None))
    names = _event_names(charts.plot_trend(trend, events=ev))
    assert names[0].y == names[1].y


def test_abuse_and_a_small_win_look_different():
    ev = _named_events(("2025-01-08", "abuse", "A", "x"), ("2025-01-30", "small_win", None, None))
    (marks,) = _part(charts.plot_trend(_trend(), events=ev, audience="therapist"), "events")
    assert marks.marker.symbol[0] != marks.marker.symbol[1]
    assert marks.marker.color[0] != marks.marker.color[1]
    assert set(marks.marker.color) <= set(charts.PALETTE) | {"#777777"}


@pytest.mark.parametrize("audience", [None, "couple"])
def test_a_couple_figure_never_shows_an_abuse_note_or_who_recorded_it(audience):
    ev = _named_events(
        ("2025-01-08", "abuse", "A", "Pushed me during an argument"),
        ("2025-01-30", "agreement", "B", "Phone agreement"),
    )
    kwargs = {} if audience is None else {"audience": audience}  # the default is the safe one
    fig = charts.plot_trend(_trend(), events=ev, **kwargs)
    everything = " ".join(text for _, text in _strings(fig.to_plotly_json()))
    assert "Pushed" not in everything
    (marks,) = _part(fig, "events")
    assert list(marks.customdata[0]) == ["Safety concern", "8 January 2025", "", ""]
    assert "Phone agreement" in marks.customdata[1][3]  # other notes stay, on hover only
    assert "Phone agreement" not in " ".join(a.text for a in fig.layout.annotations)


def test_a_therapist_figure_names_the_abuse_event_with_its_note():
    ev = _named_events(("2025-01-08", "abuse", "A", "Pushed me <during>"))
    fig = charts.plot_trend(_trend(), events=ev, audience="therapist")
    (marks,) = _part(fig, "events")
    assert marks.customdata[0][0] == "Abuse"
    assert marks.customdata[0][2] == " (recorded by A)"
    assert marks.customdata[0][3] == "<br>Pushed me &lt;during&gt;"
    assert _event_names(fig)[0].text == "<b>Abuse</b>"


def test_audience_is_checked():
    with pytest.raises(ValueError, match=r"`audience` must be one of \['couple', 'therapist'\]"):
        charts.plot_trend(_trend(), audience="public")


def test_titles_speak_to_the_audience():
    assert charts.plot_trend(_trend()).layout.title.text == "How connected each of you felt"
    fig = charts.plot_trend(_trend(), audience="therapist")
    assert fig.layout.title.text == "How connected each partner felt"


def test_trust_trend_draws_weekly_trend_of_trust():
    logs = synth.generate(couples=1, seed=3).logs
    weekly = trends.weekly_trend(logs.checkins, logs.events, measure="trust")
    fig = charts.plot_trend(weekly, events=logs.events)
    assert fig.layout.title.text == "How much each of you trusted"
    (score,) = [t for t in _part(fig, "score") if t.meta["partner"] == "A"]
    a = weekly.query("partner == 'A'")
    np.testing.assert_array_equal(score.y, a["score"].to_numpy())
    assert len(_event_names(fig)) == len(logs.events)


def test_display_names_label_the_partners_and_keep_the_colours():
    fig = charts.plot_trend(_trend(), names={"A": "Sam", "B": "Alex"})
    scores = _part(fig, "score")
    assert [t.name for t in scores] == ["Sam: weekly score", "Alex: weekly score"]
    assert [t.marker.color for t in scores] == list(charts.PALETTE[:2])
    with pytest.raises(ValueError, match="`names` must map partner ids"):
        charts.plot_trend(_trend(), names=["Sam"])


# --- trust and its layers --------------------------------------------------------------------


def _profile() -> pd.DataFrame:
    rows = []
    for p, base in (("B", 5.0), ("A", 3.0)):
        for k, layer in enumerate(("trust", *schemas.LAYERS)):
            recent = np.nan if (p, layer) == ("B", "respect") else base + k * 0.5
            rows.append(
                {
                    "couple_id": "c1",
                    "partner": p,
                    "layer": layer,
                    "start_level": base,
                    "n_start": 3,
                    "recent_level": recent,
                    "n_recent": 0 if np.isnan(recent) else 2,
                    "change": recent - base,
                    "lags": layer == "reliability",
                    "leads": layer == "transparency",
                }
            )
    return pd.DataFrame(rows)


def _layer_weeks() -> pd.DataFrame:
    trend = _trend()
    return pd.concat(
        [
            trend.assign(measure=m, score=trend["score"] + i)
            for i, m in enumerate(("trust", "honesty"))
        ],
        ignore_index=True,
    )


@pytest.mark.parametrize("partner", ["A", "B"])
def test_layer_profile_draws_each_partners_start_and_recent_levels(partner):
    prof = _profile()
    fig = charts.plot_layers(prof)
    (start,) = _part(fig, "start", partner)
    (recent,) = _part(fig, "recent", partner)
    mine = prof.query("partner == @partner")
    np.testing.assert_array_equal(start.x, mine["start_level"].to_numpy())
    np.testing.assert_array_equal(recent.x, mine["recent_level"].to_numpy())
    assert list(recent.y) == [charts.LAYER_LABELS[m] for m in mine["layer"]]
    # the words are a trace of their own, on the marked rows only (reader14 F13)
    (words,) = _part(fig, "mark", partner)
    marks = dict(zip(words.y, words.text, strict=True))
    assert marks["Reliability"] == "lowest now" and marks["Transparency"] == "highest now"
    assert "Honesty" not in marks and recent.text is None
    # the hover says "not rated", never NaN
    hover = " ".join(map(str, recent.customdata.ravel()))
    assert "nan" not in hover.lower()
    if partner == "B":
        assert "not rated" in hover


def test_layer_profile_puts_the_partners_side_by_side_in_their_colours():
    fig = charts.plot_layers(_profile())
    (a,), (b,) = _part(fig, "recent", "A"), _part(fig, "recent", "B")
    assert (a.xaxis, b.xaxis) == ("x", "x2")
    assert fig.layout.xaxis.domain[1] <= fig.layout.xaxis2.domain[0]
    assert (a.marker.color, b.marker.color) == charts.PALETTE[:2]
    assert [ann.text for ann in fig.layout.annotations] == ["A", "B"]
    # trust on top, then the layers in the guide's order
    assert list(fig.layout.yaxis.categoryarray)[::-1][:2] == ["Trust", "Reliability"]


def test_layer_profile_change_segments_join_only_layers_with_both_levels():
    fig = charts.plot_layers(_profile())
    (seg,) = _part(fig, "change", "B")
    assert sum(v is None for v in seg.x) == 6  # seven layers, respect has no recent level


def test_layer_weeks_draw_one_panel_per_measure_with_both_partners():
    weekly = _layer_weeks()
    fig = charts.plot_layers(weekly)
    assert [a.text for a in fig.layout.annotations] == ["Trust", "Honesty"]
    for m in ("trust", "honesty"):
        for p in ("A", "B"):
            (avg,) = [t for t in _part(fig, "average", p) if t.meta["measure"] == m]
            want = weekly.query("measure == @m and partner == @p").sort_values("week")
            np.testing.assert_array_equal(avg.y, want["rolling_mean"].to_numpy())
    axes = {t.xaxis for t in fig.data if t.meta["measure"] == "honesty"}
    assert axes == {"x2"}


def test_layer_weeks_from_layers_weekly_output():
    logs = synth.generate(couples=1, seed=8).logs
    weekly = layers.layers_weekly(logs.checkins)
    fig = charts.plot_layers(weekly)
    assert len(fig.layout.annotations) == weekly["measure"].nunique() == 7


@pytest.mark.parametrize("make", [_profile, _layer_weeks])
def test_layer_charts_of_empty_frames_say_no_data_yet(make):
    fig = charts.plot_layers(make().iloc[0:0])
    assert [a.text for a in fig.layout.annotations] == [charts.NO_DATA_TEXT]


def test_layer_chart_of_another_frame_is_a_sentence():
    with pytest.raises(ValueError, match="output of layers_profile"):
        charts.plot_layers(_freq())


def test_every_partner_chart_uses_the_display_names():
    names = {"A": "Sam <3", "B": "Alex"}
    sam = charts.escape("Sam <3")
    figs = [
        charts.plot_trigger_heatmap(_freq(), names=names),
        charts.plot_trigger_bars(_freq("month"), names=names),
        charts.plot_setback_timeline(_setbacks(), names=names),
        charts.plot_partner_gap(_gap(), names=names),
        charts.plot_layers(_profile(), names=names),
    ]
    for fig in figs:
        texts = [text for _, text in _strings(fig.to_plotly_json())]
        assert any(sam in t for t in texts), fig.layout.title.text
        assert not any("Sam <3" in t for t in texts)


# --- figures outside JupyterLab ---------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="static images need Chromium"
)


@needs_chromium
def test_offline_figure_carries_the_plotly_json_and_a_png():
    import base64

    fig = charts.plot_trend(_trend(), events=_events())
    bundle, meta = charts.offline(fig, width=640)._repr_mimebundle_()
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # 640 CSS px at scale 2: the PNG is 1280 px wide (IHDR width, big-endian)
    assert int.from_bytes(png[16:20], "big") == 1280
    assert meta["image/png"]["width"] == 640
    drawn = bundle["application/vnd.plotly.v1+json"]
    assert [t.get("name") for t in drawn["data"]] == [t.name for t in fig.data]
    assert bundle["text/plain"] == "[chart] How connected each of you felt"
    assert "text/html" not in bundle  # no script needed


def test_offline_figure_without_chromium_embeds_plotly_js_once(monkeypatch):
    from trustdata.errors import TrustDataError

    def no_browser(*args, **kwargs):
        raise TrustDataError("no Chromium here")

    monkeypatch.setattr(charts, "to_image", no_browser)
    monkeypatch.setattr(charts, "_PLOTLYJS_SENT", False)
    first, _ = charts.offline(charts.plot_trend(_trend()))._repr_mimebundle_()
    second, _ = charts.offline(charts.plot_trend(_trend()))._repr_mimebundle_()
    assert "image/png" not in first
    assert len(first["text/html"]) > 1_000_000 > len(second["text/html"])  # plotly.js once
    # plotly.js inline, never fetched (its bundle names CDN addresses only for map traces)
    assert not re.search(r"<script[^>]*\bsrc=", first["text/html"] + second["text/html"])


def test_to_image_refuses_an_unknown_format():
    with pytest.raises(ValueError, match=r"`format` must be one of \['png', 'svg'\]"):
        charts.to_image(charts.plot_trend(_trend()), format="gif")


def test_layer_profile_hover_says_when_recently_was():
    prof = _profile().assign(recent_end=pd.Timestamp("2024-10-14"))
    (recent,) = _part(charts.plot_layers(prof), "recent", "B")
    assert recent.customdata[0][5] == " (the weeks to 14 October 2024)"
    assert "%{customdata[5]}" in recent.hovertemplate


# --- counts in words: "1 check-in", "2 check-ins" --------------------------------------------

_FIELD = re.compile(r"%\{(customdata\[(\d+)\]|customdata|x|y|z)(?::([^{}|]*)|\|[^{}]*)?\}")


def _hover_texts(trace):
    """The hover text of every point of a trace, its template filled as plotly.js would."""
    template = trace.hovertemplate
    if not template or trace.customdata is None:
        return []
    custom = np.asarray(trace.customdata, dtype=object)
    values = {k: getattr(trace, k, None) for k in ("x", "y", "z")}
    cells = np.ndindex(custom.shape[:-1] if custom.ndim > 1 else custom.shape)
    texts = []
    for cell in cells:
        point = custom[cell]

        def fill(m, point=point, cell=cell):
            name, index, fmt = m.group(1), m.group(2), m.group(3)
            if index is not None:
                value = point[int(index)]
            elif name == "customdata":
                value = point
            else:
                axis = np.asarray(values[name], dtype=object)
                if axis.ndim < len(cell):  # a heat map: y down the rows, x across the columns
                    cell = (cell[0],) if name == "y" else (cell[1],)
                value = axis[cell]
            if fmt and isinstance(value, int | float | np.number):
                return format(value, fmt)
            return str(value)

        texts.append(_FIELD.sub(fill, template))
    return texts


_NOUNS = "check-in|trigger|week|couple"
_ONE_MANY = re.compile(rf"(?<![\d.])1 ({_NOUNS})s\b")
_MANY_ONE = re.compile(rf"(?<![\d.])(0|[2-9]|\d\d+) ({_NOUNS})\b(?!s)")


def _count_figures():
    trend = _trend()  # n_checkins of 1 and 0
    trend.loc[trend.index[0], "n_checkins"] = 2
    freq = _freq()
    freq.loc[freq.index[:3], "count"] = [0, 1, 2]
    bars = _freq("month")
    bars.loc[bars.index[:3], "count"] = [0, 1, 2]
    curve = _curve()  # at risk 1 at the end of "therapy"
    traj = _traj().assign(n_couples=[1, 2, 1, 3])
    yield "trend", charts.plot_trend(trend)
    yield "heatmap", charts.plot_trigger_heatmap(freq)
    yield "bars", charts.plot_trigger_bars(bars)
    yield "timeline", charts.plot_setback_timeline(_setbacks())  # 1 and 2 weeks
    yield "cohort", charts.plot_cohort_trajectories(traj)
    yield "survival", charts.plot_survival(curve)


@pytest.mark.parametrize(("name", "fig"), list(_count_figures()))
def test_every_count_on_hover_agrees_with_its_noun(name, fig):
    texts = [text for t in fig.data for text in _hover_texts(t)]
    assert texts, name
    for text in texts:
        assert not _ONE_MANY.search(text), (name, text)
        assert not _MANY_ONE.search(text), (name, text)


def test_counts_of_one_read_in_the_singular_on_hover():
    figs = dict(_count_figures())
    hover = {k: " | ".join(x for t in f.data for x in _hover_texts(t)) for k, f in figs.items()}
    assert "(1 check-in)" in hover["trend"] and "(2 check-ins)" in hover["trend"]
    assert ": 1 trigger<" in hover["heatmap"] and ": 0 triggers<" in hover["heatmap"]
    assert ": 1 trigger<" in hover["bars"] and ": 2 triggers<" in hover["bars"]
    assert "(1 week)" in hover["timeline"] and "(2 weeks)" in hover["timeline"]
    assert "(1 couple)" in hover["cohort"] and "(3 couples)" in hover["cohort"]
    assert "1 couple still followed" in hover["survival"]
    assert "5 couples still followed" in hover["survival"]


def test_layer_levels_count_check_ins_in_the_singular_for_one():
    assert charts._level_words(6.0, 1) == "6.0 (1 check-in)"
    assert charts._level_words(6.0, 2) == "6.0 (2 check-ins)"


# --- event names at phone width (390 px: a 260 px plot) --------------------------------------

_COUPLE_04_LIKE = [
    ("2024-01-25", "disclosure"),
    ("2024-02-26", "individual_therapy"),
    ("2024-03-05", "couples_therapy"),
    ("2024-04-21", "agreement"),
    ("2024-05-22", "agreement"),
    ("2024-07-06", "repeat_betrayal"),
    ("2024-07-13", "agreement"),
]


def _year_trend():
    trend = _trend()
    weeks = pd.date_range("2024-01-29", "2025-03-03", freq="7D")
    return pd.concat(
        [trend.iloc[:1].assign(week=w, partner=p) for w in weeks for p in ("A", "B")],
        ignore_index=True,
    )


def _crowded():
    return _named_events(*[(d, k, None, None) for d, k in _COUPLE_04_LIKE])


def test_crowded_events_are_numbered_with_a_key_of_names_and_dates():
    fig = charts.plot_trend(_year_trend(), events=_crowded())
    marks = _event_names(fig)
    key = [a for a in fig.layout.annotations if a.name == "event_key"]
    assert [a.text for a in marks] == [str(i) for i in range(1, 8)]
    assert [a.text for a in key] == [
        "1  Disclosure, 25 January 2024",
        "2  Individual therapy, 26 February 2024",
        "3  Couples therapy, 5 March 2024",
        "4  Agreement, 21 April 2024",
        "5  Agreement, 22 May 2024",
        "6  Repeat betrayal, 6 July 2024",
        "7  Agreement, 13 July 2024",
    ]
    # the key reads top to bottom in date order, above the plot, inside the grown top margin
    shifts = [a.yshift for a in key]
    assert shifts == sorted(shifts, reverse=True) and all(a.yref == "paper" for a in key)
    assert charts.event_key_px(fig) == 7 * charts.EVENT_KEY_LINE_PX + 6
    assert fig.layout.margin.t >= max(shifts) + charts.EVENT_KEY_LINE_PX
    assert fig.layout.height == 450 + charts.event_key_px(fig)
    # the key's colours are the marks' colours
    assert [a.font.color for a in key] == [a.font.color for a in marks]


def test_numbers_of_events_a_week_apart_sit_on_different_rows():
    marks = _event_names(charts.plot_trend(_year_trend(), events=_crowded()))
    by_text = {a.text: a for a in marks}
    assert by_text["6"].y != by_text["7"].y  # 6 and 13 July
    assert by_text["2"].y != by_text["3"].y  # 26 February and 5 March


def test_names_on_one_row_never_overlap_at_phone_width():
    # the names a chart keeps beside their marks do not overlap on a 260 px plot
    for events in (
        _named_events(
            ("2025-01-08", "repeat_betrayal", "B", None), ("2025-01-30", "other", None, None)
        ),
        _named_events(
            ("2025-01-13", "new_information", "A", None),
            ("2025-01-20", "couples_therapy", None, None),
            ("2025-01-22", "agreement", None, None),
        ),
    ):
        trend = _trend()
        trend = pd.concat([trend, trend.assign(week=trend["week"] + pd.Timedelta(weeks=52))])
        fig = charts.plot_trend(trend, events=events)
        names = _event_names(fig)
        assert [a.text for a in names] == [charts.EVENT_LABELS[k] for k in events["kind"]]
        assert charts.event_key_px(fig) == 0
        x0 = min(trend["week"].min(), events["date"].min())
        x1 = max(trend["week"].max(), events["date"].max())
        px_per_day = charts.NARROW_PLOT_PX / ((x1 - x0) / pd.Timedelta(days=1))
        boxes = []
        for a in names:
            at = (pd.Timestamp(a.x) - x0) / pd.Timedelta(days=1) * px_per_day
            width = len(a.text) * charts._CHAR_PX + 12
            boxes.append((a.y, at, at + width) if a.xanchor == "left" else (a.y, at - width, at))
        for i, (y, lo, hi) in enumerate(boxes):
            for y2, lo2, hi2 in boxes[i + 1 :]:
                assert y != y2 or hi < lo2 or hi2 < lo, (boxes, i)


def test_a_page_chart_grows_by_its_key_of_events_and_prints_names_where_they_fit():
    import json

    from trustdata.report import (
        _PRINT_FRAME_PX,
        _PRINT_SCORES_PX,
        _PRINT_TOP_PX,
        PRINT_WIDTH,
        Charts,
    )

    fig = charts.plot_trend(_year_trend(), events=_crowded(), title="t")
    key = charts.event_key_px(fig)
    assert key > 0
    spec = Charts()
    spec.add(fig, print_height=230)
    text = spec._specs[0]
    page = json.loads(text)
    # the print copy names the events beside their marks, on rows taken from its plot
    rows = charts.event_rows_px(charts.relabel_events(fig, PRINT_WIDTH - 80, 230 - _PRINT_FRAME_PX))
    # the scores keep _PRINT_SCORES_PX (120) at least: the copy grows by what the rows take;
    # its names all sit on rows inside the plot, so its top margin is _PRINT_TOP_PX, not 40
    assert _PRINT_SCORES_PX == 120
    scores_px = max(_PRINT_SCORES_PX, 230 - _PRINT_FRAME_PX - rows)
    grown = 230 + max(0, _PRINT_SCORES_PX - (230 - _PRINT_FRAME_PX - rows))
    assert rows > 0 and page["ph"] == grown - (40 - _PRINT_TOP_PX)
    assert page["pl"]["margin"]["t"] == _PRINT_TOP_PX
    # what is left of the copy under its frame (with the top it no longer has) and its rows
    assert page["ph"] + (40 - _PRINT_TOP_PX) - _PRINT_FRAME_PX - rows == scores_px == 120
    short = charts.relabel_events(fig, PRINT_WIDTH - 80, scores_px)
    assert page["pl"]["yrange"] == list(short.layout.yaxis.range)
    assert '"pl":' in text
    assert page["figure"]["layout"]["height"] == 420 + key
    assert page["figure"]["layout"]["margin"]["t"] == 40 + key
    printed = page["pl"]["annotations"]
    assert [a["text"] for a in printed if a.get("name") == "event"] == [
        charts.EVENT_LABELS[k] for _, k in _COUPLE_04_LIKE
    ]
    assert not [a for a in printed if a.get("name") == "event_key"]
    # the same names the figure itself gives a plot of the print copy's width
    wide = charts.relabel_events(fig, PRINT_WIDTH - 80)
    assert [a.text for a in _event_names(wide)] == [a["text"] for a in printed]
    assert charts.event_key_px(wide) == 0 and wide.layout.height is None
    assert fig.layout.height == 450 + key  # the figure relabelled is a copy


def test_rows_of_event_names_are_a_name_apart_on_a_short_print_plot():
    # couple-03's print copy: rows 0.75 y units apart were 6 px apart on its 85 px plot
    fig = charts.plot_trend(_year_trend(), events=_crowded())
    for scores_px in (85, 200):
        short = charts.relabel_events(fig, 620, scores_px)
        ys = sorted({a.y for a in _event_names(short)})
        assert len(ys) >= 2
        rows_px = charts.event_rows_px(short)
        assert rows_px == len(ys) * charts.EVENT_ROW_PX
        lo, hi = short.layout.yaxis.range
        px_per_unit = (scores_px + rows_px) / (hi - lo)
        gaps = [(b - a) * px_per_unit for a, b in itertools.pairwise(ys)]
        assert min(gaps) == pytest.approx(charts.EVENT_ROW_PX)
        # the scores (and the marks above them) keep their height in px
        assert (schemas.SCORE_MAX + 0.8 - lo) * px_per_unit == pytest.approx(scores_px)
    with pytest.raises(ValueError, match="plot_height_px"):
        charts.relabel_events(fig, 620, 0)


def test_a_page_chart_without_events_keeps_its_own_layout_in_print():
    from trustdata.report import Charts

    spec = Charts()
    spec.add(charts.plot_trend(_trend()), print_height=230)
    assert '"pl":' not in spec._specs[0] and '"ph":230,' in spec._specs[0]


def test_relabel_for_a_phone_gives_back_the_figures_own_names():
    fig = charts.plot_trend(_year_trend(), events=_crowded())
    again = charts.relabel_events(charts.relabel_events(fig, 600), charts.NARROW_PLOT_PX)
    assert again.layout.annotations == fig.layout.annotations
    assert again.layout.height == fig.layout.height
    assert again.layout.margin.t == fig.layout.margin.t
    assert list(again.layout.yaxis.range) == list(fig.layout.yaxis.range)


def test_layer_profile_words_sit_on_their_rows_right_of_both_dots_and_inside_the_plot():
    # "highest now" centred on a level of 9 of 10 was cut to "highest no" on a 390 px phone;
    # above its dot the word sat halfway to the row above and read as that row's (reader14
    # F13): it is now on the layer's own row ("middle"), right of the row's rightmost dot, so
    # never on the change line, and the plot reaches far enough right to hold it
    prof = _profile()
    for recent_level, reach in ((4.0, 10.5), (9.5, 9.5 + charts.LAYER_WORD_UNITS)):
        prof.loc[prof["layer"] == "transparency", "recent_level"] = recent_level
        fig = charts.plot_layers(prof)
        for p in ("A", "B"):
            (words,) = _part(fig, "mark", p)
            mine = prof.query("partner == @p and (lags or leads)")
            assert list(words.y) == [charts.LAYER_LABELS[m] for m in mine["layer"]]
            assert list(words.x) == mine[["start_level", "recent_level"]].max(axis=1).tolist()
            assert words.textposition == "middle right" and words.mode == "markers+text"
            assert words.cliponaxis is False and words.showlegend is False
        assert fig.layout.xaxis.range[1] == fig.layout.xaxis2.range[1] == reach
        assert list(fig.layout.xaxis.tickvals) == [2, 4, 6, 8, 10]  # the scale's ticks
    # a layer that fell: its word is right of its start, off the line between the dots
    fell = _profile().query("partner == 'A'").copy()
    fell.loc[fell["layer"] == "reliability", ["start_level", "recent_level"]] = [6.0, 2.0]
    (words,) = _part(charts.plot_layers(fell), "mark", "A")
    assert dict(zip(words.y, words.x, strict=True))["Reliability"] == 6.0
    # nothing marked: no words trace
    calm = _profile().assign(lags=False, leads=False)
    assert _part(charts.plot_layers(calm), "mark") == []


def test_hard_news_is_drawn_over_a_step_taken_a_week_later():
    # couple-04 on a 390 px phone: the agreement's circle a week after the repeat betrayal
    # covered the betrayal's triangle; hard news (and abuse) are drawn again on top
    ev = _named_events(
        ("2025-01-06", "repeat_betrayal", "B", None),
        ("2025-01-13", "agreement", None, None),
        ("2025-01-20", "abuse", "A", "x"),
    )
    fig = charts.plot_trend(_trend(), events=ev, audience="therapist")
    parts = [t.meta.get("part") if t.meta else None for t in fig.data]
    assert parts.index("events_on_top") > parts.index("events")  # drawn after: on top
    (marks,) = _part(fig, "events")
    (top,) = _part(fig, "events_on_top")
    assert pd.to_datetime(top.x).equals(pd.DatetimeIndex(["2025-01-06", "2025-01-20"]))
    assert list(top.marker.symbol) == [marks.marker.symbol[0], marks.marker.symbol[2]]
    assert list(top.y) == [marks.y[0], marks.y[2]]
    assert top.hoverinfo == "skip" and top.showlegend is False  # hover stays the Events'
    calm = _named_events(("2025-01-13", "agreement", None, None))
    assert _part(charts.plot_trend(_trend(), events=calm), "events_on_top") == []


def test_layer_profile_side_by_side_titles_fit_a_phone_and_words_are_not_clipped():
    # at 390 px two panels are about 70 px wide each: "Level (1-10)" under each ran into the
    # other, and "highest now" was clipped to "est now" by its panel
    two = charts.plot_layers(_profile())
    assert [two.layout.xaxis.title.text, two.layout.xaxis2.title.text] == ["Level", "Level"]
    one = charts.plot_layers(_profile().query("partner == 'A'"))
    assert one.layout.xaxis.title.text == "Level (1-10)"
    # the words are their own trace since reader14 F13 (they were the recent dots' text)
    (words,) = _part(two, "mark", "B")
    assert words.cliponaxis is False

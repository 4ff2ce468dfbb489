"""What the layers chart's windows, the gap chart's legend and the best week say (reader8 F6,
F11): every number beside the trust sentence true, every colour in the legend, ties named."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import charts, layers, milestones, review

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"


@pytest.fixture(scope="module")
def logs():
    return trustdata.load(SAMPLE)


def test_layers_profile_gives_its_start_window_as_days(logs):
    prof = layers.layers_profile(logs.checkins)
    ci = logs.checkins
    for row in prof.itertuples(index=False):
        if np.isnan(row.start_level):
            assert pd.isna(row.start_from) and pd.isna(row.start_to)
            continue
        mine = ci.loc[(ci["couple_id"] == row.couple_id) & (ci["partner"] == row.partner)]
        scored = mine.loc[mine[row.layer].notna()]
        first = scored["date"].min()
        assert row.start_from == first - pd.Timedelta(days=first.weekday())  # its Monday
        assert row.start_to <= row.start_from + pd.Timedelta(weeks=8) - pd.Timedelta(days=1)
        assert row.start_to < row.recent_start
        inside = scored.loc[(scored["date"] >= row.start_from) & (scored["date"] <= row.start_to)]
        assert len(inside) == row.n_start  # the window named is the window counted


def test_layers_hover_names_each_window_and_the_page_says_they_differ(logs):
    r = review.review(logs, "couple-01")
    fig = charts.plot_layers(r.layers_profile, partners=list(r.partners), names=r.names)
    (start,) = [t for t in fig.data if t.meta == {"partner": "A", "part": "start"}]
    trust = next(c for c in start.customdata if c[1] == "Trust")
    # couple-01 A: trust first scored in the week of 29 January 2024; 8 weeks to 24 March
    assert "(the weeks of 29 January 2024 to 24 March 2024)" in trust[6]
    assert trust[2] == "4.5 (8 check-ins)"
    (recent,) = [t for t in fig.data if t.meta == {"partner": "A", "part": "recent"}]
    trust = next(c for c in recent.customdata if c[1] == "Trust")
    assert "(the weeks of 7 April 2025 to 26 May 2025" in trust[5]
    page = trustdata.report.build(logs, "couple-01")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "4.8 out of 10 in the first 4 weeks" in text  # the trust sentence's window
    # reader14 F10: the couple page's layers chart draws no trust dots (its trust is the
    # summary's), so its note names the windows and reconciles no second trust number
    assert "&ldquo;at the start&rdquo; is your first 8 weeks of rating trust or its layers" in text
    assert "Trust itself is in the summary and its own chart above." in text
    assert "trust dots" not in text
    # the therapist page keeps trust in the chart and says its weeks are not the summary's
    page = trustdata.report.build(logs, "couple-01", audience="therapist")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert (
        "Dots: each partner's first and last 8 weeks of scoring trust or a layer (dates in each "
        "label), not the trust summary's weeks."
    ) in text


def test_gap_chart_legend_shows_both_bar_colours():
    gap = pd.DataFrame(
        {"couple_id": "c1", "week": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20"]),
         "partner_a": "A", "partner_b": "B", "score_a": [3.0, 7.0, 5.0],
         "score_b": [7.0, 6.0, 5.0], "gap": [-4.0, 1.0, 0.0]}
    )  # fmt: skip
    fig = charts.plot_partner_gap(gap, names={"A": "Sam", "B": "Alex"})
    bars = fig.data[0]
    assert bars.showlegend is False
    keys = [t for t in fig.data if t.showlegend is not False and t.type == "bar"]
    assert [t.name for t in keys] == ["Sam higher", "Alex higher"]
    # each legend swatch is the colour of the bars it names
    colour = dict(zip(bars.y, bars.marker.color, strict=True))
    assert keys[0].marker.color == colour[1.0]
    assert keys[1].marker.color == colour[-4.0]
    assert keys[0].marker.color != keys[1].marker.color
    # one colour drawn, one swatch: only B higher
    only_b = charts.plot_partner_gap(gap.assign(gap=[-4.0, -1.0, 0.0]))
    assert [t.name for t in only_b.data if t.type == "bar" and t.showlegend is not False] == [
        "B higher"
    ]


def test_best_week_names_the_latest_of_its_ties_as_last_reached(logs):
    wins = milestones.small_wins(logs.checkins)
    best = wins.loc[(wins["kind"] == "best_week") & (wins["couple_id"] == "couple-01")]
    a = best.loc[best["partner"] == "A"].iloc[0]
    # pandas: couple-01 A's weekly connection 8.0 in 5 weeks, first 26 August 2024
    assert a["evidence"] == (
        "A's best week so far: a connection score of 8.0, last reached in the week of "
        "5 May 2025 (5 times so far)."
    )
    assert a["date"] == pd.Timestamp("2025-05-05")
    single = wins.loc[(wins["kind"] == "best_week") & (wins["couple_id"] == "couple-02")]
    one = single.loc[single["partner"] == "A"].iloc[0]
    assert one["evidence"].endswith("a connection score of 5.0 in the week of 9 June 2025.")

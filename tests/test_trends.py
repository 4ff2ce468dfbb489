"""Tests of trustdata.trends: weekly scores, rolling band, slope / Mann-Kendall / RCI verdicts."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from trustdata import schemas, synth, trends
from trustdata.logs import as_table, empty_table

MONTH = schemas.DAYS_PER_MONTH


def checkins(rows: list[tuple]) -> pd.DataFrame:
    """Check-ins from (couple, partner, date, connection[, trust]) tuples."""
    records = []
    for row in rows:
        rec = {"couple_id": row[0], "partner": row[1], "date": row[2], "connection": row[3]}
        if len(row) > 4:
            rec["trust"] = row[4]
        records.append(rec)
    return as_table("checkins", records)


def weekly_series(couple: str, partner: str, start: str, scores: list[float | None]):
    """One check-in per week (on the Monday) for each score that is not None."""
    days = pd.date_range(start, periods=len(scores), freq="7D")
    return [(couple, partner, d, s) for d, s in zip(days, scores, strict=True) if s is not None]


@pytest.fixture(scope="module")
def cohort():
    return synth.generate(couples=40, seed=11, text=False)


# --------------------------------------------------------------------------------------------
# weekly_trend
# --------------------------------------------------------------------------------------------


def test_weekly_trend_averages_two_checkins_and_keeps_empty_weeks():
    # Week of Mon 2025-01-06: scores 4 and 7 -> 5.5 (2 check-ins); week of 01-13: none;
    # week of 01-20: 8 (the Sunday 01-26 still belongs to it).
    ci = checkins(
        [
            ("c1", "A", "2025-01-06", 4),
            ("c1", "A", "2025-01-12", 7),
            ("c1", "A", "2025-01-26", 8),
        ]
    )
    out = trends.weekly_trend(ci, window=2)
    assert out["week"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-01-06",
        "2025-01-13",
        "2025-01-20",
    ]
    assert out["score"].tolist()[0] == 5.5
    assert np.isnan(out["score"].iloc[1])
    assert out["n_checkins"].tolist() == [2, 0, 1]
    # trailing 2 weeks: [5.5], [5.5, -], [-, 8]
    assert out["rolling_mean"].tolist() == [5.5, 5.5, 8.0]
    assert out["rolling_n"].tolist() == [1, 1, 1]
    assert out["weeks_since_first"].tolist() == [0, 1, 2]


def test_weekly_trend_rolling_sd_band_by_hand():
    # scores 2, 4, 9 in three consecutive weeks, window 3:
    # week 2: mean 3, sd sqrt(2) ; week 3: mean 5, sd sqrt(((2-5)^2 + (4-5)^2 + (9-5)^2) / 2)
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [2, 4, 9]))
    out = trends.weekly_trend(ci, window=3, band="sd")
    sd3 = np.sqrt((9 + 1 + 16) / 2)
    np.testing.assert_allclose(out["rolling_mean"], [2, 3, 5])
    np.testing.assert_allclose(out["rolling_sd"], [np.nan, np.sqrt(2), sd3])
    np.testing.assert_allclose(out["band_low"], [np.nan, 3 - np.sqrt(2), 5 - sd3])
    np.testing.assert_allclose(out["band_high"], [np.nan, 3 + np.sqrt(2), 5 + sd3])


def test_weekly_trend_ci_band_is_a_t_interval():
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [2, 4, 9]))
    out = trends.weekly_trend(ci, window=3, band="ci", level=0.9)
    sd3 = np.sqrt((9 + 1 + 16) / 2)
    half = stats.t.ppf(0.95, 2) * sd3 / np.sqrt(3)  # t-interval of the mean of 3 scores
    assert out["band_low"].iloc[2] == pytest.approx(5 - half)
    assert out["band_high"].iloc[2] == pytest.approx(5 + half)


def test_weekly_trend_band_none_gives_nan_band():
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [2, 4, 9]))
    out = trends.weekly_trend(ci, band="none")
    assert out["band_low"].isna().all() and out["band_high"].isna().all()


@pytest.mark.parametrize("window", [1, 3, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_weekly_trend_rolling_equals_pandas_per_series(window, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for couple in ["c1", "c2", "c3"]:
        for partner in ["A", "B"]:
            n = int(rng.integers(1, 25))
            scores = [None if rng.random() < 0.3 else int(rng.integers(1, 11)) for _ in range(n)]
            scores[0] = 5
            rows += weekly_series(couple, partner, f"2025-0{rng.integers(1, 9)}-0{6}", scores)
    out = trends.weekly_trend(checkins(rows), window=window)
    for _, g in out.groupby(["couple_id", "partner"]):
        # reference: pandas rolling over the calendar-week grid of one series
        roll = g["score"].rolling(window, min_periods=1)
        np.testing.assert_allclose(g["rolling_mean"], roll.mean(), rtol=1e-12)
        np.testing.assert_allclose(g["rolling_sd"], roll.std(), rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(g["rolling_n"], roll.count().astype(int))


def test_weekly_trend_each_partner_spans_own_weeks():
    # A logs 3 weeks then stops; B logs 6 weeks: A's rows end at A's last check-in.
    ci = checkins(
        weekly_series("c1", "A", "2025-01-06", [5, 6, 7])
        + weekly_series("c1", "B", "2025-01-06", [4, 4, 5, 5, 6, 6])
    )
    out = trends.weekly_trend(ci)
    assert out.groupby("partner").size().to_dict() == {"A": 3, "B": 6}


def test_weekly_trend_anchor_prefers_discovery_over_disclosure():
    ci = checkins(
        weekly_series("c1", "A", "2025-01-06", [5, 6])
        + weekly_series("c2", "A", "2025-01-06", [5, 6])
        + weekly_series("c3", "A", "2025-01-06", [5, 6])
    )
    ev = as_table(
        "events",
        [
            # c1: discovery on Wed 2025-01-01 -> Monday 01-06 is 5 days later
            {"couple_id": "c1", "date": "2024-12-20", "kind": "disclosure"},
            {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
            # c2: only a disclosure 14 days before
            {"couple_id": "c2", "date": "2024-12-23", "kind": "disclosure"},
            # c3: no anchor event
            {"couple_id": "c3", "date": "2024-12-23", "kind": "couples_therapy"},
        ],
    )
    out = trends.weekly_trend(ci, ev).set_index(["couple_id", "weeks_since_first"])
    assert out.loc[("c1", 0), "weeks_since_anchor"] == pytest.approx(5 / 7)
    assert out.loc[("c1", 1), "weeks_since_anchor"] == pytest.approx(12 / 7)
    assert out.loc[("c2", 0), "weeks_since_anchor"] == pytest.approx(2.0)
    assert np.isnan(out.loc[("c3", 0), "weeks_since_anchor"])
    assert trends.weekly_trend(ci)["weeks_since_anchor"].isna().all()


@pytest.mark.parametrize("kinds", [["new_information"], ["abuse", "small_win"]])
def test_weekly_trend_events_without_any_anchor_give_nan_weeks_since_anchor(kinds):
    # No couple has a discovery or disclosure: the anchor is missing everywhere (no crash).
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [5, 6]))
    ev = as_table(
        "events", [{"couple_id": "c1", "date": "2025-01-08", "kind": kind} for kind in kinds]
    )
    out = trends.weekly_trend(ci, ev)
    assert len(out) == 2
    assert out["weeks_since_anchor"].isna().all()


def test_weekly_trend_other_measure_ignores_checkins_without_it():
    ci = checkins(
        [
            ("c1", "A", "2025-01-06", 4, 3),
            ("c1", "A", "2025-01-13", 5, None),
            ("c1", "A", "2025-01-20", 6, 5),
        ]
    )
    out = trends.weekly_trend(ci, measure="trust")
    assert out["measure"].unique().tolist() == ["trust"]
    assert out["n_checkins"].tolist() == [1, 0, 1]
    assert out["score"].iloc[[0, 2]].tolist() == [3.0, 5.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"measure": "mood"}, "`measure` must be one of"),
        ({"window": 0}, "`window` must be an integer"),
        ({"band": "iqr"}, "`band` must be one of"),
        ({"level": 1.5}, "`level` must be a number"),
    ],
)
def test_weekly_trend_rejects_bad_arguments(kwargs, match):
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [5]))
    with pytest.raises(ValueError, match=match):
        trends.weekly_trend(ci, **kwargs)


# --------------------------------------------------------------------------------------------
# trend_summary
# --------------------------------------------------------------------------------------------


def _error_ref(g: pd.DataFrame) -> float:
    """The within-person error of trend_summary, by pandas, one series (kept weeks ``g``).

    The sill of the semivariogram of AR(1) noise plus a rounding nugget c = 1/12: g1, g2 as in
    :func:`_ar1_fit` (line's share out, differences of 3 or more out), rho = (g2 - g1) /
    (g1 - c) clipped to [0, 0.6] (0 when g1 <= c), error = sqrt(c + max(g1 - c, 0) / (1 - rho)).
    """
    c = 1 / 12
    g1, g2 = _gammas(g)
    if not np.isfinite(g1):  # no two scores in adjacent weeks: consecutive scores
        d = np.diff(g["score"].to_numpy())
        d = d[np.abs(d) < 3]
        g1 = (d**2).mean() / 2 if len(d) else 0.0
    rho = float(np.clip(np.nan_to_num((g2 - g1) / (g1 - c), nan=0.0), 0.0, 0.6)) if g1 > c else 0
    return float(np.sqrt(c + max(g1 - c, 0.0) / (1 - rho)))


def test_trend_summary_rci_by_hand():
    # 10 weekly scores, k = 4.  First 4: 3, 4, 3, 5 -> 3.75; latest 4: 6, 7, 8, 8 -> 7.25.
    # The error: the semivariogram's sill (_error_ref): differences less the four-weekly
    # line's 0.53125 a week, g1 = 0.34597, g2 = 0.18164, rho = (g2 - g1) / (g1 - 1/12) < 0 -> 0,
    # error = sqrt(1/12 + (g1 - 1/12) / (1 - 0)) = sqrt(g1) = 0.58820;
    # RCI = 3.5 / (sqrt(2) * 0.58820) = 4.2076; reliable change needs 1.96*sqrt(2)*0.58820.
    scores = [3, 4, 3, 5, 5, 6, 6, 7, 8, 8]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    row = trends.trend_summary(ci).iloc[0]
    err = _error_ref(trends.trend_weeks(ci))
    assert err == pytest.approx(0.58820, abs=1e-5)
    assert row["first_month_mean"] == 3.75 and row["latest_month_mean"] == 7.25
    assert row["change_points"] == 3.5 and row["end_weeks"] == 4
    assert row["error_sd"] == pytest.approx(err, abs=1e-12) and row["s_pre"] == row["error_sd"]
    assert row["error_source"] == "within_person"
    assert row["rci"] == pytest.approx(3.5 / (np.sqrt(2) * err), abs=1e-12)
    assert row["rci"] == pytest.approx(4.2076, abs=1e-4)
    assert row["rc_points"] == pytest.approx(1.96 * np.sqrt(2) * err, abs=1e-12)
    assert row["change"] == "improved" and row["shape"] == "steady" and bool(row["steady"])
    assert row["n_weeks"] == 10 and row["n_checkins"] == 10


def test_trend_summary_error_leaves_out_sudden_jumps_and_has_a_floor():
    # the jump 5 -> 2 (3 points) and back 2 -> 5 are a setback, not measurement error
    scores = [5, 6, 5, 6, 2, 5, 6, 5, 6, 5]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    row = trends.trend_summary(ci).iloc[0]
    weeks = trends.trend_weeks(ci)
    assert row["error_sd"] == pytest.approx(_error_ref(weeks[~weeks["set_aside"]]), abs=1e-12)
    assert weeks["set_aside"].tolist() == [False] * 4 + [True] + [False] * 5
    # a jump of 2.5 points (two check-ins averaged) still counts
    flat = [4, 4, 4, 4, 4, 4, 4, 4]
    row = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", flat))).iloc[0]
    assert row["error_sd"] == pytest.approx(np.sqrt(1 / 12))  # the rounding floor
    assert row["change"] == "no_clear_change" and row["rci"] == 0


def test_trend_summary_sudden_jump_boundary_is_three_points():
    # differences of exactly 2.99 count, 3.0 do not (SUDDEN_JUMP)
    assert trends.SUDDEN_JUMP == 3.0
    sid = np.zeros(3, dtype=np.int64)
    off = np.arange(3)
    for y in (np.array([1.0, 3.99, 6.99]), np.array([1.0, 4.0, 7.0])):
        kept = 2.99**2 / 2 if y[1] == 3.99 else np.nan  # half the mean square of what is kept
        got = trends._successive_error(sid, y, 1)[0]
        g1 = trends._semivariogram(sid, off, y, 1, slope=np.zeros(1))[0][0]
        np.testing.assert_allclose([got, g1], [kept, kept])
    err = trends._error_sd(sid, y, 1, [np.array([np.nan]), np.array([np.nan])])[0]
    assert err == pytest.approx(np.sqrt(1 / 12))  # nothing left: the floor


@pytest.mark.parametrize(
    ("rci", "expected"),
    [
        (1.955, "no_clear_change"),  # the cut-off 1.96 is strict and not 1.95
        (1.965, "improved"),  # ... nor 1.97
        (-1.955, "no_clear_change"),
        (-1.965, "deteriorated"),
    ],
)
def test_trend_summary_rci_cutoff_is_1_96(rci, expected):
    # 4 weeks at 4, 4 weeks at 4 + d; the error is set with reference_sd (r = 0) so that the
    # index is exactly `rci`.
    assert trends.RCI_CUTOFF == 1.96
    d = 2.0 if rci > 0 else -2.0
    scores = [5, 5, 5, 5, 5 + d, 5 + d, 5 + d, 5 + d]
    ref = d / (rci * np.sqrt(2))
    out = trends.trend_summary(
        checkins(weekly_series("c1", "A", "2025-01-06", scores)), reference_sd=ref, r=0.0
    ).iloc[0]
    assert out["rci"] == pytest.approx(rci, abs=1e-12)
    assert out["error_source"] == "reference" and out["error_sd"] == pytest.approx(ref)
    assert out["change"] == expected


@pytest.mark.parametrize(("rci", "expected"), [(0.76, "improved"), (0.74, "no_clear_change")])
def test_trend_summary_trend_route_needs_an_index_of_three_quarters(rci, expected):
    # a steady rise over 40 weeks (the 95 % slope interval is far above 0), with the error set
    # by reference_sd so that the index is exactly `rci`: below 1.96, the trend route decides
    assert trends.TREND_RCI == 0.75 and trends.TREND_LEVEL == 0.95
    scores = [int(v) for v in np.round(np.linspace(3, 7, 40))]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    change = trends.trend_summary(ci).iloc[0]["change_points"]
    ref = change / (rci * np.sqrt(2))
    out = trends.trend_summary(ci, reference_sd=ref, r=0.0).iloc[0]
    assert out["rci"] == pytest.approx(rci, abs=1e-12)
    assert out["level"] == trends.TREND_LEVEL and out["slope_low"] > 0  # the printed interval
    assert out["change"] == expected


def _trend_points(scores: list[float], out: pd.Series) -> float:
    """The size the trend route reads, by hand: the mean of the ends' difference and the line's
    change from the first to the latest weekly score (consecutive weeks, nothing set aside)."""
    months = (len(scores) - 1) * 7 / MONTH
    return (out["change_points"] + out["slope_per_month"] * months) / 2


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # a steady rise from 4 to 5 over 40 weeks: ends 1.25 apart, size 1.371 (line 1.49)
        ([4] * 12 + [4, 5] * 4 + [5] * 16 + [5, 5, 5, 6], "improved"),
        # ... ends 1.0 apart, size 1.18: no rise
        ([4] * 12 + [4, 5] * 4 + [5] * 16 + [5] * 4, "no_clear_change"),
        # a steeper line: ends only 1.0 apart but size 1.27 (line 1.54): a rise
        ([4] * 8 + [4, 5] * 4 + [5] * 12 + [5, 6] * 4 + [5] * 4, "improved"),
        # ends 1.25 apart, the rise 8 weeks earlier (a shallower line): size 1.248, no rise
        ([4] * 8 + [4, 5] * 4 + [5] * 24 + [5, 5, 5, 6], "no_clear_change"),
        # ... the rise 2 weeks later: size 1.297, a rise
        ([4] * 10 + [4, 5] * 4 + [5] * 22 + [5, 5, 5, 6], "improved"),
    ],
)
def test_trend_summary_trend_route_needs_one_and_a_quarter_points(scores, expected):
    # the index is set to 1.5 with reference_sd and the change is clear (the slope's 95 %
    # interval above 0, or the ends beyond their own interval): the trend route then calls a
    # rise exactly when the size, the mean of the ends' difference and the fitted line's
    # change, is at least 1.25 points
    assert trends.MIN_TREND_POINTS == 1.25
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    change = trends.trend_summary(ci).iloc[0]["change_points"]
    out = trends.trend_summary(ci, reference_sd=change / (1.5 * np.sqrt(2)), r=0.0).iloc[0]
    assert out["rci"] == pytest.approx(1.5)
    g = trends.weekly_trend(ci).dropna(subset=["score"])
    assert out["slope_low"] > 0 or out["change_points"] / _ends_se(g) > 1.96
    points = _trend_points(scores, out)
    assert abs(points - 1.25) < 0.13  # near the boundary, on the side the verdict says
    assert out["change"] == ("improved" if points >= 1.25 else "no_clear_change") == expected


def test_trend_summary_trend_route_needs_a_clear_change():
    # the same index (1.5) and a size of 1.39 points on flat scores with one high end: the
    # slope's 95 % interval reaches 0 and the ends' difference is within its own 95 % interval
    # (z 1.46), so no verdict without a reliable change
    scores = [5, 4, 5, 6] * 8 + [7, 7, 6, 7]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    change = trends.trend_summary(ci).iloc[0]["change_points"]
    out = trends.trend_summary(ci, reference_sd=change / (1.5 * np.sqrt(2)), r=0.0).iloc[0]
    g = trends.weekly_trend(ci).dropna(subset=["score"])
    assert out["rci"] == pytest.approx(1.5) and out["slope_low"] <= 0
    assert 1.25 <= _trend_points(scores, out) and out["change_points"] / _ends_se(g) <= 1.96
    assert out["change"] == "no_clear_change"


def test_trend_summary_trend_route_by_the_ends_alone():
    # a fall of 2 points after 4 weeks, then 44 weeks of a noisy plateau: the straight line
    # through the four-weekly means is shallow and its 95 % interval reaches 0, but the ends'
    # difference is beyond its own AR(1) interval (z -2.36); with the index at -1.5 and a size
    # of -1.45 points, the trend route calls it a fall
    scores = [7, 6, 7, 7] + [5, 4, 5, 6, 4, 5, 6, 5] * 5 + [5, 5, 5, 4]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    change = trends.trend_summary(ci).iloc[0]["change_points"]
    out = trends.trend_summary(ci, reference_sd=-change / (1.5 * np.sqrt(2)), r=0.0).iloc[0]
    g = trends.weekly_trend(ci).dropna(subset=["score"])
    assert out["rci"] == pytest.approx(-1.5) and out["slope_high"] >= 0 > out["slope_per_month"]
    assert out["change_points"] / _ends_se(g) < -1.96 and _trend_points(scores, out) <= -1.25
    assert out["change"] == "deteriorated"


def test_trend_summary_reference_error_is_sd_times_sqrt_one_minus_r():
    scores = [3, 4, 3, 5, 5, 6, 6, 7, 8, 8]
    out = trends.trend_summary(
        checkins(weekly_series("c1", "A", "2025-01-06", scores)), reference_sd=1.5, r=0.8
    ).iloc[0]
    assert out["error_sd"] == pytest.approx(1.5 * np.sqrt(0.2))
    assert out["rci"] == pytest.approx(3.5 / (np.sqrt(2) * 1.5 * np.sqrt(0.2)))


@pytest.mark.parametrize(
    ("n", "expected_k"),
    [(7, 0), (8, 4), (9, 4), (12, 4)],
)
def test_trend_summary_needs_four_weekly_scores_at_each_end(n, expected_k):
    # the 8-week boundary: 7 weekly scores cannot give two ends of 4, 8 can (and always do,
    # even when the first weeks are all equal, which made the old index undefined)
    scores = [4] * (n // 2) + [7] * (n - n // 2)
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", scores))).iloc[0]
    assert out["end_weeks"] == expected_k
    if expected_k == 0:
        assert out["change"] == "insufficient_data" and np.isnan(out["rci"])
        assert out["shape"] == "insufficient_data" and pd.isna(out["steady"])
    else:
        assert out["change"] == "improved"
        assert out["first_month_mean"] == 4.0 and out["latest_month_mean"] == 7.0


def test_trend_summary_ends_are_weekly_scores_not_calendar_weeks():
    # missed weeks do not shrink an end: the first 4 *scores* are 2, 4, 5, 6
    scores = [2, None, 4, None, 5, 6, 7, 7, None, None, None, 8, 8]
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", scores))).iloc[0]
    assert out["n_weeks"] == 8 and out["end_weeks"] == 4
    assert out["first_month_mean"] == np.mean([2, 4, 5, 6])
    assert out["latest_month_mean"] == np.mean([7, 7, 8, 8])


def test_trend_summary_month_weeks_sets_k_and_halves_short_series():
    scores = list(range(1, 11)) + [10] * 6  # 16 weekly scores
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    assert trends.trend_summary(ci, month_weeks=6)["end_weeks"].iloc[0] == 6
    assert trends.trend_summary(ci, month_weeks=10)["end_weeks"].iloc[0] == 8  # halves
    with pytest.raises(ValueError, match="month_weeks"):
        trends.trend_summary(ci, month_weeks=3)


def test_trend_summary_up_then_down_is_not_steady():
    # up by 4 points for two months, then back: no change between the ends, not steady
    hump = [3, 3, 3, 3, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7, 3, 3, 3, 3, 3, 3, 3, 3]
    dip = [8 - s + 3 for s in hump]  # the mirror image
    rise = [3, 3, 3, 3, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]
    ci = checkins(
        weekly_series("c1", "A", "2025-01-06", hump)
        + weekly_series("c2", "A", "2025-01-06", dip)
        + weekly_series("c3", "A", "2025-01-06", rise)
    )
    out = trends.trend_summary(ci).set_index("couple_id")
    assert out.loc["c1", "shape"] == "up_then_down" and not out.loc["c1", "steady"]
    assert out.loc["c2", "shape"] == "down_then_up" and not out.loc["c2", "steady"]
    assert out.loc["c1", "change"] == out.loc["c2", "change"] == "no_clear_change"
    assert out.loc["c3", "shape"] == "steady" and out.loc["c3", "change"] == "improved"


def test_trend_summary_shape_margin_is_rc_points():
    # an interior four-weekly mean 2 points above both ends: a hump only when rc_points < 2
    scores = [5, 5, 5, 5, 7, 7, 7, 7, 5, 5, 5, 5]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    for rc, expected in ((2.01, "steady"), (1.99, "up_then_down")):
        out = trends.trend_summary(ci, reference_sd=rc / (1.96 * np.sqrt(2)), r=0.0).iloc[0]
        assert out["rc_points"] == pytest.approx(rc)
        assert out["shape"] == expected


def test_trend_summary_verdict_never_contradicts_the_slope(cohort):
    out = trends.trend_summary(cohort.logs.checkins)
    assert (out.loc[out["change"] == "improved", "slope_per_month"] > 0).all()
    assert (out.loc[out["change"] == "deteriorated", "slope_per_month"] < 0).all()
    assert not (out["change"] == "insufficient_data").any()


def test_trend_summary_slope_is_not_zero_for_tied_whole_points():
    # a clear rise in whole points with long runs of ties: the median of pairwise slopes of
    # the weekly scores is exactly 0 (scipy.stats.theilslopes), the slope here is not
    scores = [4, 5] * 5 + [5] * 30 + [5, 6] * 5
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    months = np.arange(len(scores)) * 7 / MONTH
    assert stats.theilslopes(scores, months).slope == 0.0
    out = trends.trend_summary(ci).iloc[0]
    assert out["slope_per_month"] > 0.05 and out["slope_low"] > 0


def _four_weekly(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    block = g["weeks_since_first"].to_numpy() // 4
    means = pd.Series(g["score"].to_numpy()).groupby(block).mean()
    x = (means.index.to_numpy() * 4 + 1.5) * 7 / MONTH
    return x, means.to_numpy()


def _gammas(g: pd.DataFrame) -> list[float]:
    """Reference semivariogram g(1), g(2) of one series' kept weekly scores, by pandas."""
    x, y = _four_weekly(g)
    per_week = stats.linregress(x, y).slope * 7 / MONTH if len(x) >= 3 else 0.0
    weeks = g["weeks_since_first"].to_numpy()
    score = pd.Series(g["score"].to_numpy(), index=weeks)
    gam = []
    for h in (1, 2):
        d = (score.reindex(weeks + h).to_numpy() - score.to_numpy()) - h * per_week
        d = d[np.isfinite(d) & (np.abs(d) < 3)]
        gam.append((d**2).mean() / 2 if len(d) else np.nan)
    return gam


def _ar1_fit(g: pd.DataFrame) -> tuple[float, float]:
    """Reference AR(1) noise (SD, rho) of one series from the semivariogram, by pandas."""
    gam = _gammas(g)
    rho = float(np.clip(np.nan_to_num(gam[1] / gam[0] - 1, nan=0.0), 0.0, 0.6))
    sd = max(np.sqrt(np.nan_to_num(gam[0]) / (1 - rho)), np.sqrt(1 / 12))
    return sd, rho


def _ar1_half(g: pd.DataFrame, level: float) -> float:
    """Reference half-width of the AR(1) slope interval, by dense matrices, one series.

    Noise from the semivariogram of the weekly scores at lags 1 and 2 (less the OLS line's
    share, differences of 3 points or more left out): rho = g2 / g1 - 1 clipped to [0, 0.6],
    s^2 = g1 / (1 - rho), s >= sqrt(1/12).  The slope of the four-weekly means is w @ y with
    w = pinv([1, x])[1] spread over each block's weeks; Var = w @ Sigma @ w with
    Sigma[t, u] = s^2 rho^|t - u| (t, u calendar weeks); half = t(level, n_blocks - 2) * SE.
    """
    x, _ = _four_weekly(g)
    sd, rho = _ar1_fit(g)
    weeks = g["weeks_since_first"].to_numpy()
    block = weeks // 4
    _, inv, per_block = np.unique(block, return_inverse=True, return_counts=True)
    w = np.linalg.pinv(np.column_stack([np.ones(len(x)), x]))[1][inv] / per_block[inv]
    sigma = sd**2 * rho ** np.abs(weeks[:, None] - weeks[None, :])
    return float(stats.t.ppf((1 + level) / 2, len(x) - 2) * np.sqrt(w @ sigma @ w))


def _ends_se(g: pd.DataFrame) -> float:
    """Reference SE of the latest k weekly scores' mean minus the first k's, by dense matrices.

    The same AR(1) noise as _ar1_half (from the semivariogram): w = -1/k on the first k weekly
    scores, +1/k on the latest k (k = min(4, n // 2)); SE = sqrt(w @ Sigma @ w),
    Sigma[t, u] = s^2 rho^|t - u| over calendar weeks.
    """
    sd, rho = _ar1_fit(g)
    weeks = g["weeks_since_first"].to_numpy()
    n = len(weeks)
    k = min(4, n // 2)
    w = np.zeros(n)
    w[:k] -= 1 / k
    w[n - k :] += 1 / k
    sigma = sd**2 * rho ** np.abs(weeks[:, None] - weeks[None, :])
    return float(np.sqrt(w @ sigma @ w))


def _mssd_half(g: pd.DataFrame, level: float) -> float:
    """Reference half-width from von Neumann's successive differences of the four-weekly means.

    s2 = sum(diff(b)^2) / (2 (m - 1)); SE = sqrt(s2 / Sxx); half = t(level, m - 2) * SE.
    """
    x, y = _four_weekly(g)
    s2 = np.sum(np.diff(y) ** 2) / (2 * (len(y) - 1))
    se = np.sqrt(s2 / np.sum((x - x.mean()) ** 2))
    return float(stats.t.ppf((1 + level) / 2, len(x) - 2) * se)


def _dips_by_hand(y: np.ndarray) -> np.ndarray:
    """Reference of trends._dip_weeks for one series, as a plain loop over the weekly scores."""
    n = len(y)
    in_dip = np.zeros(n, dtype=bool)
    ref = np.full(n, np.nan)
    length = np.zeros(n, dtype=int)
    for i in range(1, n):
        if y[i] - y[i - 1] <= -3:  # a sudden drop starts a dip, below the mean of 2 before
            in_dip[i], ref[i], length[i] = True, np.mean(y[max(i - 2, 0) : i]), 1
        elif in_dip[i - 1] and length[i - 1] < 12 and y[i] <= ref[i - 1] - 1.5:
            in_dip[i], ref[i], length[i] = True, ref[i - 1], length[i - 1] + 1
    out = in_dip.copy()
    i = 0
    while i < n:
        if not in_dip[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and in_dip[j + 1]:
            j += 1
        # at the latest score: in progress while at most 4 scores, or at most 8 and a quarter
        # of the scores before the dip (here i of them)
        in_progress = length[j] <= 4 or (length[j] <= 8 and length[j] <= 0.25 * i)
        new_level = (length[j] >= 12 and j + 1 < n and y[j + 1] <= ref[j] - 1.5) or (
            j == n - 1 and not in_progress
        )
        if new_level:
            out[i : j + 1] = False
        i = j + 1
    return out


def _kept(g: pd.DataFrame) -> pd.DataFrame:
    """The weekly scores trend_summary keeps: all but those in a dip (if 8 or more are left)."""
    dip = _dips_by_hand(g["score"].to_numpy())
    return g[~dip] if (~dip).sum() >= 8 else g


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_trend_summary_equals_scipy_per_series(cohort, level):
    ci = cohort.logs.checkins
    out = trends.trend_summary(ci, level=level)
    weekly = trends.weekly_trend(ci).dropna(subset=["score"])
    wider = set_aside = 0
    for (couple, partner), g_all in weekly.groupby(["couple_id", "partner"]):
        row = out[(out["couple_id"] == couple) & (out["partner"] == partner)].iloc[0]
        g = _kept(g_all)
        set_aside += len(g) < len(g_all)
        x, y = _four_weekly(g)
        # reference: res = scipy.stats.linregress(x, y) on the kept weeks' four-weekly means
        lr = stats.linregress(x, y)
        successive = _mssd_half(g, level)
        half = max(successive, _ar1_half(g, level))
        wider += half > successive
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(x, y)  # reference: scipy.stats.kendalltau(x, y)
        got = row[["slope_per_month", "slope_low", "slope_high", "mk_tau", "mk_p"]]
        ref = [lr.slope, lr.slope - half, lr.slope + half, kt.statistic, kt.pvalue]
        np.testing.assert_allclose(got.to_numpy(dtype=float), ref, rtol=0, atol=1e-9)
        assert row["n_weeks"] == len(g_all) and row["slope_points"] == len(x)
        scores = g["score"].to_numpy()
        assert row["error_sd"] == pytest.approx(_error_ref(g), abs=1e-12)
        k = min(4, len(scores) // 2)
        assert row["change_points"] == pytest.approx(scores[-k:].mean() - scores[:k].mean())
    assert 0 < wider < len(out)  # both halves of the max are exercised
    assert 0 < set_aside < len(out)  # dips set aside for some partners, not all


def test_trend_summary_slope_equals_statsmodels_ols():
    # the slope from statsmodels: sm.OLS(y, sm.add_constant(x)).fit().params[1]; its interval
    # the wider of von Neumann's successive-difference one and the AR(1) sandwich
    # (X'X)^-1 X' Sigma X (X'X)^-1 of the weekly scores
    sm = pytest.importorskip("statsmodels.api")
    scores = [3, 4, 4, 3, 5, 4, 5, 6, 5, 6, 6, 7, 6, 7, 8, 7, 8, 8, 7, 8]
    ci = checkins(weekly_series("c1", "A", "2025-01-06", scores))
    g = trends.weekly_trend(ci).dropna(subset=["score"])
    x, y = _four_weekly(g)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert not _dips_by_hand(g["score"].to_numpy()).any()
    half = max(_mssd_half(g, 0.95), _ar1_half(g, 0.95))
    row = trends.trend_summary(ci).iloc[0]
    np.testing.assert_allclose(
        [row["slope_per_month"], row["slope_low"], row["slope_high"]],
        [fit.params[1], fit.params[1] - half, fit.params[1] + half],
        rtol=0,
        atol=1e-9,
    )


def test_trend_summary_interval_allows_for_correlated_noise():
    # flat AR(1) noise (rho 0.6): the successive differences of the four-weekly means treat
    # them as independent and see too little of the noise; the reported interval is the wider
    # of that one and the AR(1) reference, and covers the true slope 0 (at 95 %)
    rng = np.random.default_rng(3)
    ratios, covered = [], 0
    for _ in range(20):
        e = np.zeros(104)
        for t in range(1, 104):
            e[t] = 0.6 * e[t - 1] + rng.normal(0, 0.8)
        ci = checkins(weekly_series("c1", "A", "2025-01-06", list(np.round(5 + e).clip(1, 10))))
        g = _kept(trends.weekly_trend(ci).dropna(subset=["score"]))
        successive = _mssd_half(g, 0.95)
        row = trends.trend_summary(ci).iloc[0]
        half = (row["slope_high"] - row["slope_low"]) / 2
        assert half == pytest.approx(max(successive, _ar1_half(g, 0.95)), abs=1e-12)
        ratios.append(half / successive)
        covered += row["slope_low"] <= 0 <= row["slope_high"]
    assert np.mean(ratios) > 1.03 and min(ratios) >= 1.0 - 1e-12
    assert covered >= 18


def test_ar1_noise_recovers_sd_and_rho():
    # a long continuous AR(1) series with a marginal SD of 0.6 (differences of 3 points, left
    # out as sudden jumps, are then rare): the semivariogram estimates are close to the truth,
    # a steady slope does not enter them, and rho is capped at MAX_NOISE_RHO
    rng = np.random.default_rng(0)
    for rho, cap in ((0.4, 0.4), (0.85, trends.MAX_NOISE_RHO)):
        e = np.zeros(20000)
        u = rng.normal(0, 1.0, e.size)
        for t in range(1, e.size):
            e[t] = rho * e[t - 1] + u[t]
        y = 5 + 0.01 * np.arange(e.size) + 0.6 * e * np.sqrt(1 - rho**2)  # marginal SD 0.6
        sid = np.zeros(e.size, dtype=np.int64)
        off = np.arange(e.size)
        slope = np.array([0.01 * MONTH / 7])
        sd, r = trends._ar1_noise(sid, off, y, 1, slope=slope)
        assert r[0] == pytest.approx(cap, abs=0.03)
        if rho < trends.MAX_NOISE_RHO:
            assert sd[0] == pytest.approx(0.6, abs=0.03)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.5])
def test_error_sd_is_unbiased_on_whole_point_ar1_noise(rho):
    # R series of n weekly scores: a level at a uniformly random place between whole points,
    # plus Gaussian AR(1) noise of marginal SD 0.5, rounded to whole points.  The rounding error
    # is then uniform on (-0.5, 0.5) and independent of the noise, so one score's variance is
    # exactly 0.5^2 + 1/12.  error_sd^2 must be unbiased for it: the mean over the R series
    # within 4 standard errors of that mean (the SD over the series / sqrt(R)).  The estimator
    # it replaced (mean |difference| * sqrt(pi) / 2, divided by sqrt(1 - rho)) gave 0.77, 0.66
    # and 0.54 of it here (its square).
    rng = np.random.default_rng(11)
    reps, n, sigma = 200, 520, 0.5
    e = np.empty((reps, n))
    e[:, 0] = rng.normal(0, sigma, reps)
    u = rng.normal(0, sigma * np.sqrt(1 - rho**2), (reps, n))
    for t in range(1, n):
        e[:, t] = rho * e[:, t - 1] + u[:, t]
    y = np.round(rng.uniform(3, 7, reps)[:, None] + e).ravel()
    sid = np.repeat(np.arange(reps), n)
    off = np.tile(np.arange(n), reps)
    g = trends._semivariogram(sid, off, y, reps, slope=np.zeros(reps))
    var = trends._error_sd(sid, y, reps, g) ** 2
    truth = sigma**2 + 1 / 12
    assert abs(var.mean() - truth) < 4 * var.std(ddof=1) / np.sqrt(reps)


@pytest.mark.parametrize("seed", range(4))
def test_trend_kernel_equals_scipy_with_and_without_ties(seed):
    # Exercises both p-value branches of kendalltau (exact: no ties and n <= 33; asymptotic)
    # and Sen's interval with ties in y, over series of very different lengths.
    rng = np.random.default_rng(seed)
    sids, xs, ys = [], [], []
    lengths = rng.integers(2, 60, 40)
    for s, n in enumerate(lengths):
        x = np.sort(rng.choice(150, n, replace=False)) * 7 / MONTH
        y = rng.normal(size=n) + 0.05 * x if s % 2 else rng.integers(1, 11, n).astype(float)
        sids.append(np.full(n, s))
        xs.append(x)
        ys.append(y)
    sid, x, y = map(np.concatenate, (sids, xs, ys))
    shuffle = rng.permutation(len(sid))
    got = trends._trend_stats(sid[shuffle], x[shuffle], y[shuffle], 40, min_n=2, budget=5000)
    for s in range(40):
        m = sid == s
        ts = stats.theilslopes(y[m], x[m])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(x[m], y[m])
        ref = [ts.slope, ts.low_slope, ts.high_slope, kt.statistic, kt.pvalue]
        res = [got[k][s] for k in ("slope", "low", "high", "tau", "p")]
        np.testing.assert_allclose(res, ref, rtol=0, atol=1e-9)


def test_trend_summary_finds_planted_slopes(cohort):
    out = trends.trend_summary(cohort.logs.checkins).merge(
        cohort.params[["couple_id", "partner", "slope_per_month"]],
        on=["couple_id", "partner"],
        suffixes=("", "_planted"),
    )
    rising = out[out["slope_per_month_planted"] > 0.2]
    assert len(rising) >= 10
    assert (rising["mk_tau"] > 0).mean() >= 0.9
    assert (rising["slope_per_month"] > 0).mean() >= 0.95
    rho = stats.spearmanr(out["slope_per_month_planted"], out["slope_per_month"]).statistic
    assert rho > 0.3


def test_trend_summary_sets_aside_a_setback_at_an_end():
    # a rise from 4 to 7 over a year, then a sudden drop to 3 for the latest 3 (or 8) weeks: a
    # setback in progress (MAX_TRAILING_DIP = 8, at most a quarter of the 50 weeks before),
    # set aside: the rise is still the verdict.  Held for 9 weeks it is the present and the
    # ends show no change.
    assert (trends.DIP_MARGIN, trends.MAX_DIP_WEEKS, trends.MAX_TRAILING_DIP) == (1.5, 12, 8)
    assert trends.PRE_DIP_WEEKS == 2 and trends.TRAILING_DIP_SHARE == 0.25
    rise = [int(v) for v in np.round(np.linspace(4, 7, 50))]
    cases = (([3] * 3, "improved"), ([3] * 8, "improved"), ([3] * 9, "no_clear_change"))
    for tail, expected in cases:
        ci = checkins(weekly_series("c1", "A", "2025-01-06", rise + tail))
        row = trends.trend_summary(ci).iloc[0]
        assert row["n_weeks"] == 50 + len(tail) and row["change"] == expected
        if expected == "improved":
            assert row["latest_month_mean"] == 7.0
    # the boundaries of a dip, by hand: 1.5 points below the score before the drop still
    # counts, 1.4 does not; a dip holds at most 12 weekly scores: a 13th still low is a new level
    sid = np.zeros(9, dtype=np.int64)
    y = np.array([7, 7, 7, 4, 5.5, 5.6, 7, 7, 7.0])
    assert trends._dip_weeks(sid, y).tolist() == [False] * 3 + [True] * 2 + [False] * 4
    # measured from the mean of the 2 scores before the drop (6.5 here), not the last one
    y = np.array([7, 6, 7, 4, 5.0, 5.1, 7, 7, 7.0])
    assert trends._dip_weeks(sid, y).tolist() == [False] * 3 + [True] * 2 + [False] * 4
    for low, expected in ((12, True), (13, False)):
        y = np.array([7.0] * 3 + [3.0] * low + [7.0] * 3)
        got = trends._dip_weeks(np.zeros(len(y), dtype=np.int64), y)
        assert got[3 : 3 + low].all() == expected and not got[:3].any()
        assert (got == _dips_by_hand(y)).all()
    # at the latest score: 4 scores are always in progress; 5-8 only while at most a quarter
    # of the scores before the dip (6 after 24 is, 6 after 23 is not; 9 never)
    for before, low, expected in (
        (5, 4, True),
        (19, 5, False),
        (20, 5, True),
        (23, 6, False),
        (24, 6, True),
        (32, 8, True),
        (60, 9, False),
    ):
        y = np.array([7.0] * before + [3.0] * low)
        got = trends._dip_weeks(np.zeros(len(y), dtype=np.int64), y)
        assert got[before:].all() == expected and not got[:before].any()
        assert (got == _dips_by_hand(y)).all()
    # two series side by side: the share counts the dip's own series only
    y = np.array([7.0] * 30 + [7.0] * 20 + [3.0] * 6)
    sid = np.r_[np.zeros(30, dtype=np.int64), np.ones(26, dtype=np.int64)]
    assert not trends._dip_weeks(sid, y).any()


def test_trend_summary_few_weeks_give_nan_slope():
    # two weekly scores: one four-weekly mean, no slope, and too few for a verdict
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", [4, 6])))
    assert out["n_weeks"].iloc[0] == 2 and out["slope_points"].iloc[0] == 1
    assert out[["slope_per_month", "mk_tau", "mk_p"]].isna().all(axis=None)
    assert out["change"].iloc[0] == "insufficient_data"


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"


@pytest.mark.skipif(not SAMPLE.exists(), reason="data/sample not generated")
def test_trend_summary_reads_the_sample_couples_right():
    # couple-02 is the sample's "no improvement" couple (planted 0.07 points a month);
    # couple-01 A rose from 4.0 to 7.0: the biggest rise in the sample
    import trustdata

    logs = trustdata.load(SAMPLE)
    out = trends.trend_summary(logs.checkins).set_index(["couple_id", "partner"])
    assert out.loc[("couple-02", "A"), "change"] == "no_clear_change"
    assert out.loc[("couple-02", "B"), "change"] == "no_clear_change"
    assert out.loc[("couple-01", "A"), "change"] == "improved"
    assert out.loc[("couple-01", "A"), "change_points"] == 3.0
    assert not (out["change"] == "insufficient_data").any()
    # no 0.00 slope for a partner whose ends differ by a point or more; couple-04 B (5.75 to
    # 6.00, a 6-week setback in the middle set aside) is flat and its interval covers 0
    moved = out["change_points"].abs() >= 1
    assert moved.sum() >= 5 and (out.loc[moved, "slope_per_month"].abs() > 0.005).all()
    b4 = out.loc[("couple-04", "B")]
    assert b4["change"] == "no_clear_change" and b4["slope_low"] < 0 < b4["slope_high"]


def test_trend_weeks_sets_aside_the_weeks_of_the_reference_rule(cohort):
    ci = cohort.logs.checkins
    got = trends.trend_weeks(ci)
    schemas.TrendWeeksOutput.validate(got)
    weekly = trends.weekly_trend(ci).dropna(subset=["score"]).reset_index(drop=True)
    # the same weekly scores as weekly_trend's weeks with a score, in the same order
    for col in ("couple_id", "partner", "week", "score", "n_checkins", "weeks_since_first"):
        assert got[col].tolist() == weekly[col].tolist(), col
    assert (got["block"] == got["weeks_since_first"] // 4).all()
    assert np.allclose(got["block_months"], (got["block"] * 4 + 1.5) * 7 / MONTH)
    n_aside = 0
    for (_, _), g in weekly.groupby(["couple_id", "partner"]):
        mine = got.loc[g.index]
        # reference: the plain-loop rule of _kept (all but the dips, if 8 or more are left)
        expected = ~g.index.isin(_kept(g).index)
        assert mine["set_aside"].tolist() == expected.tolist()
        n_aside += bool(expected.any())
    assert 0 < n_aside < got.groupby(["couple_id", "partner"]).ngroups


@pytest.mark.skipif(not SAMPLE.exists(), reason="data/sample not generated")
@pytest.mark.parametrize("measure", ["connection", "trust"])
def test_trend_summary_slope_is_linregress_on_the_kept_weeks_of_trend_weeks(measure):
    import trustdata

    ci = trustdata.load(SAMPLE).checkins
    out = trends.trend_summary(ci, measure=measure).set_index(["couple_id", "partner"])
    weeks = trends.trend_weeks(ci, measure=measure)
    checked = differs = 0
    for key, g in weeks.groupby(["couple_id", "partner"]):
        row = out.loc[key]
        kept = g[~g["set_aside"]]
        blocks = kept.groupby("block_months")["score"].mean()
        # reference: scipy.stats.linregress(block_months, four-weekly means of the kept weeks)
        lr = stats.linregress(blocks.index.to_numpy(), blocks.to_numpy())
        assert row["slope_per_month"] == pytest.approx(lr.slope, abs=1e-9), key
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(blocks.index.to_numpy(), blocks.to_numpy())
        assert row["mk_tau"] == pytest.approx(kt.statistic, abs=1e-9), key
        k = row["end_weeks"]
        assert row["first_month_mean"] == pytest.approx(kept["score"].iloc[:k].mean())
        assert row["latest_month_mean"] == pytest.approx(kept["score"].iloc[-k:].mean())
        assert row["n_weeks"] == len(g)
        every = g.groupby("block_months")["score"].mean()
        all_slope = stats.linregress(every.index.to_numpy(), every.to_numpy()).slope
        differs += not np.isclose(all_slope, row["slope_per_month"])
        checked += 1
    assert checked == len(out)
    if measure == "connection":
        # couple-01 A's setback is set aside: the slope of all weeks is not the summary's
        assert weeks.loc[
            (weeks["couple_id"] == "couple-01") & (weeks["partner"] == "A"), "set_aside"
        ].any()
        assert differs > 0


def test_trend_weeks_rejects_a_bad_measure():
    with pytest.raises(ValueError, match="measure"):
        trends.trend_weeks(empty_table("checkins"), measure="mood")


# --------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------

FUNCTIONS = {
    "weekly_trend": (trends.weekly_trend, trends.WEEKLY_TREND_COLUMNS),
    "trend_summary": (trends.trend_summary, trends.TREND_SUMMARY_COLUMNS),
    "trend_weeks": (trends.trend_weeks, trends.TREND_WEEKS_COLUMNS),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_empty_input_gives_empty_frame_with_the_columns(name):
    func, columns = FUNCTIONS[name]
    out = func(empty_table("checkins"))
    assert out.empty and tuple(out.columns) == columns


@pytest.mark.parametrize("name", FUNCTIONS)
def test_input_is_not_modified(cohort, name):
    func, columns = FUNCTIONS[name]
    ci = cohort.logs.checkins
    before = ci.copy()
    out = func(ci)
    pd.testing.assert_frame_equal(ci, before)
    assert tuple(out.columns) == columns
    # plain values only: no lists or arrays in cells
    assert not out.map(lambda v: isinstance(v, (list, np.ndarray))).any(axis=None)


@pytest.mark.parametrize(
    "kwargs",
    [{"band": "sd"}, {"band": "ci"}, {"band": "none"}, {"measure": "trust", "window": 2}],
)
def test_weekly_trend_columns_do_not_depend_on_options(cohort, kwargs):
    out = trends.weekly_trend(cohort.logs.checkins, cohort.logs.events, **kwargs)
    assert tuple(out.columns) == trends.WEEKLY_TREND_COLUMNS
    assert out["n_checkins"].dtype == "int64" and out["week"].dtype == "datetime64[ns]"


def test_measure_with_no_scores_gives_empty_frame():
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [5, 6]))
    out = trends.trend_summary(ci, measure="honesty")
    assert out.empty and tuple(out.columns) == trends.TREND_SUMMARY_COLUMNS


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2"]),
            st.sampled_from(["A", "B"]),
            st.integers(0, 120),  # day offset
            st.integers(1, 10),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda t: t[:3],
    )
)
def test_weekly_trend_accounts_for_every_checkin_and_every_week(rows):
    base = pd.Timestamp("2025-01-01")  # a Wednesday
    ci = checkins([(c, p, base + pd.Timedelta(days=d), s) for c, p, d, s in rows])
    out = trends.weekly_trend(ci)
    assert out["n_checkins"].sum() == len(ci)
    for (couple, partner), g in out.groupby(["couple_id", "partner"]):
        days = [d for c, p, d, _ in rows if (c, p) == (couple, partner)]
        first = schemas.week_start(pd.Series([base + pd.Timedelta(days=min(days))]))[0]
        last = schemas.week_start(pd.Series([base + pd.Timedelta(days=max(days))]))[0]
        assert len(g) == (last - first).days // 7 + 1  # every week, also the empty ones
        assert g["week"].iloc[0] == first and (g["week"].dt.day_of_week == 0).all()
        assert g["score"].isna().eq(g["n_checkins"] == 0).all()


def _verdict_by_hand(g_all: pd.DataFrame, out: pd.Series) -> str:
    """The verdict rule of trend_summary, by hand, from one partner's weekly scores and the
    summary's slope, interval, index and ends (8 or more weekly scores).

    Either route: a reliable change (|rci| > 1.96) with the slope's sign; or a clear change at
    95 % (the printed 95 % slope interval on one side of 0, or the ends' difference beyond
    1.96 times its AR(1) standard error, _ends_se, with the slope's sign), an index beyond
    0.75 (trends.TREND_RCI since round 6; the rule here said 1 and a random example with an
    index of 0.99 and a clear rise found it) and a size of 1.25 points or more the same way,
    the size being the mean of the ends' difference and the line's change from the first to
    the latest kept weekly score.
    """
    g = _kept(g_all)
    slope, rci, cp = out["slope_per_month"], out["rci"], out["change_points"]
    weeks = g["weeks_since_first"].to_numpy()
    line = slope * (weeks[-1] - weeks[0]) * 7 / MONTH
    size = (cp + line) / 2 if np.isfinite(line) else cp
    half = (out["slope_high"] - out["slope_low"]) / 2
    half95 = (
        half
        * stats.t.ppf(0.975, max(out["slope_points"] - 2, 1))
        / stats.t.ppf((1 + out["level"]) / 2, max(out["slope_points"] - 2, 1))
    )
    z = cp / _ends_se(g)
    clear_up = slope - half95 > 0 or (z > stats.norm.ppf(0.975) and slope > 0)
    clear_down = slope + half95 < 0 or (z < -stats.norm.ppf(0.975) and slope < 0)
    up = (rci > 1.96 and not slope <= 0) or (clear_up and rci > 0.75 and size >= 1.25)
    down = (rci < -1.96 and not slope >= 0) or (clear_down and rci < -0.75 and size <= -1.25)
    return "improved" if up else "deteriorated" if down else "no_clear_change"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(1, 10)), min_size=1, max_size=60),
)
# an index of 0.99 with a clear rise (ends 5.5 -> 8.25, z 1.98): "improved" by the trend route
@example([1, 4, 7, None, None, None, None, 10, None, None, 6, 10, None, None, None, 7, 10])
def test_trend_summary_verdict_exists_and_agrees_with_the_slope(scores):
    rows = weekly_series("c1", "A", "2025-01-06", scores)
    if not rows:
        return
    ci = checkins(rows)
    out = trends.trend_summary(ci).iloc[0]
    n = sum(s is not None for s in scores)
    assert out["n_weeks"] == n
    # 4 weekly scores at each end always give a verdict; fewer never do
    assert (out["change"] == "insufficient_data") == (n < 8)
    assert out["change"] in trends.CHANGE_LABELS and out["shape"] in trends.SHAPES
    # the rule, both routes (_verdict_by_hand); never against the interval
    slope = out["slope_per_month"]
    if n >= 8:
        g_all = trends.weekly_trend(ci).dropna(subset=["score"])
        assert out["change"] == _verdict_by_hand(g_all, out)
    if out["change"] == "improved":
        assert not slope <= 0 and not out["slope_high"] <= 0
    if out["change"] == "deteriorated":
        assert not slope >= 0 and not out["slope_low"] >= 0
    if n >= 8:
        assert out["error_sd"] >= np.sqrt(1 / 12) - 1e-12
        assert out["rc_points"] == pytest.approx(1.96 * np.sqrt(2) * out["error_sd"])


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_trend_summary_verdict_equals_the_rule_by_hand_per_series(cohort, level):
    # every partner of a synth cohort (dips set aside for some), whatever level is printed:
    # the verdict is the rule by hand with the ends' AR(1) standard error from dense matrices
    out = trends.trend_summary(cohort.logs.checkins, level=level)
    weekly = trends.weekly_trend(cohort.logs.checkins).dropna(subset=["score"])
    routes = {"reliable": 0, "slope": 0, "ends": 0}
    for (couple, partner), g_all in weekly.groupby(["couple_id", "partner"]):
        row = out[(out["couple_id"] == couple) & (out["partner"] == partner)].iloc[0]
        if row["n_weeks"] < 8:
            continue
        assert row["change"] == _verdict_by_hand(g_all, row), (couple, partner)
        if row["change"] in ("improved", "deteriorated"):
            if abs(row["rci"]) > 1.96:
                routes["reliable"] += 1
            elif row["slope_low"] > 0 or row["slope_high"] < 0:
                routes["slope"] += 1
            else:
                routes["ends"] += 1
    assert routes["reliable"] > 0 and routes["slope"] + routes["ends"] > 0


def test_ar1_combination_se_equals_dense_matrices():
    # any linear combination of weekly scores with gaps: sd * sqrt(w @ R @ w), R = rho^|t - u|
    rng = np.random.default_rng(4)
    sids, offs, ws, refs = [], [], [], []
    sd, rho = np.array([0.7, 0.5, 1.1]), np.array([0.0, 0.35, 0.6])
    for s in range(3):
        off = np.sort(rng.choice(80, 40, replace=False))
        w = rng.normal(size=40)
        sids.append(np.full(40, s))
        offs.append(off - off[0])
        ws.append(w)
        r = rho[s] ** np.abs(off[:, None] - off[None, :])
        refs.append(sd[s] * np.sqrt(w @ r @ w))
    got = trends._ar1_combination_se(
        np.concatenate(sids), np.concatenate(offs), np.concatenate(ws), 3, sd, rho
    )
    np.testing.assert_allclose(got, refs, rtol=1e-12)
    # the ends' difference (k = 4, 3 and 0 scores per end): -1/k on the first k, +1/k on the
    # latest k, from the 2k end scores alone
    n, k = np.array([40, 40, 40]), np.array([4, 3, 0])
    got = trends._ends_se(np.concatenate(offs), n, k, sd, rho)
    for s in range(2):
        off = offs[s]
        w = np.zeros(40)
        w[: k[s]] -= 1 / k[s]
        w[40 - k[s] :] += 1 / k[s]
        r = rho[s] ** np.abs(off[:, None] - off[None, :])
        assert got[s] == pytest.approx(sd[s] * np.sqrt(w @ r @ w), rel=1e-12)
    assert np.isnan(got[2])


def test_changes_since_gives_a_partner_with_triggers_but_no_checkins_their_row():
    # B logs triggers but never checks in: "What changed since" must still show B's triggers
    # (before: 1 on 20 January; since: 2, one of them major), with 0 check-ins and NaN means
    from trustdata import Logs

    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
            for d, s in [("2025-01-06", 4), ("2025-01-27", 5), ("2025-02-10", 7)]
        ],
    )
    tr = as_table(
        "triggers",
        [
            {"couple_id": "c1", "partner": "B", "timestamp": t, "category": "location",
             "intensity": i}
            for t, i in [("2025-01-20 20:00", 3), ("2025-02-03 09:00", 8),
                         ("2025-02-12 21:00", 2)]
        ],
    )  # fmt: skip
    out = trends.changes_since(Logs(checkins=ci, triggers=tr), "2025-02-01")
    schemas.ChangesSinceOutput.validate(out)
    assert out["partner"].tolist() == ["A", "B"]
    b = out.set_index("partner").loc["B"]
    assert (b["checkins_before"], b["checkins_since"]) == (0, 0)
    assert np.isnan(b["mean_before"]) and np.isnan(b["mean_since"]) and np.isnan(b["difference"])
    assert (b["triggers_before"], b["triggers_since"], b["major_triggers_since"]) == (1, 2, 1)
    a = out.set_index("partner").loc["A"]
    assert (a["mean_before"], a["mean_since"], a["triggers_since"]) == (4.5, 7.0, 0)
    # the spans are the couple's, the same for both partners
    assert (out["before_start"].nunique(), out["until"].nunique()) == (1, 1)


def test_changes_since_with_triggers_only_is_not_empty():
    from trustdata import Logs

    tr = as_table(
        "triggers",
        [{"couple_id": "c1", "partner": "B", "timestamp": "2025-02-03 09:00",
          "category": "location", "intensity": 8}],
    )  # fmt: skip
    out = trends.changes_since(Logs(checkins=empty_table("checkins"), triggers=tr), "2025-02-01")
    schemas.ChangesSinceOutput.validate(out)
    assert out[["partner", "checkins_since", "triggers_since"]].values.tolist() == [["B", 0, 1]]

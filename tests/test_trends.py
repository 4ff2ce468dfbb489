"""Tests of trustdata.trends: weekly scores, rolling band, Theil-Sen / Mann-Kendall / RCI."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
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


def test_trend_summary_rci_by_hand():
    # 10 weekly scores.  First month (weeks 0-3): 3, 4, 3, 5 -> mean 3.75, s_pre = SD = 0.9574;
    # latest month (weeks 6-9): 6, 7, 8, 8 -> 7.25.  With r = 0.8:
    # S_diff = sqrt(2 * (0.9574 * sqrt(0.2))^2) = 0.6055, RCI = 3.5 / 0.6055 = 5.780.
    ci = checkins(weekly_series("c1", "A", "2025-01-06", [3, 4, 3, 5, 5, 6, 6, 7, 8, 8]))
    row = trends.trend_summary(ci).iloc[0]
    s_pre = np.std([3, 4, 3, 5], ddof=1)
    assert row["first_month_mean"] == 3.75
    assert row["latest_month_mean"] == 7.25
    assert row["s_pre"] == pytest.approx(s_pre)
    assert row["rci"] == pytest.approx(3.5 / np.sqrt(2 * (s_pre * np.sqrt(0.2)) ** 2))
    assert row["rci"] == pytest.approx(5.780, abs=1e-3)
    assert row["change"] == "improved"
    assert row["n_weeks"] == 10 and row["n_checkins"] == 10


def test_trend_summary_deteriorated_and_unchanged():
    down = weekly_series("c1", "A", "2025-01-06", [8, 7, 8, 9, 7, 6, 5, 4, 4, 3])
    flat = weekly_series("c2", "A", "2025-01-06", [5, 6, 5, 6, 5, 6, 5, 6, 5, 6])
    out = trends.trend_summary(checkins(down + flat)).set_index("couple_id")
    assert out.loc["c1", "change"] == "deteriorated"
    assert out.loc["c2", "change"] == "unchanged"  # both months average 5.5


@pytest.mark.parametrize(
    "scores",
    [
        [3, 4, 5, 6, 7],  # span of 5 weeks < 2 x 4: the two months would overlap
        [5, 5, 5, 5, 6, 7, 8, 9, 9],  # s_pre = 0
        [5, None, 5, None, 5, 5, 7, 8, 9],  # s_pre = 0 over scores spread out by missed weeks
    ],
)
def test_trend_summary_insufficient_data(scores):
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", scores)))
    assert out["change"].tolist() == ["insufficient_data"]
    assert out["rci"].isna().all()


def test_trend_summary_first_and_latest_month_use_calendar_weeks():
    # 12-week span with missed weeks: first month = weeks 0-3 (scores 2, 4), latest = weeks 8-11
    # (scores 8 only: weeks 8, 9, 10 missed).
    scores = [2, None, 4, None, 5, 6, 7, 7, None, None, None, 8]
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", scores)))
    assert out["first_month_mean"].iloc[0] == 3.0
    assert out["latest_month_mean"].iloc[0] == 8.0
    # baseline = first 4 *scores*: 2, 4, 5, 6
    assert out["s_pre"].iloc[0] == pytest.approx(np.std([2, 4, 5, 6], ddof=1))


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_trend_summary_equals_scipy_per_series(cohort, level):
    ci = cohort.logs.checkins
    out = trends.trend_summary(ci, level=level)
    weekly = trends.weekly_trend(ci).dropna(subset=["score"])
    for (couple, partner), g in weekly.groupby(["couple_id", "partner"]):
        row = out[(out["couple_id"] == couple) & (out["partner"] == partner)].iloc[0]
        months = g["weeks_since_first"].to_numpy() * 7 / MONTH
        ts = stats.theilslopes(g["score"], months, alpha=level)  # scipy reference
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(months, g["score"])
        got = row[["slope_per_month", "slope_low", "slope_high", "mk_tau", "mk_p"]]
        ref = [ts.slope, ts.low_slope, ts.high_slope, kt.statistic, kt.pvalue]
        np.testing.assert_allclose(got.to_numpy(dtype=float), ref, rtol=0, atol=1e-9)
        assert row["n_weeks"] == len(g)


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
    # a clearly rising planted arc gives a positive Mann-Kendall tau and a non-negative slope
    assert (rising["mk_tau"] > 0).mean() >= 0.9
    assert (rising["slope_per_month"] >= 0).mean() >= 0.95
    # and planted slopes rank like the estimated ones
    rho = stats.spearmanr(out["slope_per_month_planted"], out["mk_tau"]).statistic
    assert rho > 0.3


def test_trend_summary_few_weeks_give_nan_slope():
    out = trends.trend_summary(checkins(weekly_series("c1", "A", "2025-01-06", [4, 6])))
    assert out["n_weeks"].iloc[0] == 2
    assert out[["slope_per_month", "mk_tau", "mk_p"]].isna().all(axis=None)


# --------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------

FUNCTIONS = {
    "weekly_trend": (trends.weekly_trend, trends.WEEKLY_TREND_COLUMNS),
    "trend_summary": (trends.trend_summary, trends.TREND_SUMMARY_COLUMNS),
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

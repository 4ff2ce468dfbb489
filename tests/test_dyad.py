"""Tests of trustdata.dyad: partner gap, gap trend, lagged correlation, leader."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustdata import dyad, schemas, synth, trends
from trustdata.logs import as_table, empty_table


def weekly(couple: str, partner: str, start: str, scores: list[float | None]) -> list[dict]:
    days = pd.date_range(start, periods=len(scores), freq="7D")
    return [
        {"couple_id": couple, "partner": partner, "date": d, "connection": s}
        for d, s in zip(days, scores, strict=True)
        if s is not None
    ]


def table(*parts: list[dict]) -> pd.DataFrame:
    return as_table("checkins", [row for part in parts for row in part])


@pytest.fixture(scope="module")
def cohort():
    return synth.generate(couples=30, seed=5, text=False)


# --------------------------------------------------------------------------------------------
# partner_gap
# --------------------------------------------------------------------------------------------


def test_gap_only_in_shared_weeks_with_rolling_by_hand():
    # partners are sorted: "Alex" is partner A and "Sam" partner B whatever the row order
    ci = table(
        weekly("c1", "Sam", "2025-01-06", [7, 7, None, 6, 8]),
        weekly("c1", "Alex", "2025-01-06", [3, None, 4, 5, 6]),
    )
    out = dyad.partner_gap(ci, window=2)
    assert out[["partner_a", "partner_b"]].drop_duplicates().values.tolist() == [["Alex", "Sam"]]
    # shared weeks 0, 3, 4: gaps 3-7 = -4, 5-6 = -1, 6-8 = -2
    assert out["week"].dt.strftime("%m-%d").tolist() == ["01-06", "01-27", "02-03"]
    assert out["gap"].tolist() == [-4.0, -1.0, -2.0]
    assert out["abs_gap"].tolist() == [4.0, 1.0, 2.0]
    # trailing two calendar weeks: week 3 holds weeks 2-3 (gap only in 3), week 4 holds 3-4
    assert out["rolling_gap"].tolist() == [-4.0, -1.0, -1.5]
    assert out["rolling_n"].tolist() == [1, 1, 2]


def test_gap_averages_two_checkins_in_a_week():
    ci = table(
        weekly("c1", "A", "2025-01-06", [4]),
        [{"couple_id": "c1", "partner": "A", "date": "2025-01-09", "connection": 6}],
        weekly("c1", "B", "2025-01-07", [8]),
    )
    out = dyad.partner_gap(ci)
    assert out["score_a"].tolist() == [5.0] and out["gap"].tolist() == [-3.0]


def test_gap_skips_single_partner_couples_and_third_partners():
    ci = table(
        weekly("solo", "A", "2025-01-06", [5, 6]),
        weekly("trio", "A", "2025-01-06", [5, 6]),
        weekly("trio", "B", "2025-01-06", [4, 4]),
        weekly("trio", "C", "2025-01-06", [1, 1]),
    )
    out = dyad.partner_gap(ci)
    assert out["couple_id"].unique().tolist() == ["trio"]
    assert out["partner_b"].unique().tolist() == ["B"]
    assert dyad.lagged_correlation(ci)["couple_id"].unique().tolist() == ["trio"]


# --------------------------------------------------------------------------------------------
# gap_trend
# --------------------------------------------------------------------------------------------


def test_gap_trend_equals_scipy_on_the_abs_gap(cohort):
    ci = cohort.logs.checkins
    gaps = dyad.partner_gap(ci)
    out = dyad.gap_trend(ci)
    assert len(out) == gaps["couple_id"].nunique()
    for couple, g in gaps.groupby("couple_id"):
        row = out[out["couple_id"] == couple].iloc[0]
        months = (g["week"] - g["week"].min()).dt.days.to_numpy() / schemas.DAYS_PER_MONTH
        ts = stats.theilslopes(g["abs_gap"], months)  # scipy reference
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kt = stats.kendalltau(months, g["abs_gap"])
        got = row[["slope_per_month", "slope_low", "slope_high", "mk_tau", "mk_p"]]
        ref = [ts.slope, ts.low_slope, ts.high_slope, kt.statistic, kt.pvalue]
        np.testing.assert_allclose(got.to_numpy(dtype=float), ref, atol=1e-9)
        assert row["n_weeks"] == len(g)
        assert row["mean_abs_gap"] == pytest.approx(g["abs_gap"].mean())


def test_gap_trend_flags_a_growing_gap_only():
    n = 16
    growing = table(
        weekly("grow", "A", "2025-01-06", [min(10, 3 + i // 2) for i in range(n)]),
        weekly("grow", "B", "2025-01-06", [3] * n),
    )
    steady = table(
        weekly("flat", "A", "2025-01-06", [5, 6] * (n // 2)),
        weekly("flat", "B", "2025-01-06", [5] * n),
    )
    out = dyad.gap_trend(pd.concat([growing, steady], ignore_index=True)).set_index("couple_id")
    assert bool(out.loc["grow", "diverging"]) and out.loc["grow", "slope_low"] > 0
    assert not out.loc["flat", "diverging"]


def test_gap_trend_needs_min_weeks():
    ci = table(weekly("c1", "A", "2025-01-06", [3, 5, 7]), weekly("c1", "B", "2025-01-06", [3] * 3))
    out = dyad.gap_trend(ci)
    assert out["n_weeks"].tolist() == [3]
    assert out["slope_per_month"].isna().all() and not out["diverging"].any()


# --------------------------------------------------------------------------------------------
# lagged_correlation / leader_summary
# --------------------------------------------------------------------------------------------


def test_lagged_correlation_sign_b_follows_a():
    rng = np.random.default_rng(3)
    a = list(rng.integers(2, 10, 30))
    b = [5, *a[:-1]]  # B's score is A's score of the week before
    ci = table(weekly("c1", "A", "2025-01-06", a), weekly("c1", "B", "2025-01-06", b))
    out = dyad.lagged_correlation(ci, max_lag=3)
    assert out["lag"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    best = out.loc[out["r"].abs().idxmax()]
    assert best["lag"] == 1 and best["r"] == pytest.approx(1.0)
    lead = dyad.leader_summary(out)
    assert lead["leader"].tolist() == ["A"] and lead["best_lag"].tolist() == [1.0]


def test_lagged_correlation_equals_scipy_pearsonr(cohort):
    ci = cohort.logs.checkins
    out = dyad.lagged_correlation(ci, max_lag=2)
    w = trends.weekly_trend(ci)
    for couple, g in list(w.groupby("couple_id"))[:10]:
        a = g[g["partner"] == "A"].set_index("week")["score"]
        b = g[g["partner"] == "B"].set_index("week")["score"]
        grid = pd.date_range(
            min(a.index.min(), b.index.min()), max(a.index.max(), b.index.max()), freq="7D"
        )
        da = a.reindex(grid).diff().to_numpy()  # NaN across missed weeks
        db = b.reindex(grid).diff()
        for lag in range(-2, 3):
            y = db.shift(-lag).to_numpy()  # B's change `lag` weeks later
            ok = ~np.isnan(da) & ~np.isnan(y)
            row = out[(out["couple_id"] == couple) & (out["lag"] == lag)].iloc[0]
            assert row["n_weeks"] == ok.sum()
            ref = stats.pearsonr(da[ok], y[ok])
            assert row["r"] == pytest.approx(ref.statistic, abs=1e-9)
            assert row["p"] == pytest.approx(ref.pvalue, abs=1e-9)


def test_lagged_correlation_too_few_pairs_or_constant_gives_nan():
    ci = table(
        weekly("c1", "A", "2025-01-06", [5, 6, 7]), weekly("c1", "B", "2025-01-06", [5, 5, 5])
    )
    out = dyad.lagged_correlation(ci, max_lag=1)
    assert out["r"].isna().all() and out["p"].isna().all()
    assert dyad.leader_summary(out)["leader"].tolist() == ["none"]


def test_leader_summary_ties_and_negative_lag():
    lagged = pd.DataFrame(
        {
            "couple_id": ["c1"] * 3 + ["c2"] * 3,
            "partner_a": "A",
            "partner_b": "B",
            "measure": "connection",
            "lag": [-1, 0, 1] * 2,
            "n_weeks": 10,
            "r": [-0.9, 0.2, 0.9, 0.1, 0.5, 0.1],
            "p": [0.001, 0.5, 0.001, 0.8, 0.01, 0.8],
        }
    )
    out = dyad.leader_summary(lagged)
    # c1: |r| ties at lags -1 and 1 -> the negative lag wins: B leads; c2: lag 0 -> together
    assert out["best_lag"].tolist() == [-1.0, 0.0]
    assert out["leader"].tolist() == ["B", "together"]


# --------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------

CALLS = {
    "partner_gap": (dyad.partner_gap, dyad.GAP_COLUMNS),
    "gap_trend": (dyad.gap_trend, dyad.GAP_TREND_COLUMNS),
    "lagged_correlation": (dyad.lagged_correlation, dyad.LAG_COLUMNS),
    "leader_summary": (
        lambda c: dyad.leader_summary(dyad.lagged_correlation(c)),
        dyad.LEADER_COLUMNS,
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_empty_input_gives_empty_frame_with_the_columns(name):
    func, columns = CALLS[name]
    out = func(empty_table("checkins"))
    assert out.empty and tuple(out.columns) == columns


@pytest.mark.parametrize("name", CALLS)
def test_input_is_not_modified_and_cells_are_plain(cohort, name):
    func, columns = CALLS[name]
    ci = cohort.logs.checkins
    before = ci.copy()
    out = func(ci)
    pd.testing.assert_frame_equal(ci, before)
    assert tuple(out.columns) == columns and not out.empty
    assert not out.map(lambda v: isinstance(v, (list, np.ndarray))).any(axis=None)


@pytest.mark.parametrize("kwargs", [{"measure": "trust"}, {"measure": "connection", "window": 1}])
def test_gap_columns_do_not_depend_on_options(cohort, kwargs):
    out = dyad.partner_gap(cohort.logs.checkins, **kwargs)
    assert tuple(out.columns) == dyad.GAP_COLUMNS


@pytest.mark.parametrize(
    ("func", "kwargs", "match"),
    [
        (dyad.partner_gap, {"measure": "mood"}, "`measure` must be one of"),
        (dyad.partner_gap, {"window": 0}, "`window`"),
        (dyad.gap_trend, {"alpha": 0.9}, "`alpha`"),
        (dyad.lagged_correlation, {"max_lag": -1}, "`max_lag`"),
        (dyad.lagged_correlation, {"min_pairs": 2}, "`min_pairs`"),
    ],
)
def test_bad_arguments_raise_a_sentence(func, kwargs, match):
    ci = table(weekly("c1", "A", "2025-01-06", [5]), weekly("c1", "B", "2025-01-06", [5]))
    with pytest.raises(ValueError, match=match):
        func(ci, **kwargs)

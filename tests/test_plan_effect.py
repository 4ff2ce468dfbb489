"""plan_effect: triggers handled with the plan vs without (Hodges-Lehmann, rank interval, test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustdata import triggers as tg
from trustdata.logs import as_table


def _triggers(rows: list[dict]) -> pd.DataFrame:
    return as_table("triggers", rows)


def _rows(intensities, plans, *, partner="A", couple="c1", start="2025-01-01", minutes=None):
    days = pd.date_range(start, periods=len(intensities), freq="D")
    out = []
    for i, (d, v, p) in enumerate(zip(days, intensities, plans, strict=True)):
        row = {
            "couple_id": couple,
            "partner": partner,
            "timestamp": d,
            "category": "media",
            "intensity": int(v),
            "used_plan": p,
        }
        if minutes is not None:
            row["minutes"] = minutes[i]
        out.append(row)
    return out


# R 4.x, no ties, m = 7, n = 8 (exact interval):
#   x <- c(4.1, 5.3, 3.2, 6.8, 2.9, 5.0, 4.4); y <- c(6.2, 7.5, 5.9, 8.1, 6.6, 7.0, 5.4, 9.3)
#   r <- wilcox.test(x, y, conf.int=TRUE)   # estimate -2.5, conf.int -4 -0.9, W 4, p 0.0037296...
#   r <- wilcox.test(x, y, conf.int=TRUE, conf.level=0.9)   # conf.int -3.7 -1.3
X = np.array([4.1, 5.3, 3.2, 6.8, 2.9, 5.0, 4.4])
Y = np.array([6.2, 7.5, 5.9, 8.1, 6.6, 7.0, 5.4, 9.3])


def test_hodges_lehmann_matches_r_wilcox_test_without_ties() -> None:
    est, low, high, u, p = tg._hodges_lehmann(X, Y, 0.05)
    assert est == pytest.approx(-2.5, abs=1e-12)
    assert (low, high) == pytest.approx((-4.0, -0.9), abs=1e-12)
    assert u == 4
    assert p == pytest.approx(0.00372960372960373, rel=1e-9)
    _, low, high, _, _ = tg._hodges_lehmann(X, Y, 0.10)
    assert (low, high) == pytest.approx((-3.7, -1.3), abs=1e-12)


@pytest.mark.parametrize(
    ("alpha", "m", "n", "expected"),
    # R: qwilcox(alpha, m, n)
    [
        (0.025, 7, 8, 11),
        (0.025, 12, 12, 38),
        (0.025, 5, 30, 34),
        (0.025, 49, 3, 24),
        (0.05, 7, 8, 14),
        (0.05, 12, 12, 43),
        (0.05, 5, 30, 40),
        (0.05, 49, 3, 31),
        (0.025, 49, 49, 925),
    ],
)
def test_wilcox_quantile_matches_r_qwilcox(alpha: float, m: int, n: int, expected: int) -> None:
    assert tg._wilcox_quantile(alpha, m, n) == expected


def test_hand_worked_shift_and_verdict() -> None:
    # with the plan: 3, 4, 5, 3, 4, 5; without: 6, 7, 8, 6, 7, 8 -> every difference is -1 .. -5,
    # the median of the 36 pairwise differences is -3
    rows = _rows([3, 4, 5, 3, 4, 5, 6, 7, 8, 6, 7, 8], [True] * 6 + [False] * 6)
    out = tg.plan_effect(_triggers(rows))
    row = out.loc[(out["category"] == "all") & (out["measure"] == "intensity")].iloc[0]
    assert row["n_plan"] == 6 and row["n_no_plan"] == 6
    assert row["difference"] == -3.0
    assert row["median_plan"] == 4.0 and row["median_no_plan"] == 7.0
    assert row["ci_high"] < 0
    assert row["verdict"] == "lower_with_plan"
    assert row["caution"] == tg.PLAN_CAUTION
    assert out.attrs["caution"] == tg.PLAN_CAUTION
    assert row["plan_share"] == 0.5
    # 12 days, shorter than 2 x 3 months: the halves; the first six used the plan
    assert row["plan_share_first"] == 1.0 and row["plan_share_latest"] == 0.0


def test_too_few_is_insufficient_and_unclear_is_not_a_verdict() -> None:
    few = tg.plan_effect(_triggers(_rows([3, 4, 8, 7], [True, True, False, False])))
    assert few["verdict"].tolist() == ["insufficient_data"]
    assert few["difference"].isna().all() and few["p"].isna().all()
    same = _rows([3, 6, 5, 4, 7, 5, 4, 6, 5, 3, 6, 7], [True, False] * 6)
    out = tg.plan_effect(_triggers(same))
    assert out["verdict"].iloc[0] == "no_clear_difference"


def test_minutes_rows_only_when_minutes_are_logged() -> None:
    plain = tg.plan_effect(
        _triggers(_rows([3, 4, 5, 3, 4, 8, 7, 8, 6, 7], [True] * 5 + [False] * 5))
    )
    assert set(plain["measure"]) == {"intensity"}
    mins = [10, 12, 9, 11, 10, 40, 38, 45, 50, 41]
    rows = _rows([3, 4, 5, 3, 4, 8, 7, 8, 6, 7], [True] * 5 + [False] * 5, minutes=mins)
    out = tg.plan_effect(_triggers(rows))
    m = out.loc[(out["measure"] == "minutes") & (out["category"] == "all")].iloc[0]
    assert m["difference"] == pytest.approx(np.median(np.subtract.outer(mins[:5], mins[5:])))
    assert m["verdict"] == "lower_with_plan"


def test_categories_only_with_enough_triggers_and_pooled_partners() -> None:
    rows = _rows([3, 4, 5, 3, 4, 8, 7, 8, 6, 7] * 2, ([True] * 5 + [False] * 5) * 2)
    rows += _rows([5, 6, 7, 8], [True, False, True, False], partner="B")
    out = tg.plan_effect(_triggers(rows), min_category=10)
    assert set(out["category"]) == {"all", "media"}
    a = out.loc[out["partner"] == "A"]
    assert a["category"].tolist() == ["all", "media"]
    b = out.loc[out["partner"] == "B"]
    assert b["category"].tolist() == ["all"] and b["verdict"].iloc[0] == "insufficient_data"
    pooled = tg.plan_effect(_triggers(rows), by=())
    assert pooled["partner"].unique().tolist() == ["both"]
    assert pooled.loc[pooled["category"] == "all", "n_plan"].iloc[0] == 12


def test_planted_effect_is_found_and_covered() -> None:
    rng = np.random.default_rng(4)
    n = 80
    plan = rng.random(n) < 0.5
    intensity = np.clip(np.rint(7 + rng.normal(0, 1.2, n) - 2 * plan), 1, 10)
    out = tg.plan_effect(_triggers(_rows(intensity, plan.tolist())))
    row = out.iloc[0]
    assert row["verdict"] == "lower_with_plan"
    assert row["ci_low"] <= -2 <= row["ci_high"]
    # no planted effect: over 40 data sets, a verdict appears in about alpha of them
    verdicts = []
    for seed in range(40):
        r = np.random.default_rng(100 + seed)
        p = r.random(n) < 0.5
        v = np.clip(np.rint(6 + r.normal(0, 1.5, n)), 1, 10)
        verdicts.append(tg.plan_effect(_triggers(_rows(v, p.tolist())))["verdict"].iloc[0])
    assert sum(v != "no_clear_difference" for v in verdicts) <= 6


def test_plan_share_first_and_latest_months() -> None:
    # one trigger every 10 days for a year; the plan is used from day 200 on
    days = pd.date_range("2025-01-01", periods=37, freq="10D")
    rows = [
        {
            "couple_id": "c1",
            "partner": "A",
            "timestamp": d,
            "category": "location",
            "intensity": 5,
            "used_plan": bool((d - days[0]).days >= 200),
        }
        for d in days
    ]
    out = tg.plan_effect(_triggers(rows))
    assert out["plan_share_first"].iloc[0] == 0.0
    assert out["plan_share_latest"].iloc[0] == 1.0


def test_bad_options_and_no_plan_column() -> None:
    tr = _triggers(_rows([3, 4, 5, 6], [True, False, True, False]))
    with pytest.raises(ValueError, match="`by`"):
        tg.plan_effect(tr, by=("category",))
    with pytest.raises(ValueError, match="`alpha`"):
        tg.plan_effect(tr, alpha=0.7)
    with pytest.raises(ValueError, match="`min_n`"):
        tg.plan_effect(tr, min_n=1)
    out = tg.plan_effect(tr.drop(columns="used_plan"))
    assert out.empty and list(out.columns) == list(tg.PLAN_EFFECT_COLUMNS)


def test_within_month_comparison_with_one_month_is_the_plain_one() -> None:
    # all in one month: the stratified shift is the Hodges-Lehmann median and its p-value the
    # normal approximation without continuity correction
    # (scipy.stats.mannwhitneyu(x, y, use_continuity=False, method="asymptotic"))
    from scipy import stats

    n_months, est, low, high, p = tg._stratified_shift(X, Y, np.zeros(7), np.zeros(8), 0.05)
    assert n_months == 1
    assert est == pytest.approx(-2.5, abs=1e-12)
    ref = stats.mannwhitneyu(X, Y, use_continuity=False, method="asymptotic").pvalue
    assert p == pytest.approx(ref, rel=1e-10)
    # the interval inverts the test over the pairwise differences: close to R's exact one
    assert low <= -2.5 <= high
    assert low == pytest.approx(-4.0, abs=0.35) and high == pytest.approx(-0.9, abs=0.35)


def test_van_elteren_weights_strata() -> None:
    # two strata, hand-worked: stratum 0 x=[1, 2], y=[3]: W = 3, E = 4, N + 1 = 4, var 2*1/12*4
    # stratum 1 x=[5], y=[4, 6]: W = 2, E = 2 -> contributes 0 to T, var 1*2/12*4
    # T = (3 - 4) / 4 = -0.25; Var = (8/12) / 16 + (8/12) / 16 = 1/12; z = -0.25 * sqrt(12)
    z = tg._van_elteren_z(
        np.array([1.0, 2.0, 5.0]),
        np.array([3.0, 4.0, 6.0]),
        np.array([0, 0, 1]),
        np.array([0, 1, 1]),
    )
    assert z == pytest.approx(-0.25 * np.sqrt(12), rel=1e-12)


def test_time_confounding_alone_gives_no_verdict() -> None:
    """Plan use and intensity both drift with time, the plan does nothing (as trustdata.synth).

    The whole-span comparison finds the plan-handled triggers milder; the within-month one
    does not, so no verdict is given.
    """
    naive = verdicts = 0
    for seed in range(20):
        rng = np.random.default_rng(300 + seed)
        days = np.sort(rng.integers(0, 365, 250))
        tt = days / 365
        intensity = np.clip(np.rint(7 - 3.5 * tt + rng.normal(0, 1.3, len(days))), 1, 10)
        plan = rng.random(len(days)) < 0.15 + 0.65 * tt
        stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
        rows = [
            {
                "couple_id": "c1",
                "partner": "A",
                "timestamp": t,
                "category": "media",
                "intensity": int(v),
                "used_plan": bool(u),
            }
            for t, v, u in zip(stamps, intensity, plan, strict=True)
        ]
        row = tg.plan_effect(_triggers(rows)).iloc[0]
        naive += row["p"] < 0.05 and row["difference"] < 0
        verdicts += row["verdict"] != "no_clear_difference"
    assert naive >= 15  # the confounded comparison "finds" an effect
    assert verdicts <= 3


def test_within_month_effect_is_found() -> None:
    rng = np.random.default_rng(11)
    days = np.sort(rng.integers(0, 365, 250))
    plan = rng.random(len(days)) < 0.5
    intensity = np.clip(np.rint(7 - 2 * plan + rng.normal(0, 1.2, len(days))), 1, 10)
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    rows = [
        {
            "couple_id": "c1",
            "partner": "A",
            "timestamp": t,
            "category": "media",
            "intensity": int(v),
            "used_plan": bool(u),
        }
        for t, v, u in zip(stamps, intensity, plan, strict=True)
    ]
    row = tg.plan_effect(_triggers(rows)).iloc[0]
    assert row["n_months_compared"] == 12
    assert row["month_ci_low"] <= -2 <= row["month_ci_high"]
    assert row["verdict"] == "lower_with_plan"


@pytest.mark.parametrize("seed", range(12))
def test_within_month_shift_matches_the_statistic_on_a_dense_grid(seed: int) -> None:
    # Independent of the search over candidates: the stratified statistic evaluated on a grid
    # of shifts 0.01 apart, the estimate halfway between where it stops being above 0 and
    # where it starts below, the interval the shifts not rejected at 0.05.  Whole-point
    # intensities make it a step function with ties (couple-04 A once got -0.5 in [0, 0]).
    from scipy import stats

    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, 14).astype(float)
    y = rng.integers(2, 10, 16).astype(float)
    sx, sy = rng.integers(0, 3, 14), rng.integers(0, 3, 16)
    n_months, est, low, high, p = tg._stratified_shift(x, y, sx, sy, 0.05)
    assert n_months == len(np.intersect1d(sx, sy))
    d = np.round(np.arange(-12, 10.001, 0.01), 10)
    z = np.array([tg._van_elteren_z(x - v, y, sx, sy) for v in d])
    zq = stats.norm.ppf(0.975)
    assert low <= est <= high
    assert est == pytest.approx((d[z > 0].max() + d[z < 0].min()) / 2, abs=0.011)
    assert low == pytest.approx(d[z < zq].min(), abs=0.011)
    assert high == pytest.approx(d[z > -zq].max(), abs=0.011)
    assert p == pytest.approx(2 * stats.norm.sf(abs(tg._van_elteren_z(x, y, sx, sy))), rel=1e-12)

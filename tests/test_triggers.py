"""Tests of trustdata.triggers: frequency, first-vs-latest trend, anniversaries."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustdata import schemas, synth, triggers
from trustdata.logs import as_table, empty_table


def trig(rows: list[tuple]) -> pd.DataFrame:
    """Triggers from (couple, partner, timestamp, intensity[, category[, used_plan]]) tuples."""
    records = []
    for row in rows:
        rec = {
            "couple_id": row[0],
            "partner": row[1],
            "timestamp": pd.Timestamp(row[2]),
            "intensity": row[3],
            "category": row[4] if len(row) > 4 else "media",
        }
        if len(row) > 5:
            rec["used_plan"] = row[5]
        records.append(rec)
    return as_table("triggers", records)


def on_days(couple: str, partner: str, start: str, days: list[int], intensity=5):
    base = pd.Timestamp(start)
    if not isinstance(intensity, list):
        intensity = [intensity] * len(days)
    return [
        (couple, partner, base + pd.Timedelta(days=d, hours=12), i)
        for d, i in zip(days, intensity, strict=True)
    ]


@pytest.fixture(scope="module")
def cohort():
    return synth.generate(couples=40, seed=11, text=False)


# --------------------------------------------------------------------------------------------
# trigger_frequency
# --------------------------------------------------------------------------------------------


def test_frequency_weekly_total_by_hand():
    tr = trig(
        [
            ("c1", "A", "2025-01-06 09:00", 8, "media", True),
            ("c1", "A", "2025-01-12 23:59", 3, "location", None),  # Sunday: same week
            ("c1", "A", "2025-01-21 20:00", 7, "media", False),
        ]
    )
    out = triggers.trigger_frequency(tr, by="total")
    assert out["period"].tolist() == ["2025-W02", "2025-W03", "2025-W04"]
    assert out["period_start"].dt.strftime("%m-%d").tolist() == ["01-06", "01-13", "01-20"]
    assert out["period_end"].dt.strftime("%m-%d").tolist() == ["01-12", "01-19", "01-26"]
    assert out["category"].unique().tolist() == ["all"]
    assert out["count"].tolist() == [2, 0, 1]
    np.testing.assert_array_equal(out["mean_intensity"], [5.5, np.nan, 7.0])
    np.testing.assert_array_equal(out["max_intensity"], [8.0, np.nan, 7.0])
    assert out["major_count"].tolist() == [1, 0, 1]  # 8 and 7 are >= MAJOR_TRIGGER_INTENSITY
    assert out["plan_known"].tolist() == [1, 0, 1]
    np.testing.assert_array_equal(out["plan_share"], [1.0, np.nan, 0.0])


def test_frequency_by_category_has_every_category_and_adds_up():
    tr = trig(
        [
            ("c1", "A", "2025-01-06 09:00", 8, "media"),
            ("c1", "A", "2025-01-08 09:00", 3, "location"),
            ("c1", "A", "2025-01-21 20:00", 7, "media"),
        ]
    )
    out = triggers.trigger_frequency(tr)
    assert len(out) == 3 * len(schemas.TRIGGER_CATEGORIES)
    first = out[out["period"] == "2025-W02"]
    assert first["category"].tolist() == list(schemas.TRIGGER_CATEGORIES)
    counts = dict(zip(first["category"], first["count"], strict=True))
    assert counts["media"] == 1 and counts["location"] == 1 and counts["other"] == 0
    total = triggers.trigger_frequency(tr, by="total")
    per_period = out.groupby("period_start")["count"].sum().to_numpy()
    np.testing.assert_array_equal(per_period, total["count"])


def test_frequency_monthly_periods_and_leap_february():
    tr = trig([("c1", "A", "2024-02-10", 4), ("c1", "A", "2024-04-01", 6)])
    out = triggers.trigger_frequency(tr, period="month", by="total")
    assert out["period"].tolist() == ["2024-02", "2024-03", "2024-04"]
    assert out["period_end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
    ]
    assert out["count"].tolist() == [1, 0, 1]


def test_frequency_start_end_fix_the_span_and_iso_week_labels():
    # 2024-12-30 (a Monday) starts ISO week 2025-W01; end 2025-01-31 is in week 2025-W05.
    tr = trig([("c1", "A", "2025-01-15", 4), ("c1", "A", "2025-03-01", 9)])
    out = triggers.trigger_frequency(tr, by="total", start="2025-01-01", end="2025-01-31")
    assert out["period"].tolist() == [f"2025-W0{i}" for i in range(1, 6)]
    assert out["period_start"].iloc[0] == pd.Timestamp("2024-12-30")
    assert out["count"].sum() == 1  # the March trigger is outside


def test_frequency_checkins_give_zero_rows_to_a_partner_without_triggers():
    tr = trig([("c1", "A", "2025-01-06", 4)])
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "B", "date": "2025-01-06", "connection": 5},
            {"couple_id": "c1", "partner": "B", "date": "2025-01-20", "connection": 5},
        ],
    )
    out = triggers.trigger_frequency(tr, by="total", checkins=ci)
    b = out[out["partner"] == "B"]
    assert len(b) == 3 and (b["count"] == 0).all()
    assert len(out[out["partner"] == "A"]) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"period": "day"}, r"`period` must be one of \['week', 'month'\], but 'day'"),
        ({"by": "intensity"}, "`by` must be one of"),
        ({"start": "2025-02-01", "end": "2025-01-01"}, "must not be after"),
    ],
)
def test_frequency_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        triggers.trigger_frequency(trig([("c1", "A", "2025-01-06", 4)]), **kwargs)


def test_frequency_matches_a_groupby_count(cohort):
    tr = cohort.logs.triggers
    out = triggers.trigger_frequency(tr, period="month")
    # reference: a plain pandas count per couple, partner, calendar month and category
    ref = (
        tr.assign(
            period_start=tr["timestamp"].dt.to_period("M").dt.start_time,
            category=tr["category"].astype(str),
        )
        .groupby(["couple_id", "partner", "period_start", "category"])
        .size()
        .rename("ref")
        .reset_index()
    )
    both = out.merge(ref, on=["couple_id", "partner", "period_start", "category"], how="left")
    np.testing.assert_array_equal(both["count"], both["ref"].fillna(0).astype(int))
    assert out["count"].sum() == len(tr)


# --------------------------------------------------------------------------------------------
# trigger_trend
# --------------------------------------------------------------------------------------------


def test_trend_by_hand_against_scipy_and_statsmodels():
    from statsmodels.stats.rates import test_poisson_2indep

    # Span: day 0 to the end of day 175 = 176 days; months=2 -> 2 * 30.4375 = 60.875 days,
    # windows of 61 whole days (days 0..60 and, from midnight of day 115, days 115..175).
    # First window holds days 0..30 (10 triggers), latest days 150, 175 (2).
    days = [0, 1, 2, 4, 6, 9, 12, 15, 20, 30, 70, 95, 150, 175]
    out = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days)), months=2)
    row = out.iloc[0]
    width = 61
    day0 = pd.Timestamp("2025-01-06")
    assert row["first_end"] == day0 + pd.Timedelta(days=61)
    assert row["latest_start"] == day0 + pd.Timedelta(days=115)
    assert (row["first_count"], row["latest_count"]) == (10, 2)
    assert row["first_days"] == width
    assert row["first_rate_per_month"] == pytest.approx(10 / width * schemas.DAYS_PER_MONTH)
    assert row["rate_ratio"] == pytest.approx(0.2)
    # exact conditional test: 2 of 12 under Binomial(12, 0.5): p = 2 * (1 + 12 + 66) / 4096
    assert row["rate_p"] == pytest.approx(158 / 4096)
    ref = stats.binomtest(2, 12, 0.5)
    ci = ref.proportion_ci(method="exact")
    assert row["rate_ratio_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert row["rate_ratio_high"] == pytest.approx(ci.high / (1 - ci.high))
    sm = test_poisson_2indep(2, width, 10, width, method="exact-cond")
    assert row["rate_p"] == pytest.approx(sm.pvalue)
    # the E-test (scipy.stats.poisson_means_test) reaches the same decision here
    assert stats.poisson_means_test(2, width, 10, width).pvalue < 0.05
    assert bool(row["lessening"]) and row["verdict"] == "lessening"


def _dispersion_by_hand(day: np.ndarray, span_days: int) -> tuple[float, dict]:
    """trigger_trend's ``dispersion`` of triggers on days ``day`` (from the span's start; no
    day unlogged) written out: per bin length, the span's whole bins, a step trend with up to
    two change-points by brute-force binary segmentation (each split the Poisson likelihood's
    best, segments of 56 days or more), statsmodels' X2 around its segment means with 3 more
    degrees of freedom per change-point, used where df >= 6 and chi2.sf(X2, df) < 0.05."""
    sm = pytest.importorskip("statsmodels.api")

    def ll(v):
        return v.sum() * np.log(v.sum() / len(v)) if v.sum() else 0.0

    used, phi = {}, 1.0
    for b in (7, 14, 28):
        n = span_days // b
        y = np.bincount(day[day < n * b] // b, minlength=n).astype(float)
        least = int(np.ceil(56 / b))
        segs, made = [(0, n)], 0
        for _ in range(2):
            best = None
            for a, e in segs:
                for c in range(a + least, e - least + 1):
                    gain = ll(y[a:c]) + ll(y[c:e]) - ll(y[a:e])
                    if best is None or gain >= best[0]:
                        best = (gain, a, e, c)
            if best is None or best[0] <= 0:
                break
            _, a, e, c = best
            segs = sorted([s for s in segs if s != (a, e)] + [(a, c), (c, e)])
            made += 1
        seg = np.concatenate([np.full(e - a, i) for i, (a, e) in enumerate(segs)])
        keep = np.array([y[a:e].sum() > 0 for a, e in segs])[seg]
        X = pd.get_dummies(seg[keep]).astype(float).to_numpy()
        fit = sm.GLM(y[keep], X, family=sm.families.Poisson()).fit(scale="X2")
        df = int(fit.df_resid) - 3 * made
        x2 = fit.scale * fit.df_resid
        used[b] = (x2 / df, df)
        if df >= 6 and stats.chi2.sf(x2, df) < 0.05:
            phi = max(phi, x2 / df)
    return phi, used


def test_trend_dispersion_and_the_p_allowing_for_bursts_by_hand():
    # the by-hand case above: 10 triggers in the first 30 days (weekly 5, 2, 2, 0, 1), 4 in
    # the next 145; they vary more than independent triggers around any step trend, so the
    # exact p (158 / 4096, the verdict's) is too small: with the counts divided by the
    # dispersion the change could be chance
    days = [0, 1, 2, 4, 6, 9, 12, 15, 20, 30, 70, 95, 150, 175]
    row = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days)), months=2).iloc[0]
    phi, used = _dispersion_by_hand(np.array(days), 176)
    assert phi > 1 and row["bursty"]
    assert row["dispersion"] == pytest.approx(phi, rel=1e-10)
    # latest 2 / phi of 12 / phi against Binomial(12 / phi, 1/2), extended by the beta cdf
    k, n = 2 / phi, 12 / phi
    scaled = 2 * stats.beta.cdf(0.5, n - k, k + 1)
    assert row["rate_p_bursts"] == pytest.approx(max(158 / 4096, scaled), rel=1e-9)
    assert row["rate_p_bursts"] >= 0.05 and row["rate_p"] == pytest.approx(158 / 4096)
    assert row["verdict"] == "lessening"  # the verdict stays the exact test's
    assert row["could_be_chance"]  # ... and the pages say the change could be chance
    # 60 whole weeks of triggers (these weekly counts) with a check-in each week: each bin
    # length's dispersion around its step trend, the largest that rejects
    weekly = [2, 4, 3, 0, 4, 2, 5, 5, 0, 0, 3, 7, 0, 2, 3, 2, 0, 0, 4, 8, 1, 0, 0, 0, 2, 0, 0,
              1, 6, 3, 1, 0, 2, 2, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 2, 2,
              1, 0, 0, 1, 2, 1]  # fmt: skip
    tdays = np.concatenate([7 * w + np.arange(c) % 7 for w, c in enumerate(weekly)])
    tr = trig(on_days("c1", "A", "2025-01-06", [int(d) for d in tdays]))
    day0 = pd.Timestamp("2025-01-06")
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": day0 + pd.Timedelta(days=d),
             "connection": 5}
            for d in [*range(3, 420, 7), 419]
        ],
    )  # fmt: skip
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    phi, used = _dispersion_by_hand(tdays, 420)
    # statsmodels' figure of benchmarks/trigger_accuracy.py's test: weekly bins, df 51
    assert used[7] == (pytest.approx(1.5369643651037914 * 57 / 51, rel=1e-10), 51)
    assert phi > 1 and bool(row["bursty"])
    assert row["dispersion"] == pytest.approx(phi, rel=1e-10)
    first, latest = int(row["first_count"]), int(row["latest_count"])
    assert (first, latest) == (35, 11)
    k, n = latest / phi, (first + latest) / phi
    scaled = 2 * stats.beta.cdf(0.5, n - k, k + 1)
    assert row["rate_p"] == pytest.approx(stats.binomtest(11, 46, 0.5).pvalue)
    assert row["rate_p_bursts"] == pytest.approx(max(row["rate_p"], scaled), rel=1e-9)


def test_trend_independent_looking_triggers_are_not_bursty():
    # one trigger every 3 days then one every 6: as regular as triggers come; no bin length's
    # dispersion test rejects, so the p-value allowing for bursts is the exact one
    days = [*range(0, 120, 3), *range(120, 360, 6)]
    row = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days))).iloc[0]
    phi, _ = _dispersion_by_hand(np.array(days), 360 - 0 + 1)
    assert phi == 1.0 and row["dispersion"] == 1.0 and not row["bursty"]
    assert row["rate_p_bursts"] == row["rate_p"] and row["verdict"] == "lessening"
    assert not row["could_be_chance"]


@pytest.mark.parametrize(
    ("verdict", "bursty", "p_bursts", "chance"),
    [
        ("lessening", True, 0.136, True),
        ("worsening", True, 0.05, True),  # not below alpha
        ("lessening", True, 0.049, False),  # still clear once bursts are allowed for
        ("lessening", False, 0.2, False),  # independent-looking triggers
        ("mixed", True, 0.3, False),
        ("no_clear_change", True, 0.6, False),
        ("insufficient_data", False, np.nan, False),
    ],
)
def test_could_be_chance_rule(verdict, bursty, p_bursts, chance):
    got = triggers.could_be_chance(np.array([verdict], dtype=object), [bursty], [p_bursts], 0.05)
    assert got.dtype == bool and got.tolist() == [chance]


def test_trend_could_be_chance_column_follows_its_columns(cohort):
    # the column is the rule applied to the row's own verdict, bursty, rate_p_bursts and alpha,
    # for every partner of a synth cohort (which has bursty partners on both sides of alpha)
    out = triggers.trigger_trend(cohort.logs.triggers, checkins=cohort.logs.checkins)
    changed = out["verdict"].isin(["lessening", "worsening"])
    expected = changed & out["bursty"] & (out["rate_p_bursts"] >= out["alpha"])
    assert out["could_be_chance"].dtype == bool
    pd.testing.assert_series_equal(out["could_be_chance"], expected, check_names=False)
    assert 0 < out["could_be_chance"].sum() < (changed & out["bursty"]).sum()


@pytest.mark.parametrize(("first", "latest"), [(40, 20), (25, 30), (60, 35)])
def test_trend_p_value_close_to_poisson_means_test_for_larger_counts(first, latest):
    days_first = np.linspace(0, 80, first)
    days_latest = 120 + np.linspace(0, 80, latest)
    days = [int(d) for d in np.concatenate([days_first, days_latest])]
    # span 0..200 -> 201 days, windows of 91.31 days
    out = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days)), months=3)
    row = out.iloc[0]
    assert (row["first_count"], row["latest_count"]) == (first, latest)
    width = row["first_days"]
    e_test = stats.poisson_means_test(latest, width, first, width).pvalue
    # the E-test is a different (unconditional) test: close, and the same decision at 5 %
    assert abs(row["rate_p"] - e_test) < 0.1
    assert (row["rate_p"] < 0.05) == (e_test < 0.05)


def test_trend_short_span_uses_halves_and_tiny_span_is_insufficient():
    # span 40 days < 2 x 3 months: windows are days [0, 20) and [20, 40)
    halves = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", [0, 5, 19, 25, 39])))
    row = halves.iloc[0]
    assert row["first_days"] == 20 and row["latest_days"] == 20
    assert (row["first_count"], row["latest_count"]) == (3, 2)
    tiny = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", [0, 3, 10])))
    assert tiny["verdict"].iloc[0] == "insufficient_data"
    assert tiny["lessening"].isna().all() and tiny["rate_ratio"].isna().all()


def test_trend_no_first_window_triggers_gives_infinite_ratio_and_worsening():
    # span day 0 .. end of day 180; months=1: latest window from day 150.56 holds 153..180 (10)
    days = [0, *range(153, 181, 3)]
    out = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days)), months=1)
    row = out.iloc[0]
    assert row["first_count"] == 1 and row["latest_count"] == 10
    assert row["rate_ratio"] == pytest.approx(10.0)
    days = list(range(153, 181, 3))
    # weekly check-ins from day 0: the first months were logged, their zero is real (one
    # check-in on day 0 alone leaves the latest window mostly unlogged: insufficient_data)
    ci = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": "A", "connection": 5,
          "date": pd.Timestamp("2025-01-06") + pd.Timedelta(days=d)} for d in range(0, 181, 7)],
    )  # fmt: skip
    out = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", days)), checkins=ci)
    row = out.iloc[0]
    assert row["latest_logged"]
    assert row["first_count"] == 0 and np.isinf(row["rate_ratio"])
    assert row["verdict"] == "worsening" and not row["lessening"]
    assert np.isinf(row["rate_ratio_high"])


def test_trend_partner_with_checkins_only_is_insufficient():
    tr = trig(on_days("c1", "A", "2025-01-06", [0, 50, 100]))
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "B", "date": d, "connection": 5}
            for d in ["2025-01-06", "2025-06-01"]
        ],
    )
    out = triggers.trigger_trend(tr, checkins=ci).set_index("partner")
    assert out.loc["B", "first_count"] == 0 and out.loc["B", "latest_count"] == 0
    assert out.loc["B", "verdict"] == "insufficient_data"


def test_trend_intensity_slope_equals_scipy_on_weekly_means():
    # the same number of triggers every week (no change in rate), intensity falling
    days = [d for w in range(26) for d in (7 * w, 7 * w + 3)]
    inten = [max(1, 9 - w // 3) for w in range(26) for _ in (0, 1)]
    out = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", days, intensity=inten)), months=2
    )
    row = out.iloc[0]
    weekly = np.array([max(1, 9 - w // 3) for w in range(26)], dtype=float)
    months = np.arange(26) * 7 / schemas.DAYS_PER_MONTH
    ts = stats.theilslopes(weekly, months, alpha=0.95)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kt = stats.kendalltau(months, weekly)
    np.testing.assert_allclose(
        row[["intensity_slope_per_month", "intensity_slope_low", "intensity_slope_high"]].astype(
            float
        ),
        [ts.slope, ts.low_slope, ts.high_slope],
        atol=1e-9,
    )
    assert row["intensity_tau"] == pytest.approx(kt.statistic)
    assert row["intensity_p"] == pytest.approx(kt.pvalue)
    assert row["n_weeks_with_triggers"] == 26
    assert not row["lessening"]  # the rate did not fall ...
    assert row["intensity_verdict"] == "lessening"  # ... the intensity did,
    assert row["rate_verdict"] == "no_clear_change"
    assert row["verdict"] == "no_clear_change"  # and the frequency test decides the verdict


def test_trend_rate_falling_while_intensity_rises_is_mixed():
    # Weeks 0-7: four triggers a week at intensity 2-3; weeks 18-25: one a week at 8-9.
    # The rate falls reliably (32 vs 8 in the two-month windows) while the weekly mean intensity
    # rises monotonically (Kendall p < 0.05): neither "lessening" nor "worsening" says that.
    days, inten = [], []
    for w in range(26):
        if w < 8:
            days += [7 * w + d for d in (0, 1, 3, 5)]
            inten += [2 + (w >= 4)] * 4
        elif w >= 18:
            days.append(7 * w + 2)
            inten.append(8 + (w >= 22))
        else:
            days += [7 * w, 7 * w + 4]
            inten += [5, 5]
    out = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", days, intensity=inten)), months=2
    )
    row = out.iloc[0]
    assert row["rate_ratio"] < 1 and row["rate_p"] < 0.05
    assert row["intensity_slope_per_month"] > 0 and row["intensity_p"] < 0.05
    assert bool(row["lessening"])  # fewer triggers: true ...
    assert row["verdict"] == "mixed"  # ... but the ones that come are stronger


def _mixed_days(rate_falls: bool):
    """26 weeks: 4 triggers a week at one end, 1 a week at the other, intensity the other way."""
    days, inten = [], []
    for w in range(26):
        early, late = w < 8, w >= 18
        busy = early if rate_falls else late
        quiet = late if rate_falls else early
        if busy:
            days += [7 * w + d for d in (0, 1, 3, 5)]
            inten += [2 + (w % 8 >= 4 if rate_falls else w % 8 < 4)] * 4
        elif quiet:
            days.append(7 * w + 2)
            inten.append(8 + (w % 8 >= 4 if rate_falls else w % 8 < 4))
        else:
            days += [7 * w, 7 * w + 4]
            inten += [5, 5]
    return days, inten


@pytest.mark.parametrize(
    ("rate_falls", "rate_verdict", "intensity_verdict"),
    [(True, "lessening", "worsening"), (False, "worsening", "lessening")],
)
def test_trend_mixed_has_two_halves(rate_falls, rate_verdict, intensity_verdict):
    # "mixed" = rate down and intensity up, OR rate up and intensity down
    days, inten = _mixed_days(rate_falls)
    row = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", days, intensity=inten)), months=2
    ).iloc[0]
    assert row["rate_verdict"] == rate_verdict and row["rate_p"] < 0.05
    assert row["intensity_verdict"] == intensity_verdict and row["intensity_p"] < 0.05
    assert row["verdict"] == "mixed"


def test_trend_mixed_needs_both_tests_at_alpha():
    # the same logs, tested at a level just below the rate test's p-value: the rate change is
    # no longer reliable, so the verdict is no clear change (not mixed), whatever the intensity
    days, inten = _mixed_days(True)
    tr = trig(on_days("c1", "A", "2025-01-06", days, intensity=inten))
    row = triggers.trigger_trend(tr, months=2).iloc[0]
    strict = float(row["rate_p"])  # p < alpha is needed: at alpha = p it does not reject
    assert row["intensity_p"] < strict
    row = triggers.trigger_trend(tr, months=2, alpha=strict).iloc[0]
    assert row["rate_verdict"] == "no_clear_change" and row["intensity_verdict"] == "worsening"
    assert row["verdict"] == "no_clear_change" and row["alpha"] == strict


def test_trend_lessening_only_when_the_rate_test_rejects():
    # issue 9: "lessening" was said at rate p = 0.73 (from the intensity alone)
    days, inten = [], []
    for w in range(26):
        n = 2 if w % 3 else 1  # a flat rate
        days += [7 * w + d for d in range(n)]
        inten += [max(1, 9 - w // 3)] * n  # falling intensity
    row = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", days, intensity=inten)), months=2
    ).iloc[0]
    assert row["rate_p"] > 0.05 and row["intensity_p"] < 0.05
    assert row["verdict"] == "no_clear_change" and row["intensity_verdict"] == "lessening"
    # and at exactly the level of the rate test's p-value it is still no verdict (p < alpha)
    busy = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", [*range(40), 150, 170])), months=1
    ).iloc[0]
    assert busy["verdict"] == "lessening"
    at_p = triggers.trigger_trend(
        trig(on_days("c1", "A", "2025-01-06", [*range(40), 150, 170])),
        months=1,
        alpha=min(0.49, float(busy["rate_p"])),
    ).iloc[0]
    assert at_p["rate_verdict"] == "no_clear_change"


@pytest.mark.parametrize(("last_day", "enough"), [(12, False), (13, True)])
def test_trend_needs_a_span_of_14_days(last_day, enough):
    # span = first day .. end of the last day: days 0..13 are 14 days
    out = triggers.trigger_trend(trig(on_days("c1", "A", "2025-01-06", [0, 1, 2, last_day])))
    row = out.iloc[0]
    assert (row["span_end"] - row["span_start"]).days == last_day + 1
    assert (row["verdict"] != "insufficient_data") == enough
    assert pd.isna(row["lessening"]) == (not enough)


def test_trend_window_edges_are_half_open():
    # span: day 0 00:00 .. day 201 00:00; months=1: 30.4375 days, windows of 30 whole days:
    # first window [day 0, day 30), latest window [day 171, day 201), both from midnight.
    base = pd.Timestamp("2025-01-06")
    at = [
        base,
        base + pd.Timedelta(days=29, hours=23, minutes=59),  # the first window's last day
        base + pd.Timedelta(days=30),  # first_end itself: not in it
        base + pd.Timedelta(days=170, hours=23, minutes=59),  # the day before latest_start
        base + pd.Timedelta(days=171),  # latest_start itself: in it
        base + pd.Timedelta(days=200, hours=23, minutes=59),
    ]
    row = triggers.trigger_trend(trig([("c1", "A", t, 5) for t in at]), months=1).iloc[0]
    assert row["first_end"] == base + pd.Timedelta(days=30)
    assert row["latest_start"] == base + pd.Timedelta(days=171)
    assert row["first_days"] == row["latest_days"] == 30
    assert (row["first_count"], row["latest_count"]) == (2, 2)


def test_trend_finds_planted_falling_rate(cohort):
    out = triggers.trigger_trend(cohort.logs.triggers).merge(
        cohort.params, on=["couple_id", "partner"]
    )
    falling = out[(out["trigger_rate_start"] > 3 * out["trigger_rate_end"])]
    busy = falling[falling["first_count"] >= 20]
    assert len(busy) >= 10
    assert (busy["rate_ratio"] < 1).mean() >= 0.95
    assert busy["lessening"].astype(bool).mean() >= 0.9


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"months": 0}, "`months`"), ({"alpha": 2}, "`alpha`")]
)
def test_trend_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        triggers.trigger_trend(trig([("c1", "A", "2025-01-06", 4)]), **kwargs)


# --------------------------------------------------------------------------------------------
# anniversaries
# --------------------------------------------------------------------------------------------


def events(rows: list[tuple]) -> pd.DataFrame:
    return as_table("events", [{"couple_id": c, "date": d, "kind": k} for c, d, k in rows])


def test_anniversary_feb_29_year_wrap_and_window_edges():
    ev = events([("c1", "2024-02-29", "discovery"), ("c2", "2024-01-03", "disclosure")])
    tr = trig(
        [
            ("c1", "A", "2024-03-02 10:00", 5),  # 2 days after the event itself: not a return
            ("c1", "A", "2025-02-26 21:00", 9),  # 2025-02-28 is the anniversary: -2 days
            ("c1", "A", "2025-03-07 08:00", 4),  # +7 days: inside (inclusive)
            ("c1", "A", "2025-03-08 08:00", 4),  # +8 days: outside
            ("c1", "A", "2028-03-01 08:00", 4),  # leap 2028: 02-29 is the anniversary, +1
            ("c2", "B", "2024-12-30 08:00", 6),  # anniversary 2025-01-03: -4 days
        ]
    )
    out = triggers.anniversary_triggers(tr, ev)
    got = list(
        zip(
            out["anniversary"].dt.strftime("%Y-%m-%d"),
            out["years_since"],
            out["days_from_anniversary"],
            strict=True,
        )
    )
    assert got == [
        ("2025-02-28", 1, -2),
        ("2025-02-28", 1, 7),
        ("2028-02-29", 4, 1),
        ("2025-01-03", 1, -4),
    ]
    assert out["event_kind"].tolist() == ["discovery"] * 3 + ["disclosure"]
    assert out["intensity"].tolist() == [9, 4, 4, 6]


def test_anniversary_near_two_events_gives_two_rows_and_kinds_filter():
    ev = events([("c1", "2024-05-01", "discovery"), ("c1", "2024-05-05", "disclosure")])
    tr = trig([("c1", "A", "2025-05-03 12:00", 7)])
    both = triggers.anniversary_triggers(tr, ev)
    assert both["days_from_anniversary"].tolist() == [2, -2]
    only = triggers.anniversary_triggers(tr, ev, kinds=("disclosure",))
    assert only["event_kind"].tolist() == ["disclosure"]
    assert triggers.anniversary_triggers(tr, ev, days=1).empty


def test_anniversary_summary_by_hand():
    # Span 2024-06-01 .. 2025-06-01 = 366 days; the only anniversary in it, 2025-03-10, has a
    # 15-day window (03-03..03-17).  2 of 4 triggers are near: expected share 15/366.
    ev = events([("c1", "2024-03-10", "discovery")])
    days = ["2024-06-01", "2025-03-09", "2025-03-12", "2025-06-01"]
    tr = trig([("c1", "A", d, 5) for d in days])
    row = triggers.anniversary_summary(tr, ev).iloc[0]
    assert (row["n_triggers"], row["n_near"], row["days_total"], row["days_near"]) == (
        4,
        2,
        366,
        15,
    )
    assert row["expected_share"] == pytest.approx(15 / 366)
    assert row["ratio"] == pytest.approx(0.5 / (15 / 366))
    ref = stats.binomtest(2, 4, 15 / 366, alternative="greater").pvalue
    assert row["p"] == pytest.approx(ref)


def test_anniversary_summary_counts_overlapping_windows_once():
    ev = events([("c1", "2024-05-01", "discovery"), ("c1", "2024-05-05", "disclosure")])
    days = ["2024-06-01", "2025-05-03", "2025-06-01"]
    tr = trig([("c1", "A", d, 5) for d in days])
    row = triggers.anniversary_summary(tr, ev).iloc[0]
    # windows 04-24..05-08 and 04-28..05-12 overlap: union 04-24..05-12 = 19 days
    assert row["days_near"] == 19 and row["n_near"] == 1


@pytest.mark.parametrize(("last", "days_near"), [("2025-03-13", 11), ("2025-03-12", 10)])
def test_anniversary_summary_exposure_counts_window_days_inside_the_span(last, days_near):
    # anniversary 2025-03-10, days=7: window 03-03..03-17; the span ends on `last`, so only the
    # window days up to it count (03-03..03-13 = 11 days)
    ev = events([("c1", "2024-03-10", "discovery")])
    tr = trig([("c1", "A", d, 5) for d in ["2024-06-01", last]])
    row = triggers.anniversary_summary(tr, ev).iloc[0]
    assert row["days_near"] == days_near
    assert row["days_total"] == (pd.Timestamp(last) - pd.Timestamp("2024-06-01")).days + 1


@pytest.mark.parametrize(("days", "days_near"), [(0, 1), (1, 3), (7, 15)])
def test_anniversary_summary_window_is_two_days_plus_one(days, days_near):
    ev = events([("c1", "2024-03-10", "discovery")])
    tr = trig([("c1", "A", d, 5) for d in ["2024-06-01", "2025-06-01"]])
    assert triggers.anniversary_summary(tr, ev, days=days)["days_near"].iloc[0] == days_near


def test_anniversary_days_cap_is_182():
    ev = events([("c1", "2024-05-01", "discovery")])
    tr = trig([("c1", "A", "2025-01-06", 4)])
    triggers.anniversary_triggers(tr, ev, days=182)  # half a year: allowed
    with pytest.raises(ValueError, match="at most 182"):
        triggers.anniversary_triggers(tr, ev, days=183)
    with pytest.raises(ValueError, match="at most 182"):
        triggers.anniversary_summary(tr, ev, days=183)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"days": -1}, "`days`"), ({"kinds": ("birthday",)}, "`kinds`")]
)
def test_anniversary_rejects_bad_arguments(kwargs, match):
    ev = events([("c1", "2024-05-01", "discovery")])
    with pytest.raises(ValueError, match=match):
        triggers.anniversary_triggers(trig([("c1", "A", "2025-01-06", 4)]), ev, **kwargs)


# --------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------

CALLS = {
    "frequency": (lambda t, e: triggers.trigger_frequency(t), triggers.FREQUENCY_COLUMNS),
    "trend": (lambda t, e: triggers.trigger_trend(t), triggers.TREND_COLUMNS),
    "anniversary": (triggers.anniversary_triggers, triggers.ANNIVERSARY_COLUMNS),
    "anniversary_summary": (triggers.anniversary_summary, triggers.ANNIVERSARY_SUMMARY_COLUMNS),
}


@pytest.mark.parametrize("name", CALLS)
def test_empty_input_gives_empty_frame_with_the_columns(name):
    func, columns = CALLS[name]
    out = func(empty_table("triggers"), empty_table("events"))
    assert out.empty and tuple(out.columns) == columns


@pytest.mark.parametrize("name", CALLS)
def test_input_is_not_modified_and_cells_are_plain(cohort, name):
    func, columns = CALLS[name]
    tr, ev = cohort.logs.triggers, cohort.logs.events
    before_t, before_e = tr.copy(), ev.copy()
    out = func(tr, ev)
    pd.testing.assert_frame_equal(tr, before_t)
    pd.testing.assert_frame_equal(ev, before_e)
    assert tuple(out.columns) == columns and not out.empty
    assert not out.map(lambda v: isinstance(v, (list, np.ndarray))).any(axis=None)


@pytest.mark.parametrize("period", triggers.PERIODS)
@pytest.mark.parametrize("by", triggers.BY)
def test_frequency_columns_and_dtypes_do_not_depend_on_options(cohort, period, by):
    out = triggers.trigger_frequency(cohort.logs.triggers, period=period, by=by)
    assert tuple(out.columns) == triggers.FREQUENCY_COLUMNS
    assert out["count"].dtype == "int64" and out["category"].dtype == "str"


@pytest.mark.parametrize("months", [1, 3, 6.5])
def test_trend_columns_do_not_depend_on_options(cohort, months):
    out = triggers.trigger_trend(cohort.logs.triggers, months=months, alpha=0.1)
    assert tuple(out.columns) == triggers.TREND_COLUMNS
    assert set(out["verdict"]) <= set(triggers.VERDICTS)


def test_vectorised_rate_test_equals_scipy_binomtest():
    # every (k, n) with n up to 60, two windows of equal length (p0 = 1/2), plus unequal ones
    k, n = np.array([(k, n) for n in range(1, 61) for k in range(n + 1)]).T
    days = np.full(len(k), 30.0)
    other = days.copy()
    other[::7] = 45.0  # p0 = 30 / 75 for every 7th: the binomtest fallback
    low, high, p = triggers._rate_ratio_tests(k, n, days, other, 0.9, np.ones(len(k), bool))
    for i in range(len(k)):
        p0 = days[i] / (days[i] + other[i])
        ref = stats.binomtest(int(k[i]), int(n[i]), p0)  # scipy reference
        ci = ref.proportion_ci(confidence_level=0.9, method="exact")
        scale = other[i] / days[i]
        assert p[i] == pytest.approx(ref.pvalue, abs=1e-9)
        assert low[i] == pytest.approx(ci.low / (1 - ci.low) * scale, rel=1e-9, abs=1e-12)
        if ci.high < 1:
            assert high[i] == pytest.approx(ci.high / (1 - ci.high) * scale, rel=1e-9)
        else:
            assert np.isinf(high[i])

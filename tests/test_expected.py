"""expected_recovery and track_status: hand-worked bands, the status rule, planted truth."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from trustdata import expected as ex
from trustdata import synth
from trustdata.io import from_frames
from trustdata.logs import Logs

ANCHOR = pd.Timestamp("2024-01-03")  # a Wednesday: its week (aligned week 0) starts 2024-01-01


def _partner(cid, partner, role, scores, *, first_week=0):
    """Weekly check-ins on Thursdays from aligned week ``first_week``; None is a missed week."""
    rows = []
    for k, s in enumerate(scores):
        if s is None:
            continue
        date = pd.Timestamp("2024-01-04") + pd.Timedelta(weeks=first_week + k)
        rows.append(
            {"couple_id": cid, "partner": partner, "role": role, "date": date, "connection": s}
        )
    return rows


def _logs(checkins, couples, kind="discovery") -> Logs:
    events = [{"couple_id": c, "date": ANCHOR, "kind": kind} for c in couples]
    return from_frames(checkins=pd.DataFrame(checkins), events=pd.DataFrame(events))


@lru_cache(maxsize=1)
def planted_reference() -> Logs:
    """60 couples; after 4 baseline weeks at b, each partner sits at b - 1, b or b + 1.

    Hurt partners: b in {2, 3, 4}; involved: b in {5, 6, 7}; the shift k in {-1, 0, +1} is
    spread evenly over the baselines.  So at every week after the baseline and for every
    baseline, a third of the partners sit at b - 1, b and b + 1: the 10th, 50th and 90th
    percentiles are b - 1, b and b + 1 exactly.
    """
    rows, ids = [], []
    for i in range(60):
        cid = f"r{i:02d}"
        ids.append(cid)
        k = (i % 3) - 1
        b_hurt = 2 + (i // 3) % 3
        b_inv = 5 + (i // 3) % 3
        rows += _partner(cid, "A", "hurt", [b_hurt] * 4 + [b_hurt + k] * 36)
        rows += _partner(cid, "B", "involved", [b_inv] * 4 + [b_inv + k] * 36)
    return _logs(rows, ids)


@lru_cache(maxsize=1)
def planted_expected() -> pd.DataFrame:
    return ex.expected_recovery(planted_reference(), window=1, min_couples=20)


def test_planted_band_is_recovered_exactly() -> None:
    exp = planted_expected()
    assert list(exp.columns) == list(ex.EXPECTED_COLUMNS)
    assert set(exp["role"]) == {"hurt", "involved"}
    assert exp["aligned_week"].min() == 4 and exp["aligned_week"].max() == 39
    on_grid = exp.loc[exp["baseline"].isin([2.0, 3.0, 4.0, 5.0, 6.0, 7.0])]
    # hand-worked: the quantiles are b - 1, b, b + 1 (the LP solves them to ~1e-9)
    np.testing.assert_allclose(on_grid["low"], on_grid["baseline"] - 1, atol=1e-6)
    np.testing.assert_allclose(on_grid["median"], on_grid["baseline"], atol=1e-6)
    np.testing.assert_allclose(on_grid["high"], on_grid["baseline"] + 1, atol=1e-6)
    # the model is linear in the baseline: between grid rows too
    mid = exp.loc[(exp["role"] == "hurt") & (exp["baseline"] == 2.5)]
    np.testing.assert_allclose(mid["median"], 2.5, atol=1e-6)
    assert (exp["n_couples"] == 60).all() and (exp["n_partners"] == 60).all()
    assert exp.attrs["n_reference_couples"] == {"hurt": 60, "involved": 60}
    assert exp.attrs["baseline_range"]["hurt"] == (2.0, 4.0)


def test_rq_reaches_statsmodels_quantreg_minimum() -> None:
    # statsmodels.regression.quantile_regression.QuantReg(y, x).fit(q=q) minimises the same
    # check loss by IRLS: the exact LP solution's loss must be no larger (and the same to 1e-6)
    from statsmodels.regression.quantile_regression import QuantReg

    rng = np.random.default_rng(3)
    n = 400
    week = rng.integers(5, 60, n)
    base = rng.uniform(2, 5, n)
    y = np.clip(np.rint(base + 0.04 * week + rng.normal(0, 1, n)), 1, 10)
    x = ex._design(week, base - base.mean(), 5, 59)

    def loss(beta: np.ndarray, q: float) -> float:
        u = y - x @ beta
        return float(np.sum(u * (q - (u < 0))))

    for q in (0.1, 0.5, 0.9):
        mine = loss(ex._rq(y, x, q), q)
        theirs = loss(np.asarray(QuantReg(y, x).fit(q=q, max_iter=5000, p_tol=1e-10).params), q)
        assert mine <= theirs + 1e-9
        assert mine == pytest.approx(theirs, rel=1e-6)
    # an intercept-only fit is the sample quantile (odd n, the median is unique)
    z = np.array([5.0, 1.0, 9.0, 3.0, 7.0])
    assert ex._rq(z, np.ones((5, 1)), 0.5)[0] == pytest.approx(5.0)


def test_too_small_a_reference_is_refused_with_a_sentence() -> None:
    small = Logs(
        checkins=planted_reference().checkins.loc[
            planted_reference().checkins["couple_id"] < "r10"
        ],
        events=planted_reference().events,
    )
    with pytest.raises(ValueError, match="has 10 couples with a baseline in the group 'hurt'"):
        ex.expected_recovery(small, window=1)
    with pytest.raises(ValueError, match="no couple with a baseline"):
        ex.expected_recovery(Logs(checkins=small.checkins.iloc[0:0]))
    with pytest.raises(ValueError, match="`by`"):
        ex.expected_recovery(small, by=("group",))
    with pytest.raises(ValueError, match="`quantiles`"):
        ex.expected_recovery(small, quantiles=(0.5, 0.1, 0.9))
    with pytest.raises(ValueError, match="`reference`"):
        ex.expected_recovery(small.checkins)


def test_status_rule_hand_worked() -> None:
    exp = planted_expected()  # band for baseline 3: low 2, median 3, high 4 at weeks 4-39
    rows = []
    # x1: baseline 3, then 1 from week 4: below at weeks 4, 5, 6, 7 -> watch x3, then flagged
    rows += _partner("x1", "A", "hurt", [3, 3, 3, 3] + [1] * 8)
    # x2: baseline 3, stays at 3: on track; one week at 1 (week 6) is only "watch"
    rows += _partner("x2", "A", "hurt", [3, 3, 3, 3, 3, 3, 1, 3, 3, 5])
    # x3: a missed week inside the run neither breaks nor extends it
    rows += _partner("x3", "A", "hurt", [3, 3, 3, 3, 1, 1, None, 1, 1, 3])
    # x4: baseline 3.5 (between grid rows): low 2.5; a 2 is below
    rows += _partner("x4", "A", "hurt", [3, 4, 3, 4, 2, 3])
    # x5: the logs start at week 20: no baseline, nothing claimed
    rows += _partner("x5", "A", "hurt", [3] * 8, first_week=20)
    # x6: baseline 9, far outside the reference's hurt baselines (2-4): not assessed
    rows += _partner("x6", "A", "hurt", [9] * 8)
    logs = _logs(rows, ["x1", "x2", "x3", "x4", "x5", "x6"])
    out = ex.track_status(logs, exp, weeks_below=4)
    assert list(out.columns) == list(ex.TRACK_COLUMNS)

    def of(cid):
        return out.loc[(out["couple_id"] == cid) & (out["aligned_week"] >= 4)]

    x1 = of("x1")
    assert x1["status"].tolist() == ["watch"] * 3 + ["not_on_track"] * 5
    assert x1["weeks_below"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert x1["first_flag_week"].isna().tolist() == [True] * 3 + [False] * 5
    assert (x1["first_flag_week"].dropna() == 7).all()
    assert x1["first_flag_date"].dropna().unique().tolist() == [pd.Timestamp("2024-02-19")]
    np.testing.assert_allclose(x1["expected_low"], 2.0, atol=1e-6)
    x2 = of("x2")
    assert x2["status"].tolist() == [
        "on_track",
        "on_track",
        "watch",
        "on_track",
        "on_track",
        "on_track",
    ]
    assert x2["position"].tolist() == ["within", "within", "below", "within", "within", "above"]
    x3 = of("x3")
    assert x3["status"].tolist() == [
        "watch",
        "watch",
        "not_assessed",
        "watch",
        "not_on_track",
        "on_track",
    ]
    assert x3["weeks_below"].tolist() == [1, 2, 2, 3, 4, 0]
    assert x3["first_flag_week"].iloc[-1] == 8
    x4 = of("x4")
    assert x4["baseline"].iloc[0] == 3.5
    assert x4["expected_low"].iloc[0] == pytest.approx(2.5, abs=1e-6)
    assert x4["position"].tolist() == ["below", "within"]
    assert (out.loc[out["couple_id"].isin(["x5", "x6"]), "status"] == "not_assessed").all()
    # the baseline weeks themselves are never assessed
    assert (out.loc[out["aligned_week"] < 4, "status"] == "not_assessed").all()


def test_disclosure_anchors_too_and_rolling_window_is_the_references() -> None:
    rows = _partner("d1", "A", "hurt", [3, 3, 3, 3] + [1] * 6)
    logs = _logs(rows, ["d1"], kind="disclosure")
    out = ex.track_status(logs, planted_expected())
    assert out["status"].iloc[-1] == "not_on_track"
    assert np.isnan(out["first_flag_week"].iloc[3])
    # a logs without an anchor event: empty (nothing claimed)
    no_anchor = Logs(checkins=logs.checkins)
    assert ex.track_status(no_anchor, planted_expected()).empty


def test_track_status_rejects_a_frame_that_is_not_expected_recovery() -> None:
    logs = _logs(_partner("d1", "A", "hurt", [3] * 6), ["d1"])
    bare = pd.DataFrame(planted_expected())  # the columns without expected_recovery's attrs
    bare.attrs = {}
    with pytest.raises(ValueError, match="expected_recovery"):
        ex.track_status(logs, bare)
    with pytest.raises(ValueError, match="columns"):
        ex.track_status(logs, planted_expected()[["role", "baseline"]])
    with pytest.raises(ValueError, match="`weeks_below`"):
        ex.track_status(logs, planted_expected(), weeks_below=0)


@lru_cache(maxsize=1)
def synth_expected() -> pd.DataFrame:
    ref = synth.generate(couples=150, seed=21, months=(13, 15), text=False).logs
    return ex.expected_recovery(ref)


def test_planted_truth_declining_partners_are_flagged_median_ones_are_not() -> None:
    """Partners planted on the reference's median path stay on track; declining ones do not.

    (A partner who stays flat at the baseline is not flagged against this synthetic
    reference before about week 45: its 10th percentile for baseline 3 stays near 2.7 until
    week 30, as about a tenth of its partners do not improve or are in a setback.)
    """
    exp = synth_expected()
    hurt = exp.loc[(exp["role"] == "hurt") & (exp["baseline"] == 3.0)].set_index("aligned_week")
    rng = np.random.default_rng(5)
    rows, ids, flat = [], [], set()
    for i in range(40):
        cid = f"t{i:02d}"
        ids.append(cid)
        weeks = np.arange(1, 40)
        base = [3, 3, 3, 3]
        if i % 2:
            level = np.full(len(weeks) - 4, 2.0)  # a point below the baseline
            flat.add(cid)
        else:
            level = hurt["median"].reindex(weeks[4:]).ffill().bfill().to_numpy()
        noisy = np.clip(np.rint(level + rng.normal(0, 0.4, len(level))), 1, 10)
        rows += _partner(cid, "A", "hurt", base + noisy.astype(int).tolist(), first_week=1)
    out = ex.track_status(_logs(rows, ids), exp)
    by_16 = (
        out.loc[out["aligned_week"] <= 30]
        .groupby("couple_id")["status"]
        .agg(lambda s: (s == "not_on_track").any())
    )
    flat_rate = by_16[by_16.index.isin(flat)].mean()
    rising_rate = by_16[~by_16.index.isin(flat)].mean()
    assert rising_rate <= 0.1
    assert flat_rate >= 0.6


def test_partner_weeks_baseline_rule() -> None:
    rows = _partner("b1", "A", "hurt", [2, None, 4, 6, 8, 9], first_week=1)
    w = ex._partner_weeks(
        _logs(rows, ["b1"]), measure="connection", window=4, baseline_weeks=4, baseline_by=12
    )
    # the first four scores from the anchor week on: 2, 4, 6, 8 (week 2 missed) -> 5.0,
    # complete at aligned week 5
    assert w["baseline"].iloc[0] == 5.0 and w["baseline_end"].iloc[0] == 5
    assert w["aligned_week"].tolist() == list(range(0, 7))
    # trailing 4-week mean at week 6: weeks 3-6 hold 4, 6, 8, 9
    assert w["rolling_mean"].iloc[-1] == pytest.approx(6.75)
    late = ex._partner_weeks(
        _logs(rows, ["b1"]), measure="connection", window=4, baseline_weeks=4, baseline_by=4
    )
    assert late["baseline"].isna().all()


def test_track_summary_latest_assessed_status_and_counts() -> None:
    rows = _partner("s1", "A", "hurt", [3, 3, 3, 3] + [1] * 5 + [3, 3, None])
    rows += _partner("s1", "B", "involved", [6] * 10)
    rows += _partner("s2", "A", "hurt", [3] * 3)  # never assessed
    st = ex.track_status(_logs(rows, ["s1", "s2"]), planted_expected(), weeks_below=4)
    out = ex.track_summary(st)
    assert list(out.columns) == list(ex.TRACK_SUMMARY_COLUMNS)
    a = out.loc[(out["couple_id"] == "s1") & (out["partner"] == "A")].iloc[0]
    # weeks 4-8 at 1 (flag at week 7), weeks 9-10 back at 3 -> on track now, at week 10
    # (week 11 is past the last check-in, so not in the frame)
    assert a["status"] == "on_track" and a["status_week"] == 10
    assert a["first_flag_week"] == 7 and a["weeks_not_on_track"] == 2
    assert a["weeks_assessed"] == 7
    b = out.loc[(out["couple_id"] == "s1") & (out["partner"] == "B")].iloc[0]
    assert b["status"] == "on_track" and np.isnan(b["first_flag_week"])
    s2 = out.loc[out["couple_id"] == "s2"].iloc[0]
    assert s2["status"] == "not_assessed" and s2["weeks_assessed"] == 0
    empty = ex.track_summary(st.iloc[0:0])
    assert empty.empty and list(empty.columns) == list(ex.TRACK_SUMMARY_COLUMNS)


def test_a_small_group_is_skipped_not_the_whole_reference() -> None:
    ref = planted_reference()
    extra = pd.DataFrame(_partner("u1", "A", None, [4] * 20))
    checkins = pd.concat([ref.checkins.astype(object), extra], ignore_index=True)
    events = pd.concat(
        [
            ref.events.astype(object),
            pd.DataFrame([{"couple_id": "u1", "date": ANCHOR, "kind": "discovery"}]),
        ],
        ignore_index=True,
    )
    logs = from_frames(checkins=checkins, events=events)
    exp = ex.expected_recovery(logs, window=1, min_couples=20)
    assert set(exp["role"]) == {"hurt", "involved"}
    assert (
        "has 1 couples with a baseline in the group 'unknown'"
        in exp.attrs["skipped_groups"]["unknown"]
    )
    st = ex.track_status(logs, exp)
    assert (st.loc[st["couple_id"] == "u1", "status"] == "not_assessed").all()


# --- the outcome forecast (issue 14: a signal conditioned on the weeks so far) ---------------


@lru_cache(maxsize=1)
def forecast_reference() -> Logs:
    """60 couples over 60 weeks: after 4 baseline weeks at b, each partner sits at b + k.

    Hurt partners: b in {2, 3, 4}; involved: b in {5, 6, 7}; k in {0, 1, 2, 3} spread over the
    couples.  The gain at week 52 is k exactly, and so is every predictor (the recent median
    and the post-baseline mean minus the baseline): any quantile of the forecast gain is k.
    """
    rows, ids = [], []
    for i in range(60):
        cid = f"f{i:02d}"
        ids.append(cid)
        k = i % 4
        b_hurt = 2 + (i // 4) % 3
        b_inv = 5 + (i // 4) % 3
        rows += _partner(cid, "A", "hurt", [b_hurt] * 4 + [b_hurt + k] * 56)
        rows += _partner(cid, "B", "involved", [b_inv] * 4 + [b_inv + k] * 56)
    return _logs(rows, ids)


@lru_cache(maxsize=1)
def forecast_expected() -> pd.DataFrame:
    return ex.expected_recovery(forecast_reference(), window=1, min_couples=20, forecast=True)


def test_forecast_hand_worked() -> None:
    exp = forecast_expected()
    fc = exp.attrs["forecast"]
    assert fc["horizon"] == 52 and fc["quantile"] == ex.FORECAST_QUANTILE
    hurt = fc["groups"]["hurt"]
    # the forecast is made from week 5 (the first week after the baseline with a recent
    # median) to 4 weeks before the horizon
    assert hurt["weeks"][0] == 5 and hurt["weeks"][-1] == 48
    # reliable change: 1.96 * sqrt(2) * SD of the reference's baselines * sqrt(1 - 0.8)
    b = np.array([2 + (i // 4) % 3 for i in range(60)], dtype=float)
    assert hurt["reliable_change"] == pytest.approx(
        1.96 * np.sqrt(2) * b.std(ddof=1) * np.sqrt(0.2)
    )
    rows = []
    rows += _partner("g0", "A", "hurt", [3] * 4 + [3] * 10)  # no gain: forecast 0, short
    rows += _partner("g2", "A", "hurt", [3] * 4 + [5] * 10)  # gain 2: forecast 2, fine
    out = ex.track_status(_logs(rows, ["g0", "g2"]), exp, forecast_run=2)
    assert list(out.columns) == list(ex.TRACK_COLUMNS)
    # week 4 is the first after the baseline (weeks 0-3); the post-baseline mean needs 3
    # scores, so the first forecast is at week 6
    g0 = out.loc[(out["couple_id"] == "g0") & (out["aligned_week"] >= 4)]
    assert g0["forecast_gain_high"].iloc[:2].isna().all()
    np.testing.assert_allclose(g0["forecast_gain_high"].iloc[2:], 0.0, atol=1e-6)
    # never 4 weeks below the band (its low line is about b + 0): the forecast flags, after 2
    # weeks short of a reliable change
    assert (g0["weeks_below"] < 4).all()
    assert g0["weeks_short"].tolist() == [0, 0, *range(1, 9)]
    assert g0["status"].tolist() == ["on_track"] * 2 + ["watch"] + ["not_on_track"] * 7
    assert (
        g0["first_flag_week"].iloc[:3].isna().all() and (g0["first_flag_week"].iloc[3:] == 7).all()
    )
    g2 = out.loc[(out["couple_id"] == "g2") & (out["aligned_week"] >= 6)]
    np.testing.assert_allclose(g2["forecast_gain_high"], 2.0, atol=1e-6)
    assert (g2["weeks_short"] == 0).all() and (g2["status"] == "on_track").all()
    # forecast=False: the band rule alone, no forecast in the frame
    band_only = ex.track_status(_logs(rows, ["g0", "g2"]), exp, forecast=False)
    assert band_only["forecast_gain_high"].isna().all() and (band_only["weeks_short"] == 0).all()
    assert not (band_only["status"] == "not_on_track").any()
    with pytest.raises(ValueError, match="`forecast_run`"):
        ex.track_status(_logs(rows, ["g0"]), exp, forecast_run=0)
    with pytest.raises(ValueError, match="`forecast_quantile`"):
        ex.expected_recovery(forecast_reference(), forecast_quantile=1.5)


def test_a_reference_shorter_than_the_horizon_gives_no_forecast() -> None:
    assert planted_expected().attrs["forecast"] is None  # off by default
    # 40 weeks of logs: nothing at week 52 to forecast
    exp = ex.expected_recovery(planted_reference(), window=1, min_couples=20, forecast=True)
    assert exp.attrs["forecast"]["groups"] == {}
    st = ex.track_status(_logs(_partner("h1", "A", "hurt", [3] * 12), ["h1"]), exp)
    assert st["forecast_gain_high"].isna().all()


def test_expected_curves_take_the_grid_row_nearest_the_median_baseline() -> None:
    exp = planted_expected()
    cur = ex.expected_curves(exp)
    assert list(cur.columns) == list(ex.EXPECTED_COLUMNS)
    # hurt baselines 2, 3, 4 (median 3); involved 5, 6, 7 (median 6)
    assert cur.groupby("role")["baseline"].unique().map(list).to_dict() == {
        "hurt": [3.0],
        "involved": [6.0],
    }
    np.testing.assert_allclose(cur.loc[cur["role"] == "hurt", "median"], 3.0, atol=1e-6)
    chosen = ex.expected_curves(exp, baseline=2.1)
    assert set(chosen["baseline"]) == {2.0, 5.0}
    with pytest.raises(ValueError, match="`baseline`"):
        ex.expected_curves(exp, baseline="3")


def test_the_benchmark_figures_have_one_place() -> None:
    """The status card's caveat is built from ``BENCHMARK``, and the docs quote the same figures."""
    from pathlib import Path

    from trustdata import review

    assert review.EXPECTED_CAVEAT == ex.BENCHMARK_CAVEAT
    doc = (Path(__file__).resolve().parents[1] / "docs" / "expected.md").read_text("utf-8")
    for key in ("sensitivity", "specificity", "sensitivity_later", "specificity_later"):
        shown = f"{ex.BENCHMARK[key]:.3f}"
        assert shown in ex.BENCHMARK_CAVEAT and shown in doc, key
        # the default rule's own documentation states its measured figures too
        assert shown in " ".join(ex.track_status.__doc__.split()), key
    one_in = round(1 / ex.BENCHMARK["sensitivity"])
    assert f"about 1 in {one_in} of those who later did not improve" in ex.BENCHMARK_CAVEAT

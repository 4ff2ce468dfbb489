"""The trigger benchmark's generator (benchmarks/_trigger_arcs.py) holds the truth it says it
plants, and the benchmark's candidate tests (benchmarks/trigger_accuracy.py) equal an
independent implementation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(name, mod)  # a dataclass needs its module registered
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(BENCH))
    return mod


@pytest.fixture(scope="module")
def ta(bench):
    return sys.modules["_trigger_arcs"]  # the generator the benchmark imported


@pytest.fixture(scope="module")
def bench():
    return _load("trigger_accuracy")


@pytest.fixture(scope="module")
def arcs(ta):
    return ta.generate(150, seed=11)


def _days(frame: pd.DataFrame, column: str, day0: pd.Series) -> pd.DataFrame:
    out = frame[["couple_id"]].assign(day=frame[column].dt.normalize())
    out["couple_id"] = out["couple_id"].astype(str)
    out["d"] = (out["day"] - out["couple_id"].map(day0)).dt.days
    return out


def test_planted_pauses_hold_no_record(arcs):
    truth = arcs.truth.set_index("couple_id")
    assert set(truth["pause"]) == {"none", "start", "middle", "end", "short"}
    for frame, col in ((arcs.triggers, "timestamp"), (arcs.checkins, "date")):
        d = _days(frame, col, truth["day0"])
        pos = {c: i for i, c in enumerate(arcs.truth["couple_id"])}
        logged = np.array(
            [arcs.logged[pos[c]][x] for c, x in zip(d["couple_id"], d["d"], strict=True)]
        )
        assert logged.all()  # no record on a day not logged
        p = d.join(truth[["pause_from", "pause_to"]], on="couple_id")
        inside = (p["d"] >= p["pause_from"]) & (p["d"] <= p["pause_to"]) & (p["pause_from"] >= 0)
        assert not inside.any()
    # a pause at the start: one intake check-in on day 0, then nothing until the pause ends
    start = truth[truth["pause"] == "start"]
    assert len(start) > 5
    ci = _days(arcs.checkins, "date", truth["day0"])
    first = ci.groupby("couple_id")["d"].apply(sorted)
    for cid, row in start.iterrows():
        assert first[cid][0] == 0 and first[cid][1] > row["pause_to"]
    # the end: one check-in back after the pause, on the last day
    end = truth[truth["pause"] == "end"]
    for cid, row in end.iterrows():
        after = [x for x in first[cid] if x > row["pause_to"]]
        assert after == [row["days"] - 1]


def test_expected_counts_hold_on_average(ta):
    # every trigger drawn, against the exact expected counts, per class and clustering
    arcs = ta.generate(240, seed=3, record_all=True)
    n = arcs.triggers.groupby(arcs.triggers["couple_id"].astype(str), observed=True).size()
    t = arcs.truth.assign(
        n=arcs.truth["couple_id"].map(n).fillna(0),
        expected=[e.sum() for e in arcs.expected],
    )
    for _, g in t.groupby("cluster"):
        assert g["n"].sum() == pytest.approx(g["expected"].sum(), rel=0.08)
    # every day logged when the pauses are logged through
    assert all(x.all() for x in arcs.logged)


def test_planted_ratio_holds_between_the_windows(ta):
    arcs = ta.generate(90, seed=4)
    w = int(ta.WINDOW_DAYS)
    n = 0
    for i, row in arcs.truth.iterrows():
        if row["pause"] != "none" or row["cluster"] != "poisson":
            continue
        e = arcs.expected[i]
        # bursts only multiply the base rate (by 1.5 or more), so outside them, in the days
        # the windows cover, the expected count is the flat base of each window
        first, latest = e[:w].min(), e[len(e) - w :].min()
        assert latest / first == pytest.approx(row["ratio"], rel=1e-9)
        n += 1
    assert n >= 5


def test_logged_through_pauses_adds_only_the_pause_days(ta):
    paused, full = ta.generate(60, seed=8), ta.generate(60, seed=8, record_all=True)
    key = ["couple_id", "timestamp", "intensity"]
    a = paused.triggers[key].astype({"couple_id": str})
    b = full.triggers[key].astype({"couple_id": str})
    both = b.merge(a, on=key, how="left", indicator=True)
    assert len(a) < len(b) and (both["_merge"] == "both").sum() == len(a)


def test_window_truth_counts_fractions_of_days(ta):
    e = np.array([1.0, 2.0, 3.0, 4.0])
    logged = np.array([True, False, False, True])
    day0 = pd.Timestamp("2025-01-01")
    exp, off = ta.window_truth(e, logged, day0, "2025-01-01 12:00", "2025-01-03")
    assert exp == pytest.approx(0.5 * 1 + 2)
    assert off == pytest.approx(1.0)


def test_quasi_poisson_p_equals_statsmodels(bench):
    sm = pytest.importorskip("statsmodels.api")
    y = np.array([3, 0, 5, 2, 7, 1, 4, 0, 0, 6, 2, 3, 1, 0, 2, 0, 1, 4, 0, 0], dtype=float)
    w = np.r_[np.zeros(10), np.ones(10)]
    # statsmodels: GLM(y, add_constant(w), family=Poisson()).fit(scale="X2", use_t=True)
    # -> pvalues[1] = 0.12299549181051199, scale = 1.995726495726496
    # (R: summary(glm(y ~ w, family = quasipoisson)) gives the same t test; R was not
    # installed where this was written, so the pin is statsmodels')
    fit = sm.GLM(y, sm.add_constant(w), family=sm.families.Poisson()).fit(scale="X2", use_t=True)
    p, phi = bench.quasi_poisson_p(y[:10], y[10:])
    assert p == pytest.approx(fit.pvalues[1], rel=1e-10)
    assert p == pytest.approx(0.12299549181051199, rel=1e-10)
    assert phi == pytest.approx(fit.scale, rel=1e-12)
    # the same test from the windows' totals
    assert bench.scaled_rate_p(int(y[:10].sum()), int(y[10:].sum()), phi, 18) == pytest.approx(
        p, rel=1e-10
    )
    assert np.isnan(bench.quasi_poisson_p(np.zeros(5), np.ones(5))[0])


def test_span_dispersion_equals_statsmodels(bench):
    sm = pytest.importorskip("statsmodels.api")
    y = np.array([3, 0, 5, 2, 7, 1, 4, 0, 0, 6, 2, 3, 1, 0, 2, 0, 1, 4, 0, 0], dtype=float)
    s = np.r_[np.zeros(7), np.ones(7), 2 * np.ones(6)]
    X = sm.add_constant(pd.get_dummies(s, drop_first=True).astype(float))
    # statsmodels GLM(y, X, family=Poisson()).fit(scale="X2").scale = 2.309269162210338
    # (R: summary(glm(y ~ factor(s), family = quasipoisson))$dispersion)
    fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    phi, df = bench.span_dispersion(y, s)
    assert phi == pytest.approx(fit.scale, rel=1e-10)
    assert phi == pytest.approx(2.309269162210338, rel=1e-10)
    assert df == fit.df_resid == 17


def test_synth_recording_changes_no_draw(bench):
    from trustdata import synth

    plain = synth.generate(couples=4, seed=21, text=False)
    recorded, rates = bench.synth_generate(4, 21)
    pd.testing.assert_frame_equal(plain.logs.triggers, recorded.logs.triggers)
    assert rates.shape[0] == len(plain.params)
    # the recorded weekly rates are the ones the triggers were drawn from: zero rate, no trigger
    assert (rates >= 0).all() and rates.sum() > 0
    assert np.random.default_rng is not None and not isinstance(
        np.random.default_rng(0), bench._Recording
    )


def test_span_phi_of_28_day_blocks_equals_statsmodels(bench):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(7)
    day = 86_400 * 10**9
    start, end = 0, 390 * day  # 13 whole 28-day blocks, 4 per segment (the last one joins)
    t = np.sort(rng.integers(start, end, 90))
    t = t[(t < 56 * day) | (t >= 130 * day)]  # no trigger on days 56-129 ...
    seen_at = np.r_[t, np.arange(0, 58) * 7 * day]  # ... weekly check-ins: logged, but
    seen_at = seen_at[(seen_at < 56 * day) | (seen_at >= 84 * day)]  # block 2: no record
    phi, df = bench.span_phi(t, seen_at, start, end, 28)
    edges = np.arange(14) * 28 * day
    y = np.histogram(t, edges)[0].astype(float)
    seg = np.minimum(np.arange(13) // 4, 2)  # the short last segment (1 block) joins
    keep = np.arange(13) != 2
    X = sm.add_constant(pd.get_dummies(seg[keep], drop_first=True).astype(float))
    # statsmodels GLM(y[keep], X, family=Poisson()).fit(scale="X2").scale = 2.52209595959596
    # (R: summary(glm(y ~ factor(seg), family = quasipoisson))$dispersion; R not installed)
    fit = sm.GLM(y[keep], X, family=sm.families.Poisson()).fit(scale="X2")
    assert phi == pytest.approx(fit.scale, rel=1e-10)
    assert phi == pytest.approx(2.52209595959596, rel=1e-10)
    assert df == fit.df_resid == 9
    assert np.isnan(bench.span_phi(t, seen_at, start, 40 * day, 28)[0])


#: 60 weekly counts: Poisson(4 before day 150, else 1, times Gamma(2, 0.5) waves), seed 5
_Y60 = [2, 4, 3, 0, 4, 2, 5, 5, 0, 0, 3, 7, 0, 2, 3, 2, 0, 0, 4, 8, 1, 0, 0, 0, 2, 0, 0, 1, 6, 3,
        1, 0, 2, 2, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 2, 2, 1, 0, 0, 1, 2,
        1]  # fmt: skip


def test_trend_irls_and_pearson_equal_statsmodels(bench):
    sm = pytest.importorskip("statsmodels.api")
    # 60 weekly counts, and a second series (the first 30 weeks reversed) fitted in the same
    # stack: each equals its own fit
    y1 = np.array(_Y60, dtype=float)
    y2 = y1[:30][::-1].copy()
    rows = np.r_[np.zeros(60, int), np.ones(30, int)]
    t = np.r_[(np.arange(60) + 0.5) * 7, (np.arange(30) + 0.5) * 7]
    length = np.r_[np.full(60, 420.0), np.full(30, 210.0)]
    j, u, m = bench.hat_basis(t, length, 91.0)
    y = np.r_[y1, y2]
    mu, rank = bench.poisson_trend_fit(y, rows, j, u, 2, int(m.max()) + 1)
    for r, yy in ((0, y1), (1, y2)):
        sel = rows == r
        X = np.zeros((sel.sum(), m[sel][0] + 1))
        X[np.arange(sel.sum()), j[sel]] += 1 - u[sel]
        X[np.arange(sel.sum()), j[sel] + 1] += u[sel]
        # statsmodels GLM(yy, X, family=Poisson()).fit(scale="X2"): for the first series
        # scale = 1.7923981634001211, df_resid = 54 (R: summary(glm(y ~ X - 1, family =
        # quasipoisson))$dispersion; R not installed here)
        fit = sm.GLM(yy, X, family=sm.families.Poisson()).fit(scale="X2")
        x2 = ((yy - mu[sel]) ** 2 / mu[sel]).sum()
        assert rank[r] == X.shape[1] and sel.sum() - rank[r] == fit.df_resid
        np.testing.assert_allclose(mu[sel], fit.mu, rtol=1e-6)
        assert x2 / (sel.sum() - rank[r]) == pytest.approx(fit.scale, rel=1e-6)


def test_trend_dispersion_from_records_equals_its_bins(bench):
    # one series of 60 whole weeks: triggers on the weeks' days as _Y60 counts, a check-in
    # every week; the dispersion equals the hat-basis fit of those 60 counts (the statsmodels
    # figure of the test above)
    days = np.concatenate([7 * w + np.arange(c) % 7 for w, c in enumerate(_Y60)])
    ci = np.arange(60) * 7 + 3
    rec_day = np.r_[days, ci] + 20_000
    is_t = np.r_[np.ones(len(days), bool), np.zeros(len(ci), bool)]
    phi, df = bench.trend_dispersion(
        np.zeros(len(rec_day), int), rec_day, is_t, np.array([20_000]), np.array([423]),
        np.array([True]), 7, 91.0, model="smooth"
    )  # fmt: skip
    assert df[0] == 54
    assert phi[0] == pytest.approx(1.7923981634001211, rel=1e-6)
    # around the step trend (two change-points: 60 bins - 3 means - 2 x 3 for the places);
    # X2 from statsmodels' factor GLM on those segments (the test below: scale x 57)
    phi, df = bench.trend_dispersion(
        np.zeros(len(rec_day), int), rec_day, is_t, np.array([20_000]), np.array([423]),
        np.array([True]), 7, model="steps"
    )  # fmt: skip
    assert df[0] == 51
    assert phi[0] == pytest.approx(1.5369643651037914 * 57 / 51, rel=1e-10)


def test_step_trend_is_the_likelihood_split_and_equals_statsmodels(bench):
    sm = pytest.importorskip("statsmodels.api")
    y = np.array(_Y60, dtype=float)
    mu, n_seg, made = bench.step_trend_fit(y, np.zeros(60, int), 1, 8)

    def ll(v):
        return v.sum() * np.log(v.sum() / len(v)) if v.sum() else 0.0

    best = max(range(8, 53), key=lambda c: ll(y[:c]) + ll(y[c:]))  # by brute force
    assert made[0] == 1 and n_seg[0] == 2
    np.testing.assert_allclose(
        mu, np.r_[np.full(best, y[:best].mean()), np.full(60 - best, y[best:].mean())]
    )
    mu2, n_seg2, made2 = bench.step_trend_fit(y, np.zeros(60, int), 2, 8)
    seg = np.r_[0, np.cumsum(np.diff(mu2) != 0)]
    X = sm.add_constant(pd.get_dummies(seg, drop_first=True).astype(float))
    # statsmodels GLM(y, X, family=Poisson()).fit(scale="X2").scale = 1.5369643651037914
    # with df_resid 57 (segments weeks 0-19, 20-34, 35-59)
    fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    assert made2[0] == 2 and n_seg2[0] == 3 and fit.df_resid == 57
    np.testing.assert_allclose(mu2, fit.mu, rtol=1e-12)
    assert ((y - mu2) ** 2 / mu2).sum() / 57 == pytest.approx(1.5369643651037914, rel=1e-10)


def test_scaled_exact_p_is_the_exact_test_at_phi_1_and_grows_with_phi(bench):
    from scipy import stats

    for first, latest in ((10, 2), (0, 5), (7, 7), (40, 1), (3, 9)):
        ref = stats.binomtest(latest, first + latest, 0.5).pvalue
        p1 = bench.scaled_exact_p(np.array([first]), np.array([latest]), np.array([1.0]))[0]
        assert p1 == pytest.approx(ref, rel=1e-10)
        ps = bench.scaled_exact_p(
            np.full(4, first), np.full(4, latest), np.array([1.0, 1.5, 2.0, 4.0])
        )
        assert (np.diff(ps) >= -1e-12).all()


def test_the_benchmarks_trend_rule_is_the_librarys_dispersion(bench, arcs):
    # one copy of the step-trend dispersion: ``--rule trend`` (bins 7, 14, 28, gated at 0.05,
    # df >= 6) gives the p-value trigger_trend reports as rate_p_bursts, partner by partner
    from trustdata.triggers import trigger_trend

    out = trigger_trend(arcs.triggers, checkins=arcs.checkins)
    res = bench.trend_rule(out, arcs.triggers, arcs.checkins)
    tested = out["rate_p"].notna()
    assert tested.sum() > 100 and out["bursty"].sum() > 20
    np.testing.assert_allclose(res["rate_p"], out["rate_p_bursts"], rtol=1e-12)
    np.testing.assert_allclose(res["phi"], out["dispersion"], rtol=1e-12)
    np.testing.assert_array_equal(res["rate_p_exact"], out["rate_p"])
    assert (out.loc[tested, "dispersion"] > 1).eq(out.loc[tested, "bursty"]).all()

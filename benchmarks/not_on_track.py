"""How well does "not on track" by week 16 foretell no reliable improvement at 12 months?

Run from the repository root (2 cores are shared: be nice)::

    nice -n 10 .venv/bin/python benchmarks/not_on_track.py            # full
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --quick    # smaller, for development
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --tune     # the grid, on tuning seeds

1. **Reference cohort**: ``trustdata.synth.generate(couples=300, seed=REFERENCE_SEED,
   months=(13, 18), cohort=True)``, from which :func:`trustdata.expected.expected_recovery`
   builds the expected band (defaults).
2. **Held-out couples**, never tuned on: (a) ``trustdata.synth`` with the seeds
   :data:`TEST_SEEDS`; (b) a **second generator**, :func:`generate_other` below (not
   ``trustdata.synth``): AR(1) noise, whole points, missed weeks and gaps, a later start of the
   logs, and seven kinds of arc (steady rise, quick rise that levels off, late start, S-shaped
   rise, flat, slow decline, rise then relapse), with its own baseline ranges.
3. **The truth** is planted: a partner *ends badly* when their planted (noise-free) level at
   week 52 after the anchor is less than a reliable change above their planted level in the
   baseline weeks: ``gain < RC = 1.96 * sqrt(2) * s1 * sqrt(1 - r)`` (Jacobson & Truax 1991),
   ``s1`` the SD of the reference partners' observed baselines of the same role, ``r = 0.8``
   (the default of :func:`trustdata.trends.trend_summary`).  Partners without a baseline (the
   rule of :mod:`trustdata.expected`) are counted apart and left out.
4. **The figures**: sensitivity = the share of partners who end badly that
   :func:`trustdata.expected.track_status` flags ``not_on_track`` by aligned week 16;
   specificity = the share of the others not flagged by then; both with exact Clopper-Pearson
   95 % intervals (partners are the units; the two partners of a couple are not independent,
   so the intervals are a little narrower than they should be); and the median week of the
   first flag among those flagged.  Targets (issue 14, from Lambert's outcome-monitoring
   literature): sensitivity >= 0.72 at specificity >= 0.90.

``--tune`` scores a grid of the rule's options (the low quantile and ``weeks_below``) on the
tuning seeds :data:`TUNING_SEEDS` only; the defaults of the package were chosen there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

from trustdata import schemas, synth
from trustdata.expected import FORECAST_QUANTILE, expected_recovery, track_status
from trustdata.io import from_frames

REFERENCE_SEED = 101
TUNING_SEEDS = (201, 202)
TEST_SEEDS = (301, 302)
OTHER_TUNING_SEED = 401
OTHER_TEST_SEED = 501
BY_WEEK = 16
LATER_WEEK = 40  # flags at any week before the 12-month outcome is known (secondary figure)
NO_BAND = 10**6  # weeks_below that no run reaches: the forecast rule alone
#: The grid of --tune: (forecast quantile, weeks_below, forecast_run).  Earlier rounds (same
#: seeds): quantiles 0.6-0.9 with the band's 4 weeks and without the band, runs of 1-4 weeks.
TUNE_GRID = (
    (0.65, NO_BAND, 1),
    (0.675, NO_BAND, 1),
    (0.7, NO_BAND, 1),
    (0.75, 6, 1),
    (0.8, 5, 1),
    (0.9, 4, 1),
)
R = 0.8
MONTHS = (13, 18)


# ------------------------------------------------------------------------------------------
# The second generator
# ------------------------------------------------------------------------------------------

ARCS = ("steady", "quick", "late", "s_shape", "flat", "decline", "relapse")
ARC_P = np.array([0.22, 0.18, 0.12, 0.13, 0.15, 0.08, 0.12])


def _arc(kind: np.ndarray, t: np.ndarray, gain: np.ndarray, p: dict) -> np.ndarray:
    """Planted change from baseline at ``t`` months (rows: partners, columns: weeks)."""
    g = gain[:, None]
    out = np.zeros_like(t)
    k = kind[:, None]
    tau = p["tau"][:, None]
    out = np.where(k == "steady", g * np.clip(t / tau, 0, 1), out)
    out = np.where(k == "quick", g * (1 - np.exp(-np.clip(t, 0, None) / (tau / 3))), out)
    delay = p["delay"][:, None]
    out = np.where(k == "late", g * np.clip((t - delay) / tau, 0, 1), out)
    mid = p["mid"][:, None]
    out = np.where(
        k == "s_shape", g / (1 + np.exp(-(t - mid) / 1.2)) - g / (1 + np.exp(mid / 1.2)), out
    )
    out = np.where(k == "flat", p["drift"][:, None] * t, out)
    out = np.where(k == "decline", -p["fall"][:, None] * np.clip(t / 12, 0, 1), out)
    at = p["relapse_at"][:, None]
    rise = g * np.clip(t / tau, 0, 1)
    top = g * np.clip(at / tau, 0, 1)
    out = np.where(k == "relapse", np.where(t < at, rise, top - p["drop"][:, None]), out)
    return out


def generate_other(couples: int, seed: int, start: str = "2023-01-02"):
    """Logs and truth from the second generator (see the module docstring).

    Returns (logs, truth): ``truth`` has couple_id, partner, role, arc, gain (planted level at
    week 52 minus the planted baseline level); ``truth.attrs["level"]`` is the planted
    noise-free level minus the planted baseline level at aligned weeks 0..16 (partners x 17,
    rows in ``truth``'s order), for the oracle.
    """
    rng = np.random.default_rng(seed)
    n = couples
    P = 2 * n
    cp = np.repeat(np.arange(n), 2)
    hurt = np.tile([True, False], n)
    anchor = np.datetime64(start) + rng.integers(0, 540, n).astype("timedelta64[D]")
    kind_c = rng.choice(ARCS, size=n, p=ARC_P)
    # the partners of a couple mostly share the arc kind; sometimes the involved one differs
    kind = kind_c[cp].copy()
    swap = (~hurt) & (rng.random(P) < 0.25)
    kind[swap] = rng.choice(ARCS, size=int(swap.sum()), p=ARC_P)
    base = np.where(hurt, rng.uniform(1.5, 4.5, P), rng.uniform(3.5, 6.5, P))
    gain = np.where(hurt, rng.uniform(1.5, 4.5, P), rng.uniform(0.8, 3.0, P))
    gain = np.minimum(gain, 9.5 - base)
    p = {
        "tau": rng.uniform(5, 12, P),
        "delay": rng.uniform(2, 5, P),
        "mid": rng.uniform(3, 7, P),
        "drift": rng.uniform(-0.04, 0.04, P),
        "fall": rng.uniform(0.5, 1.5, P),
        "relapse_at": rng.uniform(2.5, 8, P),
        "drop": rng.uniform(1.0, 2.5, P),
    }
    n_weeks = np.rint(rng.integers(MONTHS[0], MONTHS[1] + 1, n) * 52.1775 / 12).astype(int)
    lag = rng.choice([0, 0, 1, 1, 2, 3], size=n)  # weeks from the anchor week to the first log
    W = int(n_weeks.max()) + 4
    w = np.arange(W)
    t = (w[None, :] * 7 + 3) / schemas.DAYS_PER_MONTH * np.ones((P, 1))
    level = base[:, None] + _arc(kind, t, gain, p)
    phi = rng.uniform(0.3, 0.7, P)[:, None]
    sd = rng.uniform(0.5, 1.0, P)[:, None]
    eps = rng.normal(size=(P, W)) * sd * np.sqrt(1 - phi**2)
    noise = np.zeros((P, W))
    noise[:, 0] = rng.normal(size=P) * sd[:, 0]
    for j in range(1, W):
        noise[:, j] = phi[:, 0] * noise[:, j - 1] + eps[:, j]
    score = np.clip(np.rint(level + noise), 1, 10)
    miss = rng.random((P, W)) < rng.uniform(0.03, 0.15, P)[:, None]
    gap_start = rng.integers(6, 60, P)
    gap_len = np.where(rng.random(P) < 0.3, rng.integers(2, 6, P), 0)
    in_gap = (w[None, :] >= gap_start[:, None]) & (w[None, :] < (gap_start + gap_len)[:, None])
    logged = (
        (w[None, :] >= lag[cp][:, None]) & (w[None, :] < n_weeks[cp][:, None]) & ~miss & ~in_gap
    )
    anchor_monday = anchor - ((anchor.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(
        "timedelta64[D]"
    )
    weekday = rng.integers(0, 7, P)
    rows, cols = np.nonzero(logged)
    dates = (anchor_monday[cp[rows]] + (cols * 7 + weekday[rows]).astype("timedelta64[D]")).astype(
        "datetime64[ns]"
    )
    ids = np.array([f"other-{i + 1:04d}" for i in range(n)], dtype=object)
    checkins = pd.DataFrame(
        {
            "couple_id": ids[cp[rows]],
            "partner": np.where(hurt[rows], "A", "B"),
            "role": np.where(hurt[rows], "hurt", "involved"),
            "date": dates,
            "connection": score[rows, cols].astype(int),
        }
    )
    events = pd.DataFrame(
        {
            "couple_id": ids,
            "date": anchor.astype("datetime64[ns]"),
            "kind": np.where(rng.random(n) < 0.75, "discovery", "disclosure"),
        }
    )
    logs = from_frames(checkins=checkins, events=events)
    t52 = 52 * 7 / schemas.DAYS_PER_MONTH
    tb = (lag[cp] + 1.5) * 7 / schemas.DAYS_PER_MONTH
    l52 = _arc(kind, np.full((P, 1), t52), gain, p)[:, 0]
    lb = _arc(kind, tb[:, None], gain, p)[:, 0]
    truth = pd.DataFrame(
        {
            "couple_id": ids[cp],
            "partner": np.where(hurt, "A", "B"),
            "role": np.where(hurt, "hurt", "involved"),
            "arc": kind,
            "gain": l52 - lb,
        }
    )
    truth.attrs["level"] = level[:, : BY_WEEK + 1] - base[:, None] - lb[:, None]
    return logs, truth


# ------------------------------------------------------------------------------------------
# trustdata.synth couples and their truth
# ------------------------------------------------------------------------------------------


def synth_set(couples: int, seed: int):
    syn = synth.generate(couples=couples, seed=seed, months=MONTHS, cohort=True, text=False)
    prm = syn.params
    d52 = pd.DataFrame(
        {
            "couple_id": prm["couple_id"],
            "partner": prm["partner"],
            "date": prm["anchor_date"] + pd.Timedelta(weeks=52),
        }
    )
    first = syn.logs.checkins.groupby(["couple_id", "partner"], as_index=False)["date"].min()
    first["date"] = first["date"] + pd.Timedelta(days=10)  # the middle of the baseline weeks
    first = prm[["couple_id", "partner"]].merge(first, on=["couple_id", "partner"], how="left")
    gain = (
        synth.underlying_level(prm, d52).to_numpy() - synth.underlying_level(prm, first).to_numpy()
    )
    kind = prm["hard_road_kind"].astype(object).where(prm["hard_road"], "usual")
    truth = pd.DataFrame(
        {
            "couple_id": prm["couple_id"],
            "partner": prm["partner"],
            "role": prm["role"],
            "arc": kind.to_numpy(dtype=object),
            "gain": gain,
        }
    )
    # the planted level minus the planted baseline level at aligned weeks 0..16 (the oracle)
    monday = prm["anchor_date"] - pd.to_timedelta(prm["anchor_date"].dt.day_of_week, unit="D")
    cols = []
    for w in range(BY_WEEK + 1):
        at = prm[["couple_id", "partner"]].assign(date=monday + pd.Timedelta(days=7 * w + 3))
        cols.append(synth.underlying_level(prm, at).to_numpy())
    base_level = synth.underlying_level(prm, first).to_numpy()
    truth.attrs["level"] = np.column_stack(cols) - base_level[:, None]
    return syn.logs, truth


# ------------------------------------------------------------------------------------------
# Scoring
# ------------------------------------------------------------------------------------------


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def rc_thresholds(expected: pd.DataFrame, ref_logs) -> dict[str, float]:
    """Jacobson-Truax reliable change per role from the reference's observed baselines."""
    from trustdata.expected import _partner_weeks

    w = _partner_weeks(ref_logs, measure="connection", window=4, baseline_weeks=4, baseline_by=12)
    base = w.drop_duplicates(["couple_id", "partner"]).dropna(subset=["baseline"])
    s1 = base.groupby("role")["baseline"].std()
    return {role: float(1.96 * np.sqrt(2) * s * np.sqrt(1 - R)) for role, s in s1.items()}


def score(logs, truth, expected, rc, *, by_week: int = BY_WEEK, status=None, **opts) -> dict:
    st = track_status(logs, expected, **opts) if status is None else status
    early = st.loc[st["aligned_week"] <= by_week]
    per = early.groupby(["couple_id", "partner"]).agg(
        assessed=("status", lambda s: bool((s != "not_assessed").any())),
        flagged=("status", lambda s: bool((s == "not_on_track").any())),
        first_flag=("first_flag_week", "min"),
    )
    per = per.reset_index().merge(truth, on=["couple_id", "partner"], how="right")
    per["assessed"] = per["assessed"].fillna(False).astype(bool)
    per["flagged"] = per["flagged"].fillna(False).astype(bool)
    per["bad"] = per["gain"] < per["role"].map(rc)
    a = per.loc[per["assessed"]]
    bad, good = a.loc[a["bad"]], a.loc[~a["bad"]]
    tp, fp = int(bad["flagged"].sum()), int(good["flagged"].sum())
    return {
        "partners": len(per),
        "assessed": len(a),
        "bad": len(bad),
        "sens": tp / len(bad) if len(bad) else np.nan,
        "sens_ci": clopper_pearson(tp, len(bad)),
        "tp": tp,
        "spec": 1 - fp / len(good) if len(good) else np.nan,
        "spec_ci": clopper_pearson(len(good) - fp, len(good)),
        "tn": len(good) - fp,
        "good": len(good),
        "median_week": float(a.loc[a["flagged"], "first_flag"].median()),
        "ceiling": ceiling(logs, truth, a, by_week),
        "by_arc": a.groupby("arc").agg(
            n=("flagged", "size"), bad=("bad", "sum"), flagged=("flagged", "mean")
        ),
    }


def ceiling(logs, truth, assessed: pd.DataFrame, by_week: int = BY_WEEK) -> float:
    """A simple rival, given an unfair advantage: sensitivity at specificity 0.90 of one number.

    The number is the mean of the four weeks up to ``by_week`` (13-16) minus the baseline,
    per role; its threshold is set on these very couples (the 10th percentile of those who
    end well), which no rule that must decide without the outcome can do.  If even this does
    no better, the first weeks show little of the 12-month outcome.
    """
    from trustdata.expected import _partner_weeks

    w = _partner_weeks(logs, measure="connection", window=4, baseline_weeks=4, baseline_by=12)
    w = w.loc[w["aligned_week"].between(by_week - 3, by_week) & w["baseline"].notna()]
    gain = (
        w.groupby(["couple_id", "partner"])["score"].mean()
        - w.groupby(["couple_id", "partner"])["baseline"].first()
    ).rename("early_gain")
    a = assessed.merge(gain.reset_index(), on=["couple_id", "partner"], how="inner")
    hits = total = 0
    for _, g in a.groupby("role"):
        good = g.loc[~g["bad"], "early_gain"].dropna()
        bad = g.loc[g["bad"], "early_gain"].dropna()
        if len(good) and len(bad):
            hits += int((bad < np.quantile(good, 0.10)).sum())
            total += len(bad)
    return hits / total if total else np.nan


# ------------------------------------------------------------------------------------------
# What is possible: oracle bounds
# ------------------------------------------------------------------------------------------

ORACLE_WEEKS = (4, 8, 12, 16)


def sens_at_spec(risk_bad: np.ndarray, risk_good: np.ndarray, spec: float = 0.90) -> float:
    """Sensitivity of ``risk > t`` with ``t`` the smallest threshold keeping ``spec`` of good."""
    risk_bad, risk_good = np.asarray(risk_bad, float), np.asarray(risk_good, float)
    if not len(risk_bad) or not len(risk_good):
        return np.nan
    t = np.quantile(risk_good, spec, method="higher")
    return float(np.mean(risk_bad > t))


def knn_risk(train_x, train_y, test_x, k: int = 60) -> np.ndarray:
    """The share of bad outcomes among the ``k`` nearest training partners (standardised)."""
    from scipy.spatial import cKDTree

    mu, sd = train_x.mean(axis=0), train_x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    tree = cKDTree((train_x - mu) / sd)
    _, idx = tree.query((test_x - mu) / sd, k=min(k, len(train_x)))
    return train_y[idx].mean(axis=1)


def _labels(truth: pd.DataFrame, rc: dict) -> np.ndarray:
    return (truth["gain"] < truth["role"].map(rc)).to_numpy()


def planted_features(truth: pd.DataFrame) -> np.ndarray:
    """Planted level minus planted baseline at weeks 2, 4, ..., 16 and the role."""
    lv = truth.attrs["level"]
    hurt = (truth["role"] == "hurt").to_numpy(dtype=float)
    return np.column_stack([lv[:, range(2, BY_WEEK + 1, 2)], hurt * 10])


def observed_features(logs, truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """What the logs show by week 16, per partner in ``truth``'s order (and who has it).

    The observed baseline, the 4-week mean at weeks 8, 12 and 16 minus the baseline (the last
    one available up to that week), the least-squares slope of the scores after the baseline
    up to week 16 (points a week), and the role.
    """
    from trustdata.expected import _partner_weeks

    w = _partner_weeks(logs, measure="connection", window=4, baseline_weeks=4, baseline_by=12)
    w = w.loc[(w["aligned_week"] <= BY_WEEK) & w["baseline"].notna()]
    post = w.loc[w["aligned_week"] > w["baseline_end"]]
    keys = ["couple_id", "partner"]
    feats = w.groupby(keys)["baseline"].first().to_frame()
    for wk in (8, 12, 16):
        m = post.loc[post["aligned_week"] <= wk].dropna(subset=["rolling_mean"])
        feats[f"m{wk}"] = m.groupby(keys)["rolling_mean"].last() - feats["baseline"]
    sc = post.dropna(subset=["score"])

    def slope(g: pd.DataFrame) -> float:
        if len(g) < 3:
            return np.nan
        return float(np.polyfit(g["aligned_week"], g["score"], 1)[0])

    feats["slope"] = sc.groupby(keys)[["aligned_week", "score"]].apply(slope)
    out = truth[keys].merge(feats.reset_index(), on=keys, how="left")
    out["hurt"] = (truth["role"].to_numpy() == "hurt") * 10.0
    x = out[["baseline", "m8", "m12", "m16", "slope", "hurt"]].to_numpy(dtype=float)
    ok = ~np.isnan(x).any(axis=1)
    return x, ok


def logit_risk(train_x, train_y, test_x) -> np.ndarray:
    """Logistic regression per role (the last column), fitted on the training partners."""
    import statsmodels.api as sm

    risk = np.full(len(test_x), np.nan)
    for role in np.unique(train_x[:, -1]):
        tr, te = train_x[:, -1] == role, test_x[:, -1] == role
        xtr = sm.add_constant(train_x[tr, :-1], has_constant="add")
        fit = sm.Logit(train_y[tr].astype(float), xtr).fit(disp=0, maxiter=200)
        risk[te] = fit.predict(sm.add_constant(test_x[te, :-1], has_constant="add"))
    return risk


def oracle(ref_logs, ref_truth, rc, sets, train_sets) -> None:
    """Print the oracle bounds: sensitivity at specificity 0.90 by week 16.

    1. **Planted level**: a k-nearest-neighbour posterior of ending badly given the planted,
       noise-free level (minus the planted baseline) at weeks 2-16 and the role, trained on a
       large sample of the *same* generator (tuning seeds), threshold set on the held-out
       couples themselves: no rule seeing only 16 weeks can do much better.
    2. **Observed, fitted on the reference**: logistic regression (and k-NN) of ending badly
       on what the logs show by week 16 (observed baseline, 4-week means at weeks 8, 12, 16,
       slope), fitted on the REFERENCE cohort with its planted truth; threshold set on the
       held-out couples (generous) and on the reference (what a tool could do).
    """
    print("--- oracle bounds: sensitivity at specificity 0.90, by week 16")
    rx, rok = observed_features(ref_logs, ref_truth)
    ry = _labels(ref_truth, rc)
    rx, ry = rx[rok], ry[rok]
    ref_logit = logit_risk(rx, ry, rx)
    t_ref = np.quantile(ref_logit[~ry], 0.90, method="higher")
    pool: dict[str, list] = {"planted": [], "logistic": [], "knn": [], "big": [], "y": [], "yo": []}
    for name, logs, truth in sets:
        y = _labels(truth, rc)
        train = train_sets["other" if name.startswith("second") else "synth"]
        px = planted_features(truth)
        tx = planted_features(train[1])
        ty = _labels(train[1], rc)
        risk = knn_risk(tx, ty, px)
        planted = sens_at_spec(risk[y], risk[~y])
        ox, ok = observed_features(logs, truth)
        gx, gok = observed_features(*train)
        gy = _labels(train[1], rc)
        big = logit_risk(gx[gok], gy[gok], ox[ok])
        lr = logit_risk(rx, ry, ox[ok])
        kn = knn_risk(rx, ry, ox[ok])
        yy = y[ok]
        pool["planted"].append(risk)
        pool["y"].append(y)
        pool["logistic"].append(lr)
        pool["knn"].append(kn)
        pool["big"].append(big)
        pool["yo"].append(yy)
        s_lr, s_kn, s_big = (sens_at_spec(v[yy], v[~yy]) for v in (lr, kn, big))
        print(
            f"{name:<34} bad {int(y.sum()):>3}/{len(y)}: planted level (k-NN, same generator) "
            f"{planted:.3f}; observed, fitted on the reference: logistic {s_lr:.3f} "
            f"(threshold from the reference: sensitivity {np.mean(lr[yy] > t_ref):.3f}, "
            f"specificity {np.mean(lr[~yy] <= t_ref):.3f}), k-NN {s_kn:.3f}; "
            f"observed, logistic fitted on a large sample of the same generator {s_big:.3f}"
        )
    y, yo = np.concatenate(pool["y"]), np.concatenate(pool["yo"])
    got = {k: np.concatenate(pool[k]) for k in ("planted", "logistic", "knn", "big")}
    s_pl = sens_at_spec(got["planted"][y], got["planted"][~y])
    s_lr, s_kn, s_big = (sens_at_spec(got[k][yo], got[k][~yo]) for k in ("logistic", "knn", "big"))
    print(
        f"{'all held-out (one threshold)':<34} planted level {s_pl:.3f}; observed, fitted on "
        f"the reference: logistic {s_lr:.3f}, k-NN {s_kn:.3f}; observed, logistic on a large "
        f"sample of the same generator {s_big:.3f}"
    )


def pooled(totals: list[dict]) -> str:
    tp = sum(s["tp"] for s in totals)
    nb = sum(s["bad"] for s in totals)
    tn = sum(s["tn"] for s in totals)
    ng = sum(s["good"] for s in totals)
    lo, hi = clopper_pearson(tp, nb)
    slo, shi = clopper_pearson(tn, ng)
    return (
        f"{'all':<34} sensitivity {tp / nb:.3f} [{lo:.3f}, {hi:.3f}] ({tp}/{nb}), "
        f"specificity {tn / ng:.3f} [{slo:.3f}, {shi:.3f}] ({tn}/{ng})"
    )


def line(name: str, s: dict) -> str:
    return (
        f"{name:<34} partners {s['assessed']:>4} assessed ({s['partners']}), bad {s['bad']:>3}: "
        f"sensitivity {s['sens']:.3f} [{s['sens_ci'][0]:.3f}, {s['sens_ci'][1]:.3f}] "
        f"({s['tp']}/{s['bad']}), specificity {s['spec']:.3f} "
        f"[{s['spec_ci'][0]:.3f}, {s['spec_ci'][1]:.3f}] ({s['tn']}/{s['good']}), "
        f"median first flag week {s['median_week']:.0f}; rival {s['ceiling']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer couples (development)")
    parser.add_argument("--tune", action="store_true", help="the grid, on the tuning seeds")
    parser.add_argument("--by-arc", action="store_true", help="flag rates per kind of arc")
    parser.add_argument("--oracle", action="store_true", help="what is possible (oracle bounds)")
    args = parser.parse_args()
    n_ref = 150 if args.quick else 300
    n_test = 100 if args.quick else 250
    t0 = time.time()
    ref_logs, ref_truth = synth_set(n_ref, REFERENCE_SEED)
    print(f"reference: trustdata.synth, {n_ref} couples, seed {REFERENCE_SEED}")
    if args.tune:
        sets = [(f"synth seed {s}", *synth_set(n_test, s)) for s in TUNING_SEEDS]
        sets.append((f"other seed {OTHER_TUNING_SEED}", *generate_other(n_test, OTHER_TUNING_SEED)))
        band = expected_recovery(ref_logs)
        rc = rc_thresholds(band, ref_logs)
        for name, logs, truth in sets:
            old = score(logs, truth, band, rc, forecast=False)
            print("band only (the old rule)     " + line(name, old))
        fits = {}
        for fq, wb, run in TUNE_GRID:
            if fq not in fits:
                fits[fq] = expected_recovery(ref_logs, forecast=True, forecast_quantile=fq)
            tot = []
            tag = f"forecast q {fq:.3f} run {run} band {'off' if wb == NO_BAND else wb}  "
            for name, logs, truth in sets:
                s = score(logs, truth, fits[fq], rc, forecast_run=run, weeks_below=wb)
                tot.append(s)
                print(tag + line(name, s))
            print(tag + pooled(tot))
        print(f"done in {time.time() - t0:.0f} s")
        return
    exp = expected_recovery(ref_logs)
    rc = rc_thresholds(exp, ref_logs)
    print(
        f"expected_recovery defaults: quantiles {exp.attrs['quantiles']}, reliable change "
        + ", ".join(f"{k} {v:.2f}" for k, v in rc.items())
        + f" points ({time.time() - t0:.0f} s)"
    )
    sets = [(f"held-out synth seed {s}", *synth_set(n_test, s)) for s in TEST_SEEDS]
    sets.append(
        (f"second generator seed {OTHER_TEST_SEED}", *generate_other(n_test, OTHER_TEST_SEED))
    )
    if args.oracle:
        n_train = 400 if args.quick else 1500
        train_sets = {
            "synth": synth_set(n_train, TUNING_SEEDS[0]),
            "other": generate_other(n_train, OTHER_TUNING_SEED),
        }
        oracle(ref_logs, ref_truth, rc, sets, train_sets)
        print(f"done in {time.time() - t0:.0f} s")
        return
    fexp = expected_recovery(ref_logs, forecast=True)
    for by_week in (BY_WEEK, LATER_WEEK):
        print(
            f"opt-in outcome forecast (forecast=True, quantile {FORECAST_QUANTILE}), flagged by "
            f"week {by_week}, for comparison:"
        )
        print("  " + pooled([score(lg, tr, fexp, rc, by_week=by_week) for _, lg, tr in sets]))
    for by_week in (BY_WEEK, 26, LATER_WEEK):
        print(
            f"--- flagged by week {by_week}"
            + (
                " (the issue's figure)"
                if by_week == BY_WEEK
                else " (flags at any week up to it, as outcome monitoring reports them; "
                "not tuned on)"
            )
        )
        totals = []
        for name, logs, truth in sets:
            s = score(logs, truth, exp, rc, by_week=by_week)
            totals.append(s)
            print(line(name, s))
            if args.by_arc:
                print(s["by_arc"].to_string())
        tp = sum(s["tp"] for s in totals)
        nb = sum(s["bad"] for s in totals)
        tn = sum(s["tn"] for s in totals)
        ng = sum(s["good"] for s in totals)
        lo, hi = clopper_pearson(tp, nb)
        slo, shi = clopper_pearson(tn, ng)
        print(
            f"{'all held-out':<34} sensitivity {tp / nb:.3f} [{lo:.3f}, {hi:.3f}] ({tp}/{nb}), "
            f"specificity {tn / ng:.3f} [{slo:.3f}, {shi:.3f}] ({tn}/{ng})"
        )
    print("targets: sensitivity >= 0.72 at specificity >= 0.90")
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

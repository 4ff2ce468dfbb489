"""How well does "not on track" by week 16 foretell no reliable improvement at 12 months?

Run from the repository root (2 cores are shared: be nice)::

    nice -n 10 .venv/bin/python benchmarks/not_on_track.py            # full
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --quick    # smaller, for development
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --tune     # the grid, on tuning seeds
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --oracle   # what is possible
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --audit    # the outcome label
    nice -n 10 .venv/bin/python benchmarks/not_on_track.py --triggers [--fresh]  # triggers

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

``--audit`` shows what the outcome label is made of (:func:`audit`): planted, by role and arc,
the band rule's flags per outcome stratum, and how a label measured from the noisy 12-month
check-ins would agree with it and with itself on a second noise draw.

``--triggers`` tries trigger-based predictors (:func:`triggers_as_predictors`) on the tuning
seeds; ``--triggers --fresh`` on the held-out seeds, once the rules were fixed.  It ends with a
what-if: the second generator with a trigger log planted to follow the level
(:data:`TRIGGER_LINK`), against a reference of the same generator (:data:`OTHER_REFERENCE_SEED`).
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
OTHER_REFERENCE_SEED = 601  # the reference of the --triggers what-if (second generator)
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


#: With ``generate_other(..., triggers=True)``: the log trigger rate falls this much per point
#: the planted level rises above the planted baseline (0.7: a full 3-point recovery cuts the
#: rate about eightfold, as ``trustdata.synth``'s start-to-12-month rates do for hurt partners).
#: An ASSUMPTION of this what-if, not a finding: it plants the link the trigger rules look for.
TRIGGER_LINK = 0.7


def _linked_triggers(rng, level, base, hurt, logged_span, anchor_monday, cp, ids) -> pd.DataFrame:
    """Poisson triggers per week at ``r0 * exp(-TRIGGER_LINK * (level - base))``."""
    P, W = level.shape
    r0 = np.where(hurt, rng.uniform(3.0, 8.0, P), rng.uniform(0.3, 1.5, P))
    r0 = np.where((~hurt) & (rng.random(P) < 0.5), 0.0, r0)  # half the involved log none
    rise = level - base[:, None]
    counts = rng.poisson(np.where(logged_span, r0[:, None] * np.exp(-TRIGGER_LINK * rise), 0))
    flat = np.repeat(np.arange(P * W), counts.ravel())
    tp, tw = np.divmod(flat, W)
    k = len(tp)
    day = anchor_monday[cp[tp]] + (tw * 7 + rng.integers(0, 7, k)).astype("timedelta64[D]")
    minute = rng.integers(7 * 60, 23 * 60, k).astype("timedelta64[m]")
    inten = np.clip(np.rint(7.0 - 0.8 * rise[tp, tw] + rng.normal(0, 1.3, k)), 1, 10)
    cats = np.array(schemas.TRIGGER_CATEGORIES, dtype=object)
    return pd.DataFrame(
        {
            "couple_id": ids[cp[tp]],
            "partner": np.where(hurt[tp], "A", "B"),
            "timestamp": (day.astype("datetime64[m]") + minute).astype("datetime64[ns]"),
            "category": cats[rng.integers(0, len(cats), k)],
            "intensity": inten.astype(int),
            "used_plan": rng.random(k) < 0.2 + 0.05 * np.clip(rise[tp, tw], 0, 6),
        }
    )


def generate_other(
    couples: int,
    seed: int,
    start: str = "2023-01-02",
    *,
    noise_seed: int | None = None,
    triggers: bool = False,
):
    """Logs and truth from the second generator (see the module docstring).

    Returns (logs, truth): ``truth`` has couple_id, partner, role, arc, gain (planted level at
    week 52 minus the planted baseline level); ``truth.attrs["level"]`` is the planted
    noise-free level minus the planted baseline level at aligned weeks 0..16 (partners x 17,
    rows in ``truth``'s order), for the oracle.  ``noise_seed`` redraws only the weekly AR(1)
    noise from its own generator (the same couples, arcs, missed weeks and gaps: a second
    measurement of the same planted arcs, for the audit of the outcome label); without it the
    output is that of earlier versions.  ``triggers=True`` adds a trigger log, drawn from its
    own generator (the rest unchanged), whose weekly rate follows the planted level through
    :data:`TRIGGER_LINK`: a what-if in which triggers carry the signal.
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
    if noise_seed is not None:  # the same draws are consumed above, so the rest is unchanged
        nrng = np.random.default_rng(noise_seed)
        eps = nrng.normal(size=(P, W)) * sd * np.sqrt(1 - phi**2)
        noise[:, 0] = nrng.normal(size=P) * sd[:, 0]
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
    trig = None
    if triggers:
        span = (w[None, :] >= lag[cp][:, None]) & (w[None, :] < n_weeks[cp][:, None])
        trig = _linked_triggers(
            np.random.default_rng([seed, 7919]), level, base, hurt, span, anchor_monday, cp, ids
        )
    logs = from_frames(checkins=checkins, triggers=trig, events=events)
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


# ------------------------------------------------------------------------------------------
# The outcome label: what it is made of, and how it would fare if measured
# ------------------------------------------------------------------------------------------


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two boolean labels."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    po = np.mean(a == b)
    pe = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return float((po - pe) / (1 - pe)) if pe < 1 else np.nan


def observed_label(logs, truth: pd.DataFrame, rc: dict, week: int = 52) -> np.ndarray:
    """The label as a clinic would measure it: the observed 4-week mean at ``week`` minus the
    observed baseline (both :mod:`trustdata.expected`'s numbers) under the reliable change.

    Per partner in ``truth``'s order: True (no reliable improvement), False, or NaN (no
    baseline or no 4-week mean at that week).
    """
    from trustdata.expected import _partner_weeks

    w = _partner_weeks(logs, measure="connection", window=4, baseline_weeks=4, baseline_by=12)
    w = w.loc[(w["aligned_week"] == week) & w["baseline"].notna() & w["rolling_mean"].notna()]
    w = w.assign(obs_gain=w["rolling_mean"] - w["baseline"])
    out = truth[["couple_id", "partner", "role"]].merge(
        w[["couple_id", "partner", "obs_gain"]], on=["couple_id", "partner"], how="left"
    )
    lab = (out["obs_gain"] < out["role"].map(rc)).astype(float)
    return lab.where(out["obs_gain"].notna()).to_numpy()


def audit(rc: dict, sets: list, n_other: int) -> None:
    """Print what the outcome label is made of and how noisy it would be if measured.

    1. The label is computed from the **planted, noise-free** level (module docstring, 3.):
       no measurement noise enters it, so two noise draws of the same planted arcs give the
       same label (agreement 1 by construction).
    2. Its make-up: per role and kind of arc, how many end badly, and how many planted gains
       lie within 0.25 points of the reliable change (a knife edge that a year of weekly
       scores must resolve).
    3. The label a clinic would compute instead, from the observed 4-week mean at week 52
       minus the observed baseline: its agreement with the planted label; and, on the second
       generator, its agreement with itself on a second, independent noise draw of the same
       arcs (:func:`generate_other` with ``noise_seed``).
    """
    print("--- the outcome label (audit)")
    print(
        "the label is planted: gain = planted level at week 52 minus planted baseline level, "
        "bad = gain < reliable change ("
        + ", ".join(f"{k} {v:.2f}" for k, v in rc.items())
        + " points); it holds no measurement noise (test-retest agreement 1 by construction)"
    )
    for name, logs, truth in sets:
        y = _labels(truth, rc)
        t = truth.assign(bad=y, edge=(truth["gain"] - truth["role"].map(rc)).abs() < 0.25)
        print(f"{name}: bad {int(y.sum())}/{len(y)}")
        tab = t.groupby(["role", "arc"]).agg(
            n=("bad", "size"), bad=("bad", "sum"), within_025_of_rc=("edge", "sum")
        )
        print(tab.to_string())
        obs = observed_label(logs, truth, rc)
        ok = ~np.isnan(obs)
        o = obs[ok].astype(bool)
        print(
            f"  observed label (4-week mean at week 52 minus observed baseline < RC), "
            f"{int(ok.sum())} partners with both: agreement with the planted label "
            f"{np.mean(o == y[ok]):.3f}, kappa {kappa(o, y[ok]):.3f}; observed bad "
            f"{int(o.sum())}, of the planted bad called bad {np.mean(o[y[ok]]):.3f}"
        )
    band = expected_recovery(sets[0][1])
    print(
        "the band rule's flags by week 16 by planted outcome (held-out sets pooled; the label "
        "is unchanged, this splits it):"
    )
    strata = (
        ("reliably worse (gain < -RC)", -np.inf, -1.0),
        ("worse (-RC <= gain < 0)", -1.0, 0.0),
        ("up, less than RC (0 <= gain < RC): still 'bad'", 0.0, 1.0),
        ("reliable improvement (gain >= RC): 'good'", 1.0, np.inf),
    )
    counts = {k: [0, 0] for k, _, _ in strata}
    for _name, logs, truth in sets[1:]:
        fw, assessed = band_flag_week(logs, truth, band)
        z = (truth["gain"] / truth["role"].map(rc)).to_numpy()
        for k, lo, hi in strata:
            m = assessed & (z >= lo) & (z < hi)
            counts[k][0] += int((~np.isnan(fw) & m).sum())
            counts[k][1] += int(m.sum())
    for k, (f, n) in counts.items():
        lo, hi = wilson(f, n)
        print(f"  {k:<48} flagged {f}/{n} = {f / n if n else np.nan:.3f} [{lo:.3f}, {hi:.3f}]")
    for seed in (OTHER_TUNING_SEED, OTHER_TEST_SEED):
        (l1, t1), (l2, _) = (
            generate_other(n_other, seed),
            generate_other(n_other, seed, noise_seed=seed + 10_000),
        )
        a, b = observed_label(l1, t1, rc), observed_label(l2, t1, rc)
        ok = ~np.isnan(a) & ~np.isnan(b)
        y = _labels(t1, rc)[ok]
        a, b = a[ok].astype(bool), b[ok].astype(bool)
        print(
            f"second generator seed {seed}, two noise draws of the same arcs ({int(ok.sum())} "
            f"partners): observed label test-retest agreement {np.mean(a == b):.3f}, kappa "
            f"{kappa(a, b):.3f}; planted label agreement 1.000 (kappa 1.000); observed vs "
            f"planted kappa {kappa(a, y):.3f} and {kappa(b, y):.3f}"
        )


# ------------------------------------------------------------------------------------------
# Triggers as predictors (tuning seeds first; --triggers --fresh for the held-out seeds)
# ------------------------------------------------------------------------------------------

TRIGGER_WINDOW = 4
#: The grid of trigger rules: (reference quantile of the trailing 4-week trigger count, weeks
#: running above it).
TRIGGER_GRID = ((0.8, 1), (0.8, 2), (0.9, 1), (0.9, 2), (0.9, 4), (0.95, 1), (0.95, 2))


def trigger_weeks(logs, truth: pd.DataFrame, last: int = BY_WEEK) -> dict:
    """Per partner in ``truth``'s order, what the trigger log shows in aligned weeks 0..last.

    ``count`` (partners x weeks) the triggers per week (0 where none, also when the partner
    logs no triggers at all); ``trailing`` the trailing 4-week count; ``intensity`` the sum
    and ``plan`` the number handled with the plan per week, ``plan_known`` the number with
    ``used_plan`` recorded; ``start`` the first week a rule may flag (the week after the
    partner's baseline, -1 without one) and ``any`` whether the partner logs any trigger.
    """
    from trustdata.expected import _partner_weeks

    w = _partner_weeks(logs, measure="connection", window=4, baseline_weeks=4, baseline_by=12)
    keys = ["couple_id", "partner"]
    idx = truth[keys].reset_index(drop=True).reset_index().rename(columns={"index": "row"})
    per = w.groupby(keys, as_index=False).agg(
        week=("week", "first"),
        aligned_week=("aligned_week", "first"),
        baseline_end=("baseline_end", "first"),
    )
    per["anchor_monday"] = per["week"] - pd.to_timedelta(7 * per["aligned_week"], unit="D")
    per = idx.merge(per, on=keys, how="left")
    anchor = per.drop_duplicates("couple_id").set_index("couple_id")["anchor_monday"]
    P, K = len(truth), last + 1
    out = {k: np.zeros((P, K)) for k in ("count", "intensity", "plan", "plan_known")}
    start = per["baseline_end"].fillna(-2).to_numpy(dtype=np.int64) + 1
    t = logs.triggers
    any_log = np.zeros(P, bool)
    if len(t):
        day = t["timestamp"].dt.normalize()
        mon = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
        aw = ((mon - t["couple_id"].map(anchor)).dt.days // 7).to_numpy()
        row = t[keys].merge(idx, on=keys, how="left")["row"].to_numpy()
        ok = ~np.isnan(aw) & ~np.isnan(row)
        any_log[np.unique(row[ok].astype(int))] = True
        ok &= (aw >= 0) & (aw <= last)
        r, c = row[ok].astype(int), aw[ok].astype(int)
        np.add.at(out["count"], (r, c), 1)
        inten = t["intensity"].to_numpy(dtype=float, na_value=np.nan)[ok]
        np.add.at(out["intensity"], (r, c), np.nan_to_num(inten))
        used = t["used_plan"]
        known = used.notna().to_numpy()[ok]
        np.add.at(out["plan_known"], (r, c), known)
        np.add.at(out["plan"], (r, c), used.fillna(False).to_numpy(dtype=bool)[ok])
    cs = np.cumsum(out["count"], axis=1)
    out["trailing"] = cs - np.concatenate(
        [np.zeros((P, TRIGGER_WINDOW)), cs[:, :-TRIGGER_WINDOW]], axis=1
    )
    out["start"] = np.where(start > 0, start, -1)
    out["any"] = any_log
    return out


def trigger_band(ref: dict, ref_truth: pd.DataFrame, q: float) -> dict[str, np.ndarray]:
    """The reference's ``q`` quantile of the trailing 4-week trigger count, per role and week,
    over its partners with a baseline (those who log no triggers count as 0)."""
    role = ref_truth["role"].to_numpy()
    has = ref["start"] > 0
    return {r: np.quantile(ref["trailing"][(role == r) & has], q, axis=0) for r in np.unique(role)}


def trigger_flag_week(tw: dict, truth: pd.DataFrame, band: dict, run: int) -> np.ndarray:
    """The first week (<= 16) the trailing count was above the band for ``run`` weeks running,
    counting only weeks after the partner's baseline and from week TRIGGER_WINDOW on; NaN
    when never (or no baseline)."""
    role = truth["role"].to_numpy()
    hi = np.vstack([band.get(r, np.full(tw["trailing"].shape[1], np.inf)) for r in role])
    weeks = np.arange(tw["trailing"].shape[1])[None, :]
    live = (weeks >= np.maximum(tw["start"][:, None], TRIGGER_WINDOW)) & (tw["start"][:, None] > 0)
    above = live & (tw["trailing"] > hi)
    runlen = np.zeros(above.shape)
    for j in range(above.shape[1]):
        runlen[:, j] = np.where(above[:, j], (runlen[:, j - 1] if j else 0) + 1, 0)
    hit = runlen >= run
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), np.nan)
    return first.astype(float)


def trigger_features(tw: dict) -> np.ndarray:
    """Per partner: log(1 + triggers a week) after the baseline to week 16, the change of the
    log rate from weeks 5-10 to 11-16, the mean intensity and the share handled with the plan
    (both NaN without triggers / records: filled later with the reference's mean)."""
    weeks = np.arange(tw["count"].shape[1])[None, :]
    live = (weeks >= tw["start"][:, None]) & (tw["start"][:, None] > 0)
    n = np.where(live, tw["count"], 0).sum(axis=1)
    nw = np.maximum(live.sum(axis=1), 1)
    early = tw["count"][:, 5:11].sum(axis=1) / 6
    late = tw["count"][:, 11:17].sum(axis=1) / 6
    with np.errstate(invalid="ignore", divide="ignore"):
        inten = np.where(live, tw["intensity"], 0).sum(axis=1) / np.where(n > 0, n, np.nan)
        known = np.where(live, tw["plan_known"], 0).sum(axis=1)
        plan = np.where(live, tw["plan"], 0).sum(axis=1) / np.where(known > 0, known, np.nan)
    return np.column_stack([np.log1p(n / nw), np.log1p(late) - np.log1p(early), inten, plan])


def partner_features(x: np.ndarray, truth: pd.DataFrame) -> np.ndarray:
    """The other partner's columns 1-4 of :func:`observed_features` (4-week means at weeks 8,
    12, 16 minus the baseline, slope), per partner in ``truth``'s order (NaN when none)."""
    df = pd.DataFrame(x[:, 1:5], columns=["m8", "m12", "m16", "slope"])
    df["couple_id"] = truth["couple_id"].to_numpy()
    df["partner"] = truth["partner"].to_numpy()
    out = np.full((len(df), 4), np.nan)
    for _, g in df.groupby("couple_id"):
        if len(g) == 2:
            i, j = g.index
            out[i], out[j] = (
                df.loc[j, ["m8", "m12", "m16", "slope"]],
                df.loc[i, ["m8", "m12", "m16", "slope"]],
            )
    return out


def _rates(flag_week: np.ndarray, bad: np.ndarray) -> dict:
    f = ~np.isnan(flag_week)
    tp, nb = int((f & bad).sum()), int(bad.sum())
    tn, ng = int((~f & ~bad).sum()), int((~bad).sum())
    return {
        "tp": tp,
        "bad": nb,
        "tn": tn,
        "good": ng,
        "weeks": flag_week[f],
    }


def rates_line(name: str, parts: list[dict]) -> str:
    tp, nb = sum(p["tp"] for p in parts), sum(p["bad"] for p in parts)
    tn, ng = sum(p["tn"] for p in parts), sum(p["good"] for p in parts)
    weeks = np.concatenate([p["weeks"] for p in parts]) if parts else np.array([])
    (lo, hi), (slo, shi) = wilson(tp, nb), wilson(tn, ng)
    med = f"{np.median(weeks):.0f}" if len(weeks) else "-"
    return (
        f"  {name:<52} sensitivity {tp / nb if nb else np.nan:.3f} [{lo:.3f}, {hi:.3f}] "
        f"({tp}/{nb}), specificity {tn / ng if ng else np.nan:.3f} [{slo:.3f}, {shi:.3f}] "
        f"({tn}/{ng}), median first flag week {med}"
    )


def band_flag_week(logs, truth: pd.DataFrame, expected: pd.DataFrame) -> tuple:
    """Per partner in ``truth``'s order: the band rule's first flag week by week 16 (NaN when
    none) and whether the partner is assessed by then (the benchmark's population)."""
    st = track_status(logs, expected)
    early = st.loc[st["aligned_week"] <= BY_WEEK]
    per = early.groupby(["couple_id", "partner"]).agg(
        assessed=("status", lambda s: bool((s != "not_assessed").any())),
        first=("first_flag_week", "min"),
    )
    per = truth[["couple_id", "partner"]].merge(
        per.reset_index(), on=["couple_id", "partner"], how="left"
    )
    return per["first"].to_numpy(dtype=float), per["assessed"].fillna(False).to_numpy(bool)


def triggers_as_predictors(ref_logs, ref_truth, rc, sets, label: str) -> None:
    """Print trigger rules alone, OR the band rule, and logistic models fitted on the reference
    (on the partner's observed scores, with trigger features, or with the other partner's
    scores: in both generators the partners of a couple mostly share the kind of arc).

    Wilson 95 % intervals; partners assessed by the band rule by week 16 are the population
    (as in :func:`score`).  The logistic models flag at week 16 only (their first flag week is
    16), with the threshold set on the REFERENCE to keep 90 % of its good outcomes unflagged;
    partners who log no triggers at all (all of the second generator's, half of
    ``trustdata.synth``'s involved partners) are scored by the scores-only model.
    """
    band = expected_recovery(ref_logs)
    ref_tw = trigger_weeks(ref_logs, ref_truth)
    ref_y = _labels(ref_truth, rc)
    rx, rok = observed_features(ref_logs, ref_truth)
    rtf = trigger_features(ref_tw)
    fill = np.nanmean(rtf[rok], axis=0)
    rtf = np.where(np.isnan(rtf), fill, rtf)
    models = {}
    rpf = partner_features(rx, ref_truth)
    for tag, cols in (
        ("scores", rx),
        ("scores + triggers", np.column_stack([rx[:, :-1], rtf, rx[:, -1:]])),
        ("scores + partner's scores", np.column_stack([rx[:, :-1], rpf, rx[:, -1:]])),
    ):
        use = rok & ~np.isnan(cols).any(axis=1)
        xtr, ytr = cols[use], ref_y[use]
        risk = logit_risk(xtr, ytr, xtr)
        thr = {
            r: np.quantile(risk[(xtr[:, -1] == r) & ~ytr], 0.90, method="higher")
            for r in np.unique(xtr[:, -1])
        }
        models[tag] = (xtr, ytr, thr)
    tbands = {q: trigger_band(ref_tw, ref_truth, q) for q in {q for q, _ in TRIGGER_GRID}}
    print(f"--- triggers as predictors, by week {BY_WEEK} ({label}; Wilson 95 % intervals)")
    res: dict[str, list] = {}
    gen: dict[str, list] = {}
    for name, logs, truth in sets:
        y = _labels(truth, rc)
        bw, assessed = band_flag_week(logs, truth, band)
        tw = trigger_weeks(logs, truth)
        logs_triggers = bool(tw["any"].any())
        a = assessed
        rows = {"band rule (the default)": bw}
        for q, run in TRIGGER_GRID:
            t = trigger_flag_week(tw, truth, tbands[q], run)
            rows[f"triggers above q{q:.2f} for {run}"] = t
            rows[f"band OR triggers above q{q:.2f} for {run}"] = np.fmin(bw, t)
        ox, ok = observed_features(logs, truth)
        tf = trigger_features(tw)
        tf = np.where(np.isnan(tf), fill, tf)
        pf = partner_features(ox, truth)
        xs = {
            "scores": ox,
            "scores + triggers": np.column_stack([ox[:, :-1], tf, ox[:, -1:]]),
            "scores + partner's scores": np.column_stack([ox[:, :-1], pf, ox[:, -1:]]),
        }
        risk, cut = {}, {}
        for tag, x in xs.items():
            xtr, ytr, thr = models[tag]
            use = ok & ~np.isnan(x).any(axis=1)
            risk[tag] = np.full(len(y), np.nan)
            risk[tag][use] = logit_risk(xtr, ytr, x[use])
            cut[tag] = np.array([thr.get(r, np.inf) for r in x[:, -1]])
        # partners who log no triggers at all: the scores-only model
        tag = "scores + triggers"
        risk[tag] = np.where(tw["any"], risk[tag], risk["scores"])
        cut[tag] = np.where(tw["any"], cut[tag], cut["scores"])
        # partners whose partner has no scores to show: the scores-only model
        tag = "scores + partner's scores"
        alone = np.isnan(risk[tag])
        risk[tag] = np.where(alone, risk["scores"], risk[tag])
        cut[tag] = np.where(alone, cut["scores"], cut[tag])
        for tag in xs:
            flag = np.where(risk[tag] > cut[tag], float(BY_WEEK), np.nan)
            rows[f"logistic on the reference: {tag}"] = flag
            gen.setdefault(tag, []).append(risk[tag][a])
        gen.setdefault("y", []).append(y[a])
        print(f"{name}: {int(a.sum())} partners assessed, triggers logged: {logs_triggers}")
        for k, fw in rows.items():
            part = _rates(fw[a], y[a])
            res.setdefault(k, []).append(part)
            print(rates_line(k, [part]))
    if len(sets) > 1:
        print("all sets pooled:")
        for k, parts in res.items():
            print(rates_line(k, parts))
    n_synth = sum(1 for name, _, _ in sets if name.startswith("synth"))
    if n_synth > 1:
        print("trustdata.synth sets pooled (the only ones with trigger logs):")
        for k, parts in res.items():
            print(rates_line(k, parts[:n_synth]))
    y = np.concatenate(gen.pop("y"))
    figs = []
    for k, v in gen.items():
        v = np.concatenate(v)
        has = ~np.isnan(v)
        figs.append(f"{k} {sens_at_spec(v[has & y], v[has & ~y]):.3f}")
    print(
        "  the logistic risks with one threshold set on these couples for specificity 0.90 "
        "(generous; all sets): sensitivity " + ", ".join(figs)
    )


def pooled(totals: list[dict], label: str = "all") -> str:
    """One line: sensitivity and specificity pooled over ``totals``, with Clopper-Pearson CIs."""
    tp = sum(s["tp"] for s in totals)
    nb = sum(s["bad"] for s in totals)
    tn = sum(s["tn"] for s in totals)
    ng = sum(s["good"] for s in totals)
    lo, hi = clopper_pearson(tp, nb)
    slo, shi = clopper_pearson(tn, ng)
    return (
        f"{label:<34} sensitivity {tp / nb:.3f} [{lo:.3f}, {hi:.3f}] ({tp}/{nb}), "
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
    parser.add_argument("--audit", action="store_true", help="what the outcome label is made of")
    parser.add_argument(
        "--triggers", action="store_true", help="triggers as predictors, on the tuning seeds"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="with --triggers: on the held-out seeds instead"
    )
    args = parser.parse_args()
    n_ref = 150 if args.quick else 300
    n_test = 100 if args.quick else 250
    t0 = time.time()
    ref_logs, ref_truth = synth_set(n_ref, REFERENCE_SEED)
    print(f"reference: trustdata.synth, {n_ref} couples, seed {REFERENCE_SEED}")
    if args.triggers:
        rc = rc_thresholds(None, ref_logs)
        seeds = TEST_SEEDS if args.fresh else TUNING_SEEDS
        other = OTHER_TEST_SEED if args.fresh else OTHER_TUNING_SEED
        sets = [(f"synth seed {s}", *synth_set(n_test, s)) for s in seeds]
        sets.append((f"second generator seed {other}", *generate_other(n_test, other)))
        label = "HELD-OUT seeds" if args.fresh else "tuning seeds"
        triggers_as_predictors(ref_logs, ref_truth, rc, sets, label)
        # the what-if: a world whose triggers follow the planted level, with its own reference
        w_ref = generate_other(n_ref, OTHER_REFERENCE_SEED, triggers=True)
        w_rc = rc_thresholds(None, w_ref[0])
        w_set = [(f"what-if seed {other}", *generate_other(n_test, other, triggers=True))]
        print(
            f"=== what-if: the second generator with triggers linked to the planted level "
            f"(TRIGGER_LINK {TRIGGER_LINK}); reference: the same, {n_ref} couples, seed "
            f"{OTHER_REFERENCE_SEED}; reliable change "
            + ", ".join(f"{k} {v:.2f}" for k, v in w_rc.items())
        )
        triggers_as_predictors(*w_ref, w_rc, w_set, label + ", what-if")
        print(f"done in {time.time() - t0:.0f} s")
        return
    if args.audit:
        rc = rc_thresholds(None, ref_logs)
        sets = [(f"reference seed {REFERENCE_SEED}", ref_logs, ref_truth)]
        sets += [(f"held-out synth seed {s}", *synth_set(n_test, s)) for s in TEST_SEEDS]
        sets.append(
            (f"second generator seed {OTHER_TEST_SEED}", *generate_other(n_test, OTHER_TEST_SEED))
        )
        audit(rc, sets, n_test)
        print(f"done in {time.time() - t0:.0f} s")
        return
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
        print(pooled(totals, "all held-out"))
    print("targets: sensitivity >= 0.72 at specificity >= 0.90")
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

"""How often ``find_setbacks`` is right, on setbacks planted by two different generators.

Run from the repository root (every figure of ``docs/setbacks.md`` is printed by the first)::

    nice -n 10 .venv/bin/python benchmarks/setback_accuracy.py            # about 10 minutes
    nice -n 10 .venv/bin/python benchmarks/setback_accuracy.py --quick    # about 1 minute
    nice -n 10 .venv/bin/python benchmarks/setback_accuracy.py --diagnose # the oracle's tables

Two generators of planted setbacks:

- ``synth``: :func:`trustdata.synth.generate` (sudden drops of 3-6 points held 1-8 weeks then a
  linear recovery over 1-4 weeks, independent noise SD 0.4-0.8, recovery arcs);
- ``dips``: ``benchmarks/_dips.py`` (three dip shapes, 2-8 weeks, 2-5 points, AR(1) noise SD
  0.3-1.0, on steep rises and plateaus).

Seeds: the defaults were tuned **only** on the tuning seeds 1, 2 and 3 of both generators (200
couples each; the two-state model's paired check also read seeds 4-9, never fresh); every
figure under "fresh" comes from seeds never used while tuning (6161 and 6162, 500 couples each,
unless changed with ``--fresh-seeds``; the earlier rounds' fresh seeds 2026, 2027, 5151 and
5152 were scored by earlier rounds, so they are noted as such).

1. **Tuning set**: the defaults, and each option moved alone around them (sensitivity).
   ``--search N`` runs a random search like the ones the defaults came from (N settings drawn
   with a fixed seed from :data:`SPACE`, ranked by the mean of the two generators' F1; the
   defaults were picked from about 250 such settings, over several versions of the rules).
2. **Fresh seeds**: tp / fp / fn, precision, recall and F1 per generator and seed, then by depth,
   length and noise level (bins below), pooled over the fresh seeds, with the targets; and the
   **oracle bound**: the same scan of mean shifts (rules 4-6 of ``find_setbacks``) applied to
   ``score - planted level`` with the planted noise SD and AR(1) coefficient, i.e. what it can
   do when the trend and the noise are known exactly (its three thresholds picked on the
   tuning seeds per generator).
3. **Baseline**: ruptures' PELT with the l2 cost on each partner's weekly series, run as
   ``KernelCPD(kernel="linear").predict(pen=...)`` (ruptures' C implementation of PELT for
   that cost: the change points of ``Pelt(model="l2", jump=1)``, some 300 times faster).  A
   segment whose mean lies at least ``drop`` points below the segment before it is a setback
   (start: its first week; end: the first week of the next segment, or ongoing).  The penalty
   ``beta * noise**2 * log(n)`` (noise: the partner's robust noise estimate) and ``drop`` are
   tuned on the same tuning seeds, then scored on the same fresh seeds.
4. Dates of the matched setbacks and (``synth`` only) how sudden losses line up with planted
   setbacks.

Matching (:func:`trustdata.setbacks.score_detection`): a detection matches a planted setback of
the same partner when their intervals overlap or their starts are at most 2 weeks apart; each is
matched at most once.  In the bins, **recall** uses the planted setback's depth, length and the
partner's planted noise SD; **precision** uses the detection's own depth and length (``weeks``)
and the partner's planted noise SD (a false alarm has no planted depth).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

# This checkout's package and the benchmarks' helpers come first (not an installed trustdata).
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from _dips import generate as generate_dips  # noqa: E402

from trustdata import schemas, synth  # noqa: E402
from trustdata import setbacks as sb  # noqa: E402
from trustdata.setbacks import (  # noqa: E402
    _diff_noise,
    _episodes,
    _Rules,
    _scan,
    _select,
    _series_codes,
    _weekly_scores,
    find_setbacks,
    score_detection,
    sudden_losses,
)

TUNING_SEEDS = (1, 2, 3)
#: Fresh seeds of earlier rounds: scored many times while rules were compared, so no longer
#: fresh (kept here so that no later round tunes on them or mistakes them for fresh ones).
PREVIOUS_FRESH_SEEDS = (2026, 2027, 5151, 5152)
#: Drawn for the round of the two-state model (``setback_twostate.py``), committed before the
#: model was scored on them, scored once.  (5151 and 5152: the rounds before, scored once
#: each with the rule before the model.)
FRESH_SEEDS = (6161, 6162)
GENERATORS = ("synth", "dips")
DEFAULTS = {
    "trend_weeks": 8,
    "z": 3.0,
    "min_shift": 1.0,
    "min_depth": 2.0,
    "max_weeks": 8,
    "recover_within": 1.0,
}
#: The random search's space (``--search N``).
SPACE = {
    "trend_weeks": [6, 8, 10, 13],
    "z": [3.0, 3.25, 3.5, 4.0],
    "min_shift": [0.75, 1.0, 1.25, 1.5],
    "min_depth": [1.5, 2.0],
    "max_weeks": [6, 8, 10],
    "recover_within": [0.75, 1.0],
}
SWEEP = {
    "trend_weeks": [6, 8, 10, 13],
    "z": [3.0, 3.25, 3.5, 4.0],
    "min_shift": [0.75, 1.0, 1.5],
    "min_depth": [1.5, 2.0, 2.5],
    "max_weeks": [6, 8, 10],
    "recover_within": [0.75, 1.0, 1.25],
}
#: The oracle's grid (tuned on the tuning seeds, per generator, by F1 at noise SD <= 0.8).
ORACLE_Z = [3.0, 3.5, 4.0]
ORACLE_SHIFT = [1.0, 1.5]
ORACLE_DEPTH = [1.5, 2.0]
DEPTH_BINS = [2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 10.0]
LENGTH_BINS = [1, 2, 3, 4, 6, 8, 100]
NOISE_BINS = [0.0, 0.4, 0.6, 0.8, 0.9, 1.0]
PELT_BETA = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
PELT_DROP = [1.0, 1.5, 2.0]


class Set:
    """One generated set: check-ins, planted truth (with ``length_weeks`` and ``noise_sd``)
    and each partner's planted noise SD."""

    def __init__(self, kind: str, seed: int, couples: int) -> None:
        self.kind, self.seed, self.couples = kind, seed, couples
        if kind == "synth":
            syn = synth.generate(couples=couples, seed=seed, text=False)
            self.noise = syn.params[["couple_id", "partner", "noise_sd"]]
            truth = syn.setbacks.assign(
                length_weeks=syn.setbacks["weeks_at_depth"] + syn.setbacks["recovery_weeks"]
            )
            self.truth = truth.merge(self.noise, on=["couple_id", "partner"], how="left")
            self.checkins = syn.logs.checkins
        else:
            dips = generate_dips(couples=couples, seed=seed)
            self.noise = dips.params[["couple_id", "partner", "noise_sd"]]
            self.truth = dips.setbacks
            self.checkins = dips.checkins
            self.levels = dips.levels


def match(detected: pd.DataFrame, truth: pd.DataFrame, margin_weeks: int = 2):
    """Which detections and which planted setbacks are matched: the rule of
    :func:`trustdata.setbacks.score_detection` (checked against it in :func:`evaluate`)."""
    keys = ["couple_id", "partner"]
    det = detected[[*keys, "start", "end"]].reset_index(drop=True)
    tru = truth[[*keys, "start", "end"]].reset_index(drop=True)
    det_hit = np.zeros(len(det), dtype=bool)
    tru_hit = np.zeros(len(tru), dtype=bool)
    if len(det) and len(tru):
        pairs = det.assign(_d=np.arange(len(det))).merge(
            tru.assign(_t=np.arange(len(tru))), on=keys, suffixes=("_d", "_t")
        )
        far = pd.Timestamp.max.as_unit("ns")
        gap = (pairs["start_d"] - pairs["start_t"]).abs()
        overlap = (pairs["start_d"] <= pairs["end_t"].fillna(far)) & (
            pairs["start_t"] <= pairs["end_d"].fillna(far)
        )
        near = gap <= pd.Timedelta(weeks=margin_weeks)
        pairs = pairs.assign(_gap=gap).loc[overlap | near].sort_values(["_gap", "_t", "_d"])
        for d, t in zip(pairs["_d"].tolist(), pairs["_t"].tolist(), strict=True):
            if not det_hit[d] and not tru_hit[t]:
                det_hit[d] = tru_hit[t] = True
    return det_hit, tru_hit


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else np.nan,
        "recall": tp / (tp + fn) if tp + fn else np.nan,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan,
    }


def evaluate(sets: list[Set], detect: Callable[[pd.DataFrame], pd.DataFrame]):
    """Detections and truth of several sets, each row flagged ``hit``, plus pooled scores."""
    det_all, tru_all = [], []
    for s in sets:
        found = detect(s.checkins)
        det_hit, tru_hit = match(found, s.truth)
        check = score_detection(found, s.truth).iloc[0]
        assert int(check["tp"]) == int(det_hit.sum()) == int(tru_hit.sum())
        det_all.append(
            found.assign(hit=det_hit, seed=s.seed).merge(
                s.noise, on=["couple_id", "partner"], how="left"
            )
        )
        tru_all.append(s.truth.assign(hit=tru_hit, seed=s.seed))
    det = pd.concat(det_all, ignore_index=True)
    tru = pd.concat(tru_all, ignore_index=True)
    tp = int(tru["hit"].sum())
    return det, tru, prf(tp, len(det) - tp, len(tru) - tp)


def pooled(sets: list[Set], **options: float) -> dict[str, float]:
    return evaluate(sets, lambda ck: find_setbacks(ck, **options))[2]


def binned(det: pd.DataFrame, tru: pd.DataFrame, by: str) -> pd.DataFrame:
    """Precision (detections' own bin) and recall (planted bin) per bin of depth/length/noise."""
    if by == "depth":
        t_val, d_val, bins = tru["depth"], det["depth"], DEPTH_BINS
    elif by == "length":
        t_val, d_val, bins = tru["length_weeks"], det["weeks"], LENGTH_BINS
    else:
        t_val, d_val, bins = tru["noise_sd"], det["noise_sd"], NOISE_BINS
    right = by != "depth"
    t_bin = pd.cut(t_val, bins, right=right)
    d_bin = pd.cut(d_val, bins, right=right)
    rec = tru.groupby(t_bin, observed=False)["hit"].agg(["size", "mean"])
    pre = det.groupby(d_bin, observed=False)["hit"].agg(["size", "mean"])
    out = pd.DataFrame(
        {
            by: [_label(b, by) for b in rec.index],
            "planted": rec["size"].to_numpy(),
            "recall": rec["mean"].to_numpy(),
            "found": pre["size"].to_numpy(),
            "precision": pre["mean"].to_numpy(),
        }
    )
    return out.loc[(out["planted"] > 0) | (out["found"] > 0)]


def _label(interval: pd.Interval, by: str) -> str:
    lo, hi = interval.left, interval.right
    if by == "length":
        lo, hi = int(lo) + 1, int(hi)
        return f"{lo}" if lo == hi else (f"{lo}+" if hi >= 100 else f"{lo}-{hi}")
    if by == "depth":
        return f"{lo:g}+" if hi >= 10 else f"[{lo:g}, {hi:g})"
    return f"({lo:g}, {hi:g}]"


def at_most_noise(det: pd.DataFrame, tru: pd.DataFrame, top: float) -> dict[str, float]:
    d = det.loc[det["noise_sd"] <= top]
    t = tru.loc[tru["noise_sd"] <= top]
    tp = int(t["hit"].sum())
    return prf(tp, len(d) - int(d["hit"].sum()), len(t) - tp)


# --- the oracle: the scan on the planted level, with the planted noise ---------------------------


class Planted:
    """A set's weekly scores (one row per partner and observed week, sorted) with the planted
    noise-free level (without the setbacks), the planted offset below it (``dips``; 0 for
    ``synth``) and the planted noise SD and AR(1) coefficient."""

    def __init__(self, s: Set) -> None:
        ck = s.checkins
        offset = np.zeros(len(ck))
        if s.kind == "dips":
            level = s.levels["level"].to_numpy(dtype="float64")
            offset = s.levels["offset"].to_numpy(dtype="float64")
            gen = generate_dips(couples=s.couples, seed=s.seed)
            params = gen.params[["couple_id", "partner", "noise_sd", "ar"]]
        else:
            syn = synth.generate(couples=s.couples, seed=s.seed, text=False)
            level = synth.underlying_level(syn.params, ck).to_numpy(dtype="float64")
            params = syn.params[["couple_id", "partner", "noise_sd"]].assign(ar=0.0)
        frame = pd.DataFrame(
            {
                "couple_id": ck["couple_id"].astype("str").to_numpy(),
                "partner": ck["partner"].astype("str").to_numpy(),
                "week": schemas.week_start(ck["date"]).to_numpy(),
                "score": ck["connection"].to_numpy(dtype="float64", na_value=np.nan),
                "level": level,
                "offset": offset,
            }
        ).dropna(subset=["score"])
        keys = ["couple_id", "partner", "week"]
        frame = frame.groupby(keys, as_index=False)[["score", "level", "offset"]].mean()
        self.frame = frame.merge(params, on=["couple_id", "partner"], how="left")
        c, p = self.frame["couple_id"].to_numpy(), self.frame["partner"].to_numpy()
        self.first = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (p[1:] != p[:-1])])
        self.code = _series_codes(self.first, len(self.frame))
        week = self.frame["week"].to_numpy()
        self.t = ((week - week[self.first][self.code]) // np.timedelta64(7, "D")).astype(float)


def _episode_frame(f, first, code, i_lo, i_hi) -> pd.DataFrame:
    """Episodes (first and last low row of each) as couple, partner, start and end weeks."""
    ends = np.append(first, len(f))[code[i_lo] + 1]
    week = f["week"].to_numpy()
    has = i_hi + 1 < ends
    end = np.where(has, week[np.where(has, i_hi + 1, 0)], np.datetime64("NaT"))
    return pd.DataFrame(
        {
            "couple_id": f["couple_id"].to_numpy()[i_lo],
            "partner": f["partner"].to_numpy()[i_lo],
            "start": week[i_lo],
            "end": pd.Series(end).astype("datetime64[ns]"),
        }
    )


def oracle_setbacks(p: Planted, *, z: float, shift: float, depth: float) -> pd.DataFrame:
    """Rules 4-6 of ``find_setbacks`` (the AR(1) GLR scan of 2-8-week windows, the greedy
    choice, the episodes) on ``score - planted level`` with the planted noise SD (with the
    whole-point rounding: ``sqrt(noise_sd**2 + 1/12)``) and AR coefficient: what a scan of
    mean shifts can do when the trend and the noise are known exactly."""
    f, first, code = p.frame, p.first, p.code
    resid = f["score"].to_numpy() - f["level"].to_numpy()
    sd = np.sqrt(f["noise_sd"].to_numpy()[first] ** 2 + 1 / 12)
    ar = f["ar"].to_numpy()[first]
    rules = _Rules(z=z, min_shift=shift, min_depth=depth, max_weeks=8, recover_within=1.0)
    row, length, zz = _scan(resid, p.t, first, code, ar, sd, rules)
    lo, hi = _select(row, length, zz, code, len(first))
    i_lo, _, i_hi = _episodes(lo, hi, resid, code, rules)
    return _episode_frame(f, first, code, i_lo, i_hi)


def oracle_bound(tuning: dict[str, list[Set]], fresh: dict[str, list[Set]]) -> pd.DataFrame:
    """Per generator: the oracle's grid point best on the tuning seeds (F1 at noise SD <= 0.8),
    scored on the fresh seeds (the same figures as for ``find_setbacks``)."""
    rows = []
    for g in GENERATORS:
        planted = [Planted(s) for s in tuning[g]]
        best, best_f1 = None, -1.0
        for z, shift, depth in itertools.product(ORACLE_Z, ORACLE_SHIFT, ORACLE_DEPTH):
            options = {"z": z, "shift": shift, "depth": depth}
            det, tru = _scored(tuning[g], planted, options)
            f1 = at_most_noise(det, tru, 0.8)["f1"]
            if f1 > best_f1:
                best, best_f1 = options, f1
        det, tru = _scored(fresh[g], [Planted(s) for s in fresh[g]], best)
        rows.append({"generator": g, **best, **_targets_row(det, tru)})
    return pd.DataFrame(rows)


def _scored(sets: list[Set], planted: list[Planted], options: dict) -> tuple[pd.DataFrame, ...]:
    det_all, tru_all = [], []
    for s, p in zip(sets, planted, strict=True):
        found = oracle_setbacks(p, **options)
        det_hit, tru_hit = match(found, s.truth)
        det_all.append(
            found.assign(hit=det_hit).merge(s.noise, on=["couple_id", "partner"], how="left")
        )
        tru_all.append(s.truth.assign(hit=tru_hit))
    return pd.concat(det_all, ignore_index=True), pd.concat(tru_all, ignore_index=True)


def _targets_row(det: pd.DataFrame, tru: pd.DataFrame) -> dict[str, float]:
    """Precision, recall, F1, F1 at noise SD <= 0.8 and the three other targets' figures."""
    tp = int(tru["hit"].sum())
    total = prf(tp, len(det) - tp, len(tru) - tp)
    return {
        "precision": total["precision"],
        "recall": total["recall"],
        "f1": total["f1"],
        "f1_noise<=0.8": at_most_noise(det, tru, 0.8)["f1"],
        "recall_2_weeks": tru.loc[tru["length_weeks"] == 2, "hit"].mean(),
        "recall_2.5-3_points": tru.loc[(tru["depth"] >= 2.5) & (tru["depth"] < 3.0), "hit"].mean(),
        "precision_noise>0.9": det.loc[det["noise_sd"] > 0.9, "hit"].mean(),
    }


def swapped_setbacks(
    s: Set, p: Planted, *, level: bool, noise: bool, exclude: bool = False
) -> pd.DataFrame:
    """``find_setbacks`` (defaults) with its trend and / or its noise and AR coefficient
    replaced by the planted ones (``dips``: one check-in a week, so the weekly rows of
    ``find_setbacks`` are the rows of :class:`Planted`).  ``exclude``: its own trend and noise,
    but fitted on exactly the weeks without a planted offset (no trimming): what knowing
    *which* weeks are setbacks would be worth."""
    f, first, code, t = p.frame, p.first, p.code, p.t
    score = f["score"].to_numpy()
    n, n_series = len(score), len(first)
    rules = _Rules(
        z=DEFAULTS["z"],
        min_shift=DEFAULTS["min_shift"],
        min_depth=DEFAULTS["min_depth"],
        max_weeks=DEFAULTS["max_weeks"],
        recover_within=DEFAULTS["recover_within"],
    )
    lo, hi = sb._trend_windows(first, code, n, DEFAULTS["trend_weeks"])
    noise0 = _diff_noise(score, first, code)
    outside = (f["offset"].to_numpy() <= 0).astype("float64")
    weight = outside if exclude else np.ones(n)
    for k in range(sb._TRIM_FITS + 1):
        trend = sb._trend(score, t, weight, lo, hi, flat=k == 0)
        weight = (score - trend >= -sb._TRIM * noise0[code]).astype("float64")
        if exclude:
            weight = outside
    keep = weight > 0
    resid = score - trend
    sd = sb._upper_noise(resid, keep, code, n_series)
    ar = sb._lag1(resid, keep, t, code, sd, n_series)
    if level:
        resid = score - f["level"].to_numpy()
    if noise:
        sd = np.sqrt(f["noise_sd"].to_numpy()[first] ** 2 + 1 / 12)
        ar = f["ar"].to_numpy()[first]
    resid[(np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS] = np.nan
    row, length, z = _scan(resid, t, first, code, ar, sd, rules)
    w_lo, w_hi = _select(row, length, z, code, n_series)
    i_lo, _, i_hi = _episodes(w_lo, w_hi, resid, code, rules)
    return _episode_frame(f, first, code, i_lo, i_hi)


def diagnose(tuning: dict[str, list[Set]], fresh: dict[str, list[Set]]) -> None:
    """``--diagnose``: where ``find_setbacks`` loses against the oracle (tuning seeds, the
    planted trend and noise swapped in one at a time), and the oracle's precision-recall
    trade-off on the fresh ``dips`` seeds (a description of the bound, not a tuning)."""
    sets = tuning["dips"]
    planted = [Planted(s) for s in sets]
    rows = []
    swaps = [(False, False, False), (False, True, False), (True, False, False)]
    swaps += [(True, True, False), (False, False, True)]
    for level, noise, exclude in swaps:
        det_all, tru_all = [], []
        for s, p in zip(sets, planted, strict=True):
            found = swapped_setbacks(s, p, level=level, noise=noise, exclude=exclude)
            det_hit, tru_hit = match(found, s.truth)
            det_all.append(
                found.assign(hit=det_hit).merge(s.noise, on=["couple_id", "partner"], how="left")
            )
            tru_all.append(s.truth.assign(hit=tru_hit))
        det, tru = pd.concat(det_all, ignore_index=True), pd.concat(tru_all, ignore_index=True)
        rows.append(
            {
                "trend": "planted" if level else ("own, dips left out" if exclude else "its own"),
                "noise": "planted" if noise else ("own, dips left out" if exclude else "its own"),
                **_targets_row(det, tru),
            }
        )
    print("dips, tuning seeds: find_setbacks with the planted trend and / or noise swapped in")
    print(show(pd.DataFrame(rows)))
    planted = [Planted(s) for s in fresh["dips"]]
    rows = []
    for z, depth in itertools.product([2.0, 2.5, 3.0], [1.5, 2.0]):
        options = {"z": z, "shift": 1.0, "depth": depth}
        det, tru = _scored(fresh["dips"], planted, options)
        rows.append({**options, **_targets_row(det, tru)})
    print("\ndips, fresh seeds: the oracle's trade-off (min_shift 1)")
    print(show(pd.DataFrame(rows)))


# --- ruptures baseline ---------------------------------------------------------------------------


def pelt_setbacks(checkins: pd.DataFrame, *, beta: float, drop: float) -> pd.DataFrame:
    """Setbacks from PELT (l2 cost) change points on each partner's weekly series (module doc)."""
    import ruptures as rpt

    weekly = _weekly_scores(checkins, "connection")
    score = weekly["score"].to_numpy(dtype="float64")
    new = np.r_[
        True,
        (weekly["couple_id"].to_numpy()[1:] != weekly["couple_id"].to_numpy()[:-1])
        | (weekly["partner"].to_numpy()[1:] != weekly["partner"].to_numpy()[:-1]),
    ]
    first = np.flatnonzero(new)
    code = _series_codes(first, len(score))
    noise = _diff_noise(score, first, code)
    bounds = np.append(first, len(score))
    week = weekly["week"].to_numpy()
    rows = []
    for s in range(len(first)):
        a, b = bounds[s], bounds[s + 1]
        y = score[a:b]
        if len(y) < 4:
            continue
        pen = beta * noise[s] ** 2 * np.log(len(y))
        cuts = rpt.KernelCPD(kernel="linear", min_size=1).fit(y).predict(pen=pen)
        edges = [0, *cuts]
        means = [y[edges[k] : edges[k + 1]].mean() for k in range(len(edges) - 1)]
        for k in range(1, len(means)):
            if means[k] <= means[k - 1] - drop:
                start = a + edges[k]
                end = a + edges[k + 1] if k + 1 < len(means) else None
                rows.append(
                    {
                        "couple_id": weekly["couple_id"].iat[a],
                        "partner": weekly["partner"].iat[a],
                        "start": week[start],
                        "end": week[end] if end is not None else pd.NaT,
                        "depth": means[k - 1] - y[edges[k] : edges[k + 1]].min(),
                        "weeks": int(edges[k + 1] - edges[k]),
                    }
                )
    out = pd.DataFrame(rows, columns=["couple_id", "partner", "start", "end", "depth", "weeks"])
    out["start"] = out["start"].astype("datetime64[ns]")
    out["end"] = out["end"].astype("datetime64[ns]")
    return out


def partner_years(checkins: pd.DataFrame) -> float:
    """Calendar weeks from each partner's first to last check-in (both counted), in years."""
    week = schemas.week_start(checkins["date"])
    span = week.groupby([checkins["couple_id"], checkins["partner"]], observed=True).agg(
        ["min", "max"]
    )
    return float(((span["max"] - span["min"]).dt.days / 7 + 1).sum() / 52.18)


# --- dates and sudden losses ---------------------------------------------------------------------


def date_accuracy(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """For each planted setback, the detection of the same partner with the nearest start
    (within 2 weeks): share with the start in the planted week, and end errors in weeks."""
    t = truth.assign(
        t_start=schemas.week_start(truth["start"]),
        t_end=schemas.week_start(truth["end"]),
        _t=np.arange(len(truth)),
    )
    pairs = t[["couple_id", "partner", "t_start", "t_end", "_t"]].merge(
        found[["couple_id", "partner", "start", "end"]], on=["couple_id", "partner"]
    )
    gap = (pairs["start"] - pairs["t_start"]).abs()
    pairs = pairs.loc[gap <= pd.Timedelta(weeks=2)].assign(_gap=gap)
    pairs = pairs.sort_values("_gap").drop_duplicates("_t")
    both = pairs.dropna(subset=["end", "t_end"])
    end_err = (both["end"] - both["t_end"]).dt.days / 7
    return {
        "start_same_week": float((pairs["start"] == pairs["t_start"]).mean()),
        "end_same_week": float((end_err == 0).mean()),
        "end_within_1_week": float((end_err.abs() <= 1).mean()),
    }


def sudden_loss_overlap(ck: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    losses = sudden_losses(ck)
    t = truth.assign(t_week=schemas.week_start(truth["start"]))
    pairs = losses.merge(t, on=["couple_id", "partner"])
    near = (pairs["post_date"] - pairs["t_week"]).abs() <= pd.Timedelta(weeks=1)
    hit_losses = pairs.loc[near, ["couple_id", "partner", "post_date"]].drop_duplicates()
    hit_truth = pairs.loc[near, ["couple_id", "partner", "t_week"]].drop_duplicates()
    return {
        "sudden_losses": len(losses),
        "at_a_planted_start": len(hit_losses) / len(losses) if len(losses) else np.nan,
        "planted_starting_with_one": len(hit_truth) / len(truth) if len(truth) else np.nan,
    }


def show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sets, no sensitivity sweep")
    parser.add_argument("--tune-couples", type=int, default=None)
    parser.add_argument("--fresh-couples", type=int, default=None)
    parser.add_argument("--fresh-seeds", type=int, nargs="+", default=list(FRESH_SEEDS))
    parser.add_argument("--search", type=int, default=0, help="random-search N settings")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the ruptures baseline")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="only: the trend / noise swaps and the oracle's trade-off (docs' two tables)",
    )
    args = parser.parse_args()
    tune_n = args.tune_couples or (60 if args.quick else 200)
    fresh_n = args.fresh_couples or (120 if args.quick else 500)
    if set(args.fresh_seeds) & set(TUNING_SEEDS):
        parser.error(f"fresh seeds must not be tuning seeds {list(TUNING_SEEDS)}")
    if set(args.fresh_seeds) & set(PREVIOUS_FRESH_SEEDS):
        print(f"note: seeds {list(PREVIOUS_FRESH_SEEDS)} are an earlier round's fresh seeds")
    clock = time.perf_counter()

    tuning = {g: [Set(g, s, tune_n) for s in TUNING_SEEDS] for g in GENERATORS}
    fresh = {g: [Set(g, s, fresh_n) for s in args.fresh_seeds] for g in GENERATORS}
    for name, sets in (("tuning", tuning), ("fresh", fresh)):
        for g in GENERATORS:
            seeds = [s.seed for s in sets[g]]
            n_truth = sum(len(s.truth) for s in sets[g])
            print(
                f"{name} {g}: seeds {seeds}, {sets[g][0].couples} couples each, "
                f"{n_truth} planted setbacks"
            )

    if args.diagnose:
        diagnose(tuning, fresh)
        return

    print("\n== 1. tuning set ==")
    print(f"defaults {DEFAULTS}")
    print(show(pd.DataFrame([{"generator": g, **pooled(tuning[g])} for g in GENERATORS])))
    if args.search:
        rng = random.Random(10)
        rows = []
        for _ in range(args.search):
            options = {k: rng.choice(v) for k, v in SPACE.items()}
            f1 = {g: pooled(tuning[g], **options)["f1"] for g in GENERATORS}
            rows.append({**options, **{f"f1_{g}": f1[g] for g in GENERATORS}})
        search = pd.DataFrame(rows)
        search["mean_f1"] = search[[f"f1_{g}" for g in GENERATORS]].mean(axis=1)
        print(f"\nrandom search, {args.search} settings, best 10 by mean F1:")
        print(show(search.sort_values("mean_f1", ascending=False).head(10)))
    if not (args.quick or args.no_sweep):
        print("\nsensitivity (one option moved, F1 on the tuning set):")
        rows = []
        for name, values in SWEEP.items():
            for value in values:
                options = {**DEFAULTS, name: value}
                row = {"option": name, "value": f"{value}{' *' if value == DEFAULTS[name] else ''}"}
                for g in GENERATORS:
                    r = pooled(tuning[g], **options)
                    row |= {f"{g}_p": r["precision"], f"{g}_r": r["recall"], f"{g}_f1": r["f1"]}
                rows.append(row)
        print(show(pd.DataFrame(rows)))

    print(f"\n== 2. fresh seeds {args.fresh_seeds} (never tuned on), defaults ==")
    results = {}
    rows = []
    for g in GENERATORS:
        for s in fresh[g]:
            rows.append({"generator": g, "seed": s.seed, **evaluate([s], find_setbacks)[2]})
        det, tru, total = evaluate(fresh[g], find_setbacks)
        results[g] = (det, tru)
        rows.append({"generator": g, "seed": "all", **total})
    print(show(pd.DataFrame(rows)))
    for g in GENERATORS:
        det, tru = results[g]
        for by in ("depth", "length", "noise"):
            print(f"\n{g}: by {by}")
            print(show(binned(det, tru, by)))
    print("\ntargets (fresh seeds):")
    targets = []
    for g in GENERATORS:
        det, tru = results[g]
        low = at_most_noise(det, tru, 0.8)
        two = tru.loc[tru["length_weeks"] == 2, "hit"]
        shallow = tru.loc[(tru["depth"] >= 2.5) & (tru["depth"] < 3.0), "hit"]
        noisy = det.loc[det["noise_sd"] > 0.9, "hit"]
        targets += [
            (g, "F1 at noise SD <= 0.8", low["f1"], 0.95),
            (g, f"recall, 2-week setbacks (n={len(two)})", two.mean(), 0.90),
            (g, f"recall, [2.5, 3) point setbacks (n={len(shallow)})", shallow.mean(), 0.90),
            (g, f"precision at noise SD 0.9-1.0 (n={len(noisy)})", noisy.mean(), 0.90),
        ]
    print(
        show(
            pd.DataFrame(
                [
                    {
                        "generator": g,
                        "target": what,
                        "value": v,
                        "goal": f">= {goal}",
                        "met": "-" if np.isnan(v) else ("yes" if v >= goal else "NO"),
                    }
                    for g, what, v, goal in targets
                ]
            )
        )
    )
    print(
        "\noracle bound (fresh): the same scan on score - planted level, with the planted noise"
        " SD and AR(1) coefficient (grid point best on the tuning seeds, per generator)"
    )
    print(show(oracle_bound(tuning, fresh)))
    print("\nfind_setbacks on the same figures (fresh):")
    print(show(pd.DataFrame([{"generator": g, **_targets_row(*results[g])} for g in GENERATORS])))

    print("\nfalse alarms per partner-year of logs (fresh; a year = 52.18 calendar weeks):")
    rows = []
    for g in GENERATORS:
        det, _ = results[g]
        years = sum(partner_years(s.checkins) for s in fresh[g])
        rows.append(
            {
                "generator": g,
                "false_alarms": int((~det["hit"]).sum()),
                "partner_years": years,
                "per_partner_year": int((~det["hit"]).sum()) / years,
            }
        )
    print(show(pd.DataFrame(rows)))

    print("\ndates of the matched setbacks (fresh):")
    rows = []
    for g in GENERATORS:
        for s in fresh[g]:
            dates = date_accuracy(find_setbacks(s.checkins), s.truth)
            rows.append({"generator": g, "seed": s.seed, **dates})
    print(show(pd.DataFrame(rows)))

    if not args.no_baseline:
        print("\n== 3. baseline: ruptures PELT (l2 cost) on each partner's weekly series ==")
        rows = []
        for beta, drop in itertools.product(PELT_BETA, PELT_DROP):
            row = {"beta": beta, "drop": drop}
            for g in GENERATORS:
                r = evaluate(
                    tuning[g], lambda ck, b=beta, d=drop: pelt_setbacks(ck, beta=b, drop=d)
                )
                row[f"f1_{g}"] = r[2]["f1"]
            rows.append(row)
        grid = pd.DataFrame(rows)
        grid["mean_f1"] = grid[[f"f1_{g}" for g in GENERATORS]].mean(axis=1)
        best = grid.sort_values("mean_f1", ascending=False).iloc[0]
        print("tuning set, best 5 of the penalty / drop grid by mean F1:")
        print(show(grid.sort_values("mean_f1", ascending=False).head(5)))
        beta, drop = float(best["beta"]), float(best["drop"])
        print(f"\nfresh seeds, PELT beta={beta:g}, drop={drop:g}, against find_setbacks:")
        rows = []
        for g in GENERATORS:
            det, tru, total = evaluate(fresh[g], lambda ck: pelt_setbacks(ck, beta=beta, drop=drop))
            low = at_most_noise(det, tru, 0.8)
            rows.append({"generator": g, "method": "PELT", **total, "f1_noise<=0.8": low["f1"]})
            det, tru = results[g]
            ours = prf(int(tru["hit"].sum()), int((~det["hit"]).sum()), int((~tru["hit"]).sum()))
            low = at_most_noise(det, tru, 0.8)
            rows.append(
                {"generator": g, "method": "find_setbacks", **ours, "f1_noise<=0.8": low["f1"]}
            )
        print(show(pd.DataFrame(rows)))

    s = fresh["synth"][0]
    print(f"\n== 4. sudden losses on synth seed {s.seed} ==")
    print(sudden_loss_overlap(s.checkins, s.truth))
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

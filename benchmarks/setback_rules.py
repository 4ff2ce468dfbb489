"""Other DECISION RULES for ``find_setbacks``, scored on the TUNING seeds only.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/setback_rules.py            # oracle and own, ~10 min
    nice -n 10 .venv/bin/python benchmarks/setback_rules.py --oracle   # the planted level only

The previous round (``setback_variants.py``) changed the trend and the noise and kept the
decision rule (rules 4-6 of :func:`trustdata.setbacks.find_setbacks`: the whitened AR(1) GLR scan
of 2-8-week windows, the greedy choice, the setbacks).  Here the trend and noise stay, and the
rule changes.  Each rule is run twice on the tuning seeds 1-3 of both generators (200 couples
each; fresh seeds are never read here):

- **oracle**: on ``score - planted level`` with the planted noise SD (``sqrt(sd**2 + 1/12)``
  for the whole-point rounding) and AR(1) coefficient: the headroom of the rule itself;
- **own**: on ``score - trend`` with the detector's own trend, noise and AR(1) coefficient
  (steps 1-3 of ``find_setbacks``): what it would give for real.

The rules (each then goes through the library's choice, rule 5, and setbacks, rule 6, so that
the output is the same kind of interval):

- ``glr``: the library's rule, the whitened AR(1) GLR z of windows of 2-8 weeks;
- ``glr1``: the same with single weeks (windows of 1) allowed, at their own threshold ``z1``
  (a sharp-drop rule inside the scan);
- ``mf``: a matched filter: the plain sum of the residuals of a window of 2-8 observed weeks over
  its standard deviation under AR(1) noise, ``sd * sqrt(sum_ij ar ** |t_i - t_j|)`` (not
  whitened: every week of the window weighs the same);
- ``hyst``: two thresholds: a run of consecutive observed weeks each more than ``lo`` noise SDs
  below the trend is a setback when one of its weeks is more than ``hi`` noise SDs below;
- ``+ndepth c``: the ``glr`` rule, keeping a setback only when its lowest week is at least
  ``max(min_depth, c * noise)`` below the trend (a depth bar in the partner's own noise);
- ``+dlo d c``: the ``glr`` rule with a *lower* depth bar for steady partners,
  ``clip(c * noise, d, min_depth)`` (at the noise floor 0.5 and ``c`` 3.5: 1.75 points);
- ``alpha a``: the ``glr`` rule with a threshold per partner, from their noise estimate,
  **calibrated on null series** for ``a`` false alarms a partner-year: the null series of both
  generators' tuning partners (below) are scanned at ``z`` 2.5-5; per bin of the noise estimate
  the smallest ``z`` whose false-alarm rate is at most ``a`` is taken (5 if none), and a
  partner's threshold is interpolated between the bins' centres (the table is printed);
- ``joint``: the GLR of a shift over the window with the trend as a nuisance: a line fitted on
  the 8 kept observed weeks on each side of the window (the window's own weeks left out; shifted
  inwards at a log's ends to keep 16), the whitened GLR z of the residuals from that line over
  the window, and (``lv=1``) the line's own error at the window added to the shift's variance
  (``noise**2 * (1 + ar) / (1 - ar)`` times the line's variance factor there).

Columns: the ``dips`` targets' figures of ``setback_accuracy.py`` (F1, F1 at noise SD <= 0.8,
recall of 2-week and of 2.5-3-point setbacks, precision at noise SD 0.9-1.0), ``synth``'s F1, and
``fa_null``: false alarms per partner-year on **null series** (each ``dips`` tuning partner's own
weeks and planted level, without dips, with new AR(1) noise of their planted SD and correlation,
whole points; the calibration also uses those of ``synth``, whose noise is independent), so that
rules can be compared at the same false-alarm rate.  Null series are never scored for F1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import setback_accuracy as sa  # noqa: E402

from trustdata import setbacks as sb  # noqa: E402

MAX_WEEKS = 8
RECOVER = 1.0
MIN_DEPTH = 2.0


class Inputs:
    """Residuals, noise SD and AR(1) coefficient of one set (oracle or the detector's own)."""

    def __init__(self, s: sa.Set, p: sa.Planted, *, oracle: bool, null: bool = False) -> None:
        f, first, code, t = p.frame, p.first, p.code, p.t
        self.p, self.s = p, s
        score = f["score"].to_numpy().copy()
        n, n_series = len(score), len(first)
        planted_sd = np.sqrt(f["noise_sd"].to_numpy()[first] ** 2 + 1 / 12)
        planted_ar = f["ar"].to_numpy()[first]
        if null:
            score = null_scores(p, s.seed)
        self.score = score
        self.keep = np.ones(n, dtype=bool)
        if oracle:
            resid = score - f["level"].to_numpy()
            sd, ar = planted_sd, planted_ar
        else:
            lo, hi = sb._trend_windows(first, code, n, 8)
            noise0 = sb._diff_noise(score, first, code)
            weight = np.ones(n)
            for k in range(sb._TRIM_FITS + 1):
                trend = sb._trend(score, t, weight, lo, hi, flat=k == 0)
                weight = (score - trend >= -sb._TRIM * noise0[code]).astype("float64")
            keep = weight > 0
            self.keep = keep
            resid = score - trend
            sd = sb._upper_noise(resid, keep, code, n_series)
            ar = sb._lag1(resid, keep, t, code, sd, n_series)
        resid[(np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS] = np.nan
        self.resid, self.sd, self.ar = resid, sd, ar
        self.years = float(len(score) / 52.18)


def null_scores(p: sa.Planted, seed: int) -> np.ndarray:
    """The partner's planted level on their own weeks with new AR(1) noise of their planted SD
    and correlation (``ar ** gap`` across missed weeks), whole points 1-10: a null series."""
    f, t = p.frame, p.t
    rng = np.random.default_rng([777, seed])
    sd = f["noise_sd"].to_numpy()
    with np.errstate(divide="ignore"):  # a series' first week (gap < 0): rho is set to 0
        rho = f["ar"].to_numpy() ** np.r_[1.0, t[1:] - t[:-1]]
    rho[p.first] = 0.0
    e = rng.standard_normal(len(t)) * sd * np.sqrt(1 - rho * rho)
    noise = np.empty(len(t))
    prev = 0.0
    for i, (r, v) in enumerate(zip(rho.tolist(), e.tolist(), strict=True)):
        prev = r * prev + v
        noise[i] = prev
    return np.clip(np.round(f["level"].to_numpy() + noise), 1, 10)


def scan(x: Inputs, *, stat: str, z: float, z1: float | None, shift: float) -> tuple:
    """Significant windows (first row, length, z) of the ``glr`` / ``mf`` rules, no pruning
    (rule 5's choice does not need it)."""
    p = x.p
    resid, t, first, code = x.resid, p.t, p.first, p.code
    ar, noise = x.ar, x.sd
    n = len(resid)
    gap = np.ones(n)
    gap[1:] = t[1:] - t[:-1]
    gap[first] = 1.0
    rho = np.power(ar[code], gap)
    rho[first] = 0.0
    left = np.append(first, n)[code + 1] - np.arange(n)
    missing = np.isnan(resid)
    if missing.any():
        blocked = np.flatnonzero(missing)
        nxt = np.full(n + 1, n)
        nxt[blocked] = blocked
        nxt = np.minimum.accumulate(nxt[::-1])[::-1][:n]
        left = np.minimum(left, nxt - np.arange(n))
    r = np.nan_to_num(resid)
    cum_low = np.concatenate([[0], np.cumsum(resid < -RECOVER)])
    rows, lens, zs = [], [], []
    lengths = range(1 if z1 is not None else 2, MAX_WEEKS + 1)

    def keep(zz: np.ndarray, mu: np.ndarray, m: int, length: int) -> None:
        """Keep the windows of ``length`` past the threshold, inside one series, with a low week."""
        thr = z1 if length == 1 else z
        thr = thr[code[:m]] if np.ndim(thr) else thr
        hit = np.flatnonzero((zz <= -thr) & (mu <= -shift))
        hit = hit[(left[hit] >= length) & (cum_low[hit + length] > cum_low[hit])]
        rows.append(hit)
        lens.append(np.full(len(hit), length))
        zs.append(zz[hit])

    if stat == "glr":
        inv = 1.0 / (noise[code] * np.sqrt(1.0 - rho * rho))
        prev = np.empty(n)
        prev[1:] = r[:-1]
        prev[first] = 0.0
        w = (r - rho * prev) * inv
        core_wx = w * inv
        core_xx = inv * inv
        step_wx = w * (1.0 - rho) * inv
        step_xx = ((1.0 - rho) * inv) ** 2
        tail_wx = np.append(w * rho * inv, 0.0)
        tail_xx = np.append((rho * inv) ** 2, 0.0)
        for length in lengths:
            m = n - length + 1
            if length >= 2:
                core_wx[:m] += step_wx[length - 1 : length - 1 + m]
                core_xx[:m] += step_xx[length - 1 : length - 1 + m]
            sum_wx = core_wx[:m] - tail_wx[length : length + m]
            sum_xx = core_xx[:m] + tail_xx[length : length + m]
            zz = sum_wx / np.sqrt(sum_xx)
            mu = sum_wx / sum_xx
            keep(zz, mu, m, length)
    else:
        # e[k][j] = ar ** (t_j - t_(j-k)) within a series (0 across series).
        s = np.zeros(n)
        var = np.zeros(n)
        for length in lengths:
            m = n - length + 1
            j = np.arange(length - 1, length - 1 + m)
            s[:m] += r[j]
            cross = np.zeros(m)
            for k in range(1, length):
                same = code[j] == code[j - k]
                lag = np.where(same, t[j] - t[j - k], np.inf)
                cross += np.power(ar[code[j]], lag)
            var[:m] += 1.0 + 2.0 * cross
            sdw = noise[code[:m]] * np.sqrt(var[:m])
            zz = s[:m] / sdw
            mu = s[:m] / length
            keep(zz, mu, m, length)
    return np.concatenate(rows), np.concatenate(lens), np.concatenate(zs)


def joint_scan(x: Inputs, *, z: float, shift: float, k: int, line_var: bool) -> tuple:
    """``joint``: the GLR of a shift over the window W with the trend as a nuisance: a line
    fitted on the ``k`` kept observed weeks on each side of W (W's own weeks left out; at a
    log's ends shifted to keep ``2 k``), the whitened GLR of the residuals from that line over
    W, and (``line_var``) the line's own error at W added to the shift's variance."""
    p = x.p
    t, first, code = p.t, p.first, p.code
    score, keep, ar, noise = x.score, x.keep.astype("float64"), x.ar, x.sd
    n = len(score)
    valid = ~np.isnan(x.resid)
    gap = np.ones(n)
    gap[1:] = t[1:] - t[:-1]
    gap[first] = 1.0
    rho = np.power(ar[code], gap)
    rho[first] = 0.0
    s_inv = 1.0 / (noise[code] * np.sqrt(1.0 - rho * rho))
    start = np.append(first, n)
    s_lo, s_hi = start[code], start[code + 1]  # the row's series [s_lo, s_hi)

    def csum(v):
        return np.concatenate([[0.0], np.cumsum(v)])

    c0, c1, c2 = csum(keep), csum(keep * t), csum(keep * t * t)
    cy, cty = csum(keep * score), csum(keep * t * score)
    idx = np.arange(n)
    rows, lens, zs = [], [], []
    for length in range(2, MAX_WEEKS + 1):
        a = idx[(idx + length <= s_hi) & valid]
        a = a[valid[np.minimum(a + length - 1, n - 1)]]
        b = a + length
        nb = np.minimum(k, a - s_lo[a])
        na = np.minimum(k, s_hi[a] - b)
        nb2 = np.minimum(a - s_lo[a], 2 * k - na)
        na2 = np.minimum(s_hi[a] - b, 2 * k - nb)
        lo, hi = a - nb2, b + na2

        s0, s1, s2, sy, sty = ((c[a] - c[lo]) + (c[hi] - c[b]) for c in (c0, c1, c2, cy, cty))
        det = s0 * s2 - s1 * s1
        ok = (s0 >= 4) & (det > 1e-9 * s0 * s0)
        a, b, s0, s1, s2, sy, sty, det = (v[ok] for v in (a, b, s0, s1, s2, sy, sty, det))
        slope = (s0 * sty - s1 * sy) / det
        icpt = (sy - slope * s1) / s0
        sum_wx = np.zeros(len(a))
        sum_xx = np.zeros(len(a))
        has_prev = a > s_lo[a]
        prev_r = np.where(has_prev, score[a - 1] - icpt - slope * t[np.maximum(a - 1, 0)], 0.0)
        low = np.zeros(len(a), dtype=bool)
        for j in range(length + 1):
            r_row = a + j
            inside = j < length
            if not inside:
                live = r_row < s_hi[a]
                r_safe = np.minimum(r_row, n - 1)
            else:
                live = np.ones(len(a), dtype=bool)
                r_safe = r_row
            r = score[r_safe] - icpt - slope * t[r_safe]
            rr = np.where(j == 0, np.where(has_prev, rho[r_safe], 0.0), rho[r_safe])
            w = (r - rr * prev_r) * s_inv[r_safe]
            xt = ((1.0 if inside else 0.0) - rr * (0.0 if j == 0 else 1.0)) * s_inv[r_safe]
            sum_wx += np.where(live, w * xt, 0.0)
            sum_xx += np.where(live, xt * xt, 0.0)
            if inside:
                low |= r < -RECOVER
            prev_r = r
        var = 1.0 / sum_xx
        if line_var:
            mid = 0.5 * (t[a] + t[b - 1])
            sig = noise[code[a]]
            f_ar = (1 + ar[code[a]]) / (1 - ar[code[a]])
            var = var + sig * sig * f_ar * (s2 - 2 * mid * s1 + mid * mid * s0) / det
        mu = sum_wx / sum_xx
        zz = mu / np.sqrt(var)
        hit = (zz <= -z) & (mu <= -shift) & low
        rows.append(a[hit])
        lens.append(np.full(int(hit.sum()), length))
        zs.append(zz[hit])
    return np.concatenate(rows), np.concatenate(lens), np.concatenate(zs)


def detect(x: Inputs, rule: dict) -> pd.DataFrame:
    p = x.p
    f, first, code = p.frame, p.first, p.code
    rules = sb._Rules(
        z=rule.get("z", 3.25),
        min_shift=rule.get("shift", 1.0),
        min_depth=rule.get("dlo", rule.get("depth", MIN_DEPTH)),
        max_weeks=MAX_WEEKS,
        recover_within=RECOVER,
    )
    if rule["kind"] == "joint":
        row, length, z = joint_scan(
            x, z=rules.z, shift=rules.min_shift, k=rule.get("k", 8), line_var=rule.get("lv", True)
        )
        lo, hi = sb._select(row, length, z, code, len(first))
        i_lo, i_tr, i_hi = sb._episodes(lo, hi, x.resid, code, rules)
    elif rule["kind"] in ("glr", "mf"):
        zthr = rules.z
        if "ztab" in rule:  # a threshold per partner, from their noise estimate
            zthr = np.interp(x.sd, *rule["ztab"])
        row, length, z = scan(
            x, stat=rule["kind"], z=zthr, z1=rule.get("z1"), shift=rules.min_shift
        )
        lo, hi = sb._select(row, length, z, code, len(first))
        i_lo, i_tr, i_hi = sb._episodes(lo, hi, x.resid, code, rules)
    else:
        u = x.resid / x.sd[code]
        low = u <= -rule["lo"]
        start = u <= -rule["hi"]
        same_prev = np.zeros(len(u), dtype=bool)
        same_prev[1:] = code[1:] == code[:-1]
        new_run = low & ~(np.r_[False, low[:-1]] & same_prev)
        run = np.cumsum(new_run) - 1
        rows = np.flatnonzero(low)
        if len(rows) == 0:
            i_lo = i_tr = i_hi = np.array([], dtype="int64")
        else:
            n_runs = int(run[rows[-1]]) + 1
            has = np.zeros(n_runs, dtype=bool)
            has[run[rows[start[rows]]]] = True
            r_lo = np.full(n_runs, len(u))
            r_hi = np.full(n_runs, -1)
            np.minimum.at(r_lo, run[rows], rows)
            np.maximum.at(r_hi, run[rows], rows)
            r_lo, r_hi = r_lo[has], r_hi[has]
            # Through rule 6 (runs of weeks more than recover_within low, merged, depth).
            i_lo, i_tr, i_hi = sb._episodes(r_lo, r_hi + 1, x.resid, code, rules)
    if "dlo" in rule and len(i_lo):  # a lower depth bar for steady partners
        bar = np.clip(rule["c"] * x.sd[code[i_tr]], rule["dlo"], MIN_DEPTH)
        keep = x.resid[i_tr] <= -bar
        i_lo, i_tr, i_hi = i_lo[keep], i_tr[keep], i_hi[keep]
    if "ndepth" in rule and len(i_lo):
        keep = x.resid[i_tr] <= -np.maximum(MIN_DEPTH, rule["ndepth"] * x.sd[code[i_tr]])
        i_lo, i_hi = i_lo[keep], i_hi[keep]
    return sa._episode_frame(f, first, code, i_lo, i_hi)


def score_rule(inputs: dict, nulls: list[Inputs], rule: dict) -> dict:
    return {"rule": label(rule)} | score_detector(inputs, nulls, lambda x: detect(x, rule))


def score_detector(inputs: dict, nulls: list, find) -> dict:
    """The columns of a detector ``find(x) -> setbacks frame`` over every seed's inputs of both
    generators (``inputs[g]``, one per seed) and the null series: the ``dips`` targets' figures,
    ``synth``'s F1 and ``fa_null`` (false alarms a partner-year on ``nulls``)."""
    out = {}
    for g in sa.GENERATORS:
        det_all, tru_all = [], []
        for x in inputs[g]:
            found = find(x)
            det_hit, tru_hit = sa.match(found, x.s.truth)
            det_all.append(
                found.assign(hit=det_hit).merge(x.s.noise, on=["couple_id", "partner"], how="left")
            )
            tru_all.append(x.s.truth.assign(hit=tru_hit))
        det, tru = pd.concat(det_all, ignore_index=True), pd.concat(tru_all, ignore_index=True)
        row = sa._targets_row(det, tru)
        if g == "dips":
            out |= {
                "f1": row["f1"],
                "f1_le0.8": row["f1_noise<=0.8"],
                "r_2wk": row["recall_2_weeks"],
                "r_2.5-3": row["recall_2.5-3_points"],
                "p_sd>0.9": row["precision_noise>0.9"],
            }
        else:
            out["synth_f1"] = row["f1"]
    fa = sum(len(find(x)) for x in nulls)
    out["fa_null"] = fa / sum(x.years for x in nulls)
    return out


def label(rule: dict) -> str:
    parts = [rule["kind"]]
    for k in ("z", "z1", "shift", "hi", "lo", "ndepth", "depth", "dlo", "c", "k", "lv", "alpha"):
        if k in rule:
            parts.append(f"{k}={rule[k]:g}")
    return " ".join(parts)


RULES: list[dict] = (
    [{"kind": "glr", "z": z} for z in (2.5, 3.0, 3.25, 3.5, 4.0)]
    + [{"kind": "glr", "z": z, "z1": z1} for z in (3.0, 3.25, 3.5) for z1 in (3.0, 3.5, 4.0)]
    + [{"kind": "mf", "z": z} for z in (2.5, 3.0, 3.25, 3.5, 4.0)]
    + [{"kind": "hyst", "hi": hi, "lo": lo} for hi in (2.5, 3.0, 3.5) for lo in (0.75, 1.25)]
    + [{"kind": "glr", "z": z, "ndepth": c} for z in (2.5, 3.0) for c in (2.5, 3.0)]
    + [{"kind": "glr", "z": z, "dlo": 1.5, "c": c} for z in (3.0, 3.25) for c in (3.0, 3.5)]
    + [{"kind": "glr", "alpha": a} for a in (0.06, 0.1, 0.12, 0.15, 0.2)]
    + [{"kind": "joint", "z": z, "k": 8, "lv": lv} for z in (3.0, 3.25, 3.5) for lv in (1, 0)]
)
#: The calibration's grid of thresholds and its bins of the partner's noise estimate.
CAL_Z = np.arange(2.5, 5.01, 0.25)
CAL_BINS = np.array([0.49, 0.501, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1])


def calibrate(nulls: list[Inputs]) -> pd.DataFrame:
    """False alarms per partner-year of the ``glr`` rule on null series, by the partner's noise
    estimate (rows: ``CAL_BINS``) and threshold (columns: ``CAL_Z``)."""
    fa = np.zeros((len(CAL_BINS) - 1, len(CAL_Z)))
    years = np.zeros(len(CAL_BINS) - 1)
    for x in nulls:
        p = x.p
        b = np.clip(np.searchsorted(CAL_BINS, x.sd, side="left") - 1, 0, len(years) - 1)
        weeks = np.diff(np.append(p.first, len(p.frame)))
        np.add.at(years, b, weeks / 52.18)
        key = (
            p.frame["couple_id"].to_numpy()[p.first] + "/" + p.frame["partner"].to_numpy()[p.first]
        )
        where = dict(zip(key, b, strict=True))
        for j, z in enumerate(CAL_Z):
            d = detect(x, {"kind": "glr", "z": float(z)})
            for who in (d["couple_id"] + "/" + d["partner"]).tolist():
                fa[where[who], j] += 1
    return pd.DataFrame(fa / np.maximum(years, 1e-9)[:, None], columns=CAL_Z)


def threshold_table(cal: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Per noise bin the smallest threshold of the grid whose null false-alarm rate is at most
    ``alpha`` a partner-year (5 where none is), at the bins' centres (interpolated between)."""
    zs = [
        float(CAL_Z[np.flatnonzero(r <= alpha)[0]]) if (r <= alpha).any() else 5.0
        for r in cal.to_numpy()
    ]
    centres = np.r_[0.5, 0.5 * (CAL_BINS[1:-1] + CAL_BINS[2:])]
    return centres, np.array(zs)


def noise_bias(nulls: list[Inputs]) -> pd.DataFrame:
    """On null series: by planted noise SD, the median ratio of the noise estimate to the SD of
    the whole-point noise (``sqrt(sd**2 + 1/12)``) and the median AR(1) estimate and planted
    coefficient."""
    rows = []
    for x in nulls:
        f, first = x.p.frame, x.p.first
        sd = f["noise_sd"].to_numpy()[first]
        rows.append(
            pd.DataFrame(
                {
                    "planted_sd": sd,
                    "ratio": x.sd / np.sqrt(sd**2 + 1 / 12),
                    "ar_estimate": x.ar,
                    "ar_planted": f["ar"].to_numpy()[first],
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    bins = pd.cut(frame["planted_sd"], [0.3, 0.5, 0.7, 0.9, 1.0])
    out = frame.groupby(bins, observed=True)[["ratio", "ar_estimate", "ar_planted"]].median()
    return out.assign(partners=frame.groupby(bins, observed=True).size()).reset_index()


def paired_row(generator: str, seed: int, truth: pd.DataFrame, found: dict) -> dict:
    """One row of a paired comparison: tp / fp and F1 of each run's ``found`` setbacks (``found``
    maps "a" and "b" to them) on the same tuning set, and F1 b - a."""
    row = {"generator": generator, "seed": seed}
    for name, setbacks in found.items():
        _, hit = sa.match(setbacks, truth)
        tp = int(hit.sum())
        r = sa.prf(tp, len(setbacks) - tp, len(hit) - tp)
        row |= {f"{name}_tp": tp, f"{name}_fp": r["fp"], f"{name}_f1": r["f1"]}
    row["f1_b-a"] = row["b_f1"] - row["a_f1"]
    return row


def paired_variants(sets: dict, planted: dict, one: tuple, two: tuple, inputs) -> pd.DataFrame:
    """Per tuning set (``sets`` / ``planted`` by generator), :func:`paired_row` of two
    ``(variant, z)`` pairs, where ``inputs(set, planted, variant)`` makes the detector's
    :class:`Inputs` for a variant (of the trend, the noise estimate, ...)."""
    rows = []
    for g in sa.GENERATORS:
        for s, p in zip(sets[g], planted[g], strict=True):
            found = {
                name: detect(inputs(s, p, v), {"kind": "glr", "z": z})
                for name, (v, z) in (("a", one), ("b", two))
            }
            rows.append(paired_row(g, s.seed, s.truth, found))
    print(f"a: {one}; b: {two}")
    return pd.DataFrame(rows)


def paired(one: dict, two: dict, *, couples: int) -> None:
    """tp / fp / fn and F1 of two rules (the detector's own trend and noise) on each tuning
    set: a paired comparison on the same data, less noisy than pooled F1s."""
    rows = []
    for g in sa.GENERATORS:
        for seed in sa.TUNING_SEEDS:
            s = sa.Set(g, seed, couples)
            x = Inputs(s, sa.Planted(s), oracle=False)
            found = {"a": detect(x, one), "b": detect(x, two)}
            rows.append(paired_row(g, seed, s.truth, found))
    print(f"a: {label(one)}; b: {label(two)}")
    print(sa.show(pd.DataFrame(rows)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", action="store_true", help="only the planted-level oracle")
    parser.add_argument("--own", action="store_true", help="only the detector's own inputs")
    parser.add_argument("--couples", type=int, default=200)
    parser.add_argument("--only", type=int, nargs="*", default=None, help="rule numbers")
    parser.add_argument(
        "--paired", type=int, nargs=2, default=None, help="two rule numbers, per seed (own)"
    )
    args = parser.parse_args()
    if args.paired:
        paired(*(RULES[i] for i in args.paired), couples=args.couples)
        return
    clock = time.perf_counter()
    sets = {g: [sa.Set(g, s, args.couples) for s in sa.TUNING_SEEDS] for g in sa.GENERATORS}
    planted = {g: [sa.Planted(s) for s in sets[g]] for g in sa.GENERATORS}
    rules = RULES if args.only is None else [RULES[i] for i in args.only]
    modes = [m for m, on in (("oracle", not args.own), ("own", not args.oracle)) if on]
    pd.set_option("display.width", 200)
    for mode in modes:
        oracle = mode == "oracle"
        inputs = {
            g: [Inputs(s, p, oracle=oracle) for s, p in zip(sets[g], planted[g], strict=True)]
            for g in sa.GENERATORS
        }
        nulls = [
            Inputs(s, p, oracle=oracle, null=True)
            for s, p in zip(sets["dips"], planted["dips"], strict=True)
        ]
        print(f"{mode}: the noise estimate on the dips null series, by planted noise SD")
        print(sa.show(noise_bias(nulls)))
        cal = None
        rows = []
        for i, r in enumerate(rules):
            if "alpha" in r:
                if cal is None:
                    cal = calibrate(
                        [
                            Inputs(s, p, oracle=oracle, null=True)
                            for g in sa.GENERATORS
                            for s, p in zip(sets[g], planted[g], strict=True)
                        ]
                    )
                    print(f"{mode}: null false alarms a partner-year by noise estimate and z")
                    print(sa.show(cal.set_axis([f"{v:g}" for v in CAL_BINS[:-1]], axis=0)))
                r = {**r, "ztab": threshold_table(cal, r["alpha"])}
            rows.append({"#": i, **score_rule(inputs, nulls, r)})
        print(f"\n== {mode} (tuning seeds {list(sa.TUNING_SEEDS)}, {args.couples} couples) ==")
        print(sa.show(pd.DataFrame(rows)))
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

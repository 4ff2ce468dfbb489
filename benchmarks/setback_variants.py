"""Variants of ``find_setbacks``' trend and noise, scored on the TUNING seeds only.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/setback_variants.py           # every variant, ~5 min
    nice -n 10 .venv/bin/python benchmarks/setback_variants.py --only 0 5 # some of them

Each variant replaces steps 1-3 of :func:`trustdata.setbacks.find_setbacks` (the trend and the
noise; rules 4-6, the scan, choice and setbacks, are the library's own) and is scored at ``z``
3.0, 3.25 and 3.5 on the tuning seeds 1-3 of both generators (200 couples each), the seeds the
defaults were chosen on; fresh seeds are never read here.  The columns are the targets'
figures of ``setback_accuracy.py`` on ``dips`` (F1, F1 at noise SD <= 0.8, recall of 2-week and
of 2.5-3-point setbacks, precision at noise SD 0.9-1.0), ``synth``'s F1, and the trend's mean
error on ``dips`` (``trend - planted level``, points) on the weeks with a planted offset and
on the others.

The variants (``docs/setbacks.md``, "Variants tried"): the trend as a kernel-weighted local line
(tricube or Gaussian weights) or a local quadratic, a line that leaves out the weeks around the
week it is evaluated at, more or fewer trimming fits and other trimming thresholds, trimming
only runs of low weeks or both tails, a refit without the setbacks found, other noise scales,
an AR(1) coefficient shrunk to the pooled one or raised, the noise shrunk to the
pooled one, a two-sided confirmation (the weeks before and after a setback above it), and
four oracles (``dips`` only): the
trend fitted without exactly the planted setback weeks, with or without the trimming, and the
planted level or noise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import setback_accuracy as sa  # noqa: E402

from trustdata import setbacks as sb  # noqa: E402
from trustdata._frames import _take, _week_dates  # noqa: E402
from trustdata._frames import _weekly_scores as _week_means  # noqa: E402

Z = (3.0, 3.25, 3.5)
VARIANTS: list[dict] = [
    {},
    {"fits": 2},
    {"trim": 1.0},
    {"trim": 2.0},
    {"trim": 1.25, "fits": 2},
    {"trend": "hole", "m": 0},
    {"trend": "hole", "m": 1},
    {"trend": "hole", "m": 2},
    {"trend": "tricube", "K": 12, "h": 13},
    {"trend": "tricube", "K": 16, "h": 17},
    {"trend": "gauss", "K": 20, "h": 7},
    {"trend": "tricube", "K": 16, "h": 17, "deg": 2},
    {"trend": "uniform", "K": 13, "h": 100, "deg": 2},
    {"refit": 1},
    {"refit": 1, "keep_trim": False},
    {"refit": 1, "keep_trim": False, "z1": 2.5},
    {"trim_scale": "resid_mad"},
    {"trim_scale": "upper_flat"},
    {"noise": "median_all"},
    {"run_a": 1.0},
    {"run_a": 1.0, "trim": 2.0},
    {"trim_hi": 1.5},
    {"trim_hi": 2.0},
    {"ar_add": 0.1},
    {"ar_pool": 30},
    {"noise_pool": 30},
    {"oracle_exclude": "only"},
    {"oracle_exclude": "and_trim"},
    {"oracle_level": True},
    {"oracle_noise": True},
    {"two_sided": 1.5},
    {"two_sided": 2.0},
]


def kernel_trend(score, t, weight, code, o, flat):
    """A local line (or quadratic, ``deg`` 2) through the ``K`` observed weeks on each side,
    weighted by a tricube / Gaussian / uniform kernel of the calendar distance over ``h``."""
    n, half, h, deg = len(score), o["K"], o["h"], 0 if flat else o.get("deg", 1)
    moments = np.zeros((n, deg + 1, deg + 1))
    rhs = np.zeros((n, deg + 1))
    for j in range(-half, half + 1):
        a, b = (slice(0, n - j), slice(j, n)) if j >= 0 else (slice(-j, n), slice(0, n + j))
        dt = t[b] - t[a]
        u = np.abs(dt) / h
        if o["trend"] == "tricube":
            k = np.where(u < 1, (1 - u**3) ** 3, 0.0)
        elif o["trend"] == "gauss":
            k = np.exp(-0.5 * u * u)
        else:
            k = np.ones_like(u)
        wj = np.where(code[a] == code[b], k * weight[b], 0.0)
        x = np.stack([dt**p for p in range(deg + 1)], axis=1)
        moments[a] += wj[:, None, None] * x[:, :, None] * x[:, None, :]
        rhs[a] += (wj * score[b])[:, None] * x
    moments += np.eye(deg + 1)[None] * 1e-9
    return np.linalg.solve(moments, rhs[:, :, None])[:, 0, 0]


def hole_trend(score, t, weight, lo, hi, first, code, m, flat):
    """The library's line through rows [lo, hi) less rows i-m..i+m (the week's neighbours)."""
    n = len(score)
    cs = np.zeros((5, n + 1))
    cs[0, 1:], cs[1, 1:], cs[2, 1:] = weight, weight * score, weight * t
    cs[3, 1:], cs[4, 1:] = weight * t * t, weight * t * score
    np.cumsum(cs, axis=1, out=cs)
    bounds = np.append(first, n)
    a = np.maximum(np.arange(n) - m, np.maximum(lo, bounds[code]))
    b = np.minimum(np.arange(n) + m + 1, hi)
    s0, sy, s1, s2, sty = cs[:, hi] - cs[:, lo] - (cs[:, b] - cs[:, a])
    with np.errstate(invalid="ignore", divide="ignore"):
        if flat:
            return sy / s0
        det = s0 * s2 - s1 * s1
        slope = (s0 * sty - s1 * sy) / det
        slope[~(det > 1e-9 * np.maximum(s0, 1.0) ** 2)] = 0.0
        return (sy + slope * (t * s0 - s1)) / s0


def upper_median(r, code, n_series):
    """Twice the upper semivariance about each partner's median residual, over every week."""
    med = sb._group_median(r, code, n_series)
    d = r - med[code]
    up = d > 0
    count = np.bincount(code[~np.isnan(r)], minlength=n_series)
    square = np.bincount(code[up], weights=d[up] ** 2, minlength=n_series)
    return np.maximum(np.sqrt(2.0 * square / np.maximum(count, 1)), sb._NOISE_FLOOR)


def lag1_raw(resid, keep, t, code, noise, n_series):
    """``sb._lag1`` before its clipping to 0-0.8."""
    n = len(resid)
    pair = np.zeros(n, dtype=bool)
    pair[1:] = keep[1:] & keep[:-1] & (code[1:] == code[:-1]) & (t[1:] - t[:-1] == 1)
    count = np.bincount(code[keep], minlength=n_series)
    centre = np.bincount(code[keep], weights=resid[keep], minlength=n_series)
    centre /= np.maximum(count, 1)
    limit = sb._AR_CLIP * noise[code]
    r = np.clip(np.where(keep, resid - centre[code], 0.0), -limit, limit)
    prod = np.zeros(n)
    prod[1:] = r[1:] * r[:-1]
    num = np.bincount(code[pair], weights=prod[pair], minlength=n_series)
    den = np.bincount(code[keep], weights=(r * r)[keep], minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


#: Sums and counts of ``trend - planted level`` on the weeks with / without a planted offset.
BIAS: dict[str, np.ndarray] = {}


def detect(ck: pd.DataFrame, o: dict, planted: sa.Planted | None) -> pd.DataFrame:
    """``find_setbacks`` with the variant ``o`` of steps 1-3 (module doc); couple, partner,
    start, end, depth and weeks of each setback."""
    table, weeks = _week_means(ck, "connection")
    sid = weeks["sid"]
    score = np.asarray(weeks["score"], dtype="float64")
    week = np.asarray(weeks["week"], dtype="int64")
    first = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    n, n_series = len(score), len(first)
    code = sb._series_codes(first, n)
    t = (week - week[first][code]).astype("float64")
    rules = sb._Rules(z=o["z"], min_shift=1.0, min_depth=2.0, max_weeks=8, recover_within=1.0)
    noise0 = sb._diff_noise(score, first, code)
    lo, hi = sb._trend_windows(first, code, n, 8)
    if o.get("trend") == "hole":

        def fit(w, flat):
            return hole_trend(score, t, w, lo, hi, first, code, o["m"], flat)
    elif o.get("trend"):

        def fit(w, flat):
            return kernel_trend(score, t, w, code, o, flat)
    else:

        def fit(w, flat):
            return sb._trend(score, t, w, lo, hi, flat=flat)

    outside = None
    if planted is not None:
        assert len(planted.frame) == n  # one check-in a week: the same weekly rows
        outside = (planted.frame["offset"].to_numpy() <= 0).astype("float64")
    trim = o.get("trim", 1.5)
    weight = outside if o.get("oracle_exclude") else np.ones(n)
    for k in range(o.get("fits", 1) + 1):
        trend = fit(weight, k == 0)
        r = score - trend
        if k == 0 and o.get("trim_scale") == "resid_mad":
            med = sb._group_median(r, code, n_series)
            mad = sb._group_median(np.abs(r - med[code]), code, n_series)
            noise0 = np.maximum(np.nan_to_num(sb._MAD_TO_SD * mad, nan=0.0), sb._NOISE_FLOOR)
        elif k == 0 and o.get("trim_scale") == "upper_flat":
            noise0 = upper_median(r, code, n_series)
        weight = (r >= -trim * noise0[code]).astype("float64")
        if o.get("trim_hi"):
            weight *= r <= o["trim_hi"] * noise0[code]
        if o.get("run_a") is not None:
            low = r < -o["run_a"] * noise0[code]
            same = np.r_[False, code[1:] == code[:-1]]
            after = np.r_[low[1:] & same[1:], False]
            in_run = low & ((np.r_[False, low[:-1]] & same) | after)
            weight *= ~in_run
        if o.get("oracle_exclude") == "only":
            weight = outside
        elif o.get("oracle_exclude") == "and_trim":
            weight = weight * outside
    keep = weight > 0
    if o.get("trim_hi"):
        keep = r >= -trim * noise0[code]
    if o.get("oracle_level"):
        trend = planted.frame["level"].to_numpy()
    resid = score - trend
    if o.get("noise") == "median_all":
        noise = upper_median(resid, code, n_series)
    else:
        noise = sb._upper_noise(resid, keep, code, n_series)
    if "noise_pool" in o:
        # Shrunk to the pooled median noise, a partner of n kept weeks with weight n / (n + k).
        count = np.bincount(code[keep], minlength=n_series)
        share = count / (count + o["noise_pool"])
        noise = np.sqrt(share * noise**2 + (1 - share) * np.median(noise) ** 2)
    ar = sb._lag1(resid, keep, t, code, noise, n_series)
    if "ar_add" in o or "ar_pool" in o:
        raw = lag1_raw(resid, keep, t, code, noise, n_series)
        if "ar_pool" in o:
            count = np.bincount(code[keep], minlength=n_series)
            share = count / (count + o["ar_pool"])
            raw = share * raw + (1 - share) * np.nanmedian(raw)
        ar = np.clip(np.nan_to_num(raw + o.get("ar_add", 0.0), nan=0.0), 0.0, sb._MAX_AR)
    if o.get("oracle_noise"):
        f = planted.frame
        noise = np.sqrt(f["noise_sd"].to_numpy()[first] ** 2 + 1 / 12)
        ar = f["ar"].to_numpy()[first]
    short = (np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS

    def scan(rules):
        resid[short] = np.nan
        row, length, z = sb._scan(resid, t, first, code, ar, noise, rules)
        w_lo, w_hi = sb._select(row, length, z, code, n_series)
        return sb._episodes(w_lo, w_hi, resid, code, rules)

    i_start, i_trough, i_last = scan(rules)
    if o.get("refit"):
        # Fit the trend again without the weeks of the setbacks found (z1: found at z1), rescan.
        if "z1" in o:
            i_start, _, i_last = scan(sb._Rules(o["z1"], 1.0, 2.0, 8, 1.0))
        mark = np.zeros(n + 1, dtype="int64")
        np.add.at(mark, i_start, 1)
        np.add.at(mark, i_last + 1, -1)
        inside = np.cumsum(mark)[:n] > 0
        kept = keep if o.get("keep_trim", True) else np.ones(n, dtype=bool)
        keep = kept & ~inside
        trend = fit(keep.astype("float64"), False)
        resid = score - trend
        noise = sb._upper_noise(resid, keep, code, n_series)
        ar = sb._lag1(resid, keep, t, code, noise, n_series)
        i_start, i_trough, i_last = scan(rules)
    if "two_sided" in o:
        # Two-sided confirmation: the up to 3 observed weeks before and after a setback must
        # lie two_sided noise SDs above its mean residual (a log's first / last weeks: no check).
        bounds = np.append(first, n)
        r = score - trend
        kept = np.ones(len(i_start), dtype=bool)
        for e, (a, b) in enumerate(zip(i_start, i_last + 1, strict=True)):
            lo_s, hi_s = bounds[code[a]], bounds[code[a] + 1]
            need = np.nanmean(r[a:b]) + o["two_sided"] * noise[code[a]]
            for side in (r[max(lo_s, a - 3) : a], r[b : min(hi_s, b + 3)]):
                if len(side) and np.nanmean(side) < need:
                    kept[e] = False
        i_start, i_trough, i_last = i_start[kept], i_trough[kept], i_last[kept]
    if planted is not None:
        error = trend - planted.frame["level"].to_numpy()
        for key, rows in (("dip", outside == 0), ("other", outside > 0)):
            BIAS[key] += [float(np.nansum(error[rows])), int(np.sum(~np.isnan(error[rows])))]
    ends = np.append(first, n)[code[i_start] + 1]
    i_end = np.where(i_last + 1 < ends, i_last + 1, -1)
    owner = sid[i_start]
    done = i_end >= 0
    end_week = week[np.where(done, i_end, 0)]
    return pd.DataFrame(
        {
            "couple_id": _take(table["couple_id"], owner).astype("str").to_numpy(),
            "partner": _take(table["partner"], owner).astype("str").to_numpy(),
            "start": _week_dates(week[i_start]),
            "end": np.where(done, _week_dates(end_week), np.datetime64("NaT", "ns")),
            "depth": trend[i_trough] - score[i_trough],
            "weeks": np.where(done, end_week - week[i_start], 1),
        }
    )


def score(sets: dict[str, list[sa.Set]], planted: list[sa.Planted], o: dict) -> dict:
    oracle = any(k.startswith("oracle") for k in o)
    row = {}
    for g in ("dips",) if oracle else sa.GENERATORS:
        BIAS.update(dip=np.zeros(2), other=np.zeros(2))
        pairs = zip(sets[g], planted if g == "dips" else [None] * len(sets[g]), strict=True)
        found = {id(s.checkins): p for s, p in pairs}
        det, tru, _ = sa.evaluate(sets[g], lambda ck, f=found: detect(ck, o, f[id(ck)]))
        r = sa._targets_row(det, tru)
        if g == "dips":
            row |= {
                "dips F1": r["f1"],
                "F1 SD<=0.8": r["f1_noise<=0.8"],
                "2-week rec": r["recall_2_weeks"],
                "2.5-3 rec": r["recall_2.5-3_points"],
                "prec SD>0.9": r["precision_noise>0.9"],
                "bias dip wks": BIAS["dip"][0] / BIAS["dip"][1],
                "bias others": BIAS["other"][0] / BIAS["other"][1],
            }
        else:
            row["synth F1"] = r["f1"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, nargs="+", help="indices into VARIANTS")
    parser.add_argument("--couples", type=int, default=200)
    args = parser.parse_args()
    sets = {g: [sa.Set(g, s, args.couples) for s in sa.TUNING_SEEDS] for g in sa.GENERATORS}
    planted = [sa.Planted(s) for s in sets["dips"]]
    rows = []
    for k in args.only if args.only else range(len(VARIANTS)):
        for z in Z:
            o = {**VARIANTS[k], "z": z}
            label = ", ".join(f"{a}={b}" for a, b in VARIANTS[k].items()) or "find_setbacks"
            rows.append({"#": k, "variant": label, "z": z, **score(sets, planted, o)})
            print(sa.show(pd.DataFrame(rows[-1:])), flush=True)
    print(f"\ntuning seeds {list(sa.TUNING_SEEDS)}, {args.couples} couples each:")
    print(sa.show(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()

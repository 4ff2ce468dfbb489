"""ASYMMETRIC trends for ``find_setbacks`` (steps 1-2), scored on the TUNING seeds only.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/setback_asym.py             # bias and scores, 3-5 min
    nice -n 10 .venv/bin/python benchmarks/setback_asym.py --only current "bw 2.5"
    nice -n 10 .venv/bin/python benchmarks/setback_asym.py --paired current 3.25 "bw 2.5" 3.5

The rounds before (``setback_variants.py``, ``setback_rules.py``, ``setback_noise.py``) found
that neither the decision rule nor the noise estimate limits F1, the trend does: the exclusion
oracle (the detector's own trend fitted without exactly the planted setback weeks) gains about
0.05 of F1.  Twenty-seven *symmetric* trend variants did not recover it.  A setback only ever
pulls scores *down*, so here the trend is made **asymmetric**: it should sit where the partner
is when not in a setback.  Every variant starts from the library's steps 1-2 (the flat fit,
then the line without the weeks ``1.5 * noise0`` below it) unless it says otherwise, and then:

- ``bw c``: iteratively reweighted least squares (4 iterations) of the same local line, with
  Tukey's biweight on the LOWER side only: a week ``r`` below the previous fit gets the weight
  ``(1 - (r / (c * noise0))^2)^2`` (0 beyond ``c * noise0``), a week above it weight 1;
  ``noise0`` is step 1's difference-based noise; ``bw c flat``: started from the flat fit;
  ``bw c trim k``: then a plain (unweighted) line without the weeks ``k * noise0`` below the
  biweight fit (the biweight only chooses the weeks to leave out, as the exclusion oracle does);
  ``bw c sym k``: the same, also without the weeks ``k * noise0`` above it (a symmetric trim
  about the biweight fit, so that the line is not lifted on ordinary weeks);
- ``bw c sn``: the biweight's scale is step 3's noise SD of the library's trend, not ``noise0``;
- ``exp tau``: a local expectile: IRLS with weight ``tau`` above the fit and ``1 - tau`` below,
  times the library's trimming weights (``exp tau notrim``: alone);
- ``qr tau``: a local quantile line by IRLS (weights ``tau / max(|r|, eps)`` above,
  ``(1 - tau) / max(|r|, eps)`` below, ``eps = 0.25 * noise0``, 8 iterations), started from the
  library's line;
- ``env q``: the library's line plus a running ``q`` quantile of its residuals over the same
  17-week window (an upper envelope of the residuals; ``q`` 0.5 is a running median);
- ``runs a b``: the library's trimming limited to runs: a week is left out when it lies ``a *
  noise0`` below the flat fit and a neighbouring week ``b * noise0`` below it (a lone low week
  stays in; ``x2``: once more from the line);
- ``plain``: the library's line through every week, no trimming (a diagnostic: on the null
  series it is what the oracle fits);
- ``gate zg``: no trimming, except of the setbacks found: the plain line, its noise (every
  week), the library's scan, choice and setbacks at ``z`` ``zg`` (``depth``: ``min_depth``), then
  the line again without those setbacks' weeks (``m1``: and one week on each side), and step 3
  on the weeks left (the oracle's form, with found setbacks for planted ones);
- ``oracle``: the exclusion oracle of ``setback_variants.py`` (variant 26) for reference: the
  library's line and noise on exactly the weeks without a planted setback (``dips`` only: on
  ``synth``, whose offsets are not recorded, it is the untrimmed line, and its ``synth`` F1
  means nothing; on the null series every week).

The noise SD and AR(1) coefficient (step 3) are the library's, from the residuals of the
variant's trend over the weeks it keeps (the biweight variants: weight above 1/2; the
expectile: the library's trimmed weeks, or every week with ``notrim``; the quantile line and the
envelope: the weeks at most ``1.5 * noise0`` below their trend; the oracle: the weeks without a
planted setback), and the rule (steps 4-6) is the library's at each ``z`` of the
grid.  A higher trend also makes more false alarms, so the variants are compared **at equal
false alarms** on null series (``setback_rules.py``'s ``fa_null``, the ``dips`` tuning partners'
weeks and planted level with new AR(1) noise): ``z`` is interpolated to the current rule's
rate at ``z`` 3.25 (``clipped``: the rate lies outside the grid's rates, and the figures are those
at the grid's end).  Bias: the mean of ``trend - planted level`` on ``dips`` on the weeks with a
planted offset ("dip weeks"), on the others, and on the null series.  Fresh seeds are never
read here.
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
import setback_rules as sr  # noqa: E402

from trustdata import setbacks as sb  # noqa: E402

VARIANTS: dict[str, dict] = {
    "current": {},
    "bw 2": {"kind": "bw", "c": 2.0},
    "bw 2.5": {"kind": "bw", "c": 2.5},
    "bw 3": {"kind": "bw", "c": 3.0},
    "bw 4": {"kind": "bw", "c": 4.0},
    "bw 2.5 sn": {"kind": "bw", "c": 2.5, "scale": "noise"},
    "bw 3 sn": {"kind": "bw", "c": 3.0, "scale": "noise"},
    "bw 3.5 sn": {"kind": "bw", "c": 3.5, "scale": "noise"},
    "bw 2.5 flat": {"kind": "bw", "c": 2.5, "start": "flat"},
    "bw 3 flat": {"kind": "bw", "c": 3.0, "start": "flat"},
    "bw 2.5 trim 2": {"kind": "bw", "c": 2.5, "then": 2.0},
    "bw 2.5 trim 2.5": {"kind": "bw", "c": 2.5, "then": 2.5},
    "bw 3 trim 2": {"kind": "bw", "c": 3.0, "then": 2.0},
    "bw 3 trim 2.5": {"kind": "bw", "c": 3.0, "then": 2.5},
    "bw 2 trim 2": {"kind": "bw", "c": 2.0, "then": 2.0},
    "bw 2.5 flat trim 2": {"kind": "bw", "c": 2.5, "start": "flat", "then": 2.0},
    "bw 2.5 sym 2": {"kind": "bw", "c": 2.5, "then": 2.0, "sym": True},
    "bw 2.5 sym 2.5": {"kind": "bw", "c": 2.5, "then": 2.5, "sym": True},
    "bw 3 sym 2": {"kind": "bw", "c": 3.0, "then": 2.0, "sym": True},
    "bw 2 sym 2": {"kind": "bw", "c": 2.0, "then": 2.0, "sym": True},
    "exp 0.6": {"kind": "exp", "tau": 0.6},
    "exp 0.7": {"kind": "exp", "tau": 0.7},
    "exp 0.6 notrim": {"kind": "exp", "tau": 0.6, "trim": False},
    "exp 0.7 notrim": {"kind": "exp", "tau": 0.7, "trim": False},
    "qr 0.55": {"kind": "qr", "tau": 0.55},
    "qr 0.6": {"kind": "qr", "tau": 0.6},
    "qr 0.7": {"kind": "qr", "tau": 0.7},
    "plain": {"kind": "plain"},
    "runs 1.5 1": {"kind": "runs", "a": 1.5, "b": 1.0},
    "runs 1.5 1.5": {"kind": "runs", "a": 1.5, "b": 1.5},
    "runs 1 1": {"kind": "runs", "a": 1.0, "b": 1.0},
    "runs 1.5 1 x2": {"kind": "runs", "a": 1.5, "b": 1.0, "passes": 2},
    "runs 1 1 x2": {"kind": "runs", "a": 1.0, "b": 1.0, "passes": 2},
    "gate 2": {"kind": "gate", "zg": 2.0, "m": 0},
    "gate 2 m1": {"kind": "gate", "zg": 2.0, "m": 1},
    "gate 2.5": {"kind": "gate", "zg": 2.5, "m": 0},
    "gate 2.5 m1": {"kind": "gate", "zg": 2.5, "m": 1},
    "gate 2 depth 1.5": {"kind": "gate", "zg": 2.0, "m": 0, "depth": 1.5},
    "oracle": {"kind": "oracle"},
    "env 0.5": {"kind": "env", "q": 0.5},
    "env 0.6": {"kind": "env", "q": 0.6},
    "env 0.65": {"kind": "env", "q": 0.65},
    "env 0.7": {"kind": "env", "q": 0.7},
}


def running_quantile(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: float, chunk: int = 1 << 15
) -> np.ndarray:
    """The ``q`` quantile of ``values[lo:hi]`` for every row (NaNs ignored)."""
    n = len(values)
    width = int((hi - lo).max(initial=0))
    out = np.empty(n)
    padded = np.append(values, np.nan)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        idx = lo[a:b, None] + np.arange(width)[None, :]
        idx = np.where(idx < hi[a:b, None], idx, n)
        out[a:b] = np.nanquantile(padded[idx], q, axis=1)
    return out


def asym_trend(
    score, t, first, code, o: dict, outside: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The variant's trend and the weeks it keeps for the noise estimate (``outside``: the
    weeks without a planted setback, for the oracle)."""
    n = len(score)
    lo, hi = sb._trend_windows(first, code, n, 8)
    noise0 = sb._diff_noise(score, first, code)[code]
    weight = np.ones(n)
    flat = sb._trend(score, t, weight, lo, hi, flat=True)
    trim_w = (score - flat >= -sb._TRIM * noise0).astype("float64")
    trend = sb._trend(score, t, trim_w, lo, hi)
    keep = trim_w > 0
    kind = o.get("kind")
    if kind is None:
        return trend, keep
    if kind == "bw":
        fit = flat if o.get("start") == "flat" else trend
        scale = noise0
        if o.get("scale") == "noise":  # step 3's noise of the library's trend, not noise0
            n_series = len(first)
            scale = sb._upper_noise(score - trend, keep, code, n_series)[code]
        for _ in range(o.get("iters", 4)):
            u = np.minimum(score - fit, 0.0) / (o["c"] * scale)
            w = np.where(u > -1, (1 - u * u) ** 2, 0.0)
            fit = sb._trend(score, t, w, lo, hi)
        if "then" in o:  # a plain line without the weeks `then * noise0` below the bw fit
            r = score - fit
            w = (r >= -o["then"] * noise0) & (~o.get("sym", False) | (r <= o["then"] * noise0))
            w = w.astype("float64")
            fit = sb._trend(score, t, w, lo, hi)
        return fit, w > 0.5
    if kind == "exp":
        fit = trend
        base = trim_w if o.get("trim", True) else np.ones(n)
        for _ in range(o.get("iters", 6)):
            w = base * np.where(score >= fit, o["tau"], 1 - o["tau"])
            fit = sb._trend(score, t, w, lo, hi)
        return fit, keep if o.get("trim", True) else np.ones(n, dtype=bool)
    if kind == "qr":
        fit = trend
        eps = 0.25 * noise0
        for _ in range(o.get("iters", 8)):
            r = score - fit
            w = np.where(r >= 0, o["tau"], 1 - o["tau"]) / np.maximum(np.abs(r), eps)
            fit = sb._trend(score, t, w, lo, hi)
        return fit, score - fit >= -sb._TRIM * noise0
    if kind == "plain":  # the library's line through every week: no trimming at all
        return sb._trend(score, t, weight, lo, hi), np.ones(n, dtype=bool)
    if kind == "runs":  # leave out only low weeks with a low neighbour (setbacks last 2+ weeks)
        same = np.r_[False, code[1:] == code[:-1]]
        fit = flat
        for _ in range(o.get("passes", 1)):
            r = score - fit
            deep, low = r < -o["a"] * noise0, r < -o["b"] * noise0
            before = np.r_[False, low[:-1]] & same
            after = np.r_[low[1:] & same[1:], False]
            w = (~(deep & (before | after))).astype("float64")
            fit = sb._trend(score, t, w, lo, hi)
        return fit, w > 0
    if kind == "gate":  # leave out only the weeks of setbacks found at zg on the plain line
        n_series = len(first)
        plain = sb._trend(score, t, weight, lo, hi)
        resid = score - plain
        every = np.ones(n, dtype=bool)
        noise = sb._upper_noise(resid, every, code, n_series)
        ar = sb._lag1(resid, every, t, code, noise, n_series)
        resid[(np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS] = np.nan
        rules = sb._Rules(o["zg"], 1.0, o.get("depth", 2.0), 8, 1.0)
        row, length, z = sb._scan(resid, t, first, code, ar, noise, rules)
        w_lo, w_hi = sb._select(row, length, z, code, n_series)
        i_start, _, i_last = sb._episodes(w_lo, w_hi, resid, code, rules)
        mark = np.zeros(n + 1, dtype="int64")
        m = o["m"]
        a = np.maximum(i_start - m, first[code[i_start]])
        b = np.minimum(i_last + 1 + m, np.append(first, n)[code[i_start] + 1])
        np.add.at(mark, a, 1)
        np.add.at(mark, b, -1)
        outside_found = np.cumsum(mark)[:n] == 0
        return sb._trend(score, t, outside_found.astype("float64"), lo, hi), outside_found
    if kind == "oracle":  # the library's line on exactly the weeks without a planted setback
        return sb._trend(score, t, outside.astype("float64"), lo, hi), outside
    if kind == "env":
        env = running_quantile(score - trend, lo, hi, o["q"])
        fit = trend + env
        return fit, score - fit >= -sb._TRIM * noise0
    raise ValueError(kind)


def inputs(s: sa.Set, p: sa.Planted, variant: str, *, null: bool = False) -> sr.Inputs:
    """``setback_rules.Inputs`` (own mode) with the variant's trend, noise and AR(1)."""
    x = sr.Inputs(s, p, oracle=False, null=null)
    first, code, t = p.first, p.code, p.t
    n, n_series = len(x.score), len(first)
    outside = np.ones(n, dtype=bool) if null else p.frame["offset"].to_numpy() <= 0
    trend, keep = asym_trend(x.score, t, first, code, VARIANTS[variant], outside)
    resid = x.score - trend
    x.keep = keep
    x.sd = sb._upper_noise(resid, keep, code, n_series)
    x.ar = sb._lag1(resid, keep, t, code, x.sd, n_series)
    resid[(np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS] = np.nan
    x.resid, x.trend = resid, trend
    return x


def bias(xs: list[sr.Inputs], nulls: list[sr.Inputs]) -> dict:
    """Mean ``trend - planted level`` on dip weeks, other weeks and null series (``dips``)."""
    out = {}
    err = np.concatenate([x.trend - x.p.frame["level"].to_numpy() for x in xs])
    dip = np.concatenate([x.p.frame["offset"].to_numpy() > 0 for x in xs])
    out["bias dip wks"] = float(np.nanmean(err[dip]))
    out["bias others"] = float(np.nanmean(err[~dip]))
    nerr = np.concatenate([x.trend - x.p.frame["level"].to_numpy() for x in nulls])
    out["bias null"] = float(np.nanmean(nerr))
    out["|err| others"] = float(np.nanmean(np.abs(err[~dip])))
    return out


def at_rate(rows: pd.DataFrame, rate: float) -> dict:
    """Every figure interpolated (linearly in ``z``) to the ``z`` whose null rate is ``rate``."""
    rows = rows.sort_values("z")
    fa = rows["fa_null"].to_numpy()
    z = rows["z"].to_numpy()
    # fa falls with z: interpolate on the reversed arrays.
    z_at = float(np.interp(rate, fa[::-1], z[::-1]))
    out = {"z@fa": z_at, "clipped": not fa.min() <= rate <= fa.max()}
    for c in ("f1", "f1_le0.8", "r_2wk", "r_2.5-3", "p_sd>0.9", "synth_f1"):
        out[c] = float(np.interp(z_at, z, rows[c].to_numpy()))
    out["fa_null"] = rate
    return out


def paired(sets: dict, planted: dict, one: tuple, two: tuple) -> pd.DataFrame:
    """Per tuning set, tp / fp and F1 of (trend variant, z) ``one`` and ``two``."""
    return sr.paired_variants(sets, planted, one, two, inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(VARIANTS))
    parser.add_argument("--couples", type=int, default=200)
    parser.add_argument(
        "--z", type=float, nargs="*", default=[2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5]
    )
    parser.add_argument("--paired", nargs=4, default=None, metavar=("V_A", "Z_A", "V_B", "Z_B"))
    args = parser.parse_args()
    pd.set_option("display.width", 220)
    clock = time.perf_counter()
    sets = {g: [sa.Set(g, s, args.couples) for s in sa.TUNING_SEEDS] for g in sa.GENERATORS}
    planted = {g: [sa.Planted(s) for s in sets[g]] for g in sa.GENERATORS}
    if args.paired:
        a, za, b, zb = args.paired
        print(sa.show(paired(sets, planted, (a, float(za)), (b, float(zb)))))
        return
    rows, matched = [], []
    rate = None
    for v in ["current", *[v for v in args.only if v != "current"]]:
        xs = {
            g: [inputs(s, p, v) for s, p in zip(sets[g], planted[g], strict=True)]
            for g in sa.GENERATORS
        }
        nulls = [
            inputs(s, p, v, null=True) for s, p in zip(sets["dips"], planted["dips"], strict=True)
        ]
        b = bias(xs["dips"], nulls)
        mine = pd.DataFrame(
            [
                {"trend": v, "z": z, **sr.score_rule(xs, nulls, {"kind": "glr", "z": z})}
                for z in args.z
            ]
        )
        if v == "current":
            rate = float(mine.loc[mine["z"] == 3.25, "fa_null"].iloc[0])
        matched.append({"trend": v, **b, **at_rate(mine, rate)})
        print(sa.show(mine), flush=True)
        print(sa.show(pd.DataFrame(matched[-1:])), flush=True)
        rows.append(mine)
    print(f"\n== tuning seeds {list(sa.TUNING_SEEDS)}, {args.couples} couples ==")
    print(sa.show(pd.concat(rows, ignore_index=True)))
    print(f"\n== at the current rule's null false-alarm rate ({rate:.3f} a partner-year) ==")
    print(sa.show(pd.DataFrame(matched)))
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

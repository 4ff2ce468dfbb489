"""Other NOISE ESTIMATES for ``find_setbacks`` (step 3), scored on the TUNING seeds only.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/setback_noise.py            # bias, then scores
    nice -n 10 .venv/bin/python benchmarks/setback_noise.py --bias     # the bias tables only

The previous round (``setback_rules.py``) found that the decision rule is not the limit: the
detector's own noise SD runs about 18 % low for noisy partners and its AR(1) estimate is about a
third of the planted one.  Here the trend (steps 1-2) and the rule (steps 4-6) stay and the noise
SD and AR(1) coefficient of step 3 change:

- ``planted``: the planted SD (``sqrt(sd^2 + 1/12)``) and AR(1) coefficient on the detector's
  own residuals: what a perfect noise estimate would give (a bound for this round);
- ``upper``: the library's estimate (twice the upper semivariance of the kept residuals; the
  lag-1 autocorrelation of the kept residuals);
- ``sv``: the semivariogram of the residuals at lags 1 and 2 calendar weeks with the 1/12 rounding
  nugget, ``g(h) = 1/12 + s^2 (1 - rho^h)`` (``trustdata.trends._semivariogram`` and
  ``_error_sd``, imported: the estimator ``trend_summary`` uses; differences of 3 points or more
  left out): the SD is the sill ``sqrt(1/12 + s^2)`` (at least 0.5, ``nofloor``: at least
  ``sqrt(1/12)``), the correlation ``rho`` of the AR(1) part (``rho``) or the whole-point noise's
  own lag-1 correlation ``1 - g(1) / sill^2`` (``total``); ``jump4``: differences of up to 4
  points kept (``trends.SUDDEN_JUMP`` set to 4 for the call, then restored). On the weeks step 2
  kept (not more than ``1.5 * noise0`` below the first fit), on every week (``all``), or on the
  weeks not more than ``2`` / ``2.5 * noise0`` below the final trend (``trim2``, ``trim2.5``);
- ``sv sd, lag1`` / ``upper sd, sv rho`` / ``max sd, sv rho``: one part of each, or the larger
  SD;
- ``ch``: the robust semivariogram of Cressie & Hawkins (1980),
  ``2 g(h) = mean(|d|^(1/2))^4 / (0.457 + 0.494 / N)`` (``nocut``: no difference left out);
- ``--alpha``: also the calibrated rule of ``setback_rules.py`` (a threshold per noise estimate,
  set on both generators' null series for ``alpha`` false alarms a partner-year);
- ``centre``: the residuals less their per-series median (in case the trimmed line sits above the
  level and null residuals lean low), with the library's noise or ``sv rho trim2``.

The residuals are those of the detector's own trend (steps 1-2). Each estimate is scored with the
library's rule at several ``z``; the columns are those of ``setback_rules.py`` (its ``fa_null``:
false alarms a partner-year on the ``dips`` null series). The bias tables: by planted noise SD, the
median ratio of the SD estimate to the SD of the whole-point noise ``sqrt(sd^2 + 1/12)``, and the
median AR(1) estimate next to the planted coefficient, on the tuning partners (with their setbacks)
and on the null series.
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
from trustdata import trends  # noqa: E402


def semivariogram_noise(
    x: sr.Inputs,
    *,
    robust: bool,
    ar: str,
    floor: float,
    kept: bool = True,
    cut: float = 3.0,
    trim: float | None = None,
    jump: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """SD and AR(1) coefficient from the semivariogram of the kept residuals (lags 1, 2)."""
    p = x.p
    n_series = len(p.first)
    keep = x.keep if kept else np.ones(len(x.keep), dtype=bool)
    if trim is not None:  # weeks kept for the estimate: not more than trim * noise0 low
        noise0 = sb._diff_noise(x.score, p.first, p.code)
        keep = x.resid_raw >= -trim * noise0[p.code]
    keep = keep & np.isfinite(x.resid_raw)
    sid, off, y = p.code[keep], p.t[keep].astype("int64"), x.resid_raw[keep]
    zero = np.zeros(n_series)
    if robust:
        g = cressie_hawkins(sid, off, y, n_series, cut)
    else:
        saved = trends.SUDDEN_JUMP
        if jump is not None:  # the differences left out (an experiment: trends' own constant)
            trends.SUDDEN_JUMP = jump
        try:
            g = trends._semivariogram(sid, off, y, n_series, slope=zero)
        finally:
            trends.SUDDEN_JUMP = saved
    sd = trends._error_sd(sid, y, n_series, g)
    c = trends.ROUNDING_SD**2
    if ar == "rho":
        g1, g2 = (np.nan_to_num(v, nan=0.0) for v in g)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.clip(np.nan_to_num((g2 - g1) / (g1 - c), nan=0.0), 0.0, trends.MAX_NOISE_RHO)
        rho = np.where(g1 > c, rho, 0.0)
    else:
        g1 = np.nan_to_num(g[0], nan=0.0)
        rho = np.clip(1.0 - g1 / sd**2, 0.0, 0.8)
    return np.maximum(sd, floor), rho


def cressie_hawkins(
    sid: np.ndarray, off: np.ndarray, y: np.ndarray, n_series: int, cut: float
) -> list[np.ndarray]:
    """Cressie & Hawkins's (1980) robust ``g(1)``, ``g(2)`` (differences of 3 points or more left
    out, as in ``trends._semivariogram``)."""
    gs, grid = trends._week_grid(sid, off, y, n_series, np.nan)
    g = []
    for h in (1, 2):
        d = grid[h:] - grid[:-h]
        use = (gs[h:] == gs[:-h]) & np.isfinite(d) & (np.abs(d) < cut)
        cnt = np.bincount(gs[h:][use], minlength=n_series)
        tot = np.bincount(gs[h:][use], weights=np.sqrt(np.abs(d[use])), minlength=n_series)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = tot / cnt
            g.append(m**4 / (0.457 + 0.494 / cnt) / 2.0)
    return g


ESTIMATES: dict[str, dict] = {
    "upper": {},
    "sv rho": {"robust": False, "ar": "rho", "floor": 0.5},
    "sv total": {"robust": False, "ar": "total", "floor": 0.5},
    "sv rho nofloor": {"robust": False, "ar": "rho", "floor": trends.ROUNDING_SD},
    "ch rho": {"robust": True, "ar": "rho", "floor": 0.5},
    "ch total": {"robust": True, "ar": "total", "floor": 0.5},
    "sv rho all": {"robust": False, "ar": "rho", "floor": 0.5, "kept": False},
    "ch rho all": {"robust": True, "ar": "rho", "floor": 0.5, "kept": False},
    "ch rho all nocut": {"robust": True, "ar": "rho", "floor": 0.5, "kept": False, "cut": np.inf},
    "ch rho nocut": {"robust": True, "ar": "rho", "floor": 0.5, "cut": np.inf},
    "sv sd, lag1": {"robust": False, "ar": "rho", "floor": 0.5, "mix": "sd"},
    "upper sd, sv rho": {"robust": False, "ar": "rho", "floor": 0.5, "mix": "ar"},
    "max sd, sv rho": {"robust": False, "ar": "rho", "floor": 0.5, "mix": "max"},
    "sv rho trim2.5": {"robust": False, "ar": "rho", "floor": 0.5, "kept": False, "trim": 2.5},
    "sv rho trim2": {"robust": False, "ar": "rho", "floor": 0.5, "kept": False, "trim": 2.0},
    "sv rho trim2 jump4": {
        "robust": False,
        "ar": "rho",
        "floor": 0.5,
        "kept": False,
        "trim": 2.0,
        "jump": 4.0,
    },
    "sv rho jump4": {"robust": False, "ar": "rho", "floor": 0.5, "jump": 4.0},
    "ch total all nocut": {
        "robust": True,
        "ar": "total",
        "floor": 0.5,
        "kept": False,
        "cut": np.inf,
    },
}


def inputs(s: sa.Set, p: sa.Planted, estimate: str, *, null: bool = False) -> sr.Inputs:
    """The detector's own residuals with the noise SD and AR(1) coefficient of ``estimate``."""
    x = sr.Inputs(s, p, oracle=False, null=null)
    if estimate == "upper":
        return x
    if estimate == "planted":  # the planted SD and AR(1) on the detector's own residuals
        f, first = p.frame, p.first
        x.sd = np.sqrt(f["noise_sd"].to_numpy()[first] ** 2 + 1 / 12)
        x.ar = f["ar"].to_numpy()[first]
        return x
    if estimate.startswith("centre"):  # residuals less their per-series median (all weeks)
        med = sb._group_median(np.nan_to_num(x.resid_raw), p.code, len(p.first))
        x.resid = x.resid - med[p.code]
        x.resid_raw = x.resid_raw - med[p.code]
        if estimate == "centre":
            return x
        estimate = estimate.removeprefix("centre ")
    options = dict(ESTIMATES[estimate])
    mix = options.pop("mix", None)
    sd, ar = semivariogram_noise(x, **options)
    if mix == "sd":  # the semivariogram's SD, the library's lag-1 correlation
        ar = sb._lag1(x.resid_raw, x.keep, x.p.t, x.p.code, sd, len(x.p.first))
    elif mix == "ar":  # the library's SD, the semivariogram's correlation
        sd = x.sd
    elif mix == "max":
        sd = np.maximum(sd, x.sd)
    x.sd, x.ar = sd, ar
    return x


def _raw_resid_patch() -> None:
    """Keep the residuals before short series are blanked (``resid_raw``)."""
    init = sr.Inputs.__init__

    def wrapped(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.resid_raw = self.resid.copy()

    sr.Inputs.__init__ = wrapped


def bias(xs: list[sr.Inputs]) -> pd.DataFrame:
    return sr.noise_bias(xs)


def paired(sets: dict, planted: dict, one: tuple, two: tuple) -> pd.DataFrame:
    """Per tuning set, tp / fp and F1 of (noise estimate, z) ``one`` and ``two``."""
    return sr.paired_variants(sets, planted, one, two, inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bias", action="store_true", help="only the bias tables")
    parser.add_argument("--couples", type=int, default=200)
    parser.add_argument(
        "--estimates", nargs="*", default=["planted", *ESTIMATES, "centre", "centre sv rho trim2"]
    )
    parser.add_argument("--z", type=float, nargs="*", default=[3.0, 3.25, 3.5, 3.75, 4.0])
    parser.add_argument(
        "--alpha",
        type=float,
        nargs="*",
        default=[],
        help="also the calibrated rule of setback_rules.py at these null false-alarm rates",
    )
    parser.add_argument("--paired", nargs=4, default=None, metavar=("EST_A", "Z_A", "EST_B", "Z_B"))
    args = parser.parse_args()
    _raw_resid_patch()
    pd.set_option("display.width", 200)
    clock = time.perf_counter()
    sets = {g: [sa.Set(g, s, args.couples) for s in sa.TUNING_SEEDS] for g in sa.GENERATORS}
    planted = {g: [sa.Planted(s) for s in sets[g]] for g in sa.GENERATORS}
    if args.paired:
        a, za, b, zb = args.paired
        print(sa.show(paired(sets, planted, (a, float(za)), (b, float(zb)))))
        return
    rows = []
    for est in args.estimates:
        xs = {
            g: [inputs(s, p, est) for s, p in zip(sets[g], planted[g], strict=True)]
            for g in sa.GENERATORS
        }
        nulls = [
            inputs(s, p, est, null=True) for s, p in zip(sets["dips"], planted["dips"], strict=True)
        ]
        for g in sa.GENERATORS:
            print(f"{est}: the estimate on the {g} tuning partners, by planted noise SD")
            print(sa.show(bias(xs[g])))
        print(f"{est}: the estimate on the dips null series, by planted noise SD")
        print(sa.show(bias(nulls)))
        if args.bias:
            continue
        mine = [
            {"noise": est, "z": z, **sr.score_rule(xs, nulls, {"kind": "glr", "z": z})}
            for z in args.z
        ]
        if args.alpha:  # thresholds per noise estimate, calibrated on both generators' nulls
            cal = sr.calibrate(
                [
                    inputs(s, p, est, null=True)
                    for g in sa.GENERATORS
                    for s, p in zip(sets[g], planted[g], strict=True)
                ]
            )
            for a in args.alpha:
                rule = {"kind": "glr", "alpha": a, "ztab": sr.threshold_table(cal, a)}
                mine.append({"noise": est, "z": np.nan, **sr.score_rule(xs, nulls, rule)})
        print(sa.show(pd.DataFrame(mine)), flush=True)
        rows += mine
    if rows:
        print(f"\n== tuning seeds {list(sa.TUNING_SEEDS)}, {args.couples} couples ==")
        print(sa.show(pd.DataFrame(rows)))
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

"""A TWO-STATE (level / setback) model for ``find_setbacks``, scored on the TUNING seeds only.

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/setback_twostate.py             # every variant
    nice -n 10 .venv/bin/python benchmarks/setback_twostate.py --only current "w fixed"
    nice -n 10 .venv/bin/python benchmarks/setback_twostate.py --paired current 3.25 "w fixed" 3.25

The rounds before changed the decision rule (``setback_rules.py``), the noise estimate
(``setback_noise.py``) and the trend week by week (``setback_variants.py``, ``setback_asym.py``);
none beat the current rule.  The exclusion oracle (the library's own line and noise fitted on
exactly the weeks without a planted setback) gains about 0.05 of F1: it leaves a setback's
weeks out of the trend *and* keeps ordinary low weeks, which no week-by-week rule managed.  Here
the weeks to leave out come from a **two-state model** of each partner's residuals from their
trend:

- hidden states per observed week: **level** (residual ``~ N(0, noise)``) or **setback**
  (residual ``~ N(-mu, sqrt(noise**2 + tau**2))``), ``noise`` the partner's step-3 estimate;
- a Markov chain on calendar weeks: from level to setback with probability ``a`` a week, from
  setback back to level with ``b`` (a gap of ``g`` weeks: the chain's ``g``-step transition,
  so a missed week weakens the link); the first week starts from the chain's stationary law;
- the posterior probability ``P(setback)`` of every week by the forward-backward algorithm,
  run over all partners at once (one step per week position, vectorised over partners; a
  partner's missed weeks have no row, their gap is in the transition).

The parameters ``a``, ``b``, ``mu``, ``tau`` are shared by all partners: **fixed** priors
(``a`` 0.03, ``b`` 0.2, ``mu`` 2.5, ``tau`` 1: about 1.5 setbacks a year of 5 weeks, 2.5
points deep), or **estimated on the cohort at once** (``em``: pooled Baum-Welch updates of all
four from every partner's posteriors, a few iterations, with pseudo-counts on the priors).
Persistence is the point: one low week is rarely a setback under the chain (entering costs
``a``), two or three low weeks in a row are.

Then, as in the exclusion oracle, the library's trend (step 2's straight line) is fitted again
with the weeks' weights ``1 - P(setback)`` (``soft``) or without the weeks whose ``P(setback)
>= 1/2`` (hard, the default), the noise and AR(1) (step 3) are re-estimated on the weeks kept,
and the model is run again on the new residuals (``it`` rounds in all).  The decision is:

- ``w``: the library's scan, choice and setbacks (rules 4-6) at ``z`` on the final residuals
  (the two-state model only chooses the weeks to leave out of the trend);
- ``post``: the runs of weeks with ``P(setback) >= p`` (default 1/2) as the setbacks, through
  rule 6 (extended over adjacent weeks more than ``recover_within`` low, merged, ``min_depth``):
  the model's own decision (a posterior-decoding detector; ``z`` is then unused).

Other keys of :data:`VARIANTS`: ``by`` (``em``'s estimates shared by the whole cohort, the
default, by each couple, or by each partner), ``k`` (the pseudo-counts, default 20),
``em_steps`` (updates a round, default 3), ``it`` (rounds, default 2), ``tw`` (the trend's half
window, default 8), ``a``, ``b``, ``mu``, ``tau`` (fixed priors), ``cut`` (the hard cut).
Weights within 0.001 of 0 or 1 are made 0 or 1, as in the library.  The library's step 3b
(``trustdata.setbacks``) is the variant ``w em soft partner k10 1x`` at ``z`` 3 (its
setbacks are the same on tuning seed 1 of both generators); ``current`` stays the rule before
it (steps 1-3 as ``setback_rules.Inputs`` computes them).

Variants also start the model from the untrimmed line (``plain``: every week in, the trend on
which the null series give few false alarms) instead of the library's trimmed one.

Columns: those of ``setback_rules.py`` (the ``dips`` targets' figures, ``synth`` F1 and false
alarms a partner-year on the ``dips`` null series), each variant at every ``z`` of the grid.
``--paired`` compares two ``(variant, z)`` per tuning seed with ``setback_rules.paired_row``.
``--bias`` prints the trend's mean error on ``dips`` dip weeks / other weeks / null series.
Fresh seeds are never read here.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import setback_accuracy as sa  # noqa: E402
import setback_rules as sr  # noqa: E402

from trustdata import setbacks as sb  # noqa: E402


@dataclass
class Params:
    """The two-state model's shared parameters."""

    a: float = 0.03  # level -> setback, a week
    b: float = 0.2  # setback -> level, a week
    mu: float = 2.5  # a setback week's mean residual, points below the trend
    tau: float = 1.0  # the spread of setback weeks' offsets (points), added to the noise


VARIANTS: dict[str, dict] = {
    "current": {},
    "w fixed": {"kind": "w"},
    "w fixed it3": {"kind": "w", "it": 3},
    "w fixed soft": {"kind": "w", "soft": True},
    "w fixed plain": {"kind": "w", "start": "plain"},
    "w fixed plain it3": {"kind": "w", "start": "plain", "it": 3},
    "w fixed a.01": {"kind": "w", "a": 0.01},
    "w fixed a.1": {"kind": "w", "a": 0.1},
    "w fixed mu2": {"kind": "w", "mu": 2.0},
    "w fixed mu3": {"kind": "w", "mu": 3.0},
    "w fixed keep.3": {"kind": "w", "cut": 0.3},
    "w fixed keep.7": {"kind": "w", "cut": 0.7},
    "w em": {"kind": "w", "em": True},
    "w em plain": {"kind": "w", "em": True, "start": "plain"},
    "w em it3": {"kind": "w", "em": True, "it": 3},
    "w fixed soft it3": {"kind": "w", "soft": True, "it": 3},
    "w fixed soft b.3": {"kind": "w", "soft": True, "b": 0.3},
    "w fixed soft tau.5": {"kind": "w", "soft": True, "tau": 0.5},
    "w fixed soft tau1.5": {"kind": "w", "soft": True, "tau": 1.5},
    "w fixed soft a.05": {"kind": "w", "soft": True, "a": 0.05},
    "w fixed soft mu2": {"kind": "w", "soft": True, "mu": 2.0},
    "w em soft": {"kind": "w", "em": True, "soft": True},
    "w em soft it3": {"kind": "w", "em": True, "soft": True, "it": 3},
    "w fixed soft em-like": {"kind": "w", "soft": True, "b": 0.27, "mu": 2.6},
    "w em soft k100": {"kind": "w", "em": True, "soft": True, "k": 100.0},
    "w em soft k5": {"kind": "w", "em": True, "soft": True, "k": 5.0},
    "w em soft 1x": {"kind": "w", "em": True, "soft": True, "em_steps": 1},
    "w em soft tw10": {"kind": "w", "em": True, "soft": True, "tw": 10},
    "w em soft tw12": {"kind": "w", "em": True, "soft": True, "tw": 12},
    "w em soft tw6": {"kind": "w", "em": True, "soft": True, "tw": 6},
    "w em soft couple": {"kind": "w", "em": True, "soft": True, "by": "couple"},
    "w em soft partner": {"kind": "w", "em": True, "soft": True, "by": "partner"},
    "w em soft couple k50": {"kind": "w", "em": True, "soft": True, "by": "couple", "k": 50.0},
    "w em soft couple k10": {"kind": "w", "em": True, "soft": True, "by": "couple", "k": 10.0},
    "w em soft couple k10 1x": {
        "kind": "w",
        "em": True,
        "soft": True,
        "by": "couple",
        "k": 10.0,
        "em_steps": 1,
    },
    "w em partner k10 1x": {"kind": "w", "em": True, "by": "partner", "k": 10.0, "em_steps": 1},
    "w em partner 1x": {"kind": "w", "em": True, "by": "partner", "em_steps": 1},
    "w em partner k5 1x": {"kind": "w", "em": True, "by": "partner", "k": 5.0, "em_steps": 1},
    "w em soft partner k10 1x": {
        "kind": "w",
        "em": True,
        "soft": True,
        "by": "partner",
        "k": 10.0,
        "em_steps": 1,
    },
    "post fixed": {"kind": "post"},
    "post fixed p.7": {"kind": "post", "p": 0.7},
    "post fixed p.9": {"kind": "post", "p": 0.9},
    "post em": {"kind": "post", "em": True},
    "post em p.8": {"kind": "post", "em": True, "p": 0.8},
}
Z_GRID = (3.0, 3.25, 3.5)
#: Seeds beyond the tuning seeds 1-3, drawn for this round only to check the paired differences
#: of the variants chosen on 1-3 against seed noise (never fresh: the fresh seeds come after).
CHECK_SEEDS = (4, 5, 6, 7, 8, 9)


def _positions(first: np.ndarray, code: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    pos = np.arange(n) - first[code]
    return pos, int(pos.max(initial=-1)) + 1


def posterior(
    resid: np.ndarray,
    noise: np.ndarray,
    t: np.ndarray,
    first: np.ndarray,
    code: np.ndarray,
    par: Params,
) -> tuple[np.ndarray, dict]:
    """``P(setback)`` of every row (NaN residuals carry no evidence) by forward-backward over
    all partners at once, and per series the expected one-week transitions (``"00"``, ``"01"``,
    ``"10"``, ``"11"``) for the updates of :class:`Params` (whose fields may be scalars or
    arrays with one value per series)."""
    n, n_series = len(resid), len(first)
    pos, width = _positions(first, code, n)

    def per_row(v):
        return np.broadcast_to(np.asarray(v, dtype="float64"), (n_series,))[code]

    a, b, mu, tau = (per_row(v) for v in (par.a, par.b, par.mu, par.tau))
    sd = noise[code]
    sd1 = np.sqrt(sd * sd + tau**2)
    r = np.nan_to_num(resid, nan=0.0)
    # Likelihood ratio setback / level of each week (NaN: 1, no evidence), clipped to e**+-30
    # (as the library: beyond it a week decides alone anyway, and smaller numbers go subnormal).
    log_ratio = -0.5 * ((r + mu) / sd1) ** 2 + 0.5 * (r / sd) ** 2 - np.log(sd1 / sd)
    ratio = np.exp(np.clip(log_ratio, -30, 30))
    ratio[np.isnan(resid)] = 1.0
    gap = np.ones(n)
    gap[1:] = t[1:] - t[:-1]
    gap[first] = 1.0
    lam = 1.0 - a - b
    pi1 = a / (a + b)
    decay = lam**gap
    p01 = pi1 * (1.0 - decay)  # level -> setback over the gap before the row
    p11 = pi1 + (1.0 - pi1) * decay  # setback -> setback
    # (width, n_series) grids, padding: ratio 1, no change of state.
    live = np.zeros((width, n_series), dtype=bool)
    live[pos, code] = True
    e1 = np.ones((width, n_series))
    e1[pos, code] = ratio
    g01 = np.zeros((width, n_series))
    g11 = np.ones((width, n_series))
    g01[pos, code] = p01
    g11[pos, code] = p11
    g01[0] = g11[0] = pi1[first]  # the first week: the stationary law
    f1 = np.empty((width, n_series))  # filtered P(setback)
    for k in range(width):
        prior = g01[0] if k == 0 else (1.0 - f1[k - 1]) * g01[k] + f1[k - 1] * g11[k]
        num = prior * e1[k]
        f1[k] = num / (num + 1.0 - prior)
    # Backward messages, normalised so that b0 + b1 = 1.
    b1 = np.empty((width, n_series))
    b1[-1] = 0.5
    for k in range(width - 2, -1, -1):
        nb1, ne1 = b1[k + 1], e1[k + 1]
        nb0 = 1.0 - nb1
        to0 = (1.0 - g01[k + 1]) * nb0 + g01[k + 1] * ne1 * nb1
        to1 = (1.0 - g11[k + 1]) * nb0 + g11[k + 1] * ne1 * nb1
        b1[k] = to1 / (to0 + to1)
    post = f1 * b1 / (f1 * b1 + (1.0 - f1) * (1.0 - b1))
    # Expected transitions over one-week steps between observed weeks (for the updates).
    gap_grid = np.zeros((width, n_series))
    gap_grid[pos, code] = gap
    m = live[1:] & (gap_grid[1:] == 1) & live[:-1]
    pf1, nb1, ne1 = f1[:-1], b1[1:], e1[1:]
    x00 = (1 - pf1) * (1 - g01[1:]) * (1 - nb1)
    x01 = (1 - pf1) * g01[1:] * ne1 * nb1
    x10 = pf1 * (1 - g11[1:]) * (1 - nb1)
    x11 = pf1 * g11[1:] * ne1 * nb1
    tot = x00 + x01 + x10 + x11
    counts = {
        k: np.where(m, v / tot, 0.0).sum(axis=0)
        for k, v in zip(("00", "01", "10", "11"), (x00, x01, x10, x11), strict=True)
    }
    return post[pos, code], counts


def update(
    par: Params,
    post: np.ndarray,
    counts: dict,
    resid: np.ndarray,
    noise_row: np.ndarray,
    code: np.ndarray,
    group: np.ndarray,
    k: float = 20.0,
) -> Params:
    """Baum-Welch updates of the parameters shared by the series of each ``group`` (one
    number per series: 0 for all, the couple, or the series itself), with pseudo-counts on the
    priors (``a``, ``b``: ``k`` transitions' worth; ``mu``, ``tau``: ``k`` weeks')."""
    prior = Params()
    n_groups = int(group.max()) + 1

    def by_group(v):
        return np.bincount(group, weights=v, minlength=n_groups)

    c00, c01, c10, c11 = (by_group(counts[x]) for x in ("00", "01", "10", "11"))
    a = (c01 + k * prior.a) / (c00 + c01 + k)
    b = (c10 + k * prior.b) / (c10 + c11 + k)
    ok = ~np.isnan(resid)
    row_group = group[code]
    w = np.where(ok, post, 0.0)
    r = np.where(ok, resid, 0.0)

    def by_row(v):
        return np.bincount(row_group, weights=v, minlength=n_groups)

    mu = (-by_row(w * r) + k * prior.mu) / (by_row(w) + k)
    mu_row = mu[row_group]
    var = (by_row(w * ((r + mu_row) ** 2 - noise_row**2)) + k * prior.tau**2) / (by_row(w) + k)
    tau = np.sqrt(np.maximum(var, 0.25**2))
    return Params(
        a=np.clip(a, 1e-3, 0.3)[group],
        b=np.clip(b, 0.05, 0.9)[group],
        mu=np.maximum(mu, 1.0)[group],
        tau=tau[group],
    )


class TwoState(sr.Inputs):
    """:class:`setback_rules.Inputs` of the detector's own trend, then the two-state model's
    refits of the trend and noise (``variant``); ``post`` holds ``P(setback)`` of every row."""

    def __init__(self, s, p, variant: dict, *, null: bool = False) -> None:
        super().__init__(s, p, oracle=False, null=null)
        self.post = np.zeros(len(self.score))
        self.params = None
        if not variant:
            return
        first, code, t = p.first, p.code, p.t
        n, n_series = len(self.score), len(first)
        score = self.score
        lo, hi = sb._trend_windows(first, code, n, variant.get("tw", 8))
        short = (np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS
        if variant.get("start") == "plain":
            trend = sb._trend(score, t, np.ones(n), lo, hi)
            resid = score - trend
            keep = np.ones(n, dtype=bool)
            sd = sb._upper_noise(resid, keep, code, n_series)
        else:
            resid, sd = self.resid.copy(), self.sd
        par = Params(
            a=variant.get("a", Params.a),
            b=variant.get("b", Params.b),
            mu=variant.get("mu", Params.mu),
            tau=variant.get("tau", Params.tau),
        )
        cut = variant.get("cut", 0.5)
        by = variant.get("by", "all")
        if by == "all":
            group = np.zeros(n_series, dtype="int64")
        elif by == "couple":
            group = pd.factorize(p.frame["couple_id"].to_numpy()[first])[0]
        else:
            group = np.arange(n_series)
        for _ in range(variant.get("it", 2)):
            r_in = resid.copy()
            r_in[short] = np.nan
            post, counts = posterior(r_in, sd, t, first, code, par)
            if variant.get("em"):
                for _ in range(variant.get("em_steps", 3)):
                    par = update(
                        par, post, counts, r_in, sd[code], code, group, variant.get("k", 20.0)
                    )
                    post, counts = posterior(r_in, sd, t, first, code, par)
            weight = 1.0 - post if variant.get("soft") else (post < cut).astype("float64")
            weight[weight < 1e-3] = 0.0  # as the library: surely a setback's week is out ...
            weight[weight > 1 - 1e-3] = 1.0  # ... and surely not, in whole
            trend = sb._trend(score, t, weight, lo, hi)
            resid = score - trend
            keep = post < cut
            sd = sb._upper_noise(resid, keep, code, n_series)
        ar = sb._lag1(resid, keep, t, code, sd, n_series)
        resid[short] = np.nan
        self.resid, self.sd, self.ar, self.keep = resid, sd, ar, keep
        self.params = par
        if variant["kind"] == "post":
            self.post, _ = posterior(resid, sd, t, first, code, par)


def detect(x: TwoState, variant: dict, z: float) -> pd.DataFrame:
    if variant.get("kind") != "post":
        return sr.detect(x, {"kind": "glr", "z": z})
    p = x.p
    f, first, code = p.frame, p.first, p.code
    rules = sb._Rules(z=z, min_shift=1.0, min_depth=sr.MIN_DEPTH, max_weeks=8, recover_within=1.0)
    on = x.post >= variant.get("p", 0.5)
    same_prev = np.r_[False, code[1:] == code[:-1]]
    new_run = on & ~(np.r_[False, on[:-1]] & same_prev)
    rows = np.flatnonzero(on)
    if len(rows) == 0:
        return sa._episode_frame(f, first, code, *(np.array([], dtype="int64"),) * 2)
    run = (np.cumsum(new_run) - 1)[rows]
    n_runs = int(run[-1]) + 1
    r_lo = np.full(n_runs, len(on))
    r_hi = np.full(n_runs, -1)
    np.minimum.at(r_lo, run, rows)
    np.maximum.at(r_hi, run, rows)
    i_lo, _, i_hi = sb._episodes(r_lo, r_hi + 1, x.resid, code, rules)
    return sa._episode_frame(f, first, code, i_lo, i_hi)


def score(inputs: dict, nulls: list, variant: dict, z: float) -> dict:
    return sr.score_detector(inputs, nulls, lambda x: detect(x, variant, z))


def bias(inputs: dict, nulls: list) -> dict:
    """Mean ``trend - planted level`` on ``dips``: dip weeks, other weeks, null series."""
    dip, other, null = [], [], []
    for x in inputs["dips"]:
        f = x.p.frame
        err = (x.score - x.resid) - f["level"].to_numpy()
        off = f["offset"].to_numpy() > 0
        dip.append(err[off])
        other.append(err[~off])
    for x in nulls:
        null.append((x.score - x.resid) - x.p.frame["level"].to_numpy())
    return {
        k: float(np.nanmean(np.concatenate(v)))
        for k, v in (("bias_dip", dip), ("bias_other", other), ("bias_null", null))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=None, help="variant names")
    parser.add_argument("--z", type=float, nargs="*", default=list(Z_GRID))
    parser.add_argument("--bias", action="store_true")
    parser.add_argument(
        "--paired", nargs=4, default=None, metavar=("A", "ZA", "B", "ZB"), help="per seed"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=list(sa.TUNING_SEEDS),
        help=f"tuning seeds (default {list(sa.TUNING_SEEDS)}; --paired also checked {CHECK_SEEDS})",
    )
    args = parser.parse_args()
    clash = set(args.seeds) & {*sa.FRESH_SEEDS, *sa.PREVIOUS_FRESH_SEEDS}
    if clash:
        parser.error(f"seeds {sorted(clash)} are fresh seeds: never read here")
    clock = time.perf_counter()
    sets = {g: [sa.Set(g, s, args.couples) for s in args.seeds] for g in sa.GENERATORS}
    planted = {g: [sa.Planted(s) for s in sets[g]] for g in sa.GENERATORS}
    pd.set_option("display.width", 220)
    if args.paired:
        (va, za, vb, zb) = args.paired
        rows = []
        for g in sa.GENERATORS:
            for s, p in zip(sets[g], planted[g], strict=True):
                found = {
                    name: detect(TwoState(s, p, VARIANTS[v]), VARIANTS[v], float(zz))
                    for name, v, zz in (("a", va, za), ("b", vb, zb))
                }
                rows.append(sr.paired_row(g, s.seed, s.truth, found))
        print(f"a: {va} z {za}; b: {vb} z {zb}")
        frame = pd.DataFrame(rows)
        print(sa.show(frame))
        for g, d in frame.groupby("generator", sort=False)["f1_b-a"]:
            t_stat = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
            print(
                f"{g}: F1 b - a mean {d.mean():+.4f}, SD {d.std(ddof=1):.4f}, "
                f"{int((d > 0).sum())} of {len(d)} seeds up, paired t {t_stat:.2f}"
            )
        return
    names = list(VARIANTS) if args.only is None else args.only
    rows = []
    for name in names:
        v = VARIANTS[name]
        inputs = {
            g: [TwoState(s, p, v) for s, p in zip(sets[g], planted[g], strict=True)]
            for g in sa.GENERATORS
        }
        nulls = [
            TwoState(s, p, v, null=True) for s, p in zip(sets["dips"], planted["dips"], strict=True)
        ]
        extra = bias(inputs, nulls) if args.bias else {}
        for g in sa.GENERATORS if v.get("em") else ():
            par = inputs[g][0].params
            med = [float(np.median(v)) for v in (par.a, par.b, par.mu, par.tau)]
            extra[f"{g} seed 1: a b mu tau"] = "{:.3f} {:.3f} {:.2f} {:.2f}".format(*med)
        zs = args.z if v.get("kind") != "post" else [3.25]
        for z in zs:
            rows.append({"variant": name, "z": z, **score(inputs, nulls, v, z), **extra})
        print(sa.show(pd.DataFrame(rows[-len(zs) :])), flush=True)
    print(
        f"\n== two-state variants (tuning seeds {list(sa.TUNING_SEEDS)}, {args.couples} couples) =="
    )
    print(sa.show(pd.DataFrame(rows)))
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

"""The ninth verdict round: rules that use a partner's own noise and setbacks, tuning seeds.

Run from the repository root (a few minutes; the library is not changed, each candidate is
patched into :mod:`trustdata.trends` for the run and restored)::

    nice -n 10 .venv/bin/python benchmarks/verdict_noise.py            # every candidate
    nice -n 10 .venv/bin/python benchmarks/verdict_noise.py --quick    # a smoke run
    nice -n 10 .venv/bin/python benchmarks/verdict_noise.py --fresh    # spent fresh seeds

The question (issue 9, ``docs/verdicts.md``, "Ninth round"): synth's flat partners called
"improved" start inside a planted setback; can the partner's own residual noise around its
local level tell that start from a real early rise of ``benchmarks/_arcs.py``?  Printed, per
candidate, the figures of :func:`verdict_accuracy.score` on the tuning seeds
(:data:`verdict_accuracy.TUNING_SEEDS`, :data:`verdict_accuracy.SYNTH_TUNING_SEEDS`):

- ``main``: the rules as they are;
- ``mirror``: the dip rule of ``trends._dip_weeks`` run backwards in time (a rise of
  :data:`trustdata.trends.SUDDEN_JUMP` points or more with every score before it at least
  ``DIP_MARGIN`` below the level after it, held by the first scores within the trailing dip's
  limits): a setback whose drop came before the logs began; ``mirror z``: only where the first
  scores' mean is more than ``z * sqrt(2) * s`` below the mean of the 4 scores after them,
  ``s`` the partner's noise (the root of half the mean square of successive differences under
  3 points, ``trends._successive_error``, at least the rounding error);
- ``low z m``: the first ``m`` to 8 scores (at most a quarter of the scores after them) each
  more than ``z * s`` below the median of the 8 scores after them are set aside (the longest
  such run);
- ``index c``: the reliable change must be larger relative to the noise: ``RCI_CUTOFF``
  ``c`` instead of 1.96 (the trend route unchanged);
- ``setbacks`` (the round's candidate, :func:`setback_prone_weeks`): a low start is set aside
  only for a partner whose logs show a setback elsewhere (a dip set aside of at least
  ``MIN_END_WEEKS`` weekly scores): the longest run of 1 to ``MAX_TRAILING_DIP`` first scores
  (at most ``TRAILING_DIP_SHARE`` of the scores after it) each more than ``RCI_CUTOFF *
  sqrt(2) * s`` below the median of the :data:`AFTER` scores after it; ``setbacks >= L``
  with a setback of at least ``L`` scores, ``setbacks z`` with ``z * s``.

``--fresh`` scores ``main`` and ``setbacks`` alone on :data:`verdict_accuracy.FRESH_SEEDS` /
:data:`verdict_accuracy.SYNTH_FRESH_SEEDS` (run once in the ninth round, after the choice;
those seeds are spent now).

Then the frontier: the synth flat partners called improved, their index, ``error_sd``, the
root mean square of their weekly scores around a running median of 5 (their residual noise
around the local level), their first scores and the residual of the best ``_arcs.py``
improving arc through their kept weekly scores (:func:`arc_fit`; through every weekly score
for all the flat partners called a change), against the arcs' real rises with the same
figures.  The last column of the table counts right verdicts gained and lost against main.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import verdict_accuracy as va

import trustdata.trends as T

#: how many weekly scores after a low start give the level it is compared with
AFTER = 8


def _noise(sid: np.ndarray, y: np.ndarray, n_series: int) -> np.ndarray:
    """The partner's noise of one weekly score: sqrt of half the mean square successive
    difference under 3 points, at least the rounding error."""
    g1 = np.nan_to_num(T._successive_error(sid, y, n_series))
    return np.sqrt(np.maximum(g1, T.ROUNDING_SD**2))


def _runs(sid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.r_[0, np.flatnonzero(np.diff(sid)) + 1] if len(sid) else np.zeros(0, int)
    return starts, np.r_[starts[1:], len(sid)]


def mirror_weeks(sid: np.ndarray, y: np.ndarray, n_series: int, z: float | None) -> np.ndarray:
    """The dip rule backwards in time: the dips of the reversed series that hold its last
    (here: the first) score; with ``z``, only those low by ``z * sqrt(2) * noise``."""
    n = len(y)
    pos = np.arange(n)
    order = np.lexsort((-pos, sid))
    rs, ry = sid[order], y[order]
    dip = T._dip_weeks(rs, ry)
    lead = np.zeros(n, dtype=bool)
    for a, b in zip(*_runs(rs), strict=True):
        j = b - 1
        while j >= a and dip[j]:
            lead[j] = True
            j -= 1
    out = np.zeros(n, dtype=bool)
    out[order] = lead
    if z is not None:
        s = _noise(sid, y, n_series)
        for a, b in zip(*_runs(sid), strict=True):
            m = int(out[a:b].sum())
            if (
                m
                and not y[a + m : a + m + 4].mean() - y[a : a + m].mean()
                > z * np.sqrt(2) * s[sid[a]]
            ):
                out[a : a + m] = False
    return out


def low_start_weeks(
    sid: np.ndarray, y: np.ndarray, n_series: int, z: float, min_run: int
) -> np.ndarray:
    """The longest run of ``min_run`` to ``MAX_TRAILING_DIP`` first scores, at most
    ``TRAILING_DIP_SHARE`` of the scores after it, each more than ``z * noise`` below the
    median of the :data:`AFTER` scores after it."""
    s = _noise(sid, y, n_series)
    out = np.zeros(len(y), dtype=bool)
    for a, b in zip(*_runs(sid), strict=True):
        v = y[a:b]
        best = 0
        for m in range(min_run, T.MAX_TRAILING_DIP + 1):
            if m + AFTER > len(v) or m > T.TRAILING_DIP_SHARE * (len(v) - m):
                break
            if np.all(v[:m] < np.median(v[m : m + AFTER]) - z * s[sid[a]]):
                best = m
        out[a : a + best] = True
    return out


def setback_prone_weeks(
    sid: np.ndarray,
    y: np.ndarray,
    n_series: int,
    z: float = T.RCI_CUTOFF * np.sqrt(2.0),
    min_dip: int = T.MIN_END_WEEKS,
) -> np.ndarray:
    """The candidate: a low start of a partner with a setback of ``min_dip`` scores elsewhere
    (see the module docstring); vectorised as it was patched into ``trends._set_aside``."""
    out = np.zeros(len(y), dtype=bool)
    if not len(y):
        return out
    dips = T._dip_weeks(sid, y)
    n = np.bincount(sid, minlength=n_series)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    same = np.r_[False, sid[1:] == sid[:-1]]
    run = np.cumsum(dips & ~(same & np.r_[False, dips[:-1]])) * dips
    length = np.bincount(run)
    longest = np.zeros(n_series, dtype=np.int64)
    np.maximum.at(longest, sid[dips], length[run[dips]])
    cand = np.flatnonzero(longest >= min_dip)
    if not len(cand):
        return out
    j = np.arange(T.MAX_TRAILING_DIP + AFTER)
    pos = starts[cand][:, None] + j[None, :]
    grid = np.where(j[None, :] < n[cand][:, None], y[np.minimum(pos, len(y) - 1)], np.nan)
    margin = z * _noise(sid, y, n_series)[cand]
    best = np.zeros(len(cand), dtype=np.int64)
    for m in range(1, T.MAX_TRAILING_DIP + 1):
        fits = (n[cand] >= m + AFTER) & (m <= T.TRAILING_DIP_SHARE * (n[cand] - m))
        with np.errstate(invalid="ignore"):
            level = np.median(grid[:, m : m + AFTER], axis=1)
            low = grid[:, :m].max(axis=1) < level - margin
        best = np.where(fits & low, m, best)
    held = np.zeros(n_series, dtype=np.int64)
    held[cand] = best
    return np.arange(len(y)) - starts[sid] < held[sid]


def with_lead(lead: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> Callable:
    """``trends._set_aside`` with ``lead``'s first weeks set aside as well."""

    def set_aside(sid: np.ndarray, y: np.ndarray, n_series: int) -> np.ndarray:
        aside = T._dip_weeks(sid, y) | lead(sid, y, n_series)
        too_few = np.bincount(sid[~aside], minlength=n_series) < 2 * T.MIN_END_WEEKS
        return aside & ~too_few[sid]

    return set_aside


def candidates() -> dict[str, dict[str, object]]:
    """Name -> the ``trends`` attributes patched for it."""
    out: dict[str, dict[str, object]] = {"main": {}}
    out["mirror"] = {"_set_aside": with_lead(lambda s, y, n: mirror_weeks(s, y, n, None))}
    for z in (1.96, 3.0, 4.0):
        out[f"mirror {z}"] = {
            "_set_aside": with_lead(lambda s, y, n, z=z: mirror_weeks(s, y, n, z))
        }
    for z in (2.0, 3.0, 4.0, 5.0):
        for m in (2, 4):
            out[f"low {z} {m}"] = {
                "_set_aside": with_lead(lambda s, y, n, z=z, m=m: low_start_weeks(s, y, n, z, m))
            }
    for c in (2.5, 3.0):
        out[f"index {c}"] = {"RCI_CUTOFF": c}
    out["setbacks"] = {"_set_aside": with_lead(setback_prone_weeks)}
    for length in (2, 3):
        out[f"setbacks >= {length}"] = {
            "_set_aside": with_lead(
                lambda s, y, n, length=length: setback_prone_weeks(s, y, n, min_dip=length)
            )
        }
    for z in (2.0, 4.0):
        out[f"setbacks {z}"] = {
            "_set_aside": with_lead(lambda s, y, n, z=z: setback_prone_weeks(s, y, n, z=z))
        }
    return out


def _moved(before: pd.DataFrame, after: pd.DataFrame, klass: str) -> str:
    """``+gained -lost`` right verdicts of ``klass`` (same rows in the same order)."""
    right0 = (before["change"] == before["klass"].map(va.RIGHT)).to_numpy()
    right1 = (after["change"] == after["klass"].map(va.RIGHT)).to_numpy()
    m = (after["klass"] == klass).to_numpy()
    return f"+{int((~right0 & right1)[m].sum())} -{int((right0 & ~right1)[m].sum())}"


def line(name: str, arcs: pd.DataFrame, syn: pd.DataFrame, base=None) -> str:
    ra = va.score(arcs).set_index("class")
    shapes = va.score(arcs.assign(key=arcs["klass"] + "/" + arcs["arc_shape"]), "key")
    shapes = shapes.set_index("class")
    rs = va.score(syn).set_index("class")
    return (
        f"| {name} | {ra.at['improving', 'accuracy']:.3f} "
        f"({shapes.at['improving/early', 'accuracy']:.3f}) | {ra.at['flat', 'accuracy']:.3f} "
        f"({ra.at['flat', 'called_improved']:.3f}) | {ra.at['worsening', 'accuracy']:.3f} | "
        f"{rs.at['improving', 'accuracy']:.3f} | {rs.at['flat', 'accuracy']:.3f} "
        f"({rs.at['flat', 'called_improved']:.3f} / {rs.at['flat', 'called_deteriorated']:.3f}) "
        f"| {ra.at['improving', 'slope_right']:.3f} / {ra.at['worsening', 'slope_right']:.3f} / "
        f"{rs.at['improving', 'slope_right']:.3f} | "
        + (
            " / ".join(
                [
                    _moved(base[0], arcs, "improving"),
                    _moved(base[1], syn, "improving"),
                    _moved(base[1], syn, "flat"),
                ]
            )
            if base is not None
            else ""
        )
        + " |"
    )


def local_noise(checkins: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with ``res_sd`` (root mean square around a centred running median of 5 kept
    weekly scores) and ``floor8`` (how many of the first 8 kept scores are at most 1.5)."""
    table, a = T._weekly_scores(checkins, "connection")
    sid, y = a["sid"], a["score"]
    keep = ~T._set_aside(sid, y, len(table))
    sid, y = sid[keep], y[keep]
    res, floor8 = np.full(len(table), np.nan), np.zeros(len(table), dtype=int)
    for a0, b0 in zip(*_runs(sid), strict=True):
        v = pd.Series(y[a0:b0])
        med = v.rolling(5, center=True, min_periods=3).median()
        res[sid[a0]] = float(np.sqrt(((v - med) ** 2).mean()))
        floor8[sid[a0]] = int((v.iloc[:8] <= 1.5).sum())
    extra = table[va.KEY].assign(res_sd=res, floor8=floor8)
    return out.merge(extra, on=va.KEY)


def _arc_curves() -> list[np.ndarray]:
    """The improving shapes ``_arcs.py`` plants, on a grid of their parameters, as functions
    of the relative time ``t`` in [0, 1] (``_arcs._shape_curve``)."""
    out = [lambda t: t]
    for e in np.linspace(0.15, 0.45, 7):
        out.append(lambda t, e=e: np.minimum(t / e, 1.0))
    for st in np.linspace(0.45, 0.65, 5):
        for d in (0.2, 0.25, 0.3):
            en = min(st + d, 0.92)
            out.append(lambda t, st=st, en=en: np.clip((t - st) / (en - st), 0.0, 1.0))
    for c in np.linspace(0.3, 0.7, 9):
        for w in (0.04, 0.08, 0.12):
            lo, hi = 1 / (1 + np.exp(c / w)), 1 / (1 + np.exp(-(1 - c) / w))
            out.append(
                lambda t, c=c, w=w, lo=lo, hi=hi: (1 / (1 + np.exp(-(t - c) / w)) - lo) / (hi - lo)
            )
    return out


def arc_fit(checkins: pd.DataFrame, keys: pd.DataFrame, set_aside: bool = True) -> pd.Series:
    """The root mean square residual of the best ``_arcs.py`` improving arc (level ``a + b *
    curve(t)``, ``b`` at least 2.5 points) through each partner's weekly scores in ``keys``: the
    kept ones (``set_aside``) or every one."""
    table, a = T._weekly_scores(checkins, "connection")
    sid, y = a["sid"], a["score"]
    off = (a["week"] - a["first"][sid]).astype(float)
    if set_aside:
        keep = ~T._set_aside(sid, y, len(table))
        sid, y, off = sid[keep], y[keep], off[keep]
    pairs = zip(table["couple_id"], table["partner"], strict=True)
    where = {pair: i for i, pair in enumerate(pairs)}
    starts, ends = _runs(sid)
    span = {sid[a0]: (a0, b0) for a0, b0 in zip(starts, ends, strict=True)}
    curves, res = _arc_curves(), []
    for key in zip(keys["couple_id"], keys["partner"], strict=True):
        a0, b0 = span[where[key]]
        v, t = y[a0:b0], off[a0:b0] / max(off[b0 - 1], 1.0)
        best = np.inf
        for f in curves:
            x = f(t)
            design = np.c_[np.ones_like(x), x]
            beta = np.linalg.lstsq(design, v, rcond=None)[0]
            if beta[1] < 2.5:
                beta = np.array([np.mean(v - 2.5 * x), 2.5])
            best = min(best, float(np.sqrt(np.mean((v - design @ beta) ** 2))))
        res.append(best)
    return pd.Series(res, index=keys.index)


def frontier(arcs_ci: pd.DataFrame, arcs: pd.DataFrame, syn_ci: pd.DataFrame, syn: pd.DataFrame):
    cols = ["couple_id", "partner", "first_month_mean", "change_points", "rci", "error_sd"]
    wrong = local_noise(syn_ci, syn[(syn["klass"] == "flat") & (syn["change"] == "improved")])
    wrong = wrong.assign(arc_fit=arc_fit(syn_ci, wrong))
    print("\nsynth flat partners called improved (main's rules); arc_fit: the residual of the")
    print("best _arcs.py improving arc through the kept weekly scores:")
    print(wrong[[*cols, "res_sd", "floor8", "arc_fit"]].round(2).to_string(index=False))
    miss = syn[(syn["klass"] == "flat") & (syn["change"] != "no_clear_change")]
    every = arc_fit(syn_ci, miss, set_aside=False)
    print(
        f"every flat partner called a change ({len(miss)}), through every weekly score (no dip "
        f"set aside): {int((every <= 0.85).sum())} fit within 0.85; through the kept ones: "
        f"{int((arc_fit(syn_ci, miss) <= 0.85).sum())}"
    )
    rises = local_noise(
        arcs_ci, arcs[(arcs["klass"] == "improving") & (arcs["change"] == "improved")]
    )
    q = [0.05, 0.5, 0.95]
    print("\narcs' real rises called improved: res_sd, error_sd, rci at 5 / 50 / 95 %:")
    print(rises[["res_sd", "error_sd", "rci"]].quantile(q).round(2).to_string())
    some = rises.sample(min(600, len(rises)), random_state=0)
    fit = arc_fit(arcs_ci, some)
    print(
        f"the best _arcs.py improving arc through {len(some)} of them (sampled): residual "
        f"median {fit.median():.2f}, 95 % {fit.quantile(0.95):.2f}, over 0.85 for "
        f"{(fit > 0.85).mean():.3f}"
    )
    low = wrong[wrong["first_month_mean"] <= 1.5]
    if len(low):
        box = rises[
            (rises["first_month_mean"] <= 1.5)
            & rises["rci"].between(low["rci"].min(), low["rci"].max())
            & (rises["res_sd"] <= low["res_sd"].max())
        ]
        print(
            f"\n{len(low)} of them start low (first mean <= 1.5; index {low['rci'].min():.2f}-"
            f"{low['rci'].max():.2f}, res_sd <= {low['res_sd'].max():.2f}); arcs' real rises "
            f"called improved in the same ranges: {len(box)} "
            f"({box['arc_shape'].value_counts().to_dict()}), {int((box['floor8'] >= 4).sum())} "
            f"of them with 4 or more of their first 8 scores at most 1.5 (the synth partners: "
            f"{low['floor8'].min()}-{low['floor8'].max()})"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small samples (a smoke run)")
    ap.add_argument("--only", nargs="*", default=None, help="candidate names to run")
    ap.add_argument(
        "--fresh", action="store_true", help="main and 'setbacks' on the fresh seeds (spent)"
    )
    args = ap.parse_args(argv)
    n_arcs, n_couples = (150, 60) if args.quick else (1500, 500)
    seeds, synth_seeds = va.TUNING_SEEDS, va.SYNTH_TUNING_SEEDS
    if args.fresh:
        seeds, synth_seeds, args.only = va.FRESH_SEEDS, va.SYNTH_FRESH_SEEDS, ["setbacks"]
    arcs_parts, syn_parts, truths, spans = [], [], [], []
    for seed in seeds:
        arcs = va._arcs.generate(n_arcs, seed=seed)
        arcs_parts.append(arcs.checkins.assign(couple_id=f"{seed}-" + arcs.checkins["couple_id"]))
        truths.append(arcs.truth.assign(couple_id=f"{seed}-" + arcs.truth["couple_id"]))
    for seed in synth_seeds:
        table = va.synth_table(n_couples, (seed,))
        ci = va.synth.generate(couples=n_couples, seed=seed, text=False).logs.checkins
        syn_parts.append(ci.assign(couple_id=f"{seed}-" + ci["couple_id"]))
        spans.append(table[[*va.KEY, "klass", "delta", "at_end"]])
    arcs_ci, truth = pd.concat(arcs_parts), pd.concat(truths)
    syn_ci, span = pd.concat(syn_parts), pd.concat(spans)
    print(
        f"# {'fresh (spent)' if args.fresh else 'tuning'} seeds: arcs {seeds} x {n_arcs}, "
        f"synth {synth_seeds} x {n_couples} couples"
    )
    print(
        "| candidate | arcs improving (early) | arcs flat (called improved) | arcs worsening | "
        "synth improving | synth flat (called improved / deteriorated) | slope interval "
        "right: arcs improving / worsening, synth improving | right verdicts against main: "
        "arcs improving / synth improving / synth flat |"
    )
    print("|---|---|---|---|---|---|---|---|")
    base = None
    for name, patch in candidates().items():
        if args.only is not None and name not in args.only and name != "main":
            continue
        saved = {k: getattr(T, k) for k in patch}
        try:
            for k, v in patch.items():
                setattr(T, k, v)
            arcs = T.trend_summary(arcs_ci).merge(truth, on=va.KEY)
            syn = T.trend_summary(syn_ci).merge(span, on=va.KEY)
        finally:
            for k, v in saved.items():
                setattr(T, k, v)
        if name == "main":
            base = (arcs, syn)
        print(line(name, arcs, syn, base), flush=True)
    frontier(arcs_ci, base[0], syn_ci, base[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

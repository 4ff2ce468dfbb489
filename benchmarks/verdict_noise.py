"""The ninth verdict round: rules that use a partner's own noise, on the tuning seeds only.

Run from the repository root (a few minutes; the library is not changed, each candidate is
patched into :mod:`trustdata.trends` for the run and restored)::

    nice -n 10 .venv/bin/python benchmarks/verdict_noise.py            # every candidate
    nice -n 10 .venv/bin/python benchmarks/verdict_noise.py --quick    # a smoke run

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
  ``c`` instead of 1.96 (the trend route unchanged).

Then the frontier: the synth flat partners called improved, their index, ``error_sd``, the
root mean square of their weekly scores around a running median of 5 (their residual noise
around the local level) and their first scores, against the arcs' real rises with the same
figures.
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
    return out


def line(name: str, arcs: pd.DataFrame, syn: pd.DataFrame) -> str:
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
        f"{rs.at['improving', 'slope_right']:.3f} |"
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


def frontier(arcs_ci: pd.DataFrame, arcs: pd.DataFrame, syn_ci: pd.DataFrame, syn: pd.DataFrame):
    cols = ["couple_id", "partner", "first_month_mean", "change_points", "rci", "error_sd"]
    wrong = local_noise(syn_ci, syn[(syn["klass"] == "flat") & (syn["change"] == "improved")])
    print("\nsynth flat partners called improved (main's rules):")
    print(wrong[[*cols, "res_sd", "floor8"]].round(2).to_string(index=False))
    rises = local_noise(
        arcs_ci, arcs[(arcs["klass"] == "improving") & (arcs["change"] == "improved")]
    )
    q = [0.05, 0.5, 0.95]
    print("\narcs' real rises called improved: res_sd, error_sd, rci at 5 / 50 / 95 %:")
    print(rises[["res_sd", "error_sd", "rci"]].quantile(q).round(2).to_string())
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
    args = ap.parse_args(argv)
    n_arcs, n_couples = (150, 60) if args.quick else (1500, 500)
    arcs_parts, syn_parts, truths, spans = [], [], [], []
    for seed in va.TUNING_SEEDS:
        arcs = va._arcs.generate(n_arcs, seed=seed)
        arcs_parts.append(arcs.checkins.assign(couple_id=f"{seed}-" + arcs.checkins["couple_id"]))
        truths.append(arcs.truth.assign(couple_id=f"{seed}-" + arcs.truth["couple_id"]))
    for seed in va.SYNTH_TUNING_SEEDS:
        table = va.synth_table(n_couples, (seed,))
        ci = va.synth.generate(couples=n_couples, seed=seed, text=False).logs.checkins
        syn_parts.append(ci.assign(couple_id=f"{seed}-" + ci["couple_id"]))
        spans.append(table[[*va.KEY, "klass", "delta", "at_end"]])
    arcs_ci, truth = pd.concat(arcs_parts), pd.concat(truths)
    syn_ci, span = pd.concat(syn_parts), pd.concat(spans)
    print(
        f"# tuning seeds: arcs {va.TUNING_SEEDS} x {n_arcs}, synth {va.SYNTH_TUNING_SEEDS} x "
        f"{n_couples} couples"
    )
    print(
        "| candidate | arcs improving (early) | arcs flat (called improved) | arcs worsening | "
        "synth improving | synth flat (called improved / deteriorated) | slope interval "
        "right: arcs improving / worsening, synth improving |"
    )
    print("|---|---|---|---|---|---|---|")
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
        print(line(name, arcs, syn), flush=True)
    frontier(arcs_ci, base[0], syn_ci, base[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

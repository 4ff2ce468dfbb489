"""A Neyman-Pearson bound for the ``dips`` generator: what a detector that knows everything
about the generator except where the dips are can do on the issue's four targets.

Run from the repository root (tuning seeds 1-3 of ``benchmarks/_dips.py``, 200 couples each)::

    nice -n 10 .venv/bin/python benchmarks/setback_bound.py --short-bonus 0 1 2  # the bound
    nice -n 10 .venv/bin/python benchmarks/setback_bound.py --quick    # 60 couples a seed
    nice -n 10 .venv/bin/python benchmarks/setback_bound.py --own --kind mf  # realistic, paired

(The first takes 5-10 minutes on a loaded 2-core machine; ``--own --kind mf`` 2-3 minutes.)

For each partner the detector is given the planted level (without the dips), the planted noise
SD and AR(1) coefficient, and the generator's rules for dips: the three shape families of
:func:`_dips.dip_offsets` (``hold``, ``v``, ``slide``; a slide shorter than 4 weeks is drawn as a
V), 2-8 weeks long, 2-5 points deep, starting at week 3 or later, at least 6 weeks apart.

- **Noise model.** The residuals ``r = score - level`` on the observed weeks are Gaussian with
  covariance ``noise_sd**2 * ar**|t_i - t_j| + 1/12 * I`` (the AR(1) noise on calendar weeks, so
  a missed week weakens the link exactly; the whole-point rounding as added independent variance
  ``1/12``).  Scores clipped at 10 are replaced by the level plus the mean of the noise above the
  clip (``--clip raw`` keeps them as they are): a 10 says "at least 9.5", and read as a 10 it
  would look like a low week on a partner whose level is near the top of the scale.
- **Score of a candidate.** A candidate dip is a start week, a shape and a length; its offsets
  are ``depth * u`` with ``u = dip_offsets(shape, length, 1)`` on the observed weeks.  With
  ``P`` the inverse covariance, the log likelihood ratio of "this dip, this depth" against "no
  dip" is ``-depth * u'P r - depth**2 / 2 * u'P u``.
  - ``glr`` (the default): maximised over depth in 2-5, then over shape and length: every
    (start, shape, length) is a candidate.
  - ``bayes``: the likelihood ratio integrated over the generator's prior (depth uniform on 2-5,
    on a grid of 0.05 points; shape and length as the generator draws them) for each start week:
    one candidate per start, its extent the most likely (shape, length) there.
- **Choice.** As the scan of ``find_setbacks`` does: per partner, the candidate with the highest
  score, then the highest one not overlapping it (and, knowing the generator, not within 6
  weeks of it; ``--separation 0`` drops that), and so on, down to the threshold.  Because each
  choice depends only on the candidates chosen before it, the detections at a threshold are
  exactly the full greedy list cut at that threshold: one list, every threshold.
- **Listed dips.** The truth lists a dip only when its visible depth on the observed weeks is
  at least 2 points (a dip whose trough week was missed, or cut by the end of the log, can fall
  below that); so the depth's range for a candidate is ``max(2, 2 / max u) - 5`` with ``max u``
  the template's largest offset on the observed weeks (``--any-dip``: 2-5 whatever was seen).
- **Dates.** A detection is reported as the generator's truth is: from the first observed week
  with a fitted offset of 1 point or more to the first observed week after the trough with an
  offset below 1 point (ongoing when the log stops first).
- **Scoring.** :func:`setback_accuracy.match` (the rule of ``score_detection``, checked against
  it) and the four figures of ``setback_accuracy._targets_row``.

Then the thresholds: one for every partner (the trade-off table), and one per noise group
(noise SD <= 0.8, 0.8-0.9, above 0.9: the detector knows each partner's noise, and the targets
read those groups separately), every combination of the single-threshold grid, to find whether
any meets the four targets at once; and the same with the thresholds not falling as the noise
rises (the free combinations can show the partners of SD 0.8-0.9, who fall under no precision
target, nearly every candidate).  ``--short-bonus`` adds a bonus to the score of candidates of
2-3 weeks (a detector may favour short dips to buy 2-week recall).

``--own --kind mf`` is the realistic version: no planted knowledge; the templates as a matched
filter added to the scan of ``find_setbacks`` on its own trend, noise and AR(1) coefficient
(:class:`OwnScan`), on both generators, its two thresholds picked on the tuning seeds and then
paired against ``find_setbacks`` per seed (``setback_rules.paired_row``; ``--paired-seeds``).
``--own --kind glr`` is the bound's own scoring on the library's trend and noise instead.

What the bound leaves out, so it is the likelihood-ratio detector under these approximations
rather than the exact Neyman-Pearson test of the generator: the rounding is taken as Gaussian,
the clip at 1 and 10 as described, and the greedy choice is not a joint decoding of all of a
partner's dips.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sys
import time
from pathlib import Path

# One BLAS thread: the matrices are small (up to 104 weeks) and the machine is shared.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import linalg, stats  # noqa: E402

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import setback_accuracy as sa  # noqa: E402
from _dips import SHAPES, dip_offsets  # noqa: E402

from trustdata import setbacks as sb  # noqa: E402
from trustdata.setbacks import score_detection  # noqa: E402

LENGTHS = range(2, 9)
DEPTH_LO, DEPTH_HI = 2.0, 5.0
DEPTH_GRID = np.arange(DEPTH_LO, DEPTH_HI + 1e-9, 0.05)
FIRST_START = 3
SEPARATION = 6
#: The targets: (label, key of ``_targets_row``, goal).
TARGETS = (
    ("F1 at noise SD <= 0.8", "f1_noise<=0.8", 0.95),
    ("recall, 2-week setbacks", "recall_2_weeks", 0.90),
    ("recall, 2.5-3 points", "recall_2.5-3_points", 0.90),
    ("precision at noise SD 0.9-1.0", "precision_noise>0.9", 0.90),
)
#: Upper edges of the noise groups of the per-group thresholds (the last group is above the
#: last edge); 0.8 and 0.9 must be edges, the last one 0.9, so that every target reads whole
#: groups.
EDGES = (0.8, 0.9)


def templates() -> list[tuple[str, int, np.ndarray, float]]:
    """(shape, length, unit offsets, prior probability) as ``_dips._place_dips`` draws them:
    shape uniform over the three, length uniform over 2-8, a slide shorter than 4 weeks a V."""
    out = []
    for shape in SHAPES:
        for length in LENGTHS:
            prior = 1 / 3 / len(LENGTHS)
            if length < 4 and shape == "slide":
                continue
            if length < 4 and shape == "v":
                prior *= 2
            out.append((shape, length, dip_offsets(shape, length, 1.0), prior))
    return out


TEMPLATES = templates()


def _logsumexp_rows(v: np.ndarray) -> np.ndarray:
    top = v.max(axis=1)
    return top + np.log(np.exp(v - top[:, None]).sum(axis=1))


def _covariance(t: np.ndarray, sd: float, ar: float, white: float) -> np.ndarray:
    lag = np.abs(t[:, None] - t[None, :])
    return sd * sd * np.power(ar, lag) + np.eye(len(t)) * white


def _residuals(score, level, sd_total, clip: str) -> np.ndarray:
    r = score - level
    if clip == "impute":
        top = score >= 10
        if top.any():
            # E[e | e >= a] for e ~ N(0, s): s * phi(a/s) / (1 - Phi(a/s)), a = 9.5 - level.
            a = (9.5 - level[top]) / sd_total
            mills = np.exp(stats.norm.logpdf(a) - stats.norm.logsf(a))
            r[top] = sd_total * mills
    return r


def _template_terms(t, r, sd, ar, white, first_start):
    """Every template placed at every start week of one partner (on the observed weeks ``t``):
    the offsets ``x`` (templates x weeks), ``u'P r``, ``u'P u`` and (template, start, end week,
    prior); None when no template has an observed week."""
    n = len(t)
    span = int(t[-1]) + 1
    pos = np.full(span + 8, -1)
    pos[t.astype(int)] = np.arange(n)
    cov = _covariance(t, sd, ar, white)
    prec = linalg.inv(cov, check_finite=False)
    pr = prec @ r
    starts = np.arange(first_start, span)
    rows_x, meta = [], []
    for j, (_, length, unit, prior) in enumerate(TEMPLATES):
        idx = pos[starts[:, None] + np.arange(length)[None, :]]  # (starts, length), -1: missed
        seen = (idx >= 0).any(axis=1)
        idx, s = idx[seen], starts[seen]
        x = np.zeros((len(s), n + 1))  # column n collects the missed weeks, then dropped
        np.put_along_axis(x, np.where(idx >= 0, idx, n), unit[None, :].repeat(len(s), 0), axis=1)
        rows_x.append(x[:, :n])
        meta.append(
            np.column_stack(
                [np.full(len(s), j), s, np.minimum(s + length, span) - 1, np.full(len(s), prior)]
            )
        )
    if not rows_x or not sum(len(m) for m in meta):
        return None
    x = np.vstack(rows_x)
    a = x @ pr  # u'P r
    b = np.einsum("ij,ij->i", x @ prec, x)  # u'P u
    return x, a, b, np.vstack(meta)


def partner_candidates(
    t: np.ndarray,
    r: np.ndarray,
    sd: float,
    ar: float,
    *,
    kind: str,
    short_bonus: float,
    listed: bool = True,
    white: float = 1 / 12,
) -> pd.DataFrame:
    """Every candidate dip of one partner with its score, extent and fitted depth."""
    terms = _template_terms(t, r, sd, ar, white, FIRST_START)
    if terms is None:
        return pd.DataFrame()
    x, a, b, meta = terms
    # The truth lists a dip only when its visible depth (on the observed weeks) is 2 points or
    # more: a planted depth of at least 2 / (the template's largest observed offset).
    depth_lo = DEPTH_LO / x.max(axis=1) if listed else np.full(len(x), DEPTH_LO)
    depth_lo = np.maximum(depth_lo, DEPTH_LO)
    ok = depth_lo <= DEPTH_HI
    x, a, b, depth_lo, meta = x[ok], a[ok], b[ok], depth_lo[ok], meta[ok]
    depth = np.clip(-a / b, depth_lo, DEPTH_HI)
    glr = -depth * a - 0.5 * depth * depth * b
    j, s, e = (meta[:, k].astype(int) for k in range(3))
    prior = meta[:, 3]
    out = pd.DataFrame({"template": j, "s": s, "e": e, "depth": depth, "glr": glr})
    if kind == "bayes":
        llr = -np.outer(a, DEPTH_GRID) - 0.5 * np.outer(b, DEPTH_GRID**2)
        llr[DEPTH_GRID[None, :] < depth_lo[:, None] - 1e-9] = -np.inf
        out["bf"] = _logsumexp_rows(llr) - np.log(len(DEPTH_GRID)) + np.log(prior)
        out = out.sort_values(["s", "bf"], ascending=[True, False], kind="stable")
        first = np.flatnonzero(np.r_[True, np.diff(out["s"].to_numpy()) != 0])
        bf = out["bf"].to_numpy()
        top = np.maximum.reduceat(bf, first)
        per_start = top + np.log(
            np.add.reduceat(np.exp(bf - np.repeat(top, np.diff(np.r_[first, len(bf)]))), first)
        )
        out = out.iloc[first].assign(score=per_start)
    else:
        out["score"] = out["glr"]
    length = np.array([TEMPLATES[k][1] for k in out["template"]])
    out["score"] = out["score"] + np.where(length <= 3, short_bonus, 0.0)
    return out


def greedy(cands: pd.DataFrame, span: int, separation: int, floor: float) -> pd.DataFrame:
    """The scan's choice: highest score first, never overlapping (nor within ``separation``
    weeks of) a candidate chosen before; candidates below ``floor`` are not looked at."""
    c = cands.loc[cands["score"] >= floor].sort_values(["score", "s"], ascending=[False, True])
    # taken[w + separation] is week w; a candidate of weeks s-e conflicts with a chosen week
    # in s - separation .. e + separation.
    taken = np.zeros(span + 2 * separation + 16, dtype=bool)
    keep = []
    for i, s, e in zip(c.index.to_numpy(), c["s"].to_numpy(), c["e"].to_numpy(), strict=True):
        if taken[s : e + 2 * separation + 1].any():
            continue
        taken[s + separation : e + separation + 1] = True
        keep.append(i)
    return c.loc[keep]


def detections(
    p: sa.Planted,
    *,
    kind: str,
    clip: str,
    separation: int,
    short_bonus: float,
    listed: bool,
    floor: float,
    own: bool = False,
):
    """The full greedy list of every partner of a set (couple, partner, start, end, score, ...).

    ``own``: the realistic version: the library's own trend, noise and AR(1) coefficient
    (steps 1-3b of ``find_setbacks``, :func:`own_inputs`) instead of the planted ones, and no
    added rounding variance (the library's noise is measured on the whole points)."""
    f, first = p.frame, p.first
    bounds = np.append(first, len(f))
    score = f["score"].to_numpy()
    week = f["week"].to_numpy()
    if own:
        level, sds, ars = own_inputs(p)
        white = 0.0
    else:
        level = f["level"].to_numpy()
        sds, ars = f["noise_sd"].to_numpy()[first], f["ar"].to_numpy()[first]
        white = 1 / 12
    rows = []
    for k in range(len(first)):
        lo, hi = bounds[k], bounds[k + 1]
        if hi - lo < 3:
            continue
        t = p.t[lo:hi]
        sd, ar = float(sds[k]), float(ars[k])
        r = _residuals(score[lo:hi], level[lo:hi], np.sqrt(sd * sd + white), clip)
        cands = partner_candidates(
            t, r, sd, ar, kind=kind, short_bonus=short_bonus, listed=listed, white=white
        )
        if cands.empty:
            continue
        span = int(t[-1]) + 1
        chosen = greedy(cands, span, separation, floor=floor)
        pos = np.full(span + 8, -1)
        pos[t.astype(int)] = np.arange(hi - lo)
        for tpl, s, depth, sc in zip(
            chosen["template"], chosen["s"], chosen["depth"], chosen["score"], strict=True
        ):
            _, length, unit, _ = TEMPLATES[tpl]
            idx = pos[s : s + length]
            obs = idx >= 0
            off = depth * unit[: len(idx)][obs]
            where = idx[obs]
            low = np.flatnonzero(off >= 1.0)
            i_start = where[low[0]] if len(low) else where[0]
            trough = int(np.argmax(off))
            after = where[trough + 1 :][off[trough + 1 :] < 1.0]
            if len(after):
                i_end = after[0]
            else:
                nxt = where[-1] + 1
                i_end = nxt if nxt < hi - lo else -1
            rows.append(
                {
                    "couple_id": f["couple_id"].iat[lo],
                    "partner": f["partner"].iat[lo],
                    "start": week[lo + i_start],
                    "end": week[lo + i_end] if i_end >= 0 else pd.NaT,
                    "score": sc,
                    "depth": depth,
                    "weeks": length,
                    "shape": TEMPLATES[tpl][0],
                }
            )
    out = pd.DataFrame(rows)
    out["start"] = out["start"].astype("datetime64[ns]")
    out["end"] = out["end"].astype("datetime64[ns]")
    return out


def own_inputs(p: sa.Planted) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1-3b of ``find_setbacks`` (``trustdata.setbacks._detect`` up to the scan) on the
    set's weekly scores: the trend per week, the noise and the AR(1) coefficient per partner."""
    score = p.frame["score"].to_numpy(dtype="float64")
    first, code, t = p.first, p.code, p.t
    n, n_series = len(score), len(first)
    lo, hi = sb._trend_windows(first, code, n, sa.DEFAULTS["trend_weeks"])
    noise0 = sb._diff_noise(score, first, code)
    weight = np.ones(n)
    for k in range(sb._TRIM_FITS + 1):
        trend = sb._trend(score, t, weight, lo, hi, flat=k == 0)
        weight = (score - trend >= -sb._TRIM * noise0[code]).astype("float64")
    keep = weight > 0
    resid = score - trend
    noise = sb._upper_noise(resid, keep, code, n_series)
    short = (np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS
    group = np.arange(n_series)
    par = sb._TwoState.prior(n_series)
    lay = sb._Layout.of(t, first, code)
    for _ in range(sb._TWO_STATE_ROUNDS):
        resid[short] = np.nan
        post, counts = sb._posterior(resid, noise, par, lay)
        for i in range(sb._TWO_STATE_UPDATES):
            par = sb._update(post, counts, resid, noise, code, group)
            more = i + 1 < sb._TWO_STATE_UPDATES
            post, counts = sb._posterior(resid, noise, par, lay, transitions=more)
        weight = 1.0 - post
        weight[weight < sb._SURE] = 0.0
        weight[weight > 1.0 - sb._SURE] = 1.0
        trend = np.round(sb._trend(score, t, weight, lo, hi), 9)
        resid = score - trend
        keep = post < sb._KEEP_BELOW
        noise = sb._upper_noise(resid, keep, code, n_series)
    ar = sb._lag1(resid, keep, t, code, noise, n_series)
    return trend, noise, ar


def scored(sets, lists, threshold) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detections at ``threshold`` of every set, matched to the truth (``hit`` flags)."""
    det_all, tru_all = [], []
    for s, full in zip(sets, lists, strict=True):
        found = full.loc[full["score"] >= threshold].reset_index(drop=True)
        det_hit, tru_hit = sa.match(found, s.truth)
        check = score_detection(found, s.truth).iloc[0]
        assert int(check["tp"]) == int(det_hit.sum())
        det_all.append(
            found.assign(hit=det_hit).merge(s.noise, on=["couple_id", "partner"], how="left")
        )
        tru_all.append(s.truth.assign(hit=tru_hit))
    return pd.concat(det_all, ignore_index=True), pd.concat(tru_all, ignore_index=True)


def _group(noise: pd.Series, edges: tuple[float, ...]) -> np.ndarray:
    return np.searchsorted(np.asarray(edges), noise.to_numpy(), side="left")


def group_names(edges: tuple[float, ...]) -> list[str]:
    lows = [0.0, *edges]
    return [f"({lo:g},{hi:g}]" for lo, hi in zip(lows, edges, strict=False)] + [f">{edges[-1]:g}"]


def group_counts(det: pd.DataFrame, tru: pd.DataFrame, edges: tuple[float, ...]) -> np.ndarray:
    """Per noise group: tp, fp, fn, 2-week planted / hit, 2.5-3-point planted / hit."""
    gd, gt = _group(det["noise_sd"], edges), _group(tru["noise_sd"], edges)
    out = np.zeros((len(edges) + 1, 7))
    two = (tru["length_weeks"] == 2).to_numpy()
    shallow = ((tru["depth"] >= 2.5) & (tru["depth"] < 3.0)).to_numpy()
    hit_d, hit_t = det["hit"].to_numpy(), tru["hit"].to_numpy()
    for g in range(len(edges) + 1):
        d, t = gd == g, gt == g
        out[g] = [
            hit_t[t].sum(),
            (~hit_d[d]).sum(),
            (~hit_t[t]).sum(),
            two[t].sum(),
            (two & hit_t)[t].sum(),
            shallow[t].sum(),
            (shallow & hit_t)[t].sum(),
        ]
    return out


def _figures(c: list[np.ndarray], edges: tuple[float, ...]) -> dict[str, np.ndarray]:
    """The four target figures (and the precision of the groups between 0.8 and 0.9) from
    :func:`group_counts` rows of each group (``c[g]``: combinations x 7)."""
    n_groups = len(c)
    low = sum(c[g] for g in range(n_groups - 1) if edges[g] <= 0.8 + 1e-9)
    mid = sum(c[g] for g in range(n_groups - 1) if edges[g] > 0.8 + 1e-9)
    tot = sum(c)
    top = c[-1]  # the partners above the last edge (0.9)
    return {
        TARGETS[0][0]: 2 * low[:, 0] / (2 * low[:, 0] + low[:, 1] + low[:, 2]),
        TARGETS[1][0]: tot[:, 4] / tot[:, 3],
        TARGETS[2][0]: tot[:, 6] / tot[:, 5],
        TARGETS[3][0]: top[:, 0] / np.maximum(top[:, 0] + top[:, 1], 1),
        "precision at noise SD 0.8-0.9 (no target)": mid[:, 0]
        / np.maximum(mid[:, 0] + mid[:, 1], 1),
    }


def combine(counts: np.ndarray, thresholds: np.ndarray, edges: tuple[float, ...]) -> pd.DataFrame:
    """Every combination of one threshold per noise group: the four target figures.
    ``counts[i, g]`` are :func:`group_counts` at ``thresholds[i]``."""
    m, n_groups = len(thresholds), len(edges) + 1
    grid = np.array(list(itertools.product(range(m), repeat=n_groups)))
    c = [counts[grid[:, g], g] for g in range(n_groups)]  # each (combos, 7)
    names = group_names(edges)
    out = pd.DataFrame({f"thr {name}": thresholds[grid[:, g]] for g, name in enumerate(names)})
    for label, v in _figures(c, edges).items():
        out[label] = v
    margins = pd.DataFrame({label: out[label] - goal for label, _, goal in TARGETS})
    out["worst margin"] = margins.min(axis=1)
    out["met"] = (margins >= 0).sum(axis=1)
    return out


def per_seed(
    counts: np.ndarray, thresholds: np.ndarray, edges: tuple[float, ...], pick: pd.Series
) -> pd.DataFrame:
    """The figures of one threshold combination (``pick``'s ``thr`` columns) on each seed;
    ``counts[seed, i, g]`` are :func:`group_counts` of one seed at ``thresholds[i]``."""
    names = group_names(edges)
    idx = [int(np.flatnonzero(np.isclose(thresholds, pick[f"thr {n}"]))[0]) for n in names]
    rows = []
    for one in counts:
        c = [one[idx[g], g][None, :] for g in range(len(names))]
        rows.append({label: float(v[0]) for label, v in _figures(c, edges).items()})
    return pd.DataFrame(rows)


def run(sets, planted, *, kind, clip, separation, short_bonus, listed, thresholds, edges):
    clock = time.perf_counter()
    options = {"kind": kind, "clip": clip, "separation": separation, "short_bonus": short_bonus}
    lists = [detections(p, **options, listed=listed, floor=min(thresholds)) for p in planted]
    rows, counts = [], []
    seed_counts = np.zeros((len(sets), len(thresholds), len(edges) + 1, 7))
    for i, thr in enumerate(thresholds):
        det, tru = scored(sets, lists, thr)
        rows.append({"threshold": thr, **sa._targets_row(det, tru)})
        counts.append(group_counts(det, tru, edges))
        for k, (s, full) in enumerate(zip(sets, lists, strict=True)):
            seed_counts[k, i] = group_counts(*scored([s], [full], thr), edges)
    table = pd.DataFrame(rows)
    print(
        f"\n== {kind}, clip {clip}, separation {separation}, short bonus {short_bonus:g}, "
        f"{'listed dips only' if listed else 'any dip'} "
        f"({time.perf_counter() - clock:.0f} s) =="
    )
    print("one threshold for every partner:")
    print(sa.show(table))
    thr = np.asarray(thresholds, dtype=float)
    # More than three groups: every other threshold of the grid (half-points), so that the
    # combinations stay few enough to hold in memory.
    use = np.arange(len(thr)) if len(edges) <= 2 else np.flatnonzero((thr * 2) % 1 == 0)
    combos = combine(np.array(counts)[use], thr[use], edges)
    thr_cols = [c for c in combos.columns if c.startswith("thr ")]
    rising = np.logical_and.reduce(
        [combos[a] <= combos[b] for a, b in itertools.pairwise(thr_cols)]
    )
    for what, subset in (
        ("one threshold per noise group", combos),
        (
            "the same, thresholds not falling with the noise (no group seen more leniently than"
            " a quieter one)",
            combos.loc[rising],
        ),
    ):
        pick = summarize(subset, what)
        seeds = [s.seed for s in sets]
        print(f"the first of those best 5 on each seed ({seeds}):")
        print(sa.show(per_seed(seed_counts[:, use], thr[use], edges, pick).assign(seed=seeds)))
    return table, combos


def summarize(combos: pd.DataFrame, what: str) -> pd.Series:
    """How many threshold combinations meet all four targets, the best five by their worst
    margin, and each target at its best while the other three are met; returns the best."""
    best = combos.sort_values("worst margin", ascending=False)
    print(
        f"{what} ({len(combos)} combinations): "
        f"{int((combos['met'] == 4).sum())} meet all four targets; best 5 by worst margin:"
    )
    print(sa.show(best.head(5)))
    labels = [label for label, _, _ in TARGETS]
    goals = {label: goal for label, _, goal in TARGETS}
    thr_cols = [c for c in combos.columns if c.startswith("thr ")]
    rows = []
    for label in labels:
        others = [o for o in labels if o != label]
        ok = np.logical_and.reduce([combos[o] >= goals[o] for o in others])
        here = combos.loc[ok].sort_values(label, ascending=False).head(1)
        row = {"target": label, "goal": goals[label], "best, the other three met": np.nan}
        if not here.empty:
            row["best, the other three met"] = float(here[label].iloc[0])
            row |= {c: here[c].iloc[0] for c in thr_cols}
        rows.append(row)
    print("each target at its best while the other three are met:")
    print(sa.show(pd.DataFrame(rows)))
    return best.iloc[0]


def default_thresholds(kind: str) -> list[float]:
    """glr: 0.5-8 by 0.25, then 9, 10, 12; bayes (a log Bayes factor with the prior of a start
    in it, about 2 lower for the same detections): the same grid minus 2."""
    grid = [*np.arange(0.5, 8.01, 0.25).round(2).tolist(), 9.0, 10.0, 12.0]
    return [g - 2.0 for g in grid] if kind == "bayes" else grid


#: The library's rules 4-6 at its defaults (``find_setbacks``).
RULES = sb._Rules(z=3.0, min_shift=1.0, min_depth=2.0, max_weeks=8, recover_within=1.0)


class OwnScan:
    """The realistic version of the shape templates: a matched filter added to the scan of
    ``find_setbacks`` on its own trend, noise and AR(1) coefficient (steps 1-3b).

    Each template (the three shapes, 2-8 weeks) at every start week of a partner is a window
    with the matched filter's z, ``u'P r / sqrt(u'P u)`` (``P`` the inverse covariance of the
    library's AR(1) noise on the observed weeks: for a flat template this is the scan's own z),
    significant when ``z <= -z_t`` and its fitted depth ``-u'P r / u'P u`` is at least
    ``min_shift`` (1).  Those windows (first to last observed week) join the library's own
    significant windows; then the library's choice (rule 5) and setbacks (rule 6)."""

    def __init__(self, p: sa.Planted, z_floor: float, z_box_floor: float = RULES.z) -> None:
        self.p = p
        f, first, code = p.frame, p.first, p.code
        score = f["score"].to_numpy(dtype="float64")
        trend, noise, ar = own_inputs(p)
        n = len(score)
        resid = score - trend
        resid[(np.append(first[1:], n) - first)[code] < sb._MIN_WEEKS] = np.nan
        self.resid = resid
        rules = dataclasses.replace(RULES, z=z_box_floor)
        # The scan drops a window holding a more significant one: exact at any higher z too.
        self.lib = sb._scan(resid, p.t, first, code, ar, noise, rules)
        bounds = np.append(first, n)
        rows, lens, zs = [], [], []
        for k in range(len(first)):
            lo, hi = bounds[k], bounds[k + 1]
            r = resid[lo:hi]
            if np.isnan(r).any():
                continue
            terms = _template_terms(p.t[lo:hi], r, float(noise[k]), float(ar[k]), 0.0, 0)
            if terms is None:
                continue
            x, a, b, _ = terms
            z = a / np.sqrt(b)
            sig = (z <= -z_floor) & (-a / b >= RULES.min_shift)
            x, z = x[sig] > 0, z[sig]
            i_first = np.argmax(x, axis=1)
            i_last = x.shape[1] - 1 - np.argmax(x[:, ::-1], axis=1)
            rows.append(lo + i_first)
            lens.append(i_last - i_first + 1)
            zs.append(z)
        empty = np.array([], dtype="int64")
        self.row = np.concatenate(rows) if rows else empty
        self.length = np.concatenate(lens) if lens else empty
        self.z = np.concatenate(zs) if zs else np.array([], dtype="float64")

    def setbacks(self, z_t: float | None, z_box: float = RULES.z) -> pd.DataFrame:
        """Start and end of each setback with the library's windows at ``z_box`` and the
        templates at ``z_t`` (None: none; with ``z_box`` 3 that is ``find_setbacks`` itself)."""
        p = self.p
        row, length, z = self.lib
        keep = z <= -z_box
        row, length, z = row[keep], length[keep], z[keep]
        if z_t is not None:
            use = self.z <= -z_t
            row = np.concatenate([row, self.row[use]])
            length = np.concatenate([length, self.length[use]])
            z = np.concatenate([z, self.z[use]])
        lo, hi = sb._select(row, length, z, p.code, len(p.first))
        i_lo, _, i_hi = sb._episodes(lo, hi, self.resid, p.code, RULES)
        return sa._episode_frame(p.frame, p.first, p.code, i_lo, i_hi)


def realistic_mf(args: argparse.Namespace, couples: int) -> None:
    """``--own --kind mf``: the templates as a matched filter added to the library's scan
    (:class:`OwnScan`); ``z_t`` picked on the tuning seeds by the mean of the two generators'
    F1, then paired against ``find_setbacks`` on every seed of ``--paired-seeds``."""
    import setback_rules as sr

    z_grid = args.thresholds or [2.75, 3.0, 3.25, 3.5, 3.75, 4.0, 4.5]
    box_grid = args.z_box
    seeds = sorted(set(args.seeds) | set(args.paired_seeds))
    scans = {}
    for g in sa.GENERATORS:
        for s in seeds:
            x = sa.Set(g, s, couples)
            scan = OwnScan(sa.Planted(x), min(z_grid), min(box_grid))
            same = scan.setbacks(None)
            lib = sa.find_setbacks(x.checkins)
            # Without templates this is find_setbacks itself (same starts and ends).
            assert same["start"].tolist() == lib["start"].tolist()
            scans[g, s] = (x, scan)
    rows = []
    for z_box, z_t in itertools.product(box_grid, [None, *z_grid]):
        row = {"z_box": z_box, "z_t": np.inf if z_t is None else z_t}
        for g in sa.GENERATORS:
            det_all, tru_all = [], []
            for s in args.seeds:
                x, scan = scans[g, s]
                found = scan.setbacks(z_t, z_box)
                det_hit, tru_hit = sa.match(found, x.truth)
                det_all.append(
                    found.assign(hit=det_hit).merge(
                        x.noise, on=["couple_id", "partner"], how="left"
                    )
                )
                tru_all.append(x.truth.assign(hit=tru_hit))
            figures = sa._targets_row(pd.concat(det_all), pd.concat(tru_all))
            if g == "dips":
                row |= {f"dips {k}": v for k, v in figures.items() if k != "recall"}
            else:
                row["synth f1"] = figures["f1"]
        rows.append(row)
    table = pd.DataFrame(rows)
    table["mean f1"] = (table["dips f1"] + table["synth f1"]) / 2
    print(
        f"tuning seeds {args.seeds}, the library's windows at z_box with the templates added at"
        " z_t (inf: none; z_box 3, z_t inf is find_setbacks):"
    )
    print(sa.show(table))
    best = table.loc[np.isfinite(table["z_t"])].sort_values("mean f1", ascending=False).iloc[0]
    z_box, z_t = float(best["z_box"]), float(best["z_t"])
    print(f"\nz_box, z_t by the mean F1 on the tuning seeds: {z_box:g}, {z_t:g}")
    rows = []
    for g in sa.GENERATORS:
        for s in args.paired_seeds:
            x, scan = scans[g, s]
            found = {"a": scan.setbacks(None), "b": scan.setbacks(z_t, z_box)}
            rows.append(sr.paired_row(g, s, x.truth, found))
    _paired_summary(pd.DataFrame(rows))


def _paired_summary(paired: pd.DataFrame) -> None:
    print("paired per seed, a = find_setbacks, b = with the shape templates:")
    print(sa.show(paired))
    for g in sa.GENERATORS:
        d = paired.loc[paired["generator"] == g, "f1_b-a"].to_numpy()
        sd = d.std(ddof=1) if len(d) > 1 else np.nan
        t = d.mean() / (sd / np.sqrt(len(d))) if len(d) > 1 and sd > 0 else np.nan
        print(
            f"{g}: F1 b - a mean {d.mean():+.4f}, SD {sd:.4f}, {int((d > 0).sum())} of {len(d)} "
            f"up, paired t {t:.2f}"
        )


def realistic(args: argparse.Namespace, couples: int) -> None:
    """``--own``: the shape templates as a matched filter on the library's own trend and noise
    (no planted knowledge, no separation rule unless ``--separation`` says so), on both
    generators; its threshold picked on the tuning seeds by the mean of the two generators'
    F1, then paired against ``find_setbacks`` per seed (``setback_rules.paired_row``)."""
    import setback_rules as sr

    kind = args.kind[0]
    thresholds = args.thresholds or default_thresholds(kind)
    sep = args.separation[0]
    options = {"kind": kind, "clip": args.clip[0], "separation": sep}
    options |= {"short_bonus": args.short_bonus[0], "listed": not args.any_dip}
    print(f"realistic version (own trend, noise and AR(1)): {options}")
    seeds = sorted(set(args.seeds) | set(args.paired_seeds))
    sets = {g: {s: sa.Set(g, s, couples) for s in seeds} for g in sa.GENERATORS}
    lists = {
        g: {
            s: detections(sa.Planted(x), **options, floor=min(thresholds), own=True)
            for s, x in sets[g].items()
        }
        for g in sa.GENERATORS
    }
    rows = []
    for thr in thresholds:
        row = {"threshold": thr}
        for g in sa.GENERATORS:
            tune = [sets[g][s] for s in args.seeds]
            det, tru = scored(tune, [lists[g][s] for s in args.seeds], thr)
            figures = sa._targets_row(det, tru)
            if g == "dips":
                row |= {f"dips {k}": v for k, v in figures.items() if k != "recall"}
            else:
                row["synth f1"] = figures["f1"]
        rows.append(row)
    table = pd.DataFrame(rows)
    table["mean f1"] = (table["dips f1"] + table["synth f1"]) / 2
    print(f"tuning seeds {args.seeds}, every threshold:")
    print(sa.show(table))
    best = float(table.sort_values("mean f1", ascending=False)["threshold"].iloc[0])
    print(f"\nthreshold by the mean F1 on the tuning seeds: {best:g}")
    rows = []
    for g in sa.GENERATORS:
        for s in args.paired_seeds:
            x = sets[g][s]
            found = {
                "a": sa.find_setbacks(x.checkins),
                "b": lists[g][s].loc[lists[g][s]["score"] >= best].reset_index(drop=True),
            }
            rows.append(sr.paired_row(g, s, x.truth, found))
    _paired_summary(pd.DataFrame(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 couples a seed")
    parser.add_argument("--couples", type=int, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(sa.TUNING_SEEDS))
    parser.add_argument(
        "--kind",
        nargs="+",
        default=["glr", "bayes"],
        choices=["glr", "bayes", "mf"],
        help="mf: with --own only, the templates added to the library's scan",
    )
    parser.add_argument("--clip", nargs="+", default=["impute"], choices=["impute", "raw"])
    parser.add_argument("--separation", type=int, nargs="+", default=[SEPARATION])
    parser.add_argument("--short-bonus", type=float, nargs="+", default=[0.0])
    parser.add_argument(
        "--edges",
        type=float,
        nargs="+",
        default=list(EDGES),
        help="upper edges of the noise groups (must hold 0.8 and end with 0.9)",
    )
    parser.add_argument(
        "--any-dip",
        action="store_true",
        help="also score dips the truth would not list (visible depth below 2 points)",
    )
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=None,
        help="score thresholds (default: glr 2-8 by 0.25 and 9, 10, 12; bayes 2 lower)",
    )
    parser.add_argument(
        "--own",
        action="store_true",
        help="the realistic version: the library's own trend and noise, both generators",
    )
    parser.add_argument("--paired-seeds", type=int, nargs="+", default=list(sa.TUNING_SEEDS))
    parser.add_argument(
        "--oracle", action="store_true", help="first the mean-shift oracle on the same seeds"
    )
    parser.add_argument(
        "--z-box",
        type=float,
        nargs="+",
        default=[3.0, 3.25, 3.5],
        help="with --own --kind mf: z of the library's own windows",
    )
    args = parser.parse_args()
    if set(args.seeds) - set(sa.TUNING_SEEDS):
        print(f"note: seeds {sorted(set(args.seeds) - set(sa.TUNING_SEEDS))} are not tuning seeds")
    used = set(args.seeds) | set(args.paired_seeds)
    if used & (set(sa.FRESH_SEEDS) | set(sa.PREVIOUS_FRESH_SEEDS)):
        parser.error("fresh seeds (and earlier rounds' fresh seeds) are not read here")
    if 0.8 not in args.edges or args.edges[-1] != 0.9 or sorted(args.edges) != args.edges:
        parser.error("--edges must be increasing, hold 0.8 and end with 0.9")
    couples = args.couples or (60 if args.quick else 200)
    clock = time.perf_counter()
    if args.own:
        (realistic_mf if args.kind[0] == "mf" else realistic)(args, couples)
        print(f"\n({time.perf_counter() - clock:.0f} s)")
        return
    sets = [sa.Set("dips", s, couples) for s in args.seeds]
    planted = [sa.Planted(s) for s in sets]
    n_truth = sum(len(s.truth) for s in sets)
    print(f"dips, seeds {args.seeds}, {couples} couples each, {n_truth} planted setbacks")
    if args.oracle:
        rows = []
        for z, depth in itertools.product([2.0, 2.5, 3.0, 3.25, 3.5, 4.0], [1.5, 2.0]):
            options = {"z": z, "shift": 1.0, "depth": depth}
            det, tru = sa._scored(sets, planted, options)
            rows.append({**options, **sa._targets_row(det, tru)})
        print(
            "\nthe mean-shift oracle of setback_accuracy.py (rules 4-6 on score - planted level,"
            " planted noise) on the same seeds:"
        )
        print(sa.show(pd.DataFrame(rows)))
    for kind, clip, sep, bonus in itertools.product(
        args.kind, args.clip, args.separation, args.short_bonus
    ):
        run(
            sets,
            planted,
            kind=kind,
            clip=clip,
            separation=sep,
            short_bonus=bonus,
            listed=not args.any_dip,
            thresholds=args.thresholds or default_thresholds(kind),
            edges=tuple(args.edges),
        )
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

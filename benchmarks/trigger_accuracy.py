"""How often is the trigger verdict of ``trigger_trend`` right on planted truth?

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/trigger_accuracy.py             # the figures (fresh)
    nice -n 10 .venv/bin/python benchmarks/trigger_accuracy.py --quick     # a smoke run
    nice -n 10 .venv/bin/python benchmarks/trigger_accuracy.py --tuning    # the tuning seeds
    nice -n 10 .venv/bin/python benchmarks/trigger_accuracy.py --rule quasi   # the candidate

``trigger_trend(triggers, checkins=checkins)`` (the default three-month windows, alpha 0.05)
is run on two sources of planted truth, and the truth is read **inside the windows the
function used** (``first_start`` .. ``first_end``, ``latest_start`` .. ``latest_end``):

1. **benchmarks/_trigger_arcs.py**, built to differ from :mod:`trustdata.synth`'s trigger model
   (day-by-day, self-exciting and gamma-mixed clustering, anniversary bursts, falling / flat /
   rising rates, planted logging pauses at the start, in the middle, at the end and short
   ones).  Truth per partner: the expected number of triggers in each window (exact, from the
   generator's own recursion) and the days of it that were not logged.  The same partners are
   also run **as if they had logged through their pauses** (``record_all``), so what a pause
   costs is measured on the same histories.
2. **trustdata.synth** couples.  synth plants a trigger trend: a rate falling geometrically
   from ``trigger_rate_start`` to ``trigger_rate_end`` over the first 12 months, then flat,
   with x3 around anniversaries, x2 during setbacks and a boost after new information; half
   the involved partners log none.  Its exact weekly rates are recorded from the one
   ``Generator.poisson`` call that draws them (a recording wrapper around synth's random
   generator: the draws are the same, nothing else changes) and spread evenly over the week's
   days, as synth spreads the triggers.  A week with rate 0 (a gap of 2-4 weeks, or after the
   partner stopped) is a week not logged.  Nearly every synth partner's rate falls between the
   first and the latest window, so synth has almost no flat truth there; its **plateau**
   (the records from 13 months after the anchor on, for partners with at least 6 months of
   logs left) is scored as synth's flat truth, for the false alarms.

The planted ratio is the expected count in the latest window over that in the first (per day
logged, for synth).  Scored classes, from that ratio: ``falling`` (ratio <= 0.6: the range
the arcs plant, a fall of 40 % or more, which a partner would notice and the page's
"lessening" should say), ``flat`` (0.8-1.25), ``rising`` (>= 1.667 = 1/0.6); between them a
ratio is only counted; ``not logged`` (a window with more than half its days in a planted
pause: the only right answer is ``insufficient_data``) and ``none`` (no trigger planted).

A false **lessening** is ``rate_verdict == "lessening"`` (the frequency test said fewer
triggers, whatever the intensity made of the verdict) on a partner whose planted ratio is
above 0.8 or whose window was not logged; a false **worsening** the mirror image (ratio below
1.25).  The rate test is two-sided at 5 %: on exactly flat rates it should say "lessening" at
most 2.5 % of the time and either direction at most 5 %.  The exact Poisson test assumes
independent triggers; the arcs' triggers are clustered, so it is expected to be
anti-conservative there: that is the figure this benchmark exists for.

``--rule quasi`` scores the candidate test of the eleventh round (docs/verdicts.md, "How often
the trigger verdict is right"; not taken): the same windows, the exact p-value kept unless the
partner's triggers are overdispersed (a span-wide quasi-Poisson dispersion of 14-day blocks,
used when the Poisson dispersion test rejects), when the quasi-Poisson test of the two
windows' counts is used if it is larger (:func:`quasi_rule`); ``--rule quasi-window`` the
quasi-Poisson GLM of the windows' weekly counts (:func:`quasi_poisson_p`).  Both are computed
here from ``trigger_trend``'s windows and the records; the library is not changed by them.

``--rule quasi2`` (the twelfth round's; not taken either, docs/verdicts.md) is ``quasi`` with
14-day and 28-day blocks, the larger p-value of those gated; ``--pause-sum`` adds the
pauses-added-up rule (:func:`pause_sum_rule`) on top of any rule; it is the library's since
the twelfth round, so on the library it changes nothing.

``--rule trend`` (the thirteenth round's; not taken, docs/verdicts.md): the dispersion of the
span's 7-, 14- and 28-day bins around a trend over the whole span that can follow a change of
rate (:func:`trend_dispersion`): by default a step function with up to two change-points
(:func:`step_trend_fit`), or with ``--trend-model smooth`` a Poisson GLM with a
piecewise-linear log rate (:func:`poisson_trend_fit`); each used with at least
:data:`TREND_MIN_DF` degrees of freedom where the Poisson dispersion test rejects at
:data:`TREND_GATE`; ``p = max(exact, the exact test of the counts divided by phi)``
(:func:`scaled_exact_p`).

Seeds: :data:`TUNING_SEEDS` / :data:`SYNTH_TUNING_SEEDS` were looked at while building the
benchmark and the candidate; :data:`FRESH_SEEDS` / :data:`SYNTH_FRESH_SEEDS` were drawn
(``secrets.randbelow``) and committed before any rule was changed, and scored once per rule;
``--previous 1`` scores the twelfth round's fresh seeds, ``--previous 2`` the eleventh's
(:data:`PREVIOUS_FRESH_SEEDS`).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

# the checkout this file lives in, not whichever trustdata the venv installed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _trigger_arcs

from trustdata import schemas, synth
from trustdata import triggers as _triggers
from trustdata.triggers import trigger_trend

TUNING_SEEDS = (1, 2, 3)
#: Drawn with ``secrets.randbelow(100000)`` on 2026-12-03 (the thirteenth round) and committed
#: before anything was scored on them.
FRESH_SEEDS = (39106, 13222, 13757)
SYNTH_TUNING_SEEDS = (6101, 6102, 6103, 6104)
SYNTH_FRESH_SEEDS = (8628, 41415)
#: Earlier rounds' fresh seeds, no longer fresh (``--previous 1``: the twelfth round's, scored
#: by the library and by ``quasi2``; ``--previous 2``: the eleventh round's, scored by the
#: library and by ``quasi``).
PREVIOUS_FRESH_SEEDS: tuple[tuple[int, ...], ...] = ((35324, 98868, 31731), (52681, 28292, 46166))
SYNTH_PREVIOUS_FRESH_SEEDS: tuple[tuple[int, ...], ...] = ((60374, 15751), (62491, 64167))

FALLING_MAX = 0.6
FLAT_BAND = (0.8, 1.25)
RISING_MIN = 1 / 0.6
ALPHA = 0.05
TARGETS = {"flat_lessening": 0.025, "flat_either": 0.05, "not_logged_claim": 0.0}
RIGHT = {
    "falling": "lessening",
    "flat": "no_clear_change",
    "rising": "worsening",
    "not logged": "insufficient_data",
    "none": "insufficient_data",
}


# --------------------------------------------------------------------------------------------
# the candidates: the rate test allowing for overdispersed (clustered) triggers
# --------------------------------------------------------------------------------------------

#: The candidates' level for the Poisson dispersion test that gates ``quasi``.
DISPERSION_GATE = 0.05
#: ``quasi``: blocks of this many days over the span, their mean taken per segment of
#: :data:`SEGMENT_BLOCKS` blocks (14 x 7 = 98 days, about a window).
BLOCK_DAYS = 14
SEGMENT_BLOCKS = 7
SEGMENT_DAYS = BLOCK_DAYS * SEGMENT_BLOCKS
#: ``quasi2`` (the twelfth round's candidate): the dispersion of 14-day and of 28-day blocks,
#: each gated as ``quasi``; the larger of the two p-values (waves longer than 14 days are seen
#: by the 28-day blocks).
BLOCKS2 = (14, 28)
#: ``--pause-sum``: a window is not a period of logging when its stretches without a record of
#: at least this many days add up to more than half of it (the library's rule: one stretch).
PAUSE_SUM_MIN_DAYS = 21


def quasi_poisson_p(first_blocks: np.ndarray, latest_blocks: np.ndarray) -> tuple[float, float]:
    """Two-sided p-value of equal rates in two windows from their blocks' counts (blocks of
    equal length), and the dispersion ``phi``.

    The quasi-Poisson GLM ``count ~ window`` (log link): the coefficient is ``log(b / a)``
    (``a``, ``b`` the windows' mean counts), its standard error ``sqrt(phi (1 / A + 1 / B))``
    (``A``, ``B`` the windows' totals), ``phi`` Pearson's X2 over the residual degrees of
    freedom, and the p-value from Student's t with those degrees of freedom; as R::

        summary(glm(y ~ w, family = quasipoisson))$coefficients["w", 4]

    and statsmodels ``GLM(y, X, family=Poisson()).fit(scale="X2", use_t=True).pvalues[1]``
    (pinned in tests/test_trigger_arcs.py).  NaN when a window has no trigger.
    """
    a, b = np.asarray(first_blocks, float), np.asarray(latest_blocks, float)
    A, B = a.sum(), b.sum()
    df = len(a) + len(b) - 2
    if A == 0 or B == 0 or df < 1:
        return float("nan"), float("nan")
    ma, mb = A / len(a), B / len(b)
    phi = (((a - ma) ** 2).sum() / ma + ((b - mb) ** 2).sum() / mb) / df
    t = np.log(mb / ma) / np.sqrt(phi * (1 / A + 1 / B)) if phi > 0 else np.inf
    return float(2 * stats.t.sf(abs(t), df)), float(phi)


def span_dispersion(counts: np.ndarray, segment: np.ndarray) -> tuple[float, int]:
    """Pearson's X2 over its degrees of freedom for block ``counts`` around their mean in
    each ``segment``: the dispersion of the Poisson GLM ``count ~ factor(segment)``, as R's
    ``summary(glm(y ~ factor(s), family = quasipoisson))$dispersion`` (segments with no
    trigger contribute nothing and lose their degrees of freedom, as their fitted mean 0 has
    no Pearson residual).  Returns ``(phi, df)``; ``(nan, 0)`` without degrees of freedom."""
    y = np.asarray(counts, float)
    seg = np.asarray(segment)
    x2, df = 0.0, 0
    for s_ in np.unique(seg):
        v = y[seg == s_]
        m = v.mean()
        if m > 0 and len(v) > 1:
            x2 += ((v - m) ** 2).sum() / m
            df += len(v) - 1
    return (x2 / df, df) if df else (float("nan"), 0)


def scaled_rate_p(first: int, latest: int, phi: float, df: int) -> float:
    """Two-sided p-value of equal rates in two windows of equal length holding ``first`` and
    ``latest`` triggers, when counts vary ``phi`` times as much as Poisson counts: the
    quasi-Poisson Wald test ``log(latest / first) / sqrt(phi (1/first + 1/latest))`` against
    Student's t with ``df`` (the dispersion's degrees of freedom); with a window empty, the
    exact conditional test of the counts divided by ``phi``."""
    if first > 0 and latest > 0:
        t = np.log(latest / first) / np.sqrt(phi * (1 / first + 1 / latest))
        return float(2 * stats.t.sf(abs(t), df))
    n = first + latest
    return float(stats.binomtest(round(latest / phi), max(round(n / phi), 1), 0.5).pvalue)


def _by_series(frame: pd.DataFrame, column: str) -> dict[str, np.ndarray]:
    key = frame["couple_id"].astype(str) + "\x00" + frame["partner"].astype(str)
    ns = frame[column].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    order = np.argsort(key.to_numpy(), kind="stable")
    keys, ns = key.to_numpy()[order], ns[order]
    uk, first = np.unique(keys, return_index=True)
    ends = np.r_[first[1:], len(keys)]
    return {k: ns[i:j] for k, i, j in zip(uk, first, ends, strict=True)}


def span_phi(
    t: np.ndarray, seen_at: np.ndarray, start: int, end: int, block_days: int
) -> tuple[float, int]:
    """:func:`span_dispersion` of the span ``[start, end)`` (ns) cut into blocks of
    ``block_days`` days (whole blocks from ``start``), around their mean per segment of about
    98 days (``round(98 / block_days)`` blocks; a last segment under half that joins the one
    before), blocks without any record (``seen_at``: triggers and check-ins) left out."""
    day = 86_400 * 10**9
    n_b = int((end - start) // (block_days * day))
    if n_b < 2:
        return float("nan"), 0
    # blocks [start + i B, start + (i + 1) B): half-open, also the last (np.histogram's last bin
    # holds a record at its right edge; the scored run of d8011b0 used that, which on tuning
    # seed 1 changed 1 p-value in 1500)
    stop = start + n_b * block_days * day
    t = t[(t >= start) & (t < stop)]
    seen_at = seen_at[(seen_at >= start) & (seen_at < stop)]
    y = np.bincount((t - start) // (block_days * day), minlength=n_b)
    seen = np.bincount((seen_at - start) // (block_days * day), minlength=n_b) > 0
    per = max(1, round(SEGMENT_DAYS / block_days))
    seg = np.arange(n_b) // per
    short = seg == seg.max()
    if seg.max() > 0 and short.sum() < per // 2:
        seg[short] -= 1  # a short last segment joins the one before
    return span_dispersion(y[seen], seg[seen])


def quasi_rule(
    out: pd.DataFrame,
    triggers: pd.DataFrame,
    checkins: pd.DataFrame,
    how: str = "span",
    blocks: tuple[int, ...] = (BLOCK_DAYS,),
) -> pd.DataFrame:
    """``rate_verdict`` under a candidate, from ``trigger_trend``'s windows and the records.

    Where ``trigger_trend`` tested (``rate_p`` not NaN) and the triggers are overdispersed
    (``phi > 1``), ``p = max(rate_p, p_quasi)``, never below the exact test's:

    - ``how="window"``: the two windows cut into weekly blocks (``round(days / 7)``, at least
      2), ``p_quasi`` the quasi-Poisson GLM's (:func:`quasi_poisson_p`); a window without a
      trigger: :func:`scaled_rate_p` with ``phi`` of all blocks around one mean.
    - ``how="span"``: ``phi`` from the whole span (from ``span_start``) cut into blocks of
      :data:`BLOCK_DAYS` days, around their mean per :data:`SEGMENT_BLOCKS` blocks, blocks
      without any record (trigger or check-in: not logged) left out
      (:func:`span_dispersion`; several block lengths ``blocks``: the largest p-value of those
      gated); used only when the Poisson dispersion test rejects
      (``chi2.sf(phi * df, df) < DISPERSION_GATE``); ``p_quasi`` = :func:`scaled_rate_p` of
      the two windows' counts.

    Returns ``out`` with ``rate_p`` and ``rate_verdict`` replaced and a ``phi`` column.
    """
    res = out.copy()
    trig = _by_series(triggers, "timestamp")
    recs = _by_series(checkins, "date")
    none = np.zeros(0, np.int64)
    ps, phis = [], []
    cols = ["span_start", "span_end", "first_start", "first_end", "latest_start", "latest_end"]
    ns = {c: res[c].to_numpy(dtype="datetime64[ns]").astype(np.int64) for c in cols}
    for i, row in enumerate(res.itertuples(index=False)):
        p0 = row.rate_p
        if np.isnan(p0):
            ps.append(p0)
            phis.append(np.nan)
            continue
        key = f"{row.couple_id}\x00{row.partner}"
        t = trig.get(key, none)
        if how == "window":
            n_b = max(2, round(row.first_days / 7))
            fb = np.histogram(t, np.linspace(ns["first_start"][i], ns["first_end"][i], n_b + 1))[0]
            lb = np.histogram(t, np.linspace(ns["latest_start"][i], ns["latest_end"][i], n_b + 1))[
                0
            ]
            pq, phi = quasi_poisson_p(fb, lb)
            if np.isnan(phi):
                phi, df = span_dispersion(np.r_[fb, lb], np.zeros(2 * n_b))
                pq = scaled_rate_p(row.first_count, row.latest_count, phi, df) if phi > 1 else p0
        else:
            start, end = ns["span_start"][i], ns["span_end"][i]
            t = t[t >= start]
            seen_at = np.r_[t, recs.get(key, none)]
            phi, pq = np.nan, p0
            for block in blocks:  # the block length whose test is the most cautious
                phi_b, df = span_phi(t, seen_at, start, end, block)
                gate = df > 0 and stats.chi2.sf(phi_b * df, df) < DISPERSION_GATE
                if gate and phi_b > 1:
                    pq_b = scaled_rate_p(row.first_count, row.latest_count, phi_b, df)
                    if np.isnan(phi) or pq_b > pq:
                        phi, pq = phi_b, pq_b
                elif np.isnan(phi):
                    phi = phi_b
        ps.append(max(p0, pq) if phi > 1 and not np.isnan(pq) else p0)
        phis.append(phi)
    res["rate_p"] = ps
    res["phi"] = phis
    p = res["rate_p"].to_numpy(dtype=float)
    ratio = res["rate_ratio"].to_numpy(dtype=float)
    res["rate_verdict"] = np.select(
        [np.isnan(p), (p < ALPHA) & (ratio < 1), (p < ALPHA) & (ratio > 1)],
        ["insufficient_data", "lessening", "worsening"],
        default="no_clear_change",
    )
    return res


def pause_sum_rule(
    out: pd.DataFrame, triggers: pd.DataFrame, checkins: pd.DataFrame
) -> pd.DataFrame:
    """``rate_verdict`` ``"insufficient_data"`` also where a window's stretches without a
    record (trigger or check-in) of at least :data:`PAUSE_SUM_MIN_DAYS` empty days, cut to the
    window, add up to more than half of it (two short pauses in one window); a ``pause_sum``
    column says where.  Only for partners with check-ins (the library's rule applies only
    there)."""
    res = out.copy()
    trig = _by_series(triggers, "timestamp")
    recs = _by_series(checkins, "date")
    none = np.zeros(0, np.int64)
    day = 86_400 * 10**9
    cols = ["first_start", "first_end", "latest_start", "latest_end"]
    ns = {c: res[c].to_numpy(dtype="datetime64[ns]").astype(np.int64) for c in cols}
    w = res["first_days"].to_numpy(dtype=float)
    flag = np.zeros(len(res), dtype=bool)
    for i, row in enumerate(res.itertuples(index=False)):
        key = f"{row.couple_id}\x00{row.partner}"
        if key not in recs:
            continue
        d = np.unique(np.r_[trig.get(key, none), recs[key]] // day)
        a, b = d[:-1], d[1:]
        keep = b - a - 1 >= PAUSE_SUM_MIN_DAYS
        a, b = a[keep], b[keep]
        for s_, e_ in (("first_start", "first_end"), ("latest_start", "latest_end")):
            lo = np.maximum((a + 1) * day, ns[s_][i])
            hi = np.minimum(b * day, ns[e_][i])
            flag[i] |= np.maximum(hi - lo, 0).sum() / day > w[i] / 2
    res["pause_sum"] = flag
    res.loc[flag, "rate_verdict"] = "insufficient_data"
    return res


# --------------------------------------------------------------------------------------------
# the thirteenth round's candidate: the dispersion around a smooth trend over the span
# --------------------------------------------------------------------------------------------

#: ``--rule trend``: the span cut into whole bins of each of these lengths in days ...
TREND_BIN_DAYS: tuple[int, ...] = (7, 14, 28)
#: ... a Poisson GLM of the bins' counts on a piecewise-linear log rate with knots equally
#: spaced about this many days apart over the span ...
TREND_KNOT_DAYS: float = 91.0
#: ... its dispersion used only with at least this many residual degrees of freedom ...
TREND_MIN_DF: int = 6
#: ... and, when not None, only where the Poisson dispersion test rejects at this level.
TREND_GATE: float | None = 0.05
_DAY_NS = 86_400 * 10**9


def hat_basis(t: np.ndarray, length: np.ndarray, knot_days: float) -> tuple:
    """The linear B-spline ("hat") basis of a piecewise-linear function of ``t`` (days from
    the span's start, per bin) on ``[0, length]`` (per bin: its series' binned span) with
    ``m = max(1, round(length / knot_days))`` equal pieces: each bin has weight ``1 - u`` on
    column ``j`` and ``u`` on column ``j + 1`` (``m + 1`` columns per series; the same
    column space as ``1, t, (t - k_1)_+, ..., (t - k_{m-1})_+``).  Returns ``(j, u, m)``."""
    m = np.maximum(1, np.floor(length / knot_days + 0.5)).astype(np.int64)
    s = t / (length / m)
    j = np.minimum(np.floor(s).astype(np.int64), m - 1)
    return j, s - j, m


def poisson_trend_fit(
    y: np.ndarray,
    row: np.ndarray,
    j: np.ndarray,
    u: np.ndarray,
    n_rows: int,
    n_cols: int,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM (log link) of counts ``y`` on the hat basis (:func:`hat_basis`), one model
    per ``row``, all fitted together by iteratively reweighted least squares: ``X'WX`` is
    tridiagonal per row (each bin has two nonzero columns), assembled with ``bincount`` and
    solved as one stack of ``n_cols`` x ``n_cols`` systems (columns a row does not use, or
    that no bin of it supports, held at 0).  Started as statsmodels (``mu = (y + mean y) /
    2``); stops when no row's deviance changes by more than ``tol`` (relative) or after
    ``max_iter`` passes; the linear predictor is kept above -40 (a piece without a trigger
    has a fitted rate that tends to 0).  Returns the fitted means and each row's rank (the
    columns some bin supports)."""
    y = np.asarray(y, dtype=float)
    a, b = 1.0 - u, u
    P = n_cols
    cnt = np.bincount(row, minlength=n_rows)
    tot = np.bincount(row, weights=y, minlength=n_rows)
    mu = (y + (tot / np.maximum(cnt, 1))[row]) / 2
    eta = np.log(mu)
    sup = (
        np.bincount(row * P + j, weights=a, minlength=n_rows * P)
        + np.bincount(row * P + j + 1, weights=b, minlength=n_rows * P)
    ).reshape(n_rows, P) > 0
    rr, cc = np.nonzero(~sup)
    base = row * P * P
    jj, j1, jo = base + j * (P + 1), base + (j + 1) * (P + 1), base + j * P + j + 1
    dev_old = np.full(n_rows, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y), 0.0)
    for _ in range(max_iter):
        w = mu
        z = eta + (y - mu) / mu
        size = n_rows * P * P
        A = np.bincount(jj, weights=w * a * a, minlength=size) + np.bincount(
            j1, weights=w * b * b, minlength=size
        )
        A = A.reshape(n_rows, P, P)
        off = np.bincount(jo, weights=w * a * b, minlength=size).reshape(n_rows, P, P)
        A += off + off.transpose(0, 2, 1)
        A[rr, cc, cc] = 1.0
        rhs = np.bincount(row * P + j, weights=w * a * z, minlength=n_rows * P) + np.bincount(
            row * P + j + 1, weights=w * b * z, minlength=n_rows * P
        )
        beta = np.linalg.solve(A, rhs.reshape(n_rows, P, 1))[..., 0]
        eta = np.maximum(beta[row, j] * a + beta[row, j + 1] * b, -40.0)
        mu = np.exp(eta)
        dev = 2 * np.bincount(row, weights=ylogy - y * eta - (y - mu), minlength=n_rows)
        if np.all(np.abs(dev - dev_old) <= tol * (np.abs(dev) + 1)):
            break
        dev_old = dev
    return mu, sup.sum(axis=1)


#: ``--trend-model steps``: the trend is instead a step function with this many change-points
#: (binary segmentation, each the Poisson maximum-likelihood split of a segment) ...
TREND_STEPS: int = 2
#: ... segments at least this many days long ...
TREND_STEP_MIN_DAYS: int = 56
#: ... each change-point's location charged this many residual degrees of freedom besides its
#: segment's mean (the best split of noise takes more than one degree of freedom's X2)
TREND_STEP_DF: int = 3
#: The trend the dispersion is measured around: ``"steps"`` (the thirteenth round's candidate,
#: chosen on the tuning seeds) or ``"smooth"`` (the piecewise-linear GLM).
TREND_MODEL: str = "steps"


#: The step trend is the library's (:func:`trustdata.triggers._step_trend_fit`, whose
#: dispersion :func:`trustdata.triggers.trigger_trend` reports since the fourteenth round); one
#: copy, pinned against statsmodels in tests/test_trigger_arcs.py.
step_trend_fit = _triggers._step_trend_fit


def trend_dispersion(
    rec_row: np.ndarray,
    rec_day: np.ndarray,
    is_trigger: np.ndarray,
    start_day: np.ndarray,
    span_days: np.ndarray,
    checked: np.ndarray,
    bin_days: int,
    knot_days: float = TREND_KNOT_DAYS,
    model: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per series: Pearson's X2 over its residual degrees of freedom of the triggers in whole
    bins of ``bin_days`` days from ``start_day`` (``span_days // bin_days`` of them) around a
    trend over the span: ``model`` ``"smooth"``, a Poisson GLM with a piecewise-linear log rate
    (:func:`hat_basis`, :func:`poisson_trend_fit`), or ``"steps"``, a step function
    (:func:`step_trend_fit`, with :data:`TREND_STEPS` change-points at least
    :data:`TREND_STEP_MIN_DAYS` apart, each charged :data:`TREND_STEP_DF` degrees of freedom);
    None: :data:`TREND_MODEL`.  For the smooth trend, as
    statsmodels ``GLM(y, X, family=Poisson()).fit(scale="X2")``'s ``scale`` and
    ``df_resid``.  For series with check-ins (``checked``) bins without any record (trigger
    or check-in) are left out (not logged).  Series with ``span_days`` 0 get NaN / 0.
    Returns ``(phi, df)``."""
    if (TREND_MODEL if model is None else model) == "steps":  # the library's, one copy
        return _triggers._trend_dispersion(
            rec_row, rec_day, is_trigger, start_day, span_days, checked, bin_days,
            n_steps=TREND_STEPS, step_min_days=TREND_STEP_MIN_DAYS, step_df=TREND_STEP_DF,
        )  # fmt: skip
    n = len(start_day)
    phi = np.full(n, np.nan)
    df = np.zeros(n, dtype=np.int64)
    # the library's bins (one copy): whole bins, not-logged ones and series without a trigger out
    y, bin_row, pos, n_b = _triggers._span_bins(
        rec_row, rec_day, is_trigger, start_day, span_days, checked, bin_days
    )
    if not len(y):
        return phi, df
    t = (pos + 0.5) * bin_days
    j, u, m = hat_basis(t, (n_b * bin_days)[bin_row].astype(float), knot_days)
    rows, bin_row = np.unique(bin_row, return_inverse=True)
    mu, rank = poisson_trend_fit(y, bin_row, j, u, len(rows), int(m.max()) + 1)
    x2 = np.bincount(bin_row, weights=(y - mu) ** 2 / mu, minlength=len(rows))
    d = np.bincount(bin_row, minlength=len(rows)) - rank
    df[rows] = d
    with np.errstate(invalid="ignore", divide="ignore"):
        phi[rows] = np.where(d > 0, x2 / np.maximum(d, 1), np.nan)
    return phi, df


def scaled_exact_p(first: np.ndarray, latest: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Two-sided p-value of equal rates in two windows of equal length holding ``first`` and
    ``latest`` triggers when counts vary ``phi`` times as much as Poisson counts: the library's
    :func:`trustdata.triggers._scaled_exact_p` (the exact conditional test of the counts
    divided by ``phi``; at ``phi = 1`` scipy's ``binomtest(latest, first + latest, 0.5)``)."""
    latest = np.asarray(latest, dtype=float)
    return _triggers._scaled_exact_p(latest, np.asarray(first, dtype=float) + latest, phi)


def _records_by_row(out: pd.DataFrame, triggers: pd.DataFrame, checkins: pd.DataFrame):
    """Each record's row of ``out`` (by couple and partner), day number and kind."""
    key = out["couple_id"].astype(str) + "\x00" + out["partner"].astype(str)
    pos = pd.Series(np.arange(len(out)), index=key.to_numpy())
    parts = []
    for frame, col, trig in ((triggers, "timestamp", True), (checkins, "date", False)):
        k = frame["couple_id"].astype(str) + "\x00" + frame["partner"].astype(str)
        r = k.map(pos).to_numpy(dtype=float)
        d = frame[col].to_numpy(dtype="datetime64[ns]").astype(np.int64) // _DAY_NS
        parts.append((r, d, np.full(len(r), trig)))
    r, d, is_t = (np.concatenate(x) for x in zip(*parts, strict=True))
    ok = ~np.isnan(r)
    checked = np.bincount(r[ok & ~is_t].astype(np.int64), minlength=len(out)) > 0
    return r[ok].astype(np.int64), d[ok], is_t[ok], checked


def trend_rule(
    out: pd.DataFrame,
    triggers: pd.DataFrame,
    checkins: pd.DataFrame,
    bins: tuple[int, ...] | None = None,
    knot_days: float | None = None,
    min_df: int | None = None,
    gate: float | None = None,
) -> pd.DataFrame:
    """``rate_verdict`` under ``--rule trend``: for each bin length of ``bins``, the dispersion
    ``phi`` of the partner's triggers around a smooth trend over the whole span
    (:func:`trend_dispersion`, from ``span_start``; used only with ``df >= min_df`` and, with
    ``gate``, where ``chi2.sf(phi df, df) < gate``); ``phi`` = the largest of those, at least
    1; ``p = max(rate_p, scaled_exact_p(first, latest, phi))``.  Options left None take
    the module's ``TREND_*`` values (set from the command line).  Returns ``out`` with
    ``rate_p`` and ``rate_verdict`` replaced and ``phi`` / ``rate_p_exact`` columns."""
    bins = TREND_BIN_DAYS if bins is None else bins
    knot_days = TREND_KNOT_DAYS if knot_days is None else knot_days
    min_df = TREND_MIN_DF if min_df is None else min_df
    gate = TREND_GATE if gate is None else gate
    res = out.copy()
    enough = res["rate_p"].notna().to_numpy()
    rec_row, rec_day, is_t, checked = _records_by_row(res, triggers, checkins)
    start = res["span_start"].to_numpy(dtype="datetime64[ns]").astype(np.int64) // _DAY_NS
    end = res["span_end"].to_numpy(dtype="datetime64[ns]").astype(np.int64) // _DAY_NS
    span = np.where(enough, end - start, 0)
    phi = np.ones(len(res))
    for b in bins:
        ph, df = trend_dispersion(rec_row, rec_day, is_t, start, span, checked, b, knot_days)
        use = (df >= min_df) & (ph > 1)
        if gate is not None:
            use &= stats.chi2.sf(ph * df, np.maximum(df, 1)) < gate
        phi = np.where(use, np.fmax(phi, ph), phi)
    p0 = res["rate_p"].to_numpy(dtype=float)
    pq = scaled_exact_p(res["first_count"].to_numpy(), res["latest_count"].to_numpy(), phi)
    res["rate_p_exact"] = p0
    res["phi"] = np.where(enough, phi, np.nan)
    res["rate_p"] = np.where(enough & (phi > 1), np.fmax(p0, pq), p0)
    p = res["rate_p"].to_numpy(dtype=float)
    ratio = res["rate_ratio"].to_numpy(dtype=float)
    res["rate_verdict"] = np.select(
        [np.isnan(p), (p < ALPHA) & (ratio < 1), (p < ALPHA) & (ratio > 1)],
        ["insufficient_data", "lessening", "worsening"],
        default="no_clear_change",
    )
    return res


def _apply(rule: str, out: pd.DataFrame, triggers, checkins, pause_sum=False) -> pd.DataFrame:
    if rule == "trend":
        out = trend_rule(out, triggers, checkins)
    elif rule == "quasi2":
        out = quasi_rule(out, triggers, checkins, how="span", blocks=BLOCKS2)
    elif rule != "library":
        out = quasi_rule(
            out, triggers, checkins, how="window" if rule == "quasi-window" else "span"
        )
    return pause_sum_rule(out, triggers, checkins) if pause_sum else out


# --------------------------------------------------------------------------------------------
# truth inside the windows the function used
# --------------------------------------------------------------------------------------------


def _truth_columns(out: pd.DataFrame, expected, logged, day0) -> pd.DataFrame:
    """Expected triggers and unlogged days in both windows, per row of ``out`` (whose
    ``couple_id``/``partner`` index ``expected``/``logged``/``day0`` by position)."""
    cols = {"exp_first": [], "exp_latest": [], "off_first": [], "off_latest": []}
    for row in out.itertuples(index=False):
        i = row.idx
        ef, of = _trigger_arcs.window_truth(
            expected[i], logged[i], day0[i], row.first_start, row.first_end
        )
        el, ol = _trigger_arcs.window_truth(
            expected[i], logged[i], day0[i], row.latest_start, row.latest_end
        )
        cols["exp_first"].append(ef)
        cols["exp_latest"].append(el)
        cols["off_first"].append(of)
        cols["off_latest"].append(ol)
    res = out.assign(**cols)
    w = res["first_days"].to_numpy(dtype=float)
    on_f = w - res["off_first"].to_numpy()
    on_l = w - res["off_latest"].to_numpy()
    res["first_truly_logged"] = res["off_first"] <= w / 2
    res["latest_truly_logged"] = res["off_latest"] <= w / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_f = res["exp_first"].to_numpy() / np.where(res["per_logged_day"], on_f, w)
        rate_l = res["exp_latest"].to_numpy() / np.where(res["per_logged_day"], on_l, w)
        res["planted_ratio"] = rate_l / rate_f
    res["planted_first_per_month"] = rate_f * schemas.DAYS_PER_MONTH
    res["planted_latest_per_month"] = rate_l * schemas.DAYS_PER_MONTH
    return res


def _klass(res: pd.DataFrame) -> pd.Series:
    r = res["planted_ratio"].to_numpy(dtype=float)
    logged = res["first_truly_logged"].to_numpy() & res["latest_truly_logged"].to_numpy()
    none = res["exp_first"].to_numpy() + res["exp_latest"].to_numpy() == 0
    k = np.select(
        [
            ~logged,
            none,
            r <= FALLING_MAX,
            (r >= FLAT_BAND[0]) & (r <= FLAT_BAND[1]),
            r >= RISING_MIN,
        ],
        ["not logged", "none", "falling", "flat", "rising"],
        default="between",
    )
    return pd.Series(k, index=res.index)


def _score_frame(res: pd.DataFrame) -> pd.DataFrame:
    res = res.assign(scored=_klass(res))
    r = res["planted_ratio"].to_numpy(dtype=float)
    nl = res["scored"].eq("not logged").to_numpy()
    rv = res["rate_verdict"].to_numpy()
    res["false_lessening"] = (rv == "lessening") & (nl | ~(r <= FLAT_BAND[0]))
    res["false_worsening"] = (rv == "worsening") & (nl | ~(r >= FLAT_BAND[1]))
    right = res["scored"].map(RIGHT)
    res["right"] = (res["rate_verdict"] == right) & right.notna()
    return res


def arcs_table(
    n: int, seeds: tuple[int, ...], rule: str, record_all: bool = False, pause_sum: bool = False
):
    parts = []
    for seed in seeds:
        arcs = _trigger_arcs.generate(n, seed=seed, record_all=record_all)
        out = trigger_trend(arcs.triggers, checkins=arcs.checkins)
        out = _apply(rule, out, arcs.triggers, arcs.checkins, pause_sum)
        pos = {c: i for i, c in enumerate(arcs.truth["couple_id"])}
        out = out.assign(idx=out["couple_id"].astype(str).map(pos), per_logged_day=False)
        day0 = list(arcs.truth["day0"])
        res = _truth_columns(out, arcs.expected, arcs.logged, day0)
        res = res.merge(arcs.truth, on=["couple_id", "partner"], suffixes=("", "_planted"))
        # where the pause rule should start the span: the day of the first record after a
        # planted pause at the start (the first record otherwise)
        after = res["day0"] + pd.to_timedelta(
            np.where(res["pause"] == "start", res["pause_to"] + 1, 0), unit="D"
        )
        res["start_placed_right"] = res["first_start"] == _first_record_from(
            arcs, res["couple_id"], after
        )
        parts.append(res.assign(couple_id=f"{seed}-" + res["couple_id"].astype(str)))
    return _score_frame(pd.concat(parts, ignore_index=True))


def _first_record_from(arcs, couple_id: pd.Series, after: pd.Series) -> pd.Series:
    """The day of each series' first record (trigger or check-in) on or after ``after``."""
    days = pd.concat(
        [
            arcs.triggers[["couple_id"]].assign(day=arcs.triggers["timestamp"].dt.normalize()),
            arcs.checkins[["couple_id"]].assign(day=arcs.checkins["date"].dt.normalize()),
        ],
        ignore_index=True,
    )
    days["couple_id"] = days["couple_id"].astype(str)
    lim = pd.Series(after.to_numpy(), index=couple_id.astype(str).to_numpy())
    days = days.loc[days["day"] >= days["couple_id"].map(lim)]
    first = days.groupby("couple_id")["day"].min()
    return couple_id.astype(str).map(first).set_axis(couple_id.index)


class _Recording:
    """A random generator that records the 2-d rate arrays handed to ``poisson``."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.rates: list[np.ndarray] = []

    def poisson(self, lam=1.0, size=None):
        arr = np.asarray(lam)
        if arr.ndim == 2:
            self.rates.append(arr.copy())
        return self._rng.poisson(lam, size)

    def __getattr__(self, name):
        return getattr(self._rng, name)


@contextmanager
def _recorded(box: list):
    real = np.random.default_rng

    def make(seed=None):
        rec = _Recording(real(seed))
        box.append(rec)
        return rec

    np.random.default_rng = make
    try:
        yield
    finally:
        np.random.default_rng = real


def synth_generate(couples: int, seed: int):
    """``synth.generate`` and the weekly trigger rates it drew from, (partners x weeks)."""
    box: list[_Recording] = []
    with _recorded(box):
        syn = synth.generate(couples=couples, seed=seed, text=False)
    (rec,) = box
    (rates,) = rec.rates  # the triggers' draw is synth's only 2-d Poisson draw
    return syn, rates


def synth_table(
    couples: int,
    seeds: tuple[int, ...],
    rule: str,
    plateau: bool = False,
    pause_sum: bool = False,
):
    parts = []
    for seed in seeds:
        syn, rates = synth_generate(couples, seed)
        params = syn.params.reset_index(drop=True)
        quiet = params["trigger_rate_start"].to_numpy() == 0
        week0 = params["first_week"]
        expected = [np.repeat(rates[p], 7) / 7 for p in range(len(params))]
        logged = [(np.repeat(rates[p], 7) > 0) | quiet[p] for p in range(len(params))]
        for p in range(len(params)):  # days after the partner's own logs: not logged
            logged[p][int(params["weeks"].iloc[p]) * 7 :] = False
        tr, ci = syn.logs.triggers, syn.logs.checkins
        if plateau:
            cut = params[["couple_id", "partner"]].assign(
                cut=params["anchor_date"] + pd.Timedelta(days=395)
            )
            tr = tr.merge(cut, on=["couple_id", "partner"])
            tr = tr.loc[tr["timestamp"] >= tr["cut"]].drop(columns="cut")
            ci = ci.merge(cut, on=["couple_id", "partner"])
            ci = ci.loc[ci["date"] >= ci["cut"]].drop(columns="cut")
        out = trigger_trend(tr, checkins=ci)
        out = _apply(rule, out, tr, ci, pause_sum)
        key = params["couple_id"].astype(str) + "/" + params["partner"].astype(str)
        pos = {k: i for i, k in enumerate(key)}
        out = out.assign(
            idx=(out["couple_id"].astype(str) + "/" + out["partner"].astype(str)).map(pos),
            per_logged_day=True,
        )
        if plateau:  # 6 months or more of logs left after the cut
            out = out.loc[out["span_end"] - out["span_start"] >= pd.Timedelta(days=183)]
        res = _truth_columns(out, expected, logged, list(week0))
        res = res.merge(
            params[["couple_id", "partner", "role", "trigger_rate_start", "trigger_rate_end"]],
            on=["couple_id", "partner"],
        )
        res["cluster"] = "synth"
        res["pause"] = "synth"
        parts.append(res.assign(couple_id=f"{seed}-" + res["couple_id"].astype(str)))
    return _score_frame(pd.concat(parts, ignore_index=True))


# --------------------------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------------------------


def score(res: pd.DataFrame, by: str) -> pd.DataFrame:
    rows = []
    for key, g in res.groupby(by, sort=True):
        row = {by: key, "n": len(g)}
        scored = g["scored"].map(RIGHT).notna()
        row["right"] = g.loc[scored, "right"].mean() if scored.any() else np.nan
        for v in ("lessening", "no_clear_change", "worsening", "insufficient_data"):
            row[v] = (g["rate_verdict"] == v).mean()
        row["verdict_mixed"] = (g["verdict"] == "mixed").mean()
        row["false_less"] = g["false_lessening"].mean()
        row["false_wors"] = g["false_worsening"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _show(title: str, table: pd.DataFrame) -> None:
    print(f"\n{title}")
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 180):
        print(table.to_string(index=False))


def _flat_figures(name: str, res: pd.DataFrame) -> dict[str, float]:
    flat = res[res["scored"] == "flat"]
    r = flat["planted_ratio"]
    null = flat[(r >= 1 / 1.1) & (r <= 1.1)]
    less = float(flat["false_lessening"].mean()) if len(flat) else np.nan
    either = float((flat["rate_verdict"].isin(["lessening", "worsening"])).mean())
    null_less = float(null["false_lessening"].mean()) if len(null) else np.nan
    null_either = float(null["rate_verdict"].isin(["lessening", "worsening"]).mean())
    # the library's words since the fourteenth round: a lessening whose p-value allowing for
    # bursts (rate_p_bursts) is not below alpha is said as "could be chance"
    plain = flat["false_lessening"] & ~(flat["rate_p_bursts"] >= ALPHA)
    unqualified = float(plain.mean()) if len(flat) else np.nan
    t = TARGETS
    print(
        f"headline {name}: flat partners (planted ratio {FLAT_BAND[0]}-{FLAT_BAND[1]}, "
        f"n={len(flat)}) called lessening {less:.3f} (target <= {t['flat_lessening']}: "
        f"{'met' if less <= t['flat_lessening'] else 'MISSED'}), either direction "
        f"{either:.3f} (target <= {t['flat_either']}: "
        f"{'met' if either <= t['flat_either'] else 'MISSED'}); within 10 % of flat (n="
        f"{len(null)}): lessening {null_less:.3f}, either {null_either:.3f}"
    )
    print(
        f"headline {name}: flat partners called lessening without 'could be chance' (rate_p_bursts"
        f" < {ALPHA}) {unqualified:.3f} (target <= {t['flat_lessening']}: "
        f"{'met' if unqualified <= t['flat_lessening'] else 'MISSED'})"
    )
    return {
        "flat_lessening": less,
        "flat_either": either,
        "null_lessening": null_less,
        "flat_unqualified_lessening": unqualified,
    }


def _report_arcs(res: pd.DataFrame, full: pd.DataFrame | None) -> None:
    _show("by scored class (rate_verdict; 'right' as RIGHT):", score(res, "scored"))
    _show("by planted pause:", score(res, "pause"))
    flat = res[res["scored"] == "flat"]
    _show("flat partners by clustering:", score(flat, "cluster"))
    falling = res[res["scored"] == "falling"]
    _show("falling partners by clustering:", score(falling, "cluster"))
    both = res[res["scored"] != "between"]
    _show(
        "by pause and scored class:",
        score(both.assign(k=both["pause"] + "/" + both["scored"]), "k"),
    )
    nl = res[res["scored"] == "not logged"]
    claim = nl["rate_verdict"].isin(["lessening", "worsening", "no_clear_change"]).mean()
    print(
        f"headline arcs: a window truly not logged (n={len(nl)}) but a verdict given "
        f"{claim:.3f} (target {TARGETS['not_logged_claim']}: "
        f"{'met' if claim <= TARGETS['not_logged_claim'] else 'MISSED'})"
    )
    if "pause_sum" in res:
        was = res["pause_sum"] & res["scored"].ne("not logged")
        print(
            f"headline arcs --pause-sum: made insufficient_data with both windows truly logged "
            f"{int(was.sum())} of {len(res)} ({was.mean():.4f}); windows not logged caught "
            f"{int(res.loc[nl.index, 'pause_sum'].sum())} of {len(nl)}"
        )
    st = res[res["pause"] == "start"]
    print(
        f"headline arcs: pause at the start skipped to the first record after it "
        f"{st['start_placed_right'].mean():.3f} (n={len(st)}); first window truly logged "
        f"{st['first_truly_logged'].mean():.3f}"
    )
    if full is not None:
        m = res[["couple_id", "pause", "scored", "right", "rate_verdict"]].merge(
            full[["couple_id", "scored", "right", "rate_verdict"]],
            on="couple_id",
            suffixes=("", "_full"),
        )
        rows = []
        for key, g in m.groupby("pause"):
            changed = g["rate_verdict"] != g["rate_verdict_full"]
            claims = g["rate_verdict"].isin(["lessening", "worsening"])
            rows.append(
                {
                    "pause": key,
                    "n": len(g),
                    "verdict_changed": changed.mean(),
                    "to_insufficient": (
                        changed & (g["rate_verdict"] == "insufficient_data")
                    ).mean(),
                    "to_other_claim": (changed & claims).mean(),
                    "right_paused": g.loc[g["scored"].map(RIGHT).notna(), "right"].mean(),
                    "right_if_logged": g.loc[
                        g["scored_full"].map(RIGHT).notna(), "right_full"
                    ].mean(),
                }
            )
        _show(
            "what a pause did (the same partners as if they had logged through it; "
            "'right_if_logged' scored against the truth of those windows):",
            pd.DataFrame(rows),
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small samples (a smoke run)")
    ap.add_argument("--arcs", type=int, default=3000, help="series per arcs seed")
    ap.add_argument("--couples", type=int, default=600, help="couples per synth seed")
    ap.add_argument("--tuning", action="store_true", help="score the tuning seeds instead")
    ap.add_argument(
        "--previous",
        type=int,
        default=0,
        metavar="N",
        help="score the fresh seeds of N rounds ago instead (1: the twelfth's, 2: the eleventh's)",
    )
    ap.add_argument(
        "--rule", choices=("library", "quasi", "quasi-window", "quasi2", "trend"), default="library"
    )
    ap.add_argument(
        "--pause-sum",
        action="store_true",
        help="also the candidate pause rule: stretches of 21 days or more summed per window",
    )
    ap.add_argument(
        "--trend-bins", default=None, help="--rule trend: bin lengths in days, e.g. 7,14,28"
    )
    ap.add_argument("--trend-knots", type=float, default=None, help="--rule trend: knot days")
    ap.add_argument("--trend-min-df", type=int, default=None, help="--rule trend: df floor")
    ap.add_argument("--trend-gate", type=float, default=None, help="--rule trend: gate level")
    ap.add_argument("--trend-model", choices=("smooth", "steps"), default=None)
    ap.add_argument("--trend-steps", type=int, default=None, help="--trend-model steps: count")
    ap.add_argument("--trend-step-days", type=int, default=None, help="shortest segment, days")
    ap.add_argument("--trend-step-df", type=int, default=None, help="df per change-point")
    args = ap.parse_args(argv)
    global TREND_MODEL, TREND_STEPS, TREND_STEP_MIN_DAYS, TREND_STEP_DF
    if args.trend_model:
        TREND_MODEL = args.trend_model
    if args.trend_steps is not None:
        TREND_STEPS = args.trend_steps
    if args.trend_step_days:
        TREND_STEP_MIN_DAYS = args.trend_step_days
    if args.trend_step_df is not None:
        TREND_STEP_DF = args.trend_step_df
    global TREND_BIN_DAYS, TREND_KNOT_DAYS, TREND_MIN_DF, TREND_GATE
    if args.trend_bins:
        TREND_BIN_DAYS = tuple(int(x) for x in args.trend_bins.split(","))
    if args.trend_knots:
        TREND_KNOT_DAYS = args.trend_knots
    if args.trend_min_df:
        TREND_MIN_DF = args.trend_min_df
    if args.trend_gate:
        TREND_GATE = args.trend_gate
    n_arcs, n_couples = (300, 80) if args.quick else (args.arcs, args.couples)
    if args.tuning:
        seeds, synth_seeds, which = TUNING_SEEDS, SYNTH_TUNING_SEEDS, "tuning"
    elif args.previous:
        seeds = PREVIOUS_FRESH_SEEDS[args.previous - 1]
        synth_seeds = SYNTH_PREVIOUS_FRESH_SEEDS[args.previous - 1]
        which = f"previous {args.previous}"
    else:
        seeds, synth_seeds, which = FRESH_SEEDS, SYNTH_FRESH_SEEDS, "fresh"
    ps = args.pause_sum
    t0 = time.perf_counter()
    print(
        f"# trigger verdict accuracy of trigger_trend ({'quick' if args.quick else 'full'} run, "
        f"{which} seeds, rule: {args.rule}{', pause-sum' if ps else ''}"
        + (
            f"; bins {TREND_BIN_DAYS}, knots {TREND_KNOT_DAYS:g} days, df >= {TREND_MIN_DF}, "
            f"gate {TREND_GATE}, model {TREND_MODEL}"
            + (
                f" ({TREND_STEPS} change-points, segments >= {TREND_STEP_MIN_DAYS} days, "
                f"{TREND_STEP_DF} df each)"
                if TREND_MODEL == "steps"
                else ""
            )
            + ")"
            if args.rule == "trend"
            else ")"
        )
    )
    print(f"\n## benchmarks/_trigger_arcs.py, {n_arcs} series x seeds {seeds}")
    arcs = arcs_table(n_arcs, seeds, args.rule, pause_sum=ps)
    full = arcs_table(n_arcs, seeds, args.rule, record_all=True, pause_sum=ps)
    _report_arcs(arcs, full)
    _flat_figures("arcs", arcs)
    fall = arcs[arcs["scored"] == "falling"]
    said = fall["rate_verdict"] == "lessening"
    print(
        f"headline arcs: falling partners (n={len(fall)}) called lessening {said.mean():.3f}, "
        f"of them without 'could be chance' {(said & (fall['rate_p_bursts'] < ALPHA)).mean():.3f}"
    )
    print(f"\n## trustdata.synth, {n_couples} couples x seeds {synth_seeds} (both partners)")
    syn = synth_table(n_couples, synth_seeds, args.rule, pause_sum=ps)
    _show("by scored class:", score(syn, "scored"))
    if "pause_sum" in syn:
        print(
            f"headline synth --pause-sum: made insufficient_data {int(syn['pause_sum'].sum())} "
            f"of {len(syn)} ({syn['pause_sum'].mean():.4f}; windows not logged among them "
            f"{int((syn['pause_sum'] & syn['scored'].eq('not logged')).sum())})"
        )
    print(
        f"planted ratio of synth partners with triggers: median "
        f"{syn.loc[syn['scored'] != 'none', 'planted_ratio'].median():.3f}"
    )
    print("\n## trustdata.synth's plateau (records from 13 months after the anchor on)")
    plat = synth_table(n_couples, synth_seeds, args.rule, plateau=True, pause_sum=ps)
    _show("by scored class:", score(plat, "scored"))
    _flat_figures("synth plateau", plat)
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

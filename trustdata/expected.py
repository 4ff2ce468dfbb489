"""Expected recovery and "not on track": each partner against couples who started where they did.

Outcome-monitoring systems of individual therapy (OQ-Analyst, PCOMS) compare a client's scores,
session by session, with the expected recovery of clients who started at the same level, and
flag those falling behind (Lambert & Shimokawa 2011, *Psychotherapy* 48(1)).  This module does
the same for a couple's weekly check-ins, against a **reference cohort** (any :class:`Logs` of
many couples: a clinic's own anonymized export, or the bundled *synthetic* cohort
``data/sample/cohort`` as a demo):

:func:`expected_recovery`
    From the reference, the expected 4-week mean score by weeks since the discovery (or
    disclosure), conditioned on the partner's baseline level (and role): a band of quantiles
    (by default the 10th, 50th and 90th percentiles) and how many reference couples each week
    rests on.
:func:`track_status`
    Per partner and week, where the partner's own 4-week mean stands against that band, the
    reference's forecast of the partner's 12-month gain given the weeks so far, and a status
    ``on_track`` / ``watch`` / ``not_on_track`` with the week it first became so.
:func:`expected_curves`
    The band of one baseline per group, by week (what a cohort chart shows).
:func:`track_summary`
    One row per partner: the latest assessed status and the first flag (what a page shows).

The shared weekly rules
-----------------------
* **Weeks since the anchor** are those of :func:`trustdata.cohort.align` with
  ``anchor="discovery", fallback="disclosure"`` (the couple's earliest discovery, else its
  earliest disclosure; the anchor's own week is 0), the rule :func:`trustdata.trends.
  weekly_trend` uses for ``weeks_since_anchor`` too.  Couples without either are not assessed.
* **The score followed** is the trailing ``window``-week mean of the partner's weekly scores
  (weeks without a check-in count as weeks and add no score; at least ``window // 2`` scores,
  and at least one, are needed), for the reference and the tracked partner alike, so the band
  and the line compared with it are the same kind of number.
* **The baseline** is the mean of the partner's first ``baseline_weeks`` weekly scores from the
  anchor's week on; it must be complete by aligned week ``baseline_by`` (default 12), else the
  partner has no baseline (a log started months after the discovery says little about where
  the partner started).  Only the weeks *after* the baseline's last week are modelled and
  assessed.

The model
---------
For each group of ``by`` (the partner's role by default), one linear quantile regression per
quantile (Koenker & Bassett 1978, *Econometrica* 46(1)) of the 4-week mean on a cubic
B-spline basis of the aligned week and the same basis times the baseline::

    Q_tau(y | week, baseline) = sum_j B_j(week) * (a_j + b_j * baseline)

so both the expected level and the weight of the starting level change smoothly over the
weeks.  Interior knots are at weeks 8, 16, 26, 39, 52 and 78 (those inside the modelled
range).  Each fit is the exact solution of the quantile-regression linear program (its dual,
solved with HiGHS through :func:`scipy.optimize.linprog`); it reaches the same minimum as
``statsmodels`` ``QuantReg`` (pinned in the tests), many times faster.  The pooled
partner-weeks are treated as draws of the week's distribution (no standard errors are
claimed).  Quantiles that cross are sorted at each point (monotone
rearrangement, Chernozhukov, Fernandez-Val & Galichon 2010, *Econometrica* 78(3)).  The model
is linear in the baseline, so the band of any baseline between two rows of the output is
their linear interpolation: :func:`track_status` uses exactly that.

The outcome forecast
--------------------
Opt-in (``expected_recovery(..., forecast=True)``): on the benchmark's held-out couples it
did no better than the band rule by week 16 (``docs/expected.md``), so the default status
is the band's.  The band conditions on the intake only (as OQ-style expected curves do); the
forecast also conditions on the weeks so far: for each group and each assessment week
``t`` (week 5 to four weeks before ``horizon``, default 52), one linear quantile regression,
over the reference partners' weeks ``t - 2`` to ``t + 2``, of the **gain at the horizon**
(the mean of the partner's scores within 8 weeks of it, at least 4, minus the baseline) on
the baseline, the **recent median** (of the last 8 weekly scores, at least 4; a setback of a
few weeks moves it less than a mean) and the **post-baseline mean** (of every score after the
baseline, at least 3), the last two minus the baseline.  Its quantile ``forecast_quantile``
(default 0.675) is compared with the group's **reliable change** ``1.96 * sqrt(2) * s1 *
sqrt(1 - r)`` (Jacobson & Truax 1991; ``s1`` the SD of the reference's baselines, ``r = 0.8``
as in :func:`trustdata.trends.trend_summary`): below it, fewer than about a third of the
reference partners with that start and those weeks went on to a reliable improvement by the
horizon.

Examples
--------
>>> from trustdata import synth
>>> ref = synth.generate(couples=120, seed=5, months=(12, 14)).logs
>>> exp = expected_recovery(ref)
>>> list(exp.columns) == list(EXPECTED_COLUMNS)
True
>>> one = synth.generate(couples=2, seed=9, months=12).logs
>>> status = track_status(one, exp)
>>> sorted(set(status["status"]) - set(STATUSES))
[]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata._frames import _check_int, _check_measure, _empty, _grid, _require, _trailing
from trustdata.logs import Logs

__all__ = [
    "EXPECTED_COLUMNS",
    "TRACK_COLUMNS",
    "STATUSES",
    "POSITIONS",
    "KNOTS",
    "FORECAST_QUANTILE",
    "FORECAST_RUN",
    "BENCHMARK",
    "BENCHMARK_CAVEAT",
    "TRACK_SUMMARY_COLUMNS",
    "expected_recovery",
    "track_status",
    "track_summary",
    "expected_curves",
]

_EXPECTED_DTYPES: dict[str, str] = {
    "role": "str",
    "baseline": "float64",
    "aligned_week": "int64",
    "measure": "str",
    "low": "float64",
    "median": "float64",
    "high": "float64",
    "n_couples": "int64",
    "n_partners": "int64",
}
_TRACK_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "role": "str",
    "week": "datetime64[ns]",
    "aligned_week": "int64",
    "measure": "str",
    "score": "float64",
    "rolling_mean": "float64",
    "baseline": "float64",
    "expected_low": "float64",
    "expected_median": "float64",
    "expected_high": "float64",
    "position": "str",
    "weeks_below": "int64",
    "status": "str",
    "first_flag_week": "float64",
    "first_flag_date": "datetime64[ns]",
    "forecast_gain_high": "float64",
    "reliable_change": "float64",
    "weeks_short": "int64",
    "below_since": "datetime64[ns]",
}

#: Columns of :func:`expected_recovery`, in order (``role`` is the group; ``"all"`` for by=()).
EXPECTED_COLUMNS: tuple[str, ...] = tuple(_EXPECTED_DTYPES)
#: Columns of :func:`track_status`, in order.
TRACK_COLUMNS: tuple[str, ...] = tuple(_TRACK_DTYPES)
#: Values of ``status`` in :func:`track_status`.
STATUSES: tuple[str, ...] = ("on_track", "watch", "not_on_track", "not_assessed")
#: Values of ``position`` in :func:`track_status`.
POSITIONS: tuple[str, ...] = ("below", "within", "above", "unknown")
#: Interior knots of the week spline (weeks since the anchor).
KNOTS: tuple[int, ...] = (8, 16, 26, 39, 52, 78)
#: Quantile of the forecast 12-month gain compared with the reliable change (chosen on the
#: benchmark's tuning seeds, ``docs/expected.md``).
FORECAST_QUANTILE = 0.675
#: Consecutive weeks the forecast must fall short before "not on track" (tuning seeds).
FORECAST_RUN = 1
#: The weeks at which the outcome is forecast: from week 5 to 4 weeks before the horizon.
FORECAST_FIRST_WEEK = 5
#: Each week's forecast pools the reference's weeks this far either side of it.
FORECAST_POOL = 2
#: Weeks of the recent median among the forecast's predictors.
FORECAST_RECENT = 8

#: The benchmark's held-out figures for the defaults, their one place: the status card's caveat
#: (:data:`BENCHMARK_CAVEAT`) is built from them and docs/expected.md quotes them (a test checks
#: both).  From ``nice -n 10 python benchmarks/not_on_track.py``: reference ``trustdata.synth``
#: seed 101 (300 couples); held out synth seeds 301, 302 and the second generator seed 501.
BENCHMARK: dict[str, float] = {
    "by_week": 16,
    "sensitivity": 0.171,  # 78/455, 95 % CI 0.138-0.209
    "specificity": 0.905,  # 940/1039, 0.885-0.922
    "later_week": 40,
    "sensitivity_later": 0.462,  # 210/455, 0.415-0.509: flags at any week up to week 40
    "specificity_later": 0.732,  # 761/1039, 0.704-0.759
}


def _one_in(p: float) -> int:
    return max(1, round(1 / p))


#: What a page says with every status (``trustdata.review.EXPECTED_CAVEAT``).
BENCHMARK_CAVEAT = (
    "How far to trust this: on held-out synthetic couples the flag caught about 1 in "
    f"{_one_in(BENCHMARK['sensitivity'])} of those who later did not improve (sensitivity "
    f"{BENCHMARK['sensitivity']:.3f} by week {BENCHMARK['by_week']}) and was wrongly raised for "
    f"about 1 in {_one_in(1 - BENCHMARK['specificity'])} of the others (specificity "
    f"{BENCHMARK['specificity']:.3f}). Counting flags at any week up to week "
    f"{BENCHMARK['later_week']}, it caught about 1 in {_one_in(BENCHMARK['sensitivity_later'])} "
    f"(sensitivity {BENCHMARK['sensitivity_later']:.3f}) but was wrongly raised for about 1 in "
    f"{_one_in(1 - BENCHMARK['specificity_later'])} of the others (specificity "
    f"{BENCHMARK['specificity_later']:.3f}). A flag is a reason to look closer, not a "
    "prediction; no flag is no all-clear."
)

_WEEK_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "role": "str",
    "week": "datetime64[ns]",
    "aligned_week": "int64",
    "score": "float64",
    "rolling_mean": "float64",
    "baseline": "float64",
    "baseline_end": "int64",
}
_BY_ALLOWED = ("role",)
_UNKNOWN_ROLE = "unknown"


def _check_by(by: Sequence[str] | str) -> tuple[str, ...]:
    by = (by,) if isinstance(by, str) else tuple(by)
    for name in by:
        if name not in _BY_ALLOWED:
            raise ValueError(
                f"The value for `by` must be a subset of {list(_BY_ALLOWED)} (or empty), "
                f"but {name!r} was passed."
            )
    return by


def _check_quantiles(quantiles: Sequence[float]) -> tuple[float, float, float]:
    try:
        q = tuple(float(v) for v in quantiles)
    except (TypeError, ValueError):
        q = ()
    if len(q) != 3 or not 0 < q[0] < q[1] < q[2] < 1:
        raise ValueError(
            "The value for `quantiles` must be three increasing numbers between 0 and 1 "
            f"(low, middle, high), but {quantiles!r} was passed."
        )
    return q  # type: ignore[return-value]


def _partner_weeks(
    logs: Logs,
    *,
    measure: str,
    window: int,
    baseline_weeks: int,
    baseline_by: int,
) -> pd.DataFrame:
    """One row per partner and aligned week from the anchor week on (gaps included).

    Columns: couple_id, partner, role, week (Monday), aligned_week, score (NaN in a gap),
    rolling_mean (trailing ``window`` weeks, NaN with fewer than max(1, window // 2) scores),
    baseline (NaN when none), baseline_end (aligned week of the last baseline score, -1 when
    none).  Uses :func:`trustdata.cohort.align` for the weeks since the anchor.
    """
    from trustdata.cohort import align

    empty = _empty(_WEEK_DTYPES)
    checkins = logs.checkins
    if len(checkins) == 0 or len(logs.events) == 0:
        return empty
    aligned = align(
        checkins, logs.events, anchor="discovery", measure=measure, fallback="disclosure"
    )
    aligned = aligned.loc[aligned["aligned_week"] >= 0]
    if aligned.empty:
        return empty
    grouped = aligned.groupby(["couple_id", "partner"], sort=True)
    sid = grouped.ngroup().to_numpy()
    keys = grouped.size().index.to_frame(index=False)
    roles = grouped["role"].agg(lambda s: s.dropna().iloc[0] if s.notna().any() else None)
    first = np.zeros(len(keys), dtype=np.int64)
    last = grouped["aligned_week"].max().to_numpy(dtype=np.int64)
    gsid, offset, start = _grid(first, last)
    score = np.full(len(gsid), np.nan)
    week_no = aligned["aligned_week"].to_numpy(dtype=np.int64)
    score[start[sid] + week_no] = aligned["score"].to_numpy(dtype=float)
    mean, _, count = _trailing(score, offset, window)
    mean = np.where(count >= max(1, window // 2), mean, np.nan)
    # the baseline: the first `baseline_weeks` scores, complete by week `baseline_by`
    has = ~np.isnan(score)
    rank = np.cumsum(has) - 1
    rank = (
        rank - np.concatenate([[0], np.cumsum(np.bincount(gsid[has], minlength=len(keys)))])[gsid]
    )
    in_base = has & (rank < baseline_weeks)
    n_base = np.bincount(gsid[in_base], minlength=len(keys))
    base_sum = np.bincount(gsid[in_base], weights=score[in_base], minlength=len(keys))
    base_end = np.full(len(keys), -1, dtype=np.int64)
    np.maximum.at(base_end, gsid[in_base], offset[in_base])
    ok = (n_base == baseline_weeks) & (base_end <= baseline_by)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = np.where(ok, base_sum / np.maximum(n_base, 1), np.nan)
    base_end = np.where(ok, base_end, -1)
    anchor_monday = grouped["week"].first().to_numpy(dtype="datetime64[ns]") - (
        grouped["aligned_week"].first().to_numpy(dtype=np.int64) * np.timedelta64(7, "D")
    )
    role = roles.to_numpy(dtype=object)
    role = np.where(pd.isna(role), _UNKNOWN_ROLE, role)
    return pd.DataFrame(
        {
            "couple_id": keys["couple_id"].to_numpy(dtype=object)[gsid],
            "partner": keys["partner"].to_numpy(dtype=object)[gsid],
            "role": role[gsid],
            "week": anchor_monday[gsid] + offset * np.timedelta64(7, "D"),
            "aligned_week": offset,
            "score": score,
            "rolling_mean": mean,
            "baseline": baseline[gsid],
            "baseline_end": base_end[gsid],
        }
    ).astype(_WEEK_DTYPES)


def _basis(weeks: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Cubic B-spline basis of ``weeks`` on [lo, hi] with the interior :data:`KNOTS` inside."""
    from scipy.interpolate import BSpline

    inner = [k for k in KNOTS if lo + 2 <= k <= hi - 2]
    t = np.r_[[float(lo)] * 4, inner, [float(hi)] * 4]
    x = np.clip(np.asarray(weeks, dtype=float), lo, hi)
    return BSpline.design_matrix(x, t, 3).toarray()


def _rq(y: np.ndarray, x: np.ndarray, q: float) -> np.ndarray:
    """Linear quantile regression coefficients, the exact solution of its linear program.

    Koenker & Bassett (1978): minimise ``sum(rho_q(y - x @ beta))``.  Solved in the dual form
    ``max y'a  s.t.  x'a = (1 - q) x'1,  0 <= a <= 1`` with HiGHS (``scipy.optimize.linprog``);
    ``beta`` are the equality constraints' multipliers.  Reaches the same minimum as
    ``statsmodels.regression.quantile_regression.QuantReg`` (which iterates towards it by
    reweighted least squares, ten to a hundred times slower on tied scores).
    """
    from scipy.optimize import linprog

    res = linprog(-y, A_eq=x.T, b_eq=(1 - q) * x.sum(axis=0), bounds=(0, 1), method="highs")
    if res.status != 0:  # pragma: no cover - a feasible bounded LP always solves
        raise RuntimeError(f"quantile regression did not solve: {res.message}")
    return -np.asarray(res.eqlin.marginals, dtype=float)


def _rci_z() -> float:
    from trustdata import trends

    return float(getattr(trends, "RCI_CUTOFF", 1.96))


def _design(weeks: np.ndarray, baseline: np.ndarray, lo: int, hi: int) -> np.ndarray:
    b = _basis(weeks, lo, hi)
    return np.hstack([b, b * np.asarray(baseline, dtype=float)[:, None]])


def _post_mean(weeks: pd.DataFrame, min_scores: int = 3) -> np.ndarray:
    """Mean of each partner's scores after the baseline up to each week (NaN with fewer)."""
    wk = weeks["aligned_week"].to_numpy(dtype=np.int64)
    sc = weeks["score"].to_numpy(dtype=float)
    post = (wk > weeks["baseline_end"].to_numpy(dtype=np.int64)) & ~np.isnan(sc)
    post &= ~np.isnan(weeks["baseline"].to_numpy(dtype=float))
    key = pd.factorize(
        weeks["couple_id"].astype(str) + "\x00" + weeks["partner"].astype(str), sort=False
    )[0]
    total = pd.Series(np.where(post, sc, 0.0)).groupby(key).cumsum().to_numpy()
    count = pd.Series(post.astype(np.int64)).groupby(key).cumsum().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= min_scores, total / np.maximum(count, 1), np.nan)


def _trailing_median(weeks: pd.DataFrame, window: int, min_scores: int) -> np.ndarray:
    """Median of each partner's last ``window`` weekly scores (NaN with fewer than ``min``)."""
    sc = weeks["score"].to_numpy(dtype=float)
    wk = weeks["aligned_week"].to_numpy(dtype=np.int64)
    n = len(sc)
    stack = np.full((window, n), np.nan)
    for k in range(window):  # the grid is contiguous per partner from week 0
        stack[k, k:] = sc[: n - k]
        stack[k, wk < k] = np.nan
    count = (~np.isnan(stack)).sum(axis=0)
    med = np.full(n, np.nan)
    enough = count >= min_scores  # (nanmedian of an all-NaN column would warn)
    med[enough] = np.nanmedian(stack[:, enough], axis=0)
    return med


def _forecast_x(weeks: pd.DataFrame, post_mean: np.ndarray, center: float) -> np.ndarray:
    """Design of the outcome forecast: 1, baseline, recent median and post-baseline mean.

    The recent median is that of the last :data:`FORECAST_RECENT` weekly scores (a setback
    of a few weeks moves it less than a mean); all but the intercept are minus the baseline.
    """
    base = weeks["baseline"].to_numpy(dtype=float)
    recent = _trailing_median(weeks, FORECAST_RECENT, FORECAST_RECENT // 2)
    return np.column_stack([np.ones(len(weeks)), base - center, recent - base, post_mean - base])


def _outcome(g: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Each partner's level at the horizon: the mean of their scores within 8 weeks of it."""
    near = g.loc[(g["aligned_week"] - horizon).abs() <= 8].dropna(subset=["score"])
    agg = near.groupby(["couple_id", "partner"])["score"].agg(["mean", "size"])
    agg = agg.loc[agg["size"] >= 4, ["mean"]].rename(columns={"mean": "y"})
    return agg.reset_index()


def _fit_forecast(
    g: pd.DataFrame,
    *,
    horizon: int,
    quantile: float,
    weeks: range,
    pool: int,
    min_couples: int,
) -> dict | None:
    """Per assessment week, the quantile regression of the gain at ``horizon`` (one group).

    ``g``: the group's partner-weeks (all weeks, baseline known).  The outcome is the
    partner's 4-week mean at aligned week ``horizon`` minus the baseline; the predictors at
    week ``t`` are those of :func:`_forecast_x`; each week's fit pools the weeks ``t - pool``
    to ``t + pool`` (the same partners, a steadier fit).  Weeks whose pooled rows come from
    fewer than ``min_couples`` couples are not fitted.
    """
    g = g.reset_index(drop=True)
    pm = _post_mean(g)
    y_at = _outcome(g, horizon)
    if y_at.empty:
        return None
    center = float(g.drop_duplicates(["couple_id", "partner"])["baseline"].mean())
    x_all = _forecast_x(g, pm, center)
    y_all = (
        g[["couple_id", "partner"]].merge(y_at, on=["couple_id", "partner"], how="left")["y"]
    ).to_numpy(dtype=float) - g["baseline"].to_numpy(dtype=float)
    wk = g["aligned_week"].to_numpy(dtype=np.int64)
    ok = (
        ~np.isnan(x_all).any(axis=1)
        & ~np.isnan(y_all)
        & (wk > g["baseline_end"].to_numpy(dtype=np.int64))
    )
    fitted_weeks, coefs = [], []
    for t in weeks:
        rows = ok & (np.abs(wk - t) <= pool)
        if g.loc[rows, "couple_id"].nunique() < min_couples:
            continue
        fitted_weeks.append(t)
        coefs.append(_rq(y_all[rows], x_all[rows], quantile))
    if not fitted_weeks:
        return None
    return {  # plain tuples: pandas compares attrs when frames are combined
        "weeks": tuple(int(t) for t in fitted_weeks),
        "coef": tuple(tuple(float(v) for v in c) for c in coefs),
        "center": center,
        "n_couples": int(y_at["couple_id"].nunique()),
    }


def expected_recovery(
    reference: Logs,
    *,
    measure: str = "connection",
    by: Sequence[str] = ("role",),
    baseline_weeks: int = 4,
    window: int = 4,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    baseline_by: int = 12,
    max_week: int = 104,
    min_couples: int = 30,
    baseline_step: float = 0.25,
    forecast: bool = False,
    horizon: int = 52,
    forecast_quantile: float = FORECAST_QUANTILE,
    reliability: float = 0.8,
) -> pd.DataFrame:
    """The expected trajectory of the 4-week mean score, by week and baseline, from a cohort.

    See the module docstring for the weeks, the baseline and the model.

    Parameters
    ----------
    reference : Logs
        Logs of many couples (check-ins and events with each couple's discovery or
        disclosure), e.g. ``trustdata.cohort.load_cohort("data/sample/cohort")``.  Not
        modified.
    measure : str, default "connection"
        The score: any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    by : sequence of str, default ("role",)
        ``("role",)``: one model per role (``hurt``, ``involved``, ``both``; partners whose
        role is never logged form the group ``"unknown"``); ``()``: one model for everyone
        (``role`` is then ``"all"``).
    baseline_weeks : int, default 4
        Weekly scores averaged into the baseline (at least 1).
    window : int, default 4
        Weeks of the trailing mean that is modelled (and followed by :func:`track_status`).
    quantiles : (low, middle, high), default (0.1, 0.5, 0.9)
        Quantile levels of ``low``, ``median`` and ``high``.  :func:`track_status` flags a
        partner below ``low``; the default was chosen on tuning seeds of the benchmark
        (``benchmarks/not_on_track.py``, ``docs/expected.md``).
    baseline_by : int, default 12
        The baseline must be complete by this aligned week.
    max_week : int, default 104
        Last aligned week modelled.
    min_couples : int, default 30
        A group needs at least this many reference couples with a baseline, and a week is
        given only when at least this many of the group's couples have a 4-week mean in it
        (the band of a week with fewer would rest on too few).
    baseline_step : float, default 0.25
        Spacing of the ``baseline`` rows (between the lowest and highest baseline of the
        group's reference partners, rounded outwards to the step).
    forecast : bool, default False
        Also fit the outcome forecast (module docstring); :func:`track_status` then uses it.
        Off by default: on the benchmark's held-out couples it did no better than the band
        rule by week 16 (``docs/expected.md``).
    horizon : int, default 52
        The aligned week of the outcome forecast (12 months).  A group whose reference
        partners do not reach it gets no forecast (``attrs["forecast"]["groups"]`` lacks it).
    forecast_quantile : float, default :data:`FORECAST_QUANTILE`
        The quantile of the forecast gain compared with the reliable change (chosen on the
        benchmark's tuning seeds for specificity 0.90 by week 16, ``docs/expected.md``).
    reliability : float, default 0.8
        ``r`` of the reliable change.

    Returns
    -------
    pandas.DataFrame
        One row per group, baseline level and aligned week, sorted by the three.

        - ``role`` (str): the group (``"all"`` with ``by=()``).
        - ``baseline`` (float): the baseline level the row is conditioned on.
        - ``aligned_week`` (int64): weeks since the anchor's week.
        - ``measure`` (str): the ``measure`` argument.
        - ``low``, ``median``, ``high`` (float): the quantiles of the reference partners'
          4-week mean that week, for that baseline (kept within 1-10).
        - ``n_couples`` (int64): reference couples of the group with a 4-week mean that week
          (what the week's band rests on); ``n_partners`` (int64): likewise partners.

        ``attrs``: ``quantiles``, ``window``, ``baseline_weeks``, ``baseline_by``,
        ``measure``, ``by``, ``n_reference_couples`` (per group), ``baseline_range`` (per
        group, the reference's lowest and highest baseline), ``baseline_median`` (per
        group), ``forecast`` (None with ``forecast=False``; else ``horizon``, ``quantile``,
        ``reliability``, ``pool`` and ``groups``: per group the assessment ``weeks``, one
        ``coef`` row per week for the design 1, baseline - ``center``, recent median -
        baseline, post-baseline mean - baseline, ``center``, ``n_couples`` with an outcome
        and the ``reliable_change``), ``skipped_groups`` (group ->
        the sentence saying why it has no band: too few couples; its partners are then not
        assessed by :func:`track_status`), ``model`` (a sentence).

    Raises
    ------
    ValueError
        When an option is not allowed, or when the reference is too small: no group has
        ``min_couples`` couples with a baseline and two weeks with that many.

    Examples
    --------
    >>> from trustdata import synth
    >>> ref = synth.generate(couples=120, seed=5, months=(12, 14)).logs
    >>> exp = expected_recovery(ref)
    >>> sorted(exp["role"].unique())
    ['hurt', 'involved']
    >>> row = exp[(exp.role == "hurt") & (exp.baseline == 3.0) & (exp.aligned_week == 40)]
    >>> bool(row["low"].iloc[0] < row["median"].iloc[0] < row["high"].iloc[0])
    True
    >>> expected_recovery(synth.generate(couples=5, seed=1).logs)
    Traceback (most recent call last):
    ...
    ValueError: The reference has 5 couples with a baseline in the group 'hurt'; ...
    """
    _check_measure(measure)
    by = _check_by(by)
    q = _check_quantiles(quantiles)
    _check_int("baseline_weeks", baseline_weeks, 1)
    _check_int("window", window, 1)
    _check_int("baseline_by", baseline_by, 0)
    _check_int("max_week", max_week, 8)
    _check_int("min_couples", min_couples, 5)
    if not isinstance(baseline_step, (int, float)) or not 0 < baseline_step <= 1:
        raise ValueError(
            "The value for `baseline_step` must be a number above 0 and at most 1, "
            f"but {baseline_step!r} was passed."
        )
    _check_int("horizon", horizon, 8)
    if not isinstance(forecast_quantile, (int, float)) or not 0 < forecast_quantile < 1:
        raise ValueError(
            "The value for `forecast_quantile` must be a number between 0 and 1, but "
            f"{forecast_quantile!r} was passed."
        )
    if not isinstance(reliability, (int, float)) or not 0 <= reliability < 1:
        raise ValueError(
            "The value for `reliability` must be a number from 0 to below 1, but "
            f"{reliability!r} was passed."
        )
    if not isinstance(reference, Logs):
        raise ValueError(
            "The value for `reference` must be a trustdata.Logs of many couples (e.g. "
            f"trustdata.cohort.load_cohort(folder)), but {type(reference).__name__} was passed."
        )
    weeks = _partner_weeks(
        reference,
        measure=measure,
        window=window,
        baseline_weeks=baseline_weeks,
        baseline_by=baseline_by,
    )
    if by == ():
        weeks["role"] = "all"
    rows = weeks.loc[
        weeks["baseline"].notna()
        & (weeks["aligned_week"] > weeks["baseline_end"])
        & (weeks["aligned_week"] <= max_week)
        & weeks["rolling_mean"].notna()
    ]
    based = weeks.loc[weeks["baseline"].notna()]
    groups = sorted(set(based["role"])) if len(based) else []
    n_ref = based.groupby("role")["couple_id"].nunique().to_dict() if len(based) else {}
    if not groups:
        raise ValueError(
            f"The reference has no couple with a baseline (a discovery or disclosure event and "
            f"{baseline_weeks} weekly {measure} scores by week {baseline_by} after it); "
            f"expected recovery needs at least {min_couples} such couples."
        )
    parts = []
    ranges = {}
    medians: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for group in groups:
        n_couples_group = int(n_ref.get(group, 0))
        if n_couples_group < min_couples:
            skipped[group] = (
                f"The reference has {n_couples_group} couples with a baseline in the group "
                f"{group!r}; expected recovery needs at least {min_couples} (pass by=() to pool "
                "the roles, or a larger reference)."
            )
            continue
        g = rows.loc[rows["role"] == group]
        per_week = g.groupby("aligned_week").agg(
            n_couples=("couple_id", "nunique"), n_partners=("couple_id", "size")
        )
        good = per_week.index[per_week["n_couples"] >= min_couples].to_numpy(dtype=np.int64)
        if len(good) < 2:
            skipped[group] = (
                f"The reference's group {group!r} has fewer than {min_couples} couples with a "
                f"{window}-week mean in every week (or in all but one); expected recovery needs "
                "a larger reference."
            )
            continue
        lo, hi = int(good.min()), int(good.max())
        g = g.loc[(g["aligned_week"] >= lo) & (g["aligned_week"] <= hi)]
        center = float(g["baseline"].mean())  # centred for a well-conditioned design
        x = _design(g["aligned_week"].to_numpy(), g["baseline"].to_numpy() - center, lo, hi)
        y = g["rolling_mean"].to_numpy(dtype=float)
        b_lo = float(based.loc[based["role"] == group, "baseline"].min())
        b_hi = float(based.loc[based["role"] == group, "baseline"].max())
        ranges[group] = (b_lo, b_hi)
        medians[group] = float(based.loc[based["role"] == group, "baseline"].median())
        grid_b = np.arange(
            np.floor(b_lo / baseline_step) * baseline_step,
            np.ceil(b_hi / baseline_step) * baseline_step + baseline_step / 2,
            baseline_step,
        )
        grid_w = good
        bb, ww = np.meshgrid(grid_b, grid_w, indexing="ij")
        xg = _design(ww.ravel(), bb.ravel() - center, lo, hi)
        preds = [xg @ _rq(y, x, level) for level in q]
        band = np.sort(np.column_stack(preds), axis=1)
        band = np.clip(band, schemas.SCORE_MIN, schemas.SCORE_MAX)
        pw = per_week.reindex(ww.ravel())
        parts.append(
            pd.DataFrame(
                {
                    "role": group,
                    "baseline": np.round(bb.ravel(), 10),
                    "aligned_week": ww.ravel(),
                    "measure": measure,
                    "low": band[:, 0],
                    "median": band[:, 1],
                    "high": band[:, 2],
                    "n_couples": pw["n_couples"].to_numpy(dtype=np.int64),
                    "n_partners": pw["n_partners"].to_numpy(dtype=np.int64),
                }
            )
        )
    if not parts:  # no group is large enough: refuse with the first group's sentence
        raise ValueError(next(iter(skipped.values())))
    fc: dict = {}
    if forecast:
        assess = range(FORECAST_FIRST_WEEK, horizon - 3)
        for group in {p["role"].iloc[0] for p in parts}:
            g = weeks.loc[(weeks["role"] == group) & weeks["baseline"].notna()]
            fit = _fit_forecast(
                g,
                horizon=horizon,
                quantile=forecast_quantile,
                weeks=assess,
                pool=FORECAST_POOL,
                min_couples=min_couples,
            )
            if fit is None:
                continue
            sd = float(g.drop_duplicates(["couple_id", "partner"])["baseline"].std())
            fit["reliable_change"] = float(
                _rci_z() * np.sqrt(2.0) * sd * np.sqrt(1.0 - reliability)
            )
            fc[group] = fit
    out = pd.concat(parts, ignore_index=True).astype(_EXPECTED_DTYPES)
    out = out.sort_values(["role", "baseline", "aligned_week"], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = {
        "quantiles": q,
        "window": window,
        "baseline_weeks": baseline_weeks,
        "baseline_by": baseline_by,
        "measure": measure,
        "by": by,
        "n_reference_couples": {k: int(v) for k, v in n_ref.items()},
        "baseline_range": ranges,
        "baseline_median": medians,
        "skipped_groups": skipped,
        "forecast": {
            "horizon": horizon,
            "quantile": forecast_quantile,
            "reliability": reliability,
            "pool": FORECAST_POOL,
            "groups": fc,
        }
        if forecast
        else None,
        "model": (
            "linear quantile regression (exact LP solution) of the "
            f"{window}-week mean on a cubic B-spline of the week since the discovery or "
            "disclosure and its interaction with the baseline, one fit per quantile and group"
        ),
    }
    return out


def _runs(hit: np.ndarray, known: np.ndarray, sid: np.ndarray) -> np.ndarray:
    """Per partner, the run of consecutive known weeks with ``hit`` up to each week.

    A week that is not known neither breaks nor extends the run; a known week without a hit
    ends it.
    """
    reset = known & ~hit
    cum = pd.Series(hit.astype(np.int64)).groupby(sid).cumsum().to_numpy()
    at_reset = pd.Series(np.where(reset, cum, np.nan)).groupby(sid).ffill()
    return (cum - at_reset.fillna(0).to_numpy()).astype(np.int64)


def track_status(
    logs: Logs,
    expected: pd.DataFrame,
    *,
    weeks_below: int = 4,
    tolerance: float = 0.5,
    forecast: bool = True,
    forecast_run: int = FORECAST_RUN,
) -> pd.DataFrame:
    """Where each partner stands against the expected band, week by week, and a status.

    The partner's trailing mean and baseline are computed as for the reference (same
    ``window``, ``baseline_weeks`` and ``baseline_by``, read from ``expected.attrs``); the band
    for the partner's own baseline is interpolated linearly between the two nearest
    ``baseline`` rows of ``expected`` (exact for its model, which is linear in the baseline).

    The status rule, for each week after the baseline (using only that week and the weeks
    before it):

    - ``position`` is ``"below"`` when the 4-week mean is below ``expected_low``,
      ``"above"`` when above ``expected_high``, ``"within"`` otherwise (``"unknown"`` when
      the week has no 4-week mean or no band);
    - ``weeks_below`` counts the consecutive assessed weeks ``"below"`` up to this week (an
      unassessed week neither breaks nor extends the run; a week not below ends it);
    - ``forecast_gain_high``: the forecast's ``forecast_quantile`` of the partner's gain at
      the horizon given the weeks so far (NaN where the reference cannot forecast: before
      the partner has 3 scores after the baseline and 4 of the last 8 weeks, outside the
      forecast's weeks, or ``forecast=False``); ``reliable_change`` its threshold;
      ``weeks_short`` the run of consecutive forecast weeks with ``forecast_gain_high <
      reliable_change`` (counted like ``weeks_below``);
    - ``status`` is ``"not_on_track"`` where the reference forecasts when ``weeks_short >=
      forecast_run``, and elsewhere (e.g. after week 48) when ``weeks_below >= weeks_below``;
      ``"watch"`` when not so but either run is above 0 (below the band lately, or short for
      fewer than ``forecast_run`` weeks); ``"on_track"`` otherwise; ``"not_assessed"`` for a
      week with neither a band position nor a forecast, for every week of a partner without
      a baseline, without the anchor event, whose group is not in ``expected``, or whose
      baseline lies more than ``tolerance`` points outside the reference's range.
    - ``first_flag_week`` / ``first_flag_date``: the first aligned week (and its Monday) at
      which the partner was ``"not_on_track"``, given on every row of the partner once it has
      happened (NaN / NaT on the weeks before it and when it never did).
    - ``below_since``: the Monday of the first week of the current run below the band (the
      run ``weeks_below`` counts), on every row of that run; NaT where ``weeks_below`` is 0.
      A partner flagged by the band's rule has been below the band since ``below_since`` and
      not on track only from the week that run reached ``weeks_below`` weeks.

    **How often the default rule is right** (:data:`BENCHMARK`, from ``benchmarks/
    not_on_track.py``; synthetic reference and held-out synthetic couples, docs/expected.md):
    of the partners who end the year without a reliable improvement (planted truth), 0.171
    (95 % CI 0.138-0.209) are flagged ``not_on_track`` by week 16; of the others, 0.905
    (0.885-0.922) are not.  Counting flags up to week 40: 0.462 at specificity 0.732.  The
    issue's target (0.72 at 0.90) is not met: a flag is a reason to look closer, no flag is no
    all-clear.  Trigger counts, their trend, intensity and plan use, alone or added to this
    rule, did not do better (``not_on_track.py --triggers``), so there is no trigger option.

    Parameters
    ----------
    logs : Logs
        The couple(s) to assess (check-ins and events).  Not modified.
    expected : pandas.DataFrame
        The output of :func:`expected_recovery` (its ``attrs`` are used).
    weeks_below : int, default 4
        Consecutive weeks below the low band that make ``"not_on_track"`` where there is no
        forecast (with ``forecast=False``: everywhere, the rule before the forecast).
    tolerance : float, default 0.5
        How far (points) a baseline may lie outside the reference's baselines and still be
        assessed (the band is then that of the nearest reference baseline row).
    forecast : bool, default True
        Use the reference's outcome forecast when ``expected`` has one
        (``expected_recovery(..., forecast=True)``); without one the band rule decides.
    forecast_run : int, default :data:`FORECAST_RUN`
        Consecutive forecast weeks short of the reliable change that make ``"not_on_track"``.

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner and aligned week from the anchor's week (0) to the
        partner's last week with a score, gaps included; sorted by couple, partner, week.

        - ``couple_id``, ``partner``, ``role`` (str)
        - ``week`` (datetime64[ns]): the Monday of the week.
        - ``aligned_week`` (int64): weeks since the anchor's week.
        - ``measure`` (str)
        - ``score`` (float): the week's score (NaN in a gap).
        - ``rolling_mean`` (float): the trailing mean followed (NaN with too few scores).
        - ``baseline`` (float): the partner's baseline (NaN when none).
        - ``expected_low``, ``expected_median``, ``expected_high`` (float): the band for the
          partner's baseline that week (NaN where none: during the baseline, outside the
          reference's weeks, no baseline).
        - ``position`` (str): one of :data:`POSITIONS`.
        - ``weeks_below`` (int64): the current run of weeks below the band.
        - ``status`` (str): one of :data:`STATUSES`.
        - ``first_flag_week`` (float), ``first_flag_date`` (datetime64[ns]): see above.
        - ``forecast_gain_high``, ``reliable_change`` (float), ``weeks_short`` (int64): see
          above.
        - ``below_since`` (datetime64[ns]): see above.

    Raises
    ------
    ValueError
        When ``expected`` is not an output of :func:`expected_recovery` or an option is not
        allowed.

    Examples
    --------
    >>> from trustdata import synth
    >>> ref = synth.generate(couples=120, seed=5, months=(12, 14)).logs
    >>> exp = expected_recovery(ref)
    >>> one = synth.generate(couples=1, seed=2, months=12).logs
    >>> out = track_status(one, exp)
    >>> out.groupby("partner")["status"].last().isin(STATUSES).all()
    np.True_
    """
    _check_int("weeks_below", weeks_below, 1)
    _check_int("forecast_run", forecast_run, 1)
    if not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise ValueError(
            f"The value for `tolerance` must be a number of at least 0, but {tolerance!r} "
            "was passed."
        )
    _require(expected, list(EXPECTED_COLUMNS), "expected")
    needed = ("window", "baseline_weeks", "baseline_by", "measure", "by", "baseline_range")
    if any(k not in expected.attrs for k in needed):
        raise ValueError(
            "The value for `expected` must be the output of expected_recovery (its attrs "
            f"{list(needed)} are missing)."
        )
    at = expected.attrs
    measure = at["measure"]
    weeks = _partner_weeks(
        logs,
        measure=measure,
        window=at["window"],
        baseline_weeks=at["baseline_weeks"],
        baseline_by=at["baseline_by"],
    )
    if len(weeks) == 0:
        return _empty(_TRACK_DTYPES)
    group = weeks["role"].to_numpy(dtype=object)
    if tuple(at["by"]) == ():
        group = np.full(len(weeks), "all", dtype=object)
    low = np.full(len(weeks), np.nan)
    mid = np.full(len(weeks), np.nan)
    high = np.full(len(weeks), np.nan)
    base = weeks["baseline"].to_numpy(dtype=float)
    wk = weeks["aligned_week"].to_numpy(dtype=np.int64)
    after = wk > weeks["baseline_end"].to_numpy(dtype=np.int64)
    for g, (b_lo, b_hi) in at["baseline_range"].items():
        rows = np.flatnonzero((group == g) & ~np.isnan(base) & after)
        rows = rows[(base[rows] >= b_lo - tolerance) & (base[rows] <= b_hi + tolerance)]
        if len(rows) == 0:
            continue
        e = expected.loc[expected["role"] == g]
        grid_b = np.sort(e["baseline"].unique())
        grid_w = np.sort(e["aligned_week"].unique())
        cube = {
            c: e.pivot(index="baseline", columns="aligned_week", values=c)
            .reindex(index=grid_b, columns=grid_w)
            .to_numpy()
            for c in ("low", "median", "high")
        }
        b = np.clip(base[rows], grid_b[0], grid_b[-1])
        j = np.clip(np.searchsorted(grid_b, b, side="right") - 1, 0, len(grid_b) - 1)
        j2 = np.minimum(j + 1, len(grid_b) - 1)
        span = grid_b[j2] - grid_b[j]
        frac = np.where(span > 0, (b - grid_b[j]) / np.where(span > 0, span, 1), 0.0)
        col = np.searchsorted(grid_w, wk[rows])
        inside = (col < len(grid_w)) & (grid_w[np.minimum(col, len(grid_w) - 1)] == wk[rows])
        r, j, j2, frac, col = rows[inside], j[inside], j2[inside], frac[inside], col[inside]
        for target, name in ((low, "low"), (mid, "median"), (high, "high")):
            c = cube[name]
            target[r] = c[j, col] * (1 - frac) + c[j2, col] * frac
    mean = weeks["rolling_mean"].to_numpy(dtype=float)
    known = ~np.isnan(mean) & ~np.isnan(low)
    below = known & (mean < low)
    position = np.where(
        ~known, "unknown", np.where(below, "below", np.where(mean > high, "above", "within"))
    )
    key = weeks["couple_id"].astype(str) + "\x00" + weeks["partner"].astype(str)
    sid = pd.factorize(key, sort=False)[0]
    run = _runs(below, known, sid)
    # the forecast: the upper quantile of the gain at the horizon, given the weeks so far
    gain_high = np.full(len(weeks), np.nan)
    rc = np.full(len(weeks), np.nan)
    fc = at.get("forecast") if forecast else None
    if fc:
        pm = _post_mean(weeks)
        x_part = _forecast_x(weeks, pm, 0.0)  # the centre is added per group below
        for g, fit in fc["groups"].items():
            f_weeks = np.asarray(fit["weeks"], dtype=np.int64)
            f_coef = np.asarray(fit["coef"], dtype=float)
            rows = np.flatnonzero((group == g) & after & ~np.isnan(base))
            col = np.searchsorted(f_weeks, wk[rows])
            inside = (col < len(f_weeks)) & (f_weeks[np.minimum(col, len(f_weeks) - 1)] == wk[rows])
            rows, col = rows[inside], col[inside]
            b_lo, b_hi = at["baseline_range"][g]
            fine = (base[rows] >= b_lo - tolerance) & (base[rows] <= b_hi + tolerance)
            rows, col = rows[fine], col[fine]
            x = x_part[rows].copy()
            x[:, 1] -= fit["center"]
            gain_high[rows] = np.einsum("ij,ij->i", x, f_coef[col])
            rc[rows] = fit["reliable_change"]
    f_known = ~np.isnan(gain_high)
    short = f_known & (gain_high < rc)
    short_run = _runs(short, f_known, sid)
    assessed = known | f_known
    # the forecast decides where the reference can forecast; the band's run elsewhere
    flag = np.where(f_known, short_run >= forecast_run, run >= weeks_below)
    status = np.where(
        ~assessed,
        "not_assessed",
        np.where(flag, "not_on_track", np.where((run > 0) | (short_run > 0), "watch", "on_track")),
    )
    flagged = status == "not_on_track"
    flag_week = np.where(flagged, wk.astype(float), np.nan)
    # cummin leaves NaN on the weeks that are not flagged: carry the first flag forward
    first_flag = pd.Series(flag_week).groupby(sid).cummin().groupby(sid).ffill().to_numpy()
    week_dates = weeks["week"].to_numpy(dtype="datetime64[ns]")
    # the run below starts at a week below where it is 1 (the first hit after a reset; an
    # unknown week after it also shows 1 but is no start); carry its Monday through the run
    start = pd.Series(np.where(below & (run == 1), week_dates, np.datetime64("NaT", "ns")))
    since_below = start.groupby(sid).ffill().to_numpy(dtype="datetime64[ns]")
    since_below = np.where(run > 0, since_below, np.datetime64("NaT", "ns"))
    anchor_monday = week_dates - wk * np.timedelta64(7, "D")
    flag_date = np.where(
        np.isnan(first_flag),
        np.datetime64("NaT", "ns"),
        anchor_monday + np.nan_to_num(first_flag).astype(np.int64) * np.timedelta64(7, "D"),
    )
    out = pd.DataFrame(
        {
            "couple_id": weeks["couple_id"],
            "partner": weeks["partner"],
            "role": weeks["role"],
            "week": week_dates,
            "aligned_week": wk,
            "measure": measure,
            "score": weeks["score"].to_numpy(dtype=float),
            "rolling_mean": mean,
            "baseline": base,
            "expected_low": low,
            "expected_median": mid,
            "expected_high": high,
            "position": position,
            "weeks_below": run,
            "status": status,
            "first_flag_week": first_flag,
            "first_flag_date": flag_date.astype("datetime64[ns]"),
            "forecast_gain_high": gain_high,
            "reliable_change": rc,
            "weeks_short": short_run,
            "below_since": since_below.astype("datetime64[ns]"),
        }
    )
    out.attrs = {
        "weeks_below": weeks_below,
        "quantiles": at.get("quantiles"),
        "forecast_run": forecast_run,
        "forecast_quantile": fc["quantile"] if fc else None,
        "horizon": fc["horizon"] if fc else None,
    }
    return out.astype(_TRACK_DTYPES).reset_index(drop=True)


_SUMMARY_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "role": "str",
    "measure": "str",
    "status": "str",
    "status_week": "float64",
    "status_date": "datetime64[ns]",
    "rolling_mean": "float64",
    "expected_low": "float64",
    "expected_median": "float64",
    "expected_high": "float64",
    "weeks_assessed": "int64",
    "weeks_not_on_track": "int64",
    "first_flag_week": "float64",
    "first_flag_date": "datetime64[ns]",
}

#: Columns of :func:`track_summary`, in order.
TRACK_SUMMARY_COLUMNS: tuple[str, ...] = tuple(_SUMMARY_DTYPES)


def track_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Each partner's latest assessed status, from :func:`track_status` (what a page shows).

    Parameters
    ----------
    status : pandas.DataFrame
        The output of :func:`track_status`.  Not modified.

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner, sorted by both.

        - ``couple_id``, ``partner``, ``role``, ``measure`` (str)
        - ``status`` (str): the status of the partner's latest assessed week
          (``"not_assessed"`` when no week was assessed).
        - ``status_week`` (float), ``status_date`` (datetime64[ns]): that week (aligned week
          and Monday; NaN / NaT when none).
        - ``rolling_mean``, ``expected_low``, ``expected_median``, ``expected_high`` (float):
          the partner's mean and the band that week.
        - ``weeks_assessed`` (int64), ``weeks_not_on_track`` (int64): weeks assessed, and of
          them weeks ``"not_on_track"``.
        - ``first_flag_week`` (float), ``first_flag_date`` (datetime64[ns]): the first week
          ``"not_on_track"`` (NaN / NaT when never).

    Examples
    --------
    >>> from trustdata import synth
    >>> ref = synth.generate(couples=120, seed=5, months=(12, 14)).logs
    >>> one = synth.generate(couples=1, seed=2, months=12).logs
    >>> out = track_summary(track_status(one, expected_recovery(ref)))
    >>> out[["partner", "weeks_assessed"]].shape
    (2, 2)
    """
    _require(status, list(TRACK_COLUMNS), "status")
    if len(status) == 0:
        return _empty(_SUMMARY_DTYPES)
    keys = ["couple_id", "partner"]
    assessed = status.loc[status["status"] != "not_assessed"]
    base = status.groupby(keys, sort=True).agg(
        role=("role", "first"),
        measure=("measure", "first"),
        first_flag_week=("first_flag_week", "min"),
        first_flag_date=("first_flag_date", "min"),
    )
    counts = assessed.groupby(keys, sort=True).agg(
        weeks_assessed=("status", "size"),
        weeks_not_on_track=("status", lambda s: int((s == "not_on_track").sum())),
    )
    latest = assessed.groupby(keys, sort=True).tail(1).set_index(keys)
    latest = latest.rename(columns={"aligned_week": "status_week", "week": "status_date"})
    cols = ["status", "status_week", "status_date", "rolling_mean"]
    cols += ["expected_low", "expected_median", "expected_high"]
    out = base.join(latest[cols], how="left").join(counts, how="left").reset_index()
    out["status"] = out["status"].fillna("not_assessed")
    out[["weeks_assessed", "weeks_not_on_track"]] = (
        out[["weeks_assessed", "weeks_not_on_track"]].fillna(0).astype("int64")
    )
    return out[list(TRACK_SUMMARY_COLUMNS)].astype(_SUMMARY_DTYPES)


def expected_curves(expected: pd.DataFrame, *, baseline: float | None = None) -> pd.DataFrame:
    """The expected curves of one baseline per group: the band by week (what a chart shows).

    Parameters
    ----------
    expected : pandas.DataFrame
        The output of :func:`expected_recovery`.  Not modified.
    baseline : float, optional
        The baseline level; by default each group's median reference baseline.  The nearest
        ``baseline`` row of the grid is taken.

    Returns
    -------
    pandas.DataFrame
        The rows of ``expected`` at that baseline: one per group and aligned week, with all
        of :data:`EXPECTED_COLUMNS` (``n_couples``: the reference couples that week).

    Examples
    --------
    >>> from trustdata import synth
    >>> exp = expected_recovery(synth.generate(couples=120, seed=5, months=(12, 14)).logs)
    >>> cur = expected_curves(exp)
    >>> sorted(cur["role"].unique()), cur.groupby("role")["baseline"].nunique().max()
    (['hurt', 'involved'], np.int64(1))
    """
    _require(expected, list(EXPECTED_COLUMNS), "expected")
    if baseline is not None and not isinstance(baseline, (int, float)):
        raise ValueError(f"The value for `baseline` must be a number, but {baseline!r} was passed.")
    medians = expected.attrs.get("baseline_median", {})
    parts = []
    for group, rows in expected.groupby("role", sort=True):
        target = baseline if baseline is not None else medians.get(group)
        grid = np.sort(rows["baseline"].unique())
        if target is None:
            target = float(np.median(grid))
        nearest = grid[np.argmin(np.abs(grid - float(target)))]
        parts.append(rows.loc[rows["baseline"] == nearest])
    if not parts:
        return expected.iloc[0:0].copy()
    out = pd.concat(parts).sort_values(["role", "aligned_week"], kind="stable")
    return out.reset_index(drop=True)

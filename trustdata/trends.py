"""Trust trends: weekly scores, rolling means with a band, and "is it getting better?" summaries.

Every function takes the validated ``checkins`` frame of :class:`trustdata.Logs` (one row per
couple, partner and date; :func:`changes_since` takes the whole ``Logs``, as it also counts
triggers) and returns a tidy DataFrame with the same columns whatever the options.
The computations are vectorised across couples and partners: nothing loops in Python over series.

Irregular logs are the norm and are handled the same way everywhere:

* weeks run Monday to Sunday and are labelled by their Monday
  (:func:`trustdata.schemas.week_start`);
* two check-ins in one week are averaged into that week's score;
* a week without a check-in is a row with ``score`` NaN and ``n_checkins`` 0 (never interpolated);
* a partner who stopped logging simply ends at their last check-in (each partner's weeks run from
  their own first to their own last check-in).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special

from trustdata import schemas
from trustdata._dist import norm_ppf, t_ppf
from trustdata._frames import (
    _check_choice,
    _check_int,
    _check_level,
    _check_measure,
    _empty,
    _grid,
    _parse_since,
    _require,
    _str_take,
    _take,
    _trailing,
    _week_dates,
    _weekly_scores,
)
from trustdata.logs import Logs

__all__ = [
    "WEEKLY_TREND_COLUMNS",
    "TREND_SUMMARY_COLUMNS",
    "BANDS",
    "CHANGE_LABELS",
    "SHAPES",
    "ERROR_SOURCES",
    "RCI_CUTOFF",
    "MIN_END_WEEKS",
    "MAX_NOISE_RHO",
    "TREND_LEVEL",
    "TREND_RCI",
    "MIN_TREND_POINTS",
    "DIP_MARGIN",
    "MAX_DIP_WEEKS",
    "MAX_TRAILING_DIP",
    "TRAILING_DIP_SHARE",
    "PRE_DIP_WEEKS",
    "MONTHLY_COLUMNS",
    "SINCE_COLUMNS",
    "TREND_WEEKS_COLUMNS",
    "weekly_trend",
    "trend_summary",
    "trend_weeks",
    "monthly_scores",
    "changes_since",
]

# Each output's columns in order with their dtypes, read from its model in trustdata.schemas.
_WEEKLY_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.WeeklyTrendOutput)
_SUMMARY_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.TrendSummaryOutput)
_WEEKS_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.TrendWeeksOutput)

#: Columns of :func:`weekly_trend`, in order.
WEEKLY_TREND_COLUMNS: tuple[str, ...] = tuple(_WEEKLY_DTYPES)
#: Columns of :func:`trend_summary`, in order.
TREND_SUMMARY_COLUMNS: tuple[str, ...] = tuple(_SUMMARY_DTYPES)
#: Columns of :func:`trend_weeks`, in order.
TREND_WEEKS_COLUMNS: tuple[str, ...] = tuple(_WEEKS_DTYPES)


#: The kinds of band :func:`weekly_trend` can draw around the rolling mean.
BANDS: tuple[str, ...] = ("sd", "ci", "none")

#: Values of the ``change`` column of :func:`trend_summary`.
CHANGE_LABELS: tuple[str, ...] = (
    "improved",
    "deteriorated",
    "no_clear_change",
    "insufficient_data",
)
_NCC = "no_clear_change"

#: Values of the ``shape`` column of :func:`trend_summary`.
SHAPES: tuple[str, ...] = schemas.SHAPES

#: Where ``error_sd`` of :func:`trend_summary` comes from.
ERROR_SOURCES: tuple[str, ...] = schemas.ERROR_SOURCES

#: The Reliable Change Index cut-off (Jacobson & Truax 1991): a two-sided 5 % normal quantile.
RCI_CUTOFF = 1.96

#: The confidence level of the two tests behind the verdict's trend route (fixed, whatever the
#: ``level`` of the printed interval): the slope's interval, and the difference of the ends
#: against its own AR(1) standard error.  95 % since the fourth round: the 99 % used before
#: stood in for the size rule below, which then read the noisy ends alone (docs/verdicts.md).
TREND_LEVEL = 0.95

#: The trend route also needs the change between the ends to agree, by at least this index.
#: 0.75 since the sixth round (1.0 before): chosen over 1.0 and 0.5 on the benchmark's tuning
#: seeds; below 0.75 nothing more was gained, 0.25 began to call flat partners a change
#: (docs/verdicts.md).
TREND_RCI = 0.75

#: ... and a change of at least this many points, the mean of the change between the ends and
#: the fitted line's change over the kept weeks (``trend_points``): more than one whole point,
#: the smallest step a partner can report (a drift of one point in a year and a half, like the
#: sample's couple-02, is not called a rise).  1.25 was chosen over 0, 1.5 and 2 on the
#: benchmark's tuning seeds (and 1.0 and 1.5 again in the fourth round).
MIN_TREND_POINTS = 1.25

#: The fewest weekly scores an end of :func:`trend_summary` may hold.
MIN_END_WEEKS = 4

#: Week-to-week jumps at least this big are sudden changes, not measurement error.
SUDDEN_JUMP = 3.0

#: The rounding error of whole-point scores, sqrt(1/12): the floor of the measurement error.
ROUNDING_SD = math.sqrt(1.0 / 12.0)

#: A dip set aside by :func:`trend_summary` lasts while the scores stay at least this many
#: points below the level before the sudden drop (of :data:`SUDDEN_JUMP` points or more) that
#: started it.
DIP_MARGIN = 1.5

#: The level a dip is measured from: the mean of up to this many weekly scores before the drop
#: (2 was chosen over 1 and 4 on the benchmark's tuning seeds).
PRE_DIP_WEEKS = 2

#: ... for at most this many weekly scores (setbacks are held for weeks, then recover); a dip
#: that is still that low after them is a new level and is kept.
MAX_DIP_WEEKS = 12

#: ... and a dip that runs to the latest score is set aside only while it is a setback in
#: progress: it holds at most :data:`MIN_END_WEEKS` weekly scores (an end's worth), or at most
#: this many (two months) and at most :data:`TRAILING_DIP_SHARE` of the scores before it.
#: Longer, it is the partner's present (a rise of two months followed by two months back at
#: the start is no change).  Since the sixth round (before: at most 4, chosen over 8 and 12):
#: 8 was chosen over 4, 6, 7, 10 and 12 on the benchmark's tuning seeds (docs/verdicts.md).
MAX_TRAILING_DIP = 8

#: The share of the earlier weekly scores a dip of 5 to :data:`MAX_TRAILING_DIP` scores at the
#: latest score may hold and still be a setback in progress (chosen over 0.1, 0.2, 0.34 and no
#: limit on the tuning seeds).
TRAILING_DIP_SHARE = 0.25

#: Calendar weeks per block of the slope's four-weekly means.
BLOCK_WEEKS = 4

#: The largest week-to-week noise autocorrelation the slope interval allows for.  One series'
#: estimate is noisy (SD 0.2-0.25 on the benchmark's tuning seeds); a spurious 0.9 would make
#: the interval four times as wide as the classical one.  Chosen on the tuning seeds (0.9 and 0.6
#: tried); 0.6 is also the largest autocorrelation benchmarks/_arcs.py plants (docs/verdicts.md).
MAX_NOISE_RHO = 0.6


def weekly_trend(
    checkins: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    measure: str = "connection",
    window: int = 4,
    band: str = "sd",
    level: float = 0.95,
) -> pd.DataFrame:
    """Weekly scores of each partner with a trailing rolling mean and a band around it.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (:attr:`trustdata.Logs.checkins`).  Not modified.
    events : pandas.DataFrame, optional
        Validated events (:attr:`trustdata.Logs.events`), used only for ``weeks_since_anchor``.
    measure : str, default "connection"
        Which score to follow: any of :data:`trustdata.schemas.SCORE_COLUMNS`.  Check-ins where
        this score is missing are ignored (they neither count in ``n_checkins`` nor make a week).
    window : int, default 4
        Length of the trailing window in calendar weeks (the week itself and the ``window - 1``
        weeks before it; weeks without a score count as weeks but add no score).
    band : {"sd", "ci", "none"}, default "sd"
        ``"sd"``: rolling mean +/- one rolling standard deviation (the spread of the weekly scores
        in the window, ddof=1).  ``"ci"``: a t-interval for the mean of the window's scores,
        rolling mean +/- t(level, rolling_n - 1) * rolling_sd / sqrt(rolling_n).  ``"none"``:
        both band columns are NaN.  The output columns are the same for each.
    level : float, default 0.95
        Confidence level of the ``"ci"`` band (ignored otherwise).

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner and week, from the partner's first to their last week with a
        check-in, weeks without a check-in included; sorted by couple, partner and week.

        - ``couple_id`` (str), ``partner`` (str)
        - ``week`` (datetime64[ns]): the Monday the week starts on.
        - ``measure`` (str): the ``measure`` argument.
        - ``score`` (float): mean of the week's scores (two check-ins in one week are averaged);
          NaN for a week without one.
        - ``n_checkins`` (int64): how many check-ins with the measure the week holds (0 or more).
        - ``rolling_mean`` (float): mean of the available scores in the trailing ``window``
          weeks; NaN when the window holds no score (min periods = 1 score).
        - ``rolling_sd`` (float): their standard deviation (ddof=1); NaN with fewer than 2.
        - ``rolling_n`` (int64): how many weekly scores the window holds.
        - ``band_low``, ``band_high`` (float): the band (see ``band``); NaN when ``rolling_sd``
          is NaN or ``band="none"``.
        - ``weeks_since_first`` (int64): 0 for the partner's first week, then 1, 2, ...
        - ``weeks_since_anchor`` (float): days from the couple's anchor event to the week's
          Monday, divided by 7 (negative before it).  The anchor is the couple's earliest
          ``discovery`` event, else its earliest ``disclosure``; NaN when it has neither or
          ``events`` is None.

    Raises
    ------
    ValueError
        When ``measure``, ``window``, ``band`` or ``level`` is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 4},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-08", "connection": 6},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-20", "connection": 8}])
    >>> out = weekly_trend(ci, window=2)
    >>> out[["score", "n_checkins", "rolling_mean"]].to_numpy().tolist()
    [[5.0, 2.0, 5.0], [nan, 0.0, 5.0], [8.0, 1.0, 8.0]]
    """
    _check_measure(measure)
    _check_int("window", window, 1)
    _check_choice("band", band, BANDS)
    _check_level("level", level)
    table, a = _weekly_scores(checkins, measure)
    if len(a["sid"]) == 0:
        return _empty(_WEEKLY_DTYPES)
    gsid, offset, start = _grid(a["first"], a["last"])
    size = len(gsid)
    score = np.full(size, np.nan)
    n_checkins = np.zeros(size, dtype=np.int64)
    at = start[a["sid"]] + (a["week"] - a["first"][a["sid"]])
    score[at] = a["score"]
    n_checkins[at] = a["n"]
    mean, sd, count = _trailing(score, offset, window)
    if band == "sd":
        half = sd
    elif band == "ci":
        with np.errstate(invalid="ignore"):
            half = t_ppf((1 + level) / 2, count - 1) * sd / np.sqrt(count)
    else:
        half = np.full(size, np.nan)
    week = _week_dates(a["first"][gsid] + offset)
    anchor = _anchor_dates(events, table["couple_id"])[gsid]
    since_anchor = (week - anchor) / np.timedelta64(7, "D")
    out = pd.DataFrame(
        {
            "couple_id": _take(table["couple_id"], gsid),
            "partner": _take(table["partner"], gsid),
            "week": week,
            "measure": _str_take([measure], np.zeros(size, dtype=np.int64)),
            "score": score,
            "n_checkins": n_checkins,
            "rolling_mean": mean,
            "rolling_sd": sd,
            "rolling_n": count,
            "band_low": mean - half,
            "band_high": mean + half,
            "weeks_since_first": offset,
            "weeks_since_anchor": since_anchor.astype(float),
        },
        copy=False,  # every column is a new array: no copy, no consolidation (half the time)
    )
    return out.astype(_WEEKLY_DTYPES)


def trend_summary(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    month_weeks: int = 4,
    level: float = 0.95,
    min_weeks: int = 3,
    reference_sd: float | None = None,
    r: float = 0.8,
) -> pd.DataFrame:
    """Has each partner's score changed, by more than the usual ups and downs?  With the evidence.

    Three pieces of evidence per partner, computed on the weekly scores of :func:`weekly_trend`
    (two check-ins in one week are averaged; weeks without a check-in are left out, never
    interpolated).  Weekly scores inside a **sudden dip** are set aside first: a dip starts
    with a drop of :data:`SUDDEN_JUMP` points or more from one weekly score to the next and
    lasts while the scores stay :data:`DIP_MARGIN` points or more below the level before the
    drop, for at most :data:`MAX_DIP_WEEKS` scores (longer, it is a new level and is kept; a dip
    running to the latest score is set aside only while it is a setback in progress: at most
    4 scores, or at most :data:`MAX_TRAILING_DIP` and a quarter of the scores before it).  A
    setback is then not read as the partner's level at an end, nor does it pull the slope;
    :func:`trustdata.find_setbacks` names it.  Nothing is set aside when fewer than 8 weekly
    scores would be left.  ``shape`` is read from every weekly score.

    **Reliable change** (Jacobson & Truax 1991, *J. Consult. Clin. Psychol.* 59(1), 12-19).
    ``change_points`` is the mean of the latest ``k`` weekly scores minus the mean of the first
    ``k`` (``k = month_weeks``, or half the weekly scores when there are fewer than
    ``2 * month_weeks``; at least 4 at each end, else ``"insufficient_data"``).  The Reliable
    Change Index divides it by the standard error of a difference of two scores,
    ``sqrt(2) * error_sd``, where ``error_sd`` is the measurement error of one weekly score:

    - by default (``error_source="within_person"``) the partner's own week-to-week variation
      around their local level over the **whole** series: the SD of one weekly score, from the
      semivariogram of the weekly scores at lags of 1 and 2 calendar weeks (half the mean
      squared difference, less the straight line's share, leaving out jumps of
      :data:`SUDDEN_JUMP` points or more: sudden changes such as setbacks are not measurement
      error).  Differences cancel the slow movement of the level, so a steady rise does not
      inflate it.  A whole-point score is the level plus AR(1) noise (SD ``s``,
      autocorrelation ``rho``) plus its rounding, white with variance ``c = 1/12``
      (Sheppard), so ``g(h) = c + s^2 (1 - rho^h)`` (a nugget; Cressie 1993, *Statistics for
      Spatial Data*, 2.3.1), ``1 + rho = (g(2) - c) / (g(1) - c)`` and ``error_sd = sqrt(c +
      (g(1) - c) / (1 - rho))`` (``rho`` in [0, :data:`MAX_NOISE_RHO`]), never below
      ``sqrt(1/12)`` = 0.29.  Successive differences (von Neumann, Kent, Bellinson & Hart 1941,
      *Ann. Math. Stat.* 12(2), 153-162; Jahng, Wood & Trull 2008, *Psychol. Methods* 13(4),
      354-375) see only ``1 - rho`` of the AR(1) variance, hence the division.  This is the
      within-subject SD of Bland & Altman (1996, "Measurement error", *BMJ* 313, 744), whose
      repeatability ``1.96 * sqrt(2) * s_w`` is ``rc_points`` below;
    - with ``reference_sd`` (``error_source="reference"``): Jacobson & Truax's own standard
      error of measurement, ``reference_sd * sqrt(1 - r)``, from a between-person baseline SD
      of a reference cohort and the measure's reliability ``r``.

    **Slope.** Ordinary least squares of the four-weekly means (the mean of the weekly scores
    in each block of 4 calendar weeks from the partner's first week, at the block's midpoint in
    months of ``DAYS_PER_MONTH`` days) on time; equal to ``scipy.stats.linregress``.  Averaging
    four weeks removes the ties of whole-point scores (the median of pairwise slopes of tied
    weekly scores is often exactly 0).  Its interval is ``slope +/- t(level, n - 2) * SE``
    with the **wider** of two standard errors: the classical formula ``sqrt(s2 / Sxx)`` with
    ``s2`` from the successive differences of the four-weekly means (von Neumann's mean square
    successive difference, halved; it counts sudden changes between neighbouring blocks as
    noise but, unlike the straight line's residuals, not a plateau the line misfits, and takes
    the four-weekly means as independent) and one that allows for week-to-week correlation:
    the SE of the same slope
    when the weekly scores carry AR(1) noise, ``sqrt(w' Sigma w)`` with the slope's weights
    ``w`` on the weekly scores and ``Sigma[t, u] = s^2 rho^|t - u|`` over calendar weeks, ``s``
    and ``rho`` from the semivariogram of the weekly scores at lags 1 and 2 (``rho`` at most
    :data:`MAX_NOISE_RHO`).  ``mk_tau`` / ``mk_p`` are the Mann-Kendall test on the same
    four-weekly means.

    **Verdict** (``change``): ``"improved"`` when either

    - the change is reliable, ``rci > 1.96`` (:data:`RCI_CUTOFF`), and the slope is positive
      (without a slope, the index alone decides), or
    - the change is clear and large enough: at :data:`TREND_LEVEL` (95 %) the slope's interval
      lies above 0, or the difference of the ends is beyond its own interval with a positive
      slope (``change_points`` over its standard error under the same AR(1) noise, the
      weights ``-1/k`` on the first ``k`` weekly scores and ``+1/k`` on the latest, above
      1.96); and ``rci > 0.75`` (:data:`TREND_RCI`); and a size of at least 1.25 points
      (:data:`MIN_TREND_POINTS`), the size being the mean of ``change_points`` and the fitted
      line's change from the first to the latest kept weekly score (the ends alone rest on
      8 scores; a straight line misses part of a change that came early or late);

    ``"deteriorated"`` for the mirror image, ``"no_clear_change"`` otherwise,
    ``"insufficient_data"`` when an end holds fewer than 4 weekly scores.  A verdict never
    contradicts the slope's sign, so never an interval on the other side of 0.  ``shape`` says
    whether the way there was steady: ``"up_then_down"`` when a
    four-weekly mean between the ends rose above both end means by more than ``rc_points``,
    ``"down_then_up"`` for the mirror case (the larger excursion wins), else ``"steady"``.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    month_weeks : int, default 4
        ``k``: how many weekly scores each end mean holds (at least 4).
    level : float, default 0.95
        Confidence level of the slope interval.
    min_weeks : int, default 3
        Fewer four-weekly means than this: slope and Mann-Kendall columns are NaN.
    reference_sd : float, optional
        A between-person SD of the measure at baseline from a reference cohort; when given,
        ``error_sd = reference_sd * sqrt(1 - r)``.
    r : float, default 0.8
        Reliability of the measure, used only with ``reference_sd``.  Must be in [0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner, sorted by both (columns :data:`TREND_SUMMARY_COLUMNS`,
        validated by :class:`trustdata.schemas.TrendSummaryOutput`).

        - ``couple_id`` (str), ``partner`` (str), ``measure`` (str)
        - ``n_checkins`` (int64): check-ins with the measure.
        - ``n_weeks`` (int64): weeks with a score (those set aside in a dip included).
        - ``first_date``, ``last_date`` (datetime64[ns]): first and last check-in.
        - ``slope_per_month``, ``slope_low``, ``slope_high`` (float): the OLS slope of the
          four-weekly means in points per month and its interval at ``level`` (the wider of
          the successive-difference and the AR(1) interval, see above).
        - ``mk_tau``, ``mk_p`` (float): Kendall's tau-b of the four-weekly means against time
          and its two-sided p-value (as ``scipy.stats.kendalltau``).
        - ``first_month_mean``, ``latest_month_mean`` (float): means of the first and of the
          latest ``end_weeks`` weekly scores.
        - ``s_pre`` (float): the measurement error the index uses (equal to ``error_sd``; the
          name is kept from the earlier baseline SD).
        - ``rci`` (float): ``change_points / (sqrt(2) * error_sd)``; NaN when insufficient.
        - ``change`` (str): one of :data:`CHANGE_LABELS` (see above).
        - ``end_weeks`` (int64): ``k``, the weekly scores in each end mean (0 when
          insufficient).
        - ``change_points`` (float): ``latest_month_mean - first_month_mean``.
        - ``error_sd`` (float), ``error_source`` (str: ``"within_person"`` or
          ``"reference"``): the measurement error and where it comes from.
        - ``rc_points`` (float): the smallest change called reliable, ``1.96 * sqrt(2) *
          error_sd``.
        - ``level`` (float): the slope interval's confidence level.
        - ``slope_points`` (int64): four-weekly means the slope rests on.
        - ``shape`` (str): one of :data:`SHAPES` (``"insufficient_data"`` when ``change`` is).
        - ``steady`` (boolean): ``shape == "steady"``; missing when insufficient.
        - ``trend_points`` (float): the size of the change the trend route reads, the mean of
          ``change_points`` and the fitted line's change over the kept weeks (``change_points``
          alone without a slope); the route needs at least :data:`MIN_TREND_POINTS` in the
          verdict's direction.  NaN when insufficient.
        - ``line_points`` (float): the fitted line's change over the kept weeks, the slope
          times the months from the first to the latest of them (the second half of
          ``trend_points``).  NaN without a slope.

    Raises
    ------
    ValueError
        When an option is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
    ...     for d, s in zip(pd.date_range("2025-01-06", periods=12, freq="7D"),
    ...                     [3, 4, 3, 4, 5, 5, 6, 6, 7, 8, 7, 8])])
    >>> out = trend_summary(ci)
    >>> out[["n_weeks", "change_points", "change", "shape"]].to_numpy().tolist()
    [[12, 4.0, 'improved', 'steady']]
    >>> round(float(out["error_sd"].iloc[0]), 3), round(float(out["rci"].iloc[0]), 2)
    (0.554, 5.11)
    """
    _check_measure(measure)
    if not isinstance(r, (int, float, np.floating)) or not 0 <= float(r) < 1:
        raise ValueError(f"The value for `r` must be a number in [0, 1), but {r!r} was passed.")
    if reference_sd is not None and (
        isinstance(reference_sd, bool)
        or not isinstance(reference_sd, (int, float, np.floating))
        or not float(reference_sd) > 0
    ):
        raise ValueError(
            "The value for `reference_sd` must be a positive number or None, "
            f"but {reference_sd!r} was passed."
        )
    _check_int("month_weeks", month_weeks, MIN_END_WEEKS)
    _check_level("level", level)
    _check_int("min_weeks", min_weeks, 3)
    table, a = _weekly_scores(checkins, measure)
    n_series = len(table)
    if n_series == 0:
        return _empty(_SUMMARY_DTYPES)
    sid, score = a["sid"], a["score"]  # sorted by series, then week
    offset = a["week"] - a["first"][sid]
    n_all = np.bincount(sid, minlength=n_series).astype(np.int64)
    # weeks inside a sudden dip (a setback) are set aside, unless too few weeks would be left
    keep = ~_set_aside(sid, score, n_series)
    every_week = (sid, offset, score)  # the shape of the way there is read from all of them
    sid, score, offset = sid[keep], score[keep], offset[keep]
    n = np.bincount(sid, minlength=n_series).astype(np.int64)
    rank = np.arange(len(sid)) - np.concatenate([[0], np.cumsum(n)[:-1]])[sid]

    # --- the two ends ----------------------------------------------------------------------
    k = np.minimum(month_weeks, n // 2)
    ok = k >= MIN_END_WEEKS
    k = np.where(ok, k, 0)
    first_mean = _group_mean(sid, score, rank < k[sid], n_series)
    latest_mean = _group_mean(sid, score, rank >= (n - k)[sid], n_series)
    first_mean[~ok] = np.nan
    latest_mean[~ok] = np.nan
    change_points = latest_mean - first_mean

    # --- the slope on four-weekly means ------------------------------------------------------
    bsid, bx, bmean, bblock = _block_means(sid, offset, score, BLOCK_WEEKS)
    ols = _ols_stats(bsid, bx, bmean, n_series, level=level, min_n=min_weeks)
    # the interval: the wider of the successive-difference one and one that allows for AR(1)
    # noise
    gamma = _semivariogram(sid, offset, score, n_series, slope=ols["slope"])
    noise_sd, noise_rho = _ar1_noise(sid, offset, score, n_series, slope=ols["slope"], g=gamma)
    ar1_se = _block_slope_se(sid, offset, bsid, bblock, bx, n_series, noise_sd, noise_rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.maximum(ols["n"] - 2, 1)
        q = t_ppf((1 + level) / 2, df)
        se = np.fmax(_mssd_slope_se(bsid, bx, bmean, n_series), ar1_se)
        trend_half = t_ppf((1 + TREND_LEVEL) / 2, df) * se
    # the difference of the ends against its own standard error under the same AR(1) noise
    ends_se = _ends_se(offset, n, k, noise_sd, noise_rho)
    # the size of the change: the mean of the ends' difference and the fitted line's change
    # over the kept weeks
    trend_points, line_points = _trend_points(sid, offset, n_series, change_points, ols["slope"])

    # --- the measurement error ---------------------------------------------------------------
    if reference_sd is None:
        # the sill of the semivariogram of AR(1) noise plus the rounding of whole points
        error_sd = _error_sd(sid, score, n_series, gamma)
        source = "within_person"
    else:
        error_sd = np.full(n_series, float(reference_sd) * math.sqrt(1.0 - float(r)))
        source = "reference"
    with np.errstate(invalid="ignore", divide="ignore"):
        rci = change_points / (math.sqrt(2.0) * error_sd)
    rc_points = RCI_CUTOFF * math.sqrt(2.0) * error_sd
    ols["low"] = ols["slope"] - q * se
    ols["high"] = ols["slope"] + q * se
    mk = _trend_stats(bsid, bx, bmean, n_series, level=level, min_n=min_weeks)
    slope = ols["slope"]

    # --- the verdict and the shape of the way there ------------------------------------------
    # a reliable change between the ends with the slope's sign, or a clear change at
    # TREND_LEVEL (the slope's interval excludes 0, or the ends' difference is beyond its own
    # interval with the slope's sign) with at least TREND_RCI in the index and
    # MIN_TREND_POINTS in points (trend_points)
    z_ends = norm_ppf((1 + TREND_LEVEL) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ends_z = change_points / ends_se
    clear_up = (slope - trend_half > 0) | ((ends_z > z_ends) & (slope > 0))
    clear_down = (slope + trend_half < 0) | ((ends_z < -z_ends) & (slope < 0))
    trend_up = clear_up & (rci > TREND_RCI) & (trend_points >= MIN_TREND_POINTS)
    trend_down = clear_down & (rci < -TREND_RCI) & (trend_points <= -MIN_TREND_POINTS)
    up = ok & (((rci > RCI_CUTOFF) & ~(slope <= 0)) | trend_up)
    down = ok & (((rci < -RCI_CUTOFF) & ~(slope >= 0)) | trend_down)
    change = np.where(
        ~ok, "insufficient_data", np.where(up, "improved", np.where(down, "deteriorated", _NCC))
    )
    all_bsid, _, all_bmean, all_bblock = _block_means(*every_week, BLOCK_WEEKS)
    shape = _shape(all_bsid, all_bmean, all_bblock, first_mean, latest_mean, rc_points, n_series)
    shape = np.where(ok, shape, "insufficient_data")
    steady = pd.array(shape == "steady", dtype="boolean")
    steady[~ok] = pd.NA
    out = pd.DataFrame(
        {
            "couple_id": table["couple_id"],
            "partner": table["partner"],
            "measure": measure,
            "n_checkins": a["n_checkins"],
            "n_weeks": n_all,
            "first_date": a["first_date"],
            "last_date": a["last_date"],
            "slope_per_month": slope,
            "slope_low": ols["low"],
            "slope_high": ols["high"],
            "mk_tau": mk["tau"],
            "mk_p": mk["p"],
            "first_month_mean": first_mean,
            "latest_month_mean": latest_mean,
            "s_pre": error_sd,
            "rci": np.where(ok, rci, np.nan),
            "change": change.astype(object),
            "end_weeks": k.astype(np.int64),
            "change_points": change_points,
            "error_sd": error_sd,
            "error_source": source,
            "rc_points": rc_points,
            "level": float(level),
            "slope_points": ols["n"],
            "shape": shape.astype(object),
            "steady": steady,
            "trend_points": trend_points,
            "line_points": line_points,
        }
    )
    return out.astype(_SUMMARY_DTYPES)


def trend_weeks(checkins: pd.DataFrame, *, measure: str = "connection") -> pd.DataFrame:
    """The weekly scores :func:`trend_summary` reads, and which of them it sets aside.

    One row per couple, partner and week with a score: the week's score (the mean of its
    check-ins, as in :func:`weekly_trend`), the block of :data:`BLOCK_WEEKS` calendar weeks of
    the slope's four-weekly means it falls in, and ``set_aside``: the week lies inside a
    sudden dip, so :func:`trend_summary` leaves it out of its two ends and its slope (the rule
    is described there; this function applies the same code).  The summary's
    ``slope_per_month`` is ``scipy.stats.linregress`` of the mean ``score`` per ``block`` of
    the weeks not set aside on their ``block_months``; its end means are the means of the
    first and of the latest ``end_weeks`` of those weeks.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`; check-ins without it are left out.

    Returns
    -------
    pandas.DataFrame
        Sorted by couple, partner and week (columns :data:`TREND_WEEKS_COLUMNS`, validated by
        :class:`trustdata.schemas.TrendWeeksOutput`).

        - ``couple_id``, ``partner``, ``measure`` (str)
        - ``week`` (datetime64[ns]): the Monday of the week.
        - ``weeks_since_first`` (int64): calendar weeks since the partner's first week with a
          score.
        - ``score`` (float): the mean of the week's check-ins.
        - ``n_checkins`` (int64): how many check-ins the score rests on.
        - ``block`` (int64): ``weeks_since_first // 4``, the four-weekly block.
        - ``block_months`` (float): the block's midpoint in months since the partner's first
          week (``DAYS_PER_MONTH`` days), the time axis of the slope.
        - ``set_aside`` (bool): inside a sudden dip, left out of the ends and the slope.

    Raises
    ------
    ValueError
        When ``measure`` is not a score column.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> scores = [6, 6, 7, 6, 7, 7, 2, 2, 3, 7, 7, 8, 7, 8]
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
    ...     for d, s in zip(pd.date_range("2025-01-06", periods=14, freq="7D"), scores)])
    >>> weeks = trend_weeks(ci)
    >>> weeks.loc[weeks["set_aside"], "score"].tolist()
    [2.0, 2.0, 3.0]
    >>> kept = weeks[~weeks["set_aside"]].groupby("block_months")["score"].mean()
    >>> from scipy import stats
    >>> slope = stats.linregress(kept.index, kept.to_numpy()).slope
    >>> bool(np.isclose(slope, trend_summary(ci)["slope_per_month"].iloc[0]))
    True
    """
    _check_measure(measure)
    table, a = _weekly_scores(checkins, measure)
    n_series = len(table)
    if n_series == 0:
        return _empty(_WEEKS_DTYPES)
    sid, score = a["sid"], a["score"]  # sorted by series, then week
    offset = (a["week"] - a["first"][sid]).astype(np.int64)
    block = offset // BLOCK_WEEKS
    out = pd.DataFrame(
        {
            "couple_id": _take(table["couple_id"], sid),
            "partner": _take(table["partner"], sid),
            "measure": _str_take([measure], np.zeros(len(sid), dtype=np.int64)),
            "week": _week_dates(a["week"]),
            "weeks_since_first": offset,
            "score": score,
            "n_checkins": a["n"],
            "block": block,
            "block_months": _block_midpoint(block, BLOCK_WEEKS),
            "set_aside": _set_aside(sid, score, n_series),
        }
    )
    return out.astype(_WEEKS_DTYPES)


# --------------------------------------------------------------------------------------------
# Helpers of trend_summary
# --------------------------------------------------------------------------------------------


def _group_mean(sid: np.ndarray, y: np.ndarray, mask: np.ndarray, n_series: int) -> np.ndarray:
    cnt = np.bincount(sid[mask], minlength=n_series)
    tot = np.bincount(sid[mask], weights=y[mask], minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _successive_error(sid: np.ndarray, y: np.ndarray, n_series: int) -> np.ndarray:
    """Half the mean square of differences between consecutive kept weekly scores (any gap).

    Differences of :data:`SUDDEN_JUMP` points or more are left out; NaN where none is left.
    The fallback of :func:`_error_sd` for a series without two scores in adjacent weeks.
    """
    d = np.diff(y)
    use = (sid[1:] == sid[:-1]) & (np.abs(d) < SUDDEN_JUMP)
    cnt = np.bincount(sid[1:][use], minlength=n_series)
    tot = np.bincount(sid[1:][use], weights=d[use] ** 2, minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        return tot / cnt / 2.0


def _semivariogram(
    sid: np.ndarray, offset: np.ndarray, y: np.ndarray, n_series: int, *, slope: np.ndarray
) -> list[np.ndarray]:
    """``g(1)`` and ``g(2)``: half the mean squared difference of weekly scores 1 and 2 calendar
    weeks apart, less the straight line's share ``slope * h``, differences of
    :data:`SUDDEN_JUMP` points or more left out; NaN where a lag has no pair.
    """
    gs, grid = _week_grid(sid, offset, y, n_series, np.nan)
    per_week = np.nan_to_num(slope) * 7.0 / schemas.DAYS_PER_MONTH
    g = []
    for h in (1, 2):
        d = grid[h:] - grid[:-h] - h * per_week[gs[h:]]
        use = (gs[h:] == gs[:-h]) & np.isfinite(d) & (np.abs(d) < SUDDEN_JUMP)
        # sums over the pairs used, without gathering them (the others add +0.0: the same sums)
        cnt = np.bincount(gs[h:], weights=use, minlength=n_series)
        tot = np.bincount(gs[h:], weights=np.where(use, d**2, 0.0), minlength=n_series)
        with np.errstate(invalid="ignore", divide="ignore"):
            g.append(tot / cnt / 2.0)
    return g


def _error_sd(sid: np.ndarray, y: np.ndarray, n_series: int, g: list[np.ndarray]) -> np.ndarray:
    """The SD of one weekly score around the partner's level: the sill of its semivariogram.

    A whole-point weekly score is ``level + e + r``: ``e`` AR(1) noise (SD ``s``,
    autocorrelation ``rho``) and ``r`` the rounding to whole points, white with variance
    ``c = 1/12`` (Sheppard).  Its semivariogram is ``g(h) = c + s^2 (1 - rho^h)`` (a nugget
    ``c``; Cressie 1993, *Statistics for Spatial Data*, 2.3.1), so ``1 + rho = (g(2) - c) /
    (g(1) - c)`` and the SD of one score is ``sqrt(c + (g(1) - c) / (1 - rho))``.  ``g`` is
    :func:`_semivariogram`'s; ``rho`` clipped to [0, :data:`MAX_NOISE_RHO`] (0 when
    ``g(1) <= c`` or a lag has no pair); never below ``sqrt(c)`` = :data:`ROUNDING_SD`.  A
    series without two scores in adjacent weeks takes ``g(1)`` from consecutive scores.
    """
    c = ROUNDING_SD**2
    g1, g2 = g
    g1 = np.where(np.isfinite(g1), g1, _successive_error(sid, y, n_series))
    g1 = np.nan_to_num(g1, nan=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.clip(np.nan_to_num((g2 - g1) / (g1 - c), nan=0.0), 0.0, MAX_NOISE_RHO)
    rho = np.where(g1 > c, rho, 0.0)
    return np.sqrt(c + np.maximum(g1 - c, 0.0) / (1.0 - rho))


def _week_grid(
    sid: np.ndarray, offset: np.ndarray, values: np.ndarray, n_series: int, fill: float
) -> tuple[np.ndarray, np.ndarray]:
    """``values`` laid out on every calendar week of each series (``fill`` where none)."""
    length = np.zeros(n_series, dtype=np.int64)
    if len(sid):
        np.maximum.at(length, sid, offset + 1)
    start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    grid = np.full(int(length.sum()), fill, dtype=float)
    grid[start[sid] + offset] = values
    return np.repeat(np.arange(n_series), length), grid


def _ar1_noise(
    sid: np.ndarray,
    offset: np.ndarray,
    y: np.ndarray,
    n_series: int,
    *,
    slope: np.ndarray,
    g: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """SD and lag-1 autocorrelation of the week-to-week noise (AR(1)), from its semivariogram.

    For AR(1) noise with SD ``s`` and autocorrelation ``rho``, the semivariogram at a lag of
    ``h`` calendar weeks is ``g(h) = s^2 (1 - rho^h)``, so ``rho = g(2) / g(1) - 1`` and
    ``s^2 = g(1) / (1 - rho)`` (Cressie 1993, *Statistics for Spatial Data*, 2.4).  ``g(h)`` is
    half the mean squared difference of weekly scores ``h`` weeks apart, less the straight
    line's share ``slope * h`` (a steady rise is not noise), leaving out differences of
    :data:`SUDDEN_JUMP` points or more (sudden changes).  ``rho`` is clipped to
    [0, :data:`MAX_NOISE_RHO`] (0 when a lag has no pair), ``s`` never below :data:`ROUNDING_SD`.
    """
    if g is None:
        g = _semivariogram(sid, offset, y, n_series, slope=slope)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.clip(np.nan_to_num(g[1] / g[0] - 1.0, nan=0.0), 0.0, MAX_NOISE_RHO)
        var = np.nan_to_num(g[0], nan=0.0) / (1.0 - rho)
    return np.sqrt(np.maximum(var, ROUNDING_SD**2)), rho


def _block_slope_se(
    sid: np.ndarray,
    offset: np.ndarray,
    bsid: np.ndarray,
    bblock: np.ndarray,
    bx: np.ndarray,
    n_series: int,
    sd: np.ndarray,
    rho: np.ndarray,
) -> np.ndarray:
    """SE of the OLS slope of the four-weekly means when the weekly scores carry AR(1) noise.

    The slope is a linear combination of the weekly scores, ``sum_t w_t y_t`` with
    ``w_t = (x_B - mean(x)) / Sxx / n_B`` for the block ``B`` (holding ``n_B`` scores) of week
    ``t``; its variance is ``sd^2 * sum_t sum_u w_t w_u rho^|t - u|`` (``t``, ``u`` in
    calendar weeks; the level path is taken as fixed, only the noise varies).
    """
    nb = np.bincount(bsid, minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = bx - (np.bincount(bsid, weights=bx, minlength=n_series) / nb)[bsid]
        sxx = np.bincount(bsid, weights=dx * dx, minlength=n_series)
    block = offset // BLOCK_WEEKS
    span = int(block.max()) + 1 if len(block) else 1
    pos = np.searchsorted(
        bsid.astype(np.int64) * span + bblock, sid.astype(np.int64) * span + block
    )
    per_block = np.bincount(pos, minlength=len(bsid))
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.nan_to_num(dx[pos] / sxx[sid] / per_block[pos], nan=0.0, posinf=0.0, neginf=0.0)
    return _ar1_combination_se(sid, offset, w, n_series, sd, rho)


def _ar1_combination_se(
    sid: np.ndarray,
    offset: np.ndarray,
    w: np.ndarray,
    n_series: int,
    sd: np.ndarray,
    rho: np.ndarray,
) -> np.ndarray:
    """SE of ``sum_t w_t y_t`` per series when the weekly scores carry AR(1) noise.

    ``sd * sqrt(sum_t sum_u w_t w_u rho^|t - u|)``, ``t`` and ``u`` in calendar weeks
    (``offset``): the slope of :func:`_block_slope_se`, or the difference of the end means.
    """
    gs, grid = _week_grid(sid, offset, w, n_series, 0.0)
    var = np.bincount(gs, weights=grid * grid, minlength=n_series)
    length = np.bincount(gs, minlength=n_series)  # calendar weeks of each series
    # lag h adds 2 rho^h sum_t w_t w_(t+h) to a series' variance, h = 1, 2, ... up to its last
    # lag: each series' weeks as a column of a matrix (zeros below its end), the columns by
    # their last lag, longest first, so that lag h takes the first columns
    last = np.minimum(_lags_counted(rho, length), length - 1)
    todo = np.flatnonzero(last > 0)
    todo = todo[np.lexsort((-length[todo], -last[todo]))]
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    per_block = max(1, _PAIR_CELLS // max(int(length.max(initial=1)), 1))
    for pos in range(0, len(todo), per_block):
        cols = todo[pos : pos + per_block]
        weeks, c = length[cols], len(cols)
        col = np.repeat(np.arange(c), weeks)
        week = np.arange(len(col)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
        mat = np.zeros((int(weeks.max()), c))
        mat[week, col] = grid[start[cols][col] + week]
        lags = last[cols]  # non-increasing
        rho_c = rho[cols]
        rpow = np.ones(c)
        acc = var[cols]
        for h in range(1, int(lags[0]) + 1):
            k = int(np.searchsorted(-lags, -h, side="right"))  # the columns with lag h
            rpow[:k] *= rho_c[:k]
            # a sum down the rows (axis 0) adds them in order, as a bincount over the grid did
            pairs = np.add.reduce(mat[h:, :k] * mat[:-h, :k], axis=0)
            acc[:k] += 2.0 * rpow[:k] * pairs
        var[cols] = acc
    return sd * np.sqrt(np.maximum(var, 0.0))


#: Cells of the matrices of :func:`_ar1_combination_se` (weeks x series) built at once.
_PAIR_CELLS = 1 << 22


def _lags_counted(rho: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The last lag whose pairs count in each series' variance in :func:`_ar1_combination_se`
    (0: none): every lag ``h`` while some series' ``rho^h >= 1e-12``, for the series still
    taken; those whose ``rho^h`` fell below it are let go (their pairs add less than 1e-12 of
    their variance) once they are more than a fifth of the series taken, and the lags stop at
    the number of weeks of the series taken (the schedule the sums were always made on, so
    the variances are the same to the last bit)."""
    n_series = len(rho)
    last = np.zeros(n_series, dtype=np.int64)
    taken = np.ones(n_series, dtype=bool)
    n_taken, weeks = n_series, int(length.sum())
    rpow = np.ones(n_series)
    for h in range(1, weeks):
        rpow = rpow * rho
        live = rpow >= 1e-12
        if not live.any():
            break
        if live.sum() < 0.8 * n_taken:
            taken &= live
            n_taken = int(live.sum())
            weeks = int(length[taken].sum())
        if h >= weeks:
            break
        last[taken] = h
    return last


def _ends_se(
    offset: np.ndarray, n: np.ndarray, k: np.ndarray, sd: np.ndarray, rho: np.ndarray
) -> np.ndarray:
    """SE of the latest ``k`` weekly scores' mean minus the first ``k``'s under AR(1) noise.

    The difference is ``sum_t w_t y_t`` with ``w = -1/k`` on the first ``k`` scores and
    ``+1/k`` on the latest ``k`` (``offset`` sorted by series, then week; ``n`` scores per
    series): ``sd * sqrt(w' R w)``, ``R[t, u] = rho^|t - u|`` over calendar weeks, as
    :func:`_ar1_combination_se` gives it for any weights, here from the ``2k`` end scores
    alone.  NaN where ``k`` is 0.
    """
    width = int(k.max()) if len(k) else 0
    if width == 0:
        return np.full(len(n), np.nan)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    j = np.arange(width)
    used = j[None, :] < k[:, None]
    at_first = np.where(used, start[:, None] + j[None, :], 0)
    at_latest = np.where(used, (start + n - k)[:, None] + j[None, :], 0)
    # weeks of the end scores (first ends, then latest ends) and their weights
    weeks = np.concatenate([offset[at_first], offset[at_latest]], axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = used / k[:, None]
        w = np.concatenate([-share, share], axis=1)
    w = np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)
    lag = np.abs(weeks[:, :, None] - weeks[:, None, :])
    r = np.power(rho[:, None, None], lag)
    var = np.einsum("si,sij,sj->s", w, r, w)
    return np.where(k > 0, sd * np.sqrt(np.maximum(var, 0.0)), np.nan)


def _trend_points(
    sid: np.ndarray,
    offset: np.ndarray,
    n_series: int,
    change_points: np.ndarray,
    slope: np.ndarray,
) -> np.ndarray:
    """The size of the change the trend route reads, and the line's half of it.

    ``(change_points + slope * months) / 2``: the difference of the end means (right for any
    shape of the way there, but it rests on 2 x 4 scores) and the fitted line's change over
    the kept weeks, ``months`` from the first to the latest of them (it rests on every score,
    but a straight line misses part of a change that came early or late).  Without a slope,
    the ends alone.
    """
    first = np.zeros(n_series, dtype=np.int64)
    last = np.zeros(n_series, dtype=np.int64)
    if len(sid):
        starts = np.r_[0, np.flatnonzero(np.diff(sid)) + 1]
        ends = np.r_[starts[1:], len(sid)] - 1
        first[sid[starts]] = offset[starts]
        last[sid[ends]] = offset[ends]
    months = (last - first) * 7.0 / schemas.DAYS_PER_MONTH
    line = slope * months
    return np.where(np.isfinite(line), (change_points + line) / 2.0, change_points), line


def _set_aside(sid: np.ndarray, y: np.ndarray, n_series: int) -> np.ndarray:
    """The weekly scores :func:`trend_summary` leaves out of its ends and slope (the one place
    of the rule; :func:`trend_weeks` shows it): those inside a sudden dip
    (:func:`_dip_weeks`), unless fewer than ``2 * MIN_END_WEEKS`` weekly scores would be left.
    """
    aside = _dip_weeks(sid, y)
    too_few = np.bincount(sid[~aside], minlength=n_series) < 2 * MIN_END_WEEKS
    return aside & ~too_few[sid]


def _dip_weeks(sid: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weekly scores inside a sudden dip (a setback), to be set aside by :func:`trend_summary`.

    A dip starts at a weekly score at least :data:`SUDDEN_JUMP` points below the one before
    (same series) and goes on while the scores stay at least :data:`DIP_MARGIN` points below
    the level before the drop (the mean of up to :data:`PRE_DIP_WEEKS` scores before it).  A
    dip still that low after :data:`MAX_DIP_WEEKS` weekly scores is a new level, not a setback,
    and is kept; so is a dip that runs to the latest score and holds more than
    :data:`MIN_END_WEEKS` of them, unless it holds at most :data:`MAX_TRAILING_DIP` and at most
    :data:`TRAILING_DIP_SHARE` of the series' scores before it (a setback in progress).
    """
    n = len(y)
    same = np.r_[False, sid[1:] == sid[:-1]]
    with np.errstate(invalid="ignore"):
        front = np.flatnonzero(same & (np.diff(y, prepend=np.nan) <= -SUDDEN_JUMP))
    in_dip = np.zeros(n, dtype=bool)
    ref = np.full(n, np.nan)  # the score before the drop, carried along the dip
    length = np.zeros(n, dtype=np.int64)
    # the level before the drop: the mean of up to PRE_DIP_WEEKS scores before it, same series
    before = np.zeros(len(front))
    count = np.zeros(len(front))
    for lag in range(1, PRE_DIP_WEEKS + 1):
        at = front - lag
        ok = (at >= 0) & (sid[np.maximum(at, 0)] == sid[front])
        before += np.where(ok, y[np.maximum(at, 0)], 0.0)
        count += ok
    in_dip[front], ref[front], length[front] = True, before / count, 1
    for _ in range(MAX_DIP_WEEKS - 1):  # grow each dip by one weekly score at a time
        nxt = front + 1
        nxt_ok = nxt < n
        front, nxt = front[nxt_ok], nxt[nxt_ok]
        grow = same[nxt] & ~in_dip[nxt] & (y[nxt] <= ref[front] - DIP_MARGIN)
        front, nxt = front[grow], nxt[grow]
        if not len(nxt):
            break
        in_dip[nxt], ref[nxt], length[nxt] = True, ref[front], length[front] + 1
        front = nxt
    # the last score of each dip decides whether it is one: still low after MAX_DIP_WEEKS
    # scores (a new level), or running to the latest score and no longer in progress
    last = np.flatnonzero(in_dip & ~np.r_[in_dip[1:], False])
    nxt = last + 1
    has_next = np.zeros(len(last), dtype=bool)
    has_next[nxt < n] = same[nxt[nxt < n]]
    still_low = np.zeros(len(last), dtype=bool)
    still_low[has_next] = y[nxt[has_next]] <= ref[last[has_next]] - DIP_MARGIN
    first = np.flatnonzero(in_dip & ~np.r_[False, in_dip[:-1]])
    # a dip running to the latest score: a setback in progress while it holds at most
    # MIN_END_WEEKS scores, or up to MAX_TRAILING_DIP when that is at most TRAILING_DIP_SHARE
    # of the scores before it
    series_start = np.maximum.accumulate(np.where(~same, np.arange(n), 0))
    before_dip = first - series_start[first]
    in_progress = (length[last] <= MIN_END_WEEKS) | (
        (length[last] <= MAX_TRAILING_DIP) & (length[last] <= TRAILING_DIP_SHARE * before_dip)
    )
    new_level = ((length[last] >= MAX_DIP_WEEKS) & still_low) | (~has_next & ~in_progress)
    drop_run = np.zeros(n + 1, dtype=np.int64)
    np.add.at(drop_run, first[new_level], 1)
    np.add.at(drop_run, last[new_level] + 1, -1)
    return in_dip & (np.cumsum(drop_run)[:n] == 0)


def _mssd_slope_se(
    bsid: np.ndarray, bx: np.ndarray, bmean: np.ndarray, n_series: int
) -> np.ndarray:
    """SE of the OLS slope of the four-weekly means with their variance from successive means.

    ``sqrt(s2 / Sxx)``, the classical formula, with the residual variance ``s2`` replaced by von
    Neumann's mean square successive difference of the four-weekly means (consecutive blocks
    with a score), halved: ``s2 = sum (b[i+1] - b[i])^2 / (2 (m - 1))`` (von Neumann, Kent,
    Bellinson & Hart 1941).  It counts sudden changes between neighbouring blocks as noise but,
    unlike the straight line's residuals, not a plateau the line misfits.
    """
    same = bsid[1:] == bsid[:-1]
    d2 = np.where(same, np.diff(bmean) ** 2, 0.0)
    cnt = np.bincount(bsid[1:][same], minlength=n_series)
    tot = np.bincount(bsid[1:], weights=d2, minlength=n_series)
    nb = np.bincount(bsid, minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = bx - (np.bincount(bsid, weights=bx, minlength=n_series) / nb)[bsid]
        sxx = np.bincount(bsid, weights=dx * dx, minlength=n_series)
        return np.sqrt(tot / cnt / 2.0 / sxx)


def _block_means(
    sid: np.ndarray, offset: np.ndarray, y: np.ndarray, weeks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean of the scores in each block of ``weeks`` calendar weeks, per series.

    Returns the series of each block, its midpoint in months since the series' first week,
    its mean and its block number (0, 1, ...; blocks without a score are absent).
    """
    block = offset // weeks
    span = int(block.max()) + 1 if len(block) else 1
    key = sid.astype(np.int64) * span + block  # sorted: by series, then week
    new_block = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_block)
    uniq = key[starts]
    inv = np.cumsum(new_block) - 1
    cnt = np.diff(np.r_[starts, len(key)])
    mean = np.bincount(inv, weights=y, minlength=len(uniq)) / cnt
    bsid = uniq // span
    bblock = uniq % span
    return bsid, _block_midpoint(bblock, weeks), mean, bblock


def _block_midpoint(block: np.ndarray, weeks: int) -> np.ndarray:
    """The midpoint of each block of ``weeks`` calendar weeks, in months since the first week."""
    return (block * weeks + (weeks - 1) / 2.0) * 7.0 / schemas.DAYS_PER_MONTH


def _ols_stats(
    sid: np.ndarray, x: np.ndarray, y: np.ndarray, n_series: int, *, level: float, min_n: int
) -> dict[str, np.ndarray]:
    """OLS slope of y on x per series with its t-interval (as ``scipy.stats.linregress``)."""
    n = np.bincount(sid, minlength=n_series).astype(np.int64)
    sx = np.bincount(sid, weights=x, minlength=n_series)
    sy = np.bincount(sid, weights=y, minlength=n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = sx / n, sy / n
        dx, dy = x - mx[sid], y - my[sid]
        sxx = np.bincount(sid, weights=dx * dx, minlength=n_series)
        sxy = np.bincount(sid, weights=dx * dy, minlength=n_series)
        syy = np.bincount(sid, weights=dy * dy, minlength=n_series)
        slope = sxy / sxx
        resid = np.maximum(syy - slope * sxy, 0.0)
        se = np.sqrt(resid / (n - 2) / sxx)
        half = t_ppf((1 + level) / 2, np.maximum(n - 2, 1)) * se
    enough = (n >= max(min_n, 3)) & (sxx > 0)
    nan = np.full(n_series, np.nan)
    return {
        "n": n,
        "slope": np.where(enough, slope, nan),
        "low": np.where(enough, slope - half, nan),
        "high": np.where(enough, slope + half, nan),
    }


def _shape(bsid, bmean, bblock, first_mean, latest_mean, margin, n_series) -> np.ndarray:
    """ "steady", "up_then_down" or "down_then_up" from the interior four-weekly means."""
    last_block = np.full(n_series, -1, dtype=np.int64)
    np.maximum.at(last_block, bsid, bblock)
    inner = (bblock > 0) & (bblock < last_block[bsid])
    peak = np.full(n_series, -np.inf)
    trough = np.full(n_series, np.inf)
    np.maximum.at(peak, bsid[inner], bmean[inner])
    np.minimum.at(trough, bsid[inner], bmean[inner])
    with np.errstate(invalid="ignore"):
        rise = peak - np.fmax(first_mean, latest_mean)
        fall = np.fmin(first_mean, latest_mean) - trough
    hump = (rise > margin) & ~(fall > rise)
    dip = (fall > margin) & ~(rise >= fall)
    return np.where(hump, "up_then_down", np.where(dip, "down_then_up", "steady"))


# --------------------------------------------------------------------------------------------
# Private helpers (the ones shared with other analyses live in trustdata._frames)
# --------------------------------------------------------------------------------------------


def _anchor_dates(events: pd.DataFrame | None, couples: pd.Series) -> np.ndarray:
    """Each couple's anchor date (earliest discovery, else disclosure) as datetime64[ns]; NaT."""
    out = np.full(len(couples), np.datetime64("NaT"), dtype="datetime64[ns]")
    if events is None or len(events) == 0 or len(couples) == 0:
        return out
    _require(events, ["couple_id", "date", "kind"], "events")
    kinds = events["kind"].astype(object)
    anchors = pd.Series(dtype="datetime64[ns]")
    for kind in reversed(schemas.ANCHOR_EVENT_KINDS):  # preferred kinds win
        sel = events.loc[(kinds == kind).to_numpy() & events["date"].notna().to_numpy()]
        first = sel.groupby("couple_id", sort=False)["date"].min()
        anchors = first if anchors.empty else first.combine_first(anchors)
    if anchors.empty:  # events, but no discovery or disclosure among them
        return out
    mapped = couples.map(anchors)
    return mapped.to_numpy(dtype="datetime64[ns]")


# --- Theil-Sen and Mann-Kendall, vectorised across series ----------------------------------


@lru_cache(maxsize=4096)
def _kendall_p_exact(n: int, c: int) -> float:
    """Two-sided exact p-value of Kendall's tau without ties (as scipy.stats.kendalltau).

    Follows ``scipy.stats._mstats_basic._kendall_p_exact`` (Kendall 1970, *Rank Correlation
    Methods*): the number of inversions of a random permutation, by recursion on ``n``.
    """
    c = int(min(c, (n * (n - 1)) // 2 - c))
    if n == 1 or n == 2:
        prob = 1.0
    elif c == 0:
        prob = 2.0 / math.factorial(n) if n < 171 else 0.0
    elif c == 1:
        prob = 2.0 / math.factorial(n - 1) if n < 172 else 0.0
    elif 4 * c == n * (n - 1):
        prob = 1.0
    elif n < 171:
        new = np.zeros(c + 1)
        new[0:2] = 1.0
        for j in range(3, n + 1):
            new = np.cumsum(new)
            if j <= c:
                new[j:] -= new[: c + 1 - j]
        prob = 2.0 * np.sum(new) / math.factorial(n)
    else:  # pragma: no cover - the exact branch is only used for n <= 33 or c <= 1
        new = np.zeros(c + 1)
        new[0:2] = 1.0
        for j in range(3, n + 1):
            new = np.cumsum(new) / j
            if j <= c:
                new[j:] -= new[: c + 1 - j]
        prob = float(np.sum(new))
    return float(np.clip(prob, 0.0, 1.0))


def _trend_stats(
    sid: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    n_series: int,
    *,
    level: float = 0.95,
    min_n: int = 3,
    budget: int = 4_000_000,
) -> dict[str, np.ndarray]:
    """Theil-Sen slope with Sen's interval and Kendall's tau-b with its p-value, per series.

    ``sid`` (series 0..n_series-1), ``x`` (time, distinct within a series) and ``y`` (no NaN)
    are long arrays.  Series with the same number of points ``n`` are laid out as the rows of
    one dense matrix (at most ``budget`` pairwise slopes at a time); the order statistics of the
    pairwise slopes that give the median and Sen's interval are found with ``np.partition`` and
    equal what ``scipy.stats.theilslopes(y, x, alpha=level)`` reads off its sorted slopes (ties
    in ``y`` enter Sen's variance).  Kendall's tau-b and its two-sided p-value follow
    ``scipy.stats.kendalltau(x, y)``: exact without ties when n <= 33 (or at most one discordant
    / concordant pair), else the normal approximation with the tie-corrected variance.  Series
    with fewer than ``min_n`` points get NaN everywhere.  Returns arrays ``n``, ``slope``,
    ``low``, ``high``, ``tau``, ``p``.
    """
    out = {k: np.full(n_series, np.nan) for k in ("slope", "low", "high", "tau", "p")}
    sid = np.asarray(sid, dtype=np.int64)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = np.bincount(sid, minlength=n_series).astype(np.int64)
    out["n"] = n
    if len(sid) == 0:
        return out
    # (already in order, as the four-weekly means come: lexsort is stable, so it would keep it)
    if not ((sid[1:] > sid[:-1]) | ((sid[1:] == sid[:-1]) & (x[1:] >= x[:-1]))).all():
        order = np.lexsort((x, sid))
        x, y = x[order], y[order]
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    z = norm_ppf((1.0 - level) / 2.0)
    eligible = np.flatnonzero(n >= max(min_n, 2))
    for size in np.unique(n[eligible]):
        rows = eligible[n[eligible] == size]
        per_chunk = max(1, budget // int(size * (size - 1) // 2))
        for pos in range(0, len(rows), per_chunk):
            _trend_chunk(rows[pos : pos + per_chunk], int(size), starts, x, y, z, out)
    return out


def _trend_chunk(rows, size, starts, x, y, z, out) -> None:
    """Theil-Sen and Kendall for series that all have ``size`` points (see _trend_stats)."""
    c = len(rows)
    pts = starts[rows][:, None] + np.arange(size)[None, :]
    Y = y[pts]
    X = x[pts]
    i, j = np.triu_indices(size, 1)
    dy = Y[:, j] - Y[:, i]
    slopes = dy / (X[:, j] - X[:, i])  # x is increasing within a series: no zero division
    s_stat = np.sign(dy).sum(axis=1)
    dis = (dy < 0).sum(axis=1)
    del dy
    tot = size * (size - 1) // 2
    # ties in y: sizes of the groups of equal values, per row
    ys = np.sort(Y, axis=1)
    new_group = np.ones(ys.shape, dtype=bool)
    new_group[:, 1:] = ys[:, 1:] != ys[:, :-1]
    gid = np.cumsum(new_group, axis=1) - 1 + np.arange(c)[:, None] * size
    sizes = np.bincount(gid.ravel(), minlength=c * size).reshape(c, size).astype(float)
    ytie = (sizes * (sizes - 1) / 2).sum(axis=1)
    y1 = (sizes * (sizes - 1) * (2 * sizes + 5)).sum(axis=1)
    # Sen (1968), eq. 2.6, as in scipy.stats.theilslopes
    sigma = np.sqrt((size * (size - 1) * (2 * size + 5) - y1) / 18.0)
    upper = np.minimum(np.round((tot - z * sigma) / 2.0).astype(np.int64), tot - 1)
    lower = np.maximum(np.round((tot + z * sigma) / 2.0).astype(np.int64) - 1, 0)
    kth = np.unique(np.concatenate([[(tot - 1) // 2, tot // 2], lower, upper]))
    slopes.partition(kth, axis=1)
    ar = np.arange(c)
    out["slope"][rows] = (slopes[:, (tot - 1) // 2] + slopes[:, tot // 2]) / 2.0
    out["low"][rows] = slopes[ar, lower]
    out["high"][rows] = slopes[ar, upper]
    # Kendall's tau-b (x has no ties), as in scipy.stats.kendalltau
    tied = ytie == tot
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.clip(s_stat / np.sqrt(tot) / np.sqrt(tot - ytie), -1.0, 1.0)
        var = (size * (size - 1.0) * (2 * size + 5) - y1) / 18.0
        p = 2.0 * special.ndtr(-np.abs(s_stat / np.sqrt(var)))
    exact = (ytie == 0) & ((size <= 33) | (np.minimum(dis, tot - dis) <= 1))
    for k in np.flatnonzero(exact):
        p[k] = _kendall_p_exact(size, int(tot - dis[k]))
    tau[tied] = np.nan
    p[tied] = np.nan
    out["tau"][rows] = tau
    out["p"][rows] = p


_MONTHLY_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.MonthlyScoresOutput)
_SINCE_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.ChangesSinceOutput)

#: Columns of :func:`monthly_scores`.
MONTHLY_COLUMNS: tuple[str, ...] = tuple(_MONTHLY_DTYPES)

#: Columns of :func:`changes_since`.
SINCE_COLUMNS: tuple[str, ...] = tuple(_SINCE_DTYPES)


def monthly_scores(checkins: pd.DataFrame, *, measure: str = "connection") -> pd.DataFrame:
    """Each partner's mean score per calendar month: the "month by month" table people read.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`; check-ins without it are left out.

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner and month with at least one check-in, sorted by them.

        - ``couple_id``, ``partner`` (str)
        - ``month`` (datetime64[ns]): the first day of the month.
        - ``measure`` (str)
        - ``mean`` (float): mean of the month's check-in scores.
        - ``n_checkins`` (int64): how many check-ins the mean rests on.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 4},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-01-20", "connection": 6},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-02-03", "connection": 7}])
    >>> monthly_scores(ci)[["mean", "n_checkins"]].to_numpy().tolist()
    [[5.0, 2.0], [7.0, 1.0]]
    """
    _check_measure(measure)
    rows = checkins.loc[checkins[measure].notna(), ["couple_id", "partner", "date", measure]]
    month = rows["date"].dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    out = (
        rows.assign(month=month, _score=rows[measure].astype("float64"))
        .groupby(["couple_id", "partner", "month"], sort=True)["_score"]
        .agg(["mean", "size"])
        .reset_index()
        .rename(columns={"size": "n_checkins"})
    )
    out["measure"] = measure
    out["n_checkins"] = out["n_checkins"].astype("int64")
    out["mean"] = out["mean"].astype("float64")
    return out[list(MONTHLY_COLUMNS)]


def changes_since(logs: Logs, since: object, *, measure: str = "connection") -> pd.DataFrame:
    """What changed since a date (the last session), per partner, against the span just before.

    The span *since* runs from ``since`` to the couple's latest record (check-in, trigger or
    event); the span *before* is as many days just before ``since``, but at least 28: a week
    since a weekly session is compared with the four weeks before it, not with one week that a
    single busy or quiet day could decide.  The two spans then differ in length, so the trigger
    counts come with rates per week (``days_before``, ``days_since`` give the lengths).

    Parameters
    ----------
    logs : Logs
        Validated logs; any number of couples.
    since : date-like
        The start of the span since (e.g. the last session's date).
    measure : str, default "connection"
        The score to compare.

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner with a check-in (with ``measure``) or a trigger, sorted by
        both; a partner with triggers but no such check-in has 0 check-ins and NaN means.

        - ``couple_id``, ``partner``, ``measure`` (str)
        - ``before_start``, ``since``, ``until`` (datetime64[ns]): the spans' limits
          (``[before_start, since)`` and ``[since, until]``).
        - ``checkins_before``, ``checkins_since`` (int64): check-ins with the measure in each.
        - ``mean_before``, ``mean_since`` (float): their mean score (NaN when none).
        - ``difference`` (float): ``mean_since - mean_before``.
        - ``triggers_before``, ``triggers_since`` (int64): triggers logged in each span.
        - ``major_triggers_since`` (int64): triggers since with intensity at least
          :data:`trustdata.schemas.MAJOR_TRIGGER_INTENSITY`.
        - ``days_before``, ``days_since`` (int64): the spans' lengths in calendar days, both
          ends counted (``days_before >= max(days_since, 28)``).
        - ``triggers_per_week_before``, ``triggers_per_week_since`` (float): the trigger counts
          per 7 days of their span, to compare spans of unequal length.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
    ...     for d, s in [("2025-01-06", 4), ("2025-01-27", 5), ("2025-02-10", 7)]])
    >>> from trustdata import Logs
    >>> out = changes_since(Logs(checkins=ci), "2025-02-01")
    >>> out[["mean_before", "mean_since", "difference"]].to_numpy().tolist()
    [[4.5, 7.0, 2.5]]
    >>> out[["before_start", "until"]].iloc[0].dt.strftime("%Y-%m-%d").tolist()
    ['2025-01-04', '2025-02-10']
    >>> out[["days_before", "days_since"]].to_numpy().tolist()
    [[28, 10]]
    """
    stamp = _parse_since(since)
    if stamp is None:
        raise ValueError("The value for `since` must be a date such as '2025-03-01', not None.")
    _check_measure(measure)
    ci = logs.checkins.loc[logs.checkins[measure].notna()]
    tr = logs.triggers
    last = (
        pd.concat(
            [
                ci[["couple_id", "date"]],
                tr[["couple_id", "timestamp"]].rename(columns={"timestamp": "date"}),
                logs.events[["couple_id", "date"]],
            ]
        )
        .groupby("couple_id")["date"]
        .max()
    )
    until = last.clip(lower=stamp).dt.normalize() + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    span = (until - stamp).clip(lower=pd.Timedelta(days=28))
    before_start = (stamp - span).dt.normalize()

    # every partner with a check-in (with the measure) or a trigger: a partner who logs
    # triggers but no check-ins still has triggers to show (their check-in counts are 0, their
    # means NaN)
    pairs = (
        pd.concat([ci[["couple_id", "partner"]], tr[["couple_id", "partner"]]])
        .drop_duplicates()
        .sort_values(["couple_id", "partner"])
    )
    if pairs.empty:
        return _empty(_SINCE_DTYPES)
    out = pairs.reset_index(drop=True)
    out["measure"] = measure
    out["before_start"] = out["couple_id"].map(before_start).astype("datetime64[ns]")
    out["since"] = pd.Series(stamp, index=out.index).astype("datetime64[ns]")
    out["until"] = out["couple_id"].map(until).dt.normalize().astype("datetime64[ns]")

    def spans(frame: pd.DataFrame, when: str) -> tuple[pd.Series, pd.Series]:
        bounds = frame[["couple_id"]].join(before_start.rename("_b"), on="couple_id")
        t = frame[when]
        in_before = (t >= bounds["_b"]) & (t < stamp)
        in_since = t >= stamp
        return in_before, in_since

    keys = ["couple_id", "partner"]
    b, s = spans(ci, "date")
    score = ci[measure].astype("float64")
    stats = {
        "checkins_before": ci.loc[b].groupby(keys).size(),
        "mean_before": score[b].groupby([ci.loc[b, k] for k in keys]).mean(),
        "checkins_since": ci.loc[s].groupby(keys).size(),
        "mean_since": score[s].groupby([ci.loc[s, k] for k in keys]).mean(),
    }
    tb, ts = spans(tr, "timestamp")
    major = tr["intensity"] >= schemas.MAJOR_TRIGGER_INTENSITY
    stats["triggers_before"] = tr.loc[tb].groupby(keys).size()
    stats["triggers_since"] = tr.loc[ts].groupby(keys).size()
    stats["major_triggers_since"] = tr.loc[ts & major.fillna(False)].groupby(keys).size()
    index = pd.MultiIndex.from_frame(out[keys])
    for name, series in stats.items():
        values = series.reindex(index)
        if name.startswith("mean"):
            out[name] = values.to_numpy(dtype="float64", na_value=float("nan"))
        else:
            out[name] = values.fillna(0).to_numpy(dtype="int64")
    out["difference"] = out["mean_since"] - out["mean_before"]
    day = pd.Timedelta(days=1)
    out["days_before"] = ((out["since"] - out["before_start"]) // day).astype("int64")
    out["days_since"] = ((out["until"] - out["since"]) // day + 1).astype("int64")
    for when in ("before", "since"):
        out[f"triggers_per_week_{when}"] = (
            out[f"triggers_{when}"] * 7 / out[f"days_{when}"]
        ).astype("float64")
    return out[list(SINCE_COLUMNS)]

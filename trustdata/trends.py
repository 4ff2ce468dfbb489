"""Trust trends: weekly scores, rolling means with a band, and "is it getting better?" summaries.

Every function takes the validated ``checkins`` frame of :class:`trustdata.Logs` (one row per
couple, partner and date) and returns a tidy DataFrame with the same columns whatever the options.
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

import pandas as pd

from trustdata import schemas

__all__ = [
    "WEEKLY_TREND_COLUMNS",
    "TREND_SUMMARY_COLUMNS",
    "BANDS",
    "CHANGE_LABELS",
    "weekly_trend",
    "trend_summary",
]

#: Columns of :func:`weekly_trend`, in order.
WEEKLY_TREND_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "week",
    "measure",
    "score",
    "n_checkins",
    "rolling_mean",
    "rolling_sd",
    "rolling_n",
    "band_low",
    "band_high",
    "weeks_since_first",
    "weeks_since_anchor",
)

#: Columns of :func:`trend_summary`, in order.
TREND_SUMMARY_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "measure",
    "n_checkins",
    "n_weeks",
    "first_date",
    "last_date",
    "slope_per_month",
    "slope_low",
    "slope_high",
    "mk_tau",
    "mk_p",
    "first_month_mean",
    "latest_month_mean",
    "s_pre",
    "rci",
    "change",
)

#: The kinds of band :func:`weekly_trend` can draw around the rolling mean.
BANDS: tuple[str, ...] = ("sd", "ci", "none")

#: Values of the ``change`` column of :func:`trend_summary`.
CHANGE_LABELS: tuple[str, ...] = ("improved", "deteriorated", "unchanged", "insufficient_data")


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
    [[5.0, 1.0, 5.0], [nan, 0.0, 5.0], [8.0, 1.0, 8.0]]
    """
    raise NotImplementedError


def trend_summary(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    r: float = 0.8,
    baseline_weeks: int = 4,
    month_weeks: int = 4,
    level: float = 0.95,
    min_weeks: int = 3,
) -> pd.DataFrame:
    """Is each partner's score rising?  Theil-Sen slope, Mann-Kendall test and Reliable Change.

    The weekly scores of :func:`weekly_trend` (weeks without a check-in are left out, never
    interpolated; two check-ins in one week are averaged) are regressed on time in months
    (``weeks_since_first * 7 / DAYS_PER_MONTH``).

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    r : float, default 0.8
        Test-retest reliability of the weekly score, for the Reliable Change Index.  0.8 is a
        conservative value for a single-item weekly rating: single-item well-being and
        relationship-satisfaction items typically show test-retest correlations of about 0.7 to
        0.9 over one to two weeks (e.g. single-item life-satisfaction and relationship
        satisfaction measures), so 0.8 sits in the middle; set it to your instrument's own value
        when you know it.  Must be in [0, 1).
    baseline_weeks : int, default 4
        ``s_pre`` is the SD of the partner's first ``baseline_weeks`` weekly scores.
    month_weeks : int, default 4
        "First month" and "latest month" are the first and the last ``month_weeks`` calendar
        weeks of the partner's span (weeks without a check-in count as weeks).
    level : float, default 0.95
        Confidence level of the Theil-Sen slope interval.
    min_weeks : int, default 3
        Fewer weekly scores than this: slope and Mann-Kendall columns are NaN.

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner, sorted by both.

        - ``couple_id`` (str), ``partner`` (str), ``measure`` (str)
        - ``n_checkins`` (int64): check-ins with the measure.
        - ``n_weeks`` (int64): weeks with a score (the points the slope rests on).
        - ``first_date``, ``last_date`` (datetime64[ns]): first and last check-in.
        - ``slope_per_month`` (float): Theil-Sen slope (median of the pairwise slopes), in
          score points per month (``DAYS_PER_MONTH`` days).  Equal to
          ``scipy.stats.theilslopes(score, months)``.
        - ``slope_low``, ``slope_high`` (float): its confidence interval at ``level``, Sen's
          (1968) rank-based interval exactly as ``scipy.stats.theilslopes`` computes it.
        - ``mk_tau`` (float): Mann-Kendall trend statistic, Kendall's tau-b of score against
          time, equal to ``scipy.stats.kendalltau(months, score)``.
        - ``mk_p`` (float): its two-sided p-value, equal to scipy's (exact distribution without
          ties and with at most 33 points, else the normal approximation with the tie-corrected
          variance).
        - ``first_month_mean``, ``latest_month_mean`` (float): mean of the weekly scores in the
          first and in the last ``month_weeks`` weeks of the span.
        - ``s_pre`` (float): SD (ddof=1) of the first ``baseline_weeks`` weekly scores.
        - ``rci`` (float): Jacobson & Truax (1991) Reliable Change Index,
          ``(latest_month_mean - first_month_mean) / sqrt(2 * (s_pre * sqrt(1 - r))**2)``.
        - ``change`` (str): ``"improved"`` when ``rci > 1.96``, ``"deteriorated"`` when
          ``rci < -1.96``, ``"unchanged"`` otherwise, and ``"insufficient_data"`` (``rci`` NaN)
          when the span is shorter than ``2 * month_weeks`` weeks (the two months would
          overlap), a month has no score, fewer than 2 baseline scores exist, or ``s_pre`` is 0.

    Raises
    ------
    ValueError
        When an option is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
    ...     for d, s in zip(pd.date_range("2025-01-06", periods=10, freq="7D"),
    ...                     [3, 4, 3, 5, 5, 6, 6, 7, 8, 8])])
    >>> out = trend_summary(ci)
    >>> out[["n_weeks", "change"]].to_numpy().tolist()
    [[10, 'improved']]
    >>> bool(out["slope_per_month"].iloc[0] > 0)
    True
    """
    raise NotImplementedError

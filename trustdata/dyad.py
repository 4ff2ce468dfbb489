"""Both partners: the gap between their scores and whether one partner's change leads the other's.

Every function takes the validated ``checkins`` frame and returns a tidy DataFrame with the same
columns whatever the options, vectorised across couples.

Which partner is which: in each couple the partners are sorted by their ``partner`` value and
the first two are ``partner_a`` and ``partner_b`` (a third partner, if any, is left out).  A
couple with only one partner who checks in gives no rows.

Irregular logs: weekly scores are those of :func:`trustdata.trends.weekly_trend` (two check-ins
in one week are averaged, weeks without a check-in have no score and are never interpolated); a
gap exists only in weeks where *both* partners have a score, so weeks after one partner stopped
logging drop out.
"""

from __future__ import annotations

import pandas as pd

from trustdata import schemas

__all__ = [
    "GAP_COLUMNS",
    "GAP_TREND_COLUMNS",
    "LAG_COLUMNS",
    "LEADER_COLUMNS",
    "partner_gap",
    "gap_trend",
    "lagged_correlation",
    "leader_summary",
]

#: Columns of :func:`partner_gap`, in order.
GAP_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "week",
    "partner_a",
    "partner_b",
    "measure",
    "score_a",
    "score_b",
    "gap",
    "abs_gap",
    "rolling_gap",
    "rolling_abs_gap",
    "rolling_n",
)

#: Columns of :func:`gap_trend`, in order.
GAP_TREND_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner_a",
    "partner_b",
    "measure",
    "n_weeks",
    "first_week",
    "last_week",
    "mean_gap",
    "mean_abs_gap",
    "slope_per_month",
    "slope_low",
    "slope_high",
    "mk_tau",
    "mk_p",
    "diverging",
)

#: Columns of :func:`lagged_correlation`, in order.
LAG_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner_a",
    "partner_b",
    "measure",
    "lag",
    "n_weeks",
    "r",
    "p",
)

#: Columns of :func:`leader_summary`, in order.
LEADER_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner_a",
    "partner_b",
    "measure",
    "best_lag",
    "n_weeks",
    "r",
    "p",
    "leader",
)


def partner_gap(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    window: int = 4,
) -> pd.DataFrame:
    """Week by week, how far apart the two partners' scores are.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    window : int, default 4
        Trailing window, in calendar weeks, of the rolling gap (the week and the ``window - 1``
        weeks before it; weeks without a gap add nothing; min periods = 1 gap).

    Returns
    -------
    pandas.DataFrame
        One row per couple and week where both partners have a score, sorted by couple and week.

        - ``couple_id`` (str)
        - ``week`` (datetime64[ns]): the week's Monday.
        - ``partner_a``, ``partner_b`` (str): the couple's first two partners in sorted order.
        - ``measure`` (str)
        - ``score_a``, ``score_b`` (float): each partner's weekly score (mean of the week).
        - ``gap`` (float): ``score_a - score_b``.
        - ``abs_gap`` (float): ``abs(gap)``.
        - ``rolling_gap``, ``rolling_abs_gap`` (float): mean of ``gap`` / ``abs_gap`` over the
          trailing ``window`` weeks.
        - ``rolling_n`` (int64): how many gaps that window holds.

    Raises
    ------
    ValueError
        When ``measure`` or ``window`` is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [
    ...     {"couple_id": "c1", "partner": p, "date": d, "connection": s}
    ...     for p, d, s in [("A", "2025-01-06", 3), ("B", "2025-01-07", 7),
    ...                     ("A", "2025-01-13", 5), ("B", "2025-01-14", 6)]])
    >>> partner_gap(ci)[["gap", "abs_gap", "rolling_abs_gap"]].to_numpy().tolist()
    [[-4.0, 4.0, 4.0], [-1.0, 1.0, 2.5]]
    """
    raise NotImplementedError


def gap_trend(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    alpha: float = 0.05,
    min_weeks: int = 6,
) -> pd.DataFrame:
    """Are the partners drifting apart?  Theil-Sen slope and Mann-Kendall test of the abs. gap.

    The absolute weekly gaps of :func:`partner_gap` are regressed on time in months since the
    couple's first shared week (``(week - first_week).days / DAYS_PER_MONTH``), exactly as
    :func:`trustdata.trends.trend_summary` does for scores.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    alpha : float, default 0.05
        Significance level; the slope interval has level ``1 - alpha``.
    min_weeks : int, default 6
        Fewer shared weeks than this: the slope and test columns are NaN and ``diverging`` is
        False.

    Returns
    -------
    pandas.DataFrame
        One row per couple with two partners who share at least one week, sorted by couple.

        - ``couple_id``, ``partner_a``, ``partner_b``, ``measure`` (str)
        - ``n_weeks`` (int64): weeks where both have a score.
        - ``first_week``, ``last_week`` (datetime64[ns]): the first and last such week.
        - ``mean_gap``, ``mean_abs_gap`` (float): mean of ``gap`` and ``abs_gap``.
        - ``slope_per_month`` (float): Theil-Sen slope of ``abs_gap`` per month.
        - ``slope_low``, ``slope_high`` (float): Sen's ``1 - alpha`` interval (as scipy's).
        - ``mk_tau``, ``mk_p`` (float): Kendall's tau-b of ``abs_gap`` against time and its
          two-sided p-value (as ``scipy.stats.kendalltau``).
        - ``diverging`` (bool): the gap is growing reliably: ``n_weeks >= min_weeks``,
          ``mk_p < alpha``, ``mk_tau > 0`` and ``slope_low > 0``.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> rows = [{"couple_id": "c1", "partner": p, "date": d, "connection": s}
    ...         for i, d in enumerate(pd.date_range("2025-01-06", periods=10, freq="7D"))
    ...         for p, s in [("A", 5), ("B", max(1, 5 - i))]]
    >>> gap_trend(as_table("checkins", rows))[["n_weeks", "diverging"]].iloc[0].tolist()
    [10, True]
    """
    raise NotImplementedError


def lagged_correlation(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    max_lag: int = 4,
    min_pairs: int = 3,
) -> pd.DataFrame:
    """Does one partner's change come before the other's?  Cross-correlation of weekly changes.

    A partner's *change* in week ``t`` is their score in week ``t`` minus their score in week
    ``t - 1``; it exists only when both weeks have a score (missed weeks break the chain, nothing
    is interpolated).  For lag ``k`` the correlation pairs partner A's change in week ``t`` with
    partner B's change in week ``t + k``: **a positive lag with a strong correlation means A's
    changes come first (A leads)**, a negative lag that B leads, lag 0 that they move in the same
    week.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.  Not modified.
    measure : str, default "connection"
        Any of :data:`trustdata.schemas.SCORE_COLUMNS`.
    max_lag : int, default 4
        Lags ``-max_lag .. max_lag`` are computed.
    min_pairs : int, default 3
        Fewer pairs of changes than this (or a constant series): ``r`` and ``p`` are NaN.

    Returns
    -------
    pandas.DataFrame
        One row per couple with two partners and per lag (all ``2 * max_lag + 1`` lags, also
        those with too few pairs), sorted by couple and lag.  Couples with one partner give no
        rows.

        - ``couple_id``, ``partner_a``, ``partner_b``, ``measure`` (str)
        - ``lag`` (int64): ``k`` above.
        - ``n_weeks`` (int64): pairs of changes the correlation rests on.
        - ``r`` (float): Pearson's r, equal to ``scipy.stats.pearsonr``.
        - ``p`` (float): its two-sided p-value, equal to ``scipy.stats.pearsonr``.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> a = [5, 6, 4, 7, 5, 8, 6, 9, 7, 8]
    >>> b = [5, 5, 6, 4, 7, 5, 8, 6, 9, 7]          # b follows a one week later
    >>> rows = [{"couple_id": "c1", "partner": p, "date": d, "connection": s}
    ...         for p, scores in [("A", a), ("B", b)]
    ...         for d, s in zip(pd.date_range("2025-01-06", periods=10, freq="7D"), scores)]
    >>> out = lagged_correlation(as_table("checkins", rows), max_lag=2)
    >>> out.loc[out["lag"] == 1, ["n_weeks", "r"]].iloc[0].tolist()
    [8.0, 1.0]
    """
    raise NotImplementedError


def leader_summary(
    lagged: pd.DataFrame,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per couple, the lag with the strongest correlation and who (if anyone) leads.

    Parameters
    ----------
    lagged : pandas.DataFrame
        The output of :func:`lagged_correlation`.  Not modified.
    alpha : float, default 0.05
        A leader is named only when the strongest correlation has ``p < alpha``.

    Returns
    -------
    pandas.DataFrame
        One row per couple in ``lagged``, sorted by couple.

        - ``couple_id``, ``partner_a``, ``partner_b``, ``measure`` (str)
        - ``best_lag`` (float): the lag with the largest ``abs(r)`` (ties: the smallest
          ``abs(lag)``, then the negative one); NaN when no lag has an ``r``.
        - ``n_weeks`` (float), ``r`` (float), ``p`` (float): that lag's values.
        - ``leader`` (str): ``partner_a`` when ``best_lag > 0``, ``partner_b`` when
          ``best_lag < 0``, ``"together"`` when it is 0, ``"none"`` when ``p >= alpha`` or
          there is no ``r``.

    Examples
    --------
    >>> lagged = pd.DataFrame({"couple_id": "c1", "partner_a": "A", "partner_b": "B",
    ...                        "measure": "connection", "lag": [-1, 0, 1],
    ...                        "n_weeks": [8, 9, 8], "r": [0.1, 0.2, 0.9],
    ...                        "p": [0.8, 0.6, 0.002]})
    >>> leader_summary(lagged)[["best_lag", "leader"]].iloc[0].tolist()
    [1.0, 'A']
    """
    raise NotImplementedError

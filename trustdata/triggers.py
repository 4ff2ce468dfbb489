"""Triggers: how often, how strong, and are they lessening?

Every function takes the validated ``triggers`` frame of :class:`trustdata.Logs` and returns a
tidy DataFrame with the same columns whatever the options, vectorised across couples and partners.

Irregular logs are handled the same way everywhere: a period without a trigger is a row with
``count`` 0 (never left out); a trigger whose time is unknown (``time_known`` False) counts on its
date; each partner's span runs from their own first to their own last record, so a partner who
stopped logging is not counted as "trigger free" after they stopped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from trustdata import schemas

__all__ = [
    "FREQUENCY_COLUMNS",
    "TREND_COLUMNS",
    "ANNIVERSARY_COLUMNS",
    "ANNIVERSARY_SUMMARY_COLUMNS",
    "PERIODS",
    "BY",
    "VERDICTS",
    "trigger_frequency",
    "trigger_trend",
    "anniversary_triggers",
    "anniversary_summary",
]

#: Columns of :func:`trigger_frequency`, in order.
FREQUENCY_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "period_start",
    "period_end",
    "period",
    "category",
    "count",
    "mean_intensity",
    "max_intensity",
    "major_count",
    "plan_known",
    "plan_share",
)

#: Columns of :func:`trigger_trend`, in order.
TREND_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "span_start",
    "span_end",
    "first_start",
    "first_end",
    "latest_start",
    "latest_end",
    "first_count",
    "latest_count",
    "first_days",
    "latest_days",
    "first_rate_per_month",
    "latest_rate_per_month",
    "rate_ratio",
    "rate_ratio_low",
    "rate_ratio_high",
    "rate_p",
    "n_weeks_with_triggers",
    "intensity_slope_per_month",
    "intensity_slope_low",
    "intensity_slope_high",
    "intensity_tau",
    "intensity_p",
    "lessening",
    "verdict",
)

#: Columns of :func:`anniversary_triggers`, in order.
ANNIVERSARY_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "timestamp",
    "category",
    "intensity",
    "event_kind",
    "event_date",
    "anniversary",
    "years_since",
    "days_from_anniversary",
)

#: Columns of :func:`anniversary_summary`, in order.
ANNIVERSARY_SUMMARY_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "n_triggers",
    "n_near",
    "observed_share",
    "days_total",
    "days_near",
    "expected_share",
    "ratio",
    "p",
)

PERIODS: tuple[str, ...] = ("week", "month")
BY: tuple[str, ...] = ("category", "total")

#: Values of the ``verdict`` column of :func:`trigger_trend`.
VERDICTS: tuple[str, ...] = (
    "lessening",
    "worsening",
    "mixed",
    "no_clear_change",
    "insufficient_data",
)


def trigger_frequency(
    triggers: pd.DataFrame,
    *,
    period: str = "week",
    by: str = "category",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    checkins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Trigger counts, intensity and plan use per couple, partner and week or month.

    Parameters
    ----------
    triggers : pandas.DataFrame
        Validated triggers (:attr:`trustdata.Logs.triggers`).  Not modified.
    period : {"week", "month"}, default "week"
        Weeks run Monday to Sunday (:data:`trustdata.schemas.WEEK_FREQ`); months are calendar
        months.  Triggers are placed by their local wall-clock ``timestamp``.
    by : {"category", "total"}, default "category"
        ``"category"``: one row per period and each of the seven
        :data:`trustdata.schemas.TRIGGER_CATEGORIES` (zero rows included).  ``"total"``: one
        row per period, with ``category`` set to ``"all"``.  The columns are the same.
    start, end : date-like, optional
        When given, every partner's span starts at the period holding ``start`` and/or ends at
        the period holding ``end`` (triggers outside are dropped); otherwise each partner's span
        runs from the period of their first to the period of their last record.
    checkins : pandas.DataFrame, optional
        Validated check-ins.  When given, a partner's records are their triggers *and* their
        check-ins, so a partner who kept checking in but logged no trigger gets zero rows over
        their check-in span (and spans stretch to cover both kinds of record).

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner, period (and category), every period of the span included;
        sorted by couple, partner, period_start and category (in the fixed category order).

        - ``couple_id`` (str), ``partner`` (str)
        - ``period_start`` (datetime64[ns]): the Monday / the first of the month.
        - ``period_end`` (datetime64[ns]): the period's last day (Sunday / last of the month).
        - ``period`` (str): a label, ``"2025-W02"`` (ISO week) or ``"2025-01"``.
        - ``category`` (str): a trigger category, or ``"all"`` with ``by="total"``.
        - ``count`` (int64): triggers in the period (0 included).
        - ``mean_intensity`` (float): mean intensity; NaN when ``count`` is 0.
        - ``max_intensity`` (float): highest intensity; NaN when ``count`` is 0.
        - ``major_count`` (int64): triggers with intensity >= ``MAJOR_TRIGGER_INTENSITY``.
        - ``plan_known`` (int64): triggers where ``used_plan`` is recorded.
        - ``plan_share`` (float): share of those where the plan was used; NaN when
          ``plan_known`` is 0.

    Raises
    ------
    ValueError
        When ``period`` or ``by`` is not an allowed value, or ``start`` is after ``end``.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> tr = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": "2025-01-06 09:00",
    ...      "category": "media", "intensity": 8, "used_plan": True},
    ...     {"couple_id": "c1", "partner": "A", "timestamp": "2025-01-21 20:00",
    ...      "category": "location", "intensity": 4}])
    >>> out = trigger_frequency(tr, by="total")
    >>> out[["period", "count", "major_count"]].to_numpy().tolist()
    [['2025-W02', 1, 1], ['2025-W03', 0, 0], ['2025-W04', 1, 0]]
    """
    raise NotImplementedError


def trigger_trend(
    triggers: pd.DataFrame,
    *,
    months: float = 3,
    alpha: float = 0.05,
    checkins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Are triggers lessening?  First versus latest months, with an exact test, per partner.

    Each partner's span runs from the day of their first record to the end of the day of their
    last record (records are triggers, and check-ins too when ``checkins`` is given).  The
    *first* window is the first ``months * DAYS_PER_MONTH`` days of the span, the *latest* window
    the last as many days; when the span is shorter than twice that, the two windows are the two
    halves of the span.  Spans shorter than 14 days are ``"insufficient_data"``.

    The rate ratio (latest rate / first rate) is tested with the exact conditional test: given
    ``n = first_count + latest_count`` triggers, under equal rates ``latest_count`` is
    Binomial(n, p0) with ``p0 = latest_days / (first_days + latest_days)``
    (``scipy.stats.binomtest``, two-sided).  The Clopper-Pearson interval (pl, ph) for that
    proportion gives the rate-ratio interval ``(pl / (1 - pl), ph / (1 - ph)) * first_days /
    latest_days`` (Przyborowski & Wilenski 1940; Gu, Ng, Tang & Schucany 2008, "Testing the
    ratio of two Poisson rates", *Biometrical Journal* 50(2)); it equals statsmodels'
    ``test_poisson_2indep(..., method="exact-cond")``.

    The intensity trend is the Theil-Sen slope (with Sen's interval) and Kendall's tau of the
    weekly mean intensity (weeks with at least one trigger) against time in months, as in
    :func:`trustdata.trends.trend_summary`; fewer than 3 such weeks gives NaN.

    Parameters
    ----------
    triggers : pandas.DataFrame
        Validated triggers.  Not modified.
    months : float, default 3
        Length of the first and latest windows in months.
    alpha : float, default 0.05
        Significance level of the tests and ``1 - alpha`` the level of the intervals.
    checkins : pandas.DataFrame, optional
        Validated check-ins, to stretch each partner's span over their check-ins too (a partner
        with check-ins and no trigger then gets a row with zero counts).

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner, sorted by both.

        - ``couple_id`` (str), ``partner`` (str)
        - ``span_start``, ``span_end`` (datetime64[ns]): the span (end exclusive, midnight).
        - ``first_start``, ``first_end``, ``latest_start``, ``latest_end`` (datetime64[ns]): the
          two windows (ends exclusive).
        - ``first_count``, ``latest_count`` (int64): triggers in each window.
        - ``first_days``, ``latest_days`` (float): the windows' lengths in days (exposure).
        - ``first_rate_per_month``, ``latest_rate_per_month`` (float): count / days *
          ``DAYS_PER_MONTH``.
        - ``rate_ratio`` (float): latest rate / first rate (inf when ``first_count`` is 0 and
          ``latest_count`` is not; NaN when both are 0).
        - ``rate_ratio_low``, ``rate_ratio_high`` (float): its exact ``1 - alpha`` interval.
        - ``rate_p`` (float): two-sided p-value of the conditional binomial test.
        - ``n_weeks_with_triggers`` (int64): weeks of the span with at least one trigger.
        - ``intensity_slope_per_month``, ``intensity_slope_low``, ``intensity_slope_high``
          (float): Theil-Sen slope of weekly mean intensity per month and its interval.
        - ``intensity_tau``, ``intensity_p`` (float): Kendall's tau-b and its p-value.
        - ``lessening`` (boolean, nullable): True when triggers became reliably less frequent
          (``rate_p < alpha`` and ``rate_ratio < 1``); False otherwise; missing when the data
          are insufficient (span under 14 days or no trigger in either window).
        - ``verdict`` (str): one of :data:`VERDICTS`.  ``"lessening"``: the rate fell reliably,
          or the intensity fell reliably (``intensity_p < alpha``, slope < 0) while the rate did
          not rise reliably; ``"worsening"``: the mirror image; ``"mixed"``: one fell and the
          other rose reliably; ``"no_clear_change"``: neither changed reliably;
          ``"insufficient_data"``: as for ``lessening``.

    Raises
    ------
    ValueError
        When ``months`` is not positive or ``alpha`` not in (0, 1).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> days = [0, 1, 2, 4, 6, 9, 12, 15, 20, 30, 70, 95, 150, 175]
    >>> tr = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "category": "media", "intensity": 5,
    ...      "timestamp": pd.Timestamp("2025-01-06") + pd.Timedelta(days=d)} for d in days])
    >>> out = trigger_trend(tr, months=2)
    >>> out[["first_count", "latest_count", "verdict"]].to_numpy().tolist()
    [[10, 2, 'lessening']]
    """
    raise NotImplementedError


def anniversary_triggers(
    triggers: pd.DataFrame,
    events: pd.DataFrame,
    *,
    days: int = 7,
    kinds: Sequence[str] = ("discovery", "disclosure"),
) -> pd.DataFrame:
    """Triggers that fall within ``days`` days of a yearly return of a discovery/disclosure date.

    An anniversary is the event's month and day in each later year (1, 2, ... years after it);
    an event on 29 February has its anniversary on 28 February in non-leap years.  A trigger
    is compared with the anniversaries of its own couple's events (of the given ``kinds``) by
    its calendar date; a trigger near two anniversaries (e.g. discovery and disclosure a few
    days apart) gives one row for each.

    Parameters
    ----------
    triggers, events : pandas.DataFrame
        Validated triggers and events.  Not modified.
    days : int, default 7
        Half-width of the window around each anniversary, in days (inclusive).
    kinds : sequence of str, default ("discovery", "disclosure")
        Event kinds whose anniversaries count (values of :data:`trustdata.schemas.EVENT_KINDS`).

    Returns
    -------
    pandas.DataFrame
        One row per trigger and nearby anniversary, sorted by couple, partner and timestamp.

        - ``couple_id`` (str), ``partner`` (str), ``timestamp`` (datetime64[ns]),
          ``category`` (str), ``intensity`` (int64): the trigger's own values.
        - ``event_kind`` (str), ``event_date`` (datetime64[ns]): the event.
        - ``anniversary`` (datetime64[ns]): the anniversary date the trigger is near.
        - ``years_since`` (int64): 1 for the first anniversary, 2 for the second, ...
        - ``days_from_anniversary`` (int64): trigger date minus anniversary date, in days
          (negative before it).

    Raises
    ------
    ValueError
        When ``days`` is negative or a kind is not one of the event kinds.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2024-02-29", "kind": "discovery"}])
    >>> tr = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": "2025-02-26 21:00",
    ...      "category": "date_or_anniversary", "intensity": 9}])
    >>> anniversary_triggers(tr, ev)[["anniversary", "days_from_anniversary"]].iloc[0].tolist()
    [Timestamp('2025-02-28 00:00:00'), -2]
    """
    raise NotImplementedError


def anniversary_summary(
    triggers: pd.DataFrame,
    events: pd.DataFrame,
    *,
    days: int = 7,
    kinds: Sequence[str] = ("discovery", "disclosure"),
    checkins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Do triggers cluster near anniversaries more than chance would have it?

    For each partner, the share of their triggers within ``days`` days of an anniversary (see
    :func:`anniversary_triggers`) is compared with the share of the days of their span that lie
    in such windows (the share expected if triggers fell on any day alike), with a one-sided
    exact binomial test (``scipy.stats.binomtest(n_near, n_triggers, expected_share,
    alternative="greater")``).  The span runs from the day of the partner's first to the day of
    their last record (check-ins too when ``checkins`` is given).

    Parameters
    ----------
    triggers, events : pandas.DataFrame
        Validated triggers and events.  Not modified.
    days, kinds
        As in :func:`anniversary_triggers`.
    checkins : pandas.DataFrame, optional
        Validated check-ins, to stretch each partner's span over their check-ins too.

    Returns
    -------
    pandas.DataFrame
        One row per couple and partner with at least one trigger, sorted by both.

        - ``couple_id`` (str), ``partner`` (str)
        - ``n_triggers`` (int64): triggers in the span.
        - ``n_near`` (int64): triggers within ``days`` days of an anniversary (each counted
          once).
        - ``observed_share`` (float): ``n_near / n_triggers``.
        - ``days_total`` (int64): days in the span.
        - ``days_near`` (int64): days of the span within ``days`` days of an anniversary.
        - ``expected_share`` (float): ``days_near / days_total``.
        - ``ratio`` (float): ``observed_share / expected_share`` (NaN when no day is near).
        - ``p`` (float): one-sided exact binomial p-value (NaN when no day is near).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2024-03-10", "kind": "discovery"}])
    >>> tr = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": ts, "category": "media",
    ...      "intensity": 5} for ts in ["2024-06-01", "2025-03-09", "2025-03-12", "2025-06-01"]])
    >>> anniversary_summary(tr, ev)[["n_triggers", "n_near", "days_near"]].iloc[0].tolist()
    [4, 2, 15]
    """
    raise NotImplementedError

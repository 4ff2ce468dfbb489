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

import numpy as np
import pandas as pd
from scipy import special

from trustdata import schemas
from trustdata._dist import binom_cdf, binom_sf, mannwhitneyu, norm_ppf, norm_sf
from trustdata._frames import (
    _NS_PER_DAY,
    _check_choice,
    _check_int,
    _day_index,
    _empty,
    _grid,
    _parse_since,
    _require,
    _series_codes,
    _str_take,
    _take,
    _week_dates,
    _week_index,
)
from trustdata.errors import TrustDataError
from trustdata.trends import _trend_stats

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
    "could_be_chance",
    "anniversary_triggers",
    "anniversary_summary",
]

# Each output's columns in order with their dtypes, read from its model in trustdata.schemas.
_FREQUENCY_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.TriggerFrequencyOutput)
_TREND_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.TriggerTrendOutput)
_ANNIVERSARY_DTYPES: dict[str, str] = schemas.output_dtypes(schemas.AnniversaryTriggersOutput)
_ANNIVERSARY_SUMMARY_DTYPES: dict[str, str] = schemas.output_dtypes(
    schemas.AnniversarySummaryOutput
)

#: Columns of :func:`trigger_frequency`, in order.
FREQUENCY_COLUMNS: tuple[str, ...] = tuple(_FREQUENCY_DTYPES)
#: Columns of :func:`trigger_trend`, in order.
TREND_COLUMNS: tuple[str, ...] = tuple(_TREND_DTYPES)
#: Columns of :func:`anniversary_triggers`, in order.
ANNIVERSARY_COLUMNS: tuple[str, ...] = tuple(_ANNIVERSARY_DTYPES)
#: Columns of :func:`anniversary_summary`, in order.
ANNIVERSARY_SUMMARY_COLUMNS: tuple[str, ...] = tuple(_ANNIVERSARY_SUMMARY_DTYPES)


PERIODS: tuple[str, ...] = ("week", "month")
BY: tuple[str, ...] = ("category", "total")

#: Values of the ``verdict`` column of :func:`trigger_trend`.
VERDICTS: tuple[str, ...] = schemas.TRIGGER_VERDICTS


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
    _check_choice("period", period, PERIODS)
    _check_choice("by", by, BY)
    start_ts = None if start is None else pd.Timestamp(start)
    end_ts = None if end is None else pd.Timestamp(end)
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ValueError(
            f"The value for `start` ({start_ts.date()}) must not be after `end` ({end_ts.date()})."
        )
    _require(triggers, ["couple_id", "partner", "timestamp", "category", "intensity"], "triggers")
    sid, table, n_trig, ts_ns, first, last = _spans(
        triggers, checkins, lambda v: _period_index(v, period)
    )
    if start_ts is not None:
        first = np.full_like(first, _period_index(np.array([start_ts.to_datetime64()]), period)[0])
    if end_ts is not None:
        last = np.full_like(last, _period_index(np.array([end_ts.to_datetime64()]), period)[0])
    if len(table) == 0:
        return _empty(_FREQUENCY_DTYPES)
    trig_sid = sid[:n_trig]
    pidx = _period_index(ts_ns, period)
    keep = (pidx >= first[trig_sid]) & (pidx <= last[trig_sid])
    gsid, offset, gstart = _grid(first, last)
    n_cat = len(schemas.TRIGGER_CATEGORIES) if by == "category" else 1
    n_cells = len(gsid) * n_cat
    cat = _category_codes(triggers) if by == "category" else np.zeros(len(triggers), np.int64)
    cell = ((gstart[trig_sid] + pidx - first[trig_sid]) * n_cat + cat)[keep]
    intensity = triggers["intensity"].to_numpy(dtype=float, na_value=np.nan)[keep]
    if "used_plan" in triggers.columns:
        plan = triggers["used_plan"].astype("boolean")
        plan_known = plan.notna().to_numpy()[keep]
        plan_used = plan.fillna(False).to_numpy(dtype=bool)[keep]
    else:
        plan_known = plan_used = np.zeros(len(cell), dtype=bool)
    # counts as integer bincounts of the selected cells; means divided in place where defined
    # (one array per output column: the outputs are the largest arrays here)
    count = np.bincount(cell, minlength=n_cells)
    mean_intensity = np.bincount(cell, weights=intensity, minlength=n_cells).astype(
        float, copy=False
    )
    high = np.full(n_cells, -np.inf)
    np.maximum.at(high, cell, intensity)
    major = np.bincount(cell[intensity >= schemas.MAJOR_TRIGGER_INTENSITY], minlength=n_cells)
    known = np.bincount(cell[plan_known], minlength=n_cells)
    plan_share = np.bincount(cell[plan_used & plan_known], minlength=n_cells).astype(float)
    empty = count == 0
    np.divide(mean_intensity, count, out=mean_intensity, where=~empty)
    mean_intensity[empty] = np.nan
    high[empty] = np.nan
    np.divide(plan_share, known, out=plan_share, where=known > 0)
    plan_share[known == 0] = np.nan
    row_sid = np.repeat(gsid, n_cat) if n_cat > 1 else gsid
    labels, p_start, p_end = _period_labels(first[gsid] + offset, period, repeat=n_cat)
    if by == "category":
        category = _str_take(schemas.TRIGGER_CATEGORIES, np.tile(np.arange(n_cat), len(gsid)))
    else:
        category = _str_take(["all"], np.zeros(n_cells, np.int64))
    out = pd.DataFrame(
        {
            "couple_id": _take(table["couple_id"], row_sid),
            "partner": _take(table["partner"], row_sid),
            "period_start": p_start,
            "period_end": p_end,
            "period": labels,
            "category": category,
            "count": count.astype(np.int64, copy=False),
            "mean_intensity": mean_intensity,
            "max_intensity": high,
            "major_count": major.astype(np.int64, copy=False),
            "plan_known": known.astype(np.int64, copy=False),
            "plan_share": plan_share,
        },
        copy=False,  # every column is a new array: no copy, no consolidation
    )
    return out.astype(_FREQUENCY_DTYPES)


#: A window is not a period of logging when its stretches without a record of at least this
#: many days add up to more than half of it (besides one stretch over half of it).
PAUSE_SUM_MIN_DAYS: int = 21


def trigger_trend(
    triggers: pd.DataFrame,
    *,
    months: float = 3,
    alpha: float = 0.05,
    checkins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Are triggers lessening?  First versus latest months, with an exact test, per partner.

    Each partner's span runs from the day of their first record to the end of the day of their
    last record (records are triggers, and check-ins too when ``checkins`` is given), unless it
    starts after a pause (below).  The windows are whole days, from midnight to midnight, so
    that a window "from X to Y" holds exactly the days X to Y: the *first* window is the first
    ``months * DAYS_PER_MONTH`` days of the span rounded to the nearest day (3 months are 91
    days), the *latest* window the last as many days, ending at the end of the last record's
    day; when the span is shorter than twice that, the two windows are the whole days of its
    two halves (the middle day of an odd span in neither).  The rates are per the windows' own
    days (``first_days``).  Spans shorter than 14 days are ``"insufficient_data"``.

    Both windows must be periods the partner was logging: when check-ins are given and the
    partner has any, a stretch of more than half a window with no record at all (no trigger
    and no check-in; the stretch counted inside the window) means they were not logging then,
    so its zero triggers are "not logged", not "none"; so do stretches of at least
    :data:`PAUSE_SUM_MIN_DAYS` (21) days each that together cover more than half a window (two
    short pauses in one window; ``gap_from`` / ``gap_to`` then name the longest of them).  A
    baseline with months nobody logged would make "lessening" (or "worsening") out of too few
    recorded triggers.

    - **A pause at the start is skipped.**  When the first window holds such a stretch (one
      intake check-in, then months without logs), the span starts instead at the first record
      after the stretch and both windows are placed again, as often as the new first window
      holds one, while at least 14 days of span are left after it.  ``span_start`` /
      ``first_start`` are then that record's day and ``first_gap_from`` / ``first_gap_to`` name
      the (last) pause skipped.  Records before the new start are not counted at all: in
      neither window, not in the intensity trend, not in ``n_weeks_with_triggers``.
    - **A pause that cannot be skipped** (fewer than 14 days of records after it) leaves the
      span as it was: ``first_logged`` is False, ``first_gap_from`` / ``first_gap_to`` name
      the stretch, the first rate is NaN and every verdict ``"insufficient_data"``.
    - **A pause in the latest window** (a partner back after a pause: one check-in today
      after a year without logs) gives ``latest_logged`` False, ``gap_from`` / ``gap_to``
      naming the stretch, a NaN latest rate and ``"insufficient_data"`` until they have
      logged through most of a window again.

    A stretch is named whole, from the day after the record before it to the day before the
    record after it.  With triggers alone (no check-ins) a quiet stretch cannot be told from
    one not logged, and the rule does not apply.

    The rate ratio (latest rate / first rate) is tested with the exact conditional test: given
    ``n = first_count + latest_count`` triggers, under equal rates ``latest_count`` is
    Binomial(n, p0) with ``p0 = latest_days / (first_days + latest_days)``
    (``scipy.stats.binomtest``, two-sided).  The Clopper-Pearson interval (pl, ph) for that
    proportion gives the rate-ratio interval ``(pl / (1 - pl), ph / (1 - ph)) * first_days /
    latest_days`` (Przyborowski & Wilenski 1940; Gu, Ng, Tang & Schucany 2008, "Testing the
    ratio of two Poisson rates", *Biometrical Journal* 50(2)); the p-value equals statsmodels'
    ``test_poisson_2indep(..., method="exact-cond")``.  (scipy's ``poisson_means_test`` is the
    more powerful but approximate E-test of Krishnamoorthy & Thomson 2004; its p-values are close
    to, not equal to, these.)

    The intensity trend is the Theil-Sen slope (with Sen's interval; ``scipy.stats.theilslopes``)
    and Kendall's tau (``scipy.stats.kendalltau``) of the weekly mean intensity (weeks with at
    least one trigger) against time in months; fewer than 3 such weeks gives NaN.  Its test
    (``intensity_p < alpha``, direction from the sign of tau) gives ``intensity_verdict``; the
    verdict itself rests on the frequency test (see ``verdict`` below and docs/verdicts.md).

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
        - ``span_start``, ``span_end`` (datetime64[ns]): the span (end exclusive, midnight);
          ``span_start`` is after a skipped pause when there was one (``first_gap_from``).
        - ``first_start``, ``first_end``, ``latest_start``, ``latest_end`` (datetime64[ns]): the
          two windows, each at midnight (ends exclusive: the last day inside is the day before).
        - ``first_count``, ``latest_count`` (int64): triggers in each window.
        - ``first_days``, ``latest_days`` (float): the windows' lengths in whole days (exposure).
        - ``first_rate_per_month``, ``latest_rate_per_month`` (float): count / days *
          ``DAYS_PER_MONTH`` (NaN when ``first_logged`` / ``latest_logged`` is False).
        - ``rate_ratio`` (float): latest rate / first rate (inf when ``first_count`` is 0 and
          ``latest_count`` is not; NaN when both are 0).
        - ``rate_ratio_low``, ``rate_ratio_high`` (float): its exact ``1 - alpha`` interval.
        - ``rate_p`` (float): two-sided p-value of the conditional binomial test.
        - ``dispersion`` (float): how many times more the partner's triggers vary than
          independent (Poisson) ones around a step trend over the span, the largest over
          7-, 14- and 28-day bins of those whose Poisson dispersion test rejects at
          :data:`DISPERSION_GATE`; 1 when none does; NaN where not tested (``lessening``
          missing).  Pearson's X2 over its degrees of freedom around a step function with up
          to :data:`DISPERSION_STEPS` change-points (docs/verdicts.md, "How often the trigger
          verdict is right").
        - ``bursty`` (bool): the dispersion test rejected (``dispersion > 1``): the triggers
          came in bursts, and ``rate_p`` (exact only for independent triggers) is too small.
        - ``rate_p_bursts`` (float): the p-value allowing for the bursts: where ``bursty`` the
          larger of ``rate_p`` and the exact test of both counts divided by ``dispersion``;
          else ``rate_p``.  The verdicts rest on ``rate_p``; a "lessening" or "worsening" with
          ``rate_p_bursts >= alpha`` could be chance, and the pages say so.
        - ``could_be_chance`` (bool): that case (:func:`could_be_chance`): the ``verdict`` is
          ``"lessening"`` or ``"worsening"``, the triggers were ``bursty`` and ``rate_p_bursts``
          is not below ``alpha``.  The pages add "could be chance" where it is True.
        - ``n_weeks_with_triggers`` (int64): weeks of the span with at least one trigger.
        - ``intensity_slope_per_month``, ``intensity_slope_low``, ``intensity_slope_high``
          (float): Theil-Sen slope of weekly mean intensity per month and its interval.
        - ``intensity_tau``, ``intensity_p`` (float): Kendall's tau-b and its p-value.
        - ``lessening`` (boolean, nullable): True when triggers became reliably less frequent
          (``rate_p < alpha`` and ``rate_ratio < 1``); False otherwise; missing when the data
          are insufficient (span under 14 days, no trigger in either window, or a window
          not a period of logging).
        - ``verdict`` (str): one of :data:`VERDICTS`, decided by the frequency test at
          ``alpha``, which the intensity test can only turn into ``"mixed"``:
          ``"lessening"`` when ``rate_verdict`` is ``"lessening"`` (``rate_p < alpha`` and
          ``rate_ratio < 1``) and the intensity did not rise reliably; ``"worsening"`` the
          mirror image; ``"mixed"`` when the rate fell reliably and the intensity rose
          reliably, or the rate rose reliably and the intensity fell reliably;
          ``"no_clear_change"`` when the rate test does not reject at ``alpha`` (whatever the
          intensity did: see ``intensity_verdict``); ``"insufficient_data"`` as for
          ``lessening``.
        - ``rate_verdict`` (str): the frequency test alone: ``"lessening"``, ``"worsening"``,
          ``"no_clear_change"`` or ``"insufficient_data"``.
        - ``intensity_verdict`` (str): the intensity test alone, same codes: ``"lessening"``
          when ``intensity_p < alpha`` and ``intensity_tau < 0``, ``"worsening"`` when
          ``intensity_p < alpha`` and ``intensity_tau > 0``, ``"insufficient_data"`` with
          fewer than 3 weeks with triggers (or all weekly intensities equal).
        - ``alpha`` (float): the level the verdicts were tested at.
        - ``latest_logged`` (bool): the latest window was a period of logging (the rule
          above; True when it does not apply: without check-ins, or a span under 14 days,
          which is too short for any verdict whatever its pauses).
        - ``gap_from``, ``gap_to`` (datetime64[ns]): when ``latest_logged`` is False, the first
          and last day of the longest stretch without a record that reaches into the latest
          window; NaT otherwise.
        - ``first_logged`` (bool): the first window, as finally placed (from ``first_start``,
          after any skipped pause), was a period of logging (the rule above; True when it does
          not apply, as for ``latest_logged``).  False only when its stretch could not be
          skipped: fewer than 14 days of span after it.
        - ``first_gap_from``, ``first_gap_to`` (datetime64[ns]): the first and last day of the
          stretch without a record that kept the first window from being a period of logging:
          when ``first_logged`` is False the one it holds, not skipped; when True the pause
          skipped (the last one when several were; ``first_gap_to`` is the day before
          ``span_start``); NaT when the first window from the partner's first record was a
          period of logging (or the rule does not apply).

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
    if not isinstance(months, (int, float, np.integer, np.floating)) or not months > 0:
        raise ValueError(
            f"The value for `months` must be a positive number, but {months!r} was passed."
        )
    if not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 0.5:
        raise ValueError(
            f"The value for `alpha` must be a number between 0 and 0.5, but {alpha!r} was passed."
        )
    _require(triggers, ["couple_id", "partner", "timestamp", "intensity"], "triggers")
    sid, table, n_trig, ts_ns, first_day, last_day = _spans(triggers, checkins, _day_index)
    n_series = len(table)
    if n_series == 0:
        return _empty(_TREND_DTYPES)
    trig_sid = sid[:n_trig]
    # both windows must be periods of logging (docstring, docs/verdicts.md): a baseline with
    # months nobody logged would make "lessening" out of too few recorded triggers; a pause at
    # the start (one intake check-in, then months without logs) is skipped instead
    *gaps, checked = _record_gaps(sid, n_trig, ts_ns, checkins, n_series)
    first_day, skip_from, skip_to, skipped = _skip_leading_pauses(
        gaps, checked, first_day, last_day, months
    )
    span_start, span_end, span_days, width, width_ns = _windows(first_day, last_day, months)
    first_end = span_start + width_ns
    latest_start = span_end - width_ns
    tsi = ts_ns.astype(np.int64)
    # records before a moved start count nowhere: not in a window, not in the intensity trend
    counted = tsi >= span_start[trig_sid]
    in_first = counted & (tsi < first_end[trig_sid])
    in_latest = tsi >= latest_start[trig_sid]
    first_count = np.bincount(trig_sid[in_first], minlength=n_series)
    latest_count = np.bincount(trig_sid[in_latest], minlength=n_series)
    total = first_count + latest_count
    gap_days, gap_from, gap_to = _window_gap(gaps, n_series, latest_start, span_end)
    first_gap_days, first_gap_from, first_gap_to = _window_gap(
        gaps, n_series, span_start, first_end
    )
    # two or more pauses can cover most of a window while no one stretch does
    latest_paused = _window_pause_days(gaps, n_series, latest_start, span_end)
    first_paused = _window_pause_days(gaps, n_series, span_start, first_end)
    # under 14 days of span the windows overlap and no verdict is given: too early, whatever
    # the pauses (the rule does not apply, so the pages say "not enough logs yet", not "a gap")
    short = span_days < 14
    latest_logged = ~checked | short | ((gap_days <= width / 2) & (latest_paused <= width / 2))
    first_logged = ~checked | short | ((first_gap_days <= width / 2) & (first_paused <= width / 2))
    enough = (span_days >= 14) & (total > 0) & latest_logged & first_logged
    per_month = schemas.DAYS_PER_MONTH
    with np.errstate(invalid="ignore", divide="ignore"):
        # a window nobody was logging in has no rate: its zero is "not logged", not "none"
        first_rate = np.where(first_logged, first_count / width * per_month, np.nan)
        latest_rate = np.where(latest_logged, latest_count / width * per_month, np.nan)
        ratio = np.where(total > 0, (latest_count / width) / (first_count / width), np.nan)
    low, high, pval = _rate_ratio_tests(latest_count, total, width, width, 1 - alpha, enough)
    # clustered triggers make the exact test's p-value too small: where they vary more than
    # Poisson counts around a trend over the span, the p-value allowing for it divides the
    # counts by that dispersion (the verdict stays the exact test's; the pages say it)
    dispersion = _dispersion(sid, ts_ns, n_trig, checkins, first_day, span_days, checked, enough)
    bursty = enough & (dispersion > 1)
    pval_bursts = _scaled_rate_p(latest_count, total, dispersion, pval, bursty)
    ratio = np.where(enough, ratio, np.nan)
    # intensity: weekly mean intensity against months since the span's first week
    week = _week_index(ts_ns)[counted]
    wfirst = (first_day - 4) // 7
    wspan = int(week.max() - week.min()) + 1 if len(week) else 1
    wmin = int(week.min()) if len(week) else 0
    key = trig_sid[counted].astype(np.int64) * wspan + (week - wmin)
    inten = triggers["intensity"].to_numpy(dtype=float, na_value=np.nan)[counted]
    uniq, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    wk_mean = np.bincount(inv, weights=inten, minlength=len(uniq)) / cnt
    wk_sid = uniq // wspan
    wk = uniq % wspan + wmin
    x = (wk - wfirst[wk_sid]) * 7 / schemas.DAYS_PER_MONTH
    ts = _trend_stats(wk_sid, x, wk_mean, n_series, level=1 - alpha, min_n=3)
    rate_down = enough & (pval < alpha) & (ratio < 1)
    rate_up = enough & (pval < alpha) & (ratio > 1)
    inten_ok = ~np.isnan(ts["p"])
    inten_down = inten_ok & (ts["p"] < alpha) & (ts["tau"] < 0)
    inten_up = inten_ok & (ts["p"] < alpha) & (ts["tau"] > 0)
    rate_verdict = np.select(
        [~enough, rate_down, rate_up],
        ["insufficient_data", "lessening", "worsening"],
        default="no_clear_change",
    )
    intensity_verdict = np.select(
        [~inten_ok, inten_down, inten_up],
        ["insufficient_data", "lessening", "worsening"],
        default="no_clear_change",
    )
    # the frequency test decides; the intensity test can only turn it into "mixed"
    mixed = (rate_down & inten_up) | (rate_up & inten_down)
    verdict = np.select(
        [~enough, mixed, rate_down, rate_up],
        ["insufficient_data", "mixed", "lessening", "worsening"],
        default="no_clear_change",
    )
    lessening = pd.array(rate_down, dtype="boolean")
    lessening[~enough] = pd.NA
    chance = could_be_chance(verdict, bursty, pval_bursts, alpha)
    ns = "datetime64[ns]"
    nat = np.datetime64("NaT", "ns")
    out = pd.DataFrame(
        {
            "couple_id": table["couple_id"],
            "partner": table["partner"],
            "span_start": span_start.astype(ns),
            "span_end": span_end.astype(ns),
            "first_start": span_start.astype(ns),
            "first_end": first_end.astype(ns),
            "latest_start": latest_start.astype(ns),
            "latest_end": span_end.astype(ns),
            "first_count": first_count,
            "latest_count": latest_count,
            "first_days": width,
            "latest_days": width,
            "first_rate_per_month": first_rate,
            "latest_rate_per_month": latest_rate,
            "rate_ratio": ratio,
            "rate_ratio_low": low,
            "rate_ratio_high": high,
            "rate_p": pval,
            "dispersion": dispersion,
            "bursty": bursty,
            "rate_p_bursts": pval_bursts,
            "could_be_chance": chance,
            "n_weeks_with_triggers": np.bincount(wk_sid, minlength=n_series),
            "intensity_slope_per_month": ts["slope"],
            "intensity_slope_low": ts["low"],
            "intensity_slope_high": ts["high"],
            "intensity_tau": ts["tau"],
            "intensity_p": ts["p"],
            "lessening": lessening,
            "verdict": verdict.astype(object),
            "rate_verdict": rate_verdict.astype(object),
            "intensity_verdict": intensity_verdict.astype(object),
            "alpha": float(alpha),
            "latest_logged": latest_logged,
            # NaT where the latest window was a period of logging
            "gap_from": np.where(latest_logged, nat, (gap_from * _NS_PER_DAY).astype(ns)),
            "gap_to": np.where(latest_logged, nat, (gap_to * _NS_PER_DAY).astype(ns)),
            # the same for the first (baseline) window
            "first_logged": first_logged,
            # the stretch the first window holds (not logged), else the pause skipped, else NaT
            "first_gap_from": np.where(
                first_logged,
                np.where(skipped, (skip_from * _NS_PER_DAY).astype(ns), nat),
                (first_gap_from * _NS_PER_DAY).astype(ns),
            ),
            "first_gap_to": np.where(
                first_logged,
                np.where(skipped, (skip_to * _NS_PER_DAY).astype(ns), nat),
                (first_gap_to * _NS_PER_DAY).astype(ns),
            ),
        }
    )
    return out.astype(_TREND_DTYPES)


def _record_gaps(
    sid: np.ndarray,
    n_trig: int,
    ts_ns: np.ndarray,
    checkins: pd.DataFrame | None,
    n_series: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every stretch between two records (trigger or check-in) of a series: the day numbers of
    the records before and after it and the series, plus whether the logging rule applies to
    each series (the partner has a check-in: with triggers alone a quiet stretch cannot be told
    from one not logged)."""
    n_ci = len(sid) - n_trig
    days = _day_index(ts_ns)
    if n_ci:
        days = np.concatenate([days, _day_index(checkins["date"].to_numpy(dtype="datetime64[ns]"))])
    checked = np.bincount(sid[n_trig:], minlength=n_series) > 0
    if len(days) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, checked
    order = np.lexsort((days, sid))
    s, d = sid[order], days[order]
    same = s[1:] == s[:-1]
    return d[:-1][same], d[1:][same], s[1:][same], checked


def _windows(
    first_day: np.ndarray, last_day: np.ndarray, months: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per series from its first and last day numbers: the span's start and end (ns, the end
    exclusive), its length in days, and the windows' width in days and in ns.

    The width is whole days, so that both windows start and end at midnight and a window
    "from X to Y" holds exactly the days X to Y: ``months * DAYS_PER_MONTH`` rounded to the
    nearest day (at least 1; 3 months are 91 days), or the whole days of half the span when
    the span is shorter than twice that (the middle day of an odd span is in neither window;
    a one-day span has windows of 0 days).
    """
    span_start = first_day * _NS_PER_DAY
    span_end = (last_day + 1) * _NS_PER_DAY
    span_days = (last_day + 1 - first_day).astype(float)
    months_days = max(1.0, np.floor(months * schemas.DAYS_PER_MONTH + 0.5))
    width = np.minimum(months_days, np.floor(span_days / 2))
    width_ns = width.astype(np.int64) * _NS_PER_DAY
    return span_start, span_end, span_days, width, width_ns


def _skip_leading_pauses(
    gaps: tuple[np.ndarray, np.ndarray, np.ndarray],
    checked: np.ndarray,
    first_day: np.ndarray,
    last_day: np.ndarray,
    months: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move each series' start past pauses at the start of its logs (trigger_trend's rule).

    While a series' first window (``months`` long, or half the span) holds a stretch with no
    record over half of it, and at least 14 days of span are left from the first record after
    that stretch, the span starts at that record instead and the window is placed again.  One
    vectorised pass per pause skipped, over the series still moving.  Returns the start day of
    each series, the first and last day of the last pause skipped and whether one was.
    """
    start = first_day.copy()
    skip_from = np.zeros(len(start), dtype=np.int64)
    skip_to = np.zeros(len(start), dtype=np.int64)
    skipped = np.zeros(len(start), dtype=bool)
    a, b, g = gaps
    moving = checked.copy()
    while moving.any() and len(g):
        keep = moving[g]  # the stretches of the series still moving
        a, b, g = a[keep], b[keep], g[keep]
        start_ns, _, _, width, width_ns = _windows(start, last_day, months)
        days, lo, hi = _window_gap((a, b, g), len(start), start_ns, start_ns + width_ns)
        after = hi + 1  # the day of the first record after the stretch
        moving &= (days > width / 2) & (last_day + 1 - after >= 14)
        start = np.where(moving, after, start)
        skip_from = np.where(moving, lo, skip_from)
        skip_to = np.where(moving, hi, skip_to)
        skipped |= moving
    return start, skip_from, skip_to, skipped


def _window_pause_days(
    gaps: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_series: int,
    start: np.ndarray,
    end: np.ndarray,
) -> np.ndarray:
    """Per series: the days inside the window [start, end) (ns) of all its stretches with no
    record of at least :data:`PAUSE_SUM_MIN_DAYS` empty days, added up."""
    a, b, g = gaps
    long = b - a - 1 >= PAUSE_SUM_MIN_DAYS
    a, b, g = a[long], b[long], g[long]
    lo = np.maximum((a + 1) * _NS_PER_DAY, start[g])
    hi = np.minimum(b * _NS_PER_DAY, end[g])
    return np.bincount(g, weights=np.maximum(hi - lo, 0) / _NS_PER_DAY, minlength=n_series)


def _window_gap(
    gaps: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_series: int,
    start: np.ndarray,
    end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series: the longest stretch with no record inside the window [start, end) (ns), in
    days (the stretch cut to the window), and its first and last empty day (day numbers, the
    stretch whole, beyond the window too)."""
    a, b, g = gaps
    gap_days = np.zeros(n_series)
    gap_from = np.zeros(n_series, dtype=np.int64)
    gap_to = np.zeros(n_series, dtype=np.int64)
    if not len(g):
        return gap_days, gap_from, gap_to
    # the empty days a+1 .. b-1, as [a+1, b) in ns, cut to the window [start, end)
    lo = np.maximum((a + 1) * _NS_PER_DAY, start[g])
    hi = np.minimum(b * _NS_PER_DAY, end[g])
    inside = np.maximum(hi - lo, 0) / _NS_PER_DAY
    # the longest per series: sort by (series, length) and take each series' last
    pick = np.lexsort((inside, g))
    last = np.r_[g[pick][1:] != g[pick][:-1], True]
    at = pick[last]
    gap_days[g[at]] = inside[at]
    gap_from[g[at]] = a[at] + 1
    gap_to[g[at]] = b[at] - 1
    return gap_days, gap_from, gap_to


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
    >>> out = anniversary_triggers(tr, ev)
    >>> str(out["anniversary"].iloc[0].date()), int(out["days_from_anniversary"].iloc[0])
    ('2025-02-28', -2)
    """
    kinds = _anniversary_args(days, kinds)
    _require(triggers, ["couple_id", "partner", "timestamp", "category", "intensity"], "triggers")
    _require(events, ["couple_id", "date", "kind"], "events")
    matches = _anniversary_matches(triggers, events, days, kinds)
    if matches.empty:
        return _empty(_ANNIVERSARY_DTYPES)
    rows = matches["row"].to_numpy()
    out = pd.DataFrame(
        {
            "couple_id": _take(triggers["couple_id"], rows),
            "partner": _take(triggers["partner"], rows),
            "timestamp": triggers["timestamp"].to_numpy(dtype="datetime64[ns]")[rows],
            "category": _take(triggers["category"], rows).astype(object),
            "intensity": triggers["intensity"].to_numpy(dtype=float, na_value=np.nan)[rows],
            "event_kind": matches["event_kind"].to_numpy(dtype=object),
            "event_date": matches["event_date"].to_numpy(dtype="datetime64[ns]"),
            "anniversary": matches["anniversary"].to_numpy(dtype="datetime64[ns]"),
            "years_since": matches["years_since"].to_numpy(dtype=np.int64),
            "days_from_anniversary": matches["days_from"].to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(
        ["couple_id", "partner", "timestamp", "event_date", "event_kind"], kind="stable"
    ).reset_index(drop=True)
    return out.astype(_ANNIVERSARY_DTYPES)


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
    kinds = _anniversary_args(days, kinds)
    _require(triggers, ["couple_id", "partner", "timestamp"], "triggers")
    _require(events, ["couple_id", "date", "kind"], "events")
    sid, table, n_trig, _, first_day, last_day = _spans(triggers, checkins, _day_index)
    n_series = len(table)
    trig_sid = sid[:n_trig]
    n_triggers = np.bincount(trig_sid, minlength=n_series)
    has = n_triggers > 0
    if n_series == 0 or not has.any():
        return _empty(_ANNIVERSARY_SUMMARY_DTYPES)
    matches = _anniversary_matches(triggers, events, days, kinds)
    near_rows = np.unique(matches["row"].to_numpy(dtype=np.int64))
    n_near = np.bincount(trig_sid[near_rows], minlength=n_series)
    # days of each partner's span within `days` of an anniversary (a day counted once)
    couple_of = table["couple_id"]
    ev = _anchor_events(events, kinds)
    series = pd.DataFrame(
        {"couple_id": couple_of, "sid": np.arange(n_series), "lo": first_day, "hi": last_day}
    )
    pairs = series.merge(ev, on="couple_id", how="inner")
    near_days = pd.DataFrame({"sid": np.array([], np.int64), "day": np.array([], np.int64)})
    if len(pairs):
        lo_year = (pd.to_datetime(pairs["lo"].to_numpy() * _NS_PER_DAY).year.to_numpy() - 1).astype(
            np.int64
        )
        hi_year = (pd.to_datetime(pairs["hi"].to_numpy() * _NS_PER_DAY).year.to_numpy() + 1).astype(
            np.int64
        )
        n_years = hi_year - lo_year + 1
        rep = np.repeat(np.arange(len(pairs)), n_years)
        year = np.repeat(lo_year, n_years) + (
            np.arange(int(n_years.sum())) - np.repeat(np.cumsum(n_years) - n_years, n_years)
        )
        p = pairs.iloc[rep].reset_index(drop=True)
        ann = _anniversary_dates(p["date"], year)
        ok = year > p["date"].dt.year.to_numpy()
        ann_day = _day_index(ann)[ok]
        psid = p["sid"].to_numpy()[ok]
        offsets = np.arange(-days, days + 1)
        day = (ann_day[:, None] + offsets[None, :]).ravel()
        dsid = np.repeat(psid, len(offsets))
        inside = (day >= first_day[dsid]) & (day <= last_day[dsid])
        near_days = pd.DataFrame({"sid": dsid[inside], "day": day[inside]}).drop_duplicates()
    days_near = np.bincount(near_days["sid"].to_numpy(np.int64), minlength=n_series)
    days_total = last_day - first_day + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = n_near / n_triggers
        expected = days_near / days_total
        ratio = np.where(days_near > 0, observed / expected, np.nan)
        pv = np.where(days_near > 0, binom_sf(n_near - 1, n_triggers, expected), np.nan)
    out = pd.DataFrame(
        {
            "couple_id": table["couple_id"],
            "partner": table["partner"],
            "n_triggers": n_triggers,
            "n_near": n_near,
            "observed_share": observed,
            "days_total": days_total,
            "days_near": days_near,
            "expected_share": expected,
            "ratio": ratio,
            "p": np.minimum(pv, 1.0),
        }
    )
    out = out.loc[has].reset_index(drop=True)
    return out.astype(_ANNIVERSARY_SUMMARY_DTYPES)


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _spans(triggers: pd.DataFrame, checkins: pd.DataFrame | None, index) -> tuple:
    """Series codes of triggers (then check-ins) and each series' first/last ``index`` value.

    Returns ``sid`` (triggers first, then check-ins), the series table (couple_id, partner),
    the number of triggers, the trigger timestamps (datetime64[ns]) and per-series first and
    last values of ``index(dates)`` over all records.
    """
    keys = [triggers[["couple_id", "partner"]]]
    ts_ns = triggers["timestamp"].to_numpy(dtype="datetime64[ns]")
    dates = [ts_ns]
    if checkins is not None and len(checkins):
        _require(checkins, ["couple_id", "partner", "date"], "check-ins")
        keys.append(checkins[["couple_id", "partner"]])
        dates.append(checkins["date"].to_numpy(dtype="datetime64[ns]"))
    frame = pd.concat(keys, ignore_index=True) if len(keys) > 1 else keys[0]
    all_dates = np.concatenate(dates)
    if np.isnat(all_dates).any():
        raise TrustDataError("triggers: some timestamps or check-in dates are missing.")
    if len(frame) == 0:
        empty = np.array([], dtype=np.int64)
        table = pd.DataFrame(
            {"couple_id": pd.Series([], dtype="str"), "partner": pd.Series([], dtype="str")}
        )
        return empty, table, 0, ts_ns, empty, empty
    sid, table = _series_codes(frame, ["couple_id", "partner"])
    idx = index(all_dates)
    n_series = len(table)
    first = np.full(n_series, np.iinfo(np.int64).max)
    last = np.full(n_series, np.iinfo(np.int64).min)
    np.minimum.at(first, sid, idx)
    np.maximum.at(last, sid, idx)
    return sid, table, len(triggers), ts_ns, first, last


def _period_index(values: np.ndarray, period: str) -> np.ndarray:
    """Week number (see trustdata.trends) or month number (months since 1970-01)."""
    if period == "week":
        return _week_index(values)
    idx = pd.DatetimeIndex(values)
    return ((idx.year - 1970) * 12 + idx.month - 1).to_numpy(dtype=np.int64)


def _period_labels(
    pid: np.ndarray, period: str, *, repeat: int = 1
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Label, first day and last day of each period number (computed once per period), each
    value ``repeat`` times in a row."""
    low = int(pid.min()) if len(pid) else 0
    uniq = np.arange(low, int(pid.max()) + 1 if len(pid) else 0)
    inv = pid - low if repeat == 1 else np.repeat(pid - low, repeat)
    if period == "week":
        starts = _week_dates(uniq)
        ends = starts + np.timedelta64(6, "D")
        iso = pd.DatetimeIndex(starts).isocalendar()
        labels = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    else:
        starts = uniq.astype("datetime64[M]").astype("datetime64[ns]")
        ends = (uniq + 1).astype("datetime64[M]").astype("datetime64[ns]") - np.timedelta64(1, "D")
        labels = [str(m) for m in uniq.astype("datetime64[M]")]
    return _str_take(labels, inv), starts[inv], ends[inv]


def _category_codes(triggers: pd.DataFrame) -> np.ndarray:
    """Position of each trigger's category in :data:`schemas.TRIGGER_CATEGORIES`."""
    col = triggers["category"]
    if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == list(
        schemas.TRIGGER_CATEGORIES
    ):
        codes = col.cat.codes.to_numpy(dtype=np.int64)
    else:
        lookup = {c: i for i, c in enumerate(schemas.TRIGGER_CATEGORIES)}
        codes = col.astype(object).map(lookup).to_numpy(dtype=float, na_value=np.nan)
        codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
    if (codes < 0).any():
        bad = triggers["category"].astype(object)[codes < 0].iloc[0]
        raise TrustDataError(
            f"triggers: the category {bad!r} is not one of {list(schemas.TRIGGER_CATEGORIES)}."
        )
    return codes


#: The rate test allows for clustered triggers (docs/verdicts.md, "How often the trigger verdict
#: is right"): the span is cut into whole bins of each of these lengths in days ...
DISPERSION_BIN_DAYS: tuple[int, ...] = (7, 14, 28)
#: ... whose counts get a step function over the span with up to this many change-points ...
DISPERSION_STEPS: int = 2
#: ... between segments at least this many days long ...
DISPERSION_STEP_MIN_DAYS: int = 56
#: ... each change-point's place charged this many degrees of freedom besides its segment's
#: mean ...
DISPERSION_STEP_DF: int = 3
#: ... and the dispersion around it is used only with at least this many residual degrees of
#: freedom ...
DISPERSION_MIN_DF: int = 6
#: ... and where the Poisson dispersion test rejects at this level.
DISPERSION_GATE: float = 0.05


def _step_trend_fit(
    y: np.ndarray, row: np.ndarray, n_steps: int, min_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A step function per ``row`` (bins ``y`` grouped by row, each row's bins contiguous and
    in time order), vectorised
    over rows: up to ``n_steps`` change-points by binary segmentation, each the split of one of
    the row's segments into two of at least ``min_bins`` bins that raises the Poisson
    log-likelihood most (none when no split raises it).  Returns the fitted means (the segment
    means: the Poisson GLM ``count ~ factor(segment)``), each row's number of segments with a
    trigger and the number of change-points made."""
    y = np.asarray(y, dtype=float)
    N = len(y)
    if N == 0:
        return y, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = np.arange(N)
    cum = np.r_[0.0, np.cumsum(y)]
    starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1]
    ends = np.r_[starts[1:], N]
    which = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, N]))
    s, e = starts[which], ends[which]
    n_rows = int(row.max()) + 1

    def loglik(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        S = cum[b] - cum[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(S > 0, S * np.log(S / np.maximum(b - a, 1)), 0.0)

    made = np.zeros(n_rows, dtype=np.int64)
    for _ in range(n_steps):
        ok = (pos - s >= min_bins) & (e - pos >= min_bins)
        with np.errstate(invalid="ignore"):
            gain = np.where(ok, loglik(s, pos) + loglik(pos, e) - loglik(s, e), -np.inf)
        # each row's best split (the last bin of the largest gain: its runs of bins are
        # contiguous), made where it raises the likelihood
        top = np.maximum.reduceat(gain, starts)
        at = np.maximum.reduceat(np.where(gain == top[which], pos, -1), starts)
        at = np.where(top > 0, at, -1)
        if not (at >= 0).any():
            break
        made[row[starts[at >= 0]]] += 1
        # the bins of each split segment (same row, same start): those from the split on start
        # there, the others end there
        split = at[which]
        hit = (split >= 0) & (s == s[split])
        s = np.where(hit & (pos >= split), split, s)
        e = np.where(hit & (pos < split), split, e)
    mu = (cum[e] - cum[s]) / (e - s)
    n_seg = np.bincount(row[(pos == s) & (mu > 0)], minlength=n_rows)
    return mu, n_seg, made


def _span_bins(
    rec_sid: np.ndarray,
    rec_day: np.ndarray,
    is_trigger: np.ndarray,
    start_day: np.ndarray,
    span_days: np.ndarray,
    checked: np.ndarray,
    bin_days: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The trigger counts of each series' whole bins of ``bin_days`` days from ``start_day``
    (``span_days // bin_days`` of them; records outside them are not counted), the bins a
    trend is fitted to: for series with check-ins (``checked``) bins without any record
    (trigger or check-in) are left out (not logged), and series without a trigger in a bin
    left are left out whole.  ``rec_sid`` / ``rec_day`` / ``is_trigger`` are per record (its
    series, its day index, whether it is a trigger).  Returns ``(y, bin_sid, pos, n_b)``: per
    bin kept its count (float), its series and its index within the series' bins; per series
    its number of whole bins."""
    n = len(start_day)
    n_b = (span_days // bin_days).astype(np.int64)
    offset = np.r_[0, np.cumsum(n_b)[:-1]].astype(np.int64)
    total = int(n_b.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0), empty, empty, n_b
    idx = (rec_day - start_day[rec_sid]) // bin_days
    ok = (idx >= 0) & (idx < n_b[rec_sid])
    cell = offset[rec_sid[ok]] + idx[ok]
    y = np.bincount(cell[is_trigger[ok]], minlength=total).astype(float)
    bin_sid = np.repeat(np.arange(n), n_b)
    kept = np.flatnonzero((np.bincount(cell, minlength=total) > 0) | ~checked[bin_sid])
    y, bin_sid = y[kept], bin_sid[kept]
    keep = (np.bincount(bin_sid, weights=y, minlength=n) > 0)[bin_sid]
    kept, y, bin_sid = kept[keep], y[keep], bin_sid[keep]
    return y, bin_sid, kept - offset[bin_sid], n_b


def _trend_dispersion(
    rec_sid: np.ndarray,
    rec_day: np.ndarray,
    is_trigger: np.ndarray,
    start_day: np.ndarray,
    span_days: np.ndarray,
    checked: np.ndarray,
    bin_days: int,
    n_steps: int = DISPERSION_STEPS,
    step_min_days: int = DISPERSION_STEP_MIN_DAYS,
    step_df: int = DISPERSION_STEP_DF,
) -> tuple[np.ndarray, np.ndarray]:
    """Per series: Pearson's X2 over its residual degrees of freedom of the triggers in the
    span's whole bins of ``bin_days`` days from ``start_day`` (``span_days // bin_days`` of
    them) around a step function over the span (:func:`_step_trend_fit`, up to ``n_steps``
    change-points, segments at least ``step_min_days`` long): for the segments found,
    statsmodels ``GLM(y, X, family=Poisson()).fit(scale="X2")``'s ``scale`` with ``df_resid``
    less ``step_df`` per change-point (segments without a trigger add nothing and
    lose their degrees of freedom).  For series with check-ins (``checked``) bins without any
    record (trigger or check-in) are left out: not logged.  Series with ``span_days`` 0 or no
    trigger in a bin get NaN and 0.  Returns ``(phi, df)``."""
    n = len(start_day)
    phi = np.full(n, np.nan)
    df = np.zeros(n, dtype=np.int64)
    y, bin_sid, _, _ = _span_bins(
        rec_sid, rec_day, is_trigger, start_day, span_days, checked, bin_days
    )
    if not len(y):
        return phi, df
    rows, row = np.unique(bin_sid, return_inverse=True)
    min_bins = int(np.ceil(step_min_days / bin_days))
    mu, n_seg, made = _step_trend_fit(y, row, n_steps, min_bins)
    pos = mu > 0  # a segment without a trigger has no Pearson residual
    x2 = np.bincount(row[pos], weights=(y[pos] - mu[pos]) ** 2 / mu[pos], minlength=len(rows))
    d = np.bincount(row[pos], minlength=len(rows)) - n_seg - step_df * made
    df[rows] = d
    phi[rows] = np.where(d > 0, x2 / np.maximum(d, 1), np.nan)
    return phi, df


def _dispersion(
    sid: np.ndarray,
    ts_ns: np.ndarray,
    n_trig: int,
    checkins: pd.DataFrame | None,
    start_day: np.ndarray,
    span_days: np.ndarray,
    checked: np.ndarray,
    enough: np.ndarray,
) -> np.ndarray:
    """Per series tested (``enough``): how many times more its triggers vary than Poisson
    counts around a step trend over the span, at least 1 (NaN where not tested): the largest
    :func:`_trend_dispersion` over :data:`DISPERSION_BIN_DAYS` among those with at least
    :data:`DISPERSION_MIN_DF` degrees of freedom whose Poisson dispersion test (``P(chi2_df >=
    X2)``) rejects at :data:`DISPERSION_GATE`; 1 when none does."""
    rec_day = _day_index(ts_ns)
    if checkins is not None and len(sid) > n_trig:
        ci_day = _day_index(checkins["date"].to_numpy(dtype="datetime64[ns]"))
        rec_day = np.concatenate([rec_day, ci_day])
    is_trigger = np.arange(len(sid)) < n_trig
    span = np.where(enough, span_days, 0).astype(np.int64)
    phi = np.ones(len(start_day))
    for bin_days in DISPERSION_BIN_DAYS:
        ph, df = _trend_dispersion(sid, rec_day, is_trigger, start_day, span, checked, bin_days)
        with np.errstate(invalid="ignore"):
            use = (df >= DISPERSION_MIN_DF) & (ph > 1)
            use &= special.gammaincc(np.maximum(df, 1) / 2, np.nan_to_num(ph) * df / 2) < (
                DISPERSION_GATE
            )
        phi = np.where(use, np.fmax(phi, ph), phi)
    return np.where(enough, phi, np.nan)


def _scaled_exact_p(latest: np.ndarray, total: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Two-sided p-value of equal rates in two windows of equal length holding ``latest`` of
    ``total`` triggers when counts vary ``phi`` times as much as Poisson counts (they then
    carry the information of ``1 / phi`` as many independent ones): the exact conditional test
    of the counts divided by ``phi``, ``latest / phi`` out of ``total / phi`` against
    Binomial(total / phi, 1/2), the binomial cdf extended to counts that are not whole by the
    regularised incomplete beta function (``P(X <= m) = I_{1/2}(n - m, m + 1)``).  At ``phi =
    1`` it is the exact test (``scipy.stats.binomtest(latest, total, 0.5)``)."""
    k = np.asarray(latest, dtype=float) / phi
    n = np.asarray(total, dtype=float) / phi
    m = np.minimum(k, n - k)
    with np.errstate(invalid="ignore"):
        p = np.where(2 * k == n, 1.0, 2 * special.betainc(n - m, m + 1, 0.5))
    return np.minimum(p, 1.0)


def could_be_chance(
    verdict: np.ndarray | pd.Series,
    bursty: np.ndarray | pd.Series,
    rate_p_bursts: np.ndarray | pd.Series,
    alpha: float,
) -> np.ndarray:
    """Where a change in the trigger rate could be chance once bursts are allowed for.

    The verdict rests on the exact test, which assumes independent triggers.  Where the
    triggers came in bursts (``bursty``) and the p-value allowing for that (``rate_p_bursts``)
    is not below ``alpha``, a ``"lessening"`` or ``"worsening"`` verdict could be chance: the
    pages say so.  Other verdicts claim no change, so they are never flagged.

    Parameters
    ----------
    verdict, bursty, rate_p_bursts : array-like
        :func:`trigger_trend`'s columns of those names, aligned.
    alpha : float
        The level the verdicts were tested at.

    Returns
    -------
    numpy.ndarray
        Booleans, one per row (``trigger_trend``'s ``could_be_chance`` column).

    Examples
    --------
    >>> could_be_chance(
    ...     ["lessening", "lessening", "worsening", "no_clear_change"],
    ...     [True, True, False, True],
    ...     [0.136, 0.03, 0.2, 0.6],
    ...     0.05,
    ... ).tolist()
    [True, False, False, False]
    """
    changed = np.isin(np.asarray(verdict, dtype=object), ["lessening", "worsening"])
    p = np.asarray(rate_p_bursts, dtype=float)
    with np.errstate(invalid="ignore"):
        return changed & np.asarray(bursty, dtype=bool) & (p >= alpha)


def _scaled_rate_p(
    latest: np.ndarray, total: np.ndarray, phi: np.ndarray, pval: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``pval`` (the exact test's), where ``rows`` the larger of it and
    :func:`_scaled_exact_p` of the counts with dispersion ``phi``."""
    out = np.asarray(pval, dtype=float).copy()
    at = np.flatnonzero(rows)
    if len(at):
        out[at] = np.fmax(out[at], _scaled_exact_p(latest[at], total[at], phi[at]))
    return out


def _rate_ratio_tests(
    latest: np.ndarray,
    total: np.ndarray,
    latest_days: np.ndarray,
    first_days: np.ndarray,
    confidence: float,
    enough: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact conditional test of two Poisson rates, vectorised; equal to scipy.stats.binomtest.

    ``latest`` out of ``total`` is Binomial(total, p0) under equal rates, p0 the latest window's
    share of the exposure; the Clopper-Pearson interval (pl, ph) of the proportion becomes the
    rate-ratio interval ``pl / (1 - pl) * first_days / latest_days`` (and likewise for ph).
    The interval limits are Beta quantiles (binomtest finds the same roots with brentq; they
    agree to about 1e-12); the p-value is computed in closed form for p0 = 1/2 (always the case
    for two windows of equal length) and by ``binomtest`` otherwise.
    """
    n_rows = len(latest)
    low = np.full(n_rows, np.nan)
    high = np.full(n_rows, np.nan)
    pval = np.full(n_rows, np.nan)
    with np.errstate(invalid="ignore"):  # windows of 0 days (a one-day span) have no p0
        p0 = latest_days / (latest_days + first_days)
    rows = np.flatnonzero(enough)
    if len(rows) == 0:
        return low, high, pval
    k, n, p = latest[rows], total[rows], p0[rows]
    pl = np.zeros(len(rows))
    ph = np.ones(len(rows))
    # Clopper-Pearson limits as Beta quantiles (what binomtest's brentq roots solve for)
    tail = (1 - confidence) / 2
    pos, below = k > 0, k < n
    pl[pos] = special.betaincinv(k[pos], n[pos] - k[pos] + 1, tail)
    ph[below] = special.betaincinv(k[below] + 1, n[below] - k[below], 1 - tail)
    # two-sided p-value: for p0 = 1/2 scipy's "minlike" rule gives P(X <= m) + P(X >= n - m)
    # with m = min(k, n - k), and 1 when k = n / 2; other p0 go through binomtest itself
    half = p == 0.5
    m = np.minimum(k, n - k)
    pv = np.where(2 * k == n, 1.0, binom_cdf(m, n, 0.5) + binom_sf(n - m - 1, n, 0.5))
    if not half.all():
        from scipy import stats  # only here: importing scipy.stats costs ~0.5 CPU s

    for i in np.flatnonzero(~half):
        pv[i] = stats.binomtest(int(k[i]), int(n[i]), float(p[i])).pvalue
    scale = first_days[rows] / latest_days[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        low[rows] = pl / (1 - pl) * scale
        high[rows] = np.where(ph >= 1, np.inf, ph / (1 - ph)) * scale
    pval[rows] = np.minimum(pv, 1.0)
    return low, high, pval


def _anniversary_args(days: int, kinds: Sequence[str] | str) -> list[str]:
    """Check the ``days`` and ``kinds`` options of the anniversary analyses; the kinds as a list."""
    _check_int("days", days, 0)
    if days > 182:
        raise ValueError(f"The value for `days` must be at most 182, but {days!r} was passed.")
    kinds = list(kinds) if not isinstance(kinds, str) else [kinds]
    for kind in kinds:
        _check_choice("kinds", kind, schemas.EVENT_KINDS)
    return kinds


def _anchor_events(events: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    kind = events["kind"].astype(object)
    sel = events.loc[kind.isin(list(kinds)).to_numpy() & events["date"].notna().to_numpy()]
    return pd.DataFrame(
        {
            "couple_id": sel["couple_id"].to_numpy(dtype=object),
            "date": sel["date"].to_numpy(dtype="datetime64[ns]"),
            "kind": sel["kind"].astype(object).to_numpy(),
        }
    ).drop_duplicates()


def _anniversary_dates(event_dates: pd.Series, years: np.ndarray) -> np.ndarray:
    """The event's month and day in each year (29 February -> 28 February in other years)."""
    month = event_dates.dt.month.to_numpy()
    day = event_dates.dt.day.to_numpy()
    years = np.asarray(years, dtype=np.int64)
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    day = np.where((month == 2) & (day == 29) & ~leap, 28, day)
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month, "day": day})).to_numpy(
        dtype="datetime64[ns]"
    )


def _anniversary_matches(
    triggers: pd.DataFrame, events: pd.DataFrame, days: int, kinds: Sequence[str]
) -> pd.DataFrame:
    """Pairs (trigger row, event) where the trigger's date is within ``days`` of an anniversary."""
    cols = ["row", "event_kind", "event_date", "anniversary", "years_since", "days_from"]
    ev = _anchor_events(events, kinds)
    if len(triggers) == 0 or len(ev) == 0:
        return pd.DataFrame({c: [] for c in cols})
    trig = pd.DataFrame(
        {
            "row": np.arange(len(triggers)),
            "couple_id": triggers["couple_id"].to_numpy(dtype=object),
            "day": _day_index(triggers["timestamp"].to_numpy(dtype="datetime64[ns]")),
        }
    )
    pairs = trig.merge(ev, on="couple_id", how="inner")
    if pairs.empty:
        return pd.DataFrame({c: [] for c in cols})
    year = pd.to_datetime(pairs["day"].to_numpy() * _NS_PER_DAY).year.to_numpy()
    found = []
    for shift in (-1, 0, 1):
        y = year + shift
        ann = _anniversary_dates(pairs["date"], y)
        diff = pairs["day"].to_numpy() - _day_index(ann)
        since = y - pairs["date"].dt.year.to_numpy()
        ok = (np.abs(diff) <= days) & (since >= 1)
        found.append(
            pd.DataFrame(
                {
                    "row": pairs["row"].to_numpy()[ok],
                    "event_kind": pairs["kind"].to_numpy()[ok],
                    "event_date": pairs["date"].to_numpy()[ok],
                    "anniversary": ann[ok],
                    "years_since": since[ok],
                    "days_from": diff[ok],
                }
            )
        )
    return pd.concat(found, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Which plan works: triggers handled with the plan vs without (issue 14)
# --------------------------------------------------------------------------------------------

_PLAN_EFFECT_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "category": "str",
    "measure": "str",
    "n_plan": "int64",
    "n_no_plan": "int64",
    "median_plan": "float64",
    "median_no_plan": "float64",
    "difference": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "u_statistic": "float64",
    "p": "float64",
    "n_months_compared": "int64",
    "month_difference": "float64",
    "month_ci_low": "float64",
    "month_ci_high": "float64",
    "month_p": "float64",
    "verdict": "str",
    "verdict_reason": "str",
    "plan_share": "float64",
    "plan_share_first": "float64",
    "plan_share_latest": "float64",
    "caution": "str",
}

#: Columns of :func:`plan_effect`, in order.
PLAN_EFFECT_COLUMNS: tuple[str, ...] = tuple(_PLAN_EFFECT_DTYPES)

#: Values of the ``verdict`` column of :func:`plan_effect`.
PLAN_VERDICTS: tuple[str, ...] = (
    "lower_with_plan",
    "higher_with_plan",
    "no_clear_difference",
    "insufficient_data",
)

#: The caution every :func:`plan_effect` row carries (its ``caution`` column and ``attrs``).
PLAN_CAUTION = (
    "This compares triggers handled with the plan and without it; it cannot show that the "
    "plan made the difference. The plan may get used on the milder triggers (or on the harder "
    "ones), and more often later in the recovery, when triggers are milder anyway."
)

_PLAN_MEASURES: tuple[str, ...] = ("intensity", "minutes")


def plan_rule(alpha: float = 0.05) -> str:
    """The rule of :func:`plan_effect`'s verdict in words (its ``attrs["rule"]``).

    Examples
    --------
    >>> plan_rule(0.05)[:48]
    'Lower or higher with the plan needs p under 0.05'
    """
    return (
        f"Lower or higher with the plan needs p under {alpha:g} and an interval clear of 0 both "
        "over the whole span and within months (plan use and intensity drift over the "
        "recovery); whole-number intensities can give an interval ending at 0 beside a small p."
    )


def _plan_reason(p, lo, hi, m_p, m_lo, m_hi, same_sign, alpha) -> str:
    """Why a comparison is not clear, in words; "" when both comparisons are clear."""
    parts = []
    if not p < alpha:
        parts.append(f"p ≥ {alpha:g}")
    elif not (lo > 0 or hi < 0):
        parts.append("interval reaches 0")
    if np.isnan(m_p):
        parts.append("no month holds both")
    elif not m_p < alpha:
        parts.append(f"within-month p ≥ {alpha:g}")
    elif not (m_lo >= 0 or m_hi <= 0):
        # the within-month interval inverts the test whose p is m_p: with m_p < alpha the shift
        # 0 is rejected, so an end at 0 is open (the shifts kept lie on one side of 0)
        parts.append("within-month interval reaches 0")
    elif not same_sign:
        parts.append("opposite directions")
    return "; ".join(parts)


def _wilcox_quantile(alpha: float, m: int, n: int) -> int:
    """R's ``qwilcox(alpha, m, n)``: the smallest u with P(U <= u) >= alpha (exact null of U).

    The null distribution of the Mann-Whitney count is built by the usual recursion on the
    number of ways to reach each value (Mann & Whitney 1947), in floating point.
    """
    # generating function of U: prod_{k=1..n} (1 - q^(m+k)) / (1 - q^k)
    size = m * n + 1
    poly = np.zeros(size)
    poly[0] = 1.0
    for k in range(1, n + 1):
        shifted = np.zeros(size)  # times (1 - q^(m+k))
        shifted[m + k :] = poly[: size - (m + k)]
        poly = poly - shifted
        # divided by (1 - q^k): a running sum with step k, one cumsum per residue class
        pad = (-size) % k
        grid = np.concatenate([poly, np.zeros(pad)]).reshape(-1, k)
        poly = np.cumsum(grid, axis=0).ravel()[:size]
    cdf = np.cumsum(poly) / poly.sum()
    return int(np.searchsorted(cdf, alpha - 1e-12))


def _hodges_lehmann(
    x: np.ndarray, y: np.ndarray, alpha: float
) -> tuple[float, float, float, float, float]:
    """Shift estimate of x - y, its rank interval, U statistic and two-sided p-value.

    The estimate is the median of the ``m * n`` differences ``x_i - y_j`` (Hodges & Lehmann
    1963).  The interval is ``[D_(k), D_(mn + 1 - k)]`` of the sorted differences, with ``k =
    qwilcox(alpha / 2, m, n)`` (at least 1), the order-statistic interval R's
    ``wilcox.test(x, y, conf.int=TRUE)`` gives when there are no ties and m, n < 50 (Bauer 1972,
    *JASA* 67(339)); for larger samples ``k`` comes from the normal approximation of U,
    ``floor(mn / 2 - z * sqrt(mn (m + n + 1) / 12))``.  With ties the same order-statistic
    interval is kept (R then switches to an asymptotic interval found by root-finding).  The
    test is ``scipy.stats.mannwhitneyu(x, y)`` (exact without ties for small samples, otherwise
    the normal approximation with tie and continuity corrections: R's ``wilcox.test(x, y,
    exact=FALSE, correct=TRUE)``).
    """
    m, n = len(x), len(y)
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    estimate = float(np.median(diffs))
    if m < 50 and n < 50:
        k = max(_wilcox_quantile(alpha / 2, m, n), 1)
    else:
        z = norm_ppf(1 - alpha / 2)
        k = max(int(np.floor(m * n / 2 - z * np.sqrt(m * n * (m + n + 1) / 12))), 1)
    low, high = float(diffs[k - 1]), float(diffs[m * n - k])
    statistic, pvalue = mannwhitneyu(x, y)  # scipy.stats.mannwhitneyu(x, y), two-sided
    return estimate, low, high, statistic, pvalue


def _van_elteren_z(x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> float:
    """Van Elteren's stratified Wilcoxon statistic as a z-score (x above y: positive).

    Within each stratum holding both groups, ``W_s`` is the rank sum of ``x`` (mid-ranks for
    ties), centred by ``m_s (N_s + 1) / 2`` and weighted by ``1 / (N_s + 1)``; the variance
    ``m_s n_s / 12 * (N_s + 1 - sum(t^3 - t) / (N_s (N_s - 1)))`` is tie-corrected (van Elteren
    1960, *Bull. Int. Stat. Inst.* 37; Lehmann 1975, *Nonparametrics*, 3.3).  With one stratum
    it is the usual normal approximation of the Wilcoxon-Mann-Whitney test without continuity
    correction.  NaN when no stratum has both groups or the variance is 0.
    """
    shared = np.intersect1d(sx, sy)
    values = np.concatenate([x, y])
    is_x = np.r_[np.ones(len(x), bool), np.zeros(len(y), bool)]
    strata = np.concatenate([sx, sy])
    keep = np.isin(strata, shared)
    if not keep.any():
        return np.nan
    values, is_x, strata = values[keep], is_x[keep], strata[keep]
    order = np.lexsort((values, strata))
    v, gx, st = values[order], is_x[order], strata[order]
    n = len(v)
    pos = np.arange(n)
    new_s = np.r_[True, st[1:] != st[:-1]]
    new_tie = new_s | np.r_[True, v[1:] != v[:-1]]
    sid = np.cumsum(new_s) - 1
    tid = np.cumsum(new_tie) - 1
    raw = pos - np.maximum.accumulate(np.where(new_s, pos, 0)) + 1  # rank within stratum
    t_count = np.bincount(tid)
    ranks = (np.bincount(tid, weights=raw) / t_count)[tid]  # mid-ranks
    tie_stratum = sid[new_tie]
    ties = np.bincount(tie_stratum, weights=t_count**3.0 - t_count)
    big_n = np.bincount(sid).astype(float)
    m = np.bincount(sid, weights=gx.astype(float))
    w = np.bincount(sid, weights=ranks * gx)
    var = m * (big_n - m) / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    t_sum = float(np.sum((w - m * (big_n + 1) / 2) / (big_n + 1)))
    v_sum = float(np.sum(var / (big_n + 1) ** 2))
    if v_sum <= 0:
        return np.nan
    return t_sum / np.sqrt(v_sum)


def _stratified_shift(
    x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray, alpha: float
) -> tuple[int, float, float, float, float]:
    """Shift of x - y compared within strata: estimate, interval and p by inverting van Elteren.

    The estimate is the shift ``d`` at which the stratified statistic of ``x - d`` against
    ``y`` crosses 0 and the interval the shifts it does not reject at ``alpha`` (the
    Hodges-Lehmann construction applied to the stratified test).  The statistic is a step
    function of ``d``: it changes only at the within-stratum pairwise differences (the
    candidates), holds one value on each open stretch between two of them and a value of its
    own at each candidate, where ties count half; all of them are read.  The interval's ends
    are the inf and sup of the shifts not rejected, so an end is a candidate or ``-inf`` /
    ``inf`` (when no shift that far is rejected: too few triggers within the months).  An end
    is open when the candidate there is itself rejected and only the stretch beside it kept;
    in particular, with ``p < alpha`` the shift 0 is rejected, so the interval does not hold
    0 even when an end is 0.  Returns the number of strata holding both groups, the
    estimate, the interval and the p-value at shift 0.
    """
    shared = np.intersect1d(sx, sy)
    if len(shared) == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    z0 = _van_elteren_z(x, y, sx, sy)
    if np.isnan(z0):
        return len(shared), np.nan, np.nan, np.nan, np.nan
    cands = np.unique(
        np.concatenate([np.subtract.outer(x[sx == st], y[sy == st]).ravel() for st in shared])
    )

    def z_at(d: float) -> float:
        return _van_elteren_z(x - d, y, sx, sy)

    # The grid holds, in order: the open ray below the first candidate, then each candidate
    # followed by the open stretch after it (read at its midpoint, the last one a ray).
    # Index 2k + 1 is candidate k; index 2k (k >= 1) the stretch between candidates k - 1, k.
    grid = np.empty(2 * len(cands) + 1)
    grid[1::2] = cands
    grid[2:-1:2] = (cands[:-1] + cands[1:]) / 2
    grid[0], grid[-1] = cands[0] - 1, cands[-1] + 1
    zs: dict[int, float] = {}

    def z_of(i: int) -> float:
        if i not in zs:
            zs[i] = z_at(grid[i])
        return zs[i]

    def first_where(pred) -> int:
        """Smallest grid index with pred(z) True (pred false then true: z is non-increasing)."""
        lo, hi = 0, len(grid)
        while lo < hi:
            mid = (lo + hi) // 2
            if pred(z_of(mid)):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def inf_where(pred) -> float:
        """inf of the shifts with pred(z) (pred false below, true above)."""
        i = first_where(pred)  # a candidate (odd) or the stretch after candidate (i - 1) // 2
        return -np.inf if i == 0 else float(cands[min((i - 1) // 2, len(cands) - 1)])

    def sup_where(pred) -> float:
        """sup of the shifts with pred(z) (pred true below, false above)."""
        j = first_where(lambda z: not pred(z)) - 1  # the last grid index where pred holds
        return np.inf if j == len(grid) - 1 else float(cands[max(j, 0) // 2])

    zq = norm_ppf(1 - alpha / 2)
    # the estimate: halfway between where the statistic stops being above 0 and where it
    # starts being below it (Hodges-Lehmann); the interval: the shifts not rejected at alpha
    estimate = (sup_where(lambda z: z > 0) + inf_where(lambda z: z < 0)) / 2
    low = inf_where(lambda z: z < zq)
    high = sup_where(lambda z: z > -zq)
    p = float(2 * norm_sf(abs(z0)))
    return len(shared), estimate, low, high, min(p, 1.0)


def _share(used: np.ndarray) -> float:
    return float(used.mean()) if len(used) else np.nan


def plan_effect(
    triggers: pd.DataFrame,
    *,
    by: Sequence[str] = ("partner",),
    min_n: int = 5,
    min_category: int = 10,
    alpha: float = 0.05,
    months: float = 3,
) -> pd.DataFrame:
    """Triggers handled with the agreed plan versus without it: intensity and minutes.

    For each couple (and partner, with the default ``by``), the triggers whose ``used_plan`` is
    recorded are split into *with the plan* and *without*; for ``intensity`` and, when logged,
    ``minutes`` (how long the trigger lasted), the difference *with minus without* is the
    Hodges-Lehmann shift (the median of all pairwise differences) with its distribution-free
    rank interval, and the Mann-Whitney test (see :func:`_hodges_lehmann` for the exact rules
    and how they match R's ``wilcox.test(x, y, conf.int=TRUE)``); and the same comparison
    within calendar months (``month_*``), as both plan use and intensity drift over the
    months (in :mod:`trustdata.synth`, where the plan has no effect at all, the whole-span
    comparison alone "finds" one for about one row in eight of the bundled cohort; requiring
    both, about one in seventy).  Rows are given for every
    category together (``category == "all"``) and for each category where both groups hold at
    least ``min_category`` triggers with the measure.

    What the data can show, and what it cannot: whether triggers *handled with the plan* were
    milder or shorter than the others.  It cannot show that the plan *made* them so: people may
    reach for the plan on milder triggers (or keep it for the worst ones), and plan use grows
    over the recovery, when triggers are milder anyway (``plan_share_first`` and
    ``plan_share_latest`` show that drift).  Every row carries :data:`PLAN_CAUTION`.

    Parameters
    ----------
    triggers : pandas.DataFrame
        Validated triggers.  Not modified.
    by : ("partner",) or ()
        ``("partner",)``: one set of rows per partner; ``()``: both partners of a couple
        pooled (``partner`` is then ``"both"``).
    min_n : int, default 5
        Fewer triggers with the measure than this in either group: ``"insufficient_data"``
        (the difference, interval and test are NaN).
    min_category : int, default 10
        Triggers per group a category needs for its own rows.
    alpha : float, default 0.05
        Test level; the interval's level is ``1 - alpha``.
    months : float, default 3
        ``plan_share_first`` / ``plan_share_latest`` are the plan shares in the first and the
        latest ``months`` of the partner's triggers (the two halves when the span is shorter
        than twice that).

    Returns
    -------
    pandas.DataFrame
        One row per couple, partner, category and measure, sorted by couple, partner,
        category (``"all"`` first, then the fixed category order) and measure; ``minutes`` rows
        only where some minutes are logged.

        - ``couple_id``, ``partner``, ``category``, ``measure`` (str)
        - ``n_plan``, ``n_no_plan`` (int64): triggers with the measure, with / without the plan.
        - ``median_plan``, ``median_no_plan`` (float): the groups' medians.
        - ``difference`` (float): Hodges-Lehmann shift, with minus without (negative: milder
          or shorter with the plan).
        - ``ci_low``, ``ci_high`` (float): its ``1 - alpha`` rank interval.
        - ``u_statistic`` (float): Mann-Whitney U of the with-plan group; ``p`` (float): its
          two-sided p-value.
        - ``n_months_compared`` (int64): calendar months holding triggers of both groups.
        - ``month_difference``, ``month_ci_low``, ``month_ci_high``, ``month_p`` (float): the
          same comparison made *within calendar months* (van Elteren's stratified Wilcoxon
          test, its shift and interval found by inverting it: :func:`_stratified_shift`), so
          that the drift of both plan use and intensity over the recovery does not pass for
          an effect of the plan.  The interval's ends are the inf and sup of the shifts the
          test does not reject: ``-inf`` / ``inf`` when it rejects none that far (too few
          triggers within the months); an end at 0 beside ``month_p < alpha`` is open (0
          itself is rejected), so that interval is clear of 0.
        - ``verdict`` (str): ``"lower_with_plan"`` / ``"higher_with_plan"`` only when the
          evidence is clear: both comparisons have ``p < alpha``, intervals excluding 0 and
          the same sign; otherwise ``"no_clear_difference"`` (not evidence of no
          difference), or ``"insufficient_data"``.
        - ``verdict_reason`` (str): what was not clear, in words: ``"p ≥ 0.05"`` or
          ``"interval reaches 0"`` (the whole span), ``"within-month p ≥ 0.05"``, ``"within-month
          interval reaches 0"``, ``"no month holds both"`` (no calendar month has triggers with
          and without the plan), ``"opposite directions"`` (the two shifts' signs differ),
          joined by "; "; ``"fewer than 5 triggers with or without the plan"`` for
          ``insufficient_data``; "" for a clear verdict.
        - ``plan_share`` (float): share of the triggers with ``used_plan`` recorded (any
          category) where the plan was used; ``plan_share_first``, ``plan_share_latest``
          (float): the same in the first and the latest ``months``.
        - ``caution`` (str): :data:`PLAN_CAUTION`.

        ``attrs["caution"]`` holds the caution too, ``attrs["rule"]`` the verdict's rule in
        words (:func:`plan_rule`).

    Raises
    ------
    ValueError
        When an option is not allowed.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> rows = [{"couple_id": "c1", "partner": "A", "timestamp": f"2025-01-{d:02d}",
    ...          "category": "media", "intensity": i, "used_plan": d > 12}
    ...         for d, i in zip(range(1, 25), [8, 7, 9, 8, 7, 8, 9, 6, 8, 7, 9, 8,
    ...                                         4, 5, 3, 4, 5, 4, 6, 3, 4, 5, 4, 3])]
    >>> out = plan_effect(as_table("triggers", rows))
    >>> out[["category", "n_plan", "n_no_plan", "difference", "verdict"]].to_numpy().tolist()
    [['all', 12, 12, -4.0, 'lower_with_plan'], ['media', 12, 12, -4.0, 'lower_with_plan']]
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    if by not in (("partner",), ()):
        raise ValueError(f"The value for `by` must be ('partner',) or (), but {by!r} was passed.")
    _check_int("min_n", min_n, 2)
    _check_int("min_category", min_category, 2)
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        raise ValueError(
            f"The value for `alpha` must be a number between 0 and 0.5, but {alpha!r} was passed."
        )
    if not isinstance(months, (int, float)) or months <= 0:
        raise ValueError(
            f"The value for `months` must be a positive number, but {months!r} was passed."
        )
    _require(triggers, ["couple_id", "partner", "timestamp", "category", "intensity"], "triggers")
    if "used_plan" not in triggers.columns or len(triggers) == 0:
        return _empty(_PLAN_EFFECT_DTYPES)
    plan = triggers["used_plan"].astype("boolean")
    known = plan.notna().to_numpy()
    if not known.any():
        return _empty(_PLAN_EFFECT_DTYPES)
    frame = pd.DataFrame(
        {
            "couple_id": triggers["couple_id"].astype(str).to_numpy(dtype=object)[known],
            "partner": (
                triggers["partner"].astype(str).to_numpy(dtype=object)[known]
                if by
                else np.full(int(known.sum()), "both", dtype=object)
            ),
            "timestamp": triggers["timestamp"].to_numpy(dtype="datetime64[ns]")[known],
            "category": _category_codes(triggers)[known],
            "used": plan.to_numpy(dtype=bool, na_value=False)[known],
            "intensity": triggers["intensity"].to_numpy(dtype=float, na_value=np.nan)[known],
            "minutes": (
                triggers["minutes"].to_numpy(dtype=float, na_value=np.nan)[known]
                if "minutes" in triggers.columns
                else np.full(int(known.sum()), np.nan)
            ),
        }
    )
    window = np.timedelta64(round(months * schemas.DAYS_PER_MONTH * 86400), "s")
    rows = []
    for (cid, partner), g in frame.groupby(["couple_id", "partner"], sort=True):
        ts = g["timestamp"].to_numpy()
        start, end = ts.min(), ts.max()
        if end - start < 2 * window:
            mid = start + (end - start) / 2
            first_mask, latest_mask = ts <= mid, ts > mid
        else:
            first_mask, latest_mask = ts < start + window, ts > end - window
        used = g["used"].to_numpy()
        month = pd.DatetimeIndex(ts).year.to_numpy() * 12 + pd.DatetimeIndex(ts).month.to_numpy()
        shares = (_share(used), _share(used[first_mask]), _share(used[latest_mask]))
        cats = [("all", np.ones(len(g), dtype=bool))] + [
            (name, g["category"].to_numpy() == i)
            for i, name in enumerate(schemas.TRIGGER_CATEGORIES)
        ]
        for cat_name, in_cat in cats:
            for measure in _PLAN_MEASURES:
                values = g[measure].to_numpy()
                has = ~np.isnan(values) & in_cat
                if measure == "minutes" and not (~np.isnan(values)).any():
                    continue
                x, y = values[has & used], values[has & ~used]
                if cat_name != "all" and min(len(x), len(y)) < min_category:
                    continue
                n_months, m_diff, m_lo, m_hi, m_p = 0, np.nan, np.nan, np.nan, np.nan
                if min(len(x), len(y)) >= min_n:
                    diff, lo, hi, u, p = _hodges_lehmann(x, y, alpha)
                    n_months, m_diff, m_lo, m_hi, m_p = _stratified_shift(
                        x, y, month[has & used], month[has & ~used], alpha
                    )
                    # clear: the whole-span and the within-month comparisons agree
                    same_sign = bool(np.sign(m_diff) == np.sign(diff))
                    reason = _plan_reason(p, lo, hi, m_p, m_lo, m_hi, same_sign, alpha)
                    clear = not reason
                    verdict = (
                        ("lower_with_plan" if diff < 0 else "higher_with_plan")
                        if clear
                        else "no_clear_difference"
                    )
                else:
                    diff = lo = hi = u = p = np.nan
                    verdict = "insufficient_data"
                    reason = f"fewer than {min_n} triggers with or without the plan"
                rows.append(
                    {
                        "couple_id": cid,
                        "partner": partner,
                        "category": cat_name,
                        "measure": measure,
                        "n_plan": len(x),
                        "n_no_plan": len(y),
                        "median_plan": float(np.median(x)) if len(x) else np.nan,
                        "median_no_plan": float(np.median(y)) if len(y) else np.nan,
                        "difference": diff,
                        "ci_low": lo,
                        "ci_high": hi,
                        "u_statistic": u,
                        "p": p,
                        "n_months_compared": n_months,
                        "month_difference": m_diff,
                        "month_ci_low": m_lo,
                        "month_ci_high": m_hi,
                        "month_p": m_p,
                        "verdict": verdict,
                        "verdict_reason": reason,
                        "plan_share": shares[0],
                        "plan_share_first": shares[1],
                        "plan_share_latest": shares[2],
                        "caution": PLAN_CAUTION,
                    }
                )
    out = pd.DataFrame(rows, columns=list(PLAN_EFFECT_COLUMNS)) if rows else None
    if out is None:
        return _empty(_PLAN_EFFECT_DTYPES)
    out = out.astype(_PLAN_EFFECT_DTYPES)
    out.attrs = {"caution": PLAN_CAUTION, "alpha": alpha, "rule": plan_rule(alpha)}
    return out


# --------------------------------------------------------------------------------------------
# Anniversaries ahead (issue 14)
# --------------------------------------------------------------------------------------------

_UPCOMING_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "event_kind": "str",
    "label": "str",
    "event_date": "datetime64[ns]",
    "anniversary": "datetime64[ns]",
    "years_since": "int64",
    "days_until": "int64",
    "on": "datetime64[ns]",
    "last_year_date": "datetime64[ns]",
    "last_year_n_triggers": "int64",
    "last_year_n_near": "int64",
    "last_year_ratio": "float64",
    "last_year_p": "float64",
    "last_year_more_often": "boolean",
}

#: Columns of :func:`upcoming_anniversaries`, in order.
UPCOMING_COLUMNS: tuple[str, ...] = tuple(_UPCOMING_DTYPES)

#: Event kinds whose yearly return :func:`upcoming_anniversaries` lists by default.
HARD_EVENT_KINDS: tuple[str, ...] = (
    "discovery",
    "disclosure",
    "new_information",
    "repeat_betrayal",
    "separation",
)

#: Holidays recognised in an event's note (label -> words looked for, lower case).  An event
#: of any kind whose note names one returns on its own date each year.
HOLIDAYS: dict[str, tuple[str, ...]] = {
    "wedding anniversary": ("wedding anniversary", "our anniversary"),
    "valentine's day": ("valentine",),
    "christmas": ("christmas", "xmas"),
    "new year": ("new year",),
    "thanksgiving": ("thanksgiving",),
    "easter": ("easter",),
    "birthday": ("birthday",),
    "mother's day": ("mother's day", "mothers day"),
    "father's day": ("father's day", "fathers day"),
    "halloween": ("halloween",),
    "hanukkah": ("hanukkah", "chanukah"),
    "diwali": ("diwali",),
    "eid": ("eid",),
}


def _holiday_label(note: object) -> str | None:
    import re  # local: the top of this module is edited by another change in parallel

    if not isinstance(note, str):
        return None
    text = note.lower()
    for label, words in HOLIDAYS.items():
        for word in words:
            # whole words only ("eid" must not match "beside")
            if re.search(r"(?<![a-z])" + re.escape(word) + r"(?![a-z])", text):
                return label
    return None


def upcoming_anniversaries(
    events: pd.DataFrame,
    triggers: pd.DataFrame,
    *,
    on: str | pd.Timestamp | None = None,
    weeks: int = 6,
    days: int = 7,
    kinds: Sequence[str] = HARD_EVENT_KINDS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Anniversaries coming up in the next ``weeks``, with how last year's went.

    The yearly returns (29 February falls on 28 February in other years, as in
    :func:`anniversary_triggers`) of each dated event of ``kinds``, and of every event whose
    note names a holiday of :data:`HOLIDAYS` (on the date the event was logged; holidays that
    move, like Easter, are approximate), that fall from ``on`` to ``on + weeks`` weeks.

    For each such anniversary and partner, last year's return (one year earlier) is weighed
    with :func:`anniversary_summary`'s rule (not a second one): it is called on that one event
    and the partner's triggers in the year centred on last year's date (182 days each side,
    cut at ``on``), so ``last_year_ratio`` is the share of that year's triggers within ``days``
    days of last year's date over the share of that year's days that lie there (about "how many
    times as often"), with its one-sided exact binomial ``last_year_p``.  No last year (the
    event is less than two years old, or the partner's triggers do not cover the days around
    last year's date): the last-year columns are 0 / NaN.

    Parameters
    ----------
    events, triggers : pandas.DataFrame
        Validated events and triggers.  Not modified.
    on : date-like, optional
        The day to look ahead from; by default each couple's latest record (trigger or event).
    weeks : int, default 6
        How far ahead to look.
    days : int, default 7
        Half-width of the window around last year's date (as in :func:`anniversary_summary`).
    kinds : sequence of str
        Event kinds whose anniversaries are listed (default :data:`HARD_EVENT_KINDS`).
    alpha : float, default 0.05
        Level of the one-sided test behind ``last_year_more_often``.

    Returns
    -------
    pandas.DataFrame
        One row per couple, anniversary and partner with triggers (partner missing when the
        couple logged no trigger), sorted by couple, anniversary date, event kind and partner.

        - ``couple_id``, ``partner`` (str)
        - ``event_kind`` (str): the event's kind; ``label`` (str): the kind, or the holiday's
          name for an event named as one.
        - ``event_date``, ``anniversary`` (datetime64[ns]): the event and its coming return.
        - ``years_since`` (int64), ``days_until`` (int64): from ``on`` to the anniversary.
        - ``on`` (datetime64[ns]): the day looked ahead from.
        - ``last_year_date`` (datetime64[ns]): the return one year earlier (NaT when before
          the event's first anniversary).
        - ``last_year_n_triggers``, ``last_year_n_near`` (int64), ``last_year_ratio``,
          ``last_year_p`` (float): :func:`anniversary_summary`'s ``n_triggers``, ``n_near``,
          ``ratio`` and ``p`` for last year (0 / NaN when there is no last year).
        - ``last_year_more_often`` (boolean, nullable): True when triggers came reliably more
          often around last year's date (``last_year_p < alpha``), False when they did not
          (tested), missing when there is no last year: the rule a page's "last year
          triggers came about N times as often" rests on.

    Raises
    ------
    ValueError
        When an option is not allowed.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [{"couple_id": "c1", "date": "2023-03-14", "kind": "discovery"}])
    >>> tr = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": f"2024-{m:02d}-{d:02d}",
    ...      "category": "media", "intensity": 5}
    ...     for m in range(1, 13) for d in (5, 20)] + [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": t, "category": "media",
    ...      "intensity": 8} for t in ("2024-03-12", "2024-03-15")])
    >>> out = upcoming_anniversaries(ev, tr, on="2025-02-10")
    >>> out[["label", "anniversary", "days_until", "last_year_n_near"]].to_numpy().tolist()
    [['discovery', Timestamp('2025-03-14 00:00:00'), 32, 3]]
    """
    _check_int("weeks", weeks, 1)
    kinds = _anniversary_args(days, kinds)
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        raise ValueError(
            f"The value for `alpha` must be a number between 0 and 0.5, but {alpha!r} was passed."
        )
    _require(events, ["couple_id", "date", "kind"], "events")
    _require(triggers, ["couple_id", "partner", "timestamp"], "triggers")
    on_ts = None
    if on is not None:
        on_ts = _parse_since(on, name="on")
    if len(events) == 0:
        return _empty(_UPCOMING_DTYPES)
    kind_text = events["kind"].astype(object)
    notes = events["note"] if "note" in events.columns else pd.Series(None, index=events.index)
    labels = notes.map(_holiday_label)
    hard = kind_text.isin(kinds).to_numpy()
    holiday = labels.notna().to_numpy()
    sel = (hard | holiday) & events["date"].notna().to_numpy()
    if not sel.any():
        return _empty(_UPCOMING_DTYPES)
    ev = pd.DataFrame(
        {
            "couple_id": events["couple_id"].astype(str).to_numpy(dtype=object)[sel],
            "event_kind": kind_text.to_numpy(dtype=object)[sel],
            "label": np.where(
                hard, kind_text.to_numpy(dtype=object), labels.to_numpy(dtype=object)
            )[sel],
            "event_date": events["date"].to_numpy(dtype="datetime64[ns]")[sel],
            "row": np.flatnonzero(sel),
        }
    ).drop_duplicates(["couple_id", "event_kind", "label", "event_date"])
    ev["event_date"] = ev["event_date"].astype("datetime64[ns]").dt.normalize()
    if on_ts is None:
        latest = pd.concat(
            [
                events[["couple_id", "date"]].rename(columns={"date": "t"}),
                triggers[["couple_id", "timestamp"]].rename(columns={"timestamp": "t"}),
            ],
            ignore_index=True,
        )
        latest["couple_id"] = latest["couple_id"].astype(str)
        last_of = latest.groupby("couple_id")["t"].max().dt.normalize()
        ev["on"] = ev["couple_id"].map(last_of).astype("datetime64[ns]")
    else:
        ev["on"] = np.datetime64(on_ts.to_datetime64(), "ns")
    horizon = ev["on"] + pd.Timedelta(weeks=weeks)
    found = []
    year0 = ev["on"].dt.year.to_numpy()
    for shift in (0, 1):
        year = year0 + shift
        ann = _anniversary_dates(ev["event_date"], year)
        ok = (
            (ann >= ev["on"].to_numpy())
            & (ann <= horizon.to_numpy())
            & (year > ev["event_date"].dt.year.to_numpy())
        )
        part = ev.loc[ok].copy()
        part["anniversary"] = ann[ok]
        part["year"] = year[ok]
        found.append(part)
    up = pd.concat(found, ignore_index=True)
    if up.empty:
        return _empty(_UPCOMING_DTYPES)
    up["years_since"] = up["year"] - up["event_date"].dt.year
    up["days_until"] = (up["anniversary"] - up["on"]).dt.days
    up["last_year_date"] = np.where(
        up["years_since"].to_numpy() >= 2,
        _anniversary_dates(up["event_date"], up["year"].to_numpy() - 1),
        np.datetime64("NaT", "ns"),
    )
    trig = triggers.assign(_cid=triggers["couple_id"].astype(str))
    out_rows = []
    for rec in up.itertuples(index=False):
        mine = trig.loc[trig["_cid"] == rec.couple_id]
        partners = sorted(mine["partner"].astype(str).unique()) or [None]
        summary = None
        if not pd.isna(rec.last_year_date):
            centre = pd.Timestamp(rec.last_year_date)
            lo = centre - pd.Timedelta(days=182)
            hi = min(centre + pd.Timedelta(days=183), pd.Timestamp(rec.on))
            near_year = mine.loc[(mine["timestamp"] >= lo) & (mine["timestamp"] < hi)]
            one_event = events.iloc[[rec.row]]
            if len(near_year):
                summary = anniversary_summary(
                    near_year.drop(columns="_cid"), one_event, days=days, kinds=(rec.event_kind,)
                )
                # the days around last year's date must lie inside the partner's span
                summary = summary.loc[summary["days_near"] == 2 * days + 1]
        for partner in partners:
            row = {
                "couple_id": rec.couple_id,
                "partner": partner,
                "event_kind": rec.event_kind,
                "label": rec.label,
                "event_date": rec.event_date,
                "anniversary": rec.anniversary,
                "years_since": rec.years_since,
                "days_until": rec.days_until,
                "on": rec.on,
                "last_year_date": rec.last_year_date,
                "last_year_n_triggers": 0,
                "last_year_n_near": 0,
                "last_year_ratio": np.nan,
                "last_year_p": np.nan,
                "last_year_more_often": pd.NA,
            }
            if summary is not None and partner is not None:
                s = summary.loc[summary["partner"].astype(str) == partner]
                if len(s):
                    row["last_year_n_triggers"] = int(s["n_triggers"].iloc[0])
                    row["last_year_n_near"] = int(s["n_near"].iloc[0])
                    row["last_year_ratio"] = float(s["ratio"].iloc[0])
                    row["last_year_p"] = float(s["p"].iloc[0])
                    if not np.isnan(row["last_year_p"]):
                        row["last_year_more_often"] = bool(row["last_year_p"] < alpha)
            out_rows.append(row)
    out = pd.DataFrame(out_rows, columns=list(UPCOMING_COLUMNS))
    out = out.sort_values(
        ["couple_id", "anniversary", "event_kind", "partner"], kind="stable", na_position="first"
    )
    return out.reset_index(drop=True).astype(_UPCOMING_DTYPES)


__all__ += [
    "PLAN_EFFECT_COLUMNS",
    "PLAN_VERDICTS",
    "PLAN_CAUTION",
    "plan_rule",
    "UPCOMING_COLUMNS",
    "HARD_EVENT_KINDS",
    "HOLIDAYS",
    "plan_effect",
    "upcoming_anniversaries",
]

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
from scipy import special, stats

from trustdata import schemas
from trustdata._frames import (
    _check_choice,
    _check_int,
    _check_level,
    _check_measure,
    _empty,
    _grid,
    _parse_since,
    _require,
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
    "MONTHLY_COLUMNS",
    "SINCE_COLUMNS",
    "weekly_trend",
    "trend_summary",
    "monthly_scores",
    "changes_since",
]

# Each output's columns in order with their dtypes (the public column tuples are read from these).
_WEEKLY_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "week": "datetime64[ns]",
    "measure": "str",
    "score": "float64",
    "n_checkins": "int64",
    "rolling_mean": "float64",
    "rolling_sd": "float64",
    "rolling_n": "int64",
    "band_low": "float64",
    "band_high": "float64",
    "weeks_since_first": "int64",
    "weeks_since_anchor": "float64",
}
_SUMMARY_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "measure": "str",
    "n_checkins": "int64",
    "n_weeks": "int64",
    "first_date": "datetime64[ns]",
    "last_date": "datetime64[ns]",
    **{
        c: "float64"
        for c in (
            "slope_per_month",
            "slope_low",
            "slope_high",
            "mk_tau",
            "mk_p",
            "first_month_mean",
            "latest_month_mean",
            "s_pre",
            "rci",
        )
    },
    "change": "str",
}

#: Columns of :func:`weekly_trend`, in order.
WEEKLY_TREND_COLUMNS: tuple[str, ...] = tuple(_WEEKLY_DTYPES)
#: Columns of :func:`trend_summary`, in order.
TREND_SUMMARY_COLUMNS: tuple[str, ...] = tuple(_SUMMARY_DTYPES)


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
            half = stats.t.ppf((1 + level) / 2, count - 1) * sd / np.sqrt(count)
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
            "measure": pd.Series(np.full(size, measure, dtype=object), dtype="str"),
            "score": score,
            "n_checkins": n_checkins,
            "rolling_mean": mean,
            "rolling_sd": sd,
            "rolling_n": count,
            "band_low": mean - half,
            "band_high": mean + half,
            "weeks_since_first": offset,
            "weeks_since_anchor": since_anchor.astype(float),
        }
    )
    return out.astype(_WEEKLY_DTYPES)


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
        Reliability of the weekly score, for the Reliable Change Index (Jacobson & Truax 1991,
        *J. Consult. Clin. Psychol.* 59(1), 12-19).  No published test-retest value exists for
        this one-item weekly rating, so the default is a conventional middle value: estimates
        for single-item global ratings lie around 0.7 (overall job satisfaction: Wanous,
        Reichers & Hudy 1997, *J. Appl. Psychol.* 82(2); life satisfaction: Cheung & Lucas
        2014, *Qual. Life Res.* 23(10)), and one-to-two-week test-retest correlations of such
        items reach about 0.8-0.9.  A lower ``r`` widens the band of "no reliable change"
        (``r=0.7`` is the stricter choice); set your instrument's own value when you know it.
        Must be in [0, 1).
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
    _check_measure(measure)
    if not isinstance(r, (int, float, np.floating)) or not 0 <= float(r) < 1:
        raise ValueError(f"The value for `r` must be a number in [0, 1), but {r!r} was passed.")
    _check_int("baseline_weeks", baseline_weeks, 2)
    _check_int("month_weeks", month_weeks, 1)
    _check_level("level", level)
    _check_int("min_weeks", min_weeks, 2)
    table, a = _weekly_scores(checkins, measure)
    n_series = len(table)
    if n_series == 0:
        return _empty(_SUMMARY_DTYPES)
    sid, score = a["sid"], a["score"]
    offset = a["week"] - a["first"][sid]
    span = (a["last"] - a["first"] + 1)[sid]
    months = offset * 7 / schemas.DAYS_PER_MONTH
    ts = _trend_stats(sid, months, score, n_series, level=level, min_n=min_weeks)

    def mean_where(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cnt = np.bincount(sid[mask], minlength=n_series)
        tot = np.bincount(sid[mask], weights=score[mask], minlength=n_series)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan), cnt

    first_mean, _ = mean_where(offset < month_weeks)
    latest_mean, _ = mean_where(offset >= span - month_weeks)
    rank = np.arange(len(sid)) - np.concatenate([[0], np.cumsum(ts["n"])[:-1]])[sid]
    base = rank < baseline_weeks
    base_mean, base_n = mean_where(base)
    dev = np.bincount(
        sid[base], weights=(score[base] - base_mean[sid[base]]) ** 2, minlength=n_series
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        s_pre = np.where(base_n >= 2, np.sqrt(dev / np.maximum(base_n - 1, 1)), np.nan)
        sdiff = np.sqrt(2.0 * (s_pre * np.sqrt(1.0 - r)) ** 2)
        rci = (latest_mean - first_mean) / sdiff
    n_span = a["last"] - a["first"] + 1
    ok = (
        (n_span >= 2 * month_weeks)
        & ~np.isnan(first_mean)
        & ~np.isnan(latest_mean)
        & (base_n >= 2)
        & (s_pre > 0)
    )
    rci = np.where(ok, rci, np.nan)
    change = np.where(
        ~ok,
        "insufficient_data",
        np.where(rci > 1.96, "improved", np.where(rci < -1.96, "deteriorated", "unchanged")),
    )
    out = pd.DataFrame(
        {
            "couple_id": table["couple_id"],
            "partner": table["partner"],
            "measure": measure,
            "n_checkins": a["n_checkins"],
            "n_weeks": ts["n"],
            "first_date": a["first_date"],
            "last_date": a["last_date"],
            "slope_per_month": ts["slope"],
            "slope_low": ts["low"],
            "slope_high": ts["high"],
            "mk_tau": ts["tau"],
            "mk_p": ts["p"],
            "first_month_mean": first_mean,
            "latest_month_mean": latest_mean,
            "s_pre": s_pre,
            "rci": rci,
            "change": change.astype(object),
        }
    )
    return out.astype(_SUMMARY_DTYPES)


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
    order = np.lexsort((x, sid))
    x, y = x[order], y[order]
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    z = stats.norm.ppf((1.0 - level) / 2.0)
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


_MONTHLY_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "month": "datetime64[ns]",
    "measure": "str",
    "mean": "float64",
    "n_checkins": "int64",
}
_SINCE_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "measure": "str",
    "before_start": "datetime64[ns]",
    "since": "datetime64[ns]",
    "until": "datetime64[ns]",
    "checkins_before": "int64",
    "mean_before": "float64",
    "checkins_since": "int64",
    "mean_since": "float64",
    "difference": "float64",
    "triggers_before": "int64",
    "triggers_since": "int64",
    "major_triggers_since": "int64",
}

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
    """What changed since a date (the last session), per partner, against as long a span before.

    The span *since* runs from ``since`` to the couple's latest record (check-in, trigger or
    event); the span *before* is as many days (at least 28) just before ``since``.

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
        One row per couple and partner with a check-in, sorted by both.

        - ``couple_id``, ``partner``, ``measure`` (str)
        - ``before_start``, ``since``, ``until`` (datetime64[ns]): the spans' limits
          (``[before_start, since)`` and ``[since, until]``).
        - ``checkins_before``, ``checkins_since`` (int64): check-ins with the measure in each.
        - ``mean_before``, ``mean_since`` (float): their mean score (NaN when none).
        - ``difference`` (float): ``mean_since - mean_before``.
        - ``triggers_before``, ``triggers_since`` (int64): triggers logged in each span.
        - ``major_triggers_since`` (int64): triggers since with intensity at least
          :data:`trustdata.schemas.MAJOR_TRIGGER_INTENSITY`.

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

    pairs = ci[["couple_id", "partner"]].drop_duplicates().sort_values(["couple_id", "partner"])
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
    return out[list(SINCE_COLUMNS)]

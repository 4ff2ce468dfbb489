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

import numpy as np
import pandas as pd
from scipy import special

from trustdata import schemas
from trustdata._frames import (
    _check_int,
    _check_measure,
    _empty,
    _grid,
    _take,
    _trailing,
    _week_dates,
    _weekly_scores,
)
from trustdata.trends import _trend_stats

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

# Each output's columns in order with their dtypes (the public column tuples are read from these).
_GAP_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "week": "datetime64[ns]",
    "partner_a": "str",
    "partner_b": "str",
    "measure": "str",
    "score_a": "float64",
    "score_b": "float64",
    "gap": "float64",
    "abs_gap": "float64",
    "rolling_gap": "float64",
    "rolling_abs_gap": "float64",
    "rolling_n": "int64",
}
_GAP_TREND_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner_a": "str",
    "partner_b": "str",
    "measure": "str",
    "n_weeks": "int64",
    "first_week": "datetime64[ns]",
    "last_week": "datetime64[ns]",
    **{
        c: "float64"
        for c in (
            "mean_gap",
            "mean_abs_gap",
            "slope_per_month",
            "slope_low",
            "slope_high",
            "mk_tau",
            "mk_p",
        )
    },
    "diverging": "bool",
}
_LAG_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner_a": "str",
    "partner_b": "str",
    "measure": "str",
    "lag": "int64",
    "n_weeks": "int64",
    "r": "float64",
    "p": "float64",
}
_LEADER_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner_a": "str",
    "partner_b": "str",
    "measure": "str",
    "best_lag": "float64",
    "n_weeks": "float64",
    "r": "float64",
    "p": "float64",
    "leader": "str",
}

#: Columns of :func:`partner_gap`, in order.
GAP_COLUMNS: tuple[str, ...] = tuple(_GAP_DTYPES)
#: Columns of :func:`gap_trend`, in order.
GAP_TREND_COLUMNS: tuple[str, ...] = tuple(_GAP_TREND_DTYPES)
#: Columns of :func:`lagged_correlation`, in order.
LAG_COLUMNS: tuple[str, ...] = tuple(_LAG_DTYPES)
#: Columns of :func:`leader_summary`, in order.
LEADER_COLUMNS: tuple[str, ...] = tuple(_LEADER_DTYPES)


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
    _check_measure(measure)
    _check_int("window", window, 1)
    pairs = _pairs(checkins, measure)
    if pairs is None or len(pairs["shared_week"]) == 0:
        return _empty(_GAP_DTYPES)
    cid, week, sa, sb = pairs["shared_couple"], pairs["shared_week"], pairs["sa"], pairs["sb"]
    n_couples = len(pairs["couples"])
    first = np.full(n_couples, np.iinfo(np.int64).max)
    last = np.full(n_couples, np.iinfo(np.int64).min)
    np.minimum.at(first, cid, week)
    np.maximum.at(last, cid, week)
    has = np.bincount(cid, minlength=n_couples) > 0
    first, last = np.where(has, first, 0), np.where(has, last, -1)
    gcid, offset, start = _grid(first, last)
    gap = np.full(len(gcid), np.nan)
    at = start[cid] + week - first[cid]
    gap[at] = sa - sb
    roll, _, count = _trailing(gap, offset, window)
    roll_abs, _, _ = _trailing(np.abs(gap), offset, window)
    couples = pairs["couples"]
    out = pd.DataFrame(
        {
            "couple_id": _take(couples["couple_id"], cid),
            "week": _week_dates(week),
            "partner_a": _take(couples["partner_a"], cid),
            "partner_b": _take(couples["partner_b"], cid),
            "measure": measure,
            "score_a": sa,
            "score_b": sb,
            "gap": sa - sb,
            "abs_gap": np.abs(sa - sb),
            "rolling_gap": roll[at],
            "rolling_abs_gap": roll_abs[at],
            "rolling_n": count[at],
        }
    )
    return out.astype(_GAP_DTYPES)


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
    ...         for p, s in [("A", min(10, 3 + i)), ("B", 3)]]
    >>> out = gap_trend(as_table("checkins", rows))
    >>> int(out["n_weeks"].iloc[0]), bool(out["diverging"].iloc[0])
    (10, True)
    """
    _check_measure(measure)
    if not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 0.5:
        raise ValueError(
            f"The value for `alpha` must be a number between 0 and 0.5, but {alpha!r} was passed."
        )
    _check_int("min_weeks", min_weeks, 2)
    return _gap_trend_of(partner_gap(checkins, measure=measure), measure, alpha, min_weeks)


def _gap_trend_of(gaps: pd.DataFrame, measure: str, alpha: float, min_weeks: int) -> pd.DataFrame:
    """:func:`gap_trend` of ``gaps = partner_gap(checkins, measure=measure)`` (default window),
    for a caller that holds that frame already (its options checked by the caller)."""
    if gaps.empty:
        return _empty(_GAP_TREND_DTYPES)
    codes, keys = pd.factorize(gaps["couple_id"], sort=True)
    n = len(keys)
    wk = gaps["week"].to_numpy(dtype="datetime64[ns]")
    first = pd.Series(wk).groupby(codes).min().to_numpy(dtype="datetime64[ns]")
    last = pd.Series(wk).groupby(codes).max().to_numpy(dtype="datetime64[ns]")
    months = (wk - first[codes]) / np.timedelta64(1, "D") / schemas.DAYS_PER_MONTH
    abs_gap = gaps["abs_gap"].to_numpy(dtype=float)
    ts = _trend_stats(codes, months, abs_gap, n, level=1 - alpha, min_n=min_weeks)
    count = ts["n"]
    mean_gap = np.bincount(codes, weights=gaps["gap"].to_numpy(dtype=float), minlength=n) / count
    mean_abs = np.bincount(codes, weights=abs_gap, minlength=n) / count
    diverging = (count >= min_weeks) & (ts["p"] < alpha) & (ts["tau"] > 0) & (ts["low"] > 0)
    firsts = np.unique(codes, return_index=True)[1]
    out = pd.DataFrame(
        {
            "couple_id": _take(gaps["couple_id"], firsts),
            "partner_a": _take(gaps["partner_a"], firsts),
            "partner_b": _take(gaps["partner_b"], firsts),
            "measure": measure,
            "n_weeks": count,
            "first_week": first,
            "last_week": last,
            "mean_gap": mean_gap,
            "mean_abs_gap": mean_abs,
            "slope_per_month": ts["slope"],
            "slope_low": ts["low"],
            "slope_high": ts["high"],
            "mk_tau": ts["tau"],
            "mk_p": ts["p"],
            "diverging": diverging,
        }
    )
    return out.astype(_GAP_TREND_DTYPES)


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
    _check_measure(measure)
    _check_int("max_lag", max_lag, 0)
    _check_int("min_pairs", min_pairs, 3)
    pairs = _pairs(checkins, measure)
    if pairs is None:
        return _empty(_LAG_DTYPES)
    couples = pairs["couples"]
    n_couples = len(couples)
    first = np.minimum(pairs["first_a"], pairs["first_b"])
    last = np.maximum(pairs["last_a"], pairs["last_b"])
    gcid, offset, start = _grid(first, last)
    length = (last - first + 1)[gcid]
    size = len(gcid)
    changes = []
    for side in ("a", "b"):
        score = np.full(size, np.nan)
        cid, week, value = pairs[f"cid_{side}"], pairs[f"week_{side}"], pairs[f"score_{side}"]
        score[start[cid] + week - first[cid]] = value
        change = np.full(size, np.nan)
        change[1:] = score[1:] - score[:-1]
        change[offset == 0] = np.nan
        changes.append(change)
    da, db = changes
    lags = np.arange(-max_lag, max_lag + 1)
    rows = []
    for lag in lags:
        later = np.full(size, np.nan)
        inside = (offset + lag >= 0) & (offset + lag < length)
        later[inside] = db[np.flatnonzero(inside) + lag]
        ok = ~np.isnan(da) & ~np.isnan(later)
        r, p, n = _pearson_by_group(gcid[ok], da[ok], later[ok], n_couples, min_pairs)
        rows.append(
            pd.DataFrame({"cid": np.arange(n_couples), "lag": lag, "n_weeks": n, "r": r, "p": p})
        )
    res = pd.concat(rows, ignore_index=True).sort_values(["cid", "lag"], kind="stable")
    cid = res["cid"].to_numpy()
    out = pd.DataFrame(
        {
            "couple_id": _take(couples["couple_id"], cid),
            "partner_a": _take(couples["partner_a"], cid),
            "partner_b": _take(couples["partner_b"], cid),
            "measure": measure,
            "lag": res["lag"].to_numpy(),
            "n_weeks": res["n_weeks"].to_numpy(),
            "r": res["r"].to_numpy(),
            "p": res["p"].to_numpy(),
        }
    )
    return out.astype(_LAG_DTYPES)


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
    >>> leader_summary(lagged)[["best_lag", "leader"]].to_numpy().tolist()
    [[1.0, 'A']]
    """
    if not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(
            f"The value for `alpha` must be a number between 0 and 1, but {alpha!r} was passed."
        )
    missing = [c for c in LAG_COLUMNS if c not in lagged.columns]
    if missing:
        raise ValueError(
            f"The `lagged` frame must be the output of lagged_correlation(); it lacks {missing}."
        )
    if lagged.empty:
        return _empty(_LEADER_DTYPES)
    df = lagged[list(LAG_COLUMNS)].copy()
    df["_abs_r"] = -df["r"].abs()
    df["_abs_lag"] = df["lag"].abs()
    df = df.sort_values(
        ["couple_id", "_abs_r", "_abs_lag", "lag"], kind="stable", na_position="last"
    )
    best = df.groupby("couple_id", sort=True).head(1).reset_index(drop=True)
    has_r = best["r"].notna().to_numpy()
    lag = np.where(has_r, best["lag"].to_numpy(dtype=float), np.nan)
    sig = has_r & (best["p"].to_numpy(dtype=float) < alpha)
    leader = np.select(
        [~sig, lag > 0, lag < 0],
        [
            "none",
            best["partner_a"].to_numpy(dtype=object),
            best["partner_b"].to_numpy(dtype=object),
        ],
        default="together",
    )
    out = pd.DataFrame(
        {
            "couple_id": best["couple_id"],
            "partner_a": best["partner_a"],
            "partner_b": best["partner_b"],
            "measure": best["measure"],
            "best_lag": lag,
            "n_weeks": np.where(has_r, best["n_weeks"].to_numpy(dtype=float), np.nan),
            "r": best["r"].to_numpy(dtype=float),
            "p": best["p"].to_numpy(dtype=float),
            "leader": leader.astype(object),
        }
    )
    return out.astype(_LEADER_DTYPES)


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _pairs(checkins: pd.DataFrame, measure: str) -> dict | None:
    """Weekly scores of partner A and B of every couple with two partners with a score.

    Returns None when no couple has two such partners.  Otherwise a dict with ``couples`` (a
    frame: couple_id, partner_a, partner_b), per side ``cid_a``/``week_a``/``score_a`` (and b)
    for every week with a score, ``first_a``/``last_a`` (and b) week numbers per couple, and the
    weeks both have a score: ``shared_couple``, ``shared_week``, ``sa``, ``sb``.
    """
    table, a = _weekly_scores(checkins, measure)
    if len(table) == 0:
        return None
    rank = table.groupby("couple_id", sort=False).cumcount().to_numpy()
    is_a, is_b = rank == 0, rank == 1
    b_couples = set(table.loc[is_b, "couple_id"])
    in_pair = table["couple_id"].isin(b_couples).to_numpy()
    is_a &= in_pair
    if not is_b.any():
        return None
    couples = pd.DataFrame(
        {
            "couple_id": table.loc[is_a, "couple_id"].reset_index(drop=True),
            "partner_a": table.loc[is_a, "partner"].reset_index(drop=True),
            "partner_b": table.loc[is_b, "partner"].reset_index(drop=True),
        }
    )
    n_couples = len(couples)
    couple_of = np.full(len(table), -1)
    couple_of[is_a] = np.arange(n_couples)
    couple_of[is_b] = np.arange(n_couples)
    out: dict = {"couples": couples}
    sid = a["sid"]
    wmin = int(a["week"].min())
    span = int(a["week"].max()) - wmin + 1
    keys = {}
    for side, mask in (("a", is_a), ("b", is_b)):
        sel = mask[sid]
        cid = couple_of[sid[sel]]
        out[f"cid_{side}"] = cid
        out[f"week_{side}"] = a["week"][sel]
        out[f"score_{side}"] = a["score"][sel]
        out[f"first_{side}"] = a["first"][mask]
        out[f"last_{side}"] = a["last"][mask]
        keys[side] = cid.astype(np.int64) * span + (a["week"][sel] - wmin)
    _, ia, ib = np.intersect1d(keys["a"], keys["b"], assume_unique=True, return_indices=True)
    out["shared_couple"] = out["cid_a"][ia]
    out["shared_week"] = out["week_a"][ia]
    out["sa"] = out["score_a"][ia]
    out["sb"] = out["score_b"][ib]
    return out


def _pearson_by_group(
    group: np.ndarray, x: np.ndarray, y: np.ndarray, n_groups: int, min_pairs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson's r and its two-sided p-value per group, as scipy.stats.pearsonr.

    The p-value is that of scipy: ``2 * P(|R| >= |r|)`` with R ~ Beta(n/2 - 1, n/2 - 1) on
    [-1, 1].  Groups with fewer than ``min_pairs`` pairs or a constant x or y get NaN.
    """
    n = np.bincount(group, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(group, weights=x, minlength=n_groups) / n
        my = np.bincount(group, weights=y, minlength=n_groups) / n
        dx = x - mx[group]
        dy = y - my[group]
        sxx = np.bincount(group, weights=dx * dx, minlength=n_groups)
        syy = np.bincount(group, weights=dy * dy, minlength=n_groups)
        sxy = np.bincount(group, weights=dx * dy, minlength=n_groups)
        r = np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
    const = np.zeros(n_groups, dtype=bool)
    for v in (x, y):
        lo = np.full(n_groups, np.inf)
        hi = np.full(n_groups, -np.inf)
        np.minimum.at(lo, group, v)
        np.maximum.at(hi, group, v)
        const |= lo == hi
    bad = (n < min_pairs) | const
    r[bad] = np.nan
    ab = n / 2.0 - 1
    with np.errstate(invalid="ignore"):
        p = 2.0 * special.betainc(ab, ab, 0.5 * (1.0 - np.abs(r)))
    p[bad] = np.nan
    return r, np.minimum(p, 1.0), n

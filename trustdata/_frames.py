"""Shared private helpers of the analysis modules (trends, dyad, triggers, setbacks, milestones).

Argument checks that raise the house ``ValueError`` sentences, week numbering (weeks Monday to
Sunday, :data:`trustdata.schemas.WEEK_FREQ`), and the one place where a week's score is computed:
:func:`_weekly_scores` (the mean of a partner's check-ins with a score in that week).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trustdata import schemas

_NS_PER_DAY = 86_400 * 10**9
#: 1970-01-05 was a Monday: week index 0 is the week starting on that day.
_EPOCH_MONDAY_DAYS = 4


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(
            f"The value for `{name}` must be one of {list(allowed)}, but {value!r} was passed."
        )


def _check_measure(measure: object) -> None:
    """``measure`` must name a score column (:data:`trustdata.schemas.SCORE_COLUMNS`)."""
    _check_choice("measure", measure, schemas.SCORE_COLUMNS)


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"The value for `{name}` must be an integer of at least {minimum}, "
            f"but {value!r} was passed."
        )


def _check_level(name: str, value: object, low: float = 0.5) -> None:
    if not isinstance(value, (int, float, np.floating)) or not low < float(value) < 1:
        raise ValueError(
            f"The value for `{name}` must be a number between {low} and 1, "
            f"but {value!r} was passed."
        )


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The {what} frame must have the columns {list(columns)}, but {missing} "
            f"{'is' if len(missing) == 1 else 'are'} missing (columns: {list(frame.columns)})."
        )


def _empty(dtypes: dict[str, str]) -> pd.DataFrame:
    """An empty frame with these columns and dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in dtypes.items()})


def _day_index(values: pd.Series | np.ndarray) -> np.ndarray:
    """Whole days since 1970-01-01 (floor) of datetime64 values."""
    ns = np.asarray(values, dtype="datetime64[ns]").astype(np.int64)
    return ns // _NS_PER_DAY


def _week_index(values: pd.Series | np.ndarray) -> np.ndarray:
    """Week number (weeks Monday-Sunday, :data:`schemas.WEEK_FREQ`) of datetime64 values."""
    return (_day_index(values) - _EPOCH_MONDAY_DAYS) // 7


def _week_dates(index: np.ndarray) -> np.ndarray:
    """The Monday of each week number, as datetime64[ns]."""
    days = np.asarray(index, dtype=np.int64) * 7 + _EPOCH_MONDAY_DAYS
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _series_codes(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer code of each row's series (sorted order) and the table of series keys."""
    columns = [frame[k] for k in keys]
    runs = _sorted_runs(columns) if _plain_str(columns) else None
    if runs is not None:  # rows already sorted by the keys (logs as loaded): no groupby
        codes, heads = runs
        table = {k: pd.Series(h, dtype="str") for k, h in zip(keys, heads, strict=True)}
        return codes, pd.DataFrame(table)
    grouped = frame.groupby(list(keys), sort=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    table = grouped.size().index.to_frame(index=False)
    return codes, table


def _plain_str(columns: Sequence[pd.Series]) -> bool:
    """``str`` columns without missing values (whose sorted order Arrow's comparisons give)."""
    return bool(columns) and all(c.dtype == "str" and not c.hasnans for c in columns)


def _sorted_runs(columns: Sequence[pd.Series]) -> tuple[np.ndarray, list[pa.Array]] | None:
    """When the rows are sorted by the ``str`` key columns (:func:`_plain_str`), each row's
    run of equal keys (0, 1, ... in order: the codes a sorted groupby gives) and the keys of
    each run; else None.  Runs are told by comparing each row's keys with the previous row's
    (Arrow's string comparisons: code point order, as Python's and pandas' sort), and the
    order by comparing each run's keys with the previous run's, so no sort is needed."""
    arrays = [pa.array(c) for c in columns]  # the columns' own Arrow data
    n = len(arrays[0])
    if n == 0:
        return None
    change = None
    for a in arrays:
        ne = pc.not_equal(a.slice(1), a.slice(0, n - 1))
        change = ne if change is None else pc.or_(change, ne)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = change.to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(new)
    heads = [a.take(pa.array(starts)) for a in arrays]
    m = len(starts)
    if m > 1:  # each run's keys strictly after the previous run's, lexicographically
        after = same = None
        for h in heads:
            gt = pc.greater(h.slice(1), h.slice(0, m - 1))
            eq = pc.equal(h.slice(1), h.slice(0, m - 1))
            after = gt if after is None else pc.or_(after, pc.and_(same, gt))
            same = eq if same is None else pc.and_(same, eq)
        if not pc.all(after).as_py():
            return None
    codes = np.cumsum(new, dtype=np.int64)
    codes -= 1
    return codes, heads


def _str_take(labels: Sequence[str], codes: np.ndarray) -> pd.Series:
    """A ``str`` Series of ``labels[codes]`` (one Arrow take, no Python objects per row)."""
    values = pa.array(list(labels), type=pa.large_string()).take(pa.array(codes))
    return pd.Series(values, dtype="str")


def _take(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """``column.take(positions)`` with a fresh index; for an Arrow string column one Arrow take
    (pandas' own ``take`` checks and converts the positions first: ten times the cost on a
    million rows).  ``positions`` must be valid (0 <= p < len), as every caller's are."""
    values = column.array
    arrow = getattr(values, "_pa_array", None)
    if arrow is not None and isinstance(values, pd.arrays.ArrowStringArray):
        taken = arrow.take(pa.array(positions, type=pa.int64()))
        return pd.Series(type(values)(taken, dtype=column.dtype), name=column.name, copy=False)
    return column.take(positions).reset_index(drop=True)


def _grid(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every integer step from ``first`` to ``last`` (inclusive) of each series.

    Returns the series of each grid row, its offset from the series' first step and the start row
    of each series in the grid.
    """
    length = np.maximum(last - first + 1, 0)
    start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    sid = np.repeat(np.arange(len(first)), length)
    offset = np.arange(int(length.sum()), dtype=np.int64) - start[sid]
    return sid, offset, start


def _trailing(
    values: np.ndarray, offset: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trailing mean, SD (ddof=1) and count of non-NaN values over ``window`` grid steps.

    ``values`` is a grid sorted by series and step, ``offset`` each row's step within its series
    (a window never reaches into the previous series).  Exact two-pass sums, no running totals.
    """
    n = len(values)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    total = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    # Step k adds the value k rows back where that row is in the same series (offset >= k): the
    # same sums, in the same order, as adding it or 0.0 to every row, without a shifted copy.
    # (k >= n: no row is k rows into its series)
    steps = range(min(window, n))
    reach = [offset[k:] >= k for k in steps]
    for k in steps:
        np.add(total[k:], filled[: n - k], out=total[k:], where=reach[k])
        np.add(count[k:], present[: n - k], out=count[k:], where=reach[k], casting="unsafe")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        squares = np.zeros(n)
        for k in steps:
            dev = values[: n - k] - mean[k:]
            np.square(dev, out=dev)
            np.add(squares[k:], dev, out=squares[k:], where=reach[k] & present[: n - k])
        sd = np.where(count >= 2, np.sqrt(squares / np.maximum(count - 1, 1)), np.nan)
    return mean, sd, count


def _weekly_scores(checkins: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, dict]:
    """Weekly mean score per couple, partner and week (only weeks with a score).

    The one place where a week's score is computed: the mean of the partner's check-ins with a
    score (and a date) in that Monday-Sunday week.

    Returns the series table (couple_id, partner, sorted) and arrays: ``sid`` (series of each
    week), ``week`` (week number), ``score``, ``n`` (check-ins), ``first``/``last`` (week numbers
    per series), ``n_checkins``, ``first_date``/``last_date`` (per series, datetime64[ns]).
    """
    _require(checkins, ["couple_id", "partner", "date"], "check-ins")
    if measure in checkins.columns:
        mask = checkins[measure].notna().to_numpy() & checkins["date"].notna().to_numpy()
    else:
        mask = np.zeros(len(checkins), dtype=bool)
    n_rows = int(mask.sum())
    if n_rows == 0:
        table = pd.DataFrame(
            {"couple_id": pd.Series([], dtype="str"), "partner": pd.Series([], dtype="str")}
        )
        empty_i = np.array([], dtype=np.int64)
        arrays = {
            "sid": empty_i,
            "week": empty_i,
            "score": np.array([], dtype=float),
            "n": empty_i,
            "first": empty_i,
            "last": empty_i,
            "n_checkins": empty_i,
            "first_date": np.array([], dtype="datetime64[ns]"),
            "last_date": np.array([], dtype="datetime64[ns]"),
        }
        return table, arrays
    every = n_rows == len(checkins)  # (then no copy of the selected rows)
    values = checkins[measure].to_numpy(dtype=float, na_value=np.nan)
    date_ns = checkins["date"].to_numpy(dtype="datetime64[ns]")
    if not every:
        values, date_ns = values[mask], date_ns[mask]
    week = _week_index(date_ns)
    wmin = int(week.min())
    span = int(week.max()) - wmin + 1
    pairs = _pair_codes(checkins, mask, span)
    if pairs is None:  # the general way: a groupby of the selected rows
        codes, table = _series_codes(
            checkins.loc[mask, ["couple_id", "partner"]], ["couple_id", "partner"]
        )
        pair = codes.astype(np.int64)
    else:  # each row's (couple, partner) as one number in sorted order: no groupby
        pair, table_of, dense = pairs
    key = pair * span
    key += week - wmin
    # the distinct (pair, week) keys in order, each row's and their counts: np.unique's, or
    # (check-ins as loaded: sorted by couple, partner and date) read off the sorted keys
    ordered = bool((key[1:] >= key[:-1]).all())
    if ordered:
        new = np.empty(len(key), dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        inverse = np.cumsum(new, dtype=np.intp)
        inverse -= 1
        counts = np.diff(np.append(starts, len(key)))
        wk, pair_of_week = week[starts], pair[starts]
    else:
        uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        wk, pair_of_week = uniq % span + wmin, uniq // span
    del key
    if pairs is None:
        sid = pair_of_week  # the groupby's codes already
    elif dense and every:  # the pairs are 0, 1, ... and each has rows: the series already
        sid, codes = pair_of_week, pair
        table = table_of(np.arange(int(pair[-1]) + 1))
    else:
        new_pair = np.r_[True, pair_of_week[1:] != pair_of_week[:-1]]
        sid = np.cumsum(new_pair) - 1
        codes = sid[inverse]
        table = table_of(pair_of_week[new_pair])
    sums = np.bincount(inverse, weights=values, minlength=len(counts))
    n_series = len(table)
    is_first = np.r_[True, sid[1:] != sid[:-1]]
    is_last = np.r_[sid[1:] != sid[:-1], True]
    date_i = date_ns.view(np.int64)
    if ordered and pairs is not None:  # each series' rows in one run: their first, last date
        bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        first_date = np.minimum.reduceat(date_i, bounds)
        last_date = np.maximum.reduceat(date_i, bounds)
        n_checkins = np.diff(np.append(bounds, len(codes)))
    else:
        first_date = np.full(n_series, np.iinfo(np.int64).max)
        last_date = np.full(n_series, np.iinfo(np.int64).min)
        np.minimum.at(first_date, codes, date_i)
        np.maximum.at(last_date, codes, date_i)
        n_checkins = np.bincount(codes, minlength=n_series)
    arrays = {
        "sid": sid,
        "week": wk,
        "score": sums / counts,
        "n": counts.astype(np.int64, copy=False),
        "first": wk[is_first],
        "last": wk[is_last],
        "n_checkins": n_checkins.astype(np.int64, copy=False),
        "first_date": first_date.view("datetime64[ns]"),
        "last_date": last_date.view("datetime64[ns]"),
    }
    return table, arrays


def _pair_codes(checkins: pd.DataFrame, mask: np.ndarray, span: int) -> tuple | None:
    """Each selected row's (couple_id, partner) as one number that sorts as the pairs do, a
    function giving the table (couple_id, partner) of a list of such numbers, and whether the
    numbers are 0, 1, ... each with rows (every row selected, runs); None where
    :func:`_series_codes`' groupby must decide (keys that are not plain ``str`` columns, or
    missing, or too many pairs for ``* span`` to fit an int64).  Rows sorted by the pair (as
    loaded): the pair's run (:func:`_sorted_runs`); else ``couple code * n_partners + partner
    code`` from the columns' sorted distinct values."""
    keys = [checkins["couple_id"], checkins["partner"]]
    if not _plain_str(keys):
        return None
    runs = _sorted_runs(keys)
    if runs is not None:
        codes, (couple_of, partner_of) = runs
        if len(couple_of) * span >= 2**62:
            return None

        def table(ids: np.ndarray) -> pd.DataFrame:
            at = pa.array(ids)
            return pd.DataFrame(
                {
                    "couple_id": pd.Series(couple_of.take(at), dtype="str"),
                    "partner": pd.Series(partner_of.take(at), dtype="str"),
                }
            )

        return (codes, table, True) if mask.all() else (codes[mask], table, False)
    (couple, couples), (partner, partners) = (pd.factorize(k, sort=True) for k in keys)
    if len(couples) * len(partners) * span >= 2**62:
        return None
    pair = couple[mask].astype(np.int64)
    pair *= len(partners)
    pair += partner[mask]

    def table(ids: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "couple_id": couples.take(ids // len(partners)),
                "partner": partners.take(ids % len(partners)),
            }
        )

    return pair, table, False


def _parse_since(since: object, *, name: str = "since") -> pd.Timestamp | None:
    """A date argument as a naive midnight Timestamp (None stays None); ``name`` is the
    argument's name in the error sentence."""
    if since is None:
        return None
    try:
        stamp = pd.Timestamp(since)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT or pd.isna(stamp):
        raise ValueError(
            f"The value for `{name}` must be a date such as '2025-03-01', but {since!r} was passed."
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()

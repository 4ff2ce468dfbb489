"""A record isolated by more than a year before the rest of its couple's logs: a likely typo.

One check-in typed ``2014-02-05`` for ``2024-02-05`` passes every check of a record on its own,
yet it makes the logs "run from 5 February 2014", adds a month row of 2014, flips a trigger
verdict and bends the slopes.  The value may be true (a couple can log once and come back years
later), so the record is **kept and never changed**: :func:`find` only lists it, in
:attr:`trustdata.logs.Logs.warnings`, with the file, line, column, value and what looks wrong,
and ``trustdata validate`` and ``trustdata report`` print it.

The rule: a check-in, trigger or event dated more than :data:`ISOLATED_DAYS` days before the
next record of the same couple (any of the three tables; records of one day count as one), and
before the couple's anchor event (its earliest discovery, else disclosure) when it has one: a
record years before the news is a typo more often than history.  Records of the same day as the
flagged one are flagged with it.

Examples
--------
>>> import pandas as pd
>>> from trustdata.io import from_frames
>>> logs = from_frames(checkins=pd.DataFrame({
...     "couple_id": "c1", "partner": "A", "connection": "5",
...     "date": ["2014-02-05", "2024-02-12", "2024-02-19"]}))
>>> len(logs.checkins), logs.warnings[["line", "column", "value"]].values.tolist()
(3, [[1, 'date', '2014-02-05']])
>>> print(logs.warnings.loc[0, "reason"])
date is 2014-02-05, 10 years before the next record of c1 (12 February 2024): a typo for 2024? The record is kept; correct it in the file if the year is wrong
"""  # noqa: E501

from __future__ import annotations

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata._words import day
from trustdata.io._future import DATE_COLUMNS
from trustdata.logs import WARNING_COLUMNS, empty_warnings

__all__ = ["ISOLATED_DAYS", "find"]

#: More days than this between a record and its couple's next one make it isolated.
ISOLATED_DAYS = 365


def find(parts: list) -> pd.DataFrame:
    """The :attr:`~trustdata.logs.Logs.warnings` rows of isolated records of ``parts``.

    ``parts`` are the loader's per-file results (``table``, ``valid``, ``lines``: the line of
    each valid record, and ``summary["source"]``).  One sort of the records' couple-and-day
    numbers; frames and words are made only for the records found (usually none).
    """
    dated = []
    for part in parts:
        col = DATE_COLUMNS.get(part.table)
        if col is not None and col in part.valid.columns and len(part.valid):
            dated.append((part, col))
    if not dated:
        return empty_warnings()
    lookups = _couple_lookups(dated)
    if not _any_far_step(dated, lookups):
        return empty_warnings()  # the usual case: no couple has a year without a record
    codes = np.concatenate([lookup[codes] for codes, lookup in lookups])  # -1: no couple id
    days = np.concatenate(
        [p.valid[c].to_numpy().astype("datetime64[D]").view("int64") for p, c in dated]
    )
    ok = (codes >= 0) & (days != np.iinfo("int64").min)  # NaT: no date
    if not ok.all():
        if not ok.any():
            return empty_warnings()
        codes_ok, days_ok = codes[ok], days[ok]
    else:
        codes_ok, days_ok = codes, days
    low = int(days_ok.min())
    width = int(days_ok.max()) - low + 1
    # one number per record (couple, then day), sorted; a couple's records of one day are
    # equal numbers, so a step over ISOLATED_DAYS is only ever taken from a day's last copy
    keys = codes_ok.astype("int64") * width
    keys += days_ok
    keys -= low
    keys.sort()
    if len(keys) < 2:
        return empty_warnings()
    code, when = np.divmod(keys, width)
    when += low
    step = np.diff(when)
    lone = np.zeros(len(code), dtype=bool)
    lone[:-1] = (step > ISOLATED_DAYS) & (code[1:] == code[:-1])
    if not lone.any():
        return empty_warnings()
    nxt = np.zeros(len(code), dtype="int64")
    nxt[:-1] = when[1:]
    flagged = pd.DataFrame({"code": code[lone], "day": when[lone], "next": nxt[lone]})
    return _rows(dated, codes, days, flagged)


def _couple_lookups(dated: list) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per part of ``dated``: its records' codes and the lookup that turns them into one code
    per couple id over all parts (-1 where a record has none: a negative code picks the -1 at
    the lookup's end).

    A table whose ids the loader read as codes (``part.couple_codes``: the records' codes and
    the ids they stand for) is mapped through its few distinct ids; only the others' ids are
    hashed row by row.
    """
    row_codes, ids = [], []
    for part, _ in dated:
        got = getattr(part, "couple_codes", None)
        if got is None or len(got[0]) != len(part.valid):
            codes, uniques = pd.factorize(part.valid["couple_id"])
            got = (codes, uniques)
        row_codes.append(np.asarray(got[0]))
        ids.append(pd.Series(np.asarray(got[1], dtype=object)))
    common, _ = pd.factorize(pd.concat(ids, ignore_index=True))
    out, at = [], 0
    for codes, distinct in zip(row_codes, ids, strict=True):
        out.append((codes, np.append(common[at : at + len(distinct)], -1).astype("int64")))
        at += len(distinct)
    return out


#: Days per bucket of the first, coarse pass of :func:`find`; records per chunk of it.
_BUCKET, _CHUNK = 30, 1 << 16

_DAY_NS = 86_400 * 10**9


def _any_far_step(dated: list, lookups: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether some couple may hold two consecutive records over :data:`ISOLATED_DAYS` apart.

    A coarse pass in 30-day buckets, one bit per couple and bucket, with no sort, in chunks
    of records (small temporaries): two consecutive record days ``d1 < d2`` of a couple with
    ``d2 - d1 > 365`` lie in buckets at least ``366 // 30 = 12`` apart
    (``(a + m) // 30 >= a // 30 + m // 30``), with none of the couple's records between.  So
    False (no two non-empty buckets of a couple that far apart) proves there is nothing to
    find; True sends every record to the exact pass.  When the bits would far outnumber the
    records (dates spread over centuries), the answer is True without the pass.
    """
    n_codes = max(int(lookup.max()) for _, lookup in lookups) + 1
    if n_codes <= 0:
        return False
    nat = np.iinfo("int64").min
    low = high = None
    stamps = []  # per part: its nanoseconds (NaT: the least int64) and whether one is NaT
    for part, col in dated:
        values = part.valid[col].to_numpy()
        if values.dtype != "datetime64[ns]":
            values = values.astype("datetime64[ns]")
        ns = values.view("int64")
        first = last = None
        has_nat = False
        if len(ns):
            first, last = int(ns.min()), int(ns.max())
            if first == nat:
                has_nat = True
                present = ns[ns != nat]
                first = int(present.min()) if len(present) else None
        stamps.append((ns, has_nat))
        if first is not None:  # day numbers, as datetime64[D] counts them (floored)
            first, last = first // _DAY_NS, last // _DAY_NS
            low = first if low is None else min(low, first)
            high = last if high is None else max(high, last)
    if low is None:
        return False
    n_buckets = (high - low) // _BUCKET + 1
    n_records = sum(len(part.valid) for part, _ in dated)
    if n_codes * n_buckets > max(8 * n_records, 1 << 20):
        return True
    seen = np.zeros(n_codes * n_buckets, dtype=bool)
    # a record's bucket straight from its nanoseconds: floor((floor(ns / day) - low) / 30) is
    # floor((ns - low * day) / (30 * day)), one division instead of a cast to days and another
    start, span = low * _DAY_NS, _BUCKET * _DAY_NS
    for (ns, has_nat), (codes, lookup) in zip(stamps, lookups, strict=True):
        # every record with a couple and a date (the usual case): no mask to pick them
        clean = (
            not has_nat
            and len(lookup) > 1
            and int(lookup[:-1].min()) >= 0
            and int(codes.min(initial=0)) >= 0
        )
        for at in range(0, len(ns), _CHUNK):
            piece = ns[at : at + _CHUNK]
            code = lookup[codes[at : at + _CHUNK]]
            where = piece - start
            where //= span
            if clean:
                code *= n_buckets
                code += where
                seen[code] = True
            else:
                ok = (code >= 0) & (piece != nat)
                seen[(code * n_buckets + where)[ok]] = True
    couple, at = np.divmod(np.flatnonzero(seen), n_buckets)
    far = (at[1:] - at[:-1] >= (ISOLATED_DAYS + 1) // _BUCKET) & (couple[1:] == couple[:-1])
    return bool(far.any())


def _rows(dated: list, codes: np.ndarray, days: np.ndarray, flagged: pd.DataFrame) -> pd.DataFrame:
    """The warnings of the records of the ``flagged`` couple codes and days."""
    records, at = [], 0
    for part, col in dated:
        n = len(part.valid)
        records.append(
            pd.DataFrame(
                {
                    "table": part.table,
                    "source": part.summary["source"],
                    "line": np.asarray(part.lines),
                    "couple_id": part.valid["couple_id"].astype("str").to_numpy(),
                    "column": col,
                    "when": part.valid[col].to_numpy(),
                    "kind": part.valid["kind"].astype(object).to_numpy()
                    if part.table == "events"
                    else None,
                    "code": codes[at : at + n],
                    "day": days[at : at + n],
                }
            )
        )
        at += n
    records = pd.concat(records, ignore_index=True)
    anchor = None
    for kind in schemas.ANCHOR_EVENT_KINDS:  # the earliest discovery, else disclosure
        got = records.loc[records["kind"] == kind].groupby("code")["day"].min()
        if len(got):
            anchor = got if anchor is None else anchor.combine_first(got)
    if anchor is not None:
        news = flagged["code"].map(anchor)
        flagged = flagged.loc[news.isna() | (flagged["day"] < news)]
    found = records.merge(flagged, on=["code", "day"])
    if not len(found):
        return empty_warnings()
    found = found.sort_values(["couple_id", "day", "table", "line"], kind="stable")
    stamp = pd.Series(found["when"].to_numpy())
    value = np.where(
        found["table"].to_numpy() == "triggers",
        stamp.dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object),
        stamp.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
    )
    nxt = pd.Series(found["next"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]"))
    years = (found["next"].to_numpy() - found["day"].to_numpy()) // 365
    reason = (
        found["column"].to_numpy(dtype=object)
        + " is "
        + value
        + ", "
        + years.astype(str).astype(object)
        + np.where(years == 1, " year", " years").astype(object)
        + " before the next record of "
        + found["couple_id"].to_numpy(dtype=object)
        + " ("
        + nxt.map(day).to_numpy(dtype=object)
        + "): a typo for "
        + nxt.dt.year.astype(str).to_numpy(dtype=object)
        + "? The record is kept; correct it in the file if the year is wrong"
    )
    out = found.assign(value=value, reason=reason)[list(WARNING_COLUMNS)]
    return out.reset_index(drop=True).astype(empty_warnings().dtypes.to_dict())

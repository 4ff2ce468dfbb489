"""A record far from the rest of its couple's logs: a likely mistyped year.

One check-in typed ``2014-02-05`` for ``2024-02-05`` passes every check of a record on its own,
yet it makes the logs "run from 5 February 2014", adds a month row of 2014, flips a trigger
verdict and bends the slopes; one typed ``2026-02-05`` when the logs run 2023-2024 makes them
run to 2026 and the page's "latest" weeks a single check-in.  The value may be true (a couple
can log once and come back years later), so the record is **kept and never changed**:
:func:`find` only lists it, in :attr:`trustdata.logs.Logs.warnings`, with the file, line,
column, value and what looks wrong, and ``trustdata validate`` and ``trustdata report`` print it.

The rule, per couple, over its record days (check-ins, triggers and events; records of one
day count as one), for each step of more than :data:`NEAR_DAYS` days between two consecutive
days:

- **a year apart**: when the step is over :data:`ISOLATED_DAYS` days and the day before it is
  the couple's first, that lone first day is flagged, even when it is the couple's anchor
  event (its earliest discovery, else disclosure: an anchor a year before every other record
  puts every "weeks after the discovery" of the page years off); when the day after it is the
  couple's last and at least :data:`LATE_MIN_BEFORE` days come before it, that lone last day
  is flagged;
- **a one-year slip**: when the step is over :data:`NEAR_DAYS` days (and at most a year), the
  lone first or last day is flagged if at least :data:`LATE_MIN_BEFORE` days are on the other
  side of it and its date moved one year toward them lands within their span (first to last
  day): a record of the middle typed a year off lands less than a year beyond the rest, at
  the place its true date has in the rest.  A lone first day holding an event is not flagged
  by this rule (events record history, the news or a first session, often months before the
  logging starts).

A step with more than one day on each side is a pause: a couple who really stopped logging
for a year and came back has days on both sides of it, and nothing is flagged.  Every record
of a flagged day is flagged with it.  docs/format.md gives the reasons and the measured
false alarms and hits (``benchmarks/typo_warnings.py``).

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

__all__ = ["ISOLATED_DAYS", "LATE_MIN_BEFORE", "NEAR_DAYS", "find", "prefixed"]

#: More days than this between a record and its couple's next one make it isolated.
ISOLATED_DAYS = 365

#: More days than this between a lone first or last record day and the rest, when its date
#: moved a year toward the rest falls within the rest's span, make it a likely one-year slip
#: (about six months: see docs/format.md for the false alarms and hits measured around it).
NEAR_DAYS = 180

#: Record days (of any table) a couple must have before a lone last day for that day to be
#: flagged as isolated after the rest, and on the other side of a lone day for the one-year
#: slip rule: a month of weekly check-ins, the page's shortest window (see :func:`_far_days`
#: and docs/format.md).
LATE_MIN_BEFORE = 4


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
    candidates = _far_couples(dated, lookups)
    if candidates is not None and not len(candidates):
        return empty_warnings()  # the usual case: no couple has six months without a record
    # per part: the records the exact pass looks at (their positions, couple codes and day
    # numbers), only the coarse pass's couples' when it ran: a few rows, not the millions
    pick = None
    if candidates is not None:
        pick = np.zeros(max(int(lookup.max()) for _, lookup in lookups) + 2, dtype=bool)
        pick[candidates] = True  # pick[-1] stays False: no couple id
    records = []
    for (part, col), (row_codes, lookup) in zip(dated, lookups, strict=True):
        stamps = part.valid[col].to_numpy()
        if pick is None:
            where, codes = None, lookup[row_codes]  # -1: no couple id
        else:  # the candidates' rows, told per distinct id first
            where = np.flatnonzero(pick[lookup][row_codes])
            codes, stamps = lookup[row_codes[where]], stamps[where]
        days = stamps.astype("datetime64[D]").view("int64")
        records.append((where, codes, days))
    codes = np.concatenate([c for _, c, _ in records])
    days = np.concatenate([d for _, _, d in records])
    ok = (codes >= 0) & (days != np.iinfo("int64").min)  # NaT: no date
    if not ok.all():
        if not ok.any():
            return empty_warnings()
        codes_ok, days_ok = codes[ok], days[ok]
    else:
        codes_ok, days_ok = codes, days
    low = int(days_ok.min())
    width = int(days_ok.max()) - low + 1
    # one number per record day of a couple (couple, then day), sorted, each once: the
    # records of one day count as one
    keys = codes_ok.astype("int64") * width
    keys += days_ok
    keys -= low
    keys.sort()
    if len(keys) < 2:
        return empty_warnings()
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    code, when = np.divmod(keys, width)
    when += low
    early, late, slip = _far_days(code, when)
    if not (len(early) or len(late)):
        return empty_warnings()
    flagged = pd.DataFrame(
        {
            "code": np.concatenate((code[early], code[late])),
            "day": np.concatenate((when[early], when[late])),
            "near": np.concatenate((when[early + 1], when[late - 1])),
            "late": np.repeat([False, True], [len(early), len(late)]),
            "slip": slip,
        }
    )
    return _rows(dated, records, flagged)


def _far_days(code: np.ndarray, when: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions of the flagged record days, before (``early``) and after (``late``) a
    far step, and which of them (``early`` then ``late``) the one-year slip rule flagged.

    ``code`` and ``when`` are the sorted distinct (couple, day) pairs.  A step over
    :data:`NEAR_DAYS` days between two consecutive days of a couple may flag the couple's
    **first** day when it is the only day before the step (``early``), and its **last** day
    when it is the only day after the step and at least :data:`LATE_MIN_BEFORE` days come
    before it (``late``):

    - a step over :data:`ISOLATED_DAYS` days always does (a year apart);
    - a shorter one does when at least :data:`LATE_MIN_BEFORE` days are on the other side
      and the lone day moved one year (365 days) toward them lands within their span (a
      one-year slip; :func:`_rows` then drops a lone first day holding an event).

    A step with a run of days on both sides is a pause, and flags nothing.  Only the few far
    steps are looked at further: a couple's first and last positions come from a search in
    the sorted codes.
    """
    # each far step, by the position of its first day (it goes on to the next position)
    gaps = np.diff(when)
    step = np.flatnonzero((gaps > NEAR_DAYS) & (code[1:] == code[:-1]))
    if not len(step):
        return step, step, np.zeros(0, dtype=bool)
    first = np.searchsorted(code, code[step], "left")
    last = np.searchsorted(code, code[step], "right") - 1
    year = gaps[step] > ISOLATED_DAYS
    lone_first = step == first
    lone_last = (step + 1 == last) & (step + 1 - first >= LATE_MIN_BEFORE)
    # a one-year slip: the lone day a year nearer the rest lands within the rest's span
    early_slip = (
        lone_first & ~year & (last - step >= LATE_MIN_BEFORE) & (when[step] + 365 <= when[last])
    )
    late_slip = lone_last & ~year & (when[step + 1] - 365 >= when[first])
    early_pick = (lone_first & year) | early_slip
    late_pick = (lone_last & year) | late_slip
    slip = np.concatenate((early_slip[early_pick], late_slip[late_pick]))
    return step[early_pick], step[late_pick] + 1, slip


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


def _far_couples(dated: list, lookups: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    """The couple codes that may hold two consecutive records over :data:`NEAR_DAYS` apart
    (``None``: any couple may).

    A coarse pass in 30-day buckets, one bit per couple and bucket, with no sort, in chunks
    of records (small temporaries): two consecutive record days ``d1 < d2`` of a couple with
    ``d2 - d1 > 180`` lie in buckets at least ``181 // 30 = 6`` apart
    (``(a + m) // 30 >= a // 30 + m // 30``), with none of the couple's records between.  So
    False (no two non-empty buckets of a couple that far apart) proves there is nothing to
    find for a couple; the exact pass then looks only at the couples returned (the rule is
    per couple: a couple's records alone decide its warnings).  When the bits would far
    outnumber the records (dates spread over centuries), the answer is ``None`` (every couple)
    without the pass.
    """
    n_codes = max(int(lookup.max()) for _, lookup in lookups) + 1
    if n_codes <= 0:
        return np.zeros(0, dtype=np.int64)
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
        return np.zeros(0, dtype=np.int64)
    n_buckets = (high - low) // _BUCKET + 1
    n_records = sum(len(part.valid) for part, _ in dated)
    if n_codes * n_buckets > max(8 * n_records, 1 << 20):
        return None
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
    far = (at[1:] - at[:-1] >= (NEAR_DAYS + 1) // _BUCKET) & (couple[1:] == couple[:-1])
    return np.unique(couple[1:][far])


def _rows(dated: list, looked: list, flagged: pd.DataFrame) -> pd.DataFrame:
    """The warnings of the records of the ``flagged`` couple codes and days.

    ``looked``: per part of ``dated``, the records the exact pass looked at (their positions
    in ``part.valid``, None for all of them; their couple codes; their day numbers).  Frames
    are made for the records of the flagged couples only (their events are among them): a few
    hundred rows, not the cohort's millions.  A lone first day flagged by the one-year slip
    rule is dropped when it holds an event.
    """
    top = max((int(c.max()) for _, c, _ in looked if len(c)), default=-1)
    wanted = np.zeros(top + 2, dtype=bool)  # [-1]: no couple id, never wanted
    wanted[flagged["code"].to_numpy()] = True
    records = []
    for (part, col), (where, codes, days) in zip(dated, looked, strict=True):
        pick = np.flatnonzero(wanted[codes])
        rows = pick if where is None else where[pick]
        records.append(
            pd.DataFrame(
                {
                    "table": part.table,
                    "source": part.summary["source"],
                    "line": np.asarray(part.lines)[rows],
                    "couple_id": part.valid["couple_id"].iloc[rows].astype("str").to_numpy(),
                    "column": col,
                    "when": part.valid[col].to_numpy()[rows],
                    "code": codes[pick],
                    "day": days[pick],
                }
            )
        )
    records = pd.concat(records, ignore_index=True)
    history = flagged["slip"] & ~flagged["late"]
    if history.any():  # a lone first day of the slip rule that holds an event: history
        ev = records.loc[records["table"] == "events", ["code", "day"]].drop_duplicates()
        held = flagged[["code", "day"]].merge(ev, how="left", indicator=True)["_merge"]
        flagged = flagged.loc[~(history & (held == "both").to_numpy())]
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
    near = pd.Series(found["near"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]"))
    late = found["late"].to_numpy(dtype=bool)
    slip = found["slip"].to_numpy(dtype=bool)
    apart = np.abs(found["near"].to_numpy() - found["day"].to_numpy())
    years, months = apart // 365, (apart / schemas.DAYS_PER_MONTH).astype("int64")
    when = pd.Series(found["when"].to_numpy()).dt.normalize()
    moved = (when + pd.to_timedelta(np.where(late, -365, 365), unit="D")).dt.strftime("%Y-%m-%d")
    # the year asked about: the neighbour's (a year apart), else the slipped year's
    guess = np.where(slip, moved.str[:4].to_numpy(dtype=object), near.dt.year.astype(str))
    distance = np.where(
        slip,
        months.astype(str).astype(object) + " months",
        years.astype(str).astype(object) + np.where(years == 1, " year", " years"),
    ).astype(object)
    among = np.where(
        slip,
        "; a year "
        + np.where(late, "earlier", "later").astype(object)
        + " ("
        + moved.to_numpy(dtype=object)
        + ") it would fall among the couple's other records",
        "",
    ).astype(object)
    reason = (
        found["column"].to_numpy(dtype=object)
        + " is "
        + value
        + ", "
        + distance
        + np.where(late, " after the previous", " before the next").astype(object)
        + " record of "
        + found["couple_id"].to_numpy(dtype=object)
        + " ("
        + near.map(day).to_numpy(dtype=object)
        + ")"
        + among
        + ": a typo for "
        + guess.astype(object)
        + "? The record is kept; correct it in the file if the year is wrong"
    )
    out = found.assign(value=value, reason=reason)[list(WARNING_COLUMNS)]
    return out.reset_index(drop=True).astype(empty_warnings().dtypes.to_dict())


def prefixed(warnings: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """``warnings`` of logs whose couple ids were prefixed with ``prefix`` (as
    :func:`trustdata.cohort.load_cohort` does with ``ids="prefix"``): the ``couple_id`` column
    and the id in each ``reason`` say the new id, so the rows read as :func:`find` would have
    written them on the prefixed logs (the rows of :mod:`trustdata.io._case` on couple ids get
    the new id in ``value`` too; their ``reason`` quotes the ids as the file writes them).

    >>> import pandas as pd
    >>> from trustdata.io import from_frames
    >>> logs = from_frames(checkins=pd.DataFrame({"couple_id": "c1", "partner": "A",
    ...     "connection": "5", "date": ["2014-02-05", "2024-02-12"]}))
    >>> got = prefixed(logs.warnings, "north/")
    >>> got.loc[0, "couple_id"], "record of north/c1 (12 February 2024)" in got.loc[0, "reason"]
    ('north/c1', True)
    """
    if not len(warnings):
        return warnings.copy()
    out = warnings.copy()
    old = warnings["couple_id"].astype(str)
    out["couple_id"] = (prefix + old).astype(warnings["couple_id"].dtype)
    ids = (warnings["column"] == "couple_id").to_numpy(dtype=bool)  # trustdata.io._case's rows
    if ids.any():
        out.loc[ids, "value"] = prefix + warnings.loc[ids, "value"].astype(str)
    out["reason"] = pd.Series(
        [
            reason.replace(f" record of {cid} (", f" record of {prefix}{cid} (", 1)
            for reason, cid in zip(warnings["reason"], old, strict=True)
        ],
        index=warnings.index,
        dtype=warnings["reason"].dtype,
    )
    return out

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
    each valid record, and ``summary["source"]``).  One sort of the couples' dates; words are
    made only for the records found.
    """
    frames = []
    for part in parts:
        col = DATE_COLUMNS.get(part.table)
        valid = part.valid
        if col is None or col not in valid.columns or not len(valid):
            continue
        when = valid[col]
        text = when.dt.strftime("%Y-%m-%d %H:%M" if part.table == "triggers" else "%Y-%m-%d")
        frames.append(
            pd.DataFrame(
                {
                    "table": part.table,
                    "source": part.summary["source"],
                    "line": np.asarray(part.lines),
                    "couple_id": valid["couple_id"].astype("str").to_numpy(),
                    "column": col,
                    "value": text.to_numpy(),
                    "day": when.dt.normalize().to_numpy(),
                    "kind": valid["kind"].astype(object).to_numpy()
                    if part.table == "events"
                    else None,
                }
            )
        )
    if not frames:
        return empty_warnings()
    records = pd.concat(frames, ignore_index=True)
    records = records.loc[records["day"].notna() & records["couple_id"].notna()]
    days = records[["couple_id", "day"]].drop_duplicates().sort_values(["couple_id", "day"])
    days["next"] = days.groupby("couple_id")["day"].shift(-1)
    gap = (days["next"] - days["day"]).dt.days
    lone = days.loc[gap > ISOLATED_DAYS]
    if not len(lone):
        return empty_warnings()
    anchor = None
    for kind in schemas.ANCHOR_EVENT_KINDS:  # the earliest discovery, else disclosure
        got = records.loc[records["kind"] == kind].groupby("couple_id")["day"].min()
        if len(got):
            anchor = got if anchor is None else anchor.combine_first(got)
    before = lone["couple_id"].map(anchor) if anchor is not None else None
    if before is not None:
        lone = lone.loc[before.isna() | (lone["day"] < before)]
    found = records.merge(lone, on=["couple_id", "day"])
    if not len(found):
        return empty_warnings()
    found = found.sort_values(["couple_id", "day", "table", "line"], kind="stable")
    years = ((found["next"] - found["day"]).dt.days // 365).astype(int)
    reason = (
        found["column"]
        + " is "
        + found["value"]
        + ", "
        + years.astype(str)
        + np.where(years == 1, " year", " years")
        + " before the next record of "
        + found["couple_id"]
        + " ("
        + found["next"].map(day)
        + "): a typo for "
        + found["next"].dt.year.astype(str)
        + "? The record is kept; correct it in the file if the year is wrong"
    )
    out = found.assign(reason=reason)[list(WARNING_COLUMNS)].reset_index(drop=True)
    return out.astype(empty_warnings().dtypes.to_dict())

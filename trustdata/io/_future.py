"""The one rule about the calendar: a record dated after today is a typo, not a record.

A check-in, trigger or event dated in the future (``2052`` typed for ``2025``) would otherwise
pass every check and make every view false: the logs would "run to 2052", the latest weeks
would be that one record, the triggers "none lately".  :func:`check` quarantines such records
with a reason that names the column, the date and what was expected.  A day of slack is allowed
for time zones (a record written just after midnight in Auckland is "tomorrow" in London).

Examples
--------
>>> import datetime as dt, numpy as np, pandas as pd
>>> from trustdata.io._parse import _Problems
>>> frame = pd.DataFrame({"date": pd.to_datetime(["2025-03-03", "2026-12-03", "2052-06-02"])})
>>> problems = _Problems(3)
>>> check("checkins", frame, problems, today=dt.date(2026, 12, 2))
>>> problems.mask().tolist()
[False, False, True]
>>> print(problems.joined().iloc[0])
date is 2052-06-02, dated 2 June 2052, after today (2 December 2026): a typo? Expected a date up to 3 December 2026 (today, and a day of slack for time zones)
"""  # noqa: E501

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from trustdata._words import day, days
from trustdata.io._columns import _greatest

__all__ = ["DATE_COLUMNS", "SLACK_DAYS", "check", "resolve_today"]

#: The dated column of each table (the couples table has none).
DATE_COLUMNS: dict[str, str] = {"checkins": "date", "triggers": "timestamp", "events": "date"}

#: Days after today still accepted (time zones: somewhere it is already tomorrow).
SLACK_DAYS = 1


def resolve_today(today: dt.date | str | None) -> dt.date:
    """``today`` as a date: the local date when None; a ``datetime.date`` or ``"YYYY-MM-DD"``.

    Raises
    ------
    ValueError
        When ``today`` is neither.
    """
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    if isinstance(today, str):
        try:
            return dt.date.fromisoformat(today.strip())
        except ValueError:
            pass
    raise ValueError(
        "The value for `today` must be a date (datetime.date or 'YYYY-MM-DD') or None for the "
        f"local date, but {today!r} was passed."
    )


def check(table: str, frame: pd.DataFrame, problems, *, today: dt.date) -> None:
    """Add a problem for every row of ``frame`` dated after ``today`` (plus :data:`SLACK_DAYS`).

    ``frame`` is the typed frame of ``table`` (``datetime64[ns]`` dates or wall-clock
    timestamps, missing where a value did not parse); ``problems`` a ``_Problems`` of its rows.
    One comparison over the column; words are made only for the rows that fail.
    """
    col = DATE_COLUMNS.get(table)
    if col is None or col not in frame.columns or not len(frame):
        return
    limit = np.datetime64(today, "D") + np.timedelta64(SLACK_DAYS + 1, "D")  # first day refused
    values = frame[col].to_numpy()
    if values.dtype.kind != "M":
        return
    if values.dtype == "datetime64[ns]":
        # the greatest value, read as an integer (NaT is the least int64), compared as the rows
        # would be: under the limit, no row is late (the type check already found it)
        top = np.array(_greatest(values.view("int64"))).view("datetime64[ns]")
        if top < limit:  # NaT (every value missing) compares False: the rows are looked at
            return
    late = values >= limit  # NaT compares False
    failed = problems.failed.get(col)
    if failed is not None:
        late &= ~failed  # a value already reported for this column is not reported twice
    if not late.any():
        return
    where = np.flatnonzero(late)
    stamps = pd.Series(values[where])
    if table == "triggers":
        text = stamps.dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object)
    else:
        text = stamps.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    last_ok = day(today + dt.timedelta(days=SLACK_DAYS))
    tail = (
        f", after today ({day(today)}): a typo? Expected a date up to {last_ok} (today, and a "
        "day of slack for time zones)"
    )
    reasons = col + " is " + text + ", dated " + days(stamps) + tail
    problems.add(where, reasons, column=col)

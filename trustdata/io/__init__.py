"""Loading and writing log folders: parse first, validate second, quarantine what does not fit.

:func:`load` reads a log folder (or one table file) in log format v1 (see ``docs/format.md``),
:func:`from_frames` runs the same parse + validate + quarantine path on in-memory frames (the
importers use it), :func:`write` writes a log folder that :func:`load` reads back to equal frames,
and :func:`read_raw_csv` is the shared hardened CSV reader (encodings, BOM, delimiters, blank lines,
ragged rows, physical line numbers).

How a table is read
-------------------
1. Every value is read as **text** (missing = empty or only whitespace).
2. Each known column is converted by trustdata itself (numbers, dates, timestamps, categories,
   yes/no); a value that does not convert is remembered with the reason.
3. The typed frame is validated lazily with the table's pandera schema
   (:data:`trustdata.schemas.SCHEMAS`); failures are mapped back to their rows (a value that already
   failed to parse is not reported twice).
4. Later copies of a record that must be unique (one check-in per couple, partner and date) are
   rejected; the first copy is kept.
5. Every record with a problem goes to :attr:`Logs.rejected` with all its problems joined by
   ``"; "``; the rest form the validated frame.  For every file, ``valid + rejected == records``.

The package, one module per concern (data flows down the list)
---------------------------------------------------------------
``_files``      which files of a log folder are read; JSON and Parquet files as raw text frames
``_encodings``  the bytes of a text table as UTF-8 (BOM, UTF-16, Windows-1252, mixed files)
``_csv``        the hardened CSV reader with physical line numbers (:func:`read_raw_csv`)
``_parse``      typed parsing of each known column, one reason per value that does not convert
``_validate``   schema validation, duplicates, the quarantine (``Logs.rejected``) and the summary
``_write``      :func:`write`, and the formula neutralising that reading undoes
``_columns``    what each known column holds and how values are shown as text (shared)

Examples
--------
>>> import pandas as pd
>>> logs = from_frames(checkins=pd.DataFrame({
...     "couple_id": ["c1", "c1"], "partner": ["A", "A"],
...     "date": ["2025-03-03", "2025-02-30"], "connection": ["6", "seven"]}))
>>> len(logs.checkins), logs.rejected.loc[0, "reason"]
(1, "date is '2025-02-30', expected a date like 2025-02-28; connection is 'seven', expected a whole number 1-10")
"""  # noqa: E501

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

# Private names that benchmarks and tests reach for are importable from here, as before the split.
from trustdata._memory import release
from trustdata.io import _future
from trustdata.io._columns import _EXPECTED, _KIND, _LINE, _PROBLEM, _forget_facts  # noqa: F401
from trustdata.io._csv import _fast_csv, _slow_csv, read_raw_csv  # noqa: F401
from trustdata.io._files import (
    ERRORS,
    EXTENSIONS,
    _check_errors,
    _find_files,
    _read_file,
    check_path,
)
from trustdata.io._parse import _raw_from_frame
from trustdata.io._validate import _assemble, _process, _Result, _schemas  # noqa: F401
from trustdata.io._write import write
from trustdata.logs import Logs

__all__ = ["load", "from_frames", "write", "read_raw_csv", "EXTENSIONS", "ERRORS"]


def load(
    path: str | Path, *, errors: str = "quarantine", today: dt.date | str | None = None
) -> Logs:
    """Read a log folder (or one table file), validate it and quarantine what does not fit.

    Parameters
    ----------
    path : str or pathlib.Path
        A log folder holding ``checkins.*`` (required), and optionally ``triggers.*``,
        ``events.*`` and ``couples.*``, each ``.csv``, ``.json`` or ``.parquet``; other files in the
        folder are not read (they are named in the check-ins file's ``notes``).  Or a single
        file: its table is its name's stem (``triggers.csv`` holds triggers); any other stem is
        read as check-ins.
    errors : {"quarantine", "raise"}
        ``"quarantine"`` (default) puts records that do not fit in :attr:`Logs.rejected`;
        ``"raise"`` raises :class:`~trustdata.errors.RecordsRejected` listing every problem of
        every file (after reading them all), with ``.rejected`` attached.
    today : datetime.date or str, optional
        The day the logs are read (default: the local date).  A check-in, trigger or event
        dated more than a day after it (a day of slack for time zones) is a typo such as 2052
        for 2025: it is rejected with a reason naming the column and the date.  Pass a fixed day
        (``"2026-12-02"``) for reproducible results.

    Returns
    -------
    Logs
        Validated frames of the four tables, ``rejected`` (``table``, ``source``, ``line``,
        ``reason``, then the record's original values as text) and ``summary`` (one row per file:
        ``table``, ``source``, ``records``, ``valid``, ``rejected``, ``extra_columns``, ``notes``).

    Raises
    ------
    FileProblem
        A file cannot be used at all (missing, unreadable, not a table, a required column missing,
        two files for one table).
    RecordsRejected
        With ``errors="raise"``, when any record was rejected.
    ValueError
        When ``errors`` is not one of the accepted values, or ``path`` is not a path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "checkins.csv").write_text(
    ...     "couple_id,partner,date,connection\\nc1,A,2025-03-03,6\\nc1,A,2025-03-10,11\\n")
    >>> logs = load(folder)
    >>> len(logs.checkins), logs.rejected[["line", "reason"]].values.tolist()
    (1, [[3, 'connection is 11, expected a whole number 1-10']])
    """
    _check_errors(errors)
    day = _future.resolve_today(today)
    check_path(path)
    files, ignored = _find_files(path)
    parts: list[_Result] = []
    for table, file in files:
        try:
            raw, notes, name = _read_file(file, table)
            if table == "checkins" and ignored:
                subs = {n for n in ignored if (Path(path) / n).is_dir()}
                if len(subs) < len(ignored):
                    kept = [n for n in ignored if n not in subs]
                    notes.append("other files in the folder were not read: " + ", ".join(kept))
                if subs:
                    notes.append("sub-folders were not read: " + ", ".join(sorted(subs)))
            unescape = file.suffix.lower() != ".parquet"
            if unescape and file.suffix.lower() == ".csv":
                raw = _unescape_header(raw)
            parts.append(
                _process(table, raw, source=name, notes=notes, unescape=unescape, today=day)
            )
        finally:
            _forget_facts()  # what was worked out about this file's arrays
    logs = _assemble(parts, errors=errors)
    parts.clear()
    raw = None  # the last file's raw frame: freed before the memory goes back
    release()  # parsing's temporaries, so the caller's analyses start from the loaded frames
    return logs


def _unescape_header(raw: pd.DataFrame) -> pd.DataFrame:
    """Remove the ``'`` that :func:`write` puts before a formula-looking CSV header cell."""
    from trustdata.io._write import _unescape

    names = pd.Series([str(c) for c in raw.columns], dtype="str")
    fixed = _unescape(names).tolist()
    if fixed == names.tolist():
        return raw
    if len(set(fixed)) < len(fixed):  # "'=x" next to "=x": leave the file's names as they are
        return raw
    return raw.set_axis(fixed, axis=1)


def from_frames(
    checkins: pd.DataFrame | None = None,
    triggers: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    couples: pd.DataFrame | None = None,
    *,
    source: str | Mapping[str, str] = "<memory>",
    errors: str = "quarantine",
    today: dt.date | str | None = None,
) -> Logs:
    """Parse, validate and quarantine raw in-memory frames exactly as :func:`load` does for files.

    Values may be text (as read from an export) or already typed (numbers, dates, booleans,
    timezone-aware timestamps); every known column is converted and checked the same way a file's
    would be.  The input frames are not modified.

    Parameters
    ----------
    checkins, triggers, events, couples : pandas.DataFrame, optional
        Raw records of each table (a table left out is empty in the result).  Two optional helper
        columns are honoured and not kept: ``_line`` gives each record's line number in
        ``source`` (otherwise line = position + 1), and ``_problem`` (text, missing when fine)
        rejects the record with that reason (as :func:`read_raw_csv` does for ragged rows).
    source : str or mapping of table name to str
        The name the records are reported under (``Logs.rejected.source``, ``Logs.summary``);
        a mapping gives one per table (tables it leaves out are ``"<memory>"``).
    errors : {"quarantine", "raise"}
        As in :func:`load`.
    today : datetime.date or str, optional
        Records dated after it (and a day of slack) are rejected, as :func:`load` does
        (:mod:`trustdata.io._future`).  Unlike :func:`load`, the default None checks no date
        against the calendar (frames in memory may be planted, e.g. by :mod:`trustdata.synth`);
        the importers pass the local date, so an import never writes a log that :func:`load`
        would reject.

    Returns
    -------
    Logs
        As :func:`load`; ``summary`` has one row per frame passed.

    Raises
    ------
    FileProblem
        A required column is missing from a frame.
    RecordsRejected
        With ``errors="raise"``, when any record was rejected.
    ValueError
        When ``errors`` is not accepted, or a frame is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"couple_id": ["c1"], "partner": ["A"], "date": ["2025-03-03"],
    ...                     "connection": ["7"], "_line": [12]})
    >>> logs = from_frames(checkins=raw, source="export.csv")
    >>> logs.checkins["connection"].tolist(), logs.summary["source"].tolist()
    ([7], ['export.csv'])
    """
    _check_errors(errors)
    day = None if today is None else _future.resolve_today(today)
    frames = {"checkins": checkins, "triggers": triggers, "events": events, "couples": couples}
    parts: list[_Result] = []
    for table, frame in frames.items():
        if frame is None:
            continue
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(
                f"The value for `{table}` must be a pandas DataFrame or None, but a "
                f"{type(frame).__name__} was passed."
            )
        if isinstance(source, Mapping):
            name = str(source.get(table, "<memory>"))
        else:
            name = str(source)
        try:
            raw = _raw_from_frame(frame, name)
            parts.append(_process(table, raw, source=name, notes=[], unescape=False, today=day))
        finally:
            _forget_facts()  # what was worked out about this frame's arrays
    return _assemble(parts, errors=errors)

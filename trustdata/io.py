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

import codecs
import copy
import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem, RecordsRejected, TrustDataError
from trustdata.logs import SUMMARY_COLUMNS, Logs, empty_rejected, empty_summary, empty_table

__all__ = ["load", "from_frames", "write", "read_raw_csv", "EXTENSIONS", "ERRORS"]

#: File extensions :func:`load` reads, in order of preference.
EXTENSIONS: tuple[str, ...] = (".csv", ".json", ".parquet")

#: Accepted values of the ``errors`` argument.
ERRORS: tuple[str, ...] = ("quarantine", "raise")

#: How many problems a :class:`RecordsRejected` message lists before pointing at ``.rejected``.
_MAX_LISTED = 100

_LINE = "_line"
_PROBLEM = "_problem"

# --------------------------------------------------------------------------------------------
# What each known column holds (the facts come from schemas; this only says how to parse)
# --------------------------------------------------------------------------------------------

_KIND: dict[str, str] = {
    "couple_id": "id",
    "partner": "id",
    "role": "role",
    "date": "date",
    "timestamp": "timestamp",
    "utc_offset_minutes": "whole",
    "time_known": "bool",
    "category": "category",
    "kind": "kind",
    "intensity": "whole",
    "used_plan": "bool",
    "minutes": "number",
    **{c: "whole" for c in schemas.SCORE_COLUMNS},
    **{c: "text" for c in schemas.TEXT_COLUMNS},
}

_SCORE_TEXT = f"a whole number {schemas.SCORE_MIN}-{schemas.SCORE_MAX}"
_OFFSET_LIMIT = 16 * 60

_EXPECTED: dict[str, str] = {
    **{c: _SCORE_TEXT for c in (*schemas.SCORE_COLUMNS, "intensity")},
    "utc_offset_minutes": (
        f"a whole number of minutes between -{_OFFSET_LIMIT} and {_OFFSET_LIMIT} "
        "(a UTC offset, e.g. 60 for +01:00)"
    ),
    "minutes": "a number of minutes, 0 or more",
    "date": "a date like 2025-02-28",
    "timestamp": (
        "a date or a date and time like 2025-02-28 or 2025-02-28T21:15, optionally with a UTC "
        "offset like +01:00 or Z"
    ),
    "category": "one of " + ", ".join(schemas.TRIGGER_CATEGORIES),
    "kind": "one of " + ", ".join(schemas.EVENT_KINDS),
    "role": "one of " + ", ".join(schemas.ROLES) + " (or empty)",
    "used_plan": "yes or no (or empty)",
    "time_known": "yes or no",
    "couple_id": "a non-empty id",
    "partner": "a non-empty name or id",
}

_DUPLICATE_WORD = {"checkins": "check-in", "couples": "couple row"}

_TS_RE = re.compile(
    r"^(?P<wall>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?)"
    r"\s*(?P<off>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_TS_PATTERN = _TS_RE.pattern

# A text cell a spreadsheet would run as a formula (after any number of protecting quotes).
_FORMULA_RE = r"^'*[=+\-@\t\r]"
_ESCAPED_RE = r"^'+[=+\-@\t\r]"
_PLAIN_NUMBER_RE = r"^[+-]?\d+(\.\d+)?$"

_SCHEMA_CACHE: dict[str, tuple[Any, list[str]]] = {}


def _schemas(table: str) -> tuple[Any, list[str]]:
    """The table's schema without uniqueness checks, and the columns that must be unique."""
    if table not in _SCHEMA_CACHE:
        schema = copy.deepcopy(schemas.SCHEMAS[table].to_schema())
        keys = list(schema.unique or [])
        for name, col in schema.columns.items():
            if col.unique:
                keys.append(name)
                schema = schema.update_column(name, unique=False)
        schema.unique = None
        _SCHEMA_CACHE[table] = (schema, keys)
    return _SCHEMA_CACHE[table]


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def load(path: str | Path, *, errors: str = "quarantine") -> Logs:
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
    check_path(path)
    files, ignored = _find_files(path)
    parts: list[_Result] = []
    for table, file in files:
        raw, notes, name = _read_file(file, table)
        if table == "checkins" and ignored:
            notes.append("other files in the folder were not read: " + ", ".join(ignored))
        unescape = file.suffix.lower() != ".parquet"
        parts.append(_process(table, raw, source=name, notes=notes, unescape=unescape))
    return _assemble(parts, errors=errors)


def from_frames(
    checkins: pd.DataFrame | None = None,
    triggers: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    couples: pd.DataFrame | None = None,
    *,
    source: str | Mapping[str, str] = "<memory>",
    errors: str = "quarantine",
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
        raw = _raw_from_frame(frame, name)
        parts.append(_process(table, raw, source=name, notes=[], unescape=False))
    return _assemble(parts, errors=errors)


def read_raw_csv(
    path: str | Path,
    *,
    number_repeated_columns: bool = False,
    header_example: str = "couple_id,partner,date,connection",
) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV file as text, hardened against what real exports look like.

    Handles UTF-8 with or without BOM, UTF-16 with BOM, a Windows-1252 (cp1252) fallback for
    files that are not UTF-8, CRLF / LF / CR line ends, comma-, semicolon- or tab-separated files
    (decided from the header line), quoted fields spanning lines, very long fields, blank lines and
    rows with too many or too few values.

    The file is parsed by pyarrow, and each record's line is worked out from the file's line
    structure (line breaks inside values included).  A file with rows of the wrong width,
    lines of only spaces, or lone carriage returns is read by the csv module instead, line by line:
    the same result, about six times slower.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.
    number_repeated_columns : bool, default False
        A column name the header repeats is an error (False), or each later copy is named
        ``<name> (2)``, ``<name> (3)``, ... and a note says so (True: a form may ask two questions
        with the same title).
    header_example : str, default "couple_id,partner,date,connection"
        The header line shown as an example when the file is empty.

    Returns
    -------
    frame : pandas.DataFrame
        One row per record, one ``str`` column per header column (names stripped of surrounding
        spaces; an empty header name becomes ``unnamed_<n>``), every value as the text in the
        file (an empty cell is ``""``), plus ``_line`` (int, the physical line the record starts on;
        the header is line 1 when the file starts with it) and ``_problem`` (text, missing unless
        the row had too many or too few values; such rows are padded with ``""`` / cut to the
        header's width).  Blank lines (empty, only whitespace, or only delimiters) are not records.
    notes : list of str
        What was noticed and forgiven (encoding fallback, delimiter other than a comma, ...).

    Raises
    ------
    FileProblem
        The file is missing, empty, binary, HTML, not decodable, has duplicate column names or a
        header line with a quote that never closes.  (A quote opened in a record and never closed
        makes the rest of the file that one record, whose ``_problem`` says so.)

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = f.write_bytes(b"a;b\\r\\n1;2\\r\\n\\r\\n3;4;5\\r\\n")
    >>> frame, notes = read_raw_csv(f)
    >>> frame.to_dict("list")["_line"], frame["_problem"].notna().tolist(), notes
    ([2, 4], [False, True], ['semicolon-separated (read with ";" as the delimiter)'])
    """
    name = str(path)
    try:
        # No local name keeps the bytes alive: the parser frees them once pyarrow has read them.
        holder = [Path(path).read_bytes()]
        return _parse_csv_bytes(holder, name, number_repeated_columns, header_example)
    except FileNotFoundError:
        raise FileProblem("the file does not exist.", source=name) from None
    except IsADirectoryError:
        raise FileProblem("is a folder, not a CSV file.", source=name) from None
    except OSError as exc:
        raise FileProblem(f"the file cannot be read ({exc.strerror}).", source=name) from None


def write(logs: Logs, folder: str | Path, *, format: str = "csv") -> Path:
    """Write validated logs as a log folder (format v1) that :func:`load` reads back unchanged.

    ``checkins`` is always written; ``triggers``, ``events`` and ``couples`` when they have rows.
    In CSV and JSON, a text cell a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return, possibly after ``'`` quotes) is written with one more
    leading ``'``; :func:`load` removes exactly one such ``'`` again.  Numbers are not text cells,
    so negative numbers are written as they are.  Trigger timestamps are written as local
    wall-clock ISO text with their UTC offset (``2025-03-03T21:15:00+01:00``), or as a bare date
    when the time is not known.  Parquet keeps the typed columns as they are.

    Parameters
    ----------
    logs : Logs
        What to write (``rejected`` and ``summary`` are not written).
    folder : str or pathlib.Path
        The folder (created when missing; existing table files in it are overwritten).
    format : {"csv", "json", "parquet"}

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    FileProblem
        ``folder`` is an existing file, or the folder or a file in it cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> logs = from_frames(checkins=pd.DataFrame({"couple_id": ["c1"], "partner": ["A"],
    ...     "date": ["2025-03-03"], "connection": [6], "need": ["=1+1"]}))
    >>> folder = write(logs, tempfile.mkdtemp())
    >>> (folder / "checkins.csv").read_text().splitlines()[1].endswith("'=1+1")
    True
    >>> load(folder).checkins["need"].tolist()
    ['=1+1']
    """
    formats = ("csv", "json", "parquet")
    if format not in formats:
        raise ValueError(
            f"The value for `format` must be one of {list(formats)}, but {format!r} was passed."
        )
    if not isinstance(logs, Logs):
        raise ValueError(
            "The value for `logs` must be a trustdata Logs, but a "
            f"{type(logs).__name__} was passed."
        )
    check_path(folder, "folder")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileProblem(
            "is a file, not a folder; expected the folder to write the log files into.",
            source=str(folder),
        )
    try:
        _write_tables(logs, folder, format)
    except OSError as exc:
        why = exc.strerror or str(exc)
        if exc.filename and str(exc.filename) != str(folder):
            why = f"{exc.filename}: {why}"
        raise FileProblem(
            f"{folder}: cannot write the log folder here ({why}).", source=str(folder)
        ) from None
    return folder


def _write_tables(logs: Logs, folder: Path, format: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in schemas.TABLES:
        frame = getattr(logs, table)
        if table != "checkins" and len(frame) == 0:
            continue
        target = folder / f"{table}.{format}"
        for other in EXTENSIONS:
            stale = folder / f"{table}{other}"
            if stale != target and stale.exists():
                stale.unlink()
        if format == "parquet":
            frame.to_parquet(target, index=False)
            continue
        text = _to_text_frame(table, frame, for_json=format == "json")
        if format == "csv":
            text.to_csv(target, index=False, lineterminator="\n", encoding="utf-8")
        else:
            text = text.astype(object).where(text.notna(), None)
            records = [
                {k: v for k, v in zip(text.columns, row, strict=True) if v is not None}
                for row in text.itertuples(index=False, name=None)
            ]
            with open(target, "w", encoding="utf-8") as fh:
                json.dump(records, fh, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------------------------
# Finding and reading files
# --------------------------------------------------------------------------------------------


def check_path(path: object, name: str = "path") -> None:
    """Raise ValueError unless ``path`` is a non-empty ``str`` or path-like object.

    Examples
    --------
    >>> check_path("logs/")  # fine: nothing happens
    >>> try:
    ...     check_path(None)
    ... except ValueError as exc:
    ...     print(str(exc).split(", but")[1])
     None was passed.
    """
    if not isinstance(path, str | os.PathLike) or not str(os.fspath(path)).strip():
        raise ValueError(
            f"The value for `{name}` must be a file or folder path (str or pathlib.Path), but "
            f"{path!r} was passed."
        )


def _check_errors(errors: str) -> None:
    if errors not in ERRORS:
        raise ValueError(
            f"The value for `errors` must be one of {list(ERRORS)}, but {errors!r} was passed."
        )


def _find_files(path: str | Path) -> tuple[list[tuple[str, Path]], list[str]]:
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise FileProblem(
            "no such file or folder; expected a log folder or a check-ins file.", source=name
        )
    if p.is_file():
        stem = p.stem.lower()
        return [(stem if stem in schemas.TABLES else "checkins", p)], []
    found: dict[str, list[Path]] = {}
    ignored: list[str] = []
    for entry in sorted(p.iterdir()):
        if entry.name.startswith("."):
            continue
        stem, ext = entry.stem.lower(), entry.suffix.lower()
        if stem in schemas.TABLES and ext in EXTENSIONS and not entry.is_file():
            what = (
                "a folder"
                if entry.is_dir()
                else "a link to a file that does not exist"
                if entry.is_symlink() and not entry.exists()
                else "not a regular file"
            )
            raise FileProblem(
                f"{entry.name} is {what}; expected the {stem} table as a file.", source=name
            )
        if entry.is_file() and stem in schemas.TABLES and ext in EXTENSIONS:
            found.setdefault(stem, []).append(entry)
        else:
            ignored.append(entry.name)
    for table, paths in found.items():
        if len(paths) > 1:
            names = ", ".join(x.name for x in paths)
            raise FileProblem(
                f"more than one file for the {table} table ({names}); keep exactly one.",
                source=name,
            )
    if "checkins" not in found:
        near = [n for n in ignored if Path(n).stem.lower() == "checkins"]
        if near:
            raise FileProblem(
                f"found {', '.join(near)}, but check-ins are read only from checkins.csv, "
                "checkins.json or checkins.parquet (save a spreadsheet as CSV UTF-8).",
                source=name,
            )
        raise FileProblem(
            "no check-ins file in the folder; expected checkins.csv, checkins.json or "
            "checkins.parquet.",
            source=name,
        )
    return [(t, found[t][0]) for t in schemas.TABLES if t in found], ignored


def _read_file(path: Path, table: str) -> tuple[pd.DataFrame, list[str], str]:
    name = str(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        raw, notes = read_raw_csv(path)
    elif ext == ".json":
        raw, notes = _read_json(path)
    elif ext == ".parquet":
        raw, notes = _read_parquet(path)
    else:
        raise FileProblem(
            f"has the extension {ext!r}; expected .csv, .json or .parquet "
            "(save a spreadsheet as CSV UTF-8).",
            source=name,
        )
    return raw, notes, name


def _read_json(path: Path) -> tuple[pd.DataFrame, list[str]]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"the file cannot be read ({exc.strerror}).", source=name) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("is not UTF-8 text; JSON files must be UTF-8.", source=name) from None
    if not text.strip():
        raise FileProblem("is empty; expected a JSON list of records.", source=name)
    try:
        records = json.loads(text, object_pairs_hook=_json_object)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        raise FileProblem(
            f"is not valid JSON{detail}; expected a list of records like "
            '[{"couple_id": "c1", ...}, ...].',
            source=name,
        ) from None
    if not isinstance(records, list):
        raise FileProblem(
            f"holds a JSON {_json_type(records)}, not a list of records; expected "
            '[{"couple_id": "c1", ...}, ...].',
            source=name,
        )
    raw_keys: dict[str, None] = {}  # every key as written, in order of first appearance
    for rec in records:
        if isinstance(rec, dict):
            raw_keys.update(dict.fromkeys(rec))
    columns = dict.fromkeys(str(key).strip() for key in raw_keys)
    spaced = len(raw_keys) != len(columns)  # e.g. "need" and " need": one column
    if records and not any(isinstance(rec, dict) for rec in records):
        raise FileProblem(
            f"holds a list of {len(records)} item(s) but none is a record (an object of named "
            f"values; the first is a JSON {_json_type(records[0])}); expected "
            '[{"couple_id": "c1", ...}, ...].',
            source=name,
        )
    names = _clean_names(list(columns), name)
    key_of = dict(zip(columns, names, strict=True))
    values: dict[str, list[Any]] = {n: [] for n in names}
    problems: list[Any] = []
    for rec in records:
        problem = None
        if not isinstance(rec, dict):
            problem = f"the record is a JSON {_json_type(rec)}, expected an object of named values"
            rec = {}
        bad = []
        if spaced and len({str(k).strip() for k in rec}) < len(rec):
            rec = _repeated_keys((str(k), v) for k, v in rec.items())  # "need" and " need"
        for key, twice in getattr(rec, "repeated", {}).items():
            shown = " and ".join(
                json.dumps(v, ensure_ascii=False)
                if v is None or isinstance(v, dict | list)
                else _fmt(v)
                for v in twice
            )
            bad.append(f"{key_of[key]} is given {len(twice)} times in the record ({shown})")
        row = {key_of[str(k).strip()]: v for k, v in rec.items()}
        for n in names:
            v = row.get(n)
            if isinstance(v, (dict, list)):
                bad.append(f"{n} is a JSON {_json_type(v)}, expected a single value")
                v = json.dumps(v, ensure_ascii=False)
            values[n].append(_json_text(v))
        if bad:
            problem = "; ".join(bad) if problem is None else problem
        problems.append(problem)
    frame = pd.DataFrame({n: pd.Series(v, dtype="str") for n, v in values.items()})
    frame.index = pd.RangeIndex(len(records))
    frame[_LINE] = np.arange(1, len(records) + 1, dtype="int64")
    frame[_PROBLEM] = pd.Series(problems, dtype="str")
    return frame, []


class _JsonObject(dict):
    """A JSON object that remembers the keys written more than once with different values."""

    repeated: dict[str, list[Any]]


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: a dict, or a :class:`_JsonObject` when a key is written twice."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    return _repeated_keys(pairs)


def _repeated_keys(pairs: Iterable[tuple[str, Any]]) -> _JsonObject:
    """The last value of each (stripped) key, remembering keys given different values."""
    seen: dict[str, list[Any]] = {}
    for k, v in pairs:
        seen.setdefault(k.strip(), []).append(v)
    out = _JsonObject()
    for k, vs in seen.items():
        out[k] = vs[-1]
    out.repeated = {k: vs for k, vs in seen.items() if any(v != vs[0] for v in vs[1:])}
    return out


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type: object, list, text, number, true/false, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    return {list: "list", str: "text"}.get(type(value), type(value).__name__)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[str]]:
    name = str(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds for a file that is not parquet
        detail = str(exc).replace(name, "the file").replace(str(path.resolve()), "the file")
        raise FileProblem(
            f"cannot be read as Parquet ({type(exc).__name__}: {detail[:200]}).", source=name
        ) from None
    frame = frame.reset_index(drop=True)
    return _raw_from_frame(frame, name), []


def _clean_names(
    names: list[str],
    source: str,
    *,
    number_repeated: bool = False,
    renamed: list[str] | None = None,
) -> list[str]:
    """Column names stripped, known ones in their schema spelling; a repeated name raises
    FileProblem, or (``number_repeated``) gets ``(2)``, ``(3)``, ... appended into ``renamed``."""
    known = {c.lower(): c for t in schemas.TABLES for c in schemas.KNOWN_COLUMNS[t]}
    out: list[str] = []
    for i, n in enumerate(names, start=1):
        n = str(n).strip()
        if not n:
            n = f"unnamed_{i}"
        out.append(known.get(n.lower(), n))
    seen: dict[str, int] = {}
    for i, n in enumerate(out, start=1):
        if n in seen and number_repeated:
            k = 2
            while f"{n} ({k})" in seen or f"{n} ({k})" in out:
                k += 1
            n = out[i - 1] = f"{n} ({k})"
            if renamed is not None:
                renamed.append(n)
        elif n in seen:
            raise FileProblem(
                f"the column {n!r} appears twice (columns {seen[n]} and {i}); each column name "
                "must be unique.",
                source=source,
            )
        seen[n] = i
    return out


# --------------------------------------------------------------------------------------------
# The hardened CSV reader
# --------------------------------------------------------------------------------------------


def _decode(
    data: bytes, name: str, header_example: str = "couple_id,partner,date,connection"
) -> tuple[bytes, int, list[str]]:
    """UTF-8 bytes of the file, where its text starts (after a BOM) and notes.

    Raises FileProblem when the file is not a text table.
    """
    notes: list[str] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeError:
            raise FileProblem("starts like UTF-16 text but is not.", source=name) from None
        notes.append("UTF-16 text (read as UTF-16)")
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    head = data[start : start + 65536]
    if not head.strip():
        raise FileProblem(
            f"is empty; expected a header line naming the columns (e.g. {header_example}).",
            source=name,
        )
    if b"\x00" in head:
        raise FileProblem("is not a text table (it holds binary data); expected CSV.", source=name)
    first = head.lstrip()[:64].lower()
    if first.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<table")):
        raise FileProblem(
            "looks like an HTML/XML page, not a CSV table; download or export the data as CSV.",
            source=name,
        )
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem(
            "is a spreadsheet workbook (or another zip/OLE file), not CSV; save the sheet as "
            "CSV UTF-8.",
            source=name,
        )
    if first.startswith((b"[", b"{")):
        raise FileProblem(
            "looks like JSON, not CSV; name it with the .json extension.", source=name
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        step = 1 << 24
        for i in range(start, len(data), step):
            decoder.decode(view[i : i + step], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # UTF-8 letters (é as two bytes) beside lone cp1252 bytes (é as one): a file that was
        # appended to by two programs.  Reading it all as cp1252 would garble the UTF-8 part.
        mixed = _UTF8_LETTER.search(data, start) is not None
        try:
            if mixed:
                text = data[start:].decode("utf-8", errors=_CP1252_FALLBACK)
            else:
                text = data[start:].decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(
                "is neither UTF-8 nor Windows-1252 (cp1252) text; save it as CSV UTF-8.",
                source=name,
            ) from None
        if mixed:
            try:
                data[start:].decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data.count(b"\n", 0, start + exc.start) + 1
            notes.append(
                "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the "
                f"first on line {line}); each part read in its own encoding"
            )
        else:
            notes.append("not UTF-8: read as Windows-1252 (cp1252), as Excel writes it")
        data, start = text.encode("utf-8"), 0
    else:
        # Valid UTF-8 that holds C1 control characters (U+0080-U+009F) is, in practice, a
        # Windows-1252 file whose bytes happen to form UTF-8 sequences (e.g. "Â" + "Œ"): no
        # person types those controls.  Read it as cp1252 when that decodes.
        if _C1_IN_UTF8.search(data, start) is not None:
            try:
                text = data[start:].decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                notes.append(
                    "read as Windows-1252 (cp1252): as UTF-8 it would hold control characters"
                )
                data, start = text.encode("utf-8"), 0
    finally:
        view.release()
    return data, start, notes


_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
# A two-byte UTF-8 letter of the Latin-1 Supplement or Latin Extended-A (à-ÿ, À-Þ, Œ, œ, Ł, ...).
_UTF8_LETTER = re.compile(rb"[\xc3-\xc5][\x80-\xbf]")
_CP1252_FALLBACK = "trustdata-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Windows-1252 (or fail)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252"), exc.end


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _parse_csv_bytes(
    holder: list[bytes],
    name: str,
    number_repeated: bool = False,
    header_example: str = "couple_id,partner,date,connection",
) -> tuple[pd.DataFrame, list[str]]:
    """Parse the file's bytes, handed over in a one-item list so that they can be freed early."""
    data, pos, notes = _decode(holder.pop(), name, header_example)
    if data.find(b"\n", pos) < 0 and data.find(b"\r", pos) >= 0:
        data = data.replace(b"\r", b"\n")
        notes.append("old Mac line ends (CR only)")
    # The header is the first line that is not blank.
    header_line = 1
    while True:
        end = data.find(b"\n", pos)
        line = data[pos:] if end < 0 else data[pos:end]
        if line.strip() or end < 0:
            break
        pos, header_line = end + 1, header_line + 1
    header = line.rstrip(b"\r")
    if b"," in header:
        delim = ","
    elif b";" in header:
        delim = ";"
        notes.append('semicolon-separated (read with ";" as the delimiter)')
    elif b"\t" in header:
        delim = "\t"
        notes.append("tab-separated (read with a tab as the delimiter)")
    else:
        delim = ","
    header_text = header.decode("utf-8", errors="replace")
    if header_text.count('"') % 2:
        raise FileProblem(
            "the header line has an unclosed quote; expected one line of column names.",
            source=name,
        )
    header_cells = next(csv.reader([header_text], delimiter=delim))
    renamed: list[str] = []
    names = _clean_names(header_cells, name, number_repeated=number_repeated, renamed=renamed)
    if renamed:
        notes.append(f"repeated column names numbered: {', '.join(repr(n) for n in renamed)}")
    unnamed = [n for n, cell in zip(names, header_cells, strict=True) if not cell.strip()]
    body = len(data) if end < 0 else end + 1
    frame = None
    if data.find(b"\r", body) < 0 or data.count(b"\r", body) == data.count(b"\r\n", body):
        frame = _fast_csv(data, body, names, delim, header_line)
    if frame is None:
        frame = _slow_csv(data, body, names, delim, header_line, name)
    if len(frame) and data.count(b'"', body) % 2:
        _mark_unclosed_quote(frame, data, delim)
    del data
    # Rows whose every value is empty or whitespace (",,,," left by spreadsheets) are blank.
    if len(frame) and names:
        blank = (frame[names[0]].str.strip() == "").to_numpy(dtype=bool, copy=True)
        for col in names[1:]:
            if not blank.any():
                break
            sub = np.flatnonzero(blank)
            blank[sub] = (frame[col].iloc[sub].str.strip() == "").to_numpy(dtype=bool)
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
    # Columns with no name and no values (trailing delimiters from spreadsheets) are dropped.
    empty = [c for c in unnamed if (frame[c].str.strip() == "").all()]
    if empty:
        frame = frame.drop(columns=empty)
        notes.append(f"dropped {len(empty)} empty column(s) without a name")
    return frame, notes


def _mark_unclosed_quote(frame: pd.DataFrame, data: bytes, delim: str) -> None:
    """Say so in ``_problem`` when the last record opens a quote that the file never closes.

    Such a quote makes the reader take the rest of the file as one value of that record; the
    record is rejected with a reason that says which lines were swallowed, instead of a puzzling
    "connection is '5\\nc1,B,...'" alone.  (An odd number of quotes can also be a stray quote in
    an unquoted value, like ``6'2"``; the strict csv reader tells the two apart.)
    """
    first = int(frame[_LINE].iloc[-1])
    # The start of line `first`, found from the end: the last record is near it (a stray quote
    # in an unquoted value of a large file must not cost a walk over all its lines).
    offset = len(data)
    for _ in range(data.count(b"\n") - (first - 1) + 1):
        offset = data.rfind(b"\n", 0, offset)
        if offset < 0:
            break
    tail = data[offset + 1 :].decode("utf-8", errors="replace")
    try:
        for _row in csv.reader(io.StringIO(tail, newline=""), delimiter=delim, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return
    else:
        return
    last = first + tail.rstrip("\r\n").count("\n")
    span = f"line {first}" if last == first else f"lines {first}-{last}"
    problem = (
        f'a quote (") in this record is never closed, so the rest of the file ({span}) was read '
        "as this one record (close the quote or remove it)"
    )
    col = frame.columns.get_loc(_PROBLEM)
    frame.iloc[-1, col] = problem


def _fast_csv(
    data: bytes, body: int, names: list[str], delim: str, header_line: int
) -> pd.DataFrame | None:
    """pyarrow's reader, with each record's physical line worked out from the line structure.

    Returns None when the file needs the careful reader (ragged rows, whitespace-only lines, or
    line numbers that do not add up).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if len(names) < 2:
        return None  # one column: whitespace-only lines would pass as records
    n_lines, empty = _line_structure(data, body)
    table, lines = None, None
    for multiline in (False, True):
        view = memoryview(data)[body:]
        try:
            table = pacsv.read_csv(
                pa.py_buffer(view),
                read_options=pacsv.ReadOptions(column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=multiline),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.large_string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowException):
            if multiline:
                return None
            continue  # e.g. a quoted line break across pyarrow's blocks: read again, carefully
        finally:
            del view
        if not multiline:
            if n_lines - len(empty) == table.num_rows:  # one line per record
                lines = np.delete(np.arange(n_lines, dtype="int64"), empty)
                break
        else:
            lines = _multiline_starts(table, n_lines, empty)
        if multiline and lines is None:
            return None
    frame = table.to_pandas()
    del table
    frame[_LINE] = lines + header_line + 1
    frame[_PROBLEM] = pd.Series(np.nan, index=frame.index, dtype="str")
    return frame


def _multiline_starts(table: Any, n_lines: int, empty: np.ndarray) -> np.ndarray | None:
    """0-based start line (after the header) of each record when values may span lines.

    A record takes one line plus one per line break inside its values; blank lines between
    records are skipped.  None when the lines do not add up (the careful reader then decides).
    """
    import pyarrow.compute as pc

    span = np.ones(table.num_rows, dtype="int64")
    for col in table.columns:
        breaks = pc.count_substring(col, "\n")
        span += np.asarray(breaks.to_numpy(), dtype="int64")
    if not len(empty):
        if int(span.sum()) != n_lines:
            return None
        return np.concatenate([[0], np.cumsum(span)[:-1]]).astype("int64")
    blank = set(empty.tolist())
    starts = np.empty(len(span), dtype="int64")
    cur = 0
    for i, k in enumerate(span.tolist()):
        while cur in blank:
            cur += 1
        starts[i] = cur
        cur += k
    while cur in blank:
        cur += 1
    return starts if cur == n_lines else None


_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")


def _line_structure(data: bytes, body: int) -> tuple[int, np.ndarray]:
    """How many physical lines follow the header, and which of them (0-based) are empty."""
    size = len(data) - body
    n_lines = data.count(b"\n", body) + (0 if size == 0 or data.endswith(b"\n") else 1)
    empty: list[int] = []
    if data.startswith((b"\n", b"\r\n"), body):
        empty.append(0)
    has_cr = data.find(b"\r", body) >= 0
    if data.find(b"\n\n", body) >= 0 or (has_cr and data.find(b"\n\r\n", body) >= 0):
        line, last = 0, body
        for m in _EMPTY_LINE.finditer(data, body):
            line += data.count(b"\n", last, m.start() + 1)
            last = m.start() + 1
            empty.append(line)
    return n_lines, np.asarray(empty, dtype="int64")


def _slow_csv(
    data: bytes, body: int, names: list[str], delim: str, header_line: int, name: str
) -> pd.DataFrame:
    """The csv module, line by line: knows where every record starts and handles ragged rows."""
    text = data[body:].decode("utf-8")
    limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    ncol = len(names)
    cols: list[list[str]] = [[] for _ in range(ncol)]
    lines: list[int] = []
    problems: list[str | None] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    prev = 0
    try:
        for row in reader:
            start = header_line + prev + 1
            prev = reader.line_num
            if not row or all(not f.strip() for f in row):
                continue
            problem = None
            if len(row) != ncol:
                word = "few" if len(row) < ncol else "many"
                problem = f"the line has too {word} values ({len(row)} where the header has {ncol})"
                if len(row) > ncol:
                    surplus = ", ".join(repr(v) for v in row[ncol:][:5])
                    problem += f", surplus: {surplus}"
                row = (row + [""] * ncol)[:ncol]
            for c, v in zip(cols, row, strict=True):
                c.append(v)
            lines.append(start)
            problems.append(problem)
    except csv.Error as exc:
        raise FileProblem(
            f"line {header_line + reader.line_num}: the file cannot be read as CSV ({exc}).",
            source=name,
        ) from None
    finally:
        csv.field_size_limit(limit)
    frame = pd.DataFrame({n: pd.Series(c, dtype="str") for n, c in zip(names, cols, strict=True)})
    frame.index = pd.RangeIndex(len(lines))
    frame[_LINE] = np.asarray(lines, dtype="int64")
    frame[_PROBLEM] = pd.Series(problems, dtype="str")
    return frame


# --------------------------------------------------------------------------------------------
# Raw frames from typed inputs
# --------------------------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """The values as ``str`` (missing stays missing); typed values are written as text."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return values.astype("str")
    if pd.api.types.is_bool_dtype(dtype):
        out = values.map({True: "true", False: "false"}, na_action="ignore")
        return out.astype("str")
    if isinstance(dtype, pd.DatetimeTZDtype):
        text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
        text = text.str.replace(r"\.000000", "", regex=True)
        return text.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True).astype("str")
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.astype("str").where(values.notna()).astype("str")
    if pd.api.types.is_float_dtype(dtype):
        return values.map(_json_text, na_action="ignore").astype("str")
    if pd.api.types.is_numeric_dtype(dtype):
        return values.astype("str").where(values.notna()).astype("str")
    return values.map(_object_text, na_action="ignore").astype("str")


def _object_text(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if value != value else _json_text(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _is_text(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype)


def _keeps_type(kind: str, values: pd.Series) -> bool:
    """Whether a typed column (Parquet, an in-memory frame) can skip the round trip through text.

    True when its dtype is the kind's own and every value converts exactly as its text would
    and passes the parsing step (whole numbers below 2**53, finite numbers, midnight dates and
    timestamps inside the datetime64[ns] range).  Otherwise the column is written as text and
    parsed like a CSV column, so a bad value gets the same reason either way.  The checks that
    come after parsing (ranges, categories, uniqueness) run on the typed values in both cases.
    """
    dtype = values.dtype
    if kind in ("whole", "number"):
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            return False
        if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)):
            return False
        if pd.api.types.is_integer_dtype(dtype):
            if kind == "number" or values.isna().all():
                return True
            return max(abs(int(values.min())), abs(int(values.max()))) < 2**53
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[~np.isnan(arr)]
        if kind == "number":
            return bool(np.isfinite(arr).all())
        return bool((np.abs(arr) < 2**53).all() and (arr == np.round(arr)).all())
    if kind in ("date", "timestamp"):
        if not pd.api.types.is_datetime64_dtype(dtype) or isinstance(dtype, pd.DatetimeTZDtype):
            return False
        arr = values.to_numpy()
        arr = arr[~np.isnat(arr)]
        inside = (arr >= _NS_MIN.to_datetime64()) & (arr < _NS_MAX.to_datetime64())
        if kind == "date":
            inside &= arr.astype("datetime64[D]") == arr
        return bool(inside.all())
    if kind == "bool":
        return pd.api.types.is_bool_dtype(dtype)
    if kind in ("category", "kind", "role"):
        return isinstance(dtype, pd.CategoricalDtype)  # parsed from its categories' text
    return False


def _raw_from_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    names = _clean_names([str(c) for c in frame.columns if c not in (_LINE, _PROBLEM)], name)
    data: dict[str, pd.Series] = {}
    src = [c for c in frame.columns if c not in (_LINE, _PROBLEM)]
    for col, new in zip(src, names, strict=True):
        series = frame[col].reset_index(drop=True)
        # Known columns are parsed from text, unless their type is already the right one (then
        # they are only checked); extra columns are kept as they are.
        if new in _KIND and not _keeps_type(_KIND[new], series):
            series = _as_text(series)
        data[new] = series
    raw = pd.DataFrame(data, index=pd.RangeIndex(len(frame)))
    if _LINE in frame.columns:
        line = pd.to_numeric(frame[_LINE].reset_index(drop=True), errors="coerce")
        fallback = pd.Series(np.arange(1, len(frame) + 1), dtype="float64")
        raw[_LINE] = line.where(line.notna() & (line >= 1), fallback).astype("int64")
    else:
        raw[_LINE] = np.arange(1, len(frame) + 1, dtype="int64")
    if _PROBLEM in frame.columns:
        raw[_PROBLEM] = _as_text(frame[_PROBLEM].reset_index(drop=True))
    else:
        raw[_PROBLEM] = pd.Series(np.nan, index=raw.index, dtype="str")
    return raw


# --------------------------------------------------------------------------------------------
# Parse + validate + quarantine
# --------------------------------------------------------------------------------------------


class _Result:
    __slots__ = ("rejected", "summary", "table", "valid")

    def __init__(self, table: str, valid: pd.DataFrame, rejected: pd.DataFrame, summary: dict):
        self.table, self.valid, self.rejected, self.summary = table, valid, rejected, summary


class _Problems:
    """Reasons per row position, collected column by column (only failing rows are stored)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pos: list[np.ndarray] = []
        self.text: list[np.ndarray] = []
        self.failed: dict[str, np.ndarray] = {}

    def add(self, positions: np.ndarray, reasons: Any, column: str | None = None) -> None:
        positions = np.asarray(positions, dtype="int64")
        if not len(positions):
            return
        reasons = np.asarray(reasons, dtype=object)
        if reasons.ndim == 0:
            reasons = np.full(len(positions), reasons.item(), dtype=object)
        self.pos.append(positions)
        self.text.append(reasons)
        if column is not None:
            mask = self.failed.setdefault(column, np.zeros(self.n, dtype=bool))
            mask[positions] = True

    def mask(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for p in self.pos:
            out[p] = True
        return out

    def joined(self) -> pd.Series:
        if not self.pos:
            return pd.Series([], dtype="str")
        pos = np.concatenate(self.pos)
        text = np.concatenate(self.text)
        df = pd.DataFrame({"pos": pos, "text": text})
        return df.groupby("pos", sort=True)["text"].agg("; ".join)


def _fmt(value: Any) -> str:
    """A value as shown in a reason: numbers bare, text quoted."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _json_text(float(value)) or "missing"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return repr(str(value))


def _factorize(text: pd.Series) -> tuple[np.ndarray, pd.Index]:
    if isinstance(text.dtype, pd.CategoricalDtype):  # its codes, and its categories as text
        categories = pd.Series(np.asarray(text.cat.categories, dtype=object))
        return text.cat.codes.to_numpy(dtype="int64"), pd.Index(_as_text(categories), dtype="str")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return codes, pd.Index(uniques, dtype="str")


def _missing_mask(text: pd.Series) -> np.ndarray:
    return (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)


def _process(
    table: str, raw: pd.DataFrame, *, source: str, notes: list[str], unescape: bool
) -> _Result:
    """Parse, validate and split one table's raw records.

    ``unescape`` removes the ``'`` that :func:`write` puts before formula-looking text (only for
    CSV and JSON files, which trustdata may have written).
    """
    n = len(raw)
    columns = [c for c in raw.columns if c not in (_LINE, _PROBLEM)]
    if n == 0 and not columns:  # an empty JSON list: no records, nothing missing
        summary = dict(
            zip(SUMMARY_COLUMNS, (table, source, 0, 0, 0, "", "; ".join(notes)), strict=True)
        )
        return _Result(table, empty_table(table), empty_rejected(), summary)
    missing_required = [c for c in schemas.REQUIRED_COLUMNS[table] if c not in columns]
    if missing_required:
        col = missing_required[0]
        more = (
            f" (also missing: {', '.join(repr(c) for c in missing_required[1:])})"
            if len(missing_required) > 1
            else ""
        )
        raise FileProblem(
            f"required column {col!r} is missing{more}. Columns in the file: {columns}. "
            f"A {table} file needs {list(schemas.REQUIRED_COLUMNS[table])}.",
            source=source,
        )
    known = schemas.KNOWN_COLUMNS[table]
    extra = [c for c in columns if c not in known]
    problems = _Problems(n)
    if _PROBLEM in raw.columns:
        has = raw[_PROBLEM].notna().to_numpy()
        if has.any():
            where = np.flatnonzero(has)
            problems.add(where, raw[_PROBLEM].to_numpy()[where])
    schema, keys = _schemas(table)
    typed: dict[str, pd.Series] = {}
    compact: dict[str, tuple[np.ndarray, pd.Index]] = {}
    for col in known:
        kind = _KIND.get(col, "text")
        required = not schema.columns[col].nullable if col in schema.columns else False
        if col == "time_known" or col == "utc_offset_minutes":
            continue  # derived with the timestamp
        if col not in raw.columns:
            typed[col] = empty_table(table)[col].reindex(range(n))
            continue
        if kind == "timestamp":
            ts, off, known_time = _parse_timestamp(raw, col, problems)
            typed[col], typed["utc_offset_minutes"], typed["time_known"] = ts, off, known_time
            continue
        typed[col] = _parse_column(table, col, kind, raw[col], problems, required, compact)
        if col in compact:
            del raw[col]  # the codes keep what the rejected rows need
        if kind == "text" and unescape:
            typed[col] = _unescape(typed[col])
    if table == "triggers":
        # timestamp is required, so it was parsed above
        typed = {c: typed[c] for c in known}
    for col in extra:
        values = raw[col]
        if values.dtype == "str":
            values = values.where(~_missing_mask(values))
            values = _unescape(values) if unescape else values
        typed[col] = values
    frame = pd.DataFrame(typed, index=pd.RangeIndex(n))
    _validate(table, frame, schema, problems)
    if keys:
        _duplicates(table, frame, keys, raw[_LINE].to_numpy(), problems)
    bad = problems.mask()
    reasons = problems.joined()
    valid = frame.loc[~bad].reset_index(drop=True) if bad.any() else frame
    rejected = _rejected_frame(table, raw, columns, bad, reasons, source, compact)
    summary = {
        "table": table,
        "source": source,
        "records": n,
        "valid": len(valid),
        "rejected": int(bad.sum()),
        "extra_columns": ", ".join(extra),
        "notes": "; ".join(notes),
    }
    return _Result(table, valid, rejected, summary)


def _parse_column(
    table: str,
    col: str,
    kind: str,
    text: pd.Series,
    problems: _Problems,
    required: bool,
    compact: dict[str, tuple[np.ndarray, pd.Index]] | None = None,
) -> pd.Series:
    """Convert one column's text; ``compact`` receives (codes, distinct texts) of factorised
    columns, from which the original text of any row can be rebuilt once the raw column is gone.
    """
    n = len(text)
    if not _is_text(text) and not isinstance(text.dtype, pd.CategoricalDtype):
        # Kept typed by _raw_from_frame: nothing to parse.
        missing = text.isna().to_numpy(dtype=bool)
        if required and missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        if kind == "whole":
            return pd.Series(text.astype("Int64").array, index=text.index)
        if kind == "number":
            arr = text.to_numpy(dtype="float64", na_value=np.nan)
            return pd.Series(pd.array(arr, dtype="Float64"), index=text.index).astype("Float64")
        if kind == "date":
            return pd.Series(text.to_numpy().astype("datetime64[ns]"), index=pd.RangeIndex(n))
        if kind == "bool":
            return pd.Series(text.astype("boolean").array, index=text.index)
        raise AssertionError(kind)  # pragma: no cover - _keeps_type keeps no other kind
    if kind in ("id", "text"):
        stripped = text.str.strip()
        missing = (text.isna() | (stripped == "")).to_numpy(dtype=bool)
        if required and missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        if kind == "id":
            return stripped.where(~missing).astype("str") if missing.any() else stripped
        return _null_where(text, missing)
    # Everything else has few distinct values: work on those, then spread by the codes.
    codes, uniques = _factorize(text)
    if compact is not None:
        small = np.int32 if len(uniques) < 2**31 - 1 else np.int64
        compact[col] = (codes.astype(small), uniques)
    blank_u = (pd.Series(uniques, dtype="str").str.strip() == "").to_numpy(dtype=bool)
    if blank_u.any():
        codes = np.where((codes >= 0) & blank_u[np.maximum(codes, 0)], -1, codes)
    missing = codes < 0
    if required and missing.any():
        problems.add(np.flatnonzero(missing), f"{col} is missing", col)
    if kind in ("whole", "number"):
        num = pd.to_numeric(pd.Series(uniques.str.strip(), dtype="str"), errors="coerce")
        num = num.to_numpy(dtype="float64", na_value=np.nan)
        bad_u = np.isnan(num) | ~np.isfinite(num)
        if kind == "whole":
            bad_u |= np.abs(np.nan_to_num(num)) >= 2**53  # beyond exact whole numbers
            frac = ~bad_u & (num != np.round(num))
            values = np.where(bad_u | frac, np.nan, num)
        else:
            frac = np.zeros(len(num), dtype=bool)
            values = np.where(bad_u, np.nan, num)
        shown = np.array(
            [
                f"{col} is {_fmt(num[i]) if frac[i] else _fmt(u)}, expected {_EXPECTED[col]}"
                for i, u in enumerate(uniques)
            ],
            dtype=object,
        )
        _report_uniques(codes, bad_u | frac, shown, col, problems)
        arr = np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else np.nan, np.nan)
        if kind == "whole":
            ok = ~np.isnan(arr) & (np.abs(arr) < 2**53)
            ints = pd.arrays.IntegerArray(np.where(ok, arr, 0).astype("int64"), ~ok)
            return pd.Series(ints, index=text.index)
        return pd.Series(pd.array(arr, dtype="Float64"), index=text.index).astype("Float64")
    if kind == "date":
        return _parse_dates(col, codes, uniques, problems, n)
    if kind in ("category", "kind", "role"):
        norm = {
            "category": schemas.normalize_category,
            "kind": schemas.normalize_kind,
            "role": schemas.normalize_role,
        }[kind]
        cats = {
            "category": schemas.TRIGGER_CATEGORIES,
            "kind": schemas.EVENT_KINDS,
            "role": schemas.ROLES,
        }[kind]
        mapped = [norm(u) for u in uniques]
        bad_u = np.array([m is None for m in mapped], dtype=bool)
        shown = np.array([f"{col} is {_fmt(u)}, expected {_EXPECTED[col]}" for u in uniques])
        _report_uniques(codes, bad_u, shown.astype(object), col, problems)
        cat_code = np.array(
            [cats.index(m) if m is not None else -1 for m in mapped] or [-1], dtype="int64"
        )
        codes2 = np.where(codes >= 0, cat_code[np.maximum(codes, 0)], -1)
        if kind == "role":
            values = np.array([*cats, None], dtype=object)[codes2]
            return pd.Series(values, index=text.index, dtype="str")
        return pd.Series(pd.Categorical.from_codes(codes2, categories=list(cats)), index=text.index)
    if kind == "bool":
        mapped = [schemas.normalize_bool(u) for u in uniques]
        bad_u = np.array([m is None for m in mapped], dtype=bool)
        shown = np.array([f"{col} is {_fmt(u)}, expected {_EXPECTED[col]}" for u in uniques])
        _report_uniques(codes, bad_u, shown.astype(object), col, problems)
        lookup = np.array([-1 if m is None else int(m) for m in mapped] or [-1], dtype="int64")
        v = np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1)
        out = pd.array(v == 1, dtype="boolean")
        out[v < 0] = pd.NA
        return pd.Series(out, index=text.index)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def _report_uniques(
    codes: np.ndarray, bad_unique: np.ndarray, shown: np.ndarray, col: str, problems: _Problems
) -> None:
    if not bad_unique.any():
        return
    bad_rows = np.flatnonzero((codes >= 0) & bad_unique[np.maximum(codes, 0)])
    problems.add(bad_rows, shown[codes[bad_rows]], col)


_NS_MIN = pd.Timestamp("1677-09-22")
_NS_MAX = pd.Timestamp("2262-04-11")


def _to_ns(parsed: pd.Series) -> pd.Series:
    """datetime64[ns] with values outside its range made missing."""
    parsed = parsed.where((parsed >= _NS_MIN) & (parsed < _NS_MAX))
    return parsed.astype("datetime64[ns]")


def _parse_dates(
    col: str, codes: np.ndarray, uniques: pd.Index, problems: _Problems, n: int
) -> pd.Series:
    u = pd.Series(uniques, dtype="str").str.strip()
    parsed = pd.to_datetime(u, format="%Y-%m-%d", errors="coerce")
    retry = parsed.isna() & u.str.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", na=False)
    if retry.any():
        # A full ISO date-time is accepted when its time is midnight.
        more = pd.to_datetime(u[retry], format="ISO8601", errors="coerce")
        if isinstance(more.dtype, pd.DatetimeTZDtype):
            more = more.dt.tz_localize(None)
        more = more.where(more == more.dt.normalize())
        parsed = parsed.astype("datetime64[us]")
        parsed.loc[retry] = more.astype("datetime64[us]")
    parsed = _to_ns(parsed)
    bad_u = parsed.isna().to_numpy()
    shown = np.array(
        [f"{col} is {_fmt(x)}, expected {_EXPECTED[col]}" for x in uniques], dtype=object
    )
    _report_uniques(codes, bad_u, shown, col, problems)
    values = parsed.to_numpy()
    if not len(values):
        values = np.array([np.datetime64("NaT", "ns")])
    out = np.where(codes >= 0, values[np.maximum(codes, 0)], np.datetime64("NaT", "ns"))
    return pd.Series(out.astype("datetime64[ns]"), index=pd.RangeIndex(n))


def _parse_timestamp(
    raw: pd.DataFrame, col: str, problems: _Problems
) -> tuple[pd.Series, pd.Series, pd.Series]:
    text = raw[col]
    n = len(text)
    if _is_text(text):
        stripped = text.str.strip()
        missing = (text.isna() | (stripped == "")).to_numpy(dtype=bool)
        if missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        ts_values, offset, date_only = _timestamp_parts(stripped, missing)
    else:  # naive datetimes kept typed by _raw_from_frame: wall-clock times, no offset
        ts_values = text.to_numpy().astype("datetime64[ns]")
        missing = np.isnat(ts_values)
        if missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        offset = np.full(n, np.nan)
        # As text, a column of midnights is written as dates only (the time is not known).
        present = ts_values[~missing]
        dates_only = bool((present.astype("datetime64[D]") == present).all())
        date_only = ~missing & dates_only
    ts = pd.Series(ts_values, index=pd.RangeIndex(n))
    bad = ~missing & ts.isna().to_numpy()
    if bad.any():
        where = np.flatnonzero(bad)
        shown = [f"{col} is {_fmt(v)}, expected {_EXPECTED[col]}" for v in text.to_numpy()[where]]
        problems.add(where, np.array(shown, dtype=object), col)
    off_bad = np.isinf(offset)
    off_bad &= ~bad
    if off_bad.any():
        where = np.flatnonzero(off_bad)
        shown = [
            f"{col} is {_fmt(v)}, expected a UTC offset between -16:00 and +16:00"
            for v in text.to_numpy()[where]
        ]
        problems.add(where, np.array(shown, dtype=object), col)
    offset[np.isinf(offset)] = np.nan
    offset_series = pd.Series(pd.array(offset, dtype="Float64")).round().astype("Int64")
    if "utc_offset_minutes" in raw.columns:
        given = _parse_column(
            "triggers", "utc_offset_minutes", "whole", raw["utc_offset_minutes"], problems, False
        )
        both = given.notna() & offset_series.notna() & (given != offset_series)
        if both.any():
            where = np.flatnonzero(both.to_numpy(dtype=bool))
            shown = [
                f"utc_offset_minutes is {given.iloc[i]} but the timestamp "
                f"{_fmt(text.iloc[i])} says {offset_series.iloc[i]}"
                for i in where
            ]
            problems.add(where, np.array(shown, dtype=object), "utc_offset_minutes")
        offset_series = given.fillna(offset_series).astype("Int64")
    known_time = pd.Series(~date_only, dtype=bool)
    if "time_known" in raw.columns:
        given_known = _parse_column(
            "triggers", "time_known", "bool", raw["time_known"], problems, False
        )
        known_time = given_known.fillna(known_time).astype(bool)
    ts = ts.astype("datetime64[ns]")
    ts.index = pd.RangeIndex(n)
    return ts, offset_series, known_time


_NAT = np.datetime64("NaT", "ns")


def _timestamp_parts(
    stripped: pd.Series, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall-clock times (NaT where unparseable or missing), UTC offsets in minutes (NaN when none
    was written, inf when out of range) and which values were dates only.

    The usual shapes (``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS``, the same followed by ``+HH:MM``)
    are parsed with exact formats; anything else goes through the full pattern.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(stripped)
    ts = np.full(n, _NAT, dtype="datetime64[ns]")
    offset = np.full(n, np.nan)
    date_only = np.zeros(n, dtype=bool)
    length = stripped.str.len().to_numpy(dtype="float64", na_value=np.nan)
    todo = ~missing

    def exact(rows: np.ndarray, values: pd.Series, fmt: str) -> np.ndarray:
        try:  # pyarrow's ISO parser is strict (no 30 February) and fast, but all-or-nothing
            arr = pa.array(values.array, type=pa.large_string(), from_pandas=True)
            parsed = np.asarray(pc.cast(arr, pa.timestamp("ns")).to_numpy(), dtype="M8[ns]")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
            parsed = _to_ns(pd.to_datetime(values, format=fmt, errors="coerce")).to_numpy()
        ok = ~np.isnat(parsed)
        ts[rows[ok]] = parsed[ok]
        todo[rows[ok]] = False
        return ok

    rows = np.flatnonzero(todo & (length == 10))
    if len(rows):
        ok = exact(rows, stripped.iloc[rows], "%Y-%m-%d")
        date_only[rows[ok]] = True
    rows = np.flatnonzero(todo & (length == 19))
    if len(rows):
        exact(rows, stripped.iloc[rows], "%Y-%m-%dT%H:%M:%S")
    rows = np.flatnonzero(todo & (length == 25))
    if len(rows):
        sub = stripped.iloc[rows]
        suffix = sub.str.slice(19)
        codes, uniques = pd.factorize(suffix)
        minutes = np.array(
            [_offset_minutes(u) if re.fullmatch(r"[+-]\d\d:\d\d", u) else np.nan for u in uniques]
            + [np.nan]
        )
        off = minutes[np.where(codes >= 0, codes, len(uniques))]
        good = ~np.isnan(off)
        rows, sub, off = rows[good], sub[good], off[good]
        ok = exact(rows, sub.str.slice(0, 19), "%Y-%m-%dT%H:%M:%S")
        offset[rows[ok]] = off[ok]
    rows = np.flatnonzero(todo)
    if len(rows):
        arr = pa.array(stripped.iloc[rows].array, type=pa.large_string(), from_pandas=True)
        parts = pc.extract_regex(arr, _TS_PATTERN)
        wall = pd.Series(pc.struct_field(parts, "wall").to_pandas(), dtype="str")
        off_text = pd.Series(pc.struct_field(parts, "off").to_pandas(), dtype="str")
        parsed = _to_ns(pd.to_datetime(wall, format="ISO8601", errors="coerce")).to_numpy()
        ts[rows] = parsed
        date_only[rows] = (wall.str.len() == 10).to_numpy(dtype=bool)
        codes, uniques = pd.factorize(off_text)
        minutes = np.array([_offset_minutes(u) for u in uniques] + [np.nan], dtype="float64")
        offset[rows] = np.where(np.isnat(parsed), np.nan, minutes[np.where(codes >= 0, codes, -1)])
    return ts, offset, date_only


def _offset_minutes(text: str) -> float:
    """Minutes of a UTC offset (``Z``, ``+01:00``, ``-0330``, ``+05``); inf when out of range."""
    if not text:
        return math.nan
    if text in ("Z", "z", "UTC"):
        return 0.0
    digits = text[1:].replace(":", "")
    hours, mins = int(digits[:2]), int(digits[2:4] or 0)
    minutes = hours * 60 + mins
    if mins >= 60 or minutes > _OFFSET_LIMIT:
        return math.inf
    return float(-minutes if text.startswith("-") else minutes)


def _null_where(text: pd.Series, missing: np.ndarray) -> pd.Series:
    """``text`` as ``str`` with missing values where ``missing``; shares the text's pyarrow
    buffers (only a new validity bitmap) when it can, instead of copying the column."""
    import pyarrow as pa
    from pandas.core.arrays.string_arrow import ArrowStringArray

    if not missing.any():
        return text.astype("str")
    try:
        arr = text.array._pa_array
        chunks, start = [], 0
        for chunk in arr.chunks:
            stop = start + len(chunk)
            if chunk.offset or not pa.types.is_large_string(chunk.type):
                raise TypeError("not a plain large_string chunk")
            keep = ~missing[start:stop]
            valid = pa.array(keep).buffers()[1]
            buffers = chunk.buffers()
            chunks.append(
                pa.Array.from_buffers(
                    chunk.type,
                    len(chunk),
                    [valid, buffers[1], buffers[2]],
                    null_count=int(len(chunk) - keep.sum()),
                )
            )
            start = stop
        shared = ArrowStringArray(
            pa.chunked_array(chunks, type=arr.type), dtype=pd.StringDtype("pyarrow", np.nan)
        )
        return pd.Series(shared, index=text.index, name=text.name)
    except (AttributeError, TypeError, ValueError, pa.ArrowException):
        return text.where(~missing).astype("str")


def _unescape(values: pd.Series) -> pd.Series:
    """Remove the one ``'`` that :func:`write` put in front of a formula-looking text cell."""
    quoted = values.str.startswith("'", na=False)
    if not quoted.any():
        return values
    escaped = quoted & values.str.match(_ESCAPED_RE, na=False)
    if not escaped.any():
        return values
    out = values.copy()
    out.loc[escaped] = values.loc[escaped].str.slice(1)
    return out


def _validate(table: str, frame: pd.DataFrame, schema: Any, problems: _Problems) -> None:
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True, inplace=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.loc[cases["index"].notna()]
    if not len(cases):
        raise TrustDataError(f"{table}: the parsed frame does not fit the schema")
    order = {c: i for i, c in enumerate(frame.columns)}
    cases = cases.assign(_o=cases["column"].map(order)).sort_values("_o", kind="stable")
    for col, group in cases.groupby("column", sort=False):
        idx = group["index"].astype("int64").to_numpy()
        failed = problems.failed.get(str(col))
        keep = ~failed[idx] if failed is not None else np.ones(len(idx), dtype=bool)
        idx = np.unique(idx[keep])
        if not len(idx):
            continue
        values = frame[col].to_numpy(dtype=object)[idx]
        expected = _EXPECTED.get(str(col), "a valid value")
        shown = [
            f"{col} is missing"
            if v is None or v is pd.NA or v != v
            else f"{col} is {_fmt(v)}, expected {expected}"
            for v in values
        ]
        problems.add(idx, np.array(shown, dtype=object), str(col))


def _duplicates(
    table: str, frame: pd.DataFrame, keys: list[str], lines: np.ndarray, problems: _Problems
) -> None:
    """Reject later copies of a record that must be unique; the first clean copy is kept."""
    import pandera.pandas as pa

    clean = ~problems.mask()
    sub = frame.loc[clean, keys]
    dup_schema = pa.DataFrameSchema(unique=keys, report_duplicates="exclude_first")
    try:
        dup_schema.validate(sub, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    idx = np.unique(cases["index"].dropna().astype("int64").to_numpy())
    if not len(idx):
        return
    firsts = sub.loc[~sub.duplicated(keys, keep="first")].copy()
    firsts["first_pos"] = firsts.index.to_numpy()
    later = sub.loc[idx].copy()
    later["_pos"] = idx
    merged = later.merge(firsts, on=keys, how="left")
    word = _DUPLICATE_WORD.get(table, f"{table} record")
    shown = []
    for row in merged.itertuples(index=False):
        first_line = int(lines[int(row.first_pos)])
        values = dict(zip(keys, row[: len(keys)], strict=True))
        if table == "checkins":
            shown.append(
                f"duplicate {word}: couple {values['couple_id']}, partner {values['partner']} "
                f"already has one on {values['date']:%Y-%m-%d} (line {first_line})"
            )
        elif table == "couples":
            shown.append(
                f"duplicate {word}: couple {values['couple_id']} already has a row "
                f"(line {first_line})"
            )
        else:
            same = ", ".join(f"{k} {_fmt(v)}" for k, v in values.items())
            shown.append(f"duplicate {word}: same {same} as line {first_line}")
    problems.add(merged["_pos"].to_numpy(), np.array(shown, dtype=object))


def _rejected_frame(
    table: str,
    raw: pd.DataFrame,
    columns: list[str],
    bad: np.ndarray,
    reasons: pd.Series,
    source: str,
    compact: dict[str, tuple[np.ndarray, pd.Index]],
) -> pd.DataFrame:
    if not bad.any():
        return empty_rejected()
    where = np.flatnonzero(bad)
    out = pd.DataFrame(
        {
            "table": pd.Series([table] * len(where), dtype="str"),
            "source": pd.Series([source] * len(where), dtype="str"),
            "line": pd.array(raw[_LINE].to_numpy()[where], dtype="Int64"),
            "reason": pd.Series(reasons.loc[where].to_numpy(), dtype="str"),
        }
    )
    for col in columns:
        name = f"input_{col}" if col in schemas.REJECTED_COLUMNS else col
        if col in compact:
            codes, uniques = compact[col]
            picked = codes[where]
            texts = np.asarray(uniques, dtype=object)
            values = np.where(
                picked >= 0, texts[np.maximum(picked, 0)] if len(texts) else None, None
            )
            out[name] = pd.Series(values, dtype="str")
        elif pd.api.types.is_datetime64_dtype(raw[col].dtype):
            # How a datetime is written depends on the whole column (dates only when every
            # value is a midnight), so it is written whole, as when it was parsed from text.
            out[name] = _as_text(raw[col]).iloc[where].reset_index(drop=True)
        else:
            out[name] = _as_text(raw[col].iloc[where].reset_index(drop=True))
    return out


def _assemble(parts: list[_Result], *, errors: str) -> Logs:
    tables: dict[str, pd.DataFrame] = {}
    for part in parts:
        tables[part.table] = part.valid
    rejected_parts = [p.rejected for p in parts if len(p.rejected)]
    rejected = pd.concat(rejected_parts, ignore_index=True) if rejected_parts else empty_rejected()
    if parts:
        summary = pd.DataFrame([p.summary for p in parts], columns=list(SUMMARY_COLUMNS))
        summary = summary.astype(empty_summary().dtypes.to_dict())
    else:
        summary = empty_summary()
    if errors == "raise" and len(rejected):
        listed = [
            f"{r.source}, line {r.line}: {r.reason}"
            for r in rejected.head(_MAX_LISTED).itertuples(index=False)
        ]
        more = len(rejected) - len(listed)
        tail = f"\n... and {more} more (see the exception's .rejected)" if more > 0 else ""
        raise RecordsRejected(
            f"{len(rejected)} record(s) were rejected:\n" + "\n".join(listed) + tail,
            rejected=rejected,
        )
    return Logs(**tables, rejected=rejected, summary=summary)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _escape(values: pd.Series) -> pd.Series:
    risky = values.str.match(_FORMULA_RE, na=False) & ~values.str.match(_PLAIN_NUMBER_RE, na=False)
    if not risky.any():
        return values
    out = values.copy()
    out.loc[risky] = "'" + values.loc[risky]
    return out


def _to_text_frame(table: str, frame: pd.DataFrame, *, for_json: bool = False) -> pd.DataFrame:
    """The frame as text cells for CSV, or as JSON-ready values (numbers and booleans kept)."""
    out: dict[str, pd.Series] = {}
    for col in frame.columns:
        values = frame[col]
        if col == "time_known" or col == "utc_offset_minutes":
            continue  # carried by the timestamp text
        if col == "timestamp" and table == "triggers":
            out[col] = _timestamp_text(frame)
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[col] = values.dt.strftime("%Y-%m-%d").astype("str")
        elif isinstance(values.dtype, pd.CategoricalDtype):
            out[col] = values.astype("str")
        elif pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(
            values.dtype
        ):
            if for_json:
                plain = values.astype(object)
                out[col] = plain.where(values.notna(), None)
            else:
                out[col] = _as_text(values)
        else:
            out[col] = _escape(_as_text(values))
    return pd.DataFrame(out, index=frame.index)


def _timestamp_text(frame: pd.DataFrame) -> pd.Series:
    ts = frame["timestamp"]
    text = ts.dt.strftime("%Y-%m-%dT%H:%M:%S")
    frac = ts.dt.microsecond + ts.dt.nanosecond
    if (frac > 0).any():
        text = text.where(frac == 0, ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%f"))
    off = frame.get("utc_offset_minutes")
    if off is not None and off.notna().any():
        o = off.astype("Float64")
        sign = np.where(o.fillna(0).to_numpy() < 0, "-", "+")
        a = o.abs().fillna(0).astype("int64")
        suffix = (
            pd.Series(sign, index=frame.index)
            + (a // 60).map("{:02d}".format)
            + ":"
            + (a % 60).map("{:02d}".format)
        )
        text = text.where(off.isna().to_numpy(), text + suffix)
    known = frame.get("time_known")
    if known is not None:
        text = text.where(known.to_numpy(dtype=bool), ts.dt.strftime("%Y-%m-%d"))
    return text.astype("str")

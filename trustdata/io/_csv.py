"""The hardened CSV reader: delimiters, quoted line breaks, ragged rows, physical line numbers."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem
from trustdata.io._columns import _LINE, _PROBLEM, _blank_text, _clean_names, _null_text
from trustdata.io._encodings import _decode


def _header_example(table: str) -> str:
    """The header line an empty file of ``table`` is told to start with: the table's required
    columns (:data:`trustdata.schemas.REQUIRED_COLUMNS`), comma-separated.

    >>> _header_example("triggers")
    'couple_id,partner,timestamp,category,intensity'
    """
    return ",".join(schemas.REQUIRED_COLUMNS[table])


#: The header an empty file is shown by default: the check-ins table's.
_CHECKINS_HEADER = _header_example("checkins")

#: Input limits (see docs/format.md): longer or wider files are refused with a sentence, so
#: that memory stays bounded by the file's size.
MAX_HEADER_BYTES = 256 * 1024
MAX_NAME_CHARS = 1_000
MAX_COLUMNS = 1_000


#: The longest line (a record) read, in bytes.
MAX_LINE_BYTES = 1024 * 1024

#: The most blank lines (only delimiters and spaces) a CSV file may hold.
MAX_BLANK_LINES = 1_000_000


def _check_line_lengths(
    data: bytes, pos: int, source: str, first_line: int = 1, quiet: bool = False
) -> None:
    """Refuse a file with a line over :data:`MAX_LINE_BYTES` (e.g. one value of a gigabyte),
    before it is parsed: parsing it would take many times its size in memory.

    ``quiet``: :func:`_quiet_lines` said no line after ``pos`` can be blank.
    """
    if len(data) - pos <= MAX_LINE_BYTES:
        return
    if _maybe_many_blank_lines(data, pos, quiet):
        # a line is blank when it holds only delimiters and spaces (",,,," from a sheet)
        blank = _blank_lines(data, pos)
        if blank > MAX_BLANK_LINES:
            raise FileProblem(
                f"holds {blank:,} blank lines (only delimiters or spaces); at most "
                f"{MAX_BLANK_LINES:,} are read. Remove the sheet's empty rows and save again.",
                source=source,
            )
    if not _maybe_long_line(data, pos):
        return
    raw = np.frombuffer(data, dtype=np.uint8, offset=pos)
    ends = np.flatnonzero(raw == 10)
    bounds = np.concatenate(([-1], ends, [len(data) - pos]))
    del ends
    lengths = np.diff(bounds) - 1
    longest = int(lengths.argmax())
    if lengths[longest] > MAX_LINE_BYTES:
        raise FileProblem(
            f"line {first_line + longest} is {lengths[longest] / 2**20:,.1f} MiB long; a record "
            f"of a log is at most {MAX_LINE_BYTES // 2**20} MiB (a value that long is not an "
            "answer: is this a log file?).",
            source=source,
        )


#: Bytes per piece of the scans over a whole file.
_PIECE = 1 << 24

#: Bytes per piece of :func:`_count_byte` (its comparison stays in the processor's cache).
_COUNT_PIECE = 1 << 18


def _count_byte(data: bytes, byte: bytes, start: int = 0) -> int:
    """``data.count(byte, start)`` for a single byte, counted with numpy piece by piece: over a
    large file several times faster than ``bytes.count`` (which compares byte after byte),
    with temporaries of one piece."""
    start = slice(start, None).indices(len(data))[0]  # a negative start counts from the end
    if len(byte) != 1 or len(data) - start <= _COUNT_PIECE:
        return data.count(byte, start)
    value = byte[0]
    raw = np.frombuffer(data, dtype=np.uint8)
    return sum(
        int(np.count_nonzero(raw[at : at + _COUNT_PIECE] == value))
        for at in range(start, len(data), _COUNT_PIECE)
    )


def _blank_lines(data: bytes, pos: int) -> int:
    """How many lines after ``pos`` hold only filler bytes (delimiters, spaces, carriage
    returns), counted piece by piece so that memory stays a small multiple of a piece.

    With the filler removed, a blank line is a line break at the start or right after another
    one; a last line without a line break is blank when it is not empty but all filler.
    """
    step = _PIECE
    blank = 0
    after_break = True  # the start counts as just after a line break
    view = memoryview(data)
    try:
        for start in range(pos, len(data), step):
            kept = np.frombuffer(bytes(view[start : start + step]).translate(None, _FILLER), "u1")
            if not len(kept):
                continue
            breaks = kept == 10
            blank += int(breaks[0] and after_break) + int((breaks[1:] & breaks[:-1]).sum())
            after_break = bool(breaks[-1])
    finally:
        view.release()
    last = data.rfind(b"\n", pos) + 1 if data.rfind(b"\n", pos) >= 0 else pos
    if last < len(data) and not data[last:].translate(None, _FILLER + b"\n"):
        blank += 1
    return blank


def _maybe_long_line(data: bytes, pos: int, limit: int | None = None) -> bool:
    """Whether a line after ``pos`` is over :data:`MAX_LINE_BYTES` (without an array over the
    whole file).

    A line over L bytes holds L consecutive bytes without a line break, so it covers at least
    one whole piece of L/2 bytes of the file; when every piece holds a line break, no line is
    that long.  One ``find`` per piece; a piece without one is measured as the line it is in.
    ``limit``: another L than :data:`MAX_LINE_BYTES`.
    """
    limit = MAX_LINE_BYTES if limit is None else limit
    step = max(limit // 2, 1)
    start = pos
    while start < len(data):
        stop = min(start + step, len(data))
        if stop - start == step and data.find(b"\n", start, stop) < 0:
            # a piece without a line break: measure the line around it
            first = data.rfind(b"\n", pos, start) + 1 if start > pos else pos
            first = max(first, pos)
            end = data.find(b"\n", stop)
            end = len(data) if end < 0 else end
            if end - first > limit:
                return True
            start = end + 1
            continue
        start = stop
    return False


_FILLER = b",;\t |\r"


#: A line break followed by a byte a blank line may start with (a filler byte or a line break).
_BLANK_START = re.compile(rb"\n[,;\t |\r\n]")


def _quiet_lines(data: bytes, pos: int) -> bool:
    """True when no line after the first (from ``pos``) starts with a filler byte or is empty:
    then no such line is blank or empty, and the scans that look for them are skipped (one
    regular-expression pass instead of several over the whole file)."""
    return _BLANK_START.search(data, pos) is None


def _maybe_many_blank_lines(data: bytes, pos: int, quiet: bool = False) -> bool:
    """False when the file cannot hold over :data:`MAX_BLANK_LINES` blank lines (a cheap bound).

    Every blank line but the first line starts right after a line break, with a filler byte
    (a delimiter, a space, a carriage return) or another line break: counting the line breaks
    so followed bounds them.  In a log, lines start with an id, so the bound is near zero; the
    count looks only at the byte after each line break (piece by piece, no copy of the file).
    With ``quiet`` (see :func:`_quiet_lines`) the bound is 1.
    """
    if quiet:
        return 1 > MAX_BLANK_LINES
    if _count_byte(data, b"\n", pos) + 1 <= MAX_BLANK_LINES:  # lines: one more than breaks
        return False
    starts_blank = np.zeros(256, dtype=bool)  # a line starting so may be blank
    starts_blank[list(_FILLER + b"\n")] = True
    raw = np.frombuffer(data, dtype=np.uint8)
    bound = 1
    for start in range(pos, len(data), _PIECE):
        stop = min(start + _PIECE, len(data) - 1)  # the byte after each line break, if any
        if stop <= start:
            break
        breaks = np.flatnonzero(raw[start:stop] == 10)
        bound += int(starts_blank[raw[breaks + start + 1]].sum())
        if bound > MAX_BLANK_LINES:
            return True
    return bound > MAX_BLANK_LINES


def check_columns(names: list[str], source: str) -> None:
    """Refuse more than :data:`MAX_COLUMNS` columns or a name over :data:`MAX_NAME_CHARS`."""
    if len(names) > MAX_COLUMNS:
        raise FileProblem(
            f"has {len(names):,} columns; a log table has at most {MAX_COLUMNS:,} (is this a "
            "log file, or a table turned on its side?).",
            source=source,
        )
    long = [n for n in names if len(str(n)) > MAX_NAME_CHARS]
    if long:
        raise FileProblem(
            f"has a column name of {len(str(long[0])):,} characters; column names are at most "
            f"{MAX_NAME_CHARS:,} characters.",
            source=source,
        )


def read_raw_csv(
    path: str | Path,
    *,
    number_repeated_columns: bool = False,
    header_example: str = _CHECKINS_HEADER,
    surplus_into: str | None = None,
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
        The header line shown as an example when the file is empty (default: the check-ins
        table's required columns; :func:`trustdata.load` passes each table's own).
    surplus_into : str, optional
        A column that takes a row's surplus values (too many values), joined back with the
        delimiter, instead of the row being marked: for an app that writes one free-text column
        unquoted (old Daylio exports and their activities) and quotes every other one that may
        hold the delimiter.  A note lists the repaired lines.

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
    return _read_csv(
        path,
        number_repeated=number_repeated_columns,
        header_example=header_example,
        surplus_into=surplus_into,
    )


def _read_csv(
    path: str | Path,
    *,
    number_repeated: bool = False,
    header_example: str = _CHECKINS_HEADER,
    surplus_into: str | None = None,
    coded: frozenset[str] = frozenset(),
    typed: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`read_raw_csv`; the columns named in ``coded`` may come back as categoricals of
    their text (codes and the distinct values, as :func:`trustdata.io._parse._factorize` needs
    them) instead of one string per row: the same text, a fraction of the memory.  The columns
    named in ``typed`` (name to kind, ``"whole"`` or ``"date"``) may come back typed (``Int64``,
    ``datetime64[ns]``) when every value of the file is written as its canonical text (see
    :func:`_typed_csv`), so that the text they would be parsed from is known exactly."""
    name = str(path)
    try:
        # No local name keeps the bytes alive: the parser frees them once pyarrow has read them.
        holder = [Path(path).read_bytes()]
        return _parse_csv_bytes(
            holder, name, number_repeated, header_example, surplus_into, coded, typed
        )
    except FileNotFoundError:
        raise FileProblem("the file does not exist.", source=name) from None
    except IsADirectoryError:
        raise FileProblem("is a folder, not a CSV file.", source=name) from None
    except OSError as exc:
        raise FileProblem(f"the file cannot be read ({exc.strerror}).", source=name) from None


#: How many lines after the first a header's quoted column name may run on.
_HEADER_SPAN = 10


def _parse_csv_bytes(
    holder: list[bytes],
    name: str,
    number_repeated: bool = False,
    header_example: str = _CHECKINS_HEADER,
    surplus_into: str | None = None,
    coded: frozenset[str] = frozenset(),
    typed: dict[str, str] | None = None,
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
    # A quoted column name may span lines (a form question with a line break in its title): the
    # header is then the lines up to the one that closes the quote.
    header_end = header_line
    while line.count(b'"') % 2 and end >= 0 and header_end - header_line < _HEADER_SPAN:
        end = data.find(b"\n", end + 1)
        line = data[pos:] if end < 0 else data[pos:end]
        header_end += 1
    header = line.rstrip(b"\r")
    sep = re.fullmatch(rb"\s*sep=(.)\s*", header)
    if sep is not None and end >= 0:  # Excel's "sep=;" line names the delimiter
        pos, header_line = end + 1, header_line + 1
        header_end = header_line
        end = data.find(b"\n", pos)
        header = (data[pos:] if end < 0 else data[pos:end]).rstrip(b"\r")
        named = sep.group(1).decode("latin-1")
        notes.append(f"the first line (sep={named}) names the delimiter")
    else:
        named = None
    if named in (",", ";", "\t", "|"):
        delim = named
    elif b"," in header:
        delim = ","
    elif b";" in header:
        delim = ";"
        notes.append('semicolon-separated (read with ";" as the delimiter)')
    elif b"\t" in header:
        delim = "\t"
        notes.append("tab-separated (read with a tab as the delimiter)")
    else:
        delim = ","
    if len(header) > MAX_HEADER_BYTES:
        raise FileProblem(
            f"the header line is {len(header) / 1024:,.0f} KB long; a log's header line is at "
            f"most {MAX_HEADER_BYTES // 1024} KB (column names of at most {MAX_NAME_CHARS:,} "
            "characters). Is this a log file?",
            source=name,
        )
    quiet = _quiet_lines(data, pos)
    _check_line_lengths(data, pos, name, header_line, quiet)
    header_text = header.decode("utf-8", errors="replace")
    if header_text.count('"') % 2:
        raise FileProblem(
            "the header line has an unclosed quote (it is never closed on this line or the "
            f"{_HEADER_SPAN} after it); expected a line of column names.",
            source=name,
        )
    try:
        header_cells = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delim))
    except csv.Error as exc:  # pragma: no cover - the length check above comes first
        raise FileProblem(f"the header line cannot be read ({exc}).", source=name) from None
    check_columns(header_cells, name)
    if header_end > header_line:
        spanning = [c for c in header_cells if "\n" in c or "\r" in c]
        header_cells = [" ".join(c.split()) if c in spanning else c for c in header_cells]
        notes.append(
            f"the header spans lines {header_line}-{header_end} (a column name with a line "
            "break, read as one line: "
            + ", ".join(repr(" ".join(c.split())) for c in spanning)
            + ")"
        )
    renamed: list[str] = []
    names = _clean_names(header_cells, name, number_repeated=number_repeated, renamed=renamed)
    if renamed:
        notes.append(f"repeated column names numbered: {', '.join(repr(n) for n in renamed)}")
    unnamed = [n for n, cell in zip(names, header_cells, strict=True) if not cell.strip()]
    body = len(data) if end < 0 else end + 1
    frame = None
    quotes = _count_byte(data, b'"', body)
    crs = 0 if data.find(b"\r", body) < 0 else _count_byte(data, b"\r", body)
    if not crs or crs == data.count(b"\r\n", body):
        counts = (quotes, crs)
        frame = _fast_reader()(data, body, names, delim, header_end, coded, quiet, typed, counts)
    if frame is None:
        lowered = [n.casefold() for n in names]
        wanted = surplus_into.casefold() if surplus_into is not None else None
        absorb = lowered.index(wanted) if wanted in lowered else None
        repaired: list[int] = []
        frame = _slow_csv(data, body, names, delim, header_end, name, absorb, repaired)
        if repaired:
            shown = ", ".join(str(x) for x in repaired[:20])
            more = f" and {len(repaired) - 20} more" if len(repaired) > 20 else ""
            notes.append(
                f"{len(repaired)} line(s) had the delimiter unquoted inside {surplus_into!r} "
                f"(lines {shown}{more}): the extra values were joined back into it"
            )
    if len(frame) and quotes % 2:
        _mark_unclosed_quote(frame, data, delim)
    del data
    # Rows whose every value is empty or whitespace (",,,," left by spreadsheets) are blank.
    if len(frame) and names:
        blank = _blank(frame[names[0]]).copy()
        for col in names[1:]:
            if not blank.any():
                break
            sub = np.flatnonzero(blank)
            blank[sub] = _blank(frame[col])[sub]
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
    # Columns with no name and no values (trailing delimiters from spreadsheets) are dropped.
    empty = [c for c in unnamed if (frame[c].str.strip() == "").all()]
    if empty:
        frame = frame.drop(columns=empty)
        notes.append(f"dropped {len(empty)} empty column(s) without a name")
    return frame, notes


def _blank(values: pd.Series) -> np.ndarray:
    """Where the text is empty or only whitespace (worked out on the distinct values of a
    categorical column; a column :func:`_typed_csv` read typed is blank where missing, as its
    text was then empty)."""
    if not isinstance(values.dtype, pd.StringDtype | pd.CategoricalDtype):
        return values.isna().to_numpy(dtype=bool)
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = pd.Series(values.cat.categories, dtype="str")
        blank_cat = np.append((cats.str.strip() == "").to_numpy(dtype=bool), False)
        codes = values.cat.codes.to_numpy()
        return blank_cat[np.where(codes >= 0, codes, len(cats))]
    return _blank_text(values, missing=False)


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


def _fast_reader() -> Any:
    """:func:`_fast_csv` as the package exposes it.

    Looked up on :mod:`trustdata.io` at each call so that a test can switch the fast path off
    (``monkeypatch.setattr(trustdata.io, "_fast_csv", lambda *args: None)``) and run every case
    through the careful csv-module reader as well.
    """
    import trustdata.io

    return trustdata.io._fast_csv


def _fast_csv(
    data: bytes,
    body: int,
    names: list[str],
    delim: str,
    header_line: int,
    coded: frozenset[str] = frozenset(),
    quiet: bool = False,
    typed: dict[str, str] | None = None,
    counts: tuple[int, int] | None = None,
) -> pd.DataFrame | None:
    """pyarrow's reader, with each record's physical line worked out from the line structure.

    Columns named in ``coded`` are read as dictionaries (categoricals of their text): pyarrow
    finds their distinct values while it reads, and no string is made per row.  Columns named
    in ``typed`` are first tried typed (:func:`_typed_csv`; ``counts``: the quotes and carriage
    returns after ``body``, when known).  Returns None when the file needs the careful reader
    (ragged rows, whitespace-only lines, or line numbers that do not add up).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if len(names) < 2:
        return None  # one column: whitespace-only lines would pass as records
    n_lines, empty = _line_structure(data, body, quiet)
    if typed and quiet and not len(empty) and not _maybe_long_line(data, body, _TYPED_LINE):
        frame = _typed_csv(data, body, names, delim, header_line, coded, typed, n_lines, counts)
        if frame is not None:
            return frame
    table, lines = None, None
    # The system allocator hands freed blocks back at once; pyarrow's default pool keeps them
    # in per-thread heaps, which raised the peak by about twice the file's size (and was slower).
    pool = pa.system_memory_pool()
    for multiline in (False, True):
        view = memoryview(data)[body:]
        try:
            table = pacsv.read_csv(
                pa.py_buffer(view),
                read_options=pacsv.ReadOptions(column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=multiline),
                convert_options=pacsv.ConvertOptions(
                    column_types={
                        n: _coded_type() if n in coded else pa.large_string() for n in names
                    },
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
                memory_pool=pool,
            )
        except (pa.ArrowInvalid, pa.ArrowException):
            if multiline:
                return None
            continue  # e.g. a quoted line break across pyarrow's blocks: read again, carefully
        finally:
            del view
        if not multiline:
            if n_lines - len(empty) == table.num_rows:  # one line per record
                lines = np.arange(n_lines, dtype="int64")
                if len(empty):
                    lines = np.delete(lines, empty)
                break
        else:
            lines = _multiline_starts(table, n_lines, empty)
        if multiline and lines is None:
            return None
    frame = table.to_pandas(memory_pool=pool)
    del table
    lines += header_line + 1
    frame[_LINE] = lines
    frame[_PROBLEM] = _null_text(len(frame))
    return frame


#: The largest magnitude a typed whole-number column may hold for :func:`_typed_csv` to prove
#: its text canonical: below it, every other form pyarrow reads as the same number (spaces,
#: leading zeros, a minus sign on zero, ``0x`` hexadecimal) is longer than the number's own
#: digits (hexadecimal catches up with decimal only from 16**5).
_TYPED_WHOLE_LIMIT = 100_000

#: The longest line (bytes) of a file :func:`_typed_csv` reads: a longer line holds a value
#: too long to be a canonical number or date, which pyarrow would refuse after copying it
#: into its error message (several times its size), so such a file goes to the text path.
_TYPED_LINE = 64 * 1024

#: The dates a typed date column may hold (as days since 1970-01-01): the years the text
#: parser accepts (``_parse.MIN_YEAR`` to ``_parse.MAX_YEAR``).
_TYPED_DAYS = (
    int(np.datetime64("1900-01-01", "D").astype(np.int64)),
    int(np.datetime64("2151-01-01", "D").astype(np.int64)),
)


def _typed_csv(
    data: bytes,
    body: int,
    names: list[str],
    delim: str,
    header_line: int,
    coded: frozenset[str],
    typed: dict[str, str],
    n_lines: int,
    counts: tuple[int, int] | None = None,
) -> pd.DataFrame | None:
    """The file read with the columns of ``typed`` parsed by pyarrow (``"whole"`` as int64,
    ``"date"`` as date32), when that gives exactly what the text path gives; else None.

    pyarrow reads more forms than the text path reads the same way (``" 7"``, ``"07"``,
    ``"0x7"``; dates with spaces around them), and the rejected records must keep each value's
    text.  So the typed read is kept only when every typed value is written in its canonical
    form (the number's digits, with a minus sign only before a negative number; ``YYYY-MM-DD``;
    an empty cell where missing), which is then exactly its text.  That is proven by counting
    bytes (:func:`_canonical_bytes`): every other form pyarrow accepts is longer, so the file's
    bytes add up only when none is there.  Values the text path rejects while parsing (years
    outside 1900-2150) or that the count cannot vouch for (see :data:`_TYPED_WHOLE_LIMIT`) send
    the file to the text path, as does any value pyarrow cannot convert (a word in a score
    column), a quoted line break or a line whose width is wrong.  What is kept is what the text
    path makes of canonical text; the checks that follow (ranges, required values, duplicates)
    run on it unchanged.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    kinds = {"whole": pa.int64(), "date": pa.date32()}
    if not any(typed.get(n) in kinds for n in names):
        return None
    types = {
        n: kinds[typed[n]]
        if typed.get(n) in kinds
        else _coded_type()
        if n in coded
        else pa.large_string()
        for n in names
    }
    pool = pa.system_memory_pool()
    view = memoryview(data)[body:]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(view),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[""],  # only typed columns take it: text stays text
            ),
            memory_pool=pool,
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    finally:
        del view
    if not table.num_rows or table.num_rows != n_lines:
        return None
    kept = {n: typed[n] for n in names if typed.get(n) in kinds}
    if not _canonical_bytes(data, body, table, names, kept, counts):
        return None
    for i, n in enumerate(names):
        if kept.get(n) == "date":
            table = table.set_column(i, n, table.column(i).cast(pa.timestamp("ns")))
    # each column's Arrow buffers are freed once it is converted (the table is not used after)
    frame = table.to_pandas(
        memory_pool=pool,
        types_mapper={pa.int64(): pd.Int64Dtype()}.get,
        self_destruct=True,
        split_blocks=True,
    )
    del table
    frame[_LINE] = np.arange(header_line + 1, header_line + 1 + n_lines, dtype="int64")
    frame[_PROBLEM] = _null_text(len(frame))
    return frame


def _canonical_bytes(
    data: bytes,
    body: int,
    table: Any,
    names: list[str],
    typed: dict[str, str],
    counts: tuple[int, int] | None = None,
) -> bool:
    """Whether every typed value of ``table`` (read from ``data[body:]``, one line per record,
    no blank line) is written in its canonical form, proven by counting bytes.

    The file's bytes after the header are the values' bytes, one delimiter between two values,
    the line ends and the quotes.  Less the quotes, the line ends and the delimiters, what is
    left is the values' unquoted text.  Text columns count their bytes as read (less the quotes
    inside their values, which the file holds too); a typed value counts the length of its
    canonical form (a missing one 0).  Every other form pyarrow reads as the same value is
    longer, so the two totals are equal exactly when no such form is there.  Typed values
    outside what the text path accepts while parsing (see :data:`_TYPED_WHOLE_LIMIT`,
    :data:`_TYPED_DAYS`) make it False.  ``counts``: the quotes and carriage returns after
    ``body``, when known.
    """
    import pyarrow as pa

    quotes, crs = (
        counts
        if counts is not None
        else (_count_byte(data, b'"', body), _count_byte(data, b"\r", body))
    )
    ends = table.num_rows - (0 if data.endswith(b"\n") else 1)  # one line end per record
    left = len(data) - body - quotes - ends - crs - table.num_rows * (len(names) - 1)
    total = 0
    for name, column in zip(names, table.columns, strict=True):
        kind = typed.get(name)
        if kind is not None:
            size = _typed_size(column, kind)
            if size is None:
                return False
            total += size
            continue
        for chunk in column.chunks:
            if not len(chunk):
                continue
            if chunk.null_count:
                return False  # text is never missing here (strings_can_be_null=False)
            if pa.types.is_dictionary(chunk.type):
                sizes = _text_sizes(chunk.dictionary, quotes > 0)
                codes = chunk.indices.to_numpy(zero_copy_only=False)
                total += int(np.bincount(codes, minlength=len(sizes)) @ sizes)
            else:
                total += int(_text_sizes(chunk, quotes > 0, whole=True)[0])
    return total == left


def _typed_size(column: Any, kind: str) -> int | None:
    """The bytes of the canonical text of a typed column (``"whole"``: int64, ``"date"``:
    date32), or None when a value is one the text path rejects while parsing or beyond what the
    count of :func:`_canonical_bytes` proves."""
    import pyarrow as pa
    import pyarrow.compute as pc

    present = len(column) - column.null_count
    if not present:
        return 0
    if kind == "date":
        low, high = (v.as_py() for v in pc.min_max(column.cast(pa.int32())).values())
        if low < _TYPED_DAYS[0] or high >= _TYPED_DAYS[1]:
            return None
        return 10 * present
    low, high = (v.as_py() for v in pc.min_max(column).values())
    most = max(-low, high)
    if most >= _TYPED_WHOLE_LIMIT:
        return None
    size = present
    if low < 0:
        size += pc.sum(pc.less(column, 0)).as_py()  # the minus signs
        column = pc.abs(column)
    for power in (10, 100, 1_000, 10_000):  # one more digit from each power of ten on
        if power > most:
            break
        size += pc.sum(pc.greater_equal(column, power)).as_py()
    return int(size)


def _text_sizes(chunk: Any, quotes: bool, whole: bool = False) -> np.ndarray:
    """The UTF-8 bytes of each value of a large_string array less the quotes in it (or, with
    ``whole``, of all its values together, as one number), read from its buffers."""
    import pyarrow.compute as pc

    n = len(chunk)
    buffers = chunk.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64, count=chunk.offset + n + 1)
    offsets = offsets[chunk.offset :]
    sizes = np.asarray([offsets[-1] - offsets[0]]) if whole else np.diff(offsets)
    if not quotes or buffers[2] is None:
        return sizes
    text = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    inside = int(np.count_nonzero(text == 34))  # '"'
    if not inside:
        return sizes
    if whole:
        return sizes - inside
    return sizes - np.asarray(pc.count_substring(chunk, '"').to_numpy(zero_copy_only=False))


def _multiline_starts(table: Any, n_lines: int, empty: np.ndarray) -> np.ndarray | None:
    """0-based start line (after the header) of each record when values may span lines.

    A record takes one line plus one per line break inside its values; blank lines between
    records are skipped.  None when the lines do not add up (the careful reader then decides).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    span = np.ones(table.num_rows, dtype="int64")
    for col in table.columns:
        if pa.types.is_dictionary(col.type):  # counted on the distinct values
            parts = [
                np.asarray(pc.count_substring(chunk.dictionary, "\n").to_numpy(), dtype="int64")[
                    np.asarray(chunk.indices.to_numpy(), dtype="int64")
                ]
                for chunk in col.chunks
            ]
            span += np.concatenate(parts) if parts else 0
        else:
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


def _coded_type() -> Any:
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.large_string())


_EMPTY_LINE = re.compile(rb"\n(?=\r?\n)")


def _line_structure(data: bytes, body: int, quiet: bool = False) -> tuple[int, np.ndarray]:
    """How many physical lines follow the header, and which of them (0-based) are empty
    (none when ``quiet``: see :func:`_quiet_lines`)."""
    size = len(data) - body
    n_lines = _count_byte(data, b"\n", body) + (0 if size == 0 or data.endswith(b"\n") else 1)
    empty: list[int] = []
    if quiet:
        return n_lines, np.asarray(empty, dtype="int64")
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
    data: bytes,
    body: int,
    names: list[str],
    delim: str,
    header_line: int,
    name: str,
    absorb: int | None = None,
    repaired: list[int] | None = None,
) -> pd.DataFrame:
    """The csv module, line by line: knows where every record starts and handles ragged rows.

    ``absorb``: the position of a column that takes a row's surplus values (joined back with the
    delimiter); the rows so repaired are added to ``repaired`` by their line.
    """
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
            k = len(row) - ncol
            # Only text can have spilled over: a blank piece (",,") is a value of its own.
            if (
                absorb is not None
                and k > 0
                and all(v.strip() for v in row[absorb : absorb + k + 1])
            ):
                row = [
                    *row[:absorb],
                    delim.join(row[absorb : absorb + k + 1]),
                    *row[absorb + k + 1 :],
                ]
                if repaired is not None:
                    repaired.append(start)
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

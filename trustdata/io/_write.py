"""Writing log folders, with formula-looking text neutralised (and un-neutralised on reading)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem
from trustdata.io._columns import _as_text
from trustdata.io._files import EXTENSIONS, check_path
from trustdata.logs import Logs


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
    >>> from trustdata.io import from_frames, load
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
    """Write each table to a temporary file in ``folder`` and rename it over the old one
    (:func:`trustdata._atomic.atomic_path`): an interrupted write leaves every file whole.
    A file of the same table in another format is removed only once the new one is in place."""
    from trustdata._atomic import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    for table in schemas.TABLES:
        frame = getattr(logs, table)
        if table != "checkins" and len(frame) == 0:
            continue
        target = folder / f"{table}.{format}"
        with atomic_path(target) as tmp:
            _write_one(table, frame, tmp, format)
        for other in EXTENSIONS:
            stale = folder / f"{table}{other}"
            if stale != target and stale.exists():
                stale.unlink()


def _write_one(table: str, frame: pd.DataFrame, target: Path, format: str) -> None:
    if format == "parquet":
        frame.to_parquet(target, index=False)
        return
    text = _to_text_frame(table, frame, for_json=format == "json")
    if format == "csv":
        # a header cell a spreadsheet would run as a formula gets the same ' as a data cell
        text.columns = _escape(pd.Series([str(c) for c in text.columns], dtype="str")).tolist()
        text.to_csv(target, index=False, lineterminator="\n", encoding="utf-8")
    else:
        text = text.astype(object).where(text.notna(), None)
        records = [
            {k: v for k, v in zip(text.columns, row, strict=True) if v is not None}
            for row in text.itertuples(index=False, name=None)
        ]
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(records, fh, ensure_ascii=False, indent=1)


# A text cell a spreadsheet would run as a formula (after any number of protecting quotes).
_FORMULA_RE = r"^'*[=+\-@\t\r]"


_ESCAPED_RE = r"^'+[=+\-@\t\r]"


_PLAIN_NUMBER_RE = r"^[+-]?\d+(\.\d+)?$"


def _escape(values: pd.Series) -> pd.Series:
    risky = values.str.match(_FORMULA_RE, na=False) & ~values.str.match(_PLAIN_NUMBER_RE, na=False)
    if not risky.any():
        return values
    out = values.copy()
    out.loc[risky] = "'" + values.loc[risky]
    return out


def _unescape(values: pd.Series) -> pd.Series:
    """Remove the one ``'`` that :func:`write` put in front of a formula-looking text cell."""
    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and isinstance(values.dtype, pd.StringDtype):
        # arrow-backed text: the same, in pyarrow (RE2 reads the pattern alike)

        fixed = _unescape_arrow(arr)
        if fixed is None:
            return values
        from pandas.core.arrays.string_arrow import ArrowStringArray

        array = ArrowStringArray(fixed, dtype=pd.StringDtype("pyarrow", np.nan))
        return pd.Series(array, index=values.index, name=values.name, copy=False)
    quoted = values.str.startswith("'", na=False)
    if not quoted.any():
        return values
    escaped = quoted & values.str.match(_ESCAPED_RE, na=False)
    if not escaped.any():
        return values
    out = values.copy()
    out.loc[escaped] = values.loc[escaped].str.slice(1)
    return out


def _unescape_arrow(arr: Any) -> Any:
    """:func:`_unescape` on a pyarrow (chunked) string array: the fixed array as a chunked
    ``large_string`` array, or None when no cell is escaped.

    Which cells start with ``'`` is read from each chunk's offsets and bytes (no copy); the
    pattern is matched on those cells only, and only the chunks where one is escaped are
    rebuilt, from their buffers, with one byte less per escaped cell (the others are kept).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out, changed = [], False
    for chunk in chunks:
        quoted = _quoted_cells(chunk)
        if quoted is not None:
            cells = chunk.take(pa.array(quoted))
            escaped = pc.fill_null(pc.match_substring_regex(cells, _ESCAPED_RE), False)
            escaped = escaped.to_numpy(zero_copy_only=False)
            if escaped.any():
                out.append(_drop_first_bytes(chunk, quoted[escaped]))
                changed = True
                continue
        out.append(chunk if pa.types.is_large_string(chunk.type) else chunk.cast(pa.large_string()))
    if not changed:
        return None
    return pa.chunked_array(out, pa.large_string())


def _drop_first_bytes(chunk: Any, rows: np.ndarray) -> Any:
    """The string chunk with the first byte of each cell at ``rows`` removed, as one
    ``large_string`` array built from the chunk's buffers."""
    import pyarrow as pa

    if not pa.types.is_large_string(chunk.type):
        chunk = chunk.cast(pa.large_string())
    n = len(chunk)
    validity, offsets, data = chunk.buffers()
    off = np.frombuffer(offsets, dtype=np.int64, count=chunk.offset + n + 1)[chunk.offset :]
    first = int(off[0])
    new_data = np.delete(
        np.frombuffer(data, dtype=np.uint8)[first : int(off[-1])], off[rows] - first
    )
    shift = np.zeros(n + 1, dtype=np.int64)
    shift[rows + 1] = 1  # one byte fewer from each escaped cell on
    np.cumsum(shift, out=shift)
    new_off = off - first
    new_off -= shift
    if validity is not None and chunk.offset:
        validity = pa.array(chunk.is_valid().to_numpy(zero_copy_only=False)).buffers()[1]
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity if chunk.null_count else None, pa.py_buffer(new_off), pa.py_buffer(new_data)],
        null_count=chunk.null_count,
    )


def _quoted_cells(chunk: Any) -> np.ndarray | None:
    """Positions of the present cells of one string chunk that start with ``'`` (None when
    there are none), read from its offsets and bytes."""
    import pyarrow as pa

    n = len(chunk)
    if not n:
        return None
    validity, offsets, data = chunk.buffers()
    if data is None:
        return None
    wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
    off = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32, count=chunk.offset + n + 1)
    off = off[chunk.offset :]
    raw = np.frombuffer(data, dtype=np.uint8)
    quoted = off[1:] > off[:-1]
    quoted[quoted] = raw[off[:-1][quoted]] == ord("'")
    if not quoted.any():
        return None
    if validity is not None and chunk.null_count:
        quoted &= chunk.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(quoted)
    return rows if len(rows) else None


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

"""What each known column holds, and how a value is shown as text (shared by the io modules).

The facts come from :mod:`trustdata.schemas`; this only says how each column is parsed, what a
reason says was expected, and how values are written as text in files and reasons.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem

_LINE = "_line"


_PROBLEM = "_problem"


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
        if n in (_LINE, _PROBLEM):  # the loader's own bookkeeping columns: keep the file's
            n = f"{n} (column {i} of the file)"
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


#: Facts about arrays worked out while one table is read and checked (see :func:`_known`).
_FACTS: dict[tuple[Any, ...], tuple[np.ndarray, dict[str, Any]]] = {}


def _known(values: np.ndarray, fact: str, compute: Any) -> Any:
    """``compute(values)``, worked out once per array while one table is read and checked.

    The type checks, the schema's bounds, the uniqueness check and the calendar check each
    ask for a column's least and greatest value (or whether it holds a NaT, or only
    midnights): each is one pass over millions of rows, done once here.  An entry is keyed by
    the memory the array views (address, shape, strides, dtype), so that two views of one
    column share it, and holds the array, so that no other array can take that memory while
    the entry lives; nothing in the loader writes into an array it has read.  The entries go
    when the table is done (:func:`_forget_facts`).
    """
    key = (values.__array_interface__["data"][0], values.shape, values.strides, values.dtype.str)
    entry = _FACTS.get(key)
    if entry is None:
        entry = _FACTS[key] = (values, {})
    facts = entry[1]
    if fact not in facts:
        facts[fact] = compute(values)
    return facts[fact]


def _forget_facts() -> None:
    """Drop what :func:`_known` remembered (after each table, and the arrays with it)."""
    _FACTS.clear()


def _least(values: np.ndarray) -> Any:
    """The least of ``values`` (not empty), once per array while a table is read."""
    return _known(values, "min", np.min)


def _greatest(values: np.ndarray) -> Any:
    """The greatest of ``values`` (not empty), once per array while a table is read."""
    return _known(values, "max", np.max)


#: Rows per chunk of an all-missing text column (every chunk is the same immutable array).
_NULL_CHUNK = 1 << 16


def _null_text(n: int, dtype: pd.StringDtype | None = None) -> pd.Series:
    """``n`` missing values as ``str`` (as ``pd.Series(np.nan, index=range(n), dtype="str")``),
    in little memory: one all-missing pyarrow chunk, repeated."""
    import pyarrow as pa
    from pandas.core.arrays.string_arrow import ArrowStringArray

    dtype = dtype if dtype is not None else pd.StringDtype("pyarrow", np.nan)
    chunk = pa.nulls(min(n, _NULL_CHUNK), pa.large_string())
    chunks = [chunk] * (n // _NULL_CHUNK) + [chunk.slice(0, n % _NULL_CHUNK)]
    array = ArrowStringArray(pa.chunked_array(chunks, pa.large_string()), dtype=dtype)
    return pd.Series(array, index=pd.RangeIndex(n), copy=False)


def _blank_text(values: pd.Series, *, missing: bool) -> np.ndarray:
    """Where ``values`` (``str``) are empty or only whitespace, as ``values.str.strip() == ""``
    decides; missing values count as blank when ``missing``.

    For arrow-backed text this is pyarrow's ``utf8_is_space`` (the same whitespace as the
    ``utf8_trim_whitespace`` that ``str.strip`` uses) with no stripped copy of the column.
    """
    arr = getattr(values.array, "_pa_array", None)
    if arr is None or not isinstance(values.dtype, pd.StringDtype):
        blank = (values.str.strip() == "").to_numpy(dtype=bool, na_value=False)
        return blank | values.isna().to_numpy(dtype=bool) if missing else blank
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for chunk in arr.chunks:
        part = _blank_chunk(chunk, missing) if pa.types.is_large_string(chunk.type) else None
        if part is None:
            out = pc.or_(pc.equal(pc.binary_length(chunk), 0), pc.utf8_is_space(chunk))
            part = np.asarray(pc.fill_null(out, missing).to_numpy(zero_copy_only=False), bool)
        parts.append(part)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _blank_chunk(chunk: Any, missing: bool) -> np.ndarray | None:
    """:func:`_blank_text` on one large_string chunk: only cells that are empty or start with
    a byte that may begin whitespace (:data:`_EDGE_BYTES`) can be blank, so only those go
    through ``utf8_is_space`` (the first bytes are read from the offsets, with no copy)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(chunk)
    validity, offsets, data = chunk.buffers()
    if not n or data is None:
        return None
    off = np.frombuffer(offsets, dtype=np.int64, count=chunk.offset + n + 1)[chunk.offset :]
    raw = np.frombuffer(data, dtype=np.uint8)
    starts = off[:-1]
    filled = off[1:] > starts
    blank = ~filled
    maybe = np.flatnonzero(filled)
    maybe = maybe[_EDGE_BYTES[raw[starts[maybe]]]]
    if len(maybe):
        spaces = pc.utf8_is_space(chunk.take(pa.array(maybe)))
        blank[maybe] = np.asarray(pc.fill_null(spaces, False).to_numpy(zero_copy_only=False), bool)
    if validity is not None and chunk.null_count:
        # the validity bitmap unpacked (one byte a cell, no arrow boolean array in between)
        bits = np.frombuffer(validity, dtype=np.uint8)
        count = chunk.offset + n
        present = np.unpackbits(bits, count=count, bitorder="little")[chunk.offset :].view(bool)
        if missing:
            blank |= ~present
        else:
            blank &= present
    return blank


#: Bytes a cell may start or end with when ``str.strip`` could change it: ASCII controls and
#: space, and every byte of a multi-byte UTF-8 character (some are whitespace, e.g. U+00A0).
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[:0x21] = True
_EDGE_BYTES[0x7F:] = True


def _strip_text(values: pd.Series) -> pd.Series:
    """``values.str.strip()``, or ``values`` itself when no cell starts or ends with a byte
    that could be whitespace (read from the pyarrow offsets and bytes: no stripped copy)."""
    arr = getattr(values.array, "_pa_array", None)
    if arr is None or not isinstance(values.dtype, pd.StringDtype):
        return values.str.strip()
    import pyarrow as pa

    for chunk in arr.chunks:
        n = len(chunk)
        validity, offsets, data = chunk.buffers()
        if not n or data is None:
            continue
        if not (pa.types.is_large_string(chunk.type) or pa.types.is_string(chunk.type)):
            return values.str.strip()
        wide = pa.types.is_large_string(chunk.type)
        off = np.frombuffer(
            offsets, dtype=np.int64 if wide else np.int32, count=chunk.offset + n + 1
        )
        off = off[chunk.offset :]
        raw = np.frombuffer(data, dtype=np.uint8)
        filled = off[1:] > off[:-1]
        if validity is not None and chunk.null_count:
            filled &= chunk.is_valid().to_numpy(zero_copy_only=False)
        first, last = off[:-1][filled], off[1:][filled] - 1
        if _EDGE_BYTES[raw[first]].any() or _EDGE_BYTES[raw[last]].any():
            return values.str.strip()
    return values


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


#: A value longer than this many characters is shortened in a reason (the rejected record
#: keeps it whole): a reason is read by a person, and a megabyte in it costs memory per copy.
SHOWN_CHARS = 60


def _fmt(value: Any) -> str:
    """A value as shown in a reason: numbers bare, text quoted, long values shortened.

    >>> _fmt(7), _fmt("seven")
    ('7', "'seven'")
    >>> _fmt("9" * 100)
    "'999999999999999999999999999999999999999999999999999999999999...' (100 characters)"
    """
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _json_text(float(value)) or "missing"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    text = str(value)
    if len(text) > SHOWN_CHARS:
        head = repr(text[:SHOWN_CHARS])
        return f"{head[:-1]}...{head[-1]} ({len(text):,} characters)"
    return repr(text)

"""Typed parsing: each known column converted from text (or typed values), one reason per failure.

Known columns are parsed by trustdata itself (numbers, dates, timestamps with UTC offsets,
categories, yes/no), working on the distinct values of a column and spreading the result by
codes.  A value that does not convert is remembered in :class:`_Problems` with a reason that
names the column, the value and what was expected.  Typed inputs (Parquet files, in-memory
frames) are turned into the same raw frames by :func:`_raw_from_frame`.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.io._columns import (
    _EXPECTED,
    _KIND,
    _LINE,
    _OFFSET_LIMIT,
    _PROBLEM,
    _as_text,
    _blank_text,
    _clean_names,
    _fmt,
    _greatest,
    _known,
    _least,
    _null_text,
    _strip_text,
)

_TS_RE = re.compile(
    r"^(?P<wall>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?)"
    r"\s*(?P<off>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)


_TS_PATTERN = _TS_RE.pattern


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
            if kind == "number":
                return True
            bounds = _int_bounds(values)
            if bounds is None:
                return True
            return max(abs(bounds[0]), abs(bounds[1])) < 2**53
        data = getattr(values.array, "_data", None)
        if kind == "number" and isinstance(data, np.ndarray) and data.dtype.kind == "f":
            # a masked array's values, masked slots too: finite there means finite everywhere
            if _finite(data):
                return True
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[~np.isnan(arr)]
        if kind == "number":
            return bool(np.isfinite(arr).all())
        return bool((np.abs(arr) < 2**53).all() and (arr == np.round(arr)).all())
    if kind in ("date", "timestamp"):
        if not pd.api.types.is_datetime64_dtype(dtype) or isinstance(dtype, pd.DatetimeTZDtype):
            return False
        arr = values.to_numpy()
        if arr.dtype != "datetime64[ns]":
            arr = arr[~np.isnat(arr)]
            inside = (arr >= _NS_MIN.to_datetime64()) & (arr < _NS_MAX.to_datetime64())
            if kind == "date":
                inside &= arr.astype("datetime64[D]") == arr
            return bool(inside.all())
        # the present nanoseconds as integers: two reductions and, for dates, one remainder
        # (once per column while the table is read: the later checks ask again)
        whole = arr.view("int64")
        if _has_nat(arr):
            ns = whole[~np.isnat(arr)]
            if not len(ns):
                return True
            low, high = int(ns.min()), int(ns.max())
        elif not len(whole):
            return True
        else:
            ns = whole
            low, high = int(_least(whole)), int(_greatest(whole))
        if low < _NS_MIN.value or high >= _NS_MAX.value:
            return False
        if kind != "date":
            return True
        if ns is whole:
            return _midnights(whole)
        return not bool((ns % _DAY_NS).any())
    if kind == "bool":
        return pd.api.types.is_bool_dtype(dtype)
    if kind in ("category", "kind", "role"):
        return isinstance(dtype, pd.CategoricalDtype)  # parsed from its categories' text
    if kind == "id":  # text categories (a Parquet dictionary): parsed once per category
        return isinstance(dtype, pd.CategoricalDtype) and _text_categories(dtype)
    return False


def _finite(values: np.ndarray) -> bool:
    """Whether every one of float ``values`` is finite (once per array while a table is read)."""
    return bool(_known(values, "finite", lambda v: _every(v, lambda c: np.isfinite(c).all())))


#: Values per piece of :func:`_every` (small temporaries, reused while they stay in cache).
_PIECE = 1 << 16


def _every(values: np.ndarray, test: Any) -> bool:
    """Whether ``test`` holds for every piece of ``values`` (stopping at the first that fails):
    a test such as ``not (v % day).any()`` over millions of rows then needs no temporary of
    the column's size (fresh memory that the system must zero and map)."""
    return all(test(values[at : at + _PIECE]) for at in range(0, len(values), _PIECE))


def _has_nat(values: np.ndarray) -> bool:
    """Whether ``datetime64`` ``values`` hold a NaT (once per array while a table is read)."""
    return bool(_known(values, "nat", lambda v: np.isnat(v).any()))


def _midnights(ns: np.ndarray) -> bool:
    """Whether every one of ``ns`` (``datetime64[ns]`` as int64, no NaT) is a midnight (once
    per array while a table is read)."""
    return bool(_known(ns, "midnights", lambda v: _every(v, lambda c: not (c % _DAY_NS).any())))


def _text_categories(dtype: pd.CategoricalDtype) -> bool:
    categories = dtype.categories
    if isinstance(categories.dtype, pd.StringDtype):
        return True
    return categories.dtype == object and all(isinstance(c, str) for c in categories)


_DAY_NS = 86_400 * 10**9


def _int_bounds(values: pd.Series) -> tuple[int, int] | None:
    """Bounds of the present values of an integer column (None when none is present): the
    least and greatest of a masked array's whole data when they already fit (the data under
    the mask can only widen them), otherwise of its present values."""
    array = values.array
    data = getattr(array, "_data", None)
    mask = getattr(array, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray) and data.dtype.kind in "iu":
        if not len(data) or (mask.any() and mask.all()):
            return None
        low, high = int(_least(data)), int(_greatest(data))  # no copy; a superset of the present
        if max(abs(low), abs(high)) < 2**53 or not mask.any():
            return low, high
        ints = data[~mask]
    else:
        ints = values.dropna().to_numpy()
    if not len(ints):
        return None
    return int(ints.min()), int(ints.max())


def _raw_from_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    names = _clean_names([str(c) for c in frame.columns if c not in (_LINE, _PROBLEM)], name)
    data: dict[str, pd.Series] = {}
    src = [c for c in frame.columns if c not in (_LINE, _PROBLEM)]
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.equals(pd.RangeIndex(len(frame)))
    for col, new in zip(src, names, strict=True):
        series = frame[col] if plain else frame[col].reset_index(drop=True)
        # Known columns are parsed from text, unless their type is already the right one (then
        # they are only checked); extra columns are kept as they are.
        if new in _KIND and not _keeps_type(_KIND[new], series):
            series = _as_text(series)
        data[new] = series
    raw = pd.DataFrame(data, index=pd.RangeIndex(len(frame)), copy=False)  # copy-on-write
    if _LINE in frame.columns:
        line = pd.to_numeric(frame[_LINE].reset_index(drop=True), errors="coerce")
        fallback = pd.Series(np.arange(1, len(frame) + 1), dtype="float64")
        raw[_LINE] = line.where(line.notna() & (line >= 1), fallback).astype("int64")
    # else no line column: a record's line is its position + 1 (see _validate._lines), worked
    # out only for the records that need one (rejected, or first of a duplicate)
    if _PROBLEM in frame.columns:
        raw[_PROBLEM] = _as_text(frame[_PROBLEM].reset_index(drop=True))
    else:
        raw[_PROBLEM] = _null_text(len(raw))  # no problem yet: one shared all-missing chunk
    return raw


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


def _factorize(text: pd.Series) -> tuple[np.ndarray, pd.Index]:
    if isinstance(text.dtype, pd.CategoricalDtype):  # its codes, and its categories as text
        categories = pd.Series(np.asarray(text.cat.categories, dtype=object))
        # the codes in their own (small) integer type: -1 indexes a lookup table's last entry
        return text.cat.codes.to_numpy(), pd.Index(_as_text(categories), dtype="str")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    return codes, pd.Index(uniques, dtype="str")


def _missing_mask(text: pd.Series) -> np.ndarray:
    return _blank_text(text, missing=True)


def _exactly_whole(text: str) -> bool:
    """True when ``text`` (a number pandas could read) is exactly a whole number."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return True  # a form Decimal does not know (pandas read it): leave the check to pandas
    return value.is_finite() and value == value.to_integral_value()


def _parse_column(
    table: str,
    col: str,
    kind: str,
    text: pd.Series,
    problems: _Problems,
    required: bool,
    compact: dict[str, tuple[np.ndarray, pd.Index]] | None = None,
    distinct: dict[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> pd.Series:
    """Convert one column's text; ``compact`` receives (codes, distinct texts) of factorised
    columns, from which the original text of any row can be rebuilt once the raw column is gone;
    ``distinct`` receives, for categories, kinds and roles, the row codes (-1 where missing) and
    the values they index, so that the schema checks can look at those values only.
    """
    n = len(text)
    if not _is_text(text) and not isinstance(text.dtype, pd.CategoricalDtype):
        # Kept typed by _raw_from_frame: nothing to parse.
        if required:
            missing = text.isna().to_numpy(dtype=bool)
            if missing.any():
                problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        if kind == "whole":
            return text.astype("Int64")  # no copy when it is Int64 already (copy-on-write)
        if kind == "number":
            data = getattr(text.array, "_data", None)
            if text.dtype == "Float64" and isinstance(data, np.ndarray) and _finite(data):
                # no NaN or infinity even under the mask: the missing values are the mask's,
                # as a round trip through float64 would make them (no copy, copy-on-write)
                return text.astype("Float64")
            arr = text.to_numpy(dtype="float64", na_value=np.nan)
            return pd.Series(pd.array(arr, dtype="Float64"), index=text.index, copy=False)
        if kind == "date":
            return text.astype("datetime64[ns]").set_axis(pd.RangeIndex(n))
        if kind == "bool":
            return text.astype("boolean")
        raise AssertionError(kind)  # pragma: no cover - _keeps_type keeps no other kind
    if kind in ("id", "text"):
        missing = _blank_text(text, missing=True)
        if required and missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        if kind == "id":
            stripped = _strip_text(text)
            return _null_where(stripped, missing) if missing.any() else stripped
        if _only_nulls(text, missing):
            return text.astype("str")  # the blank cells are the missing ones already
        return _null_where(text, missing)
    # Everything else has few distinct values: work on those, then spread by the codes.
    codes, uniques = _factorize(text)
    if compact is not None:
        small = np.int32 if len(uniques) < 2**31 - 1 else np.int64
        if codes.dtype.itemsize > np.dtype(small).itemsize:
            codes = codes.astype(small)
        compact[col] = (codes, uniques)
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
            # read as text, not as a float: 6.9999999999999999 is a float 7.0 but no whole number
            inexact = np.array(
                [
                    not b and not f and not _exactly_whole(u)
                    for u, b, f in zip(uniques, bad_u, frac, strict=True)
                ],
                dtype=bool,
            )
            values = np.where(bad_u | frac | inexact, np.nan, num)
            bad_u |= inexact
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
        # per distinct value, then spread by the codes (a missing code, -1, takes the last)
        lookup = np.append(values, np.nan)
        with np.errstate(invalid="ignore"):
            ok = ~np.isnan(lookup) & (np.abs(lookup) < 2**53)
        if kind == "whole":
            whole = np.where(ok, lookup, 0).astype("int64")
            ints = pd.arrays.IntegerArray(whole[codes], ~ok[codes])
            return pd.Series(ints, index=text.index, copy=False)  # fresh arrays: no copy
        floats = pd.arrays.FloatingArray(lookup[codes], np.isnan(lookup)[codes])
        return pd.Series(floats, index=text.index, copy=False)
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
            [cats.index(m) if m is not None else -1 for m in mapped] + [-1], dtype="int8"
        )
        codes2 = cat_code[codes]
        if kind == "role":
            out = _text_from_codes(codes2, list(cats), text.index)
        else:
            out = pd.Series(
                pd.Categorical.from_codes(codes2, categories=list(cats)),
                index=text.index,
                copy=False,
            )
        if distinct is not None:
            distinct[col] = (codes2, pd.Series(list(cats), dtype=out.dtype))
        return out
    if kind == "bool":
        mapped = [schemas.normalize_bool(u) for u in uniques]
        bad_u = np.array([m is None for m in mapped], dtype=bool)
        shown = np.array([f"{col} is {_fmt(u)}, expected {_EXPECTED[col]}" for u in uniques])
        _report_uniques(codes, bad_u, shown.astype(object), col, problems)
        lookup = np.array([-1 if m is None else int(m) for m in mapped] + [-1], dtype="int8")
        v = lookup[codes]
        return pd.Series(pd.arrays.BooleanArray(v == 1, v < 0), index=text.index, copy=False)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def _text_from_codes(codes: np.ndarray, texts: Any, index: pd.Index) -> pd.Series:
    """``str`` values ``texts[code]`` (missing where the code is -1), built in pyarrow from the
    codes rather than one Python string per row (``texts``: a list of ``str``, or a pandas
    Index or array of them)."""
    import pyarrow as pa
    from pandas.core.arrays.string_arrow import ArrowStringArray

    arrow = getattr(getattr(texts, "array", texts), "_pa_array", None)
    if arrow is not None:  # pyarrow-backed text: no Python string per distinct value either
        pieces = [c.cast(pa.large_string()) for c in arrow.chunks]
        lookup = pa.concat_arrays([*pieces, pa.nulls(1, pa.large_string())])
    else:
        lookup = pa.array([*texts, None], type=pa.large_string())
    n_texts = len(lookup) - 1
    if len(codes) and int(codes.min()) >= 0:  # none missing: the codes index as they are
        where = codes
    else:
        where = np.where(codes >= 0, codes, n_texts)
    values = _take_same_width(lookup, where) if where is codes else None
    if values is None:
        if where.dtype.kind != "i" or where.dtype.itemsize > 4:
            where = where.astype("int32")
        values = lookup.take(pa.array(where))
    array = ArrowStringArray(
        pa.chunked_array([values], pa.large_string()), dtype=pd.StringDtype("pyarrow", np.nan)
    )
    return pd.Series(array, index=index, copy=False)


def _take_same_width(lookup: Any, codes: np.ndarray) -> Any:
    """``lookup.take(codes)`` for a ``large_string`` ``lookup`` whose texts (all but its last
    entry, the missing one, which no code picks here) have one byte length, such as ids
    ``couple-00001`` ... or partners ``A``/``B``: each text is then a fixed-width record, and the
    rows' bytes are one numpy take of those records (no per-row offset lookups), their offsets
    ``0, w, 2w, ...``.  None when the texts' lengths differ (pyarrow's take does it then).

    >>> import pyarrow as pa
    >>> got = _take_same_width(pa.array(["ab", "cd", None], pa.large_string()), np.array([1, 0, 1]))
    >>> got.to_pylist()
    ['cd', 'ab', 'cd']
    """
    import pyarrow as pa

    n_texts, n = len(lookup) - 1, len(codes)
    if (
        not n
        or n_texts < 1
        or codes.dtype.kind not in "iu"
        or not pa.types.is_large_string(lookup.type)
    ):
        return None
    if lookup.slice(0, n_texts).null_count:
        return None
    _, offsets, data = lookup.buffers()
    off = np.frombuffer(offsets, dtype=np.int64, count=lookup.offset + n_texts + 1)
    off = off[lookup.offset :]
    width = int(off[1] - off[0])
    if width < 1 or int(off[-1] - off[0]) != width * n_texts:
        return None
    if n_texts > 1 and not bool((np.diff(off) == width).all()):
        return None
    if int(codes.min()) < 0 or int(_greatest(codes)) >= n_texts:
        return None
    texts = np.frombuffer(data, dtype=np.uint8, count=int(off[-1]))[int(off[0]) :]
    rows = np.take(texts.view(f"V{width}"), codes)  # n fixed-width records, in order
    starts = np.arange(n + 1, dtype=np.int64)
    starts *= width
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(starts), pa.py_buffer(rows.view(np.uint8)), null_count=0
    )


def _report_uniques(
    codes: np.ndarray, bad_unique: np.ndarray, shown: np.ndarray, col: str, problems: _Problems
) -> None:
    if not bad_unique.any():
        return
    bad_rows = np.flatnonzero((codes >= 0) & bad_unique[np.maximum(codes, 0)])
    problems.add(bad_rows, shown[codes[bad_rows]], col)


#: The years a log's dates may have (first day, and the day after the last).  A year outside
#: is a typo (``1725`` for ``2025``); the range also keeps every interval between two dates of
#: the logs inside what a ``Timedelta`` holds (292 years), so no analysis overflows.
MIN_YEAR, MAX_YEAR = 1900, 2150
_NS_MIN = pd.Timestamp(f"{MIN_YEAR}-01-01")


_NS_MAX = pd.Timestamp(f"{MAX_YEAR + 1}-01-01")


def _to_ns(parsed: pd.Series) -> pd.Series:
    """datetime64[ns] with values outside MIN_YEAR-MAX_YEAR made missing."""
    parsed = parsed.where((parsed >= _NS_MIN) & (parsed < _NS_MAX))
    return parsed.astype("datetime64[ns]")


_OFFSET_SUFFIX = r"\s*(?:[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)$"


def _parse_dates(
    col: str, codes: np.ndarray, uniques: pd.Index, problems: _Problems, n: int
) -> pd.Series:
    u = pd.Series(uniques, dtype="str").str.strip()
    parsed = pd.to_datetime(u, format="%Y-%m-%d", errors="coerce")
    retry = parsed.isna() & u.str.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", na=False)
    if retry.any():
        # A full ISO date-time is accepted when its time is midnight; its offset is ignored
        # (removed first: offsets that differ, as across a daylight-saving switch, or Z next
        # to none, made pandas refuse the whole column)
        wall = u[retry].str.replace(_OFFSET_SUFFIX, "", regex=True)
        more = pd.to_datetime(wall, format="ISO8601", errors="coerce")
        if isinstance(more.dtype, pd.DatetimeTZDtype):
            more = more.dt.tz_localize(None)
        more = more.where(more == more.dt.normalize())
        parsed = parsed.astype("datetime64[us]")
        parsed.loc[retry] = more.astype("datetime64[us]")
    outside = (parsed.notna() & ((parsed < _NS_MIN) | (parsed >= _NS_MAX))).to_numpy()
    parsed = _to_ns(parsed)
    bad_u = parsed.isna().to_numpy()
    shown = np.array(
        [
            f"{col} is {_fmt(x)}, expected a year from {MIN_YEAR} to {MAX_YEAR} (a typo?)"
            if far
            else f"{col} is {_fmt(x)}, expected {_EXPECTED[col]}"
            for x, far in zip(uniques, outside, strict=True)
        ],
        dtype=object,
    )
    _report_uniques(codes, bad_u, shown, col, problems)
    lookup = np.append(parsed.to_numpy().astype("datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(lookup[codes], index=pd.RangeIndex(n), copy=False)


def _parse_timestamp(
    raw: pd.DataFrame, col: str, problems: _Problems
) -> tuple[pd.Series, pd.Series, pd.Series]:
    text = raw[col]
    n = len(text)
    typed = not _is_text(text)
    if not typed:
        stripped = _strip_text(text)
        missing = _blank_text(text, missing=True)
        if missing.any():
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        ts_values, offset, date_only = _timestamp_parts(stripped, missing)
    else:  # naive datetimes kept typed by _raw_from_frame: wall-clock times, no offset
        ts_values = text.to_numpy()
        if ts_values.dtype != "datetime64[ns]":
            ts_values = ts_values.astype("datetime64[ns]")  # else the column's own (no copy)
        missing = np.isnat(ts_values)
        any_missing = bool(missing.any())
        if any_missing:
            problems.add(np.flatnonzero(missing), f"{col} is missing", col)
        offset = None  # no offset was written: every one is missing
        # As text, a column of midnights is written as dates only (the time is not known).
        date_only = ~missing if any_missing else np.ones(n, dtype=bool)
        if not _all_midnight(ts_values, missing if any_missing else None):
            date_only[:] = False
    ts = pd.Series(ts_values, index=pd.RangeIndex(n), copy=False)
    # a typed value is a time, or missing: only text can fail to parse
    bad = np.zeros(n, dtype=bool) if typed else ~missing & ts.isna().to_numpy()
    if bad.any():
        where = np.flatnonzero(bad)
        shown = [f"{col} is {_fmt(v)}, expected {_EXPECTED[col]}" for v in text.to_numpy()[where]]
        problems.add(where, np.array(shown, dtype=object), col)
    if offset is not None:
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
    no_offset = offset is None or bool(np.isnan(offset).all())  # e.g. naive times
    given_column = "utc_offset_minutes" in raw.columns
    if no_offset:
        # every offset missing; not made when the file's own column is kept instead (below)
        offset_series = None if given_column else _all_missing_int(n)
    else:
        offset_series = pd.Series(pd.array(offset, dtype="Float64")).round().astype("Int64")
    if given_column:
        given = _parse_column(
            "triggers", "utc_offset_minutes", "whole", raw["utc_offset_minutes"], problems, False
        )
        both = (
            given.notna() & offset_series.notna() & (given != offset_series)
            if not no_offset
            else pd.Series(False, index=given.index)
        )
        if both.any():
            where = np.flatnonzero(both.to_numpy(dtype=bool))
            shown = [
                f"utc_offset_minutes is {given.iloc[i]} but the timestamp "
                f"{_fmt(text.iloc[i])} says {offset_series.iloc[i]}"
                for i in where
            ]
            problems.add(where, np.array(shown, dtype=object), "utc_offset_minutes")
        offset_series = (given if no_offset else given.fillna(offset_series)).astype("Int64")
    if "time_known" in raw.columns and raw["time_known"].dtype == np.bool_:
        known_time = raw["time_known"]  # typed, none missing: what parsing it gives (no copy)
    else:
        known_time = pd.Series(~date_only, dtype=bool)
        if "time_known" in raw.columns:
            given_known = _parse_column(
                "triggers", "time_known", "bool", raw["time_known"], problems, False
            )
            known_time = given_known.fillna(known_time).astype(bool)
    ts = ts.astype("datetime64[ns]")
    ts.index = pd.RangeIndex(n)
    return ts, offset_series, known_time


def _all_missing_int(n: int) -> pd.Series:
    """``n`` missing ``Int64`` values over a 0, 1, 2, ... index, made in place (the values are
    zeros the system maps lazily; no copy by the Series)."""
    array = pd.arrays.IntegerArray(np.zeros(n, "int64"), np.ones(n, bool))
    return pd.Series(array, index=pd.RangeIndex(n), copy=False)


_NAT = np.datetime64("NaT", "ns")


def _all_midnight(values: np.ndarray, missing: np.ndarray | None) -> bool:
    """Whether every present ``datetime64[ns]`` value is a midnight (``missing``: None when
    none is missing).  A few values are looked at first: a column of times has a non-midnight
    among them, and then the whole column is not read."""
    ns = values.view("int64")
    head = ns[:1024] if missing is None else ns[:1024][~missing[:1024]]
    if (head % _DAY_NS).any():
        return False
    present = ns if missing is None else ns[~missing]
    return _every(present, lambda c: not (c % _DAY_NS).any())


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
    arr = _arrow_text(stripped)
    todo = ~missing
    if _cast_iso(arr, todo, ts, offset, date_only):  # every value in one of the usual shapes
        return ts, offset, date_only
    _plain_iso(arr, todo, ts, offset, date_only)  # most values: read from the bytes, in numpy
    if not todo.any():
        return ts, offset, date_only
    length = pc.fill_null(pc.utf8_length(arr), -1).to_numpy()

    def pick(mask: np.ndarray) -> Any:
        if mask.all():  # every row: no copy
            return arr
        return pc.filter(arr, pa.array(mask))  # a filter copies far less than a take

    def exact(rows: np.ndarray, values: Any, fmt: str) -> np.ndarray:
        try:  # pyarrow's ISO parser is strict (no 30 February) and fast, but all-or-nothing
            parsed = np.asarray(pc.cast(values, pa.timestamp("ns")).to_numpy(), dtype="M8[ns]")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
            text = pd.Series(values.to_pandas(), dtype="str")
            parsed = _to_ns(pd.to_datetime(text, format=fmt, errors="coerce")).to_numpy()
        ok = ~np.isnat(parsed)
        ts[rows[ok]] = parsed[ok]
        todo[rows[ok]] = False
        return ok

    mask = todo & (length == 10)
    if mask.any():
        rows = np.flatnonzero(mask)
        ok = exact(rows, pick(mask), "%Y-%m-%d")
        date_only[rows[ok]] = True
    mask = todo & (length == 19)
    if mask.any():
        exact(np.flatnonzero(mask), pick(mask), "%Y-%m-%dT%H:%M:%S")
    mask = todo & (length == 25)
    if mask.any():
        rows = np.flatnonzero(mask)
        sub = pick(mask)
        encoded = pc.dictionary_encode(pc.utf8_slice_codeunits(sub, 19)).combine_chunks()
        uniques = encoded.dictionary.to_pylist()
        codes = pc.fill_null(encoded.indices, len(uniques)).to_numpy(zero_copy_only=False)
        minutes = np.array(
            [_offset_minutes(u) if re.fullmatch(r"[+-]\d\d:\d\d", u) else np.nan for u in uniques]
            + [np.nan]
        )
        off = minutes[codes]
        good = ~np.isnan(off)
        rows, off = rows[good], off[good]
        sub = pc.filter(sub, pa.array(good)) if not good.all() else sub
        ok = exact(rows, pc.utf8_slice_codeunits(sub, 0, 19), "%Y-%m-%dT%H:%M:%S")
        offset[rows[ok]] = off[ok]
    rows = np.flatnonzero(todo)
    if len(rows):
        parts = pc.extract_regex(pick(todo), _TS_PATTERN)
        wall = pd.Series(pc.struct_field(parts, "wall").to_pandas(), dtype="str")
        off_text = pd.Series(pc.struct_field(parts, "off").to_pandas(), dtype="str")
        parsed = _to_ns(pd.to_datetime(wall, format="ISO8601", errors="coerce")).to_numpy()
        ts[rows] = parsed
        date_only[rows] = (wall.str.len() == 10).to_numpy(dtype=bool)
        codes, uniques = pd.factorize(off_text)
        minutes = np.array([_offset_minutes(u) for u in uniques] + [np.nan], dtype="float64")
        offset[rows] = np.where(np.isnat(parsed), np.nan, minutes[np.where(codes >= 0, codes, -1)])
    return ts, offset, date_only


def _cast_iso(
    arr: Any, todo: np.ndarray, ts: np.ndarray, offset: np.ndarray, date_only: np.ndarray
) -> bool:
    """Read every value where ``todo`` with pyarrow's ISO parser at once, when each is ASCII of
    10, 19 or 25 bytes (``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS``, that and ``+HH:MM``, hours up
    to 23 and minutes up to 59) and the parser takes them all; False (nothing written)
    otherwise.  Chunk by chunk, so that its temporaries stay small.

    The result is what the rest of :func:`_timestamp_parts` gives such a column: there, the
    values :func:`_plain_iso` does not read go, by their length, to the same parser (which
    takes every subset of values it takes together, giving the same times) and their offsets
    to the same check (``[+-]\\d\\d:\\d\\d``, ASCII here) and :func:`_offset_minutes`; the values
    :func:`_plain_iso` reads, the parser reads to the same times.  A value with an offset is
    parsed as a UTC time and its offset added back: its wall-clock time.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = np.flatnonzero(todo)
    if not len(rows):
        return False
    sub = arr if len(rows) == len(todo) else pc.filter(arr, pa.array(todo))
    if sub.null_count:
        return False
    parsed = np.empty(len(rows), dtype="M8[ns]")
    minutes = np.full(len(rows), np.nan)
    dated = np.zeros(len(rows), dtype=bool)
    start = 0
    try:
        for chunk in sub.chunks:
            n = len(chunk)
            if not n:
                continue
            if not pc.all(pc.string_is_ascii(chunk)).as_py():
                return False
            size = np.asarray(pc.binary_length(chunk).to_numpy(), dtype=np.int64)
            zoned = size == 25
            if not ((size == 10) | (size == 19) | zoned).all():
                return False
            out = parsed[start : start + n]  # views: written in place
            if zoned.any():
                sign, hours, mins = _offset_bytes(chunk, zoned)
                if sign is None:
                    return False
                total = hours * 60 + mins
                signed = np.where(sign == ord("-"), -total, total)
                utc = pc.cast(chunk.filter(pa.array(zoned)), pa.timestamp("ns", tz="UTC"))
                ns = np.asarray(utc.cast(pa.int64()).to_numpy(), dtype=np.int64)
                out[zoned] = (ns + signed * (60 * 10**9)).view("M8[ns]")
                found = signed.astype("float64")
                found[total > _OFFSET_LIMIT] = np.inf  # as _offset_minutes says
                minutes[start : start + n][zoned] = found
            if not zoned.all():
                plain = chunk if not zoned.any() else chunk.filter(pa.array(~zoned))
                naive = pc.cast(plain, pa.timestamp("ns"))
                out[~zoned] = np.asarray(naive.to_numpy(), dtype="M8[ns]")
            dated[start : start + n] = size == 10
            start += n
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        return False
    if np.isnat(parsed).any():  # pragma: no cover - the parser gives a time or fails
        return False
    ts[rows] = parsed
    has = ~np.isnan(minutes)
    offset[rows[has]] = minutes[has]
    date_only[rows] = dated
    todo[rows] = False
    return True


def _offset_bytes(chunk: Any, zoned: np.ndarray) -> tuple[Any, Any, Any]:
    """For the ``zoned`` (25-byte ASCII) values of a large_string chunk, the sign byte and the
    hours and minutes of the ``+HH:MM`` after the 19th byte; three Nones when one is not so
    written or its hours are over 23 or its minutes over 59."""
    n = len(chunk)
    _, offsets, data = chunk.buffers()
    off = np.frombuffer(offsets, dtype=np.int64, count=chunk.offset + n + 1)[chunk.offset :]
    raw = np.frombuffer(data, dtype=np.uint8)
    at = off[:-1][zoned]
    sign = raw[at + 19]
    hh = _digits(raw, at, range(20, 22))
    mm = _digits(raw, at, range(23, 25))
    ok = _all_digits(hh + mm) & (raw[at + 22] == ord(":"))
    ok &= (sign == ord("+")) | (sign == ord("-"))
    hours, mins = _number(hh), _number(mm)
    if not (ok & (hours <= 23) & (mins <= 59)).all():
        return None, None, None
    return sign, hours, mins


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: Rows per block of :func:`_plain_iso` (its byte matrices stay a few MB).
_ISO_BLOCK = 1 << 18


def _plain_iso(
    arr: Any, todo: np.ndarray, ts: np.ndarray, offset: np.ndarray, date_only: np.ndarray
) -> None:
    """Read the values that are exactly ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS`` or that
    followed by ``+HH:MM`` (ASCII digits, a real date and time, a year from MIN_YEAR to
    MAX_YEAR) straight from the string bytes, writing ``ts``, ``offset`` and ``date_only`` and
    clearing ``todo`` for them.

    Every value read so is one the exact formats of :func:`_timestamp_parts` read to the same
    time and offset; anything else (other shapes, impossible dates, far years) is left to them.
    """
    import pyarrow as pa

    start = 0
    for chunk in arr.chunks:
        n = len(chunk)
        validity, offsets, data = chunk.buffers()
        if n and data is not None and pa.types.is_large_string(chunk.type):
            off = np.frombuffer(offsets, dtype=np.int64, count=chunk.offset + n + 1)
            off = off[chunk.offset :]
            raw = np.frombuffer(data, dtype=np.uint8)
            size = off[1:] - off[:-1]
            sel = todo[start : start + n] & ((size == 10) | (size == 19) | (size == 25))
            if validity is not None and chunk.null_count:
                sel &= chunk.is_valid().to_numpy(zero_copy_only=False)
            for dates in (True, False):
                rows = np.flatnonzero(sel & (size == 10) if dates else sel & (size != 10))
                for first in range(0, len(rows), _ISO_BLOCK):
                    block = rows[first : first + _ISO_BLOCK]
                    at = block + start
                    if dates:
                        _plain_dates_block(raw, off[block], at, todo, ts, date_only)
                    else:
                        zoned = size[block] == 25
                        _plain_iso_block(raw, off[block], zoned, at, todo, ts, offset)
        start += n


def _calendar(
    year: np.ndarray, month: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which (year, month, day) are real dates from MIN_YEAR to MAX_YEAR, and their day
    numbers since 1970-01-01 (H. Hinnant's days_from_civil, in integers)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    ok = (year >= MIN_YEAR) & (year <= MAX_YEAR) & (month >= 1) & (month <= 12)
    ok &= (day >= 1) & (day <= month_days)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return ok, days


def _digits(raw: np.ndarray, begin: np.ndarray, positions: range | list[int]) -> tuple:
    """The bytes at ``begin + p`` for each position as digit values (uint8; a byte that is not
    an ASCII digit wraps past 9), one gather per position."""
    return tuple(raw[begin + p] - np.uint8(48) for p in positions)


def _number(digits: tuple) -> np.ndarray:
    out = digits[0].astype(np.int64)
    for d in digits[1:]:
        out = out * 10 + d
    return out


def _all_digits(digits: tuple) -> np.ndarray:
    ok = digits[0] <= 9
    for d in digits[1:]:
        ok &= d <= 9
    return ok


def _plain_dates_block(
    raw: np.ndarray,
    begin: np.ndarray,
    rows: np.ndarray,
    todo: np.ndarray,
    ts: np.ndarray,
    date_only: np.ndarray,
) -> None:
    y = _digits(raw, begin, range(0, 4))
    m = _digits(raw, begin, range(5, 7))
    d = _digits(raw, begin, range(8, 10))
    ok = _all_digits(y + m + d) & (raw[begin + 4] == ord("-")) & (raw[begin + 7] == ord("-"))
    real, days = _calendar(_number(y), _number(m), _number(d))
    ok &= real
    where = rows[ok]
    ts[where] = (days[ok] * (86_400 * 10**9)).view("datetime64[ns]")
    date_only[where] = True
    todo[where] = False


_ISO_SEP_AT = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))


def _plain_iso_block(
    raw: np.ndarray,
    begin: np.ndarray,
    zoned: np.ndarray,
    rows: np.ndarray,
    todo: np.ndarray,
    ts: np.ndarray,
    offset: np.ndarray,
) -> None:
    y = _digits(raw, begin, range(0, 4))
    mo = _digits(raw, begin, range(5, 7))
    d = _digits(raw, begin, range(8, 10))
    h = _digits(raw, begin, range(11, 13))
    mi = _digits(raw, begin, range(14, 16))
    se = _digits(raw, begin, range(17, 19))
    ok = _all_digits(y + mo + d + h + mi + se)
    for at, sep in _ISO_SEP_AT:
        ok &= raw[begin + at] == ord(sep)
    hour, minute, second = _number(h), _number(mi), _number(se)
    real, days = _calendar(_number(y), _number(mo), _number(d))
    ok &= real & (hour <= 23) & (minute <= 59) & (second <= 59)
    minutes = np.full(len(rows), np.nan)
    if zoned.any():
        at = begin[zoned]
        sign = raw[at + 19]
        hh = _digits(raw, at, range(20, 22))
        mm = _digits(raw, at, range(23, 25))
        form = _all_digits(hh + mm) & (raw[at + 22] == ord(":"))
        form &= (sign == ord("+")) | (sign == ord("-"))
        hhv, mmv = _number(hh), _number(mm)
        total = (hhv * 60 + mmv).astype("float64")
        value = np.where(sign == ord("-"), -total, total)
        value[(mmv >= 60) | (total > _OFFSET_LIMIT)] = np.inf  # as _offset_minutes says
        ok[zoned] &= form
        minutes[zoned] = value
    if not ok.any():
        return
    seconds = days[ok] * 86_400 + hour[ok] * 3600 + minute[ok] * 60 + second[ok]
    where = rows[ok]
    ts[where] = (seconds * 10**9).view("datetime64[ns]")
    offset[where] = minutes[ok]
    todo[where] = False


def _arrow_text(values: pd.Series) -> Any:
    """The text of ``values`` as a pyarrow (chunked) large_string array, without a copy when
    the column is arrow-backed already."""
    import pyarrow as pa

    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and pa.types.is_large_string(arr.type):
        return arr
    return pa.chunked_array(
        [pa.array(values.array, type=pa.large_string(), from_pandas=True)], pa.large_string()
    )


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


def _only_nulls(text: pd.Series, missing: np.ndarray) -> bool:
    """Whether the ``missing`` cells of arrow-backed ``large_string`` text (which include its
    missing values) are exactly its missing values: as many as its null count."""
    import pyarrow as pa

    arr = getattr(text.array, "_pa_array", None)
    if arr is None or not isinstance(text.dtype, pd.StringDtype):
        return False
    if not all(pa.types.is_large_string(chunk.type) for chunk in arr.chunks):
        return False
    return int(np.count_nonzero(missing)) == arr.null_count


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
            if pa.types.is_string(chunk.type):  # e.g. from Parquet: 64-bit offsets, same text
                chunk = chunk.cast(pa.large_string())
            if not pa.types.is_large_string(chunk.type):
                raise TypeError("not a large_string chunk")
            keep = ~missing[start:stop]
            valid = pa.array(keep).buffers()[1]
            buffers = chunk.buffers()
            offsets = buffers[1]
            if chunk.offset:  # a slice (Parquet's row groups): its own offsets, which point
                # into the same bytes, so the new array starts at 0 with its own validity
                offsets = offsets.slice(chunk.offset * 8, (len(chunk) + 1) * 8)
            chunks.append(
                pa.Array.from_buffers(
                    chunk.type,
                    len(chunk),
                    [valid, offsets, buffers[2]],
                    null_count=int(len(chunk) - keep.sum()),
                )
            )
            start = stop
        shared = ArrowStringArray(
            pa.chunked_array(chunks, type=pa.large_string()),
            dtype=pd.StringDtype("pyarrow", np.nan),
        )
        return pd.Series(shared, index=text.index, name=text.name)
    except (AttributeError, TypeError, ValueError, pa.ArrowException):
        return text.where(~missing).astype("str")

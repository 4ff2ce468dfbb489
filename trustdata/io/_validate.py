"""Validation and quarantine: the typed frame checked with its schema, bad records set aside."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem, RecordsRejected, TrustDataError
from trustdata.io import _case, _future, _isolated, _partners
from trustdata.io._columns import (
    _EXPECTED,
    _KIND,
    _LINE,
    _PROBLEM,
    _as_text,
    _blank_text,
    _fmt,
    _greatest,
    _least,
    _null_text,
    _strip_text,
)
from trustdata.io._parse import (
    _PIECE,
    _factorize,
    _has_nat,
    _midnights,
    _missing_mask,
    _parse_column,
    _parse_timestamp,
    _Problems,
    _text_from_codes,
)
from trustdata.io._write import _unescape
from trustdata.logs import SUMMARY_COLUMNS, Logs, empty_rejected, empty_summary, empty_table

#: How many problems a :class:`RecordsRejected` message lists before pointing at ``.rejected``.
_MAX_LISTED = 100


_DUPLICATE_WORD = {"checkins": "check-in", "couples": "couple row"}


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


class _Result:
    __slots__ = ("_lines", "couple_codes", "rejected", "summary", "table", "valid")

    def __init__(
        self,
        table: str,
        valid: pd.DataFrame,
        rejected: pd.DataFrame,
        summary: dict,
        lines: np.ndarray | None = None,
        couple_codes: tuple[np.ndarray, pd.Series] | None = None,
    ):
        self.table, self.valid, self.rejected, self.summary = table, valid, rejected, summary
        # the line of each valid record (for the warnings of trustdata.io._isolated); the
        # string "position" when it is the record's position + 1, made only if asked for
        self._lines = np.zeros(len(valid), dtype="int64") if lines is None else lines
        # when the couple ids were read as codes: each valid record's code (negative: none)
        # and the ids they stand for, so that trustdata.io._isolated need not hash the ids
        self.couple_codes = couple_codes

    @property
    def lines(self) -> np.ndarray:
        """The line of each valid record."""
        if isinstance(self._lines, str):
            return np.arange(1, len(self.valid) + 1, dtype="int64")
        return self._lines


def _process(
    table: str,
    raw: pd.DataFrame,
    *,
    source: str,
    notes: list[str],
    unescape: bool,
    today: Any = None,
) -> _Result:
    """Parse, validate and split one table's raw records.

    ``unescape`` removes the ``'`` that :func:`write` puts before formula-looking text (only for
    CSV and JSON files, which trustdata may have written).  ``today`` (a date): records dated
    after it are rejected (:mod:`trustdata.io._future`); None checks no date against the calendar.
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
        from pathlib import Path

        from trustdata.io._files import _export_hint

        # an app's export (Daylio, Bearable, Google Forms) given as a log table: name the app
        hint = _export_hint(source) if Path(source).is_file() else ""
        said = (
            f"required column {col!r} is missing{more}. Columns in the file: {columns}. "
            f"A {table} file needs {list(schemas.REQUIRED_COLUMNS[table])}."
        )
        # the file's name first, also when the hint's command holds it
        raise FileProblem(f"{source}: {said}{hint}" if hint else said, source=source)
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
    id_codes: dict[str, tuple[np.ndarray, int]] = {}
    # columns whose values are drawn from a few distinct ones: codes and those values
    distinct: dict[str, tuple[np.ndarray, pd.Series]] = {}
    for col in known:
        kind = _KIND.get(col, "text")
        required = not schema.columns[col].nullable if col in schema.columns else False
        if col == "time_known" or col == "utc_offset_minutes":
            continue  # derived with the timestamp
        if col not in raw.columns:
            typed[col] = _absent(empty_table(table)[col], n)
            continue
        if kind == "timestamp":
            ts, off, known_time = _parse_timestamp(raw, col, problems)
            typed[col], typed["utc_offset_minutes"], typed["time_known"] = ts, off, known_time
            continue
        if kind == "id" and isinstance(raw[col].dtype, pd.CategoricalDtype):
            # read as codes: stripped, unescaped and normalised once per distinct value
            typed[col], id_codes[col] = _coded_ids(
                col, raw[col], problems, required, compact, unescape, notes, distinct
            )
            del raw[col]
            continue
        typed[col] = _parse_column(
            table, col, kind, raw[col], problems, required, compact, distinct
        )
        if col in compact:
            del raw[col]  # the codes keep what the rejected rows need
        if kind in ("text", "id") and unescape:
            # ids too: write() protects an id such as "=x" like any text cell
            typed[col] = _unescape(typed[col])
        if kind == "id":
            typed[col] = _normalised_ids(typed[col], col, notes)
    if table == "triggers":
        # timestamp is required, so it was parsed above
        typed = {c: typed[c] for c in known}
    for col in extra:
        values = raw[col]
        if values.dtype == "str":
            values = values.where(~_missing_mask(values))
            values = _unescape(values) if unescape else values
        typed[col] = values
    frame = pd.DataFrame(typed, index=pd.RangeIndex(n), copy=False)  # copy-on-write
    _validate(table, frame, schema, problems, distinct)
    if keys:
        _duplicates(table, frame, keys, raw, problems, id_codes)
    if today is not None:  # the last check: a date after today is a typo
        _future.check(table, frame, problems, today=today)
    bad = problems.mask()
    reasons = problems.joined()
    valid = frame.loc[~bad].reset_index(drop=True) if bad.any() else frame
    if bad.any():
        lines = _lines(raw, np.flatnonzero(~bad))
    else:  # every record valid: without a line column, a line is its position + 1
        lines = _lines(raw) if _LINE in raw.columns else "position"
    couple_codes = distinct.get("couple_id")
    if couple_codes is not None and bad.any():
        couple_codes = (couple_codes[0][~bad], couple_codes[1])
    rejected = _rejected_frame(table, raw, columns, bad, reasons, source, compact, unescape)
    summary = {
        "table": table,
        "source": source,
        "records": n,
        "valid": len(valid),
        "rejected": int(bad.sum()),
        "extra_columns": ", ".join(extra),
        "notes": "; ".join(notes),
    }
    return _Result(table, valid, rejected, summary, lines, couple_codes)


def _lines(raw: pd.DataFrame, where: np.ndarray | None = None) -> np.ndarray:
    """The line of each record of ``raw`` (of those at positions ``where``): its line column,
    which text files (CSV, JSON) carry; a frame or a Parquet file has none, and a record's
    line is then its position + 1 (built only for the positions asked for)."""
    if _LINE in raw.columns:
        lines = raw[_LINE].to_numpy()
        return lines if where is None else lines[where]
    if where is None:
        return np.arange(1, len(raw) + 1, dtype="int64")
    return np.asarray(where, dtype="int64") + 1


def _absent(empty: pd.Series, n: int) -> pd.Series:
    """A column the file does not have: ``n`` missing values of ``empty``'s dtype, as
    ``empty.reindex(range(n))`` gives, in little memory.

    Masked numbers and booleans get zeroed values (pages the system maps lazily) under a full
    mask; text gets one immutable all-missing pyarrow chunk, repeated.
    """
    dtype = empty.dtype
    index = pd.RangeIndex(n)
    masked = {
        "Int64": (pd.arrays.IntegerArray, "int64"),
        "Float64": (pd.arrays.FloatingArray, "float64"),
        "boolean": (pd.arrays.BooleanArray, "bool"),
    }
    if str(dtype) in masked:
        kind, values = masked[str(dtype)]
        array = kind(np.zeros(n, dtype=values), np.ones(n, dtype=bool))
        return pd.Series(array, index=index, copy=False)
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.full(n, -1, dtype="int8" if len(dtype.categories) < 127 else "int32")
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, copy=False)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return _null_text(n, dtype)
    return empty.reindex(range(n))


def _coded_ids(
    col: str,
    text: pd.Series,
    problems: _Problems,
    required: bool,
    compact: dict[str, tuple[np.ndarray, pd.Index]],
    unescape: bool,
    notes: list[str],
    distinct: dict[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> tuple[pd.Series, tuple[np.ndarray, int]]:
    """An id column read as codes (a categorical of its text), parsed as the text path parses
    it (``_parse_column``, then ``_unescape``, then :func:`_normalised_ids`) but once per
    distinct value; also the codes of the final ids for the uniqueness check (equal ids share
    a code, numbered in order of first appearance; missing ids are -1, taking the last code).
    ``distinct`` receives the row codes and the final ids (see :func:`_failing_rows`).
    """
    codes, uniques = _factorize(text)
    small = np.int32 if len(uniques) < 2**31 - 1 else np.int64
    if codes.dtype.itemsize > np.dtype(small).itemsize:
        codes = codes.astype(small)
    compact[col] = (codes, uniques)
    texts = pd.Series(uniques, dtype="str")
    blank_u = np.append(_blank_text(texts, missing=True), True)  # the last: code -1
    if not blank_u[:-1].any() and (not len(codes) or int(codes.min()) >= 0):
        missing = None  # no blank value and no missing code: no row is missing
    else:
        missing = blank_u[codes]
    if required and missing is not None and missing.any():
        problems.add(np.flatnonzero(missing), f"{col} is missing", col)
    # the distinct values present, in order of first appearance (as the text path sees them)
    order = _first_seen(codes if missing is None else codes[~missing])
    values = texts.iloc[order].reset_index(drop=True)
    values = _strip_text(values)
    if unescape:
        values = _unescape(values)
    values = _normalised_ids(values, col, notes)
    final_codes, final = pd.factorize(values, use_na_sentinel=True)
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last entry: code -1, missing
    lookup[order] = final_codes
    if missing is None and np.array_equal(lookup[:-1], np.arange(len(uniques))):
        row_codes = codes  # already the final ones (in their own small type: no copy)
    else:
        row_codes = lookup[codes]  # 4 bytes a row; -1 where missing
    out = _text_from_codes(row_codes, final, pd.RangeIndex(len(text)))
    if distinct is not None:
        distinct[col] = (row_codes, pd.Series(final, dtype=out.dtype))
    return out, (row_codes, len(final) + 1)


def _first_seen(codes: np.ndarray) -> np.ndarray:
    """``pd.unique(codes)`` for codes >= 0: each code once, in order of first appearance.

    A dictionary read from Parquet numbers its values in the order they first appear, so the
    order is usually 0, 1, 2, ...: true exactly when no code exceeds by more than one the
    greatest before it (a running maximum and one comparison, no hash table over the rows).
    A piece where no code exceeds the one just before it by more than one (sorted ids, a
    partner's A and B) keeps that without the running maximum, which is ten times slower."""
    if len(codes) and codes[0] == 0:
        top = -1  # the greatest code before the piece
        for at in range(0, len(codes), _PIECE):  # small temporaries (see _parse._every)
            piece = codes[at : at + _PIECE]
            if piece[0] > top + 1:
                return pd.unique(codes)
            # codes >= 0: the steps fit the codes' type (no wrap-around)
            if not ((piece[1:] - piece[:-1]) > 1).any():
                top = max(top, int(piece.max()))
                continue
            running = np.maximum.accumulate(piece)
            if (piece[1:] > running[:-1] + 1).any():  # then with the codes before it too
                np.maximum(running, top, out=running)  # the running maximum of all so far
                if (piece[1:] > running[:-1] + 1).any():
                    return pd.unique(codes)
            top = max(top, int(running[-1]))
        return np.arange(top + 1, dtype=codes.dtype)
    return pd.unique(codes)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _normalised_ids(values: pd.Series, col: str, notes: list[str]) -> pd.Series:
    """Ids in Unicode NFC with invisible characters (zero-width spaces and joiners, soft
    hyphens) removed, so that look-alike spellings of one id are one id; what was merged, and
    ids that still differ only in case or look alike across scripts, are noted."""
    import unicodedata

    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and isinstance(values.dtype, pd.StringDtype):
        import pyarrow.compute as pc

        uniques = pd.Series(pc.unique(arr).drop_null().to_pandas(), dtype="str")
    else:
        uniques = pd.Series(values.dropna().unique(), dtype="str")
    if not len(uniques):
        return values
    # Plain ASCII ids with no whitespace at either end are already normal: only the others
    # go through Python (NFC, invisible characters, str.strip).
    plain = _plain_ascii(uniques)
    if plain.all():  # plain ASCII, distinct already: nothing to normalise, only case to compare
        _note_twins(uniques, col, notes)
        return values
    fixed = uniques.copy()
    odd = ~plain
    if odd.any():
        fixed[odd] = uniques[odd].map(
            lambda v: unicodedata.normalize("NFC", v.translate(_INVISIBLE)).strip()
        )
    changed = fixed != uniques
    out = values
    if changed.any():
        out = values.replace(dict(zip(uniques[changed], fixed[changed], strict=True)))
        merged = int(changed.sum())
        notes.append(
            f"{merged} {col} spelling(s) normalised (Unicode NFC, invisible characters removed) "
            "and read as the same id as their plain spelling"
        )
    final = pd.Series(fixed.unique(), dtype="str")
    ascii_ = _plain_ascii(final, edges=False)
    _note_twins(final, col, notes, ascii_)
    non_ascii = final[~ascii_]
    skeleton = non_ascii.map(_ascii_skeleton)
    known = set(final) if len(non_ascii) else set()  # only looked up for non-ASCII ids
    alike = [(v, s) for v, s in zip(non_ascii, skeleton, strict=True) if s != v and s in known]
    if alike:
        shown = ", ".join(f"{v!r} looks like {s!r}" for v, s in alike[:6])
        notes.append(f"{col} values that look alike (kept apart; check them): {shown}")
    return out


def _note_twins(
    final: pd.Series, col: str, notes: list[str], ascii_: np.ndarray | None = None
) -> None:
    """Note the distinct ids ``final`` that differ only in case (``ascii_``: which are ASCII;
    None when all are)."""
    folded = final.str.lower()  # casefold is lower for ASCII text
    if ascii_ is not None and not ascii_.all():
        folded[~ascii_] = final[~ascii_].map(str.casefold)
    twins = final[folded.duplicated(keep=False)]
    if len(twins):
        shown = ", ".join(repr(v) for v in sorted(twins)[:6])
        notes.append(f"{col} values that differ only in case (kept apart; check them): {shown}")


#: ASCII characters that ``str.strip`` removes.
_ASCII_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f ]"


def _plain_ascii(values: pd.Series, *, edges: bool = True) -> np.ndarray:
    """Which values are ASCII (and, with ``edges``, neither start nor end with whitespace)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = getattr(values.array, "_pa_array", None)
    if arrow is not None and isinstance(values.dtype, pd.StringDtype):  # no Python strings
        arr = arrow.combine_chunks() if arrow.num_chunks != 1 else arrow.chunk(0)
    else:
        arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    out = pc.string_is_ascii(arr)
    if edges:
        spaced = pc.match_substring_regex(arr, f"^{_ASCII_SPACE}|{_ASCII_SPACE}$")
        out = pc.and_(out, pc.invert(spaced))
    return pc.fill_null(out, False).to_numpy(zero_copy_only=False).astype(bool)


#: Letters of other scripts that look like Latin ones (the usual homoglyphs).
_HOMOGLYPHS = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧον",
    "ABEKMHOPCTXaeopcyxijsdgABEZHIKMNOPTYXov",
)


def _ascii_skeleton(value: str) -> str:
    return value.translate(_HOMOGLYPHS)


def _validate(
    table: str,
    frame: pd.DataFrame,
    schema: Any,
    problems: _Problems,
    distinct: dict[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> None:
    """Check the typed frame against the table's schema; failing values become problems.

    The schema's checks are evaluated as array operations (:func:`_failing_rows`) when every
    check is one it knows (bounds, allowed values, text length) and every dtype fits; otherwise,
    and for checks it does not know, pandera validates the frame itself (:func:`_pandera_cases`).
    Both give the same failing rows per column, so the reasons are the same.  ``distinct``:
    columns whose row values are ``values[codes]`` (-1: missing), checked on those values.
    """
    failing = _failing_rows(frame, schema, distinct)
    if failing is None:
        failing = _pandera_cases(table, frame, schema)
    _add_failures(frame, failing, problems)


def _add_failures(frame: pd.DataFrame, failing: dict[str, np.ndarray], problems: _Problems) -> None:
    for col in frame.columns:  # in the frame's column order, as the reasons are joined
        if col not in failing:
            continue
        idx = failing[col]
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


def _pandera_cases(table: str, frame: pd.DataFrame, schema: Any) -> dict[str, np.ndarray]:
    """The row positions that fail the schema, per column, as pandera validates them."""
    import pandera.pandas as pa

    try:
        schema.validate(frame, lazy=True, inplace=True)
        return {}
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.loc[cases["index"].notna()]
    if not len(cases):
        raise TrustDataError(f"{table}: the parsed frame does not fit the schema")
    return {
        str(col): group["index"].astype("int64").to_numpy()
        for col, group in cases.groupby("column", sort=False)
    }


#: pandera's built-in checks that :func:`_failing_rows` evaluates itself, by name.
_OWN_CHECKS = frozenset({"greater_than_or_equal_to", "less_than_or_equal_to", "isin", "str_length"})


def _failing_rows(
    frame: pd.DataFrame,
    schema: Any,
    distinct: dict[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> dict[str, np.ndarray] | None:
    """The row positions that fail the schema, per column, without pandera's machinery.

    Evaluates what the schemas of :mod:`trustdata.schemas` hold: each column's dtype, its
    nullability and the built-in checks in :data:`_OWN_CHECKS` (which, as pandera's, ignore
    missing values).  None when the schema holds anything else (a custom or frame-wide check,
    coercion, a regex column, a missing column) or a dtype does not fit: pandera then decides.

    A column named in ``distinct`` (codes, values), whose row ``i`` holds ``values[codes[i]]``
    (missing where the code is -1; the values are present), has its checks evaluated on its
    few distinct values and spread to the rows by the codes: the same failing rows.
    """
    from pandera.engines import pandas_engine

    if schema.checks or schema.coerce or schema.index is not None or schema.dtype is not None:
        return None
    failing: dict[str, np.ndarray] = {}
    for name, col in schema.columns.items():
        if col.regex or col.coerce or name not in frame.columns:
            return None
        if any(
            check.name not in _OWN_CHECKS
            or not check.ignore_na
            or check.groupby is not None
            or check.element_wise
            for check in col.checks
        ):
            return None
        values = frame[name]
        if col.dtype is not None and not _dtype_fits(col.dtype, values, pandas_engine):
            return None
        if distinct and name in distinct:
            codes, uniques = distinct[name]
            ok = np.ones(len(uniques), dtype=bool)
            for check in col.checks:
                ok &= _passes(check.name, check.statistics, uniques)
            if ok.all() and (col.nullable or not len(codes) or _least(codes) >= 0):
                continue  # every value passes, and none is missing where one is required
            present = codes >= 0
            bad = np.zeros(len(values), dtype=bool) if col.nullable else ~present
            if not ok.all():
                bad |= present & ~ok[np.maximum(codes, 0)]
            if bad.any():
                failing[name] = np.flatnonzero(bad)
            continue
        numbers = _numbers(values) if col.checks else None
        checks = [c for c in col.checks if not _bound_holds(c.name, c.statistics, numbers)]
        if not checks and (col.nullable or _none_missing(values)):
            continue
        if (col.nullable or _none_missing(values)) and _bounds_kept(checks, values, numbers):
            continue  # every present value keeps its bounds (told in pieces of rows)
        present = values.notna().to_numpy(dtype=bool)
        bad = np.zeros(len(values), dtype=bool) if col.nullable else ~present
        for check in checks:
            bad |= present & ~_passes(check.name, check.statistics, values, numbers)
        if bad.any():
            failing[name] = np.flatnonzero(bad)
    return failing


def _bounds_kept(checks: list, values: pd.Series, numbers: np.ndarray | None) -> bool:
    """Whether every present value of a masked numeric column keeps the bound ``checks``
    (as :func:`_passes` decides, row by row), worked out in pieces of rows: no array of the
    column's length.  A missing score's slot holds 0, so the least of the whole data does not
    prove a bound of 1 (:func:`_bound_holds`), while the present scores keep it.  False when
    a value fails (the rows are then looked at one by one) or for any other kind of check."""
    array = values.array
    mask = getattr(array, "_mask", None)
    if (
        numbers is None
        or numbers is not getattr(array, "_data", None)
        or not isinstance(mask, np.ndarray)
        or any(c.name not in ("greater_than_or_equal_to", "less_than_or_equal_to") for c in checks)
    ):
        return False
    for at in range(0, len(numbers), _PIECE):
        piece, missing = numbers[at : at + _PIECE], mask[at : at + _PIECE]
        with np.errstate(invalid="ignore"):
            for check in checks:
                if check.name == "greater_than_or_equal_to":
                    fails = piece < check.statistics["min_value"]
                else:
                    fails = piece > check.statistics["max_value"]
                fails &= ~missing
                if fails.any():
                    return False
    return True


def _none_missing(values: pd.Series) -> bool:
    """Whether no value is missing, told without a pass over the rows where the column's
    storage says so: a masked array's mask, a NaT (once per array while a table is read), an
    arrow array's null count.  False (look at the rows) otherwise."""
    array = values.array
    mask = getattr(array, "_mask", None)
    if isinstance(array, pd.arrays.IntegerArray | pd.arrays.FloatingArray | pd.arrays.BooleanArray):
        return isinstance(mask, np.ndarray) and not bool(mask.any())
    if values.dtype == "datetime64[ns]":
        return not _has_nat(values.to_numpy())
    arrow = getattr(array, "_pa_array", None)
    if arrow is not None and isinstance(values.dtype, pd.StringDtype):
        return arrow.null_count == 0
    return False


def _bound_holds(name: str, stats: dict[str, Any], numbers: np.ndarray | None) -> bool:
    """Whether a bound check (``greater_than_or_equal_to``, ``less_than_or_equal_to``) is
    proved to pass by the least and greatest of ``numbers``: taken over every slot, the masked
    ones too, they bound the present values, so a bound they keep every present value keeps.
    False (check each value) when they do not keep it, or are NaN."""
    if numbers is None or not len(numbers):
        return False
    if name == "greater_than_or_equal_to":
        return bool(_least(numbers) >= stats["min_value"])
    if name == "less_than_or_equal_to":
        return bool(_greatest(numbers) <= stats["max_value"])
    return False


def _dtype_fits(dtype: Any, values: pd.Series, engine: Any) -> bool:
    try:
        fits = dtype.check(engine.Engine.dtype(values.dtype), values)
    except Exception:  # pandera would say so: let it
        return False
    return bool(np.all(fits))


def _numbers(values: pd.Series) -> np.ndarray | None:
    """The values of a numeric column as a plain array (masked positions hold anything: callers
    use it only where values are present), or None for other columns."""
    dtype = values.dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    array = values.array
    if isinstance(array, pd.api.extensions.ExtensionArray) and hasattr(array, "_data"):
        data = array._data  # a masked array's values, without building a float copy
        if isinstance(data, np.ndarray) and data.dtype.kind in "iuf":
            return data
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _passes(
    name: str, stats: dict[str, Any], values: pd.Series, numbers: np.ndarray | None = None
) -> np.ndarray:
    """Where ``values`` pass pandera's built-in check ``name`` (missing values pass, and the
    caller counts only present ones)."""
    if name in ("greater_than_or_equal_to", "less_than_or_equal_to"):
        if numbers is not None:
            with np.errstate(invalid="ignore"):
                if name == "greater_than_or_equal_to":
                    return ~(numbers < stats["min_value"])
                return ~(numbers > stats["max_value"])
        cmp = values >= stats["min_value"] if name == "greater_than_or_equal_to" else None
        if cmp is None:
            cmp = values <= stats["max_value"]
        return cmp.fillna(True).to_numpy(dtype=bool)
    if name == "isin":
        return values.isin(list(stats["allowed_values"])).to_numpy(dtype=bool) | values.isna()
    if name == "str_length":
        arr = getattr(values.array, "_pa_array", None)
        least = stats.get("min_value")
        if (
            arr is not None
            and isinstance(values.dtype, pd.StringDtype)
            and stats.get("exact_value") is None
            and stats.get("max_value") is None
            and least is not None
            and least <= 1
        ):
            # UTF-8 text has at least one character exactly when it has at least one byte:
            # the byte lengths (pyarrow's offsets) decide, with no character count
            import pyarrow.compute as pc

            size = pc.fill_null(pc.binary_length(arr), least)
            return np.asarray(size.to_numpy(), dtype="int64") >= least
        length = values.str.len().to_numpy(dtype="float64", na_value=np.nan)
        ok = np.ones(len(values), dtype=bool)
        with np.errstate(invalid="ignore"):
            if stats.get("exact_value") is not None:
                ok &= ~(length != stats["exact_value"]) | np.isnan(length)
            if stats.get("min_value") is not None:
                ok &= ~(length < stats["min_value"])
            if stats.get("max_value") is not None:
                ok &= ~(length > stats["max_value"])
        return ok
    raise AssertionError(name)  # pragma: no cover - _OWN_CHECKS lists the names handled


def _duplicates(
    table: str,
    frame: pd.DataFrame,
    keys: list[str],
    raw: pd.DataFrame,
    problems: _Problems,
    known_codes: dict[str, tuple[np.ndarray, int]] | None = None,
) -> None:
    """Reject later copies of a record that must be unique; the first clean copy is kept.

    ``raw``: the table's raw records, for the first copy's line (see :func:`_lines`);
    ``known_codes``: codes of key columns already worked out (see :func:`_key_codes`)."""
    clean = ~problems.mask()
    # pandera's unique=keys with report_duplicates="exclude_first" is exactly this
    idx = (
        _duplicated(frame, keys, clean, known_codes)
        if known_codes
        else _duplicated(frame, keys, clean)
    )
    if not len(idx):
        return
    sub = frame.loc[clean, keys]
    firsts = sub.loc[~sub.duplicated(keys, keep="first")].copy()
    firsts["first_pos"] = firsts.index.to_numpy()
    later = sub.loc[idx].copy()
    later["_pos"] = idx
    merged = later.merge(firsts, on=keys, how="left")
    lines = _lines(raw, merged["first_pos"].to_numpy(dtype="int64"))
    word = _DUPLICATE_WORD.get(table, f"{table} record")
    shown = []
    for row, first_line in zip(merged.itertuples(index=False), lines.tolist(), strict=True):
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


def _duplicated(
    frame: pd.DataFrame,
    keys: list[str],
    clean: np.ndarray,
    known_codes: dict[str, tuple[np.ndarray, int]] | None = None,
) -> np.ndarray:
    """The positions of the rows where ``clean`` that repeat an earlier clean row's ``keys``
    (``frame.loc[clean, keys].duplicated(keep="first")``), in order.

    Each key column is factorised whole and the codes combined into one integer per row, so
    that no copy of the key columns is made; pandas combines them when that would overflow.
    """
    if bool(clean.all()) and _sorted_keys(frame, keys, known_codes):
        return np.zeros(0, dtype=np.int64)  # strictly increasing keys: all distinct
    combined = np.zeros(len(frame), dtype="int64")
    size = 1
    for key in keys:
        if known_codes and key in known_codes:
            codes, width = known_codes[key]  # -1 where missing: the last code
            if (codes < 0).any():
                codes = np.where(codes >= 0, codes, width - 1)
        else:
            codes, width = _key_codes(frame[key])
        if size * width >= 2**62:  # would overflow: let pandas combine them
            sub = frame.loc[clean, keys]
            return sub.index.to_numpy()[sub.duplicated(keys, keep="first").to_numpy(dtype=bool)]
        combined *= width
        combined += codes
        del codes
        size *= width
    everyone = bool(clean.all())
    where = None if everyone else np.flatnonzero(clean)
    picked = combined if where is None else combined[where]  # no copy when all rows are clean
    del combined
    if len(picked) < 2 or bool((picked[1:] > picked[:-1]).all()):
        # strictly increasing (a log sorted by its keys, as write() leaves it): all distinct,
        # no hash table needed
        return np.zeros(0, dtype=np.int64)
    m = len(picked)
    if size <= 4 * m + 1024 and m < 2**31 - 1:
        # few possible codes (e.g. many rows of few couples): the first position of each code,
        # by a minimum per code (4 bytes a code), instead of a hash table over every row
        first = np.full(size, m, dtype=np.int32)
        positions = np.arange(m, dtype=np.int32)
        np.minimum.at(first, picked, positions)
        repeats = first[picked] != positions
    else:
        repeats = pd.Series(picked, copy=False).duplicated(keep="first").to_numpy(dtype=bool)
    found = np.flatnonzero(repeats)
    return found if where is None else where[found]


_DAY_NS = 86_400 * 10**9


def _sorted_keys(
    frame: pd.DataFrame, keys: list[str], known_codes: dict[str, tuple[np.ndarray, int]] | None
) -> bool:
    """Whether the rows' combined key codes (as :func:`_duplicated` combines them) strictly
    increase, as in a log sorted by its keys (``write`` leaves it so): then no two rows share
    their keys.  Worked out in pieces of rows (small temporaries, see ``_parse._every``), with
    no array of the table's length; False as soon as a piece is out of order (or when the
    key columns are not codes and day-numbered dates), and :func:`_duplicated` looks whole."""
    parts: list[tuple[Any, int]] = []  # per key: codes of rows [a, b), and how many codes
    size = 1
    for key in keys:
        if known_codes and key in known_codes:
            codes, width = known_codes[key]
            if not len(codes) or _least(codes) >= 0:  # none missing: the codes as they are
                parts.append((lambda a, b, c=codes: c[a:b], width))
            else:  # -1 where missing: the last code
                parts.append((lambda a, b, c=codes, w=width: np.where(c[a:b] >= 0, c[a:b], w - 1),
                              width))  # fmt: skip
        else:
            days = _day_codes(frame[key])
            if days is None:
                return False
            ns, first, width, nat = days
            parts.append((lambda a, b, v=ns, f=first, w=width, m=nat: _days(v, f, w, m, a, b),
                          width))  # fmt: skip
        size *= width
        if size >= 2**62:
            return False
    last = -1
    for at in range(0, len(frame), _PIECE):
        stop = min(at + _PIECE, len(frame))
        combined = np.zeros(stop - at, dtype="int64")
        for codes_of, width in parts:
            combined *= width
            combined += codes_of(at, stop)
        if combined[0] <= last or not bool((combined[1:] > combined[:-1]).all()):
            return False
        last = int(combined[-1])
    return True


def _days(
    ns: np.ndarray, first: int, width: int, nat: np.ndarray | None, at: int, stop: int
) -> np.ndarray:
    """The day codes of rows [at, stop) (see :func:`_day_codes`)."""
    codes = ns[at:stop] - first
    codes //= _DAY_NS
    if nat is not None:
        codes[nat[at:stop]] = width - 1
    return codes


def _day_codes(values: pd.Series) -> tuple[np.ndarray, int, int, np.ndarray | None] | None:
    """For ``datetime64[ns]`` values that all share one time of day: their nanoseconds, the
    first, how many codes there can be (the last: missing) and where they are NaT (None when
    none is), so that a row's code is its day counted from the first one; None otherwise."""
    if values.dtype != "datetime64[ns]" or not len(values):
        return None
    stamps = values.to_numpy()
    ns = stamps.view("int64")
    if _has_nat(stamps):
        nat = np.isnat(stamps)
        present = ns[~nat]
        first, last = (int(present.min()), int(present.max())) if len(present) else (0, 0)
    else:  # no NaT: the bounds (and whether all are midnights) the type check found
        nat, present = None, ns
        first, last = int(_least(ns)), int(_greatest(ns))
    if not len(present):
        return None
    if nat is None and first % _DAY_NS == 0 and _midnights(ns):
        same_time = True  # every remainder is 0, the first one's
    else:
        same_time = not (present % _DAY_NS != first % _DAY_NS).any()
    if (last - first) // _DAY_NS < 10_000_000 and same_time:
        return ns, first, (last - first) // _DAY_NS + 2, nat  # the last code: missing dates
    return None


def _key_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes that tell the values apart (equal values, missing ones included, share a code),
    and how many codes there can be.

    Dates are counted in days from the first one (no hash table over every row); anything else
    is factorised.
    """
    days = _day_codes(values)
    if days is not None:
        ns, first, width, nat = days
        return _days(ns, first, width, nat, 0, len(ns)), width
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, max(len(uniques), 1)


def _rejected_frame(
    table: str,
    raw: pd.DataFrame,
    columns: list[str],
    bad: np.ndarray,
    reasons: pd.Series,
    source: str,
    compact: dict[str, tuple[np.ndarray, pd.Index]],
    from_text: bool = False,
) -> pd.DataFrame:
    """The rejected records with their original text; ``from_text``: the raw frame was read
    from a text file (CSV, JSON), whose typed columns (``_csv._typed_csv``) hold values whose
    text was canonical."""
    if not bad.any():
        return empty_rejected()
    where = np.flatnonzero(bad)
    out = pd.DataFrame(
        {
            "table": pd.Series([table] * len(where), dtype="str"),
            "source": pd.Series([source] * len(where), dtype="str"),
            "line": pd.array(_lines(raw, where), dtype="Int64"),
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
        elif from_text and not isinstance(raw[col].dtype, pd.StringDtype):
            out[name] = _canonical_text(raw[col].iloc[where].reset_index(drop=True))
        elif pd.api.types.is_datetime64_dtype(raw[col].dtype):
            # How a datetime is written depends on the whole column (dates only when every
            # value is a midnight), so it is written whole, as when it was parsed from text.
            out[name] = _as_text(raw[col]).iloc[where].reset_index(drop=True)
        else:
            out[name] = _as_text(raw[col].iloc[where].reset_index(drop=True))
    return out


def _canonical_text(values: pd.Series) -> pd.Series:
    """The text a value read typed from a CSV file was written as (``_csv._typed_csv`` keeps a
    column typed only when every value is in its canonical form): a whole number's digits, a
    date as ``YYYY-MM-DD``, ``""`` where the cell was empty."""
    missing = values.isna().to_numpy(dtype=bool)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        text = values.dt.strftime("%Y-%m-%d").to_numpy(dtype=object, na_value="")
    else:
        text = values.astype("str").to_numpy(dtype=object, na_value="")
    text[missing] = ""
    return pd.Series(text, dtype="str")


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
    warnings = _isolated.find(parts)  # kept records that look like a mistyped year
    twins = _case.find(parts)  # kept records whose id differs only in case from another's
    third = _partners.find(parts)  # kept records of a couple's partners beyond its two
    for more in (twins, third):
        if len(more):
            warnings = pd.concat([warnings, more], ignore_index=True) if len(warnings) else more
    return Logs(**tables, rejected=rejected, summary=summary, warnings=warnings)

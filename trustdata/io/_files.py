"""Files and discovery: which files of a log folder are read, and reading JSON and Parquet."""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem
from trustdata.io._columns import (
    _KIND,
    _LINE,
    _PROBLEM,
    _clean_names,
    _fmt,
    _json_text,
    _known,
)
from trustdata.io._csv import _header_example, _read_csv
from trustdata.io._parse import _raw_from_frame

#: File extensions :func:`load` reads, in order of preference.
EXTENSIONS: tuple[str, ...] = (".csv", ".json", ".parquet")


#: Accepted values of the ``errors`` argument.
ERRORS: tuple[str, ...] = ("quarantine", "raise")


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
    try:
        exists = p.exists()
        is_file, is_dir = p.is_file(), p.is_dir()
    except OSError as exc:  # a path too long, a loop of links, ...
        raise FileProblem(
            f"cannot be used as a path ({exc.strerror or exc}).", source=_short(name)
        ) from None
    if not exists:
        raise FileProblem(
            "no such file or folder; expected a log folder or a check-ins file.", source=name
        )
    if is_file:
        stem = p.stem.lower()
        return [(stem if stem in schemas.TABLES else "checkins", p)], []
    if not is_dir:
        raise FileProblem(
            "is not a regular file or a folder (a device, a pipe or a socket); expected a log "
            "folder or a check-ins file.",
            source=name,
        )
    found: dict[str, list[Path]] = {}
    ignored: list[str] = []
    try:
        entries = sorted(p.iterdir())
    except OSError as exc:
        raise FileProblem(
            f"the folder cannot be read ({exc.strerror or exc}).", source=name
        ) from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if (
            entry.is_symlink()
            and entry.stem.lower() in schemas.TABLES
            and entry.suffix.lower() in EXTENSIONS
        ):
            target = Path(os.path.realpath(entry))
            if not target.is_relative_to(Path(os.path.realpath(p))):
                raise FileProblem(
                    f"{entry.name} is a link to a file outside the folder; a log folder holds "
                    "its own files (copy the file into the folder instead of linking it).",
                    source=name,
                )
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
        # the folder's name first, also when an export's command holds it
        raise FileProblem(
            f"{name}: no check-ins file in the folder; expected checkins.csv, checkins.json or "
            f"checkins.parquet.{_folder_export_hint(p, ignored)}",
            source=name,
        )
    return [(t, found[t][0]) for t in schemas.TABLES if t in found], ignored


#: The extensions of the apps' exports (a CSV; Daylio's backup), and how many of a folder's
#: files with one of them are shown to the importers when the folder has no check-ins.
EXPORT_EXTENSIONS: tuple[str, ...] = (".csv", ".daylio")
MAX_EXPORTS_ASKED = 10


def _folder_export_hint(folder: Path, names: list[str]) -> str:
    """The importers' sentence for each app export among the files of ``folder`` that are no
    log table (``names``, in order; "" when none is one): a folder holding only a Daylio
    export is answered with the app and its import command, as the export given by itself is.

    Asked only on the way to the folder's error; at most :data:`MAX_EXPORTS_ASKED` of the
    files with an export's extension are read.
    """
    candidates = [
        folder / n
        for n in names
        if Path(n).suffix.lower() in EXPORT_EXTENSIONS and (folder / n).is_file()
    ][:MAX_EXPORTS_ASKED]
    if not candidates:
        return ""
    from trustdata.importers._recognise import export_hint

    return "".join(export_hint(path, subject=f"The file {path.name} in it") for path in candidates)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def check_extension(path: Path) -> None:
    """Raise FileProblem unless ``path`` has one of :data:`EXTENSIONS` (a log table's).

    The one check of a table file's kind, for :func:`load` and for the commands that look at a
    file before loading it: an HTML report, a PDF or an app's backup lying in a log folder is
    no table of it.  An app's export (a Daylio backup) is named, with its import command.
    """
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        said = (
            f"has the extension {ext!r}; expected .csv, .json or .parquet "
            "(save a spreadsheet as CSV UTF-8)."
        )
        hint = _export_hint(path)
        # the file's name first, also when the hint's command holds it
        raise FileProblem(f"{path}: {said}{hint}" if hint else said, source=str(path))


def _export_hint(path: Path | str) -> str:
    """The importers' sentence for an app's export ("" for any other file).  Asked only on the
    way to an error, so loading a log folder never reads a file twice."""
    from trustdata.importers._recognise import export_hint

    return export_hint(path)


def _read_file(path: Path, table: str) -> tuple[pd.DataFrame, list[str], str]:
    name = str(path)
    check_extension(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        raw, notes = _read_csv(
            path,
            header_example=_header_example(table),
            coded=_coded_columns(table),
            typed=_typed_columns(table),
        )
    elif ext == ".json":
        raw, notes = _read_json(path)
    else:
        raw, notes = _read_parquet(path)
    return raw, notes, name


#: The kinds of column parsed on their distinct values (see ``_parse._parse_column``).
_CODED_KINDS = frozenset({"id", "whole", "number", "date", "category", "kind", "role", "bool"})


def _coded_columns(table: str) -> frozenset[str]:
    """The known columns of ``table`` that the CSV reader may hand over as categoricals: those
    parsed on their distinct values, whose original text the parser keeps as codes (not the
    offset and time columns derived with a trigger's timestamp)."""
    return frozenset(
        c
        for c in schemas.KNOWN_COLUMNS.get(table, ())
        if _KIND.get(c) in _CODED_KINDS and c not in ("utc_offset_minutes", "time_known")
    )


def _typed_columns(table: str) -> dict[str, str]:
    """The known columns of ``table`` that the CSV reader may hand over typed (see
    ``_csv._typed_csv``), by kind: whole numbers (the scores, a trigger's intensity; not the
    offset derived with a timestamp) and dates."""
    return {
        c: _KIND[c]
        for c in schemas.KNOWN_COLUMNS.get(table, ())
        if _KIND.get(c) in ("whole", "date") and c != "utc_offset_minutes"
    }


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
        # numbers are kept as their text, as in a CSV: 6.9999999999999999 is not 7, and an
        # integer of 5,000 digits is a value to reject, not a reason to refuse the file
        records = json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_float=_JsonNumber,
            parse_int=lambda s: int(s) if len(s) <= 18 else _JsonNumber(s),
            parse_constant=_JsonNumber,
        )
    except RecursionError:
        raise FileProblem(
            "is nested too deeply to read (lists or objects inside each other hundreds of "
            'times); expected a flat list of records like [{"couple_id": "c1", ...}, ...].',
            source=name,
        ) from None
    except (json.JSONDecodeError, ValueError) as exc:
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
    from trustdata.io._csv import check_columns

    check_columns(list(columns), name)
    names = _clean_names(
        [c.encode("utf-8", "backslashreplace").decode("utf-8") for c in columns], name
    )
    columns = dict(zip(columns, names, strict=True))
    key_of = dict(columns)
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
            if isinstance(v, str) and _has_surrogate(v):
                bad.append(f"{n} holds an unpaired surrogate code point, which is not text")
                v = v.encode("utf-8", "backslashreplace").decode("utf-8")
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


class _JsonNumber(str):
    """A JSON number (or NaN / Infinity) kept as the text it was written as."""


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


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
    if isinstance(value, _JsonNumber):
        return "number"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    return {list: "list", str: "text"}.get(type(value), type(value).__name__)


#: The most rows one couple may have in one table (a couple logging every hour for ten years
#: has 90,000): more is not a log, and would take memory out of all proportion to a compressed
#: Parquet file's size (3 M identical rows are 37 KB on disk).
MAX_ROWS_PER_COUPLE = 100_000


def _check_parquet_rows(path: Path, name: str) -> Any:
    """Refuse a Parquet file with over :data:`MAX_ROWS_PER_COUPLE` rows for one couple, before
    the whole file is read.  Returns the ``couple_id`` column it read (as a dictionary), or None
    when it read none (few rows, no such column, not a Parquet file)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # reported by the full read below
        return None
    if meta.num_rows <= MAX_ROWS_PER_COUPLE:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # as a dictionary: codes, not one string per row
        read = pq.read_table(path, columns=["couple_id"], read_dictionary=["couple_id"])
        ids = read.column(0)
    except Exception:  # no couple_id column: the full read says so
        return None
    kept = ids
    if pa.types.is_dictionary(ids.type):
        ids = kept = ids.unify_dictionaries()  # one dictionary for every chunk, kept so
        codes = [np.asarray(c.indices.to_numpy(zero_copy_only=False)) for c in ids.chunks]
        present = [c for c, chunk in zip(codes, ids.chunks, strict=True) if chunk.null_count == 0]
        if len(present) == len(codes):  # no missing ids: count the codes, chunk by chunk
            size = len(ids.chunks[0].dictionary) if ids.num_chunks else 0
            counts = np.zeros(size, dtype="int64")
            for c in codes:
                counts += np.bincount(c, minlength=size)[:size]
            most = int(counts.max()) if size else 0
        else:
            most = max((c.as_py() for c in pc.value_counts(ids).field("counts")), default=0)
    else:
        counts = pc.value_counts(ids)
        most = max((c.as_py() for c in counts.field("counts")), default=0)
    if most > MAX_ROWS_PER_COUPLE:
        raise FileProblem(
            f"has {most:,} rows for one couple; a log table holds at most "
            f"{MAX_ROWS_PER_COUPLE:,} per couple (is this a log file?).",
            source=name,
        )
    return kept


def _read_table(path: Path, dictionaries: list[str], ids: Any) -> pd.DataFrame:
    """``pandas.read_parquet(path, read_dictionary=dictionaries)``; when ``ids`` is the file's
    ``couple_id`` column already read as a dictionary (see :func:`_check_parquet_rows`), the
    other columns are read and it is put back in its place, so that it is not read twice.
    pandas' own conversion (``arrow_table_to_pandas``) makes the frame, as in ``read_parquet``.
    """
    import pyarrow.parquet as pq

    if ids is None or "couple_id" not in dictionaries:
        return pd.read_parquet(path, read_dictionary=dictionaries or None)
    schema = pq.read_schema(path)
    names = schema.names
    if (
        "couple_id" not in dictionaries
        or names.count("couple_id") != 1
        or len(set(names)) != len(names)
        or len(ids) != pq.ParquetFile(path).metadata.num_rows
    ):
        return pd.read_parquet(path, read_dictionary=dictionaries or None)
    import warnings

    from pandas.io._util import arrow_table_to_pandas

    at = names.index("couple_id")
    others = [n for n in names if n != "couple_id"]
    table = pq.read_table(
        path,
        columns=others,
        read_dictionary=[d for d in dictionaries if d != "couple_id"] or None,
        use_pandas_metadata=False,
    )
    table = table.add_column(at, schema.field(at).with_type(ids.type), ids)
    attrs = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "make_block is deprecated")
        frame = _table_to_frame(table, arrow_table_to_pandas)
    if attrs is not None:
        frame.attrs = json.loads(attrs)
    return frame


def _table_to_frame(table: Any, convert: Any) -> pd.DataFrame:
    """``convert(table)`` (pandas' ``arrow_table_to_pandas``), with the columns it would make
    ``Int64`` or categorical built here straight from the Arrow buffers: one copy of the values
    instead of pandas' two (chunks combined, then copied again) and no mask inverted in a
    second array; categories from the dictionary once, codes without a pass through pandas'
    own dictionary conversion.  The other columns, the column labels and the index are
    pandas' own: the layout is taken from converting no rows first, and anything but plain
    labels over a 0, 1, 2, ... index goes through ``convert`` whole."""
    import pyarrow as pa

    layout = convert(table.slice(0, 0))
    names = table.column_names
    if (
        not isinstance(layout.index, pd.RangeIndex)
        or list(layout.columns) != names
        or len(set(names)) != len(names)
        or not all(isinstance(n, str) for n in names)
    ):
        return convert(table)
    built: dict[str, Any] = {}
    for name, dtype in layout.dtypes.items():
        column = table.column(name)
        if dtype == "Int64" and column.type == pa.int64():
            built[name] = _int64_array(column)
        elif isinstance(dtype, pd.CategoricalDtype) and pa.types.is_dictionary(column.type):
            got = _categorical(column)
            if got is not None:
                built[name] = got
    if not built:
        return convert(table)
    rest = table.drop_columns(list(built))
    others = convert(rest) if rest.num_columns else None
    n = table.num_rows
    data = {
        name: pd.Series(built[name], index=pd.RangeIndex(n), copy=False)
        if name in built
        else others[name]
        for name in names
    }
    frame = pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)
    frame.columns = layout.columns
    return frame


def _int64_array(column: Any) -> pd.arrays.IntegerArray:
    """An ``int64`` Arrow column as pandas' ``Int64`` array: the values copied once into one
    array, the validity bits unpacked into the mask.

    The least and greatest of the values (every slot, masked ones too: what ``_least`` and
    ``_greatest`` of the array give) are taken chunk by chunk while each chunk is still in
    the cache and remembered for the table (``_columns._known``): the bounds checks that
    follow (``_parse._int_bounds``, the schema's ranges) then read no array again."""
    n = len(column)
    data = np.empty(n, dtype=np.int64)
    mask = np.zeros(n, dtype=bool)
    low = high = None
    at = 0
    for chunk in column.chunks:
        m = len(chunk)
        validity, values = chunk.buffers()[:2]
        if m and values is not None:
            piece = data[at : at + m]
            piece[:] = np.frombuffer(values, dtype=np.int64, count=chunk.offset + m)[chunk.offset :]
            least, most = int(piece.min()), int(piece.max())
            low = least if low is None else min(low, least)
            high = most if high is None else max(high, most)
        elif m:
            data[at : at + m] = 0
            low = 0 if low is None else min(low, 0)
            high = 0 if high is None else max(high, 0)
        if chunk.null_count and validity is not None:
            bits = np.frombuffer(validity, dtype=np.uint8)
            valid = np.unpackbits(bits, count=chunk.offset + m, bitorder="little")[chunk.offset :]
            np.logical_not(valid.view(bool), out=mask[at : at + m])
        elif chunk.null_count:  # a null-typed layout: every value missing
            mask[at : at + m] = True
        at += m
    if low is not None:
        _known(data, "min", lambda _: np.int64(low))
        _known(data, "max", lambda _: np.int64(high))
    return pd.arrays.IntegerArray(data, mask, copy=False)


def _categorical(column: Any) -> pd.Categorical | None:
    """A dictionary Arrow column of text as a pandas categorical (None: another kind, left to
    pandas): the chunks' dictionaries unified, the codes copied once (-1 where missing)."""
    import pyarrow as pa

    value_type = column.type.value_type
    if not (pa.types.is_string(value_type) or pa.types.is_large_string(value_type)):
        return None
    if not pa.types.is_integer(column.type.index_type) or not column.num_chunks:
        return None
    # chunks that share one dictionary (the couple ids, unified by _check_parquet_rows) are
    # unified already: hashing the dictionary's values again would give their codes back
    first = column.chunk(0).dictionary
    if not all(chunk.dictionary.equals(first) for chunk in column.chunks[1:]):
        column = column.unify_dictionaries()
    dictionary = column.chunk(0).dictionary
    if dictionary.null_count:
        return None
    n = len(column)
    # the codes in the type pandas keeps them in (int8 below 127 categories, ...), so that
    # from_codes has no second, narrower copy to make
    codes = np.empty(n, dtype=_codes_dtype(len(dictionary)))
    at = 0
    for chunk in column.chunks:
        m = len(chunk)
        indices = chunk.indices
        validity, values = indices.buffers()[:2]
        if m:
            kind = np.dtype(indices.type.to_pandas_dtype())
            count = indices.offset + m
            codes[at : at + m] = np.frombuffer(values, dtype=kind, count=count)[indices.offset :]
        if chunk.null_count and validity is not None:
            bits = np.frombuffer(validity, dtype=np.uint8)
            valid = np.unpackbits(bits, count=indices.offset + m, bitorder="little")
            codes[at : at + m][~valid[indices.offset :].view(bool)] = -1
        at += m
    categories = pd.Index(dictionary.to_pandas(), dtype="str")
    dtype = pd.CategoricalDtype(categories, ordered=column.type.ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _codes_dtype(categories: int) -> np.dtype:
    """The integer type pandas keeps a categorical's codes in, for that many categories (the
    smallest signed type whose greatest value is above it, as ``Categorical.from_codes``)."""
    for kind in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(kind).max:
            return np.dtype(kind)
    return np.dtype(np.int64)


def _text_ids(path: Path) -> list[str]:
    """The id, role, category and kind columns (see ``_columns._KIND``) a Parquet file holds
    as text: read as dictionaries, they are parsed once per distinct value (ids by
    ``_validate._coded_ids``, the others by ``_parse._parse_column`` on the categories)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception:  # reported by the full read
        return []
    return [
        field.name
        for field in schema
        if _KIND.get(field.name) in ("id", "role", "category", "kind")
        and (pa.types.is_string(field.type) or pa.types.is_large_string(field.type))
    ]


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[str]]:
    name = str(path)
    ids = _check_parquet_rows(path, name)
    try:
        frame = _read_table(path, _text_ids(path), ids)
    except Exception as exc:  # pyarrow raises many kinds for a file that is not parquet
        detail = str(exc).replace(name, "the file").replace(str(path.resolve()), "the file")
        raise FileProblem(
            f"cannot be read as Parquet ({type(exc).__name__}: {detail[:200]}).", source=name
        ) from None
    notes: list[str] = []
    # an index pandas wrote (a named one, or any but 0, 1, 2, ...) holds columns of the table
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0
    frame = frame.reset_index(drop=plain)
    if not plain:
        notes.append("the Parquet index was read as column(s): " + ", ".join(
            str(n) for n in (index.names if index.names != [None] else ["index"])))  # fmt: skip
    # the loader's bookkeeping names are kept as the file's own columns, under another name
    frame = frame.rename(
        columns={
            c: f"{c} (column {i} of the file)"
            for i, c in enumerate(frame.columns, start=1)
            if c in (_LINE, _PROBLEM)
        }
    )
    for col in frame.columns:  # BINARY strings: text, not "b'c1'"
        values = frame[col]
        if values.dtype == object and values.map(lambda v: isinstance(v, bytes)).any():
            frame[col] = values.map(
                lambda v: v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else v
            )
            notes.append(f"column {col!r} held bytes, read as UTF-8 text")
    frame.columns = [str(c) for c in frame.columns]
    from trustdata.io._csv import check_columns

    check_columns(list(frame.columns), name)
    return _raw_from_frame(frame, name), notes

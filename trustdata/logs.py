"""The :class:`Logs` container: the one object every analysis, chart and report takes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from trustdata import schemas

__all__ = [
    "Logs",
    "empty_table",
    "empty_rejected",
    "empty_summary",
    "empty_warnings",
    "SUMMARY_COLUMNS",
    "WARNING_COLUMNS",
]

_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "role": "str",
    "date": "datetime64[ns]",
    "timestamp": "datetime64[ns]",
    "utc_offset_minutes": "Int64",
    "time_known": "bool",
    "intensity": "Int64",
    "used_plan": "boolean",
    "minutes": "Float64",
    **{c: "Int64" for c in schemas.SCORE_COLUMNS},
    **{c: "str" for c in schemas.TEXT_COLUMNS},
}

#: Columns of :attr:`Logs.summary`: one row per file read.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "table",
    "source",
    "records",
    "valid",
    "rejected",
    "extra_columns",
    "notes",
)


def empty_table(table: str) -> pd.DataFrame:
    """An empty, correctly typed frame of one of the four tables.

    Examples
    --------
    >>> empty_table("triggers")["category"].dtype.name
    'category'
    """
    if table not in schemas.KNOWN_COLUMNS:
        raise ValueError(
            f"The value for `table` must be one of {list(schemas.TABLES)}, "
            f"but {table!r} was passed."
        )
    cached = _EMPTY.get(table)
    if cached is None:
        cached = _EMPTY[table] = _build_empty(table)
    return cached.copy(deep=True)


#: One empty frame per table, built once (building one costs ~40 Series constructions, and the
#: loader asks for them for every file it reads); callers get a deep copy.
_EMPTY: dict[str, pd.DataFrame] = {}


def _build_empty(table: str) -> pd.DataFrame:
    data = {}
    for col in schemas.KNOWN_COLUMNS[table]:
        if table == "triggers" and col == "category":
            data[col] = pd.Categorical([], categories=list(schemas.TRIGGER_CATEGORIES))
        elif table == "events" and col == "kind":
            data[col] = pd.Categorical([], categories=list(schemas.EVENT_KINDS))
        else:
            data[col] = pd.Series([], dtype=_DTYPES.get(col, "str"))
    return pd.DataFrame(data)


def as_table(table: str, data: pd.DataFrame | list[dict] | dict) -> pd.DataFrame:
    """Build a validated, typed frame of one table from clean values (for tests and notebooks).

    Missing optional columns are added as missing values, known columns are cast to their
    dtypes, and the result is validated with the table's schema.  This does **not** forgive messy
    input: use :func:`trustdata.from_frames` for that (it quarantines bad records with reasons).

    Raises
    ------
    TrustDataError
        When a value cannot be cast or a check fails; the message lists every problem.

    Examples
    --------
    >>> df = as_table("checkins", [{"couple_id": "c1", "partner": "A",
    ...                             "date": "2025-01-06", "connection": 4}])
    >>> df["connection"].dtype.name, df["date"].dtype.name
    ('Int64', 'datetime64[ns]')
    """
    import pandera.pandas as pa

    from trustdata.errors import TrustDataError

    template = empty_table(table)
    frame = pd.DataFrame(data).copy()
    for col in template.columns:
        if col not in frame.columns:
            frame[col] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    try:
        for col in template.columns:
            dtype = template[col].dtype
            if col == "time_known" and frame[col].isna().all():
                frame[col] = True
            if isinstance(dtype, pd.CategoricalDtype):
                frame[col] = pd.Categorical(frame[col].astype(object), dtype=dtype)
            elif str(dtype).startswith("datetime64"):
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
            else:
                frame[col] = frame[col].astype(dtype)
    except (TypeError, ValueError) as exc:
        raise TrustDataError(f"{table}: a value could not be converted: {exc}") from None
    ordered = [*template.columns, *[c for c in frame.columns if c not in template.columns]]
    frame = frame[ordered]
    try:
        return schemas.SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise TrustDataError(f"{table}: the frame does not fit the schema:\n{exc}") from None


def empty_rejected() -> pd.DataFrame:
    """An empty frame in the format of :attr:`Logs.rejected`.

    >>> empty_rejected().dtypes.astype(str).to_dict()
    {'table': 'str', 'source': 'str', 'line': 'Int64', 'reason': 'str'}
    """
    return _copy_of("rejected", _REJECTED_DTYPES)


#: Columns of an empty :attr:`Logs.rejected` and their dtypes.
_REJECTED_DTYPES: dict[str, str] = {
    "table": "str",
    "source": "str",
    "line": "Int64",
    "reason": "str",
}


#: The empty ``rejected``, ``summary`` and ``warnings`` frames, built once (the loader asks
#: for several per file: each build costs about a millisecond of Series constructions);
#: callers get a deep copy, as from :func:`empty_table`.
_EMPTY_FRAMES: dict[str, pd.DataFrame] = {}


def _copy_of(name: str, dtypes: dict[str, str]) -> pd.DataFrame:
    cached = _EMPTY_FRAMES.get(name)
    if cached is None:
        cached = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in dtypes.items()})
        _EMPTY_FRAMES[name] = cached
    return cached.copy(deep=True)


#: Columns of :attr:`Logs.warnings` and their dtypes: one row per kept record that looks wrong.
_WARNING_DTYPES: dict[str, str] = {
    "table": "str",
    "source": "str",
    "line": "Int64",
    "couple_id": "str",
    "column": "str",
    "value": "str",
    "reason": "str",
}
WARNING_COLUMNS: tuple[str, ...] = tuple(_WARNING_DTYPES)


def empty_warnings() -> pd.DataFrame:
    """An empty frame in the format of :attr:`Logs.warnings`."""
    return _copy_of("warnings", _WARNING_DTYPES)


def empty_summary() -> pd.DataFrame:
    """An empty frame in the format of :attr:`Logs.summary`."""
    return _copy_of("summary", _SUMMARY_DTYPES)


#: Columns of :attr:`Logs.summary` (:data:`SUMMARY_COLUMNS`) and their dtypes.
_SUMMARY_DTYPES: dict[str, str] = {
    "table": "str",
    "source": "str",
    "records": "int64",
    "valid": "int64",
    "rejected": "int64",
    "extra_columns": "str",
    "notes": "str",
}


@dataclass(frozen=True)
class Logs:
    """A couple's (or a cohort's) validated logs.

    Attributes
    ----------
    checkins, triggers, events, couples : pandas.DataFrame
        Validated, typed frames of log format v1 (see :mod:`trustdata.schemas`); a table that was
        not in the input is an empty frame with the right columns and dtypes.
    rejected : pandas.DataFrame
        One row per rejected input record: ``table``, ``source`` (the file), ``line`` (its line
        number in that file, 1 = the header for CSV; for JSON the record's 1-based position),
        ``reason`` (every problem found in it, in words), then the record's original values as
        text, one column per input column.
    summary : pandas.DataFrame
        One row per file read: ``table``, ``source``, ``records``, ``valid``, ``rejected``,
        ``extra_columns`` (columns the format does not know, kept; ``", "``-joined), ``notes``
        (e.g. an encoding fallback).  ``records == valid + rejected`` on every row.
    warnings : pandas.DataFrame
        One row per **kept** record that looks wrong but may be true (so it is neither
        rejected nor changed): ``table``, ``source``, ``line`` (as in ``rejected``),
        ``couple_id``, ``column``, ``value`` (as text) and ``reason`` in words.  Two kinds: a
        lone first or last record far from the rest of its couple's logs, a likely mistyped
        year (``column`` a date column; :mod:`trustdata.io._isolated`), and a record whose
        couple id or partner differs only in case from a more used one (``column``
        ``couple_id`` or ``partner``; :mod:`trustdata.io._case`).  Empty for frames not read by
        :func:`trustdata.io.load` or :func:`trustdata.io.from_frames`.
    """

    checkins: pd.DataFrame = field(default_factory=lambda: empty_table("checkins"))
    triggers: pd.DataFrame = field(default_factory=lambda: empty_table("triggers"))
    events: pd.DataFrame = field(default_factory=lambda: empty_table("events"))
    couples: pd.DataFrame = field(default_factory=lambda: empty_table("couples"))
    rejected: pd.DataFrame = field(default_factory=empty_rejected)
    summary: pd.DataFrame = field(default_factory=empty_summary)
    warnings: pd.DataFrame = field(default_factory=empty_warnings)

    @property
    def couple_ids(self) -> list[str]:
        """Every couple id that appears in any table, sorted."""
        ids: set[str] = set()
        for table in (self.checkins, self.triggers, self.events, self.couples):
            ids.update(table["couple_id"].dropna().unique().tolist())
        return sorted(ids)

    def couple(self, couple_id: str) -> Logs:
        """The logs of one couple (``rejected``, ``summary`` and ``warnings`` are kept whole).

        Raises
        ------
        ValueError
            When no table has that couple.
        """
        if couple_id not in self.couple_ids:
            known = self.couple_ids
            shown = ", ".join(map(repr, known[:10])) + (" ..." if len(known) > 10 else "")
            raise ValueError(f"No couple {couple_id!r} in these logs. Couples: {shown}.")

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.loc[frame["couple_id"] == couple_id].reset_index(drop=True)

        return replace(
            self,
            checkins=pick(self.checkins),
            triggers=pick(self.triggers),
            events=pick(self.events),
            couples=pick(self.couples),
        )

    def __repr__(self) -> str:
        return (
            f"Logs({len(self.couple_ids)} couples: {len(self.checkins)} check-ins, "
            f"{len(self.triggers)} triggers, {len(self.events)} events, "
            f"{len(self.rejected)} rejected)"
        )

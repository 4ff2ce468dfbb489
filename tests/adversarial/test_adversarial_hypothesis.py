"""Hypothesis strategies that generate hostile tables for ``load``, every importer and
``anonymize``; the properties are those of issue 13: nothing but TrustDataError, and every
record accounted for (records == valid + rejected, and records == the rows written).

Each generated table holds up to :data:`MAX_ROWS` hostile records, so the few hundred tables
generated here carry thousands of hostile records (the count is printed by the benchmark).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from trustdata import schemas
from trustdata.errors import TrustDataError

sys.path.insert(0, str(Path(__file__).parent))
from _adversarial_corpus import COUNTS, accounting_problems

MAX_ROWS = 25
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # no shrinking: a failure prints the generated table as it is (shrinking a hostile table
    # can take minutes)
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

_SPECIAL = [
    "", " ", "NA", "null", "None", "NaN", "nan", "inf", "-inf", "6.9999999999999999", "1e400",
    "٥", "５", "0x1F", "=1+1", "+A", "-A", "@A", "\t=x", "'=x", "ann@example.org",
    "%{meta.partner}", "<script>x</script>", "\u202eevil", "a\u200bb", "e\u0301", "\u0410",
    "2025-03-29T10:00:00+01:00", "2025-03-31T10:00:00+02:00", "2025-03-31T10:00:00Z",
    "2025-03-29T00:00:00+01:00", "2025-03-31T00:00:00+02:00", "2025-04-07T00:00:00Z",
    "1725-03-03", "1677-09-21", "2262-04-12", "9999-12-31", "2025-02-30", "3/3/25",
    "2025-3-3", "20250303", "9" * 5000, "x" * 3000, "\x00", "\x85", "line\nbreak", '"', ",",
    "true", "false", "yes", "0", "-1", "11", "1.5", "10",
]  # fmt: skip
#: Hostile values whose issue-13 point is still open (trustdata.io): left out of the draws until
#: it is fixed; each entry names its point.  The corpus keeps them as strict xfails.
OPEN: dict[str, str] = {}  # none left: point 17 (mixed offsets in a date column) is fixed
_SPECIAL = [v for v in _SPECIAL if v not in OPEN]

_VALID = {
    "couple_id": st.sampled_from(["c1", "c2", "couple-3"]),
    "partner": st.sampled_from(["A", "B"]),
    "date": st.dates(min_value=__import__("datetime").date(2020, 1, 1)).map(str),
    "timestamp": st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="minutes")),
    "connection": st.integers(1, 10).map(str),
    "trust": st.integers(1, 10).map(str),
    "intensity": st.integers(1, 10).map(str),
    "category": st.sampled_from(list(schemas.TRIGGER_CATEGORIES)),
    "kind": st.sampled_from(list(schemas.EVENT_KINDS)),
}
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40
)  # any character, lone surrogates apart (they cannot be written as UTF-8)


def _count(rows: list) -> None:
    COUNTS["tables"] += 1
    COUNTS["records"] += len(rows)


def cells(column: str) -> st.SearchStrategy[str]:
    """A value for ``column``: valid, a known hostile value, or any text."""
    valid = _VALID.get(column, _TEXT)
    return st.one_of(valid, valid, st.sampled_from(_SPECIAL), _TEXT)


_HOSTILE_NAMES = ["_line", "_problem", "=cmd", "@x", "notes for ann@example.org", "", " ",
                  "Connection", "couple_id ", "%{x}", "x" * 300]  # fmt: skip


@st.composite
def hostile_table(draw, table: str) -> tuple[list[str], list[list[str]]]:
    """A header (the table's required columns, some optional ones, some hostile names; shuffled)
    and up to MAX_ROWS rows of hostile cells (sometimes too short or too long)."""
    required = list(schemas.REQUIRED_COLUMNS[table])
    optional = [c for c in schemas.KNOWN_COLUMNS[table] if c not in required]
    if optional:
        columns = required + draw(st.lists(st.sampled_from(optional), max_size=3, unique=True))
    else:
        columns = required + draw(st.lists(st.sampled_from(["group", "site"]), max_size=2,
                                           unique=True))  # fmt: skip
    columns += draw(st.lists(st.sampled_from(_HOSTILE_NAMES), max_size=2, unique=True))
    columns = draw(st.permutations(columns))
    n = draw(st.integers(15, MAX_ROWS))  # empty tables are corpus cases (header-only, [])
    rows = []
    for _ in range(n):
        row = [draw(cells(c)) for c in columns]
        shape = draw(st.sampled_from(["ok"] * 8 + ["short", "long"]))
        if shape == "short" and len(row) > 1:
            row = row[:-1]
        elif shape == "long":
            row = [*row, draw(cells("extra"))]
        rows.append(row)
    return list(columns), rows


def _csv_bytes(columns: list[str], rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # so that a lone \r is quoted
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def _expected_records(columns: list[str], rows: list[list[str]]) -> int | None:
    """The records the loader must count, when the builder can tell (no blank-looking row)."""
    if any(not "".join(r).strip(" \t\r\n\x00\x85") for r in rows):
        return None
    if len(set(columns)) < len(columns) or any(not c.strip() for c in columns):
        return None
    return len(rows)


def _check_load(folder: Path, expected: int | None) -> None:
    from trustdata.io import load

    try:
        logs = load(folder)
    except TrustDataError:
        return
    assert accounting_problems(logs, expected) == []


# --------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(
    table=st.sampled_from(schemas.TABLES),
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_load_of_a_hostile_csv_is_whole_or_a_trustdata_error(tmp_path_factory, table, data,
                                                               encoding):  # fmt: skip
    columns, rows = data.draw(hostile_table(table))
    _count(rows)
    folder = tmp_path_factory.mktemp("csv")
    name = "checkins" if table == "couples" else table  # a folder needs check-ins
    if name != table:
        (folder / "checkins.csv").write_text("couple_id,partner,date,connection\n")
    (folder / f"{table}.csv").write_bytes(_csv_bytes(columns, rows, encoding))
    expected = _expected_records(columns, rows) if encoding != "cp1252" else None
    if table == "couples":
        expected = None
    _check_load(folder, expected)


@SETTINGS
@given(table=st.sampled_from(["checkins", "triggers", "events"]), data=st.data())
def test_load_of_a_hostile_json_is_whole_or_a_trustdata_error(tmp_path_factory, table, data):
    columns, rows = data.draw(hostile_table(table))
    _count(rows)
    records = [dict(zip(columns, r, strict=False)) for r in rows]
    if data.draw(st.booleans()):  # numbers and nulls where text is expected, and vice versa
        for rec in records:
            key = data.draw(st.sampled_from(columns))
            rec[key] = data.draw(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(),
                                           st.lists(st.integers(), max_size=2)))  # fmt: skip
    folder = tmp_path_factory.mktemp("json")
    if table != "checkins":
        (folder / "checkins.csv").write_text("couple_id,partner,date,connection\n")
    (folder / f"{table}.json").write_text(json.dumps(records), encoding="utf-8")
    _check_load(folder, None)


# --------------------------------------------------------------------------------------------
# importers
# --------------------------------------------------------------------------------------------

_EXPORT_HEADERS = {
    "daylio": ["full_date", "date", "weekday", "time", "mood", "activities", "note"],
    "bearable": ["date", "weekday", "time of day", "category", "rating/amount", "detail", "notes"],
    "google-forms": ["Timestamp", "Email Address",
                     "How connected do you feel to me right now (1-10)?", "Partner"],
}  # fmt: skip
_EXPORT_CELLS = {
    "full_date": st.dates().map(str),
    "time": st.sampled_from(["21:12", "9:12 pm", "25:61", ""]),
    "mood": st.sampled_from(["rad", "good", "meh", "bad", "awful", "=1"]),
    "activities": st.sampled_from(["", "friends | triggered: place", "triggered: ", "a | b"]),
    "category": st.sampled_from(["Mood", "Symptom", "Energy", "Sleep", "x"]),
    "rating/amount": st.sampled_from(["1", "5", "10", "6.9999999999999999", "-3", "x"]),
    "Timestamp": st.sampled_from(["3/3/2025 10:00:00", "2025-03-29T10:00:00+01:00", "x", ""]),
}


@SETTINGS
@given(kind=st.sampled_from(sorted(_EXPORT_HEADERS)), data=st.data())
def test_every_importer_balances_its_report_or_refuses(tmp_path_factory, kind, data):
    from trustdata.importers import import_export

    header = list(_EXPORT_HEADERS[kind])
    header += data.draw(st.lists(st.sampled_from(_HOSTILE_NAMES), max_size=2, unique=True))
    cell = [st.one_of(_EXPORT_CELLS.get(h, cells(h)), st.sampled_from(_SPECIAL)) for h in header]
    rows = data.draw(st.lists(st.tuples(*cell).map(list), min_size=10, max_size=MAX_ROWS))
    COUNTS["tables"] += 1
    COUNTS["records"] += len(rows)
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(_csv_bytes(header, rows, "utf-8"))
    try:
        result = import_export(kind, path, couple="c1", partner="A", dayfirst=False)
    except TrustDataError:
        return
    assert result.report.balanced, result.report.outcomes
    assert accounting_problems(result.logs) == []


# --------------------------------------------------------------------------------------------
# anonymize
# --------------------------------------------------------------------------------------------

KEY = b"hypothesis key 7d1e9a3c5b20f846"


@SETTINGS
@given(data=st.data(), keep_text=st.booleans(), fmt=st.sampled_from(["csv", "parquet"]))
def test_anonymize_of_hostile_logs_keeps_every_row_and_leaks_no_id(tmp_path_factory, data,
                                                                    keep_text, fmt):  # fmt: skip
    from trustdata.anonymize import anonymize, write_anonymized
    from trustdata.io import load

    ids = data.draw(st.lists(st.from_regex(r"[a-z]{4}-[0-9]{5}", fullmatch=True), min_size=1,
                             max_size=3, unique=True))  # fmt: skip
    columns, rows = data.draw(hostile_table("checkins"))
    _count(rows)
    if "couple_id" in columns:
        at = columns.index("couple_id")
        for r in rows:
            if len(r) > at:
                r[at] = data.draw(st.sampled_from(ids))
    folder = tmp_path_factory.mktemp("anon-in")
    (folder / "checkins.csv").write_bytes(_csv_bytes(columns, rows, "utf-8"))
    try:
        logs = load(folder)
    except TrustDataError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            anon, report = anonymize(logs, key=KEY, k=1, keep_text=keep_text)
        except TrustDataError:
            return
    assert len(anon.checkins) == len(logs.checkins)
    out = tmp_path_factory.mktemp("anon-out") / "out"
    write_anonymized(anon, out, report=report, format=fmt)
    back = load(out)
    assert len(back.checkins) == len(anon.checkins) and back.rejected.empty
    data_bytes = b"".join(p.read_bytes() for p in out.iterdir())
    for cid in ids:
        assert cid.encode() not in data_bytes
    assert b"example.org" not in data_bytes

"""Loading, validating, quarantining and writing log folders (trustdata.io)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustdata import io, schemas
from trustdata.errors import FileProblem, RecordsRejected, TrustDataError
from trustdata.logs import SUMMARY_COLUMNS, Logs, as_table

CHECKIN_HEADER = "couple_id,partner,role,date,connection,trust,honesty,need"
GOOD_CHECKIN = {
    "couple_id": "c1",
    "partner": "A",
    "role": "hurt",
    "date": "2025-03-03",
    "connection": "6",
    "trust": "5",
    "honesty": "",
    "need": "time",
}
TRIGGER_HEADER = "couple_id,partner,timestamp,category,intensity,used_plan,minutes,note"
GOOD_TRIGGER = {
    "couple_id": "c1",
    "partner": "A",
    "timestamp": "2025-03-03T21:15",
    "category": "location",
    "intensity": "6",
    "used_plan": "yes",
    "minutes": "20",
    "note": "",
}
EVENT_HEADER = "couple_id,date,kind,partner,note"
GOOD_EVENT = {
    "couple_id": "c1",
    "date": "2025-01-10",
    "kind": "discovery",
    "partner": "",
    "note": "",
}
GOOD = {"checkins": GOOD_CHECKIN, "triggers": GOOD_TRIGGER, "events": GOOD_EVENT}


def write_text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def one_record(table: str, **changes: str) -> pd.DataFrame:
    return pd.DataFrame([{**GOOD[table], **changes}])


def only_reason(logs: Logs) -> str:
    assert len(logs.rejected) == 1, logs.rejected
    return logs.rejected.loc[0, "reason"]


# ---------------------------------------------------------------------------------------------
# Every check of every schema: one bad value -> one rejected record with a reason in words
# ---------------------------------------------------------------------------------------------

BAD_VALUES = [
    ("checkins", "connection", "0", "connection is 0, expected a whole number 1-10"),
    ("checkins", "connection", "11", "connection is 11, expected a whole number 1-10"),
    ("checkins", "connection", "seven", "connection is 'seven', expected a whole number 1-10"),
    ("checkins", "connection", "7.5", "connection is 7.5, expected a whole number 1-10"),
    ("checkins", "connection", "", "connection is missing"),
    ("checkins", "connection", "   ", "connection is missing"),
    ("checkins", "trust", "11", "trust is 11, expected a whole number 1-10"),
    ("checkins", "honesty", "-1", "honesty is -1, expected a whole number 1-10"),
    ("checkins", "honesty", "inf", "honesty is 'inf', expected a whole number 1-10"),
    ("checkins", "honesty", "1e30", "honesty is '1e30', expected a whole number 1-10"),
    ("checkins", "date", "2025-02-30", "date is '2025-02-30', expected a date like 2025-02-28"),
    ("checkins", "date", "03/03/2025", "date is '03/03/2025', expected a date like 2025-02-28"),
    (
        "checkins",
        "date",
        "2025-03-03 14:00",
        "date is '2025-03-03 14:00', expected a date like 2025-02-28",
    ),
    ("checkins", "date", "", "date is missing"),
    ("checkins", "couple_id", "", "couple_id is missing"),
    ("checkins", "partner", "  ", "partner is missing"),
    ("checkins", "role", "boss", "role is 'boss', expected one of hurt, involved, both (or empty)"),
    ("triggers", "intensity", "0", "intensity is 0, expected a whole number 1-10"),
    ("triggers", "intensity", "11", "intensity is 11, expected a whole number 1-10"),
    ("triggers", "intensity", "high", "intensity is 'high', expected a whole number 1-10"),
    ("triggers", "intensity", "", "intensity is missing"),
    ("triggers", "category", "weather", "category is 'weather', expected one of date_or_anniv"),
    ("triggers", "category", "", "category is missing"),
    ("triggers", "used_plan", "maybe", "used_plan is 'maybe', expected yes or no (or empty)"),
    ("triggers", "minutes", "-5", "minutes is -5, expected a number of minutes, 0 or more"),
    ("triggers", "minutes", "ten", "minutes is 'ten', expected a number of minutes, 0 or more"),
    ("triggers", "timestamp", "yesterday", "timestamp is 'yesterday', expected a date or a date"),
    ("triggers", "timestamp", "2025-02-30T10:00", "timestamp is '2025-02-30T10:00', expected"),
    (
        "triggers",
        "timestamp",
        "2025-03-03T21:15+17:00",
        "timestamp is '2025-03-03T21:15+17:00', expected a UTC offset between -16:00 and +16:00",
    ),
    ("triggers", "timestamp", "", "timestamp is missing"),
    ("triggers", "timestamp", "2025-03-03T21:15:00+0a:00", "timestamp is '2025-03-03T21:15:00+0a"),
    ("triggers", "timestamp", "2025-02-30T10:00:00+01:00", "timestamp is '2025-02-30T10:00:00+01"),
    (
        "triggers",
        "timestamp",
        "2025-03-03T21:15:00+25:00",
        "timestamp is '2025-03-03T21:15:00+25:00', expected a UTC offset between",
    ),
    ("events", "kind", "party", "kind is 'party', expected one of discovery, disclosure"),
    ("events", "kind", "", "kind is missing"),
    ("events", "date", "2025-13-01", "date is '2025-13-01', expected a date like 2025-02-28"),
    ("events", "couple_id", "", "couple_id is missing"),
]


@pytest.mark.parametrize(("table", "column", "value", "reason"), BAD_VALUES)
def test_a_bad_value_rejects_its_record_with_a_reason(table, column, value, reason):
    logs = io.from_frames(**{table: one_record(table, **{column: value})})
    assert len(getattr(logs, table)) == 0
    assert only_reason(logs).startswith(reason)
    assert logs.rejected.loc[0, column] == value  # the original text is kept


@pytest.mark.parametrize("table", ["checkins", "triggers", "events"])
def test_a_good_record_is_kept(table):
    logs = io.from_frames(**{table: one_record(table)})
    assert len(getattr(logs, table)) == 1
    assert len(logs.rejected) == 0


def test_bad_utc_offset_column_is_rejected():
    raw = one_record("triggers", utc_offset_minutes="1000")
    assert only_reason(io.from_frames(triggers=raw)).startswith(
        "utc_offset_minutes is 1000, expected a whole number of minutes between -960 and 960"
    )


def test_offset_column_that_contradicts_the_timestamp_is_rejected():
    raw = one_record("triggers", timestamp="2025-03-03T21:15+01:00", utc_offset_minutes="120")
    assert "utc_offset_minutes is 120 but the timestamp" in only_reason(
        io.from_frames(triggers=raw)
    )


def test_every_problem_of_a_record_is_listed_and_no_value_twice():
    raw = one_record("checkins", connection="seven", trust="11", date="2025-02-30", role="x")
    reason = only_reason(io.from_frames(checkins=raw))
    assert reason.split("; ") == [
        "role is 'x', expected one of hurt, involved, both (or empty)",
        "date is '2025-02-30', expected a date like 2025-02-28",
        "connection is 'seven', expected a whole number 1-10",
        "trust is 11, expected a whole number 1-10",
    ]


# ---------------------------------------------------------------------------------------------
# Accepted spellings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value", "expected"),
    [
        ("triggers", "category", "Anniversary ", "date_or_anniversary"),
        ("triggers", "category", " Change of behaviour", "behavior_change"),
        ("triggers", "category", "TV", "media"),
        ("events", "kind", "No contact", "no_contact"),
        ("events", "kind", "Couples counselling", "couples_therapy"),
        ("checkins", "role", "Hurt partner", "hurt"),
        ("triggers", "used_plan", "Yes", True),
        ("triggers", "used_plan", "n", False),
        ("checkins", "connection", " 7 ", 7),
        ("checkins", "connection", "7.0", 7),
        ("checkins", "couple_id", " c1 ", "c1"),
        ("checkins", "date", "2025-03-03T00:00:00", pd.Timestamp("2025-03-03")),
    ],
)
def test_accepted_spellings_are_normalised(table, column, value, expected):
    logs = io.from_frames(**{table: one_record(table, **{column: value})})
    assert len(logs.rejected) == 0
    assert getattr(logs, table)[column].iloc[0] == expected


@pytest.mark.parametrize(
    ("text", "wall", "offset", "time_known"),
    [
        ("2025-03-03", "2025-03-03 00:00", None, False),
        ("2025-03-03T21:15", "2025-03-03 21:15", None, True),
        ("2025-03-03 21:15:30", "2025-03-03 21:15:30", None, True),
        ("2025-03-03T21:15:00Z", "2025-03-03 21:15", 0, True),
        ("2025-03-03T21:15:00+05:30", "2025-03-03 21:15", 330, True),
        ("2025-03-03T21:15-03:00", "2025-03-03 21:15", -180, True),
        ("2025-03-03T21:15:00+0100", "2025-03-03 21:15", 60, True),
        ("2025-03-03T21:15:00.12345", "2025-03-03 21:15:00.12345", None, True),
        ("2025-03-03 21:15:00-08:00", "2025-03-03 21:15", -480, True),
        ("2025-03-03T21:15+01", "2025-03-03 21:15", 60, True),  # 19 characters, like a time
    ],
)
def test_timestamps_keep_wall_clock_time_and_offset(text, wall, offset, time_known):
    logs = io.from_frames(triggers=one_record("triggers", timestamp=text))
    row = logs.triggers.iloc[0]
    assert row["timestamp"] == pd.Timestamp(wall)
    assert (pd.isna(row["utc_offset_minutes"]) and offset is None) or (
        row["utc_offset_minutes"] == offset
    )
    assert row["time_known"] is np.bool_(time_known) or row["time_known"] == time_known
    assert logs.triggers["timestamp"].dtype == "datetime64[ns]"


def test_timestamps_in_a_multi_chunk_column_parse():
    # pd.concat keeps two pyarrow chunks, as a large CSV read does.
    raw = pd.concat(
        [one_record("triggers"), one_record("triggers", timestamp="2025-03-04+02:00")],
        ignore_index=True,
    )
    logs = io.from_frames(triggers=raw)
    assert logs.triggers["utc_offset_minutes"].tolist() == [pd.NA, 120]
    assert logs.triggers["time_known"].tolist() == [True, False]


def test_validated_frames_have_the_format_dtypes():
    logs = io.from_frames(
        checkins=one_record("checkins"),
        triggers=one_record("triggers"),
        events=one_record("events"),
    )
    for table in ("checkins", "triggers", "events"):
        frame = getattr(logs, table)
        schemas.SCHEMAS[table].validate(frame)
        expected = as_table(table, frame).dtypes
        assert frame.dtypes.astype(str).to_dict() == expected.astype(str).to_dict()


# ---------------------------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------------------------


def test_duplicate_checkins_keep_the_first_copy(tmp_path):
    write_text(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection\n"
        "c1,A,2025-03-03,6\n"
        "c1,B,2025-03-03,5\n"
        "c1,A,2025-03-03,7\n"
        "c1,A,2025-03-03,8\n",
    )
    logs = io.load(tmp_path)
    assert logs.checkins["connection"].tolist() == [6, 5]
    assert logs.rejected["line"].tolist() == [4, 5]
    assert (
        logs.rejected["reason"].tolist()
        == ["duplicate check-in: couple c1, partner A already has one on 2025-03-03 (line 2)"] * 2
    )


def test_a_rejected_first_copy_does_not_make_a_good_later_copy_a_duplicate():
    raw = pd.DataFrame([{**GOOD_CHECKIN, "connection": "11"}, {**GOOD_CHECKIN, "connection": "4"}])
    logs = io.from_frames(checkins=raw)
    assert logs.checkins["connection"].tolist() == [4]
    assert logs.rejected["line"].tolist() == [1]


def test_duplicate_couples_keep_the_first_row():
    logs = io.from_frames(couples=pd.DataFrame({"couple_id": ["c1", "c2", "c1"]}))
    assert logs.couples["couple_id"].tolist() == ["c1", "c2"]
    assert only_reason(logs) == "duplicate couple row: couple c1 already has a row (line 1)"


# ---------------------------------------------------------------------------------------------
# Line numbers, blank lines, ragged rows, the accounting rule
# ---------------------------------------------------------------------------------------------


@pytest.fixture(params=["pyarrow", "csv module"])
def reader(request, monkeypatch):
    """Run a test with pyarrow's reader (the fast path) and with the careful csv-module reader."""
    if request.param == "csv module":
        monkeypatch.setattr(io, "_fast_csv", lambda *args: None)
    return request.param


def test_multiline_values_and_blank_lines_give_start_lines(tmp_path, reader):
    write_text(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection,need\r\n"
        'c1,A,2025-03-03,6,"a\r\n\r\nb"\r\n'  # lines 2-4, a blank line inside the value
        "\r\n"  # 5 blank
        "c1,A,2025-03-04,66,x\r\n"  # 6
        'c1,A,2025-03-05,6,"\n"\n'  # 7-8
        "\n"  # 9 blank
        "c1,A,2025-03-06,0,x\n",  # 10
    )
    frame, _ = io.read_raw_csv(tmp_path / "checkins.csv")
    assert frame["_line"].tolist() == [2, 6, 7, 10]
    assert frame["need"].tolist() == ["a\r\n\r\nb", "x", "\n", "x"]


def test_line_numbers_count_physical_lines(tmp_path, reader):
    write_text(
        tmp_path,
        "checkins.csv",
        "\n"  # line 1: blank before the header
        "couple_id,partner,date,connection,need\r\n"  # line 2
        "c1,A,2025-03-03,6,x\r\n"  # 3
        "\r\n"  # 4 blank
        'c1,A,2025-03-10,6,"two\r\nlines"\r\n'  # 5-6
        "c1,A,2025-03-17,66,x\r\n"  # 7
        ",,,,\r\n"  # 8: only delimiters -> blank
        "   \r\n"  # 9: only spaces -> blank
        "c1,A,2025-03-24,0,x\r\n",  # 10
    )
    logs = io.load(tmp_path / "checkins.csv")
    assert logs.rejected["line"].tolist() == [7, 10]
    assert logs.checkins["need"].tolist() == ["x", "two\r\nlines"]
    assert logs.summary.loc[0, ["records", "valid", "rejected"]].tolist() == [4, 2, 2]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("c1,A,2025-03-10,6,x,y", "the line has too many values (6 where the header has 4)"),
        ("c1,A,2025-03-10", "the line has too few values (3 where the header has 4)"),
    ],
)
def test_ragged_rows_are_rejected_not_dropped(tmp_path, row, reason):
    write_text(
        tmp_path,
        "checkins.csv",
        f"couple_id,partner,date,connection\nc1,A,2025-03-03,6\n{row}\nc1,A,2025-03-17,6\n",
    )
    logs = io.load(tmp_path)
    assert len(logs.checkins) == 2
    assert logs.rejected["line"].tolist() == [3]
    assert logs.rejected.loc[0, "reason"].startswith(reason)


def test_summary_accounts_for_every_record(tmp_path):
    write_text(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection,mood\nc1,A,2025-03-03,6,ok\nc1,A,2025-03-04,x,ok\n",
    )
    write_text(tmp_path, "triggers.csv", TRIGGER_HEADER + "\n" + ",".join(GOOD_TRIGGER.values()))
    logs = io.load(tmp_path)
    summary = logs.summary
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert (summary["records"] == summary["valid"] + summary["rejected"]).all()
    assert summary[["table", "records", "valid", "rejected", "extra_columns"]].values.tolist() == [
        ["checkins", 2, 1, 1, "mood"],
        ["triggers", 1, 1, 0, ""],
    ]


def test_extra_columns_are_kept_as_text():
    raw = one_record("checkins").assign(mood="fine", site=" ")
    logs = io.from_frames(checkins=raw)
    assert logs.checkins["mood"].tolist() == ["fine"]
    assert logs.checkins["site"].isna().all()
    assert logs.summary.loc[0, "extra_columns"] == "mood, site"


def test_rejected_rows_keep_original_values_as_text(tmp_path):
    write_text(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection,reason\nc1,A,2025-03-03, 11 ,why\n",
    )
    rej = io.load(tmp_path).rejected
    assert list(rej.columns[:4]) == list(schemas.REJECTED_COLUMNS)
    assert rej.loc[0, "connection"] == " 11 "
    assert rej.loc[0, "input_reason"] == "why"  # a clash with a rejected column is renamed
    schemas.RejectedSchema.validate(rej)


# ---------------------------------------------------------------------------------------------
# Hardened input
# ---------------------------------------------------------------------------------------------

CSV = "couple_id,partner,date,connection,need\nc1,A,2025-03-03,6,café\n"


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (CSV.encode("utf-8"), ""),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), ""),
        (CSV.replace("\n", "\r\n").encode("utf-8"), ""),
        (CSV.encode("cp1252"), "read as Windows-1252"),
        (CSV.encode("utf-16"), "UTF-16"),
        (CSV.replace(",", ";").encode("utf-8"), "semicolon-separated"),
        (CSV.replace(",", "\t").encode("utf-8"), "tab-separated"),
    ],
)
def test_encodings_and_delimiters(tmp_path, data, note):
    (tmp_path / "checkins.csv").write_bytes(data)
    logs = io.load(tmp_path)
    assert logs.checkins["need"].tolist() == ["café"]
    assert logs.checkins["couple_id"].tolist() == ["c1"]
    assert note in logs.summary.loc[0, "notes"]
    if not note:
        assert logs.summary.loc[0, "notes"] == ""


@pytest.mark.parametrize(
    ("lines", "needs", "note"),
    [
        # UTF-8 rows, then a row appended by Excel in cp1252: each read in its own encoding.
        (
            ["c1,A,2025-03-03,6,café ÿ €".encode(), "c1,B,2025-03-03,7,Zoë – ok".encode("cp1252")],
            ["café ÿ €", "Zoë – ok"],
            "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the first "
            "on line 3); each part read in its own encoding",
        ),
        # cp1252 alone, with "Ã" before plain text, is still read as cp1252.
        (
            ["c1,A,2025-03-03,6,SÃO café".encode("cp1252")],
            ["SÃO café"],
            "not UTF-8: read as Windows-1252 (cp1252), as Excel writes it",
        ),
    ],
)
def test_a_file_mixing_utf8_and_cp1252_keeps_both_parts_readable(tmp_path, lines, needs, note):
    data = b"couple_id,partner,date,connection,need\n" + b"\n".join(lines) + b"\n"
    (tmp_path / "checkins.csv").write_bytes(data)
    logs = io.load(tmp_path)
    assert logs.checkins["need"].tolist() == needs
    assert logs.summary.loc[0, "notes"] == note


@pytest.mark.parametrize(
    ("body", "needs", "note"),
    [
        # A cp1252 file whose "need" is "\xa0Ã\xa0" (bytes A0 C3 A0): C3 A0 is also UTF-8 for
        # "à", but the line is not UTF-8 as a whole, so it is cp1252 as a whole (the hypothesis
        # case of test_messy_csv_accounts_for_every_record, seed 6989912121918996591...).
        (
            b"c1,A,2025-03-03,1,\xa0\xc3\xa0,\r\n",
            ["\xa0Ã\xa0"],
            "not UTF-8: read as Windows-1252 (cp1252), as Excel writes it",
        ),
        # The same cp1252 line appended to a UTF-8 line: each line in its own encoding, none split.
        (
            b"c1,A,2025-03-03,6,caf\xc3\xa9,\nc1,B,2025-03-03,7,\xa0\xc3\xa0 \xe9,\n",
            ["café", "\xa0Ã\xa0 é"],
            "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the first "
            "on line 3); each part read in its own encoding",
        ),
        # In a mixed file a UTF-8 line without a letter ("€ 5") is UTF-8 too.
        (
            "c1,A,2025-03-03,6,café,\nc1,B,2025-03-03,7,€ 5,\n".encode()
            + "c1,A,2025-03-10,7,Zoë,\n".encode("cp1252"),
            ["café", "€ 5", "Zoë"],
            "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the first "
            "on line 4); each part read in its own encoding",
        ),
        # CR-only line ends: the lines are still told apart.
        (
            b"c1,A,2025-03-03,6,caf\xc3\xa9,\rc1,B,2025-03-03,7,\xc3\xa9\xe9,\r",
            ["café", "Ã©é"],
            "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the first "
            "on line 3); each part read in its own encoding",
        ),
        # What no reader can tell apart (docs/format.md): a cp1252 line "Ã\xa0" is also UTF-8 "à"
        # as a whole, so beside a cp1252 line it is read as UTF-8 and the file is noted as mixed.
        (
            b"c1,A,2025-03-03,6,x\xa0,\nc1,B,2025-03-03,7,\xc3\xa0,\n",
            ["x\xa0", "à"],
            "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the first "
            "on line 2); each part read in its own encoding",
        ),
    ],
)
def test_a_cp1252_line_is_never_read_partly_as_utf8(tmp_path, body, needs, note):
    end = b"\r" if body.endswith(b"\r") else b"\r\n" if body.endswith(b"\r\n") else b"\n"
    data = b"couple_id,partner,date,connection,need,mood" + end + body
    (tmp_path / "checkins.csv").write_bytes(data)
    logs = io.load(tmp_path)
    assert logs.checkins["need"].tolist() == needs
    assert len(logs.checkins) == logs.summary.loc[0, "records"] == len(needs)
    assert note in logs.summary.loc[0, "notes"]


def test_a_mixed_file_with_a_byte_cp1252_lacks_is_a_file_problem(tmp_path):
    data = "couple_id,partner,date,connection,need\nc1,A,2025-03-03,6,café\n".encode()
    (tmp_path / "checkins.csv").write_bytes(data + b"c1,B,2025-03-03,6,\x81\n")
    with pytest.raises(FileProblem, match="is neither UTF-8 nor Windows-1252"):
        io.load(tmp_path)


def test_cr_line_ends_and_header_case_are_forgiven(tmp_path):
    data = b"Couple_ID , Partner,DATE,connection\rc1,A,2025-03-03,6\r\rc1,A,2025-03-10,0\r"
    (tmp_path / "CheckIns.CSV").write_bytes(data)
    logs = io.load(tmp_path)
    assert logs.checkins["couple_id"].tolist() == ["c1"]
    assert logs.rejected["line"].tolist() == [4]
    assert "CR only" in logs.summary.loc[0, "notes"]


def test_empty_unnamed_columns_are_dropped_and_named_ones_kept(tmp_path):
    write_text(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection,,\nc1,A,2025-03-03,6,,x\n",
    )
    logs = io.load(tmp_path)
    assert logs.summary.loc[0, "extra_columns"] == "unnamed_6"
    assert logs.summary.loc[0, "notes"] == "dropped 1 empty column(s) without a name"


def test_an_empty_json_list_is_an_empty_table(tmp_path):
    write_text(tmp_path, "checkins.json", "[]")
    logs = io.load(tmp_path)
    assert len(logs.checkins) == 0
    assert logs.summary.loc[0, ["records", "valid", "rejected"]].tolist() == [0, 0, 0]


def test_formula_and_html_text_is_kept_as_data_and_very_long_fields_load(tmp_path):
    long = "x" * 300_000
    texts = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "<script>alert(1)</script>", long]
    rows = "".join(f'c1,A,2025-03-{i + 3:02d},6,"{t}"\n' for i, t in enumerate(texts))
    write_text(tmp_path, "checkins.csv", "couple_id,partner,date,connection,need\n" + rows)
    logs = io.load(tmp_path)
    assert logs.checkins["need"].tolist() == texts


def test_read_raw_csv_gives_text_lines_problems_and_notes(tmp_path):
    path = write_text(tmp_path, "export.csv", "a;b\r\n1;2\r\n\r\n3;4;5\r\n;\r\n6;\r\n")
    frame, notes = io.read_raw_csv(path)
    assert frame[["a", "b"]].values.tolist() == [["1", "2"], ["3", "4"], ["6", ""]]
    assert frame["_line"].tolist() == [2, 4, 6]
    assert frame["_problem"].notna().tolist() == [False, True, False]
    assert notes == ['semicolon-separated (read with ";" as the delimiter)']


# ---------------------------------------------------------------------------------------------
# Whole-file problems
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        (
            "checkins.csv",
            b"couple_id,partner,date\nc1,A,2025-03-03\n",
            r"checkins.csv: required column 'connection' is missing. Columns in the file: "
            r"\['couple_id', 'partner', 'date'\]",
        ),
        ("checkins.csv", b"", "checkins.csv: is empty"),
        ("checkins.csv", b"\n \r\n", "checkins.csv: is empty"),
        ("checkins.csv", b"\x00\x01\x02binary", "not a text table"),
        ("checkins.csv", b"<!DOCTYPE html><html><body>x</body></html>", "HTML"),
        ("checkins.csv", b"PK\x03\x04rest-of-a-zip", "checkins.csv: is a spreadsheet workbook"),
        ("checkins.csv", b"a,b\n\x81\x8d\x8f,\x90\n", "neither UTF-8 nor Windows-1252"),
        ("checkins.csv", b"couple_id,date,date,connection\n", "column 'date' appears twice"),
        ("checkins.json", b'{"couple_id": "c1"}', "checkins.json: holds a JSON object, not a list"),
        ("checkins.json", b"null", "checkins.json: holds a JSON null, not a list"),
        ("checkins.json", b'"c1,A"', "checkins.json: holds a JSON text, not a list"),
        ("checkins.json", b"7", "checkins.json: holds a JSON number, not a list"),
        (
            "checkins.json",
            b'[["c1", "A", "2025-03-03", 5], 3]',
            r"checkins.json: holds a list of 2 item\(s\) but none is a record \(an object of named "
            r"values; the first is a JSON list\)",
        ),
        ("checkins.json", b"[{", "checkins.json: is not valid JSON"),
        ("checkins.json", b"", "checkins.json: is empty"),
        ("checkins.parquet", b"not parquet at all", "checkins.parquet: cannot be read as Parquet"),
        ("checkins.xlsx", b"PK\x03\x04", r"checkins.xlsx: has the extension '.xlsx'"),
        ("triggers.csv", b"couple_id,partner\n", "triggers.csv: required column 'timestamp'"),
    ],
)
def test_whole_file_problems_name_the_file(tmp_path, name, data, match):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(TrustDataError, match=match) as info:
        io.load(tmp_path / name)
    assert isinstance(info.value, FileProblem) or "checkins.csv" in str(info.value)


#: Each table's required header as docs/format.md states it (written out, not read from the
#: code under test).
FORMAT_HEADERS = {
    "checkins": "couple_id,partner,date,connection",
    "triggers": "couple_id,partner,timestamp,category,intensity",
    "events": "couple_id,date,kind",
    "couples": "couple_id",
}


@pytest.mark.parametrize("table", list(FORMAT_HEADERS))
@pytest.mark.parametrize("data", [b"", b"\n \r\n", b"\xef\xbb\xbf"])
def test_an_empty_table_file_is_shown_its_own_header(tmp_path, table, data):
    # reader13 F12: an empty triggers.csv was told "(e.g. couple_id,partner,date,connection)",
    # the check-ins header, and a triggers file with that header is refused
    if table != "checkins":
        write_text(
            tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,5\n"
        )
    (tmp_path / f"{table}.csv").write_bytes(data)
    with pytest.raises(FileProblem) as info:
        io.load(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / (table + '.csv')}: is empty; expected a header line naming the columns "
        f"(e.g. {FORMAT_HEADERS[table]})."
    )
    # following the hint verbatim gives a file the loader reads (no record yet)
    (tmp_path / f"{table}.csv").write_text(FORMAT_HEADERS[table] + "\n", encoding="utf-8")
    logs = io.load(tmp_path)
    assert len(getattr(logs, table)) == 0 and logs.rejected.empty


def test_unclosed_quote_rejects_or_raises_but_never_crashes(tmp_path):
    write_text(tmp_path, "checkins.csv", 'couple_id,partner,date,connection\nc1,A,"2025\n')
    try:
        logs = io.load(tmp_path)
    except TrustDataError as exc:
        assert "checkins.csv" in str(exc)
    else:
        assert logs.summary.loc[0, "records"] == len(logs.checkins) + len(logs.rejected)


@pytest.mark.parametrize(
    ("body", "span", "checkins"),
    [
        ('c1,A,2025-03-03,"5\nc1,B,2025-03-03,6\n', "lines 2-3", 0),
        ('c1,B,2025-03-02,6\nc1,A,2025-03-03,"5,x\nc1,B,2025-03-03,6\nc1,A,2025-03-10,6\n',
         "lines 3-5", 1),
        ('c1,A,"2025-03-03,5', "line 2", 0),
    ],
)  # fmt: skip
def test_a_quote_never_closed_names_the_lines_it_swallowed(tmp_path, body, span, checkins):
    write_text(tmp_path, "checkins.csv", "couple_id,partner,date,connection\n" + body)
    logs = io.load(tmp_path)
    assert len(logs.checkins) == checkins
    reason = logs.rejected["reason"].iloc[-1]
    assert reason.startswith(
        f'a quote (") in this record is never closed, so the rest of the file ({span}) was read '
        "as this one record (close the quote or remove it)"
    )
    assert (logs.summary["records"] == logs.summary["valid"] + logs.summary["rejected"]).all()


def test_a_stray_quote_inside_a_value_is_not_an_unclosed_quote(tmp_path):
    text = "couple_id,partner,date,connection,need\nc1,A,2025-03-03,5,6'2\"\nc1,B,2025-03-03,6,y\n"
    write_text(tmp_path, "checkins.csv", text)
    logs = io.load(tmp_path)
    assert logs.checkins["need"].tolist() == ["6'2\"", "y"]
    assert len(logs.rejected) == 0


@pytest.mark.parametrize("path", [None, 123, b"logs", "", "  "])
def test_a_path_that_is_not_one_is_a_value_error(path):
    with pytest.raises(ValueError, match=r"The value for `path` must be a file or folder path"):
        io.load(path)


def test_write_to_no_folder_is_a_value_error(sample_logs):
    with pytest.raises(ValueError, match=r"The value for `folder` must be a file or folder path"):
        io.write(sample_logs, None)


def test_folder_problems(tmp_path):
    with pytest.raises(FileProblem, match="no such file or folder"):
        io.load(tmp_path / "missing")
    write_text(tmp_path, "triggers.csv", TRIGGER_HEADER + "\n")
    with pytest.raises(FileProblem, match="no check-ins file in the folder"):
        io.load(tmp_path)
    write_text(tmp_path, "checkins.csv", CHECKIN_HEADER + "\n")
    write_text(tmp_path, "checkins.json", "[]")
    with pytest.raises(FileProblem, match=r"more than one file for the checkins table"):
        io.load(tmp_path)


@pytest.mark.parametrize("table", ["checkins", "triggers"])
@pytest.mark.parametrize("kind", ["folder", "broken link"])
def test_a_table_name_that_is_not_a_file_is_named(tmp_path, table, kind):
    if table != "checkins":
        write_text(tmp_path, "checkins.json", "[]")
    target = tmp_path / f"{table}.csv"
    if kind == "folder":
        target.mkdir()
        what = "a folder"
    else:
        target.symlink_to(tmp_path / "gone.csv")
        what = "a link to a file that does not exist"
    with pytest.raises(FileProblem, match=rf"{table}.csv is {what}; expected the {table} table"):
        io.load(tmp_path)


def test_a_checkins_file_of_another_kind_is_named(tmp_path):
    write_text(tmp_path, "checkins.xlsx", "x")
    with pytest.raises(FileProblem, match=r"found checkins.xlsx, but check-ins are read only"):
        io.load(tmp_path)


def test_other_files_in_the_folder_are_named_in_the_notes(tmp_path):
    write_text(tmp_path, "checkins.csv", CHECKIN_HEADER + "\n")
    write_text(tmp_path, "README.txt", "hello")
    write_text(tmp_path, ".hidden", "x")
    logs = io.load(tmp_path)
    assert logs.summary.loc[0, "notes"] == "other files in the folder were not read: README.txt"


def test_a_single_file_is_read_as_its_table_or_as_checkins(tmp_path):
    path = write_text(tmp_path, "week12.csv", CSV)
    assert len(io.load(path).checkins) == 1
    path = write_text(
        tmp_path, "triggers.csv", TRIGGER_HEADER + "\n" + ",".join(GOOD_TRIGGER.values())
    )
    logs = io.load(path)
    assert len(logs.triggers) == 1 and len(logs.checkins) == 0


# ---------------------------------------------------------------------------------------------
# JSON and Parquet
# ---------------------------------------------------------------------------------------------


def test_json_lines_are_record_positions_and_odd_records_are_rejected(tmp_path):
    records = [
        {"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 6},
        "not a record",
        {"couple_id": "c1", "partner": "A", "date": "2025-03-10", "connection": 7.5},
        {"couple_id": "c1", "partner": "A", "date": "2025-03-17", "connection": 5, "need": [1]},
        {"couple_id": "c1", "partner": "B", "date": "2025-03-17", "connection": 5.0},
    ]
    write_text(tmp_path, "checkins.json", json.dumps(records))
    logs = io.load(tmp_path)
    assert logs.checkins["partner"].tolist() == ["A", "B"]
    assert logs.rejected["line"].tolist() == [2, 3, 4]
    reasons = logs.rejected["reason"].tolist()
    assert reasons[0].startswith("the record is a JSON text, expected an object")
    assert reasons[1] == "connection is 7.5, expected a whole number 1-10"
    assert reasons[2] == "need is a JSON list, expected a single value"


def test_a_key_written_twice_with_two_values_rejects_the_json_record(tmp_path):
    text = (
        '[{"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 5,'
        ' " connection": 6, "need": {"a": 1, "a": 2}},'
        ' {"couple_id": "c1", "couple_id": "c1", "partner": "B", "date": "2025-03-03",'
        ' "connection": 7}]'
    )
    write_text(tmp_path, "checkins.json", text)
    logs = io.load(tmp_path)
    assert logs.rejected["reason"].tolist() == [
        "connection is given 2 times in the record (5 and 6); "
        "need is a JSON object, expected a single value",
    ]
    assert logs.checkins["partner"].tolist() == ["B"]  # the same value twice is harmless


def test_parquet_with_typed_values_goes_through_the_same_checks(tmp_path):
    frame = pd.DataFrame(
        {
            "couple_id": ["c1", "c1"],
            "partner": ["A", "A"],
            "date": pd.to_datetime(["2025-03-03", "2025-03-10"]),
            "connection": [6, 12],
            "score_delta": [-1.5, 2.0],
        }
    )
    frame.to_parquet(tmp_path / "checkins.parquet")
    logs = io.load(tmp_path)
    assert logs.checkins["connection"].tolist() == [6]
    assert logs.checkins["score_delta"].dtype == "float64"  # extra columns keep their type
    assert only_reason(logs) == "connection is 12, expected a whole number 1-10"


def _typed_and_text(columns: dict[str, tuple[list, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same records twice: as typed columns (``dtype``) and as the text a CSV would hold."""
    text = pd.DataFrame({c: pd.Series(v, dtype="str") for c, (v, _) in columns.items()})
    typed = {}
    for col, (values, dtype) in columns.items():
        series = pd.Series(values, dtype="str")
        if dtype == "datetime":
            typed[col] = pd.to_datetime(series, format="ISO8601")
        elif dtype in ("Int64", "Float64"):
            typed[col] = pd.to_numeric(series).astype(dtype)
        elif dtype == "boolean":
            typed[col] = series.map({"true": True, "false": False}).astype("boolean")
        else:
            typed[col] = series.astype(dtype)
    return pd.DataFrame(typed), text


TYPED_CASES = {
    "checkins": {
        "couple_id": (["c1", "c1", "c1", "c1", "c2"], "str"),
        "partner": (["A", "A", "B", "A", "A"], "str"),
        "role": (["hurt", None, "hurt", "hurt", "partner"], "category"),
        "date": (["2025-03-03", "2025-03-10", "2025-03-03", "2025-03-03", None], "datetime"),
        "connection": (["6", "12", None, "7", "5"], "Int64"),
        "trust": (["5", None, "4", "3", "0"], "Int64"),
        "need": (["time", None, "", "=sum", "talk"], "str"),
    },
    "triggers": {
        "couple_id": (["c1", "c1", "c1", "c1"], "str"),
        "partner": (["A", "A", "B", "A"], "str"),
        "timestamp": (
            ["2025-03-03 21:15:00", "2025-03-04 00:00:00", None, "2025-03-05 00:00:00"],
            "datetime",
        ),
        "category": (["media", "location", "weather", "media"], "category"),
        "intensity": (["6", "11", "3", "4"], "Int64"),
        "used_plan": (["true", None, "false", "true"], "boolean"),
        "minutes": (["20.5", None, "-1", "3"], "Float64"),
    },
    "triggers_dates_only": {
        "couple_id": (["c1", "c1"], "str"),
        "partner": (["A", "B"], "str"),
        "timestamp": (["2025-03-03", "2025-03-04"], "datetime"),
        "category": (["media", "media"], "str"),
        "intensity": (["6", "2"], "Int64"),
    },
}


@pytest.mark.parametrize("case", list(TYPED_CASES))
def test_parquet_typed_and_text_columns_give_equal_frames_and_reasons(tmp_path, case):
    # Typed columns skip the text round trip; they must give what their text would give.
    table = case.split("_")[0]
    typed, text = _typed_and_text(TYPED_CASES[case])
    paths = [tmp_path / kind / f"{table}.parquet" for kind in ("typed", "text")]
    for frame, path in zip((typed, text), paths, strict=True):
        path.parent.mkdir()
        frame.to_parquet(path)
    assert not pd.read_parquet(paths[0]).dtypes.eq("str").all()
    assert pd.read_parquet(paths[1]).dtypes.eq("str").all()
    got = [io.load(path) for path in paths]
    pd.testing.assert_frame_equal(getattr(got[0], table), getattr(got[1], table))
    rejected = [g.rejected.drop(columns="source") for g in got]
    pd.testing.assert_frame_equal(rejected[0], rejected[1])
    assert len(getattr(got[0], table)) >= 1 and (len(rejected[0]) >= 1 or case.endswith("only"))


def test_parquet_typed_timestamps_of_midnights_only_are_dates_without_time(tmp_path):
    typed, _ = _typed_and_text(TYPED_CASES["triggers_dates_only"])
    typed.to_parquet(tmp_path / "triggers.parquet")
    assert io.load(tmp_path / "triggers.parquet").triggers["time_known"].tolist() == [False, False]


def test_parquet_wrong_typed_columns_still_give_per_record_reasons(tmp_path):
    # Integers in a date column, fractions in a whole-number column, a whole number too large
    # to be exact and a time outside datetime64[ns] are parsed as text, record by record.
    pd.DataFrame(
        {
            "couple_id": ["c1", "c1", "c1"],
            "partner": ["A", "A", "A"],
            "date": np.array([20250303, 20250310, 20250317]),
            "connection": [6.0, 7.5, np.nan],
        }
    ).to_parquet(tmp_path / "checkins.parquet")
    when = pd.to_datetime(["2025-03-03 10:00", "2300-01-01 10:00", "2025-03-04"], format="ISO8601")
    pd.DataFrame(
        {
            "couple_id": ["c1", "c1", "c1"],
            "partner": ["A", "A", "A"],
            "timestamp": pd.Series(when).astype("datetime64[us]"),
            "category": ["media", "location", "media"],
            "intensity": [2**60, 5, 6],
        }
    ).to_parquet(tmp_path / "triggers.parquet")
    logs = io.load(tmp_path)
    date = "expected a date like 2025-02-28"
    expected_ts = io._EXPECTED["timestamp"]
    assert logs.rejected[["table", "line", "reason"]].values.tolist() == [
        ["checkins", 1, f"date is '20250303', {date}"],
        [
            "checkins",
            2,
            f"date is '20250310', {date}; connection is 7.5, expected a whole number 1-10",
        ],
        ["checkins", 3, f"date is '20250317', {date}; connection is missing"],
        ["triggers", 1, "intensity is '1152921504606846976', expected a whole number 1-10"],
        ["triggers", 2, f"timestamp is '2300-01-01 10:00:00', expected {expected_ts}"],
    ]
    assert logs.rejected["timestamp"].tolist()[3:] == ["2025-03-03 10:00:00", "2300-01-01 10:00:00"]
    assert logs.triggers["timestamp"].tolist() == [pd.Timestamp("2025-03-04")]


# ---------------------------------------------------------------------------------------------
# from_frames
# ---------------------------------------------------------------------------------------------


def test_from_frames_uses_line_column_and_source_mapping():
    raw = pd.DataFrame([GOOD_CHECKIN, {**GOOD_CHECKIN, "date": "bad"}]).assign(_line=[40, 41])
    before = raw.copy()
    logs = io.from_frames(checkins=raw, source={"checkins": "export.csv"})
    pd.testing.assert_frame_equal(raw, before)  # the input is not modified
    assert "_line" not in logs.checkins.columns
    assert logs.rejected[["source", "line"]].values.tolist() == [["export.csv", 41]]
    assert logs.summary["source"].tolist() == ["export.csv"]


def test_from_frames_problem_column_rejects_with_that_reason():
    raw = pd.DataFrame([GOOD_CHECKIN]).assign(_problem=["the row was cut short"])
    assert only_reason(io.from_frames(checkins=raw)) == "the row was cut short"


def test_from_frames_takes_typed_values():
    raw = pd.DataFrame(
        {
            "couple_id": ["c1", "c1"],
            "partner": ["A", "A"],
            "timestamp": pd.to_datetime(["2025-03-03 21:15", "2025-03-04 08:00"]).tz_localize(
                "Europe/Berlin"
            ),
            "category": ["media", "location"],
            "intensity": [7.0, 3.0],
            "used_plan": [True, None],
        }
    )
    logs = io.from_frames(triggers=raw)
    assert len(logs.rejected) == 0
    assert logs.triggers["timestamp"].tolist() == [
        pd.Timestamp("2025-03-03 21:15"),
        pd.Timestamp("2025-03-04 08:00"),
    ]
    assert logs.triggers["utc_offset_minutes"].tolist() == [60, 60]
    assert logs.triggers["used_plan"].tolist() == [True, pd.NA]


def test_from_frames_round_trips_validated_frames():
    frame = as_table("checkins", [{**GOOD_CHECKIN, "honesty": None}])
    pd.testing.assert_frame_equal(io.from_frames(checkins=frame).checkins, frame)


@pytest.mark.parametrize("call", [io.load, io.from_frames])
def test_errors_must_be_a_known_value(tmp_path, call):
    with pytest.raises(ValueError, match=r"The value for `errors` must be one of"):
        call(tmp_path, errors="ignore") if call is io.load else call(errors="ignore")


def test_from_frames_rejects_a_non_frame():
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        io.from_frames(checkins=[{"couple_id": "c1"}])


# ---------------------------------------------------------------------------------------------
# errors="raise"
# ---------------------------------------------------------------------------------------------


def test_errors_raise_lists_every_problem_of_every_file(tmp_path):
    write_text(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,0\n")
    write_text(
        tmp_path,
        "events.csv",
        "couple_id,date,kind\nc1,2025-01-01,party\nc1,2025-01-02,discovery\n",
    )
    with pytest.raises(RecordsRejected) as info:
        io.load(tmp_path, errors="raise")
    message = str(info.value)
    assert "2 record(s) were rejected" in message
    assert "checkins.csv, line 2: connection is 0" in message
    assert "events.csv, line 2: kind is 'party'" in message
    assert info.value.rejected["table"].tolist() == ["checkins", "events"]


def test_errors_raise_is_quiet_when_everything_fits(tmp_path):
    write_text(tmp_path, "checkins.csv", CSV)
    assert len(io.load(tmp_path, errors="raise").checkins) == 1


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_logs() -> Logs:
    from trustdata import synth

    logs = synth.generate(couples=2, seed=3).logs
    # Text a spreadsheet would run, and HTML, must survive the round trip.
    checkins = logs.checkins.copy()
    checkins.loc[0, "need"] = '=HYPERLINK("http://x")'
    checkins.loc[1, "need"] = "'=already quoted"
    checkins.loc[2, "need"] = "-5"
    checkins.loc[3, "need"] = "<b>bold</b>"
    checkins.loc[4, "need"] = "@here\nnext line"
    triggers = logs.triggers.copy()
    triggers.loc[0, "utc_offset_minutes"] = -150
    triggers.loc[0, "time_known"] = True
    triggers.loc[1, "utc_offset_minutes"] = 330
    triggers.loc[1, "time_known"] = True
    from dataclasses import replace

    return replace(logs, checkins=checkins, triggers=triggers)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_write_then_load_gives_equal_frames(tmp_path, sample_logs, fmt):
    folder = io.write(sample_logs, tmp_path / "out", format=fmt)
    back = io.load(folder)
    assert len(back.rejected) == 0
    for table in schemas.TABLES:
        pd.testing.assert_frame_equal(getattr(back, table), getattr(sample_logs, table))


def test_write_neutralises_formula_cells_but_not_numbers(tmp_path, sample_logs):
    folder = io.write(sample_logs, tmp_path, format="csv")
    raw, _ = io.read_raw_csv(folder / "checkins.csv")
    assert raw["need"].tolist()[:5] == [
        '\'=HYPERLINK("http://x")',
        "''=already quoted",
        "-5",
        "<b>bold</b>",
        "'@here\nnext line",
    ]
    triggers, _ = io.read_raw_csv(folder / "triggers.csv")
    assert triggers["timestamp"].iloc[0].endswith("-02:30")
    assert triggers["timestamp"].iloc[1].endswith("+05:30")
    records = json.loads(
        (io.write(sample_logs, tmp_path / "j", format="json") / "checkins.json").read_text(
            encoding="utf-8"
        )
    )
    assert records[0]["need"].startswith("'=")
    assert isinstance(records[0]["connection"], int)


def test_write_rejects_bad_arguments(tmp_path, sample_logs):
    with pytest.raises(ValueError, match=r"The value for `format` must be one of"):
        io.write(sample_logs, tmp_path, format="xlsx")
    with pytest.raises(ValueError, match=r"The value for `logs` must be a trustdata Logs"):
        io.write({}, tmp_path)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("taken.csv", r"taken.csv: is a file, not a folder; expected the folder"),
        ("taken.csv/sub", r"taken.csv/sub: cannot write the log folder here \(Not a directory\)"),
    ],
)
def test_write_to_a_place_that_cannot_be_a_folder_names_it(tmp_path, sample_logs, where, message):
    (tmp_path / "taken.csv").write_text("a partner's own notes", encoding="utf-8")
    with pytest.raises(FileProblem, match=message):
        io.write(sample_logs, tmp_path / where)
    assert (tmp_path / "taken.csv").read_text(encoding="utf-8") == "a partner's own notes"


def test_write_replaces_a_table_file_of_another_format(tmp_path, sample_logs):
    io.write(sample_logs, tmp_path, format="json")
    io.write(sample_logs, tmp_path, format="csv")
    assert len(io.load(tmp_path).checkins) == len(sample_logs.checkins)


def test_an_id_with_accents_but_no_look_alike_letters_is_not_said_to_look_like_itself():
    logs = io.from_frames(
        checkins=pd.DataFrame(
            {
                "couple_id": ["c1", "c1"],
                "partner": ["Zoë", "Аnna"],
                "date": ["2025-03-03"] * 2,
                "connection": ["6", "7"],
            }
        )
    )
    notes = logs.summary.loc[0, "notes"]
    assert "'Zoë' looks like" not in notes
    assert "partner values that look alike" not in notes  # 'Anna' (Latin) is not among them
    logs = io.from_frames(
        checkins=pd.DataFrame(
            {
                "couple_id": ["c1", "c1"],
                "partner": ["Anna", "Аnna"],
                "date": ["2025-03-03"] * 2,
                "connection": ["6", "7"],
            }
        )
    )
    assert "'Аnna' looks like 'Anna'" in logs.summary.loc[0, "notes"]


def test_the_empty_frames_are_fresh_copies_every_time():
    """``empty_rejected``, ``empty_summary`` and ``empty_warnings`` are built once and handed
    out as copies: a caller filling one in does not change the next one (the loader starts
    from them for every file), and each keeps its columns and dtypes."""
    from trustdata import logs as logs_mod

    shapes = {
        logs_mod.empty_rejected: {
            "table": "str",
            "source": "str",
            "line": "Int64",
            "reason": "str",
        },
        logs_mod.empty_summary: {
            "table": "str",
            "source": "str",
            "records": "int64",
            "valid": "int64",
            "rejected": "int64",
            "extra_columns": "str",
            "notes": "str",
        },
        logs_mod.empty_warnings: {
            "table": "str",
            "source": "str",
            "line": "Int64",
            "couple_id": "str",
            "column": "str",
            "value": "str",
            "reason": "str",
        },
    }
    for make, dtypes in shapes.items():
        first = make()
        # a row of values each column's dtype holds (an incompatible one warns in pandas 3)
        first.loc[0] = [1 if "int" in dtypes[c].lower() else "x" for c in first.columns]
        first["extra"] = 1
        first.attrs["note"] = "changed"
        again = make()
        assert len(again) == 0 and not again.attrs
        assert again.dtypes.astype(str).to_dict() == dtypes
        assert again is not make()

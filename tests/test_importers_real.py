"""Issue 12: exports as people really have them.

Each point has fixtures of our own in the app's real layout under tests/fixtures/importers/ and,
where the import writes a log, the expected log folder next to it (``expected*/``): the written
files must equal it byte for byte.  The numbers in the comments are worked by hand from the
fixtures (line numbers are physical lines of the files, 1 = the header).
"""

from __future__ import annotations

import base64
import json
import re
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata.cli import main
from trustdata.errors import MappingProblem
from trustdata.importers import (
    OUTCOMES,
    import_export,
    read_bearable,
    read_daylio,
    read_google_forms,
)
from trustdata.importers._common import mapping_block, suggest_score
from trustdata.importers._dates import parse_stamps

FIX = Path(__file__).parent / "fixtures" / "importers"
MOODS = FIX / "daylio" / "custom_moods"


def assert_log(result, tmp_path: Path, expected: Path) -> trustdata.Logs:
    """The written log folder holds exactly the expected files, each byte for byte."""
    out = result.write(tmp_path / expected.name)
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in expected.iterdir())
    for name in written:
        assert (out / name).read_text(encoding="utf-8") == (expected / name).read_text(
            encoding="utf-8"
        ), name
    back = trustdata.load(out)
    assert len(back.rejected) == 0
    return back


def balanced(result) -> None:
    report = result.report
    assert report.records == sum(report.outcomes[k] for k in OUTCOMES)
    assert len(result.logs.rejected) == report.rejected


def reasons(result) -> dict[int, str]:
    rejected = result.logs.rejected
    return dict(zip(rejected["line"], rejected["reason"], strict=True))


# ---------------------------------------------------------------------------------------------
# 1. No silently wrong Daylio day
# ---------------------------------------------------------------------------------------------


def test_a_daylio_day_with_an_unmapped_entry_is_held_back_whole(tmp_path):
    result = read_daylio(MOODS / "daylio_export.csv", couple="c1", partner="A")
    balanced(result)
    # 10-18: grand (line 2, unmapped) + bad (line 3): bad alone would be written as 3.
    assert 3 not in result.logs.checkins["connection"].tolist()
    why = reasons(result)
    assert sorted(why) == [2, 3, 5, 6, 7]
    assert why[3].startswith("held back: entry line 2 of the same day (2023-10-18) was rejected")
    assert "held back with it" in why[2] and "(line 3)" in why[2]
    # Its trigger (line 3's anniversary) is held back with the day.
    assert len(result.logs.triggers) == 0
    assert any("1 day held back whole" in n for n in result.report.notes)
    assert_log(result, tmp_path, MOODS / "expected_without_mapping")


def test_with_the_moods_mapped_the_day_has_its_score(tmp_path):
    result = read_daylio(
        MOODS / "daylio_export.csv", couple="c1", partner="A", mapping=MOODS / "moods.toml"
    )
    balanced(result)
    # 10-18: grand 10 + bad 3 -> 6.5 -> 7 (the example); 10-16: 9 + 4 -> 6.5 -> 7.
    assert result.report.outcomes["checkins"] == 4 and result.report.outcomes["merged"] == 2
    assert_log(result, tmp_path, MOODS / "expected_with_mapping")


def test_a_bearable_day_with_a_rejected_mood_reading_is_held_back(tmp_path):
    path = tmp_path / "bearable.csv"
    path.write_text(
        "date,weekday,time of day,category,rating/amount,detail,notes\n"
        "3rd Feb 2022,Thursday,am,Mood,2,,\n"
        "3rd Feb 2022,Thursday,pm,Mood,eight,,\n"
        "4th Feb 2022,Friday,pm,Mood,6,,\n",
        encoding="utf-8",
    )
    result = read_bearable(path, couple="c1", partner="B")
    balanced(result)
    assert result.logs.checkins["date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-02-04"]
    assert reasons(result)[2].startswith("held back: reading line 3 of the same day")


# ---------------------------------------------------------------------------------------------
# 2. Custom moods: a paste-ready [moods] block, quoted keys, a TOML error that says to quote
# ---------------------------------------------------------------------------------------------


def test_the_report_prints_a_paste_ready_moods_block():
    result = read_daylio(MOODS / "daylio_export.csv", couple="c1", partner="A")
    block = result.report.paste
    assert block.splitlines()[1] == "[moods]"
    pasted = tomllib.loads(block)["moods"]
    assert pasted == {"grand": 10, "almost Rad": 9, "Not so good [-]": 4, "źle": 3}
    # The printed report carries it, indented, and the block still parses once pasted.
    text = result.report.to_text()
    assert "Paste into a mapping file" in text
    printed = text.split("after checking each score:\n")[1]
    assert tomllib.loads(printed)["moods"] == pasted
    # Pasted as a mapping, it imports every entry.
    again = read_daylio(
        MOODS / "daylio_export.csv", couple="c1", partner="A", mapping={"moods": pasted}
    )
    assert again.report.outcomes["rejected"] == 0


def test_an_unmapped_label_reason_shows_the_quoted_key():
    why = reasons(read_daylio(MOODS / "daylio_export.csv", couple="c1", partner="A"))
    assert '("almost Rad" = ...;' in why[5]


def test_a_toml_error_says_to_quote_keys_with_spaces():
    with pytest.raises(MappingProblem) as info:
        read_daylio(
            MOODS / "daylio_export.csv",
            couple="c1",
            partner="A",
            mapping=MOODS / "bare_keys.toml",
        )
    message = str(info.value)
    assert "bare_keys.toml" in message and "at line 2" in message
    assert message.endswith(
        'Keys with spaces, accents or brackets must be quoted: write "almost Rad" = 9'
    )


@pytest.mark.parametrize(
    ("label", "score"),
    [("rad", 10), ("Good", 8), ("meh", 5), ("bad", 3), ("awful", 1), ("very good", 9)],
)
def test_suggested_scores_agree_with_daylio_defaults(label, score):
    assert suggest_score(label)[0] == score


def test_mapping_block_quotes_every_key():
    block = mapping_block("moods", ["rad", 'say "hi"'], note="n")
    assert tomllib.loads(block)["moods"] == {"rad": 10, 'say "hi"': 5}
    assert '"rad" = 10' in block


# ---------------------------------------------------------------------------------------------
# 3. Answer scales other than 1-10
# ---------------------------------------------------------------------------------------------

SCALES = FIX / "google_forms" / "scales"
SCALES_CSV = SCALES / "Check-in (Responses) - Form Responses 1.csv"


def test_a_scale_in_the_title_and_a_declared_scale_are_rescaled_onto_1_10(tmp_path):
    result = read_google_forms(SCALES_CSV, couple="c1", mapping=SCALES / "trust_scale.toml")
    balanced(result)
    # connection (1-5 from the title): 4 -> 1 + 3 * 9/4 = 7.75 -> 8, 2 -> 3.25 -> 3, 5 -> 10,
    # 3 -> 5.5 -> 6; trust ([scales] 1-4): 3 -> 1 + 2 * 3 = 7, 2 -> 4, 4 -> 10.
    assert_log(result, tmp_path, SCALES / "expected")
    assert reasons(result) == {5: "connection: 6 is outside the question's 1-5 scale"}
    mapped = "\n".join(result.report.mapped)
    assert "(1 -> 1, 2 -> 3, 3 -> 6, 4 -> 8, 5 -> 10)" in mapped
    assert "its 1-4 scale (declared in [scales])" in mapped


def test_answers_that_never_exceed_5_without_a_scale_are_warned_about():
    result = read_google_forms(SCALES_CSV, couple="c1", mapping=SCALES / "trust_question.toml")
    assert result.logs.checkins["trust"].dropna().tolist() == [3, 4, 2]  # stored as written
    warning = [n for n in result.report.notes if n.startswith("warning:")]
    assert len(warning) == 1 and "[scales] trust = [1, 5]" in warning[0]
    declared = read_google_forms(SCALES_CSV, couple="c1", mapping=SCALES / "trust_scale.toml")
    assert not [n for n in declared.report.notes if n.startswith("warning:")]


@pytest.mark.parametrize(
    ("scale", "message"),
    [([5, 1], "low < high"), ([1, 5.5], "whole numbers"), ("1-5", "[low, high]")],
)
def test_a_bad_declared_scale_is_a_mapping_problem(scale, message):
    with pytest.raises(MappingProblem, match=re.escape(message)):
        read_google_forms(SCALES_CSV, couple="c1", mapping={"scales": {"connection": scale}})


def test_a_scale_for_a_field_that_is_not_a_score_is_a_mapping_problem():
    with pytest.raises(MappingProblem, match="score fields"):
        read_google_forms(SCALES_CSV, couple="c1", mapping={"scales": {"need": [1, 5]}})


# ---------------------------------------------------------------------------------------------
# 5. A resubmission replaces only the answers it gives
# ---------------------------------------------------------------------------------------------

RESUBMIT = FIX / "google_forms" / "resubmission"


def test_a_blank_resubmission_does_not_wipe_out_the_day(tmp_path):
    path = RESUBMIT / "Weekly check-in (Responses) - Form Responses 1.csv"
    result = read_google_forms(path, couple="c1")
    balanced(result)
    # sam 10-05: line 3 leaves connection and the first answer blank, gives a new need;
    # sam 10-12: line 6 is blank through and through.  No day is lost.
    assert result.report.outcomes["rejected"] == 0 and result.report.outcomes["merged"] == 2
    assert_log(result, tmp_path, RESUBMIT / "expected")
    assert any(
        "line 2 replaced by the later response at line 3, except the answers it left blank: "
        "connection (line 2), increased_trust (line 2) kept" in m
        for m in result.report.merges
    )


# ---------------------------------------------------------------------------------------------
# 4. Question titles with a line break
# ---------------------------------------------------------------------------------------------

MULTILINE = FIX / "google_forms" / "multiline_headers"
MULTILINE_CSV = MULTILINE / "Check-in (Responses) - Form Responses 1.csv"


@pytest.fixture(params=["pyarrow", "csv module"])
def reader(request, monkeypatch):
    """Run a test with pyarrow's reader (the fast path) and with the careful csv-module reader."""
    if request.param == "csv module":
        monkeypatch.setattr(trustdata.io, "_fast_csv", lambda *args: None)
    return request.param


def test_a_header_spanning_lines_is_read(tmp_path, reader):
    result = read_google_forms(MULTILINE_CSV, couple="c1", mapping=MULTILINE / "need.toml")
    balanced(result)
    # The header takes lines 1-3 (CRLF); the records start on lines 4, 5, 6 (to 7) and 8.
    assert reasons(result) == {8: "connection is 'eleven', expected a whole number 1-10"}
    assert any(n.startswith("the header spans lines 1-3") for n in result.report.notes)
    assert_log(result, tmp_path, MULTILINE / "expected")


def test_a_log_file_header_spanning_lines_keeps_the_line_numbers(tmp_path, reader):
    path = tmp_path / "checkins.csv"
    path.write_text(
        'couple_id,partner,date,connection,"what\nI need"\n'
        "c1,A,2025-03-03,6,x\nc1,A,2025-03-04,11,y\n",
        encoding="utf-8",
    )
    logs = trustdata.load(path)
    assert "what I need" in logs.checkins.columns
    assert logs.rejected[["line", "reason"]].values.tolist() == [
        [4, "connection is 11, expected a whole number 1-10"]
    ]


def test_a_header_quote_that_never_closes_is_still_refused(tmp_path):
    path = tmp_path / "checkins.csv"
    path.write_text('couple_id,partner,"date,connection\nc1,A,2025-03-03,6\n', encoding="utf-8")
    with pytest.raises(trustdata.errors.FileProblem, match="unclosed quote"):
        trustdata.load(path)


# ---------------------------------------------------------------------------------------------
# 6. Bearable's `pre` part of the day; triggers keep the symptom's name
# ---------------------------------------------------------------------------------------------

PARTS = FIX / "bearable" / "parts_of_day"


def test_bearable_pre_is_a_part_of_the_day_and_triggers_keep_the_symptom(tmp_path):
    result = read_bearable(PARTS / "Bearable App - Data Export.csv", couple="c1", partner="B")
    balanced(result)
    # 7 readings: 2 moods, 4 triggers (two at `pre`), Energy not mapped; nothing rejected.
    assert result.report.outcomes == {
        "checkins": 2,
        "triggers": 4,
        "merged": 0,
        "not_mapped": 1,
        "rejected": 0,
    }
    others = result.logs.triggers.loc[result.logs.triggers["category"] == "other", "note"]
    assert others.tolist() == [
        "Triggered (saw her car)",
        "Triggered; Her name came up at work",
        "Triggered (old texts)",
    ]
    assert_log(result, tmp_path, PARTS / "expected")


# ---------------------------------------------------------------------------------------------
# 7. Old Daylio exports with unquoted commas inside the activities
# ---------------------------------------------------------------------------------------------

UNQUOTED = FIX / "daylio" / "unquoted_activities"


def test_commas_spilled_from_the_activities_are_joined_back(tmp_path, reader):
    result = read_daylio(UNQUOTED / "daylio_export.csv", couple="c1", partner="A")
    balanced(result)
    # Lines 2 and 5 have commas inside an activity ("dinner, wine", "triggered: phone, texts").
    note = [n for n in result.report.notes if "unquoted inside 'activities'" in n]
    assert note == [
        "2 line(s) had the delimiter unquoted inside 'activities' (lines 2, 5): the extra "
        "values were joined back into it"
    ]
    assert "'dinner, wine' (1 entry)" in " ".join(result.report.not_mapped)
    # Line 6's surplus is an empty value after the note: not text that spilled, still refused.
    assert list(reasons(result)) == [6] and "too many values" in reasons(result)[6]
    assert_log(result, tmp_path, UNQUOTED / "expected")


# ---------------------------------------------------------------------------------------------
# 10. A missing header line; an import with every record rejected writes no folder
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content", "header"),
    [
        ("daylio", (FIX / "daylio" / "no_header" / "daylio_export.csv").read_text(), "full_date"),
        ("bearable", "8th Dec 2021,Wednesday,am,Mood,6,,\n", "date,weekday,time of day"),
        ("google-forms", '"2025/11/02 9:15:42 PM GMT","A","7"\n', "Timestamp,"),
    ],
)
def test_a_missing_header_line_is_named(tmp_path, kind, content, header):
    path = tmp_path / "export.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(trustdata.errors.FileProblem) as info:
        import_export(kind, path, couple="c1", partner="A")
    message = str(info.value)
    assert "the header line seems to be missing" in message
    assert f"add the app's header as the first line: {header}" in message


def test_another_apps_export_is_not_taken_for_a_missing_header(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("date,weekday,time of day,category\n8th Dec 2021,Wed,am,Mood\n")
    with pytest.raises(trustdata.errors.FileProblem) as info:
        read_daylio(path, couple="c1", partner="A")
    assert "seems to be missing" not in str(info.value)


ALL_REJECTED = FIX / "daylio" / "all_rejected" / "daylio_export.csv"


def test_an_import_with_every_record_rejected_writes_no_folder(tmp_path, capsys):
    result = read_daylio(ALL_REJECTED, couple="c1", partner="A")
    assert result.nothing_imported and result.report.outcomes["rejected"] == 3
    with pytest.raises(trustdata.errors.FileProblem, match="nothing to write: all 3 records"):
        result.write(tmp_path / "py")
    assert not (tmp_path / "py").exists()
    out = tmp_path / "cli"
    argv = ["import", "daylio", str(ALL_REJECTED), str(out), "--couple", "c1", "--partner", "A"]
    assert main(argv) == 1
    printed = capsys.readouterr().out
    assert "Nothing written: every record was rejected" in printed
    assert "Paste into a mapping file" in printed  # the way out is printed with it
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# 9. Sheets written by Apps Script: JavaScript date strings
# ---------------------------------------------------------------------------------------------

APPS_SCRIPT = FIX / "google_forms" / "apps_script"


def test_javascript_date_strings_are_read(tmp_path):
    path = APPS_SCRIPT / "Check-ins (sheet written by Apps Script).csv"
    result = read_google_forms(path, couple="c1")
    balanced(result)
    assert result.report.outcomes["rejected"] == 0
    # The local date as written, the zone's name removed and counted.
    assert "'GMT-0500' (3 timestamps), 'GMT-0600' (1 timestamp)" in " ".join(result.report.notes)
    assert_log(result, tmp_path, APPS_SCRIPT / "expected")


# ---------------------------------------------------------------------------------------------
# 8. Month names in other languages (Babel's CLDR data)
# ---------------------------------------------------------------------------------------------

MONTH_NAMES = FIX / "daylio" / "month_names"


@pytest.mark.parametrize(("language", "name"), [("pl", "Polish"), ("es", "Spanish")])
def test_old_daylio_headers_with_month_names_in_other_languages(tmp_path, language, name):
    result = read_daylio(
        MONTH_NAMES / f"daylio_export_{language}.csv",
        couple="c1",
        partner="A",
        mapping=MONTH_NAMES / f"moods_{language}.toml",
    )
    balanced(result)
    assert result.report.outcomes["rejected"] == 0
    note = [n for n in result.report.notes if n.startswith("month names")]
    assert note and f"read as {name} ({language};" in note[0]
    assert_log(result, tmp_path, MONTH_NAMES / f"expected_{language}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 września 2019", "2019-09-07"),
        ("16 de octubre de 2019", "2019-10-16"),
        ("3. März 2020", "2020-03-03"),
        ("3 marz 2020", "2020-03-03"),  # accents lost on the way
        ("12 févr. 2021", "2021-02-12"),
        ("5 мая 2022", "2022-05-05"),
    ],
)
def test_month_names_of_common_european_languages(text, expected):
    column = parse_stamps([text], what="date")
    assert column.dates[0].isoformat() == expected
    assert column.language is not None


def test_a_month_name_of_no_language_is_still_a_reason():
    column = parse_stamps(["7 blorgember 2019"], what="date")
    assert column.dates == [None] and "is not a date" in column.errors[0]


# ---------------------------------------------------------------------------------------------
# 11. The Daylio backup (.daylio)
# ---------------------------------------------------------------------------------------------

BACKUP = FIX / "daylio" / "backup"
BACKUP_FILE = BACKUP / "backup_2023_10_19.daylio"


def test_the_backup_fixture_is_its_json_base64_encoded_in_a_zip():
    with zipfile.ZipFile(BACKUP_FILE) as z:
        assert z.namelist() == ["backup.daylio"]
        decoded = json.loads(base64.b64decode(z.read("backup.daylio")))
    assert decoded == json.loads((BACKUP / "backup.json").read_text(encoding="utf-8"))


def test_a_daylio_backup_imports_with_each_moods_own_level(tmp_path, capsys):
    result = read_daylio(BACKUP_FILE, couple="c1", partner="A")
    balanced(result)
    # No mapping: grand (level 1) 10 + bad (level 4) 3 on 10-18 -> 6.5 -> 7, as the CSV export
    # with the mapping gives; "Not so good [-]" and "źle" are level 4 -> 3.  Entry 6 has a
    # mood id the backup does not list: rejected.  Months are 0-11 in the backup (9 = October).
    assert reasons(result) == {
        6: "mood: the entry's mood (id 42) is not among the backup's moods (customMoods)"
    }
    assert_log(result, tmp_path, BACKUP / "expected")
    # The HTML of a rich note is read as text.
    notes = result.logs.checkins.set_index(result.logs.checkins["date"].dt.day)["note"]
    assert notes[18] == "Anniversary\nOur old date\nIt still hurts"
    assert notes[15] == "A song in the shop & a memory"
    # The command reads it the same way.
    out = tmp_path / "cli"
    argv = ["import", "daylio", str(BACKUP_FILE), str(out), "--couple", "c1", "--partner", "A"]
    assert main(argv) == 1
    assert "Daylio backup" in capsys.readouterr().out
    assert (out / "checkins.csv").read_text() == (BACKUP / "expected" / "checkins.csv").read_text()


def _zip(path: Path, member: str, content: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, content)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not a zip at all") and p, "is not a Daylio backup"),
        (lambda p: _zip(p, "photo.jpg", b"x"), "without 'backup.daylio' inside"),
        (lambda p: _zip(p, "backup.daylio", b"{not base64!}"), "not base64-encoded JSON"),
        (
            lambda p: _zip(p, "backup.daylio", base64.b64encode(b'{"tags": []}')),
            "no list of entries",
        ),
    ],
)
def test_a_damaged_backup_is_refused_with_a_sentence(tmp_path, make, message):
    path = tmp_path / "backup.daylio"
    make(path)
    with pytest.raises(trustdata.errors.FileProblem, match=re.escape(message)):
        read_daylio(path, couple="c1", partner="A")


def test_a_trigger_intensity_scale_is_rescaled_and_checked():
    gf = FIX / "google_forms"
    mapping = tomllib.loads((gf / "triggers_mapping.toml").read_text(encoding="utf-8"))
    mapping["scales"] = {"intensity": [1, 5]}
    result = read_google_forms(
        gf / "Weekly check-in (Responses) - Form Responses 1.csv", couple="c1", mapping=mapping
    )
    balanced(result)
    # Line 6 (A place, 5 -> 10) and line 8 (Weather, 4 -> 7.75 -> 8) fit 1-5; line 2's 8 does
    # not: its two triggers are rejected with the scale's reason alone.
    assert result.logs.triggers["intensity"].tolist() == [10, 8]
    triggers = result.logs.rejected.loc[result.logs.rejected["table"] == "triggers"]
    assert triggers["reason"].tolist() == ["intensity: 8 is outside the question's 1-5 scale"] * 2
    notes = " ".join(result.report.notes)
    assert "says 1-10 but [scales] intensity = [1, 5] is used" in notes


# ---------------------------------------------------------------------------------------------
# The README's own wording: "How connected do you feel to me right now, 1-10?"
# ---------------------------------------------------------------------------------------------

SHORT_CSV = FIX / "google_forms" / "short_titles" / "Check-in (Responses) - Form Responses 1.csv"


def test_the_readme_question_with_its_scale_after_a_comma_and_short_titles_are_read():
    # a first user built the form from the README's words and got "no question matching
    # connection"; the short answer titles and a "Partner" question were ignored
    result = read_google_forms(SHORT_CSV, couple="c1")
    balanced(result)
    ci = result.logs.checkins.set_index(["partner", "date"])
    a2, a9 = ("A", pd.Timestamp("2025-03-02")), ("A", pd.Timestamp("2025-03-09"))
    b2 = ("B", pd.Timestamp("2025-03-02"))
    assert ci.index.tolist() == [a2, a9, b2]
    assert ci["connection"].tolist() == [6, 7, 5]  # read as 1-10 from ", 1-10" in the title
    assert ci.loc[a2, "increased_trust"] == "He called when he was late"
    assert ci.loc[b2, "decreased_trust"] == "Phone face down again"
    assert (ci.loc[a2, "need"], ci.loc[b2, "need"]) == ("A quiet evening", "Patience")
    assert pd.isna(ci.loc[a9, "need"]) and pd.isna(ci.loc[a2, "decreased_trust"])
    assert not len(result.logs.rejected)

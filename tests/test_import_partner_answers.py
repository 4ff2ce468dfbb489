"""Free-text partner answers that make a couple of more than two partners (reader14 I1).

A form whose "Which partner are you?" is a short-answer question got "A", "B", "a", "Partner B"
and "Sam": five partners of one couple, exit 0, an import report without a word, and a page for
"A and B and Partner B and Sam and a".  Now the import report warns of answers that differ only
in case and of a couple with more than two partners, with the ``[partners]`` lines to add, and
``load`` lists the records of the partners beyond a couple's two in ``Logs.warnings`` (kept, never
changed), by file and line, as it lists ids that differ only in case.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trustdata.cli import main
from trustdata.importers import import_export
from trustdata.io import from_frames, load

FORM = (
    Path(__file__).parent
    / "fixtures"
    / "importers"
    / "google_forms"
    / "partner_answers"
    / "Partner answers (Responses).csv"
)
QUESTION = "'Which partner are you?'"


def _warnings(result) -> list[str]:
    return [n for n in result.report.notes if n.startswith("warning:")]


def test_the_import_report_warns_of_case_and_of_five_partners():
    got = import_export("google-forms", FORM, couple="c1")
    assert sorted(got.logs.checkins["partner"]) == ["A", "B", "Partner B", "Sam", "a"]  # kept
    assert _warnings(got) == [
        "warning: couple c1: partner answers 'A' and 'a' differ only in case: kept apart as "
        "different partners. If they are the same person, give them one label in the "
        'mapping\'s [partners] table: "a" = "A"',
        "warning: couple c1 has 5 partners: 'A' (1 response), 'B' (1 response), 'Partner B' "
        f"(1 response), 'Sam' (1 response), 'a' (1 response), from the answer to {QUESTION}; "
        "a couple has two, and each different answer is kept as another partner. Give each "
        "person's answers one label in the mapping's [partners] table (docs/importers.md), "
        'e.g. [partners] "a" = "A", "Partner B" = "B"',
    ]
    assert "warning: couple c1 has 5 partners" in got.report.to_text()


def test_the_partners_mapping_it_suggests_silences_it(tmp_path):
    mapping = tmp_path / "partners.toml"
    mapping.write_text('[partners]\n"a" = "A"\n"Partner B" = "B"\n"Sam" = "A"\n', encoding="utf-8")
    got = import_export("google-forms", FORM, couple="c1", mapping=mapping)
    assert _warnings(got) == []
    assert sorted(set(got.logs.checkins["partner"])) == ["A", "B"]


def test_two_partners_get_no_warning():
    got = import_export("google-forms", FORM, couple="c1", partner="A")
    assert _warnings(got) == []


def test_three_addresses_are_warned_of_without_naming_one(tmp_path):
    head = '"Timestamp","Email Address","How connected do you feel to me right now (1-10)?"'
    rows = [
        f'"2026/05/0{d} 8:12:45 PM","{who}@example.org","7"'
        for d, who in ((3, "sam"), (4, "alex"), (5, "sam.work"))
    ]
    form = tmp_path / "form.csv"
    form.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    got = import_export("google-forms", form, couple="c1")
    [said] = _warnings(got)
    assert said.startswith(
        "warning: couple c1 has 3 partners: 'A' (1 response), 'B' (1 response), 'C' "
        "(1 response), from the 'Email Address' column; a couple has two"
    )
    assert "Give each address its label in the mapping's [partners] table" in said
    assert "sam@" not in got.report.to_text() and "alex@" not in got.report.to_text()


def test_load_lists_the_records_of_partners_beyond_two(tmp_path, capsys):
    out = tmp_path / "logs"
    assert main(["import", "google-forms", str(FORM), str(out), "--couple", "c1"]) == 0
    logs = load(out)
    w = logs.warnings
    third = w.loc[w["reason"].str.contains("partners")]
    assert third[["table", "line", "couple_id", "column", "value"]].values.tolist() == [
        ["checkins", 4, "c1", "partner", "Partner B"],
        ["checkins", 5, "c1", "partner", "Sam"],
    ]
    assert third["source"].tolist() == [str(out / "checkins.csv")] * 2
    assert third["reason"].iloc[1] == (
        "couple c1 has 5 partners (A, B, Partner B, Sam, a), where a couple has two: 'Sam' is "
        "kept as another partner; if it is A or B, write it the same way (an import's "
        "[partners] mapping does, docs/importers.md)"
    )
    # 'a' is listed once, as a case twin of 'A', not again as a partner beyond two
    assert w.loc[w["value"] == "a", "reason"].str.contains("differs only in case").tolist() == [
        True
    ]
    assert len(logs.checkins) == 5  # kept, never changed
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0  # a warning, not a rejection
    said = capsys.readouterr().out
    assert "line 5: couple c1 has 5 partners (A, B, Partner B, Sam, a)" in said
    assert "WARNING: 3 kept records may be wrong" in said


def test_partners_are_counted_over_files_and_couples_apart():
    checkins = pd.DataFrame(
        {
            "couple_id": ["c1", "c1", "c2", "c2"],
            "partner": ["A", "B", "C", "D"],
            "connection": "5",
            "date": "2024-02-05",
        }
    )
    assert len(from_frames(checkins=checkins).warnings) == 0  # four partners, two couples
    triggers = pd.DataFrame(
        {
            "couple_id": ["c1", "c1", "c1"],
            "partner": ["A", "B", "Sam"],
            "timestamp": "2024-02-05T20:00:00",
            "category": "other",
            "intensity": "5",
        }
    )
    w = from_frames(checkins=checkins, triggers=triggers).warnings
    # c1: A 2 records, B 2, Sam 1 (a trigger): Sam's is the one listed
    assert w[["table", "line", "value"]].values.tolist() == [["triggers", 3, "Sam"]]

"""An import again whose export has a day of the log's but rejected its record (reader14 I3).

The Daylio fixture imported with a mapping that gives ``sad`` a score holds a check-in of
9 May 2026; the same export imported again without the mapping rejects line 8 (``sad`` is not
in ``[moods]``).  The refusal said the folder "already holds 1 check-in that this export does
not have (on 9 May 2026) ... export the whole history again ... --keep-missing": wrong, the
export has the day and rejected its record, and the import report naming line 8 and the fix was
not printed.  Now the refusal tells "in the export but rejected (line N: reason)" from "not in
the export", prints the import report first, and gives the advice that fits each.
"""

from __future__ import annotations

from pathlib import Path

from trustdata.cli import main
from trustdata.importers import import_export

FIX = Path(__file__).parent / "fixtures" / "importers"
DAYLIO = FIX / "daylio" / "daylio_export.csv"
BEARABLE = FIX / "bearable" / "bearable_export.csv"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _with_sad(tmp_path: Path) -> tuple[Path, Path]:
    mapping = tmp_path / "sad.toml"
    mapping.write_text('[moods]\n"sad" = 3\n', encoding="utf-8")
    out = tmp_path / "logs"
    argv = ["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "A"]
    assert main([*argv, "--mapping", str(mapping)]) == 0
    return out, mapping


def test_a_rejected_record_of_a_day_in_the_log_is_not_called_missing(tmp_path, capsys):
    out, mapping = _with_sad(tmp_path)
    before = _files(out)
    capsys.readouterr()
    argv = ["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "A"]
    assert main(argv) == 2
    got = capsys.readouterr()
    assert "that this export does not have" not in got.err
    assert "export the whole history again" not in got.err
    assert "--keep-missing" not in got.err
    assert (
        f"trustdata: {out}: already holds 1 check-in and 1 trigger (on 9 May 2026) on a day "
        "whose record this export has but rejected (line 8: mood: the label 'sad' is not in "
        "the mapping's [moods]" in got.err
    )
    assert "importing it would take them out of the log, so nothing was written." in got.err
    assert "Fix the rejected record and import again" in got.err
    assert "passed with --mapping" in got.err
    # the import report, which names the line and the block to paste, is printed first
    assert "Imported daylio_export.csv (daylio): 7 records" in got.out
    assert "Rejected (1):\n  line 8 (checkins): mood: the label 'sad'" in got.out
    assert '"sad" = 3' in got.out
    assert _files(out) == before
    # with the mapping the same import goes through, unchanged
    assert main([*argv, "--mapping", str(mapping)]) == 0
    assert _files(out) == before


def test_a_day_missing_beside_a_rejected_one_gets_both_answers(tmp_path, capsys):
    out, _ = _with_sad(tmp_path)
    lines = DAYLIO.read_text(encoding="utf-8").splitlines()
    partial = tmp_path / "partial.csv"  # 10 May (line 7) left out: not in the export at all
    partial.write_text("\n".join(lines[:6] + lines[7:]) + "\n", encoding="utf-8")
    capsys.readouterr()
    argv = ["import", "daylio", str(partial), str(out), "--couple", "c1", "--partner", "A"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "already holds 1 check-in and 1 trigger (on 9 May 2026) on a day whose record" in err
    assert (
        "It also lacks 1 check-in (on 10 May 2026) of the log's that it does not have at all: "
        "a newer export holds every earlier answer, so export the whole history again, or, if "
        "you added it to the log by hand, add --keep-missing to keep it." in err
    )


def test_a_held_back_bearable_day_is_named_with_its_lines(tmp_path, capsys):
    out = tmp_path / "logs"
    argv = ["import", "bearable", str(BEARABLE), str(out), "--couple", "c1", "--partner", "B"]
    assert main(argv) == 1  # the fixture's line 10 ('seven') is rejected
    text = BEARABLE.read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"  # the second mood reading of 8 Dec 2021 (line 3) unreadable
    bad.write_text(
        text.replace(
            "8th Dec 2021,Wednesday,pm,Mood,3,", "8th Dec 2021,Wednesday,pm,Mood,seven,", 1
        ),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["import", "bearable", str(bad), *argv[3:]]) == 2
    err = capsys.readouterr().err
    assert (
        "on 8 December 2021) on a day whose record this export has but rejected (line 2: held back"
        in err
    )
    assert "line 3: rating/amount" in err and "Fix the rejected records" in err
    assert "that this export does not have" not in err


def test_the_partial_export_refusal_says_it_for_one_record(tmp_path, capsys):
    """ "1 check-in ... would take them out": the pronoun follows the count."""
    out, mapping = _with_sad(tmp_path)
    lines = DAYLIO.read_text(encoding="utf-8").splitlines()
    partial = tmp_path / "partial.csv"  # 10 May left out, 9 May mapped: only the missing day
    partial.write_text("\n".join(lines[:6] + lines[7:]) + "\n", encoding="utf-8")
    capsys.readouterr()
    argv = ["import", "daylio", str(partial), str(out), "--couple", "c1", "--partner", "A"]
    assert main([*argv, "--mapping", str(mapping)]) == 2
    err = capsys.readouterr().err
    assert (
        "already holds 1 check-in that this export does not have (on 10 May 2026); importing "
        "it would take it out of the log." in err
    )
    assert (
        "if you added it to the log by hand (no export of the app has it), add --keep-missing "
        "to keep it beside" in err
    )


def test_a_form_answer_rejected_by_validation_is_named(tmp_path, capsys):
    """A Google Forms record rejected by the log format's checks (``ten``), not the importer."""
    head = '"Timestamp","Email Address","How connected do you feel to me right now (1-10)?"'
    rows = [
        '"2026/05/10 7:55:10 PM","sam@example.org","6"',
        '"2026/05/17 7:55:10 PM","sam@example.org","7"',
    ]
    form = tmp_path / "form.csv"
    form.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "logs"
    assert main(["import", "google-forms", str(form), str(out), "--couple", "c1"]) == 0
    form.write_text(
        "\n".join([head, rows[0], rows[1].replace('"7"', '"ten"')]) + "\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["import", "google-forms", str(form), str(out), "--couple", "c1"]) == 2
    err = capsys.readouterr().err
    assert (
        "already holds 1 check-in (on 17 May 2026) on a day whose record this export has but "
        "rejected (line 3: connection is 'ten', expected a whole number 1-10)" in err
    )


def test_rejected_days_say_whose_record_and_which_day():
    result = import_export("daylio", DAYLIO, couple="c1", partner="A")
    days = result.rejected_days
    assert list(days.columns) == ["table", "line", "reason", "couple_id", "partner", "date"]
    assert days[["table", "line", "couple_id", "partner"]].values.tolist() == [
        ["checkins", 8, "c1", "A"]
    ]
    assert str(days.loc[0, "date"].date()) == "2026-05-09"
    assert days.loc[0, "reason"] == result.logs.rejected.loc[0, "reason"]

"""An import whose person's records in the folder share no day with the export (fix12c,
reader12 finding 8).

A's Daylio export was imported with ``--partner A`` and B's Bearable export with ``--partner B``;
importing the Daylio export again with ``--partner B`` (a slip) was answered "already holds 3
check-ins that this export does not have ... add --keep-missing to keep them": advice that,
followed, files A's moods under B beside B's Bearable records.  The dates did not overlap at all
(2026 against 2021).  When no record of the person in the log is on a day of the export's, the
refusal now asks whether ``--partner`` (or ``--couple``) is right first, names whom the folder
holds and when, and gives both answers plainly; nothing is written or merged without
``--keep-missing``.  An export that shares days with the log keeps the advice it had.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import trustdata
from trustdata.cli import main

FIX = Path(__file__).parent / "fixtures" / "importers"
DAYLIO = FIX / "daylio" / "daylio_export.csv"
BEARABLE = FIX / "bearable" / "bearable_export.csv"
FORM = FIX / "google_forms" / "Weekly check-in (Responses) - Form Responses 1.csv"
FORM_MAPPING = FIX / "google_forms" / "triggers_mapping.toml"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _both(tmp_path: Path) -> Path:
    out = tmp_path / "imp c1"
    assert (
        main(["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "A"]) == 1
    )
    assert (
        main(["import", "bearable", str(BEARABLE), str(out), "--couple", "c1", "--partner", "B"])
        == 1
    )
    return out


def test_the_wrong_partner_is_asked_about_before_keep_missing(tmp_path, capsys):
    out = _both(tmp_path)
    before = _files(out)
    capsys.readouterr()
    argv = ["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "B"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"trustdata: {out}: already holds 3 check-ins that this export does not have (from 8 "
        "December 2021 to 11 December 2021), and 2 triggers (from 8 December 2021 to 9 December "
        "2021); importing it would take them out of the log. No record of couple c1 partner B in "
        "the log is on a day of this export's (from 10 May 2026 to 12 May 2026): is --partner B "
        "right? The folder holds couple c1 partner A (from 10 May 2026 to 12 May 2026); couple "
        "c1 partner B (from 8 December 2021 to 11 December 2021). Nothing was written. If the "
        "export is another person's, import it again with their --partner (and their --couple, "
        "into a folder of their own, if they are another couple). If it is couple c1 partner "
        "B's: a newer export holds every earlier answer, so export the whole history again, or "
        "import into a new folder; if the log's records are in no export of this app (added by "
        "hand, or from another app), add --keep-missing to keep them beside the export's "
        "records.\n"
    )
    assert err.index("is --partner B right?") < err.index("--keep-missing")
    assert _files(out) == before  # nothing merged, nothing written


def test_the_right_partner_imports_and_keep_missing_is_a_choice_said_aloud(tmp_path, capsys):
    out = _both(tmp_path)
    capsys.readouterr()
    # the answer to the question: the export is A's
    assert (
        main(["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "A"]) == 1
    )
    capsys.readouterr()
    # B did move from Bearable to Daylio: kept beside, and the command says so
    argv = ["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "B"]
    assert main([*argv, "--keep-missing"]) == 1
    said = capsys.readouterr().out
    assert "Kept the log's records that the export does not have: checkins.csv: 3 check-ins" in said
    b = trustdata.load(out).checkins.query("partner == 'B'")
    assert sorted(b["date"].dt.year.unique().tolist()) == [2021, 2026]


def test_a_form_whose_couple_shares_no_day_asks_about_couple(tmp_path, capsys):
    out = tmp_path / "form"
    argv = ["import", "google-forms", str(FORM), str(out), "--couple", "c1"]
    argv += ["--mapping", str(FORM_MAPPING)]
    assert main(argv) == 1
    # the log's records all moved seven years back: no day in common with the form any more
    for name, col in (("checkins.csv", "date"), ("triggers.csv", "timestamp")):
        frame = pd.read_csv(out / name, dtype=str, keep_default_na=False)
        frame[col] = frame[col].str.replace("2026-", "2019-", regex=False)
        frame.to_csv(out / name, index=False)
    before = _files(out)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "No record of couple c1 partner A and couple c1 partner B in the log is on a day" in err
    assert ": is --couple c1 right? The folder holds couple c1 partner A (from " in err
    assert (
        "If the export is another couple's, import it into a folder of its own with their "
        "--couple. If it is theirs: a newer export holds every earlier answer" in err
    )
    assert _files(out) == before


def test_a_record_added_by_hand_on_the_exports_days_keeps_the_old_advice(tmp_path, capsys):
    # typed in on 8 May, a day the export does not have (its 9 May entry, 'sad', is rejected:
    # a record of that day is answered by the rejected line, test_cli_import_rejected_day.py)
    out = _both(tmp_path)
    with (out / "checkins.csv").open("a", encoding="utf-8") as f:
        f.write("c1,A,,2026-05-08,6,,,,,,,,,,,typed in\n")
    capsys.readouterr()
    assert (
        main(["import", "daylio", str(DAYLIO), str(out), "--couple", "c1", "--partner", "A"]) == 2
    )
    err = capsys.readouterr().err
    assert "already holds 1 check-in that this export does not have (on 8 May 2026)" in err
    assert "right?" not in err

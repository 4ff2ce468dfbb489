"""`trustdata import`: no import ever destroys or truncates a log (issue 13 points 10-12)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "importers"
DL_2019 = FIX / "daylio" / "daylio_export_2019.csv"
BR = FIX / "bearable" / "bearable_export.csv"
HEADER = "full_date,date,weekday,time,mood,activities,note\n"


def _daylio(path: Path, *lines: str) -> Path:
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _import(export: Path, out: Path, partner: str = "A", kind: str = "daylio") -> int:
    return main(["import", kind, str(export), str(out), "--couple", "c1", "--partner", partner])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_log_of_another_partner_that_fails_to_load_is_not_replaced(tmp_path, capsys):
    """Point 10: a renamed column made the old log unreadable, and the import replaced it."""
    out = tmp_path / "logs"
    out.mkdir()
    (out / "checkins.csv").write_text(
        "couple_id,partner,date,connexion\nc1,B,2025-03-03,6\n", encoding="utf-8"
    )
    before = _snapshot(out)
    assert _import(DL_2019, out) == 2
    err = capsys.readouterr().err
    assert "already holds log files that cannot be read" in err and "Traceback" not in err
    assert _snapshot(out) == before


def test_a_truncated_json_log_is_not_deleted(tmp_path, capsys):
    """Point 10: a truncated checkins.json was deleted when a CSV import was written."""
    out = tmp_path / "logs"
    out.mkdir()
    (out / "checkins.json").write_text(
        '[{"couple_id": "c1", "partner": "B", "date": "2025-03-03", "connection": 6}, {"cou',
        encoding="utf-8",
    )
    before = _snapshot(out)
    assert _import(DL_2019, out) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert _snapshot(out) == before


def test_rejected_lines_of_the_old_log_are_not_lost(tmp_path, capsys):
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    text = (out / "checkins.csv").read_text(encoding="utf-8")
    (out / "checkins.csv").write_text(text + "c1,A,2025-02-30,x\n", encoding="utf-8")
    before = _snapshot(out)
    assert _import(DL_2019, out) == 2
    assert "1 check-in or trigger record that cannot be read" in capsys.readouterr().err
    assert _snapshot(out) == before


def test_another_partners_triggers_are_not_replaced(tmp_path, capsys):
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    checkins = (out / "checkins.csv").read_text(encoding="utf-8")
    (out / "checkins.csv").write_text(checkins.replace(",A,", ",B,"), encoding="utf-8")
    a_triggers = trustdata.load(out).triggers
    assert set(a_triggers["partner"]) == {"A"}
    # only the triggers still belong to A: an import of B keeps them as they are
    assert _import(DL_2019, out, partner="B") == 0
    assert "Kept the records of couple c1 partner A" in capsys.readouterr().out
    triggers = trustdata.load(out).triggers
    kept = triggers.loc[triggers["partner"] == "A"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, a_triggers)
    assert set(triggers["partner"]) == {"A", "B"}


def _frames(folder: Path, partner: str) -> dict[str, pd.DataFrame]:
    logs = trustdata.load(folder)
    return {
        t: getattr(logs, t).loc[lambda f: f["partner"] == partner].reset_index(drop=True)
        for t in ("checkins", "triggers")
    }


def test_two_partners_two_apps_make_one_couple_folder(tmp_path, capsys):
    """reader7 finding 8: A keeps Daylio, B Bearable; B's import into A's folder was refused,
    so no page could show both partners."""
    out = tmp_path / "both"
    assert _import(DL_2019, out) == 0
    a_before = _frames(out, "A")
    assert _import(BR, out, partner="B", kind="bearable") == 1  # one Bearable record rejected
    printed = capsys.readouterr().out
    assert f"Kept the records of couple c1 partner A in {out} as they were." in printed
    for table, frame in _frames(out, "A").items():
        # the same records; a column only B's app writes is blank in A's rows
        pd.testing.assert_frame_equal(frame[list(a_before[table].columns)], a_before[table])
        assert frame.drop(columns=a_before[table].columns).isna().all().all()
    b_before = _frames(out, "B")
    assert len(b_before["checkins"]) > 0
    # a newer export of A replaces A's records and keeps B's as they are
    newer = _daylio(
        tmp_path / "newer.csv",
        '2019-03-12,12 March,Tuesday,21:12,rad,"",Better',
        '2019-03-05,5 March,Tuesday,9:12 pm,good,"friends | triggered: place",Drove past',
        '2019-03-04,4 March,Monday,21:40,meh,"",Quiet evening',
    )
    assert _import(newer, out) == 0
    for table, frame in _frames(out, "B").items():
        pd.testing.assert_frame_equal(frame, b_before[table])
    assert len(_frames(out, "A")["checkins"]) == 3
    # one report shows both partners
    page = tmp_path / "r.html"
    assert main(["report", str(out), "--couple", "c1", "-o", str(page)]) == 0
    assert trustdata.load(out).checkins.groupby("partner").size().to_dict().keys() == {"A", "B"}


def test_a_partial_export_of_one_partner_is_refused_in_a_two_partner_folder(tmp_path, capsys):
    out = tmp_path / "both"
    assert _import(DL_2019, out) == 0
    assert _import(BR, out, partner="B", kind="bearable") == 1
    capsys.readouterr()
    before = _snapshot(out)
    partial = _daylio(tmp_path / "p.csv", "2019-03-12,12 March,Tuesday,21:12,good,friends,ok")
    assert _import(partial, out) == 2
    assert "already holds 2 check-ins that this export does not have" in capsys.readouterr().err
    assert _snapshot(out) == before


def test_another_couples_folder_is_still_refused(tmp_path, capsys):
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    before = _snapshot(out)
    code = main(["import", "bearable", str(BR), str(out), "--couple", "c2", "--partner", "B"])
    assert code == 2
    # reader8 F9: "of couple c1 partner A, couple c1 partner B, another couple than ..." read oddly
    assert "already holds check-ins of couple c1 (partner A), not of couple c2 of this import" in (
        capsys.readouterr().err
    )
    assert _snapshot(out) == before


@pytest.mark.parametrize("name", ["checkins.csv", "triggers.csv"])
def test_an_import_never_writes_over_the_export_it_reads(tmp_path, capsys, name):
    """Point 10: ``import daylio OUT/checkins.csv OUT`` wrote over its own input."""
    out = tmp_path / "logs"
    out.mkdir()
    export = _daylio(out / name, "2019-03-05,5 March,Tuesday,21:12,good,,ok")
    before = export.read_bytes()
    assert _import(export, out) == 2
    assert "is one of this command's inputs" in capsys.readouterr().err
    assert export.read_bytes() == before


def test_a_newer_export_holding_every_earlier_answer_replaces_the_import(tmp_path):
    """A newer export of the same person replaces what the earlier import wrote.

    A newer Daylio (or Forms, Bearable) export holds every earlier entry: the folder holds the
    newer export's records and answers (a value only the log holds, added by hand, is kept in
    them: tests/test_cli_import_merge.py).
    """
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    newer = _daylio(
        tmp_path / "newer.csv",
        '2019-03-12,12 March,Tuesday,21:12,rad,"",Better',
        '2019-03-05,5 March,Tuesday,9:12 pm,good,"friends | triggered: place",Drove past',
        '2019-03-04,4 March,Monday,21:40,meh,"",Quiet evening',
    )
    assert _import(newer, out) == 0
    logs = trustdata.load(out)
    assert logs.checkins["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-03-04",
        "2019-03-05",
        "2019-03-12",
    ]
    assert logs.checkins["connection"].tolist()[-1] == 10  # the newer export's answer
    assert len(logs.triggers) == 1


@pytest.mark.parametrize(
    ("lines", "lacks"),
    [
        # a partial export (a date filter, a new phone): the earlier days are not in it
        (["2019-03-12,12 March,Tuesday,21:12,good,friends,ok"], "2 check-ins"),
        # the same days, but the trigger activity is gone (another mapping, an edited entry)
        (
            [
                '2019-03-05,5 March,Tuesday,9:12 pm,good,"friends","Drove past the restaurant"',
                '2019-03-04,4 March,Monday,21:40,meh,"","Quiet evening"',
            ],
            "1 trigger",
        ),
    ],
)
def test_a_newer_export_without_some_earlier_answers_is_refused(tmp_path, capsys, lines, lacks):
    """A reader imported March, then an export of April only: March was gone, exit 0.

    An export lacking records of the earlier import would take them out of the log: refused,
    exit 2, the folder unchanged, the message saying how many and from when.
    """
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    capsys.readouterr()
    before = _snapshot(out)
    assert _import(_daylio(tmp_path / "newer.csv", *lines), out) == 2
    err = capsys.readouterr().err
    assert f"already holds {lacks} that this export does not have" in err
    assert "export the whole history again, or import into a new folder" in err
    assert _snapshot(out) == before


def test_an_import_leaves_no_staging_folder_and_keeps_events(tmp_path):
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    (out / "events.csv").write_text("couple_id,date,kind\nc1,2019-01-01,discovery\n")
    assert _import(DL_2019, out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["checkins.csv", "events.csv", "triggers.csv"]


def test_an_interrupted_import_leaves_the_old_log_whole(tmp_path, monkeypatch, capsys):
    """Point 11: Ctrl-C during import left 0 of 81,000 check-ins after truncating the file."""
    out = tmp_path / "logs"
    assert _import(DL_2019, out) == 0
    before = _snapshot(out)
    import trustdata.io as io_module

    real = io_module.write

    def interrupted(logs, folder, **kw):
        real(logs, folder, **kw)
        (Path(folder) / "checkins.csv").write_text("couple_id,par")  # half-written
        raise KeyboardInterrupt

    monkeypatch.setattr(io_module, "write", interrupted)
    assert _import(DL_2019, out) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no staging folder left


GF = FIX / "google_forms" / "Weekly check-in (Responses) - Form Responses 1.csv"


def test_an_email_address_never_leaves_the_importer(tmp_path, capsys):
    """Issue 13 point 2: with ``partner = "Email Address"`` the address became an id; addresses
    in free text, unmapped titles and surplus values reached checkins.csv and stdout."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[questions]\npartner = "Email Address"\n', encoding="utf-8")
    text = GF.read_text(encoding="utf-8").splitlines()
    text[0] += ',"Reply to me at kim@example.net"'
    text[1:] = [line + ',""' for line in text[1:]]
    text[1] = text[1].replace("A walk together on Sunday", "write to jo@example.com")
    text[1] += ',"surplus lee@example.com"'
    export = tmp_path / "export.csv"
    export.write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp_path / "logs"
    code = main(["import", "google-forms", str(export), str(out), "--couple", "c1",
                 "--mapping", str(mapping)])  # fmt: skip
    captured = capsys.readouterr()
    assert code in (1, 2)
    printed = captured.out + captured.err
    written = (
        b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file()) if out.exists() else b""
    )
    for address in ("sam@example.org", "alex@example.org", "kim@example.net", "jo@example.com",
                    "lee@example.com"):  # fmt: skip
        assert address not in printed, printed
        assert address.encode() not in written
    assert "e-mail address" in printed


def test_google_forms_counts_every_response_whose_partner_it_read(tmp_path, capsys):
    """reader7 finding 17: "(4 responses)" beside "5 records": a row rejected for its date was
    left out of the count of responses whose partner came from the e-mail column."""
    lines = GF.read_text(encoding="utf-8").splitlines()
    bad = lines[2].replace("2026/05/03 9:40:02 PM AST", "yesterday")
    assert bad != lines[2]
    export = tmp_path / "export.csv"
    export.write_text("\n".join([lines[0], lines[1], bad, *lines[3:]]) + "\n", encoding="utf-8")
    code = main(["import", "google-forms", str(export), str(tmp_path / "logs"), "--couple", "c1"])
    out = capsys.readouterr().out
    assert code == 1
    first = out.splitlines()[0]
    records = int(first.split(": ")[1].split(" records")[0])
    assert records == 7 and "3 rejected" in first
    assert "partner from the 'Email Address' column (7 responses)" in out


def _import_options() -> list[str]:
    """Every option string of the `import` subcommand's parser, but --help."""
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    sub = commands.choices["import"]
    return [
        option
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
    ]


def _mentions(text: str, option: str) -> bool:
    # `--dayfirst` must be there in its own right, not only inside `--no-dayfirst`
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def test_the_readme_and_the_importers_doc_list_every_option_of_the_import_command():
    options = _import_options()
    assert {"--couple", "--partner", "--mapping", "--dayfirst", "--no-dayfirst"} <= set(options)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the README's command-line block: its `trustdata import` lines and the options line under them
    readme_lines = "\n".join(
        line
        for line in readme.splitlines()
        if line.startswith("trustdata import") or "importer options:" in line
    )
    doc = (ROOT / "docs" / "importers.md").read_text(encoding="utf-8")
    # the doc's synopsis: the fenced block that opens with `trustdata import KIND IN OUT`
    synopsis = doc.split("trustdata import KIND IN OUT", 1)[1].split("```", 1)[0]
    missing = {
        "README.md": [o for o in options if not _mentions(readme_lines, o)],
        "docs/importers.md": [o for o in options if not _mentions(synopsis, o)],
    }
    assert missing == {"README.md": [], "docs/importers.md": []}

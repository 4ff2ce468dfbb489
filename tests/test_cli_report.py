"""The CLI's report, couples and version parts: unambiguous dates, sentences, exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "couples"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- bare command and --version ---------------------------------------------------------------


def test_bare_trustdata_prints_the_help_and_exits_0(capsys):
    code, out, err = _run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: trustdata")
    for command in ("validate", "sample", "report", "couples", "import", "anonymize"):
        assert f"    {command}" in out


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0 and err == ""
    assert out.strip() == f"trustdata {trustdata.__version__}"


def test_version_from_the_command_line():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "trustdata", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"trustdata {trustdata.__version__}")


# --- --since ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "since", ["01/05/2025", "05/01/2025", "2025-1-5", "5 Jan 2025", "20250105"]
)
def test_since_refuses_an_ambiguous_or_non_iso_date_with_a_sentence(capsys, tmp_path, since):
    out = tmp_path / "r.html"
    code, stdout, err = _run(
        capsys, "report", str(SAMPLE), "--couple", "couple-01", "--audience", "therapist",
        "--since", since, "-o", str(out),
    )  # fmt: skip
    assert code == 2
    assert f"`since` must be a date written as YYYY-MM-DD, but {since!r} was passed" in err
    assert "reads both ways" in err
    assert "Traceback" not in err and not out.exists() and stdout == ""


def test_since_refuses_a_day_the_calendar_does_not_have(capsys, tmp_path):
    code, _, err = _run(
        capsys, "report", str(SAMPLE), "--couple", "couple-01", "--since", "2025-02-30",
        "--audience", "therapist", "-o", str(tmp_path / "r.html"),
    )  # fmt: skip
    assert code == 2 and "`since` must be a date of the calendar, but '2025-02-30'" in err


def test_since_is_refused_for_the_couple_page_with_a_sentence(capsys, tmp_path):
    out = tmp_path / "r.html"
    code, stdout, err = _run(
        capsys, "report", str(SAMPLE), "--couple", "couple-04", "--since", "2025-02-03",
        "-o", str(out),
    )  # fmt: skip
    assert code == 2
    assert "--since is for the therapist page" in err and "--audience therapist" in err
    assert not out.exists() and stdout == ""


def test_since_works_for_the_therapist_page(capsys, tmp_path):
    out = tmp_path / "r.html"
    code, stdout, _ = _run(
        capsys, "report", str(SAMPLE), "--couple", "couple-04", "--audience", "therapist",
        "--since", "2025-02-03", "-o", str(out),
    )  # fmt: skip
    assert code == 0 and out.exists()
    page = out.read_text(encoding="utf-8")
    assert "2025-02-03" in page or "3 February 2025" in page
    assert "Wrote the therapist report" in stdout


def test_iso_date_parses_what_it_accepts():
    assert cli.iso_date("2025-01-05") == pd.Timestamp("2025-01-05")
    assert cli.iso_date(" 2024-02-29 ") == pd.Timestamp("2024-02-29")


# --- a report needs check-ins -----------------------------------------------------------------


def _folder_without_checkins_for(tmp_path: Path, couple: str) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    ci = pd.read_csv(SAMPLE / "checkins.csv", dtype=str, keep_default_na=False)
    ci[ci["couple_id"] != couple].to_csv(folder / "checkins.csv", index=False)
    shutil.copy(SAMPLE / "triggers.csv", folder / "triggers.csv")
    return folder


def test_a_couple_with_triggers_but_no_checkins_gets_no_report(capsys, tmp_path):
    folder = _folder_without_checkins_for(tmp_path, "couple-04")
    out = tmp_path / "r.html"
    code, stdout, err = _run(capsys, "report", str(folder), "--couple", "couple-04", "-o", str(out))
    assert code == 2
    assert "couple 'couple-04' has no check-ins" in err and "needs at least one check-in" in err
    assert not out.exists() and "Wrote" not in stdout


def test_a_triggers_file_alone_is_exit_2_with_a_sentence(capsys, tmp_path):
    shutil.copy(SAMPLE / "triggers.csv", tmp_path / "triggers.csv")
    code, _, err = _run(
        capsys, "report", str(tmp_path / "triggers.csv"), "--couple", "couple-01",
        "-o", str(tmp_path / "r.html"),
    )  # fmt: skip
    assert code == 2 and err.startswith("trustdata: ") and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


# --- couples ----------------------------------------------------------------------------------


def test_couples_lists_each_couple_with_its_dates_and_counts(capsys):
    code, out, err = _run(capsys, "couples", str(SAMPLE))
    assert code == 0 and err == ""
    logs = trustdata.load(SAMPLE)
    lines = out.splitlines()
    assert lines[0].split() == [
        "couple",
        "partners",
        "from",
        "to",
        "check-ins",
        "triggers",
        "events",
    ]
    assert lines[-1] == f"{len(logs.couple_ids)} couples."
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert sorted(rows) == logs.couple_ids
    for cid, line in rows.items():
        counts = [int(v) for v in line.split()[-3:]]
        assert counts == [
            int((logs.checkins["couple_id"] == cid).sum()),
            int((logs.triggers["couple_id"] == cid).sum()),
            int((logs.events["couple_id"] == cid).sum()),
        ]
    # dates over every table, in words: couple-01's first record is its discovery event
    first = logs.events.loc[logs.events["couple_id"] == "couple-01", "date"].min()
    assert first == pd.Timestamp("2024-01-21")
    assert "21 January 2024" in rows["couple-01"]
    assert "2024-01" not in out


def test_couples_notes_rejected_records_on_stderr(capsys, tmp_path):
    text = (SAMPLE / "checkins.csv").read_text(encoding="utf-8")
    (tmp_path / "checkins.csv").write_text(
        text + "couple-09,A,hurt,2025-01-06,eleven,,,,,,,,,,\n", encoding="utf-8"
    )
    code, out, err = _run(capsys, "couples", str(tmp_path))
    assert code == 0
    assert "1 records could not be used" in err
    assert "couple-09" not in out


def test_couples_of_an_empty_table_is_exit_2(capsys, tmp_path):
    (tmp_path / "checkins.csv").write_text("couple_id,partner,date,connection\n", encoding="utf-8")
    code, _, err = _run(capsys, "couples", str(tmp_path))
    assert code == 2 and "no couple" in err


def test_couples_shows_display_names_and_no_terminal_escape_sequence(capsys, tmp_path):
    (tmp_path / "checkins.csv").write_text(
        "couple_id,partner,date,connection\n"
        "c1,A,2025-01-06,5\nc1,B,2025-01-07,6\nc1,A,2025-03-03,7\n",
        encoding="utf-8",
    )
    (tmp_path / "couples.csv").write_text(
        "couple_id,name_A,name_B\nc1,Sam\x1b[2J,Alex\u202e\n", encoding="utf-8"
    )
    code, out, _ = _run(capsys, "couples", str(tmp_path))
    assert code == 0
    line = out.splitlines()[1]
    assert line.split("  ")[0] == "c1"
    assert "A (Sam\\u001b[2J), B (Alex\\u202e)" in line
    assert "\x1b" not in out and "\u202e" not in out
    assert "6 January 2025" in line and "3 March 2025" in line
    assert line.split()[-3:] == ["3", "0", "0"]


# --- -o never overwrites an input; it says when it replaces an older report --------------------


def _copy_sample(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("truth"))
    return folder


@pytest.mark.parametrize("name", ["checkins.csv", "events.csv"])
def test_report_refuses_to_write_over_a_log_file(capsys, tmp_path, name):
    folder = _copy_sample(tmp_path)
    before = (folder / name).read_bytes()
    code, _, err = _run(
        capsys, "report", str(folder), "--couple", "couple-01", "-o", str(folder / name)
    )
    assert code == 2 and "could not write the report" in err
    assert (folder / name).read_bytes() == before


def test_the_input_check_knows_every_file_read_also_through_a_link(tmp_path):
    # .html/.pdf names cannot be logs today (load reads CSV, JSON, Parquet); the check stands
    # behind the suffix rule, whatever load learns to read later
    folder = _copy_sample(tmp_path)
    logs = trustdata.load(folder)
    link = tmp_path / "link.html"
    link.symlink_to(folder / "triggers.csv")
    assert not cli._writable_report(folder / "checkins.csv", folder, logs)
    assert not cli._writable_report(link, folder, logs)
    assert not cli._writable_report(folder / "events.json", folder, logs)  # a log of the folder
    assert cli._writable_report(tmp_path / "report.html", folder, logs)


def test_report_to_a_name_that_is_not_a_page_is_refused(capsys, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    code, _, err = _run(capsys, "report", str(SAMPLE), "--couple", "couple-01", "-o", str(target))
    assert code == 2 and "a report is an .html page" in err
    assert target.read_text(encoding="utf-8") == "mine"


def test_report_says_when_it_replaces_an_older_report(capsys, tmp_path):
    out = tmp_path / "r.html"
    argv = ["report", str(SAMPLE), "--couple", "couple-02", "-o", str(out)]
    code, first, _ = _run(capsys, *argv)
    assert code == 0 and "Replaced" not in first
    code, second, _ = _run(capsys, *argv)
    assert code == 0 and f"Replaced the older report at {out}." in second


# --- --reference and --include-expected (issue 14) ---------------------------------------------

COHORT = ROOT / "data" / "sample" / "cohort"


def test_reference_that_cannot_be_read_exits_2_with_a_sentence(capsys, tmp_path):
    out = tmp_path / "r.html"
    code, _, err = _run(capsys, "report", str(SAMPLE), "--couple", "couple-02",
                        "--reference", str(tmp_path / "nowhere"), "-o", str(out))  # fmt: skip
    assert code == 2 and "the reference" in err and "could not be read" in err
    assert "Traceback" not in err and not out.exists()


def test_therapist_report_with_the_synthetic_reference(capsys, tmp_path):
    out = tmp_path / "t.html"
    code, _, err = _run(capsys, "report", str(SAMPLE), "--couple", "couple-02", "--audience",
                        "therapist", "--reference", str(COHORT), "-o", str(out))  # fmt: skip
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert 'id="expected"' in page and "Synthetic reference, not real couples." in page


def test_couple_report_says_the_expected_range_only_with_include_expected(capsys, tmp_path):
    plain, chosen = tmp_path / "c.html", tmp_path / "e.html"
    assert _run(capsys, "report", str(SAMPLE), "--couple", "couple-02", "--reference",
                str(COHORT), "-o", str(plain))[0] == 0  # fmt: skip
    assert _run(capsys, "report", str(SAMPLE), "--couple", "couple-02", "--reference",
                str(COHORT), "--include-expected", "-o", str(chosen))[0] == 0  # fmt: skip
    assert "Your therapist chose" not in plain.read_text(encoding="utf-8")
    assert "Your therapist chose to show this" in chosen.read_text(encoding="utf-8")

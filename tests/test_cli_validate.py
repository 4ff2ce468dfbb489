"""`trustdata validate PATH`: a summary per file and the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustdata.cli import main


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_folder_exits_0_with_a_summary(tmp_path, capsys):
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,6\n")
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "checkins.csv (checkins): 1 record, 1 valid, 0 rejected" in out
    assert "OK: 0 records rejected in total." in out


def test_rejected_records_exit_1_with_kinds_and_examples(tmp_path, capsys):
    write(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection,mood\n"
        "c1,A,2025-03-03,6,ok\n"
        "c1,A,2025-03-03,7,ok\n"
        "c1,A,2025-03-10,11,ok\n"
        "c1,A,2025-02-30,seven,ok\n"
        "c1,A,2025-03-17,5,ok,surplus\n",
    )
    write(tmp_path, "events.csv", "couple_id,date,kind\nc1,2025-01-01,party\n")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "checkins.csv (checkins): 5 records, 1 valid, 4 rejected" in out
    assert "extra columns (kept): mood" in out
    assert "problems by kind: connection 2, duplicate 1, date 1, wrong number of values 1" in out
    assert "line 3: duplicate check-in: couple c1, partner A already has one on 2025-03-03" in out
    assert "line 4: connection is 11, expected a whole number 1-10" in out
    assert "events.csv (events): 1 record, 0 valid, 1 rejected" in out
    assert "REJECTED: 5 records rejected in total." in out


def test_at_most_five_example_lines_per_file(tmp_path, capsys):
    # one line per record is --every-line's listing (by default the 8 twins share one line)
    rows = "".join(f"c1,A,2025-03-{d:02d},0\n" for d in range(1, 9))
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\n" + rows)
    assert main(["validate", str(tmp_path / "checkins.csv"), "--every-line"]) == 1
    out = capsys.readouterr().out
    assert "first 5 rejected lines:" in out
    assert out.count("connection is 0") == 5


def test_records_rejected_for_the_same_reason_share_one_line(tmp_path, capsys):
    # the same 8 records as above, by default: every line number, on one line
    rows = "".join(f"c1,A,2025-03-{d:02d},0\n" for d in range(1, 9))
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\n" + rows)
    assert main(["validate", str(tmp_path / "checkins.csv")]) == 1
    out = capsys.readouterr().out
    assert "  rejected lines by reason:\n" in out
    assert "    lines 2-9 (8 records): connection is 0, expected a whole number 1-10\n" in out
    assert out.count("connection is 0") == 1
    assert "first 5 rejected lines:" not in out and "--every-line" not in out


@pytest.mark.parametrize(("examples", "shown"), [("0", 0), ("2", 2), ("20", 8)])
def test_examples_option_sets_how_many_lines_are_shown(tmp_path, capsys, examples, shown):
    rows = "".join(f"c1,A,2025-03-{d:02d},0\n" for d in range(1, 9))
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\n" + rows)
    assert main(["validate", str(tmp_path), "--examples", examples, "--every-line"]) == 1
    out = capsys.readouterr().out
    assert out.count("connection is 0") == shown
    assert (f"first {shown} rejected lines:" in out) == (shown > 0)


@pytest.mark.parametrize(("examples", "shown"), [("0", 0), ("2", 2), ("8", 8), ("20", 8)])
def test_examples_option_sets_how_many_reasons_are_shown(tmp_path, capsys, examples, shown):
    # 8 different reasons (connection 0, 11, ..., 17), each once: one line each, up to N
    rows = "".join(f"c1,A,2025-03-{d:02d},{0 if d == 1 else 9 + d}\n" for d in range(1, 9))
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\n" + rows)
    assert main(["validate", str(tmp_path), "--examples", examples]) == 1
    out = capsys.readouterr().out
    assert out.count(", expected a whole number 1-10") == shown
    assert ("rejected lines by reason:" in out) == (shown > 0)
    if shown:
        assert "    line 2: connection is 0, expected a whole number 1-10\n" in out
    if 0 < shown < 8:
        assert f"    ... and {8 - shown} more reasons ({8 - shown} records); `--examples 8` " in out
    else:
        assert "more reason" not in out


def test_negative_examples_exit_2_with_a_sentence(tmp_path, capsys):
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,0\n")
    assert main(["validate", str(tmp_path), "--examples", "-1"]) == 2
    captured = capsys.readouterr()
    assert "The value for `--examples` must be 0 or more, but -1 was passed." in captured.err
    assert captured.out == ""


def test_an_unclosed_quote_is_its_own_kind_of_problem(tmp_path, capsys):
    text = 'couple_id,partner,date,connection\nc1,B,2025-03-02,6\nc1,A,2025-03-03,"5\nc1,B,x,6\n'
    write(tmp_path, "checkins.csv", text)
    assert main(["validate", str(tmp_path)]) == 1
    assert "problems by kind: unclosed quote 1, connection 1" in capsys.readouterr().out


def test_notes_are_printed(tmp_path, capsys):
    (tmp_path / "checkins.csv").write_bytes(
        "couple_id;partner;date;connection;need\nc1;A;2025-03-03;6;café\n".encode("cp1252")
    )
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "notes: not UTF-8: read as Windows-1252" in out
    assert "semicolon-separated" in out


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("checkins.csv", "couple_id,partner,date\n", "required column 'connection' is missing"),
        ("checkins.json", '{"a": 1}', "not a list of records"),
        (None, "", "no such file or folder"),
    ],
)
def test_unreadable_input_exits_2_with_the_reason(tmp_path, capsys, name, text, message):
    target = write(tmp_path, name, text) if name else tmp_path / "missing"
    assert main(["validate", str(target)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_the_help_and_the_readme_list_every_exit_code_the_command_returns(capsys):
    import re

    from trustdata import cli

    assert main([]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert " ".join(cli.EXIT_CODES.split()) in shown
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text("utf-8").split())
    assert " ".join(cli.EXIT_CODES.split()) in readme
    # every code a command returns (the `return N` of cli.py, and Ctrl-C's) is in the help
    source = Path(cli.__file__).read_text("utf-8")
    codes = {int(n) for n in re.findall(r"\breturn (\d+)\b", source)} | {cli.EXIT_INTERRUPTED}
    said = {int(n) for n in re.findall(r"(?:Exit codes: |; )(\d+) ", cli.EXIT_CODES)}
    assert codes == said == {0, 1, 2, 130}
    assert "k-anonymity" in cli.EXIT_CODES  # anonymize's 1 for a group smaller than k


def test_a_sub_folder_is_named_as_a_sub_folder_not_a_file(tmp_path, capsys):
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,6\n")
    (tmp_path / "truth").mkdir()
    write(tmp_path, "README.txt", "about these logs")
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "other files in the folder were not read: README.txt" in out
    assert "sub-folders were not read: truth" in out
    assert "were not read: README.txt, truth" not in out


def test_a_line_over_the_limit_is_measured_in_mib(tmp_path, capsys):
    line = "c1,A,2025-03-03,6," + "x" * (3 * 2**20) + "\n"
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection,need\n" + line)
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "line 2 is 3.0 MiB long; a record of a log is at most 1 MiB" in err


def test_a_day_month_date_is_called_ambiguous_with_the_dayfirst_option(tmp_path, capsys):
    # 01/02/2024 is 1 February (day/month) or 2 January (month/day); 13/02/2024 only day/month.
    write(
        tmp_path,
        "checkins.csv",
        "couple_id,partner,date,connection\n"
        "c1,A,01/02/2024,6\n"
        "c1,A,2024-02-08,7\n"
        "c1,B,13/02/2024,5\n"
        "c1,B,2024-02-14,0\n",
    )
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        "    line 2: '01/02/2024' is ambiguous: 1 February 2024 (day/month) or 2 January 2024 "
        "(month/day); write the date as 2024-02-01 or 2024-01-02\n"
    ) in out
    assert (
        "    line 4: '13/02/2024' is 13 February 2024 (day/month); write the date as 2024-02-13\n"
        in out
    )
    assert "line 5: '" not in out  # a bad score beside an ISO date gets no date hint
    assert "`trustdata import KIND EXPORT OUT --dayfirst` (day/month) or `--no-dayfirst`" in out
    # the options named are the import command's own
    from trustdata.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["import"]
    flags = {s for a in sub._actions for s in a.option_strings}
    assert {"--dayfirst", "--no-dayfirst"} <= flags


def test_iso_dates_get_no_day_month_hint(tmp_path, capsys):
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2024-02-01,0\n")
    assert main(["validate", str(tmp_path)]) == 1
    assert "dayfirst" not in capsys.readouterr().out


def test_an_empty_triggers_file_is_shown_the_triggers_header(tmp_path, capsys):
    # reader13 F12: the hint was the check-ins header
    write(tmp_path, "checkins.csv", "couple_id,partner,date,connection\nc1,A,2025-03-03,5\n")
    (tmp_path / "triggers.csv").write_bytes(b"")
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        "triggers.csv: is empty; expected a header line naming the columns (e.g. "
        "couple_id,partner,timestamp,category,intensity)." in err
    )
    assert "couple_id,partner,date,connection" not in err

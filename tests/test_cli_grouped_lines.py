"""`trustdata validate` and `trustdata report` print one line per reason, not per record.

A user spelled couple-01's partner 'A' as 'a' in the sample's triggers.csv: ``validate`` then
printed 63 near-identical lines "line N: partner 'A' differs only in case from 'a' ...".  Now
records of one file with the same reason share one line, their line numbers as ranges
("lines 2-64 (63 records): ..."), at most :data:`trustdata._words.LINES_SHOWN` numbers or
ranges of them ("and N more"); ``--every-line`` still lists each record on its own line, and
``Logs.warnings`` / ``Logs.rejected`` keep one row per record.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import _words
from trustdata.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
TWIN = (
    "partner 'A' differs only in case from 'a' in couple couple-01: kept apart as another "
    "partner; if they are the same person, write them the same way"
)
HEADER = "couple_id,partner,date,connection\n"
ZERO = "connection is 0, expected a whole number 1-10"


@pytest.fixture(scope="module")
def spelled(tmp_path_factory) -> Path:
    """The sample with couple-01's partner 'A' written 'a' in every row of triggers.csv."""
    folder = tmp_path_factory.mktemp("x") / "couples"
    shutil.copytree(SAMPLE, folder)
    path = folder / "triggers.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    cid, who = rows[0].index("couple_id"), rows[0].index("partner")
    for row in rows[1:]:
        if row[cid] == "couple-01" and row[who] == "A":
            row[who] = "a"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return folder


def test_63_twin_records_are_one_line_naming_their_lines(spelled, capsys):
    assert main(["validate", str(spelled)]) == 0
    out = capsys.readouterr().out
    assert (
        f"  63 kept records that may be wrong (check them):\n    lines 2-64 (63 records): {TWIN}\n"
        in out
    )
    assert f"    lines 2, 5 (2 records): {TWIN}\n" in out  # events.csv's two
    assert out.count(TWIN) == 2  # was 65: one line per record
    assert "line 3:" not in out
    assert "WARNING: 65 kept records may be wrong (see above)." in out
    assert "--every-line" not in out  # no line number was left out
    # the frame keeps a row per record: only the printing groups them
    warnings = trustdata.load(spelled).warnings
    assert len(warnings) == 65
    assert warnings.loc[warnings["source"].str.endswith("checkins.csv"), "line"].tolist() == list(
        range(2, 65)
    )


def test_every_line_lists_each_record(spelled, capsys):
    assert main(["validate", str(spelled), "--every-line"]) == 0
    out = capsys.readouterr().out
    assert out.count(TWIN) == 65
    assert f"    line 2: {TWIN}\n" in out and f"    line 64: {TWIN}\n" in out
    assert "lines 2-64" not in out


def test_mixed_lines_are_ranges_and_other_reasons_their_own_lines(tmp_path, capsys):
    # connection 0 on lines 2-4, 7 and 9-10; 11 on line 5; a good record on lines 6 and 8
    scores = {2: 0, 3: 0, 4: 0, 5: 11, 6: 5, 7: 0, 8: 6, 9: 0, 10: 0}
    rows = "".join(f"c1,A,2025-03-{line:02d},{v}\n" for line, v in scores.items())
    (tmp_path / "checkins.csv").write_text(HEADER + rows, encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        "  rejected lines by reason:\n"
        f"    lines 2-4, 7, 9-10 (6 records): {ZERO}\n"
        "    line 5: connection is 11, expected a whole number 1-10\n"
    ) in out
    assert "problems by kind: connection 7" in out
    assert "REJECTED: 7 records rejected in total." in out
    assert len(trustdata.load(tmp_path, errors="quarantine").rejected) == 7


def test_more_line_numbers_than_the_cap_say_how_many_more(tmp_path, capsys):
    # 30 rejected records on every other line (2, 4, ..., 60): no range to write
    days = pd.date_range("2025-01-01", periods=59).strftime("%Y-%m-%d")
    rows = "".join(f"c1,A,{d},{0 if n % 2 == 0 else 5}\n" for n, d in enumerate(days))
    (tmp_path / "checkins.csv").write_text(HEADER + rows, encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    shown = ", ".join(str(n) for n in range(2, 2 + 2 * _words.LINES_SHOWN, 2))
    assert f"    lines {shown} and {30 - _words.LINES_SHOWN} more (30 records): {ZERO}\n" in out
    assert (
        'Some line numbers were left out above ("and N more"); '
        f"`trustdata validate {tmp_path} --every-line` lists each record on its own line."
    ) in out
    assert main(["validate", str(tmp_path), "--every-line", "--examples", "30"]) == 1
    every = capsys.readouterr().out
    assert [f"    line {n}: {ZERO}" in every for n in range(2, 61, 2)] == [True] * 30
    assert "left out" not in every


def test_reports_notes_on_stderr_share_a_line_per_reason(tmp_path, capsys):
    # two check-ins dated ten years early, the same day: one note naming both lines
    rows = "c1,A,2014-02-05,5\nc1,B,2014-02-05,5\nc1,A,2024-02-12,5\nc1,B,2024-02-12,5\n"
    (tmp_path / "checkins.csv").write_text(HEADER + rows, encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path), "--couple", "c1", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    note = [line for line in err.splitlines() if line.startswith("trustdata: warning: ")]
    assert note == [
        f"trustdata: warning: {tmp_path / 'checkins.csv'}, lines 2-3 (2 records): date is "
        "2014-02-05, 10 years before the next record of c1 (12 February 2024): a typo for 2024? "
        "The record is kept; correct it in the file if the year is wrong (they are in the "
        "report as written; `trustdata validate` lists them)"
    ]


def test_line_numbers_in_words():
    assert _words.line_numbers([2, 3, 4, 7, 9, 10]) == "lines 2-4, 7, 9-10"
    assert _words.line_numbers([10, 9, 7, 4, 3, 2, 3]) == "lines 2-4, 7, 9-10"  # any order
    assert _words.line_numbers([5]) == "line 5"
    assert _words.line_numbers([5, 6]) == "lines 5-6"
    assert _words.line_numbers([2, 3, 4, 7, 9, 10], shown=2) == "lines 2-4, 7 and 2 more"
    assert _words.line_numbers(range(2, 200, 2), shown=None).count(",") == 98
    with pytest.raises(ValueError, match="`shown` must be 1 or more"):
        _words.line_numbers([1], shown=0)

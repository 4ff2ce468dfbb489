"""Ids that differ only in case are said by ``report`` on stderr and on both pages (reader12,
finding 4).

In a copy of the sample, couple-01's April 2025 check-ins were typed ``Couple-01`` and A's May
ones partner ``a``: ``validate`` noted "differ only in case (kept apart; check them)", but the
report said nothing, showed a third partner "a" with 4 check-ins and A's latest check-in a
month early.  The records stay as written (they may be meant); the loader lists those of the
less used spelling in ``Logs.warnings``, the review says which ids, file and lines
(``case_twins``), and ``report`` and both pages say it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from _pages import SAMPLE, page_text

from trustdata import cli, io, report, review

TODAY = "2026-12-03"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("case") / "couples"
    shutil.copytree(SAMPLE, folder)
    path = folder / "checkins.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    for i in range(55, 60):  # lines 56-60: couple-01 A's April 2025 check-ins
        assert lines[i].startswith("couple-01,A,hurt,2025-04-"), lines[i]
        lines[i] = "Couple-01" + lines[i][len("couple-01") :]
    for i in range(60, 64):  # lines 61-64: couple-01 A's May 2025 check-ins
        assert lines[i].startswith("couple-01,A,hurt,2025-05-"), lines[i]
        lines[i] = lines[i].replace("couple-01,A,", "couple-01,a,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return folder


def test_the_records_are_kept_as_written_and_listed(mixed):
    logs = io.load(mixed, today=TODAY)
    assert len(logs.rejected) == 0 and len(logs.checkins) == len(io.load(SAMPLE).checkins)
    assert "Couple-01" in logs.couple_ids and "a" in set(logs.checkins["partner"])
    w = logs.warnings
    assert w[["line", "couple_id", "column", "value"]].values.tolist() == [
        *[[n, "Couple-01", "couple_id", "Couple-01"] for n in range(56, 61)],
        *[[n, "couple-01", "partner", "a"] for n in range(61, 65)],
    ]
    assert w["reason"].iloc[0] == (
        "couple_id 'Couple-01' differs only in case from 'couple-01': kept apart as another "
        "couple; if they are the same couple, write them the same way"
    )
    assert len(io.load(SAMPLE).warnings) == 0


def test_the_review_says_which_ids_file_and_lines(mixed):
    logs = io.load(mixed, today=TODAY)
    got = review.review(logs, "couple-01", today=TODAY).case_twins
    assert got.to_dict("records") == [
        {"column": "couple_id", "value": "Couple-01", "others": ("couple-01",),
         "file": "checkins.csv", "n": 5, "first_line": 56, "last_line": 60, "lines": "lines 56-60"},
        {"column": "partner", "value": "a", "others": ("A",), "file": "checkins.csv", "n": 4,
         "first_line": 61, "last_line": 64, "lines": "lines 61-64"},
    ]  # fmt: skip
    other = review.case_twins(logs, "Couple-01")  # the other spelling's report says it too
    assert other["value"].tolist() == ["Couple-01"]
    assert len(review.case_twins(logs, "couple-02")) == 0
    assert len(review.review(io.load(SAMPLE), "couple-01", today=TODAY).case_twins) == 0


def test_report_says_it_on_stderr(mixed, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", str(mixed), "--couple", "couple-01", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert (
        "trustdata: note: the couple id 'Couple-01' (checkins.csv, 5 records, lines 56-60) "
        "and 'couple-01' differ only in case: kept apart, as two couples; if they are the same "
        "couple, write them the same way."
    ) in err
    assert (
        "trustdata: note: partner 'a' (checkins.csv, 4 records, lines 61-64) and 'A' differ "
        "only in case: kept apart, as two partners; if they are the same person, write them "
        "the same way."
    ) in err
    assert cli.main(["report", str(mixed), "--couple", "couple-02", "-o", str(out)]) == 0
    assert "differ only in case" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("audience", "keeps", "tail"),
    [("couple", "this page keeps", " in the file"), ("therapist", "the charts keep", "")],
)
def test_both_pages_say_it(mixed, audience, keeps, tail):
    logs = io.load(mixed, today=TODAY)
    text = page_text(report.build(logs, "couple-01", audience=audience, today=TODAY))
    assert (  # page_text puts spaces around the <bdi> of typed text
        "The couple id “ Couple-01 ” ( checkins.csv , 5 records, lines 56-60) and "
        f"“ couple-01 ” differ only in case, so {keeps} them apart as two couples. If they are "
        f"the same couple, write them the same way{tail}."
    ) in text
    assert "differ only in case, so " + keeps + " them apart as two partners" in text
    clean = page_text(report.build(io.load(SAMPLE), "couple-01", audience=audience, today=TODAY))
    assert "differ only in case" not in clean


def test_partners_of_different_couples_are_no_twins():
    ci = pd.DataFrame(
        {"couple_id": ["c1", "c1", "c2", "c2"], "partner": ["A", "B", "a", "b"],
         "connection": "5", "date": ["2024-02-05", "2024-02-05", "2024-02-05", "2024-02-05"]}
    )  # fmt: skip
    assert len(io.from_frames(checkins=ci).warnings) == 0


def test_lines_with_gaps_are_not_written_as_a_run():
    # 'a' on rows 1 and 4 of the frame (from_frames numbers rows from 1; A on 2, 3): "lines 1
    # to 4" read as four records of 'a'
    ci = pd.DataFrame(
        {"couple_id": "c1", "partner": ["a", "A", "A", "a"], "connection": "5",
         "date": ["2024-02-05", "2024-02-12", "2024-02-19", "2024-02-26"]}
    )  # fmt: skip
    logs = io.from_frames(checkins=ci)
    (t,) = review.case_twins(logs, "c1").itertuples()
    assert (t.value, t.n, t.first_line, t.last_line, t.lines) == ("a", 2, 1, 4, "lines 1, 4")
    assert "(2 records, lines 1, 4)" in cli._case_note(t)
    text = page_text(report.build(logs, "c1", audience="therapist"))
    assert "2 records, lines 1, 4) and “ A ” differ only in case" in text

"""The pages say a kept record that may have a mistyped year (``Logs.warnings``), plainly.

The warning used to be on ``report``'s stderr only; the couple and the therapist read the page.
The review carries the couple's warnings (``mistyped``, ``couple_mistyped``); the views only
say them.  The bundled sample has none, so its pages are unchanged (the pinned page tests).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _pages import SAMPLE, page_text

from trustdata import io, report, review
from trustdata.io import from_frames

TODAY = "2026-12-03"
EARLY = "couple-01,A,hurt,2024-02-05,"  # couple-01's second check-in, typed 2014
LATE = "couple-01,A,hurt,2025-05-26,"  # couple-01's latest record, typed 2026


def _typo(folder: Path, line: str, year: tuple[str, str]) -> Path:
    shutil.copytree(SAMPLE, folder)
    path = folder / "checkins.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count("\n" + line) == 1
    path.write_text(text.replace("\n" + line, "\n" + line.replace(*year)), "utf-8")
    return folder


@pytest.fixture(scope="module")
def early(tmp_path_factory) -> io.Logs:
    folder = _typo(tmp_path_factory.mktemp("early") / "couples", EARLY, ("2024", "2014"))
    return io.load(folder, today=TODAY)


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> io.Logs:
    folder = _typo(tmp_path_factory.mktemp("late") / "couples", LATE, ("2025", "2026"))
    return io.load(folder, today=TODAY)


def _page(logs, audience, couple="couple-01"):
    return page_text(report.build(logs, couple, audience=audience, today=TODAY))


@pytest.fixture(scope="module")
def reviewed(early, late):
    """``review.review(logs, couple, today=TODAY)`` of the ``early``, ``late`` or ``sample``
    logs, made once for the module: several tests read the same review and its pages."""
    loaded = {"early": early, "late": late, "sample": io.load(SAMPLE, today=TODAY)}
    done = {}

    def get(name, couple="couple-01"):
        if (name, couple) not in done:
            done[name, couple] = review.review(loaded[name], couple, today=TODAY)
        return done[name, couple]

    return get


@pytest.fixture(scope="module")
def page(reviewed):
    """``_page(logs, audience, couple)`` of the module's logs: ``report.build`` is
    ``report.render`` of the review, so it is rendered from ``reviewed``'s."""

    def get(name, audience, couple="couple-01"):
        return page_text(report.render(reviewed(name, couple), audience=audience))

    return get


def test_the_review_carries_the_couples_warnings(reviewed):
    r = reviewed("early")
    assert r.mistyped.to_dict("records") == [
        {"table": "checkins", "date": pd.Timestamp("2014-02-05"), "file": "checkins.csv",
         "line": 3, "side": "before", "months": None, "year": 2024}
    ]  # fmt: skip
    pd.testing.assert_frame_equal(r.couple_mistyped, r.mistyped)
    r = reviewed("late")
    assert r.mistyped[["date", "line", "side", "year"]].values.tolist() == [
        [pd.Timestamp("2026-05-26"), 64, "after", 2025]
    ]
    assert len(reviewed("late", "couple-02").mistyped) == 0
    assert len(review.review(io.load(SAMPLE, today=TODAY), "couple-01").mistyped) == 0


def test_the_therapist_page_says_it_plainly(page):
    assert (
        "One record may be mistyped: the check-in of 5 February 2014 in checkins.csv line 3 is "
        "more than a year before the next record. If it should be 2024, correct it; the charts "
        "count it as it is."
    ) in page("early", "therapist")
    assert (
        "One record may be mistyped: the check-in of 26 May 2026 in checkins.csv line 64 is "
        "more than a year after the record before it. If it should be 2025, correct it; the "
        "charts count it as it is."
    ) in page("late", "therapist")


def test_the_couple_page_says_it_short_and_kind(page):
    assert (
        "One date may have a typo: the check-in of 5 February 2014 ( checkins.csv , line 3) "
        "comes more than a year before the rest of your logs. If it should be 2024, you can "
        "correct it in the file; until then this page counts it as written."
    ) in page("early", "couple")
    assert (
        "the check-in of 26 May 2026 ( checkins.csv , line 64) comes more than a year after the "
        "rest of your logs. If it should be 2025"
    ) in page("late", "couple")


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_another_couples_page_and_the_samples_say_nothing_of_it(page, audience):
    for logs, couple in (("early", "couple-02"), ("sample", "couple-01")):
        text = page(logs, audience, couple)
        assert "mistyped" not in text and "may have a typo" not in text


def test_several_records_are_listed_one_by_one():
    ci = pd.DataFrame(
        {"couple_id": "c1", "partner": ["A", "B"] + ["A"] * 8, "connection": "5",
         "date": ["2014-02-05", "2014-02-05",
                  *[d.strftime("%Y-%m-%d") for d in pd.date_range("2024-02-05", periods=8,
                                                                  freq="7D")]]}
    )  # fmt: skip
    tr = pd.DataFrame(
        {"couple_id": "c1", "partner": "A", "timestamp": ["2014-02-05T20:00"],
         "category": "location", "intensity": "5"}
    )  # fmt: skip
    logs = from_frames(checkins=ci, triggers=tr)
    r = review.review(logs, "c1", today=TODAY)
    assert r.mistyped[["table", "line", "side", "year"]].values.tolist() == [
        ["checkins", 1, "before", 2024],
        ["checkins", 2, "before", 2024],
        ["triggers", 1, "before", 2024],
    ]
    assert (r.mistyped["file"] == "").all()  # frames in memory: no file to name
    text = page_text(report.render(r, audience="therapist"))
    assert (
        "3 records may be mistyped; the charts count them as they are: the check-in of 5 "
        "February 2014 is more than a year before the next record: if it should be 2024, "
        "correct it. the check-in of 5 February 2014 is more than a year before the next "
        "record: if it should be 2024, correct it. the trigger of 5 February 2014 is more "
        "than a year before the next record: if it should be 2024, correct it."
    ) in text


def test_the_page_renders_the_reviews_values_it_computes_nothing(reviewed):
    r = reviewed("early")
    # another year and line in the review: the page says them, whatever the logs hold
    changed = dataclasses.replace(
        r, mistyped=r.mistyped.assign(year=pd.array([2023], dtype="Int64"), line=99)
    )
    text = page_text(report.render(changed, audience="therapist"))
    assert "in checkins.csv line 99 is more than a year before" in text
    assert "If it should be 2023, correct it" in text
    unknown = dataclasses.replace(
        r, couple_mistyped=r.couple_mistyped.assign(side="apart", year=pd.NA)
    )
    text = page_text(report.render(unknown, audience="couple"))
    assert (
        "One date may have a typo: the check-in of 5 February 2014 ( checkins.csv , line 3) "
        "may have a typo in its year. If its year is wrong, you can correct it in the file"
    ) in text


def test_an_abuse_event_is_never_on_the_couples_list():
    ci = pd.DataFrame(
        {"couple_id": "c1", "partner": "A", "connection": "5",
         "date": [d.strftime("%Y-%m-%d") for d in pd.date_range("2024-02-05", periods=8,
                                                                 freq="7D")]}
    )  # fmt: skip
    ev = pd.DataFrame(
        {"couple_id": "c1", "date": ["2014-01-10", "2024-02-01"], "kind": ["abuse", "discovery"]}
    )
    r = review.review(from_frames(checkins=ci, events=ev), "c1", today=TODAY)
    assert r.mistyped[["table", "date"]].values.tolist() == [["events", pd.Timestamp("2014-01-10")]]
    assert len(r.couple_mistyped) == 0


SLIP = "couple-01,A,hurt,2025-02-17,"  # a check-in 14 weeks before couple-01's last record


def test_a_one_year_slip_is_said_in_months_with_the_slipped_year(tmp_path):
    # reader12, finding 2: a check-in typed a year late landed 8 months after the rest, and
    # the pages said "logs run ... to 17 February 2026" with no word of it
    logs = io.load(_typo(tmp_path / "couples", SLIP, ("2025", "2026")), today=TODAY)
    r = review.review(logs, "couple-01", today=TODAY)
    assert r.mistyped[["date", "line", "side", "months", "year"]].values.tolist() == [
        [pd.Timestamp("2026-02-17"), 53, "after", 8, 2025]
    ]
    assert (
        "One record may be mistyped: the check-in of 17 February 2026 in checkins.csv line 53 is "
        "8 months after the record before it. If it should be 2025, correct it; the charts "
        "count it as it is."
    ) in _page(logs, "therapist")
    assert (
        "One date may have a typo: the check-in of 17 February 2026 ( checkins.csv , line 53) "
        "comes 8 months after the rest of your logs. If it should be 2025, you can correct it "
        "in the file; until then this page counts it as written."
    ) in _page(logs, "couple")

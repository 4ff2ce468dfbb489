"""The trust sentences' "first 4 weeks" across a pause in logging (polish10b point 2).

The first mean is the mean of the partner's first 4 weeks *with a score*: an intake check-in
four months before the logs begin made couple-01's page say "4.0 in the first 4 weeks" of one
week in October 2023 and three in February 2024.  With a pause of at least 4 weeks among them
the page now names the weeks they span and the pause, as it does for the latest 4 weeks.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from _pages import EARLY_CHECKIN, RETURNED_CHECKIN, sample_with
from _pages import page_text as _text

import trustdata
from trustdata import report, review


@pytest.fixture(scope="module")
def early(tmp_path_factory):
    """couple-01's sample with A checking in once (connection and trust 4), four months before
    the logs begin."""
    folder = sample_with(tmp_path_factory.mktemp("early") / "couples", EARLY_CHECKIN)
    return trustdata.load(folder)


@pytest.fixture(scope="module")
def early_review(early):
    """``review.review(early, "couple-01")``, made once for the module (its pages are
    ``report.build(early, ...)``: ``report.render`` of this review)."""
    return review.review(early, "couple-01")


def test_an_intake_check_in_is_not_in_the_first_4_weeks(early_review):
    v = early_review.trend_verdicts
    a = v.loc[v["partner"] == "A"].set_index("measure")
    # A's first 4 weeks with a score: 2 October 2023, then three weeks from 29 January 2024
    assert a["first_paused"].all()
    assert (a["first_from"] == pd.Timestamp("2023-10-02")).all()
    assert (a["first_to"] == pd.Timestamp("2024-02-12")).all()
    assert (a["first_span_weeks"] == 20).all()
    # the day after the intake check-in to the day before the next one
    assert (a["first_pause_from"] == pd.Timestamp("2023-10-03")).all()
    assert (a["first_pause_to"] == pd.Timestamp("2024-01-28")).all()
    assert not a["latest_paused"].any()
    b = v.loc[v["partner"] == "B"]
    assert not b["first_paused"].any() and b["first_pause_from"].isna().all()
    assert (b["first_span_weeks"] == 6).all()  # B's first 4 weeks with a score span 6


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_the_page_names_the_pause_at_the_start(early_review, audience):
    text = _text(report.render(early_review, audience=audience))
    if audience == "couple":
        assert (
            "A felt on average 4.0 out of 10 connected in the first 4 weeks with a check-in "
            "(spread over 20 weeks: no check-in from 3 October 2023 to 28 January 2024) and 7.0 "
            "in the latest 4 weeks." in text
        )
        assert (
            "trust was on average 4.5 out of 10 in the first 4 weeks with a trust score (spread "
            "over 20 weeks: no trust score from 3 October 2023 to 28 January 2024) and 7.3 in "
            "the latest 4 weeks." in text
        )
        assert "4.0 out of 10 connected in the first 4 weeks and" not in text
    else:
        assert (
            "connection 4.0 in the first 4 weeks with a score (spread over 20 weeks: no "
            "check-in from 3 October 2023 to 28 January 2024), 7.0 in the latest 4 (slope" in text
        )
        assert "weeks with none from" not in text
        assert "first / latest 4 weeks 4.0 / 7.0 (the first over 20 weeks, a pause);" in text
        assert "4.0 in the first 4 weeks, 7.0" not in text


def test_a_pause_at_both_ends_is_named_at_both(tmp_path):
    # the early check-in and one more 18 months after the logs end
    folder = sample_with(tmp_path / "couples", EARLY_CHECKIN, RETURNED_CHECKIN)
    today = datetime.date(2026, 12, 3)
    logs = trustdata.load(folder, today=today)
    r = review.review(logs, "couple-01", today=today)
    v = r.trend_verdicts
    a = v.loc[(v["partner"] == "A") & (v["measure"] == "connection")].iloc[0]
    assert a["first_paused"] and a["latest_paused"]
    # report.build(logs, "couple-01", audience="therapist", today=today) is render of r
    text = _text(report.render(r, audience="therapist"))
    assert (
        "first / latest 4 weeks 4.0 / 6.8 (the first over 20 weeks, the latest over 82 weeks, "
        "pauses);" in text
    )


def test_the_bundled_first_weeks_have_no_pause(bundled_sample):
    for couple in ("couple-01", "couple-02", "couple-03", "couple-04"):
        # review.review(trustdata.load(SAMPLE), couple), made once per worker
        v = bundled_sample.review(couple).trend_verdicts
        assert not v["first_paused"].any(), couple
        assert v["first_pause_from"].isna().all() and v["first_pause_to"].isna().all()
        assert (v["first_span_weeks"] >= v["end_weeks"]).all()

"""The trust sentences' "latest 4 weeks" after a pause in logging (polish10 point 3).

The latest mean is the mean of the partner's latest 4 weeks *with a score*: one check-in after
18 months without logs made couple-01's page say "6.8 in the latest 4 weeks" of three weeks in
May 2025 and one in December 2026.  With a pause of at least 4 weeks among them the page now
names the weeks they span and the pause.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from _pages import RETURNED_CHECKIN, sample_with
from _pages import page_text as _text

import trustdata
from trustdata import report, review
from trustdata._words import day
from trustdata.logs import Logs, as_table

TODAY = datetime.date(2026, 12, 3)


@pytest.fixture(scope="module")
def returned(tmp_path_factory):
    """couple-01's sample with A checking in once more, 18 months after the logs end."""
    folder = sample_with(tmp_path_factory.mktemp("returned") / "couples", RETURNED_CHECKIN)
    return trustdata.load(folder, today=TODAY)


@pytest.fixture(scope="module")
def returned_review(returned):
    """``review.review(returned, "couple-01", today=TODAY)``, made once for the module (its
    pages are ``report.build(returned, ...)``: ``report.render`` of this review)."""
    return review.review(returned, "couple-01", today=TODAY)


def test_a_lone_check_in_after_a_pause_is_not_in_the_latest_4_weeks(returned_review):
    v = returned_review.trend_verdicts
    a = v.loc[v["partner"] == "A"].set_index("measure")
    # A's latest 4 weeks with a score: 12, 19 and 26 May 2025 and 30 November 2026
    assert a["latest_paused"].all()
    assert (a["latest_from"] == pd.Timestamp("2025-05-12")).all()
    assert (a["latest_to"] == pd.Timestamp("2026-11-30")).all()
    assert (a["latest_span_weeks"] == 82).all()
    # the day after A's check-in of 26 May 2025 to the day before the new one
    assert (a["latest_pause_from"] == pd.Timestamp("2025-05-27")).all()
    assert (a["latest_pause_to"] == pd.Timestamp("2026-12-02")).all()
    b = v.loc[v["partner"] == "B"]
    assert not b["latest_paused"].any() and b["latest_pause_from"].isna().all()


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_the_page_names_the_pause(returned_review, audience):
    text = _text(report.render(returned_review, audience=audience))
    if audience == "couple":
        assert (
            "A felt on average 4.0 out of 10 connected in the first 4 weeks and 6.8 in the "
            "latest 4 weeks with a check-in (spread over 82 weeks: no check-in from 27 May 2025 "
            "to 2 December 2026)." in text
        )
        assert (
            "and 7.3 in the latest 4 weeks with a trust score (spread over 82 weeks: no trust "
            "score from 27 May 2025 to 2 December 2026)." in text
        )
        assert "6.8 in the latest 4 weeks." not in text
    else:
        # the couple page's words for the pause ("over 82 weeks with none from ..." read as 82
        # weeks without a score)
        assert (
            "connection 4.0 in the first 4 weeks, 6.8 in the latest 4 weeks with a score "
            "(spread over 82 weeks: no check-in from 27 May 2025 to 2 December 2026) (slope" in text
        )
        assert "weeks with none from" not in text
        assert "first / latest 4 weeks 4.0 / 6.8 (the latest over 82 weeks, a pause);" in text
        assert "6.8 in the latest 4 (" not in text


def test_a_pause_in_one_score_while_checking_in_is_named_for_that_score(bundled_sample):
    # couple-02's A checked in every week from 23 March to 4 May 2025 without scoring trust
    # (review.review(trustdata.load(SAMPLE), ...) and its pages: made once per worker)
    v = bundled_sample.review("couple-02").trend_verdicts
    paused = v.loc[v["latest_paused"], ["partner", "measure"]].to_numpy().tolist()
    assert paused == [["A", "trust"]]
    text = _text(bundled_sample.page("couple-02", "couple"))
    assert (
        "in the latest 4 weeks with a trust score (spread over 9 weeks: no trust score from "
        "24 March 2025 to 3 May 2025)." in text
    )
    # its connection was scored every week: still "the latest 4 weeks"
    assert "weeks with a check-in" not in text


def test_the_therapist_summary_names_the_pause_in_the_couple_pages_words(bundled_sample):
    # couple-02's therapist summary said "3.5 in the latest 4 weeks with a score, over 9 weeks
    # with none from 24 March 2025 to 3 May 2025": 9 weeks with no score, it read, although
    # the pause is 41 days and the 4 scored weeks are spread over 9
    r = bundled_sample.review("couple-02")  # review.review(trustdata.load(SAMPLE), ...)
    row = r.trend_verdicts.set_index(["partner", "measure"]).loc[("A", "trust")]
    words = (
        f"(spread over {row['latest_span_weeks']} weeks: no trust score from "
        f"{day(row['latest_pause_from'])} to {day(row['latest_pause_to'])})"
    )
    assert words == "(spread over 9 weeks: no trust score from 24 March 2025 to 3 May 2025)"
    couple = _text(bundled_sample.page("couple-02", "couple"))
    therapist = _text(bundled_sample.page("couple-02", "therapist"))
    assert f"in the latest 4 weeks with a trust score {words}." in couple
    assert f"3.5 in the latest 4 weeks with a score {words} (slope" in therapist
    assert "weeks with none from" not in therapist


def test_no_other_sample_couple_has_a_pause_among_its_latest_weeks(bundled_sample):
    for couple in ("couple-01", "couple-03", "couple-04"):
        v = bundled_sample.review(couple).trend_verdicts
        assert not v["latest_paused"].any(), couple


def _weekly(skipped: int) -> Logs:
    # weekly check-ins for 20 weeks, then `skipped` weeks without one, then one more
    days = [7 * i for i in range(20)] + [7 * (20 + skipped)]
    start = pd.Timestamp("2025-01-06")  # a Monday
    ci = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": "A", "date": start + pd.Timedelta(days=d),
          "connection": 5 + (d > 70)} for d in days],
    )  # fmt: skip
    return Logs(checkins=ci)


@pytest.mark.parametrize(("skipped", "paused"), [(3, False), (4, True)])
def test_the_line_is_4_weeks_without_a_score(skipped, paused):
    v = review.review(_weekly(skipped), "c1").trend_verdicts.iloc[0]
    assert bool(v["latest_paused"]) is paused
    # 3 weeks skipped: 27 days without a check-in (under 4 weeks); 4 weeks skipped: 34 days
    assert v["latest_span_weeks"] == 4 + skipped
    assert pd.isna(v["latest_pause_from"]) is not paused
    if paused:
        assert v["latest_pause_from"] == pd.Timestamp("2025-05-20")
        assert v["latest_pause_to"] == pd.Timestamp("2025-06-22")

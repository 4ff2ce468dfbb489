"""Calm streaks never run through weeks nobody logged (``milestones.UNLOGGED_WEEKS``).

A new user's review: one check-in mistyped ten years early made "A's longest stretch without a
major trigger: 521 weeks in a row, weeks of 3 February 2014 to 22 January 2024".
"""

from __future__ import annotations

import pandas as pd

from trustdata import milestones, review
from trustdata.logs import as_table

MONDAY = pd.Timestamp("2025-01-06")


def _checkins(weeks, *, partner="A") -> pd.DataFrame:
    rows = [
        {"couple_id": "c1", "partner": partner, "date": MONDAY + pd.Timedelta(weeks=w),
         "connection": 5}
        for w in weeks
    ]  # fmt: skip
    return as_table("checkins", rows)


def _triggers(rows) -> pd.DataFrame:
    return as_table(
        "triggers",
        [
            {"couple_id": "c1", "partner": "A", "timestamp": t, "category": "location",
             "intensity": i}
            for t, i in rows
        ],
    )  # fmt: skip


def _rows(wins: pd.DataFrame, kind: str) -> list[dict]:
    return wins.loc[wins["kind"] == kind].to_dict("records")


def _week(n: int) -> pd.Timestamp:
    return MONDAY + pd.Timedelta(weeks=n)


def test_the_rule_is_the_reviews_28_days():
    assert milestones.UNLOGGED_WEEKS * 7 == review.STOPPED_DAYS


#: The streaks' weeks alone: these partners log a trigger or two early and then check in only,
#: so small_wins' own "not logging is not a win" (``stopped_days``, default
#: ``milestones.STOPPED_DAYS``) would drop their streaks; it is off here.
EVERY_STREAK = {"stopped_days": None}


def test_a_long_unlogged_gap_breaks_the_current_streak():
    # check-ins in weeks 0-2, nothing in weeks 3-12 (10 weeks), check-ins in weeks 13-20; one
    # minor trigger in week 0, no major one.  Before: "21 weeks ... since they started logging".
    wins = milestones.small_wins(
        _checkins([*range(3), *range(13, 21)]), _triggers([("2025-01-07 20:00", 3)]), **EVERY_STREAK
    )
    (cur,) = _rows(wins, "weeks_without_major_trigger")
    assert cur["value"] == 8
    assert (cur["start"], cur["end"]) == (_week(13), _week(20))
    assert cur["evidence"] == (
        "A has gone 8 weeks without a major trigger (intensity 7 or more), since the week of "
        "7 April 2025; their longest stretch so far."
    )
    assert _rows(wins, "longest_calm_streak") == []


def test_an_earlier_streak_ended_by_a_gap_is_the_longest_when_it_is_longer():
    # weeks 0-9 logged (10 calm weeks), weeks 10-19 unlogged, weeks 20-22 logged (3 calm weeks)
    wins = milestones.small_wins(
        _checkins([*range(10), *range(20, 23)]),
        _triggers([("2025-01-07 20:00", 2)]),
        **EVERY_STREAK,
    )
    (cur,) = _rows(wins, "weeks_without_major_trigger")
    assert (cur["value"], cur["start"]) == (3, _week(20))
    assert cur["evidence"].endswith("since the week of 26 May 2025.")
    (best,) = _rows(wins, "longest_calm_streak")
    assert (best["value"], best["start"], best["end"]) == (10, _week(0), _week(9))
    assert best["evidence"] == (
        "A's longest stretch without a major trigger: 10 weeks in a row, weeks of "
        "6 January 2025 to 10 March 2025."
    )


def test_the_mistyped_year_case_no_streak_of_ten_years():
    # one check-in ten years early, then weekly check-ins with a major trigger in week 2
    early = as_table(
        "checkins",
        [{"couple_id": "c1", "partner": "A", "date": "2015-01-05", "connection": 4}],
    )
    ci = pd.concat([early, _checkins(range(12))], ignore_index=True)
    wins = milestones.small_wins(ci, _triggers([("2025-01-21 20:00", 8)]), **EVERY_STREAK)
    streaks = wins.loc[wins["kind"].isin(["weeks_without_major_trigger", "longest_calm_streak"])]
    assert streaks["value"].max() < 52
    assert (streaks["start"] >= MONDAY).all()
    (cur,) = _rows(wins, "weeks_without_major_trigger")
    assert (cur["value"], cur["start"]) == (9, _week(3))
    # longer than weeks 0-1 of 2025 and the lone week of 2015: no 2015-to-2025 stretch
    assert cur["evidence"].endswith("; their longest stretch so far.")
    assert _rows(wins, "longest_calm_streak") == []


def test_a_gap_of_unlogged_weeks_weeks_still_counts():
    # weeks 4-7 unlogged: exactly UNLOGGED_WEEKS weeks, a missed month of check-ins, counted
    gap = milestones.UNLOGGED_WEEKS
    wins = milestones.small_wins(
        _checkins([*range(4), *range(4 + gap, 12)]),
        _triggers([("2025-01-07 20:00", 2)]),
        **EVERY_STREAK,
    )
    (cur,) = _rows(wins, "weeks_without_major_trigger")
    assert (cur["value"], cur["start"], cur["end"]) == (12, _week(0), _week(11))
    assert "since they started logging" in cur["evidence"]


def test_a_minor_trigger_inside_the_gap_is_logging():
    # weeks 3-12 hold no check-in but a minor trigger in week 8: two unlogged runs of 5 and 4
    # weeks; the first (5 > 4) breaks the streak, the second does not
    trig = _triggers([("2025-01-07 20:00", 2), ("2025-03-04 20:00", 3)])  # weeks 0 and 8
    wins = milestones.small_wins(_checkins([*range(3), *range(13, 16)]), trig, **EVERY_STREAK)
    (cur,) = _rows(wins, "weeks_without_major_trigger")
    assert (cur["value"], cur["start"], cur["end"]) == (8, _week(8), _week(15))


def test_as_of_after_a_long_silence_gives_no_current_streak():
    ci, tr = _checkins(range(8)), _triggers([("2025-01-07 20:00", 2)])
    near = milestones.small_wins(ci, tr, as_of=_week(7 + milestones.UNLOGGED_WEEKS), **EVERY_STREAK)
    assert _rows(near, "weeks_without_major_trigger")[0]["value"] == 8 + milestones.UNLOGGED_WEEKS
    far = milestones.small_wins(ci, tr, as_of=_week(8 + milestones.UNLOGGED_WEEKS), **EVERY_STREAK)
    assert _rows(far, "weeks_without_major_trigger") == []
    (best,) = _rows(far, "longest_calm_streak")
    assert (best["value"], best["start"], best["end"]) == (8, _week(0), _week(7))

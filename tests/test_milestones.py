"""Small wins, red flags and the safety notice, on hand-made logs with answers worked by hand."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustdata import milestones, schemas
from trustdata.logs import as_table

MONDAY = pd.Timestamp("2025-01-06")


def _weekly_checkins(scores, *, partner="A", couple="c1", start=MONDAY) -> pd.DataFrame:
    """One check-in a week (on the Monday) per score; None skips that week."""
    rows = [
        {"couple_id": couple, "partner": partner, "date": start + pd.Timedelta(weeks=i),
         "connection": s}
        for i, s in enumerate(scores)
        if s is not None
    ]  # fmt: skip
    return as_table("checkins", rows)


def _triggers(rows) -> pd.DataFrame:
    return as_table(
        "triggers",
        [
            {"couple_id": "c1", "partner": p, "timestamp": t, "category": "location",
             "intensity": i}
            for p, t, i in rows
        ],
    )  # fmt: skip


def _events(rows) -> pd.DataFrame:
    return as_table("events", [{"couple_id": "c1", "date": d, "kind": k} for d, k in rows])


def _win(wins: pd.DataFrame, kind: str, partner: str = "A") -> pd.Series:
    (row,) = wins.loc[(wins["kind"] == kind) & (wins["partner"] == partner)].to_dict("records")
    return pd.Series(row)


# --------------------------------------------------------------------------------------------
# Small wins
# --------------------------------------------------------------------------------------------

# Eight weeks of check-ins from Monday 2025-01-06 (weeks 0..7 = Jan 6, 13, 20, 27, Feb 3, 10,
# 17, 24).  Triggers: intensity 8 in week 1 (Jan 14), 3 in week 3 (not major), 7 in week 5
# (Feb 12; 7 is major: >= MAJOR_TRIGGER_INTENSITY).  Calm weeks: 0 | 2, 3, 4 | 6, 7.
CALM_TRIGGERS = [("A", "2025-01-14 21:00", 8), ("A", "2025-01-29 08:00", 3),
                 ("A", "2025-02-12 12:00", 7)]  # fmt: skip


def test_current_calm_streak_counts_weeks_since_the_last_major_trigger():
    wins = milestones.small_wins(_weekly_checkins([5] * 8), _triggers(CALM_TRIGGERS))
    win = _win(wins, "weeks_without_major_trigger")
    # weeks 6 and 7 (Feb 17, Feb 24): 2 weeks
    assert win["value"] == 2
    assert (win["start"], win["end"], win["date"]) == (
        pd.Timestamp("2025-02-17"), pd.Timestamp("2025-02-24"), pd.Timestamp("2025-02-24")
    )  # fmt: skip
    assert win["evidence"] == (
        "A has gone 2 weeks without a major trigger (intensity 7 or more), "
        "since the week of 17 February 2025."
    )


def test_longest_calm_streak_is_the_longest_run_with_its_start_and_end():
    wins = milestones.small_wins(_weekly_checkins([5] * 8), _triggers(CALM_TRIGGERS))
    win = _win(wins, "longest_calm_streak")
    # weeks 2, 3, 4 (Jan 20 to Feb 3): 3 weeks, longer than week 0 alone and weeks 6-7
    assert win["value"] == 3
    assert (win["start"], win["end"]) == (pd.Timestamp("2025-01-20"), pd.Timestamp("2025-02-03"))
    assert win["evidence"].endswith(
        "3 weeks in a row, weeks of 20 January 2025 to 3 February 2025."
    )


@pytest.mark.parametrize(
    ("major", "current", "longest"),
    [
        (7, 2, 3),  # as worked out above
        (8, 6, None),  # only week 1 is major: calm weeks 0 | 2..7, the current is longest
        (9, 8, None),  # no major trigger at all: every week calm, no "longest" row
    ],
)
def test_the_major_threshold_decides_which_weeks_are_calm(major, current, longest):
    wins = milestones.small_wins(_weekly_checkins([5] * 8), _triggers(CALM_TRIGGERS), major=major)
    assert _win(wins, "weeks_without_major_trigger")["value"] == current
    kinds = set(wins["kind"])
    assert ("longest_calm_streak" in kinds) == (longest is not None)
    if longest is not None:
        assert _win(wins, "longest_calm_streak")["value"] == longest


def test_no_current_streak_when_the_latest_week_had_a_major_trigger():
    trig = _triggers([*CALM_TRIGGERS, ("A", "2025-02-25 10:00", 9)])  # week 7
    wins = milestones.small_wins(_weekly_checkins([5] * 8), trig)
    assert "weeks_without_major_trigger" not in set(wins["kind"])
    assert _win(wins, "longest_calm_streak")["value"] == 3


def test_as_of_extends_the_current_streak_to_that_week():
    wins = milestones.small_wins(
        _weekly_checkins([5] * 8), _triggers(CALM_TRIGGERS), as_of="2025-03-12"
    )
    # Feb 17, 24, Mar 3, Mar 10 (the week of Mar 12): 4 weeks
    assert _win(wins, "weeks_without_major_trigger")["value"] == 4


def test_a_partner_who_stopped_logging_is_not_credited_with_the_weeks_after():
    # B checks in weeks 0-2 (Jan 6 to Jan 20) and logs one minor trigger, then stops; A goes on
    # to week 7.  B's calm streak ends at B's own last record: 3 weeks, not A's 8.
    checkins = pd.concat([_weekly_checkins([5] * 8), _weekly_checkins([5] * 3, partner="B")])
    trig = _triggers([*CALM_TRIGGERS, ("B", "2025-01-08 09:00", 2)])
    win = _win(milestones.small_wins(checkins, trig), "weeks_without_major_trigger", "B")
    assert win["value"] == 3
    assert (win["start"], win["end"]) == (pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-20"))
    # A, still logging, is unchanged (weeks 6 and 7, as above)
    assert _win(milestones.small_wins(checkins, trig), "weeks_without_major_trigger")["value"] == 2


def test_partners_without_triggers_and_calls_without_triggers_get_no_trigger_wins():
    checkins = pd.concat([_weekly_checkins([5] * 8), _weekly_checkins([5] * 8, partner="B")])
    wins = milestones.small_wins(checkins, _triggers(CALM_TRIGGERS))
    assert set(wins.loc[wins["partner"] == "B", "kind"]) == {"best_week"}
    assert set(milestones.small_wins(checkins)["kind"]) == {"best_week"}


@pytest.mark.parametrize(
    ("scores", "min_weeks", "week", "value"),
    [
        # trailing 4-week means: w2 (5+6+7)/3=6, w3 (5+6+7+8)/4=6.5, w4 (6+7+8+8)/4=7.25
        ([5, 6, 7, 8, 8, 9], 3, 4, 7.25),
        # w0 = 8 but only 1 weekly score; w1 5; w2 19/3; w3 (8+2+9+9)/4 = 7.0
        ([8, 2, 9, 9], 3, 3, 7.0),
        ([8, 2, 9, 9], 1, 0, 8.0),
        # a missed week 2: w3's window holds weeks 0, 1, 3 = 3 scores, mean 7
        ([7, 7, None, 7, 7], 3, 3, 7.0),
    ],
)
def test_first_good_month_is_the_first_four_week_mean_at_the_good_level(
    scores, min_weeks, week, value
):
    wins = milestones.small_wins(_weekly_checkins(scores), None, min_weeks=min_weeks)
    win = _win(wins, "first_good_month")
    assert win["date"] == win["end"] == MONDAY + pd.Timedelta(weeks=week)
    # the first week with a score in the window, not a week before the first check-in
    assert win["start"] == MONDAY + pd.Timedelta(weeks=max(week - 3, 0))
    assert win["value"] == pytest.approx(value)


@pytest.mark.parametrize(
    ("scores", "min_weeks", "words"),
    [
        # one score in the window, the three weeks before it not logged at all
        ([8, 2, 9, 9], 1, "averaged 8.0 over 1 weekly score, in the week of 6 January 2025 ("),
        # a missed week inside the window: 3 scores, not 4
        ([7, 7, None, 7, 7], 3, "averaged 7.0 over 3 weekly scores in the 4 weeks from the week "
         "of 6 January 2025 to the week of 27 January 2025 (1 week without a check-in)"),
        # (6 + 7 + 8 + 8) / 4 = 7.25: a half, printed away from zero as the pages do
        ([5, 6, 7, 8, 8, 9], 3, "averaged 7.3 over the 4 weeks from the week of 13 January 2025 "
         "to the week of 3 February 2025 ("),
    ],
)  # fmt: skip
def test_first_good_month_counts_the_scores_behind_its_mean(scores, min_weeks, words):
    wins = milestones.small_wins(_weekly_checkins(scores), None, min_weeks=min_weeks)
    assert words in _win(wins, "first_good_month")["evidence"]


def test_first_good_month_names_only_the_weeks_its_mean_is_over():
    # reviewer's case: thirty weekly 10s from Monday 3 June 2024.  The first window with 3
    # scores ends on 17 June; the week of 27 May, before the first check-in, has no score:
    # the mean is over 3 weeks (3 to 17 June), not 4 from 27 May.
    wins = milestones.small_wins(_weekly_checkins([10] * 30, start=pd.Timestamp("2024-06-03")))
    win = _win(wins, "first_good_month")
    assert (win["start"], win["end"]) == (pd.Timestamp("2024-06-03"), pd.Timestamp("2024-06-17"))
    assert (
        "averaged 10.0 over the 3 weeks from the week of 3 June 2024 to the week of "
        in (win["evidence"])
    )
    assert "27 May" not in win["evidence"] and "4 weeks" not in win["evidence"]


def test_first_good_month_reached_on_a_missed_week_ends_on_the_last_score():
    # window 4: week 3's window (2, 8, 8, 8) averages 6.5; week 4 has no check-in and its
    # window holds weeks 1-3 (8, 8, 8): the mean is over weeks 1 to 3, so those are named
    wins = milestones.small_wins(_weekly_checkins([2, 8, 8, 8, None, 5]), None)
    win = _win(wins, "first_good_month")
    assert win["value"] == 8.0
    assert (win["start"], win["end"], win["date"]) == (
        MONDAY + pd.Timedelta(weeks=1), MONDAY + pd.Timedelta(weeks=3),
        MONDAY + pd.Timedelta(weeks=3),
    )  # fmt: skip
    assert (
        "over the 3 weeks from the week of 13 January 2025 to the week of 27 January"
        in (win["evidence"])
    )


@pytest.mark.parametrize("good_level", [schemas.GOOD_LEVEL, 9])
def test_no_first_good_month_below_the_good_level(good_level):
    wins = milestones.small_wins(_weekly_checkins([6, 6, 7, 6, 6]), good_level=good_level)
    assert "first_good_month" not in set(wins["kind"])


def test_best_week_averages_the_week_and_reports_the_latest_of_ties():
    checkins = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": d, "connection": s}
            for d, s in [("2025-01-06", 6), ("2025-01-09", 9),  # week 0: 7.5
                         ("2025-01-13", 8), ("2025-01-20", 8), ("2025-01-27", 3)]
        ],
    )  # fmt: skip
    win = _win(milestones.small_wins(checkins), "best_week")
    assert win["value"] == 8.0
    assert win["date"] == pd.Timestamp("2025-01-20")
    assert win["evidence"] == (
        "A's best week so far: a connection score of 8.0, last reached in the week of "
        "20 January 2025 (2 times so far)."
    )


def test_when_the_current_streak_is_the_longest_it_says_so_in_one_row():
    trig = _triggers([("A", "2025-01-07 10:00", 9)])  # week 0; weeks 1..7 calm
    # the streak's wording alone: A's only trigger is 42 days before the streak's last week,
    # which small_wins' default (stopped_days, not logging is not a win) would drop
    wins = milestones.small_wins(_weekly_checkins([5] * 8), trig, stopped_days=None)
    assert "longest_calm_streak" not in set(wins["kind"])
    assert _win(wins, "weeks_without_major_trigger")["evidence"].endswith(
        "since the week of 13 January 2025; their longest stretch so far."
    )


def test_a_current_streak_as_long_as_the_longest_before_says_it_is_as_long():
    # couple-01: "gone 20 weeks ... since 13 January" beside "longest: 20 weeks ... to 30 Dec"
    trig = _triggers([("A", "2025-01-07 10:00", 9), ("A", "2025-02-04 10:00", 9)])
    wins = milestones.small_wins(_weekly_checkins([5] * 8), trig)  # weeks 1-3 and 5-7 calm
    longest = _win(wins, "longest_calm_streak")
    current = _win(wins, "weeks_without_major_trigger")
    assert longest["value"] == current["value"] == 3
    assert longest["start"] == pd.Timestamp("2025-01-13") and longest["end"] == pd.Timestamp(
        "2025-01-27"
    )
    assert current["evidence"] == (
        "A has gone 3 weeks without a major trigger (intensity 7 or more), since the week of "
        "10 February 2025; as long as their longest stretch before."
    )


def test_small_wins_columns_and_order_are_fixed_and_the_input_is_untouched():
    checkins, triggers = _weekly_checkins([5, 6, 7, 8, 8, 9, 9, 9]), _triggers(CALM_TRIGGERS)
    before = checkins.copy(), triggers.copy()
    wins = milestones.small_wins(checkins, triggers)
    assert tuple(wins.columns) == milestones.SMALL_WIN_COLUMNS
    assert list(wins["kind"]) == list(milestones.SMALL_WIN_KINDS)
    pd.testing.assert_frame_equal(checkins, before[0])
    pd.testing.assert_frame_equal(triggers, before[1])


def test_small_wins_of_empty_logs_is_an_empty_frame_with_the_columns():
    wins = milestones.small_wins(as_table("checkins", []), as_table("triggers", []))
    assert wins.empty and tuple(wins.columns) == milestones.SMALL_WIN_COLUMNS
    assert wins["date"].dtype == "datetime64[ns]" and wins["value"].dtype == "float64"


def test_small_wins_are_found_for_several_couples_at_once():
    one = _weekly_checkins([5, 6, 7, 8, 8, 9])
    both = pd.concat([one, one.assign(couple_id="c2")], ignore_index=True)
    wins = milestones.small_wins(both)
    c1 = wins.loc[wins["couple_id"] == "c1"].drop(columns="couple_id").reset_index(drop=True)
    c2 = wins.loc[wins["couple_id"] == "c2"].drop(columns="couple_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(c1, c2)


@pytest.mark.parametrize(
    ("option", "value"),
    [("measure", "mood"), ("window", 0), ("min_weeks", 5), ("good_level", -1)],
)
def test_small_wins_bad_options_are_sentences(option, value):
    with pytest.raises(ValueError, match=rf"The value for `{option}` must be"):
        milestones.small_wins(_weekly_checkins([5]), **{option: value})


# --------------------------------------------------------------------------------------------
# Red flags
# --------------------------------------------------------------------------------------------

EMPTY = as_table("checkins", [])


def _flags(frame: pd.DataFrame) -> list[str]:
    return frame["flag"].tolist()


def test_an_abuse_event_always_gives_the_safety_flag_first():
    # worse after six months (see below) + new information + abuse dated last
    checkins = _weekly_checkins([6] * 4 + [6] * 20 + [4] * 4)
    events = _events([("2025-01-01", "discovery"), ("2025-03-01", "new_information"),
                      ("2025-09-01", "abuse")])  # fmt: skip
    flags = milestones.red_flags(checkins, events=events)
    assert flags.loc[0, "flag"] == "abuse" and flags.loc[0, "severity"] == "safety"
    assert flags.loc[0, "message"] == milestones.SAFETY_TEXT
    assert set(flags["flag"]) == {"abuse", "new_information", "worse_after_6_months"}
    assert list(flags["severity"]) == sorted(flags["severity"], key=milestones.SEVERITIES.index)


@pytest.mark.parametrize("kind", ["repeat_betrayal", "new_information"])
@pytest.mark.parametrize(
    ("anchor", "date", "flagged"),
    [
        ("2025-01-01", "2025-03-01", True),  # during the recovery
        ("2025-01-01", "2025-01-01", True),  # on the day of the discovery
        ("2025-01-01", "2024-06-01", False),  # history from before the discovery
        (None, "2024-06-01", True),  # no anchor event: every such event counts
    ],
)
def test_recovery_events_are_flagged_on_or_after_the_anchor(kind, anchor, date, flagged):
    rows = [(date, kind)] + ([(anchor, "discovery")] if anchor else [])
    flags = milestones.red_flags(EMPTY, events=_events(rows))
    assert _flags(flags) == ([kind] if flagged else [])
    if flagged:
        assert flags.loc[0, "severity"] == "raise"
        assert flags.loc[0, "date"] == pd.Timestamp(date)


def test_the_discovery_is_preferred_over_an_earlier_disclosure_as_anchor():
    events = _events([("2024-01-01", "disclosure"), ("2025-01-01", "discovery"),
                      ("2024-06-01", "repeat_betrayal")])  # fmt: skip
    assert _flags(milestones.red_flags(EMPTY, events=events)) == []


def test_event_flags_say_how_long_after_the_discovery():
    events = _events([("2025-01-01", "discovery"), ("2025-02-12", "repeat_betrayal")])
    (evidence,) = milestones.red_flags(EMPTY, events=events)["evidence"]
    # 42 days = 6 weeks
    assert (
        evidence
        == "A repeat betrayal was recorded on 12 February 2025, 6 weeks after the discovery."
    )


def test_event_flags_name_the_disclosure_when_it_is_the_anchor():
    # couple-04's page said "after the discovery or disclosure" of its disclosure
    events = _events([("2025-01-01", "disclosure"), ("2025-02-12", "repeat_betrayal")])
    (evidence,) = milestones.red_flags(EMPTY, events=events)["evidence"]
    assert evidence.endswith(", 6 weeks after the disclosure.")
    events = _events([("2024-01-01", "disclosure"), ("2024-03-01", "discovery"),
                      ("2024-04-12", "new_information")])  # fmt: skip
    (evidence,) = milestones.red_flags(EMPTY, events=events)["evidence"]
    assert evidence.endswith(", 6 weeks after the discovery.")  # the discovery is the anchor


@pytest.mark.parametrize(
    ("days_after", "words"), [(3, "0 weeks after"), (7, "1 week after"), (14, "2 weeks after")]
)
def test_weeks_after_the_discovery_agree_in_number(days_after, words):
    when = (pd.Timestamp("2025-01-01") + pd.Timedelta(days=days_after)).strftime("%Y-%m-%d")
    events = _events([("2025-01-01", "discovery"), (when, "new_information")])
    (evidence,) = milestones.red_flags(EMPTY, events=events)["evidence"]
    assert f", {words} the discovery." in evidence


# every date an evidence sentence holds reads as the pages write dates: "6 January 2025"
_ISO_OR_NUMERIC = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}")
_PAGE_DATE = re.compile(
    r"\b([1-9]|[12]\d|3[01]) (January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{4}\b"
)


def _dates_of_every_kind():
    scores = [3, 4, 5, 8, 8, 8, 9, 8, 4, 3] + [2] * 30 + [None] * 3 + [2] * 20
    ci = pd.concat(
        [_weekly_checkins(scores), _weekly_checkins([8] * 30 + [2] * 33, partner="B")],
        ignore_index=True,
    )
    trig = _triggers([*CALM_TRIGGERS, ("B", "2025-03-03 10:00", 9)])
    ev = _events([("2025-01-01", "discovery"), ("2025-02-12", "repeat_betrayal"),
                  ("2025-04-01", "new_information"), ("2025-05-01", "abuse")])  # fmt: skip
    wins = milestones.small_wins(ci, trig)
    flags = milestones.red_flags(ci, trig, ev)
    return pd.concat([wins[["date", "evidence"]], flags[["date", "evidence"]]], ignore_index=True)


def test_every_date_in_evidence_reads_as_the_pages_write_it():
    rows = _dates_of_every_kind()
    assert len(rows) >= 6
    dated = 0
    for text in rows["evidence"]:
        assert not _ISO_OR_NUMERIC.search(text), text
        dated += bool(_PAGE_DATE.search(text))
    assert dated >= 5


def test_evidence_dates_are_the_pages_and_the_charts_own_words():
    from trustdata import _words, charts, report, trends

    stamp = pd.Timestamp("2025-03-01")
    events = _events([("2025-01-01", "discovery"), ("2025-03-01", "new_information")])
    (evidence,) = milestones.red_flags(EMPTY, events=events)["evidence"]
    assert report.day(stamp) == _words.day(stamp) == "1 March 2025"
    assert f"came out on {report.day(stamp)}," in evidence
    trend = trends.weekly_trend(_weekly_checkins([5, 6, 7, 6, 5, 6, 7, 8, 9]))
    fig = charts.plot_trend(trend, events=events)
    (marks,) = [t for t in fig.data if t.meta and t.meta.get("part") == "events"]
    assert report.day(stamp) in [str(v) for v in marks.customdata[:, 1]]


@pytest.mark.parametrize(
    ("six_months", "flagged"),
    [
        ([4, 5, 4, 5], True),  # 6.0 -> 4.5: 1.5 points lower
        ([5, 5, 5, 5], True),  # exactly min_drop = 1.0 lower
        ([5, 6, 5, 6], False),  # only 0.5 lower
        ([8, 8, 8, 8], False),  # better
    ],
)
def test_worse_after_6_months_compares_the_first_month_with_weeks_24_to_27(six_months, flagged):
    # weeks 0-3: 6 (mean 6.0); weeks 4-23: 7; weeks 24-27 (around 26 weeks = 6 months)
    checkins = _weekly_checkins([6] * 4 + [7] * 20 + six_months)
    six_month_score = np.mean(six_months)
    flags = milestones.red_flags(checkins)
    assert _flags(flags) == (["worse_after_6_months"] if flagged else [])
    if flagged:
        row = flags.iloc[0]
        assert row["partner"] == "A" and row["severity"] == "raise"
        assert row["date"] == MONDAY + pd.Timedelta(weeks=27)
        assert f"6.00 in the first 4 weeks, {six_month_score:.2f} in weeks 25-28" in row["evidence"]


def test_worse_after_6_months_ends_and_drop_agree_as_printed():
    # first month 6, 6, 5, 6 = 5.75; weeks 24-27: 4, 5, 4, 5 = 4.5; 1.25 lower.  One decimal
    # would read "5.8 ... 4.5 ..., 1.2 points lower" (5.8 - 4.5 is 1.3): two decimals agree
    flags = milestones.red_flags(_weekly_checkins([6, 6, 5, 6] + [7] * 20 + [4, 5, 4, 5]))
    (evidence,) = flags.loc[flags["flag"] == "worse_after_6_months", "evidence"]
    assert "score 5.75 in the first 4 weeks, 4.50 in weeks 25-28" in evidence
    assert evidence.endswith(", 1.25 points lower.")


def test_every_number_of_points_in_the_red_flags_has_the_same_decimals():
    # first 4 weeks 5, 6, 5, 6 = 5.5, latest 6, 6, 6, 6 = 6.0: round means, and a reliable
    # change of a few hundredths.  It read "from 5.5 ... to 6.0 (0.5 points; a reliable change
    # needs more than 1.83 points" beside another row's "from 4.50 ... to 5.75 (1.25 points"
    weeks = [5 + i % 2 for i in range(50)] + [6, 6, 6, 6]
    flags = milestones.red_flags(_weekly_checkins(weeks))
    (evidence,) = flags.loc[flags["flag"].str.startswith("no_reliable"), "evidence"]
    assert "went from 5.50 in the first 4 weeks to 6.00 in the latest 4 (0.50 points;" in evidence
    points = re.findall(r"(-?\d+(?:\.\d+)?) points", evidence)
    assert len(points) >= 3 and all(re.fullmatch(r"-?\d+\.\d\d", x) for x in points), points
    assert re.search(r"Reliable Change Index -?\d+\.\d\d;", evidence)


def test_the_mean_gap_of_diverging_partners_has_the_decimals_of_every_other_point():
    # A stays at 9, B falls 9, 8, ..., 2: gaps 0, 1, ..., 7, a mean of 3.5 (it read "3.5 points")
    a = _weekly_checkins([9] * 8)
    b = _weekly_checkins([9, 8, 7, 6, 5, 4, 3, 2], partner="B")
    flags = milestones.red_flags(pd.concat([a, b], ignore_index=True))
    (evidence,) = flags.loc[flags["flag"] == "diverging_partners", "evidence"]
    assert evidence.endswith("the mean gap was 3.50 points.")


def _printed_differences(evidence: str) -> list[tuple[float, float, float, bool]]:
    """(first, second, difference, "about"?) as printed in a red flag's sentence with two means."""
    found = []
    went = re.search(
        r"went from (-?[\d.]+) in .*? to (-?[\d.]+) in .*?\((about )?(-?[\d.]+) points", evidence
    )
    if went:
        found.append((float(went[1]), float(went[2]), float(went[4]), went[3] is not None))
    lower = re.search(
        r"score (-?[\d.]+) in the first .*?, (-?[\d.]+) in weeks .*?, ([\d.]+) points lower",
        evidence,
    )
    if lower:
        found.append((float(lower[2]), float(lower[1]), float(lower[3]), False))
    return found


def test_no_reliable_improvement_ends_and_change_agree_as_printed():
    # first 4 weeks 4, 5, 4, 5 = 4.50, latest 5, 6, 6, 6 = 5.75: a rise of 1.25, not reliable.
    # It read "from 4.5 ... to 5.8 (1.25 points" (couple-02 B of data/sample)
    flags = milestones.red_flags(_weekly_checkins([4 + i % 2 for i in range(50)] + [5, 6, 6, 6]))
    (evidence,) = flags.loc[flags["flag"].str.startswith("no_reliable"), "evidence"]
    assert "went from 4.50 in the first 4 weeks to 5.75 in the latest 4 (1.25 points;" in evidence
    ((a, b, d, about),) = _printed_differences(evidence)
    assert not about and round(b - a, 2) == d


def test_the_sample_red_flags_print_ends_and_differences_that_agree():
    from pathlib import Path

    import trustdata

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
    if not sample.exists():
        pytest.skip("data/sample not generated")
    logs = trustdata.load(sample)
    flags = milestones.red_flags(logs.checkins, logs.triggers, logs.events)
    checked = 0
    for evidence in flags["evidence"]:
        for a, b, d, about in _printed_differences(evidence):
            assert about or abs((b - a) - d) < 1e-9, evidence
            checked += 1
    assert checked >= 3  # couple-02 A and B, couple-04's flags


def test_worse_after_6_months_needs_two_scores_in_each_window():
    scores = [6] * 4 + [7] * 20 + [4, None, None, None]
    assert _flags(milestones.red_flags(_weekly_checkins(scores))) == []


def _long_logs(n_weeks: int, latest: float, *, flat: bool = False) -> pd.DataFrame:
    # alternating 4, 5 (first-4 mean 4.5), then four last weeks with mean `latest` (4.5 as 4, 5,
    # 4, 5); flat: 4 every week but the last four
    last = [4, 5, 4, 5] if latest == 4.5 else [int(latest)] * 4
    scores = [4 if flat else 4 + i % 2 for i in range(n_weeks - 4)] + last
    return _weekly_checkins(scores)


@pytest.mark.parametrize(
    ("n_weeks", "latest", "expected", "severity"),
    [
        # 54 weekly check-ins span 53 weeks = 371 days >= 12 months (365.25 days).
        # latest 4.5: no change at all -> flagged
        (54, 4.5, "no_reliable_improvement_12m", "watch"),
        # latest 8: a rise of 3.5 points, error about 0.74 (the semivariogram's sill, as in
        # test_rci_in_the_evidence_matches_the_jacobson_truax_formula): RCI 3.35 -> not
        (54, 8.0, None, None),
        # 5.0: RCI = 0.5 / (sqrt(2) * 0.68) = 0.52 -> flagged (a rise, but not a reliable one)
        (54, 5.0, "no_reliable_improvement_12m", "watch"),
        # 52 check-ins span 357 days < 12 months -> not evaluated
        (52, 4.5, None, None),
        # 106 check-ins span 735 days >= 24 months (730.5 days): the 24-month flag only
        (106, 4.5, "no_reliable_improvement_24m", "raise"),
    ],
)
def test_no_reliable_improvement_after_12_and_24_months(n_weeks, latest, expected, severity):
    flags = milestones.red_flags(_long_logs(n_weeks, latest))
    flags = flags.loc[flags["flag"].str.startswith("no_reliable")]
    assert _flags(flags) == ([expected] if expected else [])
    if expected:
        assert flags.iloc[0]["severity"] == severity
        assert "Reliable Change Index" in flags.iloc[0]["evidence"]


@pytest.mark.parametrize(("latest", "flat"), [(4.5, False), (4.0, True)])
def test_no_reliable_improvement_never_prints_a_zero_or_signed_zero_slope(latest, flat):
    # alternating 4, 5 for a year (a slope of a few thousandths), or 4 every week (exactly 0):
    # both round to 0.00 at two decimals, which read "slope -0.00 / 0.00 points a month"
    flags = milestones.red_flags(_long_logs(54, latest, flat=flat))
    (evidence,) = flags.loc[flags["flag"].str.startswith("no_reliable"), "evidence"]
    assert "0.00 points a month" not in evidence
    assert "slope about flat (under 0.01 points a month either way)" in evidence


def test_the_sample_flat_partner_reads_about_flat():
    # couple-04 B of data/sample: its no-improvement flag printed "slope -0.00 points a month"
    from pathlib import Path

    import trustdata

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
    if not sample.exists():
        pytest.skip("data/sample not generated")
    logs = trustdata.load(sample)
    flags = milestones.red_flags(logs.checkins, logs.triggers, logs.events)
    for evidence in flags["evidence"]:
        assert not re.search(r"-0\.0+\b(?!\d)", evidence), evidence
        assert "0.00 points a month" not in evidence, evidence
    b = flags.loc[(flags["couple_id"] == "couple-04") & (flags["partner"] == "B")]
    (evidence,) = b.loc[b["flag"].str.startswith("no_reliable"), "evidence"]
    assert "slope about flat" in evidence


@pytest.mark.parametrize(("latest", "flagged"), [(4.0, True), (3.0, True), (5.0, False)])
def test_constant_first_weeks_still_give_a_verdict(latest, flagged):
    # 4 every week: the error is the rounding floor sqrt(1/12) = 0.29, so a reliable change
    # needs 1.96 * sqrt(2) * 0.29 = 0.80 points: a rise to 5 is one, 4 and 3 are not rises
    flags = milestones.red_flags(_long_logs(54, latest, flat=True))
    got = flags.loc[flags["flag"].str.startswith("no_reliable"), "evidence"].tolist()
    assert len(got) == int(flagged)
    if flagged:
        assert "ups and downs are about 0.29 points" in got[0]
        assert "needs more than 0.80 points" in got[0]


def test_the_sample_no_improvement_couple_is_flagged():
    # couple-02 of data/sample is planted as "no improvement" (0.07 points a month, 17 months)
    from pathlib import Path

    import trustdata

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
    if not sample.exists():
        pytest.skip("data/sample not generated")
    logs = trustdata.load(sample)
    flags = milestones.red_flags(logs.checkins, logs.triggers, logs.events)
    hit = flags[
        (flags["couple_id"] == "couple-02") & (flags["flag"] == "no_reliable_improvement_12m")
    ]
    assert sorted(hit["partner"]) == ["A", "B"]
    rising = flags[(flags["couple_id"] == "couple-01") & flags["flag"].str.startswith("no_rel")]
    assert "A" not in rising["partner"].tolist()


def test_rci_in_the_evidence_matches_the_jacobson_truax_formula():
    flags = milestones.red_flags(_long_logs(54, 5.0))
    # Jacobson & Truax (1991) with the within-person error, the sill of the semivariogram
    # (docs/verdicts.md, step 2), by hand: scores 4, 5, 4, 5, ... (50 weeks) then 5, 5, 5, 5.
    # The week-to-week steps, less the straight line's share b a week: 49 of +-1 and 4 of 0,
    # g(1) = mean((d - b)^2) / 2; at two weeks 51 steps of 0 and one of 1, so g(2) < g(1),
    # rho = 0 and error = sqrt(1/12 + g(1) - 1/12) = sqrt(g(1)).
    # RCI = (5.0 - 4.5) / (sqrt(2) * error) = 0.52.
    scores = np.array([4 + i % 2 for i in range(50)] + [5] * 4, dtype=float)
    b = np.polyfit(np.arange(54), scores, 1)[0]
    error = np.sqrt(np.mean((np.diff(scores) - b) ** 2) / 2)
    rci = 0.5 / (np.sqrt(2) * error)
    assert f"{rci:.2f}" == "0.52"
    assert f"Reliable Change Index {rci:.2f}" in flags.iloc[0]["evidence"]
    assert f"ups and downs are about {error:.2f} points" in flags.iloc[0]["evidence"]


def _pair(b_scores) -> pd.DataFrame:
    a = _weekly_checkins([9] * len(b_scores))
    b = _weekly_checkins(b_scores, partner="B")
    return pd.concat([a, b], ignore_index=True)


@pytest.mark.parametrize(
    ("b_scores", "flagged"),
    [
        ([9, 8, 7, 6, 5, 4, 3, 2], True),  # A stays at 9: the gap grows 0, 1, ..., 7
        ([9, 8, 9, 7, 9, 8, 9, 7, 9, 8], False),  # the gap comes and goes
        ([9, 7, 5, 3, 1], False),  # growing, but fewer than 6 shared weeks
    ],
)
def test_diverging_partners_is_a_couple_level_watch_flag(b_scores, flagged):
    flags = milestones.red_flags(_pair(b_scores))
    flags = flags.loc[flags["flag"] == "diverging_partners"]
    assert len(flags) == int(flagged)
    if flagged:
        row = flags.iloc[0]
        assert pd.isna(row["partner"]) and row["severity"] == "watch"
        assert "the gap between A's and B's connection scores grew" in row["evidence"]


def test_diverging_partners_evidence_prints_small_p_as_the_pages_do():
    # 14 shared weeks of a steadily growing gap: Mann-Kendall p is far below 0.001
    flags = milestones.red_flags(_pair([9, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3]))
    evidence = flags.loc[flags["flag"] == "diverging_partners", "evidence"].iloc[0]
    assert "p < 0.001" in evidence
    assert "e-0" not in evidence and "p = 0.000" not in evidence


def test_red_flags_columns_are_fixed_and_empty_logs_give_none():
    flags = milestones.red_flags(EMPTY, as_table("triggers", []), as_table("events", []))
    assert flags.empty and tuple(flags.columns) == milestones.RED_FLAG_COLUMNS
    assert flags["date"].dtype == "datetime64[ns]"


def test_red_flags_do_not_modify_their_input():
    checkins = _weekly_checkins([6] * 4 + [7] * 20 + [4] * 4)
    events = _events([("2025-03-01", "abuse")])
    before = checkins.copy(), events.copy()
    milestones.red_flags(checkins, events=events)
    pd.testing.assert_frame_equal(checkins, before[0])
    pd.testing.assert_frame_equal(events, before[1])


def test_every_flag_has_a_severity_and_a_message():
    assert set(milestones.FLAG_SEVERITY) == set(milestones.FLAGS) == set(milestones.FLAG_MESSAGES)
    assert set(milestones.FLAG_SEVERITY.values()) <= set(milestones.SEVERITIES)
    assert milestones.FLAG_SEVERITY["abuse"] == "safety"


@pytest.mark.parametrize(("option", "value"), [("r", 1.0), ("measure", "x"), ("min_drop", 0)])
def test_red_flags_bad_options_are_sentences(option, value):
    with pytest.raises(ValueError, match=rf"The value for `{option}` must be"):
        milestones.red_flags(EMPTY, **{option: value})


# --------------------------------------------------------------------------------------------
# Safety notice
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [([], None), (["discovery", "repeat_betrayal"], None), (["discovery", "abuse"], ("c1",))],
)
def test_safety_notice_appears_exactly_when_abuse_was_recorded(kinds, expected):
    events = _events([("2025-01-01", k) for k in kinds])
    notice = milestones.safety_notice(events)
    if expected is None:
        assert notice is None
    else:
        assert notice.couple_ids == expected
        assert notice.title == milestones.SAFETY_TITLE
        assert notice.text.startswith("Abuse has been recorded")


def test_safety_notice_puts_emergency_first_and_fetches_nothing():
    notice = milestones.safety_notice(_events([("2025-01-01", "abuse")]))
    assert notice.resources[0].startswith("If you are in immediate danger")
    joined = " ".join(notice.resources)
    assert "1-800-799-7233" in joined and "0808 2000 247" in joined
    assert "http" not in joined and "www." not in joined
    assert "check" in notice.resources[-1]
    assert milestones.safety_notice(None) is None


# --------------------------------------------------------------------------------------------
# Many couples at once (vectorised): the same answer as one couple at a time
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    from trustdata import synth

    # seed 1: couple-03 has a planted repeat betrayal (a hard road)
    return synth.generate(couples=4, seed=1, months=(12, 14), text=False)


@pytest.mark.parametrize("analysis", ["small_wins", "red_flags"])
def test_all_couples_at_once_equal_each_couple_alone(synthetic, analysis):
    def run(logs):
        if analysis == "red_flags":
            return milestones.red_flags(logs.checkins, logs.triggers, logs.events)
        return milestones.small_wins(logs.checkins, logs.triggers)

    logs = synthetic.logs
    together = run(logs)
    alone = [run(logs.couple(c)) for c in logs.couple_ids]
    assert together["couple_id"].nunique() >= 2  # several couples really are in play
    key = ["couple_id", "flag" if analysis == "red_flags" else "kind", "partner", "date"]
    expected = pd.concat(alone, ignore_index=True).sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(together.sort_values(key, ignore_index=True), expected)


def test_planted_repeat_betrayals_are_flagged(synthetic):
    logs, params = synthetic.logs, synthetic.params
    flags = milestones.red_flags(logs.checkins, logs.triggers, logs.events)
    planted = set(params.loc[params["hard_road_kind"] == "repeat_betrayal", "couple_id"])
    flagged = set(flags.loc[flags["flag"] == "repeat_betrayal", "couple_id"])
    assert planted == flagged == {"couple-03"}


# --------------------------------------------------------------------------------------------
# Irregular logs of any shape: fixed columns, no errors
# --------------------------------------------------------------------------------------------

_day_offsets = st.lists(st.integers(0, 400), min_size=0, max_size=40, unique=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a_days=_day_offsets,
    b_days=_day_offsets,
    trigger_days=st.lists(st.tuples(st.integers(0, 420), st.integers(1, 10)), max_size=30),
    seed=st.integers(0, 2**16),
)
def test_any_irregular_logs_give_the_fixed_columns(a_days, b_days, trigger_days, seed):
    rng = np.random.default_rng(seed)
    rows = [
        {"couple_id": "c1", "partner": p, "date": MONDAY + pd.Timedelta(days=d),
         "connection": int(rng.integers(1, 11))}
        for p, days in (("A", a_days), ("B", b_days))
        for d in days
    ]  # fmt: skip
    checkins = as_table("checkins", rows) if rows else as_table("checkins", [])
    triggers = _triggers(
        [("A", MONDAY + pd.Timedelta(days=d, hours=20), i) for d, i in trigger_days]
    )
    wins = milestones.small_wins(checkins, triggers)
    flags = milestones.red_flags(checkins, triggers)
    assert tuple(wins.columns) == milestones.SMALL_WIN_COLUMNS
    assert tuple(flags.columns) == milestones.RED_FLAG_COLUMNS
    assert set(wins["kind"]) <= set(milestones.SMALL_WIN_KINDS)
    assert set(flags["flag"]) <= set(milestones.FLAGS)
    assert wins["evidence"].str.len().gt(0).all()
    streak = wins.loc[wins["kind"] != "first_good_month"]
    assert (streak["start"] <= streak["end"]).all()
    # triggers alone (no check-ins) still give the trigger-based wins
    if trigger_days:
        alone = milestones.small_wins(as_table("checkins", []), triggers)
        assert set(alone["kind"]) <= {"weeks_without_major_trigger", "longest_calm_streak"}


def test_reference_sd_sets_the_error_of_the_no_improvement_flag():
    # a rise of 0.5 points: with a reference SD of 0.2 and r = 0.8 (error 0.089, a reliable
    # change needs 0.25 points) it is a reliable improvement: no flag; without it, a flag
    logs = _long_logs(54, 5.0)
    flags = milestones.red_flags(logs)
    assert "no_reliable_improvement_12m" in flags["flag"].tolist()
    flags = milestones.red_flags(logs, reference_sd=0.2, r=0.8)
    assert "no_reliable_improvement_12m" not in flags["flag"].tolist()

"""trustdata.review: one review of a couple, the rules that live in it, and its values."""

from __future__ import annotations

import pandas as pd
import pytest

from trustdata import review as rv
from trustdata.logs import Logs, as_table


def _weekly(partner: str, scores: list[int], *, start: str = "2025-01-06", **extra) -> list[dict]:
    days = pd.date_range(start, periods=len(scores), freq="7D")
    return [
        {"couple_id": "c1", "partner": partner, "date": d, "connection": s, **extra}
        for d, s in zip(days, scores, strict=True)
    ]


@pytest.fixture(scope="module")
def sample():
    from test_report import make_logs  # tests/ is on sys.path

    return make_logs()


def test_review_holds_the_couple_and_its_frames(sample):
    before = sample.checkins.copy()
    r = rv.review(sample, "couple-01", today="2026-01-05")
    pd.testing.assert_frame_equal(sample.checkins, before)  # input not modified
    assert r.partners == ("A", "B") and r.names == {"A": "A", "B": "B"}
    assert r.roles == {"A": "hurt", "B": "involved"}
    assert r.measures == ("connection", "trust")
    assert r.generated == pd.Timestamp("2026-01-05")
    assert r.n_checkins == 60 and r.n_events == 4
    assert set(r.trend_verdicts["partner"]) == {"A", "B"}
    assert set(r.trend_verdicts["measure"]) == {"connection", "trust"}
    # the summaries are the analyses' own (no second computation)
    from trustdata import trends

    pd.testing.assert_frame_equal(r.summaries["connection"], trends.trend_summary(sample.checkins))


def test_unknown_couple_and_bad_since_are_sentences(sample):
    with pytest.raises(ValueError, match="No couple 'nobody'"):
        rv.review(sample, "nobody")
    with pytest.raises(ValueError, match="`since` must be a date"):
        rv.review(sample, "couple-01", since="next week")


def test_default_since_is_four_weeks_before_the_latest_record(sample):
    r = rv.review(sample, "couple-01")
    tables = (sample.checkins["date"], sample.triggers["timestamp"], sample.events["date"])
    last = max(t.max() for t in tables)
    assert r.since == (last - pd.Timedelta(days=28)).normalize()
    assert r.since_given is False
    assert rv.review(sample, "couple-01", since="2025-06-01").since_given is True


@pytest.mark.parametrize(("weeks", "short"), [(7, True), (8, False)])
def test_too_short_is_a_span_under_seven_weeks(weeks, short):
    # check-ins on weeks 0..weeks-1: a span of 7 * (weeks - 1) days (42 days: short; 49: not)
    ci = as_table("checkins", _weekly("A", [5] * weeks))
    r = rv.review(Logs(checkins=ci), "c1")
    assert bool(r.trend_verdicts["too_short"].iloc[0]) is short
    assert (r.trend_verdicts["verdict"].iloc[0] == "too_short") is short
    assert r.trend_verdicts["mean_all"].iloc[0] == 5.0


@pytest.mark.parametrize(("gap_days", "stopped"), [(28, False), (29, True)])
def test_a_partner_stopped_checking_in_after_more_than_four_weeks(gap_days, stopped):
    rows = _weekly("A", [5] * 10)
    last_a = rows[-1]["date"]
    rows.append(
        {"couple_id": "c1", "partner": "B", "date": last_a - pd.Timedelta(days=gap_days),
         "connection": 4}
    )  # fmt: skip
    r = rv.review(Logs(checkins=as_table("checkins", rows)), "c1")
    assert (r.stopped["partner"].tolist() == ["B"]) is stopped
    if stopped:
        assert r.stopped["last_checkin"].iloc[0] == last_a - pd.Timedelta(days=gap_days)
        assert r.stopped["weeks_before_latest"].iloc[0] == gap_days // 7


def _news_logs(*, abuse: bool = False) -> Logs:
    # A: 7 for 20 weeks; a repeat betrayal on week 10; A falls to 2 for 3 weeks, then back
    scores = [7] * 10 + [2, 2, 2] + [7] * 10
    ci = as_table("checkins", _weekly("A", scores) + _weekly("B", [6] * 23))
    start = pd.Timestamp("2025-01-06")
    ev = [
        {"couple_id": "c1", "date": start - pd.Timedelta(days=30), "kind": "new_information"},
        {"couple_id": "c1", "date": start - pd.Timedelta(days=20), "kind": "discovery"},
        {"couple_id": "c1", "date": start + pd.Timedelta(days=68), "kind": "repeat_betrayal",
         "partner": "B", "note": "again"},
        {"couple_id": "c1", "date": start + pd.Timedelta(days=14), "kind": "small_win",
         "note": "a good weekend"},
    ]  # fmt: skip
    if abuse:
        ev.append({"couple_id": "c1", "date": start + pd.Timedelta(days=100), "kind": "abuse",
                   "partner": "A", "note": "pushed me"})  # fmt: skip
    tr = [
        {"couple_id": "c1", "partner": "A", "timestamp": start + pd.Timedelta(days=d, hours=9),
         "category": "location", "intensity": 4}
        for d in range(0, 160, 9)
    ]  # fmt: skip
    # B logs two mild triggers in the first week, then none (but keeps checking in)
    tr += [
        {"couple_id": "c1", "partner": "B", "timestamp": start + pd.Timedelta(days=d, hours=9),
         "category": "media", "intensity": 3}
        for d in (1, 3)
    ]  # fmt: skip
    return Logs(checkins=ci, events=as_table("events", ev), triggers=as_table("triggers", tr))


def test_hard_news_during_the_recovery_and_what_counts_since_then():
    r = rv.review(_news_logs(), "c1")
    # new_information before the discovery is not "during the recovery"
    assert r.hard_news["kind"].tolist() == ["repeat_betrayal"]
    assert r.latest_hard_news == pd.Timestamp("2025-03-15")
    assert r.hard_news["message"].iloc[0] == rv.HARD_NEWS_MESSAGES["repeat_betrayal"]
    # the setback after the betrayal counts "since then"
    after = r.setbacks.loc[r.setbacks["start"] >= r.latest_hard_news]
    assert r.setbacks_since_hard_news == len(after)
    assert r.setbacks_since_hard_news >= 1
    # no small win from before the news: the logged one (week 2) and any earlier best week
    assert r.logged_wins.empty
    assert (r.small_wins["date"] >= r.latest_hard_news).all()


def test_abuse_is_kept_from_the_couples_frames_and_listed_for_the_therapist():
    r = rv.review(_news_logs(abuse=True), "c1")
    assert r.safety is not None
    assert "abuse" not in r.couple_events["kind"].astype(str).tolist()
    assert "abuse" not in r.setback_events["kind"].tolist()
    assert r.abuse_events[["partner", "note"]].values.tolist() == [["A", "pushed me"]]
    assert "abuse" in r.events["kind"].astype(str).tolist()
    flags = r.red_flags.set_index("flag")
    assert flags.loc["abuse", "guidance"] == rv.THERAPIST_GUIDANCE["abuse"]


def test_not_logging_is_not_a_win():
    # B logs two triggers in week one, then none for 22 weeks while checking in: the streaks'
    # weeks alone (stopped_days=None) credit B with weeks without a major trigger; the review
    # does not (no trigger logged in the span: the weeks may be weeks without logging)
    r = rv.review(_news_logs(), "c1")
    streaks = r.small_wins.loc[
        r.small_wins["kind"].isin(["weeks_without_major_trigger", "longest_calm_streak"])
    ]
    assert "B" not in set(streaks["partner"])
    from trustdata import milestones

    raw = milestones.small_wins(r.logs.checkins, r.logs.triggers, stopped_days=None)
    assert "B" in set(raw.loc[raw["kind"] == "weeks_without_major_trigger", "partner"])
    # the rule is small_wins' own default, the review reads it (so does the cohort pipeline)
    ruled = milestones.small_wins(r.logs.checkins, r.logs.triggers)
    assert "B" not in set(ruled.loc[ruled["kind"].isin(milestones.STREAK_KINDS), "partner"])


def test_what_changed_since_keeps_a_setback_that_spans_the_date():
    r0 = rv.review(_news_logs(), "c1")
    sb = r0.setbacks.loc[r0.setbacks["partner"] == "A"].iloc[0]
    inside = sb["start"] + pd.Timedelta(days=7)
    assert sb["recovered"] and sb["end"] > inside  # ended after the date, started before
    r = rv.review(_news_logs(), "c1", since=inside)
    assert sb["setback_id"] in r.since_setbacks["setback_id"].tolist()


def test_differences_are_those_of_the_shown_rounded_values():
    # before: 4.25 (4, 4, 5, 4 -> shown 4.3); since: 3.75 (4, 4, 3, 4 -> shown 3.8): halves
    # round away from zero, as every page prints them; the difference is the shown means'
    rows = _weekly("A", [4, 4, 5, 4, 4, 4, 3, 4])
    r = rv.review(Logs(checkins=as_table("checkins", rows)), "c1", since="2025-02-03")
    row = r.changes_since.iloc[0]
    assert row["mean_before"] == 4.25 and row["mean_since"] == 3.75
    assert row["mean_before_shown"] == 4.3 and row["mean_since_shown"] == 3.8
    assert row["difference_shown"] == pytest.approx(-0.5)


def test_answers_since_per_partner_and_who_wrote_none():
    rows = _weekly("A", [5] * 6, need="time") + _weekly("B", [5] * 6)
    r = rv.review(Logs(checkins=as_table("checkins", rows)), "c1", since="2025-01-27")
    assert r.answers_since["partner"].unique().tolist() == ["A"]
    assert r.answers_since["date"].min() == pd.Timestamp("2025-01-27")
    assert len(r.answers_since) == 3
    assert r.silent_partners == ("B",)


def test_display_names_come_from_the_couples_table():
    ci = as_table("checkins", _weekly("A", [5] * 3) + _weekly("B", [5] * 3))
    couples = as_table("couples", [{"couple_id": "c1", "name_A": " Ann  Lee ", "name_B": ""}])
    r = rv.review(Logs(checkins=ci, couples=couples), "c1")
    assert r.names == {"A": "Ann Lee", "B": "B"}  # blank: the id
    assert r.partners == ("A", "B")  # names never reorder the partners


def test_helped_keeps_the_latest_answer_per_partner_and_month():
    rows = _weekly("A", [5] * 6)
    for i, row in enumerate(rows):
        row["increased_trust"] = f"walk {i}"
    r = rv.review(Logs(checkins=as_table("checkins", rows)), "c1")
    # Jan 6, 13, 20, 27 -> "walk 3"; Feb 3, 10 -> "walk 5"
    assert r.helped["text"].tolist() == ["walk 3", "walk 5"]


def test_rejected_records_are_counted(tmp_path):
    import trustdata

    (tmp_path / "checkins.csv").write_text(
        "couple_id,partner,date,connection\nc1,A,2025-01-06,5\nc1,A,2025-01-13,11\n"
        "c2,A,2025-01-06,nope\n"
    )
    logs = trustdata.load(tmp_path)
    r = rv.review(logs, "c1")
    assert r.rejected_total == 2 and r.rejected_couple == 1


@pytest.fixture(scope="module")
def sample_couples(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def sample_review(bundled_sample):
    """``rv.review(sample_couples, couple)``, made once per worker (tests/conftest.py)."""
    return bundled_sample.review


def test_couple_notes_speak_of_the_past_and_never_of_this_partner(sample_review):
    # couple-04: both partners were lower around six months in (August 2024) than at the start,
    # and are not now; the note once said "Six months in, this partner feels worse"
    r = sample_review("couple-04")
    notes = r.couple_notes.set_index(["flag", "partner"])["message"]
    for p in ("A", "B"):
        six = notes[("worse_after_6_months", p)]
        assert "this partner" not in six.lower() and "feels worse" not in six
        assert six.startswith("Around six months in, the connection score was lower")
        # the year flag rests on the connection score alone, and says so
        assert (
            "the connection score has not clearly improved"
            in notes[("no_reliable_improvement_12m", p)]
        )
    assert "was worse six months in" in rv.THERAPIST_GUIDANCE["worse_after_6_months"]


def test_the_route_of_a_verdict_is_named(sample_review):
    # couple-01: B's connection improved by the trend rule (RCI 1.78, under 1.96), A's by a
    # reliable change (RCI 3.29)
    r = sample_review("couple-01")
    v = r.trend_verdicts.set_index(["partner", "measure"])
    assert v.loc[("B", "connection"), "verdict"] == "improved"
    assert v.loc[("B", "connection"), "route"] == "trend"
    assert not v.loc[("B", "connection"), "ends_reliable"]
    assert v.loc[("A", "connection"), "route"] == "reliable_change"
    assert v.loc[("A", "connection"), "ends_reliable"]
    assert r.constants["trend_percent"] == 95


def test_no_win_rests_on_weeks_before_the_hard_news(sample_review):
    # couple-04: B's longest calm streak ran from February 2024 to the week of 8 July 2024,
    # through the repeat betrayal of 6 July 2024: its last week is after the news, but the
    # streak is not a win of the time since
    r = sample_review("couple-04")
    assert len(r.small_wins)
    assert (r.small_wins["start"] >= r.latest_hard_news).all()
    assert not (
        (r.small_wins["partner"] == "B") & (r.small_wins["kind"] == "longest_calm_streak")
    ).any()


def test_hard_news_words_do_not_repeat_the_sentence_before_them():
    # the page says "On <date>, a repeat betrayal was recorded (B)." and then the message
    for kind, said in (
        ("repeat_betrayal", "betrayal was recorded"),
        ("new_information", "information came out"),
        ("separation", "separation was recorded"),
    ):
        assert said not in rv.HARD_NEWS_MESSAGES[kind].lower()
        assert "the hurt partner" not in rv.HARD_NEWS_MESSAGES[kind]


def test_a_partner_who_never_checks_in_is_still_a_partner():
    # B logged only triggers, or is only named (by an event or a display name): the pages
    # spoke of A alone and "No red flags in these logs", as if the couple were one person
    ci = as_table("checkins", _weekly("A", [5] * 10))
    tr = as_table(
        "triggers",
        [
            {
                "couple_id": "c1",
                "partner": "B",
                "timestamp": "2025-01-08 20:00",
                "intensity": 5,
                "category": "media",
            }
        ],
    )
    r = rv.review(Logs(checkins=ci, triggers=tr), "c1")
    assert r.partners == ("A", "B") and r.no_checkins == ("B",)
    ev = as_table("events", [{"couple_id": "c1", "date": "2025-01-01", "kind": "disclosure",
                              "partner": "B"}])  # fmt: skip
    assert rv.review(Logs(checkins=ci, events=ev), "c1").no_checkins == ("B",)
    couples = as_table("couples", [{"couple_id": "c1", "name_A": "Ann", "name_B": "Bo"}])
    r = rv.review(Logs(checkins=ci, couples=couples), "c1")
    assert r.partners == ("A", "B") and r.no_checkins == ("B",) and r.name("B") == "Bo"
    blank = as_table("couples", [{"couple_id": "c1", "name_A": "Ann", "name_B": " "}])
    assert rv.review(Logs(checkins=ci, couples=blank), "c1").no_checkins == ()
    assert rv.review(Logs(checkins=ci), "c1").no_checkins == ()


def test_a_separation_after_a_fall_is_not_told_how_far_they_came():
    # A fell from 5 to 3, then a separation: the couple read "the check-ins before it still
    # tell how far you came", a claim of progress the scores do not make
    ci = as_table("checkins", _weekly("A", [5] * 8 + [3] * 8) + _weekly("B", [6] * 16))
    ev = as_table(
        "events",
        [
            {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
            {"couple_id": "c1", "date": "2025-04-01", "kind": "separation", "partner": "A"},
        ],
    )
    r = rv.review(Logs(checkins=ci, events=ev), "c1")
    assert r.trend_verdicts.set_index("partner").loc["A", "verdict"] == "deteriorated"
    (message,) = r.hard_news["message"]
    assert "how far you came" not in message and "came" not in message
    assert message.startswith("Whatever it means for the two of you")


def test_trend_points_is_the_size_the_trend_route_reads(sample_couples):
    # trend_points, worked out here from the public frames: the mean of the ends' difference
    # and the fitted line's change from the first to the latest kept week
    # (months = weeks * 7 / DAYS_PER_MONTH)
    from trustdata import schemas, trends

    for measure in ("connection", "trust"):
        summary = trends.trend_summary(sample_couples.checkins, measure=measure)
        weeks = trends.trend_weeks(sample_couples.checkins, measure=measure)
        assert "trend_points" in trends.TREND_SUMMARY_COLUMNS
        for s in summary.itertuples(index=False):
            kept = weeks.loc[
                (weeks["couple_id"] == s.couple_id)
                & (weeks["partner"] == s.partner)
                & ~weeks["set_aside"],
                "weeks_since_first",
            ]
            months = (kept.max() - kept.min()) * 7 / schemas.DAYS_PER_MONTH
            expected = (s.change_points + s.slope_per_month * months) / 2
            assert s.trend_points == pytest.approx(expected, rel=1e-12), (s.couple_id, s.partner)


def test_what_the_trend_route_lacked_is_named(sample_review):
    # couple-02 A: the slope's interval lies above 0 (0.04 to 0.12) and the RCI is 1.19 (over
    # TREND_RCI), but the change's size is 1.17 points, under 1.25; couple-03 B: above 0, RCI
    # 0.54 and 0.86 points, both short
    from trustdata import trends

    a = sample_review("couple-02").trend_verdicts.set_index(["partner", "measure"])
    row = a.loc[("A", "connection")]
    assert row["verdict"] == "no_clear_change" and row["slope_low"] > 0
    assert row["rci"] > trends.TREND_RCI
    assert row["trend_points"] == pytest.approx(1.172368, abs=1e-6)
    assert row["trend_short"] == "points"
    # an interval reaching 0: nothing was lacking that the line could name
    assert a.loc[("A", "trust"), "slope_low"] <= 0 and a.loc[("A", "trust"), "trend_short"] == ""
    b = sample_review("couple-03").trend_verdicts.set_index(["partner", "measure"])
    assert b.loc[("B", "connection"), "trend_short"] == "rci and points"
    # an improved verdict lacked nothing
    assert (b.loc[b["verdict"] == "improved", "trend_short"] == "").all()


@pytest.mark.parametrize(
    ("rci", "low", "high", "points", "short"),
    [
        (1.2, 0.04, 0.12, 1.17, "points"),
        (0.6, 0.04, 0.12, 1.40, "rci"),  # under TREND_RCI (0.75)
        (0.5, 0.02, 0.08, 0.86, "rci and points"),
        (-1.2, -0.12, -0.04, -1.10, "points"),
        (-1.2, -0.12, -0.04, 1.30, "points"),  # a size on the other side is no fall
        (1.2, -0.01, 0.12, 1.00, ""),  # the interval reaches 0
    ],
)
def test_trend_short_reads_the_direction_of_the_slope(rci, low, high, points, short):
    assert rv._trend_short("no_clear_change", rci, low, high, points) == short
    assert rv._trend_short("improved", rci, low, high, points) == ""
    # an interval at another level than the route's says nothing of the route
    assert rv._trend_short("no_clear_change", rci, low, high, points, level=0.9) == ""

"""The "what changed since" span before is named with its length, never called "the same
length" when it is longer; triggers per week when the lengths differ or the logs start inside
the span before (then per logged week); a setback in the span before is said."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import trustdata
from trustdata import report, schemas, trends
from trustdata import review as rv
from trustdata.logs import as_table


@pytest.fixture(scope="module")
def bundled(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


def _since_text(bundled_sample, since: str) -> str:
    # report.render(rv.review(bundled, "couple-03", since=since, today=...), audience=...)
    page = bundled_sample.page("couple-03", "therapist", since=since, today="2026-02-01")
    part = page[page.index('<section id="since"') :]
    section = part[: part.index("</section>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)).replace("&#39;", "'")


def test_changes_since_gives_both_lengths_and_weekly_rates(bundled):
    # couple-03's logs end on 18 January 2026: 7 days since 12 January, against the 28 before
    out = trends.changes_since(bundled.couple("couple-03"), "2026-01-12")
    schemas.ChangesSinceOutput.validate(out)
    out = out.set_index("partner")
    a = out.loc["A"]
    assert (a["days_since"], a["days_before"]) == (7, 28)
    assert a["before_start"] == pd.Timestamp("2025-12-15")
    assert (a["triggers_since"], a["triggers_before"]) == (2, 7)
    assert a["triggers_per_week_since"] == pytest.approx(2.0)
    assert a["triggers_per_week_before"] == pytest.approx(7 * 7 / 28)
    # a longer span since: the span before is exactly as long
    long = trends.changes_since(bundled.couple("couple-03"), "2025-10-01").iloc[0]
    assert long["days_since"] == long["days_before"] == 110
    assert long["since"] - long["before_start"] == pd.Timedelta(days=110)


def test_a_short_span_since_is_not_called_the_same_length(bundled_sample):
    text = _since_text(bundled_sample, "2026-01-12")
    assert "same length" not in text
    assert (
        "From 12 January 2026 to 18 January 2026 (7 days), compared with the 28 days just "
        "before (15 December 2025 to 11 January 2026): the span before is never shorter than 4 "
        "weeks" in text
    )
    assert "2 triggers since (0 major; 2.0 a week), 7 before (1.8 a week)." in text


def test_an_equal_span_is_called_the_same_length_with_its_days(bundled_sample):
    text = _since_text(bundled_sample, "2025-10-01")
    assert (
        "From 1 October 2025 to 18 January 2026 (110 days), compared with the same length of "
        "time just before (13 June 2025 to 30 September 2025)." in text
    )
    assert "a week" not in text  # equal spans: the counts compare as they are
    assert "16 triggers since (1 major), 10 before." in text


def test_a_one_day_span_reads_as_one_day(bundled_sample):
    text = _since_text(bundled_sample, "2026-01-18")
    assert "From 18 January 2026 to 18 January 2026" not in text
    assert "On 18 January 2026 (1 day), compared with the 28 days just before" in text
    assert "A span of 1 day since is too short to read much into" in text


def test_a_setback_in_the_span_before_is_listed_and_said_in_the_comparison(bundled, bundled_sample):
    # couple-04 on the default "since" (9 February 2025): the span before (11 January to 8
    # February) is A's anniversary setback (weeks of 13 January to 27 January, back near the
    # level on 3 February); the page said "vs 2.5 over 6 check-ins before, difference +2.0"
    # and listed no setback, so a return to A's usual level read as progress since the session
    r = bundled_sample.review("couple-04", today="2026-02-01")  # made once per worker
    assert r.since == pd.Timestamp("2025-02-09")
    sb = r.setbacks.set_index("setback_id").loc["couple-04/A/2"]
    assert sb["start"] == pd.Timestamp("2025-01-13") and sb["end"] == pd.Timestamp("2025-02-03")
    assert "couple-04/A/2" in r.since_setbacks["setback_id"].tolist()
    a = r.changes_since.set_index("partner").loc["A"]
    # the review counts them: A's check-ins before dated in the setback's weeks
    ci = bundled.couple("couple-04").checkins
    dates = ci.loc[(ci["partner"] == "A") & ci["connection"].notna(), "date"]
    before = dates[(dates >= a["before_start"]) & (dates < a["since"])]
    weeks = schemas.week_start(before)
    in_setback = ((weeks >= sb["start"]) & (weeks < sb["end"])).sum()
    assert (a["checkins_before"], a["checkins_before_in_setback"]) == (6, in_setback) == (6, 5)
    assert a["checkins_since_in_setback"] == 0
    b = r.changes_since.set_index("partner").loc["B"]
    assert (b["checkins_before_in_setback"], b["checkins_since_in_setback"]) == (0, 0)
    page = bundled_sample.page("couple-04", "therapist", today="2026-02-01")
    part = page[page.index('<section id="since"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</section>")]))
    assert (
        "connection 4.5 over 6 check-ins since (vs 2.5 over 6 check-ins before, 5 of them in a "
        "setback, difference +2.0)" in text
    )
    assert "Setbacks since 9 February 2025, still going on, or in the span before" in text
    assert "13 January 2025" in text
    # B had no setback then: their comparison says none
    assert "(vs 6.8 over 4 check-ins before, difference -0.8)" in text


def _couple01_logging_starts() -> tuple[pd.Timestamp, pd.Timestamp]:
    """couple-01's first check-in or trigger day and its first event day, read from the CSVs
    with pandas alone (not with the loader or the code under test)."""
    folder = report.resolve_path("data/sample/couples")
    ci = pd.read_csv(folder / "checkins.csv", parse_dates=["date"])
    tr = pd.read_csv(folder / "triggers.csv")
    ev = pd.read_csv(folder / "events.csv", parse_dates=["date"])
    tr = tr.loc[tr["couple_id"] == "couple-01"]
    # couple-01's timestamps carry no offset: their first ten characters are the day
    first_trigger = pd.to_datetime(tr["timestamp"].str[:10]).min()
    first_checkin = ci.loc[ci["couple_id"] == "couple-01", "date"].min()
    return min(first_checkin, first_trigger), ev.loc[ev["couple_id"] == "couple-01", "date"].min()


def _a_triggers_from(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """couple-01 A's triggers on the days ``start`` to ``end`` (both counted), from the CSV."""
    tr = pd.read_csv(report.resolve_path("data/sample/couples") / "triggers.csv")
    tr = tr.loc[(tr["couple_id"] == "couple-01") & (tr["partner"] == "A")]
    day = pd.to_datetime(tr["timestamp"].str[:10])
    return int(((day >= start) & (day <= end)).sum())


def test_a_span_before_that_starts_before_the_logs_gives_rates_per_logged_week(
    bundled, bundled_sample
):
    # couple-01 since 15 February 2024: 467 days since, against the 467 days before (from 5
    # November 2022); the page said "110 triggers since (37 major), 12 before": equal spans,
    # no rates, read as a rise while the rate fell.  The logged part of the span before starts
    # at the first check-in or trigger (A's check-in of 29 January 2024), not at the discovery
    # event of 21 January 2024: an event is a dated fact, entered when logging starts and dated
    # before it.  Counting from the event the page said "only its last 25 days, 3.6 weeks, are
    # logged ... 12 before (3.4 a logged week)", diluting the rate before by a third.
    start, discovery = _couple01_logging_starts()
    assert (start, discovery) == (pd.Timestamp("2024-01-29"), pd.Timestamp("2024-01-21"))
    before_end = pd.Timestamp("2024-02-14")  # the day before the session of 15 February
    logged = (before_end - start).days + 1  # 29 January to 14 February, both counted
    n_before = _a_triggers_from(start, before_end)
    assert (logged, n_before) == (17, 12)
    options = {"since": "2024-02-15", "today": "2026-02-01"}
    r = bundled_sample.review("couple-01", **options)  # made once per worker
    a = r.changes_since.set_index("partner").loc["A"]
    assert (a["days_since"], a["days_before"], a["logged_days_before"]) == (467, 467, logged)
    assert a["logged_days_since"] == 467
    assert r.first.normalize() == discovery  # the first record of any table is the event
    assert r.logged_first.normalize() == start
    assert (a["triggers_since"], a["triggers_before"]) == (110, n_before)
    assert a["triggers_per_logged_week_before"] == pytest.approx(n_before * 7 / logged)
    assert a["triggers_per_logged_week_since"] == pytest.approx(110 * 7 / 467)
    assert r.since_per_week and r.since_partly_logged
    page = bundled_sample.page("couple-01", "therapist", **options)
    part = page[page.index('<section id="since"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</section>")]))
    # 17 days are 2.4 weeks; 12 triggers in them are 4.9 a logged week (12 * 7 / 17 = 4.94)
    assert f"{logged / 7:.1f}" == "2.4" and f"{n_before * 7 / logged:.1f}" == "4.9"
    assert (
        "compared with the same length of time just before (5 November 2022 to 14 February "
        "2024; check-ins and triggers start on 29 January 2024, so only its last 17 days, "
        "2.4 weeks, are "
        "logged): as the logged parts differ in length, triggers are also given per logged "
        "week." in text
    )
    assert "110 triggers since (37 major; 1.6 a week), 12 before (4.9 a logged week)." in text
    assert "21 January 2024" not in text


def test_an_event_before_since_with_no_log_before_it_is_nothing_to_compare_with(bundled):
    # couple-01 cut to its discovery (21 January 2024) and the logs from 1 February on: the
    # event before "since" (25 January) is no logged span, so nothing is compared with it
    logs = bundled.couple("couple-01")
    cut = trustdata.Logs(
        checkins=logs.checkins.loc[logs.checkins["date"] >= "2024-02-01"],
        triggers=logs.triggers.loc[logs.triggers["timestamp"] >= "2024-02-01"],
        events=logs.events,
        couples=logs.couples,
    )
    r = rv.review(cut, "couple-01", since="2024-01-25", today="2026-02-01")
    assert r.first.normalize() == pd.Timestamp("2024-01-21")
    assert r.since_nothing_before and r.since_logs_start_after
    text = re.sub(r"<[^>]+>", " ", report.render(r, audience="therapist"))
    text = re.sub(r"\s+", " ", text)
    assert (
        "The check-ins and triggers start on 1 February 2024, after 25 January 2024: "
        "there is nothing before to "
        "compare with." in text
    )
    # reader14 T1: the page's header says "logs from 21 January 2024" (the discovery event), so
    # "the logs start on 1 February" contradicted it: what starts then is the check-ins and triggers
    assert "logs from 21 January 2024" in text and "logs start" not in text
    assert "a logged week" not in text


def test_events_alone_are_no_logs_to_start_from():
    # only events (a discovery before "since", an agreement after): no check-in or trigger, so
    # no day the logs start on
    ev = as_table(
        "events",
        [
            {"couple_id": "c1", "date": "2025-03-01", "kind": "discovery"},
            {"couple_id": "c1", "date": "2025-03-20", "kind": "agreement"},
        ],
    )
    r = rv.review(trustdata.Logs(events=ev), "c1", since="2025-03-10", today="2025-04-01")
    assert r.logged_first is None and r.since_nothing_before
    text = re.sub(r"<[^>]+>", " ", report.render(r, audience="therapist"))
    text = re.sub(r"\s+", " ", text)
    assert (
        "From 10 March 2025 to 20 March 2025. No check-in or trigger is logged yet: there is "
        "nothing before to compare with." in text
    )
    assert "start on" not in text


def test_a_shorter_span_since_with_the_logs_starting_inside_the_span_before(bundled):
    # couple-01's logging starts on 29 January 2024 (its first check-in; the discovery event of
    # 21 January is no logging); since 1 February 2024 and a short span since (the logs cut at
    # 8 February): 8 days since, 28 days before (4 January to 31 January), of which 3 are logged
    start, _ = _couple01_logging_starts()
    logged = (pd.Timestamp("2024-01-31") - start).days + 1
    assert logged == 3
    logs = bundled.couple("couple-01")
    cut = trustdata.Logs(
        checkins=logs.checkins.loc[logs.checkins["date"] < "2024-02-09"],
        triggers=logs.triggers.loc[logs.triggers["timestamp"] < "2024-02-09"],
        events=logs.events.loc[logs.events["date"] < "2024-02-09"],
        couples=logs.couples,
    )
    r = rv.review(cut, "couple-01", since="2024-02-01", today="2026-02-01")
    a = r.changes_since.set_index("partner").loc["A"]
    assert (a["days_before"], a["logged_days_before"]) == (28, logged)
    assert r.since_partly_logged
    text = re.sub(r"<[^>]+>", " ", report.render(r, audience="therapist"))
    text = re.sub(r"\s+", " ", text)
    assert (
        "compared with the 28 days just before (4 January 2024 to 31 January 2024; check-ins"
        in text
    )
    assert (
        " and triggers start on 29 January 2024, so only its last 3 days, 0.4 weeks, "
        "are logged): the " in text
    )
    assert "; as the logged parts differ in length, triggers are also given per logged week" in text
    assert "as the spans differ in length" not in text
    assert f"({a['triggers_per_logged_week_before']:.1f} a logged week)" in text
    n_before = _a_triggers_from(start, pd.Timestamp("2024-01-31"))
    assert a["triggers_per_logged_week_before"] == pytest.approx(n_before * 7 / logged)

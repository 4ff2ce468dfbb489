"""The trigger trend's latest window must be a period the partner was logging (reader8 F4).

A pause in logging is not "no triggers": months nobody logged gave "0.0/month ... p < 0.001:
lessening" on couple-01's page after one check-in was added 18 months after its last record.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from _pages import EARLY_CHECKIN, RETURNED_CHECKIN, SAMPLE, sample_with
from _pages import page_text as _text

import trustdata
from trustdata import report, schemas, triggers
from trustdata.logs import as_table

START = pd.Timestamp("2025-01-06")  # a Monday


def _logs(trigger_days: list[int], checkin_days: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    tr = as_table(
        "triggers",
        [
            {"couple_id": "c1", "partner": "A", "category": "media", "intensity": 5,
             "timestamp": START + pd.Timedelta(days=d, hours=20)}
            for d in trigger_days
        ],
    )  # fmt: skip
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": START + pd.Timedelta(days=d),
             "connection": 5}
            for d in checkin_days
        ],
    )  # fmt: skip
    return tr, ci


# 40 triggers in the first three months, weekly check-ins for six months
BUSY = [int(d) for d in np.linspace(0, 88, 40)]
WEEKLY = list(range(0, 182, 7))


def test_a_pause_then_one_check_in_is_not_lessening():
    # a year without any record, then one check-in: the latest window is the pause
    tr, ci = _logs(BUSY, [*WEEKLY, 182 + 365])
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert not row["latest_logged"]
    assert row["verdict"] == "insufficient_data"
    assert row["rate_verdict"] == "insufficient_data"
    assert pd.isna(row["lessening"])
    assert np.isnan(row["latest_rate_per_month"]) and np.isnan(row["rate_p"])
    # the stretch whole: the day after the last weekly check-in to the day before the new one
    assert row["gap_from"] == START + pd.Timedelta(days=WEEKLY[-1] + 1)
    assert row["gap_to"] == START + pd.Timedelta(days=182 + 365 - 1)
    schemas.TriggerTrendOutput.validate(triggers.trigger_trend(tr, checkins=ci))


def test_weeks_of_check_ins_without_triggers_are_a_real_zero():
    # the same triggers, check-ins every week to the end: the quiet months were logged
    tr, ci = _logs(BUSY, list(range(0, 182 + 365 + 1, 7)))
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert row["latest_logged"]
    assert pd.isna(row["gap_from"]) and pd.isna(row["gap_to"])
    assert row["latest_count"] == 0 and row["latest_rate_per_month"] == 0
    assert row["verdict"] == "lessening"


@pytest.mark.parametrize(("empty_days", "logged"), [(44, True), (47, False)])
def test_the_line_is_half_the_latest_window(empty_days, logged):
    # daily check-ins, but for one stretch without records inside the latest window (91.3 days)
    end = 400
    width = 3 * schemas.DAYS_PER_MONTH
    start = end + 1 - width  # the latest window's first day (fractional)
    first_empty = int(np.ceil(start)) + 10
    last_empty = first_empty + empty_days - 1
    days = [d for d in range(0, end + 1) if not first_empty <= d <= last_empty]
    tr, ci = _logs(BUSY, days)
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert (last_empty - first_empty + 1 <= width / 2) == logged
    assert bool(row["latest_logged"]) is logged
    assert (row["verdict"] == "insufficient_data") is not logged


def test_with_triggers_alone_the_rule_does_not_apply():
    # no check-ins: a quiet stretch cannot be told from one not logged
    tr, _ = _logs([*BUSY, 400], [])
    row = triggers.trigger_trend(tr).iloc[0]
    assert row["latest_logged"] and row["verdict"] == "lessening"


def test_bundled_logs_keep_every_verdict():
    logs = trustdata.load(SAMPLE)
    out = triggers.trigger_trend(logs.triggers, checkins=logs.checkins)
    assert out["latest_logged"].all() and out["first_logged"].all()
    assert out["gap_from"].isna().all() and out["first_gap_from"].isna().all()


def test_the_cohort_keeps_every_verdict():
    # one partner of the 600 has a pause at the start (couple-150 B, no triggers): its start
    # moves, its verdict stays insufficient_data; the counts are those measured before the rule
    logs = trustdata.load(SAMPLE.parent / "cohort")
    out = triggers.trigger_trend(logs.triggers, checkins=logs.checkins)
    moved = out.loc[out["first_gap_from"].notna()]
    assert moved[["couple_id", "partner"]].to_numpy().tolist() == [["couple-150", "B"]]
    assert moved["first_logged"].all() and (moved["verdict"] == "insufficient_data").all()
    assert out["verdict"].value_counts().to_dict() == {
        "lessening": 335, "insufficient_data": 157, "no_clear_change": 108
    }  # fmt: skip


def _intake_then_logging(later: int = 180) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One intake check-in, ten weeks without a record, then a trigger every three days for a
    year and one every nine days for ``later`` days, with weekly check-ins."""
    days = [*range(70, 70 + 365, 3), *range(70 + 365, 70 + 365 + later, 9)]
    return _logs(days, [0, *range(70, 70 + 365 + later, 7)])


def test_a_pause_at_the_start_is_skipped():
    # the baseline is the first months of real logging, not the ten weeks nobody logged
    # (before: 7 first vs 31 latest, "worsening"; then insufficient_data, no verdict ever)
    tr, ci = _intake_then_logging()
    out = triggers.trigger_trend(tr, checkins=ci)
    schemas.TriggerTrendOutput.validate(out)
    row = out.iloc[0]
    assert row["first_logged"] and row["latest_logged"]
    # the span starts at the first record after the pause: day 70
    assert row["span_start"] == row["first_start"] == START + pd.Timedelta(days=70)
    # the pause skipped: the day after the intake check-in to the day before the next record
    assert row["first_gap_from"] == START + pd.Timedelta(days=1)
    assert row["first_gap_to"] == START + pd.Timedelta(days=69)
    assert pd.isna(row["gap_from"]) and pd.isna(row["gap_to"])
    width = 91  # 3 * DAYS_PER_MONTH = 91.3125 days, to the nearest whole day
    assert row["first_days"] == width
    days = np.array([*range(70, 70 + 365, 3), *range(70 + 365, 70 + 365 + 180, 9)])
    assert row["first_count"] == np.sum(days < 70 + width)
    assert row["latest_count"] == (tr["timestamp"] >= row["latest_start"]).sum()
    assert (row["first_count"], row["latest_count"]) == (31, 10)
    assert row["verdict"] == row["rate_verdict"] == "lessening"
    assert row["first_rate_per_month"] == pytest.approx(31 / width * schemas.DAYS_PER_MONTH)


def test_records_before_the_new_start_count_nowhere():
    # the same logs with a trigger (intensity 10) on the intake day: it is before the start
    tr, ci = _intake_then_logging()
    extra = as_table(
        "triggers",
        [{"couple_id": "c1", "partner": "A", "category": "media", "intensity": 10,
          "timestamp": START + pd.Timedelta(hours=20)}],
    )  # fmt: skip
    both = pd.concat([extra, tr], ignore_index=True)
    a = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    b = triggers.trigger_trend(both, checkins=ci).iloc[0]
    assert b["span_start"] == START + pd.Timedelta(days=70)
    assert b["first_gap_from"] == START + pd.Timedelta(days=1)
    for col in ("first_count", "latest_count", "n_weeks_with_triggers", "intensity_slope_per_month",
                "intensity_tau", "rate_p", "verdict"):  # fmt: skip
        assert b[col] == a[col] or (pd.isna(b[col]) and pd.isna(a[col])), col


def test_two_pauses_at_the_start_are_both_skipped():
    # intake, 10 weeks nothing, three days of logs, 10 weeks nothing, then a year of logging
    second = 73 + 70
    days = [*range(70, 73), *range(second, second + 365, 3)]
    tr, ci = _logs(days, [0, 70, 71, 72, *range(second, second + 365, 7)])
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert row["first_logged"] and row["latest_logged"]
    assert row["span_start"] == START + pd.Timedelta(days=second)
    # the last pause skipped is named: it ends the day before the span starts
    assert row["first_gap_from"] == START + pd.Timedelta(days=73)
    assert row["first_gap_to"] == START + pd.Timedelta(days=second - 1)
    assert row["first_count"] == len(range(second, second + 92, 3))
    assert row["verdict"] == "no_clear_change"


def test_a_pause_leaving_under_14_days_is_not_skipped():
    # intake, ten weeks nothing, then ten days of daily logs: too little after the pause
    tr, ci = _logs(list(range(70, 80)), [0, *range(70, 80)])
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert not row["first_logged"]
    assert row["span_start"] == START  # not moved
    assert row["first_gap_from"] == START + pd.Timedelta(days=1)
    assert row["first_gap_to"] == START + pd.Timedelta(days=69)
    assert row["verdict"] == row["rate_verdict"] == "insufficient_data"
    assert np.isnan(row["first_rate_per_month"])
    item = _text(str(report._macros().trigger_item("Sam", row, False)))
    assert item == (
        "Sam logged no trigger and no check-in from 7 January 2025 to 16 March 2025: not enough "
        "logging after a pause to see whether triggers are lessening."
    )
    # fourteen days after it are enough to skip it, and for a verdict
    tr, ci = _logs(list(range(70, 84)), [0, *range(70, 84)])
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert row["first_logged"] and row["span_start"] == START + pd.Timedelta(days=70)
    assert row["span_end"] - row["span_start"] == pd.Timedelta(days=14)
    item = _text(str(report._macros().trigger_item("Sam", row, False)))
    assert item == (
        "Sam's triggers show no clear change yet (about 30 a month at first, about 30 a month "
        "lately): neither how often they come nor how strong they feel has moved beyond the "
        "usual ups and downs. Triggers are counted from 17 March 2025, after a pause in logging "
        "from 7 January 2025 to 16 March 2025."
    )


def test_the_page_says_from_when_triggers_are_counted():
    tr, ci = _intake_then_logging()
    row = next(triggers.trigger_trend(tr, checkins=ci).itertuples())
    for therapist in (False, True):
        item = _text(str(report._macros().trigger_item("Sam", row, therapist)))
        assert item.endswith(
            " Triggers are counted from 17 March 2025, after a pause in logging from 7 January "
            "2025 to 16 March 2025."
        )
    # no such sentence without a pause skipped
    tr, ci = _logs(list(range(0, 365, 3)), list(range(0, 365, 7)))
    row = next(triggers.trigger_trend(tr, checkins=ci).itertuples())
    assert pd.isna(row.first_gap_from)
    assert "counted from" not in str(report._macros().trigger_item("Sam", row, False))


@pytest.mark.parametrize(("empty_days", "logged"), [(44, True), (47, False)])
def test_the_line_is_half_the_first_window(empty_days, logged):
    # daily check-ins but for one stretch inside the first window (91.3 days), triggers steady
    first_empty = 20
    last_empty = first_empty + empty_days - 1
    days = [d for d in range(0, 401) if not first_empty <= d <= last_empty]
    tr, ci = _logs(days[::3], days)
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    # over the line the stretch is a pause the span starts after; under it nothing moves
    assert row["first_logged"] and row["latest_logged"]
    assert row["verdict"] != "insufficient_data"
    assert pd.isna(row["first_gap_from"]) is logged
    moved = START + pd.Timedelta(days=last_empty + 1)
    assert row["span_start"] == (START if logged else moved)


def test_one_stretch_over_both_windows_is_named_once():
    # ten days of logs, a pause of six months, ten days again: neither window was logged, and
    # eleven days after the pause are too few to start after it
    tr, ci = _logs([0, 2, 4, 6, 8, 10, 200, 202, 204], [*range(0, 11), *range(200, 211)])
    out = triggers.trigger_trend(tr, checkins=ci)
    row = out.iloc[0]
    assert not row["first_logged"] and not row["latest_logged"]
    assert row["first_gap_from"] == row["gap_from"] == START + pd.Timedelta(days=11)
    assert row["first_gap_to"] == row["gap_to"] == START + pd.Timedelta(days=199)
    item = _text(str(report._macros().trigger_item("Sam", next(out.itertuples()), False)))
    assert item == (
        "Sam logged no trigger and no check-in from 17 January 2025 to 24 July 2025: not enough "
        "logging after a pause to see whether triggers are lessening."
    )


def test_a_pause_at_the_start_and_one_at_the_end_are_both_named():
    # a pause at the start (skipped) and another at the end, each over half its window
    days = [0, *range(60, 300), 360]
    tr, ci = _logs(days[1:-1:3], days)
    out = triggers.trigger_trend(tr, checkins=ci)
    row = next(out.itertuples())
    assert row.first_logged and not row.latest_logged
    assert row.span_start == START + pd.Timedelta(days=60)
    item = _text(str(report._macros().trigger_item("Sam", row, True)))
    assert item == (
        "Sam logged no trigger and no check-in from 2 November 2025 to 31 December 2025: not "
        "enough recent logging to see whether triggers are lessening. Triggers are counted from "
        "7 March 2025, after a pause in logging from 7 January 2025 to 6 March 2025."
    )


@pytest.fixture(scope="module")
def returned(tmp_path_factory):
    """couple-01's sample with A checking in once more, 18 months after the logs end."""
    folder = sample_with(tmp_path_factory.mktemp("returned") / "couples", RETURNED_CHECKIN)
    return trustdata.load(folder, today=datetime.date(2026, 12, 3))


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_the_page_names_the_gap_instead_of_a_verdict(returned, audience):
    page = report.build(returned, "couple-01", audience=audience, today=datetime.date(2026, 12, 3))
    text = _text(page)
    assert "logged no trigger and no check-in from 27 May 2025 to 2 December 2026" in text
    assert "not enough recent logging to see whether triggers are lessening" in text
    # no rate for the months nobody logged, no verdict built on them
    assert "0.0/month" not in text
    assert "coming less often" not in text
    assert "rate ratio 0.00" not in text
    # the last record is this day: no "nothing has been logged since" sentence is due
    assert "Nothing has been logged since" not in text
    assert "Nothing was logged in the" not in text
    if audience == "therapist":
        assert "triggers: 122 (not enough recent logging: none logged from 27 May 2025" in text


@pytest.fixture(scope="module")
def early(tmp_path_factory):
    """couple-01's sample with A checking in once, four months before the logs begin."""
    folder = sample_with(tmp_path_factory.mktemp("early") / "couples", EARLY_CHECKIN)
    return trustdata.load(folder)


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_the_page_counts_from_after_a_pause_at_the_start(early, audience):
    row = triggers.trigger_trend(early.triggers, checkins=early.checkins).iloc[0]
    assert (row["couple_id"], row["partner"]) == ("couple-01", "A")
    assert row["first_logged"] and row["latest_logged"]
    # the same windows and verdict as without the early check-in
    base = trustdata.load(SAMPLE)
    plain = triggers.trigger_trend(base.triggers, checkins=base.checkins).iloc[0]
    for col in ("span_start", "first_end", "latest_start", "first_count", "latest_count",
                "rate_p", "intensity_slope_per_month", "verdict"):  # fmt: skip
        assert row[col] == plain[col], col
    assert row["first_gap_from"] == pd.Timestamp("2023-10-03")
    assert row["first_gap_to"] == pd.Timestamp("2024-01-28")
    page = report.build(early, "couple-01", audience=audience)
    text = _text(page)
    assert (
        "Triggers are counted from 29 January 2024, after a pause in logging from 3 October "
        "2023 to 28 January 2024." in text
    )
    assert "not enough logging" not in text and "recent logging" not in text
    if audience == "therapist":
        assert "63 triggers from 29 January 2024 to 28 April 2024 (21.1/month)" in text
        assert (
            "triggers counted from 29 January 2024, after a pause in logging from 3 October "
            "2023 to 28 January 2024" in text
        )
    else:
        assert "about 21 a month at first, about 0.7 a month lately" in text


@pytest.mark.parametrize(
    ("empty_days", "logged"),
    [(25, False), (22, True), (20, True)],  # two stretches: 50 > 45.65; 44 <= 45.65; < 21 each
)
def test_two_pauses_in_one_window_count_together(empty_days, logged):
    # daily check-ins, but for two stretches of `empty_days` days inside the latest window
    # (91.3 days): neither is over half of it; stretches of 21 days or more are added up
    end = 400
    width = 3 * schemas.DAYS_PER_MONTH
    start = int(np.ceil(end + 1 - width))
    empty = {*range(start + 5, start + 5 + empty_days)}
    empty |= {*range(start + 40, start + 40 + empty_days)}
    days = [d for d in range(0, end + 1) if d not in empty]
    tr, ci = _logs(BUSY, days)
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert bool(row["latest_logged"]) is logged
    assert (row["verdict"] == "insufficient_data") is not logged
    if not logged:  # the longest of the stretches is named
        assert row["gap_to"] - row["gap_from"] == pd.Timedelta(days=empty_days - 1)


def test_a_span_under_14_days_is_too_early_not_a_gap():
    # docs/format.md's example (reader13 F6): a check-in on day 0, triggers on days 1 and 6; the
    # days 2-5 without a record are over half of each (overlapping) window, but with under 14
    # days of span no verdict is possible whatever the pauses: the rule does not apply
    tr, ci = _logs([1, 6], [0])
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert row["verdict"] == "insufficient_data" and pd.isna(row["lessening"])
    assert row["latest_logged"] and row["first_logged"]
    assert pd.isna(row["gap_from"]) and pd.isna(row["gap_to"])
    assert pd.isna(row["first_gap_from"]) and pd.isna(row["first_gap_to"])
    # the same records over 14 days or more: the pause rule applies again
    tr, ci = _logs([1, 13], [0])
    longer = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert not longer["latest_logged"] and longer["gap_from"] == START + pd.Timedelta(days=2)


def test_the_page_says_too_early_for_a_six_day_log():
    tr, ci = _logs([1, 6], [0])
    logs = trustdata.from_frames(checkins=ci, triggers=tr)
    for audience in report.AUDIENCES:
        page = _text(report.render(report.review(logs, "c1"), audience=audience))
        assert "not enough trigger logs yet to see a direction" in page, audience
        assert "logged no trigger and no check-in" not in page, audience

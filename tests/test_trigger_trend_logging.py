"""The trigger trend's latest window must be a period the partner was logging (reader8 F4).

A pause in logging is not "no triggers": months nobody logged gave "0.0/month ... p < 0.001:
lessening" on couple-01's page after one check-in was added 18 months after its last record.
"""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import report, schemas, triggers
from trustdata.logs import as_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
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


def test_a_baseline_with_months_not_logged_gives_no_verdict():
    # one intake check-in, then nothing for ten weeks, then a trigger every 3 days all year
    # with weekly check-ins: the first window's few triggers are "not logged", not "fewer"
    # (without the rule: 7 first vs 31 latest, "worsening" at a constant rate)
    tr, ci = _logs(list(range(70, 365, 3)), [0, *range(70, 365, 7)])
    out = triggers.trigger_trend(tr, checkins=ci)
    schemas.TriggerTrendOutput.validate(out)
    row = out.iloc[0]
    assert not row["first_logged"] and row["latest_logged"]
    assert (row["first_count"], row["latest_count"]) == (7, 31)
    assert row["verdict"] == row["rate_verdict"] == "insufficient_data"
    assert pd.isna(row["lessening"])
    assert np.isnan(row["first_rate_per_month"]) and np.isnan(row["rate_ratio"])
    assert row["latest_rate_per_month"] == pytest.approx(31 / row["latest_days"] * 30.4375)
    # the stretch whole: the day after the intake check-in to the day before the next record
    assert row["first_gap_from"] == START + pd.Timedelta(days=1)
    assert row["first_gap_to"] == START + pd.Timedelta(days=69)
    assert pd.isna(row["gap_from"]) and pd.isna(row["gap_to"])


@pytest.mark.parametrize(("empty_days", "logged"), [(44, True), (47, False)])
def test_the_line_is_half_the_first_window(empty_days, logged):
    # daily check-ins but for one stretch inside the first window (91.3 days), triggers steady
    first_empty = 20
    last_empty = first_empty + empty_days - 1
    days = [d for d in range(0, 401) if not first_empty <= d <= last_empty]
    tr, ci = _logs(days[::3], days)
    row = triggers.trigger_trend(tr, checkins=ci).iloc[0]
    assert bool(row["first_logged"]) is logged and row["latest_logged"]
    assert (row["verdict"] == "insufficient_data") is not logged
    assert pd.isna(row["first_gap_from"]) is logged


def test_one_stretch_over_both_windows_is_named_once():
    # ten days of logs, a pause of six months, ten days again: neither window was logged
    tr, ci = _logs([0, 2, 4, 6, 8, 10, 200, 202, 204], [*range(0, 11), *range(200, 211)])
    out = triggers.trigger_trend(tr, checkins=ci)
    row = out.iloc[0]
    assert not row["first_logged"] and not row["latest_logged"]
    assert row["first_gap_from"] == row["gap_from"] == START + pd.Timedelta(days=11)
    assert row["first_gap_to"] == row["gap_to"] == START + pd.Timedelta(days=199)
    item = _text(str(report._macros().trigger_item("Sam", next(out.itertuples()), False)))
    assert item == (
        "Sam logged no trigger and no check-in from 17 January 2025 to 24 July 2025: not enough "
        "logging at the start of the logs or recently to see whether triggers are lessening."
    )


def test_two_stretches_are_both_named():
    # a pause at the start and another at the end, each over half its window
    days = [0, *range(60, 300), 360]
    tr, ci = _logs(days[1:-1:3], days)
    out = triggers.trigger_trend(tr, checkins=ci)
    row = next(out.itertuples())
    assert not row.first_logged and not row.latest_logged
    item = _text(str(report._macros().trigger_item("Sam", row, True)))
    assert item == (
        "Sam logged no trigger and no check-in from 7 January 2025 to 6 March 2025 and from "
        "2 November 2025 to 31 December 2025: not enough logging at the start of the logs or "
        "recently to see whether triggers are lessening."
    )


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


@pytest.fixture(scope="module")
def returned(tmp_path_factory):
    """couple-01's sample with A checking in once more, 18 months after the logs end."""
    folder = tmp_path_factory.mktemp("returned") / "couples"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "checkins.csv", "a", encoding="utf-8") as fh:
        fh.write("couple-01,A,hurt,2026-12-03,7,7,,,,,,,,,\n")
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
    folder = tmp_path_factory.mktemp("early") / "couples"
    shutil.copytree(SAMPLE, folder)
    with open(folder / "checkins.csv", "a", encoding="utf-8") as fh:
        fh.write("couple-01,A,hurt,2023-10-02,4,4,,,,,,,,,\n")
    return trustdata.load(folder)


@pytest.mark.parametrize("audience", ["couple", "therapist"])
def test_the_page_names_a_gap_at_the_start(early, audience):
    row = triggers.trigger_trend(early.triggers, checkins=early.checkins).iloc[0]
    assert (row["couple_id"], row["partner"]) == ("couple-01", "A")
    assert not row["first_logged"] and row["latest_logged"]
    page = report.build(early, "couple-01", audience=audience)
    text = _text(page)
    assert (
        "logged no trigger and no check-in from 3 October 2023 to 28 January 2024: not enough "
        "logging at the start of the logs to see whether triggers are lessening." in text
    )
    assert "recent logging" not in text
    if audience == "therapist":
        assert (
            "(not enough logging at the start of the logs: none logged from 3 October 2023 to "
            "28 January 2024)" in text
        )

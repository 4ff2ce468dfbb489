"""trigger_trend's windows are whole days (fix11a, item 2): a reader counting the triggers
"from X to Y" by those dates gets the printed count.

Before, each window was ``months * DAYS_PER_MONTH`` = 91.3125 days long, so couple-03 A's page
said "86 triggers from 22 January 2024 to 22 April 2024" while the window ended at 22 April
07:30: counting by the printed dates gave 88.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import report, schemas, synth, triggers

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
DAY = r"(\d{1,2} [A-Z][a-z]+ \d{4})"
#: the therapist page's trigger sentence (sections.html.j2, trigger_item)
SENTENCE = re.compile(
    rf"(\S+)(?: \([a-z ]+\))?: (\d+) triggers? from {DAY} to {DAY} \(([\d.]+)/month\), "
    rf"(\d+) from {DAY} to {DAY} \(([\d.]+)/month\)"
)


def _text(page: str) -> str:
    """The page's words: scripts and styles dropped (plotly.js' long runs without a space made
    ``SENTENCE``'s ``\\S+`` backtrack for half a minute a page), then the tags."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _by_hand(stamps: pd.Series, first: str, last: str) -> tuple[int, int]:
    """Triggers dated from ``first`` to ``last``, both days included, and the days between."""
    lo, hi = pd.Timestamp(first), pd.Timestamp(last)
    day = stamps.dt.normalize()
    return int(((day >= lo) & (day <= hi)).sum()), (hi - lo).days + 1


@pytest.fixture(scope="module")
def logs():
    return trustdata.load(SAMPLE)


@pytest.mark.parametrize("couple", ["couple-01", "couple-02", "couple-03", "couple-04"])
def test_counting_by_the_printed_dates_gives_the_printed_count(logs, couple):
    text = _text(report.build(logs, couple, audience="therapist"))
    found = set(SENTENCE.findall(text))  # the page says it in the summary and the section
    # every partner with a verdict gets the sentence (couple-01 B has no trigger at all)
    assert len(found) == (1 if couple == "couple-01" else 2), found
    mine = logs.triggers.loc[logs.triggers["couple_id"] == couple]
    for name, n1, f1, t1, rate1, n2, f2, t2, rate2 in found:
        stamps = mine.loc[mine["partner"] == name, "timestamp"]
        for count, first, last, rate in ((n1, f1, t1, rate1), (n2, f2, t2, rate2)):
            hand, days = _by_hand(stamps, first, last)
            assert hand == int(count), (name, first, last)
            # the rate is per the window's own days: the printed days, no fraction left over
            assert float(rate) == pytest.approx(
                round(hand / days * schemas.DAYS_PER_MONTH, 1), abs=0.051
            )


def test_couple_03_a_as_the_reader_counted(logs):
    text = _text(report.build(logs, "couple-03", audience="therapist"))
    # 86 in the 91 days from 22 January 2024 (the window ended on 22 April at 07:30 before)
    assert "86 triggers from 22 January 2024 to 21 April 2024 (28.8/month)" in text
    assert "13 from 20 October 2025 to 18 January 2026 (4.3/month)" in text
    stamps = logs.triggers.loc[
        (logs.triggers["couple_id"] == "couple-03") & (logs.triggers["partner"] == "A"),
        "timestamp",
    ]
    assert _by_hand(stamps, "22 January 2024", "21 April 2024") == (86, 91)
    assert _by_hand(stamps, "22 January 2024", "22 April 2024")[0] == 88


@pytest.fixture(scope="module")
def gen():
    return synth.generate(couples=8, seed=5, text=False)


@pytest.mark.parametrize("months", [1, 2, 3, 4.5])
def test_windows_start_and_end_at_midnight_and_count_whole_days(gen, months):
    out = triggers.trigger_trend(gen.logs.triggers, months=months, checkins=gen.logs.checkins)
    midnight = [
        (out[c] == out[c].dt.normalize()).all()
        for c in ("first_start", "first_end", "latest_start", "latest_end")
    ]
    assert all(midnight)
    first = (out["first_end"] - out["first_start"]).dt.days
    latest = (out["latest_end"] - out["latest_start"]).dt.days
    assert (out["first_days"] == first).all() and (out["latest_days"] == latest).all()
    # the months rounded to whole days, or the whole days of half a shorter span
    span = (out["span_end"] - out["span_start"]).dt.days
    want = np.minimum(np.floor(months * schemas.DAYS_PER_MONTH + 0.5), span // 2)
    assert (out["first_days"] == want).all()
    # the latest window ends at the end of the last record's day; the windows do not overlap
    assert (out["latest_end"] == out["span_end"]).all()
    assert (out["first_end"] <= out["latest_start"]).all()
    # the counts are the triggers of those days
    tr = gen.logs.triggers.merge(out, on=["couple_id", "partner"])
    t = tr["timestamp"]
    first_in = (t >= tr["first_start"]) & (t < tr["first_end"])
    latest_in = t >= tr["latest_start"]
    counted = tr.assign(f=first_in, la=latest_in).groupby(["couple_id", "partner"])[["f", "la"]]
    sums = counted.sum().reindex(pd.MultiIndex.from_frame(out[["couple_id", "partner"]]))
    assert (sums["f"].fillna(0).to_numpy() == out["first_count"].to_numpy()).all()
    assert (sums["la"].fillna(0).to_numpy() == out["latest_count"].to_numpy()).all()
    rate = out["first_count"] / out["first_days"] * schemas.DAYS_PER_MONTH
    np.testing.assert_allclose(
        out["first_rate_per_month"].where(out["first_logged"]), rate.where(out["first_logged"])
    )


def test_an_odd_span_leaves_its_middle_day_out_and_a_one_day_span_has_no_window():
    base = pd.Timestamp("2025-01-06")

    def trend(days):
        rows = [
            {"couple_id": "c1", "partner": "A", "category": "media", "intensity": 5,
             "timestamp": base + pd.Timedelta(days=d, hours=9)} for d in days
        ]  # fmt: skip
        return triggers.trigger_trend(trustdata.logs.as_table("triggers", rows)).iloc[0]

    row = trend([0, 3, 7, 10, 14])  # 15 days: 7 and 7, day 7 in neither
    assert row["first_days"] == row["latest_days"] == 7
    assert row["first_end"] == base + pd.Timedelta(days=7)
    assert row["latest_start"] == base + pd.Timedelta(days=8)
    assert (row["first_count"], row["latest_count"]) == (2, 2)
    one = trend([0, 0])
    assert one["first_days"] == one["latest_days"] == 0
    assert (one["first_count"], one["latest_count"]) == (0, 0)
    assert one["verdict"] == "insufficient_data"

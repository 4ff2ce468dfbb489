"""A setback's context names the anniversary of the discovery or disclosure falling in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import review
from trustdata.logs import as_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"


@pytest.fixture(scope="module")
def logs(bundled_sample):
    """``trustdata.load(SAMPLE)`` (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def reviewed(bundled_sample):
    """``review.review(logs, couple)``, made once per worker (tests/conftest.py)."""
    return bundled_sample.review


@pytest.fixture(scope="module")
def page(bundled_sample):
    """``report.render(review.review(logs, couple), audience=audience)``, made once."""
    return bundled_sample.page


def test_the_sample_setbacks_around_an_anniversary_name_it(reviewed, page):
    # a reader saw "events around" empty for couple-02 B and couple-04 A, whose setbacks take
    # in the first anniversary of the discovery (3 January 2024) and of the disclosure
    # (25 January 2024); setback_context's own `anniversary` said so, the page did not
    r = reviewed("couple-02")
    assert r.setback_context.set_index("setback_id").loc["couple-02/B/1", "anniversary"]
    ev = r.setback_events_all
    assert ev.loc[ev["setback_id"] == "couple-02/B/1", ["date", "kind"]].values.tolist() == [
        [pd.Timestamp("2025-01-03"), "anniversary_of_discovery"]
    ]
    assert "3 January 2025 anniversary of the discovery" in page("couple-02", "therapist")
    r = reviewed("couple-04")
    ev = r.setback_events_all.set_index("setback_id")
    assert ev.loc["couple-04/A/2", "kind"] == "anniversary_of_disclosure"
    assert ev.loc["couple-04/A/2", "date"] == pd.Timestamp("2025-01-25")


def test_an_anniversary_outside_the_window_or_of_another_event_is_not_named():
    # a three-week dip from the week of 24 February 2025: its window opens 14 days before
    # (10 February); a discovery of 10 March 2024 returns inside it, one of 1 June 2024 only
    # after it, a leap-day discovery on 28 February; the agreement of 16 February 2024 is no
    # anniversary (only the discovery or disclosure count)
    weeks = pd.date_range("2024-03-11", periods=70, freq="W-MON")
    level = [8] * 50 + [3, 3, 3] + [8] * 17
    ci = as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": d.strftime("%Y-%m-%d"), "connection": s}
            for d, s in zip(weeks, level, strict=True)
        ],
    )
    for discovery, expected in [
        ("2024-03-10", [("2025-03-10", "anniversary_of_discovery")]),
        ("2024-02-29", [("2025-02-28", "anniversary_of_discovery")]),
        ("2024-06-01", []),
    ]:
        ev = as_table(
            "events",
            [
                {"couple_id": "c1", "date": discovery, "kind": "discovery"},
                {"couple_id": "c1", "date": "2024-02-16", "kind": "agreement"},
            ],
        )
        logs = trustdata.Logs(checkins=ci, events=ev)
        r = review.review(logs, "c1")
        assert len(r.setbacks) == 1, r.setbacks
        start = r.setback_context.loc[0, "window_start"]
        got = r.setback_events_all.loc[
            r.setback_events_all["kind"].str.startswith("anniversary"), ["date", "kind"]
        ]
        assert [(d.strftime("%Y-%m-%d"), k) for d, k in got.values.tolist()] == expected, start


def test_a_chart_drawn_for_one_partner_says_the_other_has_not_rated_it(logs, reviewed, page):
    # couple-01's trust and layers charts showed only A, with no word about B (a reader asked
    # whether B's line was missing); B never gave a trust or layer score
    ci = logs.checkins.loc[logs.checkins["couple_id"] == "couple-01"]
    assert ci.loc[ci["partner"] == "B", "trust"].isna().all()
    r = reviewed("couple-01")
    assert r.partners_scoring == {
        "connection": ("A", "B"),
        "trust": ("A",),
        "layers": ("A",),
    }
    for audience in ("couple", "therapist"):
        shown = page("couple-01", audience)
        assert shown.count("has not (it is optional).</p>") == 1, audience  # trust
        assert shown.count("has not (they are optional).</p>") == 1, audience  # the layers
        text = shown.replace("<bdi>", "").replace("</bdi>", "")
        assert "Only A rated trust; B has not (it is optional)." in text
        assert "Only A rated the layers of trust; B has not (they are optional)." in text
    assert "(it is optional)" not in page("couple-02", "couple")


def test_the_trigger_table_says_none_logged_for_a_partner_without_triggers(
    reviewed, bundled_sample
):
    # couple-01's therapist table gave B, who logged no trigger, the verdict "not enough data"
    r = reviewed("couple-01")
    assert r.partners_with_triggers == ("A",)
    verdicts = r.trigger_trend.set_index("partner")["verdict"]
    assert verdicts["B"] == "insufficient_data"  # the analysis' own word stays
    page = bundled_sample.page("couple-01", "therapist")  # report.render(r, ...), made once
    i = page.index("intensity slope /month")
    table = page[i : page.index("</table>", i)]
    rows = {
        row.split("</bdi>")[0]: row for row in table.split("<tr><td><bdi>")[1:]
    }  # partner -> its row
    assert "<td>none logged</td>" in rows["B"]
    assert "not enough data" not in rows["B"] and "<td>lessening</td>" in rows["A"]

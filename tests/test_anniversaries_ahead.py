"""upcoming_anniversaries: the yearly returns ahead, and how last year's went."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustdata import triggers as tg
from trustdata.logs import as_table


def _events(rows):
    return as_table("events", rows)


def _trig(stamps, partner="A", couple="c1"):
    return as_table(
        "triggers",
        [
            {
                "couple_id": couple,
                "partner": partner,
                "timestamp": t,
                "category": "media",
                "intensity": 5,
            }
            for t in stamps
        ],
    )


EV = [{"couple_id": "c1", "date": "2023-03-14", "kind": "discovery"}]
# two triggers a month through 2024, and two more near 14 March 2024
BASE = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in (5, 20)]
NEAR = ["2024-03-12", "2024-03-15"]


def test_hand_worked_case_reuses_anniversary_summary() -> None:
    tr = _trig(BASE + NEAR)
    out = tg.upcoming_anniversaries(_events(EV), tr, on="2025-02-10")
    assert len(out) == 1
    row = out.iloc[0]
    assert row["anniversary"] == pd.Timestamp("2025-03-14")
    assert row["days_until"] == 32 and row["years_since"] == 2
    assert row["last_year_date"] == pd.Timestamp("2024-03-14")
    # by hand: the year centred on 2024-03-14 (182 days each side) holds the triggers from
    # 2023-09-14 to 2024-09-13: Jan-Aug 2024 (16) + 5 and 20 Sep? 5 Sep yes, 20 Sep no -> 17,
    # plus the two near ones = 19; near (within 7 days of 14 March): 12, 15 and 20 March = 3
    assert row["last_year_n_triggers"] == 19
    assert row["last_year_n_near"] == 3
    # the same numbers as anniversary_summary on that year and that event (one rule)
    year = tr.loc[(tr["timestamp"] >= "2023-09-14") & (tr["timestamp"] < "2024-09-13")]
    ref = tg.anniversary_summary(year, _events(EV), days=7).iloc[0]
    assert row["last_year_ratio"] == pytest.approx(ref["ratio"], rel=1e-12)
    assert row["last_year_p"] == pytest.approx(ref["p"], rel=1e-12)
    # ratio by hand: (3 / 19) / (15 / days in the span 2024-01-05 .. 2024-09-05 = 245)
    assert row["last_year_ratio"] == pytest.approx((3 / 19) / (15 / 245))


def test_horizon_and_first_anniversary_has_no_last_year() -> None:
    tr = _trig(["2024-01-05", "2024-02-01"])
    out = tg.upcoming_anniversaries(_events(EV), tr, on="2024-01-20", weeks=6)
    assert out.empty and list(out.columns) == list(tg.UPCOMING_COLUMNS)
    out = tg.upcoming_anniversaries(_events(EV), tr, on="2024-02-10", weeks=6)
    row = out.iloc[0]
    assert row["years_since"] == 1 and pd.isna(row["last_year_date"])
    assert np.isnan(row["last_year_ratio"]) and row["last_year_n_near"] == 0
    assert pd.isna(row["last_year_more_often"])


def test_last_year_not_covered_by_the_logs_gives_no_ratio() -> None:
    # the triggers start after last year's date: no claim about last year
    tr = _trig(["2024-06-01", "2024-09-01", "2025-01-10"])
    row = tg.upcoming_anniversaries(_events(EV), tr, on="2025-02-10").iloc[0]
    assert row["last_year_date"] == pd.Timestamp("2024-03-14")
    assert np.isnan(row["last_year_ratio"])


def test_default_on_is_the_couples_latest_record_and_holidays_by_name() -> None:
    ev = _events(
        [
            *EV,
            {
                "couple_id": "c1",
                "date": "2022-04-20",
                "kind": "other",
                "note": "Our Wedding Anniversary",
            },
            {"couple_id": "c1", "date": "2022-04-02", "kind": "other", "note": "beside the lake"},
            {"couple_id": "c1", "date": "2023-03-30", "kind": "agreement"},
        ]
    )
    tr = _trig(["2025-01-01", "2025-03-10"])
    out = tg.upcoming_anniversaries(ev, tr)
    assert (out["on"] == pd.Timestamp("2025-03-10")).all()
    assert out["label"].tolist() == ["discovery", "wedding anniversary"]
    assert out["event_kind"].tolist() == ["discovery", "other"]
    assert out["days_until"].tolist() == [4, 41]


def test_leap_day_and_partners_and_couples_without_triggers() -> None:
    ev = _events(
        [
            {"couple_id": "c1", "date": "2024-02-29", "kind": "disclosure"},
            {"couple_id": "c2", "date": "2023-02-20", "kind": "discovery"},
        ]
    )
    tr = pd.concat([_trig(["2025-01-01"], "A"), _trig(["2025-01-02"], "B")], ignore_index=True)
    out = tg.upcoming_anniversaries(ev, tr, on="2025-02-01")
    c1 = out.loc[out["couple_id"] == "c1"]
    assert c1["anniversary"].unique().tolist() == [pd.Timestamp("2025-02-28")]
    assert c1["partner"].tolist() == ["A", "B"]
    c2 = out.loc[out["couple_id"] == "c2"]
    assert len(c2) == 1 and pd.isna(c2["partner"].iloc[0])


def test_planted_threefold_rate_around_last_years_date() -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2023-04-01", "2025-02-01", freq="D")
    anniv = pd.Timestamp("2024-03-14")
    near = (abs((days - anniv).days) <= 7).astype(float)
    rate = 0.6 * (1 + 2 * near)  # three times as often within a week of the anniversary
    counts = rng.poisson(rate)
    stamps = np.repeat(days.to_numpy(), counts) + np.timedelta64(20, "h")
    out = tg.upcoming_anniversaries(_events(EV), _trig(list(stamps)), on="2025-02-20")
    ratio = out["last_year_ratio"].iloc[0]
    assert 2.0 < ratio < 4.0
    assert out["last_year_p"].iloc[0] < 0.01
    assert bool(out["last_year_more_often"].iloc[0])
    # no planted rise: not "more often"
    flat = rng.poisson(np.full(len(days), 0.6))
    stamps = np.repeat(days.to_numpy(), flat) + np.timedelta64(20, "h")
    row = tg.upcoming_anniversaries(_events(EV), _trig(list(stamps)), on="2025-02-20").iloc[0]
    assert not row["last_year_more_often"]


def test_bad_arguments() -> None:
    tr = _trig(BASE)
    with pytest.raises(ValueError, match="`on`"):
        tg.upcoming_anniversaries(_events(EV), tr, on="someday")
    with pytest.raises(ValueError, match="`weeks`"):
        tg.upcoming_anniversaries(_events(EV), tr, weeks=0)
    with pytest.raises(ValueError, match="`kinds`"):
        tg.upcoming_anniversaries(_events(EV), tr, kinds=("birthday",))


# --- on the pages: ahead of the day the page is made ------------------------------------------


def _cut_couple_03():
    """couple-03's logs (discovery 13 January 2024) cut to end on 1 January 2025."""
    import trustdata
    from trustdata import report
    from trustdata.logs import Logs

    one = trustdata.load(report.resolve_path("data/sample/couples")).couple("couple-03")
    end = pd.Timestamp("2025-01-02")
    return Logs(
        checkins=one.checkins.loc[one.checkins["date"] < end],
        triggers=one.triggers.loc[one.triggers["timestamp"] < end],
        events=one.events.loc[one.events["date"] < end],
    )


def test_the_review_looks_ahead_from_the_day_the_page_is_made() -> None:
    import re

    from trustdata import report
    from trustdata import review as rv

    # a reviewer found "discovery | 13 January 2025" listed as ahead on a page made in December
    # 2026, as the review looked ahead from the logs' latest record (1 January 2025)
    r = rv.review(_cut_couple_03(), "couple-03", today="2026-12-03")
    ahead = r.anniversaries
    assert set(ahead["on"]) == {pd.Timestamp("2026-12-03")}
    assert ahead["anniversary"].tolist() == [pd.Timestamp("2027-01-13")] * len(ahead)
    assert ahead["label"].tolist() == ["discovery"] * len(ahead)
    page = report.render(r, audience="therapist")
    part = page[page.index('<section id="anniversaries"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</section>")]))
    assert "13 January 2027" in text and "13 January 2025" not in text
    assert "The coming 6 weeks from 3 December 2026, the day this page was made." in text
    couple = report.render(r, audience="couple")
    assert "The anniversary of the discovery is on 13 January." in couple
    # made on 1 February 2025, after the discovery's second return: nothing ahead to list
    assert rv.review(_cut_couple_03(), "couple-03", today="2025-02-01").anniversaries.empty

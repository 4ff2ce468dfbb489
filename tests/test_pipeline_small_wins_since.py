"""The cohort pipeline's small wins follow the couple's review after hard news (leftovers12).

``pipeline.run(...)["small_wins"]`` called ``milestones.small_wins(checkins, triggers)`` on the
whole logs, while the couple's review finds the wins again on the records since the latest hard
news (a repeat betrayal, new information, a separation): a researcher comparing cohorts counted
couple-04's "best week so far" from before its repeat betrayal.  Now each couple's wins are
found since its latest hard news (:func:`trustdata.milestones.latest_hard_news`, the one rule
the review reads too), in one vectorised call, and a ``since`` column says from when.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import trustdata
from trustdata import milestones, pipeline, schemas
from trustdata import review as rv
from trustdata.logs import Logs, as_table

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "couples"
COLUMNS = list(milestones.SMALL_WIN_COLUMNS)


@pytest.fixture(scope="module")
def sample() -> Logs:
    return trustdata.load(SAMPLE)


@pytest.fixture(scope="module")
def cohort_wins(sample) -> pd.DataFrame:
    return pipeline.run(sample, ["small_wins"], partitions=2)["small_wins"]


def _of(wins: pd.DataFrame, cid: str) -> pd.DataFrame:
    return wins.loc[wins["couple_id"] == cid, COLUMNS].reset_index(drop=True)


@pytest.mark.parametrize("cid", ["couple-03", "couple-04"])
def test_a_couple_after_hard_news_gets_the_small_wins_of_its_review(sample, cohort_wins, cid):
    # couple-04: repeat betrayal on 6 July 2024; couple-03: new information on 28 April 2024
    # (both partners log triggers to the end, so the review's own rule for a partner who
    # stopped logging triggers drops none of their streaks)
    page = rv.review(sample, cid, today="2026-12-01")
    pdt.assert_frame_equal(_of(cohort_wins, cid), page.small_wins[COLUMNS].reset_index(drop=True))
    rows = cohort_wins.loc[cohort_wins["couple_id"] == cid]
    assert (rows["since"] == page.latest_hard_news).all()


def test_couple_04s_best_week_is_no_longer_counted_from_before_the_repeat_betrayal(cohort_wins):
    best = cohort_wins.loc[
        (cohort_wins["couple_id"] == "couple-04") & (cohort_wins["kind"] == "best_week")
    ]
    assert len(best) == 2
    assert (best["date"] >= pd.Timestamp("2024-07-06")).all()
    assert best["evidence"].str.contains("best week since the repeat betrayal").all()
    assert not best["evidence"].str.contains("so far").any()


def test_a_couple_without_hard_news_keeps_its_whole_logs(sample, cohort_wins):
    one = sample.couple("couple-01")
    whole = milestones.small_wins(one.checkins, one.triggers)
    pdt.assert_frame_equal(_of(cohort_wins, "couple-01"), whole.reset_index(drop=True))
    rows = cohort_wins.loc[cohort_wins["couple_id"] == "couple-01"]
    assert rows["since"].isna().all() and rows["since"].dtype == "datetime64[ns]"


def _couple(cid: str, monday: str, scores: list[int]) -> list[dict]:
    start = pd.Timestamp(monday)
    return [
        {"couple_id": cid, "partner": "A", "date": start + pd.Timedelta(weeks=i), "connection": s}
        for i, s in enumerate(scores)
    ]


def test_each_couple_since_its_own_news_equals_each_couple_alone():
    # three couples in one call: news on a Saturday (the first whole week is the next one), on
    # a Monday (that week counts), and none; every row as the scalar call gives it
    scores = [8, 8, 8, 8, 3, 4, 7, 8, 7, 8, 7, 6]
    ci = as_table(
        "checkins",
        _couple("c1", "2025-01-06", scores)
        + _couple("c2", "2025-01-06", scores)
        + _couple("c3", "2025-01-06", scores),
    )
    # a major trigger in January for all three (and c1's on 5 February, before its news), a
    # minor one in March
    tr = as_table(
        "triggers",
        [
            {"couple_id": c, "partner": "A", "timestamp": t, "category": "location",
             "intensity": i}
            for c in ("c1", "c2", "c3")
            for t, i in [("2025-01-14 20:00", 8), ("2025-02-05 20:00", 8 if c == "c1" else 2),
                         ("2025-03-05 20:00", 3)]
        ],
    )  # fmt: skip
    ev = as_table(
        "events",
        [
            {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
            {"couple_id": "c1", "date": "2025-02-08", "kind": "repeat_betrayal"},
            {"couple_id": "c2", "date": "2025-01-01", "kind": "discovery"},
            {"couple_id": "c2", "date": "2025-02-03", "kind": "new_information"},
            {"couple_id": "c3", "date": "2025-01-01", "kind": "discovery"},
        ],
    )
    got = pipeline.run(Logs(checkins=ci, triggers=tr, events=ev), ["small_wins"])["small_wins"]
    for cid, since, words in [
        ("c1", "2025-02-08", "the repeat betrayal"),
        ("c2", "2025-02-03", "the new information"),
        ("c3", None, None),
    ]:
        one_ci, one_tr = ci.loc[ci["couple_id"] == cid], tr.loc[tr["couple_id"] == cid]
        alone = milestones.small_wins(one_ci, one_tr, since=since, since_words=words)
        pdt.assert_frame_equal(_of(got, cid), alone.reset_index(drop=True))
        said = got.loc[got["couple_id"] == cid, "since"]
        assert said.isna().all() if since is None else (said == pd.Timestamp(since)).all()
    said = {c: _of(got, c).set_index("kind")["evidence"] for c in ("c1", "c2", "c3")}
    streak = "weeks_without_major_trigger"
    assert said["c1"][streak].endswith(
        "since the week of 10 February 2025, the first whole week after the repeat betrayal."
    )
    assert said["c2"][streak].endswith(
        "since the week of 3 February 2025, the week of the new information."
    )
    assert said["c3"][streak].endswith(
        "since the week of 20 January 2025; their longest stretch so far."
    )
    assert said["c1"]["best_week"].startswith("A's best week since the repeat betrayal: ")


def test_hard_news_is_one_rule_read_by_the_review_and_the_pipeline():
    assert rv.HARD_NEWS_KINDS is milestones.HARD_NEWS_KINDS
    assert rv.HARD_NEWS_SINCE is milestones.HARD_NEWS_SINCE
    assert set(milestones.HARD_NEWS_KINDS) <= set(schemas.EVENT_KINDS)
    # before the anchor (the discovery) a separation is no hard news of the recovery; on one
    # date the event logged last names it
    ev = as_table(
        "events",
        [
            {"couple_id": "c1", "date": "2024-12-01", "kind": "separation"},
            {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
            {"couple_id": "c1", "date": "2025-03-03", "kind": "new_information"},
            {"couple_id": "c1", "date": "2025-03-03", "kind": "repeat_betrayal"},
            {"couple_id": "c2", "date": "2024-12-01", "kind": "separation"},
        ],
    )
    latest = milestones.latest_hard_news(ev)
    assert latest.to_dict("list") == {
        "couple_id": ["c1", "c2"],
        "date": [pd.Timestamp("2025-03-03"), pd.Timestamp("2024-12-01")],
        "kind": ["repeat_betrayal", "separation"],
        "since_words": ["the repeat betrayal", "the separation"],
    }
    assert milestones.latest_hard_news(ev[:0]).columns.tolist() == [
        "couple_id",
        "date",
        "kind",
        "since_words",
    ]


def test_dates_by_couple_are_checked_as_one_date_is():
    ci = as_table("checkins", _couple("c1", "2025-01-06", [5, 6, 7]))
    with pytest.raises(ValueError, match="a Series of dates by couple id"):
        milestones.small_wins(ci, since=pd.Series({"c1": "not a date"}))
    with pytest.raises(ValueError, match="one date per couple id"):
        milestones.small_wins(ci, since=pd.Series(["2025-01-06", "2025-01-13"], index=["c1"] * 2))
    with pytest.raises(ValueError, match="must be words such as"):
        milestones.small_wins(
            ci, since=pd.Series({"c1": "2025-01-06"}), since_words=pd.Series({"c1": " "})
        )
    with pytest.raises(ValueError, match="must be words such as"):
        milestones.small_wins(ci, since="2025-01-06", since_words=pd.Series({"c1": "x"}))

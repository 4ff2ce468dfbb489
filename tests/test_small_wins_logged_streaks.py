"""One rule for "not logging is not a win", read by the review and the cohort pipeline.

The review dropped a calm-streak win (``weeks_without_major_trigger``, ``longest_calm_streak``)
of a partner whose latest trigger is more than :data:`trustdata.milestones.STOPPED_DAYS` days
before the streak's last week, while the cohort pipeline's small wins
(``pipeline.ANALYSES["small_wins"]``, which ``trustdata.cohort.run`` reads) kept it: sample
couple-02 had one more row there than on its page.  Now :func:`trustdata.milestones.small_wins`
applies the rule itself (option ``stopped_days``), and both read it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import trustdata
from trustdata import milestones, pipeline
from trustdata import review as rv
from trustdata.logs import as_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"
COLUMNS = list(milestones.SMALL_WIN_COLUMNS)
STREAKS = ["weeks_without_major_trigger", "longest_calm_streak"]


@pytest.fixture(scope="module")
def sample():
    return trustdata.load(SAMPLE)


@pytest.fixture(scope="module")
def cohort_wins(sample) -> pd.DataFrame:
    return pipeline.run(sample, ["small_wins"], partitions=2)["small_wins"]


@pytest.mark.parametrize("cid", ["couple-01", "couple-02", "couple-03", "couple-04"])
def test_the_pipelines_small_wins_of_each_sample_couple_are_its_reviews(sample, cohort_wins, cid):
    page = rv.review(sample, cid, today="2026-12-01").small_wins
    got = cohort_wins.loc[cohort_wins["couple_id"] == cid]
    both = [c for c in got.columns if c in page.columns]
    assert set(COLUMNS) <= set(both)
    pdt.assert_frame_equal(got[both].reset_index(drop=True), page[both].reset_index(drop=True))


def test_couple_02s_streak_after_it_stopped_logging_triggers_is_in_neither(sample, cohort_wins):
    # the row the pipeline had and the page had not: a partner's calm streak whose last week is
    # more than 28 days after that partner's latest trigger
    whole = milestones.small_wins(
        sample.checkins, sample.triggers, stopped_days=None
    )  # the rule off: every streak
    last = sample.triggers.groupby(["couple_id", "partner"])["timestamp"].max()
    streaks = whole.loc[whole["kind"].isin(STREAKS)]
    late = [
        (r.couple_id, r.partner, r.kind)
        for r in streaks.itertuples()
        if (r.end - last[(r.couple_id, r.partner)].normalize()).days > milestones.STOPPED_DAYS
    ]
    assert [c for c, _, _ in late] == ["couple-02"]
    kept = {(r.couple_id, r.partner, r.kind) for r in cohort_wins.itertuples()}
    assert not set(late) & kept


def test_review_stopped_days_is_the_milestones_constant():
    assert rv.STOPPED_DAYS == milestones.STOPPED_DAYS == 28
    assert milestones.UNLOGGED_WEEKS * 7 == milestones.STOPPED_DAYS


MONDAY = pd.Timestamp("2025-01-06")


def _logs(trigger_weeks: list[int], checkin_weeks: int = 12, partners=("A",)):
    ci = as_table(
        "checkins",
        [
            {"couple_id": c, "partner": p, "date": MONDAY + pd.Timedelta(weeks=w),
             "connection": 5}
            for c in ("c1", "c2") for p in partners for w in range(checkin_weeks)
        ],
    )  # fmt: skip
    tr = as_table(
        "triggers",
        [
            {"couple_id": c, "partner": p,
             "timestamp": MONDAY + pd.Timedelta(weeks=w, hours=20), "category": "location",
             "intensity": 3}
            for c in ("c1", "c2") for p in partners
            for w in (trigger_weeks if (c, p) != ("c2", "A") else [0, 11])
        ],
    )  # fmt: skip
    return ci, tr


@pytest.mark.parametrize(
    ("last_trigger_week", "kept"),
    [
        (11, True),  # a trigger in the streak's last week
        (7, True),  # 4 weeks (28 days) before the last week: still logging
        (6, False),  # 35 days before: not logging triggers at the streak's end
    ],
)
def test_a_current_streak_is_kept_only_while_the_partner_logs_triggers(last_trigger_week, kept):
    # check-ins every week 0-11; c1's partner A logs a minor trigger in week 0 and in
    # `last_trigger_week`; c2's A logs to the end (kept in every case: the rule is per couple)
    ci, tr = _logs([0, last_trigger_week])
    wins = milestones.small_wins(ci, tr)
    streak = wins.loc[wins["kind"] == "weeks_without_major_trigger"]
    assert streak["couple_id"].tolist() == (["c1", "c2"] if kept else ["c2"])
    every = milestones.small_wins(ci, tr, stopped_days=None)
    assert (every["kind"] == "weeks_without_major_trigger").sum() == 2
    # the other wins never change
    pdt.assert_frame_equal(
        wins.loc[~wins["kind"].isin(STREAKS)].reset_index(drop=True),
        every.loc[~every["kind"].isin(STREAKS)].reset_index(drop=True),
    )


def test_the_rule_is_per_partner():
    ci, tr = _logs([0, 5], partners=("A", "B"))  # c1's A and B stop at week 5, c2's B too
    wins = milestones.small_wins(ci, tr)
    streak = wins.loc[wins["kind"] == "weeks_without_major_trigger"]
    assert list(zip(streak["couple_id"], streak["partner"], strict=True)) == [("c2", "A")]


def test_stopped_days_is_checked():
    ci, tr = _logs([0, 11])
    with pytest.raises(ValueError, match="`stopped_days`"):
        milestones.small_wins(ci, tr, stopped_days=-1)
    # a larger allowance keeps the streak of week 6 (35 days before the end)
    ci, tr = _logs([0, 6])
    wins = milestones.small_wins(ci, tr, stopped_days=35)
    assert (wins["kind"] == "weeks_without_major_trigger").sum() == 2

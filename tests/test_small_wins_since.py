"""Small wins after hard news are found again on the weeks since it, not filtered (fix11b).

A new user's review: the review dropped the wins that lay before the latest hard news instead
of finding them on the records since.  couple-04 (repeat betrayal 6 July 2024) lost B's first
good month (7.0 over the weeks of 23 September to 14 October 2024) because B's first one was in
May 2024, and a synthetic couple read "A's best week so far: ... 7.0, last reached in the week
of 14 July 2025 (4 times so far)" where two of the four weeks were before its betrayal.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from trustdata import milestones, report, synth
from trustdata import review as rv
from trustdata.logs import as_table

MONDAY = pd.Timestamp("2025-01-06")
#: a Saturday, in the week of Monday 3 February 2025 (week 4): the first whole week after it is
#: the week of 10 February (week 5)
NEWS = pd.Timestamp("2025-02-08")
# weeks 0-4 (6 January - 3 February) before the news, 5-11 (10 February - 24 March) after
SCORES = [8, 8, 8, 8, 3, 4, 7, 8, 7, 8, 7, 6]


def _checkins(scores=SCORES) -> pd.DataFrame:
    return as_table(
        "checkins",
        [
            {"couple_id": "c1", "partner": "A", "date": MONDAY + pd.Timedelta(weeks=i),
             "connection": s}
            for i, s in enumerate(scores)
        ],
    )  # fmt: skip


def _triggers(rows) -> pd.DataFrame:
    return as_table(
        "triggers",
        [
            {"couple_id": "c1", "partner": "A", "timestamp": t, "category": "location",
             "intensity": i}
            for t, i in rows
        ],
    )  # fmt: skip


def _kinds(wins: pd.DataFrame) -> dict[str, pd.Series]:
    return {w["kind"]: w for _, w in wins.iterrows()}


def test_without_since_the_best_week_counts_every_week_and_the_first_good_month_is_early():
    # the frame the review used to filter: the best week (8.0) is dated after the news but
    # counts its four weeks before it; the first good month is January's
    wins = _kinds(milestones.small_wins(_checkins()))
    assert wins["best_week"]["evidence"] == (
        "A's best week so far: a connection score of 8.0, last reached in the week of "
        "10 March 2025 (6 times so far)."
    )
    assert wins["first_good_month"]["end"] == pd.Timestamp("2025-01-20")


def test_with_since_the_wins_are_found_on_the_weeks_from_the_news_on():
    wins = milestones.small_wins(_checkins(), since=NEWS, since_words="the repeat betrayal")
    got = _kinds(wins)
    # by hand: weeks 5-11 score 4, 7, 8, 7, 8, 7, 6; the 8 is reached in weeks 7 and 9
    assert got["best_week"]["evidence"] == (
        "A's best week since the repeat betrayal: a connection score of 8.0, last reached in "
        "the week of 10 March 2025 (2 times since the repeat betrayal)."
    )
    # trailing 4-week means from week 5: 4, 5.5, 6.33, 6.5, then 7.5 (weeks 6-9: 7, 8, 7, 8)
    good = got["first_good_month"]
    assert good["value"] == pytest.approx(7.5)
    assert (good["start"], good["end"]) == (pd.Timestamp("2025-02-17"), pd.Timestamp("2025-03-10"))
    assert good["evidence"].startswith(
        "A's first good month since the repeat betrayal: the connection score averaged 7.5 over "
        "the 4 weeks from the week of 17 February 2025 to the week of 10 March 2025"
    )
    assert (wins["start"] >= NEWS).all() and (wins["date"] >= NEWS).all()


def test_since_is_the_same_as_the_records_from_the_first_whole_week_on():
    ci = _checkins()
    trig = _triggers([("2025-01-14 20:00", 8), ("2025-02-04 20:00", 8), ("2025-02-19 20:00", 3),
                      ("2025-03-05 20:00", 9), ("2025-03-20 20:00", 4)])  # fmt: skip
    first = pd.Timestamp("2025-02-10")  # the Monday after the Saturday of the news
    with_since = milestones.small_wins(ci, trig, since=NEWS, since_words="the repeat betrayal")
    alone = milestones.small_wins(ci.loc[ci["date"] >= first], trig.loc[trig["timestamp"] >= first])
    pd.testing.assert_frame_equal(
        with_since.drop(columns="evidence"), alone.drop(columns="evidence")
    )
    # the streak before the major trigger of 5 March ran from the first counted week
    got = _kinds(with_since)
    assert got["longest_calm_streak"]["evidence"] == (
        "A's longest stretch without a major trigger since the repeat betrayal: 3 weeks in a "
        "row, weeks of 10 February 2025 to 24 February 2025."
    )
    assert got["weeks_without_major_trigger"]["evidence"] == (
        "A has gone 3 weeks without a major trigger (intensity 7 or more), since the week of "
        "10 March 2025; as long as their longest stretch before."
    )


def test_a_streak_from_the_first_whole_week_says_so_and_is_the_longest_since():
    trig = _triggers([("2025-01-14 20:00", 8), ("2025-02-19 20:00", 3)])
    # the streaks' wording alone: the last trigger is more than 28 days before the streaks'
    # last week, which small_wins' default (stopped_days) would drop
    since = {"since": NEWS, "since_words": "the repeat betrayal", "stopped_days": None}
    wins = milestones.small_wins(_checkins(), trig, **since)
    assert _kinds(wins)["weeks_without_major_trigger"]["evidence"] == (
        "A has gone 7 weeks without a major trigger (intensity 7 or more), since the week of "
        "10 February 2025, the first whole week after the repeat betrayal."
    )
    # a major trigger then a calm streak longer than the one before
    trig = _triggers([("2025-02-12 20:00", 8), ("2025-02-19 20:00", 3)])
    wins = milestones.small_wins(_checkins(), trig, **since)
    assert _kinds(wins)["weeks_without_major_trigger"]["evidence"] == (
        "A has gone 6 weeks without a major trigger (intensity 7 or more), since the week of "
        "17 February 2025; their longest stretch since the repeat betrayal."
    )


def test_since_on_a_monday_counts_its_own_week_and_names_the_date_by_default():
    ci, trig = _checkins(), _triggers([("2025-02-04 20:00", 8), ("2025-02-19 20:00", 3)])
    monday = pd.Timestamp("2025-02-10")
    # the streak's wording alone: the last trigger is more than 28 days before the streak's
    # last week, which small_wins' default (stopped_days) would drop
    wins = milestones.small_wins(ci, trig, since=monday, stopped_days=None)
    alone = milestones.small_wins(
        ci.loc[ci["date"] >= monday], trig.loc[trig["timestamp"] >= monday], stopped_days=None
    )
    pd.testing.assert_frame_equal(wins.drop(columns="evidence"), alone.drop(columns="evidence"))
    got = _kinds(wins)
    assert got["best_week"]["evidence"].startswith("A's best week since 10 February 2025: ")
    assert got["weeks_without_major_trigger"]["evidence"] == (
        "A has gone 7 weeks without a major trigger (intensity 7 or more), since the week of "
        "10 February 2025."
    )
    named = milestones.small_wins(
        ci, trig, since=monday, since_words="the separation", stopped_days=None
    )
    assert _kinds(named)["weeks_without_major_trigger"]["evidence"] == (
        "A has gone 7 weeks without a major trigger (intensity 7 or more), since the week of "
        "10 February 2025, the week of the separation."
    )


def test_a_trend_of_the_earlier_weeks_is_refused_with_since():
    from trustdata.trends import weekly_trend

    ci = _checkins()
    with pytest.raises(ValueError, match="trend of the check-ins from `since` on"):
        milestones.small_wins(ci, trend=weekly_trend(ci, window=4), since=NEWS)
    later = ci.loc[ci["date"] >= pd.Timestamp("2025-02-10")]
    pd.testing.assert_frame_equal(
        milestones.small_wins(ci, trend=weekly_trend(later, window=4), since=NEWS),
        milestones.small_wins(ci, since=NEWS),
    )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"since_words": "the repeat betrayal"}, "pass `since` with it"),
        ({"since": NEWS, "since_words": " "}, "must be words such as"),
        ({"since": "not a date"}, "must be a date"),
    ],
)
def test_bad_since_options_are_refused_with_a_sentence(options, match):
    with pytest.raises(ValueError, match=match):
        milestones.small_wins(_checkins(), **options)


# --- the review and the page ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    import trustdata

    return trustdata.load(report.resolve_path("data/sample/couples"))


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def test_couple_04_shows_bs_first_good_month_since_the_repeat_betrayal(bundled):
    r = rv.review(bundled, "couple-04", today="2026-01-05")
    assert r.latest_hard_news == pd.Timestamp("2024-07-06")
    wins = r.small_wins.set_index(["partner", "kind"])
    good = wins.loc[("B", "first_good_month")]
    assert good["value"] == pytest.approx(7.0)
    assert (good["start"], good["end"]) == (pd.Timestamp("2024-09-23"), pd.Timestamp("2024-10-14"))
    says = (
        "first good month since the repeat betrayal: the connection score averaged 7.0 over "
        "the 4 weeks from the week of 23 September 2024 to the week of 14 October 2024"
    )
    assert good["evidence"].startswith("B's " + says)
    for audience in report.AUDIENCES:  # the page writes "<bdi>B</bdi>'s"
        assert "B 's " + says in _text(report.render(r, audience=audience))
    # every win rests on the weeks from the news on and says so
    assert (r.small_wins["start"] >= r.latest_hard_news).all()
    for _, w in r.small_wins.iterrows():
        if w["kind"] != "weeks_without_major_trigger":
            assert "since the repeat betrayal" in w["evidence"], w["evidence"]


def test_a_synthetic_best_week_counts_only_the_weeks_since_the_betrayal(tmp_path):
    import trustdata

    # as `trustdata sample s1 --couples 3 --seed 5 --format json`
    synth.write_sample(tmp_path / "s1", couples=3, seed=5, format="json")
    logs = trustdata.load(tmp_path / "s1")
    r = rv.review(logs, "couple-03")
    assert r.latest_hard_news == pd.Timestamp("2024-08-06")
    # by pandas: A's weekly means over the whole weeks from the news on (from 12 August 2024)
    ci = logs.couple("couple-03").checkins
    a = ci.loc[(ci["partner"] == "A") & (ci["date"] >= pd.Timestamp("2024-08-12"))]
    weekly = a.groupby(a["date"].dt.to_period("W-SUN").dt.start_time)["connection"].mean()
    top = weekly.max()
    times, last = int((weekly == top).sum()), weekly[weekly == top].index.max()
    assert times < int(
        (ci.loc[ci["partner"] == "A"].groupby(ci["date"].dt.to_period("W-SUN"))["connection"]
         .mean() == top).sum()
    )  # fmt: skip
    best = r.small_wins.set_index(["partner", "kind"]).loc[("A", "best_week")]
    assert best["value"] == top and best["date"] == last
    assert best["evidence"] == (
        f"A's best week since the repeat betrayal: a connection score of {top:.1f}, last "
        f"reached in the week of {last.day} {last:%B %Y} ({times} times since the repeat "
        "betrayal)."
    )


def test_a_best_week_count_names_the_news_it_counts_from_not_then():
    # reader13 F1: couple-03's page said "B's best week since the new information: a
    # connection score of 7.0, last reached in the week of 5 January 2026 (22 times since
    # then)": "then" read as that week, B's latest of the 22
    import trustdata

    folder = report.resolve_path("data/sample/couples")
    r = rv.review(trustdata.load(folder), "couple-03", today="2026-02-01")
    assert r.latest_hard_news == pd.Timestamp("2024-04-28")  # a Sunday: counted from 29 April
    # by pandas on the CSV: B's weekly means (Monday weeks) from 29 April 2024 on
    ci = pd.read_csv(folder / "checkins.csv", parse_dates=["date"])
    b = ci.loc[(ci["couple_id"] == "couple-03") & (ci["partner"] == "B")]
    b = b.loc[b["date"] >= pd.Timestamp("2024-04-29")]
    weekly = b.groupby(b["date"].dt.to_period("W-SUN").dt.start_time)["connection"].mean()
    top = weekly.max()
    times, last = int((weekly == top).sum()), weekly[weekly == top].index.max()
    assert (top, times, last) == (7.0, 22, pd.Timestamp("2026-01-05"))
    best = r.small_wins.set_index(["partner", "kind"]).loc[("B", "best_week"), "evidence"]
    assert best == (
        "B's best week since the new information: a connection score of 7.0, last reached in "
        "the week of 5 January 2026 (22 times since the new information)."
    )
    # no small win of any sample couple counts "since then"
    logs = trustdata.load(folder)
    for couple in sorted(logs.couples["couple_id"]):
        wins = rv.review(logs, couple, today="2026-02-01").small_wins
        assert not wins["evidence"].str.contains("since then").any(), couple

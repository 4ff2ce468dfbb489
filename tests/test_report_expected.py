"""Issue 14 on the pages: expected recovery against a reference, plan effect, anniversaries."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import charts, expected, report, synth, triggers
from trustdata import review as rv
from trustdata.logs import Logs, as_table

COHORT = report.resolve_path("data/sample/cohort")


@pytest.fixture(scope="module")
def bundled(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


#: The review of ``reviewed``: couple-02 against the bundled cohort on 5 January 2026.
REVIEWED = {"reference": str(COHORT), "today": "2026-01-05"}


@pytest.fixture(scope="module")
def reviewed(bundled_sample):
    """couple-02 (partner A not on track, plan clearly lower) against the bundled cohort."""
    return bundled_sample.review("couple-02", **REVIEWED)


@pytest.fixture(scope="module")
def reviewed_page(bundled_sample):
    """``report.render(reviewed, audience=audience, include_expected=...)``, made once."""

    def get(audience: str, include_expected: bool = False) -> str:
        return bundled_sample.page("couple-02", audience, include_expected, **REVIEWED)

    return get


@pytest.fixture(scope="module")
def logs_reviewed(bundled):
    """couple-02 against the bundled cohort passed as ``Logs`` (no folder, so no ``truth``
    marker): what two tests read, computed once."""
    ref = trustdata.cohort.load_cohort(COHORT, progress=False)
    return rv.review(bundled, "couple-02", reference=ref, today="2026-01-05")


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def _anniversary_logs() -> Logs:
    """Discovery on 14 March 2023; triggers about 6 times as often around 14 March 2024."""
    rng = np.random.default_rng(0)
    rows = []
    for d in pd.date_range("2023-03-01", "2025-02-20", freq="D"):
        near = abs((d - pd.Timestamp("2024-03-14")).days) <= 7
        if rng.random() < (0.9 if near else 0.15):
            rows.append({"couple_id": "c1", "partner": "A", "category": "location",
                         "timestamp": d + pd.Timedelta(hours=20), "intensity": 5})  # fmt: skip
    checkins = [
        {"couple_id": "c1", "partner": "A", "date": d, "connection": 5}
        for d in pd.date_range("2023-03-20", "2025-02-17", freq="W-MON")
    ]
    events = [{"couple_id": "c1", "date": "2023-03-14", "kind": "discovery", "partner": "A"}]
    return Logs(
        checkins=as_table("checkins", checkins),
        triggers=as_table("triggers", rows),
        events=as_table("events", events),
    )


# --- the review -------------------------------------------------------------------------------


def test_review_without_a_reference_claims_nothing(bundled_sample):
    r = bundled_sample.review("couple-02", today="2026-01-05")
    assert not r.reference_given and r.track is None and r.expected_band is None
    for audience in report.AUDIENCES:
        page = bundled_sample.page("couple-02", audience, True, today="2026-01-05")
        assert 'id="expected"' not in page and "expected range" not in page


def test_review_holds_the_band_and_status_of_the_analyses(bundled, reviewed):
    ref = trustdata.cohort.load_cohort(COHORT, progress=False)
    band = expected.expected_recovery(ref)
    pd.testing.assert_frame_equal(reviewed.expected_band, band)
    status = expected.track_status(bundled.couple("couple-02"), band)
    pd.testing.assert_frame_equal(reviewed.track, status)
    summary = expected.track_summary(status)
    pd.testing.assert_frame_equal(reviewed.track_now[list(summary.columns)], summary)
    # no forecast in the review's band (off by default): the band's rule decides every status
    assert reviewed.expected_band.attrs["forecast"] is None
    assert set(reviewed.track_now["status_reason"]) == {"band"}
    assert reviewed.reference_synthetic and reviewed.reference_couples == 300
    a = reviewed.track_now.set_index("partner").loc["A"]
    assert a["status"] == "not_on_track"
    # since when: the Monday the latest run of not_on_track began, and every assessed week from
    # it on is not_on_track while the week before it is not
    rows = status.loc[(status["partner"] == "A") & (status["status"] != "not_assessed")]
    rows = rows.sort_values("week")
    after = rows.loc[rows["week"] >= a["status_since"], "status"]
    before = rows.loc[rows["week"] < a["status_since"], "status"]
    assert set(after) == {"not_on_track"} and before.iloc[-1] != "not_on_track"


def test_a_logs_reference_is_synthetic_only_with_the_marker(bundled, logs_reviewed):
    ref = trustdata.cohort.load_cohort(COHORT, progress=False)
    r = logs_reviewed
    assert r.reference_given and not r.reference_synthetic and r.track_now is not None
    marked = Logs(
        checkins=ref.checkins,
        triggers=ref.triggers,
        events=ref.events,
        couples=ref.couples.assign(synthetic=True),
    )
    assert rv.review(bundled, "couple-02", reference=marked).reference_synthetic


def test_a_too_small_reference_is_refused_with_a_sentence_and_nothing_claimed(bundled):
    small = synth.generate(couples=5, seed=3, months=12).logs
    with pytest.raises(ValueError) as err:
        expected.expected_recovery(small)
    r = rv.review(bundled, "couple-02", reference=small, today="2026-01-05")
    # the page's sentence names what the command can do, not the Python argument by=()
    said = str(err.value).replace(
        "(pass by=() to pool the roles, or a larger reference)",
        "(a larger reference cohort can give one, such as data/sample/cohort)",
    )
    assert "by=()" in str(err.value) and "by=()" not in said
    assert r.expected_refusal == said and r.track is None and r.track_now is None
    text = _text(report.render(r, audience="therapist"))
    assert said in text and "not on track" not in text
    couple = _text(report.render(r, audience="couple", include_expected=True))
    assert "Your therapist chose" not in couple


def test_review_always_holds_plan_effect_and_anniversaries(bundled, bundled_sample):
    r = bundled_sample.review("couple-02", today="2026-01-05")
    plan = triggers.plan_effect(bundled.couple("couple-02").triggers)
    want = plan.loc[plan["category"] == "all"].reset_index(drop=True)
    pd.testing.assert_frame_equal(r.plan_effect, want)
    assert r.plan_caution == triggers.PLAN_CAUTION
    assert list(r.anniversaries.columns) == list(
        triggers.upcoming_anniversaries(bundled.events, bundled.triggers).columns
    )


# --- the chart --------------------------------------------------------------------------------


def test_expected_band_chart_draws_the_status_frame(reviewed):
    rows = reviewed.track.loc[reviewed.track["partner"] == "A"]
    fig = charts.plot_expected_band(rows, names={"A": "<b>Al</b>"})
    assert [t.type for t in fig.data] == ["scatter"] * 5
    low, high, median, mean, flags = fig.data
    banded = rows.loc[rows["expected_low"].notna()].sort_values("week")
    np.testing.assert_allclose(low.y, banded["expected_low"])
    np.testing.assert_allclose(high.y, banded["expected_high"])
    assert high.fill == "tonexty" and median.line.dash == "dash"
    np.testing.assert_allclose(median.y, banded["expected_median"])
    np.testing.assert_allclose(mean.y, banded["rolling_mean"].to_numpy(), equal_nan=True)
    flagged = banded.loc[banded["status"] == "not_on_track"]
    assert len(flags.y) == len(flagged) > 0
    assert mean.name == "&lt;b&gt;Al&lt;/b&gt;: 4-week mean"  # typed text escaped
    assert "<b>" not in str(mean.customdata)


def test_expected_band_chart_of_an_unassessed_partner_is_empty():
    st = pd.DataFrame({"partner": ["A"], "week": pd.to_datetime(["2025-01-06"]),
                       "rolling_mean": [np.nan], "expected_low": [np.nan],
                       "expected_median": [np.nan], "expected_high": [np.nan],
                       "status": ["not_assessed"]})  # fmt: skip
    assert len(charts.plot_expected_band(st).data) == 0


# --- the pages --------------------------------------------------------------------------------


def test_therapist_page_shows_the_band_status_and_caveat(reviewed, reviewed_page):
    page = reviewed_page("therapist")
    text = _text(page)
    assert "Against expected recovery" in text
    assert "reference of 300 couples" in text and "Synthetic reference, not real couples." in text
    a = reviewed.track_now.set_index("partner").loc["A"]
    since, below = report.day(a["status_since"]), report.day(a["below_since"])
    assert (
        f"not on track : below the expected range since the week of {below}; not on track from "
        f"the week of {since}, after {a['weeks_below_at_since']} weeks below"
    ) in text
    # A was not on track once before this run (week of 4 March 2024): said as before it, not
    # as "first flagged" after a status "since" a later week (a reader read a contradiction)
    first = report.day(a["first_flag_date"])
    assert f"; it had been so before too, first in the week of {first}." in text
    assert "first flagged" not in text
    assert rv.EXPECTED_CAVEAT in text
    assert text.count("4-week mean against the expected range") == 2  # a chart per partner


def test_therapist_page_lists_the_plan_rows_with_the_caution(reviewed_page):
    text = _text(reviewed_page("therapist"))
    assert "Triggers with and without the plan" in text
    assert "lower with the plan" in text and triggers.PLAN_CAUTION in text.replace("&#39;", "'")


def test_couple_page_says_the_expected_range_only_when_the_therapist_chose(reviewed_page):
    plain = _text(reviewed_page("couple"))
    assert "Your therapist chose" not in plain and "Synthetic" not in plain
    chosen = _text(reviewed_page("couple", include_expected=True))
    assert (
        "Your therapist chose to show this: for four weeks or more, A 's recent average" in chosen
    )
    assert "It does not say how things will go" in chosen


def test_couple_page_says_a_synthetic_reference_is_made_up_couples_not_most_people(
    bundled, reviewed, reviewed_page, logs_reviewed
):
    # couple-02 against the bundled (synthetic) cohort: the couple page said "lower than most
    # people who started at a similar level" and never that the reference is made up
    assert reviewed.reference_synthetic
    text = _text(reviewed_page("couple", include_expected=True))
    assert (
        "A 's recent average has been lower than most partners in made-up example couples "
        "(not real people) who started at a similar level had at this point."
    ) in text
    assert "most people" not in text
    # the anonymized copy of it (made with the public demo key) is synthetic too
    anon = rv.review(
        bundled,
        "couple-02",
        reference=str(report.resolve_path("data/sample/cohort_anonymized")),
        today="2026-01-05",
    )
    assert anon.reference_synthetic
    anon_text = _text(report.render(anon, audience="couple", include_expected=True))
    assert "made-up example couples (not real people)" in anon_text
    assert "most people" not in anon_text
    # a reference the review does not find synthetic keeps "most people"
    real = logs_reviewed
    assert not real.reference_synthetic and real.expected_couple == {"A": "below"}
    real_text = _text(report.render(real, audience="couple", include_expected=True))
    assert "lower than most people who started at a similar level" in real_text
    assert "made-up" not in real_text
    for told, sentence in report.EXPECTED_COUPLE_WORDS.items():
        assert sentence.count("most people") == 1
        made_up = report.EXPECTED_COUPLE_WORDS_SYNTHETIC[told]
        assert "most people" not in made_up and "made-up example couples" in made_up


def test_couple_page_plan_sentence_only_when_the_verdict_is_clear(
    bundled_sample, reviewed, reviewed_page
):
    assert "lower_with_plan" in set(reviewed.plan_effect["verdict"])
    assert "handled with your plan were clearly milder" in _text(reviewed_page("couple"))
    other = bundled_sample.review("couple-01", today="2026-01-05")
    assert "lower_with_plan" not in set(other.plan_effect["verdict"])
    assert "handled with your plan" not in _text(
        bundled_sample.page("couple-01", "couple", today="2026-01-05")
    )


def test_anniversary_sentences_and_therapist_list():
    r = rv.review(_anniversary_logs(), "c1", today="2025-02-21")
    row = r.anniversaries.iloc[0]
    assert bool(row["last_year_more_often"])
    couple = _text(report.render(r, audience="couple"))
    ratio = f"{row['last_year_ratio']:.1f}"
    assert (
        "The anniversary of the discovery is on 14 March. Last year triggers came about "
        f"{ratio} times as often in the two weeks around it; planning that week together may help."
    ) in couple
    therapist = _text(report.render(r, audience="therapist"))
    assert "Anniversaries ahead" in therapist and f"{row['last_year_ratio']:.2f}" in therapist


def test_anniversary_without_a_clear_last_year_says_only_the_date():
    logs = _anniversary_logs()
    calm = logs.triggers.loc[
        (logs.triggers["timestamp"] - pd.Timestamp("2024-03-14")).abs() > pd.Timedelta(days=8)
    ]
    calm_logs = Logs(checkins=logs.checkins, triggers=calm, events=logs.events)
    r = rv.review(calm_logs, "c1", today="2025-02-21")  # the day after the logs end
    assert not r.anniversaries["last_year_more_often"].fillna(False).astype(bool).any()
    couple = _text(report.render(r, audience="couple"))
    assert "The anniversary of the discovery is on 14 March." in couple
    assert "Last year triggers came" not in couple


@pytest.mark.parametrize("audience", ["therapist", "couple"])
def test_every_number_with_a_reference_is_a_value_of_the_review(reviewed, reviewed_page, audience):
    from test_report import _printed_numbers, _review_values

    page = reviewed_page(audience, include_expected=True)
    allowed = _review_values(reviewed)
    strays = sorted({n for n in _printed_numbers(page) if n not in allowed})
    assert strays == []


def test_couple_page_on_track_and_watch_words(bundled_sample):
    r = bundled_sample.review("couple-03", **REVIEWED)
    now = r.track_now.set_index("partner")["status"].to_dict()
    assert now == {"A": "on_track", "B": "watch"}
    text = _text(bundled_sample.page("couple-03", "couple", True, **REVIEWED))
    assert "A 's recent average is within the usual range" in text
    assert "B 's recent average" not in text  # "watch" is not clear enough to tell the couple


def test_review_decides_what_the_couple_page_may_say(reviewed):
    assert reviewed.expected_couple == {"A": "below"}  # B is on "watch": not told
    assert reviewed.plan_clear_partners == ("A",)
    r = rv.review(_anniversary_logs(), "c1", today="2025-02-21")  # the day after the logs end
    notes = r.anniversary_notes
    assert notes["label"].tolist() == ["discovery"]
    assert notes["anniversary"].tolist() == [pd.Timestamp("2025-03-14")]
    assert notes["last_year_ratio"].iloc[0] == pytest.approx(
        r.anniversaries["last_year_ratio"].max()
    )


def test_couple_page_within_the_band_below_its_median_is_not_at_or_above_most(bundled_sample):
    # couple-04's A: 4-week mean 4.5 against a band 3.38 / 6.21 / 7.45 (10th / median / 90th):
    # inside the band, below its middle; "at or above where most people were" would be false
    r = bundled_sample.review("couple-04", **REVIEWED)
    a = r.track_now.set_index("partner").loc["A"]
    assert a["status"] == "on_track"
    assert a["expected_low"] <= a["rolling_mean"] < a["expected_median"]
    assert r.expected_couple["A"] == "within"
    text = _text(bundled_sample.page("couple-04", "couple", True, **REVIEWED))
    assert (
        "A 's recent average is within the usual range: the range where most partners in "
        "made-up example couples (not real people) who started at a similar level were at this "
        "point."
    ) in text
    assert "at or above" not in text and "not below the usual range" not in text


def test_review_tells_the_couple_above_only_above_the_band():
    now = pd.DataFrame(
        {"partner": ["A", "B", "C", "D", "E"],
         "status": ["on_track", "on_track", "not_on_track", "watch", "on_track"],
         "status_reason": ["band"] * 5,
         "rolling_mean": [8.5, 6.0, 3.0, 4.0, np.nan],
         "expected_low": [4.0, 4.0, 4.0, 5.0, 4.0],
         "expected_high": [8.0, 8.0, 8.0, 8.0, 8.0]}
    )  # fmt: skip
    assert rv._told_couple(now) == {"A": "above", "B": "within", "C": "below"}
    assert "above the usual range: higher than most people" in report.EXPECTED_COUPLE_ABOVE


def test_pages_say_the_reference_does_not_reach_the_latest_weeks(
    bundled_sample, reviewed, reviewed_page
):
    # couple-02's logs run to 15 June 2025 (week of 9 June), 75 weeks after the discovery; the
    # reference's band covers weeks 0-66 only (to the week of 7 April 2025): the comparison is
    # for 7 April, and the pages must say so rather than "at this point"
    now = reviewed.track_now.set_index("partner")
    assert now.loc["A", "status_date"] == pd.Timestamp("2025-04-07")
    assert now.loc["A", "reference_end"] == pd.Timestamp("2025-04-07")
    assert now.loc["A", "last_week"] == pd.Timestamp("2025-06-09")
    assert bool(now.loc["A", "beyond_reference"])
    assert reviewed.expected_band["aligned_week"].max() == 66
    couple = _text(reviewed_page("couple", include_expected=True))
    assert (
        "This compares the week of 7 April 2025, the last week the reference covers; it does "
        "not reach A 's later weeks."
    ) in couple
    therapist = _text(reviewed_page("therapist"))
    assert (
        "(latest week assessed: 7 April 2025, the last week the reference covers; it does not "
        "reach the later weeks, to the week of 9 June 2025)"
    ) in therapist
    # couple-04's logs end (3 March 2025, week 58) inside the reference's weeks: nothing to add
    r = bundled_sample.review("couple-04", **REVIEWED)
    assert not r.track_now["beyond_reference"].any()
    for audience in report.AUDIENCES:
        text = _text(bundled_sample.page("couple-04", audience, True, **REVIEWED))
        assert "the reference covers" not in text and "does not reach" not in text


def test_reference_reach_when_the_last_assessed_week_is_before_the_reference_end():
    status = pd.DataFrame(
        {"couple_id": ["c"] * 4, "partner": ["A"] * 4, "role": ["hurt"] * 4,
         "week": pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]),
         "aligned_week": [8, 9, 10, 11], "score": [5.0, 5.0, 5.0, 6.0]}
    )  # fmt: skip
    band = pd.DataFrame({"role": ["hurt", "hurt"], "aligned_week": [0, 10]})
    band.attrs["by"] = ("role",)
    now = pd.DataFrame({"couple_id": ["c"], "partner": ["A"], "role": ["hurt"]})
    out = rv._reference_reach(now, status, band).iloc[0]
    assert out["reference_end"] == pd.Timestamp("2025-01-20")
    assert out["last_week"] == pd.Timestamp("2025-01-27") and bool(out["beyond_reference"])
    inside = rv._reference_reach(now, status.iloc[:3], band).iloc[0]
    assert not bool(inside["beyond_reference"])


def test_therapist_card_names_when_the_run_below_began_and_when_the_flag_came(
    reviewed, reviewed_page
):
    # couple-02's A: below the band from the week of 17 March 2025 (weeks 63-66), flagged "not
    # on track" in the fourth week of that run (7 April); "not on track since 7 April" alone hid
    # the three weeks below before it
    a = reviewed.track_now.set_index("partner").loc["A"]
    assert a["status"] == "not_on_track" and a["status_since"] == pd.Timestamp("2025-04-07")
    assert a["below_since"] == pd.Timestamp("2025-03-17") and a["weeks_below_at_since"] == 4
    text = _text(reviewed_page("therapist"))
    assert (
        "A (hurt partner): not on track : below the expected range since the week of 17 March "
        "2025; not on track from the week of 7 April 2025, after 4 weeks below (latest week "
        "assessed: 7 April 2025"
    ) in text
    assert "not on track (below the expected range 4 weeks or more running) since" not in text


def test_track_status_below_since_is_the_start_of_the_run_below(reviewed):
    # recomputed from the positions alone: the first "below" week after the last known week
    # that was not below (unknown weeks neither break nor extend the run)
    for _, rows in reviewed.track.groupby("partner"):
        start = pd.NaT
        for row in rows.itertuples():
            if row.position == "below":
                start = row.week if pd.isna(start) else start
            elif row.position in ("within", "above"):
                start = pd.NaT
            if row.weeks_below > 0:
                assert row.below_since == start
            else:
                assert pd.isna(row.below_since)
    assert reviewed.track["below_since"].notna().any()


def test_below_since_survives_the_unknown_weeks_after_a_week_below(reviewed):
    # couple-02's B: below the band in the week of 7 April 2025 (run 1), then weeks beyond the
    # reference (position unknown) that keep the run at 1: they are no new start
    b = reviewed.track.loc[reviewed.track["partner"] == "B"].set_index("week")
    assert b.loc["2025-04-07", "position"] == "below" and b.loc["2025-04-07", "weeks_below"] == 1
    after = b.loc[b.index > "2025-04-07"]
    assert len(after) > 0 and set(after["position"]) == {"unknown"}
    assert (after["weeks_below"] == 1).all()
    assert (after["below_since"] == pd.Timestamp("2025-04-07")).all()

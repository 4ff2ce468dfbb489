"""Red flags "new since the last session": not raised on the records dated before it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata import milestones, review

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"


@pytest.fixture(scope="module")
def logs(bundled_sample):
    """``trustdata.load(SAMPLE)`` (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def flags(bundled_sample):
    """``review.review(logs, couple, since=...)``'s flags and whether each is new since: the
    review made once per worker (tests/conftest.py), as the page test reads it too."""

    def get(couple, since):
        r = bundled_sample.review(couple, since=pd.Timestamp(since))
        return r.red_flags.set_index(["flag", "partner"])["new_since"]

    return get


def test_a_standing_flag_raised_before_the_session_is_not_new(logs, flags):
    # couple-02's "no reliable improvement after a year" held on the logs up to 1 March 2025
    # already (a reader found the page calling it "new since 1 March 2025"): the flag's date is
    # its latest check-in, which is after the session, but the condition is not new
    ci = logs.checkins.loc[logs.checkins["couple_id"] == "couple-02"]
    before = milestones.red_flags(ci.loc[ci["date"] < "2025-03-01"])
    assert set(before["flag"]) == {"no_reliable_improvement_12m"}
    new = flags("couple-02", "2025-03-01")
    assert new.index.get_level_values("flag").tolist() == ["no_reliable_improvement_12m"] * 2
    assert not new.any()


def test_a_flag_first_raised_after_the_session_is_new(flags):
    # on 1 January 2024 couple-02 had logged under a year: the flag came later
    new = flags("couple-02", "2024-01-01")
    assert new.all() and len(new) == 2


def test_an_event_flag_is_new_only_when_its_event_is(flags):
    new = flags("couple-03", "2024-06-01")
    assert not new[("new_information", "B")]  # the event is of 28 April 2024
    assert new[("no_reliable_improvement_12m", "B")]  # a year of logs came only later
    new = flags("couple-03", "2024-04-28")  # the day of the event itself
    assert new[("new_information", "B")]


def test_the_page_says_new_since_only_for_new_flags(bundled_sample):
    # report.render(review.review(logs, "couple-02", since=...), audience="therapist"), made
    # once per worker (tests/conftest.py)
    page = bundled_sample.page("couple-02", "therapist", since=pd.Timestamp("2025-03-01"))
    assert "no reliable improvement" in page.lower()
    assert "new since" not in page
    page = bundled_sample.page("couple-02", "therapist", since=pd.Timestamp("2024-01-01"))
    assert page.count("new since 1 January 2024") == 2


@pytest.fixture(scope="module")
def cohort():
    from trustdata.cohort import load_cohort

    return load_cohort(SAMPLE.parent / "cohort", progress=False)


def test_not_on_track_is_new_since_only_when_the_records_before_did_not_raise_it(logs, cohort):
    # couple-02 A, against the bundled cohort: not on track from the week of 7 April 2025 (a
    # run that began after being on track in March 2025); also once before, from the week of
    # 4 March 2024 to April 2024.  Like the other flags, it is new since a session when the
    # same rule (track_status against the same band) on the records dated before the session
    # did not raise it.
    from trustdata import expected, report
    from trustdata._words import day

    one = logs.couple("couple-02")
    band = expected.expected_recovery(cohort, quantiles=review.EXPECTED_QUANTILES)
    seen = {}
    for since in ("2025-04-01", "2025-05-18", "2024-03-11"):
        ts = pd.Timestamp(since)
        before = trustdata.Logs(
            checkins=one.checkins.loc[one.checkins["date"] < ts],
            events=one.events.loc[one.events["date"] < ts],
        )
        then = expected.track_summary(expected.track_status(before, band)).set_index("partner")
        r = review.review(logs, "couple-02", since=ts, reference=cohort, today="2026-01-05")
        now = r.track_now.set_index("partner")
        assert now.loc["A", "status"] == "not_on_track" and r.not_on_track == ("A",)
        assert now.loc["A", "new_since"] == (then.loc["A", "status"] != "not_on_track"), since
        assert not now.loc["B", "new_since"]  # B is on watch, no flag
        seen[since] = bool(now.loc["A", "new_since"])
        if since == "2024-03-11":
            continue  # the page is read at the two sessions of 2025 (rendering is the slow part)
        page = report.render(r, audience="therapist")
        flag = page[page.index("<strong>not on track</strong>") :].split("</div>")[0]
        assert (f"new since {day(ts)})" in flag) == seen[since], since
        assert ("new since" in flag) == seen[since], since
    # not on track on 1 April 2025 only after that date; already on 18 May 2025 (the default
    # session) and on 11 March 2024 (the earlier run)
    assert seen == {"2025-04-01": True, "2025-05-18": False, "2024-03-11": False}


def test_a_standing_flag_that_lifted_for_a_month_is_raised_again_not_new(logs):
    # reader13 F11: couple-03 B's "no reliable improvement after a year" was up on the records
    # before 23 November 2025 and lifted on those before 21 December 2025 (B's one good month,
    # 24 November to 15 December at 7.0): on the page of 21 December it read "new since"
    ci = logs.checkins.loc[logs.checkins["couple_id"] == "couple-03"]
    ev = logs.events.loc[logs.events["couple_id"] == "couple-03"]

    def raised(cut):
        f = milestones.red_flags(ci.loc[ci["date"] < cut], events=ev.loc[ev["date"] < cut])
        pairs = set(zip(f["flag"], f["partner"], strict=True))
        return ("no_reliable_improvement_12m", "B") in pairs

    assert raised("2025-11-23") and not raised("2025-12-21") and raised("2026-12-01")
    r = review.review(logs, "couple-03", since=pd.Timestamp("2025-12-21"))
    row = r.red_flags.set_index(["flag", "partner"]).loc[("no_reliable_improvement_12m", "B")]
    assert not row["new_since"] and row["again_since"]
    assert row["raised_to"] == pd.Timestamp("2025-11-22")  # the cut 28 days before, its eve
    from trustdata import report

    page = report.render(r, audience="therapist")
    assert "new since 21 December 2025" not in page
    assert (
        "(15 January 2026, raised again since 21 December 2025: it was raised on the records up "
        "to 22 November 2025 too)" in page
    )


def test_raised_again_looks_back_half_a_year_only(logs):
    # couple-02's flags held from early 2025 on: at a session of 1 March 2025 they are not new
    # (raised before it), so no earlier cut is run and nothing is "again"
    r = review.review(logs, "couple-02", since=pd.Timestamp("2025-03-01"))
    assert not r.red_flags["again_since"].any() and r.red_flags["raised_to"].isna().all()
    # on 1 January 2024 they came later: new, and no cut of the half year before raised them
    r = review.review(logs, "couple-02", since=pd.Timestamp("2024-01-01"))
    assert r.red_flags["new_since"].all() and not r.red_flags["again_since"].any()
    assert review.AGAIN_CUT_DAYS == (28, 56, 84, 112, 140, 168)

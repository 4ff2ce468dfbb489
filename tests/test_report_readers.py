"""What the last readers found on the sample pages (NOTE5, "Still open from the two passes").

Each test fails on the code before its mend: the layers chart's "recently" took in the sudden
dip the trust sentence leaves out (couple-04 A: the text said trust rose, the chart showed it
falling); the "worse six months in" flag did not name the repeat betrayal before its weeks;
"not on track" was missing from the therapist's red-flag list; "< 0.001" could break in two.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trustdata import charts, milestones, report, schemas
from trustdata.logs import Logs, as_table
from trustdata.review import review


@pytest.fixture(scope="module")
def sample_logs(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


@pytest.fixture(scope="module")
def r04(bundled_sample):
    return bundled_sample.review("couple-04", today="2026-01-05")


@pytest.fixture(scope="module")
def built(bundled_sample):
    """``report.build(sample_logs, couple, audience=audience, today="2026-01-05")``: the
    sample's page, rendered once per worker (tests/conftest.py)."""

    def get(couple: str, audience: str) -> str:
        return bundled_sample.page(couple, audience, today="2026-01-05")

    return get


def _text(page: str) -> str:
    import html

    body = page[page.index("<body>") :]
    body = re.sub(r"<script>.*?</script>", "", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def _trace(fig, name: str):
    (t,) = [t for t in fig.data if t.name == name]
    return t


# --------------------------------------------------------------------------------------------
# 1. The layers chart and the trust sentence describe the same weeks
# --------------------------------------------------------------------------------------------


def test_couple_04_layers_chart_leaves_out_the_dip_the_trust_sentence_leaves_out(r04):
    v = r04.trend_verdicts.set_index(["partner", "measure"]).loc[("A", "trust")]
    # the sentence: 4.0 at first, 5.5 in the latest weeks outside a sudden dip, a clear rise
    assert v["verdict"] == "improved" and bool(v["latest_aside"])
    lo, hi = v["latest_dip_from"], v["latest_dip_to"]
    assert (lo, hi) == (pd.Timestamp("2025-01-13"), pd.Timestamp("2025-02-10"))
    fig = charts.plot_layers(r04.layers_profile, partners=list(r04.partners), names=r04.names)
    start = _trace(fig, "A: at the start").x[0]  # trust is the first row
    recent = _trace(fig, "A: recently").x[0]
    # the chart shows trust rising too (it showed 4.0 -> 3.3, the dip's weeks counted)
    assert recent > start
    # ... and its recent level is the mean of A's weekly trust scores in the recent window,
    # the dip's weeks left out (one pandas line over the raw check-ins)
    ci = r04.logs.checkins
    mine = ci.loc[(ci["partner"] == "A") & ci["trust"].notna()]
    week = schemas.week_start(mine["date"])
    row = r04.layers_profile.set_index(["partner", "layer"]).loc[("A", "trust")]
    keep = (week >= row["recent_start"]) & ~((week >= lo) & (week <= hi))
    expected = mine.loc[keep, "trust"].astype(float).groupby(week[keep]).mean().mean()
    assert recent == pytest.approx(expected)
    assert not ((week[keep] >= lo) & (week[keep] <= hi)).any()
    # the hover says which weeks "recently" leaves out
    hover = " ".join(str(c) for c in _trace(fig, "A: recently").customdata[0])
    assert "leaving out a sudden dip in the weeks of 13 January 2025 to 10 February 2025" in hover
    # B's sentence leaves nothing out: neither does B's panel
    assert r04.layers_left_out["partner"].tolist() == ["A"]


def test_couple_04_page_says_what_the_layers_chart_leaves_out(built):
    for audience in report.AUDIENCES:
        text = _text(built("couple-04", audience))
        assert (
            "“recently” leaves out the sudden dip in the weeks of 13 January 2025 to "
            "10 February 2025, as the trust summary does; A rated the six layers recently only "
            "inside it (last on 27 January 2025), so they have no recent level." in text
        )


def _dip_logs(*, dip_at_end: bool = False) -> Logs:
    """A rises 4 -> 7 over 30 weeks with a 3-week sudden dip to 1 (weeks 24-26), or at the end."""
    rows = []
    start = pd.Timestamp("2025-01-06")
    for w in range(30):
        level = 4 + 3 * w / 29
        dip = (27 <= w <= 29) if dip_at_end else (24 <= w <= 26)
        score = 1 if dip else round(level)
        rows.append(
            {
                "couple_id": "c1",
                "partner": "A",
                "date": start + pd.Timedelta(weeks=w),
                "connection": score,
                "trust": score,
                "honesty": score,
            }
        )
    return Logs(checkins=as_table("checkins", rows))


def test_a_dip_the_trust_sentence_leaves_out_is_left_out_of_the_chart_too():
    r = review(_dip_logs(), "c1", today="2025-08-04")
    v = r.trend_verdicts.set_index("measure").loc["trust"]
    assert bool(v["latest_aside"]) and not bool(v["latest_dip_at_end"])
    row = r.layers_profile.set_index("layer").loc["trust"]
    # the recent window (8 weeks: weeks 22-29) without the dip's weeks 24-26: 6, 6, 7, 7, 7
    assert row["recent_level"] == pytest.approx(np.mean([6, 6, 7, 7, 7]))
    assert row["n_recent"] == 5
    assert row["recent_left_from"] == pd.Timestamp("2025-01-06") + pd.Timedelta(weeks=24)


def test_a_dip_at_the_very_end_stays_in_the_chart_as_the_sentence_says_it_is_now():
    r = review(_dip_logs(dip_at_end=True), "c1", today="2025-08-04")
    v = r.trend_verdicts.set_index("measure").loc["trust"]
    assert bool(v["latest_dip_at_end"])
    assert r.layers_left_out.empty
    row = r.layers_profile.set_index("layer").loc["trust"]
    assert pd.isna(row["recent_left_from"])
    assert row["n_recent"] == 8  # every week of the recent window, the dip included


# --------------------------------------------------------------------------------------------
# 2. "Worse six months in" names the hard news before its weeks
# --------------------------------------------------------------------------------------------

MONDAY = pd.Timestamp("2024-01-01")


def _six_month_checkins() -> pd.DataFrame:
    # weeks 0-3: 6; weeks 4-23: 7; weeks 24-27 (weeks 25-28 printed): 4
    scores = [6] * 4 + [7] * 20 + [4] * 4
    rows = [
        {"couple_id": "c1", "partner": "A", "date": MONDAY + pd.Timedelta(weeks=w),
         "connection": s}
        for w, s in enumerate(scores)
    ]  # fmt: skip
    return as_table("checkins", rows)


def _events(*rows) -> pd.DataFrame:
    return as_table(
        "events",
        [{"couple_id": "c1", "date": d, "kind": k, "partner": "B"} for d, k in rows],
    )


def _six_month_evidence(events) -> str:
    flags = milestones.red_flags(_six_month_checkins(), events=events)
    (evidence,) = flags.loc[flags["flag"] == "worse_after_6_months", "evidence"]
    return evidence


def test_worse_six_months_in_names_a_repeat_betrayal_before_its_weeks_and_its_date():
    # week 25 begins on Monday 17 June 2024 (24 weeks after 1 January 2024); 6 June is 11 days
    # before it, 1 May 47 days (6 weeks)
    events = _events(
        ("2024-01-01", "discovery"),
        ("2024-05-01", "new_information"),
        ("2024-06-06", "repeat_betrayal"),
    )
    evidence = _six_month_evidence(events)
    assert evidence.startswith("A: mean connection score 6.00 in the first 4 weeks, 4.00 in weeks")
    assert evidence.endswith(
        "2.00 points lower. New information came out on 1 May 2024, 6 weeks before week 25. "
        "A repeat betrayal was recorded on 6 June 2024, 11 days before week 25."
    )


def test_worse_six_months_in_names_hard_news_inside_its_weeks_and_not_outside_them():
    # inside: 26 June 2024 is in week 26; the first weeks (before 29 January) and after the
    # window (from 15 July) are not "before the flag's weeks"; an agreement is no hard news
    events = _events(
        ("2024-01-10", "repeat_betrayal"),
        ("2024-06-26", "abuse"),
        ("2024-07-15", "new_information"),
        ("2024-05-01", "agreement"),
    )
    evidence = _six_month_evidence(events)
    assert evidence.endswith(
        "2.00 points lower. An abuse event was recorded on 26 June 2024, in week 26."
    )
    assert "10 January" not in evidence and "15 July" not in evidence
    assert _six_month_evidence(None).endswith("2.00 points lower.")


def test_couple_04_therapist_flag_names_the_repeat_betrayal(built):
    text = _text(built("couple-04", "therapist"))
    for p, first in (("A", "3.75"), ("B", "5.75")):
        assert f"{p}: mean connection score {first} in the first 4 weeks, " in text
    said = "points lower. A repeat betrayal was recorded on 6 July 2024, 2 weeks before week 25."
    assert text.count(said) == 2
    # the same flag for both partners: its guidance once, after the two
    from trustdata.review import THERAPIST_GUIDANCE

    assert text.count(THERAPIST_GUIDANCE["worse_after_6_months"]) == 1


# --------------------------------------------------------------------------------------------
# 3. "Not on track" in the therapist's red-flag list, only when raised
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort():
    from trustdata.cohort import load_cohort

    return load_cohort(report.resolve_path("data/sample/cohort"), progress=False)


def _section(page: str, key: str) -> str:
    part = page[page.index(f'<section id="{key}"') :]
    return _text("<body>" + part[: part.index("</section>")])


def _flags_section(page: str) -> str:
    return _section(page, "flags")


def test_not_on_track_is_in_the_therapists_red_flags_when_raised(sample_logs, cohort):
    r = review(sample_logs, "couple-02", today="2026-01-05", reference=cohort)
    status = r.track_now.set_index("partner")["status"]
    assert status["A"] == "not_on_track" and status["B"] == "watch"
    assert r.not_on_track == ("A",)
    # report.build(sample_logs, "couple-02", audience="therapist", today=..., reference=cohort)
    # is report.render of this same review: rendered from it, not reviewed twice
    page = report.render(r, audience="therapist")
    flags = _flags_section(page)
    assert (
        "watch not on track · A (hurt partner) (week of 7 April 2025): the 4-week mean has been "
        "below the expected range (the 10th to 90th percentile of 300 reference couples' "
        "partners who started at the same level) since the week of 17 March 2025: not "
        "on track from the week of 7 April 2025, after 4 weeks below" in flags
    )
    from trustdata.review import THERAPIST_GUIDANCE

    assert "For the therapist: " + THERAPIST_GUIDANCE["not_on_track"] in flags
    # B is only "watch" on the card: not raised as a flag
    assert "not on track · B" not in flags
    # the flag and the card agree on the weeks
    card = _section(page, "expected")
    assert "below the expected range since the week of 17 March 2025" in card


def test_no_not_on_track_flag_without_a_reference_or_when_on_track(sample_logs, built, cohort):
    page = built("couple-02", "therapist")
    assert "not on track" not in _flags_section(page)
    page = report.build(
        sample_logs, "couple-04", audience="therapist", today="2026-01-05", reference=cohort
    )
    assert "not on track ·" not in _flags_section(page)  # on track now (earlier not)


# --------------------------------------------------------------------------------------------
# 4. "< 0.001" is one unbreakable piece
# --------------------------------------------------------------------------------------------


def test_a_p_value_under_a_thousandth_cannot_break_after_its_sign(built):
    page = built("couple-01", "therapist")
    cells = re.findall(r"<td[^>]*>([^<]*0\.001)</td>", page)
    assert cells and all(c == "&lt;\u00a00.001" for c in cells), cells
    assert "&lt; 0.001" not in page  # nor in the sentences

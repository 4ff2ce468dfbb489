"""trustdata._words: numbers in words, and the pages' sentences that rest on them (reader7)."""

from __future__ import annotations

import html
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import _words, report, review, triggers
from trustdata.importers._common import round_half_up
from trustdata.logs import as_table

SAMPLE = "data/sample/couples"


@pytest.fixture(scope="module")
def sample():
    return trustdata.load(SAMPLE)


def _text(page: str) -> str:
    """The page's words, tags and isolation marks out, spaces collapsed."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- 11: one rounding rule for printed numbers --------------------------------------------------


def test_a_half_rounds_away_from_zero_as_a_reader_with_a_calculator_does():
    # reader7: 4.75 printed "4.8" but 7.25 "7.2" (Python's half to even); 2.25 -> "2.2"
    assert [_words.number(v) for v in (4.75, 7.25, 2.25, 4.25, -2.25)] == [
        "4.8",
        "7.3",
        "2.3",
        "4.3",
        "-2.3",
    ]
    # a half as written, although its float lies just below it (round(2.675, 2) == 2.67)
    assert _words.number(2.675, 2) == "2.68" and _words.number(1.005, 2) == "1.01"
    assert _words.number(0.0005, 3) == "0.001"
    # not a half: nearest, either side
    assert _words.number(7.2499999) == "7.2" and _words.number(7.2500001) == "7.3"
    # no signed zero, even when a sign is asked for (reader14 C1: a fall of 0.04 read "+0.0")
    assert _words.number(-0.04) == "0.0" and _words.number(-0.04, signed=True) == "0.0"
    assert _words.number(0.04, signed=True) == "0.0" and _words.number(0.0, signed=True) == "0.0"
    assert _words.number(0.45, signed=True) == "+0.5" and _words.number(-0.45) == "-0.5"
    assert _words.number(None) == "" and _words.number(float("-inf")) == "-∞"
    assert _words.rounded([7.25, -7.25, np.nan], 1)[:2].tolist() == [7.3, -7.3]


def test_numbers_agree_with_decimal_rounding_of_the_value_as_written():
    # reference: Python's decimal module, ROUND_HALF_UP (away from zero) on repr(value)
    rng = np.random.default_rng(11)
    whole = rng.integers(-100_000, 100_000, 3000)
    values = whole / 10.0 ** rng.integers(0, 5, 3000)  # many exact halves at 1-3 decimals
    values = np.concatenate([values, rng.normal(0, 5, 1000)])
    for digits in (0, 1, 2, 3):
        step = Decimal(1).scaleb(-digits)
        expected = []
        for v in values:
            text = format(Decimal(repr(float(v))).quantize(step, rounding=ROUND_HALF_UP), "f")
            expected.append(text[1:] if text.startswith("-") and float(text) == 0 else text)
        assert _words.numbers(values, digits).tolist() == expected, digits


def test_the_pages_round_as_the_importers_do():
    # the Daylio and Bearable importers round a day's mean half up (6.5 -> 7): the same rule
    for k in range(2, 41):
        mean = Fraction(k, 4)
        assert str(round_half_up(mean)) == _words.number(float(mean), 0), mean


def test_pages_print_the_halves_of_the_sample_rounded_away_from_zero(bundled_sample):
    # review.review(sample, couple) and its pages, made once per worker (tests/conftest.py)
    r = bundled_sample.review("couple-01")
    trust_a = r.trend_verdicts.set_index(["partner", "measure"]).loc[("A", "trust")]
    assert (trust_a["first_mean"], trust_a["latest_mean"]) == (4.75, 7.25)
    text = _text(bundled_sample.page("couple-01", "couple"))
    assert "4.8 out of 10 in the first 4 weeks and 7.3 in the latest 4 weeks" in text
    # couple-02 A on the default "since": 4.25 against 3.8 before, the difference of the
    # shown means (+0.4 beside "4.2" before)
    r2 = bundled_sample.review("couple-02")
    row = r2.changes_since.set_index(["partner", "measure"]).loc[("A", "connection")]
    assert row["mean_since"] == 4.25
    assert (row["mean_since_shown"], row["mean_before_shown"]) == (4.3, 3.8)
    therapist = _text(bundled_sample.page("couple-02", "therapist"))
    assert "connection 4.3 over 4 check-ins since (vs 3.8 over 5 check-ins before, " in therapist
    assert "difference +0.5)" in therapist


# --- 9: the layers note speaks of the layers ----------------------------------------------------


def _weekly(partner: str, n: int, **scores) -> list[dict]:
    days = pd.date_range("2025-01-06", periods=n, freq="7D")
    return [
        {"couple_id": "c1", "partner": partner, "date": d, "connection": 5, **scores} for d in days
    ]


def test_no_layer_rated_is_said_and_never_called_trust_and_its_layers():
    # reader7: "Only A rated trust and its layers" for check-ins with a trust column and no
    # layer column at all (A rated trust only)
    ci = as_table("checkins", _weekly("A", 10, trust=6) + _weekly("B", 10))
    r = review.review(trustdata.Logs(checkins=ci), "c1")
    assert r.layers_profile is not None
    assert set(r.layers_profile["layer"]) == {"trust"}
    assert r.partners_scoring["trust"] == ("A",) and r.partners_scoring["layers"] == ()
    for audience in ("couple", "therapist"):
        text = _text(report.render(r, audience=audience))
        assert "its layers;" not in text and "rated the layers" not in text
        assert "Only A rated trust; B has not (it is optional)." in text
        # reader14 F10: the couple page's layers chart draws the layers alone, so with none
        # rated it draws no chart (trust has its own) and says so without "shows trust alone"
        shown = ": the chart shows trust alone." if audience == "therapist" else "."
        assert f"No one rated any of the six layers of trust (they are optional){shown}" in text
    assert "the chart shows trust alone" not in _text(report.render(r, audience="couple"))
    assert "Trust and its layers" not in _text(report.render(r, audience="couple"))


def test_a_partner_who_rated_trust_but_no_layer_has_not_rated_the_layers():
    ci = as_table(
        "checkins",
        _weekly("A", 10, trust=6, honesty=5) + _weekly("B", 10, trust=4),
    )
    r = review.review(trustdata.Logs(checkins=ci), "c1")
    assert r.partners_scoring["trust"] == ("A", "B") and r.partners_scoring["layers"] == ("A",)
    text = _text(report.render(r, audience="couple"))
    assert "Only A rated the layers of trust; B has not (they are optional)." in text
    assert "No one rated" not in text


def test_a_partner_with_no_check_in_is_not_said_to_have_skipped_an_optional_score():
    """reader14 S2: "Only A rated connection; B has not (it is optional)." of a B who never
    checked in: connection is the score every check-in has, so B has not checked in."""
    ci = as_table("checkins", _weekly("A", 10, trust=6))
    tr = as_table(
        "triggers",
        [{"couple_id": "c1", "partner": "B", "timestamp": "2025-01-08 20:00",
          "category": "other", "intensity": 4}],
    )  # fmt: skip
    r = review.review(trustdata.Logs(checkins=ci, triggers=tr), "c1")
    assert r.partners == ("A", "B") and r.no_checkins == ("B",)
    for audience in ("couple", "therapist"):
        text = _text(report.render(r, audience=audience))
        assert "Only A rated connection; B has not checked in." in text
        assert "Only A rated trust; B has not checked in." in text
        assert "B has not (it is optional)" not in text


def test_the_note_tells_a_skipped_score_from_a_partner_who_never_checked_in():
    ci = as_table("checkins", _weekly("A", 10, trust=6) + _weekly("B", 10))
    tr = as_table(
        "triggers",
        [{"couple_id": "c1", "partner": "C", "timestamp": "2025-01-08 20:00",
          "category": "other", "intensity": 4}],
    )  # fmt: skip
    r = review.review(trustdata.Logs(checkins=ci, triggers=tr), "c1")
    assert r.no_checkins == ("C",)
    text = _text(report.render(r, audience="therapist"))
    assert "Only A rated trust; B has not (it is optional); C has not checked in." in text


# --- 10: the plan table's verdict says why ------------------------------------------------------


def test_the_plan_verdict_carries_what_was_not_clear(sample):
    out = triggers.plan_effect(sample.triggers)
    row = out.set_index(["couple_id", "partner", "category", "measure"]).loc[
        ("couple-04", "A", "all", "intensity")
    ]
    # the page's contradiction: p < 0.001 beside "no clear difference"
    assert row["p"] < 0.001 and row["verdict"] == "no_clear_difference"
    assert row["ci_high"] == 0.0 and row["month_p"] > 0.05
    assert row["verdict_reason"] == "interval reaches 0; within-month p ≥ 0.05"
    clear = out.loc[out["verdict"].isin(["lower_with_plan", "higher_with_plan"])]
    assert len(clear) and (clear["verdict_reason"] == "").all()
    few = out.loc[out["verdict"] == "insufficient_data", "verdict_reason"]
    assert len(few) and (few == "fewer than 5 triggers with or without the plan").all()
    assert out.attrs["rule"] == triggers.plan_rule(0.05)


def test_the_plan_reason_names_each_failed_part():
    # the rule of plan_effect, one condition at a time (p, lo, hi, month p, lo, hi, same sign)
    reason = triggers._plan_reason
    assert reason(0.01, -3, -1, 0.01, -2, -1, True, 0.05) == ""
    assert reason(0.20, -3, 1, 0.01, -2, -1, True, 0.05) == "p ≥ 0.05"
    # the within-month interval inverts the test whose p is the 4th argument: with that p under
    # alpha, 0 is rejected, so an end at 0 is open and the shifts kept all lie below 0 (couple-02
    # A: kept [-1, 0), p 0.020; tests/test_triggers_within_month.py checks it by hand)
    assert reason(0.01, -3, -1, 0.01, -2, 0, True, 0.05) == ""
    assert reason(0.01, -3, -1, 0.01, -2, 1, True, 0.05) == "within-month interval reaches 0"
    assert reason(0.01, -3, -1, 0.01, 1, 2, False, 0.05) == "opposite directions"
    assert reason(0.01, -3, -1, np.nan, np.nan, np.nan, False, 0.05) == "no month holds both"
    assert reason(0.02, -3, -1, 0.03, -2, -1, True, 0.01) == ("p ≥ 0.01; within-month p ≥ 0.01")


def test_the_therapist_plan_table_explains_p_beside_no_clear_difference(bundled_sample):
    r = bundled_sample.review("couple-04")  # review.review(sample, "couple-04"), made once
    text = _text(bundled_sample.page("couple-04", "therapist"))
    assert ("< 0.001 0.239 no clear difference (interval reaches 0; within-month p ≥ 0.05)") in text
    assert r.plan_rule == triggers.plan_rule()
    assert (
        "Lower or higher with the plan needs p under 0.05 and an interval clear of 0 both over "
        "the whole span and within months"
    ) in text
    assert "whole-number intensities can give an interval ending at 0 beside a small p" in text


# --- 14: the expected range names the couple's anchor -------------------------------------------


def test_the_expected_caption_names_the_couples_anchor(sample, bundled_sample):
    assert bundled_sample.review("couple-03").anchor_kind == "discovery"
    r = review.review(sample, "couple-04", reference="data/sample/cohort")
    assert r.anchor_kind == "disclosure"  # couple-04 has no discovery event
    kinds = sample.events.loc[sample.events["couple_id"] == "couple-04", "kind"].astype(str)
    assert "discovery" not in set(kinds) and "disclosure" in set(kinds)
    text = _text(report.render(r, audience="therapist", include_expected=True))
    assert (
        "by weeks since the disclosure (each reference couple's since its own discovery, " in text
    )
    assert "since the discovery" not in text

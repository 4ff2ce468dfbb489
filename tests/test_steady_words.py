"""A trend whose way there dipped or peaked is never called steady (words beside its shape)."""

from __future__ import annotations

import re

import pytest

#: ``rv.review(trustdata.load(the sample), "couple-03", **OPTIONS)``.
OPTIONS = {"today": "2026-02-01"}


@pytest.fixture(scope="module")
def couple_03(bundled_sample):
    """couple-03's review, made once per worker (tests/conftest.py)."""
    return bundled_sample.review("couple-03", **OPTIONS)


@pytest.fixture(scope="module")
def page_03(bundled_sample):
    """``report.render(couple_03, audience=audience)``, made once per worker."""
    return lambda audience: bundled_sample.page("couple-03", audience, **OPTIONS)


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def test_the_review_holds_a_trend_with_a_dip(couple_03):
    v = couple_03.trend_verdicts.set_index(["partner", "measure"]).loc[("B", "trust")]
    assert (v["verdict"], v["route"], v["shape"]) == ("improved", "trend", "down_then_up")


def test_the_therapist_page_does_not_call_a_dipping_trend_steady(page_03):
    # it read "RCI 1.50: improved as a steady trend: ...; not steady: down, then up"
    text = _text(page_03("therapist"))
    assert (
        "improved as a steady trend: the slope's 95% interval is above 0; the RCI alone is "
        "within ±1.96; not steady" not in text
    )
    assert (
        "RCI 1.50: improved as a trend over the months: the slope's 95% interval is above 0; the "
        "RCI alone is within ±1.96; not steady: down, then up)" in text
    )


def test_the_verdict_key_does_not_call_the_slope_route_steady(page_03):
    # the key under "not steady: down, then up" defined that route as "the slope's 95% interval
    # above (below) 0 (a steady trend)": a route the page then says is not steady
    text = _text(page_03("therapist"))
    assert "not steady: down, then up" in text
    assert "(a steady trend)" not in text
    assert (
        "or as a clear change: the slope's 95% interval above (below) 0 (a trend over the "
        "months), or the latest 4 weeks' mean beyond its own 95% interval"
    ) in text


def test_the_couple_page_does_not_call_a_dipping_rise_a_steady_climb(page_03):
    text = _text(page_03("couple"))
    said = text[text.index("B 's trust was on average") :][:400]
    assert "steady climb" not in said
    assert (
        "That is a clear rise over the months, more than the usual ups and downs from week to "
        "week would explain, though not a steady one. It fell for a while and has risen since."
    ) in said

"""A couple page of one partner's logs does not speak to "each of you" (reader14 F7).

With couple-03's check-ins filtered to partner A, the couple page's headings said "How each of
you has felt", "How connected each of you felt, week by week", "When each of you had a harder
stretch" of a page that draws A alone.  Each heading now follows the partners the review found
in what it is over (``partners_scoring``, ``partners_with_triggers``); a two-partner page keeps
its words.  Chart titles are read from the page's ``chart-title`` captions.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _pages import SAMPLE, page_text

import trustdata
from trustdata import report
from trustdata.io import from_frames

#: The couple page's wording that speaks of two partners.
TWO = re.compile(r"each of you|both of you|you both|the two of you", re.I)


def _sample(folder, *, triggers_too: bool):
    folder.mkdir()
    for name in ("couples.csv", "events.csv", "checkins.csv", "triggers.csv"):
        frame = pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)
        if name == "checkins.csv" or (triggers_too and name == "triggers.csv"):
            frame = frame.loc[(frame["couple_id"] != "couple-03") | (frame["partner"] == "A")]
        frame.to_csv(folder / name, index=False)
    return trustdata.load(folder)


def _titles(page: str) -> list[str]:
    """Every chart title and section heading of the page."""
    found = re.findall(r'<(?:h2|h3|p class="chart-title")[^>]*>(.*?)</(?:h2|h3|p)>', page)
    return [re.sub(r"<[^>]+>", "", t) for t in found]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("one-partner")
    one = _sample(root / "one", triggers_too=True)
    scores_only = _sample(root / "scores", triggers_too=False)
    both = trustdata.load(SAMPLE)
    return {
        "one": report.build(one, "couple-03", audience="couple"),
        "scores_only": report.build(scores_only, "couple-03", audience="couple"),
        "both": report.build(both, "couple-03", audience="couple"),
    }


def test_a_one_partner_page_never_says_each_of_you(pages):
    page = pages["one"]
    titles = _titles(page)
    assert not [t for t in titles if TWO.search(t)], titles
    assert not TWO.search(page_text(page))
    for heading in (
        "How A has felt",
        "How connected A felt, week by week",
        "How much A trusted, week by week",
        "The layers of trust for A: at the start and recently",
        "How connected A felt, month by month (on average)",
        "How many triggers A logged each month, by kind",
        "When A had a harder stretch",
    ):
        assert heading in titles, (heading, titles)


def test_headings_follow_the_partners_of_what_they_are_over(pages):
    # the reader's repro: only A's check-ins, both partners' triggers
    titles = _titles(pages["scores_only"])
    assert "How A has felt" in titles and "When A had a harder stretch" in titles
    assert "How many triggers each of you logged each month, by kind" in titles


def test_a_two_partner_page_keeps_each_of_you(pages):
    titles = _titles(pages["both"])
    for heading in (
        "How each of you has felt",
        "How connected each of you felt, week by week",
        "How much each of you trusted, week by week",
        "How connected each of you felt, month by month (on average)",
        "How many triggers each of you logged each month, by kind",
        "When each of you had a harder stretch",
    ):
        assert heading in titles, (heading, titles)


def _helped_logs(partners):
    days = pd.date_range("2025-01-06", periods=6, freq="7D").strftime("%Y-%m-%d")
    rows = [
        {"couple_id": "c1", "partner": p, "role": role, "date": d, "connection": "5",
         "increased_trust": "Kept a promise"}
        for p, role in partners
        for d in days
    ]  # fmt: skip
    return from_frames(checkins=pd.DataFrame(rows))


def test_what_helped_names_whose_answers_it_keeps():
    one = page_text(report.build(_helped_logs([("A", "hurt")]), "c1", audience="couple"))
    assert "(the latest one each month for A)" in one and not TWO.search(one)
    two = _helped_logs([("A", "hurt"), ("B", "involved")])
    assert "(the latest one each month for each of you)" in page_text(
        report.build(two, "c1", audience="couple")
    )

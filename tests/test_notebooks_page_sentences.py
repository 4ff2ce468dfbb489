"""The couple's notebook holds the couple page's sentences (fix11b).

A new user's review: ``our_progress.ipynb``, offered in the README as the couple's equivalent of
their page, left out three of the page's sections: "Worth talking about" (couple-02: "A and B:
After a year of check-ins the connection score has not clearly improved..."), the plan sentence
("The triggers A handled with your plan were clearly milder...") and the anniversaries ahead
("The anniversary of the discovery is on 3 January.").

The notebook's code cells run here in-process, as nbval runs them, with its parameters set as
papermill would (``COUPLE``, and ``TODAY`` fixed so that the anniversaries ahead do not depend
on the day the test runs); ``charts.offline`` (a PNG drawn by Chromium) is replaced by a function
that keeps nothing, and what the cells display is read back.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from trustdata import charts, report
from trustdata.review import review

ROOT = Path(__file__).resolve().parents[1]
#: 12 days before couple-02's anniversary of its discovery (3 January), 34 before couple-04's
#: of its disclosure (25 January): both are within the 6 weeks ahead
TODAY = "2025-12-22"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def _run_notebook(couple: str, monkeypatch) -> str:
    """The text the notebook displays for ``couple`` (Markdown, tags stripped)."""
    import IPython.display

    book = json.loads((ROOT / "notebooks" / "our_progress.ipynb").read_text("utf-8"))
    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda m, *a, **k: shown.append(m))
    monkeypatch.setattr(charts, "offline", lambda fig, *a, **k: None)
    cells = ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]
    # papermill's way: the parameters cell, then the injected values
    cells.insert(1, f"COUPLE = {couple!r}\nTODAY = {TODAY!r}")
    space: dict = {}
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        for src in cells:
            exec(compile(src, "<our_progress>", "exec"), space)
    assert space["r"].generated == pd.Timestamp(TODAY)
    return _text(" ".join(getattr(m, "data", "") or "" for m in shown))


@pytest.fixture(scope="module")
def bundled(bundled_sample):
    """``trustdata.load`` of the bundled sample (tests/conftest.py: loaded once per worker)."""
    return bundled_sample.logs()


def _page_sentences(page: str, key: str) -> list[str]:
    """The paragraphs and list items of one section of the page, as text."""
    found = re.search(rf'<section id="{key}"[^>]*>(.*?)</section>', page, flags=re.S)
    if found is None:
        return []
    body = found.group(1)
    return [_text(t) for _, t in re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", body, flags=re.S)]


@pytest.mark.parametrize(
    ("couple", "says"),
    [
        ("couple-02", [
            "A and B : After a year of check-ins the connection score has not clearly improved.",
            "The triggers A handled with your plan were clearly milder than the others.",
            "The anniversary of the discovery is on 3 January.",
        ]),
        ("couple-04", [
            "A and B : Around six months in, the connection score was lower than at the start.",
            "The anniversary of the disclosure is on 25 January.",
        ]),
    ],
)  # fmt: skip
def test_the_notebook_holds_the_couple_pages_sentences(couple, says, bundled_sample, monkeypatch):
    # report.render(review(bundled, couple, today=TODAY), audience="couple"), made once
    page = bundled_sample.page(couple, "couple", today=TODAY)
    sentences = {key: _page_sentences(page, key) for key in ("notes", "plan", "anniversaries")}
    assert sentences["notes"] and sentences["anniversaries"]
    assert bool(sentences["plan"]) == (couple == "couple-02")
    notebook = _run_notebook(couple, monkeypatch)
    for key, items in sentences.items():
        for item in items:
            assert item in notebook, (key, item)
    for heading in ("Worth talking about", "Anniversaries ahead"):
        assert heading in notebook
    assert ("Your plan for triggers" in notebook) == (couple == "couple-02")
    page_text = _text(page)
    for said in says:  # the brief's own sentences, on the page and in the notebook
        assert said in page_text and said in notebook, said


def test_each_section_is_shown_where_the_page_shows_it(bundled, bundled_sample):
    # the notebook's sections come from the page's own builders: the same rule for both
    for couple in bundled.couple_ids:
        r = bundled_sample.review(couple, today=TODAY)  # and its page, made once per worker
        page = bundled_sample.page(couple, "couple", today=TODAY)
        for key in report.COUPLE_TEXT_SECTIONS:
            md = report.couple_section_markdown(r, key)
            assert bool(md) == (f'<section id="{key}"' in page), (couple, key)
            assert [_text(t) for t in _markdown_items(md)] == _page_sentences(page, key)


def _markdown_items(md: str) -> list[str]:
    """The paragraphs and list items of :func:`report.couple_section_markdown`, heading left out."""
    lines = [b for b in md.split("\n\n")[1:] if b.strip()]
    return [item.removeprefix("- ") for block in lines for item in block.split("\n") if item]


def test_no_section_under_the_safety_notice(bundled):
    from trustdata.logs import Logs, as_table

    one = bundled.couple("couple-02")
    abuse = as_table("events", [{"couple_id": "couple-02", "date": "2025-01-10", "kind": "abuse",
                                 "partner": "A"}])  # fmt: skip
    logs = Logs(
        checkins=one.checkins,
        triggers=one.triggers,
        events=pd.concat([one.events, abuse], ignore_index=True),
        couples=one.couples,
    )
    r = review(logs, "couple-02", today=TODAY)
    assert r.safety is not None
    assert [report.couple_section_markdown(r, k) for k in report.COUPLE_TEXT_SECTIONS] == [""] * 3


def test_an_unknown_section_is_refused_with_a_sentence(bundled_sample):
    r = bundled_sample.review("couple-01", today=TODAY)
    with pytest.raises(ValueError, match=r"must be one of \['notes', 'plan', 'anniversaries'\]"):
        report.couple_section_markdown(r, "summary")


def test_the_notebook_takes_the_day_as_a_parameter():
    book = json.loads((ROOT / "notebooks" / "our_progress.ipynb").read_text("utf-8"))
    first = "".join(book["cells"][0]["source"])
    assert re.search(r"^TODAY = None\b", first, flags=re.M)
    code = "\n".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code")
    assert "review(logs, couple, today=TODAY)" in code
    assert "plain_summary(logs, couple, today=TODAY)" in code


def test_the_notebooks_layers_chart_draws_the_layers_the_page_draws(bundled_sample, monkeypatch):
    # reader14 F10: the couple page's layers chart draws the six layers alone (trust is the
    # summary's and its own chart's, of other weeks); the notebook, "the same as your page",
    # drew trust's 8-week dots beside them
    import IPython.display

    figures: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: None)
    monkeypatch.setattr(charts, "offline", lambda fig, *a, **k: figures.append(fig))
    book = json.loads((ROOT / "notebooks" / "our_progress.ipynb").read_text("utf-8"))
    cells = ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]
    cells.insert(1, f"COUPLE = 'couple-01'\nTODAY = {TODAY!r}")
    monkeypatch.chdir(ROOT)
    space: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for src in cells:
            exec(compile(src, "<our_progress>", "exec"), space)

    def rows(fig) -> set[str]:
        return {str(y) for t in fig.data if t.y is not None for y in t.y}

    (layers,) = [f for f in figures if "Reliability" in rows(f)]
    page = charts.plot_layers(
        space["r"].layers_profile.query("is_layer"), partners=space["partners"]
    )
    assert "Trust" not in rows(layers) and rows(layers) == rows(page)

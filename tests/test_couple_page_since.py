"""``since`` is for the therapist page: the couple page always shows the whole logs (reader13 F5).

The command line refused ``--since`` for the couple page while ``report.build`` rendered a
"Since" section there with the therapist's words; the API now refuses it as the CLI does.
"""

from __future__ import annotations

import pytest
from _pages import page_text

import trustdata
from trustdata import report
from trustdata.review import review


@pytest.fixture(scope="module")
def logs():
    return trustdata.load("data/sample/couples")


def test_build_and_write_refuse_since_for_the_couple_page(logs, tmp_path):
    with pytest.raises(ValueError, match="`since` is for the therapist page"):
        report.build(logs, "couple-04", audience="couple", since="2025-01-01")
    target = tmp_path / "x.html"
    with pytest.raises(ValueError, match="the couple page always shows the couple's whole logs"):
        report.write(logs, "couple-04", target, audience="couple", since="2025-01-01")
    assert not target.exists()


def test_a_review_with_since_renders_no_since_section_on_the_couple_page(logs):
    r = review(logs, "couple-04", since="2025-01-01", today="2026-03-01")
    assert r.since_given
    couple = page_text(report.render(r, audience="couple"))
    therapist = page_text(report.render(r, audience="therapist"))
    assert "Since 1 January 2025" not in couple and "What changed since" not in couple
    assert "What changed since 1 January 2025" in therapist
    # the couple page of that review is the couple page without since
    plain = review(logs, "couple-04", today="2026-03-01")
    assert couple == page_text(report.render(plain, audience="couple"))

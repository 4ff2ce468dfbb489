"""The therapist's notebook speaks of the partners, as the therapist page does (reader7 15).

Its code cells run here in-process on the sample's couple-01 (in the trustdata folder, as the
notebook expects); ``charts.offline`` (the display step: a PNG drawn by Chromium) is replaced
by a function that keeps the figure, so the titles the notebook draws can be read back.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
from pathlib import Path

import pytest

from trustdata import charts

ROOT = Path(__file__).resolve().parents[1]
#: Words that address the reader: the couple's voice.
COUPLE_VOICE = re.compile(r"\b(?:you|your|yours|each of you|both of you)\b", re.I)


@pytest.fixture(scope="module")
def run() -> dict:
    book = json.loads((ROOT / "notebooks" / "therapist_review.ipynb").read_text("utf-8"))
    figures: list = []
    space: dict = {}
    keep = charts.offline

    def caught(fig, *args, **kwargs):
        figures.append(fig)
        return fig

    here = Path.cwd()
    charts.offline = caught
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in book["cells"]:
                if cell["cell_type"] == "code":
                    exec(compile("".join(cell["source"]), "<notebook>", "exec"), space)
    finally:
        charts.offline = keep
        os.chdir(here)
    return {"figures": figures, "space": space}


def test_every_chart_title_speaks_of_the_partners(run):
    titles = [html.unescape(fig.layout.title.text or "") for fig in run["figures"]]
    assert len(titles) == 9  # the charts test_notebooks_html counts for couple-01
    assert "How far apart the partners' scores were each week" in titles
    assert "Setbacks per partner" in titles
    addressed = [t for t in titles if COUPLE_VOICE.search(t)]
    assert addressed == []


def test_a_partner_without_triggers_has_none_logged_not_insufficient_data(run):
    space = run["space"]
    r, side = space["r"], space["side"]
    silent = [p for p in r.partners if p not in r.partners_with_triggers]
    assert silent == ["B"]  # couple-01 B logged no trigger
    assert side.loc["B", "verdict"] == "none logged"
    assert side.loc["A", "verdict"] == str(r.trigger_trend.set_index("partner").loc["A", "verdict"])

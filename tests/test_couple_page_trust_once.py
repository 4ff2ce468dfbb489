"""The couple page gives one answer to "how much did you trust at the start" (reader14 F10).

couple-01's "In short" says A's trust was "on average 4.8 out of 10 in the first 4 weeks and 7.3
in the latest 4 weeks" (``trends.trend_summary``), while the layers chart on the same page put
A's trust "at the start" at 4.5 and "recently" at 7.1 (``layers.layers_profile``, the first and
last 8 weeks), with a note reconciling the two.  The couple page's layers chart now draws the six
layers alone: its trust is the summary's and its own chart's.  The therapist page keeps trust in
the layers chart, and its note naming the windows.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from _pages import SAMPLE, page_text

import trustdata
from trustdata import report, review


def _layers_traces(page: str) -> list[dict]:
    specs = json.loads(re.search(r"var charts = (\[.*?\]);\n", page, flags=re.S).group(1))
    return [
        t
        for spec in specs
        for t in spec["figure"]["data"]
        if (t.get("meta") or {}).get("part") in ("start", "recent")
        and "layer" not in (t.get("meta") or {})
        and "measure" not in (t.get("meta") or {})
    ]


@pytest.fixture(scope="module")
def r():
    return review.review(trustdata.load(SAMPLE), "couple-01")


def test_the_couple_page_has_one_trust_at_the_start(r):
    page = report.render(r, audience="couple")
    text = page_text(page)
    # the summary's answer stays
    assert "trust was on average 4.8 out of 10 in the first 4 weeks and 7.3" in text
    dots = _layers_traces(page)
    assert dots, "the layers chart is drawn"
    assert all("Trust" not in t["y"] for t in dots)
    # the layers are there, each partner's start and recent level
    prof = r.layers_profile.loc[r.layers_profile["is_layer"]]
    assert sum(len(t["y"]) for t in dots) == 2 * len(prof)
    # no second trust number, nor a note reconciling two
    assert "trust dots" not in text and "can differ" not in text
    assert "Trust itself is in the summary and its own chart above." in text
    # couple-01's layers were rated by A alone (reader14 F7: the heading names them)
    assert r.partners_scoring["layers"] == ("A",)
    assert "The layers of trust for A: at the start and recently" in text


def test_the_therapist_page_keeps_trust_in_the_layers_chart(r):
    page = report.render(r, audience="therapist")
    dots = _layers_traces(page)
    start = next(t for t in dots if t["meta"] == {"partner": "A", "part": "start"})
    trust = r.layers_profile.query("partner == 'A' and layer == 'trust'").iloc[0]
    x = start["x"]
    if isinstance(x, dict):  # plotly's typed array
        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    assert start["y"][0] == "Trust" and x[0] == pytest.approx(trust["start_level"])
    assert "not the trust summary's weeks" in page_text(page)

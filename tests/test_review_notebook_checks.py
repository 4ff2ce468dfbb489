"""The therapist notebook's own checks, run on every sample couple (the notebook's run in
tests/test_notebooks_html.py reviews only its default couple, couple-01)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import trustdata
from trustdata import layers, report
from trustdata.review import review


def _cell(marker: str) -> str:
    nb = json.loads(
        (report.resolve_path("notebooks") / "therapist_review.ipynb").read_text(encoding="utf-8")
    )
    (cell,) = [c for c in nb["cells"] if marker in "".join(c["source"])]
    return "".join(cell["source"])


@pytest.fixture(scope="module")
def sample():
    return trustdata.load(report.resolve_path("data/sample/couples"))


def _run_trust_check(r) -> None:
    env = {
        "r": r,
        "c": r.logs,
        "by_week": layers.layers_weekly(r.logs.checkins, r.logs.events),
        "layers": layers,
        "np": np,
        "pd": pd,
    }
    exec(_cell("# Checks: the recent trust level"), env)  # our own notebook


@pytest.mark.parametrize("couple", ["couple-01", "couple-02", "couple-03", "couple-04"])
def test_the_recent_trust_check_holds_for_every_sample_couple(sample, couple):
    # couple-04 A's recent weeks hold a sudden dip (13 January to 10 February 2025) that the
    # trust sentence and the layers chart leave out: the check used to take the plain mean of
    # the last 8 weeks (3.33) against the chart's 5.5, and failed there
    r = review(sample, couple)
    if couple == "couple-04":
        left = r.layers_left_out.set_index("partner")
        assert left.loc["A", "end"] == "latest"
        assert (left.loc["A", "dip_from"], left.loc["A", "dip_to"]) == (
            pd.Timestamp("2025-01-13"),
            pd.Timestamp("2025-02-10"),
        )
        trust = r.layers_profile.set_index(["partner", "layer"])
        assert trust.loc[("A", "trust"), "recent_level"] == 5.5
    _run_trust_check(r)


def test_the_recent_trust_check_fails_on_a_profile_that_keeps_the_dip(sample):
    # the check can fail: couple-04 A's recent trust level computed with the dip's weeks kept
    # (the profile before the layers chart left the dip out) is not what it checks
    r = review(sample, "couple-04")
    whole = layers.layers_profile(r.logs.checkins, recent_weeks=8, start_weeks=8)
    keep = r.layers_profile.copy()
    a = (keep["partner"] == "A") & (keep["layer"] == "trust")
    kept = whole.loc[(whole["partner"] == "A") & (whole["layer"] == "trust"), "recent_level"]
    keep.loc[a, "recent_level"] = float(kept.iloc[0])
    assert float(kept.iloc[0]) != 5.5
    with pytest.raises(AssertionError):
        _run_trust_check(dataclasses.replace(r, layers_profile=keep))

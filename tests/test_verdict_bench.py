"""The set-aside helpers of ``benchmarks/verdict_accuracy.py`` (the eighth round's oracle and
detector bounds, ``docs/verdicts.md``) leave out what they say they leave out."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustdata import synth
from trustdata.logs import as_table

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def va():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(
            "verdict_accuracy", BENCH / "verdict_accuracy.py"
        )
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(BENCH))
    return mod


def _series(scores: list[float], start: str = "2025-01-06") -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(scores), freq="7D") + pd.Timedelta(days=2)
    return as_table(
        "checkins",
        {"couple_id": "c1", "partner": "A", "date": dates, "connection": scores},
    )


def test_planted_window_is_the_weeks_at_depth_and_of_recovery(va):
    days = pd.date_range("2025-01-01", "2025-02-28", freq="D")
    ci = as_table("checkins", {"couple_id": "c1", "partner": "B", "date": days, "connection": 5})
    sb = pd.DataFrame(
        {
            "couple_id": ["c1"],
            "partner": ["B"],
            "planted_start": [pd.Timestamp("2025-01-13")],  # a Monday
            "weeks_at_depth": [2],
            "recovery_weeks": [1],
        }
    )
    gone = ci.drop(index=va.drop_windows(ci, va.planted_windows(sb)).index)
    assert gone["date"].min() == pd.Timestamp("2025-01-13")
    assert gone["date"].max() == pd.Timestamp("2025-02-02")  # the Sunday of the third week
    assert len(gone) == 21
    # another partner's check-ins on the same days are kept
    other = ci.assign(partner="A")
    assert len(va.drop_windows(other, va.planted_windows(sb))) == len(other)


def test_planted_windows_leave_out_the_planted_weeks_only(va):
    syn = synth.generate(couples=40, seed=11, text=False)
    ci, sb = syn.logs.checkins, syn.setbacks
    assert len(sb) > 20
    win = va.planted_windows(sb)
    kept = va.drop_windows(ci, win)
    gone = ci.drop(index=kept.index)
    assert len(gone) > 0
    # every dropped check-in lies in one of its partner's windows, inside the planted weeks
    m = gone.merge(win, on=va.KEY)
    inside = (m["date"] >= m["lo"]) & (m["date"] < m["hi"])
    assert inside.groupby([m["couple_id"], m["partner"], m["date"]]).any().all()
    # the first lowered check-in and the trough of every listed setback are dropped
    key = [*va.KEY, "date"]
    for col in ("start", "trough_date"):
        hit = sb[[*va.KEY, col]].rename(columns={col: "date"}).merge(kept[key], on=key)
        assert hit.empty
    # the weeks just outside each window are kept: the day before it and its end
    edges = pd.concat(
        [win.assign(date=win["lo"] - pd.Timedelta(days=1)), win.assign(date=win["hi"])]
    )
    cand = edges[key].merge(ci[key], on=key)
    inner = cand.merge(win, on=va.KEY)
    in_other = (
        ((inner["date"] >= inner["lo"]) & (inner["date"] < inner["hi"]))
        .groupby([inner["couple_id"], inner["partner"], inner["date"]])
        .any()
    )
    outside = in_other[~in_other].reset_index()[key]
    assert len(outside) > 0
    assert len(outside.merge(kept[key], on=key)) == len(outside)


def test_found_windows_take_the_setbacks_at_the_ends_only(va):
    flat = [7.0, 7, 8, 7, 7, 6, 7, 7, 8, 7, 7, 7, 6, 7, 7, 8, 7, 7, 7, 7]
    at_end = _series([*flat, 3, 3, 3])
    w = va.found_windows(at_end, side="end")
    assert len(w) == 1
    kept = va.drop_windows(at_end, w)
    assert kept["connection"].tolist() == flat
    assert va.found_windows(at_end, side="start").empty
    middle = _series([*flat[:10], 3, 3, *flat[10:]])
    assert va.found_windows(middle).empty
    # a setback in the 3rd-4th scores overlaps the first 4; in the 5th-6th it does not
    early = _series([*flat[:2], 3, 3, *flat[2:]])
    assert (
        va.drop_windows(early, va.found_windows(early, side="start"))["connection"].tolist() == flat
    )
    assert va.found_windows(early, side="end").empty
    later = _series([*flat[:4], 3, 3, *flat[4:]])
    assert va.found_windows(later, side="start").empty
    assert va.found_windows(later, side="start", k=5).shape[0] == 1
    assert np.array_equal(va.drop_windows(later, va.found_windows(later)).index, later.index)

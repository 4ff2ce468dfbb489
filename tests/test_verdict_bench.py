"""The set-aside helpers of ``benchmarks/verdict_accuracy.py`` (the eighth round's oracle and
detector bounds, ``docs/verdicts.md``) leave out what they say they leave out."""

from __future__ import annotations

import importlib.util
import itertools
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


@pytest.fixture(scope="module")
def vn():
    """benchmarks/verdict_noise.py (the ninth round's candidates)."""
    spec = importlib.util.spec_from_file_location("verdict_noise", BENCH / "verdict_noise.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _low_start_reference(vn, y: np.ndarray, z: float, min_dip: int) -> np.ndarray:
    """The ninth round's candidate for one series, as plain loops."""
    from trustdata import trends

    sid = np.zeros(len(y), dtype=np.int64)
    dips = trends._dip_weeks(sid, y)
    longest, run = 0, 0
    for d in dips:
        run = run + 1 if d else 0
        longest = max(longest, run)
    out = np.zeros(len(y), dtype=bool)
    if longest < min_dip:
        return out
    diffs = [b - a for a, b in itertools.pairwise(y) if abs(b - a) < trends.SUDDEN_JUMP]
    s = max(np.mean(np.square(diffs)) / 2 if diffs else 0.0, trends.ROUNDING_SD**2) ** 0.5
    best = 0
    for m in range(1, trends.MAX_TRAILING_DIP + 1):
        if len(y) < m + vn.AFTER or m > trends.TRAILING_DIP_SHARE * (len(y) - m):
            continue
        if max(y[:m]) < np.median(y[m : m + vn.AFTER]) - z * s:
            best = m
    out[:best] = True
    return out


def test_setback_prone_low_start_matches_a_loop_reference(vn):
    rng = np.random.default_rng(9)
    series = []
    for _ in range(300):
        n = int(rng.integers(6, 60))
        y = np.clip(np.round(5 + rng.normal(0, 0.7, n)), 1, 10)
        if rng.random() < 0.6:  # a low start
            y[: int(rng.integers(1, 10))] = rng.integers(1, 3)
        if rng.random() < 0.6:  # a setback later on
            at, hold = int(rng.integers(2, n)), int(rng.integers(1, 7))
            y[at : at + hold] -= 4
        series.append(np.clip(y, 1, 10))
    sid = np.concatenate([np.full(len(y), i) for i, y in enumerate(series)]).astype(np.int64)
    y = np.concatenate(series)
    for z, min_dip in ((1.96 * np.sqrt(2), 4), (2.0, 2)):
        got = vn.setback_prone_weeks(sid, y, len(series), z=z, min_dip=min_dip)
        want = np.concatenate([_low_start_reference(vn, s, z, min_dip) for s in series])
        assert got.tolist() == want.tolist()
    assert got.any() and not got.all()


def test_setback_prone_low_start_needs_a_setback_elsewhere(vn):
    start = [1.0, 1, 1, 1, 1]
    level = [5.0, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6]
    setback = [1.0, 1, 1, 1]  # held 4 weekly scores: an end's worth
    with_setback = np.array(start + level[:12] + setback + level[12:])
    sid = np.zeros(len(with_setback), dtype=np.int64)
    got = vn.setback_prone_weeks(sid, with_setback, 1)
    assert got.tolist() == [True] * 5 + [False] * (len(with_setback) - 5)
    # a setback of 3 scores is not enough, and none at all leaves the start alone
    short = np.array(start + level[:12] + setback[:3] + level[12:])
    assert not vn.setback_prone_weeks(np.zeros(len(short), dtype=np.int64), short, 1).any()
    plain = np.array(start + level)
    assert not vn.setback_prone_weeks(np.zeros(len(plain), dtype=np.int64), plain, 1).any()

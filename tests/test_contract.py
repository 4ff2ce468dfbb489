"""The contract every analysis keeps (STYLE.md): frames in, a tidy frame out.

For each public analysis: the inputs are not mutated; the output columns are Python identifiers
and hold plain values (no lists, arrays or dicts in cells); empty input gives an empty output
with exactly the same columns; and the columns do not change with the options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from trustdata import cohort, dyad, layers, milestones, setbacks, synth, trends, triggers
from trustdata.logs import Logs


@pytest.fixture(scope="module")
def logs() -> Logs:
    return synth.generate(couples=6, seed=11).logs


def _empty(logs: Logs) -> Logs:
    return replace(
        logs,
        checkins=logs.checkins.iloc[0:0],
        triggers=logs.triggers.iloc[0:0],
        events=logs.events.iloc[0:0],
        couples=logs.couples.iloc[0:0],
    )


def _aligned(lg: Logs) -> pd.DataFrame:
    return cohort.align(lg.checkins, lg.events, fallback="disclosure")


def _groups(lg: Logs) -> pd.DataFrame:
    return cohort.groups_from_events(
        lg.events, kind="couples_therapy", couple_ids=lg.checkins["couple_id"].unique()
    )


# name -> (function of Logs returning the analysis output, the frames it reads)
ANALYSES: dict[str, Callable[[Logs], pd.DataFrame]] = {
    "weekly_trend": lambda lg: trends.weekly_trend(lg.checkins, lg.events),
    "weekly_trend_trust_ci": lambda lg: trends.weekly_trend(
        lg.checkins, lg.events, measure="trust", band="ci"
    ),
    "trend_summary": lambda lg: trends.trend_summary(lg.checkins),
    "monthly_scores": lambda lg: trends.monthly_scores(lg.checkins),
    "changes_since": lambda lg: trends.changes_since(lg, "2024-06-01"),
    "trigger_frequency_week": lambda lg: triggers.trigger_frequency(lg.triggers),
    "trigger_frequency_month_total": lambda lg: triggers.trigger_frequency(
        lg.triggers, period="month", by="total"
    ),
    "trigger_trend": lambda lg: triggers.trigger_trend(lg.triggers),
    "anniversary_triggers": lambda lg: triggers.anniversary_triggers(lg.triggers, lg.events),
    "anniversary_summary": lambda lg: triggers.anniversary_summary(lg.triggers, lg.events),
    "partner_gap": lambda lg: dyad.partner_gap(lg.checkins),
    "gap_trend": lambda lg: dyad.gap_trend(lg.checkins),
    "lagged_correlation": lambda lg: dyad.lagged_correlation(lg.checkins),
    "find_setbacks": lambda lg: setbacks.find_setbacks(lg.checkins),
    "sudden_losses": lambda lg: setbacks.sudden_losses(lg.checkins),
    "setback_context": lambda lg: setbacks.setback_context(
        setbacks.find_setbacks(lg.checkins), lg.triggers, lg.events
    ),
    "small_wins": lambda lg: milestones.small_wins(lg.checkins, lg.triggers),
    "red_flags": lambda lg: milestones.red_flags(lg.checkins, lg.triggers, lg.events),
    "align": _aligned,
    "trajectories": lambda lg: cohort.trajectories(_aligned(lg), _groups(lg)),
    "per_couple_slopes": lambda lg: cohort.per_couple_slopes(_aligned(lg)),
    "good_level_times": lambda lg: cohort.good_level_times(_aligned(lg), _groups(lg)),
    "layers_profile": lambda lg: layers.layers_profile(lg.checkins),
    "layers_weekly": lambda lg: layers.layers_weekly(lg.checkins, lg.events),
}

# Options that must not change the output's columns.
VARIANTS: list[tuple[Callable[[Logs], pd.DataFrame], Callable[[Logs], pd.DataFrame]]] = [
    (ANALYSES["weekly_trend"], ANALYSES["weekly_trend_trust_ci"]),
    (
        ANALYSES["trigger_frequency_week"],
        ANALYSES["trigger_frequency_month_total"],
    ),
    (
        ANALYSES["sudden_losses"],
        lambda lg: setbacks.sudden_losses(lg.checkins, measure="trust", cutoff=2),
    ),
    (
        ANALYSES["find_setbacks"],
        lambda lg: setbacks.find_setbacks(lg.checkins, measure="trust"),
    ),
    (
        ANALYSES["layers_profile"],
        lambda lg: layers.layers_profile(lg.checkins, recent_weeks=2, start_weeks=12),
    ),
    (ANALYSES["layers_weekly"], lambda lg: layers.layers_weekly(lg.checkins, band="ci")),
]


def _snapshot(logs: Logs) -> dict[str, pd.DataFrame]:
    tables = ("checkins", "triggers", "events")
    return {name: getattr(logs, name).copy(deep=True) for name in tables}


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_analysis_does_not_mutate_its_input(logs: Logs, name: str) -> None:
    before = _snapshot(logs)
    ANALYSES[name](logs)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(getattr(logs, table), frame)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_analysis_output_is_tidy(logs: Logs, name: str) -> None:
    out = ANALYSES[name](logs)
    assert isinstance(out, pd.DataFrame)
    assert len(out) > 0, "the synthetic couples should give some rows"
    for col in out.columns:
        assert isinstance(col, str) and col.isidentifier(), col
    for col in out.columns[out.dtypes.eq(object)]:
        bad = out[col].map(lambda v: isinstance(v, list | tuple | dict | set | np.ndarray))
        assert not bad.any(), f"{name}: column {col!r} holds containers"


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_empty_input_gives_empty_output_with_the_same_columns(logs: Logs, name: str) -> None:
    full = ANALYSES[name](logs)
    empty = ANALYSES[name](_empty(logs))
    assert len(empty) == 0
    assert list(empty.columns) == list(full.columns)


@pytest.mark.parametrize("pair", range(len(VARIANTS)))
def test_options_do_not_change_the_columns(logs: Logs, pair: int) -> None:
    first, second = VARIANTS[pair]
    assert list(first(logs).columns) == list(second(logs).columns)

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

from trustdata import cohort, dyad, layers, milestones, pipeline, setbacks, synth, trends, triggers
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
    "trend_weeks": lambda lg: trends.trend_weeks(lg.checkins),
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
    # the cohort pipeline's small wins: since each couple's latest hard news, with `since`
    "cohort_small_wins": lambda lg: pipeline.ANALYSES["small_wins"](lg),
    "red_flags": lambda lg: milestones.red_flags(lg.checkins, lg.triggers, lg.events),
    "align": _aligned,
    "trajectories": lambda lg: cohort.trajectories(_aligned(lg), _groups(lg)),
    "per_couple_slopes": lambda lg: cohort.per_couple_slopes(_aligned(lg)),
    "good_level_times": lambda lg: cohort.good_level_times(_aligned(lg), _groups(lg)),
    "leader_summary": lambda lg: dyad.leader_summary(dyad.lagged_correlation(lg.checkins)),
    "growth_model": lambda lg: cohort.growth_model(_aligned(lg), _groups(lg)),
    "time_to_good_level": lambda lg: cohort.time_to_good_level(_aligned(lg), _groups(lg)),
    "survival_medians": lambda lg: cohort.survival_medians(
        cohort.time_to_good_level(_aligned(lg), _groups(lg))
    ),
    "layers_profile": lambda lg: layers.layers_profile(lg.checkins),
    "layers_weekly": lambda lg: layers.layers_weekly(lg.checkins, lg.events),
    "attrition": lambda lg: cohort.attrition(_aligned(lg), _groups(lg)),
    "crossover": lambda lg: cohort.crossover(_aligned(lg), _groups(lg), lg.events),
    "apim_frame": lambda lg: cohort.apim_frame(_aligned(lg)),
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
    (ANALYSES["trend_weeks"], lambda lg: trends.trend_weeks(lg.checkins, measure="trust")),
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


# --------------------------------------------------------------------------------------------
# Output models (trustdata.schemas, "Analysis outputs"): every output, empty ones included,
# validates against its pandera model, and the modules' column tuples are the models' columns.
# --------------------------------------------------------------------------------------------

# analysis (a key of ANALYSES) -> its model in schemas.OUTPUT_MODELS
MODEL_OF: dict[str, str] = {
    "weekly_trend": "weekly_trend",
    "weekly_trend_trust_ci": "weekly_trend",
    "trend_summary": "trend_summary",
    "monthly_scores": "monthly_scores",
    "trend_weeks": "trend_weeks",
    "changes_since": "changes_since",
    "trigger_frequency_week": "trigger_frequency",
    "trigger_frequency_month_total": "trigger_frequency",
    "trigger_trend": "trigger_trend",
    "anniversary_triggers": "anniversary_triggers",
    "anniversary_summary": "anniversary_summary",
    "partner_gap": "partner_gap",
    "gap_trend": "gap_trend",
    "lagged_correlation": "lagged_correlation",
    "find_setbacks": "find_setbacks",
    "sudden_losses": "sudden_losses",
    "setback_context": "setback_context",
    "small_wins": "small_wins",
    "cohort_small_wins": "cohort_small_wins",
    "red_flags": "red_flags",
    "align": "align",
    "trajectories": "trajectories",
    "per_couple_slopes": "per_couple_slopes",
    "good_level_times": "good_level_times",
    "leader_summary": "leader_summary",
    "growth_model": "growth_model",
    "time_to_good_level": "time_to_good_level",
    "survival_medians": "survival_medians",
    "layers_profile": "layers_profile",
    "layers_weekly": "weekly_trend",
    "attrition": "attrition",
    "crossover": "crossover",
    "apim_frame": "apim_frame",
}

# a module's public column tuple -> the model it must equal
COLUMN_TUPLES: list[tuple[tuple[str, ...], str]] = [
    (trends.WEEKLY_TREND_COLUMNS, "weekly_trend"),
    (trends.TREND_SUMMARY_COLUMNS, "trend_summary"),
    (trends.MONTHLY_COLUMNS, "monthly_scores"),
    (trends.TREND_WEEKS_COLUMNS, "trend_weeks"),
    (trends.SINCE_COLUMNS, "changes_since"),
    (triggers.FREQUENCY_COLUMNS, "trigger_frequency"),
    (triggers.TREND_COLUMNS, "trigger_trend"),
    (triggers.ANNIVERSARY_COLUMNS, "anniversary_triggers"),
    (triggers.ANNIVERSARY_SUMMARY_COLUMNS, "anniversary_summary"),
    (dyad.GAP_COLUMNS, "partner_gap"),
    (dyad.GAP_TREND_COLUMNS, "gap_trend"),
    (dyad.LAG_COLUMNS, "lagged_correlation"),
    (setbacks.SETBACK_COLUMNS, "find_setbacks"),
    (setbacks.SUDDEN_LOSS_COLUMNS, "sudden_losses"),
    (setbacks.CONTEXT_COLUMNS, "setback_context"),
    (milestones.SMALL_WIN_COLUMNS, "small_wins"),
    (milestones.RED_FLAG_COLUMNS, "red_flags"),
    (cohort.ALIGNED_COLUMNS, "align"),
    (cohort.TRAJECTORY_COLUMNS, "trajectories"),
    (cohort.SLOPE_COLUMNS, "per_couple_slopes"),
    (cohort.GOOD_LEVEL_TIME_COLUMNS, "good_level_times"),
    (dyad.LEADER_COLUMNS, "leader_summary"),
    (cohort.MODEL_COLUMNS, "growth_model"),
    (cohort.SURVIVAL_COLUMNS, "time_to_good_level"),
    (cohort.MEDIAN_COLUMNS, "survival_medians"),
    (layers.LAYERS_PROFILE_COLUMNS, "layers_profile"),
    (cohort.ATTRITION_COLUMNS, "attrition"),
    (cohort.CROSSOVER_COLUMNS, "crossover"),
    (cohort.APIM_FRAME_COLUMNS, "apim_frame"),
]


def test_every_analysis_and_every_model_is_paired():
    from trustdata import schemas

    assert set(MODEL_OF) == set(ANALYSES)
    # expected_recovery needs a reference cohort, not the contract's logs: it is validated in
    # test_issue14_expected_recovery_passes_its_output_model
    assert set(MODEL_OF.values()) | {"expected_recovery"} == set(schemas.OUTPUT_MODELS)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_output_validates_against_its_model(logs: Logs, name: str) -> None:
    from trustdata import schemas

    model = schemas.OUTPUT_MODELS[MODEL_OF[name]]
    model.validate(ANALYSES[name](logs), lazy=True)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_empty_output_validates_against_its_model(logs: Logs, name: str) -> None:
    from trustdata import schemas

    model = schemas.OUTPUT_MODELS[MODEL_OF[name]]
    out = ANALYSES[name](_empty(logs))
    model.validate(out, lazy=True)
    assert out.dtypes.astype(str).tolist() == [
        "str" if d == "str" else d for d in schemas.output_dtypes(model).values()
    ]


@pytest.mark.parametrize("pair", range(len(COLUMN_TUPLES)))
def test_public_column_tuples_are_the_models_columns(pair: int) -> None:
    from trustdata import schemas

    columns, model = COLUMN_TUPLES[pair]
    assert tuple(columns) == schemas.output_columns(schemas.OUTPUT_MODELS[model])


def test_a_model_rejects_an_unknown_verdict_code(logs: Logs) -> None:
    import pandera.errors

    from trustdata import schemas

    out = trends.trend_summary(logs.checkins)
    out.loc[0, "change"] = "unchanged"  # the old code: no longer a verdict
    with pytest.raises(pandera.errors.SchemaError):
        schemas.TrendSummaryOutput.validate(out)


# --- issue 14: expected recovery, plan effect, anniversaries ahead (appended) ----------------


def _reference_expected() -> pd.DataFrame:
    """One expected band for the contract cases (a reference of 120 synthetic couples)."""
    global _EXPECTED
    if _EXPECTED is None:
        from trustdata import expected

        ref = synth.generate(couples=120, seed=5, months=(12, 14), text=False).logs
        _EXPECTED = expected.expected_recovery(ref)
    return _EXPECTED


_EXPECTED: pd.DataFrame | None = None


def _track_status(lg: Logs) -> pd.DataFrame:
    from trustdata import expected

    return expected.track_status(lg, _reference_expected())


ISSUE14: dict[str, Callable[[Logs], pd.DataFrame]] = {
    "track_status": _track_status,
    "track_summary": lambda lg: __import__("trustdata.expected").expected.track_summary(
        _track_status(lg)
    ),
    "plan_effect": lambda lg: triggers.plan_effect(lg.triggers),
    "upcoming_anniversaries": lambda lg: triggers.upcoming_anniversaries(
        lg.events, lg.triggers, weeks=52
    ),
}
# The parametrized tests above were collected from ANALYSES before this point: these names are
# added to it and run through the same four checks below.
ANALYSES.update(ISSUE14)
MODEL_OF.update({name: name for name in ISSUE14})
_N_VARIANTS = len(VARIANTS)
VARIANTS += [
    (ANALYSES["plan_effect"], lambda lg: triggers.plan_effect(lg.triggers, by=(), min_n=3)),
    (
        ANALYSES["upcoming_anniversaries"],
        lambda lg: triggers.upcoming_anniversaries(lg.events, lg.triggers, on="2025-01-01"),
    ),
    (
        _track_status,
        lambda lg: __import__("trustdata.expected").expected.track_status(
            lg, _reference_expected(), weeks_below=2
        ),
    ),
]


@pytest.mark.parametrize("name", sorted(ISSUE14))
def test_issue14_analyses_keep_the_contract(logs: Logs, name: str) -> None:
    test_analysis_does_not_mutate_its_input(logs, name)
    test_analysis_output_is_tidy(logs, name)
    test_empty_input_gives_empty_output_with_the_same_columns(logs, name)


@pytest.mark.parametrize("pair", range(_N_VARIANTS, len(VARIANTS)))
def test_issue14_options_do_not_change_the_columns(logs: Logs, pair: int) -> None:
    test_options_do_not_change_the_columns(logs, pair)


_ISSUE14_SCHEMAS = {
    "track_status": "TrackStatusSchema",
    "track_summary": "TrackSummarySchema",
    "plan_effect": "PlanEffectSchema",
    "upcoming_anniversaries": "UpcomingAnniversarySchema",
}


@pytest.mark.parametrize("name", sorted(_ISSUE14_SCHEMAS))
def test_issue14_outputs_pass_their_output_models(logs: Logs, name: str) -> None:
    from trustdata import schemas

    model = getattr(schemas, _ISSUE14_SCHEMAS[name])
    model.validate(ANALYSES[name](logs), lazy=True)
    model.validate(ANALYSES[name](_empty(logs)), lazy=True)


def test_issue14_expected_recovery_passes_its_output_model() -> None:
    from trustdata import schemas

    schemas.ExpectedRecoverySchema.validate(_reference_expected(), lazy=True)


def test_issue14_expected_curves_keep_the_expected_recovery_model() -> None:
    """``expected_curves`` is a slice of ``expected_recovery``: same model, same columns, tidy."""
    from trustdata import expected, schemas

    exp = _reference_expected()
    before = exp.copy()
    cur = expected.expected_curves(exp)
    pd.testing.assert_frame_equal(exp, before)  # not mutated
    schemas.ExpectedRecoverySchema.validate(cur, lazy=True)
    assert list(cur.columns) == list(exp.columns)
    assert len(cur) > 0
    # one baseline per group: one row a week
    assert not cur.duplicated(["role", "aligned_week"]).any()
    empty = expected.expected_curves(exp.iloc[0:0])
    assert list(empty.columns) == list(exp.columns) and empty.empty


# --- cohort: the effect tables with their own output models (appended) -----------------------

COHORT: dict[str, Callable[[Logs], pd.DataFrame]] = {
    "group_differences": lambda lg: cohort.group_differences(
        _aligned(lg), _groups(lg), months=(3,)
    ),
    "compare_time_shapes": lambda lg: cohort.compare_time_shapes(_aligned(lg), _groups(lg)),
    "slope_comparison": lambda lg: cohort.slope_comparison(_aligned(lg), _groups(lg)),
    "logrank": lambda lg: cohort.logrank(_aligned(lg), _groups(lg)),
    "rmst": lambda lg: cohort.rmst(_aligned(lg), _groups(lg)),
    "cox_hazard_ratio": lambda lg: cohort.cox_hazard_ratio(_aligned(lg), _groups(lg)),
    "apim": lambda lg: cohort.apim(_aligned(lg)),
}
ANALYSES.update(COHORT)
MODEL_OF.update({name: name for name in COHORT})
_N_VARIANTS_COHORT = len(VARIANTS)
VARIANTS += [
    (
        COHORT["group_differences"],
        lambda lg: cohort.group_differences(
            _aligned(lg), _groups(lg), months=(2, 3), time="spline", df=3
        ),
    ),
    (
        COHORT["slope_comparison"],
        lambda lg: cohort.slope_comparison(_aligned(lg), _groups(lg), method="theilsen"),
    ),
    (COHORT["rmst"], lambda lg: cohort.rmst(_aligned(lg), _groups(lg), tau=4, level=0.9)),
    (
        COHORT["cox_hazard_ratio"],
        lambda lg: cohort.cox_hazard_ratio(_aligned(lg), _groups(lg), ties="breslow"),
    ),
    (COHORT["apim"], lambda lg: cohort.apim(_aligned(lg), lag=2)),
]


@pytest.fixture(scope="module")
def cohort_outputs(logs: Logs) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Each cohort effect table on the contract's logs and on empty logs (fitted once)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # six couples: fits may not verify
        return {name: (f(logs), f(_empty(logs))) for name, f in COHORT.items()}


@pytest.mark.parametrize("name", sorted(COHORT))
def test_cohort_effect_tables_keep_the_contract(logs: Logs, name: str) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # six couples: fits may not verify
        test_analysis_does_not_mutate_its_input(logs, name)
        test_analysis_output_is_tidy(logs, name)
        test_empty_input_gives_empty_output_with_the_same_columns(logs, name)


@pytest.mark.parametrize("name", sorted(COHORT))
def test_cohort_effect_tables_pass_their_output_models(cohort_outputs, name) -> None:
    from trustdata import schemas

    model = schemas.OUTPUT_MODELS[name]
    full, empty = cohort_outputs[name]
    model.validate(full, lazy=True)
    model.validate(empty, lazy=True)
    assert empty.dtypes.astype(str).tolist() == full.dtypes.astype(str).tolist()
    assert empty.dtypes.astype(str).tolist() == [
        "str" if d == "str" else d for d in schemas.output_dtypes(model).values()
    ]


@pytest.mark.parametrize("pair", range(_N_VARIANTS_COHORT, len(VARIANTS)))
def test_cohort_options_do_not_change_the_columns(logs: Logs, pair: int) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        test_options_do_not_change_the_columns(logs, pair)


COLUMN_TUPLES_COHORT = [
    (cohort.DIFFERENCE_COLUMNS, "group_differences"),
    (cohort.SHAPE_COMPARISON_COLUMNS, "compare_time_shapes"),
    (cohort.COMPARISON_COLUMNS, "slope_comparison"),
    (cohort.LOGRANK_COLUMNS, "logrank"),
    (cohort.RMST_COLUMNS, "rmst"),
    (cohort.COX_COLUMNS, "cox_hazard_ratio"),
    (cohort.APIM_COLUMNS, "apim"),
]


@pytest.mark.parametrize(("columns", "model"), COLUMN_TUPLES_COHORT)
def test_cohort_column_tuples_are_the_models_columns(columns, model) -> None:
    from trustdata import schemas

    assert tuple(columns) == schemas.output_columns(schemas.OUTPUT_MODELS[model])


def test_a_cohort_model_rejects_an_interval_that_misses_its_estimate(cohort_outputs) -> None:
    import pandera.errors

    from trustdata import schemas

    full, _ = cohort_outputs["apim"]
    bad = full.copy()
    bad.loc[0, "ci_low"] = bad.loc[0, "estimate"] + 1
    with pytest.raises(pandera.errors.SchemaError):
        schemas.ApimOutput.validate(bad)
    bad = cohort_outputs["rmst"][0].copy()
    bad.loc[0, "rmst"] = bad.loc[0, "tau"] + 1  # a group's mean time cannot pass tau
    with pytest.raises(pandera.errors.SchemaError):
        schemas.RmstOutput.validate(bad)

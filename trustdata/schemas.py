"""The data's contract: column names, ranges, category lists and pandera models of log format v1.

This module is the one place where the facts about the four tables live; every other module
imports them from here.  The models validate *typed* frames: parsing (text to numbers, dates and
categories, with :func:`normalize_category` and friends) happens first in :mod:`trustdata.io`,
which remembers what failed to parse and why, and only then are the frames validated lazily with
these models.  A validated frame has: ``str`` ids and text, ``datetime64[ns]`` dates and
timestamps (naive), nullable ``Int64`` scores, a nullable ``boolean`` ``used_plan``, ``Float64``
``minutes`` and categoricals with the fixed lists below for ``category`` and ``kind``.

Tables
------
checkins
    One check-in per couple, partner and date.  ``connection`` ("How connected do you feel to me
    right now?") is required; ``trust`` and the six layers of trust are optional; three short
    free-text answers.
triggers
    One row per trigger.  ``timestamp`` is stored as the **local wall-clock time** the person wrote
    (a naive ``datetime64``); when the input carried a UTC offset it is kept, in minutes, in
    ``utc_offset_minutes`` (otherwise missing).  ``time_known`` is False when only a date was given
    (the timestamp is then that day's midnight).
events
    Dated events of the recovery (discovery, disclosure, therapy start, ...).
couples
    Optional, one row per couple, with any couple-level attributes (``group``, ``cohort``, ...).

Examples
--------
>>> from trustdata import schemas
>>> schemas.normalize_category("Anniversary ")
'date_or_anniversary'
>>> schemas.SCORE_COLUMNS[:2]
('connection', 'trust')
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from trustdata import _pandera_compat

_pandera_compat.install()

__all__ = [
    "FORMAT_VERSION",
    "TABLES",
    "ID_COLUMNS",
    "ROLES",
    "LAYERS",
    "SCORE_COLUMNS",
    "OPTIONAL_SCORE_COLUMNS",
    "CHECKIN_TEXT_COLUMNS",
    "TEXT_COLUMNS",
    "SCORE_MIN",
    "DISPLAY_NAME_PREFIX",
    "SCORE_MAX",
    "TRIGGER_CATEGORIES",
    "EVENT_KINDS",
    "ANCHOR_EVENT_KINDS",
    "MAJOR_TRIGGER_INTENSITY",
    "GOOD_LEVEL",
    "WEEK_FREQ",
    "DAYS_PER_MONTH",
    "week_start",
    "CHECKIN_COLUMNS",
    "TRIGGER_COLUMNS",
    "EVENT_COLUMNS",
    "COUPLE_COLUMNS",
    "REQUIRED_COLUMNS",
    "KNOWN_COLUMNS",
    "REJECTED_COLUMNS",
    "CheckinSchema",
    "TriggerSchema",
    "EventSchema",
    "CoupleSchema",
    "RejectedSchema",
    "SCHEMAS",
    "CHANGE_LABELS",
    "SHAPES",
    "ERROR_SOURCES",
    "TRIGGER_VERDICTS",
    "TRIGGER_TEST_VERDICTS",
    "RED_FLAG_CODES",
    "FLAG_SEVERITIES",
    "SMALL_WIN_KIND_CODES",
    "output_columns",
    "output_dtypes",
    "OUTPUT_MODELS",
    "WeeklyTrendOutput",
    "TrendSummaryOutput",
    "MonthlyScoresOutput",
    "ChangesSinceOutput",
    "TriggerFrequencyOutput",
    "TriggerTrendOutput",
    "AnniversaryTriggersOutput",
    "AnniversarySummaryOutput",
    "PartnerGapOutput",
    "GapTrendOutput",
    "LaggedCorrelationOutput",
    "SetbacksOutput",
    "SuddenLossesOutput",
    "SetbackContextOutput",
    "SmallWinsOutput",
    "CohortSmallWinsOutput",
    "RedFlagsOutput",
    "AlignedOutput",
    "TrajectoriesOutput",
    "PerCoupleSlopesOutput",
    "GoodLevelTimesOutput",
    "LeaderSummaryOutput",
    "GrowthModelOutput",
    "TimeToGoodLevelOutput",
    "SurvivalMediansOutput",
    "normalize_category",
    "normalize_kind",
    "normalize_role",
    "normalize_bool",
    "categorical",
]

FORMAT_VERSION = 1

#: Table names, in the order they are loaded.  ``checkins`` is the only required one.
TABLES: tuple[str, ...] = ("checkins", "triggers", "events", "couples")

ID_COLUMNS: tuple[str, ...] = ("couple_id", "partner")

ROLES: tuple[str, ...] = ("hurt", "involved", "both")

#: The six layers of trust, in the guide's order.
LAYERS: tuple[str, ...] = (
    "reliability",
    "emotional_safety",
    "honesty",
    "consistency",
    "respect",
    "transparency",
)

#: Couples-table columns ``name_<partner>`` hold a partner's display name (optional text).
DISPLAY_NAME_PREFIX = "name_"

SCORE_MIN = 1
SCORE_MAX = 10

#: Every 1-10 measure of a check-in; ``connection`` is required, the others optional.
SCORE_COLUMNS: tuple[str, ...] = ("connection", "trust", *LAYERS)
OPTIONAL_SCORE_COLUMNS: tuple[str, ...] = SCORE_COLUMNS[1:]

#: The three short answers of a check-in.
CHECKIN_TEXT_COLUMNS: tuple[str, ...] = ("increased_trust", "decreased_trust", "need")

#: Every free-text column of the format (dropped by anonymization).
TEXT_COLUMNS: tuple[str, ...] = (*CHECKIN_TEXT_COLUMNS, "note")

TRIGGER_CATEGORIES: tuple[str, ...] = (
    "date_or_anniversary",
    "location",
    "similar_situation",
    "other_person",
    "behavior_change",
    "media",
    "other",
)

EVENT_KINDS: tuple[str, ...] = (
    "discovery",
    "disclosure",
    "no_contact",
    "individual_therapy",
    "couples_therapy",
    "agreement",
    "new_information",
    "repeat_betrayal",
    "abuse",
    "separation",
    "small_win",
    "other",
)

#: Events a timeline can be anchored on (weeks since ...), in order of preference.
ANCHOR_EVENT_KINDS: tuple[str, ...] = ("discovery", "disclosure")

#: A trigger at least this intense is a "major" trigger (the guide's threshold).
MAJOR_TRIGGER_INTENSITY = 7

#: A four-week mean at or above this is a "good level" (the guide's default).
GOOD_LEVEL = 7

#: Weeks run Monday to Sunday and are labelled by their Monday (pandas period "W-SUN").
WEEK_FREQ = "W-SUN"

#: Average days in a month, for slopes "per month".
DAYS_PER_MONTH = 365.25 / 12

CHECKIN_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "role",
    "date",
    *SCORE_COLUMNS,
    *CHECKIN_TEXT_COLUMNS,
)
TRIGGER_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "timestamp",
    "utc_offset_minutes",
    "time_known",
    "category",
    "intensity",
    "used_plan",
    "minutes",
    "note",
)
EVENT_COLUMNS: tuple[str, ...] = ("couple_id", "date", "kind", "partner", "note")
COUPLE_COLUMNS: tuple[str, ...] = ("couple_id",)

#: Columns a file must have, per table.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkins": ("couple_id", "partner", "date", "connection"),
    "triggers": ("couple_id", "partner", "timestamp", "category", "intensity"),
    "events": ("couple_id", "date", "kind"),
    "couples": ("couple_id",),
}

#: Columns the format knows, per table (anything else is kept and reported as "extra").
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkins": CHECKIN_COLUMNS,
    "triggers": TRIGGER_COLUMNS,
    "events": EVENT_COLUMNS,
    "couples": COUPLE_COLUMNS,
}

#: Columns of :attr:`trustdata.Logs.rejected` (followed by the record's original values as text).
REJECTED_COLUMNS: tuple[str, ...] = ("table", "source", "line", "reason")

_score = {"ge": SCORE_MIN, "le": SCORE_MAX}


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # columns the format does not know are kept
        coerce = False  # parsing happens before validation (see trustdata.io)


class CheckinSchema(_Base):
    """A check-in: one per couple, partner and date."""

    couple_id: Series[str] = pa.Field(str_length={"min_value": 1})
    partner: Series[str] = pa.Field(str_length={"min_value": 1})
    role: Series[str] = pa.Field(isin=list(ROLES), nullable=True)
    date: Series[pd.Timestamp]
    connection: Series[pd.Int64Dtype] = pa.Field(**_score)
    trust: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    reliability: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    emotional_safety: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    honesty: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    consistency: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    respect: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    transparency: Series[pd.Int64Dtype] = pa.Field(**_score, nullable=True)
    increased_trust: Series[str] = pa.Field(nullable=True)
    decreased_trust: Series[str] = pa.Field(nullable=True)
    need: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = ["couple_id", "partner", "date"]


class TriggerSchema(_Base):
    """A trigger: when it hit, its kind and intensity, whether the agreed plan was used."""

    couple_id: Series[str] = pa.Field(str_length={"min_value": 1})
    partner: Series[str] = pa.Field(str_length={"min_value": 1})
    timestamp: Series[pd.Timestamp]
    utc_offset_minutes: Series[pd.Int64Dtype] = pa.Field(ge=-16 * 60, le=16 * 60, nullable=True)
    time_known: Series[bool]
    category: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs={"categories": list(TRIGGER_CATEGORIES), "ordered": False}
    )
    intensity: Series[pd.Int64Dtype] = pa.Field(**_score)
    used_plan: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    minutes: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    note: Series[str] = pa.Field(nullable=True)


class EventSchema(_Base):
    """A dated event of the recovery."""

    couple_id: Series[str] = pa.Field(str_length={"min_value": 1})
    date: Series[pd.Timestamp]
    kind: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs={"categories": list(EVENT_KINDS), "ordered": False}
    )
    partner: Series[str] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)


class CoupleSchema(_Base):
    """Couple-level attributes (one row per couple).

    Optional display names: a text column ``name_<partner>`` (e.g. ``name_A``, ``name_B``; see
    :data:`DISPLAY_NAME_PREFIX`) gives the name every view shows for that partner.
    """

    couple_id: Series[str] = pa.Field(str_length={"min_value": 1}, unique=True)


class RejectedSchema(pa.DataFrameModel):
    """One row per rejected input record (any further columns hold its original values)."""

    table: Series[str] = pa.Field(isin=list(TABLES))
    source: Series[str]
    line: Series[pd.Int64Dtype] = pa.Field(ge=1)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = False


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "checkins": CheckinSchema,
    "triggers": TriggerSchema,
    "events": EventSchema,
    "couples": CoupleSchema,
}


# --------------------------------------------------------------------------------------------
# Analysis outputs (owner: trends/triggers/milestones; one model per public analysis output)
# --------------------------------------------------------------------------------------------
#
# Every analysis returns a tidy frame whose columns, order and dtypes are fixed by the model
# below; the modules read their public ``*_COLUMNS`` tuples (and the dtypes they build empty
# frames with) from these models with :func:`output_columns` / :func:`output_dtypes`, and
# ``tests/test_contract.py`` validates every output, empty ones included, against its model.
# Machine codes of the verdicts live here too; the words for them are the views' job.

#: ``change`` of :func:`trustdata.trends.trend_summary`.
CHANGE_LABELS: tuple[str, ...] = (
    "improved",
    "deteriorated",
    "no_clear_change",
    "insufficient_data",
)
#: ``shape`` of :func:`trustdata.trends.trend_summary`: was the way from one end to the other
#: steady, or up then down (down then up)?
SHAPES: tuple[str, ...] = ("steady", "up_then_down", "down_then_up", "insufficient_data")
#: ``error_source`` of :func:`trustdata.trends.trend_summary`.
ERROR_SOURCES: tuple[str, ...] = ("within_person", "reference")
#: ``verdict`` of :func:`trustdata.triggers.trigger_trend`.
TRIGGER_VERDICTS: tuple[str, ...] = (
    "lessening",
    "worsening",
    "mixed",
    "no_clear_change",
    "insufficient_data",
)
#: ``rate_verdict`` and ``intensity_verdict`` of :func:`trustdata.triggers.trigger_trend`.
TRIGGER_TEST_VERDICTS: tuple[str, ...] = (
    "lessening",
    "worsening",
    "no_clear_change",
    "insufficient_data",
)
#: ``flag`` of :func:`trustdata.milestones.red_flags`, in their sort order within a severity.
RED_FLAG_CODES: tuple[str, ...] = (
    "abuse",
    "repeat_betrayal",
    "new_information",
    "worse_after_6_months",
    "no_reliable_improvement_24m",
    "no_reliable_improvement_12m",
    "diverging_partners",
)
#: ``severity`` of :func:`trustdata.milestones.red_flags`, most urgent first.
FLAG_SEVERITIES: tuple[str, ...] = ("safety", "raise", "watch")
#: ``kind`` of :func:`trustdata.milestones.small_wins`, in their sort order.
SMALL_WIN_KIND_CODES: tuple[str, ...] = (
    "weeks_without_major_trigger",
    "longest_calm_streak",
    "first_good_month",
    "best_week",
)


class _Output(pa.DataFrameModel):
    """Base of the output models: exactly these columns, in this order, no coercion."""

    class Config:
        strict = True
        ordered = True
        coerce = False


def output_columns(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The columns of an output model, in order.

    Examples
    --------
    >>> output_columns(MonthlyScoresOutput)
    ('couple_id', 'partner', 'month', 'measure', 'mean', 'n_checkins')
    """
    return tuple(model.to_schema().columns)


def output_dtypes(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """Column -> pandas dtype name of an output model (``"str"`` for text), to build frames.

    Examples
    --------
    >>> output_dtypes(MonthlyScoresOutput)["month"], output_dtypes(MonthlyScoresOutput)["measure"]
    ('datetime64[ns]', 'str')
    """
    out = {}
    for name, column in model.to_schema().columns.items():
        dtype = str(column.dtype)
        out[name] = "str" if dtype.startswith("str") else dtype
    return out


class WeeklyTrendOutput(_Output):
    """One row of :func:`trustdata.trends.weekly_trend`."""

    couple_id: Series[str]
    partner: Series[str]
    week: Series[pd.Timestamp]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    score: Series[float] = pa.Field(nullable=True)
    n_checkins: Series[np.int64] = pa.Field(ge=0)
    rolling_mean: Series[float] = pa.Field(nullable=True)
    rolling_sd: Series[float] = pa.Field(nullable=True)
    rolling_n: Series[np.int64] = pa.Field(ge=0)
    band_low: Series[float] = pa.Field(nullable=True)
    band_high: Series[float] = pa.Field(nullable=True)
    weeks_since_first: Series[np.int64]
    weeks_since_anchor: Series[float] = pa.Field(nullable=True)


class TrendSummaryOutput(_Output):
    """One row of :func:`trustdata.trends.trend_summary`."""

    couple_id: Series[str]
    partner: Series[str]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    n_checkins: Series[np.int64] = pa.Field(ge=0)
    n_weeks: Series[np.int64] = pa.Field(ge=0)
    first_date: Series[pd.Timestamp]
    last_date: Series[pd.Timestamp]
    slope_per_month: Series[float] = pa.Field(nullable=True)
    slope_low: Series[float] = pa.Field(nullable=True)
    slope_high: Series[float] = pa.Field(nullable=True)
    mk_tau: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    mk_p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    first_month_mean: Series[float] = pa.Field(nullable=True)
    latest_month_mean: Series[float] = pa.Field(nullable=True)
    s_pre: Series[float] = pa.Field(nullable=True)
    rci: Series[float] = pa.Field(nullable=True)
    change: Series[str] = pa.Field(isin=list(CHANGE_LABELS))
    end_weeks: Series[np.int64] = pa.Field(ge=0)
    change_points: Series[float] = pa.Field(nullable=True)
    error_sd: Series[float] = pa.Field(nullable=True)
    error_source: Series[str] = pa.Field(isin=list(ERROR_SOURCES))
    rc_points: Series[float] = pa.Field(nullable=True)
    level: Series[float] = pa.Field(nullable=True)
    slope_points: Series[np.int64] = pa.Field(ge=0)
    shape: Series[str] = pa.Field(isin=list(SHAPES))
    steady: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    trend_points: Series[float] = pa.Field(nullable=True)
    line_points: Series[float] = pa.Field(nullable=True)


class MonthlyScoresOutput(_Output):
    """One row of :func:`trustdata.trends.monthly_scores`."""

    couple_id: Series[str]
    partner: Series[str]
    month: Series[pd.Timestamp]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    mean: Series[float] = pa.Field(nullable=True)
    n_checkins: Series[np.int64] = pa.Field(ge=0)


class ChangesSinceOutput(_Output):
    """One row of :func:`trustdata.trends.changes_since`."""

    couple_id: Series[str]
    partner: Series[str]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    before_start: Series[pd.Timestamp]
    since: Series[pd.Timestamp]
    until: Series[pd.Timestamp]
    checkins_before: Series[np.int64] = pa.Field(ge=0)
    mean_before: Series[float] = pa.Field(nullable=True)
    checkins_since: Series[np.int64] = pa.Field(ge=0)
    mean_since: Series[float] = pa.Field(nullable=True)
    difference: Series[float] = pa.Field(nullable=True)
    triggers_before: Series[np.int64] = pa.Field(ge=0)
    triggers_since: Series[np.int64] = pa.Field(ge=0)
    major_triggers_since: Series[np.int64] = pa.Field(ge=0)
    days_before: Series[np.int64] = pa.Field(ge=1)
    days_since: Series[np.int64] = pa.Field(ge=1)
    triggers_per_week_before: Series[float] = pa.Field(ge=0)
    triggers_per_week_since: Series[float] = pa.Field(ge=0)


class TriggerFrequencyOutput(_Output):
    """One row of :func:`trustdata.triggers.trigger_frequency`."""

    couple_id: Series[str]
    partner: Series[str]
    period_start: Series[pd.Timestamp]
    period_end: Series[pd.Timestamp]
    period: Series[str]
    category: Series[str] = pa.Field(isin=[*TRIGGER_CATEGORIES, "all"])
    count: Series[np.int64] = pa.Field(ge=0)
    mean_intensity: Series[float] = pa.Field(nullable=True)
    max_intensity: Series[float] = pa.Field(nullable=True)
    major_count: Series[np.int64] = pa.Field(ge=0)
    plan_known: Series[np.int64] = pa.Field(ge=0)
    plan_share: Series[float] = pa.Field(ge=0, le=1, nullable=True)


class TriggerTrendOutput(_Output):
    """One row of :func:`trustdata.triggers.trigger_trend`."""

    couple_id: Series[str]
    partner: Series[str]
    span_start: Series[pd.Timestamp]
    span_end: Series[pd.Timestamp]
    first_start: Series[pd.Timestamp]
    first_end: Series[pd.Timestamp]
    latest_start: Series[pd.Timestamp]
    latest_end: Series[pd.Timestamp]
    first_count: Series[np.int64] = pa.Field(ge=0)
    latest_count: Series[np.int64] = pa.Field(ge=0)
    first_days: Series[float] = pa.Field(nullable=True)
    latest_days: Series[float] = pa.Field(nullable=True)
    first_rate_per_month: Series[float] = pa.Field(nullable=True)
    latest_rate_per_month: Series[float] = pa.Field(nullable=True)
    rate_ratio: Series[float] = pa.Field(nullable=True)
    rate_ratio_low: Series[float] = pa.Field(nullable=True)
    rate_ratio_high: Series[float] = pa.Field(nullable=True)
    rate_p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    dispersion: Series[float] = pa.Field(ge=1, nullable=True)
    bursty: Series[bool]
    rate_p_bursts: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    could_be_chance: Series[bool]
    n_weeks_with_triggers: Series[np.int64] = pa.Field(ge=0)
    intensity_slope_per_month: Series[float] = pa.Field(nullable=True)
    intensity_slope_low: Series[float] = pa.Field(nullable=True)
    intensity_slope_high: Series[float] = pa.Field(nullable=True)
    intensity_tau: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    intensity_p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    lessening: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    verdict: Series[str] = pa.Field(isin=list(TRIGGER_VERDICTS))
    rate_verdict: Series[str] = pa.Field(isin=list(TRIGGER_TEST_VERDICTS))
    intensity_verdict: Series[str] = pa.Field(isin=list(TRIGGER_TEST_VERDICTS))
    alpha: Series[float] = pa.Field(nullable=True)
    latest_logged: Series[bool]
    gap_from: Series[pd.Timestamp] = pa.Field(nullable=True)
    gap_to: Series[pd.Timestamp] = pa.Field(nullable=True)
    first_logged: Series[bool]
    first_gap_from: Series[pd.Timestamp] = pa.Field(nullable=True)
    first_gap_to: Series[pd.Timestamp] = pa.Field(nullable=True)


class AnniversaryTriggersOutput(_Output):
    """One row of :func:`trustdata.triggers.anniversary_triggers`."""

    couple_id: Series[str]
    partner: Series[str]
    timestamp: Series[pd.Timestamp]
    category: Series[str] = pa.Field(isin=list(TRIGGER_CATEGORIES))
    intensity: Series[np.int64] = pa.Field(ge=0)
    event_kind: Series[str] = pa.Field(isin=list(EVENT_KINDS))
    event_date: Series[pd.Timestamp]
    anniversary: Series[pd.Timestamp]
    years_since: Series[np.int64] = pa.Field(ge=0)
    days_from_anniversary: Series[np.int64]


class AnniversarySummaryOutput(_Output):
    """One row of :func:`trustdata.triggers.anniversary_summary`."""

    couple_id: Series[str]
    partner: Series[str]
    n_triggers: Series[np.int64] = pa.Field(ge=0)
    n_near: Series[np.int64] = pa.Field(ge=0)
    observed_share: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    days_total: Series[np.int64] = pa.Field(ge=0)
    days_near: Series[np.int64] = pa.Field(ge=0)
    expected_share: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ratio: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)


class PartnerGapOutput(_Output):
    """One row of :func:`trustdata.dyad.partner_gap`."""

    couple_id: Series[str]
    week: Series[pd.Timestamp]
    partner_a: Series[str]
    partner_b: Series[str]
    measure: Series[str]
    score_a: Series[float] = pa.Field(nullable=True)
    score_b: Series[float] = pa.Field(nullable=True)
    gap: Series[float] = pa.Field(nullable=True)
    abs_gap: Series[float] = pa.Field(nullable=True)
    rolling_gap: Series[float] = pa.Field(nullable=True)
    rolling_abs_gap: Series[float] = pa.Field(nullable=True)
    rolling_n: Series[np.int64] = pa.Field(ge=0)


class GapTrendOutput(_Output):
    """One row of :func:`trustdata.dyad.gap_trend`."""

    couple_id: Series[str]
    partner_a: Series[str]
    partner_b: Series[str]
    measure: Series[str]
    n_weeks: Series[np.int64] = pa.Field(ge=0)
    first_week: Series[pd.Timestamp]
    last_week: Series[pd.Timestamp]
    mean_gap: Series[float] = pa.Field(nullable=True)
    mean_abs_gap: Series[float] = pa.Field(nullable=True)
    slope_per_month: Series[float] = pa.Field(nullable=True)
    slope_low: Series[float] = pa.Field(nullable=True)
    slope_high: Series[float] = pa.Field(nullable=True)
    mk_tau: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    mk_p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    diverging: Series[bool]


class LaggedCorrelationOutput(_Output):
    """One row of :func:`trustdata.dyad.lagged_correlation`."""

    couple_id: Series[str]
    partner_a: Series[str]
    partner_b: Series[str]
    measure: Series[str]
    lag: Series[np.int64]
    n_weeks: Series[np.int64] = pa.Field(ge=0)
    r: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)


class SetbacksOutput(_Output):
    """One row of :func:`trustdata.setbacks.find_setbacks`."""

    setback_id: Series[str]
    couple_id: Series[str]
    partner: Series[str]
    measure: Series[str]
    start: Series[pd.Timestamp]
    trough_date: Series[pd.Timestamp]
    end: Series[pd.Timestamp] = pa.Field(nullable=True)
    level_before: Series[float] = pa.Field(nullable=True)
    trough_score: Series[float] = pa.Field(nullable=True)
    depth: Series[float] = pa.Field(nullable=True)
    weeks: Series[np.int64] = pa.Field(ge=0)
    recovered: Series[bool]
    weeks_to_recover: Series[float] = pa.Field(nullable=True)
    noise: Series[float] = pa.Field(nullable=True)


class SuddenLossesOutput(_Output):
    """One row of :func:`trustdata.setbacks.sudden_losses`."""

    couple_id: Series[str]
    partner: Series[str]
    measure: Series[str]
    pre_session: Series[np.int64]
    pre_date: Series[pd.Timestamp]
    post_date: Series[pd.Timestamp]
    pre_score: Series[float] = pa.Field(nullable=True)
    post_score: Series[float] = pa.Field(nullable=True)
    loss: Series[float] = pa.Field(nullable=True)
    loss_pct: Series[float] = pa.Field(nullable=True)
    pre_mean: Series[float] = pa.Field(nullable=True)
    post_mean: Series[float] = pa.Field(nullable=True)
    n_pre: Series[np.int64] = pa.Field(ge=0)
    n_post: Series[np.int64] = pa.Field(ge=0)
    pooled_sd: Series[float] = pa.Field(nullable=True)
    t_crit: Series[float] = pa.Field(nullable=True)
    crit3_diff: Series[float] = pa.Field(nullable=True)


class SetbackContextOutput(_Output):
    """One row of :func:`trustdata.setbacks.setback_context`."""

    setback_id: Series[str]
    couple_id: Series[str]
    partner: Series[str]
    window_start: Series[pd.Timestamp]
    window_end: Series[pd.Timestamp]
    n_triggers: Series[np.int64] = pa.Field(ge=0)
    n_own_triggers: Series[np.int64] = pa.Field(ge=0)
    n_major_triggers: Series[np.int64] = pa.Field(ge=0)
    max_intensity: Series[float] = pa.Field(nullable=True)
    top_category: Series[str] = pa.Field(nullable=True)
    top_categories: Series[str]
    top_count: Series[np.int64] = pa.Field(ge=0)
    triggers_date_or_anniversary: Series[np.int64] = pa.Field(ge=0)
    triggers_location: Series[np.int64] = pa.Field(ge=0)
    triggers_similar_situation: Series[np.int64] = pa.Field(ge=0)
    triggers_other_person: Series[np.int64] = pa.Field(ge=0)
    triggers_behavior_change: Series[np.int64] = pa.Field(ge=0)
    triggers_media: Series[np.int64] = pa.Field(ge=0)
    triggers_other: Series[np.int64] = pa.Field(ge=0)
    events: Series[str]
    n_events: Series[np.int64] = pa.Field(ge=0)
    new_information: Series[bool]
    repeat_betrayal: Series[bool]
    anniversary: Series[bool]
    abuse: Series[bool]


class SmallWinsOutput(_Output):
    """One row of :func:`trustdata.milestones.small_wins`."""

    couple_id: Series[str]
    partner: Series[str]
    kind: Series[str] = pa.Field(isin=list(SMALL_WIN_KIND_CODES))
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    start: Series[pd.Timestamp] = pa.Field(nullable=True)
    end: Series[pd.Timestamp] = pa.Field(nullable=True)
    evidence: Series[str]


class CohortSmallWinsOutput(SmallWinsOutput):
    """One row of the cohort pipeline's small wins (``trustdata.pipeline.run(...,
    ["small_wins"])``): :class:`SmallWinsOutput`'s columns, then ``since``, the couple's latest
    hard news the wins count from (NaT: the whole logs)."""

    since: Series[pd.Timestamp] = pa.Field(nullable=True)


class RedFlagsOutput(_Output):
    """One row of :func:`trustdata.milestones.red_flags`."""

    couple_id: Series[str]
    partner: Series[str] = pa.Field(nullable=True)
    flag: Series[str] = pa.Field(isin=list(RED_FLAG_CODES))
    severity: Series[str] = pa.Field(isin=list(FLAG_SEVERITIES))
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    evidence: Series[str]
    message: Series[str]


class AlignedOutput(_Output):
    """One row of :func:`trustdata.cohort.align`."""

    couple_id: Series[str]
    partner: Series[str]
    role: Series[str] = pa.Field(nullable=True)
    week: Series[pd.Timestamp]
    aligned_week: Series[np.int64]
    score: Series[float] = pa.Field(nullable=True)
    n_checkins: Series[np.int64] = pa.Field(ge=0)
    anchor: Series[str]


class TrajectoriesOutput(_Output):
    """One row of :func:`trustdata.cohort.trajectories`."""

    group: Series[str]
    aligned_week: Series[np.int64]
    mean: Series[float] = pa.Field(nullable=True)
    sd: Series[float] = pa.Field(nullable=True)
    n_couples: Series[np.int64] = pa.Field(ge=0)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)


class PerCoupleSlopesOutput(_Output):
    """One row of :func:`trustdata.cohort.per_couple_slopes`."""

    couple_id: Series[str]
    slope: Series[float] = pa.Field(nullable=True)
    intercept: Series[float] = pa.Field(nullable=True)
    n_weeks: Series[np.int64] = pa.Field(ge=0)
    first_week: Series[np.int64]
    last_week: Series[np.int64]


class GoodLevelTimesOutput(_Output):
    """One row of :func:`trustdata.cohort.good_level_times`."""

    couple_id: Series[str]
    group: Series[str]
    weeks: Series[np.int64] = pa.Field(ge=0)
    reached: Series[bool]


class LeaderSummaryOutput(_Output):
    """One row of :func:`trustdata.dyad.leader_summary`."""

    couple_id: Series[str]
    partner_a: Series[str]
    partner_b: Series[str]
    measure: Series[str]
    best_lag: Series[float] = pa.Field(nullable=True)
    n_weeks: Series[float] = pa.Field(nullable=True)
    r: Series[float] = pa.Field(ge=-1, le=1, nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    leader: Series[str]


class GrowthModelOutput(_Output):
    """One row of :func:`trustdata.cohort.growth_model`."""

    term: Series[str]
    estimate: Series[float] = pa.Field(nullable=True)
    std_error: Series[float] = pa.Field(nullable=True)
    z: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)


class TimeToGoodLevelOutput(_Output):
    """One row of :func:`trustdata.cohort.time_to_good_level`."""

    group: Series[str]
    weeks: Series[np.int64] = pa.Field(ge=0)
    survival: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)
    at_risk: Series[np.int64] = pa.Field(ge=0)
    events: Series[np.int64] = pa.Field(ge=0)


class SurvivalMediansOutput(_Output):
    """One row of :func:`trustdata.cohort.survival_medians`."""

    group: Series[str]
    n_couples: Series[np.int64] = pa.Field(ge=0)
    n_events: Series[np.int64] = pa.Field(ge=0)
    median_weeks: Series[float] = pa.Field(nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)


#: Every output model, by the name of the analysis it validates.
OUTPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "weekly_trend": WeeklyTrendOutput,
    "trend_summary": TrendSummaryOutput,
    "monthly_scores": MonthlyScoresOutput,
    "changes_since": ChangesSinceOutput,
    "trigger_frequency": TriggerFrequencyOutput,
    "trigger_trend": TriggerTrendOutput,
    "anniversary_triggers": AnniversaryTriggersOutput,
    "anniversary_summary": AnniversarySummaryOutput,
    "partner_gap": PartnerGapOutput,
    "gap_trend": GapTrendOutput,
    "lagged_correlation": LaggedCorrelationOutput,
    "find_setbacks": SetbacksOutput,
    "sudden_losses": SuddenLossesOutput,
    "setback_context": SetbackContextOutput,
    "small_wins": SmallWinsOutput,
    "cohort_small_wins": CohortSmallWinsOutput,
    "red_flags": RedFlagsOutput,
    "align": AlignedOutput,
    "trajectories": TrajectoriesOutput,
    "per_couple_slopes": PerCoupleSlopesOutput,
    "good_level_times": GoodLevelTimesOutput,
    "leader_summary": LeaderSummaryOutput,
    "growth_model": GrowthModelOutput,
    "time_to_good_level": TimeToGoodLevelOutput,
    "survival_medians": SurvivalMediansOutput,
}

# --------------------------------------------------------------------------------------------
# End of the analysis outputs
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Normalising the spellings people actually use
# --------------------------------------------------------------------------------------------


def _key(value: object) -> str:
    text = str(value).strip().lower().replace("behaviour", "behavior")
    return re.sub(r"[\s\-/&]+", "_", text).strip("_")


_CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in TRIGGER_CATEGORIES},
    "anniversary": "date_or_anniversary",
    "date": "date_or_anniversary",
    "dates": "date_or_anniversary",
    "date_anniversary": "date_or_anniversary",
    "date_or_anniversary": "date_or_anniversary",
    "anniversary_or_date": "date_or_anniversary",
    "place": "location",
    "places": "location",
    "situation": "similar_situation",
    "similar": "similar_situation",
    "person": "other_person",
    "the_other_person": "other_person",
    "affair_partner": "other_person",
    "behavior": "behavior_change",
    "change_of_behavior": "behavior_change",
    "behavior_changes": "behavior_change",
    "tv": "media",
    "film": "media",
    "movie": "media",
    "music": "media",
    "song": "media",
    "social_media": "media",
}

_KIND_ALIASES: dict[str, str] = {
    **{k: k for k in EVENT_KINDS},
    "nocontact": "no_contact",
    "no_contact_letter": "no_contact",
    "therapy": "couples_therapy",
    "couples_counselling": "couples_therapy",
    "couples_counseling": "couples_therapy",
    "couple_therapy": "couples_therapy",
    "individual_counselling": "individual_therapy",
    "individual_counseling": "individual_therapy",
    "new_info": "new_information",
    "trickle_truth": "new_information",
    "relapse": "repeat_betrayal",
    "agreements": "agreement",
    "separated": "separation",
    "win": "small_win",
}

_BOOL_TRUE = {"yes", "y", "true", "t", "1", "1.0", "used"}
_BOOL_FALSE = {"no", "n", "false", "f", "0", "0.0", "not_used"}


def normalize_category(value: object) -> str | None:
    """Return the trigger category a spelling stands for, or None when it is not one.

    Case, surrounding spaces, hyphens, slashes and British spellings are forgiven.

    Examples
    --------
    >>> normalize_category(" Change of behaviour")
    'behavior_change'
    >>> normalize_category("weather") is None
    True
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _CATEGORY_ALIASES.get(_key(value))


def normalize_kind(value: object) -> str | None:
    """Return the event kind a spelling stands for, or None when it is not one.

    Examples
    --------
    >>> normalize_kind("No contact")
    'no_contact'
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _KIND_ALIASES.get(_key(value))


def normalize_role(value: object) -> str | None:
    """Return the role a spelling stands for (``hurt``, ``involved``, ``both``), or None.

    Examples
    --------
    >>> normalize_role("Hurt partner")
    'hurt'
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    key = _key(value)
    for role in ROLES:
        if key in (role, f"{role}_partner"):
            return role
    return None


def normalize_bool(value: object) -> bool | None:
    """Return True/False for yes/no spellings, None when the value is not one.

    Examples
    --------
    >>> normalize_bool("Yes"), normalize_bool("n"), normalize_bool("maybe")
    (True, False, None)
    """
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return None
    key = _key(value)
    if key in _BOOL_TRUE:
        return True
    if key in _BOOL_FALSE:
        return False
    return None


def week_start(dates: pd.Series) -> pd.Series:
    """The Monday (at midnight) of each date's week.

    Examples
    --------
    >>> week_start(pd.Series(pd.to_datetime(["2025-01-08", "2025-01-12"]))).dt.day.tolist()
    [6, 6]
    """
    return dates.dt.to_period(WEEK_FREQ).dt.start_time.astype("datetime64[ns]")


def categorical(values: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    """Convert validated text to a categorical with the format's fixed category list.

    Examples
    --------
    >>> categorical(pd.Series(["media", "other"]), TRIGGER_CATEGORIES).cat.categories[0]
    'date_or_anniversary'
    """
    return pd.Series(
        pd.Categorical(values.astype(object), categories=list(categories)),
        index=values.index,
        name=values.name,
    )


# --------------------------------------------------------------------------------------------
# Output models of issue 14 (expected recovery, plan effect, anniversaries ahead), appended
# --------------------------------------------------------------------------------------------

_STATUS_VALUES = ["on_track", "watch", "not_on_track", "not_assessed"]
_POSITION_VALUES = ["below", "within", "above", "unknown"]
_PLAN_VERDICT_VALUES = [
    "lower_with_plan",
    "higher_with_plan",
    "no_clear_difference",
    "insufficient_data",
]


class ExpectedRecoverySchema(pa.DataFrameModel):
    """Output of :func:`trustdata.expected.expected_recovery`."""

    role: Series[str]
    baseline: Series[float]
    aligned_week: Series[int] = pa.Field(ge=0)
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    low: Series[float] = pa.Field(ge=SCORE_MIN, le=SCORE_MAX)
    median: Series[float] = pa.Field(ge=SCORE_MIN, le=SCORE_MAX)
    high: Series[float] = pa.Field(ge=SCORE_MIN, le=SCORE_MAX)
    n_couples: Series[int] = pa.Field(ge=1)
    n_partners: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check
    def band_is_ordered(cls, df: pd.DataFrame) -> pd.Series:
        return (df["low"] <= df["median"]) & (df["median"] <= df["high"])


class TrackStatusSchema(pa.DataFrameModel):
    """Output of :func:`trustdata.expected.track_status`."""

    couple_id: Series[str]
    partner: Series[str]
    role: Series[str]
    week: Series[pd.Timestamp]
    aligned_week: Series[int] = pa.Field(ge=0)
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    score: Series[float] = pa.Field(nullable=True)
    rolling_mean: Series[float] = pa.Field(nullable=True)
    baseline: Series[float] = pa.Field(nullable=True)
    expected_low: Series[float] = pa.Field(nullable=True)
    expected_median: Series[float] = pa.Field(nullable=True)
    expected_high: Series[float] = pa.Field(nullable=True)
    position: Series[str] = pa.Field(isin=_POSITION_VALUES)
    weeks_below: Series[int] = pa.Field(ge=0)
    status: Series[str] = pa.Field(isin=_STATUS_VALUES)
    first_flag_week: Series[float] = pa.Field(nullable=True, ge=0)
    first_flag_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    forecast_gain_high: Series[float] = pa.Field(nullable=True)
    reliable_change: Series[float] = pa.Field(nullable=True, ge=0)
    weeks_short: Series[int] = pa.Field(ge=0)
    below_since: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True


class PlanEffectSchema(pa.DataFrameModel):
    """Output of :func:`trustdata.triggers.plan_effect`."""

    couple_id: Series[str]
    partner: Series[str]
    category: Series[str] = pa.Field(isin=["all", *TRIGGER_CATEGORIES])
    measure: Series[str] = pa.Field(isin=["intensity", "minutes"])
    n_plan: Series[int] = pa.Field(ge=0)
    n_no_plan: Series[int] = pa.Field(ge=0)
    median_plan: Series[float] = pa.Field(nullable=True)
    median_no_plan: Series[float] = pa.Field(nullable=True)
    difference: Series[float] = pa.Field(nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)
    u_statistic: Series[float] = pa.Field(nullable=True, ge=0)
    p: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    n_months_compared: Series[int] = pa.Field(ge=0)
    month_difference: Series[float] = pa.Field(nullable=True)
    month_ci_low: Series[float] = pa.Field(nullable=True)
    month_ci_high: Series[float] = pa.Field(nullable=True)
    month_p: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    verdict: Series[str] = pa.Field(isin=_PLAN_VERDICT_VALUES)
    verdict_reason: Series[str]
    plan_share: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    plan_share_first: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    plan_share_latest: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    caution: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        ordered = True


class UpcomingAnniversarySchema(pa.DataFrameModel):
    """Output of :func:`trustdata.triggers.upcoming_anniversaries`."""

    couple_id: Series[str]
    partner: Series[str] = pa.Field(nullable=True)
    event_kind: Series[str] = pa.Field(isin=list(EVENT_KINDS))
    label: Series[str]
    event_date: Series[pd.Timestamp]
    anniversary: Series[pd.Timestamp]
    years_since: Series[int] = pa.Field(ge=1)
    days_until: Series[int] = pa.Field(ge=0)
    on: Series[pd.Timestamp]
    last_year_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    last_year_n_triggers: Series[int] = pa.Field(ge=0)
    last_year_n_near: Series[int] = pa.Field(ge=0)
    last_year_ratio: Series[float] = pa.Field(nullable=True, ge=0)
    last_year_p: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    last_year_more_often: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True


__all__ += [
    "ExpectedRecoverySchema",
    "TrackStatusSchema",
    "PlanEffectSchema",
    "UpcomingAnniversarySchema",
]


class TrackSummarySchema(pa.DataFrameModel):
    """Output of :func:`trustdata.expected.track_summary`."""

    couple_id: Series[str]
    partner: Series[str]
    role: Series[str]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    status: Series[str] = pa.Field(isin=_STATUS_VALUES)
    status_week: Series[float] = pa.Field(nullable=True, ge=0)
    status_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    rolling_mean: Series[float] = pa.Field(nullable=True)
    expected_low: Series[float] = pa.Field(nullable=True)
    expected_median: Series[float] = pa.Field(nullable=True)
    expected_high: Series[float] = pa.Field(nullable=True)
    weeks_assessed: Series[np.int64] = pa.Field(ge=0)
    weeks_not_on_track: Series[np.int64] = pa.Field(ge=0)
    first_flag_week: Series[float] = pa.Field(nullable=True, ge=0)
    first_flag_date: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True


# The issue-14 analyses join the registry of every output model.
OUTPUT_MODELS.update(
    {
        "expected_recovery": ExpectedRecoverySchema,
        "track_status": TrackStatusSchema,
        "track_summary": TrackSummarySchema,
        "plan_effect": PlanEffectSchema,
        "upcoming_anniversaries": UpcomingAnniversarySchema,
    }
)


# --------------------------------------------------------------------------------------------
# Output model: trustdata.layers.layers_profile
# --------------------------------------------------------------------------------------------


class LayersProfileSchema(pa.DataFrameModel):
    """Output of :func:`trustdata.layers.layers_profile`: one row per couple, partner and measure.

    ``layer`` is ``trust`` or one of :data:`LAYERS`; levels are on the 1-10 scale; a layer that
    lags or leads is one of the six (never ``trust``) and has a recent level.
    """

    couple_id: Series[str] = pa.Field(str_length={"min_value": 1})
    partner: Series[str] = pa.Field(str_length={"min_value": 1})
    layer: Series[str] = pa.Field(isin=["trust", *LAYERS])
    is_layer: Series[bool]
    n_checkins: Series[int] = pa.Field(ge=1)
    first_date: Series[pd.Timestamp]
    last_date: Series[pd.Timestamp]
    start_level: Series[float] = pa.Field(**_score, nullable=True)
    n_start: Series[int] = pa.Field(ge=0)
    start_from: Series[pd.Timestamp] = pa.Field(nullable=True)
    start_to: Series[pd.Timestamp] = pa.Field(nullable=True)
    recent_start: Series[pd.Timestamp]
    recent_end: Series[pd.Timestamp]
    recent_level: Series[float] = pa.Field(**_score, nullable=True)
    n_recent: Series[int] = pa.Field(ge=0)
    change: Series[float] = pa.Field(
        ge=SCORE_MIN - SCORE_MAX, le=SCORE_MAX - SCORE_MIN, nullable=True
    )
    lags: Series[bool]
    leads: Series[bool]

    class Config:
        strict = True
        ordered = True
        unique = ["couple_id", "partner", "layer"]

    @pa.dataframe_check
    def _lag_and_lead_only_layers_with_a_recent_level(cls, df: pd.DataFrame) -> pd.Series:
        named = df["lags"] | df["leads"]
        return ~named | (df["is_layer"] & df["recent_level"].notna())

    @pa.dataframe_check
    def _levels_have_checkins_behind_them(cls, df: pd.DataFrame) -> pd.Series:
        return (df["start_level"].isna() == (df["n_start"] == 0)) & (
            df["recent_level"].isna() == (df["n_recent"] == 0)
        )


__all__ += ["LayersProfileSchema"]
OUTPUT_MODELS["layers_profile"] = LayersProfileSchema


# --- issue 16: cohort outputs (appended) ------------------------------------------------------


class SurvivalMediansWordsOutput(SurvivalMediansOutput):
    """One row of :func:`trustdata.cohort.survival_medians`: the medians, also in words."""

    follow_up_weeks: Series[float] = pa.Field(ge=0, nullable=True)
    median_text: Series[str]


class AttritionOutput(_Output):
    """One row of :func:`trustdata.cohort.attrition`."""

    group: Series[str]
    week: Series[np.int64] = pa.Field(ge=0)
    n_couples: Series[np.int64] = pa.Field(ge=0)
    n_retained: Series[np.int64] = pa.Field(ge=0)
    retained_share: Series[float] = pa.Field(ge=0, le=1)
    missed_share: Series[float] = pa.Field(ge=0, le=1, nullable=True)


class CrossoverOutput(_Output):
    """One row of :func:`trustdata.cohort.crossover`."""

    couple_id: Series[str] = pa.Field(unique=True)
    group: Series[str]
    received: Series[bool]
    received_week: Series[float] = pa.Field(nullable=True)
    per_protocol: Series[bool]
    last_week: Series[np.int64]


class ApimFrameOutput(_Output):
    """One row of :func:`trustdata.cohort.apim_frame`."""

    couple_id: Series[str]
    role: Series[str]
    aligned_week: Series[np.int64] = pa.Field(ge=0)
    score: Series[float]
    own_lag: Series[float]
    partner_lag: Series[float]


__all__ += ["SurvivalMediansWordsOutput", "AttritionOutput", "CrossoverOutput", "ApimFrameOutput"]
OUTPUT_MODELS["survival_medians"] = SurvivalMediansWordsOutput
OUTPUT_MODELS["attrition"] = AttritionOutput
OUTPUT_MODELS["crossover"] = CrossoverOutput
OUTPUT_MODELS["apim_frame"] = ApimFrameOutput


# --- cohort outputs without a model until now (appended) -------------------------------------


def _interval_holds(df: pd.DataFrame, estimate: str = "estimate") -> pd.Series:
    """Where an estimate and both bounds are known, the interval holds the estimate."""
    known = df[[estimate, "ci_low", "ci_high"]].notna().all(axis=1)
    return ~known | ((df["ci_low"] <= df[estimate]) & (df[estimate] <= df["ci_high"]))


class GroupDifferencesOutput(_Output):
    """One row of :func:`trustdata.cohort.group_differences`: a group against the reference."""

    month: Series[float] = pa.Field(ge=0)
    group: Series[str]
    reference: Series[str]
    estimate: Series[float] = pa.Field(nullable=True)
    std_error: Series[float] = pa.Field(ge=0, nullable=True)
    z: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)

    @pa.dataframe_check
    def _a_group_is_never_its_own_reference(cls, df: pd.DataFrame) -> pd.Series:
        return df["group"] != df["reference"]

    @pa.dataframe_check
    def _interval_holds_the_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _interval_holds(df)


class ShapeComparisonOutput(_Output):
    """One row of :func:`trustdata.cohort.compare_time_shapes`: one time shape, fitted by ML."""

    shape: Series[str] = pa.Field(str_length={"min_value": 1})
    formula: Series[str] = pa.Field(str_length={"min_value": 1})
    n_params: Series[np.int64] = pa.Field(ge=1)
    loglik: Series[float]
    aic: Series[float]
    bic: Series[float]
    lr_statistic: Series[float] = pa.Field(ge=0, nullable=True)
    lr_df: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    converged: Series[bool]


class SlopeComparisonOutput(_Output):
    """One row of :func:`trustdata.cohort.slope_comparison`: one test of the two groups."""

    test: Series[str]
    group_a: Series[str]
    group_b: Series[str]
    n_a: Series[np.int64] = pa.Field(ge=0)
    n_b: Series[np.int64] = pa.Field(ge=0)
    center_a: Series[float] = pa.Field(nullable=True)
    center_b: Series[float] = pa.Field(nullable=True)
    statistic: Series[float] = pa.Field(nullable=True)
    df: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    effect: Series[str]
    effect_size: Series[float] = pa.Field(nullable=True)
    effect_ci_low: Series[float] = pa.Field(nullable=True)
    effect_ci_high: Series[float] = pa.Field(nullable=True)


class _TwoGroupsEvents(_Output):
    """The first columns of a comparison of two groups' times to a good level."""

    group_a: Series[str]
    group_b: Series[str]
    n_a: Series[np.int64] = pa.Field(ge=0)
    n_b: Series[np.int64] = pa.Field(ge=0)
    events_a: Series[np.int64] = pa.Field(ge=0)
    events_b: Series[np.int64] = pa.Field(ge=0)

    @pa.dataframe_check
    def _events_are_couples_who_got_there(cls, df: pd.DataFrame) -> pd.Series:
        return (df["events_a"] <= df["n_a"]) & (df["events_b"] <= df["n_b"])


class LogrankOutput(_TwoGroupsEvents):
    """The one row of :func:`trustdata.cohort.logrank`."""

    statistic: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)


class RmstOutput(_Output):
    """One row of :func:`trustdata.cohort.rmst`: a group's restricted mean time, or the
    difference of the two (``group`` ``"a - b"``, the only row with a ``p``)."""

    group: Series[str]
    tau: Series[float] = pa.Field(gt=0)
    n_couples: Series[np.int64] = pa.Field(ge=0)
    rmst: Series[float] = pa.Field(nullable=True)
    std_error: Series[float] = pa.Field(ge=0, nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)

    @pa.dataframe_check
    def _a_group_stays_within_tau(cls, df: pd.DataFrame) -> pd.Series:
        group_row = df["p"].isna()
        return ~group_row | df["rmst"].isna() | df["rmst"].between(0, df["tau"])

    @pa.dataframe_check
    def _interval_holds_the_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _interval_holds(df, "rmst")


class CoxHazardRatioOutput(_TwoGroupsEvents):
    """The one row of :func:`trustdata.cohort.cox_hazard_ratio`."""

    hazard_ratio: Series[float] = pa.Field(ge=0, nullable=True)
    log_hr: Series[float] = pa.Field(nullable=True)
    std_error: Series[float] = pa.Field(ge=0, nullable=True)
    z: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ci_low: Series[float] = pa.Field(ge=0, nullable=True)
    ci_high: Series[float] = pa.Field(ge=0, nullable=True)
    ties: Series[str] = pa.Field(isin=["efron", "breslow"])

    @pa.dataframe_check
    def _interval_holds_the_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _interval_holds(df, "hazard_ratio")


class ApimOutput(_Output):
    """One row of :func:`trustdata.cohort.apim`: one role's intercept, actor or partner effect."""

    role: Series[str]
    effect: Series[str] = pa.Field(isin=["intercept", "actor", "partner"])
    estimate: Series[float] = pa.Field(nullable=True)
    std_error: Series[float] = pa.Field(ge=0, nullable=True)
    z: Series[float] = pa.Field(nullable=True)
    p: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    ci_low: Series[float] = pa.Field(nullable=True)
    ci_high: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = True
        coerce = False
        unique = ["role", "effect"]

    @pa.dataframe_check
    def _interval_holds_the_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _interval_holds(df)


__all__ += [
    "GroupDifferencesOutput",
    "ShapeComparisonOutput",
    "SlopeComparisonOutput",
    "LogrankOutput",
    "RmstOutput",
    "CoxHazardRatioOutput",
    "ApimOutput",
]
OUTPUT_MODELS.update(
    {
        "group_differences": GroupDifferencesOutput,
        "compare_time_shapes": ShapeComparisonOutput,
        "slope_comparison": SlopeComparisonOutput,
        "logrank": LogrankOutput,
        "rmst": RmstOutput,
        "cox_hazard_ratio": CoxHazardRatioOutput,
        "apim": ApimOutput,
    }
)


class TrendWeeksOutput(_Output):
    """One row of :func:`trustdata.trends.trend_weeks`: a weekly score and whether
    :func:`trustdata.trends.trend_summary` sets it aside (a sudden dip)."""

    couple_id: Series[str]
    partner: Series[str]
    measure: Series[str] = pa.Field(isin=list(SCORE_COLUMNS))
    week: Series[pd.Timestamp]
    weeks_since_first: Series[np.int64] = pa.Field(ge=0)
    score: Series[float]
    n_checkins: Series[np.int64] = pa.Field(ge=1)
    block: Series[np.int64] = pa.Field(ge=0)
    block_months: Series[float] = pa.Field(ge=0)
    set_aside: Series[bool]

    class Config:
        strict = True
        ordered = True
        coerce = False
        unique = ["couple_id", "partner", "week"]


__all__ += ["TrendWeeksOutput"]
OUTPUT_MODELS["trend_weeks"] = TrendWeeksOutput

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
    """Couple-level attributes (one row per couple)."""

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

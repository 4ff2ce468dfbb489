"""Synthetic couples with planted truth: realistic logs that are never real people's data.

:func:`generate` returns a :class:`Synthetic`: the logs (a validated :class:`trustdata.Logs`)
**and** what was planted in them (the setbacks, and each partner's recovery arc, noise and
trigger rates), so that tests and benchmarks can check an analysis against a known answer.
Everything is drawn from one :class:`numpy.random.Generator` seeded with ``seed``: the same
arguments give the same frames, on any machine.  The work is vectorised across couples, so
``generate(couples=10_000)`` (about 1.5 M check-ins and 1.6 M triggers) takes seconds.

What is planted
---------------
Recovery arc
    Partner ``A`` is the hurt partner (``role="hurt"``, connection starting around 2-4), ``B``
    the involved partner (starting around 4.5-6).  The underlying level rises linearly at
    ``slope_per_month`` from ``baseline`` at the anchor (the discovery or disclosure) until
    ``plateau_month`` (6-12 months), then stays flat.  Couples in the ``"therapy"`` group get
    ``group_effect`` points per month more (recorded per row in ``params.group_effect``).  A
    ``hard_road`` couple either does not improve (``hard_road_kind="no_improvement"``, slope
    about zero before the group effect) or suffers a repeat betrayal (``"repeat_betrayal"``):
    a deep setback for both partners, after which the arc stays flat.
Check-ins
    Weekly, on each partner's usual weekday (sometimes a day off), ``connection =
    clip(round(level - setback_offset + noise), 1, 10)`` with ``noise ~ N(0, noise_sd)``,
    ``noise_sd`` 0.4-0.8.  A few percent of weeks are missed at random, some partners have gaps
    of 2-4 weeks, some couples have a partner who stops logging early, and about 3 % of weeks
    have a second check-in.  Trust and the six layers are filled in for a share of check-ins
    and follow the same underlying level; the three short answers come from small phrase lists.
Setbacks
    A sudden drop of ``depth`` points (3-6) below the level, held for 1-8 weeks, then a linear
    recovery over 1-4 weeks.  They come in waves: more often in the first months, around each
    anniversary of the anchor, and always after a ``new_information`` or ``repeat_betrayal``
    event (for both partners).  A setback is only planted when the level leaves room for a
    drop of at least 3 points (level >= 4), and setbacks of one partner never overlap.
Triggers
    Poisson counts per week whose rate falls from ``trigger_rate_start`` (per week, at the
    anchor) to ``trigger_rate_end`` (at 12 months, then flat), three times higher in the weeks
    around each anniversary and twice as high during a setback.  Intensity falls and
    ``used_plan`` becomes likelier over the months.
Events
    The anchor (``discovery`` or ``disclosure``), ``no_contact``, therapy starts, agreements,
    ``new_information`` / ``repeat_betrayal`` (each causing a setback) and ``small_win``.  Never
    ``abuse``.

The setback truth (what is observable)
--------------------------------------
``Synthetic.setbacks`` lists the setbacks **as the check-ins show them**, one row per partner
and setback.  At each check-in the visible drop is the planted offset, capped at what the 1-10
scale can show (``min(offset, level - 1)``: a fall below 1 is clipped); then:

- ``start``: the date of the first check-in with a planted offset above zero (the drop is
  sudden, so this is normally a check-in at the full depth);
- ``trough_date``: the first check-in with the largest visible drop (usually ``start``; later
  when the first lowered check-in was clipped at 1 or fell in the recovery weeks);
- ``depth``: that largest visible drop, in points (the planted depth unless clipped or only the
  recovery weeks were seen);
- ``end``: the partner's first check-in after the trough whose planted offset is below 1 point
  ("back near the level"); NaT when the partner logged nothing after that;
- a setback is listed only when its visible ``depth`` is at least :data:`MIN_VISIBLE_DEPTH`
  (2 points): one whose weeks all fell on missed weeks, after the partner stopped logging or
  after the end of the logs, or that shows only in the last recovery weeks, is **not** listed.

Extra columns: ``cause`` (``"spontaneous"``, ``"anniversary"``, ``"new_information"``,
``"repeat_betrayal"``), ``planted_depth``, ``weeks_at_depth`` (1-8), ``recovery_weeks`` (1-4;
in recovery week ``j`` the offset is ``planted_depth * (1 - j / (recovery_weeks + 1))``),
``planted_start`` (the Monday of the first lowered week), ``level_at_trough`` (the underlying
level there, see :func:`underlying_level`) and ``low_checkins`` (check-ins at least 1 point
low).

Regenerating the bundled sample
-------------------------------
``data/sample`` is written by exactly one command (see ``docs/sample-data.md``)::

    .venv/bin/python -m trustdata.synth data/sample

Examples
--------
>>> from trustdata.synth import generate
>>> syn = generate(couples=2, seed=3)
>>> syn.logs.checkins["connection"].between(1, 10).all()
np.True_
>>> sorted(syn.params["role"].unique())
['hurt', 'involved']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trustdata import schemas
from trustdata._atomic import write_text
from trustdata.logs import Logs

__all__ = [
    "Synthetic",
    "generate",
    "write_sample",
    "write_bundled",
    "underlying_level",
    "describe",
    "main",
    "BUNDLED",
    "SETBACK_TRUTH_COLUMNS",
    "PARAM_COLUMNS",
    "COHORT_THRESHOLD",
    "MIN_VISIBLE_DEPTH",
]

#: From this many couples on, :func:`generate` behaves as with ``cohort=True``.
COHORT_THRESHOLD = 100

#: The default earliest anchor; a cohort's default is 104 weeks earlier (its anchors spread
#: over two years), so no default synthetic record is dated after January 2026: the loader
#: rejects records dated after today.
DEFAULT_START = "2024-01-01"
DEFAULT_START_COHORT = "2022-01-03"

#: A planted setback is listed in the truth when its check-ins show it at least this deep.
MIN_VISIBLE_DEPTH = 2.0

#: Columns of :attr:`Synthetic.setbacks`, in order.
SETBACK_TRUTH_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "start",
    "trough_date",
    "end",
    "depth",
    "cause",
    "planted_depth",
    "weeks_at_depth",
    "recovery_weeks",
    "planted_start",
    "level_at_trough",
    "low_checkins",
)

#: Columns of :attr:`Synthetic.params`, in order.
PARAM_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "role",
    "baseline",
    "slope_per_month",
    "plateau_month",
    "noise_sd",
    "group",
    "site",
    "group_effect",
    "couples_therapy",
    "hard_road",
    "hard_road_kind",
    "trigger_rate_start",
    "trigger_rate_end",
    "anchor_date",
    "anchor_kind",
    "first_week",
    "weeks",
    "stops_logging",
    "miss_rate",
    "trust_share",
)

_WEEKS_PER_MONTH = 52.1775 / 12
_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # the dtype pandas 3 calls "str"
_GROUPS = ("therapy", "waitlist")
_SITES = ("north", "south", "east", "west")
_UTC_OFFSETS = np.array([0, 60, 120, -300, -360, -480, 330, 600])

# Short, bland answers.  A few hold characters that must be escaped in HTML and quoted in CSV.
_INCREASED = (
    "Kept the phone on the table",
    "Told me about the day without being asked",
    "Came home when they said",
    "We talked after dinner",
    "Answered my questions calmly",
    "Planned the weekend together",
    "Shared the calendar",
    "Said sorry & meant it",
    'Said "I understand" and listened',
    "Walked the dog together",
    "Checked in at lunch",
    "Was patient when I got upset",
    "+1 for the morning walk",
)
_DECREASED = (
    "A late reply",
    "Changed plans without saying",
    "Seemed distant",
    "A vague answer about Friday",
    "Phone face down again",
    "Got defensive",
    "Stayed late at work",
    "Forgot to call",
    "Said it was <nothing> but it felt like something",
    "Tired & short with each other",
)
_NEED = (
    "More time together",
    "Patience",
    "A walk this weekend",
    "To hear the plan for the week",
    "Reassurance",
    "A quiet evening",
    "To talk about the session",
    "Space on Sunday",
    "Hugs < words this week",
    'A "check-in" text at lunch',
    "- fewer late nights",
)
_TRIGGER_NOTES = (
    "Passed the restaurant",
    "A song on the radio",
    "Saw a similar car",
    "Work trip mentioned",
    "Scene in a film",
    "Date on the calendar",
    "Phone buzzed late",
    "Old photo came up",
    "Talked it through",
    "Went for a walk after",
    "Used the plan & felt better",
    'Friend said "moving on"',
    "Heart racing <10 minutes",
)
_EVENT_NOTES = {
    "discovery": ("Found messages", "Found out", "Learned the truth"),
    "disclosure": ("Told the whole story", "Disclosed", "Came clean"),
    "no_contact": ("No-contact letter sent", "Ended contact"),
    "individual_therapy": ("First session", "Started counselling"),
    "couples_therapy": ("First joint session", "Started couples counselling"),
    "agreement": ("Phone agreement", "Check-in every Sunday", "Plan for triggers & bad days"),
    "new_information": ("More came out", "New details", "Another piece of the story"),
    "repeat_betrayal": ("Contact again", "It happened again"),
    "small_win": ("Good weekend", "Laughed together", "Anniversary went OK", 'A "normal" day'),
}

# Trigger category probabilities (schemas.TRIGGER_CATEGORIES order).
_CATEGORY_P = np.array([0.10, 0.18, 0.20, 0.14, 0.18, 0.12, 0.08])


@dataclass(frozen=True)
class Synthetic:
    """Synthetic logs and what was planted in them.

    Attributes
    ----------
    logs : trustdata.Logs
        Validated frames: ``checkins``, ``triggers``, ``events`` and ``couples`` (``couple_id``,
        ``group``, ``site``).
    setbacks : pandas.DataFrame
        The observable planted setbacks, one row per partner and setback, sorted by couple,
        partner and start; columns :data:`SETBACK_TRUTH_COLUMNS` (see the module docstring for
        the rules).
    params : pandas.DataFrame
        One row per couple and partner with the planted parameters; columns
        :data:`PARAM_COLUMNS`: ``baseline`` and ``slope_per_month`` (points per month) of the
        underlying arc, which is flat after ``plateau_month`` (months since the anchor) or after a
        repeat betrayal; ``noise_sd``; ``group`` / ``site``; ``group_effect`` (the part of the
        slope due to the group: ``group_effect`` for ``"therapy"``, 0 otherwise);
        ``couples_therapy`` (the couple has a ``couples_therapy`` event); ``hard_road`` and
        ``hard_road_kind`` (``"no_improvement"``, ``"repeat_betrayal"`` or missing);
        ``trigger_rate_start`` / ``trigger_rate_end`` (triggers per week at the anchor and from
        12 months on); ``anchor_date`` and ``anchor_kind``; ``first_week`` (Monday of the first
        logged week) and ``weeks`` (weeks of logs planned); ``stops_logging`` (the Monday of the
        week the partner stops, or NaT); ``miss_rate`` (random missed weeks); ``trust_share``
        (share of check-ins with a trust score).
    """

    logs: Logs
    setbacks: pd.DataFrame
    params: pd.DataFrame


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _days(values: np.ndarray) -> np.ndarray:
    """datetime64[D] -> int64 days since 1970-01-01."""
    return values.astype("datetime64[D]").astype(np.int64)


def _to_ns(days: np.ndarray, minutes: np.ndarray | None = None) -> np.ndarray:
    out = days.astype(np.int64) * 86_400_000_000_000
    if minutes is not None:
        out = out + minutes.astype(np.int64) * 60_000_000_000
    return out.astype("datetime64[ns]")


def _str_col(choices: Sequence[str], codes: np.ndarray, present: np.ndarray | None = None):
    """A ``str`` column from codes into a list of strings (missing where ``present`` is False)."""
    mask = None if present is None else ~np.asarray(present, dtype=bool)
    values = pc.take(pa.array(list(choices), type=pa.string()), pa.array(codes, mask=mask))
    return pd.Series(values, dtype=_STR)


def _int_col(values: np.ndarray, present: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    mask = np.zeros(len(values), dtype=bool) if present is None else ~present
    return pd.arrays.IntegerArray(values.astype(np.int64), mask)


def _score(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), schemas.SCORE_MIN, schemas.SCORE_MAX).astype(np.int64)


def _validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    return schemas.SCHEMAS[table].validate(frame, lazy=True)


def _check_args(couples: int, months: tuple[int, int] | int) -> tuple[int, int]:
    if isinstance(couples, bool) or not isinstance(couples, (int, np.integer)) or couples < 1:
        raise ValueError(
            f"The value for `couples` must be a whole number of at least 1, but {couples!r} "
            "was passed."
        )
    try:
        pair = (months, months) if isinstance(months, (int, np.integer)) else tuple(months)
        lo, hi = pair
        ok = all(isinstance(v, (int, np.integer)) for v in pair) and 1 <= lo <= hi <= 120
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "The value for `months` must be a whole number of months or a (shortest, longest) "
            f"pair of them, between 1 and 120, but {months!r} was passed."
        )
    return int(lo), int(hi)


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


def generate(
    couples: int = 3,
    *,
    seed: int = 0,
    start: str | pd.Timestamp | None = None,
    months: tuple[int, int] | int = (12, 24),
    cohort: bool = False,
    group_effect: float = 0.1,
    hard_road_share: float = 0.2,
    text: bool = True,
    validate: bool = True,
) -> Synthetic:
    """Generate synthetic couples' logs with planted recovery arcs, setbacks and triggers.

    Parameters
    ----------
    couples : int
        How many couples.
    seed : int
        Seed of the random generator; the same arguments give the same result.
    start : str or pandas.Timestamp, optional
        The earliest anchor (discovery or disclosure) date.  By default 1 January 2024, and for
        a cohort 3 January 2022 (104 weeks earlier: its anchors spread over two years), so that
        with the default ``months`` no record is dated after January 2026.  ``trustdata.load``
        rejects records dated after today, so a ``start`` or ``months`` reaching past today
        gives logs part of which will not load.
    months : (int, int) or int
        Each couple logs for a whole number of months drawn uniformly from this range.
    cohort : bool
        Spread the anchors over two years from ``start`` (a research cohort).  Implied when
        ``couples >= COHORT_THRESHOLD`` (100); otherwise the anchors fall in the four weeks after
        ``start``.
    group_effect : float
        Points per month added to the slope of couples in the ``"therapy"`` group (the
        planted group difference; the other group is ``"waitlist"``).
    hard_road_share : float
        Expected share of couples with a hard road (no improvement or a repeat betrayal); with
        3 or more couples at least one has a hard road.
    text : bool
        Fill in free text (the check-in answers and notes).
    validate : bool
        Validate each frame with its :mod:`trustdata.schemas` model (about a second per
        million rows).

    Returns
    -------
    Synthetic
        ``logs``, ``setbacks`` (the truth) and ``params`` (see :class:`Synthetic`).

    Examples
    --------
    >>> syn = generate(couples=3, seed=1)
    >>> syn.logs
    Logs(3 couples: ... check-ins, ... triggers, ... events, 0 rejected)
    >>> list(syn.setbacks.columns[:6])
    ['couple_id', 'partner', 'start', 'trough_date', 'end', 'depth']
    """
    lo, hi = _check_args(couples, months)
    if not 0 <= hard_road_share <= 1:
        raise ValueError(
            f"The value for `hard_road_share` must be between 0 and 1, but {hard_road_share!r} "
            "was passed."
        )
    if start is None:
        start = (
            DEFAULT_START_COHORT if cohort or int(couples) >= COHORT_THRESHOLD else DEFAULT_START
        )
    try:
        start_day = np.datetime64(pd.Timestamp(start).date(), "D")
    except (TypeError, ValueError, AttributeError):
        raise ValueError(
            f"The value for `start` must be a date like '2024-01-01', but {start!r} was passed."
        ) from None
    rng = np.random.default_rng(seed)
    n = int(couples)
    cohort = bool(cohort) or n >= COHORT_THRESHOLD
    width = max(2, len(str(n)))
    ids = np.array([f"couple-{i + 1:0{width}d}" for i in range(n)], dtype=object)

    # --- couples -------------------------------------------------------------------------------
    spread = 730 if cohort else 28
    anchor = _days(np.array([start_day])) + rng.integers(0, spread, n)
    n_months = rng.integers(lo, hi + 1, n)
    weeks = np.maximum(4, np.rint(n_months * _WEEKS_PER_MONTH).astype(np.int64))
    lag = rng.integers(7, 22, n)  # days from the anchor to the first check-in
    first = anchor + lag
    week0 = first - ((first + 3) % 7)  # the Monday of that week (1970-01-01 was a Thursday)
    anchor_kind = np.where(rng.random(n) < 0.8, "discovery", "disclosure")
    group = rng.integers(0, 2, n)  # 0 therapy, 1 waitlist
    site = rng.integers(0, len(_SITES), n)
    hard = rng.random(n) < hard_road_share
    if n >= 3 and not hard.any():
        hard[n - 1] = True
    hard_kind = np.where(hard, rng.integers(1, 3, n), 0)  # 1 no_improvement, 2 repeat_betrayal
    utc = np.where(rng.random(n) < 0.5, _UTC_OFFSETS[rng.integers(0, len(_UTC_OFFSETS), n)], -1)
    utc_known = utc != -1

    # --- partners: p = 2 * couple + (0 for A / hurt, 1 for B / involved) -------------------------
    P = 2 * n
    cp = np.repeat(np.arange(n), 2)
    hurt = np.tile([True, False], n)
    baseline = np.round(np.where(hurt, rng.uniform(2.0, 4.0, P), rng.uniform(4.5, 6.0, P)), 2)
    plateau = np.round(rng.uniform(6.0, 12.0, P), 1)
    gain = np.where(hurt, rng.uniform(2.0, 3.8, P), rng.uniform(0.8, 2.0, P))
    slope_base = gain / plateau
    no_improve = hard_kind[cp] == 1
    slope_base = np.round(np.where(no_improve, rng.uniform(-0.05, 0.03, P), slope_base), 3)
    g_eff = np.where(group[cp] == 0, group_effect, 0.0)
    slope = np.round(slope_base + g_eff, 6)
    noise_sd = np.round(rng.uniform(0.4, 0.8, P), 2)
    miss_rate = np.round(rng.uniform(0.02, 0.06, P), 3)
    trust_share = np.round(np.where(rng.random(P) < 0.15, 0.0, rng.uniform(0.3, 1.0, P)), 2)
    layer_share = rng.uniform(0.3, 0.9, P)
    text_share = np.where(rng.random(P) < 0.25, 0.0, rng.uniform(0.2, 0.7, P)) * text
    weekday = rng.integers(0, 7, P)

    # Couple-level events that cause setbacks: at most one per couple.
    months_f = weeks / _WEEKS_PER_MONTH
    # (both within the first 60 % of the logs, so that the logs show what follows)
    rb_draw = np.minimum(rng.uniform(4.0, 10.0, n), 0.6 * months_f)
    newinfo = (~hard) & (rng.random(n) < 0.3)
    ni_draw = np.minimum(rng.uniform(2.0, 9.0, n), 0.6 * months_f)
    cause_month = np.where(hard_kind == 2, rb_draw, np.where(newinfo, ni_draw, np.nan))
    cause_day = anchor + np.rint(cause_month * schemas.DAYS_PER_MONTH)  # float, nan if none
    cause_week = np.ceil((cause_day - week0) / 7)  # the week from the Monday on/after it
    # The arc is flat from the plateau or from a repeat betrayal, whichever comes first.
    rb_month = np.where(hard_kind == 2, (cause_day - anchor) / schemas.DAYS_PER_MONTH, np.inf)
    plateau = np.minimum(plateau, rb_month[cp])

    # --- weekly grid (P x W) -------------------------------------------------------------------
    W = int(weeks.max())
    w = np.arange(W)
    valid = w[None, :] < weeks[cp][:, None]
    mid_day = week0[cp][:, None] + 7 * w[None, :] + 3  # Thursday of each week
    t_mid = (mid_day - anchor[cp][:, None]) / schemas.DAYS_PER_MONTH  # months since anchor

    def level_at(t: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
        cap = plateau[rows]
        if t.ndim == 2:
            cap = cap[:, None]
            return baseline[rows][:, None] + slope[rows][:, None] * np.minimum(
                np.maximum(t, 0), cap
            )
        return baseline[rows] + slope[rows] * np.minimum(np.maximum(t, 0), cap)

    level_grid = level_at(t_mid, slice(None))

    # Logging: random missed weeks, gaps of 2-4 weeks, partners who stop early.
    logged = valid & (rng.random((P, W)) >= miss_rate[:, None])
    n_gaps = rng.poisson(0.5 * weeks[cp] / 52)
    g_p = np.repeat(np.arange(P), n_gaps)
    g_start = (rng.random(len(g_p)) * weeks[cp][g_p]).astype(np.int64)
    g_len = rng.integers(2, 5, len(g_p))
    in_gap = np.zeros((P, W + 5), dtype=np.int64)
    np.add.at(in_gap, (g_p, g_start), 1)
    np.add.at(in_gap, (g_p, g_start + g_len), -1)
    away = np.cumsum(in_gap, axis=1)[:, :W] > 0
    logged &= ~away
    stopper = rng.random(n) < 0.15
    stop_partner = 2 * np.arange(n) + (rng.random(n) < 0.7)  # involved partner more often
    stop_week = np.full(P, np.iinfo(np.int64).max)
    stop_week[stop_partner[stopper]] = np.rint(
        rng.uniform(0.4, 0.85, stopper.sum()) * weeks[stopper]
    ).astype(np.int64)
    active = valid & (w[None, :] < stop_week[:, None])
    logged &= active
    active &= ~away

    # --- setbacks ------------------------------------------------------------------------------
    days_since = mid_day - anchor[cp][:, None]
    near_anniv = np.zeros((P, W), dtype=bool)
    for year in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10):
        if year * 365 - 30 > W * 7 + 60:
            break
        near_anniv |= np.abs(days_since - np.rint(year * 365.25)) <= 14
    hazard = 0.03 * np.exp(-t_mid / 4.0) + 0.006 + 0.05 * near_anniv
    hazard *= np.where(hard[cp], 1.5, 1.0)[:, None]
    cand = valid & (rng.random((P, W)) < hazard)
    # Keep spontaneous setbacks away from a setback-causing event.
    cw = cause_week[cp][:, None]
    with np.errstate(invalid="ignore"):
        blocked = (w[None, :] >= cw - 16) & (w[None, :] <= cw + 20)
    cand &= ~blocked
    s_p, s_w = np.nonzero(cand)
    # A third of them hit the other partner in the same week too (a little less deep).
    shared = rng.random(len(s_p)) < 1 / 3
    s_depth = np.r_[rng.uniform(3.0, 6.0, len(s_p)), rng.uniform(3.0, 4.5, shared.sum())]
    s_p = np.r_[s_p, s_p[shared] ^ 1]
    s_w = np.r_[s_w, s_w[shared]]
    s_cause = np.where(near_anniv[s_p, s_w], 1, 0)  # 0 spontaneous, 1 anniversary
    s_L = rng.integers(1, 9, len(s_p))
    s_R = rng.integers(1, 5, len(s_p))
    # Event-caused setbacks, for both partners.
    has_cause = ~np.isnan(cause_week)
    f_c = np.repeat(np.flatnonzero(has_cause), 2)
    f_p = 2 * f_c + np.tile([0, 1], has_cause.sum())
    f_w = cause_week[f_c].astype(np.int64)
    f_rb = hard_kind[f_c] == 2
    f_cause = np.where(f_rb, 3, 2)  # 2 new_information, 3 repeat_betrayal
    f_hurt = hurt[f_p]
    f_depth = np.where(
        f_hurt, rng.uniform(4.5, 6.0, len(f_p)), rng.uniform(3.0, 4.5, len(f_p))
    ) + np.where(f_rb, 0.5, 0.0)
    f_L = np.where(f_rb, rng.integers(5, 9, len(f_p)), rng.integers(2, 7, len(f_p)))
    f_R = rng.integers(2, 5, len(f_p))
    keep = (f_w >= 0) & (f_w < weeks[f_c])
    sb_p = np.concatenate([s_p, f_p[keep]])
    sb_w = np.concatenate([s_w, f_w[keep]])
    sb_cause = np.concatenate([s_cause, f_cause[keep]])
    sb_depth = np.concatenate([s_depth, f_depth[keep]])
    sb_L = np.concatenate([s_L, f_L[keep]])
    sb_R = np.concatenate([s_R, f_R[keep]])
    # Room on the scale: plant only where the level leaves a drop of 3 points or more.
    room = level_grid[sb_p, sb_w] - 1.0
    sb_depth = np.round(np.minimum(sb_depth, room), 1)
    ok = sb_depth >= 3.0
    sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R = (
        a[ok] for a in (sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R)
    )
    # No overlap within a partner: accept in time order, candidate rank by rank.
    order = np.lexsort((sb_w, sb_p))
    sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R = (
        a[order] for a in (sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R)
    )
    firsts = np.r_[0, np.flatnonzero(np.diff(sb_p)) + 1] if len(sb_p) else np.array([], int)
    rank = np.arange(len(sb_p)) - np.repeat(firsts, np.diff(np.r_[firsts, len(sb_p)]))
    accepted = np.zeros(len(sb_p), dtype=bool)
    free_from = np.zeros(P, dtype=np.int64)
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        idx = np.flatnonzero(rank == k)
        good = sb_w[idx] >= free_from[sb_p[idx]]
        idx = idx[good]
        accepted[idx] = True
        free_from[sb_p[idx]] = sb_w[idx] + sb_L[idx] + sb_R[idx] + 4
    sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R = (
        a[accepted] for a in (sb_p, sb_w, sb_cause, sb_depth, sb_L, sb_R)
    )
    span = sb_L + sb_R
    rows = np.repeat(np.arange(len(sb_p)), span)
    k_in = np.arange(len(rows)) - np.repeat(np.cumsum(span) - span, span)
    off_val = np.where(
        k_in < sb_L[rows],
        sb_depth[rows],
        sb_depth[rows] * (span[rows] - k_in) / (sb_R[rows] + 1),
    )
    off_w = sb_w[rows] + k_in
    inside = off_w < W
    offset = np.zeros((P, W))
    offset[sb_p[rows][inside], off_w[inside]] = off_val[inside]
    sb_id = np.full((P, W), -1, dtype=np.int64)
    sb_id[sb_p[rows][inside], off_w[inside]] = rows[inside]

    # --- check-ins -----------------------------------------------------------------------------
    c_p, c_w = np.nonzero(logged)
    day = np.clip(
        weekday[c_p] + np.where(rng.random(len(c_p)) < 0.25, rng.integers(-1, 2, len(c_p)), 0), 0, 6
    )
    extra = rng.random(len(c_p)) < 0.03
    e_p, e_w, e_day0 = c_p[extra], c_w[extra], day[extra]
    e_day = (e_day0 + rng.integers(1, 7, len(e_p))) % 7
    c_p = np.concatenate([c_p, e_p])
    c_w = np.concatenate([c_w, e_w])
    day = np.concatenate([day, e_day])
    c_day = week0[cp[c_p]] + 7 * c_w + day
    order = np.lexsort((c_day, c_p))
    c_p, c_w, c_day = c_p[order], c_w[order], c_day[order]
    m = len(c_p)
    t = (c_day - anchor[cp[c_p]]) / schemas.DAYS_PER_MONTH
    under = level_at(t, c_p)
    c_off = offset[c_p, c_w]
    latent = under - c_off
    noise = rng.standard_normal(m)
    connection = _score(latent + noise_sd[c_p] * noise)
    has_trust = rng.random(m) < trust_share[c_p]
    trust = _score(latent + 0.3 + 0.6 * noise_sd[c_p] * noise + 0.5 * rng.standard_normal(m))
    has_layers = has_trust & (rng.random(m) < layer_share[c_p])
    layer_bias = rng.normal(0.0, 0.8, (P, len(schemas.LAYERS)))
    layers = {
        name: _score(trust + layer_bias[c_p, j] + 0.6 * rng.standard_normal(m))
        for j, name in enumerate(schemas.LAYERS)
    }
    answers = {}
    for name, phrases in zip(
        schemas.CHECKIN_TEXT_COLUMNS, (_INCREASED, _DECREASED, _NEED), strict=True
    ):
        present = rng.random(m) < text_share[c_p]
        answers[name] = _str_col(phrases, rng.integers(0, len(phrases), m), present)
    checkins = pd.DataFrame(
        {
            "couple_id": _str_col(ids, cp[c_p]),
            "partner": _str_col(("A", "B"), c_p % 2),
            "role": _str_col(("hurt", "involved"), c_p % 2),
            "date": _to_ns(c_day),
            "connection": _int_col(connection),
            "trust": _int_col(trust, has_trust),
            **{name: _int_col(v, has_layers) for name, v in layers.items()},
            **answers,
        }
    )

    # --- setback truth -------------------------------------------------------------------------
    # What the check-ins show of each setback: the offset the 1-10 scale can show at each
    # check-in of the setback's weeks (a drop below 1 is clipped).
    c_sb = sb_id[c_p, c_w]
    lowered = np.flatnonzero((c_sb >= 0) & (c_off > 0))  # in check-in order (partner, date)
    low_sb = c_sb[lowered]
    low_off = np.minimum(c_off[lowered], under[lowered] - 1.0)
    uniq, pos = np.unique(low_sb, return_index=True)  # first lowered check-in per setback
    first_idx = np.full(len(sb_p), -1)
    first_idx[uniq] = lowered[pos]
    by_depth = np.lexsort((lowered, -low_off, low_sb))  # deepest, then earliest, per setback
    uniq_t, pos_t = np.unique(low_sb[by_depth], return_index=True)
    trough_idx = np.full(len(sb_p), -1)
    trough_idx[uniq_t] = lowered[by_depth][pos_t]
    seen_depth = np.full(len(sb_p), -np.inf)
    seen_depth[uniq_t] = np.round(low_off[by_depth][pos_t], 2)
    n_low = np.bincount(low_sb[low_off >= 1.0], minlength=len(sb_p))
    s_idx = np.flatnonzero(seen_depth >= MIN_VISIBLE_DEPTH)
    fi, ti = first_idx[s_idx], trough_idx[s_idx]
    # end: the partner's first check-in after the trough whose planted offset is below 1 point
    idx_back = np.r_[np.where(c_off < 1.0, np.arange(m), m), m]
    nxt_back = np.minimum.accumulate(idx_back[::-1])[::-1]
    cand_end = nxt_back[ti]
    has_end = np.r_[c_p, -1][cand_end] == sb_p[s_idx]
    end_ns = np.where(has_end, _to_ns(np.r_[c_day, 0][cand_end]), np.datetime64("NaT", "ns"))
    lvl = under[ti]
    cause_names = np.array(["spontaneous", "anniversary", "new_information", "repeat_betrayal"])
    setbacks = pd.DataFrame(
        {
            "couple_id": _str_col(ids, cp[sb_p[s_idx]]),
            "partner": _str_col(("A", "B"), sb_p[s_idx] % 2),
            "start": _to_ns(c_day[fi]),
            "trough_date": _to_ns(c_day[ti]),
            "end": end_ns,
            "depth": seen_depth[s_idx],
            "cause": _str_col(cause_names, sb_cause[s_idx]),
            "planted_depth": sb_depth[s_idx],
            "weeks_at_depth": sb_L[s_idx],
            "recovery_weeks": sb_R[s_idx],
            "planted_start": _to_ns(week0[cp[sb_p[s_idx]]] + 7 * sb_w[s_idx]),
            "level_at_trough": np.round(lvl, 3),
            "low_checkins": n_low[s_idx],
        }
    )
    setbacks = setbacks.sort_values(["couple_id", "partner", "start"]).reset_index(drop=True)

    # --- triggers ------------------------------------------------------------------------------
    r_start = np.round(np.where(hurt, rng.uniform(4.0, 9.0, P), rng.uniform(0.2, 1.2, P)), 2)
    r_end = np.round(np.where(hurt, rng.uniform(0.3, 0.9, P), rng.uniform(0.02, 0.15, P)), 3)
    quiet = (~hurt) & (rng.random(P) < 0.5)  # half the involved partners log no triggers
    r_start = np.where(quiet, 0.0, r_start)
    r_end = np.where(quiet, 0.0, r_end)
    frac = np.clip(t_mid / 12.0, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(
            r_start[:, None] > 0,
            r_start[:, None] * (r_end / np.where(r_start > 0, r_start, 1))[:, None] ** frac,
            0.0,
        )
    rate = rate * np.where(near_anniv, 3.0, 1.0) * np.where(offset > 0, 2.0, 1.0)
    # New information and a repeat betrayal bring back triggers, fading over about two months.
    ev_w = cause_week[cp][:, None]
    boost = np.where(hard_kind == 2, 0.6, 0.3)[cp][:, None] * r_start[:, None]
    with np.errstate(invalid="ignore"):
        after = w[None, :] >= ev_w  # False where there is no such event (NaN)
        rate = rate + np.where(after, boost * np.exp(-np.maximum(w[None, :] - ev_w, 0) / 8), 0)
    counts = rng.poisson(np.where(active, rate, 0.0))
    flat = np.repeat(np.arange(P * W), counts.ravel())
    t_p, t_w = np.divmod(flat, W)
    k = len(t_p)
    t_day = week0[cp[t_p]] + 7 * t_w + rng.integers(0, 7, k)
    evening = rng.random(k) < 0.7
    minute = np.where(evening, rng.normal(20.5 * 60, 100, k), rng.uniform(7 * 60, 23 * 60, k))
    minute = np.clip(np.rint(minute), 0, 24 * 60 - 1).astype(np.int64)
    time_known = rng.random(k) >= 0.05
    minute = np.where(time_known, minute, 0)
    tt = np.clip((t_day - anchor[cp[t_p]]) / schemas.DAYS_PER_MONTH / 12.0, 0.0, 1.0)
    cat = rng.choice(len(_CATEGORY_P), size=k, p=_CATEGORY_P)
    anniv_t = near_anniv[t_p, t_w]
    cat = np.where(anniv_t & (rng.random(k) < 0.6), 0, cat)
    in_sb = offset[t_p, t_w] > 0
    intensity = _score(7.0 - 3.5 * tt + 1.5 * in_sb + 1.0 * anniv_t + rng.normal(0, 1.3, k))
    used = rng.random(k) < 0.15 + 0.65 * tt
    used_known = rng.random(k) >= 0.08
    mins = np.rint(np.exp(rng.normal(np.log(10 + 35 * np.exp(-tt * 12 / 8)), 0.5, k)))
    mins_known = rng.random(k) >= 0.15
    note_present = rng.random(k) < (0.25 if text else 0.0)
    utc_t = utc[cp[t_p]]
    triggers = pd.DataFrame(
        {
            "couple_id": _str_col(ids, cp[t_p]),
            "partner": _str_col(("A", "B"), t_p % 2),
            "timestamp": _to_ns(t_day, minute),
            "utc_offset_minutes": _int_col(utc_t, utc_known[cp[t_p]] & time_known),
            "time_known": time_known,
            "category": pd.Categorical.from_codes(cat, categories=list(schemas.TRIGGER_CATEGORIES)),
            "intensity": _int_col(intensity),
            "used_plan": pd.arrays.BooleanArray(used, ~used_known),
            "minutes": pd.arrays.FloatingArray(mins.astype(np.float64), ~mins_known),
            "note": _str_col(_TRIGGER_NOTES, rng.integers(0, len(_TRIGGER_NOTES), k), note_present),
        }
    )
    # sorted by couple, partner and time (ids are zero-padded, so code order is text order)
    order = np.lexsort((t_day * 1440 + minute, t_p))
    triggers = triggers.take(order).reset_index(drop=True)

    # --- events --------------------------------------------------------------------------------
    end_day = week0 + 7 * weeks - 1
    ev_c: list[np.ndarray] = []
    ev_day: list[np.ndarray] = []
    ev_kind: list[str] = []
    ev_partner: list[np.ndarray] = []

    def add(mask: np.ndarray, days: np.ndarray, kind: str, partner: np.ndarray | int) -> None:
        days = np.asarray(days)
        ok = mask & (days >= anchor) & (days <= end_day)
        ev_c.append(np.flatnonzero(ok))
        ev_day.append(np.rint(days[ok]).astype(np.int64))
        ev_kind.extend([kind] * int(ok.sum()))
        ev_partner.append(np.broadcast_to(np.asarray(partner), (n,))[ok])

    add(anchor_kind == "discovery", anchor, "discovery", 0)
    add(anchor_kind == "disclosure", anchor, "disclosure", 1)
    add(rng.random(n) < 0.6, anchor + rng.integers(3, 30, n), "no_contact", 1)
    add(rng.random(n) < 0.6, anchor + rng.integers(14, 70, n), "individual_therapy", 0)
    add(rng.random(n) < 0.4, anchor + rng.integers(14, 100, n), "individual_therapy", 1)
    therapy_day = np.where(
        group == 0, anchor + rng.integers(7, 42, n), anchor + rng.integers(370, 430, n)
    )
    therapy = (group == 0) | (rng.random(n) < 0.3)
    therapy &= therapy_day <= end_day
    add(therapy, therapy_day, "couples_therapy", -1)
    n_agree = rng.integers(1, 4, n)
    for j in range(3):
        add(n_agree > j, anchor + rng.integers(7, 180, n), "agreement", -1)
    add(newinfo, cause_day, "new_information", 1)
    add(hard_kind == 2, cause_day, "repeat_betrayal", 1)
    n_wins = np.where(hard, 0, rng.poisson(2.0, n))
    for j in range(int(n_wins.max()) if n else 0):
        add(n_wins > j, anchor + rng.integers(90, 720, n), "small_win", -1)
    e_c = np.concatenate(ev_c) if ev_c else np.array([], dtype=np.int64)
    e_day = np.concatenate(ev_day) if ev_day else np.array([], dtype=np.int64)
    e_partner = np.concatenate(ev_partner) if ev_partner else np.array([], dtype=np.int64)
    kinds = np.array(ev_kind, dtype=object)
    kind_code = np.array([schemas.EVENT_KINDS.index(x) for x in ev_kind], dtype=np.int64)
    notes = np.empty(len(kinds), dtype=object)
    note_draw = rng.random(len(kinds))
    for kind, phrases in _EVENT_NOTES.items():
        sel = kinds == kind
        notes[sel] = np.array(phrases, dtype=object)[
            (note_draw[sel] * len(phrases)).astype(np.int64)
        ]
    if not text:
        notes[:] = None
    events = pd.DataFrame(
        {
            "couple_id": _str_col(ids, e_c),
            "date": _to_ns(e_day),
            "kind": pd.Categorical.from_codes(kind_code, categories=list(schemas.EVENT_KINDS)),
            "partner": _str_col(("A", "B"), e_partner, e_partner >= 0),
            "note": pd.Series(notes, dtype="str"),
        }
    )
    events = events.take(np.lexsort((kind_code, e_day, e_c)))
    events = events.drop_duplicates().reset_index(drop=True)

    couples_t = pd.DataFrame(
        {
            "couple_id": _str_col(ids, np.arange(n)),
            "group": _str_col(_GROUPS, group),
            "site": _str_col(_SITES, site),
        }
    )

    # --- params --------------------------------------------------------------------------------
    kind_names = np.array(["", "no_improvement", "repeat_betrayal"])
    stops = stop_week < np.iinfo(np.int64).max
    params = pd.DataFrame(
        {
            "couple_id": _str_col(ids, cp),
            "partner": _str_col(("A", "B"), np.arange(P) % 2),
            "role": _str_col(("hurt", "involved"), np.arange(P) % 2),
            "baseline": baseline,
            "slope_per_month": slope,
            "plateau_month": plateau,
            "noise_sd": noise_sd,
            "group": _str_col(_GROUPS, group[cp]),
            "site": _str_col(_SITES, site[cp]),
            "group_effect": g_eff,
            "couples_therapy": therapy[cp],
            "hard_road": hard[cp],
            "hard_road_kind": _str_col(kind_names, hard_kind[cp], hard_kind[cp] > 0),
            "trigger_rate_start": r_start,
            "trigger_rate_end": r_end,
            "anchor_date": _to_ns(anchor[cp]),
            "anchor_kind": pd.Series(anchor_kind[cp], dtype="str"),
            "first_week": _to_ns(week0[cp]),
            "weeks": weeks[cp],
            "stops_logging": pd.Series(
                np.where(
                    stops,
                    _to_ns(week0[cp] + 7 * np.where(stops, stop_week, 0)),
                    np.datetime64("NaT"),
                )
            ).astype("datetime64[ns]"),
            "miss_rate": miss_rate,
            "trust_share": trust_share,
        }
    )

    if validate:
        checkins = _validate("checkins", checkins)
        triggers = _validate("triggers", triggers)
        events = _validate("events", events)
        couples_t = _validate("couples", couples_t)
    logs = Logs(checkins=checkins, triggers=triggers, events=events, couples=couples_t)
    return Synthetic(logs=logs, setbacks=setbacks, params=params)


def underlying_level(params: pd.DataFrame, frame: pd.DataFrame, *, on: str = "date") -> pd.Series:
    """The planted underlying level (the recovery arc, without setbacks or noise) at each row.

    Parameters
    ----------
    params : pandas.DataFrame
        :attr:`Synthetic.params`.
    frame : pandas.DataFrame
        Rows with ``couple_id``, ``partner`` and a date column (e.g. check-ins).
    on : str
        The name of the date column.

    Returns
    -------
    pandas.Series
        Float, aligned with ``frame``'s index (NaN where the partner is not in ``params``):
        ``baseline + slope_per_month * clip(months_since_anchor, 0, plateau_month)``, months being
        whole days since ``anchor_date`` divided by :data:`trustdata.schemas.DAYS_PER_MONTH`.

    Examples
    --------
    >>> syn = generate(couples=1, seed=2)
    >>> gap = syn.logs.checkins["connection"] - underlying_level(syn.params, syn.logs.checkins)
    >>> bool(abs(gap.median()) < 1)
    True
    """
    cols = ["couple_id", "partner", "baseline", "slope_per_month", "plateau_month", "anchor_date"]
    merged = frame[["couple_id", "partner", on]].merge(
        params[cols], on=["couple_id", "partner"], how="left"
    )
    days = (merged[on].dt.normalize() - merged["anchor_date"]).dt.days.astype("float64")
    months = np.clip(days / schemas.DAYS_PER_MONTH, 0.0, merged["plateau_month"])
    level = merged["baseline"] + merged["slope_per_month"] * months
    return pd.Series(level.to_numpy(dtype="float64"), index=frame.index, name="level")


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

#: The bundled sample: sub-folder of ``data/sample`` -> arguments of :func:`write_sample`.
#: The research cohort is Parquet (a researcher's format, and a tenth of the CSV's size); the
#: four example couples stay CSV, readable in any editor.
BUNDLED: dict[str, dict[str, Any]] = {
    "couples": {"couples": 4, "seed": 242, "months": (12, 24)},
    "cohort": {
        "couples": 300,
        "seed": 11,
        "months": (12, 15),
        "cohort": True,
        "text": False,
        "format": "parquet",
    },
}

#: The anonymized copy of the bundled cohort: ``trustdata anonymize`` of ``cohort`` into
#: ``cohort_anonymized`` with the demo key ``demo.key`` (all relative to the sample folder).
_ANONYMIZED: dict[str, Any] = {
    "input": "cohort",
    "out": "cohort_anonymized",
    "key_file": "demo.key",
    "quasi_identifiers": ("group", "site"),
    "format": "parquet",
}

#: The content of ``data/sample/demo.key``: a fixed, public key for the synthetic sample only.
_DEMO_KEY = "DEMO-KEY-for-the-synthetic-sample-cohort-only-NEVER-use-it-for-real-data\n"

#: What an earlier :func:`write_sample` leaves beside its logs: a folder holding log files without
#: it is never written into (the logs may be real).
_TRUTH_MARKER = "truth/params.csv"

_FORMATS = ("csv", "json", "parquet")


def _write_truth(frame: pd.DataFrame, path: Path) -> None:
    """Write a truth table as CSV: ISO dates, ``true``/``false``, empty cells for missing."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            text = values.map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(values):
            text = values.map(repr)
        else:
            text = values.astype(object).map(str)
        out[col] = text.astype(object).where(values.notna(), None)
    pd.DataFrame(out, columns=frame.columns).to_csv(path, index=False, lineterminator="\n")


def write_sample(
    folder: str | Path,
    *,
    couples: int = 3,
    seed: int = 0,
    format: str = "csv",
    **options: Any,
) -> Synthetic:
    """Generate synthetic couples and write their logs and truth into ``folder``.

    The log files (``checkins``, ``triggers``, ``events``, ``couples`` in the chosen format) go
    into ``folder``; the planted truth goes into ``folder/truth/setbacks.csv`` and
    ``folder/truth/params.csv`` (always CSV; the loader ignores sub-folders).  Existing files of
    the same names are overwritten, but only where an earlier run wrote them: a folder holding
    log files without ``truth/params.csv`` (perhaps a couple's real logs) is refused with
    :class:`~trustdata.errors.FileProblem` and left as it is.

    Parameters
    ----------
    folder : str or pathlib.Path
        The log folder to write (created when missing).
    couples, seed : int
        Passed to :func:`generate`.
    format : {"csv", "json", "parquet"}
        The format of the log files.
    **options
        Further keyword arguments of :func:`generate` (``months``, ``cohort``, ``text``, ...).

    Returns
    -------
    Synthetic
        What was written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     syn = write_sample(tmp, couples=2, seed=0)
    ...     sorted(p.name for p in Path(tmp).rglob("*.csv"))
    ['checkins.csv', 'couples.csv', 'events.csv', 'params.csv', 'setbacks.csv', 'triggers.csv']
    """
    if format not in _FORMATS:
        raise ValueError(
            f"The value for `format` must be one of {list(_FORMATS)}, but {format!r} was passed."
        )
    folder = Path(folder)
    _refuse_real_logs(folder, _TRUTH_MARKER)
    syn = generate(couples, seed=seed, **options)
    truth = folder / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    from trustdata.io import write

    write(syn.logs, folder, format=format)
    _write_truth(syn.setbacks, truth / "setbacks.csv")
    _write_truth(syn.params, truth / "params.csv")
    return syn


def _marked(folder: Path, marker: str) -> bool:
    """Whether ``folder`` holds the mark an earlier synthetic run leaves (see
    :func:`_refuse_real_logs`): ``truth/params.csv`` headed by the planted parameters' own
    columns (an empty file of that name is no mark), or another named file."""
    path = folder / marker
    if not path.is_file():
        return False
    if marker != _TRUTH_MARKER:
        return True
    with path.open("rb") as f:
        head = f.readline(4096).decode("utf-8", "replace").strip().split(",")
    return head[: len(_PARAMS_HEAD)] == list(_PARAMS_HEAD)


#: The first columns of the planted parameters (``truth/params.csv``), in their order.
_PARAMS_HEAD = ("couple_id", "partner", "role", "baseline", "slope_per_month")


def _refuse_real_logs(folder: Path, marker: str, *, also: Path | None = None) -> None:
    """Refuse ``folder`` when it holds log files that an earlier synthetic run did not write.

    An earlier run of :func:`write_sample` leaves ``truth/params.csv`` (the anonymized copy of
    :func:`write_bundled` leaves its report, beside a synthetic cohort ``also``) beside its
    logs: log files without that ``marker`` may be a couple's real ones, and are never replaced
    or removed.
    """
    from trustdata._atomic import log_files
    from trustdata.errors import FileProblem

    found = log_files(folder)
    unmarked = not _marked(folder, marker) or (
        also is not None and not _marked(also, _TRUTH_MARKER)
    )
    if found and unmarked:
        shown = ", ".join(p.name for p in found[:4])
        raise FileProblem(
            f"holds log files ({shown}) that no synthetic run wrote (no {marker} from one); "
            "synthetic logs written here would replace them. Give a new or empty folder.",
            source=str(folder),
        )


def _remove_log_files(folder: Path, extra: Sequence[str] = ()) -> None:
    """Remove the log files (any format) and the named ``extra`` files from ``folder``."""
    names = [f"{t}.{fmt}" for t in schemas.TABLES for fmt in _FORMATS] + list(extra)
    for name in names:
        (folder / name).unlink(missing_ok=True)


def write_bundled(folder: str | Path = "data/sample") -> dict[str, Any]:
    """Write the bundled sample data: what ``python -m trustdata.synth data/sample`` runs.

    Writes ``folder/couples`` (CSV) and ``folder/cohort`` (Parquet) with :func:`write_sample`
    (see :data:`BUNDLED`), then the anonymized research copy of the cohort,
    ``folder/cohort_anonymized`` (Parquet), with :func:`trustdata.anonymize.anonymize_folder`,
    the key ``folder/demo.key`` and the quasi-identifiers ``group`` and ``site``: the same as
    ``trustdata anonymize folder/cohort folder/cohort_anonymized --key-file folder/demo.key
    --quasi-identifiers group,site`` (which writes CSV).  ``demo.key`` is an input: a fixed demo
    key for this synthetic data only, kept as it is; it is written (with its fixed content) only
    when missing.  Log files of these folders left by an earlier run, in any format, are removed
    first (only from folders an earlier run wrote: a folder holding log files without
    ``truth/params.csv``, or an anonymized folder without its report, is refused with
    :class:`~trustdata.errors.FileProblem` before anything is written or removed); the
    committed ``data/sample`` is exactly the output.

    Returns
    -------
    dict
        ``"couples"`` and ``"cohort"``: the :class:`Synthetic` written; ``"cohort_anonymized"``:
        the :class:`trustdata.anonymize.AnonymizationReport`.
    """
    from trustdata.anonymize import REPORT_FILE, anonymize_folder

    folder = Path(folder)
    for name in BUNDLED:  # every folder is checked before anything is removed
        _refuse_real_logs(folder / name, _TRUTH_MARKER)
    _refuse_real_logs(folder / _ANONYMIZED["out"], REPORT_FILE, also=folder / _ANONYMIZED["input"])
    out: dict[str, Any] = {}
    for name, kw in BUNDLED.items():
        _remove_log_files(folder / name)
        out[name] = write_sample(folder / name, **kw)
    key = folder / _ANONYMIZED["key_file"]
    if not key.exists():
        write_text(key, _DEMO_KEY)
    anon = folder / _ANONYMIZED["out"]
    _remove_log_files(anon, extra=[REPORT_FILE])
    out[_ANONYMIZED["out"]] = anonymize_folder(
        folder / _ANONYMIZED["input"],
        anon,
        key_file=key,
        quasi_identifiers=_ANONYMIZED["quasi_identifiers"],
        format=_ANONYMIZED["format"],
    )
    return out


def describe(syn: Synthetic, folder: str | Path) -> str:
    """A few lines saying what a call of :func:`write_sample` wrote (for the command line)."""
    logs = syn.logs
    hard = syn.params.drop_duplicates("couple_id")["hard_road"].sum()
    return (
        f"{folder}: {len(logs.couple_ids)} synthetic couples, {len(logs.checkins)} check-ins, "
        f"{len(logs.triggers)} triggers, {len(logs.events)} events "
        f"({hard} with a hard road)\n"
        f"{Path(folder) / 'truth'}: setbacks.csv ({len(syn.setbacks)} planted setbacks), "
        f"params.csv"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m trustdata.synth FOLDER``: regenerate the bundled sample into FOLDER."""
    parser = argparse.ArgumentParser(
        prog="python -m trustdata.synth",
        description=(
            "Regenerate the bundled synthetic sample: FOLDER/couples (CSV), FOLDER/cohort "
            "(Parquet) and its anonymized copy FOLDER/cohort_anonymized (demo key FOLDER/demo.key)."
        ),
    )
    parser.add_argument("folder", nargs="?", default="data/sample")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    from trustdata.errors import TrustDataError

    try:
        written = write_bundled(folder)
    except TrustDataError as exc:
        print(f"python -m trustdata.synth: {exc}", file=sys.stderr)
        return 2
    for name, what in written.items():
        if isinstance(what, Synthetic):
            print(describe(what, folder / name))
        else:
            print(
                f"{folder / name}: {what.n_couples} anonymized couples (key "
                f"{folder / _ANONYMIZED['key_file']}, a demo key for this synthetic data only)"
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

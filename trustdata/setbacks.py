"""Setbacks: stretches in which a partner's weekly score falls clearly below their own recent level.

Three analyses and one metric live here:

:func:`find_setbacks`
    One row per setback of a partner (start, trough, end, depth, recovery).
:func:`sudden_losses`
    The Tang & DeRubeis (1999) sudden-gain criteria mirrored for losses, as the R package
    ``suddengains`` implements them.
:func:`setback_context`
    What happened around each setback (triggers and events of both partners).
:func:`score_detection`
    Precision, recall and F1 of detected setbacks against planted (true) ones.

All of them work on **weekly scores**: weeks run Monday to Sunday
(:func:`trustdata.schemas.week_start`), two check-ins of a partner in one week are averaged, and a
week without a check-in is a missed week (it has no score; see each function for how it is
handled).

Examples
--------
>>> import pandas as pd
>>> from trustdata.logs import as_table
>>> from trustdata.setbacks import find_setbacks
>>> weeks = pd.date_range("2025-01-06", periods=12, freq="7D")
>>> scores = [7, 7, 8, 7, 7, 3, 4, 6, 7, 7, 8, 7]
>>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A",
...                                  "date": weeks, "connection": scores})
>>> find_setbacks(checkins)[["setback_id", "start", "end", "depth", "weeks"]]  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from trustdata import schemas

__all__ = [
    "SETBACK_COLUMNS",
    "SUDDEN_LOSS_COLUMNS",
    "CONTEXT_COLUMNS",
    "DETECTION_SCORE_COLUMNS",
    "find_setbacks",
    "sudden_losses",
    "setback_context",
    "score_detection",
]

#: Columns of :func:`find_setbacks`, in order.
SETBACK_COLUMNS: tuple[str, ...] = (
    "setback_id",
    "couple_id",
    "partner",
    "measure",
    "start",
    "trough_date",
    "end",
    "level_before",
    "trough_score",
    "depth",
    "weeks",
    "recovered",
    "weeks_to_recover",
    "noise",
)

#: Columns of :func:`sudden_losses`, in order.
SUDDEN_LOSS_COLUMNS: tuple[str, ...] = (
    "couple_id",
    "partner",
    "measure",
    "pre_session",
    "pre_date",
    "post_date",
    "pre_score",
    "post_score",
    "loss",
    "loss_pct",
    "pre_mean",
    "post_mean",
    "n_pre",
    "n_post",
    "pooled_sd",
    "t_crit",
    "crit3_diff",
)

#: Columns of :func:`setback_context`, in order.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "setback_id",
    "couple_id",
    "partner",
    "window_start",
    "window_end",
    "n_triggers",
    "n_major_triggers",
    "max_intensity",
    "top_category",
    *(f"triggers_{c}" for c in schemas.TRIGGER_CATEGORIES),
    "events",
    "n_events",
    "new_information",
    "repeat_betrayal",
    "anniversary",
    "abuse",
)

#: Columns of :func:`score_detection`, in order.
DETECTION_SCORE_COLUMNS: tuple[str, ...] = ("tp", "fp", "fn", "precision", "recall", "f1")


def find_setbacks(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    level_weeks: int = 6,
    min_history: int = 3,
    noise_factor: float = 2.5,
    min_drop: float = 1.5,
    sharp_drop: float = 3.0,
    recover_within: float = 1.0,
) -> pd.DataFrame:
    """Find the setbacks of every partner: stretches clearly below their own recent level.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (:attr:`trustdata.Logs.checkins`); any number of couples.
    measure : str, default "connection"
        The score column to use (one of :data:`trustdata.schemas.SCORE_COLUMNS`).
    level_weeks : int, default 6
        The partner's *recent level* is the median of their last ``level_weeks`` observed weekly
        scores that were not part of a setback.
    min_history : int, default 3
        Observed weeks needed before a setback can start (the level needs a history).
    noise_factor : float, default 2.5
        A week is below the level when it is more than ``max(noise_factor * noise, min_drop)``
        points below it, where ``noise`` is the partner's robust week-to-week noise.
    min_drop : float, default 1.5
        The smallest fall, in points, that can ever count (guards partners with almost no noise).
    sharp_drop : float, default 3.0
        A single week this many points (or more) below the level is a setback on its own; a
        smaller fall must be confirmed by the next observed week also being below the level.
    recover_within : float, default 1.0
        A setback ends at the first observed week back within ``recover_within`` points of the
        level it fell from.

    Returns
    -------
    pandas.DataFrame
        One row per setback, sorted by ``couple_id``, ``partner``, ``start``:

        - ``setback_id`` (str): ``"<couple_id>/<partner>/<n>"``, n = 1, 2, ... in time order
          for that partner; stable for the same data and options.
        - ``couple_id``, ``partner`` (str).
        - ``measure`` (str): the score column used.
        - ``start`` (datetime64[ns]): the Monday of the first week below the level.
        - ``trough_date`` (datetime64[ns]): the Monday of the lowest week of the setback.
        - ``end`` (datetime64[ns]): the Monday of the first week back near the level; NaT while
          the setback is still going on at the partner's last observed week.
        - ``level_before`` (float): the partner's recent level just before the setback.
        - ``trough_score`` (float): the weekly score at the trough.
        - ``depth`` (float): ``level_before - trough_score`` (points, > 0).
        - ``weeks`` (int): calendar weeks from ``start`` to ``end`` (``end`` not counted); while
          ongoing, to the last observed week (counted).
        - ``recovered`` (bool): False while ongoing.
        - ``weeks_to_recover`` (float): calendar weeks from ``trough_date`` to ``end``; NaN while
          ongoing.
        - ``noise`` (float): the partner's robust week-to-week noise (SD units).

    Raises
    ------
    ValueError
        For an unknown ``measure`` or an option out of range.
    """
    raise NotImplementedError


def sudden_losses(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    cutoff: float = 3.0,
    pct: float = 0.25,
    sessions: str = "weeks",
) -> pd.DataFrame:
    """Sudden losses: Tang & DeRubeis' sudden-gain criteria mirrored for losses.

    Higher scores are better here, so a loss is a sudden *fall*.  Scores are rescaled to 0-9
    (``score - 1``) for criterion 2, as a percentage needs a scale that starts at 0.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins.
    measure : str, default "connection"
        The score column to use.
    cutoff : float, default 3.0
        Criterion 1: the fall from session n to n+1 is at least this many points.
    pct : float, default 0.25
        Criterion 2: the fall is at least this share of the pre-loss score (0-9 scale).
    sessions : {"weeks", "checkins"}, default "weeks"
        What a session is: one weekly score per calendar week (a missed week is a missing
        session), or each check-in in date order.

    Returns
    -------
    pandas.DataFrame
        One row per sudden loss, sorted by ``couple_id``, ``partner``, ``pre_date``:

        - ``couple_id``, ``partner``, ``measure`` (str).
        - ``pre_session`` (int): 1-based number of session n (the last before the fall).
        - ``pre_date``, ``post_date`` (datetime64[ns]): the dates of sessions n and n+1 (the
          week's Monday for ``sessions="weeks"``).
        - ``pre_score``, ``post_score`` (float): the scores at n and n+1 (1-10 scale).
        - ``loss`` (float): ``pre_score - post_score`` (> 0).
        - ``loss_pct`` (float): ``loss / (pre_score - 1)``, the share of the 0-9 pre-loss score.
        - ``pre_mean``, ``post_mean`` (float): means of sessions n-2..n and n+1..n+3 (available
          ones).
        - ``n_pre``, ``n_post`` (int): how many of those sessions were available (2 or 3).
        - ``pooled_sd`` (float): the pooled SD of the two sets of sessions.
        - ``t_crit`` (float): the critical value used (2.776, 3.182 or 4.303).
        - ``crit3_diff`` (float): ``pre_mean - post_mean - t_crit * pooled_sd`` (> 0 for a loss).

    Raises
    ------
    ValueError
        For an unknown ``measure`` or ``sessions``, or a negative ``cutoff`` / ``pct``.
    """
    raise NotImplementedError


def setback_context(
    setbacks: pd.DataFrame,
    triggers: pd.DataFrame,
    events: pd.DataFrame,
    *,
    days: int = 14,
) -> pd.DataFrame:
    """What happened around each setback: triggers and events of both partners of the couple.

    The window runs from ``days`` days before the setback's ``start`` to its ``end`` (for an
    ongoing setback: to the latest date in the setbacks, triggers or events of that couple).

    Parameters
    ----------
    setbacks : pandas.DataFrame
        The output of :func:`find_setbacks`.
    triggers : pandas.DataFrame
        Validated triggers (:attr:`trustdata.Logs.triggers`).
    events : pandas.DataFrame
        Validated events (:attr:`trustdata.Logs.events`).
    days : int, default 14
        How many days before the start the window opens.

    Returns
    -------
    pandas.DataFrame
        One row per setback, in the order of ``setbacks``:

        - ``setback_id``, ``couple_id``, ``partner`` (str).
        - ``window_start``, ``window_end`` (datetime64[ns]).
        - ``n_triggers`` (int): triggers of either partner in the window.
        - ``n_major_triggers`` (int): of those, intensity >= MAJOR_TRIGGER_INTENSITY.
        - ``max_intensity`` (float): the highest intensity (NaN when no trigger).
        - ``top_category`` (str): the most frequent category (ties: the first in
          TRIGGER_CATEGORIES order); missing when no trigger.
        - ``triggers_<category>`` (int): one count per category of TRIGGER_CATEGORIES, always all.
        - ``events`` (str): the window's events as ``"kind YYYY-MM-DD; kind YYYY-MM-DD"`` in date
          order ("" when none).
        - ``n_events`` (int).
        - ``new_information``, ``repeat_betrayal``, ``abuse`` (bool): an event of that kind in the
          window.
        - ``anniversary`` (bool): an anniversary (same month and day, a later year) of the
          couple's discovery or disclosure falls in the window.
    """
    raise NotImplementedError


def score_detection(
    detected: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    margin_weeks: int = 2,
) -> pd.DataFrame:
    """Precision, recall and F1 of detected setbacks against true (planted) ones.

    A detection matches a true setback of the same couple and partner when their intervals
    overlap or their starts are at most ``margin_weeks`` weeks apart; each true setback and each
    detection is matched at most once (greedy, closest starts first).

    Parameters
    ----------
    detected : pandas.DataFrame
        With ``couple_id, partner, start, end`` (``end`` may be NaT: open to the right).
    truth : pandas.DataFrame
        With ``couple_id, partner, start, end``.
    margin_weeks : int, default 2
        How far apart two starts may be and still match when the intervals do not overlap.

    Returns
    -------
    pandas.DataFrame
        One row: ``tp``, ``fp``, ``fn`` (int), ``precision``, ``recall``, ``f1`` (float; NaN when
        undefined, e.g. precision with no detection).
    """
    raise NotImplementedError

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

import numpy as np
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
    min_history: int = 2,
    noise_factor: float = 2.0,
    min_drop: float = 1.5,
    sharp_drop: float = 3.0,
    recover_within: float = 0.5,
) -> pd.DataFrame:
    """Find the setbacks of every partner: stretches clearly below their own recent level.

    The work is done on **weekly scores** (weeks run Monday-Sunday,
    :func:`trustdata.schemas.week_start`; two check-ins in one week are averaged).  For each
    partner, in time order over their *observed* weeks:

    1. The partner's **noise** is estimated once, robustly: ``1.4826 * MAD / sqrt(2)`` of the
       differences between consecutive observed weekly scores (an SD of one week's score; a
       setback's two big steps hardly move a median).
    2. The **recent level** is the median of the last ``level_weeks`` observed weeks that were
       not part of a setback (it is frozen while a setback lasts).
    3. A setback **starts** in a week that is ``sharp_drop`` points or more below the level (one
       sharp week is enough), or more than ``max(noise_factor * noise, min_drop)`` points below
       it when the next observed week is too (a smaller fall has to last).
    4. It **ends** at the first observed week back within ``recover_within`` points of the level
       it fell from; the lowest week in between is the trough.  If the log stops first, the
       setback is ongoing (``end`` NaT).

    Missed weeks: a week without a check-in has no score.  It is skipped: the level is carried
    over it, a setback can neither start nor end on it, and "the next observed week" may be
    after it.  ``weeks`` and ``weeks_to_recover`` count calendar weeks, missed ones included.

    The start of a log: before ``min_history`` observed weeks there is no level to fall from, so
    the same rules are also applied **backwards in time** (each week compared with the level of
    the weeks that follow it).  A setback found that way is kept when it starts within the first
    ``min_history`` observed weeks, is at least ``sharp_drop`` deep, spans at most
    ``2 * level_weeks`` observed weeks (a longer low stretch at the start is the partner's
    baseline, not a dip) and ends before the first setback of the forward pass.  Its
    ``level_before`` is then the level *after* it, the only one there is.

    Irregular logs: input in any order, any number of couples and partners, several check-ins
    in a week (averaged), missing scores (ignored), partners with too few weeks (no setback).

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (:attr:`trustdata.Logs.checkins`); any number of couples.  Not
        modified.
    measure : str, default "connection"
        The score column to use (one of :data:`trustdata.schemas.SCORE_COLUMNS`).
    level_weeks : int, default 6
        How many recent observed (non-setback) weeks make the level.
    min_history : int, default 2
        Observed weeks needed before the forward pass can see a setback.
    noise_factor : float, default 2.0
        A fall must exceed this many times the partner's noise (and ``min_drop``) to count when
        it is smaller than ``sharp_drop``.
    min_drop : float, default 1.5
        The smallest fall, in points, that can ever count (for partners with almost no noise).
    sharp_drop : float, default 3.0
        A single week this many points below the level is a setback on its own.
    recover_within : float, default 0.5
        How close to the level (points) a week must be to end the setback.

    The defaults were chosen by measuring precision and recall against setbacks planted by
    :func:`trustdata.synth.generate` (``benchmarks/setback_accuracy.py``: a grid search on seeds
    1-3, 200 couples each, then fresh seeds).  On 500 fresh couples (seed 2026) they give
    precision 0.97, recall 0.98, F1 0.97 (matching rule: :func:`score_detection`).  Most
    misses are 3-point setbacks whose trough is hidden by noise; most false alarms are single
    weeks that noise alone pushed 3 points down (the sharp-drop rule counts them, by design).

    Returns
    -------
    pandas.DataFrame
        One row per setback, sorted by ``couple_id``, ``partner``, ``start``:

        - ``setback_id`` (str): ``"<couple_id>/<partner>/<n>"``, n = 1, 2, ... in time order
          for that partner; stable for the same data and options.
        - ``couple_id``, ``partner`` (str).
        - ``measure`` (str): the score column used.
        - ``start`` (datetime64[ns]): the Monday of the first week below the level.
        - ``trough_date`` (datetime64[ns]): the Monday of the lowest week (the first, on ties).
        - ``end`` (datetime64[ns]): the Monday of the first week back near the level; NaT while
          the setback is still going on at the partner's last observed week.
        - ``level_before`` (float): the partner's recent level just before the setback (for a
          setback at the very start of a log: the level just after it).
        - ``trough_score`` (float): the weekly score at the trough.
        - ``depth`` (float): ``level_before - trough_score`` (points, > 0).
        - ``weeks`` (int): calendar weeks from ``start`` to ``end`` (``end`` not counted); while
          ongoing, from ``start`` to the last observed week (counted).
        - ``recovered`` (bool): False while ongoing.
        - ``weeks_to_recover`` (float): calendar weeks from ``trough_date`` to ``end``; NaN while
          ongoing.
        - ``noise`` (float): the partner's robust noise estimate (points, SD of one week).

    Raises
    ------
    ValueError
        For an unknown ``measure``, a frame without the needed columns or an option out of
        range.

    See Also
    --------
    setback_context : what happened around each setback.
    sudden_losses : single session-to-session falls by the Tang & DeRubeis criteria.

    Examples
    --------
    >>> import pandas as pd
    >>> from trustdata.logs import as_table
    >>> weeks = pd.date_range("2025-01-06", periods=12, freq="7D")
    >>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A", "date": weeks,
    ...                                  "connection": [7, 7, 8, 7, 7, 3, 4, 6, 7, 7, 8, 7]})
    >>> found = find_setbacks(checkins)
    >>> found.loc[0, ["setback_id", "level_before", "depth", "weeks", "recovered"]].to_dict()
    {'setback_id': 'c1/A/1', 'level_before': 7.0, 'depth': 4.0, 'weeks': 3, 'recovered': True}
    >>> found.loc[0, ["start", "trough_date", "end"]].dt.strftime("%Y-%m-%d").tolist()
    ['2025-02-10', '2025-02-10', '2025-03-03']
    """
    _check_measure(checkins, measure)
    _check_int("level_weeks", level_weeks, 1)
    _check_int("min_history", min_history, 1)
    for name, value in (
        ("noise_factor", noise_factor),
        ("min_drop", min_drop),
        ("sharp_drop", sharp_drop),
        ("recover_within", recover_within),
    ):
        _check_number(name, value)
    weekly = _weekly_scores(checkins, measure)
    if weekly.empty:
        return _empty(SETBACK_COLUMNS, _SETBACK_DTYPES)

    score = weekly["score"].to_numpy(dtype="float64")
    day = weekly["week"].to_numpy(dtype="datetime64[D]").astype("int64")
    first = _series_starts(weekly)
    bounds = np.append(first, len(weekly))
    noise = _robust_noise(score, first)
    threshold = np.maximum(noise_factor * noise, min_drop)

    series, i_start, i_trough, i_end, level = _detect(
        score,
        bounds,
        threshold,
        level_weeks=level_weeks,
        min_history=min_history,
        sharp_drop=float(sharp_drop),
        recover_within=float(recover_within),
    )
    if len(series) == 0:
        return _empty(SETBACK_COLUMNS, _SETBACK_DTYPES)
    recovered = i_end >= 0
    last = bounds[series + 1] - 1
    weeks = np.where(
        recovered,
        (day[np.where(recovered, i_end, 0)] - day[i_start]) // 7,
        (day[last] - day[i_start]) // 7 + 1,
    )
    to_recover = np.where(
        recovered, (day[np.where(recovered, i_end, 0)] - day[i_trough]) / 7.0, np.nan
    )
    week = weekly["week"].to_numpy()
    end = np.where(recovered, week[np.where(recovered, i_end, 0)], np.datetime64("NaT"))
    couple = weekly["couple_id"].to_numpy()[i_start]
    partner = weekly["partner"].to_numpy()[i_start]
    number = pd.Series(series).groupby(series).cumcount().to_numpy() + 1
    out = pd.DataFrame(
        {
            "setback_id": [f"{c}/{p}/{n}" for c, p, n in zip(couple, partner, number, strict=True)],
            "couple_id": couple,
            "partner": partner,
            "measure": measure,
            "start": week[i_start],
            "trough_date": week[i_trough],
            "end": end,
            "level_before": level.astype("float64"),
            "trough_score": score[i_trough],
            "depth": level - score[i_trough],
            "weeks": weeks.astype("int64"),
            "recovered": recovered,
            "weeks_to_recover": to_recover,
            "noise": noise[series],
        }
    )
    return out.astype(_SETBACK_DTYPES)


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

    Raises
    ------
    ValueError
        When a frame lacks one of the columns above or ``margin_weeks`` is negative.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"couple_id": ["c1", "c1"], "partner": ["A", "A"],
    ...                       "start": pd.to_datetime(["2025-02-03", "2025-06-02"]),
    ...                       "end": pd.to_datetime(["2025-03-03", "2025-06-16"])})
    >>> found = pd.DataFrame({"couple_id": ["c1", "c1"], "partner": ["A", "B"],
    ...                       "start": pd.to_datetime(["2025-02-10", "2025-02-10"]),
    ...                       "end": pd.to_datetime(["2025-02-24", None])})
    >>> score_detection(found, truth).iloc[0].tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """
    _check_number("margin_weeks", margin_weeks)
    for name, frame in (("detected", detected), ("truth", truth)):
        missing = [c for c in ("couple_id", "partner", "start", "end") if c not in frame.columns]
        if missing:
            raise ValueError(
                f"The `{name}` frame must have the columns couple_id, partner, start and end, "
                f"but {missing} are missing."
            )
    keys = ["couple_id", "partner"]
    det = detected[[*keys, "start", "end"]].reset_index(drop=True)
    tru = truth[[*keys, "start", "end"]].reset_index(drop=True)
    det = det.assign(_d=np.arange(len(det)))
    tru = tru.assign(_t=np.arange(len(tru)))
    tp = 0
    if len(det) and len(tru):
        pairs = det.merge(tru, on=keys, suffixes=("_d", "_t"))
        far = pd.Timestamp.max.as_unit("ns")
        d_start = pairs["start_d"].astype("datetime64[ns]")
        t_start = pairs["start_t"].astype("datetime64[ns]")
        d_end = pairs["end_d"].astype("datetime64[ns]").fillna(far)
        t_end = pairs["end_t"].astype("datetime64[ns]").fillna(far)
        gap = (d_start - t_start).abs()
        overlap = (d_start <= t_end) & (t_start <= d_end)
        near = gap <= pd.Timedelta(weeks=float(margin_weeks))
        pairs = pairs.assign(_gap=gap).loc[overlap | near].sort_values(["_gap", "_t", "_d"])
        used_d: set[int] = set()
        used_t: set[int] = set()
        for d, t in zip(pairs["_d"].tolist(), pairs["_t"].tolist(), strict=True):
            if d not in used_d and t not in used_t:
                used_d.add(d)
                used_t.add(t)
        tp = len(used_t)
    fp = len(det) - tp
    fn = len(tru) - tp
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan
    return pd.DataFrame(
        {
            "tp": [tp],
            "fp": [fp],
            "fn": [fn],
            "precision": [float(precision)],
            "recall": [float(recall)],
            "f1": [float(f1)],
        }
    ).astype({"tp": "int64", "fp": "int64", "fn": "int64"})


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

_SETBACK_DTYPES: dict[str, str] = {
    "setback_id": "str",
    "couple_id": "str",
    "partner": "str",
    "measure": "str",
    "start": "datetime64[ns]",
    "trough_date": "datetime64[ns]",
    "end": "datetime64[ns]",
    "level_before": "float64",
    "trough_score": "float64",
    "depth": "float64",
    "weeks": "int64",
    "recovered": "bool",
    "weeks_to_recover": "float64",
    "noise": "float64",
}

#: 1.4826 * MAD estimates an SD for normal data; differences of two weeks have sqrt(2) x the SD.
_MAD_TO_SD = 1.4826 / np.sqrt(2.0)


def _empty(columns: tuple[str, ...], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in columns})


def _check_measure(checkins: pd.DataFrame, measure: str) -> None:
    if measure not in schemas.SCORE_COLUMNS:
        raise ValueError(
            f"The value for `measure` must be one of {list(schemas.SCORE_COLUMNS)}, "
            f"but {measure!r} was passed."
        )
    missing = [c for c in ("couple_id", "partner", "date", measure) if c not in checkins.columns]
    if missing:
        raise ValueError(
            f"The check-ins must have the columns couple_id, partner, date and {measure}, "
            f"but {missing} are missing (pass a validated frame such as Logs.checkins)."
        )


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"The value for `{name}` must be a whole number of at least {minimum}, "
            f"but {value!r} was passed."
        )


def _check_number(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not np.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"The value for `{name}` must be a number of at least 0, but {value!r} was passed."
        )


def _weekly_scores(checkins: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One row per couple, partner and observed week: ``couple_id, partner, week, score``.

    Sorted by couple, partner and week; ``score`` is the mean of that week's check-ins.
    """
    frame = checkins.loc[
        checkins[measure].notna() & checkins["date"].notna(),
        ["couple_id", "partner", "date", measure],
    ]
    if frame.empty:
        return pd.DataFrame(
            {
                "couple_id": pd.Series([], dtype="str"),
                "partner": pd.Series([], dtype="str"),
                "week": pd.Series([], dtype="datetime64[ns]"),
                "score": pd.Series([], dtype="float64"),
            }
        )
    keyed = pd.DataFrame(
        {
            "couple_id": frame["couple_id"].astype("str"),
            "partner": frame["partner"].astype("str"),
            "week": schemas.week_start(frame["date"].astype("datetime64[ns]")),
            "score": frame[measure].to_numpy(dtype="float64", na_value=np.nan),
        }
    )
    weekly = keyed.groupby(["couple_id", "partner", "week"], sort=True)["score"].mean()
    return weekly.reset_index()


def _series_starts(weekly: pd.DataFrame) -> np.ndarray:
    """Row positions where a new couple/partner series begins in a sorted weekly frame."""
    couple = weekly["couple_id"].to_numpy()
    partner = weekly["partner"].to_numpy()
    new = np.ones(len(weekly), dtype=bool)
    new[1:] = (couple[1:] != couple[:-1]) | (partner[1:] != partner[:-1])
    return np.flatnonzero(new)


def _robust_noise(score: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per series: 1.4826 * MAD(week-to-week differences) / sqrt(2); 0 with no difference."""
    n = len(score)
    code = np.zeros(n, dtype="int64")
    code[first[1:]] = 1
    code = np.cumsum(code)
    diff = np.empty(n)
    diff[0] = np.nan
    diff[1:] = score[1:] - score[:-1]
    diff[first] = np.nan
    d = pd.Series(diff)
    grouped = d.groupby(code)
    centre = grouped.transform("median")
    mad = (d - centre).abs().groupby(code).median()
    noise = mad.reindex(np.arange(len(first))).to_numpy(dtype="float64") * _MAD_TO_SD
    return np.nan_to_num(noise, nan=0.0)


def _scan(
    score: list[float],
    bounds: list[int],
    threshold: list[float],
    *,
    level_weeks: int,
    min_history: int,
    sharp_drop: float,
    recover_within: float,
) -> tuple[list[int], list[int], list[int], list[int], list[float]]:
    """The per-partner state machine over observed weeks (a tight loop over plain lists).

    Returns parallel lists: series number, start row, trough row, end row (-1 while ongoing)
    and the level the setback fell from.
    """
    out_series: list[int] = []
    out_start: list[int] = []
    out_trough: list[int] = []
    out_end: list[int] = []
    out_level: list[float] = []
    for s in range(len(bounds) - 1):
        a, b = bounds[s], bounds[s + 1]
        if b - a <= min_history:
            continue
        thr = threshold[s]
        hist: list[float] = []
        inside = False
        level = trough = 0.0
        ti = 0
        for i in range(a, b):
            x = score[i]
            if inside:
                if x >= level - recover_within:
                    out_trough.append(ti)
                    out_end.append(i)
                    inside = False
                elif x < trough:
                    trough = x
                    ti = i
                    continue
                else:
                    continue
            elif len(hist) >= min_history:
                h = sorted(hist)
                m = len(h) // 2
                lvl = h[m] if len(h) % 2 else (h[m - 1] + h[m]) / 2.0
                drop = lvl - x
                if drop >= sharp_drop or (drop > thr and i + 1 < b and lvl - score[i + 1] > thr):
                    inside = True
                    level = lvl
                    trough = x
                    ti = i
                    out_series.append(s)
                    out_start.append(i)
                    out_level.append(lvl)
                    continue
            hist.append(x)
            if len(hist) > level_weeks:
                del hist[0]
        if inside:
            out_trough.append(ti)
            out_end.append(-1)
    return out_series, out_start, out_trough, out_end, out_level


def _detect(
    score: np.ndarray,
    bounds: np.ndarray,
    threshold: np.ndarray,
    **options: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Forward scan, plus a backward scan for setbacks at the very start of a partner's log.

    The forward scan cannot see a setback in the first ``min_history`` observed weeks (there is
    no level yet).  The same scan run backwards in time compares each week with the level that
    *follows* it; its setbacks that start in that blind stretch (and end before the first
    forward setback) are added, with the level after them as ``level``.
    Returns arrays sorted by series and start: series, start, trough, end (-1: ongoing), level.
    """
    n = len(score)
    fwd = [
        np.asarray(v) for v in _scan(score.tolist(), bounds.tolist(), threshold.tolist(), **options)
    ]
    rev_bounds = (n - bounds[::-1]).tolist()
    bwd = [
        np.asarray(v)
        for v in _scan(score[::-1].tolist(), rev_bounds, threshold[::-1].tolist(), **options)
    ]
    n_series = len(bounds) - 1
    b_series = n_series - 1 - bwd[0]
    # backward start/end (rows of the reversed array) -> forward rows: the stretch ran from the
    # backward "recovery" row (exclusive) to the backward start row (inclusive).
    b_first = np.where(bwd[3] >= 0, n - bwd[3], bounds[b_series])
    b_end = n - bwd[1]
    b_trough = n - 1 - bwd[2]
    first_fwd = np.full(n_series, n + 1)
    if len(fwd[0]):
        np.minimum.at(first_fwd, fwd[0], fwd[1])
    min_history = int(options["min_history"])
    b_depth = bwd[4] - score[b_trough] if len(b_trough) else np.zeros(0)
    keep = (
        (b_first < bounds[b_series] + min_history)
        & (b_end < first_fwd[b_series])
        & (b_depth >= float(options["sharp_drop"]))
        & (b_end - b_first <= 2 * int(options["level_weeks"]))
    )
    series = np.concatenate([fwd[0], b_series[keep]]).astype("int64")
    start = np.concatenate([fwd[1], b_first[keep]]).astype("int64")
    trough = np.concatenate([fwd[2], b_trough[keep]]).astype("int64")
    end = np.concatenate([fwd[3], b_end[keep]]).astype("int64")
    level = np.concatenate([fwd[4], bwd[4][keep]]).astype("float64")
    order = np.lexsort((start, series))
    return series[order], start[order], trough[order], end[order], level[order]

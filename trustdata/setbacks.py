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
>>> scores = [7, 7, 7, 7, 7, 3, 4, 7, 7, 7, 7, 7]
>>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A",
...                                  "date": weeks, "connection": scores})
>>> found = find_setbacks(checkins)
>>> found[["setback_id", "depth", "weeks"]].to_dict("records")
[{'setback_id': 'c1/A/1', 'depth': 4.0, 'weeks': 2}]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata._dist import t_ppf
from trustdata._frames import _check_choice, _check_measure, _empty, _take, _week_dates
from trustdata._frames import _weekly_scores as _week_means

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

# Each output's columns in order with their dtypes (the public column tuples are read from these).
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
_LOSS_DTYPES: dict[str, str] = {
    "couple_id": "str",
    "partner": "str",
    "measure": "str",
    "pre_session": "int64",
    "pre_date": "datetime64[ns]",
    "post_date": "datetime64[ns]",
    "pre_score": "float64",
    "post_score": "float64",
    "loss": "float64",
    "loss_pct": "float64",
    "pre_mean": "float64",
    "post_mean": "float64",
    "n_pre": "int64",
    "n_post": "int64",
    "pooled_sd": "float64",
    "t_crit": "float64",
    "crit3_diff": "float64",
}
_CONTEXT_DTYPES: dict[str, str] = {
    "setback_id": "str",
    "couple_id": "str",
    "partner": "str",
    "window_start": "datetime64[ns]",
    "window_end": "datetime64[ns]",
    "n_triggers": "int64",
    "n_own_triggers": "int64",
    "n_major_triggers": "int64",
    "max_intensity": "float64",
    "top_category": "str",
    "top_categories": "str",
    "top_count": "int64",
    **{f"triggers_{c}": "int64" for c in schemas.TRIGGER_CATEGORIES},
    "events": "str",
    "n_events": "int64",
    "new_information": "bool",
    "repeat_betrayal": "bool",
    "anniversary": "bool",
    "abuse": "bool",
}

#: Columns of :func:`find_setbacks`, in order.
SETBACK_COLUMNS: tuple[str, ...] = tuple(_SETBACK_DTYPES)
#: Columns of :func:`sudden_losses`, in order.
SUDDEN_LOSS_COLUMNS: tuple[str, ...] = tuple(_LOSS_DTYPES)
#: Columns of :func:`setback_context`, in order.
CONTEXT_COLUMNS: tuple[str, ...] = tuple(_CONTEXT_DTYPES)


#: Columns of :func:`score_detection`, in order.
DETECTION_SCORE_COLUMNS: tuple[str, ...] = ("tp", "fp", "fn", "precision", "recall", "f1")


def find_setbacks(
    checkins: pd.DataFrame,
    *,
    measure: str = "connection",
    trend_weeks: int = 8,
    z: float = 3.0,
    min_shift: float = 1.0,
    min_depth: float = 2.0,
    max_weeks: int = 8,
    recover_within: float = 1.0,
) -> pd.DataFrame:
    """Find the setbacks of every partner: stretches clearly below their own trend.

    The work is done on **weekly scores** (weeks run Monday-Sunday,
    :func:`trustdata.schemas.week_start`; two check-ins in one week are averaged), over each
    partner's *observed* weeks in time order.  A partner is compared with themselves twice over:
    with their own **trend** (so a dip during a steep rise is still a dip, and a slow climb is
    not one) and with their own **noise** (so a partner whose score always wobbles by two
    points needs a bigger fall than one who is steady).

    1. **First noise estimate**: ``noise0 = max(1.4826 * MAD / sqrt(2), 0.5)`` of the
       differences between consecutive observed weekly scores (1.4826 makes a MAD estimate an
       SD for normal data; a difference of two weeks has ``sqrt(2)`` times the SD of one; a
       setback's two big steps hardly move a median).  It is only used to trim the first trend.
    2. **Trend**: at every observed week, a straight line fitted by least squares (on calendar
       weeks) to the ``2 * trend_weeks + 1`` nearest observed weeks of the partner, the week
       itself in the middle; at the start and end of a log the window is shifted inwards so
       it keeps that many weeks (a log shorter than that: the whole log).  It is made robust
       in two fits: first a flat line (the window's mean) through every week, then a straight
       line leaving out the weeks more than ``1.5 * noise0`` below the flat one.
    3. **Noise and correlation** of the ``n`` weeks kept (not left out of the trend):
       ``noise = max(sqrt(2 / n * sum((r - mean(r))**2 over the residuals r above their
       mean)), 0.5)`` (twice the upper semivariance),
       one-sided because a setback only pushes residuals down (0.5 points is the floor: whole
       points of a steady partner); ``ar``, the week-to-week (AR(1)) correlation, =
       ``sum d_k d_(k-1) / sum d_k**2`` over consecutive calendar weeks, ``d = r - mean(r)``
       clipped to +-2.5 ``noise``, the result clipped to 0-0.8.
       3b. **Two-state model** (which weeks are a setback's): each observed week is in a
       *level* state (residual from the trend ``~ N(0, noise)``) or a *setback* state
       (``~ N(-mean, sqrt(noise**2 + spread**2))``); the states follow a Markov chain on
       calendar weeks, entering a setback with probability ``enter`` a week and leaving it
       with ``leave`` (over a missed week, the chain's two-step law).  Each week's
       probability ``P(setback)`` comes from the forward-backward algorithm.  Each partner
       has their own ``enter``, ``leave``, ``mean``, ``spread``: one Baum-Welch update from
       the priors 0.03, 0.2, 2.5 and 1 points, each weighing 10 transitions (or weeks) in the
       update (bounds: ``enter`` 0.001-0.3, ``leave`` 0.05-0.9, ``mean`` at least 1,
       ``spread`` at least 0.25).  Then the line of step 2 is fitted again with each week
       weighted ``1 - P(setback)`` (0 or 1 within 0.001 of them; the line rounded to 1e-9
       points), and the noise of step 3 is taken again on the weeks with ``P(setback) <
       0.5``.  This is done twice (the second time from the new residuals, noise and
       estimates), then the correlation of step 3 is taken on those weeks.  One low week is
       seldom a setback under the chain (entering costs 0.03), a run of them is: so a
       setback's weeks leave the line while a partner's ordinary low weeks stay in it.
    4. **Scan**: for every window of 2 to ``max_weeks`` consecutive observed weeks holding at
       least one week more than ``recover_within`` below the trend, the
       generalised likelihood-ratio test of a mean shift under AR(1) noise: the residuals and
       the window's indicator are whitened (``(r_k - rho r_(k-1)) / (noise sqrt(1 - rho**2))``,
       ``rho = ar ** weeks since the previous observed week``), the shift's estimate is
       ``mu = sum(w x) / sum(x x)`` and its z statistic ``sum(w x) / sqrt(sum(x x))``.  A
       window is **significant** when ``z <= -z`` (the option, at least) and ``mu <=
       -min_shift`` points.
    5. **Choice**: per partner the most significant window (lowest z; ties: the earliest, then
       the shortest), then the most significant one not overlapping it, and so on.
    6. **Setbacks**: each chosen window becomes the weeks from its first to its last week more
       than ``recover_within`` below the trend, extended over the consecutive weeks (a missed
       week does not break them) that are also more than ``recover_within`` below; setbacks
       that overlap or touch are merged; one is kept when its lowest week is at least
       ``min_depth`` below the trend.

    Each setback **starts** on its first week and **ends** on the first observed week after it
    (back within ``recover_within`` points of the trend); when the log stops first it is
    ongoing (``end`` NaT).  The **trough** is the week furthest below the trend (the first, on
    ties).

    Missed weeks: a week without a check-in has no score and is skipped (it neither starts,
    ends nor breaks a stretch); ``weeks`` and ``weeks_to_recover`` count calendar weeks,
    missed ones included.  The start of a log needs no special case: the trend window there
    reaches forwards, so a dip in the first weeks is measured against the weeks after it,
    while a long low start that climbs steadily is the trend itself.

    Irregular logs: input in any order, any number of couples and partners, several check-ins
    in a week (averaged), missing scores (ignored), partners with fewer than three observed
    weeks (no setback: too little to tell a trend from a fall).

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (:attr:`trustdata.Logs.checkins`); any number of couples.  Not
        modified.
    measure : str, default "connection"
        The score column to use (one of :data:`trustdata.schemas.SCORE_COLUMNS`).
    trend_weeks : int, default 8
        Observed weeks on each side of a week in its trend window (``2 * trend_weeks + 1`` in
        all).
    z : float, default 3.0
        Step 4: how many standard errors below the trend a window's mean must lie (the false
        alarms per partner-year it gives are in ``docs/setbacks.md``).
    min_shift : float, default 1.0
        Step 4: how far (points) below the trend a window's estimated mean must lie.
    min_depth : float, default 2.0
        Step 6: how far (points) below the trend a setback's lowest week must lie.
    max_weeks : int, default 8
        Step 4: the longest window scanned (observed weeks; at least 2).  Longer setbacks are
        still found whole: step 6 extends them.
    recover_within : float, default 1.0
        How close to the trend (points) a week must be to end a setback.

    Returns
    -------
    pandas.DataFrame
        One row per setback, sorted by ``couple_id``, ``partner``, ``start``:

        - ``setback_id`` (str): ``"<couple_id>/<partner>/<n>"``, n = 1, 2, ... in time order
          for that partner; stable for the same data and options.
        - ``couple_id``, ``partner`` (str).
        - ``measure`` (str): the score column used.
        - ``start`` (datetime64[ns]): the Monday of the first week of the setback.
        - ``trough_date`` (datetime64[ns]): the Monday of the week furthest below the trend
          (the first, on ties).
        - ``end`` (datetime64[ns]): the Monday of the first week back near the trend; NaT
          while the setback is still going on at the partner's last observed week.
        - ``level_before`` (float): the level the partner's trend (steps 2 and 3b, fitted
          without the weeks of their setbacks) gives for the trough week: where they would
          have been.
        - ``trough_score`` (float): the weekly score at the trough.
        - ``depth`` (float): ``level_before - trough_score`` (points, > 0).
        - ``weeks`` (int): calendar weeks from ``start`` to ``end`` (``end`` not counted); while
          ongoing, from ``start`` to the last observed week (counted).
        - ``recovered`` (bool): False while ongoing.
        - ``weeks_to_recover`` (float): calendar weeks from ``trough_date`` to ``end``; NaN while
          ongoing.
        - ``noise`` (float): the partner's final noise estimate (steps 3 and 3b; points, SD
          of one week around the trend).

    Raises
    ------
    ValueError
        For an unknown ``measure``, a frame without the needed columns or an option out of
        range.

    See Also
    --------
    setback_context : what happened around each setback.
    sudden_losses : single session-to-session falls by the Tang & DeRubeis criteria.

    Notes
    -----
    The defaults were chosen on tuning seeds of two generators, :func:`trustdata.synth.generate`
    and the structurally different one of ``benchmarks/_dips.py`` (three dip shapes, AR(1)
    noise of SD 0.3-1.0, 2-8 weeks, 2-5 points, on steep rises and plateaus), and measured on
    fresh seeds of both by ``benchmarks/setback_accuracy.py`` (figures by depth, length and
    noise in ``docs/setbacks.md``).  On 1,000 fresh couples of each (seeds 6161 and 6162):
    ``synth`` precision 0.970, recall 0.983, F1 0.976; ``dips`` precision 0.927, recall
    0.856, F1 0.890 (0.916 at noise SD <= 0.8; the rule without step 3b: 0.975 and 0.881 on
    the same couples).  Setbacks of 3.5 points or more are found 97-100 % of the time; on
    ``dips``, setbacks of 2-2.5 points only 59 % and two-week ones 82 %, and at noise SD
    0.9-1.0 about one setback found in six or seven is noise (precision 0.84).  Even with the
    planted level and noise known, this scan reaches F1 0.951 on ``dips`` at noise SD <= 0.8
    and recalls 87 % of its two-week setbacks; other decision rules (a matched filter, two
    thresholds, single weeks, thresholds calibrated on null series) did
    no better.  These are claims of that strength, not more.

    Examples
    --------
    >>> import pandas as pd
    >>> from trustdata.logs import as_table
    >>> weeks = pd.date_range("2025-01-06", periods=12, freq="7D")
    >>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A", "date": weeks,
    ...                                  "connection": [7, 7, 7, 7, 7, 3, 4, 7, 7, 7, 7, 7]})
    >>> found = find_setbacks(checkins)
    >>> found.loc[0, ["setback_id", "level_before", "depth", "weeks", "recovered"]].to_dict()
    {'setback_id': 'c1/A/1', 'level_before': 7.0, 'depth': 4.0, 'weeks': 2, 'recovered': True}
    >>> found.loc[0, ["start", "trough_date", "end"]].dt.strftime("%Y-%m-%d").tolist()
    ['2025-02-10', '2025-02-10', '2025-02-24']

    On a steep rise a dip is measured against the rise, not against the weeks before it (their
    median, 4, is only 2 points above the trough):

    >>> rising = [2, 2, 3, 3, 4, 4, 5, 5, 2, 3, 6, 7, 7, 8, 8, 9, 9]
    >>> weeks = pd.date_range("2025-01-06", periods=len(rising), freq="7D")
    >>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A", "date": weeks,
    ...                                  "connection": rising})
    >>> found = find_setbacks(checkins)
    >>> found[["start", "end"]].apply(lambda d: d.dt.strftime("%Y-%m-%d")).values.tolist()
    [['2025-03-03', '2025-03-17']]
    >>> found[["level_before", "depth"]].round(1).values.tolist()
    [[5.5, 3.5]]
    """
    _check_checkins(checkins, measure)
    _check_int("trend_weeks", trend_weeks, 1)
    _check_int("max_weeks", max_weeks, 2)
    for name, value in (
        ("z", z),
        ("min_shift", min_shift),
        ("min_depth", min_depth),
        ("recover_within", recover_within),
    ):
        _check_number(name, value)
    table, weeks = _week_means(checkins, measure)
    sid = weeks["sid"]
    if len(sid) == 0:
        return _empty(_SETBACK_DTYPES)
    score = np.asarray(weeks["score"], dtype="float64")
    week = np.asarray(weeks["week"], dtype="int64")  # week numbers (Monday-Sunday weeks)
    first = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    rules = _Rules(
        z=float(z),
        min_shift=float(min_shift),
        min_depth=float(min_depth),
        max_weeks=int(max_weeks),
        recover_within=float(recover_within),
    )
    i_start, i_trough, i_end, level, noise, series = _detect(
        score, week, first, trend_weeks=int(trend_weeks), rules=rules
    )
    if len(i_start) == 0:
        return _empty(_SETBACK_DTYPES)
    recovered = i_end >= 0
    last = np.append(first[1:], len(score))[series] - 1
    safe_end = np.where(recovered, i_end, 0)
    weeks_long = np.where(recovered, week[safe_end] - week[i_start], week[last] - week[i_start] + 1)
    to_recover = np.where(recovered, (week[safe_end] - week[i_trough]).astype("float64"), np.nan)
    end = np.where(recovered, _week_dates(week[safe_end]), np.datetime64("NaT", "ns"))
    owner = sid[i_start]
    couple = _take(table["couple_id"], owner).astype("str").to_numpy()
    partner = _take(table["partner"], owner).astype("str").to_numpy()
    number = pd.Series(series).groupby(series).cumcount().to_numpy() + 1
    out = pd.DataFrame(
        {
            "setback_id": [f"{c}/{p}/{n}" for c, p, n in zip(couple, partner, number, strict=True)],
            "couple_id": couple,
            "partner": partner,
            "measure": measure,
            "start": _week_dates(week[i_start]),
            "trough_date": _week_dates(week[i_trough]),
            "end": end,
            "level_before": level,
            "trough_score": score[i_trough],
            "depth": level - score[i_trough],
            "weeks": weeks_long.astype("int64"),
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
    """Sudden losses: Tang & DeRubeis' (1999) sudden-gain criteria mirrored for losses.

    Higher scores are better here, so a sudden *loss* is a sudden fall: the arithmetic of a
    sudden gain on a symptom scale (lower is better), applied to our scores, exactly as the R
    package ``suddengains`` (Wiedemann et al., 2020; ``check_interval`` / ``identify_sg``)
    computes it.  For every interval from session n to n+1 of a partner, with scores rescaled
    to 0-9 (``score - 1``) so that a percentage has a zero to refer to:

    1. the fall ``pre - post`` is at least ``cutoff`` points;
    2. the fall is at least ``pct`` of the pre-loss score: ``pre - post >= pct * (pre - 1)``;
    3. ``mean(n-2, n-1, n) - mean(n+1, n+2, n+3) > t_crit * pooled_sd``, over the sessions
       of those six that are available, where ``pooled_sd = sqrt(((n_pre - 1) * sd_pre**2 +
       (n_post - 1) * sd_post**2) / (n_pre + n_post - 2))`` (sample SDs) and ``t_crit`` is the
       two-tailed 5 % critical value of Student's t with ``n_pre + n_post - 2`` degrees of
       freedom: 2.776 with 3 + 3 sessions, 3.182 with one missing, 4.303 with one missing on
       each side (``suddengains``' adjustment for missingness, Lutz et al., 2013).  At least
       two sessions are needed on each side, otherwise the interval is not tested (as in
       ``suddengains``, where criterion 3 is then missing and no loss is recorded).

    Sessions n and n+1 must both be present.  Sessions before the first or after the last
    count as missing, so the first and last intervals of a log can only qualify with 2 sessions
    on that side.

    Sessions: with ``sessions="weeks"`` (the default) a session is a calendar week (Monday-
    Sunday; two check-ins in a week are averaged) from the partner's first to last observed
    week, and **a missed week is a missing session** (it is never skipped over: a fall across a
    missed week is not a session-to-session change).  With ``sessions="checkins"`` every check-in
    is a session, in date order, whatever the gaps between them.

    The default ``cutoff`` of 3 points: ``suddengains`` leaves criterion 1 to the user, usually
    from the Reliable Change Index, ``1.96 * sqrt(2) * SD * sqrt(1 - reliability)``.  With the
    week-to-week noise of a weekly 1-10 rating (SD 0.4-0.8 in our synthetic couples, taken as
    the error SD) that is at most ``1.96 * sqrt(2) * 0.8 = 2.2`` points; as scores are whole
    numbers, 3 is the smallest fall beyond it.

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins; any number of couples.  Not modified.
    measure : str, default "connection"
        The score column to use.
    cutoff : float, default 3.0
        Criterion 1, in points.
    pct : float, default 0.25
        Criterion 2 (``sg_crit2_pct``).
    sessions : {"weeks", "checkins"}, default "weeks"
        What a session is (see above).

    Returns
    -------
    pandas.DataFrame
        One row per sudden loss, sorted by ``couple_id``, ``partner``, ``pre_date``:

        - ``couple_id``, ``partner``, ``measure`` (str).
        - ``pre_session`` (int): 1-based number of session n in the partner's sequence (for
          weeks: counted from the first observed week, missed weeks included).
        - ``pre_date``, ``post_date`` (datetime64[ns]): sessions n and n+1 (the week's Monday
          for ``sessions="weeks"``, the check-in date otherwise).
        - ``pre_score``, ``post_score`` (float): the scores at n and n+1 (1-10 scale).
        - ``loss`` (float): ``pre_score - post_score`` (> 0).
        - ``loss_pct`` (float): ``loss / (pre_score - 1)``, the share of the 0-9 pre-loss score.
        - ``pre_mean``, ``post_mean`` (float): means of the available sessions n-2..n and
          n+1..n+3.
        - ``n_pre``, ``n_post`` (int): how many of them were available (2 or 3).
        - ``pooled_sd`` (float): the pooled SD of the two sets.
        - ``t_crit`` (float): the critical value used (2.776, 3.182 or 4.303).
        - ``crit3_diff`` (float): ``pre_mean - post_mean - t_crit * pooled_sd`` (> 0).

    Raises
    ------
    ValueError
        For an unknown ``measure`` or ``sessions``, or a negative ``cutoff`` / ``pct``.

    Examples
    --------
    >>> import pandas as pd
    >>> from trustdata.logs import as_table
    >>> weeks = pd.date_range("2025-01-06", periods=7, freq="7D")
    >>> checkins = as_table("checkins", {"couple_id": "c1", "partner": "A", "date": weeks,
    ...                                  "connection": [8, 8, 9, 4, 4, 5, 5]})
    >>> found = sudden_losses(checkins)
    >>> found[["pre_session", "pre_score", "post_score", "n_pre", "n_post"]].to_dict("records")
    [{'pre_session': 3, 'pre_score': 9.0, 'post_score': 4.0, 'n_pre': 3, 'n_post': 3}]
    >>> round(float(found.loc[0, "t_crit"]), 3)
    2.776
    """
    _check_checkins(checkins, measure)
    _check_number("cutoff", cutoff)
    _check_number("pct", pct)
    _check_choice("sessions", sessions, ("weeks", "checkins"))
    if sessions == "weeks":
        seq = _week_sessions(_weekly_scores(checkins, measure))
    else:
        seq = _checkin_sessions(checkins, measure)
    if seq.empty:
        return _empty(_LOSS_DTYPES)

    x = seq["score"].to_numpy(dtype="float64")
    code = seq["series"].to_numpy()
    n = len(x)
    # window[:, k] holds session n + k - 2 (k = 0..5) of the same partner, NaN outside.
    window = np.full((n, 6), np.nan)
    for k, shift in enumerate(range(-2, 4)):
        src = np.arange(n) + shift
        ok = (src >= 0) & (src < n)
        ok[ok] &= code[src[ok]] == code[ok]
        window[ok, k] = x[src[ok]]
    pre_w, post_w = window[:, :3], window[:, 3:]
    pre, post = window[:, 2], window[:, 3]
    n_pre = np.sum(~np.isnan(pre_w), axis=1)
    n_post = np.sum(~np.isnan(post_w), axis=1)
    testable = ~np.isnan(pre) & ~np.isnan(post) & (n_pre >= 2) & (n_post >= 2)
    fall = pre - post
    crit1 = fall >= cutoff
    crit2 = fall >= pct * (pre - 1.0)
    hit = np.flatnonzero(testable & crit1 & crit2 & (fall > 0))
    if len(hit):
        pre_mean, pre_ss = _mean_ss(pre_w[hit])
        post_mean, post_ss = _mean_ss(post_w[hit])
        df = n_pre[hit] + n_post[hit] - 2
        pooled = np.sqrt((pre_ss + post_ss) / df)
        t_crit = t_ppf(0.975, df)
        diff = pre_mean - post_mean - t_crit * pooled
        keep = diff > 0
        hit = hit[keep]
        pre_mean, post_mean, pooled = pre_mean[keep], post_mean[keep], pooled[keep]
        t_crit, diff = t_crit[keep], diff[keep]
    if len(hit) == 0:
        return _empty(_LOSS_DTYPES)
    date = seq["date"].to_numpy()
    out = pd.DataFrame(
        {
            "couple_id": seq["couple_id"].to_numpy()[hit],
            "partner": seq["partner"].to_numpy()[hit],
            "measure": measure,
            "pre_session": seq["session"].to_numpy()[hit],
            "pre_date": date[hit],
            "post_date": date[hit + 1],
            "pre_score": pre[hit],
            "post_score": post[hit],
            "loss": fall[hit],
            "loss_pct": fall[hit] / (pre[hit] - 1.0),
            "pre_mean": pre_mean,
            "post_mean": post_mean,
            "n_pre": n_pre[hit],
            "n_post": n_post[hit],
            "pooled_sd": pooled,
            "t_crit": t_crit,
            "crit3_diff": diff,
        }
    )
    return out.astype(_LOSS_DTYPES)


def setback_context(
    setbacks: pd.DataFrame,
    triggers: pd.DataFrame,
    events: pd.DataFrame,
    *,
    days: int = 14,
) -> pd.DataFrame:
    """What happened around each setback: triggers and events of both partners of the couple.

    The window runs from ``days`` days before the setback's ``start`` to the end of the day of
    its ``end`` (the Monday of the week it was over).  For an ongoing setback (``end`` NaT) it
    runs to the latest data of the couple: the latest trigger or event date, or the setback's
    start if that is later.

    Whose triggers and events: a setback of one partner is often set off by something the
    other partner lived through too, so the triggers **of both partners** of the couple count
    (``n_own_triggers`` says how many were logged by the setback's partner, by the triggers'
    ``partner`` column), and so do all events of the couple, whoever they name in ``partner``
    (couple-level events have none).

    Parameters
    ----------
    setbacks : pandas.DataFrame
        The output of :func:`find_setbacks` (at least ``setback_id, couple_id, partner, start,
        end``).  Not modified.
    triggers : pandas.DataFrame
        Validated triggers (:attr:`trustdata.Logs.triggers`); may be empty.
    events : pandas.DataFrame
        Validated events (:attr:`trustdata.Logs.events`); may be empty.
    days : int, default 14
        How many days before the start the window opens.

    Returns
    -------
    pandas.DataFrame
        One row per setback, in the order of ``setbacks``:

        - ``setback_id``, ``couple_id``, ``partner`` (str).
        - ``window_start``, ``window_end`` (datetime64[ns]): the first and the last day of the
          window (both included).
        - ``n_triggers`` (int): triggers of either partner in the window.
        - ``n_own_triggers`` (int): of those, logged by the setback's partner.
        - ``n_major_triggers`` (int): of those, intensity >= MAJOR_TRIGGER_INTENSITY.
        - ``max_intensity`` (float): the highest intensity (NaN when no trigger).
        - ``top_category`` (str): the most frequent category (ties: the first in
          TRIGGER_CATEGORIES order); missing when no trigger.
        - ``top_categories`` (str): every category with that many triggers, in
          TRIGGER_CATEGORIES order, joined with ``"; "`` (``"behavior_change; media"`` on a
          tie: neither is *the* most common); ``""`` when no trigger.
        - ``top_count`` (int): the triggers of each of those categories (0 when no trigger).
        - ``triggers_<category>`` (int): one count per category of TRIGGER_CATEGORIES, always all.
        - ``events`` (str): the window's events as ``"kind YYYY-MM-DD; kind YYYY-MM-DD"`` in date
          order ("" when none).
        - ``n_events`` (int).
        - ``new_information``, ``repeat_betrayal``, ``abuse`` (bool): an event of that kind in the
          window.
        - ``anniversary`` (bool): an anniversary (same month and day, a later year; 29 February
          falls on 28 February in other years) of the couple's discovery or disclosure falls in
          the window.

    Raises
    ------
    ValueError
        When a frame lacks a needed column or ``days`` is not a whole number >= 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from trustdata.logs import as_table
    >>> setbacks = pd.DataFrame({"setback_id": ["c1/A/1"], "couple_id": ["c1"],
    ...                          "partner": ["A"], "start": pd.to_datetime(["2025-03-03"]),
    ...                          "end": pd.to_datetime(["2025-03-17"])})
    >>> triggers = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "B", "timestamp": "2025-02-20 21:00",
    ...      "category": "media", "intensity": 8},
    ...     {"couple_id": "c1", "partner": "A", "timestamp": "2025-04-20 09:00",
    ...      "category": "location", "intensity": 3}])
    >>> events = as_table("events", [
    ...     {"couple_id": "c1", "date": "2024-03-10", "kind": "discovery"},
    ...     {"couple_id": "c1", "date": "2025-03-02", "kind": "new_information"}])
    >>> ctx = setback_context(setbacks, triggers, events)
    >>> ctx[["n_triggers", "n_own_triggers", "top_category", "events", "anniversary"]].to_dict(
    ...     "records")
    [{'n_triggers': 1, 'n_own_triggers': 0, 'top_category': 'media', \
'events': 'new_information 2025-03-02', 'anniversary': True}]

    A tie for the most common category is kept whole:

    >>> tied = as_table("triggers", [
    ...     {"couple_id": "c1", "partner": "A", "timestamp": f"2025-03-0{d} 20:00",
    ...      "category": c, "intensity": 5}
    ...     for d, c in [(4, "media"), (5, "location"), (6, "media"), (7, "location")]])
    >>> setback_context(setbacks, tied, events)[
    ...     ["top_category", "top_categories", "top_count"]].to_dict("records")
    [{'top_category': 'location', 'top_categories': 'location; media', 'top_count': 2}]
    """
    _check_columns("setbacks", setbacks, ("setback_id", "couple_id", "partner", "start", "end"))
    _check_columns(
        "triggers", triggers, ("couple_id", "partner", "timestamp", "category", "intensity")
    )
    _check_columns("events", events, ("couple_id", "date", "kind"))
    _check_int("days", days, 0)
    if setbacks.empty:
        return _empty(_CONTEXT_DTYPES)

    sb = setbacks.reset_index(drop=True)
    start = sb["start"].to_numpy(dtype="datetime64[ns]")
    end = sb["end"].to_numpy(dtype="datetime64[ns]")
    window_start = (pd.DatetimeIndex(start).normalize() - pd.Timedelta(days=days)).to_numpy()

    trig = triggers.loc[triggers["timestamp"].notna()]
    ev = events.loc[events["date"].notna()]
    t_time = trig["timestamp"].to_numpy(dtype="datetime64[ns]")
    ev_date = ev["date"].to_numpy(dtype="datetime64[ns]")
    sb_c, t_c, ev_c = _codes(sb["couple_id"], trig["couple_id"], ev["couple_id"])
    sb_p, t_p = _codes(sb["partner"], trig["partner"])
    n_partners = int(max(sb_p.max(initial=-1), t_p.max(initial=-1))) + 1

    # An ongoing setback's window runs to the couple's latest trigger or event.
    latest = (
        pd.Series(np.concatenate([t_time, ev_date]))
        .groupby(np.concatenate([t_c, ev_c]))
        .max()
        .dt.normalize()
    )
    last_seen = latest.reindex(sb_c).to_numpy(dtype="datetime64[ns]")
    ongoing_end = np.where(np.isnat(last_seen) | (last_seen < start), start, last_seen)
    window_end = pd.DatetimeIndex(np.where(np.isnat(end), ongoing_end, end)).normalize().to_numpy()
    # [window_start, window_end + 1 day): the last day is included whole.
    stop = window_end + np.timedelta64(1, "D")

    # Triggers sorted by (couple, time): each window is one slice [lo, hi) of that order.
    order, lo, hi = _windows(t_c, t_time, sb_c, window_start, stop)
    category = trig["category"]
    if not (
        isinstance(category.dtype, pd.CategoricalDtype)
        and list(category.cat.categories) == list(schemas.TRIGGER_CATEGORIES)
    ):
        category = pd.Series(
            pd.Categorical(category.astype("str"), categories=schemas.TRIGGER_CATEGORIES)
        )
    t_cat = category.cat.codes.to_numpy()[order]
    t_int = trig["intensity"].to_numpy(dtype="float64", na_value=np.nan)[order]
    n_trig = hi - lo

    def window_sum(flags: np.ndarray) -> np.ndarray:
        cum = np.concatenate([[0], np.cumsum(flags, dtype="int64")])
        return cum[hi] - cum[lo]

    ncat = len(schemas.TRIGGER_CATEGORIES)
    cat_counts = np.column_stack([window_sum(t_cat == k) for k in range(ncat)])
    major = window_sum(t_int >= schemas.MAJOR_TRIGGER_INTENSITY)
    max_int = _range_max(t_int, lo, hi)
    # The setback's own partner: the same slices over (couple, partner) keys.
    _, own_lo, own_hi = _windows(
        t_c * n_partners + t_p, t_time, sb_c * n_partners + sb_p, window_start, stop
    )
    own = own_hi - own_lo

    names = np.asarray(schemas.TRIGGER_CATEGORIES, dtype=object)
    top = np.where(n_trig > 0, names[cat_counts.argmax(axis=1)], None)
    # every category of the top count, not only the first: a tie has no single "most common"
    top_count = cat_counts.max(axis=1, initial=0)
    at_top = (cat_counts == top_count[:, None]) & (top_count[:, None] > 0)
    top_all = np.array(["; ".join(names[row]) for row in at_top], dtype=object)
    ev_text, n_ev, flags, anniversary = _events_in_windows(
        sb_c, window_start, stop, ev_c, ev["kind"].astype("str").to_numpy(), ev_date
    )
    out = {
        "setback_id": sb["setback_id"].astype("str"),
        "couple_id": sb["couple_id"].astype("str"),
        "partner": sb["partner"].astype("str"),
        "window_start": window_start,
        "window_end": window_end,
        "n_triggers": n_trig,
        "n_own_triggers": own,
        "n_major_triggers": major,
        "max_intensity": max_int,
        "top_category": top,
        "top_categories": top_all,
        "top_count": top_count,
        **{f"triggers_{c}": cat_counts[:, k] for k, c in enumerate(schemas.TRIGGER_CATEGORIES)},
        "events": ev_text,
        "n_events": n_ev,
        "new_information": flags["new_information"],
        "repeat_betrayal": flags["repeat_betrayal"],
        "anniversary": anniversary,
        "abuse": flags["abuse"],
    }
    return pd.DataFrame(out, columns=list(CONTEXT_COLUMNS)).astype(_CONTEXT_DTYPES)


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
        With ``couple_id, partner, start, end`` (e.g. :attr:`trustdata.synth.Synthetic.setbacks`;
        ``end`` may be NaT here too).  Starts need not be Mondays: distances are in days / 7.
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


#: 1.4826 * MAD estimates an SD for normal data (the MAD's consistency constant).
_MAD_TO_SD = 1.4826
#: The smallest noise estimate (points): whole-point scores of a steady partner have MAD 0.
_NOISE_FLOOR = 0.5
#: While the trend is made robust, weeks more than this many first-noise SDs below it are left out.
_TRIM = 1.5
#: Robust refits of the trend before the first detection (after the fit with every week).
_TRIM_FITS = 1
#: Partners with fewer observed weeks than this have no setback.
_MIN_WEEKS = 3
#: Residuals are clipped to this many noise SDs before their lag-1 correlation is taken.
_AR_CLIP = 2.5
#: The largest week-to-week correlation used (more would whiten a dip away).
_MAX_AR = 0.8
#: The two-state model (step 3b): its priors, shared by the two partners of a couple and
#: re-estimated from their weeks: a week's chance of going from the level into a setback and
#: of coming back, a setback week's mean residual (points below the trend) and the spread of
#: setback weeks' offsets (points, added to the noise).
_PRIOR_ENTER = 0.03
_PRIOR_LEAVE = 0.2
_PRIOR_MEAN = 2.5
_PRIOR_SPREAD = 1.0
#: The priors' weight in the couple's estimates: this many transitions (enter, leave) or weeks
#: (mean, spread) of the prior values.
_PRIOR_WEIGHT = 10.0
#: Bounds of the couple's estimates (enter, leave, mean, spread).
_ENTER_RANGE = (1e-3, 0.3)
_LEAVE_RANGE = (0.05, 0.9)
_MIN_MEAN = 1.0
_MIN_SPREAD = 0.25
#: Rounds of the two-state model (each: posterior, updates, the trend and the noise again) and
#: updates of the couple's estimates a round.
_TWO_STATE_ROUNDS = 2
_TWO_STATE_UPDATES = 1
#: A week's likelihood ratio setback / level is clipped to e**+-this: beyond it one week decides
#: its state alone anyway, and the products of smaller numbers go subnormal (slow).
_LOG_RATIO_CLIP = 30.0
#: A week's weight in the refitted trend is ``1 - P(setback)``, made 0 or 1 when it is within
#: this of either.
_SURE = 1e-3
#: Weeks with a posterior setback probability below this enter the noise and AR(1) estimates.
_KEEP_BELOW = 0.5
#: Rows handled at once by the trend's line and the scan (whole partners for the scan): bounds
#: their temporary arrays; the results do not depend on it.
_CHUNK_ROWS = 1 << 16


@dataclass(frozen=True)
class _Rules:
    """The options of :func:`find_setbacks` that decide what a setback is (see its rules)."""

    z: float
    min_shift: float
    min_depth: float
    max_weeks: int
    recover_within: float


def _series_codes(first: np.ndarray, n: int) -> np.ndarray:
    """The series number of every row, from the series' first rows."""
    code = np.zeros(n, dtype="int64")
    code[first[1:]] = 1
    return np.cumsum(code)


def _group_median(values: np.ndarray, code: np.ndarray, n_series: int) -> np.ndarray:
    """Median per series, ignoring NaN (NaN for a series without a value)."""
    med = pd.Series(values).groupby(code).median()
    return med.reindex(np.arange(n_series)).to_numpy(dtype="float64")


def _diff_noise(score: np.ndarray, first: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Per series: max(1.4826 * MAD(week-to-week differences) / sqrt(2), floor)."""
    diff = np.empty(len(score))
    diff[0] = np.nan
    diff[1:] = score[1:] - score[:-1]
    diff[first] = np.nan
    centre = _group_median(diff, code, len(first))
    mad = _group_median(np.abs(diff - centre[code]), code, len(first))
    return np.maximum(np.nan_to_num(mad * _MAD_TO_SD / np.sqrt(2.0), nan=0.0), _NOISE_FLOOR)


def _trend_windows(
    first: np.ndarray, code: np.ndarray, n: int, half: int
) -> tuple[np.ndarray, ...]:
    """Rows [lo, hi) of each row's trend window: the 2 * half + 1 nearest rows of its series,
    shifted inwards at the series' ends (the whole series when it is shorter)."""
    bounds = np.append(first, n)
    a, b = bounds[code], bounds[code + 1]
    width = 2 * half + 1
    lo = np.clip(np.arange(n) - half, a, np.maximum(a, b - width))
    return lo, np.minimum(lo + width, b)


def _trend(
    score: np.ndarray,
    t: np.ndarray,
    weight: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    flat: bool = False,
) -> np.ndarray:
    """Least-squares line through the weighted rows [lo, hi), evaluated at each row's time
    (``flat``: the weighted mean of the window).

    Window sums come from cumulative sums, so the cost does not depend on the window.  Rows
    whose window has no weight get NaN; one distinct time (or one row) gives a flat line.
    """
    n = len(score)
    width = int((hi - lo).max(initial=0))
    level = np.empty(n)
    # The running sums w, w y (flat); w, w y, w t, w t^2, w t y (a line), _CHUNK_ROWS rows at a
    # time.  A chunk's windows reach at most `width` rows beyond it, so its block holds the
    # sums before rows `first` to `stop`, started from the running total before `first` that
    # the previous block holds: a cumulative sum adds in order, so every sum is the one a
    # single cumulative sum over all rows would give.
    carry = np.zeros(2 if flat else 5)  # the sums before row `first` of the next chunk
    for a in range(0, n, _CHUNK_ROWS):
        b = min(a + _CHUNK_ROWS, n)
        first, stop = max(a - width, 0), min(b + width, n)
        block = np.empty((len(carry), stop - first + 1))
        block[:, 0] = carry
        block[0, 1:] = weight[first:stop]
        np.multiply(weight[first:stop], score[first:stop], out=block[1, 1:])
        if not flat:
            np.multiply(weight[first:stop], t[first:stop], out=block[2, 1:])
            np.multiply(block[2, 1:], t[first:stop], out=block[3, 1:])
            np.multiply(block[2, 1:], score[first:stop], out=block[4, 1:])
        np.cumsum(block, axis=1, out=block)
        carry = block[:, max(b - width, 0) - first].copy()
        window = np.take(block, hi[a:b] - first, axis=1)
        window -= np.take(block, lo[a:b] - first, axis=1)
        level[a:b] = _line(window, t[a:b], flat)
    return level


def _line(window: np.ndarray, t: np.ndarray, flat: bool) -> np.ndarray:
    """The weighted least-squares line of :func:`_trend` at times ``t`` from its window sums."""
    s0, sy = window[0], window[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        if flat:
            return sy / s0  # NaN where the window has no weight
        s1, s2, sty = window[2], window[3], window[4]
        det = s0 * s2
        det -= s1 * s1
        slope = s0 * sty
        slope -= s1 * sy
        slope /= det
        slope[~(det > 1e-9 * np.maximum(s0, 1.0) ** 2)] = 0.0  # one distinct time: flat
        level = t * s0
        level -= s1
        level *= slope
        level += sy
        level /= s0
    return level


def _upper_noise(
    resid: np.ndarray, keep: np.ndarray, code: np.ndarray, n_series: int
) -> np.ndarray:
    """Per series: ``max(sqrt(2 / n * sum (r - mean r)^2 over the kept r above the mean), floor)``
    (``n`` kept rows): twice the upper semivariance.

    One-sided on purpose: a setback only pushes residuals *down*, so the dips the trend did
    not leave out do not inflate it, and it uses every residual's size (a MAD of whole-point
    scores is often 0 or 1 and jumps between them).  For symmetric noise half the rows lie
    above the mean, so this is the variance; dividing by ``n / 2`` rather than by the number
    above keeps one great week of a steady partner from making their noise huge.
    """
    count = np.bincount(code[keep], minlength=n_series)
    total = _masked_sum(code, keep, resid, n_series)
    centre = total / np.maximum(count, 1)
    d = np.where(keep, resid - centre[code], 0.0)
    square = _masked_sum(code, d > 0, d * d, n_series)
    return np.maximum(np.sqrt(2.0 * square / np.maximum(count, 1)), _NOISE_FLOOR)


def _masked_sum(
    code: np.ndarray, mask: np.ndarray, values: np.ndarray, n_series: int
) -> np.ndarray:
    """Per series, the sum of ``values`` where ``mask``: ``np.bincount(code[mask],
    weights=values[mask])`` without gathering the masked rows (slow for a mask that is true
    for about half of them, in no pattern).  The same sum bit for bit: the rows left out add
    +0.0, and a bin's sum starts at +0.0, so ``s + 0.0 == s``."""
    return np.bincount(code, weights=np.where(mask, values, 0.0), minlength=n_series)


def _lag1(
    resid: np.ndarray,
    keep: np.ndarray,
    t: np.ndarray,
    code: np.ndarray,
    noise: np.ndarray,
    n_series: int,
) -> np.ndarray:
    """Per series: the lag-1 autocorrelation of the kept residuals, clipped to [0, _MAX_AR].

    ``sum d_k d_(k-1) / sum d_k^2`` over pairs of consecutive calendar weeks both kept, where
    ``d`` is a residual less the mean of the kept ones (a trend that sits a little off a
    steady partner must not make them look correlated), clipped to +-_AR_CLIP noise SDs (one
    wild week cannot either).
    """
    n = len(resid)
    pair = np.zeros(n, dtype=bool)
    pair[1:] = keep[1:] & keep[:-1] & (code[1:] == code[:-1]) & (t[1:] - t[:-1] == 1)
    count = np.bincount(code[keep], minlength=n_series)
    centre = _masked_sum(code, keep, resid, n_series) / np.maximum(count, 1)
    limit = _AR_CLIP * noise[code]
    r = resid - centre[code]
    r[~keep] = 0.0
    np.clip(r, -limit, limit, out=r)
    del limit
    prod = np.zeros(n)
    np.multiply(r[1:], r[:-1], out=prod[1:])
    num = _masked_sum(code, pair, prod, n_series)
    np.multiply(r, r, out=prod)
    den = _masked_sum(code, keep, prod, n_series)
    with np.errstate(invalid="ignore", divide="ignore"):
        ar = num / den
    return np.clip(np.nan_to_num(ar, nan=0.0), 0.0, _MAX_AR)


def _scan(
    resid: np.ndarray,
    t: np.ndarray,
    first: np.ndarray,
    code: np.ndarray,
    ar: np.ndarray,
    noise: np.ndarray,
    rules: _Rules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 4 of :func:`find_setbacks` (see :func:`_scan_block`), whole partners of about
    ``_CHUNK_ROWS`` rows at a time, so its temporary arrays stay small whatever the cohort
    (every window lies inside one partner, so the windows found are the same)."""
    n = len(resid)
    bounds = np.append(first, n)
    cuts = [0]
    while bounds[cuts[-1]] < n:
        nxt = int(np.searchsorted(bounds, bounds[cuts[-1]] + _CHUNK_ROWS, side="right")) - 1
        cuts.append(min(max(nxt, cuts[-1] + 1), len(first)))
    rows, lengths, zs = [], [], []
    for s0, s1 in itertools.pairwise(cuts):
        a, b = int(bounds[s0]), int(bounds[s1])
        row, length, z = _scan_block(
            resid[a:b], t[a:b], first[s0:s1] - a, code[a:b] - s0, ar[s0:s1], noise[s0:s1], rules
        )
        rows.append(row + a)
        lengths.append(length)
        zs.append(z)
    if not rows:
        empty = np.array([], dtype="int64")
        return empty, empty, np.array([], dtype="float64")
    return np.concatenate(rows), np.concatenate(lengths), np.concatenate(zs)


def _scan_block(
    resid: np.ndarray,
    t: np.ndarray,
    first: np.ndarray,
    code: np.ndarray,
    ar: np.ndarray,
    noise: np.ndarray,
    rules: _Rules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 4 of :func:`find_setbacks`: the windows of 2 to ``max_weeks`` consecutive observed
    weeks whose mean shift below the trend is significant.

    The residuals are whitened for AR(1) noise: ``w_k = (r_k - rho_k r_(k-1)) / s_k`` with
    ``rho_k = ar ** (weeks since the previous observed week)`` and ``s_k = noise *
    sqrt(1 - rho_k ** 2)`` (the first week of a log: ``rho = 0``).  For a window W the
    regressor ``x = 1[k in W]`` is whitened the same way and the shift's least-squares
    estimate is ``mu = sum(w x) / sum(x x)``, its z statistic ``sum(w x) / sqrt(sum(x x))``
    (the generalised likelihood ratio of a mean shift over W, for known noise).  The window
    sums come from cumulative sums.  Returns ``(first row, length, z)`` of the significant
    windows (``z <= -rules.z`` and ``mu <= -rules.min_shift``).
    """
    n = len(resid)
    gap = np.ones(n)
    gap[1:] = t[1:] - t[:-1]
    gap[first] = 1.0
    rho = ar[code]  # ar ** 1 after an observed week (most)
    far = np.flatnonzero(gap != 1)
    rho[far] **= gap[far]
    rho[first] = 0.0
    inv = 1.0 / (noise[code] * np.sqrt(1.0 - rho * rho))
    prev = np.empty(n)
    prev[1:] = resid[:-1]
    prev[first] = 0.0
    w = (resid - rho * prev) * inv
    missing = np.isnan(w)
    w[missing] = 0.0
    # A window [a, a + length): its first week's terms, then the weeks after it (added one
    # length at a time), less what the week after the window takes off (nothing when that
    # week is the next series' first: its rho is 0).
    core_wx = w * inv
    core_xx = inv * inv
    step_wx = w * (1.0 - rho) * inv
    step_xx = ((1.0 - rho) * inv) ** 2
    tail_wx = np.append(w * rho * inv, 0.0)
    tail_xx = np.append((rho * inv) ** 2, 0.0)
    # Weeks left in the row's series, from the row on; a window may not hold a week without
    # a residual (only partners too short to scan have those).
    left = np.append(first, n)[code + 1] - np.arange(n)
    if missing.any():
        blocked = np.flatnonzero(missing)
        nxt = np.full(n + 1, n)
        nxt[blocked] = blocked
        nxt = np.minimum.accumulate(nxt[::-1])[::-1][:n]
        left = np.minimum(left, nxt - np.arange(n))
    # Only windows holding a week more than recover_within below the trend count.
    cum_low = np.concatenate([[0], np.cumsum(resid < -rules.recover_within)])
    # best[a]: the lowest z of a significant window inside [a, a + length - 1) (inf: none).
    best = np.full(n + 1, np.inf)
    found_row, found_len, found_z = [], [], []
    for length in range(2, rules.max_weeks + 1):
        m = n - length + 1
        if m <= 0:
            break
        core_wx[:m] += step_wx[length - 1 : length - 1 + m]
        core_xx[:m] += step_xx[length - 1 : length - 1 + m]
        sum_wx = core_wx[:m] - tail_wx[length : length + m]
        sum_xx = core_xx[:m] + tail_xx[length : length + m]
        hit = np.flatnonzero(sum_wx <= sum_xx * -rules.min_shift)
        # ... then, on those few: the window fits in its series and holds a low week.
        hit = hit[(left[hit] >= length) & (cum_low[hit + length] > cum_low[hit])]
        z = sum_wx[hit] / np.sqrt(sum_xx[hit])
        sig = z <= -rules.z
        hit, z = hit[sig], z[sig]
        # A window that holds a more significant one is never chosen (rule 5: the inner one
        # goes first, or is dropped with it): keep only those better than all they hold.
        inner = np.minimum(best[hit], best[hit + 1])
        keep = z <= inner
        found_row.append(hit[keep])
        found_len.append(np.full(int(keep.sum()), length))
        found_z.append(z[keep])
        best[:m] = np.minimum(best[:m], best[1 : m + 1])
        best[hit] = np.minimum(best[hit], z)
    if not found_row:
        empty = np.array([], dtype="int64")
        return empty, empty, np.array([], dtype="float64")
    return np.concatenate(found_row), np.concatenate(found_len), np.concatenate(found_z)


def _select(
    row: np.ndarray, length: np.ndarray, z: np.ndarray, code: np.ndarray, n_series: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rule 5: per partner the most significant window (lowest z; ties: the earliest, then the
    shortest), then the most significant of those not overlapping it, and so on.  Each round
    takes one window of every partner at once.  Returns the windows' rows ``[lo, hi)``."""
    series = code[row]
    order = _order_by(series, z, row * (int(length.max(initial=0)) + 1) + length)
    row, series = row[order], series[order]
    stop = row + length[order]
    took_lo, took_hi = [], []
    lo = np.full(n_series, -1)
    hi = np.full(n_series, -1)
    while len(row):
        # The candidates are sorted by (series, z, row, length): a series' first is its best.
        best = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
        who = series[best]
        lo[who] = row[best]
        hi[who] = stop[best]
        took_lo.append(row[best])
        took_hi.append(stop[best])
        alive = (row >= hi[series]) | (stop <= lo[series])
        row, series, stop = row[alive], series[alive], stop[alive]
    if not took_lo:
        empty = np.array([], dtype="int64")
        return empty, empty
    return np.concatenate(took_lo), np.concatenate(took_hi)


def _order_by(major: np.ndarray, value: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, value, major))`` for non-negative integer ``major`` and ``minor``
    and float ``value`` without NaN, where no two rows share all three: the same order,
    without lexsort's three stable sorts (slow, for floats most).  The floats are ranked by
    one unstable sort (equal values, -0.0 and 0.0 too, share a rank), and the rows sorted by
    one number made of (major, rank, minor): the numbers are distinct, so any sort gives the
    one order.  Keys too many for an int64 take lexsort."""
    n = len(value)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    by_value = np.argsort(value)
    v = value[by_value]
    rank = np.empty(n, dtype=np.int64)
    rank[by_value] = np.cumsum(np.r_[False, v[1:] != v[:-1]])
    n_rank, n_minor = int(rank.max()) + 1, int(minor.max()) + 1
    if (int(major.max()) + 1) * n_rank * n_minor >= 2**63:
        return np.lexsort((minor, value, major))
    key = major.astype(np.int64) * n_rank
    key += rank
    key *= n_minor
    key += minor
    return np.argsort(key)


def _episodes(
    win_lo: np.ndarray,
    win_hi: np.ndarray,
    resid: np.ndarray,
    code: np.ndarray,
    rules: _Rules,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 6: each selected window becomes the weeks from its first to its last week more than
    ``recover_within`` below the trend, extended over the runs of such weeks it touches; those
    overlapping or touching are merged; one is kept when its lowest week is at least
    ``min_depth`` below the trend.  Returns (first row, trough row, last row)."""
    n = len(resid)
    low = resid < -rules.recover_within  # NaN is never low
    same_prev = np.zeros(n, dtype=bool)
    same_prev[1:] = code[1:] == code[:-1]
    run = np.cumsum(low & ~(np.r_[False, low[:-1]] & same_prev)) - 1
    low_rows = np.flatnonzero(low)
    empty = np.array([], dtype="int64")
    cum_low = np.concatenate([[0], np.cumsum(low)])
    has = cum_low[win_hi] > cum_low[win_lo]
    if len(low_rows) == 0 or not has.any():
        return empty, empty, empty
    win_lo, win_hi = win_lo[has], win_hi[has]
    n_runs = int(run[low_rows[-1]]) + 1
    run_lo = np.full(n_runs, n)
    run_hi = np.full(n_runs, -1)
    np.minimum.at(run_lo, run[low_rows], low_rows)
    np.maximum.at(run_hi, run[low_rows], low_rows)
    lo = run_lo[run[low_rows[cum_low[win_lo]]]]  # the run of the window's first low week
    hi = run_hi[run[low_rows[cum_low[win_hi] - 1]]]  # ... and of its last
    series = code[lo]
    order = np.lexsort((lo, series))
    lo, hi, series = lo[order], hi[order], series[order]
    reach = np.maximum.accumulate(series * (n + 1) + hi)
    new = np.r_[True, series[1:] * (n + 1) + lo[1:] > reach[:-1] + 1]
    group = np.cumsum(new) - 1
    n_groups = int(group[-1]) + 1
    g_lo = np.full(n_groups, n)
    g_hi = np.full(n_groups, -1)
    np.minimum.at(g_lo, group, lo)
    np.maximum.at(g_hi, group, hi)
    # The trough: the week furthest below the trend, the first on ties.
    span = g_hi - g_lo + 1
    rows = np.repeat(g_lo - np.r_[0, np.cumsum(span)[:-1]], span) + np.arange(int(span.sum()))
    owner = np.repeat(np.arange(n_groups), span)
    trough = _first_lowest(resid[rows], rows, owner, span)
    keep = resid[trough] <= -rules.min_depth
    return g_lo[keep], trough[keep], g_hi[keep]


def _first_lowest(
    values: np.ndarray, rows: np.ndarray, owner: np.ndarray, span: np.ndarray
) -> np.ndarray:
    """Per group (``owner``, non-decreasing, groups of ``span`` > 0 rows, ``rows`` increasing
    within each): the row with the lowest value, the first on ties, NaN last (as the first
    of ``np.lexsort((rows, values, owner))`` in each group)."""
    starts = np.concatenate([[0], np.cumsum(span)[:-1]])
    with np.errstate(invalid="ignore"):
        lowest = np.fmin.reduceat(values, starts)  # NaN only where all are NaN
    hit = values == lowest[owner]
    hit[starts[np.isnan(lowest)]] = True  # all NaN: the first row
    at = np.flatnonzero(hit)
    return rows[at[np.r_[True, owner[at][1:] != owner[at][:-1]]]]


@dataclass
class _TwoState:
    """The two-state model's parameters, one value per series (equal within a couple)."""

    enter: np.ndarray
    leave: np.ndarray
    mean: np.ndarray
    spread: np.ndarray

    @classmethod
    def prior(cls, n_series: int) -> _TwoState:
        return cls(
            *(
                np.full(n_series, v)
                for v in (_PRIOR_ENTER, _PRIOR_LEAVE, _PRIOR_MEAN, _PRIOR_SPREAD)
            )
        )


@dataclass(frozen=True)
class _Layout:
    """Step 3b's layout of the rows, position by position (a log's first observed week, its
    second, ...), the series longest first: the series still going at position ``k`` are the
    first ``count[k]`` of its block, which starts at ``offset[k]``, and the block of ``k - 1``
    starts with the same series.  ``order``: the row at each place; ``code``, ``gap``: the
    series of each place and the calendar weeks since its previous observed week (1 at a
    log's first); ``starts``: the places of the logs' first weeks; ``far``: the places after a
    missed week (``gap != 1``), ``one_week``: 1.0 at the others, else 0.0."""

    order: np.ndarray
    offset: np.ndarray
    count: np.ndarray
    code: np.ndarray
    gap: np.ndarray
    starts: np.ndarray
    far: np.ndarray
    one_week: np.ndarray

    @classmethod
    def of(cls, t: np.ndarray, first: np.ndarray, code: np.ndarray) -> _Layout:
        n, n_series = len(t), len(first)
        length = np.append(first[1:], n) - first
        rank = np.empty(n_series, dtype="int64")
        rank[np.argsort(-length, kind="stable")] = np.arange(n_series)
        width = int(length.max(initial=0))
        count = n_series - np.searchsorted(np.sort(length), np.arange(1, width + 1), side="left")
        offset = np.concatenate([[0], np.cumsum(count)])
        pos = np.arange(n) - first[code]
        at = offset[pos] + rank[code]
        gap = np.ones(n)
        gap[1:] = t[1:] - t[:-1]
        gap[first] = 1.0
        order = np.empty(n, dtype="int64")
        order[at] = np.arange(n)
        gap = gap[order]
        one_week = (gap == 1).astype("float64")
        far = np.flatnonzero(gap != 1)
        return cls(order, offset, count, code[order], gap, at[first], far, one_week)


def _level_evidence(
    resid: np.ndarray, noise: np.ndarray, lay: _Layout
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The part of :func:`_posterior`'s evidence that does not depend on the two-state
    parameters (shared by the posteriors of one round): the residuals in the layout's places
    (0 where missing), where they are missing, and ``(r / noise)**2 / 2``."""
    r = resid[lay.order]
    missing = np.isnan(r)
    r[missing] = 0.0
    e1 = r / noise[lay.code]
    e1 *= e1
    e1 *= 0.5
    return r, missing, e1


def _posterior(
    resid: np.ndarray,
    noise: np.ndarray,
    par: _TwoState,
    lay: _Layout,
    *,
    transitions: bool = True,
    level: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Step 3b's forward-backward: ``P(setback)`` of every row and (``transitions``), per
    series, the expected one-week transitions level-level, level-setback, setback-level,
    setback-setback (a ``(4, n_series)`` array; else None).

    A row's residual is ``N(0, noise)`` in the level state and ``N(-mean, sqrt(noise**2 +
    spread**2))`` in the setback state (a NaN residual carries no evidence); the states follow
    a Markov chain on calendar weeks (``enter``, ``leave`` a week; over a gap of ``g`` weeks
    the chain's ``g``-step law), started from its stationary law.  One step per week position,
    every series at once, in the places of :class:`_Layout`.  ``level``: what
    :func:`_level_evidence` gives for these ``resid`` and ``noise`` (computed when not given).
    """
    n, n_series = len(resid), len(noise)
    offset, count, code = lay.offset, lay.count, lay.code
    # The likelihood ratio setback / level of each week.
    # (what depends on the series alone is computed once per series, then spread to its rows:
    # the same operations on the same values, so the same numbers as computed row by row)
    spread = par.spread * par.spread
    spread += noise * noise
    np.sqrt(spread, out=spread)  # the setback state's SD
    log_ratio = np.log(spread / noise)
    r, missing, e1 = _level_evidence(resid, noise, lay) if level is None else level
    e1 = e1.copy()
    r = r + par.mean[code]
    r /= spread[code]
    r *= r
    r *= 0.5
    e1 -= r
    e1 -= log_ratio[code]
    del spread, log_ratio, r
    np.clip(e1, -_LOG_RATIO_CLIP, _LOG_RATIO_CLIP, out=e1)
    np.exp(e1, out=e1)
    e1[missing] = 1.0  # no evidence
    del missing
    # The chain's law over the gap before each row: level -> setback, setback -> setback.
    pi1 = par.enter / (par.enter + par.leave)
    decay = (1.0 - par.enter - par.leave)[code]
    decay[lay.far] **= lay.gap[lay.far]
    pi = pi1[code]
    g01 = 1.0 - decay
    g01 *= pi
    g11 = g01 + decay
    del decay, pi
    g01[lay.starts] = g11[lay.starts] = pi1[code[lay.starts]]  # a log's first week: stationary
    f1 = np.empty(n)  # filtered P(setback)
    for k in range(len(count)):
        lo, c = offset[k], count[k]
        if k:
            prior = g11[lo : lo + c] - g01[lo : lo + c]
            prior *= f1[offset[k - 1] : offset[k - 1] + c]
            prior += g01[lo : lo + c]
        else:
            prior = g01[lo : lo + c].copy()
        num = prior * e1[lo : lo + c]
        prior -= num
        prior -= 1.0
        np.divide(num, prior, out=num)
        np.negative(num, out=f1[lo : lo + c])
    b1 = np.full(n, 0.5)  # backward messages, normalised: b0 + b1 = 1 (0.5 at a log's end)
    if transitions:  # expected transitions, by the series' rank (the places of position 0)
        acc = np.zeros((4, n_series))
        one = lay.one_week  # only one-week steps count
    for k in range(len(count) - 2, -1, -1):
        lo, c, nx = offset[k], count[k + 1], offset[k + 1]
        nb1 = b1[nx : nx + c]
        nb0 = 1.0 - nb1
        stay = e1[nx : nx + c] * nb1  # next week a setback, its evidence and messages
        diff = stay - nb0
        to1 = g11[nx : nx + c] * diff  # from a setback week: the next weeks' evidence
        to1 += nb0
        to0 = g01[nx : nx + c] * diff  # from a level week
        to0 += nb0
        if transitions:
            pf = f1[lo : lo + c]
            from1 = to1 * pf
            from0 = to0 - to0 * pf
            w = one[nx : nx + c] / (from0 + from1)
            x01 = g01[nx : nx + c] * stay
            x01 -= x01 * pf
            x10 = 1.0 - g11[nx : nx + c]
            x10 *= nb0
            x10 *= pf
            acc[0, :c] += (from0 - x01) * w
            acc[1, :c] += x01 * w
            acc[2, :c] += x10 * w
            acc[3, :c] += (from1 - x10) * w
        to0 += to1
        np.divide(to1, to0, out=b1[lo : lo + c])
    joint = f1 * b1
    rest = 1.0 - f1
    rest *= 1.0 - b1
    rest += joint
    joint /= rest
    del rest
    post = np.empty(n)
    post[lay.order] = joint
    if not transitions:
        return post, None
    counts = np.empty((4, n_series))
    counts[:, code[:n_series]] = acc
    return post, counts


def _update(
    post: np.ndarray,
    counts: np.ndarray,
    resid: np.ndarray,
    noise: np.ndarray,
    code: np.ndarray,
    group: np.ndarray,
) -> _TwoState:
    """Step 3b's updates (Baum-Welch, with the priors worth ``_PRIOR_WEIGHT`` transitions or
    weeks): one estimate per ``group`` of series (a couple), from the posteriors and the
    expected transitions of its series.  NaN residuals do not count."""
    n_groups = int(group.max(initial=-1)) + 1
    c = np.stack([np.bincount(group, weights=v, minlength=n_groups) for v in counts])
    k = _PRIOR_WEIGHT
    enter = np.clip((c[1] + k * _PRIOR_ENTER) / (c[0] + c[1] + k), *_ENTER_RANGE)
    leave = np.clip((c[2] + k * _PRIOR_LEAVE) / (c[2] + c[3] + k), *_LEAVE_RANGE)
    ok = ~np.isnan(resid)
    row_group = group[code]
    w = np.where(ok, post, 0.0)
    r = np.where(ok, resid, 0.0)
    total = np.bincount(row_group, weights=w, minlength=n_groups) + k
    mean = (k * _PRIOR_MEAN - np.bincount(row_group, weights=w * r, minlength=n_groups)) / total
    sq = (r + mean[row_group]) ** 2 - noise[code] ** 2
    var = (
        np.bincount(row_group, weights=w * sq, minlength=n_groups) + k * _PRIOR_SPREAD**2
    ) / total
    spread = np.sqrt(np.maximum(var, _MIN_SPREAD**2))
    return _TwoState(enter[group], leave[group], np.maximum(mean, _MIN_MEAN)[group], spread[group])


def _detect(
    score: np.ndarray,
    week: np.ndarray,
    first: np.ndarray,
    *,
    trend_weeks: int,
    rules: _Rules,
) -> tuple[np.ndarray, ...]:
    """Steps 1-6 of :func:`find_setbacks`, vectorised over every partner at once.

    Returns arrays, one entry per setback in (series, start) order: start row, trough row,
    end row (-1 while ongoing), the level (trend at the trough), then the noise per series and
    the series of each setback.
    """
    n = len(score)
    n_series = len(first)
    code = _series_codes(first, n)
    t = (week - week[first][code]).astype("float64")  # calendar weeks since the first
    lo, hi = _trend_windows(first, code, n, trend_weeks)
    noise0 = _diff_noise(score, first, code)
    weight = np.ones(n)
    for k in range(_TRIM_FITS + 1):
        # The first fit is a flat one (a window's mean): a dip at the end of a log cannot tilt it.
        trend = _trend(score, t, weight, lo, hi, flat=k == 0)
        weight = (score - trend >= -_TRIM * noise0[code]).astype("float64")
    keep = weight > 0
    del weight
    resid = score - trend
    noise = _upper_noise(resid, keep, code, n_series)
    # Fewer than _MIN_WEEKS observed weeks: too little to tell a trend from a fall.
    short = (np.append(first[1:], n) - first)[code] < _MIN_WEEKS
    # 3b. The two-state model: which weeks are a setback's, to leave them out of the trend.
    group = np.arange(n_series)  # each partner their own estimates
    par = _TwoState.prior(n_series)
    lay = _Layout.of(t, first, code)
    for _ in range(_TWO_STATE_ROUNDS):
        resid[short] = np.nan
        level = _level_evidence(resid, noise, lay)  # the same for every posterior of the round
        post, counts = _posterior(resid, noise, par, lay, level=level)
        for i in range(_TWO_STATE_UPDATES):
            par = _update(post, counts, resid, noise, code, group)
            more = i + 1 < _TWO_STATE_UPDATES
            post, counts = _posterior(resid, noise, par, lay, transitions=more, level=level)
        del level
        weight = 1.0 - post
        weight[weight < _SURE] = 0.0  # surely a setback's week: out altogether
        weight[weight > 1.0 - _SURE] = 1.0  # surely not: in, whole
        # Rounded to 1e-9 points: sums of fractional weights must not show as 6.999999999999994.
        trend = np.round(_trend(score, t, weight, lo, hi), 9)
        resid = score - trend
        keep = post < _KEEP_BELOW
        noise = _upper_noise(resid, keep, code, n_series)
    del lo, hi, post, counts, lay, weight
    ar = _lag1(resid, keep, t, code, noise, n_series)
    resid[short] = np.nan
    row, length, z = _scan(resid, t, first, code, ar, noise, rules)
    win_lo, win_hi = _select(row, length, z, code, n_series)
    i_start, i_trough, i_last = _episodes(win_lo, win_hi, resid, code, rules)
    series = code[i_start]
    ends = np.append(first, n)[series + 1]
    i_end = np.where(i_last + 1 < ends, i_last + 1, -1)
    return i_start, i_trough, i_end, trend[i_trough], noise, series


def _check_checkins(checkins: pd.DataFrame, measure: str) -> None:
    _check_measure(measure)
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

    Sorted by couple, partner and week; ``score`` is the mean of that week's check-ins, computed
    by :func:`trustdata._frames._weekly_scores` as for every other analysis.
    """
    table, weeks = _week_means(checkins, measure)
    return pd.DataFrame(
        {
            "couple_id": _take(table["couple_id"], weeks["sid"]).astype("str"),
            "partner": _take(table["partner"], weeks["sid"]).astype("str"),
            "week": _week_dates(weeks["week"]),
            "score": weeks["score"],
        }
    )


def _series_starts(weekly: pd.DataFrame) -> np.ndarray:
    """Row positions where a new couple/partner series begins in a sorted weekly frame."""
    couple = weekly["couple_id"].to_numpy()
    partner = weekly["partner"].to_numpy()
    new = np.ones(len(weekly), dtype=bool)
    new[1:] = (couple[1:] != couple[:-1]) | (partner[1:] != partner[:-1])
    return np.flatnonzero(new)


def _mean_ss(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row means and sums of squared deviations over the non-missing values (>= 1 per row)."""
    present = ~np.isnan(values)
    count = present.sum(axis=1)
    filled = np.where(present, values, 0.0)
    mean = filled.sum(axis=1) / count
    ss = np.where(present, (values - mean[:, None]) ** 2, 0.0).sum(axis=1)
    return mean, ss


def _week_sessions(weekly: pd.DataFrame) -> pd.DataFrame:
    """Weekly scores on a full weekly grid per partner (missed weeks: NaN score).

    Columns ``series, couple_id, partner, session, date, score``.
    """
    if weekly.empty:
        return pd.DataFrame(
            {
                "series": pd.Series([], dtype="int64"),
                "couple_id": pd.Series([], dtype="str"),
                "partner": pd.Series([], dtype="str"),
                "session": pd.Series([], dtype="int64"),
                "date": pd.Series([], dtype="datetime64[ns]"),
                "score": pd.Series([], dtype="float64"),
            }
        )
    first = _series_starts(weekly)
    n_series = len(first)
    code = np.zeros(len(weekly), dtype="int64")
    code[first[1:]] = 1
    code = np.cumsum(code)
    day = weekly["week"].to_numpy(dtype="datetime64[D]").astype("int64")
    pos = (day - day[first][code]) // 7
    last = np.append(first[1:], len(weekly)) - 1
    length = pos[last] + 1
    offset = np.concatenate([[0], np.cumsum(length)[:-1]])
    total = int(length.sum())
    series = np.repeat(np.arange(n_series), length)
    session = np.arange(total) - offset[series]
    score = np.full(total, np.nan)
    score[offset[code] + pos] = weekly["score"].to_numpy(dtype="float64")
    monday = (day[first][series] + 7 * session).astype("datetime64[D]").astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "series": series,
            "couple_id": weekly["couple_id"].to_numpy()[first][series],
            "partner": weekly["partner"].to_numpy()[first][series],
            "session": session + 1,
            "date": monday,
            "score": score,
        }
    )


def _checkin_sessions(checkins: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Every check-in with a score is a session, in date order per partner."""
    frame = checkins.loc[
        checkins[measure].notna() & checkins["date"].notna(),
        ["couple_id", "partner", "date", measure],
    ]
    seq = pd.DataFrame(
        {
            "couple_id": frame["couple_id"].astype("str").to_numpy(),
            "partner": frame["partner"].astype("str").to_numpy(),
            "date": frame["date"].to_numpy(dtype="datetime64[ns]"),
            "score": frame[measure].to_numpy(dtype="float64", na_value=np.nan),
        }
    ).sort_values(["couple_id", "partner", "date"], ignore_index=True)
    if seq.empty:
        return seq.assign(series=pd.Series([], dtype="int64"), session=pd.Series([], dtype="int64"))
    first = _series_starts(seq)
    code = np.zeros(len(seq), dtype="int64")
    code[first[1:]] = 1
    code = np.cumsum(code)
    return seq.assign(series=code, session=np.arange(len(seq)) - first[code] + 1)


def _check_columns(name: str, frame: pd.DataFrame, needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The `{name}` frame must have the columns {list(needed)}, but {missing} are missing."
        )


def _codes(*columns: pd.Series) -> list[np.ndarray]:
    """Integer codes of the values of several columns, shared between them (-1: missing)."""
    values = pd.concat([c.astype("str").reset_index(drop=True) for c in columns], ignore_index=True)
    codes, _ = pd.factorize(values)
    cuts = np.cumsum([len(c) for c in columns])[:-1]
    return [np.asarray(part, dtype="int64") for part in np.split(codes, cuts)]


def _windows(
    item_code: np.ndarray,
    item_time: np.ndarray,
    query_code: np.ndarray,
    query_from: np.ndarray,
    query_to: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort items by (code, time); per query, the slice [lo, hi) of items with the same code and
    ``query_from <= time < query_to``.  Returns (order, lo, hi)."""
    # One int64 key per (code, time): code * span + time offset (seconds are enough: the
    # window bounds are whole days, and flooring keeps "< midnight" comparisons exact).
    sec = np.floor_divide(item_time.astype("datetime64[ns]").astype("int64"), 10**9)
    q_from = np.floor_divide(query_from.astype("datetime64[ns]").astype("int64"), 10**9)
    q_to = np.floor_divide(query_to.astype("datetime64[ns]").astype("int64"), 10**9)
    every = np.concatenate([sec, q_from, q_to])
    base = every.min() if len(every) else 0
    span = int(every.max() - base) + 2 if len(every) else 2
    key = item_code * span + (sec - base)
    order = np.argsort(key, kind="stable")
    key = key[order]
    lo = np.searchsorted(key, query_code * span + (q_from - base), side="left")
    hi = np.searchsorted(key, query_code * span + (q_to - base), side="left")
    return order, lo, np.maximum(hi, lo)


def _range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(values[lo:hi]) per query, NaN for an empty slice (missing values ignored)."""
    out = np.full(len(lo), np.nan)
    has = hi > lo
    if not has.any() or len(values) == 0:
        return out
    filled = np.append(np.where(np.isnan(values), -np.inf, values), -np.inf)
    idx = np.empty(2 * int(has.sum()), dtype="int64")
    idx[0::2], idx[1::2] = lo[has], hi[has]
    best = np.maximum.reduceat(filled, idx)[0::2]
    out[has] = np.where(np.isinf(best), np.nan, best)
    return out


def _events_in_windows(
    sb_couple: np.ndarray,
    window_from: np.ndarray,
    window_to: np.ndarray,
    ev_couple: np.ndarray,
    ev_kind: np.ndarray,
    ev_date: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Per window: the events text, their number, flags per kind, and the anniversary flag."""
    n = len(sb_couple)
    pairs = pd.DataFrame(
        {"_row": np.arange(n), "couple": sb_couple, "w_from": window_from, "w_to": window_to}
    ).merge(
        pd.DataFrame({"couple": ev_couple, "kind": ev_kind, "date": ev_date}),
        on="couple",
    )
    inside = pairs.loc[(pairs["date"] >= pairs["w_from"]) & (pairs["date"] < pairs["w_to"])]
    inside = inside.sort_values(["_row", "date", "kind"], kind="stable")
    label = (inside["kind"] + " " + inside["date"].dt.strftime("%Y-%m-%d")).to_numpy(dtype=object)
    rows = inside["_row"].to_numpy()
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
    last = np.r_[first[1:], len(rows)] if len(rows) else rows
    events_text = np.full(n, "", dtype=object)
    events_text[rows[first]] = ["; ".join(label[a:b]) for a, b in zip(first, last, strict=True)]
    n_events = np.bincount(inside["_row"].to_numpy(), minlength=n)
    flags = {}
    for kind in ("new_information", "repeat_betrayal", "abuse"):
        rows = inside.loc[inside["kind"] == kind, "_row"].to_numpy()
        flag = np.zeros(n, dtype=bool)
        flag[rows] = True
        flags[kind] = flag
    anchors = pairs.loc[pairs["kind"].isin(schemas.ANCHOR_EVENT_KINDS)]
    anniversary = np.zeros(n, dtype=bool)
    if len(anchors):
        first = _next_anniversary(anchors["date"], anchors["w_from"])
        inside_window = first.to_numpy() < anchors["w_to"].to_numpy()
        hit = anchors["_row"].to_numpy()[inside_window]
        anniversary[hit] = True
    return events_text, n_events, flags, anniversary


def _next_anniversary(anchor: pd.Series, after: pd.Series) -> pd.Series:
    """The first anniversary of ``anchor`` (a later year) on or after the day ``after``.

    29 February falls on 28 February in years without it.
    """
    anchor = pd.to_datetime(anchor).reset_index(drop=True)
    after = pd.to_datetime(after).dt.normalize().reset_index(drop=True)
    month = anchor.dt.month.to_numpy()
    day = anchor.dt.day.to_numpy()
    year = np.maximum(after.dt.year.to_numpy(), anchor.dt.year.to_numpy() + 1)

    def on(years: np.ndarray) -> pd.Series:
        leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
        d = np.where((month == 2) & (day == 29) & ~leap, 28, day)
        return pd.to_datetime(pd.DataFrame({"year": years, "month": month, "day": d}))

    candidate = on(year)
    later = on(year + 1)
    return candidate.where(candidate >= after, later)

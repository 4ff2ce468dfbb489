"""Small wins and red flags: milestones computed with the evidence that supports each.

Three public functions:

:func:`small_wins`
    Encouraging findings (weeks without a major trigger, the longest calm stretch, the first
    good month, the best week so far), one row per finding with a plain-language ``evidence``
    sentence.
:func:`red_flags`
    Signs that call for attention, in a fixed vocabulary (:data:`FLAGS`), each with a severity
    (:data:`SEVERITIES`: ``"safety"`` first, then ``"raise"``, then ``"watch"``), the numbers as
    evidence and a gentle message for couples and therapists.
:func:`safety_notice`
    A :class:`SafetyNotice` when the events hold any ``abuse`` event, else None.

Safety first: how the report and notebooks must use :func:`safety_notice`
---------------------------------------------------------------------------
Every output that summarises progress (the HTML report, a notebook, a CLI summary) calls
``safety_notice(logs.events)`` **before** it shows anything else.  When the result is not None it
shows, at the top and in place of any "keep working on trust" encouragement, the notice's
``title``, ``text`` and every line of ``resources`` (plain text; nothing is fetched), and it does
not show :func:`small_wins` as encouragement.  :func:`red_flags` puts an ``abuse`` row
(severity ``"safety"``) first for the same reason.  A notebook does this in its first analysis
cell::

    notice = trustdata.milestones.safety_notice(logs.events)
    if notice is not None:
        print(notice.as_text())

The wording lives only here (:data:`SAFETY_TITLE`,
:data:`SAFETY_TEXT`, :data:`SAFETY_RESOURCES`); free text in the outputs of this module never
comes from the logs' notes, but partner and couple ids are the users' own words: escape them
(``html.escape``) when writing HTML.

All score-based rules rest on the weekly scores of :func:`trustdata.trends.weekly_trend` (two
check-ins in one week are averaged, a week without a check-in has no score) and the verdict
``change`` of :func:`trustdata.trends.trend_summary` (a Reliable Change Index against the
partner's own week-to-week variation), so "a week", "the first weeks" and "reliable improvement"
mean the same thing here as in the trend charts (see docs/verdicts.md).

Examples
--------
>>> from trustdata.logs import as_table
>>> events = as_table("events", [{"couple_id": "c1", "date": "2025-03-01", "kind": "abuse"}])
>>> safety_notice(events).title
'Your safety comes first'
>>> red_flags(as_table("checkins", []), events=events)[["flag", "severity"]].values.tolist()
[['abuse', 'safety']]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata._frames import _check_measure, _parse_since, _require
from trustdata._words import day, days, numbers, plurals, rounded, slopes

__all__ = [
    "SMALL_WIN_COLUMNS",
    "SMALL_WIN_KINDS",
    "STOPPED_DAYS",
    "UNLOGGED_WEEKS",
    "STREAK_KINDS",
    "RED_FLAG_COLUMNS",
    "FLAGS",
    "SEVERITIES",
    "FLAG_SEVERITY",
    "FLAG_MESSAGES",
    "SAFETY_TITLE",
    "SAFETY_TEXT",
    "SAFETY_RESOURCES",
    "SafetyNotice",
    "HARD_NEWS_KINDS",
    "HARD_NEWS_SINCE",
    "small_wins",
    "hard_news",
    "latest_hard_news",
    "red_flags",
    "safety_notice",
]

#: Columns of :func:`small_wins`, in order.
SMALL_WIN_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.SmallWinsOutput)

#: Kinds of small win, in the order rows are sorted.
SMALL_WIN_KINDS: tuple[str, ...] = schemas.SMALL_WIN_KIND_CODES

#: Event kinds that are hard news during the recovery, in the order they are named (the one
#: rule of :func:`hard_news`, which the couple's review and the cohort pipeline read).
HARD_NEWS_KINDS: tuple[str, ...] = ("repeat_betrayal", "new_information", "separation")

#: What the small wins found after the latest hard news are "since", in their evidence
#: ("A's best week since the repeat betrayal: ...").
HARD_NEWS_SINCE: dict[str, str] = {
    "repeat_betrayal": "the repeat betrayal",
    "new_information": "the new information",
    "separation": "the separation",
}

#: Columns of :func:`red_flags`, in order.
RED_FLAG_COLUMNS: tuple[str, ...] = schemas.output_columns(schemas.RedFlagsOutput)

#: Severities, most urgent first (the sort order of :func:`red_flags`).
SEVERITIES: tuple[str, ...] = schemas.FLAG_SEVERITIES

#: The red flags, in the order they are sorted within a severity.
FLAGS: tuple[str, ...] = schemas.RED_FLAG_CODES

#: The severity of each flag.
FLAG_SEVERITY: dict[str, str] = {
    "abuse": "safety",
    "repeat_betrayal": "raise",
    "new_information": "raise",
    "worse_after_6_months": "raise",
    "no_reliable_improvement_24m": "raise",
    "no_reliable_improvement_12m": "watch",
    "diverging_partners": "watch",
}

SAFETY_TITLE = "Your safety comes first"

SAFETY_TEXT = (
    "Abuse has been recorded in these logs. When there is abuse, safety comes before rebuilding "
    "trust: the work on the relationship can wait, your safety cannot. Please talk to someone "
    "trained to help (a domestic-abuse helpline, your doctor or an individual therapist) and "
    "think about a safety plan. Couples work is usually not advised while abuse is going on."
)

SAFETY_RESOURCES: tuple[str, ...] = (
    "If you are in immediate danger, call your local emergency number "
    "(for example 911 in the US and Canada, 999 in the UK, 112 in the European Union).",
    "United States: National Domestic Violence Hotline, 1-800-799-7233 (24 hours).",
    "United Kingdom: National Domestic Abuse Helpline, 0808 2000 247 (free, 24 hours).",
    "Elsewhere: these numbers are only examples. Please check the domestic-abuse services "
    "where you live, or ask your doctor or local emergency services to point you to them.",
)

#: The gentle, plain-language message of each flag (the same words for every couple).
FLAG_MESSAGES: dict[str, str] = {
    "abuse": SAFETY_TEXT,
    "repeat_betrayal": (
        "A new betrayal was recorded during the recovery. That usually means trust work has to "
        "start again from honesty and safety; please consider bringing this to a therapist."
    ),
    "new_information": (
        "New information came out during the recovery. New disclosures often shake how safe "
        "the hurt partner feels, so a dip afterwards is common; talking it through with a "
        "therapist can help."
    ),
    "worse_after_6_months": (
        "Six months in, this partner feels worse than at the start. That is worth talking about "
        "openly, ideally with a therapist; it does not mean anyone has failed."
    ),
    "no_reliable_improvement_12m": (
        "After a year of check-ins the scores have not clearly improved. This may be a good "
        "moment to look together, ideally with a therapist, at what helps and what does not."
    ),
    "no_reliable_improvement_24m": (
        "After two years of check-ins the scores have not clearly improved. Please consider "
        "talking with a therapist about what each of you needs and what support would help."
    ),
    "diverging_partners": (
        "Your scores have been drifting apart: one of you may be feeling better while the other "
        "is not. It may help to ask each other how the last weeks have felt."
    ),
}

_WEEK = pd.Timedelta(days=7)

#: Days after a partner's latest record of a kind from which they have stopped logging it (for
#: now): a calm streak of :func:`small_wins` whose last week is more than this many days after
#: the partner's latest trigger is no win (``stopped_days``), and the review's partner whose
#: latest check-in is more than this many days before the couple's latest record has stopped
#: checking in (``trustdata.review.STOPPED_DAYS`` is this constant).
STOPPED_DAYS = 28

#: The longest run of calendar weeks without a record of a partner (no check-in, no trigger)
#: that a calm streak of :func:`small_wins` runs through: a longer run breaks the streak and its
#: weeks count toward none ("not logging is not a win"; 4 weeks are the 28 days of
#: :data:`STOPPED_DAYS`).  Before, one check-in mistyped ten years early made
#: "521 weeks in a row" of weeks nobody logged.
UNLOGGED_WEEKS = STOPPED_DAYS // 7

#: The two calm-streak kinds of :func:`small_wins` (the wins the trigger log's weeks make).
STREAK_KINDS = ("weeks_without_major_trigger", "longest_calm_streak")


@dataclass(frozen=True)
class SafetyNotice:
    """What to show first, in place of encouragement, when abuse has been recorded.

    Attributes
    ----------
    title : str
        :data:`SAFETY_TITLE`.
    text : str
        :data:`SAFETY_TEXT`.
    resources : tuple of str
        :data:`SAFETY_RESOURCES`: plain-text lines (emergency number, example helplines and a
        note to check local services); no links.
    couple_ids : tuple of str
        The couples with at least one ``abuse`` event, sorted.
    """

    title: str
    text: str
    resources: tuple[str, ...]
    couple_ids: tuple[str, ...]

    def as_text(self) -> str:
        """The notice as plain text (title, text, one resource per line), e.g. for a notebook.

        Examples
        --------
        >>> notice = SafetyNotice("Title", "Text.", ("Line one.",), ("c1",))
        >>> print(notice.as_text())
        Title
        <BLANKLINE>
        Text.
        <BLANKLINE>
        - Line one.
        """
        lines = "\n".join(f"- {line}" for line in self.resources)
        return f"{self.title}\n\n{self.text}\n\n{lines}"


def safety_notice(events: pd.DataFrame | None) -> SafetyNotice | None:
    """Return a :class:`SafetyNotice` when any event is of kind ``abuse``, else None.

    Parameters
    ----------
    events : pandas.DataFrame or None
        Validated events (:attr:`trustdata.Logs.events`), any number of couples.

    Returns
    -------
    SafetyNotice or None
        See the module docstring for how a report or notebook must show it.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> safety_notice(as_table("events", [])) is None
    True
    >>> ev = as_table("events", [{"couple_id": "c2", "date": "2025-01-01", "kind": "abuse"}])
    >>> notice = safety_notice(ev)
    >>> notice.couple_ids, notice.resources[0].startswith("If you are in immediate danger")
    (('c2',), True)
    """
    if events is None or len(events) == 0:
        return None
    abuse = events.loc[events["kind"].astype(object) == "abuse", "couple_id"]
    if abuse.empty:
        return None
    return SafetyNotice(
        title=SAFETY_TITLE,
        text=SAFETY_TEXT,
        resources=SAFETY_RESOURCES,
        couple_ids=tuple(sorted(abuse.astype(str).unique().tolist())),
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _day(value: pd.Series) -> pd.Series:
    """Dates in words, as every page writes them ("6 January 2025"; :func:`_words.day`).

    Each distinct date is written once (:func:`_words.day` of each of the few distinct weeks,
    then taken for every row): the same words, at a fraction of the cost.
    """
    if not (isinstance(value.dtype, np.dtype) and value.dtype.kind == "M"):  # naive dates
        return pd.Series(days(value), index=value.index, dtype="str")
    distinct, at = np.unique(value.to_numpy(), return_inverse=True)  # NaT once, last
    words = np.array([day(v) for v in distinct] or [""], dtype=object)
    return pd.Series(words[at.reshape(-1)], index=value.index, dtype="str")


def _fmt(value: pd.Series, digits: int = 1) -> pd.Series:
    """Numbers as every page prints them: half away from zero, no "-0.0" (:func:`numbers`)."""
    return pd.Series(numbers(value, digits), index=value.index, dtype="str")


#: Decimals of every number of points in the red flags' evidence: the means, their difference,
#: the reliable change, the week-to-week ups and downs and the partners' mean gap (the index,
#: tau and slopes have 2 as well, p-values 3).  One rule for each kind of number: before,
#: "5.5 ... 6.0 (0.5 points; a reliable change needs more than 1.83 points" stood beside
#: "4.50 ... 5.75 (1.25 points" and "the mean gap was 1.3 points".
POINTS_DIGITS = 2


def _ends(first: pd.Series, last: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Two means and their difference ``last - first`` in words, agreeing as printed.

    :data:`POINTS_DIGITS` decimals for all three, whatever the values (4.50 to 5.75, 1.25;
    5.50 to 6.00, 0.50).  Should the printed ends still not differ by the printed difference
    (means such as 13/3), the difference reads "about".
    """
    first, last = first.astype(float), last.astype(float)
    f, la = _fmt(first, POINTS_DIGITS), _fmt(last, POINTS_DIGITS)
    d = _fmt(last - first, POINTS_DIGITS)
    agree = np.isclose(la.astype(float) - f.astype(float), d.astype(float), rtol=0, atol=1e-9)
    return f, la, d.where(agree, "about " + d)


def _slope(value: pd.Series) -> pd.Series:
    """Slopes a month in words, never "-0.00" (:func:`trustdata._words.slopes`)."""
    return pd.Series(slopes(value), index=value.index, dtype="str")


def _plural(n: pd.Series, word: str) -> pd.Series:
    """Counts in words ("1 week", "3 weeks"; :func:`trustdata._words.plural`)."""
    return pd.Series(plurals(n, word), index=n.index, dtype="str")


#: the dtype each name of :func:`_frame`'s dtypes stands for
_DTYPE_OF = {
    "str": pd.Series([], dtype="str").dtype,
    "datetime64[ns]": np.dtype("datetime64[ns]"),
    "float64": np.dtype("float64"),
}


def _frame(columns: tuple[str, ...], data: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """A frame with exactly ``columns`` and the module's dtypes (empty when ``data`` is None)."""
    dtypes = {
        "couple_id": "str",
        "partner": "str",
        "kind": "str",
        "flag": "str",
        "severity": "str",
        "evidence": "str",
        "message": "str",
        "date": "datetime64[ns]",
        "start": "datetime64[ns]",
        "end": "datetime64[ns]",
        "value": "float64",
    }
    data = data or {}
    n = len(next(iter(data.values()))) if data else 0
    out = {}
    for col in columns:
        values = data.get(col)
        if values is None:
            values = pd.Series([None] * n, dtype=object)
        # a column already of its dtype is taken as it is (the same values the conversions
        # below give it, without the round trip through objects)
        if isinstance(values, pd.Series) and values.dtype == _DTYPE_OF[dtypes[col]]:
            out[col] = pd.Series(values.to_numpy(), dtype=values.dtype)
            continue
        values = pd.Series(np.asarray(values, dtype=object), dtype=object)
        if dtypes[col] == "datetime64[ns]":
            out[col] = pd.to_datetime(values).astype("datetime64[ns]")
        elif dtypes[col] == "float64":
            out[col] = pd.to_numeric(values).astype("float64")
        else:
            out[col] = values.astype("str")
    return pd.DataFrame(out, columns=list(columns))


def _given(frame: object, name: str, columns: tuple[str, ...], measure: str) -> pd.DataFrame:
    """A precomputed frame passed as ``name``: a DataFrame with ``columns``, of ``measure``."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"The value for `{name}` must be a pandas DataFrame, but a "
            f"{type(frame).__name__} was passed."
        )
    _require(frame, columns, f"`{name}`")
    if "measure" in frame.columns and len(frame) and (frame["measure"] != measure).any():
        raise ValueError(
            f"The `{name}` frame must be of the measure {measure!r}, but it holds "
            f"{sorted(set(frame['measure'].astype(str)))}."
        )
    return frame


#: the columns of a precomputed ``trend`` / ``summary`` / ``gaps`` frame each rule reads
_WIN_TREND_COLUMNS = ("couple_id", "partner", "week", "score", "rolling_mean", "rolling_n")
_FLAG_TREND_COLUMNS = ("couple_id", "partner", "week", "measure", "score", "weeks_since_first")
_FLAG_SUMMARY_COLUMNS = (
    "couple_id",
    "partner",
    "measure",
    "first_date",
    "last_date",
    "change",
    "end_weeks",
    "first_month_mean",
    "latest_month_mean",
    "rc_points",
    "error_sd",
    "rci",
    "slope_per_month",
)
_FLAG_GAP_COLUMNS = (
    "couple_id",
    "partner_a",
    "partner_b",
    "measure",
    "n_weeks",
    "first_week",
    "last_week",
    "slope_per_month",
    "mk_tau",
    "mk_p",
    "mean_abs_gap",
    "diverging",
)


def _check_positive(name: str, value: object, *, integer: bool = True) -> None:
    ok = isinstance(value, int | np.integer) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value <= 0:
        kind = "a positive whole number" if integer else "a positive number"
        raise ValueError(f"The value for `{name}` must be {kind}, but {value!r} was passed.")


# --------------------------------------------------------------------------------------------
# Small wins
# --------------------------------------------------------------------------------------------


def _still_logging(wins: pd.DataFrame, triggers: pd.DataFrame, stopped_days: int) -> np.ndarray:
    """Which rows of ``wins`` to keep: every row but a calm streak (:data:`STREAK_KINDS`) whose
    ``end`` is more than ``stopped_days`` days after the day of its partner's latest trigger.

    One pass per couple and partner (a group-by and a join, no loop over rows); a partner
    without a trigger keeps no streak (:func:`small_wins` finds none for them anyway).
    """
    keys = ["couple_id", "partner"]
    streak = wins["kind"].isin(STREAK_KINDS).to_numpy(dtype=bool)
    latest = triggers.groupby(keys, observed=True)["timestamp"].max().dt.normalize()
    at = pd.MultiIndex.from_frame(wins[keys].astype(object))
    last = latest.reindex(at).to_numpy()
    gap = (wins["end"].to_numpy() - last) / np.timedelta64(1, "D")
    return ~streak | (gap <= stopped_days)  # NaN (no trigger, no end) compares False


def _trigger_weeks(
    checkins: pd.DataFrame, triggers: pd.DataFrame, major: int, as_of: pd.Timestamp | None
) -> pd.DataFrame:
    """One row per partner-with-triggers and calendar week of their span: ``major``, ``gap``.

    ``gap`` marks the weeks of a run of more than :data:`UNLOGGED_WEEKS` weeks without a
    check-in or trigger of the partner (the weeks after ``as_of``'s last record included).
    """
    trig = triggers.loc[:, ["couple_id", "partner", "timestamp", "intensity"]]
    trig = trig.assign(week=schemas.week_start(trig["timestamp"]))
    first_trig = trig.groupby(["couple_id", "partner"])["week"].min()
    chk_week = schemas.week_start(checkins["date"])
    first_chk = chk_week.groupby([checkins["couple_id"], checkins["partner"]]).min()
    first_chk = first_chk.rename_axis(["couple_id", "partner"])
    first = pd.concat([first_trig, first_chk.reindex(first_trig.index)], axis=1).min(axis=1)
    if as_of is None:
        # each partner's own latest record: weeks after someone stopped logging are unknown
        last_chk = chk_week.groupby([checkins["couple_id"], checkins["partner"]]).max()
        last_chk = last_chk.rename_axis(["couple_id", "partner"]).reindex(first.index)
        last_trig = trig.groupby(["couple_id", "partner"])["week"].max()
        last = pd.concat([last_trig, last_chk], axis=1).max(axis=1).to_numpy()
    else:
        as_of_week = pd.Timestamp(as_of).to_period(schemas.WEEK_FREQ).start_time
        last = np.full(len(first), np.datetime64(as_of_week, "ns"))
    spans = pd.DataFrame({"first": first.to_numpy(), "last": last}, index=first.index)
    spans = spans.loc[spans["last"] >= spans["first"]]
    n = ((spans["last"] - spans["first"]) // _WEEK).astype(int) + 1
    grid = spans.loc[spans.index.repeat(n)].reset_index()
    offset = grid.groupby(["couple_id", "partner"]).cumcount()
    grid["week"] = grid["first"] + pd.to_timedelta(offset * 7, unit="D")
    major_weeks = (
        trig.loc[trig["intensity"].fillna(0) >= major, ["couple_id", "partner", "week"]]
        .drop_duplicates()
        .assign(major=True)
    )
    grid = grid.merge(major_weeks, on=["couple_id", "partner", "week"], how="left")
    grid["major"] = grid["major"].fillna(False).astype(bool)
    # weeks with a record of the partner (a check-in or a trigger): a run of more than
    # UNLOGGED_WEEKS weeks without one is a gap, no calm weeks
    logged_weeks = pd.concat(
        [
            trig[["couple_id", "partner", "week"]],
            pd.DataFrame(
                {
                    "couple_id": checkins["couple_id"],
                    "partner": checkins["partner"],
                    "week": chk_week,
                }
            ),
        ]
    ).drop_duplicates()
    grid = grid.merge(
        logged_weeks.assign(logged=True), on=["couple_id", "partner", "week"], how="left"
    )
    logged = grid["logged"].fillna(False).astype(bool)
    new_series = _new_series(grid)
    stretch = ((logged != logged.shift()) | new_series).cumsum()
    length = stretch.map(stretch.value_counts())
    grid["gap"] = ~logged & (length > UNLOGGED_WEEKS)
    return grid[["couple_id", "partner", "week", "major", "gap"]]


def _first_whole_week(since: pd.Timestamp | None) -> pd.Timestamp | None:
    """The Monday of the first calendar week that starts on or after ``since`` (None stays
    None): the week of ``since`` when it is a Monday, else the next one."""
    if since is None:
        return None
    week = since.to_period(schemas.WEEK_FREQ).start_time
    return week if week >= since else week + _WEEK


def _since_table(
    since: object, since_words: object, checkins: pd.DataFrame, triggers: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The date each couple's small wins are found since, by couple id (None: none has one).

    Columns: ``since`` (the date, midnight), ``from_week`` (its first whole week,
    :func:`_first_whole_week`), ``exact`` (that week starts on ``since``: a Monday), ``what``
    (``since`` in words: ``since_words``, else the date) and ``named`` (``since_words`` gave
    them).  A date for every couple, or a Series of dates by couple id (missing or NaT: that
    couple's whole logs).
    """
    words_error = (
        "The value for `since_words` must be words such as 'the repeat betrayal' (or, with a "
        "Series of dates, a Series of such words by couple id), but {!r} was passed."
    )
    if since is None:
        if since_words is not None:
            raise ValueError("The value for `since_words` names `since`: pass `since` with it.")
        return None
    if isinstance(since, pd.Series):
        try:
            dates = pd.to_datetime(since, errors="raise")
        except (TypeError, ValueError):
            raise ValueError(
                "The value for `since` must be a date such as '2025-03-01', or a Series of "
                f"dates by couple id, but a Series holding {since.tolist()[:3]!r}... was passed."
            ) from None
        if dates.dt.tz is not None:
            dates = dates.dt.tz_localize(None)
        dates = dates.dt.normalize().dropna()
        dates.index = dates.index.astype(str)
        if dates.index.has_duplicates:
            raise ValueError(
                "The value for `since` must hold one date per couple id, but "
                f"{dates.index[dates.index.duplicated()][0]!r} has more than one."
            )
    else:
        stamp = _parse_since(since)
        seen = [checkins["couple_id"]] + ([] if triggers is None else [triggers["couple_id"]])
        ids = pd.Index(pd.concat([pd.Series(pd.unique(c.astype(object))) for c in seen]))
        dates = pd.Series(stamp, index=ids.unique().astype(str), dtype="datetime64[ns]")
    if isinstance(since_words, pd.Series) and isinstance(since, pd.Series):
        words = since_words.copy()
        words.index = words.index.astype(str)
        words = words.reindex(dates.index)
    elif since_words is None or isinstance(since_words, str):
        words = pd.Series(since_words, index=dates.index, dtype=object)
    else:
        raise ValueError(words_error.format(since_words))
    given = words.notna()
    bad = given & ~words.map(lambda w: isinstance(w, str) and bool(w.strip()))
    if bad.any():
        raise ValueError(words_error.format(words.loc[bad].iloc[0]))
    week = dates.dt.to_period(schemas.WEEK_FREQ).dt.start_time.astype("datetime64[ns]")
    from_week = week.where(week >= dates, week + _WEEK)
    return pd.DataFrame(
        {
            "since": dates.astype("datetime64[ns]"),
            "from_week": from_week,
            "exact": from_week == dates,
            "what": words.where(given, _day(dates)).astype(object),
            "named": given,
        }
    )


def _at(news: pd.DataFrame, column: str, rows: pd.DataFrame, fill: object = None) -> np.ndarray:
    """``news[column]`` for each row of ``rows`` by its couple id; ``fill`` (default NaT) for a
    couple ``news`` does not hold."""
    values = news[column].to_numpy()
    values = np.append(values, np.array([np.datetime64("NaT") if fill is None else fill]))
    if values.dtype.kind == "M":
        values = values.astype("datetime64[ns]")
    cids = rows["couple_id"]
    if isinstance(cids.dtype, pd.CategoricalDtype):  # each distinct id looked up once
        codes, distinct = cids.cat.codes.to_numpy(), cids.cat.categories
    else:
        codes, distinct = pd.factorize(cids)
    pos = np.append(news.index.get_indexer(pd.Index(distinct).astype(str)), -1)
    return values[pos[codes]]  # a missing id (code -1) and an unknown one pick ``fill``


def _blank(rows: pd.DataFrame) -> pd.Series:
    return pd.Series("", index=rows.index, dtype="str")


def _new_series(grid: pd.DataFrame) -> pd.Series:
    """True on each row of the week grid (sorted by couple, partner, week) that starts a
    partner's weeks."""
    return (grid["couple_id"] != grid["couple_id"].shift()) | (
        grid["partner"] != grid["partner"].shift()
    )


def _calm_runs(grid: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive calm weeks (neither major nor gap): couple_id, partner, start, end,
    weeks, current."""
    new_series = _new_series(grid)
    # a week is major, a gap (weeks nobody logged) or calm: a run of calm weeks ends at either
    state = np.select([grid["major"], grid["gap"]], [1, 2], 0)
    state = pd.Series(state, index=grid.index)
    run = ((state != state.shift()) | new_series).cumsum()
    is_last = new_series.shift(-1, fill_value=True)
    calm = grid.assign(run=run, is_last=is_last).loc[state == 0]
    return (
        calm.groupby("run")
        .agg(
            couple_id=("couple_id", "first"),
            partner=("partner", "first"),
            start=("week", "min"),
            end=("week", "max"),
            weeks=("week", "size"),
            current=("is_last", "any"),
        )
        .reset_index(drop=True)
    )


def small_wins(
    checkins: pd.DataFrame,
    triggers: pd.DataFrame | None = None,
    *,
    measure: str = "connection",
    good_level: float = schemas.GOOD_LEVEL,
    major: int = schemas.MAJOR_TRIGGER_INTENSITY,
    window: int = 4,
    min_weeks: int = 3,
    as_of: str | pd.Timestamp | None = None,
    trend: pd.DataFrame | None = None,
    since: str | pd.Timestamp | None = None,
    since_words: str | None = None,
    stopped_days: int | None = STOPPED_DAYS,
) -> pd.DataFrame:
    """Small wins of each partner, each with the evidence that supports it.

    The rules, exactly:

    ``weeks_without_major_trigger`` (current calm streak)
        A *major* trigger has ``intensity >= major``.  A partner's trigger weeks run from the
        week of their first record (check-in or trigger) to the week of ``as_of`` (default: the
        partner's own latest check-in or trigger, so a partner who stopped logging is not
        credited with the weeks after).  The win counts the calendar weeks since the last
        week with a major trigger, up to and including the ``as_of`` week (a partner with no
        major trigger at all counts every week of the span).  Weeks nobody logged are no calm
        weeks: a run of more than :data:`UNLOGGED_WEEKS` calendar weeks without a check-in or a
        trigger of the partner breaks the streak and counts toward none (a shorter one, a missed
        check-in or two, counts, as before); when the ``as_of`` week ends such a run there is no
        current streak.  Reported when at least 1; ``start`` is the first calm week, ``end``
        and ``date`` the ``as_of`` week.  Only partners with at
        least one trigger logged are considered (someone who does not use the trigger log has
        no calm weeks to celebrate); nothing is reported when ``triggers`` is None.
    ``longest_calm_streak``
        The longest run of consecutive calendar weeks of that span without a major trigger
        and without a run of unlogged weeks as above (the earliest one on a tie); ``start`` and
        ``end`` are its first and last weeks, ``date`` = ``end``.  Reported when the partner had
        at least one major trigger or such a run of unlogged weeks, and that run is over; when
        the current streak is the longest, the current streak's evidence says so ("their
        longest stretch so far") instead of a second row, and when it is as long as this
        earlier one, "as long as their longest stretch before".
    not logging is not a win (both streaks)
        A streak is kept only when the partner's latest trigger (of any intensity; its day) is
        at most ``stopped_days`` (default :data:`STOPPED_DAYS`, 28) days before the Monday of
        the streak's last week: weeks after someone stopped logging triggers may be weeks
        without logging, not weeks without triggers (the check-ins may go on).  The other rows
        are as they are (a current streak left out still makes an earlier one "their longest
        stretch"); ``stopped_days=None`` keeps every streak.  The couple's review
        (:func:`trustdata.review.review`) and the cohort pipeline read this default.
    ``first_good_month``
        The first week whose trailing four-week mean (``rolling_mean`` of
        :func:`trustdata.trends.weekly_trend` with ``window`` weeks: the mean of the weekly
        scores of that week and the ``window - 1`` weeks before it) reaches ``good_level``,
        counted only when that window holds at least ``min_weeks`` weekly scores.  ``value`` is
        the mean; ``start`` and ``end`` = ``date`` are the first and last weeks with a score in
        that window (the weeks the mean is over: the window may run back before the partner's
        first check-in or end on a missed week), and the evidence names them and the count.
    ``best_week``
        The partner's highest weekly score (the mean of that week's check-ins); when several
        weeks share it, the most recent one, and the evidence says so ("last reached in the
        week of ...") and how often it was reached ("4 times so far"; with ``since``, "4 times
        since the repeat betrayal").
        ``start`` = ``end`` = ``date`` = that week.

    Weeks are labelled by their Monday (:func:`trustdata.schemas.week_start`).

    With ``since`` (e.g. the date of hard news such as a repeat betrayal) every win is found
    again on the records from then on, as though nothing had been logged before: the check-ins
    and triggers of the calendar weeks that start on or after ``since`` (the first counted week
    is the week of ``since`` when it is a Monday, else the next one: the week of the news itself
    holds records from before it).  So the streaks, the first good month and the best week
    rest only on those weeks, and the evidence says so: "... since the repeat betrayal" in
    place of "so far" (``since_words``; default the date in words).  ``since`` may also be a
    date per couple (a Series by couple id, with ``since_words`` a Series likewise): each
    couple's wins as the call on that couple alone with its date gives them, in one pass; a
    couple without a date keeps its whole logs.  :func:`latest_hard_news` gives the dates
    and words the couple's review uses (``trustdata.pipeline`` reads them so).

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (any number of couples).  Not modified.
    triggers : pandas.DataFrame, optional
        Validated triggers.  Not modified.  Without them only the score-based wins are found.
    measure : str, default "connection"
        The score the score-based wins use (any of :data:`trustdata.schemas.SCORE_COLUMNS`).
    good_level : float, default :data:`trustdata.schemas.GOOD_LEVEL`
        The four-week mean that counts as a good month.
    major : int, default :data:`trustdata.schemas.MAJOR_TRIGGER_INTENSITY`
        The intensity from which a trigger is major.
    window : int, default 4
        Weeks in the "month" of ``first_good_month``.
    min_weeks : int, default 3
        Weekly scores the window needs for ``first_good_month``.
    as_of : date-like, optional
        The "now" of the calm streak (default: each partner's latest check-in or trigger).
    trend : pandas.DataFrame, optional
        ``weekly_trend(checkins, measure=measure, window=window)`` (any ``band``, with or
        without events) when the caller already holds it: it is used instead of computing it
        again, and the result is the same.  It is not checked against ``checkins`` beyond its
        columns and measure: pass the trend of these check-ins (with ``since``, of the check-ins
        from the first counted week on: a trend holding an earlier week is refused).
    since : date-like or pandas.Series, optional
        Find the wins on the weeks from this date on only (see above); a Series of dates by
        couple id gives each couple its own (missing or NaT: the whole logs).
    since_words : str or pandas.Series, optional
        What ``since`` is, as the evidence names it after "since" (``"the repeat betrayal"``);
        default the date in words ("6 July 2024").  Only with ``since``; a Series (by couple
        id) only with a Series ``since``.
    stopped_days : int or None, default :data:`STOPPED_DAYS`
        Days from a partner's latest trigger after which their calm streaks are not kept (see
        "not logging is not a win" above); None keeps every streak.

    Returns
    -------
    pandas.DataFrame
        One row per finding, sorted by couple, partner and kind (in :data:`SMALL_WIN_KINDS`
        order); the same columns whatever the options.

        - ``couple_id`` (str), ``partner`` (str)
        - ``kind`` (str): one of :data:`SMALL_WIN_KINDS`.
        - ``date`` (datetime64[ns]): the Monday of the week the win is dated to.
        - ``value`` (float64): weeks for the two streaks, the score for the other two.
        - ``start``, ``end`` (datetime64[ns]): Mondays of the first and last week it rests on.
        - ``evidence`` (str): a plain-language sentence with the numbers.

    Raises
    ------
    ValueError
        When an option is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", {"couple_id": "c1", "partner": "A",
    ...     "date": pd.date_range("2025-01-06", periods=6, freq="7D"),
    ...     "connection": [4, 5, 7, 8, 7, 6]})
    >>> tr = as_table("triggers", [{"couple_id": "c1", "partner": "A",
    ...     "timestamp": "2025-01-14 20:00", "category": "location", "intensity": 8}])
    >>> wins = small_wins(ci, tr)
    >>> wins[["kind", "value"]].values.tolist()
    [['weeks_without_major_trigger', 4.0], ['first_good_month', 7.0], ['best_week', 8.0]]
    >>> print(wins["evidence"].iloc[0])
    A has gone 4 weeks without a major trigger (intensity 7 or more), since the week of \
20 January 2025; their longest stretch so far.
    >>> later = small_wins(ci, tr, since="2025-01-27", since_words="the repeat betrayal")
    >>> print(later.loc[later["kind"] == "best_week", "evidence"].iloc[0])
    A's best week since the repeat betrayal: a connection score of 8.0 in the week of \
27 January 2025.
    >>> by_couple = small_wins(ci, tr, since=pd.Series({"c1": pd.Timestamp("2025-01-27")}),
    ...                        since_words=pd.Series({"c1": "the repeat betrayal"}))
    >>> by_couple.equals(later)
    True
    """
    _check_measure(measure)
    _check_positive("window", window)
    _check_positive("min_weeks", min_weeks)
    _check_positive("major", major)
    _check_positive("good_level", good_level, integer=False)
    if min_weeks > window:
        raise ValueError(
            f"The value for `min_weeks` must be at most `window` ({window}), "
            f"but {min_weeks!r} was passed."
        )
    if stopped_days is not None and (
        isinstance(stopped_days, bool)
        or not isinstance(stopped_days, int | np.integer)
        or stopped_days < 0
    ):
        raise ValueError(
            "The value for `stopped_days` must be a whole number 0 or more, or None, "
            f"but {stopped_days!r} was passed."
        )
    news = _since_table(since, since_words, checkins, triggers)  # None: the whole logs
    if news is not None:  # every win rests on the weeks from `since` on: the records before
        # are left out (a couple without a date keeps them all: NaT is never later); only the
        # columns the rules read are copied
        read = ["couple_id", "partner", "date", *([measure] if measure in checkins else [])]
        keep = ~(checkins["date"].to_numpy() < _at(news, "from_week", checkins))
        checkins = checkins.loc[keep, read]
        if triggers is not None:
            keep = ~(triggers["timestamp"].to_numpy() < _at(news, "from_week", triggers))
            triggers = triggers.loc[keep, ["couple_id", "partner", "timestamp", "intensity"]]

    def since_of(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Series]:
        """For the couples of ``rows``: whether their wins are found since a date, that first
        counted week, and what the date is in words ("" where the whole logs are used)."""
        if news is None:
            return np.zeros(len(rows), bool), np.full(len(rows), pd.NaT), _blank(rows)
        week = _at(news, "from_week", rows)
        what = pd.Series(_at(news, "what", rows, ""), index=rows.index, dtype="str")
        return ~pd.isna(week), week, what

    def so_far(rows: pd.DataFrame, whole: str = " so far") -> pd.Series:
        """``whole`` (" so far") for the wins on the whole logs, " since <what>" for the rest."""
        has, _, what = since_of(rows)
        return pd.Series(np.where(has, " since " + what, whole), index=rows.index, dtype="str")

    parts: list[pd.DataFrame] = []

    if triggers is not None and len(triggers):
        grid = _trigger_weeks(checkins, triggers, major, None if as_of is None else as_of)
        runs = _calm_runs(grid)
        keys = ["couple_id", "partner"]
        had_major = grid.groupby(keys)["major"].any().rename("had_major")
        # a streak cut by weeks nobody logged is over too: the longest may be an earlier one
        broken = (grid["major"] | grid["gap"]).groupby([grid[k] for k in keys]).any()
        first_week = grid.groupby(keys)["week"].min().rename("first_week")
        runs = runs.join(had_major, on=keys).join(broken.rename("broken"), on=keys)
        runs = runs.join(first_week, on=keys)
        longest = (
            runs.loc[runs["broken"]]
            .sort_values(["couple_id", "partner", "weeks", "start"], ascending=[1, 1, 0, 1])
            .drop_duplicates(["couple_id", "partner"])
        )
        current = runs.loc[runs["current"]]
        if len(current):
            has, from_week, what = since_of(current)
            from_start = ~current["had_major"] & (current["start"] == current["first_week"])
            said = "since the week of " + _day(current["start"])
            # on the whole logs, a streak from the partner's first week says so; since a date,
            # a streak from the first counted week on names it: the week of the news, when it
            # is a whole week (the news on a Monday), else the next
            if news is not None:
                exact = _at(news, "exact", current, False).astype(bool)
                named = _at(news, "named", current, False).astype(bool)
                which = np.where(
                    exact,
                    np.where(named, ", the week of " + what, ""),
                    ", the first whole week after " + what,
                )
                said = said.where(~has | (current["start"].to_numpy() != from_week), said + which)
            said = said.where(
                has | ~from_start,
                "since they started logging (week of " + _day(current["start"]) + ")",
            )
            # on a tie the earliest run is the longest: the current one is as long, not shorter
            best = longest.set_index(["couple_id", "partner"])["weeks"]
            ties = pd.MultiIndex.from_frame(current[["couple_id", "partner"]]).map(best.get)
            tied = ~current.index.isin(longest.index) & (current["weeks"].to_numpy() == ties)
            said = said + np.select(
                [current.index.isin(longest.index), tied],
                [
                    "; their longest stretch" + so_far(current),
                    "; as long as their longest stretch before",
                ],
                "",
            )
            parts.append(
                _frame(
                    SMALL_WIN_COLUMNS,
                    {
                        "couple_id": current["couple_id"],
                        "partner": current["partner"],
                        "kind": ["weeks_without_major_trigger"] * len(current),
                        "date": current["end"],
                        "value": current["weeks"],
                        "start": current["start"],
                        "end": current["end"],
                        "evidence": current["partner"]
                        + " has gone "
                        + _plural(current["weeks"], "week")
                        + f" without a major trigger (intensity {major} or more), "
                        + said
                        + ".",
                    },
                )
            )
        longest = longest.loc[~longest["current"]]
        if len(longest):
            parts.append(
                _frame(
                    SMALL_WIN_COLUMNS,
                    {
                        "couple_id": longest["couple_id"],
                        "partner": longest["partner"],
                        "kind": ["longest_calm_streak"] * len(longest),
                        "date": longest["end"],
                        "value": longest["weeks"],
                        "start": longest["start"],
                        "end": longest["end"],
                        "evidence": longest["partner"]
                        + "'s longest stretch without a major trigger"
                        + so_far(longest, "")
                        + ": "
                        + _plural(longest["weeks"], "week")
                        + " in a row, weeks of "
                        + _day(longest["start"])
                        + " to "
                        + _day(longest["end"])
                        + ".",
                    },
                )
            )

    if len(checkins):
        if trend is None:
            from trustdata.trends import weekly_trend

            trend = weekly_trend(checkins, measure=measure, window=window, band="none")
        else:
            trend = _given(trend, "trend", _WIN_TREND_COLUMNS, measure)
            if news is not None and len(trend):
                early = trend["week"] < _at(news, "from_week", trend)
                if early.any():
                    first = trend.loc[early].sort_values("week").iloc[:1]
                    from_week = pd.Timestamp(_at(news, "from_week", first)[0])
                    raise ValueError(
                        "The `trend` frame must be the trend of the check-ins from `since` on "
                        f"(the weeks of {day(from_week)} and later), but it holds the week of "
                        f"{day(first['week'].iloc[0])}."
                    )
        good = trend.loc[(trend["rolling_n"] >= min_weeks) & (trend["rolling_mean"] >= good_level)]
        good = good.drop_duplicates(["couple_id", "partner"])  # sorted by week: the first
        if len(good):
            # the weeks the mean is over: the scored weeks of the window (it may run back
            # before the partner's first check-in, hold a missed week, or end on one)
            keys = ["couple_id", "partner"]
            scored_weeks = trend.loc[trend["score"].notna(), [*keys, "week"]]
            inside = scored_weeks.merge(good[[*keys, "week"]], on=keys, suffixes=("", "_to"))
            inside = inside.loc[
                (inside["week"] <= inside["week_to"])
                & (inside["week"] > inside["week_to"] - window * _WEEK)
            ]
            span = inside.groupby(keys)["week"].agg(["min", "max"])
            good = good.join(span, on=keys)
            n = good["rolling_n"].astype(int)
            weeks = ((good["max"] - good["min"]) // _WEEK).astype(int) + 1
            missed = weeks - n
            spanned = np.where(
                n == 1,
                " over 1 weekly score, in the week of " + _day(good["min"]),
                np.where(
                    missed == 0, " over the ", " over " + _plural(n, "weekly score") + " in the "
                )
                + _plural(weeks, "week")
                + " from the week of "
                + _day(good["min"])
                + " to the week of "
                + _day(good["max"])
                + np.where(
                    missed == 0, "", " (" + _plural(missed, "week") + " without a check-in)"
                ),
            )
            parts.append(
                _frame(
                    SMALL_WIN_COLUMNS,
                    {
                        "couple_id": good["couple_id"],
                        "partner": good["partner"],
                        "kind": ["first_good_month"] * len(good),
                        "date": good["max"],
                        "value": good["rolling_mean"],
                        "start": good["min"],
                        "end": good["max"],
                        "evidence": good["partner"]
                        + "'s first good month"
                        + so_far(good, "")
                        + f": the {measure} score averaged "
                        + _fmt(good["rolling_mean"])
                        + spanned
                        + f" (a good level is {good_level:g} or more).",
                    },
                )
            )
        scored = trend.loc[trend["score"].notna()]
        top = scored.groupby(["couple_id", "partner"])["score"].transform("max")
        best_all = scored.loc[scored["score"] == top]
        times = best_all.groupby(["couple_id", "partner"])["week"].transform("size")
        best = best_all.assign(times=times).drop_duplicates(["couple_id", "partner"], keep="last")
        if len(best):
            # the week named is the latest of the ties: say so (a line more would push
            # couple-04's therapist PDF to a fifth page); the count names what it counts from
            # ("since the repeat betrayal"), never "since then", whose nearest antecedent is
            # the week just named: "(22 times since then)" after the latest of 22 weeks
            many = best["times"] > 1
            said = np.where(many, ", last reached in the week of ", " in the week of ")
            again = np.where(many, " (" + _plural(best["times"], "time") + so_far(best) + ").", ".")
            parts.append(
                _frame(
                    SMALL_WIN_COLUMNS,
                    {
                        "couple_id": best["couple_id"],
                        "partner": best["partner"],
                        "kind": ["best_week"] * len(best),
                        "date": best["week"],
                        "value": best["score"],
                        "start": best["week"],
                        "end": best["week"],
                        "evidence": best["partner"]
                        + "'s best week"
                        + so_far(best)
                        + f": a {measure} score of "
                        + _fmt(best["score"])
                        + said
                        + _day(best["week"])
                        + again,
                    },
                )
            )

    if not parts:
        return _frame(SMALL_WIN_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    if stopped_days is not None and triggers is not None:
        out = out.loc[_still_logging(out, triggers, stopped_days)]
    order = out["kind"].map({k: i for i, k in enumerate(SMALL_WIN_KINDS)})
    out = out.assign(_o=order).sort_values(["couple_id", "partner", "_o"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Hard news
# --------------------------------------------------------------------------------------------


def hard_news(events: pd.DataFrame) -> pd.DataFrame:
    """The events that are hard news during the recovery, oldest first within each couple.

    An event of a kind in :data:`HARD_NEWS_KINDS` dated on or after its couple's anchor (the
    earliest ``discovery``, else the earliest ``disclosure``); a couple without an anchor event
    keeps all of its hard news.  Events on one date keep the order they were logged in.

    Parameters
    ----------
    events : pandas.DataFrame
        Validated events (any number of couples).  Not modified.

    Returns
    -------
    pandas.DataFrame
        The hard-news rows of ``events`` (its columns), sorted by couple and date.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [
    ...     {"couple_id": "c1", "date": "2024-12-01", "kind": "separation"},
    ...     {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
    ...     {"couple_id": "c1", "date": "2025-03-03", "kind": "repeat_betrayal"}])
    >>> hard_news(ev)["kind"].astype(str).tolist()
    ['repeat_betrayal']
    """
    _require(events, ["couple_id", "date", "kind"], "events")
    kinds = events["kind"].astype(object).astype(str)
    news = events.loc[kinds.isin(HARD_NEWS_KINDS)]
    anchor = _anchor(events).reindex(news["couple_id"].astype(object)).to_numpy()
    news = news.loc[~(news["date"].to_numpy() < anchor)]  # no anchor (NaT): all of it
    return news.sort_values(["couple_id", "date"], kind="stable")


def latest_hard_news(events: pd.DataFrame) -> pd.DataFrame:
    """Each couple's latest hard news (:func:`hard_news`): the date its small wins count from.

    On a date with more than one, the one logged last names it.

    Parameters
    ----------
    events : pandas.DataFrame
        Validated events (any number of couples).  Not modified.

    Returns
    -------
    pandas.DataFrame
        One row per couple with hard news, sorted by couple:

        - ``couple_id`` (str)
        - ``date`` (datetime64[ns]): the date of the latest hard news.
        - ``kind`` (str): its kind, one of :data:`HARD_NEWS_KINDS`.
        - ``since_words`` (str): what it is in the small wins' evidence
          (:data:`HARD_NEWS_SINCE`: ``"the repeat betrayal"``).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [
    ...     {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
    ...     {"couple_id": "c1", "date": "2025-02-03", "kind": "new_information"},
    ...     {"couple_id": "c1", "date": "2025-03-03", "kind": "repeat_betrayal"}])
    >>> latest_hard_news(ev)[["date", "since_words"]].values.tolist()
    [[Timestamp('2025-03-03 00:00:00'), 'the repeat betrayal']]
    """
    news = hard_news(events)
    last = news.drop_duplicates("couple_id", keep="last")
    kind = last["kind"].astype(object).astype(str)
    return pd.DataFrame(
        {
            "couple_id": last["couple_id"].astype(object).astype(str),
            "date": last["date"].astype("datetime64[ns]"),
            "kind": kind,
            "since_words": kind.map(HARD_NEWS_SINCE),
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Red flags
# --------------------------------------------------------------------------------------------


def _anchor(events: pd.DataFrame) -> pd.Series:
    """Each couple's anchor date: earliest ``discovery``, else earliest ``disclosure``."""
    kinds = events["kind"].astype(object)
    anchors = []
    for kind in schemas.ANCHOR_EVENT_KINDS:  # a loop over 2 kinds, not over couples
        anchors.append(events.loc[kinds == kind].groupby("couple_id")["date"].min())
    out = anchors[0]
    for other in anchors[1:]:
        out = out.combine_first(other)
    return out


def _anchor_kind(events: pd.DataFrame) -> pd.Series:
    """The kind of each couple's anchor (:func:`_anchor`): ``discovery`` when it has one."""
    kinds = events["kind"].astype(object)
    has = kinds.isin(schemas.ANCHOR_EVENT_KINDS)
    first = (
        kinds.loc[has]
        .groupby(events.loc[has, "couple_id"])
        .agg(lambda k: next(a for a in schemas.ANCHOR_EVENT_KINDS if (k == a).any()))
    )
    return first.astype(object)


#: How an event flag's sentence (and the six-month flag's, for the events before it) opens.
_EVENT_PHRASES: dict[str, str] = {
    "abuse": "An abuse event was recorded on ",
    "new_information": "New information came out on ",
    "repeat_betrayal": "A repeat betrayal was recorded on ",
}


def _event_flags(events: pd.DataFrame) -> pd.DataFrame:
    kinds = events["kind"].astype(object)
    anchor = _anchor(events).reindex(events["couple_id"]).to_numpy()
    anchor_kind = _anchor_kind(events).reindex(events["couple_id"]).to_numpy()
    after = pd.isna(anchor) | (events["date"].to_numpy() >= anchor)
    abuse = kinds == "abuse"
    recovery = kinds.isin(["new_information", "repeat_betrayal"]) & after
    picked = events.loc[abuse | recovery]
    flag = picked["kind"].astype(object)
    what = flag.map(_EVENT_PHRASES)
    who = np.where(picked["partner"].isna(), "", " (partner " + picked["partner"].fillna("") + ")")
    evidence = what + _day(picked["date"]) + who + "."
    anchor_p = pd.Series(anchor, index=events.index).loc[picked.index]
    anchor_k = pd.Series(anchor_kind, index=events.index).loc[picked.index].fillna("")
    evidence = evidence.where(
        (flag == "abuse") | anchor_p.isna(),
        evidence.str[:-1]
        + ", "
        + _plural((picked["date"] - anchor_p).dt.days // 7, "week")
        + " after the "
        + anchor_k
        + ".",
    )
    return _frame(
        RED_FLAG_COLUMNS,
        {
            "couple_id": picked["couple_id"],
            "partner": picked["partner"],
            "flag": flag,
            "severity": flag.map(FLAG_SEVERITY),
            "date": picked["date"],
            "evidence": evidence,
            "message": flag.map(FLAG_MESSAGES),
        },
    )


def _hard_events_before(
    hit: pd.DataFrame, events: pd.DataFrame | None, month_weeks: int, lo: int, hi: int
) -> pd.Series:
    """Per six-month flag, the hard events between the two compared windows, in words.

    An event of a kind in :data:`_EVENT_PHRASES` (abuse, new information, a repeat betrayal) of
    the couple, on or after the end of the first ``month_weeks`` weeks and before the end of
    weeks ``lo + 1`` to ``hi``: "A repeat betrayal was recorded on 6 July 2024, 2 weeks before
    week 25." (or "..., in week 26." inside them), oldest first;
    "" when there is none.
    """
    out = pd.Series("", index=hit.index, dtype="str")
    if events is None or not len(events) or not len(hit):
        return out
    kinds = events["kind"].astype(object)
    hard = events.loc[kinds.isin(list(_EVENT_PHRASES)), ["couple_id", "date", "kind"]]
    if hard.empty:
        return out
    week = pd.Timedelta(weeks=1)
    windows = pd.DataFrame(
        {
            "_flag": hit.index,
            "couple_id": hit["couple_id"].to_numpy(),
            "first_week": hit["first_week"].to_numpy(),
        }
    )
    both = windows.merge(hard.assign(couple_id=hard["couple_id"].astype(str)), on="couple_id")
    begin = both["first_week"] + lo * week
    both = both.loc[
        (both["date"] >= both["first_week"] + month_weeks * week)
        & (both["date"] < both["first_week"] + hi * week)
    ].sort_values(["_flag", "date"], kind="stable")
    if both.empty:
        return out
    begin = begin.loc[both.index]
    before = (begin - both["date"]).dt.days
    gap = pd.Series(
        np.where(before >= 14, _plural(before // 7, "week"), _plural(before, "day")),
        index=both.index,
    )
    number = (schemas.week_start(both["date"]) - both["first_week"]).dt.days // 7 + 1
    text = (
        both["kind"].astype(object).map(_EVENT_PHRASES)
        + _day(both["date"])
        + pd.Series(
            np.where(
                before > 0,
                ", " + gap + " before week " + str(lo + 1) + ".",
                ", in week " + number.astype(str) + ".",
            ),
            index=both.index,
        )
    )
    joined = text.groupby(both["_flag"], sort=False).agg(" ".join)
    out.loc[joined.index] = joined.to_numpy()
    return out


def _worse_after_6_months(
    trend: pd.DataFrame, month_weeks: int, min_drop: float, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    six = round(6 * schemas.DAYS_PER_MONTH / 7)  # 26 weeks
    lo, hi = six - month_weeks // 2, six - month_weeks // 2 + month_weeks
    wsf = trend["weeks_since_first"]
    first = trend.loc[wsf < month_weeks]
    around = trend.loc[(wsf >= lo) & (wsf < hi)]
    keys = ["couple_id", "partner"]
    a = first.groupby(keys).agg(
        first_mean=("score", "mean"),
        first_n=("score", "count"),
        first_week=("week", "min"),  # weeks_since_first 0: the partner's first week
    )
    b = around.groupby(keys).agg(
        six_mean=("score", "mean"), six_n=("score", "count"), six_week=("week", "max")
    )
    both = a.join(b, how="inner").reset_index()
    drop = both["first_mean"] - both["six_mean"]
    hit = both.loc[(both["first_n"] >= 2) & (both["six_n"] >= 2) & (drop >= min_drop)]
    six_text, first_text, lower = _ends(hit["six_mean"], hit["first_mean"])
    evidence = (
        hit["partner"]
        + ": mean "
        + trend["measure"].iloc[0]
        + " score "
        + first_text
        + f" in the first {month_weeks} weeks, "
        + six_text
        + f" in weeks {lo + 1}-{hi} (around six months in), "
        + lower
        + " points lower."
    )
    # the hard news between the compared weeks, which the therapist weighs with the drop
    news = _hard_events_before(hit, events, month_weeks, lo, hi)
    evidence = evidence + np.where(news != "", " " + news, "")
    return _frame(
        RED_FLAG_COLUMNS,
        {
            "couple_id": hit["couple_id"],
            "partner": hit["partner"],
            "flag": ["worse_after_6_months"] * len(hit),
            "severity": [FLAG_SEVERITY["worse_after_6_months"]] * len(hit),
            "date": hit["six_week"],
            "evidence": evidence,
            "message": [FLAG_MESSAGES["worse_after_6_months"]] * len(hit),
        },
    )


def _no_reliable_improvement(summary: pd.DataFrame) -> pd.DataFrame:
    span = (summary["last_date"] - summary["first_date"]).dt.days / schemas.DAYS_PER_MONTH
    months = np.where(span >= 24, 24, np.where(span >= 12, 12, 0))
    verdict = summary["change"].astype(object)
    hit = summary.assign(months=months).loc[
        (months > 0) & verdict.isin(["no_clear_change", "deteriorated"]).to_numpy()
    ]
    flag = "no_reliable_improvement_" + hit["months"].astype(str) + "m"
    k = hit["end_weeks"].astype(int).astype(str)
    # the printed ends and change agree (the change is latest - first of the summary)
    first_text, latest_text, change = _ends(hit["first_month_mean"], hit["latest_month_mean"])
    evidence = (
        hit["partner"]
        + ": after "
        + (span.loc[hit.index]).astype(int).astype(str)
        + " months of check-ins, the mean "
        + hit["measure"]
        + " score went from "
        + first_text
        + " in the first "
        + k
        + " weeks to "
        + latest_text
        + " in the latest "
        + k
        + " ("
        + change
        + " points; a reliable change needs more than "
        + _fmt(hit["rc_points"], POINTS_DIGITS)
        + " points, as the week-to-week ups and downs are about "
        + _fmt(hit["error_sd"], POINTS_DIGITS)
        + " points; Reliable Change Index "
        + _fmt(hit["rci"], 2)
        + "; slope "
        + _slope(hit["slope_per_month"])
        + ")."
    )
    return _frame(
        RED_FLAG_COLUMNS,
        {
            "couple_id": hit["couple_id"],
            "partner": hit["partner"],
            "flag": flag,
            "severity": flag.map(FLAG_SEVERITY),
            "date": hit["last_date"],
            "evidence": evidence,
            "message": flag.map(FLAG_MESSAGES),
        },
    )


def _diverging(gaps: pd.DataFrame) -> pd.DataFrame:
    """Couples whose absolute weekly gap grows reliably (``dyad.gap_trend``'s ``diverging``)."""
    hit = gaps.loc[gaps["diverging"].astype(bool)]
    evidence = (
        "Over "
        + _plural(hit["n_weeks"], "week")
        + " in which both scored (weeks of "
        + _day(hit["first_week"])
        + " to "
        + _day(hit["last_week"])
        + "), the gap between "
        + hit["partner_a"]
        + "'s and "
        + hit["partner_b"]
        + "'s "
        + hit["measure"]
        + " scores grew by "
        + np.where(
            rounded(hit["slope_per_month"], 2) == 0,
            "less than 0.01 points a month",  # rising, but below the printed precision
            "about " + _slope(hit["slope_per_month"]),
        )
        + " (Mann-Kendall tau "
        + _fmt(hit["mk_tau"], 2)
        + ", "
        + pd.Series(
            np.where(
                hit["mk_p"].astype(float) < 0.001, "p < 0.001", "p = " + numbers(hit["mk_p"], 3)
            ),
            index=hit.index,
            dtype="str",
        )
        + "); the mean gap was "
        + _fmt(hit["mean_abs_gap"], POINTS_DIGITS)
        + " points."
    )
    return _frame(
        RED_FLAG_COLUMNS,
        {
            "couple_id": hit["couple_id"],
            "partner": [None] * len(hit),
            "flag": ["diverging_partners"] * len(hit),
            "severity": [FLAG_SEVERITY["diverging_partners"]] * len(hit),
            "date": hit["last_week"],
            "evidence": evidence,
            "message": [FLAG_MESSAGES["diverging_partners"]] * len(hit),
        },
    )


@dataclass(frozen=True)
class _FlagOptions:
    """The options of :func:`red_flags`' rules, checked on construction: their one record (the
    defaults of :func:`red_flags`' signature are read from :data:`_FLAG_DEFAULTS`)."""

    measure: str = "connection"
    r: float = 0.8
    reference_sd: float | None = None
    month_weeks: int = 4
    min_drop: float = 1.0
    diverge_alpha: float = 0.05
    diverge_min_weeks: int = 6

    def __post_init__(self) -> None:
        _check_measure(self.measure)
        _check_positive("month_weeks", self.month_weeks)
        _check_positive("diverge_min_weeks", self.diverge_min_weeks)
        _check_positive("min_drop", self.min_drop, integer=False)
        alpha = self.diverge_alpha
        if not (isinstance(alpha, int | float) and 0 < alpha < 1):
            raise ValueError(
                f"The value for `diverge_alpha` must be in (0, 1), but {alpha!r} was passed."
            )
        if not (isinstance(self.r, int | float) and 0 <= self.r < 1):
            raise ValueError(f"The value for `r` must be in [0, 1), but {self.r!r} was passed.")


_FLAG_DEFAULTS = _FlagOptions()


def red_flags(
    checkins: pd.DataFrame,
    triggers: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    measure: str = _FLAG_DEFAULTS.measure,
    r: float = _FLAG_DEFAULTS.r,
    reference_sd: float | None = _FLAG_DEFAULTS.reference_sd,
    month_weeks: int = _FLAG_DEFAULTS.month_weeks,
    min_drop: float = _FLAG_DEFAULTS.min_drop,
    diverge_alpha: float = _FLAG_DEFAULTS.diverge_alpha,
    diverge_min_weeks: int = _FLAG_DEFAULTS.diverge_min_weeks,
    trend: pd.DataFrame | None = None,
    summary: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Red flags, sorted with safety first, each with its evidence and a gentle message.

    The rules, exactly (weekly scores and the Reliable Change Index come from
    :mod:`trustdata.trends`):

    ``abuse`` (severity ``"safety"``)
        One row per ``abuse`` event, whenever it happened.  Always sorted first; see also
        :func:`safety_notice`.
    ``repeat_betrayal``, ``new_information`` (``"raise"``)
        One row per event of that kind on or after the couple's anchor event (earliest
        ``discovery``, else earliest ``disclosure``), i.e. during the recovery; every such
        event when the couple has no anchor event.
    ``worse_after_6_months`` (``"raise"``)
        Per partner: the mean weekly score of the first ``month_weeks`` calendar weeks of their
        check-ins is compared with the mean of the ``month_weeks`` weeks centred on six months
        in (6 x ``DAYS_PER_MONTH`` days = week 26; with 4 weeks: ``weeks_since_first`` 24 to
        27, shown as weeks 25-28 counting the first as week 1).  Flagged when both windows hold
        at least 2 weekly scores and the six-month mean is at least ``min_drop`` points lower.
        Its evidence then names each abuse, new-information or repeat-betrayal event of the
        couple between the two windows (from the end of the first to the end of the six-month
        one) and its date: "A repeat betrayal was recorded on 6 July 2024, 2 weeks before week
        25." or "..., in week 26." (the therapist weighs the drop with it).
    ``no_reliable_improvement_12m`` (``"watch"``), ``no_reliable_improvement_24m`` (``"raise"``)
        Per partner with at least 12 (24) months between their first and latest check-in:
        flagged when the verdict ``change`` of :func:`trustdata.trends.trend_summary` (the
        latest ``month_weeks`` weekly scores against the first, Jacobson-Truax Reliable Change
        Index with the partner's own week-to-week measurement error) is ``"no_clear_change"``
        or ``"deteriorated"``, i.e. not ``"improved"``.  Only the longer one is reported (24
        months supersedes 12).  Not flagged when the verdict is ``"insufficient_data"``
        (fewer than 4 weekly scores at an end).
    ``diverging_partners`` (``"watch"``, couple-level: ``partner`` missing)
        The couple's ``diverging`` of :func:`trustdata.dyad.gap_trend` is True: over the weeks
        in which both partners have a weekly score (at least ``diverge_min_weeks``), the
        absolute gap ``|score_a - score_b|`` grows reliably (Mann-Kendall ``p <
        diverge_alpha``, positive tau, Theil-Sen slope interval above 0).

    Parameters
    ----------
    checkins : pandas.DataFrame
        Validated check-ins (any number of couples).  Not modified.
    triggers : pandas.DataFrame, optional
        Validated triggers (accepted for a uniform call; no flag uses them yet).
    events : pandas.DataFrame, optional
        Validated events.  Without them no event flag is raised.
    measure : str, default "connection"
        The score the score-based flags use.
    r : float, default 0.8
        Reliability for the Reliable Change Index, used with ``reference_sd``.
    reference_sd : float, optional
        A reference cohort's between-person baseline SD: when given, the index's measurement
        error is ``reference_sd * sqrt(1 - r)`` (Jacobson & Truax) instead of the partner's own
        week-to-week variation (both passed to :func:`trustdata.trends.trend_summary`).
    month_weeks : int, default 4
        Weeks in "a month" for ``worse_after_6_months`` and the Reliable Change Index.
    min_drop : float, default 1.0
        How many points lower six months in counts as "worse".
    diverge_alpha : float, default 0.05
        ``alpha`` of :func:`trustdata.dyad.gap_trend`.
    diverge_min_weeks : int, default 6
        ``min_weeks`` of :func:`trustdata.dyad.gap_trend`.
    trend, summary, gaps : pandas.DataFrame, optional
        The frames the rules read, when the caller already holds them:
        ``trend = weekly_trend(checkins, measure=measure, window=month_weeks)`` (any ``band``,
        with or without events), ``summary = trend_summary(checkins, measure=measure, r=r,
        reference_sd=reference_sd, month_weeks=month_weeks)``, ``gaps = gap_trend(checkins,
        measure=measure, alpha=diverge_alpha, min_weeks=diverge_min_weeks)``.  Each one given
        is used instead of computing it again, and the result is the same.  They are not checked
        against ``checkins`` beyond their columns and measure: pass those of these check-ins.

    Returns
    -------
    pandas.DataFrame
        One row per flag, sorted by severity (:data:`SEVERITIES` order), then flag
        (:data:`FLAGS` order), couple, date and partner; the same columns whatever the options.

        - ``couple_id`` (str)
        - ``partner`` (str, missing for couple-level flags and events without a partner)
        - ``flag`` (str): one of :data:`FLAGS`.
        - ``severity`` (str): ``"safety"``, ``"raise"`` or ``"watch"`` (:data:`FLAG_SEVERITY`).
        - ``date`` (datetime64[ns]): the event's date, the last week of the window looked at,
          or the latest check-in.
        - ``evidence`` (str): a sentence with the numbers, each kind written one way: points
          (means, differences, the reliable change, the ups and downs, the mean gap) with
          :data:`POINTS_DIGITS` decimals, the Reliable Change Index, tau and slopes with 2,
          p-values with 3 ("p < 0.001" below), all rounded half away from zero
          (:func:`trustdata._words.numbers`).
        - ``message`` (str): gentle plain-language words (:data:`FLAG_MESSAGES`).

    Raises
    ------
    ValueError
        When an option is not an allowed value.

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ev = as_table("events", [
    ...     {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
    ...     {"couple_id": "c1", "date": "2025-02-11", "kind": "new_information"}])
    >>> flags = red_flags(as_table("checkins", []), events=ev)
    >>> print(flags.loc[0, "flag"], "|", flags.loc[0, "evidence"])
    new_information | New information came out on 11 February 2025, 5 weeks after the discovery.
    """
    options = _FlagOptions(
        measure, r, reference_sd, month_weeks, min_drop, diverge_alpha, diverge_min_weeks
    )
    return _red_flags(checkins, events, options, trend=trend, summary=summary, gaps=gaps)


#: the flags each rule of :func:`red_flags` can raise (a rule runs only when one is asked for)
_EVENT_FLAGS = frozenset({"abuse", "repeat_betrayal", "new_information"})
_SUMMARY_FLAGS = frozenset({"no_reliable_improvement_12m", "no_reliable_improvement_24m"})


def _red_flags(
    checkins: pd.DataFrame,
    events: pd.DataFrame | None,
    options: _FlagOptions = _FLAG_DEFAULTS,
    *,
    trend: pd.DataFrame | None = None,
    summary: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    only: frozenset[str] | set[str] | None = None,
) -> pd.DataFrame:
    """:func:`red_flags` with its options in one checked record; with ``only``, just the rules
    that can raise one of those flags run (the others' rows are not looked for: every row found
    is as :func:`red_flags` finds it, and each flag of ``only`` is found as it would be)."""
    measure, month_weeks = options.measure, options.month_weeks

    def wanted(codes: frozenset[str]) -> bool:
        return only is None or not codes.isdisjoint(only)

    parts = [_frame(RED_FLAG_COLUMNS)]
    if events is not None and len(events) and wanted(_EVENT_FLAGS):
        parts.append(_event_flags(events))
    if len(checkins):
        if wanted(frozenset({"worse_after_6_months"})):
            if trend is None:
                from trustdata.trends import weekly_trend

                trend = weekly_trend(checkins, measure=measure, window=month_weeks, band="none")
            else:
                trend = _given(trend, "trend", _FLAG_TREND_COLUMNS, measure)
            parts.append(_worse_after_6_months(trend, month_weeks, options.min_drop, events))
        if wanted(_SUMMARY_FLAGS):
            if summary is None:
                from trustdata.trends import trend_summary

                summary = trend_summary(
                    checkins,
                    measure=measure,
                    r=options.r,
                    reference_sd=options.reference_sd,
                    month_weeks=month_weeks,
                )
            else:
                summary = _given(summary, "summary", _FLAG_SUMMARY_COLUMNS, measure)
            parts.append(_no_reliable_improvement(summary))
        if wanted(frozenset({"diverging_partners"})):
            if gaps is None:
                from trustdata.dyad import gap_trend

                gaps = gap_trend(
                    checkins,
                    measure=measure,
                    alpha=options.diverge_alpha,
                    min_weeks=options.diverge_min_weeks,
                )
            else:
                gaps = _given(gaps, "gaps", _FLAG_GAP_COLUMNS, measure)
            parts.append(_diverging(gaps))
    out = pd.concat([p for p in parts if len(p)] or parts, ignore_index=True)
    sev = out["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    flag = out["flag"].map({f: i for i, f in enumerate(FLAGS)})
    out = out.assign(_s=sev, _f=flag).sort_values(
        ["_s", "_f", "couple_id", "date", "partner"], kind="stable", na_position="first"
    )
    return _frame(RED_FLAG_COLUMNS, {c: out[c] for c in RED_FLAG_COLUMNS})

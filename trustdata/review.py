"""One review of one couple: every frame, verdict and fact a view shows, computed once.

:func:`review` chains a couple's analyses (trends, triggers, setbacks, milestones, dyad) and the
rules that turn their numbers into what a reader is told: when a log is still too short to show
a direction, when a partner has stopped checking in, which "last session" a review starts from,
which hard news (a repeat betrayal, new information, a separation) changes what the couple is
told, and what an abuse event hides from the couple's page.  :mod:`trustdata.report`, the
notebooks and the CLI render a :class:`CoupleReview`; they compute nothing of their own.

Rules (each lives here, nowhere else)
-------------------------------------
``too short``
    A partner whose first and latest check-ins are less than :data:`SHORT_SPAN_DAYS` days apart
    (seven weeks: the first and the latest four weeks would overlap) gets no direction, only
    their count and average (``trend_verdicts.too_short``).
``stopped checking in``
    A partner whose latest check-in is more than :data:`STOPPED_DAYS` days before the couple's
    latest record (check-in, trigger or event) is listed in ``stopped`` with that date; the
    therapist page raises it as a note beside the red flags.
``never checked in``
    The partners are everyone with a check-in or a trigger, named by an event's ``partner`` or
    given a display name.  One with no check-in at all is listed in ``no_checkins``: the pages
    say so (every score shown is the other partner's) and the therapist page raises a note.
``since``
    The "last session".  When none is given it is :data:`DEFAULT_SINCE_DAYS` days before the
    couple's latest record (:func:`default_since`).
``hard news``
    Events of a kind in :data:`HARD_NEWS_KINDS` on or after the couple's anchor event (earliest
    discovery, else disclosure; every such event when there is none).  After the latest one,
    "since then" counts from its date: setbacks that started on or after it, and the small
    wins are found again on the records from then on (:func:`trustdata.milestones.small_wins`
    with ``since=`` its date: the calendar weeks that start on or after it), so every win rests
    only on weeks from the news on (a best week before a repeat betrayal is not news to
    celebrate, nor a calm streak that ran through it) and none is lost because an earlier one
    was better or came first; their evidence says "since" the news
    (:data:`HARD_NEWS_SINCE`: "B's first good month since the repeat betrayal: ...").  Small
    wins the couple logged as events count from its date on.
``abuse``
    An abuse event's ``partner`` is **the partner who recorded the event** (who wrote it in the
    log), not necessarily the one harmed or the one who harmed.  While any abuse event is
    logged, ``safety`` holds the notice, ``couple_events`` (what the couple's shared page may
    show) holds no abuse event at all (no date, no note), and ``abuse_events`` lists them for
    the therapist with :data:`ABUSE_GUIDANCE`.  A record of abuse that could not be read
    (rejected: a date after today, a date that is no date, a broken line) keeps the notice: a
    rejected events record of the couple whose ``kind`` reads ``abuse``, or whose kind is not
    one the format knows and whose values hold the word, is listed in ``abuse_unread`` (file,
    line, reason), leads ``red_flags`` (no date) and the notice's text says where it is.
``not logging is not a win``
    A ``weeks_without_major_trigger`` or ``longest_calm_streak`` win is kept only when the
    partner's latest logged trigger (of any intensity) is at most :data:`STOPPED_DAYS` days
    before the win's last week: weeks after someone stopped logging triggers may be weeks
    without logging, not weeks without triggers (the rule of
    :func:`trustdata.milestones.small_wins`, its default ``stopped_days``, which the cohort
    pipeline's small wins read too).  Nor does a streak run through weeks nobody
    logged: :func:`trustdata.milestones.small_wins` breaks it at more than
    :data:`trustdata.milestones.UNLOGGED_WEEKS` weeks in a row without a check-in or trigger
    of the partner (the same 28 days).
``plan effect``
    ``plan_effect`` holds :func:`trustdata.triggers.plan_effect` rows of category ``"all"``
    (the caution in ``plan_caution``, the verdict's rule in ``plan_rule``); a page may say the
    plan went with milder triggers only when a row's verdict is ``"lower_with_plan"``.
``anniversaries``
    ``anniversaries`` is :func:`trustdata.triggers.upcoming_anniversaries` of the couple (the
    next :data:`ANNIVERSARY_WEEKS` weeks after ``generated``, the day the page is made);
    ``anniversary_notes`` (one row per coming date) holds a ``last_year_ratio`` ("last year
    triggers came about N times as often") only where a partner's ``last_year_more_often`` is
    True.  ``plan_clear_partners``: partners whose intensity verdict is ``"lower_with_plan"``
    (the couple page's one sentence).
    ``expected_couple``: what the couple page may say when the therapist includes the
    expected range: ``"below"`` for ``not_on_track``; for ``on_track``, ``"within"`` when the
    latest 4-week mean lies inside the band that week (anywhere between its 10th and 90th
    percentile lines) or ``"above"`` when above it; nothing for ``watch`` / ``not_assessed``.
``expected reference``
    With ``reference=`` the review holds ``expected_band`` (the reference's band),
    ``track`` / ``track_now`` (:func:`trustdata.expected.track_status` / ``track_summary`` of
    this couple; ``track_now`` adds ``status_since``, ``status_reason``, and ``last_week`` /
    ``reference_end`` / ``beyond_reference``: a partner's logs may run past the last week the
    reference covers, and then a page says which week it compares and that the reference does
    not reach the later weeks; and ``new_since``, True where a partner's ``not_on_track`` is
    new since the last session, by the red flags' rule: see :func:`_track_new_since`),
    ``not_on_track`` (the partners whose latest status is ``not_on_track``: the therapist's
    red-flag list raises them, with :data:`THERAPIST_GUIDANCE`) and ``reference_couples``;
    when the reference is too small (``expected_recovery`` raises ``ValueError``)
    ``expected_refusal`` holds its sentence and nothing is claimed.  ``reference_synthetic``
    is True for the bundled synthetic cohort: a reference whose folder holds a ``truth``
    folder (written only by :mod:`trustdata.synth`) or whose couples table has a true
    ``synthetic`` column; any page must then say "synthetic reference, not real couples".
``display names``
    Optional columns ``name_<partner>`` of the couples table (e.g. ``name_A``, ``name_B``: see
    :data:`trustdata.schemas.DISPLAY_NAME_PREFIX`) give a partner's name; without one the
    partner id is shown.  Partners keep the order of their ids whatever their names.

Examples
--------
>>> from trustdata.logs import Logs, as_table
>>> ci = as_table("checkins", [
...     {"couple_id": "c1", "partner": p, "date": d, "connection": 5}
...     for p in "AB" for d in ("2025-01-06", "2025-01-13")])
>>> r = review(Logs(checkins=ci), "c1")
>>> r.partners, r.names, bool(r.trend_verdicts["too_short"].all())
(('A', 'B'), {'A': 'A', 'B': 'B'}, True)
>>> r.since.date(), r.safety is None
(datetime.date(2024, 12, 16), True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata._frames import _parse_since
from trustdata._words import line_numbers, rounded
from trustdata.expected import BENCHMARK_CAVEAT
from trustdata.logs import Logs
from trustdata.milestones import HARD_NEWS_KINDS as _HARD_NEWS_KINDS
from trustdata.milestones import HARD_NEWS_SINCE as _HARD_NEWS_SINCE
from trustdata.milestones import STOPPED_DAYS as _STOPPED_DAYS

__all__ = [
    "CoupleReview",
    "review",
    "default_since",
    "unread_abuse",
    "case_twins",
    "SHORT_SPAN_DAYS",
    "STOPPED_DAYS",
    "DEFAULT_SINCE_DAYS",
    "CONTEXT_DAYS",
    "WINDOW_WEEKS",
    "HARD_NEWS_KINDS",
    "HARD_NEWS_MESSAGES",
    "HARD_NEWS_SINCE",
    "ABUSE_GUIDANCE",
    "THERAPIST_GUIDANCE",
    "COUPLE_NOTE_MESSAGES",
    "HELPED_PER_MONTH",
]

#: Below this span (seven weeks) the first and the latest four weeks overlap: no direction yet.
SHORT_SPAN_DAYS = 7 * 7
#: A partner whose latest check-in is more than this many days before the couple's latest
#: record has stopped checking in (for now); a calm streak more than this many days after the
#: partner's latest trigger is no win.  The one constant :data:`trustdata.milestones.STOPPED_DAYS`.
STOPPED_DAYS = _STOPPED_DAYS
#: The default "last session": this many days before the couple's latest record.
DEFAULT_SINCE_DAYS = 28
#: Days before a setback's start that count as "around" it (triggers and events).
CONTEXT_DAYS = 14
#: Under this many days of trigger logs, :func:`trustdata.triggers.trigger_trend` gives no
#: monthly rate (its ``insufficient_data`` rule); the page then gives the count only.
TRIGGER_MIN_DAYS = 14
#: Weeks of the trailing mean of the trend charts and of "the first / latest weeks".
WINDOW_WEEKS = 4
#: The level of :func:`trustdata.triggers.plan_effect`'s tests and intervals (its verdict rule,
#: which the therapist's table states).
PLAN_ALPHA = 0.05
#: Weeks ahead of the day the page is made that "anniversaries ahead" covers.
ANNIVERSARY_WEEKS = 6
#: "What helped" answers kept per partner and month for the couple's page (the latest ones).
HELPED_PER_MONTH = 1
#: Event kinds that are hard news during the recovery, in the order they are named (the rule
#: of :func:`trustdata.milestones.hard_news`, which the cohort pipeline reads too).
HARD_NEWS_KINDS: tuple[str, ...] = _HARD_NEWS_KINDS

#: The words the couple reads about each kind of hard news, after the page's own "On <date>,
#: a repeat betrayal was recorded." (so not the :data:`trustdata.milestones.FLAG_MESSAGES`,
#: which would say it twice).
HARD_NEWS_MESSAGES: dict[str, str] = {}

#: What the small wins found after the latest hard news are "since", in their evidence
#: ("A's best week since the repeat betrayal: ..."; :data:`trustdata.milestones.HARD_NEWS_SINCE`).
HARD_NEWS_SINCE: dict[str, str] = _HARD_NEWS_SINCE

#: Guidance for a clinician when an abuse event is logged (about the couple, never to them).
ABUSE_GUIDANCE: tuple[str, ...] = (
    "See each partner alone before any further joint session, and ask about safety directly, "
    "away from the other partner.",
    "Make or review a safety plan with the partner at risk (a domestic-abuse service can help).",
    "Conjoint work is usually paused while abuse is ongoing; individual support for each "
    "partner comes first.",
)

#: What each red flag asks of a therapist (about the couple; the couple's words are in
#: :data:`trustdata.milestones.FLAG_MESSAGES`).
THERAPIST_GUIDANCE: dict[str, str] = {
    "abuse": " ".join(ABUSE_GUIDANCE),
    "repeat_betrayal": "Trust work usually restarts from disclosure and safety; review the "
    "agreements and each partner's support.",
    "new_information": "A dip after a new disclosure is common; check how safe the hurt "
    "partner feels and whether more is still to come out.",
    "worse_after_6_months": "A partner who was worse six months in than at the start: review "
    "the treatment plan and individual support.",
    "no_reliable_improvement_12m": "A year without reliable improvement: review the goals "
    "and what has and has not helped.",
    "no_reliable_improvement_24m": "Two years without reliable improvement: consider a "
    "change of approach and each partner's individual needs.",
    "diverging_partners": "The partners' scores are drifting apart; explore how each of them "
    "experiences the recovery.",
    "stopped_checking_in": "A partner who stops checking in may be disengaging, or only tired "
    "of the form; ask.",
    "no_checkins": "A partner who never checks in may not have agreed to keep the logs, or may "
    "find the questions hard; ask each partner, without pressing.",
    "not_on_track": "Below where most partners of the reference who started at the same level "
    "were at this point: ask how things are and what is in the way, and review the plan "
    "together; it is a reason to look closer, not a forecast of failure.",
}

#: The couple's own words for the score-based red flags, where those of
#: :data:`trustdata.milestones.FLAG_MESSAGES` do not fit their page: the page puts the partner's
#: name before the note, so the note does not say "this partner"; the six-month flag is about
#: the weeks around six months in (told in the past: the scores may have risen since); the
#: year flags rest on the connection score alone, so they name it.
COUPLE_NOTE_MESSAGES: dict[str, str] = {
    "worse_after_6_months": (
        "Around six months in, the connection score was lower than at the start. That is worth "
        "talking about openly, ideally with a therapist; it does not mean anyone has failed."
    ),
    "no_reliable_improvement_12m": (
        "After a year of check-ins the connection score has not clearly improved. This may be a "
        "good moment to look together, ideally with a therapist, at what helps and what does not."
    ),
    "no_reliable_improvement_24m": (
        "After two years of check-ins the connection score has not clearly improved. Please "
        "consider talking with a therapist about what each of you needs and what support would "
        "help."
    ),
}

# milestones' words repeat the sentence the page puts before them ("On ..., a repeat betrayal
# was recorded.", "On ..., new information came out.") and speak of "the hurt partner"; the
# couple's page speaks to both of them
_REPEAT_BETRAYAL_MESSAGE = (
    "That usually means trust work has to start again from honesty and safety; please consider "
    "bringing this to a therapist."
)
_NEW_INFORMATION_MESSAGE = (
    "New disclosures often shake the feeling of safety that was being rebuilt, so a dip "
    "afterwards is common; talking it through with a therapist can help."
)

# not "how far you came": the scores before a separation may have fallen
_SEPARATION_MESSAGE = (
    "Whatever it means for the two of you, looking after yourselves comes first; a therapist "
    "can help with what comes next."
)


def _rci_cutoff() -> float:
    from trustdata import trends

    return float(getattr(trends, "RCI_CUTOFF", 1.96))


def _trend_rule() -> dict[str, float]:
    """The numbers of :func:`trustdata.trends.trend_summary`'s trend route, for the page."""
    from trustdata import trends

    return {
        "trend_percent": round(100 * trends.TREND_LEVEL),
        "trend_rci": trends.TREND_RCI,
        "min_trend_points": trends.MIN_TREND_POINTS,
    }


def _route(verdict: str, rci: float, low: float = np.nan, high: float = np.nan) -> str:
    """Which of trend_summary's routes gave an ``improved`` / ``deteriorated`` verdict.

    ``"reliable_change"`` when the index is beyond :data:`trustdata.trends.RCI_CUTOFF` in the
    verdict's direction (the first route); else the trend route: ``"trend"`` when the slope's
    interval (``low``, ``high``: the summary's, at its default level, which is
    :data:`trustdata.trends.TREND_LEVEL`) lies on the verdict's side of 0, ``"ends"`` when it
    does not (the difference of the ends was beyond its own interval); ``""`` for any other
    verdict.
    """
    cutoff = _rci_cutoff()
    if verdict == "improved":
        return "reliable_change" if rci > cutoff else "trend" if not low <= 0 else "ends"
    if verdict == "deteriorated":
        return "reliable_change" if rci < -cutoff else "trend" if not high >= 0 else "ends"
    return ""


def _trend_short(
    verdict: str, rci: float, low: float, high: float, points: float, level: float = 0.95
) -> str:
    """What the trend route lacked when the slope's interval clears 0 yet there is no verdict.

    For a ``no_clear_change`` verdict whose slope interval (at ``level``, the summary's; only
    when it is the route's :data:`trustdata.trends.TREND_LEVEL`) lies above or below 0:
    ``"points"`` when the
    change's size (``trend_points``) is under :data:`trustdata.trends.MIN_TREND_POINTS` in
    that direction, ``"rci"`` when the index is not beyond :data:`trustdata.trends.TREND_RCI`
    in it, ``"rci and points"`` when both; ``""`` otherwise (another verdict, or an interval
    that reaches 0).
    """
    from trustdata import trends

    if verdict != "no_clear_change" or not (low > 0 or high < 0):
        return ""
    if not math.isclose(level, trends.TREND_LEVEL):
        return ""  # the printed interval is not the one the route tests
    sign = 1.0 if low > 0 else -1.0
    short = []
    if not sign * rci > trends.TREND_RCI:
        short.append("rci")
    if not sign * points >= trends.MIN_TREND_POINTS:
        short.append("points")
    return " and ".join(short)


def _hard_news_messages() -> dict[str, str]:
    return {
        "repeat_betrayal": _REPEAT_BETRAYAL_MESSAGE,
        "new_information": _NEW_INFORMATION_MESSAGE,
        "separation": _SEPARATION_MESSAGE,
    }


HARD_NEWS_MESSAGES.update(_hard_news_messages())


@dataclass
class CoupleReview:
    """Everything any view shows about one couple, with the evidence behind each verdict.

    Frames follow the columns of the analysis they come from (see its docstring) unless stated;
    every frame holds this couple only.

    Attributes
    ----------
    couple_id : str
    logs : Logs
        The couple's logs (``rejected`` and ``summary`` whole, as loaded).
    partners : tuple of str
        Partner ids in id order (the colour order of every chart).
    names : dict
        Display name of each partner (the id when none is given).
    roles : dict
        Role of each partner who gave one (``hurt``, ``involved``, ``both``).
    generated : pandas.Timestamp
        The day the review was made (``today``).
    first, last : pandas.Timestamp or None
        The couple's first and latest record (any table).
    logged_first : pandas.Timestamp or None
        The couple's first check-in or trigger: the day their logging starts.  Events are dated
        facts, not logging (a discovery is often entered when logging starts, dated weeks
        before), so the logged part of the spans of ``changes_since`` starts here, not at
        ``first``; see :func:`_logged_parts`.
    n_checkins, n_triggers, n_events : int
    rejected_total, rejected_couple : int
        Records the load rejected in all, and those whose couple id reads as this couple.
    measures : tuple of str
        The scores with a trend here: ``connection`` and, when any check-in has it, ``trust``.
    has_layers : bool
        Whether the check-ins hold any of the six layers of trust.
    layers_profile : pandas.DataFrame or None
        :func:`trustdata.layers.layers_profile` (:data:`LAYER_WINDOW_WEEKS`-week windows) when
        the check-ins hold trust or a layer; None when they do not.  It leaves out the weeks of a
        sudden dip the partner's trust sentence leaves out (``first_aside`` / ``latest_aside``
        of ``trend_verdicts``, not a dip that runs to the last week), so the chart's "at the
        start" and "recently" leave out what the sentence does; ``start_left_from`` /
        ``start_left_to`` / ``recent_left_from`` / ``recent_left_to`` name that dip, the latest
        when a window leaves out two (NaT when none).
    layers_left_out : pandas.DataFrame
        One row per dip left out of a window of ``layers_profile``: ``partner, end``
        (``"first"``: the start window, ``"latest"``: the recent one), ``dip_from, dip_to`` (its
        first and last weeks), ``no_recent`` (the measures scored in the recent window only inside
        the dip, which therefore show no recent level) and ``last_rated`` (their latest score's
        check-in; NaT when none).
    trends, summaries, monthly : dict of measure -> DataFrame
        :func:`~trustdata.trends.weekly_trend`, :func:`~trustdata.trends.trend_summary` and
        :func:`~trustdata.trends.monthly_scores` of each measure.
    trend_weeks : dict of measure -> DataFrame
        :func:`~trustdata.trends.trend_weeks` of each measure: the weekly scores the summary
        reads and which of them it sets aside (``set_aside``, a sudden dip).
    trend_verdicts : pandas.DataFrame
        One row per partner and measure: ``partner, measure, n_checkins, too_short`` (bool, the
        :data:`SHORT_SPAN_DAYS` rule), ``mean_all`` (mean of every check-in), ``first_mean``,
        ``latest_mean`` (first / latest ``end_weeks`` weekly scores), ``verdict`` (``too_short``
        or the summary's ``change``) and the evidence ``slope_per_month, slope_low, slope_high,
        mk_tau, mk_p, rci``, ``shape`` (``steady``, ``up_then_down``, ... where the summary
        has it), ``rc_points`` (the smallest change called reliable), ``route`` (which rule
        of :func:`~trustdata.trends.trend_summary` gave an ``improved`` / ``deteriorated``
        verdict: ``reliable_change``, the index beyond ±1.96 in its direction, ``trend``, the
        slope's 95 % interval with the ends agreeing, or ``ends``, the ends' difference beyond
        its own 95 % interval, the slope's reaching 0; ``""`` for other verdicts) and
        ``ends_reliable`` (the index is beyond ±1.96, whatever the verdict: the ends differ by
        more than the usual ups and downs), ``trend_points`` (the summary's: the change's size
        the trend route reads), ``change_points`` and ``line_points`` (the summary's: its two
        halves, the ends' difference and the line's change), ``trend_short`` (for a
        ``no_clear_change`` whose slope interval lies on one side of 0, what the trend route
        lacked: ``"points"``, a size under 1.25
        points, ``"rci"``, the index not beyond :data:`~trustdata.trends.TREND_RCI`, or
        ``"rci and points"``; else ``""``) and
        ``stopped`` (the partner is in ``stopped``: their latest weeks are their last weeks of
        check-ins, not the couple's latest weeks) and
        ``setback_at_end`` (connection: ``"first"``, ``"latest"``, ``"first and latest"`` when a
        setback lies in those compared weeks and their mean counts it; else ``""``),
        ``first_aside`` / ``latest_aside`` (that end's mean leaves a sudden dip's weeks out, as
        :func:`~trustdata.trends.trend_summary` does, ``set_aside`` of ``trend_weeks``: it is
        not the plain mean of those weeks), ``first_dips`` / ``latest_dips`` (how many
        dips, runs of set-aside weeks, lie among that end's weeks: then they are not the
        first / latest weeks in a row, and the page names them by ``first_from`` ... ``to``),
        ``latest_dip_at_end`` (a dip runs to the partner's last observed week: the latest
        mean is the level before it, not now), and of one dip, the latest the end leaves out
        (the one at the end when there is one), ``first_dip_from`` / ``first_dip_to`` /
        ``latest_dip_from`` / ``latest_dip_to`` (its first and last weeks, set aside both,
        never a kept week between two dips; NaT when none) and ``first_dip_mean`` /
        ``latest_dip_mean`` (the mean of its weekly scores); ``latest_from`` / ``latest_to``
        (the Mondays of the first and last of the latest mean's weeks), ``latest_span_weeks``
        (the calendar weeks they span), ``latest_pause_from`` / ``latest_pause_to`` (the
        longest stretch without a score among them, when it is at least ``end_weeks`` weeks
        long; else NaT) and ``latest_paused`` (there is such a pause: the page then does not
        call those weeks "the latest 4 weeks"); ``first_from``, ``first_to``,
        ``first_span_weeks``, ``first_pause_from``, ``first_pause_to`` and ``first_paused``
        the same for the first mean's weeks (an intake check-in, then months without one:
        the page does not call them "the first 4 weeks").
    setbacks, setback_context : pandas.DataFrame
        :func:`~trustdata.setbacks.find_setbacks` and :func:`~trustdata.setbacks.setback_context`
        (:data:`CONTEXT_DAYS`).
    setback_events : pandas.DataFrame
        ``setback_id, date, kind`` of each event inside a setback's context window (abuse
        events only in ``setback_events_all``), and of each yearly return of the discovery or
        disclosure inside it (kind :data:`ANNIVERSARY_KINDS`), by date.
    setback_events_all : pandas.DataFrame
    trigger_frequency, trigger_trend : pandas.DataFrame
        Monthly trigger counts per category and :func:`~trustdata.triggers.trigger_trend`
        (plus ``first_until`` / ``latest_until``, the last day inside each window).
    small_wins : pandas.DataFrame
        :func:`~trustdata.milestones.small_wins` after the review's rules (see the module).
    logged_wins : pandas.DataFrame
        ``small_win`` events (after the latest hard news, when there is one).
    red_flags : pandas.DataFrame
        :func:`~trustdata.milestones.red_flags` plus ``guidance`` (:data:`THERAPIST_GUIDANCE`)
        and ``new_since`` (new since the last session: not raised by the same rules on the
        records dated before ``since``, see :func:`_new_since`, nor on those before any earlier
        cut of :data:`AGAIN_CUT_DAYS`), ``again_since`` (a standing flag not raised at the last
        session but raised before it: it lifted for a while, see :func:`_raised_again`) and
        ``raised_to`` (then the last day of the latest earlier records that raised it; NaT
        otherwise).
    stopped : pandas.DataFrame
        ``partner, last_checkin, days_before_latest, weeks_before_latest`` of each partner who
        stopped checking in (:data:`STOPPED_DAYS`).
    partner_gap : pandas.DataFrame
    since, since_given : pandas.Timestamp, bool
        The last session (given, or :func:`default_since`) and whether it was given.
    changes_since : pandas.DataFrame
        :func:`~trustdata.trends.changes_since` plus ``mean_before_shown``, ``mean_since_shown``
        (rounded to one decimal, as printed), ``difference_shown`` (their difference) and
        ``checkins_before_in_setback``, ``checkins_since_in_setback`` (how many of the
        check-ins of each span fell in a setback of that partner: a mean before taken in a
        setback is not the partner's usual level; see :func:`_checkins_in_setbacks`), and the
        spans' logged parts (``logged_days_before``, ``logged_days_since``,
        ``logged_weeks_before_shown``, ``triggers_per_logged_week_before``,
        ``triggers_per_logged_week_since``; see :func:`_logged_parts`).
    since_nothing_after, since_nothing_before : bool
        Nothing logged on or after ``since``; no check-in or trigger before it (an event
        before it is not a logged span to compare with).
    since_setbacks : pandas.DataFrame
        Setbacks that started since, are still going on, or overlap the span before ``since``
        (ended after its first day; a setback spanning ``since`` is one of them).
    since_events : pandas.DataFrame
        Events on or after ``since`` (abuse events only in ``abuse_events``).
    answers_since : pandas.DataFrame
        ``partner, date, increased_trust, decreased_trust, need`` of every check-in since
        ``since`` with an answer, per partner and date (oldest first).
    silent_partners : tuple of str
        Partners who wrote no answer since ``since`` (among those with a check-in).
    no_checkins : tuple of str
        Partners with no check-in at all (known from their triggers, an event naming them or
        a display name): every score on a page is the other partner's.
    helped : pandas.DataFrame
        ``partner, date, month, text``: what increased trust, :data:`HELPED_PER_MONTH` per
        partner and month (the latest), oldest first.
    events : pandas.DataFrame
        Every event, dated, with notes (the therapist's list).
    couple_events : pandas.DataFrame
        The events the couple's shared page may show: no abuse event.
    mistyped : pandas.DataFrame
        The couple's kept records that may have a mistyped year (their rows of
        ``Logs.warnings``, :mod:`trustdata.io._isolated`): ``table, date, file, line`` (the
        file's name and line), ``side`` (``"before"``: far before the next record, ``"after"``:
        far after the one before it), ``months`` (how far in whole months when less than a
        year: a one-year slip; missing when more) and ``year`` (the likely year), by date; see
        :func:`_mistyped`.  Empty for most logs.
    couple_mistyped : pandas.DataFrame
        The same for the couple's shared page: no abuse event, and each record's neighbour
        among the records that page shows.
    case_twins : pandas.DataFrame
        Ids of this couple written in another case elsewhere in the logs, kept apart (the
        couple id ``Couple-01`` beside ``couple-01``, partner ``a`` beside ``A``): one row per
        less used spelling and file; see :func:`case_twins`.  Empty for most logs.
    couple_first, couple_last : pandas.Timestamp or None
        The first and latest record the couple's shared page may show: every table, abuse
        events left out (an abuse event's date is never on their page, not even as the end of
        "your logs run from ... to ...").
    weeks_since_last, weeks_since_couple_last : int or None
        Whole weeks from ``last`` (``couple_last``) to ``generated`` when that is more than
        :data:`STOPPED_DAYS` days (the page then says its "latest weeks" are not now); None
        otherwise.
    n_couple_events : int
        The events on the couple's shared page (``len(couple_events)``): the count they read
        matches the list they see.
    abuse_events : pandas.DataFrame
        ``date, partner, note`` of abuse events (``partner``: who recorded it).
    hard_news : pandas.DataFrame
        ``date, kind, partner, note, message`` of each hard-news event, oldest first.
    anchor_kind : str or None
        The kind of the couple's anchor event (the earliest discovery, else the earliest
        disclosure: the weeks of the expected range count from it); None without either.
    latest_hard_news : pandas.Timestamp or None
    setbacks_since_hard_news, recovered_since_hard_news : int
        Setbacks that started on or after the latest hard news, and how many of them ended.
    safety : trustdata.milestones.SafetyNotice or None
        The notice while the couple's logs hold an abuse event or an abuse record that could
        not be read (``abuse_unread``); its ``text`` then ends by saying so and where.
    abuse_unread : pandas.DataFrame
        ``source, line, reason, partner, note, date_unread`` of each rejected events record
        of the couple that records abuse (see ``abuse`` above); each also leads
        ``red_flags`` as an ``abuse`` flag without a date.
    couple_notes : pandas.DataFrame
        ``flag, partner, message``: the red flags the couple's page tells them about in their
        own words (:data:`COUPLE_NOTE_MESSAGES`, else :data:`trustdata.milestones.FLAG_MESSAGES`):
        the score-based flags, once per flag and partner.  Event flags are told as hard news,
        abuse by the safety notice.
    n_recovered : int
        Setbacks that ended.
    recover_weeks_min, recover_weeks_median, recover_weeks_max : float
        Weeks from trough to recovery of the setbacks that ended (NaN when none).
    setbacks_per_partner, triggers_per_partner : dict
        Counts per partner.
    partners_with_triggers : tuple of str
    partners_scoring : dict
        Per measure of ``measures`` (and ``"layers"`` when there is a ``layers_profile``: a
        score of one of the six layers, trust not counted): the partners who gave at least one
        such score, so a chart drawn for one partner only can say the other never rated it.
    since_before_end : pandas.Timestamp or None
        The day before ``since`` (the end of the span it is compared with).
    since_logs_start_after, since_before_reaches_past_start : bool
        The logs (``logged_first``) start after ``since``; the compared span before ``since``
        starts before the logs do.
    since_per_week, since_partly_logged : bool
        The page gives triggers per week: the spans differ in length or the logged part of
        either is shorter than it (``since_partly_logged``: the logs start inside the span
        before, so its trigger count covers fewer days; the rates are then per logged week,
        ``changes_since``'s ``triggers_per_logged_week_*``; see :func:`_logged_parts`).
    constants : dict
        The numbers the page's words use (scale, window, context days, the stopped rule).
    """

    couple_id: str
    logs: Logs
    partners: tuple[str, ...]
    names: dict[str, str]
    roles: dict[str, str]
    generated: pd.Timestamp
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    logged_first: pd.Timestamp | None
    n_checkins: int
    n_triggers: int
    n_events: int
    rejected_total: int
    rejected_couple: int
    measures: tuple[str, ...]
    has_layers: bool
    layers_profile: pd.DataFrame | None
    layers_left_out: pd.DataFrame
    trends: dict[str, pd.DataFrame]
    summaries: dict[str, pd.DataFrame]
    monthly: dict[str, pd.DataFrame]
    trend_weeks: dict[str, pd.DataFrame]
    trend_verdicts: pd.DataFrame
    setbacks: pd.DataFrame
    setback_context: pd.DataFrame
    setback_events: pd.DataFrame
    setback_events_all: pd.DataFrame
    trigger_frequency: pd.DataFrame
    trigger_trend: pd.DataFrame
    small_wins: pd.DataFrame
    logged_wins: pd.DataFrame
    red_flags: pd.DataFrame
    stopped: pd.DataFrame
    partner_gap: pd.DataFrame
    since: pd.Timestamp | None
    since_given: bool
    changes_since: pd.DataFrame
    since_nothing_after: bool
    since_nothing_before: bool
    since_setbacks: pd.DataFrame
    since_events: pd.DataFrame
    answers_since: pd.DataFrame
    silent_partners: tuple[str, ...]
    helped: pd.DataFrame
    events: pd.DataFrame
    couple_events: pd.DataFrame
    abuse_events: pd.DataFrame
    hard_news: pd.DataFrame
    latest_hard_news: pd.Timestamp | None
    setbacks_since_hard_news: int
    recovered_since_hard_news: int
    safety: object | None
    couple_notes: pd.DataFrame
    n_recovered: int
    recover_weeks_min: float
    recover_weeks_median: float
    recover_weeks_max: float
    setbacks_per_partner: dict[str, int]
    triggers_per_partner: dict[str, int]
    partners_with_triggers: tuple[str, ...]
    partners_scoring: dict[str, tuple[str, ...]]
    since_before_end: pd.Timestamp | None
    since_logs_start_after: bool
    since_before_reaches_past_start: bool
    since_per_week: bool = False
    since_partly_logged: bool = False
    plan_effect: pd.DataFrame = field(default_factory=pd.DataFrame)
    plan_caution: str = ""
    plan_rule: str = ""
    anchor_kind: str | None = None
    anniversaries: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference_given: bool = False
    reference_synthetic: bool = False
    reference_couples: int = 0
    expected_refusal: str | None = None
    expected_band: pd.DataFrame | None = None
    track: pd.DataFrame | None = None
    track_now: pd.DataFrame | None = None
    expected_percentiles: tuple[int, int, int] = (10, 50, 90)
    expected_weeks_below: int = 4
    expected_caveat: str = ""
    expected_couple: dict[str, str] = field(default_factory=dict)
    not_on_track: tuple[str, ...] = ()
    plan_clear_partners: tuple[str, ...] = ()
    anniversary_notes: pd.DataFrame = field(default_factory=pd.DataFrame)
    abuse_unread: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UNREAD_ABUSE_COLUMNS))
    )
    couple_first: pd.Timestamp | None = None
    couple_last: pd.Timestamp | None = None
    mistyped: pd.DataFrame = field(default_factory=lambda: _no_mistyped())
    couple_mistyped: pd.DataFrame = field(default_factory=lambda: _no_mistyped())
    case_twins: pd.DataFrame = field(default_factory=lambda: _no_case_twins())
    n_couple_events: int = 0
    no_checkins: tuple[str, ...] = ()
    weeks_since_last: int | None = None
    weeks_since_couple_last: int | None = None
    constants: dict[str, int] = field(
        default_factory=lambda: {
            "scale_min": schemas.SCORE_MIN,
            "scale_max": schemas.SCORE_MAX,
            "window_weeks": WINDOW_WEEKS,
            "layer_window_weeks": LAYER_WINDOW_WEEKS,
            "context_days": CONTEXT_DAYS,
            "stopped_weeks": STOPPED_DAYS // 7,
            "major_intensity": schemas.MAJOR_TRIGGER_INTENSITY,
            "rci_cutoff": _rci_cutoff(),
            "ci_percent": 95,
            "p_floor": 0.001,
            "tau_range": 1,
            "band_sd": 1,
            "trigger_min_days": TRIGGER_MIN_DAYS,
            "plan_alpha": PLAN_ALPHA,
            **_trend_rule(),
        }
    )

    def name(self, partner: object) -> str:
        """The display name of a partner (the id itself when unnamed or unknown)."""
        if partner is None or (isinstance(partner, float) and np.isnan(partner)):
            return ""
        return self.names.get(str(partner), str(partner))


#: The quantiles of the expected band (10th, median, 90th percentile) and the run of weeks below
#: its low line that makes "not on track" (``trustdata.expected`` defaults, docs/expected.md).
EXPECTED_QUANTILES: tuple[float, float, float] = (0.1, 0.5, 0.9)
EXPECTED_WEEKS_BELOW = 4

#: The benchmark's caveat, shown with every status: built from the figures of
#: ``trustdata.expected.BENCHMARK`` (their one place; docs/expected.md quotes them).
EXPECTED_CAVEAT = BENCHMARK_CAVEAT


def _is_synthetic(reference: object, ref: Logs) -> bool:
    """The reference is synthetic: its folder holds ``truth``, its couples say so, or it is an
    anonymized copy of synthetic couples made with the public demo key.

    The last mark: ``trustdata anonymize`` accepts the public demo key
    (``data/sample/demo.key``) only for synthetic input, and :mod:`trustdata.synth` names its
    couples ``couple-01``, ``couple-002``, ...  A folder whose every couple id is the demo key's
    pseudonym of such a name was made from synthetic couples; a real clinic's export, made with
    its own secret key, never matches (the pseudonyms are keyed HMACs).
    """
    from pathlib import Path

    if isinstance(reference, str | Path) and (Path(reference) / "truth").is_dir():
        return True
    couples = ref.couples
    if "synthetic" in couples.columns and len(couples):
        return bool(couples["synthetic"].fillna(False).astype(bool).all())
    return _demo_pseudonyms_of_synthetic(ref.couple_ids)


def _demo_pseudonyms_of_synthetic(ids: list[str]) -> bool:
    """Whether every id is the demo key's couple pseudonym of a synthetic couple's name
    (``couple-`` and a number of at least 2 digits, at most four times as many couples as
    ``ids``, as :func:`trustdata.synth.generate` numbers them)."""
    if not ids or not all(str(i).startswith("c") and len(str(i)) == 17 for i in ids):
        return False
    from trustdata.anonymize import _couple_map
    from trustdata.synth import _DEMO_KEY

    key = _DEMO_KEY.strip().encode("utf-8")
    most = 4 * len(ids) + 100
    names = {
        f"couple-{i:0{width}d}"
        for width in range(2, len(str(most)) + 1)
        for i in range(1, min(most, 10**width - 1) + 1)
    }
    return set(map(str, ids)) <= set(_couple_map(key, sorted(names)).values())


def _expected_fields(one: Logs, reference: object) -> dict:
    """The expected-recovery fields of a review (empty when there is no reference)."""
    if reference is None:
        return {}
    from trustdata import expected

    if isinstance(reference, Logs):
        ref = reference
    else:
        from trustdata.cohort import load_cohort

        ref = load_cohort(reference, progress=False)
    out: dict = {
        "expected_percentiles": tuple(round(100 * q) for q in EXPECTED_QUANTILES),
        "expected_weeks_below": EXPECTED_WEEKS_BELOW,
        "expected_caveat": EXPECTED_CAVEAT,
        "reference_given": True,
        "reference_synthetic": _is_synthetic(reference, ref),
        "reference_couples": len(ref.couple_ids),
    }
    try:
        band = expected.expected_recovery(ref, quantiles=EXPECTED_QUANTILES)
    except ValueError as exc:
        # the sentence is read on a page, where the Python argument by=() cannot be passed
        out["expected_refusal"] = str(exc).replace(
            "(pass by=() to pool the roles, or a larger reference)",
            "(a larger reference cohort can give one, such as data/sample/cohort)",
        )
        return out
    status = expected.track_status(one, band, weeks_below=EXPECTED_WEEKS_BELOW)
    now = _reference_reach(_status_since(status), status, band)
    out.update(
        expected_band=band,
        track=status,
        track_now=now,
        expected_couple=_told_couple(now),
        not_on_track=tuple(str(p) for p in now.loc[now["status"] == "not_on_track", "partner"]),
    )
    return out


def _told_couple(now: pd.DataFrame) -> dict[str, str]:
    """What the couple page may say per partner, at the band's resolution.

    ``"below"`` for ``not_on_track`` by the band's rule; for ``on_track``, where the latest
    assessed 4-week mean lies against the band that week: ``"within"`` (between its low and
    high lines: inside the range of most people, whether above or below its median) or
    ``"above"`` (above its high line).  "watch" is not clear enough to tell the couple; nor is a
    flag of the forecast alone (the couple's sentence says the recent average has been below
    the range for four weeks); nor a week without a band position.
    """
    told: dict[str, str] = {}
    for row in now.itertuples():
        mean, low, high = row.rolling_mean, row.expected_low, row.expected_high
        if row.status == "not_on_track" and row.status_reason == "band":
            told[str(row.partner)] = "below"
        elif row.status == "on_track" and pd.notna(mean) and pd.notna(low) and pd.notna(high):
            if mean > high:
                told[str(row.partner)] = "above"
            elif mean >= low:
                told[str(row.partner)] = "within"
    return told


def _anniversary_notes(ahead: pd.DataFrame) -> pd.DataFrame:
    """One row per coming anniversary: label, date, and last year's ratio only when clear."""
    rows = []
    for (label, when), group in ahead.groupby(["label", "anniversary"], sort=True):
        more = group.loc[group["last_year_more_often"].fillna(False).astype(bool)]
        ratio = float(more["last_year_ratio"].max()) if len(more) else np.nan
        rows.append({"label": str(label), "anniversary": when, "last_year_ratio": ratio})
    return pd.DataFrame(rows, columns=["label", "anniversary", "last_year_ratio"])


def _status_since(status: pd.DataFrame) -> pd.DataFrame:
    """``track_summary`` plus ``status_since`` (the Monday the latest run of that status began)
    and ``status_reason`` (``"forecast"`` or ``"band"``: the rule that decided it); and, from
    ``track_status``'s ``below_since`` / ``weeks_below``, ``below_since`` (the Monday the latest
    week's run below the band began; NaT when not below) and ``weeks_below_at_since`` (the run
    below the band in the week ``status_since``: for a band flag, the weeks below that made it)."""
    from trustdata import expected

    now = expected.track_summary(status)
    since: list = []
    reason: list = []
    below_since: list = []
    run_at_since: list = []
    for row in now.itertuples():
        rows = status.loc[
            (status["couple_id"] == row.couple_id)
            & (status["partner"] == row.partner)
            & (status["status"] != "not_assessed")
        ].sort_values("week")
        if rows.empty:
            since.append(pd.NaT)
            reason.append(None)
            below_since.append(pd.NaT)
            run_at_since.append(0)
            continue
        same = (rows["status"] == row.status).to_numpy()
        k = len(same)
        while k > 0 and same[k - 1]:
            k -= 1
        since.append(rows["week"].iloc[k])
        run_at_since.append(int(rows["weeks_below"].iloc[k]))
        below_since.append(rows["below_since"].iloc[-1])
        # which rule decided the latest status: the forecast where there was one, the band else
        reason.append("forecast" if pd.notna(rows["forecast_gain_high"].iloc[-1]) else "band")
    return now.assign(
        status_since=pd.to_datetime(pd.Series(since, index=now.index, dtype=object)),
        status_reason=pd.Series(reason, index=now.index, dtype=object),
        below_since=pd.to_datetime(pd.Series(below_since, index=now.index, dtype=object)),
        weeks_below_at_since=pd.Series(run_at_since, index=now.index, dtype="int64"),
    )


def _reference_reach(now: pd.DataFrame, status: pd.DataFrame, band: pd.DataFrame) -> pd.DataFrame:
    """``now`` plus how far the reference reaches for each partner.

    ``last_week``: the partner's last week with a score (the Monday); ``reference_end``: the
    Monday of the last week since the anchor that the reference's band covers for the partner's
    group (NaT when the group is not in it); ``beyond_reference``: the partner's logs run past
    that week, so their latest weeks are not compared with the reference at all.
    """
    last_aligned = band.groupby("role")["aligned_week"].max().to_dict()
    pooled = tuple(band.attrs.get("by", ("role",))) == ()
    last: list = []
    end: list = []
    beyond: list = []
    for row in now.itertuples():
        rows = status.loc[
            (status["couple_id"] == row.couple_id) & (status["partner"] == row.partner)
        ]
        scored = rows.loc[rows["score"].notna()]
        if scored.empty:
            last.append(pd.NaT)
            end.append(pd.NaT)
            beyond.append(False)
            continue
        top = last_aligned.get("all" if pooled else row.role)
        final = scored.iloc[-1]
        anchor = final["week"] - pd.Timedelta(weeks=int(final["aligned_week"]))
        last.append(final["week"])
        end.append(pd.NaT if top is None else anchor + pd.Timedelta(weeks=int(top)))
        beyond.append(top is not None and int(final["aligned_week"]) > int(top))
    return now.assign(
        last_week=pd.to_datetime(pd.Series(last, index=now.index, dtype=object)),
        reference_end=pd.to_datetime(pd.Series(end, index=now.index, dtype=object)),
        beyond_reference=pd.Series(beyond, index=now.index, dtype=bool),
    )


def default_since(logs: Logs, *, days: int = DEFAULT_SINCE_DAYS) -> pd.Timestamp | None:
    """The default "last session": ``days`` days before the latest record (None when empty).

    Examples
    --------
    >>> from trustdata.logs import as_table
    >>> ci = as_table("checkins", [{"couple_id": "c1", "partner": "A", "date": "2025-03-31",
    ...                             "connection": 5}])
    >>> default_since(Logs(checkins=ci)).date()
    datetime.date(2025, 3, 3)
    """
    dates = _all_dates(logs)
    if dates.empty:
        return None
    return (dates.max() - pd.Timedelta(days=days)).normalize()


def _all_dates(logs: Logs) -> pd.Series:
    parts = [logs.checkins["date"], logs.triggers["timestamp"], logs.events["date"]]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series([], dtype="datetime64[ns]")
    return pd.concat(parts, ignore_index=True).dropna()


def _display_names(couples: pd.DataFrame, partners: tuple[str, ...]) -> dict[str, str]:
    prefix = schemas.DISPLAY_NAME_PREFIX
    names = {p: p for p in partners}
    if couples.empty:
        return names
    row = couples.iloc[0]
    for p in partners:
        col = prefix + p
        if col in couples.columns:
            value = row[col]
            if isinstance(value, str) and value.strip():
                names[p] = " ".join(value.split())
    return names


def _kinds(events: pd.DataFrame) -> pd.Series:
    return events["kind"].astype(object).astype(str)


#: The word that marks a rejected events record as abuse when its ``kind`` is not a kind the
#: format knows (``"domestic abuse"``, a shifted line): anywhere in the record, any case.
_ABUSE_WORD = re.compile(r"(?<![a-z])abuse(?![a-z])", re.IGNORECASE)
#: A rejected record's reason names its date (``"date is ..."``: unreadable, or after today).
_DATE_REASON = re.compile(r"(?:^|; )date\b")

#: ``source, line, reason, partner, note, date_unread`` of :func:`_unread_abuse`.
UNREAD_ABUSE_COLUMNS = ("source", "line", "reason", "partner", "note", "date_unread")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A rejected frame's column as stripped text ("" where missing or absent)."""
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def _unread_abuse(rejected: pd.DataFrame, couple_id: str, only_couple: bool) -> pd.DataFrame:
    """The rejected events records of this couple that record abuse (see ``abuse`` above).

    A record counts when its ``kind`` reads ``abuse`` (case and spaces aside), or, when its
    kind is not one the format knows, when any of its values holds the word "abuse".
    ``couple_id`` is compared with spaces at the ends and case aside (a slip of the keyboard
    must not hide abuse); a record without a couple id counts for the couple only when the
    logs hold no other couple.
    ``date_unread`` is True when the reason names the record's date (unreadable, or after
    today), else False (the record was left out for another reason: its date is not used).
    """
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in UNREAD_ABUSE_COLUMNS})
    if rejected is None or rejected.empty or "table" not in rejected.columns:
        return empty
    ev = rejected.loc[rejected["table"].astype(str) == "events"]
    if ev.empty:
        return empty
    ids = _text(ev, "couple_id")
    mine = ids.str.casefold() == str(couple_id).strip().casefold()
    if only_couple:
        mine |= ids == ""
    ev = ev.loc[mine]
    kind = _text(ev, "kind").str.casefold().str.replace(r"[\s-]+", "_", regex=True)
    known = kind.isin(schemas.EVENT_KINDS)
    values = [c for c in ev.columns if c not in schemas.REJECTED_COLUMNS]
    worded = pd.Series(False, index=ev.index)
    for col in values:
        worded |= _text(ev, col).str.contains(_ABUSE_WORD)
    reason = _text(ev, "reason")
    hit = (kind == "abuse") | (~known & worded)
    ev = ev.loc[hit]
    if ev.empty:
        return empty
    return pd.DataFrame(
        {
            "source": _text(ev, "source").to_numpy(dtype=object),
            "line": pd.array(ev["line"].to_numpy(), dtype="Int64"),
            "reason": reason.loc[ev.index].to_numpy(dtype=object),
            "partner": _text(ev, "partner").to_numpy(dtype=object),
            "note": _text(ev, "note").to_numpy(dtype=object),
            "date_unread": reason.loc[ev.index].str.contains(_DATE_REASON).to_numpy(dtype=bool),
        }
    ).reset_index(drop=True)


#: Columns of the review's ``mistyped`` and ``couple_mistyped`` frames, and their dtypes.
_MISTYPED_DTYPES = {
    "table": "str",
    "date": "datetime64[ns]",
    "file": "str",
    "line": "Int64",
    "side": "str",
    "months": "Int64",
    "year": "Int64",
}


def _no_mistyped() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _MISTYPED_DTYPES.items()})


def _mistyped(warnings: pd.DataFrame, couple_id: str, dates: pd.Series) -> pd.DataFrame:
    """The couple's kept records that may have a mistyped year (``Logs.warnings``), as a view
    says them: which side of the rest each lies on and the year of its neighbour.

    ``dates`` are the records the page may show (any table); a warning's neighbour is the
    nearest of them after it (``side == "before"``: it is more than
    :data:`~trustdata.io._isolated.NEAR_DAYS` days before the next record) or else before it
    (``"after"``); ``"apart"`` with no ``year`` when neither is that far (a neighbour the page
    does not show).  More than :data:`~trustdata.io._isolated.ISOLATED_DAYS` days away,
    ``months`` is missing and ``year`` is the neighbour's; less (a one-year slip of a record
    among the rest), ``months`` is the whole months to the neighbour and ``year`` the one a
    year toward the rest.  ``file`` is the file's name (``""`` for frames not read from a
    file), ``line`` its line.  One row per warning, by date, table and line.
    """
    from trustdata.io._future import DATE_COLUMNS
    from trustdata.io._isolated import ISOLATED_DAYS, NEAR_DAYS

    dated = warnings["column"].astype(str).isin(set(DATE_COLUMNS.values()))
    mine = warnings.loc[dated & (warnings["couple_id"].astype(str) == couple_id)]
    if not len(mine):
        return _no_mistyped()
    days = np.unique(pd.to_datetime(dates).dt.normalize().to_numpy(dtype="datetime64[D]"))
    rows = []
    for w in mine.itertuples(index=False):
        day = np.datetime64(str(w.value)[:10], "D")
        before, after = np.searchsorted(days, day, "left"), np.searchsorted(days, day, "right")
        side, year, months, gap = "apart", None, None, 0
        if after < len(days) and int((days[after] - day).astype(int)) > NEAR_DAYS:
            side, near, gap = "before", days[after], int((days[after] - day).astype(int))
        elif before > 0 and int((day - days[before - 1]).astype(int)) > NEAR_DAYS:
            side, near, gap = "after", days[before - 1], int((day - days[before - 1]).astype(int))
        if gap > ISOLATED_DAYS:  # a year apart: the neighbour's year
            year = pd.Timestamp(near).year
        elif gap:  # a one-year slip: the year a year toward the rest
            months = int(gap / schemas.DAYS_PER_MONTH)
            year = (pd.Timestamp(day) + pd.Timedelta(days=365 if side == "before" else -365)).year
        source = str(w.source)
        rows.append(
            {
                "table": str(w.table),
                "date": pd.Timestamp(day),
                "file": "" if source.startswith("<") else PurePath(source).name,
                "line": w.line,
                "side": side,
                "months": months,
                "year": year,
            }
        )
    out = pd.DataFrame(rows, columns=list(_MISTYPED_DTYPES)).astype(_MISTYPED_DTYPES)
    return out.sort_values(["date", "table", "line"], kind="stable").reset_index(drop=True)


#: Columns of the review's ``case_twins`` frame, and their dtypes.
_CASE_TWIN_DTYPES = {
    "column": "str",
    "value": "str",
    "others": "object",
    "file": "str",
    "n": "int64",
    "first_line": "Int64",
    "last_line": "Int64",
    "lines": "str",
}


def _no_case_twins() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _CASE_TWIN_DTYPES.items()})


def case_twins(logs: Logs, couple_id: str) -> pd.DataFrame:
    """The couple's ids written in another case elsewhere in the logs (the review's
    ``case_twins``; ``trustdata report`` says them on stderr too).

    From the loader's warnings (:mod:`trustdata.io._case`: the records of the less used
    spelling): the couple id when another couple id equals it but for case (``Couple-01`` and
    ``couple-01``, whichever of them is ``couple_id``), and the couple's partners that do
    (``a`` and ``A``).  One row per spelling listed and file: ``column`` (``"couple_id"`` or
    ``"partner"``), ``value`` (that spelling), ``others`` (the other spellings, a tuple),
    ``file`` (the file's name, ``""`` for frames not read from a file), ``n`` (its records)
    and ``first_line`` / ``last_line``, and ``lines``: all of them in words
    (:func:`trustdata._words.line_numbers`, e.g. ``"lines 2-4, 7"``; empty without lines).

    Examples
    --------
    >>> from trustdata.io import from_frames
    >>> logs = from_frames(checkins=pd.DataFrame({"couple_id": "c1", "partner": ["A", "A", "a"],
    ...     "connection": "5", "date": ["2024-02-05", "2024-02-12", "2024-02-19"]}))
    >>> case_twins(logs, "c1")[["column", "value", "others", "n", "first_line"]].values.tolist()
    [['partner', 'a', ('A',), 1, 3]]
    """
    w = logs.warnings
    if not len(w):
        return _no_case_twins()
    column, cid = w["column"].astype(str), w["couple_id"].astype(str)
    folded = couple_id.casefold()
    ids = (column == "couple_id") & (cid.str.casefold() == folded)
    partners = (column == "partner") & (cid == couple_id)
    mine = w.loc[(ids | partners).to_numpy(dtype=bool)]
    if not len(mine):
        return _no_case_twins()
    known_ids = [c for c in logs.couple_ids if str(c).casefold() == folded]
    one = logs.couple(couple_id) if couple_id in logs.couple_ids else None
    known_partners = set()
    if one is not None:
        for table in (one.checkins, one.triggers, one.events):
            if "partner" in table.columns:
                known_partners |= set(table["partner"].dropna().astype(str))
    rows = []
    keys = ["column", "value", "source"]
    for (col, value, source), group in mine.groupby(keys, sort=True):
        pool = known_ids if col == "couple_id" else known_partners
        others = tuple(sorted(v for v in pool if v != value and v.casefold() == value.casefold()))
        if not others:  # the other spelling is not in these logs (e.g. one couple's)
            continue
        lines = group["line"].dropna()
        rows.append(
            {
                "column": col,
                "value": value,
                "others": others,
                "file": "" if str(source).startswith("<") else PurePath(str(source)).name,
                "n": len(group),
                "first_line": int(lines.min()) if len(lines) else None,
                "last_line": int(lines.max()) if len(lines) else None,
                # every line, ranges where consecutive ("lines 2-4, 7"): first to last alone
                # read as a run where the records had gaps
                "lines": line_numbers(group["line"]) if len(lines) else "",
            }
        )
    return pd.DataFrame(rows, columns=list(_CASE_TWIN_DTYPES)).astype(_CASE_TWIN_DTYPES)


def _without_abuse(warnings: pd.DataFrame, abuse: pd.DataFrame) -> pd.DataFrame:
    """``warnings`` without the events records of a day with an abuse event (the couple's
    shared page never shows an abuse event, nor its date)."""
    days = {d.strftime("%Y-%m-%d") for d in abuse["date"].dropna()}
    if not days or not len(warnings):
        return warnings
    drop = (warnings["table"] == "events") & warnings["value"].astype(str).str[:10].isin(days)
    return warnings.loc[~drop.to_numpy(dtype=bool)]


def unread_abuse(logs: Logs, couple_id: str) -> pd.DataFrame:
    """The abuse records of one couple that could not be read (the review's ``abuse_unread``).

    Returns
    -------
    pandas.DataFrame
        ``source, line, reason, partner, note, date_unread``: one row per rejected events
        record of the couple that records abuse (see ``abuse`` in the module docstring).

    Examples
    --------
    >>> from trustdata.logs import empty_rejected
    >>> bad = pd.DataFrame({"table": ["events"], "source": ["events.csv"], "line": [4],
    ...     "reason": ["date is 2052-03-15, ... after today"], "couple_id": ["c1"],
    ...     "date": ["2052-03-15"], "kind": ["abuse"]})
    >>> got = unread_abuse(Logs(rejected=bad), "c1")
    >>> got[["source", "line", "date_unread"]].to_dict("records")
    [{'source': 'events.csv', 'line': 4, 'date_unread': True}]
    >>> len(unread_abuse(Logs(rejected=empty_rejected()), "c1"))
    0
    """
    return _unread_abuse(logs.rejected, couple_id, len(logs.couple_ids) <= 1)


def _lines_words(unread: pd.DataFrame) -> str:
    """Where the records are: ``"events.csv, line 32"``, ``"events.csv, lines 32 and 33"``."""
    parts = []
    for source, group in unread.groupby("source", sort=False):
        lines = [str(int(x)) for x in group["line"].dropna()]
        word = "line" if len(lines) == 1 else "lines"
        joined = " and ".join([", ".join(lines[:-1]), lines[-1]] if len(lines) > 1 else lines)
        parts.append(f"{source}, {word} {joined}" if lines else str(source))
    return "; ".join(parts)


def _unread_sentence(unread: pd.DataFrame) -> str:
    """What the safety notice adds for abuse records that could not be read (no date, no note,
    no reason: the couple's page may show neither an abuse event's date nor its note)."""
    if unread.empty:
        return ""
    n = len(unread)
    k = int(unread["date_unread"].sum())
    where = _lines_words(unread)
    if n == 1:
        what = "The date of an abuse record" if k else "An abuse record"
        return (
            f"{what} could not be read ({where}), so it is on no chart or list here; this "
            "notice is shown for it all the same. Please correct that line in the log."
        )
    dates = ""
    if k == n:
        dates = ": their dates could not be read"
    elif k:
        dates = f": the date of {k} of them could not be read"
    return (
        f"{n} abuse records could not be read ({where}){dates}, so they are on no chart or "
        "list here; this notice is shown for them all the same. Please correct those lines "
        "in the log."
    )


def _safety(events: pd.DataFrame, unread: pd.DataFrame, couple_id: str):
    """The review's safety fact: the notice of :func:`trustdata.milestones.safety_notice` for the
    couple's abuse events, or for abuse records that could not be read (``unread``), whose
    text then says so and where (see ``abuse`` above); None when there is no abuse anywhere."""
    from dataclasses import replace

    from trustdata import milestones

    notice = milestones.safety_notice(events)
    if unread.empty:
        return notice
    if notice is None:
        notice = milestones.SafetyNotice(
            title=milestones.SAFETY_TITLE,
            text=milestones.SAFETY_TEXT,
            resources=milestones.SAFETY_RESOURCES,
            couple_ids=(couple_id,),
        )
    return replace(notice, text=f"{notice.text} {_unread_sentence(unread)}")


def _unread_flags(unread: pd.DataFrame, couple_id: str, columns: pd.Index) -> pd.DataFrame:
    """One ``abuse`` red flag (severity ``safety``, no date) per unread abuse record."""
    from trustdata import milestones

    rows = [
        {
            "couple_id": couple_id,
            "partner": u.partner or None,
            "flag": "abuse",
            "severity": "safety",
            "date": pd.NaT,
            "evidence": (
                f"An abuse record could not be read ({PurePath(u.source).name}, line {u.line}); "
                "its date is not known."
            ),
            "message": milestones.SAFETY_TEXT,
            "guidance": THERAPIST_GUIDANCE["abuse"],
            "new_since": False,
            "again_since": False,
            "raised_to": pd.NaT,
        }
        for u in unread.itertuples()
    ]
    return pd.DataFrame(rows, columns=columns)


def _trend_verdicts(checkins: pd.DataFrame, summaries: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for measure, summary in summaries.items():
        for s in summary.itertuples(index=False):
            scores = checkins.loc[checkins["partner"] == s.partner, measure].astype("float64")
            span = (s.last_date - s.first_date).days if pd.notna(s.first_date) else 0
            too_short = bool(span < SHORT_SPAN_DAYS)
            rows.append(
                {
                    "partner": s.partner,
                    "measure": measure,
                    "n_checkins": int(s.n_checkins),
                    "too_short": too_short,
                    "mean_all": float(scores.mean()) if scores.notna().any() else np.nan,
                    "first_mean": float(s.first_month_mean),
                    "latest_mean": float(s.latest_month_mean),
                    "verdict": "too_short" if too_short else str(s.change),
                    "slope_per_month": float(s.slope_per_month),
                    "slope_low": float(s.slope_low),
                    "slope_high": float(s.slope_high),
                    "mk_tau": float(s.mk_tau),
                    "mk_p": float(s.mk_p),
                    "rci": float(s.rci),
                    "shape": str(getattr(s, "shape", "")),
                    "end_weeks": int(getattr(s, "end_weeks", WINDOW_WEEKS)),
                    "rc_points": float(getattr(s, "rc_points", np.nan)),
                    "route": ""
                    if too_short
                    else _route(
                        str(s.change), float(s.rci), float(s.slope_low), float(s.slope_high)
                    ),
                    "ends_reliable": bool(abs(float(s.rci)) > _rci_cutoff()),
                    "trend_points": float(getattr(s, "trend_points", np.nan)),
                    "change_points": float(getattr(s, "change_points", np.nan)),
                    "line_points": float(getattr(s, "line_points", np.nan)),
                    "trend_short": ""
                    if too_short
                    else _trend_short(
                        str(s.change),
                        float(s.rci),
                        float(s.slope_low),
                        float(s.slope_high),
                        float(getattr(s, "trend_points", np.nan)),
                        float(s.level),
                    ),
                }
            )
    columns = [
        "partner",
        "measure",
        "n_checkins",
        "too_short",
        "mean_all",
        "first_mean",
        "latest_mean",
        "verdict",
        "slope_per_month",
        "slope_low",
        "slope_high",
        "mk_tau",
        "mk_p",
        "rci",
        "shape",
        "rc_points",
        "end_weeks",
        "route",
        "ends_reliable",
        "trend_points",
        "change_points",
        "line_points",
        "trend_short",
    ]
    return pd.DataFrame(rows, columns=columns)


def _setback_at_ends(verdicts: pd.DataFrame, weeks: pd.DataFrame, found: pd.DataFrame) -> list:
    """Which compared end of each connection verdict holds a setback that its mean counts:
    ``"first"``, ``"latest"``, ``"first and latest"`` or ``""``.

    The ends are the partner's first and latest ``end_weeks`` observed weeks (``weeks`` is
    :func:`trustdata.trends.trend_weeks`); a setback covers the weeks from its start to before
    its end (to the last week when ongoing).  An end counts it only when none of those weeks is
    ``set_aside``: :func:`trustdata.trends.trend_summary` sets a sudden dip's weeks aside from
    its ends, and then the setback does not pull the mean the page prints.
    """
    out = []
    for v in verdicts.itertuples(index=False):
        if v.measure != "connection" or v.too_short:
            out.append("")
            continue
        mine = weeks.loc[weeks["partner"] == v.partner]  # sorted by week
        sb = found.loc[found["partner"] == v.partner]
        k = v.end_weeks
        hit = []
        for name, rows in (("first", mine.iloc[:k]), ("latest", mine.iloc[-k:])):
            if k == 0 or rows["set_aside"].any():
                continue  # the end is not those weeks (a dip set aside)
            for row in sb.itertuples(index=False):
                stop = row.end if pd.notna(row.end) else pd.Timestamp.max
                if ((rows["week"] >= row.start) & (rows["week"] < stop)).any():
                    hit.append(name)
                    break
        out.append(" and ".join(hit))
    return out


def _dip_runs(aside: np.ndarray, end_weeks: int) -> dict[str, list[tuple[int, int]]]:
    """The runs of set-aside weeks each end mean of one partner leaves out (one rule for the
    trust sentences and the layers chart).

    ``aside`` is the partner's ``set_aside`` of :func:`trustdata.trends.trend_weeks` (sorted by
    week).  The first / latest mean is the mean of the first / latest ``end_weeks`` weeks not
    set aside; the runs it leaves out are the runs of consecutive set-aside weeks that lie
    among those weeks (``"first"`` and ``"latest"``: ``(lo, hi)`` positions, oldest first),
    and for the latest mean also the run after its last week, which runs to the partner's
    last observed week (``"trailing"``: one run or none).  Two runs with a kept week between
    them are two dips: a kept week is never inside a run.

    Examples
    --------
    Weeks 0-11, set aside: week 2, weeks 7-8 and weeks 10-11 (kept: 0, 1, 3-6 and 9).  The
    first mean's weeks are 0, 1, 3 and 4; the latest mean's 4, 5, 6 and 9:

    >>> aside = np.array([0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1], dtype=bool)
    >>> _dip_runs(aside, 4)
    {'first': [(2, 2)], 'latest': [(7, 8)], 'trailing': [(10, 11)]}
    """
    n = len(aside)
    kept = np.flatnonzero(~aside)
    starts = np.flatnonzero(aside & ~np.r_[False, aside[:-1]])
    stops = np.flatnonzero(aside & ~np.r_[aside[1:], False])
    runs = [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]
    out: dict[str, list[tuple[int, int]]] = {"first": [], "latest": [], "trailing": []}
    k = min(end_weeks, len(kept))
    if k == 0 or n == 0:
        return out
    first_hi, latest_lo, latest_hi = kept[k - 1], kept[-k], kept[-1]
    out["first"] = [(a, b) for a, b in runs if b < first_hi]
    out["latest"] = [(a, b) for a, b in runs if latest_lo < a and b < latest_hi]
    out["trailing"] = [(a, b) for a, b in runs if a > latest_hi]
    return out


def _ends_aside(verdicts: pd.DataFrame, weeks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Whether each verdict's first / latest mean leaves weeks out: a run of weeks
    ``set_aside`` in :func:`trustdata.trends.trend_weeks` (``trend_summary`` sets a sudden
    dip's weeks aside from its ends) lies among that mean's weeks, or, for the latest mean,
    after them (:func:`_dip_runs`), so the page must not call them "the first 4 weeks".

    With it, for the couple's plain words: ``{end}_dips``, how many such runs lie among the
    end's weeks (for the latest end, not counting a run after them: ``latest_dip_at_end``,
    the dip runs to the partner's last observed week), and of one of them, the latest (for
    the latest end, the run at the end when there is one), ``{end}_dip_from`` /
    ``{end}_dip_to`` (its first and last weeks: set-aside weeks only, never a kept week
    between two dips) and ``{end}_dip_mean`` (the mean of its weekly scores).
    """
    rows = []
    for v in verdicts.itertuples(index=False):
        row = {"first_aside": False, "latest_aside": False, "latest_dip_at_end": False}
        for end in ("first", "latest"):
            row.update({f"{end}_dip_from": pd.NaT, f"{end}_dip_to": pd.NaT,
                        f"{end}_dip_mean": np.nan, f"{end}_dips": 0})  # fmt: skip
        frame = weeks.get(v.measure)
        if v.too_short or frame is None or np.isnan(v.first_mean) or np.isnan(v.latest_mean):
            rows.append(row)
            continue
        mine = frame.loc[frame["partner"] == v.partner]  # sorted by week
        runs = _dip_runs(mine["set_aside"].to_numpy(dtype=bool), v.end_weeks)
        for end in ("first", "latest"):
            named = runs[end] + (runs["trailing"] if end == "latest" else [])
            if not named:
                continue
            lo, hi = named[-1]
            row[f"{end}_aside"] = True
            row[f"{end}_dips"] = len(runs[end])
            row[f"{end}_dip_from"] = mine["week"].iloc[lo]
            row[f"{end}_dip_to"] = mine["week"].iloc[hi]
            row[f"{end}_dip_mean"] = float(mine["score"].iloc[lo : hi + 1].mean())
        row["latest_dip_at_end"] = bool(runs["trailing"])
        rows.append(row)
    columns = ["first_aside", "latest_aside", "latest_dip_at_end"] + [
        f"{e}_dip{k}" for e in ("first", "latest") for k in ("_from", "_to", "_mean", "s")
    ]
    out = pd.DataFrame(rows, columns=columns, index=verdicts.index)
    return out.astype({"first_dips": "int64", "latest_dips": "int64"})


def _end_pauses(
    verdicts: pd.DataFrame, weeks: dict[str, pd.DataFrame], scored: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Where each verdict's first and latest ``end_weeks`` weekly scores lie in the calendar.

    The first and latest means are the means of the partner's first and latest ``end_weeks``
    weeks with a score (not set aside, :func:`trustdata.trends.trend_weeks`): across a pause in
    logging they are not "the first 4 weeks" (an intake check-in, then months without one) or
    "the latest 4 weeks" (a lone check-in today after a year without one is one of them).
    Returns, for ``end`` in ``first`` and ``latest``, ``{end}_from`` / ``{end}_to`` (the Mondays
    of the first and last of those weeks), ``{end}_span_weeks`` (calendar weeks from the one to
    the other, both counted), ``{end}_pause_from`` / ``{end}_pause_to`` (the longest stretch
    between them without a check-in scoring the measure, from the day after one to the day
    before the next, when it is at least ``end_weeks`` weeks long; else NaT) and
    ``{end}_paused`` (there is one).
    """
    ends = ("first", "latest")
    rows = []
    for v in verdicts.itertuples(index=False):
        row = {}
        for end in ends:
            row.update({f"{end}_from": pd.NaT, f"{end}_to": pd.NaT, f"{end}_span_weeks": 0,
                        f"{end}_paused": False, f"{end}_pause_from": pd.NaT,
                        f"{end}_pause_to": pd.NaT})  # fmt: skip
        frame = weeks.get(v.measure)
        if v.too_short or frame is None or v.end_weeks == 0:
            rows.append(row)
            continue
        mine = frame.loc[(frame["partner"] == v.partner) & ~frame["set_aside"], "week"]
        ci = scored[v.measure]
        all_days = ci.loc[ci["partner"] == v.partner, "date"].dt.normalize()
        for end, mean in (("first", v.first_mean), ("latest", v.latest_mean)):
            if np.isnan(mean):
                continue
            # sorted by week: the end mean's weeks
            at_end = mine.iloc[: v.end_weeks] if end == "first" else mine.iloc[-v.end_weeks :]
            lo, hi = at_end.iloc[0], at_end.iloc[-1]
            row.update({f"{end}_from": lo, f"{end}_to": hi,
                        f"{end}_span_weeks": int((hi - lo).days // 7) + 1})  # fmt: skip
            inside = (all_days >= lo) & (all_days < hi + pd.Timedelta(days=7))
            days = np.sort(all_days.loc[inside].unique())
            if len(days) > 1:
                gaps = np.diff(days)
                at = int(np.argmax(gaps))
                # at least end_weeks whole weeks of days without a score between two scores
                if gaps[at] > np.timedelta64(7 * v.end_weeks, "D"):
                    row[f"{end}_paused"] = True
                    row[f"{end}_pause_from"] = pd.Timestamp(days[at]) + pd.Timedelta(days=1)
                    row[f"{end}_pause_to"] = pd.Timestamp(days[at + 1]) - pd.Timedelta(days=1)
        rows.append(row)
    columns = [f"{end}_{k}" for end in ends for k in ("from", "to", "span_weeks", "paused",
                                                      "pause_from", "pause_to")]  # fmt: skip
    out = pd.DataFrame(rows, columns=columns, index=verdicts.index)
    for end in ends:
        for c in (f"{end}_from", f"{end}_to", f"{end}_pause_from", f"{end}_pause_to"):
            out[c] = pd.to_datetime(out[c])
    return out.astype({c: "int64" if c.endswith("span_weeks") else bool
                       for c in columns if c.endswith(("span_weeks", "paused"))})  # fmt: skip


#: Calendar weeks of the layers chart's "at the start" and "recently" windows
#: (:func:`trustdata.layers.layers_profile`'s ``start_weeks`` and ``recent_weeks``).
LAYER_WINDOW_WEEKS = 8

_LEFT_OUT_COLUMNS = ["partner", "end", "dip_from", "dip_to", "no_recent", "last_rated"]


def _layers_profile(
    ci: pd.DataFrame, verdicts: pd.DataFrame, trust_weeks: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The layers chart's profile, leaving out the sudden dips the trust sentences leave out.

    A partner's trust sentence leaves sudden dips out of its first or latest weeks
    (``first_aside`` / ``latest_aside``; :func:`_dip_runs`, except a dip that runs to the last
    week, which the sentence tells as now); the profile is then
    :func:`trustdata.layers.layers_profile` of the check-ins without those dips' weeks (each
    ``dip_from`` to ``dip_to``, every measure), so its "at the
    start" and "recently" leave out the same weeks.  Returns the profile (None when empty) with
    ``start_left_from`` / ``start_left_to`` / ``recent_left_from`` / ``recent_left_to`` (the dip
    left out of that window; NaT when none) and one row per dip left out that falls in a window:
    ``partner, end`` (``"first"`` or ``"latest"``), ``dip_from, dip_to``, ``no_recent`` (the
    measures, in :data:`trustdata.layers.LAYER_MEASURES` order, that the partner scored in the
    recent window only inside the dip: they have no recent level) and ``last_rated`` (the latest
    check-in scoring them).
    """
    from trustdata import layers

    week = schemas.week_start(ci["date"])
    dips = []
    if trust_weeks is not None:
        for v in verdicts.loc[verdicts["measure"] == "trust"].itertuples(index=False):
            if not (v.first_aside or v.latest_aside):
                continue  # too short, or no end leaves a dip out
            mine = trust_weeks.loc[trust_weeks["partner"] == v.partner]  # sorted by week
            runs = _dip_runs(mine["set_aside"].to_numpy(dtype=bool), v.end_weeks)
            # every dip an end's mean leaves out, each its own run; not a dip at the very end
            for end in ("first", "latest"):
                for lo, hi in runs[end]:
                    dips.append((str(v.partner), end, mine["week"].iloc[lo],
                                 mine["week"].iloc[hi]))  # fmt: skip
    inside = pd.Series(False, index=ci.index)
    for partner, _, lo, hi in dips:
        inside |= (ci["partner"] == partner) & (week >= lo) & (week <= hi)
    n = LAYER_WINDOW_WEEKS
    profile = layers.layers_profile(ci.loc[~inside], recent_weeks=n, start_weeks=n)
    measures = [m for m in layers.LAYER_MEASURES if m in ci.columns]
    rows = []
    for partner, end, lo, hi in dips:
        mine = profile.loc[profile["partner"] == partner]
        if end == "first":
            first = trust_weeks.loc[trust_weeks["partner"] == partner, "week"].min()
            if lo > first + pd.Timedelta(weeks=n - 1):
                continue  # the dip lies after the start window: nothing left out of it
            no_recent: tuple[str, ...] = ()
            last_rated = pd.NaT
        else:
            if mine.empty or hi < mine["recent_start"].iloc[0]:
                continue  # the dip lies before the recent window
            start = mine["recent_start"].iloc[0]
            level = mine.set_index("layer")["recent_level"]
            in_dip = ci.loc[(ci["partner"] == partner) & (week >= max(lo, start)) & (week <= hi)]
            no_recent = tuple(
                m for m in measures if in_dip[m].notna().any() and pd.isna(level.get(m, np.nan))
            )
            scored = in_dip.loc[in_dip[list(no_recent)].notna().any(axis=1), "date"]
            last_rated = scored.max() if len(no_recent) else pd.NaT
        rows.append({"partner": partner, "end": end, "dip_from": lo, "dip_to": hi,
                     "no_recent": no_recent, "last_rated": last_rated})  # fmt: skip
    left = pd.DataFrame(rows, columns=_LEFT_OUT_COLUMNS)
    if profile.empty:
        return None, left
    for end, window in (("first", "start"), ("latest", "recent")):
        # two dips left out of one window (rare): the chart's words name the latest
        these = left.loc[left["end"] == end].drop_duplicates("partner", keep="last")
        these = these.set_index("partner")
        for side in ("from", "to"):
            got = profile["partner"].map(these[f"dip_{side}"]) if len(these) else pd.NaT
            profile[f"{window}_left_{side}"] = pd.to_datetime(pd.Series(got, index=profile.index))
    return profile, left


def _with_window_days(trend: pd.DataFrame) -> pd.DataFrame:
    """``trigger_trend`` plus ``first_until`` / ``latest_until``: the last day inside each
    window (the windows' ends are exclusive), for the therapist's "from ... to ..."."""
    last = pd.Timedelta(1, "ns")
    return trend.assign(
        first_until=(trend["first_end"] - last).dt.normalize(),
        latest_until=(trend["latest_end"] - last).dt.normalize(),
    )


def _weeks_before(last: pd.Timestamp | None, generated: pd.Timestamp) -> int | None:
    """Whole weeks from ``last`` to ``generated`` when more than STOPPED_DAYS days, else None."""
    if last is None or pd.isna(last):
        return None
    days = int((generated.normalize() - last.normalize()).days)
    return days // 7 if days > STOPPED_DAYS else None


def _stopped(checkins: pd.DataFrame, partners, last) -> pd.DataFrame:
    rows = []
    for p in partners:
        mine = checkins.loc[checkins["partner"] == p, "date"]
        if mine.empty or last is None:
            continue
        latest = mine.max()
        days = int((last.normalize() - latest.normalize()).days)
        if days > STOPPED_DAYS:
            rows.append(
                {
                    "partner": p,
                    "last_checkin": latest.normalize(),
                    "days_before_latest": days,
                    "weeks_before_latest": days // 7,
                }
            )
    return pd.DataFrame(
        rows, columns=["partner", "last_checkin", "days_before_latest", "weeks_before_latest"]
    )


#: The kind a setback's context gives the yearly return of the couple's discovery or disclosure
#: falling in its window (:func:`~trustdata.setbacks.setback_context`'s ``anniversary``).
ANNIVERSARY_KINDS: dict[str, str] = {
    kind: f"anniversary_of_{kind}" for kind in schemas.ANCHOR_EVENT_KINDS
}


def _partners_scoring(
    ci: pd.DataFrame, measures: list[str], layers: bool
) -> dict[str, tuple[str, ...]]:
    """Per measure (and ``"layers"``): the partners with at least one score of it.

    ``"layers"`` counts the six layers only (:data:`trustdata.schemas.LAYERS`), not trust, which
    is a measure of its own: a partner who rated trust and no layer has not rated the layers.
    """
    out = {m: tuple(sorted(set(ci.loc[ci[m].notna(), "partner"]))) for m in measures}
    if layers:
        cols = [c for c in schemas.LAYERS if c in ci.columns]
        out["layers"] = tuple(sorted(set(ci.loc[ci[cols].notna().any(axis=1), "partner"])))
    return out


def _window_events(context: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Each setback's events, and the anniversaries of the discovery or disclosure in its window.

    An anniversary is the date of :func:`~trustdata.setbacks.setback_context`'s ``anniversary``
    (the same rule: same month and day, a later year, 29 February on 28 February), with the kind
    :data:`ANNIVERSARY_KINDS` of its event.
    """
    from trustdata.setbacks import _next_anniversary

    out = []
    kinds = events["kind"].astype(object)
    anchors = events.loc[kinds.isin(schemas.ANCHOR_EVENT_KINDS)]
    for row in context.itertuples(index=False):
        inside = events.loc[
            (events["date"] >= row.window_start) & (events["date"] <= row.window_end)
        ]
        for e in inside.itertuples(index=False):
            out.append({"setback_id": row.setback_id, "date": e.date, "kind": str(e.kind)})
        if not row.anniversary or anchors.empty:
            continue
        starts = pd.Series([row.window_start] * len(anchors))
        returns = _next_anniversary(anchors["date"], starts)
        for when, kind in zip(returns, anchors["kind"].astype(str), strict=True):
            if when <= row.window_end:
                out.append(
                    {"setback_id": row.setback_id, "date": when, "kind": ANNIVERSARY_KINDS[kind]}
                )
    frame = pd.DataFrame(out, columns=["setback_id", "date", "kind"])
    return frame.sort_values(["setback_id", "date"], kind="stable").reset_index(drop=True)


def _answered(checkins: pd.DataFrame) -> pd.Series:
    text = list(schemas.CHECKIN_TEXT_COLUMNS)
    if checkins.empty:
        return pd.Series([], dtype=bool)
    return (
        checkins[text]
        .apply(lambda col: col.notna() & (col.astype(object).astype(str).str.strip() != ""))
        .any(axis=1)
    )


#: Red flags told as hard news or by the safety notice, not as a note to the couple.
_EVENT_FLAGS = ("abuse", *HARD_NEWS_KINDS)


def _couple_notes(flags: pd.DataFrame) -> pd.DataFrame:
    picked = flags.loc[~flags["flag"].astype(str).isin(_EVENT_FLAGS)]
    picked = picked.drop_duplicates(["flag", "partner"])
    picked = picked.sort_values(["flag", "partner"], kind="stable", na_position="last")
    words = picked["flag"].astype(str).map(COUPLE_NOTE_MESSAGES)
    picked = picked.assign(message=words.where(words.notna(), picked["message"]))
    return picked[["flag", "partner", "message"]].reset_index(drop=True)


#: What makes two red flags the same flag: an event's flag is its event (flag, partner, date);
#: a flag on the scores or the gap is a standing condition (flag, partner), whatever its date.
_EVENT_FLAG_CODES = ("abuse", "repeat_betrayal", "new_information")


def _new_since(
    flags: pd.DataFrame,
    ci: pd.DataFrame,
    tr: pd.DataFrame,
    ev: pd.DataFrame,
    since: pd.Timestamp | None,
) -> np.ndarray | bool:
    """Which red flags are new since the last session: not raised on the logs before ``since``.

    A flag's ``date`` is the date of its latest evidence (the latest check-in, for a standing
    condition such as no reliable improvement), so a date after ``since`` does not make it new:
    :func:`~trustdata.milestones.red_flags` is run again on the records dated before ``since``
    (its rules that can raise one of ``flags`` only), and a flag is new when that run did not
    raise it (an event's flag: the same event; any other flag: the same flag for the same
    partner).
    """
    if since is None or not len(flags):
        return False
    from trustdata import milestones

    # only the rules that can raise one of these flags: no other flag of the earlier run is
    # looked up below
    before = milestones._red_flags(
        ci.loc[ci["date"] < since],
        ev.loc[ev["date"] < since],
        only=set(flags["flag"].astype(str)),
    )
    old = set(_flag_keys(before))
    return np.array([k not in old for k in _flag_keys(flags)], dtype=bool)


def _flag_keys(frame: pd.DataFrame) -> list[tuple]:
    """What makes two red flags the same one: the flag and the partner, and for an event's
    flag (:data:`_EVENT_FLAG_CODES`) its date (the same event); None for a missing value."""
    flag = frame["flag"].astype(str)
    partner = frame["partner"].astype(object).where(frame["partner"].notna(), None)
    date = frame["date"].where(flag.isin(_EVENT_FLAG_CODES))
    return list(zip(flag, partner, date.astype(object).where(date.notna(), None), strict=True))


#: A standing red flag not raised on the records before ``since`` is "raised again", not new,
#: when the records before one of these earlier cuts (days before ``since``: every 4 weeks over
#: the half year before) raised it: a condition that lifted for a good month is not news.
AGAIN_CUT_DAYS: tuple[int, ...] = (28, 56, 84, 112, 140, 168)


def _raised_again(
    flags: pd.DataFrame,
    ci: pd.DataFrame,
    ev: pd.DataFrame,
    since: pd.Timestamp | None,
    new: np.ndarray | bool,
) -> np.ndarray:
    """For each standing flag that :func:`_new_since` calls new, the last day of the records of
    the latest earlier cut (:data:`AGAIN_CUT_DAYS` before ``since``) on which the same rules
    raised it for the same partner; NaT where none did, for event flags (new with their event)
    and for flags not new.  The rules run again only when some standing flag is new."""
    out = np.full(len(flags), np.datetime64("NaT"), dtype="datetime64[ns]")
    if since is None or not len(flags):
        return out
    from trustdata import milestones

    flag = flags["flag"].astype(str)
    todo = np.asarray(new, dtype=bool) & ~flag.isin(_EVENT_FLAG_CODES).to_numpy()
    if not todo.any():
        return out
    mine = _flag_keys(flags)  # standing flags: (flag, partner, None)
    wanted = set(flag[todo])
    for days in AGAIN_CUT_DAYS:  # nearest cut first: its date is the one named
        cut = since - pd.Timedelta(days=days)
        raised = set(
            _flag_keys(
                milestones._red_flags(
                    ci.loc[ci["date"] < cut], ev.loc[ev["date"] < cut], only=wanted
                )
            )
        )
        hit = todo & np.array([k in raised for k in mine], dtype=bool)
        out[hit] = (cut - pd.Timedelta(days=1)).to_datetime64()
        todo &= ~hit
        if not todo.any():
            break
    return out


def _track_new_since(
    one: Logs, band: pd.DataFrame | None, now: pd.DataFrame | None, since: pd.Timestamp | None
) -> np.ndarray:
    """Which rows of ``track_now`` are a "not on track" flag new since the last session.

    The rule of :func:`_new_since` for the red flag the therapist page adds from the expected
    recovery: :func:`~trustdata.expected.track_status` is run again, against the same band, on
    the records dated before ``since``, and a partner's ``"not_on_track"`` is new when that
    run's latest status for the partner was not ``"not_on_track"`` (a standing condition: the
    same flag for the same partner, whatever its date).  False for every other status.
    """
    if now is None or not len(now):
        return np.zeros(0 if now is None else len(now), dtype=bool)
    flagged = (now["status"] == "not_on_track").to_numpy()
    if since is None or band is None or not flagged.any():
        return np.zeros(len(now), dtype=bool)
    from dataclasses import replace

    from trustdata import expected

    before = replace(
        one,
        checkins=one.checkins.loc[one.checkins["date"] < since],
        triggers=one.triggers.loc[one.triggers["timestamp"] < since],
        events=one.events.loc[one.events["date"] < since],
    )
    then = expected.track_summary(
        expected.track_status(before, band, weeks_below=EXPECTED_WEEKS_BELOW)
    )
    was = set(then.loc[then["status"] == "not_on_track", "partner"].astype(str))
    return flagged & ~now["partner"].astype(str).isin(was).to_numpy()


def _checkins_in_setbacks(
    changes: pd.DataFrame, checkins: pd.DataFrame, found: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Per row of ``changes``: how many of its check-ins before and since fell in a setback.

    A check-in is in a setback of its partner (on the compared measure) when its week
    (:func:`trustdata.schemas.week_start`) is from the setback's ``start`` up to, not
    including, its ``end`` (the first week back near the trend; an ongoing one has no end).
    The spans are those of :func:`trustdata.trends.changes_since`: ``[before_start, since)``
    and from ``since`` on.

    Returns
    -------
    dict
        ``checkins_before_in_setback`` and ``checkins_since_in_setback`` (int64 arrays in the
        order of ``changes``).
    """
    out = {
        "checkins_before_in_setback": np.zeros(len(changes), dtype="int64"),
        "checkins_since_in_setback": np.zeros(len(changes), dtype="int64"),
    }
    for i, row in enumerate(changes.itertuples(index=False)):
        sb = found.loc[(found["partner"] == row.partner) & (found["measure"] == row.measure)]
        if sb.empty:
            continue
        mine = checkins.loc[
            (checkins["partner"] == row.partner) & checkins[row.measure].notna(), "date"
        ]
        week = schemas.week_start(mine)
        inside = pd.Series(False, index=mine.index)
        for start, end in zip(sb["start"], sb["end"], strict=True):
            inside |= (week >= start) & ((week < end) if pd.notna(end) else True)
        before = (mine >= row.before_start) & (mine < row.since)
        out["checkins_before_in_setback"][i] = int((inside & before).sum())
        out["checkins_since_in_setback"][i] = int((inside & (mine >= row.since)).sum())
    return out


def _logged_parts(changes: pd.DataFrame, first: pd.Timestamp | None) -> dict[str, pd.Series]:
    """The logged part of each span of ``changes``: the days from the couple's first log on.

    :func:`trustdata.trends.changes_since` makes the span before as long as the span since
    (at least 28 days) whether or not the logs reach back that far; a span before that starts
    before the logs holds records only from their first day (e.g. 17 of 467 days), so its
    trigger count is compared with the span since per *logged* week.  The span since ends on
    the latest record; when anything was logged before ``since`` it is logged throughout.

    ``first`` is the couple's first check-in or trigger (``CoupleReview.logged_first``), not
    their first event: an event is a dated fact (a discovery entered when logging starts is
    dated weeks before it), and counting from it would spread the triggers before over days
    nobody logged.  It is the couple's, not each partner's: the page names one start and one
    logged length for the span before, said once above both partners' rows.

    Returns
    -------
    dict
        ``logged_days_before``, ``logged_days_since`` (int64: days of each span from the first
        record's day on, both ends counted), ``logged_weeks_before_shown`` (the former in
        weeks, rounded to one decimal as printed), ``triggers_per_logged_week_before``,
        ``triggers_per_logged_week_since`` (float: the trigger counts per 7 logged days; NaN
        without a logged day).
    """
    day = pd.Timedelta(days=1)
    start = first.normalize() if first is not None else None
    begin_before = (
        changes["before_start"] if start is None else changes["before_start"].clip(lower=start)
    )
    begin_since = changes["since"] if start is None else changes["since"].clip(lower=start)
    logged_before = ((changes["since"] - begin_before) // day).clip(lower=0).astype("int64")
    logged_since = ((changes["until"] - begin_since) // day + 1).clip(lower=0).astype("int64")
    return {
        "logged_days_before": logged_before,
        "logged_days_since": logged_since,
        "logged_weeks_before_shown": rounded(logged_before / 7, 1),
        "triggers_per_logged_week_before": (
            changes["triggers_before"] * 7 / logged_before.where(logged_before > 0)
        ).astype("float64"),
        "triggers_per_logged_week_since": (
            changes["triggers_since"] * 7 / logged_since.where(logged_since > 0)
        ).astype("float64"),
    }


def review(
    logs: Logs,
    couple_id: str,
    *,
    since: object = None,
    today: object = None,
    reference: object = None,
) -> CoupleReview:
    """Review one couple: run every analysis once and apply the review's rules.

    Parameters
    ----------
    logs : Logs
        Validated logs (one couple or many).  Not modified.
    couple_id : str
        The couple to review.
    since : date-like, optional
        The last session (an ISO date such as ``"2025-03-01"``); default
        :func:`default_since`.
    today : date-like, optional
        The generation date shown on the page (default: today).
    reference : Logs or path, optional
        A reference cohort (a :class:`Logs` of many couples, or a folder read with
        :func:`trustdata.cohort.load_cohort`) for the expected-recovery band
        (:func:`trustdata.expected.expected_recovery`) and this couple's track status.  Without
        one nothing about expected recovery is claimed (see ``expected reference`` above).

    Returns
    -------
    CoupleReview

    Raises
    ------
    ValueError
        When the couple is not in the logs or ``since`` / ``today`` is not a date.

    Examples
    --------
    >>> from trustdata.logs import Logs, as_table
    >>> ev = as_table("events", [
    ...     {"couple_id": "c1", "date": "2025-01-01", "kind": "discovery"},
    ...     {"couple_id": "c1", "date": "2025-03-03", "kind": "repeat_betrayal", "partner": "B"},
    ...     {"couple_id": "c1", "date": "2025-03-10", "kind": "abuse", "partner": "A",
    ...      "note": "private"}])
    >>> r = review(Logs(events=ev), "c1", since="2025-02-01", today="2025-04-01")
    >>> r.hard_news["kind"].tolist(), r.latest_hard_news.date()
    (['repeat_betrayal'], datetime.date(2025, 3, 3))
    >>> "abuse" in r.couple_events["kind"].astype(str).tolist(), len(r.abuse_events)
    (False, 1)
    """
    from trustdata import dyad, milestones, setbacks, trends, triggers

    stamp = _parse_since(since)
    generated = _parse_since(today) if today is not None else pd.Timestamp.today().normalize()
    one = logs.couple(couple_id)
    ci, tr, ev = one.checkins, one.triggers, one.events
    ev = ev.sort_values("date", kind="stable").reset_index(drop=True)
    dates = _all_dates(one)
    first = dates.min() if len(dates) else None
    last = dates.max() if len(dates) else None
    # the logging starts at the first check-in or trigger: events are dated facts, often
    # entered later and dated in the past (see _logged_parts)
    logged_first = min(
        (d.min() for d in (ci["date"].dropna(), tr["timestamp"].dropna()) if len(d)),
        default=None,
    )
    # a partner is anyone with a check-in or a trigger, named by an event or given a display
    # name: a partner who never logs is still one of the two (``no_checkins``)
    named = {
        str(c)[len(schemas.DISPLAY_NAME_PREFIX) :]
        for c in one.couples.columns
        if str(c).startswith(schemas.DISPLAY_NAME_PREFIX)
        and one.couples[c].astype(object).map(lambda v: isinstance(v, str) and v.strip()).any()
    }
    in_events = {str(x) for x in ev["partner"].dropna()} if "partner" in ev.columns else set()
    partners = tuple(
        sorted(set(ci["partner"]) | set(tr["partner"]) | {p for p in named | in_events if p})
    )
    roles = (
        ci.dropna(subset=["role"]).drop_duplicates("partner").set_index("partner")["role"].to_dict()
    )
    names = _display_names(one.couples, partners)

    measures = ["connection"]
    if "trust" in ci.columns and ci["trust"].notna().any():
        measures.append("trust")
    has_layers = any(c in ci.columns and ci[c].notna().any() for c in schemas.LAYERS)

    scored = {m: ci.loc[ci[m].notna()] if m != "connection" else ci for m in measures}
    trend_frames = {m: trends.weekly_trend(scored[m], ev, measure=m) for m in measures}
    summaries = {m: trends.trend_summary(scored[m], measure=m) for m in measures}
    monthly = {m: trends.monthly_scores(scored[m], measure=m) for m in measures}
    trend_weeks = {m: trends.trend_weeks(scored[m], measure=m) for m in measures}
    stopped = _stopped(ci, partners, last)
    verdicts = _trend_verdicts(ci, summaries)
    verdicts["stopped"] = verdicts["partner"].isin(stopped["partner"]).astype(bool)

    plan = triggers.plan_effect(tr, alpha=PLAN_ALPHA)
    # ahead of the day the page is made, not of the latest record: logs that ended months ago
    # must not list as "ahead" an anniversary that has already passed
    ahead = triggers.upcoming_anniversaries(ev, tr, on=generated, weeks=ANNIVERSARY_WEEKS)
    plan_rows = plan.loc[plan["category"] == "all"].reset_index(drop=True)
    found = setbacks.find_setbacks(ci)
    verdicts["setback_at_end"] = _setback_at_ends(verdicts, trend_weeks["connection"], found)
    aside = _ends_aside(verdicts, trend_weeks)
    verdicts[list(aside.columns)] = aside
    pause = _end_pauses(verdicts, trend_weeks, scored)
    verdicts[list(pause.columns)] = pause
    layers_profile, layers_left_out = None, pd.DataFrame(columns=_LEFT_OUT_COLUMNS)
    if has_layers or ("trust" in measures):
        layers_profile, layers_left_out = _layers_profile(ci, verdicts, trend_weeks.get("trust"))
    context = setbacks.setback_context(found, tr, ev, days=CONTEXT_DAYS)
    kinds = _kinds(ev)
    abuse = ev.loc[kinds == "abuse"]
    couple_events = ev.loc[kinds != "abuse"].reset_index(drop=True)
    shown = _all_dates(Logs(checkins=ci, triggers=tr, events=couple_events))
    window_all = _window_events(context, ev)
    window_couple = window_all.loc[window_all["kind"] != "abuse"].reset_index(drop=True)

    anchor_kind = None
    for kind in schemas.ANCHOR_EVENT_KINDS:
        if (kinds == kind).any():
            anchor_kind = kind
            break
    # hard news: during the recovery (on or after the anchor event), oldest first; the one
    # rule the cohort pipeline's small wins read too (milestones.hard_news)
    news = milestones.hard_news(ev)
    hard_news = pd.DataFrame(
        {
            "date": news["date"],
            "kind": news["kind"].astype(object).astype(str),
            "partner": news["partner"],
            "note": news["note"],
            "message": news["kind"].astype(object).astype(str).map(HARD_NEWS_MESSAGES),
        }
    ).reset_index(drop=True)
    latest = milestones.latest_hard_news(ev)
    latest_news = latest["date"].iloc[0] if len(latest) else None

    # not logging is not a win: small_wins' own rule (its default stopped_days, STOPPED_DAYS),
    # the one the cohort pipeline's small wins read too
    if latest_news is None:
        # the review's own connection trend (and summary, below): the frames the rules compute
        wins = milestones.small_wins(ci, tr, trend=trend_frames["connection"])
    else:
        # a win must rest only on weeks from the news on: found again on the records since
        # (the latest news of its date names them; ties keep the order of the events)
        wins = milestones.small_wins(
            ci, tr, since=latest_news, since_words=latest["since_words"].iloc[0]
        )
    logged_wins = couple_events.loc[_kinds(couple_events) == "small_win"]
    if latest_news is not None:
        logged_wins = logged_wins.loc[logged_wins["date"] >= latest_news]
    logged_wins = logged_wins.reset_index(drop=True)
    sb_after = found.loc[found["start"] >= latest_news] if latest_news is not None else found[:0]

    # the partners' weekly gap, once: the page's chart and the diverging-partners flag read it
    # (with red_flags' defaults, the frame gap_trend(ci, ...) would make again)
    gap = dyad.partner_gap(ci, measure="connection")
    defaults = milestones._FLAG_DEFAULTS
    flags = milestones.red_flags(
        ci,
        tr,
        ev,
        trend=trend_frames["connection"],
        summary=summaries["connection"],
        gaps=dyad._gap_trend_of(
            gap, "connection", defaults.diverge_alpha, defaults.diverge_min_weeks
        ),
    )
    flags = flags.assign(guidance=flags["flag"].astype(str).map(THERAPIST_GUIDANCE))

    if stamp is None:
        since_value = default_since(one)
    else:
        since_value = stamp
    new = _new_since(flags, ci, tr, ev, since_value)
    raised_to = _raised_again(flags, ci, ev, since_value, new)
    flags = flags.assign(
        new_since=np.asarray(new, dtype=bool) & np.isnat(raised_to),
        again_since=~np.isnat(raised_to),
        raised_to=pd.Series(raised_to, index=flags.index, dtype="datetime64[ns]"),
    )
    expected_fields = _expected_fields(one, reference)
    if expected_fields.get("track_now") is not None:
        now = expected_fields["track_now"]
        expected_fields["track_now"] = now.assign(
            new_since=_track_new_since(one, expected_fields["expected_band"], now, since_value)
        )
    unread = unread_abuse(logs, couple_id)
    if len(unread):  # safety first: the abuse records that could not be read lead the flags
        extra = _unread_flags(unread, couple_id, flags.columns)
        flags = pd.concat([extra.astype(flags.dtypes.to_dict()), flags], ignore_index=True)
    if since_value is not None:
        ch = trends.changes_since(one, since_value)
        ch = ch.assign(
            mean_before_shown=rounded(ch["mean_before"], 1),  # as the page prints them
            mean_since_shown=rounded(ch["mean_since"], 1),
        )
        ch = ch.assign(
            difference_shown=rounded(ch["mean_since_shown"] - ch["mean_before_shown"], 1)
        )
        nothing_after = last is None or last < since_value
        nothing_before = logged_first is None or logged_first >= since_value
        # the span before: a setback in it makes its mean a setback's, not the usual level
        before_start = ch["before_start"].iloc[0] if len(ch) else since_value
        ended = found["end"]
        since_sb = found.loc[
            (found["start"] >= since_value)
            | ~found["recovered"].astype(bool)
            | (ended.notna() & (ended > before_start))
        ].reset_index(drop=True)
        ch = ch.assign(**_checkins_in_setbacks(ch, ci, found), **_logged_parts(ch, logged_first))
        since_ev = couple_events.loc[couple_events["date"] >= since_value].reset_index(drop=True)
        recent = ci.loc[(ci["date"] >= since_value) & _answered(ci).to_numpy()]
    else:
        ch = trends.changes_since(one, pd.Timestamp("2000-01-01"))[:0]
        ch = ch.assign(**_checkins_in_setbacks(ch, ci, found), **_logged_parts(ch, logged_first))
        nothing_after = nothing_before = True
        since_sb = found[:0]
        since_ev = couple_events[:0]
        recent = ci[:0]
    answers = recent.sort_values(["partner", "date"])[
        ["partner", "date", *schemas.CHECKIN_TEXT_COLUMNS]
    ].reset_index(drop=True)
    silent = tuple(
        p for p in partners if p in set(ci["partner"]) and p not in set(answers["partner"])
    )

    helped_rows = ci.loc[
        ci["increased_trust"].notna()
        & (ci["increased_trust"].astype(object).astype(str).str.strip() != "")
    ]
    helped = pd.DataFrame(
        {
            "partner": helped_rows["partner"],
            "date": helped_rows["date"],
            "month": helped_rows["date"].dt.to_period("M").dt.to_timestamp(),
            "text": helped_rows["increased_trust"].astype(object).astype(str).str.strip(),
        }
    ).sort_values(["month", "partner", "date"])
    helped = helped.groupby(["month", "partner"], sort=False).tail(HELPED_PER_MONTH)
    helped = helped.reset_index(drop=True)

    done = found.loc[found["recovered"].astype(bool)]
    weeks = done["weeks_to_recover"].astype("float64")
    rejected = one.rejected
    rejected_couple = 0
    if len(rejected) and "couple_id" in rejected.columns:
        rejected_couple = int((rejected["couple_id"].astype(str).str.strip() == couple_id).sum())

    return CoupleReview(
        couple_id=couple_id,
        logs=one,
        partners=partners,
        names=names,
        roles={str(k): str(v) for k, v in roles.items()},
        generated=generated,
        first=first,
        last=last,
        logged_first=logged_first,
        n_checkins=len(ci),
        n_triggers=len(tr),
        n_events=len(ev),
        rejected_total=len(rejected),
        rejected_couple=rejected_couple,
        measures=tuple(measures),
        has_layers=has_layers,
        layers_profile=layers_profile,
        layers_left_out=layers_left_out,
        trends=trend_frames,
        summaries=summaries,
        monthly=monthly,
        trend_weeks=trend_weeks,
        trend_verdicts=verdicts,
        setbacks=found,
        setback_context=context,
        setback_events=window_couple,
        setback_events_all=window_all,
        trigger_frequency=triggers.trigger_frequency(
            tr, period="month", by="category", checkins=ci
        ),
        trigger_trend=_with_window_days(triggers.trigger_trend(tr, checkins=ci)),
        small_wins=wins,
        logged_wins=logged_wins,
        red_flags=flags,
        stopped=stopped,
        partner_gap=gap,
        since=since_value,
        since_given=stamp is not None,
        changes_since=ch,
        since_nothing_after=nothing_after,
        since_nothing_before=nothing_before,
        since_setbacks=since_sb,
        since_events=since_ev,
        answers_since=answers,
        silent_partners=silent,
        weeks_since_last=_weeks_before(last, generated),
        weeks_since_couple_last=_weeks_before(shown.max() if len(shown) else None, generated),
        no_checkins=tuple(p for p in partners if p not in set(ci["partner"])),
        helped=helped,
        events=ev,
        couple_events=couple_events,
        couple_first=shown.min() if len(shown) else None,
        couple_last=shown.max() if len(shown) else None,
        mistyped=_mistyped(one.warnings, couple_id, dates),
        couple_mistyped=_mistyped(_without_abuse(one.warnings, abuse), couple_id, shown),
        case_twins=case_twins(logs, couple_id),
        n_couple_events=len(couple_events),
        abuse_events=abuse[["date", "partner", "note"]].reset_index(drop=True),
        hard_news=hard_news,
        latest_hard_news=latest_news,
        setbacks_since_hard_news=len(sb_after),
        recovered_since_hard_news=int(sb_after["recovered"].astype(bool).sum()),
        safety=_safety(ev, unread, couple_id),
        abuse_unread=unread,
        couple_notes=_couple_notes(flags),
        n_recovered=len(done),
        recover_weeks_min=float(weeks.min()) if len(done) else np.nan,
        recover_weeks_median=float(weeks.median()) if len(done) else np.nan,
        recover_weeks_max=float(weeks.max()) if len(done) else np.nan,
        setbacks_per_partner={str(k): int(v) for k, v in found.groupby("partner").size().items()},
        triggers_per_partner={str(k): int(v) for k, v in tr.groupby("partner").size().items()},
        partners_with_triggers=tuple(sorted(set(tr["partner"]))),
        partners_scoring=_partners_scoring(ci, measures, layers_profile is not None),
        since_before_end=None if since_value is None else since_value - pd.Timedelta(days=1),
        since_logs_start_after=bool(
            since_value is not None
            and logged_first is not None
            and logged_first.normalize() > since_value
        ),
        since_before_reaches_past_start=bool(
            len(ch) and logged_first is not None and logged_first > ch["before_start"].iloc[0]
        ),
        since_per_week=bool(
            len(ch)
            and not nothing_before
            and (
                ch["days_before"].iloc[0] != ch["days_since"].iloc[0]
                or ch["logged_days_before"].iloc[0] < ch["days_before"].iloc[0]
                or ch["logged_days_since"].iloc[0] < ch["days_since"].iloc[0]
            )
        ),
        since_partly_logged=bool(
            len(ch)
            and not nothing_before
            and (
                ch["logged_days_before"].iloc[0] < ch["days_before"].iloc[0]
                or ch["logged_days_since"].iloc[0] < ch["days_since"].iloc[0]
            )
        ),
        plan_effect=plan_rows,
        plan_caution=str(plan.attrs.get("caution", triggers.PLAN_CAUTION)),
        plan_rule=str(plan.attrs.get("rule", triggers.plan_rule())),
        anchor_kind=anchor_kind,
        anniversaries=ahead,
        anniversary_notes=_anniversary_notes(ahead),
        plan_clear_partners=tuple(
            str(p)
            for p in plan_rows.loc[
                (plan_rows["verdict"] == "lower_with_plan") & (plan_rows["measure"] == "intensity"),
                "partner",
            ].drop_duplicates()
        ),
        **expected_fields,
    )

"""Bearable CSV exports -> check-ins (from mood readings) and triggers (from symptoms).

Bearable writes one row per reading::

    date,weekday,time of day,category,rating/amount,detail,notes

(newer exports add ``date formatted``).  Dates are ordinal (``8th Dec 2021``); the time of day is a
clock time or a part of the day (``am``, ``mid``, ``pm``, ``morning``, ...).  Rules (see
``docs/importers.md``):

- **Mood readings -> connection.**  Readings of the ``[connection] category`` (default ``Mood``,
  which Bearable rates 1-10) are rescaled from ``scale`` to 1-10; several readings a day become
  one check-in whose connection is their mean rounded half up (the others count as *merged*);
  their notes are joined.
- **Symptoms -> triggers.**  A reading of a ``[triggers] category`` (default ``Symptom(s)``) whose
  detail starts with the prefix (``Triggered (anniversary)``) or is listed in ``[details]`` becomes
  a trigger; its intensity is the rating rescaled from ``scale`` (symptom severity 0-4), else
  the severity word in brackets (mild 1 ... unbearable 4, same scale).
- **Time of day.**  A clock time gives the trigger's time; a part of the day gives
  ``time_known = False`` (timestamp at midnight) and is kept as text in a ``time_of_day`` column.
- **Everything else is not mapped**: counted per category (and per detail of the trigger
  categories) in the report, never dropped silently.
- ``couple`` and ``partner`` must be given: a Bearable export is one person's.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata import schemas
from trustdata.errors import MappingProblem, TrustDataError
from trustdata.importers._common import (
    ImportResult,
    Rejection,
    blank_values,
    category_of,
    column_stamps,
    counted,
    daily_checkins,
    find_column,
    listed,
    names_the_mapping,
    norm_text,
    note_field_of,
    one_persons_ids,
    parse_number,
    plural,
    prefix_category,
    prefix_of,
    ragged,
    records_of,
    require_columns,
    rescale,
    round_half_up,
    spellings,
    text,
    trigger_stamp,
)
from trustdata.importers._dates import parse_time
from trustdata.importers._driver import Context, Importer, Translation, run_import

__all__ = ["read_bearable", "PARTS_OF_DAY", "SEVERITIES"]

#: Parts of the day Bearable (and people) write instead of a clock time.
PARTS_OF_DAY: tuple[str, ...] = (
    "pre",
    "am",
    "morning",
    "mid",
    "midday",
    "noon",
    "afternoon",
    "pm",
    "evening",
    "night",
    "all day",
    "day",
)

#: Bearable's symptom severities, on its 0-4 scale.
SEVERITIES: dict[str, int] = {"none": 0, "mild": 1, "moderate": 2, "severe": 3, "unbearable": 4}
_SEVERITY_TAIL = re.compile(
    r"\s*[(\[]\s*(?P<sev>none|mild|moderate|severe|unbearable|extreme)\s*[)\]]\s*$", re.IGNORECASE
)


def _scale(value: Any, where: str) -> tuple[Fraction, Fraction]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and value[0] < value[1]
    )
    if not ok:
        raise MappingProblem(
            f"{where} must be two numbers [low, high] with low < high, not {value!r}"
        )
    return Fraction(value[0]), Fraction(value[1])


@names_the_mapping
def read_bearable(
    path: str | Path,
    *,
    couple: str | None = None,
    partner: str | None = None,
    mapping: Any = None,
    dayfirst: bool | None = None,
) -> ImportResult:
    """Import a Bearable CSV export as one partner's check-ins and triggers.

    Parameters
    ----------
    path : str or Path
        The exported CSV.
    couple, partner : str
        The couple id and the partner the export belongs to (required).
    mapping : path, dict or None
        A TOML mapping laid over the default (``[connection]``, ``[triggers]``, ``[details]``,
        ``[fields]``; see ``docs/importers.md``).
    dayfirst : bool, optional
        Day/month order, only needed when dates were re-saved as numbers and cannot be told.

    Returns
    -------
    ImportResult
        ``.logs`` and ``.report``; every reading is a check-in, a trigger, merged, not mapped or
        rejected.

    Raises
    ------
    ValueError
        When ``couple`` or ``partner`` is missing.
    TrustDataError
        When the file cannot be used (not a Bearable export, unreadable, a bad mapping).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "bearable.csv"
    >>> _ = f.write_text("date,weekday,time of day,category,rating/amount,detail,notes\\n"
    ...                  "8th Dec 2021,Wednesday,am,Mood,6,,\\n"
    ...                  "8th Dec 2021,Wednesday,pm,Symptom,3,Triggered (anniversary),\\n"
    ...                  "8th Dec 2021,Wednesday,pm,Energy,4,,\\n")
    >>> result = read_bearable(f, couple="c1", partner="B")
    >>> {k: v for k, v in result.report.outcomes.items() if v}
    {'checkins': 1, 'triggers': 1, 'not_mapped': 1}
    """
    return run_import(
        _BEARABLE, path, couple=couple, partner=partner, mapping=mapping, dayfirst=dayfirst
    )


class _Bearable(Importer):
    mapping = "bearable"
    kind = "bearable"
    title = "Bearable"
    header = "date,weekday,time of day,category,rating/amount,detail,notes"
    triggers_are_records = True

    def ids(self, couple: str | None, partner: str | None) -> tuple[str, str]:
        return one_persons_ids(
            couple,
            partner,
            whose="A Bearable export holds one person's readings: say whose they are",
        )

    def settings(self, m: dict[str, Any]) -> tuple:
        mood_names = spellings(m["connection"]["category"], where="[connection] category")
        mood_cats = {norm_text(c) for c in mood_names}
        mood_lo, mood_hi = _scale(m["connection"]["scale"], "[connection] scale")
        trig = m["triggers"]
        trig_cats = {norm_text(c) for c in spellings(trig["category"], where="[triggers] category")}
        trig_lo, trig_hi = _scale(trig["scale"], "[triggers] scale")
        prefix = prefix_of(trig["prefix"])
        default_intensity = trig["intensity"]
        if (
            isinstance(default_intensity, bool)
            or not isinstance(default_intensity, int)
            or not 0 <= default_intensity <= schemas.SCORE_MAX
        ):
            raise MappingProblem(
                f"[triggers] intensity must be a whole number 0-10, not {default_intensity!r}"
            )
        details = {
            norm_text(name): category_of(cat, where=f"[details] {name!r}")
            for name, cat in m["details"].items()
        }
        note_field = note_field_of(m["fields"]["note"])

        return (
            mood_names,
            mood_cats,
            mood_lo,
            mood_hi,
            trig_cats,
            trig_lo,
            trig_hi,
            prefix,
            default_intensity,
            details,
            note_field,
        )

    skipped_columns = ("weekday",)

    def columns(self, frame: pd.DataFrame, settings: Any, *, source: str) -> dict[str, Any]:
        cols: dict[str, Any] = require_columns(
            frame,
            {
                "date": ["date"],
                "category": ["category"],
                "rating/amount": ["rating/amount", "rating", "amount"],
            },
            kind=self.title,
            source=source,
            header=self.header,
        )
        cols["time"] = find_column(frame.columns, ["time of day", "time"])
        cols["detail"] = find_column(frame.columns, ["detail", "details"])
        cols["notes"] = find_column(frame.columns, ["notes", "note"])
        cols["formatted"] = find_column(frame.columns, ["date formatted"])
        return cols

    def translate(
        self, frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
    ) -> Translation:
        return _translate(frame, cols, settings, ctx)


_BEARABLE = _Bearable()


def _translate(
    frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
) -> Translation:
    (
        mood_names,
        mood_cats,
        mood_lo,
        mood_hi,
        trig_cats,
        trig_lo,
        trig_hi,
        prefix,
        default_intensity,
        details,
        note_field,
    ) = settings
    couple, partner, report, lines = ctx.couple, ctx.partner, ctx.report, ctx.lines
    source, dayfirst = ctx.source, ctx.dayfirst
    time_col, detail_col, notes_col = cols["time"], cols["detail"], cols["notes"]
    formatted_col = cols["formatted"]
    stamps = column_stamps(frame, cols["date"], dayfirst=dayfirst, lines=lines, source=source)
    report.date_order = stamps.order
    backup = None
    if formatted_col is not None and any(d is None for d in stamps.dates):
        try:
            backup = column_stamps(
                frame, formatted_col, dayfirst=dayfirst, lines=lines, source=source
            )
        except TrustDataError:
            backup = None

    rejections: list[Rejection] = []
    readings: list[dict[str, Any]] = []
    trigger_rows: list[dict[str, Any]] = []
    not_mapped: Counter = Counter()
    trigger_details: Counter = Counter()
    parts_seen: Counter = Counter()
    for pos, row in enumerate(records_of(frame)):
        line = lines[pos]
        category = text(row[cols["category"]])
        cat_key = norm_text(category) if category else ""
        detail = text(row[detail_col]) if detail_col else None
        broken = ragged(row)
        if category is None or broken:
            why = broken or "category: no category"
            # It may have been the day's mood reading: its day is held back (never a score
            # from the rest of the day).
            day = None
            if category is None or cat_key in mood_cats:
                day = stamps.dates[pos]
                if day is None and backup is not None:
                    day = backup.dates[pos]
            rejections.append(Rejection("checkins", line, why, blank_values(row), day))
            continue
        trigger_category = None
        if cat_key in trig_cats and cat_key not in mood_cats:
            bare = _SEVERITY_TAIL.sub("", detail or "")
            trigger_category = details.get(norm_text(bare)) or prefix_category(bare, prefix)
            if trigger_category is None:
                not_mapped[f"{category}: {bare or '(no detail)'}"] += 1
                continue
        elif cat_key not in mood_cats:
            not_mapped[category] += 1
            continue
        table = "checkins" if trigger_category is None else "triggers"
        problems = []
        date = stamps.dates[pos]
        if date is None and backup is not None and backup.dates[pos] is not None:
            date = backup.dates[pos]
        if date is None:
            problems.append(f"date: {stamps.errors[pos]}")
        raw_rating = text(row[cols["rating/amount"]])
        value = parse_number(raw_rating)
        note = text(row[notes_col]) if notes_col else None
        if trigger_category is None:
            if value is None:
                problems.append(
                    f"rating/amount: {raw_rating!r} is not a number"
                    if raw_rating
                    else "rating/amount: no mood rating"
                )
            elif not mood_lo <= value <= mood_hi:
                problems.append(
                    f"rating/amount: {raw_rating} is outside the mapping's scale "
                    f"{float(mood_lo):g}-{float(mood_hi):g}"
                )
            if problems:
                rejections.append(
                    Rejection(table, line, "; ".join(problems), blank_values(row), date)
                )
                continue
            readings.append(
                {
                    "line": line,
                    "date": date,
                    "score": rescale(value, mood_lo, mood_hi),
                    "note": note,
                    "values": blank_values(row),
                }
            )
            continue
        # a trigger
        sev = _SEVERITY_TAIL.search(detail or "")
        if value is not None:
            if not trig_lo <= value <= trig_hi:
                problems.append(
                    f"rating/amount: {raw_rating} is outside the mapping's trigger scale "
                    f"{float(trig_lo):g}-{float(trig_hi):g}"
                )
                intensity = None
            else:
                intensity = round_half_up(rescale(value, trig_lo, trig_hi))
        elif sev is not None:
            word = sev["sev"].lower()
            level = SEVERITIES.get(word, SEVERITIES["unbearable"])
            intensity = round_half_up(rescale(level, trig_lo, trig_hi))
        elif raw_rating is not None:
            problems.append(f"rating/amount: {raw_rating!r} is not a number")
            intensity = None
        elif default_intensity:
            intensity = default_intensity
        else:
            intensity = None
            problems.append(
                "intensity: no rating and no severity; set [triggers] intensity in the mapping "
                "to give such readings one"
            )
        raw_time = text(row[time_col]) if time_col else None
        time, part = None, None
        if raw_time is not None:
            if norm_text(raw_time) in PARTS_OF_DAY:
                part = raw_time
                parts_seen[norm_text(raw_time)] += 1
            else:
                time, rest = parse_time(raw_time)
                if time is None or rest.strip():
                    problems.append(
                        f"time of day: {raw_time!r} is neither a clock time (14:58, 11:00 pm) nor "
                        f"a part of the day ({', '.join(PARTS_OF_DAY)})"
                    )
        if problems:
            rejections.append(Rejection(table, line, "; ".join(problems), blank_values(row)))
            continue
        trigger_details[
            f"{category}: {_SEVERITY_TAIL.sub('', detail or '')!r} -> {trigger_category}"
        ] += 1
        stamp, time_known = trigger_stamp(date, time)
        trigger_rows.append(
            {
                "couple_id": couple,
                "partner": partner,
                "timestamp": stamp,
                "time_known": time_known,
                "category": trigger_category,
                "intensity": str(intensity),
                # The symptom's own name first: "Triggered (saw her car)" and "Triggered" both
                # map to `other`, and only the name tells them apart.
                "note": "; ".join(x for x in (_SEVERITY_TAIL.sub("", detail or ""), note) if x),
                "time_of_day": part,
                "_line": line,
            }
        )

    checkins, merged, held = daily_checkins(
        readings,
        couple=couple,
        partner=partner,
        note_field=note_field,
        report=report,
        score="score",
        order=lambda r: r["line"],
        shown=lambda r: f"line {r['line']} score {float(r['score']):g}",
        unit="reading",
        notes_rule="notes joined",
        rejections=rejections,
        fix="fix that reading's rating and import again",
    )
    report.mapped.append(f"{cols['date']!r} -> date")
    n_mood = sum(r["date"] not in held for r in readings)
    if n_mood:
        report.mapped.append(
            f"category {' or '.join(mood_names)} rating {float(mood_lo):g}-{float(mood_hi):g} -> "
            f"connection 1-10 ({plural(n_mood, 'reading')})"
        )
    if trigger_details:
        report.mapped.append(
            f"readings -> triggers (intensity: rating {float(trig_lo):g}-{float(trig_hi):g} "
            "rescaled to 1-10, else the severity word): "
            + ", ".join(counted(trigger_details, "reading", quote=False))
        )
    if parts_seen:
        report.notes.append(
            "parts of the day kept in `time_of_day`, time_known = False: "
            + ", ".join(counted(parts_seen, "trigger"))
        )
    if not_mapped:
        report.not_mapped.append(
            f"{plural(sum(not_mapped.values()), 'reading')} not mapped (not imported): "
            + listed(counted(not_mapped, "reading"))
        )
    if stamps.zones:
        report.notes.append(f"time-zone labels removed: {dict(stamps.zones)}")
    if stamps.language_note:
        report.notes.append(stamps.language_note)
    if not any(r.get("time_of_day") for r in trigger_rows):
        for r in trigger_rows:
            r.pop("time_of_day", None)
    return Translation(
        checkins, trigger_rows, rejections, merged=merged, not_mapped=sum(not_mapped.values())
    )

"""Daylio CSV exports -> check-ins (and triggers from activities).

Daylio writes one row per entry, newest first, in one of three headers::

    full_date,date,weekday,time,mood,activities,note_title,note    (current)
    full_date,date,weekday,time,mood,activities,note               (older, no note title)
    year,date,weekday,time,mood,activities,note                    (oldest: date like "18 May")

Times come as ``11:00 pm`` or ``14:58``, even in one file.  Rules (see ``docs/importers.md``):

- **Mood -> connection.**  The mood *label* is mapped to 1-10 by ``[moods]`` of the mapping
  (default rad 10, good 8, meh 5, bad 3, awful 1); labels are matched ignoring case and spaces.
  An entry whose label is not in the mapping is rejected with the known labels in the reason.
- **Several entries a day -> one check-in.**  Its connection is the mean of the day's mood scores
  rounded half up (8 and 5 -> 6.5 -> 7); the notes are joined in time order, one per line.  The
  check-in's line is the first of the day's lines in the file; the other entries count as
  *merged*, and the report lists each merged day.  A day with a rejected entry gets no check-in: its
  other entries are held back (rejected) with it, since the rest would not be the day's score.
- **The backup** (``.daylio``) is read by :mod:`._daylio_backup`: each mood's level comes from it,
  so no ``[moods]`` mapping is needed.
- **Old exports' unquoted commas** inside the activities are joined back into them.
- **Activities -> triggers.**  An activity ``triggered: <category>`` (the prefix is set in the
  mapping) or one listed in ``[activities]`` makes a trigger at the entry's date and time; its
  intensity is 11 minus the entry's mood score (or a fixed number from the mapping).  Other
  activities are listed in the report as not mapped.
- **Note** (title and text) -> the check-in's ``note`` column (or a text field the mapping names).
- ``couple`` and ``partner`` must be given: a Daylio export is one person's diary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata import schemas
from trustdata.errors import MappingProblem
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
    mapping_block,
    names_the_mapping,
    norm_text,
    note_field_of,
    one_persons_ids,
    prefix_category,
    prefix_of,
    ragged,
    read_export,
    records_of,
    require_columns,
    score_table,
    text,
    toml_key,
    trigger_stamp,
)
from trustdata.importers._dates import parse_time
from trustdata.importers._daylio_backup import is_backup, read_backup
from trustdata.importers._driver import Context, Importer, Translation, run_import

__all__ = ["read_daylio"]


def _settings(mapping: dict[str, Any]) -> tuple[dict[str, int], str, str | int, dict, str]:
    moods = score_table(mapping["moods"], where="moods")
    trig = mapping["triggers"]
    prefix = prefix_of(trig.get("prefix", ""))
    intensity = trig.get("intensity", "mood")
    ok_number = (
        isinstance(intensity, int)
        and not isinstance(intensity, bool)
        and schemas.SCORE_MIN <= intensity <= schemas.SCORE_MAX
    )
    if intensity != "mood" and not ok_number:
        raise MappingProblem(
            f'[triggers] intensity must be "mood" or a whole number 1-10, not {intensity!r}'
        )
    activities = {
        norm_text(name): category_of(cat, where=f"[activities] {name!r}")
        for name, cat in mapping["activities"].items()
    }
    note_field = note_field_of(mapping["fields"].get("note", "note"))
    return moods, prefix, intensity, activities, note_field


@names_the_mapping
def read_daylio(
    path: str | Path,
    *,
    couple: str | None = None,
    partner: str | None = None,
    mapping: Any = None,
    dayfirst: bool | None = None,
) -> ImportResult:
    """Import a Daylio CSV export as one partner's check-ins (and triggers).

    Parameters
    ----------
    path : str or Path
        The exported CSV (``daylio_export.csv``), or the backup (``backup_2023_10_19.daylio``).
    couple, partner : str
        The couple id and the partner the diary belongs to (required).
    mapping : path, dict or None
        A TOML mapping laid over the default (``[moods]``, ``[triggers]``, ``[activities]``,
        ``[fields]``; see ``docs/importers.md``).
    dayfirst : bool, optional
        Day/month order, only needed when the dates were re-saved as numbers (e.g. by Excel) and
        cannot be told from the file.

    Returns
    -------
    ImportResult
        ``.logs`` (check-ins, triggers, rejected records with their lines in the export) and
        ``.report``.

    Raises
    ------
    ValueError
        When ``couple`` or ``partner`` is missing.
    TrustDataError
        When the file cannot be used (not a Daylio export, unreadable, a bad mapping).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "daylio_export.csv"
    >>> _ = f.write_text("full_date,date,weekday,time,mood,activities,note_title,note\\n"
    ...                  "2026-05-12,May 12,Tuesday,22:10,good,,,\\n"
    ...                  "2026-05-12,May 12,Tuesday,8:05 am,meh,triggered: anniversary,,\\n")
    >>> result = read_daylio(f, couple="c1", partner="A")
    >>> result.logs.checkins["connection"].tolist()  # (good 8 + meh 5) / 2 = 6.5 -> 7
    [7]
    >>> result.report.outcomes["merged"], result.logs.triggers["intensity"].tolist()
    (1, [6])
    """
    return run_import(
        _DAYLIO, path, couple=couple, partner=partner, mapping=mapping, dayfirst=dayfirst
    )


class _Daylio(Importer):
    mapping = "daylio"
    kind = "daylio"
    title = "Daylio"
    header = "full_date,date,weekday,time,mood,activities,note_title,note"

    def ids(self, couple: str | None, partner: str | None) -> tuple[str, str]:
        return one_persons_ids(
            couple, partner, whose="A Daylio export holds one person's diary: say whose it is"
        )

    def settings(self, mapping: dict[str, Any]) -> tuple:
        return _settings(mapping)

    def read(self, path: str | Path, settings: Any) -> tuple[pd.DataFrame, list[str]]:
        if is_backup(path):
            return read_backup(path)
        # Old exports wrote the activities unquoted: a comma in an activity's name spilled it
        # over the next columns.  Every other column that may hold a comma is quoted, so the
        # surplus values can only be the activities'.
        return read_export(path, header=self.header, surplus_into="activities")

    skipped_columns = ("weekday",)

    def columns(self, frame: pd.DataFrame, settings: Any, *, source: str) -> dict[str, Any]:
        cols: dict[str, Any] = require_columns(
            frame,
            {"mood": ["mood"], "time": ["time"]},
            kind=self.title,
            source=source,
            header=self.header,
        )
        cols["full_date"] = find_column(frame.columns, ["full_date", "full date"])
        cols["year"] = find_column(frame.columns, ["year"])
        cols["date"] = find_column(frame.columns, ["date"])
        if cols["full_date"] is None and cols["date"] is None:
            require_columns(
                frame,
                {"full_date": ["full_date"]},
                kind=self.title,
                source=source,
                header=self.header,
            )
        cols["activities"] = find_column(frame.columns, ["activities"])
        cols["title"] = find_column(frame.columns, ["note_title", "note title"])
        cols["note"] = find_column(frame.columns, ["note", "notes"])
        return cols

    def translate(
        self, frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
    ) -> Translation:
        return _translate(frame, cols, settings, ctx)


_DAYLIO = _Daylio()


def _translate(
    frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
) -> Translation:
    moods, prefix, intensity_rule, activities_map, note_field = settings
    couple, partner, report, lines = ctx.couple, ctx.partner, ctx.report, ctx.lines
    source, dayfirst = ctx.source, ctx.dayfirst
    full_date, date_col, year_col = cols["full_date"], cols["date"], cols["year"]
    activities_col, title_col, note_col = cols["activities"], cols["title"], cols["note"]
    backup = "_score" in frame.columns
    if full_date is not None:
        stamps = column_stamps(frame, full_date, dayfirst=dayfirst, lines=lines, source=source)
        report.mapped.append(f"{full_date!r} -> date")
    else:
        stamps = column_stamps(
            frame, date_col, dayfirst=dayfirst, lines=lines, source=source, year_column=year_col
        )
        shown = f"{year_col!r} + {date_col!r}" if year_col is not None else repr(date_col)
        report.mapped.append(f"{shown} -> date")
    report.date_order = stamps.order
    report.mapped.append(
        f"{cols['mood']!r} -> connection "
        + ("(by each mood's level in the backup)" if backup else "(by the [moods] labels)")
    )
    if note_col is not None or title_col is not None:
        shown = " + ".join(repr(c) for c in (title_col, note_col) if c)
        report.mapped.append(f"{shown} -> {note_field}")

    rejections: list[Rejection] = []
    entries: list[dict[str, Any]] = []
    label_counts: Counter = Counter()
    label_scores: dict[str, int] = {}
    unknown_labels: Counter = Counter()
    unmapped_activities: Counter = Counter()
    trigger_activities: Counter = Counter()
    for pos, row in enumerate(records_of(frame)):
        problems = [p for p in (ragged(row),) if p]
        date = stamps.dates[pos]
        if date is None:
            problems.append(f"date: {stamps.errors[pos]}")
        raw_time = text(row[cols["time"]])
        time = None
        if raw_time is not None:
            time, why = parse_time(raw_time)
            if time is None or why.strip():
                time = None
                problems.append(f"time: {raw_time!r} is not a clock time like 14:58 or 11:00 pm")
        label = text(row[cols["mood"]])
        if backup:  # the backup gives each mood's level; its problems are in `_problem`
            score = text(row["_score"])
            level = int(score) if score is not None else None
        else:
            level = moods.get(norm_text(label)) if label is not None else None
        if backup and level is None:
            pass
        elif label is None:
            problems.append("mood: no mood label")
        elif level is None:
            unknown_labels[label] += 1
            problems.append(
                f"mood: the label {label!r} is not in the mapping's [moods] "
                f"({', '.join(sorted(moods))}); add it there with its score 1-10 "
                f"({toml_key(label)} = ...; the import report prints a block to paste)"
            )
        if problems:
            rejections.append(
                Rejection("checkins", lines[pos], "; ".join(problems), blank_values(row), date)
            )
            continue
        label_counts[norm_text(label)] += 1
        label_scores[norm_text(label)] = level
        raw_acts = text(row[activities_col]) if activities_col else None
        triggers = []
        for act in (a.strip() for a in (raw_acts or "").split("|")):
            if not act:
                continue
            category = activities_map.get(norm_text(act)) or prefix_category(act, prefix)
            if category is None:
                unmapped_activities[act] += 1
            else:
                triggers.append((act, category))
        parts = [text(row[c]) for c in (title_col, note_col) if c is not None]
        note = "\n".join(p for p in parts if p) or None
        entries.append(
            {
                "line": lines[pos],
                "date": date,
                "time": time,
                "level": level,
                "label": label,
                "note": note,
                "triggers": triggers,
                "values": blank_values(row),
            }
        )

    checkins, merged, held = daily_checkins(
        entries,
        couple=couple,
        partner=partner,
        note_field=note_field,
        report=report,
        score="level",
        order=lambda e: (e["time"] or dt.time(), -e["line"]),
        shown=lambda e: f"line {e['line']} {norm_text(e['label'])} {e['level']}",
        unit="entry",
        notes_rule="notes joined in time order",
        rejections=rejections,
        fix="fix that entry (a mood label not in [moods]: add it there) and import again",
    )
    trigger_rows: list[dict[str, Any]] = []
    for entry in entries:
        if entry["date"] in held:
            continue  # the whole day is held back, its activities with it
        for act, category in entry["triggers"]:
            trigger_activities[f"{act!r} -> {category}"] += 1
            intensity = 11 - entry["level"] if intensity_rule == "mood" else intensity_rule
            stamp, time_known = trigger_stamp(entry["date"], entry["time"])
            trigger_rows.append(
                {
                    "couple_id": couple,
                    "partner": partner,
                    "timestamp": stamp,
                    "time_known": time_known,
                    "category": category,
                    "intensity": str(max(schemas.SCORE_MIN, min(schemas.SCORE_MAX, intensity))),
                    "note": act,
                    "_line": entry["line"],
                }
            )

    for label, n in sorted(label_counts.items()):
        report.mapped.append(
            f"mood {label!r} -> {label_scores[label]} ({n} entr{'y' if n == 1 else 'ies'})"
        )
    if trigger_activities:
        how = "11 - mood score" if intensity_rule == "mood" else f"{intensity_rule} (fixed)"
        report.mapped.append(
            f"activities -> triggers (intensity {how}): "
            + ", ".join(counted(trigger_activities, "entry", quote=False))
        )
    if unknown_labels:
        report.not_mapped.append(
            "mood labels not in [moods] (those entries rejected): "
            + ", ".join(counted(unknown_labels, "entry"))
        )
        labels = [label for label, _ in sorted(unknown_labels.items(), key=lambda kv: -kv[1])]
        report.paste = mapping_block(
            "moods",
            labels,
            note="your mood labels with a suggested score 1-10 each (10 best): check every one",
        )
    if unmapped_activities:
        report.not_mapped.append(
            "activities that are not triggers (not imported): "
            + listed(counted(unmapped_activities, "entry"))
        )
    if stamps.zones:
        report.notes.append(f"time-zone labels removed: {dict(stamps.zones)}")
    if stamps.language_note:
        report.notes.append(stamps.language_note)
    return Translation(checkins, trigger_rows, rejections, merged=merged)

"""The Daylio backup (``.daylio``): a zip holding ``backup.daylio``, base64-encoded JSON.

Daylio's *Backup & Restore* writes the whole diary to one file that every user can make (the CSV
export is a premium feature on some versions).  Inside the zip, ``backup.daylio`` is the JSON
document base64-encoded; the parts read here are::

    customMoods: [{id, custom_name, mood_group_id, predefined_name_id, ...}]
        mood_group_id is the mood's level, 1 (rad, best) to 5 (awful); custom_name is "" for
        the five predefined moods (predefined_name_id 1-5: rad, good, meh, bad, awful)
    tags: [{id, name, ...}]                              the activities
    dayEntries: [{year, month (0-11), day, hour, minute, datetime (ms, UTC),
                  timeZoneOffset (ms), mood (a customMoods id), tags (ids), note_title, note}]

:func:`read_backup` turns the entries into the rows of a Daylio CSV export (``full_date``,
``time``, ``mood``, ``activities``, ``note_title``, ``note``), with each mood's level as its
score in a ``_score`` column, so that the CSV importer's rules apply unchanged and **no mood
mapping is needed**: level 1 -> 10, 2 -> 8, 3 -> 5, 4 -> 3, 5 -> 1 (the scores of Daylio's five
default labels in the default mapping).  An entry's "line" is its position in ``dayEntries``
(1 = the first).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import html
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata.errors import FileProblem

__all__ = ["LEVEL_SCORES", "is_backup", "read_backup"]

#: A mood level of the backup (1 best ... 5 worst) -> connection score 1-10.
LEVEL_SCORES: dict[int, int] = {1: 10, 2: 8, 3: 5, 4: 3, 5: 1}

#: The names of the predefined moods (``predefined_name_id``), as the CSV export writes them.
PREDEFINED: dict[int, str] = {1: "rad", 2: "good", 3: "meh", 4: "bad", 5: "awful"}

#: The zip member that holds the diary.
MEMBER = "backup.daylio"

#: The largest diary read (decoded JSON), far above any real one: a guard against zip bombs.
MAX_BYTES = 512 * 1024 * 1024

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)


def is_backup(path: str | Path) -> bool:
    """Whether ``path`` is (named or shaped like) a Daylio backup rather than a CSV export."""
    p = Path(path)
    if p.suffix.lower() == ".daylio":
        return True
    try:
        with open(p, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(p) as z:
            return MEMBER in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _text(html_text: object) -> str:
    """A note as plain text: Daylio keeps rich notes as HTML (``<br>``, ``&amp;``)."""
    if not isinstance(html_text, str) or not html_text.strip():
        return ""
    out = _BREAK.sub("\n", html_text)
    out = html.unescape(_TAG.sub("", out))
    return "\n".join(line.strip() for line in out.splitlines()).strip()


def _document(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        with zipfile.ZipFile(path) as z:
            if MEMBER not in z.namelist():
                raise FileProblem(
                    f"is a zip file without {MEMBER!r} inside, so not a Daylio backup; make one "
                    "in Daylio with More > Backup & Restore, or export entries as CSV.",
                    source=name,
                )
            info = z.getinfo(MEMBER)
            if info.file_size > MAX_BYTES:
                raise FileProblem(
                    f"holds a {MEMBER!r} of {info.file_size} bytes, more than a diary can be.",
                    source=name,
                )
            raw = z.read(MEMBER)
    except FileNotFoundError:
        raise FileProblem("the file does not exist.", source=name) from None
    except IsADirectoryError:
        raise FileProblem("is a folder, not a Daylio backup.", source=name) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise FileProblem(
            "is not a Daylio backup (a .daylio file is a zip archive, and this is not one).",
            source=name,
        ) from None
    except OSError as exc:
        raise FileProblem(f"the file cannot be read ({exc.strerror}).", source=name) from None
    try:
        decoded = base64.b64decode(b"".join(raw.split()), validate=True)
        document = json.loads(decoded.decode("utf-8"))
    except (binascii.Error, ValueError):
        raise FileProblem(
            f"{MEMBER!r} inside is not base64-encoded JSON, as Daylio writes it: the backup "
            "may be damaged or from an app that is not Daylio.",
            source=name,
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("dayEntries"), list):
        raise FileProblem(
            f"{MEMBER!r} inside holds no list of entries ('dayEntries'): not a Daylio backup.",
            source=name,
        )
    return document


def _moods(document: dict[str, Any]) -> dict[Any, tuple[str, int | None]]:
    """Mood id -> (label, level 1-5 or None when the backup gives none)."""
    out: dict[Any, tuple[str, int | None]] = {}
    for mood in document.get("customMoods") or []:
        if not isinstance(mood, dict) or "id" not in mood:
            continue
        label = str(mood.get("custom_name") or "").strip()
        if not label:
            label = PREDEFINED.get(mood.get("predefined_name_id"), f"mood {mood['id']}")
        level = mood.get("mood_group_id")
        ok = isinstance(level, int) and not isinstance(level, bool) and level in LEVEL_SCORES
        out[mood["id"]] = (label, level if ok else None)
    return out


def _when(entry: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The entry's local date and time as Daylio shows them, or a reason."""
    parts = [entry.get(k) for k in ("year", "month", "day")]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in parts):
        year, month, day = parts
        try:
            date = dt.date(year, month + 1, day)  # Daylio's months are 0-11
        except ValueError:
            return None, None, f"no such date: year {year}, month {month + 1}, day {day}"
        hour, minute = entry.get("hour"), entry.get("minute")
        if (
            isinstance(hour, int)
            and isinstance(minute, int)
            and 0 <= hour < 24
            and 0 <= minute < 60
        ):
            return date.isoformat(), f"{hour:02d}:{minute:02d}", None
        return date.isoformat(), None, None
    stamp, offset = entry.get("datetime"), entry.get("timeZoneOffset") or 0
    if isinstance(stamp, int | float) and isinstance(offset, int | float):
        local = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=stamp + offset)
        return local.date().isoformat(), local.strftime("%H:%M"), None
    return None, None, "the entry has no date (neither year/month/day nor datetime)"


def read_backup(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a Daylio backup as the rows of a CSV export, each mood's score in ``_score``.

    Returns the frame (``full_date``, ``date``, ``time``, ``mood``, ``activities``,
    ``note_title``, ``note`` as text; ``_score`` the mood level's score as text, missing when the
    backup has no level for the entry's mood; ``_line`` the entry's position; ``_problem`` a
    reason when the entry cannot be read) and notes for the report.

    Raises
    ------
    FileProblem
        The file is not a zip, has no ``backup.daylio``, or that is not base64-encoded JSON with
        a list of ``dayEntries``.

    Examples
    --------
    >>> import base64, json, tempfile, zipfile, pathlib
    >>> doc = {"customMoods": [{"id": 9, "custom_name": "grand", "mood_group_id": 1}],
    ...        "tags": [], "dayEntries": [{"year": 2023, "month": 9, "day": 18, "hour": 21,
    ...        "minute": 40, "mood": 9, "tags": [], "note": "", "note_title": ""}]}
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "backup.daylio"
    >>> with zipfile.ZipFile(f, "w") as z:
    ...     z.writestr("backup.daylio", base64.b64encode(json.dumps(doc).encode()))
    >>> frame, notes = read_backup(f)
    >>> frame[["full_date", "time", "mood", "_score"]].values.tolist()
    [['2023-10-18', '21:40', 'grand', '10']]
    """
    path = Path(path)
    document = _document(path)
    moods = _moods(document)
    tags = {
        t["id"]: str(t.get("name") or "").strip()
        for t in document.get("tags") or []
        if isinstance(t, dict) and "id" in t
    }
    rows: list[dict[str, Any]] = []
    for position, entry in enumerate(document["dayEntries"], start=1):
        row: dict[str, Any] = dict.fromkeys(
            ("full_date", "date", "time", "mood", "activities", "note_title", "note"), ""
        )
        row.update(_score=None, _line=position, _problem=None)
        if not isinstance(entry, dict):
            row["_problem"] = "the entry is not a record of the backup"
            rows.append(row)
            continue
        date, time, why = _when(entry)
        label, level = moods.get(entry.get("mood"), (None, None))
        row.update(
            full_date=date or "",
            date=date or "",
            time=time or "",
            mood=label if label is not None else "",
            note_title=_text(entry.get("note_title")),
            note=_text(entry.get("note")),
        )
        ids = entry.get("tags") if isinstance(entry.get("tags"), list) else []
        row["activities"] = " | ".join(tags.get(i) or f"activity {i}" for i in ids)
        problems = [why] if why else []
        if label is None:
            problems.append(
                f"mood: the entry's mood (id {entry.get('mood')!r}) is not among the backup's "
                "moods (customMoods)"
            )
        elif level is None:
            problems.append(f"mood: the backup gives no level 1-5 for the mood {label!r}")
        else:
            row["_score"] = str(LEVEL_SCORES[level])
        row["_problem"] = "; ".join(problems) or None
        rows.append(row)
    columns = ["full_date", "date", "time", "mood", "activities", "note_title", "note"]
    frame = pd.DataFrame(rows, columns=[*columns, "_score", "_line", "_problem"])
    for col in [*columns, "_score", "_problem"]:
        frame[col] = frame[col].astype("str").where(frame[col].notna(), None)
    frame["_line"] = frame["_line"].astype("int64")
    custom = sorted({label for label, level in moods.values() if level is not None})
    notes = [
        f"a Daylio backup ({MEMBER!r}, {len(rows)} entries): each mood's level taken from the "
        "backup (1 rad -> 10, 2 good -> 8, 3 meh -> 5, 4 bad -> 3, 5 awful -> 1), so no [moods] "
        f"mapping is needed ({len(custom)} moods); an entry's line is its position in the backup"
    ]
    return frame, notes

"""Generated messy exports thrown at every importer.

Whatever the file holds (ragged rows, blank lines, junk in any cell, semicolons, cp1252, a BOM,
CRLF, ambiguous dates, unknown labels), an import either raises TrustDataError (the file cannot
be used) or returns logs in which every record is accounted for:
records == checkins + triggers + merged + not_mapped + rejected, and the folder it writes is
read back by `load` with nothing rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from fractions import Fraction
from pathlib import Path

import hypothesis.strategies as st
import pytest
from babel.dates import format_date
from hypothesis import HealthCheck, given, settings

import trustdata
from trustdata.errors import TrustDataError
from trustdata.importers import OUTCOMES, import_export
from trustdata.importers._common import column_stamps, norm_text, parse_number, round_half_up, text
from trustdata.io import read_raw_csv

CONNECTION = "How connected do you feel to me right now (1-10)?"
INCREASED = "What\u2019s one thing I did this week that increased your trust?"
CONNECTION_2_LINES = "How connected do you feel to me right now?\n(1-5)"  # a title with a break

HEADERS = {
    "daylio": [
        ["full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note"],
        ["full_date", "date", "weekday", "time", "mood", "activities", "note"],
        ["year", "date", "weekday", "time", "mood", "activities", "note"],
    ],
    "bearable": [
        ["date", "weekday", "time of day", "category", "rating/amount", "detail", "notes"],
        ["date", "date formatted", "weekday", "time of day", "category", "rating/amount", "detail"],
    ],
    "google-forms": [
        ["Timestamp", "Email Address", CONNECTION, INCREASED],
        ["Timestamp", "Which partner are you?", CONNECTION, "Anything else?"],
        ["Timestamp", CONNECTION, "What do you need from me this coming week?"],
        ["Timestamp", "Which partner are you?", CONNECTION_2_LINES],
    ],
}

JUNK = st.text(
    alphabet=st.sampled_from([*"ab 1;,\"'\n\r\t=+-@/:.|()\u2019\u00e9\u00a0", "\U0001f642"]),
    max_size=12,
)
DATES = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 12, 31))
TIMES = st.times()


def _ordinal(d: dt.date) -> str:
    suffix = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    return f"{d.day}{suffix} {d:%b %Y}"


DATE_TEXT = st.one_of(
    DATES.map(lambda d: d.isoformat()),
    DATES.map(lambda d: f"{d.day}/{d.month}/{d.year}"),
    DATES.map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    DATES.map(_ordinal),
    DATES.map(lambda d: f"{d.day} {d:%B}"),
    DATES.map(lambda d: f"{d:%B} {d.day}"),
    # Month names in other languages, written by Babel's own date formatting (not by trustdata).
    st.builds(
        lambda d, lang: format_date(d, "d MMMM y", locale=lang),
        DATES,
        st.sampled_from(["pl", "es", "de", "fr"]),
    ),
    # A sheet written by Apps Script: JavaScript's Date.toString().
    DATES.map(lambda d: f"{d:%a %b %d %Y} 13:58:23 GMT-0500 (Central Daylight Time)"),
)
TIME_TEXT = st.one_of(
    TIMES.map(lambda t: t.strftime("%H:%M")),
    TIMES.map(lambda t: t.strftime("%I:%M %p").lower().lstrip("0")),
    st.sampled_from(["pre", "am", "mid", "pm", "all day", "morning", "night", "25:61", "noonish"]),
)
STAMP_TEXT = st.one_of(
    st.builds(lambda d, t: f"{d} {t}", DATE_TEXT, TIME_TEXT),
    st.builds(lambda d, t: f"{d:%Y/%m/%d} {t:%I:%M:%S %p} AST", DATES, TIMES),
    DATE_TEXT,
)
CELLS = {
    "full_date": DATE_TEXT,
    "date": DATE_TEXT,
    "date formatted": DATE_TEXT,
    "year": st.integers(1990, 2040).map(str),
    "weekday": st.sampled_from(["Monday", "Tue", ""]),
    "time": TIME_TEXT,
    "time of day": TIME_TEXT,
    "mood": st.sampled_from(
        ["rad", "good", " Meh ", "bad", "awful", "sad", "almost Rad", "źle", ""]
    ),
    "activities": st.lists(
        st.sampled_from(["triggered: anniversary", "triggered - song", "walk", "triggered", "x"]),
        max_size=3,
    ).map(" | ".join),
    "category": st.sampled_from(["Mood", "Symptom", "Symptoms", "Energy", "Sleep", ""]),
    "rating/amount": st.one_of(st.integers(-2, 12).map(str), st.sampled_from(["4,5", "seven", ""])),
    "detail": st.sampled_from(
        [
            "Triggered (anniversary)",
            "Triggered - place (Severe)",
            "Headache (Mild)",
            "",
            "Triggered",
        ]
    ),
    "Timestamp": STAMP_TEXT,
    "Email Address": st.sampled_from(["sam@example.org", "ALEX@example.org ", "", "x@y.z"]),
    "Which partner are you?": st.sampled_from(["A", "B", "", "Hurt partner"]),
    CONNECTION: st.one_of(st.integers(0, 11).map(str), st.sampled_from(["ten", "", "7.5"])),
    CONNECTION_2_LINES: st.one_of(st.integers(0, 6).map(str), st.sampled_from(["", "4.0"])),
}


#: Values each app really writes: most rows are made of these, so that imports also succeed.
CLEAN = {
    "full_date": DATES.map(lambda d: d.isoformat()),
    "date": DATES.map(lambda d: f"{d.day} {d:%B}"),
    "year": st.sampled_from(["2017", "2024"]),
    "time": st.one_of(
        TIMES.map(lambda t: t.strftime("%H:%M")),
        TIMES.map(lambda t: t.strftime("%I:%M %p").lower().lstrip("0")),
    ),
    "mood": st.sampled_from(["rad", "good", "meh", "bad", "awful"]),
    "activities": CELLS["activities"],
    "detail": st.sampled_from(["Triggered (anniversary)", "Triggered - place (Severe)", ""]),
    "category": st.sampled_from(["Mood", "Mood", "Symptom", "Energy"]),
    "rating/amount": st.integers(1, 4).map(str),
    "time of day": st.sampled_from(["am", "mid", "pm", "08:30", "11:00 pm"]),
    "Timestamp": st.builds(lambda d, t: f"{d:%Y/%m/%d} {t:%I:%M:%S %p} AST", DATES, TIMES),
    "Email Address": st.sampled_from(["sam@example.org", "alex@example.org"]),
    "Which partner are you?": st.sampled_from(["A", "B"]),
    CONNECTION: st.integers(1, 10).map(str),
    CONNECTION_2_LINES: st.integers(1, 5).map(str),
}
CLEAN_BY_KIND = {
    "daylio": CLEAN,
    "bearable": {**CLEAN, "date": DATES.map(_ordinal), "date formatted": DATES.map(str)},
    "google-forms": CLEAN,
}


@st.composite
def exports(draw, kind: str) -> tuple[bytes, list[str]]:
    header = draw(st.sampled_from(HEADERS[kind]))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 9)) < 5:  # a row as the app writes it
            clean = CLEAN_BY_KIND[kind]
            row = [draw(clean.get(col, JUNK)) for col in header]
        else:  # plausible but messy values, junk in about one cell in ten
            row = [
                draw(JUNK if draw(st.integers(0, 9)) == 0 else CELLS.get(col, JUNK))
                for col in header
            ]
        cut = draw(st.sampled_from([0, 0, 0, 1, -1]))  # ragged rows now and then
        row = [*row, "surplus"] if cut == 1 else row[:-1] if cut == -1 else row
        rows.append(row)
        if draw(st.integers(0, 9)) == 0:
            rows.append([])  # a blank line
    delimiter = draw(st.sampled_from([",", ";"]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    )
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return buffer.getvalue().encode(encoding, errors="replace"), header


def check(kind: str, data: bytes, header: list[str], dayfirst: bool | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        partner = "A"
        if kind == "google-forms" and ("Email Address" in header or len(header) == 4):
            partner = None
        try:
            result = import_export(kind, path, couple="c1", partner=partner, dayfirst=dayfirst)
        except TrustDataError:
            return
        report, logs = result.report, result.logs
        records = len(read_raw_csv(path)[0])
        assert report.records == records
        assert records == sum(report.outcomes[k] for k in OUTCOMES), report.to_text()
        assert report.outcomes["checkins"] == len(logs.checkins)
        assert (
            len(logs.rejected) == report.outcomes["rejected"] + report.derived_triggers["rejected"]
        )
        s = logs.summary
        assert (s["records"] == s["valid"] + s["rejected"]).all()
        assert logs.rejected["reason"].str.len().gt(0).all()
        if "Email Address" in header:
            for address in ("sam@example.org", "alex@example.org", "x@y.z"):
                assert address not in logs.rejected.to_csv().lower()
                assert address not in report.to_text().lower()
        day_scores_hold(kind, path, result, dayfirst)
        if result.nothing_imported:  # every record rejected: no (empty) log folder is written
            with pytest.raises(TrustDataError, match="nothing to write"):
                result.write(Path(tmp) / "out")
            assert not (Path(tmp) / "out").exists()
            return
        folder = result.write(Path(tmp) / "out")
        back = trustdata.load(folder)
        assert len(back.rejected) == 0
        assert len(back.checkins) == len(logs.checkins)
        assert len(back.triggers) == len(logs.triggers)


DEFAULT_MOODS = {"rad": 10, "good": 8, "meh": 5, "bad": 3, "awful": 1}


def day_scores_hold(kind: str, path: Path, result, dayfirst: bool | None) -> None:
    """No written check-in differs from the day's score computed from all of that day's entries.

    Each record's day is read again from the raw file; a day with a check-in must have every one
    of its mood records readable and none rejected, and the check-in's connection must be their
    mean rounded half up (issue 12.1).
    """
    if kind == "google-forms":
        return
    frame, _ = read_raw_csv(path)
    lines = frame["_line"].tolist()
    rejected = set(result.logs.rejected["line"].tolist())
    cols = {norm_text(c): c for c in frame.columns}
    if kind == "daylio":
        date_col = cols.get("full_date") or cols["date"]
        year = None if "full_date" in cols else cols.get("year")
        stamps = column_stamps(frame, date_col, dayfirst=dayfirst, lines=lines, year_column=year)
        dates = stamps.dates
        scores = [DEFAULT_MOODS.get(norm_text(v)) if text(v) else None for v in frame[cols["mood"]]]
        is_mood = [True] * len(frame)
    else:
        dates = column_stamps(frame, cols["date"], dayfirst=dayfirst, lines=lines).dates
        if "date formatted" in cols and any(d is None for d in dates):
            try:
                second = cols["date formatted"]
                backup = column_stamps(frame, second, dayfirst=dayfirst, lines=lines)
            except TrustDataError:
                backup = None
            if backup is not None:
                pairs = zip(dates, backup.dates, strict=True)
                dates = [d if d is not None else b for d, b in pairs]
        is_mood = [norm_text(v or "") == "mood" for v in frame[cols["category"]]]
        scores = [parse_number(text(v)) for v in frame[cols["rating/amount"]]]
    for row in result.logs.checkins.itertuples(index=False):
        day = row.date.date()
        mine = [i for i in range(len(frame)) if is_mood[i] and dates[i] == day]
        assert mine, f"a check-in on {day} that no record of the file has"
        assert not any(lines[i] in rejected for i in mine), f"{day}: written with a rejected entry"
        assert all(scores[i] is not None for i in mine)
        mean = sum(Fraction(scores[i]) for i in mine) / len(mine)
        assert row.connection == round_half_up(mean), f"{day}: not the day's score"


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@SETTINGS
@given(export=exports("daylio"), dayfirst=st.sampled_from([None, True, False]))
def test_messy_daylio_exports_are_accounted_for(export, dayfirst):
    check("daylio", *export, dayfirst)


@SETTINGS
@given(export=exports("bearable"), dayfirst=st.sampled_from([None, True, False]))
def test_messy_bearable_exports_are_accounted_for(export, dayfirst):
    check("bearable", *export, dayfirst)


@SETTINGS
@given(export=exports("google-forms"), dayfirst=st.sampled_from([None, True, False]))
def test_messy_google_forms_exports_are_accounted_for(export, dayfirst):
    check("google-forms", *export, dayfirst)


LEVEL_SCORE = {1: 10, 2: 8, 3: 5, 4: 3, 5: 1}  # the backup's mood levels, as documented


@st.composite
def backups(draw) -> dict:
    """A Daylio backup's JSON: moods with levels (some missing or odd), entries with dates."""
    n_moods = draw(st.integers(1, 6))
    moods = [
        {
            "id": i,
            "custom_name": draw(st.sampled_from(["", "grand", "almost Rad", "źle", "x y"])),
            "predefined_name_id": draw(st.sampled_from([-1, 1, 2, 3, 4, 5])),
            "mood_group_id": draw(st.sampled_from([1, 2, 3, 4, 5, 5, 0, None])),
        }
        for i in range(1, n_moods + 1)
    ]
    entries = []
    for _ in range(draw(st.integers(0, 10))):
        day = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 1, 6)))
        entries.append(
            {
                "year": day.year,
                "month": day.month - 1,
                "day": draw(st.sampled_from([day.day, day.day, 31, 32])),
                "hour": draw(st.integers(0, 23)),
                "minute": draw(st.integers(0, 59)),
                "mood": draw(st.integers(1, n_moods + 1)),  # n_moods + 1 is not a mood
                "tags": [],
                "note": draw(st.sampled_from(["", "a<br>b", "&amp;"])),
                "note_title": "",
            }
        )
    return {"customMoods": moods, "tags": [], "dayEntries": entries}


@SETTINGS
@given(document=backups())
def test_daylio_backups_are_accounted_for_and_each_day_has_its_score(document):
    import base64
    import json
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "backup.daylio"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("backup.daylio", base64.b64encode(json.dumps(document).encode("utf-8")))
        result = import_export("daylio", path, couple="c1", partner="A")
        report, logs = result.report, result.logs
        entries = document["dayEntries"]
        assert report.records == len(entries)
        assert report.records == sum(report.outcomes[k] for k in OUTCOMES), report.to_text()
        assert len(logs.rejected) == report.rejected
        levels = {m["id"]: m["mood_group_id"] for m in document["customMoods"]}
        for row in logs.checkins.itertuples(index=False):
            day = row.date.date()
            mine = []
            for e in entries:
                try:
                    when = dt.date(e["year"], e["month"] + 1, e["day"])
                except ValueError:
                    continue
                if when == day:
                    mine.append(LEVEL_SCORE.get(levels.get(e["mood"])))
            assert mine and None not in mine, f"{day}: written with an entry that has no score"
            assert row.connection == round_half_up(Fraction(sum(mine), len(mine)))

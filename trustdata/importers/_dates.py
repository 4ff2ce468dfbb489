"""Reading the dates and times that exports really contain, one whole column at a time.

Exports write dates in the owner's locale: ``2022/06/22 11:07:29 AM AST`` (Google Forms),
``5/10/2026 09:15:00`` or ``27/09/2026 15:00:00`` (day and month order unknown), ``8th Dec 2021``
(Bearable), ``18 May`` or ``May 18`` with the year in another column (old Daylio), ``11:00 pm`` and
``14:58`` in the same file, JavaScript's ``Mon Sep 08 2025 13:58:23 GMT-0500 (Central Daylight
Time)`` (a sheet written by Apps Script).  :func:`parse_stamps` reads a whole column and decides
the day/month order **once, for the column** (never row by row):

- a numeric date whose first field is above 12 can only be day-first, one whose second field is
  above 12 only month-first;
- a column with both kinds cannot be read one way: :class:`~trustdata.errors.TrustDataError`;
- a column with only ambiguous dates (``5/10/2026``) needs to be told (``dayfirst=True`` or
  ``False``), unless day and month are equal in every one of them;
- a time-zone abbreviation after the time (``AST``, ``GMT+2``) is removed and counted; the date and
  time kept are the **local** ones as written (no conversion); a numeric offset (``GMT+02:00``,
  ``+0200``) is also returned in minutes.

Examples
--------
>>> col = parse_stamps(["27/09/2026 15:00:00", "5/10/2026 09:15:00"], what="Timestamp")
>>> [d.isoformat() for d in col.dates], col.dayfirst
(['2026-09-27', '2026-10-05'], True)
>>> parse_stamps(["8th Dec 2021"], what="date").dates[0].isoformat()
'2021-12-08'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from trustdata.errors import TrustDataError

__all__ = ["StampColumn", "parse_stamps", "parse_time", "MONTHS", "MONTH_LANGUAGES", "month_names"]

MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    start=1,
):
    MONTHS[_name] = _i
    MONTHS[_name[:3]] = _i
MONTHS["sept"] = 9

#: Languages whose month names are read (Babel's CLDR locale data), in order of preference when
#: a column's month names fit more than one (``listopada`` is November in Polish, October in
#: Croatian).
MONTH_LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "sv", "da", "nb", "fi", "hu",
    "ro", "ca", "lt", "lv", "et", "sl", "hr", "el", "ru", "uk", "bg", "tr", "ga", "cy",
)  # fmt: skip


def _plain(word: str) -> str:
    """A month word as it is compared: casefolded, without a final dot."""
    return unicodedata.normalize("NFC", word).casefold().rstrip(".")


def _unaccented(word: str) -> str:
    out = unicodedata.normalize("NFKD", word.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in out if not unicodedata.combining(c))


@cache
def month_names(language: str) -> dict[str, int]:
    """Month name -> month number in ``language`` (a CLDR code), from Babel's locale data.

    Every form CLDR has is included: wide and abbreviated, in running text ("7 września") and
    stand-alone ("wrzesień"), each also without its accents (a file that lost them).

    Examples
    --------
    >>> month_names("pl")["września"], month_names("es")["octubre"], month_names("de")["marz"]
    (9, 10, 3)
    """
    from babel import Locale

    months: dict[str, int] = {}
    locale = Locale.parse(language)
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in locale.months[context][width].items():
                for key in (_plain(name), _plain(_unaccented(name))):
                    if len(key) >= 3:
                        months.setdefault(key, int(number))
    return months


def _language_of(words: set[str]) -> tuple[str | None, dict[str, int], list[str]]:
    """The language whose month names cover the most of ``words`` (the first such in
    :data:`MONTH_LANGUAGES`), its months merged with the English ones, and the other languages
    that fit as well."""
    from babel.core import UnknownLocaleError

    best, best_n, fits = None, 0, []
    for language in MONTH_LANGUAGES:
        try:
            names = month_names(language)
        except (ValueError, UnknownLocaleError):  # pragma: no cover - not in this Babel
            continue
        n = sum(w in names for w in words)
        if n == len(words):
            fits.append(language)
        if n > best_n:
            best, best_n = language, n
    if best is None or best == "en":
        return None, MONTHS, []
    return best, {**month_names(best), **MONTHS}, [f for f in fits if f != best]


def language_name(code: str) -> str:
    """The English name of a CLDR language code (``pl`` -> ``Polish``)."""
    from babel import Locale

    return Locale.parse(code).english_name or code


_SUFFIX = r"(?:st|nd|rd|th)?"
_YMD = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_NUM = re.compile(r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})(?!\d)")
_DAY_MON = re.compile(
    rf"(?P<d>\d{{1,2}}){_SUFFIX}\.?\s*(?:of\s+|de\s+)?(?P<mon>[^\W\d_]{{3,12}}\.?),?"
    r"(?:\s+(?:de\s+)?(?P<y>\d{4}))?"
)
_MON_DAY = re.compile(
    rf"(?P<mon>[^\W\d_]{{3,12}}\.?)\s+(?P<d>\d{{1,2}}){_SUFFIX},?(?:\s+(?P<y>\d{{4}}))?"
)
_TIME = re.compile(
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?"
)
_TZ = re.compile(
    r"(?P<tz>(?:GMT|UTC)?\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?"
    r"|Z|GMT|UTC|[A-Z]{2,5})"
)


@dataclass
class StampColumn:
    """One column of dates (and maybe times), read with one day/month order.

    Attributes
    ----------
    dates : list of datetime.date or None
        The date of each value (None when it could not be read; see ``errors``).
    times : list of datetime.time or None
        The clock time when the value had one.
    offsets : list of int or None
        A numeric UTC offset in minutes when the value carried one.
    errors : list of str or None
        Why a value could not be read, in words.
    dayfirst : bool or None
        The order used for numeric day/month dates (None when no value needed it).
    order : str
        The decision and how it was made, in a sentence.
    zones : collections.Counter
        The time-zone labels removed, with how many values had each.
    language : str or None
        The language of the month names when they are not English (a CLDR code, ``pl``).
    language_note : str
        The sentence saying so for a report (empty when the names are English or absent).
    """

    dates: list[dt.date | None]
    times: list[dt.time | None]
    offsets: list[int | None]
    errors: list[str | None]
    dayfirst: bool | None
    order: str
    zones: Counter = field(default_factory=Counter)
    language: str | None = None
    language_note: str = ""


def parse_time(text: str) -> tuple[dt.time | None, str]:
    """Read a clock time (``11:00 pm``, ``14:58``, ``9.30``); return it and the text after it.

    Returns ``(None, reason)`` when the text does not start with a valid time.

    Examples
    --------
    >>> parse_time("11:00 pm")[0], parse_time("14:58")[0]
    (datetime.time(23, 0), datetime.time(14, 58))
    >>> parse_time("25:00")[0] is None
    True
    """
    text = text.strip()
    m = _TIME.match(text)
    if not m:
        return None, f"{text!r} is not a clock time like 14:58 or 11:00 pm"
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    ampm = m["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            return None, f"hour {hour} cannot go with {ampm.strip()!r} in {text!r}"
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, f"{text[: m.end()]!r} is not a valid time of day"
    return dt.time(hour, minute, second), text[m.end() :]


def _year(text: str | None, default: int | None) -> int | None:
    if text is None:
        return default
    value = int(text)
    if len(text) == 2:
        value += 2000 if value < 70 else 1900
    return value


@dataclass
class _Split:
    kind: str  # "ymd", "num" (ambiguous order), "named"
    y: int | None
    a: int  # month for ymd/named, first field for num
    b: int  # day for ymd/named, second field for num
    rest: str


# A weekday name in front of a date ("Mon Sep 08 2025 ...", "Tuesday, 5 May 2026").
_WEEKDAY = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
# The zone's name JavaScript's Date.toString() writes last: "(Central Daylight Time)".
_ZONE_NAME = re.compile(r"\s*\((?P<name>[^()]*)\)\s*$")


def _split(text: str, year: int | None, months: dict[str, int] = MONTHS) -> _Split | str:
    """Split one value into its date parts and the rest; a reason string when it is no date."""
    if m := _WEEKDAY.match(text):
        text = text[m.end() :]
    if m := _YMD.match(text):
        return _Split("ymd", int(m["y"]), int(m["m"]), int(m["d"]), text[m.end() :])
    if m := _NUM.match(text):
        return _Split("num", _year(m["y"], None), int(m["a"]), int(m["b"]), text[m.end() :])
    for pattern in (_DAY_MON, _MON_DAY):
        m = pattern.match(text)
        if m and _plain(m["mon"]) in months:
            y = _year(m["y"], year)
            if y is None:
                return f"{text!r} has no year"
            return _Split("named", y, months[_plain(m["mon"])], int(m["d"]), text[m.end() :])
    return f"{text!r} is not a date (expected e.g. 2026-09-27, 27/09/2026 or 8th Dec 2021)"


def _rest(rest: str) -> tuple[dt.time | None, str | None, int | None, str | None]:
    """Read what follows a date: an optional time and an optional time-zone label."""
    rest = rest.strip().lstrip("T,").strip()
    rest = _ZONE_NAME.sub("", rest)  # Apps Script: "... GMT-0500 (Central Daylight Time)"
    time = None
    if rest and rest[0].isdigit():
        time, after = parse_time(rest)
        if time is None:
            return None, None, None, after
        rest = after.strip()
    if not rest:
        return time, None, None, None
    m = _TZ.fullmatch(rest)
    if not m:
        return None, None, None, f"unexpected {rest!r} after the date"
    offset = None
    if m["sign"]:
        offset = int(m["oh"]) * 60 + int(m["om"] or 0)
        offset = -offset if m["sign"] == "-" else offset
        if abs(offset) > 16 * 60:
            return None, None, None, f"{rest!r} is not a UTC offset"
    return time, m["tz"].strip(), offset, None


def parse_stamps(
    values: Sequence[str | None],
    *,
    what: str,
    dayfirst: bool | None = None,
    lines: Sequence[int] | None = None,
    source: str | None = None,
    year: Sequence[str | None] | None = None,
) -> StampColumn:
    """Read a column of dates or date-times with one day/month order for the whole column.

    Parameters
    ----------
    values : sequence of str or None
        The raw texts (None or blank = missing).
    what : str
        The column's name, for messages.
    dayfirst : bool, optional
        The order of numeric dates when the caller knows it; detected from the column when None.
    lines : sequence of int, optional
        The line number of each value in its file (for messages).
    source : str, optional
        The file name (for messages).
    year : sequence of str or None, optional
        A year for each value, for dates written without one (old Daylio exports).

    Raises
    ------
    TrustDataError
        When the column mixes day-first and month-first dates, or when its numeric dates are all
        ambiguous and ``dayfirst`` was not given.

    Examples
    --------
    >>> parse_stamps(["5/10/2026"], what="Timestamp", dayfirst=False).dates[0].isoformat()
    '2026-05-10'
    >>> parse_stamps(["5/10/2026"], what="Timestamp")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    trustdata.errors.TrustDataError: ...pass --dayfirst ... or --no-dayfirst ...
    """
    n = len(values)
    line_of = list(lines) if lines is not None else list(range(2, n + 2))
    splits: list[_Split | str] = []
    for i, raw in enumerate(values):
        text = "" if raw is None else str(raw).strip()
        if not text:
            splits.append(f"no date in column {what!r}")
            continue
        y = None
        if year is not None:
            ytext = (year[i] or "").strip()
            y = int(ytext) if ytext.isdigit() and len(ytext) == 4 else None
        splits.append(_split(text, y))
    # Month names that are not English ("7 września", "16 de octubre"): find their language.
    unknown: dict[int, str] = {}
    for i, s in enumerate(splits):
        if isinstance(s, str) and "is not a date" in s:
            raw = str(values[i]).strip()
            raw = raw[m.end() :] if (m := _WEEKDAY.match(raw)) else raw
            for pattern in (_DAY_MON, _MON_DAY):
                if (m := pattern.match(raw)) and _plain(m["mon"]) not in MONTHS:
                    unknown[i] = _plain(m["mon"])
                    break
    language, language_note = None, ""
    if unknown:
        language, months, also = _language_of(set(unknown.values()))
        if language is not None:
            for i in unknown:
                y = None
                if year is not None:
                    ytext = (year[i] or "").strip()
                    y = int(ytext) if ytext.isdigit() and len(ytext) == 4 else None
                splits[i] = _split(str(values[i]).strip(), y, months)
            read = sum(isinstance(splits[i], _Split) for i in unknown)
            language_note = (
                f"month names in column {what!r} read as {language_name(language)} "
                f"({language}; Babel's CLDR data): {read} of {len(unknown)} date(s)"
            )
            if also:
                language_note += (
                    "; they are also month names in "
                    + ", ".join(f"{language_name(a)} ({a})" for a in also)
                    + f", read as {language_name(language)}"
                )

    def valid(y: int | None, month: int, day: int) -> bool:
        try:
            dt.date(y or 2000, month, day)
        except ValueError:
            return False
        return True

    first, second, mixed_text = [], [], []
    for i, s in enumerate(splits):
        if isinstance(s, _Split) and s.kind == "num":
            if s.a > 12 and valid(s.y, s.b, s.a):
                first.append(i)
            elif s.b > 12 and valid(s.y, s.a, s.b):
                second.append(i)
            elif s.a != s.b and s.a <= 12 and s.b <= 12:
                mixed_text.append(i)

    def show(i: int) -> str:
        return f"line {line_of[i]}: {str(values[i]).strip()!r}"

    where = f" in {source}" if source else ""
    if dayfirst is not None:
        flag = "--dayfirst" if dayfirst else "--no-dayfirst"
        name = "day-first (day/month/year)" if dayfirst else "month-first (month/day/year)"
        order = f"{name}, as given ({flag} / dayfirst={dayfirst})"
        used = dayfirst
    elif first and second:
        raise TrustDataError(
            f"The dates in column {what!r}{where} mix day-first ({show(first[0])}) and "
            f"month-first ({show(second[0])}) orders, so no one reading fits them all. Fix the "
            "export, or pass --dayfirst or --no-dayfirst (dayfirst=True/False) to read them one "
            "way and reject the dates that do not fit.",
            source=source,
        )
    elif first:
        order = (
            f"day-first (day/month/year), detected from the whole column: {show(first[0])} "
            "has a first field above 12"
        )
        used = True
    elif second:
        order = (
            f"month-first (month/day/year), detected from the whole column: {show(second[0])} "
            "has a second field above 12"
        )
        used = False
    elif mixed_text:
        raise TrustDataError(
            f"The day/month order of the dates in column {what!r}{where} cannot be told: "
            f"every numeric date could be read either way (e.g. {show(mixed_text[0])}). Say "
            "which it is: pass --dayfirst (27/09 style, dayfirst=True) or --no-dayfirst "
            "(09/27 style, dayfirst=False).",
            source=source,
        )
    else:
        has_num = any(isinstance(s, _Split) and s.kind == "num" for s in splits)
        order = (
            "not needed: every numeric date has the same day and month"
            if has_num
            else "not needed: no date in the column is written as numbers in day/month order"
        )
        used = None

    col = StampColumn([], [], [], [], used, order, language=language, language_note=language_note)
    for s in splits:
        date, time, offset, error = None, None, None, None
        if isinstance(s, str):
            error = s
        else:
            if s.kind == "num":
                month, day = (s.b, s.a) if used else (s.a, s.b)
            else:
                month, day = s.a, s.b
            try:
                date = dt.date(s.y or 0, month, day)
            except ValueError:
                order_word = {True: "day-first", False: "month-first"}.get(used, "")
                read_as = f" (read {order_word})" if s.kind == "num" and order_word else ""
                error = f"no such date{read_as}: year {s.y}, month {month}, day {day}"
            if date is not None and not 1900 <= date.year <= 2200:
                date, error = None, f"the year {date.year} is outside 1900-2200"
            if date is not None:
                time, zone, offset, error = _rest(s.rest)
                if error is not None:
                    date = None
                elif zone is not None:
                    col.zones[zone] += 1
        col.dates.append(date)
        col.times.append(time)
        col.offsets.append(offset)
        col.errors.append(error)
    return col

"""Anonymized copies of logs for research: keyed pseudonyms, shifted timelines, no free text.

What :func:`anonymize` does to a :class:`~trustdata.Logs`
--------------------------------------------------------
Ids
    ``couple_id`` becomes ``"c"`` + 16 hex digits of HMAC-SHA256(key, couple id); ``partner``
    (in check-ins, triggers and events) becomes ``"p"`` + 8 hex digits of HMAC-SHA256(key,
    couple id + partner), so the same partner label in two couples gets two unrelated
    pseudonyms.  The same key gives the same pseudonyms in every export (a researcher can add
    new weeks to a cohort); without the key, pseudonyms cannot be linked back to ids or to an
    export made with another key.  There is no default key: see :func:`load_key`.
Dates
    Each couple's timeline is moved, as a whole, by a number of days drawn from the key and
    the couple id (HMAC-SHA256): its first record (check-in, trigger or event) lands on a day
    between :data:`NEUTRAL_START` (3 January 2000) and :data:`NEUTRAL_START` + 364 days.  The
    shift is not a whole number of weeks, so the weekday of a record (and the weekday pattern
    of a couple) says nothing about the real calendar; the month of the shifted start says
    nothing about the real season; intervals between two records of a couple (to the minute)
    and times of day are kept.  Couples are shifted independently: no calendar date, season,
    weekday or order of couples in calendar time survives *without outside knowledge*.  What
    an attacker who knows one real date of a couple can still do is in ``docs/privacy.md``:
    one known date gives the couple's whole calendar back.  ``utc_offset_minutes`` is blanked
    (an offset that changes at a daylight-saving switch would reveal the season, and the
    offset itself the region).
Free text
    ``increased_trust``, ``decreased_trust``, ``need`` and ``note`` (in any table: the
    importers put an app's diary note beside its check-ins) are removed unless
    ``keep_text=True`` (they are the likeliest place for names, places and dates).  Kept text
    has every numeric date (``2025-03-12``, ``2025-3-3``, ``12/03/2025``, ``3/3/25``,
    ``3.3.``, ``20250312``, ...) and every date with an English month name (``3 March``,
    ``Mar 3rd, 2025``) or a day spelled out (``twelfth of March``, ``March the twelfth``,
    ``on the 12th.``) replaced by ``[date]``, weekday names (``Tuesday``, ``Tue``; a weekday
    beside a shifted date gives the shift modulo 7) by ``[day]``, e-mail addresses by
    ``[email]``, web addresses (up to a space, a quote or ``<``, without the punctuation after
    them) by ``[link]``, phone-like numbers (8 digits or more) by ``[number]``, and the couple's
    own couple and partner ids (whole words of three characters or more, in any case) by their
    pseudonyms; other names, places, holidays ("Christmas Eve"), "the weekend" and "the 3rd
    time" stay: read kept text before sharing it.
Other columns
    Columns the format does not know are removed from check-ins, triggers and events unless
    the researcher lists them in ``keep_columns`` (declaring them safe).  The ``couples`` table
    keeps only ``couple_id``, the declared ``quasi_identifiers`` (e.g. ``group``, ``site``) and
    ``keep_columns``.  A kept column whose name or values hold a date or an original couple
    or partner id (a whole word of three characters or more, in any case) or an e-mail
    address is refused.  The report counts removed columns but never names them (a column
    name such as ``notes for name@example.com`` is itself personal data).
Rejected records
    ``Logs.rejected`` (which holds original values) and ``Logs.summary`` (which names the
    original files) are not carried over; the report counts them.
Row order
    Rows are sorted by pseudonym, then by (shifted) date and the other columns, so the output
    order says nothing about the original ids or file order, and the same input and key give
    byte-identical files.

The report (:class:`AnonymizationReport`, written as ``anonymization_report.md`` next to the
tables) says what was removed and checks k-anonymity over the quasi-identifiers: each
combination of their values held by fewer than ``k`` couples is listed and warned about
(:class:`KAnonymityWarning`).  It holds counts, column names and group labels only, never an
original id or date.

Making a key (keep it secret, outside the data folder, and the same for every export)::

    python -c "import secrets; print(secrets.token_hex(32))" > research.key
    chmod 600 research.key

:func:`load_key` refuses a key shorter than 16 bytes, a low-entropy key (``aaaa...``,
``0123...``, a repeated block) and the public demo key ``data/sample/demo.key`` (except for
the synthetic sample itself); it warns (:class:`KeyFileWarning`) when the key file can be read
by other users or lies inside the data folder.

Examples
--------
>>> from trustdata.logs import Logs, as_table
>>> logs = Logs(checkins=as_table("checkins", [
...     {"couple_id": "smith", "partner": "Ann", "date": "2025-03-12", "connection": 4,
...      "need": "time"}]))
>>> anon, report = anonymize(logs, key=b"0123456789abcdef-demo-only", k=1)
>>> row = anon.checkins.iloc[0]
>>> row["couple_id"], row["partner"], row["need"]
('c8cbd4fa49ea554c0', 'p7ec05685', nan)
>>> pd.Timestamp("2000-01-03") <= row["date"] < pd.Timestamp("2001-01-02")
True
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.errors import TrustDataError
from trustdata.logs import Logs, empty_rejected, empty_summary

__all__ = [
    "NEUTRAL_START",
    "MIN_KEY_BYTES",
    "REPORT_FILE",
    "KEY_HOWTO",
    "SHIFT_DAYS",
    "KAnonymityWarning",
    "KeyFileWarning",
    "AnonymizationReport",
    "load_key",
    "anonymize",
    "write_anonymized",
    "anonymize_folder",
]

#: Every couple's timeline starts on a keyed day of the SHIFT_DAYS days from this one.
NEUTRAL_START = pd.Timestamp("2000-01-03")

#: The number of possible (keyed) start days of a shifted timeline.
SHIFT_DAYS = 365

#: Estimated bits a key must have (see :func:`key_problem`).
MIN_KEY_BITS = 48

#: SHA-256 of the public demo key ``data/sample/demo.key`` (surrounding whitespace removed).
DEMO_KEY_SHA256 = "0d9c458d65b6f725223802981d11456cf4e30577fb52e22f1f835bda3d7c8846"

#: The shortest key accepted, in bytes.
MIN_KEY_BYTES = 16

#: The report's file name inside the output folder.
REPORT_FILE = "anonymization_report.md"

KEY_HOWTO = (
    'make one with: python -c "import secrets; print(secrets.token_hex(32))" > research.key '
    "(keep it secret, outside the data folder, and reuse it for every export of the cohort)"
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY_TH = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
#: A numeric date with a year (looked for in kept columns' names and values, and in text).
_DATE_LIKE = re.compile(
    # 20250312, 2025-03-12, 2025-3-3, 2025/3/3, 2025.03.12, 2025 03 12
    r"(?<!\d)(?:1[0-9]|20)\d\d(?:[-/._ ]?(?:0[1-9]|1[0-2])[-/._ ]?(?:[0-2]\d|3[01])"
    r"|[-/.](?:0?[1-9]|1[0-2])[-/.](?:[0-2]?\d|3[01]))(?!\d)"
    # 12/03/2025, 3/3/25, 3-3-2025, 3.3.25
    r"|(?<![\d/.-])\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?![\d/-]|\.\d)"
)
#: Any date in free text: the above, day and month without a year (``3/3``, ``3.3.``; also
#: catches a score such as ``7/10``) and dates with an English month name.
_TEXT_DATE = re.compile(
    _DATE_LIKE.pattern
    + r"|(?<![\d/.-])\d{1,2}(?:/\d{1,2}|\.\d{1,2}\.)(?![\d/-]|\.\d)"
    + rf"|(?<![\w])(?:{_DAY_TH}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    + rf"|{_MONTH}\s+{_DAY_TH}(?:,?\s+\d{{4}})?)(?![\w])",
    re.IGNORECASE,
)
#: A day of the month spelled out: ``first`` ... ``thirty-first`` (also ``twenty first``).
_DAY_WORD = (
    r"(?:(?:twenty|thirty)[- ]?)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|thirtieth"
)
#: Dates written in words, which the date shift cannot move: ``twelfth of March``, ``March the
#: twelfth``, ``the 12th`` at the end of a clause (``on the 12th.``), and weekday names (a
#: weekday next to a shifted date gives the shift modulo 7).
_WORD_DATE = re.compile(
    rf"(?<![\w])(?:(?:the\s+)?(?:{_DAY_WORD})\s+(?:of\s+)?{_MONTH}"
    rf"|{_MONTH}\s+(?:the\s+)?(?:{_DAY_WORD}|{_DAY_TH}))(?![\w])"
    rf"|(?<![\w])the\s+(?:{_DAY_TH}|{_DAY_WORD})(?=\s*(?:[.,;:!?)]|$))",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    # full names in any case; abbreviations only capitalised ("sat down", "wed" are words)
    r"(?<![\w])(?:(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)days?)"
    r"|(?:Mon|Tue|Tues|Wed|Weds|Thu|Thur|Thurs|Fri|Sat|Sun|MON|TUE|WED|THU|FRI|SAT|SUN)\.?)"
    r"(?:'s)?(?![\w])"
)
#: Dates with a month name that the two patterns above leave (Excel's and many apps'
#: ``12-Mar-2025``, ``2025-Mar-12``, ``Mar-12``) and a month with its year (``March 2025``,
#: ``2025 March``, ``Jan '25``, ``12/2025``, ``2025-03``): a month and year give the date shift
#: to within a month.
_MONTH_DATE = re.compile(
    rf"(?<![\w])(?:{_DAY_TH}[-/.]{_MONTH}(?:[-/.,]\s*|\s+)(?:1\d|20)\d\d(?!\d)"
    rf"|{_DAY_TH}[-/.]{_MONTH}(?:[-/.](?:\d{{2}})(?!\d))?"
    rf"|(?:1\d|20)\d\d[-/.\s]{_MONTH}[-/.\s]{_DAY_TH}"
    rf"|{_MONTH}[-/.]{_DAY_TH}(?:[-/.,]\s*(?:(?:1\d|20)\d\d|\d{{2}}))?"
    rf"|{_MONTH}(?:\s+(?:of\s+)?|[-/.,]\s*)(?:1\d|20)\d\d(?!\d)"
    rf"|(?:1\d|20)\d\d[-/.\s]{_MONTH}"
    rf"|{_MONTH}\s*['\u2019]\d\d(?!\d))(?![\w])"
    # a month and year in digits: 12/2025, 3.2025, 2025-03 (not 2025-03-12: a date, above)
    r"|(?<![\d/.-])(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d\d(?![\d/-]|\.\d)"
    r"|(?<![\d/.-])(?:19|20)\d\d[/-](?:0[1-9]|1[0-2])(?![\d/-]|\.\d)",
    re.IGNORECASE,
)
#: A year on its own (``since 2019``, ``Christmas 2024``, ``the 1990s``): 19xx and 20xx, and a
#: year written ``'25`` (``summer of '24``); every shifted timeline starts in 2000, so a real
#: year gives the shift to within a year.  Numbers such as ``2000 steps`` go with them.
_YEAR = re.compile(
    r"(?<![\w.,/:-])(?:19|20)\d\d(?:s|'s)?(?![\w]|[.,:]\d)"
    r"|(?<![\w'\u2019])['\u2019]\d\d(?:s)?(?![\w'\u2019])"
)
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
#: A web address: up to a space, a quote or a bracket no address holds (``"`` ends it in
#: ``=HYPERLINK("http://x/?"&A1,"click")``), never ending on punctuation after it.
_LINK = re.compile(r"(?:https?://|www\.)[^\s\"<>`{}|\\^]*[^\s\"<>`{}|\\^.,;:!?)\]']", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ ().-]?\d){7,}(?!\w)")
_SORT_KEYS = {
    "checkins": ["couple_id", "partner", "date"],
    "triggers": ["couple_id", "partner", "timestamp"],
    "events": ["couple_id", "date", "kind"],
    "couples": ["couple_id"],
}


class KAnonymityWarning(UserWarning):
    """A combination of quasi-identifier values is held by fewer than ``k`` couples."""


class KeyFileWarning(UserWarning):
    """The key file can be read by other users, or lies inside the data folder."""


@dataclass(frozen=True)
class AnonymizationReport:
    """What :func:`anonymize` did: counts, removed columns, the k-anonymity check.

    Attributes
    ----------
    n_couples, n_partners : int
        Couples and partners in the output.
    rows : dict
        Rows per table in the output.
    removed : tuple of str
        One sentence per thing removed (free-text columns, extra columns, offsets, rejected
        records).
    quasi_identifiers : tuple of str
        The columns of the ``couples`` table checked for k-anonymity.
    k : int
        The smallest group size allowed.
    groups : DataFrame
        One row per combination of quasi-identifier values: those columns, then ``n_couples``
        and ``ok`` (``n_couples >= k``).  Empty without quasi-identifiers.
    """

    n_couples: int
    n_partners: int
    rows: dict[str, int]
    removed: tuple[str, ...]
    quasi_identifiers: tuple[str, ...]
    k: int
    groups: pd.DataFrame = field(repr=False)

    @property
    def small_groups(self) -> pd.DataFrame:
        """The combinations held by fewer than ``k`` couples."""
        return self.groups.loc[~self.groups["ok"]].reset_index(drop=True)

    @property
    def k_anonymous(self) -> bool:
        """True when every combination has at least ``k`` couples (and the cohort has k)."""
        return self.small_groups.empty and self.n_couples >= self.k

    def to_markdown(self) -> str:
        """The report as a short Markdown page (no original id or date in it)."""
        lines = [
            "# Anonymization report",
            "",
            f"- Couples: {self.n_couples}; partners: {self.n_partners}.",
            "- Rows: " + ", ".join(f"{t} {n}" for t, n in self.rows.items()) + ".",
            "- Ids: couple and partner ids replaced by keyed pseudonyms (HMAC-SHA256).",
            "- Dates: each couple's timeline shifted by a keyed number of days (not whole "
            f"weeks) to start on a day of the {SHIFT_DAYS} days from {NEUTRAL_START:%Y-%m-%d}; "
            "intervals and times of day kept, weekdays and seasons not.",
            "",
            "## Removed",
            "",
            *[f"- {item}" for item in self.removed],
            "",
            f"## k-anonymity (k = {self.k})",
            "",
        ]
        if not self.quasi_identifiers:
            lines.append("No quasi-identifiers were declared.")
        else:
            qi = ", ".join(self.quasi_identifiers)
            small = self.small_groups
            if small.empty:
                lines.append(f"Every combination of {qi} has at least {self.k} couples.")
            else:
                lines.append(
                    f"WARNING: {len(small)} combination(s) of {qi} have fewer than {self.k} "
                    "couples; recode or merge them before sharing:"
                )
                lines.append("")
                for rec in small.to_dict("records"):
                    combo = ", ".join(f"{c}={_label(rec[c])}" for c in self.quasi_identifiers)
                    lines.append(f"- {combo}: {rec['n_couples']} couple(s)")
        if self.n_couples < self.k:
            lines += ["", f"WARNING: the whole cohort has fewer than {self.k} couples."]
        return "\n".join(lines) + "\n"


def _label(value: object) -> str:
    return "(missing)" if value is None or value is pd.NA or value != value else str(value)


def _entropy_bits(values: Sequence[int]) -> float:
    """Shannon entropy of the symbols of ``values`` times their number (an estimate, in bits)."""
    import math
    from collections import Counter

    n = len(values)
    if not n:
        return 0.0
    return -sum(c * math.log2(c / n) for c in Counter(values).values())


def is_demo_key(key: bytes) -> bool:
    """True when ``key`` is the public demo key of ``data/sample/demo.key``."""
    return hashlib.sha256(bytes(key).strip()).hexdigest() == DEMO_KEY_SHA256


def key_problem(key: bytes) -> str | None:
    """Why ``key`` is too weak to pseudonymize real data, or None when it is acceptable.

    A key is refused when it is shorter than :data:`MIN_KEY_BYTES`, when it is a shorter block
    repeated (``abcabcabc...``), or when the estimated entropy of its bytes, or of the steps
    between consecutive bytes (which catches ``0123456789abcdef`` and ``aaaa...``), is below
    :data:`MIN_KEY_BITS`.  The estimate cannot tell a guessable phrase from a random one: make
    keys with ``secrets.token_hex(32)``.

    Examples
    --------
    >>> key_problem(b"a" * 16)
    'the key is a block of 1 byte(s) repeated'
    >>> key_problem(b"0123456789abcdef")[:31]
    'the key has about 5 bits of ent'
    >>> key_problem(b"3f9c1e8a0b7d2c4e5a6f8b9d0c1e2f3a") is None
    True
    """
    key = bytes(key)
    if len(key) < MIN_KEY_BYTES:
        return f"the key is {len(key)} bytes long, expected at least {MIN_KEY_BYTES}"
    for size in range(1, len(key) // 2 + 1):
        if len(key) % size == 0 and key[:size] * (len(key) // size) == key:
            return f"the key is a block of {size} byte(s) repeated"
    steps = [(b - a) % 256 for a, b in itertools.pairwise(key)]
    bits = min(_entropy_bits(list(key)), _entropy_bits(steps))
    if bits < MIN_KEY_BITS:
        return (
            f"the key has about {bits:.0f} bits of entropy (its bytes repeat or run in "
            f"sequence), expected at least {MIN_KEY_BITS}"
        )
    return None


def load_key(
    path: str | Path | None, *, data: str | Path | None = None, synthetic: bool = False
) -> bytes:
    """Read the researcher's secret pseudonym key from a file.

    The key is the file's bytes with surrounding whitespace removed.  Make one with::

        python -c "import secrets; print(secrets.token_hex(32))" > research.key
        chmod 600 research.key

    Parameters
    ----------
    path : str or Path
        The key file.
    data : str or Path, optional
        The data folder (or file) the key will anonymize: a key file inside it is warned about.
    synthetic : bool
        The data is trustdata's synthetic sample: only then is the public demo key accepted.

    Raises
    ------
    TrustDataError
        When no path is given, the file does not exist, is a folder or cannot be read, the key
        is too short or weak (:func:`key_problem`), or it is the public demo key and the data
        is not the synthetic sample.  There is never a default key.

    Warns
    -----
    KeyFileWarning
        When other users may read the key file, or it lies inside the data folder.

    Examples
    --------
    >>> load_key("no/such.key")
    Traceback (most recent call last):
    ...
    trustdata.errors.TrustDataError: no/such.key: the key file does not exist; make one with: ...
    """
    import os
    import stat

    if path is None or str(path) == "":
        raise TrustDataError(
            f"a secret key file is required (there is no default key); {KEY_HOWTO}."
        )
    p = Path(path)
    if p.is_dir():
        raise TrustDataError(f"the key file is a folder, not a file; {KEY_HOWTO}.", source=str(p))
    if not p.exists():
        raise TrustDataError(f"the key file does not exist; {KEY_HOWTO}.", source=str(p))
    if not p.is_file():
        raise TrustDataError(f"the key file is not a regular file; {KEY_HOWTO}.", source=str(p))
    try:
        if p.stat().st_size > 4096:
            raise TrustDataError(
                "the key file is over 4 KB: is it really a key? " + KEY_HOWTO + ".",
                source=str(p),
            )
        key = p.read_bytes().strip()
        mode = os.stat(p).st_mode
    except OSError as exc:
        raise TrustDataError(
            f"the key file cannot be read ({exc.strerror}).", source=str(p)
        ) from None
    if is_demo_key(key):
        if not synthetic:
            raise TrustDataError(
                "this is the public demo key of trustdata's synthetic sample (anyone can "
                "read it, so anyone could undo the pseudonyms); it is accepted only for the "
                f"synthetic sample. {KEY_HOWTO[0].upper()}{KEY_HOWTO[1:]}.",
                source=str(p),
            )
        return key
    problem = key_problem(key)
    if problem is not None:
        raise TrustDataError(f"{problem}; {KEY_HOWTO}.", source=str(p))
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.warn(
            f"{p}: the key file can be read by other users of this computer "
            f"(permissions {stat.filemode(mode)}); make it private with: chmod 600 {p}",
            KeyFileWarning,
            stacklevel=2,
        )
    if data is not None:
        try:
            inside = p.resolve().is_relative_to(Path(data).resolve())
        except OSError:  # pragma: no cover - resolve on a broken link loop
            inside = False
        if inside:
            warnings.warn(
                f"{p}: the key file lies inside the data folder {data}, so whoever receives a "
                "copy of the folder gets the key too; keep it elsewhere.",
                KeyFileWarning,
                stacklevel=2,
            )
    return key


def _digest(key: bytes, *parts: str) -> str:
    msg = b"\x00".join(part.encode("utf-8") for part in parts)
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _couple_map(key: bytes, ids: Sequence[str]) -> dict[str, str]:
    out = {cid: "c" + _digest(key, "trustdata-couple", cid)[:16] for cid in ids}
    if len(set(out.values())) != len(out):  # pragma: no cover - 2**-64 per pair
        raise TrustDataError("two couple ids got the same pseudonym; use another key.")
    return out


def _partner_map(key: bytes, pairs: pd.DataFrame) -> dict[tuple[str, str], str]:
    out = {
        (c, p): "p" + _digest(key, "trustdata-partner", c, p)[:8]
        for c, p in pairs.itertuples(index=False)
    }
    seen = pd.DataFrame([(c, v) for (c, _), v in out.items()], columns=["c", "v"])
    if seen.duplicated().any():  # pragma: no cover - 2**-32 per pair within one couple
        raise TrustDataError("two partners of one couple got the same pseudonym; use another key.")
    return out


def _first_dates(logs: Logs) -> pd.Series:
    parts = [
        logs.checkins[["couple_id", "date"]],
        logs.events[["couple_id", "date"]],
        logs.triggers[["couple_id", "timestamp"]].rename(columns={"timestamp": "date"}),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype="datetime64[ns]")
    dates = pd.concat(parts, ignore_index=True)
    return dates.groupby("couple_id")["date"].min().dt.normalize()


_NS_PER_DAY = 86_400 * 10**9


def _shifts(key: bytes, first: pd.Series) -> pd.Series:
    """Days to add to each couple's dates: its first day lands on a keyed day of the
    :data:`SHIFT_DAYS` days from :data:`NEUTRAL_START` (not a whole number of weeks).

    Computed in whole days (int64), so a first record centuries away (beyond what a
    ``Timedelta`` holds) is no overflow."""
    if not len(first):
        return pd.Series(dtype="int64")
    jitter = np.array(
        [int(_digest(key, "trustdata-shift", str(c))[:12], 16) % SHIFT_DAYS for c in first.index],
        dtype="int64",
    )
    start_day = first.astype("datetime64[ns]").to_numpy().astype("datetime64[D]").astype("int64")
    neutral_day = NEUTRAL_START.value // _NS_PER_DAY
    return pd.Series(neutral_day - start_day + jitter, index=first.index, dtype="int64")


def _shifted(values: pd.Series, days: pd.Series, table: str) -> pd.Series:
    """``values`` moved by ``days`` (per row), or a TrustDataError when that overflows."""
    stamps = values.astype("datetime64[ns]")
    missing = stamps.isna().to_numpy()
    ns = stamps.to_numpy().astype("int64")
    add = days.fillna(0).astype("int64").to_numpy()
    # float first: int64 addition would wrap around silently
    approx = ns.astype("float64") + add.astype("float64") * _NS_PER_DAY
    lo, hi = pd.Timestamp.min.value, pd.Timestamp.max.value
    if bool(((approx < lo + _NS_PER_DAY) | (approx > hi - _NS_PER_DAY))[~missing].any()):
        raise TrustDataError(
            "a couple's records span more years than a shifted timeline can hold (dates "
            "from 1677 to 2262); check the years of its first and last records.",
            source=table,
        )
    moved = np.where(missing, np.iinfo("int64").min, ns + add * _NS_PER_DAY)
    return pd.Series(moved.astype("datetime64[ns]"), index=values.index)


#: Ids shorter than this are not looked for in column names and kept values ("A", "B").
_MIN_ID_CHARS = 3


def _id_finder(ids: Sequence[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any of ``ids`` (longest first) as a whole word."""
    words = sorted(
        {
            variant
            for i in map(str, ids)
            if len(i) >= _MIN_ID_CHARS
            for variant in (i, i.lower(), i.upper(), i.casefold())
        },
        key=len,
    )
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in reversed(words))
    # whole words only (an underscore separates words too: "ann_mood" holds "ann", "Annual"
    # and "Island" hold no "ann" or "isl")
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def _check_kept(
    frame: pd.DataFrame,
    columns: Sequence[str],
    table: str,
    ids: re.Pattern[str] | None,
    id_words: frozenset[str] = frozenset(),
) -> None:
    """Refuse kept columns whose name or values hold a date or an original id."""
    for col in columns:
        if (
            _DATE_LIKE.search(str(col))
            or _EMAIL.search(str(col))
            or (ids is not None and ids.search(str(col)))
        ):
            raise TrustDataError(
                f"a kept column of the {table} table has a name that holds a date, an e-mail "
                "address or an original id, which may not leave anonymized; rename it or "
                "leave it out.",
                source=table,
            )
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values) or isinstance(
            values.dtype, pd.DatetimeTZDtype
        ):
            bad = "dates"
        elif pd.api.types.is_bool_dtype(values):
            bad = ""
        else:
            text = pd.Series(values.dropna().astype(str).unique(), dtype="str")
            numeric = pd.api.types.is_numeric_dtype(values)
            if bool(text.str.contains(_DATE_LIKE).any()):
                bad = "dates"  # also numbers such as 20250312
            elif not numeric and bool(text.str.contains(_EMAIL).any()):
                bad = "e-mail addresses"
            elif ids is not None and not numeric and any(ids.search(v) for v in text):
                bad = "original ids"
            elif numeric and not id_words.isdisjoint(text.str.lower()):
                bad = "original ids"
            else:
                bad = ""
        if bad:
            raise TrustDataError(
                f"column {col!r} of the {table} table holds {bad}, which may not leave "
                "anonymized; recode it (e.g. to a label or to weeks since the anchor) or leave "
                "it out.",
                source=table,
            )


#: What kept free text loses, in order: (pattern, placeholder, what it is, its plural).
_SCRUBS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (_EMAIL, "[email]", "e-mail address", "e-mail addresses"),
    (_LINK, "[link]", "web address", "web addresses"),
    (_TEXT_DATE, "[date]", "date", "dates"),
    (_WORD_DATE, "[date]", "date", "dates"),
    (_MONTH_DATE, "[date]", "date", "dates"),
    (_WEEKDAY, "[day]", "weekday name", "weekday names"),
    (_PHONE, "[number]", "phone-like number", "phone-like numbers"),
    (_YEAR, "[year]", "year", "years"),
)


def _scrub_text(
    values: pd.Series, couples: pd.Series, names: dict[str, dict[str, str]]
) -> tuple[pd.Series, int, dict[str, int]]:
    """Kept free text with e-mail and web addresses, dates (numeric or in words), weekday
    names and phone-like numbers replaced (``[email]``, ``[link]``, ``[date]``, ``[day]``,
    ``[number]``) and the couple's own ids (as whole words, any case, three characters or more)
    by their pseudonyms; how many cells changed; and how many of each were replaced (keyed by
    the singular of :data:`_SCRUBS`, and ``"id"``).
    """
    filled = values.notna()
    text = values.loc[filled].astype(str)
    new = text.copy()  # a copy: the id pass below writes into it in place
    found: dict[str, int] = {}
    for pattern, placeholder, what, _ in _SCRUBS:
        hits = int(new.str.count(pattern).sum()) if len(new) else 0
        if hits:
            found[what] = found.get(what, 0) + hits
            new = new.str.replace(pattern, placeholder, regex=True)
    ids = 0
    for cid, idx in new.groupby(couples.loc[filled].astype(str), sort=False).groups.items():
        spellings = {
            variant: pseudo
            for original, pseudo in names.get(cid, {}).items()
            if len(original) >= _MIN_ID_CHARS
            for variant in (original, original.lower(), original.upper(), original.casefold())
        }
        if not spellings:
            continue
        repl = {w.lower(): v for w, v in spellings.items()}
        words = "|".join(re.escape(w) for w in sorted(spellings, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        ids += int(new.loc[idx].str.count(pattern).sum())
        new.loc[idx] = new.loc[idx].str.replace(
            pattern, lambda m, repl=repl: repl.get(m.group(0).lower(), "[id]"), regex=True
        )
    if ids:
        found["id"] = ids
    out = values.astype("str").copy()
    out.loc[filled] = new
    return out, int((new != text).sum()), found


def _scrubbed_words(name: str, cells: int, found: dict[str, int]) -> str:
    """The report's line for what kept free text lost, naming only what was replaced."""
    plurals = {what: many for _, _, what, many in _SCRUBS} | {"id": "ids"}
    marks = {what: mark for _, mark, what, _ in _SCRUBS}
    parts = []
    for what in [*dict.fromkeys(w for _, _, w, _ in _SCRUBS), "id"]:
        n = found.get(what, 0)
        if not n:
            continue
        by = "its pseudonym" if what == "id" and n == 1 else "their pseudonyms"
        by = by if what == "id" else marks[what]
        parts.append(f"{n} {what if n == 1 else plurals[what]} (by {by})")
    cell = "cell" if cells == 1 else "cells"
    return f"{name}: inside the kept free text of {cells} {cell}, replaced: " + ", ".join(parts)


def _unused_categories_dropped(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy whose categorical ``columns`` keep only the categories in use (a Parquet file
    stores every category, so an unused one, never checked, would leave with it)."""
    out = frame.copy()
    for col in columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.remove_unused_categories()
    return out


def anonymize(
    logs: Logs,
    *,
    key: bytes,
    keep_text: bool = False,
    quasi_identifiers: Sequence[str] = (),
    k: int = 5,
    keep_columns: Sequence[str] = (),
    synthetic: bool = False,
) -> tuple[Logs, AnonymizationReport]:
    """An anonymized copy of ``logs`` and a report of what was done (see the module notes).

    Parameters
    ----------
    logs : Logs
        Validated logs (e.g. from :func:`trustdata.load`); not modified.
    key : bytes
        The researcher's secret key, at least 16 bytes (:func:`load_key`).
    keep_text : bool
        Keep the free-text columns (default: remove them), with dates and the couple's own ids
        in them replaced (see the module notes).
    quasi_identifiers : sequence of str
        Columns of the ``couples`` table kept and checked for k-anonymity (e.g. ``group``).
    k : int
        The smallest number of couples a combination of quasi-identifier values may have.
    keep_columns : sequence of str
        Further columns, of any table, the researcher declares safe to keep (refused when their
        name or values hold dates or original ids).
    synthetic : bool
        The logs are trustdata's synthetic sample: only then is the public demo key accepted.

    Returns
    -------
    (Logs, AnonymizationReport)
        The anonymized logs (valid log format v1; empty ``rejected`` and ``summary``; free-text
        columns all missing unless kept) and the report.

    Raises
    ------
    ValueError
        For a key that is too short or weak (:func:`key_problem`), the public demo key on
        data that is not ``synthetic``, ``k < 1``, or a quasi-identifier that is not a column
        of the couples table.
    TrustDataError
        When a kept column's name or values hold dates, e-mail addresses or original ids, or a
        couple's records span so many years that the shifted dates cannot be represented.

    Warns
    -----
    KAnonymityWarning
        Once per combination of quasi-identifier values held by fewer than ``k`` couples, and
        when the whole cohort has fewer than ``k`` couples.

    Examples
    --------
    >>> from trustdata.logs import Logs, as_table
    >>> logs = Logs(checkins=as_table("checkins", [
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-03-12", "connection": 4},
    ...     {"couple_id": "c1", "partner": "A", "date": "2025-03-26", "connection": 6}]))
    >>> anon, _ = anonymize(logs, key=b"demo key, not for real data", k=1)
    >>> anon.checkins["date"].diff().dt.days.tolist()[1:]  # intervals are kept
    [14.0]
    """
    if not isinstance(key, bytes | bytearray):
        raise ValueError(
            f"The value for `key` must be bytes (see load_key), but {type(key).__name__} "
            "was passed."
        )
    if is_demo_key(key) and not synthetic:
        raise ValueError(
            "The value for `key` must not be the public demo key of the synthetic sample "
            "(anyone could undo the pseudonyms), but it was passed for data that is not "
            "marked `synthetic`."
        )
    problem = None if is_demo_key(key) else key_problem(key)
    if problem is not None:
        raise ValueError(f"The value for `key` is too weak: {problem} (see load_key).")
    if k < 1:
        raise ValueError(f"The value for `k` must be at least 1, but {k!r} was passed.")
    quasi_identifiers = tuple(quasi_identifiers)
    missing = [c for c in quasi_identifiers if c not in logs.couples.columns]
    if missing:
        raise ValueError(
            f"The value for `quasi_identifiers` must name columns of the couples table "
            f"{[c for c in logs.couples.columns if c != 'couple_id']}, but {missing} "
            f"{'is' if len(missing) == 1 else 'are'} not there."
        )
    key = bytes(key)
    removed: list[str] = []
    with_records = sorted(
        set().union(
            *(
                getattr(logs, t)["couple_id"].dropna().unique().tolist()
                for t in ("checkins", "triggers", "events")
            )
        )
    )
    cmap = _couple_map(key, with_records)
    pairs = pd.concat(
        [
            logs.checkins[["couple_id", "partner"]],
            logs.triggers[["couple_id", "partner"]],
            logs.events.loc[logs.events["partner"].notna(), ["couple_id", "partner"]],
        ],
        ignore_index=True,
    ).drop_duplicates()
    pmap = _partner_map(key, pairs.astype(str))
    ids = _id_finder([*cmap, *pairs["partner"].astype(str)])
    id_words = frozenset(
        str(i).lower() for i in [*cmap, *pairs["partner"]] if len(str(i)) >= _MIN_ID_CHARS
    )
    names: dict[str, dict[str, str]] = {cid: {cid: pseudo} for cid, pseudo in cmap.items()}
    for (cid, partner), pseudo in pmap.items():
        names[cid].setdefault(partner, pseudo)
    first = _first_dates(logs)
    shift = _shifts(key, first)

    tables: dict[str, pd.DataFrame] = {}
    for name in ("checkins", "triggers", "events"):
        frame = getattr(logs, name)
        # free text is free text in any table (an app's diary ``note`` comes with check-ins)
        known = (*schemas.KNOWN_COLUMNS[name], *schemas.TEXT_COLUMNS)
        extra = [c for c in frame.columns if c not in known]
        dropped = [c for c in extra if c not in keep_columns]
        kept = [c for c in extra if c in keep_columns]
        _check_kept(frame, kept, name, ids, id_words)
        if dropped:
            removed.append(
                f"{name}: {len(dropped)} column(s) the format does not know (not named here: "
                "a column name may itself hold a name or an address)"
            )
        out = _unused_categories_dropped(
            frame[[c for c in frame.columns if c not in dropped]], kept
        )
        time_col = "timestamp" if name == "triggers" else "date"
        out[time_col] = _shifted(out[time_col], out["couple_id"].map(shift), name)
        has_partner = out["partner"].notna()
        out.loc[has_partner, "partner"] = [
            pmap[(c, p)]
            for c, p in zip(
                out.loc[has_partner, "couple_id"], out.loc[has_partner, "partner"], strict=True
            )
        ]
        out["couple_id"] = out["couple_id"].map(cmap).astype("str")
        if name == "triggers" and out["utc_offset_minutes"].notna().any():
            out["utc_offset_minutes"] = pd.array([pd.NA] * len(out), dtype="Int64")
            removed.append(
                "triggers: utc_offset_minutes (the offset and its changes reveal region and season)"
            )
        text_cols = [c for c in schemas.TEXT_COLUMNS if c in out.columns]
        if not keep_text:
            filled = [c for c in text_cols if out[c].notna().any()]
            for c in text_cols:
                out[c] = pd.Series([pd.NA] * len(out), index=out.index, dtype="str")
            if filled:
                removed.append(f"{name}: free text ({', '.join(filled)})")
        else:
            changed = 0
            found: dict[str, int] = {}
            for c in text_cols:
                out[c], n, kinds = _scrub_text(frame[c], frame["couple_id"], names)
                changed += n
                for what, count in kinds.items():
                    found[what] = found.get(what, 0) + count
            if changed:
                removed.append(_scrubbed_words(name, changed, found))
        tables[name] = _sorted(out, _SORT_KEYS[name])

    couples = logs.couples
    extra = [c for c in couples.columns if c != "couple_id"]
    kept = [c for c in extra if c in quasi_identifiers or c in keep_columns]
    _check_kept(couples, kept, "couples", ids, id_words)
    dropped = [c for c in extra if c not in kept]
    if dropped:
        removed.append(
            f"couples: {len(dropped)} attribute column(s) not declared as quasi-identifiers "
            "(not named here: a column name may itself hold a name or an address)"
        )
    has_records = couples["couple_id"].isin(cmap)
    if not has_records.all():
        removed.append(
            f"couples: {int((~has_records).sum())} row(s) of couples without any check-in, "
            "trigger or event (they would pad the k-anonymity groups without data)"
        )
    cout = _unused_categories_dropped(
        couples.loc[has_records, ["couple_id", *kept]].reset_index(drop=True), kept
    )
    cout["couple_id"] = cout["couple_id"].map(cmap).astype("str")
    tables["couples"] = _sorted(cout, _SORT_KEYS["couples"])
    if len(logs.rejected):
        removed.append(f"{len(logs.rejected)} rejected record(s) (they hold original values)")
    if len(logs.summary):
        removed.append("the load summary (it names the original files)")

    anon = Logs(**tables, rejected=empty_rejected(), summary=empty_summary())
    n_couples = len(cmap)
    groups = _k_groups(tables["couples"], list(cmap.values()), quasi_identifiers, k)
    report = AnonymizationReport(
        n_couples=n_couples,
        n_partners=len(pmap),
        rows={name: len(tables[name]) for name in schemas.TABLES},
        removed=tuple(removed) if removed else ("nothing beyond the ids and dates",),
        quasi_identifiers=quasi_identifiers,
        k=int(k),
        groups=groups,
    )
    for rec in report.small_groups.to_dict("records"):
        combo = ", ".join(f"{c}={_label(rec[c])}" for c in quasi_identifiers)
        warnings.warn(
            f"Only {rec['n_couples']} couple(s) have {combo}, fewer than k={k}: they may be "
            "re-identifiable; recode or merge this group before sharing.",
            KAnonymityWarning,
            stacklevel=2,
        )
    if n_couples < k:
        warnings.warn(
            f"The cohort has {n_couples} couple(s), fewer than k={k}.",
            KAnonymityWarning,
            stacklevel=2,
        )
    return anon, report


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rest = [c for c in frame.columns if c not in keys]
    order = frame[keys + rest].copy()
    for c in order.columns:  # sort on text for a total, type-independent order
        if isinstance(order[c].dtype, pd.CategoricalDtype):
            order[c] = order[c].astype(object)
    order = order.astype(str) if len(order) else order
    idx = order.sort_values(list(order.columns), kind="stable").index
    return frame.loc[idx].reset_index(drop=True)


def _k_groups(
    couples: pd.DataFrame, ids: list[str], quasi_identifiers: tuple[str, ...], k: int
) -> pd.DataFrame:
    cols = list(quasi_identifiers)
    if not cols:
        return pd.DataFrame(
            {"n_couples": pd.Series([], dtype="int64"), "ok": pd.Series([], dtype="bool")}
        )
    base = pd.DataFrame({"couple_id": pd.Series(sorted(ids), dtype="str")})
    table = base.merge(couples[["couple_id", *cols]], on="couple_id", how="left")
    sizes = table.groupby(cols, dropna=False, sort=True).size().rename("n_couples").reset_index()
    sizes["n_couples"] = sizes["n_couples"].astype("int64")
    sizes["ok"] = sizes["n_couples"] >= k
    return sizes


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_anonymized(
    logs: Logs,
    out: str | Path,
    *,
    report: AnonymizationReport | None = None,
    format: str = "csv",
) -> list[Path]:
    """Write anonymized logs as a log folder (and the report as ``anonymization_report.md``).

    The tables are written by :func:`trustdata.io.write` (file names are the table names:
    ``checkins.csv``, ...; Parquet files carry no index and no metadata beyond pandas' column
    types); free-text columns that are entirely empty are left out.  ``out`` must not exist or
    be empty.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    TrustDataError
        When ``out`` is a file or a folder that is not empty.
    """
    if format not in ("csv", "json", "parquet"):
        raise ValueError(
            "The value for `format` must be one of ['csv', 'json', 'parquet'], "
            f"but {format!r} was passed."
        )
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TrustDataError(
            "the output folder exists and is not empty; choose a new folder so that anonymized "
            "and original files are never mixed.",
            source=str(folder),
        )
    from trustdata.io import write

    def slim(frame: pd.DataFrame) -> pd.DataFrame:
        empty = [c for c in schemas.TEXT_COLUMNS if c in frame.columns and frame[c].isna().all()]
        return frame.drop(columns=empty)

    import os
    import shutil
    import tempfile

    slimmed = Logs(**{name: slim(getattr(logs, name)) for name in schemas.TABLES})
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise TrustDataError(
            f"the output folder cannot be created ({exc.strerror or exc}).", source=str(folder)
        ) from None
    # The export is written into a hidden folder next to ``out`` and renamed into place at the
    # end, so an interrupted run leaves no partial export that would load as a whole one.
    try:
        write(slimmed, staging, format=format)
        if report is not None:
            (staging / REPORT_FILE).write_text(report.to_markdown(), encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != REPORT_FILE)
    written = [folder / n for n in names]
    if report is not None:
        written.append(folder / REPORT_FILE)
    return written


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def anonymize_folder(
    input: str | Path,
    out: str | Path,
    *,
    key_file: str | Path | None,
    quasi_identifiers: Sequence[str] = (),
    k: int = 5,
    keep_text: bool = False,
    keep_columns: Sequence[str] = (),
    format: str = "csv",
) -> AnonymizationReport:
    """Load a log folder, anonymize it and write the result (what ``trustdata anonymize`` runs).

    The key is read first, so a missing key file fails before anything is read or written.
    The public demo key is accepted only when ``input`` is synthetic sample data written by
    :mod:`trustdata.synth` (it holds ``truth/params.csv``, the planted truth no real log has).

    Returns
    -------
    AnonymizationReport
    """
    synthetic = (Path(input) / "truth" / "params.csv").is_file()
    key = load_key(key_file, data=input, synthetic=synthetic)
    from trustdata.io import load

    logs = load(input)
    anon, report = anonymize(
        logs,
        key=key,
        synthetic=synthetic,
        keep_text=keep_text,
        quasi_identifiers=quasi_identifiers,
        k=k,
        keep_columns=keep_columns,
    )
    write_anonymized(anon, out, report=report, format=format)
    return report

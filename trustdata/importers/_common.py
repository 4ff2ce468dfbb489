"""What the three importers share: reading the export, mappings, the report and the accounting.

Every importer reads its export with :func:`trustdata.io.read_raw_csv` (BOM, cp1252 fallback,
semicolons, ragged rows, blank lines; ``_line`` = the record's line in the file), translates each
record into log format v1 text, and hands the translated frames to :func:`trustdata.io.from_frames`,
the same parse + validate + quarantine path as :func:`trustdata.load`.  Records the importer itself
cannot translate (a date it cannot read, a mood label the mapping does not know) are rejected here,
with the same columns as ``load``'s rejections: ``table``, ``source``, ``line`` (the line in the
original export), ``reason``, then the record's original values.

Every record of the export ends in exactly one outcome (see :class:`ImportReport`)::

    records == checkins + triggers + merged + not_mapped + rejected
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata import schemas
from trustdata._words import plural
from trustdata.errors import FileProblem, MappingProblem
from trustdata.importers._dates import StampColumn, parse_stamps
from trustdata.logs import Logs

__all__ = [
    "OUTCOMES",
    "ImportReport",
    "ImportResult",
    "Rejection",
    "load_mapping",
    "names_the_mapping",
    "OPEN_TABLES",
    "default_mapping_text",
    "spellings",
    "score_table",
    "category_of",
    "scale_of",
    "norm_text",
    "text",
    "parse_number",
    "round_half_up",
    "rescale",
    "read_export",
    "find_column",
    "require_columns",
    "finish",
    "counted",
    "plural",
    "check_ids",
    "prefix_category",
    "blank_values",
    "ragged",
    "records_of",
    "column_stamps",
    "HELPER_COLUMNS",
    "NOTE_FIELDS",
    "MAX_LISTED",
    "one_persons_ids",
    "note_field_of",
    "prefix_of",
    "trigger_stamp",
    "listed",
    "add_listed",
    "daily_checkins",
    "missing_header_hint",
    "mapping_block",
    "suggest_score",
    "toml_key",
    "toml_hint",
]

#: Columns :func:`trustdata.io.read_raw_csv` adds to the export's own (and ``_score``, the mood
#: score a Daylio backup gives each entry).
HELPER_COLUMNS: tuple[str, ...] = ("_line", "_problem", "_score")

#: The outcomes a record of an export can have, in the order the report lists them.
OUTCOMES: tuple[str, ...] = ("checkins", "triggers", "merged", "not_mapped", "rejected")

#: The check-in columns a mapping's ``[fields] note`` may send an app's notes to.
NOTE_FIELDS: tuple[str, ...] = ("note", *schemas.CHECKIN_TEXT_COLUMNS)

#: How many items a report line lists before it says "and N more".
MAX_LISTED = 20


# ---------------------------------------------------------------------------------------------
# Small text helpers
# ---------------------------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def norm_text(value: object) -> str:
    """A spelling-insensitive key for a question, label or activity.

    Case, repeated or odd spaces, curly quotes and apostrophes, dashes and spaces around them,
    and trailing ``?``, ``:``, ``.`` and ``*`` do not matter.

    Examples
    --------
    >>> norm_text("  What’s one thing  that DECREASED your trust? ")
    "what's one thing that decreased your trust"
    >>> norm_text("How connected (1 – 10)?") == norm_text("how connected (1-10)")
    True
    """
    return _norm_text(str(value))


@lru_cache(maxsize=65536)
def _norm_text(value: str) -> str:
    out = unicodedata.normalize("NFKC", value).translate(_QUOTES)
    out = " ".join(out.split()).casefold()
    out = re.sub(r"\s*-\s*", "-", out)
    return out.rstrip("?:.* ").strip()


def text(value: object) -> str | None:
    """The stripped text of a raw cell, None when it is missing or blank.

    Examples
    --------
    >>> text("  hi "), text(""), text(None), text(float("nan"))
    ('hi', None, None, None)
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    out = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return out or None


def round_half_up(value: Fraction | float | int) -> int:
    """Round to the nearest whole number, halves up (6.5 -> 7, not Python's banker's 6).

    Examples
    --------
    >>> round_half_up(Fraction(13, 2)), round_half_up(Fraction(11, 2)), round_half_up(7)
    (7, 6, 7)
    """
    frac = Fraction(value)
    return int((frac + Fraction(1, 2)).__floor__())


def rescale(value: Fraction | float, low: float, high: float) -> Fraction:
    """Map ``value`` on the scale ``[low, high]`` linearly onto 1-10 (not rounded).

    Examples
    --------
    >>> rescale(3, 1, 5), rescale(7, 1, 10)
    (Fraction(11, 2), Fraction(7, 1))
    """
    low_f, high_f = Fraction(low), Fraction(high)
    lo, hi = Fraction(schemas.SCORE_MIN), Fraction(schemas.SCORE_MAX)
    if (low_f, high_f) == (lo, hi):
        return Fraction(value)
    return lo + (Fraction(value) - low_f) * (hi - lo) / (high_f - low_f)


def parse_number(raw: str | None) -> Fraction | None:
    """A plain decimal number (``7``, ``7.5``, ``7,5``), or None.

    Examples
    --------
    >>> parse_number("7,5"), parse_number("seven")
    (Fraction(15, 2), None)
    """
    if raw is None:
        return None
    candidate = raw.strip().replace(",", ".")
    if not re.fullmatch(r"[+-]?\d{1,6}(\.\d{1,6})?", candidate):
        return None
    return Fraction(candidate)


# ---------------------------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------------------------


def default_mapping_text(kind: str) -> str:
    """The TOML text of a kind's built-in mapping (``google_forms``, ``daylio``, ``bearable``)."""
    return (
        resources.files("trustdata.importers")
        .joinpath("mappings", f"{kind}.toml")
        .read_text(encoding="utf-8")
    )


#: Tables of each kind's mapping whose keys are the user's own labels (any key is allowed).
OPEN_TABLES: dict[str, tuple[str, ...]] = {
    "google_forms": ("partners", "trigger_answers", "scales"),
    "daylio": ("moods", "activities"),
    "bearable": ("details",),
}


def names_the_mapping(reader: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an importer: check ``path`` and ``dayfirst``; name the mapping file in its problems.

    ``path`` must be a path and ``dayfirst`` True, False or None (else ValueError).  The readers
    check the mapping's values (``[moods] rad = "ten"``) after :func:`load_mapping` has read it;
    this puts the mapping file's name in front of such a message, as for a file that is not
    valid TOML.
    """

    @functools.wraps(reader)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from trustdata.io import check_path

        check_path(args[0] if args else kwargs.get("path"))
        dayfirst = kwargs.get("dayfirst")
        if dayfirst is not None and not isinstance(dayfirst, bool):
            raise ValueError(
                "The value for `dayfirst` must be True, False or None, but "
                f"{dayfirst!r} was passed."
            )
        try:
            return reader(*args, **kwargs)
        except MappingProblem as exc:
            mapping = kwargs.get("mapping")
            if exc.source is not None or not isinstance(mapping, str | Path):
                raise
            raise MappingProblem(str(exc), source=str(mapping)) from None

    return wrapped


def load_mapping(kind: str, mapping: str | Path | Mapping[str, Any] | None) -> dict[str, Any]:
    """The built-in mapping of ``kind`` with the user's mapping laid over it, section by section.

    Parameters
    ----------
    kind : str
        ``google_forms``, ``daylio`` or ``bearable``.
    mapping : path, dict or None
        A TOML file, an already-parsed dict, or None for the defaults alone.  Each table of the
        user's mapping updates the default table of the same name (keys it does not name keep
        their default); a section the format does not know is an error, as is a key the
        section does not have (except in :data:`OPEN_TABLES`, whose keys are the user's labels).

    Raises
    ------
    MappingProblem
        When the file is not valid TOML or names a section the format does not have.
    FileProblem
        When the file cannot be read.
    """
    default = tomllib.loads(default_mapping_text(kind))
    if mapping is None:
        return default
    source = None
    if isinstance(mapping, str | Path):
        source = str(mapping)
        try:
            raw = Path(mapping).read_bytes()
        except OSError as exc:
            raise FileProblem(
                f"the mapping file cannot be read: {exc.strerror or exc}", source=source
            ) from None
        try:
            user = tomllib.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise MappingProblem("the mapping file is not UTF-8 text", source=source) from None
        except tomllib.TOMLDecodeError as exc:
            hint = toml_hint(raw.decode("utf-8-sig"), str(exc))
            raise MappingProblem(
                f"the mapping file is not valid TOML: {exc}{hint}", source=source
            ) from None
    elif isinstance(mapping, Mapping):
        user = dict(mapping)
    else:
        raise ValueError(
            "The value for `mapping` must be a path to a TOML file, a dict or None, "
            f"but {type(mapping).__name__} was passed."
        )
    merged = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in default.items()
    }
    for key, value in user.items():
        if key not in default:
            raise MappingProblem(
                f"the mapping has a section [{key}] that a {kind} mapping does not have; "
                f"known sections: {sorted(default)}",
                source=source,
            )
        if isinstance(default[key], dict):
            if not isinstance(value, dict):
                raise MappingProblem(
                    f"[{key}] in the mapping must be a table of keys and values", source=source
                )
            unknown = sorted(set(value) - set(default[key]))
            if unknown and key not in OPEN_TABLES.get(kind, ()):
                raise MappingProblem(
                    f"[{key}] in the mapping has key(s) {unknown} that it does not know; "
                    f"known keys: {sorted(default[key])}",
                    source=source,
                )
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEY_LINE = re.compile(r"^\s*(?P<key>[^=\[#\"']+?)\s*=")


def toml_key(label: str) -> str:
    """``label`` as a TOML key: bare when it may be, else quoted.

    Examples
    --------
    >>> toml_key("rad"), toml_key("almost Rad"), toml_key("Not so good [-]"), toml_key("źle")
    ('rad', '"almost Rad"', '"Not so good [-]"', '"źle"')
    """
    if _BARE_KEY.fullmatch(label):
        return label
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_hint(text: str, message: str) -> str:
    """What to do about a TOML error: quote the key when the line's key has spaces, accents or
    brackets (the usual mistake with Daylio's custom mood labels).

    Examples
    --------
    >>> toml_hint("rad = 10\\nalmost Rad = 9\\n", "Expected '=' (at line 2, column 8)")
    '. Keys with spaces, accents or brackets must be quoted: write "almost Rad" = 9'
    """
    m = re.search(r"at line (\d+)", message)
    lines = text.splitlines()
    if m and 0 < int(m[1]) <= len(lines):
        line = lines[int(m[1]) - 1]
        k = _KEY_LINE.match(line)
        if k and not _BARE_KEY.fullmatch(k["key"].strip()):
            key = k["key"].strip()
            value = line.split("=", 1)[1].strip()
            return (
                ". Keys with spaces, accents or brackets must be quoted: write "
                f"{toml_key(key)} = {value}"
            )
    return (
        '. (Keys with spaces, accents or brackets must be quoted, e.g. "almost Rad" = 9; '
        "text values too.)"
    )


# Words of mood labels and the score they suggest (a guess the report shows, never used alone).
_MOOD_WORDS: dict[str, int] = {
    **dict.fromkeys(("rad", "great", "amazing", "awesome", "excellent", "fantastic"), 10),
    **dict.fromkeys(("grand", "wonderful", "perfect", "ecstatic", "best", "super"), 10),
    **dict.fromkeys(("good", "happy", "nice", "well", "bien", "gut", "dobrze"), 8),
    **dict.fromkeys(("meh", "ok", "okay", "fine", "neutral", "so-so", "normal"), 5),
    **dict.fromkeys(("bad", "sad", "low", "down", "mal", "schlecht", "zle", "upset"), 3),
    **dict.fromkeys(("awful", "terrible", "horrible", "worst", "fatalnie", "miserable"), 1),
}
_SOFTER = ("almost", "nearly", "quite", "fairly", "kinda", "kind of", "somewhat", "pretty", "so")
_STRONGER = ("very", "really", "extremely", "super")


def suggest_score(label: str) -> tuple[int, str]:
    """A score 1-10 a mood label suggests, and why (``5`` and "no guess" when nothing does).

    Examples
    --------
    >>> suggest_score("almost Rad"), suggest_score("Not so good [-]"), suggest_score("źle")
    ((9, "like 'rad', softer"), (4, "like 'good', negated, softer"), (3, "like 'zle'"))
    >>> suggest_score("purple")
    (5, 'no guess: 1 awful, 3 bad, 5 meh, 8 good, 10 rad')
    """
    plain = unicodedata.normalize("NFKD", label.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", plain)
    hit = next((w for w in reversed(words) if w in _MOOD_WORDS), None)
    if hit is None:
        return 5, "no guess: 1 awful, 3 bad, 5 meh, 8 good, 10 rad"
    score, why = _MOOD_WORDS[hit], [f"like {hit!r}"]
    before = " ".join(words[: len(words) - 1 - words[::-1].index(hit)])
    if re.search(r"\b(not|no|nie|nicht|pas)\b", before):
        score, why = 11 - score, [*why, "negated"]
    if any(re.search(rf"\b{w}\b", before) for w in _SOFTER):
        score, why = score + (1 if score < 5 else -1 if score > 5 else 0), [*why, "softer"]
    elif any(re.search(rf"\b{w}\b", before) for w in _STRONGER):
        score, why = score + (-1 if score < 5 else 1 if score > 5 else 0), [*why, "stronger"]
    return max(schemas.SCORE_MIN, min(schemas.SCORE_MAX, score)), ", ".join(why)


def mapping_block(table: str, labels: Iterable[str], *, note: str) -> str:
    """A paste-ready TOML table of ``labels`` (keys quoted as needed) with suggested scores.

    Examples
    --------
    >>> print(mapping_block("moods", ["grand", "almost Rad"], note="check each score"))
    # check each score
    [moods]
    "grand" = 10  # like 'grand'
    "almost Rad" = 9  # like 'rad', softer
    """
    lines = [f"# {note}", f"[{table}]"]
    for label in labels:
        score, why = suggest_score(label)
        key = toml_key(label)
        if key == label:  # quoted anyway: a label may be renamed to one with spaces later
            key = f'"{label}"'
        lines.append(f"{key} = {score}  # {why}")
    return "\n".join(lines)


def spellings(value: object, *, where: str) -> list[str]:
    """A mapping value that may be one string or a list of strings, as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise MappingProblem(f"{where} in the mapping must be a string or a list of strings")


def score_table(table: Mapping[str, Any], *, where: str) -> dict[str, int]:
    """A ``label = level`` table of the mapping, checked (levels whole numbers 1-10)."""
    out: dict[str, int] = {}
    for label, level in table.items():
        if isinstance(level, bool) or not isinstance(level, int):
            raise MappingProblem(f"[{where}] {label!r} must be a whole number 1-10, not {level!r}")
        if not schemas.SCORE_MIN <= level <= schemas.SCORE_MAX:
            raise MappingProblem(f"[{where}] {label!r} = {level} is outside 1-10")
        out[norm_text(label)] = level
    return out


def scale_of(value: object, *, where: str) -> tuple[int, int]:
    """A ``[low, high]`` answer scale of a mapping: whole numbers, ``low < high``.

    Examples
    --------
    >>> scale_of([1, 5], where="[scales] connection")
    (1, 5)
    """
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] < value[1]
    )
    if not ok:
        raise MappingProblem(
            f"{where} must be two whole numbers [low, high] with low < high (e.g. [1, 5]), "
            f"not {value!r}"
        )
    return int(value[0]), int(value[1])  # type: ignore[index]


def category_of(value: object, *, where: str) -> str:
    """A trigger category named in a mapping, checked against the format's list."""
    category = schemas.normalize_category(value)
    if category is None:
        raise MappingProblem(
            f"{where}: {value!r} is not a trigger category; use one of "
            f"{list(schemas.TRIGGER_CATEGORIES)}"
        )
    return category


# ---------------------------------------------------------------------------------------------
# Reading the export
# ---------------------------------------------------------------------------------------------


def read_export(
    path: str | Path,
    *,
    header: str,
    number_repeated_columns: bool = False,
    surplus_into: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Read an export as text with the loader's hardened CSV reader.

    Returns the frame (one column per export column, plus ``_line``) and the reader's notes.
    Header names are stripped of surrounding spaces.  A repeated header name is an error, or with
    ``number_repeated_columns`` (a form may ask two questions with one title) its later copies
    are named ``<name> (2)``, ... and a note says so.  ``header`` is the export's usual header
    line, shown when the file is empty.  ``surplus_into`` names a column that takes a row's
    surplus values (see :func:`trustdata.io.read_raw_csv`).
    """
    from trustdata.io import read_raw_csv

    frame, notes = read_raw_csv(
        path,
        number_repeated_columns=number_repeated_columns,
        header_example=header,
        surplus_into=surplus_into,
    )
    frame = frame.rename(columns={c: c.strip() for c in frame.columns if isinstance(c, str)})
    return frame, list(notes)


def find_column(columns: Iterable[str], names: Iterable[str]) -> str | None:
    """The first of ``columns`` whose :func:`norm_text` equals that of one of ``names``."""
    wanted = {norm_text(n) for n in names}
    for col in columns:
        if col not in HELPER_COLUMNS and norm_text(col) in wanted:
            return col
    return None


def require_columns(
    frame: pd.DataFrame,
    needed: Mapping[str, Iterable[str]],
    *,
    kind: str,
    source: str,
    header: str | None = None,
) -> dict[str, str]:
    """Find each needed column (by any of its spellings) or fail with what was found.

    ``header`` (the app's usual header line) is shown when the file's first line looks like a
    record: the header then seems to be missing.
    """
    found: dict[str, str] = {}
    missing = []
    for key, names in needed.items():
        col = find_column(frame.columns, names)
        if col is None:
            missing.append(key)
        else:
            found[key] = col
    if missing:
        have = [c for c in frame.columns if c not in HELPER_COLUMNS]
        raise FileProblem(
            f"this does not look like a {kind} export: column(s) {missing} not found. "
            f"Columns in the file: {have}" + missing_header_hint(have, header),
            source=source,
        )
    return found


_DATA_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,}"
    r"|\b[A-Za-z]{3,}\s+\d{1,2}\b"
)


def missing_header_hint(columns: Iterable[str], header: str | None) -> str:
    """A sentence for an export whose first line looks like a record (a date or a time in the
    "column names"): its header line seems to be missing.  Empty otherwise.

    Examples
    --------
    >>> print(missing_header_hint(["2026-05-12", "May 12", "Tuesday", "22:10"], "full_date,..."))
    . The first line looks like a record (2026-05-12, May 12), not column names: the header line
    seems to be missing; add the app's header as the first line: full_date,...
    """
    looks = [c for c in columns if _DATA_LIKE.search(str(c)) and not str(c).startswith("unnamed_")]
    if len(looks) < 1:
        return ""
    shown = ", ".join(c for c in looks[:2] if re.search(r"\d", c))
    add = f"; add the app's header as the first line: {header}" if header else ""
    return (
        f". The first line looks like a record ({shown}), not column names: the header line "
        f"seems to be missing{add}"
    )


# ---------------------------------------------------------------------------------------------
# The report and the result
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did with every record of the export.

    Attributes
    ----------
    kind : str
        ``google-forms``, ``daylio`` or ``bearable``.
    source : str
        The export's file name (the ``source`` of its records in the logs).
    records : int
        Data records in the export (its rows, the header and blank lines not counted).
    outcomes : dict
        How many records ended as each outcome: ``checkins`` (became a valid check-in),
        ``triggers`` (became a valid trigger), ``merged`` (folded into another record's check-in
        of the same day), ``not_mapped`` (nothing in the mapping applies to it), ``rejected``.
        They add up to ``records``.
    derived_triggers : dict
        Triggers made *from* check-in records (Daylio activities, Google Forms checkboxes):
        ``valid`` and ``rejected``; these are extra rows, not records of the export.
    mapped : list of str
        What was mapped to what (columns, labels, categories), with counts.
    not_mapped : list of str
        What could not be mapped (columns, labels, categories), with counts.
    merges : list of str
        Each merged day: which lines were combined and how.
    date_order : str
        The day/month order used for dates and how it was decided.
    notes : list of str
        Anything else worth knowing (encoding fallback, time-zone labels removed, ...).
    paste : str
        A TOML block to paste into a mapping file (e.g. the unmapped Daylio moods with a
        suggested score each), empty when there is nothing to add.
    """

    kind: str
    source: str
    records: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    derived_triggers: dict[str, int] = field(default_factory=lambda: {"valid": 0, "rejected": 0})
    mapped: list[str] = field(default_factory=list)
    not_mapped: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    date_order: str = "not needed"
    notes: list[str] = field(default_factory=list)
    paste: str = ""

    @property
    def balanced(self) -> bool:
        """True when every record has exactly one outcome (``records == sum(outcomes)``)."""
        return self.records == sum(self.outcomes.values())

    @property
    def rejected(self) -> int:
        """Records rejected, plus derived triggers rejected."""
        return self.outcomes["rejected"] + self.derived_triggers["rejected"]

    def to_text(self) -> str:
        """The report as text for a person (what the ``trustdata import`` command prints)."""
        o = self.outcomes
        always = ("checkins", "rejected")
        parts = [f"{o[k]} {k.replace('_', ' ')}" for k in OUTCOMES if o[k] or k in always]
        lines = [
            f"Imported {self.source} ({self.kind}): {plural(self.records, 'record')} = "
            + " + ".join(parts),
        ]
        d = self.derived_triggers
        if d["valid"] or d["rejected"]:
            lines.append(
                f"Triggers made from those records: {d['valid']} valid, {d['rejected']} rejected."
            )
        lines.append(f"Date order: {self.date_order}.")
        for title, items in (
            ("Mapped", self.mapped),
            ("Not mapped", self.not_mapped),
            ("Merged", self.merges),
            ("Notes", self.notes),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  - {item}" for item in items)
        if self.paste:
            lines.append("Paste into a mapping file (--mapping FILE), after checking each score:")
            lines.extend(f"    {line}" for line in self.paste.splitlines())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


@dataclass(frozen=True)
class ImportResult:
    """The logs an import produced and its report.

    Attributes
    ----------
    logs : trustdata.Logs
        Validated logs; ``logs.rejected`` holds every rejected record with its reason and its line
        in the original export.
    report : ImportReport
        What was mapped, what was not, what was merged, the date-order decision.
    rejected_days : pandas.DataFrame
        One row per rejected record: ``table``, ``line``, ``reason``, and whose and which day it
        is, where the record says so (``couple_id``, ``partner``, ``date`` a day, else missing).
        An import into a log folder tells by it a day the export does not have from a day
        whose record it has but rejected (the log's check-in of that day would be lost).
    """

    logs: Logs
    report: ImportReport
    rejected_days: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(REJECTED_DAY_COLUMNS))
    )

    @property
    def nothing_imported(self) -> bool:
        """True when the export had records and every one was rejected (nothing to write)."""
        return (
            self.report.records > 0
            and len(self.logs.checkins) == 0
            and len(self.logs.triggers) == 0
        )

    def write(self, out: str | Path, format: str = "csv") -> Path:
        """Write the logs as a log folder that :func:`trustdata.load` reads back.

        Returns the folder's path.  CSV cells a spreadsheet would run as a formula are
        neutralised by :func:`trustdata.io.write`.  An import in which every record was rejected
        writes nothing (:class:`~trustdata.errors.FileProblem`): an empty log folder would look
        like an import that worked.
        """
        from trustdata.io import write

        if self.nothing_imported:
            raise FileProblem(
                f"nothing to write: all {plural(self.report.records, 'record')} of the export "
                "were rejected (see the report), so no log folder was made.",
                source=str(out),
            )

        return write(self.logs, out, format=format)


# ---------------------------------------------------------------------------------------------
# Finishing: translated frames -> from_frames -> one set of logs with every rejection
# ---------------------------------------------------------------------------------------------


@dataclass
class Rejection:
    """A record the importer itself could not translate."""

    table: str
    line: int
    reason: str
    values: dict[str, str | None]
    #: The record's day when it could be read (a rejected reading holds its day back).
    date: dt.date | None = None
    #: Whose record it is, when the export says so and the importer was not told (Google Forms).
    couple_id: str | None = None
    partner: str | None = None


#: The columns of :attr:`ImportResult.rejected_days`.
REJECTED_DAY_COLUMNS = ("table", "line", "reason", "couple_id", "partner", "date")
_ISO_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def _day_of(value: Any) -> pd.Timestamp | None:
    """The day a rejected record's date or timestamp text starts with (ISO), else None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    found = _ISO_DAY.match(str(value))
    if not found:
        return None
    day = pd.to_datetime(found.group(1), format="%Y-%m-%d", errors="coerce")
    return None if pd.isna(day) else day


def _rejected_days(
    rejected: pd.DataFrame,
    rejections: list[Rejection],
    *,
    couple: str | None,
    partner: str | None,
) -> pd.DataFrame:
    """:attr:`ImportResult.rejected_days`: validation rejections (log-format values) and the
    importer's own (their :attr:`Rejection.date`, the ids given to the importer), ``rejected``
    being the validation's rejections only (log-format text)."""

    def cell(row: Any, col: str) -> Any:
        value = row.get(col)
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    rows = []
    for _, row in rejected.iterrows():
        when = cell(row, "date") if row["table"] == "checkins" else cell(row, "timestamp")
        rows.append(
            {
                "table": row["table"],
                "line": row["line"],
                "reason": row["reason"],
                "couple_id": cell(row, "couple_id") or couple,
                "partner": cell(row, "partner") or partner,
                "date": _day_of(when),
            }
        )
    for r in rejections:
        rows.append(
            {
                "table": r.table,
                "line": r.line,
                "reason": r.reason,
                "couple_id": r.couple_id or couple,
                "partner": r.partner or partner,
                "date": pd.Timestamp(r.date) if r.date is not None else None,
            }
        )
    out = pd.DataFrame(rows, columns=list(REJECTED_DAY_COLUMNS))
    out["reason"] = [scrub_addresses(x) for x in out["reason"]]
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["line", "table"], kind="stable").reset_index(drop=True)


def _frame(rows: list[dict[str, Any]], table: str) -> pd.DataFrame | None:
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    for col in schemas.REQUIRED_COLUMNS[table]:
        if col not in frame.columns:
            frame[col] = None
    return frame


def finish(
    report: ImportReport,
    *,
    checkins: list[dict[str, Any]],
    triggers: list[dict[str, Any]],
    rejections: list[Rejection],
    merged: int,
    not_mapped: int,
    triggers_are_records: bool,
    couple: str | None = None,
    partner: str | None = None,
) -> ImportResult:
    """Validate the translated records with :func:`trustdata.io.from_frames` and count outcomes.

    ``checkins`` and ``triggers`` are lists of dicts of log-format text with a ``_line`` key (the
    record's line in the export).  ``triggers_are_records`` says whether each trigger is a record
    of the export (Bearable) or made from a check-in record (Daylio, Google Forms).  ``couple``
    and ``partner``: the ids the importer was given, whose the rejections without their own
    ids are (:attr:`ImportResult.rejected_days`).
    """
    from trustdata.io import from_frames

    _drop_addresses(report, checkins, triggers, rejections)
    logs = from_frames(
        checkins=_frame(checkins, "checkins"),
        triggers=_frame(triggers, "triggers"),
        source=report.source,
        errors="quarantine",
        today=dt.date.today(),  # an import never writes a record that `load` would reject
    )
    rejected = logs.rejected
    days = _rejected_days(rejected, rejections, couple=couple, partner=partner)
    by_table = rejected["table"].value_counts().to_dict() if len(rejected) else {}
    ci_rejected = int(by_table.get("checkins", 0))
    tr_rejected = int(by_table.get("triggers", 0))
    own: dict[str, int] = {}
    for r in rejections:
        own[r.table] = own.get(r.table, 0) + 1

    report.outcomes["checkins"] = len(logs.checkins)
    report.outcomes["merged"] = merged
    report.outcomes["not_mapped"] = not_mapped
    if triggers_are_records:
        report.outcomes["triggers"] = len(logs.triggers)
        report.outcomes["rejected"] = len(rejections) + ci_rejected + tr_rejected
    else:
        report.outcomes["rejected"] = len(rejections) + ci_rejected
        report.derived_triggers = {"valid": len(logs.triggers), "rejected": tr_rejected}

    if rejections:
        extra = pd.DataFrame(
            [
                {
                    "table": r.table,
                    "source": report.source,
                    "line": r.line,
                    "reason": r.reason,
                    **{k: v for k, v in r.values.items() if k not in schemas.REJECTED_COLUMNS},
                }
                for r in rejections
            ]
        )
        extra["line"] = extra["line"].astype("Int64")
        for col in extra.columns:
            if col != "line":
                extra[col] = extra[col].astype("str").where(extra[col].notna(), None)
        parts = [f for f in (rejected, extra) if len(f)]
        rejected = pd.concat(parts, ignore_index=True) if len(parts) > 1 else extra
        summary = logs.summary.copy()
        for table, count in own.items():
            mask = (summary["table"] == table) & (summary["source"] == report.source)
            if mask.any():
                summary.loc[mask, "records"] += count
                summary.loc[mask, "rejected"] += count
            else:
                row = {
                    "table": table,
                    "source": report.source,
                    "records": count,
                    "valid": 0,
                    "rejected": count,
                    "extra_columns": "",
                    "notes": "",
                }
                summary = pd.concat([summary, pd.DataFrame([row])], ignore_index=True)
        logs = dataclasses.replace(logs, rejected=rejected, summary=summary)
    extra_notes = list(report.notes)
    if merged:
        extra_notes.append(
            f"{plural(merged, 'record')} of the export merged into another record's check-in "
            "of the same day (see the import report)"
        )
    if not_mapped:
        extra_notes.append(f"{plural(not_mapped, 'record')} of the export not mapped")
    if len(logs.rejected):
        logs = dataclasses.replace(
            logs,
            rejected=logs.rejected.sort_values(["line", "table"], kind="stable").reset_index(
                drop=True
            ),
        )
    if extra_notes and len(logs.summary):
        summary = logs.summary.copy()
        mine = (summary["source"] == report.source) & (summary["table"] == "checkins")
        joined = "; ".join(extra_notes)
        summary.loc[mine, "notes"] = [
            f"{n}; {joined}" if n else joined for n in summary.loc[mine, "notes"]
        ]
        logs = dataclasses.replace(logs, summary=summary)
    if not report.balanced:  # pragma: no cover - a bug in an importer, never bad input
        raise RuntimeError(f"import accounting does not add up: {report}")
    logs = dataclasses.replace(logs, rejected=_scrub_frame(logs.rejected))
    for name in ("mapped", "not_mapped", "merges", "notes"):
        setattr(report, name, [scrub_addresses(item) for item in getattr(report, name)])
    return ImportResult(logs=logs, report=report, rejected_days=days)


#: An e-mail address (issue 13 point 2: an address never leaves the importer).
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_ID_KEYS = ("couple_id", "partner")


def scrub_addresses(text: Any) -> Any:
    """``text`` with every e-mail address replaced by ``[email]`` (other values unchanged).

    Examples
    --------
    >>> scrub_addresses("write to ann.lee@example.org, please")
    'write to [email], please'
    """
    return EMAIL.sub("[email]", text) if isinstance(text, str) and "@" in text else text


def _drop_addresses(
    report: ImportReport,
    checkins: list[dict[str, Any]],
    triggers: list[dict[str, Any]],
    rejections: list[Rejection],
) -> None:
    """Remove e-mail addresses from the translated records before anything is validated.

    An id that holds an address (``partner = "Email Address"``, or an address typed as the
    answer) is blanked, so the record is rejected as missing its id (and the report says why);
    an address inside any other value becomes ``[email]``.
    """
    ids = text = 0
    for row in (*checkins, *triggers):
        for key, value in row.items():
            if not isinstance(value, str) or "@" not in value or not EMAIL.search(value):
                continue
            if key in _ID_KEYS:
                row[key] = ""
                ids += 1
            else:
                row[key] = scrub_addresses(value)
                text += 1
    for r in rejections:
        r.reason = scrub_addresses(r.reason)
        r.values = {k: scrub_addresses(v) for k, v in r.values.items()}
    if ids:
        report.notes.append(
            f"{plural(ids, 'id')} held an e-mail address and were removed (an address never "
            "leaves the importer), so those records are rejected as missing their couple or "
            "partner: give --couple / --partner, or map the id from another question"
        )
    if text:
        report.notes.append(f"e-mail addresses in {plural(text, 'value')} replaced by [email]")


def _scrub_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with e-mail addresses in text cells and column names replaced."""
    if not len(frame) and not any("@" in str(c) for c in frame.columns):
        return frame
    out = frame.rename(columns=lambda c: scrub_addresses(str(c)) if "@" in str(c) else c)
    for col in out.columns:
        if out[col].dtype == "str" or out[col].dtype == object:
            has = out[col].astype("str").str.contains("@", regex=False, na=False)
            if has.any():
                out[col] = out[col].where(~has, out[col].map(scrub_addresses))
    return out


def counted(items: Mapping[str, int], unit: str = "record", *, quote: bool = True) -> list[str]:
    """``["'x' (3 records)", ...]`` for a report, most frequent first.

    Examples
    --------
    >>> counted({"walk": 2, "work": 1}, "entry")
    ["'walk' (2 entries)", "'work' (1 entry)"]
    """
    ordered = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        f"{name!r} ({plural(n, unit)})" if quote else f"{name} ({plural(n, unit)})"
        for name, n in ordered
    ]


def check_ids(couple: str | None, partner: str | None) -> None:
    """Reject blank ids given as arguments (a programming or typing mistake)."""
    for name, value in (("couple", couple), ("partner", partner)):
        if value is not None and not str(value).strip():
            raise ValueError(
                f"The value for `{name}` must be a non-empty id, but {value!r} was passed."
            )


def prefix_category(name: str, prefix: str) -> str | None:
    """The trigger category an activity or detail like ``"triggered: anniversary"`` names.

    None when ``name`` does not start with ``prefix`` (as a word); ``"other"`` when what follows
    the prefix is missing or is not a category.

    Examples
    --------
    >>> prefix_category("Triggered: anniversary", "triggered")
    'date_or_anniversary'
    >>> prefix_category("triggered (weather)", "triggered"), prefix_category("tired", "triggered")
    ('other', None)
    """
    key, start = norm_text(name), norm_text(prefix)
    if not start or not key.startswith(start):
        return None
    rest = key[len(start) :]
    if rest and rest[0].isalnum():
        return None
    rest = rest.strip(" :-()[]").strip()
    return schemas.normalize_category(rest) or "other"


def column_stamps(
    frame: pd.DataFrame,
    column: str,
    *,
    dayfirst: bool | None,
    lines: list[int],
    source: str | None = None,
    year_column: str | None = None,
) -> StampColumn:
    """Read the export's date (or date-time) ``column`` with one day/month order for all of it.

    :func:`trustdata.importers._dates.parse_stamps` on the column's text; ``year_column`` gives
    the year of dates written without one (old Daylio exports).
    """
    return parse_stamps(
        [text(v) for v in frame[column]],
        what=column,
        dayfirst=dayfirst,
        lines=lines,
        source=source,
        year=[text(v) for v in frame[year_column]] if year_column is not None else None,
    )


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The raw records as plain dicts (fast to walk through one by one)."""
    return frame.to_dict("records")


def ragged(row: Mapping[str, Any]) -> str | None:
    """The reader's problem with a record (too many or too few values), or None."""
    return text(row.get("_problem"))


def blank_values(row: Mapping[str, Any], *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """The original values of one raw record (for a rejection), without ``_line`` and ``drop``."""
    skip = {*HELPER_COLUMNS, *drop}
    return {c: text(v) for c, v in row.items() if c not in skip}


# ---------------------------------------------------------------------------------------------
# Pieces the Daylio and Bearable importers (one person's app diary) share
# ---------------------------------------------------------------------------------------------


def one_persons_ids(couple: str | None, partner: str | None, *, whose: str) -> tuple[str, str]:
    """The couple id and partner an app export of one person belongs to, both required.

    ``whose`` starts the error's sentence: ``"A Daylio export holds one person's diary: say whose
    it is"``.

    Examples
    --------
    >>> one_persons_ids(" c1", "A ", whose="An export holds one person's diary: say whose it is")
    ('c1', 'A')
    """
    check_ids(couple, partner)
    if couple is None or partner is None:
        raise ValueError(
            f"{whose} with `couple` and `partner` (on the command line: --couple ID --partner P)."
        )
    return str(couple).strip(), str(partner).strip()


def note_field_of(value: object) -> str:
    """The mapping's ``[fields] note``: which check-in column the app's notes go to."""
    if value not in NOTE_FIELDS:
        raise MappingProblem(f"[fields] note must be one of {list(NOTE_FIELDS)}, not {value!r}")
    return value  # type: ignore[return-value]


def prefix_of(value: object) -> str:
    """The mapping's ``[triggers] prefix`` (``"triggered"``): text, else a MappingProblem."""
    if not isinstance(value, str):
        raise MappingProblem(f"[triggers] prefix must be text, not {value!r}")
    return value


def trigger_stamp(date: dt.date, time: dt.time | None) -> tuple[str, str]:
    """A trigger's ``timestamp`` and ``time_known`` as log text (midnight when the time is unknown).

    Examples
    --------
    >>> day = dt.date(2026, 5, 12)
    >>> trigger_stamp(day, dt.time(8, 5)), trigger_stamp(day, None)
    (('2026-05-12 08:05:00', 'true'), ('2026-05-12', 'false'))
    """
    if time is None:
        return date.isoformat(), "false"
    return dt.datetime.combine(date, time).isoformat(sep=" "), "true"


def listed(items: list[str]) -> str:
    """The first :data:`MAX_LISTED` items joined with commas, then ``" and N more"``.

    Examples
    --------
    >>> listed(["a", "b"]), listed([str(i) for i in range(23)])[-13:]
    ('a, b', '19 and 3 more')
    """
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


def add_listed(lines: list[str], items: list[str], *, more: str = "more") -> None:
    """Append the first :data:`MAX_LISTED` items to ``lines``, then ``"... and N {more}"``."""
    lines.extend(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        lines.append(f"... and {len(items) - MAX_LISTED} {more}")


def daily_checkins(
    readings: list[dict[str, Any]],
    *,
    couple: str,
    partner: str,
    note_field: str,
    report: ImportReport,
    score: str,
    order: Callable[[dict[str, Any]], Any],
    shown: Callable[[dict[str, Any]], str],
    unit: str,
    notes_rule: str,
    rejections: list[Rejection],
    fix: str,
) -> tuple[list[dict[str, Any]], int, set[dt.date]]:
    """One check-in per day from an app's readings: the day's mean score rounded half up.

    Each reading has ``line``, ``date`` (a :class:`datetime.date`), its 1-10 score under the key
    ``score``, ``note`` and ``values`` (its original values, for a rejection).  The check-in's
    line is the day's first line in the file; its notes are the readings' notes in ``order``, one
    per line, in the column ``note_field``.  The other readings of a day count as merged: the
    report says how many (``unit``: "entry", "reading") and lists each merged day, each reading
    described by ``shown``.

    **A day with a rejected reading gets no check-in**: the mean of the rest would not be the
    day's score.  Every ``"checkins"`` rejection already in ``rejections`` whose record has a
    ``date`` (see :class:`Rejection`) holds its day back: the day's readings are rejected too,
    each with a reason naming the rejected line(s) and what to do (``fix``), and the rejected
    reading's own reason says which lines were held back with it.

    Returns the check-ins (log text), the number of merged readings and the days held back.
    """
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for reading in readings:
        by_day[reading["date"]].append(reading)
    bad_lines: dict[dt.date, list[Rejection]] = defaultdict(list)
    for r in rejections:
        if r.table == "checkins" and r.date is not None:
            bad_lines[r.date].append(r)
    held = {day for day in by_day if day in bad_lines}
    for day in sorted(held):
        bad = sorted(bad_lines[day], key=lambda r: r.line)
        lines_bad = ", ".join(str(r.line) for r in bad)
        word = "line" if len(bad) == 1 else "lines"
        group = sorted(by_day.pop(day), key=lambda r: r["line"])
        kept = ", ".join(str(r["line"]) for r in group)
        for r in bad:
            r.reason += (
                f"; the other {plural(len(group), unit)} of {day.isoformat()} (line"
                f"{'s' if len(group) > 1 else ''} {kept}) held back with it"
            )
        for reading in group:
            rejections.append(
                Rejection(
                    "checkins",
                    reading["line"],
                    f"held back: {unit} {word} {lines_bad} of the same day ({day.isoformat()}) "
                    "was rejected, so a check-in from the rest would not be the day's score; "
                    f"{fix}",
                    reading["values"],
                    day,
                )
            )
    if held:
        n_held = sum(1 for r in rejections if r.reason.startswith("held back:"))
        report.notes.append(
            f"{plural(len(held), 'day')} held back whole ({plural(n_held, unit)} rejected with "
            f"the {unit} that could not be read): a day's check-in is written only when every "
            f"{unit} of the day counts"
        )
    checkins: list[dict[str, Any]] = []
    merged = 0
    merge_lines: list[str] = []
    for day in sorted(by_day):
        group = sorted(by_day[day], key=order)
        mean = sum((r[score] for r in group), Fraction(0)) / len(group)
        connection = round_half_up(mean)
        first_line = min(r["line"] for r in group)
        row = {
            "couple_id": couple,
            "partner": partner,
            "date": day.isoformat(),
            "connection": str(connection),
            "_line": first_line,
        }
        notes = [r["note"] for r in group if r["note"]]
        if notes:
            row[note_field] = "\n".join(notes)
        checkins.append(row)
        if len(group) > 1:
            merged += len(group) - 1
            described = ", ".join(shown(r) for r in sorted(group, key=lambda r: r["line"]))
            merge_lines.append(
                f"{day.isoformat()}: {described} -> one check-in at line {first_line}, "
                f"connection {connection} (mean {float(mean):g} rounded half up)"
            )
    if merge_lines:
        report.merges.append(
            f"{plural(merged, unit)} merged into the check-ins of "
            f"{plural(len(merge_lines), 'day')} "
            f"(rule: the day's mean mood score rounded half up; {notes_rule})"
        )
        add_listed(report.merges, merge_lines, more="more days")
    return checkins, merged, held

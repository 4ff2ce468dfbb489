"""Google Forms responses CSV -> check-ins (and triggers from a checkbox question).

The responses file ("Weekly check-in (Responses) - Form Responses 1.csv") has a ``Timestamp``
column (its format follows the form owner's locale: ``2022/06/22 11:07:29 AM AST``,
``5/10/2026 09:15:00``, ``27/09/2026 15:00:00``), an optional ``Email Address`` column, then one
column per question headed by the question's text; checkbox answers are joined with ``;``.
Rules (see ``docs/importers.md``):

- **Questions -> fields** by ``[questions]`` of the mapping (default: the guide's weekly
  check-in questions), matched ignoring case, spaces, curly apostrophes and dashes.  Questions
  that map to nothing are listed in the report with how many answers they had.
- **Date** = the date of the Timestamp's local time as written (a time-zone label such as
  ``AST`` is removed and counted in the report); the day/month order is decided once for the
  whole column (or given with ``dayfirst``), never row by row.
- **Partner**: ``partner`` if given; else the answer to the partner question (via
  ``[partners]``; an answer naming a role, "Hurt partner", also gives the check-in's ``role``
  unless a question is mapped to it); else the ``Email Address`` column, each address one
  partner labelled A, B, ... in the order of its first response (by Timestamp) within its
  couple (or by ``[partners]``), so that a sorted sheet keeps each person's label.
  Addresses are never kept: not in the logs, not in the rejected records, not in the report.
- **Couple**: ``couple`` if given, else the answer to the couple question.
- **Several responses by one partner on one day**: the latest (by Timestamp) is kept whole, the
  earlier ones count as *merged* (a resubmission replaces the first answers); the report lists them.
- **Triggers** (optional): each ticked answer of the ``[triggers] category`` question becomes a
  trigger on the response's date (time unknown), category from the answer's name or
  ``[trigger_answers]``; an answer that names no category gives ``other`` with the answer as
  its note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from trustdata import schemas
from trustdata.errors import FileProblem, MappingProblem, TrustDataError
from trustdata.importers._common import (
    HELPER_COLUMNS,
    ImportResult,
    Rejection,
    add_listed,
    blank_values,
    category_of,
    check_ids,
    column_stamps,
    counted,
    find_column,
    missing_header_hint,
    names_the_mapping,
    norm_text,
    parse_number,
    plural,
    ragged,
    records_of,
    rescale,
    round_half_up,
    scale_of,
    spellings,
    text,
)
from trustdata.importers._driver import Context, Importer, Translation, run_import

__all__ = ["read_google_forms", "TIMESTAMP_HEADERS", "EMAIL_HEADERS"]

#: The ``Timestamp`` header as Google Forms writes it in some of its languages.
TIMESTAMP_HEADERS: tuple[str, ...] = (
    "Timestamp",
    "Marca temporal",
    "Horodateur",
    "Zeitstempel",
    "Carimbo de data/hora",
    "Informazioni cronologiche",
    "Tijdstempel",
)
#: The ``Email Address`` header as Google Forms writes it in some of its languages.
EMAIL_HEADERS: tuple[str, ...] = (
    "Email Address",
    "Email",
    "E-mail",
    "Dirección de correo electrónico",
    "Adresse e-mail",
    "E-Mail-Adresse",
    "Endereço de e-mail",
    "Indirizzo email",
    "E-mailadres",
)

CHECKIN_FIELDS: tuple[str, ...] = (
    *schemas.SCORE_COLUMNS,
    *schemas.CHECKIN_TEXT_COLUMNS,
    "role",
)
TRIGGER_FIELDS: tuple[str, ...] = ("intensity", "used_plan", "minutes", "note")
#: The fields whose answer scale a mapping may declare in ``[scales]``.
SCALE_FIELDS: tuple[str, ...] = (*schemas.SCORE_COLUMNS, "intensity")


def _columns_for(headers: list[str], table: dict[str, Any], *, section: str) -> dict[str, str]:
    """Field -> export column, for every field of ``table`` whose question is in the export."""
    out: dict[str, str] = {}
    for key, value in table.items():
        names = spellings(value, where=f"[{section}] {key}")
        col = find_column(headers, names)
        if col is None and names:  # the same question with another scale: "(1-5)" for "(1-10)"
            wanted = {_without_scale(n) for n in names}
            col = next((h for h in headers if _without_scale(h) in wanted), None)
        if col is not None:
            out[key] = col
    return out


def _without_scale(title: str) -> str:
    """A question's title, normalised, without its scale, in brackets or after a comma.

    Examples
    --------
    >>> _without_scale("How connected do you feel to me right now (1-5)?")
    'how connected do you feel to me right now'
    >>> _without_scale("How connected do you feel to me right now, 1-10?")
    'how connected do you feel to me right now'
    """
    return norm_text(_SCALE_IN_TITLE.sub(" ", title))


#: A scale written in a question's title: "(1-5)", "[1 to 10]", or ", 1-10" at its end.
_SCALE_IN_TITLE = re.compile(
    r"[(\[]\s*\d+\s*(?:-|\u2013|\u2014|to)\s*\d+\s*[)\]]"
    r"|,\s*\d+\s*(?:-|\u2013|\u2014|to)\s*\d+\s*(?=[?:.*\s]*$)"
)


@names_the_mapping
def read_google_forms(
    path: str | Path,
    *,
    couple: str | None = None,
    partner: str | None = None,
    mapping: Any = None,
    dayfirst: bool | None = None,
) -> ImportResult:
    """Import a Google Forms responses CSV as check-ins (and triggers).

    Parameters
    ----------
    path : str or Path
        The responses CSV downloaded from the form (or from its linked sheet).
    couple : str, optional
        The couple id for every response; without it, a question mapped to ``couple`` must say.
    partner : str, optional
        The partner for every response (a form only one person fills in); without it, a question
        mapped to ``partner`` or the ``Email Address`` column says who answered.
    mapping : path, dict or None
        A TOML mapping laid over the default (``[questions]``, ``[partners]``, ``[triggers]``,
        ``[trigger_answers]``; see ``docs/importers.md``).
    dayfirst : bool, optional
        The day/month order of the timestamps; detected from the whole column when None.

    Returns
    -------
    ImportResult
        ``.logs`` and ``.report``.

    Raises
    ------
    TrustDataError
        When the file cannot be used (no Timestamp column, no question for ``connection``, no way
        to tell the couple or the partner, day/month order that cannot be told, a bad mapping).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "Form Responses 1.csv"
    >>> _ = f.write_text(
    ...     '"Timestamp","Email Address","How connected do you feel to me right now (1-10)?"\\n'
    ...     '"27/09/2026 15:00:00","sam@example.org","4"\\n'
    ...     '"5/10/2026 09:15:00","alex@example.org","6"\\n')
    >>> result = read_google_forms(f, couple="c1")
    >>> result.logs.checkins[["partner", "connection"]].values.tolist()
    [['A', 4], ['B', 6]]
    >>> result.logs.checkins["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2026-09-27', '2026-10-05']
    >>> result.report.date_order.split(",")[0]
    "'timestamp': day-first (day/month/year)"
    """
    return run_import(
        _FORMS, path, couple=couple, partner=partner, mapping=mapping, dayfirst=dayfirst
    )


class _GoogleForms(Importer):
    mapping = "google_forms"
    kind = "google-forms"
    title = "Google Forms"
    header = "Timestamp,Email Address,<one column per question>"
    number_repeated_columns = True

    def ids(self, couple: str | None, partner: str | None) -> tuple[str | None, str | None]:
        check_ids(couple, partner)
        return couple, partner

    def settings(self, m: dict[str, Any]) -> tuple:
        partner_labels = {norm_text(k): str(v).strip() for k, v in m["partners"].items()}
        if any(not v for v in partner_labels.values()):
            raise MappingProblem("[partners]: every partner label must be non-empty text")
        answer_categories = {
            norm_text(k): category_of(v, where=f"[trigger_answers] {k!r}")
            for k, v in m["trigger_answers"].items()
        }
        scales = {}
        for field_name, value in m["scales"].items():
            if field_name not in SCALE_FIELDS:
                raise MappingProblem(
                    f"[scales] {field_name!r}: a scale can be declared for the score fields "
                    f"{list(schemas.SCORE_COLUMNS)} and the trigger question's intensity"
                )
            scales[field_name] = scale_of(value, where=f"[scales] {field_name}")
        return m, partner_labels, answer_categories, scales

    def columns(self, frame: pd.DataFrame, settings: Any, *, source: str) -> dict[str, Any]:
        m = settings[0]
        headers = [c for c in frame.columns if c not in HELPER_COLUMNS]
        ts_col = find_column(headers, TIMESTAMP_HEADERS)
        if ts_col is None:
            raise FileProblem(
                f"this does not look like a Google Forms responses file: no 'Timestamp' column. "
                f"Columns in the file: {headers}"
                + missing_header_hint(headers, "Timestamp,<one column per question>"),
                source=source,
            )
        email_col = find_column(headers, EMAIL_HEADERS)
        q = _columns_for(headers, m["questions"], section="questions")
        t = _columns_for(headers, m["triggers"], section="triggers")
        if "connection" not in q:
            wanted = spellings(m["questions"]["connection"], where="[questions] connection")
            raise MappingProblem(
                f"no column holds the connection score: none of the headers matches {wanted}. "
                'Name the question in a mapping file: [questions] connection = "<question text>". '
                f"Columns in the file: {headers}",
                source=source,
            )
        return {"headers": headers, "ts": ts_col, "email": email_col, "q": q, "t": t}

    def translate(
        self, frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
    ) -> Translation:
        return _translate(frame, cols, settings, ctx)


_FORMS = _GoogleForms()


def _translate(
    frame: pd.DataFrame, cols: dict[str, Any], settings: Any, ctx: Context
) -> Translation:
    _, partner_labels, answer_categories, declared = settings
    headers, ts_col, email_col, q, t = (cols[k] for k in ("headers", "ts", "email", "q", "t"))
    couple, partner, report, lines = ctx.couple, ctx.partner, ctx.report, ctx.lines
    source, dayfirst = ctx.source, ctx.dayfirst
    if couple is None and "couple" not in q:
        raise MappingProblem(
            "no couple id: pass --couple ID (couple=...) or map a question to it "
            '([questions] couple = "<question text>")',
            source=source,
        )
    if partner is None and "partner" not in q and email_col is None:
        raise MappingProblem(
            "cannot tell which partner answered: pass --partner P (partner=...), map a question "
            'to it ([questions] partner = "<question text>"), or collect e-mail addresses',
            source=source,
        )

    date_col = q.get("date", ts_col)
    stamps = column_stamps(frame, date_col, dayfirst=dayfirst, lines=lines, source=source)
    order_stamps = stamps
    if date_col != ts_col:
        try:
            order_stamps = column_stamps(frame, ts_col, dayfirst=dayfirst, lines=lines)
        except TrustDataError:  # only used to order resubmissions: fall back to file order
            order_stamps = None
    report.date_order = f"{date_col!r}: {stamps.order}"
    report.mapped.append(
        f"{date_col!r} -> date (the date of the local time as written)"
        if date_col == ts_col
        else f"{date_col!r} -> date"
    )
    if stamps.zones:
        report.notes.append(
            "time-zone labels removed from the timestamps (the local date as written is kept): "
            + ", ".join(counted(dict(stamps.zones), "timestamp"))
        )
    if stamps.language_note:
        report.notes.append(stamps.language_note)

    used = {ts_col, date_col, *q.values(), *t.values()}
    if email_col:
        used.add(email_col)
    scales = _scales(q, declared, report, fields=schemas.SCORE_COLUMNS)
    trigger_scales = _scales(t, declared, report, fields=("intensity",), what="trigger ")
    for field_name, col in q.items():
        if field_name != "date" and field_name not in scales:
            report.mapped.append(f"{col!r} -> {field_name}")
    for field_name, col in t.items():
        if field_name in trigger_scales:
            continue
        report.mapped.append(
            f"{col!r} -> trigger {field_name}"
            + (" (one trigger per ticked answer)" if field_name == "category" else "")
        )
    for col in headers:
        if col not in used:
            answers = int(sum(text(v) is not None for v in frame[col]))
            report.not_mapped.append(
                f"question {col!r} ({plural(answers, 'answer')}, not imported)"
            )

    rejections: list[Rejection] = []
    responses: list[dict[str, Any]] = []
    email_labels: dict[str, dict[str, str]] = defaultdict(dict)
    partner_source: Counter = Counter()
    n_roles = 0
    drop = (email_col,) if email_col else ()
    rows = list(records_of(frame))
    if email_col is not None and partner is None:
        _label_addresses(rows, email_labels, partner_labels, email_col, q, couple, order_stamps)
    for pos, row in enumerate(rows):
        problems = [p for p in (ragged(row),) if p]
        date = stamps.dates[pos]
        if date is None:
            problems.append(f"{date_col}: {stamps.errors[pos]}")
        couple_id = couple if couple is not None else text(row[q["couple"]])
        if couple_id is None:
            problems.append(f"couple: no answer to {q['couple']!r}")
        who, role = partner, None
        how = "--partner"
        if who is None and "partner" in q:
            answer = text(row[q["partner"]])
            if answer is not None:
                who = partner_labels.get(norm_text(answer), answer)
                how = f"the answer to {q['partner']!r}"
                role = schemas.normalize_role(answer)  # "Hurt partner" also says the role
        if who is None and email_col is not None:
            address = text(row[email_col])
            if address is not None and couple_id is not None:
                key = norm_text(address)
                if key in partner_labels:
                    who = partner_labels[key]
                else:
                    known = email_labels[couple_id]
                    if key not in known:
                        known[key] = _label(len(known))
                    who = known[key]
                how = f"the {email_col!r} column"
        if who is None:
            problems.append("partner: no answer says which partner this is")
        else:  # counted whether or not the record is kept: "(N responses)" names them all
            partner_source[how] += 1
        n_roles += role is not None
        values = {f: text(row[q[f]]) for f in CHECKIN_FIELDS if f in q}
        for field_name, (low, high, _) in scales.items():
            values[field_name], why = _on_scale(values[field_name], low, high)
            if why:
                problems.append(f"{field_name}: {why}")
        if problems:
            rejections.append(
                Rejection(
                    "checkins",
                    lines[pos],
                    "; ".join(problems),
                    blank_values(row, drop=drop),
                    date,
                    couple_id,
                    who,
                )
            )
            continue
        stamp_time = order_stamps.times[pos] if order_stamps is not None else None
        stamp_date = order_stamps.dates[pos] if order_stamps is not None else None
        responses.append(
            {
                "line": lines[pos],
                "row": row,
                "date": date,
                "order": (stamp_date or dt.date.min, stamp_time or dt.time(), lines[pos]),
                "couple_id": couple_id,
                "partner": who,
                "role": role,
                "values": values,
                "how": how,
            }
        )
    _warn_small_answers(responses, q, scales, report)
    _warn_partners(responses, report)
    for how, n in partner_source.items():
        report.mapped.append(f"partner from {how} ({plural(n, 'response')})")
    if n_roles and "role" not in q:
        report.mapped.append(
            f"role from the answers to {q['partner']!r} that name one "
            f"({plural(n_roles, 'response')})"
        )
    if email_labels and any(email_labels.values()):
        n_addresses = sum(len(v) for v in email_labels.values())
        report.notes.append(
            f"{n_addresses} e-mail address(es) replaced by partner labels "
            f"({', '.join(sorted({lab for v in email_labels.values() for lab in v.values()}))}) in "
            "the order of their first response (by Timestamp) within each couple; the "
            "addresses are not kept"
        )

    checkins, trigger_rows, merged = [], [], 0
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in responses:
        groups[(r["couple_id"], r["partner"], r["date"])].append(r)
    merge_lines = []
    answer_counts: Counter = Counter()
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
        group = sorted(groups[key], key=lambda r: r["order"])
        kept = group[-1]
        # A resubmission replaces only the answers it gives: each field takes the latest
        # response's answer that is not blank.
        combined: dict[str, tuple[str | None, int]] = {}
        for r in group:
            for field_name, value in r["values"].items():
                if value is not None or field_name not in combined:
                    combined[field_name] = (value, r["line"])
        if len(group) > 1:
            merged += len(group) - 1
            earlier = ", ".join(str(r["line"]) for r in group[:-1])
            from_earlier = sorted(
                {
                    f"{f} (line {line})"
                    for f, (value, line) in combined.items()
                    if line != kept["line"] and value is not None
                }
            )
            merge_lines.append(
                f"{key[2].isoformat()} partner {key[1]}: line{'s' if len(group) > 2 else ''} "
                f"{earlier} replaced by the later response at line {kept['line']}"
                + (
                    f", except the answers it left blank: {', '.join(from_earlier)} kept"
                    if from_earlier
                    else ""
                )
            )
        out = {
            "couple_id": key[0],
            "partner": key[1],
            "date": key[2].isoformat(),
            "_line": kept["line"],
        }
        for field_name, (value, _) in combined.items():
            out[field_name] = value
        role = next((r["role"] for r in reversed(group) if r["role"] is not None), None)
        if "role" not in q and role is not None:
            out["role"] = role
        checkins.append(out)
        ticking = [r for r in group if "category" in t and text(r["row"][t["category"]])]
        if ticking:
            kept = ticking[-1]  # the triggers of the latest response that ticked any
            row = kept["row"]
            ticked = _split_answers(text(row[t["category"]]), answer_categories)
            for answer in ticked:
                category = answer_categories.get(norm_text(answer)) or schemas.normalize_category(
                    answer
                )
                note = None if category else answer
                answer_counts[f"{answer!r} -> {category or 'other'}"] += 1
                trig = {
                    "couple_id": key[0],
                    "partner": key[1],
                    "timestamp": key[2].isoformat(),
                    "time_known": "false",
                    "category": category or "other",
                    "_line": kept["line"],
                }
                for field_name in TRIGGER_FIELDS:
                    if field_name in t:
                        trig[field_name] = text(row[t[field_name]])
                if "intensity" in trigger_scales:
                    low, high, _ = trigger_scales["intensity"]
                    value, why = _on_scale(trig.get("intensity"), low, high)
                    if why:  # the trigger is rejected with the scale's reason alone
                        trig["_problem"] = f"intensity: {why}"
                    else:
                        trig["intensity"] = value
                if note is not None:
                    trig["note"] = "; ".join(x for x in (note, trig.get("note")) if x)
                trigger_rows.append(trig)
    if merge_lines:
        report.merges.append(
            f"{plural(merged, 'response')} replaced by a later response of the same partner on "
            "the same day (rule: a later response replaces the answers it gives; an answer it "
            "leaves blank is kept from the earlier one)"
        )
        add_listed(report.merges, merge_lines)
    if answer_counts:
        report.mapped.append(
            "ticked trigger answers: " + ", ".join(counted(answer_counts, "response", quote=False))
        )
    return Translation(checkins, trigger_rows, rejections, merged=merged)


_TITLE_SCALE = re.compile(
    r"(?<![\d.])(?P<low>[01])\s*(?:-|\u2013|\u2014|to|bis|a|à)\s*(?P<high>\d{1,3})(?![\d.])",
    re.IGNORECASE,
)


def title_scale(title: str) -> tuple[int, int] | None:
    """The answer scale a question's title states (``(1-5)``, ``1 to 4``, ``0 – 10``), or None.

    Examples
    --------
    >>> title_scale("How connected do you feel to me right now (1-5)?")
    (1, 5)
    >>> title_scale("On a scale from 1 to 4, how safe do you feel?"), title_scale("Trust?")
    ((1, 4), None)
    """
    m = _TITLE_SCALE.search(title)
    if m is None:
        return None
    low, high = int(m["low"]), int(m["high"])
    return (low, high) if high > low + 1 else None


def _scales(
    q: dict[str, str],
    declared: dict[str, tuple[int, int]],
    report: Any,
    *,
    fields: tuple[str, ...],
    what: str = "",
) -> dict[str, tuple[int, int, str]]:
    """Field -> (low, high, how it is known) for every mapped field of ``fields`` with a scale
    (declared in ``[scales]``, else read from the question's title); the report says each."""
    out: dict[str, tuple[int, int, str]] = {}
    for field_name in fields:
        if field_name not in q:
            continue
        col = q[field_name]
        titled = title_scale(col)
        if field_name in declared:
            low, high = declared[field_name]
            how = "declared in [scales]"
            if titled is not None and titled != (low, high):
                report.notes.append(
                    f"{col!r} says {titled[0]}-{titled[1]} but [scales] {field_name} = "
                    f"[{low}, {high}] is used"
                )
        elif titled is not None:
            low, high = titled
            how = "read from the question's title"
        else:
            continue
        out[field_name] = (low, high, how)
        if (low, high) == (schemas.SCORE_MIN, schemas.SCORE_MAX):
            report.mapped.append(f"{col!r} -> {what}{field_name} (1-10, {how})")
            continue
        table = ", ".join(
            f"{v} -> {round_half_up(rescale(v, low, high))}" for v in range(low, high + 1)
        )
        report.mapped.append(
            f"{col!r} -> {what}{field_name}: its {low}-{high} scale ({how}) rescaled linearly to "
            f"1-10 and rounded half up ({table})"
        )
    return out


def _on_scale(value: str | None, low: int, high: int) -> tuple[str | None, str | None]:
    """The 1-10 text of an answer on the scale ``low``-``high``, or (None, why it cannot be)."""
    if value is None or (low, high) == (schemas.SCORE_MIN, schemas.SCORE_MAX):
        return value, None  # 1-10 answers are checked by the loader, as in a log file
    number = parse_number(value)
    if number is None or number.denominator != 1:
        return None, f"{value!r} is not a whole number on the question's {low}-{high} scale"
    if not low <= number <= high:
        return None, f"{value} is outside the question's {low}-{high} scale"
    return str(round_half_up(rescale(number, low, high))), None


def _warn_small_answers(
    responses: list[dict[str, Any]],
    q: dict[str, str],
    scales: dict[str, tuple[int, int, str]],
    report: Any,
) -> None:
    """Warn about a score question read as 1-10 whose answers never exceed 5 (3 answers or more).

    Such answers are kept as written (a 1-10 question may well be answered low); the warning says
    how to declare the scale if the question used a smaller one.
    """
    for field_name in schemas.SCORE_COLUMNS:
        if field_name not in q or field_name in scales:
            continue
        numbers = [parse_number(r["values"].get(field_name)) for r in responses]
        numbers = [n for n in numbers if n is not None]
        if len(numbers) >= 3 and max(numbers) <= 5:
            report.notes.append(
                f"warning: no answer to {q[field_name]!r} is above {max(numbers)} "
                f"({plural(len(numbers), 'answer')}); they were read as 1-10 scores as written. "
                "If the question used a smaller scale (Google Forms' default is 1-5), declare it "
                f"in a mapping file: [scales] {field_name} = [1, 5]"
            )


def _quoted(value: str) -> str:
    """``value`` as a quoted TOML string (a key of ``[partners]`` or its label)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _warn_partners(responses: list[dict[str, Any]], report: Any) -> None:
    """Warn about a couple's partners that differ only in case, or more than two of them.

    Free-text answers to the partner question ("A", "a", "Partner B", "Sam") each become a
    partner of their own: one couple of five partners, silently (reader14 I1).  They are kept
    as answered (the answer may be deliberate); the warning names them with their responses
    and says how to give each person one label (``[partners]``).  Addresses are never named.

    >>> from trustdata.importers._common import ImportReport
    >>> report = ImportReport(kind="google-forms", source="f.csv", records=4)
    >>> how = "the answer to 'Which partner are you?'"
    >>> _warn_partners([{"couple_id": "c1", "partner": p, "how": how}
    ...                 for p in ("A", "B", "a", "Partner B")], report)
    >>> for note in report.notes: print(note)
    warning: couple c1: partner answers 'A' and 'a' differ only in case: kept apart as different partners. If they are the same person, give them one label in the mapping's [partners] table: "a" = "A"
    warning: couple c1 has 4 partners: 'A' (1 response), 'B' (1 response), 'Partner B' (1 response), 'a' (1 response), from the answer to 'Which partner are you?'; a couple has two, and each different answer is kept as another partner. Give each person's answers one label in the mapping's [partners] table (docs/importers.md), e.g. [partners] "a" = "A", "Partner B" = "B"
    """  # noqa: E501
    by_couple: dict[str, Counter] = defaultdict(Counter)
    sources: dict[str, set[str]] = defaultdict(set)
    for r in responses:
        by_couple[r["couple_id"]][r["partner"]] += 1
        sources[r["couple_id"]].add(r["how"])
    for couple_id in sorted(by_couple):
        counts = by_couple[couple_id]
        if len(counts) < 2:
            continue
        # the usual order: most responses first, ties in sorted order
        order = sorted(counts, key=lambda p: (-counts[p], p))
        answered = any(h.startswith("the answer to") for h in sources[couple_id])
        folded: dict[str, list[str]] = defaultdict(list)
        for p in order:
            folded[p.casefold()].append(p)
        guess: dict[str, str] = {}
        for ways in folded.values():
            if len(ways) < 2:
                continue
            for other in ways[1:]:
                guess[other] = ways[0]
            shown = " and ".join(repr(p) for p in ways)
            advice = (
                "give them one label in the mapping's [partners] table: "
                + ", ".join(f"{_quoted(o)} = {_quoted(ways[0])}" for o in ways[1:])
                if answered
                else "give each address its label in the mapping's [partners] table"
            )
            report.notes.append(
                f"warning: couple {couple_id}: partner answers {shown} differ only in case: kept "
                "apart as different partners. If they are the same person, "
                f"{advice}"
            )
        if len(counts) <= 2:
            continue
        two = [p for p in order if p not in guess][:2]
        for p in order:
            if p in guess or p in two:
                continue
            words = re.findall(r"\w+", p.casefold())
            hit = [t for t in two if words and words[-1] == t.casefold()]
            if hit:
                guess[p] = hit[0]
        listed = ", ".join(f"{p!r} ({plural(counts[p], 'response')})" for p in order)
        whence = "; ".join(sorted(sources[couple_id]))
        example = (
            ", ".join(f"{_quoted(o)} = {_quoted(u)}" for o, u in guess.items() if counts[o])
            or f"{_quoted(order[2])} = {_quoted(two[0])}"
        )
        advice = (
            "Give each person's answers one label in the mapping's [partners] table "
            f"(docs/importers.md), e.g. [partners] {example}"
            if answered
            else "Give each address its label in the mapping's [partners] table "
            '(docs/importers.md): "sam@example.org" = "A"'
        )
        report.notes.append(
            f"warning: couple {couple_id} has {len(counts)} partners: {listed}, from {whence}; "
            "a couple has two, and each different answer is kept as another partner. " + advice
        )


def _label_addresses(rows, email_labels, partner_labels, email_col, q, couple, stamps) -> None:
    """Label each couple's e-mail addresses A, B, ... in the order of their first response.

    The order is the Timestamp's (then the file's, for equal or unreadable timestamps), so a
    sheet sorted or filtered in Sheets (by e-mail, say) gives each address the label it had in
    the export before: the file order would swap A and B, and every earlier answer with them.
    Only responses that the partner question does not already place count.
    """

    def when(pos: int) -> tuple:
        if stamps is None or stamps.dates[pos] is None:
            return (1, dt.date.max, dt.time(), pos)
        return (0, stamps.dates[pos], stamps.times[pos] or dt.time(), pos)

    for pos in sorted(range(len(rows)), key=when):
        row = rows[pos]
        if "partner" in q and text(row[q["partner"]]) is not None:
            continue
        couple_id = couple if couple is not None else text(row[q["couple"]])
        address = text(row[email_col])
        if couple_id is None or address is None:
            continue
        key = norm_text(address)
        known = email_labels[couple_id]
        if key not in partner_labels and key not in known:
            known[key] = _label(len(known))


def _label(n: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the n-th address (0-based).

    Examples
    --------
    >>> _label(0), _label(1), _label(26)
    ('A', 'B', 'AA')
    """
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _split_answers(value: str | None, known: dict[str, str]) -> list[str]:
    """The ticked answers of a checkbox cell (joined with ";" by Forms, ", " by Sheets).

    Examples
    --------
    >>> _split_answers("Anniversary;A place", {})
    ['Anniversary', 'A place']
    >>> _split_answers("Anniversary, Place", {})
    ['Anniversary', 'Place']
    """
    if value is None:
        return []
    parts = [p.strip() for p in value.split(";") if p.strip()]
    out = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        whole_known = norm_text(part) in known or schemas.normalize_category(part) is not None
        pieces_known = len(pieces) > 1 and all(
            norm_text(p) in known or schemas.normalize_category(p) is not None for p in pieces
        )
        out.extend(pieces if (pieces_known and not whole_known) else [part])
    return out

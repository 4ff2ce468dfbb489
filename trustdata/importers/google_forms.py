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
  partner labelled A, B, ... in order of first appearance within its couple (or by
  ``[partners]``).  Addresses are never kept: not in the logs, not in the rejected records,
  not in the report.
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
    names_the_mapping,
    norm_text,
    plural,
    ragged,
    records_of,
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


def _columns_for(headers: list[str], table: dict[str, Any], *, section: str) -> dict[str, str]:
    """Field -> export column, for every field of ``table`` whose question is in the export."""
    out: dict[str, str] = {}
    for key, value in table.items():
        col = find_column(headers, spellings(value, where=f"[{section}] {key}"))
        if col is not None:
            out[key] = col
    return out


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
        return m, partner_labels, answer_categories

    def columns(self, frame: pd.DataFrame, settings: Any, *, source: str) -> dict[str, Any]:
        m = settings[0]
        headers = [c for c in frame.columns if c not in HELPER_COLUMNS]
        ts_col = find_column(headers, TIMESTAMP_HEADERS)
        if ts_col is None:
            raise FileProblem(
                f"this does not look like a Google Forms responses file: no 'Timestamp' column. "
                f"Columns in the file: {headers}",
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
    _, partner_labels, answer_categories = settings
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

    used = {ts_col, date_col, *q.values(), *t.values()}
    if email_col:
        used.add(email_col)
    for field_name, col in q.items():
        if field_name != "date":
            report.mapped.append(f"{col!r} -> {field_name}")
    for field_name, col in t.items():
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
    drop = (email_col,) if email_col else ()
    for pos, row in enumerate(records_of(frame)):
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
        if problems:
            rejections.append(
                Rejection("checkins", lines[pos], "; ".join(problems), blank_values(row, drop=drop))
            )
            continue
        partner_source[how] += 1
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
            }
        )
    for how, n in partner_source.items():
        report.mapped.append(f"partner from {how} ({plural(n, 'response')})")
    n_roles = sum(r["role"] is not None for r in responses)
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
            "order of first appearance within each couple; the addresses are not kept"
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
        if len(group) > 1:
            merged += len(group) - 1
            earlier = ", ".join(str(r["line"]) for r in group[:-1])
            merge_lines.append(
                f"{key[2].isoformat()} partner {key[1]}: line{'s' if len(group) > 2 else ''} "
                f"{earlier} replaced by the later response at line {kept['line']}"
            )
        row = kept["row"]
        out = {
            "couple_id": key[0],
            "partner": key[1],
            "date": key[2].isoformat(),
            "_line": kept["line"],
        }
        for field_name in CHECKIN_FIELDS:
            if field_name in q:
                out[field_name] = text(row[q[field_name]])
        if "role" not in q and kept["role"] is not None:
            out["role"] = kept["role"]
        checkins.append(out)
        if "category" in t:
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
                if note is not None:
                    trig["note"] = "; ".join(x for x in (note, trig.get("note")) if x)
                trigger_rows.append(trig)
    if merge_lines:
        report.merges.append(
            f"{plural(merged, 'response')} replaced by a later response of the same partner on "
            "the same day (rule: the latest response of the day is kept whole)"
        )
        add_listed(report.merges, merge_lines)
    if answer_counts:
        report.mapped.append(
            "ticked trigger answers: " + ", ".join(counted(answer_counts, "response", quote=False))
        )
    return Translation(checkins, trigger_rows, rejections, merged=merged)


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

"""A corpus of hostile inputs for trustdata, built from classes of attack (issue 13).

Each :class:`Case` is a file or folder written by :func:`build` plus how to run it (``load``, an
importer, ``anonymize`` after ``load``, or a CLI command).  :func:`run_case` runs one and returns
an :class:`Outcome` with the two properties of the issue:

* **no stray exception**: only :class:`~trustdata.errors.TrustDataError` (a refusal with a
  sentence) or, for the CLI, exit 0/1/2 without a traceback;
* **no silent loss**: every summary row has ``records == valid + rejected``, the valid rows are
  in the tables, the rejected ones in ``Logs.rejected``, and where the builder knows how many
  records it wrote, ``records`` says so; an importer's report is ``balanced``.

The classes (every class of the issue, each with several instances, not only the issue's):

``encoding``   BOMs, UTF-16/32 with and without BOM, cp1252, U+0085, mixed lines, NUL, lone
               surrogates, invalid UTF-8, odd line ends
``structure``  ``sep=;``, other delimiters, ragged rows, quotes, blank and ``,,,`` lines, header
               only, empty, duplicate / reserved (``_line``, ``_problem``) / empty column names,
               huge header cells and fields, many columns
``numbers``    float-looking integers, huge integers, exponents, NaN/inf, non-ASCII digits
``dates``      mixed UTC offsets, ``Z`` next to none, years far out (1677, 1725, 2262, 9999),
               impossible days, week dates, epoch numbers
``ids``        formula prefixes, homoglyphs, NFC/NFD, zero-width and bidi characters, case,
               e-mail addresses, very long and blank ids
``json``       deep nesting, wrong shapes, huge integers, duplicate keys, NaN, JSON lines
``parquet``    binary strings, indexes, reserved columns, categoricals, nulls, time zones,
               nested values, many identical rows
``files``      FIFOs, ``/dev/null``, links out of the folder and to system files, loops,
               folders named like tables, over-long paths, two files for one table
``payloads``   formulas, HTML, plotly ``%{...}``, bidi overrides in text (load, write, reload)
``importers``  each importer's hostile exports (addresses as ids, over-long rows, blank titles)
``anonymize``  hostile logs through anonymize and write_anonymized

Sizes: ``"small"`` (CI: small instances of the large cases) and ``"large"`` (the benchmark:
fields, blank lines, rows and columns at sizes that exercise memory).
"""

from __future__ import annotations

import contextlib
import io as _io
import json
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = "couple_id,partner,date,connection"

#: Generated inputs run in this process (tables and their records; see conftest.py).
COUNTS: dict[str, int] = {"cases": 0, "tables": 0, "records": 0}
ROW = "c1,A,2025-03-03,6"

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "field": 200_000,
        "blank_lines": 20_000,
        "columns": 500,
        "parquet_rows": 20_000,
        "rows": 5_000,
        "digits": 5_000,
        "depth": 5_000,
    },
    "large": {
        "field": 100_000_000,
        "blank_lines": 20_000_000,
        "columns": 200_000,
        "parquet_rows": 1_000_000,
        "rows": 1_000_000,
        "digits": 1_000_000,
        "depth": 1_000_000,
    },
}


@dataclass
class Case:
    """One hostile input: where it is, how to run it, and what the builder knows about it."""

    name: str
    klass: str
    path: Path
    runner: str = "load"  # load | daylio | bearable | google-forms | anonymize | cli
    records: int | None = None  # records the builder wrote (None: not known / not countable)
    argv: list[str] = field(default_factory=list)  # for runner == "cli"
    large: bool = False  # only worth running at the large size (the benchmark)


@dataclass
class Outcome:
    """What running a :class:`Case` gave."""

    case: Case
    result: str  # "loaded", "refused" (TrustDataError / exit 2), "stray", "lost", "hang"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.result in ("loaded", "refused")


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, root: Path, size: str) -> None:
        self.root = root
        self.n = SIZES[size]
        self.size = size
        self.cases: list[Case] = []

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def file(
        self,
        klass: str,
        name: str,
        data: bytes | str,
        *,
        table: str = "checkins.csv",
        records: int | None = None,
        runner: str = "load",
        large: bool = False,
    ) -> Case:
        folder = self.folder(f"{klass}-{name}")
        path = folder / table
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        case = Case(name, klass, folder if runner == "load" else path, runner, records, large=large)
        self.cases.append(case)
        return case

    def csv(self, klass: str, name: str, lines: list[str], records: int | None = None, **kw):
        return self.file(klass, name, "\n".join(lines) + "\n", records=records, **kw)


def _encoding(b: _Builder) -> None:
    text = f"{HEADER},note\nc1,Zoë,2025-03-03,6,café\nc1,B,2025-03-03,7,naïve\n"
    for enc in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"):
        b.file("encoding", enc, text.encode(enc), records=2)
    b.file("encoding", "u0085", text.replace("café", "caf\u0085é").encode(), records=2)
    b.file("encoding", "u2028", text.replace("café", "a\u2028b").encode(), records=2)
    mixed = text.encode() + "c1,A,2025-03-10,5,Zoë\n".encode("cp1252")
    b.file("encoding", "mixed-lines", mixed, records=3)
    b.file("encoding", "nul-in-cell", text.replace("café", "ca\x00fe").encode(), records=2)
    b.file(
        "encoding", "invalid-utf8", text.encode() + b"c1,A,2025-03-10,5,\xc3\x28\xa0\n", records=3
    )
    b.file("encoding", "overlong-utf8", text.encode() + b"c1,A,2025-03-10,5,\xc0\xaf\n", records=3)
    b.file("encoding", "cr-only", text.replace("\n", "\r").encode(), records=2)
    b.file("encoding", "mixed-eol", text.replace("\n", "\r\n", 1).encode(), records=2)
    b.file("encoding", "form-feed", text.replace("café", "a\x0cb\x0bc").encode(), records=2)
    b.file("encoding", "bom-mid-file", text.encode() + "\ufeffc1,A,2025-03-17,4,x\n".encode(),
           records=3)  # fmt: skip
    b.file(
        "encoding",
        "json-lone-surrogate",
        '[{"couple_id": "c1", "partner": "\\ud800", "date": "2025-03-03", "connection": 6}]',
        table="checkins.json",
        records=1,
    )
    b.file(
        "encoding",
        "json-utf16",
        json.dumps([{"couple_id": "c1", "partner": "Zoë", "date": "2025-03-03",
                     "connection": 6}]).encode("utf-16"),
        table="checkins.json",
        records=1,
    )  # fmt: skip
    b.file("encoding", "binary", bytes(range(256)) * 4)
    b.file("encoding", "zip-magic", b"PK\x03\x04" + b"\x00" * 100)


def _structure(b: _Builder) -> None:
    n = b.n
    b.csv("structure", "excel-sep", ["sep=;", HEADER.replace(",", ";"), ROW.replace(",", ";")],
          records=1)  # fmt: skip
    b.csv("structure", "semicolons", [HEADER.replace(",", ";"), ROW.replace(",", ";")], records=1)
    b.csv("structure", "tabs", [HEADER.replace(",", "\t"), ROW.replace(",", "\t")], records=1)
    b.csv("structure", "ragged", [HEADER, ROW, "c1,B", "c1,A,2025-03-10,6,7,8"], records=3)
    b.csv("structure", "unclosed-quote", [HEADER, ROW, 'c1,"B,2025-03-10,6'])
    b.csv("structure", "quote-mid", [HEADER, 'c1,B"x,2025-03-10,6'], records=1)
    b.csv("structure", "header-only", [HEADER], records=0)
    b.file("structure", "empty", b"", records=0)
    b.file("structure", "whitespace", b"  \n\n\t\n")
    b.csv("structure", "dup-columns", [HEADER + ",connection", ROW + ",7"])
    b.csv("structure", "case-dup-columns", [HEADER + ",Connection", ROW + ",7"])
    b.csv("structure", "spaced-columns", [" couple_id , partner ,date,connection", ROW], records=1)
    b.csv("structure", "line-first", ["_line," + HEADER, "9," + ROW], records=1)
    b.csv("structure", "problem-column", [HEADER + ",_problem", ROW + ",bad"], records=1)
    b.csv("structure", "empty-column-name", [HEADER + ",", ROW + ",x"], records=1)
    b.csv("structure", "no-required", ["a,b", "1,2"])
    b.csv("structure", "blank-and-commas", [HEADER, ROW, "", ",,,", " , , , ", ""], records=None)
    b.csv("structure", "header-cell-200k", [HEADER + "," + "h" * 200_000, ROW + ",x"], records=1)
    big = n["field"]
    b.csv("structure", "big-field", [HEADER + ",note", ROW + "," + "x" * big], records=1,
          large=big > 10_000_000)  # fmt: skip
    cols = n["columns"]
    b.csv("structure", "many-columns",
          [HEADER + "," + ",".join(f"x{i}" for i in range(cols)), ROW + "," * cols], records=1,
          large=cols > 10_000)  # fmt: skip
    blank = n["blank_lines"]
    b.file("structure", "blank-lines", HEADER + "\n" + ROW + "\n" + ",,,\n" * blank,
           large=blank > 1_000_000)  # fmt: skip
    b.file("structure", "no-newline-long-line", HEADER + "\n" + ROW + ",y" * 50_000)
    rows = n["rows"]
    start = pd.Timestamp("2020-01-06")
    lines = [HEADER] + [
        f"c{i % 50},A,{start + pd.Timedelta(days=i // 50):%Y-%m-%d},{i % 10 + 1}"
        for i in range(rows)
    ]
    b.csv("structure", "many-rows", lines, records=rows, large=rows > 200_000)


def _numbers(b: _Builder) -> None:
    values = ["6.9999999999999999", "1e400", "-0", "+5", " 5 ", "5.0", "٥", "５", "NaN", "inf",
              "0x10", "1_000", "5e0", "6.0000000001", "", "7 ", "1,5"]  # fmt: skip
    lines = [HEADER] + [f"c1,A,{pd.Timestamp('2025-01-06') + pd.Timedelta(days=7 * i):%Y-%m-%d},"
                        f'"{v}"' for i, v in enumerate(values)]  # fmt: skip
    b.csv("numbers", "scores", lines, records=len(values))
    digits = "9" * b.n["digits"]
    b.csv("numbers", "huge-int-csv", [HEADER, f"c1,A,2025-03-03,{digits}"], records=1)
    b.file("numbers", "huge-int-json",
           f'[{{"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": {digits}}}]',
           table="checkins.json", records=1)  # fmt: skip
    b.file("numbers", "float-json",
           '[{"couple_id": "c1", "partner": "A", "date": "2025-03-03", '
           '"connection": 6.9999999999999999}]',
           table="checkins.json", records=1)  # fmt: skip
    b.csv("numbers", "intensity",
          ["couple_id,partner,timestamp,category,intensity",
           "c1,A,2025-03-03 10:00,media,6.9999999999999999", "c1,A,2025-03-04 10:00,media,1e3"],
          table="triggers.csv", records=2)  # fmt: skip


def _dates(b: _Builder) -> None:
    trig = "couple_id,partner,timestamp,category,intensity"
    b.csv("dates", "mixed-offsets", [trig, "c1,A,2025-03-29T10:00:00+01:00,media,3",
                                     "c1,A,2025-03-31T10:00:00+02:00,media,4"],
          table="triggers.csv", records=2)  # fmt: skip
    b.csv("dates", "z-and-naive", [trig, "c1,A,2025-03-29T10:00:00Z,media,3",
                                   "c1,A,2025-03-31T10:00:00,media,4"],
          table="triggers.csv", records=2)  # fmt: skip
    b.csv("dates", "odd-offsets", [trig, "c1,A,2025-03-29T10:00:00+14:00,media,3",
                                   "c1,A,2025-03-31T10:00:00-12:45,media,4",
                                   "c1,A,2025-03-31T11:00:00+25:00,media,4"],
          table="triggers.csv", records=3)  # fmt: skip
    days = ["1725-03-03", "1677-09-21", "1677-09-22", "2262-04-11", "2262-04-12", "9999-12-31",
            "0001-01-01", "2025-02-30", "2025-13-01", "2025-W10-1", "1700000000", "2024-02-29",
            "2025-03-03T25:00", "03/04/2025", "2025-3-3", "", "  ", "2025-03-03 10:00"]  # fmt: skip
    lines = [HEADER] + [f"c1,A,{d},5" for d in days]
    b.csv("dates", "days", lines, records=len(days))
    b.csv("dates", "one-typo-year", [HEADER, ROW, "c1,A,1725-03-10,6", "c1,A,2025-03-17,7"],
          records=3)  # fmt: skip
    b.csv("dates", "events-far", ["couple_id,date,kind", "c1,1700-01-01,discovery",
                                  "c1,2262-01-01,disclosure"],
          table="events.csv", records=2)  # fmt: skip


def _ids(b: _Builder) -> None:
    ids = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@A1", "\t=1", "'=1", "а", "a", "A",
           "é", "e\u0301", "a\u200bb", "ab", "\u202eevil", "ann@example.org", "x" * 10_000,
           " ", "Ｃ１", "c1\r", "null", "None", "NaN"]  # fmt: skip
    lines = [HEADER]
    for i, pid in enumerate(ids):
        quoted = '"' + pid.replace('"', '""') + '"'
        lines.append(f"c1,{quoted},2025-03-{(i % 28) + 1:02d},5")
        lines.append(f"{quoted},A,2025-04-{(i % 28) + 1:02d},5")
    b.csv("ids", "partners-and-couples", lines, records=2 * len(ids))
    b.csv("ids", "newline-in-id", [HEADER, '"c\n1",A,2025-03-03,5'], records=1)
    trig = "couple_id,partner,timestamp,category,intensity"
    b.csv("ids", "trigger-lookalikes", [trig, "c1,A,2025-03-03 10:00,media,3",
                                        "c1,А,2025-03-03 10:00,media,3",
                                        "C1,a,2025-03-03 10:00,media,3",
                                        "c1‍,A,2025-03-03 10:00,media,3"],
          table="triggers.csv", records=4)  # fmt: skip
    b.csv("ids", "couples-table", ["couple_id,group", "caf\u00e9,x", "cafe\u0301,y",
                                   "=1+1,z", "ann@example.org,w"],
          table="couples.csv", records=4)  # fmt: skip
    b.csv("ids", "events-partner", ["couple_id,date,kind,partner", "c1,2025-03-03,discovery,+A",
                                    "c1,2025-03-03,disclosure,\u202eB"],
          table="events.csv", records=2)  # fmt: skip


def _json(b: _Builder) -> None:
    rec = {"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 6}
    depth = 990
    b.file("json", "nested-990", "[" * depth + "]" * depth, table="checkins.json")
    deep = b.n["depth"]
    b.file("json", "nested-deep", "[" * deep + "]" * deep, table="checkins.json")
    b.file("json", "object-top", json.dumps(rec), table="checkins.json")
    b.file("json", "list-of-lists", json.dumps([[1, 2], [3]]), table="checkins.json", records=2)
    b.file("json", "mixed-list", json.dumps([rec, 5, "x", None, []]), table="checkins.json",
           records=5)  # fmt: skip
    b.file("json", "dup-keys", '[{"couple_id": "c1", "couple_id": "c2", "partner": "A", '
           '"date": "2025-03-03", "connection": 6}]', table="checkins.json", records=1)  # fmt: skip
    b.file("json", "nan-literal", '[{"couple_id": "c1", "partner": "A", "date": "2025-03-03", '
           '"connection": NaN}]', table="checkins.json", records=1)  # fmt: skip
    b.file("json", "trailing-comma", json.dumps([rec])[:-1] + ",]", table="checkins.json")
    b.file("json", "json-lines", json.dumps(rec) + "\n" + json.dumps(rec), table="checkins.json")
    b.file("json", "wrong-types", json.dumps([{**rec, "partner": 5, "connection": [6]},
                                              {**rec, "couple_id": {"a": 1}, "date": 20250303}]),
           table="checkins.json", records=2)  # fmt: skip
    b.file("json", "empty-list", "[]", table="checkins.json", records=0)
    b.file("json", "truncated", json.dumps([rec, rec])[:-7], table="checkins.json")


def _parquet(b: _Builder) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def write(name: str, table: pa.Table, records: int | None, large: bool = False) -> None:
        folder = b.folder(f"parquet-{name}")
        pq.write_table(table, folder / "checkins.parquet")
        b.cases.append(Case(name, "parquet", folder, "load", records, large=large))

    base = {"couple_id": ["c1", "c1"], "partner": ["A", "B"],
            "date": ["2025-03-03", "2025-03-03"], "connection": [6, 7]}  # fmt: skip
    binary = pa.table({**base, "couple_id": pa.array([b"c1", b"c1"], type=pa.binary()),
                       "partner": pa.array([b"A", b"\xff\xfe"], type=pa.binary())})  # fmt: skip
    write("binary-strings", binary, 2)
    write("with-index", pa.Table.from_pandas(pd.DataFrame(base).set_index("partner")), 2)
    write("reserved-columns", pa.table({**base, "_problem": ["x", None], "_line": [7, 8]}), 2)
    write("categorical", pa.Table.from_pandas(pd.DataFrame(base).astype({"partner": "category"})),
          2)  # fmt: skip
    write("all-null", pa.table({k: pa.nulls(2) for k in base}), 2)
    write("int-ids", pa.table({**base, "couple_id": [1, 2], "partner": [3, 4]}), 2)
    tz = pd.DataFrame({**base, "date": pd.to_datetime(base["date"]).tz_localize("Europe/Paris")})
    write("tz-dates", pa.Table.from_pandas(tz), 2)
    write("nested", pa.table({**base, "connection": [[6], [7, 8]]}), 2)
    write("float-scores", pa.table({**base, "connection": [6.9999999999999999, 6.5]}), 2)
    write("huge-int", pa.table({**base, "connection": pa.array([2**62, -(2**62)])}), 2)
    n = b.n["parquet_rows"]
    same = pa.table({k: pa.array([v[0]] * n) for k, v in base.items()})
    write("identical-rows", same, n, large=n > 200_000)
    b.file("parquet", "not-parquet", b"PAR1garbagePAR1", table="checkins.parquet")


def _files(b: _Builder) -> None:
    outside = b.folder("files-outside-target") / "secret.csv"
    outside.write_text(HEADER + "\n" + ROW + "\n")
    specs: list[tuple[str, Callable[[Path], None], int | None]] = [
        ("fifo", lambda f: os.mkfifo(f / "checkins.csv"), None),
        ("dev-null", lambda f: (f / "checkins.csv").symlink_to("/dev/null"), None),
        ("link-outside", lambda f: (f / "checkins.csv").symlink_to(outside), None),
        ("link-passwd", lambda f: (f / "checkins.csv").symlink_to("/etc/passwd"), None),
        ("link-broken", lambda f: (f / "checkins.csv").symlink_to(f / "nowhere.csv"), None),
        ("link-loop", lambda f: (f / "checkins.csv").symlink_to(f / "checkins.csv"), None),
        ("folder-named-table", lambda f: (f / "checkins.csv").mkdir(), None),
        ("two-files", lambda f: [(f / n).write_text(HEADER + "\n" + ROW + "\n")
                                 for n in ("checkins.csv", "checkins.json")], None),
        ("upper-case-name", lambda f: (f / "CHECKINS.CSV").write_text(HEADER + "\n" + ROW + "\n"),
         1),
        ("no-checkins", lambda f: (f / "triggers.csv").write_text("x\n"), None),
    ]  # fmt: skip
    for name, make, records in specs:
        folder = b.folder(f"files-{name}")
        make(folder)
        b.cases.append(Case(name, "files", folder, "load", records))
    b.cases.append(Case("missing", "files", b.root / "files-missing-folder", "load"))
    b.cases.append(Case("long-path", "files", b.root / ("x" * 300) / "checkins.csv", "load"))
    deep = b.root / "/".join(["d" * 200] * 25)
    b.cases.append(Case("over-long-path", "files", deep, "load"))
    b.cases.append(Case("dev-null-direct", "files", Path("/dev/null"), "load"))
    b.cases.append(Case("proc-file", "files", Path("/proc/self/status"), "load"))
    locked = b.folder("files-unreadable-folder")
    (locked / "checkins.csv").write_text(HEADER + "\n" + ROW + "\n")
    locked.chmod(0o000)
    b.cases.append(Case("unreadable-folder", "files", locked, "load", None))


PAYLOADS = [
    "=HYPERLINK(\"https://evil.example\",\"x\")", "+cmd", "-1+1", "@SUM(A1)",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "%{meta.partner}",
    "%{x|<b>}", "\u202etxet", "\u2066isolated\u2069", "]]><!--", "{{7*7}}", "${7*7}",
    "' OR 1=1 --", "\x1b[31mred", "line\nbreak", 'quote"inside', "tab\tinside",
]  # fmt: skip


def _payloads(b: _Builder) -> None:
    cols = f"{HEADER},role,need,note,increased_trust,decreased_trust"
    lines = [cols]
    for i, p in enumerate(PAYLOADS):
        q = '"' + p.replace('"', '""') + '"'
        lines.append(f"c1,A,{pd.Timestamp('2025-01-06') + pd.Timedelta(days=7 * i):%Y-%m-%d},5,"
                     f"hurt,{q},{q},{q},{q}")  # fmt: skip
    case = b.csv("payloads", "text-fields", lines, records=len(PAYLOADS))
    case.runner = "roundtrip"
    recs = [
        {
            "couple_id": "c1",
            "partner": "A",
            "timestamp": f"2025-03-{i + 1:02d} 10:00",
            "category": "media",
            "intensity": 3,
            "note": p,
        }
        for i, p in enumerate(PAYLOADS)
    ]
    case = b.file("payloads", "trigger-notes-json", json.dumps(recs), table="triggers.json",
                  records=len(recs))  # fmt: skip
    case.runner = "roundtrip"
    b.csv("payloads", "formula-headers", [HEADER + ",=cmd,@x,+y", ROW + ",1,2,3"], records=1,
          runner="roundtrip")  # fmt: skip


def _importers(b: _Builder) -> None:
    daylio = "full_date,date,weekday,time,mood,activities,note"
    bearable = "date,weekday,time of day,category,rating/amount,detail,notes"
    gf = "Timestamp,Email Address,How connected do you feel to me right now (1-10)?,Partner"
    rows = {
        "daylio": [
            [daylio, "2019-03-05,5 March,Tuesday,21:12,good,friends | triggered: place,ann@x.org"],
            [daylio, "2019-03-05,5 March,Tuesday,25:99,good,,", "2019-13-45,,,,rad,,"],
            [daylio, "2019-03-05,5 March,Tuesday,9:12 pm,good,a,b,c,d,e,f"],
            [daylio, '"unclosed'],
            [daylio] + ["" for _ in range(100)],
            ["sep=;", daylio.replace(",", ";"), "2019-03-05;5 March;Tuesday;21:12;good;;"],
            [daylio, "2019-03-05,5 March,Tuesday,21:12,=cmd,=cmd,=cmd"],
        ],
        "bearable": [
            [bearable, "2025-03-03,Mon,am,Mood,7,,ann@example.org"],
            [bearable, "2025-03-03,Mon,am,Mood,6.9999999999999999,,", "x,y,z,w,v,u,t,s,r"],
            [bearable, "2025-03-03,Mon,am,Symptom,99999999999999999999999,detail,"],
            [bearable],
        ],
        "google-forms": [
            [gf, "3/3/2025 10:00:00,ann@example.org,7,ann@example.org"],
            [gf, "3/3/2025 10:00:00,a@b.c,7,A,surplus@x.org,more"],
            [gf.replace("Partner", "Write to me at bob@example.org"), "3/3/2025 10:00:00,x,7,y"],
            [gf, "2025-03-29T10:00:00+01:00,a,5,A", "2025-03-31T10:00:00+02:00,a,6,A"],
            [gf, '"3/3/2025","","","'],
        ],
    }
    for kind, variants in rows.items():
        for i, lines in enumerate(variants):
            b.csv("importers", f"{kind}-{i}", lines, runner=kind, table="export.csv")


def _anonymize_cases(b: _Builder) -> None:
    cols = f"{HEADER},role,need,note"
    lines = [cols]
    for i, p in enumerate([*PAYLOADS, "2025-3-3 ann@example.org", "met 3/3/25"]):
        q = '"' + p.replace('"', '""') + '"'
        day = pd.Timestamp("2025-01-06") + pd.Timedelta(days=7 * i)
        lines.append(f"c{i % 3},P{i % 2},{day:%Y-%m-%d},5,hurt,{q},{q}")
    case = b.csv("anonymize", "text", lines, records=len(lines) - 1)
    case.runner = "anonymize"
    case = b.csv("anonymize", "old-first-record", [HEADER, "c1,A,1705-01-01,5", ROW], records=2)
    case.runner = "anonymize"
    case = b.csv("anonymize", "weird-columns", [HEADER + ",notes for name@example.com,=x",
                                                ROW + ",a,b"], records=1)  # fmt: skip
    case.runner = "anonymize"


CLASSES: dict[str, Callable[[_Builder], None]] = {
    "encoding": _encoding,
    "structure": _structure,
    "numbers": _numbers,
    "dates": _dates,
    "ids": _ids,
    "json": _json,
    "parquet": _parquet,
    "files": _files,
    "payloads": _payloads,
    "importers": _importers,
    "anonymize": _anonymize_cases,
}


def build(root: str | Path, size: str = "small", *, classes: list[str] | None = None) -> list[Case]:
    """Write the corpus under ``root`` (a new or empty folder) and return its cases."""
    if size not in SIZES:
        raise ValueError(
            f"The value for `size` must be one of {list(SIZES)}, but {size!r} was passed."
        )
    builder = _Builder(Path(root), size)
    for name, make in CLASSES.items():
        if classes is None or name in classes:
            make(builder)
    return builder.cases


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def handler(signum, frame):
        raise _Hang

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def accounting_problems(logs, expected: int | None = None) -> list[str]:
    """Where ``logs`` break the accounting rule (empty when every record is accounted for)."""
    from trustdata import schemas

    found = []
    summary = logs.summary
    for row in summary.itertuples(index=False):
        if row.records != row.valid + row.rejected:
            found.append(f"{row.source}: records {row.records} != valid {row.valid} + "
                         f"rejected {row.rejected}")  # fmt: skip
        rej = logs.rejected
        mine = int(((rej["source"] == row.source) & (rej["table"] == row.table)).sum())
        if mine != row.rejected:
            found.append(f"{row.source}: {mine} rejected rows listed, summary says {row.rejected}")
    for table in schemas.TABLES:
        valid = int(summary.loc[summary["table"] == table, "valid"].sum())
        have = len(getattr(logs, table))
        if valid != have:
            found.append(f"{table}: summary says {valid} valid, the table has {have} rows")
    if expected is not None and len(summary):
        total = int(summary["records"].sum())
        if total != expected:
            found.append(f"records {total}, the builder wrote {expected}")
    return found


def run_case(case: Case, *, seconds: int = 60) -> Outcome:
    """Run one case and say whether it held (see the module notes)."""
    from trustdata.errors import TrustDataError

    COUNTS["cases"] += 1
    try:
        with _deadline(seconds), contextlib.redirect_stdout(_io.StringIO()):
            problems = _RUNNERS[case.runner](case)
    except _Hang:
        return Outcome(case, "hang", f"no answer after {seconds} s")
    except TrustDataError as exc:
        return Outcome(case, "refused", str(exc)[:300])
    except Exception as exc:
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(case, "stray", tb[:300])
    if problems:
        return Outcome(case, "lost", "; ".join(problems)[:300])
    return Outcome(case, "loaded")


def _run_load(case: Case) -> list[str]:
    from trustdata.io import load

    return accounting_problems(load(case.path), case.records)


def _run_import(case: Case) -> list[str]:
    from trustdata.importers import import_export

    result = import_export(case.runner, case.path, couple="c1", partner="A", dayfirst=False)
    problems = accounting_problems(result.logs)
    if not result.report.balanced:
        problems.append(f"import report not balanced: {result.report.records} records, "
                        f"outcomes {result.report.outcomes}")  # fmt: skip
    return problems


def _run_roundtrip(case: Case) -> list[str]:
    import tempfile

    from trustdata import schemas
    from trustdata.io import load, write

    logs = load(case.path)
    problems = accounting_problems(logs, case.records)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "json", "parquet"):
            back = load(write(logs, Path(tmp) / fmt, format=fmt))
            for table in schemas.TABLES:
                a, b = getattr(logs, table), getattr(back, table)
                if len(a) != len(b):
                    problems.append(f"{fmt} round trip: {table} {len(a)} -> {len(b)} rows")
                elif table == "checkins" and len(a):
                    for col in [c for c in a.columns if a[c].dtype == "str"]:
                        if col in b.columns and not a[col].fillna("").equals(b[col].fillna("")):
                            problems.append(f"{fmt} round trip changed {table}.{col}")
    return problems


def _run_anonymize(case: Case) -> list[str]:
    import tempfile
    import warnings

    from trustdata.anonymize import anonymize, write_anonymized
    from trustdata.io import load

    logs = load(case.path)
    problems = accounting_problems(logs, case.records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for keep_text in (False, True):
            anon, report = anonymize(
                logs, key=b"corpus key 5f2a9c71e0b34d86", k=1, keep_text=keep_text
            )
            if len(anon.checkins) != len(logs.checkins):
                problems.append("anonymize dropped check-ins")
            with tempfile.TemporaryDirectory() as tmp:
                write_anonymized(anon, Path(tmp) / "out", report=report)
                back = load(Path(tmp) / "out")
                if len(back.checkins) != len(anon.checkins) or len(back.rejected):
                    problems.append("the anonymized export does not load back whole")
                data = b"".join(p.read_bytes() for p in (Path(tmp) / "out").iterdir())
                if b"example.com" in data or b"example.org" in data:
                    problems.append("an e-mail address left in the anonymized export")
    return problems


def _run_cli(case: Case) -> list[str]:
    from trustdata.cli import main

    err = _io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(case.argv)
    if code not in (0, 1, 2) or "Traceback" in err.getvalue():
        return [f"exit {code}: {err.getvalue()[:200]}"]
    return []


_RUNNERS: dict[str, Callable[[Case], list[str]]] = {
    "load": _run_load,
    "daylio": _run_import,
    "bearable": _run_import,
    "google-forms": _run_import,
    "roundtrip": _run_roundtrip,
    "anonymize": _run_anonymize,
    "cli": _run_cli,
}


def summarize(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per class: cases, loaded, refused, stray, lost, hang."""
    frame = pd.DataFrame({"klass": [o.case.klass for o in outcomes],
                          "result": [o.result for o in outcomes]})  # fmt: skip
    table = pd.crosstab(frame["klass"], frame["result"])
    for col in ("loaded", "refused", "stray", "lost", "hang"):
        if col not in table.columns:
            table[col] = 0
    table = table[["loaded", "refused", "stray", "lost", "hang"]]
    table.insert(0, "cases", table.sum(axis=1))
    return table.astype(np.int64)

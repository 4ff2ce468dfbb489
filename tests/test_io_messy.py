"""Hypothesis-made messy files: every record is accounted for, only TrustDataError escapes.

Each generated record is drawn from pools of good and bad values, so the test knows which records
must be kept, which rejected (bad value, ragged row, later copy of a check-in) and on which
physical line each starts.
"""

from __future__ import annotations

import csv
import io as stdio
import json

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trustdata import io
from trustdata.errors import TrustDataError

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

GOOD = {
    "couple_id": ["c1", "c2", " c1 "],
    "partner": ["A", "B"],
    "date": ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-03T00:00:00"],
    "connection": ["1", "7", "10", " 5 ", "7.0"],
}
BAD = {
    "couple_id": [""],
    "partner": [],
    "date": ["2025-02-30", "2025-13-01", "", "03/03/2025", "2025-03-03 14:00"],
    "connection": ["0", "11", "seven", "7.5", "", "-3", "1e400"],
}
TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "<script>alert(1)</script>",
            'a "quoted", text',
            "two\nlines",
            "x" * 5000,
            "café",
        ]
    ),
    st.text(alphabet=st.characters(codec="cp1252", exclude_characters="\x00\r"), max_size=30),
)
KEYS = ("couple_id", "partner", "date")


@st.composite
def records(draw):
    rec, ok = {}, True
    for col in ("couple_id", "partner", "date", "connection"):
        bad = bool(BAD[col]) and draw(st.integers(0, 5)) == 0
        rec[col] = draw(st.sampled_from(BAD[col] if bad else GOOD[col]))
        ok &= not bad
    rec["need"] = draw(TEXTS)
    rec["mood"] = draw(TEXTS)
    shape = draw(st.sampled_from(["ok"] * 8 + ["long", "short"]))
    return rec, ok, shape


def key(rec):
    return (rec["couple_id"].strip(), rec["partner"], rec["date"][:10])


def expected_outcome(rows):
    """Which rows are kept: good values, right shape, first copy of its key among kept ones."""
    seen, kept = set(), []
    for rec, ok, shape in rows:
        keep = ok and shape == "ok" and key(rec) not in seen
        if keep:
            seen.add(key(rec))
        kept.append(keep)
    return kept


@given(
    rows=st.lists(records(), max_size=25),
    crlf=st.booleans(),
    bom=st.booleans(),
    cp1252=st.booleans(),
    delimiter=st.sampled_from([",", ";"]),
    blank_after=st.sets(st.integers(0, 25), max_size=4),
)
@SETTINGS
def test_messy_csv_accounts_for_every_record(
    tmp_path_factory, rows, crlf, bom, cp1252, delimiter, blank_after
):
    end = "\r\n" if crlf else "\n"
    buf = stdio.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=end)
    header = ["couple_id", "partner", "date", "connection", "need", "mood"]
    writer.writerow(header)
    line, starts = 2, []
    for i, (rec, _ok, shape) in enumerate(rows):
        values = [rec[c] for c in header]
        if shape == "long":
            values.append("surplus")
        elif shape == "short":
            values = values[:3]
        before = buf.tell()
        writer.writerow(values)
        starts.append(line)
        line += buf.getvalue()[before:].count("\n")
        if i in blank_after:
            buf.write(end)
            line += 1
    text = buf.getvalue()
    data = text.encode("cp1252") if cp1252 else text.encode("utf-8")
    if cp1252:
        # Some cp1252 text is also valid UTF-8: "Ã©" is b"\xc3\xa9", which is "é" in UTF-8.
        # No reader can tell those apart, so they are left out.  ("ÂŒ", b"\xc2\x8c", would be a
        # C1 control character in UTF-8: the loader reads such files as cp1252 and must get it
        # right, so those stay in.)
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            # The same holds line by line in a file that is not UTF-8 as a whole: docs/format.md
            # reads a line that is UTF-8 as a whole and holds a UTF-8 letter (U+00C0-U+017F) as
            # UTF-8 ("mixed encodings"), which test_io pins for bytes this test can also make.
            for raw in data.splitlines():
                try:
                    as_utf8 = raw.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                assume(not any("\u00c0" <= ch <= "\u017f" for ch in as_utf8))
        else:
            assume(as_utf8 == text or any("\x80" <= ch <= "\x9f" for ch in as_utf8))
    if bom and not cp1252:
        data = b"\xef\xbb\xbf" + data
    folder = tmp_path_factory.mktemp("messy")
    (folder / "checkins.csv").write_bytes(data)

    logs = io.load(folder)

    kept = expected_outcome(rows)
    summary = logs.summary.iloc[0]
    assert summary["records"] == len(rows) == summary["valid"] + summary["rejected"]
    assert summary["valid"] == sum(kept) == len(logs.checkins)
    assert logs.rejected["line"].tolist() == [s for s, k in zip(starts, kept, strict=True) if not k]
    assert summary["extra_columns"] == "mood"
    expected_needs = [rec["need"] or None for (rec, _, _), k in zip(rows, kept, strict=True) if k]
    got = logs.checkins["need"].astype(object).where(logs.checkins["need"].notna(), None)
    # Whitespace-only text counts as missing.
    assert got.tolist() == [n if n is None or n.strip() else None for n in expected_needs]


JSON_VALUES = {
    "couple_id": st.sampled_from(["c1", "c2", 7, None, ""]),
    "partner": st.sampled_from(["A", "B"]),
    "date": st.sampled_from(["2025-03-03", "2025-03-04", "2025-02-30", 20250303, None]),
    "connection": st.sampled_from([1, 7, 10, "6", 7.0, 0, 11, 7.5, "seven", None, True, [3]]),
    "note": TEXTS,
}


def json_ok(rec):
    if not isinstance(rec, dict):
        return False
    return (
        rec.get("couple_id") in ("c1", "c2", 7)
        and rec.get("date") in ("2025-03-03", "2025-03-04")
        and rec.get("connection") in (1, 7, 10, "6", 7.0)
        and rec.get("connection") is not True
    )


@given(
    rows=st.lists(
        st.one_of(
            st.fixed_dictionaries({}, optional=JSON_VALUES),
            st.sampled_from([None, 3, "text", ["c1", "A"]]),
        ),
        max_size=25,
    )
)
@SETTINGS
def test_messy_json_accounts_for_every_record(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("messyjson")
    (folder / "checkins.json").write_text(json.dumps(rows), encoding="utf-8")
    columns = {k for r in rows if isinstance(r, dict) for k in r}
    if not {"couple_id", "partner", "date", "connection"} <= columns:
        try:
            io.load(folder)
        except TrustDataError as exc:
            if rows and not any(isinstance(r, dict) for r in rows):
                assert "none is a record (an object of named values" in str(exc)
            else:
                assert "required column" in str(exc)
        return
    logs = io.load(folder)
    seen, kept = set(), []
    for rec in rows:
        keep = json_ok(rec) and isinstance(rec, dict) and rec.get("partner") is not None
        k = (str(rec.get("couple_id")), rec.get("partner"), rec.get("date")) if keep else None
        keep = keep and k not in seen
        if keep:
            seen.add(k)
        kept.append(keep)
    summary = logs.summary.iloc[0]
    assert summary["records"] == len(rows) == summary["valid"] + summary["rejected"]
    assert summary["valid"] == sum(kept)
    assert logs.rejected["line"].tolist() == [i + 1 for i, k in enumerate(kept) if not k]


@given(data=st.binary(max_size=300), header=st.booleans())
@SETTINGS
def test_random_bytes_load_or_raise_trustdataerror(tmp_path_factory, data, header):
    folder = tmp_path_factory.mktemp("bytes")
    prefix = b"couple_id,partner,date,connection\n" if header else b""
    (folder / "checkins.csv").write_bytes(prefix + data)
    try:
        logs = io.load(folder)
    except TrustDataError:
        return
    summary = logs.summary.iloc[0]
    assert summary["records"] == summary["valid"] + summary["rejected"]
    assert summary["valid"] == len(logs.checkins)
    assert isinstance(logs.rejected, pd.DataFrame)

"""The fast paths of ``load`` give what the careful paths give: the same frames, the same
rejected records (reasons, lines, original text) and the same summary.

The fast paths (see ``docs/format.md``, "How fast"): CSV columns parsed on their distinct
values are read by pyarrow as dictionaries (``_files._coded_columns``), and whole numbers and
dates typed when a byte count proves them canonical (``_csv._typed_csv``); the schema's checks are
evaluated as array operations (``_validate._failing_rows``) instead of by pandera; later copies
are found on one combined code (``_validate._duplicated``); the ``'`` that ``write`` puts before
formula-looking text is removed in pyarrow (``_write._unescape``).  Each test switches them off
and compares.
"""

from __future__ import annotations

import csv
import io as stdio

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustdata.io._csv as csv_mod
import trustdata.io._files as files_mod
import trustdata.io._parse as parse_mod
import trustdata.io._validate as validate_mod
import trustdata.io._write as write_mod
from trustdata import io, schemas

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCORES = ["1", "7", "10", " 5 ", "07", "+3", "7.0", "0", "11", "-3", "seven", "7.5", "", " ",
          "1e400", "6.9999999999999999", "9007199254740993", "-0"]  # fmt: skip
VALUES = {
    "couple_id": ["c1", "c2", " c1 ", "", "=c3", "'=c3", "c\u200b1", "C1"],
    "partner": ["A", "B", "", " A", "Zoë", "Zoe\u0308"],
    "role": ["hurt", "Involved", "", "both", "nobody", " hurt "],
    "date": ["2025-03-03", "2025-03-04", "2025-03-03T00:00:00", "2025-03-03T00:00:00+02:00",
             "2025-02-30", "", "03/03/2025", "1725-03-03", "2025-03-03 14:00", " 2025-03-05"],
    "connection": SCORES,
    "trust": SCORES,
    "need": ["", "fine", "'=1+1", "''-x", "'plain", "-", "a\nb", 'say "hi"', "x,y"],
    "extra": ["", "e", "'=e"],
}  # fmt: skip
TRIGGER_VALUES = {
    "couple_id": ["c1", "c2", ""],
    "partner": ["A", "B", ""],
    "timestamp": ["2025-03-03", "2025-03-03T21:15:00", "2025-03-03T21:15:00+01:00",
                  "2025-03-03T21:15:00-08:00", "2025-03-03T21:15Z", "2025-03-03 21:15:00",
                  "2025-03-03T21:15:00+17:00", "2025-02-30T10:00:00", "", "soon",
                  "2025-03-03T21:15:00.5+05:30"],
    "category": ["media", "Location", "other_person", "", "weather"],
    "intensity": SCORES,
    "used_plan": ["true", "no", "", "maybe", "Yes"],
    "minutes": ["5", "0", "-1", "2.5", "", "lots", "inf"],
    "note": ["", "ok", "'@x"],
}  # fmt: skip


def _table(values: dict[str, list[str]]) -> st.SearchStrategy[tuple[list[str], list[list[str]]]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
        names = list(values)
        required = [c for c in names if c in ("couple_id", "partner", "date", "connection",
                                               "timestamp", "category", "intensity")]  # fmt: skip
        optional = draw(st.lists(st.sampled_from([c for c in names if c not in required]),
                                 unique=True))  # fmt: skip
        columns = [c for c in names if c in required or c in optional]
        rows = draw(
            st.lists(
                st.tuples(*[st.sampled_from(values[c]) for c in columns]).map(list),
                max_size=40,
            )
        )
        return columns, rows

    return build()


def _write(path, columns: list[str], rows: list[list[str]]) -> None:
    buffer = stdio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _careful(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every fast path of this module's docstring off."""
    monkeypatch.setattr(files_mod, "_coded_columns", lambda table: frozenset())
    monkeypatch.setattr(files_mod, "_text_ids", lambda path: [])  # Parquet ids as dictionaries
    monkeypatch.setattr(files_mod, "_typed_columns", lambda table: {})  # CSV numbers, dates
    monkeypatch.setattr(validate_mod, "_failing_rows", lambda frame, schema, distinct=None: None)
    monkeypatch.setattr(validate_mod, "_duplicated", _pandas_duplicated)
    monkeypatch.setattr(validate_mod, "_unescape", _pandas_unescape)
    monkeypatch.setattr(write_mod, "_unescape", _pandas_unescape)  # header cells
    # issue 15's byte-level shortcuts: plain ISO timestamps read in numpy, the regex pass that
    # rules out blank and empty lines, and the strip skipped when no cell has edge whitespace
    monkeypatch.setattr(parse_mod, "_plain_iso", lambda arr, todo, ts, offset, dates: None)
    monkeypatch.setattr(csv_mod, "_quiet_lines", lambda data, pos: False)
    monkeypatch.setattr(parse_mod, "_strip_text", lambda values: values.str.strip())
    monkeypatch.setattr(validate_mod, "_strip_text", lambda values: values.str.strip())
    for mod in (csv_mod, parse_mod, validate_mod):
        monkeypatch.setattr(mod, "_blank_text", _pandas_blank)


def _pandas_blank(values: pd.Series, *, missing: bool) -> np.ndarray:
    """Empty or whitespace-only cells by ``str.strip`` (missing ones count when ``missing``)."""
    blank = (values.str.strip() == "").to_numpy(dtype=bool, na_value=False)
    return blank | values.isna().to_numpy(dtype=bool) if missing else blank


def _pandas_duplicated(frame: pd.DataFrame, keys: list[str], clean: np.ndarray) -> np.ndarray:
    """The later copies among the clean rows, by pandas on a copy of the key columns."""
    sub = frame.loc[clean, keys]
    return sub.index.to_numpy()[sub.duplicated(keys, keep="first").to_numpy(dtype=bool)]


def _pandas_unescape(values: pd.Series) -> pd.Series:
    """``_write._unescape`` with pandas' string methods only (the path before pyarrow)."""
    from trustdata.io._write import _ESCAPED_RE

    quoted = values.str.startswith("'", na=False)
    if not quoted.any():
        return values
    escaped = quoted & values.str.match(_ESCAPED_RE, na=False)
    if not escaped.any():
        return values
    out = values.copy()
    out.loc[escaped] = values.loc[escaped].str.slice(1)
    return out


def _assert_same(fast, careful) -> None:
    for table in schemas.TABLES:
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(careful, table))
    pd.testing.assert_frame_equal(fast.rejected, careful.rejected)
    pd.testing.assert_frame_equal(fast.summary, careful.summary)


@SETTINGS
@given(checkins=_table(VALUES), triggers=_table(TRIGGER_VALUES))
def test_fast_and_careful_paths_load_the_same(tmp_path_factory, checkins, triggers):
    folder = tmp_path_factory.mktemp("logs")
    _write(folder / "checkins.csv", *checkins)
    _write(folder / "triggers.csv", *triggers)
    fast = io.load(folder)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _careful(monkeypatch)
        careful = io.load(folder)
    _assert_same(fast, careful)
    # and the accounting rule holds on the fast path
    summary = fast.summary
    assert (summary["valid"] + summary["rejected"] == summary["records"]).all()


@SETTINGS
@given(checkins=_table(VALUES))
def test_fast_paths_match_on_typed_parquet_too(tmp_path_factory, checkins):
    columns, rows = checkins
    raw = pd.DataFrame(rows, columns=columns, dtype="str")
    folder = tmp_path_factory.mktemp("typed")
    # a typed Parquet file: whole numbers where the text is one, text elsewhere
    typed = raw.copy()
    for col in ("connection", "trust"):
        if col in typed and len(typed):
            number = pd.to_numeric(typed[col].str.strip(), errors="coerce")
            finite = np.isfinite(number.to_numpy(dtype="float64", na_value=np.nan))
            if finite.all() and (number == number.round()).all() and number.abs().max() < 2**53:
                typed[col] = number.astype("int64")
    typed.to_parquet(folder / "checkins.parquet")
    fast = io.load(folder)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _careful(monkeypatch)
        careful = io.load(folder)
    _assert_same(fast, careful)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", None]),
            st.sampled_from(["A", "B"]),
            st.sampled_from(["2025-03-03", "2025-03-04", None]),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_combined_codes_find_the_same_duplicates_as_pandas(rows):
    keys = ["couple_id", "partner", "date"]
    frame = pd.DataFrame([r[:3] for r in rows], columns=keys)
    frame = frame.astype({"couple_id": "str", "partner": "str"})
    frame["date"] = pd.to_datetime(frame["date"])
    clean = np.array([r[3] for r in rows], dtype=bool)
    expected = _pandas_duplicated(frame, keys, clean)
    np.testing.assert_array_equal(validate_mod._duplicated(frame, keys, clean), expected)


def test_a_schema_check_pandera_alone_knows_is_still_run(tmp_path, monkeypatch):
    """A check outside the built-in ones evaluated as arrays makes pandera validate."""
    import pandera.pandas as pa

    schema, keys = validate_mod._schemas("checkins")
    odd = schema.update_column(
        "connection",
        checks=[*schema.columns["connection"].checks, pa.Check(lambda s: s != 4, name="not_4")],
    )
    monkeypatch.setitem(validate_mod._SCHEMA_CACHE, "checkins", (odd, keys))
    (tmp_path / "checkins.csv").write_text(
        "couple_id,partner,date,connection\nc1,A,2025-03-03,4\nc1,A,2025-03-10,5\n"
        "c1,A,2025-03-17,11\n"
    )
    logs = io.load(tmp_path)
    assert validate_mod._failing_rows(logs.checkins, odd) is None
    assert logs.rejected[["line", "reason"]].values.tolist() == [
        [2, "connection is 4, expected a whole number 1-10"],
        [4, "connection is 11, expected a whole number 1-10"],
    ]


def _python_says_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_pyarrow_and_python_agree_on_every_short_byte_sequence_being_utf8():
    from trustdata.io._encodings import _is_utf8

    lead = list(range(0x80, 0x100))
    cont = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    cases = [bytes([a]) for a in range(256)]
    cases += [bytes([a, b]) for a in lead for b in range(256)]
    cases += [bytes([a, b, c]) for a in range(0xE0, 0xF0) for b in range(0x80, 0xC0) for c in cont]
    cases += [
        bytes([a, b, c, d])
        for a in range(0xF0, 0xF8)
        for b in (0x80, 0x8F, 0x90, 0xBF)
        for c in (0x80, 0xBF, 0x41)
        for d in (0x80, 0xBF, 0xC0)
    ]
    wrong = [c for c in cases if _is_utf8(b"x" + c + b"y", 1) != _python_says_utf8(c + b"y")]
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.text(max_size=20))
def test_pyarrow_and_python_agree_on_utf8_of_any_bytes(noise, text):
    from trustdata.io._encodings import _is_utf8

    data = text.encode("utf-8", "surrogatepass") + noise
    assert _is_utf8(data, 0) == _python_says_utf8(data)


def _blank_lines_whole(data: bytes, pos: int) -> int:
    """The blank-line count over the whole file at once (the way before pieces): a line is
    blank when every byte of it, its line break included, is a delimiter or a space."""
    raw = np.frombuffer(data, dtype=np.uint8, offset=pos)
    ends = np.flatnonzero(raw == 10)
    bounds = np.concatenate(([-1], ends, [len(data) - pos]))
    filler = np.zeros(256, dtype=bool)
    filler[list(b",;\t \r\n|")] = True
    content = ~filler[raw]
    starts = bounds[:-1] + 1
    starts = starts[starts < len(raw)]
    return int((~np.maximum.reduceat(content, starts)).sum()) if len(starts) else 0


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=60).map(lambda b: bytes(b",; \t\r\n|ab"[x % 9] for x in b)),
    pos=st.integers(0, 5),
    piece=st.integers(1, 9),
)
def test_blank_lines_counted_in_pieces_as_over_the_whole_file(data, pos, piece):
    import trustdata.io._csv as csv_mod

    pos = min(pos, len(data))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(csv_mod, "_PIECE", piece)
        got = csv_mod._blank_lines(data, pos)
    assert got == _blank_lines_whole(data, pos)


@settings(max_examples=200, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 40), min_size=1, max_size=12),
    pos=st.integers(0, 3),
    limit=st.integers(2, 16),
)
def test_the_long_line_proof_finds_exactly_the_lines_over_the_limit(lengths, pos, limit):
    import trustdata.io._csv as csv_mod

    data = b"\n".join(b"x" * n for n in lengths)
    pos = min(pos, len(data))
    longest = max(len(line) for line in data[pos:].split(b"\n"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(csv_mod, "MAX_LINE_BYTES", limit)
        assert csv_mod._maybe_long_line(data, pos) == (longest > limit)


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=60).map(lambda b: bytes(b",; \t\r\n|ab"[x % 9] for x in b)),
    pos=st.integers(0, 5),
    limit=st.integers(0, 6),
    piece=st.integers(1, 9),
)
def test_the_blank_line_bound_never_misses_too_many_blank_lines(data, pos, limit, piece):
    import trustdata.io._csv as csv_mod

    pos = min(pos, len(data))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(csv_mod, "MAX_BLANK_LINES", limit)
        monkeypatch.setattr(csv_mod, "_PIECE", piece)
        if _blank_lines_whole(data, pos) > limit:
            assert csv_mod._maybe_many_blank_lines(data, pos)


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=60).map(lambda b: bytes(b",; \t\r\n|ab"[x % 9] for x in b)),
    pos=st.integers(0, 5),
)
def test_quiet_lines_never_hide_a_blank_or_empty_line(data, pos):
    """``_quiet_lines`` lets the blank- and empty-line scans be skipped: only when it is sound."""
    import trustdata.io._csv as csv_mod

    pos = min(pos, len(data))
    if csv_mod._quiet_lines(data, pos):
        assert _blank_lines_whole(data, pos) <= 1  # at most the first line, as the bound says
        for body in range(pos + 1, len(data) + 1):  # after a line break, as the header's
            if data[body - 1 : body] == b"\n":
                assert not len(csv_mod._line_structure(data, body)[1])


_WALL = st.builds(
    "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}".format,
    st.sampled_from([1850, 1899, 1900, 2000, 2024, 2100, 2150, 2151, 9999]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", " ", "t"]),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 61),
)
_STAMP = st.one_of(
    _WALL,
    _WALL.map(lambda w: w[:10]),
    st.tuples(
        _WALL,
        st.sampled_from(
            [
                "+01:00",
                "-05:30",
                "+16:00",
                "+16:01",
                "-00:00",
                "+00:60",
                "+99:99",
                "Z",
                "+0100",
                "x01:00",
                "+01:0a",
                "+\u0661\u0662:00",
            ]
        ),
    ).map("".join),
    _WALL.map(lambda w: w.replace("0", "\u0660", 1)),
    st.text(max_size=26),
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), _STAMP), max_size=40))
def test_plain_timestamps_read_from_bytes_as_the_exact_formats_read_them(values):
    """``_plain_iso`` (numpy on the string bytes) gives the times, offsets and dates-only flags
    the exact formats and the full pattern give."""
    text = pd.Series(values, dtype="str")
    stripped = text.str.strip()
    missing = (text.isna() | (stripped == "")).to_numpy()
    fast = parse_mod._timestamp_parts(stripped, missing.copy())
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(parse_mod, "_plain_iso", lambda arr, todo, ts, offset, dates: None)
        careful = parse_mod._timestamp_parts(stripped, missing.copy())
    np.testing.assert_array_equal(fast[0], careful[0])
    np.testing.assert_array_equal(fast[1], careful[1])
    np.testing.assert_array_equal(fast[2], careful[2])


# ---------------------------------------------------------------------------------------------
# CSV numbers and dates read typed by pyarrow (``_csv._typed_csv``): only when a byte count
# proves every value canonical, so the frames, the reasons and the rejected records' text are
# those of the text path, whatever forms pyarrow would also accept.
# ---------------------------------------------------------------------------------------------

CANONICAL_SCORES = ["1", "5", "7", "10", "", "0", "11", "-3", "99999"]
#: Forms pyarrow reads as a number that the text path reads differently, or not at all, or
#: whose text a rejected record must keep as written.
HOSTILE_SCORES = ["07", " 7", "7 ", "\t7", "0x7", "0X10", "-0", "+3", "00", "0xFFFFFFFFFF",
                  "1099511627775", "100000", "-100000", "9007199254740993", "7.0", "1e1",
                  "seven", " ", "\u0661", "0x", "9223372036854775808"]  # fmt: skip
CANONICAL_DATES = ["2025-03-03", "2025-03-04", "2024-02-29", "1900-01-01", "2150-12-31", ""]
HOSTILE_DATES = [" 2025-03-03", "2025-03-03 ", "2025-03-03\t", "1899-12-31", "2151-01-01",
                 "1725-03-03", "0999-01-01", "2025-02-30", "2023-02-29", "2025-3-3",
                 "20250303", "2025-03-03T00:00", "2025-03-03T00:00:00+02:00", "03/03/2025",
                 " "]  # fmt: skip
TEXTS = ["", "fine", 'say "hi"', "x,y", "'=1+1", '"', 'a""b', "Zoë"]


@st.composite
def _typed_file(draw: st.DrawFn) -> tuple[list[str], list[list[str]], dict]:
    """A check-ins table whose scores and dates are canonical but for a few hostile values."""
    columns = ["couple_id", "partner", "date", "connection", "trust", "need"]
    n = draw(st.integers(1, 30))
    rows = [
        [
            draw(st.sampled_from(["c1", "c2", "c3"])),
            draw(st.sampled_from(["A", "B"])),
            draw(st.sampled_from(CANONICAL_DATES)),
            draw(st.sampled_from(CANONICAL_SCORES)),
            draw(st.sampled_from(CANONICAL_SCORES)),
            draw(st.sampled_from(TEXTS)),
        ]
        for _ in range(n)
    ]
    for _ in range(draw(st.integers(0, 2))):
        row, col = draw(st.integers(0, n - 1)), draw(st.sampled_from([2, 3, 4]))
        rows[row][col] = draw(st.sampled_from(HOSTILE_DATES if col == 2 else HOSTILE_SCORES))
    style = {
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        "lineterminator": draw(st.sampled_from(["\n", "\r\n"])),
        "last": draw(st.booleans()),  # a line end after the last record
    }
    return columns, rows, style


def _write_styled(path, columns: list[str], rows: list[list[str]], style: dict) -> None:
    buffer = stdio.StringIO()
    writer = csv.writer(buffer, quoting=style["quoting"], lineterminator=style["lineterminator"])
    writer.writerow(columns)
    writer.writerows(rows)
    text = buffer.getvalue()
    if not style["last"]:
        text = text[: -len(style["lineterminator"])]
    path.write_bytes(text.encode("utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_typed_file())
def test_typed_csv_columns_load_as_the_text_path_loads_them(tmp_path_factory, case):
    columns, rows, style = case
    folder = tmp_path_factory.mktemp("typed_csv")
    _write_styled(folder / "checkins.csv", columns, rows, style)
    fast = io.load(folder)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(files_mod, "_typed_columns", lambda table: {})
        text = io.load(folder)
    _assert_same(fast, text)
    for table in schemas.TABLES:  # the dtypes too, column by column
        assert getattr(fast, table).dtypes.to_dict() == getattr(text, table).dtypes.to_dict()


def _spy_typed(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    taken: list[bool] = []
    real = csv_mod._typed_csv

    def spy(*args):
        frame = real(*args)
        taken.append(frame is not None)
        return frame

    monkeypatch.setattr(csv_mod, "_typed_csv", spy)
    return taken


def test_canonical_scores_and_dates_are_read_typed(tmp_path, monkeypatch):
    rows = [["c1", "A", "2025-03-03", "7", "", 'say "hi", twice'],
            ["c1", "A", "2025-03-03", "11", "-3", ""],  # a duplicate, out of range: rejected
            ["c2", "B", "", "10", "1", "x"]]  # fmt: skip
    _write(tmp_path / "checkins.csv", ["couple_id", "partner", "date", "connection", "trust",
                                        "need"], rows)  # fmt: skip
    taken = _spy_typed(monkeypatch)
    fast = io.load(tmp_path)
    assert taken == [True]
    assert str(fast.checkins["connection"].dtype) == "Int64"
    rejected = fast.rejected.set_index("line")
    # the rejected records keep the text as written, an empty cell as ""
    assert rejected.loc[3, "connection"] == "11" and rejected.loc[3, "trust"] == "-3"
    assert rejected.loc[4, "date"] == "" and rejected.loc[4, "trust"] == "1"
    assert "date is missing" in rejected.loc[4, "reason"]
    monkeypatch.setattr(files_mod, "_typed_columns", lambda table: {})
    _assert_same(fast, io.load(tmp_path))


@pytest.mark.parametrize("value", HOSTILE_SCORES)
def test_a_score_pyarrow_reads_otherwise_sends_the_file_to_the_text_path(
    tmp_path, monkeypatch, value
):
    _write(tmp_path / "checkins.csv", ["couple_id", "partner", "date", "connection"],
           [["c1", "A", "2025-03-03", "7"], ["c1", "A", "2025-03-04", value]])  # fmt: skip
    taken = _spy_typed(monkeypatch)
    fast = io.load(tmp_path)
    assert taken in ([False], [])  # tried and refused, or not tried (a blank line)
    monkeypatch.setattr(files_mod, "_typed_columns", lambda table: {})
    _assert_same(fast, io.load(tmp_path))


@pytest.mark.parametrize("value", HOSTILE_DATES)
def test_a_date_pyarrow_reads_otherwise_sends_the_file_to_the_text_path(
    tmp_path, monkeypatch, value
):
    _write(tmp_path / "checkins.csv", ["couple_id", "partner", "date", "connection"],
           [["c1", "A", "2025-03-03", "7"], ["c1", "A", value, "8"]])  # fmt: skip
    taken = _spy_typed(monkeypatch)
    fast = io.load(tmp_path)
    assert taken in ([False], [])
    monkeypatch.setattr(files_mod, "_typed_columns", lambda table: {})
    _assert_same(fast, io.load(tmp_path))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2", None]),
            st.sampled_from(["A", "B"]),
            st.sampled_from(["1950-01-01", "2025-03-04", "2100-12-31", None]),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_combined_codes_over_many_possible_keys_use_a_hash_and_agree(rows):
    # dates 150 years apart: far more possible codes than rows, so not the per-code minimum
    test_combined_codes_find_the_same_duplicates_as_pandas.hypothesis.inner_test(rows)


@settings(max_examples=60, deadline=None)
@given(
    present=st.lists(st.integers(-(2**62), 2**62), max_size=20),
    hidden=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5),
)
def test_integer_bounds_without_a_copy_are_those_of_the_present_values(present, hidden):
    # whatever the data under the mask holds, a typed score is kept exactly when every present
    # value is below 2**53 (the careful answer: the present values' own bounds)
    data = np.array(present + hidden, dtype="int64")
    mask = np.array([False] * len(present) + [True] * len(hidden), dtype=bool)
    values = pd.Series(pd.arrays.IntegerArray(data, mask))
    bounds = parse_mod._int_bounds(values)
    if not present:
        assert bounds is None
        assert parse_mod._keeps_type("whole", values)
        return
    expected = max(abs(min(present)), abs(max(present))) < 2**53
    assert parse_mod._keeps_type("whole", values) is expected
    low, high = bounds
    if expected:  # bounds that fit may be wider than the present values, never narrower
        assert low <= min(present) and high >= max(present)
    else:
        assert (low, high) == (min(present), max(present))


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(0, 40_000), min_size=1, max_size=40),
    late=st.integers(0, 3000),
    seconds=st.one_of(st.none(), st.integers(1, 86_399)),
    missing=st.lists(st.integers(0, 3000), max_size=5),
)
def test_the_midnight_check_reads_a_prefix_first_and_agrees_with_the_whole_column(
    days, late, seconds, missing
):
    n = 3001
    ns = (np.resize(np.array(days, dtype="int64"), n) * 86_400 * 10**9).astype("int64")
    if seconds is not None:  # one time of day somewhere, before or after the prefix
        ns[late] += seconds * 10**9
    values = ns.view("datetime64[ns]").copy()
    gone = np.zeros(n, dtype=bool)
    gone[missing] = True
    values[gone] = np.datetime64("NaT")
    ints = values.view("int64")[~gone]
    expected = not bool((ints % (86_400 * 10**9)).any())
    assert parse_mod._all_midnight(values, gone if gone.any() else None) is expected


@pytest.mark.parametrize("late", [None, 5, 1500])
def test_typed_parquet_timestamps_say_whether_the_time_is_known(tmp_path, late):
    # a typed column of midnights was written as dates (time not known); one time of day,
    # before or after the rows the check looks at first, makes every time known, as text does
    n = 2000
    stamps = pd.Series(pd.date_range("2019-03-04", periods=n, freq="D"), dtype="datetime64[ns]")
    if late is not None:
        stamps.iloc[late] += pd.Timedelta(hours=21, minutes=15)
    stamps.iloc[7] = pd.NaT
    frame = pd.DataFrame(
        {
            "couple_id": "c1",
            "partner": "A",
            "timestamp": stamps,
            "category": "media",
            "intensity": 5,
        }
    )
    frame.to_parquet(tmp_path / "triggers.parquet")
    logs = io.load(tmp_path / "triggers.parquet")
    assert len(logs.triggers) == n - 1
    assert list(logs.rejected["reason"]) == ["timestamp is missing"]
    assert logs.triggers["time_known"].eq(late is not None).all()
    text = frame.assign(timestamp=stamps.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna(""))
    if late is None:  # as text, midnights written as dates only
        text["timestamp"] = stamps.dt.strftime("%Y-%m-%d").fillna("")
    text.to_csv(tmp_path / "triggers.csv", index=False)
    as_text = io.load(tmp_path / "triggers.csv")
    pd.testing.assert_frame_equal(logs.triggers, as_text.triggers, check_exact=True)
    assert list(as_text.rejected["reason"]) == ["timestamp is missing"]


_STAMP_PIECES = st.sampled_from(
    [
        "2024-01-30",
        "2024-02-30",
        "1850-01-30",
        "9999-12-31",
        "2024-01-30T20:46:00",
        "2024-01-30 20:46:00",
        "2024-01-30t20:46:00",
        "2024-01-30T24:00:00",
        "2024-01-30T20:46:60",
        "2024-01-30T20:46:00+02:00",
        "2024-01-30t20:46:00+02:00",
        "2024-01-30 20:46:00-05:30",
        "2024-01-30T20:46:00+23:59",
        "2024-01-30T20:46:00+24:00",
        "2024-02-30T20:46:00+01:00",
        "1677-09-21T00:12:44+01:00",
        "2262-04-11T23:47:16-01:00",
        "1850-01-30T20:46:00-03:00",
        "2024-01-30T20:46:00-00:00",
        "2024-01-30T20:46:00+16:30",
        "2024-01-30T20:46:00+02:61",
        "2024-01-30T20:46:00+0200x",
        "2024-01-30T20:46:00Z",
        "2024-01-30T20:46:00+٠٢:00",
        "2024-1-30T20:46:00+02:00",
        "2024-01-30T20:46",
        "2024-01-30T20:46:00.5",
        "2024-０1-30",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_STAMP_PIECES, min_size=1, max_size=12))
def test_timestamps_read_at_once_equal_the_careful_reading(values):
    """pyarrow's parser on a whole column of usual shapes (``_cast_iso``) gives exactly the
    times, offsets and date-only flags of the byte reader and the per-length parsers."""
    from trustdata.io import _parse

    text = pd.Series(values, dtype="str")
    missing = _parse._blank_text(text, missing=True)
    stripped = _parse._strip_text(text)
    fast = _parse._timestamp_parts(stripped, missing)
    original = _parse._cast_iso
    try:
        _parse._cast_iso = lambda *args: False
        careful = _parse._timestamp_parts(stripped, missing)
    finally:
        _parse._cast_iso = original
    np.testing.assert_array_equal(fast[0], careful[0])
    np.testing.assert_array_equal(fast[1], careful[1])
    np.testing.assert_array_equal(fast[2], careful[2])


def test_usual_timestamps_are_read_at_once():
    from trustdata.io import _parse

    values = ["2024-01-30", "2024-01-30T20:46:00", "2024-01-30T20:46:00-08:00"]
    text = pd.Series(values, dtype="str")
    n = len(values)
    ts = np.full(n, np.datetime64("NaT", "ns"))
    offset, date_only, todo = np.full(n, np.nan), np.zeros(n, bool), np.ones(n, bool)
    assert _parse._cast_iso(_parse._arrow_text(text), todo, ts, offset, date_only)
    assert not todo.any()
    assert ts[2] == np.datetime64("2024-01-30T20:46:00")
    assert offset[2] == -480 and np.isnan(offset[:2]).all()
    assert date_only.tolist() == [True, False, False]
    bad = pd.Series([*values, "2024-02-30"], dtype="str")
    todo = np.ones(n + 1, bool)
    ts = np.full(n + 1, np.datetime64("NaT", "ns"))
    args = (np.full(n + 1, np.nan), np.zeros(n + 1, bool))
    assert not _parse._cast_iso(_parse._arrow_text(bad), todo, ts, *args)
    assert todo.all() and np.isnat(ts).all()  # nothing written


def test_timestamps_read_at_once_across_chunks_and_slices():
    import pyarrow as pa
    from pandas.core.arrays.string_arrow import ArrowStringArray

    from trustdata.io import _parse

    pieces = ["2024-01-30", "2024-01-30T20:46:00", "2024-01-30T20:46:00-08:00"] * 5
    whole = pa.array(["x", *pieces, "y"], type=pa.large_string())
    chunks = [whole.slice(1, 7), whole.slice(8, 8)]  # slices: offsets not at 0
    text = pd.Series(
        ArrowStringArray(pa.chunked_array(chunks), dtype=pd.StringDtype("pyarrow", np.nan))
    )
    missing = np.zeros(len(text), dtype=bool)
    fast = _parse._timestamp_parts(text, missing)
    expected = pd.to_datetime([p[:19] for p in pieces], format="ISO8601").to_numpy()
    np.testing.assert_array_equal(fast[0], expected)
    assert fast[1][2] == -480 and np.isnan(fast[1][0]) and np.isnan(fast[1][1])
    assert fast[2].tolist() == [len(p) == 10 for p in pieces]


@SETTINGS
@given(
    codes=st.lists(st.integers(0, 127), max_size=40),
    dtype=st.sampled_from(["int8", "int16", "int32"]),
    ordered=st.booleans(),
)
def test_first_seen_codes_are_pandas_unique(codes, dtype, ordered):
    """The running-maximum order of first appearance is ``pd.unique``'s (int8 codes near 127
    included, where the running maximum + 1 wraps and the hash table decides)."""
    values = np.array(sorted(codes) if ordered else codes, dtype=dtype)
    got = validate_mod._first_seen(values)
    want = pd.unique(values)
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


def test_facts_about_arrays_are_forgotten_after_each_table(tmp_path):
    """What ``_columns._known`` remembers during a table holds that table's arrays: it is
    emptied when the table is done, also when the file is refused."""
    from trustdata.io import _columns

    frame = pd.DataFrame(
        {
            "couple_id": ["c1", "c1"],
            "partner": ["A", "A"],
            "date": pd.to_datetime(["2025-03-03", "2025-03-10"]),
            "connection": pd.array([6, 12], dtype="Int64"),
        }
    )
    frame.to_parquet(tmp_path / "checkins.parquet")
    logs = io.load(tmp_path, today="2026-12-01")
    assert logs.rejected["reason"].tolist() == ["connection is 12, expected a whole number 1-10"]
    assert logs.rejected["line"].tolist() == [2]
    assert not _columns._FACTS
    io.from_frames(checkins=frame)
    assert not _columns._FACTS
    with pytest.raises(Exception, match="required column"):
        io.from_frames(checkins=frame.drop(columns="partner"))
    assert not _columns._FACTS


def test_the_arrow_buffers_make_the_frame_pandas_makes():
    """``_files._table_to_frame`` builds ``Int64`` and categorical columns from the Arrow
    buffers: the same frame as pandas' own conversion, with missing values, sliced chunks,
    chunks with dictionaries of their own and an ordered dictionary."""
    import pyarrow as pa
    from pandas.io._util import arrow_table_to_pandas

    frame = pd.DataFrame(
        {
            "couple_id": pd.Categorical(["c1", "c2", None, "c1", "c3", "c2"]),
            "kind": pd.Categorical(["a", "b", "a", None, "b", "a"], ordered=True),
            "connection": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
            "used_plan": pd.array([True, None, False, True, True, False], dtype="boolean"),
            "note": pd.Series(["x", None, "y", "", "z", "w"], dtype="str"),
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pieces = [table.slice(1, 2), table.slice(0, 1), table.slice(3, 3)]
    chunked = pa.concat_tables(pieces)  # three chunks, each dictionary its own
    unified = chunked.unify_dictionaries()  # three chunks, one dictionary (equal copies)
    # chunks whose dictionaries differ (other values, other orders): unified when read
    own = pa.concat_tables(
        [
            pa.Table.from_pandas(
                frame.iloc[rows]
                .reset_index(drop=True)
                .assign(
                    couple_id=lambda f: f["couple_id"].cat.remove_unused_categories(),
                    kind=lambda f: f["kind"].cat.remove_unused_categories(),
                ),
                preserve_index=False,
            )
            for rows in ([4, 1], [0], [3, 2, 5])
        ]
    )
    ids = own.column("couple_id")
    assert not ids.chunk(0).dictionary.equals(ids.chunk(1).dictionary)
    for t in (table, chunked, chunked.slice(1, 4), table.slice(0, 0), unified, own):
        got = files_mod._table_to_frame(t, arrow_table_to_pandas)
        want = arrow_table_to_pandas(t)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        for col in ("couple_id", "kind"):
            assert got[col].dtype == want[col].dtype
            assert got[col].cat.codes.dtype == want[col].cat.codes.dtype


@SETTINGS
@given(
    codes=st.lists(st.integers(0, 6), max_size=40),
    piece=st.integers(1, 5),
    ordered=st.booleans(),
)
def test_first_seen_in_pieces_is_pandas_unique(codes, piece, ordered):
    """The order of first appearance worked out in pieces of rows is ``pd.unique``'s, whatever
    the pieces' size (codes that come back in a later piece included)."""
    values = np.array(sorted(codes) if ordered else codes, dtype="int16")
    saved = validate_mod._PIECE
    validate_mod._PIECE = piece
    try:
        got = validate_mod._first_seen(values)
    finally:
        validate_mod._PIECE = saved
    assert got.tolist() == pd.unique(values).tolist()


@SETTINGS
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-1, 2),
            st.integers(0, 1),
            st.sampled_from(["2025-03-03", "2025-03-04", "2025-03-05", None]),
        ),
        max_size=30,
    ),
    piece=st.integers(1, 5),
    ordered=st.booleans(),
)
def test_sorted_keys_told_in_pieces_find_the_same_duplicates(rows, piece, ordered):
    """With the ids' codes known (as a Parquet file gives them), the "keys strictly increase"
    test runs in pieces of rows; it finds the duplicates pandas finds, sorted or not."""
    rows = sorted(rows, key=lambda r: (r[0] % 4, r[1], r[2] or "9")) if ordered else rows
    keys = ["couple_id", "partner", "date"]
    couple = np.array([r[0] for r in rows], dtype="int32")
    partner = np.array([r[1] for r in rows], dtype="int8")
    frame = pd.DataFrame(
        {
            "couple_id": pd.Series(couple).where(couple >= 0),
            "partner": partner,
            "date": pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object)),
        }
    )
    frame["date"] = frame["date"].astype("datetime64[ns]")
    clean = np.ones(len(rows), dtype=bool)
    known = {"couple_id": (couple, 4), "partner": (partner, 3)}
    saved = validate_mod._PIECE
    validate_mod._PIECE = piece
    try:
        got = validate_mod._duplicated(frame, keys, clean, known)
    finally:
        validate_mod._PIECE = saved
        from trustdata.io._columns import _forget_facts

        _forget_facts()
    np.testing.assert_array_equal(got, _pandas_duplicated(frame, keys, clean))


def test_masked_scores_keep_their_bounds_or_are_rejected_row_by_row():
    """A missing score's slot holds 0 under the mask, so the whole data's least value does not
    prove the bound 1-10; the present values decide (in pieces), and a present 0 or 11 is still
    rejected with its reason."""
    frame = pd.DataFrame(
        {
            "couple_id": ["c1"] * 4,
            "partner": ["A"] * 4,
            "date": pd.to_datetime(["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]),
            "connection": pd.array([5, 6, 7, 8], dtype="Int64"),
            # 0 under the mask, as a Parquet file's missing values read
            "trust": pd.arrays.IntegerArray(
                np.array([5, 0, 7, 0]), np.array([False, True, False, True])
            ),
            "honesty": pd.array([None, 0, 11, 4], dtype="Int64"),
        }
    )
    logs = io.from_frames(checkins=frame)
    assert logs.rejected["reason"].tolist() == [
        "honesty is 0, expected a whole number 1-10",
        "honesty is 11, expected a whole number 1-10",
    ]
    assert logs.checkins["trust"].tolist()[0] == 5


@SETTINGS
@given(
    texts=st.lists(st.text(alphabet="ab\u00e9 ", min_size=0, max_size=3), min_size=1, max_size=5),
    picks=st.lists(st.integers(-1, 5), max_size=30),
    arrow=st.booleans(),
)
def test_text_from_codes_of_one_width_is_pyarrows_take(texts, picks, arrow):
    """Texts of one byte length are spread to the rows as fixed-width records
    (``_parse._take_same_width``): the same ``str`` values as pyarrow's take, missing where the
    code is -1; texts of several lengths, and codes that pick the missing entry, go through
    pyarrow's take."""
    import pyarrow as pa

    codes = np.array([p % (len(texts) + 1) - (p < 0) for p in picks], dtype="int32")
    codes[codes == len(texts)] = -1
    given_texts = pd.Index(texts, dtype="str") if arrow else list(texts)
    got = parse_mod._text_from_codes(codes, given_texts, pd.RangeIndex(len(codes)))
    want = [None if c < 0 else texts[c] for c in codes]
    assert [None if v is None or v != v else v for v in got.tolist()] == want
    assert got.dtype == pd.StringDtype("pyarrow", np.nan)
    got.array._pa_array.validate(full=True)
    lookup = pa.array([*texts, None], type=pa.large_string())
    fast = parse_mod._take_same_width(lookup, codes)
    widths = {len(t.encode()) for t in texts}
    if len(codes) and codes.min() >= 0 and widths != {0} and len(widths) == 1:
        assert fast is not None
        fast.validate(full=True)
        assert fast.equals(lookup.take(pa.array(codes)))
    else:
        assert fast is None


def test_text_from_codes_of_one_width_reads_a_sliced_lookup():
    """A lookup that is a slice of a larger array (its buffers shared, an offset) gives the
    slice's texts."""
    import pyarrow as pa

    whole = pa.array(["xx", "c1", "c2", "c3", None], type=pa.large_string())
    lookup = whole.slice(1)
    codes = np.array([2, 0, 1, 1], dtype="int16")
    fast = parse_mod._take_same_width(lookup, codes)
    assert fast.to_pylist() == ["c3", "c1", "c2", "c2"]
    assert parse_mod._take_same_width(lookup, np.array([3], dtype="int8")) is None  # missing


@SETTINGS
@given(
    steps=st.lists(st.integers(-3, 1), max_size=40),
    jump=st.integers(0, 40),
    piece=st.integers(1, 5),
    dtype=st.sampled_from(["int8", "int16", "int32"]),
)
def test_first_seen_of_walks_by_at_most_one_is_pandas_unique(steps, jump, piece, dtype):
    """Codes that never rise by more than one from one row to the next (sorted ids, a
    partner's A and B, falling back to earlier codes) skip the running maximum; with one
    jump of two somewhere (which sends that piece to it, or to ``pd.unique``), the order of
    first appearance is still ``pd.unique``'s."""
    walk = [0]
    for step in steps:
        walk.append(min(max(walk[-1] + step, 0), 120))
    if jump < len(walk):
        walk[jump] = min(walk[jump - 1] + 2, 127) if jump else 0
    values = np.array(walk, dtype=dtype)
    saved = validate_mod._PIECE
    validate_mod._PIECE = piece
    try:
        got = validate_mod._first_seen(values)
    finally:
        validate_mod._PIECE = saved
    want = pd.unique(values)
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


def test_int64_columns_remember_their_bounds_while_copied():
    """``_files._int64_array`` takes the least and greatest of every slot (masked ones too,
    as ``np.min`` of the array sees them) chunk by chunk as it copies them, and remembers
    them for the table: the bounds checks after it find them, equal to the array's own."""
    import pyarrow as pa

    from trustdata.io import _columns

    chunks = [
        pa.array([3, None, -7], type=pa.int64()),
        pa.array([12, 5, None, 40], type=pa.int64()).slice(1),
        pa.nulls(2, type=pa.int64()),
        pa.array([], type=pa.int64()),
    ]
    _columns._forget_facts()
    try:
        got = files_mod._int64_array(pa.chunked_array(chunks))
        data = got._data
        assert [None if v is pd.NA else v for v in got.tolist()] == [
            3,
            None,
            -7,
            5,
            None,
            40,
            None,
            None,
        ]
        facts = _columns._FACTS[
            (data.__array_interface__["data"][0], data.shape, data.strides, data.dtype.str)
        ][1]
        assert facts == {"min": np.min(data), "max": np.max(data)}
        assert _columns._least(data) == np.min(data) and _columns._greatest(data) == 40
    finally:
        _columns._forget_facts()

"""Issue 13 points on trustdata.io (load and write) found by the adversarial review."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from trustdata.errors import TrustDataError
from trustdata.io import from_frames, load, write
from trustdata.logs import Logs

HEADER = "couple_id,partner,date,connection"


def _folder(tmp_path: Path, text: str, name: str = "checkins.csv") -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _one(**values) -> Logs:
    row = {"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 5, **values}
    return from_frames(checkins=pd.DataFrame({k: [v] for k, v in row.items()}))


@pytest.mark.parametrize("pid", ["=x", "+1", "-A", "@me", "'=y"])
def test_formula_looking_ids_come_back_as_they_were(tmp_path, pid):
    """Point 13: ids beginning with = + - @ came back with a leading ' after write and load."""
    logs = _one(couple_id=pid, partner=pid)
    for fmt in ("csv", "json"):
        back = load(write(logs, tmp_path / fmt, format=fmt))
        assert back.checkins[["couple_id", "partner"]].values.tolist() == [[pid, pid]]


def test_formula_looking_column_names_are_not_live_header_cells(tmp_path):
    """Point 8: a column named =cmd was written as a live header cell."""
    logs = from_frames(checkins=pd.DataFrame({"couple_id": ["c1"], "partner": ["A"],
                       "date": ["2025-03-03"], "connection": [5], "=HYPERLINK(1)": ["x"],
                       "@SUM": ["y"]}))  # fmt: skip
    folder = write(logs, tmp_path / "out")
    header = (folder / "checkins.csv").read_text(encoding="utf-8").splitlines()[0]
    cells = header.split(",")
    assert "'=HYPERLINK(1)" in cells and "'@SUM" in cells
    assert not any(c.startswith(("=", "@", "+", "-")) for c in cells)
    back = load(folder)
    assert "=HYPERLINK(1)" in back.checkins.columns and "@SUM" in back.checkins.columns


def test_a_write_is_atomic_and_an_interruption_keeps_the_old_file(tmp_path, monkeypatch):
    """Point 11: an interrupted write truncated checkins.csv (0 of 81,000 check-ins)."""
    logs = from_frames(checkins=pd.DataFrame({"couple_id": ["c1"] * 3, "partner": ["A"] * 3,
                       "date": ["2025-03-03", "2025-03-10", "2025-03-17"],
                       "connection": [5, 6, 7]}))  # fmt: skip
    folder = write(logs, tmp_path / "out")
    before = (folder / "checkins.csv").read_bytes()

    def interrupted(self, *args, **kwargs):
        Path(args[0]).write_text("couple_id,par")  # half a file, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(logs, folder)
    assert (folder / "checkins.csv").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["checkins.csv"]  # no temporary file


def test_a_stale_file_of_another_format_is_removed_only_after_the_new_one_is_written(
    tmp_path, monkeypatch
):
    logs = _one()
    folder = write(logs, tmp_path / "out", format="json")
    monkeypatch.setattr(
        pd.DataFrame,
        "to_csv",
        lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")),
    )
    with pytest.raises(TrustDataError, match="No space left"):
        write(logs, folder, format="csv")
    assert (folder / "checkins.json").exists()  # the old log is still there
    assert load(folder).checkins["connection"].tolist() == [5]


def test_new_files_get_the_usual_permissions(tmp_path):
    logs = Logs()
    folder = write(logs, tmp_path / "out")
    mask = os.umask(0)
    os.umask(mask)
    assert (folder / "checkins.csv").stat().st_mode & 0o777 == 0o666 & ~mask


def test_json_numbers_are_read_as_their_text(tmp_path):
    """Point 16: 6.9999999999999999 was parsed as a float first and stored as 7."""
    recs = '[{"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": ' \
           '6.9999999999999999}, {"couple_id": "c1", "partner": "A", "date": "2025-03-10", ' \
           '"connection": 7.0}]'  # fmt: skip
    logs = load(_folder(tmp_path, recs, "checkins.json"))
    assert logs.checkins["connection"].tolist() == [7]
    assert logs.rejected["line"].tolist() == [1]
    assert "6.9999999999999999" in logs.rejected["reason"].iloc[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[{"couple_id": "c1", "partner": "A", "date": "2025-03-03", "connection": 9' + "9" * 5000
         + "}]", "connection is '999"),
        ('[{"couple_id": "c1", "partner": "\\ud800", "date": "2025-03-03", "connection": 6}]',
         "unpaired surrogate"),
    ],
)  # fmt: skip
def test_hostile_json_values_reject_their_record_not_the_loader(tmp_path, text, problem):
    """Point 18: a JSON integer of over 4,300 digits, a lone surrogate: stray exceptions."""
    logs = load(_folder(tmp_path, text, "checkins.json"))
    assert len(logs.rejected) == 1 and problem in logs.rejected["reason"].iloc[0]
    assert logs.summary["records"].tolist() == [1]


def test_a_column_named_like_the_loaders_bookkeeping_is_kept(tmp_path):
    """Point 18: a CSV whose first column is _line raised AttributeError."""
    logs = load(_folder(tmp_path, f"_line,{HEADER},_problem\n9,c1,A,2025-03-03,6,oops\n"))
    assert len(logs.checkins) == 1 and logs.rejected.empty
    assert "_line (column 1 of the file)" in logs.checkins.columns


def test_a_huge_header_or_too_many_columns_is_refused_with_a_sentence(tmp_path):
    """Point 18/20: a header cell over 128 KiB (_csv.Error); 200,000 columns took 378 s."""
    with pytest.raises(TrustDataError, match=r"header line is .* KB long"):
        load(_folder(tmp_path, f"{HEADER},{'h' * 300_000}\nc1,A,2025-03-03,6,x\n"))
    wide = ",".join(f"x{i}" for i in range(1_500))
    with pytest.raises(TrustDataError, match="has 1,504 columns; a log table has at most 1,000"):
        load(_folder(tmp_path, f"{HEADER},{wide}\nc1,A,2025-03-03,6{',' * 1500}\n"))


def test_dates_across_a_daylight_saving_switch_are_read(tmp_path):
    """Point 17: +01:00 next to +02:00 (or Z next to none) refused the whole file."""
    text = (f"{HEADER}\nc1,A,2025-03-29T00:00:00+01:00,5\nc1,A,2025-03-31T00:00:00+02:00,6\n"
            "c1,A,2025-04-07T00:00:00Z,7\nc1,A,2025-04-14T00:00:00,8\n")  # fmt: skip
    logs = load(_folder(tmp_path, text))
    assert logs.rejected.empty
    assert logs.checkins["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-03-29", "2025-03-31", "2025-04-07", "2025-04-14"]  # fmt: skip


@pytest.mark.parametrize("day", ["1725-03-10", "1677-12-31", "1899-12-31", "2151-01-01",
                                 "2262-01-01"])  # fmt: skip
def test_a_typo_year_is_rejected_at_load_with_the_reason(tmp_path, day):
    """Points 19 and 24: 1725 validated then broke report; 1677 and 2262 were accepted."""
    logs = load(_folder(tmp_path, f"{HEADER}\nc1,A,2025-03-03,5\nc1,A,{day},6\n"))
    assert len(logs.checkins) == 1
    assert "expected a year from 1900 to 2150" in logs.rejected["reason"].iloc[0]


def test_a_link_out_of_the_log_folder_is_refused_without_showing_the_file(tmp_path):
    """Point 24: a symlinked checkins.csv pointing outside was followed silently, and a link to
    a system file printed its first line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "checkins.csv").symlink_to("/etc/passwd")
    with pytest.raises(TrustDataError, match="link to a file outside the folder") as info:
        load(folder)
    assert "root:x:0" not in str(info.value)


@pytest.mark.parametrize("path", ["/dev/null", "LONG"])
def test_a_device_or_an_over_long_path_is_one_sentence(tmp_path, path):
    """Point 18: /dev/null and an over-long path raised OSError."""
    if path == "LONG":
        path = str(tmp_path / ("x" * 300) / "checkins.csv")
    with pytest.raises(TrustDataError, match=r"not a regular file or a folder|cannot be used"):
        load(path)


def test_a_c1_control_on_one_line_does_not_reread_the_whole_file(tmp_path):
    """Point 15: one U+0085 made the whole UTF-8 file re-read as cp1252 (Zoë -> ZoÃ«)."""
    text = f"{HEADER},note\nc1,Zoë,2025-03-03,5,café\nc1,B,2025-03-03,6,a\u0085b\n"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "checkins.csv").write_bytes(text.encode("utf-8"))
    logs = load(folder)
    assert "Zoë" in logs.checkins["partner"].tolist()
    notes = dict(zip(logs.checkins["partner"], logs.checkins["note"], strict=True))
    assert notes["Zoë"] == "café"  # the UTF-8 line stays UTF-8
    assert notes["B"] == "aÂ…b"  # the line with the C1 control alone is read as cp1252
    assert "1 line(s) read as Windows-1252" in logs.summary["notes"].iloc[0]


def test_excels_sep_line_names_the_delimiter(tmp_path):
    """Point 21: Excel's ``sep=;`` first line was reported only as missing columns."""
    logs = load(_folder(tmp_path, "sep=;\ncouple_id;partner;date;connection\nc1;A;2025-03-03;6\n"))
    assert len(logs.checkins) == 1 and logs.rejected.empty
    assert logs.rejected.empty and "sep=;" in logs.summary["notes"].iloc[0]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(tmp_path, encoding):
    """Point 21: UTF-16 without BOM was called "binary data"."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "checkins.csv").write_bytes(f"{HEADER}\nc1,Zoë,2025-03-03,6\n".encode(encoding))
    logs = load(folder)
    assert logs.checkins["partner"].tolist() == ["Zoë"]


def test_json_nested_deeply_says_so(tmp_path):
    """Point 21: valid JSON nested 990 deep was called "not valid JSON"."""
    with pytest.raises(TrustDataError, match="nested too deeply"):
        load(_folder(tmp_path, "[" * 990 + "]" * 990, "checkins.json"))


def test_a_line_over_a_megabyte_is_refused_before_it_is_parsed(tmp_path):
    """Point 20: one 1 GB field took 11.4 GB of memory."""
    with pytest.raises(
        TrustDataError, match=r"line 3 is 2\.0 MiB long; a record of a log is at most"
    ):
        load(_folder(tmp_path, f"{HEADER},note\nc1,A,2025-03-03,5,x\nc1,A,2025-03-10,5,"
                               + "y" * (2 * 2**20) + "\n"))  # fmt: skip


def test_parquet_bytes_index_and_reserved_columns_are_read_as_data(tmp_path):
    """Point 14: BINARY strings loaded as "b'c1'"; _line/_problem columns and an index vanished,
    and a _problem column rejected rows with its own text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    table = pa.table({
        "couple_id": pa.array([b"c1", b"c1"], type=pa.binary()),
        "partner": pa.array([b"A", b"B"], type=pa.binary()),
        "date": ["2025-03-03", "2025-03-03"], "connection": [6, 7],
        "_problem": ["my own note", None], "_line": [70, 80]})  # fmt: skip
    pq.write_table(table, folder / "checkins.parquet")
    logs = load(folder)
    assert logs.rejected.empty
    assert logs.checkins["couple_id"].tolist() == ["c1", "c1"]
    assert sorted(logs.checkins["partner"]) == ["A", "B"]
    assert "_problem (column 5 of the file)" in logs.checkins.columns
    assert "_line (column 6 of the file)" in logs.checkins.columns
    indexed = pd.DataFrame({"couple_id": ["c1"], "date": ["2025-03-03"], "connection": [5],
                            "partner": ["A"]}).set_index("partner")  # fmt: skip
    indexed.to_parquet(folder / "checkins.parquet")
    back = load(folder)
    assert back.checkins["partner"].tolist() == ["A"]


def test_look_alike_ids_are_normalised_or_noted(tmp_path):
    """Point 22: NFC vs NFD, zero-width characters, homoglyphs and case made separate couples or
    partners silently."""
    text = (f"{HEADER}\ncaf\u00e9,A,2025-03-03,5\ncafe\u0301,A,2025-03-10,6\n"
            "c\u200b1,A,2025-03-03,5\nc1,A,2025-03-10,6\nc2,\u0410,2025-03-03,5\n"
            "c2,A,2025-03-10,6\nC3,B,2025-03-03,5\nc3,B,2025-03-10,6\n")  # fmt: skip
    logs = load(_folder(tmp_path, text))
    assert logs.rejected.empty
    assert sorted(logs.couple_ids) == ["C3", "c1", "c2", "c3", "caf\u00e9"]
    notes = logs.summary["notes"].iloc[0]
    assert "couple_id spelling(s) normalised" in notes
    assert "differ only in case" in notes and "'C3'" in notes
    assert "look alike" in notes and "'\u0410' looks like 'A'" in notes


def test_millions_of_blank_lines_are_refused_with_a_sentence(tmp_path, monkeypatch):
    """Point 20: one record and 1 GB of blank ,,, lines took 20.8 GB."""
    import trustdata.io._csv as csv_module

    monkeypatch.setattr(csv_module, "MAX_BLANK_LINES", 1_000)
    monkeypatch.setattr(csv_module, "MAX_LINE_BYTES", 1_000)
    with pytest.raises(TrustDataError, match="holds 5,000 blank lines"):
        load(_folder(tmp_path, f"{HEADER}\nc1,A,2025-03-03,5\n" + ",,,\n" * 5_000))
    logs = load(_folder(tmp_path, f"{HEADER}\nc1,A,2025-03-03,5\n" + ",,,\n" * 900))
    assert len(logs.checkins) == 1


def test_csv_whole_numbers_are_read_as_text_not_floats(tmp_path):
    """Point 16 (CSV): 6.9999999999999999 was parsed as a float first and stored as 7."""
    logs = load(_folder(tmp_path, f"{HEADER},trust\nc1,A,2025-03-03,6.9999999999999999,7.0\n"
                                  "c1,A,2025-03-10,1e1,+7\n"))  # fmt: skip
    assert logs.checkins["connection"].tolist() == [10]
    assert logs.checkins["trust"].tolist() == [7]
    assert "connection is '6.9999999999999999'" in logs.rejected["reason"].iloc[0]


def test_a_long_value_is_shortened_in_its_reason_and_kept_whole_in_the_record(tmp_path) -> None:
    """Issue 13 point 20: a megabyte value must not be copied into its reason (memory per copy);
    the rejected record still holds it exactly, so nothing is silently changed."""
    import trustdata

    value = "9" * 500
    (tmp_path / "checkins.csv").write_text(
        f"couple_id,partner,date,connection\nc1,A,2025-03-03,{value}\nc1,A,2025-03-10,5\n"
    )
    rejected = trustdata.load(tmp_path).rejected
    assert len(rejected) == 1
    row = rejected.iloc[0]
    assert row["line"] == 2
    assert row["connection"] == value
    assert row["reason"] == (
        f"connection is '{'9' * 60}...' (500 characters), expected a whole number 1-10"
    )

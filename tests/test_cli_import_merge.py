"""Importing again into a log folder keeps what was added by hand, in the folder's format.

reader8 F1: a re-import of the same (or a newer) Daylio, Bearable or Google Forms export
replaced the person's records and threw away the values added to the log by hand in columns the
export does not fill (trust, need, used_plan, minutes), without a word.  Now every value the log
holds where the export's cell is empty is kept, a value the export gives differently is
replaced, and the command names both (column, file, days).

reader8 F5: importing the other partner into a folder of JSON (or Parquet) logs wrote CSV files
and deleted ``checkins.json`` / ``triggers.json`` while saying the records were "kept as they
were".  The folder keeps its format, and the command names the files it replaced.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import trustdata
from trustdata.cli import main
from trustdata.io import write

FIX = Path(__file__).parent / "fixtures" / "importers"
GF = FIX / "google_forms"
EXPORTS = {
    "daylio": (FIX / "daylio" / "daylio_export.csv", ["--partner", "A"]),
    "bearable": (FIX / "bearable" / "bearable_export.csv", ["--partner", "B"]),
    # both partners in one form; its trigger questions mapped (the fixture's mapping)
    "google-forms": (
        GF / "Weekly check-in (Responses) - Form Responses 1.csv",
        ["--mapping", str(GF / "triggers_mapping.toml")],
    ),
}


def _import(kind: str, out: Path, export: Path | None = None) -> int:
    path, extra = EXPORTS[kind]
    return main(["import", kind, str(export or path), str(out), "--couple", "c1", *extra])


def _edit(path: Path, row: int, **values: str) -> None:
    """Change cells of a CSV log as a spreadsheet would (text in, text out)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col, value in values.items():
        if col not in frame.columns:
            frame[col] = ""
        frame.loc[row, col] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_values_added_by_hand_survive_a_second_import(kind, tmp_path, capsys):
    out = tmp_path / "both"
    assert _import(kind, out) in (0, 1)
    first = trustdata.load(out)
    exported = pd.read_csv(out / "checkins.csv", dtype=str, keep_default_na=False).iloc[0]
    _edit(out / "checkins.csv", 0, trust="5", honesty="4", need="a hug", mine="kept too")
    _edit(out / "triggers.csv", 0, used_plan="true", minutes="20")
    capsys.readouterr()
    assert _import(kind, out) in (0, 1)
    said = capsys.readouterr().out
    logs = trustdata.load(out)
    assert len(logs.rejected) == 0
    ci = logs.checkins.sort_values(["partner", "date"]).reset_index(drop=True)
    was = first.checkins.sort_values(["partner", "date"]).reset_index(drop=True)
    # CSV row 0 is the first check-in as written: find it by its date and partner
    head = pd.read_csv(out / "checkins.csv", dtype=str, keep_default_na=False).iloc[0]
    row = ci.loc[(ci["partner"] == head["partner"]) & (ci["date"] == head["date"])].iloc[0]
    assert (row["trust"], row["honesty"], row["mine"]) == (5, 4, "kept too")
    # Google Forms asks for the need: the export's answer is written, and the command says so
    need = exported["need"] or "a hug"
    assert row["need"] == need
    assert ci["connection"].tolist() == was["connection"].tolist()  # the export's, unchanged
    assert len(ci) == len(was) and len(logs.triggers) == len(first.triggers)
    tr = logs.triggers
    assert tr["used_plan"].fillna(False).astype(bool).sum() == 1
    assert tr["minutes"].dropna().tolist() == [20]
    assert "Kept the values of the log that the export does not have:" in said
    kept, replaced = said.split("Kept the values", 1)[1], ""
    if "Replaced the log's values" in kept:
        kept, replaced = kept.split("Replaced the log's values")
    for col, table in [("trust", "checkins"), ("honesty", "checkins"), ("mine", "checkins"),
                       ("used_plan", "triggers"), ("minutes", "triggers")]:  # fmt: skip
        assert f"  - {col} ({table}.csv: 1 " in kept
    assert ("  - need (checkins.csv: 1 " in (replaced if exported["need"] else kept)) is True
    assert bool(replaced) == bool(exported["need"])


def test_a_value_the_export_gives_differently_is_replaced_and_named(tmp_path, capsys):
    out = tmp_path / "both"
    assert _import("daylio", out) == 1  # the fixture's own rejected line
    head = pd.read_csv(out / "checkins.csv", dtype=str).iloc[0]
    _edit(out / "checkins.csv", 0, connection="1", trust="5")
    capsys.readouterr()
    assert _import("daylio", out) == 1
    said = capsys.readouterr().out
    day = pd.Timestamp(head["date"])
    assert "Replaced the log's values that the export gives differently:" in said
    assert f"  - connection (checkins.csv: 1 check-in, {day.day} {day:%B %Y})" in said
    assert f"  - trust (checkins.csv: 1 check-in, {day.day} {day:%B %Y})" in said
    ci = trustdata.load(out).checkins.set_index("date")
    assert ci.loc[day, "connection"] == int(head["connection"]) and ci.loc[day, "trust"] == 5


def test_a_trigger_whose_category_was_changed_by_hand_is_still_the_same_trigger(tmp_path, capsys):
    out = tmp_path / "both"
    assert _import("daylio", out) == 1
    frame = pd.read_csv(out / "triggers.csv", dtype=str, keep_default_na=False)
    _edit(out / "triggers.csv", 0, category="other", minutes="15")
    capsys.readouterr()
    assert _import("daylio", out) == 1  # not refused as a trigger the export lacks
    said = capsys.readouterr().out
    tr = trustdata.load(out).triggers
    assert len(tr) == len(frame) and tr["minutes"].dropna().tolist() == [15]
    assert "  - category (triggers.csv: 1 trigger" in said  # the export's category is back


def test_a_record_the_export_lacks_is_still_refused(tmp_path, capsys):
    out = tmp_path / "both"
    assert _import("daylio", out) == 1
    _edit(out / "checkins.csv", 0, trust="5")
    lines = (FIX / "daylio" / "daylio_export.csv").read_text("utf-8").splitlines(keepends=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # the export without its last entries: the log has check-ins it lacks
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:2]), "utf-8")
    capsys.readouterr()
    assert _import("daylio", out, export=short) == 2
    assert "that this export does not have" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _as(fmt: str, folder: Path) -> None:
    """Rewrite a folder's CSV logs as JSON (as the reader did, with pandas) or Parquet."""
    if fmt == "parquet":
        staged = write(trustdata.load(folder), folder.parent / "staged", format="parquet")
    for name in ("checkins", "triggers"):
        csv = folder / f"{name}.csv"
        if fmt == "json":
            pd.read_csv(csv).to_json(folder / f"{name}.json", orient="records")
        else:
            (staged / f"{name}.parquet").replace(folder / f"{name}.parquet")
        csv.unlink()


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_the_other_partner_joins_a_folder_in_its_own_format(fmt, tmp_path, capsys):
    out = tmp_path / "pq"
    assert _import("daylio", out) == 1
    _as(fmt, out)
    before = trustdata.load(out)
    capsys.readouterr()
    assert _import("bearable", out) == 1
    said = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [f"checkins.{fmt}", f"triggers.{fmt}"]
    assert f"Replaced checkins.{fmt} and triggers.{fmt} in {out}." in said
    assert f"Kept the records of couple c1 partner A in {out} as they were." in said
    logs = trustdata.load(out)
    assert len(logs.rejected) == 0 and set(logs.checkins["partner"]) == {"A", "B"}
    a = logs.checkins.loc[logs.checkins["partner"] == "A"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        a[before.checkins.columns], before.checkins, check_dtype=False, check_categorical=False
    )


def test_a_mixed_folder_keeps_each_table_in_its_format(tmp_path, capsys):
    out = tmp_path / "mixed"
    assert _import("daylio", out) == 1
    pd.read_csv(out / "checkins.csv").to_json(out / "checkins.json", orient="records")
    (out / "checkins.csv").unlink()
    _edit(out / "triggers.csv", 0, minutes="5")
    capsys.readouterr()
    assert _import("daylio", out) == 1
    said = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["checkins.json", "triggers.csv"]
    assert "Replaced checkins.json and triggers.csv in" in said
    assert trustdata.load(out).triggers["minutes"].dropna().tolist() == [5]


def test_a_first_import_replaces_nothing(tmp_path, capsys):
    out = tmp_path / "new"
    assert _import("bearable", out) == 1
    said = capsys.readouterr().out
    assert "Replaced " not in said and "Kept the values" not in said
    assert sorted(p.name for p in out.iterdir()) == ["checkins.csv", "triggers.csv"]


def test_the_docs_example_is_what_the_command_prints(tmp_path, capsys):
    import re

    doc = (Path(__file__).parents[1] / "docs" / "importers.md").read_text("utf-8")
    block = re.search(r"```\n(  Kept the values of the log.*?)```", doc, flags=re.S).group(1)
    shown = [line[2:] for line in block.splitlines() if line.strip()]
    out = tmp_path / "both"
    assert _import("daylio", out) == 1
    _edit(out / "checkins.csv", 0, trust="5")
    _edit(out / "checkins.csv", 1, connection="4")
    _edit(out / "triggers.csv", 0, minutes="20")
    _edit(out / "triggers.csv", 1, minutes="20")
    capsys.readouterr()
    assert _import("daylio", out) == 1
    said = capsys.readouterr().out.splitlines()
    at = said.index(shown[0])
    assert said[at : at + len(shown)] == shown


def test_a_trigger_added_by_hand_is_kept_with_keep_missing(tmp_path, capsys):
    """reader8 F12: a trigger typed into the log blocked every later import, and the advice
    ("export the whole history again") could not help: no export of the app holds it."""
    out = tmp_path / "both"
    assert _import("daylio", out) == 1
    with (out / "triggers.csv").open("a", encoding="utf-8") as f:
        f.write("c1,A,2026-05-13T20:00:00,location,6,true,15,drove past\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert _import("daylio", out) == 2
    err = capsys.readouterr().err
    assert "already holds 1 trigger that this export does not have (on 13 May 2026)" in err
    assert "add --keep-missing to keep it beside the export's records" in err  # 1: "it"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    path, extra = EXPORTS["daylio"]
    args = ["import", "daylio", str(path), str(out), "--couple", "c1", *extra, "--keep-missing"]
    assert main(args) == 1
    said = capsys.readouterr().out
    assert (
        "Kept the log's records that the export does not have: triggers.csv: 1 trigger, "
        "13 May 2026." in said
    )
    tr = trustdata.load(out).triggers
    assert len(tr) == 3
    hand = tr.loc[tr["note"] == "drove past"].iloc[0]
    assert (hand["category"], hand["intensity"], hand["minutes"]) == ("location", 6, 15)
    assert bool(hand["used_plan"]) is True


CONNECTED = "How connected do you feel to me right now (1-10)?"


def _form(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A Google Forms sheet: (timestamp, address, connection, need) per response."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "Email Address", CONNECTED, "What do you need from me?"])
        w.writerows(rows)
    return path


WEEKS = [
    ("2026/05/03 8:12:45 PM", "sam@example.org", "4", "A walk"),
    ("2026/05/03 9:40:02 PM", "alex@example.org", "6", "Patience"),
    ("2026/05/10 7:55:10 PM", "sam@example.org", "5", "Time"),
    ("2026/05/10 10:15:00 PM", "alex@example.org", "7", "Honesty"),
]


def test_a_sorted_form_sheet_that_swaps_the_partners_is_refused(tmp_path, capsys):
    """reader8 F8: the same responses sorted by address (alex first) labelled alex A and sam B;
    the re-import rewrote every past answer as the other partner's, exit 0, without a word."""
    out = tmp_path / "gf"
    assert main(["import", "google-forms", str(_form(tmp_path / "a.csv", WEEKS)), str(out),
                 "--couple", "c1"]) == 0  # fmt: skip
    later = [
        *sorted(WEEKS, key=lambda r: r[1]),
        ("2026/05/17 8:00:00 PM", "alex@example.org", "8", "More"),
        ("2026/05/17 8:30:00 PM", "sam@example.org", "6", "Less"),
    ]
    capsys.readouterr()
    code = main(["import", "google-forms", str(_form(tmp_path / "b.csv", later)), str(out),
                 "--couple", "c1"])  # fmt: skip
    # labels now follow each address's first response (by Timestamp), so the sorted sheet
    # keeps sam A and alex B and is taken; the refusal stays for a labelling that still flips
    assert code == 0, capsys.readouterr().err
    ci = trustdata.load(out).checkins
    assert ci.loc[ci["partner"] == "A", "connection"].tolist() == [4, 5, 6]
    # the same sheet in its own order is taken, and a sheet pinned by [partners] too
    mapping = tmp_path / "m.toml"
    mapping.write_text('[partners]\n"sam@example.org" = "A"\n"alex@example.org" = "B"\n')
    code = main(["import", "google-forms", str(_form(tmp_path / "b.csv", later)), str(out),
                 "--couple", "c1", "--mapping", str(mapping)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    ci = trustdata.load(out).checkins
    a = ci.loc[ci["partner"] == "A", "connection"].tolist()
    assert a == [4, 5, 6]  # sam's answers stay sam's

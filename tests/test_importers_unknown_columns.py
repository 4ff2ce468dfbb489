"""Daylio and Bearable list the export's columns they do not know (reader14 I2).

A column added to the Daylio or Bearable export (a newer app version's ``scales``, a column typed
in) was dropped without a word, while Google Forms lists each question it does not import.  Now
the report's "Not mapped" lists it like Forms does: its name, how many values it holds, "not
imported"; the app's own columns read for nothing (``weekday``) are not listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustdata.importers import import_export

FIX = Path(__file__).parent / "fixtures" / "importers"
EXPORTS = {
    "daylio": FIX / "daylio" / "daylio_export.csv",
    "bearable": FIX / "bearable" / "bearable_export.csv",
}


def _with_column(tmp_path: Path, kind: str, name: str, value) -> Path:
    lines = EXPORTS[kind].read_text(encoding="utf-8").splitlines()
    out = [f"{lines[0]},{name}"] + [f"{line},{value(i)}" for i, line in enumerate(lines[1:])]
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _columns(result) -> list[str]:
    return [line for line in result.report.not_mapped if line.startswith("column ")]


@pytest.mark.parametrize("kind", ["daylio", "bearable"])
def test_an_unknown_column_is_listed_with_its_values(tmp_path, kind):
    base = import_export(kind, EXPORTS[kind], couple="c1", partner="A")
    rows = len(EXPORTS[kind].read_text(encoding="utf-8").splitlines()) - 1
    # every other row holds a value: the count is of the values, not the rows
    path = _with_column(tmp_path, kind, "scales", lambda i: f"x{i}" if i % 2 == 0 else "")
    got = import_export(kind, path, couple="c1", partner="A")
    assert _columns(got) == [f"column 'scales' ({(rows + 1) // 2} values, not imported)"]
    assert _columns(base) == []  # the app's own columns, weekday too, are not listed
    assert f"  - column 'scales' ({(rows + 1) // 2} values, not imported)" in (got.report.to_text())
    for table in ("checkins", "triggers"):  # what is imported is unchanged
        assert getattr(got.logs, table).equals(getattr(base.logs, table))


def test_an_empty_unknown_column_is_listed_too(tmp_path):
    path = _with_column(tmp_path, "bearable", "Extra", lambda i: "")
    got = import_export("bearable", path, couple="c1", partner="A")
    assert _columns(got) == ["column 'Extra' (0 values, not imported)"]


def test_a_daylio_backup_lists_no_column():
    backups = sorted((FIX / "daylio" / "backup").glob("*.daylio"))
    assert backups
    got = import_export("daylio", backups[0], couple="c1", partner="A")
    assert _columns(got) == []

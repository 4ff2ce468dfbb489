"""A file that is no log table, given to report / validate / load (fix11a, item 4).

An HTML report lying in a log folder was called "one table of the log folder"; ``validate``
gave the right reason (its extension), now both do.  An app's export (Daylio, Bearable, Google
Forms) was refused with "required column 'couple_id' is missing" and no word of
``trustdata import``, although the importers recognise it: the error names the app and the
exact command, for every layout of the importers' fixtures.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

import trustdata
from trustdata import cli
from trustdata.errors import FileProblem

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
SAMPLE = ROOT / "data" / "sample" / "couples"

#: every export of the importers' fixtures, with its app (the headerless Daylio export is
#: left out: without its header line no importer can tell it from any other CSV)


def _exports(app: str) -> list[Path]:
    """The app's export files among the fixtures (not the ``expected`` log folders)."""
    found = sorted((FIXTURES / app).rglob("*.csv"))
    return [p for p in found if not p.parent.name.startswith(("expected", "no_header"))]


EXPORTS = [
    *[("daylio", p) for p in _exports("daylio")],
    ("daylio", FIXTURES / "daylio" / "backup" / "backup_2023_10_19.daylio"),
    *[("bearable", p) for p in _exports("bearable")],
    *[("google-forms", p) for p in _exports("google_forms")],
]
APPS = {"daylio": "Daylio", "bearable": "Bearable", "google-forms": "Google Forms"}
IDS = {
    "daylio": "OUT --couple COUPLE --partner PARTNER",
    "bearable": "OUT --couple COUPLE --partner PARTNER",
    "google-forms": "OUT --couple COUPLE",
}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _hint(kind: str, path: Path) -> str:
    return (
        f"It looks like a {APPS[kind]} export, which trustdata reads through its importer: "
        f"trustdata import {kind} {shlex.quote(str(path))} {IDS[kind]} (OUT the log folder to "
        "write), then use that folder."
    )


def test_every_importer_layout_is_covered():
    kinds = {kind for kind, _ in EXPORTS}
    assert kinds == set(APPS) and len(EXPORTS) >= 18


@pytest.mark.parametrize(
    ("kind", "path"), EXPORTS, ids=[str(p.relative_to(FIXTURES)) for _, p in EXPORTS]
)
def test_an_app_export_is_named_with_its_import_command(capsys, tmp_path, kind, path):
    hint = _hint(kind, path)
    with pytest.raises(FileProblem) as exc:
        trustdata.load(path)
    assert hint in str(exc.value) and str(exc.value).startswith(f"{path}: ")
    code, _, err = _run(capsys, "validate", str(path))
    assert code == 2 and hint in err and "Traceback" not in err
    report = tmp_path / "d.html"
    code, _, err = _run(capsys, "report", str(path), "--couple", "c1", "-o", str(report))
    assert code == 2 and hint in err and not report.exists()


def test_the_command_the_hint_gives_imports_the_export(capsys, tmp_path):
    # the command as printed, with OUT, COUPLE and PARTNER filled in, does import it
    path = FIXTURES / "daylio" / "daylio_export.csv"
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    command = err.split("its importer: ")[1].split(" (OUT the log folder")[0]
    argv = shlex.split(command)[1:]
    argv = [{"OUT": str(tmp_path / "logs"), "COUPLE": "c1", "PARTNER": "A"}.get(a, a) for a in argv]
    assert cli.main(argv) in (0, 1)
    assert len(trustdata.load(tmp_path / "logs").checkins) > 0


def test_an_app_export_lying_in_a_log_folder_is_no_table_of_it(capsys, tmp_path):
    folder = tmp_path / "logs"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("truth"))
    export = folder / "daylio.csv"
    shutil.copy(FIXTURES / "daylio" / "daylio_export.csv", export)
    out = str(tmp_path / "d.html")
    code, _, err = _run(capsys, "report", str(export), "--couple", "c1", "-o", out)
    assert code == 2
    assert f"{export}: is not a log table. " + _hint("daylio", export) in err
    assert "is one table of the log folder" not in err


@pytest.mark.parametrize("command", ["report", "couples", "validate"])
def test_an_html_report_in_a_log_folder_gets_the_reason_validate_gives(capsys, tmp_path, command):
    folder = tmp_path / "logs"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("truth"))
    page = folder / "out put.html"
    page.write_text("<!doctype html><title>report</title>", encoding="utf-8")
    extra = ["--couple", "couple-01", "-o", str(tmp_path / "y.html")] if command == "report" else []
    code, _, err = _run(capsys, command, str(page), *extra)
    assert code == 2
    assert (
        f"{page}: has the extension '.html'; expected .csv, .json or .parquet (save a "
        "spreadsheet as CSV UTF-8)." in err
    )
    assert "is one table of the log folder" not in err and "It looks like" not in err


def test_a_log_table_missing_a_column_gets_no_app_named(capsys, tmp_path):
    table = tmp_path / "checkins.csv"
    table.write_text("partner,date,connection\nA,2025-03-03,6\n", encoding="utf-8")
    code, _, err = _run(capsys, "validate", str(table))
    assert code == 2 and "required column 'couple_id' is missing" in err
    assert "It looks like" not in err and "trustdata import" not in err
    # a triggers table has a timestamp column, as a form does: still no form
    trig = tmp_path / "triggers.csv"
    trig.write_text("partner,timestamp,category,intensity\nA,2025-03-03 10:00,media,5\n")
    code, _, err = _run(capsys, "validate", str(trig))
    assert code == 2 and "It looks like" not in err

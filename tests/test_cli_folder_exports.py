"""A log folder holding an app's export but no check-ins table (fix12c, reader12 finding 7).

``trustdata report w/app2 ...`` on a folder holding only ``daylio_export.csv`` was answered
"no check-ins file in the folder; expected checkins.csv, ..." with no word of the export or of
``trustdata import``, although the same export given by itself is named with its command.  The
folder's error now names each recognised export in it and the exact import command, in
``report``, ``validate``, ``couples`` and ``anonymize`` alike (the one place: the loader's
folder discovery), and the command as printed imports the export.
"""

from __future__ import annotations

import secrets
import shlex
import shutil
from pathlib import Path

import pytest

import trustdata
from trustdata import cli
from trustdata.errors import FileProblem

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
DAYLIO = FIXTURES / "daylio" / "daylio_export.csv"
BEARABLE = FIXTURES / "bearable" / "bearable_export.csv"
FORMS = FIXTURES / "google_forms" / "Weekly check-in (Responses) - Form Responses 1.csv"
BACKUP = FIXTURES / "daylio" / "backup" / "backup_2023_10_19.daylio"
NO_CHECKINS = (
    "no check-ins file in the folder; expected checkins.csv, checkins.json or checkins.parquet."
)
IDS = {
    "daylio": "OUT --couple COUPLE --partner PARTNER",
    "bearable": "OUT --couple COUPLE --partner PARTNER",
    "google-forms": "OUT --couple COUPLE",
}
APPS = {"daylio": "Daylio", "bearable": "Bearable", "google-forms": "Google Forms"}


def _hint(kind: str, path: Path) -> str:
    return (
        f"The file {path.name} in it looks like a {APPS[kind]} export, which trustdata reads "
        f"through its importer: trustdata import {kind} {shlex.quote(str(path))} {IDS[kind]} "
        "(OUT the log folder to write), then use that folder."
    )


def _folder(tmp_path: Path, *exports: Path, name: str = "app") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for export in exports:
        shutil.copy(export, folder / export.name)
    return folder


def _argv(command: str, folder: Path, tmp_path: Path) -> list[str]:
    if command == "report":
        return ["report", str(folder), "--couple", "c1", "-o", str(tmp_path / "r.html")]
    if command == "anonymize":
        key = tmp_path / "research.key"
        key.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        return ["anonymize", str(folder), str(tmp_path / "anon"), "--key-file", str(key)]
    return [command, str(folder)]


@pytest.mark.parametrize(
    ("kind", "export"),
    [("daylio", DAYLIO), ("bearable", BEARABLE), ("google-forms", FORMS), ("daylio", BACKUP)],
    ids=["daylio", "bearable", "google-forms", "daylio-backup"],
)
@pytest.mark.parametrize("command", ["report", "validate", "couples", "anonymize"])
def test_a_folder_holding_only_an_export_names_it_and_its_command(
    capsys, tmp_path, command, kind, export
):
    folder = _folder(tmp_path, export, name="my exports")
    code = cli.main(_argv(command, folder, tmp_path))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"trustdata: {folder}: {NO_CHECKINS} {_hint(kind, folder / export.name)}" in err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "anon").exists()


def test_load_says_the_same(tmp_path):
    folder = _folder(tmp_path, DAYLIO)
    with pytest.raises(FileProblem) as exc:
        trustdata.load(folder)
    assert str(exc.value) == f"{folder}: {NO_CHECKINS} {_hint('daylio', folder / DAYLIO.name)}"


def test_an_export_beside_other_files_but_no_log_table(capsys, tmp_path):
    folder = _folder(tmp_path, BEARABLE, FORMS)
    (folder / "notes.txt").write_text("our notes\n", encoding="utf-8")
    (folder / "budget.csv").write_text("month,amount\n2025-01,12\n", encoding="utf-8")
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    # each export is named, in the folder's (sorted) order; the other CSV is no export
    bearable = _hint("bearable", folder / BEARABLE.name)
    forms = _hint("google-forms", folder / FORMS.name)
    assert f"{NO_CHECKINS} {forms} {bearable}" in err
    assert "budget.csv" not in err and "notes.txt" not in err


def test_a_folder_with_no_export_keeps_the_plain_reason(capsys, tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "budget.csv").write_text("month,amount\n2025-01,12\n", encoding="utf-8")
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err == f"trustdata: {folder}: {NO_CHECKINS}\n"


def test_the_command_the_folder_hint_gives_imports_the_export(capsys, tmp_path):
    folder = _folder(tmp_path, DAYLIO, name="my exports")
    assert cli.main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    command = err.split("its importer: ")[1].split(" (OUT the log folder")[0]
    argv = shlex.split(command)[1:]
    fill = {"OUT": str(tmp_path / "logs"), "COUPLE": "c1", "PARTNER": "A"}
    assert cli.main([fill.get(a, a) for a in argv]) in (0, 1)
    assert len(trustdata.load(tmp_path / "logs").checkins) > 0

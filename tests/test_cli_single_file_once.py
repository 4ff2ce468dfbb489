"""One table file given to report / couples / anonymize is read once (leftovers12, item 1).

``cli._check_whole_folder`` asked every importer whether the file was an app's export (each
reading it) before the command loaded it: a 10,000-couple ``checkins.csv`` alone in its folder
was read by the three importers and then by the loader, the check costing about twice the load.
Now the importers are asked only on the way to an error: by the check when it refuses a table
of a log folder, and by :func:`trustdata.load` when the file is no log table.  An app's export
is still named with its ``trustdata import`` command by every command.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from trustdata import cli
from trustdata.importers import _recognise

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "couples"
DAYLIO = ROOT / "tests" / "fixtures" / "importers" / "daylio" / "daylio_export.csv"
KEY = "3f9c1e8a0b7d2c4e5a6f8b9d0c1e2f3a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """The files the importers were asked about (the real function runs)."""
    calls: list[str] = []
    real = _recognise.recognise_export

    def spy(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(_recognise, "recognise_export", spy)
    return calls


def _argv(command: str, path: Path, tmp_path: Path) -> list[str]:
    if command == "report":
        return ["report", str(path), "--couple", "couple-01", "-o", str(tmp_path / "r.html")]
    if command == "anonymize":
        key = tmp_path / "k.key"
        key.write_text(KEY)
        key.chmod(0o600)
        return ["anonymize", str(path), str(tmp_path / "anon"), "--key-file", str(key), "-k", "1"]
    return [command, str(path)]


@pytest.mark.parametrize("command", ["report", "couples", "anonymize"])
def test_a_lone_table_is_not_shown_to_the_importers(capsys, tmp_path, asked, command):
    lone = tmp_path / "alone" / "checkins.csv"
    lone.parent.mkdir()
    shutil.copy(SAMPLE / "checkins.csv", lone)
    code = cli.main(_argv(command, lone, tmp_path))
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert asked == []


@pytest.mark.parametrize("command", ["report", "couples", "anonymize"])
def test_a_lone_export_is_still_named_with_its_import_command(capsys, tmp_path, asked, command):
    export = tmp_path / "alone" / "daylio export.csv"
    export.parent.mkdir()
    shutil.copy(DAYLIO, export)
    code = cli.main(_argv(command, export, tmp_path))
    err = capsys.readouterr().err
    hint = (
        "It looks like a Daylio export, which trustdata reads through its importer: "
        f"trustdata import daylio {shlex.quote(str(export))} OUT --couple COUPLE --partner "
        "PARTNER (OUT the log folder to write), then use that folder."
    )
    assert code == 2 and hint in err and "Traceback" not in err
    # the loader's reason, as `validate` gives it: which columns the file lacks
    assert f"{export}: required column 'couple_id' is missing" in err
    assert asked == [str(export)]  # asked once, on the way to the error


def test_a_table_of_a_log_folder_is_refused_without_asking_the_importers_twice(
    capsys, tmp_path, asked
):
    folder = tmp_path / "logs"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("truth"))
    code = cli.main(["couples", str(folder / "checkins.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "is one table of the log folder" in err
    assert len(asked) == 1

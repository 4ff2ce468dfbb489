"""A page trustdata wrote, given back to it as the logs (fix12c, reader12 finding 10).

``trustdata report w/f/report.html --couple couple-01 -o x.html`` was answered "has the
extension '.html'; expected .csv, .json or .parquet (save a spreadsheet as CSV UTF-8)": advice
for a spreadsheet, not for the report the command wrote a minute before.  trustdata knows its
own pages (``report.is_report_file``, the rule ``-o`` replaces by): such a page is answered
"this is a page trustdata wrote, not a log; pass the log folder (...)", by ``report``,
``validate``, ``couples`` and ``anonymize`` alike; any other HTML file keeps the extension's
reason.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from trustdata import cli, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "couples"
REST = {
    "report": " --couple ...",
    "validate": "",
    "couples": "",
    "anonymize": " OUT --key-file KEY ...",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of the sample logs with the couple page trustdata wrote into it."""
    logs = tmp_path_factory.mktemp("own") / "my logs"
    shutil.copytree(SAMPLE, logs, ignore=shutil.ignore_patterns("truth"))
    page = logs / "report.html"
    assert cli.main(["report", str(logs), "--couple", "couple-01", "-o", str(page)]) == 0
    assert report.is_report_file(page)
    return logs


def _argv(command: str, path: Path, tmp_path: Path) -> list[str]:
    if command == "report":
        return ["report", str(path), "--couple", "couple-01", "-o", str(tmp_path / "x.html")]
    if command == "anonymize":
        key = tmp_path / "research.key"
        key.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        return ["anonymize", str(path), str(tmp_path / "anon"), "--key-file", str(key)]
    return [command, str(path)]


@pytest.mark.parametrize("command", ["report", "validate", "couples", "anonymize"])
def test_a_page_trustdata_wrote_is_answered_with_its_log_folder(capsys, tmp_path, folder, command):
    page = folder / "report.html"
    capsys.readouterr()
    code = cli.main(_argv(command, page, tmp_path))
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"trustdata: {page}: this is a page trustdata wrote, not a log; pass the log folder "
        f"({folder}): trustdata {command} {folder}{REST[command]}\n"
    )
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "anon").exists()


def test_a_page_away_from_its_logs_asks_for_the_folder_it_was_made_from(capsys, tmp_path, folder):
    page = tmp_path / "out put.html"
    shutil.copy(folder / "report.html", page)
    code = cli.main(["validate", str(page)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"trustdata: {page}: this is a page trustdata wrote, not a log; pass the log folder it "
        "was made from (the folder holding checkins.csv): trustdata validate FOLDER\n"
    )


def test_a_pdf_trustdata_wrote(capsys, tmp_path):
    # a PDF as report.write_pdf leaves it: the mark (report.PDF_MARK) in its last bytes
    pdf = tmp_path / "t04.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 9000 + b"\n" + report.PDF_MARK)
    assert report.is_report_file(pdf)
    code = cli.main(["couples", str(pdf)])
    err = capsys.readouterr().err
    assert code == 2 and "this is a PDF trustdata wrote, not a log" in err


def test_another_html_file_keeps_the_reason_of_its_extension(capsys, tmp_path, folder):
    journal = tmp_path / "logs" / "my journal.html"
    shutil.copytree(folder, journal.parent)
    journal.write_text("<!doctype html><p>my private journal</p>", encoding="utf-8")
    code = cli.main(
        ["report", str(journal), "--couple", "couple-01", "-o", str(tmp_path / "y.html")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{journal}: has the extension '.html'; expected .csv, .json or .parquet" in err
    assert "trustdata wrote" not in err

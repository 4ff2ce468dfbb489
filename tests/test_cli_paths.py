"""``trustdata._atomic.check_not_an_input``: the output-path check every command that writes a
file calls (issue 13 point 10: ``report IN/checkins.csv -o IN/checkins.csv`` overwrote the log
with HTML).  The ``report`` command calls it for ``-o`` (owned by its own tests)."""

from __future__ import annotations

import pytest

from trustdata._atomic import atomic_path, check_not_an_input, write_text
from trustdata.errors import FileProblem

LOG = "couple_id,partner,date,connection\nc1,A,2025-03-03,6\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "checkins.csv").write_text(LOG)
    (tmp_path / "in" / "triggers.json").write_text("[]")
    return tmp_path / "in"


@pytest.mark.parametrize("given", ["folder", "file"])
@pytest.mark.parametrize("target", ["checkins.csv", "triggers.json", "./checkins.csv"])
def test_an_input_or_a_log_of_its_folder_is_refused(folder, given, target):
    source = folder if given == "folder" else folder / "checkins.csv"
    with pytest.raises(FileProblem, match="is one of this command's inputs"):
        check_not_an_input(folder / target, [source])


def test_a_link_to_an_input_is_refused(folder, tmp_path):
    (tmp_path / "out.html").symlink_to(folder / "checkins.csv")
    with pytest.raises(FileProblem, match="is one of this command's inputs"):
        check_not_an_input(tmp_path / "out.html", [folder])


@pytest.mark.parametrize("name", ["checkins.csv", "Events.PARQUET", "couples.json"])
def test_a_log_table_name_anywhere_is_refused_for_a_report(tmp_path, folder, name):
    with pytest.raises(FileProblem, match="has the name of a log table"):
        check_not_an_input(tmp_path / name, [folder])


def test_an_ordinary_output_is_accepted(tmp_path, folder):
    check_not_an_input(tmp_path / "report.html", [folder])
    check_not_an_input(folder / "report.html", [folder])
    assert (folder / "checkins.csv").read_text() == LOG


def test_atomic_writes_replace_whole_or_not_at_all(tmp_path):
    target = write_text(tmp_path / "r.html", "old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("new but half")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    target.chmod(0o600)
    write_text(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o600

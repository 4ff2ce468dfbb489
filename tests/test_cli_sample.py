"""`trustdata sample`: never over real logs; a clean sentence for an unusable folder."""

from __future__ import annotations

import os

import pytest

from trustdata.cli import main


@pytest.mark.parametrize("name", ["checkins.csv", "triggers.json", "Couples.parquet"])
def test_sample_refuses_a_folder_that_holds_logs(tmp_path, capsys, name):
    """Issue 13 point 9: sample replaced a couple's real logs with synthetic ones (exit 0)."""
    (tmp_path / name).write_text("real data\n", encoding="utf-8")
    assert main(["sample", str(tmp_path), "--couples", "1"]) == 2
    err = capsys.readouterr().err
    assert "already holds log files" in err and name in err
    assert (tmp_path / name).read_text(encoding="utf-8") == "real data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_sample_into_an_empty_folder_works(tmp_path, capsys):
    assert main(["sample", str(tmp_path), "--couples", "1"]) == 0
    assert (tmp_path / "checkins.csv").exists()
    assert main(["sample", str(tmp_path), "--couples", "1"]) == 2  # and not twice


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_sample_into_a_file_or_under_one_is_one_sentence(tmp_path, capsys, where):
    (tmp_path / "taken").write_text("x")
    out = tmp_path / "taken" if where == "file" else tmp_path / "taken" / "sub"
    assert main(["sample", str(out), "--couples", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("trustdata: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_sample_into_a_read_only_folder_is_one_sentence(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["sample", str(ro / "new"), "--couples", "1"]) == 2
    finally:
        ro.chmod(0o700)
    err = capsys.readouterr().err
    assert "Permission denied" in err and "Traceback" not in err

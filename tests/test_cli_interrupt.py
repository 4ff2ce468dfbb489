"""Ctrl-C in any subcommand: exit 130 with one line, no traceback (issue 13 point 18)."""

from __future__ import annotations

import pytest

import trustdata.importers
import trustdata.io
import trustdata.synth
from trustdata.cli import EXIT_INTERRUPTED, main


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("argv", "module", "name"),
    [
        (["validate", "IN"], trustdata.io, "load"),
        (["report", "IN", "--couple", "c1", "-o", "OUT/r.html"], trustdata.io, "load"),
        (["anonymize", "IN", "OUT/anon", "--key-file", "KEY"], trustdata.io, "load"),
        (["sample", "OUT/s"], trustdata.synth, "write_sample"),
        (["import", "daylio", "IN/x.csv", "OUT/i", "--couple", "c1", "--partner", "A"],
         trustdata.importers, "import_export"),
    ],
)  # fmt: skip
def test_ctrl_c_exits_130_with_one_line(tmp_path, monkeypatch, capsys, argv, module, name):
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    key = tmp_path / "k.key"
    key.write_text("3f9c1e8a0b7d2c4e5a6f8b9d0c1e2f3a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e")
    key.chmod(0o600)
    subs = {"IN": str(tmp_path / "in"), "OUT": str(tmp_path / "out"), "KEY": str(key)}
    argv = [a.replace(a.split("/")[0], subs[a.split("/")[0]], 1) if a.split("/")[0] in subs
            else a for a in argv]  # fmt: skip
    monkeypatch.setattr(module, name, _interrupt)
    assert main(argv) == EXIT_INTERRUPTED == 130
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("trustdata: interrupted")
    assert "Traceback" not in captured.err + captured.out

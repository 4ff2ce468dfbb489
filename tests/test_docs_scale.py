"""docs/scale.md says what `trustdata validate` does with a partitioned folder (reader7 19)."""

from __future__ import annotations

import re
from pathlib import Path

from trustdata import cli, pipeline, synth

DOC = Path(__file__).resolve().parents[1] / "docs" / "scale.md"


def test_validate_takes_one_partition_and_refuses_the_parent_as_the_doc_says(tmp_path, capsys):
    folder = tmp_path / "cohort_parts"
    chunks = (synth.generate(2, seed=s, text=False).logs for s in (1,))
    pipeline.write_partitions(chunks, folder)
    assert cli.main(["validate", str(folder / "part-00000")]) == 0
    assert cli.main(["validate", str(folder)]) == 2
    assert "no check-ins file in the folder" in capsys.readouterr().err
    doc = re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8"))
    assert "read each partition as they read any log folder" not in doc
    assert (
        '`trustdata validate cohort_parts/` stops with "no check-ins file in the folder" '
        "(exit 2)" in doc
    )
    assert "`trustdata validate cohort_parts/part-00000`" in doc

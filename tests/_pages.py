"""Helpers shared by the tests that read the sample's pages as words (not a test module).

``page_text`` gives a page's words as the page tests compare them; ``sample_with`` copies the
bundled sample log folder and appends check-in lines, so a test can add one record (a lone
check-in after a pause, an intake check-in months before the logs) to real logs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

#: The bundled sample log folder.
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "couples"

#: A check-in of couple-01's A 18 months after the sample's logs end.
RETURNED_CHECKIN = "couple-01,A,hurt,2026-12-03,7,7,,,,,,,,,\n"
#: A check-in of couple-01's A four months before the sample's logs begin.
EARLY_CHECKIN = "couple-01,A,hurt,2023-10-02,4,4,,,,,,,,,\n"


def page_text(page: str) -> str:
    """The page's words: scripts and tags removed, spaces joined, apostrophes decoded."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def sample_with(folder: Path, *checkin_lines: str) -> Path:
    """A copy of the sample at ``folder`` (which must not exist) with ``checkin_lines``
    appended to its check-ins file."""
    shutil.copytree(SAMPLE, folder)
    with open(folder / "checkins.csv", "a", encoding="utf-8") as fh:
        fh.writelines(checkin_lines)
    return folder

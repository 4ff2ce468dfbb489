"""Print how many hostile inputs the adversarial tests generated (issue 13: at least 2,000)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_terminal_summary(terminalreporter) -> None:
    from _adversarial_corpus import COUNTS

    if COUNTS["cases"] or COUNTS["tables"]:
        terminalreporter.write_line(
            f"adversarial: {COUNTS['cases']} corpus cases, {COUNTS['tables']} generated tables "
            f"holding {COUNTS['records']} hostile records: "
            f"{COUNTS['cases'] + COUNTS['tables'] + COUNTS['records']} inputs"
        )

"""One couple's report beside the bare import of its libraries, quickly (issue 15's ratio).

The same two figures as the report lines of ``bench_pipeline.py`` (CPU seconds of whole child
processes: ``python -c "import pandas, pandera.pandas, plotly.graph_objects, scipy.stats,
pyarrow"`` and ``python -m trustdata report data/sample/couples --couple couple-01 -o ...``),
without the cohort and pipeline steps, taking turns so that the machine's load falls alike on
each; the best of ``--repeat`` runs is kept.  ``--against OTHER_CHECKOUT`` times that checkout's
report in the same turns (e.g. ``git worktree add /tmp/main main``), for a before/after.

    nice -n 10 .venv/bin/python benchmarks/bench_report.py --repeat 5 [--against /tmp/main]

Target (issue 15): report <= 1.5x the bare import.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_IMPORT = "import pandas, pandera.pandas, plotly.graph_objects, scipy.stats, pyarrow"


def process_cpu(argv: list[str], cwd: Path) -> float:
    """CPU seconds (user + system) of a whole child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report_argv(root: Path, out: Path) -> list[str]:
    folder = root / "data" / "sample" / "couples"
    return [sys.executable, "-m", "trustdata", "report", str(folder), "--couple", "couple-01",
            "-o", str(out)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="turns (best CPU is kept)")
    parser.add_argument("--against", type=Path, help="another checkout of trustdata to time")
    args = parser.parse_args(argv)
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    times: dict[str, list[float]] = {"bare import": []} | {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        for _ in range(args.repeat):
            times["bare import"].append(process_cpu([sys.executable, "-c", BARE_IMPORT], ROOT))
            for name, root in checkouts.items():
                out.unlink(missing_ok=True)
                times[name].append(process_cpu(report_argv(root, out), root))
    bare = min(times["bare import"])
    print(f"bare import CPU                 {bare:6.2f} s")
    for name, root in checkouts.items():
        best = min(times[name])
        print(f"report CPU ({name:<7}) / bare     {best / bare:6.2f}x   ({best:.2f} s, {root})")
    print("target: report <= 1.5x the bare import")
    return 0


if __name__ == "__main__":
    sys.exit(main())

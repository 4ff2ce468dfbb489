"""Run every benchmark in this folder, one after the other, and print their figures.

Run from the repository root::

    .venv/bin/python benchmarks/run_all.py            # full: 10,000 couples (about an hour)
    .venv/bin/python benchmarks/run_all.py --quick    # 1,000 couples, few repetitions (minutes)
    .venv/bin/python benchmarks/run_all.py --quick --only bench_load bench_synth

Each script runs in its own Python process (``sys.executable``, unbuffered) with the arguments
of the chosen mode; its output is printed as it comes, then a summary lists each script's exit
status, wall time and headline lines (coverage, precision/recall, the load table's steps).
What each script measures and how to read its figures: ``benchmarks/README.md``.

The exit status is 0 when every script succeeded, 1 otherwise.  The machine's cores may be
shared: CPU seconds (printed by the load, analyses and cohort scripts) are steadier than wall
time.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (script, full arguments, quick arguments, pattern of the lines repeated in the summary)
PLAN: list[tuple[str, list[str], list[str], str]] = [
    (
        "bench_synth.py",
        [],
        ["--couples", "1000", "--repeat", "1"],
        r"^generate\(",
    ),
    (
        "bench_load.py",
        [],
        ["--couples", "1000"],
        r"^(pyarrow|load\()",
    ),
    (
        "bench_analyses.py",
        [],
        ["--couples", "1000", "--repeat", "1"],
        r"^cohort:",
    ),
    (
        "bench_setbacks.py",
        [],
        ["--couples", "1000", "--repeat", "1"],
        r"^cohort",
    ),
    (
        "bench_cohort.py",
        [],
        ["--couples", "1000"],
        r"^\s*\d+ (load_|pyarrow_|growth_model)",
    ),
    (
        "setback_accuracy.py",
        [],
        ["--quick"],
        r"^generator\s+seed\s+tp|^\s*(synth|dips)\s+all\s",
    ),
    (
        "verdict_accuracy.py",
        [],
        ["--quick"],
        r"^headline",
    ),
    (
        "trigger_accuracy.py",
        [],
        ["--quick"],
        r"^headline",
    ),
    (
        "coverage_simulation.py",
        ["--reps", "200"],
        ["--reps", "50"],
        r"^coverage",
    ),
    (
        "coverage_simulation.py",
        ["--source", "synth", "--reps", "100"],
        ["--source", "synth", "--reps", "20"],
        r"^coverage",
    ),
    (
        "not_on_track.py",
        [],
        ["--quick"],
        r"^(all held-out|--- flagged)",
    ),
    (
        "adversarial_memory.py",
        [],
        ["--quick"],
        r"^worst",
    ),
]


def run_one(script: str, args: list[str], pattern: str) -> tuple[int, float, list[str]]:
    """Run one script, echoing its output; return exit status, wall seconds, headline lines."""
    command = [sys.executable, "-u", str(HERE / script), *args]
    print(f"\n===== {script} {' '.join(args)}".rstrip(), flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    headline: list[str] = []
    regex = re.compile(pattern)
    for line in proc.stdout or ():
        print(line, end="", flush=True)
        if regex.search(line):
            headline.append(line.rstrip())
    status = proc.wait()
    return status, time.perf_counter() - start, headline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1,000 couples and few repetitions (a few minutes)"
    )
    names = sorted({p[0].removesuffix(".py") for p in PLAN})
    parser.add_argument(
        "--only", nargs="+", choices=names, metavar="SCRIPT", help=f"run only these: {names}"
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    print(f"benchmarks ({mode}) with {sys.executable}", flush=True)
    results = []
    clock = time.perf_counter()
    for script, full, quick, pattern in PLAN:
        if args.only and script.removesuffix(".py") not in args.only:
            continue
        script_args = quick if args.quick else full
        status, seconds, headline = run_one(script, script_args, pattern)
        results.append((f"{script} {' '.join(script_args)}".rstrip(), status, seconds, headline))

    print(f"\n===== summary ({mode}, {time.perf_counter() - clock:.0f} s in all)")
    for label, status, seconds, headline in results:
        state = "ok" if status == 0 else f"FAILED (exit {status})"
        print(f"{label:<68} {state:<16} {seconds:7.0f} s")
        for line in headline:
            print(f"    {line.strip()}")
    return 0 if all(r[1] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

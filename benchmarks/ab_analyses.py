"""A/B of single analyses between two checkouts, in alternating fresh processes.

For each checkout given (e.g. main and a branch), a fresh process imports *that* checkout's
trustdata, loads the cached CSV cohort of ``bench_load.make_cohort`` once, then calls each
analysis ``--repeat`` times and prints the CPU seconds of the first call (what a one-shot run
pays, page faults of new memory included) and of the best call.  The checkouts alternate
(``--rounds`` times), so a shared machine's load falls on both alike.

Usage::

    .venv/bin/python benchmarks/ab_analyses.py /work/main /work/wt/branch --couples 10000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "weekly_trend": lambda t, logs: t.trends.weekly_trend(logs.checkins, logs.events),
    "trigger_frequency week total": lambda t, logs: t.triggers.trigger_frequency(
        logs.triggers, period="week", by="total"
    ),
    "trigger_frequency week category": lambda t, logs: t.triggers.trigger_frequency(
        logs.triggers, period="week", by="category"
    ),
    "trigger_trend": lambda t, logs: t.triggers.trigger_trend(
        logs.triggers, checkins=logs.checkins
    ),
}


def child(root: str, folder: str, repeat: int) -> None:
    sys.path.insert(0, root)
    import trustdata
    import trustdata.trends
    import trustdata.triggers

    assert trustdata.__file__.startswith(root), trustdata.__file__
    logs = trustdata.load(folder)
    out = {}
    for name, call in CASES.items():
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            call(trustdata, logs)
            times.append(time.process_time() - t0)
        out[name] = (times[0], min(times))
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "roots", nargs="*", help="checkouts to compare (folders holding trustdata/)"
    )
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    sys.path.insert(0, str(HERE))
    from bench_load import make_cohort

    folder = make_cohort(args.couples, 0, "csv")
    print(f"cohort: {args.couples:,} couples, {folder}; CPU s of the first / the best call")
    for _ in range(args.rounds):
        for root in args.roots:
            root = str(Path(root).resolve())
            res = subprocess.run(
                [sys.executable, __file__, "--child", root, str(folder), str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
            )
            got = json.loads(res.stdout.strip().splitlines()[-1])
            cells = "  ".join(f"{k} {a:.2f}/{b:.2f}" for k, (a, b) in got.items())
            print(f"{Path(root).name:<12} {cells}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

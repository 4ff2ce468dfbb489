"""A/B of single analyses between two checkouts, in alternating fresh processes.

For each checkout given (e.g. main and a branch), a fresh process imports *that* checkout's
trustdata, loads the cached CSV cohort of ``bench_load.make_cohort`` once, then calls each
analysis ``--repeat`` times and prints the CPU seconds of the first call (what a one-shot run
pays, page faults of new memory included) and of the best call.  The checkouts alternate
(``--rounds`` times), so a shared machine's load falls on both alike.

With ``--compare``, each checkout instead writes the outputs of :data:`OUTPUTS` (the pipeline's
analyses and the others sharing their helpers) on the sample couples and on a synthetic cohort,
and the first checkout's are compared with every other's, exactly
(``assert_frame_equal(check_exact=True)``: values, dtypes, columns and row order).

Usage::

    .venv/bin/python benchmarks/ab_analyses.py /work/main /work/wt/branch --couples 10000
    .venv/bin/python benchmarks/ab_analyses.py /work/main /work/wt/branch --compare --couples 300
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


_REFERENCE: dict = {}  # the synthetic cohort, the expected band's reference (set by write_outputs)


def _expected_status(t, logs):
    expected = t.expected.expected_recovery(_REFERENCE["logs"])
    return t.expected.track_status(logs, expected)


#: ``--compare``: every output whose code a speed change may touch (window and band variants too).
OUTPUTS = {
    "weekly_trend": lambda t, logs: t.trends.weekly_trend(logs.checkins, logs.events),
    "weekly_trend window 1 ci": lambda t, logs: t.trends.weekly_trend(
        logs.checkins, window=1, band="ci"
    ),
    "weekly_trend window 9 trust": lambda t, logs: t.trends.weekly_trend(
        logs.checkins, logs.events, window=9, measure="trust"
    ),
    "trend_summary": lambda t, logs: t.trends.trend_summary(logs.checkins),
    "trigger_frequency week total": CASES["trigger_frequency week total"],
    "trigger_frequency week category": CASES["trigger_frequency week category"],
    "trigger_frequency month total": lambda t, logs: t.triggers.trigger_frequency(
        logs.triggers, period="month", by="total"
    ),
    "trigger_trend": CASES["trigger_trend"],
    "find_setbacks": lambda t, logs: t.setbacks.find_setbacks(logs.checkins),
    "partner_gap": lambda t, logs: t.dyad.partner_gap(logs.checkins),
    "track_status": _expected_status,
    "small_wins": lambda t, logs: t.milestones.small_wins(logs.checkins, logs.triggers),
    "red_flags": lambda t, logs: t.milestones.red_flags(logs.checkins, logs.triggers, logs.events),
}


def write_outputs(root: str, couples: int, target: str) -> None:
    """Write each of :data:`OUTPUTS` on the sample and on a synthetic cohort as pickles."""
    import pickle

    sys.path.insert(0, root)
    import trustdata
    import trustdata.dyad
    import trustdata.expected
    import trustdata.milestones
    import trustdata.setbacks
    import trustdata.synth
    import trustdata.trends
    import trustdata.triggers

    assert trustdata.__file__.startswith(root), trustdata.__file__
    cohorts = {
        "sample": trustdata.load(Path(root) / "data" / "sample" / "couples"),
        f"synth{couples}": trustdata.synth.generate(couples=couples, seed=7).logs,
    }
    _REFERENCE["logs"] = cohorts[f"synth{couples}"]
    out = {}
    for cohort, logs in cohorts.items():
        for name, call in OUTPUTS.items():
            out[f"{cohort}: {name}"] = call(trustdata, logs)
    with open(target, "wb") as fh:
        pickle.dump(out, fh)


def compare(roots: list[str], couples: int) -> int:
    import pickle
    import tempfile

    import pandas as pd

    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, root in enumerate(roots):
            target = str(Path(tmp) / f"{i}.pkl")
            subprocess.run(
                [sys.executable, __file__, "--write", root, str(couples), target], check=True
            )
            with open(target, "rb") as fh:
                got[root] = pickle.load(fh)
    first, *others = roots
    failed = 0
    for other in others:
        for name, frame in got[first].items():
            try:
                pd.testing.assert_frame_equal(frame, got[other][name], check_exact=True)
                print(f"identical  {name} ({len(frame)} rows)")
            except AssertionError as err:
                failed += 1
                print(f"DIFFERENT  {name}: {Path(other).name} vs {Path(first).name}\n{err}")
    return 1 if failed else 0


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
    parser.add_argument(
        "--compare", action="store_true", help="compare the outputs exactly instead of timing"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.write:
        write_outputs(args.write[0], int(args.write[1]), args.write[2])
        return 0
    if args.compare:
        return compare([str(Path(r).resolve()) for r in args.roots], args.couples)
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

"""The pipeline's analyses in this checkout beside another checkout's: equal frames, CPU seconds.

Both checkouts analyse the *same* loaded logs: the cohort is loaded once (by this checkout's
``trustdata.load``) from ``benchmarks/_data/cohort_<couples>_seed<seed>`` (as
``bench_pipeline.py`` writes it) or the bundled sample, and kept as a pickle of its tables in
the system's temporary folder (delete it after a change to loading).  Then one fresh process
per checkout and round (``PYTHONPATH`` set to the checkout) runs each analysis ``--repeat``
times, keeps the best CPU time (user + system, ``time.process_time``) and pickles its last
result; the parent compares the frames with ``pandas.testing.assert_frame_equal(check_exact=
True)`` (values, dtypes, index, column order).  The rounds alternate between the checkouts, so
a shared machine's load falls on both alike.

Usage (from the repository root)::

    .venv/bin/python benchmarks/compare_analyses.py --against /work/main
    .venv/bin/python benchmarks/compare_analyses.py --against /work/main --sample
    .venv/bin/python benchmarks/compare_analyses.py --against /work/main --only find_setbacks \\
        --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The analyses of issue 15's pipeline, as :data:`trustdata.pipeline.ANALYSES` calls them.
ANALYSES = ("weekly_trend", "trend_summary", "trigger_frequency", "find_setbacks")
#: Also comparable with --only: the pipeline's other per-couple analyses.
OTHERS = ("trigger_trend", "small_wins", "red_flags")
TABLES = ("checkins", "triggers", "events", "couples")


def _cpu() -> float:
    return time.process_time()  # user + system, every thread of the process


def cached_tables(folder: Path, cache: Path) -> Path:
    """The loaded logs' tables, pickled once (loaded with this checkout's ``trustdata.load``)."""
    if not cache.exists():
        sys.path.insert(0, str(ROOT))
        import trustdata

        logs = trustdata.load(folder)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with open(cache, "wb") as fh:
            pickle.dump({t: getattr(logs, t) for t in TABLES}, fh, protocol=5)
    return cache


def child(cache: str, names: list[str], repeat: int, out: str) -> None:
    """In the checkout on ``PYTHONPATH``: each analysis ``repeat`` times on the cached logs."""
    import trustdata
    from trustdata import pipeline
    from trustdata.logs import Logs

    with open(cache, "rb") as fh:
        logs = Logs(**pickle.load(fh))
    # the modules the analyses import, before the clock starts
    for module in ("trends", "triggers", "setbacks"):
        __import__(f"trustdata.{module}")
    results, cpu = {}, {}
    for name in names:
        best = float("inf")
        for _ in range(repeat):
            c0 = _cpu()
            frame = pipeline.ANALYSES[name](logs)
            best = min(best, _cpu() - c0)
        results[name], cpu[name] = frame, best
    with open(out, "wb") as fh:
        pickle.dump(results, fh, protocol=5)
    print(json.dumps({"cpu": cpu, "trustdata": str(Path(trustdata.__file__).parent)}))


def run_child(checkout: Path, cache: Path, names: list[str], repeat: int, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    cmd = [sys.executable, __file__, "--child", str(cache), ",".join(names), str(repeat), str(out)]
    done = subprocess.run(cmd, env=env, cwd=checkout, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{checkout}: the analyses failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="the other checkout (required)")
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", action="store_true", help="the bundled sample couples")
    parser.add_argument(
        "--only", default=",".join(ANALYSES), help="comma-separated analyses (of pipeline.ANALYSES)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per analysis (best CPU)")
    parser.add_argument("--rounds", type=int, default=1, help="processes per checkout")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        cache, names, repeat, out = args.child
        child(cache, names.split(","), int(repeat), out)
        return 0

    if args.against is None:
        parser.error("--against is required")
    names = args.only.split(",")
    unknown = [n for n in names if n not in ANALYSES + OTHERS]
    if unknown:
        parser.error(f"unknown analyses {unknown}; choose from {list(ANALYSES + OTHERS)}")
    if args.sample:
        folder = ROOT / "data" / "sample" / "couples"
        cache = Path(tempfile.gettempdir()) / f"trustdata_sample_{os.getuid()}.pkl"
    else:
        folder = HERE / "_data" / f"cohort_{args.couples}_seed{args.seed}"
        cache = Path(tempfile.gettempdir()) / (
            f"trustdata_cohort_{args.couples}_seed{args.seed}_{os.getuid()}.pkl"
        )
    t0 = time.perf_counter()
    cached_tables(folder, cache)
    print(f"logs: {folder} ({time.perf_counter() - t0:.1f} s to get them)")

    checkouts = {"this": ROOT, "against": args.against.resolve()}
    cpu: dict[str, dict[str, float]] = {k: {} for k in checkouts}
    frames = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for label, checkout in checkouts.items():
                out = Path(tmp) / f"{label}.pkl"
                info = run_child(checkout, cache, names, args.repeat, out)
                if r == 0:
                    print(f"{label:<8} trustdata from {info['trustdata']}")
                for name, seconds in info["cpu"].items():
                    cpu[label][name] = min(cpu[label].get(name, float("inf")), seconds)
                with open(out, "rb") as fh:
                    frames[label] = pickle.load(fh)

    import pandas as pd

    differ = 0
    print(f"{'analysis':<20}{'rows':>9}{'this CPU s':>12}{'against':>10}{'ratio':>8}  equal")
    for name in names:
        a, b = frames["this"][name], frames["against"][name]
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
            verdict = "yes"
        except AssertionError as err:
            differ += 1
            verdict = "NO: " + " ".join(str(err).split())[:300]
        ratio = cpu["this"][name] / max(cpu["against"][name], 1e-3)
        print(
            f"{name:<20}{len(a):>9,}{cpu['this'][name]:>12.3f}{cpu['against'][name]:>10.3f}"
            f"{ratio:>8.2f}  {verdict}"
        )
    print(f"(best of {args.repeat} run(s) x {args.rounds} process(es) per checkout)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

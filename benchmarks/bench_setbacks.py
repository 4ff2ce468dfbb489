"""Speed and peak memory of the setback analyses on a 10,000-couple cohort.

Run from the repository root::

    .venv/bin/python benchmarks/bench_setbacks.py [--couples 10000] [--repeat 3]

The cohort is ``trustdata.synth.generate(couples=10_000, seed=1, text=False)`` (about 1.4 M
check-ins and 2.5 M triggers), cached as Parquet under ``benchmarks/_data/`` (git-ignored) so
later runs skip the generator.  For each step the script prints the best wall time of
``--repeat`` runs, the peak memory allocated during one more run (``tracemalloc``, which sees
NumPy's and pandas' buffers; a separate run, so tracing does not slow the timed ones) and the
rows in and out.

Steps: ``find_setbacks`` (weekly scores, noise, the robust trend fits and the stretches below
it), ``sudden_losses`` with weekly sessions and with check-in sessions, and ``setback_context``
(the found setbacks against every trigger and event of the cohort).

``--baseline REF`` (e.g. ``main``) also times the ``find_setbacks`` of that git revision of
``trustdata/setbacks.py`` (read with ``git show``, imported under another name) in the same
run, its timed repeats interleaved with this one's, so that both see the same machine load.
``--profile`` prints, for each step of one ``find_setbacks`` run, the memory held when it
starts and the most it allocates on top (which step sets the peak).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

# This checkout's package first (not an installed trustdata).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trustdata import setbacks, synth

DATA = Path(__file__).resolve().parent / "_data"
TABLES = ("checkins", "triggers", "events")


def cohort(couples: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """The synthetic cohort's tables, read from the Parquet cache (written on first use)."""
    folder = DATA / f"setbacks_synth_{couples}_seed{seed}"
    paths = {t: folder / f"{t}.parquet" for t in TABLES}
    if not all(p.exists() for p in paths.values()):
        start = time.perf_counter()
        logs = synth.generate(couples=couples, seed=seed, text=False).logs
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            getattr(logs, table).to_parquet(paths[table], index=False)
        print(f"generated and cached {couples} couples in {time.perf_counter() - start:.1f} s")
    frames = {t: pd.read_parquet(p) for t, p in paths.items()}
    # Parquet keeps the categories; make sure the dtypes are the validated ones.
    frames["checkins"]["date"] = frames["checkins"]["date"].astype("datetime64[ns]")
    frames["triggers"]["timestamp"] = frames["triggers"]["timestamp"].astype("datetime64[ns]")
    frames["events"]["date"] = frames["events"]["date"].astype("datetime64[ns]")
    return frames


def baseline_module(ref: str):
    """``trustdata/setbacks.py`` as of git revision ``ref``, imported as ``_setbacks_<ref>``."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(
        ["git", "-C", str(root), "show", f"{ref}:trustdata/setbacks.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = f"_setbacks_{''.join(c if c.isalnum() else '_' for c in ref)}"
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def interleaved(
    steps: list[Callable[[], pd.DataFrame]], repeat: int
) -> tuple[list[float], list[float]]:
    """Best wall and best CPU time (s) of each step over ``repeat`` rounds running each once."""
    wall = [float("inf")] * len(steps)
    cpu = [float("inf")] * len(steps)
    for _ in range(repeat):
        for k, step in enumerate(steps):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            wall[k] = min(wall[k], time.perf_counter() - start)
            cpu[k] = min(cpu[k], time.process_time() - start_cpu)
    return wall, cpu


def measure(step: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, float, int]:
    """Best wall time (s) of ``repeat`` runs, peak traced memory (MB) of one more, rows out."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = step()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, len(out)


#: The helpers of ``find_setbacks`` whose peak memory ``--profile`` reports, in call order.
PROFILED = (
    "_week_means",
    "_diff_noise",
    "_trend",
    "_upper_noise",
    "_lag1",
    "_scan",
    "_select",
    "_episodes",
)


def profile(checkins: pd.DataFrame) -> None:
    """``--profile``: for each helper call of one ``find_setbacks`` run, the memory traced when
    it starts and the most it allocates on top of that (``tracemalloc``), so the step that
    sets the peak can be seen."""
    calls: list[tuple[str, float, float]] = []
    saved = {name: getattr(setbacks, name) for name in PROFILED}

    def traced(name: str, func: Callable) -> Callable:
        def run(*args, **kwargs):
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            out = func(*args, **kwargs)
            _, peak = tracemalloc.get_traced_memory()
            calls.append((name, before / 2**20, (peak - before) / 2**20))
            return out

        return run

    for name, func in saved.items():
        setattr(setbacks, name, traced(name, func))
    try:
        tracemalloc.start()
        setbacks.find_setbacks(checkins)
        tracemalloc.stop()
    finally:
        for name, func in saved.items():
            setattr(setbacks, name, func)
    print(f"{'find_setbacks step':<20}{'held MB':>9}{'+ peak MB':>11}{'= MB':>7}")
    for name, before, extra in calls:
        print(f"{name:<20}{before:>9.0f}{extra:>11.0f}{before + extra:>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="also time find_setbacks of this git revision")
    parser.add_argument("--only-find", action="store_true", help="time find_setbacks only")
    parser.add_argument(
        "--profile", action="store_true", help="only: peak memory of find_setbacks' steps"
    )
    args = parser.parse_args()

    frames = cohort(args.couples, args.seed)
    ck, tr, ev = frames["checkins"], frames["triggers"], frames["events"]
    if args.profile:
        profile(ck)
        return
    found = setbacks.find_setbacks(ck)
    steps: list[tuple[str, int, Callable[[], pd.DataFrame]]] = [
        ("find_setbacks", len(ck), lambda: setbacks.find_setbacks(ck)),
        ("sudden_losses (weeks)", len(ck), lambda: setbacks.sudden_losses(ck)),
        (
            "sudden_losses (checkins)",
            len(ck),
            lambda: setbacks.sudden_losses(ck, sessions="checkins"),
        ),
        (
            "setback_context",
            len(found) + len(tr) + len(ev),
            lambda: setbacks.setback_context(found, tr, ev),
        ),
    ]
    print(
        f"cohort: {args.couples} couples, {len(ck):,} check-ins, {len(tr):,} triggers, "
        f"{len(ev):,} events"
    )
    if args.baseline:
        old = baseline_module(args.baseline)
        (new_s, old_s), (new_c, old_c) = interleaved(
            [lambda: setbacks.find_setbacks(ck), lambda: old.find_setbacks(ck)], args.repeat
        )
        n_old = len(old.find_setbacks(ck))
        print(
            f"find_setbacks, best of {args.repeat} interleaved runs (wall s / CPU s):\n"
            f"  this tree {new_s:.2f} / {new_c:.2f} ({len(found):,} setbacks)\n"
            f"  {args.baseline:<9} {old_s:.2f} / {old_c:.2f} ({n_old:,} setbacks)\n"
            f"  ratio     {new_s / old_s:.2f} / {new_c / old_c:.2f}"
        )
    if args.only_find:
        steps = steps[:1]
    print(f"{'step':<26}{'rows in':>12}{'rows out':>10}{'best s':>9}{'peak MB':>9}")
    for name, rows_in, step in steps:
        seconds, peak, rows_out = measure(step, args.repeat)
        print(f"{name:<26}{rows_in:>12,}{rows_out:>10,}{seconds:>9.2f}{peak:>9.0f}")


if __name__ == "__main__":
    main()

"""Speed and peak memory of the trend, trigger and dyad analyses on a 10,000-couple cohort.

Run from the repository root::

    .venv/bin/python benchmarks/bench_analyses.py [--couples 10000] [--repeat 3]

The cohort is ``trustdata.synth.generate(couples=10_000, seed=1)``, cached as Parquet under
``benchmarks/_data/`` (git-ignored) so later runs skip the generator.  For each analysis the
script prints the best wall and CPU time of ``--repeat`` runs (CPU time is the steadier figure
on a shared machine), the peak memory allocated during one more run (``tracemalloc``, which
sees NumPy's and pandas' buffers; a separate run, so the tracing does not slow the timed ones)
and the rows out.

Other engineers may add their analyses to their own script in this folder (e.g. setbacks).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from trustdata import dyad, synth, trends, triggers
from trustdata.logs import Logs

DATA = Path(__file__).resolve().parent / "_data"
TABLES = ("checkins", "triggers", "events")


def cohort(couples: int, seed: int = 1) -> Logs:
    """The synthetic cohort, read from the Parquet cache (written on first use)."""
    folder = DATA / f"synth_{couples}_seed{seed}"
    paths = {t: folder / f"{t}.parquet" for t in TABLES}
    if not all(p.exists() for p in paths.values()):
        start = time.perf_counter()
        logs = synth.generate(couples=couples, seed=seed).logs
        folder.mkdir(parents=True, exist_ok=True)
        for table, path in paths.items():
            getattr(logs, table).to_parquet(path, index=False)
        print(f"generated and cached the cohort in {time.perf_counter() - start:.1f} s: {folder}")
        return logs
    return Logs(**{t: pd.read_parquet(p) for t, p in paths.items()})


def measure(func: Callable[[], pd.DataFrame], repeat: int) -> tuple[float, float, float, int]:
    """Best wall and CPU time (s) of ``repeat`` runs, peak traced memory (MB), rows out."""
    best = best_cpu = float("inf")
    out = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = func()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    del out
    tracemalloc.start()
    out = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, best_cpu, peak / 1e6, len(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only",
        default="",
        help="only the analyses whose name holds this text, e.g. trigger_trend",
    )
    args = parser.parse_args()

    logs = cohort(args.couples)
    ci, tr, ev = logs.checkins, logs.triggers, logs.events
    n_partners = ci.groupby(["couple_id", "partner"]).ngroups
    print(
        f"cohort: {args.couples:,} couples, {n_partners:,} partners, {len(ci):,} check-ins, "
        f"{len(tr):,} triggers, {len(ev):,} events"
    )
    steps: dict[str, Callable[[], pd.DataFrame]] = {
        "weekly_trend(checkins, events)": lambda: trends.weekly_trend(ci, ev),
        "trend_summary(checkins)": lambda: trends.trend_summary(ci),
        "trigger_frequency(period='week')": lambda: triggers.trigger_frequency(tr, period="week"),
        "trigger_frequency(period='month')": lambda: triggers.trigger_frequency(tr, period="month"),
        "trigger_frequency(week, by='total')": lambda: triggers.trigger_frequency(tr, by="total"),
        "trigger_trend(triggers)": lambda: triggers.trigger_trend(tr),
        # as the report and the pipeline call it: the check-ins stretch the spans and mark the
        # stretches not logged
        "trigger_trend(triggers, checkins)": lambda: triggers.trigger_trend(tr, checkins=ci),
        "anniversary_triggers(triggers, events)": lambda: triggers.anniversary_triggers(tr, ev),
        "dyad.partner_gap(checkins)": lambda: dyad.partner_gap(ci),
        "dyad.gap_trend(checkins)": lambda: dyad.gap_trend(ci),
        "dyad.lagged_correlation(checkins)": lambda: dyad.lagged_correlation(ci),
    }
    print(f"{'analysis':<40} {'wall (s)':>9} {'CPU (s)':>8} {'peak MB':>8} {'rows out':>11}")
    for name, func in steps.items():
        if args.only not in name:
            continue
        seconds, cpu, peak, rows = measure(func, args.repeat)
        print(f"{name:<40} {seconds:>9.2f} {cpu:>8.2f} {peak:>8.0f} {rows:>11,}")


if __name__ == "__main__":
    main()

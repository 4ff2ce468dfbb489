"""The whole per-couple pipeline beside its floor and its peer, the report's cost and size.

Issue 15's figures, all measured in ONE run, each step in a fresh Python process, so the ratios
compare like with like on a shared machine (CPU seconds: user + system, all threads).

Steps:

- ``floor``: pyarrow reads the cohort's CSV files (check-ins and triggers) into pandas, no checks.
- ``peer``: what a researcher writes by hand (the script in :func:`peer_script`): ``pd.read_csv``,
  then a groupby-apply per partner (weekly mean, 4-week rolling mean, ``scipy.stats.theilslopes``,
  a naive setback rule) and weekly trigger counts.
- ``trustdata``: ``load`` (parse, validate, quarantine: every check), then ``weekly_trend``,
  ``trend_summary``, ``trigger_frequency(period="week", by="total")``, ``find_setbacks``
  through :func:`trustdata.pipeline.run`.  Its peak resident memory (above the RSS after the
  imports) is compared with the memory of the loaded frames (``memory_usage(deep=True)``).
- ``direct``: the same, the analyses called directly (without ``run``'s release of freed
  memory); ``--no-direct`` skips it.

Each step's modules are imported before its baseline (pandas, pyarrow, scipy, and trustdata's
``io``, ``pipeline``, ``trends``, ``triggers``, ``setbacks`` with pandera): the steps compare
work, not imports.  The definitions are in docs/scale.md, "Speed on one machine".
- ``import``: the bare import of pandas + pandera + plotly + scipy + pyarrow.
- ``report``: ``trustdata report`` of one sample couple (a whole process: imports included), and
  the size of the file it writes.

Targets (issue 15): pipeline <= 4x the floor and >= 20x faster than the peer; one report <= 1.5x
the bare import; the report file <= 2 MB; pipeline peak RSS <= 3x the loaded frames.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py                 # 10,000 couples
    .venv/bin/python benchmarks/bench_pipeline.py --couples 1000  # quick
    .venv/bin/python benchmarks/bench_pipeline.py --skip-peer --skip-report  # the pipeline only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# this checkout's trustdata (not whichever one the environment has installed): the child steps
# run this file, so they import the same package as the report step (`-m trustdata` in ROOT)
sys.path.insert(1, str(ROOT))

from bench_load import _cpu_seconds, _current_rss_mb, _PeakSampler, make_cohort  # noqa: E402


def _high_water_mb() -> float:
    """The process's highest resident memory so far (``VmHWM``, kept by the kernel: unlike the
    5 ms sampler it misses no short peak; it includes the imports', which are lower)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


BARE_IMPORT = "import pandas, pandera.pandas, plotly.graph_objects, scipy.stats, pyarrow"


def peer_script(folder: Path) -> dict:
    """The hand-written researcher's script: plain pandas + scipy, a groupby-apply per partner."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    checkins = pd.read_csv(folder / "checkins.csv")
    checkins["date"] = pd.to_datetime(checkins["date"])
    triggers = pd.read_csv(folder / "triggers.csv")
    # local times, some with an offset: the day a trigger happened is its local day
    triggers["timestamp"] = pd.to_datetime(triggers["timestamp"].str.slice(0, 19), format="ISO8601")

    def one_partner(g: pd.DataFrame) -> pd.Series:
        weekly = g.set_index("date")["connection"].resample("W-MON").mean().dropna()
        rolling = weekly.rolling(4, min_periods=1).mean()
        months = (weekly.index - weekly.index[0]).days.to_numpy() / 30.44
        slope = stats.theilslopes(weekly.to_numpy(), months)[0] if len(weekly) > 1 else np.nan
        below = weekly < rolling.shift(1) - 2  # a naive setback: 2 points under the recent level
        return pd.Series({"slope": slope, "weeks": len(weekly), "setback_weeks": int(below.sum())})

    summary = checkins.groupby(["couple_id", "partner"]).apply(one_partner, include_groups=False)
    weekly_triggers = (
        triggers.set_index("timestamp").groupby(["couple_id", "partner"]).resample("W-MON").size()
    )
    return {"rows": len(summary) + len(weekly_triggers)}


#: The pipeline's analyses, by their names in :data:`trustdata.pipeline.ANALYSES` (there:
#: ``weekly_trend(checkins, events)``, ``trend_summary(checkins)``,
#: ``trigger_frequency(triggers, period="week", by="total")``, ``find_setbacks(checkins)``).
ANALYSES = ("weekly_trend", "trend_summary", "trigger_frequency", "find_setbacks")


def _frames_mb(logs) -> float:
    """Memory of the loaded frames: every column's buffers (``deep=True``: the Arrow string
    data and offsets too), of the four tables."""
    tables = (logs.checkins, logs.triggers, logs.events, logs.couples)
    return sum(int(f.memory_usage(deep=True).sum()) for f in tables) / 2**20


def trustdata_pipeline(folder: Path, *, direct: bool = False) -> dict:
    """``load``, then the analyses through :func:`trustdata.pipeline.run` (one partition: the
    logs as they are), one stage at a time so that each stage's CPU shows; every result is kept
    to the end, as a caller of ``run`` keeps them.  ``direct``: the same analyses called
    directly (``trends.weekly_trend(...)``, ...), without ``run``'s handing back of freed memory.
    """
    import trustdata
    from trustdata import pipeline

    stages: dict[str, float] = {}

    def timed(name, f, *args, **kwargs):
        cpu0 = _cpu_seconds()
        result = f(*args, **kwargs)
        stages[name] = _cpu_seconds() - cpu0
        return result

    logs = timed("load", trustdata.load, folder)
    results = {}
    for name in ANALYSES:
        if direct:
            results[name] = timed(name, pipeline.ANALYSES[name], logs)
        else:
            results.update(timed(name, pipeline.run, logs, [name]))
    return {
        "rows": sum(len(r) for r in results.values()),
        "frames_mb": _frames_mb(logs),
        "results_mb": sum(int(r.memory_usage(deep=True).sum()) for r in results.values()) / 2**20,
        "rejected": len(logs.rejected),
        "stages": stages,
    }


def direct_calls(folder: Path) -> dict:
    return trustdata_pipeline(folder, direct=True)


def floor(folder: Path) -> dict:
    import pyarrow.csv as pacsv

    rows = 0
    for name in ("checkins.csv", "triggers.csv"):
        rows += len(pacsv.read_csv(folder / name).to_pandas())
    return {"rows": rows}


STEPS = {
    "floor": floor,
    "peer": peer_script,
    "trustdata": trustdata_pipeline,
    "direct": direct_calls,
}

#: Imported before a step's baseline, as pandas, pyarrow and scipy are for the floor and the
#: peer: the steps compare work, not imports (``import trustdata`` alone is lazy: it loads none
#: of these, so without this line the pipeline's CPU and memory would include pandera's and
#: trustdata's module imports, which the floor and the peer are not charged for).
PIPELINE_MODULES = (
    "trustdata.io",
    "trustdata.pipeline",
    "trustdata.setbacks",
    "trustdata.trends",
    "trustdata.triggers",
)


def child(step: str, target: str) -> None:
    import importlib

    import pandas  # noqa: F401 - imports before the baseline: the steps compare work, not imports
    import pyarrow.csv  # noqa: F401
    import scipy.stats  # noqa: F401

    cpu_imports = _cpu_seconds()
    rss_imports = _current_rss_mb()
    for module in PIPELINE_MODULES:
        importlib.import_module(module)
    import_cpu = _cpu_seconds() - cpu_imports
    import_mb = _current_rss_mb() - rss_imports

    base = _current_rss_mb()
    cpu0 = _cpu_seconds()
    with _PeakSampler() as sampler:
        t0 = time.perf_counter()
        out = STEPS[step](Path(target))
        seconds = time.perf_counter() - t0
    out.update(
        seconds=seconds,
        cpu=_cpu_seconds() - cpu0,
        peak_mb=max(sampler.peak, _high_water_mb()),
        base_mb=base,
        import_cpu=import_cpu,
        import_mb=import_mb,
    )
    print(json.dumps(out))


def run_child(step: str, target: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def process_cpu(argv: list[str]) -> float:
    """CPU seconds of a whole child process (imports included)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="runs per step (best CPU is kept)")
    parser.add_argument("--skip-peer", action="store_true", help="the peer takes about a minute")
    parser.add_argument("--skip-report", action="store_true", help="no report step (quick)")
    parser.add_argument(
        "--no-direct", action="store_true", help="no run of the analyses called directly"
    )
    parser.add_argument("--child", nargs=2, metavar=("STEP", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    folder = make_cohort(args.couples, args.seed, "csv")
    print(f"cohort: {args.couples:,} couples, {folder}")
    runs: dict[str, list[dict]] = {}
    steps = ["floor", "trustdata"] + ([] if args.no_direct else ["direct"])
    for _ in range(args.repeat):  # the steps take turns, so a shared machine's load falls alike
        for step in steps:
            runs.setdefault(step, []).append(run_child(step, folder))
    if not args.skip_peer:
        runs["peer"] = [run_child("peer", folder)]
    best = {step: min(results, key=lambda r: r["cpu"]) for step, results in runs.items()}
    for step, r in best.items():
        print(
            f"{step:<10} wall {r['seconds']:7.2f} s   CPU {r['cpu']:7.2f} s   "
            f"peak {r['peak_mb']:7.0f} MB   (step {r['peak_mb'] - r['base_mb']:6.0f} MB)"
        )

    if not args.skip_report:
        imports = min(
            process_cpu([sys.executable, "-c", BARE_IMPORT]) for _ in range(args.repeat + 1)
        )
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.html"
            report_cpu = []
            for _ in range(args.repeat + 1):
                out.unlink(missing_ok=True)
                report_cpu.append(
                    process_cpu(
                        [
                            sys.executable,
                            "-m",
                            "trustdata",
                            "report",
                            str(ROOT / "data" / "sample" / "couples"),
                            "--couple",
                            "couple-01",
                            "-o",
                            str(out),
                        ]
                    )
                )
            report_mb = out.stat().st_size / 1e6

    fl = best["floor"]
    for step in ("trustdata", "direct"):
        if step in best:
            print(
                f"{step} stages (CPU s): "
                + ", ".join(
                    f"{k} {v:.2f} ({v / fl['cpu']:.1f}x floor)"
                    for k, v in best[step]["stages"].items()
                )
            )
    td = best["trustdata"]
    print(
        f"not counted (imported before the baseline, like the floor's pyarrow): trustdata's "
        f"modules and pandera, {td['import_cpu']:.2f} CPU s, {td['import_mb']:.0f} MB"
    )
    print()
    print("figure                                        value     target")
    for step, label in (("trustdata", "pipeline"), ("direct", "  direct calls")):
        if step not in best:
            continue
        r = best[step]
        print(f"{label + ' CPU / pyarrow floor':<42}{r['cpu'] / fl['cpu']:8.1f}x   <= 4x")
        if "peer" in best:
            print(
                f"{'peer script CPU / ' + label.strip() + ' CPU':<42}"
                f"{best['peer']['cpu'] / r['cpu']:8.1f}x   >= 20x"
            )
    if not args.skip_report:
        print(
            f"one report CPU / bare import CPU          {min(report_cpu) / imports:8.2f}x   <= 1.5x"
        )
        print(f"   (report {min(report_cpu):.2f} s, bare import {imports:.2f} s)")
        print(f"report file                               {report_mb:8.2f} MB  <= 2 MB")
    for step, label in (("trustdata", "pipeline"), ("direct", "  direct calls")):
        if step not in best:
            continue
        r = best[step]
        ratio = (r["peak_mb"] - r["base_mb"]) / r["frames_mb"]
        print(
            f"{label + ' peak RSS / loaded frames':<42}{ratio:8.2f}x   <= 3x"
            f"   (step peak {r['peak_mb'] - r['base_mb']:.0f} MB, frames {r['frames_mb']:.0f} MB,"
            f" results {r['results_mb']:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

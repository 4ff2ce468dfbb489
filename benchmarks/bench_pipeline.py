"""The whole per-couple pipeline beside its floor and its peer, the report's cost and size.

Issue 15's figures, all measured in ONE run, each step in a fresh Python process, so the ratios
compare like with like on a shared machine (CPU seconds: user + system, all threads).

Steps:

- ``floor``: pyarrow reads the cohort's CSV files (check-ins and triggers) into pandas, no checks.
- ``peer``: what a researcher writes by hand (the script in :func:`peer_script`): ``pd.read_csv``,
  then a groupby-apply per partner (weekly mean, 4-week rolling mean, ``scipy.stats.theilslopes``,
  a naive setback rule) and weekly trigger counts.
- ``trustdata``: ``load`` (parse, validate, quarantine: every check), ``weekly_trend``,
  ``trend_summary``, ``trigger_frequency(period="week", by="total")``, ``find_setbacks``.
  Its peak resident memory is compared with the memory of the loaded frames.
- ``import``: the bare import of pandas + pandera + plotly + scipy + pyarrow.
- ``report``: ``trustdata report`` of one sample couple (a whole process: imports included), and
  the size of the file it writes.

Targets (issue 15): pipeline <= 4x the floor and >= 20x faster than the peer; one report <= 1.5x
the bare import; the report file <= 2 MB; pipeline peak RSS <= 3x the loaded frames.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py                 # 10,000 couples
    .venv/bin/python benchmarks/bench_pipeline.py --couples 1000  # quick
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


def trustdata_pipeline(folder: Path) -> dict:
    import trustdata
    from trustdata import trends

    stages: dict[str, float] = {}

    def timed(name, f, *args, **kwargs):
        cpu0 = _cpu_seconds()
        result = f(*args, **kwargs)
        stages[name] = _cpu_seconds() - cpu0
        return result

    logs = timed("load", trustdata.load, folder)
    weekly = timed("weekly_trend", trends.weekly_trend, logs.checkins, logs.events)
    summary = timed("trend_summary", trends.trend_summary, logs.checkins)
    freq = timed(
        "trigger_frequency",
        trustdata.trigger_frequency,
        logs.triggers,
        period="week",
        by="total",
    )
    found = timed("find_setbacks", trustdata.find_setbacks, logs.checkins)
    frames_mb = (
        sum(
            f.memory_usage(deep=True).sum()
            for f in (logs.checkins, logs.triggers, logs.events, logs.couples)
        )
        / 2**20
    )
    return {
        "rows": len(weekly) + len(summary) + len(freq) + len(found),
        "frames_mb": frames_mb,
        "rejected": len(logs.rejected),
        "stages": stages,
    }


def floor(folder: Path) -> dict:
    import pyarrow.csv as pacsv

    rows = 0
    for name in ("checkins.csv", "triggers.csv"):
        rows += len(pacsv.read_csv(folder / name).to_pandas())
    return {"rows": rows}


STEPS = {"floor": floor, "peer": peer_script, "trustdata": trustdata_pipeline}


def child(step: str, target: str) -> None:
    import pandas  # noqa: F401 - imports before the baseline: the steps compare work, not imports
    import pyarrow.csv  # noqa: F401
    import scipy.stats  # noqa: F401

    import trustdata  # noqa: F401

    base = _current_rss_mb()
    cpu0 = _cpu_seconds()
    with _PeakSampler() as sampler:
        t0 = time.perf_counter()
        out = STEPS[step](Path(target))
        seconds = time.perf_counter() - t0
    out.update(seconds=seconds, cpu=_cpu_seconds() - cpu0, peak_mb=sampler.peak, base_mb=base)
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
    parser.add_argument("--child", nargs=2, metavar=("STEP", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    folder = make_cohort(args.couples, args.seed, "csv")
    print(f"cohort: {args.couples:,} couples, {folder}")
    best: dict[str, dict] = {}
    steps = ["floor", "trustdata"] + ([] if args.skip_peer else ["peer"])
    for step in steps:
        results = [run_child(step, folder) for _ in range(1 if step == "peer" else args.repeat)]
        best[step] = min(results, key=lambda r: r["cpu"])
        r = best[step]
        print(
            f"{step:<10} wall {r['seconds']:7.2f} s   CPU {r['cpu']:7.2f} s   "
            f"peak {r['peak_mb']:7.0f} MB   (step {r['peak_mb'] - r['base_mb']:6.0f} MB)"
        )

    imports = min(process_cpu([sys.executable, "-c", BARE_IMPORT]) for _ in range(args.repeat + 1))
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

    td, fl = best["trustdata"], best["floor"]
    print(
        "trustdata stages (CPU s): "
        + ", ".join(f"{k} {v:.2f} ({v / fl['cpu']:.1f}x floor)" for k, v in td["stages"].items())
    )
    rss_ratio = (td["peak_mb"] - td["base_mb"]) / td["frames_mb"]
    print()
    print("figure                                        value     target")
    print(f"pipeline CPU / pyarrow floor              {td['cpu'] / fl['cpu']:8.1f}x   <= 4x")
    if "peer" in best:
        print(
            f"peer script CPU / pipeline CPU            {best['peer']['cpu'] / td['cpu']:8.1f}x"
            "   >= 20x"
        )
    print(f"one report CPU / bare import CPU          {min(report_cpu) / imports:8.2f}x   <= 1.5x")
    print(f"   (report {min(report_cpu):.2f} s, bare import {imports:.2f} s)")
    print(f"report file                               {report_mb:8.2f} MB  <= 2 MB")
    print(
        f"pipeline step peak RSS / loaded frames    {rss_ratio:8.2f}x   <= 3x"
        f"   (frames {td['frames_mb']:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

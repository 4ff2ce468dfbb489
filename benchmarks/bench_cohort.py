"""Time and peak memory of the cohort pipeline on generated cohorts (1k, 10k, 100k couples).

For each cohort size the cohort is generated once with :func:`trustdata.synth.generate` and
cached under ``benchmarks/_data/`` (git-ignored) as a CSV log folder and a Parquet log folder,
plus the typed frames each step starts from.  Every step then runs in a fresh subprocess
that first loads its inputs, then runs the step once while a thread samples the process's
resident memory every 2 ms:

- ``seconds``: wall-clock time of the step alone; ``cpu_s``: the CPU time the process used
  in it (all its threads; less sensitive to other load on a shared machine, but without the
  Dask workers' time);
- ``peak_mb``: the highest resident memory during the step minus the memory just before it
  (what the step itself needs on top of its inputs);
- ``rows``: rows of the step's output.

Steps: ``pyarrow_csv`` / ``pyarrow_parquet`` (the floor: pyarrow reading the same four files
into pandas, no parsing or validation), ``load_csv`` / ``load_parquet`` (``load_cohort``:
trustdata.io.load, parse + validate), ``align``, ``trajectories``, ``slopes``
(``per_couple_slopes``), ``growth_model`` (the verified REML fit from per-couple sufficient
statistics, all couples, no subsample), ``growth_model_statsmodels`` (the same model on
statsmodels MixedLM, for comparison; slow) and ``dask_slopes``: the same
``per_couple_slopes`` run unchanged per partition on a local Dask cluster (2 worker
processes, 1 thread each, no dashboard) on ``dd.read_parquet`` of the aligned frame;
the cached aligned frame is a Parquet dataset of 8 files that each hold whole couples (how a
cohort "partitioned by couple" is stored), so no shuffle is needed; the workers' memory is
not in ``peak_mb`` (the client's only).

Run (the machine's 2 cores are shared, so times vary)::

    .venv/bin/python benchmarks/bench_cohort.py --couples 1000 10000
    .venv/bin/python benchmarks/bench_cohort.py --couples 100000 --steps align trajectories \
        slopes dask_slopes

100,000 couples are ten copies of the 10,000-couple cohort with suffixed ids (generating them
at once needs more memory than a shared machine has); only the steps that start from typed
frames run at that size.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
STEPS = (
    "pyarrow_csv",
    "load_csv",
    "pyarrow_parquet",
    "load_parquet",
    "align",
    "trajectories",
    "slopes",
    "growth_model",
    "growth_model_statsmodels",
    "dask_slopes",
)
_PAGE = os.sysconf("SC_PAGE_SIZE")
#: Cohorts larger than this (multiples of it) are made of copies of it: see _replicate.
REPLICATE_FROM = 10_000


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * _PAGE


class _Peak:
    """Samples this process's resident memory in a thread while the block runs."""

    def __enter__(self) -> _Peak:
        self.base = _rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _folders(n: int) -> dict[str, Path]:
    root = DATA / f"cohort_{n}"
    return {"csv": root / "csv", "parquet": root / "parquet", "work": root / "work"}


def prepare(n: int) -> None:
    """Generate and cache the cohort of ``n`` couples (once)."""
    import pandas as pd

    from trustdata import cohort
    from trustdata.io import write
    from trustdata.synth import generate

    f = _folders(n)
    if (f["work"] / "done").exists():
        _write_parts(f["work"])
        return
    if n > REPLICATE_FROM and n % REPLICATE_FROM == 0:
        _replicate(n)
        return
    t0 = time.perf_counter()
    syn = generate(n, seed=0, cohort=True)
    logs = syn.logs
    write(logs, f["csv"], format="csv")
    write(logs, f["parquet"], format="parquet")
    f["work"].mkdir(parents=True, exist_ok=True)
    logs.checkins.to_parquet(f["work"] / "checkins.parquet", index=False)
    logs.events.to_parquet(f["work"] / "events.parquet", index=False)
    aligned = cohort.align(logs.checkins, logs.events, fallback="disclosure")
    aligned.to_parquet(f["work"] / "aligned.parquet", index=False)
    cohort.groups_from_couples(logs.couples).to_parquet(f["work"] / "groups.parquet", index=False)
    sizes = {
        "couples": n,
        "checkins": len(logs.checkins),
        "triggers": len(logs.triggers),
        "events": len(logs.events),
        "aligned": len(aligned),
        "csv_mb": sum(p.stat().st_size for p in f["csv"].glob("*.csv")) / 1e6,
        "generate_s": time.perf_counter() - t0,
    }
    (f["work"] / "sizes.json").write_text(json.dumps(sizes))
    _write_parts(f["work"])
    (f["work"] / "done").write_text("ok")
    del pd


def _replicate(n: int) -> None:
    """The step inputs of ``n`` couples as copies of the 10,000-couple cohort (ids suffixed).

    Generating 100,000 couples at once needs more memory than a shared machine has; copies
    keep every per-couple size and the per-row work the same.  Only the typed step inputs are
    made (no CSV/Parquet log folder), so the load steps are not run at this size.
    """
    import pandas as pd

    prepare(REPLICATE_FROM)
    base, f = _folders(REPLICATE_FROM)["work"], _folders(n)
    f["work"].mkdir(parents=True, exist_ok=True)
    copies = n // REPLICATE_FROM
    for name in ("checkins", "events", "aligned", "groups"):
        frame = pd.read_parquet(base / f"{name}.parquet")
        parts = []
        for k in range(copies):
            part = frame.copy()
            part["couple_id"] = part["couple_id"] + f"-r{k}"
            parts.append(part)
        pd.concat(parts, ignore_index=True).to_parquet(f["work"] / f"{name}.parquet", index=False)
        del parts
    sizes = json.loads((base / "sizes.json").read_text())
    sizes = {k: (v * copies if k != "generate_s" else v) for k, v in sizes.items()}
    sizes["csv_mb"] = float("nan")
    (f["work"] / "sizes.json").write_text(json.dumps(sizes))
    _write_parts(f["work"])
    (f["work"] / "done").write_text("ok")


def _write_parts(work: Path, parts: int = 8) -> None:
    """The aligned frame as a Parquet dataset of ``parts`` files, each holding whole couples."""
    import numpy as np
    import pandas as pd

    folder = work / "aligned_parts"
    if folder.exists():
        return
    aligned = pd.read_parquet(work / "aligned.parquet")
    ids = aligned["couple_id"].unique()
    part = pd.Series(np.arange(len(ids)) * parts // len(ids), index=ids)
    folder.mkdir()
    for i, rows in aligned.groupby(aligned["couple_id"].map(part), sort=True):
        rows.to_parquet(folder / f"part-{i:02d}.parquet", index=False)


def _pyarrow_read(folder: Path, fmt: str) -> int:
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    rows = 0
    for path in sorted(folder.glob(f"*.{fmt}")):
        table = pv.read_csv(path) if fmt == "csv" else pq.read_table(path)
        rows += len(table.to_pandas())
    return rows


def child(step: str, n: int) -> dict:
    """Run one step in this (fresh) process; return its figures."""
    import pandas as pd

    from trustdata import cohort

    f = _folders(n)
    inputs: dict = {}
    if step == "align":
        inputs["checkins"] = pd.read_parquet(f["work"] / "checkins.parquet")
        inputs["events"] = pd.read_parquet(f["work"] / "events.parquet")
    elif step in ("trajectories", "slopes", "growth_model", "growth_model_statsmodels"):
        inputs["aligned"] = pd.read_parquet(f["work"] / "aligned.parquet")
        inputs["groups"] = pd.read_parquet(f["work"] / "groups.parquet")
    client = cluster = None
    if step == "dask_slopes":
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        t_start = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        )
        client = Client(cluster)
        client.run(importlib.import_module, "trustdata.cohort")  # warm the workers' imports
        inputs["start_s"] = time.perf_counter() - t_start
        meta = cohort.per_couple_slopes(pd.read_parquet(f["work"] / "aligned.parquet").head(0))
    import trustdata.io  # noqa: F401  (imports are not part of the step)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _Peak() as peak:
            t0 = time.perf_counter()
            c0 = time.process_time()
            if step in ("pyarrow_csv", "pyarrow_parquet"):
                rows = _pyarrow_read(f[step.split("_")[1]], step.split("_")[1])
            elif step in ("load_csv", "load_parquet"):
                logs = cohort.load_cohort(f[step.split("_")[1]], progress=False)
                rows = len(logs.checkins) + len(logs.triggers) + len(logs.events)
            elif step == "align":
                rows = len(
                    cohort.align(inputs["checkins"], inputs["events"], fallback="disclosure")
                )
            elif step == "trajectories":
                rows = len(cohort.trajectories(inputs["aligned"], inputs["groups"]))
            elif step == "slopes":
                rows = len(cohort.per_couple_slopes(inputs["aligned"]))
            elif step in ("growth_model", "growth_model_statsmodels"):
                engine = "statsmodels" if step.endswith("statsmodels") else "sufficient"
                fit = cohort.growth_model(inputs["aligned"], inputs["groups"], engine=engine)
                rows = len(fit)
                inputs["converged"] = fit.attrs["converged"]
            elif step == "dask_slopes":
                # one partition per file, each file holds whole couples: no shuffle needed
                ddf = dd.read_parquet(f["work"] / "aligned_parts", split_row_groups=False)
                out = ddf.map_partitions(cohort.per_couple_slopes, meta=meta).compute()
                rows = len(out)
            else:  # pragma: no cover
                raise ValueError(step)
            seconds = time.perf_counter() - t0
            cpu = time.process_time() - c0
    if client is not None:
        client.close()
        cluster.close()
    result = {
        "couples": n,
        "step": step,
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_mb": (peak.peak - peak.base) / 1e6,
        "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "rows": rows,
    }
    if "converged" in inputs:
        result["note"] = f"converged={inputs['converged']}"
    if "start_s" in inputs:
        result["note"] = f"cluster start + imports {inputs['start_s']:.1f} s (not included)"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.couples[0])))
        return
    results = []
    for n in args.couples:
        subprocess.run(
            [sys.executable, "-c", f"import bench_cohort as b; b.prepare({n})"],
            cwd=HERE,
            check=True,
        )
        sizes = json.loads((_folders(n)["work"] / "sizes.json").read_text())
        print(
            f"# {n} couples: {sizes['checkins']:,} check-ins, {sizes['triggers']:,} triggers, "
            f"{sizes['events']:,} events, {sizes['aligned']:,} aligned partner-weeks; "
            f"CSV {sizes['csv_mb']:.0f} MB",
            flush=True,
        )
        for step in args.steps:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", step, "--couples", str(n)],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"{step}: failed\n{proc.stderr[-2000:]}", flush=True)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(res)
            print(
                f"{n:>7} {step:<16} {res['seconds']:8.2f} s {res['cpu_s']:8.2f} cpu-s "
                f"{res['peak_mb']:8.0f} MB "
                f"{res['rows']:>10,} rows  {res.get('note', '')}",
                flush=True,
            )
    print()
    print("| couples | step | wall s | CPU s | peak MB (step) | process peak MB | output rows |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['couples']:,} | {r['step']} | {r['seconds']:.2f} | {r['cpu_s']:.2f} | "
            f"{r['peak_mb']:.0f} | "
            f"{r['process_peak_mb']:.0f} | {r['rows']:,} |"
        )


if __name__ == "__main__":
    main()

"""A cohort larger than the workers' memory, through the whole per-couple pipeline on Dask.

1. Generates ``--couples`` synthetic couples (default 300,000) in chunks of ``--chunk`` couples
   (:func:`trustdata.synth.generate`, one seed per chunk, couple ids made unique per chunk) and
   writes each chunk straight to a partitioned Parquet log folder
   (:func:`trustdata.pipeline.write_partitions`): the cohort is never one frame.
2. Runs :func:`trustdata.pipeline.run` with every analysis of :data:`trustdata.pipeline.ANALYSES`
   on a local ``distributed`` cluster (``--workers`` processes of one thread, each with
   ``--memory-limit``), results written to Parquet per partition (``out=``), so only file names
   travel back to the client.
3. Reports wall time, the peak resident memory of each worker and of the client (sampled every
   0.5 s), against the size of the cohort's frames, and checks that the first partition's
   results equal the plain pandas path on the same couples.

Usage::

    .venv/bin/python benchmarks/bench_distributed.py                       # 300,000 couples
    .venv/bin/python benchmarks/bench_distributed.py --couples 1000000     # a million
    .venv/bin/python benchmarks/bench_distributed.py --couples 20000 --chunk 5000   # quick

The generated folder is cached under ``benchmarks/_data/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"


def _rss_mb() -> float:
    import resource

    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def chunks(couples: int, chunk: int, seed: int):
    """Yield Logs of ``chunk`` couples at a time, with ids unique across chunks."""
    from trustdata import synth
    from trustdata.logs import Logs

    for number, start in enumerate(range(0, couples, chunk)):
        size = min(chunk, couples - start)
        logs = synth.generate(couples=size, seed=seed + number, cohort=True).logs
        prefix = f"p{number:04d}-"
        tables = {}
        for name in ("checkins", "triggers", "events", "couples"):
            frame = getattr(logs, name)
            tables[name] = frame.assign(couple_id=prefix + frame["couple_id"].astype(str))
        yield Logs(**tables)


def make_folder(couples: int, chunk: int, seed: int) -> Path:
    folder = DATA / f"partitioned_{couples}_chunk{chunk}_seed{seed}"
    done = folder / ".complete"
    if done.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)  # an interrupted generation of our own cache, never user data
    from trustdata.pipeline import write_partitions

    t0 = time.perf_counter()
    peak = 0.0
    for i, _ in enumerate(write_partitions(chunks(couples, chunk, seed), folder)):
        peak = max(peak, _rss_mb())
        print(f"  partition {i} written ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    done.write_text("ok\n")
    print(
        f"generated {couples:,} couples in {time.perf_counter() - t0:.0f} s "
        f"(generator peak RSS {peak:.0f} MB) -> {folder}"
    )
    return folder


class _Sampler:
    """Peak RSS of the client process and of every worker, polled every 0.5 s."""

    def __init__(self, client) -> None:
        self.client = client
        self.client_peak = _rss_mb()
        self.worker_peaks: dict[str, float] = {}
        self.total_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _poll(self) -> None:
        import psutil

        self.client_peak = max(self.client_peak, _rss_mb())
        try:
            now = self.client.run(lambda: psutil.Process().memory_info().rss / 2**20)
        except Exception:  # a worker restarting: try again next time
            return
        for worker, mb in now.items():
            self.worker_peaks[worker] = max(self.worker_peaks.get(worker, 0.0), mb)
        self.total_peak = max(self.total_peak, sum(now.values()) + _rss_mb())

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._poll()

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=300_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GB", help="per worker (distributed syntax)")
    args = parser.parse_args(argv)

    import pandas as pd
    from distributed import Client, LocalCluster

    from trustdata import io, pipeline

    folder = make_folder(args.couples, args.chunk, args.seed)
    parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-"))
    disk_mb = sum(f.stat().st_size for p in parts for f in p.iterdir()) / 2**20
    first = io.load(parts[0])
    frames_mb = (
        sum(
            getattr(first, t).memory_usage(deep=True).sum()
            for t in ("checkins", "triggers", "events", "couples")
        )
        / 2**20
    )
    print(
        f"cohort: {args.couples:,} couples in {len(parts)} partitions, {disk_mb:.0f} MB of "
        f"Parquet; one partition's frames {frames_mb:.0f} MB in memory, so the whole cohort "
        f"would be about {frames_mb * len(parts) / 1024:.1f} GB"
    )

    out = DATA / f"results_{args.couples}"
    if out.exists():
        shutil.rmtree(out)  # the benchmark's own previous results
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
        _Sampler(client) as sampler,
    ):
        t0 = time.perf_counter()
        paths = pipeline.run(folder, scheduler=client, out=out)
        wall = time.perf_counter() - t0
    results_mb = sum(f.stat().st_size for fs in paths.values() for f in fs) / 2**20
    print(
        f"pipeline on {args.workers} workers x 1 thread, memory limit {args.memory_limit} each: "
        f"{wall:.0f} s wall, results {results_mb:.0f} MB of Parquet"
    )
    for worker, mb in sorted(sampler.worker_peaks.items()):
        print(f"  worker {worker}: peak RSS {mb:.0f} MB")
    print(f"  client: peak RSS {sampler.client_peak:.0f} MB")
    print(f"  all processes together: peak {sampler.total_peak / 1024:.2f} GB (target < 6 GB)")

    # the first partition's results equal the pandas path on the same couples
    expected = pipeline.run(first)
    equal = True
    for name, files in paths.items():
        got = pd.read_parquet(files[0])
        want = expected[name]
        try:
            pd.testing.assert_frame_equal(
                got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
            )
        except AssertionError as err:
            equal = False
            print(f"  {name}: DIFFERS from the pandas path: {str(err)[:200]}")
    n = len(first.couple_ids)
    verdict = "yes" if equal else "NO"
    print(f"equality with the pandas path on {n:,} couples (partition 0): {verdict}")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())

"""How fast and how lean is ``trustdata.load`` on a large cohort, beside the pyarrow floor?

Generates (once, cached under ``benchmarks/_data/``, git-ignored) a synthetic cohort with
:func:`trustdata.synth.generate` written as a CSV log folder with :func:`trustdata.io.write`,
then runs each step in a fresh Python process and prints its wall time and peak memory
(resident memory sampled every 5 ms inside that process while the step runs; "step MB" is that
peak minus the resident memory just before the step, after the imports).

The same cohort is also written as a Parquet log folder (``io.write(..., format="parquet")``,
typed columns), and the same steps run on it.

Steps (for each format):

- ``pyarrow floor``: ``pyarrow.csv.read_csv(file).to_pandas()`` with type inference, or
  ``pyarrow.parquet.read_table(file).to_pandas()`` (no checks); for a folder, each of its
  table files read so, one after the other in one process.
- ``load(file)``: :func:`trustdata.load` on that one file (parse + validate + quarantine).
- ``load(folder)``: the whole folder (check-ins, triggers, events, couples).

pyarrow's reading options are its defaults on both sides: ``load`` and the floor both read CSV
with ``use_threads=True`` and the default block size (``pyarrow.csv.ReadOptions()``), and Parquet
with ``pyarrow.parquet``'s defaults (threads on); ``load`` passes only column types, the column
names, its null handling (which the floor infers) and the system allocator as memory pool.

"x floor" compares CPU seconds (user + system, all threads), which a busy shared machine
disturbs far less than wall time; both are printed.  The last lines give the issue's targets
(issue 15): ``load`` of the CSV cohort (the folder) at most 2x its floor, of the Parquet cohort
at most 1.5x.

``--repeat N`` runs N rounds per file or folder; a round runs the floor, then ``load`` (and
``load`` of ``--against``, the two in turns, first one then the other), one right after the
other, so that a floor and the loads it is compared with see the same machine load.  Each step's
line shows its best run (lowest CPU); "x floor" gives the best CPU over the floor's best, then
the median of the rounds' own ratios (each round's load over that round's floor), which one
busy round cannot move.  A target counts as met only when both are within it.

Usage::

    .venv/bin/python benchmarks/bench_load.py                 # 10,000 couples
    .venv/bin/python benchmarks/bench_load.py --couples 1000  # a quicker look
    .venv/bin/python benchmarks/bench_load.py --formats parquet
    .venv/bin/python benchmarks/bench_load.py --against /work/main   # another checkout too

``--stages`` prints, per table file, where ``load``'s CPU time goes (one run in a fresh process,
the CPU seconds inside each stage function; stages nest, so they do not add up to the total).

``--against DIR`` also runs every ``load`` step with the package of another checkout (e.g. the
main branch), on the same files and taking turns with this one, so that a change is measured
against its base in one run on the same machine load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
# Measure the package of this checkout (a worktree included), not whichever one is installed;
# a child started for --against imports the other checkout's package instead.
_ROOT = sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv[:-1] else str(HERE.parent)
sys.path.insert(0, _ROOT)


def _rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads), less sensitive than wall time to
    other work on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _PeakSampler:
    """Highest resident memory seen while the step runs (sampled every 5 ms in a thread), so the
    step's own peak shows even when the imports peaked higher."""

    def __init__(self) -> None:
        import threading

        self.peak = _current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _current_rss_mb())

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _current_rss_mb())


def make_cohort(couples: int, seed: int, fmt: str = "csv") -> Path:
    """The cached CSV (or Parquet) log folder of a synthetic cohort (generated when missing)."""
    folder = (
        DATA / f"cohort_{couples}_seed{seed}"
        if fmt == "csv"
        else (DATA / f"cohort_{couples}_seed{seed}_{fmt}")
    )
    if (folder / f"checkins.{fmt}").exists() and (folder / f"triggers.{fmt}").exists():
        return folder
    from trustdata import io, synth

    t0 = time.perf_counter()
    logs = synth.generate(couples=couples, seed=seed).logs
    io.write(logs, folder, format=fmt)
    print(f"generated {logs} in {time.perf_counter() - t0:.1f} s -> {folder}", file=sys.stderr)
    return folder


def child(step: str, target: str) -> None:
    """Run one step in this (fresh) process and print its figures as JSON."""
    import pandas as pd  # noqa: F401 - imported before the baseline, like the step's own imports
    import pyarrow.csv as pacsv
    import pyarrow.parquet as papq

    import trustdata.io as tio

    tio._schemas("checkins")  # build the cached schemas before the baseline
    tio._schemas("triggers")
    base = _current_rss_mb()
    cpu0 = _cpu_seconds()
    with _PeakSampler() as sampler:
        t0 = time.perf_counter()
        if step == "pyarrow":
            files = [Path(target)] if Path(target).is_file() else _table_files(Path(target))
            rows = 0
            for file in files:
                if file.suffix == ".parquet":
                    frame = papq.read_table(file).to_pandas()
                else:
                    frame = pacsv.read_csv(file).to_pandas()
                rows += len(frame) if file.stem in ("checkins", "triggers") else 0
                del frame
        else:
            logs = tio.load(target)
            rows = int(logs.summary["records"].sum())
            assert int(logs.summary["rejected"].sum()) == 0
        seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    result = {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": sampler.peak,
        "base_mb": base,
        "rows": rows,
    }
    print(json.dumps(result))


#: The stage functions timed by ``--stages`` (module of ``trustdata.io``, function).
_STAGES = [
    ("_csv", "_read_csv", "read CSV (all of it)"),
    ("_csv", "_decode", "  decode / check UTF-8"),
    ("_csv", "_check_line_lengths", "  line-length and blank-line bounds"),
    ("_csv", "_line_structure", "  line numbers"),
    ("_csv", "_typed_csv", "  typed read (scores, dates), kept or not"),
    ("_csv", "_canonical_bytes", "    canonical-text proof (byte count)"),
    ("_csv", "_blank", "  blank records"),
    ("_files", "_read_parquet", "read Parquet (all of it)"),
    ("_files", "_check_parquet_rows", "  rows-per-couple bound"),
    ("_files", "_read_table", "  Parquet table as a pandas frame"),
    ("_files", "_raw_from_frame", "  typed columns kept or written as text"),
    ("_validate", "_parse_column", "parse columns"),
    ("_validate", "_coded_ids", "ids (per distinct value)"),
    ("_validate", "_parse_timestamp", "timestamps"),
    ("_parse", "_cast_iso", "  text timestamps, pyarrow at once"),
    ("_validate", "_unescape", "formula unescape"),
    ("_validate", "_validate", "schema checks"),
    ("_validate", "_duplicates", "duplicates"),
    ("_validate", "_rejected_frame", "rejected records"),
    ("_validate", "_assemble", "Logs and summary"),
]


def stages(target: str) -> None:
    """Print the CPU seconds of each stage of one ``load`` (in this fresh process) as JSON."""
    import functools
    import importlib

    import pyarrow.csv as pacsv  # noqa: F401 - imported before, as in child()
    import pyarrow.parquet as papq  # noqa: F401

    import trustdata.io as tio

    for table in ("checkins", "triggers", "events", "couples"):
        tio._schemas(table)
    spent: dict[str, float] = {}

    def timed(func, label):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start

        return wrapper

    for module, name, label in _STAGES:
        mod = importlib.import_module(f"trustdata.io.{module}")
        if hasattr(mod, name):
            setattr(mod, name, timed(getattr(mod, name), label))
    files = importlib.import_module("trustdata.io._files")
    files._read_csv = importlib.import_module("trustdata.io._csv")._read_csv  # imported by name
    tio._assemble = importlib.import_module("trustdata.io._validate")._assemble
    cpu0 = _cpu_seconds()
    tio.load(target)
    spent["TOTAL load"] = _cpu_seconds() - cpu0
    print(json.dumps(spent))


def _table_files(folder: Path) -> list[Path]:
    """The table files of a log folder, as ``load`` reads them."""
    from trustdata import schemas

    return [p for p in sorted(folder.iterdir()) if p.is_file() and p.stem in schemas.TABLES]


def run(step: str, target: Path, root: str | None = None) -> dict:
    extra = ["--root", root] if root else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(target), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds per file or folder (floor, then the loads)"
    )
    parser.add_argument("--child", nargs=2, metavar=("STEP", "TARGET"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--stage-child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--stages", action="store_true", help="also print where load's CPU time goes, per file"
    )
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="another checkout whose package also runs every load step (taking turns)",
    )
    parser.add_argument(
        "--formats", nargs="+", choices=["csv", "parquet"], default=["csv", "parquet"]
    )
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.stage_child:
        stages(args.stage_child)
        return 0
    plan: list[tuple[str, Path]] = []
    for fmt in args.formats:
        folder = make_cohort(args.couples, args.seed, fmt)
        sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(folder.iterdir())}
        print(f"cohort: {folder}  ({', '.join(f'{k} {v:.1f} MB' for k, v in sizes.items())})")
        plan += [
            ("pyarrow", folder / f"checkins.{fmt}"),
            ("load", folder / f"checkins.{fmt}"),
            ("pyarrow", folder / f"triggers.{fmt}"),
            ("load", folder / f"triggers.{fmt}"),
            ("pyarrow", folder),
            ("load", folder),
        ]
    print(
        f"{'step':<16} {'file':<17} {'rows':>10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} "
        f"{'step MB':>8} {'x floor':>8} {'median':>8}"
    )
    floors: dict[str, float] = {}
    folder_ratios: dict[str, tuple[float, float]] = {}
    against_ratios: dict[str, tuple[float, float]] = {}
    against = str(Path(args.against).resolve()) if args.against else None
    roots = [None, against] if against else [None]
    targets = list(dict.fromkeys(t for _, t in plan))
    for target in targets:
        floor_runs: list[dict] = []
        runs: dict[str | None, list[dict]] = {r: [] for r in roots}
        for i in range(args.repeat):
            floor_runs.append(run("pyarrow", target))
            # the loads right after their round's floor, the two checkouts in turns
            for root in roots if i % 2 == 0 else roots[::-1]:
                runs[root].append(run("load", target, root))
        _report("pyarrow", target, floor_runs, None, floors, folder_ratios, against_ratios)
        for root in roots:
            _report(
                "load", target, runs[root], root, floors, folder_ratios, against_ratios, floor_runs
            )
    if args.stages:
        _print_stages([t for s, t in plan if s == "load" and t.is_file()], floors)
    for fmt, (best, median) in folder_ratios.items():
        target = {"csv": 2.0, "parquet": 1.5}[fmt]
        verdict = "met" if max(best, median) <= target else "NOT met"
        base = (
            f"; {args.against}: {against_ratios[fmt][0]:.2f}x / {against_ratios[fmt][1]:.2f}x "
            "in the same run"
            if fmt in against_ratios
            else ""
        )
        print(
            f"load of the {fmt} cohort: {best:.2f}x the pyarrow floor (best CPU s), "
            f"{median:.2f}x (median of {args.repeat} rounds; target <= {target}x: "
            f"{verdict}){base}"
        )
    return 0


def _print_stages(targets: list[Path], floors: dict[str, float]) -> None:
    """Where ``load``'s CPU seconds go, one column per file, beside the file's pyarrow floor."""
    found = {}
    for target in targets:
        out = subprocess.run(
            [sys.executable, __file__, "--stage-child", str(target)],
            check=True,
            capture_output=True,
            text=True,
        )
        found[target.name] = json.loads(out.stdout.strip().splitlines()[-1])
    labels = [label for _, _, label in _STAGES] + ["TOTAL load"]
    print(f"\nCPU s per stage (one run each){'':<12}" + "".join(f"{n:>18}" for n in found))
    print(f"{'pyarrow floor (best run above)':<42}" + "".join(
        f"{floors.get(n, float('nan')):>18.2f}" for n in found))  # fmt: skip
    for label in labels:
        if any(label in f for f in found.values()):
            print(f"{label:<42}" + "".join(f"{f.get(label, 0.0):>18.2f}" for f in found.values()))


def _report(
    step: str,
    target: Path,
    results: list[dict],
    root: str | None,
    floors: dict[str, float],
    folder_ratios: dict[str, tuple[float, float]],
    against_ratios: dict[str, tuple[float, float]],
    floor_runs: list[dict] | None = None,
) -> None:
    """Print one step's best run (and remember the floors and the folders' ratios: the best
    over the floor's best, and the median of each round's load over its floor)."""
    import statistics

    best = min(results, key=lambda r: r["cpu"])
    fmt = "parquet" if target.name.endswith("parquet") else "csv"
    name = target.name if target.is_file() else f"({fmt} folder)"
    if step == "pyarrow":
        floors[name] = best["cpu"]
    ratio = best["cpu"] / floors[name] if name in floors and step != "pyarrow" else None
    paired = (
        statistics.median(r["cpu"] / f["cpu"] for r, f in zip(results, floor_runs, strict=True))
        if floor_runs and ratio is not None
        else None
    )
    label = (
        "pyarrow floor"
        if step == "pyarrow"
        else f"load({'file' if target.is_file() else 'folder'})"
    )
    if root:
        label = f"  {Path(root).name}"
    print(
        f"{label:<16} {name:<17} {best['rows']:>10,} {best['seconds']:>8.2f} "
        f"{best['cpu']:>8.2f} "
        f"{best['peak_mb']:>8.0f} {best['peak_mb'] - best['base_mb']:>8.0f} "
        f"{'' if ratio is None else f'{ratio:.2f}x':>8}"
        f"{'' if paired is None else f'{paired:.2f}x':>9}"
    )
    if step == "load" and ratio is not None and not target.is_file():
        (against_ratios if root else folder_ratios)[fmt] = (ratio, paired or ratio)


if __name__ == "__main__":
    sys.exit(main())

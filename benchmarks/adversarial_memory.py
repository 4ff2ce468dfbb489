"""Peak memory and time of ``trustdata.load`` on each large hostile input (issue 13, point 20).

Builds the large cases of the adversarial corpus (``tests/adversarial/_adversarial_corpus.py``:
one huge field, a record followed by millions of blank ``,,,`` lines, a very wide table, a
Parquet file of millions of identical rows, millions of rows), then runs each in a fresh process
under ``/usr/bin/time -v`` (``nice -n 10``) and prints, per case: the input's size on disk and
decoded, the outcome (loaded / refused with a sentence), wall and CPU seconds, peak resident
memory, and peak memory / decoded size (the issue's target: under 10x, or a refusal).

Run from the repository root::

    .venv/bin/python benchmarks/adversarial_memory.py            # large sizes (minutes)
    .venv/bin/python benchmarks/adversarial_memory.py --quick    # small sizes (seconds)
    .venv/bin/python benchmarks/adversarial_memory.py --scale 0.1

``--scale`` multiplies the large sizes (keep a single case under ~3 GB on a shared machine).
Each case is killed after ``--timeout`` seconds (reported as ``timeout``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "adversarial"))
sys.path.insert(0, str(ROOT))

import _adversarial_corpus as corpus  # noqa: E402

#: The cases measured: (class, name) of the corpus.
CASES = [
    ("structure", "big-field"),
    ("structure", "blank-lines"),
    ("structure", "many-columns"),
    ("structure", "many-rows"),
    ("parquet", "identical-rows"),
    ("numbers", "huge-int-csv"),
    ("json", "nested-deep"),
]

_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from trustdata.errors import TrustDataError
from trustdata.io import load
t = time.process_time()
try:
    logs = load({path!r})
    out = {{"result": "loaded", "records": int(logs.summary["records"].sum()),
            "rejected": len(logs.rejected)}}
except TrustDataError as exc:
    out = {{"result": "refused", "detail": str(exc)[-160:]}}
out["cpu"] = time.process_time() - t
print("RESULT " + json.dumps(out))
"""


def _decoded_size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]
    total = 0
    for f in files:
        if f.suffix == ".parquet":  # decoded: the Arrow table it holds (read in this process)
            import pyarrow.parquet as pq

            total += pq.read_table(f).nbytes
        else:
            total += f.stat().st_size
    return total


def _disk_size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]
    return sum(f.stat().st_size for f in files)


def run(case: corpus.Case, timeout: int) -> dict:
    code = _CHILD.format(root=str(ROOT), path=str(case.path))
    cmd = ["nice", "-n", "10", "/usr/bin/time", "-v", sys.executable, "-c", code]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"result": "timeout"}
    found = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    out = json.loads(found.group(1)) if found else {"result": "stray", "detail": proc.stderr[-300:]}
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
    out["peak_mb"] = int(rss.group(1)) / 1024 if rss else float("nan")
    if wall:
        parts = [float(x) for x in wall.group(1).split(":")]
        out["wall"] = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small sizes (CI's corpus)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the large sizes")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per case")
    args = parser.parse_args(argv)
    size = "small" if args.quick else "large"
    if size == "large" and args.scale != 1.0:
        corpus.SIZES["large"] = {
            k: max(1, int(v * args.scale)) for k, v in corpus.SIZES["large"].items()
        }
    root = Path(tempfile.mkdtemp(prefix="trustdata-adversarial-"))
    try:
        built = corpus.build(root, size, classes=sorted({k for k, _ in CASES}))
        chosen = [c for c in built if (c.klass, c.name) in CASES]
        print(f"adversarial_memory ({size}, scale {args.scale}); /usr/bin/time -v, nice -n 10")
        print(f"{'case':28s} {'disk MB':>9s} {'decoded MB':>10s} {'result':>8s} {'wall s':>7s} "
              f"{'cpu s':>7s} {'peak MB':>8s} {'(peak-base)/decoded':>19s}")  # fmt: skip
        tiny = root / "baseline"
        tiny.mkdir()
        (tiny / "checkins.csv").write_text("couple_id,partner,date,connection\nc1,A,2025-03-03,6\n")
        base = run(corpus.Case("baseline", "baseline", tiny), args.timeout).get("peak_mb", 0.0)
        print(f"{'baseline (one record)':28s} {'':9s} {'':10s} {'loaded':>8s} {'':7s} {'':7s} "
              f"{base:8.0f}   (the interpreter, pandas and pyarrow; subtracted below)")  # fmt: skip
        worst = 0.0
        for case in chosen:
            disk, decoded = _disk_size(case.path), _decoded_size(case.path)
            out = run(case, args.timeout)
            ratio = (out.get("peak_mb", float("nan")) - base) * 2**20 / max(decoded, 1)
            if out["result"] == "loaded":
                worst = max(worst, ratio)
            print(
                f"{case.klass + '/' + case.name:28s} {disk / 2**20:9.1f} {decoded / 2**20:10.1f} "
                f"{out['result']:>8s} {out.get('wall', float('nan')):7.1f} "
                f"{out.get('cpu', float('nan')):7.1f} {out.get('peak_mb', float('nan')):8.0f} "
                f"{ratio:19.1f}"
            )
            if out["result"] in ("refused", "stray"):
                print(f"    {out.get('detail', '')[-150:]}")
        print(f"worst (peak - baseline) / decoded size of a loaded case: {worst:.1f}x "
              "(target: under 10x)")  # fmt: skip
    finally:
        for p in root.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o700)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One couple's report beside the bare import of its libraries, quickly (issue 15's ratio).

The same two figures as the report lines of ``bench_pipeline.py`` (CPU seconds of whole child
processes: ``python -c "import pandas, pandera.pandas, plotly.graph_objects, scipy.stats,
pyarrow"`` and ``python -m trustdata report data/sample/couples --couple couple-01 -o ...``),
without the cohort and pipeline steps, taking turns so that the machine's load falls alike on
each; the best of ``--repeat`` runs is kept.  ``--against OTHER_CHECKOUT`` times that checkout's
report in the same turns (e.g. ``git worktree add /tmp/main main``), for a before/after.

``--stages`` also times, in one process per turn, what the report does beyond the bare import:
the rest of its imports, ``load``, ``review``, ``render`` and writing the page; and an
"imports only" process that imports every module a report imports and does nothing else: no
change to the work can take the report under that.

``--analyses`` also times each analysis the review calls (``trustdata.trends``, ``milestones``,
``layers``, ... functions, the outermost call only).

``--pages OTHER_CHECKOUT`` checks instead that this checkout writes the same bytes as the other
for all 16 sample pages (4 couples x couple/therapist page x without/with the bundled reference
cohort, ``--include-expected`` on the couple page), made on one fixed day in a process prepared
as the command prepares its own (``cli._prepare_report_process``): a speed change must leave
every page as it was.

    nice -n 10 .venv/bin/python benchmarks/bench_report.py --repeat 5 [--against /tmp/main]
    nice -n 10 .venv/bin/python benchmarks/bench_report.py --repeat 3 --stages
    nice -n 10 .venv/bin/python benchmarks/bench_report.py --pages /tmp/main

Target (issue 15): report <= 1.5x the bare import.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_IMPORT = "import pandas, pandera.pandas, plotly.graph_objects, scipy.stats, pyarrow"

# The report's work in stages (the `trustdata report` command's steps, in one process).
_STAGES = """
import json, sys, time
cpu = time.process_time
t0 = cpu()
import pandas, pandera.pandas, plotly.graph_objects, scipy.stats, pyarrow
t1 = cpu()
from trustdata import cli
cli._prepare_report_process()
from trustdata import charts, dyad, io, layers, milestones, report, setbacks, trends, triggers
import plotly.io, plotly.basedatatypes, jinja2
t2 = cpu()
logs = io.load("data/sample/couples")
t3 = cpu()
r = report.review(logs, "couple-01")
t4 = cpu()
page = report.render(r, audience="couple")
t5 = cpu()
report._atomic_write(__import__("pathlib").Path(sys.argv[1]), page.encode("utf-8"))
t6 = cpu()
print(json.dumps({"bare import": t1 - t0, "other imports": t2 - t1, "load": t3 - t2,
                  "review": t4 - t3, "render": t5 - t4, "write": t6 - t5}))
"""

# Every module a report imports, imported, and nothing done (the list comes from a report run).
_IMPORTS_ONLY = """
import importlib, json, sys
from trustdata import cli
cli._prepare_report_process()
for name in json.loads(open(sys.argv[1]).read()):
    if name not in sys.modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass
"""

_MODULES = """
import json, runpy, sys
page, listing = sys.argv[1:3]
sys.argv = ["trustdata", "report", "data/sample/couples", "--couple", "couple-01", "-o", page]
try:
    runpy.run_module("trustdata", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
names = sorted(m for m, mod in sys.modules.items() if mod is not None and "__" not in m)
open(listing, "w").write(json.dumps(names))
"""

# CPU of each analysis the review calls (the outermost trustdata call only), in one review.
_ANALYSES = """
import collections, functools, inspect, json, time
from trustdata import cli
cli._prepare_report_process()
from trustdata import dyad, io, layers, milestones, report, setbacks, trends, triggers
spent, depth = collections.Counter(), [0]
for mod in (dyad, layers, milestones, setbacks, trends, triggers):
    for name, f in list(vars(mod).items()):
        if inspect.isfunction(f) and f.__module__ == mod.__name__:
            def timed(*a, _f=f, _name=mod.__name__[10:] + "." + name, **k):
                depth[0] += 1
                t = time.process_time()
                try:
                    return _f(*a, **k)
                finally:
                    depth[0] -= 1
                    if not depth[0]:
                        spent[_name] += time.process_time() - t
            setattr(mod, name, functools.wraps(f)(timed))
logs = io.load("data/sample/couples")
t = time.process_time()
report.review(logs, "couple-01")
spent["(the whole review)"] = time.process_time() - t
print(json.dumps(spent))
"""

_PAGES = """
import hashlib, json
from trustdata import cli, io, report
cli._prepare_report_process()  # as the command makes them
logs = io.load("data/sample/couples")
out = {}
for couple in logs.couple_ids:
    for ref in (None, "data/sample/cohort"):
        for audience in report.AUDIENCES:
            page = report.build(logs, couple, audience=audience, today="2026-01-05",
                                reference=ref, include_expected=ref is not None)
            key = f"{couple} {audience} {'with' if ref else 'without'} reference"
            out[key] = hashlib.sha256(page.encode("utf-8")).hexdigest()
print(json.dumps(out))
"""


def _env(root: Path) -> dict[str, str]:
    """The child imports ``root``'s trustdata (the venv's may be another checkout)."""
    return dict(os.environ, PYTHONPATH=str(root))


def process_cpu(argv: list[str], cwd: Path) -> float:
    """CPU seconds (user + system) of a whole child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd, env=_env(cwd))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report_argv(root: Path, out: Path) -> list[str]:
    folder = root / "data" / "sample" / "couples"
    return [sys.executable, "-m", "trustdata", "report", str(folder), "--couple", "couple-01",
            "-o", str(out)]  # fmt: skip


def _child(code: str, root: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                          text=True, cwd=root, env=_env(root))  # fmt: skip
    return done.stdout


def check_pages(other: Path) -> int:
    """Compare the 16 sample pages of this checkout and ``other``; 0 when all are the same."""
    ours, theirs = (json.loads(_child(_PAGES, root)) for root in (ROOT, other))
    differ = [key for key in ours if ours[key] != theirs.get(key)]
    for key in ours:
        print(f"{'same' if key not in differ else 'DIFFERENT':>9}  {key}")
    print(f"{len(ours) - len(differ)} of {len(ours)} pages byte-identical to {other}")
    return 1 if differ or len(ours) != 16 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="turns (best CPU is kept)")
    parser.add_argument("--against", type=Path, help="another checkout of trustdata to time")
    parser.add_argument("--stages", action="store_true", help="also CPU by stage, in-process")
    parser.add_argument(
        "--analyses", action="store_true", help="also CPU of each analysis the review calls"
    )
    parser.add_argument(
        "--pages",
        type=Path,
        metavar="OTHER",
        help="only check that the 16 sample pages are byte-identical to OTHER checkout's",
    )
    args = parser.parse_args(argv)
    if args.pages is not None:
        return check_pages(args.pages.resolve())
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    times: dict[str, list[float]] = {"bare import": []} | {name: [] for name in checkouts}
    stages: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        modules = Path(tmp) / "modules.json"
        if args.stages:
            _child(_MODULES, ROOT, str(out), str(modules))
            times["imports only"] = []
        for _ in range(args.repeat):
            times["bare import"].append(process_cpu([sys.executable, "-c", BARE_IMPORT], ROOT))
            for name, root in checkouts.items():
                out.unlink(missing_ok=True)
                times[name].append(process_cpu(report_argv(root, out), root))
            if args.stages:
                argv = [sys.executable, "-c", _IMPORTS_ONLY, str(modules)]
                times["imports only"].append(process_cpu(argv, ROOT))
                stages.append(json.loads(_child(_STAGES, ROOT, str(out))))
    bare = min(times["bare import"])
    print(f"bare import CPU                 {bare:6.2f} s")
    for name, root in checkouts.items():
        best = min(times[name])
        print(f"report CPU ({name:<7}) / bare     {best / bare:6.2f}x   ({best:.2f} s, {root})")
    if args.stages:
        best = min(times["imports only"])
        print(f"imports only / bare             {best / bare:6.2f}x   ({best:.2f} s: the floor)")
        print("in one process, best of the turns (CPU s):")
        for stage in stages[0]:
            print(f"  {stage:<14} {min(s[stage] for s in stages):6.2f}")
    if args.analyses:
        runs = [json.loads(_child(_ANALYSES, ROOT)) for _ in range(args.repeat)]
        print("the review's analyses, best of the turns (CPU s; each call's outermost only):")
        best = {name: min(run.get(name, 0.0) for run in runs) for name in runs[0]}
        for name, cpu in sorted(best.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {name:<36} {cpu:6.3f}")
    print("target: report <= 1.5x the bare import")
    return 0


if __name__ == "__main__":
    sys.exit(main())

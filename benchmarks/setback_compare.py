"""``find_setbacks`` of another git revision beside this one, on the same fresh planted sets.

Scores both detectors with the matching rule of :func:`trustdata.setbacks.score_detection` on
fresh seeds of both generators (``trustdata.synth`` and ``benchmarks/_dips.py``), so a change of
the detector is judged against the one it replaces, on data neither was tuned on.

Usage::

    .venv/bin/python benchmarks/setback_compare.py        # against 81607fc (before issue 10)
    .venv/bin/python benchmarks/setback_compare.py --rev main --couples 500
    .venv/bin/python benchmarks/setback_compare.py --rev main~3 --couples 500
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import setback_accuracy as sa  # noqa: E402

from trustdata.setbacks import find_setbacks  # noqa: E402


def _detector_at(rev: str):
    source = subprocess.run(
        ["git", "show", f"{rev}:trustdata/setbacks.py"],
        cwd=HERE.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "setbacks_at_rev.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("setbacks_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module.find_setbacks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="81607fc", help="git revision of the other detector")
    parser.add_argument("--couples", type=int, default=300, help="couples per seed and generator")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(sa.FRESH_SEEDS))
    args = parser.parse_args(argv)
    other = _detector_at(args.rev)
    print(f"{'generator':<10} {'detector':<14} {'precision':>9} {'recall':>7} {'F1':>6}")
    for kind in ("synth", "dips"):
        sets = [sa.Set(kind, seed, args.couples) for seed in args.seeds]
        for name, detect in ((args.rev, other), ("this tree", find_setbacks)):
            r = sa.evaluate(sets, detect)[2]
            print(
                f"{kind:<10} {name:<14} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load the same folders or files with two checkouts and compare the ``Logs`` exactly.

Each checkout's package loads every target in its own fresh process; the frames (check-ins,
triggers, events, couples), ``rejected`` and ``summary`` are compared with
``pandas.testing.assert_frame_equal(check_exact=True)`` and their dtypes one by one (an error a
target raises is compared by type and message).  Used for issue 15 to show that a faster
``load`` gives byte-identical results to its base branch::

    .venv/bin/python benchmarks/compare_load.py /work/main . data/sample/couples data/sample/cohort

It prints one line per difference and exits 1 when there is one.
"""

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import pickle, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import trustdata.io as tio
from trustdata.errors import TrustDataError
out = {}
for target in sys.argv[3:]:
    try:
        logs = tio.load(target)
        names = ("checkins", "triggers", "events", "couples", "rejected", "summary")
        out[target] = {n: getattr(logs, n) for n in names}
    except TrustDataError as exc:
        out[target] = ("error", type(exc).__name__, str(exc))
    except Exception as exc:
        out[target] = ("crash", type(exc).__name__, str(exc))
pickle.dump(out, open(sys.argv[2], "wb"))
"""


def run(root: str, targets: list[str], dest: str) -> dict:
    """Load ``targets`` with the package of checkout ``root`` in a fresh process."""
    root = str(Path(root).resolve())
    targets = [str(Path(t).resolve()) for t in targets]
    subprocess.run([sys.executable, "-c", CHILD, root, dest, *targets], check=True)
    with open(dest, "rb") as fh:
        return dict(zip(targets, pickle.load(fh).values(), strict=True))


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    a, b = sys.argv[1], sys.argv[2]
    targets = [str(Path(t).resolve()) for t in sys.argv[3:]]
    with tempfile.TemporaryDirectory() as tmp:
        ra = run(a, targets, f"{tmp}/a.pkl")
        rb = run(b, targets, f"{tmp}/b.pkl")
    import pandas as pd

    bad = 0
    for t in targets:
        x, y = ra[t], rb[t]
        if isinstance(x, tuple) or isinstance(y, tuple):
            if x != y:
                bad += 1
                print(
                    "DIFF",
                    t,
                    x if isinstance(x, tuple) else "loaded",
                    y if isinstance(y, tuple) else "loaded",
                )
            continue
        for name in x:
            fx, fy = x[name], y[name]
            try:
                assert list(fx.dtypes.astype(str)) == list(fy.dtypes.astype(str)), (
                    fx.dtypes,
                    fy.dtypes,
                )
                pd.testing.assert_frame_equal(fx, fy, check_exact=True)
            except AssertionError as exc:
                bad += 1
                print("DIFF", t, name, str(exc)[:500])
    print(f"{len(targets)} targets compared, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

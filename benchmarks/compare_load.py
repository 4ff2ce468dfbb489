"""Load the same folders or files with two checkouts and compare the ``Logs`` exactly.

Each checkout's package loads every target in its own fresh process; the frames (check-ins,
triggers, events, couples), ``rejected``, ``summary`` and ``warnings`` are compared with
``pandas.testing.assert_frame_equal(check_exact=True)`` and their dtypes one by one (an error a
target raises is compared by type and message).  Used for issue 15 to show that a faster
``load`` gives byte-identical results to its base branch::

    .venv/bin/python benchmarks/compare_load.py /work/main . data/sample/couples data/sample/cohort

It prints one line per difference and exits 1 when there is one.

``--hostile DIR`` first writes a set of hostile log folders into ``DIR`` (a new or empty folder;
see :func:`write_hostile`) and adds each to the targets::

    .venv/bin/python benchmarks/compare_load.py /work/main . data/sample/couples --hostile /tmp/h
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
        names = ("checkins", "triggers", "events", "couples", "rejected", "summary",
                 "warnings")
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


def write_hostile(root: Path) -> list[Path]:
    """Write hostile log folders under ``root`` and return them: the sample couples with
    rejected and non-canonical values (CSV, and Parquet with text, typed and dictionary
    columns, unused categories, missing ids), a million short CSV rows, a score of a million
    digits, and Parquet files over and under the rows-per-couple bound."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    here = Path(__file__).resolve().parents[1]
    root.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []

    def folder(name: str) -> Path:
        path = root / name
        path.mkdir(exist_ok=True)
        out.append(path)
        return path

    sample = here / "data" / "sample" / "couples"
    raw = pd.read_csv(sample / "checkins.csv", dtype=str, keep_default_na=False)
    bad = raw.copy()
    odd = {
        "connection": [" 7", "07", "11", "seven", "-0", "7.0", "", "0x7", "6.9999999999999999"],
        "trust": ["+5", "5 ", "1e1", "١", "NaN", "-3"],
        "date": ["01/02/2024", "2024-02-30", " 2024-03-04", "2024-3-4", "1725-03-10", ""],
        "couple_id": [" couple-01", "=cmd", "", "couple\u200b-01", "COUPLE-01"],
        "partner": ["a", "C", "", " B"],
        "role": ["Hurt ", "unknown", "", "HURT"],
    }
    for col, values in odd.items():
        where = np.arange(len(values)) * 7 + 3
        bad.loc[where, col] = values
    bad = pd.concat([bad, bad.iloc[:5]], ignore_index=True)  # duplicates
    dest = folder("sample-rejected-csv")
    bad.to_csv(dest / "checkins.csv", index=False)
    for name in ("triggers.csv", "events.csv", "couples.csv"):
        text = (sample / name).read_text(encoding="utf-8")
        lines = text.splitlines()
        lines.insert(3, lines[2])  # a duplicate record
        if name == "triggers.csv":
            lines[4] = lines[4].replace("2024-", "01/02/2024 x", 1)
        (dest / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    dest = folder("sample-rejected-parquet")
    table = pa.Table.from_pandas(bad, preserve_index=False)
    pq.write_table(table, dest / "checkins.parquet")
    trig = pd.read_csv(sample / "triggers.csv")
    trig["category"] = pd.Categorical(trig["category"], categories=[*sorted(
        trig["category"].dropna().unique()), "not-a-category"])  # fmt: skip
    trig.loc[::11, "couple_id"] = None
    trig.loc[::13, "intensity"] = 11
    trig["couple_id"] = trig["couple_id"].astype("category").cat.add_categories(["unused"])
    trig.to_parquet(dest / "triggers.parquet")
    dest = folder("short-rows")
    n = 1_000_000
    ids = np.char.add("c", (np.arange(n) // 20).astype(str))
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 20, unit="D")
    short = {"couple_id": ids, "partner": "A", "date": days.strftime("%Y-%m-%d"),
             "connection": np.arange(n) % 12}  # fmt: skip
    pd.DataFrame(short).to_csv(dest / "checkins.csv", index=False)
    dest = folder("million-digit-score")
    (dest / "checkins.csv").write_text(
        "couple_id,partner,date,connection\nc1,A,2025-03-03," + "9" * 1_000_000 + "\n"
        "c1,A,2025-03-10,6\n",
        encoding="utf-8",
    )
    for name, per in (("parquet-over-bound", 100_001), ("parquet-at-bound", 100_000)):
        dest = folder(name)
        m = per + 50
        pq.write_table(
            pa.table(
                {
                    "couple_id": ["c1"] * per + [f"c{i}" for i in range(2, 52)],
                    "partner": ["A"] * m,
                    "date": pd.Timestamp("1900-01-01") + pd.to_timedelta(np.arange(m), unit="D"),
                    "connection": pa.array(np.arange(m) % 10 + 1),
                }
            ),
            dest / "checkins.parquet",
        )
    return out


def main() -> int:
    args = sys.argv[1:]
    hostile: list[str] = []
    if "--hostile" in args:
        at = args.index("--hostile")
        hostile = [str(p) for p in write_hostile(Path(args[at + 1]))]
        del args[at : at + 2]
    if len(args) < 2 or len(args) + len(hostile) < 3:
        print(__doc__)
        return 2
    a, b = args[0], args[1]
    targets = [str(Path(t).resolve()) for t in [*args[2:], *hostile]]
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

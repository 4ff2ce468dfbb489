"""How often does the mistyped-year warning (:mod:`trustdata.io._isolated`) fire, and when?

Run from the repository root::

    nice -n 10 .venv/bin/python benchmarks/typo_warnings.py            # the figures
    nice -n 10 .venv/bin/python benchmarks/typo_warnings.py --quick    # a smoke run
    nice -n 10 .venv/bin/python benchmarks/typo_warnings.py --near 120 180 240   # a sweep

Two sides, on logs with no typo planted and on the same logs with one planted per couple:

- **false alarms**: couples warned of with no typo planted, on :mod:`trustdata.synth` couples
  (several seeds), the bundled sample (``data/sample/couples`` and ``data/sample/cohort``)
  and ``benchmarks/_trigger_arcs.py`` series (no events; planted logging pauses: ``start``,
  one intake check-in then 50-200 days without a record; ``end``, 300-420 days without a
  record then one check-in, "back after a year"; ``middle``; ``short``; ``none``), by pause;
- **hits**: in each synth couple one record (check-in, trigger or event, drawn at random
  among the couple's records) gets its year moved by -10, -1, +1 or +10; the couple counts as
  hit when that record is warned of.  Loaded with ``today`` 3 December 2026, as ``load``
  would: a typo past today is **rejected** (the no-future rule), and so is a check-in moved
  onto a day its partner already has one (a duplicate), counted apart.  A one-year
  slip of a record in the middle lands among the other records and no date rule can see it:
  ``beyond`` counts the typos that landed before the couple's first or after its last other
  record, the ones a rule on the logs' ends can catch.

``--near`` runs the rule with other values of ``NEAR_DAYS`` (the module's constant is set
for the run; the shipped value is 180).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from trustdata import io, synth  # noqa: E402
from trustdata.io import _isolated  # noqa: E402

TODAY = "2026-12-03"
SHIFTS = (-10, -1, 1, 10)
DATE = {"checkins": "date", "triggers": "timestamp", "events": "date"}


def _warned_couples(logs) -> int:
    return int(logs.warnings["couple_id"].nunique())


@functools.cache
def _synth_logs(couples: int, seed: int):
    return synth.generate(couples, seed=seed, text=False).logs


def false_alarms(logs) -> tuple[int, int]:
    """(couples warned of, couples) of ``logs`` reloaded as frames."""
    got = io.from_frames(
        checkins=logs.checkins, triggers=logs.triggers, events=logs.events, today=TODAY
    )
    return _warned_couples(got), int(logs.checkins["couple_id"].nunique())


def plant(logs, shift: int, seed: int) -> tuple[dict, int, int, int, int]:
    """One record per couple with its year moved by ``shift``: (tables, couples, hit,
    rejected, beyond)."""
    rng = np.random.default_rng(seed)
    frames = {t: getattr(logs, t).reset_index(drop=True) for t in DATE}
    rows = pd.concat(
        [
            pd.DataFrame({"table": t, "row": np.arange(len(f)), "couple_id": f["couple_id"]})
            for t, f in frames.items()
        ],
        ignore_index=True,
    )
    rows["draw"] = rng.random(len(rows))
    picked = rows.sort_values("draw").drop_duplicates("couple_id")
    days = pd.concat(
        [
            pd.DataFrame({"couple_id": f["couple_id"], "day": f[DATE[t]].dt.normalize()})
            for t, f in frames.items()
        ],
        ignore_index=True,
    )
    planted = {}
    beyond = 0
    for t, f in frames.items():
        mine = picked.loc[picked["table"] == t]
        col = DATE[t]
        f = f.copy()
        old = f.loc[mine["row"].to_numpy(), col]
        new = old + pd.DateOffset(years=shift)
        f.loc[mine["row"].to_numpy(), col] = new
        frames[t] = f
        for cid, was, now in zip(mine["couple_id"], old, new, strict=True):
            planted[cid] = (t, now)
            others = days.loc[days["couple_id"] == cid, "day"]
            others = others.drop(others.index[others == was.normalize()][:1])
            if len(others) and (now.normalize() < others.min() or now.normalize() > others.max()):
                beyond += 1
    got = io.from_frames(**frames, today=TODAY)
    rejected = len(got.rejected)  # the logs without the typos load with none rejected
    fmt = {"checkins": "%Y-%m-%d", "events": "%Y-%m-%d", "triggers": "%Y-%m-%d %H:%M"}
    w = got.warnings
    warned = set(zip(w["couple_id"], w["table"], w["value"], strict=True))
    hit = sum((cid, t, when.strftime(fmt[t])) in warned for cid, (t, when) in planted.items())
    return frames, len(planted), hit, rejected, beyond


def arcs_false_alarms(n: int, seed: int) -> pd.DataFrame:
    import _trigger_arcs

    arcs = _trigger_arcs.generate(n, seed=seed)
    got = io.from_frames(checkins=arcs.checkins, triggers=arcs.triggers, today=TODAY)
    warned = set(got.warnings["couple_id"])
    truth = arcs.truth.assign(warned=arcs.truth["couple_id"].isin(warned))
    return truth.groupby("pause")["warned"].agg(["sum", "size"])


def run(near: int, *, couples: int, seeds: range, arcs: int) -> None:
    _isolated.NEAR_DAYS = near
    print(f"\n== NEAR_DAYS = {near} (ISOLATED_DAYS = {_isolated.ISOLATED_DAYS})")
    warned = total = 0
    for seed in seeds:
        w, n = false_alarms(_synth_logs(couples, seed))
        warned, total = warned + w, total + n
    print(f"false alarms, synth {couples} couples x seeds {list(seeds)}: {warned} of {total}")
    for name in ("couples", "cohort"):
        logs = io.load(ROOT / "data" / "sample" / name, today=TODAY)
        print(f"false alarms, data/sample/{name}: {_warned_couples(logs)} of "
              f"{logs.checkins['couple_id'].nunique()}")  # fmt: skip
    table = sum(arcs_false_alarms(arcs, seed) for seed in seeds[:2])
    shown = ", ".join(f"{p} {int(r['sum'])}/{int(r['size'])}" for p, r in table.iterrows())
    print(f"warned, _trigger_arcs {arcs} series x 2 seeds, by pause: {shown}")
    for shift in SHIFTS:
        n = hit = rejected = beyond = 0
        for seed in seeds:
            _, a, b, c, d = plant(_synth_logs(couples, seed), shift, 1000 + seed)
            n, hit, rejected, beyond = n + a, hit + b, rejected + c, beyond + d
        print(
            f"typo {shift:+d} year(s): {n} couples, warned {hit} ({hit / n:.0%}), rejected "
            f"(past today or a duplicate) {rejected}, silent {n - hit - rejected}; landed "
            f"beyond the other records {beyond}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small samples (a smoke run)")
    ap.add_argument("--couples", type=int, default=300, help="synth couples per seed")
    ap.add_argument("--seeds", type=int, default=4, help="synth seeds")
    ap.add_argument("--arcs", type=int, default=1000, help="_trigger_arcs series per seed")
    ap.add_argument("--near", type=int, nargs="*", default=[180], help="NEAR_DAYS values")
    args = ap.parse_args(argv)
    if args.quick:
        args.couples, args.seeds, args.arcs = 30, 2, 60
    start = time.perf_counter()
    for near in args.near:
        run(near, couples=args.couples, seeds=range(args.seeds), arcs=args.arcs)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

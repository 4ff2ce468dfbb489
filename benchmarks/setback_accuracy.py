"""Choose and justify the defaults of ``find_setbacks`` by precision and recall on planted setbacks.

Run from the repository root::

    .venv/bin/python benchmarks/setback_accuracy.py [--tune-couples 200] [--fresh-couples 500]
                                                    [--fresh-seeds 2026 2027] [--no-grid]

1. **Tuning set**: ``trustdata.synth.generate(couples=200, seed=s, text=False)`` for the seeds
   1, 2 and 3, the seeds the defaults were tuned on.  A grid over ``level_weeks``,
   ``min_history``, ``noise_factor``, ``min_drop`` and ``recover_within`` (``sharp_drop`` stays
   at 3 points: "one sharp single-week fall of three points or more counts" is a rule, not a
   knob) is scored with :func:`trustdata.setbacks.score_detection` (a detection matches a
   planted setback of the same partner when their intervals overlap or their starts are at
   most 2 weeks apart; each matched at most once).  The best settings by F1 are printed, and
   where the defaults rank.
2. **Sensitivity**: each option moved alone around the defaults (``sharp_drop`` too).
3. **Fresh couples**: the defaults on newly generated couples with seeds never tuned on
   (500 couples each), with precision, recall, F1, and how well the dates come out for the
   matched setbacks (start in the same week as planted; end error in weeks).
4. **Sudden losses** (Tang & DeRubeis mirrored): how many fall on the first week of a planted
   setback, and how many planted setbacks begin with one (they are meant to be strict).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import pandas as pd

from trustdata import schemas, synth
from trustdata.setbacks import find_setbacks, score_detection, sudden_losses

TUNING_SEEDS = (1, 2, 3)
DEFAULTS = {
    "level_weeks": 6,
    "min_history": 2,
    "noise_factor": 2.0,
    "min_drop": 1.5,
    "sharp_drop": 3.0,
    "recover_within": 0.5,
}
GRID = {
    "level_weeks": [4, 6, 8],
    "min_history": [2, 3],
    "noise_factor": [1.5, 2.0, 2.5, 3.0],
    "min_drop": [1.0, 1.5, 2.0],
    "recover_within": [0.5, 1.0],
}
SWEEP = {
    "level_weeks": [3, 4, 6, 8, 12],
    "min_history": [1, 2, 3, 4],
    "noise_factor": [1.0, 1.5, 2.0, 2.5, 3.0, 4.0],
    "min_drop": [0.5, 1.0, 1.5, 2.0, 2.5],
    "sharp_drop": [2.0, 2.5, 3.0, 3.5, 4.0],
    "recover_within": [0.0, 0.5, 1.0, 1.5, 2.0],
}


def scores(data: list[tuple[pd.DataFrame, pd.DataFrame]], **options: float) -> dict[str, float]:
    """Pooled tp / fp / fn and precision, recall, F1 over several synthetic sets."""
    total = pd.concat([score_detection(find_setbacks(ck, **options), truth) for ck, truth in data])[
        ["tp", "fp", "fn"]
    ].sum()
    tp, fp, fn = (int(total[k]) for k in ("tp", "fp", "fn"))
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else np.nan,
        "recall": tp / (tp + fn) if tp + fn else np.nan,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan,
    }


def generate(couples: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    syn = synth.generate(couples=couples, seed=seed, text=False)
    return syn.logs.checkins, syn.setbacks


def date_accuracy(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """For each planted setback, the detection of the same partner with the nearest start
    (within 2 weeks): share with the start in the planted week, and end errors in weeks."""
    t = truth.assign(
        t_start=schemas.week_start(truth["start"]),
        t_end=schemas.week_start(truth["end"]),
        _t=np.arange(len(truth)),
    )
    pairs = t.merge(found, on=["couple_id", "partner"], suffixes=("", "_found"))
    gap = (pairs["start_found"] - pairs["t_start"]).abs()
    pairs = pairs.loc[gap <= pd.Timedelta(weeks=2)].assign(_gap=gap)
    pairs = pairs.sort_values("_gap").drop_duplicates("_t")
    start_exact = float((pairs["start_found"] == pairs["t_start"]).mean())
    both = pairs.dropna(subset=["end_found", "t_end"])
    end_err = (both["end_found"] - both["t_end"]).dt.days / 7
    return {
        "start_same_week": start_exact,
        "end_same_week": float((end_err == 0).mean()),
        "end_within_1_week": float((end_err.abs() <= 1).mean()),
        "end_error_median_weeks": float(end_err.median()),
    }


def sudden_loss_overlap(ck: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    losses = sudden_losses(ck)
    t = truth.assign(t_week=schemas.week_start(truth["start"]))
    pairs = losses.merge(t, on=["couple_id", "partner"])
    near = (pairs["post_date"] - pairs["t_week"]).abs() <= pd.Timedelta(weeks=1)
    hit_losses = pairs.loc[near, ["couple_id", "partner", "post_date"]].drop_duplicates()
    hit_truth = pairs.loc[near, ["couple_id", "partner", "t_week"]].drop_duplicates()
    return {
        "sudden_losses": len(losses),
        "at_a_planted_start": len(hit_losses) / len(losses) if len(losses) else np.nan,
        "planted_starting_with_one": len(hit_truth) / len(truth) if len(truth) else np.nan,
    }


def show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune-couples", type=int, default=200)
    parser.add_argument("--fresh-couples", type=int, default=500)
    parser.add_argument("--fresh-seeds", type=int, nargs="+", default=[2026, 2027])
    parser.add_argument("--no-grid", action="store_true", help="skip the grid search")
    args = parser.parse_args()
    clock = time.perf_counter()

    tuning = [generate(args.tune_couples, s) for s in TUNING_SEEDS]
    n_truth = sum(len(t) for _, t in tuning)
    print(
        f"tuning set: seeds {list(TUNING_SEEDS)}, {args.tune_couples} couples each, "
        f"{n_truth} planted setbacks"
    )
    if not args.no_grid:
        rows = []
        for values in itertools.product(*GRID.values()):
            options = {**DEFAULTS, **dict(zip(GRID, values, strict=True))}
            rows.append({**dict(zip(GRID, values, strict=True)), **scores(tuning, **options)})
        grid = pd.DataFrame(rows).sort_values(["f1", "precision"], ascending=False)
        grid.insert(0, "rank", np.arange(1, len(grid) + 1))
        is_default = np.all([grid[k] == DEFAULTS[k] for k in GRID], axis=0)
        print(f"\ngrid search ({len(grid)} settings), best 10 by F1:")
        print(show(grid.head(10)))
        print("\nthe defaults:")
        print(show(grid.loc[is_default]))

    print("\nsensitivity on the tuning set (one option moved, the others at their defaults):")
    rows = []
    for name, values in SWEEP.items():
        for value in values:
            result = scores(tuning, **{**DEFAULTS, name: value})
            mark = " (default)" if value == DEFAULTS[name] else ""
            rows.append({"option": name, "value": f"{value}{mark}", **result})
    print(show(pd.DataFrame(rows)))

    print(f"\nfresh couples (never tuned on), defaults {DEFAULTS}:")
    rows = []
    for seed in args.fresh_seeds:
        ck, truth = generate(args.fresh_couples, seed)
        found = find_setbacks(ck)
        rows.append(
            {
                "seed": seed,
                "couples": args.fresh_couples,
                "planted": len(truth),
                "found": len(found),
                **scores([(ck, truth)]),
                **date_accuracy(found, truth),
            }
        )
        if seed == args.fresh_seeds[0]:
            overlap = sudden_loss_overlap(ck, truth)
    fresh = pd.DataFrame(rows)
    print(show(fresh[["seed", "couples", "planted", "found", "tp", "fp", "fn"]]))
    print(show(fresh[["seed", "precision", "recall", "f1"]]))
    print(
        show(
            fresh[
                [
                    "seed",
                    "start_same_week",
                    "end_same_week",
                    "end_within_1_week",
                    "end_error_median_weeks",
                ]
            ]
        )
    )
    print(f"\nsudden losses (defaults) on seed {args.fresh_seeds[0]}: {overlap}")
    print(f"\n({time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()

"""Speed of the synthetic generator: ``generate(couples=10_000, seed=1)`` (the benchmarks' input).

Run from the repository root::

    .venv/bin/python benchmarks/bench_synth.py [--couples 10000] [--repeat 3]

Prints the time (best of ``--repeat``) with and without pandera validation, the number of rows
and the frames' memory.  Target: well under a minute (all couples are generated at once with
NumPy).
"""

from __future__ import annotations

import argparse
import time

from trustdata.synth import generate


def best_of(n: int, **kwargs) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        result = generate(**kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    generate(couples=10, seed=0)  # imports and first-call costs
    for validate in (True, False):
        seconds, syn = best_of(args.repeat, couples=args.couples, seed=1, validate=validate)
        logs = syn.logs
        mb = (
            sum(
                getattr(logs, t).memory_usage(deep=True).sum()
                for t in ("checkins", "triggers", "events", "couples")
            )
            / 1e6
        )
        print(
            f"generate(couples={args.couples:_}, seed=1, validate={validate}): {seconds:.2f} s "
            f"best of {args.repeat}; "
            f"{len(logs.checkins):,} check-ins, {len(logs.triggers):,} triggers, "
            f"{len(logs.events):,} events, {len(syn.setbacks):,} setbacks; {mb:.0f} MB"
        )


if __name__ == "__main__":
    main()

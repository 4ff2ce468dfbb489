"""Does the growth model's 95% interval cover a planted group difference 95% of the time?

Each repetition simulates a cohort with a known difference between two groups' monthly slopes,
fits :func:`trustdata.cohort.growth_model` and records whether the interval of
``time:group[therapy]`` covers the planted value.  Coverage is printed with its exact
(Clopper-Pearson) binomial 95% interval.

Two sources of cohorts:

``--source sim`` (default)
    A small simulator that follows the fitted model exactly: per couple a random intercept
    and slope, a fixed partner offset, independent normal noise, one score per partner and
    week over ``--weeks`` weeks.  Coverage should be about 95%.
``--source synth``
    :func:`trustdata.synth.generate` (realistic logs: scores rounded and clipped to 1-10,
    missed weeks, setbacks, plateaus after 6-12 months), aligned with
    :func:`trustdata.cohort.align`; only the first ``--weeks`` weeks (before any plateau) are
    used.  The planted effect is ``group_effect`` points per month for the ``therapy`` group.
    Rounding, clipping and setbacks are not in the model, so this checks robustness.

``--time linear`` (default) checks the interval of ``time:group[therapy]`` of a straight
line; ``--time spline`` checks the interval of :func:`trustdata.cohort.group_differences` at
``--month`` months (natural cubic spline of time, ``df=4``) against the planted difference
``effect * min(month, plateau)`` averaged over the therapy couples: the simulator then bends
(each couple's slope stops after uniform(``--plateau``, 2 ``--plateau``) months, default 6 to
12, like synth), and for ``synth`` the planted value is the mean over the therapy partners of
``group_effect * min(month, plateau_month)`` from ``params``.

Each cohort is fitted with both standard errors (``--se both``, the default): the
cluster-robust sandwich by couple (the package's default) and the model-based one (lme4's
``vcov``), so the two coverages are paired.

Run from the repository root with the checkout's package first on the path (a script's folder,
not the current one, starts ``sys.path``; fits are cheap, from sufficient statistics; ``nice``
on a shared machine)::

    export PYTHONPATH=$PWD
    .venv/bin/python benchmarks/coverage_simulation.py --seed 20000 --reps 200
    .venv/bin/python benchmarks/coverage_simulation.py --seed 20000 --reps 200 --couples 30
    .venv/bin/python benchmarks/coverage_simulation.py --seed 20000 --reps 200 --time spline \
        --weeks 52
    .venv/bin/python benchmarks/coverage_simulation.py --seed 20000 --reps 200 --source synth \
        --effect 0.1
    .venv/bin/python benchmarks/coverage_simulation.py --seed 20000 --reps 200 --source synth \
        --time spline --weeks 52 --effect 0.1

The figures and what they decided are in ``docs/research.md`` (section 3).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from trustdata import cohort, schemas

TERM = "time:group[therapy]"


def simulate(
    couples: int,
    *,
    seed: int,
    effect: float = 0.3,
    weeks: int = 26,
    slope_sd: float = 0.2,
    noise_sd: float = 0.8,
    plateau: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An aligned cohort (couple_id, partner, aligned_week, score) and its groups.

    Half the couples are ``therapy`` (slope + ``effect`` points per month), half ``waitlist``.
    """
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:06d}" for i in range(couples)])
    therapy = np.arange(couples) % 2 == 0
    intercept = rng.normal(4.0, 1.0, couples)
    slope = rng.normal(0.2, slope_sd, couples) + np.where(therapy, effect, 0.0)
    # with a plateau, each couple's growth stops after uniform(plateau, 2 plateau) months
    plat = rng.uniform(plateau, 2 * plateau, couples) if plateau is not None else None
    n = couples * 2 * weeks
    couple = np.repeat(np.arange(couples), 2 * weeks)
    partner = np.tile(np.repeat([0, 1], weeks), couples)
    week = np.tile(np.arange(weeks), 2 * couples)
    months = week * 7 / schemas.DAYS_PER_MONTH
    score = (
        intercept[couple]
        + np.where(partner == 1, 0.8, 0.0)
        + slope[couple] * (months if plateau is None else np.minimum(months, plat[couple]))
        + rng.normal(0, noise_sd, n)
    )
    aligned = pd.DataFrame(
        {
            "couple_id": pd.Series(ids[couple], dtype="str"),
            "partner": pd.Series(np.array(["A", "B"])[partner], dtype="str"),
            "aligned_week": week.astype("int64"),
            "score": score,
        }
    )
    groups = pd.DataFrame(
        {"couple_id": ids, "group": np.where(therapy, "therapy", "waitlist")}
    ).astype("str")
    if plat is not None:
        groups["plateau"] = plat
    return aligned, groups


def synth_cohort(
    couples: int, *, seed: int, effect: float, weeks: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from trustdata.synth import generate

    syn = generate(couples, seed=seed, cohort=True, group_effect=effect, text=False)
    aligned = cohort.align(syn.logs.checkins, syn.logs.events, fallback="disclosure")
    aligned = aligned.loc[aligned["aligned_week"].between(0, weeks - 1)]
    return aligned, cohort.groups_from_couples(syn.logs.couples), syn.params


def run(
    source: str,
    reps: int,
    couples: int,
    effect: float,
    weeks: int,
    seed: int,
    shape: str = "linear",
    month: float = 6.0,
    plateau: float | None = None,
    se: str = "both",
) -> None:
    rows = []
    kinds = ("model", "robust") if se == "both" else (se,)
    t0 = time.perf_counter()
    if shape == "spline" and plateau is None:
        plateau = 6.0
    for rep in range(reps):
        if source == "sim":
            aligned, groups = simulate(
                couples, seed=seed + rep, effect=effect, weeks=weeks, plateau=plateau
            )
            if shape == "linear":
                planted = effect
            else:
                p = groups.loc[groups["group"] == "therapy", "plateau"]
                planted = float(effect * np.minimum(month, p).mean())
        else:
            aligned, groups, params = synth_cohort(
                couples, seed=seed + rep, effect=effect, weeks=weeks
            )
            therapy = params[params["group"] == "therapy"]
            planted = (
                effect
                if shape == "linear"
                else float(
                    (therapy["group_effect"] * np.minimum(month, therapy["plateau_month"])).mean()
                )
            )
        for kind in kinds:  # the same cohorts for every kind of SE: a paired comparison
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if shape == "linear":
                    fit = cohort.growth_model(aligned, groups, reference="waitlist", se=kind)
                    row = fit.set_index("term").loc[TERM]
                else:
                    fit = cohort.group_differences(
                        aligned,
                        groups,
                        reference="waitlist",
                        months=(month,),
                        time="spline",
                        df=4,
                        se=kind,
                    )
                    row = fit.iloc[0]
            rows.append(
                {
                    "se": kind,
                    "planted": planted,
                    "estimate": row["estimate"],
                    "std_error": row["std_error"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "converged": fit.attrs["converged"],
                }
            )
    target = TERM if shape == "linear" else f"the therapy - waitlist difference at {month:g} months"
    print(
        f"source={source} time={shape} reps={reps} couples={couples} weeks={weeks} "
        f"effect={effect} points/month seed={seed}"
        + (f" plateau={plateau:g} months" if source == "sim" and plateau is not None else "")
        + f" ({time.perf_counter() - t0:.0f} s)"
    )
    for kind, res in pd.DataFrame(rows).groupby("se", sort=False):
        hit = (res["ci_low"] <= res["planted"]) & (res["planted"] <= res["ci_high"])
        covered = int(hit.sum())
        ci = stats.binomtest(covered, reps).proportion_ci(confidence_level=0.95, method="exact")
        mean, planted_mean = res["estimate"].mean(), res["planted"].mean()
        print(
            f"coverage of the 95% interval of {target}, {kind} SE: {covered}/{reps} = "
            f"{covered / reps:.3f} (exact binomial 95% CI {ci.low:.3f}-{ci.high:.3f}); "
            f"mean planted {planted_mean:.4f}, mean estimate {mean:.4f} "
            f"(bias {mean - planted_mean:+.4f}), sd of estimates {res['estimate'].std():.4f}, "
            f"mean SE {res['std_error'].mean():.4f}, mean interval width "
            f"{(res['ci_high'] - res['ci_low']).mean():.4f}, "
            f"not converged {int((~res['converged']).sum())}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["sim", "synth"], default="sim")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--couples", type=int, default=60)
    parser.add_argument("--effect", type=float, default=0.3, help="points per month")
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time", choices=["linear", "spline"], default="linear")
    parser.add_argument("--month", type=float, default=6.0, help="spline: month compared")
    parser.add_argument("--plateau", type=float, default=None, help="sim: months of growth")
    parser.add_argument(
        "--se",
        choices=["model", "robust", "both"],
        default="both",
        help="the standard error(s) whose intervals are counted (both: on the same cohorts)",
    )
    args = parser.parse_args()
    run(
        args.source,
        args.reps,
        args.couples,
        args.effect,
        args.weeks,
        args.seed,
        shape=args.time,
        month=args.month,
        plateau=args.plateau,
        se=args.se,
    )


if __name__ == "__main__":
    main()

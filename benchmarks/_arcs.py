"""A second planted-arc generator, built to differ from :mod:`trustdata.synth` on purpose.

:mod:`trustdata.synth` plants a linear rise from the anchor to a plateau, independent Gaussian
noise and setbacks (sudden drops held for weeks).  The verdict benchmark must not be scored only
on the generator the rules could have been shaped around, so this one is structurally different:

- **one partner per series**, no couples, no events, no triggers: only the arc is planted;
- **three classes** with a gap between them: ``improving`` (the level rises by 2.5 to 4.5
  points from the first to the last week), ``flat`` (no change at all) and ``worsening`` (falls
  by 2 to 3.5 points);
- **four arc shapes** for the changing classes (``shape``): ``steady`` (linear over the whole
  span), ``early`` (the whole change in the first 15-45 % of the span, then a plateau),
  ``late`` (flat, then the whole change between 45-65 % and at most 92 % of the span, then a
  short plateau) and ``sigmoid`` (a logistic curve centred at 30-70 % of the span); a flat
  series is ``shape="flat"``;
- **AR(1) noise with heavy tails**: ``e[t] = rho * e[t-1] + u[t]``, ``rho`` 0-0.6, ``u``
  Student-t with 5 degrees of freedom, scaled so the marginal SD of ``e`` is ``sigma``
  (0.35-0.8 points);
- **whole points**: ``clip(round(level + e), 1, 10)``;
- **irregular logging**: 30-110 weeks; each week missed with probability 0-25 %; with
  probability 0.3 one gap of 2-6 weeks; check-ins on a usual weekday +/- 1 day; 5 % of weeks
  hold a second check-in (its own noise, same week).

The truth is returned beside the check-ins: one row per series with its class, ``arc_shape``,
planted change (level in the last week minus level in the first), ``sigma``, ``rho`` and length.

Examples
--------
>>> arcs = generate(20, seed=5)
>>> sorted(arcs.truth["klass"].unique().tolist())
['flat', 'improving', 'worsening']
>>> bool(arcs.checkins["connection"].between(1, 10).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustdata.logs import as_table

CLASSES: tuple[str, ...] = ("improving", "flat", "worsening")
SHAPES: tuple[str, ...] = ("steady", "early", "late", "sigmoid")


@dataclass(frozen=True)
class Arcs:
    """Validated check-ins (couple ``arc-00001``, partner ``A``) and their planted truth."""

    checkins: pd.DataFrame
    truth: pd.DataFrame


def _shape_curve(shape: str, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The share of the change reached at each relative time ``t`` in [0, 1] (0 at t=0, 1 at 1)."""
    if shape == "steady":
        return t
    if shape == "early":
        end = rng.uniform(0.15, 0.45)
        return np.minimum(t / end, 1.0)
    if shape == "late":
        start = rng.uniform(0.45, 0.65)
        end = min(start + rng.uniform(0.2, 0.3), 0.92)
        return np.clip((t - start) / (end - start), 0.0, 1.0)
    centre = rng.uniform(0.3, 0.7)
    width = rng.uniform(0.04, 0.12)
    raw = 1 / (1 + np.exp(-(t - centre) / width))
    lo, hi = 1 / (1 + np.exp(centre / width)), 1 / (1 + np.exp(-(1 - centre) / width))
    return (raw - lo) / (hi - lo)


def _ar1(n: int, rho: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    df = 5
    u = rng.standard_t(df, size=n) * np.sqrt((df - 2) / df)  # unit variance
    u *= sigma * np.sqrt(1 - rho**2)
    e = np.empty(n)
    e[0] = rng.standard_t(df) * np.sqrt((df - 2) / df) * sigma
    for t in range(1, n):
        e[t] = rho * e[t - 1] + u[t]
    return e


def generate(n: int, *, seed: int, classes: tuple[str, ...] = CLASSES) -> Arcs:
    """``n`` series, classes in turn (``classes[i % len(classes)]``), all from one ``seed``."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    truth: list[dict] = []
    for i in range(n):
        klass = classes[i % len(classes)]
        weeks = int(rng.integers(30, 111))
        if klass == "improving":
            delta = rng.uniform(2.5, 4.5)
            start = rng.uniform(1.5, 9.5 - delta)
        elif klass == "worsening":
            delta = -rng.uniform(2.0, 3.5)
            start = rng.uniform(1.5 - delta, 9.5)
        else:
            delta = 0.0
            start = rng.uniform(2.0, 8.5)
        shape = "flat" if klass == "flat" else SHAPES[int(rng.integers(len(SHAPES)))]
        t = np.arange(weeks) / (weeks - 1)
        level = start + delta * (_shape_curve(shape, t, rng) if shape != "flat" else 0 * t)
        rho = rng.uniform(0.0, 0.6)
        sigma = rng.uniform(0.35, 0.8)
        noise = _ar1(weeks, rho, sigma, rng)
        keep = rng.random(weeks) >= rng.uniform(0.0, 0.25)
        if rng.random() < 0.3:
            gap_at = int(rng.integers(4, weeks - 10))
            keep[gap_at : gap_at + int(rng.integers(2, 7))] = False
        keep[[0, -1]] = True  # the span is the planted span
        weekday = int(rng.integers(7))
        first = pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=int(rng.integers(0, 100)))
        cid = f"arc-{i:05d}"
        for w in np.flatnonzero(keep):
            day = int(np.clip(weekday + rng.integers(-1, 2), 0, 6))
            score = int(np.clip(np.round(level[w] + noise[w]), 1, 10))
            date = first + pd.Timedelta(days=7 * int(w) + day)
            rows.append({"couple_id": cid, "partner": "A", "date": date, "connection": score})
            if rng.random() < 0.05 and day < 6:
                extra = rng.normal(0, sigma * 0.5)
                score2 = int(np.clip(np.round(level[w] + noise[w] + extra), 1, 10))
                rows.append(
                    {
                        "couple_id": cid,
                        "partner": "A",
                        "date": date + pd.Timedelta(days=1),
                        "connection": score2,
                    }
                )
        truth.append(
            {
                "couple_id": cid,
                "partner": "A",
                "klass": klass,
                "arc_shape": shape,
                "delta": delta,
                "start": start,
                "weeks": weeks,
                "sigma": sigma,
                "rho": rho,
            }
        )
    frame = pd.DataFrame(rows)
    frame = frame.drop_duplicates(["couple_id", "partner", "date"], keep="first")
    return Arcs(checkins=as_table("checkins", frame), truth=pd.DataFrame(truth))

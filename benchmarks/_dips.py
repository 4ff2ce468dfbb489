"""A second planted-setback generator, built to differ from :mod:`trustdata.synth` on purpose.

``trustdata.synth`` plants sudden drops of 3-6 points, held and then recovered linearly, on
recovery arcs with independent noise of SD 0.4-0.8.  A detector tuned on it alone can learn its
shapes.  This generator draws everything differently:

- **Level**: per partner one of three courses: a *steep rise* (0.15-0.45 points a week from
  2-4.5 up to a plateau at 7-9.5), a *slow rise* (0.02-0.08 a week) or a *plateau* (flat at
  5-9).  Dips are placed both on the steep part of a rise and on plateaus.
- **Noise**: AR(1), week-to-week correlation ``ar`` 0-0.6, marginal SD ``noise_sd`` 0.3-1.0.
- **Dips** (one to three per partner, never overlapping, at least 6 weeks apart), 2-8 weeks
  long (weeks with a planted offset), 2-5 points deep (uniform), of three shapes:

  - ``"hold"``: a sharp fall to the full depth, held, then a climb over 1-3 weeks;
  - ``"v"``: a fall over about half the weeks to the full depth, then straight back;
  - ``"slide"``: a slow slide over about two thirds of the weeks, then a slow recovery.

- **Check-ins**: one a week on the partner's usual weekday (a day off now and then), whole
  points ``clip(round(level - offset + noise), 1, 10)``; 0-12 % of weeks missed at random and a
  third of partners with one gap of 2-4 weeks.  40-104 weeks per partner.

The truth has the layout of :attr:`trustdata.synth.Synthetic.setbacks`
(:data:`trustdata.synth.SETBACK_TRUTH_COLUMNS` first, in order), as the check-ins show it: the
visible offset at a check-in is ``min(offset, level - 1)``;

- ``start``: the first check-in with a visible offset of 1 point or more (a slow slide's first
  fraction of a point is not visible);
- ``trough_date`` / ``depth``: the first check-in with the largest visible offset, and that offset;
- ``end``: the first check-in after the trough with an offset below 1 point (NaT when the log
  stops first), as in ``trustdata.synth``;
- listed only when ``depth >= trustdata.synth.MIN_VISIBLE_DEPTH`` (2 points).

Extra columns after those: ``shape``, ``length_weeks`` (planted weeks with an offset),
``noise_sd``, ``ar``, ``slope`` (points per week of the level at the planted start) and
``on_rise`` (``slope >= 0.1``).

Usage::

    from benchmarks._dips import generate
    dips = generate(couples=200, seed=1)
    dips.checkins, dips.setbacks, dips.params
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustdata.logs import as_table
from trustdata.synth import MIN_VISIBLE_DEPTH, SETBACK_TRUTH_COLUMNS

SHAPES = ("hold", "v", "slide")
EXTRA_TRUTH_COLUMNS = ("shape", "length_weeks", "noise_sd", "ar", "slope", "on_rise")


@dataclass(frozen=True)
class Dips:
    """Check-ins (log format v1, validated), the planted setbacks, each partner's parameters and
    the planted level and offset at each check-in (``levels``, in the order of ``checkins``)."""

    checkins: pd.DataFrame
    setbacks: pd.DataFrame
    params: pd.DataFrame
    levels: pd.DataFrame


def dip_offsets(shape: str, length: int, depth: float) -> np.ndarray:
    """The planted offset (points below the level) in each of the dip's ``length`` weeks.

    >>> dip_offsets("hold", 4, 3.0).tolist()
    [3.0, 3.0, 3.0, 1.5]
    >>> dip_offsets("v", 4, 2.0).tolist()
    [1.0, 2.0, 1.3333333333333335, 0.6666666666666667]
    """
    k = np.arange(length, dtype="float64")
    if shape == "hold":
        climb = min(max(1, length // 3), 3)
        hold = length - climb
        out = np.where(k < hold, 1.0, 1.0 - (k - hold + 1) / (climb + 1))
    elif shape == "v":
        fall = int(np.ceil(length / 2))
        back = length - fall
        out = np.where(k < fall, (k + 1) / fall, 1.0 - (k - fall + 1) / (back + 1))
    elif shape == "slide":
        fall = max(1, int(np.ceil(2 * length / 3)))
        back = length - fall
        out = np.where(k < fall, (k + 1) / fall, 1.0 - (k - fall + 1) / (back + 1))
    else:
        raise ValueError(f"The value for `shape` must be one of {list(SHAPES)}, but {shape!r}.")
    return depth * out


def _level(rng: np.random.Generator, weeks: int) -> tuple[np.ndarray, str]:
    t = np.arange(weeks, dtype="float64")
    kind = rng.choice(["steep_rise", "slow_rise", "plateau"], p=[0.45, 0.25, 0.30])
    if kind == "steep_rise":
        start, top = rng.uniform(2.0, 4.5), rng.uniform(7.0, 9.5)
        slope = rng.uniform(0.15, 0.45)
        delay = rng.integers(0, 12)
        level = np.minimum(start + slope * np.maximum(t - delay, 0.0), top)
    elif kind == "slow_rise":
        start = rng.uniform(3.5, 6.0)
        level = np.minimum(start + rng.uniform(0.02, 0.08) * t, 9.0)
    else:
        level = np.full(weeks, rng.uniform(5.0, 9.0))
    return level, str(kind)


def _place_dips(rng: np.random.Generator, level: np.ndarray) -> list[tuple[int, int, float, str]]:
    """Non-overlapping dips (start week, length, depth, shape); half tried on a steep part."""
    weeks = len(level)
    slope = np.gradient(level)
    steep = np.flatnonzero(slope >= 0.1)
    wanted = int(rng.integers(1, 4))
    taken = np.zeros(weeks + 16, dtype=bool)
    out: list[tuple[int, int, float, str]] = []
    for _ in range(30):
        if len(out) == wanted:
            break
        length = int(rng.integers(2, 9))
        depth = float(rng.uniform(2.0, 5.0))
        shape = str(rng.choice(SHAPES))
        if shape == "slide" and length < 4:
            shape = "v"
        if len(steep) and rng.random() < 0.5:
            start = int(rng.choice(steep))
        else:
            start = int(rng.integers(3, weeks - 1))
        if start < 3 or start >= weeks - 1:
            continue
        lo, hi = max(0, start - 6), start + length + 6
        if taken[lo:hi].any():
            continue
        # Room on the scale: the level where the dip is deepest must leave the full depth.
        if level[min(start + length // 2, weeks - 1)] - 1.0 < depth:
            continue
        taken[start : start + length] = True
        out.append((start, length, depth, shape))
    return sorted(out)


def generate(couples: int = 200, seed: int = 0) -> Dips:
    """Generate ``couples`` couples (partners ``A`` and ``B``) with planted dips."""
    rng = np.random.default_rng(seed)
    rows: list[pd.DataFrame] = []
    truth: list[dict] = []
    params: list[dict] = []
    levels: list[pd.DataFrame] = []
    first_monday = pd.Timestamp("2024-01-01")
    for c in range(couples):
        couple = f"dip-{seed}-{c:04d}"
        week0 = first_monday + pd.Timedelta(weeks=int(rng.integers(0, 52)))
        for partner in ("A", "B"):
            weeks = int(rng.integers(40, 105))
            level, course = _level(rng, weeks)
            noise_sd = float(rng.uniform(0.3, 1.0))
            ar = float(rng.uniform(0.0, 0.6))
            z = rng.standard_normal(weeks)
            e = np.empty(weeks)
            e[0] = z[0]
            for k in range(1, weeks):
                e[k] = ar * e[k - 1] + np.sqrt(1.0 - ar * ar) * z[k]
            e *= noise_sd
            offset = np.zeros(weeks)
            dip_id = np.full(weeks, -1)
            dips = _place_dips(rng, level)
            for j, (start, length, depth, shape) in enumerate(dips):
                off = dip_offsets(shape, length, depth)[: weeks - start]
                offset[start : start + len(off)] = off
                dip_id[start : start + len(off)] = j
            score = np.clip(np.rint(level - offset + e), 1, 10)
            observed = rng.random(weeks) >= rng.uniform(0.0, 0.12)
            if rng.random() < 1 / 3:
                gap = int(rng.integers(2, 5))
                at = int(rng.integers(2, max(3, weeks - gap)))
                observed[at : at + gap] = False
            observed[0] = True
            weekday = int(rng.integers(0, 7))
            day = np.clip(
                weekday + np.where(rng.random(weeks) < 0.2, rng.integers(-1, 2, weeks), 0), 0, 6
            )
            dates = week0 + pd.to_timedelta(7 * np.arange(weeks) + day, unit="D")
            obs = np.flatnonzero(observed)
            rows.append(
                pd.DataFrame(
                    {
                        "couple_id": couple,
                        "partner": partner,
                        "date": dates[obs],
                        "connection": score[obs].astype("int64"),
                    }
                )
            )
            levels.append(
                pd.DataFrame(
                    {
                        "couple_id": couple,
                        "partner": partner,
                        "date": dates[obs],
                        "level": level[obs],
                        "offset": offset[obs],
                    }
                )
            )
            params.append(
                {
                    "couple_id": couple,
                    "partner": partner,
                    "course": course,
                    "noise_sd": round(noise_sd, 3),
                    "ar": round(ar, 3),
                    "weeks": weeks,
                    "first_week": week0,
                    "dips": len(dips),
                }
            )
            visible = np.minimum(offset, level - 1.0)
            slope = np.gradient(level)
            for j, (start, length, depth, shape) in enumerate(dips):
                mine = obs[dip_id[obs] == j]
                seen = mine[visible[mine] >= 1.0]
                if len(seen) == 0:
                    continue
                trough = int(mine[np.argmax(visible[mine])])
                seen_depth = float(np.round(visible[trough], 2))
                if seen_depth < MIN_VISIBLE_DEPTH:
                    continue
                after = obs[(obs > trough) & (offset[obs] < 1.0)]
                off = dip_offsets(shape, length, depth)
                truth.append(
                    {
                        "couple_id": couple,
                        "partner": partner,
                        "start": dates[int(seen[0])],
                        "trough_date": dates[trough],
                        "end": dates[int(after[0])] if len(after) else pd.NaT,
                        "depth": seen_depth,
                        "cause": "spontaneous",
                        "planted_depth": round(depth, 1),
                        "weeks_at_depth": int(np.sum(off >= depth - 1e-9)),
                        "recovery_weeks": int(length - 1 - np.flatnonzero(off >= depth - 1e-9)[-1]),
                        "planted_start": (week0 + pd.Timedelta(weeks=start)),
                        "level_at_trough": round(float(level[trough]), 3),
                        "low_checkins": int(np.sum(visible[mine] >= 1.0)),
                        "shape": shape,
                        "length_weeks": length,
                        "noise_sd": round(noise_sd, 3),
                        "ar": round(ar, 3),
                        "slope": round(float(slope[start]), 3),
                        "on_rise": bool(slope[start] >= 0.1),
                    }
                )
    checkins = as_table("checkins", pd.concat(rows, ignore_index=True))
    columns = [*SETBACK_TRUTH_COLUMNS, *EXTRA_TRUTH_COLUMNS]
    setbacks = pd.DataFrame(truth, columns=columns)
    setbacks["start"] = setbacks["start"].astype("datetime64[ns]")
    setbacks["trough_date"] = setbacks["trough_date"].astype("datetime64[ns]")
    setbacks["end"] = setbacks["end"].astype("datetime64[ns]")
    setbacks["planted_start"] = setbacks["planted_start"].astype("datetime64[ns]")
    setbacks = setbacks.sort_values(["couple_id", "partner", "start"], ignore_index=True)
    return Dips(
        checkins=checkins,
        setbacks=setbacks,
        params=pd.DataFrame(params),
        levels=pd.concat(levels, ignore_index=True),
    )

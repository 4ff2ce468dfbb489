"""A planted-trigger generator built to differ from :mod:`trustdata.synth`'s trigger model.

:mod:`trustdata.synth` draws **independent Poisson counts per week** from a rate that falls
geometrically from the anchor to month 12 and is then flat, with deterministic multipliers (x3
in the weeks around an anniversary, x2 during a setback, a fading boost after new information);
every partner who logs triggers has a falling rate, and its only logging pauses are gaps of
2-4 weeks and partners who stop.  This generator differs in kind:

- **one partner per series** (couple ``trg-00001``, partner ``A``), simulated **day by day**;
- **three classes**: ``falling`` (the base rate in the latest window is ``ratio`` 0.2-0.6
  times the rate in the first), ``flat`` (``ratio`` 1) and ``rising`` (``ratio`` 1.7-3); the
  change is a ramp between the end of the first and the start of the latest window as the
  partner logged them (``steady`` over the whole stretch, ``early`` in its first 30 %,
  ``late`` in its last 30 %), so the planted ratio holds between the two windows;
- **clustered triggers** (``cluster``), from four mechanisms: ``poisson`` (none),
  ``hawkes`` (self-exciting: every trigger raises the next days' rate by a geometric kernel of
  mean 1-5 days, branching ratio 0.2-0.7; the base rate is scaled by ``1 - branching`` so the
  mean rate is the planted one), ``waves`` (gamma-mixed: the rate is multiplied by a
  Gamma(k, 1/k) draw, mean 1, ``k`` 0.7-3, held for episodes of geometric length with mean
  7-21 days) and ``hawkes+waves`` (both, branching 0.1-0.5);
- **anniversary bursts**: the rate is 1.5-4 times higher in the 15 days around each yearly
  return of the anchor (7-60 days before the first record) and 1.5-3 times around 0-2 other
  hard dates a year (9 days each);
- **intensities 1-10**: a partner mean of 3-8, drifting by 1-3 points down or up over the
  span or not at all (half the partners), one point higher in a burst, noise SD 1.4, whole
  points;
- **weekly check-ins** on a usual weekday (+/- 1 day), each missed with probability 0-30 %;
  an intake check-in on the first day and one on the last day;
- **planted logging pauses** (``pause``; nothing is recorded in them, neither triggers nor
  check-ins, though the partner's triggers go on happening and exciting later ones):
  ``none``; ``start`` (one intake check-in, then 50-200 days without a record); ``middle``
  (40-150 days between the two windows); ``end`` (logs for 8-23 months, then 300-420 days
  without a record, then one check-in: "back after a year"); ``short`` (one or two pauses of
  10-35 days anywhere, windows included: less than half a window).

The truth is returned beside the logs: one row per series (class, planted ``ratio``, base rate,
clustering, pause) and, per series, the **expected number of triggers on each day**
(``expected``, computed exactly from the same recursion as the draws, pause days included:
triggers happen whether or not they are logged) and whether each day was **logged**
(``logged``).  :func:`window_truth` turns both into the planted rate of any window and the days
of it that were not logged.

Examples
--------
>>> arcs = generate(12, seed=5)
>>> sorted(arcs.truth["klass"].unique().tolist())
['falling', 'flat', 'rising']
>>> bool(arcs.triggers["intensity"].between(1, 10).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustdata import schemas
from trustdata.logs import as_table

CLASSES: tuple[str, ...] = ("falling", "flat", "rising")
CLUSTERS: tuple[str, ...] = ("poisson", "hawkes", "waves", "hawkes+waves")
PAUSES: tuple[str, ...] = ("none", "start", "middle", "end", "short")
#: Each pause kind's probability (in the order of :data:`PAUSES`).
PAUSE_P: tuple[float, ...] = (0.4, 0.15, 0.15, 0.15, 0.15)
#: The windows trigger_trend uses by default: 3 months of DAYS_PER_MONTH days.
WINDOW_DAYS: float = 3 * schemas.DAYS_PER_MONTH
_DAY0 = pd.Timestamp("2023-01-02")


@dataclass(frozen=True)
class TriggerArcs:
    """Validated triggers and check-ins, their truth, and each series' days.

    ``expected[i]`` / ``logged[i]`` belong to series ``truth.iloc[i]``; day 0 is
    ``truth["day0"].iloc[i]``.
    """

    triggers: pd.DataFrame
    checkins: pd.DataFrame
    truth: pd.DataFrame
    expected: list[np.ndarray]
    logged: list[np.ndarray]


def _ramp(shape: str, t: np.ndarray, a: float, b: float) -> np.ndarray:
    """Share of the change reached on day ``t``: 0 up to ``a``, 1 from ``b``."""
    if shape == "early":
        b = a + 0.3 * (b - a)
    elif shape == "late":
        a = b - 0.3 * (b - a)
    return np.clip((t - a) / max(b - a, 1.0), 0.0, 1.0)


def generate(
    n: int, *, seed: int, classes: tuple[str, ...] = CLASSES, record_all: bool = False
) -> TriggerArcs:
    """``n`` series, classes in turn (``classes[i % len(classes)]``), all from one ``seed``.

    ``record_all=True`` gives the same partners' logs as if they had logged through their
    pauses (every trigger and check-in drawn is kept): the counterfactual of a pause.
    """
    rng = np.random.default_rng(seed)
    W = WINDOW_DAYS
    truth: list[dict] = []
    bases: list[np.ndarray] = []
    logged: list[np.ndarray] = []
    for i in range(n):
        klass = classes[i % len(classes)]
        pause = PAUSES[int(rng.choice(len(PAUSES), p=PAUSE_P))]
        pauses: list[tuple[int, int]] = []  # (first day, last day) not logged
        if pause == "start":
            gap = int(rng.integers(50, 201))
            log_from, length = gap + 1, gap + 1 + int(rng.integers(240, 701))
            pauses.append((1, gap))
            log_to = length - 1
        elif pause == "end":
            log_to = int(rng.integers(240, 701))
            gap = int(rng.integers(300, 421))
            length = log_to + gap + 2
            pauses.append((log_to + 1, log_to + gap))
            log_from = 0
        else:
            log_from = 0
            length = int(rng.integers(240, 801))
            log_to = length - 1
            if pause == "middle":
                gap = int(rng.integers(40, 151))
                length = max(length, int(2 * W) + gap + 40)
                log_to = length - 1
                lo, hi = int(W) + 10, int(length - W) - 10 - gap
                at = int(rng.integers(lo, hi + 1))
                pauses.append((at, at + gap - 1))
            elif pause == "short":
                for _ in range(int(rng.integers(1, 3))):
                    gap = int(rng.integers(10, 36))
                    at = int(rng.integers(5, length - gap - 5))
                    pauses.append((at, at + gap - 1))
        t = np.arange(length, dtype=float)
        log = np.ones(length, dtype=bool)
        for a, b in pauses:
            log[a : b + 1] = False
        # the planted change: a ramp between the windows as the partner logged them
        if klass == "falling":
            ratio = rng.uniform(0.2, 0.6)
            r0 = np.exp(rng.uniform(np.log(3), np.log(30)))
        elif klass == "rising":
            ratio = rng.uniform(1.7, 3.0)
            r0 = np.exp(rng.uniform(np.log(1), np.log(12)))
        else:
            ratio = 1.0
            r0 = np.exp(rng.uniform(np.log(1), np.log(25)))
        shape = ("steady", "early", "late")[int(rng.integers(3))] if klass != "flat" else "flat"
        ramp = _ramp(shape, t, log_from + W, log_to + 1 - W) if klass != "flat" else 0 * t
        base = r0 / schemas.DAYS_PER_MONTH * ratio**ramp
        # anniversary bursts: the anchor's yearly return and 0-2 other hard dates
        anchor = -int(rng.integers(7, 61))
        burst = np.ones(length)
        for year in range(1, 5):
            day = anchor + round(365.25 * year)
            burst[max(day - 7, 0) : max(day + 8, 0)] *= rng.uniform(1.5, 4.0)
        for _ in range(int(rng.integers(0, 3))):
            doy = int(rng.integers(0, 365))
            size = rng.uniform(1.5, 3.0)
            for year in range(0, 5):
                day = doy + round(365.25 * year)
                burst[max(day - 4, 0) : max(day + 5, 0)] *= size
        cluster = CLUSTERS[int(rng.integers(len(CLUSTERS)))]
        m = 0.0
        if cluster == "hawkes":
            m = rng.uniform(0.2, 0.7)
        elif cluster == "hawkes+waves":
            m = rng.uniform(0.1, 0.5)
        decay = rng.uniform(1.0, 5.0)  # mean delay of an excited trigger, days
        k = rng.uniform(0.7, 3.0) if "waves" in cluster else np.inf
        wave_len = rng.uniform(7.0, 21.0)
        drift = 0.0 if rng.random() < 0.5 else rng.choice([-1, 1]) * rng.uniform(1.0, 3.0)
        truth.append(
            {
                "couple_id": f"trg-{i + 1:05d}",
                "partner": "A",
                "klass": klass,
                "ratio": ratio,
                "rate_per_month": r0,
                "ramp": shape,
                "cluster": cluster,
                "branching": m,
                "decay_days": decay,
                "wave_shape": k,
                "wave_days": wave_len,
                "pause": pause,
                "n_pauses": len(pauses),
                "pause_from": pauses[0][0] if pauses else -1,
                "pause_to": pauses[0][1] if pauses else -1,
                "days": length,
                "intensity_mean": rng.uniform(3.0, 8.0),
                "intensity_drift": drift,
                "weekday": int(rng.integers(7)),
                "miss": rng.uniform(0.0, 0.3),
                "day0": _DAY0 + pd.Timedelta(days=int(rng.integers(0, 300))),
                "_burst": burst,
            }
        )
        bases.append(base * (1 - m))  # immigrant rate: the mean rate is the planted one
        logged.append(log)
    frame = pd.DataFrame(truth)
    P, L = n, int(frame["days"].max()) if n else 0
    base_g = np.zeros((P, L))
    burst_g = np.zeros((P, L), dtype=bool)
    for p in range(P):
        d = int(frame["days"].iloc[p])
        bases[p] = bases[p] * frame["_burst"].iloc[p]
        base_g[p, :d] = bases[p]
        burst_g[p, :d] = frame["_burst"].iloc[p] > 1
    # waves: a Gamma(k, 1/k) multiplier per episode of geometric length
    kk = frame["wave_shape"].to_numpy()
    new_ep = rng.random((P, L)) < (1 / frame["wave_days"].to_numpy())[:, None]
    episode = np.cumsum(new_ep, axis=1)
    finite = np.isfinite(kk)
    shape_k = np.where(finite, kk, 1.0)[:, None]
    g = rng.gamma(shape_k, 1 / shape_k, size=(P, L + 1))
    mult = np.where(finite[:, None], np.take_along_axis(g, episode, axis=1), 1.0)
    # self-excitation on the day grid: lam_t = base_t w_t + m (1 - a) E_t, E_t = a E_{t-1} + N_{t-1}
    m = frame["branching"].to_numpy()
    a = 1 - 1 / frame["decay_days"].to_numpy()
    c = m * (1 - a)
    counts = np.zeros((P, L), dtype=np.int64)
    expect = np.zeros((P, L))
    E = np.zeros(P)
    EE = np.zeros(P)
    days_n = frame["days"].to_numpy()
    for t in range(L):
        lam = (base_g[:, t] * mult[:, t] + c * E) * (t < days_n)  # nothing after the span
        nt = rng.poisson(lam)
        counts[:, t] = nt
        en = (base_g[:, t] + c * EE) * (t < days_n)
        expect[:, t] = en
        E = a * E + nt
        EE = a * EE + en
    expected = [expect[p, : int(frame["days"].iloc[p])].copy() for p in range(P)]
    # records: every trigger and weekly check-in drawn first (the same draws whether or not
    # pauses are kept), then those on days not logged dropped unless ``record_all``
    ci_p_l: list[np.ndarray] = []
    ci_d_l: list[np.ndarray] = []
    for p in range(P):
        d = int(frame["days"].iloc[p])
        wd = int(frame["weekday"].iloc[p])
        days = np.arange(wd, d, 7)
        days = days + rng.integers(-1, 2, len(days))
        days = days[(days >= 0) & (days < d)]
        days = days[rng.random(len(days)) >= frame["miss"].iloc[p]]
        days = np.union1d(days, [0, d - 1]).astype(np.int64)
        ci_p_l.append(np.full(len(days), p, dtype=np.int64))
        ci_d_l.append(days)
    ci_p, ci_d = np.concatenate(ci_p_l), np.concatenate(ci_d_l)
    flat = np.repeat(np.arange(P * L), counts.ravel())
    t_p, t_d = np.divmod(flat, L)
    k = len(t_p)
    evening = rng.random(k) < 0.7
    minute = np.where(evening, rng.normal(20.5 * 60, 90, k), rng.uniform(6 * 60, 23 * 60, k))
    minute = np.clip(np.rint(minute), 0, 24 * 60 - 1).astype(np.int64)
    progress = t_d / np.maximum(frame["days"].to_numpy()[t_p] - 1, 1)
    inten = (
        frame["intensity_mean"].to_numpy()[t_p]
        + frame["intensity_drift"].to_numpy()[t_p] * progress
        + 1.0 * burst_g[t_p, t_d]
        + rng.normal(0, 1.4, k)
    )
    inten = np.clip(np.rint(inten), 1, 10).astype(np.int64)
    cats = list(schemas.TRIGGER_CATEGORIES)
    cat = rng.integers(0, len(cats), k)
    connection = rng.integers(2, 10, len(ci_p))
    if not record_all:
        log_g = np.zeros((P, L), dtype=bool)
        for p in range(P):
            log_g[p, : len(logged[p])] = logged[p]
        keep = log_g[t_p, t_d]
        t_p, t_d, minute, inten, cat = t_p[keep], t_d[keep], minute[keep], inten[keep], cat[keep]
        keep = log_g[ci_p, ci_d]
        ci_p, ci_d, connection = ci_p[keep], ci_d[keep], connection[keep]
    day0 = frame["day0"].to_numpy(dtype="datetime64[ns]")
    ids = frame["couple_id"].to_numpy(dtype=object)
    triggers = pd.DataFrame(
        {
            "couple_id": ids[t_p],
            "partner": "A",
            "timestamp": day0[t_p] + (t_d * 1440 + minute).astype("timedelta64[m]"),
            "category": np.array(cats, dtype=object)[cat],
            "intensity": inten,
        }
    )
    checkins = pd.DataFrame(
        {
            "couple_id": ids[ci_p],
            "partner": "A",
            "date": day0[ci_p] + ci_d.astype("timedelta64[D]"),
            "connection": connection,
        }
    )
    if record_all:  # logged through: every day of it
        logged = [np.ones(len(x), dtype=bool) for x in logged]
    frame = frame.drop(columns="_burst")
    return TriggerArcs(
        triggers=as_table("triggers", triggers),
        checkins=as_table("checkins", checkins),
        truth=frame,
        expected=expected,
        logged=logged,
    )


def window_truth(
    expected: np.ndarray, logged: np.ndarray, day0: pd.Timestamp, start, end
) -> tuple[float, float]:
    """Expected triggers in ``[start, end)`` (dates, fractions of a day pro rata) and the days
    of it that were not logged, for one series' daily ``expected`` / ``logged`` arrays."""
    s = (pd.Timestamp(start) - day0) / pd.Timedelta(days=1)
    e = (pd.Timestamp(end) - day0) / pd.Timedelta(days=1)
    days = np.arange(len(expected))
    overlap = np.clip(np.minimum(days + 1, e) - np.maximum(days, s), 0.0, 1.0)
    return float(overlap @ expected), float(overlap @ (~logged))

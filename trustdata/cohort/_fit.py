"""Fitting a statsmodels ``MixedLM`` so that its optimum can be trusted.

statsmodels stops wherever its first optimizer says it converged; on some cohorts that point is
tens of REML deviance units short of the optimum (lme4 and other optimizers get there), with
standard errors far off.  :func:`fit_verified` therefore

1. runs several optimizers (``lbfgs``, ``bfgs``, ``cg``, ``powell``, ``nm``: scipy's, through
   statsmodels) from statsmodels' default start and, when they disagree, from further starting
   values;
2. polishes each optimizer's end point with damped Newton steps on the profiled (RE)ML
   deviance (analytic gradient from ``MixedLM.score``, Hessian by central differences of it);
3. keeps the lowest deviance, and calls the fit **converged** only when the Newton decrement
   at it is tiny (the predicted improvement of one more Newton step is below
   ``GRADIENT_TOL`` deviance units) **and** a second, different optimizer reached the same
   deviance (within ``AGREE_TOL``).

The variance parameters are statsmodels' packed ones: the Cholesky factor of the random-effects
covariance divided by the residual variance (lme4's ``theta``, up to order and sign) and the
square roots of the variance components, so a singular fit (a correlation of -1, a variance of
0) is an interior point and the Newton polish works there too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The optimizers tried, in order.
DEFAULT_METHODS: tuple[str, ...] = ("lbfgs", "bfgs", "cg", "powell", "nm")
#: End points worse than the best so far by more than this are not polished (they disagree).
POLISH_WITHIN = 1.0
#: Two fits agree when their deviances (-2 log-likelihood) differ by less than this.
AGREE_TOL = 1e-4
#: The optimum is verified when one more Newton step would improve the deviance by less.
GRADIENT_TOL = 1e-6


@dataclass
class VerifiedFit:
    """The best fit found and how it was checked."""

    packed: np.ndarray
    deviance: float
    fe_params: pd.Series
    cov_fe: pd.DataFrame
    scale: float
    cov_re: np.ndarray
    vcomp: np.ndarray
    converged: bool
    decrement: float
    attempts: pd.DataFrame
    messages: tuple[str, ...] = field(default_factory=tuple)


def _deviance(model, packed: np.ndarray) -> float:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = -2.0 * float(model.loglike(packed, profile_fe=True))
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return float("inf")
    return value if np.isfinite(value) else float("inf")


def _gradient(model, packed: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return -2.0 * np.asarray(model.score(packed, profile_fe=True), dtype="float64")


def _hessian(model, packed: np.ndarray) -> np.ndarray:
    k = len(packed)
    h = 1e-5 * np.maximum(1.0, np.abs(packed))
    out = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h[j]
        out[:, j] = (_gradient(model, packed + e) - _gradient(model, packed - e)) / (2 * h[j])
    return (out + out.T) / 2


def _newton_step(model, packed: np.ndarray) -> tuple[np.ndarray, float]:
    """The damped Newton direction and the predicted deviance decrease of a full step."""
    g = _gradient(model, packed)
    if not np.isfinite(g).all():
        return np.zeros_like(packed), float("inf")
    w, v = np.linalg.eigh(_hessian(model, packed))
    if not np.isfinite(w).all():
        return np.zeros_like(packed), float("inf")
    floor = 1e-8 * max(1.0, float(np.abs(w).max()))
    step = -v @ ((v.T @ g) / np.maximum(np.abs(w), floor))
    return step, float(-g @ step) / 2


def polish(model, packed: np.ndarray, *, max_iter: int = 25) -> tuple[np.ndarray, float, float]:
    """Newton iterations with a backtracking line search; returns (packed, deviance, decrement)."""
    x = np.asarray(packed, dtype="float64").copy()
    dev = _deviance(model, x)
    decrement = float("inf")
    for _ in range(max_iter):
        step, decrement = _newton_step(model, x)
        if not np.isfinite(decrement) or decrement < GRADIENT_TOL / 10:
            break
        t = 1.0
        for _ in range(40):
            trial = x + t * step
            dev_t = _deviance(model, trial)
            if dev_t < dev:
                break
            t /= 2
        else:
            break
        x, dev = trial, dev_t
    if np.isfinite(dev):
        _, decrement = _newton_step(model, x)
    return x, dev, decrement


def _starts(model) -> list[tuple[str, np.ndarray | None]]:
    """Starting values: statsmodels' default, then smaller and larger relative variances."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    out: list[tuple[str, np.ndarray | None]] = [("default", None)]
    for label, f in (("variances x 0.1", 0.1), ("variances x 10", 10.0)):
        p = MixedLMParams(model.k_fe, model.k_re, model.k_vc)
        p.fe_params = np.zeros(model.k_fe)
        p.cov_re = f * np.eye(model.k_re)
        p.vcomp = f * np.ones(model.k_vc)
        out.append((label, p.get_packed(use_sqrt=model.use_sqrt, has_fe=False)))
    return out


def fit_verified(
    model,
    *,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    reml: bool = True,
) -> VerifiedFit:
    """Fit ``model`` (a statsmodels ``MixedLM``) with several optimizers; see the module notes."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    model.reml = reml
    rows: list[dict] = []
    messages: list[str] = []
    best: tuple[float, np.ndarray, float] | None = None
    verified = False
    for start_label, start in _starts(model):
        for method in methods:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    res = model.fit(reml=reml, method=[method], start_params=start)
                    raw = np.asarray(
                        res.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False),
                        dtype="float64",
                    )
                    raw_dev = -2.0 * float(res.llf)
                except (np.linalg.LinAlgError, ValueError) as exc:
                    messages.append(f"{method}: {exc}")
                    continue
            messages.extend(str(w.message).strip() for w in caught)
            if best is None or raw_dev < best[0] + POLISH_WITHIN:
                packed, dev, decrement = polish(model, raw)
            else:
                packed, dev, decrement = raw, raw_dev, float("nan")
            rows.append(
                {
                    "method": method,
                    "start": start_label,
                    "optimizer_deviance": raw_dev,
                    "deviance": dev,
                    "decrement": decrement,
                }
            )
            if best is None or dev < best[0]:
                best = (dev, packed, decrement)
            agree = [r for r in rows if abs(r["deviance"] - best[0]) < AGREE_TOL]
            if len({r["method"] for r in agree}) >= 2 and best[2] < GRADIENT_TOL:
                verified = True
                break
        if verified or best is None:
            break
    attempts = pd.DataFrame(
        rows, columns=["method", "start", "optimizer_deviance", "deviance", "decrement"]
    )
    if best is None or not np.isfinite(best[0]):
        raise ValueError("no optimizer could fit the model")
    dev, packed, decrement = best
    params = MixedLMParams.from_packed(
        packed, model.k_fe, model.k_re, use_sqrt=model.use_sqrt, has_fe=False
    )
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fe, _ = model.get_fe_params(params.cov_re, params.vcomp)
        scale = float(model.get_scale(fe, params.cov_re, params.vcomp))
        params.fe_params = fe
        hess, _ = model.hessian(params)
        k = model.k_fe
        try:
            # the fixed-effect block alone: sigma^2 (X' V^-1 X)^-1, lme4's vcov()
            pcov = np.linalg.inv(-hess[:k, :k])
        except np.linalg.LinAlgError:
            pcov = np.full((k, k), np.nan)
    names = list(model.exog_names)
    cov_fe = pd.DataFrame(pcov, index=names, columns=names)
    return VerifiedFit(
        packed=packed,
        deviance=dev,
        fe_params=pd.Series(fe, index=names),
        cov_fe=cov_fe,
        scale=scale,
        cov_re=scale * np.asarray(params.cov_re),
        vcomp=scale * np.asarray(params.vcomp),
        converged=verified,
        decrement=decrement,
        attempts=attempts,
        messages=tuple(dict.fromkeys(messages)),
    )

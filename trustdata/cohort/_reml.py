"""A linear mixed model fitted from per-couple sufficient statistics (lme4's formulation).

The model, per couple ``i`` (rows of both partners over time)::

    y_i = X_i beta + Z_i b_i + e_i,   b_i ~ N(0, sigma^2 Lambda Lambda'),   e_i ~ N(0, sigma^2 I)

with ``Z_i`` = [1, time] (a random intercept and slope; ``slope=False``: the intercept only)
and, for ``nested=True``, one indicator column per partner (a random intercept per partner
within the couple, variance ``sigma^2 theta_p^2``).  ``Lambda`` is block-diagonal: the lower
Cholesky factor of the couple block (``theta`` = its entries, row by row, as lme4's ``theta``)
and ``theta_p I``.

Everything the (RE)ML criterion needs is in ``Z_i' [Z_i X_i y_i]`` per couple and the totals
``[X y]' [X y]``, so after one pass over the rows a criterion costs a batched q x q solve per
couple: this is how 100,000 couples fit in seconds.  The profiled criteria are those of
Bates, Maechler, Bolker & Walker (2015), "Fitting linear mixed-effects models using lme4",
J. Stat. Softw. 67(1), eqs. 34 and 41::

    ML:   sum_i log|M_i| + N (1 + log(2 pi r2 / N))
    REML: sum_i log|M_i| + log|X' V^-1 X| + (N - p) (1 + log(2 pi r2 / (N - p)))

with ``M_i = I + Lambda' Z_i' Z_i Lambda``, ``V_i = I + Z_i Lambda Lambda' Z_i'`` (Woodbury:
``V_i^-1 = I - Z_i Lambda M_i^-1 Lambda' Z_i'``) and ``r2`` the penalised residual sum of
squares at the GLS estimate of ``beta``.  The fixed effects' covariance is
``sigma^2 (X' V^-1 X)^-1`` (lme4's ``vcov``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

#: scipy optimizers tried, in order (the same ones statsmodels' MixedLM uses).
METHODS: tuple[str, ...] = ("L-BFGS-B", "BFGS", "CG", "Powell", "Nelder-Mead")
#: Short names (statsmodels' spelling) -> scipy's.
METHOD_NAMES = {
    "lbfgs": "L-BFGS-B",
    "cg": "CG",
    "bfgs": "BFGS",
    "powell": "Powell",
    "nm": "Nelder-Mead",
}
AGREE_TOL = 1e-4
GRADIENT_TOL = 1e-6
_ROW_CHUNK = 200_000


@dataclass
class Stats:
    """Sufficient statistics of a mixed model: per couple ``Z' W`` and the totals ``W' W``."""

    ztw: np.ndarray  # (n_couples, q, q + p + 1): Z_i' [Z_i X_i y_i]
    wtw: np.ndarray  # (p + 1, p + 1): [X y]' [X y]
    n_obs: int
    q_couple: int  # 1 (intercept) or 2 (intercept and slope)
    n_partner: int  # partner columns (0 unless nested)
    names: list[str]  # fixed-effect names
    xtw: np.ndarray | None = None  # (n_couples, p, p + 1): X_i' [X_i y_i], for robust SEs
    _ztw_t: np.ndarray | None = None
    _cache: tuple | None = None

    @property
    def q(self) -> int:
        return self.q_couple + self.n_partner

    @property
    def p(self) -> int:
        return len(self.names)


def sufficient_stats(
    X: np.ndarray,
    y: np.ndarray,
    couple: np.ndarray,
    time: np.ndarray,
    *,
    names: list[str],
    partner: np.ndarray | None = None,
    slope: bool = True,
    robust: bool = False,
) -> Stats:
    """One pass over the rows: ``couple`` holds integer codes 0..n-1, ``partner`` codes 0..P-1."""
    couple = np.asarray(couple)
    order = np.argsort(couple, kind="stable")
    n = int(couple.max()) + 1 if len(couple) else 0
    n_partner = int(partner.max()) + 1 if partner is not None and len(partner) else 0
    q_c = 2 if slope else 1
    q = q_c + n_partner
    p = X.shape[1]
    m = q + p + 1
    ztw = np.zeros((n, q, m))
    xtw = np.zeros((n, p, p + 1)) if robust else None
    for lo in range(0, len(order), _ROW_CHUNK):
        idx = order[lo : lo + _ROW_CHUNK]
        k = len(idx)
        z = np.zeros((k, q))
        z[:, 0] = 1.0
        if slope:
            z[:, 1] = time[idx]
        if n_partner:
            z[np.arange(k), q_c + partner[idx]] = 1.0
        w = np.concatenate([z, X[idx], y[idx, None]], axis=1)
        c = couple[idx]
        starts = np.flatnonzero(np.concatenate([[True], c[1:] != c[:-1]]))
        outer = z[:, :, None] * w[:, None, :]
        ztw[c[starts]] += np.add.reduceat(outer, starts, axis=0)
        if robust:  # in slices no larger than the outer product above (memory)
            step = max(1, k * q // (p + 1))
            for s0 in range(0, k, step):
                xw = w[s0 : s0 + step, q:]
                cs = c[s0 : s0 + step]
                first = np.flatnonzero(np.concatenate([[True], cs[1:] != cs[:-1]]))
                outer = xw[:, :p, None] * xw[:, None, :]
                xtw[cs[first]] += np.add.reduceat(outer, first, axis=0)
    xy = np.concatenate([X, y[:, None]], axis=1)
    wtw = xy.T @ xy
    return Stats(ztw, wtw, len(y), q_c, n_partner, list(names), xtw=xtw)


def _lambda(theta: np.ndarray, st: Stats) -> np.ndarray:
    lam = np.zeros((st.q, st.q))
    if st.q_couple == 2:
        lam[0, 0], lam[1, 0], lam[1, 1] = theta[0], theta[1], theta[2]
        rest = theta[3:]
    else:
        lam[0, 0] = theta[0]
        rest = theta[1:]
    if st.n_partner:
        idx = np.arange(st.q_couple, st.q)
        lam[idx, idx] = rest[0]
    return lam


def n_theta(st: Stats) -> int:
    return (3 if st.q_couple == 2 else 1) + (1 if st.n_partner else 0)


def start_theta(st: Stats, factor: float = 1.0) -> np.ndarray:
    """lme4's start: 1 on the diagonal, 0 elsewhere (times ``factor``)."""
    base = [1.0, 0.0, 1.0] if st.q_couple == 2 else [1.0]
    if st.n_partner:
        base.append(1.0)
    return factor * np.array(base)


def _chol_whiten(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched Cholesky ``a = L L'`` (n x q x q, q small) and ``L^-1 b``; (diag of L, L^-1 b).

    Vectorised over the couples, looping over the few rows of ``L`` (numpy's batched LAPACK
    calls cost more than the arithmetic for 2 x 2 and 4 x 4 blocks).
    """
    q = a.shape[1]
    if q == 1:
        d = np.sqrt(a[:, 0, 0])
        return d[:, None], b / d[:, None, None]
    if q == 2:  # closed form
        l11 = np.sqrt(a[:, 0, 0])
        l21 = a[:, 1, 0] / l11
        l22 = np.sqrt(a[:, 1, 1] - l21 * l21)
        c = np.empty_like(b)
        c[:, 0, :] = b[:, 0, :] / l11[:, None]
        c[:, 1, :] = (b[:, 1, :] - l21[:, None] * c[:, 0, :]) / l22[:, None]
        return np.column_stack([l11, l22]), c
    low = np.zeros_like(a)
    for j in range(q):
        s = a[:, j, j] - np.einsum("nk,nk->n", low[:, j, :j], low[:, j, :j])
        low[:, j, j] = np.sqrt(s)
        for i in range(j + 1, q):
            low[:, i, j] = (a[:, i, j] - np.einsum("nk,nk->n", low[:, i, :j], low[:, j, :j])) / low[
                :, j, j
            ]
    c = np.empty_like(b)
    for i in range(q):
        acc = b[:, i, :]
        if i:
            acc = acc - np.einsum("nk,nkm->nm", low[:, i, :i], c[:, :i, :])
        c[:, i, :] = acc / low[:, i, i][:, None]
    return np.diagonal(low, axis1=1, axis2=2), c


def _parts_2(theta: np.ndarray, st: Stats):
    """:func:`_parts` for a random intercept and slope (q = 2), elementwise over couples."""
    if st._cache is None:
        zw = st.ztw
        st._cache = (
            np.ascontiguousarray(zw[:, 0, 0]),
            np.ascontiguousarray(zw[:, 0, 1]),
            np.ascontiguousarray(zw[:, 1, 1]),
            np.ascontiguousarray(zw[:, 0, 2:]),
            np.ascontiguousarray(zw[:, 1, 2:]),
        )
    s00, s01, s11, w0, w1 = st._cache
    a, b, c = float(theta[0]), float(theta[1]), float(theta[2])
    # A = Lambda' S Lambda + I with Lambda = [[a, 0], [b, c]]
    u0, u1 = s00 * a + s01 * b, s01 * a + s11 * b  # first column of S Lambda
    a00 = a * u0 + b * u1 + 1.0
    a01 = c * (a * s01 + b * s11)
    a11 = c * c * s11 + 1.0
    l11 = np.sqrt(a00)
    l21 = a01 / l11
    l22 = np.sqrt(a11 - l21 * l21)
    if not (np.all(l11 > 0) and np.all(l22 > 0)):
        raise np.linalg.LinAlgError("not positive definite")
    b0 = a * w0 + b * w1  # rows of Lambda' Z' [X y]
    c0 = b0 / l11[:, None]
    c1 = (c * w1 - l21[:, None] * c0) / l22[:, None]
    logdet = 2.0 * (np.log(l11).sum() + np.log(l22).sum())
    g = st.wtw - c0.T @ c0 - c1.T @ c1
    p = st.p
    lam = _lambda(theta, st)
    return lam, logdet, g[:p, :p], g[:p, p], g[p, p]


def _parts(theta: np.ndarray, st: Stats):
    if st.q == 2:
        return _parts_2(theta, st)
    lam = _lambda(theta, st)
    q, p = st.q, st.p
    n = st.ztw.shape[0]
    if st._ztw_t is None:  # (n, q + p + 1, q): each couple's [Z X y]' Z, contiguous, once
        st._ztw_t = np.ascontiguousarray(st.ztw.transpose(0, 2, 1))
    wz = st._ztw_t.reshape(-1, q) @ lam  # rows of [Z X y]' Z Lambda
    wz = wz.reshape(n, -1, q)
    # T = Z' Z Lambda (the first q rows); A = Lambda' Z' Z Lambda = T' Lambda (symmetric)
    t_t = np.ascontiguousarray(wz[:, :q, :].transpose(0, 2, 1))
    a = (t_t.reshape(-1, q) @ lam).reshape(n, q, q) + np.eye(q)
    b = np.ascontiguousarray(wz[:, q:, :].transpose(0, 2, 1))  # Lambda' Z' [X y]
    diag, c = _chol_whiten(a, b)
    if not np.all(diag > 0):
        raise np.linalg.LinAlgError("not positive definite")
    logdet = 2.0 * np.log(diag).sum()
    flat = c.reshape(-1, c.shape[2])
    g = st.wtw - flat.T @ flat  # [X y]' V^-1 [X y]
    xvx, xvy, yvy = g[:p, :p], g[:p, p], g[p, p]
    return lam, logdet, xvx, xvy, yvy


def criterion(theta: np.ndarray, st: Stats, reml: bool = True) -> float:
    """The profiled deviance (-2 log-likelihood) at ``theta``: REML or ML."""
    with np.errstate(all="ignore"):
        try:
            _, logdet, xvx, xvy, yvy = _parts(np.asarray(theta, dtype="float64"), st)
            cx = np.linalg.cholesky(xvx)
            beta = np.linalg.solve(xvx, xvy)
        except np.linalg.LinAlgError:
            return float("inf")
        r2 = float(yvy - xvy @ beta)
        if not r2 > 0:
            return float("inf")
        n = st.n_obs
        if reml:
            dof = n - st.p
            value = (
                logdet
                + 2.0 * np.log(np.diagonal(cx)).sum()
                + dof * (1.0 + np.log(2 * np.pi * r2 / dof))
            )
        else:
            value = logdet + n * (1.0 + np.log(2 * np.pi * r2 / n))
    return float(value) if np.isfinite(value) else float("inf")


def _grad(f, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    g = np.empty_like(x)
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = h[j]
        g[j] = (f(x + e) - f(x - e)) / (2 * h[j])
    return g


def _hess(f, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    k = len(x)
    out = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i], ej[j] = h[i], h[j]
            if i == j:
                v = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
            else:
                v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                    4 * h[i] * h[j]
                )
            out[i, j] = out[j, i] = v
    return out


def polish(f, x: np.ndarray, *, max_iter: int = 30) -> tuple[np.ndarray, float, float]:
    """Damped Newton steps on ``f`` (numerical derivatives); (x, f(x), Newton decrement)."""
    x = np.asarray(x, dtype="float64").copy()
    fx = f(x)
    decrement = float("inf")
    fresh = False  # is `decrement` that of the current x?
    for _ in range(max_iter):
        step, decrement = _newton(f, x)
        fresh = True
        if not np.isfinite(decrement) or decrement < GRADIENT_TOL / 10:
            break
        t = 1.0
        for _ in range(40):
            trial = x + t * step
            ft = f(trial)
            if ft < fx:
                break
            t /= 2
        else:
            break
        x, fx = trial, ft
        fresh = False
    if np.isfinite(fx) and not fresh:
        _, decrement = _newton(f, x)
    return x, fx, decrement


def _newton(f, x: np.ndarray) -> tuple[np.ndarray, float]:
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    g = _grad(f, x, h)
    if not np.isfinite(g).all():
        return np.zeros_like(x), float("inf")
    w, v = np.linalg.eigh(_hess(f, x, h))
    if not np.isfinite(w).all():
        return np.zeros_like(x), float("inf")
    floor = 1e-8 * max(1.0, float(np.abs(w).max()))
    step = -v @ ((v.T @ g) / np.maximum(np.abs(w), floor))
    return step, float(-g @ step) / 2


def robust_vcov(theta: np.ndarray, st: Stats, beta: np.ndarray, xvx: np.ndarray) -> np.ndarray:
    """Cluster-robust (sandwich, by couple) covariance of the GLS fixed effects, CR1.

    ``bread meat bread`` with ``bread = (X' V^-1 X)^-1`` and ``meat = G / (G - 1) sum_i s_i
    s_i'``, ``s_i = X_i' V_i^-1 (y_i - X_i beta)`` (Liang & Zeger 1986): valid when the random
    effects do not capture all of the within-couple correlation (e.g. curved individual
    trajectories under a random linear slope).
    """
    if st.xtw is None:
        raise ValueError("robust standard errors need sufficient_stats(..., robust=True)")
    lam = _lambda(theta, st)
    q, p = st.q, st.p
    ztz = st.ztw[:, :, :q]
    a = np.matmul(np.matmul(lam.T, ztz), lam) + np.eye(q)
    b = np.matmul(lam.T, st.ztw[:, :, q:])
    _, c = _chol_whiten(a, b)
    cx, cy = c[:, :, :p], c[:, :, p]
    xx, xy = st.xtw[:, :, :p], st.xtw[:, :, p]
    s = (xy - xx @ beta) - np.einsum("nkp,nk->np", cx, cy - cx @ beta)
    g = s.shape[0]
    meat = (s.T @ s) * (g / (g - 1))
    bread = np.linalg.inv(xvx)
    return bread @ meat @ bread


@dataclass
class Result:
    theta: np.ndarray
    deviance: float
    beta: pd.Series
    vcov: pd.DataFrame
    sigma2: float
    cov_couple: np.ndarray  # the couple block's covariance (sigma^2 L L')
    partner_var: float
    converged: bool
    decrement: float
    attempts: pd.DataFrame
    vcov_robust: pd.DataFrame | None = None


def fit(
    st: Stats,
    *,
    reml: bool = True,
    methods: tuple[str, ...] = ("lbfgs", "bfgs", "cg", "powell", "nm"),
    verify: bool = True,
) -> Result:
    """Minimise the criterion with several optimizers and starts; verify the optimum.

    ``verify=False`` stops after the first optimizer and its polish (``converged`` is then
    False): for profiling many candidate models.
    """

    def f(th: np.ndarray) -> float:
        return criterion(th, st, reml)

    rows: list[dict] = []
    best: tuple[float, np.ndarray, float] | None = None
    verified = False
    for start_label, factor in (("default", 1.0), ("variances x 0.1", 0.1), ("x 10", 10.0)):
        x0 = start_theta(st, factor)
        for name in methods:
            method = METHOD_NAMES.get(name, name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    res = optimize.minimize(f, x0, method=method)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            raw, raw_dev = np.asarray(res.x, dtype="float64"), float(res.fun)
            if not np.isfinite(raw_dev):
                continue
            if best is None or raw_dev < best[0] + 1.0:
                x, dev, dec = polish(f, raw)
            else:
                x, dev, dec = raw, raw_dev, float("nan")
            rows.append(
                {
                    "method": name,
                    "start": start_label,
                    "optimizer_deviance": raw_dev,
                    "deviance": dev,
                    "decrement": dec,
                }
            )
            if best is None or dev < best[0]:
                best = (dev, x, dec)
            agree = {r["method"] for r in rows if abs(r["deviance"] - best[0]) < AGREE_TOL}
            if len(agree) >= 2 and best[2] < GRADIENT_TOL:
                verified = True
                break
            if not verify:
                break
        if verified or not verify:
            break
    attempts = pd.DataFrame(
        rows, columns=["method", "start", "optimizer_deviance", "deviance", "decrement"]
    )
    if best is None:
        raise ValueError("no optimizer could evaluate the model's criterion")
    dev, theta, dec = best
    lam, _, xvx, xvy, yvy = _parts(theta, st)
    beta = np.linalg.solve(xvx, xvy)
    r2 = float(yvy - xvy @ beta)
    sigma2 = r2 / (st.n_obs - st.p if reml else st.n_obs)
    vcov = sigma2 * np.linalg.inv(xvx)
    vcov_robust = robust_vcov(theta, st, beta, xvx) if st.xtw is not None else None
    # canonical signs (lme4 keeps the Cholesky diagonal >= 0)
    lc = lam[: st.q_couple, : st.q_couple]
    cov_couple = sigma2 * lc @ lc.T
    partner_var = sigma2 * lam[-1, -1] ** 2 if st.n_partner else float("nan")
    return Result(
        theta=theta,
        deviance=dev,
        beta=pd.Series(beta, index=st.names),
        vcov=pd.DataFrame(vcov, index=st.names, columns=st.names),
        sigma2=sigma2,
        cov_couple=cov_couple,
        partner_var=partner_var,
        converged=verified,
        decrement=dec,
        attempts=attempts,
        vcov_robust=None
        if vcov_robust is None
        else pd.DataFrame(vcov_robust, index=st.names, columns=st.names),
    )

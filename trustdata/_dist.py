"""The few distribution functions the analyses use, without importing ``scipy.stats``.

``import scipy.stats`` costs about half a CPU second (it brings ``scipy.optimize``,
``scipy.spatial``, ``scipy.interpolate``, ``scipy.integrate``, ``scipy.ndimage`` and the tables
of a hundred distributions with it), a third of one couple's report, and the report needs five
of its functions.  Each helper here returns what the ``scipy.stats`` call named in its
docstring returns, bit for bit: it calls the same ``scipy.special`` function that
``scipy.stats`` calls for the distribution, and follows the same rules for the edge cases that
``scipy.stats`` handles itself (probabilities at or outside 0 and 1, invalid parameters, NaN,
counts below or at the end of the support).  ``tests/test_dist.py`` checks them against
``scipy.stats`` over a grid of such cases.

Like ``scipy.stats``, each helper takes scalars or array-likes (broadcast together), returns a
NumPy float64 scalar for scalar arguments and an ``ndarray`` otherwise (never a pandas object),
and returns NaN where ``scipy.stats`` does.

:func:`mannwhitneyu` is the one test the report needs (``scipy.stats.mannwhitneyu``, two-sided,
its default method), written out from scipy's own code.  Functions that need more of
``scipy.stats`` (``binomtest``, ``theilslopes``, ...) import it inside themselves, where they
are used.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

try:  # the functions scipy.stats.binom itself calls (Boost's binomial distribution)
    from scipy.special._ufuncs import _binom_cdf, _binom_sf
except ImportError:  # pragma: no cover - a scipy without them: the same sums, public names
    # (Boost's binomial cdf and sf are these incomplete beta functions; equal to ~1e-15)
    def _binom_cdf(k, n, p):  # type: ignore[no-redef]
        return special.betaincc(k + 1, n - k, p)

    def _binom_sf(k, n, p):  # type: ignore[no-redef]
        return special.betainc(k + 1, n - k, p)


__all__ = ["binom_cdf", "binom_sf", "mannwhitneyu", "norm_ppf", "norm_sf", "t_ppf"]


def _result(out: np.ndarray) -> np.ndarray | np.float64:
    """A 0-d result as a NumPy scalar, as ``scipy.stats`` returns it."""
    return out[()] if out.ndim == 0 else out


def t_ppf(q: ArrayLike, df: ArrayLike) -> np.ndarray | np.float64:
    """Quantile of Student's t distribution: ``scipy.stats.t.ppf(q, df)``.

    Parameters
    ----------
    q : array_like
        Lower-tail probabilities.
    df : array_like
        Degrees of freedom (broadcast against ``q``).

    Returns
    -------
    numpy.ndarray or numpy.float64
        The quantiles: ``scipy.special.stdtrit(df, q)`` for ``0 < q < 1`` and ``df > 0``;
        ``-inf`` at ``q == 0`` and ``inf`` at ``q == 1`` (``df > 0``); NaN otherwise (``q``
        outside [0, 1], ``df <= 0``, either NaN).

    Examples
    --------
    >>> round(float(t_ppf(0.975, 10)), 6)
    2.228139
    """
    q, df = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(df, np.float64))
    valid = df > 0
    inside = valid & (q > 0) & (q < 1)
    out = np.full(q.shape, np.nan)
    out[valid & (q == 0)] = -np.inf
    out[valid & (q == 1)] = np.inf
    if inside.any():
        out[inside] = special.stdtrit(df[inside], q[inside])
    return _result(out)


def norm_ppf(q: ArrayLike) -> np.ndarray | np.float64:
    """Quantile of the standard normal distribution: ``scipy.stats.norm.ppf(q)``.

    Parameters
    ----------
    q : array_like
        Lower-tail probabilities.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``scipy.special.ndtri(q)`` for ``0 < q < 1``; ``-inf`` at 0, ``inf`` at 1, NaN outside
        [0, 1] or for NaN.

    Examples
    --------
    >>> round(float(norm_ppf(0.975)), 6)
    1.959964
    """
    q = np.asarray(q, dtype=np.float64)
    inside = (q > 0) & (q < 1)
    out = np.full(q.shape, np.nan)
    out[q == 0] = -np.inf
    out[q == 1] = np.inf
    if inside.any():
        out[inside] = special.ndtri(q[inside])
    return _result(out)


def norm_sf(x: ArrayLike) -> np.ndarray | np.float64:
    """Upper tail of the standard normal distribution: ``scipy.stats.norm.sf(x)``.

    Parameters
    ----------
    x : array_like
        Points.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``P(Z > x) = scipy.special.ndtr(-x)``: 1 at ``-inf``, 0 at ``inf``, NaN for NaN.

    Examples
    --------
    >>> round(float(2 * norm_sf(1.959964)), 6)
    0.05
    """
    x = np.asarray(x, dtype=np.float64)
    return _result(np.asarray(special.ndtr(-x)))


def _binom(
    k: ArrayLike, n: ArrayLike, p: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Broadcast ``k, n, p`` and mark where ``scipy.stats.binom`` computes (see its argcheck)."""
    k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, n, p)))
    valid = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)  # NaN n or p: not valid
    inside = valid & (k >= 0) & (k < n)  # k = +-inf is never inside (n is finite there)
    return k, n, p, valid, inside


def binom_sf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> np.ndarray | np.float64:
    """Upper tail ``P(X > k)`` of X ~ Binomial(n, p): ``scipy.stats.binom.sf(k, n, p)``.

    Parameters
    ----------
    k : array_like
        Counts (not necessarily whole: ``floor(k)`` is used, as scipy does).
    n : array_like
        Numbers of trials (whole numbers >= 0).
    p : array_like
        Success probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray or numpy.float64
        The tail probabilities: 1 for ``k < 0``, 0 for ``k >= n``, NaN for NaN ``k``, a
        negative or non-whole ``n`` or ``p`` outside [0, 1] (or NaN).

    Examples
    --------
    >>> round(float(binom_sf(7, 10, 0.5)), 6)  # P(X >= 8)
    0.054688
    """
    k, n, p, valid, inside = _binom(k, n, p)
    out = np.zeros(k.shape)
    out[~valid | np.isnan(k)] = np.nan
    out[valid & (k < 0)] = 1.0
    if inside.any():
        out[inside] = np.clip(_binom_sf(np.floor(k[inside]), n[inside], p[inside]), 0, 1)
    return _result(out)


def binom_cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> np.ndarray | np.float64:
    """Lower tail ``P(X <= k)`` of X ~ Binomial(n, p): ``scipy.stats.binom.cdf(k, n, p)``.

    Parameters
    ----------
    k : array_like
        Counts (not necessarily whole: ``floor(k)`` is used, as scipy does).
    n : array_like
        Numbers of trials (whole numbers >= 0).
    p : array_like
        Success probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray or numpy.float64
        The probabilities: 0 for ``k < 0``, 1 for ``k >= n``, NaN for NaN ``k``, a negative or
        non-whole ``n`` or ``p`` outside [0, 1] (or NaN).

    Examples
    --------
    >>> round(float(binom_cdf(2, 10, 0.5)), 6)  # P(X <= 2)
    0.054688
    """
    k, n, p, valid, inside = _binom(k, n, p)
    out = np.zeros(k.shape)
    out[valid & (k >= n)] = 1.0
    out[~valid | np.isnan(k)] = np.nan
    if inside.any():
        out[inside] = np.clip(_binom_cdf(np.floor(k[inside]), n[inside], p[inside]), 0, 1)
    return _result(out)


def mannwhitneyu(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """Two-sided Mann-Whitney U test: ``scipy.stats.mannwhitneyu(x, y)``, defaults.

    scipy's ``method="auto"``: the exact null distribution of U when there are no ties and one
    sample has at most 8 values (Löffler's recursion, as scipy's ``_MWU``), otherwise the
    normal approximation with the tie and continuity corrections.  Every step is scipy's, in
    scipy's order, so both numbers are scipy's to the bit.

    Parameters
    ----------
    x, y : array_like
        The two samples (one-dimensional; converted to float64).

    Returns
    -------
    statistic : float
        U of ``x``: the number of pairs with ``x_i > y_j``, ties counting one half.
    pvalue : float
        Two-sided p-value, at most 1.  Both are NaN when a sample is empty or holds NaN (where
        scipy returns NaN with a warning).

    Examples
    --------
    >>> mannwhitneyu([19, 22, 16, 29, 24], [20, 11, 17, 12])  # scipy's own example
    (17.0, 0.1111111111111111)
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0 or np.isnan(x).any() or np.isnan(y).any():
        return float("nan"), float("nan")
    # average ranks and tie counts (scipy.stats._stats_py._rankdata)
    xy = np.concatenate([x, y])
    order = np.argsort(xy, kind="stable")
    ordered = xy[order]
    first = np.concatenate([[True], ordered[:-1] != ordered[1:]])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(xy))
    ranks = np.empty(len(xy))
    ranks[order] = np.repeat((starts + 1.0) + (counts.astype(np.float64) - 1) / 2, counts)
    u1 = float(np.sum(ranks[:n1]) - n1 * (n1 + 1) / 2)
    u = max(u1, n1 * n2 - u1)
    if (n1 > 8 and n2 > 8) or (counts > 1).any():
        n = n1 + n2
        t = counts.astype(np.float64)
        tie_term = np.sum(t**3 - t)
        s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (u - n1 * n2 / 2 - 0.5) / s
        p = special.ndtr(-z)
    else:
        k = int(n1 * n2 - np.int64(u))  # sf(U) by symmetry: cdf(n1 n2 - U), U >= n1 n2 / 2
        p = np.cumsum(_u_frequencies(min(n1, n2), max(n1, n2), k))[k]
    return u1, float(np.clip(2 * p, 0.0, 1.0))


def _u_frequencies(n1: int, n2: int, maxu: int) -> np.ndarray:
    """P(U = u) for u = 0..maxu under the null, n1 <= n2 (scipy's ``_MWU.build_u_freqs_array``).

    Löffler (1983): ``c(u) = sum_{i<u} c(i) sigma(u - i) / u`` with ``sigma(a)`` the sum of the
    divisors ``d <= n1`` of a minus those in ``n2 < d <= n1 + n2``; counted in uint64 (floats
    once they would overflow), as scipy counts them.
    """
    sigma = np.zeros(maxu + 1, dtype=int)
    for d in np.arange(1, n1 + 1):
        sigma[np.arange(d, maxu + 1, d)] += d
    for d in np.arange(n2 + 1, n2 + n1 + 1):
        sigma[np.arange(d, maxu + 1, d)] -= d
    sigma = sigma[1:]
    configurations = np.zeros(maxu + 1, dtype=np.uint64)
    is_uint = True
    uint_max = np.iinfo(np.uint64).max
    configurations[0] = 1
    for u in np.arange(1, maxu + 1):
        value = np.dot(configurations[:u], sigma[u - 1 :: -1]) / u
        if value > uint_max and is_uint:
            configurations = configurations.astype(float)
            is_uint = False
        configurations[u] = value
    return configurations / special.binom(n1 + n2, n1)

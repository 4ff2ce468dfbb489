"""trustdata._dist: the distribution helpers equal the scipy.stats calls they replace.

Each helper is checked against ``scipy.stats`` (the reference, named in a comment above each
assertion) over a grid that includes the edge cases scipy handles itself: probabilities at and
outside 0 and 1, invalid parameters, NaN, infinities, counts below and at the end of the
support, non-whole counts, scalars and arrays.  Equal means the same NaN and infinite cells and
the finite cells within 1e-12 relative (they are in fact the same bits: the same scipy.special
functions are called).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustdata import _dist

Q = [-0.1, 0.0, 1e-300, 1e-12, 1e-6, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 1 - 1e-12, 1.0, 1.1]
Q = [*Q, np.nan, -np.inf, np.inf]
DF = [-1.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 3.7, 10.0, 29.0, 1e3, 1e7, np.inf, np.nan]
X = [-np.inf, -40.0, -8.0, -1.96, -0.5, -0.0, 0.0, 1e-10, 0.5, 1.96, 8.0, 38.0, np.inf, np.nan]
K = [-np.inf, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 2.7, 4.0, 9.0, 10.0, 11.0, 60.0]
K = [*K, np.inf, np.nan]
N = [-1.0, 0.0, 1.0, 2.0, 5.5, 10.0, 60.0, 1000.0, np.nan]
P = [-0.1, 0.0, 1e-9, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0, 1.1, np.nan]


def assert_same(ours, ref) -> None:
    """Same shape and type, NaN and infinities in the same cells, finite cells within 1e-12."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(ours[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-12, atol=0)


def grid(*axes):
    """Every combination of the axes' values, as one flat array per axis."""
    return [np.array(column) for column in zip(*itertools.product(*axes), strict=True)]


def test_t_ppf_equals_scipy_over_the_grid():
    q, df = grid(Q, DF)
    with np.errstate(all="ignore"):
        # scipy: stats.t.ppf(q, df)
        assert_same(_dist.t_ppf(q, df), stats.t.ppf(q, df))
        for qi, dfi in zip(q, df, strict=True):  # scalars give NumPy scalars, as scipy's
            ours, ref = _dist.t_ppf(qi, dfi), stats.t.ppf(qi, dfi)
            assert type(ours) is type(ref) is np.float64
            assert_same(ours, ref)


def test_norm_ppf_equals_scipy_over_the_grid():
    q = np.array(Q)
    # scipy: stats.norm.ppf(q)
    assert_same(_dist.norm_ppf(q), stats.norm.ppf(q))
    for qi in Q:
        assert type(_dist.norm_ppf(qi)) is type(stats.norm.ppf(qi)) is np.float64
        assert_same(_dist.norm_ppf(qi), stats.norm.ppf(qi))


def test_norm_sf_equals_scipy_over_the_grid():
    x = np.array(X)
    # scipy: stats.norm.sf(x)
    assert_same(_dist.norm_sf(x), stats.norm.sf(x))
    for xi in X:
        assert type(_dist.norm_sf(xi)) is type(stats.norm.sf(xi)) is np.float64
        assert_same(_dist.norm_sf(xi), stats.norm.sf(xi))


@pytest.mark.parametrize("name", ["sf", "cdf"])
def test_binom_tails_equal_scipy_over_the_grid(name):
    ours_f, ref_f = getattr(_dist, f"binom_{name}"), getattr(stats.binom, name)
    k, n, p = grid(K, N, P)
    with np.errstate(all="ignore"):
        # scipy: stats.binom.sf(k, n, p), stats.binom.cdf(k, n, p)
        assert_same(ours_f(k, n, p), ref_f(k, n, p))
        for ki, ni, pi in zip(k[::7], n[::7], p[::7], strict=True):
            ours, ref = ours_f(ki, ni, pi), ref_f(ki, ni, pi)
            assert type(ours) is type(ref) is np.float64
            assert_same(ours, ref)


@pytest.mark.parametrize("name", ["sf", "cdf"])
def test_binom_tails_equal_scipy_on_every_count_of_larger_trials(name):
    ours_f, ref_f = getattr(_dist, f"binom_{name}"), getattr(stats.binom, name)
    for n in (1, 7, 50, 199, 1000):
        k = np.arange(-1, n + 2)
        for p in (1e-6, 0.01, 0.2, 0.5, 0.9):
            # scipy: stats.binom.sf(k, n, p), stats.binom.cdf(k, n, p)
            assert_same(ours_f(k, n, p), ref_f(k, n, p))


def test_helpers_broadcast_and_return_arrays_not_pandas():
    count = pd.Series([2, 5, 30], index=[10, 11, 12])
    # scipy: stats.t.ppf(0.975, count - 1) (an ndarray, whatever the input)
    ours, ref = _dist.t_ppf(0.975, count - 1), stats.t.ppf(0.975, count - 1)
    assert type(ours) is np.ndarray
    assert_same(ours, ref)
    n = np.array([[10], [20]])
    # scipy: stats.binom.sf(k, n, 0.5) broadcast to (2, 3)
    assert_same(_dist.binom_sf([1, 4, 9], n, 0.5), stats.binom.sf([1, 4, 9], n, 0.5))
    assert _dist.norm_ppf([]).shape == (0,)
    assert _dist.binom_cdf(np.array([], dtype=np.int64), 3, 0.5).shape == (0,)


def _samples(rng: np.random.Generator, case: int) -> tuple[np.ndarray, np.ndarray]:
    """Two samples: small without ties (the exact path), with ties, larger (asymptotic)."""
    if case % 4 == 0:  # scores on a 0-10 scale: ties
        n1, n2 = rng.integers(1, 25, 2)
        return rng.integers(0, 11, n1).astype(float), rng.integers(0, 11, n2).astype(float)
    if case % 4 == 1:  # larger samples
        n1, n2 = rng.integers(9, 90, 2)
        return rng.normal(size=n1), rng.normal(0.3, 1, size=n2)
    n1, n2 = rng.integers(1, 13, 2)  # small, no ties: exact when one has at most 8
    return rng.normal(size=n1), rng.normal(size=n2)


def test_mannwhitneyu_equals_scipy_on_random_samples():
    rng = np.random.default_rng(20260105)
    for case in range(600):
        x, y = _samples(rng, case)
        # scipy: stats.mannwhitneyu(x, y) (two-sided, method="auto")
        ref = stats.mannwhitneyu(x, y)
        statistic, pvalue = _dist.mannwhitneyu(x, y)
        assert statistic == float(ref.statistic)
        assert pvalue == pytest.approx(float(ref.pvalue), rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1.0], [2.0]),  # one each: exact, p = 1
        ([3.0, 3.0, 3.0], [3.0, 3.0]),  # all tied: no spread, p = 1
        ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]),  # exact, 3 vs 9
        (list(range(9)), list(range(9, 18))),  # 9 and 9: asymptotic without ties
        ([19, 22, 16, 29, 24], [20, 11, 17, 12]),  # scipy's docstring example (ints)
        ([1.0, 1.0, 2.0], [1.0, 5.0]),  # small with ties: asymptotic
    ],
)
def test_mannwhitneyu_equals_scipy_on_edge_cases(x, y):
    # scipy: stats.mannwhitneyu(x, y)
    ref = stats.mannwhitneyu(x, y)
    assert _dist.mannwhitneyu(x, y) == (float(ref.statistic), float(ref.pvalue))


def test_mannwhitneyu_is_nan_for_an_empty_sample_or_nan():
    for x, y in (([], [1.0, 2.0]), ([1.0, np.nan], [2.0, 3.0])):
        statistic, pvalue = _dist.mannwhitneyu(x, y)
        assert np.isnan(statistic) and np.isnan(pvalue)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns of the empty sample
            ref = stats.mannwhitneyu(x, y)  # scipy: NaN
        assert np.isnan(ref.statistic) and np.isnan(ref.pvalue)

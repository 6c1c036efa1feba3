"""Property tests of the NMF engine on generated matrices (issue 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sigforge.nmf import FitOptions, fit_kl_mu_batched, fit_nmf, initialise, random_init

pytestmark = pytest.mark.slow

# At least one positive entry: learning components from zeros is refused
# (tests/unit/test_nmf_inputs.py).
matrices = arrays(np.float64, st.tuples(st.integers(3, 10), st.integers(2, 8)),
                  elements=st.integers(0, 50).map(float)).filter(lambda X: X.any())
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=25)
@given(matrices, st.integers(1, 3), seeds, st.sampled_from([0.5, 1.0, 1.5, 2.0]))
def test_mu_objective_never_increases_and_stays_nonnegative(X: np.ndarray, k: int, seed: int,
                                                            beta: float) -> None:
    k = min(k, *X.shape)
    X = X + (1.0 if beta < 1 else 0.0)
    W0, H0 = random_init(X, k, np.random.default_rng(seed))
    if beta == 1:
        previous = np.inf
        for _ in range(5):  # the fused kernel: restart from its output, check each block
            fit = fit_nmf(X, W0, H0, options=FitOptions(max_iter=5, tol=0.0))
            assert fit.objective <= previous * (1 + 1e-10) + 1e-10
            previous, W0, H0 = fit.objective, fit.W, fit.H
    else:
        fit = fit_nmf(X, W0, H0, options=FitOptions(beta=beta, max_iter=25, check_every=1,
                                                    tol=0.0))
        assert (np.diff(fit.history) <= 1e-10 * (1 + fit.history[0])).all()
    assert (fit.W >= 0).all() and (fit.H >= 0).all() and np.isfinite(fit.objective)


@settings(max_examples=15)
@given(st.integers(1, 5), st.integers(4, 9), st.integers(2, 7), st.integers(1, 3), seeds)
def test_batch_is_bit_identical_to_solo(R: int, m: int, n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = min(k, m, n)
    X = rng.poisson(4.0, size=(R, m, n)).astype(float)
    W0 = rng.uniform(0.1, 1, size=(R, m, k))
    H0 = rng.uniform(0.1, 1, size=(R, k, n))
    together = fit_kl_mu_batched(X, W0, H0, max_iter=200, min_iter=5, tol=1e-5)
    for r in range(R):
        alone = fit_kl_mu_batched(X[r:r + 1], W0[r:r + 1], H0[r:r + 1], max_iter=200,
                                  min_iter=5, tol=1e-5)
        np.testing.assert_array_equal(alone.W[0], together.W[r])
        np.testing.assert_array_equal(alone.H[0], together.H[r])
        assert alone.n_iter[0] == together.n_iter[r]


@settings(max_examples=20)
@given(matrices, st.integers(1, 3), seeds, st.sampled_from([2.0, 10.0]))
def test_refit_with_fixed_w_is_linear_and_order_free(X: np.ndarray, k: int, seed: int,
                                                     scale: float) -> None:
    k = min(k, *X.shape)
    rng = np.random.default_rng(seed)
    W, H0 = initialise(X, k, "random", rng)
    options = FitOptions(update_w=False, max_iter=40, tol=0.0)
    base = fit_nmf(X, W, H0, options=options)
    scaled = fit_nmf(scale * X, W, scale * H0, options=options)
    np.testing.assert_allclose(scaled.H, scale * base.H, rtol=1e-9, atol=1e-12)
    order = rng.permutation(X.shape[1])
    permuted = fit_nmf(X[:, order], W, H0[:, order], options=options)
    np.testing.assert_allclose(permuted.H, base.H[:, order], rtol=1e-9, atol=1e-12)

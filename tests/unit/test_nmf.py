"""Batched KL multiplicative updates: monotone, batch-independent, recover planted factors."""

from __future__ import annotations

import numpy as np
import pytest

from sigforge.nmf import fit_kl_mu_batched, kl_divergence, random_init
from sigforge.testing import match_cosines, planted_counts


def _naive_kl(X: np.ndarray, Y: np.ndarray) -> float:
    total = 0.0
    for x, y in zip(X.ravel(), Y.ravel(), strict=True):
        total += (x * np.log(x / y) if x > 0 else 0.0) - x + y
    return total


def test_kl_matches_naive_loop(rng: np.random.Generator) -> None:
    X = rng.poisson(3.0, size=(6, 5)).astype(float)
    Y = rng.uniform(0.5, 4.0, size=(6, 5))
    assert kl_divergence(X[None], Y[None])[0] == pytest.approx(_naive_kl(X, Y), rel=1e-12)


def test_objective_never_increases(rng: np.random.Generator) -> None:
    X = planted_counts(20, 12, 3, rng=rng).counts
    W, H = random_init(X, 3, rng)
    previous = np.inf
    for _ in range(30):
        result = fit_kl_mu_batched(X[None], W[None], H[None], max_iter=10, min_iter=10, tol=0.0)
        W, H = result.W[0], result.H[0]
        assert result.objective[0] <= previous * (1 + 1e-12)
        previous = result.objective[0]


def test_batch_gives_the_same_bits_as_solo(rng: np.random.Generator) -> None:
    X = np.stack([planted_counts(30, 10, 3, rng=i).counts for i in range(4)])
    starts = [random_init(x, 3, np.random.default_rng(i)) for i, x in enumerate(X)]
    W0 = np.stack([s[0] for s in starts])
    H0 = np.stack([s[1] for s in starts])
    together = fit_kl_mu_batched(X, W0, H0, max_iter=2000, min_iter=20, tol=1e-5)
    assert len(set(together.n_iter.tolist())) > 1  # problems stopped at different times
    for r in range(4):
        alone = fit_kl_mu_batched(
            X[r : r + 1], W0[r : r + 1], H0[r : r + 1], max_iter=2000, min_iter=20, tol=1e-5
        )
        np.testing.assert_array_equal(alone.W[0], together.W[r])
        np.testing.assert_array_equal(alone.H[0], together.H[r])


def test_recovers_planted_factors(rng: np.random.Generator) -> None:
    planted = planted_counts(96, 40, 4, burden=5000, rng=rng)
    W0, H0 = random_init(planted.counts, 4, rng)
    result = fit_kl_mu_batched(planted.counts[None], W0[None], H0[None], max_iter=3000)
    assert match_cosines(result.W[0], planted.signatures).min() > 0.98
    np.testing.assert_allclose(result.W[0].sum(axis=0), 1.0)


def test_exact_data_is_fitted_closely(rng: np.random.Generator) -> None:
    planted = planted_counts(30, 20, 2, rng=rng)
    exact = planted.signatures @ planted.exposures
    W0, H0 = random_init(exact, 2, rng)
    result = fit_kl_mu_batched(exact[None], W0[None], H0[None], max_iter=5000, tol=1e-12)
    model = result.W[0] @ result.H[0]
    assert np.abs(model - exact).sum() / exact.sum() < 1e-3


def test_convergence_flag(rng: np.random.Generator) -> None:
    X = planted_counts(20, 10, 2, rng=rng).counts
    W0, H0 = random_init(X, 2, rng)
    capped = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=20, min_iter=0, tol=1e-15)
    assert not capped.converged[0] and capped.n_iter[0] == 20


# ---- batched runner: weights, fixed factors, over-relaxation, errors (issue 4) ----


def _problems(n_problems: int, m: int = 12, n: int = 9, k: int = 2):
    X = np.stack([planted_counts(m, n, k, rng=i).counts for i in range(n_problems)])
    starts = [random_init(x, k, np.random.default_rng(i)) for i, x in enumerate(X)]
    return X, np.stack([s[0] for s in starts]), np.stack([s[1] for s in starts])


def test_hidden_entries_do_not_influence_the_fit() -> None:
    X, W0, H0 = _problems(1)
    weights = np.ones_like(X)
    weights[0, 3, 4] = 0.0
    changed = X.copy()
    changed[0, 3, 4] += 1000.0
    a = fit_kl_mu_batched(X, W0, H0, weights=weights, max_iter=50, min_iter=0)
    b = fit_kl_mu_batched(changed, W0, H0, weights=weights, max_iter=50, min_iter=0)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.objective[0] == b.objective[0]


def test_weighted_batch_gives_the_same_bits_as_solo() -> None:
    X, W0, H0 = _problems(3)
    weights = (np.random.default_rng(0).uniform(size=X.shape) > 0.2).astype(float)
    together = fit_kl_mu_batched(X, W0, H0, weights=weights, max_iter=300, min_iter=10, tol=1e-6)
    for r in range(3):
        alone = fit_kl_mu_batched(X[r:r + 1], W0[r:r + 1], H0[r:r + 1], weights=weights[r:r + 1],
                                  max_iter=300, min_iter=10, tol=1e-6)
        np.testing.assert_array_equal(alone.H[0], together.H[r])


@pytest.mark.parametrize("fixed", ["W", "H"])
def test_fixed_factor_is_left_untouched(fixed: str) -> None:
    X, W0, H0 = _problems(2)
    result = fit_kl_mu_batched(X, W0, H0, update_w=fixed != "W", update_h=fixed != "H",
                               max_iter=40, min_iter=0)
    np.testing.assert_array_equal(result.W if fixed == "W" else result.H,
                                  W0 if fixed == "W" else H0)
    start = kl_divergence(X, W0 @ H0)
    assert (result.objective < start).all()


def test_over_relaxed_updates_go_further_in_the_same_iterations() -> None:
    X, W0, H0 = _problems(2, m=30, n=20, k=3)
    plain = fit_kl_mu_batched(X, W0, H0, max_iter=100, min_iter=0, tol=0.0)
    relaxed = fit_kl_mu_batched(X, W0, H0, exponent=1.5, max_iter=100, min_iter=0, tol=0.0)
    assert (relaxed.objective < plain.objective).all()


def test_kernel_objective_matches_numpy() -> None:
    X, W0, H0 = _problems(2)
    result = fit_kl_mu_batched(X, W0, H0, max_iter=30, min_iter=0)
    np.testing.assert_allclose(result.objective, kl_divergence(X, result.W @ result.H),
                               rtol=1e-12)


def test_batch_shape_errors_say_expected_and_got() -> None:
    X, W0, H0 = _problems(2)
    with pytest.raises(ValueError, match=r"expected W \(2, 12, 2\) and H \(2, 2, 9\)"):
        fit_kl_mu_batched(X, W0, H0[:, :, :5])
    with pytest.raises(ValueError, match="expected 3-D"):
        fit_kl_mu_batched(X[0], W0[0], H0[0])
    with pytest.raises(ValueError, match="0 < exponent < 2"):
        fit_kl_mu_batched(X, W0, H0, exponent=2.5)
    with pytest.raises(ValueError, match="expected weights of shape"):
        fit_kl_mu_batched(X, W0, H0, weights=np.ones((2, 3, 3)))


"""Batched KL multiplicative updates: monotone, batch-independent, recover planted factors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from sigforge.nmf import FitOptions, fit_kl_mu_batched, kl_divergence, random_init
from sigforge.nmf._kernels import tile_columns
from sigforge.nmf._solvers import _iterate, _Problem
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



# ---- tiled kernel: several tiles, degenerate shapes, where the operands lie (issue 4) ----


@pytest.mark.parametrize("m,n", [(40, 2500), (1600, 75)])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("fixed", ["", "W", "H"])
def test_several_tiles_match_the_unfused_numpy_updates(m: int, n: int, masked: bool,
                                                       fixed: str) -> None:
    """Tiles run along the longer axis: 2,500 samples of 40 features are swept as 1,228 + 1,228
    + 44 samples; 1,600 features of 75 samples go in transposed, as 655 + 655 + 290 features."""
    assert tile_columns(min(m, n), max(m, n)) in (1228, 655)
    X, W0, H0 = _problems(1, m=m, n=n, k=3)
    weights = ((np.random.default_rng(1).uniform(size=X.shape) > 0.3).astype(float) if masked
               else None)
    options = FitOptions(max_iter=25, tol=0.0, update_w=fixed != "W", update_h=fixed != "H")
    fit = fit_kl_mu_batched(X, W0, H0, weights=weights, max_iter=25, min_iter=0, tol=0.0,
                            update_w=options.update_w, update_h=options.update_h)
    reference = _iterate(_Problem(X[0], None if weights is None else weights[0], None, options),
                         W0[0], H0[0], "mu")
    np.testing.assert_allclose(fit.W[0], reference.W, rtol=1e-10)
    np.testing.assert_allclose(fit.H[0], reference.H, rtol=1e-10)
    assert fit.objective[0] == pytest.approx(reference.objective, rel=1e-12)


@pytest.mark.parametrize("m,n,k", [(4, 2, 1), (9, 1, 2), (96, 1, 10), (1, 5, 1)])
def test_degenerate_shapes_leave_the_inputs_alone(m: int, n: int, k: int) -> None:
    """A rank-1 or one-sample problem transposes to a contiguous view; it must still be copied."""
    rng = np.random.default_rng(m * 100 + n * 10 + k)
    X = rng.poisson(4.0, size=(1, m, n)).astype(float) + 1.0
    W0, H0 = rng.uniform(0.1, 1, size=(1, m, k)), rng.uniform(0.1, 1, size=(1, k, n))
    copies = X.copy(), W0.copy(), H0.copy()
    first = fit_kl_mu_batched(X, W0, H0, max_iter=30, min_iter=0)
    for given, kept in zip((X, W0, H0), copies, strict=True):
        np.testing.assert_array_equal(given, kept)
    again = fit_kl_mu_batched(X, W0, H0, max_iter=30, min_iter=0)
    np.testing.assert_array_equal(first.W, again.W)
    np.testing.assert_array_equal(first.H, again.H)


def _moved(values: np.ndarray, offset: int) -> np.ndarray:
    """A copy of ``values`` that starts ``offset`` float64s into a fresh buffer."""
    buffer = np.empty(values.size + 8)
    moved = buffer[offset:offset + values.size].reshape(values.shape)
    moved[...] = values
    return moved


@pytest.mark.parametrize("m,n,k", [(4, 2, 1), (96, 1, 10), (96, 33, 5), (1600, 33, 3)])
@pytest.mark.parametrize("masked", [False, True])
def test_same_bits_wherever_the_operands_lie(m: int, n: int, k: int, masked: bool) -> None:
    """BLAS kernels may branch on alignment; the fits must not change in the last bit."""
    rng = np.random.default_rng(7)
    X = rng.poisson(4.0, size=(1, m, n)).astype(float)
    W0, H0 = rng.uniform(0.1, 1, size=(1, m, k)), rng.uniform(0.1, 1, size=(1, k, n))
    M = (rng.uniform(size=X.shape) > 0.2).astype(float) if masked else None
    results = set()
    for offset in range(8):
        fit = fit_kl_mu_batched(_moved(X, offset), _moved(W0, (3 * offset) % 8),
                                _moved(H0, (5 * offset) % 8),
                                weights=None if M is None else _moved(M, (7 * offset) % 8),
                                max_iter=30, min_iter=0, tol=1e-9)
        results.add(fit.W.tobytes() + fit.H.tobytes() + fit.objective.tobytes())
    assert len(results) == 1


def test_thread_budget_follows_the_job_and_never_changes_the_bits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A job given one thread (Snakemake sets OMP_NUM_THREADS to its `threads`) solves with
    one numba thread; the factors are the same bits with one thread or several."""
    import numba

    from sigforge.nmf._batch import fit_kl_mu_batched, thread_budget

    rng = np.random.default_rng(4)
    X = rng.poisson(6.0, size=(4, 12, 9)).astype(float)
    W0, H0 = rng.uniform(0.1, 1, (4, 12, 3)), rng.uniform(0.1, 1, (4, 3, 9))
    results = {}
    for value in ("1", "2", "not a number"):
        monkeypatch.setenv("OMP_NUM_THREADS", value)
        budget = thread_budget()
        if value == "1":
            assert budget == 1
        else:
            assert budget == min(numba.config.NUMBA_NUM_THREADS, len(os.sched_getaffinity(0)),
                                 2 if value == "2" else 10**6)
        results[value] = fit_kl_mu_batched(X, W0, H0, max_iter=60)
        assert numba.get_num_threads() == min(budget, 4)
    for other in ("2", "not a number"):
        np.testing.assert_array_equal(results["1"].W, results[other].W)
        np.testing.assert_array_equal(results["1"].H, results[other].H)


def test_solver_threads_caps_the_budget_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit cap lowers the budget inside its block only (nested blocks too), never
    raises it above OMP_NUM_THREADS, and rejects a cap below one."""
    from sigforge.nmf import solver_threads
    from sigforge.nmf._batch import thread_budget

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    outside = thread_budget()
    with solver_threads(1):
        assert thread_budget() == 1
        with solver_threads(8):
            assert thread_budget() == outside
        assert thread_budget() == 1
    assert thread_budget() == outside
    with pytest.raises(ValueError, match="at least one thread"), solver_threads(0):
        pass

"""Single-problem solvers, objectives, initialisations and joint NMF (issue 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import decomposition
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

from sigforge.nmf import (
    INITS,
    FitOptions,
    beta_divergence,
    fit_joint_nmf,
    fit_nmf,
    initialise,
    nndsvd_init,
    random_init,
)
from sigforge.nmf._solvers import _iterate, _Problem
from sigforge.testing import match_cosines, planted_counts


def _naive_beta(X: np.ndarray, Y: np.ndarray, beta: float) -> float:
    total = 0.0
    for x, y in zip(X.ravel(), Y.ravel(), strict=True):
        if beta == 1:
            total += (x * np.log(x / y) if x > 0 else 0.0) - x + y
        elif beta == 0:
            total += x / y - np.log(x / y) - 1
        else:
            total += (x**beta + (beta - 1) * y**beta - beta * x * y ** (beta - 1)) / (
                beta * (beta - 1))
    return total


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_beta_divergence_matches_naive_loop(rng: np.random.Generator, beta: float) -> None:
    X = rng.poisson(3.0, size=(5, 4)).astype(float) + (1.0 if beta == 0 else 0.0)
    Y = rng.uniform(0.5, 4.0, size=(5, 4))
    assert beta_divergence(X, Y, beta) == pytest.approx(_naive_beta(X, Y, beta), rel=1e-10)


@pytest.mark.parametrize("solver,beta", [("mu", 0.5), ("mu", 1.5), ("mu", 2.0), ("mu", 3.0),
                                         ("hals", 2.0)])
@pytest.mark.parametrize("init", ["random", "nndsvda", "nndsvdar"])
def test_objective_never_increases(rng: np.random.Generator, solver: str, beta: float,
                                   init: str) -> None:
    X = planted_counts(10, 8, 2, rng=rng).counts + 1.0
    W0, H0 = initialise(X, 2, init, rng)
    fit = fit_nmf(X, W0, H0, solver=solver,
                  options=FitOptions(beta=beta, max_iter=60, check_every=1, tol=0.0))
    assert (np.diff(fit.history) <= 1e-10 * fit.history[0]).all()
    assert (fit.W >= 0).all() and (fit.H >= 0).all()


def test_kernel_matches_the_numpy_reference_loop(rng: np.random.Generator) -> None:
    X = planted_counts(10, 8, 2, rng=rng).counts
    W0, H0 = random_init(X, 2, rng)
    options = FitOptions(max_iter=40, tol=0.0)
    fused = fit_nmf(X, W0, H0, options=options)
    reference = _iterate(_Problem(X, None, None, options), W0, H0, "mu")
    np.testing.assert_allclose(fused.W, reference.W, rtol=1e-9)
    np.testing.assert_allclose(fused.H, reference.H, rtol=1e-9)


@pytest.mark.parametrize("beta_loss,beta", [("kullback-leibler", 1.0), ("frobenius", 2.0)])
def test_same_objective_as_sklearn_from_the_same_start(rng: np.random.Generator,
                                                       beta_loss: str, beta: float) -> None:
    X = planted_counts(10, 8, 3, rng=rng).counts
    W0, H0 = random_init(X, 3, rng)
    ours = fit_nmf(X, W0, H0, options=FitOptions(beta=beta, max_iter=100, tol=0.0))
    theirs = decomposition.NMF(3, init="custom", solver="mu", beta_loss=beta_loss, max_iter=100,
                               tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklearnConvergenceWarning)
        coefficients = theirs.fit_transform(X.T, W=H0.T.copy(), H=W0.T.copy())
    model = theirs.components_.T @ coefficients.T
    assert ours.objective == pytest.approx(beta_divergence(X, model, beta), rel=1e-8)


def test_kkt_conditions_hold_at_convergence_kl(rng: np.random.Generator) -> None:
    planted = planted_counts(12, 10, 2, rng=rng)
    X, W = planted.counts, planted.signatures
    H0 = np.ones((2, 10))
    fit = fit_nmf(X, W, H0, options=FitOptions(update_w=False, max_iter=20000, tol=1e-13))
    gradient = W.T @ (1 - X / (W @ fit.H))  # d KL / d H
    scale = np.abs(W.T @ np.ones_like(X)).max()
    assert gradient.min() > -1e-4 * scale
    assert np.abs(fit.H * gradient).max() < 1e-4 * scale * fit.H.max()


def test_kkt_conditions_hold_at_convergence_hals(rng: np.random.Generator) -> None:
    planted = planted_counts(12, 10, 2, rng=rng)
    X = planted.signatures @ planted.exposures
    W0, H0 = nndsvd_init(X, 2)
    fit = fit_nmf(X, W0, H0, solver="hals",
                  options=FitOptions(beta=2, max_iter=5000, tol=1e-15))
    residual = fit.W @ fit.H - X
    pairs = [(fit.W, residual @ fit.H.T, X @ fit.H.T), (fit.H, fit.W.T @ residual, fit.W.T @ X)]
    for factor, grad, scale in pairs:  # min(factor, gradient) = 0 entrywise, relative to scale
        assert np.abs(np.minimum(factor, grad)).max() < 1e-6 * np.abs(scale).max()


@pytest.mark.parametrize("solver,beta,init", [("mu", 1.0, "nndsvda"), ("mu", 2.0, "random"),
                                              ("hals", 2.0, "nndsvd")])
def test_recovers_planted_factors_exact_and_noisy(solver: str, beta: float, init: str) -> None:
    planted = planted_counts(40, 30, 3, burden=5000, rng=5)
    exact = planted.signatures @ planted.exposures
    for X in (exact, planted.counts):
        W0, H0 = initialise(X, 3, init, 0)
        fit = fit_nmf(X, W0, H0, solver=solver,
                      options=FitOptions(beta=beta, max_iter=3000, tol=1e-9))
        assert match_cosines(fit.W, planted.signatures).min() > 0.99


@pytest.mark.parametrize("method", sorted(INITS))
def test_inits_are_nonnegative_and_shaped(rng: np.random.Generator, method: str) -> None:
    X = planted_counts(10, 8, 3, rng=rng).counts
    W, H = initialise(X, 3, method, 0)
    assert W.shape == (10, 3) and H.shape == (3, 8)
    assert (W >= 0).all() and (H >= 0).all()
    if method in ("nndsvda", "nndsvdar", "random"):
        assert (W > 0).all() and (H > 0).all()


def test_nndsvd_beats_random_start(rng: np.random.Generator) -> None:
    X = planted_counts(20, 15, 3, rng=rng).counts
    assert (beta_divergence(X, np.matmul(*nndsvd_init(X, 3)), 2)
            < beta_divergence(X, np.matmul(*random_init(X, 3, rng)), 2))


def test_unknown_names_list_the_valid_ones(rng: np.random.Generator) -> None:
    X = rng.uniform(size=(4, 3))
    with pytest.raises(ValueError, match=r"expected init in \['nndsvd', 'nndsvda'"):
        initialise(X, 2, "svd")
    W0, H0 = random_init(X, 2, rng)
    with pytest.raises(ValueError, match=r"expected solver in \['hals', 'mu'\], got 'als'"):
        fit_nmf(X, W0, H0, solver="als")
    with pytest.raises(ValueError, match="'hals' handles only beta=2"):
        fit_nmf(X, W0, H0, solver="hals")
    with pytest.raises(ValueError, match=r"expected graph of shape \(3, 3\)"):
        fit_nmf(X, W0, H0, graph=np.ones((4, 4)), options=FitOptions(graph_weight=1.0))


def test_weighted_numpy_solver_ignores_hidden_entries(rng: np.random.Generator) -> None:
    X = planted_counts(8, 6, 2, rng=rng).counts
    weights = np.ones_like(X)
    weights[2, 3] = 0
    W0, H0 = random_init(X, 2, rng)
    options = FitOptions(beta=2, max_iter=30)
    a = fit_nmf(X, W0, H0, weights=weights, options=options)
    X[2, 3] += 500
    b = fit_nmf(X, W0, H0, weights=weights, options=options)
    np.testing.assert_array_equal(a.W, b.W)


def test_volume_penalty_shrinks_the_volume() -> None:
    planted = planted_counts(30, 20, 3, rng=1)
    W0, H0 = random_init(planted.counts, 3, np.random.default_rng(0))

    def volume(W: np.ndarray) -> float:
        return float(np.linalg.slogdet(W.T @ W + np.eye(3))[1])

    plain = fit_nmf(planted.counts, W0, H0, options=FitOptions(max_iter=300))
    small = fit_nmf(planted.counts, W0, H0, options=FitOptions(max_iter=300, volume_weight=50.0))
    assert volume(small.W) < volume(plain.W)
    np.testing.assert_allclose(small.W.sum(axis=0), 1.0)


def test_graph_penalty_smooths_neighbouring_samples() -> None:
    planted = planted_counts(30, 20, 3, rng=1)
    W0, H0 = random_init(planted.counts, 3, np.random.default_rng(0))
    chain = np.eye(20, k=1) + np.eye(20, k=-1)

    def roughness(H: np.ndarray) -> float:
        return float(np.abs(np.diff(H / H.sum(axis=0), axis=1)).sum())

    plain = fit_nmf(planted.counts, W0, H0, options=FitOptions(max_iter=300))
    smooth = fit_nmf(planted.counts, W0, H0, graph=chain,
                     options=FitOptions(max_iter=300, graph_weight=1.0))
    assert roughness(smooth.H) < 0.5 * roughness(plain.H)
    assert (np.diff(smooth.history) <= 1e-9 * smooth.history[0]).all()


def test_joint_nmf_recovers_the_shared_exposures() -> None:
    rng = np.random.default_rng(3)
    exposures = rng.gamma(1.0, 500.0, size=(2, 25))
    bases = [rng.dirichlet(np.ones(m), size=2).T for m in (15, 6)]
    matrices = [rng.poisson(b @ exposures).astype(float) for b in bases]
    fit = fit_joint_nmf(matrices, 2, rng=0, options=FitOptions(max_iter=3000, tol=1e-9))
    assert [w.shape for w in fit.W] == [(15, 2), (6, 2)]
    assert match_cosines(fit.H.T, exposures.T).min() > 0.99
    with pytest.raises(ValueError, match=r"one sample count, got \[24, 25\]"):
        fit_joint_nmf([matrices[0], matrices[1][:, :24]], 2)
    weighted = fit_joint_nmf(matrices, 2, block_weights=[1.0, 5.0], rng=0,
                             options=FitOptions(max_iter=200))
    assert weighted.H.shape == (2, 25)


@pytest.mark.parametrize("options", [
    FitOptions(exponent=1.99, max_iter=2000, tol=1e-9),
    FitOptions(beta=0.5, volume_weight=100.0, max_iter=300, tol=1e-9, check_every=1)],
    ids=["over-relaxed", "volume-penalty"])
def test_a_fit_stopped_by_a_rising_objective_is_not_converged(options: FitOptions) -> None:
    """The stop rule counted a rise as 'a change below tol': a diverging over-relaxed fit
    (objective 42.7 -> 273.6) and a volume-penalised one stopped by a 4e-4 rise were both
    reported converged."""
    X = np.random.default_rng(2).poisson(3.0, (8, 6)).astype(float)
    W0, H0 = initialise(X, 3, "random", 0)
    result = fit_nmf(X, W0, H0, options=options)
    assert result.n_iter < options.max_iter  # stopped by the rise, as before
    assert not result.converged
    plain = fit_nmf(X, W0, H0, options=FitOptions(max_iter=5000, tol=1e-9))
    assert plain.converged and plain.n_iter < 5000


@pytest.mark.parametrize("fill", ["zeros", "mean"])
def test_nndsvd_of_a_large_matrix_uses_its_leading_triplets_alone(
        fill: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The economy SVD of a large matrix computed every triplet to use k (minutes for an
    expression matrix); the k leading ones give the same start."""
    import sigforge.nmf._init as init

    rng = np.random.default_rng(3)
    X = rng.gamma(0.5, 1.0, (60, 40)) * rng.random(40)
    full_w, full_h = nndsvd_init(X, 4, fill=fill)
    monkeypatch.setattr(init, "FULL_SVD_UP_TO", 10)
    calls: list[int] = []
    svd = np.linalg.svd
    monkeypatch.setattr(np.linalg, "svd", lambda *a, **kw: calls.append(1) or svd(*a, **kw))
    lead_w, lead_h = nndsvd_init(X, 4, fill=fill)
    assert not calls  # ARPACK, not the whole SVD
    np.testing.assert_allclose(lead_w @ lead_h, full_w @ full_h, rtol=1e-9, atol=1e-12)
    again = nndsvd_init(X, 4, fill=fill)
    assert np.array_equal(again[0], lead_w) and np.array_equal(again[1], lead_h)

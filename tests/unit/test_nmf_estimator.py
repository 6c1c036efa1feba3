"""The scikit-learn-style estimator sigforge.nmf.NMF (issue 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sigforge.nmf import NMF, ConvergenceWarning
from sigforge.testing import match_cosines, planted_counts


@pytest.fixture
def samples_by_features() -> tuple[np.ndarray, np.ndarray]:
    planted = planted_counts(30, 25, 3, burden=4000, rng=2)
    return planted.counts.T, planted.signatures


@pytest.mark.filterwarnings("ignore::sigforge.nmf.ConvergenceWarning")
@pytest.mark.parametrize("solver,beta_loss,init", [
    ("mu", "kullback-leibler", "random"), ("mu", "frobenius", "nndsvda"),
    ("hals", "frobenius", "nndsvd"), ("mu", 1.5, "nndsvdar")])
def test_fit_transform_recovers_planted_components(samples_by_features, solver: str,
                                                   beta_loss: str | float, init: str) -> None:
    X, signatures = samples_by_features
    model = NMF(3, solver=solver, beta_loss=beta_loss, init=init, random_state=0,
                max_iter=3000, tol=1e-8)
    coefficients = model.fit_transform(X)
    assert coefficients.shape == (25, 3) and model.components_.shape == (3, 30)
    assert match_cosines(model.components_.T, signatures).min() > 0.98
    assert model.reconstruction_err_ > 0 and model.n_iter_ >= 1
    np.testing.assert_allclose(model.inverse_transform(coefficients),
                               coefficients @ model.components_)


@pytest.mark.filterwarnings("ignore::sigforge.nmf.ConvergenceWarning")
def test_transform_agrees_with_fit_transform(samples_by_features) -> None:
    X, _ = samples_by_features
    model = NMF(3, random_state=0, max_iter=5000, tol=1e-10)
    fitted = model.fit_transform(X)
    np.testing.assert_allclose(model.transform(X), fitted, rtol=1e-2, atol=1e-2 * fitted.max())


def test_dataframes_and_params(samples_by_features) -> None:
    X, _ = samples_by_features
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = NMF(2, random_state=1, max_iter=200, tol=1e-4).fit(frame)
    assert list(model.feature_names_in_[:2]) == ["f0", "f1"]
    assert model.get_params()["n_components"] == 2
    copy = clone(model).set_params(n_components=3)
    assert copy.n_components == 3 and not hasattr(copy, "components_")
    with pytest.raises(ValueError, match="expected a parameter in"):
        model.set_params(alpha=1.0)


@pytest.mark.parametrize("X,message", [
    (-np.ones((4, 3)), "expected nonnegative values"),
    (np.full((4, 3), np.nan), "expected finite values, got NaN"),
    (np.ones(4), "expected a 2-D matrix"),
])
def test_bad_input_is_rejected(X: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NMF(2).fit(X)


@pytest.mark.parametrize("params,message", [
    ({"n_components": 5}, r"expected 1 <= k <= 3"),
    ({"init": "svd"}, "expected init in"),
    ({"solver": "cd"}, "expected solver in"),
    ({"beta_loss": "poisson"}, "expected beta_loss in"),
    ({"max_iter": 0}, "max_iter >= 1"),
])
def test_bad_parameters_are_rejected(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NMF(**{"n_components": 2, **params}).fit(np.ones((4, 3)))


def test_convergence_warning() -> None:
    X = planted_counts(8, 6, 2, rng=0).counts.T
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        NMF(2, max_iter=1, random_state=0).fit(X)


def test_transform_needs_a_fitted_model_with_matching_features(samples_by_features) -> None:
    X, _ = samples_by_features
    with pytest.raises(ValueError, match="expected a fitted NMF"):
        NMF(2).transform(X)
    model = NMF(2, random_state=0, max_iter=100, tol=1e-3).fit(X)
    with pytest.raises(ValueError, match="expected X with 30 features, got 29"):
        model.transform(X[:, :29])


def test_frobenius_transform_is_the_exact_least_squares_solution() -> None:
    """With four similar components multiplicative updates stopped at max_iter 53% above the
    least-squares optimum, coefficients off by 22 of 200, without a warning."""
    from scipy.optimize import nnls

    rng = np.random.default_rng(0)
    base = rng.dirichlet(np.ones(50))
    W = np.column_stack([0.8 * base + 0.2 * rng.dirichlet(np.ones(50)) for _ in range(4)])
    X = (W @ rng.gamma(2, 100, (4, 30))).T + rng.uniform(0, 0.1, (30, 50))
    model = NMF(4, beta_loss="frobenius", random_state=0, max_iter=50, tol=0.0)
    model.fit(X)
    model.components_ = W.T.copy()
    exact = np.array([nnls(W, x)[0] for x in X])
    np.testing.assert_allclose(model.transform(X), exact, rtol=1e-9, atol=1e-9)


def test_an_unconverged_transform_warns() -> None:
    X = planted_counts(8, 6, 2, rng=0).counts.T
    model = NMF(2, random_state=0, max_iter=2000, tol=1e-6).fit(X)
    model.set_params(max_iter=1)
    with pytest.warns(ConvergenceWarning, match="NMF.transform stopped at max_iter=1"):
        model.transform(X)


@pytest.mark.filterwarnings("ignore::sigforge.nmf.ConvergenceWarning")
def test_a_graph_penalised_model_transforms_new_samples() -> None:
    """transform asked for a graph it has no argument for; new samples are not in the graph,
    so their coefficients are fitted without the penalty."""
    X = planted_counts(8, 6, 2, rng=0).counts.T
    graph = np.ones((6, 6)) - np.eye(6)
    model = NMF(2, graph_weight=0.1, random_state=0, max_iter=3000, tol=1e-9).fit(
        X, graph=graph)
    plain = clone(model).set_params(graph_weight=0.0)
    plain.components_ = model.components_
    np.testing.assert_array_equal(model.transform(X), plain.transform(X))

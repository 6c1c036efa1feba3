"""Entry checks of the public NMF functions (red-team api_* cases): bad data, starts, weights
and settings are refused with a ValueError or TypeError naming the argument, never answered
by NaN factors, a numba SystemError or a loop that never ends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigforge.nmf._estimator as estimator_module
from sigforge.nmf import (
    NMF,
    FitOptions,
    beta_divergence,
    fit_joint_nmf,
    fit_kl_mu_batched,
    fit_nmf,
    fit_spatial_nmf,
    initialise,
    knn_graph,
    random_init,
)

NAN, INF = float("nan"), float("inf")


def _problem(seed: int = 0, m: int = 8, n: int = 6, k: int = 2
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.poisson(5.0, size=(m, n)).astype(float) + 1.0
    return X, rng.uniform(0.1, 1, (m, k)), rng.uniform(0.1, 1, (k, n))


def _spoiled(A: np.ndarray, value: float) -> np.ndarray:
    B = A.copy()
    B.flat[B.size // 2] = value
    return B


BAD_VALUES = [(NAN, "NaN"), (INF, "infinity"), (-3.0, "nonnegative")]


# api_kernel_no_input_checks ------------------------------------------------------------------

@pytest.mark.parametrize("value,message", BAD_VALUES)
@pytest.mark.parametrize("argument", ["X", "W", "H", "weights"])
def test_batched_refuses_bad_values(argument: str, value: float, message: str) -> None:
    X, W, H = _problem()
    arrays = {"X": X[None], "W": W[None], "H": H[None], "weights": np.ones_like(X)[None]}
    arrays[argument] = _spoiled(arrays[argument], value)
    with pytest.raises(ValueError, match=f"{argument}: expected.*{message}"):
        fit_kl_mu_batched(arrays["X"], arrays["W"], arrays["H"], weights=arrays["weights"],
                          max_iter=20)


@pytest.mark.parametrize("value,message", BAD_VALUES)
@pytest.mark.parametrize("argument", ["X", "W", "H", "weights", "graph"])
@pytest.mark.parametrize("solver,beta", [("mu", 1.0), ("mu", 2.0), ("hals", 2.0)])
def test_fit_nmf_refuses_bad_values(argument: str, value: float, message: str, solver: str,
                                    beta: float) -> None:
    X, W, H = _problem()
    arrays = {"X": X, "W": W, "H": H, "weights": None, "graph": None}
    if argument in ("weights", "graph"):
        if solver == "hals":
            pytest.skip("HALS takes neither weights nor a graph")
        arrays[argument] = np.ones_like(X) if argument == "weights" else np.ones((6, 6))
    arrays[argument] = _spoiled(arrays[argument], value)
    options = FitOptions(beta=beta, max_iter=20, graph_weight=0.1 if argument == "graph" else 0)
    with pytest.raises(ValueError, match=f"{argument}: expected.*{message}"):
        fit_nmf(arrays["X"], arrays["W"], arrays["H"], solver=solver, weights=arrays["weights"],
                graph=arrays["graph"], options=options)


@pytest.mark.parametrize("method", ["random", "nndsvd", "nndsvda", "nndsvdar"])
@pytest.mark.parametrize("value,message", BAD_VALUES)
def test_initialise_refuses_bad_data(method: str, value: float, message: str) -> None:
    X, _, _ = _problem()
    with pytest.raises(ValueError, match=f"X: expected.*{message}"):
        initialise(_spoiled(X, value), 2, method, 0)


@pytest.mark.parametrize("call,message", [
    (lambda X, W, H: fit_nmf(X, W, H[:, :4]), r"W, H: expected shapes"),
    (lambda X, W, H: fit_nmf(X, W, H, weights=np.zeros_like(X)), "at least one positive"),
    (lambda X, W, H: fit_kl_mu_batched(X[None], W[None], H[None],
                                       weights=np.zeros_like(X)[None]), "at least one positive"),
    (lambda X, W, H: fit_nmf(X, W, H, options="fast"), "options: expected a FitOptions"),
    (lambda X, W, H: initialise(X, 0), "k: expected an integer k >= 1"),
    (lambda X, W, H: initialise(X, 9, "nndsvd"), "at most min"),
    (lambda X, W, H: fit_kl_mu_batched(X[None], W[None], H[None], max_iter=50.5),
     "max_iter: expected an integer"),
])
def test_shapes_counts_and_all_zero_weights_are_refused(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call(*_problem())


@pytest.mark.parametrize("call", [
    lambda X, W, H: NMF(2, random_state=0).fit(np.zeros_like(X.T)),
    lambda X, W, H: fit_nmf(np.zeros_like(X), W, H),
    lambda X, W, H: fit_nmf(np.zeros_like(X), W, H, solver="hals", options=FitOptions(beta=2)),
    lambda X, W, H: fit_kl_mu_batched(np.stack([X, 0 * X]), np.stack([W, W]), np.stack([H, H])),
    lambda X, W, H: fit_nmf(np.where(np.eye(*X.shape) > 0, X, 0), W, H,
                            weights=1 - np.eye(*X.shape)),
])
def test_learning_components_from_zeros_is_refused(call) -> None:
    """Every solver turns all-zero data (or data zero on every weighted entry) into zero
    components reported as converged: a fit that learns W must refuse it."""
    with pytest.raises(ValueError, match="X: expected at least one positive entry"):
        call(*_problem())


def test_zero_samples_still_get_zero_coefficients_with_components_fixed() -> None:
    X, W, H = _problem()
    model = NMF(2, random_state=0).fit(X.T)
    assert np.array_equal(model.transform(np.zeros((3, X.shape[0]))), np.zeros((3, 2)))
    fixed = fit_nmf(np.zeros_like(X), W, H, options=FitOptions(update_w=False, max_iter=20))
    assert np.array_equal(fixed.W, W) and not fixed.H.any()


@pytest.mark.parametrize("call,message", [
    (lambda X: NMF(2).fit(X.astype(complex)), "X: expected real numbers"),
    (lambda X: fit_nmf([[1.0, "a"], [2.0, 3.0]], np.ones((2, 1)), np.ones((1, 2))),
     "X: expected a numeric"),
    (lambda X: random_init(X, 2, 0), "rng: expected a numpy.random.Generator"),
])
def test_wrong_types_are_named(call, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call(_problem()[0])


# api_kernel_systemerror ----------------------------------------------------------------------

@pytest.mark.parametrize("settings_,message", [
    ({"volume": INF}, "volume: expected a finite"),
    ({"volume": NAN}, "volume: expected a finite"),
    ({"volume": 0.2, "volume_delta": NAN}, "volume_delta: expected a finite"),
    ({"volume": 0.2, "volume_delta": 0.0}, "volume_delta > 0"),
    ({"tol": NAN}, "tol: expected a finite"),
])
def test_batched_settings_are_checked_before_the_kernel(settings_: dict, message: str) -> None:
    X, W, H = _problem()
    with pytest.raises(ValueError, match=message):
        fit_kl_mu_batched(X[None], W[None], H[None], max_iter=200, **settings_)


# api_nan_parameters_nan_results --------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda X, W, H: NMF(2, beta_loss=NAN).fit_transform(X.T), "beta_loss: expected a finite"),
    (lambda X, W, H: fit_nmf(X, W, H, options=FitOptions(beta=NAN)), "beta: expected a finite"),
    (lambda X, W, H: fit_spatial_nmf(X, 2, np.arange(12.0).reshape(6, 2), n_neighbors=2,
                                     beta=NAN, rounds=1), "beta: expected a finite"),
    (lambda X, W, H: fit_joint_nmf([X, X], 2, block_weights=[1, NAN], rng=0),
     r"block_weights\[1\]: expected a finite"),
    (lambda X, W, H: fit_joint_nmf([X, X], 2, block_weights=[1, INF], rng=0),
     r"block_weights\[1\]: expected a finite"),
    (lambda X, W, H: fit_joint_nmf([X, X], 2, block_weights=[0, 0], rng=0),
     "at least one positive"),
    # one zero weight: that matrix's W came back all zeros, a modality "without signal"
    (lambda X, W, H: fit_joint_nmf([X, X], 2, block_weights=[1, 0], rng=0),
     r"block_weights\[1\]: 0 leaves matrix 1 out of the fit"),
    (lambda X, W, H: NMF(2, graph_weight=INF).fit(X.T, graph=np.ones((6, 6))),
     "graph_weight: expected a finite"),
    (lambda X, W, H: NMF(2, graph_weight=0.1, random_state=0).fit(X.T, graph=-np.ones((6, 6))),
     "graph: expected nonnegative"),
    (lambda X, W, H: NMF(2, tol=NAN).fit(X.T), "tol: expected a finite"),
    (lambda X, W, H: NMF(2, volume_weight=-1).fit(X.T), "volume_weight >= 0"),
    (lambda X, W, H: beta_divergence(X, W @ H, NAN), "beta: expected a finite"),
    (lambda X, W, H: beta_divergence(X, (W @ H)[:1], 1.0), "WH: expected the shape of X"),
    (lambda X, W, H: beta_divergence(-X, W @ H, 1.0), "X: expected nonnegative"),
])
def test_nan_and_out_of_range_parameters_are_refused(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(*_problem())


# api_huge_values_nan_results -----------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda: NMF(2, solver="hals", beta_loss="frobenius").fit_transform(np.full((6, 5), 1e300)),
     "X: expected values <= 1e"),
    (lambda: NMF(2).fit(np.full((6, 5), 1e300)), "X: expected values <= 1e"),
    (lambda: fit_kl_mu_batched(np.full((1, 8, 6), 1e200), _problem()[1][None] * 1e200,
                               _problem()[2][None] * 1e200), "X: expected values <= 1e"),
    (lambda: fit_nmf(_problem()[0], _problem()[1] * 1e100, _problem()[2] * 1e100),
     "W, H: the start's model"),
    (lambda: fit_nmf(_problem()[0], _problem()[1] * 1e200, _problem()[2]),
     "W: expected values <= 1e"),
    (lambda: fit_nmf(_problem()[0] * 1e90, *_problem()[1:], options=FitOptions(beta=3)),
     "with beta=3 values must be"),
    (lambda: knn_graph(np.random.default_rng(0).uniform(size=(10, 2)) * 1e300, 3),
     "coordinates: expected"),
])
def test_values_too_large_to_square_are_refused(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_large_but_accepted_values_give_finite_fits() -> None:
    X, W, H = _problem()
    fit = fit_nmf(X * 1e90, W, H * 1e90, solver="hals", options=FitOptions(beta=2, max_iter=50))
    assert np.isfinite(fit.W).all() and np.isfinite(fit.H).all() and np.isfinite(fit.objective)


# api_itakura_saito_zeros ---------------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, -0.5, -1.0])
def test_beta_at_most_zero_refuses_zeros(beta: float) -> None:
    X, W, H = _problem()
    X[0, :3] = 0.0
    with pytest.raises(ValueError, match="undefined at zero.*3 zero entries"):
        fit_nmf(X, W, H, options=FitOptions(beta=beta, max_iter=20))


def test_itakura_saito_estimator_refuses_zeros_and_accepts_hidden_zeros() -> None:
    X, W, H = _problem()
    X[0, 0] = 0.0
    with pytest.raises(ValueError, match="Itakura-Saito"):
        NMF(2, beta_loss="itakura-saito", random_state=0).fit_transform(X.T)
    weights = np.ones_like(X)
    weights[0, 0] = 0.0
    fit = fit_nmf(X, W, H, weights=weights, options=FitOptions(beta=0, max_iter=30))
    assert np.isfinite(fit.W).all() and np.isfinite(fit.H).all()


# api_fit_nmf_check_every_hang ----------------------------------------------------------------

@pytest.mark.parametrize("field,value,error", [
    ("check_every", 0, ValueError), ("check_every", -1, ValueError),
    ("max_iter", 0, ValueError), ("max_iter", -5, ValueError), ("max_iter", 10.5, ValueError),
    ("min_iter", -1, ValueError), ("tol", NAN, ValueError), ("tol", -1e-3, ValueError),
    ("beta", INF, ValueError), ("volume_weight", -1.0, ValueError),
    ("volume_delta", 0.0, ValueError), ("graph_weight", NAN, ValueError),
    ("exponent", 2.0, ValueError), ("update_w", "yes", TypeError), ("tol", "0", TypeError),
])
def test_fit_options_are_validated(field: str, value: object, error: type) -> None:
    with pytest.raises(error, match=f"FitOptions.{field}"):
        FitOptions(**{field: value})


# api_reconstruction_err_nan ------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::sigforge.nmf.ConvergenceWarning")
def test_reconstruction_error_is_clipped_at_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimator_module, "divergence", lambda *args: -1e-15)
    model = NMF(2, random_state=0, max_iter=50, tol=0).fit(_problem()[0].T)
    assert model.reconstruction_err_ == 0.0


@pytest.mark.filterwarnings("ignore::sigforge.nmf.ConvergenceWarning")
def test_reconstruction_error_of_an_exact_kl_fit_is_finite() -> None:
    rng = np.random.default_rng(1)
    for _ in range(13):  # the red team's fit t=12 came out NaN
        X = (rng.random((20, 2)) @ rng.random((2, 15))).T
    model = NMF(2, beta_loss="kullback-leibler", random_state=12, max_iter=3000, tol=0).fit(X)
    assert np.isfinite(model.reconstruction_err_) and model.reconstruction_err_ >= 0


# valid inputs are unchanged ------------------------------------------------------------------

def test_integer_and_list_inputs_give_the_same_bits_as_float_arrays() -> None:
    X, W, H = _problem()
    reference = fit_kl_mu_batched(X[None], W[None], H[None], max_iter=40)
    as_ints = fit_kl_mu_batched(X[None].astype(np.int64), W[None].tolist(), H[None], max_iter=40)
    np.testing.assert_array_equal(reference.W, as_ints.W)
    np.testing.assert_array_equal(reference.H, as_ints.H)


# property: one bad entry anywhere is always found --------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(2, 9), st.integers(0, 10**6),
       st.sampled_from([NAN, INF, -INF, -1e-300, -7.0, 1e101, 1e300]),
       st.sampled_from(["X", "W", "H"]))
def test_one_bad_entry_is_always_refused(m: int, n: int, position: int, value: float,
                                         argument: str) -> None:
    X, W, H = _problem(position, m, n, 1)
    arrays = {"X": X, "W": W, "H": H}
    if argument != "X" and value in (1e101,):
        value = 1e151  # starts may be larger than data, up to 1e150
    target = arrays[argument]
    target.flat[position % target.size] = value
    with pytest.raises(ValueError, match=f"^{argument}"):
        fit_nmf(arrays["X"], arrays["W"], arrays["H"], options=FitOptions(max_iter=5))
    with pytest.raises(ValueError, match=f"^{argument}"):
        fit_kl_mu_batched(arrays["X"][None], arrays["W"][None], arrays["H"][None], max_iter=5)

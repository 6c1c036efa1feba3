"""A scikit-learn-style estimator over the solvers.

Orientation follows scikit-learn, *not* the rest of sigforge: ``X`` is (n_samples, n_features);
``fit_transform`` returns exposures as (n_samples, n_components) and ``components_`` holds the
signatures as (n_components, n_features). Internally the data is transposed to the solvers'
(features, samples) orientation.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from typing import Any

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_rank
from sigforge.nmf._batch import normalise_factors
from sigforge.nmf._checks import as_float_array, check_count, check_real
from sigforge.nmf._init import INITS, initialise
from sigforge.nmf._objective import divergence
from sigforge.nmf._solvers import SOLVERS, FitOptions, FitResult, fit_nmf


class ConvergenceWarning(UserWarning):
    """A fit stopped at ``max_iter`` before its convergence rule was met."""


#: scikit-learn's names for the beta-divergences it knows.
BETA_LOSSES = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}


def _beta_value(beta_loss: str | float) -> float:
    """The numeric beta of a loss name or number; ValueError lists the valid names."""
    if isinstance(beta_loss, str):
        if beta_loss not in BETA_LOSSES:
            raise ValueError(f"expected beta_loss in {sorted(BETA_LOSSES)} or a number, "
                             f"got {beta_loss!r}.")
        return BETA_LOSSES[beta_loss]
    return check_real(beta_loss, "beta_loss")


class NMF:
    """Nonnegative matrix factorisation X ~ W @ H, scikit-learn style.

    Parameters
    ----------
    n_components : int or None, default=None
        Rank; None uses min(n_samples, n_features).
    init : {'random', 'nndsvd', 'nndsvda', 'nndsvdar'}, default='random'
    solver : {'mu', 'hals'}, default='mu'
        Multiplicative updates (any beta) or HALS coordinate descent (Frobenius only).
    beta_loss : {'kullback-leibler', 'frobenius', 'itakura-saito'} or float,
            default='kullback-leibler'
    tol : float, default=1e-7
        Relative objective decrease over 10 iterations below which the fit stops.
    max_iter : int, default=1000
    min_iter : int, default=0
    random_state : Generator, int or None, default=None
    volume_weight : float, default=0.0
        Weight of the minimum-volume penalty log det(W^T W + I) (mvNMF; MU only).
    graph_weight : float, default=0.0
        Weight of the graph penalty on the samples' coefficients; pass ``graph=`` to ``fit``.

    Attributes
    ----------
    components_ : ndarray, shape (n_components, n_features)
        Rows sum to 1.
    n_components_ : int
    n_features_in_ : int
        Features (columns of X) seen by ``fit``.
    reconstruction_err_ : float
        sqrt(2 * beta-divergence) of the fit, as scikit-learn reports it.
    n_iter_ : int
    converged_ : bool
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached before convergence.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).poisson(5.0, size=(8, 6)).astype(float)
    >>> model = NMF(n_components=2, random_state=0, max_iter=2000)
    >>> model.fit_transform(X).shape, model.components_.shape
    ((8, 2), (2, 6))
    """

    def __init__(self, n_components: int | None = None, *, init: str = "random",
                 solver: str = "mu", beta_loss: str | float = "kullback-leibler",
                 tol: float = 1e-7, max_iter: int = 1000, min_iter: int = 0,
                 random_state: np.random.Generator | int | None = None,
                 volume_weight: float = 0.0, graph_weight: float = 0.0) -> None:
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.min_iter = min_iter
        self.random_state = random_state
        self.volume_weight = volume_weight
        self.graph_weight = graph_weight

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters by name (scikit-learn protocol)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> NMF:
        """Set constructor parameters; unknown names raise ValueError."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"expected a parameter in {sorted(valid)}, got {name!r}.")
            setattr(self, name, value)
        return self

    def _options(self, **overrides: Any) -> FitOptions:
        """Validated FitOptions from the parameters."""
        if not isinstance(self.init, str) or self.init not in INITS:
            raise ValueError(f"expected init in {sorted(INITS)}, got {self.init!r}.")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise ValueError(f"expected solver in {sorted(SOLVERS)}, got {self.solver!r}.")
        settings = {"beta": _beta_value(self.beta_loss),
                    "tol": check_real(self.tol, "tol", minimum=0.0),
                    "max_iter": check_count(self.max_iter, "max_iter", 1),
                    "min_iter": check_count(self.min_iter, "min_iter", 0),
                    "volume_weight": check_real(self.volume_weight, "volume_weight",
                                                minimum=0.0),
                    "graph_weight": check_real(self.graph_weight, "graph_weight",
                                               minimum=0.0)}
        return FitOptions(**(settings | overrides))

    def _data(self, X: Any, *, fitting: bool) -> FloatArray:
        """X as a checked (n_features, n_samples) array. A DataFrame given to ``transform``
        must have the columns of the one fitted, in its order (scikit-learn's rule): other
        or reordered features would silently give wrong coefficients."""
        names = getattr(self, "feature_names_in_", None)
        if not fitting and names is not None and hasattr(X, "columns") and list(
                X.columns) != list(names):
            raise ValueError(f"X: expected the feature names seen in fit, in their order "
                             f"({list(names)[:5]}...), got {list(X.columns)[:5]}...; select "
                             "them with X[model.feature_names_in_].")
        values = check_nonnegative_matrix(as_float_array(X, "X", None), "X")
        if not fitting and values.shape[1] != self.components_.shape[1]:
            raise ValueError(f"expected X with {self.components_.shape[1]} features, "
                             f"got {values.shape[1]}.")
        return np.ascontiguousarray(values.T)

    def _record(self, data: FloatArray, fit: FitResult) -> None:
        """Store fitted attributes and warn when the fit did not converge."""
        self.components_ = fit.W.T.copy()
        self.n_components_ = fit.W.shape[1]
        self.n_iter_ = fit.n_iter
        self.converged_ = fit.converged
        beta = _beta_value(self.beta_loss)
        # A near-exact fit's divergence (a sum of cancelling terms) can round below 0.
        error = max(divergence(data, fit.W @ fit.H, beta), 0.0)
        self.reconstruction_err_ = float(np.sqrt(2 * error))
        self._warn_unconverged("NMF", fit, stacklevel=4)

    def _warn_unconverged(self, what: str, fit: FitResult, stacklevel: int) -> None:
        """Warn of a fit that did not converge, saying why: it ran out of iterations, or its
        objective rose (a penalised fit; more iterations would not help). ``tol`` 0 asks for
        exactly ``max_iter`` iterations: nothing to warn of."""
        if fit.converged or self.tol == 0:
            return
        if fit.n_iter < self.max_iter:
            message = (f"{what} stopped at iteration {fit.n_iter} of max_iter={self.max_iter}: "
                       "its objective rose (by rounding, or because penalised updates are not "
                       "monotone at these settings). A large volume_weight or graph_weight "
                       "may be lowered; tol=0 runs every iteration.")
        else:
            message = (f"{what} stopped at max_iter={self.max_iter} before converging "
                       f"(tol={self.tol}); raise max_iter or tol.")
        warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)

    def fit_transform(self, X: Any, y: Any = None, *,
                      graph: FloatArray | None = None) -> FloatArray:
        """Fit to X (n_samples, n_features) and return its coefficients (n_samples, k).

        Parameters
        ----------
        X : ndarray or DataFrame, shape (n_samples, n_features)
            Nonnegative, finite.
        y : ignored
        graph : ndarray, shape (n_samples, n_samples), optional
            Sample adjacency for ``graph_weight``.

        Returns
        -------
        ndarray, shape (n_samples, n_components)

        Raises
        ------
        ValueError
            Negative, NaN, infinite or too large (above 1e100) input; zeros with
            ``beta_loss='itakura-saito'`` (or any beta <= 0: undefined at 0, add a small
            offset); a rank larger than min(n_samples, n_features); an unknown, NaN or
            out-of-range option; a negative or non-finite ``graph``.
        """
        data = self._data(X, fitting=True)
        options = self._options()
        k = (check_count(self.n_components, "n_components", 1)
             if self.n_components is not None else min(data.shape))
        check_rank(k, *data.shape)
        W0, H0 = initialise(data, k, self.init, self.random_state)
        fit = fit_nmf(data, W0, H0, solver=self.solver, graph=graph, options=options)
        if graph is not None:  # fit_nmf leaves the scale of a graph-penalised fit as fitted
            W, H = normalise_factors(fit.W, fit.H)
            fit = dataclasses.replace(fit, W=W, H=H)
        self._record(data, fit)
        self.n_features_in_ = data.shape[0]
        if hasattr(X, "columns"):  # set only by a fit that succeeded, dropped by an array fit
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return fit.H.T.copy()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of ``transform``'s output columns, as scikit-learn's NMF gives them: 'nmf0',
        'nmf1', ... (pipelines and ColumnTransformer read them)."""
        if not hasattr(self, "components_"):
            raise ValueError("expected a fitted NMF, got one whose fit has not been called.")
        return np.asarray([f"nmf{i}" for i in range(self.n_components_)], dtype=object)

    def fit(self, X: Any, y: Any = None, *, graph: FloatArray | None = None) -> NMF:
        """Fit to X (n_samples, n_features); returns self."""
        self.fit_transform(X, graph=graph)
        return self

    def transform(self, X: Any) -> FloatArray:
        """Coefficients (n_samples, k) of new X (n_samples, n_features) with components fixed.

        Under the Frobenius loss (beta 2) each sample's coefficients are its exact
        nonnegative least-squares solution (``scipy.optimize.nnls``): iterative updates with
        similar components can stop far from it. Other losses run the solver with the
        components fixed and warn (:class:`ConvergenceWarning`) when it reaches ``max_iter``
        first. A graph penalty is not applied: it ties the fitted samples to each other, and
        new samples have no place in that graph.
        """
        if not hasattr(self, "components_"):
            raise ValueError("expected a fitted NMF, got one whose fit has not been called.")
        data = self._data(X, fitting=False)
        W = self.components_.T
        options = self._options(update_w=False, graph_weight=0.0)
        if options.beta == 2.0:
            return _least_squares_coefficients(W, data)
        k = W.shape[1]
        H0 = np.tile(np.maximum(data.sum(axis=0), 1e-12) / k, (k, 1))
        fit = fit_nmf(data, W, H0, solver=self.solver, options=options)
        self._warn_unconverged("NMF.transform", fit, stacklevel=3)
        return fit.H.T.copy()

    def inverse_transform(self, coefficients: FloatArray) -> FloatArray:
        """Model X ~ coefficients (n_samples, k) @ components_ (k, n_features)."""
        if not hasattr(self, "components_"):
            raise ValueError("expected a fitted NMF, got one whose fit has not been called.")
        values = check_nonnegative_matrix(as_float_array(coefficients, "coefficients", 2),
                                          "coefficients")
        if values.shape[1] != self.n_components_:
            raise ValueError(f"coefficients: expected {self.n_components_} columns (one per "
                             f"component), got shape {values.shape}.")
        result: FloatArray = values @ self.components_
        return result


def _least_squares_coefficients(W: FloatArray, data: FloatArray) -> FloatArray:
    """(n_samples, k) exact nonnegative least-squares coefficients of each column of ``data``
    (features, samples) on the columns of ``W``."""
    from scipy.optimize import nnls

    coefficients = np.empty((data.shape[1], W.shape[1]))
    for sample in range(data.shape[1]):
        coefficients[sample] = nnls(W, data[:, sample])[0]
    return coefficients

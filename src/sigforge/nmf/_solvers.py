"""Single-problem NMF solvers on plain arrays: multiplicative updates for any beta-divergence
(with entry weights, fixed factors, a minimum-volume penalty on W and a graph penalty on H) and
HALS for the Frobenius objective.

Orientation: ``X`` (m, n) is factored as ``W`` (m, k) times ``H`` (k, n); ``weights`` (m, n) and
``graph`` (n, n) live on X's entries and on its samples. The default problem (KL, no penalty)
runs in the tiled numba kernel of :mod:`sigforge.nmf._kernels`; everything else is numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sigforge._types import FloatArray
from sigforge.nmf._batch import fit_kl_mu_batched, normalise_factors
from sigforge.nmf._checks import (
    MAX_START,
    as_float_array,
    check_beta_data,
    check_count,
    check_data,
    check_flag,
    check_real,
    check_something_to_learn,
    check_start_model,
    check_values,
    check_weights_positive,
)
from sigforge.nmf._objective import TINY, divergence, model_floor


@dataclass(frozen=True)
class FitOptions:
    """Objective, penalties and stopping rule of one fit.

    Attributes
    ----------
    beta : float, default=1.0
        Beta-divergence: 1 KL (Poisson), 2 Frobenius (half squared error), 0 Itakura-Saito.
    max_iter, min_iter : int, default=1000, 0
        Iteration cap; no convergence is declared before ``min_iter``.
    tol : float, default=1e-7
        Converged when the relative objective change over ``check_every`` iterations is < tol
        (a larger rise stops the fit without convergence); 0 runs exactly ``max_iter``.
    check_every : int, default=10
    update_w, update_h : bool, default=True
        False keeps that factor fixed at its start.
    volume_weight : float, default=0.0
        Weight of the log-det volume penalty ``log det(W^T W + volume_delta I)`` on W.
    volume_delta : float, default=1.0
    graph_weight : float, default=0.0
        Weight of the graph penalty ``tr(H L H^T) / 2`` (L the graph Laplacian) on H.
    exponent : float, default=1.0
        Exponent of the multiplicative factor in the tiled KL kernel (beta=1 without penalties);
        values in (1, 2) over-relax it. The numpy updates use the MM exponent of their beta.

    Raises
    ------
    ValueError
        A setting that is not finite or out of range (``max_iter`` and ``check_every`` >= 1,
        ``max_iter`` >= ``min_iter`` >= 0, ``tol``, ``volume_weight``, ``graph_weight`` >= 0,
        ``volume_delta`` > 0, 0 < ``exponent`` < 2).
    """

    beta: float = 1.0
    max_iter: int = 1000
    min_iter: int = 0
    tol: float = 1e-7
    check_every: int = 10
    update_w: bool = True
    update_h: bool = True
    volume_weight: float = 0.0
    volume_delta: float = 1.0
    graph_weight: float = 0.0
    exponent: float = 1.0

    def __post_init__(self) -> None:
        """Raise ValueError (TypeError for a wrong type) for a setting out of range or not
        finite: the solvers would return NaN factors, or never stop (``check_every`` < 1)."""
        check_real(self.beta, "FitOptions.beta")
        check_count(self.max_iter, "FitOptions.max_iter", 1)
        check_count(self.min_iter, "FitOptions.min_iter", 0)
        if self.min_iter > self.max_iter:
            raise ValueError(f"FitOptions.min_iter ({self.min_iter}) exceeds max_iter "
                             f"({self.max_iter}): the fit could never stop as converged. "
                             "Lower min_iter or raise max_iter.")
        check_real(self.tol, "FitOptions.tol", minimum=0.0)
        check_count(self.check_every, "FitOptions.check_every", 1)
        check_flag(self.update_w, "FitOptions.update_w")
        check_flag(self.update_h, "FitOptions.update_h")
        check_real(self.volume_weight, "FitOptions.volume_weight", minimum=0.0)
        check_real(self.volume_delta, "FitOptions.volume_delta", positive=True)
        check_real(self.graph_weight, "FitOptions.graph_weight", minimum=0.0)
        if not 0 < check_real(self.exponent, "FitOptions.exponent") < 2:
            raise ValueError(f"FitOptions.exponent: expected 0 < exponent < 2, got "
                             f"{self.exponent}.")


@dataclass(frozen=True)
class FitResult:
    """One fit's factors and convergence record.

    Attributes
    ----------
    W : ndarray, shape (m, k)
    H : ndarray, shape (k, n)
    objective : float
        Final objective, penalties included.
    n_iter : int
    converged : bool
    history : ndarray, shape (n_checks + 1,)
        Objective at the start and at every check (empty for the tiled KL kernel).
    """

    W: FloatArray
    H: FloatArray
    objective: float
    n_iter: int
    converged: bool
    history: FloatArray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class _Problem:
    """Data, optional entry weights, optional graph adjacency, and options of one fit."""

    X: FloatArray
    weights: FloatArray | None
    graph: FloatArray | None
    options: FitOptions


def _mu_exponent(beta: float) -> float:
    """Exponent that makes the beta-divergence MU step a majorisation-minimisation step."""
    if beta < 1:
        return 1.0 / (2.0 - beta)
    if beta > 2:
        return 1.0 / (beta - 1.0)
    return 1.0


def _mu_terms(p: _Problem, WH: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Positive and negative parts of the gradient w.r.t. WH, both (m, n), weights applied."""
    beta = p.options.beta
    WH = np.maximum(WH, model_floor(beta))
    if beta == 1:
        numer, denom = p.X / WH, np.ones_like(WH)
    elif beta == 2:
        numer, denom = p.X, WH
    else:
        numer, denom = p.X * WH ** (beta - 2), WH ** (beta - 1)
    if p.weights is not None:
        numer, denom = p.weights * numer, p.weights * denom
    return numer, denom


def _mu_update_h(p: _Problem, W: FloatArray, H: FloatArray) -> FloatArray:
    """Multiplicative update of H (k, n), graph penalty split into its signed parts."""
    numer, denom = _mu_terms(p, W @ H)
    top, bottom = W.T @ numer, W.T @ denom
    if p.graph is not None and p.options.graph_weight > 0:
        top = top + p.options.graph_weight * (H @ p.graph)
        bottom = bottom + p.options.graph_weight * H * p.graph.sum(axis=0)
    return H * (top / np.maximum(bottom, TINY)) ** _mu_exponent(p.options.beta)


def _mu_update_w(p: _Problem, W: FloatArray, H: FloatArray) -> FloatArray:
    """Multiplicative update of W (m, k), volume penalty split into its signed parts."""
    numer, denom = _mu_terms(p, W @ H)
    top, bottom = numer @ H.T, denom @ H.T
    if p.options.volume_weight > 0:
        k = W.shape[1]
        inverse = np.linalg.inv(W.T @ W + p.options.volume_delta * np.eye(k))
        scale = 2.0 * p.options.volume_weight
        top = top + scale * W @ np.maximum(-inverse, 0)
        bottom = bottom + scale * W @ np.maximum(inverse, 0)
    return W * (top / np.maximum(bottom, TINY)) ** _mu_exponent(p.options.beta)


def _mu_step(p: _Problem, W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One MU iteration: H then W; with a volume penalty W's columns are rescaled to sum 1."""
    if p.options.update_h:
        H = _mu_update_h(p, W, H)
    if p.options.update_w:
        W = _mu_update_w(p, W, H)
        if p.options.volume_weight > 0 and p.options.update_h:
            W, H = normalise_factors(W, H)
    return W, H


def _hals_step(p: _Problem, W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One HALS (exact block coordinate descent) sweep over H's rows then W's columns."""
    if p.options.update_h:
        H = H.copy()
        WtW, WtX = W.T @ W, W.T @ p.X
        for row in range(H.shape[0]):
            step = (WtX[row] - WtW[row] @ H) / max(WtW[row, row], TINY)
            H[row] = np.maximum(H[row] + step, 0.0)
    if p.options.update_w:
        W = W.copy()
        HHt, XHt = H @ H.T, p.X @ H.T
        for col in range(W.shape[1]):
            step = (XHt[:, col] - W @ HHt[:, col]) / max(HHt[col, col], TINY)
            W[:, col] = np.maximum(W[:, col] + step, 0.0)
    return W, H


StepFunction = Callable[[_Problem, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

#: Solver name -> one iteration of it.
SOLVERS: dict[str, StepFunction] = {"mu": _mu_step, "hals": _hals_step}


def penalised_objective(X: FloatArray, W: FloatArray, H: FloatArray, *,
                        weights: FloatArray | None = None, graph: FloatArray | None = None,
                        options: FitOptions | None = None) -> float:
    """The objective :func:`fit_nmf` minimises, at ``W`` and ``H``: the beta-divergence of
    ``options`` (entry ``weights`` applied) plus the volume and graph penalties it switches
    on. ``fit_nmf(...).objective`` is this value at the factors it returns.

    Raises
    ------
    ValueError, TypeError
        As :func:`fit_nmf` for its arrays and options.
    """
    p, W, H = _checked_problem(X, W, H, weights, graph, options)
    return _penalised(p, W, H)


def _penalised(p: _Problem, W: FloatArray, H: FloatArray) -> float:
    """Beta-divergence plus the volume and graph penalties that are switched on."""
    total = divergence(p.X, W @ H, p.options.beta, p.weights)
    if p.options.volume_weight > 0:
        gram = W.T @ W + p.options.volume_delta * np.eye(W.shape[1])
        total += p.options.volume_weight * float(np.linalg.slogdet(gram)[1])
    if p.graph is not None and p.options.graph_weight > 0:
        laplacian = np.diag(p.graph.sum(axis=0)) - p.graph
        total += 0.5 * p.options.graph_weight * float(np.trace(H @ laplacian @ H.T))
    return total


def _iterate(p: _Problem, W: FloatArray, H: FloatArray, solver: str) -> FitResult:
    """Run ``solver`` steps with the windowed relative-change rule; record the objective.

    A rise stops the fit (with ``tol`` > 0) and the factors of the check before it are
    returned (the penalised MU updates are not monotone at every setting: the iterate after
    the rise is worse). The returned objective is that of the returned factors: W's columns
    are scaled to sum 1 (H's rows by the inverse) only where no graph penalty is on, whose
    value changes with that scale.
    """
    step, o = SOLVERS[solver], p.options
    history = [_penalised(p, W, H)]
    iteration, converged, stopped = 0, False, False
    before = (W, H)
    while iteration < o.max_iter and not stopped:
        before = (W, H)  # the steps return new arrays, so this keeps the check's factors
        for _ in range(min(o.check_every, o.max_iter - iteration)):
            W, H = step(p, W, H)
        iteration = min(iteration + o.check_every, o.max_iter)
        history.append(_penalised(p, W, H))
        change = (history[-2] - history[-1]) / max(abs(history[-2]), TINY)
        # a rise stops the fit too, but is convergence only when it is below tol as well;
        # tol 0 runs exactly max_iter iterations (as the batched KL kernel does), rises and all
        stopped = iteration >= o.min_iter and change < o.tol and o.tol > 0
        converged = stopped and abs(change) < o.tol
    objective = history[-1]
    if stopped and history[-1] > history[-2]:
        (W, H), objective = before, history[-2]
    if o.update_w and o.update_h and not (p.graph is not None and o.graph_weight > 0):
        W, H = normalise_factors(W, H)
        objective = _penalised(p, W, H) if o.volume_weight > 0 else objective
    return FitResult(W, H, objective, iteration, converged, np.array(history))


def _check_start_not_zero(W: FloatArray, H: FloatArray) -> None:
    """Refuse a start whose W or H is all zeros: a fixed point of every solver, from which
    the fit returned zero factors reported as converged."""
    if not (W.any() and H.any()):
        raise ValueError("W, H: the start is all zeros in W or in H, a fixed point of every "
                         "solver (the fit would return zero factors). Start from positive "
                         "values (initialise(X, k, 'random')).")


def _check_above_floor(high: float, beta: float) -> None:
    """Refuse data whose largest value lies within a factor 1e6 of the model's floor at this
    beta (:func:`model_floor`: 1e-50 for beta 0, 1e-67 for 0.5): the floored model would
    exceed every value, and the fit return zero factors reported as converged."""
    floor = model_floor(beta)
    if 0 < high < floor * 1e6:
        raise ValueError(f"X: expected values up to at least {floor * 1e6:g} for beta {beta:g}, "
                         f"got maximum {high:g}; below it the model, floored at {floor:g} to "
                         "keep WH ** (beta - 2) finite, exceeds the data and the factors fall "
                         "to zero. Multiply the data by a constant first (NMF is "
                         "scale-equivariant).")


def _check_hidden_entries(data: FloatArray, weighted: bool) -> None:
    """With weights, NaN in the data is most likely a hidden entry left missing: say to fill
    it (every entry must hold a number, its weight 0 then hides it)."""
    if weighted and not np.isfinite(data).all():
        raise ValueError("X: expected finite values, got NaN or infinity; entries hidden by "
                         "weights=0 must still hold a number: fill them with 0 "
                         "(np.where(weights > 0, X, 0)).")


def _checked_problem(X: object, W: object, H: object, weights: object | None,
                     graph: object | None, options: object | None
                     ) -> tuple[_Problem, FloatArray, FloatArray]:
    """The problem and the starts as float64 arrays, each checked once (finite, nonnegative,
    not too large, agreeing shapes); ValueError or TypeError naming the argument."""
    if options is None:
        options = FitOptions()
    if not isinstance(options, FitOptions):
        raise TypeError(f"options: expected a FitOptions, got {type(options).__name__}.")
    data = as_float_array(X, "X", 2)
    start_w, start_h = as_float_array(W, "W", 2), as_float_array(H, "H", 2)
    (m, n), k = data.shape, start_w.shape[1]
    if start_w.shape != (m, k) or start_h.shape != (k, n):
        raise ValueError(f"W, H: expected shapes {(m, k)} and {(k, n)} for X {data.shape}, "
                         f"got {start_w.shape} and {start_h.shape}.")
    _check_hidden_entries(data, weights is not None)
    _check_above_floor(check_data(data, "X"), options.beta)
    check_values(start_w, "W", limit=MAX_START)
    check_values(start_h, "H", limit=MAX_START)
    check_start_model(start_w, start_h, "W, H")
    _check_start_not_zero(start_w, start_h)
    entry_weights = None if weights is None else as_float_array(weights, "weights", 2)
    if entry_weights is not None:
        if entry_weights.shape != data.shape:
            raise ValueError(f"weights: expected weights of shape {data.shape}, got "
                             f"{entry_weights.shape}.")
        check_values(entry_weights, "weights")
        check_weights_positive(entry_weights, "weights")
    adjacency = None if graph is None else as_float_array(graph, "graph", 2)
    if adjacency is not None:
        if adjacency.shape != (n, n):
            raise ValueError(f"graph: expected graph of shape {(n, n)} (samples x samples), "
                             f"got {adjacency.shape}.")
        check_values(adjacency, "graph")
        if not np.allclose(adjacency, adjacency.T, rtol=1e-12, atol=0.0):
            raise ValueError("graph: expected a symmetric adjacency (A[i, j] == A[j, i]): the "
                             "penalty's Laplacian needs one, and an asymmetric graph can make "
                             "the objective rise. Symmetrise it, e.g. np.maximum(A, A.T).")
    if (adjacency is None) != (options.graph_weight == 0):
        raise ValueError("graph, graph_weight: a graph penalty needs both a graph and a "
                         f"graph_weight > 0; got graph={'None' if adjacency is None else 'given'}"
                         f" and graph_weight={options.graph_weight}, so one of them would "
                         "change nothing. Give both, or neither.")
    check_beta_data(data, options.beta, "X", entry_weights)
    check_something_to_learn(data, entry_weights, options.update_w)
    return _Problem(data, entry_weights, adjacency, options), start_w, start_h



def _check_solver(solver: str, p: _Problem) -> None:
    """Raise ValueError for an unknown solver or a combination it cannot handle."""
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise ValueError(f"expected solver in {sorted(SOLVERS)}, got {solver!r}.")
    o = p.options
    unsupported = (o.beta != 2 or p.weights is not None or o.volume_weight > 0
                   or o.graph_weight > 0)
    if solver == "hals" and unsupported:
        raise ValueError("solver 'hals' handles only beta=2 without weights or penalties; got "
                         f"beta={o.beta}, weights={p.weights is not None}, volume_weight="
                         f"{o.volume_weight}, graph_weight={o.graph_weight}. Use solver='mu'.")
    if p.graph is not None and p.graph.shape != (p.X.shape[1],) * 2:
        raise ValueError(f"expected graph of shape {(p.X.shape[1],) * 2}, got {p.graph.shape}.")
    if p.weights is not None and p.weights.shape != p.X.shape:
        raise ValueError(f"expected weights of shape {p.X.shape}, got {p.weights.shape}.")


def _uses_kernel(solver: str, p: _Problem) -> bool:
    """True when the tiled KL kernel solves exactly this problem."""
    o = p.options
    return solver == "mu" and o.beta == 1 and o.volume_weight == 0 and o.graph_weight == 0


def fit_nmf(X: FloatArray, W: FloatArray, H: FloatArray, *, solver: str = "mu",
            weights: FloatArray | None = None, graph: FloatArray | None = None,
            options: FitOptions | None = None) -> FitResult:
    """Factor one nonnegative matrix from a given start.

    Parameters
    ----------
    X : ndarray, shape (m, n)
        Nonnegative data.
    W : ndarray, shape (m, k)
        Start of the basis (kept when ``options.update_w`` is False).
    H : ndarray, shape (k, n)
        Start of the coefficients (kept when ``options.update_h`` is False).
    solver : {'mu', 'hals'}, default='mu'
        Multiplicative updates (any beta, weights, penalties) or HALS (beta=2 only).
    weights : ndarray, shape (m, n), optional
        Entry weights; 0 hides an entry (held-out cross-validation).
    graph : ndarray, shape (n, n), optional
        Symmetric nonnegative sample adjacency for the graph penalty.
    options : FitOptions, optional
        Objective, penalties and stopping rule; default ``FitOptions()``.

    Returns
    -------
    FitResult
        With W and H both updated, W's columns scaled to sum 1 (H's rows by the inverse),
        except under a graph penalty, whose value changes with that scale: those factors are
        returned as fitted. ``objective`` is :func:`penalised_objective` of the returned
        factors.

    Raises
    ------
    ValueError
        Unknown solver, or an option the solver does not support, or mismatched shapes; NaN,
        infinite, negative or too large (data above 1e100, starts above 1e150) values in X, W,
        H, weights or graph; all-zero weights; zeros in X with ``beta <= 0`` (Itakura-Saito is
        undefined at 0: add a small offset to X).
    TypeError
        A non-numeric array or an ``options`` that is not a FitOptions.

    References
    ----------
    Lee & Seung (2001); Fevotte & Idier, Neural Computation 23(9) (2011) (beta MU);
    Cichocki & Phan, IEICE Trans. E92-A(3) (2009) (HALS); Leplat, Gillis & Ang, ICASSP (2020)
    (minimum-volume beta-NMF); Cai, He, Han & Huang, IEEE TPAMI 33(8) (2011) (graph-regularised).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(5.0, size=(6, 4)).astype(float)
    >>> fit = fit_nmf(X, rng.uniform(0.1, 1, (6, 2)), rng.uniform(0.1, 1, (2, 4)),
    ...               options=FitOptions(beta=2, max_iter=20))
    >>> fit.n_iter
    20
    """
    p, W, H = _checked_problem(X, W, H, weights, graph, options)
    _check_solver(solver, p)
    if _uses_kernel(solver, p):
        o = p.options
        batch = fit_kl_mu_batched(
            p.X[None], W[None], H[None], weights=None if p.weights is None else p.weights[None],
            update_w=o.update_w, update_h=o.update_h, exponent=o.exponent, max_iter=o.max_iter,
            min_iter=o.min_iter, tol=o.tol, check_every=o.check_every)
        return FitResult(batch.W[0], batch.H[0], float(batch.objective[0]),
                         int(batch.n_iter[0]), bool(batch.converged[0]))
    return _iterate(p, np.array(W, dtype=np.float64), np.array(H, dtype=np.float64), solver)

"""Batched NMF solvers on plain arrays.

Orientation inside the solvers: ``X`` is (R, m, n) -- R independent problems of m features by
n samples -- factored as ``W`` (R, m, k) times ``H`` (R, k, n). Every problem's trajectory
depends on its own data and start only, so a problem gives the same bits whether it is solved
alone or stacked with others (the determinism contract of the workflow relies on this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigforge._types import FloatArray

#: Floor for the model X ~ WH, so that X / WH and log(X / WH) stay finite.
_TINY = 1e-300


@dataclass(frozen=True)
class BatchResult:
    """Result of a batched solve.

    Attributes
    ----------
    W : ndarray, shape (R, m, k)
        Basis per problem; columns scaled to sum to 1.
    H : ndarray, shape (R, k, n)
        Coefficients per problem, scaled so that W @ H is unchanged by the normalisation.
    objective : ndarray, shape (R,)
        Final objective (generalised KL divergence) per problem.
    n_iter : ndarray, shape (R,)
        Iterations run per problem.
    converged : ndarray of bool, shape (R,)
        Whether the relative objective change fell below ``tol`` before ``max_iter``.
    """

    W: FloatArray
    H: FloatArray
    objective: FloatArray
    n_iter: np.ndarray
    converged: np.ndarray


def kl_divergence(X: FloatArray, WH: FloatArray) -> FloatArray:
    """Generalised KL divergence D(X || WH) summed over the last two axes.

    ``0 * log(0 / y)`` is taken as 0, the Poisson-likelihood convention.
    """
    WH = np.maximum(WH, _TINY)
    positive = X > 0
    log_term = np.where(positive, X * np.log(np.where(positive, X, 1.0) / WH), 0.0)
    total: FloatArray = (log_term - X + WH).sum(axis=(-2, -1))
    return total


def _mu_kl_step(X: FloatArray, W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """One Lee-Seung multiplicative update of H then W for the KL objective (batched)."""
    ratio = X / np.maximum(W @ H, _TINY)
    H = H * (np.swapaxes(W, -1, -2) @ ratio) / np.maximum(W.sum(axis=-2)[..., None], _TINY)
    ratio = X / np.maximum(W @ H, _TINY)
    W = W * (ratio @ np.swapaxes(H, -1, -2)) / np.maximum(H.sum(axis=-1)[..., None, :], _TINY)
    return W, H


def normalise_factors(W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Scale each column of W to sum to 1 and the matching row of H inversely."""
    scale = W.sum(axis=-2)
    scale = np.where(scale > 0, scale, 1.0)
    return W / scale[..., None, :], H * scale[..., :, None]


def fit_kl_mu_batched(X: FloatArray, W: FloatArray, H: FloatArray, *, max_iter: int = 5000,
                      min_iter: int = 100, tol: float = 1e-7,
                      check_every: int = 10) -> BatchResult:
    """Fit R KL-divergence NMF problems at once by multiplicative updates.

    Parameters
    ----------
    X : ndarray, shape (R, m, n)
        Nonnegative data, one problem per leading index.
    W : ndarray, shape (R, m, k)
        Positive starting basis.
    H : ndarray, shape (R, k, n)
        Positive starting coefficients.
    max_iter : int, default=5000
        Iteration cap per problem.
    min_iter : int, default=100
        Problems are never declared converged before this many iterations.
    tol : float, default=1e-7
        A problem converges when its objective improves by less than ``tol`` (relative)
        over ``check_every`` iterations.
    check_every : int, default=10
        Objective evaluation interval.

    Returns
    -------
    BatchResult

    References
    ----------
    D. D. Lee and H. S. Seung, "Algorithms for non-negative matrix factorization",
    NIPS 13 (2001).
    """
    R = X.shape[0]
    W, H = W.copy(), H.copy()
    n_iter = np.zeros(R, dtype=np.int64)
    converged = np.zeros(R, dtype=bool)
    previous = kl_divergence(X, W @ H)
    active = np.arange(R)
    iteration = 0
    while active.size and iteration < max_iter:
        steps = min(check_every, max_iter - iteration)
        Wa, Ha, Xa = W[active], H[active], X[active]
        for _ in range(steps):
            Wa, Ha = _mu_kl_step(Xa, Wa, Ha)
        iteration += steps
        W[active], H[active] = Wa, Ha
        n_iter[active] = iteration
        current = kl_divergence(Xa, Wa @ Ha)
        change = (previous[active] - current) / np.maximum(np.abs(previous[active]), _TINY)
        previous[active] = current
        done = (change < tol) & (iteration >= min_iter)
        converged[active[done]] = True
        active = active[~done]
    W, H = normalise_factors(W, H)
    return BatchResult(W, H, kl_divergence(X, W @ H), n_iter, converged)

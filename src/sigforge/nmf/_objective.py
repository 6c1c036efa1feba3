"""Objectives of nonnegative matrix factorisation: beta-divergences, KL and Frobenius.

Orientation: ``X`` (..., m, n) is the data and ``WH`` (..., m, n) the model; leading axes are
independent problems and every divergence is summed over the last two axes only.
"""

from __future__ import annotations

import numpy as np

from sigforge._types import FloatArray

#: Floor for the model X ~ WH, so that X / WH and log(X / WH) stay finite.
TINY = 1e-300


def kl_divergence(X: FloatArray, WH: FloatArray) -> FloatArray:
    """Generalised KL divergence D(X || WH) summed over the last two axes.

    ``0 * log(0 / y)`` is taken as 0, the Poisson-likelihood convention.

    Parameters
    ----------
    X : ndarray, shape (..., m, n)
        Nonnegative data.
    WH : ndarray, shape (..., m, n)
        Model; floored at 1e-300.

    Returns
    -------
    ndarray, shape (...)
    """
    WH = np.maximum(WH, TINY)
    positive = X > 0
    log_term = np.where(positive, X * np.log(np.where(positive, X, 1.0) / WH), 0.0)
    total: FloatArray = (log_term - X + WH).sum(axis=(-2, -1))
    return total


def beta_divergence(X: FloatArray, WH: FloatArray, beta: float,
                    weights: FloatArray | None = None) -> float:
    """Beta-divergence D_beta(X || WH), optionally entry-weighted, summed over all entries.

    Parameters
    ----------
    X : ndarray, shape (m, n)
        Nonnegative data.
    WH : ndarray, shape (m, n)
        Model; floored at 1e-300.
    beta : float
        2 gives half the squared Frobenius norm, 1 the generalised KL divergence, 0 Itakura-Saito.
    weights : ndarray, shape (m, n), optional
        Entry weights (0 hides an entry, as for held-out cross-validation); default all ones.

    Returns
    -------
    float

    References
    ----------
    C. Fevotte and J. Idier, "Algorithms for nonnegative matrix factorization with the
    beta-divergence", Neural Computation 23(9) (2011).
    """
    WH = np.maximum(WH, TINY)
    if beta == 2:
        terms = 0.5 * (X - WH) ** 2
    elif beta == 1:
        positive = X > 0
        terms = np.where(positive, X * np.log(np.where(positive, X, 1.0) / WH), 0.0) - X + WH
    elif beta == 0:
        ratio = np.maximum(X, TINY) / WH
        terms = ratio - np.log(ratio) - 1.0
    else:
        terms = (X**beta + (beta - 1) * WH**beta - beta * X * WH ** (beta - 1)) / (
            beta * (beta - 1))
    if weights is not None:
        terms = weights * terms
    return float(terms.sum())

"""Objectives of nonnegative matrix factorisation: beta-divergences, KL and Frobenius.

Orientation: ``X`` (..., m, n) is the data and ``WH`` (..., m, n) the model; leading axes are
independent problems and every divergence is summed over the last two axes only.
"""

from __future__ import annotations

import numpy as np

from sigforge._types import FloatArray
from sigforge.nmf._checks import (
    MAX_START,
    as_float_array,
    check_beta_data,
    check_real,
    check_values,
)

#: Floor for the model X ~ WH, so that X / WH and log(X / WH) stay finite.
TINY = 1e-300


def model_floor(beta: float) -> float:
    """Floor of the model WH where it is raised to a power: TINY for beta 1 and 2 and above
    (no negative power of WH), else the value below which WH ** (beta - 2) would exceed
    1e100, so that times data of at most 1e100 it stays finite. With TINY a sample whose model
    reached 0 (an all-zero sample, a hidden one, a zero row of a start) gave 0 * inf = NaN
    for beta in (0, 1), and NaN factors."""
    if beta >= 2 or beta == 1:
        return TINY
    return max(TINY, 10.0 ** (-100.0 / (2.0 - beta)))


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

    Raises
    ------
    ValueError
        Shapes that differ, fewer than two axes; NaN, infinite, negative or too large values.
    """
    X, WH = as_float_array(X, "X", None), as_float_array(WH, "WH", None)
    if X.shape != WH.shape or X.ndim < 2:
        raise ValueError(f"X, WH: expected two arrays of one shape (..., m, n), got {X.shape} "
                         f"and {WH.shape}.")
    check_values(X, "X")
    check_values(WH, "WH", limit=MAX_START)
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

    Raises
    ------
    ValueError
        ``beta`` not finite; shapes that differ (nothing is broadcast); NaN, infinite,
        negative or too large values in X, WH or the weights; zeros in X for beta <= 0
        (undefined there), values too large for the beta-th power when beta > 2.

    References
    ----------
    C. Fevotte and J. Idier, "Algorithms for nonnegative matrix factorization with the
    beta-divergence", Neural Computation 23(9) (2011).
    """
    beta = check_real(beta, "beta")
    X, WH = as_float_array(X, "X", 2), as_float_array(WH, "WH", 2)
    if WH.shape != X.shape:
        raise ValueError(f"WH: expected the shape of X {X.shape}, got {WH.shape}.")
    check_values(X, "X")
    check_values(WH, "WH", limit=MAX_START)
    if weights is not None:
        weights = as_float_array(weights, "weights", 2)
        if weights.shape != X.shape:
            raise ValueError(f"weights: expected the shape of X {X.shape}, got "
                             f"{weights.shape}.")
        check_values(weights, "weights")
    check_beta_data(X, beta, "X", weights)
    return divergence(X, WH, beta, weights)


def divergence(X: FloatArray, WH: FloatArray, beta: float,
               weights: FloatArray | None = None) -> float:
    """:func:`beta_divergence` without the entry checks, for the solvers' inner loops (their
    inputs were checked once on entry)."""
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
        WH = np.maximum(WH, model_floor(beta))
        terms = (X**beta + (beta - 1) * WH**beta - beta * X * WH ** (beta - 1)) / (
            beta * (beta - 1))
    if weights is not None:
        terms = weights * terms
    return float(terms.sum())

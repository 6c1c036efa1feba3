"""Initialisations: seeded random starts and NNDSVD (plain, a: zeros filled with the mean,
ar: zeros filled with small random values).

Orientation: ``X`` (m, n) is factored as ``W`` (m, k) times ``H`` (k, n).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sigforge._types import FloatArray
from sigforge.nmf._checks import as_float_array, check_count, check_data

InitFunction = Callable[[FloatArray, int, np.random.Generator], tuple[FloatArray, FloatArray]]


def random_init(X: FloatArray, k: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Positive random start for one problem X (m, n): W columns sum to 1, H at the data's scale.

    Entries are uniform on [0.01, 1) so that no factor starts at zero (a zero stays zero under
    multiplicative updates). Each sample's coefficients are scaled to its column total.

    Parameters
    ----------
    X : ndarray, shape (m, n)
    k : int
    rng : numpy.random.Generator

    Returns
    -------
    W : ndarray, shape (m, k)
    H : ndarray, shape (k, n)

    Raises
    ------
    TypeError
        When ``rng`` is not a Generator (:func:`initialise` also takes seeds), or ``X`` is
        not a real numeric array.
    ValueError
        When ``X`` is not a non-empty 2-D finite nonnegative matrix, or ``k`` < 1.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}; "
                        "pass np.random.default_rng(seed), or use initialise(X, k, 'random', "
                        "seed).")
    X = as_float_array(X, "X", 2)
    check_data(X, "X")  # a NaN made an H of NaN, silently
    k = check_count(k, "k", 1)
    m, n = X.shape
    W = rng.uniform(0.01, 1.0, size=(m, k))
    W /= W.sum(axis=0, keepdims=True)
    H = rng.uniform(0.01, 1.0, size=(k, n))
    H *= np.maximum(X.sum(axis=0), 1.0) / H.sum(axis=0, keepdims=True)
    return W, H


def _nndsvd_pair(u: FloatArray, v: FloatArray, sigma: float) -> tuple[FloatArray, FloatArray]:
    """Dominant nonnegative part of one singular pair (u (m,), v (n,)), scaled by sqrt(sigma)."""
    up, un = np.maximum(u, 0), np.maximum(-u, 0)
    vp, vn = np.maximum(v, 0), np.maximum(-v, 0)
    norm_up, norm_vp = np.linalg.norm(up), np.linalg.norm(vp)
    norm_un, norm_vn = np.linalg.norm(un), np.linalg.norm(vn)
    if norm_up * norm_vp >= norm_un * norm_vn:
        x, y, scale = up / max(norm_up, 1e-300), vp / max(norm_vp, 1e-300), norm_up * norm_vp
    else:
        x, y, scale = un / max(norm_un, 1e-300), vn / max(norm_vn, 1e-300), norm_un * norm_vn
    factor = np.sqrt(sigma * scale)
    return factor * x, factor * y


def nndsvd_init(X: FloatArray, k: int, rng: np.random.Generator | None = None, *,
                fill: str = "zeros") -> tuple[FloatArray, FloatArray]:
    """Nonnegative double SVD start (deterministic apart from the ``fill='random'`` option).

    Parameters
    ----------
    X : ndarray, shape (m, n)
    k : int
    rng : numpy.random.Generator, optional
        Used only by ``fill='random'``.
    fill : {'zeros', 'mean', 'random'}, default='zeros'
        What replaces the zeros: nothing (NNDSVD; suits HALS), the data mean (NNDSVDa) or
        uniform values below mean/100 (NNDSVDar); MU needs one of the latter two.

    Returns
    -------
    W : ndarray, shape (m, k)
    H : ndarray, shape (k, n)

    References
    ----------
    C. Boutsidis and E. Gallopoulos, "SVD based initialization: A head start for nonnegative
    matrix factorization", Pattern Recognition 41(4) (2008).

    Raises
    ------
    ValueError, TypeError
        As :func:`initialise` with an NNDSVD method: X not 2-D or with NaN, infinite,
        negative or too large values; k < 1 or k > min(m, n); an unknown ``fill``.
    """
    X = _checked_for_svd(X, k, "nndsvd")
    if fill not in ("zeros", "mean", "random"):
        raise ValueError(f"fill: expected 'zeros', 'mean' or 'random', got {fill!r}.")
    U, S, Vt = _leading_svd(X, k)
    m, n = X.shape
    W, H = np.zeros((m, k)), np.zeros((k, n))
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, k):
        W[:, j], H[j] = _nndsvd_pair(U[:, j], Vt[j], S[j])
    # entries below 1e-12 (relative to the leading factor's scale when that is below 1, so
    # that data in small units keep their start) are rounding noise of the SVD
    cut = 1e-12 * min(1.0, float(np.sqrt(S[0])))
    W[np.less(W, cut)], H[np.less(H, cut)] = 0.0, 0.0
    mean = X.mean()
    if fill == "mean":
        W[W == 0], H[H == 0] = mean, mean
    elif fill == "random":
        rng = np.random.default_rng(rng)
        W[W == 0] = rng.uniform(0, mean / 100, size=int((W == 0).sum()))
        H[H == 0] = rng.uniform(0, mean / 100, size=int((H == 0).sum()))
    elif fill != "zeros":
        raise ValueError(f"expected fill in ['mean', 'random', 'zeros'], got {fill!r}.")
    return W, H


#: Up to this many rows or columns (the smaller count) the whole economy SVD is taken; a
#: larger matrix gets its k leading singular triplets alone (ARPACK), which is all NNDSVD uses.
FULL_SVD_UP_TO = 1_000


def _leading_svd(X: FloatArray, k: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The ``k`` leading singular triplets of X, largest first: U (m, k), S (k,), Vt (k, n).

    The economy SVD of a 20,000 x 5,000 expression matrix computes 5,000 triplets to use ten
    (minutes and 1.6 GB); ARPACK's Lanczos iteration computes the ten alone, started from a
    constant vector (deterministic; not orthogonal to the leading singular vector of a
    nonnegative matrix, which is nonnegative)."""
    small = min(X.shape)
    if small <= FULL_SVD_UP_TO or k >= small - 1:  # ARPACK needs k < min(m, n)
        U, S, Vt = np.linalg.svd(X, full_matrices=False)
        return U[:, :k], S[:k], Vt[:k]
    from scipy.sparse.linalg import svds

    U, S, Vt = svds(X, k=k, v0=np.full(small, small ** -0.5), tol=0, solver="arpack")
    order = np.argsort(S, kind="stable")[::-1]
    return U[:, order], S[order], Vt[order]


INITS: dict[str, InitFunction] = {
    "random": random_init,
    "nndsvd": lambda X, k, rng: nndsvd_init(X, k, rng, fill="zeros"),
    "nndsvda": lambda X, k, rng: nndsvd_init(X, k, rng, fill="mean"),
    "nndsvdar": lambda X, k, rng: nndsvd_init(X, k, rng, fill="random"),
}


def initialise(X: FloatArray, k: int, method: str = "random",
               rng: np.random.Generator | int | None = None) -> tuple[FloatArray, FloatArray]:
    """Start W (m, k), H (k, n) for X (m, n) by a registered method.

    Parameters
    ----------
    X : ndarray, shape (m, n)
    k : int
    method : {'random', 'nndsvd', 'nndsvda', 'nndsvdar'}, default='random'
    rng : Generator, int or None, default=None
        Normalised once with ``numpy.random.default_rng``.

    Returns
    -------
    W : ndarray, shape (m, k)
    H : ndarray, shape (k, n)

    Raises
    ------
    ValueError
        For an unknown method (the message lists the valid ones); X not 2-D, or with NaN,
        infinite, negative or too large (above 1e100) values; k < 1, or k > min(m, n) for the
        NNDSVD methods.
    """
    if not isinstance(method, str) or method not in INITS:
        raise ValueError(f"expected init in {sorted(INITS)}, got {method!r}.")
    if method == "random":
        data = as_float_array(X, "X", 2)
        check_data(data, "X")
        k = check_count(k, "k", 1)
    else:
        data = _checked_for_svd(X, k, method)
    return INITS[method](data, k, as_generator(rng))


def as_generator(rng: Any) -> np.random.Generator:
    """``numpy.random.default_rng(rng)`` (a seed, a Generator, a SeedSequence or None), or a
    ValueError naming ``random_state`` where numpy's own message would not."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as error:
        raise ValueError(f"random_state: expected None, a whole number >= 0 or a numpy "
                         f"Generator, got {rng!r} ({error}).") from None


def _checked_for_svd(X: FloatArray, k: int, method: str) -> FloatArray:
    """X as a checked float64 matrix for an NNDSVD start of ``k`` components, which needs
    k <= min(m, n) (the SVD has no more singular vectors)."""
    data = as_float_array(X, "X", 2)
    check_data(data, "X")
    k = check_count(k, "k", 1)
    if k > min(data.shape):
        raise ValueError(f"k: init {method!r} gives at most min(m, n) = {min(data.shape)} "
                         f"components for X of shape {data.shape}, got k={k}.")
    return data

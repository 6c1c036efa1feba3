"""Small numerical helpers shared by the generic packages: cosine similarity, unit vectors.

Orientation: vectors are columns. A matrix (m, n) holds n vectors of m features; a vector
(m,) is one.

Zero-vector convention, the one used everywhere in sigforge: **the cosine similarity with a
zero vector is 0.0** (a zero vector points nowhere, so it resembles nothing), and scaling a
zero vector to unit length leaves it zero (which gives the same 0.0 through a dot product).
Never NaN, never a division warning.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sigforge._types import FloatArray


def _norms(x: FloatArray) -> FloatArray:
    """Euclidean norm of a vector (m,), or of each column of a matrix (m, n)."""
    return np.linalg.norm(x) if x.ndim == 1 else np.linalg.norm(x, axis=0)


def cosine_similarity(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Cosine similarity of two vectors, of a vector with each column, or of matching columns.

    Parameters
    ----------
    a, b : array_like, shape (m,) or (m, n)
        Two vectors; a vector and a matrix (the vector is compared with every column); or two
        matrices of the same shape (column j of ``a`` with column j of ``b``).

    Returns
    -------
    ndarray, shape () or (n,)
        Similarities in [-1, 1]; **0.0 where either vector is all zero** (see the module
        docstring). Use ``float(...)`` for a scalar.

    Raises
    ------
    ValueError
        If the shapes do not match as described.

    Examples
    --------
    >>> import numpy as np
    >>> float(cosine_similarity([1.0, 0.0], [1.0, 1.0])).__round__(6)
    0.707107
    >>> cosine_similarity([1.0, 0.0], np.array([[1.0, 0.0], [0.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim not in (1, 2) or b.ndim not in (1, 2) or a.shape[0] != b.shape[0] or (
            a.ndim == b.ndim == 2 and a.shape != b.shape):
        raise ValueError(f"expected vectors (m,) or matrices (m, n) with the same m (and the "
                         f"same shape if both are matrices); got {a.shape} and {b.shape}.")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if a.ndim == b.ndim == 2:
            dots = (a * b).sum(axis=0)
        elif a.ndim == 1:
            dots = a @ b
        else:
            dots = b @ a
        norms = _norms(b) * _norms(a)
    if not (np.isfinite(dots).all() and np.isfinite(norms).all()) or (
            (norms == 0).any() and a.any() and b.any()):
        return _scaled_cosine(a, b)  # a norm or product over- or underflowed
    result: FloatArray = np.divide(dots, norms, out=np.zeros_like(norms, dtype=np.float64),
                                   where=norms > 0)
    return result


def _scaled_cosine(a: FloatArray, b: FloatArray) -> FloatArray:
    """:func:`cosine_similarity` of vectors whose norms or dot products over- or underflow
    (values near 1e160 or 1e-170): the dot product of their unit vectors."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        unit_a = unit_vectors(a[:, None] if a.ndim == 1 else a)
        unit_b = unit_vectors(b[:, None] if b.ndim == 1 else b)
        dots = (unit_a * unit_b).sum(axis=0)
    result: FloatArray = np.clip(dots if (a.ndim == 2 or b.ndim == 2) else dots[0], -1.0, 1.0)
    return np.asarray(result, dtype=np.float64)


def unit_vectors(x: npt.ArrayLike, *, axis: int = -2) -> FloatArray:
    """``x`` with its vectors along ``axis`` scaled to unit Euclidean norm; zero ones stay zero.

    Parameters
    ----------
    x : array_like, shape (..., m, n) by default
        The default ``axis=-2`` treats columns as vectors (a stack of (m, n) matrices works
        too); ``axis=-1`` treats rows as vectors.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        norms = np.linalg.norm(x, axis=axis, keepdims=True)
    peaks = np.max(np.abs(x), axis=axis, keepdims=True) if x.size else norms
    lost = ~np.isfinite(norms) | ((norms == 0) & (peaks > 0))
    if lost.any():  # a norm over- or underflowed (values near 1e200 or 1e-200): scale first
        scale = np.where(lost & (peaks > 0), peaks, 1.0)
        norms = np.where(lost, np.linalg.norm(x / scale, axis=axis, keepdims=True) * scale,
                         norms)
        result = np.where(lost, (x / scale) / np.where(norms > 0, norms / scale, 1.0),
                          x / np.where(norms > 0, norms, 1.0))
        return np.asarray(result, dtype=np.float64)
    result: FloatArray = x / np.where(norms > 0, norms, 1.0)
    return result


def pairwise_cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Cosine similarity of every column of ``a`` (m, p) with every column of ``b`` (m, q).

    Returns
    -------
    ndarray, shape (p, q)
        Entry (i, j) is the cosine of ``a[:, i]`` and ``b[:, j]``; 0.0 where either is all
        zero (see the module docstring).
    """
    return unit_vectors(a).T @ unit_vectors(b)

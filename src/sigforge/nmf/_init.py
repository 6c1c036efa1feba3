"""Initialisations for batched NMF: random, seeded by an injected generator."""

from __future__ import annotations

import numpy as np

from sigforge._types import FloatArray


def random_init(X: FloatArray, k: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Positive random start for one problem X (m, n): W columns sum to 1, H at the data's scale.

    Entries are uniform on [0.01, 1) so that no factor starts at zero (a zero stays zero under
    multiplicative updates). Each sample's coefficients are scaled to its column total.

    Returns
    -------
    W : ndarray, shape (m, k)
    H : ndarray, shape (k, n)
    """
    m, n = X.shape
    W = rng.uniform(0.01, 1.0, size=(m, k))
    W /= W.sum(axis=0, keepdims=True)
    H = rng.uniform(0.01, 1.0, size=(k, n))
    H *= np.maximum(X.sum(axis=0), 1.0) / H.sum(axis=0, keepdims=True)
    return W, H

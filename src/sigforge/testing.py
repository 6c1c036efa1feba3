"""Planted-model generators shared by the tests and benchmarks (generic: no genomics)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigforge._maths import pairwise_cosine
from sigforge._types import FloatArray


@dataclass(frozen=True)
class Planted:
    """A planted factorisation and counts drawn from it.

    Attributes
    ----------
    signatures : ndarray, shape (m, k), columns sum to 1
    exposures : ndarray, shape (k, n), expected counts per component and sample
    counts : ndarray, shape (m, n), Poisson draws of signatures @ exposures
    """

    signatures: FloatArray
    exposures: FloatArray
    counts: FloatArray


def planted_counts(m: int, n: int, k: int, *, burden: float = 2000.0, sparsity: float = 0.3,
                   rng: np.random.Generator | int | None = None) -> Planted:
    """Draw distinct sparse-ish signatures, exposures and Poisson counts.

    Each signature puts most of its mass on a random subset of features, so the planted
    components are well separated; each sample is active in every component with
    probability ``1 - sparsity`` (at least one component always).
    """
    rng = np.random.default_rng(rng)
    signatures = rng.gamma(0.3, 1.0, size=(m, k))
    signatures /= signatures.sum(axis=0, keepdims=True)
    active = rng.uniform(size=(k, n)) >= sparsity
    active[rng.integers(0, k, size=n), np.arange(n)] = True
    weights = rng.dirichlet(np.ones(k), size=n).T * active
    weights /= weights.sum(axis=0, keepdims=True)
    exposures = weights * burden
    counts = rng.poisson(signatures @ exposures).astype(np.float64)
    return Planted(signatures, exposures, counts)


def match_cosines(found: FloatArray, planted: FloatArray) -> FloatArray:
    """Cosine of each planted column to its Hungarian-matched found column, shape (k_planted,).

    Cosines follow :mod:`sigforge._maths`: 0 for a column of zeros.
    """
    from scipy.optimize import linear_sum_assignment

    similarity = pairwise_cosine(planted, found)
    rows, cols = linear_sum_assignment(-similarity)
    result = np.zeros(planted.shape[1])
    result[rows] = similarity[rows, cols]
    return result

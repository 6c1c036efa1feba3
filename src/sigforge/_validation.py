"""Input checks shared by the public functions: shapes, finiteness, sign, rank bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sigforge._types import FloatArray


def check_nonnegative_matrix(values: object, name: str) -> FloatArray:
    """Return ``values`` as a finite, nonnegative 2-D float64 array or raise ValueError."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix, got {array.ndim} dimension(s) "
                         f"with shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite values, got NaN or infinity.")
    if (array < 0).any():
        raise ValueError(f"{name}: expected nonnegative values, got minimum {array.min()}.")
    return array


def check_rank(k: int, n_features: int, n_samples: int) -> None:
    """Raise ValueError unless 1 <= k <= min(n_features, n_samples)."""
    limit = min(n_features, n_samples)
    if not 1 <= k <= limit:
        raise ValueError(f"rank k={k} is impossible for a matrix of {n_features} features x "
                         f"{n_samples} samples: expected 1 <= k <= {limit}.")


def check_same_features(catalog: pd.DataFrame, signatures: pd.DataFrame) -> None:
    """Raise ValueError unless both tables have the same feature labels in the same order."""
    if not catalog.index.equals(signatures.index):
        missing = [label for label in catalog.index if label not in signatures.index][:5]
        raise ValueError("catalog and signatures have different feature labels "
                         f"({len(catalog.index)} vs {len(signatures.index)} rows; "
                         f"first catalog labels missing from signatures: {missing}).")

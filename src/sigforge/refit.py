"""Exposures of samples to fixed signatures by nonnegative least squares.

Orientation: catalog (m features, n samples), signatures (m, k), exposures (k, n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_same_features
from sigforge.nmf import kl_divergence


def fit_exposures(catalog: FloatArray, signatures: FloatArray) -> FloatArray:
    """Exposures minimising ||catalog - signatures @ exposures||_F with exposures >= 0.

    Parameters
    ----------
    catalog : ndarray, shape (m, n)
    signatures : ndarray, shape (m, k)

    Returns
    -------
    ndarray, shape (k, n)
        Exposures in the catalog's units (mutation counts when signatures sum to 1).
    """
    catalog = check_nonnegative_matrix(catalog, "catalog")
    signatures = check_nonnegative_matrix(signatures, "signatures")
    if catalog.shape[0] != signatures.shape[0]:
        raise ValueError(f"catalog has {catalog.shape[0]} features but signatures have "
                         f"{signatures.shape[0]}.")
    exposures = np.zeros((signatures.shape[1], catalog.shape[1]))
    for j in range(catalog.shape[1]):
        exposures[:, j] = nnls(signatures, catalog[:, j])[0]
    return exposures


def cosine_similarity_columns(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cosine similarity of matching columns of two (m, n) matrices; 0 where either is zero."""
    norms = np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0)
    dots = (a * b).sum(axis=0)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


@dataclass(frozen=True)
class Refit:
    """Labelled refit result: exposures (k, n) and a per-sample reconstruction table."""

    exposures: pd.DataFrame
    reconstruction: pd.DataFrame


def refit_catalog(catalog: pd.DataFrame, signatures: pd.DataFrame) -> Refit:
    """Fit every sample of a labelled catalog to labelled signatures.

    Returns
    -------
    Refit
        ``exposures`` indexed by signature name with one column per sample;
        ``reconstruction`` indexed by sample with burden, cosine (observed vs reconstructed)
        and kl_divergence.
    """
    check_same_features(catalog, signatures)
    observed = catalog.to_numpy(dtype=np.float64)
    exposures = fit_exposures(observed, signatures.to_numpy(dtype=np.float64))
    model = signatures.to_numpy(dtype=np.float64) @ exposures
    reconstruction = pd.DataFrame({
        "burden": observed.sum(axis=0).round().astype(np.int64),
        "cosine": cosine_similarity_columns(observed, model),
        "kl_divergence": [float(kl_divergence(observed[:, [j]], model[:, [j]]))
                          for j in range(observed.shape[1])],
    }, index=pd.Index(catalog.columns, name="sample"))
    exposure_frame = pd.DataFrame(exposures, index=pd.Index(signatures.columns, name="Signature"),
                                  columns=catalog.columns)
    return Refit(exposure_frame, reconstruction)


def best_matches(signatures: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """For each signature, the most cosine-similar reference signature and that cosine."""
    check_same_features(signatures, reference)
    a = signatures.to_numpy(dtype=np.float64)
    b = reference.to_numpy(dtype=np.float64)
    a = a / np.maximum(np.linalg.norm(a, axis=0), 1e-300)
    b = b / np.maximum(np.linalg.norm(b, axis=0), 1e-300)
    similarity = a.T @ b
    best = similarity.argmax(axis=1)
    return pd.DataFrame({"reference": reference.columns[best],
                         "cosine": similarity[np.arange(len(best)), best]},
                        index=pd.Index(signatures.columns, name="Signature"))

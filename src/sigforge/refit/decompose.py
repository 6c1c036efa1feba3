"""Decomposition of signatures into a reference set (de novo -> COSMIC, or any other set).

Orientation: signatures and reference are (m features, k) tables with the same feature labels.
Each signature is refitted to the reference by the sparse cosine rule of
:mod:`sigforge.refit.sparse`; cosines follow :mod:`sigforge._maths` (0 for a zero vector).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sigforge._maths import cosine_similarity, pairwise_cosine
from sigforge._validation import check_nonnegative_matrix, check_same_features
from sigforge.refit.options import RefitOptions
from sigforge.refit.sparse import refit_sample


def _check_tables(signatures: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Both tables labelled DataFrames of finite nonnegative values over the same features,
    each name once, the reference not empty: a NaN signature had a 'best match' of cosine
    NaN, a negative one a match of cosine 0."""
    for table, what in ((signatures, "signatures"), (reference, "reference")):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{what}: expected a labelled DataFrame (features x signatures), "
                            f"got {type(table).__name__}.")
        check_nonnegative_matrix(table.to_numpy(dtype=np.float64), what)
    if not reference.shape[1]:  # no signatures to decompose is an empty table, not an error
        raise ValueError("reference: expected at least one signature (column), got none.")
    check_same_features(signatures, reference)
    for table, what in ((signatures, "signatures"), (reference, "reference")):
        repeated = table.columns[table.columns.duplicated()]
        if len(repeated):
            raise ValueError(f"{what}: column '{repeated[0]}' appears more than once; every "
                             "signature needs its own name.")


def best_matches(signatures: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """For each signature, the most cosine-similar reference signature and that cosine.

    A signature of zeros matches the first reference signature with cosine 0.

    Raises
    ------
    ValueError, TypeError
        As :func:`decompose_signatures` for its tables.
    """
    _check_tables(signatures, reference)
    similarity = pairwise_cosine(signatures.to_numpy(dtype=np.float64),
                                 reference.to_numpy(dtype=np.float64))
    best = similarity.argmax(axis=1)
    return pd.DataFrame({"reference": reference.columns[best],
                         "cosine": similarity[np.arange(len(best)), best]},
                        index=pd.Index(signatures.columns, name="Signature"))


def decompose_signatures(signatures: pd.DataFrame, reference: pd.DataFrame, *,
                         novel_below: float = 0.9, cosine_remove: float = 0.01,
                         cosine_add: float = 0.05) -> pd.DataFrame:
    """Sparse decomposition of each signature into reference signatures.

    Each signature is refitted to the reference by the cosine add-remove rule; weights are
    normalised to sum to 1. A signature whose sparse reconstruction stays below
    ``novel_below`` cosine is flagged ``novel``.

    Returns
    -------
    DataFrame indexed by signature: best_match, best_match_cosine, components (``NAME:weight``
    joined by ``;``, largest first), cosine (of the sparse reconstruction), novel.

    Raises
    ------
    ValueError, TypeError
        A table that is no DataFrame, or holds NaN, infinite or negative values; a reference
        without a signature; feature labels that differ, or a name given twice in a table; a
        cosine setting outside [0, 1].
    """
    for name, value in (("novel_below", novel_below), ("cosine_remove", cosine_remove),
                        ("cosine_add", cosine_add)):
        if not 0 <= value <= 1:  # NaN too: every comparison with it was False
            raise ValueError(f"{name}: expected a cosine between 0 and 1, got {value}.")
    _check_tables(signatures, reference)
    basis = reference.to_numpy(dtype=np.float64)
    options = RefitOptions(method="cosine", cosine_remove=cosine_remove, cosine_add=cosine_add,
                           bootstrap=0)
    matches = best_matches(signatures, reference)
    rows = []
    for name in signatures.columns:
        x = signatures[name].to_numpy(dtype=np.float64)
        weights = refit_sample(x, basis, options)
        cosine = float(cosine_similarity(x, basis @ weights))
        order = np.argsort(-weights, kind="stable")
        total = weights.sum() or 1.0
        parts = [f"{reference.columns[i]}:{weights[i] / total:.3f}" for i in order
                 if weights[i] > 0]
        rows.append({"Signature": name, "best_match": matches.at[name, "reference"],
                     "best_match_cosine": matches.at[name, "cosine"],
                     "components": ";".join(parts), "cosine": cosine,
                     "novel": bool(cosine < novel_below)})
    columns = ["Signature", "best_match", "best_match_cosine", "components", "cosine", "novel"]
    return pd.DataFrame(rows, columns=columns).set_index("Signature")


def identity_decomposition(signatures: pd.DataFrame) -> pd.DataFrame:
    """The decomposition table of a reference set into itself: each signature is itself."""
    names = [str(c) for c in signatures.columns]
    return pd.DataFrame({"best_match": names, "best_match_cosine": 1.0,
                         "components": [f"{n}:1.000" for n in names], "cosine": 1.0,
                         "novel": False}, index=pd.Index(names, name="Signature"))

"""Per-mutation attribution: which signature most likely produced each observed mutation.

Given signatures ``S`` (m features x k, each column a distribution over features), one
sample's exposures ``e`` (k,) and the feature (channel) index of each of its mutations, the
posterior probability that signature ``j`` produced a mutation seen in channel ``c`` is
Bayes' rule with the exposures as prior weights::

    P(j | c, e) = S[c, j] * e[j] / sum_i S[c, i] * e[i]

Generic: any nonnegative features x components model, no genomics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sigforge._types import FloatArray


@dataclass(frozen=True)
class Attribution:
    """Per-mutation signature probabilities of one sample.

    Attributes
    ----------
    probabilities : ndarray, shape (n_mutations, k)
        ``P(signature j | channel, exposures)``; every row sums to 1.
    explained : ndarray of bool, shape (n_mutations,)
        False where the fitted model gives the mutation's channel zero expected count (no
        signature with positive exposure produces it, or all exposures are zero); such a
        row holds the fallback of :func:`channel_probabilities`, not a posterior.
    """

    probabilities: FloatArray
    explained: NDArray[np.bool_]


def _checked_model(signatures: ArrayLike, exposures: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Signatures as (m, k) and exposures as (k,) float64 arrays, shapes and values checked;
    a labelled pair (signatures DataFrame, exposures Series) must name the same signatures in
    the same order (the arrays are used by position)."""
    if isinstance(signatures, pd.DataFrame) and isinstance(exposures, pd.Series) \
            and not signatures.columns.equals(exposures.index):
        same = set(signatures.columns) == set(exposures.index) \
            and len(signatures.columns) == len(exposures.index)
        raise ValueError("exposures: its labels " + (
            "name the signatures in another order; align them first "
            "(exposures[signatures.columns])." if same else
            f"{list(map(str, exposures.index[:5]))} are not the signature columns "
            f"{list(map(str, signatures.columns[:5]))}."))
    S = np.asarray(signatures, dtype=np.float64)
    e = np.asarray(exposures, dtype=np.float64)
    if S.ndim != 2 or S.shape[1] == 0:
        raise ValueError(f"signatures: expected a (features x signatures) array with at least "
                         f"one signature, got shape {S.shape}.")
    if e.shape != (S.shape[1],):
        raise ValueError(f"exposures: expected shape ({S.shape[1]},), one per signature, got "
                         f"{e.shape}.")
    for name, values in (("signatures", S), ("exposures", e)):
        if not np.isfinite(values).all() or (values < 0).any():
            raise ValueError(f"{name}: expected finite nonnegative values.")
    return S, e


def _without_overflow(S: FloatArray, e: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``S`` and ``e`` as given, or each divided by its largest value when the model's sums
    overflow (values near 1e300): every probability is a ratio that the division leaves as
    it was, and inputs in any usual range keep their bits."""
    with np.errstate(over="ignore"):
        finite = np.isfinite((S * e).sum(axis=1)).all() and np.isfinite(S.sum(axis=1)).all()
    if finite:
        return S, e
    return S / S.max(), e / max(float(e.max()), np.finfo(np.float64).tiny)


def channel_probabilities(signatures: ArrayLike, exposures: ArrayLike
                          ) -> tuple[FloatArray, NDArray[np.bool_]]:
    """``P(signature j | channel c, exposures)`` for every channel: shape (m, k), rows sum to 1.

    Where the model's expected count at a channel, ``sum_i S[c, i] * e[i]``, is positive the
    row is the posterior above. Where it is zero (all exposures zero, or only signatures with
    zero exposure produce the channel) the exposures say nothing about the channel, so the
    row falls back to a flat prior over signatures: ``S[c, j] / sum_i S[c, i]`` (the
    signatures' own weights at the channel); where no signature produces the channel at all,
    ``1 / k``. Those channels are marked unexplained, so that a mutation there is kept and
    shown, not dropped, and never passed off as explained by the fit.

    Returns
    -------
    probabilities : ndarray, shape (m, k)
    explained : ndarray of bool, shape (m,)
        Whether the model's expected count at the channel is positive.

    Raises
    ------
    ValueError
        Shapes that do not match, negative or non-finite values, no signature.
    """
    S, e = _without_overflow(*_checked_model(signatures, exposures))
    weights = S * e
    total = weights.sum(axis=1)
    explained = total > 0
    prior = S.sum(axis=1)
    fallback = np.where(prior[:, None] > 0, S / np.where(prior > 0, prior, 1.0)[:, None],
                        1.0 / S.shape[1])
    probabilities = np.where(explained[:, None],
                             weights / np.where(explained, total, 1.0)[:, None], fallback)
    return probabilities, explained


def attribute_mutations(signatures: ArrayLike, exposures: ArrayLike,
                        channels: ArrayLike) -> Attribution:
    """Each mutation's probability of coming from each signature, given one sample's fit.

    Parameters
    ----------
    signatures : array-like, shape (m, k)
        Nonnegative; column j is signature j's distribution over the m channels (columns that
        sum to 1 make the result the Bayesian posterior).
    exposures : array-like, shape (k,)
        The sample's nonnegative exposures (any scale: the result is invariant to scaling).
    channels : array-like of int, shape (n,)
        Channel (row of ``signatures``) of each mutation, 0-based.

    Returns
    -------
    Attribution
        ``probabilities`` (n, k), rows summing to 1, and ``explained`` (n,); rows of
        channels the model cannot produce hold the fallback of :func:`channel_probabilities`
        and have ``explained`` False.

    Raises
    ------
    ValueError
        As :func:`channel_probabilities`; channel indices that are not integers in [0, m).
    """
    per_channel, explained = channel_probabilities(signatures, exposures)
    index = np.asarray(channels)
    if index.size == 0:
        index = index.astype(np.int64)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError("channels: expected a one-dimensional array of integer indices.")
    m = per_channel.shape[0]
    if index.size and (index.min() < 0 or index.max() >= m):
        raise ValueError(f"channels: indices must lie in [0, {m}), got {index.min()} to "
                         f"{index.max()}.")
    return Attribution(per_channel[index], explained[index])

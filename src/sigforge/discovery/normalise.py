"""Capping of hypermutated samples before factorisation.

A few samples with 10-100 times the median burden (mismatch-repair or POLE deficient tumours,
UV-damaged skin) dominate a KL or Frobenius NMF: the fit spends its components on them. Like
SigProfilerExtractor's default ``matrix_normalization="gmm"``, samples whose total exceeds a
threshold are scaled down to the threshold before the replicates are factored (their profile
is kept, only their weight drops). The consensus exposures are then refitted by NNLS to the
*original* catalog, so they are on every sample's real scale ("scaled back").

Methods (``extract.normalisation``):

- ``none``: no capping.
- ``cap``: a fixed threshold (``extract.cap``, default 9,600 = 100 per channel of SBS96).
- ``gmm``: a threshold from the totals. A 2-component Gaussian mixture is fitted to the log10
  totals; while the two components' means differ by more than 4 standard deviations of the
  larger one, the smaller component is set aside and the mixture is refitted to the rest
  (SigProfilerExtractor's loop, on log totals where burdens are closer to normal). The
  threshold is the mean + 2 SD of what remains, back on the count scale, but never below the
  fixed ``cap`` (SPE's manual floor), so that cohorts without hypermutators are not touched.
  The floor is a number of mutations: for a generic matrix (``counts=False``: intensities,
  expression, any unit) there is none, and the threshold comes from the positive totals
  alone, so that the same data in another unit (mV or uV) are capped alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix

NORMALISATIONS = ("none", "cap", "gmm")

#: SigProfilerExtractor's manual floor: 100 mutations per SBS96 channel.
DEFAULT_CAP = 9600.0


@dataclass(frozen=True)
class Capping:
    """A capped catalog and how it was obtained."""

    catalog: FloatArray
    threshold: float
    scale: FloatArray
    method: str


def gmm_threshold(totals: FloatArray, floor: float = DEFAULT_CAP, max_rounds: int = 10, *,
                  counts: bool = True) -> float:
    """The hypermutator threshold of the module docstring's ``gmm`` method (unit-free, with
    no floor, when the data are not ``counts``)."""
    from sklearn.mixture import GaussianMixture  # deferred: sklearn takes 0.4 s to import

    totals = np.asarray(totals, dtype=np.float64)
    if totals.ndim != 1 or not np.isfinite(totals).all() or (totals < 0).any():
        raise ValueError("totals: expected a 1-D array of finite nonnegative sample totals, "
                         f"got shape {totals.shape} holding {totals.min(initial=0):g} to "
                         f"{totals.max(initial=0):g}.")
    if counts:
        logs = np.log10(np.maximum(totals, 1.0))
    else:
        logs, floor = np.log10(totals[totals > 0]), 0.0
        if not logs.size:
            return float("inf")
    for _ in range(max_rounds):
        if logs.size < 4 or np.ptp(logs) == 0:
            break
        mixture = GaussianMixture(n_components=2, init_params="k-means++",
                                  random_state=0).fit(logs[:, None])
        labels = mixture.predict(logs[:, None])
        sizes = np.bincount(labels, minlength=2)
        if sizes.min() == 0:
            break
        big, small = int(np.argmax(sizes)), int(np.argmin(sizes))
        main = logs[labels == big]
        if abs(main.mean() - logs[labels == small].mean()) < 4.0 * main.std():
            break
        logs = main
    return float(max(10 ** (logs.mean() + 2.0 * logs.std()), floor))


def cap_samples(catalog: FloatArray, method: str, cap: float = DEFAULT_CAP, *,
                counts: bool = True) -> Capping:
    """Scale the samples (columns) whose total exceeds the method's threshold down to it
    (``counts``: whether the gmm threshold has its floor of ``cap`` mutations).

    Returns
    -------
    Capping
        ``scale`` (n,) is the factor applied to each sample (1 for those under the threshold);
        ``threshold`` is the one applied (for ``gmm`` on counts with no sample over the floor
        ``cap``, the floor: no mixture is fitted, as none could cap a sample).
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"normalisation '{method}' is unknown; expected one of "
                         f"{', '.join(NORMALISATIONS)}.")
    if not (np.isfinite(cap) and cap > 0):  # NaN passed 'cap <= 0' and capped nothing
        raise ValueError(f"expected a positive finite cap, got {cap}.")
    catalog = check_nonnegative_matrix(catalog, "catalog")  # NaN passed 'cap' and 'none'
    totals = catalog.sum(axis=0)
    if method == "none":
        threshold = float("inf")
    elif method == "cap" or (counts and totals.max(initial=0.0) <= cap):
        # gmm: its threshold is never below the floor, so when no sample exceeds the floor
        # no sample is capped whatever the mixture says; the mixture (and scikit-learn's
        # import, a second of every discovery job) is skipped and the floor is reported
        threshold = float(cap)
    else:
        threshold = gmm_threshold(totals, floor=cap, counts=counts)
    scale = np.where(totals > threshold, threshold / np.maximum(totals, 1e-300), 1.0)
    return Capping(catalog * scale, threshold, scale, method)

"""NNLS and sparse refits: exposures of samples to a fixed signature set, as plain arrays.

Orientation: catalog (m features, n samples), signatures (m, k), exposures (k, n). Generic:
nothing here knows what the features are.

- ``negbin`` (default): penalised negative-binomial subset selection, :mod:`.negbin`.

The other sparse refits start from the NNLS solution and then remove and add signatures
greedily, one at a time, until no move passes its threshold:

- ``likelihood`` (in the spirit of MuSiCal's likelihood thresholding): the score is the
  Poisson log-likelihood of the counts under the NNLS fit. A signature is removed when that
  costs less than ``likelihood_threshold`` log-likelihood units and added back when it gains
  more. The default threshold is the 99.9% point of the 50:50 mixture of chi-square(0) and
  chi-square(1), the null distribution of a likelihood-ratio statistic for one exposure
  constrained at zero (Self & Liang 1987): a signature stays only when the data would be
  unlikely without it.
- ``cosine`` (in the spirit of SigProfilerAssignment): the score is the cosine similarity of
  the counts and their reconstruction (:func:`sigforge._maths.cosine_similarity`, 0 for a
  zero vector); a signature is removed when that costs less than ``cosine_remove`` and added
  when it gains at least ``cosine_add``.
- ``nnls``: plain NNLS, no selection.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sigforge._maths import cosine_similarity
from sigforge._types import FloatArray
from sigforge._validation import (
    MAX_CELL,
    check_nonnegative_matrix,
    check_same_features,
    refuse_special_arrays,
)
from sigforge.refit.negbin import negbin_refit, signature_costs
from sigforge.refit.options import RefitOptions


def fit_exposures(catalog: FloatArray, signatures: FloatArray) -> FloatArray:
    """Exposures minimising ||catalog - signatures @ exposures||_F with exposures >= 0.

    Plain NNLS per sample: :func:`refit_matrix` with method ``nnls``.

    Parameters
    ----------
    catalog : ndarray, shape (m, n)
    signatures : ndarray, shape (m, k)

    Returns
    -------
    ndarray, shape (k, n)
        Exposures in the catalog's units (mutation counts when signatures sum to 1).
    """
    return refit_matrix(catalog, signatures, RefitOptions(method="nnls", bootstrap=0))


def poisson_loglik(counts: FloatArray, model: FloatArray) -> FloatArray:
    """Poisson log-likelihood of counts (m,) under model column(s) (m,) or (m, c), without the
    log(x!) constant; one value per model column."""
    model = np.maximum(model, 1e-12)
    if model.ndim == 2:
        counts = counts[:, None]
    return (counts * np.log(model) - model).sum(axis=0)


Score = Callable[[FloatArray, FloatArray], FloatArray]

#: Exposures at most this share of a sample's fitted total are NNLS round-off, set to zero.
_ROUND_OFF = 1e-12


def _fit_subset(x: FloatArray, signatures: FloatArray, active: list[int]
                ) -> tuple[FloatArray, FloatArray]:
    """NNLS on the active columns; returns the full-length exposure vector and the model."""
    # scipy.optimize is imported here, not with the module: it costs a quarter of a second
    # per process, and the default negbin refit (a patient job) never solves an NNLS.
    from scipy.optimize import nnls

    exposure = np.zeros(signatures.shape[1])
    if active:
        solved = nnls(signatures[:, active], x)[0]
        # round-off of the solver (5.7e-14 where the truth is 0, beside 10,000 mutations)
        # counted as a signature used: such exposures are zero
        solved[solved <= _ROUND_OFF * solved.sum()] = 0.0
        exposure[active] = solved
    return exposure, signatures @ exposure


def _try_removal(x: FloatArray, signatures: FloatArray, exposure: FloatArray,
                 active: list[int], score: Score, current: float, remove_below: float
                 ) -> tuple[FloatArray, float, int] | None:
    """Remove one active signature if that costs less than ``remove_below`` of the score.

    Candidates are tried in order of their cost with the other exposures held fixed (one
    vectorised evaluation); each is then refitted exactly and accepted only if its exact cost
    passes. This keeps the acceptance rule exact while refitting about once per removal
    instead of once per active signature.
    """
    model = signatures @ exposure
    held = model[:, None] - signatures[:, active] * exposure[active]
    for position in np.argsort(current - score(x, held), kind="stable"):
        j = active[position]
        trial, trial_model = _fit_subset(x, signatures, [i for i in active if i != j])
        after = float(score(x, trial_model))
        if current - after < remove_below:
            return trial, after, j
    return None


def _try_addition(x: FloatArray, signatures: FloatArray, active: list[int], score: Score,
                  current: float, add_above: float) -> tuple[FloatArray, float, int] | None:
    """Add the inactive signature that raises the score most, if by at least ``add_above``."""
    best: tuple[float, int] = (-np.inf, -1)
    for j in range(signatures.shape[1]):
        if j not in active:
            _, model = _fit_subset(x, signatures, sorted([*active, j]))
            best = max(best, (float(score(x, model)), -j))
    after, j = best[0], -best[1]
    if j < 0 or after - current < add_above:
        return None
    return _fit_subset(x, signatures, sorted([*active, j]))[0], after, j


def _stepwise(x: FloatArray, signatures: FloatArray, score: Score, remove_below: float,
              add_above: float) -> FloatArray:
    """Backward removal then forward addition, one signature at a time, until neither passes.

    Removal is accepted when the score falls by less than ``remove_below``; addition when it
    rises by at least ``add_above`` (>= ``remove_below``, so moves cannot cycle).
    """
    exposure, model = _fit_subset(x, signatures, list(range(signatures.shape[1])))
    active = [j for j in range(signatures.shape[1]) if exposure[j] > 0]
    current = float(score(x, model))
    for _ in range(4 * signatures.shape[1]):
        removed = _try_removal(x, signatures, exposure, active, score, current, remove_below) \
            if active else None
        if removed is not None:
            exposure, current, j = removed
            active.remove(j)
            continue
        added = _try_addition(x, signatures, active, score, current, add_above)
        if added is None:
            break
        exposure, current, j = added
        active = sorted([*active, j])
    return exposure


def check_options_type(options: object) -> None:
    """Refuse options that are not a :class:`RefitOptions` (a dict of settings, say), which
    failed on the first attribute read."""
    if not isinstance(options, RefitOptions):
        raise TypeError(f"options: expected a RefitOptions, got {type(options).__name__}; "
                        "pass RefitOptions(method=..., ...).")


def check_labelled_features(catalog: object, signatures: object) -> None:
    """When both the data and the signatures are pandas objects, refuse rows whose labels
    differ or are in another order (the array functions use rows by position, so a reference
    table stored in another row order gave exposures far off without a word); arrays are
    taken by position, as documented."""
    if isinstance(catalog, pd.Series | pd.DataFrame) and isinstance(signatures, pd.DataFrame):
        check_same_features(catalog, signatures)


def check_costs(costs: FloatArray | None, k: int) -> FloatArray | None:
    """``costs`` as a float array of one finite cost per signature, or None; a cost of the
    wrong length or NaN gave exposures of other signatures' costs or all zeros."""
    if costs is None:
        return None
    values = np.asarray(costs, dtype=np.float64)
    if values.shape != (k,) or not np.isfinite(values).all():
        raise ValueError(f"costs: expected {k} finite numbers (one per signature), got shape "
                         f"{values.shape}{'' if np.isfinite(values).all() else ' with NaN'}.")
    return values


#: The refit methods whose model is a count distribution (Poisson, negative binomial).
COUNT_METHODS = ("negbin", "likelihood")


def require_counts(values: FloatArray, name: str, method: str, bootstrap: int = 0,
                   cell: Callable[[tuple[int, ...]], str] | None = None) -> None:
    """Refuse values that are not whole numbers for a count method or for resampling
    (``bootstrap`` > 0): on real-valued data (scaled, normalised, intensities) the count
    models' penalties are in the wrong units (exposures far off, or all zero), and resamples
    are drawn at a rounded total. The message names the first such cell (``cell`` words its
    position, e.g. by row and column label; default ``[i, j]``) and the fix."""
    if method not in COUNT_METHODS and bootstrap <= 0:
        return
    fraction = np.argwhere(values != np.round(values))
    if fraction.size:
        position = tuple(int(i) for i in fraction[0])
        where = cell(position) if cell else f"[{', '.join(map(str, position))}]"
        raise ValueError(f"{name}: {where} holds {float(values[position])!r}, not a count: "
                         f"method '{method}'"
                         f"{' and bootstrap resamples' if bootstrap > 0 else ''} model "
                         "counts. For real-valued data use method 'nnls' (or 'cosine') with "
                         "bootstrap=0.")


#: Largest per-sample total the count-likelihood methods (``negbin``, ``likelihood``) accept.
#: Their Newton fits keep machine-precision agreement up to totals of about 7e13 and fail
#: beyond (a sample scaled to 7e14 came back 25% off its own total); no mutation catalog comes
#: near this, and other data can be divided by a power of ten.
MAX_SAMPLE_TOTAL = 1e12


def check_totals(values: FloatArray, method: str,
                 sample: Callable[[int], str] = lambda j: f"column {j}",
                 exact: bool = True) -> None:
    """Refuse samples (columns of ``values``) whose totals exceed :data:`MAX_SAMPLE_TOTAL`
    for the count methods (the exposures came back silently different: a sample scaled to
    3e14 lost a third of one exposure to another), or 2**53 for any method when ``exact``
    (whole numbers stop being exact in float64 there and resamples cannot be drawn), naming
    the first (``sample`` words it) and the fix. The scale-free ``nnls`` and ``cosine``
    fits without resampling take any finite scale (``exact`` False)."""
    counting = method in COUNT_METHODS
    if not (counting or exact):
        return
    limit = MAX_SAMPLE_TOTAL if counting else MAX_CELL
    totals = values.sum(axis=0)
    over = np.flatnonzero(totals > limit)
    if over.size:
        j = int(over[0])
        raise ValueError(f"{sample(j)} holds {totals[j]:.3g} counts in all ({over.size} "
                         f"sample(s) above {limit:.3g}): beyond the range in which method "
                         f"'{method}' fits exactly; divide the catalog (or matrix) by a power "
                         "of ten: the fits are scale-free"
                         + (" (or use method 'nnls', which suits totals up to 2**53)."
                            if counting else "."))


def check_signature_shape(signatures: FloatArray) -> None:
    """Refuse signatures without a feature: NNLS of a 0-row system gave uninitialised memory
    as exposures (a feature filter that kept nothing). No signature at all is allowed: every
    sample's exposures are then empty."""
    if signatures.shape[0] == 0 and signatures.shape[1] > 0:
        raise ValueError(f"signatures: expected at least one feature (row), got shape "
                         f"{signatures.shape}: nothing to fit.")


def check_refit_inputs(catalog: FloatArray, signatures: FloatArray, method: str,
                       name: str = "catalog", bootstrap: int = 0) -> None:
    """The checks every array refit makes on entry, on a checked (m, n) ``catalog`` and
    (m, k) ``signatures``: the same number of features, at least one feature
    (:func:`check_signature_shape`), whole numbers for a count method or resampling, totals
    in range (:func:`check_totals`; any finite scale for ``nnls`` and ``cosine`` without
    resampling)."""
    if catalog.shape[0] != signatures.shape[0]:
        raise ValueError(f"{name} has {catalog.shape[0]} features but signatures have "
                         f"{signatures.shape[0]}.")
    check_signature_shape(signatures)
    require_counts(catalog, name, method, bootstrap)
    check_totals(catalog, method, (lambda j: f"{name}") if name == "x" else
                 (lambda j: f"{name} column {j}"), exact=bootstrap > 0)


def refit_sample(x: FloatArray, signatures: FloatArray, options: RefitOptions | None = None,
                 costs: FloatArray | None = None) -> FloatArray:
    """Exposures (k,) of one sample's counts (m,) by the configured method.

    ``costs`` (method ``negbin``): each signature's cost, from :func:`.negbin.signature_costs`
    (default: without a prevalence prior).

    Raises
    ------
    ValueError
        ``x`` or ``signatures`` not finite and nonnegative, or their lengths disagree (a NaN
        or negative count gave zero exposures, silently); ``x`` not whole numbers for a count
        method (``negbin``, ``likelihood``), see :func:`require_counts`.
    """
    options = RefitOptions() if options is None else options
    check_options_type(options)
    check_labelled_features(x, signatures)
    refuse_special_arrays(x, "x")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x: expected one sample's counts (a 1-D array), got shape {x.shape}; "
                         "refit several samples with refit_matrix.")
    x = check_nonnegative_matrix(x.reshape(-1, 1), "x")[:, 0]
    signatures = check_nonnegative_matrix(signatures, "signatures")
    check_refit_inputs(x[:, None], signatures, options.method, "x")
    return refit_checked(x, signatures, options, check_costs(costs, signatures.shape[1]))


def refit_checked(x: FloatArray, signatures: FloatArray, options: RefitOptions,
                   costs: FloatArray | None) -> FloatArray:
    """:func:`refit_sample` of inputs already checked (each column of a checked catalog, each
    resample of a checked sample): the checks are not repeated per call."""
    if options.method == "nnls" or not x.any():
        return _fit_subset(x, signatures, list(range(signatures.shape[1])))[0]
    if options.method == "negbin":
        if costs is None:
            costs = signature_costs(signatures.shape[1], options.penalty)
        return negbin_refit(x, signatures, costs)[0]
    if options.method == "likelihood":
        threshold = options.likelihood_threshold
        return _stepwise(x, signatures, poisson_loglik, threshold, threshold * (1 + 1e-9))
    return _stepwise(x, signatures, cosine_similarity, options.cosine_remove,
                     options.cosine_add)


def refit_matrix(catalog: FloatArray, signatures: FloatArray,
                 options: RefitOptions | None = None,
                 costs: FloatArray | None = None) -> FloatArray:
    """Exposures (k, n) of every column of ``catalog`` (m, n); ``costs`` as in
    :func:`refit_sample`. Pandas inputs on both sides must have the same row labels in the
    same order (:func:`check_labelled_features`)."""
    check_labelled_features(catalog, signatures)
    options = RefitOptions() if options is None else options
    check_options_type(options)
    catalog = check_nonnegative_matrix(catalog, "catalog")
    signatures = check_nonnegative_matrix(signatures, "signatures")
    check_refit_inputs(catalog, signatures, options.method)
    costs = check_costs(costs, signatures.shape[1])
    return np.column_stack([refit_checked(catalog[:, j], signatures, options, costs)
                            for j in range(catalog.shape[1])]) if catalog.shape[1] else \
        np.zeros((signatures.shape[1], 0))


#: A signature column whose sum differs from 1 by more than this is said to be unnormalised
#: (the command line warns; a library caller is warned by ``refit_catalog``).
SIGNATURE_SUM_TOLERANCE = 0.01
#: A signature column whose sum differs from 1 by more than this is rescaled to sum 1:
#: published tables' six-decimal rounding (COSMIC's sums are within 5e-7) is left as given.
SIGNATURE_RESCALE_TOLERANCE = 1e-4


def normalise_signatures(signatures: pd.DataFrame, *,
                         tolerance: float = SIGNATURE_RESCALE_TOLERANCE
                         ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Rescale the signature columns whose sum is off 1 by more than ``tolerance`` to sum 1.

    Exposures are in the catalog's units (mutations) only when every signature sums to 1; a
    table of percentages or of unnormalised loadings would otherwise give exposures 100x too
    small or in arbitrary units without a word, and one whose columns sum to 1.009 exposures
    0.9% short of the sample's mutations. Columns within the tolerance (rounding in published
    tables) are left exactly as given, so well-formed tables refit bit for bit as before.

    Returns
    -------
    (signatures, rescaled)
        The table with the off columns rescaled, and each rescaled column's original sum (for
        the caller's warning).

    Raises
    ------
    ValueError
        A column of zeros: it cannot be rescaled and can explain nothing; a NaN, infinite or
        negative value (named as such, not as a column of zeros; infinity gave NaN columns).
    """
    if not isinstance(signatures, pd.DataFrame):
        raise TypeError(f"signatures: expected a labelled DataFrame (features x signatures), "
                        f"got {type(signatures).__name__}.")
    check_nonnegative_matrix(signatures.to_numpy(dtype=np.float64), "signatures")
    if not 0 <= tolerance < 1:  # NaN too: every column compared within it, none rescaled
        raise ValueError(f"tolerance: expected a relative error between 0 and 1, got "
                         f"{tolerance}.")
    sums = signatures.sum(axis=0)
    zero = [str(name) for name, total in sums.items() if not total > 0]
    if zero:
        raise ValueError(f"signature column(s) {zero[:5]} are all zeros; a signature needs "
                         "some weight. Remove the column(s).")
    off = sums[(sums - 1.0).abs() > tolerance]
    if off.empty:
        return signatures, {}
    scaled = signatures.copy()
    scaled[off.index] = signatures[off.index] / off
    return scaled, {str(name): float(total) for name, total in off.items()}

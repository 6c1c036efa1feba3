"""Exposures of samples to fixed signatures: NNLS, sparse refits, bootstrap intervals,
and the decomposition of a signature into a reference set.

Orientation: catalog (m features, n samples), signatures (m, k), exposures (k, n). Generic:
nothing here knows what the features are.

Sparse refits start from the NNLS solution and then remove and add signatures greedily, one
at a time, until no move passes its threshold:

- ``likelihood`` (default; in the spirit of MuSiCal's likelihood thresholding): the score is the
  Poisson log-likelihood of the counts under the NNLS fit. A signature is removed when that
  costs less than ``likelihood_threshold`` log-likelihood units and added back when it gains
  more. The default threshold is the 99.9% point of the 50:50 mixture of chi-square(0) and
  chi-square(1), the null distribution of a likelihood-ratio statistic for one exposure
  constrained at zero (Self & Liang 1987): a signature stays only when the data would be
  unlikely without it.
- ``cosine`` (in the spirit of SigProfilerAssignment): the score is the cosine similarity of
  the counts and their reconstruction; a signature is removed when that costs less than
  ``cosine_remove`` and added when it gains at least ``cosine_add``.
- ``nnls``: plain NNLS, no selection.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls
from scipy.stats import chi2

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_same_features
from sigforge.nmf import kl_divergence

#: Log-likelihood cost that keeps a signature: half the chi-square(1) quantile at 1 - 2 * 0.001.
DEFAULT_LIKELIHOOD_THRESHOLD = float(chi2.ppf(1 - 2 * 0.001, df=1) / 2)
REFIT_METHODS = ("likelihood", "cosine", "nnls")


@dataclass(frozen=True)
class RefitOptions:
    """Settings of a refit (the ``refit`` section of the config).

    Attributes
    ----------
    method : {"likelihood", "cosine", "nnls"}, default="likelihood"
    likelihood_threshold : float
        Log-likelihood units a signature must be worth (method ``likelihood``).
    cosine_remove, cosine_add : float, default=0.01, 0.05
        Cosine thresholds of method ``cosine``.
    bootstrap : int, default=100
        Multinomial resamples per sample for the intervals (0 = no intervals).
    confidence : float, default=0.95
        Central coverage of the percentile intervals.
    seed : int, default=0
        Resample stream of sample s is keyed by (seed, s's name) alone.
    """

    method: str = "likelihood"
    likelihood_threshold: float = DEFAULT_LIKELIHOOD_THRESHOLD
    cosine_remove: float = 0.01
    cosine_add: float = 0.05
    bootstrap: int = 100
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        """Reject unknown methods and out-of-range values with the valid choices."""
        if self.method not in REFIT_METHODS:
            raise ValueError(f"refit method '{self.method}' is unknown; expected one of "
                             f"{', '.join(REFIT_METHODS)}.")
        if self.bootstrap < 0 or not 0 < self.confidence < 1:
            raise ValueError(f"expected bootstrap >= 0 and 0 < confidence < 1, got "
                             f"{self.bootstrap} and {self.confidence}.")


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


def cosine_to(counts: FloatArray, model: FloatArray) -> FloatArray:
    """Cosine similarity of counts (m,) with model column(s) (m,) or (m, c); 0 for zeros."""
    norms = np.linalg.norm(model, axis=0) * np.linalg.norm(counts)
    return np.divide(counts @ model, norms, out=np.zeros_like(norms, dtype=np.float64),
                     where=norms > 0)


Score = Callable[[FloatArray, FloatArray], FloatArray]


def _fit_subset(x: FloatArray, signatures: FloatArray, active: list[int]
                ) -> tuple[FloatArray, FloatArray]:
    """NNLS on the active columns; returns the full-length exposure vector and the model."""
    exposure = np.zeros(signatures.shape[1])
    if active:
        exposure[active] = nnls(signatures[:, active], x)[0]
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


def refit_sample(x: FloatArray, signatures: FloatArray, options: RefitOptions) -> FloatArray:
    """Exposures (k,) of one sample's counts (m,) by the configured method."""
    if options.method == "nnls" or not x.any():
        return _fit_subset(x, signatures, list(range(signatures.shape[1])))[0]
    if options.method == "likelihood":
        threshold = options.likelihood_threshold
        return _stepwise(x, signatures, poisson_loglik, threshold, threshold * (1 + 1e-9))
    return _stepwise(x, signatures, cosine_to, options.cosine_remove, options.cosine_add)


def refit_matrix(catalog: FloatArray, signatures: FloatArray, options: RefitOptions
                 ) -> FloatArray:
    """Exposures (k, n) of every column of ``catalog`` (m, n)."""
    catalog = check_nonnegative_matrix(catalog, "catalog")
    signatures = check_nonnegative_matrix(signatures, "signatures")
    if catalog.shape[0] != signatures.shape[0]:
        raise ValueError(f"catalog has {catalog.shape[0]} features but signatures have "
                         f"{signatures.shape[0]}.")
    return np.column_stack([refit_sample(catalog[:, j], signatures, options)
                            for j in range(catalog.shape[1])]) if catalog.shape[1] else \
        np.zeros((signatures.shape[1], 0))


def sample_rng(seed: int, sample: str) -> np.random.Generator:
    """The bootstrap stream of one sample: keyed by (seed, sample name) alone."""
    return np.random.default_rng([seed, zlib.crc32(sample.encode("utf-8"))])


def bootstrap_exposures(x: FloatArray, signatures: FloatArray, options: RefitOptions,
                        rng: np.random.Generator) -> FloatArray:
    """Refit ``options.bootstrap`` multinomial resamples of one sample; shape (B, k).

    Each resample keeps the sample's total and draws channels with the observed proportions.
    """
    total = int(round(float(x.sum())))
    if total == 0 or options.bootstrap == 0:
        return np.zeros((options.bootstrap, signatures.shape[1]))
    draws = rng.multinomial(total, x / x.sum(), size=options.bootstrap).astype(np.float64)
    return np.stack([refit_sample(draw, signatures, options) for draw in draws])


def cosine_similarity_columns(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cosine similarity of matching columns of two (m, n) matrices; 0 where either is zero."""
    norms = np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0)
    dots = (a * b).sum(axis=0)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


@dataclass(frozen=True)
class Refit:
    """Labelled refit result.

    Attributes
    ----------
    exposures : DataFrame, (k, n), indexed by signature
    reconstruction : DataFrame indexed by sample: burden, cosine, kl_divergence,
        signatures_used
    intervals : DataFrame or None
        Long table: sample, signature, exposure, lower, upper, presence (the fraction of
        bootstrap refits in which the signature was used); None without bootstrap.
    """

    exposures: pd.DataFrame
    reconstruction: pd.DataFrame
    intervals: pd.DataFrame | None = None


def _reconstruction_table(catalog: pd.DataFrame, model: FloatArray,
                          exposures: FloatArray) -> pd.DataFrame:
    """Per-sample burden, cosine and KL of the fit, and the number of signatures used."""
    observed = catalog.to_numpy(dtype=np.float64)
    return pd.DataFrame({
        "burden": observed.sum(axis=0).round().astype(np.int64),
        "cosine": cosine_similarity_columns(observed, model),
        "kl_divergence": [float(kl_divergence(observed[:, [j]], model[:, [j]]))
                          for j in range(observed.shape[1])],
        "signatures_used": (exposures > 0).sum(axis=0).astype(np.int64),
    }, index=pd.Index(catalog.columns, name="sample"))


def _interval_rows(sample: str, names: Sequence[str], point: FloatArray, draws: FloatArray,
                   confidence: float) -> list[dict[str, object]]:
    """One interval row per signature for one sample."""
    tail = (1 - confidence) / 2 * 100
    lower, upper = np.percentile(draws, [tail, 100 - tail], axis=0)
    presence = (draws > 0).mean(axis=0)
    return [{"sample": sample, "signature": name, "exposure": point[i], "lower": lower[i],
             "upper": upper[i], "presence": presence[i]} for i, name in enumerate(names)]


def refit_catalog(catalog: pd.DataFrame, signatures: pd.DataFrame,
                  options: RefitOptions | None = None,
                  progress: Callable[[int], None] | None = None) -> Refit:
    """Fit every sample of a labelled catalog to labelled signatures, with intervals.

    Parameters
    ----------
    catalog : DataFrame, (m, n)
    signatures : DataFrame, (m, k), same feature labels in the same order
    options : RefitOptions, optional
        Defaults to plain NNLS without bootstrap (what discovery uses for its own fits).
    progress : callable, optional
        Called with the number of samples finished.

    Raises
    ------
    ValueError
        Feature labels differ, or values are negative or non-finite.
    """
    options = options or RefitOptions(method="nnls", bootstrap=0)
    check_same_features(catalog, signatures)
    values = check_nonnegative_matrix(catalog.to_numpy(dtype=np.float64), "catalog")
    basis = check_nonnegative_matrix(signatures.to_numpy(dtype=np.float64), "signatures")
    names = [str(c) for c in signatures.columns]
    exposures = np.zeros((basis.shape[1], values.shape[1]))
    rows: list[dict[str, object]] = []
    for j, sample in enumerate(catalog.columns):
        exposures[:, j] = refit_sample(values[:, j], basis, options)
        if options.bootstrap:
            draws = bootstrap_exposures(values[:, j], basis, options,
                                        sample_rng(options.seed, str(sample)))
            rows += _interval_rows(str(sample), names, exposures[:, j], draws,
                                   options.confidence)
        if progress:
            progress(j + 1)
    frame = pd.DataFrame(exposures, index=pd.Index(names, name="Signature"),
                         columns=catalog.columns)
    intervals = pd.DataFrame(rows).set_index("sample") if rows else None
    return Refit(frame, _reconstruction_table(catalog, basis @ exposures, exposures), intervals)


#: A signature column whose sum differs from 1 by more than this is rescaled to sum 1.
SIGNATURE_SUM_TOLERANCE = 0.01


def normalise_signatures(signatures: pd.DataFrame, *,
                         tolerance: float = SIGNATURE_SUM_TOLERANCE
                         ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Rescale the signature columns whose sum is off 1 by more than ``tolerance`` to sum 1.

    Exposures are in the catalog's units (mutations) only when every signature sums to 1; a
    table of percentages or of unnormalised loadings would otherwise give exposures 100x too
    small or in arbitrary units without a word. Columns within the tolerance (rounding in
    published tables) are left exactly as given, so well-formed tables refit bit for bit as
    before.

    Returns
    -------
    (signatures, rescaled)
        The table with the off columns rescaled, and each rescaled column's original sum (for
        the caller's warning).

    Raises
    ------
    ValueError
        A column of zeros: it cannot be rescaled and can explain nothing.
    """
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
    """
    check_same_features(signatures, reference)
    basis = reference.to_numpy(dtype=np.float64)
    options = RefitOptions(method="cosine", cosine_remove=cosine_remove, cosine_add=cosine_add,
                           bootstrap=0)
    matches = best_matches(signatures, reference)
    rows = []
    for name in signatures.columns:
        x = signatures[name].to_numpy(dtype=np.float64)
        weights = refit_sample(x, basis, options)
        cosine = float(cosine_to(x, basis @ weights))
        order = np.argsort(-weights, kind="stable")
        total = weights.sum() or 1.0
        parts = [f"{reference.columns[i]}:{weights[i] / total:.3f}" for i in order
                 if weights[i] > 0]
        rows.append({"Signature": name, "best_match": matches.at[name, "reference"],
                     "best_match_cosine": matches.at[name, "cosine"],
                     "components": ";".join(parts), "cosine": cosine,
                     "novel": bool(cosine < novel_below)})
    return pd.DataFrame(rows).set_index("Signature")


def identity_decomposition(signatures: pd.DataFrame) -> pd.DataFrame:
    """The decomposition table of a reference set into itself: each signature is itself."""
    names = [str(c) for c in signatures.columns]
    return pd.DataFrame({"best_match": names, "best_match_cosine": 1.0,
                         "components": [f"{n}:1.000" for n in names], "cosine": 1.0,
                         "novel": False}, index=pd.Index(names, name="Signature"))

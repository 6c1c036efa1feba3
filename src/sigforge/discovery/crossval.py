"""Held-out-entry cross-validation of the rank of a KL (Poisson) NMF.

For fold f, a fixed share of the matrix entries (10% by default) is hidden: their weights are 0
in a masked KL factorisation of the *original* (not resampled) matrix, so the fit never sees
them, and the fit is scored by the Poisson deviance of the hidden entries under the model
``W @ H``. Too small a rank misses structure on every entry; too large a rank fits the noise of
the visible entries and predicts the hidden ones worse, so the held-out deviance has its
minimum near the rank the data support (Wold 1978; Owen and Perry, Ann. Appl. Stat. 3:564,
2009, for the bi-cross-validation variant of the same idea).

Multiplicative updates shrink a factor entry geometrically towards 0 when the visible data there
are 0, and it never recovers: a sparse signature's rare channel ends at 1e-70. One stray
mutation hidden in such an entry then costs a deviance of hundreds, and a handful of them decide
the comparison between ranks (on the 30-sample example cohort the error curve jumped around the
planted rank). The model's prediction is therefore floored at ``floor`` counts (0.1 by default)
when the deviance is computed: a zero is a numerical artefact, not a prediction that the entry
cannot occur. With the floor the curves of the planted benchmark cohorts have their minimum at
the planted rank (docs/benchmarks.md).

The ``blocks`` scheme (bi-cross-validation, Owen and Perry 2009) hides a block instead: a share
of the samples and, of those, a share of the channels. The signatures are fitted without the
held-out samples, each held-out sample's exposures on its visible channels with the signatures
fixed, and the block is predicted from both. Random entries have a failure mode on cohorts with
hypermutated genomes: at a rank where one component serves one genome alone, that genome's
hidden entries leave the component's weight on their channels unconstrained by any visible
data, and it drifts for as long as the fit runs (a melanoma's hidden 42,534-count entry
predicted as 0.3, 2.5 and 18.6 million after 1,000, 5,000 and 20,000 iterations, one entry
making a fold's error 20 times the others'). In a block every prediction is fixed by data.
Measured on nine planted cohorts, ``entries`` chose the planted rank on all nine and
``blocks`` on eight (docs/benchmarks.md), so ``entries`` stays the default; ``blocks`` is
for cohorts dominated by hypermutated genomes, where the entries' errors are erratic.

Determinism: the hidden entries of fold f depend on (seed, catalog, f) only, so every rank is
scored on the same entries (differences between ranks are paired, not blurred by different
masks); the starting factors of (k, f, start s) depend on (seed, catalog, k, f, s). A fold's
result therefore does not depend on which job computed it or which other folds or ranks ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_rank
from sigforge.discovery.normalise import DEFAULT_CAP, NORMALISATIONS, cap_samples
from sigforge.discovery.resample import stream_key
from sigforge.nmf import fit_kl_mu_batched, random_init

#: Distinguishes cross-validation random streams from bootstrap replicate streams.
_CV_STREAM = 0x43560001
#: Held-out designs: random entries, or blocks of samples x channels (bi-cross-validation).
CV_SCHEMES = ("entries", "blocks")


@dataclass(frozen=True)
class CVOptions:
    """Held-out-entry cross-validation settings (the ``rank`` section of the config)."""

    folds: int = 5
    holdout: float = 0.1
    starts: int = 1
    max_iter: int = 1000
    min_iter: int = 200
    tol: float = 1e-7
    floor: float = 0.1
    normalisation: str = "gmm"
    cap: float = DEFAULT_CAP
    scheme: str = "entries"
    block: float = 0.2
    counts: bool = True  # as NMFOptions.counts

    def __post_init__(self) -> None:
        """Reject settings no fold can use, naming the command-line option of each."""
        for option, value, valid, bound in (
                ("--cv-folds", self.folds, self.folds == 0 or self.folds >= 2,
                 "--cv-folds 0 (no cross-validation) or at least 2 (one fold has no spread "
                 "for the rank rule's standard errors)"),
                ("--cv-holdout", self.holdout, 0 < self.holdout < 1, "0 < --cv-holdout < 1"),
                ("--cv-block", self.block, 0 < self.block < 1, "0 < --cv-block < 1"),
                ("--cv-starts", self.starts, self.starts >= 1, "--cv-starts >= 1"),
                ("--cv-max-iter", self.max_iter, self.max_iter >= 1, "--cv-max-iter >= 1"),
                ("--min-iter", self.min_iter, self.min_iter >= 0, "--min-iter >= 0"),
                ("--tol", self.tol, self.tol >= 0, "--tol >= 0"),
                ("floor", self.floor, self.floor > 0, "floor > 0"),
                ("--cap", self.cap, self.cap > 0, "--cap > 0")):
            if not valid:
                raise ValueError(f"{option}: expected {bound}, got {value}.")
        if self.scheme not in CV_SCHEMES:
            raise ValueError(f"--cv-scheme: expected one of {', '.join(CV_SCHEMES)}, "
                             f"got '{self.scheme}'.")
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"--normalisation: expected one of {', '.join(NORMALISATIONS)}, "
                             f"got '{self.normalisation}'.")


def holdout_mask(shape: tuple[int, int], fraction: float, seed: int, name: str,
                 fold: int) -> np.ndarray:
    """Boolean (m, n) mask, True on the ``round(fraction * m * n)`` hidden entries of a fold.

    The entries are drawn uniformly without replacement from a generator keyed by
    (seed, catalog, fold) alone, so every rank is scored on the same hidden entries. A sample
    (column) or feature (row) the draw hides whole gets one of its entries back, drawn from
    the same generator: with nothing of it visible its coefficients (or loadings) fit to 0
    and its hidden entries are predicted at the floor, so a few such samples of a matrix of
    few features made up half of a fold's error.
    """
    if not 0 < fraction < 1 or fold < 0:
        raise ValueError(f"expected 0 < fraction < 1 and fold >= 0, got {fraction} and {fold}.")
    size = shape[0] * shape[1]
    count = max(1, int(round(fraction * size)))
    rng = np.random.default_rng(np.random.SeedSequence(
        [seed, stream_key(name), _CV_STREAM, fold]))
    mask = np.zeros(size, dtype=bool)
    mask[rng.choice(size, size=count, replace=False)] = True
    mask = mask.reshape(shape)
    for axis in (0, 1):  # columns hidden whole, then rows (revealing hides nothing new)
        view = mask if axis == 0 else mask.T
        for line in np.flatnonzero(view.all(axis=0)):
            view[rng.integers(view.shape[0]), line] = False
    if not mask.any():
        raise ValueError(f"a {shape[0]} x {shape[1]} matrix leaves no entry to hold out once "
                         "every sample and feature keeps one visible: too small for "
                         "held-out-entry cross-validation.")
    return mask


def holdout_block(shape: tuple[int, int], fraction: float, seed: int, name: str,
                  fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean sample (n,) and channel (m,) masks of one fold's held-out block: ``fraction``
    of the samples and of the channels (each at least 1, at most all but one), drawn from a
    generator keyed by (seed, catalog, fold) alone."""
    m, n = shape
    if not 0 < fraction < 1 or fold < 0 or n < 2 or m < 2:
        raise ValueError(f"expected 0 < fraction < 1, fold >= 0 and a matrix of at least 2 x 2, "
                         f"got {fraction}, {fold} and {shape}.")
    rng = np.random.default_rng(np.random.SeedSequence(
        [seed, stream_key(name), _CV_STREAM, fold, 1]))
    samples = np.zeros(n, dtype=bool)
    samples[rng.choice(n, size=min(n - 1, max(1, int(round(fraction * n)))),
                       replace=False)] = True
    channels = np.zeros(m, dtype=bool)
    channels[rng.choice(m, size=min(m - 1, max(1, int(round(fraction * m)))),
                        replace=False)] = True
    return samples, channels


def poisson_deviance(observed: FloatArray, model: FloatArray) -> FloatArray:
    """Entry-wise Poisson deviance ``2 * (x log(x / mu) - x + mu)`` (0 log 0 = 0)."""
    safe = np.maximum(model, 1e-300)
    ratio = np.where(observed > 0, observed / safe, 1.0)
    result: FloatArray = 2.0 * (observed * np.log(ratio) - observed + model)
    return result


def _start_rng(seed: int, name: str, k: int, fold: int, start: int) -> np.random.Generator:
    """Generator of the starting factors of one (rank, fold, start)."""
    return np.random.default_rng(np.random.SeedSequence(
        [seed, stream_key(name), _CV_STREAM, fold, k, start]))


def cross_validate_rank(catalog: FloatArray, k: int, folds: Sequence[int], *, seed: int,
                        matrix_name: str, options: CVOptions) -> dict[str, np.ndarray]:
    """Held-out deviance of rank k on the given folds (all folds and starts in one batch).

    The catalog is first capped as ``options.normalisation`` says (as the replicates are).
    Each fold is fitted from ``options.starts`` random starts on its visible entries; the start
    with the lowest *visible* objective is kept (the hidden entries never steer a choice), and
    its mean Poisson deviance per hidden entry (model floored at ``options.floor``) is the
    fold's error.

    Returns
    -------
    dict of arrays
        ``fold`` (F,), ``error`` (F,) mean hidden-entry deviance, ``train`` (F,) mean visible
        deviance, ``converged`` (F,) whether the kept start converged.
    """
    catalog = check_nonnegative_matrix(catalog, "catalog")
    check_rank(k, *catalog.shape)
    check_cv_shape(catalog.shape, options)
    if options.starts < 1 or options.floor <= 0:
        raise ValueError(f"expected at least 1 start per fold and a positive floor, got "
                         f"{options.starts} and {options.floor}.")
    options = replace(options, floor=prediction_floor(catalog, options.floor))  # data's unit
    catalog = cap_samples(catalog, options.normalisation, options.cap,
                          counts=options.counts).catalog
    if options.scheme == "blocks":
        return _cross_validate_blocks(catalog, k, folds, seed=seed, matrix_name=matrix_name,
                                      options=options)
    masks, starts_w, starts_h = [], [], []
    for fold in folds:
        mask = holdout_mask(catalog.shape, options.holdout, seed, matrix_name, fold)
        for start in range(options.starts):
            W0, H0 = random_init(catalog, k, _start_rng(seed, matrix_name, k, fold, start))
            masks.append(mask)
            starts_w.append(W0)
            starts_h.append(H0)
    stack = np.broadcast_to(catalog, (len(masks), *catalog.shape))
    hidden = np.stack(masks)
    fit = fit_kl_mu_batched(stack, np.stack(starts_w), np.stack(starts_h),
                            weights=(~hidden).astype(np.float64), max_iter=options.max_iter,
                            min_iter=options.min_iter, tol=options.tol)
    errors, train, converged = [], [], []
    for best in _kept_starts(fit.objective, len(folds), options.starts):
        deviance = poisson_deviance(catalog, np.maximum(fit.W[best] @ fit.H[best],
                                                        options.floor))
        errors.append(deviance[hidden[best]].mean())
        train.append(deviance[~hidden[best]].mean())
        converged.append(fit.converged[best])
    return {"fold": np.asarray(list(folds), dtype=np.int64), "error": np.asarray(errors),
            "train": np.asarray(train), "converged": np.asarray(converged)}


def check_cv_shape(shape: tuple[int, int], options: CVOptions) -> None:
    """Refuse a cross-validation the matrix leaves nothing to fit or to score, naming the
    option: held-out blocks of samples need two samples and two channels, and the hidden
    entries must leave some visible."""
    m, n = shape
    if options.scheme == "blocks" and (m < 2 or n < 2):
        raise ValueError(f"--cv-scheme blocks holds out samples and channels and needs at "
                         f"least 2 of each; the matrix is {m} x {n}. Use --cv-scheme entries, "
                         "or --cv-folds 0 to skip cross-validation.")
    hidden = max(1, int(round(options.holdout * m * n)))
    if options.scheme == "entries" and hidden >= m * n:
        raise ValueError(f"--cv-holdout {options.holdout:g} hides all {m * n} entries of the "
                         f"{m} x {n} matrix, leaving nothing to fit. Give a smaller share "
                         "(default 0.1), or --cv-folds 0.")


def prediction_floor(catalog: FloatArray, floor: float) -> float:
    """The least prediction the deviance is scored against: ``floor`` counts, or that share
    of the median positive entry where entries are mostly below one (a generic matrix of
    small values: intensities, proportions). A fixed floor of 0.1 there predicts every hidden
    entry as 0.1 at every rank, and all ranks score alike. Count data (every positive entry
    at least 1) keep ``floor`` itself."""
    positive = catalog[catalog > 0]
    if not positive.size:
        return floor
    return floor * min(1.0, float(np.median(positive)))


def _kept_starts(objective: FloatArray, folds: int, starts: int) -> list[int]:
    """Per fold, the index of its start with the lowest visible objective (the hidden entries
    never steer the choice)."""
    return [i * starts + int(np.argmin(objective[i * starts:(i + 1) * starts]))
            for i in range(folds)]


def _cross_validate_blocks(catalog: FloatArray, k: int, folds: Sequence[int], *, seed: int,
                           matrix_name: str, options: CVOptions) -> dict[str, np.ndarray]:
    """Bi-cross-validation (Owen and Perry 2009) of rank k: per fold, the signatures W are
    fitted on the other samples only, each held-out sample's exposures are fitted with W fixed
    on its visible channels, and the fold's error is the mean deviance of its hidden block
    (held-out samples x hidden channels). Every prediction is then determined by data: with
    random hidden entries a component serving one genome alone has an unconstrained weight on
    that genome's hidden channel, which drifts for as long as the fit runs (docs/benchmarks.md,
    PCAWG CV)."""
    m, n = catalog.shape
    blocks = [holdout_block(catalog.shape, options.block, seed, matrix_name, fold)
              for fold in folds]
    starts_w, starts_h, train_weights = [], [], []
    for fold, (samples, _) in zip(folds, blocks, strict=True):
        for start in range(options.starts):
            W0, H0 = random_init(catalog, k, _start_rng(seed, matrix_name, k, fold, start))
            starts_w.append(W0)
            starts_h.append(H0)
            train_weights.append(np.broadcast_to(~samples, (m, n)).astype(np.float64))
    stack = np.broadcast_to(catalog, (len(starts_w), m, n))
    fit = fit_kl_mu_batched(stack, np.stack(starts_w), np.stack(starts_h),
                            weights=np.stack(train_weights), max_iter=options.max_iter,
                            min_iter=options.min_iter, tol=options.tol)
    kept = _kept_starts(fit.objective, len(blocks), options.starts)
    # The held-out samples' exposures, W fixed, from their visible channels only (every fold
    # holds out the same number of samples, so the folds are one batch).
    held_out = np.stack([catalog[:, samples] for samples, _ in blocks])
    visible = np.stack([np.broadcast_to(~channels[:, None], held_out.shape[1:])
                        for _, channels in blocks]).astype(np.float64)
    W = np.ascontiguousarray(fit.W[kept])
    H0 = np.full((len(blocks), k, held_out.shape[2]),
                 max(float(catalog.sum(axis=0).mean()), 1.0) / k)
    exposures = fit_kl_mu_batched(held_out, W, H0, weights=visible, update_w=False,
                                  max_iter=options.max_iter, min_iter=options.min_iter,
                                  tol=options.tol)
    errors, train, converged = [], [], []
    for i, (samples, channels) in enumerate(blocks):
        predicted = np.maximum(W[i] @ exposures.H[i], options.floor)
        errors.append(poisson_deviance(held_out[i], predicted)[channels].mean())
        fitted = np.maximum(W[i] @ fit.H[kept[i]][:, ~samples], options.floor)
        train.append(poisson_deviance(catalog[:, ~samples], fitted).mean())
        converged.append(bool(fit.converged[kept[i]]) and bool(exposures.converged[i]))
    return {"fold": np.asarray(list(folds), dtype=np.int64), "error": np.asarray(errors),
            "train": np.asarray(train), "converged": np.asarray(converged)}


def summarise_folds(result: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean, standard deviation and standard error of the fold errors of one rank."""
    errors = np.asarray(result["error"], dtype=np.float64)
    sd = float(errors.std(ddof=1)) if errors.size > 1 else 0.0
    return {"cv_error": float(errors.mean()), "cv_sd": sd,
            "cv_se": sd / float(np.sqrt(errors.size)), "cv_folds": int(errors.size),
            "cv_train": float(np.mean(result["train"]))}

"""Bootstrap intervals of exposures, and the labelled refit of a whole matrix.

Orientation: catalog (m features, n samples), signatures (m, k), exposures (k, n). The
bootstrap refits resamples of each sample with the sample's own method (negative-binomial
resamples at the sample's dispersion for ``negbin``, multinomial ones otherwise); the
stream of sample s is keyed by (seed, s's name) alone, so a sample's resamples do not depend
on the other samples of the run (under the ``negbin`` cohort prior its costs do:
:func:`.negbin.cohort_prior_costs`).
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sigforge._maths import cosine_similarity
from sigforge._types import FloatArray
from sigforge._validation import (
    check_nonnegative_matrix,
    check_same_features,
    check_unique_labels,
    refuse_special_arrays,
)
from sigforge.nmf import kl_divergence
from sigforge.refit.negbin import (
    bootstrap_negbin,
    cohort_prior_costs,
    negbin_refit,
    signature_costs,
)
from sigforge.refit.options import RefitOptions
from sigforge.refit.sparse import (
    SIGNATURE_SUM_TOLERANCE,
    check_options_type,
    check_refit_inputs,
    check_signature_shape,
    check_totals,
    refit_checked,
    refit_sample,
    require_counts,
)


def sample_rng(seed: int, sample: str) -> np.random.Generator:
    """The bootstrap stream of one sample: keyed by (seed, sample name) alone (a name that is
    not text by its text, as :func:`refit_catalog` keys it)."""
    return np.random.default_rng([seed, zlib.crc32(str(sample).encode("utf-8"))])


def bootstrap_exposures(x: FloatArray, signatures: FloatArray, options: RefitOptions,
                        rng: np.random.Generator, costs: FloatArray | None = None,
                        point: tuple[FloatArray, float, np.ndarray] | None = None
                        ) -> FloatArray:
    """Refit ``options.bootstrap`` resamples of one sample; shape (B, k).

    Method ``negbin`` draws negative-binomial resamples around the observed counts at the
    sample's estimated dispersion and refits them over its shortlist
    (:func:`.negbin.bootstrap_negbin`; ``point`` is the sample's own negbin fit when the
    caller has it). The other methods draw multinomial resamples (the sample's total, the
    observed proportions) and refit them by the full method.
    """
    refuse_special_arrays(x, "x")
    check_options_type(options)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy Generator (sample_rng(seed, sample) gives the "
                        f"refit's own), got {type(rng).__name__}.")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x: expected one sample's counts (a 1-D array), got shape {x.shape}.")
    x = check_nonnegative_matrix(x.reshape(-1, 1), "x")[:, 0]
    signatures = check_nonnegative_matrix(signatures, "signatures")
    check_refit_inputs(x[:, None], signatures, options.method, "x", options.bootstrap)
    total = int(round(float(x.sum())))
    if total == 0 or options.bootstrap == 0:
        return np.zeros((options.bootstrap, signatures.shape[1]))
    if options.method == "negbin":
        if costs is None:
            costs = signature_costs(signatures.shape[1], options.penalty)
        return bootstrap_negbin(x, signatures, costs, options.bootstrap, rng, point)
    draws = rng.multinomial(total, x / x.sum(), size=options.bootstrap).astype(np.float64)
    return np.stack([refit_checked(draw, signatures, options, None) for draw in draws])


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


def sample_burdens(values: FloatArray) -> np.ndarray:
    """Each sample's total (column sums of ``values``): whole numbers as int64, as a count
    catalog's are; a real-valued matrix's totals as they are (rounded, totals of 0.45 and
    0.7 read 0 and 1, and no longer matched the matrix)."""
    totals = np.asarray(values, dtype=np.float64).sum(axis=0)
    whole = np.isfinite(totals).all() and (totals == np.round(totals)).all()
    return totals.astype(np.int64) if whole else totals


def _reconstruction_table(catalog: pd.DataFrame, model: FloatArray,
                          exposures: FloatArray) -> pd.DataFrame:
    """Per-sample burden, cosine and KL of the fit, and the number of signatures used."""
    observed = catalog.to_numpy(dtype=np.float64)
    return pd.DataFrame({
        "burden": sample_burdens(observed),
        "cosine": cosine_similarity(observed, model),
        "kl_divergence": [float(kl_divergence(observed[:, [j]], model[:, [j]]))
                          for j in range(observed.shape[1])],
        "signatures_used": (exposures > 0).sum(axis=0).astype(np.int64),
    }, index=pd.Index(catalog.columns, name="sample"))


def percentile_interval(draws: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Lower and upper ends (k,) of the central ``confidence`` percentile interval of
    bootstrap draws (B, k).

    The ends are the ``(B + 1) * alpha / 2``-th smallest and largest draws (interpolated;
    numpy's ``weibull`` quantile), the order statistics whose coverage is the nominal one
    whatever B (Davison & Hinkley, *Bootstrap Methods and their Application*, 1997, sec. 5.2).
    numpy's default quantile takes the ``1 + (B - 1) * alpha / 2``-th, which is nearer the
    middle: at 100 draws its 95% interval covers about 93% of an exact bootstrap distribution
    and, measured as in tests/unit/test_negbin.py (200 tumours), 93.5% of true exposures where
    this one covers 96.3% (Poisson counts; 89.9% and 92.4% at negative-binomial size 8).
    """
    draws = np.asarray(draws, dtype=np.float64)
    if draws.ndim != 2 or not draws.shape[0]:
        raise ValueError(f"draws: expected a (B, k) array of B >= 1 resamples, got shape "
                         f"{draws.shape}.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected a value between 0 and 1, got {confidence}.")
    # rounded: (1 - 0.95) / 2 * 100 is 2.500000000000002 in floating point, which at 39
    # resamples (order statistic 1, the smallest draw) would step just past a zero draw
    tail = round((1 - confidence) / 2 * 100, 10)
    lower, upper = np.percentile(draws, [tail, 100 - tail], axis=0, method="weibull")
    return lower, upper


def min_resamples(confidence: float) -> int:
    """The fewest bootstrap resamples whose central ``confidence`` percentile interval has
    its ends inside the resamples: ``ceil(2 / (1 - confidence)) - 1`` (39 for 95%).

    :func:`percentile_interval` takes the ``(B + 1)(1 - confidence)/2``-th smallest and largest
    draws; below 1 that order statistic is clipped to the extremes of the resamples, and the
    interval covers less than its nominal share whatever it reads.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected a value between 0 and 1, got {confidence}.")
    # rounded first: 2 / (1 - 0.9) is 20.000000000000004 in floating point, not 20
    return math.ceil(round(2 / (1 - confidence), 9)) - 1


def _interval_rows(sample: object, names: Sequence[object], point: FloatArray, draws: FloatArray,
                   confidence: float) -> list[dict[str, object]]:
    """One interval row per signature for one sample."""
    lower, upper = percentile_interval(draws, confidence)
    presence = (draws > 0).mean(axis=0)
    return [{"sample": sample, "signature": name, "exposure": point[i], "lower": lower[i],
             "upper": upper[i], "presence": presence[i]} for i, name in enumerate(names)]


def _fit_sample(x: FloatArray, basis: FloatArray, options: RefitOptions, costs: FloatArray,
                sample: str, start: tuple[FloatArray, float, np.ndarray] | None = None
                ) -> tuple[FloatArray, FloatArray | None]:
    """One sample's exposures and, with bootstrap, its resampled exposures (B, k); ``start``:
    the sample's negbin fit of the cohort prior's pass, where the search starts."""
    fitted = negbin_refit(x, basis, costs, start) if options.method == "negbin" else None
    point = fitted[0] if fitted is not None else refit_sample(x, basis, options, costs)
    if not options.bootstrap:
        return point, None
    rng = sample_rng(options.seed, sample)
    return point, bootstrap_exposures(x, basis, options, rng, costs, fitted)


def _sample_costs(values: FloatArray, basis: FloatArray, options: RefitOptions,
                  share: FloatArray | None
                  ) -> tuple[FloatArray, list[tuple[FloatArray, float, np.ndarray] | None]]:
    """Each sample's signature costs (k, n), the base prior's or the cohort prior's, and
    where each sample's search starts (the cohort prior's last fit, or None)."""
    costs = signature_costs(basis.shape[1], options.penalty, share)
    if options.method == "negbin" and options.cohort_prior:
        return cohort_prior_costs(values, basis, costs, options.penalty, share)
    return np.repeat(costs[:, None], values.shape[1], axis=1), [None] * values.shape[1]


def check_count_range(catalog: pd.DataFrame, values: np.ndarray, method: str,
                      bootstrap: int = 0) -> None:
    """Refuse samples whose totals are out of range for ``method`` (:func:`.sparse.check_totals`)
    naming the sample by its label. The count methods and resampling (``bootstrap`` > 0) also
    need whole numbers: real values gave zero exposures (a total under a count's penalty) or
    intervals drawn at a rounded total that excluded the estimate, without a word."""
    require_counts(values, "catalog", method, bootstrap,
                   lambda at: f"row '{catalog.index[at[0]]}', column '{catalog.columns[at[1]]}'")
    check_totals(values, method, lambda j: f"sample '{catalog.columns[j]}'")


def _warn_unnormalised(signatures: pd.DataFrame) -> None:
    """Warn when a signature column does not sum to 1 (within the tolerance of
    :func:`.sparse.normalise_signatures`): exposures are then in units of the catalog divided
    by that sum (a table of percentages gives exposures 100 times too small). The command
    line rescales such tables before the refit; a caller of the library is told here."""
    sums = signatures.sum(axis=0)
    off = sums[(sums - 1.0).abs() > SIGNATURE_SUM_TOLERANCE]
    if len(off):
        warnings.warn(f"signatures: column '{off.index[0]}' sums to {off.iloc[0]:.6g}"
                      f"{f' ({len(off) - 1} more such column(s))' if len(off) > 1 else ''}, "
                      "not 1: its exposures are in units of the catalog divided by that sum. "
                      "Rescale first with sigforge.refit.normalise_signatures(signatures).",
                      UserWarning, stacklevel=3)


#: The start of :func:`_warn_few_resamples`' message (the command line, which says it in its
#: own words, ignores the library's).
FEW_RESAMPLES = "bootstrap="


def _warn_few_resamples(options: RefitOptions) -> None:
    """Warn when ``options.bootstrap`` is too few for ``options.confidence``
    (:func:`min_resamples`): every interval is then the resamples' lowest and highest value,
    labelled with a coverage it does not have."""
    needed = min_resamples(options.confidence)
    if 0 < options.bootstrap < needed:
        warnings.warn(f"{FEW_RESAMPLES}{options.bootstrap}: {100 * options.confidence:g}% "
                      f"intervals need at least {needed} resamples for their ends to lie inside "
                      "the resamples; these intervals are the resamples' lowest and highest "
                      f"values and cover less than {100 * options.confidence:g}%.",
                      UserWarning, stacklevel=3)


def _prevalence_shares(prevalence: object, names: list[object],
                       options: RefitOptions) -> FloatArray:
    """Each signature's share from ``prevalence``, matched by name as text on both sides (a
    table's integer labels and a prior keyed by the same integers agree); NaN where it has no
    entry. A prior that matches none of the signatures, or that the method does not read, is
    said: it would otherwise change nothing, silently."""
    if not isinstance(prevalence, pd.Series):
        raise TypeError(f"prevalence: expected a pandas Series of shares indexed by signature "
                        f"name, got {type(prevalence).__name__}.")
    keyed = pd.Series(prevalence.to_numpy(), index=prevalence.index.map(str))
    if keyed.index.has_duplicates:
        raise ValueError(f"prevalence: signature '{keyed.index[keyed.index.duplicated()][0]}' "
                         "has more than one share; give each signature once.")
    share = keyed.reindex([str(name) for name in names]).to_numpy(np.float64)
    if options.method != "negbin":
        warnings.warn(f"prevalence: method {options.method!r} has no prior; the shares are not "
                      "used (method 'negbin' reads them).", UserWarning, stacklevel=3)
    elif len(keyed) and np.isnan(share).all():
        warnings.warn(f"prevalence: none of its {len(keyed)} name(s) (such as "
                      f"'{keyed.index[0]}') is a signature of the table (such as "
                      f"'{names[0]}'); the refit runs without a prior.", UserWarning,
                      stacklevel=3)
    return share


def refit_catalog(catalog: pd.DataFrame, signatures: pd.DataFrame,
                  options: RefitOptions | None = None,
                  progress: Callable[[int], None] | None = None,
                  prevalence: pd.Series | None = None) -> Refit:
    """Fit every sample of a labelled catalog to labelled signatures, with intervals.

    Parameters
    ----------
    catalog : DataFrame, (m, n)
    signatures : DataFrame, (m, k), same feature labels in the same order
    options : RefitOptions, optional
        Defaults to plain NNLS without bootstrap (what discovery uses for its own fits).
    progress : callable, optional
        Called with the number of samples finished.
    prevalence : Series, optional
        Share of tumours in which each signature (by name) is active: the soft prior of
        method ``negbin`` (:func:`.negbin.signature_costs`); names it lacks get no prior. With
        ``options.cohort_prior`` it is the base that the catalog's own shares are shrunk to.

    Raises
    ------
    ValueError
        Feature labels differ, values are negative or non-finite, or a sample's total is
        beyond :data:`.sparse.MAX_SAMPLE_TOTAL` for a count method.
    """
    options = options or RefitOptions(method="nnls", bootstrap=0)
    for table, what in ((catalog, "catalog"), (signatures, "signatures")):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{what}: expected a labelled DataFrame (features x columns), got "
                            f"{type(table).__name__}.")
    check_unique_labels(catalog, "catalog")
    check_unique_labels(signatures, "signatures")
    check_same_features(catalog, signatures)
    values = check_nonnegative_matrix(catalog.to_numpy(dtype=np.float64), "catalog")
    basis = check_nonnegative_matrix(signatures.to_numpy(dtype=np.float64), "signatures")
    check_signature_shape(basis)
    check_count_range(catalog, values, options.method, options.bootstrap)
    _warn_unnormalised(signatures)
    _warn_few_resamples(options)
    names = list(signatures.columns)  # the caller's labels, integers included
    share = None if prevalence is None else _prevalence_shares(prevalence, names, options)
    costs, starts = _sample_costs(values, basis, options, share)
    exposures = np.zeros((basis.shape[1], values.shape[1]))
    rows: list[dict[str, object]] = []
    for j, sample in enumerate(catalog.columns):
        exposures[:, j], draws = _fit_sample(values[:, j], basis, options, costs[:, j],
                                             str(sample), starts[j])
        if draws is not None:
            rows += _interval_rows(sample, names, exposures[:, j], draws,  # the catalog's
                                   options.confidence)                   # own label
        if progress:
            progress(j + 1)
    frame = pd.DataFrame(exposures, index=pd.Index(names, name="Signature"),
                         columns=catalog.columns)
    intervals = pd.DataFrame(rows).set_index("sample") if rows else None
    return Refit(frame, _reconstruction_table(catalog, basis @ exposures, exposures), intervals)


def with_unfitted_samples(result: Refit | None, catalog: pd.DataFrame, signatures: pd.Index,
                          *, intervals: bool = False) -> Refit:
    """The refit of every sample of ``catalog``, in its order: samples ``result`` lacks (a
    catalog column without a single count, or every sample when ``result`` is None because
    there is nothing to fit) get zero exposures, zero-width intervals (when ``result`` has
    intervals, or ``intervals`` asks for them) and a reconstruction row with their burden,
    cosine NaN and no signature used.

    A sample without mutations has nothing to attribute; listing it with zeros keeps every
    table over the same samples instead of silently shortening some of them.
    """
    samples = catalog.columns
    exposures = pd.DataFrame(0.0, index=pd.Index(signatures, name="Signature"),
                             columns=samples)
    reconstruction = pd.DataFrame({
        "burden": sample_burdens(catalog.to_numpy(dtype=np.float64)),
        "cosine": np.nan, "kl_divergence": 0.0, "signatures_used": 0},
        index=pd.Index(samples, name="sample"))
    fitted = result.exposures.columns if result is not None else pd.Index([])
    if result is not None:
        exposures.loc[:, fitted] = result.exposures.loc[signatures, fitted].to_numpy()
        reconstruction.loc[fitted] = result.reconstruction.loc[fitted].to_numpy()
        reconstruction = reconstruction.astype(result.reconstruction.dtypes.to_dict())
    table = None
    if (result.intervals is not None) if result is not None else intervals:
        missing = [s for s in samples if s not in set(fitted)]
        zeros = pd.DataFrame(
            {"signature": np.tile(np.asarray(signatures, dtype=object), len(missing)),
             "exposure": 0.0, "lower": 0.0, "upper": 0.0, "presence": 0.0},
            index=pd.Index(np.repeat(np.asarray(missing, dtype=object), len(signatures)),
                           name="sample"))
        both = zeros if result is None else pd.concat([result.intervals, zeros])
        order = {sample: i for i, sample in enumerate(samples)}
        table = both.iloc[np.argsort(both.index.map(order).to_numpy(), kind="stable")]
    return Refit(exposures, reconstruction, table)

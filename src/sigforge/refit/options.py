"""The options of a refit (:class:`RefitOptions`) and the refit methods' names.

The work is done in :mod:`.sparse` (NNLS and sparse refits), :mod:`.bootstrap` (intervals and
the labelled refit of a whole matrix) and :mod:`.decompose` (decomposition into a reference
set); :mod:`sigforge.refit` exports the public names.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from sigforge import DEFAULT_SEED
from sigforge.refit.negbin import DEFAULT_PENALTY

#: Log-likelihood cost that keeps a signature: half the chi-square(1) quantile at 1 - 2 * 0.001,
#: ``scipy.stats.chi2.ppf(0.998, df=1) / 2`` written out (tests/unit/test_refit.py checks it)
#: so that every command does not import scipy.stats (a third of a second per job).
DEFAULT_LIKELIHOOD_THRESHOLD = 4.774767853041618
REFIT_METHODS = ("negbin", "likelihood", "cosine", "nnls")
#: Most resamples per sample: 95% percentile intervals settle within a few thousand; more only
#: costs memory (the resamples of a sample are held at once) and time.
MAX_BOOTSTRAP = 10_000
#: What the catalogs were sequenced on, which picks the reference signatures' opportunities:
#: ``genome`` (whole-genome tables), ``exome`` (the shipped exome tables), ``regions`` (the
#: genome tables rescaled to the opportunities of the targeted regions).
ASSAYS = ("genome", "exome", "regions")


@dataclass(frozen=True)
class RefitOptions:
    """Settings of a refit (the ``refit`` section of the config).

    Attributes
    ----------
    method : {"negbin", "likelihood", "cosine", "nnls"}, default="negbin"
        ``negbin``: penalised negative-binomial subset selection (:mod:`.negbin`);
        ``likelihood``: greedy Poisson likelihood-ratio tests; ``cosine``: cosine gains;
        ``nnls``: no selection.
    penalty : float, default=DEFAULT_PENALTY
        Base cost of a signature in log-likelihood units (method ``negbin``).
    cohort_prior : bool, default=True
        Method ``negbin`` on a catalog of several samples: learn how often each signature is
        active from the other samples of the catalog (:func:`.negbin.cohort_prior_costs`), so
        a sample's exposures depend on its cohort; False fits every sample on its own.
    likelihood_threshold : float
        Log-likelihood units a signature must be worth (method ``likelihood``).
    cosine_remove, cosine_add : float, default=0.01, 0.05
        Cosine thresholds of method ``cosine``.
    bootstrap : int, default=100
        Multinomial resamples per sample for the intervals (0 = no intervals).
    confidence : float, default=0.95
        Central coverage of the percentile intervals.
    seed : int, default=DEFAULT_SEED
        Resample stream of sample s is keyed by (seed, s's name) alone.
    assay : {"genome", "exome", "regions"}, default="genome"
        What the catalogs were sequenced on (see :data:`ASSAYS`); picks how reference
        signatures are adapted to the catalogs' opportunities before the refit.
    """

    method: str = "negbin"
    penalty: float = DEFAULT_PENALTY
    cohort_prior: bool = True
    likelihood_threshold: float = DEFAULT_LIKELIHOOD_THRESHOLD
    cosine_remove: float = 0.01
    cosine_add: float = 0.05
    bootstrap: int = 100
    confidence: float = 0.95
    seed: int = DEFAULT_SEED
    assay: str = "genome"

    def __post_init__(self) -> None:
        """Reject unknown methods, values of the wrong type and out-of-range values, naming the
        command-line option."""
        _check_types(self)
        if self.method not in REFIT_METHODS:
            raise ValueError(f"refit method '{self.method}' is unknown; expected one of "
                             f"{', '.join(REFIT_METHODS)}.")
        if self.assay not in ASSAYS:
            raise ValueError(f"--assay '{self.assay}' is unknown; expected one of "
                             f"{', '.join(ASSAYS)}.")
        for option, value, valid, bound in (
                ("--penalty", self.penalty, 0 <= self.penalty < float("inf"),
                 "a finite --penalty >= 0"),
                ("--likelihood-threshold", self.likelihood_threshold,
                 0 <= self.likelihood_threshold < float("inf"),
                 "a finite --likelihood-threshold >= 0"),
                ("--bootstrap", self.bootstrap, 0 <= self.bootstrap <= MAX_BOOTSTRAP,
                 f"--bootstrap from 0 to {MAX_BOOTSTRAP:,}"),
                ("--confidence", self.confidence, 0 < self.confidence < 1, "0 < --confidence < 1"),
                ("--seed", self.seed, self.seed >= 0, "--seed >= 0")):
            if not valid:
                raise ValueError(f"{option}: expected {bound}, got {value}.")


def _check_types(options: RefitOptions) -> None:
    """Refuse settings of the wrong type (a fractional --bootstrap or --seed failed deep in
    numpy), a cohort_prior that is not a bool and cosine gains outside [0, 1] (NaN too)."""
    for option, value in (("--bootstrap", options.bootstrap), ("--seed", options.seed)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{option}: expected a whole number, got {value!r}.")
    for option, value in (("--penalty", options.penalty),
                          ("--likelihood-threshold", options.likelihood_threshold),
                          ("--confidence", options.confidence),
                          ("cosine_remove", options.cosine_remove),
                          ("cosine_add", options.cosine_add)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{option}: expected a number, got {value!r}.")
    if not isinstance(options.cohort_prior, bool):
        raise TypeError(f"cohort_prior: expected True or False, got {options.cohort_prior!r}.")
    for option, value in (("cosine_remove", options.cosine_remove),
                          ("cosine_add", options.cosine_add)):
        if not 0 <= value <= 1:
            raise ValueError(f"{option}: expected a cosine gain from 0 to 1, got {value}.")
    if options.cosine_remove > options.cosine_add:  # the stepwise rule could then cycle
        raise ValueError(f"cosine_remove ({options.cosine_remove}) must not exceed cosine_add "
                         f"({options.cosine_add}): a signature removed for costing less than "
                         "cosine_remove could be added back at once for gaining more than "
                         "cosine_add.")

"""Generic refitting: per-sample exposures to a fixed signature set.

NNLS and sparse (stepwise, likelihood-tested) refits, bootstrap confidence intervals,
decomposition of de novo signatures into a reference set; any nonnegative features x samples
matrix, no mutations.

May import :mod:`sigforge.nmf`, :mod:`sigforge.io` and the shared private modules; never
:mod:`sigforge.genomics`, :mod:`sigforge.report`, :mod:`sigforge.cli` or
:mod:`sigforge.workflow` (import-linter contracts in pyproject.toml).
"""

from sigforge.refit.core import (
    DEFAULT_LIKELIHOOD_THRESHOLD,
    REFIT_METHODS,
    SIGNATURE_SUM_TOLERANCE,
    Refit,
    RefitOptions,
    best_matches,
    bootstrap_exposures,
    cosine_similarity_columns,
    cosine_to,
    decompose_signatures,
    fit_exposures,
    identity_decomposition,
    normalise_signatures,
    poisson_loglik,
    refit_catalog,
    refit_matrix,
    refit_sample,
    sample_rng,
)

__all__ = [
    "DEFAULT_LIKELIHOOD_THRESHOLD", "REFIT_METHODS", "SIGNATURE_SUM_TOLERANCE", "Refit",
    "RefitOptions", "best_matches", "bootstrap_exposures", "cosine_similarity_columns",
    "cosine_to", "decompose_signatures", "fit_exposures", "identity_decomposition",
    "normalise_signatures", "poisson_loglik", "refit_catalog", "refit_matrix", "refit_sample",
    "sample_rng",
]

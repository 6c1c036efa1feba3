"""Generic refitting: per-sample exposures to a fixed signature set.

- :mod:`.options`: :class:`RefitOptions`, the settings of a refit.
- :mod:`.sparse`: NNLS and sparse (stepwise, likelihood- or cosine-tested) refits.
- :mod:`.bootstrap`: bootstrap confidence intervals; the labelled refit of a whole matrix.
- :mod:`.decompose`: decomposition of de novo signatures into a reference set.
- :mod:`.attribution`: per-mutation attribution, each mutation's probability per signature.
- :mod:`.rescale`: signatures carried from one set of opportunities to another (assays).

Any nonnegative features x samples matrix, no mutations.

May import :mod:`sigforge.nmf`, :mod:`sigforge.io` and the shared private modules; never
:mod:`sigforge.genomics`, :mod:`sigforge.report`, :mod:`sigforge.cli` or
:mod:`sigforge.workflow` (import-linter contracts in pyproject.toml).
"""

from sigforge.refit.attribution import Attribution, attribute_mutations, channel_probabilities
from sigforge.refit.bootstrap import (
    Refit,
    bootstrap_exposures,
    min_resamples,
    percentile_interval,
    refit_catalog,
    sample_rng,
    with_unfitted_samples,
)
from sigforge.refit.decompose import best_matches, decompose_signatures, identity_decomposition
from sigforge.refit.negbin import penalised_gain
from sigforge.refit.options import (
    ASSAYS,
    DEFAULT_LIKELIHOOD_THRESHOLD,
    DEFAULT_SEED,
    REFIT_METHODS,
    RefitOptions,
)
from sigforge.refit.rescale import opportunity_ratio, rescale_signatures
from sigforge.refit.sparse import (
    SIGNATURE_RESCALE_TOLERANCE,
    SIGNATURE_SUM_TOLERANCE,
    fit_exposures,
    normalise_signatures,
    poisson_loglik,
    refit_matrix,
    refit_sample,
)

__all__ = [
    "ASSAYS", "DEFAULT_LIKELIHOOD_THRESHOLD", "DEFAULT_SEED", "REFIT_METHODS", "Attribution",
    "Refit", "RefitOptions", "SIGNATURE_RESCALE_TOLERANCE", "SIGNATURE_SUM_TOLERANCE",
    "attribute_mutations", "best_matches",
    "bootstrap_exposures", "channel_probabilities", "decompose_signatures",
    "fit_exposures", "identity_decomposition", "min_resamples", "normalise_signatures",
    "opportunity_ratio", "penalised_gain",
    "percentile_interval", "poisson_loglik", "refit_catalog", "refit_matrix", "refit_sample",
    "rescale_signatures", "sample_rng", "with_unfitted_samples",
]

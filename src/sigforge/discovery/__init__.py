"""Generic signature discovery: any nonnegative features x samples matrix, no mutations.

- :mod:`.resample`: bootstrap replicates (Poisson, multinomial, scaled multinomial), one random
  stream per (seed, catalog, rank, replicate).
- :mod:`.normalise`: hypermutator capping before factorisation.
- :mod:`.consensus`: clustering replicate solutions into k stable signatures, stability.
- :mod:`.crossval`: held-out-entry cross-validation of a rank.
- :mod:`.rank`: the rank rule (stability + reconstruction error + cross-validation).
- :mod:`.rescue`: the rule's last step, components reproduced at larger ranks added.
- :mod:`.pipeline`: replicates x ranks -> consensus -> rank choice, in one process or chunked.
- :mod:`.matrix`: generic matrix preparation (checks, empty rows), joint stacking of modalities.

May import :mod:`sigforge.nmf`, :mod:`sigforge.refit`, :mod:`sigforge.io` and the shared
private modules; never :mod:`sigforge.genomics`, :mod:`sigforge.report`, :mod:`sigforge.cli`
or :mod:`sigforge.workflow` (import-linter contracts in pyproject.toml).
"""

from sigforge.discovery.consensus import (
    MAX_CONSENSUS_SAMPLES,
    Consensus,
    Gap,
    cluster_replicates,
    consensus_matrix,
    cophenetic_correlation,
    gap_statistic,
)
from sigforge.discovery.crossval import (
    CVOptions,
    cross_validate_rank,
    holdout_mask,
    poisson_deviance,
    summarise_folds,
)
from sigforge.discovery.matrix import (
    TEXT_SUFFIXES,
    PreparedMatrix,
    check_pixels,
    drop_empty,
    first_fraction,
    pixel_image,
    prepare_joint,
    prepare_matrix,
    read_generic_matrix,
    split_components,
    stack_modalities,
    whole_numbers,
)
from sigforge.discovery.normalise import (
    DEFAULT_CAP,
    NORMALISATIONS,
    Capping,
    cap_samples,
    gmm_threshold,
)
from sigforge.discovery.pipeline import (
    GAP_MAX_POINTS,
    GAP_NULLS,
    Discovery,
    NMFOptions,
    RankResult,
    choose_rank,
    chosen_components,
    chunk_ranges,
    component_names,
    cv_fold_table,
    discovery_tasks,
    gap_rng,
    merge_chunks,
    run_discovery,
    solve_replicates,
    summarise_rank,
)
from sigforge.discovery.rank import (
    RankChoice,
    RankRule,
    RescuedComponent,
    relative_error,
    select_rank,
)
from sigforge.discovery.resample import (
    DEFAULT_DEPTH,
    RESAMPLERS,
    get_resampler,
    multinomial_bootstrap,
    poisson_bootstrap,
    replicate_rng,
    scaled_multinomial_bootstrap,
    stream_key,
)
from sigforge.discovery.rescue import rescue_components

__all__ = [
    "DEFAULT_CAP", "DEFAULT_DEPTH", "GAP_MAX_POINTS", "GAP_NULLS", "MAX_CONSENSUS_SAMPLES",
    "NORMALISATIONS", "RESAMPLERS", "TEXT_SUFFIXES", "CVOptions", "Capping", "Consensus",
    "Discovery", "Gap", "NMFOptions", "PreparedMatrix", "RankChoice", "RankResult", "RankRule",
    "RescuedComponent", "rescue_components",
    "cap_samples", "check_pixels", "choose_rank", "chunk_ranges",
    "cluster_replicates", "component_names", "consensus_matrix", "cophenetic_correlation",
    "cross_validate_rank", "cv_fold_table", "discovery_tasks", "drop_empty", "first_fraction",
    "gap_rng", "gap_statistic", "get_resampler", "gmm_threshold", "holdout_mask",
    "chosen_components", "merge_chunks",
    "multinomial_bootstrap", "pixel_image", "poisson_bootstrap", "poisson_deviance",
    "prepare_joint", "prepare_matrix", "read_generic_matrix", "relative_error", "replicate_rng",
    "run_discovery", "scaled_multinomial_bootstrap", "select_rank", "solve_replicates",
    "split_components", "stack_modalities", "stream_key", "summarise_folds", "summarise_rank",
    "whole_numbers",
]

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

from __future__ import annotations

import importlib
from typing import Any

# What each submodule provides, imported on first use (PEP 562): the workflow reads the
# light modules (:mod:`.groups`, :mod:`.matrix`) while Snakemake parses it, and importing
# every submodule here (numba and SciPy through :mod:`.crossval`) cost each ``snakemake``
# command, dry runs included, about half a second.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "consensus": (
        "MAX_CONSENSUS_SAMPLES", "Consensus", "Gap", "cluster_replicates", "consensus_matrix",
        "cophenetic_correlation", "gap_statistic",
    ),
    "crossval": (
        "CVOptions", "cross_validate_rank", "holdout_mask", "poisson_deviance", "summarise_folds",
    ),
    "matrix": (
        "TEXT_SUFFIXES", "PreparedMatrix", "check_pixels", "drop_empty", "first_fraction",
        "pixel_image", "prepare_joint", "prepare_matrix", "read_generic_matrix",
        "split_components", "stack_modalities", "whole_numbers",
    ),
    "normalise": (
        "DEFAULT_CAP", "NORMALISATIONS", "Capping", "cap_samples", "gmm_threshold",
    ),
    "pipeline": (
        "GAP_MAX_POINTS", "GAP_NULLS", "Discovery", "NMFOptions", "RankResult", "choose_rank",
        "chosen_components", "chunk_ranges", "component_names", "cv_fold_table", "discovery_tasks",
        "gap_rng", "merge_chunks", "run_discovery", "solve_replicates", "summarise_rank",
    ),
    "rank": (
        "RankChoice", "RankRule", "RescuedComponent", "relative_error", "select_rank",
    ),
    "resample": (
        "DEFAULT_DEPTH", "RESAMPLERS", "get_resampler", "multinomial_bootstrap",
        "poisson_bootstrap", "replicate_rng", "scaled_multinomial_bootstrap", "stream_key",
    ),
    "rescue": (
        "rescue_components",
    ),
}
_PROVIDER = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_PROVIDER)


def __getattr__(name: str) -> Any:
    """Import the submodule that provides ``name`` on first use."""
    module = _PROVIDER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, imported or not."""
    return sorted(set(globals()) | set(__all__))

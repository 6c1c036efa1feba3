"""When a catalog is too thin to factor, and the placeholder results its discovery then writes.

A workflow factors every counted context (SBS96, DBS78, ID83, ...) at the same ranks. A cohort
may hold a handful of doublets or none at all; factoring them would give signatures that mean
nothing, and failing would stop the whole run. Such a context is skipped instead: every
discovery step writes a small, valid result that says why (the same reason from every job,
because it depends only on the catalog and the largest rank tried), and the report shows it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sigforge.discovery.pipeline import RankResult

#: Fewest mutations per signature, at the largest rank tried, for a catalog to be factored:
#: below it a bootstrap replicate holds a few counts per component and its factors are noise.
MIN_MUTATIONS_PER_SIGNATURE = 20


def factor_problem(catalog: pd.DataFrame, max_rank: int) -> str | None:
    """Why ``catalog`` is too thin to factor at ranks up to ``max_rank``, or None.

    Too thin: fewer samples or features with a nonzero count than ``max_rank`` (rank-k
    factors of fewer than k columns or rows are not identifiable), or fewer than
    :data:`MIN_MUTATIONS_PER_SIGNATURE` x ``max_rank`` counts in all.
    """
    values = catalog.to_numpy(dtype=np.float64)
    samples = int((values.sum(axis=0) > 0).sum())
    features = int((values.sum(axis=1) > 0).sum())
    total = float(values.sum())
    needed = MIN_MUTATIONS_PER_SIGNATURE * max_rank
    if samples < max_rank:
        return (f"only {samples} sample(s) have a mutation of this type, fewer than the "
                f"largest rank tried ({max_rank})")
    if features < max_rank:
        return (f"only {features} channel(s) hold a mutation, fewer than the largest rank "
                f"tried ({max_rank})")
    if total < needed:
        return (f"{total:.0f} mutations in the cohort, fewer than {needed} "
                f"({MIN_MUTATIONS_PER_SIGNATURE} per signature at the largest rank tried, "
                f"{max_rank})")
    return None


def skipped_chunk(k: int, reason: str) -> dict[str, np.ndarray]:
    """A replicate chunk of rank k without replicates, carrying the reason."""
    return {"replicate": np.zeros(0, np.int64), "W": np.zeros((0, 0, k)),
            "H": np.zeros((0, k, 0)), "objective": np.zeros(0), "n_iter": np.zeros(0, np.int64),
            "converged": np.zeros(0, bool), "skipped": np.array(reason)}


def skipped_cv(k: int, reason: str) -> dict[str, np.ndarray]:
    """Cross-validation arrays of rank k without folds, carrying the reason."""
    return {"k": np.array(k), "fold": np.zeros(0, np.int64), "error": np.zeros(0),
            "train": np.zeros(0), "converged": np.zeros(0, bool), "skipped": np.array(reason)}


def skipped_rank(k: int, catalog: pd.DataFrame, reason: str) -> RankResult:
    """Rank k of a skipped catalog: no signatures (a table with the catalog's features and no
    column), no exposures (no row, the catalog's samples as columns), metrics holding the
    reason."""
    signatures = pd.DataFrame(index=catalog.index, columns=pd.Index([], dtype=object),
                              dtype=np.float64)
    exposures = pd.DataFrame(index=pd.Index([], name="Signature", dtype=object),
                             columns=catalog.columns, dtype=np.float64)
    stability = pd.DataFrame({"stability": pd.Series(dtype=np.float64),
                              "spread": pd.Series(dtype=np.float64)},
                             index=pd.Index([], name="Signature", dtype=object))
    return RankResult(k, signatures, exposures, stability, {"skipped": reason})


def skip_reason(metrics: dict[str, object]) -> str | None:
    """The reason a rank's metrics (metrics.json) say it was skipped, or None."""
    reason = metrics.get("skipped")
    return str(reason) if reason is not None else None

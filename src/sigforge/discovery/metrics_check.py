"""Checks of a rank's metrics as read back from its folder (metrics.json), before the rank rule
(:func:`sigforge.discovery.pipeline.choose_rank`) reads them or rank_metrics.tsv shows them.

:func:`sigforge.discovery.pipeline.summarise_rank` writes these metrics; an edited or damaged
file could otherwise pass a NaN, an infinity or an impossible count silently into the choice of
the rank. Split from :mod:`sigforge.discovery.pipeline` to keep each module small.
"""

from __future__ import annotations

import numpy as np

#: The metrics of a rank the rank rule reads (:func:`choose_rank`), with the range each lies in:
#: stabilities are mean silhouettes, the KL divergence is a sum of nonnegative terms.
RULE_METRICS = {"mean_stability": (-1.0, 1.0), "min_stability": (-1.0, 1.0),
                "kl_divergence": (0.0, float("inf"))}


#: The other metrics :func:`summarise_rank` records, copied into rank_metrics.tsv, with their
#: ranges; each may be NaN (no gap beyond the replicates, no cophenetic correlation of one or
#: two samples), but not text, infinite or out of range.
REPORTED_METRICS = {"relative_error": (0.0, float("inf")), "mean_cosine": (-1.0, 1.0),
                    "cophenetic": (-1.0, 1.0), "gap": (-float("inf"), float("inf")),
                    "gap_sd": (0.0, float("inf")), "converged_fraction": (0.0, 1.0),
                    "median_iterations": (0.0, float("inf"))}
#: Metrics that are counts: whole numbers at least this large.
COUNT_METRICS = {"gap_clusters": 1, "replicates": 1}


def metrics_problem(metrics: dict[str, object], k: int | None = None) -> str | None:
    """What makes a rank's metrics unusable by the rank rule, or None.

    Every metric of :data:`RULE_METRICS` must be present and a finite number in its range, and
    the counts of :data:`COUNT_METRICS`, when present, whole numbers: a NaN compares False
    everywhere and a missing value is an empty cell, so either would silently change the
    chosen rank. The metrics of :data:`REPORTED_METRICS`, when present, must be numbers in
    their range or NaN (rank_metrics.tsv and the report show them). With the rank ``k``,
    ``gap_clusters`` must be at most k + 1 (:func:`gap_clusters_problem`).
    """
    for key, (low, high) in RULE_METRICS.items():
        if key not in metrics:
            return f"the key '{key}' is missing"
        problem = _number_problem(key, metrics[key], low, high)
        if problem is not None:
            return problem
    for key, (low, high) in REPORTED_METRICS.items():
        value = metrics.get(key, 0.0)
        if isinstance(value, float) and np.isnan(value):
            continue
        problem = _number_problem(key, value, low, high)
        if problem is not None:
            return problem
    return _count_problem(metrics) or (gap_clusters_problem(metrics, k) if k else None)


def gap_clusters_problem(metrics: dict[str, object], k: int) -> str | None:
    """Why a rank-k ``gap_clusters`` (a whole number, checked before) is impossible, or None.

    The gap statistic clusters the pooled components into 1 to k + 1 groups
    (:func:`sigforge.discovery.consensus.gap_statistic`) and picks one of those counts, so a
    larger value (``1e300``) is an edited file, and would make any rank gap-consistent."""
    value = metrics.get("gap_clusters")
    if not isinstance(value, int | float) or value <= k + 1:
        return None
    return (f"'gap_clusters' is {value:g}, more than k + 1 = {k + 1} (the gap statistic "
            "clusters a rank's components into at most k + 1 groups)")


def _count_problem(metrics: dict[str, object]) -> str | None:
    """Why a count of :data:`COUNT_METRICS` present in ``metrics`` is not a whole number in
    range, or None."""
    for key, low in COUNT_METRICS.items():
        if key not in metrics:
            continue
        value = metrics[key]
        problem = _number_problem(key, value, low, float("inf"))
        if problem is None and float(value) != int(value):  # type: ignore[arg-type]
            problem = f"'{key}' is {value}, not a whole number"
        if problem is not None:
            return problem
    return None


def _number_problem(key: str, value: object, low: float, high: float) -> str | None:
    """Why ``value`` (metric ``key``) is not a finite number in [low, high], or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"'{key}' is {value!r}, not a number"
    if not np.isfinite(value):
        return f"'{key}' is {value}, not a finite number"
    if not low <= value <= high:
        return f"'{key}' is {value}, outside [{low:g}, {high:g}]"
    return None

"""Rank-selection criteria and the rule that combines them.

The rule (documented here, in the README and in every run's ``rank_selection.json``):

1. A rank k is *stable* when the mean stability (silhouette) of its k consensus components is
   at least ``min_mean_stability`` and the least stable component reaches
   ``min_component_stability``. Over-split ranks fail this: bootstrap replicates split a real
   signature in different ways, so the split halves do not form tight clusters.
2. Walking up through the stable ranks, a rank is *accepted* when it lowers the KL divergence
   of the consensus fit to the original data by at least ``min_error_gain`` (a fraction)
   relative to the last accepted rank. Adding a component that explains only noise fails this.
3. The chosen rank is the largest accepted rank. When no rank is stable, the most stable
   rank is chosen and the reason says so. A rank fixed by the user overrides the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RankRule:
    """Thresholds of the rank-selection rule (see the module docstring)."""

    min_mean_stability: float = 0.8
    min_component_stability: float = 0.5
    min_error_gain: float = 0.01
    fixed_rank: int | None = None


@dataclass(frozen=True)
class RankChoice:
    """The chosen rank, with the per-k table annotated and a plain-language reason."""

    rank: int
    metrics: pd.DataFrame
    reason: str


def _accept_ranks(metrics: pd.DataFrame, rule: RankRule) -> list[int]:
    """Stable ranks, in increasing order, that pass the error-gain test."""
    accepted: list[int] = []
    for k in metrics.index[metrics["stable"]]:
        kl = metrics.at[k, "kl_divergence"]
        if not accepted:
            accepted.append(int(k))
            continue
        last = metrics.at[accepted[-1], "kl_divergence"]
        if kl <= last * (1.0 - rule.min_error_gain):
            accepted.append(int(k))
    return accepted


def select_rank(metrics: pd.DataFrame, rule: RankRule | None = None) -> RankChoice:
    """Choose the number of components from a per-k metrics table.

    Parameters
    ----------
    metrics : DataFrame
        Indexed by k; needs columns ``mean_stability``, ``min_stability``, ``kl_divergence``.
    rule : RankRule, optional
        Thresholds; defaults as in :class:`RankRule`.

    Returns
    -------
    RankChoice
        ``metrics`` gains boolean columns ``stable``, ``accepted`` and ``selected``.
    """
    rule = rule or RankRule()
    table = metrics.sort_index().copy()
    table["stable"] = (table["mean_stability"] >= rule.min_mean_stability) & (
        table["min_stability"] >= rule.min_component_stability)
    accepted = _accept_ranks(table, rule)
    table["accepted"] = table.index.isin(accepted)
    if rule.fixed_rank is not None:
        if rule.fixed_rank not in table.index:
            raise ValueError(f"fixed rank {rule.fixed_rank} was not among the ranks tried "
                             f"({', '.join(map(str, table.index))}).")
        rank, reason = rule.fixed_rank, f"k={rule.fixed_rank} was fixed in the configuration."
    elif accepted:
        rank = accepted[-1]
        reason = (f"k={rank} is the largest rank whose components are stable (mean stability "
                  f">= {rule.min_mean_stability}, every component >= "
                  f"{rule.min_component_stability}) and that lowers the KL divergence by at "
                  f"least {rule.min_error_gain:.0%} over the previous accepted rank "
                  f"(accepted: {', '.join(map(str, accepted))}).")
    else:
        rank = int(table["mean_stability"].idxmax())
        reason = (f"no rank met the stability thresholds (mean >= {rule.min_mean_stability}, "
                  f"min >= {rule.min_component_stability}); k={rank} has the highest mean "
                  "stability. Treat this choice with caution: add samples or replicates.")
    table["selected"] = table.index == rank
    return RankChoice(int(rank), table, reason)


def relative_error(observed: np.ndarray, model: np.ndarray) -> float:
    """Frobenius norm of the residual relative to the data's norm."""
    norm = float(np.linalg.norm(observed))
    return float(np.linalg.norm(observed - model)) / norm if norm > 0 else 0.0

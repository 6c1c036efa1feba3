"""Reading a discovery's rank choice for ``sigforge report``: provenance.json's chosen rank
and rule, and rank_metrics.tsv checked against it.

Shared by the reader of a mutation type's extract folder (:mod:`.report_contexts`) and by the
reader of the per-group folders of a stratified discovery (:mod:`.report_groups`), which have
the same layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.io import InputError, read_table

#: Rank-rule thresholds drawn on the rank figure, read from provenance.json's rank_rule.
THRESHOLDS = ("min_mean_stability", "min_component_stability")


def chosen_rank(provenance: dict[str, Any], path: Path) -> int:
    """The chosen rank of an extract run's provenance.json, checked with its rule ('reason').

    Each key is checked on its own, so that the message names the one that is wrong; JSON's
    ``Infinity`` or an overflowing ``1e400`` is a float, refused here like any non-integer.
    """
    rank, reason = provenance.get("chosen_rank"), provenance.get("reason")
    fix = ("give the provenance.json written by sigforge extract or select-rank (rerun that "
           "step to rebuild it).")
    if isinstance(rank, bool) or not isinstance(rank, int):
        raise InputError(f"{path}: expected 'chosen_rank' to be a whole number, got "
                         f"chosen_rank={rank!r}; {fix}")
    if not isinstance(reason, str):
        raise InputError(f"{path}: expected 'reason' to be text (why the rank was chosen), got "
                         f"reason={reason!r}; {fix}")
    return rank


def read_rank_metrics(path: Path, chosen: int) -> pd.DataFrame:
    """rank_metrics.tsv with a boolean ``selected``, checked to hold the chosen rank."""
    metrics = read_table(path)
    if "selected" not in metrics.columns:
        raise InputError(f"{path}: no column selected; give the rank_metrics.tsv written by "
                         "sigforge extract or select-rank.")
    ranks = pd.to_numeric(pd.Series(metrics.index), errors="coerce")
    if chosen not in set(ranks.dropna().astype(int)):
        raise InputError(f"{path}: no row for the chosen rank k={chosen} of provenance.json "
                         f"(ranks: {list(metrics.index)}); the two files come from different "
                         "runs. Give the folder of one run.")
    metrics["selected"] = metrics["selected"].astype(str).str.lower() == "true"
    return metrics


def rank_thresholds(provenance: dict[str, Any]) -> dict[str, float]:
    """The rank rule's stability thresholds recorded in provenance.json (drawn on the rank
    figure); empty when the rule is not recorded."""
    rule = provenance.get("rank_rule")
    return {key: float(rule[key]) for key in THRESHOLDS
            if isinstance(rule, dict) and isinstance(rule.get(key), int | float)}

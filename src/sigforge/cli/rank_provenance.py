"""What a discovery's rank choice says about itself, for the commands that write or read it:
provenance.json's caution, edge warning and rescued components (runs of older versions
included), and the warnings ``extract`` and ``select-rank`` give about the rank they chose."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sigforge.io import InputError

logger = logging.getLogger("sigforge.cli")


def rank_caution(provenance: dict[str, Any]) -> bool:
    """Whether rank selection fell back (provenance.json's ``rank_caution``).

    Runs written before the field existed said so only in the reason's words.
    """
    recorded = provenance.get("rank_caution")
    if isinstance(recorded, bool):
        return recorded
    return "with caution" in str(provenance.get("reason", ""))


def rank_rescued(provenance: dict[str, Any], path: Path) -> tuple[str, ...]:
    """The components rank rule step 6 added from larger ranks (provenance.json's
    ``rescued_components``), each as 'NAME (k = RANK)'; none for runs written before the
    field existed. A malformed entry is named in an InputError."""
    recorded = provenance.get("rescued_components", [])
    entries = recorded if isinstance(recorded, list) else [recorded]
    out = []
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        rank = entry.get("rank") if isinstance(entry, dict) else None
        if not isinstance(name, str) or isinstance(rank, bool) or not isinstance(rank, int):
            raise InputError(f"{path}: 'rescued_components' holds {entry!r}, not a component "
                             "with a 'name' and the 'rank' it was found at; give the "
                             "provenance.json written by sigforge extract or select-rank "
                             "(rerun that step to rebuild it).")
        out.append(f"{name} (k = {rank})")
    return tuple(out)


#: Share of a rank's replicates that must reach the convergence tolerance before its choice
#: is told to lack iterations.
CONVERGED_ENOUGH = 0.5


def warn_rank_choice(choice: Any) -> None:
    """Warn of what the chosen rank's numbers say against it: an edge of the ranks tried,
    and replicates that stopped at --max-iter before converging (most of them: their
    signatures may not have settled, which the stability and rank rule cannot tell)."""
    if choice.edge:
        logger.warning("%s", choice.edge)
    metrics = choice.metrics
    if "converged_fraction" not in metrics or choice.rank not in metrics.index:
        return
    converged = float(metrics.at[choice.rank, "converged_fraction"])
    if converged < CONVERGED_ENOUGH:
        logger.warning("k=%d: only %.0f%% of its replicates converged within --max-iter "
                       "(extract.max_iter); their signatures may not have settled. Raise "
                       "--max-iter, or see the converged_fraction column of rank_metrics.tsv at "
                       "each rank.", choice.rank, 100 * converged)


def rank_edge(provenance: dict[str, Any]) -> str:
    """The warning that the chosen rank is an edge of the range tried (provenance.json's
    ``rank_edge``; empty when it is not, or when the rank was fixed or not chosen).

    Runs written before the field existed get it from their recorded ranks and choice.
    """
    from sigforge.discovery.rank import range_edge

    recorded = provenance.get("rank_edge")
    if isinstance(recorded, str):
        return recorded
    rule = provenance.get("rank_rule")
    fixed = isinstance(rule, dict) and rule.get("fixed_rank") is not None
    ranks, rank = provenance.get("ranks"), provenance.get("chosen_rank")
    if fixed or not isinstance(ranks, list) or not isinstance(rank, int):
        return ""
    return range_edge(ranks, rank, lower=rank_caution(provenance))

"""Rank rule step 6: components reproduced at larger ranks join the chosen rank's signatures.

Why: the rank rule refuses a rank when any of its components is not reproduced by the
bootstrap replicates, because one unreproduced component shows that the rank splits a
signature. But one rank too many for the cohort's flat signatures can be the first at which a
rare, distinct signature separates: PCAWG melanoma stops at k = 3 (every larger rank splits
the flat clock-like signatures in ways the replicates do not agree on), while at k = 9 the
replicates reproduce SBS38 (cosine 0.98 to COSMIC) at stability 0.98. Such a component is
evidence of its own: every bootstrap replicate found it, and no chosen signature is like it.

What: walking up through the ranks above the chosen one, a component is added to the chosen
signatures when its stability is at least ``rescue_min_stability`` (0.95) and its cosine to
every signature already chosen (or added) is below ``rescue_max_cosine`` (0.9), i.e. it is
neither a chosen signature found again nor a piece of one, until there are as many signatures
as the largest rank tried (no more than the data's features or samples allow). The exposures
are then refitted to the chosen and added signatures together. Nothing is added to a rank
the user fixed, nor to a rank a fallback chose (no rank was reproducible, so nothing
vouches for a larger one's components). Measured on planted and drawn cohorts and on PCAWG
in docs/benchmarks.md, "Components reproduced at larger ranks".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from sigforge.discovery.rank import RankChoice, RankRule, RescuedComponent


def _unit_columns(values: np.ndarray) -> np.ndarray:
    """Columns scaled to unit length (all-zero columns stay zero)."""
    norms = np.linalg.norm(values, axis=0, keepdims=True)
    return values / np.where(norms > 0, norms, 1.0)


def rescue_components(choice: RankChoice, signatures: Mapping[int, pd.DataFrame],
                      stabilities: Mapping[int, pd.Series], rule: RankRule,
                      name: Callable[[int], str]) -> RankChoice:
    """``choice`` with the components of larger ranks that step 6 adds (module docstring).

    Parameters
    ----------
    choice : RankChoice
        The rule's choice (its ``dropped`` components are not among the chosen signatures).
    signatures : mapping of int to DataFrame
        Per rank, its consensus signatures (channels x components), as signatures.tsv holds
        them, so that ``extract`` and the workflow's ``select-rank`` decide alike.
    stabilities : mapping of int to Series
        Per rank, each component's stability (indexed by component name).
    rule : RankRule
        ``rescue_min_stability`` and ``rescue_max_cosine``.
    name : callable
        The name of the i-th added component (0-based), distinct from the chosen rank's.

    Returns
    -------
    RankChoice
        With ``rescued`` set and the reason extended; ``choice`` itself when nothing is added.
    """
    if rule.fixed_rank is not None or choice.caution or rule.rescue_min_stability > 1.0:
        return choice
    chosen = signatures[choice.rank].drop(columns=list(choice.dropped))
    have = _unit_columns(chosen.to_numpy(dtype=np.float64))
    rescued: list[RescuedComponent] = []
    limit = max(signatures)  # never more signatures than the largest rank tried, which the
    # data allow (no more components than features or samples): beyond it they are not
    # identifiable, and three features gave four signatures
    for k in sorted(rank for rank in signatures if rank > choice.rank):
        stability = stabilities[k]
        candidates = signatures[k]
        units = _unit_columns(candidates.to_numpy(dtype=np.float64))
        for position, component in enumerate(candidates.columns):
            if have.shape[1] >= limit:
                break
            if float(stability[component]) < rule.rescue_min_stability:
                continue
            closest = float((have.T @ units[:, position]).max()) if have.size else 0.0
            if closest >= rule.rescue_max_cosine:
                continue
            rescued.append(RescuedComponent(name(len(rescued)), int(k), str(component),
                                            float(stability[component]), closest))
            have = np.column_stack([have, units[:, position]])
    if not rescued:
        return choice
    return replace(choice, rescued=tuple(rescued),
                   reason=choice.reason + _rescued_reason(rescued, rule))


def _rescued_reason(rescued: list[RescuedComponent], rule: RankRule) -> str:
    """The sentence of the reason that names the components added from larger ranks."""
    named = ", ".join(f"{r.name} (component {r.component} of k={r.rank}, stability "
                      f"{r.stability:.2f}, cosine {r.closest:.2f} to the closest chosen "
                      "signature)" for r in rescued)
    return (f" {len(rescued)} component{'' if len(rescued) == 1 else 's'} of larger ranks "
            f"reproduced at stability >= {rule.rescue_min_stability:g} and unlike every chosen "
            f"signature (cosine < {rule.rescue_max_cosine:g}) "
            f"{'was' if len(rescued) == 1 else 'were'} added: {named}; the exposures are "
            "refitted to all the signatures.")

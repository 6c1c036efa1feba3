"""Rank-selection criteria and the rule that combines them.

The rule (documented here, in the README and in every run's ``provenance.json``):

1. A rank k is *stable* when the mean stability (silhouette) of its k consensus components is
   at least ``min_mean_stability`` and the least stable component reaches
   ``min_component_stability``. Over-split ranks fail this: bootstrap replicates split a real
   signature in different ways, so the split halves do not form tight clusters.
2. When the gap statistic was computed (column ``gap_clusters``), a stable rank must also be
   *gap-consistent*: the pooled replicate components support at least k clusters
   (``gap_clusters >= k``). Stable, gap-consistent ranks are the *candidates*.
3. With held-out cross-validation (column ``cv_error``): the chosen rank is the largest
   candidate whose CV error is not significantly worse than the lowest CV error among the
   candidates: at most :data:`CV_SE_MULTIPLE` (2) standard errors above it, the standard error
   being that of the per-fold differences to the best candidate when per-fold errors are given
   (paired: every rank is scored on the same hidden entries), else the unpaired standard
   error of the difference, ``sqrt(cv_se_k^2 + cv_se_best^2)``.
   Stability and the gap test are the evidence that a rank's components are reproducible; CV
   must show real harm to overrule them. Taking the CV minimum itself fell short on
   overdispersed cohorts with flat or low-exposure signatures: the masked fits of larger ranks
   predict a few hidden entries near zero, so their held-out errors are inflated and erratic
   (a planted nine-signature cohort with SBS3, SBS5, SBS8 and SBS40a: CV error 5.05 +- 0.48 at
   k = 7, 8.71 +- 2.08 at the planted 9, both stable), while over-split ranks are no
   candidates. No one-SE parsimony step is applied among candidates: on sparse catalogs (a few
   hundred doublets or indels) the held-out 10% holds too few counts to separate neighbouring
   ranks, and the one-SE rule then fell back to too small a rank (k = 1 for the two planted
   DBS signatures of the bundled example).
4. Without cross-validation: walking up through the candidates, a rank is *accepted* when it
   lowers the KL divergence of the consensus fit by at least ``min_error_gain`` (a fraction)
   relative to the last accepted rank; the largest accepted rank is chosen.
5. When no rank is a candidate: with cross-validation, the smallest rank whose CV error exceeds
   the lowest by at most one standard error is chosen (the one-SE rule of Breiman et al. 1984;
   with no stability to guard against over-splitting, parsimony has to). The standard error is
   that of the per-fold differences to the best rank when per-fold errors are given (every
   rank is scored on the same hidden entries, so differences are paired), else that rank's
   ``cv_se``. Held-out error is still informative when bootstrap replicates disagree, for
   example when they have not converged. Without cross-validation, the most stable rank is
   chosen. The reason says so either way, and :attr:`RankChoice.caution` (``rank_caution`` in
   ``provenance.json``) records it for the reports. A rank fixed by the user overrides the
   rule.
6. Whichever rule chose it, the largest rank tried is reported as an edge of the range: the
   rules prefer the largest candidate, so a range that stops too low shows there, and a larger
   rank might have been chosen. The smallest rank tried (when above 1) is reported only when a
   fallback chose it: the fallbacks prefer small ranks (one-SE rule), whereas rules 3 and 4
   keep a larger candidate however many smaller ranks are added. :attr:`RankChoice.edge`
   (``rank_edge`` in ``provenance.json``) says so and names the setting to widen; reports show
   it as a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: How many (paired) standard errors a candidate's CV error may exceed the best candidate's
#: and still be chosen when it is the larger rank (rule 3 of the module docstring).
CV_SE_MULTIPLE = 2.0


@dataclass(frozen=True)
class RankRule:
    """Thresholds of the rank-selection rule (see the module docstring)."""

    min_mean_stability: float = 0.8
    min_component_stability: float = 0.5
    min_error_gain: float = 0.01
    fixed_rank: int | None = None

    def __post_init__(self) -> None:
        """Reject thresholds no stability or error gain can meet (silently choosing nothing)."""
        for name in ("min_mean_stability", "min_component_stability"):
            value = getattr(self, name)
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"--{name.replace('_', '-')}: expected a silhouette between "
                                 f"-1 and 1, got {value}.")
        if not 0.0 <= self.min_error_gain < 1.0:
            raise ValueError("--min-error-gain: expected a share of the error in [0, 1), got "
                             f"{self.min_error_gain}.")
        if self.fixed_rank is not None and self.fixed_rank < 1:
            raise ValueError(f"--fixed-rank: expected a rank >= 1, got {self.fixed_rank}.")


@dataclass(frozen=True)
class RankChoice:
    """The chosen rank, with the per-k table annotated and a plain-language reason.

    ``caution`` is True when no rank met the rule (stability and gap test) and the rank came
    from a fallback: reports warn on every page, so it must not live only in ``reason``.
    ``edge`` is the warning of :func:`range_edge` (empty when the rank is inside the range).
    """

    rank: int
    metrics: pd.DataFrame
    reason: str
    caution: bool = False
    edge: str = ""


def range_edge(ranks: Sequence[int], rank: int, *, lower: bool = False) -> str:
    """A warning when ``rank`` is an edge of the ranks tried, else an empty string.

    The largest rank tried was compared with smaller ranks only: a wider range might move the
    choice past it. With ``lower`` (a fallback chose the rank) the smallest rank tried, when
    above 1, is an edge too. A range of one rank is the user's own choice and gets no warning.
    """
    tried = sorted(int(k) for k in ranks)
    if len(tried) < 2:
        return ""
    span = f"{tried[0]}-{tried[-1]}"
    if rank == tried[-1]:
        return (f"k = {rank} is the largest rank tried ({span}): more signatures may fit these "
                "data better. Raise the largest rank (extract.ranks.max, or --ranks) and "
                "rerun to see whether the choice holds.")
    if lower and rank == tried[0] and rank > 1:
        return (f"k = {rank} is the smallest rank tried ({span}): fewer signatures may fit "
                "these data better. Lower the smallest rank (extract.ranks.min, or --ranks) and "
                "rerun to see whether the choice holds.")
    return ""


def _accept_ranks(metrics: pd.DataFrame, rule: RankRule) -> list[int]:
    """Candidate ranks, in increasing order, that pass the error-gain test."""
    accepted: list[int] = []
    for k in metrics.index[metrics["candidate"]]:
        kl = metrics.at[k, "kl_divergence"]
        if not accepted:
            accepted.append(int(k))
            continue
        last = metrics.at[accepted[-1], "kl_divergence"]
        if kl <= last * (1.0 - rule.min_error_gain):
            accepted.append(int(k))
    return accepted


def _cv_tolerance(table: pd.DataFrame, best: int, folds: pd.DataFrame | None) -> pd.Series:
    """Per-rank one-SE allowance over the CV error of rank ``best``."""
    if folds is None or best not in folds.index:
        return pd.Series(float(table.at[best, "cv_se"]), index=table.index)
    shared = folds.reindex(table.index)
    differences = shared.sub(folds.loc[best], axis=1)
    counts = differences.notna().sum(axis=1)
    se = differences.std(axis=1, ddof=1) / np.sqrt(counts.where(counts > 0, 1))
    return se.fillna(0.0)


def _cv_choice(table: pd.DataFrame, candidates: list[int], folds: pd.DataFrame | None
               ) -> tuple[int, int]:
    """(chosen rank, CV-best rank) by the one-SE rule among ``candidates`` (the fallback)."""
    errors = table.loc[candidates, "cv_error"]
    best = int(errors.idxmin())
    allowance = _cv_tolerance(table, best, folds)
    within = [k for k in candidates
              if table.at[k, "cv_error"] - table.at[best, "cv_error"] <= allowance[k]]
    return min(within), best


def _largest_not_worse(table: pd.DataFrame, candidates: list[int],
                       folds: pd.DataFrame | None) -> tuple[int, int]:
    """(chosen rank, CV-best rank) of rule 3: the largest candidate whose CV error is at most
    :data:`CV_SE_MULTIPLE` standard errors above the best candidate's."""
    errors = table.loc[candidates, "cv_error"]
    best = int(errors.idxmin())
    if folds is not None and best in folds.index:
        se = _cv_tolerance(table, best, folds)
    else:  # unpaired: the standard error of a difference of two independent means
        se = np.sqrt(table["cv_se"] ** 2 + float(table.at[best, "cv_se"]) ** 2)
    within = [k for k in candidates
              if table.at[k, "cv_error"] - table.at[best, "cv_error"] <= CV_SE_MULTIPLE * se[k]]
    return max(within), best


def _mark_candidates(table: pd.DataFrame, rule: RankRule) -> pd.DataFrame:
    """Add the boolean columns ``stable``, ``gap_consistent`` and ``candidate``."""
    table["stable"] = (table["mean_stability"] >= rule.min_mean_stability) & (
        table["min_stability"] >= rule.min_component_stability)
    if "gap_clusters" in table:
        table["gap_consistent"] = table["gap_clusters"] >= table.index.to_numpy()
    else:
        table["gap_consistent"] = True
    table["candidate"] = table["stable"] & table["gap_consistent"]
    return table


def _fallback(table: pd.DataFrame, rule: RankRule, has_cv: bool,
              cv_folds: pd.DataFrame | None) -> tuple[int, str]:
    """(rank, reason) when no rank is a candidate: one-SE rule on CV error, else most stable."""
    if has_cv:
        rank, best = _cv_choice(table, [int(k) for k in table.index], cv_folds)
        return rank, (f"no rank met the stability thresholds (mean >= {rule.min_mean_stability}"
                      f", min >= {rule.min_component_stability}) and the gap test; k={rank} is "
                      f"the smallest rank within one standard error of the lowest held-out CV "
                      f"error (k={best}). Treat this choice with caution: add replicates, "
                      "iterations or samples.")
    rank = int(table["mean_stability"].idxmax())
    return rank, (f"no rank met the stability thresholds (mean >= {rule.min_mean_stability}, "
                  f"min >= {rule.min_component_stability}) and the gap test; k={rank} has the "
                  "highest mean stability. Treat this choice with caution: add samples or "
                  "replicates.")


def select_rank(metrics: pd.DataFrame, rule: RankRule | None = None,
                cv_folds: pd.DataFrame | None = None) -> RankChoice:
    """Choose the number of components from a per-k metrics table.

    Parameters
    ----------
    metrics : DataFrame
        Indexed by k; needs columns ``mean_stability``, ``min_stability``, ``kl_divergence``;
        optional ``gap_clusters`` (gap statistic) and ``cv_error``, ``cv_se`` (cross-validation).
    rule : RankRule, optional
        Thresholds; defaults as in :class:`RankRule`.
    cv_folds : DataFrame, optional
        Held-out error per rank (rows, k) and fold (columns), for paired standard errors.

    Returns
    -------
    RankChoice
        ``metrics`` gains boolean columns ``stable``, ``gap_consistent``, ``candidate``,
        ``accepted`` and ``selected``.
    """
    rule = rule or RankRule()
    table = _mark_candidates(metrics.sort_index().copy(), rule)
    candidates = [int(k) for k in table.index[table["candidate"]]]
    has_cv = "cv_error" in table and bool(table["cv_error"].notna().all())
    use_cv = has_cv and bool(candidates)
    accepted = _accept_ranks(table, rule)
    table["accepted"] = table.index.isin(accepted)
    if rule.fixed_rank is not None:
        if rule.fixed_rank not in table.index:
            raise ValueError(f"fixed rank {rule.fixed_rank} was not among the ranks tried "
                             f"({', '.join(map(str, table.index))}).")
        rank, reason = rule.fixed_rank, f"k={rule.fixed_rank} was fixed in the configuration."
    elif use_cv:
        rank, best = _largest_not_worse(table, candidates, cv_folds)
        lowest = ("it has the lowest held-out CV error among them" if rank == best else
                  f"its held-out CV error is within {CV_SE_MULTIPLE:g} standard errors of the "
                  f"lowest among them (k={best})")
        reason = (f"k={rank} is the largest candidate rank (stable: mean stability >= "
                  f"{rule.min_mean_stability}, every component >= "
                  f"{rule.min_component_stability}; gap-consistent; candidates: "
                  f"{', '.join(map(str, candidates))}) whose held-out CV error is not "
                  f"significantly worse than the best candidate's: {lowest}.")
    elif accepted:
        rank = accepted[-1]
        reason = (f"k={rank} is the largest candidate rank (stable: mean stability "
                  f">= {rule.min_mean_stability}, every component >= "
                  f"{rule.min_component_stability}; gap-consistent) that lowers the KL "
                  f"divergence by at least {rule.min_error_gain:.0%} over the previous accepted "
                  f"rank (accepted: {', '.join(map(str, accepted))}).")
    else:
        rank, reason = _fallback(table, rule, has_cv, cv_folds)
    table["selected"] = table.index == rank
    caution = rule.fixed_rank is None and not use_cv and not accepted
    edge = ("" if rule.fixed_rank is not None
            else range_edge(table.index, int(rank), lower=caution))
    return RankChoice(int(rank), table, reason, caution, edge)


def relative_error(observed: np.ndarray, model: np.ndarray) -> float:
    """Frobenius norm of the residual relative to the data's norm."""
    norm = float(np.linalg.norm(observed))
    return float(np.linalg.norm(observed - model)) / norm if norm > 0 else 0.0

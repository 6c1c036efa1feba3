"""Rank-selection criteria and the rule that combines them.

The rule (documented here, in the README and in every run's ``provenance.json``):

0. Components whose stability (silhouette) is below ``drop_below_stability`` (0.2, the
   per-component threshold of 1) are left out of each rank before the rule looks at it: their
   bootstrap replicates did not reproduce them (at a silhouette below 0 the replicates'
   versions sit closer to other components' than to each other; below 0.2 they barely
   cluster), so they are a split or a mixture, not a signature. At most
   ``max_dropped_components`` (1) are left out of a rank: one rank too many splits one
   signature, and a rank with more unreproduced components is over-split throughout, so it
   keeps them all and the tests of 1 refuse it (a flat nine-signature cohort reached k = 12
   with two left out and a spurious third kept). The tests of 1 use the *kept* components;
   the chosen rank's signatures are its kept ones and their exposures are refitted without
   the rest. -1 keeps every component (no silhouette is below -1); a rank fixed by the user
   keeps every component. Measured on planted and drawn cohorts and on PCAWG in
   docs/benchmarks.md, "Leaving out unreproduced components".
1. A rank k is *stable* when the mean stability (silhouette) of its k consensus components is
   at least ``min_mean_stability`` (0.8) and the least stable component reaches
   ``min_component_stability`` (0.2): SigProfilerExtractor's defaults (its ``stability`` and
   ``min_stability``; its third test, ``combined_stability`` >= 1.0 on their sum, always
   holds when both do). Over-split ranks fail this: bootstrap replicates split a real
   signature in different ways, so the split halves do not form tight clusters, and the
   least stable component falls below 0 (-0.1 to -0.7 one rank above the planted one on
   every planted cohort of docs/benchmarks.md). A least stable component of 0.5 was required
   before: on overdispersed cohorts drawn from real tumours, the ranks that find most of the
   planted signatures have one component (a flat or rare signature) at 0.2-0.45, and the old
   threshold left only ranks that merge signatures (docs/benchmarks.md, "Rank-rule
   thresholds").
2. When the gap statistic was computed (column ``gap_clusters``), a stable rank must also be
   *gap-consistent*: the pooled replicate components support at least k clusters
   (``gap_clusters >= k``). Stable, gap-consistent ranks are the *candidates*.
3. Walking up through the candidates, a rank is *accepted* when it lowers the KL divergence
   of the consensus fit by at least ``min_error_gain`` (a fraction) relative to the last
   accepted rank and keeps more components than it (a larger rank whose extra components were
   all left out in 0 adds no signature; its kept ones are the smaller rank's, fitted worse:
   on PCAWG breast, k = 9 kept 8 components and its SBS13 fell from cosine 0.91 at k = 8 to
   0.86); the largest accepted rank is chosen. Stability and the gap test are the
   evidence that a rank's components are reproducible, and held-out cross-validation does not
   overrule them: on overdispersed cohorts its error rises from the rank where rare or flat
   signatures start to separate (1,000 renal and ovarian tumours drawn from the PCAWG
   attributions, three draws: CV error lowest at k = 7 in each, while the stable ranks 9-11
   found 7-10 of the planted signatures against 3-4 at 6-7), and the masked fits of larger
   ranks predict a few hidden entries near zero, so their errors are inflated and erratic (a
   planted nine-signature cohort with SBS3, SBS5, SBS8 and SBS40a: 5.05 +- 0.48 at k = 7,
   8.71 +- 2.08 at the planted 9). A CV step that let a stable rank be vetoed when its error
   was more than two standard errors above the best candidate's chose the same rank on every
   planted cohort and on PCAWG, and 3-4 planted signatures where this rule finds 7-10 on the
   renal-ovarian draws (docs/benchmarks.md, "Rank-rule thresholds"). The one exception is a
   rank that is a candidate only because step 0 left a component out: its stability no
   longer vouches for all of it, so when CV was run it is accepted only if its CV error is
   at most ``VETO_SE`` (2) standard errors (of the paired per-fold differences) above the
   last accepted rank's. A three-signature cohort reached k = 5 without this (one SBS1
   piece left out, another kept at stability 0.45), its CV error 8.1 against 3.5 at k = 3.
4. When no rank is a candidate: with cross-validation, the smallest rank whose CV error exceeds
   the lowest by at most one standard error is chosen (the one-SE rule of Breiman et al. 1984;
   with no stability to guard against over-splitting, parsimony has to). The standard error is
   that of the per-fold differences to the best rank when per-fold errors are given (every
   rank is scored on the same hidden entries, so differences are paired), else that rank's
   ``cv_se``. Held-out error is still informative when bootstrap replicates disagree, for
   example when they have not converged. Without cross-validation, the most stable rank is
   chosen. The reason says so either way, and :attr:`RankChoice.caution` (``rank_caution`` in
   ``provenance.json``) records it for the reports. A rank fixed by the user overrides the
   rule.
5. Whichever rule chose it, the largest rank tried is reported as an edge of the range: the
   rules prefer the largest candidate, so a range that stops too low shows there, and a larger
   rank might have been chosen. The smallest rank tried (when above 1) is reported only when a
   fallback chose it: the fallbacks prefer small ranks (one-SE rule), whereas rule 3 keeps
   a larger candidate however many smaller ranks are added. :attr:`RankChoice.edge`
   (``rank_edge`` in ``provenance.json``) says so and names the setting to widen; reports show
   it as a warning.
6. Components of larger ranks that the bootstrap replicates reproduce (stability at least
   ``rescue_min_stability``, 0.95) and that are unlike every chosen signature (cosine below
   ``rescue_max_cosine``, 0.9) are added to the chosen signatures, and the exposures refitted
   to all of them (:mod:`sigforge.discovery.rescue`, which says why): a rare, distinct
   signature can separate only at a rank whose other components are not reproducible. Not
   for a rank fixed by the user or chosen by a fallback; a value above 1 adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RankRule:
    """Thresholds of the rank-selection rule (see the module docstring)."""

    min_mean_stability: float = 0.8
    min_component_stability: float = 0.2
    min_error_gain: float = 0.01
    fixed_rank: int | None = None
    drop_below_stability: float = 0.2
    max_dropped_components: int = 1
    rescue_min_stability: float = 0.95
    rescue_max_cosine: float = 0.9

    def __post_init__(self) -> None:
        """Reject thresholds no stability or error gain can meet (silently choosing nothing)."""
        if self.max_dropped_components < 0:
            raise ValueError("--max-dropped-components: expected a count >= 0, got "
                             f"{self.max_dropped_components}.")
        for name in ("min_mean_stability", "min_component_stability", "drop_below_stability"):
            value = getattr(self, name)
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"--{name.replace('_', '-')}: expected a silhouette between "
                                 f"-1 and 1, got {value}.")
        if not self.rescue_min_stability >= -1.0:  # NaN too: it would rescue everything
            raise ValueError("--rescue-min-stability: expected a silhouette >= -1 (above 1 adds "
                             f"no component), got {self.rescue_min_stability}.")
        if not 0.0 < self.rescue_max_cosine <= 1.0:
            raise ValueError("--rescue-max-cosine: expected a cosine in (0, 1], got "
                             f"{self.rescue_max_cosine}.")
        if not 0.0 <= self.min_error_gain < 1.0:
            raise ValueError("--min-error-gain: expected a share of the error in [0, 1), got "
                             f"{self.min_error_gain}.")
        if self.fixed_rank is not None and self.fixed_rank < 1:
            raise ValueError(f"--fixed-rank: expected a rank >= 1, got {self.fixed_rank}.")

    def describe(self) -> str:
        """The stability thresholds in words, for the reason a rank was chosen."""
        dropping = ("" if self.drop_below_stability <= -1.0 or not self.max_dropped_components
                    else f", up to {self.max_dropped_components} component"
                         f"{'' if self.max_dropped_components == 1 else 's'} below "
                         f"{self.drop_below_stability:g} left out")
        return (f"mean stability >= {self.min_mean_stability:g}, every component >= "
                f"{self.min_component_stability:g}{dropping}")


@dataclass(frozen=True)
class RescuedComponent:
    """A component of a larger rank added to the chosen signatures (rule step 6,
    :mod:`sigforge.discovery.rescue`): its name among them, the rank and name it was found
    at, its stability there and its largest cosine to the signatures chosen before it."""

    name: str
    rank: int
    component: str
    stability: float
    closest: float


@dataclass(frozen=True)
class RankChoice:
    """The chosen rank, with the per-k table annotated and a plain-language reason.

    ``caution`` is True when no rank met the rule (stability and gap test) and the rank came
    from a fallback: reports warn on every page, so it must not live only in ``reason``.
    ``edge`` is the warning of :func:`range_edge` (empty when the rank is inside the range).
    ``dropped`` names the chosen rank's components left out as unreproduced (rule step 0),
    ``rescued`` the components of larger ranks added to its signatures (rule step 6).
    """

    rank: int
    metrics: pd.DataFrame
    reason: str
    caution: bool = False
    edge: str = ""
    dropped: tuple[str, ...] = ()
    rescued: tuple[RescuedComponent, ...] = ()


def range_edge(ranks: Sequence[int], rank: int, *, lower: bool = False,
               limit: int | None = None) -> str:
    """A warning when ``rank`` is an edge of the ranks tried, else an empty string.

    The largest rank tried was compared with smaller ranks only: a wider range might move the
    choice past it. With ``lower`` (a fallback chose the rank) the smallest rank tried, when
    above 1, is an edge too. A range of one rank is the user's own choice and gets no warning,
    and so is a largest rank at ``limit``, the most components the data can hold (its
    samples or features): no wider range exists (a small group of a stratified run).
    """
    tried = sorted(int(k) for k in ranks)
    if len(tried) < 2:
        return ""
    span = _ranks_text(tried)
    if rank == tried[-1] and (limit is None or rank < limit):
        return (f"k = {rank} is the largest rank tried ({span}): more signatures may fit these "
                "data better. Raise the largest rank (extract.ranks.max, or --ranks) and "
                "rerun to see whether the choice holds.")
    if lower and rank == tried[0] and rank > 1:
        return (f"k = {rank} is the smallest rank tried ({span}): fewer signatures may fit "
                "these data better. Lower the smallest rank (extract.ranks.min, or --ranks) and "
                "rerun to see whether the choice holds.")
    return ""


def _ranks_text(tried: list[int]) -> str:
    """Sorted ranks in words: '2-4' when they run without a gap, else '2, 4' (a span would
    claim ranks that were not tried)."""
    if tried == list(range(tried[0], tried[-1] + 1)):
        return f"{tried[0]}-{tried[-1]}"
    return ", ".join(map(str, tried))


#: Standard errors by which the CV error of a rank that left a component out may exceed the
#: last accepted rank's (rule step 3).
VETO_SE = 2.0


def _accept_ranks(metrics: pd.DataFrame, rule: RankRule,
                  folds: pd.DataFrame | None = None) -> list[int]:
    """Candidate ranks, in increasing order, that pass the error-gain test (and, for a rank
    that left a component out, the CV test of rule step 3)."""
    accepted: list[int] = []
    for k in metrics.index[metrics["candidate"]]:
        kl = metrics.at[k, "kl_divergence"]
        if not accepted:
            accepted.append(int(k))
            continue
        last = accepted[-1]
        if (kl <= metrics.at[last, "kl_divergence"] * (1.0 - rule.min_error_gain)
                and metrics.at[k, "kept_components"] > metrics.at[last, "kept_components"]
                and not (metrics.at[k, "kept_components"] < k
                         and _cv_worse(metrics, int(k), last, folds))):
            accepted.append(int(k))
    return accepted


def _cv_worse(table: pd.DataFrame, k: int, last: int, folds: pd.DataFrame | None) -> bool:
    """Whether rank k's CV error exceeds rank ``last``'s by more than :data:`VETO_SE`
    standard errors: of the per-fold differences when both ranks' folds are given, else of
    the two errors combined. False without cross-validation."""
    if "cv_error" not in table or pd.isna(table.at[k, "cv_error"]) or pd.isna(
            table.at[last, "cv_error"]):
        return False
    excess = float(table.at[k, "cv_error"] - table.at[last, "cv_error"])
    if folds is not None and k in folds.index and last in folds.index:
        se = float(_cv_tolerance(table, last, folds)[k])  # paired, as the fallback's
    else:
        se = float(np.hypot(table.at[k, "cv_se"], table.at[last, "cv_se"]))
    return excess > VETO_SE * se


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


def kept_components(stability: pd.Series, rule: RankRule) -> pd.Series:
    """The stabilities of the components rule step 0 keeps: those at or above
    ``drop_below_stability``; every component when more than ``max_dropped_components`` are
    below it, or when none is above it (an over-split or wholly unreproduced rank is left for
    the stability tests to refuse, not trimmed)."""
    kept = stability[stability >= rule.drop_below_stability]
    if len(kept) and len(stability) - len(kept) <= rule.max_dropped_components:
        return kept
    return stability


def _add_kept_columns(table: pd.DataFrame, rule: RankRule,
                      stabilities: Mapping[int, pd.Series] | None) -> pd.DataFrame:
    """Add ``kept_components``, ``kept_mean_stability`` and ``kept_min_stability``: over the
    components kept at each rank, or over all of them when per-component stabilities are not
    given (the table's ``mean_stability`` and ``min_stability``)."""
    if stabilities is None:
        table["kept_components"] = table.index.to_numpy()
        table["kept_mean_stability"] = table["mean_stability"]
        table["kept_min_stability"] = table["min_stability"]
        return table
    missing = sorted(set(int(k) for k in table.index) - set(stabilities))
    if missing:
        raise ValueError(f"component stabilities are missing for ranks {missing}.")
    kept = {int(k): kept_components(stabilities[int(k)], rule) for k in table.index}
    table["kept_components"] = [len(kept[int(k)]) for k in table.index]
    table["kept_mean_stability"] = [float(kept[int(k)].mean()) for k in table.index]
    table["kept_min_stability"] = [float(kept[int(k)].min()) for k in table.index]
    return table


def _dropped(rank: int, rule: RankRule,
             stabilities: Mapping[int, pd.Series] | None) -> tuple[str, ...]:
    """Names of the components of ``rank`` that rule step 0 leaves out (none for a fixed rank
    or without per-component stabilities)."""
    if stabilities is None or rule.fixed_rank is not None:
        return ()
    stability = stabilities[rank]
    kept = kept_components(stability, rule)
    return tuple(str(name) for name in stability.index if name not in kept.index)


def _dropped_reason(rank: int, dropped: tuple[str, ...], stability: pd.Series,
                    rule: RankRule) -> str:
    """The sentence of the reason that names the components left out, or ''."""
    if not dropped:
        return ""
    named = ", ".join(f"{name} ({float(stability[name]):.2f})" for name in dropped)
    return (f" {len(dropped)} of the {rank} components of k={rank} "
            f"{'was' if len(dropped) == 1 else 'were'} left out, their stability below "
            f"{rule.drop_below_stability:g} (not reproduced by the bootstrap replicates): "
            f"{named}; the other {rank - len(dropped)} are the signatures and the exposures "
            "are refitted to them.")


def _mark_candidates(table: pd.DataFrame, rule: RankRule) -> pd.DataFrame:
    """Add the boolean columns ``stable`` (over the kept components), ``gap_consistent`` and
    ``candidate``."""
    table["stable"] = (table["kept_mean_stability"] >= rule.min_mean_stability) & (
        table["kept_min_stability"] >= rule.min_component_stability)
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
        return rank, (f"no rank met the stability thresholds ({rule.describe()}) and the "
                      f"gap test; k={rank} is "
                      f"the smallest rank within one standard error of the lowest held-out CV "
                      f"error (k={best}). Treat this choice with caution: add replicates, "
                      "iterations or samples.")
    rank = int(table["kept_mean_stability"].idxmax())
    return rank, (f"no rank met the stability thresholds ({rule.describe()}) and the gap "
                  f"test; k={rank} has the "
                  "highest mean stability. Treat this choice with caution: add samples or "
                  "replicates.")


def _check_metrics_table(metrics: pd.DataFrame) -> None:
    """Refuse a metrics table the rule cannot read: no ranks, a rank twice, or a required
    column missing (pandas failed deep inside with 'truth value of a Series is ambiguous')."""
    if metrics.empty:
        raise ValueError("metrics: expected one row per rank, got none.")
    if metrics.index.duplicated().any():
        raise ValueError(f"metrics: rank {metrics.index[metrics.index.duplicated()][0]} has "
                         "more than one row; give each rank one row.")
    missing = [c for c in ("mean_stability", "min_stability", "kl_divergence")
               if c not in metrics.columns]
    if missing:
        raise ValueError(f"metrics: no column {missing}; the rank rule needs "
                         "mean_stability, min_stability and kl_divergence per rank.")


def select_rank(metrics: pd.DataFrame, rule: RankRule | None = None,
                cv_folds: pd.DataFrame | None = None,
                stabilities: Mapping[int, pd.Series] | None = None,
                limit: int | None = None) -> RankChoice:
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
    stabilities : mapping of int to Series, optional
        Per rank, each component's stability (indexed by component name), for rule step 0.
        Without it every component is kept.
    limit : int, optional
        The most components the data can hold (min of features and samples): a chosen rank
        there is no edge of the range (:func:`range_edge`).

    Returns
    -------
    RankChoice
        ``metrics`` gains the columns ``kept_components``, ``kept_mean_stability``,
        ``kept_min_stability`` and the booleans ``stable``, ``gap_consistent``,
        ``candidate``, ``accepted`` and ``selected``.
    """
    rule = rule or RankRule()
    _check_metrics_table(metrics)
    table = _add_kept_columns(metrics.sort_index().copy(), rule, stabilities)
    table = _mark_candidates(table, rule)
    has_cv = "cv_error" in table and bool(table["cv_error"].notna().all())
    accepted = _accept_ranks(table, rule, cv_folds)
    table["accepted"] = table.index.isin(accepted)
    if rule.fixed_rank is not None:
        if rule.fixed_rank not in table.index:
            raise ValueError(f"fixed rank {rule.fixed_rank} was not among the ranks tried "
                             f"({', '.join(map(str, table.index))}).")
        rank, reason = rule.fixed_rank, f"k={rule.fixed_rank} was fixed in the configuration."
    elif accepted:
        rank = accepted[-1]
        reason = (f"k={rank} is the largest candidate rank (stable: {rule.describe()}; "
                  f"gap-consistent) that lowers the KL divergence by at "
                  f"least {rule.min_error_gain:.0%} and keeps more components than the "
                  f"previous accepted rank (accepted: {', '.join(map(str, accepted))}).")
    else:
        rank, reason = _fallback(table, rule, has_cv, cv_folds)
    table["selected"] = table.index == rank
    caution = rule.fixed_rank is None and not accepted
    edge = ("" if rule.fixed_rank is not None
            else range_edge(table.index, int(rank), lower=caution, limit=limit))
    dropped = _dropped(int(rank), rule, stabilities)
    if dropped:
        reason += _dropped_reason(int(rank), dropped, stabilities[int(rank)], rule)  # type: ignore[index]
    return RankChoice(int(rank), table, reason, caution, edge, dropped)


def relative_error(observed: np.ndarray, model: np.ndarray) -> float:
    """Frobenius norm of the residual relative to the data's norm; NaN when either holds a
    NaN or infinity (a NaN norm compared as 'not > 0' and read as a perfect fit). Data
    whose norm overflows (values near 1e200) are scaled by their largest value first."""
    observed, model = np.asarray(observed, dtype=float), np.asarray(model, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        norm = float(np.linalg.norm(observed))
        residual = float(np.linalg.norm(observed - model))
    if np.isfinite(norm) and np.isfinite(residual):
        return residual / norm if norm > 0 else 0.0
    if not (np.isfinite(observed).all() and np.isfinite(model).all()):
        return float("nan")
    scale = float(np.max(np.abs(observed)))
    return float(np.linalg.norm((observed - model) / scale)) / float(
        np.linalg.norm(observed / scale))

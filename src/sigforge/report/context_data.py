"""One mutation type's results on the cohort page (:class:`ContextResults`) and the per-sample
reconstruction quality (:func:`sample_quality`).

The cohort page shows one section per catalog (SBS96, SBS288, SBS1536, DBS78, ID83). Each is
in one of three states: ``factored`` (de novo discovery ran: ranks, signatures, exposures),
``skipped`` (discovery was skipped for the reason recorded in its provenance.json) or
``not factored`` (no discovery folder at all: the catalog alone). A refit of the catalog to
the whole reference set may accompany any of them. Orientation follows the rest of the
package: catalog (channels, samples), signatures (channels, k), exposures (k, samples).

A stratified discovery (``sigforge extract --groups``) factors each group of samples on its
own and merges the groups' signatures: its section carries the merged set as its signatures,
the merge table (``merged``) and one :class:`GroupResults` per group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sigforge._maths import cosine_similarity
from sigforge.nmf import kl_divergence

if TYPE_CHECKING:
    from sigforge.report.cohort_data import CohortData

#: The states of a mutation type's section.
FACTORED, SKIPPED, NOT_FACTORED = "factored", "skipped", "not factored"


@dataclass(frozen=True)
class RankSolution:
    """One rank k tried by discovery: its consensus signatures and its metrics.

    Attributes
    ----------
    k : int
        The number of signatures.
    signatures : pandas.DataFrame, shape (n_channels, k)
        The rank's consensus signatures (``k{k}/signatures.tsv``).
    metrics : dict of str to object
        The rank's ``k{k}/metrics.json`` (stability, errors), without ``k``.
    """

    k: int
    signatures: pd.DataFrame
    metrics: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupResults:
    """One group of a stratified discovery (``EXTRACT/{name}/groups/{group}/``).

    Attributes
    ----------
    group : str
        The group's name (its folder's name).
    n_samples : int
        Samples of the group (those factored plus those left out for having no mutation).
    skip_reason : str, default=""
        Why the group was not factored (its provenance.json's ``skipped``); empty when it was.
    chosen_rank : int, default=0
        The rank the group's rule chose.
    rank_rule, rank_caution, rank_edge
        Why that rank was chosen, whether it was a fallback, and the warning that it is an
        edge of the range tried (empty when it is not).
    thresholds : dict of str to float
        The rank rule's stability thresholds, when recorded.
    rank_metrics : pandas.DataFrame or None
        The group's ``rank_metrics.tsv`` (index = k) with a boolean ``selected`` column.
    signatures : pandas.DataFrame or None
        The group's chosen signatures (channels, k).
    rescued : tuple of str
        The components of larger ranks the rank rule added (rule step 6), as 'NAME (k = K)'.
    """

    group: str
    n_samples: int
    skip_reason: str = ""
    chosen_rank: int = 0
    rank_rule: str = ""
    rank_caution: bool = False
    rank_edge: str = ""
    thresholds: Mapping[str, float] = field(default_factory=dict)
    rank_metrics: pd.DataFrame | None = None
    signatures: pd.DataFrame | None = None
    rescued: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        """True when the group was too thin to factor."""
        return bool(self.skip_reason)


@dataclass(frozen=True)
class ContextResults:
    """Everything one mutation type's section shows; only ``name``, ``catalog`` and ``status``
    are always set.

    Attributes
    ----------
    name : str
        Channel set: ``SBS96``, ``SBS288``, ``SBS1536``, ``DBS78`` or ``ID83``.
    catalog : pandas.DataFrame, shape (n_channels, n_samples)
        The cohort's counts.
    status : str
        :data:`FACTORED`, :data:`SKIPPED` or :data:`NOT_FACTORED`.
    skip_reason : str, default=""
        Why discovery was skipped (provenance.json's ``skipped``).
    rank_metrics : pandas.DataFrame or None
        ``rank_metrics.tsv`` (index = k) with a boolean ``selected`` column.
    chosen_rank : int, default=0
        The selected k.
    rank_rule, rank_caution, rank_edge
        Why k was chosen, whether it was a fallback, and the warning that it is an edge of
        the range tried (a merged set's names its groups; empty when none is).
    thresholds : dict of str to float
        ``min_mean_stability`` and ``min_component_stability`` of the rank rule, when recorded.
    rescued : tuple of str
        The components of larger ranks the rank rule added (rule step 6), as 'NAME (k = K)'.
    solutions : tuple of RankSolution
        Every rank tried, ascending.
    signatures, stability, exposures, reconstruction, intervals, decomposition
        The chosen rank's signatures and stability, and the refit's tables, as in
        :class:`sigforge.report.cohort_data.CohortData`.
    reference : pandas.DataFrame or None
        The reference set in this channel set (SBS96 for SBS288/SBS1536, which are compared
        summed into SBS96); drives the de novo x reference heatmap and the decompositions.
    reference_matches : pandas.DataFrame or None
        Index = de novo signature; columns ``reference`` and ``cosine``. None computes them
        from ``reference`` when shown.
    reference_exposures, reference_intervals
        The catalog refitted to the whole reference set, when that refit exists.
    files : dict of str to str
        Label to path (relative to the report) of this type's TSVs.
    merged : pandas.DataFrame or None
        A stratified discovery's ``merged.tsv`` (index = merged signature; columns ``groups``,
        ``n_groups``, ``members``, ``mutations``, ``min_member_cosine``); None otherwise.
    groups : tuple of GroupResults
        Each group of a stratified discovery, in the order the merge recorded them.
    merge_min_cosine : float or None
        The cosine at or above which the groups' signatures were merged, when recorded.
    left_out_samples : tuple of str
        The samples without a mutation of this type that discovery left out (provenance's
        ``samples_without_mutations_left_out``); their exposures are zero.
    """

    name: str
    catalog: pd.DataFrame
    status: str
    skip_reason: str = ""
    rank_metrics: pd.DataFrame | None = None
    chosen_rank: int = 0
    rank_rule: str = ""
    rank_caution: bool = False
    rank_edge: str = ""
    thresholds: Mapping[str, float] = field(default_factory=dict)
    rescued: tuple[str, ...] = ()
    solutions: tuple[RankSolution, ...] = ()
    signatures: pd.DataFrame | None = None
    stability: pd.DataFrame | None = None
    exposures: pd.DataFrame | None = None
    reconstruction: pd.DataFrame | None = None
    intervals: pd.DataFrame | None = None
    decomposition: pd.DataFrame | None = None
    reference: pd.DataFrame | None = None
    reference_matches: pd.DataFrame | None = None
    reference_exposures: pd.DataFrame | None = None
    reference_intervals: pd.DataFrame | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    merged: pd.DataFrame | None = None
    groups: tuple[GroupResults, ...] = ()
    merge_min_cosine: float | None = None
    left_out_samples: tuple[str, ...] = ()

    @property
    def factored(self) -> bool:
        """True when discovery ran and produced at least one signature."""
        return (self.status == FACTORED and self.signatures is not None
                and self.signatures.shape[1] > 0)


def left_out_components(chosen_rank: int, n_signatures: int, rescued: Sequence[str]) -> int:
    """How many of the chosen rank's components rank rule step 0 left out: the rank plus the
    components added from larger ranks (step 6), less the signatures there are."""
    return max(0, chosen_rank + len(rescued) - n_signatures)


def rescued_phrase(rescued: Sequence[str]) -> str:
    """The components added from larger ranks in words ('' when none)."""
    if not rescued:
        return ""
    return (f"{len(rescued)} reproduced at larger ranks {'was' if len(rescued) == 1 else 'were'}"
            f" added: {', '.join(rescued)}")


def context_from_cohort(data: CohortData) -> ContextResults:
    """The SBS96 section of a :class:`CohortData` built without ``contexts`` (library use)."""
    return ContextResults(
        name="SBS96", catalog=data.catalog, status=FACTORED, rank_metrics=data.rank_metrics,
        chosen_rank=data.chosen_rank, rank_rule=data.rank_rule, rank_caution=data.rank_caution,
        rank_edge=data.rank_edge, signatures=data.signatures, stability=data.stability,
        exposures=data.exposures,
        reconstruction=data.reconstruction, intervals=data.intervals,
        decomposition=data.decomposition, reference=data.reference_signatures,
        reference_matches=data.reference_matches,
        reference_exposures=data.reference_exposures,
        reference_intervals=data.reference_intervals)


def sample_quality(catalog: pd.DataFrame, signatures: pd.DataFrame,
                   exposures: pd.DataFrame) -> pd.DataFrame:
    """Per-sample agreement between the catalog and its reconstruction ``signatures @ exposures``.

    Parameters
    ----------
    catalog : pandas.DataFrame, shape (n_channels, n_samples)
    signatures : pandas.DataFrame, shape (n_channels, k)
        Aligned to the catalog by channel label.
    exposures : pandas.DataFrame, shape (k, n_samples)
        Aligned by signature name and sample.

    Returns
    -------
    pandas.DataFrame
        Index = sample (catalog order); columns ``mutations`` (catalog total),
        ``reconstructed`` (reconstruction total), ``cosine``, ``l1_relative``
        (sum |catalog - reconstruction| / sum catalog; NaN for an empty sample) and
        ``kl_divergence`` (generalised KL divergence D(catalog || reconstruction), the refit's
        own measure).
    """
    samples = [str(s) for s in catalog.columns]
    observed = catalog.set_axis([str(x) for x in catalog.index], axis=0).to_numpy(np.float64)
    names = [str(n) for n in signatures.columns]
    basis = signatures.set_axis([str(x) for x in signatures.index], axis=0).loc[
        [str(x) for x in catalog.index]].to_numpy(np.float64)
    weights = exposures.set_axis([str(x) for x in exposures.index], axis=0).set_axis(
        [str(x) for x in exposures.columns], axis=1).loc[names, samples].to_numpy(np.float64)
    model = basis @ weights
    totals = observed.sum(axis=0)
    l1 = np.abs(observed - model).sum(axis=0)
    return pd.DataFrame({
        "mutations": totals,
        "reconstructed": model.sum(axis=0),
        "cosine": cosine_similarity(observed, model),
        "l1_relative": np.divide(l1, totals, out=np.full_like(l1, np.nan), where=totals > 0),
        "kl_divergence": [float(kl_divergence(observed[:, [j]], model[:, [j]]))
                          for j in range(len(samples))],
    }, index=pd.Index(samples, name="sample"))


def dominant_signature(exposures: pd.DataFrame) -> pd.Series:
    """Per sample (column), the signature with the largest exposure ('' for an empty sample)."""
    frame = exposures.astype(float)
    best = frame.idxmax(axis=0).astype(str)
    return best.where(frame.sum(axis=0) > 0, "")


def unreproduced_aetiology(name: str, stability: pd.DataFrame | None,
                           least: float | None) -> str | None:
    """The aetiology cell of a de novo signature whose bootstrap stability lies below the
    rank rule's least (a fallback rank keeps such components): no aetiology is stated for
    what the replicates did not reproduce. None for a signature at or above it, or when
    either is not recorded. The cohort report and the patient pages share it."""
    if least is None or stability is None or name not in stability.index \
            or "stability" not in stability.columns:
        return None
    value = float(stability.at[name, "stability"])
    if not value < float(least):  # NaN (merged signatures, a per-patient refit): recorded none
        return None
    return (f"none stated: stability {value:.2f} is below the rule's {float(least):g}, so "
            "the bootstrap did not reproduce it")

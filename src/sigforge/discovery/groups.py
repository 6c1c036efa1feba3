"""Stratified discovery: factor each group of samples on its own, then merge the signatures.

Cohort reruns are stratified the way COSMIC was built (Alexandrov et al. 2020, Nature 578:94,
"Methods: extraction per cancer type"): each tumour type is factored on its own, so a process
active in a few samples of one type stands out within that type instead of being drowned by
the pooled cohort's dominant processes, and the per-type signatures are then merged into one
set that all samples are refitted to.

- :func:`split_groups` cuts a matrix into one matrix per group (any grouping; the samples sheet
  of the workflow calls the column ``group``).
- :func:`group_ranks` caps the ranks tried in a group at its number of samples.
- :func:`merge_group_signatures` clusters the groups' chosen signatures: near-duplicates
  (cosine >= ``min_cosine`` between *every* pair, complete linkage) found in different groups
  become one signature, the mean of the members weighted by the mutations each group
  attributes to them. Two signatures of one group are never merged: the group's rank rule
  already judged them distinct.

Generic: any nonnegative features x samples matrix; nothing of mutations is assumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sigforge._maths import unit_vectors

#: Default merge threshold: two groups' signatures with a cosine similarity of at least this
#: value are one process. 0.9 is the figure the field uses to call an extracted signature
#: a match to a known one (SigProfilerExtractor's decomposition, Islam et al. 2022); the same
#: process extracted from two cohorts of a few hundred genomes typically agrees at 0.95-0.99.
DEFAULT_MERGE_COSINE = 0.9

#: Name of the per-group folder inside an extraction's output folder (``OUT/groups/GROUP``),
#: shared by ``extract --groups`` and the workflow.
GROUPS_FOLDER = "groups"
#: The merge table (which groups and group signatures each merged signature came from); its
#: presence marks an extraction folder as a stratified one.
MERGED_TABLE = "merged.tsv"
#: Files the merge of the groups writes into the extraction's folder.
MERGED_FILES = ("signatures.tsv", "exposures.tsv", "stability.tsv", MERGED_TABLE,
                "provenance.json")


@dataclass(frozen=True)
class GroupSignatures:
    """One group's chosen signatures and the mutations (sum of exposures) it gives each.

    ``signatures`` is features x k (columns named), ``mutations`` has one value per column.
    A group whose discovery was skipped has k = 0.
    """

    group: str
    signatures: pd.DataFrame
    mutations: pd.Series


@dataclass(frozen=True)
class MergedSignatures:
    """The merged set: ``signatures`` (features x n, unit-sum columns) and ``members``: one row
    per merged signature with its groups, member signatures (``group:name``), the mutations
    the groups attribute to it, and the lowest cosine of a member to the merged signature."""

    signatures: pd.DataFrame
    members: pd.DataFrame


def split_groups(matrix: pd.DataFrame, groups: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """One matrix per group: its samples' columns, in the matrix's order; groups in the order
    of their first sample in the matrix.

    Raises ValueError naming the samples of ``matrix`` without a group, and those of
    ``groups`` absent from ``matrix`` (a typo in either would silently move samples).
    """
    columns = [str(c) for c in matrix.columns]
    without = [c for c in columns if c not in groups]
    absent = [s for s in groups if s not in set(columns)]
    if without:
        raise ValueError(f"{len(without)} sample(s) have no group: {without[:5]}; give every "
                         f"sample a group.{near_names(without[:5], groups)}")
    if absent:
        hashed = (" (a line starting with '#' below the header is a row, not a comment: "
                  "delete the line to leave its sample out)"
                  if any(s.startswith("#") for s in absent[:5]) else "")
        raise ValueError(f"{len(absent)} grouped sample(s) are not in the matrix: {absent[:5]}; "
                         f"remove them from the groups or check the sample names{hashed}.")
    order = list(dict.fromkeys(groups[c] for c in columns))
    return {g: matrix.loc[:, [c for c in columns if groups[c] == g]] for g in order}


def near_names(names: Sequence[str], other: Iterable[str], holder: str = "The groups") -> str:
    """A note naming a name of ``other`` that prints like one of ``names`` (another Unicode
    form, or another case: :func:`~sigforge._validation.spelled_alike`), which ``holder``
    (the groups, or the matrix) then holds under that spelling; empty if none."""
    from sigforge._validation import spelled_alike

    spellings = list(other)
    for name in names:
        found = spelled_alike(name, spellings)
        if found is not None:
            near, how = found
            return (f" {holder} hold{'s' if holder != 'The groups' else ''} {ascii(near)}, "
                    f"which is {ascii(name)} {how}: spell it as the catalog does.")
    return ""


def group_ranks(ranks: Sequence[int], n_samples: int, n_features: int) -> list[int]:
    """The ranks tried in a group: those of ``ranks`` its matrix can hold (no more components
    than samples or features). When none can, the smallest rank alone: the group is then too
    thin to factor at it, and its discovery writes a skipped result saying so
    (:func:`sigforge.discovery.skip.factor_problem`), as for any thin catalog."""
    limit = min(n_samples, n_features)
    return [k for k in ranks if k <= limit] or [min(ranks)]


def _cosine_distances(units: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Condensed cosine distances between unit columns; 2 (the largest possible) between two
    signatures of the same group, so that complete linkage never joins them."""
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - units.T @ units, 0.0, 2.0)
    distance[owner[:, None] == owner[None, :]] = 2.0
    np.fill_diagonal(distance, 0.0)
    return squareform(distance, checks=False)


def _clusters(units: np.ndarray, owner: np.ndarray, min_cosine: float) -> np.ndarray:
    """Cluster label of each column: complete linkage on cosine distance, cut so that every
    pair inside a cluster has a cosine of at least ``min_cosine``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if units.shape[1] == 1:
        return np.ones(1, dtype=np.int64)
    tree = linkage(_cosine_distances(units, owner), method="complete")
    return fcluster(tree, t=1.0 - min_cosine, criterion="distance").astype(np.int64)


def merge_group_signatures(groups: Sequence[GroupSignatures], *, prefix: str,
                           min_cosine: float = DEFAULT_MERGE_COSINE) -> MergedSignatures:
    """Merge the groups' signatures into one set (module docstring).

    Merged signatures are ordered by the mutations attributed to them (most first; ties by
    their first member in the groups' order) and named like consensus signatures
    (``prefix`` + A, B, ...). The result depends only on the inputs, never on chance.

    Rows are aligned by label to the first group with signatures (any row order).

    Raises ValueError when the groups' feature labels differ, a signature holds a value that
    is not a finite number >= 0 or has no weight at all, ``min_cosine`` is outside (0, 1], or
    no group has a signature.
    """
    if not 0.0 < min_cosine <= 1.0:
        raise ValueError(f"min_cosine must be in (0, 1], got {min_cosine}.")
    found = _aligned([g for g in groups if g.signatures.shape[1] > 0])
    if not found:
        raise ValueError("no group has a signature to merge (every group was skipped).")
    index = found[0].signatures.index
    for g in found:
        _check_weights(g)
        _check_member_names(g)
    values = np.hstack([g.signatures.to_numpy(dtype=np.float64) for g in found])
    units = unit_vectors(values)
    owner = np.concatenate([np.full(g.signatures.shape[1], i) for i, g in enumerate(found)])
    weights = np.concatenate([g.mutations.to_numpy(dtype=np.float64) for g in found])
    names = [f"{g.group}:{name}" for g in found for name in g.signatures.columns]
    labels = _clusters(units, owner, min_cosine)
    return _assemble(values, units, weights, labels, names, found, index, prefix)


def _aligned(found: list[GroupSignatures]) -> list[GroupSignatures]:
    """The groups' signatures with rows in the first group's order (aligned by label: a table
    whose rows were only reordered is the same signature); ValueError naming the group whose
    labels are others."""
    if not found:
        return found
    index = found[0].signatures.index
    aligned = [found[0]]
    for g in found[1:]:
        if not g.signatures.index.equals(index):
            if set(g.signatures.index) != set(index) or g.signatures.index.has_duplicates:
                raise ValueError(f"group {g.group!r} has other features than group "
                                 f"{found[0].group!r}; factor every group on the same "
                                 "features.")
            g = GroupSignatures(g.group, g.signatures.reindex(index), g.mutations)
        aligned.append(g)
    return aligned


def _check_weights(group: GroupSignatures) -> None:
    """ValueError naming the group and signature when a signature holds a value that is not a
    finite number >= 0, or sums to 0 (no direction: its cosine to anything is undefined), and
    when a mutation count is not a finite number >= 0."""
    values = group.signatures.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"group {group.group!r}: signature '{group.signatures.columns[col]}' "
                         f"holds {values[row, col]} at '{group.signatures.index[row]}'; "
                         "expected finite weights >= 0.")
    empty = ~(values.sum(axis=0) > 0)
    if empty.any():
        raise ValueError(f"group {group.group!r}: signature "
                         f"'{group.signatures.columns[np.flatnonzero(empty)[0]]}' is all zero.")
    mutations = group.mutations.to_numpy(dtype=np.float64)
    if not (np.isfinite(mutations) & (mutations >= 0)).all():
        raise ValueError(f"group {group.group!r}: the mutations attributed to its signatures "
                         f"must be finite numbers >= 0, got {mutations.tolist()}.")


def _check_member_names(group: GroupSignatures) -> None:
    """ValueError naming a signature whose name holds a comma: the member table lists members
    as ``group:signature`` joined by commas, and the report would split it there."""
    comma = next((str(name) for name in group.signatures.columns if "," in str(name)), None)
    if comma is not None:
        raise ValueError(f"group {group.group!r}: signature {comma!r} holds a comma, which "
                         "separates the members of merged.tsv; name the signatures without "
                         "one (--catalog-name, or a catalog file name without a comma).")


def _assemble(values: np.ndarray, units: np.ndarray, weights: np.ndarray, labels: np.ndarray,
              names: list[str], found: Sequence[GroupSignatures], index: pd.Index,
              prefix: str) -> MergedSignatures:
    """The merged signatures and their member table, from the cluster labels."""
    from sigforge.discovery.pipeline import component_names

    sums = values.sum(axis=0)
    shares = np.divide(values, sums, out=np.zeros_like(values), where=sums > 0)
    rows = []
    for label in dict.fromkeys(labels.tolist()):  # first-member order
        members = np.flatnonzero(labels == label)
        w = weights[members]
        w = w if w.sum() > 0 else np.ones_like(w)
        merged = shares[:, members] @ (w / w.sum())
        merged /= merged.sum()
        cosines = unit_vectors(merged[:, None]).ravel() @ units[:, members]
        rows.append((merged, members, float(weights[members].sum()), float(cosines.min())))
    rows.sort(key=lambda row: (-row[2], int(row[1][0])))
    labels_out = component_names(prefix, len(rows))
    signatures = pd.DataFrame(np.column_stack([r[0] for r in rows]), index=index,
                              columns=labels_out)
    group_of = [g.group for g in found for _ in range(g.signatures.shape[1])]
    members = pd.DataFrame({
        "groups": [",".join(dict.fromkeys(group_of[i] for i in r[1])) for r in rows],
        "n_groups": [len(set(group_of[i] for i in r[1])) for r in rows],
        "members": [",".join(names[i] for i in r[1]) for r in rows],
        "mutations": [r[2] for r in rows],
        "min_member_cosine": [r[3] for r in rows],
    }, index=pd.Index(labels_out, name="Signature"))
    return MergedSignatures(signatures, members)

"""Checks of the finished group extractions ``merge-groups`` (and ``extract --groups``) merges:
each group's tables agree with each other, the groups come from one catalog split (features,
samples), and that catalog is the one given, counts included (:func:`check_group_digests`);
the groups in the catalog's order (:func:`in_catalog_order`).

Split from :mod:`sigforge.cli.groups` so that the command module holds the commands.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from sigforge.cli._common import catalog_name, listed
from sigforge.discovery.groups import GroupSignatures
from sigforge.io import InputError, Matrix


class GroupRun(NamedTuple):
    """One finished group extraction as ``merge-groups`` reads it: its folder, its chosen
    signatures (with the catalog's channel set), its provenance facts and every sample of the
    group (its exposures' columns and the samples --drop-empty left out), and of those the
    samples factored, in the order of the group's catalog."""

    folder: Path
    found: GroupSignatures
    channel_set: str | None
    facts: dict[str, Any]
    samples: list[str]
    factored: tuple[str, ...] = ()  # the samples factored (exposures' columns), in order


def group_fix(folder: Path) -> str:
    """How to repair a damaged file of a group's extraction: sigforge wrote it, so rewrite it."""
    return (f"The file is part of group '{folder.name}'s extraction ({folder}), written by "
            "sigforge: rather than editing it, rerun that group's select-rank (or extract "
            "--groups) to write it again.")


def check_group_tables(folder: Path, signatures: pd.DataFrame, exposures: pd.DataFrame) -> None:
    """Refuse an all-zero signature (no direction to merge by) and exposures whose rows are not
    the signatures' columns (files of different runs), naming the file and the fix."""
    empty = [str(c) for c in signatures.columns[~(signatures.sum(axis=0) > 0)]]
    if empty:
        raise InputError(f"{folder / 'signatures.tsv'}: column '{empty[0]}' is all zero (a "
                         f"signature without any weight). {group_fix(folder)}")
    rows, columns = [str(r) for r in exposures.index], [str(c) for c in signatures.columns]
    if sorted(rows) != sorted(columns):
        raise InputError(f"{folder / 'exposures.tsv'}: its rows {rows[:6]} are not the "
                         f"signatures {columns[:6]} of {folder / 'signatures.tsv'} (files of "
                         f"different runs?). {group_fix(folder)}")


def aligned_features(runs: list[GroupRun]) -> list[GroupSignatures]:
    """The groups' signatures, rows aligned by label to the first group with signatures; a
    group whose features are others (another channel set) is refused naming both files."""
    found = [run for run in runs if run.found.signatures.shape[1] > 0]
    if not found:
        return [run.found for run in runs]
    first = found[0]
    index = first.found.signatures.index
    aligned = []
    for run in runs:
        signatures = run.found.signatures
        if signatures.shape[1] > 0 and set(signatures.index) != set(index):
            raise InputError(
                f"{run.folder / 'signatures.tsv'}: its features ({_features_text(run)}) "
                f"differ from those of {first.folder / 'signatures.tsv'} "
                f"({_features_text(first)}), so group '{run.found.group}' was factored from "
                "another catalog. Give --group-dirs the groups of one catalog split (or "
                "rerun that group's extraction on its part of this catalog).")
        if signatures.shape[1] > 0:
            signatures = signatures.reindex(index)
        aligned.append(GroupSignatures(run.found.group, signatures, run.found.mutations))
    return aligned


def _features_text(run: GroupRun) -> str:
    """A group's features in a few words: its channel set, or how many labels, and the first."""
    labels = [str(label) for label in run.found.signatures.index]
    kind = run.channel_set or "generic"
    return f"{kind}, {len(labels)} rows starting '{labels[0] if labels else ''}'"


def check_samples(catalog: Matrix, runs: list[GroupRun]) -> None:
    """Refuse a catalog whose samples are not exactly the groups' (every sample in one group):
    a sample in no group would be refitted to signatures no group found in it, a grouped sample
    missing from the catalog means the groups were split from another catalog."""
    owner: dict[str, Path] = {}
    for run in runs:
        for sample in run.samples:
            if sample in owner:
                raise InputError(f"--group-dirs: sample '{sample}' is in both {owner[sample]} "
                                 f"and {run.folder} (groups of different splits?); give the "
                                 "folders of one split, one per group.")
            owner[sample] = run.folder
    columns = [str(c) for c in catalog.data.columns]
    extra = [c for c in columns if c not in owner]
    absent = [s for s in owner if s not in set(columns)]
    if extra:
        raise InputError(f"{catalog.path}: {len(extra)} sample(s) are in no group of "
                         f"--group-dirs: {listed(extra)}. Give the catalog the groups were split "
                         "from, and a folder for every group of it.")
    if absent:
        raise InputError(f"{catalog.path}: {len(absent)} sample(s) of the groups are not in the "
                         f"catalog: {listed(absent)} (of {owner[absent[0]]}). Give the catalog the "
                         "groups were split from.")


def check_group_digests(catalog: Matrix, runs: list[GroupRun]) -> None:
    """Refuse a catalog whose counts differ from those a group was factored from (the same
    samples and channels, recounted or edited), naming the group folder and the catalog: its
    part of the catalog must have the :func:`~sigforge.cli._run_files.catalog_digest` the
    group recorded (:func:`recorded_group_digest`). Groups that record none (skipped, or of
    an older version) are not checked."""
    for run in runs:
        recorded = recorded_group_digest(run)
        features = run.found.signatures.index
        if recorded is None or not run.factored or not set(features) <= set(catalog.data.index):
            continue  # a catalog of other features is refused with the merged signatures
        if recorded not in _part_digests(catalog, features, list(run.factored)):
            raise InputError(
                f"{catalog.path}: has the samples and features group '{run.found.group}' "
                f"({run.folder}) was factored from, but other counts (a recounted or edited "
                "catalog: the catalog digest the group recorded differs). Give the catalog the "
                "groups were split from, or rerun the groups' discovery on this one.")


def _part_digests(catalog: Matrix, features: pd.Index, samples: list[str]) -> set[str]:
    """The digests of a group's part of the catalog with its rows in the catalog's order and
    in the group signatures' (the group's catalog had one of them; a digest is of the labels
    in order, and a group table with its rows reordered is still read)."""
    from sigforge.cli._run_files import catalog_digest

    wanted = set(features)
    orders = ([label for label in catalog.data.index if label in wanted], list(features))
    return {catalog_digest(catalog.data.loc[rows, samples]) for rows in orders}


def recorded_group_digest(run: GroupRun) -> str | None:
    """The digest of the catalog a group was factored from: as its chosen rank folder's
    metrics.json records it (the group folders of extract --groups and of the workflow hold
    their rank folders), else as its provenance.json records it (select-rank writes it,
    wherever the rank folders are); None when neither does (skipped, older versions)."""
    from sigforge.cli._run_files import DIGEST_KEY, rank_dir_digest

    rank_dir = run.folder / f"k{run.facts.get('chosen_rank')}"
    if (rank_dir / "metrics.json").is_file():
        with contextlib.suppress(InputError):  # a damaged rank folder: not this command's input
            recorded = rank_dir_digest(rank_dir)
            if recorded is not None:
                return recorded
    recorded = run.facts.get(DIGEST_KEY)
    return recorded if isinstance(recorded, str) else None


def in_catalog_order(runs: list[GroupRun], catalog: Matrix) -> list[GroupRun]:
    """The groups in the order of their first sample in the catalog (every sample checked to
    be in it), the order in which ``extract --groups`` splits and merges them: the merge and
    its provenance.json then do not depend on the order --group-dirs names the folders in."""
    position = {str(sample): i for i, sample in enumerate(catalog.data.columns)}
    return sorted(runs, key=lambda run: min((position[s] for s in run.samples if s in position),
                                            default=len(position)))


def check_member_prefix(args: argparse.Namespace) -> None:
    """Refuse a signature-name prefix (--catalog-name, else the catalog's file stem) holding
    a comma before any work: merged.tsv joins its members' names with commas."""
    name = catalog_name(args)
    if "," in name:
        given = ("--catalog-name" if args.catalog_name
                 else f"the catalog file's stem ({args.catalog})")
        raise InputError(f"{given}: {name!r} names the signatures and holds a comma, which "
                         "separates the members of merged.tsv, so the report would split "
                         "each name there. Give --catalog-name without a comma.")

"""Stratified discovery on the command line: ``split-groups``, ``merge-groups`` and the
``--groups`` mode of ``extract``.

A groups file (TSV, or CSV by its ``.csv`` suffix) has the columns ``sample`` (or
``sample_id``, so that the workflow's samples sheet serves as one) and ``group``, one row per
sample of the catalog; other columns are ignored. Every group is factored on its own, into
``OUT/groups/GROUP/`` (the layout of a plain ``extract``: ``k*/``, ``signatures.tsv``,
``rank_metrics.tsv``, ``provenance.json``); ``merge-groups`` then merges the groups' chosen
signatures (:mod:`sigforge.discovery.groups`) into ``OUT/signatures.tsv`` and refits every
sample to them (``OUT/exposures.tsv``). ``OUT/merged.tsv`` says which groups and group
signatures each merged signature came from. The workflow runs the same steps as jobs
(``split-groups``, the per-rank commands on each group's catalog, ``select-rank`` per group,
``merge-groups``), so both paths write the same bits.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sigforge
from sigforge.cli._common import (
    add_command,
    add_drop_empty,
    add_generic,
    add_seed,
    catalog_name,
    cosine_type,
    read_table_matrix,
    split_empty,
)
from sigforge.cli.discovery_options import catalog_name_type
from sigforge.cli.discovery_settings import unset_defaults
from sigforge.cli.groups_checks import (
    GroupRun,
    aligned_features,
    check_group_digests,
    check_group_tables,
    check_member_prefix,
    check_samples,
    group_fix,
    in_catalog_order,
)
from sigforge.cli.groups_file import earlier_groups, read_groups, split_catalog
from sigforge.cli.outputs import discard_other_extract_outputs
from sigforge.cli.rank_provenance import rank_edge
from sigforge.discovery.groups import (
    DEFAULT_MERGE_COSINE,
    GROUPS_FOLDER,
    MERGED_TABLE,
    GroupSignatures,
    group_ranks,
    merge_group_signatures,
)
from sigforge.io import (
    InputError,
    Matrix,
    discard_output,
    protected_label,
    read_json,
    read_matrix,
    write_json,
    write_matrix,
    write_table,
)

logger = logging.getLogger(__name__)


#: The list of groups split-groups wrote into its --out, read back by its next run there
#: (hidden, and no group name starts with a dot, so it never clashes with a group catalog).
SPLIT_MANIFEST = ".groups_written.tsv"


def _check_split_outputs(out: Path, parts: dict[str, pd.DataFrame]) -> None:
    """Before any write, refuse a group catalog that would replace one of the command's input
    files (``--catalog X/A.tsv`` split into X with a group A), naming both and the fix."""
    for group in parts:
        path = out / f"{group}.tsv"
        label = protected_label(path)
        if label is not None:
            raise InputError(f"--out {out}: the catalog of group '{group}' ({path}) would "
                             f"overwrite the input {label}; split-groups never replaces a "
                             "file it reads. Move the input out of --out, rename the group, "
                             "or choose another --out.")


def _remove_stale_groups(out: Path, stale: list[str], groups_path: str) -> None:
    """Remove the catalogs of an earlier split's groups that this split has not: through
    :func:`discard_output` (put back if the command fails), and never a file the command reads
    (the catalog being split, the groups file: kept, with a warning saying why) nor a
    symbolic link."""
    for group in stale:
        path = out / f"{group}.tsv"
        label = protected_label(path)
        if label is not None:
            logger.warning("kept %s, though it is named like the catalog of group '%s' of an "
                           "earlier split (not in %s): it is the input %s, and split-groups "
                           "never deletes a file it reads.", path, group, groups_path, label)
        elif discard_output(path):
            logger.info("removed %s: a group of an earlier split, not in %s", path, groups_path)


def split_groups_command(args: argparse.Namespace) -> None:
    """``sigforge split-groups``: write one catalog per group, ``OUT/GROUP.tsv``."""
    matrix = read_table_matrix(args.catalog, generic=args.generic)
    parts = split_catalog(matrix, read_groups(args.groups), args.catalog)
    out = Path(args.out)
    _check_split_outputs(out, parts)
    earlier = earlier_groups(out / SPLIT_MANIFEST, out)
    for group, part in parts.items():
        write_matrix(part, out / f"{group}.tsv", exact=True)
    write_table(pd.DataFrame({"samples": [p.shape[1] for p in parts.values()]},
                             index=pd.Index(list(parts), name="group")), out / SPLIT_MANIFEST)
    _remove_stale_groups(out, sorted(set(earlier) - set(parts)), args.groups)
    logger.info("%d group(s): %s", len(parts),
                ", ".join(f"{g} ({p.shape[1]})" for g, p in parts.items()))


def _read_group_table(path: Path, read: Callable[[Path], Matrix]) -> Matrix:
    """A table of a group's extraction, every cell checked; a bad cell is named by the reader
    (file, line, column) and the message ends with the fix for a file sigforge wrote."""
    try:
        return read(path)
    except InputError as err:
        raise InputError(f"{err} {group_fix(path.parent)}") from err


def _read_group(folder: Path, generic: bool) -> GroupRun:
    """A group's chosen signatures and attributed mutations, its provenance facts and samples.

    Signatures and exposures are read as any matrix is (finite, nonnegative numbers; the rows
    of a known channel set in its standard order, so a reordered table aligns by label); a
    signature without weight, or exposures of other signatures, is refused naming the file."""
    missing = [name for name in ("provenance.json", "signatures.tsv", "exposures.tsv")
               if not (folder / name).exists()]
    if missing:
        raise InputError(f"{folder}: not a finished group extraction ({', '.join(missing)} not "
                         "found); run its select-rank (or extract --groups) first.")
    try:
        facts = read_json(folder / "provenance.json")
    except (OSError, ValueError) as err:
        raise InputError(f"{folder}: not a finished group extraction ({err}); run its "
                         "select-rank (or extract --groups) first.") from err
    _check_recorded_group(folder, facts)
    if facts.get("skipped") is not None:
        return _read_skipped_group(folder, facts)
    signatures = _read_group_table(folder / "signatures.tsv",
                                   lambda path: read_table_matrix(path, generic=generic))
    exposures = _read_group_table(folder / "exposures.tsv", read_matrix)
    check_group_tables(folder, signatures.data, exposures.data)
    mutations = exposures.data.sum(axis=1).reindex(signatures.data.columns)
    factored = tuple(str(c) for c in exposures.data.columns)
    return GroupRun(folder, GroupSignatures(group_name(folder), signatures.data, mutations),
                    signatures.channel_set, facts, [*factored, *_left_out_of(facts)], factored)


def _check_recorded_group(folder: Path, facts: dict[str, Any]) -> None:
    """Refuse a group folder renamed (or swapped with another) after its run: the merge names
    each group after its folder, so group A's signatures in a folder named B would be
    credited to B. Runs that recorded no group are taken by their folder's name."""
    if "groups" in facts or (folder / MERGED_TABLE).exists():
        raise InputError(f"{folder}: a merged stratified extraction (its provenance.json "
                         "lists groups; merged.tsv), not one group's: merging it again would "
                         "take the merged set for a group named after the folder. Give its "
                         f"group folders instead ({folder / 'groups'}/GROUP).")
    recorded = facts.get("group")
    if isinstance(recorded, str) and recorded != group_name(folder):
        raise InputError(f"{folder}: its provenance.json records the group '{recorded}', but "
                         f"the folder is named '{group_name(folder)}', and merge-groups names "
                         "each group after its folder. Rename the folder back to "
                         f"'{recorded}' (or rerun that group's extraction into a folder "
                         "named after its group).")


def _read_skipped_group(folder: Path, facts: dict[str, Any]) -> GroupRun:
    """A group too thin to factor (provenance.json says why): no signature; its samples are
    the columns of its (empty) exposures table."""
    from sigforge.cli._run_files import read_empty_table, read_intermediate

    exposures = read_intermediate(folder / "exposures.tsv", read_empty_table, "group table")
    none = pd.DataFrame(index=pd.Index([], name="MutationType", dtype=object),
                        columns=pd.Index([], dtype=object), dtype=np.float64)
    return GroupRun(folder, GroupSignatures(group_name(folder), none,
                                            pd.Series(dtype=np.float64)),
                    None, facts, list(dict.fromkeys(  # its exposures may list those too
                        [str(c) for c in exposures.columns] + _left_out_of(facts))))


def _left_out_of(facts: dict[str, Any]) -> list[str]:
    """The samples a group's run left out for having no mutations (provenance.json)."""
    left_out = facts.get("samples_without_mutations_left_out") or []
    return [str(s) for s in left_out] if isinstance(left_out, list) else []


def _check_samples_and_counts(catalog: Matrix, runs: list[GroupRun]) -> None:
    """The catalog holds exactly the groups' samples (:func:`check_samples`) with the counts
    each group was factored from (:func:`check_group_digests`)."""
    check_samples(catalog, runs)
    check_group_digests(catalog, runs)


def _group_summary(folder: Path, found: GroupSignatures, facts: dict[str, Any]) -> dict[str, Any]:
    """What provenance.json of the merge says of one group."""
    return {"chosen_rank": facts.get("chosen_rank"), "signatures": int(found.signatures.shape[1]),
            "skipped": facts.get("skipped"), "ranks": facts.get("ranks"),
            "rank_edge": rank_edge(facts),
            "samples_without_mutations_left_out": facts.get(
                "samples_without_mutations_left_out", [])}


def _merged_edge(groups: dict[str, dict[str, Any]]) -> str:
    """The merged set's edge warning: every group whose chosen rank is an edge of its range
    (the merged set has no rank of its own, so its warning is its groups')."""
    return " ".join(f"Group {name}: {summary['rank_edge']}" for name, summary in groups.items()
                    if summary["rank_edge"])


def _write_all_skipped(runs: list[GroupRun], catalog: Matrix, out: Path,
                       facts: dict[str, Any]) -> None:
    """The cohort's files when every group was too thin to factor: no signature, each
    group's reason, as an ungrouped catalog too thin to factor is written (the run goes on;
    its refits list zeros)."""
    from sigforge.discovery.skip import skipped_rank

    reason = "every group was too thin to factor: " + "; ".join(
        f"{run.found.group}: {run.facts.get('skipped')}" for run in runs)
    empty = skipped_rank(1, catalog.data, reason)
    write_matrix(empty.signatures, out / "signatures.tsv")
    write_matrix(empty.exposures, out / "exposures.tsv", label="Signature")
    write_table(empty.stability, out / "stability.tsv")
    write_table(pd.DataFrame(columns=["groups", "n_groups", "members", "mutations",
                                      "min_member_cosine"],
                             index=pd.Index([], name="Signature")), out / MERGED_TABLE)
    write_json({"sigforge": sigforge.__version__, "python": platform.python_version(),
                "numpy": np.__version__, "chosen_rank": None, "reason": f"not factored: "
                f"{reason}", "rank_caution": False, "rank_edge": "", "skipped": reason,
                "groups": {run.found.group: _group_summary(run.folder, run.found, run.facts)
                           for run in runs}, **facts}, out / "provenance.json")
    logger.warning("%s", reason)


def merge_group_dirs(folders: list[Path], catalog: Matrix, *, name: str, min_cosine: float,
                     drop_empty: bool, out: Path, facts: dict[str, Any],
                     generic: bool = False, command: str = "merge-groups",
                     skip_unfactorable: bool = False) -> None:
    """Merge the groups' chosen signatures, refit every sample, write the cohort's files
    (``command``, the one run, names the step in a message). The groups are taken in the
    catalog's order (:func:`in_catalog_order`), whatever the order of ``folders``. With
    ``skip_unfactorable``, every group too thin writes the cohort as not factored."""
    from sigforge.refit import refit_catalog

    runs = [_read_group(folder, generic) for folder in folders]
    aligned_features(runs)
    _check_samples_and_counts(catalog, runs)
    runs = in_catalog_order(runs, catalog)
    aligned = aligned_features(runs)
    if runs and not any(run.found.signatures.shape[1] > 0 for run in runs):
        if skip_unfactorable:
            _write_all_skipped(runs, catalog, out, facts)
            return
        raise InputError(
            f"{command}: no group has a signature to merge: all {len(runs)} group(s) were "
            "skipped as too thin to factor (each folder's provenance.json says why). Split "
            "the catalog into fewer, larger groups (the samples sheet's group column), factor "
            "them at smaller ranks (extract.ranks, --ranks), or factor the cohort as one (no "
            "group column; extract without --groups).")
    try:
        merged = merge_group_signatures(aligned, prefix=name, min_cosine=min_cosine)
    except ValueError as err:
        raise InputError(f"{command}: {err}") from err
    kept, left_out = split_empty(catalog, drop_empty)
    if kept is None:
        raise InputError(f"{catalog.path}: no sample has a single mutation; nothing to fit.")
    if set(merged.signatures.index) != set(kept.data.index):
        raise InputError(f"{catalog.path}: its features differ from the groups' signatures; "
                         "give the catalog the groups were split from.")
    signatures = merged.signatures.reindex(kept.data.index)  # rows aligned by label
    fit = refit_catalog(kept.data, signatures)
    write_matrix(signatures, out / "signatures.tsv")
    write_matrix(fit.exposures, out / "exposures.tsv", label="Signature")
    write_table(merged.members, out / MERGED_TABLE)
    write_table(pd.DataFrame({"stability": np.nan, "spread": np.nan},
                             index=merged.members.index), out / "stability.tsv")
    groups = {run.found.group: _group_summary(run.folder, run.found, run.facts) for run in runs}
    write_json({"sigforge": sigforge.__version__, "python": platform.python_version(),
                "numpy": np.__version__, "chosen_rank": int(merged.signatures.shape[1]),
                "reason": f"{merged.signatures.shape[1]} signatures merged from the "
                          f"{sum(g['signatures'] for g in groups.values())} signatures of "
                          f"{len(groups)} group(s) at cosine >= {min_cosine:g}",
                "rank_caution": any(run.facts.get("rank_caution") for run in runs
                                    if run.found.signatures.shape[1] > 0),
                "rank_caution_groups": [run.found.group for run in runs
                                        if run.facts.get("rank_caution")],
                "rank_edge": _merged_edge(groups),
                "groups": groups, "merge_min_cosine": min_cosine,
                "samples_without_mutations_left_out": left_out, **facts},
               out / "provenance.json")
    logger.info("merged %d group(s) into %d signatures", len(groups), merged.signatures.shape[1])


def group_name(folder: Path) -> str:
    """The group a group folder holds: its name, with '.' and '..' taken lexically
    (``--group-dirs .`` inside ``groups/A`` is group A, not a group named '')."""
    return Path(os.path.abspath(folder)).name


def merge_groups_command(args: argparse.Namespace) -> None:
    """``sigforge merge-groups``: merge finished group extractions into the cohort's set."""
    from sigforge.genomics.samplesheet import check_group_name

    check_member_prefix(args)
    folders = [Path(folder) for folder in args.group_dirs]
    names = [group_name(f) for f in folders]
    for folder, name in zip(folders, names, strict=True):
        check_group_name(name, f"--group-dirs {folder}", names="a group of merged.tsv and "
                         "provenance.json (the folder's name)")
    if len(set(names)) != len(names):
        raise InputError(f"--group-dirs: two folders share a group name ({names}); each "
                         "folder is named after its group.")
    catalog = read_table_matrix(args.catalog, generic=args.generic)
    args.seed = _groups_seed(folders, args.seed)
    merge_group_dirs(folders, catalog, name=catalog_name(args), min_cosine=args.min_cosine,
                     drop_empty=args.drop_empty, out=Path(args.out),
                     facts={"seed": args.seed, "catalog": args.catalog,
                            "catalog_name": catalog_name(args)}, generic=args.generic,
                     skip_unfactorable=args.skip_unfactorable)
    # an earlier plain extract's rank_metrics.tsv and k*/ go, as extract --groups removes them
    discard_other_extract_outputs(Path(args.out), names)


def _groups_seed(folders: list[Path], seed: int) -> int:
    """The seed the group folders were factored with (their provenance.json), recorded by
    the merge as ``extract --groups`` records it: groups of different seeds are of different
    runs, refused, and so is a --seed other than theirs. Folders recording none keep
    ``seed`` (the option, or its default)."""
    from sigforge.cli.discovery_settings import given

    found: list[tuple[Path, int]] = []
    for folder in folders:
        with contextlib.suppress(OSError, ValueError, InputError, AttributeError):
            recorded = read_json(folder / "provenance.json").get("seed")
            if isinstance(recorded, int) and not isinstance(recorded, bool):
                found.append((folder, recorded))
    if not found:
        return seed
    first, recorded = found[0]
    other = next(((f, v) for f, v in found if v != recorded), None)
    if other is not None:
        raise InputError(f"--group-dirs: {first} was factored with --seed {recorded} and "
                         f"{other[0]} with --seed {other[1]}: the groups of one merge come "
                         "from one run. Rerun the groups with one seed.")
    if given(seed) and seed != recorded:
        raise InputError(f"--seed {seed}: the groups were factored with --seed {recorded} "
                         f"({first}/provenance.json); give --seed {recorded} or leave it out.")
    return recorded


def add_merge_cosine(parser: argparse.ArgumentParser) -> None:
    """--merge-cosine: the lowest cosine at which two groups' signatures are merged."""
    parser.add_argument("--merge-cosine", dest="min_cosine", type=cosine_type(above_zero=True),
                        default=DEFAULT_MERGE_COSINE,
                        help="two groups' signatures at least this similar (every pair of a "
                             "merged signature's members) are one signature")


def add_parsers(subparsers: Any) -> None:
    """Declare ``split-groups`` and ``merge-groups`` (``extract --groups`` is in .discovery)."""
    p = add_command(subparsers, "split-groups", split_groups_command)
    p.add_argument("--catalog", required=True, help="the cohort's catalog")
    p.add_argument("--groups", required=True,
                   help="TSV/CSV with columns sample (or sample_id), group")
    add_generic(p)
    p.add_argument("--out", required=True, help="output folder: one GROUP.tsv per group")

    p = add_command(subparsers, "merge-groups", merge_groups_command)
    p.add_argument("--catalog", required=True, help="the cohort's catalog (every sample is "
                                                    "refitted to the merged signatures)")
    p.add_argument("--group-dirs", action="extend", nargs="+", required=True,
                   help="finished group extractions, each folder named after its group")
    p.add_argument("--catalog-name", default=None, type=catalog_name_type,
                   help="prefix of the merged signatures' names (default: the catalog stem)")
    add_merge_cosine(p)
    add_drop_empty(p)
    add_generic(p)
    add_seed(p, " (recorded in provenance.json)")
    unset_defaults(p, ["seed"], "the groups'")  # _groups_seed takes theirs
    p.add_argument("--skip-unfactorable", action="store_true",
                   help="when every group was too thin to factor, write the catalog as not "
                        "factored (provenance.json: skipped, with each group's reason) "
                        "instead of refusing")
    p.add_argument("--out", required=True, help="output folder (the cohort's extract folder)")


def group_rank_list(ranks: list[int], part: pd.DataFrame) -> list[int]:
    """The ranks a group is factored at (:func:`group_ranks`), logged when fewer than asked."""
    chosen = group_ranks(ranks, part.shape[1], part.shape[0])
    if chosen != ranks:
        logger.info("group of %d samples: ranks %s (no more components than samples)",
                    part.shape[1], chosen or "none")
    return chosen


def extract_groups(args: argparse.Namespace) -> None:
    """``extract --groups``: factor each group into OUT/groups/GROUP (a group too thin to
    factor is written as skipped, never failing the run), then merge into OUT."""
    from sigforge.cli.discovery import (
        check_counts_for_resampling,
        factor_and_write,
        run_facts,
        write_skipped,
    )
    from sigforge.discovery.skip import factor_problem

    check_member_prefix(args)
    whole = read_table_matrix(args.catalog, generic=args.generic)
    check_counts_for_resampling(whole, args)
    parts = split_catalog(whole, read_groups(args.groups), args.catalog)
    _check_groups_factorable(args, parts, factor_problem)
    out, folders = Path(args.out), []
    for group, part in parts.items():
        folder = out / GROUPS_FOLDER / group
        folders.append(folder)
        ranks = group_rank_list(args.ranks, part)
        empty = [str(c) for c in part.columns[part.sum(axis=0) == 0]]
        facts = {**run_facts(args, ranks, empty if args.drop_empty else []), "group": group}
        reason = factor_problem(part, max(ranks))
        if reason is not None:
            logger.warning("group %s: not factored: %s", group, reason)
            write_skipped(args, part, ranks, reason, folder, facts)
            continue
        kept, _ = split_empty(Matrix(part, whole.channel_set, f"{args.catalog} (group {group})"),
                              args.drop_empty)
        logger.info("group %s: %d samples, ranks %s", group, part.shape[1], ranks)
        factor_and_write(args, kept.data, ranks, folder, facts)
    merge_group_dirs(folders, whole, name=catalog_name(args), min_cosine=args.min_cosine,
                     drop_empty=args.drop_empty, out=out,
                     facts={"seed": args.seed, "catalog": args.catalog,
                            "catalog_name": catalog_name(args)}, generic=args.generic,
                     command="extract --groups")
    discard_other_extract_outputs(out, list(parts))


def _check_groups_factorable(args: argparse.Namespace, parts: dict[str, pd.DataFrame],
                             factor_problem: Callable[[pd.DataFrame, int], str | None]) -> None:
    """Before any group is factored, refuse what would fail only after the work: a
    --fixed-rank some group cannot be factored at (its rank choice fails once its replicates
    ran; the workflow refuses rank.fixed alike, :func:`sigforge.workflow.groups.
    check_fixed_rank`), and groups that are all too thin to factor (nothing to merge).
    Each message names the groups file, the group and its samples, and the fix."""
    tried = {group: group_ranks(list(args.ranks), part.shape[1], part.shape[0])
             for group, part in parts.items()}
    fixed = args.fixed_rank
    for group, ranks in tried.items():
        if fixed is not None and fixed not in ranks:
            samples = parts[group].shape[1]
            raise InputError(
                f"--fixed-rank {fixed}: group '{group}' of {args.groups} has {samples} "
                f"sample(s), so it can be factored only at rank(s) {ranks} (a group has no "
                f"more signatures than samples), not at {fixed}. Lower --fixed-rank to at "
                f"most {max(ranks)}, give the group more samples (merge it with another "
                f"in {args.groups}), or leave out --fixed-rank to let each group's rank be "
                "chosen.")
    reasons = {group: factor_problem(part, max(tried[group])) for group, part in parts.items()}
    if parts and all(reason is not None for reason in reasons.values()):
        largest = max(parts, key=lambda group: parts[group].shape[1])
        raise InputError(
            f"extract --groups {args.groups}: all {len(parts)} group(s) are too thin to factor "
            f"at --ranks {_ranks_text(args.ranks)}, so every group would be skipped and no "
            f"signature would be left to merge; even the largest, '{largest}' "
            f"({parts[largest].shape[1]} sample(s)), is: {reasons[largest]}. Give fewer, "
            f"larger groups (at least {min(args.ranks)} samples with mutations each, and more "
            "for the larger ranks), try smaller --ranks, or leave out --groups to factor the "
            "cohort as one.")


def _ranks_text(ranks: list[int]) -> str:
    """The ranks as the user gave them: '2-4' for a run of ranks, else '2,5'."""
    ranks = sorted(ranks)
    if len(ranks) > 1 and ranks == list(range(ranks[0], ranks[-1] + 1)):
        return f"{ranks[0]}-{ranks[-1]}"
    return ",".join(map(str, ranks))

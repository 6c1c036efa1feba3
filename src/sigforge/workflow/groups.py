"""Stratified discovery in the workflow: the samples sheet's ``group`` column as paths, ranks
and flags (``workflow/rules/groups.smk`` wires them into rules).

With a group column, each context's catalog is split into one catalog per group
(``{outdir}/catalogs/groups/{context}/{group}.tsv``), every group is factored like a whole
catalog into ``{outdir}/extract/{context}/groups/{group}/`` (rank folders ``k*/``, the chosen
rank, ``rank_metrics.tsv``, ``provenance.json``), and the groups' chosen signatures are merged
into ``{outdir}/extract/{context}/`` (:data:`~sigforge.discovery.groups.MERGED_FILES`), which
the refits and reports read as they read an ungrouped discovery. The ranks, the skip rule and
the folder names are those of ``sigforge extract --groups``, so both write the same bits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sigforge.discovery.groups import GROUPS_FOLDER, MERGED_FILES, MERGED_TABLE, group_ranks
from sigforge.io import InputError
from sigforge.workflow.stale import delete_stale
from sigforge.workflow.targets import CHOSEN_FILES, discovery_products, report_discovery_files

#: Ranks tried per context and group: {context: {group: [k, ...]}}.
GroupRanks = dict[str, dict[str, list[int]]]


def group_rank_lists(groups: Mapping[str, Sequence[str]], ranks: Sequence[int],
                     n_channels: Mapping[str, int]) -> GroupRanks:
    """The ranks each group of each context is factored at: those of ``ranks`` its catalog
    can hold (:func:`~sigforge.discovery.groups.group_ranks` of its number of samples and the
    context's number of channels), as ``extract --groups`` computes them."""
    return {context: {group: group_ranks(list(ranks), len(samples), channels)
                      for group, samples in groups.items()}
            for context, channels in n_channels.items()}


def check_fixed_rank(fixed: int | None, ranks: GroupRanks, groups: Mapping[str, Sequence[str]],
                     source: str) -> None:
    """With ``rank.fixed``, every group must be factored at that rank: raise an InputError
    naming the first group too small for it (its rank choice would fail after the replicates
    ran) and the fix."""
    if fixed is None:
        return
    for context, by_group in ranks.items():
        for group, tried in by_group.items():
            if fixed not in tried:
                raise InputError(
                    f"{source}: rank.fixed is {fixed}, but group '{group}' of the samples sheet "
                    f"({len(groups[group])} sample(s)) can be factored in {context} only at "
                    f"ranks {tried}. Lower rank.fixed, merge the group with another, or set "
                    "rank.fixed to null to let each group's rank be chosen.")


def check_some_group_factorable(ranks: Sequence[int], groups: Mapping[str, Sequence[str]],
                                source: str) -> None:
    """Refuse a samples sheet whose every group has fewer samples than the smallest rank
    tried: every group would be skipped as too thin (a group has no more signatures than
    samples) and the merge would fail after all the groups' jobs; ``extract --groups``
    refuses the same before any work."""
    smallest = min(ranks)
    if not groups or any(len(samples) >= smallest for samples in groups.values()):
        return
    largest = max(groups, key=lambda group: len(groups[group]))
    raise InputError(f"{source}: every group of the samples sheet has fewer samples than the "
                     f"smallest rank tried ({smallest}; the largest group, '{largest}', has "
                     f"{len(groups[largest])}), so every group would be skipped as too thin "
                     "to factor and no signature would be left to merge. Give fewer, larger "
                     "groups (the sheet's group column), lower extract.ranks.min, or leave "
                     "out the group column to factor the cohort as one.")


def group_mode_flags(ranks: Sequence[int]) -> list[str]:
    """The discovery flags of a group's jobs: samples without a mutation left out, and a group
    too thin to factor at its largest rank written as skipped (never failing the run)."""
    return ["--drop-empty", f"--skip-unfactorable={max(ranks)}"]


def group_catalog(context: str, group: str, outdir: str = "results") -> str:
    """The catalog of one group of a context, as ``sigforge split-groups`` writes it."""
    return f"{outdir}/catalogs/{GROUPS_FOLDER}/{context}/{group}.tsv"


def group_folder(context: str, group: str, outdir: str = "results") -> str:
    """The extraction folder of one group of a context."""
    return f"{outdir}/extract/{context}/{GROUPS_FOLDER}/{group}"


def grouped_discovery_products(context: str, ranks: Mapping[str, Sequence[int]],
                               n_chunks: int, cv_folds: int,
                               outdir: str = "results") -> list[str]:
    """Every file of a stratified discovery of ``context`` (``ranks``: {group: ranks}): the
    group catalogs, each group's discovery and the merged set."""
    files = [group_catalog(context, group, outdir) for group in ranks]
    for group, group_ranks_tried in ranks.items():
        files += discovery_products(f"{context}/{GROUPS_FOLDER}/{group}", group_ranks_tried,
                                    n_chunks, cv_folds, outdir)
    files += [f"{outdir}/extract/{context}/{name}" for name in MERGED_FILES]
    return files


def grouped_report_files(context: str, ranks: Mapping[str, Sequence[int]],
                         outdir: str = "results") -> list[str]:
    """The discovery files the cohort report reads of a stratified ``context``: each group's
    folder as an ungrouped discovery, and the merged set beside them."""
    files = [path for group, group_ranks_tried in ranks.items()
             for path in report_discovery_files(f"{context}/{GROUPS_FOLDER}/{group}",
                                                group_ranks_tried, outdir)]
    return files + [f"{outdir}/extract/{context}/{name}" for name in MERGED_FILES]


def stale_group_outputs(outdir: str, contexts: Sequence[str],
                        groups: Sequence[str] | None) -> list[Path]:
    """Discovery outputs that the samples sheet's grouping no longer explains.

    Without groups (``None``): every group folder, group catalog and merge table, and the
    merged signatures of a run that had groups. With groups: the folders and catalogs of
    groups no longer in the sheet, and the whole-cohort rank folders and chosen rank of a
    run that had none. Left in place, the report would show them beside the current results.
    """
    root = Path(outdir)
    stale: list[Path] = []
    for context in contexts:
        extract = root / "extract" / context
        split = root / "catalogs" / GROUPS_FOLDER / context
        if groups is None:
            stale += [path for path in (extract / GROUPS_FOLDER, split) if path.exists()]
            if (extract / MERGED_TABLE).exists():
                stale += [extract / name for name in MERGED_FILES if (extract / name).exists()]
            continue
        keep = set(groups)
        stale += [path for path in sorted((extract / GROUPS_FOLDER).glob("*"))
                  if path.is_dir() and path.name not in keep]
        stale += [path for path in sorted(split.glob("*.tsv"))  # not split-groups' manifest
                  if path.stem not in keep and not path.name.startswith(".")]
        if (extract / "rank_metrics.tsv").exists():
            stale += [extract / name for name in CHOSEN_FILES if (extract / name).exists()]
        # a grouped run writes no whole-cohort rank folder: any is an ungrouped run's
        stale += [path for path in sorted(extract.glob("k*"))
                  if path.is_dir() and path.name[1:].isascii() and path.name[1:].isdigit()]
    if groups is None and (root / "catalogs" / GROUPS_FOLDER / GROUPS_FILE).exists():
        stale.append(root / "catalogs" / GROUPS_FOLDER / GROUPS_FILE)
    return stale


def check_block_cv(groups: Mapping[str, Sequence[str]], rank: Mapping[str, object],
                   source: str = "config") -> None:
    """Refuse cross-validation by held-out blocks of samples when a group has one sample:
    its every CV job would fail after the other groups' work."""
    if rank.get("cv_scheme") != "blocks" or not rank.get("cv_folds"):
        return
    single = [name for name, samples in groups.items() if len(samples) < 2]
    if single:
        raise InputError(f"{source}: key rank.cv_scheme: 'blocks' holds samples out of each "
                         f"group's catalog, and group '{single[0]}' has one sample"
                         f"{f' ({len(single)} such groups)' if len(single) > 1 else ''}. Use "
                         "rank.cv_scheme: entries, give that group more samples, or set "
                         "rank.cv_folds: 0.")


#: The groups file the workflow writes from the samples sheet for ``split-groups``
#: (``catalogs/groups/groups.tsv``): samples by their ``sample_id``, whatever else the
#: sheet holds, and rewritten only when the grouping changes.
GROUPS_FILE = "groups.tsv"


def write_groups_file(path: str | Path, rows: Sequence[Sequence[str]]) -> None:
    """Write the ``sample``/``group`` table of ``rows`` to ``path`` (atomically)."""
    from sigforge.io import atomic_write

    text = "sample\tgroup\n" + "".join(f"{sample}\t{group}\n" for sample, group in rows)
    with atomic_write(Path(path), mode="wb") as handle:
        handle.write(text.encode("utf-8"))


def remove_stale_group_outputs(outdir: str, contexts: Sequence[str],
                               groups: Sequence[str] | None, *, dry_run: bool) -> list[str]:
    """Delete :func:`stale_group_outputs` (a dry run only names them); one line or nothing."""
    return delete_stale(stale_group_outputs(outdir, contexts, groups),
                        "of a grouping the samples sheet no longer has", outdir,
                        dry_run=dry_run, run_folders=True)

"""Reading a stratified discovery for ``sigforge report``: the merge table and one extract
folder per group.

``sigforge extract --groups`` (and the workflow's ``merge-groups`` job) write, in a type's
extract folder, the merged signature set (signatures.tsv, stability.tsv, provenance.json with
``groups`` and ``merge_min_cosine``), ``merged.tsv`` (which groups and group signatures each
merged signature came from) and ``groups/{group}/``, each laid out as a plain extract folder
(rank_metrics.tsv, signatures.tsv, exposures.tsv, provenance.json; a group too thin to factor
records why in provenance.json's ``skipped``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.cli._common import (
    require_files,
)
from sigforge.cli.rank_provenance import rank_caution, rank_edge, rank_rescued
from sigforge.cli.report_ranks import (
    chosen_rank,
    rank_thresholds,
    read_rank_metrics,
    read_run_matrix,
    read_stability,
)
from sigforge.discovery.groups import GROUPS_FOLDER, MERGED_TABLE
from sigforge.io import InputError, read_json, read_table
from sigforge.report.context_data import GroupResults

#: What the top of a stratified extract folder must hold (no rank_metrics.tsv, no ``k*/``).
MERGED_EXTRACT_FILES = ["provenance.json", "signatures.tsv", "stability.tsv", MERGED_TABLE]
#: Columns of merged.tsv the report shows.
MERGED_COLUMNS = ("groups", "n_groups", "members", "mutations", "min_member_cosine")
#: What every group folder must hold; a factored group also needs rank_metrics.tsv.
_GROUP_FILES = ["provenance.json", "exposures.tsv"]


def is_merged(extract: Path) -> bool:
    """True when ``extract`` holds a stratified discovery's merged set."""
    return (extract / MERGED_TABLE).is_file()


def check_merge_provenance(extract: Path, provenance: dict[str, Any]) -> None:
    """Refuse an extract folder whose merged.tsv and provenance.json are of two runs: a
    cohort-wide rank choice written by hand beside an earlier stratified run's merge table (the
    page would present the old merged set as this run's), or the other way round."""
    stratified = "merge_min_cosine" in provenance
    if is_merged(extract) == stratified:
        return
    if stratified:
        problem = ("provenance.json is of a stratified discovery (merge-groups), but there is "
                   f"no {MERGED_TABLE} beside it")
    else:
        problem = (f"{MERGED_TABLE} is of an earlier stratified discovery (extract --groups or "
                   "merge-groups), but provenance.json of a cohort-wide rank choice")
    raise InputError(f"--extract-dir {extract}: {problem}: the folder holds two runs' files. "
                     "Rerun the discovery into it (sigforge extract, select-rank or "
                     "merge-groups remove the other run's files), or use a fresh folder.")


def read_merged(extract: Path, signatures: pd.DataFrame) -> pd.DataFrame:
    """merged.tsv, checked to have the report's columns and one row per merged signature."""
    path = extract / MERGED_TABLE
    table = read_table(path)
    missing = [column for column in MERGED_COLUMNS if column not in table.columns]
    if missing:
        raise InputError(f"{path}: no column {missing} (columns: {list(table.columns)}); give "
                         "the merged.tsv written by sigforge extract --groups or merge-groups.")
    table = table.set_axis([str(x) for x in table.index], axis=0)
    names = [str(c) for c in signatures.columns]
    if sorted(table.index) != sorted(names):
        raise InputError(f"{path}: its signatures {list(table.index)} differ from those of "
                         f"{extract / 'signatures.tsv'} ({names}); the files come from "
                         "different runs. Rerun sigforge extract --groups (or merge-groups).")
    return table.loc[names]


def _group_order(extract: Path, provenance: dict[str, Any]) -> list[str]:
    """The groups in the merge's order (provenance.json's ``groups``), else by folder name."""
    recorded = provenance.get("groups")
    if isinstance(recorded, dict) and recorded:
        return [str(group) for group in recorded]
    folder = extract / GROUPS_FOLDER
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _group_samples(folder: Path, provenance: dict[str, Any]) -> int:
    """The group's samples: the columns of its exposures.tsv and those left out as empty
    (a skipped group's exposures.tsv may list those too: each sample counts once)."""
    left_out = provenance.get("samples_without_mutations_left_out")
    samples = {str(c) for c in read_table(folder / "exposures.tsv").columns}
    return len(samples | ({str(s) for s in left_out} if isinstance(left_out, list) else set()))


def read_group(folder: Path) -> GroupResults:
    """One group's folder: its samples, and its rank choice and signatures or skip reason.

    Raises
    ------
    InputError
        A file the group needs is missing or comes from another run (named).
    """
    require_files(folder, _GROUP_FILES, "--extract-dir", "sigforge extract --groups")
    provenance = read_json(folder / "provenance.json")
    n_samples = _group_samples(folder, provenance)
    skipped = provenance.get("skipped")
    if skipped is not None:
        return GroupResults(group=folder.name, n_samples=n_samples, skip_reason=str(skipped))
    require_files(folder, ["rank_metrics.tsv", "signatures.tsv"], "--extract-dir",
                  "sigforge extract --groups")
    rank = chosen_rank(provenance, folder / "provenance.json")
    return GroupResults(
        group=folder.name, n_samples=n_samples, chosen_rank=rank,
        rank_rule=str(provenance["reason"]), rank_caution=rank_caution(provenance),
        rank_edge=rank_edge(provenance), thresholds=rank_thresholds(provenance),
        rank_metrics=read_rank_metrics(folder / "rank_metrics.tsv", rank),
        signatures=read_run_matrix(
            folder / "signatures.tsv", "the stratified discovery (sigforge extract --groups "
            f"--out {folder.parent.parent}, or a plain snakemake rerun)"),
        rescued=rank_rescued(provenance, folder / "provenance.json"))


def stratified_fields(extract: Path, provenance: dict[str, Any], signatures: pd.DataFrame
                      ) -> dict[str, Any]:
    """The :class:`~sigforge.report.context_data.ContextResults` fields of a stratified
    discovery: ``merged``, ``groups``, ``merge_min_cosine`` and the merged set's ``stability``
    (missing values)."""
    folder = extract / GROUPS_FOLDER
    order = _group_order(extract, provenance)
    absent = [group for group in order if not (folder / group).is_dir()]
    if absent:
        raise InputError(f"--extract-dir {extract}: no folder {GROUPS_FOLDER}/{absent[0]} for "
                         f"group(s) {absent} of provenance.json; give the whole folder written "
                         "by sigforge extract --groups.")
    threshold = provenance.get("merge_min_cosine")
    return {"merged": read_merged(extract, signatures),
            "stability": read_stability(extract / "stability.tsv"),
            "groups": tuple(read_group(folder / group) for group in order),
            "merge_min_cosine": float(threshold) if isinstance(threshold, int | float)
            and not isinstance(threshold, bool) else None}

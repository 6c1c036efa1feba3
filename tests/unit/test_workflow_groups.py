"""sigforge.workflow.groups: the samples sheet's group column as the workflow's ranks, flags,
targets and stale-output clean-up (workflow/rules/groups.smk wires them), tested without
Snakemake."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigforge.cli.groups import read_groups
from sigforge.io import InputError
from sigforge.workflow import groups as grouping
from sigforge.workflow.targets import CHOSEN_FILES


def test_group_ranks_are_capped_per_group_and_context() -> None:
    groups = {"small": ["a", "b", "c"], "big": [f"s{i}" for i in range(10)], "one": ["z"]}
    ranks = grouping.group_rank_lists(groups, [2, 3, 4, 5], {"SBS96": 96, "TINY": 4})
    assert ranks["SBS96"] == {"small": [2, 3], "big": [2, 3, 4, 5], "one": [2]}
    assert ranks["TINY"] == {"small": [2, 3], "big": [2, 3, 4], "one": [2]}


def test_group_jobs_skip_a_thin_group_at_its_own_largest_rank() -> None:
    assert grouping.group_mode_flags([2, 3]) == ["--drop-empty", "--skip-unfactorable=3"]


def test_a_fixed_rank_a_group_cannot_hold_is_refused_at_parse_time() -> None:
    groups = {"small": ["a", "b"], "big": [f"s{i}" for i in range(10)]}
    ranks = grouping.group_rank_lists(groups, [2, 3, 4], {"SBS96": 96})
    grouping.check_fixed_rank(2, ranks, groups, "config.yaml")
    grouping.check_fixed_rank(None, ranks, groups, "config.yaml")
    with pytest.raises(InputError, match="config.yaml: rank.fixed is 3, but group 'small' of "
                                         "the samples sheet \\(2 sample\\(s\\)\\)"):
        grouping.check_fixed_rank(3, ranks, groups, "config.yaml")


def test_grouped_products_hold_each_groups_ranks_and_the_merge_not_a_whole_discovery() -> None:
    files = grouping.grouped_discovery_products("SBS96", {"a": [2, 3], "b": [2]}, n_chunks=2,
                                                cv_folds=0, outdir="out")
    assert "out/catalogs/groups/SBS96/a.tsv" in files
    assert "out/catalogs/groups/SBS96/b.tsv" in files
    assert "out/extract/SBS96/groups/a/k3/chunks/chunk1.npz" in files
    assert "out/extract/SBS96/groups/b/k3/signatures.tsv" not in files  # b tries rank 2 only
    assert "out/extract/SBS96/groups/b/rank_metrics.tsv" in files
    assert "out/extract/SBS96/merged.tsv" in files
    assert "out/extract/SBS96/rank_metrics.tsv" not in files
    assert not any(path.endswith("cv.npz") for path in files)
    assert len(files) == len(set(files))


def test_report_reads_every_group_folder_and_the_merge() -> None:
    files = grouping.grouped_report_files("ID83", {"a": [2, 3], "b": [2]}, outdir="out")
    assert {"out/extract/ID83/groups/a/k3/metrics.json", "out/extract/ID83/groups/b/k2/"
            "signatures.tsv", "out/extract/ID83/groups/b/provenance.json",
            "out/extract/ID83/merged.tsv", "out/extract/ID83/signatures.tsv"} <= set(files)
    assert "out/extract/ID83/rank_metrics.tsv" not in files


def _touch(root: Path, *paths: str) -> None:
    """Create empty files (and their folders) under root."""
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")


def test_stale_groups_and_a_whole_cohort_discovery_go_when_the_sheet_has_groups(
        tmp_path: Path) -> None:
    _touch(tmp_path, "extract/SBS96/groups/old/signatures.tsv",
           "extract/SBS96/groups/kept/signatures.tsv", "catalogs/groups/SBS96/old.tsv",
           "catalogs/groups/SBS96/kept.tsv", "extract/SBS96/k2/signatures.tsv",
           *(f"extract/SBS96/{name}" for name in CHOSEN_FILES))
    stale = grouping.stale_group_outputs(str(tmp_path), ["SBS96"], ["kept"])
    relative = {str(path.relative_to(tmp_path)) for path in stale}
    assert relative == {"extract/SBS96/groups/old", "catalogs/groups/SBS96/old.tsv",
                        "extract/SBS96/k2",
                        *(f"extract/SBS96/{name}" for name in CHOSEN_FILES)}


def test_merged_results_go_when_the_group_column_is_removed(tmp_path: Path) -> None:
    _touch(tmp_path, "extract/SBS96/groups/a/signatures.tsv", "catalogs/groups/SBS96/a.tsv",
           "extract/SBS96/merged.tsv", "extract/SBS96/signatures.tsv",
           "extract/DBS78/signatures.tsv", "extract/DBS78/rank_metrics.tsv")
    notes = grouping.remove_stale_group_outputs(str(tmp_path), ["SBS96", "DBS78"], None,
                                                dry_run=True)
    assert len(notes) == 1 and "a real run deletes them" in notes[0]
    assert (tmp_path / "extract/SBS96/merged.tsv").exists()  # a dry run deletes nothing
    grouping.remove_stale_group_outputs(str(tmp_path), ["SBS96", "DBS78"], None, dry_run=False)
    assert not (tmp_path / "extract/SBS96/groups").exists()
    assert not (tmp_path / "catalogs/groups/SBS96").exists()
    assert not (tmp_path / "extract/SBS96/merged.tsv").exists()
    assert not (tmp_path / "extract/SBS96/signatures.tsv").exists()
    # an ungrouped discovery (no merged.tsv) is this run's own and stays
    assert (tmp_path / "extract/DBS78/signatures.tsv").exists()
    assert grouping.remove_stale_group_outputs(str(tmp_path), ["SBS96", "DBS78"], None,
                                               dry_run=False) == []


def test_a_current_grouped_run_has_nothing_stale(tmp_path: Path) -> None:
    _touch(tmp_path, "extract/SBS96/groups/a/signatures.tsv", "catalogs/groups/SBS96/a.tsv",
           *(f"extract/SBS96/{name}" for name in grouping.MERGED_FILES))
    assert grouping.stale_group_outputs(str(tmp_path), ["SBS96"], ["a"]) == []


def test_the_samples_sheet_is_a_groups_file(tmp_path: Path) -> None:
    """split-groups reads the sheet as the sheet is read: comment and blank lines skipped,
    quotes kept in sample names, extra columns ignored."""
    sheet = tmp_path / "samples.tsv"
    sheet.write_text('# cohort 1\nsample_id\tvcf\tgroup\n\n"q"1\tx.vcf\tlung\n'
                     "S#2\ty.vcf\tskin\n")
    assert read_groups(sheet) == {'"q"1': "lung", "S#2": "skin"}


@pytest.mark.parametrize("group", ["a/b", "..", "x y"])
def test_groups_file_refuses_names_the_sheet_refuses(tmp_path: Path, group: str) -> None:
    path = tmp_path / "g.tsv"
    path.write_text(f"sample\tgroup\nS1\t{group}\n")
    with pytest.raises(InputError, match="plain file name"):
        read_groups(path)

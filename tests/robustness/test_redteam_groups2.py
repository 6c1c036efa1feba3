"""Stratified discovery against what a red-team sweep found: a skipped group with a sample
without mutations broke the merge, a context whose every group was skipped failed the run,
the groups' fallback rank never reached the merged set, and the workflow's stale-output
rules named split-groups' own manifest and kept a dropped context's group catalogs.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import DBS78_CHANNELS, SBS96_CHANNELS
from sigforge.io import InputError, read_json, read_table, write_matrix
from sigforge.workflow.groups import check_block_cv, stale_group_outputs
from sigforge.workflow.stale import stale_context_outputs
from tests.robustness._harness import run_cli

FAST = ("--max-iter", "200", "--replicates", "4", "--cv-folds", "0", "--threads", "1")


def _catalog(path: Path, channels: list[str], columns: dict[str, float], seed: int = 4) -> Path:
    """A catalog whose sample ``name`` holds Poisson counts of mean ``columns[name]`` per
    channel (0: no mutation)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.poisson(mean, len(channels)) for name, mean in
                          columns.items()}, index=pd.Index(channels, name="MutationType"))
    write_matrix(frame, path)
    return path


def _groups(path: Path, groups: dict[str, str]) -> Path:
    path.write_text("sample\tgroup\n" + "".join(f"{s}\t{g}\n" for s, g in groups.items()))
    return path


def test_a_skipped_group_with_an_empty_sample_merges(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Group T (S05 without a doublet, S10 with a few) is skipped as too thin; its empty
    sample was counted twice, and the merge failed: "sample 'S05' is in both .../T and
    .../T"."""
    samples = {f"S{i:02d}": (0.0 if i == 5 else 0.3 if i == 10 else 3.0) for i in range(1, 11)}
    catalog = _catalog(tmp_path / "DBS78.tsv", list(DBS78_CHANNELS), samples)
    groups = _groups(tmp_path / "g.tsv", {s: "T" if s in ("S05", "S10") else "A"
                                          for s in samples})
    out = tmp_path / "e"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "1-2", *FAST,
                      "--drop-empty", "--groups", str(groups), "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert read_json(out / "groups/T/provenance.json")["skipped"]
    assert list(read_table(out / "exposures.tsv").columns) == [
        s for s in samples if s != "S05"]


def test_merge_writes_a_context_whose_every_group_is_too_thin_as_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every group skipped failed the workflow's merge after all its jobs; an ungrouped thin
    DBS78 is written as skipped and the run goes on. ``--skip-unfactorable`` does the same for
    the merge; without it the merge still refuses, naming the workflow's settings."""
    samples = {f"S{i:02d}": 0.05 for i in range(1, 7)}
    catalog = _catalog(tmp_path / "DBS78.tsv", list(DBS78_CHANNELS), samples)
    groups = {s: "A" if i < 3 else "B" for i, s in enumerate(samples)}
    split = tmp_path / "split"
    assert run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                   str(_groups(tmp_path / "g.tsv", groups)), "--out", str(split)).code == 0
    for group in ("A", "B"):
        assert run_cli(capsys, "extract", "--catalog", str(split / f"{group}.tsv"),
                       "--catalog-name", "DBS78", "--ranks", "1-2", *FAST, "--drop-empty",
                       "--skip-unfactorable=2", "--out", str(tmp_path / group)).code == 0
    dirs = [str(tmp_path / "A"), str(tmp_path / "B")]
    refused = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs", *dirs,
                      "--drop-empty", "--out", str(tmp_path / "m1"))
    assert refused.code == 2 and "extract.ranks" in refused.err and "group column" in refused.err
    assert run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs", *dirs,
                   "--drop-empty", "--skip-unfactorable", "--out",
                   str(tmp_path / "m2")).code == 0
    provenance = read_json(tmp_path / "m2/provenance.json")
    assert provenance["chosen_rank"] is None
    assert provenance["skipped"].startswith("every group was too thin to factor: A: ")
    assert read_table(tmp_path / "m2/signatures.tsv").shape == (78, 0)


def test_a_group_s_fallback_rank_reaches_the_merged_set(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The merged provenance.json said rank_caution false whatever the groups said, so the
    patient pages of a stratified run lost the fallback caution."""
    samples = {f"S{i:02d}": 20.0 for i in range(1, 9)}
    catalog = _catalog(tmp_path / "SBS96.tsv", list(SBS96_CHANNELS), samples)
    groups = _groups(tmp_path / "g.tsv", {s: "A" if i < 4 else "B"
                                          for i, s in enumerate(samples)})
    out = tmp_path / "e"
    assert run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-3", *FAST,
                   "--min-mean-stability", "0.99999", "--groups", str(groups), "--out",
                   str(out)).code == 0
    assert read_json(out / "groups/A/provenance.json")["rank_caution"] is True
    merged = read_json(out / "provenance.json")
    assert merged["rank_caution"] is True and merged["rank_caution_groups"] == ["A", "B"]


def test_stale_rules_keep_the_split_manifest_and_drop_a_removed_context_s_groups(
        tmp_path: Path) -> None:
    """split-groups' ``.groups_written.tsv`` was named stale (and deleted) by every run; a
    context taken out of catalog.contexts kept ``catalogs/groups/<context>/``."""
    split = tmp_path / "catalogs/groups/SBS96"
    split.mkdir(parents=True)
    for name in (".groups_written.tsv", "A.tsv", "old.tsv"):
        (split / name).write_text("x\n")
    stale = stale_group_outputs(str(tmp_path), ["SBS96"], ["A"])
    assert stale == [split / "old.tsv"]
    (tmp_path / "catalogs/groups/ID83").mkdir()
    assert tmp_path / "catalogs/groups/ID83" in stale_context_outputs(str(tmp_path), ["SBS96"])


def test_block_cross_validation_of_a_one_sample_group_is_refused_before_any_job() -> None:
    """Every CV job of a one-sample group failed after the other groups' work, with a
    message naming no group."""
    with pytest.raises(InputError, match="group 'T' has one sample"):
        check_block_cv({"A": ["S1", "S2"], "T": ["S3"]},
                       {"cv_scheme": "blocks", "cv_folds": 5})
    check_block_cv({"A": ["S1", "S2"], "T": ["S3"]}, {"cv_scheme": "entries", "cv_folds": 5})


def test_a_group_at_the_most_components_its_samples_hold_gets_no_edge_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A group of 2 samples (ranks 1-4 capped to 1-2) that chose k = 2 was told to raise
    extract.ranks.max, which cannot help; the warning reached every patient page."""
    from sigforge.discovery.rank import range_edge

    assert range_edge([1, 2], 2, limit=2) == ""
    assert "largest rank tried" in range_edge([1, 2], 2, limit=3)
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.poisson(30, size=(96, 8)), index=list(SBS96_CHANNELS),
                         columns=[f"S{i:02d}" for i in range(1, 9)])
    frame.iloc[48:, 0] = 0  # T's two samples: disjoint spectra, two components
    frame.iloc[:48, 1] = 0
    write_matrix(frame, tmp_path / "SBS96.tsv")
    groups = _groups(tmp_path / "g.tsv", {s: "T" if i < 2 else "A"
                                          for i, s in enumerate(frame.columns)})
    out = tmp_path / "e"
    assert run_cli(capsys, "extract", "--catalog", str(tmp_path / "SBS96.tsv"), "--ranks",
                   "1-4", *FAST, "--groups", str(groups), "--out", str(out)).code == 0
    facts = read_json(out / "groups/T/provenance.json")
    assert (facts["ranks"], facts["chosen_rank"], facts["rank_edge"]) == ([1, 2], 2, "")


def test_merge_groups_over_a_plain_extract_leaves_no_rank_metrics_and_refuses_a_merged_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """merge-groups into a folder holding an earlier plain extract kept its rank_metrics.tsv
    and k*/ beside merged.tsv (the report linked them as this run's rank metrics), and it took
    a finished extract --groups folder, already merged, for one group named after itself."""
    samples = {f"S{i:02d}": 4.0 for i in range(1, 13)}
    catalog = _catalog(tmp_path / "SBS96.tsv", list(SBS96_CHANNELS), samples)
    groups = _groups(tmp_path / "g.tsv", {s: "A" if int(s[1:]) <= 6 else "B" for s in samples})
    out = tmp_path / "extract"
    assert run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-3", *FAST,
                   "--out", str(out)).code == 0
    assert (out / "rank_metrics.tsv").exists() and (out / "k2").is_dir()
    assert run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups", str(groups),
                   "--out", str(tmp_path / "parts")).code == 0
    for group in ("A", "B"):
        assert run_cli(capsys, "extract", "--catalog", str(tmp_path / "parts" / f"{group}.tsv"),
                       "--catalog-name", "SBS96", "--ranks", "2", *FAST, "--out",
                       str(out / "groups" / group)).code == 0
    assert run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                   str(out / "groups/A"), str(out / "groups/B"), "--out", str(out)).code == 0
    assert (out / "merged.tsv").exists()
    assert not (out / "rank_metrics.tsv").exists() and not list(out.glob("k*"))
    again = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs", str(out),
                    "--out", str(tmp_path / "twice"))
    assert again.code == 2 and "a merged stratified extraction" in again.err, again.err
    assert "groups/GROUP" in again.err and not (tmp_path / "twice").exists()


@pytest.mark.parametrize(("header", "said"), [
    ('"sample"\t"group"', "in quotes, as R's write.table writes them"),
    ("Sample\tGroup", "case-sensitive: write them in lower case")])
def test_a_groups_header_in_another_spelling_gets_its_fix(
        tmp_path: Path, header: str, said: str) -> None:
    from sigforge.cli.groups_file import read_groups

    path = tmp_path / "g.tsv"
    path.write_text(f"{header}\nS1\tA\nS2\tB\n")
    with pytest.raises(InputError, match="no column") as caught:
        read_groups(path)
    assert said in str(caught.value), str(caught.value)


def test_unread_columns_of_a_groups_file_are_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 'groups' or 'note' column was dropped without a word; a samples sheet's vcf columns
    are expected there (the sheet serves as a groups file)."""
    from sigforge.cli.groups_file import read_groups

    path = tmp_path / "g.tsv"
    path.write_text("sample\tgroup\tgroups\tvcf\nS1\tA\tX\ta.vcf\nS2\tB\tY\tb.vcf\n")
    with caplog.at_level("WARNING"):
        assert read_groups(path) == {"S1": "A", "S2": "B"}
    assert "column(s) 'groups' not read" in caplog.text and "'vcf'" not in caplog.text

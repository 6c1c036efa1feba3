"""The workflow against two inputs a red-team sweep found it taking in silence: a VCF and its
gzip copy on two sheet rows entered the cohort as two patients (merge-catalogs was always
given --allow-identical; the only word was a warning in a log file), and a FASTA without a
.fai in a read-only folder passed the dry run, then failed in Snakemake's own traceback.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from sigforge.genomics import genome
from sigforge.genomics.genome import check_reference
from sigforge.io import InputError
from tests.robustness.test_workflow_inputs import (
    assert_no_traceback,
    copy_workflow,
    edit_config,
    record,
    small_config,
    snakemake,
)


def _with_gzip_copy(tmp_path: Path) -> Path:
    """The workflow copy with a sheet of S01, S01's gzip copy under the name X01, and S02."""
    workdir = copy_workflow(tmp_path / "wf")
    small_config(workdir, n_samples=2)
    vcfs = workdir / "resources/example/vcfs"
    (vcfs / "S01copy.vcf.gz").write_bytes(gzip.compress((vcfs / "S01.vcf").read_bytes()))
    (workdir / "config/samples.tsv").write_text(
        "sample_id\tvcf\nS01\tresources/example/vcfs/S01.vcf\n"
        "X01\tresources/example/vcfs/S01copy.vcf.gz\nS02\tresources/example/vcfs/S02.vcf\n")
    return workdir


def test_a_vcf_and_its_gzip_copy_stop_the_workflow_before_discovery(tmp_path: Path) -> None:
    workdir = _with_gzip_copy(tmp_path)
    run = snakemake(workdir, "--cores", "2", "results/catalogs/SBS96.tsv")
    text = record("sheet/vcf-and-its-gzip-copy", run)
    assert run.returncode != 0
    log = (workdir / "results/logs/catalog/merge.log").read_text()
    for said in (log, run.stdout):
        assert "sample 'X01'" in said and "one tumour counted from two files" in said, said
        assert "catalog.allow_identical: true" in said
    assert not (workdir / "results/catalogs/SBS96.tsv").exists()
    assert_no_traceback(run.stdout)
    assert text


def test_allow_identical_merges_them_with_a_warning(tmp_path: Path) -> None:
    workdir = _with_gzip_copy(tmp_path)
    edit_config(workdir, catalog={"allow_identical": True})
    run = snakemake(workdir, "--cores", "2", "results/catalogs/SBS96.tsv")
    assert run.returncode == 0, run.stdout[-3000:]
    header = (workdir / "results/catalogs/SBS96.tsv").read_text().splitlines()[0]
    assert header.split("\t")[1:] == ["S01", "X01", "S02"]
    assert "merged both" in (workdir / "results/logs/catalog/merge.log").read_text()


def _read_only_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``folder`` reads as not writable (as a read-only mount does, even for root)."""
    real = os.access

    def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if mode & os.W_OK and Path(str(path)).resolve() == folder.resolve():
            return False
        return real(path, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(genome.os, "access", access)


def test_a_fasta_without_index_in_a_read_only_folder_is_refused_at_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[2] / "resources/example/genome.fa"
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(example, shared / "genome.fa")
    check_reference(shared / "genome.fa")  # writable: the workflow builds the index
    _read_only_folder(monkeypatch, shared)
    with pytest.raises(InputError, match=r"its index .*genome\.fa\.fai does not exist and "
                                         r"cannot be built, as its folder .* is not writable\. "
                                         r"Index it once .*samtools faidx"):
        check_reference(shared / "genome.fa")
    shutil.copy(f"{example}.fai", shared / "genome.fa.fai")  # indexed: nothing to write
    check_reference(shared / "genome.fa")


def test_allow_identical_columns_still_refuses_two_files_of_one_tumour(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What the workflow passes: two columns of one multi-sample VCF with equal counts are
    merged (the sheet refuses one column twice), a VCF and its gzip copy are not."""
    from tests.robustness._harness import assert_clear_error, run_cli
    from tests.robustness.test_workflow_inputs import two_sample_vcf

    monkeypatch.chdir(tmp_path)
    example = Path(__file__).resolve().parents[2] / "resources/example"
    two_sample_vcf(example / "vcfs/S01.vcf", tmp_path / "multi.vcf", ["T1", "T2"])
    shutil.copy(example / "vcfs/S01.vcf", "A.vcf")
    Path("B.vcf.gz").write_bytes(gzip.compress(Path("A.vcf").read_bytes()))
    fasta = str(example / "genome.fa")
    for name, vcf, column in (("T1", "multi.vcf", "T1"), ("T2", "multi.vcf", "T2"),
                              ("A", "A.vcf", None), ("B", "B.vcf.gz", None)):
        picked = ("--vcf-sample", column) if column else ("--sample-name", name)
        assert run_cli(capsys, "catalog", "--reference", fasta, "--vcf", vcf, *picked,
                       "--out", name).code == 0
    assert run_cli(capsys, "merge-catalogs", "--allow-identical-columns", "--inputs", "T1", "T2",
                   "--out", "columns").code == 0
    outcome = run_cli(capsys, "merge-catalogs", "--allow-identical-columns", "--inputs", "A",
                      "B", "--out", "files")
    assert_clear_error(outcome, "one tumour counted from two files", "catalog.allow_identical")
    assert not Path("files").exists()

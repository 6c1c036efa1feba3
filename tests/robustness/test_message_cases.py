"""Messages the fuzzing pass found unclear, each now naming the real problem and its fix.

A byte-order mark in a compressed VCF (decompress, strip, recompress: never ``sed -i`` on the
.gz), a missing or file ``--inputs`` of merge-catalogs, a folder as a file ``--out`` (the
example is the command's own file), an empty ``--out``, a group name that is too long, a
gzip or Parquet file named like a text table, a refit catalog whose labels differ only in case
or that is transposed, an unknown ``--decompose-into``, a shipped set with ``--generic``, and
a MAF row ending before it starts. Each exits 2 with one paragraph and writes nothing (see
``_harness``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.samplesheet import check_group_name
from sigforge.io import InputError, read_table, write_matrix
from tests.robustness._harness import (
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    run_cli,
)

#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
SNVS = [("chr1", p, CHR1[p - 1], "A" if CHR1[p - 1] != "A" else "C", "PASS")
        for p in (5, 11, 20, 33)]
MAF_HEADER = ("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
              "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n")


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """A one-contig test genome, indexed."""
    return make_fasta({"chr1": CHR1})


@pytest.fixture
def catalog_frame() -> pd.DataFrame:
    """A small SBS96 catalog of four samples (whole counts)."""
    counts = np.random.default_rng(11).integers(0, 30, size=(96, 4))
    return pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=[f"s{i}" for i in range(4)])


@pytest.fixture
def catalog(tmp_path: Path, catalog_frame: pd.DataFrame) -> Path:
    """The small catalog written as a TSV."""
    path = tmp_path / "in" / "SBS96.tsv"
    write_matrix(catalog_frame, path, integer=True)
    return path


def _refit(capsys: pytest.CaptureFixture[str], catalog: Path, out: Path, *options: str,
           case: str) -> Outcome:
    """``sigforge refit --catalog CATALOG OPTIONS --out OUT`` (no bootstrap: errors only)."""
    return run_cli(capsys, "refit", "--catalog", str(catalog), "--bootstrap", "0", *options,
                   "--out", str(out), case=case)


# --- 1. byte-order mark in a compressed VCF -------------------------------------------------

@pytest.mark.parametrize("compression", ["gzip", "bgzip"])
def test_bom_in_compressed_vcf_says_decompress_and_bgzip(
        compression: str, tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    plain = make_vcf(SNVS, name="bom.vcf")
    plain.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    vcf = tmp_path / "bom.vcf.gz"
    if compression == "gzip":
        vcf.write_bytes(gzip.compress(plain.read_bytes()))
    else:
        pysam.tabix_compress(str(plain), str(vcf), force=True)
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"), case=f"vcf_bom_{compression}")
    assert_clear_error(outcome, str(vcf), "byte-order mark", f"{compression}-compressed",
                       f"gzip -dc {vcf}", "| bgzip >")
    assert "sed -i '1s" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "out")


# --- 2. merge-catalogs --inputs: missing, or a file -----------------------------------------

def _catalog_dir(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                 capsys: pytest.CaptureFixture[str]) -> Path:
    """One per-sample catalog folder, as 'sigforge catalog' writes it."""
    vcf = make_vcf(SNVS, name="a.vcf")
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                   "--sample-name", "a", "--out", str(tmp_path / "a")).code == 0
    return tmp_path / "a"


def test_merge_of_a_missing_folder_says_not_found(tmp_path: Path, fasta: Path,
                                                  make_vcf: Callable[..., Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    first = _catalog_dir(tmp_path, fasta, make_vcf, capsys)
    missing = tmp_path / "nothere"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(first), str(missing), "--out",
                      str(tmp_path / "cohort"), case="merge_input_missing")
    assert_clear_error(outcome, f"--inputs {missing}", "not found", "sigforge catalog --out")
    assert "holds catalogs" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "cohort")


def test_merge_of_a_file_says_it_is_no_folder(tmp_path: Path, fasta: Path,
                                              make_vcf: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    first = _catalog_dir(tmp_path, fasta, make_vcf, capsys)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(first), str(first / "SBS96.tsv"),
                      "--out", str(tmp_path / "cohort"), case="merge_input_is_file")
    assert_clear_error(outcome, str(first / "SBS96.tsv"), "is a file, not a catalog folder",
                       f"({first})")
    assert "holds catalogs" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "cohort")


# --- 3. a folder as the --out file: the command's own example ---------------------------------

@pytest.mark.parametrize(("command", "options", "example"), [
    ("opportunities", ["--reference", "FASTA"], "opportunities.tsv"),
    ("replicates", ["--catalog", "CATALOG", "--k", "2", "--first", "0", "--count", "2"],
     "chunk0.npz"),
    ("cross-validate", ["--catalog", "CATALOG", "--k", "2"], "cv.npz"),
])
def test_folder_as_out_file_gives_the_commands_example(
        command: str, options: list[str], example: str, tmp_path: Path, fasta: Path,
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "result"
    out.mkdir(parents=True)
    values = {"FASTA": str(fasta), "CATALOG": str(catalog)}
    outcome = run_cli(capsys, command, *[values.get(o, o) for o in options], "--out", str(out),
                      case=f"{command}_out_is_folder")
    assert_clear_error(outcome, f"--out {out}", "a folder of that name exists",
                       f"such as {out / example}")
    if command != "replicates":
        assert "chunk0.npz" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "out")


# --- 9. an empty --out ----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["prepare-matrix", "opportunities"])
def test_empty_out_is_refused(command: str, tmp_path: Path, fasta: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "in" / "m.tsv"
    table.parent.mkdir()
    table.write_text("feature\ta\tb\nx\t1\t2\ny\t3\t0\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    options = (["--input", str(table), "--name", "m"] if command == "prepare-matrix"
               else ["--reference", str(fasta)])
    outcome = run_cli(capsys, command, *options, "--out", "", case=f"{command}_empty_out")
    assert_clear_error(outcome, "--out ''", "empty path", str(work))
    assert_nothing_written(work)


# --- 4. a group name that is too long -------------------------------------------------------

def test_too_long_group_in_groups_file_says_the_length(tmp_path: Path, catalog: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    groups = tmp_path / "groups.tsv"
    long_name = "x" * 300
    groups.write_text(f"sample\tgroup\ns0\t{long_name}\ns1\t{long_name}\ns2\tB\ns3\tB\n")
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(tmp_path / "out"), case="group_too_long")
    assert_clear_error(outcome, str(groups), "too long (300 characters)", "at most 200")
    assert long_name not in outcome.err, "the message quotes a shortened name"
    assert_nothing_written(tmp_path / "out")


def test_too_long_group_in_samples_sheet_says_the_length() -> None:
    with pytest.raises(InputError) as raised:
        check_group_name("g" * 250, "samples sheet s.tsv: line 3 (sample 'S1')")
    message = str(raised.value)
    assert "samples sheet s.tsv: line 3" in message
    assert "too long (250 characters; a group name has at most 200 characters" in message
    assert "Rename it" in message


# --- 5. a gzip or Parquet file named like a text table -------------------------------------

@pytest.mark.parametrize(("kind", "fragments"), [
    ("gzip", ("is gzip-compressed", "gzip -dc {path} > {folder}/in.plain.tsv",
              "decompressed file")),
    ("parquet", ("is a Parquet file", "Rename it to end in .parquet", "{folder}/in.parquet")),
])
def test_binary_table_named_as_text_names_its_format(kind: str, fragments: tuple[str, ...],
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame({"a": [1, 3], "b": [2, 0]}, index=pd.Index(["x", "y"], name="feature"))
    path = tmp_path / "in" / "in.tsv"
    path.parent.mkdir()
    if kind == "gzip":
        path.write_bytes(gzip.compress(frame.to_csv(sep="\t").encode()))
    else:
        frame.to_parquet(path)
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(path), "--name", "m", "--out",
                      str(tmp_path / "out"), case=f"table_{kind}_named_tsv")
    assert_clear_error(outcome, str(path),
                       *(f.format(path=path, folder=path.parent) for f in fragments))
    assert "not UTF-8" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "out")


def test_gzipped_catalog_names_the_decompressed_file(tmp_path: Path, catalog: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    packed = tmp_path / "SBS96.tsv.gz"
    packed.write_bytes(gzip.compress(catalog.read_bytes()))
    outcome = _refit(capsys, packed, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                     case="refit_catalog_tsv_gz")
    assert_clear_error(outcome, str(packed), "is gzip-compressed",
                       f"gzip -dc {packed} > {tmp_path / 'SBS96.tsv'}")
    assert_nothing_written(tmp_path / "out")


# --- 6. refit: labels differing only in case, a transposed catalog --------------------------

def test_refit_of_lower_case_labels_says_only_case_differs(
        tmp_path: Path, catalog_frame: pd.DataFrame,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lower.tsv"
    write_matrix(catalog_frame.rename(index=str.lower), path, integer=True)
    outcome = _refit(capsys, path, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                     case="refit_lower_case_labels")
    assert_clear_error(outcome, str(path), "written in another case",
                       "'a[c>a]a' on line 2 for 'A[C>A]A'")
    assert_nothing_written(tmp_path / "out")


def test_refit_of_transposed_catalog_says_transposed(
        tmp_path: Path, catalog_frame: pd.DataFrame,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "transposed.tsv"
    write_matrix(catalog_frame.T, path, integer=True)
    outcome = _refit(capsys, path, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                     case="refit_transposed_catalog")
    assert_clear_error(outcome, str(path), "looks transposed", "'A[C>A]A'",
                       "one row per feature (channel), one column per sample")
    assert_nothing_written(tmp_path / "out")


def test_generic_refit_of_transposed_matrix_says_transposed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    features = [f"gene{i}" for i in range(6)]
    signatures = tmp_path / "signatures.tsv"
    write_matrix(pd.DataFrame(np.full((6, 2), 1 / 6), index=features, columns=["P1", "P2"]),
                 signatures)
    matrix = tmp_path / "transposed.tsv"
    write_matrix(pd.DataFrame(np.ones((3, 6)), index=["a", "b", "c"], columns=features),
                 matrix, integer=True)
    outcome = _refit(capsys, matrix, tmp_path / "out", "--generic", "--method", "nnls",
                     "--signatures", str(signatures), case="refit_generic_transposed")
    assert_clear_error(outcome, str(matrix), "different features", "looks transposed")
    assert_nothing_written(tmp_path / "out")


def test_refit_of_unknown_labels_to_shipped_set_says_generic(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matrix = tmp_path / "genes.tsv"
    write_matrix(pd.DataFrame(np.ones((6, 3)), index=[f"gene{i}" for i in range(6)],
                              columns=["a", "b", "c"]), matrix, integer=True)
    outcome = _refit(capsys, matrix, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                     case="refit_unknown_labels_shipped_set")
    assert_clear_error(outcome, str(matrix), "'gene0'", "no known mutation channel set",
                       "--generic with a signature table file")
    assert "picks the catalog's channel set itself" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "out")


# --- 7. unknown --decompose-into ------------------------------------------------------------

def test_unknown_decompose_into_names_the_option(tmp_path: Path, catalog: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    def no_refit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refit ran before --decompose-into was checked")

    monkeypatch.setattr("sigforge.refit.refit_catalog", no_refit)
    outcome = _refit(capsys, catalog, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                     "--decompose-into", "NoSuchSet", case="refit_decompose_into_unknown")
    assert_clear_error(outcome, "--decompose-into NoSuchSet", "COSMIC_v3.6", "existing file")
    assert_nothing_written(tmp_path / "out")


# --- 8. --generic with a shipped set --------------------------------------------------------

def test_generic_refit_to_shipped_set_explains_it_needs_a_file(
        tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = _refit(capsys, catalog, tmp_path / "out", "--generic", "--method", "nnls",
                     "--signatures", "COSMIC_v3.6", case="refit_generic_shipped_set")
    assert_clear_error(outcome, "--signatures COSMIC_v3.6", "with --generic",
                       "signature table file", "for mutation catalogs", "drop --generic")
    assert "file not found" not in outcome.err, outcome.err
    assert_nothing_written(tmp_path / "out")


# --- 10. a MAF row ending before it starts --------------------------------------------------

def test_maf_end_before_start_is_refused(tmp_path: Path, fasta: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "in.maf"
    rows = [("G", "chr1", 5, 5, "SNP", CHR1[4], CHR1[4], "A", "M1"),
            ("G", "chr1", 20, 11, "SNP", CHR1[19], CHR1[19], "A", "M1")]
    maf.write_text(MAF_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--out", str(tmp_path / "out"), case="maf_end_before_start")
    assert_clear_error(outcome, f"MAF {maf}", "line 3", "sample 'M1'",
                       "End_Position 11 is before Start_Position 20", "correct the positions")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("end", [21, 20, 19])
def test_maf_insertion_may_end_next_to_its_start(tmp_path: Path, fasta: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 end: int) -> None:
    """An insertion's positions flank the inserted bases; writers put End at Start + 1, Start
    or Start - 1, and all are read (one indel counted), while End = Start - 2 is refused."""
    maf = tmp_path / "in.maf"
    rows = [("G", "chr1", 20, end, "INS", "-", "-", "T", "M1")]
    maf.write_text(MAF_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    out = tmp_path / "out"
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--contexts", "ID83", "--out", str(out)).code == 0
    assert int(read_table(out / "ID83.tsv")["M1"].sum()) == 1
    rows = [("G", "chr1", 20, 18, "INS", "-", "-", "T", "M1")]
    maf.write_text(MAF_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--out", str(tmp_path / "bad"))
    assert_clear_error(outcome, "End_Position 18 is before Start_Position 20")

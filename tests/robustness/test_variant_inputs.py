"""Hostile variant and reference inputs to ``sigforge catalog`` and ``merge-catalogs``.

Each case either reads a legitimately readable input correctly (the catalog equals the one of
the plain equivalent) or stops with exit 2 and one message naming the file, the line, contig
position or sample, and the fix, leaving no output behind (see ``_harness``).
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pysam
import pytest

from sigforge.genomics import read_catalog
from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.io import read_table
from tests.robustness._harness import (
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
CHR2 = "TTGACCAGTACGGATCAGTCAGGCTAGCTAGGACTTACGATCGGCATCAGCTACGATCAGCATCGACGAT"
SNV_POSITIONS = (5, 11, 20, 33, 47, 60)

VCF_HEADER = ("##fileformat=VCFv4.2\n"
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOUR\n")
MAF_HEADER = ("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
              "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n")


def _alt(base: str) -> str:
    """A base other than ``base`` (the ALT of a test SNV)."""
    return "A" if base != "A" else "C"


def _snvs(contig: str = "chr1", sequence: str = CHR1) -> list[tuple]:
    """Well-formed SNV records on the test FASTA (REF matches, away from contig ends)."""
    return [(contig, p, sequence[p - 1], _alt(sequence[p - 1]), "PASS") for p in SNV_POSITIONS]


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """The test genome: two 70-bp contigs, indexed."""
    return make_fasta({"chr1": CHR1, "chr2": CHR2})


def _catalog(capsys: pytest.CaptureFixture[str], out: Path, reference: Path, *inputs: str,
             case: str) -> Outcome:
    """Run ``sigforge catalog --reference REF INPUTS --out OUT`` as one case of the table."""
    return run_cli(capsys, "catalog", "--reference", str(reference), *inputs, "--out",
                   str(out), case=case)


def _raw_vcf(path: Path, *lines: str) -> Path:
    """A VCF with a 3-line header and the given data lines, written verbatim."""
    path.write_text(VCF_HEADER + "".join(f"{line}\n" for line in lines))
    return path


def _maf(path: Path, rows: list[tuple]) -> Path:
    """A MAF (GDC columns) with the given rows, written verbatim."""
    path.write_text(MAF_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def _maf_snvs(sample: str = "S1") -> list[tuple]:
    """MAF rows of the test SNVs on chr1."""
    return [("G", "chr1", p, p, "SNP", CHR1[p - 1], CHR1[p - 1], _alt(CHR1[p - 1]), sample)
            for p in SNV_POSITIONS]


def _same_catalogs(first: Path, second: Path) -> None:
    """Two catalog directories hold equal catalogs and logs (the log's source aside)."""
    for context in ("SBS96", "DBS78", "ID83"):
        assert read_catalog(first / f"{context}.tsv").data.equals(
            read_catalog(second / f"{context}.tsv").data), context
    text = list(LOG_TEXT_COLUMNS)
    assert read_table(first / "catalog_log.tsv").drop(columns=text, errors="ignore").equals(
        read_table(second / "catalog_log.tsv").drop(columns=text, errors="ignore"))


# --- VCF containers --------------------------------------------------------------------------

def test_plain_gzip_vcf_is_read_like_the_plain_file(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    plain = make_vcf(_snvs() + [("chr1", 26, "T", "TG", "PASS")])
    gz = tmp_path / "gz.vcf.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert _catalog(capsys, tmp_path / "plain", fasta, "--vcf", str(plain),
                    case="vcf_plain").code == 0
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(gz),
                       case="vcf_plain_gzip")
    assert outcome.code == 0, outcome.err
    _same_catalogs(tmp_path / "plain", tmp_path / "out")
    assert read_catalog(tmp_path / "out/SBS96.tsv").data["TUMOUR"].sum() == len(SNV_POSITIONS)


def test_truncated_bgzip_vcf(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    records = [rec for rec in _snvs() for _ in range(2000)]  # > 64 kB: several BGZF blocks
    full = make_vcf(records, name="big.vcf", compress=True).read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(full[: len(full) // 2 + 7])  # inside a block
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(cut),
                       case="vcf_truncated_bgzip")
    assert_clear_error(outcome, str(cut), "truncated", "bgzip")
    assert_nothing_written(tmp_path / "out")


def test_truncated_plain_gzip_vcf(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    records = [rec for rec in _snvs() for _ in range(2000)]
    full = gzip.compress(make_vcf(records, name="big.vcf").read_bytes())
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(full[: len(full) // 2])
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(cut),
                       case="vcf_truncated_gzip")
    assert_clear_error(outcome, str(cut), "truncated", "line")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("case", "content", "fragments"), [
    ("vcf_binary_junk", os.urandom(4096), ["not a VCF", "binary"]),
    ("vcf_empty_file", b"", ["empty"]),
    ("vcf_text_not_vcf", b"chrom\tpos\tref\talt\nchr1\t5\tT\tA\n", ["not a VCF", "chrom"]),
])
def test_file_that_is_not_a_vcf(case: str, content: bytes, fragments: list[str],
                                tmp_path: Path, fasta: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    vcf = tmp_path / "input.vcf"
    vcf.write_bytes(content)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), case=case)
    assert_clear_error(outcome, str(vcf), *fragments)
    assert_nothing_written(tmp_path / "out")


# --- malformed VCF records -----------------------------------------------------------------

GOOD_LINE = "chr1\t5\t.\tT\tA\t.\tPASS\t.\tGT\t0/1"


@pytest.mark.parametrize(("case", "bad_line", "fragment"), [
    ("vcf_too_few_columns", "chr1\t11\t.\tG", "4 tab-separated column(s)"),
    ("vcf_pos_not_numeric", "chr1\tx11\t.\tG\tA\t.\tPASS\t.\tGT\t0/1", "POS 'x11'"),
    ("vcf_pos_zero", "chr1\t0\t.\tG\tA\t.\tPASS\t.\tGT\t0/1", "POS 0"),
    ("vcf_pos_negative", "chr1\t-11\t.\tG\tA\t.\tPASS\t.\tGT\t0/1", "POS '-11'"),
    ("vcf_pos_overflow", "chr1\t99999999999999999999\t.\tG\tA\t.\tPASS\t.\tGT\t0/1",
     "POS '99999999999999999999'"),
    ("vcf_ref_empty", "chr1\t11\t.\t\tA\t.\tPASS\t.\tGT\t0/1", "REF is empty"),
])
def test_malformed_vcf_line_is_named(case: str, bad_line: str, fragment: str, tmp_path: Path,
                                     fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _raw_vcf(tmp_path / "bad.vcf", GOOD_LINE, bad_line)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), case=case)
    assert_clear_error(outcome, str(vcf), "line 5", fragment, "Correct or remove that line")
    assert_nothing_written(tmp_path / "out")


def test_header_only_vcf_is_a_sample_without_variants(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([], name="none.vcf", compress=True)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_header_only")
    assert outcome.code == 0, outcome.err
    assert read_catalog(tmp_path / "out/SBS96.tsv").data["TUMOUR"].sum() == 0
    log = read_table(tmp_path / "out/catalog_log.tsv")
    assert log.loc["TUMOUR", "variants_read"] == 0


# --- builds and contigs --------------------------------------------------------------------

def test_vcf_past_contig_ends_is_another_build(tmp_path: Path, fasta: Path,
                                               make_vcf: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([("chr1", 1000 + p, "C", "A", "PASS") for p in range(5)], name="hg38.vcf")
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_past_contig_end")
    assert_clear_error(outcome, str(vcf), str(fasta), "5 of 5 variants",
                       "past the end of their contig", "chr1:1000", "give the FASTA")
    assert_nothing_written(tmp_path / "out")


def test_vcf_header_contig_lengths_differ(tmp_path: Path, fasta: Path,
                                          make_vcf: Callable[..., Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf(_snvs(), contigs={"chr1": 248_956_422})
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_header_contig_length")
    assert_clear_error(outcome, str(vcf), "248,956,422", str(fasta), "matching FASTA")
    assert_nothing_written(tmp_path / "out")


def test_ref_mismatch_majority(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                               capsys: pytest.CaptureFixture[str]) -> None:
    records = [("chr1", p, _alt(CHR1[p - 1]), "G", "PASS") for p in SNV_POSITIONS]
    vcf = make_vcf(records)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_ref_mismatch")
    assert_clear_error(outcome, str(vcf), "sample TUMOUR", "REF that differs", "chr1:5",
                       "give the FASTA")
    assert_nothing_written(tmp_path / "out")


def test_chr_aliasing_counts_like_the_fasta_names(tmp_path: Path, fasta: Path,
                                                  make_vcf: Callable[..., Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    named = make_vcf(_snvs() + _snvs("chr2", CHR2), name="named.vcf")
    bare = make_vcf(_snvs("1") + _snvs("2", CHR2), name="bare.vcf")
    assert _catalog(capsys, tmp_path / "named", fasta, "--vcf", str(named),
                    case="vcf_chr_names").code == 0
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(bare),
                       case="vcf_bare_names_aliased")
    assert outcome.code == 0, outcome.err
    _same_catalogs(tmp_path / "named", tmp_path / "out")
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["TUMOUR"]
    assert (log["counted_SBS96"], log["contig_missing"]) == (2 * len(SNV_POSITIONS), 0)


def test_vcf_on_contigs_absent_from_the_fasta(tmp_path: Path, fasta: Path,
                                              make_vcf: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([("NC_000001.11", p, "C", "A", "PASS") for p in SNV_POSITIONS])
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_contigs_all_missing")
    assert_clear_error(outcome, str(vcf), str(fasta), "NC_000001.11 (6)", "chr1, chr2",
                       "Give the FASTA the variants were called against")
    assert_nothing_written(tmp_path / "out")


def test_a_few_variants_on_missing_contigs_are_counted_not_fatal(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    records = [rec for _ in range(10) for rec in _snvs()]  # 60, mostly duplicates
    records += [("chrUn_decoy", 5, "C", "A", "PASS"), ("chrUn_decoy", 9, "C", "A", "PASS")]
    vcf = make_vcf(records)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_few_contigs_missing")
    assert outcome.code == 0, outcome.err
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["TUMOUR"]
    assert log["contig_missing"] == 2 and log["counted_SBS96"] == len(SNV_POSITIONS)


# --- samples -------------------------------------------------------------------------------

def test_duplicate_sample_columns(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf(_snvs(), samples=("T1", "N", "T1"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_duplicate_sample_columns")
    assert_clear_error(outcome, str(vcf), "'T1'", "#CHROM", "bcftools reheader")
    assert_nothing_written(tmp_path / "out")


def test_vcf_sample_that_does_not_exist(tmp_path: Path, fasta: Path,
                                        make_vcf: Callable[..., Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf(_snvs(), samples=("NORMAL", "TUMOUR"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), "--vcf-sample",
                       "TUMOR", case="vcf_sample_missing")
    assert_clear_error(outcome, str(vcf), "'TUMOR' not found", "2: NORMAL, TUMOUR",
                       "--vcf-sample")
    assert_nothing_written(tmp_path / "out")


def test_two_inputs_with_the_same_sample_name(tmp_path: Path, fasta: Path,
                                              make_vcf: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    first = make_vcf(_snvs(), name="first.vcf")
    second = make_vcf(_snvs("chr2", CHR2), name="second.vcf")
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(first), str(second),
                       case="same_sample_two_inputs")
    assert_clear_error(outcome, "'TUMOUR'", str(first), str(second), "--sample-name")
    assert_nothing_written(tmp_path / "out")


# --- MAF -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "start", "fragment"), [
    ("maf_start_overflow", "99999999999999999999", "'99999999999999999999'"),
    ("maf_start_not_numeric", "11x", "'11x'"),
    ("maf_start_negative", "-11", "'-11'"),
    ("maf_start_zero", "0", "'0'"),
])
def test_maf_bad_start_position(case: str, start: str, fragment: str, tmp_path: Path,
                                fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _maf_snvs()
    rows[2] = (*rows[2][:2], start, *rows[2][3:])
    maf = _maf(tmp_path / "bad.maf", rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf), case=case)
    assert_clear_error(outcome, str(maf), "line 4", "Start_Position", fragment,
                       "Correct or remove that row")
    assert_nothing_written(tmp_path / "out")


def test_maf_missing_columns(tmp_path: Path, fasta: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "cols.maf"
    maf.write_text("Chromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\n"
                   "chr1\t5\tT\tA\n")
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf),
                       case="maf_missing_columns")
    assert_clear_error(outcome, str(maf), "missing column(s) Tumor_Sample_Barcode",
                       "End_Position", "GDC columns")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("case", "text", "fragment"), [
    ("maf_empty_file", "", "empty"),
    ("maf_header_only", MAF_HEADER, "no variant rows"),
])
def test_maf_without_rows(case: str, text: str, fragment: str, tmp_path: Path, fasta: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "none.maf"
    maf.write_text(text)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf), case=case)
    assert_clear_error(outcome, str(maf), fragment)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("case", "column", "value"), [
    ("maf_junk_alt_allele", 7, "Z"),
    ("maf_junk_ref_allele", 5, "1"),
    ("maf_empty_alt_allele", 7, ""),
])
def test_maf_junk_alleles(case: str, column: int, value: str, tmp_path: Path, fasta: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    rows = _maf_snvs()
    row = list(rows[1])
    row[column] = value
    if column == 5:
        row[6] = value
    rows[1] = tuple(row)
    maf = _maf(tmp_path / "junk.maf", rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf), case=case)
    name = "Tumor_Seq_Allele" if column == 7 else "Reference_Allele"
    assert_clear_error(outcome, str(maf), "line 3", name,
                       f"'{value}' is not an allele" if value else "is blank or NA",
                       "Correct or remove that row")
    assert_nothing_written(tmp_path / "out")


def test_maf_lower_case_alleles_count_like_upper_case(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upper = _maf(tmp_path / "upper.maf", _maf_snvs())
    lower = _maf(tmp_path / "lower.maf", [(*row[:5], *(a.lower() for a in row[5:8]), row[8])
                                          for row in _maf_snvs()])
    assert _catalog(capsys, tmp_path / "upper", fasta, "--maf", str(upper),
                    case="maf_upper_case").code == 0
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(lower),
                       case="maf_lower_case")
    assert outcome.code == 0, outcome.err
    _same_catalogs(tmp_path / "upper", tmp_path / "out")
    assert read_catalog(tmp_path / "out/SBS96.tsv").data["S1"].sum() == len(SNV_POSITIONS)


def test_maf_from_another_build(tmp_path: Path, fasta: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    rows = [("G", "chr2", 500 + p, 500 + p, "SNP", "C", "C", "T", "S1") for p in range(4)]
    maf = _maf(tmp_path / "grch38.maf", rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf),
                       case="maf_past_contig_end")
    assert_clear_error(outcome, str(maf), "sample S1", "past the end", "chr2:500",
                       "give the FASTA")
    assert_nothing_written(tmp_path / "out")


# --- reference FASTA -----------------------------------------------------------------------

def test_stale_fai_after_the_fasta_was_edited(tmp_path: Path, make_vcf: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    fasta = tmp_path / "edited.fa"
    fasta.write_text(f">chr1\n{CHR1}\n>chr2\n{CHR2}\n")
    pysam.faidx(str(fasta))
    fasta.write_text(f">chr1 edited\n{CHR1[:30]}\n{CHR1[30:]}\n>chr2\n{CHR2}\n")
    vcf = make_vcf(_snvs())
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="fasta_stale_fai")
    assert_clear_error(outcome, str(fasta), f"{fasta}.fai", "does not match",
                       "samtools faidx", "delete the .fai")
    assert_nothing_written(tmp_path / "out")


def test_fai_of_another_fasta(tmp_path: Path, fasta: Path, make_fasta: Callable[..., Path],
                              make_vcf: Callable[..., Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    other = make_fasta({"1": CHR2, "2": CHR1 + CHR2}, name="other.fa")
    shutil.copy(f"{other}.fai", f"{fasta}.fai")
    vcf = make_vcf(_snvs())
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="fasta_fai_of_other_file")
    assert_clear_error(outcome, str(fasta), "does not match", "samtools faidx")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("case", "kind", "fragments"), [
    ("fasta_binary_junk", "junk", ["not a FASTA", "binary"]),
    ("fasta_empty_file", "empty", ["empty"]),
    ("fasta_is_a_vcf", "vcf", ["not a FASTA", "##fileformat=VCF"]),
    ("fasta_plain_gzip", "gzip", ["gzip-compressed, not bgzip", "bgzip >"]),
])
def test_reference_that_is_not_a_usable_fasta(case: str, kind: str, fragments: list[str],
                                              tmp_path: Path, fasta: Path,
                                              make_vcf: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf(_snvs())
    reference = tmp_path / "reference.fa"
    content = {"junk": os.urandom(4096), "empty": b"", "vcf": vcf.read_bytes(),
               "gzip": gzip.compress(fasta.read_bytes())}[kind]
    reference.write_bytes(content)
    before = files_under(tmp_path)
    outcome = _catalog(capsys, tmp_path / "out", reference, "--vcf", str(vcf), case=case)
    assert_clear_error(outcome, str(reference), *fragments)
    assert_nothing_written(tmp_path, before)


def test_bgzip_fasta_without_gzi_is_indexed_and_read(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    packed = tmp_path / "packed.fa.gz"
    pysam.tabix_compress(str(fasta), str(packed))
    assert not Path(f"{packed}.gzi").exists()
    vcf = make_vcf(_snvs())
    assert _catalog(capsys, tmp_path / "plain", fasta, "--vcf", str(vcf),
                    case="fasta_plain").code == 0
    outcome = _catalog(capsys, tmp_path / "out", packed, "--vcf", str(vcf),
                       case="fasta_bgzip_without_gzi")
    assert outcome.code == 0, outcome.err
    _same_catalogs(tmp_path / "plain", tmp_path / "out")


def test_a_plain_annotation_named_gz_is_read_by_its_content(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Annotations are opened as their first bytes say: a plain GTF named '.gtf.gz' reads
    (it was refused as unreadable text)."""
    genes = tmp_path / "genes.gtf.gz"
    genes.write_bytes(b'chr1\tsrc\tgene\t1\t60\t.\t+\t.\tgene_id "g1";\n')
    vcf = make_vcf(_snvs())
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), "--contexts",
                       "SBS288", "--annotation", str(genes), case="annotation_plain_named_gz")
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize(("case", "name", "content"), [
    ("annotation_binary_junk", "genes.gtf", b"\x8c\x00\xff" * 100),
    ("annotation_broken_gzip", "genes.gtf.gz", b"\x1f\x8b\x08\x00" + b"\x8c\x00\xff" * 30),
])
def test_unreadable_gene_annotation(case: str, name: str, content: bytes, tmp_path: Path,
                                    fasta: Path, make_vcf: Callable[..., Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    genes = tmp_path / name
    genes.write_bytes(content)
    vcf = make_vcf(_snvs())
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), "--contexts",
                       "SBS288", "--annotation", str(genes), case=case)
    assert_clear_error(outcome, str(genes), "line 1", "cannot be read as text", "GTF")
    assert_nothing_written(tmp_path / "out")


# --- merge-catalogs ------------------------------------------------------------------------

def _sample_dirs(tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
                 capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """Two per-sample catalog directories, ``a`` and ``b``, as the workflow writes them."""
    for name, records in (("a", _snvs()), ("b", _snvs("chr2", CHR2))):
        vcf = make_vcf(records, name=f"{name}.vcf")
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                       "--sample-name", name, "--out", str(tmp_path / name)).code == 0
    return tmp_path / "a", tmp_path / "b"


@pytest.mark.parametrize(("case", "file", "cut", "fragment"), [
    ("merge_catalog_cut_mid_line", "SBS96.tsv", "mid_line", "line"),
    ("merge_catalog_cut_at_line_end", "SBS96.tsv", "line_end", "missing"),
    ("merge_catalog_last_digit_lost", "SBS96.tsv", "digit", "counted_SBS96"),
    ("merge_log_cut", "catalog_log.tsv", "mid_line", "catalog_log.tsv"),
])
def test_truncated_per_sample_catalog(case: str, file: str, cut: str, fragment: str,
                                      tmp_path: Path, fasta: Path,
                                      make_vcf: Callable[..., Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _sample_dirs(tmp_path, fasta, make_vcf, capsys)
    target = second / file
    text = target.read_text()
    if cut == "mid_line":
        text = text[: len(text) // 2 + 3]
    elif cut == "line_end":
        text = "".join(text.splitlines(keepends=True)[:50])
    else:  # a count of 1 loses its digit: '...\t1\n' -> '...\t\n' would be empty, so 1 -> 0
        lines = text.splitlines(keepends=True)
        row = next(i for i, line in enumerate(lines) if line.rstrip().endswith("\t1"))
        lines[row] = lines[row].rstrip()[:-1] + "0\n"
        text = "".join(lines)
    target.write_text(text)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(first), str(second), "--out",
                      str(tmp_path / "cohort"), case=case)
    assert_clear_error(outcome, str(second), fragment, "rerun 'sigforge catalog'")
    assert_nothing_written(tmp_path / "cohort")


def test_merge_of_the_same_sample_twice(tmp_path: Path, fasta: Path,
                                        make_vcf: Callable[..., Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    first, _ = _sample_dirs(tmp_path, fasta, make_vcf, capsys)
    copy = tmp_path / "copy"
    shutil.copytree(first, copy)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(first), str(copy), "--out",
                      str(tmp_path / "cohort"), case="merge_same_sample_twice")
    assert_clear_error(outcome, "'a'", str(first), str(copy), "distinct name")
    assert_nothing_written(tmp_path / "cohort")


def test_merge_of_intact_directories_still_works(tmp_path: Path, fasta: Path,
                                                 make_vcf: Callable[..., Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _sample_dirs(tmp_path, fasta, make_vcf, capsys)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(first), str(second), "--out",
                      str(tmp_path / "cohort"), case="merge_intact")
    assert outcome.code == 0, outcome.err
    cohort = read_catalog(tmp_path / "cohort/SBS96.tsv").data
    assert list(cohort.columns) == ["a", "b"]
    assert cohort.sum().tolist() == [len(SNV_POSITIONS)] * 2
    assert isinstance(read_table(tmp_path / "cohort/catalog_log.tsv"), pd.DataFrame)


def test_maf_blank_barcode_names_its_line(tmp_path: Path, fasta: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    rows = _maf_snvs()
    rows[1] = (*rows[1][:-1], "  ")
    maf = _maf(tmp_path / "blank.maf", rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf),
                       case="maf_blank_barcode")
    assert_clear_error(outcome, str(maf), "line 3", "Tumor_Sample_Barcode is blank",
                       "Fill in the barcode")
    assert outcome.err.count("sigforge catalog") == 1
    assert_nothing_written(tmp_path / "out")


def test_vcf_sample_name_not_utf8(tmp_path: Path, fasta: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    vcf = tmp_path / "latin1.vcf"
    header = VCF_HEADER.replace("\tTUMOUR", "\tTUMOUR_R\xe9f")
    vcf.write_bytes(header.encode("latin-1"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf),
                       case="vcf_sample_not_utf8")
    assert_clear_error(outcome, str(vcf), "#CHROM header line", "not UTF-8", "bcftools reheader")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("option", ["--vcf", "--maf", "--reference"])
def test_a_device_is_refused_not_read_forever(option: str, tmp_path: Path, fasta: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              make_vcf: Callable[..., Path]) -> None:
    inputs = {"--vcf": ["--vcf", "/dev/zero"], "--maf": ["--maf", "/dev/zero"],
              "--reference": ["--vcf", str(make_vcf(_snvs()))]}[option]
    reference = Path("/dev/zero") if option == "--reference" else fasta
    outcome = _catalog(capsys, tmp_path / "out", reference, *inputs, case=f"device{option}")
    assert_clear_error(outcome, "/dev/zero", "is not a regular file")
    assert_nothing_written(tmp_path / "out")


def test_vcf_with_a_byte_order_mark_says_so(tmp_path: Path, fasta: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf(_snvs(), name="bom.vcf")
    vcf.write_bytes(b"\xef\xbb\xbf" + vcf.read_bytes())
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(vcf), case="vcf_bom")
    assert_clear_error(outcome, str(vcf), "byte-order mark", "sed -i")
    assert "binary" not in outcome.err
    assert_nothing_written(tmp_path / "out")


def test_vcf_dir_without_variant_files_says_so(tmp_path: Path, fasta: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "vcfs"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a VCF\n")
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf-dir", str(folder),
                       case="vcf_dir_without_vcfs")
    assert_clear_error(outcome, f"--vcf-dir {folder}", "holds no VCF, BCF or MAF file", ".vcf.gz")
    assert "no input given" not in outcome.err
    assert_nothing_written(tmp_path / "out")

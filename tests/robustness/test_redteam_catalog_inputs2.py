"""Catalog inputs a red-team sweep found miscounted: MAF sample options, MAF ``NA`` alleles,
doublet records at a targeted region's edge, GTF/GFF3 gene rows, the SBS288 annotation in the
catalog log, and ``refit --assay regions`` given a catalog that is not the regions'.

Each test states a fact that was false before its fix (the old result in its docstring).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sigforge.io import read_table
from tests.robustness._harness import assert_clear_error, files_under, run_cli

_RANDOM = random.Random(11)
CHR1 = "".join(_RANDOM.choice("ACGT") for _ in range(3000))
MAF_HEADER = ("Chromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
              "Tumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n")


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """chr1: 3,000 random bases, indexed."""
    return make_fasta({"chr1": CHR1})


def _other(base: str) -> str:
    """A base other than ``base``."""
    return "A" if base != "A" else "C"


def _maf(path: Path, rows: list[tuple[object, ...]]) -> Path:
    """A MAF of ``rows`` (Chromosome .. Tumor_Sample_Barcode)."""
    path.write_text(MAF_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def _snv(pos: int, sample: str) -> tuple[object, ...]:
    """A MAF SNP row at chr1:pos."""
    ref = CHR1[pos - 1]
    return ("chr1", pos, pos, ref, ref, _other(ref), sample)


def _log(folder: Path) -> pd.DataFrame:
    return read_table(folder / "catalog_log.tsv")


def test_sample_from_filename_refuses_a_maf_of_several_tumours(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It pooled both barcodes into one column: S1's and S2's adjacent SNVs became one
    doublet and S2's recurrence of S1's mutation a ``duplicate``. A MAF of one barcode is
    still named after its file."""
    cohort = _maf(tmp_path / "two.maf", [_snv(100, "S1"), _snv(101, "S2"), _snv(500, "S1"),
                                         _snv(500, "S2")])
    out = tmp_path / "pooled"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(cohort),
                      "--sample-from-filename", "--out", str(out))
    assert_clear_error(outcome, "two.maf", "2 tumours", "S1, S2", "Leave the option out")
    assert not out.exists()
    one = _maf(tmp_path / "patient7.maf", [_snv(100, "T-07"), _snv(500, "T-07")])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(one),
                   "--sample-from-filename", "--out", str(tmp_path / "one")).code == 0
    assert _log(tmp_path / "one")["counted_SBS96"].to_dict() == {"patient7": 2}


def test_vcf_sample_and_sample_from_filename_are_refused_together(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--vcf-sample`` was dropped silently under ``--sample-from-filename``: every sample's
    records were counted as the one named, A's SNVs paired with B's into doublets."""
    cohort = _maf(tmp_path / "two.maf", [_snv(100, "S1"), _snv(101, "S2")])
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(cohort),
                      "--vcf-sample", "S1", "--sample-from-filename", "--out", str(out))
    assert_clear_error(outcome, "--sample-from-filename", "--vcf-sample", "--sample-name")
    assert not out.exists()


def test_a_maf_allele1_of_na_is_a_missing_allele(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R writes a missing Tumor_Seq_Allele1 as ``NA``; read as the bases N and A it made a
    phantom second variant (S1 read 2, one ``complex``), and S2, whose only tumour allele is
    the reference, one ``complex`` instead of ``no_change``."""
    ref1, ref2 = CHR1[99], CHR1[199]
    maf = _maf(tmp_path / "na.maf", [("chr1", 100, 100, ref1, "NA", _other(ref1), "S1"),
                                     ("chr1", 200, 200, ref2, "NA", ref2, "S2")])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf), "--out",
                   str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out")
    assert log.loc["S1", ["variants_read", "counted_SBS96", "complex"]].tolist() == [1, 1, 0]
    assert log.loc["S2", ["variants_read", "no_change", "complex"]].tolist() == [1, 1, 0]


def test_a_doublet_record_starting_outside_the_regions_takes_its_snv_row_with_it(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A DNP row at 100-101 with the SNP row of its second base, the BED starting at 101: the
    SNP row was counted in SBS96 inside (docs/assays.md: a doublet's inside half is never
    an SNV); it is the doublet's own base, a ``duplicate``."""
    ref = CHR1[99:101]
    alt = _other(ref[0]) + _other(ref[1])
    maf = _maf(tmp_path / "dnp.maf", [("chr1", 100, 101, ref, ref, alt, "S1"),
                                      ("chr1", 101, 101, ref[1], ref[1], alt[1], "S1")])
    bed = tmp_path / "edge.bed"
    bed.write_text("chr1\t100\t200\n")  # bases 101-200
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--regions", str(bed), "--out", str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out").loc["S1"]
    assert (log["counted_SBS96"], log["counted_DBS78"], log["outside_regions"],
            log["duplicate"]) == (0, 0, 1, 1)


def _gtf_row(feature: str, start: int, end: int, strand: str, attributes: str) -> str:
    return "\t".join(["chr1", "test", feature, str(start), str(end), ".", strand, ".",
                      attributes]) + "\n"


def _strand_label(tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
                  annotation: Path, pos: int) -> str:
    """The SBS288 label the SNV at chr1:pos gets (a pyrimidine REF lies on a + gene's coding
    strand: U; N outside genes)."""
    ref = CHR1[pos - 1]
    maf = _maf(tmp_path / f"{annotation.stem}.maf",
               [("chr1", pos, pos, ref, ref, _other(ref), "P1")])
    out = tmp_path / f"out_{annotation.stem}"
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--contexts", "SBS288", "--annotation", str(annotation), "--out",
                   str(out)).code == 0
    sbs288 = read_table(out / "SBS288.tsv")
    return str(sbs288.index[sbs288["P1"] > 0][0]).split(":")[0]


def _pyrimidine_site(start: int) -> int:
    """The first position from ``start`` whose base is C or T."""
    return next(pos for pos in range(start, len(CHR1)) if CHR1[pos - 1] in "CT")


def test_a_gene_without_transcripts_keeps_its_strand_beside_another_gene_s_transcript(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Gene B (+, 501-2500) has no transcript row; gene A's transcript (+, 1-1000) overlaps
    it. B was dropped whole, so a mutation at 1,500 (in B only) was ``N``; B is kept
    (``U``), matched to transcripts by its gene_id. A GFF3's ``ncRNA_gene`` rows count as
    genes, and a GFF3's ``##FASTA`` section ends its features (it was read as a row of 1
    column)."""
    pos = _pyrimidine_site(1500)
    gtf = tmp_path / "mixed.gtf"
    gtf.write_text(_gtf_row("gene", 1, 1000, "+", 'gene_id "A";')
                   + _gtf_row("transcript", 1, 1000, "+", 'gene_id "A"; transcript_id "A1";')
                   + _gtf_row("gene", 501, 2500, "+", 'gene_id "B";'))
    assert _strand_label(tmp_path, fasta, capsys, gtf, pos) == "U"
    gff = tmp_path / "genes.gff3"
    gff.write_text("##gff-version 3\n" + _gtf_row("ncRNA_gene", 1201, 1800, "+", "ID=gene:B")
                   + "##FASTA\n>chr1\nACGT\n")
    assert _strand_label(tmp_path, fasta, capsys, gff, pos) == "U"


def test_merging_sbs288_catalogs_of_two_annotations_is_warned_about(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """The log recorded no annotation, so one mutation labelled T in one sample and U in the
    other merged without a word."""
    pos = _pyrimidine_site(1500)
    folders = []
    for strand in "+-":
        bed = tmp_path / f"genes{'plus' if strand == '+' else 'minus'}.bed"
        bed.write_text(f"chr1\t0\t3000\tG\t0\t{strand}\n")
        name = f"P{len(folders) + 1}"
        ref = CHR1[pos - 1]
        maf = _maf(tmp_path / f"{name}.maf", [("chr1", pos, pos, ref, ref, _other(ref), name)])
        folder = tmp_path / name
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                       "--contexts", "SBS96", "SBS288", "--annotation", str(bed), "--out",
                       str(folder)).code == 0
        assert _log(folder).loc[name, "annotation"].startswith(bed.name + ":")
        folders.append(folder)
    caplog.set_level(logging.WARNING)
    assert run_cli(capsys, "merge-catalogs", "--inputs", *map(str, folders), "--out",
                   str(tmp_path / "merged")).code == 0
    assert "different gene annotations" in caplog.text
    assert "genesplus.bed" in caplog.text and "genesminus.bed" in caplog.text


def test_refit_assay_regions_refuses_a_catalog_that_is_not_the_regions(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Opportunities of a 30-bp BED lack most trinucleotides; a genome-wide catalog given
    with ``--catalog`` (or a VCF counted with another BED's --regions) was refitted without a
    word, a third of its mutations impossible under the rescaled signatures."""
    tiny = tmp_path / "tiny.bed"
    tiny.write_text("chr1\t1000\t1030\n")
    opportunities = tmp_path / "opp.tsv"
    assert run_cli(capsys, "opportunities", "--reference", str(fasta), "--regions", str(tiny),
                   "--out", str(opportunities)).code == 0
    rows = [_snv(pos, "S1") for pos in range(20, 2980, 7)]
    maf = _maf(tmp_path / "wide.maf", rows)
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--contexts", "SBS96", "--out", str(tmp_path / "cat")).code == 0
    out = tmp_path / "refit"
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "cat/SBS96.tsv"),
                      "--signatures", "COSMIC_v3.6", "--assay", "regions", "--opportunities",
                      str(opportunities), "--bootstrap", "0", "--out", str(out))
    assert_clear_error(outcome, "SBS96.tsv", "never occurs in the regions", "opp.tsv",
                       "sigforge opportunities --regions BED")
    assert not out.exists() or files_under(out) == []


@pytest.mark.parametrize("column", ["counted_DBS78", "filtered"])
def test_merge_catalogs_refuses_a_log_missing_a_column_every_log_has(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], column: str) -> None:
    """A per-sample log with its counted_DBS78 (or filtered) column deleted was merged with
    the column's counts as 0 (counted_DBS78 0 beside a DBS78.tsv of doublets)."""
    folders = []
    for name in ("P1", "P2"):
        maf = _maf(tmp_path / f"{name}.maf", [_snv(pos, name) for pos in range(20, 900, 31)])
        folder = tmp_path / name
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                       "--contexts", "SBS96", "DBS78", "ID83", "--out", str(folder)).code == 0
        folders.append(folder)
    log = _log(folders[1]).drop(columns=[column])
    log.to_csv(folders[1] / "catalog_log.tsv", sep="\t")
    out = tmp_path / "merged"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", *map(str, folders), "--out",
                      str(out))
    assert_clear_error(outcome, str(folders[1] / "catalog_log.tsv"), f"has no column {column}",
                       f"which {folders[0] / 'catalog_log.tsv'} has")
    assert not out.exists()

"""SBS96 counting from real VCF + FASTA files: every variant counted or skipped for one reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sigforge.genomics.catalog import SKIP_REASONS, assemble_cohort, count_sample
from sigforge.genomics.contexts import SBS96_INDEX
from sigforge.genomics.genome import ReferenceGenome
from sigforge.io import InputError

#           1234567890123456789012345678901234567890
CHR1 = "ACGTTACGCATGCANNNCATTACGGATCCAGTCAGTCATGCATGGTCA"
CHR2 = "TTGACCATGCAGT"


@pytest.fixture
def genome(make_fasta: Callable[..., Path]) -> ReferenceGenome:
    return ReferenceGenome(make_fasta({"chr1": CHR1, "chr2": CHR2}))


def _check_accounting(result) -> None:
    assert result.variants_read == result.counted + sum(result.skipped.values())


def test_every_skip_reason_and_counts(genome: ReferenceGenome,
                                      make_vcf: Callable[..., Path]) -> None:
    records = [
        ("chr1", 2, "C", "A", "PASS"),        # ACG -> A[C>A]G
        ("chr1", 4, "T", "G", "."),           # GTT -> G[T>G]T
        ("chr1", 6, "A", "C", "PASS"),        # TAC: purine -> G[T>G]A
        ("chr1", 8, "G", "A,T", "PASS", "1/2"),  # CGC: G>A -> G[C>T]G, G>T -> G[C>A]G
        ("chr1", 10, "A", "T", "LowQual"),    # filtered
        ("chr1", 12, "G", "GA", "PASS"),      # not_requested (an indel; only SBS96 asked)
        ("chr1", 15, "N", "A", "PASS"),       # ambiguous_base (REF N)
        ("chr1", 14, "A", "C", "PASS"),       # ambiguous_base (N in context)
        ("chr1", 20, "C", "A", "PASS"),       # ref_mismatch (FASTA has T)
        ("chr1", 1, "A", "C", "PASS"),        # contig_end
        ("chrUn", 5, "A", "C", "PASS"),       # contig_missing
        ("2", 3, "G", "T", "PASS"),           # alias 2 -> chr2: TGA -> T[C>A]A
        ("2", 3, "G", "T", "PASS"),           # duplicate
    ]
    result = count_sample(make_vcf(records), genome, sample="s1")
    expected = {"A[C>A]G": 1, "G[T>G]T": 1, "G[T>G]A": 1, "G[C>T]G": 1, "G[C>A]G": 1,
                "T[C>A]A": 1}
    for label, n in expected.items():
        assert result.counts[SBS96_INDEX[label]] == n, label
    assert result.counted == 6
    assert {k: v for k, v in result.skipped.items() if v} == {
        "filtered": 1, "not_requested": 1, "ambiguous_base": 2, "ref_mismatch": 1,
        "contig_end": 1, "contig_missing": 1, "duplicate": 1}
    _check_accounting(result)


def test_all_filters_counts_filtered(genome: ReferenceGenome,
                                     make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chr1", 10, "A", "T", "LowQual")])
    assert count_sample(vcf, genome, sample="s").counted == 0
    assert count_sample(vcf, genome, sample="s", all_filters=True).counted == 1


def test_bgzipped_indexed_vcf(genome: ReferenceGenome, make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chr1", 2, "C", "A", "PASS")], name="s.vcf", compress=True)
    assert vcf.name.endswith(".vcf.gz")
    assert count_sample(vcf, genome, sample="s").counted == 1


def test_multi_sample_vcf_uses_the_chosen_genotype(genome: ReferenceGenome,
                                                   make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chr1", 2, "C", "A", "PASS", "0/0", "0/1"),
                    ("chr1", 4, "T", "G", "PASS", "0/1", "0/0")],
                   samples=("NORMAL", "TUMOUR"))
    with pytest.raises(InputError, match="2 sample columns"):
        count_sample(vcf, genome, sample="t")
    result = count_sample(vcf, genome, sample="t", vcf_sample="TUMOUR")
    assert result.counted == 1 and result.skipped["not_in_sample"] == 1
    _check_accounting(result)


def test_header_length_mismatch_names_both_builds(genome: ReferenceGenome,
                                                  make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chr1", 2, "C", "A", "PASS")], contigs={"chr1": 249_250_621})
    with pytest.raises(InputError, match=r"length 249,250,621.*length 48"):
        count_sample(vcf, genome, sample="s")


def test_ref_mismatch_rate_stops_with_build_message(genome: ReferenceGenome,
                                                    make_vcf: Callable[..., Path]) -> None:
    records = [("chr1", pos, "A" if CHR1[pos - 1] != "A" else "C", "G", "PASS")
               for pos in (3, 5, 7, 9)]
    with pytest.raises(InputError, match="4 of 4 variants.*chr1:3.*different genome builds"):
        count_sample(make_vcf(records), genome, sample="s")


def test_missing_vcf_and_fasta(tmp_path: Path, genome: ReferenceGenome) -> None:
    with pytest.raises(InputError, match="file not found"):
        count_sample(tmp_path / "absent.vcf", genome, sample="s")
    with pytest.raises(InputError, match="reference FASTA .* not found"):
        ReferenceGenome(tmp_path / "absent.fa")


def test_fai_is_built_when_missing(tmp_path: Path) -> None:
    fasta = tmp_path / "noindex.fa"
    fasta.write_text(">chr1\nACGTACGT\n")
    assert ReferenceGenome(fasta).lengths == {"chr1": 8}
    assert (tmp_path / "noindex.fa.fai").exists()


def test_assemble_cohort_orders_columns_and_log(genome: ReferenceGenome,
                                                make_vcf: Callable[..., Path]) -> None:
    a = count_sample(make_vcf([("chr1", 2, "C", "A", "PASS")], name="a.vcf"), genome, sample="b")
    b = count_sample(make_vcf([("chr1", 4, "T", "G", "LowQual")], name="b.vcf"), genome,
                     sample="a")
    catalogs, log = assemble_cohort([a, b])
    catalog = catalogs["SBS96"]
    assert list(catalog.columns) == ["b", "a"]
    assert catalog.to_numpy().sum(axis=0).tolist() == [1, 0]
    assert list(log.columns[-len(SKIP_REASONS):]) == list(SKIP_REASONS)
    assert log.loc["a", "filtered"] == 1
    assert np.issubdtype(catalog.to_numpy().dtype, np.integer)
    with pytest.raises(InputError, match="more than once"):
        assemble_cohort([a, a])


def _records(variants) -> list[tuple]:
    return [tuple(row) for row in variants.itertuples(index=False)]


def test_kept_variants_are_the_counted_snvs_in_file_order(genome: ReferenceGenome,
                                                          make_vcf: Callable[..., Path]) -> None:
    """Only the SBS96-counted variants, as the VCF writes them (contig '2' stays '2', purine
    REF stays purine), with the trinucleotide on that strand and the channel counted."""
    records = [("chr1", 2, "C", "A", "PASS"), ("chr1", 6, "A", "C", "PASS"),
               ("chr1", 8, "G", "A,T", "PASS", "1/2"), ("chr1", 10, "A", "T", "LowQual"),
               ("chr1", 20, "C", "A", "PASS"), ("2", 3, "G", "T", "PASS"),
               ("2", 3, "G", "T", "PASS")]
    vcf = make_vcf(records)
    assert count_sample(vcf, genome, sample="s").variants is None  # opt-in only
    result = count_sample(vcf, genome, sample="s", keep_variants=True)
    assert _records(result.variants) == [
        ("chr1", 2, "C", "A", "ACG", "A[C>A]G"), ("chr1", 6, "A", "C", "TAC", "G[T>G]A"),
        ("chr1", 8, "G", "A", "CGC", "G[C>T]G"), ("chr1", 8, "G", "T", "CGC", "G[C>A]G"),
        ("2", 3, "G", "T", "TGA", "T[C>A]A")]
    by_channel = result.variants["channel"].value_counts()
    assert [by_channel.get(label, 0) for label in SBS96_INDEX] == result.counts.tolist()


def test_kept_variants_follow_multi_snvs_in_sbs(genome: ReferenceGenome,
                                                make_vcf: Callable[..., Path]) -> None:
    """SPMG-compatible counting puts both bases of a 2-bp record in SBS96: two records."""
    from sigforge.genomics.catalog import CatalogOptions, count_table
    from sigforge.genomics.variants import read_input

    vcf = make_vcf([("chr1", 2, "CG", "AT", "PASS"), ("chr1", 8, "G", "A", "PASS")])
    for multi, expected in ((False, [("chr1", 8, "G", "A", "CGC", "G[C>T]G")]),
                            (True, [("chr1", 2, "C", "A", "ACG", "A[C>A]G"),
                                    ("chr1", 3, "G", "T", "CGT", "A[C>A]G"),
                                    ("chr1", 8, "G", "A", "CGC", "G[C>T]G")])):
        options = CatalogOptions(("SBS96", "DBS78"), multi_snvs_in_sbs=multi,
                                 keep_variants=True)
        result = count_table(read_input(vcf), genome, options)[0]
        assert _records(result.variants) == expected
        assert len(result.variants) == result.counts.sum()

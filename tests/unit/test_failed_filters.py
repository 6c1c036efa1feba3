"""The ``filtered`` variants are reported by what they failed: each FILTER text, or the
sample's own FORMAT/FT, counted per sample (``SampleCatalog.failed_filters``) and named in the
catalog's per-sample line, for VCFs and MAFs alike."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sigforge.genomics.accounting import CatalogOptions, skip_summary
from sigforge.genomics.catalog import count_table
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.input_files import read_input

_RANDOM = np.random.default_rng(7)
CHR = "".join(_RANDOM.choice(list("ACGT"), size=300))
HEADER = [
    "##fileformat=VCFv4.2",
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=LowQual,Description="Low quality">',
    '##FILTER=<ID=germline,Description="Germline risk">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
]


def _alt(base: str) -> str:
    return "A" if base != "A" else "C"


def _record(pos: int, filt: str, s1: str = "0/1:PASS", s2: str = "0/1:PASS",
            alts: str | None = None) -> str:
    ref = CHR[pos - 1]
    return "\t".join(["chrA", str(pos), ".", ref, alts or _alt(ref), ".", filt, ".", "GT:FT",
                      s1, s2])


@pytest.fixture
def genome(make_fasta: Callable[..., Path]) -> ReferenceGenome:
    return ReferenceGenome(make_fasta({"chrA": CHR}))


def _count(path: Path, genome: ReferenceGenome, **kwargs: object) -> dict[str, object]:
    table = read_input(path, **kwargs)  # type: ignore[arg-type]
    return {r.sample: r for r in count_table(table, genome, CatalogOptions())}


def test_each_filter_text_and_the_sample_filter_are_counted_apart(
        tmp_path: Path, genome: ReferenceGenome) -> None:
    second = "G" if CHR[99] not in "AG" else "T"
    records = [
        _record(20, "PASS"),
        _record(40, "."),
        _record(60, "LowQual"),
        _record(80, "LowQual"),
        _record(100, "germline;LowQual", alts=f"{_alt(CHR[99])},{second}", s1="1/2:PASS"),
        _record(120, "PASS", s2="0/1:LowDP"),            # S2's own filter failed
        _record(140, "LowQual", s2="0/1:LowDP"),         # both: the record's FILTER names it
        _record(160, "germline", s2="0/0:PASS"),         # S2 does not carry it
        _record(180, "PASS", s2="0/0:PASS"),
        _record(200, "LowQual", s2="./.:PASS"),          # a no-call: filtered for S2 too
    ]
    vcf = tmp_path / "joint.vcf"
    vcf.write_text("\n".join(HEADER + records) + "\n")
    results = _count(vcf, genome)
    s1, s2 = results["S1"], results["S2"]
    # Two alleles of the multi-allelic record at 100: both failed 'germline;LowQual'.
    assert s1.failed_filters == Counter({"LowQual": 4, "germline;LowQual": 2, "germline": 1})
    assert s1.skipped["filtered"] == 7
    assert skip_summary(s1) == "filtered=7 (LowQual 4, germline;LowQual 2, germline 1)"
    # An allele S2's genotype calls without carrying (160's 0/0, 100's second ALT under 0/1)
    # is another sample's variant: not_in_sample, not S2's filtered; a no-call (200) says
    # nothing, and stays filtered.
    assert s2.failed_filters == Counter({"LowQual": 4, "germline;LowQual": 1, "FORMAT/FT": 1})
    assert s2.skipped["filtered"] == sum(s2.failed_filters.values()) == 6
    assert skip_summary(s2) == ("filtered=6 (LowQual 4, FORMAT/FT 1, germline;LowQual 1), "
                                "not_in_sample=3")


def test_a_passing_file_names_no_filter_and_many_filters_are_summed(
        tmp_path: Path, genome: ReferenceGenome) -> None:
    vcf = tmp_path / "one.vcf"
    vcf.write_text("\n".join(HEADER + [_record(20, "PASS"), _record(40, ".")]) + "\n")
    assert _count(vcf, genome)["S1"].failed_filters == Counter()
    names = [f"f{i}" for i in range(8)]
    header = HEADER[:2] + [f'##FILTER=<ID={n},Description="x">' for n in names] + HEADER[2:]
    vcf.write_text("\n".join(header + [_record(20 + 10 * i, n) for i, n in enumerate(names)]
                             + [_record(200, "f0")]) + "\n")
    result = _count(vcf, genome)["S1"]
    assert sum(result.failed_filters.values()) == result.skipped["filtered"] == 9
    # The five most common named (f0 first, with 2), the other three summed.
    assert skip_summary(result).startswith("filtered=9 (f0 2, ")
    assert skip_summary(result).endswith(", 3 other filter(s) 3)")


def test_a_maf_filter_column_is_named_too(tmp_path: Path, genome: ReferenceGenome) -> None:
    header = ("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
              "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\t"
              "FILTER\n")
    rows = [(20, "PASS", "S1"), (40, "common_variant", "S1"), (60, "panel_of_normals", "S1"),
            (80, "common_variant", "S1"), (100, "common_variant", "S2"), (120, ".", "S2")]
    body = "".join(f"G\tchrA\t{pos}\t{pos}\tSNP\t{CHR[pos - 1]}\t{CHR[pos - 1]}\t"
                   f"{_alt(CHR[pos - 1])}\t{sample}\t{filt}\n" for pos, filt, sample in rows)
    maf = tmp_path / "cohort.maf"
    maf.write_text(header + body)
    results = _count(maf, genome)
    assert results["S1"].failed_filters == Counter({"common_variant": 2, "panel_of_normals": 1})
    assert results["S2"].failed_filters == Counter({"common_variant": 1})


def test_the_catalog_line_names_the_filters(
        tmp_path: Path, make_fasta: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    from sigforge.cli import main

    fasta = make_fasta({"chrA": CHR})
    vcf = tmp_path / "joint.vcf"
    vcf.write_text("\n".join(HEADER + [_record(20, "PASS"), _record(60, "LowQual")]) + "\n")
    with caplog.at_level(logging.INFO, logger="sigforge"):
        assert main(["catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                     str(tmp_path / "out")]) == 0
    assert ("S1: 2 variants read; counted SBS96 1, DBS78 0, ID83 0; skipped filtered=1 "
            "(LowQual 1)") in caplog.text

"""Where a variant lies, as a red-team sweep of VCF, MAF and FASTA inputs found it misread.

One site written under two contig spellings (``1`` and ``chr1``) was counted twice and never
paired into a doublet; a FASTA holding both ``chrM`` and ``MT`` read ``MT`` records against
``chrM``; a ``##tumor_sample`` naming no column let the matched normal be counted as a second
tumour; a MAF insertion written with its flanks the other way round landed one base to the
right; a second ALT at a position decided by its order which doublet was counted; a FASTA
header ``> chr1`` was refused as a repeated contig; an IUPAC base in the FASTA under an SNV
counted as a REF mismatch (a sign of another build).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from sigforge.io import read_table
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

_RANDOM = random.Random(11)
CHR1 = "".join(_RANDOM.choice("ACGT") for _ in range(400))
GT_LINE = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT"
_OTHER = {"A": "C", "C": "T", "G": "A", "T": "G"}


def _vcf(path: Path, records: Sequence[str], samples: Sequence[str] = ("T",),
         header: Sequence[str] = ()) -> Path:
    """A VCF of tab-separated ``records`` (CHROM to the sample cells)."""
    lines = ["##fileformat=VCFv4.2", GT_LINE, *header, "\t".join([COLUMNS, *samples]),
             *records]
    path.write_text("\n".join(lines) + "\n")
    return path


def _record(pos: int, ref: str, alt: str, *calls: str, chrom: str = "chr1") -> str:
    return "\t".join([chrom, str(pos), ".", ref, alt, ".", "PASS", ".", "GT", *(calls or
                                                                                 ("0/1",))])


def _snv(pos: int, chrom: str = "chr1", alt: str | None = None) -> str:
    """An SNV matching CHR1 at ``pos`` (1-based)."""
    base = CHR1[pos - 1]
    return _record(pos, base, alt or _OTHER[base], chrom=chrom)


def _nonzero(out: Path, context: str) -> dict[str, int]:
    table = pd.read_csv(out / f"{context}.tsv", sep="\t", index_col=0)
    column = table.iloc[:, 0]
    return {label: int(n) for label, n in column[column > 0].items()}


def _log(out: Path) -> pd.Series:
    return read_table(out / "catalog_log.tsv").iloc[0]


def test_one_site_under_two_contig_spellings_is_one_site(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """'1:100 C>T' and 'chr1:100 C>T' were two SBS96 counts, and '1:310' beside 'chr1:311'
    never paired into a doublet: duplicates and pairs were found on the file's spelling."""
    fasta = make_fasta({"chr1": CHR1})
    vcf = _vcf(tmp_path / "a.vcf", [_snv(100, "1"), _snv(100), _snv(310, "1"), _snv(311)])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                   str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out")
    assert (log["counted_SBS96"], log["duplicate"], log["counted_DBS78"]) == (1, 1, 1)
    first, second = CHR1[309:311], _OTHER[CHR1[309]] + _OTHER[CHR1[310]]
    assert sum(_nonzero(tmp_path / "out", "DBS78").values()) == 1, (first, second)


def test_an_exact_contig_name_wins_over_its_alias(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """With chrM and MT both in the FASTA (a combined reference), MT records were read
    against chrM: five matching REFs were refused as another genome build."""
    rng = random.Random(3)
    chrm, mt = ("".join(rng.choice("ACGT") for _ in range(300)) for _ in range(2))
    fasta = make_fasta({"chrM": chrm, "MT": mt})
    records = [_record(p, mt[p - 1], _OTHER[mt[p - 1]], chrom="MT") for p in (20, 40, 60)]
    vcf = _vcf(tmp_path / "mt.vcf", records)
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                   str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out")
    assert (log["counted_SBS96"], log["ref_mismatch"]) == (3, 0)


def test_a_tumour_named_in_the_header_but_in_no_column_is_refused(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """After 'bcftools reheader', ##tumor_sample names no column: every column was counted,
    the matched normal's germline variant as a second tumour, without a word."""
    fasta = make_fasta({"chr1": CHR1})
    base = CHR1[99]
    vcf = _vcf(tmp_path / "tn.vcf", [_record(100, base, _OTHER[base], "0/1", "0/1")],
               samples=("P1_normal", "P1_tumour"),
               header=("##tumor_sample=TUMOR_A", "##normal_sample=NORMAL_A"))
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, str(vcf), "##tumor_sample=TUMOR_A",
                       "the columns are P1_normal, P1_tumour", "--vcf-sample COLUMN")
    assert_nothing_written(tmp_path / "out")
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                   "--vcf-sample", "P1_tumour", "--out", str(tmp_path / "ok")).code == 0


def test_a_maf_insertion_is_anchored_whichever_way_its_flanks_are_written(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Start 98 / End 99 and Start 99 / End 98 flank the same inserted base; the second was
    anchored on 99, one base to the right, and counted in another ID83 channel."""
    sequence = CHR1[:95] + "GCTAGC" + CHR1[101:]  # 98 T, 99 A: a T inserted after 98
    fasta = make_fasta({"chr1": sequence})
    header = ("Chromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
              "Tumor_Seq_Allele2\tTumor_Sample_Barcode")
    maf = tmp_path / "ins.maf"
    maf.write_text(f"{header}\nchr1\t98\t99\t-\tT\tGDC\nchr1\t99\t98\t-\tT\tREV\n")
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--contexts", "ID83", "--out", str(tmp_path / "out")).code == 0
    table = pd.read_csv(tmp_path / "out" / "ID83.tsv", sep="\t", index_col=0)
    vcf = _vcf(tmp_path / "ins.vcf", [_record(98, "T", "TT")])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                   "--contexts", "ID83", "--out", str(tmp_path / "vcf")).code == 0
    expected = _nonzero(tmp_path / "vcf", "ID83")
    assert len(expected) == 1 and sum(expected.values()) == 1
    assert table.loc[next(iter(expected))].tolist() == [1, 1]
    assert table.to_numpy().sum() == 2


@pytest.mark.parametrize("alts", ["A,T", "T,A"])
def test_a_second_alt_keeps_a_neighbour_from_forming_a_doublet(
        tmp_path: Path, make_fasta: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        alts: str) -> None:
    """A 1/2 genotype at 310 beside an SNV at 311 paired whichever ALT came second with 311:
    the catalogs changed with the order of ALT. Two alleles at one position are as close as
    SNVs get, so neither pairs, and all three are SNVs."""
    sequence = CHR1[:309] + "GG" + CHR1[311:]
    fasta = make_fasta({"chr1": sequence})
    vcf = _vcf(tmp_path / "tri.vcf", [_record(310, "G", alts, "1/2"), _record(311, "G", "T")])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                   str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out")
    assert (log["counted_SBS96"], log["counted_DBS78"]) == (3, 0)
    assert sorted(_nonzero(tmp_path / "out", "SBS96")) == sorted(
        [f"C[C>T]{_complement(sequence[308])}", f"C[C>A]{_complement(sequence[308])}",
         f"{_complement(sequence[311])}[C>A]C"])


def _complement(base: str) -> str:
    return {"A": "T", "C": "G", "G": "C", "T": "A"}[base]


def test_a_space_after_the_header_mark_names_the_contig_as_htslib_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'> chr1' is indexed by htslib as chr1; it was refused as a contig 'not under its
    >chr1 line' with the advice to rename a repeated contig."""
    fasta = tmp_path / "sp.fa"
    fasta.write_text("> chr1\n" + CHR1 + "\n")
    vcf = _vcf(tmp_path / "sp.vcf", [_snv(100)])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                   str(tmp_path / "out")).code == 0
    assert _log(tmp_path / "out")["counted_SBS96"] == 1


def test_an_iupac_base_under_an_snv_is_ambiguous_not_a_mismatch(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """An R in the FASTA under 'A>G' counted as a REF mismatch, towards the check that stops
    a run called against another build."""
    sequence = CHR1[:99] + "R" + CHR1[100:]
    fasta = make_fasta({"chr1": sequence})
    vcf = _vcf(tmp_path / "r.vcf", [_record(100, "A", "G"), _snv(200)])
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                   str(tmp_path / "out")).code == 0
    log = _log(tmp_path / "out")
    assert (log["ambiguous_base"], log["ref_mismatch"], log["counted_SBS96"]) == (1, 0, 1)


@pytest.mark.parametrize("alts", ["T,", ",T", "T,."])
def test_an_empty_alt_allele_is_refused_with_its_line(
        tmp_path: Path, make_fasta: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        alts: str) -> None:
    """'T,' was read by htslib as the alleles T and '.', and the second counted as a
    symbolic allele: a damaged record skipped without a word of what was wrong."""
    fasta = make_fasta({"chr1": CHR1})
    base = CHR1[99]
    alt = _OTHER[base]
    vcf = _vcf(tmp_path / "e.vcf", [_snv(50), _record(100, base, alts.replace("T", alt), "0/2")])
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                      str(tmp_path / "out"))
    assert_clear_error(outcome, str(vcf), "line 5", "holds an empty allele", "stray comma")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("where", ["between records", "at the end"])
def test_a_blank_line_in_a_vcf_is_named_blank_not_truncated(
        where: str, tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A blank line was 'malformed or truncated ... 1 tab-separated column(s)', with advice to
    copy the file again."""
    fasta = make_fasta({"chr1": CHR1})
    vcf = _vcf(tmp_path / "blank.vcf", [_snv(100), *([""] if where != "at the end" else []),
                                        _snv(200)])
    if where == "at the end":
        vcf.write_text(vcf.read_text() + "\n\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, str(vcf), "it is blank", "Delete the blank line(s)",
                       "grep -v")
    assert "truncated" not in outcome.err
    assert_nothing_written(tmp_path / "out")


def test_a_bed_one_base_past_its_contig_is_called_one_based(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """'chr1 1 401' on a 400-bp contig was blamed on another genome build."""
    fasta = make_fasta({"chr1": CHR1})
    vcf = _vcf(tmp_path / "a.vcf", [_snv(100)])
    for end, said in ((401, "probably 1-based"), (900, "another genome build")):
        bed = tmp_path / f"r{end}.bed"
        bed.write_text(f"chr1\t1\t{end}\n")
        outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                          "--regions", str(bed), "--out", str(tmp_path / "out"))
        assert_clear_error(outcome, f"{bed}, line 1", f"region ends at {end}", said)
        assert ("$3 -= 1" in outcome.err) == (end == 401)  # the shift, for one base past only


def test_the_vcf_sample_suggested_for_a_name_with_a_space_is_quoted(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """'--vcf-sample tumour 1' pasted into a shell passed 'tumour' and a stray '1'."""
    fasta = make_fasta({"chr1": CHR1})
    vcf = _vcf(tmp_path / "tn.vcf", [_record(100, CHR1[99], _OTHER[CHR1[99]], "0/0", "0/1")],
               samples=("normal", "tumour 1"))
    with caplog.at_level("WARNING"):
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                       "--out", str(tmp_path / "out")).code == 0
    assert "--vcf-sample 'tumour 1'" in caplog.text, caplog.text


def test_local_allele_genotypes_without_gt_are_refused(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """VCF 4.5 LGT/LAA without GT: every ALT was counted for the sample, a record it calls
    0/0 included, without a word."""
    fasta = make_fasta({"chr1": CHR1})
    header = ('##FORMAT=<ID=LAA,Number=.,Type=Integer,Description="Local alleles">',
              '##FORMAT=<ID=LGT,Number=1,Type=String,Description="Local genotype">')
    records = ["\t".join(["chr1", str(pos), ".", CHR1[pos - 1], _OTHER[CHR1[pos - 1]], ".",
                          "PASS", ".", "LAA:LGT", call]) for pos, call in ((100, "1:0/1"),
                                                                           (200, ".:0/0"))]
    lines = ["##fileformat=VCFv4.5", *header, f"{COLUMNS}\tT", *records]
    vcf = tmp_path / "local.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, str(vcf), "local alleles (FORMAT LGT/LAA", "no GT",
                       "bcftools annotate -x FORMAT/LGT,FORMAT/LAA")
    assert_nothing_written(tmp_path / "out")
    stripped = tmp_path / "somatic.vcf"  # the local fields dropped: every record counted
    stripped.write_text("\n".join(["##fileformat=VCFv4.5", f"{COLUMNS.rsplit(chr(9), 1)[0]}",
                                   *("\t".join(r.split("\t")[:8]) for r in records)]) + "\n")
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(stripped),
                   "--out", str(tmp_path / "ok")).code == 0
    assert _log(tmp_path / "ok")["counted_SBS96"] == 2

"""VCFs as other callers write them, which a red-team sweep found miscounted or refused.

freebayes' padded alleles are counted in their minimal form; a sample column without any
called genotype (cgpPindel) takes every record with a warning; a tumour-normal VCF whose
header names the tumour (Mutect2) or whose caller fixes the column names (Strelka) counts the
tumour only, and a sample left all zero beside others with counts is warned about; VarScan2's
germline and LOH calls (INFO/SS) are ``not_somatic``; adjacent SNVs phased apart are two SBS;
a chrM of another length (hg19 against b37) without calls on it is a warning; FORMAT/FT is
honoured; clashing sample names get a fix that works; a samples sheet row that needs
``vcf_sample`` is named before any job runs.
"""

from __future__ import annotations

import gzip
import logging
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.genomics.allele_trim import minimal_alleles
from sigforge.io import InputError, read_table
from sigforge.workflow.checks import check_inputs
from tests.robustness._harness import Outcome, assert_clear_error, run_cli

_RANDOM = random.Random(4)
CHR1 = "".join(_RANDOM.choice("ACGT") for _ in range(400))
CHRM = "".join(_RANDOM.choice("ACGT") for _ in range(120))
GT_LINE = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """chr1 (400 bp) and chrM (120 bp), indexed."""
    return make_fasta({"chr1": CHR1, "chrM": CHRM})


def _vcf(path: Path, records: Sequence[str], *, samples: Sequence[str] = ("TUMOUR",),
         header: Sequence[str] = (GT_LINE,)) -> Path:
    """A VCF of ``records`` (tab-separated lines from CHROM on) with the ``header`` lines."""
    head = ["##fileformat=VCFv4.2", *header,
            COLUMNS + ("\tFORMAT\t" + "\t".join(samples) if samples else "")]
    path.write_text("\n".join([*head, *records]) + "\n")
    return path


def _line(pos: int, ref: str, alt: str, *calls: str, fmt: str = "GT", info: str = ".",
          chrom: str = "chr1") -> str:
    """One PASS record; ``calls`` are the sample cells (FORMAT ``fmt``)."""
    fields = [chrom, str(pos), ".", ref, alt, ".", "PASS", info]
    return "\t".join(fields + ([fmt, *calls] if calls else []))


def _alt(base: str) -> str:
    """A base other than ``base``."""
    return "A" if base != "A" else "C"


def _snv(pos: int, *calls: str, **kwargs: str) -> str:
    """An SNV matching the genome at ``pos`` (1-based)."""
    return _line(pos, CHR1[pos - 1], _alt(CHR1[pos - 1]), *calls, **kwargs)


def _catalog(capsys: pytest.CaptureFixture[str], fasta: Path, out: Path, *args: str) -> Outcome:
    """``sigforge catalog --reference FASTA ARGS --out OUT``."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), *args, "--out", str(out))


def _log(out: Path) -> pd.DataFrame:
    """``catalog_log.tsv`` of ``out``."""
    return read_table(out / "catalog_log.tsv")


def _counts(out: Path, sample: str) -> dict[str, int]:
    """A sample's nonzero log counts."""
    row = _log(out).drop(columns=list(LOG_TEXT_COLUMNS), errors="ignore").loc[sample]
    return {str(k): int(v) for k, v in row.items() if v}


# --- 1. padded alleles (freebayes) -----------------------------------------------------------


@pytest.mark.parametrize(("pos", "ref", "alt", "expected"), [
    (264, "CCT", "CAT", (265, "C", "A")),       # freebayes' padded SNV
    (448, "CTAA", "CAA", (448, "CT", "C")),     # deletion padded after
    (10, "GAC", "GTG", (11, "AC", "TG")),       # padded doublet
    (10, "ACG", "TCA", (10, "ACG", "TCA")),     # an MNV whose ends change: as written
    (10, "G", "GA", (10, "G", "GA")),           # anchored indels, SNVs: as written
    (10, "GA", "G", (10, "GA", "G")),
    (10, "AA", "A", (10, "AA", "A")),
    (10, "C", "T", (10, "C", "T")),
    (10, "AC", "TG", (10, "AC", "TG")),
])
def test_minimal_alleles_trim_the_shared_suffix_then_prefix(
        pos: int, ref: str, alt: str, expected: tuple[int, str, str]) -> None:
    assert minimal_alleles(pos, ref, alt) == expected


def test_padded_snvs_and_deletions_count_as_their_minimal_forms(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """freebayes' ``xCy>xTy`` used to be an ``mnv`` and its ``CTAA>CAA`` a ``complex``,
    never counted; written so, they count exactly as their minimal records do."""
    snv_sites = [40, 80, 120, 160]
    del_sites = [200, 240, 280]
    padded, minimal = [], []
    for p in snv_sites:
        ref, alt = CHR1[p - 2:p + 1], CHR1[p - 2] + _alt(CHR1[p - 1]) + CHR1[p]
        padded.append(_line(p - 1, ref, alt, "0/1"))
        minimal.append(_snv(p, "0/1"))
    for p in del_sites:  # delete base p + 1, written with two bases after it
        padded.append(_line(p, CHR1[p - 1:p + 3], CHR1[p - 1] + CHR1[p + 1:p + 3], "0/1"))
        minimal.append(_line(p, CHR1[p - 1:p + 1], CHR1[p - 1], "0/1"))
    mnv = _line(330, CHR1[329:332], _alt(CHR1[329]) + CHR1[330] + _alt(CHR1[331]), "0/1")
    with caplog.at_level(logging.INFO):
        assert _catalog(capsys, fasta, tmp_path / "p", "--vcf",
                        str(_vcf(tmp_path / "padded.vcf", [*padded, mnv]))).code == 0
    assert _catalog(capsys, fasta, tmp_path / "m", "--vcf",
                    str(_vcf(tmp_path / "minimal.vcf", minimal))).code == 0
    assert "7 allele(s) were written with flanking bases" in caplog.text
    assert f"chr1:{snv_sites[0] - 1}" in caplog.text and "bcftools norm" in caplog.text
    assert _counts(tmp_path / "p", "TUMOUR") == {
        "variants_read": 8, "counted_SBS96": 4, "counted_ID83": 3, "mnv": 1}
    for context in ("SBS96", "ID83"):
        padded_counts = read_table(tmp_path / "p" / f"{context}.tsv")["TUMOUR"]
        minimal_counts = read_table(tmp_path / "m" / f"{context}.tsv")["TUMOUR"]
        assert padded_counts.equals(minimal_counts)


def test_the_shared_flanking_bases_are_checked_against_the_fasta(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A padded record whose shared base is wrong (``GA>GC`` where the FASTA has ``CA``) was
    trimmed to the matching ``A>C`` and counted: 40 such records passed the build check
    with ref_mismatch 0. Its REF as written is checked now; so is a padding base past the
    contig's end."""
    wrong, right = [], []
    for p in range(41, 361, 8):  # SNV at p, padded with a (wrong) base before it
        pad = _alt(CHR1[p - 2])
        wrong.append(_line(p - 1, pad + CHR1[p - 1], pad + _alt(CHR1[p - 1]), "0/1"))
        right.append(_line(p - 1, CHR1[p - 2:p], CHR1[p - 2] + _alt(CHR1[p - 1]), "0/1"))
    outcome = _catalog(capsys, fasta, tmp_path / "w", "--vcf",
                       str(_vcf(tmp_path / "wrong.vcf", wrong)))
    assert_clear_error(outcome, "40 of 40 variants (100%) disagree",
                       f"chr1:{41 - 1} REF={_alt(CHR1[39])}{CHR1[40]}")
    # one wrong pad among correct ones: skipped as a REF mismatch, the rest counted
    assert _catalog(capsys, fasta, tmp_path / "m", "--vcf",
                    str(_vcf(tmp_path / "mixed.vcf", [wrong[0], *right[1:]]))).code == 0
    assert _counts(tmp_path / "m", "TUMOUR") == {
        "variants_read": 40, "counted_SBS96": 39, "ref_mismatch": 1}
    end = len(CHR1)  # an SNV on the last-but-one base padded with two bases past the end
    past = _line(end - 1, CHR1[end - 2:] + "AC", _alt(CHR1[end - 2]) + CHR1[end - 1] + "AC",
                 "0/1")
    assert _catalog(capsys, fasta, tmp_path / "e", "--vcf",
                    str(_vcf(tmp_path / "past.vcf", [*right[1:], past]))).code == 0
    assert _counts(tmp_path / "e", "TUMOUR") == {
        "variants_read": 40, "counted_SBS96": 39, "contig_end": 1}


def test_a_record_of_snvs_with_an_unchanged_base_between_is_explained(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Mutect2 (--max-mnp-distance 2) writes C>A and T>A two bases apart as one record
    ``CCT>ACA``: skipped whole as an mnv without a word of how to count its SNVs."""
    gapped = _line(100, CHR1[99:102], _alt(CHR1[99]) + CHR1[100] + _alt(CHR1[101]), "0/1")
    changed = _line(200, CHR1[199:202], "".join(_alt(b) for b in CHR1[199:202]), "0/1")
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "g", "--vcf",
                        str(_vcf(tmp_path / "g.vcf", [gapped, changed]))).code == 0
    assert "1 record(s) of equal-length alleles change bases that are not all adjacent " \
        f"(e.g. chr1:100 {CHR1[99:102]}>" in caplog.text
    assert "bcftools norm -a" in caplog.text
    assert _counts(tmp_path / "g", "TUMOUR") == {"variants_read": 2, "mnv": 2}


def test_an_indel_padded_after_itself_is_explained(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """``CT>T`` away from POS 1 (the C deleted, padded with the base after it) was skipped as
    complex without the normalisation that fixes it."""
    right = _line(102, CHR1[101:103], CHR1[102], "0/1")
    assert CHR1[101] != CHR1[102], "the fixture needs two different bases here"
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "r", "--vcf",
                        str(_vcf(tmp_path / "r.vcf", [right, _snv(50, "0/1")]))).code == 0
    assert f"1 indel(s) are written with their padding base after them (e.g. chr1:102 " \
        f"{CHR1[101:103]}>{CHR1[102]})" in caplog.text and "bcftools norm -f" in caplog.text
    assert _counts(tmp_path / "r", "TUMOUR") == {
        "variants_read": 2, "counted_SBS96": 1, "complex": 1}


# --- 2. a sample column without called genotypes (cgpPindel) ---------------------------------


def _deletions(*calls: str) -> list[str]:
    """Three PASS 1-bp deletions matching the genome, each with ``calls``."""
    return [_line(p, CHR1[p - 1:p + 1], CHR1[p - 1], *calls) for p in (50, 150, 250)]


def test_a_column_without_called_genotypes_takes_every_record_with_a_warning(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """cgpPindel writes ./. for both columns: TUMOUR used to be all not_in_sample, exit 0."""
    vcf = _vcf(tmp_path / "pindel.vcf", _deletions("./.", "./."), samples=("NORMAL", "TUMOUR"))
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf),
                           "--vcf-sample", "TUMOUR")
    assert outcome.code == 0
    assert _counts(tmp_path / "out", "TUMOUR") == {"variants_read": 3, "counted_ID83": 3}
    assert "TUMOUR has no called genotype" in caplog.text
    assert "every record is counted for it" in caplog.text


def test_several_columns_without_called_genotypes_and_none_named_are_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _vcf(tmp_path / "nocall.vcf", _deletions("./.", "."), samples=("S1", "S2"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, str(vcf), "no called genotype", "--vcf-sample")


def test_a_column_without_calls_beside_called_ones_is_warned_about(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    vcf = _vcf(tmp_path / "joint.vcf", _deletions("0/1", "./."), samples=("S1", "S2"))
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert _counts(tmp_path / "out", "S2") == {"variants_read": 3, "not_in_sample": 3}
    assert "S2 has no called genotype" in caplog.text and "--vcf-sample S2" in caplog.text
    assert "sample S2 (" in caplog.text and "all zero" in caplog.text


# --- 3. tumour-normal VCFs without --vcf-sample ----------------------------------------------


def test_the_tumour_named_by_the_header_is_counted_alone(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Mutect2: NORMAL used to be an all-zero sample of the catalog, without a word."""
    header = (GT_LINE, "##tumor_sample=TUMOR", "##normal_sample=NORMAL")
    vcf = _vcf(tmp_path / "mutect2.vcf", [_snv(p, "0/0", "0/1") for p in (30, 90, 150)],
               samples=("NORMAL", "TUMOR"), header=header)
    with caplog.at_level(logging.INFO):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert list(read_table(tmp_path / "out" / "SBS96.tsv").columns) == ["TUMOR"]
    assert _counts(tmp_path / "out", "TUMOR") == {"variants_read": 3, "counted_SBS96": 3}
    assert "counting only the tumour sample TUMOR" in caplog.text
    assert "##tumor_sample=TUMOR" in caplog.text
    # as the workflow runs it: one name for the file's one sample
    assert _catalog(capsys, fasta, tmp_path / "named", "--vcf", str(vcf),
                    "--sample-name", "PT1").code == 0
    assert list(_log(tmp_path / "named").index) == ["PT1"]


def test_strelka_fixed_columns_count_the_tumour(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Strelka writes NORMAL and TUMOR and no GT: refused without --vcf-sample before."""
    lines = [_line(p, CHR1[p - 1], _alt(CHR1[p - 1]), "10", "12", fmt="DP")
             for p in (30, 90)]
    header = ('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
              "##source=strelka")
    vcf = _vcf(tmp_path / "strelka.vcf", lines, samples=("NORMAL", "TUMOR"), header=header)
    assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert _counts(tmp_path / "out", "TUMOR") == {"variants_read": 2, "counted_SBS96": 2}


def test_an_all_zero_sample_beside_samples_with_counts_is_warned_about(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    vcf = _vcf(tmp_path / "pair.vcf", [_snv(p, "0/0", "0/1") for p in (30, 90)],
               samples=("N1", "T1"))
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert "sample N1" in caplog.text and "none of its 2 variants read was counted" in \
        caplog.text
    assert "--vcf-sample T1" in caplog.text
    assert caplog.text.count("none of its") == 1  # T1 has counts


# --- 4. VarScan2's somatic status ------------------------------------------------------------

SS_LINE = ('##INFO=<ID=SS,Number=1,Type=String,Description="Somatic status of variant '
           '(0=Reference,1=Germline,2=Somatic,3=LOH, or 5=Unknown)">')


def _varscan(tmp_path: Path, description_line: str = SS_LINE) -> Path:
    """Four SNVs of SS 2, 1, 3 and 2 (somatic, germline, LOH, somatic)."""
    lines = [_snv(p, "0/0", "0/1", info=f"SS={ss}")
             for p, ss in ((30, 2), (90, 1), (150, 3), (210, 2))]
    return _vcf(tmp_path / "varscan.vcf", lines, samples=("NORMAL", "TUMOR"),
                header=(GT_LINE, description_line))


def test_varscan_germline_and_loh_calls_are_not_somatic(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _varscan(tmp_path)
    assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf), "--vcf-sample",
                    "TUMOR").code == 0
    assert _counts(tmp_path / "out", "TUMOR") == {"variants_read": 4, "counted_SBS96": 2,
                                                  "not_somatic": 2}
    assert _catalog(capsys, fasta, tmp_path / "all", "--vcf", str(vcf), "--vcf-sample",
                    "TUMOR", "--all-filters").code == 0
    assert _counts(tmp_path / "all", "TUMOR") == {"variants_read": 4, "counted_SBS96": 4}


@pytest.mark.parametrize("declared", ["String", "Integer"])
def test_a_missing_status_counts_as_a_call_and_names_count_as_their_codes(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, declared: str) -> None:
    """SS '.' is missing whatever the declared type (pysam gives '.' as text under String,
    VarScan2's own declaration, and None under Integer: it was not_somatic under one and
    counted under the other); 'Somatic' is status 2, 'Germline' 1; the log names each
    status it left out (SS=5 is unknown, not germline, LOH or reference)."""
    statuses = (".", "Somatic", "5", "Germline") if declared == "String" else (".", "2", "5", "1")
    lines = [_snv(p, "0/0", "0/1", info=f"SS={ss}")
             for p, ss in zip((30, 90, 150, 210), statuses, strict=True)]
    vcf = _vcf(tmp_path / "varscan.vcf", lines, samples=("NORMAL", "TUMOR"),
               header=(GT_LINE, SS_LINE.replace("Type=String", f"Type={declared}")))
    with caplog.at_level(logging.INFO, logger="sigforge"):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf), "--vcf-sample",
                        "TUMOR").code == 0
    assert _counts(tmp_path / "out", "TUMOR") == {"variants_read": 4, "counted_SBS96": 2,
                                                  "not_somatic": 2}
    assert "germline (SS=1) 1, unknown (SS=5) 1" in caplog.text


def test_an_ss_field_of_another_meaning_is_not_read(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = '##INFO=<ID=SS,Number=1,Type=String,Description="Strand score">'
    vcf = _varscan(tmp_path, other)
    assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf), "--vcf-sample",
                    "TUMOR").code == 0
    assert _counts(tmp_path / "out", "TUMOR") == {"variants_read": 4, "counted_SBS96": 4}


def test_merge_catalogs_reads_logs_written_before_not_somatic(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A log of an earlier version lacks the column; it merges (and is still checked)."""
    for name, pos in (("a", 30), ("b", 90)):
        vcf = _vcf(tmp_path / f"{name}.vcf", [_snv(pos, "0/1")], samples=(name.upper(),))
        assert _catalog(capsys, fasta, tmp_path / name, "--vcf", str(vcf)).code == 0
    old = tmp_path / "a" / "catalog_log.tsv"
    pd.read_csv(old, sep="\t").drop(columns=["not_somatic"]).to_csv(old, sep="\t",
                                                                     index=False)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(tmp_path / "a"),
                      str(tmp_path / "b"), "--out", str(tmp_path / "m"))
    assert outcome.code == 0, outcome.err
    log = _log(tmp_path / "m")
    assert list(log["not_somatic"]) == [0, 0]
    assert list(log.columns).index("not_somatic") == list(log.columns).index("filtered") + 1
    # the accounting identity is still checked for the old log
    broken = pd.read_csv(old, sep="\t")
    broken["variants_read"] += 1
    broken.to_csv(old, sep="\t", index=False)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(tmp_path / "a"),
                      str(tmp_path / "b"), "--out", str(tmp_path / "m2"))
    assert_clear_error(outcome, "variants_read is not the sum")


# --- 5. phased adjacent SNVs -----------------------------------------------------------------

PS_LINE = '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">'


@pytest.mark.parametrize(("first", "second", "dbs", "sbs"), [
    ("0|1:100", "1|0:100", 0, 2),   # phased apart, one phase set: two SNVs
    ("0|1:.", "1|0:.", 0, 2),       # phased apart, no phase set on either
    ("0|1:100", "0|1:100", 1, 0),   # same haplotype: a doublet
    ("1|1:100", "1|0:100", 1, 0),   # sharing a haplotype: a doublet
    ("0/1:.", "0/1:.", 1, 0),       # unphased: a doublet, as before
    ("0|1:100", "1|0:200", 1, 0),   # different phase sets: phase unknown, a doublet
])
def test_adjacent_snvs_phased_on_different_haplotypes_are_two_snvs(
        first: str, second: str, dbs: int, sbs: int, tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _vcf(tmp_path / "phased.vcf", [_snv(100, first, fmt="GT:PS"),
                                         _snv(101, second, fmt="GT:PS")],
               header=(GT_LINE, PS_LINE))
    assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    counts = _counts(tmp_path / "out", "TUMOUR")
    assert (counts.get("counted_DBS78", 0), counts.get("counted_SBS96", 0)) == (dbs, sbs)


# --- 6. a mitochondrial contig of another length ---------------------------------------------


def _contigs(chrm: int, chr1: int = len(CHR1)) -> tuple[str, ...]:
    """A GT line and ##contig lines for chr1 and chrM of these lengths."""
    return (GT_LINE, f"##contig=<ID=chr1,length={chr1}>", f"##contig=<ID=chrM,length={chrm}>")


def test_a_chrm_of_another_length_without_calls_on_it_is_a_warning(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """hg19's chrM (16,571 bp) against b37's MT (16,569): the nuclear contigs agree."""
    vcf = _vcf(tmp_path / "hg19.vcf", [_snv(30, "0/1")], header=_contigs(len(CHRM) + 2))
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert "only the mitochondrial contig differs" in caplog.text
    assert _counts(tmp_path / "out", "TUMOUR")["counted_SBS96"] == 1


def test_a_chrm_of_another_length_with_calls_on_it_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chrm_call = _line(50, CHRM[49], _alt(CHRM[49]), "0/1", chrom="chrM")
    vcf = _vcf(tmp_path / "hg19.vcf", [_snv(30, "0/1"), chrm_call],
               header=_contigs(len(CHRM) + 2))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "only the mitochondrial contig differs", "bcftools view -t ^chrM")


def test_a_nuclear_contig_of_another_length_is_still_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _vcf(tmp_path / "b38.vcf", [_snv(30, "0/1")],
               header=_contigs(len(CHRM), len(CHR1) + 5))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "contig chr1 of length 405", "different genome build")


# --- 7. FORMAT/FT ----------------------------------------------------------------------------

FT_LINE = '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">'


def test_a_genotype_failing_its_sample_filter_is_filtered(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [_snv(30, "0/1:PASS", "0/1:LowGQX;LowDepth", fmt="GT:FT"),
             _snv(90, "0/1:PASS", "0/1:.", fmt="GT:FT"),
             _snv(150, "0/1", "0/1", fmt="GT")]
    vcf = _vcf(tmp_path / "joint.vcf", lines, samples=("S1", "S2"), header=(GT_LINE, FT_LINE))
    assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert _counts(tmp_path / "out", "S1") == {"variants_read": 3, "counted_SBS96": 3}
    assert _counts(tmp_path / "out", "S2") == {"variants_read": 3, "counted_SBS96": 2,
                                               "filtered": 1}
    assert _catalog(capsys, fasta, tmp_path / "all", "--vcf", str(vcf), "--all-filters"
                    ).code == 0
    assert _counts(tmp_path / "all", "S2")["counted_SBS96"] == 3


# --- 8, 9. clashing sample names -------------------------------------------------------------


def test_files_of_one_name_get_the_fix_that_works(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """LoFreq names every output alike; --sample-from-filename gives the same clash."""
    paths = []
    for patient in ("patientA", "patientB"):
        (tmp_path / patient).mkdir()
        paths.append(str(_vcf(tmp_path / patient / "somatic_final.snvs.vcf",
                              [_line(30, CHR1[29], _alt(CHR1[29]))], samples=())))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", *paths)
    assert_clear_error(outcome, "--sample-from-filename would give both the same name",
                       "--sample-name patientA patientB")
    assert "or after their files with --sample-from-filename" not in outcome.err


def test_files_of_other_names_sharing_a_column_name_may_be_named_after_the_files(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(_vcf(tmp_path / f"{name}.vcf", [_snv(30, "0/1")], samples=("TUMOR",)))
             for name in ("p1", "p2")]
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", *paths)
    assert_clear_error(outcome, "after their files with --sample-from-filename",
                       "one tumour's calls split in two files", "bcftools concat")


def test_one_name_for_two_files_says_how_to_join_them(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Strelka2 writes a sample's SNVs and indels to two files."""
    snvs = _vcf(tmp_path / "PT1.somatic.snvs.vcf", [_snv(30, "0/1")])
    indels = _vcf(tmp_path / "PT1.somatic.indels.vcf", _deletions("0/1"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(snvs), str(indels),
                       "--sample-name", "PT1", "PT1")
    assert_clear_error(outcome, "'PT1' appears more than once: it is given to both",
                       "bcftools concat -a", f"{indels}.gz")


# --- 10. the samples sheet -------------------------------------------------------------------


def _sheet(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A read samples sheet: sample_id, vcf, vcf_sample, sheet_line."""
    return pd.DataFrame({"sample_id": [r[0] for r in rows], "vcf": [r[1] for r in rows],
                         "vcf_sample": [r[2] for r in rows],
                         "sheet_line": list(range(2, len(rows) + 2))})


def test_a_sheet_row_of_a_multi_sample_vcf_without_vcf_sample_is_named(
        tmp_path: Path, fasta: Path) -> None:
    """The dry run passed, and the row's job failed with command-line advice."""
    pair = _vcf(tmp_path / "pair.vcf", [_snv(30, "0/0", "0/1")], samples=("N1", "T1"))
    mutect2 = _vcf(tmp_path / "m2.vcf", [_snv(30, "0/0", "0/1")], samples=("NORMAL", "TUMOR"),
                   header=(GT_LINE, "##tumor_sample=TUMOR"))
    check_inputs(str(fasta), _sheet([("PT2", str(mutect2), ""), ("PT3", str(pair), "T1")]))
    with pytest.raises(InputError, match=r"sample 'PT1' \(samples sheet, line 2\).*2 sample "
                                         r"columns \(N1, T1\).*vcf_sample column"):
        check_inputs(str(fasta), _sheet([("PT1", str(pair), ""), ("PT2", str(mutect2), "")]))
    with pytest.raises(InputError, match="has no sample column 'TUMOUR'.*N1, T1"):
        check_inputs(str(fasta), _sheet([("PT1", str(pair), "TUMOUR")]))


def test_a_sheet_row_naming_a_maf_under_another_name_is_named(tmp_path: Path,
                                                             fasta: Path) -> None:
    maf = tmp_path / "data_mutations.txt"
    maf.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tChromosome\tStart_Position\t"
                   "End_Position\tReference_Allele\tTumor_Seq_Allele2\n"
                   "TP53\tP1\t1\t30\t30\tA\tC\n")
    with pytest.raises(InputError, match=r"is a MAF .*Rename the file \(e\.g\. to "
                                         r"data_mutations\.maf\)"):
        check_inputs(str(fasta), _sheet([("P1", str(maf), "P1")]))


def test_a_sheet_row_whose_file_is_no_readable_vcf_is_named(tmp_path: Path, fasta: Path) -> None:
    """A text file, an empty file or a cut gzip passed the sheet check: each failed later in
    its own jobs, without the sheet's line, after the sample's other jobs ran."""
    text = tmp_path / "notes.vcf"
    text.write_text("hello world\n")
    empty = tmp_path / "empty.vcf"
    empty.write_text("")
    good = _vcf(tmp_path / "good.vcf", [_snv(30, "0/1")])
    check_inputs(str(fasta), _sheet([("P1", str(good), "")]))
    with pytest.raises(InputError, match=r"sample 'P2' \(samples sheet, line 3\): its file "
                                         r".*notes\.vcf' cannot be read as a VCF: .*hello world"
                                         r".*sample 'P3' \(samples sheet, line 4\).*empty"):
        check_inputs(str(fasta), _sheet([("P1", str(good), ""), ("P2", str(text), ""),
                                         ("P3", str(empty), "")]))


def _maf(path: Path, barcodes: Sequence[str]) -> Path:
    """A MAF of one SNV per barcode on chr1 (REF as in the test FASTA), gzip-compressed when
    the name ends in .gz."""
    rows = ["Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
            "Tumor_Seq_Allele2\tTumor_Sample_Barcode"]
    for i, barcode in enumerate(barcodes):
        pos = 30 + 10 * i
        ref = CHR1[pos - 1]
        rows.append(f"G\tchr1\t{pos}\t{pos}\t{ref}\t{'A' if ref != 'A' else 'C'}\t{barcode}")
    text = ("\n".join(rows) + "\n").encode()
    path.write_bytes(gzip.compress(text) if path.name.endswith(".gz") else text)
    return path


def test_sheet_rows_of_a_cohort_maf_must_name_their_barcode(tmp_path: Path,
                                                           fasta: Path) -> None:
    """A MAF of several tumours in a row without vcf_sample, or a vcf_sample it lacks, or a
    header-only MAF, passed the sheet check and failed in the row's job, with command-line
    advice and without the sheet's line."""
    cohort = _maf(tmp_path / "cohort.maf.gz", ["TA", "TB", "TA"])
    single = _maf(tmp_path / "one.maf", ["TC"])
    check_inputs(str(fasta), _sheet([("A", str(cohort), "TA"), ("B", str(cohort), "TB"),
                                     ("C", str(single), "")]))
    with pytest.raises(InputError, match=r"sample 'A' \(samples sheet, line 2\): its file "
                                         r".*cohort\.maf\.gz' holds 2 tumours "
                                         r"\(Tumor_Sample_Barcode TA, TB\).*vcf_sample"):
        check_inputs(str(fasta), _sheet([("A", str(cohort), ""), ("B", str(cohort), "TB")]))
    with pytest.raises(InputError, match=r"sample 'B' \(samples sheet, line 3\).*no rows with "
                                         r"Tumor_Sample_Barcode 'TX' \(its barcodes: TA, TB\)"):
        check_inputs(str(fasta), _sheet([("A", str(cohort), "TA"), ("B", str(cohort), "TX")]))
    header_only = _maf(tmp_path / "none.maf", [])
    with pytest.raises(InputError, match=r"sample 'D'.*no variant rows"):
        check_inputs(str(fasta), _sheet([("D", str(header_only), "")]))
    damaged = tmp_path / "cut.maf.gz"
    damaged.write_bytes(cohort.read_bytes()[:-12])
    with pytest.raises(InputError, match=r"sample 'E'.*cannot be read as a MAF: .*gzip"):
        check_inputs(str(fasta), _sheet([("E", str(damaged), "TA")]))


def test_a_header_declaring_one_contig_with_two_lengths_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """htslib keeps the first ##contig line of an ID and drops a second one unsaid, so the
    build check compared only the first claim (here the FASTA's length) and counted on."""
    records = [_snv(30, "0/1")]
    merged = _vcf(tmp_path / "merged.vcf", records, header=(
        GT_LINE, f"##contig=<ID=chr1,length={len(CHR1)}>",
        "##contig=<ID=chr1,length=248956422>"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(merged))
    assert_clear_error(outcome, "header lines 3 and 4 declare contig chr1 with two lengths "
                       f"({len(CHR1)} and 248956422)", "bcftools reheader")
    repeated = _vcf(tmp_path / "repeated.vcf", records, header=(
        GT_LINE, f"##contig=<ID=chr1,length={len(CHR1)}>",
        f"##contig=<ID=chr1,length={len(CHR1)},assembly=x>"))
    assert _catalog(capsys, fasta, tmp_path / "out2", "--vcf", str(repeated)).code == 0


def test_a_commented_out_record_after_the_chrom_line_is_named(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """htslib reads '#chr1 ...' after #CHROM as a record on contig '#chr1': one was skipped
    as contig_missing, several stopped the run as another genome build."""
    records = [_snv(30, "0/1"), "#" + _snv(50, "0/1"), "#" + _snv(60, "0/1"), _snv(70, "0/1")]
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf",
                       str(_vcf(tmp_path / "notes.vcf", records)))
    assert_clear_error(outcome, "line 5 starts with '#' but follows the #CHROM line (2 such",
                       "Delete those lines")


def test_an_empty_format_column_beside_a_genotype_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A record whose FORMAT is empty while its sample column says 0/1 was counted as
    not_in_sample, unsaid: a shifted or cut record."""
    pos = 30
    line = "\t".join(["chr1", str(pos), ".", CHR1[pos - 1], _alt(CHR1[pos - 1]), ".", "PASS",
                      ".", "", "0/1"])
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf",
                       str(_vcf(tmp_path / "cut.vcf", [line, _snv(60, "0/1")])))
    assert_clear_error(outcome, "line 4: FORMAT is empty but the sample column(s) hold values",
                       "Write the FORMAT keys")


def test_a_vcf_naming_two_tumours_asks_for_one_per_run(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Mutect2's joint calling of two tumours was refused with 'no sample column has that
    name', although both columns exist."""
    vcf = _vcf(tmp_path / "joint.vcf", [_snv(30, "0/0", "0/1", "0/1")],
               samples=("N", "T1", "T2"),
               header=(GT_LINE, "##normal_sample=N", "##tumor_sample=T1", "##tumor_sample=T2"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "names 2 tumours (##tumor_sample=T1, T2)",
                       "--vcf-sample COLUMN once per tumour")
    assert "no sample column has that name" not in outcome.err
    assert _catalog(capsys, fasta, tmp_path / "t2", "--vcf", str(vcf), "--vcf-sample",
                    "T2").code == 0


# --- tumour and normal named by the header, filters by FORMAT/FT -----------------------------


def test_a_header_naming_one_column_tumour_and_normal_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """##tumor_sample=T with ##normal_sample=T: counted T alone 'as the tumour', 'T is the
    matched normal' in the same sentence, column N left out without a word."""
    vcf = _vcf(tmp_path / "tn.vcf", [_snv(50, "0/1", "0/1")], samples=("T", "N"),
               header=(GT_LINE, "##tumor_sample=T", "##normal_sample=T"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, f"VCF {vcf}", "both name the column 'T'", "--vcf-sample")
    assert not (tmp_path / "out").exists()


def test_a_tumour_name_with_a_trailing_space_is_shown_quoted(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vcf = _vcf(tmp_path / "sp.vcf", [_snv(50, "0/1", "0/1")], samples=("T", "N"),
               header=(GT_LINE, "##tumor_sample=T "))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "##tumor_sample='T ' (with a space at its end or start)")


def test_a_sample_whose_format_ft_failed_is_not_said_to_fail_filter_alone(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    ft = '##FORMAT=<ID=FT,Number=1,Type=String,Description="Sample filter">'
    vcf = _vcf(tmp_path / "ft.vcf", [_snv(50, "0/1:LowQual", fmt="GT:FT")],
               header=(GT_LINE, ft))
    with caplog.at_level(logging.WARNING):
        assert _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf)).code == 0
    assert "failed FILTER or the sample's FORMAT/FT" in caplog.text

"""VCF cases of the third fuzzing round, each now read right or refused with its line.

A single-sample VCF with a GT field now counts only the records whose GT carries the ALT,
with or without ``--vcf-sample`` (the others are ``not_in_sample``); a VCF without GT still
counts every record. GT that is not the first FORMAT key, a GT naming an allele the record
lacks, sample columns more or fewer than the ``#CHROM`` line's, an empty CHROM and alleles
that are not nucleotide codes (``-``, digits, accents) are refused with their line instead of
being counted or skipped, and the messages htslib's rejections used to leave generic (an empty
sample name, a ``#CHROM`` line split by spaces, GT declared as Integer, a GT that is no
genotype, a byte that is not UTF-8) now say what is wrong and where. Bad input exits 2 with
one paragraph and writes nothing; valid input counts every mutation (see ``_harness``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

from sigforge.genomics import read_catalog, read_vcf
from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.io import InputError, read_table
from tests.robustness._harness import (
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    run_cli,
)

#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
CHR2 = "TTGACCAGTACGGATCAGTCAGGCTAGCTAGGACTTACGATCGGCATCAGCTACGATCAGCATCGACGAT"
SNV_POSITIONS = (5, 11, 20, 33, 47, 60)
GT_LINE = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
DP_LINE = '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">'
FIXED = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """The test genome: two 70-bp contigs, indexed."""
    return make_fasta({"chr1": CHR1, "chr2": CHR2})


def _alt(base: str) -> str:
    """A base other than ``base`` (the ALT of a test SNV)."""
    return "A" if base != "A" else "C"


def _snv(pos: int, *calls: str, format_keys: str = "GT", contig: str = "chr1",
         sequence: str = CHR1) -> str:
    """One SNV record line whose REF matches the FASTA, with FORMAT and the sample calls."""
    ref = sequence[pos - 1]
    return "\t".join([contig, str(pos), ".", ref, _alt(ref), ".", "PASS", ".", format_keys,
                      *calls])


def _vcf(path: Path, lines: list[str], samples: tuple[str, ...] = ("TUMOUR",),
         header: tuple[str, ...] = (GT_LINE,)) -> Path:
    """A VCF: ##fileformat, the ``header`` lines, the #CHROM line naming ``samples``, then the
    record lines verbatim (so line numbers are 2 + len(header) + record number)."""
    chrom = "\t".join([FIXED, "FORMAT", *samples]) if samples else FIXED
    path.write_text("\n".join(["##fileformat=VCFv4.2", *header, chrom, *lines]) + "\n")
    return path


def _catalog(capsys: pytest.CaptureFixture[str], out: Path, fasta: Path, vcf: Path,
             *options: str, case: str) -> Outcome:
    """Run ``sigforge catalog --reference FASTA --vcf VCF OPTIONS --out OUT``."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), *options,
                   "--out", str(out), case=case)


def _refused(outcome: Outcome, out: Path, *fragments: str) -> None:
    """Exit 2 with every fragment in the message, never blamed on truncation, nothing
    written."""
    assert_clear_error(outcome, *fragments)
    assert "truncated" not in outcome.err, outcome.err
    assert_nothing_written(out)


def _log(out: Path) -> dict[str, dict[str, int]]:
    """Each sample's nonzero counts in ``catalog_log.tsv`` (source left out)."""
    log = read_table(out / "catalog_log.tsv").drop(columns=list(LOG_TEXT_COLUMNS), errors="ignore")
    return {str(sample): {str(k): int(v) for k, v in row.items() if v}
            for sample, row in log.iterrows()}


# --- 061, 046, 180: a single-sample VCF's GT decides, with or without --vcf-sample -----------

HOMREF_CALLS = ("0/1", "0/0", "./.", ".", "0|0", "1")


def test_single_sample_gt_decides_with_or_without_vcf_sample(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GT 0/0, ./., . and 0|0 were counted as mutations without --vcf-sample and skipped with
    it; both runs now count the two carried SNVs and log the four others."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, gt) for p, gt in
                                     zip(SNV_POSITIONS, HOMREF_CALLS, strict=True)])
    expected = {"TUMOUR": {"variants_read": 6, "counted_SBS96": 2, "not_in_sample": 4}}
    for options, out in (((), tmp_path / "plain"), (("--vcf-sample", "TUMOUR"),
                                                    tmp_path / "named")):
        outcome = _catalog(capsys, out, fasta, vcf, *options,
                           case=f"vcf_single_sample_gt{'_named' if options else ''}")
        assert outcome.code == 0, outcome.err
        assert _log(out) == expected
    assert read_catalog(tmp_path / "plain/SBS96.tsv").data.equals(
        read_catalog(tmp_path / "named/SBS96.tsv").data)


def test_single_sample_vcf_without_gt_counts_every_record(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A somatic caller's VCF without GT (Strelka): no genotype decides, every record is the
    sample's."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "30", format_keys="DP") for p in SNV_POSITIONS],
               header=(DP_LINE,))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_single_sample_no_gt")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out") == {"TUMOUR": {"variants_read": 6, "counted_SBS96": 6}}


def test_record_without_gt_in_a_gt_file_is_not_in_sample(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A record whose FORMAT lacks GT (or is '.') carries no genotype: logged, not counted;
    a record without ALT (a reference call) is read and logged as symbolic whatever its GT."""
    lines = [_snv(5, "0/1:30", format_keys="GT:DP"), _snv(11, "30", format_keys="DP"),
             _snv(20, ".", format_keys="."), "chr1\t33\t.\tC\t.\t.\tPASS\t.\tGT\t0/0"]
    vcf = _vcf(tmp_path / "in.vcf", lines, header=(GT_LINE, DP_LINE))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_record_without_gt")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out") == {"TUMOUR": {
        "variants_read": 4, "counted_SBS96": 1, "not_in_sample": 2, "symbolic": 1}}


def test_gt_in_records_but_not_declared_still_decides(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A header without its ##FORMAT GT line (htslib assumes one) is still a VCF with GT."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, gt) for p, gt in
                                     zip(SNV_POSITIONS, HOMREF_CALLS, strict=True)], header=())
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_gt_undeclared")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out")["TUMOUR"]["not_in_sample"] == 4


def test_refit_of_a_single_sample_vcf_counts_only_carried_snvs(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``refit --vcf`` gave 12 SNVs without --vcf-sample and 6 with it; both give 6 now."""
    positions = (5, 11, 20, 27, 33, 40, 47, 53, 60, 64, 15, 44)
    calls = ["0/1"] * 6 + ["0/0"] * 6
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, gt) for p, gt in
                                     zip(positions, calls, strict=True)])
    for options, out in (((), tmp_path / "plain"), (("--vcf-sample", "TUMOUR"),
                                                    tmp_path / "named")):
        outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                          *options, "--signatures", "COSMIC_v3.6", "--restrict-to",
                          "SBS1,SBS5", "--bootstrap", "0", "--out", str(out),
                          case=f"refit_vcf_single_sample_gt{'_named' if options else ''}")
        assert outcome.code == 0, outcome.err
        log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
        assert (log["variants_read"], log["counted_SBS96"], log["not_in_sample"]) == (12, 6, 6)


# --- 051, 188: GT not the first FORMAT key ---------------------------------------------------

def test_gt_not_first_in_format_is_refused(tmp_path: Path, fasta: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """FORMAT DP:GT: htslib reads no genotype, so both samples came out empty with exit 0."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "10:0/1", "10:0/0", format_keys="DP:GT")
                                     for p in SNV_POSITIONS[:3]],
               samples=("T1", "T2"), header=(GT_LINE, DP_LINE))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_gt_not_first")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}: line 5", "FORMAT 'DP:GT'",
             "GT to be the first FORMAT key", "Write GT first")


def test_refit_vcf_with_gt_not_first_names_the_cause(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """refit blamed 'no SNV could be counted (not_in_sample 6)'."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "30:0/0", "30:0/1", format_keys="DP:GT")
                                     for p in SNV_POSITIONS],
               samples=("N", "T"), header=(GT_LINE, DP_LINE))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--vcf-sample", "T", "--reference",
                      str(fasta), "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--out",
                      str(out), case="refit_vcf_gt_not_first")
    _refused(outcome, out, f"VCF {vcf}: line 5", "GT to be the first FORMAT key")
    assert "not_in_sample" not in outcome.err


# --- 055, 056, 216: alleles that are not nucleotide codes --------------------------------------

@pytest.mark.parametrize(("case", "ref", "alt", "fragments"), [
    ("vcf_ref_dash", "-", "A", ["REF '-' is a MAF convention", "REF G ALT GA"]),
    ("vcf_alt_dash", "G", "-", ["ALT '-' is a MAF convention", "anchored alleles"]),
    ("vcf_ref_digit", "1", "A", ["REF '1' is not an allele", "IUPAC"]),
    ("vcf_alt_digit", "A", "2", ["ALT '2' is not an allele", "symbolic allele"]),
    ("vcf_ref_accent", "\u00e9", "A", ["REF '\u00e9' is not an allele"]),
])
def test_allele_that_is_not_a_nucleotide_code_is_refused(
        case: str, ref: str, alt: str, fragments: list[str], tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """'-' was re-anchored as in a MAF and counted; digits were 'ambiguous_base'; an accent
    ended in "'ascii' codec can't encode", with no file or line."""
    bad = "\t".join(["chr2", "30", ".", ref, alt, ".", "PASS", ".", "GT", "0/1"])
    vcf = _vcf(tmp_path / "in.vcf", [*(_snv(p, "0/1") for p in SNV_POSITIONS), bad])
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case=case)
    _refused(outcome, tmp_path / "out", f"VCF {vcf}: line 10", *fragments,
             "remove that line")


def test_iupac_symbolic_and_breakend_alleles_are_still_read(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only characters that are not nucleotide codes are refused: N/R/Y stay counted skips,
    symbolic alleles, breakends, '*' and lower case are read."""
    lines = [_snv(5, "0/1"),
             "chr1\t11\t.\tN\tA\t.\tPASS\t.\tGT\t0/1",          # ambiguous_base
             "chr1\t20\t.\tC\tY\t.\tPASS\t.\tGT\t0/1",          # ambiguous_base
             "chr1\t33\t.\tC\t<DEL>\t.\tPASS\t.\tGT\t0/1",      # symbolic
             "chr1\t40\t.\tC\tC]chr2:10]\t.\tPASS\t.\tGT\t0/1",  # breakend
             "chr1\t44\t.\tT\t.T\t.\tPASS\t.\tGT\t0/1",          # single breakend
             "chr1\t47\t.\tG\t*\t.\tPASS\t.\tGT\t0/1",          # spanning deletion
             f"chr1\t60\t.\t{CHR1[59].lower()}\t{_alt(CHR1[59]).lower()}\t.\tPASS\t.\tGT\t0/1"]
    vcf = _vcf(tmp_path / "in.vcf", lines)
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_valid_odd_alleles")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out") == {"TUMOUR": {
        "variants_read": 8, "counted_SBS96": 2, "symbolic": 4, "ambiguous_base": 2}}


# --- 050, 049, 200, 202: malformed records refused, not skipped --------------------------------

def test_more_sample_columns_than_the_header_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """htslib dropped the extra calls unread, and the record was counted."""
    vcf = _vcf(tmp_path / "in.vcf", [*(_snv(p, "0/1") for p in SNV_POSITIONS),
                                     _snv(30, "0/1", "0/1", "1/1", contig="chr2",
                                          sequence=CHR2)])
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_extra_sample_columns")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}: line 10", "12 tab-separated columns",
             "#CHROM header line has 10", "TUMOUR", "belong to no sample",
             "Correct or remove that line")


def test_empty_columns_at_the_end_of_a_record_are_accepted(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tab at the end of a line is no extra sample (htslib reads it the same)."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "0/1") + "\t" for p in SNV_POSITIONS])
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_trailing_tab")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out") == {"TUMOUR": {"variants_read": 6, "counted_SBS96": 6}}


@pytest.mark.parametrize(("case", "bad", "header", "fragments"), [
    ("vcf_missing_sample_column", _snv(20, "0/1"), (GT_LINE,),
     ["line 6", "10 tab-separated columns", "#CHROM header line has 11",
      "sample column (or FORMAT) is missing"]),
    ("vcf_record_without_sample_columns", "chr1\t20\t.\tC\tA\t.\tPASS\t.", (GT_LINE,),
     ["line 6", "8 tab-separated columns", "#CHROM header line has 11"]),
    ("vcf_record_without_sample_columns_no_gt", "chr1\t20\t.\tC\tA\t.\tPASS\t.", (DP_LINE,),
     ["line 6", "8 tab-separated columns", "#CHROM header line has 11"]),
])
def test_record_missing_sample_columns_names_the_line(
        case: str, bad: str, header: tuple[str, ...], fragments: list[str], tmp_path: Path,
        fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was 'htslib cannot parse it (unable to parse next record)', or no error at all for an
    8-column record (htslib gives it no sample)."""
    keys = "GT" if header == (GT_LINE,) else "DP"
    call = "0/1" if keys == "GT" else "30"
    vcf = _vcf(tmp_path / "in.vcf", [_snv(5, call, call, format_keys=keys),
                                     _snv(11, call, call, format_keys=keys), bad],
               samples=("T1", "T2"), header=header)
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, *(
        ("--vcf-sample", "T2") if keys == "DP" else ()), case=case)
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", *fragments, "Correct or remove")


def test_gt_naming_an_allele_the_record_lacks_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GT 0/3 on a record with one ALT was read as 0/. and logged as not_in_sample."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(5, "0/1", "0/1"), _snv(11, "0/1", "0/1"),
                                     _snv(20, "0/3", "0/1")], samples=("T1", "T2"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_gt_allele_too_high")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}: line 6", "sample 'T1'", "GT '0/3'",
             "allele 3", "1 ALT allele(s)", "Correct the genotype")


def test_empty_chrom_is_refused(tmp_path: Path, fasta: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """An empty CHROM was a contig named '' and logged as contig_missing."""
    vcf = _vcf(tmp_path / "in.vcf", [*(_snv(p, "0/1") for p in SNV_POSITIONS),
                                     _snv(30, "0/1", contig="", sequence=CHR2)])
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_empty_chrom")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}: line 10", "CHROM is empty",
             "Correct or remove that line")


# --- 216, 218, 209, 229: records htslib or pysam cannot read ----------------------------------

def test_latin1_byte_in_alt_is_named_not_called_truncation(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was 'the file ends inside that record ... it is truncated' with a line past the end."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "0/1") for p in SNV_POSITIONS])
    with open(vcf, "ab") as handle:
        handle.write(b"chr2\t30\t.\tT\t\xe9\t.\tPASS\t.\tGT\t0/1\n")
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_latin1_alt")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", "line 10", "ALT column", "0xe9",
             "not UTF-8")


def test_gt_that_is_no_genotype_is_named(tmp_path: Path, fasta: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """GT 'yes' was reported as '(truncated file)', with the fix to re-compress."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(5, "0/1", "0/1"), _snv(11, "0/1", "0/1"),
                                     _snv(20, "yes", "0/1")], samples=("T1", "T2"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_gt_garbage")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", "line 6", "GT of sample 'T1' is 'yes'",
             "no genotype", "Correct or remove that line")


def test_gt_declared_as_integer_names_the_header_line(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was only 'htslib cannot parse it (unable to parse next record)'."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "0/1", "0/0") for p in SNV_POSITIONS[:3]],
               samples=("T1", "T2"), header=(GT_LINE.replace("Type=String", "Type=Integer"),))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_gt_integer")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", "declares GT as Type=Integer", "line 2",
             "Type=String")


# --- 016, 203: #CHROM lines htslib rejects ----------------------------------------------------

@pytest.mark.parametrize(("case", "chrom", "fragments"), [
    ("vcf_empty_sample_name", f"{FIXED}\tFORMAT\t",
     ["line 3", "empty sample name", "a tab at the end of the line", "Remove the stray tab"]),
    ("vcf_chrom_line_spaces", f"{FIXED}\tFORMAT\tTUMOUR".replace("\t", " "),
     ["line 3", "separates its columns with spaces", "by tabs"]),
])
def test_chrom_line_htslib_rejects_is_named(case: str, chrom: str, fragments: list[str],
                                            tmp_path: Path, fasta: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Both were only 'htslib rejects its header'; htslib's own reason is quoted too."""
    vcf = tmp_path / "in.vcf"
    vcf.write_text("\n".join(["##fileformat=VCFv4.2", GT_LINE, chrom,
                              *(_snv(p, "0/1") for p in SNV_POSITIONS)]) + "\n")
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case=case)
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", *fragments, "(htslib: ")


# --- more of the same: NUL bytes, compressed and long files, multi-allelic records ------------

def test_nul_bytes_in_a_record_are_named_not_called_truncation(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """htslib says only 'truncated file' for a REF of NUL bytes."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(p, "0/1") for p in SNV_POSITIONS])
    with open(vcf, "ab") as handle:
        handle.write(b"chr2\t30\t.\t\x00\x00\tA\t.\tPASS\t.\tGT\t0/1\n")
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_nul_bytes")
    _refused(outcome, tmp_path / "out", f"VCF {vcf}", "line 10", "REF column", "0x00",
             "control character")


def test_extra_columns_are_found_in_a_long_bgzipped_vcf(tmp_path: Path) -> None:
    """The column check reads line-aligned blocks of 1 MiB of the inflated text: a bad line
    past the first block is named by its own line number."""
    lines = [_snv(SNV_POSITIONS[i % 6], "0/1") for i in range(60_000)]  # ~1.5 MiB
    lines[45_000] += "\t0/1"
    plain = _vcf(tmp_path / "big.vcf", lines)
    bgzipped = tmp_path / "big.vcf.gz"
    pysam.tabix_compress(str(plain), str(bgzipped), force=True)
    for path in (plain, bgzipped):
        with pytest.raises(InputError, match=rf"{path}: line {45_000 + 4}: it has 11 "):
            read_vcf(path)


def test_each_alt_of_a_multiallelic_record_follows_the_gt(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GT 0/1 carries the first ALT only (the other is not_in_sample); GT 1/2 carries both."""
    ref5, ref11 = CHR1[4], CHR1[10]
    lines = [f"chr1\t5\t.\t{ref5}\t{_alt(ref5)},<*>\t.\tPASS\t.\tGT\t0/1",
             f"chr1\t11\t.\t{ref11}\t{_alt(ref11)},<DEL>\t.\tPASS\t.\tGT\t1/2"]
    vcf = _vcf(tmp_path / "in.vcf", lines)
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf_multiallelic_gt")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out") == {"TUMOUR": {
        "variants_read": 4, "counted_SBS96": 2, "not_in_sample": 1, "symbolic": 1}}


# --- 015: a sample column named by 300 characters ----------------------------------------------

def test_a_too_long_sample_name_says_how_to_rename_it(tmp_path: Path, fasta: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The name would make file names past the file system's limit: refused with the VCF,
    the limit and both ways to rename it; --sample-name then counts the file."""
    vcf = _vcf(tmp_path / "in.vcf", [_snv(20, "0/1"), _snv(47, "0/1")], samples=("S" * 300,))
    outcome = _catalog(capsys, tmp_path / "out", fasta, vcf, case="vcf:sample-name-300")
    _refused(outcome, tmp_path / "out", f"{vcf}: sample", "300 characters long",
             "at most 200 characters", "--sample-name", "the VCF's sample column")
    renamed = _catalog(capsys, tmp_path / "out", fasta, vcf, "--sample-name", "T1",
                       case="vcf:sample-name-300-renamed")
    assert renamed.code == 0, renamed.err
    assert read_catalog(tmp_path / "out/SBS96.tsv").data["T1"].sum() == 2


# --- a BCF record htslib refuses -----------------------------------------------------------

def test_a_bcf_record_without_ref_names_htslibs_reason(tmp_path: Path, fasta: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A BCF has no text line to diagnose: the message quotes what htslib said of the record
    (its bcf_record_check warning), not a truncation it cannot know of."""
    header = pysam.VariantHeader()
    header.add_line("##contig=<ID=chr1,length=70>")
    path = tmp_path / "in.bcf"
    with pysam.VariantFile(str(path), "wb", header=header) as out:
        out.write(header.new_record(contig="chr1", start=19, stop=20,
                                    alleles=(CHR1[19], _alt(CHR1[19]))))
        out.write(header.new_record(contig="chr1", start=46, stop=47))  # no alleles at all
    outcome = _catalog(capsys, tmp_path / "out", fasta, path, case="bcf:no-ref")
    assert_clear_error(outcome, f"VCF {path}", "(record 2)", "No REF allele", "bcftools view")
    assert_nothing_written(tmp_path / "out")

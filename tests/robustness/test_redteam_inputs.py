"""Variant inputs a red-team sweep found mishandled, each now read right or refused clearly.

A VCF, MAF or FASTA compressed with xz, bzip2, zstd, zip or 7-Zip (htslib aborted the process
on an xz VCF, with no message) is refused with the command that recompresses it, also when its
name says gzip; ``--vcf-dir`` refuses such a variant file instead of leaving it out, and
names the hidden files and files of other names it leaves out; a header line after
``#CHROM`` is named on its own line; an SNV repeating one base of a doublet record is a
``duplicate``; a samples sheet written with R's default quoting reads.
"""

from __future__ import annotations

import bz2
import logging
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest

from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.genomics.samplesheet import read_sample_sheet
from sigforge.io import read_table
from tests.robustness._harness import Outcome, assert_clear_error, assert_nothing_written, run_cli

#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
HEADER = ["##fileformat=VCFv4.2",
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOUR"]
ZSTD_FRAME = b"\x28\xb5\x2f\xfd" + bytes(20)


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """A 70-bp test genome, indexed."""
    return make_fasta({"chr1": CHR1})


def _record(pos: int, ref: str, alt: str) -> str:
    """One PASS record of the sample, genotype 0/1."""
    return "\t".join(["chr1", str(pos), ".", ref, alt, ".", "PASS", ".", "GT", "0/1"])


def _snvs(*positions: int) -> list[str]:
    """SNV records whose REF matches the genome."""
    return [_record(p, CHR1[p - 1], "A" if CHR1[p - 1] != "A" else "C") for p in positions]


def _vcf_text(records: list[str], header: list[str] = HEADER) -> str:
    """A VCF's text: the header lines, then the records (record n is on line len(header) + n)."""
    return "\n".join([*header, *records]) + "\n"


def _catalog(capsys: pytest.CaptureFixture[str], fasta: Path, out: Path, *inputs: str,
             case: str | None = None) -> Outcome:
    """Run ``sigforge catalog --reference FASTA INPUTS --out OUT``."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), *inputs, "--out", str(out),
                   case=case)


def _log(out: Path) -> dict[str, int]:
    """The one sample's nonzero counts in ``catalog_log.tsv``."""
    log = read_table(out / "catalog_log.tsv")
    row = log.drop(columns=list(LOG_TEXT_COLUMNS), errors="ignore").iloc[0]
    return {str(k): int(v) for k, v in row.items() if v}


# --- compression sigforge does not read -----------------------------------------------------

COMPRESSORS = {
    "xz": (lzma.compress, "xz -dc"),
    "bzip2": (bz2.compress, "bzip2 -dc"),
    "zstd": (lambda data: ZSTD_FRAME + data, "zstd -dc"),
}


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("suffix", [".vcf.KIND", ".vcf.gz"], ids=["own-suffix", "named-gz"])
def test_a_vcf_in_a_compression_htslib_cannot_read_is_refused_with_the_fix(
        kind: str, suffix: str, tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    compress, command = COMPRESSORS[kind]
    vcf = tmp_path / f"s{suffix.replace('KIND', kind)}"
    vcf.write_bytes(compress(_vcf_text(_snvs(5, 11)).encode()))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf), case=f"vcf {kind} {suffix}")
    assert_clear_error(outcome, f"VCF {vcf}", f"{kind}-compressed", f"{command} {vcf} | bgzip",
                       "NEW.vcf.gz")
    assert_nothing_written(out)


def test_an_xz_maf_and_an_xz_fasta_are_refused_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """By content, whatever the name: ``s.maf.xz`` used to be told to rename itself
    ``s.maf.maf``, which then failed as Latin-1 text."""
    maf = tmp_path / "s.maf.xz"
    maf.write_bytes(lzma.compress(b"Hugo_Symbol\tChromosome\n"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--maf", str(maf), case="maf xz")
    assert_clear_error(outcome, f"--maf {maf}", "xz-compressed", f"xz -dc {maf} | gzip",
                       "NEW.maf.gz")
    assert ".maf.maf" not in outcome.err
    renamed = tmp_path / "s.maf"
    renamed.write_bytes(maf.read_bytes())
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--maf", str(renamed))
    assert_clear_error(outcome, f"MAF {renamed}", "xz-compressed")
    reference = tmp_path / "ref.fa.xz"
    reference.write_bytes(lzma.compress(fasta.read_bytes()))
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text(_snvs(5)))
    outcome = _catalog(capsys, reference, tmp_path / "out2", "--vcf", str(vcf),
                       case="fasta xz")
    assert_clear_error(outcome, "xz-compressed", "| bgzip > NEW.fa.gz")


def test_vcf_dir_refuses_an_xz_vcf_instead_of_leaving_it_out(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "vcfs"
    folder.mkdir()
    (folder / "a.vcf").write_text(_vcf_text(_snvs(5)))
    (folder / "b.vcf.xz").write_bytes(lzma.compress(_vcf_text(_snvs(11)).encode()))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf-dir", str(folder), case="vcf-dir xz")
    assert_clear_error(outcome, f"--vcf-dir {folder}", "b.vcf.xz", "xz-compressed")
    assert_nothing_written(out)


def test_vcf_dir_names_what_it_leaves_out(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A Mac's '._' copy (binary) no longer stops the run, and a '.vcf.txt' or a notes file
    is named as left out; an index beside a VCF is not worth a word."""
    folder = tmp_path / "vcfs"
    folder.mkdir()
    (folder / "a.vcf").write_text(_vcf_text(_snvs(5, 11)))
    (folder / "._a.vcf").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (folder / "g.vcf.txt").write_text(_vcf_text(_snvs(20)))
    (folder / "a.vcf.gz.tbi").write_bytes(b"TBI\x01")
    (folder / "S2").mkdir()  # a per-sample layout: its VCF is not searched for, but named
    (folder / "S2" / "S2.vcf").write_text(_vcf_text(_snvs(20)))
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, fasta, out, "--vcf-dir", str(folder))
    assert outcome.code == 0, outcome.err
    assert _log(out)["counted_SBS96"] == 2
    assert "left out 1 hidden file(s)" in caplog.text and "._a.vcf" in caplog.text
    assert "g.vcf.txt" in caplog.text and "tbi" not in caplog.text
    assert "left out 1 sub-folder(s), which are not searched: S2" in caplog.text


def test_upper_case_suffixes_are_cut_from_file_name_samples(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """S2.VCF.GZ was sample 'S2.VCF', and S1.VCF beside S1.VCF.GZ two samples."""
    import gzip

    folder = tmp_path / "vcfs"
    folder.mkdir()
    (folder / "S1.VCF").write_text(_vcf_text(_snvs(5)))
    (folder / "S2.Vcf.Gz").write_bytes(gzip.compress(_vcf_text(_snvs(11)).encode()))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf-dir", str(folder), "--sample-from-filename")
    assert outcome.code == 0, outcome.err
    assert sorted(read_table(out / "catalog_log.tsv").index) == ["S1", "S2"]
    (folder / "S1.VCF.GZ").write_bytes(gzip.compress(_vcf_text(_snvs(11)).encode()))
    outcome = _catalog(capsys, fasta, tmp_path / "out2", "--vcf-dir", str(folder),
                       "--sample-from-filename")
    assert outcome.code == 2 and "S1" in outcome.err


# --- header lines after #CHROM ---------------------------------------------------------------

@pytest.mark.parametrize(("misplaced", "kind"), [
    (HEADER[2], "a second '#CHROM' line"),
    ('##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">', "a header line"),
], ids=["second-chrom", "meta-line"])
def test_a_header_line_after_chrom_is_named_on_its_own_line(
        misplaced: str, kind: str, tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """It sits on line 4; the message used to blame line 5, the valid record after it."""
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([misplaced, *_snvs(5)]))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf), case=f"vcf {kind} after #CHROM")
    assert_clear_error(outcome, "misplaced header line at line 4 (record 1)", kind,
                       "Move the line above the #CHROM line")
    assert_nothing_written(out)


def test_records_after_a_valid_header_keep_their_line_numbers(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The header ends at #CHROM: a bad POS on the second record is line 5."""
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([*_snvs(5), "chr1\tx\t.\tA\tC\t.\tPASS\t.\tGT\t0/1"]))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "at line 5 (record 2)", "POS 'x'")



@pytest.mark.parametrize("filter_column", ["", "q10;;LowQual"], ids=["empty", "empty-name"])
def test_an_empty_filter_column_is_named_not_counted_as_filtered(
        filter_column: str, tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """htslib only warns about it and reads a failed filter named '': the record on line 5
    was counted as ``filtered`` although nothing said it failed."""
    bad = "\t".join(["chr1", "9", ".", CHR1[8], "A", ".", filter_column, ".", "GT", "0/1"])
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([*_snvs(5), bad, *_snvs(20)]))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf), case="empty FILTER")
    assert_clear_error(outcome, "s.vcf: line 5: the FILTER column is empty",
                       "Write PASS or '.'")
    assert_nothing_written(out)
    vcf.write_text(_vcf_text([*_snvs(5), bad.replace(f"\t{filter_column}\t", "\tq10\t"),
                              *_snvs(20)]))
    assert _catalog(capsys, fasta, out, "--vcf", str(vcf)).code == 0
    assert _log(out) == {"variants_read": 3, "counted_SBS96": 2, "filtered": 1}


@pytest.mark.parametrize("chrom", ["chr1 ", " chr1"], ids=["trailing", "leading"])
def test_a_space_around_chrom_is_named(chrom: str, tmp_path: Path, fasta: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """htslib only says "Could not add dummy header for contig 'chr1 '"."""
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([*_snvs(5), _snvs(9)[0].replace("chr1", chrom, 1)]))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, "line 5 (record 2)", f"CHROM '{chrom}' holds a space",
                       "Remove the space")


def test_a_bcf_with_damaged_blocks_is_called_corrupt_not_described_as_text(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Flipped bytes in a BCF's records failed its block's CRC; the message described the
    binary data as a text line of 2 columns."""
    import pysam

    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text(_snvs(*range(3, 60, 4)),
                             [HEADER[0], "##contig=<ID=chr1,length=70>", *HEADER[1:]]))
    bcf = tmp_path / "s.bcf"
    with pysam.VariantFile(str(vcf)) as source, \
            pysam.VariantFile(str(bcf), "wb0", header=source.header) as sink:
        for record in source:
            sink.write(record)
    data = bytearray(bcf.read_bytes())
    for at in range(len(data) - 200, len(data) - 60, 3):  # record bytes, before the EOF block
        data[at] ^= 0x5A
    bcf.write_bytes(bytes(data))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(bcf))
    assert_clear_error(outcome, "s.bcf: truncated or corrupt", "CRC check failed",
                       "copied again")
    assert "tab-separated" not in outcome.err
    assert_nothing_written(out)

# --- an SNV repeating a base of a doublet record ---------------------------------------------

@pytest.mark.parametrize(("base", "same_alt"), [(0, True), (1, True), (0, False)],
                         ids=["first-base", "second-base", "other-alt"])
def test_an_snv_repeating_a_base_of_a_doublet_record_is_a_duplicate(
        base: int, same_alt: bool, tmp_path: Path, fasta: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The doublet record at 11-12 and an SNV record of one of its bases with the same ALT:
    one mutation, counted once in DBS78 (it used to be counted again in SBS96). An SNV there
    with another ALT is another mutation: counted in SBS96."""
    ref = CHR1[10:12]
    alt = "".join(next(b for b in "TGCA" if b != r) for r in ref)
    snv_alt = alt[base] if same_alt else next(b for b in "ACGT" if b not in (ref[base],
                                                                            alt[base]))
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([_record(11, ref, alt), _record(11 + base, ref[base], snv_alt)]))
    out = tmp_path / "out"
    assert _catalog(capsys, fasta, out, "--vcf", str(vcf)).code == 0
    log = _log(out)
    assert log["variants_read"] == 2 and log["counted_DBS78"] == 1
    assert log.get("duplicate", 0) == (1 if same_alt else 0)
    assert log.get("counted_SBS96", 0) == (0 if same_alt else 1)


# --- a samples sheet with R's default quoting ------------------------------------------------

def test_a_quoted_samples_sheet_reads_like_a_plain_one(tmp_path: Path) -> None:
    """R's write.table quotes every text cell, header included: the quotes go, a doubled
    quote inside a cell becomes one. In a sheet whose header is plain, quotes stay part of a
    name."""
    quoted = tmp_path / "quoted.tsv"
    quoted.write_text('"sample_id"\t"vcf"\n"S1"\t"a.vcf"\n"S""2"\t"b.vcf"\n')
    sheet = read_sample_sheet(quoted)
    assert list(sheet["sample_id"]) == ["S1", 'S"2']
    assert list(sheet["vcf"]) == ["a.vcf", "b.vcf"]
    plain = tmp_path / "plain.tsv"
    plain.write_text('sample_id\tvcf\n"S1"\ta.vcf\n')
    assert list(read_sample_sheet(plain)["sample_id"]) == ['"S1"']


def test_a_pos_of_other_scripts_digits_is_named_not_a_crash(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'²' is a digit to Python's isdigit() but not to int(): the diagnosis of the record
    htslib rejects used to raise ValueError itself."""
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text([*_snvs(5), "chr1\t1\u00b2\t.\tA\tC\t.\tPASS\t.\tGT\t0/1"]))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf), case="vcf POS with '²'")
    assert_clear_error(outcome, "at line 5 (record 2)", "POS '1\u00b2' is not an integer")
    assert_nothing_written(out)


def test_an_unindexed_bgzip_vcf_reads_without_htslibs_index_error(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """htslib says '[E::idx_find_and_load] Could not retrieve index file' on opening a bgzip
    VCF without its .tbi, although it reads the whole file: not passed on as an error."""
    import pysam

    plain = tmp_path / "s.vcf"
    plain.write_text(_vcf_text(_snvs(5, 11)))
    vcf = tmp_path / "s.vcf.gz"
    pysam.tabix_compress(str(plain), str(vcf))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf))
    assert outcome.code == 0, outcome.err
    assert _log(out)["counted_SBS96"] == 2
    assert "idx_find" not in outcome.err and "[E::" not in outcome.err


@pytest.mark.parametrize("index", [".tbi", ".csi"])
def test_a_damaged_index_beside_a_vcf_is_not_reported(
        index: str, tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A garbage .tbi or .csi beside a bgzip VCF made htslib print '[E::hts_idx_load3] Could
    not load local index file', though the file is read whole and the index never used."""
    import pysam

    plain = tmp_path / "s.vcf"
    plain.write_text(_vcf_text(_snvs(5, 11)))
    vcf = tmp_path / "s.vcf.gz"
    pysam.tabix_compress(str(plain), str(vcf))
    (tmp_path / f"s.vcf.gz{index}").write_bytes(b"garbagegarbage")
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf))
    assert outcome.code == 0, outcome.err
    assert _log(out)["counted_SBS96"] == 2
    assert "[E::" not in outcome.err


def test_vcf_from_standard_input_is_refused_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", "-", case="vcf from standard input")
    assert_clear_error(outcome, "VCF -", "standard input is not supported",
                       "Save it to a file")
    assert "samples sheet" not in outcome.err
    assert_nothing_written(out)


def test_a_bed_is_read_by_content_not_by_name(tmp_path: Path) -> None:
    """A gzip BED named '.bed' was refused as 'not text ... give a gzip-compressed (.gz)
    BED' (it was one); an xz one gets the recompress command."""
    import gzip

    from sigforge.genomics.annotation import read_annotation
    from sigforge.genomics.regions import read_regions
    from sigforge.io import InputError

    lines = "chr1\t10\t40\tTP53\t0\t+\nchr1\t50\t60\tKRAS\t0\t-\n"
    named_plain = tmp_path / "roi.bed"
    named_plain.write_bytes(gzip.compress(lines.encode()))
    assert list(read_regions(named_plain)["region"]) == ["TP53", "KRAS"]
    annotation = read_annotation(named_plain)
    assert annotation is not None
    xz = tmp_path / "roi.bed.xz"
    xz.write_bytes(lzma.compress(lines.encode()))
    with pytest.raises(InputError, match=r"xz-compressed.*xz -dc .*roi\.bed\.xz \| gzip"):
        read_regions(xz)


# --- what the counts were made against ------------------------------------------------------

def test_merge_catalogs_names_samples_counted_on_another_build_or_assay(
        tmp_path: Path, fasta: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """catalog_log.tsv records the FASTA (name and a digest of its contig lengths) and the
    assay (genome, or the regions BED and a digest of its intervals); merge-catalogs used to
    join a panel's catalog with a genome's, or catalogs of two builds, without a word."""
    other_build = make_fasta({"chr1": CHR1 + "ACGT"}, name="other.fa")
    (tmp_path / "panel.bed").write_text("chr1\t0\t40\n")
    runs = {"a": (fasta, []), "b": (fasta, []), "build": (other_build, []),
            "panel": (fasta, ["--regions", str(tmp_path / "panel.bed")])}
    for name, (reference, extra) in runs.items():
        vcf = tmp_path / f"{name}.vcf"
        vcf.write_text(_vcf_text(_snvs(5, 11, 20 + len(name)),
                                 [*HEADER[:2], HEADER[2].replace("TUMOUR", name)]))
        assert _catalog(capsys, reference, tmp_path / name, "--vcf", str(vcf), *extra).code == 0
    logs = {name: read_table(tmp_path / name / "catalog_log.tsv").iloc[0] for name in runs}
    assert logs["a"]["reference"] == logs["b"]["reference"] != logs["build"]["reference"]
    assert logs["a"]["reference"].startswith(f"{fasta.name}:")
    assert logs["a"]["assay"] == "genome" and logs["panel"]["assay"].startswith("panel.bed:")
    for pair, warned in ((("a", "b"), None), (("a", "build"), "reference FASTAs"),
                         (("a", "panel"), "assays (targeted regions)")):
        caplog.clear()
        out = tmp_path / "merged" / "_".join(pair)
        with caplog.at_level(logging.WARNING):
            outcome = run_cli(capsys, "merge-catalogs", "--inputs",
                              *(str(tmp_path / name) for name in pair), "--out", str(out))
        assert outcome.code == 0, outcome.err
        if warned is None:
            assert "different" not in caplog.text
        else:
            assert f"counted on different {warned}" in caplog.text
        merged = read_table(out / "catalog_log.tsv")
        assert list(merged[["reference", "assay"]].itertuples(index=False)) == [
            tuple(logs[name][["reference", "assay"]]) for name in pair]


def test_regions_that_hold_no_variant_of_any_sample_are_warned_about(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Every variant outside the regions gave all-zero catalogs with INFO lines only."""
    vcf = tmp_path / "s.vcf"
    vcf.write_text(_vcf_text(_snvs(5, 11, 20)))
    (tmp_path / "gap.bed").write_text("chr1\t50\t70\n")
    (tmp_path / "hit.bed").write_text("chr1\t0\t15\n")
    for bed, warned in (("gap.bed", True), ("hit.bed", False)):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            outcome = _catalog(capsys, fasta, tmp_path / f"out_{bed}", "--vcf", str(vcf),
                               "--regions", str(tmp_path / bed))
        assert outcome.code == 0, outcome.err
        assert ("all 3 variants of the 1 sample(s)" in caplog.text) is warned


def test_opportunities_of_regions_holding_only_n_are_refused(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """An all-zero regions column was written with exit 0; the refit then failed naming no
    file and told the user to run the command they had run."""
    genome = make_fasta({"chr1": CHR1 + "N" * 40 + CHR1}, name="gapped.fa")
    (tmp_path / "gap.bed").write_text("chr1\t75\t105\n")
    out = tmp_path / "opp.tsv"
    outcome = run_cli(capsys, "opportunities", "--reference", str(genome), "--regions",
                      str(tmp_path / "gap.bed"), "--out", str(out))
    assert_clear_error(outcome, "gap.bed: the regions hold no trinucleotide", "30 bases covered")
    assert not out.exists()


def test_an_empty_gzip_and_a_blank_first_line_are_named_as_such(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both were said to 'hold binary data': a gzip of nothing, and a text VCF whose first
    line is blank."""
    import gzip

    empty = tmp_path / "empty.vcf.gz"
    with gzip.open(empty, "wb"):
        pass
    outcome = _catalog(capsys, fasta, tmp_path / "out1", "--vcf", str(empty))
    assert_clear_error(outcome, str(empty), "it is empty once decompressed")
    blank = tmp_path / "blank.vcf"
    blank.write_text("\n" + _vcf_text(_snvs(5, 11)))
    outcome = _catalog(capsys, fasta, tmp_path / "out2", "--vcf", str(blank))
    assert_clear_error(outcome, str(blank), "its first line is blank: delete the blank line")
    assert "binary" not in outcome.err


def test_a_vcf_with_carriage_return_line_ends_is_named_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Old Mac OS line ends gave htslib's 'sample line not found'; the FASTA reader already
    named them, and the MAF reader reads them."""
    vcf = tmp_path / "cr.vcf"
    vcf.write_bytes(_vcf_text(_snvs(5, 11)).replace("\n", "\r").encode())
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf))
    assert_clear_error(outcome, str(vcf), "carriage returns alone", "tr '\\r' '\\n'")
    assert_nothing_written(out)


def test_an_assembled_contigs_insertion_is_skipped_as_symbolic(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """VCF 4.1-4.3 write the insertion of an assembled contig as C<ctg1> (or <ctg1>C after
    the base): it stopped the whole file as 'not an allele'; it is skipped and counted as
    symbolic, like <DEL> and breakends."""
    ref = CHR1[29]
    records = [*_snvs(5, 11), _record(30, ref, f"{ref}<ctg1>"), _record(30, ref, f"<ctg1>{ref}")]
    vcf = tmp_path / "ctg.vcf"
    vcf.write_text(_vcf_text(records))
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, out, "--vcf", str(vcf))
    assert outcome.code == 0, outcome.err
    assert _log(out)["symbolic"] == 2
    bad = tmp_path / "bad.vcf"
    bad.write_text(_vcf_text([*_snvs(5), _record(30, ref, f"{ref}<ctg1")]))
    outcome = _catalog(capsys, fasta, tmp_path / "out2", "--vcf", str(bad))
    assert_clear_error(outcome, f"ALT '{ref}<ctg1' is not an allele")


def test_a_plain_vcf_ending_inside_its_last_line_is_warned_of(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A copy cut inside the last record's genotype ('0/1' -> '0') still parses, and that
    variant went to not_in_sample without a word about the file ending mid-line."""
    text = _vcf_text(_snvs(5, 11, 17))
    vcf, whole = tmp_path / "cut.vcf", tmp_path / "whole.vcf"
    vcf.write_text(text[:-3])
    whole.write_text(text)
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out")["counted_SBS96"] == 2
    assert f"VCF {vcf}: the file ends inside its last line" in caplog.text
    assert "tail -n 1" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, fasta, tmp_path / "out2", "--vcf", str(whole))
    assert outcome.code == 0 and "ends inside" not in caplog.text


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_a_tar_archive_given_as_the_vcf_or_the_fasta_is_named_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    """A downloaded cohort.tar.gz given as the VCF was 'binary data'; as the FASTA, the
    advice was to re-compress it with bgzip, which keeps it an archive."""
    import tarfile

    vcf = tmp_path / "a.vcf"
    vcf.write_text(_vcf_text(_snvs(5, 11)))
    packed_vcf, packed_fasta = tmp_path / "vcfs.tar", tmp_path / "genome.tar"
    for archive, member in ((packed_vcf, vcf), (packed_fasta, fasta)):
        with tarfile.open(archive, mode, format=tarfile.GNU_FORMAT) as tar:
            tar.add(member, arcname=member.name)
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(packed_vcf))
    assert_clear_error(outcome, str(packed_vcf), "is a tar archive", "the first is 'a.vcf'",
                       f"tar -xf {packed_vcf}", "--vcf-dir")
    outcome = _catalog(capsys, packed_fasta, tmp_path / "out2", "--vcf", str(vcf))
    assert_clear_error(outcome, str(packed_fasta), "is a tar archive",
                       f"the first is '{fasta.name}'", f"tar -xf {packed_fasta}")
    assert "bgzip" not in outcome.err
    with tarfile.open(packed_vcf, mode, format=tarfile.PAX_FORMAT) as tar:  # a header first
        tar.add(vcf, arcname=vcf.name)
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(packed_vcf))
    assert_clear_error(outcome, "is a tar archive (files packed together), not one VCF")
    assert_nothing_written(tmp_path / "out")
    assert_nothing_written(tmp_path / "out2")


def test_file_names_that_read_as_url_schemes_are_opened_as_files(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """htslib takes 's3:x.vcf' or 'ref:1.fa' (a relative path) for a URL: 'Protocol not
    supported' or 'Invalid argument', blamed on the file's contents."""
    monkeypatch.chdir(tmp_path)
    Path("s3:x.vcf").write_text(_vcf_text(_snvs(5, 11)))
    Path("ref:1.fa").write_bytes(fasta.read_bytes())
    outcome = _catalog(capsys, Path("ref:1.fa"), tmp_path / "out", "--vcf", "s3:x.vcf")
    assert outcome.code == 0, outcome.err
    assert _log(tmp_path / "out")["counted_SBS96"] == 2
    assert Path("ref:1.fa.fai").is_file()


def test_a_latin1_bed_and_an_index_that_is_a_folder_are_named_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Latin-1 name in a regions BED was told to be 'a plain or gzip-compressed BED' (it
    was one); a folder in the .fai's place was blamed on the FASTA."""
    vcf = tmp_path / "a.vcf"
    vcf.write_text(_vcf_text(_snvs(5, 11)))
    bed = tmp_path / "panel.bed"
    bed.write_bytes("chr1\t0\t60\tg\u00e8ne\n".encode("latin-1"))
    outcome = _catalog(capsys, fasta, tmp_path / "out", "--vcf", str(vcf), "--regions",
                       str(bed))
    assert_clear_error(outcome, f"--regions {bed}", "not UTF-8", "iconv -f latin1 -t utf-8")
    copy = tmp_path / "copy.fa"
    copy.write_bytes(fasta.read_bytes())
    Path(f"{copy}.fai").mkdir()
    outcome = _catalog(capsys, copy, tmp_path / "out", "--vcf", str(vcf))
    assert_clear_error(outcome, f"its index {copy}.fai cannot be read (Is a directory)",
                       "Remove it")
    assert_nothing_written(tmp_path / "out")

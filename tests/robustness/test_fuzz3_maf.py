"""MAF cases of the third fuzzing round, each now read right or refused with its line.

A lone ``"`` in an annotation cell no longer swallows the rows after it (a MAF has no
quoting: every line is one row), spaces around a barcode or contig no longer make one sample
or contig two, a row with another number of fields than the header or a blank Chromosome is
refused with its line, line numbers count blank and comment lines, and a byte that is not
UTF-8 names its line and column. Bad input exits 2 with one paragraph and writes nothing;
repaired input counts every mutation (see ``_harness``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from sigforge.genomics import read_catalog, read_maf
from sigforge.io import read_table
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
MAF_COLUMNS = ("Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Variant_Type",
               "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
               "Tumor_Sample_Barcode")


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """The test genome: two 70-bp contigs, indexed."""
    return make_fasta({"chr1": CHR1, "chr2": CHR2})


def _rows(sample: str = "S1", contig: str = "chr1") -> list[list[str]]:
    """MAF cells (GDC column order) of six SNVs on chr1 whose REF matches the FASTA."""
    rows = []
    for p in SNV_POSITIONS:
        ref = CHR1[p - 1]
        rows.append(["G", contig, str(p), str(p), "SNP", ref, ref, "A" if ref != "A" else "C",
                     sample])
    return rows


def _maf_text(rows: list[list[str]], columns: tuple[str, ...] = MAF_COLUMNS) -> str:
    """A MAF's text: the tab-separated header, then one line per row, cells verbatim."""
    return "".join("\t".join(line) + "\n" for line in [list(columns), *rows])


def _catalog(capsys: pytest.CaptureFixture[str], tmp_path: Path, fasta: Path, maf: Path,
             case: str) -> Outcome:
    """Run ``sigforge catalog --reference FASTA --maf MAF --out tmp_path/out``."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf), "--out",
                   str(tmp_path / "out"), case=case)


def _sbs_counts(out: Path) -> dict[str, int]:
    """Each sample's SBS96 total in a catalog folder."""
    return {str(k): int(v) for k, v in read_catalog(out / "SBS96.tsv").data.sum().items()}


# --- 111: a lone quote mark in a cell ---------------------------------------------------------

def test_lone_quote_in_an_annotation_cell_keeps_every_row(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ``"5' UTR`` cell used to open a quoted field that swallowed rows 3-5 (3 of 6 SNVs
    lost with exit 0); a MAF has no quoting, so every line is one row."""
    rows = _rows()
    notes = ["ok", "\"5' UTR", "ok", "ok", 'see "x', "ok"]
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text([[*row, note] for row, note in zip(rows, notes, strict=True)],
                             (*MAF_COLUMNS, "Note")))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_lone_quote")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}
    log = read_table(tmp_path / "out/catalog_log.tsv")
    assert log["variants_read"].tolist() == [6]


def test_cells_wholly_in_quotes_are_read_without_them(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A spreadsheet or R export quotes whole cells: ``"S1"`` is the sample S1."""
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text([[*row[:8], '"S1"'] for row in _rows()]))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_quoted_cells")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}


# --- 107, 212, 108: spaces around identifiers -------------------------------------------------

@pytest.mark.parametrize("spaced", ["S1 ", " S1", "  S1  "])
def test_spaces_around_a_barcode_do_not_split_the_sample(
        spaced: str, tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three rows say ``S1``, three a spaced ``S1``: one sample with six SNVs, not two."""
    rows = _rows()
    for row in rows[3:]:
        row[8] = spaced
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows))
    assert read_maf(maf).samples == ["S1"]
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_spaced_barcode")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}


def test_barcodes_differing_only_in_case_are_not_merged(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Case is part of a barcode: the reader keeps ``S1`` and ``s1`` apart (never folds them
    into one sample), and ``catalog`` refuses the pair, whose per-sample files would collide
    on a case-insensitive file system."""
    rows = _rows()
    for row in rows[3:]:
        row[8] = "s1"
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows))
    assert read_maf(maf).samples == ["S1", "s1"]
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_barcode_case")
    assert_clear_error(outcome, str(maf), "'S1'", "'s1'", "differ only in case",
                       "Rename one of them")
    assert outcome.err.count("sigforge catalog") == 1  # the prefix once, not twice
    assert_nothing_written(tmp_path / "out")


def test_spaces_around_chromosome_and_alleles_are_ignored(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[cell if i not in (1, 5, 7) else f" {cell} " for i, cell in enumerate(row)]
            for row in _rows()]
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_spaced_chromosome")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}
    assert read_table(tmp_path / "out/catalog_log.tsv")["contig_missing"].tolist() == [0]


# --- 113-118, 110: rows with another number of fields than the header ------------------------

@pytest.mark.parametrize(("case", "change", "fields"), [
    ("fuzz3_maf_short_row", lambda row: row[:-1], 8),
    ("fuzz3_maf_long_row", lambda row: [*row, "extra", "more"], 11),
])
def test_a_row_with_another_number_of_fields_is_refused(
        case: str, change: Callable[[list[str]], list[str]], fields: int, tmp_path: Path,
        fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    rows[4] = change(rows[4])
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case=case)
    assert_clear_error(outcome, f"MAF {maf}", f"line 6 has {fields} tab-separated field(s)",
                       "the header (line 1) has 9", "1 such row(s)",
                       "one field per header column", "correct or remove that row")
    assert outcome.err.count("error:") == 1
    assert_nothing_written(tmp_path / "out")


def test_a_short_row_missing_its_last_column_chromosome_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Case 114: Chromosome is the last column and line 8 lacks it; it used to be counted as
    ``contig_missing`` with exit 0."""
    columns = (*MAF_COLUMNS[:1], *MAF_COLUMNS[2:], "Chromosome")
    rows = [[*row[:1], *row[2:], row[1]] for row in _rows()]
    rows[6 - 1] = rows[5][:-1]
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows, columns))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_short_row_chromosome")
    assert_clear_error(outcome, f"MAF {maf}", "line 7 has 8 tab-separated field(s)")
    assert_nothing_written(tmp_path / "out")


def test_a_comment_line_between_rows_is_refused_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _maf_text(_rows()).splitlines(keepends=True)
    maf = tmp_path / "in.maf"
    maf.write_text("".join([*text[:4], "# a note\n", *text[4:]]))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_comment_between_rows")
    assert_clear_error(outcome, f"MAF {maf}", "line 5 has 1 tab-separated field(s)",
                       "A '#' line is only allowed above the header")
    assert_nothing_written(tmp_path / "out")


# --- 114: a blank Chromosome ---------------------------------------------------------------

def test_a_blank_chromosome_is_refused_with_its_line(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows()
    rows[2][1] = "  "
    rows[4][1] = ""
    maf = tmp_path / "in.maf"
    maf.write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_blank_chromosome")
    assert_clear_error(outcome, f"MAF {maf}", "line 4: Chromosome is blank",
                       "2 row(s) in all", "Fill in the chromosome or remove the row")
    assert_nothing_written(tmp_path / "out")


# --- 205: line numbers count blank and comment lines -----------------------------------------

def test_a_bad_value_after_blank_and_comment_lines_names_its_own_line(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``#version``, a blank line before the header and one between rows: the bad
    Start_Position is on line 10 of the file, and the message says so."""
    rows = _rows()
    rows[5][2] = "6O"
    lines = _maf_text(rows).splitlines(keepends=True)
    maf = tmp_path / "in.maf"
    maf.write_text("".join(["#version 2.4\n", "\n", lines[0], *lines[1:3], "\n",
                            *lines[3:]]))
    assert maf.read_text().splitlines()[9].split("\t")[2] == "6O"
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_line_after_blank")
    assert_clear_error(outcome, f"MAF {maf}", "line 10: Start_Position '6O'")
    assert_nothing_written(tmp_path / "out")


def test_blank_and_tab_only_lines_are_skipped(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Lines holding nothing (a blank line, a line of only tabs at the end) hold no
    mutation: all six SNVs are counted."""
    lines = _maf_text(_rows()).splitlines(keepends=True)
    maf = tmp_path / "in.maf"
    maf.write_text("".join([*lines[:3], "\n", *lines[3:], "\t" * 8 + "\n", "\n"]))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_blank_lines")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}


def test_crlf_and_a_byte_order_mark_are_read(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "in.maf"
    maf.write_bytes(b"\xef\xbb\xbf" + _maf_text(_rows()).replace("\n", "\r\n").encode())
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_crlf_bom")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}


# --- 137: bytes that are not UTF-8 -----------------------------------------------------------

def test_a_latin1_byte_names_its_line_and_column(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In a column that is read (a barcode); one in a column never read is warned about
    (tests/robustness/test_redteam_blind.py)."""
    rows = _rows()
    rows[2][8] = "S\xe91"
    maf = tmp_path / "in.maf"
    maf.write_bytes(_maf_text(rows).encode("latin-1"))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_latin1")
    assert_clear_error(outcome, f"MAF {maf}", "line 4 (column Tumor_Sample_Barcode)",
                       "byte 0xe9", "not UTF-8", "Save the file as UTF-8")
    assert "position" not in outcome.err
    assert_nothing_written(tmp_path / "out")


def test_a_utf16_maf_is_refused_with_the_fix(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "in.maf"
    maf.write_bytes(_maf_text(_rows()).encode("utf-16"))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_utf16")
    assert_clear_error(outcome, f"MAF {maf}", "line 1", "UTF-16", "Save it as UTF-8")
    assert_nothing_written(tmp_path / "out")


# --- gzip told by content ------------------------------------------------------------------

def test_a_gzip_maf_is_read_whatever_its_name(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maf = tmp_path / "in.maf"
    maf.write_bytes(gzip.compress(_maf_text(_rows()).encode()))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_gzip_named_plain")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": 6}


def test_a_truncated_gzip_maf_names_the_last_line_read(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [row for sample in range(300) for row in _rows(f"S{sample}")]
    packed = gzip.compress(_maf_text(rows).encode())
    maf = tmp_path / "in.maf.gz"
    maf.write_bytes(packed[: len(packed) // 2])
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_gzip_truncated")
    assert_clear_error(outcome, f"MAF {maf}", "cut short after line",
                       "Copy or download the file again")
    assert_nothing_written(tmp_path / "out")


def test_a_maf_given_with_another_suffix_is_read_as_a_maf(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--maf` says what the file is: cBioPortal's data_mutations.txt (any name) is read as a
    MAF. It used to be read as a VCF and refused as 'not a VCF', then refused for its name."""
    maf = tmp_path / "data_mutations.txt"
    maf.write_text(_maf_text(_rows()))
    outcome = _catalog(capsys, tmp_path, fasta, maf, case="fuzz3_maf_txt_suffix")
    assert outcome.code == 0, outcome.err
    assert _sbs_counts(tmp_path / "out") == {"S1": len(SNV_POSITIONS)}


# --- Mutation_Status: germline and LOH rows ---------------------------------------------------

def test_germline_and_loh_rows_of_a_maf_are_not_somatic(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """cBioPortal and GDC MAFs carry germline rows marked in Mutation_Status; they were
    counted as the tumour's somatic mutations, while VarScan2's germline calls in a VCF were
    skipped as not_somatic."""
    statuses = ["Somatic", "Germline", " LOH ", "", "Unknown", "GERMLINE"]
    maf = tmp_path / "status.maf"
    maf.write_text(_maf_text([[*row, status] for row, status in zip(_rows(), statuses,
                                                                     strict=True)],
                             (*MAF_COLUMNS, "Mutation_Status")))
    assert _catalog(capsys, tmp_path, fasta, maf, "status").code == 0
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["S1"]
    assert (log["counted_SBS96"], log["not_somatic"]) == (3, 3)
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--all-filters", "--out", str(tmp_path / "all"), case="all")
    assert outcome.code == 0 and _sbs_counts(tmp_path / "all") == {"S1": 6}


# --- one barcode of a cohort MAF ---------------------------------------------------------------

def test_one_barcode_of_a_cohort_maf_is_its_column_and_reads_only_its_rows(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow counts each sample of a cohort MAF in its own job (--vcf-sample): every
    job held and checked every barcode's rows (2.6 GB and 41 s per job on a 3.6M-row MAF).
    A job now keeps its barcode's rows: its catalog is the whole file's column, a bad row of
    another barcode is that barcode's error alone, and a barcode the file lacks is named with
    the barcodes it holds."""
    rows = _rows("A") + _rows("B")[:3] + _rows("C")[1:]
    maf = tmp_path / "cohort.maf"
    maf.write_text(_maf_text(rows))
    assert _catalog(capsys, tmp_path, fasta, maf, "maf_cohort_whole").code == 0
    whole = read_catalog(tmp_path / "out" / "SBS96.tsv").data
    for barcode in ("A", "B", "C"):
        out = tmp_path / f"one_{barcode}"
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                       "--vcf-sample", barcode, "--out", str(out)).code == 0
        one = read_catalog(out / "SBS96.tsv").data
        assert list(one.columns) == [barcode] and one[barcode].equals(whole[barcode])
    bad = [*rows[:6], ["G", "chr1", "x12", "12", "SNP", "G", "G", "A", "B"], *rows[6:]]
    maf.write_text(_maf_text(bad))
    assert run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                   "--vcf-sample", "A", "--out", str(tmp_path / "a_again")).code == 0
    refused = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--vcf-sample", "B", "--out", str(tmp_path / "b_again"))
    assert_clear_error(refused, "line 8", "Start_Position", "'x12'")
    missing = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--vcf-sample", "D", "--out", str(tmp_path / "d"))
    assert_clear_error(missing, "no rows with Tumor_Sample_Barcode 'D'", "['A', 'B', 'C']",
                       "--vcf-sample")
    assert_nothing_written(tmp_path / "d")
    blank = [*rows[:6], ["G", "chr1", "12", "12", "SNP", "G", "G", "A", " "], *rows[6:]]
    maf.write_text(_maf_text(blank))  # a row of no tumour is no other tumour's row either
    assert_clear_error(run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                               "--vcf-sample", "A", "--out", str(tmp_path / "blank")),
                       "line 8", "Fill in the barcode")


@pytest.mark.parametrize("build", [False, True])
def test_two_mafs_joined_with_cat_are_refused_at_the_repeated_header(
        build: bool, tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The second file's header, read as a row, was called a second genome build
    ('NCBI_Build') with advice to lift over (with that column), or a Start_Position that is
    not a number (without it): now named as a repeated header line, with the fix."""
    columns = (*MAF_COLUMNS, "NCBI_Build") if build else MAF_COLUMNS
    rows = [[*row, "GRCh37"] if build else row for row in _rows()]
    maf = tmp_path / "joined.maf"
    maf.write_text(_maf_text(rows[:3], columns) + _maf_text(rows[3:], columns))
    outcome = _catalog(capsys, tmp_path, fasta, maf, "maf joined with cat")
    assert_clear_error(outcome, str(maf), "line 5 repeats the header line",
                       "MAFs joined with 'cat'")
    assert_nothing_written(tmp_path / "out")


def test_an_end_position_that_contradicts_the_allele_is_warned_of(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A 2-bp deletion row spanning Start 30 to End 35 was counted without a word; the rows
    whose End_Position agrees (SNVs, a deletion of its span, an insertion) raise nothing."""
    import logging

    deletion = ["G", "chr1", "30", "31", "DEL", CHR1[29:31], CHR1[29:31], "-", "S1"]
    insertion = ["G", "chr1", "40", "41", "INS", "-", "-", "AC", "S1"]
    maf = tmp_path / "ok.maf"
    maf.write_text(_maf_text([*_rows(), deletion, insertion]))
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, tmp_path, fasta, maf, "maf consistent ends")
    assert outcome.code == 0, outcome.err
    assert "End_Position is not" not in caplog.text
    caplog.clear()
    maf = tmp_path / "wrong.maf"
    maf.write_text(_maf_text([*_rows(), [*deletion[:3], "35", *deletion[4:]]]))
    with caplog.at_level(logging.WARNING):
        outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                          "--out", str(tmp_path / "out2"))
    assert outcome.code == 0, outcome.err
    assert "1 row(s) whose End_Position is not Start_Position + the length of " \
           f"Reference_Allele - 1 (first: line 8, chr1:30-35 with Reference_Allele " \
           f"'{CHR1[29:31]}')" in caplog.text


# --- R's NA and cBioPortal's ALT in Allele1 ----------------------------------------------------

def _log(out: Path) -> dict:
    """The one sample's row of catalog_log.tsv."""
    return read_table(out / "catalog_log.tsv").iloc[0].to_dict()


@pytest.mark.parametrize("second", ["NA", ""])
def test_an_alt_in_allele1_alone_is_counted(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], second: str) -> None:
    """cBioPortal exports with the ALT in Tumor_Seq_Allele1 and Allele2 'NA' read 'NA' as the
    bases N and A: six phantom complex variants beside the six SNVs; with Allele2 blank the
    file was refused ('Tumor_Seq_Allele2 '' is not an allele')."""
    rows = [[*row[:6], row[7], second, row[8]] for row in _rows()]
    maf = tmp_path / "cbio.maf"
    maf.write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, maf, "maf: ALT in Allele1")
    assert outcome.code == 0, outcome.err
    log = _log(tmp_path / "out")
    assert (log["variants_read"], log["counted_SBS96"], log["complex"]) == (6, 6, 0)


def test_na_cells_are_missing_values_not_bases_or_names(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'NA' (R's missing value) was a REF of bases N and A (every row complex), a failed
    filter named 'NA', a contig named 'NA' and a sample named 'NA'; both alleles '-' was
    ambiguous_base."""
    rows = _rows()
    rows[0][5] = "NA"
    (tmp_path / "ref.maf").write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "ref.maf", "maf: REF NA")
    assert_clear_error(outcome, "line 2: Reference_Allele is blank or NA (a missing value)")
    rows = _rows()
    rows[1][8] = "NA"
    (tmp_path / "sample.maf").write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "sample.maf", "maf: barcode NA")
    assert_clear_error(outcome, "line 3: Tumor_Sample_Barcode is blank or NA")
    assert_nothing_written(tmp_path / "out")
    rows = [[*row, flag] for row, flag in zip(_rows(), ["NA", "pass", "Pass", ".", "PASS",
                                                         "LowQual"], strict=True)]
    rows.append(["G", "chr1", "66", "67", "INS", "-", "-", "-", "S1", "PASS"])
    (tmp_path / "filters.maf").write_text(_maf_text(rows, (*MAF_COLUMNS, "FILTER")))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "filters.maf", "maf: FILTER NA")
    assert outcome.code == 0, outcome.err
    log = _log(tmp_path / "out")
    assert (log["counted_SBS96"], log["filtered"], log["no_change"]) == (5, 1, 1)


def test_one_barcode_in_two_unicode_forms_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'Patiént' composed in one row and decomposed in another gave two columns of one
    look (or, across two MAFs, two samples); every later reader refused the catalog."""
    rows = _rows("Pati\u00e9nt")
    rows[3][8] = "Patie\u0301nt"
    (tmp_path / "one.maf").write_text(_maf_text(rows))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "one.maf", "maf: NFC and NFD")
    assert_clear_error(outcome, "two Unicode forms", "--sample-name")
    assert_nothing_written(tmp_path / "out")


def test_patch_releases_are_their_build_and_a_vcf_named_maf_is_told_to_rename(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GRCh37, GRCh37.p5 and hs37d5 in one MAF were two builds (only .p13 was an alias); a
    VCF named .maf given with --vcf was told to be given with --vcf."""
    rows = [[*row, build] for row, build in zip(
        _rows(), ["GRCh37", "GRCh37.p5", "hs37d5", "GRCh37.p13", "37", "GRCh37.p9"],
        strict=True)]
    (tmp_path / "builds.maf").write_text(_maf_text(rows, (*MAF_COLUMNS, "NCBI_Build")))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "builds.maf", "maf: patch builds")
    assert outcome.code == 0, outcome.err
    vcf = tmp_path / "calls.maf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out2"))
    assert_clear_error(outcome, "the file is a VCF, not a MAF", "Rename it to end in .vcf")


def test_a_maf_saved_as_a_workbook_is_named_as_one(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A .xlsx given as a MAF was 'zip-compressed', with the advice 'unzip -p ... | gzip',
    which writes the workbook's XML parts, not a MAF."""
    import zipfile

    workbook = tmp_path / "mutations.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    outcome = _catalog(capsys, tmp_path, fasta, workbook, "maf: xlsx")
    assert_clear_error(outcome, str(workbook), "spreadsheet workbook", "tab-separated text")
    assert "unzip" not in outcome.err
    assert_nothing_written(tmp_path / "out")


def test_an_insertion_whose_positions_are_not_its_flanks_is_warned_of(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Start = End (or End far off) for an insertion was counted without a word, though a
    writer meaning the base after Start would get another ID83 channel."""
    import logging

    rows = _rows()
    rows.append(["G", "chr1", "20", "21", "INS", "-", "-", "TT", "S1"])
    rows.append(["G", "chr1", "40", "40", "INS", "-", "-", "TT", "S1"])
    (tmp_path / "ins.maf").write_text(_maf_text(rows))
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "ins.maf", "maf: ins flanks")
    assert outcome.code == 0, outcome.err
    assert ("1 insertion row(s) whose End_Position is not Start_Position + 1" in caplog.text
            and "first: line 9, chr1:40-40" in caplog.text)


@pytest.mark.parametrize(("header", "said"), [
    (("Hugo_Symbol", "Chromosome", "Start_position", "End_position", "Variant_Type",
      "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode"),
     "rename Start_position -> Start_Position, End_position -> End_Position"),
])
def test_a_header_of_another_case_names_the_renames(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        header: tuple[str, ...], said: str) -> None:
    """Older TCGA and PCAWG MAFs spell Start_position; the message listed the missing
    columns without saying the file has them in another case."""
    (tmp_path / "old.maf").write_text(_maf_text(_rows(), header))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "old.maf", "maf: old case")
    assert_clear_error(outcome, "missing column(s) Start_Position, End_Position", said)
    (tmp_path / "csv.maf").write_text(_maf_text(_rows()).replace("\t", ","))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "csv.maf", "maf: csv")
    assert_clear_error(outcome, "The header is comma-separated")


def test_a_patient_maf_of_germline_rows_is_named_as_a_maf_with_the_switch(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """refit --vcf of a MAF whose rows are all germline was called 'VCF x.maf' and did not
    name --all-filters, which counts them."""
    rows = [[*row, "Germline"] for row in _rows("P1")]
    maf = tmp_path / "patient.maf"
    maf.write_text(_maf_text(rows, (*MAF_COLUMNS, "Mutation_Status")))
    outcome = run_cli(capsys, "refit", "--vcf", str(maf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--out",
                      str(tmp_path / "out"))
    assert_clear_error(outcome, f"MAF {maf}: no SNV of sample 'P1' could be counted",
                       "--all-filters counts those variants")
    assert_nothing_written(tmp_path / "out")


def test_a_header_behind_a_hash_is_named(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A header written as '#Hugo_Symbol\\t...' (or VEP's '#Uploaded_variation\\t...') was
    skipped as a comment, and the message named the first data line as the header."""
    (tmp_path / "hashed.maf").write_text("#" + _maf_text(_rows()))
    outcome = _catalog(capsys, tmp_path, fasta, tmp_path / "hashed.maf", "maf: # header")
    assert_clear_error(outcome, "in the header (line 2)", "Line 1 names columns (Hugo_Symbol, "
                       "Chromosome", "remove the '#' if it is the header")
    vep = tmp_path / "vep.txt"
    vep.write_text("## ENSEMBL VARIANT EFFECT PREDICTOR v110\n#Uploaded_variation\tLocation\t"
                   "Allele\tGene\tFeature\n1_300_T/G\t1:300\tG\tENSG1\tENST1\n")
    outcome = _catalog(capsys, tmp_path, fasta, vep, "maf: VEP")
    assert_clear_error(outcome, "Line 2 names columns", "Ensembl VEP's tab output, not a MAF")

"""A cohort MAF read for one barcode (a samples sheet row's vcf_sample, a workflow catalog
job) against what a red-team sweep found that reading skipping: the file's other builds, a
header repeated inside it and rows without a barcode were refused by ``--maf`` but not when
one barcode was read; optional columns in another case ('filter') were ignored without a word;
a barcode in another Unicode form was listed as if missing.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from sigforge.genomics.sheet_inputs import maf_row_problem
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
POSITIONS = (5, 11, 20, 33, 47, 60)
COLUMNS = ["Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Variant_Type",
           "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
           "Tumor_Sample_Barcode", "NCBI_Build"]


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    return make_fasta({"chr1": CHR1})


def _rows(barcode: str, build: str = "GRCh37") -> list[list[str]]:
    """Six SNVs of ``barcode`` whose REF matches the FASTA."""
    return [["G", "chr1", str(p), str(p), "SNP", CHR1[p - 1], CHR1[p - 1],
             "A" if CHR1[p - 1] != "A" else "C", barcode, build] for p in POSITIONS]


def _write(path: Path, rows: list[list[str]], header: list[str] = COLUMNS) -> Path:
    path.write_text("".join("\t".join(line) + "\n" for line in [header, *rows]))
    return path


def _one_barcode(capsys: pytest.CaptureFixture[str], fasta: Path, maf: Path, barcode: str,
                 out: Path):
    return run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(maf),
                   "--vcf-sample", barcode, "--out", str(out))


def test_another_barcode_s_build_is_refused_in_every_barcode_s_job(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maf = _write(tmp_path / "cohort.maf", _rows("T1") + _rows("T2", build="GRCh38"))
    for barcode in ("T1", "T2"):  # one message, whichever barcode's job meets it
        outcome = _one_barcode(capsys, fasta, maf, barcode, tmp_path / barcode)
        assert_clear_error(outcome, "column NCBI_Build names 2 genome builds: GRCh37 (6 rows), "
                           "GRCh38 (6 rows); the first GRCh38 row is line 8")
        assert_nothing_written(tmp_path / barcode)
    one = _write(tmp_path / "one.maf", _rows("T1") + _rows("T2"))  # one build: counted
    assert _one_barcode(capsys, fasta, one, "T2", tmp_path / "ok").code == 0


def test_a_repeated_header_and_na_barcodes_are_refused_in_a_barcode_s_job(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    joined = _write(tmp_path / "joined.maf", _rows("T1") + [COLUMNS] + _rows("T2"))
    assert_clear_error(_one_barcode(capsys, fasta, joined, "T2", tmp_path / "a"),
                       "line 8 repeats the header line")
    rows = _rows("T1")
    rows[1][8] = "NA"  # R's missing value: this row's tumour is unknown
    missing = _write(tmp_path / "na.maf", rows + _rows("T2"))
    assert_clear_error(_one_barcode(capsys, fasta, missing, "T1", tmp_path / "b"),
                       "line 3: Tumor_Sample_Barcode is blank or NA")


@pytest.mark.parametrize(("spelled", "column", "use"), [
    ("filter", "FILTER", "rows that failed a filter would be counted as passing"),
    ("Mutation_status", "Mutation_Status", "germline rows would be counted as somatic"),
    ("ncbi_build", "NCBI_Build", "the rows' builds would go unchecked"),
])
def test_an_optional_column_in_another_case_is_refused_with_the_rename(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], spelled: str,
        column: str, use: str) -> None:
    header = [*COLUMNS[:-1], spelled]
    maf = _write(tmp_path / "m.maf", [[*row[:-1], "x"] for row in _rows("T1")], header)
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, f"line 1: column '{spelled}' is read only when spelled "
                       f"'{column}'", use, f"Rename '{spelled}' -> '{column}'")
    assert_nothing_written(tmp_path / "out")


def test_a_sheet_barcode_in_another_unicode_form_is_explained() -> None:
    composed, decomposed = "caf\u00e9", unicodedata.normalize("NFD", "caf\u00e9")
    problem = maf_row_problem(Path("c.maf"), composed, ["TS2", decomposed])
    assert problem is not None
    assert "another Unicode form" in problem and "copy the file's spelling" in problem
    assert "another case" in (maf_row_problem(Path("c.maf"), "ts2", ["TS2"]) or "")
    assert "spells it" not in (maf_row_problem(Path("c.maf"), "TS9", ["TS2"]) or "")


def test_a_row_without_any_allele_is_not_warned_of_as_an_insertion(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """'-' for REF and both tumour alleles (counted no_change) was called an insertion row
    whose End_Position is not Start_Position + 1."""
    rows = [*_rows("T1"), ["G", "chr1", "30", "30", "INS", "-", "-", "-", "T1", "GRCh37"]]
    maf = _write(tmp_path / "m.maf", rows)
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert "insertion row(s)" not in caplog.text + outcome.err
    rows[-1][7] = "TT"  # a real insertion with Start = End is still warned of
    _write(maf, rows)
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--maf", str(maf),
                      "--out", str(tmp_path / "out2"))
    assert outcome.code == 0, outcome.err
    assert "1 insertion row(s) whose End_Position" in caplog.text + outcome.err


# ------------------------------------------------------------------------------------------
# the MAF's declared build against the build the signatures are taken for


def test_a_maf_of_another_build_than_the_configs_is_named_with_its_sheet_row(
        tmp_path: Path) -> None:
    """A MAF whose every row says GRCh38 went through the workflow under the default
    genome_build GRCh37, refitted against the GRCh37 signature tables."""
    import pandas as pd

    from sigforge.genomics.sheet_inputs import check_sheet_rows
    from sigforge.io import InputError

    maf = _write(tmp_path / "b38.maf", _rows("T1", build="hg38") + _rows("T2", build="38"))
    sheet = pd.DataFrame({"sample_id": ["A", "B"], "vcf": [str(maf)] * 2,
                          "vcf_sample": ["T1", "T2"], "sheet_line": [2, 3]})
    with pytest.raises(InputError) as caught:
        check_sheet_rows(sheet, "samples sheet s.tsv", "GRCh37")
    message = str(caught.value)
    assert "sample 'A' (samples sheet s.tsv, line 2)" in message
    assert "declares NCBI_Build GRCh38 (12 rows, the first at line 2)" in message
    assert "not the config's genome_build (GRCh37)" in message
    assert "genome_build: GRCh38" in message
    check_sheet_rows(sheet, "samples sheet s.tsv", "GRCh38")  # its own build: no problem
    check_sheet_rows(sheet, "samples sheet s.tsv")  # no build to compare with
    for build in ("", "GRCm38"):  # no build, or one no shipped table is for: unchecked
        other = _write(tmp_path / f"b{build}.maf", _rows("T1", build=build))
        check_sheet_rows(sheet.assign(vcf=str(other)).iloc[:1], "samples sheet s.tsv",
                         "GRCh37")


def test_refit_of_a_maf_of_another_build_than_genome_build_is_refused(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maf = _write(tmp_path / "p.maf", _rows("T1", build="GRCh38"))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(maf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--out", str(out))
    assert_clear_error(outcome, f"MAF {maf}", "declares NCBI_Build GRCh38",
                       "not --genome-build GRCh37", "Give --genome-build GRCh38")
    assert_nothing_written(out)
    assert run_cli(capsys, "refit", "--vcf", str(maf), "--reference", str(fasta),
                   "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--genome-build", "GRCh38",
                   "--out", str(out)).code == 0

"""Samples-sheet lines and sample names a red-team sweep found mishandled, each now refused
with its line and fix (or read right).

A sheet row whose sample_id starts with '#' vanished as a comment; a header written
``#sample_id`` was blamed on the next line; an unknown column (``Group``, ``vcf_samples``) was
ignored, silently turning stratified discovery off; a header ending with a tab was blamed on
the rows; the sample names ``MutationType``, ``Signature`` and ``Feature`` failed only after
discovery; samples ``P1`` and ``P1.html`` made ``patients/P1.html`` both a page and a folder;
names that print identically (two Unicode forms of one text, an invisible zero-width space)
passed as distinct samples. On the command line as in the sheet, a sample name holding DEL
(which the table readers refuse) or padded with spaces (which they trim) was accepted, and
the tables written with it could not be read back as written.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sigforge._validation import first_control_character
from sigforge.genomics.samplesheet import (
    LABEL_COLUMNS,
    SHEET_COLUMNS,
    check_sample_name,
    file_stems,
    read_sample_sheet,
)
from sigforge.io import InputError
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow/schemas/samples.schema.yaml"
NFC = unicodedata.normalize("NFC", "Jos\u00e9")
NFD = unicodedata.normalize("NFD", "Jos\u00e9")
#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"


def _sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "samples.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str, *fragments: str) -> str:
    """Read the sheet ``text``; assert it is refused with every fragment; the message."""
    with pytest.raises(InputError) as caught:
        read_sample_sheet(_sheet(tmp_path, text))
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- '#' lines ------------------------------------------------------------------------------

def test_a_row_whose_sample_id_starts_with_hash_is_refused_not_dropped(tmp_path: Path) -> None:
    """'#3' (a lab numbering, or a row commented out) used to vanish from the cohort."""
    _refused(tmp_path, "sample_id\tvcf\nS1\ta.vcf\nS2\tb.vcf\n#3\tc.vcf\nS4\td.vcf\n",
             "samples.tsv, line 4:", "'#3\\tc.vcf' starts with '#'",
             "Only lines above the header are comments", "delete the line",
             "put it in double quotes (\"#3\")")


def test_every_hash_row_is_named(tmp_path: Path) -> None:
    _refused(tmp_path, "sample_id\tvcf\tgroup\nS1\ta.vcf\tA\n#S2\tb.vcf\tA\n#S3\tc.vcf\n",
             "line 3:", "(so do lines 4)")


def test_comment_lines_above_the_header_and_tabless_ones_below_it_are_comments(
        tmp_path: Path) -> None:
    sheet = read_sample_sheet(_sheet(
        tmp_path, "# cohort 1\n#\tpreamble\nsample_id\tvcf\nS1\ta.vcf\n# batch 2\nS2\tb.vcf\n"))
    assert list(sheet["sample_id"]) == ["S1", "S2"]
    assert list(sheet["sheet_line"]) == [4, 6]


def test_a_quoted_hash_sample_id_is_a_sample(tmp_path: Path) -> None:
    """The escape the refusal names: a quoted sheet's '"#3"' cell is data."""
    sheet = read_sample_sheet(_sheet(tmp_path, '"sample_id"\t"vcf"\n"#3"\t"a.vcf"\n'))
    assert list(sheet["sample_id"]) == ["#3"]


def test_a_header_commented_out_says_so(tmp_path: Path) -> None:
    message = _refused(tmp_path, "#sample_id\tvcf\nS1\ta.vcf\nS2\tb.vcf\n",
                       "samples.tsv, line 1:", "starts with '#'", "read as a comment",
                       "line 2 (S1, a.vcf) is taken for the header",
                       "Remove the '#' at the start of line 1")
    assert "missing column" not in message


def test_a_sheet_of_comments_only_says_so(tmp_path: Path) -> None:
    _refused(tmp_path, "# sample_id vcf\n\n", "empty file", "only lines starting with '#'")


# --- columns --------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "hint"), [
    ("Group", "'Group' (did you mean 'group'?)"),
    ("groups", "'groups' (did you mean 'group'?)"),
    ("GROUP", "'GROUP' (did you mean 'group'?)"),
    ("vcf_samples", "'vcf_samples' (did you mean 'vcf_sample'?)"),
    ("VCF_Sample", "'VCF_Sample' (did you mean 'vcf_sample'?)"),
])
def test_a_misspelled_optional_column_is_refused_with_a_did_you_mean(
        tmp_path: Path, column: str, hint: str) -> None:
    """A typo of 'group' used to factor the cohort whole without a word."""
    _refused(tmp_path, f"sample_id\tvcf\t{column}\nS1\ta.vcf\tA\nS2\tb.vcf\tB\n",
             "samples.tsv, line 1: column(s)", hint, "Rename the column")


def test_another_column_is_named_as_not_read_and_left_out(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A column of notes is the user's own: kept in the sheet, said not to be read."""
    with caplog.at_level(logging.WARNING):
        sheet = read_sample_sheet(_sheet(tmp_path, "sample_id\tvcf\tnotes\tgroup\n"
                                                    "S1\ta.vcf\trelapse\tA\n"))
    assert "column(s) 'notes' are not read" in caplog.text
    assert "notes" not in sheet.columns and list(sheet["group"]) == ["A"]


def test_a_misspelled_required_column_gets_a_did_you_mean(tmp_path: Path) -> None:
    _refused(tmp_path, "Sample_ID\tvcf\nS1\ta.vcf\n", "line 1: missing column(s) sample_id",
             "Did you mean 'sample_id' for column 'Sample_ID'?")


def test_every_known_column_is_accepted(tmp_path: Path) -> None:
    sheet = read_sample_sheet(_sheet(tmp_path, "\t".join(SHEET_COLUMNS)
                                     + "\nS1\ta.vcf\tT\tlung\nS2\tb.vcf\t\tlung\n"))
    assert list(sheet.columns[:4]) == list(SHEET_COLUMNS)


def test_the_schema_takes_the_sheet_as_read(tmp_path: Path) -> None:
    """The workflow validates every row read by read_sample_sheet (sheet_line and stem
    included) against the schema: it takes those rows and refuses the reserved names."""
    import jsonschema

    schema = yaml.safe_load(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    sheet = read_sample_sheet(_sheet(tmp_path, "sample_id\tvcf\tvcf_sample\tgroup\n"
                                                "S1\ta.vcf\tT\tlung\n"))
    for record in sheet.to_dict("records"):
        assert not list(validator.iter_errors(record)), record
    for name in LABEL_COLUMNS:
        assert list(validator.iter_errors({"sample_id": name, "vcf": "a.vcf"})), name


def test_a_header_ending_with_a_tab_names_the_header(tmp_path: Path) -> None:
    """It used to be blamed on line 2: '2 tab-separated cells, but the header has 3'."""
    message = _refused(tmp_path, "sample_id\tvcf\t\nS1\ta.vcf\nS2\tb.vcf\n",
                       "samples.tsv, line 1 (the header): column 3 has no name",
                       "ends with a tab", "Remove the tab at the end of line 1")
    assert "line 2" not in message


def test_an_empty_header_cell_in_the_middle_is_named(tmp_path: Path) -> None:
    _refused(tmp_path, "sample_id\t\tvcf\nS1\tx\ta.vcf\n",
             "line 1 (the header): column 2 has no name", "two tabs in a row")


def test_a_tab_ending_every_line_is_accepted(tmp_path: Path) -> None:
    """As some spreadsheet exports write it (the tables accept it too)."""
    sheet = read_sample_sheet(_sheet(tmp_path, "sample_id\tvcf\t\nS1\ta.vcf\t\nS2\tb.vcf\t\n"))
    assert list(sheet["vcf"]) == ["a.vcf", "b.vcf"]
    assert "" not in sheet.columns


# --- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["MutationType", "Signature", "Feature"])
def test_a_label_column_name_is_refused_in_the_sheet(tmp_path: Path, name: str) -> None:
    """They failed only after discovery, with advice naming command-line options."""
    message = _refused(tmp_path, f"sample_id\tvcf\nS1\ta.vcf\n{name}\tb.vcf\n",
                       "samples.tsv, line 3:", f"sample_id '{name}'", "label column",
                       "Rename it in the samples sheet", f"'{name}_1'")
    assert "--sample-name" not in message


def test_names_that_only_look_like_label_columns_are_samples(tmp_path: Path) -> None:
    sheet = read_sample_sheet(_sheet(tmp_path, "sample_id\tvcf\nsignature\ta.vcf\n"
                                                "Signature_1\tb.vcf\n"))
    assert list(sheet["sample_id"]) == ["signature", "Signature_1"]


@pytest.mark.parametrize(("first", "second"), [("P1", "P1.html"), ("P1.html", "P1"),
                                               ("p1", "P1.HTML")])
def test_a_sample_whose_folder_is_anothers_page_is_refused_naming_both_lines(
        tmp_path: Path, first: str, second: str) -> None:
    """patients/P1.html would be P1's page and P1.html's results folder."""
    page = first if not first.lower().endswith(".html") else second
    _refused(tmp_path, f"sample_id\tvcf\n{first}\ta.vcf\nS2\tb.vcf\n{second}\tc.vcf\n",
             "samples.tsv, line 4:", f"'{first}' (line 2)", f"'{second}' (line 4)",
             f"patients/{page}.html", "Rename one of them in the samples sheet")


def test_two_unicode_forms_of_one_name_are_refused_naming_both_lines(tmp_path: Path) -> None:
    _refused(tmp_path, f"sample_id\tvcf\n{NFC}\ta.vcf\n{NFD}\tb.vcf\n",
             "samples.tsv, line 3:", "(line 2)", "two Unicode forms", ascii(NFD),
             ascii(NFC))


def test_two_unicode_forms_of_one_name_are_refused_on_the_command_line() -> None:
    with pytest.raises(InputError, match="two Unicode forms"):
        file_stems([NFC, NFD], "--sample-name")
    assert file_stems([NFD], "--sample-name")[NFD].startswith("Jose__")


def test_names_in_other_scripts_get_distinct_stems() -> None:
    """张三 and 李四 both became 's__' and the whole cohort was refused as colliding."""
    stems = file_stems(["张三", "李四", "José", "S01"], "--sample-name")
    assert len(set(stems.values())) == 4 and stems["S01"] == "S01"
    assert all(stem.isascii() and stem[:1].isalnum() for stem in stems.values())
    assert stems == file_stems(["张三", "李四", "José", "S01"], "--sample-name")  # stable


@pytest.mark.parametrize("char", ["\u200b", "\u200e", "\u202e", "\ufeff", "\u00ad",
                                  "\u2028", "\u0085"])
def test_an_invisible_character_in_a_name_is_refused(tmp_path: Path, char: str) -> None:
    """'S1' + a zero-width space printed as 'S1' beside the real S1."""
    _refused(tmp_path, f"sample_id\tvcf\nS1\ta.vcf\nS{char}2\tb.vcf\n",
             "samples.tsv, line 3:", f"U+{ord(char):04X}", "Remove the character")
    with pytest.raises(InputError, match=f"U\\+{ord(char):04X}"):
        check_sample_name(f"S1{char}", "--sample-name")


def test_names_in_other_scripts_are_still_accepted() -> None:
    names = [NFC, "Müller", "患者1", "Ελένη", "a\u0301b"]
    assert set(file_stems(names, "--sample-name")) == set(names)


def test_a_del_character_is_refused_in_the_sheet(tmp_path: Path) -> None:
    _refused(tmp_path, "sample_id\tvcf\nP\x7f1\ta.vcf\n",
             "samples.tsv, line 2:", "'P\\x7f1'", "U+007F", "Rename")


def test_sample_names_refuse_every_character_the_table_readers_refuse() -> None:
    """One rule: a name written to a table header must be one the readers take back."""
    for code in [*range(0, 0x100), *range(0x2000, 0x2070), 0xFEFF]:
        char = chr(code)
        if first_control_character(char) is None:
            continue
        with pytest.raises(InputError):
            check_sample_name(f"a{char}b", "--sample-name")


@pytest.mark.parametrize("name", [" S01", "S01 ", "\u00a0S01", "S01\u3000"])
def test_a_padded_name_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="starts or ends with a space.*give it back as 'S01'"):
        check_sample_name(name, "--sample-name")


# --- the command line gives the same refusals -----------------------------------------------

@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """A 70-bp test genome, indexed."""
    return make_fasta({"chr1": CHR1})


@pytest.fixture
def vcf(make_vcf: Callable[..., Path]) -> Path:
    """A one-sample VCF of two SNVs on the test genome."""
    return make_vcf([("chr1", 5, "T", "A", "PASS"), ("chr1", 11, "C", "A", "PASS")])


@pytest.mark.parametrize(("name", "fragments"), [
    ("P\x7f1", ["'P\\x7f1'", "U+007F"]),
    (" P1", ["' P1' starts or ends with a space", "'P1'"]),
    ("P1 ", ["'P1 ' starts or ends with a space"]),
    ("P1\u200b", ["U+200B", "ZERO WIDTH SPACE"]),
])
def test_catalog_sample_name_is_refused_before_any_work(
        name: str, fragments: list[str], tmp_path: Path, fasta: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--sample-name", name, "--contexts", "SBS96", "--out", str(out),
                      case=f"catalog --sample-name {name!a}")
    assert_clear_error(outcome, "--sample-name", *fragments)
    assert_nothing_written(out)


@pytest.mark.parametrize(("name", "fragment"), [
    ("P\x7f1", "U+007F"), ("P1 ", "starts or ends with a space"), ("\u200bP1", "U+200B")])
def test_refit_vcf_sample_name_is_refused_before_any_work(
        name: str, fragment: str, tmp_path: Path, fasta: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--sample-name", name,
                      "--out", str(out), case=f"refit --vcf --sample-name {name!a}")
    assert_clear_error(outcome, f"VCF {vcf}", fragment)
    assert_nothing_written(out)


@pytest.mark.parametrize(("column", "fragment"), [("P\x7f1", "U+007F"),
                                                  ("P\u200b1", "U+200B")])
def test_a_vcf_sample_column_is_refused_naming_the_file_and_the_fix(
        column: str, fragment: str, tmp_path: Path, fasta: Path,
        make_vcf: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([("chr1", 5, "T", "A", "PASS")], name="odd.vcf", samples=(column,))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--contexts", "SBS96", "--out", str(out),
                      case=f"catalog vcf column {column!a}")
    assert_clear_error(outcome, str(vcf), fragment, "--sample-name")
    assert_nothing_written(out)
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0", "--out",
                      str(tmp_path / "pm"))
    assert_clear_error(outcome, f"VCF {vcf}", fragment)
    assert_nothing_written(tmp_path / "pm")


def test_catalog_refuses_two_unicode_forms_of_one_name(
        tmp_path: Path, fasta: Path, vcf: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    other = make_vcf([("chr1", 5, "T", "A", "PASS")], name="other.vcf")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      str(other), "--sample-name", NFC, NFD, "--out", str(out),
                      case="catalog --sample-name NFC NFD")
    assert_clear_error(outcome, "--sample-name", "two Unicode forms")
    assert_nothing_written(out)

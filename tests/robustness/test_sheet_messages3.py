"""Samples-sheet messages a red-team sweep found unhelpful: a UTF-16 sheet (a spreadsheet's
"Unicode text" export) and a Latin-1 one were named by a byte offset, a comma-separated sheet
got a "did you mean" naming the whole header line as a column, and a VCF path with a trailing
space was reported missing without a word about the space.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigforge.genomics.samplesheet import read_sample_sheet
from sigforge.io import InputError
from sigforge.workflow.checks import check_inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"


def test_a_utf16_sheet_is_named_so_with_the_fix(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.tsv"
    sheet.write_bytes("sample_id\tvcf\nS01\tx.vcf\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"the file is UTF-16 text .* iconv -f utf-16 -t utf-8"):
        read_sample_sheet(sheet)


def test_a_latin1_sheet_names_the_line_of_its_first_foreign_byte(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.tsv"
    sheet.write_bytes(b"sample_id\tvcf\nS01\ta.vcf\nS\xe902\tb.vcf\n")
    with pytest.raises(InputError, match=r"sheet\.tsv: line 3: byte 0xe9 is not UTF-8 text .*"
                                         r"iconv -f latin1 -t utf-8"):
        read_sample_sheet(sheet)


def test_a_comma_separated_sheet_gets_no_did_you_mean(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample_id,vcf\nS01,a.vcf\n")
    with pytest.raises(InputError, match="The header holds no tab") as caught:
        read_sample_sheet(sheet)
    assert "Did you mean" not in str(caught.value)


def test_a_vcf_path_with_a_trailing_space_names_the_space(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.tsv"
    vcf = EXAMPLE / "vcfs" / "S01.vcf"
    sheet.write_text(f"sample_id\tvcf\nS01\t{vcf} \n")
    samples = read_sample_sheet(sheet)
    with pytest.raises(InputError, match=rf"the path ends with a space; '{vcf}' exists: delete "
                                         "the space in the sheet"):
        check_inputs(str(EXAMPLE / "genome.fa"), samples)

"""Sample names that would escape the results folder or collide are rejected clearly; the
optional group column is checked as strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigforge.cli.outputs import check_plain_name
from sigforge.genomics.samplesheet import file_stems, read_sample_sheet, sample_groups
from sigforge.io import InputError
from sigforge.workflow.checks import check_ranks


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", ".hidden", " "])
def test_unsafe_names_in_the_sheet(tmp_path: Path, name: str) -> None:
    (tmp_path / "s.tsv").write_text(f"sample_id\tvcf\n{name}\tx.vcf\n", encoding="utf-8")
    with pytest.raises(InputError, match="sample name"):
        read_sample_sheet(tmp_path / "s.tsv")


@pytest.mark.parametrize("name", ["", "tab\there", "new\nline"])
def test_names_that_cannot_be_written(name: str) -> None:
    with pytest.raises(InputError, match="sample name"):
        file_stems([name], "catalog")


@pytest.mark.parametrize("names", [["a b", "a_b"], ["Tumour1", "tumour1"], ["x", "x"]])
def test_colliding_names(names: list[str]) -> None:
    with pytest.raises(InputError, match="(both become|more than once)"):
        file_stems(names, "sheet")


def test_stems_keep_safe_names_and_replace_the_rest() -> None:
    stems = file_stems(["S01", "<script>alert(1)</script>", "p-1.2", "-x"], "sheet")
    assert stems == {"S01": "S01", "<script>alert(1)</script>": "s_script_alert_1___script_",
                     "p-1.2": "p-1.2", "-x": "s-x"}


def test_sheet_needs_columns(tmp_path: Path) -> None:
    (tmp_path / "s.tsv").write_text("sample\tpath\nA\tx.vcf\n")
    with pytest.raises(InputError, match="missing column"):
        read_sample_sheet(tmp_path / "s.tsv")


@pytest.mark.parametrize(("low", "high", "n", "fixed", "message"), [
    (2, 40, 30, None, "max=40 is impossible with 30 samples.*Set extract.ranks.max <= 30"),
    (4, 6, 3, None, "max=6 is impossible with 3 samples.*Set both extract.ranks.min and .max "
                    "<= 3"),
    (5, 3, 30, None, "min \\(5\\) is larger"),
    (2, 4, 30, 6, "outside extract.ranks"),
])
def test_impossible_ranks(low: int, high: int, n: int, fixed: int | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_ranks(low, high, n, fixed)


def _grouped_sheet(tmp_path: Path, groups: list[str]) -> Path:
    """A sheet whose rows S1, S2, ... carry ``groups`` in a `group` column (line n+1 each)."""
    rows = "".join(f"S{i}\tS{i}.vcf\t{group}\n" for i, group in enumerate(groups, start=1))
    path = tmp_path / "s.tsv"
    path.write_text(f"sample_id\tvcf\tgroup\n{rows}", encoding="utf-8")
    return path


def test_group_column_gives_each_groups_samples_in_sheet_order(tmp_path: Path) -> None:
    sheet = read_sample_sheet(_grouped_sheet(tmp_path, ["lung", "skin", "lung", "b.2+x"]))
    assert sample_groups(sheet) == {"lung": ["S1", "S3"], "skin": ["S2"], "b.2+x": ["S4"]}


def test_sheet_without_group_column_has_no_groups(tmp_path: Path) -> None:
    (tmp_path / "s.tsv").write_text("sample_id\tvcf\nA\tx.vcf\n")
    sheet = read_sample_sheet(tmp_path / "s.tsv")
    assert sample_groups(sheet) is None
    assert list(sheet.columns) == ["sample_id", "vcf", "sheet_line", "stem"]


@pytest.mark.parametrize(("bad", "message"), [
    ("", "line 3 \\(sample 'S2'\\): empty 'group' cell"),
    ("  ", "line 3 \\(sample 'S2'\\): empty 'group' cell"),
    ("a/b", "line 3 \\(sample 'S2'\\): group 'a/b' is not a plain name"),
    ("..", "line 3 \\(sample 'S2'\\): group '..' is not a plain name"),
    ("-x", "group '-x' is not a plain name"),
    ("lung adeno", "group 'lung adeno' is not a plain name.*Rename it"),
    ("x" * 201, "at most 200 characters"),
])
def test_bad_group_cell_names_the_line_and_the_fix(tmp_path: Path, bad: str,
                                                   message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_sample_sheet(_grouped_sheet(tmp_path, ["lung", bad]))


def test_sheet_group_rule_is_the_command_lines(tmp_path: Path) -> None:
    """One rule for plain names: what the sheet refuses, --name-like options refuse too."""
    for name in ["ok_1", "+a", "a.b-c", ".a", "a b", "ä"]:
        sheet_ok = True
        try:
            read_sample_sheet(_grouped_sheet(tmp_path, [name]))
        except InputError:
            sheet_ok = False
        try:
            check_plain_name(name, "--name")
            cli_ok = True
        except InputError:
            cli_ok = False
        assert sheet_ok == cli_ok, name


def test_a_header_repeated_below_the_first_names_its_line(tmp_path: Path) -> None:
    """Two sheets pasted together: the second header read as a sample 'sample_id' whose VCF
    'vcf' was not found."""
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample_id\tvcf\nA\ta.vcf\nsample_id\tvcf\nB\tb.vcf\n")
    with pytest.raises(InputError, match=r"samples.tsv, line 3 repeats the header line \(two "
                                         r"sheets pasted together\?\)"):
        read_sample_sheet(sheet)

"""Sample names that would escape the results folder or collide are rejected clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigforge.genomics.samplesheet import file_stems, read_sample_sheet
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
    (2, 40, 30, None, "max=40 is impossible with 30 samples"),
    (5, 3, 30, None, "min \\(5\\) is larger"),
    (2, 4, 30, 6, "outside extract.ranks"),
])
def test_impossible_ranks(low: int, high: int, n: int, fixed: int | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_ranks(low, high, n, fixed)

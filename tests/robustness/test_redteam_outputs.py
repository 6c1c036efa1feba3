"""Cases of a red-team sweep of output fidelity and round trips, each now fixed: names that
two catalog folders hold in forms every later reader takes for one (merge-catalogs joined
them and exited 0, and then extract, refit and the report refused the cohort catalog)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"
GENOME = EXAMPLE / "genome.fa"


def _catalog(capsys: pytest.CaptureFixture[str], out: Path, vcf: str, name: str) -> Path:
    """One example VCF counted (SBS96 alone) under ``name`` into ``out``."""
    outcome = run_cli(capsys, "catalog", "--reference", str(GENOME), "--vcf",
                      str(EXAMPLE / "vcfs" / vcf), "--sample-name", name, "--contexts", "SBS96",
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    return out


@pytest.mark.parametrize(("first", "second", "why"), [
    ("cafe\u0301", "caf\u00e9", "are the same text written in two Unicode forms"),
    ("s\u00a0 1", "s  1", "differ only by a space written as U+00A0"),
    ("NA", "na", "differ only in case"),
    ("a/b", "a_b", "become the same file name"),
])
def test_merge_refuses_two_names_that_read_as_one(
        first: str, second: str, why: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    one = _catalog(capsys, tmp_path / "c1", "S01.vcf", first)
    two = _catalog(capsys, tmp_path / "c2", "S02.vcf", second)
    out = tmp_path / "merged"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(one), str(two),
                      "--out", str(out))
    assert_clear_error(outcome, f"sample {first!r} of {one}", f"sample {second!r} of {two}",
                       why, "Rename one of them")
    assert_nothing_written(out)


@pytest.mark.parametrize(("head", "named"), [
    (b"PK\x03\x04" + b"\x00" * 60, "is a zip archive (an Excel .xlsx"),
    (b"%PDF-1.7\n\x00\x01\x02\n", "is a PDF document, not tab- or comma-separated text"),
    (b"\x7fELF" + b"\x00" * 200, "is a binary file (it holds NUL bytes)"),
])
def test_a_binary_signature_table_is_named_as_what_it_is(
        head: bytes, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An Excel workbook given as --signatures was called 'a table without signature columns
    whose rows are not the catalog's features' (the check for a skipped discovery's table
    read it as text first); it is named as the catalog reader names it, with the fix."""
    table = tmp_path / "signatures.xlsx"
    table.write_bytes(head)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(EXAMPLE / "truth_catalog.tsv"),
                      "--signatures", str(table), "--out", str(out))
    assert_clear_error(outcome, str(table), named)
    assert "without signature columns" not in outcome.err
    assert_nothing_written(out)


@pytest.mark.parametrize(("in_catalog", "in_groups", "how"), [
    ("cafe\u0301", "caf\u00e9", "in another Unicode form"),
    ("S7", "s7", "in another case"),
])
def test_a_sample_the_groups_spell_otherwise_is_named_with_both_spellings(
        in_catalog: str, in_groups: str, how: str) -> None:
    """'1 sample(s) have no group: ['café']' while the groups file lists 'café': the two
    spellings print alike, so the message now shows both, escaped, and why they differ."""
    import pandas as pd

    from sigforge.discovery.groups import split_groups

    matrix = pd.DataFrame([[1, 2]], columns=[in_catalog, "other"])
    with pytest.raises(ValueError, match=rf"The groups hold {re.escape(ascii(in_groups))}, "
                                         rf"which is {re.escape(ascii(in_catalog))} {how}"):
        split_groups(matrix, {in_groups: "A", "other": "B"})

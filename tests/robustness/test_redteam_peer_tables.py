"""Tables written by peer tools and spreadsheets, which a red-team sweep found named wrongly:
an Excel workbook or UTF-16 text called "not UTF-8", SigProfilerMatrixGenerator's ID332 read
as a generic matrix, an opportunities table with a context twice failing in pandas, and a
space-separated signature table called a table without signature columns.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import ID83_CHANNELS, SBS96_CHANNELS
from sigforge.genomics.opportunities import read_opportunities
from sigforge.genomics.tables import read_catalog
from sigforge.io import InputError, write_matrix
from tests.robustness._harness import assert_clear_error, run_cli


def test_a_workbook_or_utf16_text_is_named_with_its_fix(tmp_path: Path) -> None:
    """Both were "line 1 is not UTF-8 text (invalid start byte)"."""
    workbook = tmp_path / "cat.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + bytes(60))
    with pytest.raises(InputError, match="zip archive .*Excel.*tab-separated"):
        read_catalog(workbook)
    text = tmp_path / "cat.tsv"
    text.write_bytes("MutationType\tS1\nA[C>A]A\t1\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text .* iconv -f UTF-16 -t UTF-8"):
        read_catalog(text)


def test_spmg_id332_is_refused_by_name(tmp_path: Path) -> None:
    """SigProfilerMatrixGenerator writes ID332 (ID83 by strand, T/U/N/Q) with every ID83;
    it was factored as a generic matrix without a word."""
    labels = [f"{strand}:{label}" for strand in "TUNQ" for label in ID83_CHANNELS]
    path = tmp_path / "proj.ID332.all"
    write_matrix(pd.DataFrame({"S1": np.arange(332)}, index=labels), path)
    with pytest.raises(InputError, match="ID332 matrix .* ID83"):
        read_catalog(path)


def test_an_opportunities_context_listed_twice_names_its_line(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The refit failed with pandas' "truth value of a Series is ambiguous"."""
    fasta = make_fasta({"chrA": "ACGTACGGTCAGTTGCAACG" * 5})
    table = tmp_path / "opp.tsv"
    bed = tmp_path / "r.bed"
    bed.write_text("chrA\t0\t10\n")
    assert run_cli(capsys, "opportunities", "--reference", str(fasta), "--regions", str(bed),
                   "--out", str(table)).code == 0
    lines = table.read_text().splitlines()
    repeated = next(line for line in lines if line.startswith("trinucleotide"))
    table.write_text("\n".join([*lines, repeated]) + "\n")
    with pytest.raises(InputError, match=f"line {len(lines) + 1}: the trinucleotide .* listed "
                                         "again"):
        read_opportunities(table)


def test_a_space_separated_signature_table_is_named_as_such(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was "a table without signature columns" (the form of a skipped discovery's)."""
    catalog = pd.DataFrame({"S1": np.arange(96) % 5 + 1}, index=list(SBS96_CHANNELS))
    write_matrix(catalog, tmp_path / "cat.tsv")
    lines = ["MutationType SBS1 SBS5"] + [f"{label} 0.5 0.5" for label in SBS96_CHANNELS]
    (tmp_path / "sig.txt").write_text("\n".join(lines) + "\n")
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "cat.tsv"), "--signatures",
                      str(tmp_path / "sig.txt"), "--bootstrap", "0", "--out",
                      str(tmp_path / "out"))
    assert_clear_error(outcome, "sig.txt", "separate the columns with tabs or commas")


def test_the_empty_signatures_of_a_skipped_generic_discovery_refit_to_zeros(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Feature labels holding spaces ('gene 0') in the signature table of a discovery
    skipped as too thin were taken for a space-separated table and refused."""
    features = [f"gene {i}" for i in range(5)]
    write_matrix(pd.DataFrame({"s1": [1.0, 2.0, 0.0, 1.0, 3.0], "s2": [2.0, 0.0, 1.0, 1.0, 0.0]},
                              index=pd.Index(features, name="feature")), tmp_path / "m.tsv")
    (tmp_path / "signatures.tsv").write_text("feature\n" + "\n".join(features) + "\n")
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "m.tsv"), "--generic",
                      "--signatures", str(tmp_path / "signatures.tsv"), "--method", "nnls",
                      "--bootstrap", "0", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err

"""A report whose reference set is a user's table never calls its signatures COSMIC's.

With ``--signatures mine.tsv`` the pages read "Best COSMIC match", "refit to COSMIC", "a mix
of COSMIC signatures" and "resembles COSMIC SBS1": a claim about a table COSMIC never
published (a user's may reuse COSMIC's names for other profiles). Each test states a fact that
was false before the fix.
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from sigforge.genomics.reference import load_reference, set_label
from sigforge.io import write_matrix
from tests.report_folders import SAMPLES, write_run
from tests.robustness._harness import run_cli


def _pages(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, str]:
    """Run ``sigforge report`` on the run under ``root``: every page's text, by file name."""
    outcome = run_cli(capsys, "report", "--catalog-dir", str(root / "catalogs"),
                      "--extract-dir", str(root / "extract"), "--refit-dir",
                      str(root / "refit"), "--threads", "1", "--out", str(root / "report"),
                      *extra)
    assert outcome.code == 0, outcome.err
    pages = [root / "report" / "cohort.html", *sorted((root / "report/patients").glob("*.html"))]
    return {page.name: unescape(page.read_text(encoding="utf-8")) for page in pages}


def test_set_label_calls_only_the_shipped_set_cosmic(tmp_path: Path) -> None:
    assert set_label("COSMIC_v3.6") == "COSMIC"
    assert set_label(str(tmp_path / "COSMIC_v3.6_SBS96_GRCh37.tsv")) == "reference"
    assert set_label("cosmic_v3.6") == "reference"


def test_a_user_table_is_named_the_reference_set_on_every_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run")
    write_matrix(load_reference("COSMIC_v3.6").data, tmp_path / "mine.tsv")
    pages = _pages(capsys, run.root, "--signatures", str(tmp_path / "mine.tsv"))
    assert len(pages) == 1 + len(SAMPLES)
    for name, text in pages.items():
        assert "COSMIC" not in text, name
    cohort = pages["cohort.html"]
    assert "Best reference match" in cohort and "SBS96 refit to reference" in cohort
    assert "Best reference match" in pages["S1.html"]
    assert "statistical associations" in pages["S1.html"]


def test_the_shipped_set_is_still_named_cosmic(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run")
    pages = _pages(capsys, run.root)
    cohort = pages["cohort.html"]
    assert "Best COSMIC match" in cohort and "SBS96 refit to COSMIC" in cohort
    assert "Best reference match" not in cohort
    assert "Best COSMIC match" in pages["S1.html"]
    assert "resemblance to a COSMIC signature" in pages["S1.html"]

"""The patient page's Run table says how the page was made: which variants were counted
(--all-filters), whether the shipped set's possible sequencing-artefact signatures were left
out, and what a user's signature table is (its genome build is not known: it was called
"GRCh37, assay genome", the shipped set's defaults).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest

from sigforge.genomics.reference import load_reference
from tests.robustness._harness import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"


def _run_table(capsys: pytest.CaptureFixture[str], out: Path, *options: str) -> dict[str, str]:
    """Refit example sample S09 with ``options``; the page's Run table as name -> value."""
    outcome = run_cli(capsys, "refit", "--vcf", str(EXAMPLE / "vcfs" / "S09.vcf"),
                      "--reference", str(EXAMPLE / "genome.fa"), "--bootstrap", "0",
                      "--sample-name", "P", "--out", str(out), *options)
    assert outcome.code == 0, outcome.err
    page = (out / "patients" / "P.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", page, re.S)
    assert rows, "no Run table found"
    return {unescape(re.sub("<[^>]+>", "", name)).strip():
            unescape(re.sub("<[^>]+>", "", value)).strip() for name, value in rows}


def test_the_defaults_are_stated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _run_table(capsys, tmp_path / "out", "--signatures", "COSMIC_v3.6")
    assert table["signatures"] == "COSMIC_v3.6 (GRCh37, assay genome)"
    assert table["variant filters"].startswith("PASS (or '.') only")
    assert table["possible sequencing artefacts"].startswith("left out (18: SBS27, SBS43")


def test_all_filters_and_kept_artefacts_are_stated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _run_table(capsys, tmp_path / "out", "--signatures", "COSMIC_v3.6",
                       "--all-filters", "--include-artefacts")
    assert "--all-filters" in table["variant filters"]
    assert table["possible sequencing artefacts"].startswith("kept (--include-artefacts)")


def test_a_user_table_is_not_given_the_shipped_sets_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine.tsv"
    load_reference("COSMIC_v3.6").data[["SBS1", "SBS5", "SBS17b"]].to_csv(mine, sep="\t")
    table = _run_table(capsys, tmp_path / "out", "--signatures", str(mine),
                       "--decompose-into", "COSMIC_v3.6")
    assert table["signatures"] == f"{mine} (a user table)"
    assert table["matched against (--decompose-into)"] == "COSMIC_v3.6 (GRCh37, assay genome)"
    assert "possible sequencing artefacts" not in table


@pytest.mark.parametrize("restrict", [("--restrict-to", "SBS1,SBS17b,SBS5"), ()])
def test_nnls_is_not_warned_of_the_signatures_only_the_pages_check_fits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        restrict: tuple[str, ...]) -> None:
    """The page's wider refit (all 101 SBS96 signatures, artefacts included) warned '101
    signatures for 96 features ... restrict the refit (--restrict-to)' beside a refit of 3
    restricted signatures, or of the 83 the default leaves."""
    caplog.set_level("WARNING")
    _run_table(capsys, tmp_path / "out", "--signatures", "COSMIC_v3.6", "--method", "nnls",
               *restrict)
    assert not [r for r in caplog.records if "features, so each sample" in r.getMessage()]


def test_skipped_variants_are_named_in_words_that_fit_their_count() -> None:
    """'1 duplicates'; a variant 6 kb past a contig's end was said to be 'at a contig end'."""
    import pandas as pd

    from sigforge.report.patient_accounting import variant_accounting

    log = pd.DataFrame({"variants_read": [10, 10], "duplicate": [1, 2], "contig_end": [1, 0]},
                       index=["P", "Q"])
    assert variant_accounting(log, "P")["not_counted"] == [
        ("1", "at a contig's first or last base, or past its end"), ("1", "duplicate")]
    assert ("2", "duplicates") in variant_accounting(log, "Q")["not_counted"]


def test_a_page_records_its_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigforge.report.pages import page_counts

    _run_table(capsys, tmp_path / "out", "--signatures", "COSMIC_v3.6")
    counts = page_counts(tmp_path / "out" / "patients" / "P.html")
    log = (tmp_path / "out" / "catalog_log.tsv").read_text().splitlines()
    row = dict(zip(log[0].split("\t"), log[1].split("\t"), strict=True))
    assert counts == {name: int(row[name]) for name in
                      ("variants_read", "counted_SBS96", "counted_DBS78", "counted_ID83")}


def test_report_warns_of_a_page_of_the_same_vcf_counted_otherwise(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A page of S3's own VCF counted inside a small BED (91 SNVs where the cohort counted
    2,121) was linked without a word."""
    import logging

    import pandas as pd

    from tests.report_folders import SAMPLES, write_run

    run = write_run(tmp_path / "run", patients=False)
    log = pd.read_csv(run.root / "catalogs" / "catalog_log.tsv", sep="\t", index_col=0)
    pages = tmp_path / "pages"
    pages.mkdir()
    for sample in SAMPLES:
        snvs = int(log.at[sample, "counted_SBS96"]) - (5 if sample == "S3" else 0)
        (pages / f"{sample}.html").write_text(
            '<!DOCTYPE html><html><head><meta name="generator" content="sigforge">'
            f'<meta name="sigforge-counts" content="counted_SBS96={snvs}">'
            f'<meta name="sigforge-source" content="{sample}.vcf"></head></html>')
    caplog.set_level(logging.WARNING)
    assert run_cli(capsys, *run.args, "--patients-dir", str(pages)).code == 0
    expected = (f"S3.html: SBS96 {int(log.at['S3', 'counted_SBS96']) - 5:,} on the page, "
                f"{int(log.at['S3', 'counted_SBS96']):,} in the cohort")
    assert "1 page(s) counted their input otherwise" in caplog.text
    assert expected in caplog.text


def test_signature_names_that_print_alike_or_borrow_a_cosmic_name_are_caught(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """'SBS1' + a zero-width space printed as SBS1 and silently lost SBS1's prior; a column
    named SBS1 holding SBS4's profile got SBS1's prior without a word."""
    cosmic = load_reference("COSMIC_v3.6").data
    hidden = tmp_path / "hidden.tsv"
    cosmic[["SBS1", "SBS5"]].set_axis(["SBS1\u200b", "SBS5"], axis=1).to_csv(hidden, sep="\t")
    catalog = EXAMPLE / "truth_catalog.tsv"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", str(hidden),
                      "--bootstrap", "0", "--out", str(tmp_path / "h"))
    assert outcome.code == 2 and "invisible character U+200B" in outcome.err
    borrowed = tmp_path / "borrowed.tsv"
    cosmic[["SBS4", "SBS5"]].set_axis(["SBS1", "SBS5"], axis=1).to_csv(borrowed, sep="\t")
    caplog.set_level("WARNING")
    assert run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", str(borrowed),
                   "--bootstrap", "0", "--out", str(tmp_path / "b")).code == 0
    a, b = cosmic["SBS4"].to_numpy(), cosmic["SBS1"].to_numpy()
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert f"SBS1 (cosine {cosine:.2f} to COSMIC's) named like COSMIC signatures" in caplog.text
    assert "SBS5 (cosine" not in caplog.text

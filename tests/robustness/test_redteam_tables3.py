"""Refit, extract and report inputs a red-team pass found mishandled: a report shown under a
rank its signatures are not from, a refit to other signatures labelled "refit to COSMIC", a
--catalog-name the tables cannot give back, output clashes found after the whole discovery,
signatures summing to 1.009 leaving exposures 0.9% short, samples given no signature without
a word, --restrict-to comments, a one-sample catalog under cross-validation, and a catalog
whose sample columns were only reordered called "recounted or edited".

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli._run_files import DIGEST_KEY, catalog_digest
from sigforge.genomics import read_catalog
from sigforge.io import read_json, write_json, write_matrix
from tests.report_folders import write_run
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    run_cli,
    sbs1_sbs13_catalog,
)

FAST_EXTRACT = ("--ranks", "2", "--replicates", "2", "--max-iter", "50", "--min-iter", "10",
                "--cv-folds", "0")


def _report(capsys: pytest.CaptureFixture[str], root: Path) -> object:
    return run_cli(capsys, "report", "--catalog-dir", str(root / "catalogs"), "--extract-dir",
                   str(root / "extract"), "--refit-dir", str(root / "refit"), "--threads",
                   "1", "--out", str(root / "report"))


def test_report_refuses_signatures_of_another_rank_than_the_chosen_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """provenance.json edited to choose k = 3 over the k = 2 signatures: the page said
    "k = 3 (chosen)" above two signatures."""
    write_run(tmp_path, patients=False)
    provenance = tmp_path / "extract/SBS96/provenance.json"
    write_json({**read_json(provenance), "chosen_rank": 3}, provenance)
    assert_clear_error(_report(capsys, tmp_path), "signatures.tsv: holds 2 signature(s)",
                       "chose k = 3", "0 component(s) left out and 0 added, so 3",
                       "different runs")
    assert not (tmp_path / "report/cohort.html").exists()


def test_report_refuses_a_reference_refit_to_signatures_outside_the_reference_set(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A refit to the de novo signatures in refit/SBS96/reference/ was titled "refit to
    COSMIC", and the patient pages' wider fit read all-zero exposures from it."""
    write_run(tmp_path, patients=False)
    path = tmp_path / "refit/SBS96/reference/exposures.tsv"
    table = pd.read_csv(path, sep="\t", index_col=0)
    table.index = ["SBS96A", "SBS2", "SBS96B"]
    table.to_csv(path, sep="\t")
    assert_clear_error(_report(capsys, tmp_path), str(path), "SBS96A, SBS96B",
                       "not in the reference set", "--signatures")


def test_report_says_a_catalog_was_only_reordered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Same samples and counts in another column order were called "recounted or edited";
    any other change still is."""
    write_run(tmp_path, patients=False)
    # as extract writes it: the chosen rank's exposures, samples in the factored order
    shutil.copy(tmp_path / "refit/SBS96/exposures.tsv", tmp_path / "extract/SBS96/exposures.tsv")
    catalog_path = tmp_path / "catalogs/SBS96.tsv"
    catalog = read_catalog(catalog_path).data
    provenance = tmp_path / "extract/SBS96/provenance.json"
    write_json({**read_json(provenance), DIGEST_KEY: catalog_digest(catalog)}, provenance)
    write_matrix(catalog[list(reversed(catalog.columns))], catalog_path, integer=True)
    assert_clear_error(_report(capsys, tmp_path), str(catalog_path),
                       "its sample columns are in another order",
                       str(tmp_path / "extract/SBS96/exposures.tsv"))
    edited = catalog.copy()
    edited.iloc[0, 0] += 1
    write_matrix(edited, catalog_path, integer=True)
    log_path = tmp_path / "catalogs/catalog_log.tsv"  # recounted: the log with it
    log = pd.read_csv(log_path, sep="\t", index_col=0)
    log.loc[edited.columns[0], "counted_SBS96"] += 1
    log.to_csv(log_path, sep="\t")
    assert_clear_error(_report(capsys, tmp_path), "recounted or edited")


@pytest.mark.parametrize(("name", "fragment"), [
    (" lead", "starts or ends with a space"),
    ("z\u200b", "U+200B (ZERO WIDTH SPACE)"),
])
def test_a_catalog_name_the_tables_cannot_give_back_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fragment: str) -> None:
    """extract wrote signatures named ' leadA' (refit trimmed them, report called the files
    another run's) or 'z\\u200bA' (report called its own output damaged)."""
    catalog = tmp_path / "c.tsv"
    write_matrix(sbs1_sbs13_catalog(), catalog)
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), *FAST_EXTRACT,
                      "--catalog-name", name, "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "--catalog-name", fragment)
    assert_nothing_written(tmp_path / "out")


def test_extract_refuses_an_output_clash_before_any_factorisation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder named signatures.tsv, a file named k2, or the input inside --out at an output
    path were found at the first write, after every rank had been factored."""
    import sigforge.cli.discovery as discovery

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("factorised before the output paths were checked")

    monkeypatch.setattr(discovery, "factor_and_write", never)
    catalog = tmp_path / "c.tsv"
    write_matrix(sbs1_sbs13_catalog(), catalog)
    (tmp_path / "a/signatures.tsv").mkdir(parents=True)
    assert_clear_error(run_cli(capsys, "extract", "--catalog", str(catalog), *FAST_EXTRACT,
                               "--out", str(tmp_path / "a")),
                       "a/signatures.tsv: a folder stands where")
    (tmp_path / "b").mkdir()
    (tmp_path / "b/k2").write_text("")
    assert_clear_error(run_cli(capsys, "extract", "--catalog", str(catalog), *FAST_EXTRACT,
                               "--out", str(tmp_path / "b")), "k2 is a file where")
    (tmp_path / "c/k2").mkdir(parents=True)
    inside = tmp_path / "c/k2/signatures.tsv"
    shutil.copy(catalog, inside)
    assert_clear_error(run_cli(capsys, "extract", "--catalog", str(inside), *FAST_EXTRACT,
                               "--out", str(tmp_path / "c")),
                       f"would overwrite the input --catalog {inside}")


def test_one_sample_under_cross_validation_names_the_file_and_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "one.tsv"
    write_matrix(sbs1_sbs13_catalog(samples=1), catalog)
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "1",
                      "--replicates", "2", "--cv-folds", "2", "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, str(catalog), "one sample", "--cv-folds 0")
    assert_nothing_written(tmp_path / "out")


def test_signatures_summing_to_one_within_a_percent_still_give_the_whole_burden(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Columns summing to 1.009 were left as given, so exposures fell 0.9% short of every
    sample's mutations; they are rescaled now, with a note rather than a warning."""
    from sigforge.cli import main
    from sigforge.genomics.reference import load_reference

    catalog = sbs1_sbs13_catalog()
    write_matrix(catalog, tmp_path / "c.tsv")
    signatures = load_reference("COSMIC_v3.6").data[["SBS1", "SBS5", "SBS13"]]
    write_matrix(signatures / signatures.sum() * 1.009, tmp_path / "s.tsv")
    with caplog.at_level(logging.INFO, logger="sigforge"):
        assert main(["refit", "--catalog", str(tmp_path / "c.tsv"), "--signatures",
                     str(tmp_path / "s.tsv"), "--bootstrap", "0",
                     "--out", str(tmp_path / "r")]) == 0
    exposures = pd.read_csv(tmp_path / "r/exposures.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(exposures.sum().to_numpy(), catalog.sum().to_numpy(),
                               rtol=1e-6)
    rescaled = [r for r in caplog.records if "rescaled to sum 1" in r.getMessage()]
    assert rescaled and all(r.levelno == logging.INFO for r in rescaled)


def test_samples_given_no_signature_are_warned_of(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """--penalty 1e10 gave every sample zero exposures with exit 0 and no word."""
    from sigforge.cli import main

    write_matrix(sbs1_sbs13_catalog(), tmp_path / "c.tsv")
    with caplog.at_level(logging.WARNING, logger="sigforge"):
        assert main(["refit", "--catalog", str(tmp_path / "c.tsv"), "--signatures",
                     "COSMIC_v3.6", "--penalty", "1e10", "--bootstrap", "0",
                     "--out", str(tmp_path / "r")]) == 0
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "6 sample(s) with mutations were given no signature (s0, s1, s2, s3, s4, ...)" \
        in said and "--penalty 1e+10 (default 1.5)" in said


def test_restrict_to_file_comments_after_names_and_lines_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'SBS1 # the clock' was read as the names SBS1, '#', 'the' and 'clock' although the
    help says '#' starts a comment; an unknown name now says its file and line."""
    write_matrix(sbs1_sbs13_catalog(), tmp_path / "c.tsv")
    names = tmp_path / "names.txt"
    names.write_text("SBS1 # the clock\n# SBS5\nSBS13, SBS2  # APOBEC\n")
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "c.tsv"), "--signatures",
                      "COSMIC_v3.6", "--restrict-to", str(names), "--bootstrap", "0",
                      "--out", str(tmp_path / "r"))
    assert outcome.code == 0, outcome.err
    used = pd.read_csv(tmp_path / "r/exposures.tsv", sep="\t", index_col=0).index
    assert list(used) == ["SBS1", "SBS13", "SBS2"]
    names.write_text("SBS1\nSBS13 # APOBEC\nSBS999\n")
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "c.tsv"), "--signatures",
                      "COSMIC_v3.6", "--restrict-to", str(names), "--bootstrap", "0",
                      "--out", str(tmp_path / "r2"))
    assert_clear_error(outcome, "'SBS999'", f"(file {names}, line 3)")

"""Refit inputs a red-team sweep found mishandled, each now refused clearly or warned about.

An empty --signatures file is named (it was pandas' bare "No columns to parse"); a
--tumour-type that knows none of the signatures (de novo ones) and too few resamples for the
interval's confidence are warned about, as is a catalog whose every sample is empty under
--drop-empty; a --restrict-to file may separate names by commas and hold '#' comments.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import read_matrix, write_matrix
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

SAMPLES = [f"s{i}" for i in range(4)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An SBS96 catalog of four samples from SBS1 and SBS13, and a 'de novo' table of those
    two spectra under names COSMIC does not use."""
    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(3)
    counts = rng.poisson(cosmic[["SBS1", "SBS13"]].to_numpy()
                         @ (rng.gamma(1.0, 300.0, size=(2, 4)) + 50))
    folder = tmp_path_factory.mktemp("refit")
    catalog = folder / "SBS96.tsv"
    write_matrix(pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=SAMPLES), catalog,
                 integer=True)
    denovo = folder / "signatures.tsv"
    write_matrix(cosmic[["SBS1", "SBS13"]].set_axis(["SBS96A", "SBS96B"], axis=1), denovo,
                 label="Signature")
    return catalog, denovo


def _refit(capsys: pytest.CaptureFixture[str], catalog: Path, signatures: str, out: Path,
           *options: str, case: str | None = None):  # noqa: ANN202 - an Outcome
    """Run ``sigforge refit --catalog CATALOG --signatures SIGNATURES OPTIONS --out OUT``."""
    return run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", signatures,
                   *options, "--out", str(out), case=case)


def test_an_empty_signatures_file_is_named(
        inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    out = tmp_path / "out"
    outcome = _refit(capsys, inputs[0], str(empty), out, "--bootstrap", "0",
                     case="refit: empty --signatures file")
    assert_clear_error(outcome, str(empty), "the file is empty")
    assert "No columns to parse" not in outcome.err
    assert_nothing_written(out)


@pytest.mark.parametrize(("signatures", "tumour_type", "warned"), [
    ("denovo", "Liver-HCC", True), ("COSMIC_v3.6", "Liver-HCC", False),
    ("denovo", "pan-cancer", False)], ids=["de-novo", "cosmic", "default-type"])
def test_a_tumour_type_that_knows_none_of_the_signatures_is_warned_about(
        signatures: str, tumour_type: str, warned: bool, inputs: tuple[Path, Path],
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Against de novo signatures the type's prior applies to none: the output was identical
    to the run without it, and nothing said so."""
    table = str(inputs[1]) if signatures == "denovo" else signatures
    with caplog.at_level(logging.WARNING):
        outcome = _refit(capsys, inputs[0], table, tmp_path / "out", "--bootstrap", "0",
                         "--tumour-type", tumour_type)
    assert outcome.code == 0, outcome.err
    assert ("changes nothing" in caplog.text) is warned, caplog.text
    if warned:
        assert "--tumour-type Liver-HCC" in caplog.text and "SBS96A" in caplog.text


@pytest.mark.parametrize(("bootstrap", "confidence", "needed"), [
    ("3", "0.99", 199), ("20", "0.95", 39), ("39", "0.95", None), ("0", "0.95", None)])
def test_too_few_resamples_for_the_confidence_are_warned_about(
        bootstrap: str, confidence: str, needed: int | None, inputs: tuple[Path, Path],
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """(B + 1)(1 - c)/2 < 1: the percentile ends are the resamples' extremes (with B = 1 the
    '95%' interval was one resample's value, away from the estimate)."""
    with caplog.at_level(logging.WARNING):
        outcome = _refit(capsys, inputs[0], str(inputs[1]), tmp_path / "out", "--bootstrap",
                         bootstrap, "--confidence", confidence)
    assert outcome.code == 0, outcome.err
    if needed is None:
        assert "resamples for their ends" not in caplog.text
    else:
        assert f"--bootstrap {bootstrap}:" in caplog.text
        assert f"give --bootstrap {needed} or more" in caplog.text


def test_a_catalog_of_empty_samples_under_drop_empty_is_warned_about(
        inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Every exposure is 0, as a cohort without doublets refits its DBS78 catalog (so not an
    error), but it is said."""
    zeros = tmp_path / "zeros.tsv"
    write_matrix(pd.DataFrame(0, index=list(SBS96_CHANNELS), columns=SAMPLES), zeros,
                 integer=True)
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        outcome = _refit(capsys, zeros, str(inputs[1]), out, "--bootstrap", "0",
                         "--drop-empty")
    assert outcome.code == 0, outcome.err
    assert f"{zeros}: no sample has a mutation" in caplog.text
    assert (read_matrix(out / "exposures.tsv").data.to_numpy() == 0).all()


def test_a_restrict_to_file_takes_commas_and_comments(
        inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A BOM, CRLF, a '#' comment line, a blank line and names separated by a comma: the
    comment was read as the names '#' and 'clock-like', 'SBS1,SBS5' as one name."""
    names = tmp_path / "names.txt"
    names.write_bytes(b"\xef\xbb\xbfSBS1,SBS5\r\n# clock-like and APOBEC\r\n\r\nSBS13 \r\n")
    out = tmp_path / "out"
    outcome = _refit(capsys, inputs[0], "COSMIC_v3.6", out, "--bootstrap", "0",
                     "--restrict-to", str(names))
    assert outcome.code == 0, outcome.err
    assert list(read_matrix(out / "exposures.tsv").data.index) == ["SBS1", "SBS5", "SBS13"]


@pytest.mark.parametrize("command", ["refit", "extract"])
def test_a_spreadsheet_total_column_is_refused(
        command: str, inputs: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A 'Total' column (the sum of the samples) was refitted as one more sample."""
    frame = read_matrix(inputs[0]).data
    frame["Total"] = frame.sum(axis=1)
    catalog = tmp_path / "with_total.tsv"
    write_matrix(frame, catalog, integer=True)
    out = tmp_path / "out"
    extra = (("--signatures", str(inputs[1]), "--bootstrap", "0") if command == "refit"
             else ("--ranks", "2", "--replicates", "2", "--cv-folds", "0"))
    outcome = run_cli(capsys, command, "--catalog", str(catalog), *extra, "--out", str(out),
                      case=f"{command}: spreadsheet total column")
    assert_clear_error(outcome, str(catalog), "column 'Total'", "sum of all the other columns",
                       "Delete that column")
    assert_nothing_written(out)
    frame["Total"] = frame["Total"] + 1  # a sample that is merely large is a sample
    write_matrix(frame, catalog, integer=True)
    if command == "refit":
        assert run_cli(capsys, command, "--catalog", str(catalog), *extra, "--out",
                       str(tmp_path / "out2")).code == 0


@pytest.mark.parametrize("options", [["--sample-name", "RENAMED"], ["--vcf-sample", "T"],
                                     ["--all-filters"], ["--reference", "/nonexistent.fa"]])
def test_options_of_a_vcf_refit_are_refused_with_a_catalog(
        options: list[str], inputs: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """They were accepted and ignored: --sample-name RENAMED left the columns as they were."""
    catalog, signatures = inputs
    out = tmp_path / "out"
    outcome = _refit(capsys, catalog, str(signatures), out, *options)
    assert_clear_error(outcome, options[0], "a --catalog was counted already", "Drop them")
    assert_nothing_written(out)


def test_an_exposures_table_given_as_signatures_is_named_not_the_catalog(
        inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SigProfilerAssignment's activities table (samples as rows, signatures as columns) as
    --signatures: the message must say the signature file is an exposures table, not tell the
    user to transpose the (correct) catalog."""
    activities = tmp_path / "Assignment_Solution_Activities.txt"
    activities.write_text("Samples\tSBS1\tSBS13\n"
                          + "".join(f"{name}\t{100 + i}\t{50 + i}\n"
                                    for i, name in enumerate(SAMPLES)))
    out = tmp_path / "out"
    outcome = _refit(capsys, inputs[0], str(activities), out, "--bootstrap", "0",
                     case="refit: exposures table as --signatures")
    assert_clear_error(outcome, str(activities), "exposures (activities) table", "'s0'")
    assert "transposed" not in outcome.err
    assert_nothing_written(out)


@pytest.mark.parametrize("columns", [["SBS96A", "SBS96B", "SBS96C"], ["SBS1", "SBS5", "SBS13"],
                                     ["Signature 1", "Signature 2", "Signature 3"]])
def test_extract_refuses_an_exposures_table_without_generic(
        columns: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SigProfilerExtractor's Activities file (samples x signatures) was factored as a generic
    matrix without a word; with --generic it still is (the user said so)."""
    activities = tmp_path / "SBS96_De-Novo_Activities_refit.txt"
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(10, 500, size=(12, 3)), columns=columns,
                         index=pd.Index([f"PD{i}a" for i in range(12)], name="Samples"))
    frame.to_csv(activities, sep="\t")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(activities), "--ranks", "1-2",
                      "--replicates", "2", "--cv-folds", "0", "--out", str(out),
                      case="extract: exposures table as --catalog")
    assert_clear_error(outcome, str(activities), "exposures (activities) table", "--generic",
                       f"'{columns[0]}'")
    assert_nothing_written(out)
    generic = run_cli(capsys, "extract", "--catalog", str(activities), "--ranks", "1-2",
                      "--replicates", "2", "--cv-folds", "0", "--generic", "--out", str(out))
    assert generic.code == 0, generic.err


def test_a_generic_matrix_of_samples_named_id1_is_still_factored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sample names such as ID1, ID2 (also COSMIC's indel signature names) are not taken for
    an exposures table."""
    matrix = tmp_path / "words.tsv"
    rng = np.random.default_rng(6)
    pd.DataFrame(rng.integers(0, 30, size=(20, 6)), columns=[f"ID{i}" for i in range(1, 7)],
                 index=pd.Index([f"word{i}" for i in range(20)], name="feature")
                 ).to_csv(matrix, sep="\t")
    outcome = run_cli(capsys, "extract", "--catalog", str(matrix), "--ranks", "1-2",
                      "--replicates", "2", "--cv-folds", "0", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("into", ["reference", "itself"])
def test_a_component_name_with_a_semicolon_is_refused_before_the_refit(
        inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        into: str) -> None:
    """decomposition.tsv joins components with ';': a reference signature named 'SBS7a;UV'
    (or '&amp;') made a file the report refused as damaged, and which a rerun wrote again."""
    table = read_matrix(inputs[1]).data.set_axis(["SBS1", "SBS13;APOBEC"], axis=1)
    reference = tmp_path / "reference.tsv"
    write_matrix(table, reference, label="Signature")
    out = tmp_path / "out"
    signatures = str(inputs[1]) if into == "reference" else str(reference)
    outcome = _refit(capsys, inputs[0], signatures, out, "--bootstrap", "0",
                     "--decompose-into", str(reference))
    assert_clear_error(outcome, str(reference), "signature 'SBS13;APOBEC' holds ';'",
                       "'SBS13_APOBEC'")
    assert_nothing_written(out)

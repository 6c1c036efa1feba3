"""Messages the red-team pass found unclear, each now naming the real problem and its fix.

A catalog written by pandas (or R) with its row index as an extra first column, a report
--extract-dir (or --refit-dir) given one mutation type's folder instead of the root, a
select-rank --rank-dirs given the folder holding the ``k{k}`` folders, digits other than 0-9
(``²``) in --pixels, --resampling and a stray ``k²`` rank folder, a merge-catalogs input
folder without any catalog, a generic matrix of one feature given to extract, and a
signature table holding one profile under two names. Each bad case exits 2 with one
paragraph and writes nothing (see ``_harness``); the stray rank folder is ignored.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import write_matrix
from tests.report_folders import write_run
from tests.robustness._harness import (
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

FAST = ("--replicates", "2", "--max-iter", "30", "--min-iter", "5", "--cv-folds", "0")


@pytest.fixture
def catalog_frame() -> pd.DataFrame:
    """A small SBS96 catalog of four samples (whole counts)."""
    counts = np.random.default_rng(5).integers(1, 30, size=(96, 4))
    return pd.DataFrame(counts, index=pd.Index(SBS96_CHANNELS, name="MutationType"),
                        columns=[f"s{i}" for i in range(4)])


@pytest.fixture
def catalog(tmp_path: Path, catalog_frame: pd.DataFrame) -> Path:
    """The small catalog written as sigforge writes it."""
    path = tmp_path / "in" / "SBS96.tsv"
    write_matrix(catalog_frame, path, integer=True)
    return path


def _error_text(outcome: Outcome) -> str:
    """The message after 'sigforge COMMAND: error: '."""
    return outcome.first_line.split("error: ", 1)[1]


# --- 1. a table written with its row index as an extra first column ---------------------------

@pytest.mark.parametrize(("header", "first"), [("", 0), ("Unnamed: 0", 0), ("", 1)])
@pytest.mark.parametrize("command", ["extract", "refit"])
def test_row_index_column_says_written_with_its_index(
        header: str, first: int, command: str, tmp_path: Path, catalog_frame: pd.DataFrame,
        capsys: pytest.CaptureFixture[str]) -> None:
    frame = catalog_frame.reset_index()
    frame.index = pd.RangeIndex(first, first + len(frame), name=None)
    table = tmp_path / "cat.tsv"
    text = frame.to_csv(sep="\t")  # pandas' default: the index as a nameless first column
    table.write_text(text.replace("\t", f"{header}\t", 1) if header else text)
    out = tmp_path / "out"
    options = (("--ranks", "2", *FAST) if command == "extract"
               else ("--signatures", "COSMIC_v3.6", "--bootstrap", "0"))
    outcome = run_cli(capsys, command, "--catalog", str(table), *options, "--out", str(out),
                      case=f"{command}_row_index_column")
    assert_clear_error(outcome, str(table), f"holds the row numbers {first} to {first + 95}",
                       "column 2 ('MutationType')", "'A[C>A]A' on line 2",
                       "written with its row index", "Delete the first column",
                       "to_csv(..., index=False)")
    assert "expected a finite number" not in outcome.err, outcome.err
    assert_nothing_written(out)


def test_numeric_row_labels_without_a_label_column_still_read(tmp_path: Path) -> None:
    """Features named 0, 1, 2 ... under a nameless header are a generic matrix like any other
    (its value columns are numbers): only a text column after them makes the hint."""
    from sigforge.io import read_matrix

    table = tmp_path / "m.tsv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]}).to_csv(table, sep="\t")
    assert read_matrix(table).data.shape == (3, 2)


# --- 2. report given one mutation type's folder instead of the root ---------------------------

def test_report_extract_dir_of_one_type_says_give_its_parent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False).root
    out = tmp_path / "report"
    outcome = run_cli(capsys, "report", "--catalog-dir", str(run / "catalogs"),
                      "--extract-dir", str(run / "extract" / "SBS96"), "--refit-dir",
                      str(run / "refit" / "SBS96"), "--threads", "1", "--out", str(out),
                      case="report_extract_dir_is_type_folder")
    assert_clear_error(outcome, f"--extract-dir {run / 'extract' / 'SBS96'} is the folder of "
                       "one mutation type", "signatures.tsv", "k2/",
                       f"Give its parent folder: --extract-dir {run / 'extract'}.",
                       f"Give its parent folder: --refit-dir {run / 'refit'}.")
    assert "SBS96/SBS96" not in outcome.err, outcome.err
    assert_nothing_written(out)


def test_report_refit_dir_of_one_type_alone_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False).root
    out = tmp_path / "report"
    outcome = run_cli(capsys, "report", "--catalog-dir", str(run / "catalogs"),
                      "--extract-dir", str(run / "extract"), "--refit-dir",
                      str(run / "refit" / "SBS96"), "--threads", "1", "--out", str(out),
                      case="report_refit_dir_is_type_folder")
    assert_clear_error(outcome, "exposures.tsv, reconstruction.tsv",
                       f"Give its parent folder: --refit-dir {run / 'refit'}.")
    assert "--extract-dir" not in outcome.err, outcome.err
    assert_nothing_written(out)


# --- 3. select-rank given the folder holding the rank folders ---------------------------------

@pytest.mark.parametrize("given", ["type", "root"])
def test_select_rank_of_the_extract_folder_names_the_rank_folders(
        given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extract = write_run(tmp_path / "run", patients=False).root / "extract"
    folder = extract / "SBS96" if given == "type" else extract
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(folder), "--out", str(out),
                      case=f"select_rank_{given}_folder_given")
    ranks = extract / "SBS96"
    assert_clear_error(outcome, f"--rank-dirs {folder}: is not a rank folder",
                       "holds the rank folders k2, k3",
                       f"--rank-dirs {ranks / 'k2'} {ranks / 'k3'}.")
    assert "is missing; rerun" not in outcome.err, outcome.err
    assert_nothing_written(out)


# --- 4. digits other than 0-9 ------------------------------------------------------------------

def _generic_matrix(tmp_path: Path) -> Path:
    """A 16 x 5 generic matrix of small counts."""
    counts = np.random.default_rng(1).integers(1, 9, size=(16, 5))
    path = tmp_path / "m.tsv"
    write_matrix(pd.DataFrame(counts, index=[f"p{i}" for i in range(16)],
                              columns=[f"s{j}" for j in range(5)]), path, label="Feature",
                 integer=True)
    return path


@pytest.mark.parametrize("pixels", ["²,8", "2,٨", "²x8"])
def test_pixels_with_other_digits_names_the_option(
        pixels: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pm"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(_generic_matrix(tmp_path)),
                      "--name", "M", "--pixels", pixels, "--out", str(out),
                      case="prepare_matrix_pixels_unicode_digit")
    assert_clear_error(outcome, "--pixels", "digits 0-9", f"got '{pixels}'")
    assert "invalid literal" not in outcome.err, outcome.err
    assert_nothing_written(out)


def test_resampling_depth_with_other_digits_names_the_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ext"
    outcome = run_cli(capsys, "extract", "--catalog", str(_generic_matrix(tmp_path)),
                      "--generic", "--ranks", "1-2", *FAST, "--resampling", "scaled:²",
                      "--out", str(out), case="extract_resampling_unicode_digit")
    assert_clear_error(outcome, "--resampling", "scaled:²", "digits 0-9", "scaled:10000")
    assert "invalid literal" not in outcome.err, outcome.err
    assert_nothing_written(out)


def test_report_ignores_a_stray_rank_folder_with_other_digits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False).root
    shutil.copytree(run / "extract" / "SBS96" / "k2", run / "extract" / "SBS96" / "k²")
    outcome = run_cli(capsys, "report", "--catalog-dir", str(run / "catalogs"),
                      "--extract-dir", str(run / "extract"), "--refit-dir", str(run / "refit"),
                      "--threads", "1", "--out", str(tmp_path / "report"),
                      case="report_stray_unicode_rank_folder")
    assert outcome.code == 0, outcome.err
    assert "Traceback" not in outcome.err and "invalid literal" not in outcome.err
    assert "cohort.html" in files_under(tmp_path / "report")


def test_extract_warning_ignores_a_stray_rank_folder_with_other_digits(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The warning about rank folders of an earlier run in --out names ``k7`` and skips
    ``k²`` and ``keep`` (no rank folders) instead of failing on them."""
    from sigforge.cli.rank_dirs import warn_other_rank_folders

    for name in ("k²", "k7", "keep"):
        (tmp_path / name).mkdir()
    with caplog.at_level("WARNING"):
        warn_other_rank_folders(tmp_path, [2, 3])
    assert "rank folder(s) k7 of an earlier run" in caplog.text
    assert "k²" not in caplog.text


# --- 5. merge-catalogs: a folder without any catalog -------------------------------------------

@pytest.mark.parametrize("position", [0, 1, 2])
def test_merge_of_a_folder_without_catalogs_says_it_holds_none(
        position: int, tmp_path: Path, catalog: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    shutil.copytree(catalog.parent, other)
    empty = tmp_path / "empty"
    empty.mkdir()
    inputs = [str(catalog.parent), str(other)]
    inputs.insert(position, str(empty))
    out = tmp_path / "merged"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", *inputs, "--out", str(out),
                      case="merge_input_without_catalogs")
    assert_clear_error(outcome, f"--inputs {empty}: holds no catalog file", "SBS96.tsv",
                       "ID83.tsv", "folders written by 'sigforge catalog --out'")
    assert "holds catalogs" not in outcome.err, outcome.err
    assert_nothing_written(out)


# --- 6. extract of a generic matrix of one feature ---------------------------------------------

@pytest.mark.parametrize("zero_rows", [0, 2])
def test_extract_refuses_a_one_feature_matrix_as_prepare_matrix_does(
        zero_rows: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One feature with values (beside all-zero ones): nothing to factor, said in the words
    of prepare-matrix."""
    path = tmp_path / "m.tsv"
    rows = ["Feature\tA\tB\tC", "f1\t3\t4\t5"] + [f"z{i}\t0\t0\t0" for i in range(zero_rows)]
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "ext"
    extract = run_cli(capsys, "extract", "--catalog", str(path), "--ranks", "1", *FAST,
                      "--out", str(out), case="extract_one_feature_matrix")
    assert_clear_error(extract, str(path), "1 feature(s) x 3 sample(s) remain",
                       "at least 2 features")
    assert_nothing_written(out)
    prepare = run_cli(capsys, "prepare-matrix", "--input", str(path), "--name", "M",
                      "--out", str(tmp_path / "pm"))
    assert prepare.code == 2
    assert _error_text(extract) == _error_text(prepare)


# --- 7. refit to a signature table holding one profile twice -----------------------------------

@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_refit_refuses_two_names_for_one_signature(
        scale: float, tmp_path: Path, catalog: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A column copied under another name (or in percent) is the same signature: refused,
    naming both columns and the fix."""
    cosmic = load_reference("COSMIC_v3.6").data
    table = cosmic[["SBS1", "SBS5", "SBS13"]].assign(COPY=cosmic["SBS5"] * scale)
    signatures = tmp_path / "sigs.tsv"
    write_matrix(table, signatures)
    out = tmp_path / "refit"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      str(signatures), "--bootstrap", "0", "--out", str(out),
                      case="refit_identical_signature_columns")
    assert_clear_error(outcome, f"signatures {signatures}", "'SBS5' and 'COPY'",
                       "same profile", "Drop one of the two columns")
    assert_nothing_written(out)
    restricted = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                         str(signatures), "--restrict-to", "SBS1,SBS5", "--bootstrap", "0",
                         "--out", str(out))
    assert restricted.code == 0, restricted.err


def test_an_nnls_refit_of_totals_beyond_the_count_range_decomposes_as_one_within_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--method nnls`` takes any scale, but whole-number samples of about 2e13 mutations
    were refused, the message proposing nnls: the count fit that chooses which COSMIC
    signatures the decomposition uses refused the totals. It now divides them by a power of
    ten first (here 100), so the decomposition is the one of the catalog at 1/100 scale."""
    counts = np.random.default_rng(3).integers(5, 40, size=(96, 3)).astype(float)
    frame = pd.DataFrame(counts, index=pd.Index(SBS96_CHANNELS, name="MutationType"),
                         columns=["A", "B", "C"])
    signatures = tmp_path / "sigs.tsv"
    cosmic = load_reference("COSMIC_v3.6").data
    write_matrix(cosmic[["SBS1", "SBS5", "SBS13"]].rename(columns=lambda c: f"X{c}"),
                 signatures)
    decompositions = {}
    for scale in (1e10, 1e8):
        catalog = tmp_path / f"catalog{scale:g}.tsv"
        write_matrix(frame * scale, catalog)
        out = tmp_path / f"refit{scale:g}"
        outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                          str(signatures), "--method", "nnls", "--bootstrap", "0", "--out",
                          str(out))
        assert outcome.code == 0, outcome.err
        decompositions[scale] = (out / "decomposition.tsv").read_bytes()
    assert decompositions[1e10] == decompositions[1e8]


def test_the_refit_summary_gives_a_fractional_median_as_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Samples using 2, 1, 2 and 1 signatures have the median 1.5; the summary said 1."""
    import logging

    features = pd.Index(["f1", "f2", "f3", "f4"], name="Feature")
    signatures = pd.DataFrame({"A": [0.5, 0.5, 0, 0], "B": [0, 0, 0.5, 0.5]}, index=features)
    catalog = pd.DataFrame({"p1": [500, 500, 500, 500], "p2": [500, 500, 0, 0],
                            "p3": [200, 200, 400, 400], "p4": [0, 0, 300, 300]},
                           index=features)
    write_matrix(signatures, tmp_path / "sigs.tsv")
    write_matrix(catalog, tmp_path / "catalog.tsv", integer=True)
    with caplog.at_level(logging.INFO, logger="sigforge"):
        outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "catalog.tsv"),
                          "--generic", "--signatures", str(tmp_path / "sigs.tsv"), "--method",
                          "negbin", "--bootstrap", "0", "--out", str(tmp_path / "refit"))
    assert outcome.code == 0, outcome.err
    used = pd.read_csv(tmp_path / "refit" / "reconstruction.tsv", sep="\t", index_col=0)
    assert used["signatures_used"].tolist() == [2, 1, 2, 1]
    assert "median 1.5 signatures used" in caplog.text


def test_nnls_round_off_is_no_signature_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sample that is exactly 10,000 x A came back with B at 5.7e-14 from NNLS, and counted
    as using two signatures; so did one of exactly B alone beside disjoint signatures."""
    features = pd.Index([f"f{i}" for i in range(1, 7)], name="Feature")
    signatures = pd.DataFrame({"A": [0.1, 0.2, 0.3, 0.4, 0, 0],
                               "B": [0, 0, 0.1, 0.1, 0.3, 0.5]}, index=features)
    catalog = pd.DataFrame({"p1": [1000, 2000, 3000, 4000, 0, 0],
                            "p2": [300, 600, 1400, 1700, 1500, 2500],
                            "p3": [0, 0, 100, 100, 300, 500]}, index=features)
    write_matrix(signatures, tmp_path / "sigs.tsv")
    write_matrix(catalog, tmp_path / "catalog.tsv", integer=True)
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "catalog.tsv"),
                      "--generic", "--signatures", str(tmp_path / "sigs.tsv"), "--method",
                      "nnls", "--bootstrap", "0", "--out", str(tmp_path / "refit"))
    assert outcome.code == 0, outcome.err
    exposures = pd.read_csv(tmp_path / "refit" / "exposures.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(exposures.to_numpy(), [[10000, 3000, 0], [0, 5000, 1000]],
                               atol=1e-9)
    assert exposures.at["B", "p1"] == 0 and exposures.at["A", "p3"] == 0
    used = pd.read_csv(tmp_path / "refit" / "reconstruction.tsv", sep="\t", index_col=0)
    assert used["signatures_used"].tolist() == [1, 2, 1]


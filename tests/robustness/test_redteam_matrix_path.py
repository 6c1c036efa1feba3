"""The generic matrix path against what a red-team sweep found it accepting: a hand-edited
chosen rank the page explained with a component that never existed, a cosine of 1.7 and a
stability of 5 printed as results, a Parquet index named like a column (pandas' bare message),
a fraction above 2**52 rounded into a "count", and an API resampling depth of 2.5 (numpy's
casting error).

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery.resample import scaled_multinomial_bootstrap
from sigforge.io import read_json, write_json, write_matrix
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

FAST_NMF = ("--max-iter", "30", "--min-iter", "10", "--cv-folds", "0")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pm/ (SM.tsv, SM_dropped.tsv), ext/ and ref/ of one small generic run (12 x 8, ranks 2
    and 3)."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("generic")
    rng = np.random.default_rng(3)
    parts = rng.gamma(1.0, 1.0, size=(12, 2))
    counts = rng.poisson(parts @ rng.gamma(2.0, 30.0, size=(2, 8))).astype(float)
    write_matrix(pd.DataFrame(counts, index=[f"f{i}" for i in range(12)],
                              columns=[f"s{j}" for j in range(8)]), folder / "in.tsv",
                 label="Feature")
    assert main(["-q", "prepare-matrix", "--input", str(folder / "in.tsv"), "--name", "SM",
                 "--out", str(folder / "pm")]) == 0
    assert main(["-q", "extract", "--catalog", str(folder / "pm" / "SM.tsv"), "--generic",
                 "--ranks", "2-3", "--replicates", "2", *FAST_NMF,
                 "--out", str(folder / "ext")]) == 0
    assert main(["-q", "refit", "--catalog", str(folder / "pm" / "SM.tsv"), "--generic",
                 "--signatures", str(folder / "ext" / "signatures.tsv"), "--method", "nnls",
                 "--bootstrap", "0", "--out", str(folder / "ref")]) == 0
    return folder


def _edited(run: Path, tmp_path: Path) -> Path:
    """A copy of the run to edit by hand."""
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


def _report(capsys: pytest.CaptureFixture[str], run: Path, out: Path):
    return run_cli(capsys, "matrix-report", "--name", "SM", "--matrix",
                   str(run / "pm" / "SM.tsv"), "--dropped", str(run / "pm" / "SM_dropped.tsv"),
                   "--extract-dir", str(run / "ext"), "--refit-dir", str(run / "ref"),
                   "--out", str(out))


def test_the_run_as_written_is_reported(run: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    outcome = _report(capsys, run, tmp_path / "report")
    assert outcome.code == 0, outcome.err


def test_a_chosen_rank_the_signatures_do_not_have_is_refused(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = _edited(run, tmp_path)
    provenance = read_json(edited / "ext" / "provenance.json")
    other = 5 - provenance["chosen_rank"]  # the other rank tried (2 or 3)
    provenance["chosen_rank"] = other
    write_json(provenance, edited / "ext" / "provenance.json")
    outcome = _report(capsys, edited, tmp_path / "report")
    assert_clear_error(outcome, "signatures.tsv: holds ", " signature(s), but",
                       f"provenance.json chose k = {other}", "the files come from different runs")
    assert_nothing_written(tmp_path / "report")


@pytest.mark.parametrize(("file", "column", "value", "fragment"), [
    ("ref/reconstruction.tsv", "cosine", 1.7, "line 4 (row 's2'), column 'cosine': 1.7 lies "
     "outside [0, 1]"),
    ("ref/reconstruction.tsv", "burden", -5.0, "column 'burden': -5.0 lies outside [0, inf]"),
    ("ext/stability.tsv", "stability", 5.0, "column 'stability': 5.0 lies outside [-1, 1]"),
    ("ext/stability.tsv", "spread", -3.0, "column 'spread': -3.0 lies outside [0, 2]"),
])
def test_impossible_values_in_the_run_s_tables_are_refused(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, column: str,
        value: float, fragment: str) -> None:
    edited = _edited(run, tmp_path)
    table = pd.read_csv(edited / file, sep="\t", index_col=0)
    row = 2 if len(table) > 2 else 0
    table.iloc[row, table.columns.get_loc(column)] = value
    table.to_csv(edited / file, sep="\t")
    outcome = _report(capsys, edited, tmp_path / "report")
    assert_clear_error(outcome, file.split("/")[1], fragment, "rebuild")
    assert_nothing_written(tmp_path / "report")


def test_a_parquet_index_named_like_a_column_is_named_with_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame({"s1": [1.0, 2, 3], "s2": [4.0, 5, 6]},
                         index=pd.Index(["f1", "f2", "f3"], name="s1"))
    frame.to_parquet(tmp_path / "m.parquet")
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(tmp_path / "m.parquet"),
                      "--name", "M", "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "m.parquet: the index (the row labels) is named 's1', the name "
                       "of a column too", "rename_axis")
    assert not (tmp_path / "out").exists()


def test_a_fraction_beyond_2_52_is_not_taken_for_a_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'4503599627370497.5' reads as the whole 4503599627370498: --counts passed it and
    wrote the other number back."""
    (tmp_path / "m.tsv").write_text("Feature\ts1\ts2\nf1\t4503599627370497.5\t1\nf2\t1\t3\n")
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(tmp_path / "m.tsv"), "--name",
                      "M", "--counts", "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "row 'f1', column 's1'", "2**52 or more",
                       "cannot be checked to be a count")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("depth", [2.5, float("nan"), 10**19, True, 0])
def test_the_api_resampling_depth_is_checked_by_name(depth: object) -> None:
    with pytest.raises(ValueError, match=r"depth: expected a whole number from 1 to 1e\+12"):
        scaled_multinomial_bootstrap(np.ones((3, 2)), np.random.default_rng(0),
                                     depth=depth)  # type: ignore[arg-type]


def test_generic_samples_of_zeros_are_not_called_samples_without_mutations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(1)
    values = rng.poisson(20, size=(10, 6)).astype(float)
    values[:, 2] = 0
    write_matrix(pd.DataFrame(values, index=[f"f{i}" for i in range(10)],
                              columns=[f"s{j}" for j in range(6)]), tmp_path / "m.tsv",
                 label="Feature")
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "m.tsv"), "--generic",
                      "--signatures", str(_two_parts(tmp_path)), "--method", "nnls",
                      "--bootstrap", "0", "--drop-empty", "--out", str(tmp_path / "ref"))
    assert outcome.code == 0, outcome.err
    assert "1 sample(s) holding only zeros" in caplog.text + outcome.err
    assert "without mutations" not in caplog.text + outcome.err


def _two_parts(tmp_path: Path) -> Path:
    """A 10 x 2 table of two parts (columns summing to 1)."""
    parts = np.zeros((10, 2))
    parts[:5, 0] = parts[5:, 1] = 0.2
    path = tmp_path / "parts.tsv"
    write_matrix(pd.DataFrame(parts, index=[f"f{i}" for i in range(10)], columns=["A", "B"]),
                 path, label="Feature")
    return path

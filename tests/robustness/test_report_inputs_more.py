"""Hostile inputs of the report commands, round 2: provenance values JSON cannot hold as
integers, joint blocks tables with repeated rows or bad weights, matrix-report folders whose
files disagree, damaged optional refit tables, a catalog of other samples beside SBS96.tsv,
text among the refit's numbers and signature names too long for a file name.

Each bad case asserts exit 2, one message naming the file (and row, column or key) and the
fix, and that nothing was written; each readable case asserts the command still works.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import ID83_CHANNELS, SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import write_matrix
from sigforge.testing import planted_counts
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

FAST_NMF = ("--max-iter", "30", "--min-iter", "10", "--cv-folds", "0")


def _edit_text(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must occur) by ``new`` in a text file."""
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new))


def _edit_table(path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite a TSV through ``edit`` (labels read as text)."""
    edit(pd.read_csv(path, sep="\t", dtype={0: str})).to_csv(path, sep="\t", index=False)


# ------------------------------------------------------------------------------------------
# A small mutation run (report) and a small matrix run (matrix-report), made once.

@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog/ (SBS96.tsv of 6 samples, catalog_log.tsv), extract/SBS96/ and refit/SBS96/
    (with bootstrap intervals and the decomposition) of one small run."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("cohort")
    (folder / "catalog").mkdir()
    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(11)
    counts = rng.poisson(cosmic[["SBS1", "SBS13"]].to_numpy()
                         @ (rng.gamma(1.0, 300.0, size=(2, 6)) + 50)).astype(float)
    samples = [f"s{i}" for i in range(6)]
    catalog = folder / "catalog" / "SBS96.tsv"
    pd.DataFrame(counts, index=pd.Index(SBS96_CHANNELS, name="MutationType"),
                 columns=samples).to_csv(catalog, sep="\t")
    burdens = counts.sum(axis=0).astype(int)
    pd.DataFrame({"sample": samples, "source": [f"/data/{s}.vcf" for s in samples],
                  "variants_read": burdens, "counted_SBS96": burdens}).to_csv(
        folder / "catalog" / "catalog_log.tsv", sep="\t", index=False)
    assert main(["-q", "extract", "--catalog", str(catalog), "--ranks", "2", "--replicates",
                 "3", *FAST_NMF, "--out", str(folder / "extract" / "SBS96")]) == 0
    assert main(["-q", "refit", "--catalog", str(catalog), "--signatures",
                 str(folder / "extract" / "SBS96" / "signatures.tsv"), "--bootstrap", "3",
                 "--out", str(folder / "refit" / "SBS96")]) == 0
    return folder


@pytest.fixture
def run(cohort: Path, tmp_path: Path) -> Path:
    """A copy of the cohort run that a test may damage."""
    return Path(shutil.copytree(cohort, tmp_path / "run"))


def _report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str):
    """``sigforge report`` on the catalog/, extract/ and refit/ folders of ``run``."""
    return run_cli(capsys, "report", "--catalog-dir", str(run / "catalog"), "--extract-dir",
                   str(run / "extract"), "--refit-dir", str(run / "refit"), "--threads", "1",
                   "--out", str(out), case=case)


@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pm/ (m.tsv, m_dropped.tsv), ext/ and ref/ (with intervals) of one small matrix run."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("matrix")
    planted = planted_counts(12, 8, 2, burden=300, rng=3)
    values = pd.DataFrame(planted.counts, index=pd.Index([f"f{i}" for i in range(12)],
                                                          name="Feature"),
                          columns=[f"c{j}" for j in range(8)])
    write_matrix(values, folder / "in.tsv", label="Feature")
    assert main(["-q", "prepare-matrix", "--input", str(folder / "in.tsv"), "--name", "m",
                 "--out", str(folder / "pm")]) == 0
    assert main(["-q", "extract", "--catalog", str(folder / "pm" / "m.tsv"), "--generic",
                 "--ranks", "2", "--replicates", "2", *FAST_NMF,
                 "--out", str(folder / "ext")]) == 0
    assert main(["-q", "refit", "--catalog", str(folder / "pm" / "m.tsv"), "--generic",
                 "--signatures", str(folder / "ext" / "signatures.tsv"), "--method", "nnls",
                 "--bootstrap", "3", "--out", str(folder / "ref")]) == 0
    return folder


@pytest.fixture
def mrun(matrix_run: Path, tmp_path: Path) -> Path:
    """A copy of the matrix run that a test may damage."""
    return Path(shutil.copytree(matrix_run, tmp_path / "mrun"))


def _matrix_report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str,
                   *extra: str):
    """``sigforge matrix-report`` on the pm/, ext/ and ref/ folders of ``run``."""
    return run_cli(capsys, "matrix-report", "--name", "m", "--matrix", str(run / "pm" / "m.tsv"),
                   "--dropped", str(run / "pm" / "m_dropped.tsv"), "--extract-dir",
                   str(run / "ext"), "--refit-dir", str(run / "ref"), *extra, "--out", str(out),
                   case=case)


# ------------------------------------------------------------------------------------------
# 1. matrix-report: a chosen rank JSON reads as a float (1e400, Infinity) is refused like
#    report refuses it, by the same check.

@pytest.mark.parametrize("value", ["1e400", "Infinity", "2.5", '"two"'])
def test_matrix_report_refuses_a_chosen_rank_that_is_not_a_whole_number(
        value: str, mrun: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    provenance = mrun / "ext" / "provenance.json"
    _edit_text(provenance, '"chosen_rank": 2', f'"chosen_rank": {value}')
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, f"matrix-report:chosen-rank-{value}")
    assert_clear_error(outcome, str(provenance), "'chosen_rank'", "whole number",
                       "rerun that step")
    assert_nothing_written(out)


def test_report_refuses_an_infinite_chosen_rank(run: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    provenance = run / "extract" / "SBS96" / "provenance.json"
    _edit_text(provenance, '"chosen_rank": 2', '"chosen_rank": Infinity')
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:chosen-rank-Infinity")
    assert_clear_error(outcome, str(provenance), "'chosen_rank'", "whole number")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 2. split-joint: the blocks table is checked (one row per feature, weights finite and > 0).

BLOCKS_HEADER = "Feature\tmodality\tfeature\tweight"


def _joint_files(tmp_path: Path, rows: list[str]) -> tuple[Path, Path]:
    """A joint signatures.tsv over a:f0, a:f1, b:f0, b:f1 and a blocks table of ``rows``."""
    signatures = tmp_path / "signatures.tsv"
    signatures.write_text("Feature\tC1\tC2\na:f0\t0.1\t0.4\na:f1\t0.2\t0.1\n"
                          "b:f0\t0.3\t0.3\nb:f1\t0.4\t0.2\n")
    blocks = tmp_path / "j_blocks.tsv"
    blocks.write_text("\n".join([BLOCKS_HEADER, *rows]) + "\n")
    return signatures, blocks


GOOD_BLOCKS = ["a:f0\ta\tf0\t1", "a:f1\ta\tf1\t1", "b:f0\tb\tf0\t2", "b:f1\tb\tf1\t2"]
BAD_BLOCKS = [
    ("repeated-row", [*GOOD_BLOCKS, "a:f0\ta\tf0\t1"],
     ("row 'a:f0' is listed more than once", "lines 2, 6", "delete the repeated row")),
    ("weight-text", ["a:f0\ta\tf0\tx", *GOOD_BLOCKS[1:]],
     ("line 2 (row 'a:f0'), column 'weight'", "'x'", "finite number > 0",
      "prepare-joint --weights")),
    ("weight-zero", [*GOOD_BLOCKS[:2], "b:f0\tb\tf0\t0", GOOD_BLOCKS[3]],
     ("line 4 (row 'b:f0'), column 'weight'", "finite number > 0")),
    ("weight-negative", [*GOOD_BLOCKS[:3], "b:f1\tb\tf1\t-2"],
     ("line 5 (row 'b:f1'), column 'weight'", "finite number > 0")),
    ("weight-inf", [*GOOD_BLOCKS[:3], "b:f1\tb\tf1\tinf"],
     ("line 5 (row 'b:f1'), column 'weight'", "finite number > 0")),
    ("weight-empty", [*GOOD_BLOCKS[:3], "b:f1\tb\tf1\t"],
     ("line 5 (row 'b:f1'), column 'weight'", "finite number > 0")),
]


@pytest.mark.parametrize(("case", "rows", "fragments"), BAD_BLOCKS,
                         ids=[case[0] for case in BAD_BLOCKS])
def test_split_joint_refuses_a_bad_blocks_table(case: str, rows: list[str],
                                                fragments: tuple[str, ...], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    signatures, blocks = _joint_files(tmp_path, rows)
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(tmp_path / "out"), case=f"split-joint:{case}")
    assert_clear_error(outcome, str(blocks), *fragments, "NAME_blocks.tsv")
    assert_nothing_written(tmp_path, before)


def test_split_joint_refuses_a_blocks_table_without_weights(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signatures, blocks = _joint_files(tmp_path, [])
    blocks.write_text("Feature\tmodality\tfeature\n"
                      + "".join(row.rsplit("\t", 1)[0] + "\n" for row in GOOD_BLOCKS))
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(tmp_path / "out"),
                      case="split-joint:no-weight-column")
    assert_clear_error(outcome, str(blocks), "no column 'weight'", "NAME_blocks.tsv")
    assert_nothing_written(tmp_path, before)


def test_split_joint_of_a_good_blocks_table_still_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signatures, blocks = _joint_files(tmp_path, GOOD_BLOCKS)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(out), case="split-joint:good")
    assert outcome.code == 0, outcome.err
    loadings = pd.read_csv(out / "b_signatures.tsv", sep="\t", index_col=0)
    assert list(loadings.index) == ["f0", "f1"]
    assert np.allclose(loadings.sum(axis=0), 1.0) and loadings.notna().all().all()


# ------------------------------------------------------------------------------------------
# 3. matrix-report: the matrix, the refit and the signatures must be of one run.

MATRIX_MISMATCHES = [
    ("matrix-other-sample", "pm/m.tsv", lambda t: t.rename(columns={"c5": "zz"}),
     "ref/exposures.tsv", ("samples differ", "m.tsv", "missing: zz", "c5", "different runs")),
    ("refit-other-sample", "ref/exposures.tsv", lambda t: t.rename(columns={"c5": "zz"}),
     "ref/exposures.tsv", ("samples differ", "missing: c5", "zz", "different runs")),
    ("matrix-other-feature", "pm/m.tsv",
     lambda t: t.assign(Feature=["fZ", *t["Feature"].iloc[1:]]),
     "ext/signatures.tsv", ("features differ", "m.tsv", "fZ", "different runs")),
    ("reconstruction-missing-samples", "ref/reconstruction.tsv", lambda t: t.iloc[:3],
     "ref/reconstruction.tsv", ("samples differ", "missing: c3, c4")),
    ("stability-missing-a-component", "ext/stability.tsv", lambda t: t.iloc[:1],
     "ext/stability.tsv", ("signatures differ",)),
]


@pytest.mark.parametrize(("case", "file", "edit", "named", "fragments"), MATRIX_MISMATCHES,
                         ids=[m[0] for m in MATRIX_MISMATCHES])
def test_matrix_report_refuses_files_of_different_runs(
        case: str, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame], named: str,
        fragments: tuple[str, ...], mrun: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _edit_table(mrun / file, edit)
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, f"matrix-report:{case}")
    assert_clear_error(outcome, str(mrun / named), *fragments)
    assert_nothing_written(out)


def test_matrix_report_of_a_consistent_run_still_works(
        matrix_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, matrix_run, out, "matrix-report:consistent")
    assert outcome.code == 0, outcome.err
    assert (out / "cohort.html").is_file()
    assert (out / "figures" / "exposure_intervals.png").is_file()


# ------------------------------------------------------------------------------------------
# 4. A present but damaged optional refit table is an error, not a missing section.

@pytest.mark.parametrize("name", ["decomposition.tsv", "exposure_intervals.tsv"])
def test_report_refuses_a_damaged_optional_refit_table(name: str, run: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    damaged = run / "refit" / "SBS96" / name
    damaged.write_text("garbage\n")
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, f"report:garbage-{name}")
    assert_clear_error(outcome, str(damaged), "damaged", "no column", "Rerun refit")
    assert_nothing_written(out)


def test_report_refuses_text_among_the_interval_bounds(run: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    intervals = run / "refit" / "SBS96" / "exposure_intervals.tsv"
    _edit_table(intervals, lambda t: t.assign(lower=["low", *t["lower"].iloc[1:]]))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:interval-lower-text")
    assert_clear_error(outcome, str(intervals), "line 2 (row 's0'), column 'lower'", "'low'",
                       "rerun refit")
    assert_nothing_written(out)


def test_matrix_report_refuses_damaged_intervals(mrun: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    damaged = mrun / "ref" / "exposure_intervals.tsv"
    damaged.write_text("garbage\n")
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, "matrix-report:garbage-intervals")
    assert_clear_error(outcome, str(damaged), "damaged", "no column", "Rerun refit")
    assert_nothing_written(out)


def test_matrix_report_without_intervals_still_works(mrun: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    (mrun / "ref" / "exposure_intervals.tsv").unlink()
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, "matrix-report:no-intervals")
    assert outcome.code == 0, outcome.err
    assert not (out / "figures" / "exposure_intervals.png").exists()


# ------------------------------------------------------------------------------------------
# 5. A catalog of other samples beside SBS96.tsv is refused, naming both and the samples.

def test_report_refuses_a_catalog_of_other_samples(run: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    other = run / "catalog" / "ID83.tsv"
    pd.DataFrame({"s0": 1, "x9": 2}, index=pd.Index(ID83_CHANNELS, name="MutationType")
                 ).to_csv(other, sep="\t")
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:ID83-other-samples")
    assert_clear_error(outcome, str(other), str(run / "catalog" / "SBS96.tsv"),
                       "samples differ", "missing: s1, s2, s3, s4, s5", "x9", "different runs")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 6. Messages that name the file, row and column or key; a long signature name.

def test_report_names_text_in_the_reconstruction(run: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    reconstruction = run / "refit" / "SBS96" / "reconstruction.tsv"
    _edit_table(reconstruction, lambda t: t.assign(cosine=[*t["cosine"].iloc[:3], "abc",
                                                           *t["cosine"].iloc[4:]]))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:reconstruction-cosine-text")
    assert_clear_error(outcome, str(reconstruction), "line 5 (row 's3'), column 'cosine'",
                       "'abc' is not a number", "rerun refit")
    assert_nothing_written(out)


def test_report_names_a_bad_reason_not_the_rank(run: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    provenance = run / "extract" / "SBS96" / "provenance.json"
    recorded = json.loads(provenance.read_text())
    provenance.write_text(json.dumps({**recorded, "reason": 5}))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:reason-int")
    assert_clear_error(outcome, str(provenance), "'reason'", "reason=5", "rerun that step")
    assert "chosen_rank=" not in outcome.err
    assert_nothing_written(out)


def test_report_draws_a_signature_with_a_300_character_name(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A signature's name is free text: the figures' file names keep a short stem of it."""
    long_name = "X" * 300
    for path in [*(run / "extract" / "SBS96").rglob("*"), *(run / "refit").rglob("*")]:
        if path.suffix in (".tsv", ".json") and "SBS96A" in path.read_text():
            _edit_text(path, "SBS96A", long_name)
    # the edit stands for a run that named it so: drop the records of the tables' bytes
    for record in (run / "refit").rglob("refit.json"):
        record.unlink()
    for metrics in (run / "extract" / "SBS96").glob("k*/metrics.json"):
        metrics.write_text(json.dumps({key: value for key, value in json.loads(
            metrics.read_text()).items() if key != "table_digests"}))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:300-char-signature-name")
    assert outcome.code == 0, outcome.err
    figures = [p.name for p in (out / "figures").iterdir()]
    assert max(len(name) for name in figures) < 100, figures
    assert f"signature_1_{'X' * 40}.png" in figures
    assert long_name in (out / "cohort.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("cell", "why"), [
    ("SBS1", "'SBS1' is not NAME:weight"),
    ("SBS1:0.6;SBS5:abc", "'SBS5:abc' is not NAME:weight"),
    ("SBS1:0.5;SBS1:0.5", "each name once"),
    ("SBS1:1.7", "a share from 0 to 1")])
def test_report_refuses_a_garbled_decomposition_cell(cell: str, why: str, run: Path,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """A components cell that is not ``NAME:weight;...`` is named by line, row and column
    (it used to surface as a vague failure while drawing the signature's figure)."""
    table = run / "refit" / "SBS96" / "decomposition.tsv"
    _edit_table(table, lambda t: t.assign(components=[cell, *t["components"].iloc[1:]]))
    first = pd.read_csv(table, sep="\t", dtype=str).iloc[0, 0]
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, f"report:components-{cell}")
    assert_clear_error(outcome, str(table), f"line 2 (row '{first}'), column 'components'",
                       why, "rerun refit")
    assert_nothing_written(out)


def test_report_reads_an_empty_decomposition_cell_as_no_component(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A signature the decomposition could not split (no component: an empty cell) is shown
    without one, not refused."""
    table = run / "refit" / "SBS96" / "decomposition.tsv"
    _edit_table(table, lambda t: t.assign(components=["", *t["components"].iloc[1:]]))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:components-empty")
    assert outcome.code == 0, outcome.err
    assert (out / "cohort.html").is_file()

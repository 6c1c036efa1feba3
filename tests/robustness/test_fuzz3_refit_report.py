"""Hostile inputs of refit and the report commands, fuzzing round 3.

``refit``: a signature named twice in --restrict-to, a --decompose-into table of another
channel set, option values checked before any work, and a sample named like exposures.tsv's
label column (a catalog column, or a VCF patient). ``report`` and ``matrix-report``: a
--signatures table of another channel set, a catalog_log.tsv that does not describe the
catalogs (a sample missing, extra or repeated, text among the counts), text in
rank_metrics.tsv or stability.tsv, a --dropped file that is not prepare-matrix's table.
``split-joint``: a blocks row whose label contradicts its modality and feature.

Each bad case asserts exit 2, one message naming the file (and line, row, column or sample)
and the fix, and that nothing was written; each readable case asserts the command still works.
"""

from __future__ import annotations

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
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

FAST_NMF = ("--max-iter", "30", "--min-iter", "10", "--cv-folds", "0")
SAMPLES = [f"s{i}" for i in range(6)]
#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
SNVS = [("chr1", p, CHR1[p - 1], "A" if CHR1[p - 1] != "A" else "C", "PASS")
        for p in (5, 11, 20, 33)]


def _never(what: str) -> Callable[..., None]:
    """A stand-in for a step that must not run: fails the test if it is called."""

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{what} ran before the input was checked")

    return fail


def _edit_text(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` (which must occur) by ``new`` in a text file."""
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1))


def _id83_table(path: Path) -> Path:
    """A small ID83 signature table (three columns summing to 1)."""
    values = np.random.default_rng(5).dirichlet(np.ones(len(ID83_CHANNELS)), size=3).T
    write_matrix(pd.DataFrame(values, index=list(ID83_CHANNELS), columns=["X1", "X2", "X3"]),
                 path, label="Signature")
    return path


# ------------------------------------------------------------------------------------------
# refit

@pytest.fixture(scope="module")
def sbs96(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SBS96 catalog of six samples drawn from SBS1 and SBS13."""
    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(11)
    counts = rng.poisson(cosmic[["SBS1", "SBS13"]].to_numpy()
                         @ (rng.gamma(1.0, 300.0, size=(2, 6)) + 50))
    path = tmp_path_factory.mktemp("refit") / "SBS96.tsv"
    write_matrix(pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=SAMPLES), path,
                 integer=True)
    return path


def _refit(capsys: pytest.CaptureFixture[str], catalog: Path, out: Path, *options: str,
           case: str) -> Outcome:
    """``sigforge refit --catalog CATALOG --signatures COSMIC_v3.6 OPTIONS --out OUT``."""
    return run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                   *options, "--out", str(out), case=case)


def test_refit_refuses_a_signature_named_twice_in_restrict_to(
        sbs96: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = _refit(capsys, sbs96, out, "--restrict-to", "SBS1,SBS1,SBS5", "--bootstrap",
                     "3", case="refit:restrict-to-repeated")
    assert_clear_error(outcome, "--restrict-to 'SBS1,SBS1,SBS5'", "'SBS1'",
                       "more than once", "entries 1, 2", "Name each signature once")
    assert_nothing_written(out)


def test_refit_refuses_a_restrict_to_file_naming_a_signature_twice(
        sbs96: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = tmp_path / "keep.txt"
    names.write_text("SBS1\nSBS5\nSBS13\nSBS5\n")
    out = tmp_path / "out"
    outcome = _refit(capsys, sbs96, out, "--restrict-to", str(names), "--bootstrap", "0",
                     case="refit:restrict-to-file-repeated")
    assert_clear_error(outcome, f"file {names}", "'SBS5'", "entries 2, 4")
    assert_nothing_written(out)


def test_refit_refuses_a_decompose_into_table_of_another_channel_set(
        sbs96: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sigforge.refit.refit_catalog", _never("the refit"))
    table = _id83_table(tmp_path / "id83.tsv")
    out = tmp_path / "out"
    outcome = _refit(capsys, sbs96, out, "--restrict-to", "SBS1,SBS13", "--decompose-into",
                     str(table), case="refit:decompose-into-id83")
    assert_clear_error(outcome, f"--decompose-into {table}", "ID83", "SBS96", str(sbs96),
                       "SBS96 channels")
    assert len(outcome.err) < 1000, outcome.err  # the message, not the index of a KeyError
    assert_nothing_written(out)


BAD_OPTIONS = [
    ("bootstrap-negative", ("--bootstrap", "-1"), "--bootstrap from 0 to 10,000"),
    ("bootstrap-huge", ("--bootstrap", "1000000"), "--bootstrap from 0 to 10,000"),
    ("seed-negative", ("--seed", "-5"), "--seed >= 0"),
    ("confidence-one", ("--confidence", "1"), "0 < --confidence < 1"),
    ("confidence-nan", ("--confidence", "nan"), "0 < --confidence < 1"),
    ("penalty-negative", ("--penalty", "-3"), "--penalty >= 0"),
    ("likelihood-threshold-inf", ("--likelihood-threshold", "inf"),
     "--likelihood-threshold >= 0"),
]


@pytest.mark.parametrize(("case", "options", "fragment"), BAD_OPTIONS,
                         ids=[case[0] for case in BAD_OPTIONS])
def test_refit_checks_option_values_before_reading_the_catalog(
        case: str, options: tuple[str, str], fragment: str, sbs96: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sigforge.cli.refit.read_table_matrix", _never("reading the catalog"))
    out = tmp_path / "out"
    outcome = _refit(capsys, sbs96, out, *options, case=f"refit:{case}")
    assert_clear_error(outcome, f"{options[0]}:", fragment)
    assert_nothing_written(out)


def test_refit_option_error_is_the_only_message(
        sbs96: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without -q too: no INFO line (the cohort prior, the artefacts left out) before it."""
    from sigforge.cli import main

    capsys.readouterr()
    code = main(["refit", "--catalog", str(sbs96), "--signatures", "COSMIC_v3.6",
                 "--bootstrap", "-1", "--out", str(tmp_path / "out")])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and "--bootstrap" in lines[0], lines
    assert_nothing_written(tmp_path / "out")


def test_refit_refuses_a_catalog_sample_named_signature(
        sbs96: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sigforge.refit.refit_catalog", _never("the refit"))
    catalog = tmp_path / "named.tsv"
    catalog.write_text(sbs96.read_text().replace("\ts0\t", "\tSignature\t", 1))
    out = tmp_path / "out"
    outcome = _refit(capsys, catalog, out, "--bootstrap", "0", case="refit:sample-Signature")
    assert_clear_error(outcome, str(catalog), "'Signature'", "exposures.tsv",
                       "Rename the sample")
    assert f"{out}/exposures.tsv" not in outcome.err
    assert_nothing_written(out)


@pytest.mark.parametrize(("column", "options", "source"), [
    ("Signature", (), "the sample column of VCF"),
    ("TUMOUR", ("--sample-name", "Signature"), "from --sample-name"),
    ("MutationType", (), "the sample column of VCF"),
], ids=["vcf-column", "sample-name", "vcf-column-MutationType"])
def test_refit_vcf_refuses_a_patient_named_like_a_label_column(
        column: str, options: tuple[str, ...], source: str, tmp_path: Path,
        make_fasta: Callable[..., Path], make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    fasta = make_fasta({"chr1": CHR1})
    vcf = make_vcf(SNVS, samples=(column,), contigs={"chr1": len(CHR1)})
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0", *options,
                      "--out", str(out), case=f"refit-vcf:patient-{column}-{len(options)}")
    name = "Signature" if options else column
    assert_clear_error(outcome, f"sample name '{name}'", source, "--sample-name")
    assert "out/exposures.tsv" not in outcome.err and "out/SBS96.tsv" not in outcome.err
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# report: one small run, made once

@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory, sbs96: Path) -> Path:
    """catalog/ (SBS96.tsv of 6 samples, catalog_log.tsv), extract/SBS96/ and refit/SBS96/
    (with bootstrap intervals and the decomposition) of one small run."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("cohort")
    (folder / "catalog").mkdir()
    catalog = folder / "catalog" / "SBS96.tsv"
    shutil.copyfile(sbs96, catalog)
    burdens = pd.read_csv(catalog, sep="\t", index_col=0).sum(axis=0).astype(int)
    pd.DataFrame({"sample": SAMPLES, "source": [f"/data/{s}.vcf" for s in SAMPLES],
                  "variants_read": burdens.to_numpy(), "counted_SBS96": burdens.to_numpy()}
                 ).to_csv(
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


def _report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str,
            *extra: str) -> Outcome:
    """``sigforge report`` on the catalog/, extract/ and refit/ folders of ``run``."""
    return run_cli(capsys, "report", "--catalog-dir", str(run / "catalog"), "--extract-dir",
                   str(run / "extract"), "--refit-dir", str(run / "refit"), "--threads", "1",
                   *extra, "--out", str(out), case=case)


def test_report_refuses_reference_signatures_of_another_channel_set(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _id83_table(tmp_path / "id83.tsv")
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:signatures-id83", "--signatures", str(table))
    assert_clear_error(outcome, f"--signatures {table}", "ID83", "SBS96 channels")
    assert len(outcome.err) < 1000, outcome.err
    assert_nothing_written(out)


LOG_HEADER = "sample\tsource\tvariants_read\n"


def _log_row(sample: str, read: str = "100") -> str:
    """One line of a catalog_log.tsv (without counted columns: what is tested here is its
    rows and cells, not its counts against the catalog)."""
    return f"{sample}\t/data/{sample}.vcf\t{read}\n"


BAD_LOGS = [
    ("sample-missing", [s for s in SAMPLES if s != "s3"],
     ("no row for sample(s) s3", "SBS96.tsv")),
    ("sample-extra", [*SAMPLES, "zz"], ("line 8", "sample 'zz' is not a sample of")),
    ("sample-repeated", [*SAMPLES, "s3"], ("line 8", "'s3' is listed again", "line 5")),
]


@pytest.mark.parametrize(("case", "samples", "fragments"), BAD_LOGS,
                         ids=[case[0] for case in BAD_LOGS])
def test_report_refuses_a_catalog_log_of_other_samples(
        case: str, samples: list[str], fragments: tuple[str, ...], run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    log = run / "catalog" / "catalog_log.tsv"
    log.write_text(LOG_HEADER + "".join(_log_row(s) for s in samples))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, f"report:catalog-log-{case}")
    assert_clear_error(outcome, str(log), *fragments, "rerun it with --out")
    assert_nothing_written(out)


@pytest.mark.parametrize("value", ["many", "", "-3", "2.5"])
def test_report_refuses_a_catalog_log_count_that_is_not_a_count(
        value: str, run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run / "catalog" / "catalog_log.tsv"
    log.write_text(LOG_HEADER + "".join(_log_row(s, value if s == "s3" else "100")
                                        for s in SAMPLES))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, f"report:catalog-log-count-{value or 'empty'}")
    assert_clear_error(outcome, str(log), "line 5 (sample 's3')", "column 'variants_read'",
                       "not a count", "sigforge catalog")
    assert_nothing_written(out)


def test_report_refuses_text_among_the_rank_metrics(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metrics = run / "extract" / "SBS96" / "rank_metrics.tsv"
    table = pd.read_csv(metrics, sep="\t", dtype=str, keep_default_na=False)
    table.loc[0, "mean_stability"] = "high"
    table.to_csv(metrics, sep="\t", index=False)
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:rank-metrics-text")
    assert_clear_error(outcome, str(metrics), "line 2 (row '2')", "column 'mean_stability'",
                       "'high' is not a number", "rerun the step that wrote it")
    assert_nothing_written(out)


def test_report_refuses_a_rank_metrics_flag_that_is_not_true_or_false(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metrics = run / "extract" / "SBS96" / "rank_metrics.tsv"
    table = pd.read_csv(metrics, sep="\t", dtype=str, keep_default_na=False)
    table.loc[0, "selected"] = "yes"
    table.to_csv(metrics, sep="\t", index=False)
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:rank-metrics-flag")
    assert_clear_error(outcome, str(metrics), "line 2", "column 'selected'",
                       "neither True nor False")
    assert_nothing_written(out)


def test_report_refuses_text_in_the_stability_table(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stability = run / "extract" / "SBS96" / "stability.tsv"
    lines = stability.read_text().splitlines(keepends=True)
    name, _, spread = lines[1].split("\t")
    stability.write_text(lines[0] + f"{name}\tabc\t{spread}" + "".join(lines[2:]))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, "report:stability-text")
    assert_clear_error(outcome, str(stability), f"line 2 (row '{name}')", "column 'stability'",
                       "'abc' is not a number")
    assert_nothing_written(out)


def test_report_reads_a_catalog_log_in_another_order(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run / "catalog" / "catalog_log.tsv"
    log.write_text(LOG_HEADER + "".join(_log_row(s) for s in reversed(SAMPLES)))
    outcome = _report(capsys, run, tmp_path / "report", "report:catalog-log-reordered")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "report" / "cohort.html").is_file()


# ------------------------------------------------------------------------------------------
# matrix-report: one small matrix run, made once

@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pm/ (m.tsv, m_dropped.tsv), ext/ and ref/ of one small matrix run."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("matrix")
    planted = planted_counts(12, 8, 2, burden=300, rng=3)
    values = pd.DataFrame(planted.counts, index=pd.Index([f"f{i}" for i in range(12)],
                                                          name="Feature"),
                          columns=[f"c{j}" for j in range(8)])
    values.loc["f11"] = 0  # one all-zero feature: m_dropped.tsv lists it
    write_matrix(values, folder / "in.tsv", label="Feature")
    assert main(["-q", "prepare-matrix", "--input", str(folder / "in.tsv"), "--name", "m",
                 "--out", str(folder / "pm")]) == 0
    assert main(["-q", "extract", "--catalog", str(folder / "pm" / "m.tsv"), "--generic",
                 "--ranks", "2", "--replicates", "2", *FAST_NMF,
                 "--out", str(folder / "ext")]) == 0
    assert main(["-q", "refit", "--catalog", str(folder / "pm" / "m.tsv"), "--generic",
                 "--signatures", str(folder / "ext" / "signatures.tsv"), "--method", "nnls",
                 "--bootstrap", "0", "--out", str(folder / "ref")]) == 0
    return folder


@pytest.fixture
def mrun(matrix_run: Path, tmp_path: Path) -> Path:
    """A copy of the matrix run that a test may damage."""
    return Path(shutil.copytree(matrix_run, tmp_path / "mrun"))


def _matrix_report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str
                   ) -> Outcome:
    """``sigforge matrix-report`` on the pm/, ext/ and ref/ folders of ``run``."""
    return run_cli(capsys, "matrix-report", "--name", "m", "--matrix", str(run / "pm" / "m.tsv"),
                   "--dropped", str(run / "pm" / "m_dropped.tsv"), "--extract-dir",
                   str(run / "ext"), "--refit-dir", str(run / "ref"), "--out", str(out),
                   case=case)


BAD_DROPPED = [
    ("garbage", None, "garbage\n", ("not a table of dropped features and samples",)),
    ("axis", "feature\tf11", "row\tf11", ("line 2, column 'axis'", "'row'")),
    ("position", "f11\t11\t", "f11\tx\t", ("line 2, column 'position'", "'x'")),
]


@pytest.mark.parametrize(("case", "old", "new", "fragments"), BAD_DROPPED,
                         ids=[case[0] for case in BAD_DROPPED])
def test_matrix_report_refuses_a_damaged_dropped_table(
        case: str, old: str | None, new: str, fragments: tuple[str, ...], mrun: Path,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dropped = mrun / "pm" / "m_dropped.tsv"
    if old is None:
        dropped.write_text(new)
    else:
        _edit_text(dropped, old, new)
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, f"matrix-report:dropped-{case}")
    assert_clear_error(outcome, str(dropped), *fragments, "leave --dropped out")
    assert_nothing_written(out)


def test_matrix_report_refuses_text_in_the_stability_table(
        mrun: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stability = mrun / "ext" / "stability.tsv"
    lines = stability.read_text().splitlines(keepends=True)
    name, _, spread = lines[1].split("\t")
    stability.write_text(lines[0] + f"{name}\tabc\t{spread}" + "".join(lines[2:]))
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, "matrix-report:stability-text")
    assert_clear_error(outcome, str(stability), "line 2", "column 'stability'", "'abc'")
    assert_nothing_written(out)


def test_matrix_report_of_the_run_works(mrun: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    outcome = _matrix_report(capsys, mrun, tmp_path / "report", "matrix-report:good")
    assert outcome.code == 0, outcome.err
    assert files_under(tmp_path / "report")


# ------------------------------------------------------------------------------------------
# split-joint: a blocks row contradicting itself

BLOCKS_HEADER = "Feature\tmodality\tfeature\tweight\n"


def _split_joint(capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: list[str],
                 features: list[str], case: str) -> tuple[Outcome, Path]:
    """split-joint of a joint signatures.tsv over ``features`` with a blocks table of
    ``rows``; the outcome and the blocks file."""
    signatures = tmp_path / "signatures.tsv"
    signatures.write_text("Feature\tC1\tC2\n" + "".join(
        f"{feature}\t{0.1 * (i + 1)}\t{0.4 - 0.1 * i}\n" for i, feature in enumerate(features)))
    blocks = tmp_path / "j_blocks.tsv"
    blocks.write_text(BLOCKS_HEADER + "".join(f"{row}\n" for row in rows))
    return run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                   str(blocks), "--out", str(tmp_path / "out"), case=case), blocks


def test_split_joint_refuses_a_row_listed_under_another_modality(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["a:f0\tb\tf0\t1", "a:f1\ta\tf1\t1", "b:f0\ta\tf0\t2", "b:f1\tb\tf1\t2"]
    before = files_under(tmp_path)
    outcome, blocks = _split_joint(capsys, tmp_path, rows, ["a:f0", "a:f1", "b:f0", "b:f1"],
                                   "split-joint:modality-contradicts-label")
    assert_clear_error(outcome, f"{blocks}, line 2", "row 'a:f0'", "modality 'b'",
                       "'b:f0'", "contradicts itself", "NAME_blocks.tsv")
    assert_nothing_written(tmp_path, before + ["j_blocks.tsv", "signatures.tsv"])


def test_split_joint_refuses_a_row_listed_under_another_feature(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["a:f0\ta\tf0\t1", "a:f1\ta\tf0\t1", "b:f0\tb\tf0\t2", "b:f1\tb\tf1\t2"]
    outcome, blocks = _split_joint(capsys, tmp_path, rows, ["a:f0", "a:f1", "b:f0", "b:f1"],
                                   "split-joint:feature-contradicts-label")
    assert_clear_error(outcome, f"{blocks}, line 3", "row 'a:f1'", "feature 'f0'")
    assert_nothing_written(tmp_path / "out")


def test_split_joint_compares_feature_labels_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Features '01' and '02' are not the numbers 1 and 2: the blocks table is consistent."""
    rows = ["a:01\ta\t01\t1", "a:02\ta\t02\t1", "b:01\tb\t01\t2", "b:02\tb\t02\t2"]
    outcome, _ = _split_joint(capsys, tmp_path, rows, ["a:01", "a:02", "b:01", "b:02"],
                              "split-joint:numeric-looking-features")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "out" / "a_signatures.tsv").is_file()


@pytest.mark.parametrize(("features", "absent", "modality"), [
    (["a:f0", "a:f1"], "['b:f0', 'b:f1']", "'b'"),
    (["a:f0", "a:f1", "b:f0"], "['b:f1']", "'b'")])
def test_split_joint_refuses_signatures_missing_a_modality_or_feature(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], features: list[str], absent: str,
        modality: str) -> None:
    """Signatures without modality b's rows were split into a's loadings alone (b's share
    gone, exit 0); without one of b's features, b was renormalised without it."""
    rows = ["a:f0\ta\tf0\t1", "a:f1\ta\tf1\t1", "b:f0\tb\tf0\t2", "b:f1\tb\tf1\t2"]
    outcome, blocks = _split_joint(capsys, tmp_path, rows, features,
                                   "split-joint:signatures-missing-features")
    assert_clear_error(outcome, "signatures.tsv", str(blocks), absent, f"modality {modality}",
                       "whole")
    assert_nothing_written(tmp_path / "out")


def test_split_joint_warns_of_a_component_without_loading_in_a_modality(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A component with zero loading in modality b got an all-zero column in
    b_signatures.tsv, exit 0 without a word, though a refit refuses such a column."""
    (tmp_path / "signatures.tsv").write_text(
        "Feature\tC1\tC2\na:f0\t0.3\t0.1\na:f1\t0.7\t0.2\nb:f0\t0\t0.3\nb:f1\t0\t0.4\n")
    blocks = tmp_path / "j_blocks.tsv"
    blocks.write_text(BLOCKS_HEADER + "a:f0\ta\tf0\t1\na:f1\ta\tf1\t1\nb:f0\tb\tf0\t2\n"
                      "b:f1\tb\tf1\t2\n")
    with caplog.at_level("WARNING"):
        outcome = run_cli(capsys, "split-joint", "--signatures",
                          str(tmp_path / "signatures.tsv"), "--blocks", str(blocks),
                          "--out", str(tmp_path / "out"))
    assert outcome.code == 0
    assert ("component(s) C1 have no loading in modality 'b': their columns of "
            "b_signatures.tsv are all zero") in caplog.text
    assert "modality 'a'" not in caplog.text


@pytest.mark.parametrize("change", ["doubled", "moved"])
def test_matrix_report_refuses_a_refit_of_another_matrix(
        change: str, mrun: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A refit of sample c0 doubled, or of its values moved between features (same total),
    was drawn beside this matrix: matrix-report ran none of report's checks of the counts."""
    from sigforge.cli import main

    matrix = pd.read_csv(mrun / "pm" / "m.tsv", sep="\t", index_col=0)
    other = matrix.copy()
    other["c0"] = matrix["c0"] * 2 if change == "doubled" else matrix["c0"].to_numpy()[::-1]
    write_matrix(other, tmp_path / "other.tsv", label=matrix.index.name or "Feature")
    shutil.rmtree(mrun / "ref")
    assert main(["-q", "refit", "--catalog", str(tmp_path / "other.tsv"), "--generic",
                 "--signatures", str(mrun / "ext" / "signatures.tsv"), "--method", "nnls",
                 "--bootstrap", "0", "--out", str(mrun / "ref")]) == 0
    out = tmp_path / "report"
    outcome = _matrix_report(capsys, mrun, out, f"matrix-report:refit-{change}")
    assert_clear_error(outcome, "sample 'c0' has a burden" if change == "doubled"
                       else "was refitted from other counts")
    assert_nothing_written(out)

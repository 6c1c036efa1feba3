"""More hostile inputs: per-patient refit names, hand-run stage commands with mismatched
inputs, report folders whose files disagree, and odd bytes in generic tables.

Each bad case asserts exit 2, one message naming the file (and row, rank or sample) and the
fix, and that nothing was written; each readable case asserts the correct result.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.io import read_matrix
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
    sbs1_sbs13_catalog,
)

CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
SNV_POSITIONS = (5, 11, 20, 33, 47, 60)
REFIT = ("--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap", "3")
FAST_NMF = ("--max-iter", "30", "--min-iter", "10")


def _alt(base: str) -> str:
    """A base other than ``base``."""
    return "A" if base != "A" else "C"


def _write_catalog(path: Path, samples: int = 6) -> Path:
    """Write the test catalog as TSV."""
    sbs1_sbs13_catalog(samples, seed=11).to_csv(path, sep="\t")
    return path


@pytest.fixture
def patient(tmp_path: Path, make_fasta: Callable[..., Path],
            make_vcf: Callable[..., Path]) -> tuple[Path, Path]:
    """(FASTA, single-sample VCF of six PASS SNVs)."""
    fasta = make_fasta({"chr1": CHR1})
    records = [("chr1", p, CHR1[p - 1], _alt(CHR1[p - 1]), "PASS") for p in SNV_POSITIONS]
    return fasta, make_vcf(records, contigs={"chr1": len(CHR1)})


# ------------------------------------------------------------------------------------------
# sigforge refit --vcf: the patient's name becomes file names.

def test_refit_vcf_overlong_sample_name_fails_before_writing(
        tmp_path: Path, patient: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    fasta, vcf = patient
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--sample-name", "P" * 300, *REFIT, "--out", str(out),
                      case="refit-vcf:300-char-sample-name")
    assert_clear_error(outcome, str(vcf), "300 characters", "at most 200")
    assert_nothing_written(out)


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "../x", "Tumör 1"])
def test_refit_vcf_hostile_sample_name_is_kept_verbatim_inside_out(
        name: str, tmp_path: Path, patient: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    fasta, vcf = patient
    out = tmp_path / "run" / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--sample-name", name, *REFIT, "--out", str(out),
                      case=f"refit-vcf:sample-name-{name[:10]!r}")
    assert outcome.code == 0, outcome.err
    assert list(read_matrix(out / "exposures.tsv").data.columns) == [name]
    assert files_under(tmp_path / "run") == [f"out/{f}" for f in files_under(out)]
    pages = list((out / "patients").glob("*.html"))
    assert len(pages) == 1
    assert "<script>alert" not in pages[0].read_text(encoding="utf-8")


def test_refit_vcf_with_every_variant_filtered(tmp_path: Path, make_fasta: Callable[..., Path],
                                               make_vcf: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fasta = make_fasta({"chr1": CHR1})
    vcf = make_vcf([("chr1", p, CHR1[p - 1], _alt(CHR1[p - 1]), "LowQual")
                    for p in SNV_POSITIONS])
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta), *REFIT,
                      "--out", str(out), case="refit-vcf:all-filtered")
    assert_clear_error(outcome, str(vcf), "'TUMOUR'", "filtered=6 (LowQual 6)")
    assert_nothing_written(out)


@pytest.mark.parametrize("value", ["", ",, ,"])
def test_refit_restrict_to_naming_nothing(value: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "SBS96.tsv")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                      "--restrict-to", value, "--out", str(out),
                      case=f"refit:restrict-to-{value!r}")
    assert_clear_error(outcome, "--restrict-to", "names no signature", "leave the option out")
    assert_nothing_written(out)


def test_refit_restrict_to_file_not_utf8(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "SBS96.tsv")
    names = tmp_path / "names.txt"
    names.write_bytes("SBS1\nSBS5\xe9\n".encode("utf-16"))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                      "--restrict-to", str(names), "--out", str(out),
                      case="refit:restrict-to-utf16-file")
    assert_clear_error(outcome, str(names), "not UTF-8", "plain text")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# Stage commands run by hand with inputs of another run.

@pytest.fixture(scope="module")
def stage_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Catalogs of 6 and 4 samples, rank-2 chunks of each, a rank dir and CV files."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("stages")
    _write_catalog(folder / "SBS96.tsv")
    _write_catalog(folder / "SBS96_4.tsv", samples=4)
    for stem in ("SBS96", "SBS96_4"):
        assert main(["-q", "replicates", "--catalog", str(folder / f"{stem}.tsv"), "--k", "2",
                     "--first", "0", "--count", "3", *FAST_NMF, "--catalog-name", "SBS96",
                     "--out", str(folder / f"{stem}_k2.npz")]) == 0
    assert main(["-q", "consensus", "--catalog", str(folder / "SBS96.tsv"), "--k", "2",
                 "--chunks", str(folder / "SBS96_k2.npz"), "--out", str(folder / "k2")]) == 0
    for k in (2, 3):
        assert main(["-q", "cross-validate", "--catalog", str(folder / "SBS96.tsv"), "--k",
                     str(k), "--cv-folds", "2", *FAST_NMF, "--out",
                     str(folder / f"cv{k}.npz")]) == 0
    return folder


@pytest.mark.parametrize("chunks", [["SBS96_4_k2.npz"], ["SBS96_k2.npz", "SBS96_4_k2.npz"]],
                         ids=["other-catalog", "mixed"])
def test_consensus_refuses_chunks_of_another_catalog(
        chunks: list[str], stage_inputs: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "k2"
    outcome = run_cli(capsys, "consensus", "--catalog", str(stage_inputs / "SBS96.tsv"), "--k",
                      "2", "--chunks", *(str(stage_inputs / c) for c in chunks), "--out",
                      str(out), case=f"consensus:chunks-{'+'.join(chunks)}")
    assert_clear_error(outcome, str(stage_inputs / "SBS96_4_k2.npz"), "96 features x 4 samples",
                       "96 x 6", "rerun 'replicates'")
    assert_nothing_written(out)


def test_select_rank_refuses_one_rank_twice(stage_inputs: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sel"
    rank_dir = str(stage_inputs / "k2")
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", rank_dir, rank_dir, "--out",
                      str(out), case="select-rank:same-rank-dir-twice")
    assert_clear_error(outcome, rank_dir, "both hold rank k=2", "one directory per rank")
    assert_nothing_written(out)


@pytest.mark.parametrize(("cv", "fragment"), [
    (["cv3.npz"], "rank 3 is not among the --rank-dirs ranks [2]"),
    (["cv2.npz", "cv2.npz"], "rank 2 is also in"),
], ids=["other-rank", "twice"])
def test_select_rank_refuses_cv_files_of_other_ranks(
        cv: list[str], fragment: str, stage_inputs: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(stage_inputs / "k2"), "--cv",
                      *(str(stage_inputs / c) for c in cv), "--out", str(out),
                      case=f"select-rank:cv-{'+'.join(cv)}")
    assert_clear_error(outcome, str(stage_inputs / cv[-1]), fragment,
                       "one 'cross-validate' file per rank")
    assert_nothing_written(out)


def test_select_rank_with_matching_cv_still_works(stage_inputs: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(stage_inputs / "k2"), "--cv",
                      str(stage_inputs / "cv2.npz"), "--out", str(out),
                      case="select-rank:matching-cv")
    assert outcome.code == 0, outcome.err
    metrics = pd.read_csv(out / "rank_metrics.tsv", sep="\t", index_col=0)
    assert list(metrics.index) == [2]
    assert metrics.loc[2, "cv_folds"] == 2 and np.isfinite(metrics.loc[2, "cv_error"])


# ------------------------------------------------------------------------------------------
# sigforge report on folders whose files disagree.

@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog/ (SBS96.tsv, catalog_log.tsv), extract/SBS96/ and refit/SBS96/ of one small
    run (the report reads the extract and refit roots per catalog)."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("cohort")
    (folder / "catalog").mkdir()
    catalog = _write_catalog(folder / "catalog" / "SBS96.tsv")
    samples = [f"s{i}" for i in range(6)]
    burdens = pd.read_csv(catalog, sep="\t", index_col=0).sum(axis=0).astype(int).to_numpy()
    pd.DataFrame({"sample": samples, "source": [f"/data/{s}.vcf" for s in samples],
                  "variants_read": burdens, "counted_SBS96": burdens}).to_csv(
        folder / "catalog" / "catalog_log.tsv", sep="\t", index=False)
    assert main(["-q", "extract", "--catalog", str(catalog), "--ranks", "2", "--replicates",
                 "3", *FAST_NMF, "--cv-folds", "0", "--out",
                 str(folder / "extract" / "SBS96")]) == 0
    assert main(["-q", "refit", "--catalog", str(catalog), "--signatures",
                 str(folder / "extract" / "SBS96" / "signatures.tsv"), "--bootstrap", "0",
                 "--out", str(folder / "refit" / "SBS96")]) == 0
    return folder


def _edit_table(path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Rewrite a TSV through ``edit``."""
    edit(pd.read_csv(path, sep="\t")).to_csv(path, sep="\t", index=False)


def _report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str):
    """Run ``sigforge report`` on the catalog/, extract/ and refit/ folders of ``run``."""
    return run_cli(capsys, "report", "--catalog-dir", str(run / "catalog"), "--extract-dir",
                   str(run / "extract"), "--refit-dir", str(run / "refit"), "--threads", "1",
                   "--out", str(out), case=case)


REPORT_MISMATCHES = [
    ("exposures-other-samples", "refit/SBS96/exposures.tsv",
     lambda t: t.rename(columns={"s0": "zz"}), ("samples differ", "SBS96.tsv", "missing: s0",
                                               "zz", "different runs")),
    ("exposures-other-signatures", "refit/SBS96/exposures.tsv",
     lambda t: t.assign(Signature=["X", "Y"]), ("signatures differ", "signatures.tsv",
                                                "X, Y", "different runs")),
    ("reconstruction-missing-samples", "refit/SBS96/reconstruction.tsv", lambda t: t.iloc[:3],
     ("samples differ", "missing: s3, s4, s5")),
    ("stability-missing-a-signature", "extract/SBS96/stability.tsv", lambda t: t.iloc[:1],
     ("signatures differ", "SBS96B")),
    ("rank-metrics-without-chosen-rank", "extract/SBS96/rank_metrics.tsv",
     lambda t: t.assign(k=[1]), ("no row for the chosen rank k=2", "different runs")),
    ("rank-metrics-without-selected", "extract/SBS96/rank_metrics.tsv",
     lambda t: t.drop(columns=["selected"]), ("no column selected",)),
]


@pytest.mark.parametrize(("case", "file", "edit", "fragments"), REPORT_MISMATCHES,
                         ids=[m[0] for m in REPORT_MISMATCHES])
def test_report_refuses_files_of_different_runs(
        case: str, file: str, edit: Callable[[pd.DataFrame], pd.DataFrame],
        fragments: tuple[str, ...], cohort: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(cohort, run)
    _edit_table(run / file, edit)
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, case=f"report:{case}")
    assert_clear_error(outcome, str(run / file), *fragments)
    assert_nothing_written(out)


@pytest.mark.parametrize(("case", "text"), [
    ("provenance-without-chosen-rank", '{"reason": "x"}'),
    ("provenance-chosen-rank-text", '{"chosen_rank": "two", "reason": "x"}'),
])
def test_report_refuses_provenance_without_a_rank(case: str, text: str, cohort: Path,
                                                  tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(cohort, run)
    (run / "extract" / "SBS96" / "provenance.json").write_text(text)
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, case=f"report:{case}")
    assert_clear_error(outcome, str(run / "extract" / "SBS96" / "provenance.json"), "chosen_rank",
                       "rerun that step")
    assert_nothing_written(out)


def test_report_of_a_consistent_run_still_works(cohort: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    outcome = _report(capsys, cohort, out, case="report:consistent")
    assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in (out / "patients").glob("*.html")) == [
        f"s{i}.html" for i in range(6)]


def test_report_shows_the_reference_refit_and_the_rank_caution(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """refit/SBS96/reference/ adds 'Refit to COSMIC'; provenance's rank_caution warns on
    every page; a reference refit of other samples is refused before anything is written."""
    from sigforge.cli import main

    run = tmp_path / "run"
    shutil.copytree(cohort, run)
    assert main(["-q", "refit", "--catalog", str(run / "catalog" / "SBS96.tsv"),
                 "--signatures", "COSMIC_v3.6", "--bootstrap", "5", "--out",
                 str(run / "refit" / "SBS96" / "reference")]) == 0
    provenance_path = run / "extract" / "SBS96" / "provenance.json"
    provenance = json.loads(provenance_path.read_text())
    provenance_path.write_text(json.dumps({**provenance, "rank_caution": True}))
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, case="report:reference-refit")
    assert outcome.code == 0, outcome.err
    page = (out / "cohort.html").read_text()
    assert 'id="reference-refit-table"' in page and 'id="rank-caution"' in page
    assert 'id="rank-caution"' in (out / "patients" / "s0.html").read_text()
    reference = run / "refit" / "SBS96" / "reference" / "exposures.tsv"
    _edit_table(reference, lambda t: t.rename(columns={"s0": "zz"}))
    outcome = _report(capsys, run, tmp_path / "refused", case="report:reference-other-samples")
    assert_clear_error(outcome, str(reference), "samples differ")
    assert_nothing_written(tmp_path / "refused")


# ------------------------------------------------------------------------------------------
# Generic tables: odd bytes, null labels, weights and image shapes.

def _matrix_lines() -> list[str]:
    """A 16 x 5 generic matrix as TSV lines."""
    rng = np.random.default_rng(3)
    values = rng.poisson(5, size=(16, 5))
    return ["Feature\t" + "\t".join(f"c{j}" for j in range(5))] + [
        f"f{i}\t" + "\t".join(str(v) for v in row) for i, row in enumerate(values)]


@pytest.mark.parametrize(("case", "line", "old", "new", "fragments"), [
    ("nul-in-label", 4, "f2", "f2\x00", ("line 4", "'f2\\x00'", "control character")),
    ("nul-in-header", 1, "c1", "c\x001", ("line 1 (header)", "'c\\x001'", "control character")),
    ("empty-label", 6, "f4", "", ("line 6", "empty row label", "Fill it in")),
])
def test_prepare_matrix_refuses_odd_labels(case: str, line: int, old: str, new: str,
                                           fragments: tuple[str, ...], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = _matrix_lines()
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    table = tmp_path / "m.tsv"
    table.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(table), "--name", "m", "--out",
                      str(out), case=f"prepare-matrix:{case}")
    assert_clear_error(outcome, str(table), *fragments)
    assert_nothing_written(out)


def test_prepare_matrix_refuses_a_null_parquet_label(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    lines = _matrix_lines()
    frame = pd.DataFrame([line.split("\t") for line in lines[1:]],
                         columns=lines[0].split("\t"))
    frame[[f"c{j}" for j in range(5)]] = frame[[f"c{j}" for j in range(5)]].astype(float)
    frame.loc[3, "Feature"] = None
    table = tmp_path / "m.parquet"
    frame.to_parquet(table)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(table), "--name", "m", "--out",
                      str(out), case="prepare-matrix:parquet-null-label")
    assert_clear_error(outcome, str(table), "row 4", "empty row label")
    assert_nothing_written(out)


@pytest.mark.parametrize("weight", ["inf", "nan", "0"])
def test_prepare_joint_refuses_weights_that_are_not_finite_positive(
        weight: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "m.tsv"
    table.write_text("\n".join(_matrix_lines()) + "\n")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-joint", "--inputs", str(table), str(table),
                      "--modalities", "a", "b", "--weights", "1", weight, "--name", "j",
                      "--out", str(out), case=f"prepare-joint:weight-{weight}")
    assert_clear_error(outcome, "modality 'b'", "finite number > 0", "positive weight")
    assert_nothing_written(out)


def test_prepare_matrix_refuses_an_image_without_pixels(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "m.tsv"
    table.write_text("\n".join(_matrix_lines()) + "\n")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(table), "--name", "m",
                      "--pixels", "0,16", "--out", str(out), case="prepare-matrix:pixels-0x16")
    assert_clear_error(outcome, "--pixels 0,16", "at least 1")
    assert_nothing_written(out)


@pytest.mark.parametrize("file", ["extract/SBS96/rank_metrics.tsv",
                                  "refit/SBS96/reconstruction.tsv",
                                  "extract/SBS96/stability.tsv"])
def test_report_names_an_output_cut_short(file: str, cohort: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(cohort, run)
    path = run / file
    text = path.read_bytes()
    path.write_bytes(text[:len(text) * 2 // 3])  # a copy broken off mid-line
    assert not path.read_bytes().endswith(b"\n")
    out = tmp_path / "report"
    outcome = _report(capsys, run, out, case=f"report:cut-short:{path.name}")
    assert_clear_error(outcome, str(path), "damaged or cut short", "last line is incomplete",
                       "rerun")
    assert_nothing_written(out)


def test_report_ignores_rank_folders_of_an_earlier_run(cohort: Path, tmp_path: Path) -> None:
    from sigforge.cli.report_contexts import read_context

    run = tmp_path / "run"
    shutil.copytree(cohort, run)
    extract = run / "extract" / "SBS96"
    shutil.copytree(extract / "k2", extract / "k5")  # left by a run with --ranks 5
    section = read_context("SBS96", run / "catalog", run / "extract", run / "refit", tmp_path,
                           None)
    assert [solution.k for solution in section.solutions] == [2]

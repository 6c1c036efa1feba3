"""Where commands write: --out checked before any work, names that cannot escape --out,
OS errors and internal errors as one-paragraph messages, figure files that never collide."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge import cli
from sigforge.cli import discovery as discovery_commands
from sigforge.cli import matrix as matrix_commands
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.samplesheet import file_stems
from sigforge.io import write_matrix
from sigforge.report import CohortData, write_reports
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A small SBS96 catalog of six samples."""
    counts = np.random.default_rng(7).integers(0, 30, size=(96, 6))
    frame = pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=[f"s{i}" for i in range(6)])
    path = tmp_path / "in" / "SBS96.tsv"
    write_matrix(frame, path, integer=True)
    return path


@pytest.fixture
def matrix(tmp_path: Path) -> Path:
    """A small generic matrix (word counts)."""
    path = tmp_path / "in" / "words.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("word\ta\tb\tc\nalpha\t1\t2\t0\nbeta\t3\t0\t1\ngamma\t0\t5\t2\n")
    return path


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder on a read-only tmpfs (root only: CI runs as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _forbid_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any factorisation fail the test: the checks must come before the work."""
    def work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the command started working before checking --out")

    monkeypatch.setattr(discovery_commands, "run_discovery", work)
    monkeypatch.setattr(discovery_commands, "solve_replicates", work)


def test_extract_out_is_a_file_fails_before_any_work(
        tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    out = tmp_path / "taken.txt"
    out.write_text("mine")
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-3",
                      "--replicates", "1000", "--out", str(out), case="extract-out-is-file")
    assert_clear_error(outcome, str(out), "a file of that name exists", "Give another --out")
    assert out.read_text() == "mine"


def test_out_below_a_file(tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2",
                      "--out", str(blocker / "sub" / "run"), case="extract-out-below-file")
    assert_clear_error(outcome, str(blocker), "is a file")


def test_an_out_that_cannot_be_created_is_named_as_the_output_folder(
        tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'--out /proc/x' gave '/proc/x: No such file or directory ... check the path', which
    reads as a missing input."""
    _forbid_work(monkeypatch)
    out = Path("/proc/sigforge-test-out/run")
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2",
                      "--out", str(out))
    assert_clear_error(outcome, f"--out {out}: the output folder cannot be created",
                       "a place you can write to")
    assert not out.parent.exists()


def test_replicates_out_is_a_folder(tmp_path: Path, catalog: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    folder = tmp_path / "chunk0.npz"
    folder.mkdir()
    outcome = run_cli(capsys, "replicates", "--catalog", str(catalog), "--k", "2", "--first",
                      "0", "--count", "2", "--out", str(folder), case="replicates-out-is-folder")
    assert_clear_error(outcome, str(folder), "a folder of that name exists")



@pytest.mark.parametrize(("first", "count", "fragment"), [
    ("9223372036854775807", "2", "first replicate index: a whole number from 0 to 9,999"),
    ("99999999999999999999", "1", "from 0 to 9,999"),  # both were internal errors (overflow)
    ("0", "100000", "replicates in this chunk: a whole number from 1 to 10,000"),
    ("9990", "20", "would reach replicate 10009"),
])
def test_replicates_indices_beyond_any_run_are_refused(
        first: str, count: str, fragment: str, tmp_path: Path, catalog: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    out = tmp_path / "chunk.npz"
    outcome = run_cli(capsys, "replicates", "--catalog", str(catalog), "--k", "2", "--first",
                      first, "--count", count, "--out", str(out))
    assert_clear_error(outcome, fragment)
    assert not out.exists()

@pytest.mark.parametrize("command", ["extract", "catalog", "prepare-matrix"])
def test_read_only_out(command: str, tmp_path: Path, catalog: Path, matrix: Path,
                       read_only_dir: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    out = str(read_only_dir / "results")
    argv = {
        "extract": ["extract", "--catalog", str(catalog), "--ranks", "2", "--out", out],
        "catalog": ["catalog", "--reference", str(tmp_path / "ref.fa"), "--vcf",
                    str(tmp_path / "x.vcf"), "--out", out],
        "prepare-matrix": ["prepare-matrix", "--input", str(matrix), "--name", "words",
                           "--out", out],
    }[command]
    outcome = run_cli(capsys, *argv, case=f"{command}-read-only-out")
    assert_clear_error(outcome, out, "read-only file system or no permission", "writable disk")


@pytest.mark.parametrize("name", ["../../../escaped", "/tmp/abs", "sub/dir", ".hidden", "..",
                                  "a\nb", "x" * 300])
def test_prepare_matrix_name_cannot_leave_out(name: str, tmp_path: Path, matrix: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "work" / "a" / "b" / "out"
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", name,
                      "--out", str(out), case=f"prepare-matrix-name-{name[:12]!r}")
    assert_clear_error(outcome, "--name", "expected a plain file name")
    assert_nothing_written(tmp_path, before)


def test_prepare_joint_modality_cannot_leave_out(tmp_path: Path, matrix: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "prepare-joint", "--inputs", str(matrix), str(matrix),
                      "--modalities", "ok", "../evil", "--weights", "1", "1", "--name", "j",
                      "--out", str(tmp_path / "out"), case="prepare-joint-modality-path")
    assert_clear_error(outcome, "--modalities '../evil'", "expected a plain file name")
    assert_nothing_written(tmp_path, before)


def test_split_joint_modality_from_file_cannot_leave_out(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    signatures = tmp_path / "signatures.tsv"
    signatures.write_text("Feature\tC1\nalpha\t0.5\nbeta\t0.5\n")
    blocks = tmp_path / "j_blocks.tsv"
    blocks.write_text("Feature\tmodality\tfeature\tweight\nalpha\t../../evil\talpha\t1\n"
                      "beta\tok\tbeta\t1\n")
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(tmp_path / "out"), case="split-joint-modality")
    assert_clear_error(outcome, str(blocks), "'../../evil'", "expected a plain file name")
    assert_nothing_written(tmp_path, before)


def test_disk_full_is_a_message(tmp_path: Path, matrix: Path,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "words_dropped.tsv"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(matrix_commands, "write_table", full)
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", "words",
                      "--out", str(tmp_path / "out"), case="disk-full")
    assert_clear_error(outcome, str(target), "No space left on device", "the disk is full")



def test_a_write_that_fills_the_disk_names_the_output(tmp_path: Path) -> None:
    """A write or close that fails with ENOSPC carries no file name: the message said
    'file system: No space left on device'. The output is named; no temporary is left."""
    from sigforge.io import atomic_write

    class Full:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "out" / "table.tsv"
    with pytest.raises(OSError, match="No space left") as caught, \
            atomic_write(target) as handle:
        Full(handle).write("x")
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert not target.exists() and list(target.parent.iterdir()) == []

def test_internal_error_is_one_paragraph_and_debug_shows_it(
        tmp_path: Path, matrix: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> None:
        raise TypeError("unsupported operand")

    monkeypatch.setattr(matrix_commands, "prepare_matrix", broken)
    argv = ["prepare-matrix", "--input", str(matrix), "--name", "w", "--out", str(tmp_path / "o")]
    outcome = run_cli(capsys, *argv, case="internal-error")
    assert outcome.code == 1
    assert "Traceback" not in outcome.err
    assert "internal error (TypeError: unsupported operand)" in outcome.err
    assert "--debug" in outcome.err
    with pytest.raises(TypeError, match="unsupported operand"):
        cli.main(["--debug", *argv])


def _two_tissue_cohort() -> CohortData:
    """Two samples whose names differ only after a dot (P1.tumor, P1.normal)."""
    rng = np.random.default_rng(3)
    samples, names = ["P1.tumor", "P1.normal"], ["SBS96A", "SBS96B"]
    signatures = rng.dirichlet(np.full(96, 0.5), size=2).T
    exposures = np.array([[400.0, 20.0], [50.0, 300.0]])
    catalog = rng.poisson(signatures @ exposures)
    burden = catalog.sum(axis=0)
    return CohortData(
        match_label="COSMIC",
        catalog=pd.DataFrame(catalog, index=list(SBS96_CHANNELS), columns=samples),
        catalog_log=pd.DataFrame({"source": ["a.vcf", "b.vcf"], "variants_read": burden,
                                  "counted_SBS96": burden}, index=samples),
        rank_metrics=pd.DataFrame({"mean_stability": [0.9], "min_stability": [0.9],
                                   "kl_divergence": [1.0], "relative_error": [0.1],
                                   "mean_cosine": [0.99], "selected": [True]},
                                  index=pd.Index([2], name="k")),
        chosen_rank=2, rank_rule="k = 2.",
        signatures=pd.DataFrame(signatures, index=list(SBS96_CHANNELS), columns=names),
        stability=pd.DataFrame({"stability": [0.9, 0.9], "spread": [0.0, 0.0]}, index=names),
        exposures=pd.DataFrame(exposures, index=names, columns=samples),
        reconstruction=pd.DataFrame({"burden": burden, "cosine": [0.99, 0.98],
                                     "kl_divergence": [0.1, 0.1]}, index=samples),
        reference_matches=pd.DataFrame({"reference": ["SBS1", "SBS5"], "cosine": [0.9, 0.9]},
                                       index=names),
        run_info={}, files={})


def test_samples_differing_after_a_dot_get_their_own_figures(tmp_path: Path) -> None:
    cohort = _two_tissue_cohort()
    write_reports(cohort, tmp_path, file_stems(list(cohort.catalog.columns), "test"))
    figures = sorted(p.name for p in (tmp_path / "figures" / "patients").iterdir())
    assert figures == ["P1.normal_spectrum.png", "P1.normal_spectrum.svg",
                       "P1.tumor_spectrum.png", "P1.tumor_spectrum.svg"]
    tumour = (tmp_path / "patients" / "P1.tumor.html").read_text()
    normal = (tmp_path / "patients" / "P1.normal.html").read_text()
    assert "P1.tumor_spectrum.png" in tumour and "P1.normal_spectrum" not in tumour
    assert "P1.normal_spectrum.png" in normal and "P1.tumor_spectrum" not in normal
    assert (tmp_path / "figures/patients/P1.tumor_spectrum.png").read_bytes() != (
        tmp_path / "figures/patients/P1.normal_spectrum.png").read_bytes()


@pytest.mark.parametrize(("options", "fragments"), [
    (["--ranks", "5-2"], ["'5-2' holds no rank", "smaller rank first"]),
    (["--ranks", "0"], ["ranks must be >= 1"]),
    (["--ranks", "two"], ["expected ranks like '2-8'"]),
    (["--ranks", "2", "--replicates", "0"], ["from 2 to 10,000", "got '0'"]),
    (["--ranks", "2", "--replicates-per-chunk", "0"], ["replicates per chunk", "got '0'"]),
    (["--ranks", "2", "--threads", "0"], ["--threads", "got '0'"]),
    (["--ranks", "2", "--threads", "99999999999999999999"],  # an internal error (overflow)
     ["--threads", "from 1 to 1,024"]),
    (["--ranks", "2", "--max-iter", "0"], ["--max-iter", "from 1 to 10,000,000", "got '0'"]),
    (["--ranks", "2", "--max-iter", "100000000"], ["--max-iter", "got '100000000'"]),
    (["--ranks", "2", "--min-iter", "-1"], ["--min-iter", "from 0 to", "got '-1'"]),
    (["--ranks", "2", "--tol", "-1"], ["--tol >= 0"]),
    (["--ranks", "2", "--cap", "0"], ["--cap >= 1 for counts"]),
    (["--ranks", "2", "--seed", "-5"], ["--seed", "got -5"]),
    (["--ranks", "2", "--cv-holdout", "1.5"], ["0 < --cv-holdout < 1"]),
    (["--ranks", "2", "--cv-starts", "0"], ["--cv-starts", "from 1 to 100", "got '0'"]),
    (["--ranks", "2", "--cv-starts", "100000000"], ["--cv-starts", "got '100000000'"]),
    (["--ranks", "2", "--cv-max-iter", "0"], ["--cv-max-iter", "from 1 to 10,000,000"]),
    (["--ranks", "2", "--resampling", "bogus"], ["'bogus' is unknown", "poisson"]),
    (["--ranks", "2-3", "--fixed-rank", "9"], ["--fixed-rank 9 is not among --ranks"]),
    (["--ranks", "2", "--min-mean-stability", "2"], ["between -1 and 1", "got 2.0"]),
    (["--ranks", "2", "--min-error-gain", "-0.5"], ["--min-error-gain", "[0, 1)"]),
    (["--ranks", "2", "--groups", "g.tsv", "--merge-cosine", "2"],
     ["--merge-cosine", "expected a cosine above 0 and at most 1, got '2'"]),
])
def test_extract_options_out_of_range_fail_before_any_work(
        options: list[str], fragments: list[str], tmp_path: Path, catalog: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _forbid_work(monkeypatch)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), *options, "--out", str(out),
                      case=f"extract-option {' '.join(options)}")
    assert_clear_error(outcome, *fragments)
    assert not out.exists()


def test_report_names_every_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    catalogs = tmp_path / "catalogs"
    catalogs.mkdir()
    (catalogs / "SBS96.tsv").write_text("MutationType\ts1\n")
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "report", "--catalog-dir", str(catalogs), "--extract-dir",
                      str(tmp_path / "nope"), "--refit-dir", str(tmp_path / "nope"), "--out",
                      str(tmp_path / "report"), case="report-missing-inputs")
    assert_clear_error(outcome, f"--catalog-dir {catalogs}: catalog_log.tsv not found",
                       "sigforge catalog")
    assert_nothing_written(tmp_path, before)
    (catalogs / "catalog_log.tsv").write_text("sample\n")
    outcome = run_cli(capsys, "report", "--catalog-dir", str(catalogs), "--extract-dir",
                      str(tmp_path / "nope"), "--refit-dir", str(tmp_path / "nope"), "--out",
                      str(tmp_path / "report"), case="report-missing-extract")
    assert_clear_error(outcome, "provenance.json, signatures.tsv, rank_metrics.tsv, "
                       "stability.tsv not found", "sigforge extract --out FOLDER")


def test_temporaries_of_killed_writers_are_removed(tmp_path: Path) -> None:
    from sigforge import _atomic, io

    folder = tmp_path / "rank"
    folder.mkdir()
    stale = folder / ".chunk0.npz.ab12cd34.tmp"     # left by a writer killed before us
    live = folder / ".chunk1.npz.zz99yy88.tmp"      # a writer still at work
    mine = folder / ".notes.txt.tmp"                # not a name atomic_write makes
    for path in (stale, live, mine):
        path.write_bytes(b"half")
    old = _atomic._PROCESS_START - 60
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    io.write_json({"k": 2}, folder / "metrics.json")
    assert sorted(p.name for p in folder.iterdir()) == [live.name, mine.name, "metrics.json"]


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> list[str]:
    """Let ``writes`` atomic renames through, then fail every later one as a full disk would;
    returns the names of the files that were written."""
    real_replace = os.replace
    written: list[str] = []

    def replace(source: str, target: str) -> None:
        if len(written) >= writes:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_replace(source, target)
        written.append(Path(target).name)

    monkeypatch.setattr(os, "replace", replace)
    return written


def test_extract_failing_half_way_leaves_none_of_its_outputs(
        tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    keep = tmp_path / "out" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("the user's own file\n")
    written = _disk_full_after(monkeypatch, 3)
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-3",
                      "--replicates", "4", "--max-iter", "50", "--cv-folds", "2",
                      "--out", str(tmp_path / "out"), case="disk-full-half-way")
    assert_clear_error(outcome, "No space left on device", "the disk is full")
    assert len(written) == 3  # three outputs were complete before the disk filled up
    assert files_under(tmp_path / "out") == ["notes.txt"]
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_dir()]  # its rank folders too
    assert keep.read_text() == "the user's own file\n"


def test_a_successful_command_keeps_its_outputs(tmp_path: Path, matrix: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", "words",
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert "words.tsv" in files_under(tmp_path / "out")


@pytest.mark.parametrize(("options", "fragments"), [
    (["--novel-below", "5"], ["--novel-below", "expected a cosine from 0 to 1, got '5'"]),
    (["--likelihood-threshold", "-5"], ["--likelihood-threshold >= 0", "got -5.0"]),
    (["--bootstrap", "1000000000"], ["--bootstrap from 0 to 10,000", "got 1000000000"]),
])
def test_refit_options_out_of_range_fail_before_any_work(
        options: list[str], fragments: list[str], tmp_path: Path, catalog: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                      *options, "--out", str(out), case=f"refit-option {' '.join(options)}")
    assert_clear_error(outcome, *fragments)
    assert not out.exists()


@pytest.mark.parametrize("command", ["replicates", "consensus"])
def test_an_output_reaching_an_input_through_a_missing_folder_is_refused(
        command: str, tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'new/../SBS96.tsv' names the catalog once 'new' exists, but could not be looked up
    before: the catalog was replaced by the chunk (or consensus table), exit 0."""
    monkeypatch.chdir(catalog.parent)
    before = catalog.read_bytes()
    if command == "replicates":
        out = f"new/../{catalog.name}"
        args = ["--k", "2", "--first", "0", "--count", "1", "--max-iter", "20"]
    else:
        renamed = catalog.with_name("signatures.tsv")
        catalog = catalog.rename(renamed)
        before = catalog.read_bytes()
        chunk = tmp_path / "chunk.npz"
        assert run_cli(capsys, "replicates", "--catalog", str(catalog), "--k", "2", "--first",
                       "0", "--count", "2", "--max-iter", "20", "--out", str(chunk)).code == 0
        out, args = "new/..", ["--k", "2", "--chunks", str(chunk)]
    outcome = run_cli(capsys, command, "--catalog", catalog.name, *args, "--out", out)
    assert_clear_error(outcome, "would overwrite the input --catalog")
    assert catalog.read_bytes() == before

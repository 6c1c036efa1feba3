"""Bad input to the staged discovery commands found by the third red-team sweep: Ctrl-C during
a solve, replicate chunks and CV files of different runs, rank folders holding a file of
another rank or edited metrics, and messages that named no file.

Each bad case asserts exit 2, one message naming the file (and option or key) and the fix, and
that nothing was written; files written before the records existed are still read.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli._common import killed_by_interrupt
from sigforge.cli._run_files import DIGEST_KEY, SETTINGS_KEY
from sigforge.discovery.rank import range_edge
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
    sbs1_sbs13_catalog,
)

FAST = ("--max-iter", "50", "--min-iter", "10", "--seed", "7")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog.tsv (6 samples), tripled.tsv (its counts x3), chunks c0.npz (replicates 0-1)
    and c1.npz (2-3) of rank 2, rank folders k2, k3 (consensus of those chunks) and their CV
    files cv2.npz, cv3.npz (2 folds)."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("redteam_staged")
    catalog = sbs1_sbs13_catalog(seed=5)
    catalog.to_csv(folder / "catalog.tsv", sep="\t")
    (catalog * 3).to_csv(folder / "tripled.tsv", sep="\t")
    cat = str(folder / "catalog.tsv")
    for k in (2, 3):
        for first in (0, 2):
            assert main(["-q", "replicates", "--catalog", cat, "--k", str(k), "--first",
                         str(first), "--count", "2", *FAST,
                         "--out", str(folder / f"c{first // 2}_k{k}.npz")]) == 0
        assert main(["-q", "consensus", "--catalog", cat, "--k", str(k), "--seed", "7",
                     "--chunks", str(folder / f"c0_k{k}.npz"), str(folder / f"c1_k{k}.npz"),
                     "--out", str(folder / f"k{k}")]) == 0
        assert main(["-q", "cross-validate", "--catalog", cat, "--k", str(k), *FAST,
                     "--cv-folds", "2", "--cv-max-iter", "50",
                     "--out", str(folder / f"cv{k}.npz")]) == 0
    shutil.copy(folder / "c0_k2.npz", folder / "c0.npz")
    shutil.copy(folder / "c1_k2.npz", folder / "c1.npz")
    return folder


def _without_records(path: Path, out: Path) -> Path:
    """A copy of a chunk or CV file as sigforge wrote it before it recorded its settings and
    catalog digest."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files
                  if name not in (SETTINGS_KEY, DIGEST_KEY)}
    np.savez(out, **arrays)
    return out


def _replicates(run: Path, out: Path, first: int, *extra: str) -> Path:
    """A rank-2 chunk of two replicates from ``first``, with extra options."""
    from sigforge.cli import main

    options = dict(zip(FAST[::2], FAST[1::2], strict=True))
    options.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    flat = [item for pair in options.items() for item in pair]
    assert main(["-q", "replicates", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                 "--first", str(first), "--count", "2", *flat, "--out", str(out)]) == 0
    return out


def _consensus(capsys: pytest.CaptureFixture[str], run: Path, out: Path, *chunks: Path):
    """consensus --k 2 of the catalog over ``chunks``."""
    return run_cli(capsys, "consensus", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                   "--seed", "7", "--chunks", *map(str, chunks), "--out", str(out))


# ------------------------------------------------------------------------------------------
# 1. Ctrl-C during the compiled solve


def _slow_command(command: str, folder: Path, max_iter: str) -> list[str]:
    """``command`` of a 6-sample catalog whose solve runs ``max_iter`` iterations."""
    sbs1_sbs13_catalog(seed=5).to_csv(folder / "catalog.tsv", sep="\t")
    options = ["--max-iter", max_iter, "--min-iter", "0", "--tol", "0"]
    if command == "cross-validate":
        options += ["--cv-folds", "2", "--cv-max-iter", max_iter]
    else:
        options += ["--first", "0", "--count", "2"]
    return [str(Path(sys.executable).with_name("sigforge")), "-q", command, "--catalog",
            str(folder / "catalog.tsv"), "--k", "2", *options,
            "--out", str(folder / "out" / "result.npz")]


def _interruptible() -> None:
    """In the child before it runs: SIGINT as a terminal gives it, even when the tests run
    where it is ignored (a job started in the background inherits SIG_IGN, and then the
    command rightly leaves it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("command", ["replicates", "cross-validate"])
def test_ctrl_c_during_the_solve_stops_the_command_at_once(command: str, tmp_path: Path) -> None:
    """SIGINT during the numba solve ends the process within seconds (it dies of SIGINT: the
    shell sees 130) and leaves no output: not after the whole solve."""
    started = time.monotonic()
    subprocess.run(_slow_command(command, tmp_path, "50"), check=True, timeout=120)
    warm = time.monotonic() - started  # start-up and compile: the slow run is solving after
    shutil.rmtree(tmp_path / "out")
    process = subprocess.Popen(_slow_command(command, tmp_path, "10000000"),
                               stderr=subprocess.PIPE, preexec_fn=_interruptible)
    time.sleep(warm + 1.0)
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=8)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{command} still ran 8 s after SIGINT")
    assert code in (-signal.SIGINT, 130)
    assert files_under(tmp_path / "out") == []


def test_interrupt_guard_restores_the_handler_and_is_a_no_op_off_the_main_thread() -> None:
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        with killed_by_interrupt():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        seen = []

        def in_thread() -> None:
            with killed_by_interrupt():
                seen.append(signal.getsignal(signal.SIGINT))

        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        assert seen == [signal.default_int_handler]
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a background job: left ignored
        with killed_by_interrupt():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, outer)


# ------------------------------------------------------------------------------------------
# 2. chunks of different runs


@pytest.mark.parametrize(("option", "value"), [
    ("--max-iter", "40"), ("--seed", "8"), ("--normalisation", "none"), ("--volume", "0"),
    ("--resampling", "multinomial"), ("--catalog-name", "OTHER")])
def test_consensus_refuses_chunks_of_other_settings(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str,
        value: str) -> None:
    other = _replicates(run, tmp_path / "other.npz", 2, option, value)
    out = tmp_path / "k2"
    outcome = _consensus(capsys, run, out, run / "c0.npz", other)
    assert_clear_error(outcome, str(run / "c0.npz"), str(other), f"{option} ",
                       "with the same options")
    assert_nothing_written(out)


def test_consensus_reads_chunks_written_before_settings_were_recorded(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Older chunks (no record) are read, with the same result as the recorded chunks give;
    one beside a recorded chunk is refused: nothing shows it is of the same catalog and
    settings (one of another catalog of the same shape was clustered in, stability 0.6)."""
    old0 = _without_records(run / "c0.npz", tmp_path / "old0.npz")
    old1 = _without_records(run / "c1.npz", tmp_path / "old1.npz")
    assert _consensus(capsys, run, tmp_path / "old", old0, old1).code == 0
    assert ((tmp_path / "old" / "signatures.tsv").read_bytes()
            == (run / "k2" / "signatures.tsv").read_bytes())
    outcome = _consensus(capsys, run, tmp_path / "mixed", old0, run / "c1.npz")
    assert_clear_error(outcome, f"chunk file {old0} records no run settings while "
                       f"{run / 'c1.npz'} does", "Delete the older files and rerun")
    assert_nothing_written(tmp_path / "mixed")


def test_consensus_names_a_chunk_given_twice(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "link.npz"
    os.link(run / "c0.npz", link)
    out = tmp_path / "k2"
    outcome = _consensus(capsys, run, out, run / "c0.npz", run / "c1.npz", link)
    assert_clear_error(outcome, f"{run / 'c0.npz'} and {link} are the same file",
                       "give each chunk once")
    assert_nothing_written(out)


def test_consensus_names_overlapping_and_missing_replicates(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlap = _replicates(run, tmp_path / "c1to2.npz", 1)
    out = tmp_path / "k2"
    outcome = _consensus(capsys, run, out, run / "c0.npz", overlap)
    assert_clear_error(outcome, "replicate 1 is in both", str(run / "c0.npz"), str(overlap))
    late = _replicates(run, tmp_path / "c4.npz", 4)
    outcome = _consensus(capsys, run, out, run / "c0.npz", late)
    assert_clear_error(outcome, "replicates 2-3 are in none of the chunks", str(late))
    outcome = _consensus(capsys, run, out, run / "c1.npz", late)
    assert_clear_error(outcome, "replicates 0-1 are in none of the chunks")
    assert_nothing_written(out)


def test_consensus_calls_a_table_or_a_folder_given_as_a_chunk_what_it_is(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "k2"
    outcome = _consensus(capsys, run, out, run / "c0.npz", run / "catalog.tsv")
    assert_clear_error(outcome, f"chunk file {run / 'catalog.tsv'}", "not an .npz file",
                       "starts with text")
    assert "allow_pickle" not in outcome.err and "sigforge wrote this file" not in outcome.err
    folder = tmp_path / "adir"
    folder.mkdir()
    outcome = _consensus(capsys, run, out, run / "c0.npz", folder)
    assert_clear_error(outcome, f"chunk file {folder}", "is a folder")
    assert "missing" not in outcome.err
    assert_nothing_written(out)


def test_an_empty_catalog_name_is_refused(run: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.npz"
    outcome = run_cli(capsys, "replicates", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                      "--first", "0", "--count", "2", *FAST, "--catalog-name", "",
                      "--out", str(out))
    assert_clear_error(outcome, "--catalog-name", "leave --catalog-name out")
    assert not out.exists()


# ------------------------------------------------------------------------------------------
# 3. rank folders holding a file of another rank, edited metrics.json


def _rank_copies(run: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Private copies of the rank folders k2 and k3."""
    return (Path(shutil.copytree(run / "k2", tmp_path / "k2")),
            Path(shutil.copytree(run / "k3", tmp_path / "k3")))


def _select(capsys: pytest.CaptureFixture[str], out: Path, *folders: Path, cv: tuple = ()):
    """select-rank over ``folders`` (and the CV files ``cv``)."""
    extra = ["--cv", *map(str, cv)] if cv else []
    return run_cli(capsys, "select-rank", "--rank-dirs", *map(str, folders), *extra,
                   "--replicates", "4", "--out", str(out))


@pytest.mark.parametrize("name", ["signatures.tsv", "exposures.tsv"])
def test_select_rank_refuses_a_file_of_another_rank(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    k2, k3 = _rank_copies(run, tmp_path)
    shutil.copy(k2 / name, k3 / name)
    if name == "signatures.tsv":
        shutil.copy(k2 / "stability.tsv", k3 / "stability.tsv")
    out = tmp_path / "sel"
    outcome = _select(capsys, out, k2, k3, )
    expected = ("metrics.json says k=3 but signatures.tsv holds 2 signatures"
                if name == "signatures.tsv" else "exposures.tsv has the rows")
    assert_clear_error(outcome, f"rank folder {k3}", expected, "Delete the folder")
    assert_nothing_written(out)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("k", True, "'k' is True, not a whole number"), ("k", 0, "'k' is 0, not a rank"),
    ("k", -3, "'k' is -3, not a rank"), ("k", 10**30, "not a rank in [1, 1000]"),
    ("relative_error", "x", "'relative_error' is 'x', not a number"),
    ("replicates", "many", "'replicates' is 'many', not a number"),
    ("gap_clusters", 2.5, "'gap_clusters' is 2.5, not a whole number"),
    ("converged_fraction", 1.5, "'converged_fraction' is 1.5, outside [0, 1]")])
def test_select_rank_refuses_edited_metrics(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str,
        value: object, expected: str) -> None:
    k2, k3 = _rank_copies(run, tmp_path)
    metrics = json.loads((k3 / "metrics.json").read_text())
    (k3 / "metrics.json").write_text(json.dumps({**metrics, key: value}))
    out = tmp_path / "sel"
    outcome = _select(capsys, out, k2, k3)
    assert_clear_error(outcome, str(k3 / "metrics.json"), expected)
    assert_nothing_written(out)


def test_a_gap_between_the_ranks_tried_is_not_called_a_span() -> None:
    assert "largest rank tried (2, 4)" in range_edge([2, 4], 4)
    assert "largest rank tried (2-4)" in range_edge([2, 3, 4], 4)


# ------------------------------------------------------------------------------------------
# 4. cross-validation files of another catalog or other CV settings


def test_select_rank_refuses_cv_of_another_catalog(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigforge.cli import main

    other = tmp_path / "cv2_tripled.npz"
    assert main(["-q", "cross-validate", "--catalog", str(run / "tripled.tsv"),
                 "--catalog-name", "catalog", "--k", "2", *FAST, "--cv-folds", "2",
                 "--cv-max-iter", "50", "--out", str(other)]) == 0
    out = tmp_path / "sel"
    outcome = _select(capsys, out, run / "k2", run / "k3", cv=(other, run / "cv3.npz"))
    assert_clear_error(outcome, f"--cv {other}", "another catalog", "rerun 'cross-validate'")
    assert_nothing_written(out)


def test_select_rank_refuses_cv_files_of_other_folds_or_schemes(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigforge.cli import main

    other = tmp_path / "cv3_blocks.npz"
    assert main(["-q", "cross-validate", "--catalog", str(run / "catalog.tsv"), "--k", "3",
                 *FAST, "--cv-folds", "3", "--cv-max-iter", "50", "--cv-scheme", "blocks",
                 "--out", str(other)]) == 0
    out = tmp_path / "sel"
    outcome = _select(capsys, out, run / "k2", run / "k3", cv=(run / "cv2.npz", other))
    assert_clear_error(outcome, str(run / "cv2.npz"), str(other), "--cv-folds 2")
    assert_nothing_written(out)


def test_select_rank_reads_cv_files_written_before_they_recorded_their_run(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = [_without_records(run / f"cv{k}.npz", tmp_path / f"old{k}.npz") for k in (2, 3)]
    assert _select(capsys, tmp_path / "new", run / "k2", run / "k3",
                   cv=(run / "cv2.npz", run / "cv3.npz")).code == 0
    assert _select(capsys, tmp_path / "old", run / "k2", run / "k3", cv=tuple(old)).code == 0
    table = pd.read_csv(tmp_path / "old" / "rank_metrics.tsv", sep="\t")
    assert "cv_error" in table.columns
    assert ((tmp_path / "old" / "rank_metrics.tsv").read_bytes()
            == (tmp_path / "new" / "rank_metrics.tsv").read_bytes())


def test_select_rank_records_the_folders_replicates_and_refuses_other_counts(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --replicates the provenance recorded the option's default (100) beside rank
    folders of 4 replicates; folders of 4 and 6 were compared silently."""
    k2, k3 = _rank_copies(run, tmp_path)
    out = tmp_path / "sel"
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                   "--out", str(out)).code == 0
    assert json.loads((out / "provenance.json").read_text())["replicates"] == 4
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--replicates", "8", "--out", str(tmp_path / "sel8"))
    assert_clear_error(outcome, "--replicates 8", "factored with 4 replicates")
    metrics = json.loads((k3 / "metrics.json").read_text())
    (k3 / "metrics.json").write_text(json.dumps({**metrics, "replicates": 6}))
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--out", str(tmp_path / "sel6"))
    assert_clear_error(outcome, "different numbers of replicates", f"{k3} 6")


def test_select_rank_with_cv_folds_but_no_cv_files_is_refused(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cv-folds 2 without --cv chose the rank without cross-validation, exit 0, and the
    provenance said folds 0."""
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(run / "k3"),
                      "--cv-folds", "2", "--out", str(tmp_path / "sel"))
    assert_clear_error(outcome, "--cv-folds 2", "none were given", "--cv-folds 0")
    assert not (tmp_path / "sel").exists()
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(run / "k3"),
                   "--cv-folds", "0", "--out", str(tmp_path / "sel0")).code == 0

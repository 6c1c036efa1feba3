"""The staged discovery commands, continued from test_redteam_staged.py (third red-team sweep,
cases still open): rank folders record the seed and NMF options of their chunks and
select-rank's provenance takes them from there; edited metrics (an impossible gap_clusters)
and crafted chunk arrays are refused naming the file; Ctrl-C during a solve says so; a
recounted catalog is refused by merge-groups; a stratified staged run records the group
provenance extract --groups records.

Each bad case asserts exit 2, one message naming the file (and option or key) and the fix, and
that nothing was written; files written before the records existed are still read.
"""

from __future__ import annotations

import faulthandler
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sigforge import DEFAULT_SEED
from sigforge.cli._common import killed_by_interrupt
from sigforge.cli._run_files import DIGEST_KEY, SETTINGS_KEY
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
    """catalog.tsv (6 samples); chunks c{0,1}_k{k}.npz (replicates 0-1 and 2-3, seed 7,
    --max-iter 50) and rank folders k2, k3 built from them by consensus without --seed."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("redteam_staged2")
    sbs1_sbs13_catalog(seed=5).to_csv(folder / "catalog.tsv", sep="\t")
    cat = str(folder / "catalog.tsv")
    for k in (2, 3):
        for first in (0, 2):
            assert main(["-q", "replicates", "--catalog", cat, "--k", str(k), "--first",
                         str(first), "--count", "2", *FAST,
                         "--out", str(folder / f"c{first // 2}_k{k}.npz")]) == 0
        assert main(["-q", "consensus", "--catalog", cat, "--k", str(k), "--chunks",
                     str(folder / f"c0_k{k}.npz"), str(folder / f"c1_k{k}.npz"),
                     "--out", str(folder / f"k{k}")]) == 0
    return folder


def _rank_copies(run: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Private copies of the rank folders k2 and k3."""
    return (Path(shutil.copytree(run / "k2", tmp_path / "k2")),
            Path(shutil.copytree(run / "k3", tmp_path / "k3")))


def _edit_metrics(folder: Path, **changes: object) -> None:
    """Rewrite a rank folder's metrics.json with ``changes`` (a value None removes the key)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics.update(changes)
    metrics = {key: value for key, value in metrics.items() if value is not None}
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))


def _provenance(folder: Path) -> dict:
    """A selection's provenance.json."""
    return json.loads((folder / "provenance.json").read_text())


# ------------------------------------------------------------------------------------------
# 1. the seed and NMF options: recorded by consensus, taken by select-rank


def test_consensus_records_its_chunks_settings_in_the_rank_folder(run: Path) -> None:
    settings = json.loads((run / "k2" / "metrics.json").read_text())[SETTINGS_KEY]
    assert settings["seed"] == 7
    assert settings["max_iter"] == 50 and settings["min_iter"] == 10
    assert settings["catalog_name"] == "catalog"
    assert list(settings) == sorted(settings)


def test_consensus_takes_the_chunks_seed_and_refuses_another(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """consensus' --seed keys the gap statistic: left out it was the default seed beside
    chunks of seed 7, so the rank folder matched neither run; now it is the chunks'."""
    chunks = [str(run / "c0_k2.npz"), str(run / "c1_k2.npz")]
    same = run_cli(capsys, "consensus", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                   "--seed", "7", "--chunks", *chunks, "--out", str(tmp_path / "same"))
    assert same.code == 0
    assert ((tmp_path / "same" / "metrics.json").read_bytes()
            == (run / "k2" / "metrics.json").read_bytes())
    out = tmp_path / "other"
    outcome = run_cli(capsys, "consensus", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                      "--seed", "8", "--chunks", *chunks, "--out", str(out))
    assert_clear_error(outcome, "--seed 8", "--seed 7", chunks[0], "leave it out")
    assert_nothing_written(out)


def test_select_rank_provenance_records_the_folders_seed_and_nmf_options(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It recorded its own defaults (seed 20261128, --max-iter 5000) beside folders of
    seed 7 and --max-iter 50."""
    out = tmp_path / "sel"
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(run / "k3"),
                   "--out", str(out)).code == 0
    provenance = _provenance(out)
    assert provenance["seed"] == 7
    assert provenance["catalog_name"] == "catalog"
    assert provenance["nmf"]["max_iter"] == 50 and provenance["nmf"]["min_iter"] == 10
    given = tmp_path / "given"
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(run / "k3"),
                   *FAST, "--catalog-name", "catalog", "--out", str(given)).code == 0
    assert (given / "provenance.json").read_bytes() == (out / "provenance.json").read_bytes()


@pytest.mark.parametrize(("option", "value", "theirs"), [
    ("--seed", "8", "7"), ("--max-iter", "60", "50"), ("--min-iter", "20", "10"),
    ("--normalisation", "none", "gmm"), ("--catalog-name", "OTHER", "catalog")])
def test_select_rank_refuses_an_option_other_than_the_folders(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str,
        value: str, theirs: str) -> None:
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(run / "k3"),
                      option, value, "--out", str(out))
    assert_clear_error(outcome, f"{option} {value}", f"built with {option} {theirs}",
                       str(run / "k2" / "metrics.json"), "leave it out")
    assert_nothing_written(out)


def test_select_rank_refuses_rank_folders_of_different_seeds(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k2, k3 = _rank_copies(run, tmp_path)
    settings = json.loads((k3 / "metrics.json").read_text())[SETTINGS_KEY]
    _edit_metrics(k3, **{SETTINGS_KEY: {**settings, "seed": 8}})
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--out", str(out))
    assert_clear_error(outcome, f"rank folders {k2} and {k3}", "--seed 7", "8")
    assert_nothing_written(out)


def test_select_rank_refuses_rank_folders_of_other_counts(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """k3 factored from an edited catalog (same samples and features, the digest its
    metrics.json records differs) was compared with k2 without --catalog and a rank chosen;
    the odd folder is named. A folder without a digest (an older run) beside one with is
    refused too: nothing shows it factored the same counts."""
    k2, k3 = _rank_copies(run, tmp_path)
    _edit_metrics(k3, **{DIGEST_KEY: "0" * 64})
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--out", str(out))
    assert_clear_error(outcome, f"--rank-dirs: {k3} was factored from other counts than {k2}",
                       "rerun that rank's replicates and consensus")
    assert_nothing_written(out)
    _edit_metrics(k3, **{DIGEST_KEY: None})
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--out", str(out))
    assert_clear_error(outcome, f"--rank-dirs: {k3} records no catalog digest while {k2} does",
                       "Rerun the older rank's replicates and consensus")
    _edit_metrics(k2, **{DIGEST_KEY: None})  # both older: read as before
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                   "--out", str(out)).code == 0


def test_files_given_where_others_belong_are_named(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rank-3 chunk given to consensus --k 2 was to be 'deleted and rerun'; a CV file given
    as a chunk was 'damaged'; a chunk given as a rank folder had 'metrics.json missing'."""
    cat = str(run / "catalog.tsv")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "consensus", "--catalog", cat, "--k", "2", "--chunks",
                      str(run / "c0_k3.npz"), "--out", str(out))
    assert_clear_error(outcome, "holds rank-3 factors, not rank 2", "give --k 3 for it")
    assert "delete it" not in outcome.err
    cv = tmp_path / "cv2.npz"
    assert run_cli(capsys, "cross-validate", "--catalog", cat, "--k", "2", "--cv-folds", "2",
                   *FAST, "--out", str(cv)).code == 0
    outcome = run_cli(capsys, "consensus", "--catalog", cat, "--k", "2", "--chunks", str(cv),
                      "--out", str(out))
    assert_clear_error(outcome, f"chunk file {cv}: is a cross-validation file of 'sigforge "
                       "cross-validate', not a chunk file")
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(run / "c0_k2.npz"),
                      "--out", str(out))
    assert_clear_error(outcome, f"--rank-dirs {run / 'c0_k2.npz'}: is a file, not a rank "
                       "folder")
    assert not out.exists()


def test_select_rank_reads_rank_folders_written_before_they_recorded_settings(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Older folders record no settings: the options given (or their defaults) are taken."""
    k2, k3 = _rank_copies(run, tmp_path)
    for folder in (k2, k3):
        _edit_metrics(folder, **{SETTINGS_KEY: None})
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                   "--out", str(tmp_path / "bare")).code == 0
    assert _provenance(tmp_path / "bare")["seed"] == DEFAULT_SEED
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3), "--seed", "7",
                   "--out", str(tmp_path / "seeded")).code == 0
    assert _provenance(tmp_path / "seeded")["seed"] == 7
    # one old folder beside a recorded one: refused, nothing shows they are of one run
    k3_old = Path(shutil.copytree(k3, tmp_path / "old" / "k3"))
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k2"), str(k3_old),
                      "--out", str(tmp_path / "mixed"))
    assert_clear_error(outcome, f"rank folder {k3_old} records no run settings while "
                       f"{run / 'k2'} does", "Delete the older files")


# ------------------------------------------------------------------------------------------
# 2. metrics.json: counts within the rank, NaN only where no value exists


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("gap_clusters", 1e300, "'gap_clusters' is 1e+300, more than k + 1 = 4"),
    ("gap_clusters", 5, "'gap_clusters' is 5, more than k + 1 = 4"),
    ("gap_clusters", 0, "'gap_clusters' is 0, outside [1, inf]"),
    ("gap", float("inf"), "'gap' is inf, not a finite number"),
    ("cophenetic", 1.5, "'cophenetic' is 1.5, outside [-1, 1]"),
    ("cophenetic", float("-inf"), "'cophenetic' is -inf, not a finite number")])
def test_select_rank_refuses_impossible_metrics(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str,
        value: object, expected: str) -> None:
    k2, k3 = _rank_copies(run, tmp_path)
    _edit_metrics(k3, **{key: value})
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                      "--out", str(out))
    assert_clear_error(outcome, str(k3 / "metrics.json"), expected, "delete rank 3's folder")
    assert_nothing_written(out)


def test_select_rank_accepts_nan_gap_and_cophenetic_and_gap_clusters_of_k_plus_one(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """NaN is what a tiny catalog gives (no cophenetic correlation of 1-2 samples, no gap
    beyond the replicates); the gap statistic may pick k + 1 clusters."""
    k2, k3 = _rank_copies(run, tmp_path)
    _edit_metrics(k3, gap=float("nan"), cophenetic=float("nan"), gap_clusters=4)
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(k2), str(k3),
                   "--out", str(tmp_path / "sel")).code == 0


# ------------------------------------------------------------------------------------------
# 3. chunks whose arrays were edited (still valid zip archives)


def _crafted(run: Path, out: Path, edit: str) -> Path:
    """A copy of chunk c1_k2.npz (replicates 2-3) with one array edited by ``edit``."""
    with np.load(run / "c1_k2.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    W, H = arrays["W"], arrays["H"]
    edits = {
        "negated W": lambda: {"W": -W},
        "NaN in H": lambda: {"H": np.where(np.arange(H.size).reshape(H.shape) == 3, np.nan, H)},
        "infinite objective": lambda: {"objective": np.full_like(arrays["objective"], np.inf)},
        "short objective": lambda: {"objective": arrays["objective"][:1]},
        "float replicates": lambda: {"replicate": arrays["replicate"].astype(float)},
        "H of rank 3": lambda: {"H": np.ones((2, 3, H.shape[2]))},
        "negative n_iter": lambda: {"n_iter": -arrays["n_iter"] - 1},
        "skipped": lambda: {"skipped": np.array("too thin")},
        "zero W column": lambda: {"W": np.concatenate([W[:, :, :1], 0 * W[:, :, 1:]], axis=2)},
    }
    np.savez(out, **{**arrays, **edits[edit]()})
    return out


@pytest.mark.parametrize(("edit", "expected"), [
    ("negated W", "'W' holds -"), ("NaN in H", "'H' holds nan"),
    ("infinite objective", "'objective' holds inf"),
    ("short objective", "'objective' holds 1 value(s)"),
    ("float replicates", "'replicate' holds float64 values"),
    ("H of rank 3", "H (2, 3, 6)"), ("negative n_iter", "'n_iter' holds int64 values"),
    ("skipped", "says its catalog was not factored (too thin)"),
    ("zero W column", "all-zero component 1")])
def test_consensus_refuses_chunks_with_edited_arrays(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str,
        expected: str) -> None:
    crafted = _crafted(run, tmp_path / "crafted.npz", edit)
    out = tmp_path / "k2"
    outcome = run_cli(capsys, "consensus", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                      "--chunks", str(run / "c0_k2.npz"), str(crafted), "--out", str(out))
    assert_clear_error(outcome, f"chunk file {crafted}", expected)
    assert "internal error" not in outcome.err
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 4. Ctrl-C during the compiled solve says so


def _slow_command(command: str, folder: Path, max_iter: str) -> list[str]:
    """``command`` of a 6-sample catalog whose solve runs ``max_iter`` iterations."""
    sbs1_sbs13_catalog(seed=5).to_csv(folder / "catalog.tsv", sep="\t")
    options = ["--max-iter", max_iter, "--min-iter", "0", "--tol", "0"]
    if command == "extract":  # --out is a folder, created before the solve
        return [str(Path(sys.executable).with_name("sigforge")), "-q", command, "--catalog",
                str(folder / "catalog.tsv"), "--ranks", "2", "--replicates", "2",
                "--threads", "1", "--cv-folds", "0", *options, "--out", str(folder / "out")]
    if command == "cross-validate":
        options += ["--cv-folds", "2", "--cv-max-iter", max_iter]
    else:
        options += ["--first", "0", "--count", "2"]
    return [str(Path(sys.executable).with_name("sigforge")), "-q", command, "--catalog",
            str(folder / "catalog.tsv"), "--k", "2", *options,
            "--out", str(folder / "out" / "result.npz")]


def _interruptible() -> None:
    """In the child: SIGINT as a terminal gives it (the tests may run where it is ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("command", ["replicates", "cross-validate", "extract"])
def test_ctrl_c_during_the_solve_prints_one_line_and_stops_at_once(
        command: str, tmp_path: Path) -> None:
    """It died of SIGINT silently; now it says so, still at once and writing nothing."""
    started = time.monotonic()
    quick = subprocess.run(_slow_command(command, tmp_path, "50"), check=True, timeout=120,
                           capture_output=True, text=True)
    assert "interrupted" not in quick.stderr
    warm = time.monotonic() - started
    shutil.rmtree(tmp_path / "out")
    process = subprocess.Popen(_slow_command(command, tmp_path, "10000000"),
                               stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)
    time.sleep(warm + 1.0)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{command} still ran 8 s after SIGINT")
    assert process.returncode in (-signal.SIGINT, 130)
    assert err.strip() == f"sigforge {command}: error: interrupted; nothing was written."
    # nothing at all: not the folder it made for --out, nor its (empty) journal beside it
    assert not (tmp_path / "out").exists(), files_under(tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.tsv"]


def test_the_interrupt_guard_leaves_no_handler_behind() -> None:
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with killed_by_interrupt("replicates"):
            assert signal.getsignal(signal.SIGINT) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert faulthandler.unregister(signal.SIGINT) is False  # nothing left registered
    finally:
        signal.signal(signal.SIGINT, outer)


# ------------------------------------------------------------------------------------------
# 5-6. stratified runs: a recounted catalog; the staged route's group provenance


GROUP_RUN = ("--max-iter", "50", "--min-iter", "10", "--seed", "7", "--catalog-name", "catalog")


@pytest.fixture(scope="module")
def strata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog.tsv (8 samples; groups.tsv: s0-s3 in A, s4-s7 in B), ``extract --groups`` into
    ext/, and the workflow's staged route into staged/: split-groups, per group replicates
    (2 chunks of 2), consensus, select-rank --group, then merge-groups."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("redteam_strata")
    sbs1_sbs13_catalog(samples=8, seed=7).to_csv(folder / "catalog.tsv", sep="\t")
    (folder / "groups.tsv").write_text("sample\tgroup\n" + "".join(
        f"s{i}\t{'A' if i < 4 else 'B'}\n" for i in range(8)))
    cat = str(folder / "catalog.tsv")
    assert main(["-q", "extract", "--catalog", cat, "--ranks", "2-3", "--replicates", "4",
                 "--replicates-per-chunk", "2", "--cv-folds", "0", *GROUP_RUN,
                 "--groups", str(folder / "groups.tsv"), "--out", str(folder / "ext")]) == 0
    assert main(["-q", "split-groups", "--catalog", cat, "--groups", str(folder / "groups.tsv"),
                 "--out", str(folder / "split")]) == 0
    for group in ("A", "B"):
        _staged_group(folder, group)
    assert main(["-q", "merge-groups", "--catalog", cat, "--seed", "7", "--group-dirs",
                 str(folder / "staged" / "groups" / "A"), str(folder / "staged" / "groups" / "B"),
                 "--out", str(folder / "staged")]) == 0
    return folder


def _staged_group(folder: Path, group: str) -> None:
    """One group's discovery as the workflow's jobs run it, into staged/groups/GROUP."""
    from sigforge.cli import main

    cat, out = str(folder / "split" / f"{group}.tsv"), folder / "staged" / "groups" / group
    for k in (2, 3):
        chunks = [str(out / f"k{k}" / "chunks" / f"chunk{i}.npz") for i in (0, 1)]
        for i, chunk in enumerate(chunks):
            assert main(["-q", "replicates", "--catalog", cat, "--k", str(k), "--first",
                         str(2 * i), "--count", "2", *GROUP_RUN, "--out", chunk]) == 0
        assert main(["-q", "consensus", "--catalog", cat, "--k", str(k), "--catalog-name",
                     "catalog", "--seed", "7", "--chunks", *chunks,
                     "--out", str(out / f"k{k}")]) == 0
    assert main(["-q", "select-rank", "--rank-dirs", str(out / "k2"), str(out / "k3"),
                 "--catalog", cat, "--ranks", "2-3", "--replicates", "4", *GROUP_RUN,
                 "--cv-folds", "0", "--group", group, "--out", str(out)]) == 0


def test_the_staged_stratified_run_writes_what_extract_groups_writes(strata: Path) -> None:
    """Every file of extract --groups is the staged route's, byte for byte, but for the
    groups' provenance.json, which differ only in 'catalog': the file each command read (the
    cohort's catalog, the group's split catalog)."""
    ext, staged = strata / "ext", strata / "staged"
    names = [name for name in files_under(ext) if "chunks" not in name]
    assert "groups/A/k2/metrics.json" in names
    for name in names:
        if name.endswith("provenance.json") and name.startswith("groups/"):
            continue
        assert (ext / name).read_bytes() == (staged / name).read_bytes(), name
    for group in ("A", "B"):
        one = _provenance(ext / "groups" / group)
        other = _provenance(staged / "groups" / group)
        assert one["group"] == other["group"] == group
        assert one[DIGEST_KEY] == other[DIGEST_KEY]
        assert (one.pop("catalog"), other.pop("catalog")) == (
            str(strata / "catalog.tsv"), str(strata / "split" / f"{group}.tsv"))
        assert list(one.items()) == list(other.items())


def test_merge_groups_writes_the_same_files_whatever_the_order_of_the_group_folders(
        strata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """provenance.json listed the groups (and their edge warnings) in --group-dirs order,
    unlike extract --groups (the catalog's order)."""
    groups = strata / "staged" / "groups"
    out = tmp_path / "reversed"
    assert run_cli(capsys, "merge-groups", "--catalog", str(strata / "catalog.tsv"), "--seed",
                   "7", "--group-dirs", str(groups / "B"), str(groups / "A"),
                   "--out", str(out)).code == 0
    for name in files_under(out):
        assert (out / name).read_bytes() == (strata / "ext" / name).read_bytes(), name


def test_merge_groups_refuses_a_recounted_catalog(
        strata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Same samples and channels, counts x3: it merged the groups and refitted every sample
    to them; now the digest the groups record is compared."""
    recounted = tmp_path / "recounted.tsv"
    catalog = sbs1_sbs13_catalog(samples=8, seed=7)
    (catalog * 3).to_csv(recounted, sep="\t")
    for route in ("ext", "staged"):
        out = tmp_path / f"merged_{route}"
        folders = [str(strata / route / "groups" / group) for group in ("A", "B")]
        outcome = run_cli(capsys, "merge-groups", "--catalog", str(recounted), "--group-dirs",
                          *folders, "--out", str(out))
        assert_clear_error(outcome, str(recounted), f"group 'A' ({folders[0]})",
                           "other counts", "the catalog the groups were split from")
        assert_nothing_written(out)


def test_merge_groups_checks_group_folders_without_rank_folders_by_their_provenance(
        strata: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A group folder holding no rank folders (select-rank --out elsewhere) is checked by the
    digest its provenance.json records; one of an older version, recording neither, is
    merged as before."""
    groups = Path(shutil.copytree(strata / "staged" / "groups", tmp_path / "groups"))
    for group in ("A", "B"):
        for rank_dir in (groups / group).glob("k*"):
            shutil.rmtree(rank_dir)
    recounted = tmp_path / "recounted.tsv"
    (sbs1_sbs13_catalog(samples=8, seed=7) * 3).to_csv(recounted, sep="\t")
    folders = [str(groups / "A"), str(groups / "B")]
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(recounted), "--group-dirs",
                      *folders, "--out", str(tmp_path / "m1"))
    assert_clear_error(outcome, str(recounted), f"group 'A' ({folders[0]})", "other counts")
    assert_nothing_written(tmp_path / "m1")
    for group in ("A", "B"):
        facts = _provenance(groups / group)
        del facts[DIGEST_KEY]
        (groups / group / "provenance.json").write_text(json.dumps(facts, indent=2))
    assert run_cli(capsys, "merge-groups", "--catalog", str(recounted), "--group-dirs",
                   *folders, "--out", str(tmp_path / "m2")).code == 0


def test_select_rank_takes_the_cv_settings_from_the_cv_files(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CV files of another seed or normalisation than the rank folders were accepted, and
    provenance.json recorded select-rank's own --cv-* options (5 folds by default, or a
    --cv-folds contradicting the files) instead of how the CV was made."""
    cat = str(run / "catalog.tsv")

    def cv(name: str, *options: str) -> list[str]:
        files = []
        for k in (2, 3):
            path = tmp_path / f"{name}_k{k}.npz"
            assert run_cli(capsys, "cross-validate", "--catalog", cat, "--k", str(k),
                           "--cv-folds", "2", "--cv-max-iter", "30", *FAST, *options,
                           "--out", str(path)).code == 0
            files.append(str(path))
        return files

    ranks = ("--rank-dirs", str(run / "k2"), str(run / "k3"))
    same = cv("same")
    assert run_cli(capsys, "select-rank", *ranks, "--cv", *same,
                   "--out", str(tmp_path / "ok")).code == 0
    recorded = _provenance(tmp_path / "ok")["cross_validation"]
    assert (recorded["folds"], recorded["max_iter"]) == (2, 30)
    outcome = run_cli(capsys, "select-rank", *ranks, "--cv", *same, "--cv-folds", "7",
                      "--out", str(tmp_path / "folds"))
    assert_clear_error(outcome, "--cv-folds 7: the --cv files were made with --cv-folds 2",
                       "leave it out")
    other = cv("norm", "--normalisation", "none")
    outcome = run_cli(capsys, "select-rank", *ranks, "--cv", *other,
                      "--out", str(tmp_path / "norm"))
    assert_clear_error(outcome, "was made with --normalisation 'none', but the rank folders "
                       "with --normalisation 'gmm'", "Rerun 'cross-validate'")
    assert run_cli(capsys, "select-rank", *ranks, "--out", str(tmp_path / "none")).code == 0
    assert _provenance(tmp_path / "none")["cross_validation"]["folds"] == 0


def test_a_cut_signature_table_in_a_rank_folder_is_named_as_damage(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Cut at a line boundary it was refused with the catalog reader's advice, --generic,
    which then wrote a 39-channel 'signature' table whose columns summed to 0.3."""
    k2, _ = _rank_copies(run, tmp_path)
    lines = (k2 / "signatures.tsv").read_text().splitlines(keepends=True)
    (k2 / "signatures.tsv").write_text("".join(lines[:40]))
    for options in ((), ("--generic",)):
        outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k2), *options,
                          "--out", str(tmp_path / f"sel{len(options)}"))
        assert_clear_error(outcome, "signatures.tsv", "is damaged",
                           "delete the", "rerun its replicates and consensus")
        assert "--generic" not in outcome.err


def test_consensus_refuses_an_out_named_as_another_ranks_folder(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """consensus --k 2 --out run/k3 wrote rank 2 where the report looks for rank 3."""
    out = tmp_path / "k3"
    outcome = run_cli(capsys, "consensus", "--catalog", str(run / "catalog.tsv"), "--k", "2",
                      "--chunks", str(run / "c0_k2.npz"), str(run / "c1_k2.npz"),
                      "--out", str(out))
    assert_clear_error(outcome, f"--out {out}: a folder named as rank 3's, but --k 2")
    assert not out.exists()

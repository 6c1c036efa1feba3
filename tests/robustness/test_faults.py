"""Faults during and after a run: SIGKILL of snakemake during NMF and during consensus, SIGKILL
of one job, a truncated and a deleted chunk. Each ends with the command a user would run next
and the same bytes as an uninterrupted run of the same config.

A small config keeps the file fast on 2 cores: 6 samples of the bundled example, ranks 3-5,
4 replicates in chunks of 2, few iterations; cross-validation by blocks (the demo's tests cover
the default, random entries), so the workflow path of both schemes is run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.robustness._harness import Outcome, record_case
from tests.robustness.test_workflow_inputs import (
    BIN,
    _env,
    copy_workflow,
    edit_config,
    message,
    record,
    snakemake,
)

pytestmark = pytest.mark.slow
SEED = 20261203


def small_run_config(workdir: Path) -> None:
    """6 samples, SBS96 only, ranks 3-5, 4 replicates in chunks of 2, few iterations, 2 CV
    folds of bi-cross-validation blocks."""
    edit_config(workdir, catalog={"contexts": ["SBS96"]},
                extract={"ranks": {"min": 3, "max": 5}, "replicates": 4,
                         "replicates_per_chunk": 2, "max_iter": 300, "min_iter": 50},
                rank={"cv_folds": 2, "cv_max_iter": 100, "cv_scheme": "blocks"},
                refit={"bootstrap": 5})
    rows = [f"S{i:02d}\tresources/example/vcfs/S{i:02d}.vcf" for i in range(1, 7)]
    (workdir / "config/samples.tsv").write_text("sample_id\tvcf\n" + "\n".join(rows) + "\n")


def snapshot(workdir: Path) -> dict[str, bytes]:
    """Every file under results/ (hidden temporary files included: a killed write must not
    leave one), except results/benchmarks/, which holds the jobs' measured run times, and
    results/logs/, which say what each run did (a rerun notes the damaged files it deleted).
    No other output differs between runs: provenance.json records versions and settings, not
    times, and the reports carry no timestamps."""
    results = workdir / "results"
    return {str(p.relative_to(results)): p.read_bytes() for p in sorted(results.rglob("*"))
            if p.is_file() and p.relative_to(results).parts[0] not in ("benchmarks", "logs")}


def assert_same_bytes(workdir: Path, reference: dict[str, bytes]) -> None:
    """The run's results are the reference run's, file for file and byte for byte."""
    found = snapshot(workdir)
    assert sorted(found) == sorted(reference), set(found) ^ set(reference)
    differing = [name for name in reference if found[name] != reference[name]]
    assert not differing, differing


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the small config."""
    workdir = copy_workflow(tmp_path_factory.mktemp("reference") / "wf")
    small_run_config(workdir)
    run = snakemake(workdir, "--cores", "2")
    record("faults/uninterrupted-run", run)
    assert run.returncode == 0, run.stdout[-4000:]
    provenance = json.loads((workdir / "results/extract/SBS96/provenance.json").read_text())
    assert provenance["cross_validation"]["scheme"] == "blocks"
    assert (workdir / "results/extract/SBS96/k4/cv.npz").is_file()
    return workdir


def clone(reference: Path, dest: Path, *remove: str) -> Path:
    """A copy of the finished reference run (mtimes kept) without the given results paths."""
    shutil.copytree(reference, dest, symlinks=True)
    for name in remove:
        for path in dest.glob(name):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return dest


def session_processes(session: int) -> dict[int, str]:
    """pid -> command line of every live process in the session (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) == session and fields[0] != "Z":
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(
                    b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
    return found


def start(workdir: Path) -> subprocess.Popen[str]:
    """Start `snakemake --cores 2` in its own session (so its jobs can be found and awaited)."""
    return subprocess.Popen([str(BIN / "snakemake"), "--cores", "2"], cwd=workdir, env=_env(),
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for_job(proc: subprocess.Popen[str], command: str, timeout: float = 120) -> int:
    """The pid of the first `sigforge COMMAND` job process of the run (python, not the shell)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, cmdline in session_processes(proc.pid).items():
            if f"sigforge {command} " in cmdline and "bash" not in cmdline.split()[0]:
                return pid
        assert proc.poll() is None, "the run ended before a job of " + command
        time.sleep(0.02)
    raise AssertionError(f"no sigforge {command} job within {timeout} s")


def wait_for_session_end(session: int, timeout: float = 180) -> None:
    """Wait until every process of the session (jobs orphaned by a kill) has exited."""
    deadline = time.monotonic() + timeout
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(session)
    if left:
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"jobs still running {timeout} s after the kill: {left}")


def kill_snakemake_during(workdir: Path, command: str, case: str) -> None:
    """SIGKILL snakemake a seeded random moment after a `sigforge COMMAND` job starts."""
    proc = start(workdir)
    wait_for_job(proc, command)
    delay = random.Random(f"{SEED}-{case}").uniform(0.0, 1.0)
    time.sleep(delay)
    proc.kill()
    proc.communicate()
    record_case(f"{case}/killed", Outcome(proc.returncode, f"snakemake killed by SIGKILL "
                                          f"{delay:.2f} s after a sigforge {command} job began"))
    wait_for_session_end(proc.pid)  # its jobs carry on as orphans and finish their writes


def rerun_as_a_user(workdir: Path, case: str) -> None:
    """The plain command; if Snakemake says the directory is locked (as it does after a
    SIGKILL of snakemake itself), the `--unlock` it names, then the plain command again."""
    run = snakemake(workdir, "--cores", "2")
    record(f"{case}/plain-rerun", run)
    if run.returncode != 0 and "LockException" in run.stdout:
        assert "--unlock" in run.stdout, run.stdout[-3000:]
        unlock = snakemake(workdir, "--unlock")
        record(f"{case}/unlock", unlock)
        assert unlock.returncode == 0, unlock.stdout[-3000:]
        run = snakemake(workdir, "--cores", "2")
        record(f"{case}/rerun-after-unlock", run)
    assert run.returncode == 0, run.stdout[-4000:]
    again = snakemake(workdir, "--cores", "2", "-n")
    assert "Nothing to be done" in again.stdout, again.stdout[-3000:]


DISCOVERY_AND_AFTER = ("results/extract", "results/refit", "results/report")
CONSENSUS_AND_AFTER = ("results/extract/SBS96/k*/*.tsv", "results/extract/SBS96/k*/*.json",
                       "results/extract/SBS96/*.*", "results/refit", "results/report")


def test_sigkill_of_snakemake_during_nmf(reference_run: Path, tmp_path: Path) -> None:
    workdir = clone(reference_run, tmp_path / "wf", *DISCOVERY_AND_AFTER)
    kill_snakemake_during(workdir, "replicates", "faults/sigkill-snakemake-during-nmf")
    rerun_as_a_user(workdir, "faults/sigkill-snakemake-during-nmf")
    assert_same_bytes(workdir, snapshot(reference_run))


def test_sigkill_of_snakemake_during_consensus(reference_run: Path, tmp_path: Path) -> None:
    workdir = clone(reference_run, tmp_path / "wf", *CONSENSUS_AND_AFTER)
    kill_snakemake_during(workdir, "consensus", "faults/sigkill-snakemake-during-consensus")
    rerun_as_a_user(workdir, "faults/sigkill-snakemake-during-consensus")
    assert_same_bytes(workdir, snapshot(reference_run))


def test_sigkill_of_one_nmf_job(reference_run: Path, tmp_path: Path) -> None:
    case = "faults/sigkill-one-nmf-job"
    workdir = clone(reference_run, tmp_path / "wf", *DISCOVERY_AND_AFTER)
    proc = start(workdir)
    job = wait_for_job(proc, "replicates")
    delay = random.Random(f"{SEED}-{case}").uniform(0.0, 1.0)
    time.sleep(delay)
    os.kill(job, signal.SIGKILL)
    record_case(f"{case}/killed", Outcome(-9, f"sigforge replicates job killed by SIGKILL "
                                          f"{delay:.2f} s after it began"))
    output = proc.communicate(timeout=300)[0]
    record_case(f"{case}/run", Outcome(proc.returncode, message(output)))
    assert proc.returncode != 0 and "Error in rule nmf_chunk" in output, output[-3000:]
    wait_for_session_end(proc.pid)
    rerun_as_a_user(workdir, case)
    assert_same_bytes(workdir, snapshot(reference_run))


def test_damaged_and_missing_intermediates_are_rebuilt_by_one_plain_rerun(
        reference_run: Path, tmp_path: Path) -> None:
    """A truncated chunk and a damaged metrics file (both named as damaged and rebuilt), a
    deleted chunk of another rank, and a third rank's deleted table and cross-validation
    file: one plain rerun rebuilds each, to the uninterrupted run's bytes."""
    case = "faults/damaged-and-missing-intermediates"
    workdir = clone(reference_run, tmp_path / "wf")
    extract = workdir / "results/extract/SBS96"
    truncated, damaged = extract / "k4/chunks/chunk0.npz", extract / "k4/metrics.json"
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    damaged.write_text('{"k": 4, "mean_stab')
    for name in ("k5/chunks/chunk1.npz", "k3/signatures.tsv", "k3/cv.npz"):
        (extract / name).unlink()
    dry = snakemake(workdir, "--cores", "2", "-n")
    assert dry.returncode == 0 and "Nothing to be done" not in dry.stdout, dry.stdout[-3000:]
    run = snakemake(workdir, "--cores", "2")
    record(case, run)
    assert run.returncode == 0, run.stdout[-4000:]
    for path in (truncated, damaged):
        note = f"intermediate file {path.relative_to(workdir)} is damaged"
        lines = [line for line in run.stdout.splitlines() if note in line]
        assert lines and all(line.endswith("this run rebuilds it.") for line in lines), \
            (note, run.stdout[-3000:])
    assert_same_bytes(workdir, snapshot(reference_run))


def test_consensus_names_a_damaged_chunk_it_is_given(reference_run: Path, tmp_path: Path
                                                     ) -> None:
    """Run by hand (outside the workflow's check), consensus names the file and the fix."""
    chunk = tmp_path / "chunk0.npz"
    source = reference_run / "results/extract/SBS96/k4/chunks/chunk0.npz"
    chunk.write_bytes(source.read_bytes()[:200])
    run = subprocess.run(
        [str(BIN / "sigforge"), "consensus", "--catalog", "results/catalogs/SBS96.tsv",
         "--k", "4", "--chunks", str(chunk), str(source.with_name("chunk1.npz")),
         "--out", str(tmp_path / "k4")], cwd=reference_run, env=_env(), text=True,
        capture_output=True, check=False)
    record_case("faults/consensus-reads-truncated-chunk", Outcome(run.returncode, run.stderr))
    assert run.returncode == 2, run.stderr
    assert f"chunk file {chunk}" in run.stderr and "damaged" in run.stderr
    assert "delete it and rerun" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "k4").exists()

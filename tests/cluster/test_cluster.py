"""`snakemake --profile cluster` on a real single-node SLURM, checked against a local run.

`make test-cluster` (tests/cluster/run.sh) starts the cluster, exports SLURM_CONF and
SIGFORGE_TEST_CLUSTER=1 and runs this file. Anywhere else every test here is skipped, so a
plain `make test` on a login node never submits jobs to the site's SLURM.

What it shows (issue 8): the cluster run's results are bit-identical to the local run's; a
job cancelled with scancel mid-run is retried and the run completes; snakemake killed with
SIGKILL mid-run and rerun redoes only the missing outputs and gives the same bytes; a
2,000-replicate discovery is tens of SLURM jobs. It writes the measured wall times and
scheduler overheads to $SIGFORGE_CLUSTER_REPORT (a TSV) for the README and docs.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = TypeVar("T")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("SIGFORGE_TEST_CLUSTER") != "1",
                       reason="needs the test SLURM of `make test-cluster`"),
]

# Settings for this throw-away cluster only, given on the command line so that cluster/ stays
# right for real sites (which have slurmdbd, so sacct, and accounts).
TEST_CLUSTER_ARGS = [
    # No slurmdbd here: sacct fails and the plugin's default status check would wait forever.
    # squeue forgets a job MinJobAge (300 s, tests/cluster/slurm.sh) after it ends, far more
    # than 3 x the first check delay below, as the plugin requires.
    "--slurm-status-command", "squeue",
    "--slurm-no-account",
    # First status check after 5 s instead of 40 s: the example's jobs take seconds.
    "--slurm-init-seconds-before-status-checks", "5",
    # The node has 2 CPUs and a group runs its jobs one after another, so split the example's
    # 30 catalogs, 14 NMF chunks and 30 patient refits into two groups each that run side by
    # side (the profile's 100 and 50 would make one long group each).
    "--group-components", "catalog=15", "nmf=7", "cv=7", "patients=15",
]
SNAKEMAKE_LIMIT_S = 600  # per snakemake run; `timeout -s INT` lets it cancel its jobs first
COMPARED = ["results/extract/SBS96/signatures.tsv", "results/extract/SBS96/rank_metrics.tsv",
            "results/refit/SBS96/exposures.tsv"] + [
    f"results/extract/SBS96/k{k}/signatures.tsv" for k in range(2, 9)]
CHUNK = re.compile(r"results/extract/SBS96/k\d+/chunks/chunk\d+\.npz")
MEASURED: dict[str, str] = {}  # name -> value, written to $SIGFORGE_CLUSTER_REPORT at the end


# ---------------------------------------------------------------------------------------
# Helpers: workdirs, snakemake processes, the SLURM queue, bounded polling, log parsing.
# ---------------------------------------------------------------------------------------

def _env() -> dict[str, str]:
    """Our venv's bin first on PATH, so jobs (nested snakemake, `sigforge`) find it."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def copy_workflow(dest: Path) -> Path:
    """What a user clones, profiles included, copied into dest (the repository stays clean).

    The copy counts and factors SBS96 only: the scheduling facts below concern the job graph's
    shape, which the doublet and indel contexts only triple (tests/workflow runs them all),
    and one context keeps this single-node cluster's run within minutes. It solves the
    replicates in chunks of 10 (the demo's config: one chunk of 20 per rank, fewer local
    start-ups), so that each rank fans out into several SLURM tasks, as on a real cluster."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(REPO / name, dest)
    for folder in ("workflow", "config", "resources/example", "cluster", "profiles"):
        shutil.copytree(REPO / folder, dest / folder)
    config = dest / "config/config.yaml"
    text = config.read_text()
    assert "  contexts: [SBS96, DBS78, ID83]\n" in text
    assert "  replicates_per_chunk: 20\n" in text
    config.write_text(text.replace("  contexts: [SBS96, DBS78, ID83]\n", "  contexts: [SBS96]\n")
                      .replace("  replicates_per_chunk: 20\n", "  replicates_per_chunk: 10\n"))
    return dest


def start(workdir: Path, *args: str, log: str) -> subprocess.Popen[bytes]:
    """Start snakemake under `timeout -s INT -k 60` (the plugin cancels its jobs on SIGINT;
    SIGKILL 60 s later if it hangs), output to workdir/log."""
    with open(workdir / log, "wb") as out:
        return subprocess.Popen(
            ["timeout", "-s", "INT", "-k", "60", str(SNAKEMAKE_LIMIT_S),
             str(BIN / "snakemake"), *args], cwd=workdir, env=_env(), stdout=out,
            stderr=subprocess.STDOUT, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    """A shell runs background commands with SIGINT ignored, and exec keeps it ignored; give
    snakemake the default so that timeout's SIGINT makes it cancel its jobs and stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(proc: subprocess.Popen[bytes], workdir: Path, log: str) -> tuple[int, str]:
    """Wait (bounded by the timeout wrapper) and return (exit status, log text)."""
    rc = proc.wait(timeout=SNAKEMAKE_LIMIT_S + 90)
    return rc, (workdir / log).read_text(errors="replace")


def run(workdir: Path, *args: str, log: str) -> tuple[int, str, float]:
    """Run snakemake to the end; (exit status, log text, wall seconds)."""
    began = time.monotonic()
    rc, text = finish(start(workdir, *args, log=log), workdir, log)
    return rc, text, time.monotonic() - began


def cluster_args(*extra: str) -> list[str]:
    """`snakemake --profile cluster` as a user types it, plus the test cluster's settings.
    Targets and flags go first: --group-components would swallow targets that follow it."""
    return ["--profile", "cluster", *extra, *TEST_CLUSTER_ARGS]


def squeue() -> list[tuple[str, str, str]]:
    """(job id, state, comment) of every job the controller still knows; the plugin sets the
    comment to the rule or group name."""
    out = subprocess.run(["squeue", "--noheader", "--states=all", "--format=%i|%T|%k"],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("|", 2)) for line in out.splitlines() if line]  # type: ignore[misc]


def poll(condition: Callable[[], T], seconds: float, what: str,
         alive: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> T:
    """Return condition()'s first truthy value, checking every 0.5 s for at most `seconds`
    (and failing at once, with its log's tail, if the process `alive` has ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if alive is not None and alive.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"snakemake ended (status {alive.returncode}) before {what}:\n"
                                 f"{tail}")
        time.sleep(0.5)
    raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")


def running_nmf_jobs() -> list[str]:
    """SLURM ids of the NMF group jobs that are running now."""
    return [job for job, state, comment in squeue() if state == "RUNNING" and "nmf" in comment]


def chunk_files(workdir: Path) -> set[str]:
    """NMF chunk outputs present in workdir, as workdir-relative paths."""
    return {str(p.relative_to(workdir)) for p in workdir.glob("results/extract/SBS96/k*/chunks/"
                                                                "chunk*.npz")}


def snakemake_child(proc: subprocess.Popen[bytes]) -> int:
    """PID of the snakemake process that our `timeout` wrapper started."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def planned_outputs(text: str) -> set[str]:
    """First output of every job a (dry) run listed."""
    return {m.group(1).split(",")[0] for m in
            re.finditer(r"^\s*output: (\S+)", text, flags=re.MULTILINE)}


STAMP = re.compile(r"^\s*\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]")


def _stamp(line: str) -> datetime | None:
    """The time of a snakemake log line like '[Sat Nov 28 14:58:05 2026]', else None."""
    m = STAMP.match(line)
    return datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y") if m else None


def local_job_times(text: str) -> dict[str, float]:
    """{first output: seconds} of each job of a local run's log."""
    stamp, started, output, seconds = None, {}, None, {}
    for line in text.splitlines():
        if (when := _stamp(line)) is not None:
            stamp = when
        elif line.startswith("localrule "):
            output = None
        elif (m := re.match(r"^    output: ([^,\s]+)", line)) and output is None:
            output = m.group(1)
        elif (m := re.match(r"^    jobid: (\d+)", line)) and output:
            started[m.group(1)] = (stamp, output)
        elif (m := re.match(r"^Finished jobid: (\d+)", line)) and m.group(1) in started:
            began, out = started.pop(m.group(1))
            seconds[out] = (stamp - began).total_seconds()
    return seconds


def _unquoted_lines(text: str) -> Iterator[str]:
    """The main log's own lines, without the job logs it quotes between two '=====' rules."""
    rules_left = 0  # '=====' lines still to pass in a quoted log
    for line in text.splitlines():
        if line.startswith("Logfile ") and line.endswith(":"):
            rules_left = 2
        elif rules_left:
            rules_left -= line.startswith("=" * 40)
        else:
            yield line


def slurm_submissions(text: str) -> list[tuple[list[str], float, bool]]:
    """(first outputs of its rule jobs, seconds from submission until Snakemake noticed the
    end, grouped?) of every SLURM job of a cluster run's main log that ran once. Headers
    ('rule X:' or 'Group job X') can come several before their 'has been submitted' lines,
    which follow in the same order. Failed jobs' SLURM logs, which the main log quotes
    between two '=====' rules (show-failed-logs), are skipped."""
    stamp, block, pending, submissions, finished = None, None, [], [], {}
    for line in _unquoted_lines(text):
        if (when := _stamp(line)) is not None:
            stamp = when
            if " Group job " in line:
                block = {"grouped": True, "jobids": [], "outputs": [], "start": stamp}
                pending.append(block)
        elif line.startswith("rule "):
            block = {"grouped": False, "jobids": [], "outputs": [], "start": stamp}
            pending.append(block)
        elif block is not None and (m := re.match(r"^\s+output: ([^,\s]+)", line)):
            block["outputs"].append(m.group(1))
        elif block is not None and (m := re.match(r"^\s+jobid: (\d+)$", line)):
            block["jobids"].append(m.group(1))
        elif pending and "has been submitted with SLURM jobid" in line:
            submissions.append(pending.pop(0))
            block = pending[-1] if pending else None
        elif m := re.match(r"^Finished jobid: (\d+)", line):
            finished[m.group(1)] = stamp
    seen = [j for b in submissions for j in b["jobids"]]
    once = [b for b in submissions if all(seen.count(j) == 1 for j in b["jobids"])]
    return [(b["outputs"], (max(finished[j] for j in b["jobids"]) - b["start"]).total_seconds(),
             b["grouped"]) for b in once if all(j in finished for j in b["jobids"])]


def overheads(local_log: str, cluster_log: str) -> tuple[float, float, int, int]:
    """Scheduler overhead, measured against the local run of the same jobs: per ungrouped
    SLURM job (submission to Snakemake noticing its end, minus the job's local time) and per
    rule job inside a group job (the same over the group, divided by its jobs); with the
    number of SLURM jobs each mean is over. Retried (cancelled) jobs are left out."""
    local = local_job_times(local_log)
    alone, grouped, members = [], [], 0
    for outputs, turnaround, is_group in slurm_submissions(cluster_log):
        extra = turnaround - sum(local[o] for o in outputs)
        if is_group:
            grouped.append(extra)
            members += len(outputs)
        else:
            alone.append(extra)
    return (sum(alone) / len(alone), sum(grouped) / members, len(alone), len(grouped))


def incomplete_outputs(workdir: Path) -> set[str]:
    """Outputs Snakemake's metadata marks as incomplete (started, never finished)."""
    marks = workdir / ".snakemake/incomplete"
    paths = set()
    for mark in marks.rglob("*") if marks.exists() else []:
        # Each marker is the urlsafe base64 of the path, split into '@'-prefixed folders
        # when longer than a file name may be (snakemake/persistence/file.py).
        name = "".join(part.lstrip("@") for part in mark.relative_to(marks).parts)
        if mark.is_file():
            try:
                paths.add(base64.urlsafe_b64decode(name).decode())
            except ValueError:
                continue
    return paths


# ---------------------------------------------------------------------------------------
# Fixtures: one local run, one cluster run with a job cancelled mid-run.
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """Write what the tests measured to $SIGFORGE_CLUSTER_REPORT once they are done."""
    yield
    path = os.environ.get("SIGFORGE_CLUSTER_REPORT")
    if path and MEASURED:
        Path(path).write_text("".join(f"{k}\t{v}\n" for k, v in MEASURED.items()))


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example run locally as `make demo` does: the reference bytes and timings."""
    workdir = copy_workflow(tmp_path_factory.mktemp("local"))
    rc, text, wall = run(workdir, "--cores", "2", log="local.log")
    assert rc == 0, text[-4000:]
    MEASURED["local_wall_s"] = f"{wall:.0f}"
    return workdir, text


@pytest.fixture(scope="module")
def cluster(local: tuple[Path, str],
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int, str]:
    """The example on SLURM; once an NMF group job is running and has written a chunk, it is
    cancelled with scancel, as an admin or a preemption would. Returns (workdir, log, exit
    status, the cancelled SLURM job id). Runs after `local` so the two never share the CPUs."""
    workdir = copy_workflow(tmp_path_factory.mktemp("cluster"))
    began = time.monotonic()
    proc = start(workdir, *cluster_args(), log="cluster.log")
    try:
        victim = poll(lambda: running_nmf_jobs() if chunk_files(workdir) else [], 420,
                      "an NMF group job that has written a chunk", alive=proc,
                      log=workdir / "cluster.log")[0]
        subprocess.run(["scancel", victim], check=True)
    finally:
        rc, text = finish(proc, workdir, "cluster.log")
    MEASURED["cluster_wall_s"] = f"{time.monotonic() - began:.0f}"
    MEASURED["cluster_slurm_jobs"] = str(text.count("has been submitted with SLURM jobid"))
    per_job, per_member, alone, groups = overheads(local[1], text)
    MEASURED["overhead_per_slurm_job_s"] = f"{per_job:.1f} (mean of {alone} ungrouped jobs)"
    MEASURED["overhead_per_rule_job_in_a_group_s"] = f"{per_member:.1f} ({groups} groups)"
    return workdir, text, rc, victim


# ---------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------

def test_cancelled_job_is_retried_and_the_run_completes(cluster: tuple[Path, str, int, str]
                                                        ) -> None:
    workdir, text, rc, victim = cluster
    assert rc == 0, text[-4000:]
    # The main log quotes the failed job's SLURM log, where slurmstepd reports the cancel.
    assert re.search(rf"JOB {victim} ON \S+ CANCELLED", text), text[-4000:]
    assert "Error in group nmf" in text and "Trying to restart job" in text
    assert "steps (100%) done" in text


def test_cluster_results_are_bit_identical_to_local(local: tuple[Path, str],
                                                    cluster: tuple[Path, str, int, str]) -> None:
    assert cluster[2] == 0
    for name in COMPARED:
        assert (cluster[0] / name).read_bytes() == (local[0] / name).read_bytes(), name


def test_example_runs_as_a_handful_of_slurm_jobs(cluster: tuple[Path, str, int, str]) -> None:
    """100+ rule jobs, grouped: catalogs, NMF chunks, consensus+rank, CV folds and patient
    refits ride in group jobs."""
    text = cluster[1]
    submitted = re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/slurm_logs/(\w+)/", text)
    groups = [s for s in submitted if s.startswith("group_")]
    assert groups.count("group_catalog_catalog_sample") == 2
    assert groups.count("group_nmf_nmf_chunk") == 3  # two groups plus the cancelled one's retry
    assert groups.count("group_rank_consensus_select_rank") == 1
    assert groups.count("group_patients_refit_patient") == 2
    assert len(submitted) <= 16


def test_2000_replicates_are_tens_of_slurm_jobs(tmp_path: Path) -> None:
    """Dry run with the user-facing profile alone: 1,400 NMF chunks become 28 group jobs."""
    workdir = copy_workflow(tmp_path)
    config = (workdir / "config/config.yaml").read_text()
    (workdir / "config/r2000.yaml").write_text(
        re.sub(r"(?m)^  replicates: \d+$", "  replicates: 2000", config))
    rc, text, _ = run(workdir, "--profile", "cluster", "-n", "--configfile", "config/r2000.yaml",
                      log="dry.log")
    assert rc == 0, text[-3000:]
    chunks = re.search(r"^nmf_chunk\s+(\d+)$", text, flags=re.MULTILINE)
    assert chunks and int(chunks.group(1)) == 2000 // 10 * 7
    groups = re.findall(r"Group job (\w+)", text)
    # Grouped jobs are listed indented; `all` has no command and is not submitted.
    ungrouped = [rule for rule in re.findall(r"^rule (\w+):", text, flags=re.MULTILINE)
                 if rule != "all"]
    MEASURED["dry_run_2000_replicates"] = (
        f"{chunks.group(1)} nmf_chunk jobs; {len(groups) + len(ungrouped)} SLURM jobs "
        f"({groups.count('nmf')} nmf groups, {groups.count('catalog')} catalog, "
        f"{groups.count('rank')} rank, {len(ungrouped)} ungrouped: {', '.join(ungrouped)})")
    assert groups.count("nmf") == 28
    assert 10 <= len(groups) + len(ungrouped) < 50


def test_killed_snakemake_reruns_only_missing_outputs(local: tuple[Path, str],
                                                      cluster: tuple[Path, str, int, str],
                                                      tmp_path_factory: pytest.TempPathFactory
                                                      ) -> None:
    """SIGKILL snakemake (a lost login session) while NMF group jobs run, then rerun.

    To save time this starts from a copy of the finished cluster run without its discovery
    outputs (results/extract), and asks for the discovery results only: the catalogs are
    done, and the NMF stage is what is interrupted.
    """
    assert cluster[2] == 0
    workdir = tmp_path_factory.mktemp("killed") / "wf"
    shutil.copytree(cluster[0], workdir, symlinks=True)  # copy2 keeps mtimes
    shutil.rmtree(workdir / "results/extract")
    targets = [name for name in COMPARED if name.startswith("results/extract/")]
    proc = start(workdir, *cluster_args(*targets), log="killed.log")
    try:
        # Kill once some chunks exist but not all: the run is truly half done.
        jobs = poll(lambda: running_nmf_jobs() if len(chunk_files(workdir)) >= 3 else [], 420,
                    "NMF group jobs running with 3 chunks written", alive=proc,
                    log=workdir / "killed.log")
        os.kill(snakemake_child(proc), signal.SIGKILL)
    finally:
        rc, _ = finish(proc, workdir, "killed.log")
    assert rc == -signal.SIGKILL, rc  # timeout re-raises its child's fatal signal on itself
    # Its SLURM jobs outlive it, running and pending alike: a job still pending at the kill
    # starts later and writes (or, cancelled mid-way, removes) a chunk while the rerun plans.
    # Cancel them all, as their owner would before rerunning (else the rerun would submit the
    # same chunks again beside them), and wait until they are gone. Nothing else uses this
    # private SLURM now, and the dead snakemake submits nothing more.
    active = ("RUNNING", "PENDING", "CONFIGURING", "COMPLETING")
    jobs = sorted(set(jobs) | {job for job, state, _ in squeue() if state in active})
    subprocess.run(["scancel", *jobs], check=True)
    poll(lambda: not {j for j, state, _ in squeue() if j in jobs and state in active}, 120,
         "the orphaned jobs to end")

    present = {c: (workdir / c).stat().st_mtime_ns for c in chunk_files(workdir)}
    incomplete = incomplete_outputs(workdir)
    all_chunks = {f"results/extract/SBS96/k{k}/chunks/chunk{c}.npz"
                  for k in range(2, 9) for c in range(2)}
    assert 0 < len(set(present) - incomplete) < len(all_chunks), (present, incomplete)

    # The kill left snakemake's lock behind; --unlock is the documented first step.
    rc, text, _ = run(workdir, *cluster_args("--unlock"), log="unlock.log")
    assert rc == 0, text[-3000:]
    rc, plan, _ = run(workdir, *cluster_args("-n", *targets), log="plan.log")
    assert rc == 0, plan[-3000:]
    planned = planned_outputs(plan)
    planned_chunks = {p for p in planned if CHUNK.fullmatch(p)}
    assert planned_chunks == (all_chunks - set(present)) | (incomplete & all_chunks)
    assert not any("results/catalogs/" in p for p in planned)

    began = time.monotonic()
    rc, text, _ = run(workdir, *cluster_args(*targets), log="rerun.log")
    assert rc == 0, text[-4000:]
    MEASURED["kill_rerun_wall_s"] = f"{time.monotonic() - began:.0f}"
    MEASURED["kill_chunks_kept_rerun"] = (f"{len(all_chunks - planned_chunks)} kept, "
                                          f"{len(planned_chunks)} rerun of {len(all_chunks)}")
    assert {p for p in planned_outputs(text) if CHUNK.fullmatch(p)} == planned_chunks
    for chunk, mtime in present.items():
        if chunk not in planned_chunks:
            assert (workdir / chunk).stat().st_mtime_ns == mtime, f"{chunk} was redone"
    for name in targets:
        assert (workdir / name).read_bytes() == (local[0] / name).read_bytes(), name

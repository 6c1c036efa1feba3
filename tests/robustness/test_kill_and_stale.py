"""SIGKILL (the out-of-memory killer, ``timeout -s KILL``, a scheduler's kill after its grace
period) runs no code, so the take-back of a failed command cannot run: a rerun killed
part-way left this run's tables beside the last run's page, and the next command deleted the
last run's backups as stale. The journal beside the output folder (``sigforge._journal``)
lets the next command into the folder take the killed run back. Also two neighbours: a
signal right after an output's rename, and another command's files in the folder, which a
rerun took for its own stale outputs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sigforge import _outlock
from sigforge._atomic import atomic_write, removed_on_failure
from sigforge._journal import journal_path, recover

KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from sigforge import _outlock
from sigforge._atomic import atomic_write, discard_output, removed_on_failure
out = Path(sys.argv[1])
_outlock.claim_folder(out)
with removed_on_failure():
    for name in ("a.tsv", "b.tsv", "sub/c.tsv"):
        with atomic_write(out / name) as handle:
            handle.write("new\\n")
    discard_output(out / "gone.tsv")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _state(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (hidden ones too), files by content digest."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest()
                                          if p.is_file() else "folder")
            for p in sorted(folder.rglob("*"))}


def _earlier_run(out: Path) -> dict[str, str]:
    out.mkdir()
    for name in ("a.tsv", "b.tsv", "gone.tsv", "kept.tsv"):
        (out / name).write_text(f"old {name}\n")
    return _state(out)


def _kill_a_rerun(out: Path) -> None:
    """Run a command into ``out`` that replaces two files, creates a folder and a file in it,
    discards a file, and is then SIGKILLed."""
    done = subprocess.run([sys.executable, "-c", KILLED_RUN, str(out)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert (out / "a.tsv").read_text() == "new\n" and not (out / "gone.tsv").exists()
    assert journal_path(out).is_file()


def test_the_next_command_takes_a_killed_run_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = _earlier_run(out)
    _kill_a_rerun(out)
    _outlock.claim_folder(out)
    with removed_on_failure(), atomic_write(out / "kept.tsv") as handle:
        handle.write("third run\n")
    _outlock.release()
    after = _state(out)
    assert after.pop("kept.tsv") != before.pop("kept.tsv")
    assert after == before  # a, b and gone.tsv as they were; sub/ and no backup left
    assert not journal_path(out).exists()


def test_a_killed_run_that_had_committed_keeps_its_files(tmp_path: Path) -> None:
    """A kill after success was marked (while the backups were being deleted): the new files
    stand, and the backups left are deleted."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.tsv").write_text("new\n")
    backup = out / ".a.tsv.0123abcd.old"
    backup.write_text("old\n")
    journal_path(out).write_text(
        json.dumps(["backup", str(out / "a.tsv"), str(backup)]) + "\n"
        + json.dumps(["commit", os.path.abspath(".")]) + "\n" + '["create", "/cut sh')
    recover(out)
    assert _state(out) == {"a.tsv": hashlib.sha256(b"new\n").hexdigest()}
    assert not journal_path(out).exists()


def test_runs_that_end_leave_no_journal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _outlock.claim_folder(out)
    with removed_on_failure(), atomic_write(out / "x.tsv") as handle:
        handle.write("x\n")
    _outlock.release()  # as the command line does when a command ends
    assert sorted(os.listdir(tmp_path)) == ["out"]
    _outlock.claim_folder(out)
    try:
        with removed_on_failure():
            with atomic_write(out / "y.tsv") as handle:
                handle.write("y\n")
            raise RuntimeError("late failure")
    except RuntimeError:
        pass
    assert sorted(os.listdir(tmp_path)) == ["out"] and sorted(os.listdir(out)) == ["x.tsv"]


def test_a_signal_right_after_a_rename_is_taken_back(tmp_path: Path,
                                                     monkeypatch) -> None:  # noqa: ANN001
    """SIGINT or SIGTERM landing between an output's rename and its record left the new file
    in place, unrecorded, and the old one's backup deleted: an earlier run's file lost while
    the message said the folder was as before."""
    import sigforge._atomic as atomic

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.tsv").write_text("old\n")
    replace = os.replace

    def replace_then_interrupt(source: str, target: str) -> None:
        replace(source, target)
        if str(target).endswith("a.tsv"):
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    _outlock.claim_folder(out)
    try:
        with removed_on_failure(), atomic_write(out / "a.tsv") as handle:
            handle.write("new\n")
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(atomic.os, "replace", replace)
    assert _state(out) == {"a.tsv": hashlib.sha256(b"old\n").hexdigest()}


def test_files_of_another_command_in_the_folder_are_not_stale(tmp_path: Path) -> None:
    """refit --vcf into a catalog folder deleted its SBS1536, DBS78 and ID83 catalogs as
    'an output of an earlier run'; catalog --contexts SBS96 deleted a user's SBS1536.tsv."""
    from sigforge.cli import main

    example = Path(__file__).resolve().parents[2] / "resources" / "example"
    out = tmp_path / "P1"
    assert main(["-q", "catalog", "--reference", str(example / "genome.fa"), "--vcf",
                 str(example / "vcfs" / "S01.vcf"), "--contexts", "SBS96", "DBS78", "ID83",
                 "SBS1536", "--out", str(out)]) == 0
    assert main(["-q", "refit", "--vcf", str(example / "vcfs" / "S01.vcf"), "--reference",
                 str(example / "genome.fa"), "--signatures", "COSMIC_v3.6", "--bootstrap",
                 "0", "--out", str(out)]) == 0
    assert (out / "SBS1536.tsv").is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "SBS1536.tsv").write_text("mine\n")
    assert main(["-q", "catalog", "--reference", str(example / "genome.fa"), "--vcf",
                 str(example / "vcfs" / "S01.vcf"), "--out", str(mine)]) == 0
    assert (mine / "SBS1536.tsv").read_text() == "mine\n"
    # a catalog's own earlier catalogs of other --contexts still go
    assert main(["-q", "catalog", "--reference", str(example / "genome.fa"), "--vcf",
                 str(example / "vcfs" / "S01.vcf"), "--contexts", "SBS96", "--out",
                 str(out)]) == 0
    assert not (out / "SBS1536.tsv").exists() and not (out / "ID83.tsv").exists()

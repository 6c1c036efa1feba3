"""Two commands into one --out folder at once: the second is refused at once (exit 2, naming
the first), a killed first run leaves nothing in the way, and commands writing single files
into one folder (the workflow's NMF chunks) run side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import write_matrix

SIGFORGE = [sys.executable, "-m", "sigforge", "-q"]

# A real `sigforge refit` that pauses right after locking its --out folder until told to go
# on (a line on stdin). Its command line holds 'sigforge refit', as a real run's does.
_HOLDER = """
import sys
from sigforge import _outlock
from sigforge.cli import main

locked = _outlock.lock_folder

def lock_and_wait(folder, out):
    locked(folder, out)
    print("locked", flush=True)
    sys.stdin.readline()

_outlock.lock_folder = lock_and_wait
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A small SBS96 catalog of four samples."""
    counts = np.random.default_rng(3).integers(0, 30, size=(96, 4))
    frame = pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=[f"s{i}" for i in range(4)])
    path = tmp_path / "in" / "SBS96.tsv"
    write_matrix(frame, path, integer=True)
    return path


def _refit_args(catalog: Path, out: Path) -> list[str]:
    """The options of a small refit of ``catalog`` into ``out``."""
    return ["refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
            "--restrict-to", "SBS1,SBS5", "--out", str(out)]


def _start_holder(catalog: Path, out: Path) -> subprocess.Popen[str]:
    """Start a refit into ``out`` and return once it holds the folder's lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, "sigforge", "-q", *_refit_args(catalog, out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked", holder.communicate()
    return holder


def _sigforge(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``sigforge -q ARGV`` in a process of its own (60 s at most)."""
    return subprocess.run([*SIGFORGE, *argv], capture_output=True, text=True, timeout=60,
                          check=False)


def test_second_command_into_a_busy_folder_is_refused_at_once(
        tmp_path: Path, catalog: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(catalog, out)
    try:
        second = _sigforge(*_refit_args(catalog, out))
        assert second.returncode == 2, second.stderr
        assert f"another sigforge command (pid {holder.pid}, `refit`) is writing into this " \
               "folder; wait for it to finish or give another --out" in second.stderr
        assert os.listdir(out) == []  # the refused command wrote nothing
    finally:
        stdout, stderr = holder.communicate("go\n", timeout=60)
    assert holder.returncode == 0, stderr
    assert (out / "exposures.tsv").is_file()
    assert not [name for name in os.listdir(out) if "lock" in name]
    again = _sigforge(*_refit_args(catalog, out))  # the lock went with the first command
    assert again.returncode == 0, again.stderr


def test_killed_holder_leaves_no_obstacle(tmp_path: Path, catalog: Path) -> None:
    out = tmp_path / "out"
    holder = _start_holder(catalog, out)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=60)
    after = _sigforge(*_refit_args(catalog, out))
    assert after.returncode == 0, after.stderr
    # no lock, temporary or backup left: only the refit's list of its outputs
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".refit_files"]
    assert not (tmp_path / ".out.sigforge-journal").exists()


def test_file_outputs_and_other_folders_beside_a_busy_folder_are_not_refused(
        tmp_path: Path, catalog: Path) -> None:
    """The workflow writes NMF chunks side by side into one folder, and owns subfolders and
    siblings of folders other jobs own: only the exact --out folder of a command is locked."""
    out = tmp_path / "k2"
    holder = _start_holder(catalog, out)
    try:
        chunks = [subprocess.Popen(
            [*SIGFORGE, "replicates", "--catalog", str(catalog), "--k", "2", "--first",
             str(2 * i), "--count", "2", "--max-iter", "50", "--min-iter", "10",
             "--out", str(out / f"chunk{i}.npz")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        results = [(chunk.wait(timeout=120), chunk.stderr.read()) for chunk in chunks
                   if chunk.stderr is not None]
        assert [code for code, _ in results] == [0, 0], results
        inner = _sigforge(*_refit_args(catalog, out / "reference"))
        sibling = _sigforge(*_refit_args(catalog, tmp_path / "k3"))
        assert (inner.returncode, sibling.returncode) == (0, 0), inner.stderr + sibling.stderr
    finally:
        _, stderr = holder.communicate("go\n", timeout=60)
    assert holder.returncode == 0, stderr
    assert (out / "chunk0.npz").is_file() and (out / "chunk1.npz").is_file()

"""One Snakemake run at a time per output folder.

Snakemake locks its working directory (``.snakemake/locks``), not the outputs: two runs from
two run folders whose configs name one ``outdir`` both start, redo each other's jobs and
delete each other's outputs (a job refused by the other run's folder lock is "failed", and
Snakemake removes its outputs). The run that starts jobs therefore takes an exclusive lock
on the outdir folder itself (``flock`` on its descriptor, as :mod:`sigforge._outlock` locks
a command's ``--out``: nothing is written into the results, a second run is refused at once
instead of waiting, and the kernel drops the lock with the process, so a killed run never
blocks the next). No job's command owns the outdir itself (each owns a folder inside it),
and the descriptor is not inherited by the jobs. Only the main process of a real run takes
it (Snakemake's ``onstart``): dry runs, ``--summary`` and jobs never do.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sigforge._outlock import locking_pid
from sigforge.io import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, runs are not locked
    fcntl = None  # type: ignore[assignment]

# The open descriptor of the outdir this process has locked (open for the run's lifetime).
_HELD: list[int] = []


def lock_outdir(outdir: str) -> None:
    """Take the run lock of ``outdir`` for this process (once), or raise InputError naming
    the run that holds it."""
    if fcntl is None or _HELD:  # pragma: no cover - Windows
        return
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(locking_pid(os.fstat(fd)))
        os.close(fd)
        raise InputError(f"outdir {outdir}: another Snakemake run is writing into it "
                         f"({holder}). Two runs into one outdir would redo and delete each "
                         "other's outputs: wait for that run to finish, or give this run "
                         "another outdir.") from None
    except BaseException:
        os.close(fd)
        raise
    _HELD.append(fd)


def _holder(pid: int | None) -> str:
    """The holding run's pid and run folder, where the kernel says (Linux ``/proc``)."""
    if pid is None:
        return "its pid not known here"
    try:
        return f"pid {pid}, run folder {os.readlink(f'/proc/{pid}/cwd')}"
    except OSError:
        return f"pid {pid}"


def release() -> None:
    """Let go of the run lock (closing the descriptor drops it); for tests."""
    while _HELD:
        with contextlib.suppress(OSError):
            os.close(_HELD.pop())

"""One Snakemake run at a time per output folder.

Snakemake locks its working directory (``.snakemake/locks``), not the outputs: two runs from
two run folders whose configs name one ``outdir`` both start, redo each other's jobs and
delete each other's outputs (a job refused by the other run's folder lock is "failed", and
Snakemake removes its outputs). The run that starts jobs therefore takes an exclusive lock on
``{outdir}/.sigforge-run.lock`` (``flock``, never waiting; the kernel drops it with the
process, so a killed run never blocks the next) and writes its pid and run folder into it;
a second run is refused at once, naming them. Only the main process of a real run takes it
(Snakemake's ``onstart``): dry runs, ``--summary`` and jobs never do.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sigforge.io import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, runs are not locked
    fcntl = None  # type: ignore[assignment]

#: The lock file's name in the output folder.
LOCK_NAME = ".sigforge-run.lock"

# The open descriptor of the lock this process holds (kept open for the run's lifetime).
_HELD: list[int] = []


def lock_outdir(outdir: str) -> None:
    """Take the run lock of ``outdir`` for this process (once), or raise InputError naming
    the run that holds it."""
    if fcntl is None or _HELD:  # pragma: no cover - Windows
        return
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        os.close(fd)
        raise InputError(f"outdir {outdir}: another Snakemake run is writing into it "
                         f"({holder or 'its pid and folder not recorded'}). Two runs into one "
                         "outdir would redo and delete each other's outputs: wait for that run "
                         "to finish, or give this run another outdir.") from None
    except BaseException:
        os.close(fd)
        raise
    record = f"pid {os.getpid()}, run folder {Path.cwd()}\n".encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, record, 0)
    _HELD.append(fd)


def release() -> None:
    """Let go of the run lock (closing the descriptor drops it); for tests."""
    while _HELD:
        with contextlib.suppress(OSError):
            os.close(_HELD.pop())

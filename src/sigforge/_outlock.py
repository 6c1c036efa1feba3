"""An exclusive lock on the output folder a command owns, so that two commands never fill
(and clean) the same ``--out`` folder at once.

Why: a command that owns its ``--out`` folder writes several outputs there and removes the
earlier run's outputs it does not write again; two such commands into one folder at the same
time would each succeed, and leave one run's tables beside the other's. The lock is
``flock(LOCK_EX | LOCK_NB)`` on the folder's own file descriptor: nothing is created in or
beside the folder (no listing changes), a second command is refused at once instead of
waiting, and the kernel drops the lock with the process, so a killed run never blocks the
next. Only the exact folder given as ``--out`` is locked: commands writing single files into
it, or owning its subfolders or siblings, are never refused.

:func:`claim_folder` names the folder (the command line does, when it checks ``--out``);
:func:`sigforge._atomic.removed_on_failure` creates and locks it (:func:`lock_folder`) when the
command starts, and :func:`release` lets it go when the command ends.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, folders are not locked
    fcntl = None  # type: ignore[assignment]


class FolderBusyError(ValueError):
    """The output folder is locked by another running command."""


# The folder claimed for the next command's outputs (locked when it starts), and the open
# descriptor of the folder it has locked.
_CLAIMED: list[Path] = []
_HELD: list[int] = []


def claim_folder(folder: Path | None) -> None:
    """Name the output folder the next command owns (None: it owns none). Creates nothing:
    the lock is taken when the command starts writing (:func:`take_claim`)."""
    _CLAIMED[:] = [] if folder is None else [folder]


def take_claim() -> Path | None:
    """The folder claimed by :func:`claim_folder`, forgotten once taken (one command, one
    lock: a later block of the same process does not lock it again)."""
    return _CLAIMED.pop() if _CLAIMED else None


def lock_folder(folder: Path, out: str) -> None:
    """Lock the existing ``folder`` for this process, or raise :class:`FolderBusyError`
    naming the command that holds it (``out``: how the user named it).

    Never waits: a command started into a busy folder is refused at once. Where the
    platform has no ``flock`` (Windows), nothing is locked.
    """
    if fcntl is None:  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(os.fstat(fd))
        os.close(fd)
        raise FolderBusyError(f"--out {out}: another {holder} is writing into this folder; "
                              "wait for it to finish or give another --out.") from None
    except BaseException:
        os.close(fd)
        raise
    _HELD.append(fd)


def release() -> None:
    """Let go of the folder this process has locked (closing the descriptor drops the lock)."""
    while _HELD:
        with contextlib.suppress(OSError):
            os.close(_HELD.pop())


def _holder(status: os.stat_result) -> str:
    """Who holds the lock on the folder of ``status``, for the message: ``sigforge command
    (pid N, `refit`)`` when the kernel's lock table (Linux ``/proc/locks``) and the holder's
    command line say so, less where they do not."""
    pid = locking_pid(status)
    if pid is None:
        return "sigforge command"
    command = _sigforge_command(pid)
    if command is None:
        return f"sigforge command (pid {pid})"
    return f"sigforge command (pid {pid}, `{command}`)"


def locking_pid(status: os.stat_result) -> int | None:
    """The pid holding a FLOCK on the inode of ``status``, from ``/proc/locks`` (Linux; None
    elsewhere, or when the holder is outside this process's pid namespace)."""
    device = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    with contextlib.suppress(OSError, ValueError), open("/proc/locks", encoding="ascii") as locks:
        for line in locks:
            fields = line.split()
            if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device:
                pid = int(fields[4])
                return pid if pid > 0 and pid != os.getpid() else None
    return None


def _sigforge_command(pid: int) -> str | None:
    """The sigforge command (``refit``, ``catalog`` ...) process ``pid`` runs, read from its
    command line: the first word after ``sigforge`` (the console script, or ``-m sigforge``)
    that is not an option; None when it cannot be read."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    start = next((i for i, word in enumerate(words) if os.path.basename(word) == "sigforge"),
                 None)
    if start is None:
        return None
    return next((word for word in words[start + 1:] if word and not word.startswith("-")), None)

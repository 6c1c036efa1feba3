"""A write-ahead journal of what one command changes in and under its output folder, so that
a run killed outright is rolled back by the next command into the same folder.

Why: :func:`sigforge._atomic.removed_on_failure` puts back an earlier run's files when a
command fails or is interrupted (an exception, SIGTERM, Ctrl-C), but a process killed with
SIGKILL (the kernel's out-of-memory killer, ``timeout -s KILL``, a scheduler's kill after its
grace period) runs no code: it left a rerun's folder half-replaced (this run's
``exposures.tsv`` beside the last run's page) with the last run's files in hidden backups
that the next command then deleted as stale.

How: while a command that owns its ``--out`` folder runs, each change is noted before it is
made, one JSON line each, in ``.NAME.sigforge-journal`` beside the folder (inside it, the
folder could not be removed when a failed run takes it back): ``["backup", path, backup]``
once an earlier run's file has its backup, ``["create", path]`` before a file or folder is
created where none was. Success writes ``["commit"]`` before the backups are deleted, then
removes the journal; a failure's own take-back removes it too. The next command that locks
the folder (:func:`recover`, under the folder's lock, so the writer is gone) finds a journal
only when a run was killed: without ``commit`` it takes everything back, newest first
(created paths removed, backups put back), as the killed run would have on failure; with it,
it deletes the backups the run did not get to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

#: The open journal of the running command (one at most) and its path.
_OPEN: list[tuple[IO[str], Path]] = []


def journal_path(folder: Path) -> Path:
    """Where the journal of ``folder`` lives: a hidden file beside it."""
    folder = folder.absolute()
    return folder.parent / f".{folder.name}.sigforge-journal"


def open_journal(folder: Path) -> None:
    """Start the journal of a command that has just locked ``folder``, after rolling back
    what a killed run left (:func:`recover`). A journal that cannot be written (a read-only
    parent) is done without: the command runs as before, without the protection."""
    recover(folder)
    path = journal_path(folder)
    try:
        _OPEN.append((open(path, "x", encoding="utf-8"), path))  # noqa: SIM115 - kept open
    except OSError:
        return


def note(kind: str, path: Path, backup: Path | None = None) -> None:
    """Record a change about to be made (``create``) or a backup just made (``backup``)."""
    if not _OPEN:
        return
    entry = [kind, os.path.abspath(path)] + ([os.path.abspath(backup)] if backup else [])
    handle = _OPEN[-1][0]
    with contextlib.suppress(OSError):
        handle.write(json.dumps(entry) + "\n")
        handle.flush()


def commit() -> None:
    """Mark the command complete: from here a kill leaves the new files, not the old."""
    note("commit", Path("."))


def close_journal() -> None:
    """End the running command's journal (after its backups are deleted or put back)."""
    while _OPEN:
        handle, path = _OPEN.pop()
        with contextlib.suppress(OSError):
            handle.close()
        with contextlib.suppress(OSError):
            path.unlink()


def _entries(path: Path) -> list[list[str]]:
    """The journal's readable entries (a last line cut by the kill is left out)."""
    entries = []
    with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as text:
        for line in text:
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, list) and entry and all(isinstance(e, str) for e in entry):
                    entries.append(entry)
    return entries


def _take_back(entries: list[list[str]]) -> None:
    """Undo a killed run's changes, newest first: put each backup back over its file and
    remove what it created (a folder only when empty)."""
    for entry in reversed(entries):
        with contextlib.suppress(OSError):
            if entry[0] == "backup" and len(entry) == 3:
                if os.path.lexists(entry[2]):
                    os.replace(entry[2], entry[1])
            elif entry[0] == "create":
                target = Path(entry[1])
                if target.is_dir() and not target.is_symlink():
                    target.rmdir()
                elif os.path.lexists(target):
                    target.unlink()


def recover(folder: Path) -> None:
    """Roll back (or finish) the run a kill interrupted in ``folder``, if its journal is
    there; called with the folder locked."""
    path = journal_path(folder)
    if not path.is_file():
        return
    entries = _entries(path)
    if any(entry[0] == "commit" for entry in entries):
        for entry in entries:
            if entry[0] == "backup" and len(entry) == 3:
                with contextlib.suppress(OSError):
                    os.unlink(entry[2])
    else:
        _take_back(entries)
        logger.warning("%s: an earlier command into this folder was killed part-way; its "
                       "changes were taken back, so the folder holds the run before it.",
                       folder)
    with contextlib.suppress(OSError):
        path.unlink()

"""Atomic writes: every output is written to a temporary name beside it and renamed when
complete, and a failed command can take back everything it created.

A killed process therefore never leaves a half-written file that a workflow engine would
mistake for a finished one (:func:`atomic_write`), the temporaries of writers killed earlier
are cleared away, and :func:`removed_on_failure` lets a command that fails half-way remove the
outputs it had already finished, and put back the files of an earlier run that they had
replaced (or that :func:`discard_output` had removed), even after a kill no code survives
(:mod:`sigforge._journal`); within :func:`protected_inputs` no write
may replace, and no cleanup delete, one of the command's input files. :mod:`sigforge.io`
re-exports the public names.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sigforge import _journal, _outlock
from sigforge._errors import InputError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's file-mode creation mask, read without changing it where possible.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting and restoring it
    (``os.umask`` can only be read that way), under a lock so that two threads of this process
    reading it at once cannot leave a wrong mask behind.
    """
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status",
                                                         encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


# The temporary files of atomic_write: '.' + target name + '.' + mkstemp's 8 characters + '.tmp'.
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
# The backups of replaced or discarded files (see _keep_backup): '.' + name + '.' + 8 + '.old'.
_BACKUP = re.compile(r"\..+\.[a-z0-9]{8}\.old")
_PROCESS_START = time.time()
_CLEANED: set[str] = set()


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed writer left in ``folder`` (once per process).

    A process killed between creating its temporary file and renaming it leaves a hidden
    ``.NAME.XXXXXXXX.tmp`` beside the output it never finished, and a ``.NAME.XXXXXXXX.old``
    backup (:func:`_keep_backup`) it never needed again. Only temporaries last modified, and
    backups made (their inode last changed: a backup is a hard link, and keeps the old file's
    modification time), before this process started are removed, so those of a writer still
    at work (an orphaned job of a killed workflow run, say) are left alone.
    """
    key = str(folder.absolute())
    if key in _CLEANED:
        return
    _CLEANED.add(key)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            temporary = _TEMPORARY.fullmatch(entry.name)
            if not (temporary or _BACKUP.fullmatch(entry.name)) \
                    or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if (status.st_mtime if temporary else status.st_ctime) < _PROCESS_START:
                    os.unlink(entry.path)


class OutputClashError(ValueError):
    """An output would replace a file the running command reads (see :func:`protected_inputs`)."""


# The files the running command reads, by (device, inode), with the option that named each.
_INPUTS: dict[tuple[int, int], str] = {}


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, following links; None when there is none: two
    paths name the same file exactly when these agree (another spelling, a hard link)."""
    try:
        status = path.stat()
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


@contextlib.contextmanager
def protected_inputs(inputs: dict[Path, str]) -> Iterator[None]:
    """Within the block, :func:`atomic_write` refuses to replace any of ``inputs`` (path ->
    how the user named it, e.g. ``--catalog out/exposures.tsv``).

    Why: an output path that happens to be an input (``--out`` the folder a catalog lies in,
    an output name equal to the input's) would otherwise replace the user's data with the
    result, silently and irrecoverably. Files are compared by device and inode, so another
    spelling of the same path, or a hard link to it, is caught too.
    """
    added = []
    for path, label in inputs.items():
        key = file_identity(Path(path))
        if key is not None and key not in _INPUTS:
            _INPUTS[key] = label
            added.append(key)
    try:
        yield
    finally:
        for key in added:
            del _INPUTS[key]


def protected_label(path: Path) -> str | None:
    """How the user named ``path`` when it is one of the running command's input files
    (:func:`protected_inputs`; any spelling or hard link of it), else None."""
    key = file_identity(path) if _INPUTS else None
    return _INPUTS.get(key) if key is not None else None


def _refuse_input_clash(target: Path) -> None:
    """Raise :class:`OutputClashError` when ``target`` is a protected input file, under its
    own spelling or with '..' taken lexically (``new/../catalog.tsv`` names the catalog once
    the missing ``new`` is created, but cannot be looked up before)."""
    label = protected_label(target) or protected_label(Path(os.path.normpath(target)))
    if label is not None:
        raise OutputClashError(
            f"output {target} would overwrite the input {label}: this command never "
            "replaces a file it reads. Choose another --out folder (or file), or move the "
            "input out of it.")


# The lists of removed_on_failure blocks now open (innermost last); atomic_write adds to each.
_RECORDERS: list[list[Path]] = []
# While a block is open: each file of an earlier run that this run replaced or discarded ->
# the hidden backup holding its old content (put back if the block fails, deleted when the
# outermost block succeeds); and every path this run wrote, whose content is its own.
# Both are keyed by absolute path (:func:`_key`), so that two spellings of a path agree.
_BACKUPS: dict[str, Path] = {}
_WRITTEN: set[str] = set()


def _key(path: Path) -> str:
    """The key of ``path`` in :data:`_BACKUPS` and :data:`_WRITTEN`: its absolute path."""
    return os.path.abspath(path)


def _record(path: Path) -> None:
    """Note a file or folder this process has just created, for every open recorder."""
    if _RECORDERS:
        _WRITTEN.add(_key(path))
    for created in _RECORDERS:
        created.append(path)


def _backup_name(path: Path) -> Path:
    """A fresh hidden name beside ``path`` for its backup: ``.NAME.XXXXXXXX.old``."""
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old")
        if not os.path.lexists(candidate):
            return candidate


def _keep_backup(path: Path) -> None:
    """Before this run replaces or removes ``path``, keep its content under a hidden name, so
    that a failure later in the run can put it back (:func:`removed_on_failure`).

    Only a regular file written by an earlier run is kept (once: the first content is the one
    to restore), and only while a block is open. The backup is a hard link, so nothing is
    copied and ``path`` never goes missing; a file system without hard links gets a copy (and
    a file that cannot be copied either is replaced without one, as it always was).
    """
    key = _key(path)
    if not _RECORDERS or key in _BACKUPS or key in _WRITTEN \
            or path.is_symlink() or not path.is_file():
        return
    backup = _backup_name(path)
    try:
        os.link(path, backup)
    except OSError:
        try:
            shutil.copy2(path, backup)
        except OSError:  # unreadable, say: write anyway, as before backups existed
            with contextlib.suppress(OSError):
                backup.unlink()
            return
    _BACKUPS[key] = backup
    _journal.note("backup", path, backup)


def _undo(path: Path) -> None:
    """Take back one thing a failed block did to ``path``: put back the earlier run's file it
    replaced or discarded, else remove the file it wrote or the (empty) folder it made."""
    _WRITTEN.discard(_key(path))
    backup = _BACKUPS.pop(_key(path), None)
    with contextlib.suppress(OSError):
        if backup is not None:
            os.replace(backup, path)
        elif path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()


def _drop_backups() -> None:
    """Delete the backups once the outermost block has succeeded: the run is complete."""
    for backup in _BACKUPS.values():
        with contextlib.suppress(OSError):
            backup.unlink()
    _BACKUPS.clear()
    _WRITTEN.clear()


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, outermost first: what a
    ``mkdir -p folder`` creates."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    return missing[::-1]


def _make_folder(folder: Path) -> None:
    """``mkdir -p folder``, recording each folder it creates (outermost first)."""
    missing = _missing_folders(folder)
    for created in missing:
        _journal.note("create", created)
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        _record(created)


@contextlib.contextmanager
def removed_on_failure() -> Iterator[list[Path]]:
    """Within the block, record what :func:`atomic_write` creates; if the block raises, take
    it back (newest first) and re-raise.

    A command that fails half-way (a full disk at its fifth output, an interrupt, a bad input
    found late) then leaves none of its outputs, not the first four: a folder that looks
    partly finished would be taken for a result. A file the block wrote over a file of an
    earlier run (a rerun into the same ``--out``), or removed with :func:`discard_output`,
    gets that earlier file back, so the folder is left exactly as it was; files it wrote
    anew are removed, and folders it created only when empty, so nothing else is touched.
    The outermost block first creates and locks the output folder the command claimed
    (:func:`_lock_claimed_folder`), so no other command fills it meanwhile.
    Yields the list of paths written or created.
    """
    created: list[Path] = []
    _RECORDERS.append(created)
    outermost = len(_RECORDERS) == 1
    failed = False
    try:
        if outermost:
            _lock_claimed_folder()
        yield created
    except BaseException:
        failed = True
        _take_back(created)
        if outermost:
            _outlock.release()
        raise
    finally:
        del _RECORDERS[next(i for i, r in enumerate(_RECORDERS) if r is created)]
        if not _RECORDERS:
            if not failed:
                _journal.commit()
            _drop_backups()
            _journal.close_journal()
            _CLAIM_MADE.clear()


def _lock_claimed_folder() -> None:
    """Create and lock the output folder the command claimed (:mod:`sigforge._outlock`), as
    the command starts: a second command into the same folder is refused before any work.

    The folders created here are recorded (taken back if the command fails) only once the
    lock is held: a command refused leaves the folder to the one that holds it.
    """
    folder = _outlock.take_claim()
    if folder is None:
        return
    missing = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        for created in reversed(missing):  # the part of the path made before it failed
            with contextlib.suppress(OSError):
                created.rmdir()
        raise InputError(f"--out {folder}: the output folder cannot be created "
                         f"({err.strerror or err}). Give a folder in a place you can write "
                         "to.") from None
    _outlock.lock_folder(folder, str(folder))
    _journal.open_journal(folder)  # a killed run's changes are taken back first
    _CLAIM_MADE[:] = [_journal.journal_path(folder), *reversed(missing)]
    for created in missing:
        _record(created)


#: While a command's outermost block runs: its folder's journal, then the folders it created
#: for its ``--out``, innermost first (what a process killed outright leaves behind).
_CLAIM_MADE: list[Path] = []


def made_for_the_claim() -> list[Path]:
    """The running command's journal and the folders it created for its ``--out``
    (innermost first); empty when it claimed none. For the helper that reports a kill by
    Ctrl-C during a solve (:mod:`sigforge.cli._interrupt`): with the journal still empty the
    command had changed nothing, so those can go once the process is dead."""
    return list(_CLAIM_MADE)


def _take_back(created: list[Path]) -> None:
    """Undo a failed block's paths, newest first, each once (a file written twice, or
    discarded then written, has one earlier state to return to); an enclosing block then
    forgets them, since they are back as they were before."""
    undone = dict.fromkeys(reversed(created))
    for path in undone:
        _undo(path)
    for other in _RECORDERS:
        if other is not created:
            other[:] = [path for path in other if path not in undone]


def discard_output(path: str | os.PathLike[str]) -> bool:
    """Remove an earlier run's output file ``path`` (if it is a regular file); True if it was.

    Within :func:`removed_on_failure` the file is only moved to a hidden backup, put back if
    the command fails and deleted when it succeeds, so a failed run leaves the folder as it
    was. A file the command reads (:func:`protected_inputs`) is never removed: that raises
    :class:`OutputClashError` naming it.
    """
    target = Path(path)
    if target.is_symlink() or not target.is_file():
        return False
    label = protected_label(target)
    if label is not None:
        raise OutputClashError(
            f"{target} would be removed as an earlier run's output, but it is the input "
            f"{label}: this command never deletes a file it reads. Move the input out of "
            f"the output folder {target.parent} (or choose another --out).")
    if _RECORDERS and _key(target) not in _WRITTEN:
        _keep_backup(target)
        target.unlink()
        for created in _RECORDERS:
            created.append(target)
    else:
        target.unlink()
    return True


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and rename it over ``path`` only on success.

    A killed process therefore never leaves a half-written output that a workflow engine
    would mistake for a finished one; a ``path`` that is one of the command's inputs
    (:func:`protected_inputs`), or where a folder stands, is refused before anything is
    written; an earlier file it replaces is kept until the command has succeeded
    (:func:`removed_on_failure`). ``mkstemp`` creates
    the temporary file with mode 600; it is given ``0o666 & ~umask`` before the rename, so
    outputs get the permissions any other newly created file would get (644 under umask 022,
    664 under 002) and a group can read them.
    """
    target = Path(path)
    _refuse_input_clash(target)
    if target.is_dir():  # found now, before any work, not when the finished file is renamed
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    _make_folder(target.parent)
    _remove_stale_temporaries(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            os.chmod(tmp, 0o666 & ~current_umask())
            yield handle
        _keep_backup(target)
        if not os.path.lexists(target):
            _journal.note("create", target)
        # Recorded before the rename: a signal between the two would otherwise leave the
        # new file in place, unrecorded, and the old one's backup deleted as no longer needed.
        _record(target)
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if err.filename is None:  # a write or close (a full disk): name the output
            raise type(err)(err.errno, err.strerror or str(err), str(target)) from err
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

"""Atomic writes: every output is written to a temporary name beside it and renamed when
complete, and a failed command can take back everything it created.

A killed process therefore never leaves a half-written file that a workflow engine would
mistake for a finished one (:func:`atomic_write`), the temporaries of writers killed earlier
are cleared away, and :func:`removed_on_failure` lets a command that fails half-way remove the
outputs it had already finished; within :func:`protected_inputs` no write may replace one of
the command's input files. :mod:`sigforge.io` re-exports the public names.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

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
_PROCESS_START = time.time()
_CLEANED: set[str] = set()


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed writer left in ``folder`` (once per process).

    A process killed between creating its temporary file and renaming it leaves a hidden
    ``.NAME.XXXXXXXX.tmp`` beside the output it never finished. Only files last modified
    before this process started are removed, so the temporary file of a writer still at work
    (an orphaned job of a killed workflow run, say) is left alone.
    """
    key = str(folder.absolute())
    if key in _CLEANED:
        return
    _CLEANED.add(key)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if _TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < _PROCESS_START:
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


def _refuse_input_clash(target: Path) -> None:
    """Raise :class:`OutputClashError` when ``target`` is a protected input file."""
    label = _INPUTS.get(file_identity(target)) if _INPUTS else None
    if label is not None:
        raise OutputClashError(
            f"output {target} would overwrite the input {label}: this command never "
            "replaces a file it reads. Choose another --out folder (or file), or move the "
            "input out of it.")


# The lists of removed_on_failure blocks now open (innermost last); atomic_write adds to each.
_RECORDERS: list[list[Path]] = []


def _record(path: Path) -> None:
    """Note a file or folder this process has just created, for every open recorder."""
    for created in _RECORDERS:
        created.append(path)


def _make_folder(folder: Path) -> None:
    """``mkdir -p folder``, recording each folder it creates (outermost first)."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        _record(created)


@contextlib.contextmanager
def removed_on_failure() -> Iterator[list[Path]]:
    """Within the block, record what :func:`atomic_write` creates; if the block raises, remove
    it again (newest first) and re-raise.

    A command that fails half-way (a full disk at its fifth output, an interrupt, a bad input
    found late) then leaves none of its outputs, not the first four: a folder that looks
    partly finished would be taken for a result. Files the block wrote are removed even where
    they replaced an older file of the same name (that content was gone with the rename);
    folders it created are removed only when empty, so nothing else is touched. Yields the
    list of created paths.
    """
    created: list[Path] = []
    _RECORDERS.append(created)
    try:
        yield created
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()
        raise
    finally:
        del _RECORDERS[next(i for i, r in enumerate(_RECORDERS) if r is created)]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and rename it over ``path`` only on success.

    A killed process therefore never leaves a half-written output that a workflow engine
    would mistake for a finished one; a ``path`` that is one of the command's inputs
    (:func:`protected_inputs`) is refused before anything is written. ``mkstemp`` creates
    the temporary file with mode 600; it is given ``0o666 & ~umask`` before the rename, so
    outputs get the permissions any other newly created file would get (644 under umask 022,
    664 under 002) and a group can read them.
    """
    target = Path(path)
    _refuse_input_clash(target)
    _make_folder(target.parent)
    _remove_stale_temporaries(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            os.chmod(tmp, 0o666 & ~current_umask())
            yield handle
        os.replace(tmp, target)
        _record(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

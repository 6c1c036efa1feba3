"""Checks on where a command will write, made before it does any work, and the removal of
an earlier run's outputs that a rerun into the same folder does not write again.

A command that would fail only at its last step (an ``--out`` that is an existing file, a
folder on a read-only disk, a ``--name`` that climbs out of ``--out``) wastes the whole run
and, worse, may leave part of its outputs behind. These checks run first and raise
:class:`~sigforge.io.InputError` naming the option, the path and the fix; they create nothing.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from sigforge import _outlock
from sigforge._validation import PLAIN_NAME_MAX, is_plain_name
from sigforge.cli._common import rank_folder_number
from sigforge.io import InputError, discard_output, protected_label

logger = logging.getLogger("sigforge")

#: What each command whose --out names one file writes there: the example its message gives.
_FILE_EXAMPLES = {"replicates": "chunk0.npz", "cross-validate": "cv.npz",
                  "opportunities": "opportunities.tsv"}


def check_plain_name(name: str, option: str) -> str:
    """Return ``name`` if it is safe as a file name inside the output folder, else raise.

    Raises
    ------
    InputError
        If ``name`` holds a '/' or '\\', starts with '.' or '-', holds characters outside
        letters, digits and ``._+-``, or is longer than 200 characters.
    """
    if len(name) > PLAIN_NAME_MAX:
        raise InputError(f"{option} {_shortened(name)!r}: expected a plain file name of at "
                         f"most {PLAIN_NAME_MAX} characters, but it is too long ({len(name)} "
                         "characters), because it names files inside --out and the file "
                         "system limits a file name to 255 bytes. Choose a shorter name.")
    if not is_plain_name(name):
        raise InputError(f"{option} {name!r}: expected a plain file name (letters, digits, "
                         "'.', '_', '+', '-'; not starting with '.' or '-'; no '/'), because it "
                         "names files inside --out. Choose a name such as 'my_matrix'.")
    return name


def _shortened(name: str, keep: int = 40) -> str:
    """The first ``keep`` characters of a long name and '...': a message stays one readable
    paragraph even when it quotes a 300-character name."""
    return name if len(name) <= keep else f"{name[:keep]}..."


def _nearest_existing(path: Path) -> Path:
    """The path itself or its closest ancestor that exists (the folder a mkdir would start in)."""
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _check_not_empty(out: str) -> None:
    """Refuse an empty --out: ``Path("")`` is the working directory, so the outputs would land
    there unasked (a shell variable that expanded to nothing, e.g. --out "$DIR")."""
    if not out.strip():
        raise InputError(f"--out {out!r}: empty path; it would write into the working "
                         f"directory {Path.cwd()}. Give the output path (use --out . to write "
                         "into the working directory on purpose).")


def check_output_folder(out: str) -> None:
    """Raise unless ``out`` is, or can be created as, a writable folder, and claim it for
    the command. Creates nothing.

    The command owns that folder: it is locked when the command starts writing
    (:mod:`sigforge._outlock`), so that a second command into the same folder is refused
    instead of mixing its outputs with this one's.
    """
    _outlock.claim_folder(None)
    _check_not_empty(out)
    path = Path(out)
    if path.is_symlink() and not path.exists():
        raise InputError(f"--out {out}: is a symbolic link to '{os.readlink(path)}', which "
                         "does not exist or leads back to itself (a link loop). Create the "
                         "folder the link points to, remove the link, or give another --out.")
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {out}: a file of that name exists, but a folder is needed. "
                         "Give another --out, or move the file away.")
    _check_writable(out, path)
    _outlock.claim_folder(path)


def check_output_file(out: str, command: str) -> None:
    """Raise unless ``out`` is a file path whose folder is, or can be created, writable.

    ``command`` picks the example file name the message suggests (what that command writes).
    Such a command owns no folder, so it claims none: jobs writing different files into one
    folder at once (a workflow's NMF chunks) never exclude each other.
    """
    _outlock.claim_folder(None)
    _check_not_empty(out)
    path = Path(out)
    if path.is_dir():
        example = path / _FILE_EXAMPLES.get(command, "output.tsv")
        raise InputError(f"--out {out}: a folder of that name exists, but a file is needed. "
                         f"Give a file path such as {example}.")
    _check_writable(out, path.parent)


def check_planned_outputs(paths: Iterable[Path]) -> None:
    """Refuse, before any work, an output file that cannot be written where it goes: a
    folder standing at its path, a file standing where one of its folders goes, or one of
    the command's own inputs (any spelling or hard link). Without this a long discovery ran
    to the end and only then failed on its first write."""
    for path in paths:
        if path.is_dir():
            raise InputError(f"{path}: a folder stands where this command writes a file. Move "
                             "or remove it, or give another --out.")
        existing = _nearest_existing(path.parent.absolute())
        if not existing.is_dir():
            raise InputError(f"{path}: {existing} is a file where this command creates a "
                             "folder. Move or remove it, or give another --out.")
        label = protected_label(path) if path.is_file() else None
        if label is not None:
            raise InputError(f"output {path} would overwrite the input {label}. Give another "
                             "--out (or move the input out of it).")


def extract_outputs(out: Path, ranks: list[int], cv: bool) -> list[Path]:
    """The files a plain ``extract`` writes: the chosen rank's tables and provenance, and
    each rank's folder (with its CV folds when cross-validating)."""
    rank_files = ["signatures.tsv", "exposures.tsv", "stability.tsv", "metrics.json"]
    return ([out / name for name in ("rank_metrics.tsv", "signatures.tsv", "exposures.tsv",
                                     "stability.tsv", "provenance.json")]
            + [out / f"k{k}" / name for k in ranks
               for name in rank_files + (["cv.npz"] if cv else [])])


def _check_writable(out: str, folder: Path) -> None:
    """The folder (or its nearest existing ancestor) must be a writable directory."""
    existing = _nearest_existing(folder.absolute())
    if not existing.is_dir():
        raise InputError(f"--out {out}: {existing} is a file, so no folder can be created "
                         "below it. Give an --out whose parent folders are folders.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: cannot write in {existing} (read-only file system or "
                         "no permission). Give an --out on a writable disk.")


_OS_FIXES = {
    errno.EROFS: "the file system is read-only; write to a writable disk",
    errno.ENOSPC: "the disk is full; free space or write elsewhere",
    errno.EDQUOT: "the disk quota is exceeded; free space or write elsewhere",
    errno.EACCES: "permission denied; check the file's and folder's permissions",
    errno.EPERM: "operation not permitted; check the file's and folder's permissions",
    errno.ENOTDIR: "a file stands where a folder is needed; move it or choose another path",
    errno.EEXIST: "a file stands where a folder is needed; move it or choose another path",
    errno.EISDIR: "a folder stands where a file is needed; choose another path",
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENAMETOOLONG: "the path is too long; choose a shorter name",
}


def describe_os_error(err: OSError) -> str:
    """One sentence for an OSError: the path(s), what went wrong and the fix."""
    paths = " -> ".join(str(p) for p in (err.filename, err.filename2) if p is not None)
    reason = err.strerror or str(err)
    fix = _OS_FIXES.get(err.errno or -1, "check the path and the disk")
    return f"{paths or 'file system'}: {reason} ({fix})."


#: The companion files a reader opens beside an input: a FASTA's index (.fai) and bgzip
#: index (.gzi), a VCF's tabix (.tbi) or CSI (.csi) index.
COMPANION_SUFFIXES = (".fai", ".gzi", ".tbi", ".csi")


def companion_files(path: Path) -> list[Path]:
    """The paths of ``path``'s companion files (:data:`COMPANION_SUFFIXES`), whether or not
    they exist: an index htslib reads, or creates (a FASTA's .fai), beside the input."""
    return [Path(f"{path}{suffix}") for suffix in COMPANION_SUFFIXES]


def check_not_companion(out: str, inputs: Iterable[Path]) -> None:
    """Refuse an output file ``out`` that is the companion (index) file of an input, even one
    not created yet: the command reads that index (or creates it first, as for a FASTA's
    .fai), and the output would replace it, breaking the input for every later command."""
    target = os.path.realpath(out)
    for path in inputs:
        for companion in companion_files(path):
            if os.path.realpath(companion) == target:
                raise InputError(f"--out {out}: is {companion}, the index of the input {path} "
                                 "that this command reads (or creates beside it); writing the "
                                 "output there would replace the index and break the input "
                                 "for every later command. Give another --out file name.")


def check_removable(paths: Iterable[Path], out: str) -> None:
    """Before anything is written, refuse to remove (as an earlier run's output) a file the
    command reads: :func:`sigforge.io.discard_output` would refuse it too, but only after
    the work."""
    for path in paths:
        label = protected_label(path)
        if label is not None:
            raise InputError(f"--out {out}: {path} is the input {label}, but it is named like "
                             "an output of this command, which a run into --out either writes "
                             "over or removes as an earlier run's output. Move the input out "
                             "of --out (or rename it, or choose another --out); this command "
                             "never replaces or deletes a file it reads.")


def discard_stale_outputs(paths: Iterable[Path], why: str) -> list[Path]:
    """Remove the earlier run's outputs ``paths`` (files this run did not write), each with
    :func:`sigforge.io.discard_output`: put back if the command fails after all, and never
    a file the command reads. Returns the files removed; ``why`` ends each log line."""
    removed = [path for path in paths if discard_output(path)]
    for path in removed:
        logger.info("removed %s: %s", path, why)
    return removed


def discard_stale_cv(rank_folder: Path) -> None:
    """Remove an earlier run's ``cv.npz`` from a rank folder this run (without
    cross-validation) has just written: one folder would otherwise hold two runs."""
    discard_stale_outputs([rank_folder / "cv.npz"], "an earlier extract's cross-validation, "
                          "and this run has none (--cv-folds 0)")


def discard_other_extract_outputs(out: Path, groups: Collection[str] | None) -> None:
    """Remove what an earlier ``extract`` of the other kind left in ``out``, so that one folder
    never holds two runs' answers: a plain run removes ``merged.tsv`` and ``groups/`` of an
    earlier ``--groups`` run; a ``--groups`` run removes ``rank_metrics.tsv`` and the ``k*/``
    rank folders of an earlier plain run, and the folders of groups its groups file no
    longer has. Put back if the command fails (:func:`discard_stale_outputs`)."""
    from sigforge.discovery.groups import GROUPS_FOLDER

    folders = ([out / GROUPS_FOLDER] if groups is None
               else [d for d in sorted(out.glob("k*")) if d.is_dir()
                     and rank_folder_number(d.name) is not None]
               + [d for d in sorted((out / GROUPS_FOLDER).glob("*"))
                  if d.is_dir() and d.name not in set(groups)])
    why = ("an output of an earlier extract " + ("with --groups" if groups is None
                                                   else "without these --groups")
           + " into the same --out")
    discard_stale_outputs([out / ("merged.tsv" if groups is None else "rank_metrics.tsv")], why)
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            inner = sorted(folder.rglob("*"))
            removed = [path for path in inner if path.is_file() and discard_output(path)]
            for path in [*reversed([p for p in inner if p.is_dir()]), folder]:
                remove_when_emptied(path)
            if removed:
                logger.info("removed %s (%d file(s)): %s", folder, len(removed), why)


#: Folders to remove once the command has succeeded, if they are empty then.
_EMPTIED_FOLDERS: list[Path] = []


def remove_when_emptied(folder: Path) -> None:
    """Remove ``folder`` once the command has succeeded if it is empty then (a rerun's
    ``DBS78/`` whose tables :func:`discard_stale_outputs` removed):
    :func:`remove_emptied_folders`."""
    _EMPTIED_FOLDERS.append(folder)


def remove_emptied_folders() -> None:
    """Remove the folders of :func:`remove_when_emptied` that are now empty. Called once the
    command has succeeded: until then the removed files' backups lie in them, to be put
    back should the command fail. The output folder's lock is released after them: the
    command's last change to its folder is made while it still owns it."""
    for folder in dict.fromkeys(_EMPTIED_FOLDERS):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only an empty folder: anything else in it stays, folder too
    _EMPTIED_FOLDERS.clear()
    _outlock.release()


def forget_emptied_folders() -> None:
    """Forget the folders, output-folder claim and lock of an earlier command of this
    process (one that failed: its removals were taken back), before the next one starts."""
    _EMPTIED_FOLDERS.clear()
    _outlock.claim_folder(None)
    _outlock.release()

"""The files a command wrote into its ``--out`` on an earlier run and does not write again.

A command whose outputs depend on its inputs (a page per sample, a figure per rank, a table
per modality) would leave an earlier run's extra files beside the new ones, looking current.
Each such command lists what it wrote in a hidden manifest in its folder; the next run into
the folder removes the listed files it did not write again. A manifest, rather than the
folder's listing, keeps a user's own files there safe; it is not a declared output, so
Snakemake, which deletes a job's outputs before running it, leaves it for the next run.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sigforge._atomic import atomic_write, discard_output

logger = logging.getLogger("sigforge")


def _listed(manifest: Path) -> list[str]:
    """The relative names a manifest lists (none when absent or unreadable); names that
    would leave the folder are ignored."""
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in lines if line and not line.startswith("/")
            and ".." not in Path(line).parts]


def _file_clock(folder: Path) -> int:
    """The modification time (ns) a file written into ``folder`` now gets: the file system
    stamps files with a coarse clock that may lag ``time.time_ns()`` by a tick, so a file
    written just after a start read from that would look older than the start."""
    folder.mkdir(parents=True, exist_ok=True)
    # named as atomic_write's temporaries are, so a killed run's one is cleared away later
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".clock.", suffix=".tmp") as probe:
        return os.fstat(probe.fileno()).st_mtime_ns


def _written_since(paths: Iterable[Path], start: int) -> list[Path]:
    """The regular files among ``paths`` modified at or after ``start`` (ns)."""
    found = []
    for path in paths:
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime_ns >= start:
                found.append(path)
        except OSError:
            continue
    return found


@contextmanager
def stale_outputs_removed(out: Path, manifest: str,
                          candidates: Callable[[Path], Iterable[Path]],
                          command: str) -> Iterator[None]:
    """Around a command writing into ``out``: afterwards, remove each file the ``manifest``
    of an earlier run lists that this run did not write again, and list this run's files
    (those of ``candidates(out)`` written since it started) for the next.

    Written again means modified since this run started, by the file system's own clock
    (:func:`_file_clock`): pages drawn by worker processes are found on disk, not recorded.
    Files of the user are never listed, so never removed; nor is a file the command reads
    (:func:`sigforge._atomic.discard_output`)."""
    earlier = _listed(out / manifest)
    start = _file_clock(out)
    yield
    for name in earlier:
        path = out / name
        try:
            stale = path.is_file() and path.stat().st_mtime_ns < start
        except OSError:
            stale = False
        if stale and discard_output(path):
            logger.info("removed %s: written by an earlier %s into %s, not by this one", path,
                        command, out)
    write_manifest(out, manifest, _written_since(candidates(out), start))


def page_files(out: Path) -> list[Path]:
    """A report's files under ``out``: cohort.html and everything under patients/ and
    figures/ (the candidates of ``report`` and ``matrix-report``)."""
    found = [out / "cohort.html"]
    for folder in (out / "patients", out / "figures"):
        if folder.is_dir():
            found.extend(folder.rglob("*"))
    return found


def earlier_run_files(out: Path, manifest: str, marker: str) -> Callable[[Path], bool]:
    """Whether a file in ``out`` was written by an earlier run of the command that lists its
    files in ``manifest`` (:func:`write_manifest`): listed there; or, in a folder without a
    manifest, present beside the ``marker`` file such a run always writes (a run of a version
    that wrote no manifest). A folder of another command's outputs (``catalog``'s, before a
    ``refit --vcf`` into it) has neither, so none of its files is taken for a stale output."""
    listing = out / manifest
    if listing.is_file():
        names = {os.path.abspath(out / name) for name in _listed(listing)}
        return lambda path: os.path.abspath(path) in names
    older = (out / marker).is_file()
    return lambda path: older


def earlier_outputs(out: Path, manifest: str, marker: str, candidates: list[Path]
                    ) -> list[Path]:
    """The files an earlier run into ``out`` may have left that this run may not write
    again: the pages and figures its ``manifest`` lists (one drawn for another sample name,
    or into ``out`` before a ``--page-dir`` moved it), the ``candidates`` under ``out`` it wrote
    (:func:`earlier_run_files`), and the ``candidates`` outside ``out`` (a page folder's
    figures, named after the patient). A folder of another command's outputs keeps them."""
    ours = earlier_run_files(out, manifest, marker)
    root = os.path.abspath(out)
    found = [path for path in candidates
             if not os.path.abspath(path).startswith(root + os.sep) or ours(path)]
    return list(dict.fromkeys(found + _earlier_pages(out, manifest)))


def _earlier_pages(out: Path, manifest: str) -> list[Path]:
    """The page files (under ``patients/`` and ``figures/``) the ``manifest`` lists that no
    one has written since it was: a catalog, table or page another command (or the user)
    wrote over a listed name after the earlier run is theirs, and is kept."""
    listing = out / manifest
    try:
        written = listing.stat().st_mtime_ns
    except OSError:
        return []
    pages = []
    for name in _listed(listing):
        path = out / name
        if Path(name).parts[0] not in ("patients", "figures"):
            continue
        try:
            if path.is_file() and path.stat().st_mtime_ns <= written:
                pages.append(path)
        except OSError:
            continue
    return pages


def write_manifest(out: Path, manifest: str, paths: Iterable[Path]) -> None:
    """List the files under ``out`` among ``paths`` (this run's outputs) in ``manifest``, for
    the next run's :func:`earlier_run_files`."""
    root = os.path.abspath(out)
    names = sorted({os.path.relpath(os.path.abspath(path), root) for path in paths
                    if Path(path).is_file()
                    and os.path.abspath(path).startswith(root + os.sep)})
    with atomic_write(out / manifest) as handle:
        handle.write("".join(f"{Path(name).as_posix()}\n" for name in names))

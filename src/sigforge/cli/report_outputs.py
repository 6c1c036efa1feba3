"""What ``sigforge report`` must not overwrite: the per-patient pages of ``--patients-dir``
that the cohort report links, and the figures those pages show; and what it removes: the
pages and figures an earlier report into the same ``--out`` wrote and this one does not.

Split from :mod:`sigforge.cli.report`, which gathers the report's inputs and writes it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sigforge._atomic import atomic_write, discard_output
from sigforge.io import InputError, file_identity

logger = logging.getLogger("sigforge")

#: The files a report wrote, relative to its --out, one per line: what a later report into
#: the same folder may remove when it does not write them again.
REPORT_MANIFEST = ".report_files"


def _same_place(first: Path, second: Path) -> bool:
    """Whether two existing paths are one file or folder (another spelling, a link)."""
    key = file_identity(first)
    return key is not None and key == file_identity(second)


def check_pages_not_outputs(folder: Path, pages: dict[str, Path], out: Path,
                             stems: dict[str, str]) -> None:
    """Refuse an --out whose pages or figures would replace the --patients-dir pages the
    report links, or the figures those pages show.

    The report writes ``OUT/patients/{stem}.html`` and ``OUT/figures/patients/{stem}_*``,
    the very names ``refit --vcf ... --page-dir DIR`` gives a patient's page and figures; so
    ``--patients-dir DIR/patients --out DIR`` would overwrite every per-patient refit page
    with the cohort's page of that sample, linked to itself. Files are compared by device and
    inode, so another spelling of a path or a link to it is caught too, as the other commands
    refuse an output that is one of their inputs.
    """
    read = {file_identity(page): page for page in pages.values()}
    outputs = [(out / "cohort.html", "the cohort page"),
               *((out / "patients" / f"{stem}.html", f"the page of sample '{sample}'")
                 for sample, stem in stems.items())]
    fix = (f"Choose another --out (not {out}), or move the per-patient pages out of it: this "
           "command never replaces a file it reads.")
    for path, what in outputs:
        page = read.get(file_identity(path)) if path.exists() else None
        if page is not None:
            raise InputError(f"--out {out}: the report would write {what} to {path}, which is "
                             f"the per-patient page {page} of --patients-dir {folder} that it "
                             "reads and links (and the figures of those pages, under "
                             f"{out / 'figures' / 'patients'}, would be overwritten too). {fix}")
    if _same_place(out, folder.parent):
        raise InputError(f"--out {out}: the report would write its patient figures under "
                         f"{out / 'figures' / 'patients'}, where the per-patient pages of "
                         f"--patients-dir {folder} have theirs (named alike), replacing the "
                         f"figures those linked pages show. {fix}")


def _report_files(out: Path) -> list[str]:
    """The report's own files under ``out`` (cohort.html, patients/, figures/), relative."""
    found = [out / "cohort.html"] if (out / "cohort.html").is_file() else []
    for folder in (out / "patients", out / "figures"):
        if folder.is_dir():
            found.extend(path for path in folder.rglob("*")
                         if path.is_file() and not path.is_symlink())
    return sorted(path.relative_to(out).as_posix() for path in found)


def _earlier_files(out: Path) -> list[str]:
    """The files listed by an earlier report's manifest in ``out`` (none when absent); names
    that would leave the folder are ignored."""
    try:
        lines = (out / REPORT_MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in lines if line and not line.startswith("/")
            and ".." not in Path(line).parts]


def _file_clock(folder: Path) -> int:
    """The modification time (ns) a file written into ``folder`` now gets: the file system
    stamps files with a coarse clock that may lag ``time.time_ns()`` by a tick, so a page
    written just after a start read from that would look older than the start."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".clock-") as probe:
        return os.fstat(probe.fileno()).st_mtime_ns


@contextmanager
def stale_pages_removed(out: Path) -> Iterator[None]:
    """Around writing a report into ``out``: afterwards, remove each file an earlier report
    listed in its manifest that this one did not write again (a sample since removed from
    the cohort, a rank no longer tried), and list this report's files for the next.

    A file is written again when its modification time is not older than this run's start
    (pages are drawn by worker processes, so the files are found on disk, not recorded), as
    the file system's own clock gives it (:func:`_file_clock`). Only files of the manifest
    are removed: anything else in ``out`` is the user's."""
    earlier = _earlier_files(out)
    start = _file_clock(out) if earlier else 0
    yield
    for name in earlier:
        path = out / name
        try:
            stale = path.is_file() and path.stat().st_mtime_ns < start
        except OSError:
            stale = False
        if stale and discard_output(path):
            logger.info("removed %s: written by an earlier report into %s, not by this one",
                        path, out)
    with atomic_write(out / REPORT_MANIFEST) as handle:
        handle.write("".join(f"{name}\n" for name in _report_files(out)))

"""Intermediate discovery files a killed or failed run left damaged (a truncated ``.npz``
chunk, a half-written ``.json``): found before Snakemake builds its job graph, and removed
(or, in a command that runs no job, named) so that their jobs run again."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path


def _damage(path: Path) -> str | None:
    """Why an intermediate file cannot be read back (None when it reads)."""
    try:
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive:
                if not archive.namelist():
                    return "no arrays in it"
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def damaged_files(paths: list[str]) -> list[tuple[str, str]]:
    """The (path, reason) of every existing ``.npz`` or ``.json`` among paths that is damaged.

    A zip archive is checked through its central directory (at the file's end, so a truncated
    file fails), which costs a few kilobytes of reading per file, not the arrays.
    """
    found = []
    for name in paths:
        path = Path(name)
        if path.is_file():
            reason = _damage(path)
            if reason is not None:
                found.append((name, reason))
    return found


def discard_damaged(paths: list[str], *, dry_run: bool) -> list[str]:
    """Delete damaged intermediates so that this run rebuilds them; return one line per file.

    The workflow writes every file atomically, so a damaged one was truncated or overwritten
    after the fact; removing it lets Snakemake see it as missing and rebuild it (and rerun
    what depends on it). A dry run only reports.
    """
    notes = []
    for name, reason in damaged_files(paths):
        if not dry_run:
            Path(name).unlink(missing_ok=True)
        action = ("a real run deletes and rebuilds it" if dry_run
                  else "deleted it; this run rebuilds it")
        notes.append(f"sigforge: intermediate file {name} is damaged ({reason}): {action}.")
    return notes

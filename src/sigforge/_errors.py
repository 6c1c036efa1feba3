"""The error every reader raises for bad user input, and the check that an input is a file.

Kept apart from :mod:`sigforge.io` so that the text-table reader
(:mod:`sigforge._text_tables`) and ``io`` can both raise it without importing each other.
"""

from __future__ import annotations

import os
from pathlib import Path


class InputError(ValueError):
    """Bad user input; the message names the file, the line or sample, and the fix."""


def check_regular_file(path: Path, label: str) -> None:
    """Raise an InputError when an existing ``path`` is not a regular file.

    A folder cannot be read as a table; a device (``/dev/zero``), a named pipe or a socket may
    never end, or block forever waiting for a writer, so a reader would hang or fill the
    memory instead of failing. ``label`` names the input in the message (``"VCF x.vcf"``).
    """
    if path.is_dir():
        raise InputError(f"{label}: is a folder, not a file. Give the file itself.")
    if path.exists() and not path.is_file():
        raise InputError(f"{label}: is not a regular file (a device, named pipe or socket, "
                         "which may never end or may block waiting for a writer). Save the "
                         "data to a file and give that file.")


def not_found(path: str | os.PathLike[str]) -> str:
    """Why an input ``path`` cannot be opened, for '<label>: <this>': 'file not found', or, for
    a symbolic link that leads nowhere, where it points (a dangling link and a link loop both
    read as missing, and the user looks for the file under the wrong name)."""
    link = Path(path)
    if not link.is_symlink():
        return "file not found"
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    return (f"file not found: it is a symbolic link to '{target}', which does not exist or "
            "leads back to itself (a link loop)")

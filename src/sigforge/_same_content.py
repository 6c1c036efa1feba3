"""Which of several input paths hold the same content: one file under two spellings or hard
links, or byte-for-byte copies. A sample sheet naming a copy of a VCF twice would count one
patient as two; ``prepare-joint`` given a copy as a second modality would stack a table on
itself. Only regular files of equal size are read, so distinct inputs cost one ``stat`` each.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from sigforge._atomic import file_identity


def path_identity(path: str) -> tuple[int, int] | str:
    """What identifies the file ``path`` names: its (device, inode) when it exists (so another
    spelling of the path, or a hard link, agrees), else its normalised path."""
    return file_identity(Path(path)) or os.path.normpath(path)


def file_digest(path: str) -> str | None:
    """The SHA-256 of a file's bytes (None when it cannot be read: its reader names why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def content_identities(paths: Sequence[str]) -> dict[str, object]:
    """For each of ``paths``, what identifies its content: :func:`path_identity`, shared by
    regular files of one size whose bytes are the same (the first such file's identity).
    Named pipes, devices and folders are never read."""
    keys: dict[str, object] = {path: path_identity(path) for path in dict.fromkeys(paths)}
    by_size: dict[int, dict[object, str]] = {}
    for path, key in keys.items():
        if not isinstance(key, tuple):
            continue
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(status.st_mode):
            by_size.setdefault(status.st_size, {}).setdefault(key, path)
    shared: dict[object, object] = {}
    for files in by_size.values():
        if len(files) < 2:
            continue
        first_of_content: dict[str, object] = {}
        for key, path in files.items():
            digest = file_digest(path)
            if digest is not None:
                shared[key] = first_of_content.setdefault(digest, key)
    return {path: shared.get(key, key) for path, key in keys.items()}


def refuse_one_table_twice(inputs: Sequence[str], modalities: Sequence[str],
                           option: str = "--inputs") -> None:
    """Refuse one table given as two modalities (the same path twice, another spelling of it,
    a hard link, or a byte-for-byte copy): the joint matrix would stack one table on itself,
    its features counted twice, and no later step could tell that from two measurements.
    Both are named, under ``option`` (the command line's --inputs, or the config's key)."""
    from sigforge._errors import InputError

    keys = content_identities(inputs)
    seen: dict[object, tuple[str, str]] = {}
    for path, modality in zip(inputs, modalities, strict=True):
        key = keys[path]
        if key in seen:
            first, first_modality = seen[key]
            what = ("the same file as" if path_identity(path) == path_identity(first)
                    else "a byte-for-byte copy of")
            raise InputError(f"{option} {path} (modality '{modality}') is {what} {option} "
                             f"{first} (modality '{first_modality}'): the joint matrix would "
                             "stack one table on itself. Give each modality its own table, "
                             "once.")
        seen[key] = (path, modality)

"""Sample names and the file names derived from them.

A sample's name is kept verbatim in every table and report; its file stem (used in paths such
as ``results/catalogs/samples/{stem}``) replaces every character outside ``[A-Za-z0-9._-]``
with ``_`` and, when the result does not start with a letter or digit, is prefixed with ``s``
(so that no stem is hidden or read as a command-line option). Names whose stems collide
(compared case-insensitively, for case-insensitive file systems) are rejected. The samples
sheet is stricter: a name that reads as a path (``../x``, ``a/b``) is rejected there rather
than silently rewritten, because users expect the sample name they typed to be a file name of
the results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sigforge.io import InputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
REQUIRED_COLUMNS = ("sample_id", "vcf")


def file_stem(name: str) -> str:
    """The path-safe stem of a sample name (see the module docstring)."""
    stem = _UNSAFE.sub("_", name)
    return stem if stem[:1].isalnum() else f"s{stem}"


def check_path_safe(name: str, where: str) -> None:
    """Reject a name that reads as a path: holds '/' or '\\', or starts with '.'."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise InputError(f"{where}: sample name '{name}' would escape or hide in the results "
                         "folder (it holds '/' or '\\' or starts with '.'). Rename the sample.")


def check_sample_name(name: str, where: str) -> None:
    """Reject names that are empty or hold a tab, newline or other control character."""
    if not name.strip():
        raise InputError(f"{where}: empty sample name. Give every sample a name.")
    if any(ord(ch) < 32 for ch in name):
        raise InputError(f"{where}: sample name {name!r} holds a tab, newline or other control "
                         "character, which cannot be written to a TSV header. Rename it.")


def file_stems(names: Sequence[str], where: str) -> dict[str, str]:
    """Map each sample name to its file stem; reject unsafe names and colliding stems."""
    stems: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in names:
        check_sample_name(name, where)
        if name in stems:
            raise InputError(f"{where}: sample name '{name}' appears more than once.")
        stem = file_stem(name)
        other = taken.get(stem.lower())
        if other is not None:
            raise InputError(f"{where}: sample names '{other}' and '{name}' both become the file "
                             f"name '{stem}' once unsafe characters are replaced (or differ only "
                             "in case). Rename one of them.")
        stems[name] = stem
        taken[stem.lower()] = name
    return stems


def read_sample_sheet(path: str | Path) -> pd.DataFrame:
    """Read a samples sheet (TSV with at least ``sample_id`` and ``vcf``), all cells as text.

    Returns the sheet indexed by sample_id, with a ``stem`` column; every name is checked by
    :func:`file_stems`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"samples sheet {path}: file not found (config key 'samples').")
    sheet = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment="#")
    missing = [c for c in REQUIRED_COLUMNS if c not in sheet.columns]
    if missing:
        raise InputError(f"samples sheet {path}: missing column(s) {missing}; expected a "
                         f"tab-separated header with {', '.join(REQUIRED_COLUMNS)}.")
    if sheet.empty:
        raise InputError(f"samples sheet {path}: no samples listed.")
    for line, vcf in enumerate(sheet["vcf"], start=2):
        if not vcf.strip():
            raise InputError(f"samples sheet {path}, line {line}: empty 'vcf' path.")
    for name in sheet["sample_id"]:
        check_path_safe(name, f"samples sheet {path}")
    stems = file_stems(list(sheet["sample_id"]), f"samples sheet {path}")
    sheet["stem"] = [stems[name] for name in sheet["sample_id"]]
    return sheet.set_index("sample_id", drop=False)

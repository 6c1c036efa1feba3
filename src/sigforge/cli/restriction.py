"""``refit --restrict-to``: which signatures of the set a refit may use.

A cohort catalog has one channel set, so every name must be a signature of its table. A
patient's VCF against a shipped set is refitted per channel set (SBS96, then DBS78 and ID83),
so there the list may name signatures of any of the set's tables (``SBS1,DBS2,ID1``): each
table keeps the names it has, and a table none of whose signatures is named is used whole
(less artefacts), as without the option. A name in none of the tables is refused.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd

from sigforge.io import InputError


def restriction_names(text: str, known: Collection[str] = ()) -> list[str]:
    """The names of --restrict-to: a file of names separated by line breaks, spaces, tabs or
    commas ('#' starts a comment, on a line of its own or after names; a ``known`` name
    holding spaces, COSMIC v2's 'Signature 1', is kept whole), else a comma-separated list;
    refused when it names no signature or one signature twice."""
    path = Path(text)
    listed = [n.strip() for n in text.split(",") if n.strip()]
    if not path.is_file():
        names = listed
    else:
        _check_not_both(text, listed, known)
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as err:
            raise InputError(f"--restrict-to {path}: not UTF-8 text ({err.reason} at byte "
                             f"{err.start}). Save the list of signature names as plain text, "
                             "one per line.") from err
        names = [name for line in lines
                 for piece in _uncommented(line).split(",") if piece.strip()
                 for name in ([piece.strip()] if piece.strip() in known else piece.split())]
    if not names:
        raise InputError(f"--restrict-to '{text}' names no signature. Give names from the "
                         "signature table, comma-separated (SBS1,SBS5) or one per line in a "
                         "file, or leave the option out to use every signature.")
    _check_no_repeats(text, names)
    return names


def _check_not_both(text: str, listed: list[str], known: Collection[str]) -> None:
    """Refuse a value that is both a file of the run folder and a list of signature names
    (a file named 'SBS1' beside the run): reading either would silently ignore the other.
    A value with a folder in it ('./SBS1') is a path, never names."""
    if "/" in text or os.sep in text or not listed or not set(listed) <= set(known):
        return
    raise InputError(f"--restrict-to '{text}' is both a file in this folder and the name of "
                     "signature(s) of the set. Give './" + text + "' to read the file, or "
                     "rename the file to keep the names.")


def _uncommented(line: str) -> str:
    """A line of a --restrict-to file without its comment ('#' to the end of the line)."""
    return line.split("#", 1)[0]


def _where(text: str, name: str) -> str:
    """' (file F, line N)' for the first line of the --restrict-to file ``text`` naming
    ``name``; '' for a comma-separated list (the option's value names it already)."""
    path = Path(text)
    if not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    number = next((i for i, line in enumerate(lines, start=1)
                   if name in _uncommented(line).replace(",", " ").split()
                   or name in (piece.strip() for piece in _uncommented(line).split(","))), None)
    return f" (file {path}, line {number})" if number is not None else f" (file {path})"


def _check_no_repeats(text: str, names: list[str]) -> None:
    """Refuse a signature named twice in --restrict-to: each copy would get a row of its own
    in exposures.tsv (the second all zeros), a table that no reader, sigforge's own included,
    accepts. The message names the repeated signature and its places in the list."""
    repeated = list(dict.fromkeys(name for i, name in enumerate(names) if name in names[:i]))
    if not repeated:
        return
    first = repeated[0]
    places = ", ".join(str(i + 1) for i, name in enumerate(names) if name == first)
    source = f"file {text}" if Path(text).is_file() else f"'{text}'"
    others = f" (so are {', '.join(repeated[1:])})" if len(repeated) > 1 else ""
    raise InputError(f"--restrict-to {source}: signature '{first}' is named more than once "
                     f"(entries {places} of the list){others}. Name each signature once.")


def restriction(text: str | None, available: pd.Index) -> list[str] | None:
    """Signature names from --restrict-to (comma list or file) for one table; every one
    must be in it. None without the option."""
    if text is None:
        return None
    names = restriction_names(text, set(map(str, available)))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise InputError(f"--restrict-to: signatures {unknown}{_where(text, unknown[0])} "
                         "are not in the signature table (it has "
                         f"{', '.join(map(str, available[:8]))}, ...). Give names from that "
                         "table, comma-separated or one per line in a file.")
    return names


def per_table_restriction(text: str | None, tables: Mapping[str, pd.Index],
                          channel_set: str) -> list[str] | None:
    """The names of --restrict-to that table ``channel_set`` of a set of several tables
    (``tables``: channel set -> its signature names) has, in the order given; None (the
    whole table) without the option or when the list names none of its signatures. A name
    in none of the tables is refused, naming the tables."""
    if text is None:
        return None
    names = restriction_names(text, {str(name) for known in tables.values() for name in known})
    unknown = [n for n in names if not any(n in known for known in tables.values())]
    if unknown:
        shown = "; ".join(f"{name}: {', '.join(map(str, known[:4]))}, ..."
                          for name, known in tables.items())
        raise InputError(f"--restrict-to: signatures {unknown}{_where(text, unknown[0])} "
                         f"are in none of the set's tables ({shown}). Give names from them, "
                         "comma-separated or one per line in a file.")
    kept = [n for n in names if n in tables[channel_set]]
    return kept or None

"""Mutation catalogs and signature tables read from files, channel sets recognised.

:func:`sigforge.io.read_matrix` reads any labelled table; this module passes it the mutation
channel sets, so that the label styles in common use (``A[C>A]A``, ``ACA>AAA``, PCAWG's two
columns ``C>A`` + ``ACA``) are recognised and every row is aligned by label: a table whose labels
form a known channel set (SBS96, SBS288, SBS1536, DBS78, ID83) comes back in the standard
channel order; any other table is a generic matrix and keeps its own row order. A table whose
labels are *mostly* one known set (see :func:`sigforge.genomics.contexts.closest_channel_set`:
at least half of them, and at least four, are its channels) but not all of it is an error
naming the missing and the unknown labels, never a silent generic matrix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sigforge._validation import quoted
from sigforge.genomics.contexts import (
    CHANNEL_SETS,
    SBS96_CHANNELS,
    SBS288_CHANNELS,
    SBS1536_CHANNELS,
    ChannelSetMatch,
    closest_channel_set,
    label_style,
)
from sigforge.genomics.other_channel_sets import other_matrix_name, other_matrix_problem
from sigforge.io import InputError, Matrix, read_matrix, row_location

if TYPE_CHECKING:
    import pandas as pd


def _listing(items: list[str], limit: int = 5) -> str:
    """``'a', 'b', 'c' and 7 more`` -- the first few items of a long list, and the count."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def _channel_set_error(match: ChannelSetMatch, labels: list[str], path: Path) -> InputError:
    """The error for a table that is mostly one known channel set, but not all of it.

    Naming the missing and the unknown labels turns a silent misreading (the table run as a
    generic matrix) into a one-line fix.
    """
    name, total = match.name, len(labels)
    style = label_style(name, labels)
    written = f" (written in the {style} style)" if style else ""
    problems = []
    if match.missing:
        problems.append(f"{len(match.missing)} {name} channel(s) missing "
                        f"({_listing(match.missing)})")
    if match.extra:
        problems.append(f"{len(match.extra)} row label(s) not {name} channels ("
                        + _listing([f"{quoted(labels[i])} on {row_location(path, i)}"
                                    for i in match.extra])
                        + ")")
    if match.repeated:
        problems.append(f"{len(match.repeated)} row(s) naming a channel already given in "
                        "another label style (" + _listing(
                            [f"{quoted(labels[i])} = {match.standard[i]} on "
                             f"{row_location(path, i)}"
                             for i in match.repeated]) + ")")
    if name == "DBS78" and match.extra:
        problems.append("DBS78 channels are doublets on COSMIC's strand: one such as AA>CC "
                        "is written as its reverse complement, TT>GG")
    return ChannelSetError(
        f"{path}: {total - len(match.extra)} of the {total} row labels are {name} channels"
        f"{written}, so the table is read as {_article(name)} {name} table, but expected all "
        f"{len(CHANNEL_SETS[name])} channels exactly once: {'; '.join(problems)}.",
        f"Give every {name} channel one row (0 where nothing was counted) and remove or "
        "correct the other rows",
        "to factor the rows as they are, take the table as a generic matrix (--generic).")


def _article(name: str) -> str:
    """'an' before a name read letter by letter from a vowel sound (an SBS96, an ID83), else
    'a' (a DBS78)."""
    return "an" if name[:1].upper() in set("AEFHILMNORSX") else "a"


class ChannelSetError(InputError):
    """A table that is mostly one channel set but not exactly all of it. Its parts are kept
    apart for readers of files sigforge wrote, whose fix is to rerun the step that wrote
    them rather than to edit the rows or take the table as a generic matrix."""

    def __init__(self, problem: str, correct: str, generic: str) -> None:
        super().__init__(f"{problem} {correct}; {generic}")
        self.problem, self.correct = problem, correct

    def __reduce__(self) -> tuple[type, tuple[str]]:
        """Pickled (across processes) as the plain InputError its message is."""
        return InputError, (str(self),)


class MutationChannelSets:
    """The recogniser of the mutation channel sets that :func:`sigforge.io.read_matrix` takes.

    Satisfies :class:`sigforge.io.ChannelSets`.
    """

    def recognise(self, labels: list[str], path: Path) -> tuple[str, list[str], list[str]] | None:
        """``(name, standard label of each row, the set's channels in order)`` or None.

        Raises
        ------
        InputError
            The labels are mostly one channel set but not exactly all of it.
        """
        match = closest_channel_set(labels)
        if match is not None and match.complete:
            return match.name, list(match.standard), list(CHANNEL_SETS[match.name])
        other = other_matrix_name(labels)
        if other is not None:
            problem, instead = other_matrix_problem(other)
            raise ChannelSetError(f"{path}: {problem}", instead, "to factor the rows as they "
                                  "are, take the table as a generic matrix (--generic).")
        if match is None:
            _refuse_other_case(labels, path)
            return None
        if not match.complete:
            raise _channel_set_error(match, labels, path)
        return match.name, list(match.standard), list(CHANNEL_SETS[match.name])


#: ID83's standard labels by their case-folded spelling ('1:del:c:0' -> '1:Del:C:0'), for
#: :func:`_refuse_other_case`; SBS and DBS labels are all upper case.
_ID83_BY_FOLDED = {label.casefold(): label for label in CHANNEL_SETS["ID83"]}


def _refuse_other_case(labels: list[str], path: Path) -> None:
    """Refuse labels that form a channel set once their case is corrected ('a[c>a]a',
    '1:DEL:C:0'): taken as a generic matrix, a catalog would lose its channels (no COSMIC
    comparison, no spectrum plots) without a word. Every style is matched in one case only,
    so the fix is to rewrite the labels, or to give --generic."""
    for fixed in ([label.upper() for label in labels],
                  [_ID83_BY_FOLDED.get(label.casefold(), label) for label in labels]):
        match = closest_channel_set(fixed)
        if match is None or fixed == labels:
            continue
        row = next(i for i, (a, b) in enumerate(zip(labels, fixed, strict=True)) if a != b)
        raise ChannelSetError(
            f"{path}: the row labels are {match.name} channels written in another case "
            f"({quoted(labels[row])} on {row_location(path, row)} for {quoted(fixed[row])}), "
            "and channel labels are matched in their standard case only.",
            f"Write them in that case ({quoted(fixed[row])})",
            "to factor the rows as they are, take the table as a generic matrix (--generic).")


MUTATION_CHANNEL_SETS = MutationChannelSets()


def read_catalog(path: str | os.PathLike[str], *, generic: bool = False) -> Matrix:
    """Read a features x columns table (catalog, signatures, exposures), aligned by label.

    A table whose labels are mostly one known channel set (see
    :func:`sigforge.genomics.contexts.closest_channel_set`: at least half of its labels, and at
    least four, are channels of SBS96, SBS288, SBS1536, DBS78 or ID83 in an accepted style) must
    be exactly that set and comes back in its standard order; a missing, unknown or repeated
    channel is an error naming them. Any other table is a generic matrix in its own row order.
    ``generic=True`` skips the detection: the table is taken as a generic matrix (as
    :func:`sigforge.io.read_matrix` reads it).

    Raises
    ------
    InputError
        Missing, empty or unreadable file, no data rows or value columns, duplicate labels or
        column names, non-numeric, non-finite or negative cells, an incomplete channel set; the
        message names the file, line and column, and the fix.
    """
    return read_matrix(path, channel_sets=None if generic else MUTATION_CHANNEL_SETS)


def read_signatures(path: str | os.PathLike[str], *, generic: bool = False) -> Matrix:
    """Read a signature table (channels x signatures): :func:`read_catalog` under its own name."""
    return read_catalog(path, generic=generic)


def as_sbs96(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """SBS288 or SBS1536 rows summed into their SBS96 channel; other tables unchanged.

    SBS288 ``T:A[C>A]A`` drops its strand prefix; SBS1536 ``AA[C>A]AA`` its outer flanking
    bases. Used to draw, compare with SBS96 reference sets and decompose the larger SBS
    channel sets.
    """
    labels = {str(label) for label in frame.index}
    if labels == set(SBS288_CHANNELS):
        key = [str(label).split(":", 1)[1] for label in frame.index]
    elif labels == set(SBS1536_CHANNELS):
        key = [str(label)[1:-1] for label in frame.index]
    else:
        return frame
    summed = frame.groupby(key).sum()
    return summed.loc[list(SBS96_CHANNELS)]

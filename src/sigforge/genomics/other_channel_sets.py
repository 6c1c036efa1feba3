"""Mutation matrices of other channel sets than sigforge's, named so that a message can say
what a table is and what was expected instead.

SigProfilerMatrixGenerator writes, beside the SBS96, SBS288, SBS1536, DBS78 and ID83 matrices
sigforge reads, matrices of other resolutions (``PROJ.SBS6.all``, ``PROJ.SBS384.all``,
``PROJ.ID28.all`` ...), each named by its mutation type and its number of channels. Given
where a catalog or signature table is expected, such a table is neither one of sigforge's
sets nor a generic matrix a user meant to factor: :func:`other_matrix_name` recognises it so
that the reader refuses it by name, with the matrix to give instead.
"""

from __future__ import annotations

import re

#: The matrix sizes SigProfilerMatrixGenerator writes, by mutation type, that sigforge does
#: not read as catalogs (its own are SBS96, SBS288, SBS1536, DBS78 and ID83).
OTHER_SIZES = {
    "SBS": (6, 18, 24, 384, 4608, 6144),
    "DBS": (150, 186, 1248, 2400, 2976),
    "ID": (28, 332, 415, 8628),
}

#: One channel label of each mutation type, after an optional strand prefix (``T:``,
#: ``U:``, ``B:``, ``N:``, ``Q:``): a substitution with or without its flanking bases, a
#: doublet likewise, an indel class (either ID83 naming, or ID28's extra classes).
_STRAND = re.compile(r"^[TUBNQ]:")
_LABEL_PATTERNS = {
    "SBS": re.compile(r"^(?:[ACGT]+\[[CT]>[ACGT]\][ACGT]+|[CT]>[ACGT])$"),
    "DBS": re.compile(r"^(?:[ACGT]+\[[ACGT]{2}>[ACGT]{2}\][ACGT]+|[ACGT]{2}>[ACGT]{2})$"),
    "ID": re.compile(r"^(?:\d\+?:(?:Del|Ins):[CTRM]:\d\+?|(?:DEL|INS)_\w+_\d\+?_\d\+?|"
                     r"long_Del|long_Ins|MH|complex)$"),
}

#: What to give instead, by mutation type.
_INSTEAD = {
    "SBS": "SBS96 (PROJ.SBS96.all), SBS288 or SBS1536",
    "DBS": "DBS78 (PROJ.DBS78.all)",
    "ID": "ID83 (PROJ.ID83.all)",
}


def other_matrix_name(labels: list[str]) -> str | None:
    """The SigProfilerMatrixGenerator matrix (``"SBS6"``, ``"SBS384"``, ``"ID28"`` ...) whose
    channels the row labels are, or None: every label is a channel label of one mutation type
    and their number is one of :data:`OTHER_SIZES`."""
    stripped = [_STRAND.sub("", label.strip()) for label in labels]
    for kind, pattern in _LABEL_PATTERNS.items():
        if len(labels) in OTHER_SIZES[kind] and all(pattern.match(s) for s in stripped):
            return f"{kind}{len(labels)}"
    return None


def other_matrix_problem(name: str) -> tuple[str, str]:
    """What a table of matrix ``name`` (see :func:`other_matrix_name`) is, and what to give
    instead, for messages."""
    kind = name.rstrip("0123456789")
    return (f"its row labels are the channels of SigProfilerMatrixGenerator's {name} matrix "
            f"({name[len(kind):]} {kind} classes), which sigforge does not read as a catalog or "
            f"signature table (for {kind} it reads {_INSTEAD[kind]}).",
            f"Give the {_INSTEAD[kind]} matrix of the same run instead")

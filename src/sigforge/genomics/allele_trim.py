"""Minimal representation of REF/ALT pairs: trimming the bases the two alleles share.

Some callers write a variant with flanking reference bases in both alleles: freebayes pads
an SNV into a haplotype (``POS 264 CCT>CAT`` for ``POS 265 C>A``), writes a deletion with
bases after it (``CTAA>CAA``), and Mutect2 with ``--max-mnp-distance`` may do the same.
Classified as written, such a record is an ``mnv`` or ``complex`` and never counted. Trimmed
as ``bcftools norm`` and ``vt normalize`` trim (the shared suffix first, then the shared
prefix, each while both alleles keep at least one base), it is the SNV, doublet or anchored
indel it stands for, at its true position. An allele already minimal (every SNV, doublet,
MNV whose ends both change, and VCF-anchored indel) is left as it is, so the catalogs of
ordinary VCFs do not change; no left-alignment is done (that needs the FASTA).

An indel on a contig's first base has no base before it, so VCF writes it with the base
after it (``POS 1 TA>A`` deletes the T). Its shared last bases are trimmed away entirely and
the empty allele written ``-``, as a MAF writes such an indel: it is then skipped as
``contig_end`` (no ID83 context exists there) in both formats, not called ``complex``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sigforge.genomics.variant_table import VariantTable

#: The letters of an allele that is sequence.
_BASES = frozenset("ACGTN")
#: First characters of ALTs that are no sequence: symbolic, breakend, '*', missing.
_NOT_SEQUENCE = "<.*[]"


class Trimmed(NamedTuple):
    """What :func:`trim_shared_bases` changed: how many alleles, and the first one as
    ``'chr1:264 CCT>CAT -> chr1:265 C>A'`` for the message (empty when none)."""

    count: int
    example: str


def minimal_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """``(pos, ref, alt)`` with the bases both alleles share trimmed: the common suffix,
    then the common prefix, each while both alleles keep more than one base (so that an
    indel keeps its anchor base, as VCF writes it)."""
    end = 0
    while (end < min(len(ref), len(alt)) - 1
           and ref[len(ref) - 1 - end] == alt[len(alt) - 1 - end]):
        end += 1
    if end:
        ref, alt = ref[:len(ref) - end], alt[:len(alt) - end]
    start = 0
    while start < min(len(ref), len(alt)) - 1 and ref[start] == alt[start]:
        start += 1
    return pos + start, ref[start:], alt[start:]


def contig_start_indel(ref: str, alt: str) -> tuple[str, str] | None:
    """The MAF form (``'T', '-'``) of an indel written at POS 1 with the base after it
    (``'TA', 'A'``), or None when the pair is not one (see the module docstring)."""
    if len(ref) == len(alt) or ref[0] == alt[0] or ref[-1] != alt[-1]:
        return None
    end = 0
    while end < min(len(ref), len(alt)) and ref[-1 - end] == alt[-1 - end]:
        end += 1
    if end < min(len(ref), len(alt)):
        return None  # bases change on both alleles: complex, as written
    return ref[:len(ref) - end] or "-", alt[:len(alt) - end] or "-"


def _trimmable(ref: str, alt: str) -> bool:
    """Whether a pair of alleles of two bases or more may share flanking bases: both are
    sequence (no symbolic ALT, breakend, '*', '.' or MAF '-'), they differ, and their first
    or last bases agree."""
    if alt[0] in _NOT_SEQUENCE or "[" in alt or "]" in alt or alt.endswith("."):
        return False
    if ref == alt or "-" in (ref, alt):
        return False
    return ref[0] == alt[0] or ref[-1] == alt[-1]


def trim_shared_bases(table: VariantTable) -> Trimmed:
    """Trim every allele of ``table`` to its minimal representation, in place (see the
    module docstring); returns how many alleles changed, with an example.

    Only pairs of which both alleles are two bases or longer can change (an allele of one
    base is an SNV or an anchored indel already), so an ordinary file is looked at in one
    vectorised length test.
    """
    if not len(table):
        return Trimmed(0, "")
    ref_len, alt_len = _allele_lengths(table)
    count, example = 0, ""
    for row in np.flatnonzero((ref_len > 1) & (alt_len > 1)).tolist():
        ref, alt = table.ref[row], table.alt[row]
        if not _trimmable(ref, alt):
            continue
        pos, new_ref, new_alt = minimal_alleles(int(table.pos[row]), ref, alt)
        if (new_ref, new_alt) == (ref, alt):
            continue
        if not example:
            contig = table.contig_names[int(table.contig[row])]
            example = (f"{contig}:{table.pos[row]} {ref}>{alt} -> {contig}:{pos} "
                       f"{new_ref}>{new_alt}")
        table.padding[row] = (int(table.pos[row]), ref)
        table.pos[row], table.ref[row], table.alt[row] = pos, new_ref, new_alt
        count += 1
    return Trimmed(count, example)


def unanchor_contig_start(table: VariantTable) -> Trimmed:
    """Rewrite every indel written at POS 1 with the base after it in its MAF form, in place
    (see the module docstring); returns how many, with an example."""
    starts = np.flatnonzero(table.pos == 1)
    count, example = 0, ""
    for row in starts.tolist():
        ref, alt = table.ref[row], table.alt[row]
        if len(ref) == len(alt) or not _trimmable(ref, alt):
            continue
        if (maf_form := contig_start_indel(ref, alt)) is None:
            continue
        if not example:
            contig = table.contig_names[int(table.contig[row])]
            example = f"{contig}:1 {ref}>{alt}"
        table.ref[row], table.alt[row] = maf_form
        count += 1
    return Trimmed(count, example)


def _allele_lengths(table: VariantTable) -> tuple[np.ndarray, np.ndarray]:
    """The lengths of every row's REF and ALT (one vectorised pass over the table)."""
    n = len(table)
    return (np.fromiter(map(len, table.ref), dtype=np.int64, count=n),
            np.fromiter(map(len, table.alt), dtype=np.int64, count=n))


def _tally(table: VariantTable, candidates: np.ndarray,
           odd: Callable[[str, str], bool]) -> Trimmed:
    """How many ``candidates`` rows (a boolean mask) have alleles for which ``odd(ref, alt)``
    holds, with the first as ``'chr1:1019 CCT>ACA'``."""
    count, example = 0, ""
    for row in np.flatnonzero(candidates).tolist():
        ref, alt = table.ref[row], table.alt[row]
        if not _BASES.issuperset(ref + alt) or not odd(ref, alt):
            continue
        if not example:
            contig = table.contig_names[int(table.contig[row])]
            example = f"{contig}:{table.pos[row]} {ref}>{alt}"
        count += 1
    return Trimmed(count, example)


def gapped_mnvs(table: VariantTable) -> Trimmed:
    """The records (once trimmed) of equal-length alleles of three bases or more with an
    unchanged base inside (``TCCT>TACA``: C>A and T>A two bases apart), as Mutect2 with
    ``--max-mnp-distance`` and freebayes write nearby SNVs of one haplotype: how many, and the
    first. They are skipped whole as ``mnv``, so the user is told how to split them."""
    ref_len, alt_len = _allele_lengths(table)
    return _tally(table, (ref_len >= 3) & (ref_len == alt_len), lambda ref, alt: any(
        a == b for a, b in zip(ref, alt, strict=True)))


def right_anchored_indels(table: VariantTable) -> Trimmed:
    """Indels written with their padding base after them rather than before (``CT>T``: the C
    deleted, the T kept) away from a contig's first base: how many, and the first. VCF pads
    on the left, so such a record is ``complex`` as written; the user is told how to
    normalise it."""
    ref_len, alt_len = _allele_lengths(table)
    candidates = (ref_len != alt_len) & (np.minimum(ref_len, alt_len) == 1) & (table.pos > 1)
    return _tally(table, candidates, lambda ref, alt: ref[0] != alt[0] and ref[-1] == alt[-1])

"""ID83 labels of indels, as SigProfilerMatrixGenerator defines them: the leftmost spelling of
an indel in a repeat (:func:`left_aligned`), the copies of its unit on both sides and the
microhomology of a deletion (:func:`id83_label`). Every walk is bounded (six units left,
five copies each side, microhomology up to five bases), so that an indel in a megabase
homopolymer costs what an ordinary one does, and a deletion of hundreds of kilobases written
out in full at most time linear in its length (0.6 s for 300 kb inside a longer poly-A tract).
"""

from __future__ import annotations

#: Repeat copies past which ID83 channels no longer differ (counts of 5 or more share one).
_MOST_COPIES = 5


def _copies(sequence: str, unit: str, start: int, step: int) -> int:
    """Whole copies of ``unit`` in ``sequence`` walking from ``start`` (step +1 or -1), at
    most :data:`_MOST_COPIES`: a longer tract gives the same channel, and counting a
    megabase homopolymer base by base per indel would cost seconds each."""
    size, count = len(unit), 0
    if step > 0:
        while count < _MOST_COPIES and start + size <= len(sequence) and \
                sequence[start:start + size] == unit:
            count, start = count + 1, start + size
    else:
        while count < _MOST_COPIES and start - size >= 0 and \
                sequence[start - size:start] == unit:
            count, start = count + 1, start - size
    return count


def left_aligned(sequence: str, pos: int, unit: str,
                 max_steps: int | None = None) -> tuple[int, str]:
    """The leftmost spelling of the indel of ``unit`` after the 1-based anchor ``pos`` (the
    inserted or deleted bases start at 0-based index ``pos``): while the base before the
    event equals the unit's last base, the same haplotype is the event one base to the left,
    of the unit rotated (as ``bcftools norm -f`` left-aligns). Callers need not left-align
    (freebayes, VarDict, MAF conversions may not), and a spelling shifted inside a repeat of
    2+-bp units deletes a rotation of the unit ('GA' in AGAGAG), whose copies miss the
    partial unit at each end: one repeat too few, or microhomology split between the sides.

    ``max_steps`` stops the walk after that many bases (None: the whole repeat).

    The walk compares one base per step and builds the rotated unit once at the end: after
    ``k`` steps the unit is the ``k`` reference bases before the anchor followed by the first
    ``len(unit) - k`` of the original, so its last base is ``unit[-1 - k]`` while ``k`` is
    below the unit's length and a reference base after that. Rotating the string at every
    step cost time quadratic in the unit (a written-out 300 kb deletion took seconds).
    """
    size = len(unit)
    limit = pos if max_steps is None else min(pos, max_steps)
    steps = 0
    while steps < limit:
        last = unit[size - 1 - steps] if steps < size else sequence[pos - 1 - steps + size]
        if sequence[pos - 1 - steps] != last:
            break
        steps += 1
    start = pos - steps
    if steps < size:
        return start, sequence[start:pos] + unit[:size - steps]
    return start, sequence[start:start + size]


def id83_label(sequence: str, pos: int, ref: str, alt: str) -> str | None:
    """The ID83 label of a simple indel in VCF form, as SigProfilerMatrixGenerator defines it.

    Parameters
    ----------
    sequence : str
        The whole contig, upper case.
    pos : int
        1-based VCF POS: the anchor base shared by REF and ALT.
    ref, alt : str
        Anchored alleles; exactly one of them is one base long, and they share the first base.

    Rules (SPMG's, on the left-aligned event, :func:`left_aligned`): the repeat count of a
    deletion or insertion of unit u counts the copies of u adjacent to the event on both
    sides (5' and 3') in the reference; 1-bp events are keyed
    by the pyrimidine of the unit (C for C/G, T for T/A). A deletion of 2+ bp without an
    adjacent copy is a microhomology deletion when the bases right after it repeat a prefix
    of u, or the bases right before it repeat a suffix of u (length up to len(u) - 1; the
    longer side wins). Insertions have no microhomology class (``n:Ins:R:0``). Sizes and counts
    of 5 or more share the ``5`` channel. Returns None for anything that is not a simple indel.
    """
    if len(ref) > 1 and len(alt) == 1:
        unit, kind = ref[1:], "Del"
    elif len(ref) == 1 and len(alt) > 1:
        unit, kind = alt[1:], "Ins"
    else:
        return None
    # Walking (_MOST_COPIES + 1) units left passes that many copies of the unit, so the
    # event already has _MOST_COPIES beside it: the channel cannot change further left.
    pos, unit = left_aligned(sequence, pos, unit, max_steps=(_MOST_COPIES + 1) * len(unit))
    after = pos + len(unit) if kind == "Del" else pos  # 0-based: the first base after the event
    flanking = _copies(sequence, unit, pos, -1) + _copies(sequence, unit, after, +1)
    size = len(unit)
    if size == 1:
        base = "C" if unit in "CG" else "T"
        return f"1:{kind}:{base}:{min(flanking, 5)}"
    if flanking or kind == "Ins":
        return f"{min(size, 5)}:{kind}:R:{min(flanking, 5)}"
    # A prefix (suffix) of u that repeats implies every shorter one does, and the channel
    # stops at 5: trying lengths from min(size - 1, 5) down gives the same label at constant
    # cost (trying every length of a written-out 300 kb deletion took seconds).
    longest = min(size - 1, 5)
    forward = next((i for i in range(longest, 0, -1)
                    if sequence[after:after + i] == unit[:i]), 0)
    backward = next((i for i in range(longest, 0, -1)
                     if pos - i >= 0 and sequence[pos - i:pos] == unit[size - i:]), 0)
    homology = max(forward, backward)
    if homology:
        return f"{min(size, 5)}:Del:M:{min(homology, 5)}"
    return f"{min(size, 5)}:Del:R:0"

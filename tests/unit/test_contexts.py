"""Channel order, labels and classification of SBS96."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigforge.genomics.contexts import (
    SBS96_CHANNELS,
    detect_channel_set,
    normalise_sbs96_label,
    reverse_complement,
    sbs96_label,
)
from sigforge.genomics.indels import id83_label, left_aligned


def test_order_equals_the_shipped_cosmic_table() -> None:
    table = resources.files("sigforge.genomics.data") / "COSMIC_v3.6_SBS96_GRCh37.tsv"
    labels = [line.split("\t")[0] for line in table.read_text().splitlines()[1:]]
    assert tuple(labels) == SBS96_CHANNELS


def test_channels_are_96_distinct_pyrimidine_centred() -> None:
    assert len(set(SBS96_CHANNELS)) == 96
    assert all(label[2] in "CT" for label in SBS96_CHANNELS)


@pytest.mark.parametrize(("context", "alt", "label"), [
    ("ACA", "A", "A[C>A]A"),
    ("TCG", "T", "T[C>T]G"),
    ("TGT", "T", "A[C>A]A"),   # G>T on the forward strand is C>A on the reverse
    ("CAG", "G", "C[T>C]G"),   # A>G reverse-complemented: CAG -> CTG, G -> C
    ("ANA", "T", None),
    ("ACA", "N", None),
])
def test_sbs96_label(context: str, alt: str, label: str | None) -> None:
    assert sbs96_label(context, alt) == label


def test_reverse_complement() -> None:
    assert reverse_complement("ACGTN") == "NACGT"


@pytest.mark.parametrize(("raw", "standard"), [
    ("A[C>A]A", "A[C>A]A"), ("ACA>AAA", "A[C>A]A"), ("C>T:GCA", "G[C>T]A"),
    ("ACA>ACA", None), ("AGA>ATA", None), ("C>T:GTA", None), ("foo", None),
])
def test_label_styles(raw: str, standard: str | None) -> None:
    assert normalise_sbs96_label(raw) == standard


def test_detect_channel_set_needs_the_full_set() -> None:
    assert detect_channel_set(list(SBS96_CHANNELS))[0] == "SBS96"
    assert detect_channel_set(list(SBS96_CHANNELS[:95])) is None
    assert detect_channel_set(["word1", "word2"]) is None


@pytest.mark.parametrize(("filename", "channels"), [
    ("COSMIC_v3.6_DBS78_GRCh37.tsv", "DBS78_CHANNELS"),
    ("COSMIC_v3.6_ID83.tsv", "ID83_CHANNELS"),
])
def test_dbs_and_id_orders_equal_the_shipped_tables(filename: str, channels: str) -> None:
    import sigforge.genomics.contexts as contexts

    table = resources.files("sigforge.genomics.data") / filename
    labels = [line.split("\t")[0] for line in table.read_text().splitlines()[1:]]
    assert tuple(labels) == getattr(contexts, channels)
    assert detect_channel_set(labels[::-1])[0] == channels.split("_")[0]


# Contig GTCAGAGAGCTT...: an (AG)3 tract at 4-9; GGATCATGCATTGGA: CATG followed by CAT.
@pytest.mark.parametrize(("sequence", "spellings", "label"), [
    ("GTCAGAGAGCTTACG", [(3, "CAG", "C"), (4, "AGA", "A"), (5, "GAG", "G"), (6, "AGA", "A")],
     "2:Del:R:2"),
    ("GTCAGAGAGCTTACG", [(3, "C", "CAG"), (4, "A", "AGA"), (5, "G", "GAG"), (6, "A", "AGA")],
     "2:Ins:R:3"),
    ("GGATCATGCATTGGA", [(4, "TCATG", "T"), (5, "CATGC", "C"), (6, "ATGCA", "A"),
                         (7, "TGCAT", "T")], "4:Del:M:3"),
    ("GGATTTTTCA", [(3, "AT", "A"), (4, "TT", "T"), (7, "TT", "T")], "1:Del:T:4"),
])
def test_an_indel_has_one_channel_however_it_is_spelled(
        sequence: str, spellings: list[tuple[int, str, str]], label: str) -> None:
    """One AG deletion from (AG)3 written inside the tract was 2:Del:R:1 (the rotated unit GA
    misses the partial copies at both ends), the insertion 2:Ins:R:2, and a microhomology
    deletion written shifted 4:Del:M:2: the channel depended on the caller's spelling."""
    assert {id83_label(sequence, pos, ref, alt) for pos, ref, alt in spellings} == {label}


@settings(max_examples=300, deadline=None)
@given(motifs=st.lists(st.tuples(st.text("ACGT", min_size=1, max_size=4),
                                 st.integers(1, 12)), min_size=1, max_size=6),
       where=st.floats(0, 1), size=st.integers(1, 6), insertion=st.booleans())
def test_a_walk_capped_at_five_copies_gives_the_uncapped_channel(
        motifs: list[tuple[str, int]], where: float, size: int, insertion: bool) -> None:
    """The repeat walks stop after five copies (a megabase homopolymer cost seconds per
    indel): on genomes of tandem repeats up to 12 copies long, every indel written anywhere
    inside them gets the channel of the unbounded walk."""
    import sigforge.genomics.indels as indels

    sequence = "G" + "".join(motif * copies for motif, copies in motifs) + "C"
    pos = 1 + int(where * (len(sequence) - size - 2))
    unit = sequence[pos:pos + size]
    ref, alt = (sequence[pos - 1], sequence[pos - 1] + unit) if insertion else \
        (sequence[pos - 1] + unit, sequence[pos - 1])
    capped = id83_label(sequence, pos, ref, alt)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indels, "_MOST_COPIES", 10**9)
        assert id83_label(sequence, pos, ref, alt) == capped


def test_an_indel_in_a_long_homopolymer_is_classified_without_walking_it() -> None:
    """A deletion in the middle of a 20 Mb poly-T tract (walking it took seconds, so 200 such
    indels took minutes) is 1:Del:T:5, as are insertions of one or two bases there."""
    sequence = "G" + "T" * 20_000_000 + "C"
    middle = 10_000_000
    assert id83_label(sequence, middle, "TT", "T") == "1:Del:T:5"
    assert id83_label(sequence, middle, "T", "TT") == "1:Ins:T:5"
    assert id83_label(sequence, middle, "T", "TTT") == "2:Ins:R:5"


def _brute_force_microhomology(sequence: str, pos: int, unit: str) -> int:
    """The longest prefix of ``unit`` repeated right after it, or suffix repeated right
    before it (0-based ``pos`` of its first base), trying every length below the unit's."""
    size, after = len(unit), pos + len(unit)
    forward = max([i for i in range(1, size) if sequence[after:after + i] == unit[:i]],
                  default=0)
    backward = max([i for i in range(1, size)
                    if pos - i >= 0 and sequence[pos - i:pos] == unit[size - i:]], default=0)
    return max(forward, backward)


@settings(max_examples=300, deadline=None)
@given(sequence=st.text("AC", min_size=12, max_size=40), where=st.floats(0, 1),
       size=st.integers(2, 12))
def test_microhomology_is_the_longest_repeated_end_capped_at_five(
        sequence: str, where: float, size: int) -> None:
    """The microhomology search tries lengths from five down (the channel stops at 5): on
    two-letter sequences, rich in repeated ends, every deletion's channel equals the one
    from trying every length below the unit's."""
    sequence = "G" + sequence + "G"
    if size > len(sequence) - 3:
        return
    pos = 1 + int(where * (len(sequence) - size - 2))
    unit = sequence[pos:pos + size]
    label = id83_label(sequence, pos, sequence[pos - 1] + unit, sequence[pos - 1])
    if label is None or ":M:" not in label:
        return
    start, shifted = left_aligned(sequence, pos, unit, max_steps=6 * size)
    homology = _brute_force_microhomology(sequence, start, shifted)
    assert label == f"{min(size, 5)}:Del:M:{min(homology, 5)}"


@pytest.mark.parametrize("side", ["after", "before"])
def test_a_written_out_300_kb_deletion_gets_its_microhomology_channel(side: str) -> None:
    """A 300 kb deletion written out in full (as Pindel writes large ones) whose first three
    bases repeat right after it, or whose last three right before it, is 5:Del:M:3 (the
    search over every length below the unit's took seconds per such record)."""
    import random

    rng = random.Random(7)
    unit = "ACGT" + "".join(rng.choices("ACGT", k=300_000 - 8)) + "GTTC"
    flank = "".join(rng.choices("ACGT", k=50))
    if side == "after":
        sequence = flank + "T" + unit + "ACGA" + flank   # ACG repeated, then A != T
    else:
        sequence = flank + "ATTC" + unit + "G" + flank   # TTC repeated before, A != G
    pos = len(flank) + (1 if side == "after" else 4)
    assert _brute_force_microhomology(sequence, pos, unit) == 3
    label = id83_label(sequence, pos, sequence[pos - 1] + unit, sequence[pos - 1])
    assert label == "5:Del:M:3"

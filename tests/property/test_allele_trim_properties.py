"""Properties of the allele trimming (:mod:`sigforge.genomics.allele_trim`): records already
minimal are never changed (so catalogs of ordinary VCFs keep every count), and flanking bases
added to a record are trimmed back off."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sigforge.genomics.allele_trim import minimal_alleles

BASES = st.sampled_from("ACGT")
SEQUENCE = st.text(alphabet="ACGT", min_size=1, max_size=6)


@st.composite
def minimal_records(draw: st.DrawFn) -> tuple[str, str]:
    """An SNV, a doublet or longer MNV whose end bases change, or a VCF-anchored indel."""
    kind = draw(st.sampled_from(["snv", "mnv", "insertion", "deletion"]))
    if kind in ("snv", "mnv"):
        ref = draw(st.text(alphabet="ACGT", min_size=1 if kind == "snv" else 2, max_size=5))
        alt = "".join(draw(st.sampled_from([b for b in "ACGT" if b != base])) if i in (
            0, len(ref) - 1) else draw(BASES) for i, base in enumerate(ref))
        return ref, alt
    anchor, inserted = draw(BASES), draw(SEQUENCE)
    return (anchor, anchor + inserted) if kind == "insertion" else (anchor + inserted, anchor)


@given(minimal_records(), st.integers(1, 10**9))
def test_minimal_records_are_left_as_they_are(record: tuple[str, str], pos: int) -> None:
    ref, alt = record
    assert minimal_alleles(pos, ref, alt) == (pos, ref, alt)


@given(minimal_records(), st.integers(10, 10**9), st.text(alphabet="ACGT", max_size=3),
       st.text(alphabet="ACGT", max_size=3))
def test_flanking_bases_are_trimmed_back_off(record: tuple[str, str], pos: int, left: str,
                                             right: str) -> None:
    """Both flanks for substitutions; the flank after an indel (before it, the anchor base
    would be ambiguous: an insertion may move within a repeat)."""
    ref, alt = record
    if len(ref) != len(alt):
        left = ""
    padded = minimal_alleles(pos - len(left), left + ref + right, left + alt + right)
    assert padded == (pos, ref, alt)

"""Properties of the assay pieces: rescaling round trips, opportunities independent of how the
FASTA is chunked and equal to a plain count, region masks that agree with region lookups."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tests.conftest import write_fasta

from sigforge.genomics.contexts import reverse_complement
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.opportunities import (
    DINUCLEOTIDES,
    TRINUCLEOTIDES,
    context_counts,
    count_opportunities,
)
from sigforge.genomics.target_regions import TargetRegions, merge_intervals
from sigforge.refit import rescale_signatures

positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, (12, 3), elements=st.floats(0, 1)).filter(
           lambda a: (a.sum(axis=0) > 1e-6).all()),
       arrays(np.float64, 4, elements=positive), arrays(np.float64, 4, elements=positive),
       st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_rescaling_there_and_back_is_the_identity(values: np.ndarray, source: np.ndarray,
                                                  target: np.ndarray, which: list[int]) -> None:
    signatures = pd.DataFrame(values / values.sum(axis=0))
    contexts = [f"x{i}" for i in which]
    names = [f"x{i}" for i in range(4)]
    there = rescale_signatures(signatures, contexts, pd.Series(source, names),
                               pd.Series(target, names))
    back = rescale_signatures(there, contexts, pd.Series(target, names),
                              pd.Series(source, names))
    np.testing.assert_allclose(there.sum(), 1.0, rtol=1e-9)
    np.testing.assert_allclose(back.to_numpy(), signatures.to_numpy(), rtol=1e-7, atol=1e-12)


def _plain_count(seq: str, inside: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Trinucleotides (by centre) and dinucleotides (by first base) in ``inside``, one by one."""
    tri = pd.Series(0, index=list(TRINUCLEOTIDES))
    di = pd.Series(0, index=list(DINUCLEOTIDES))
    for p in range(len(seq)):
        if not inside[p]:
            continue
        word = seq[p - 1:p + 2] if p >= 1 else ""
        if len(word) == 3 and set(word) <= set("ACGT"):
            tri[word if word[1] in "CT" else reverse_complement(word)] += 1
        pair = seq[p:p + 2]
        if len(pair) == 2 and set(pair) <= set("ACGT"):
            di[pair if pair in di.index else reverse_complement(pair)] += 1
    return tri, di


@given(st.text("ACGTN", min_size=1, max_size=60), st.text("ACGT", min_size=1, max_size=30),
       st.lists(st.tuples(st.integers(0, 59), st.integers(1, 20)), min_size=1, max_size=4),
       st.integers(1, 25))
def test_opportunities_equal_a_plain_count_whatever_the_chunks(
        first: str, second: str, spans: list[tuple[int, int]], chunk: int) -> None:
    starts = np.array([min(s, len(first) - 1) for s, _ in spans], np.int64)
    ends = np.minimum(starts + np.array([w for _, w in spans]), len(first))
    regions = TargetRegions(Path("r.bed"), {"a": merge_intervals(starts, ends)})
    with tempfile.TemporaryDirectory() as folder:
        genome = ReferenceGenome(write_fasta(Path(folder) / "g.fa", {"a": first, "b": second}))
        table = count_opportunities(genome, regions, chunk=chunk)
        genome.close()
    inside = np.zeros(len(first), bool)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        inside[s:e] = True
    tri_in, di_in = _plain_count(first, inside)
    tri_a, di_a = _plain_count(first, np.ones(len(first), bool))
    tri_b, di_b = _plain_count(second, np.ones(len(second), bool))
    assert context_counts(table, "trinucleotide", "regions").astype(int).equals(tri_in)
    assert context_counts(table, "dinucleotide", "regions").astype(int).equals(di_in)
    assert context_counts(table, "trinucleotide", "genome").astype(int).equals(tri_a + tri_b)
    assert context_counts(table, "dinucleotide", "genome").astype(int).equals(di_a + di_b)


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), min_size=1, max_size=8),
       st.integers(0, 150), st.integers(1, 80))
def test_region_mask_agrees_with_contains(spans: list[tuple[int, int]], start: int,
                                          width: int) -> None:
    starts = np.array([s for s, _ in spans], np.int64)
    ends = starts + np.array([w for _, w in spans], np.int64)
    merged = merge_intervals(starts, ends)
    assert (merged[0][1:] > merged[1][:-1]).all()  # disjoint, not touching
    regions = TargetRegions(Path("r.bed"), {"c": merged})
    covered = np.zeros(300, bool)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        covered[s:e] = True
    window = regions.mask("c", start, start + width)
    assert (window == covered[start:start + width]).all()
    positions = np.arange(1, 301)
    assert (regions.contains("c", positions) == covered).all()
    assert regions.bases == covered.sum()

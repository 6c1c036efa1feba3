"""Property tests: every catalog context against a slow, obviously-correct classifier.

Random genomes are built from short repeated motifs (so that homopolymers, tandem repeats and
microhomologies are common), variants are drawn on them (isolated and clustered SNVs, 2-bp
records, deletions of the genome's own bases, insertions of copies of the neighbouring
sequence), and the counts of :mod:`sigforge.genomics.catalog` must equal the counts of the reference
classifier below, which walks variant by variant with plain string operations.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import write_fasta, write_vcf

from sigforge.genomics.annotation import read_annotation
from sigforge.genomics.catalog import CatalogOptions, count_table
from sigforge.genomics.contexts import (
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    SBS288_CHANNELS,
    SBS1536_CHANNELS,
)
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.vcf import read_vcf

pytestmark = pytest.mark.slow

COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}


def revcomp(seq: str) -> str:
    return "".join(COMPLEMENT[b] for b in reversed(seq))


def make_genome(rng: np.random.Generator, length: int) -> str:
    """Concatenated motifs of 1-4 bases, each repeated 1-6 times."""
    parts: list[str] = []
    while sum(map(len, parts)) < length:
        motif = "".join(rng.choice(list("ACGT"), size=int(rng.integers(1, 5))))
        parts.append(motif * int(rng.integers(1, 7)))
    return "".join(parts)[:length]


def _snvs(rng: np.random.Generator, seq: str, pos: int, count: int, taken: set[int]
          ) -> list[tuple]:
    """``count`` SNVs from ``pos`` on, 1, 2 or 6 bp apart, at most one per position."""
    records = []
    for offset in range(count):
        p = pos + offset * int(rng.choice([1, 1, 2, 6]))
        if p <= len(seq) and p not in taken:
            taken.add(p)
            ref = seq[p - 1]
            records.append((p, ref, str(rng.choice([b for b in "ACGT" if b != ref]))))
    return records


def _indel(rng: np.random.Generator, seq: str, pos: int, deletion: bool) -> list[tuple]:
    """A deletion of the genome's bases, or an insertion of the next bases or random ones."""
    size = int(rng.integers(1, 8 if deletion else 7))
    if deletion:
        return [(pos, seq[pos - 1:pos + size], seq[pos - 1])] if pos + size <= len(seq) else []
    unit = seq[pos:pos + size] if rng.random() < 0.6 else "".join(
        rng.choice(list("ACGT"), size=size))
    return [(pos, seq[pos - 1], seq[pos - 1] + unit)] if unit else []


def _respelled(seq: str, record: tuple) -> tuple | None:
    """The indel record written further right in its repeat (the same haplotype, as another
    caller might place it), or None where no other spelling exists."""
    pos, ref, alt = record
    deletion, size = len(alt) == 1, abs(len(ref) - len(alt))
    haplotype = (seq[:pos] + seq[pos + size:] if deletion
                 else seq[:pos] + alt[1:] + seq[pos:])
    for shifted in range(pos + 1, min(pos + size, len(seq) - deletion * size) + 1):
        if deletion and seq[:shifted] + seq[shifted + size:] == haplotype:
            return shifted, seq[shifted - 1:shifted + size], seq[shifted - 1]
        unit = haplotype[shifted:shifted + size]
        if not deletion and seq[:shifted] + unit + seq[shifted:] == haplotype:
            return shifted, seq[shifted - 1], seq[shifted - 1] + unit
    return None


def make_variants(rng: np.random.Generator, seq: str, n: int) -> list[tuple]:
    """SNVs (some in clusters), 2-bp records, deletions and insertions, with REF from ``seq``."""
    records: list[tuple] = []
    snv_at: set[int] = set()  # one SNV per position (an exact duplicate is added below)
    for _ in range(n):
        pos = int(rng.integers(1, len(seq) + 1))
        kind = rng.choice(["snv", "cluster", "dbs", "del", "ins"], p=[.4, .2, .1, .15, .15])
        if kind in ("snv", "cluster"):
            records += _snvs(rng, seq, pos, 1 if kind == "snv" else int(rng.integers(2, 4)),
                             snv_at)
        elif kind == "dbs" and pos + 1 <= len(seq):
            ref = seq[pos - 1:pos + 1]
            alt = "".join(str(rng.choice([b for b in "ACGT" if b != r])) for r in ref)
            records.append((pos, ref, alt))
        elif kind in ("del", "ins"):
            records += _indel(rng, seq, pos, kind == "del")
    if records and rng.random() < 0.3:
        records.append(records[int(rng.integers(len(records)))])  # an exact duplicate
    indels = [r for r in records if len(r[1]) != len(r[2])]
    if indels and rng.random() < 0.3:  # one indel written twice, at two places in its repeat
        respelled = _respelled(seq, indels[int(rng.integers(len(indels)))])
        records += [respelled] if respelled else []
    return records


def reference_sbs(seq: str, pos: int, ref: str, alt: str, flank: int) -> str | None:
    """SBS label from the (2*flank+1)-mer, pyrimidine-centred; None off the contig."""
    if pos - flank < 1 or pos + flank > len(seq):
        return None
    kmer = seq[pos - 1 - flank:pos + flank]
    if ref in "AG":
        kmer, alt = revcomp(kmer), COMPLEMENT[alt]
    return f"{kmer[:flank]}[{kmer[flank]}>{alt}]{kmer[flank + 1:]}"


def reference_dbs(ref: str, alt: str) -> str:
    label = f"{ref}>{alt}"
    return label if label in DBS78_CHANNELS else f"{revcomp(ref)}>{revcomp(alt)}"


def copies_right(seq: str, start: int, unit: str) -> int:
    """Largest k with seq[start:start + k*len(unit)] == unit * k."""
    k = 0
    while seq[start:start + (k + 1) * len(unit)] == unit * (k + 1):
        k += 1
    return k


def copies_left(seq: str, end: int, unit: str) -> int:
    """Largest k with seq[end - k*len(unit):end] == unit * k (never before the contig start)."""
    k = 0
    while end - (k + 1) * len(unit) >= 0 and seq[end - (k + 1) * len(unit):end] == unit * (k + 1):
        k += 1
    return k


def leftmost_event(seq: str, pos: int, unit: str, deletion: bool) -> tuple[int, str]:
    """(0-based start, unit) of the leftmost event giving the same haplotype, found by trying
    every start: the spelling ``bcftools norm -f`` writes, whatever spelling the VCF used."""
    size = len(unit)
    haplotype = seq[:pos] + seq[pos + size:] if deletion else seq[:pos] + unit + seq[pos:]
    for start in range(pos + 1):
        if deletion and seq[:start] + seq[start + size:] == haplotype:
            return start, seq[start:start + size]
        if not deletion and haplotype[start + size:] == seq[start:] \
                and haplotype[:start] == seq[:start]:
            return start, haplotype[start:start + size]
    raise AssertionError("the event itself gives the haplotype")


def reference_indel_event(seq: str, pos: int, ref: str, alt: str) -> tuple[bool, int, str]:
    """(deletion?, 0-based start, unit) of the indel's leftmost spelling: records of one
    event, however the caller placed it in its repeat, give the same triple."""
    deletion = len(alt) == 1
    return (deletion, *leftmost_event(seq, pos, ref[1:] if deletion else alt[1:], deletion))


def reference_id(seq: str, pos: int, ref: str, alt: str) -> str:
    """ID83 label, SigProfilerMatrixGenerator's rules on the left-aligned event, written out
    case by case."""
    deletion = len(alt) == 1
    pos, unit = leftmost_event(seq, pos, ref[1:] if deletion else alt[1:], deletion)
    size = len(unit)
    after = pos + size if deletion else pos
    copies = copies_left(seq, pos, unit) + copies_right(seq, after, unit)
    kind = "Del" if deletion else "Ins"
    if size == 1:
        return f"1:{kind}:{'C' if unit in 'CG' else 'T'}:{min(copies, 5)}"
    if copies or not deletion:
        return f"{min(size, 5)}:{kind}:R:{min(copies, 5)}"
    homology = 0
    for i in range(1, size):
        if seq[after:after + i] == unit[:i] or seq[max(pos - i, 0):pos] == unit[-i:]:
            homology = i
    return f"{min(size, 5)}:Del:M:{min(homology, 5)}" if homology else f"{min(size, 5)}:Del:R:0"


def reference_strand(intervals: list[tuple[int, int, str]], pos: int, ref: str) -> str:
    """T/U/B/N of a forward-strand base (+ gene: U, - gene: T), swapped for purine REF."""
    strands = {strand for start, end, strand in intervals if start < pos <= end}
    state = "B" if strands == {"+", "-"} else "U" if strands == {"+"} else \
        "T" if strands == {"-"} else "N"
    if ref in "AG" and state in "TU":
        state = "U" if state == "T" else "T"
    return state


def reference_snv_place(p: int, taken: set[int]) -> str:
    """'mnv', 'dbs_first', 'dbs_second' or 'sbs' for an SNV at p among SNV positions taken."""
    run_start, run_end = p, p
    while run_start - 1 in taken:
        run_start -= 1
    while run_end + 1 in taken:
        run_end += 1
    if run_end - run_start + 1 >= 3:
        return "mnv"
    if run_end == run_start + 1:
        near = [q for q in [*range(run_start - 5, run_start), *range(run_end + 1, run_end + 6)]
                if q in taken]
        if not near:
            return "dbs_first" if p == run_start else "dbs_second"
    return "sbs"


def reference_record_runs(records: list[tuple], snvs: set[tuple]) -> set[tuple]:
    """The 2-bp records and SNVs joined into one run of 3+ substituted bases by a record: the
    connected groups of variants whose bases touch or overlap, covering three or more bases,
    one of them a record (an MNV, however the caller split the run)."""
    variants = [(p, r, a) for p, r, a in records] + sorted(snvs)
    spans = [(p, p + len(r)) for p, r, _ in variants]
    group = list(range(len(variants)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, (s1, e1) in enumerate(spans):
        for j, (s2, e2) in enumerate(spans[:i]):
            if s2 <= e1 and s1 <= e2:
                group[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    for i in range(len(variants)):
        members.setdefault(root(i), []).append(i)
    return {variants[i] for ids in members.values()
            if any(i < len(records) for i in ids)
            and len({b for i in ids for b in range(*spans[i])}) >= 3 for i in ids}


def add_sbs(counts: dict[str, Counter], strand_counts: Counter, seq: str,
            intervals: list[tuple[int, int, str]], snv: tuple[int, str, str]) -> None:
    """Count one SNV in SBS96, SBS1536 (when its 5-mer exists) and by strand."""
    p, r, a = snv
    counts["SBS96"][reference_sbs(seq, p, r, a, 1)] += 1
    label = reference_sbs(seq, p, r, a, 2)
    if label is not None:
        counts["SBS1536"][label] += 1
    strand_counts[(reference_strand(intervals, p, r), reference_sbs(seq, p, r, a, 1))] += 1


def reference_catalogs(seq: str, records: list[tuple], intervals: list[tuple[int, int, str]],
                       multi_snvs_in_sbs: bool = False) -> dict[str, Counter]:
    """Counts per context, variant by variant (SPMG's SBS when ``multi_snvs_in_sbs``)."""
    unique = list(dict.fromkeys(records))
    doublet_bases = {(p + i, r[i], a[i]) for p, r, a in unique if len(r) == len(a) == 2
                     for i in (0, 1)}  # an SNV repeating one is the doublet's duplicate
    # an SNV at a contig's first or last base has no trinucleotide (no SBS) but pairs and runs
    # with its neighbours as any SNV does: a doublet needs no flanking base
    snvs = {(p, r, a) for p, r, a in unique if len(r) == len(a) == 1
            and 1 <= p <= len(seq) and (p, r, a) not in doublet_bases}
    taken = {p for p, _, _ in snvs}
    in_runs = reference_record_runs([v for v in unique if len(v[1]) == len(v[2]) == 2], snvs)
    counts: dict[str, Counter] = {c: Counter() for c in
                                  ("SBS96", "SBS1536", "SBS288", "DBS78", "ID83")}
    strand_counts: Counter = Counter()
    indel_events: set[tuple[bool, int, str]] = set()  # two spellings of one indel count once
    for p, r, a in sorted(snvs):
        place = "mnv" if (p, r, a) in in_runs else reference_snv_place(p, taken)
        if place == "dbs_first":
            partner = next(x for x in snvs if x[0] == p + 1)
            counts["DBS78"][reference_dbs(r + partner[1], a + partner[2])] += 1
        if place != "sbs" and not multi_snvs_in_sbs or not 2 <= p <= len(seq) - 1:
            continue
        add_sbs(counts, strand_counts, seq, intervals, (p, r, a))
    for p, r, a in unique:
        if len(r) == len(a) == 2:
            if (p, r, a) not in in_runs:
                counts["DBS78"][reference_dbs(r, a)] += 1
            for base in (0, 1) if multi_snvs_in_sbs else ():
                if 2 <= p + base <= len(seq) - 1:
                    add_sbs(counts, strand_counts, seq, intervals, (p + base, r[base], a[base]))
        elif len(r) != len(a) and reference_indel_event(seq, p, r, a) not in indel_events:
            indel_events.add(reference_indel_event(seq, p, r, a))
            counts["ID83"][reference_id(seq, p, r, a)] += 1
    add_strands(counts, strand_counts)
    return counts


def add_strands(counts: dict[str, Counter], strand_counts: Counter) -> None:
    """SBS288 from the SNVs' strand states (a base in genes on both strands: half to T and
    half to U, the odd one to T)."""
    for label in SBS96_CHANNELS:
        both = strand_counts[("B", label)]
        counts["SBS288"][f"T:{label}"] = strand_counts[("T", label)] + both // 2 + both % 2
        counts["SBS288"][f"U:{label}"] = strand_counts[("U", label)] + both // 2
        counts["SBS288"][f"N:{label}"] = strand_counts[("N", label)]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(30, 300), st.integers(1, 40), st.booleans())
def test_every_context_matches_the_reference_classifier(seed: int, length: int,
                                                        n_variants: int, spmg_sbs: bool) -> None:
    rng = np.random.default_rng(seed)
    seq = make_genome(rng, length)
    records = make_variants(rng, seq, n_variants)
    intervals = []
    for _ in range(int(rng.integers(0, 4))):
        start = int(rng.integers(0, length))
        intervals.append((start, int(rng.integers(start + 1, length + 1)),
                          str(rng.choice(["+", "-"]))))
    contexts = ("SBS96", "SBS288", "SBS1536", "DBS78", "ID83")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        genome = ReferenceGenome(write_fasta(base / "g.fa", {"chr1": seq}))
        bed = base / "genes.bed"
        bed.write_text("".join(f"chr1\t{s}\t{e}\tg\t0\t{strand}\n" for s, e, strand in intervals)
                       or "chr1\t0\t1\tg\t0\t.\n")
        annotation = read_annotation(bed) if intervals else None
        vcf = write_vcf(base / "s.vcf", [("chr1", p, r, a, "PASS") for p, r, a in records])
        options = CatalogOptions(contexts if annotation else tuple(
            c for c in contexts if c != "SBS288"), annotation=annotation,
            multi_snvs_in_sbs=spmg_sbs, keep_variants=True)
        result = count_table(read_vcf(vcf), genome, options)[0]
    expected = reference_catalogs(seq, records, intervals, spmg_sbs)
    channel_sets = {"SBS96": SBS96_CHANNELS, "SBS1536": SBS1536_CHANNELS,
                    "SBS288": SBS288_CHANNELS, "DBS78": DBS78_CHANNELS, "ID83": ID83_CHANNELS}
    for context in options.contexts:
        got = {label: int(n) for label, n in zip(channel_sets[context],
                                                 result.matrices[context], strict=True) if n}
        want = {label: n for label, n in expected[context].items() if n}
        assert got == want, context
    accounted = (result.counted_by_kind["SBS96"] + result.counted_by_kind["DBS78"]
                 + result.counted_by_kind["ID83"] + sum(result.skipped.values()))
    assert accounted == result.variants_read == len(records)
    assert result.matrices["SBS96"].sum() == (result.counted_by_kind["SBS96"]
                                              + result.counted_by_kind["also_in_sbs"])
    check_kept_variants(result.variants, result.matrices["SBS96"], seq)


def check_kept_variants(variants, sbs96: np.ndarray, seq: str) -> None:
    """The kept records give the SBS96 column by channel, each at its own site and context."""
    by_channel = variants["channel"].value_counts()
    np.testing.assert_array_equal(
        [by_channel.get(label, 0) for label in SBS96_CHANNELS], sbs96)
    for chrom, pos, ref, alt, context, channel in variants.itertuples(index=False):
        assert chrom == "chr1" and seq[pos - 1] == ref != alt
        assert context == seq[pos - 2:pos + 1]
        strand = (context, alt) if ref in "CT" else (revcomp(context), revcomp(alt))
        assert channel == f"{strand[0][0]}[{strand[0][1]}>{strand[1]}]{strand[0][2]}"

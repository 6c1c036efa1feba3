"""Cross-check of ``sigforge catalog`` against SigProfilerMatrixGenerator 1.4.0 (SPMG).

Everything is generated here, seeded: a small five-chromosome genome (about 450 kb) with planted
homopolymers, tandem repeats and microhomology sites, a transcript annotation (SPMG's table and
a GTF, with genes on both strands and overlapping ones), three VCF sets and a MAF:

- clean: four samples whose variants have one meaning in both tools: isolated SNVs covering all
  1536 pentanucleotide channels, isolated DBS (adjacent SNV pairs and 2-bp records) covering all
  78 channels, and planted indels covering all 83 ID channels; some records carry a non-PASS
  FILTER or a 0/0 genotype (both tools are run so that they ignore FILTER and GT), three SNVs
  disagree with the FASTA. These matrices must match EXACTLY (else exit 1).
- edge: one sample per edge case (3+ adjacent SNVs, SNVs next to a DBS, partial and long MNV
  records, multi-allelic records, N near variants, contig ends, duplicates, REF mismatches,
  contigs missing from the FASTA, chr prefixes, non-normalised indels, symbolic alleles).
  Differences are reported per sample with SPMG's behaviour for that case and, where sigforge
  differs on purpose, its behaviour; an edge case that differs without such a reason fails the
  run.
- random: 3,000 left-normalised indels at random positions (many in repeats); must match
  EXACTLY too.
- MAF: the clean set as one GDC-style MAF; ``sigforge catalog --maf`` must give exactly the
  matrices of its VCF run (else exit 1); SPMG's MAF matrices are reported beside them.

sigforge runs as SPMG does (``--sample-from-filename --all-filters``: sample = file name,
FILTER and GT ignored); on the edge set it runs once per file, so a failure on one case does not
hide the others. SPMG runs from its own venv (see ``benchmarks/_spmg.py``).

One deliberate difference is built in: SPMG counts the SNVs of a DBS (and of 3+ adjacent SNVs)
in its SBS matrices as well, while sigforge gives every variant one fate. By default SPMG's SBS
matrices are therefore rebuilt from its own per-SNV calls (``vcf_files/SNV/*_seqinfo.txt``)
without the SNVs that it also put in a DBS (``vcf_files/DBS``) or in a run of 3+ adjacent SNVs
(``vcf_files/MNS``); ``--raw-sbs`` compares the untouched matrices, running sigforge with
``--multi-snvs-in-sbs`` (SPMG's double counting) when it has that option.

    python benchmarks/spmg_crosscheck.py --peer-venv /tmp/spe-venv \\
        --sigforge /work/wt-i3/.venv/bin/sigforge --out benchmarks/out/spmg_crosscheck
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _spmg  # noqa: E402

SEED = 20261128
GENOME_NAME = "sfcheck"
CONTEXTS = ["SBS96", "SBS1536", "SBS288", "DBS78", "ID83"]
BASES = "ACGT"
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")
#: Chromosomes (names <= 2 characters, see _spmg) and lengths. "4" carries N blocks.
LENGTHS = {"1": 150_000, "2": 120_000, "3": 90_000, "4": 60_000, "X": 30_000}
N_BLOCKS = {"4": [(10_001, 10_050), (20_001, 20_010), (30_001, 30_001), (40_001, 40_003)]}
CLEAN_SAMPLES = ["C1", "C2", "C3", "C4"]


def revcomp(seq: str) -> str:
    """Reverse complement of an ACGTN string."""
    return seq.translate(COMPLEMENT)[::-1]


@dataclass
class Variant:
    """One VCF record as written (the ALT may hold several alleles or a symbol)."""

    chrom: str
    pos: int
    ref: str
    alt: str
    filt: str = "PASS"
    gt: str = "0/1"
    vid: str = "."


@dataclass
class EdgeCase:
    """One edge-case sample: its records and what SPMG does with them."""

    sample: str
    spmg: str
    variants: list[Variant] = field(default_factory=list)


#: Edge cases where sigforge deliberately differs from SPMG (its catalog module docstring), with
#: sigforge's behaviour. Every other edge case must give the same counts (else exit 1).
EXPECTED_DIFFERENCES = {
    "E_multiallelic": "sigforge splits multi-allelic records and counts each ALT",
    "E_symbolic": "sigforge upper-cases lower-case alleles and counts that SNV",
    "E_n_context": "sigforge needs only the trinucleotide for SBS96/SBS288 (the pentanucleotide "
                   "for SBS1536 only)",
    "E_end_pos2": "sigforge needs only the trinucleotide for SBS96/SBS288",
    "E_end_dbs": "sigforge counts SNVs at POS 2 / n-1 in SBS96 and has no wrap-around DBS at 1-2",
    "E_end_indels": "sigforge neither skips indels at contig ends nor wraps around at the start",
    "E_duplicates": "sigforge counts a (contig, POS, REF, ALT) once per sample",
    "E_ref_mismatch": "sigforge checks every REF base: a DBS with a mismatched base and a "
                      "deletion whose deleted bases disagree are ref_mismatch (the DBS's other "
                      "SNV is an SBS)",
    "E_nonnormalised": "sigforge calls REF XY / ALT Z (no shared first base) complex, not a "
                       "deletion",
}


# --------------------------------------------------------------------------- genome


class Chromosome:
    """Builds one chromosome left to right from random background and planted motifs."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.length = 0

    def random(self, n: int) -> None:
        """Append ``n`` uniform random bases."""
        self.parts.append("".join(self.rng.choice(list(BASES), n)))
        self.length += n

    def plant(self, seq: str) -> int:
        """Append ``seq``; return its 1-based start."""
        self.parts.append(seq)
        self.length += len(seq)
        return self.length - len(seq) + 1

    def sequence(self) -> str:
        """The chromosome built so far."""
        return "".join(self.parts)


def other(rng: np.random.Generator, avoid: str) -> str:
    """A random base not in ``avoid``."""
    return str(rng.choice([b for b in BASES if b not in avoid]))


def random_bases(rng: np.random.Generator, n: int) -> str:
    """``n`` uniform random bases."""
    return "".join(rng.choice(list(BASES), n))


def primitive_unit(rng: np.random.Generator, length: int) -> str:
    """A random unit that is not a repeat of a shorter unit (so its repeat count is unique)."""
    while True:
        unit = random_bases(rng, length)
        periodic = any(length % p == 0 and unit == unit[:p] * (length // p)
                       for p in range(1, length))
        if not periodic:
            return unit


@dataclass
class Motif:
    """A planted sequence and the indel placed in it (offset of the padding base, 0-based)."""

    seq: str
    offset: int
    ref: str
    alt: str


def homopolymer_motif(rng: np.random.Generator, base: str, run: int, insert: bool) -> Motif:
    """A run of ``base`` between two other bases; delete one copy or insert one more."""
    pad, stop = other(rng, base), other(rng, base)
    seq = random_bases(rng, 2) + pad + base * run + stop + random_bases(rng, 2)
    return Motif(seq, 2, pad, pad + base) if insert else Motif(seq, 2, pad + base, pad)


def repeat_motif(rng: np.random.Generator, unit: str, copies: int, insert: bool) -> Motif:
    """``copies`` tandem copies of ``unit`` with flanks that break the repeat on both sides."""
    pad, stop = other(rng, unit[-1]), other(rng, unit[0])
    seq = random_bases(rng, 2) + pad + unit * copies + stop + random_bases(rng, 2)
    return Motif(seq, 2, pad, pad + unit) if insert else Motif(seq, 2, pad + unit, pad)


def microhomology_motif(rng: np.random.Generator, length: int, homology: int) -> Motif:
    """Deletion of a unit followed by exactly ``homology`` bases of its prefix, no repeat."""
    unit = primitive_unit(rng, length)
    pad, stop = other(rng, unit[-1]), other(rng, unit[homology])
    seq = random_bases(rng, 2) + pad + unit + unit[:homology] + stop + random_bases(rng, 2)
    return Motif(seq, 2, pad + unit, pad)


def id_motifs(rng: np.random.Generator) -> list[Motif]:
    """One set of motifs that hits every ID83 channel (with capped classes hit twice)."""
    motifs = []
    for base in BASES:
        for run in (1, 2, 3, 4, 5, 6, 8):
            motifs.append(homopolymer_motif(rng, base, run, insert=False))
        for run in (0, 1, 2, 3, 4, 5, 7):
            motifs.append(homopolymer_motif(rng, base, run, insert=True))
    for length in (2, 3, 4, 5, 6, 9):
        for copies in (1, 2, 3, 4, 5, 6, 8):
            motifs.append(repeat_motif(rng, primitive_unit(rng, length), copies, insert=False))
        for copies in (0, 1, 2, 3, 4, 5, 7):
            motifs.append(repeat_motif(rng, primitive_unit(rng, length), copies, insert=True))
    for length in (2, 3, 4, 5, 6, 7, 10):
        for homology in range(1, min(length - 1, 6) + 1):
            motifs.append(microhomology_motif(rng, length, homology))
    return motifs


def build_genome(rng: np.random.Generator) -> tuple[dict[str, str], list[Variant]]:
    """The genome and the planted indels (two motif sets spread over chromosomes 1-3)."""
    motifs = id_motifs(rng) + id_motifs(rng)
    chroms = {name: Chromosome(rng) for name in LENGTHS}
    indels = []
    hosts = ["1", "2", "3"]
    for i, motif in enumerate(motifs):
        host = chroms[hosts[i % 3]]
        host.random(40)
        start = host.plant(motif.seq)
        indels.append(Variant(hosts[i % 3], start + motif.offset, motif.ref, motif.alt))
    genome = {}
    for name, chrom in chroms.items():
        chrom.random(LENGTHS[name] - chrom.length)
        seq = list(chrom.sequence())
        for start, end in N_BLOCKS.get(name, []):
            seq[start - 1:end] = "N" * (end - start + 1)
        genome[name] = "".join(seq)
    return genome, indels


def annotation() -> list[tuple]:
    """Transcripts (gene, transcript, chrom, strand, start, end): both strands, overlaps
    (bases on both strands), a gene with two transcripts, and unannotated chromosomes."""
    return [
        ("G1", "T1", "1", "+", 5_000, 60_000),
        ("G2", "T2", "1", "-", 40_000, 100_000),
        ("G3", "T3", "2", "-", 10_000, 50_000),
        ("G4", "T4", "2", "+", 30_000, 35_000),
        ("G5", "T5a", "3", "+", 1_000, 20_000),
        ("G5", "T5b", "3", "+", 15_000, 30_000),
        ("G6", "T6", "3", "-", 60_000, 89_000),
    ]


def write_gtf(transcripts: list[tuple], path: Path) -> None:
    """The same annotation as GTF: gene, transcript and one exon spanning each transcript."""
    genes: dict[str, list] = {}
    for gene, _, chrom, strand, start, end in transcripts:
        span = genes.setdefault(gene, [chrom, strand, start, end])
        span[2], span[3] = min(span[2], start), max(span[3], end)
    lines = []
    for gene, (chrom, strand, start, end) in genes.items():
        lines.append(f'{chrom}\tsfcheck\tgene\t{start}\t{end}\t.\t{strand}\t.\t'
                     f'gene_id "{gene}"; gene_biotype "protein_coding";')
        for g, tx, _, _, t_start, t_end in transcripts:
            if g != gene:
                continue
            attrs = f'gene_id "{gene}"; transcript_id "{tx}"; gene_biotype "protein_coding";'
            for feature in ("transcript", "exon"):
                lines.append(f"{chrom}\tsfcheck\t{feature}\t{t_start}\t{t_end}\t.\t{strand}\t.\t"
                             f"{attrs}")
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- SNVs and DBSs


class Slots:
    """Positions still free for a new, isolated variant (at least 8 bp from any other)."""

    MARGIN = 8

    def __init__(self, genome: dict[str, str], indels: list[Variant]) -> None:
        self.genome = genome
        self.free = {c: np.ones(len(s) + 1, dtype=bool) for c, s in genome.items()}
        for chrom, seq in genome.items():
            free = self.free[chrom]
            free[:20] = False
            free[len(seq) - 20:] = False
            codes = np.frombuffer(seq.encode(), dtype=np.uint8)
            for n_pos in np.flatnonzero(codes == ord("N")) + 1:
                free[max(n_pos - 6, 0):n_pos + 7] = False
        for v in indels:
            self.take(v.chrom, v.pos, v.pos + len(v.ref) + 20)

    def take(self, chrom: str, start: int, end: int) -> None:
        """Mark ``start..end`` (and the margin around it) as used."""
        self.free[chrom][max(start - self.MARGIN, 0):end + self.MARGIN + 1] = False

    def is_free(self, chrom: str, start: int, end: int) -> bool:
        """Whether ``start..end`` and its margin are unused."""
        window = self.free[chrom][max(start - self.MARGIN, 0):end + self.MARGIN + 1]
        return bool(window.all())


def pentamer_index(genome: dict[str, str], chroms: list[str]) -> dict[str, list[tuple]]:
    """Every position of ``chroms`` keyed by its pyrimidine-oriented pentamer."""
    index: dict[str, list[tuple]] = {}
    for chrom in chroms:
        seq = genome[chrom]
        for pos in range(21, len(seq) - 20):
            five = seq[pos - 3:pos + 2]
            if "N" in five:
                continue
            key = five if five[2] in "CT" else revcomp(five)
            index.setdefault(key, []).append((chrom, pos))
    return index


def choose_snvs(rng: np.random.Generator, genome: dict[str, str], slots: Slots,
                extra: int) -> list[Variant]:
    """One isolated SNV per SBS1536 channel, then ``extra`` random isolated SNVs."""
    index = pentamer_index(genome, ["1", "2", "3", "X"])
    chosen = []
    for key in sorted(index):
        candidates = index[key]
        for alt in [b for b in BASES if b != key[2]]:
            for k in rng.permutation(len(candidates)):
                chrom, pos = candidates[k]
                if slots.is_free(chrom, pos, pos):
                    break
            else:
                raise RuntimeError(f"no free position for {key} > {alt}")
            slots.take(chrom, pos, pos)
            ref = genome[chrom][pos - 1]
            chosen.append(Variant(chrom, pos, ref, alt if ref == key[2] else revcomp(alt)))
    return chosen + choose_snvs_extra(rng, genome, slots, extra)


def choose_snvs_extra(rng: np.random.Generator, genome: dict[str, str], slots: Slots,
                      n: int) -> list[Variant]:
    """``n`` isolated SNVs at random free positions."""
    chosen = []
    while len(chosen) < n:
        chrom = str(rng.choice(["1", "2", "3", "X"]))
        pos = int(rng.integers(21, len(genome[chrom]) - 20))
        if slots.is_free(chrom, pos, pos):
            slots.take(chrom, pos, pos)
            ref = genome[chrom][pos - 1]
            chosen.append(Variant(chrom, pos, ref, other(rng, ref)))
    return chosen


DBS78_REFS = ["AC", "AT", "CC", "CG", "CT", "GC", "TA", "TC", "TG", "TT"]


def dbs78_channels() -> list[tuple[str, str]]:
    """The 78 DBS channels as (ref, alt): both bases change; for the palindromic references
    (AT, CG, GC, TA) an ALT and its reverse complement are one channel."""
    channels = set()
    for ref in DBS78_REFS:
        for a in BASES.replace(ref[0], ""):
            for b in BASES.replace(ref[1], ""):
                alt = a + b
                if ref == revcomp(ref) and (ref, revcomp(alt)) in channels:
                    continue
                channels.add((ref, alt))
    if len(channels) != 78:
        raise AssertionError(f"{len(channels)} DBS channels")
    return sorted(channels)


def choose_dbs(rng: np.random.Generator, genome: dict[str, str], slots: Slots,
               copies: int) -> list[tuple[str, int, str, str]]:
    """``copies`` isolated DBSs per DBS78 channel as (chrom, pos, ref, alt)."""
    chosen = []
    for ref, alt in dbs78_channels():
        for _ in range(copies):
            while True:
                chrom = str(rng.choice(["1", "2", "3", "X"]))
                pos = int(rng.integers(21, len(genome[chrom]) - 20))
                here = genome[chrom][pos - 1:pos + 1]
                if here in (ref, revcomp(ref)) and slots.is_free(chrom, pos, pos + 1):
                    break
            slots.take(chrom, pos, pos + 1)
            chosen.append((chrom, pos, here, alt if here == ref else revcomp(alt)))
    return chosen


def dbs_records(chrom: str, pos: int, ref: str, alt: str, as_pair: bool) -> list[Variant]:
    """A DBS as two adjacent SNV records or as one 2-bp record."""
    if as_pair:
        return [Variant(chrom, pos, ref[0], alt[0]), Variant(chrom, pos + 1, ref[1], alt[1])]
    return [Variant(chrom, pos, ref, alt)]


def clean_set(rng: np.random.Generator, genome: dict[str, str], indels: list[Variant],
              slots: Slots) -> dict[str, list[Variant]]:
    """The clean samples: variants whose meaning both tools share."""
    samples: dict[str, list[Variant]] = {s: [] for s in CLEAN_SAMPLES}
    for i, v in enumerate(indels):
        samples[CLEAN_SAMPLES[i % 4]].append(v)
    for v in choose_snvs(rng, genome, slots, extra=1500):
        samples[CLEAN_SAMPLES[int(rng.integers(4))]].append(v)
    for i, (chrom, pos, ref, alt) in enumerate(choose_dbs(rng, genome, slots, copies=2)):
        samples[CLEAN_SAMPLES[i % 4]].extend(dbs_records(chrom, pos, ref, alt, i % 2 == 0))
    for records in samples.values():
        for v in records:
            draw = rng.random()
            if draw < 0.1:
                v.filt = "LowQual"
            elif draw < 0.15:
                v.gt = "0/0"
    for v in choose_snvs_extra(rng, genome, slots, 3):
        v.ref = other(rng, v.ref + v.alt)  # disagrees with the FASTA: skipped by both
        samples["C1"].append(v)
    return samples


# --------------------------------------------------------------------------- edge cases


def snv_at(genome: dict[str, str], chrom: str, pos: int, alt_shift: int = 1) -> Variant:
    """An SNV at ``pos`` with the genome's REF and a deterministic ALT."""
    ref = genome[chrom][pos - 1]
    alt = BASES[(BASES.index(ref) + alt_shift) % 4] if ref in BASES else "A"
    return Variant(chrom, pos, ref, alt)


def free_positions(slots: Slots, rng: np.random.Generator, n: int, width: int,
                   chroms: tuple[str, ...] = ("1", "2", "3", "X")) -> list[tuple[str, int]]:
    """``n`` free windows of ``width`` bases; marks them used."""
    found = []
    while len(found) < n:
        chrom = str(rng.choice(list(chroms)))
        pos = int(rng.integers(30, len(slots.genome[chrom]) - 30))
        if slots.is_free(chrom, pos, pos + width):
            slots.take(chrom, pos, pos + width)
            found.append((chrom, pos))
    return found


def edge_adjacent(genome: dict[str, str], slots: Slots, rng: np.random.Generator) -> list[EdgeCase]:
    """3+ adjacent SNVs and DBS pairs with another SNV a few bases away."""
    mnv = EdgeCase("E_mnv_runs", "all SNVs counted in SBS; a run of 3+ adjacent SNVs gives no "
                   "DBS (it is an MNS, counted nowhere)")
    for (chrom, pos), run in zip(free_positions(slots, rng, 6, 5), [3, 3, 3, 4, 4, 5],
                                 strict=True):
        mnv.variants += [snv_at(genome, chrom, pos + k) for k in range(run)]
    near = EdgeCase("E_dbs_neighbour", "a DBS pair with another SNV of the sample 2-5 bp to "
                    "its right (or 1-5 bp to its left) is no DBS for SPMG (MNS); 6 bp right / "
                    "6 bp left still counts; SNVs all counted in SBS")
    for (chrom, pos), gap in zip(free_positions(slots, rng, 10, 16),
                                 [2, 3, 4, 5, 6, -1, -3, -5, -6, -7], strict=True):
        base = pos + 8
        pair = [snv_at(genome, chrom, base), snv_at(genome, chrom, base + 1)]
        third = snv_at(genome, chrom, base + 1 + gap if gap > 0 else base + gap)
        near.variants += sorted(pair + [third], key=lambda v: v.pos)
    return [mnv, near]


def edge_records(genome: dict[str, str], slots: Slots, rng: np.random.Generator) -> list[EdgeCase]:
    """Partial / long MNV records, multi-allelic records, symbolic and odd alleles."""
    mnvrec = EdgeCase("E_mnv_records", "2-bp record with one unchanged base: whole record "
                      "dropped; 3-bp and 4-bp equal-length records: 'complex' indel, in no "
                      "matrix")
    spots = free_positions(slots, rng, 6, 6)
    for k, (chrom, pos) in enumerate(spots):
        ref = genome[chrom][pos - 1:pos - 1 + [2, 2, 3, 3, 4, 4][k]]
        alt = "".join(BASES[(BASES.index(b) + 1) % 4] for b in ref)
        if k < 2:
            alt = ref[0] + alt[1] if k == 0 else alt[0] + ref[1]
        mnvrec.variants.append(Variant(chrom, pos, ref, alt))
    multi = EdgeCase("E_multiallelic", "any ALT with a comma is dropped entirely (SNV, indel "
                     "or mixed)")
    for chrom, pos in free_positions(slots, rng, 6, 4):
        ref = genome[chrom][pos - 1]
        a, b = [c for c in BASES if c != ref][:2]
        multi.variants.append(Variant(chrom, pos, ref, f"{a},{b}"))
    for chrom, pos in free_positions(slots, rng, 3, 4):
        ref = genome[chrom][pos - 1:pos + 1]
        multi.variants.append(Variant(chrom, pos, ref, f"{ref[0]},{ref}{ref[1]}"))
    for chrom, pos in free_positions(slots, rng, 3, 4):
        ref = genome[chrom][pos - 1]
        multi.variants.append(Variant(chrom, pos, ref, f"{other(rng, ref)},{ref}T"))
    odd = EdgeCase("E_symbolic", "ALT <DEL>, '*', 'N', lower-case alleles: dropped")
    for (chrom, pos), alt in zip(free_positions(slots, rng, 5, 4),
                                 ["<DEL>", "*", "N", "lower", "<INS>"], strict=True):
        ref = genome[chrom][pos - 1]
        if alt == "lower":
            odd.variants.append(Variant(chrom, pos, ref.lower(), other(rng, ref).lower()))
        else:
            odd.variants.append(Variant(chrom, pos, ref, alt))
    return [mnvrec, multi, odd]


def edge_n(genome: dict[str, str]) -> list[EdgeCase]:
    """Variants at distance 1-3 from N bases on chromosome 4."""
    case = EdgeCase("E_n_context", "SNV skipped in ALL SBS contexts when any base of POS-2..POS+2 "
                    "is N (so also SBS96 at distance 2); DBS skipped when POS-1 or POS+2 is N; "
                    "N stops indel repeat/MH runs")
    for start, end in N_BLOCKS["4"][:3]:
        for pos in (start - 1, end + 2, start - 3, end + 3 + 8):
            case.variants.append(snv_at(genome, "4", pos))
    block_start, block_end = N_BLOCKS["4"][3]
    case.variants += [snv_at(genome, "4", block_start - 2), snv_at(genome, "4", block_start - 1)]
    case.variants += [snv_at(genome, "4", block_end + 1), snv_at(genome, "4", block_end + 2)]
    seq = genome["4"]
    pad = 10_001 - 2
    case.variants.append(Variant("4", pad, seq[pad - 1:pad + 1], seq[pad - 1]))
    case.variants.append(Variant("4", 20_000, seq[19_999], seq[19_999] + "A"))
    case.variants.append(Variant("4", 30_001, "N", "A"))
    case.variants.sort(key=lambda v: v.pos)
    return [case]


def edge_ends(genome: dict[str, str]) -> list[EdgeCase]:
    """SNVs, DBSs and indels at both ends of chromosome X."""
    seq, n = genome["X"], len(genome["X"])
    cases = [
        EdgeCase("E_end_pos1", "SNV at POS 1 or 2 (no POS-2 base) skipped; at last base "
                 "skipped", [snv_at(genome, "X", 1), snv_at(genome, "X", n)]),
        EdgeCase("E_end_pos2", "SNV at POS 2 and at the second-last base: skipped",
                 [snv_at(genome, "X", 2), snv_at(genome, "X", n - 1)]),
        EdgeCase("E_end_pos3", "SNV at POS 3 and third-last base: full pentamer, counted",
                 [snv_at(genome, "X", 3), snv_at(genome, "X", n - 2)]),
        EdgeCase("E_end_dbs", "DBS at 1-2: counted (left flank read at index -1 = last base); "
                 "DBS at the last two bases: skipped; SNVs at 1,2,n-1,n skipped in SBS",
                 [snv_at(genome, "X", 1), snv_at(genome, "X", 2),
                  snv_at(genome, "X", n - 1), snv_at(genome, "X", n)]),
        EdgeCase("E_end_indels", "indels whose right-hand repeat scan passes the contig end are "
                 "skipped; left scan at the start wraps around instead", [
                     Variant("X", 1, seq[0:2], seq[0]),
                     Variant("X", 1, seq[0], seq[0] + "GA"),
                     Variant("X", n - 3, seq[n - 4:n - 1], seq[n - 4]),
                     Variant("X", n - 1, seq[n - 2:n], seq[n - 2]),
                     Variant("X", n, seq[n - 1], seq[n - 1] + "T")]),
    ]
    return cases


def edge_duplicates(genome: dict[str, str], slots: Slots,
                    rng: np.random.Generator) -> list[EdgeCase]:
    """Byte-identical and near-identical duplicate records."""
    case = EdgeCase("E_duplicates", "SNV dropped only when byte-identical to the previous kept "
                    "line (consecutive); a repeat after another record at the same POS, or "
                    "with another ID, counts twice; indel duplicates (same POS/REF/ALT) dropped")
    (c1, p1), (c2, p2), (c3, p3), (c4, p4) = free_positions(slots, rng, 4, 4)
    a = snv_at(genome, c1, p1)
    case.variants += [a, Variant(a.chrom, a.pos, a.ref, a.alt), Variant(a.chrom, a.pos, a.ref,
                                                                        a.alt)]
    b, b2 = snv_at(genome, c2, p2), snv_at(genome, c2, p2, alt_shift=2)
    case.variants += [b, b2, Variant(b.chrom, b.pos, b.ref, b.alt)]
    c = snv_at(genome, c3, p3)
    case.variants += [c, Variant(c.chrom, c.pos, c.ref, c.alt, vid="dupid")]
    ref = genome[c4][p4 - 1:p4 + 1]
    case.variants += [Variant(c4, p4, ref, ref[0]), Variant(c4, p4, ref, ref[0])]
    return [case]


def edge_reference(genome: dict[str, str], slots: Slots,
                   rng: np.random.Generator) -> list[EdgeCase]:
    """REF mismatches, contigs missing from the FASTA, chr prefixes."""
    mis = EdgeCase("E_ref_mismatch", "SNV with wrong REF skipped (no stop); DBS formed from the "
                   "VCF bases without a REF check; indel: only REF[0] is checked")
    for chrom, pos in free_positions(slots, rng, 120, 1):
        mis.variants.append(snv_at(genome, chrom, pos))
    for v in mis.variants[:2]:
        v.ref = other(rng, v.ref + v.alt)
    (c1, p1), (c2, p2) = free_positions(slots, rng, 2, 8)
    pair = [snv_at(genome, c1, p1), snv_at(genome, c1, p1 + 1)]
    pair[1].ref = other(rng, pair[1].ref + pair[1].alt)
    deleted = other(rng, genome[c2][p2])
    mis.variants += pair + [Variant(c2, p2, genome[c2][p2 - 1] + deleted, genome[c2][p2 - 1])]
    missing = EdgeCase("E_missing_contig", "records on a contig absent from the genome are "
                       "dropped (logged), no error", [])
    for chrom, pos in free_positions(slots, rng, 10, 1):
        missing.variants.append(snv_at(genome, chrom, pos))
    missing.variants += [Variant("7", 100 + 20 * k, "A", "C") for k in range(5)]
    prefixed = EdgeCase("E_chr_prefix", "'chr' dropped from names longer than 2 characters: "
                        "chr1 == 1, chrX == X", [])
    for chrom, pos in free_positions(slots, rng, 10, 1):
        v = snv_at(genome, chrom, pos)
        v.chrom = "chr" + chrom
        prefixed.variants.append(v)
    return [mis, missing, prefixed]


def edge_indels(genome: dict[str, str], slots: Slots, rng: np.random.Generator) -> list[EdgeCase]:
    """Indels written without left-normalisation or with a periodic unit."""
    case = EdgeCase("E_nonnormalised", "repeats counted in the phase of the VCF's unit: a "
                    "deletion inside a run counts the whole run; a periodic unit (ATAT) counts "
                    "copies of the whole unit; insertion microhomology is R:0; a deletion whose "
                    "ALT base differs from REF[0] is still a deletion")
    chrom, pos = free_positions(slots, rng, 1, 30)[0]
    # The genome is fixed by now, so the run and the AT repeat are found by search.
    seq = genome["1"]
    run = seq.find("CCCC", 1000)
    case.variants.append(Variant("1", run + 2, "CC", "C"))  # middle of a C run (1-based run+1)
    dinuc = seq.find("ATATATAT", 1000)
    if dinuc > 0:
        case.variants.append(Variant("1", dinuc, seq[dinuc - 1] + "ATAT", seq[dinuc - 1]))
    ref = genome[chrom][pos - 1:pos + 1]
    case.variants.append(Variant(chrom, pos, ref, other(rng, ref[0])))
    here = genome[chrom]
    inserted = here[pos + 12:pos + 14] + other(rng, here[pos + 14])  # 2 bases of microhomology
    case.variants.append(Variant(chrom, pos + 12, here[pos + 11], here[pos + 11] + inserted))
    case.variants.sort(key=lambda v: (v.chrom, v.pos))
    return [case]


def edge_set(genome: dict[str, str], slots: Slots, rng: np.random.Generator) -> list[EdgeCase]:
    """All edge-case samples."""
    return (edge_adjacent(genome, slots, rng) + edge_records(genome, slots, rng)
            + edge_n(genome) + edge_ends(genome)
            + edge_duplicates(genome, slots, rng) + edge_reference(genome, slots, rng)
            + edge_indels(genome, slots, rng))


def left_normalise(seq: str, pad: int, unit: str) -> tuple[int, str]:
    """Shift an indel of ``unit`` after 1-based ``pad`` left while the padding base equals the
    unit's last base (the VCF convention); returns the new pad position and unit."""
    while pad > 1 and seq[pad - 1] == unit[-1]:
        unit = seq[pad - 1] + unit[:-1]
        pad -= 1
    return pad, unit


def random_set(genome: dict[str, str]) -> dict[str, list[Variant]]:
    """Two samples of 1,500 left-normalised indels each at random positions of chromosomes 1-3
    (lengths 1-12; half the insertions duplicate the following bases, so many sit in repeats):
    whatever the sequence around them, both tools must classify them alike."""
    rng = np.random.default_rng(SEED + 1)
    samples: dict[str, list[Variant]] = {"R1": [], "R2": []}
    used = set()
    while sum(len(v) for v in samples.values()) < 3000:
        chrom = str(rng.choice(["1", "2", "3"]))
        seq = genome[chrom]
        pos = int(rng.integers(100, len(seq) - 100))
        length = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12]))
        if rng.random() < 0.5:
            pad, unit = left_normalise(seq, pos, seq[pos:pos + length])
            ref, alt = seq[pad - 1] + unit, seq[pad - 1]
        else:
            inserted = seq[pos:pos + length] if rng.random() < 0.5 else random_bases(rng, length)
            pad, unit = left_normalise(seq, pos, inserted)
            ref, alt = seq[pad - 1], seq[pad - 1] + unit
        if (chrom, pad) in used:
            continue
        used.add((chrom, pad))
        samples["R1" if len(used) % 2 else "R2"].append(Variant(chrom, pad, ref, alt))
    return samples


# --------------------------------------------------------------------------- files


def write_vcf(path: Path, variants: list[Variant], genome: dict[str, str]) -> None:
    """A plain single-sample VCF, records in genome order (input order kept within a POS)."""
    order = {name: i for i, name in enumerate(genome)}
    prefix = "chr" if all(v.chrom.startswith("chr") for v in variants) else ""
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             '##FILTER=<ID=LowQual,Description="Low quality">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    lines += [f"##contig=<ID={prefix}{name},length={len(seq)}>" for name, seq in genome.items()]
    extra = dict.fromkeys(v.chrom for v in variants if v.chrom.removeprefix(prefix) not in genome)
    lines += [f"##contig=<ID={name},length=1000>" for name in extra]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR")

    def key(v: Variant) -> tuple:
        return order.get(v.chrom.removeprefix(prefix), len(order)), v.pos

    for v in sorted(variants, key=key):
        lines.append(f"{v.chrom}\t{v.pos}\t{v.vid}\t{v.ref}\t{v.alt}\t50\t{v.filt}\t.\tGT\t{v.gt}")
    path.write_text("\n".join(lines) + "\n")


MAF_HEADER = ["Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome",
              "Start_Position", "End_Position", "Strand", "Variant_Classification",
              "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
              "dbSNP_RS", "dbSNP_Val_Status", "Tumor_Sample_Barcode"]


def maf_row(sample: str, v: Variant) -> list[str]:
    """One GDC-style MAF row (columns in the GDC order, which SPMG reads by position).

    Deletions: Start = first deleted base, REF = deleted bases, ALT '-'. Insertions: Start = the
    base before the insertion, End = the base after, REF '-'."""
    if len(v.ref) == len(v.alt):
        kind = {1: "SNP", 2: "DNP"}.get(len(v.ref), "ONP")
        start, end, ref, alt = v.pos, v.pos + len(v.ref) - 1, v.ref, v.alt
    elif len(v.alt) == 1:
        kind, start, end = "DEL", v.pos + 1, v.pos + len(v.ref) - 1
        ref, alt = v.ref[1:], "-"
    else:
        kind, start, end, ref, alt = "INS", v.pos, v.pos + 1, "-", v.alt[1:]
    return ["Unknown", "0", "sfcheck", "sfcheck", v.chrom, str(start), str(end), "+",
            "Unknown", kind, ref, ref, alt, "", "", sample]


def write_maf(path: Path, samples: dict[str, list[Variant]]) -> None:
    """All clean samples in one MAF (one sample per Tumor_Sample_Barcode)."""
    rows = ["\t".join(MAF_HEADER)]
    for sample, variants in samples.items():
        for v in sorted(variants, key=lambda v: (list(LENGTHS).index(v.chrom), v.pos)):
            rows.append("\t".join(maf_row(sample, v)))
    path.write_text("#version 2.4\n" + "\n".join(rows) + "\n")


def write_inputs(out: Path, genome: dict[str, str], transcripts: list[tuple],
                 clean: dict[str, list[Variant]], edges: list[EdgeCase]) -> dict[str, Path]:
    """All generated files; returns their paths by role."""
    paths = {"fasta": out / "genome.fa", "gtf": out / "genes.gtf", "clean": out / "vcf_clean",
             "random": out / "vcf_random", "edge": out / "vcf_edge"}
    _spmg.write_fasta(genome, paths["fasta"])
    pysam.faidx(str(paths["fasta"]))
    write_gtf(transcripts, paths["gtf"])
    for role in ("clean", "random", "edge"):
        paths[role].mkdir(parents=True, exist_ok=True)
    for sample, variants in clean.items():
        write_vcf(paths["clean"] / f"{sample}.vcf", variants, genome)
    for sample, variants in random_set(genome).items():
        write_vcf(paths["random"] / f"{sample}.vcf", variants, genome)
    for case in edges:
        write_vcf(paths["edge"] / f"{case.sample}.vcf", case.variants, genome)
    paths["maf"] = out / "maf_clean" / "clean.maf"  # its own directory: SPMG reads all files
    paths["maf"].parent.mkdir()
    write_maf(paths["maf"], clean)
    return paths


# --------------------------------------------------------------------------- running


def sigforge_flags(sigforge: str) -> set[str]:
    """Options that this sigforge's ``catalog`` accepts (it may predate some)."""
    text = subprocess.run([sigforge, "catalog", "--help"], capture_output=True, text=True).stdout
    return {f for f in ("--sample-from-filename", "--contexts", "--annotation", "--all-filters",
                        "--maf", "--multi-snvs-in-sbs") if f in text}


def run_sigforge(sigforge: str, vcfs: list[Path], paths: dict[str, Path], out: Path,
                 flags: set[str], maf: Path | None = None) -> tuple[bool, str]:
    """``sigforge catalog`` in SPMG's semantics on VCFs (or one MAF); returns (ok, stderr tail)."""
    cmd = [sigforge, "catalog", "--reference", str(paths["fasta"]), "--out", str(out)]
    cmd += [f for f in ("--all-filters", "--multi-snvs-in-sbs") if f in flags]
    if maf is not None:
        cmd += ["--maf", str(maf)]
    elif "--sample-from-filename" in flags:
        cmd += ["--vcf", *map(str, vcfs), "--sample-from-filename"]
    else:
        cmd += ["--vcf", *map(str, vcfs), "--sample-name", *[v.name.split(".")[0] for v in vcfs]]
    if "--contexts" in flags:
        wanted = CONTEXTS if "--annotation" in flags else [c for c in CONTEXTS if c != "SBS288"]
        cmd += ["--contexts", *wanted]
    if "--annotation" in flags:
        cmd += ["--annotation", str(paths["gtf"])]
    done = subprocess.run(cmd, capture_output=True, text=True)
    return done.returncode == 0, done.stderr.strip()[-600:]


def read_ours(out: Path, context: str) -> pd.DataFrame | None:
    """One sigforge matrix, or None when it wrote none."""
    path = out / f"{context}.tsv"
    if not path.exists():
        return None
    return pd.read_csv(path, sep="\t", index_col=0).astype("int64")


def sigforge_edge(sigforge: str, paths: dict[str, Path], out: Path, flags: set[str],
                  samples: list[str]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """sigforge once per edge file; matrices with one column per sample that ran."""
    columns: dict[str, list[pd.DataFrame]] = {c: [] for c in CONTEXTS}
    failures = {}
    for sample in samples:
        target = out / sample
        ok, err = run_sigforge(sigforge, [paths["edge"] / f"{sample}.vcf"], paths, target, flags)
        if not ok:
            failures[sample] = err.splitlines()[-1] if err else "failed"
            continue
        for context in CONTEXTS:
            frame = read_ours(target, context)
            if frame is not None:
                columns[context].append(frame)
    merged = {c: pd.concat(f, axis=1) for c, f in columns.items() if f}
    return merged, failures


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """Result of comparing one context of sigforge with SPMG."""

    context: str
    status: str
    identical: bool
    differing_cells: int = 0
    total_ours: int = 0
    total_peer: int = 0
    order_same: bool | None = None
    first: list[str] = field(default_factory=list)
    cells: list[tuple[str, str, int, int]] = field(default_factory=list)


def compare(context: str, ours: pd.DataFrame | None, peer: pd.DataFrame | None) -> Comparison:
    """Align by label and sample; count differing cells, totals, first differing channels."""
    if peer is None:  # SPMG writes no matrix for a kind of variant absent from the input
        total = 0 if ours is None else int(ours.sum().sum())
        return Comparison(context, "SPMG wrote no matrix; sigforge counted " + str(total),
                          total == 0, total_ours=total)
    if ours is None:
        return Comparison(context, "sigforge wrote no matrix", False,
                          total_peer=int(peer.sum().sum()))
    order_same = list(ours.index) == list(peer.index)
    labels = list(peer.index) + [x for x in ours.index if x not in peer.index]
    samples = list(peer.columns) + [s for s in ours.columns if s not in peer.columns]
    a = ours.reindex(index=labels, columns=samples).fillna(0).astype("int64")
    b = peer.reindex(index=labels, columns=samples).fillna(0).astype("int64")
    extra = set(ours.index) ^ set(peer.index)
    diff = a.to_numpy() != b.to_numpy()
    cells = [(labels[i], samples[j], int(a.iat[i, j]), int(b.iat[i, j]))
             for i, j in zip(*np.nonzero(diff), strict=True)]
    status = "identical" if not cells and not extra else "DIFFERENT"
    if extra:
        status += f" ({len(extra)} labels only in one tool)"
    first = [f"{lab} [{s}]: sigforge {x}, SPMG {y}" for lab, s, x, y in cells[:5]]
    return Comparison(context, status, not cells and not extra, len(cells), int(a.sum().sum()),
                      int(b.sum().sum()), order_same, first, cells)


def culprits(peer_calls: pd.DataFrame, context: str, label: str, sample: str) -> str:
    """Variants SPMG put in ``label`` for ``sample`` (best effort; up to 3)."""
    if peer_calls.empty:
        return ""
    keys = peer_calls["key"].astype(str)
    if context == "SBS96":
        match = keys.str[3:10] == label
    elif context == "SBS1536":
        match = keys.str[2:] == label
    elif context == "DBS78":
        match = keys.str[4:9] == label
    elif context == "ID83":
        match = keys.str.endswith(label)
    else:
        match = keys.str[0:2] + keys.str[3:10] == label
    hits = peer_calls[match & (peer_calls["sample"] == sample)]
    return ", ".join(f"{r.chrom}:{r.pos}" for r in hits.head(3).itertuples())


# --------------------------------------------------------------------------- report


def table(results: list[Comparison]) -> list[str]:
    """Markdown table of per-context results."""
    rows = ["| context | result | differing cells | total sigforge | total SPMG | same order |",
            "|---|---|---|---|---|---|"]
    for r in results:
        order = "-" if r.order_same is None else ("yes" if r.order_same else "no")
        rows.append(f"| {r.context} | {r.status} | {r.differing_cells} | {r.total_ours} | "
                    f"{r.total_peer} | {order} |")
    return rows


def edge_report(results: list[Comparison], edges: list[EdgeCase],
                failures: dict[str, str]) -> tuple[list[str], list[str]]:
    """Per edge sample: which contexts differ, SPMG's behaviour and, where sigforge differs on
    purpose, its behaviour. Also returns the samples that differ unexpectedly."""
    lines, unexpected = [], []
    for case in edges:
        diffs = [(r.context, lab, x, y) for r in results for lab, s, x, y in r.cells
                 if s == case.sample]
        ours = EXPECTED_DIFFERENCES.get(case.sample)
        if case.sample in failures:
            verdict = f"sigforge FAILED: {failures[case.sample]}"
        elif not diffs:
            verdict = "same counts"
        else:
            shown = "; ".join(f"{c} {lab}: sigforge {x} vs SPMG {y}" for c, lab, x, y in diffs[:6])
            verdict = f"{len(diffs)} differing cells: {shown}"
        if case.sample in failures or (diffs and ours is None):
            unexpected.append(case.sample)
            verdict += " — UNEXPECTED"
        note = f" sigforge (deliberate): {ours}." if ours else ""
        lines.append(f"- **{case.sample}** ({len(case.variants)} records). SPMG: {case.spmg}."
                     f"{note} Result: {verdict}")
    return lines, unexpected


def mismatch_notes(path: Path, sigforge: str, clean: list[Comparison],
                   peer_dir: Path, edge_lines: list[str]) -> None:
    """Append a timestamped section of clean-set mismatches (with culprits) and edge results."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## {stamp} — {sigforge}", "", "Clean set (must be identical):", ""]
    lines += table(clean)
    for r in clean:
        if r.identical or not r.cells:
            continue
        calls = _spmg.spmg_variants(peer_dir, r.context)
        lines.append(f"\n{r.context}: first differing cells (channel, sample, sigforge, SPMG, "
                     "variants SPMG put there):")
        for lab, s, x, y in r.cells[:8]:
            lines.append(f"- {lab} {s}: {x} vs {y}  {culprits(calls, r.context, lab, s)}")
    lines += ["", "Edge set (differences expected where semantics differ):", ""] + edge_lines
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- main


def coverage(peer: dict[str, pd.DataFrame | None]) -> list[str]:
    """Channels of the clean set that SPMG counted zero times (should be none)."""
    gaps = []
    for context, frame in peer.items():
        if frame is not None and context != "SBS288":
            empty = frame.index[frame.sum(axis=1) == 0]
            gaps += [f"{context}:{x}" for x in empty]
    return gaps


def generate() -> tuple[dict[str, str], list[tuple], dict, list[EdgeCase]]:
    """Genome, annotation, clean and edge samples (deterministic)."""
    rng = np.random.default_rng(SEED)
    genome, indels = build_genome(rng)
    slots = Slots(genome, indels)
    clean = clean_set(rng, genome, indels, slots)
    edges = edge_set(genome, slots, rng)
    return genome, annotation(), clean, edges


def spmg_matrices(python: Path, vcf_dir: Path, out: Path, role: str, volume: Path,
                  raw_sbs: bool) -> dict[str, pd.DataFrame | None]:
    """SPMG's matrices for one VCF set (SBS one-fate unless ``raw_sbs``)."""
    peer_dir = out / f"spmg_{role}"
    _spmg.run_spmg(python, GENOME_NAME, vcf_dir, peer_dir, role, volume, out)
    peer = {c: _spmg.read_spmg(peer_dir, role, c) for c in CONTEXTS}
    if not raw_sbs and peer["SBS96"] is not None:
        raw = int(peer["SBS96"].sum().sum())
        peer.update(_spmg.spmg_sbs_without(peer_dir, peer))
        print(f"{role}: SPMG SBS96 total {raw}, of which "
              f"{raw - int(peer['SBS96'].sum().sum())} SNVs it also counted in DBS/3+ runs")
    return peer


def sigforge_set(sigforge: str, paths: dict[str, Path], role: str, out: Path,
                 flags: set[str]) -> dict[str, pd.DataFrame | None]:
    """sigforge on all VCFs of one set in one run; no matrices (and a message) if it fails."""
    target = out / f"sigforge_{role}"
    ok, err = run_sigforge(sigforge, sorted(paths[role].glob("*.vcf")), paths, target, flags)
    if not ok:
        print(f"sigforge failed on the {role} set: {err}")
        return {}
    return {c: read_ours(target, c) for c in CONTEXTS}


def maf_leg(sigforge: str, python: Path, paths: dict[str, Path], volume: Path, out: Path,
            flags: set[str], raw_sbs: bool) -> tuple[list[str], bool]:
    """The clean set as one GDC MAF: sigforge's MAF matrices must equal its VCF matrices; they
    are also compared with SPMG's MAF matrices (reported only). Returns (report, ok)."""
    ok, err = run_sigforge(sigforge, [], paths, out / "sigforge_maf", flags, maf=paths["maf"])
    if not ok:
        return [f"sigforge --maf FAILED: {err.splitlines()[-1] if err else ''}"], False
    peer_dir = out / "spmg_maf"
    _spmg.run_spmg(python, GENOME_NAME, paths["maf"].parent, peer_dir, "maf", volume, out)
    peer = {c: _spmg.read_spmg(peer_dir, "maf", c) for c in CONTEXTS}
    if not raw_sbs and peer["SBS96"] is not None:
        peer.update(_spmg.spmg_sbs_without(peer_dir, peer))
    from_maf = {c: read_ours(out / "sigforge_maf", c) for c in CONTEXTS}
    from_vcf = {c: read_ours(out / "sigforge_clean", c) for c in CONTEXTS}
    own = [compare(c, from_maf[c], from_vcf[c]) for c in CONTEXTS]
    lines = ["sigforge --maf vs sigforge --vcf (same variants; must be identical):", ""]
    lines += table(own)
    lines += ["", "sigforge --maf vs SPMG on the same MAF (reported; SPMG reads a GDC insertion "
              "at Start_Position - 1, one base left of where it is):", ""]
    lines += table([compare(c, from_maf[c], peer[c]) for c in CONTEXTS])
    return lines, all(r.identical for r in own)


def main(argv: list[str] | None = None) -> int:
    """Generate, run both tools, compare, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/spmg_crosscheck"))
    parser.add_argument("--peer-venv", type=Path, default=Path("benchmarks/out/spmg-venv"))
    parser.add_argument("--sigforge", default=shutil.which("sigforge") or "sigforge")
    parser.add_argument("--raw-sbs", action="store_true",
                        help="compare SBS with SPMG's matrices as they are (sigforge then runs "
                             "with --multi-snvs-in-sbs if it has it); by default SPMG's SBS are "
                             "rebuilt without the SNVs it also counted in a DBS or in a run of 3+ "
                             "adjacent SNVs, as sigforge by default gives every variant one fate")
    parser.add_argument("--mismatch-notes", type=Path, default=None,
                        help="append clean-set mismatches and edge results to this file")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    _spmg.fresh_dir(out, ".spmg_crosscheck")
    genome, transcripts, clean, edges = generate()
    paths = write_inputs(out, genome, transcripts, clean, edges)
    python = _spmg.ensure_peer_venv(args.peer_venv.resolve())
    volume = out / "spmg_volume"
    fasta_dir, transcript_dir = _spmg.write_spmg_reference(genome, transcripts, GENOME_NAME,
                                                           out / "spmg_ref")
    _spmg.install_genome(python, GENOME_NAME, fasta_dir, transcript_dir, volume, out)
    flags = sigforge_flags(args.sigforge)
    if not args.raw_sbs:
        flags.discard("--multi-snvs-in-sbs")
    mode = ("SBS vs SPMG as is" if args.raw_sbs else
            "SBS vs SPMG minus the SNVs it also put in a DBS or in 3+ adjacent runs")
    print(f"sigforge: {args.sigforge}; catalog options used: {sorted(flags)}; {mode}")
    results, failures, gaps = {}, {}, []
    for role in ("clean", "random", "edge"):
        peer = spmg_matrices(python, paths[role], out, role, volume, args.raw_sbs)
        if role == "clean":
            gaps = coverage(peer)
            print(f"clean-set channels SPMG counted zero times: {gaps or 'none'}")
        if role == "edge":
            ours, failures = sigforge_edge(args.sigforge, paths, out / "sigforge_edge", flags,
                                           [e.sample for e in edges])
        else:
            ours = sigforge_set(args.sigforge, paths, role, out, flags)
        results[role] = [compare(c, ours.get(c), peer[c]) for c in CONTEXTS]
        print(f"\n{role} set")
        print("\n".join(table(results[role])))
    maf_lines, maf_ok = (maf_leg(args.sigforge, python, paths, volume, out, flags, args.raw_sbs)
                         if "--maf" in flags else (["sigforge has no --maf"], True))
    print("\nMAF\n" + "\n".join(maf_lines))
    edge_lines, unexpected = edge_report(results["edge"], edges, failures)
    print("\nedge cases:\n" + "\n".join(edge_lines))
    report = ["# sigforge vs SPMG 1.4.0", "", f"sigforge: {args.sigforge}; {mode}", "",
              "## clean", ""] + table(results["clean"])
    for r in results["clean"]:
        report += [f"- {r.context}: {line}" for line in r.first]
    report += ["", "## random indels", ""] + table(results["random"])
    report += ["", "## MAF", ""] + maf_lines
    report += ["", "## edge", ""] + table(results["edge"]) + [""] + edge_lines
    (out / "report.md").write_text("\n".join(report) + "\n")
    if args.mismatch_notes:
        mismatch_notes(args.mismatch_notes, args.sigforge, results["clean"], out / "spmg_clean",
                       edge_lines)
    if unexpected:
        print(f"edge cases that differ unexpectedly: {unexpected}")
    clean_ok = all(r.identical for r in results["clean"] + results["random"]) and not gaps
    return 0 if clean_ok and maf_ok and not unexpected else 1


if __name__ == "__main__":
    raise SystemExit(main())

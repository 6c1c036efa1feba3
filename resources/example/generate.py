#!/usr/bin/env python3
"""Generate the embedded sigforge example: a synthetic genome, 30 VCFs and their truth tables.

Five COSMIC v3.6 GRCh37 SBS96 signatures (SBS1, SBS4, SBS7a, SBS13, SBS17b) are planted into
30 samples. Every SNV is placed at a genome position whose trinucleotide matches the channel
drawn from its signature, so a correct SBS96 counter reproduces ``truth_catalog.tsv`` exactly.
Samples exposed to SBS7a (UV light) or SBS4 (tobacco) also carry the doublets that come with
them in real tumours (DBS1, DBS2), written half as 2-bp records and half as two adjacent SNV
records, at least 6 bp from any other variant; a correct DBS78 counter reproduces
``truth_DBS78.tsv`` exactly. The same samples carry the indel signatures that come with SBS4
and SBS7a (ID3, ID13), each indel at a site whose repeat/microhomology context gives its drawn
ID83 channel under sigforge's classifier (``indels.py``; channels the random contigs cannot
realise get designed tracts in chr4); a correct ID83 counter reproduces ``truth_ID83.tsv``.

Run from anywhere::

    python resources/example/generate.py

All outputs are written next to this script and are byte-for-byte reproducible (fixed seed,
no timestamps; BGZF output from pysam carries no modification time).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from indels import (  # noqa: E402
    ID_COMPANIONS,
    ID_STREAM,
    TRACT_CONTIG,
    Site,
    draw_indels,
    natural_sites,
    sparse_channels,
    tract_contig,
)
from model import Genome, Record, Sample, load_signature_columns  # noqa: E402
from output import check_sample, write_fasta, write_table, write_vcf  # noqa: E402

from sigforge.genomics.contexts import (  # noqa: E402
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    reverse_complement,
)
from sigforge.genomics.indels import id83_label  # noqa: E402

SEED = 20240611
DATA_DIR = REPO_ROOT / "src" / "sigforge" / "genomics" / "data"
COSMIC_TABLE = DATA_DIR / "COSMIC_v3.6_SBS96_GRCh37.tsv"
PLANTED = ("SBS1", "SBS4", "SBS7a", "SBS13", "SBS17b")
DBS_TABLE = DATA_DIR / "COSMIC_v3.6_DBS78_GRCh37.tsv"
ID_TABLE = DATA_DIR / "COSMIC_v3.6_ID83.tsv"
#: Doublet signature accompanying a planted SBS signature, and doublets per 100 of its SNVs.
DBS_COMPANIONS: dict[str, tuple[str, float]] = {"SBS7a": ("DBS1", 3.0), "SBS4": ("DBS2", 2.0)}
#: Doublets draw from their own stream, so the SNVs are exactly those drawn before they existed.
DBS_STREAM = 78
#: No other variant within this many bases of a doublet (SigProfiler forms a DBS only then).
DBS_CLEARANCE = 5
CONTIGS: tuple[tuple[str, int], ...] = (("chr1", 900_000), ("chr2", 700_000), ("chr3", 400_000))
N_RUN = ("chr2", 350_000, 200)  # contig, 0-based start, length of the run of N bases
N_SAMPLES = 30
FIRST_BGZIPPED = 21  # samples S21..S30 are written bgzipped + tabix-indexed
SKIP_SAMPLES = 5  # samples S01..S05 carry the non-counted / multi-allelic records
N_LOWQUAL = 3
BURDEN_RANGE = (800, 3000)
ACTIVE_RANGE = (2, 4)
MIN_ACTIVE_SAMPLES = 8
MIN_SHARE = 0.10
BASES = "ACGT"
CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(BASES):
    CODE[ord(_b)] = _i


@dataclass
class Companions:
    """The random streams, signatures and indel sites of the doublets and indels."""

    dbs_rng: np.random.Generator
    dbs_signatures: dict[str, np.ndarray]
    id_rng: np.random.Generator
    id_signatures: dict[str, np.ndarray]
    id_sites: dict[int, list[Site]]


def load_signatures() -> np.ndarray:
    """Read the planted signatures from the COSMIC table; return them as a 96 x 5 array."""
    with COSMIC_TABLE.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], rows[1:]
    labels = [row[0] for row in body]
    assert tuple(labels) == SBS96_CHANNELS, "COSMIC table rows are not in SBS96 order"
    cols = [header.index(name) for name in PLANTED]
    matrix = np.array([[float(row[c]) for c in cols] for row in body], dtype=np.float64)
    return matrix / matrix.sum(axis=0, keepdims=True)


def make_genome(rng: np.random.Generator) -> Genome:
    """Draw uniform random ACGT contigs and insert the run of N bases."""
    names, seqs, offsets, total = [], [], [], 0
    for name, length in CONTIGS:
        seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size=length)].copy()
        if name == N_RUN[0]:
            seq[N_RUN[1] : N_RUN[1] + N_RUN[2]] = ord("N")
        names.append(name)
        seqs.append(seq.tobytes().decode("ascii"))
        offsets.append(total)
        total += length
    return Genome(names, seqs, np.array(offsets, dtype=np.int64))


def trinucleotide_positions(genome: Genome) -> dict[str, np.ndarray]:
    """Map each of the 64 forward-strand trinucleotides to its sorted global positions.

    First and last base of each contig are excluded, as is any position whose trinucleotide
    contains N.
    """
    buckets: dict[int, list[np.ndarray]] = {k: [] for k in range(64)}
    for seq, offset in zip(genome.seqs, genome.offsets, strict=True):
        codes = CODE[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)].astype(np.int64)
        left, mid, right = codes[:-2], codes[1:-1], codes[2:]
        valid = (left < 4) & (mid < 4) & (right < 4)
        key = left * 16 + mid * 4 + right
        centres = np.flatnonzero(valid) + 1
        keys = key[valid]
        order = np.argsort(keys, kind="stable")
        bounds = np.searchsorted(keys[order], np.arange(65))
        for k in range(64):
            buckets[k].append(centres[order[bounds[k] : bounds[k + 1]]] + offset)
    return {
        BASES[k // 16] + BASES[(k // 4) % 4] + BASES[k % 4]: np.concatenate(parts)
        for k, parts in buckets.items()
    }


def choose_active_sets(rng: np.random.Generator) -> list[list[int]]:
    """Pick 2-4 active signatures per sample, redrawing until each is active in enough samples."""
    while True:
        sets = []
        for _ in range(N_SAMPLES):
            k = int(rng.integers(ACTIVE_RANGE[0], ACTIVE_RANGE[1] + 1))
            sets.append(sorted(int(i) for i in rng.choice(len(PLANTED), size=k, replace=False)))
        counts = np.bincount([i for s in sets for i in s], minlength=len(PLANTED))
        if counts.min() >= MIN_ACTIVE_SAMPLES:
            return sets


def split_burden(rng: np.random.Generator, burden: int, k: int) -> np.ndarray:
    """Split ``burden`` among ``k`` signatures with Dirichlet(1) shares, none below MIN_SHARE."""
    while True:
        shares = rng.dirichlet(np.ones(k))
        raw = shares * burden
        counts = np.floor(raw).astype(np.int64)
        remainder = burden - int(counts.sum())
        counts[np.argsort(-(raw - counts), kind="stable")[:remainder]] += 1
        if counts.min() >= MIN_SHARE * burden:
            return counts


def draw_channels(
    rng: np.random.Generator, signatures: np.ndarray, exposures: np.ndarray, active: list[int]
) -> list[tuple[int, int]]:
    """Draw a channel for every mutation; return (signature index, channel index) pairs."""
    draws = []
    for sig, n in zip(active, exposures, strict=True):
        per_channel = rng.multinomial(int(n), signatures[:, sig])
        draws.extend((sig, ch) for ch in np.repeat(np.arange(96), per_channel))
    return draws


def split_channel(channel: int) -> tuple[str, str]:
    """Return (pyrimidine-centred trinucleotide, pyrimidine-strand alt) for a channel index."""
    label = SBS96_CHANNELS[channel]
    return label[0] + label[2] + label[6], label[4]


def find_multiallelic_pair(
    rng: np.random.Generator, draws: list[tuple[int, int]]
) -> tuple[int, int]:
    """Find two draws sharing a context but with different alts (one record, two ALTs)."""
    seen: dict[str, dict[str, int]] = {}
    for i in rng.permutation(len(draws)):
        context, alt = split_channel(draws[int(i)][1])
        alts = seen.setdefault(context, {})
        for other_alt, j in alts.items():
            if other_alt != alt:
                return j, int(i)
        alts[alt] = int(i)
    raise RuntimeError("no pair of draws shares a trinucleotide context")


def draw_position(
    rng: np.random.Generator,
    positions: dict[str, np.ndarray],
    context: str,
    occupied: set[int],
    span: int = 1,
) -> tuple[int, bool]:
    """Draw a free position matching ``context`` on a random strand; return (gpos, is_reverse).

    The position (and ``span - 1`` following bases) must not be occupied or adjacent to an
    occupied position; the chosen bases are added to ``occupied``.
    """
    while True:
        reverse = bool(rng.random() < 0.5)
        pool = positions[reverse_complement(context) if reverse else context]
        gpos = int(pool[rng.integers(0, len(pool))])
        if all(p not in occupied for p in range(gpos - 1, gpos + span + 1)):
            occupied.update(range(gpos, gpos + span))
            return gpos, reverse


def forward_alt(alt: str, reverse: bool) -> str:
    """Express a pyrimidine-strand alt on the forward strand."""
    return reverse_complement(alt) if reverse else alt


def simulate_sample(
    rng: np.random.Generator,
    name: str,
    genome: Genome,
    signatures: np.ndarray,
    positions: dict[str, np.ndarray],
    active: list[int],
    with_skips: bool,
    companions: Companions,
) -> Sample:
    """Simulate one sample's SNVs, doublets and indels (plus skip records when ``with_skips``)."""
    burden = int(rng.integers(BURDEN_RANGE[0], BURDEN_RANGE[1] + 1))
    exposures = split_burden(rng, burden, len(active))
    draws = draw_channels(rng, signatures, exposures, active)
    sample = Sample(
        name, burden, {PLANTED[s]: int(n) for s, n in zip(active, exposures, strict=True)}
    )
    paired = find_multiallelic_pair(rng, draws) if with_skips else None
    occupied: set[int] = set()
    for i, (_, channel) in enumerate(draws):
        if paired is not None and i == paired[1]:
            continue
        context, alt = split_channel(channel)
        gpos, reverse = draw_position(rng, positions, context, occupied)
        alts = [forward_alt(alt, reverse)]
        if paired is not None and i == paired[0]:
            alts.append(forward_alt(split_channel(draws[paired[1]][1])[1], reverse))
        sample.records.append(Record(gpos, genome.base(gpos), tuple(sorted(alts))))
    for _, channel in draws:
        sample.channel_counts[channel] += 1
    if with_skips:
        add_skip_records(rng, sample, genome, positions, occupied)
    add_doublets(companions.dbs_rng, sample, genome, companions.dbs_signatures, occupied)
    add_indels(companions, sample, occupied)
    sample.records.sort(key=lambda r: r.gpos)
    return sample


def add_skip_records(
    rng: np.random.Generator,
    sample: Sample,
    genome: Genome,
    positions: dict[str, np.ndarray],
    occupied: set[int],
) -> None:
    """Add the records a counter must skip: LowQual SNVs and one deletion (REF=XY ALT=X)."""
    for _ in range(N_LOWQUAL):
        context, alt = split_channel(int(rng.integers(0, 96)))
        gpos, reverse = draw_position(rng, positions, context, occupied)
        sample.records.append(
            Record(gpos, genome.base(gpos), (forward_alt(alt, reverse),), "LowQual")
        )
    context, _ = split_channel(int(rng.integers(0, 96)))
    gpos, _ = draw_position(rng, positions, context, occupied, span=2)
    ref = genome.base(gpos, 2)
    sample.records.append(Record(gpos, ref, (ref[0],)))
    idx, pos = genome.locate(gpos)
    label = id83_label(genome.seqs[idx], pos + 1, ref, ref[0])
    sample.indels.append(Site(gpos, ref, ref[0]))
    sample.id_counts[ID83_CHANNELS.index(label)] += 1  # type: ignore[arg-type]


def draw_doublet_position(rng: np.random.Generator, genome: Genome, ref: str,
                          occupied: set[int]) -> tuple[int, bool]:
    """Draw a free position whose two forward bases are ``ref`` (or, reversed, its complement).

    Both bases lie in one contig, and nothing in ``occupied`` is within DBS_CLEARANCE bases.
    """
    total = sum(length for _, length in CONTIGS)  # the random contigs, not the indel tracts
    while True:
        gpos = int(rng.integers(1, total - 2))
        reverse = bool(rng.random() < 0.5)
        idx, pos = genome.locate(gpos)
        if pos + 2 > len(genome.seqs[idx]) - 1:
            continue
        want = reverse_complement(ref) if reverse else ref
        near = range(gpos - DBS_CLEARANCE, gpos + 2 + DBS_CLEARANCE)
        if genome.base(gpos, 2) == want and not any(p in occupied for p in near):
            occupied.update((gpos, gpos + 1))
            return gpos, reverse


def add_doublets(rng: np.random.Generator, sample: Sample, genome: Genome,
                 dbs_signatures: dict[str, np.ndarray], occupied: set[int]) -> None:
    """Add the sample's doublets: DBS_COMPANIONS rate x its exposure to the SBS companion."""
    for sbs, (dbs, per_100) in DBS_COMPANIONS.items():
        n = int(rng.poisson(sample.exposures.get(sbs, 0) * per_100 / 100))
        sample.dbs_exposures[dbs] = n
        for channel in np.repeat(np.arange(78), rng.multinomial(n, dbs_signatures[dbs])):
            ref, alt = DBS78_CHANNELS[channel].split(">")
            gpos, reverse = draw_doublet_position(rng, genome, ref, occupied)
            if reverse:
                ref, alt = reverse_complement(ref), reverse_complement(alt)
            sample.doublets.append((gpos, ref, alt))
            sample.dbs_counts[channel] += 1
            if len(sample.doublets) % 2:
                sample.records.append(Record(gpos, ref, (alt,)))
            else:
                sample.records += [Record(gpos + i, ref[i], (alt[i],), doublet=True)
                                   for i in range(2)]


def add_indels(companions: Companions, sample: Sample, occupied: set[int]) -> None:
    """Add the sample's indels: ID_COMPANIONS rate x its exposure to the SBS companion."""
    drawn, sample.id_exposures = draw_indels(companions.id_rng, sample.exposures,
                                             companions.id_signatures, companions.id_sites,
                                             occupied)
    for site, channel in drawn:
        sample.indels.append(site)
        sample.id_counts[channel] += 1
        sample.records.append(Record(site.gpos, site.ref, (site.alt,)))


def write_companion_truth(samples: list[Sample], companions: Companions) -> None:
    """Write the planted DBS/ID signatures, their per-sample counts and the ID83 catalog."""
    names = [s.name for s in samples]
    for kind, channels, sigs, exposures in (
        ("DBS", DBS78_CHANNELS, companions.dbs_signatures, lambda s: s.dbs_exposures),
        ("ID", ID83_CHANNELS, companions.id_signatures, lambda s: s.id_exposures),
    ):
        write_table(HERE / f"truth_{kind}_signatures.tsv", ["MutationType", *sigs],
                    [[label, *(f"{v[i]:.10g}" for v in sigs.values())]
                     for i, label in enumerate(channels)])
        write_table(HERE / f"truth_{kind}_exposures.tsv", ["Signature", *names],
                    [[sig, *(str(exposures(s)[sig]) for s in samples)] for sig in sigs])
    write_table(HERE / "truth_ID83.tsv", ["MutationType", *names],
                [[label, *(str(int(s.id_counts[i])) for s in samples)]
                 for i, label in enumerate(ID83_CHANNELS)])


def write_truth(samples: list[Sample], signatures: np.ndarray) -> None:
    """Write truth_signatures.tsv, truth_exposures.tsv, truth_catalog.tsv, truth_DBS78.tsv."""
    names = [s.name for s in samples]
    write_table(
        HERE / "truth_signatures.tsv",
        ["MutationType", *PLANTED],
        [[label, *(f"{v:.10g}" for v in signatures[i])] for i, label in enumerate(SBS96_CHANNELS)],
    )
    write_table(
        HERE / "truth_exposures.tsv",
        ["Signature", *names],
        [[sig, *(str(s.exposures.get(sig, 0)) for s in samples)] for sig in PLANTED],
    )
    write_table(
        HERE / "truth_catalog.tsv",
        ["MutationType", *names],
        [
            [label, *(str(int(s.channel_counts[i])) for s in samples)]
            for i, label in enumerate(SBS96_CHANNELS)
        ],
    )
    write_table(
        HERE / "truth_DBS78.tsv",
        ["MutationType", *names],
        [
            [label, *(str(int(s.dbs_counts[i])) for s in samples)]
            for i, label in enumerate(DBS78_CHANNELS)
        ],
    )


def write_sample_sheet(samples: list[Sample], vcf_paths: list[Path]) -> None:
    """Write config/samples.tsv (the default sheet); VCF paths relative to the repository."""
    rows = [
        [s.name, p.relative_to(REPO_ROOT).as_posix()]
        for s, p in zip(samples, vcf_paths, strict=True)
    ]
    write_table(REPO_ROOT / "config" / "samples.tsv", ["sample_id", "vcf"], rows)


def clean_vcf_dir(vcf_dir: Path) -> None:
    """Create the VCF directory and remove previously generated sample files."""
    vcf_dir.mkdir(exist_ok=True)
    for old in vcf_dir.glob("S[0-9][0-9].vcf*"):
        old.unlink()


def add_tract_contig(genome: Genome, id_rng: np.random.Generator,
                     id_signatures: dict[str, np.ndarray]) -> dict[int, list[Site]]:
    """Find natural indel sites on the random contigs, append the contig of designed tracts for
    the channels with too few, and return every channel's sites."""
    sites = natural_sites(id_rng, genome.names, genome.seqs, genome.offsets)
    start = int(genome.offsets[-1]) + len(genome.seqs[-1])
    sequence, tracts = tract_contig(id_rng, sparse_channels(id_signatures, sites), start)
    genome.names.append(TRACT_CONTIG)
    genome.seqs.append(sequence)
    genome.offsets = np.append(genome.offsets, start)
    return sites | tracts


def main() -> None:
    """Generate every file of the example and self-check it."""
    rng = np.random.default_rng(SEED)
    signatures = load_signatures()
    id_rng = np.random.default_rng([SEED, ID_STREAM])
    id_signatures = load_signature_columns(ID_TABLE, ID83_CHANNELS,
                                           [name for name, _ in ID_COMPANIONS.values()])
    genome = make_genome(rng)
    positions = trinucleotide_positions(genome)  # SNVs stay on the random contigs
    id_sites = add_tract_contig(genome, id_rng, id_signatures)
    write_fasta(genome, HERE / "genome.fa")
    dbs_signatures = load_signature_columns(DBS_TABLE, DBS78_CHANNELS,
                                            [name for name, _ in DBS_COMPANIONS.values()])
    companions = Companions(np.random.default_rng([SEED, DBS_STREAM]), dbs_signatures,
                            id_rng, id_signatures, id_sites)
    active_sets = choose_active_sets(rng)
    vcf_dir = HERE / "vcfs"
    clean_vcf_dir(vcf_dir)
    samples, vcf_paths = [], []
    with pysam.FastaFile(str(HERE / "genome.fa")) as fasta:
        for n, active in enumerate(active_sets, start=1):
            sample = simulate_sample(
                rng,
                f"S{n:02d}",
                genome,
                signatures,
                positions,
                active,
                with_skips=n <= SKIP_SAMPLES,
                companions=companions,
            )
            check_sample(sample, fasta, genome)
            vcf_paths.append(write_vcf(sample, genome, vcf_dir, bgzip=n >= FIRST_BGZIPPED))
            samples.append(sample)
    write_truth(samples, signatures)
    write_companion_truth(samples, companions)
    write_sample_sheet(samples, vcf_paths)
    burdens = [s.burden for s in samples]
    doublets = sum(len(s.doublets) for s in samples)
    indels = [len(s.indels) for s in samples]
    print(
        f"wrote {len(samples)} samples ({sum(burdens)} SNVs, burden {min(burdens)}-{max(burdens)};"
        f" {doublets} doublets; {sum(indels)} indels, {min(indels)}-{max(indels)} per sample;"
        f" {len(genome.seqs[-1])} bp of tracts) to {HERE}"
    )


if __name__ == "__main__":
    main()

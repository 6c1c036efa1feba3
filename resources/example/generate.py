#!/usr/bin/env python3
"""Generate the embedded sigforge example: a synthetic genome, 30 VCFs and their truth tables.

Five COSMIC v3.6 GRCh37 SBS96 signatures (SBS1, SBS4, SBS7a, SBS13, SBS17b) are planted into
30 samples. Every SNV is placed at a genome position whose trinucleotide matches the channel
drawn from its signature, so a correct SBS96 counter reproduces ``truth_catalog.tsv`` exactly.
Samples exposed to SBS7a (UV light) or SBS4 (tobacco) also carry the doublets that come with
them in real tumours (DBS1, DBS2), written half as 2-bp records and half as two adjacent SNV
records, at least 6 bp from any other variant; a correct DBS78 counter reproduces
``truth_DBS78.tsv`` exactly.

Run from anywhere::

    python resources/example/generate.py

All outputs are written next to this script and are byte-for-byte reproducible (fixed seed,
no timestamps; BGZF output from pysam carries no modification time).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pysam

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from indels import (  # noqa: E402
    ID_STREAM,
    TRACT_CONTIG,
    Site,
    draw_indels,
    load_id_signatures,
    natural_sites,
    sparse_channels,
    tract_contig,
)

from sigforge.genomics.contexts import (  # noqa: E402
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    dbs78_label,
    id83_label,
    reverse_complement,
    sbs96_label,
)

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
LINE_WIDTH = 60
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
class Genome:
    """The synthetic reference: contig sequences plus global-coordinate offsets."""

    names: list[str]
    seqs: list[str]
    offsets: np.ndarray  # global 0-based start of each contig

    def locate(self, gpos: int) -> tuple[int, int]:
        """Return (contig index, 0-based position) for a global 0-based coordinate."""
        idx = int(np.searchsorted(self.offsets, gpos, side="right")) - 1
        return idx, gpos - int(self.offsets[idx])

    def base(self, gpos: int, length: int = 1) -> str:
        """Return ``length`` forward-strand bases starting at a global coordinate."""
        idx, pos = self.locate(gpos)
        return self.seqs[idx][pos : pos + length]


@dataclass
class Record:
    """One VCF record in global coordinates."""

    gpos: int
    ref: str
    alts: tuple[str, ...]
    filter: str = "PASS"
    doublet: bool = False  # one half of a doublet written as two adjacent SNV records


@dataclass
class Sample:
    """One simulated sample: its records and the truth counts of its counted SNV alleles."""

    name: str
    burden: int
    exposures: dict[str, int]
    records: list[Record] = field(default_factory=list)
    channel_counts: np.ndarray = field(default_factory=lambda: np.zeros(96, dtype=np.int64))
    doublets: list[tuple[int, str, str]] = field(default_factory=list)  # (gpos, ref, alt)
    dbs_counts: np.ndarray = field(default_factory=lambda: np.zeros(78, dtype=np.int64))
    dbs_exposures: dict[str, int] = field(default_factory=dict)
    indels: list[Site] = field(default_factory=list)  # every PASS indel record, skips included
    id_counts: np.ndarray = field(default_factory=lambda: np.zeros(83, dtype=np.int64))
    id_exposures: dict[str, int] = field(default_factory=dict)


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


def load_dbs_signatures() -> dict[str, np.ndarray]:
    """Read the doublet companions' DBS78 signatures from the COSMIC table (each sums to 1)."""
    with DBS_TABLE.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], rows[1:]
    assert tuple(row[0] for row in body) == DBS78_CHANNELS, "DBS table rows not in DBS78 order"
    signatures = {}
    for name, _ in DBS_COMPANIONS.values():
        column = np.array([float(row[header.index(name)]) for row in body])
        signatures[name] = column / column.sum()
    return signatures


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


def write_fasta(genome: Genome, path: Path) -> None:
    """Write the genome as FASTA (60 bases per line) and index it with pysam.faidx."""
    with path.open("w", newline="\n") as out:
        for name, seq in zip(genome.names, genome.seqs, strict=True):
            out.write(f">{name}\n")
            out.writelines(seq[i : i + LINE_WIDTH] + "\n" for i in range(0, len(seq), LINE_WIDTH))
    fai = path.with_name(path.name + ".fai")
    fai.unlink(missing_ok=True)
    pysam.faidx(str(path))


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


def vcf_header(name: str, genome: Genome) -> str:
    """Return the VCF header text for a single-sample VCF."""
    lines = ["##fileformat=VCFv4.2", "##reference=genome.fa"]
    lines += [f"##contig=<ID={c},length={len(s)}>"
              for c, s in zip(genome.names, genome.seqs, strict=True)]
    lines += [
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality call">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", name]),
    ]
    return "\n".join(lines) + "\n"


def write_vcf(sample: Sample, genome: Genome, vcf_dir: Path, bgzip: bool) -> Path:
    """Write one sample's VCF (bgzipped + tabix-indexed when ``bgzip``); return its path."""
    path = vcf_dir / f"{sample.name}.vcf"
    with path.open("w", newline="\n") as out:
        out.write(vcf_header(sample.name, genome))
        for rec in sample.records:
            idx, pos = genome.locate(rec.gpos)
            gt = "1/2" if len(rec.alts) == 2 else "0/1"
            out.write(
                f"{genome.names[idx]}\t{pos + 1}\t.\t{rec.ref}\t{','.join(rec.alts)}\t.\t"
                f"{rec.filter}\t.\tGT\t{gt}\n"
            )
    if not bgzip:
        return path
    return Path(pysam.tabix_index(str(path), preset="vcf", force=True))


def check_sample(sample: Sample, fasta: pysam.FastaFile, genome: Genome) -> None:
    """Assert every counted allele's FASTA context reproduces the sample's truth channel counts."""
    counts = np.zeros(96, dtype=np.int64)
    for rec in sample.records:
        if rec.filter != "PASS" or len(rec.ref) != 1 or len(rec.alts[0]) != 1 or rec.doublet:
            continue
        idx, pos = genome.locate(rec.gpos)
        context = fasta.fetch(genome.names[idx], pos - 1, pos + 2)
        assert context[1] == rec.ref
        for alt in rec.alts:
            label = sbs96_label(context, alt)
            assert label is not None and alt != rec.ref
            counts[SBS96_CHANNELS.index(label)] += 1
    assert np.array_equal(counts, sample.channel_counts), f"{sample.name}: channel mismatch"
    doublets = np.zeros(78, dtype=np.int64)
    for gpos, ref, alt in sample.doublets:
        idx, pos = genome.locate(gpos)
        assert fasta.fetch(genome.names[idx], pos, pos + 2) == ref
        doublets[DBS78_CHANNELS.index(dbs78_label(ref, alt))] += 1
    assert np.array_equal(doublets, sample.dbs_counts), f"{sample.name}: doublet mismatch"
    check_indels(sample, fasta, genome)
    assert sum(sample.exposures.values()) == sample.burden == counts.sum()


def check_indels(sample: Sample, fasta: pysam.FastaFile, genome: Genome) -> None:
    """Assert sigforge's ID83 classifier, on the written FASTA, reproduces the indel truth."""
    contigs = {name: fasta.fetch(name) for name in genome.names}
    written = sorted((r.gpos, r.ref, r.alts[0]) for r in sample.records
                     if r.filter == "PASS" and len(r.alts) == 1 and len(r.ref) != len(r.alts[0]))
    assert written == sorted((s.gpos, s.ref, s.alt) for s in sample.indels)
    counts = np.zeros(83, dtype=np.int64)
    for site in sample.indels:
        idx, pos = genome.locate(site.gpos)
        label = id83_label(contigs[genome.names[idx]], pos + 1, site.ref, site.alt)
        assert label is not None, f"{sample.name}: {site} is not a simple indel"
        counts[ID83_CHANNELS.index(label)] += 1
    assert np.array_equal(counts, sample.id_counts), f"{sample.name}: indel channel mismatch"


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a tab-separated table with LF line endings."""
    with path.open("w", newline="\n") as out:
        out.write("\t".join(header) + "\n")
        out.writelines("\t".join(row) + "\n" for row in rows)


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
    id_signatures = load_id_signatures(ID_TABLE)
    genome = make_genome(rng)
    positions = trinucleotide_positions(genome)  # SNVs stay on the random contigs
    id_sites = add_tract_contig(genome, id_rng, id_signatures)
    write_fasta(genome, HERE / "genome.fa")
    companions = Companions(np.random.default_rng([SEED, DBS_STREAM]), load_dbs_signatures(),
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

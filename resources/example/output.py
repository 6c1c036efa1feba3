"""Writing and self-checking the embedded example's files: FASTA, VCFs and TSV tables.

The checks classify every counted allele from the written FASTA with sigforge's own functions
(``sbs96_label``, ``dbs78_label``, ``id83_label``), so a truth table that disagrees with what
sigforge's counter would produce stops the generator before the VCF is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam
from model import Genome, Sample

from sigforge.genomics.contexts import (
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    dbs78_label,
    sbs96_label,
)
from sigforge.genomics.indels import id83_label

LINE_WIDTH = 60


def write_fasta(genome: Genome, path: Path) -> None:
    """Write the genome as FASTA (60 bases per line) and index it with pysam.faidx."""
    with path.open("w", newline="\n") as out:
        for name, seq in zip(genome.names, genome.seqs, strict=True):
            out.write(f">{name}\n")
            out.writelines(seq[i : i + LINE_WIDTH] + "\n" for i in range(0, len(seq), LINE_WIDTH))
    fai = path.with_name(path.name + ".fai")
    fai.unlink(missing_ok=True)
    pysam.faidx(str(path))


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

"""A GENCODE-sized gene annotation: peak memory and wall time of an SBS288 catalog.

SBS288 needs each gene's strand, which sigforge reads from a GTF's transcript and gene rows.
A GENCODE GTF is mostly exon, CDS and UTR rows (nine in ten), so keeping every row while
reading costs memory in proportion to the whole file; the workflow's catalog jobs request
memory for the annotation (``sigforge.workflow.resources.catalog_mem_mb``). This script writes
a genome of one contig (``--contig`` bases), a GTF of ``--genes`` genes on it (a gene row, a
transcript row and ``--exons`` exon rows each, GENCODE-style attributes) and a VCF of 200
SNVs, then runs ``sigforge catalog`` with SBS96 alone and with SBS96 + SBS288 (median of
``--repeats`` runs; wall seconds and peak RSS by GNU time). Run it with ``PYTHONPATH``
pointing at another checkout's ``src`` to measure that code.

    python benchmarks/annotation_memory.py --out /tmp/annotation_memory
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_maf_scale import timed  # noqa: E402  (wall seconds and peak MB, by GNU time)


def write_inputs(folder: Path, contig: int, genes: int, exons: int
                 ) -> tuple[Path, Path, Path]:
    """The genome (random bases), the GTF (genes spread along the contig, alternating
    strands) and a VCF of 200 SNVs whose REF matches the genome."""
    rng = np.random.default_rng(0)
    sequence = rng.choice(np.frombuffer(b"ACGT", np.uint8), contig).tobytes().decode()
    genome, gtf, vcf = folder / "genome.fa", folder / "genes.gtf", folder / "snvs.vcf"
    with open(genome, "w") as handle:
        handle.write(">chr1\n")
        for start in range(0, contig, 60):
            handle.write(sequence[start:start + 60] + "\n")
    span = contig // genes
    with open(gtf, "w") as handle:
        for g in range(genes):
            start, strand = g * span + 1, "+-"[g % 2]
            end = start + span - 2
            ids = (f'gene_id "ENSG{g:011d}.1"; gene_type "protein_coding"; '
                   f'gene_name "G{g}"; level 2;')
            handle.write(f"chr1\tHAVANA\tgene\t{start}\t{end}\t.\t{strand}\t.\t{ids}\n")
            ids += f' transcript_id "ENST{g:011d}.1"; transcript_type "protein_coding";'
            handle.write(f"chr1\tHAVANA\ttranscript\t{start}\t{end}\t.\t{strand}\t.\t{ids}\n")
            width = max(1, (end - start) // (2 * exons))
            for e in range(exons):
                first = start + 2 * e * width
                handle.write(f"chr1\tHAVANA\texon\t{first}\t{first + width - 1}\t.\t{strand}\t."
                             f"\t{ids} exon_number {e + 1}; exon_id \"ENSE{g:08d}{e:03d}\";\n")
    with open(vcf, "w") as handle:
        handle.write(f"##fileformat=VCFv4.2\n##contig=<ID=chr1,length={contig}>\n"
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for pos in np.linspace(100, contig - 100, 200).astype(int).tolist():
            ref = sequence[pos - 1]
            handle.write(f"chr1\t{pos}\t.\t{ref}\t{'A' if ref != 'A' else 'C'}\t.\tPASS\t.\n")
    return genome, gtf, vcf


def main() -> None:
    """Write the inputs, run the catalogs, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--contig", type=int, default=100_000_000)
    parser.add_argument("--genes", type=int, default=70_000)
    parser.add_argument("--exons", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    genome, gtf, vcf = write_inputs(args.out, args.contig, args.genes, args.exons)
    sigforge = str(Path(sys.executable).with_name("sigforge"))
    base = [sigforge, "-q", "catalog", "--reference", str(genome), "--vcf", str(vcf)]
    cases = {"SBS96": [], "SBS96 + SBS288": ["--contexts", "SBS96", "SBS288", "--annotation",
                                             str(gtf)]}
    print(f"GTF: {gtf.stat().st_size / 1e6:.0f} MB, {args.genes * (2 + args.exons):,} rows; "
          f"contig {args.contig:,} bases")
    print("| contexts | wall s (median) | peak MB |")
    print("|---|---|---|")
    for name, extra in cases.items():
        runs = [timed([*base, *extra, "--out", str(args.out / f"{name[-6:]}{i}")])
                for i in range(args.repeats)]
        print(f"| {name} | {statistics.median(r[0] for r in runs):.2f} | "
              f"{max(r[1] for r in runs):.0f} |")


if __name__ == "__main__":
    main()

"""Indels inside long repeat tracts: ID83 catalog time against the tract's length.

An indel's ID83 channel counts the copies of its unit beside it, up to 5 (counts of 5 or
more share a channel). Walking the whole tract to count them, and to left-align the event
in it, costs time in proportion to the tract: a megabase homopolymer (no real genome has
one, but an assembly gap filled with one base, or a synthetic genome, may) then costs a
tenth of a second per indel. The walks stop at the sixth copy. This script writes a genome
whose first contig is one homopolymer of ``--tract`` bases, and a VCF of ``--indels``
one-base insertions and deletions spread along it, then times ``sigforge catalog
--contexts ID83`` (median of ``--repeats`` runs; wall seconds and peak RSS, by GNU time).
Run it with ``PYTHONPATH`` pointing at another checkout's ``src`` to time that code.

    python benchmarks/id83_tracts.py --out /tmp/id83_tracts --tract 1000000 --indels 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_maf_scale import timed  # noqa: E402  (wall seconds and peak MB, by GNU time)


def write_inputs(folder: Path, tract: int, indels: int) -> tuple[Path, Path]:
    """The genome (chr1: G, ``tract`` A's, C) and a VCF of ``indels`` alternating one-base
    insertions and deletions evenly spaced along the tract."""
    genome, vcf = folder / "genome.fa", folder / "indels.vcf"
    sequence = "G" + "A" * tract + "C"
    with open(genome, "w") as handle:
        handle.write(">chr1\n")
        for start in range(0, len(sequence), 60):
            handle.write(sequence[start:start + 60] + "\n")
    step = max(1, (tract - 2) // indels)
    with open(vcf, "w") as handle:
        handle.write(f"##fileformat=VCFv4.2\n##contig=<ID=chr1,length={len(sequence)}>\n"
                     '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n")
        for i in range(indels):
            ref, alt = ("AA", "A") if i % 2 else ("A", "AA")
            handle.write(f"chr1\t{2 + i * step}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t0/1\n")
    return genome, vcf


def main() -> None:
    """Write the inputs, time the catalog, print a markdown row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tract", type=int, default=1_000_000)
    parser.add_argument("--indels", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    genome, vcf = write_inputs(args.out, args.tract, args.indels)
    sigforge = str(Path(sys.executable).with_name("sigforge"))
    runs = [timed([sigforge, "-q", "catalog", "--reference", str(genome), "--vcf", str(vcf),
                   "--contexts", "ID83", "--out", str(args.out / f"run{i}")])
            for i in range(args.repeats)]
    print("| tract (bases) | indels | wall s (median) | peak MB |")
    print("|---|---|---|---|")
    print(f"| {args.tract:,} | {args.indels} | {statistics.median(r[0] for r in runs):.2f} | "
          f"{max(r[1] for r in runs):.0f} |")


if __name__ == "__main__":
    main()

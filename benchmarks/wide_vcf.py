"""A multi-sample (cohort) VCF counted whole: peak memory and wall time against its width.

``sigforge catalog --vcf cohort.vcf`` without ``--vcf-sample`` counts every sample column, so
it reads every genotype of the file: ``--samples`` columns x ``--records`` records. This
script writes a genome of one 2 Mb contig and such a VCF (each record carried by 3 random
samples, ``0/1``; the others ``0/0``), then times the catalog (median of ``--repeats`` runs;
wall seconds and peak RSS by GNU time). Run it with ``PYTHONPATH`` pointing at another
checkout's ``src`` to measure that code.

    python benchmarks/wide_vcf.py --out /tmp/wide_vcf --samples 500 --records 20000
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_maf_scale import timed  # noqa: E402  (wall seconds and peak MB, by GNU time)


def write_inputs(folder: Path, samples: int, records: int) -> tuple[Path, Path]:
    """The genome (random bases, 2 Mb) and the VCF (one SNV every 50 bases, REF from the
    genome, three carriers each)."""
    rng = np.random.default_rng(1)
    length = max(2_000_000, 50 * records + 100)
    sequence = rng.choice(np.frombuffer(b"ACGT", np.uint8), length).tobytes().decode()
    genome, vcf = folder / "genome.fa", folder / "cohort.vcf"
    with open(genome, "w") as handle:
        handle.write(">chr1\n")
        for start in range(0, length, 60):
            handle.write(sequence[start:start + 60] + "\n")
    names = "\t".join(f"S{i}" for i in range(samples))
    with open(vcf, "w") as handle:
        handle.write(f"##fileformat=VCFv4.2\n##contig=<ID=chr1,length={length}>\n"
                     '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                     f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{names}\n")
        for r in range(records):
            pos = 50 * (r + 1)
            ref = sequence[pos - 1]
            calls = ["0/0"] * samples
            for carrier in rng.choice(samples, size=min(3, samples), replace=False).tolist():
                calls[carrier] = "0/1"
            handle.write(f"chr1\t{pos}\t.\t{ref}\t{'A' if ref != 'A' else 'C'}\t.\tPASS\t.\tGT\t"
                         + "\t".join(calls) + "\n")
    return genome, vcf


def main() -> None:
    """Write the inputs, run the catalog, print a markdown row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    genome, vcf = write_inputs(args.out, args.samples, args.records)
    sigforge = str(Path(sys.executable).with_name("sigforge"))
    runs = [timed([sigforge, "-q", "catalog", "--reference", str(genome), "--vcf", str(vcf),
                   "--out", str(args.out / f"run{i}")]) for i in range(args.repeats)]
    print("| samples | records | wall s (median) | peak MB |")
    print("|---|---|---|---|")
    print(f"| {args.samples} | {args.records:,} | {statistics.median(r[0] for r in runs):.2f} | "
          f"{max(r[1] for r in runs):.0f} |")


if __name__ == "__main__":
    main()

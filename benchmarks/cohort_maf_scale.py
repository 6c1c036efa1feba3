"""Cohort MAFs at scale: catalog time against the number of barcodes, merge time against the
number of samples counted from one shared file.

A cohort MAF (TCGA's MC3: 3.6 million rows over 10,000 barcodes) is one file of many
samples. Three steps must stay linear in its barcodes: ``sigforge catalog --maf`` splitting
the rows by barcode; ``catalog --maf --vcf-sample`` counting one barcode, as each of the
workflow's per-sample jobs does (it keeps only that barcode's rows); and ``sigforge
merge-catalogs`` checking that no sample of one file was counted twice (only samples with
equal counts need comparing). This script writes a random
genome and MAFs of a fixed number of rows per barcode, then times both steps (median of
``--repeats`` runs; wall seconds and peak RSS of the process, by GNU time).

    python benchmarks/cohort_maf_scale.py --out /tmp/maf_scale --barcodes 1000 4000 16000 \\
        --rows-per-barcode 50 --merge 500 1000 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

BASES = np.array(list("ACGT"))


def write_genome(path: Path, length: int, rng: np.random.Generator) -> str:
    """One random contig ``chr1`` of ``length`` bases, 60 per line; its sequence."""
    sequence = "".join(rng.choice(BASES, length))
    with open(path, "w") as handle:
        handle.write(">chr1\n")
        for start in range(0, length, 60):
            handle.write(sequence[start:start + 60] + "\n")
    return sequence


def write_maf(path: Path, sequence: str, barcodes: int, per_barcode: int,
              rng: np.random.Generator) -> None:
    """A MAF of SNVs, ``per_barcode`` rows for each of ``barcodes`` barcodes, rows shuffled
    (a cohort MAF is sorted by position, not by sample), positions distinct per barcode."""
    n = barcodes * per_barcode
    sample = np.repeat(np.arange(barcodes), per_barcode)
    slots = (len(sequence) - 40) // 12
    pos = 20 + 12 * np.concatenate([rng.choice(slots, per_barcode, replace=False)
                                    for _ in range(barcodes)])
    order = rng.permutation(n)
    sample, pos = sample[order], pos[order]
    ref = np.array(list(sequence))[pos - 1]
    alt = BASES[(np.searchsorted(BASES, ref) + rng.integers(1, 4, n)) % 4]
    with open(path, "w") as handle:
        handle.write("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
                     "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\t"
                     "Tumor_Sample_Barcode\n")
        handle.writelines(f"G\tchr1\t{p}\t{p}\tSNP\t{r}\t{r}\t{a}\tT-{s:06d}\n"
                          for p, r, a, s in zip(pos, ref, alt, sample, strict=True))


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``command``, as GNU time reports them."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as record:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", record.name, *command],
                       check=True, stdout=subprocess.DEVNULL)
        wall, kilobytes = record.read().split()[-2:]
    return float(wall), float(kilobytes) / 1024


def split_samples(folder: Path, target: Path, count: int) -> list[Path]:
    """Per-sample catalog folders, as the workflow's per-sample jobs write them, of the first
    ``count`` samples of a multi-sample catalog folder (each folder's log names the MAF)."""
    files = (folder / ".catalog_files").read_text().split()
    tables = {name: pd.read_csv(folder / name, sep="\t", index_col=0, dtype=str)
              for name in files}
    samples = list(tables["catalog_log.tsv"].index[:count])
    folders = []
    for sample in samples:
        out = target / sample
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            part = table.loc[[sample]] if name == "catalog_log.tsv" else table[[sample]]
            part.to_csv(out / name, sep="\t")
        (out / ".catalog_files").write_text((folder / ".catalog_files").read_text())
        folders.append(out)
    return folders


def main() -> None:
    """Write the genome and MAFs, time catalog and merge-catalogs, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--barcodes", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--rows-per-barcode", type=int, default=50)
    parser.add_argument("--merge", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--genome", type=int, default=2_000_000)
    args = parser.parse_args()
    sigforge = str(Path(sys.executable).with_name("sigforge"))
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    genome = args.out / "genome.fa"
    sequence = write_genome(genome, args.genome, rng)
    pysam.faidx(str(genome))  # the index once, outside the timings
    print("| step | barcodes or samples | MAF rows | wall s (median) | peak RSS MB |")
    print("|---|---|---|---|---|")
    largest = None
    for barcodes in args.barcodes:
        maf = args.out / f"cohort_{barcodes}.maf"
        write_maf(maf, sequence, barcodes, args.rows_per_barcode, rng)
        runs = [timed([sigforge, "-q", "catalog", "--reference", str(genome), "--maf",
                       str(maf), "--out", str(args.out / f"catalog_{barcodes}_{r}")])
                for r in range(args.repeats)]
        print(f"| catalog --maf | {barcodes:,} | {barcodes * args.rows_per_barcode:,} | "
              f"{statistics.median(w for w, _ in runs):.2f} | {max(m for _, m in runs):.0f} |",
              flush=True)
        largest = args.out / f"catalog_{barcodes}_0"
        runs = [timed([sigforge, "-q", "catalog", "--reference", str(genome), "--maf",
                       str(maf), "--vcf-sample", "T-000000",
                       "--out", str(args.out / f"one_{barcodes}_{r}")])
                for r in range(args.repeats)]
        print(f"| catalog --maf --vcf-sample (one barcode, a workflow job) | {barcodes:,} | "
              f"{barcodes * args.rows_per_barcode:,} | "
              f"{statistics.median(w for w, _ in runs):.2f} | {max(m for _, m in runs):.0f} |",
              flush=True)
    assert largest is not None
    for count in args.merge:
        folders = split_samples(largest, args.out / f"samples_{count}", count)
        runs = [timed([sigforge, "-q", "merge-catalogs", "--allow-identical", "--inputs",
                       *map(str, folders), "--out", str(args.out / f"merged_{count}_{r}")])
                for r in range(args.repeats)]
        print(f"| merge-catalogs, one shared MAF | {count:,} | | "
              f"{statistics.median(w for w, _ in runs):.2f} | {max(m for _, m in runs):.0f} |",
              flush=True)


if __name__ == "__main__":
    main()

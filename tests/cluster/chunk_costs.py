"""Measure what one NMF chunk job costs (wall time, peak memory) at cohort sizes 100-10,000.

The README's scale guidance and the runtime/mem_mb formulas of the nmf_chunk rule come from
this. It times the exact command the rule runs (`sigforge replicates`) on the first n samples
of a real SBS96 catalog (PCAWG WGS for n <= 2,780, TCGA WES above), with the workflow's
default NMF settings, and prints one TSV row per size. Not part of any test: run it by hand,

    .venv/bin/python tests/cluster/chunk_costs.py --pcawg ../shared/data/real/WGS_PCAWG.96.csv \
        --tcga ../shared/data/real/WES_TCGA.96.csv --sizes 100 1000 2780 9493 --replicates 2

and scale the per-replicate figures by replicates_per_chunk.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def subset(csv: Path, n: int, out: Path) -> int:
    """Write the first n samples of a two-label-column CSV catalog; return the count kept."""
    table = pd.read_csv(csv)
    keep = table.iloc[:, : 2 + n]
    keep.to_csv(out, index=False)
    return keep.shape[1] - 2


def run_chunk(catalog: Path, k: int, replicates: int, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `sigforge replicates` process."""
    sigforge = shutil.which("sigforge", path=str(Path(sys.executable).parent))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sigforge, "replicates", "--catalog", str(catalog), "--catalog-name", "SBS96",
                    "--k", str(k), "--first", "0", "--count", str(replicates),
                    "--seed", "20261128", "--max-iter", "5000", "--min-iter", "200",
                    "--tol", "1e-7", "--out", str(out)], check=True, capture_output=True)
    wall = time.perf_counter() - start
    # ru_maxrss of children is the largest child so far: grow sizes so each run is the peak.
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pcawg", type=Path, required=True)
    parser.add_argument("--tcga", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2780, 9493])
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--replicates", type=int, default=2)
    args = parser.parse_args()
    out = sys.stdout  # a measuring script: its table is its output
    out.write("samples\tk\treplicates\twall_s\twall_s_per_replicate\tpeak_rss_mb\t"
              "mean_iterations\n")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.sizes):
            source = args.pcawg if n <= 2780 else args.tcga
            catalog = Path(tmp) / f"n{n}.csv"
            kept = subset(source, n, catalog)
            npz = Path(tmp) / f"n{n}.npz"
            wall, peak = run_chunk(catalog, args.k, args.replicates, npz)
            with np.load(npz) as chunk:
                iterations = float(np.mean(chunk["n_iter"]))
            out.write(f"{kept}\t{args.k}\t{args.replicates}\t{wall:.1f}\t"
                      f"{wall / args.replicates:.2f}\t{peak:.0f}\t{iterations:.0f}\n")
            out.flush()


if __name__ == "__main__":
    main()

"""Discovery on real PCAWG SBS96 catalogs: chosen rank, cost, and COSMIC v3.6 decomposition.

Reads ``WGS_PCAWG.96.csv`` (2,780 PCAWG genomes; see ../shared/data/real/PROVENANCE.md, never
copied into the repository), takes the genomes of each requested tumour type (or all of them
with ``--all``), runs ``sigforge.discovery.run_discovery`` with the workflow defaults except
the normalisation (default ``gmm``) and the iteration cap (default 20,000), and decomposes
every signature of the chosen rank into COSMIC v3.6 SBS96 (GRCh37) with
``sigforge.refit.decompose_signatures``. Wall and CPU seconds (this process,
all threads, and its worker processes) per cohort.

    python benchmarks/pcawg.py --data ../shared/data/real --out /tmp/pcawg \\
        --types Liver-HCC Breast-AdenoCA Skin-Melanoma --ranks 2-10 --replicates 20
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import pandas as pd

from sigforge.discovery.crossval import CVOptions
from sigforge.discovery.pipeline import NMFOptions, run_discovery
from sigforge.discovery.rank import RankRule
from sigforge.genomics.reference import load_reference
from sigforge.io import InputError
from sigforge.refit import decompose_signatures


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def read_pcawg(path: Path, channels: pd.Index) -> pd.DataFrame:
    """PCAWG SBS96 counts with ``A[C>A]A`` labels, rows aligned to ``channels`` by label."""
    raw = pd.read_csv(path)
    labels = [f"{tri[0]}[{sub}]{tri[2]}"
              for sub, tri in zip(raw["Mutation type"], raw["Trinucleotide"], strict=True)]
    counts = raw.drop(columns=["Mutation type", "Trinucleotide"]).set_axis(labels, axis=0)
    missing = channels.difference(counts.index)
    if len(missing):
        raise InputError(f"{path}: channels {list(missing)[:3]} are missing.")
    return counts.loc[channels].astype(float)


def parse_ranks(text: str) -> list[int]:
    """'2-10' -> [2, ..., 10]."""
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def run_cohort(name: str, catalog: pd.DataFrame, ranks: list[int], replicates: int,
               options: NMFOptions, threads: int, reference: pd.DataFrame) -> dict:
    """Discovery on one cohort; its choice, cost and decomposition."""
    catalog = catalog.loc[:, catalog.sum(axis=0) > 0]
    ranks = [k for k in ranks if k <= catalog.shape[1]]
    start_wall, start_cpu = time.perf_counter(), cpu_seconds()
    found = run_discovery(catalog, ranks, replicates=replicates, chunk_size=10,
                          seed=20261128, matrix_name=name,
                          options=options, rule=RankRule(),
                          cv=CVOptions(), threads=threads)
    wall, cpu = time.perf_counter() - start_wall, cpu_seconds() - start_cpu
    parts = decompose_signatures(found.chosen.signatures, reference)
    metrics = found.choice.metrics
    return {"cohort": name, "samples": int(catalog.shape[1]),
            "median_burden": float(catalog.sum(axis=0).median()),
            "ranks": f"{ranks[0]}-{ranks[-1]}", "replicates": replicates,
            "max_iter": options.max_iter, "normalisation": options.normalisation,
            "chosen_rank": found.choice.rank, "reason": found.choice.reason,
            "cv_argmin": int(metrics["cv_error"].idxmin()),
            "candidates": [int(k) for k in metrics.index[metrics["candidate"]]],
            "wall_s": wall, "cpu_s": cpu,
            "stability": found.chosen.stability["stability"].round(3).tolist(),
            "decomposition": parts.reset_index().to_dict(orient="records"),
            "metrics": metrics.reset_index().to_dict(orient="records")}


def markdown(rows: list[dict]) -> str:
    """One line per cohort, and its signatures' decompositions."""
    lines = ["| cohort | genomes | ranks x replicates | chosen k (CV minimum) | wall s | CPU s "
             "| signatures: COSMIC v3.6 decomposition (reconstruction cosine) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        parts = "; ".join(f"{d['components']} ({d['cosine']:.2f})" for d in r["decomposition"])
        lines.append(f"| {r['cohort']} | {r['samples']} | {r['ranks']} x {r['replicates']} | "
                     f"{r['chosen_rank']} ({r['cv_argmin']}) | {r['wall_s']:.0f} | "
                     f"{r['cpu_s']:.0f} | {parts} |")
    return "\n".join(lines)


def main() -> None:
    """Run each tumour type (and optionally all genomes) and write results.json, table.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--types", nargs="*", default=["Liver-HCC", "Breast-AdenoCA",
                                                       "Skin-Melanoma"])
    parser.add_argument("--all", action="store_true", help="also every genome together")
    parser.add_argument("--ranks", default="2-10")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--normalisation", default="gmm", choices=["none", "cap", "gmm"])
    parser.add_argument("--max-iter", type=int, default=20000,
                        help="iteration cap per replicate (the workflow's 5,000 leaves most "
                             "replicates of 100,000-mutation genomes unconverged at k >= 4)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reference = load_reference("COSMIC_v3.6", genome_build="GRCh37").data
    catalog = read_pcawg(args.data / "WGS_PCAWG.96.csv", reference.index)
    types = pd.Series([c.split("::")[0] for c in catalog.columns], index=catalog.columns)
    cohorts = [(t, catalog.loc[:, types == t]) for t in args.types]
    if args.all:
        cohorts.append(("PCAWG-all", catalog))
    rows = []
    for name, cohort in cohorts:
        if cohort.shape[1] == 0:
            raise InputError(f"no genome of tumour type '{name}' in {args.data}.")
        rows.append(run_cohort(name, cohort, parse_ranks(args.ranks), args.replicates,
                               NMFOptions(max_iter=args.max_iter,
                                          normalisation=args.normalisation),
                               args.threads, reference))
        print(markdown(rows[-1:]), flush=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=1, default=float))
    (args.out / "table.md").write_text(markdown(rows) + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()

"""Report build time for a synthetic cohort: cohort page plus one page per patient.

There is no peer to run side by side (SigProfiler's plotting writes PDFs, not comparable
pages), so this reports the wall time of :func:`sigforge.report.write_reports` and its cost
per patient page. The cohort is drawn from COSMIC v3.6 SBS96 signatures (GRCh37): ``k`` de
novo signatures, Poisson counts, bootstrap intervals, decomposition and aetiologies, i.e.
everything a workflow run gives the report.

    python benchmarks/report.py --samples 500 --repeats 3 --out benchmarks/out/report
    python benchmarks/report.py --samples 500 --repeats 1 --profile   # cProfile top 25
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.reference import load_aetiology, load_reference
from sigforge.report.cohort import CohortData, write_reports


def _intervals(exposures: pd.DataFrame) -> pd.DataFrame:
    """Long table (index = sample) of exposure, lower, upper, presence per signature."""
    rows = []
    for sample in exposures.columns:
        for signature, value in exposures[sample].items():
            rows.append((sample, signature, value, 0.8 * value, 1.2 * value, 1.0))
    table = pd.DataFrame(rows, columns=["sample", "signature", "exposure", "lower", "upper",
                                        "presence"])
    return table.set_index("sample")


def synthetic_cohort(n: int, k: int, seed: int) -> CohortData:
    """A ``CohortData`` with ``n`` samples and ``k`` signatures taken from COSMIC v3.6."""
    rng = np.random.default_rng(seed)
    cosmic = load_reference("COSMIC_v3.6").data.loc[list(SBS96_CHANNELS)]
    chosen = list(cosmic.columns[:k])
    names = [f"SBS96{chr(ord('A') + i)}" for i in range(k)]
    signatures = pd.DataFrame(cosmic[chosen].to_numpy(), index=cosmic.index, columns=names)
    samples = [f"P{j:04d}" for j in range(n)]
    exposures = pd.DataFrame(rng.gamma(0.6, 600.0, size=(k, n)), index=names, columns=samples)
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ exposures.to_numpy()),
                           index=cosmic.index, columns=samples)
    burden = catalog.sum(axis=0)
    log = pd.DataFrame({"source": [f"vcf/{s}.vcf.gz" for s in samples],
                        "variants_read": burden + 25, "counted_SBS96": burden,
                        "filtered": 20, "not_snv": 5}, index=samples)
    ranks = pd.Index(range(2, 13), name="k")
    metrics = pd.DataFrame({"mean_stability": np.linspace(0.99, 0.6, len(ranks)),
                            "min_stability": np.linspace(0.95, 0.3, len(ranks)),
                            "kl_divergence": np.geomspace(9e4, 3e4, len(ranks)),
                            "relative_error": np.geomspace(0.4, 0.2, len(ranks)),
                            "mean_cosine": np.linspace(0.9, 0.98, len(ranks)),
                            "selected": ranks == k}, index=ranks)
    return CohortData(
        catalog=catalog, catalog_log=log, rank_metrics=metrics, chosen_rank=k,
        rank_rule=f"k = {k} is the largest stable rank.", signatures=signatures,
        stability=pd.DataFrame({"stability": 0.9, "spread": 0.02}, index=names),
        exposures=exposures,
        reconstruction=pd.DataFrame({"burden": burden, "cosine": 0.95, "kl_divergence": 1.0},
                                    index=samples),
        reference_matches=pd.DataFrame({"reference": chosen, "cosine": 1.0}, index=names),
        run_info={"seed": str(seed), "samples": str(n)}, files={},
        intervals=_intervals(exposures),
        decomposition=pd.DataFrame({"components": [f"{c}:1.0" for c in chosen],
                                    "cosine": 1.0, "novel": False}, index=names),
        aetiology=load_aetiology("COSMIC_v3.6"))


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its reaped children (the page workers)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_build(data: CohortData, out: Path, workers: int | None = None) -> tuple[float, float]:
    """Wall and CPU seconds to write every page into a fresh ``out``."""
    shutil.rmtree(out, ignore_errors=True)
    stems = {sample: sample for sample in data.catalog.columns}
    start, cpu = time.perf_counter(), _cpu_seconds()
    write_reports(data, out, stems, workers=workers)
    return time.perf_counter() - start, _cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> int:
    """Build the reports ``--repeats`` times and print the median wall time as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--signatures", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/report"))
    parser.add_argument("--workers", type=int, default=None,
                        help="patient-page processes (default: write_reports decides)")
    parser.add_argument("--profile", action="store_true", help="print the cProfile top 25")
    args = parser.parse_args(argv)
    data = synthetic_cohort(args.samples, args.signatures, args.seed)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(time_build, data, args.out, 1)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        return 0
    load_before = os.getloadavg()[0]
    runs = [time_build(data, args.out, args.workers) for _ in range(args.repeats)]
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(json.dumps({"samples": args.samples, "signatures": args.signatures,
                      "wall_s": [round(r[0], 2) for r in runs], "median_wall_s": round(wall, 2),
                      "cpu_s": [round(r[1], 2) for r in runs], "median_cpu_s": round(cpu, 2),
                      "cpu_ms_per_patient": round(1000 * cpu / args.samples, 1),
                      "cpus": os.cpu_count(), "load_1min_before": round(load_before, 2),
                      "load_1min_after": round(os.getloadavg()[0], 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

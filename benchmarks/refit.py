"""Side-by-side refitting benchmark: sigforge's refit methods vs SigProfilerAssignment.

A synthetic cohort is drawn from COSMIC v3.6 SBS96 (GRCh37) signatures with known exposures and
Poisson noise; every tool refits it against the full COSMIC v3.6 set. Scored per tool:

- exposure error: L1 distance between fitted and planted exposures, as a fraction of the
  sample's burden (mean and median over samples);
- false positives: signatures given a nonzero exposure that were not planted (per sample);
- sensitivity: planted activities of at least 5% of a sample that were found;
- CPU time (user + system, child processes included).

SigProfilerAssignment is never a dependency of sigforge: it runs from its own virtual
environment, made on first use (``--peer-venv``; ``pip install SigProfilerAssignment==1.1.5``).
The script also times the per-patient command (``sigforge refit --vcf``) on a 30,000-SNV VCF.

    python benchmarks/refit.py --samples 200 --out benchmarks/out/refit
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.reference import load_reference
from sigforge.io import write_matrix
from sigforge.refit import RefitOptions, refit_matrix

#: Signatures the synthetic tumours draw from: common, flat (SBS3/5/40a) and similar pairs
#: (SBS2/SBS13, SBS7a/SBS7b, SBS10a/SBS10b, SBS17a/SBS17b).
POOL = ["SBS1", "SBS2", "SBS3", "SBS4", "SBS5", "SBS6", "SBS7a", "SBS7b", "SBS8", "SBS9",
        "SBS10a", "SBS10b", "SBS13", "SBS15", "SBS17a", "SBS17b", "SBS18", "SBS31", "SBS40a",
        "SBS44"]
SPA_PIN = "SigProfilerAssignment==1.1.5"


def synthetic_cohort(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts (96 x n) and planted exposures (COSMIC x n): 2-6 signatures per sample, each at
    least 5% of the sample, burdens log-uniform between 500 and 50,000, Poisson noise."""
    cosmic = load_reference("COSMIC_v3.6").data
    truth = pd.DataFrame(0.0, index=cosmic.columns, columns=[f"T{j:04d}" for j in range(n)])
    for sample in truth.columns:
        chosen = rng.choice(POOL, size=rng.integers(2, 7), replace=False)
        weights = rng.dirichlet(np.ones(len(chosen)))
        weights = 0.05 + weights * (1 - 0.05 * len(chosen))
        burden = float(np.exp(rng.uniform(np.log(500), np.log(50_000))))
        truth.loc[list(chosen), sample] = weights * burden
    counts = rng.poisson(cosmic.to_numpy() @ truth.to_numpy())
    return pd.DataFrame(counts, index=cosmic.index, columns=truth.columns), truth


def score(fitted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Exposure error, false positives and sensitivity of one tool's exposures."""
    fitted = fitted.reindex(index=truth.index, columns=truth.columns).fillna(0.0)
    burden = truth.sum(axis=0)
    error = (fitted - truth).abs().sum(axis=0) / burden
    planted = truth > 0
    found = fitted > 0
    major = truth >= 0.05 * burden
    return {"l1_mean": float(error.mean()), "l1_median": float(error.median()),
            "false_pos_per_sample": float((found & ~planted).sum().sum() / truth.shape[1]),
            "sensitivity": float((found & major).sum().sum() / major.sum().sum())}


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_sigforge(counts: pd.DataFrame, method: str) -> tuple[pd.DataFrame, float]:
    """Refit with one sigforge method; returns exposures and CPU seconds."""
    cosmic = load_reference("COSMIC_v3.6").data
    start = cpu_seconds()
    values = refit_matrix(counts.to_numpy(dtype=float), cosmic.to_numpy(),
                          RefitOptions(method=method, bootstrap=0))
    return pd.DataFrame(values, index=cosmic.columns, columns=counts.columns), \
        cpu_seconds() - start


def peer_python(venv: Path) -> Path:
    """The peer's interpreter, creating its virtual environment on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", SPA_PIN], check=True)
    return python


SPA_DRIVER = """
import sys
from SigProfilerAssignment import Analyzer
Analyzer.cosmic_fit(samples=sys.argv[1], output=sys.argv[2], input_type="matrix",
                    context_type="96", genome_build="GRCh37", cosmic_version=3.6,
                    make_plots=False, export_probabilities=False, verbose=False, cpu=1)
"""


def run_spa(counts: pd.DataFrame, python: Path, work: Path) -> tuple[pd.DataFrame, float]:
    """Refit with SigProfilerAssignment (default settings, one CPU); exposures, CPU seconds."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    write_matrix(counts, work / "catalog.tsv", integer=True)
    start = cpu_seconds()
    subprocess.run([str(python), "-c", SPA_DRIVER, str(work / "catalog.tsv"), str(work / "spa")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = cpu_seconds() - start
    activities = next((work / "spa").rglob("*Activities.txt"))
    table = pd.read_csv(activities, sep="\t", index_col=0).T
    return table.astype(float), elapsed


def time_patient(out: Path, rng: np.random.Generator, repeats: int) -> list[float]:
    """Wall seconds of `sigforge refit --vcf` on a 30,000-SNV VCF, 100 bootstraps."""
    import pysam

    genome = out / "patient_genome.fa"
    sequence = "".join(rng.choice(list("ACGT"), size=3_000_000))
    genome.write_text(">chr1\n" + "\n".join(sequence[i:i + 60]
                                             for i in range(0, len(sequence), 60)) + "\n")
    pysam.faidx(str(genome))
    positions = np.sort(rng.choice(np.arange(2, len(sequence) - 1), 30_000, replace=False))
    swap = {"A": "G", "C": "T", "G": "A", "T": "C"}
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=3000000>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"chr1\t{p}\t.\t{sequence[p - 1]}\t{swap[sequence[p - 1]]}\t.\tPASS\t."
              for p in positions]
    vcf = out / "patient.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    sigforge = Path(sys.executable).with_name("sigforge")
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(sigforge), "-q", "refit", "--vcf", str(vcf), "--reference",
                        str(genome), "--signatures", "COSMIC_v3.6", "--bootstrap", "100",
                        "--out", str(out / f"patient{i}")], check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Run every tool on one cohort, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/spa-venv"))
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--patient-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/refit"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    counts, truth = synthetic_cohort(args.samples, rng)
    rows = {}
    for method in ("nnls", "likelihood", "cosine"):
        fitted, cpu = run_sigforge(counts, method)
        rows[f"sigforge {method}"] = {**score(fitted, truth), "cpu_s": cpu}
    if not args.skip_peer:
        fitted, cpu = run_spa(counts, peer_python(args.peer_venv), args.out / "spa_work")
        rows["SigProfilerAssignment 1.1.5"] = {**score(fitted, truth), "cpu_s": cpu}
    table = pd.DataFrame(rows).T
    print(f"{args.samples} synthetic samples, COSMIC v3.6 SBS96 GRCh37 reference "
          f"({truth.shape[0]} signatures), seed {args.seed}")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    patient = time_patient(args.out, rng, args.patient_repeats)
    print(f"per-patient `sigforge refit --vcf` (30,000 SNVs, 100 bootstraps): wall "
          f"median {np.median(patient):.2f} s over {len(patient)} runs {np.round(patient, 2)}")
    table.to_csv(args.out / "refit_benchmark.tsv", sep="\t")
    (args.out / "patient_times.json").write_text(json.dumps(patient))


if __name__ == "__main__":
    main()

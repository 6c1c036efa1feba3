"""Side-by-side refitting benchmark: sigforge vs SigProfilerAssignment and NNLS, two protocols.

Cohorts come from :mod:`refit_cohorts` (synthetic tumours drawn from the published PCAWG
attributions; see its docstring):

- **per tumour type** (SBS96, DBS78, ID83): nine PCAWG tumour types, negative-binomial noise
  (``--noise``: per channel of the tumour's spectrum, per signature, or per channel of each
  signature's partial spectrum as SynSigGen draws it, with ``--nb-size``), each tumour
  refitted against its type's signature universe (MSI-H tumours also get the MSI signatures).
  Scored as in the published attribution-benchmark protocol: a signature is
  called at >= 0.5 mutations; per-tumour sensitivity, precision, scaled Manhattan distance
  (SMD) and Combined = sens + prec + 1 - SMD. An *oracle* row refits each tumour to exactly its
  true signatures (Poisson MLE): the ceiling the noise of this cohort allows.
- **whole COSMIC** (SBS96): tumours with nine planted signatures, Poisson noise, median about
  2,100 SNVs, refitted against all of COSMIC v3.6 (sigforge leaves out the 18 possible
  sequencing-artefact signatures by default, as the CLI does; the others get all 101).
  Scored: false-positive signatures per tumour, sensitivity, mean L1 distance of exposure
  fractions.

Tools: ``sigforge negbin`` (the default: pan-cancer prevalence prior, and the cohort prior
learnt from the tumours refitted together, i.e. those of one type and reference set),
``negbin + type`` (the tumour type's prior as the base, per-type protocol), ``negbin, no
cohort prior`` (every tumour on its own at the pan-cancer prior), ``sigforge likelihood``
(the previous default), NNLS, and SigProfilerAssignment 1.1.5 at its defaults (one CPU;
from its own virtual environment, made on first use, ``--peer-venv``; never a dependency of
sigforge). Several seeds: means and the spread (min-max) over seeds. Speed: sigforge's CPU per
sample against all
of COSMIC without resampling, and 100 bootstrap resamples of the whole-COSMIC cohort against
SigProfilerAssignment's CPU for its refit of the same cohort (same run). The script also
times the per-patient command (``sigforge refit --vcf``) on a 30,000-SNV VCF.

    python benchmarks/refit.py --seeds 1 2 3 --per-type 100 --samples 200
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import refit_cohorts as rc  # noqa: E402

from sigforge.genomics.reference import artefact_signatures, load_prevalence  # noqa: E402
from sigforge.io import write_matrix  # noqa: E402
from sigforge.refit import RefitOptions, refit_catalog  # noqa: E402

SPA_PIN = "SigProfilerAssignment==1.1.5"
SPA_CONTEXT = {"SBS96": "96", "DBS78": "DBS78", "ID83": "ID83"}


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_sigforge(counts: pd.DataFrame, signatures: pd.DataFrame, method: str,
                 prior: str | None = "pan-cancer", cohort_prior: bool = True
                 ) -> tuple[pd.DataFrame, float]:
    """Refit with one sigforge method (no resampling; the catalog is one cohort, whose own
    shares set the negbin prior unless ``cohort_prior`` is False); exposures and CPU seconds."""
    prevalence = load_prevalence(prior) if prior else None
    start = cpu_seconds()
    options = RefitOptions(method=method, bootstrap=0, cohort_prior=cohort_prior)
    result = refit_catalog(counts, signatures, options, prevalence=prevalence)
    return result.exposures, cpu_seconds() - start


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
database = sys.argv[4] if len(sys.argv) > 4 else None
Analyzer.cosmic_fit(samples=sys.argv[1], output=sys.argv[2], input_type="matrix",
                    context_type=sys.argv[3], genome_build="GRCh37", cosmic_version=3.6,
                    signature_database=database, make_plots=False,
                    collapse_to_SBS96=sys.argv[3] == "96",
                    export_probabilities=False, verbose=False, cpu=1)
"""


def run_spa(counts: pd.DataFrame, context: str, python: Path, work: Path,
            signatures: pd.DataFrame | None = None) -> tuple[pd.DataFrame, float]:
    """Refit with SigProfilerAssignment (defaults, one CPU), against all of COSMIC v3.6 or the
    given signatures; exposures and CPU seconds."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    write_matrix(counts, work / "catalog.tsv", integer=True)
    command = [str(python), "-c", SPA_DRIVER, str(work / "catalog.tsv"), str(work / "spa"),
               SPA_CONTEXT[context]]
    if signatures is not None:
        write_matrix(signatures, work / "signatures.tsv", label="Type")
        command.append(str(work / "signatures.tsv"))
    start = cpu_seconds()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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




def oracle(counts: pd.DataFrame, truth: pd.DataFrame, signatures: pd.DataFrame
           ) -> pd.DataFrame:
    """Poisson MLE of each tumour's exposures to exactly its true (>= 0.5) signatures."""
    from sigforge.refit import _nbkernel

    fitted = pd.DataFrame(0.0, index=truth.index, columns=truth.columns)
    for tumour in truth.columns:
        names = list(truth.index[truth[tumour] >= 0.5])
        x = counts[tumour].to_numpy(dtype=float)
        if not names or x.sum() == 0:
            continue
        weights = np.full(len(names), x.sum() / len(names))
        _nbkernel.poisson_fit(x, np.ascontiguousarray(signatures[names].to_numpy(float)),
                              np.arange(len(names)), len(names), weights)
        fitted.loc[names, tumour] = weights
    return fitted


def per_type(context: str, per_type: int, seed: int, spa: Path | None, work: Path,
             noise: str = "channel", nb_size: float = 10.0,
             only: list[str] | None = None) -> dict[str, dict[str, float]]:
    """The per-tumour-type protocol for one channel set and seed: scores per tool (all of
    them, or those named in ``only``)."""
    counts, truth, references = rc.type_cohort(context, per_type, np.random.default_rng(seed),
                                               noise, nb_size)
    cosmic = rc.reference(context)
    groups = rc.reference_groups(references)
    tools = {"sigforge negbin": ("negbin", "pan-cancer", True),
             "negbin + type": ("negbin", "type", True),
             "negbin, no cohort prior": ("negbin", "pan-cancer", False),
             "sigforge likelihood": ("likelihood", None, True), "NNLS": ("nnls", None, True)}
    tools = {name: spec for name, spec in tools.items() if not only or name in only}
    fitted = {name: pd.DataFrame(0.0, index=truth.index, columns=truth.columns)
              for name in [*tools, *(["SigProfilerAssignment"] if spa else [])]}
    cpu = dict.fromkeys(fitted, 0.0)
    for names, tumours in groups.items():
        signatures, sub = cosmic[list(names)], counts[tumours]
        tumour_type = tumours[0].split("::")[0]
        for tool, (method, prior, cohort) in tools.items():
            exposures, seconds = run_sigforge(sub, signatures, method,
                                              tumour_type if prior == "type" else prior, cohort)
            fitted[tool].loc[list(names), tumours] = exposures.to_numpy()
            cpu[tool] += seconds
        if spa:
            exposures, seconds = run_spa(sub, context, spa, work, signatures)
            fitted["SigProfilerAssignment"].loc[list(names), tumours] = \
                exposures.reindex(index=list(names), columns=tumours).fillna(0.0).to_numpy()
            cpu["SigProfilerAssignment"] += seconds
    rows = {tool: {**rc.score(table, truth), "cpu_s": cpu[tool]}
            for tool, table in fitted.items()}
    rows["oracle (true set)"] = {**rc.score(oracle(counts, truth, cosmic), truth),
                                 "cpu_s": float("nan")}
    return rows


def whole_cosmic(samples: int, seed: int, spa: Path | None, work: Path, bootstrap: int
                 ) -> dict[str, dict[str, float]]:
    """The whole-COSMIC protocol for one seed: scores and CPU per tool, plus the CPU of
    ``bootstrap`` resamples per tumour with the default method."""
    counts, truth = rc.cosmic_cohort(samples, np.random.default_rng(seed))
    cosmic = rc.reference("SBS96")
    kept = cosmic.drop(columns=artefact_signatures())
    rows = {}
    for tool, method, prior, cohort in (("sigforge negbin", "negbin", "pan-cancer", True),
                                        ("negbin, no cohort prior", "negbin", "pan-cancer",
                                         False),
                                        ("sigforge likelihood", "likelihood", None, True),
                                        ("NNLS", "nnls", None, True)):
        exposures, seconds = run_sigforge(counts, kept, method, prior, cohort)
        rows[tool] = {**rc.score(exposures, truth), "cpu_s": seconds}
    rows["sigforge negbin"]["ms_per_sample"] = 1000 * rows["sigforge negbin"]["cpu_s"] / samples
    start = cpu_seconds()
    refit_catalog(counts, kept, RefitOptions(bootstrap=bootstrap),
                  prevalence=load_prevalence("pan-cancer"))
    rows["sigforge negbin"]["bootstrap_cpu_s"] = cpu_seconds() - start
    if spa:
        exposures, seconds = run_spa(counts, "SBS96", spa, work)
        rows["SigProfilerAssignment"] = {**rc.score(exposures, truth), "cpu_s": seconds}
    return rows


def summarise(runs: list[dict[str, dict[str, float]]]) -> pd.DataFrame:
    """Mean over seeds of every score, with the min-max spread of each."""
    frames = [pd.DataFrame(run).T for run in runs]
    stacked = pd.concat(frames, keys=range(len(frames)))
    mean = stacked.groupby(level=1, sort=False).mean()
    low = stacked.groupby(level=1, sort=False).min()
    high = stacked.groupby(level=1, sort=False).max()
    spread = (high - low).add_suffix(" range")
    return pd.concat([mean, spread], axis=1)


COLUMNS = ["combined", "sensitivity", "precision", "smd", "false_pos_per_tumour",
           "l1_fraction", "cpu_s"]


def main() -> None:
    """Run both protocols over the seeds; print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--per-type", type=int, default=100,
                        help="tumours per tumour type (9 types) per channel set")
    parser.add_argument("--samples", type=int, default=200, help="whole-COSMIC tumours")
    parser.add_argument("--contexts", nargs="*", default=["SBS96", "DBS78", "ID83"],
                        help="channel sets of the per-type protocol (none: skip it)")
    parser.add_argument("--skip-whole-cosmic", action="store_true")
    parser.add_argument("--noise", choices=["channel", "signature", "partial"],
                        default="channel",
                        help="per-type protocol: negative-binomial noise per channel (truth: "
                             "expected exposures), per signature (truth: realised counts), or "
                             "per channel of each signature's partial spectrum, SynSigGen's "
                             "model (truth: realised counts)")
    parser.add_argument("--nb-size", type=float, default=10.0,
                        help="negative-binomial size of --noise partial")
    parser.add_argument("--tools", nargs="*", default=None,
                        help="sigforge tools of the per-type protocol to run (default: all)")
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/spa-venv"))
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--patient-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/refit"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    spa = None if args.skip_peer else peer_python(args.peer_venv)
    work = args.out / "spa_work"
    for context in args.contexts:
        table = summarise([per_type(context, args.per_type, seed, spa, work, args.noise,
                                    args.nb_size, args.tools)
                           for seed in args.seeds])
        print(f"\nper tumour type, {context}: {len(rc.TYPES)} types x {args.per_type} tumours, "
              f"{args.noise} noise, seeds {args.seeds} (mean; ' range' = max - min over seeds)")
        print(table[[c for c in table.columns if c.split(" ")[0] in COLUMNS]].to_string(
            float_format=lambda v: f"{v:.3f}"))
        label = args.noise + (f"{args.nb_size:g}" if args.noise == "partial" else "")
        table.to_csv(args.out / f"per_type_{context}_{label}.tsv", sep="\t")
    if not args.skip_whole_cosmic:
        table = summarise([whole_cosmic(args.samples, seed, spa, work, args.bootstrap)
                           for seed in args.seeds])
        print(f"\nwhole COSMIC: {args.samples} tumours, seeds {args.seeds}")
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        table.to_csv(args.out / "whole_cosmic.tsv", sep="\t")
    if not args.patient_repeats:
        return
    patient = time_patient(args.out, np.random.default_rng(args.seeds[0]), args.patient_repeats)
    print(f"per-patient `sigforge refit --vcf` (30,000 SNVs, 100 bootstraps): wall "
          f"median {np.median(patient):.2f} s over {len(patient)} runs {np.round(patient, 2)}")
    (args.out / "patient_times.json").write_text(json.dumps(patient))


if __name__ == "__main__":
    main()

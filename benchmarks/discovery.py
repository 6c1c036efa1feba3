"""Discovery benchmark: planted SBS96 cohorts, sigforge's choice of rank and signatures, and
SigProfilerExtractor side by side on one of them.

Part 1 plants cohorts from COSMIC v3.6 (:mod:`synthetic`: 5-20 signatures, 50-1000 samples,
flat and similar signatures included), runs ``sigforge.discovery.run_discovery`` with the
workflow defaults (Poisson bootstrap, KL MU to tol 1e-7 or 5,000 iterations, held-out CV with 5
folds x 2 starts, the rank rule of ``sigforge.discovery.rank``) on ranks around the truth, and
scores the chosen rank's signatures against the planted ones (Hungarian matching, true positive
at cosine >= 0.90). CPU seconds are this process's user + system time (all threads); with
``--repeats`` the sigforge figures are medians.

Part 2 (``--spe-cohort NAME``) runs SigProfilerExtractor 1.4.1 (``cpu=1``, one torch thread,
its defaults otherwise: GMM normalisation, multinomial resampling, >= 10,000 iterations) on the
same catalog, ranks and replicates in its own venv (``--peer-venv``, created when missing, see
:mod:`spe_peer`) and scores its suggested solution the same way. ``--spe-dir`` reuses a finished
SigProfilerExtractor run (its ``timing.json`` has the CPU time measured when it ran).

    python benchmarks/discovery.py --out /tmp/discovery-bench \\
        --spe-cohort mod6 --peer-venv /tmp/spe-venv
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spe_peer import ensure_venv, read_spe_signatures, read_spe_timing, run_spe  # noqa: E402
from synthetic import (  # noqa: E402
    Cohort,
    CohortSpec,
    PcawgSpec,
    pcawg_cohort,
    plant_cohort,
    score_signatures,
    spe_matrix,
)

from sigforge.discovery.crossval import CVOptions  # noqa: E402
from sigforge.discovery.pipeline import NMFOptions, cv_fold_table, run_discovery  # noqa: E402
from sigforge.discovery.rank import RankRule  # noqa: E402

#: The grid: (spec, replicates). Ranks tried: truth - 2 .. truth + 2.
COHORTS = [
    (CohortSpec("clear5", ("SBS1", "SBS2", "SBS13", "SBS17b", "SBS18"), 100, seed=1), 20),
    (CohortSpec("mod6", ("SBS1", "SBS2", "SBS13", "SBS5", "SBS40a", "SBS18"), 80, seed=6), 10),
    (CohortSpec("flat5", ("SBS1", "SBS3", "SBS5", "SBS40a", "SBS18"), 300, seed=3), 20),
    (CohortSpec("few50", ("SBS1", "SBS2", "SBS13", "SBS5", "SBS7a", "SBS17b", "SBS18"), 50,
                seed=4), 20),
    (CohortSpec("many10", ("SBS1", "SBS2", "SBS3", "SBS5", "SBS7a", "SBS8", "SBS13",
                           "SBS17b", "SBS18", "SBS40a"), 500, seed=5), 20),
    (CohortSpec("wide20", ("SBS1", "SBS2", "SBS3", "SBS4", "SBS5", "SBS6", "SBS7a", "SBS8",
                           "SBS9", "SBS10a", "SBS11", "SBS12", "SBS13", "SBS14", "SBS15",
                           "SBS17a", "SBS17b", "SBS18", "SBS40a", "SBS44"), 1000, seed=7), 20),
    # Hard cohorts: overdispersed counts (negative binomial, size 20-30) and burdens from tens
    # to millions. hyper15: UV and POLE hypermutators carry most mutations.
    (CohortSpec("hyper15", ("SBS1", "SBS2", "SBS3", "SBS5", "SBS8", "SBS13", "SBS17a",
                            "SBS17b", "SBS18", "SBS40a", "SBS7a", "SBS7b", "SBS10a", "SBS10b",
                            "SBS28"), 200, median_burden=1500, burden_sigma=1.0, seed=11,
                noise_size=30,
                hypermutators=((("SBS7a", "SBS7b"), 0.10, 30, 1000),
                               (("SBS10a", "SBS10b", "SBS28"), 0.05, 100, 3000))), 20),
    # corr8: the four UV signatures SBS7a-d always together, with APOBEC and clock-like ones.
    (CohortSpec("corr8", ("SBS1", "SBS2", "SBS5", "SBS13", "SBS7a", "SBS7b", "SBS7c",
                          "SBS7d"), 300, median_burden=2000, seed=12, noise_size=30,
                hypermutators=((("SBS7a", "SBS7b", "SBS7c", "SBS7d"), 0.3, 3, 30),)), 20),
    # flat9: four flat signatures (SBS3, SBS5, SBS8, SBS40a) among nine, overdispersed.
    (CohortSpec("flat9", ("SBS1", "SBS2", "SBS3", "SBS5", "SBS8", "SBS13", "SBS17b", "SBS18",
                          "SBS40a"), 200, seed=13, noise_size=20), 20),
    # low5: SBS58 present in 60% of the tumours but at a tenth of the others' weight.
    (CohortSpec("low5", ("SBS1", "SBS5", "SBS13", "SBS18", "SBS58"), 200, seed=14,
                noise_size=30, relative=(1, 1, 1, 1, 0.1)), 20),
    # ten200: ten signatures, two of them flat, in only 200 overdispersed tumours.
    (CohortSpec("ten200", ("SBS1", "SBS2", "SBS5", "SBS6", "SBS8", "SBS13", "SBS17a",
                           "SBS17b", "SBS18", "SBS40a"), 200, median_burden=2000, seed=15,
                noise_size=20), 20),
    # three3: three signatures, one flat, in 300 overdispersed tumours (a small rank).
    (CohortSpec("three3", ("SBS1", "SBS5", "SBS18"), 300, seed=16, noise_size=20), 20),
]

#: Realistic multi-type cohorts (:func:`synthetic.pcawg_cohort`; need ../shared/data/real):
#: renal + ovarian tumours as in SynSigGen's published discovery sets, SynSigGen noise of size
#: 10. Run only when named with --cohorts.
PCAWG_COHORTS = [
    (PcawgSpec("renal_ovary", ("Kidney-RCC", "Ovary-AdenoCA"), 500, seed=21, noise_size=10), 20),
]


#: Rank-metrics columns kept in results.json, to see why a rank was or was not chosen.
PER_RANK = ["mean_stability", "min_stability", "converged_fraction", "median_iterations",
            "cv_error", "cv_se", "candidate"]


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ranks_around(k: int, width: int = 2) -> range:
    """Ranks tried for a cohort of k planted signatures: k - width .. k + width."""
    return range(max(2, k - width), k + width + 1)


def run_sigforge(cohort: Cohort, ranks: range, replicates: int, threads: int,
                 repeats: int, options: NMFOptions, cv: CVOptions) -> dict:
    """Discovery with workflow defaults, ``repeats`` times (same bits each time); its choice,
    score and median cost."""
    walls, cpus = [], []
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), cpu_seconds()
        found = run_discovery(cohort.catalog, list(ranks), replicates=replicates,
                              chunk_size=10, seed=20261128, matrix_name=cohort.spec.name,
                              options=options, rule=RankRule(),
                              cv=cv, threads=threads)
        walls.append(time.perf_counter() - start_wall)
        cpus.append(cpu_seconds() - start_cpu)
    wall, cpu = float(np.median(walls)), float(np.median(cpus))
    score = score_signatures(found.chosen.signatures, cohort.signatures)
    per_rank = {k: score_signatures(result.signatures, cohort.signatures)
                for k, result in found.ranks.items()}
    planted = cohort.signatures.shape[1]
    metrics = found.choice.metrics
    tool = "sigforge" if cv.folds else "sigforge, no CV"
    return {"tool": tool, "chosen_rank": found.choice.rank, "wall_s": wall, "cpu_s": cpu,
            **_score_fields(score),
            "min_cosine_at_true_rank": (per_rank[planted].min_matched_cosine
                                        if planted in per_rank else None),
            "tp_fp_per_rank": {k: (s.true_positives, s.false_positives)
                               for k, s in per_rank.items()},
            "cv_argmin": int(metrics["cv_error"].idxmin()) if cv.folds else None,
            "candidates": [int(k) for k in metrics.index[metrics["candidate"]]],
            "per_rank": metrics[[c for c in PER_RANK if c in metrics.columns]].to_dict(),
            "metrics": rule_inputs(metrics),
            "cv_folds": cv_fold_table(found.cv).to_dict(orient="index") if found.cv else None,
            "matches": score.matches.to_dict(orient="records"),
            "components": {k: component_records(result, cohort.signatures)
                           for k, result in found.ranks.items()},
            "spectra": {k: result.signatures.to_dict(orient="list")
                        for k, result in found.ranks.items()}}


def component_records(result, planted: pd.DataFrame) -> list[dict]:
    """Per component of one rank: its stability, share of the exposures, best cosine to a
    planted signature (and which) and to another component of the rank, for replaying rules
    that keep or drop components."""
    a = result.signatures.to_numpy(dtype=np.float64)
    b = planted.loc[result.signatures.index].to_numpy(dtype=np.float64)
    a = a / np.maximum(np.linalg.norm(a, axis=0, keepdims=True), 1e-300)
    b = b / np.maximum(np.linalg.norm(b, axis=0, keepdims=True), 1e-300)
    cosine = a.T @ b
    totals = result.exposures.to_numpy(dtype=np.float64).sum(axis=1)
    shares = totals / max(totals.sum(), 1e-300)
    stability = result.stability["stability"].reindex(result.signatures.columns)
    among = a.T @ a
    np.fill_diagonal(among, -1.0)
    return [{"name": str(name), "stability": float(stability.iloc[i]),
             "share": float(shares[i]), "best_cosine": float(cosine[i].max()),
             "best": str(planted.columns[int(cosine[i].argmax())]),
             "closest_other": float(among[i].max()) if len(among) > 1 else None}
            for i, name in enumerate(result.signatures.columns)]


def rule_inputs(metrics: pd.DataFrame) -> dict:
    """The rank-metrics columns the rank rule reads, per rank: enough to apply another rule to
    a finished run (benchmarks/rank_rules.py) without refactoring it."""
    return metrics[[c for c in metrics.columns
                    if c not in ("stable", "gap_consistent", "candidate", "accepted",
                                 "selected")]].to_dict(orient="index")


def _score_fields(score) -> dict:  # noqa: ANN001
    """The scalar fields of a Score."""
    return {"tp": score.true_positives, "fp": score.false_positives,
            "fn": score.false_negatives, "mean_cosine": score.mean_matched_cosine,
            "min_cosine": score.min_matched_cosine}


def run_peer(cohort: Cohort, ranks: range, replicates: int, out: Path, venv: Path,
             existing: Path | None) -> dict:
    """SigProfilerExtractor on the cohort (or a finished run of it), scored like sigforge."""
    if existing is None:
        matrix = out / f"{cohort.spec.name}_spe.txt"
        spe_matrix(cohort.catalog).to_csv(matrix, sep="\t")
        existing = out / f"spe_{cohort.spec.name}"
        run_spe(ensure_venv(venv), matrix, existing, ranks, replicates)
    timing = read_spe_timing(existing)
    found = read_spe_signatures(existing)
    score = score_signatures(found.reindex(cohort.signatures.index), cohort.signatures)
    return {"tool": "SigProfilerExtractor 1.4.1", "chosen_rank": found.shape[1],
            "wall_s": timing["wall_s"], "cpu_s": timing["cpu_s"], **_score_fields(score),
            "matches": score.matches.to_dict(orient="records")}


def markdown(rows: list[dict]) -> str:
    """The results as a markdown table."""
    header = ("| cohort | samples | planted k | ranks | replicates | tool | chosen k | TP | FP "
              "| FN | mean cos | min cos | wall s | CPU s |")
    lines = [header, "|" + "---|" * 14]
    for r in rows:
        lines.append(f"| {r['cohort']} | {r['samples']} | {r['true_rank']} | {r['ranks']} | "
                     f"{r['replicates']} | {r['tool']} | {r['chosen_rank']} | {r['tp']} | "
                     f"{r['fp']} | {r['fn']} | {r['mean_cosine']:.3f} | {r['min_cosine']:.3f} "
                     f"| {r['wall_s']:.1f} | {r['cpu_s']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    """Run the grid (or the named cohorts) and the peer; write results.json and table.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cohorts", nargs="*", default=None, help="names from the grid")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cv-folds", type=int, default=5,
                        help="held-out folds per rank for sigforge; 0 = rule without CV")
    parser.add_argument("--repeats", type=int, default=1,
                        help="sigforge runs per cohort; wall and CPU are medians")
    parser.add_argument("--spe-cohort", default=None, help="cohort to run the peer on")
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/spe-venv"))
    parser.add_argument("--spe-dir", type=Path, default=None,
                        help="a finished SigProfilerExtractor run of --spe-cohort to reuse")
    parser.add_argument("--width", type=int, default=2,
                        help="ranks tried: planted - width .. planted + width")
    parser.add_argument("--ranks", default=None, metavar="LO-HI",
                        help="ranks tried, instead of planted - width .. planted + width")
    parser.add_argument("--replicates", type=int, default=None,
                        help="replicates per rank for every cohort (default: the grid's)")
    parser.add_argument("--cohort-seed", type=int, default=None,
                        help="another draw of the PCAWG cohorts (their seed; default: as listed)")
    parser.add_argument("--starts", type=int, default=NMFOptions.starts,
                        help="random starts per replicate (sigforge's extract.starts)")
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="another draw of every cohort: each listed seed plus this "
                             "(--cohort-seed still sets the PCAWG cohorts' seed)")
    parser.add_argument("--normalisation", default=NMFOptions.normalisation,
                        help="sigforge's extract.normalisation")
    parser.add_argument("--cap", type=float, default=NMFOptions.cap,
                        help="sigforge's extract.cap")
    parser.add_argument("--max-iter", type=int, default=NMFOptions.max_iter)
    parser.add_argument("--tol", type=float, default=NMFOptions.tol)
    parser.add_argument("--volume", type=float, default=NMFOptions.volume,
                        help="sigforge's extract.volume (minimum-volume refinement)")
    parser.add_argument("--cv-max-iter", type=int, default=CVOptions.max_iter)
    parser.add_argument("--cv-starts", type=int, default=CVOptions.starts)
    parser.add_argument("--cv-scheme", default=CVOptions.scheme)
    args = parser.parse_args()
    options = NMFOptions(normalisation=args.normalisation, max_iter=args.max_iter,
                         cap=args.cap, tol=args.tol, volume=args.volume, starts=args.starts)
    cv = CVOptions(folds=args.cv_folds, normalisation=args.normalisation, cap=args.cap,
                   max_iter=args.cv_max_iter, starts=args.cv_starts, tol=args.tol,
                   scheme=args.cv_scheme)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    named = set(args.cohorts or []) | {args.spe_cohort}
    grid = [(spec, n) for spec, n in COHORTS if args.cohorts is None or spec.name in named]
    grid += [(spec, n) for spec, n in PCAWG_COHORTS if spec.name in named]
    for spec, replicates in grid:
        replicates = args.replicates or replicates
        spec = dataclasses.replace(spec, seed=spec.seed + args.seed_offset)
        if isinstance(spec, PcawgSpec):
            if args.cohort_seed is not None:
                spec = dataclasses.replace(spec, seed=args.cohort_seed)
            cohort = pcawg_cohort(spec)
        else:
            cohort = plant_cohort(spec)
        planted = cohort.signatures.shape[1]
        ranks = ranks_around(planted, args.width)
        if args.ranks:
            low, _, high = args.ranks.partition("-")
            ranks = range(int(low), int(high or low) + 1)
        base = {"cohort": spec.name, "cohort_seed": getattr(spec, "seed", None),
                "samples": cohort.catalog.shape[1], "true_rank": planted,
                "ranks": f"{ranks.start}-{ranks.stop - 1}", "replicates": replicates,
                "planted_in_tumours": {name: int((cohort.exposures.loc[name] > 0).sum())
                                       for name in cohort.signatures.columns}}
        rows.append({**base, **run_sigforge(cohort, ranks, replicates, args.threads,
                                                 args.repeats, options, cv)})
        print(markdown(rows[-1:]), flush=True)
        if spec.name == args.spe_cohort:
            rows.append({**base, **run_peer(cohort, ranks, replicates, args.out,
                                            args.peer_venv, args.spe_dir)})
            print(markdown(rows[-1:]), flush=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1, default=float))
    (args.out / "table.md").write_text(markdown(rows) + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main()

# Held-out-entry cross-validation per rank (one job per rank, all folds), then the choice of
# the number of signatures from the per-rank metrics; export the chosen rank.

CV = config["rank"]


rule cross_validate:
    input:
        catalog=rules.merge_catalogs.output.matrix,
    output:
        cv="results/extract/SBS96/k{k}/cv.npz",
    log:
        "logs/rank/SBS96/cv_k{k}.log",
    benchmark:
        "results/benchmarks/rank/SBS96/cv_k{k}.tsv"
    params:
        seed=config["seed"],
        max_iter=EXTRACT["max_iter"],
        min_iter=EXTRACT["min_iter"],
        tol=EXTRACT["tol"],
        folds=CV["cv_folds"],
        holdout=CV["cv_holdout"],
        starts=CV["cv_starts"],
        cv_max_iter=CV["cv_max_iter"],
        normalisation=EXTRACT["normalisation"],
        cap=EXTRACT["cap"],
    threads: 1
    resources:
        mem_mb=cross_validate_mem_mb,
        runtime=cross_validate_runtime,
    # All ranks' CV jobs share one SLURM submission (cluster/config.yaml: cv=50).
    group:
        "cv"
    conda:
        "../../environment.yml"
    shell:
        "sigforge cross-validate --catalog {input.catalog:q} --catalog-name SBS96"
        " --k {wildcards.k} --seed {params.seed} --max-iter {params.max_iter}"
        " --min-iter {params.min_iter} --tol {params.tol} --cv-folds {params.folds}"
        " --cv-holdout {params.holdout} --cv-starts {params.starts}"
        " --cv-max-iter {params.cv_max_iter}"
        " --normalisation {params.normalisation} --cap {params.cap}"
        " --out {output.cv:q} 2> {log:q}"



rule select_rank:
    input:
        metrics=expand("results/extract/SBS96/k{k}/metrics.json", k=RANKS),
        signatures=expand("results/extract/SBS96/k{k}/signatures.tsv", k=RANKS),
        cv=expand("results/extract/SBS96/k{k}/cv.npz", k=RANKS) if CV["cv_folds"] > 0 else [],
    output:
        metrics="results/extract/SBS96/rank_metrics.tsv",
        signatures="results/extract/SBS96/signatures.tsv",
        exposures="results/extract/SBS96/exposures.tsv",
        stability="results/extract/SBS96/stability.tsv",
        provenance="results/extract/SBS96/provenance.json",
    log:
        "logs/rank/SBS96.log",
    params:
        dirs=expand("results/extract/SBS96/k{k}", k=RANKS),
        fixed=(f"--fixed-rank {config['rank']['fixed']}" if config["rank"]["fixed"] else ""),
        mean=config["rank"]["min_mean_stability"],
        component=config["rank"]["min_component_stability"],
        gain=config["rank"]["min_error_gain"],
        facts=[
            f"seed={config['seed']}",
            "catalog_name=SBS96",
            f"ranks={RANKS}",
            f"replicates={EXTRACT['replicates']}",
            f"nmf=max_iter={EXTRACT['max_iter']},min_iter={EXTRACT['min_iter']},tol={EXTRACT['tol']},resampling={EXTRACT['resampling']},normalisation={EXTRACT['normalisation']},cap={EXTRACT['cap']}",
            f"cross_validation=folds={CV['cv_folds']},holdout={CV['cv_holdout']},starts={CV['cv_starts']},max_iter={CV['cv_max_iter']}",
        ],
        outdir=subpath(output.metrics, parent=True),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    group:
        "rank"
    conda:
        "../../environment.yml"
    shell:
        "sigforge select-rank --rank-dirs {params.dirs:q} {params.fixed}"
        " --min-mean-stability {params.mean} --min-component-stability {params.component}"
        " --min-error-gain {params.gain} --cv {input.cv:q} --provenance {params.facts:q}"
        " --out {params.outdir:q} 2> {log:q}"

# Held-out-entry cross-validation per rank (one job per rank, all folds), then the choice of
# the number of signatures from the per-rank metrics; export the chosen rank.

# the share the scheme does not read at its default: a value warned of as inert reruns nothing
CV = inert.effective_cv(config["rank"], SCHEMA)
#: The rank section's keys of the cross-validation (the other keys only choose the rank).
CV_KEYS = ("cv_folds", "cv_scheme", "cv_holdout", "cv_block", "cv_starts", "cv_max_iter")


rule cross_validate:
    input:
        catalog=catalog_matrix,
    output:
        cv=out("extract/{catalog}/k{k}/cv.npz"),
    log:
        out("logs/rank/{catalog}/cv_k{k}.log"),
    benchmark:
        out("benchmarks/rank/{catalog}/cv_k{k}.tsv")
    params:
        seed=config["seed"],
        max_iter=EXTRACT["max_iter"],
        min_iter=EXTRACT["min_iter"],
        tol=EXTRACT["tol"],
        folds=CV["cv_folds"],
        scheme=CV["cv_scheme"],
        holdout=CV["cv_holdout"],
        block=CV["cv_block"],
        starts=CV["cv_starts"],
        cv_max_iter=CV["cv_max_iter"],
        normalisation=EXTRACT["normalisation"],
        cap=EXTRACT["cap"],
        mode=rank_mode_flags,
        # the settings above by name, for Snakemake's params rerun trigger (flags.named_settings)
        settings=flags.named_settings(seed=config["seed"], max_iter=EXTRACT["max_iter"],
                                      min_iter=EXTRACT["min_iter"], tol=EXTRACT["tol"],
                                      cv={key: CV[key] for key in CV_KEYS},
                                      normalisation=EXTRACT["normalisation"], cap=EXTRACT["cap"],
                                      mode=RANK_MODE_SETTINGS),
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
        "sigforge cross-validate --catalog {input.catalog:q}"
        " --catalog-name {wildcards.catalog:q} --k {wildcards.k:q} {params.mode:q}"
        " --seed {params.seed:q} --max-iter {params.max_iter:q} --min-iter {params.min_iter:q}"
        " --tol {params.tol:q} --cv-folds {params.folds:q} --cv-scheme {params.scheme:q}"
        " --cv-holdout {params.holdout:q} --cv-block {params.block:q}"
        " --cv-starts {params.starts:q} --cv-max-iter {params.cv_max_iter:q}"
        " --normalisation {params.normalisation:q} --cap {params.cap:q}"
        " --out {output.cv:q} 2> {log:q}"



rule select_rank:
    input:
        catalog=catalog_matrix,
        metrics=expand(out("extract/{{catalog}}/k{k}/metrics.json"), k=RANKS),
        signatures=expand(out("extract/{{catalog}}/k{k}/signatures.tsv"), k=RANKS),
        cv=expand(out("extract/{{catalog}}/k{k}/cv.npz"), k=RANKS) if CV["cv_folds"] > 0 else [],
    output:
        metrics=out("extract/{catalog}/rank_metrics.tsv"),
        signatures=out("extract/{catalog}/signatures.tsv"),
        exposures=out("extract/{catalog}/exposures.tsv"),
        stability=out("extract/{catalog}/stability.tsv"),
        provenance=out("extract/{catalog}/provenance.json"),
    log:
        out("logs/rank/{catalog}.log"),
    benchmark:
        out("benchmarks/rank/{catalog}.tsv")
    # provenance.json records these options as `sigforge extract` does (same file from both).
    params:
        mode=MODE_FLAGS,
        dirs=rank_dirs,
        ranks=",".join(str(k) for k in RANKS),
        seed=config["seed"],
        replicates=EXTRACT["replicates"],
        max_iter=EXTRACT["max_iter"],
        min_iter=EXTRACT["min_iter"],
        tol=EXTRACT["tol"],
        resampling=RESAMPLING,
        normalisation=EXTRACT["normalisation"],
        cap=EXTRACT["cap"],
        volume=EXTRACT["volume"],
        nmf_starts=EXTRACT["starts"],
        folds=CV["cv_folds"],
        scheme=CV["cv_scheme"],
        holdout=CV["cv_holdout"],
        block=CV["cv_block"],
        starts=CV["cv_starts"],
        cv_max_iter=CV["cv_max_iter"],
        fixed=(["--fixed-rank", CV["fixed"]] if CV["fixed"] else []),
        group=[],  # select_rank_group: --group NAME, recorded in provenance.json
        mean=CV["min_mean_stability"],
        component=CV["min_component_stability"],
        gain=CV["min_error_gain"],
        drop=CV["drop_below_stability"],
        max_dropped=CV["max_dropped_components"],
        rescue=CV["rescue_min_stability"],
        rescue_cosine=CV["rescue_max_cosine"],
        # the settings above by name, for Snakemake's params rerun trigger (flags.named_settings)
        settings=flags.named_settings(seed=config["seed"], extract={
            key: EXTRACT[key] for key in ("replicates", "max_iter", "min_iter", "tol",
                                          "normalisation", "cap", "volume", "starts")},
                                      resampling=RESAMPLING, rank=CV, mode=MODE_FLAGS),
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
        "sigforge select-rank --rank-dirs {params.dirs:q} --cv {input.cv:q}"
        " --catalog {input.catalog:q} --catalog-name {wildcards.catalog:q}"
        " --ranks {params.ranks:q} {params.mode:q} --seed {params.seed:q}"
        " --replicates {params.replicates:q} --max-iter {params.max_iter:q}"
        " --min-iter {params.min_iter:q} --tol {params.tol:q}"
        " --resampling {params.resampling:q} --normalisation {params.normalisation:q}"
        " --cap {params.cap:q} --volume {params.volume:q} --starts {params.nmf_starts:q}"
        " --cv-folds {params.folds:q} --cv-scheme {params.scheme:q}"
        " --cv-holdout {params.holdout:q} --cv-block {params.block:q}"
        " --cv-starts {params.starts:q} --cv-max-iter {params.cv_max_iter:q} {params.fixed:q}"
        " {params.group:q}"
        " --min-mean-stability {params.mean:q} --min-component-stability {params.component:q}"
        " --min-error-gain {params.gain:q} --drop-below-stability {params.drop:q}"
        " --max-dropped-components {params.max_dropped:q}"
        " --rescue-min-stability {params.rescue:q} --rescue-max-cosine {params.rescue_cosine:q}"
        " --out {params.outdir:q} 2> {log:q}"

# Fan-out: one job per (rank k, chunk of replicates). Chunk c always holds the same replicate
# indices and every replicate's randomness comes from (seed, catalog, k, r), so the results do
# not depend on how the replicates are split into jobs.


rule nmf_chunk:
    input:
        catalog=catalog_matrix,
    output:
        chunk=out("extract/{catalog}/k{k}/chunks/chunk{chunk}.npz"),
    log:
        out("logs/extract/{catalog}/k{k}/chunk{chunk}.log"),
    benchmark:
        out("benchmarks/extract/{catalog}/k{k}/chunk{chunk}.tsv")
    params:
        first=chunk_first,
        n_replicates=chunk_count,
        seed=config["seed"],
        max_iter=EXTRACT["max_iter"],
        min_iter=EXTRACT["min_iter"],
        tol=EXTRACT["tol"],
        resampling=RESAMPLING,
        mode=chunk_mode_flags,
        normalisation=EXTRACT["normalisation"],
        cap=EXTRACT["cap"],
        volume=EXTRACT["volume"],
        starts=EXTRACT["starts"],
        # the settings above by name, for Snakemake's params rerun trigger (flags.named_settings)
        settings=flags.named_settings(seed=config["seed"], max_iter=EXTRACT["max_iter"],
                                      min_iter=EXTRACT["min_iter"], tol=EXTRACT["tol"],
                                      resampling=RESAMPLING, mode=RANK_MODE_SETTINGS,
                                      normalisation=EXTRACT["normalisation"], cap=EXTRACT["cap"],
                                      volume=EXTRACT["volume"], starts=EXTRACT["starts"]),
    threads: 1
    resources:
        mem_mb=nmf_chunk_mem_mb,
        runtime=nmf_chunk_runtime,
    # Chunks are seconds to minutes each; cluster/config.yaml packs 50 into one SLURM job.
    group:
        "nmf"
    conda:
        "../../environment.yml"
    shell:
        "sigforge replicates --catalog {input.catalog:q} --catalog-name {wildcards.catalog:q}"
        " --k {wildcards.k:q} {params.mode:q}"
        " --first {params.first:q} --count {params.n_replicates:q} --seed {params.seed:q}"
        " --max-iter {params.max_iter:q} --min-iter {params.min_iter:q} --tol {params.tol:q}"
        " --resampling {params.resampling:q} --normalisation {params.normalisation:q}"
        " --cap {params.cap:q} --volume {params.volume:q} --starts {params.starts:q}"
        " --out {output.chunk:q} 2> {log:q}"

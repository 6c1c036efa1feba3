# Per rank: cluster the replicate signatures into k stable consensus signatures.


rule consensus:
    input:
        catalog=catalog_matrix,
        chunks=rank_chunks,
    output:
        signatures=out("extract/{catalog}/k{k}/signatures.tsv"),
        exposures=out("extract/{catalog}/k{k}/exposures.tsv"),
        stability=out("extract/{catalog}/k{k}/stability.tsv"),
        metrics=out("extract/{catalog}/k{k}/metrics.json"),
    log:
        out("logs/consensus/{catalog}/k{k}.log"),
    benchmark:
        out("benchmarks/consensus/{catalog}/k{k}.tsv")
    params:
        mode=rank_mode_flags,
        outdir=subpath(output.signatures, parent=True),
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=consensus_mem_mb,
        runtime=30,
    # With select_rank: every rank's consensus and the rank choice run as one SLURM job.
    group:
        "rank"
    conda:
        "../../environment.yml"
    shell:
        "sigforge consensus --catalog {input.catalog:q} --catalog-name {wildcards.catalog:q}"
        " --k {wildcards.k:q} {params.mode:q}"
        " --seed {params.seed:q}"
        " --chunks {input.chunks:q} --out {params.outdir:q} 2> {log:q}"

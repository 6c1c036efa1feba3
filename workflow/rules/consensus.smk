# Per rank: cluster the replicate signatures into k stable consensus signatures.


rule consensus:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        chunks=rank_chunks,
    output:
        signatures="results/extract/SBS96/k{k}/signatures.tsv",
        exposures="results/extract/SBS96/k{k}/exposures.tsv",
        stability="results/extract/SBS96/k{k}/stability.tsv",
        metrics="results/extract/SBS96/k{k}/metrics.json",
    log:
        "logs/consensus/SBS96/k{k}.log",
    benchmark:
        "results/benchmarks/consensus/SBS96/k{k}.tsv"
    params:
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
        "sigforge consensus --catalog {input.catalog:q} --catalog-name SBS96 --k {wildcards.k}"
        " --seed {params.seed}"
        " --chunks {input.chunks:q} --out {params.outdir:q} 2> {log:q}"

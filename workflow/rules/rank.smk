# Choose the number of signatures from the per-rank metrics; export the chosen rank.


rule select_rank:
    input:
        metrics=expand("results/extract/{{catalog}}/k{k}/metrics.json", k=RANKS),
        signatures=expand("results/extract/{{catalog}}/k{k}/signatures.tsv", k=RANKS),
    output:
        metrics="results/extract/{catalog}/rank_metrics.tsv",
        signatures="results/extract/{catalog}/signatures.tsv",
        exposures="results/extract/{catalog}/exposures.tsv",
        stability="results/extract/{catalog}/stability.tsv",
        provenance="results/extract/{catalog}/provenance.json",
    log:
        "logs/rank/{catalog}.log",
    params:
        generic=GENERIC,
        dirs=rank_dirs,
        fixed=(f"--fixed-rank {config['rank']['fixed']}" if config["rank"]["fixed"] else ""),
        mean=config["rank"]["min_mean_stability"],
        component=config["rank"]["min_component_stability"],
        gain=config["rank"]["min_error_gain"],
        facts=[
            f"seed={config['seed']}",
            f"catalog_name={CATALOG}",
            f"ranks={RANKS}",
            f"replicates={EXTRACT['replicates']}",
            f"nmf=max_iter={EXTRACT['max_iter']},min_iter={EXTRACT['min_iter']},tol={EXTRACT['tol']},resampling={RESAMPLING}",
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
        "sigforge select-rank --rank-dirs {params.dirs:q} {params.fixed} {params.generic}"
        " --min-mean-stability {params.mean} --min-component-stability {params.component}"
        " --min-error-gain {params.gain} --provenance {params.facts:q}"
        " --out {params.outdir:q} 2> {log:q}"

# Per-sample NNLS exposures against the chosen de novo signatures or a reference set.
# Only refit settings reach this rule, so changing them never reruns discovery.


rule refit:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        signatures=refit_signatures,
    output:
        exposures="results/refit/SBS96/exposures.tsv",
        reconstruction="results/refit/SBS96/reconstruction.tsv",
    log:
        "logs/refit/SBS96.log",
    benchmark:
        "results/benchmarks/refit/SBS96.tsv"
    params:
        signatures=refit_signatures_arg,
        build=config["genome_build"],
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit --catalog {input.catalog:q} --signatures {params.signatures:q}"
        " --genome-build {params.build} --out {params.outdir:q} 2> {log:q}"

# VCF -> per-sample SBS96 counts (one job per sample, so new samples cost only their own
# job) -> cohort catalog and skip log.


rule catalog_sample:
    input:
        vcf=sample_vcf,
        reference=REFERENCE,
    output:
        matrix="results/catalogs/samples/{stem}/SBS96.tsv",
        skips="results/catalogs/samples/{stem}/catalog_log.tsv",
    log:
        "logs/catalog/{stem}.log",
    params:
        sample=sample_name,
        vcf_sample=vcf_sample_flag,
        filters="--all-filters" if config["catalog"]["all_filters"] else "",
        outdir=subpath(output.matrix, parent=True),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=catalog_runtime,
    # One VCF takes seconds; cluster/config.yaml packs 100 samples into one SLURM job.
    group:
        "catalog"
    conda:
        "../../environment.yml"
    shell:
        "sigforge catalog --reference {input.reference:q} --vcf {input.vcf:q}"
        " --sample-name {params.sample:q} {params.vcf_sample} {params.filters}"
        " --out {params.outdir:q} 2> {log:q}"


rule merge_catalogs:
    input:
        matrices=expand("results/catalogs/samples/{stem}/SBS96.tsv", stem=SAMPLES["stem"]),
    output:
        matrix="results/catalogs/SBS96.tsv",
        skips="results/catalogs/catalog_log.tsv",
    log:
        "logs/catalog/merge.log",
    params:
        dirs=expand("results/catalogs/samples/{stem}", stem=SAMPLES["stem"]),
        outdir=subpath(output.matrix, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge merge-catalogs --inputs {params.dirs:q} --out {params.outdir:q} 2> {log:q}"

# Per-sample exposures with bootstrap intervals: the whole cohort against the chosen de novo
# signatures (plus their decomposition into the reference set) and against the reference set;
# and the per-patient target (`snakemake patients`), which needs no discovery at all.
# Only refit settings reach these rules, so changing them never reruns discovery.


rule refit:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        signatures=refit_signatures,
    output:
        exposures="results/refit/SBS96/exposures.tsv",
        reconstruction="results/refit/SBS96/reconstruction.tsv",
        intervals="results/refit/SBS96/exposure_intervals.tsv",
        decomposition="results/refit/SBS96/decomposition.tsv",
    log:
        "logs/refit/SBS96.log",
    benchmark:
        "results/benchmarks/refit/SBS96.tsv"
    params:
        signatures=refit_signatures_arg,
        options=REFIT_FLAGS,
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit --catalog {input.catalog:q} --signatures={params.signatures:q}"
        " {params.options:q} --out {params.outdir:q} 2> {log:q}"


rule refit_reference:
    input:
        catalog=rules.merge_catalogs.output.matrix,
    output:
        exposures="results/refit/SBS96/reference/exposures.tsv",
        reconstruction="results/refit/SBS96/reference/reconstruction.tsv",
        intervals="results/refit/SBS96/reference/exposure_intervals.tsv",
        decomposition="results/refit/SBS96/reference/decomposition.tsv",
    log:
        "logs/refit/SBS96_reference.log",
    benchmark:
        "results/benchmarks/refit/SBS96_reference.tsv"
    params:
        signatures=config["refit"]["reference"],
        options=REFIT_FLAGS,
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit --catalog {input.catalog:q} --signatures={params.signatures:q}"
        " {params.options:q} --out {params.outdir:q} 2> {log:q}"


rule refit_patient:
    input:
        vcf=sample_vcf,
        reference=REFERENCE,
    output:
        exposures="results/patients/{stem}/exposures.tsv",
        intervals="results/patients/{stem}/exposure_intervals.tsv",
        page="results/patients/{stem}/patients/{stem}.html",
    log:
        "logs/patients/{stem}.log",
    params:
        sample=sample_name,
        vcf_sample=vcf_sample_flag,
        filters=["--all-filters"] if config["catalog"]["all_filters"] else [],
        signatures=config["refit"]["reference"],
        options=REFIT_FLAGS,
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit --vcf={input.vcf:q} --reference={input.reference:q}"
        " --sample-name={params.sample:q} {params.vcf_sample:q} {params.filters:q}"
        " --signatures={params.signatures:q} {params.options:q} --out {params.outdir:q}"
        " 2> {log:q}"


rule patients:
    input:
        expand("results/patients/{stem}/patients/{stem}.html", stem=SAMPLES["stem"]),

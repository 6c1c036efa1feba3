# Per-sample exposures with bootstrap intervals: the whole cohort against the chosen de novo
# signatures (plus their decomposition into the reference set) and against the reference set;
# and the per-patient target (`snakemake patients`), which needs no discovery at all.
# One rule, `refit`; its variants change only what they read and write (and the signatures).
# Only refit settings reach these rules, so changing them never reruns discovery.


rule refit:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        signatures=refit_signatures,
        opportunities=refit_opportunities,
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
        data=refit_catalog_args,
        signatures=refit_signatures_arg,
        options=REFIT_FLAGS,
        assay=refit_assay_args,
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit {params.data:q} --signatures={params.signatures:q}"
        " {params.options:q} {params.assay:q} --out {params.outdir:q} 2> {log:q}"


# The cohort against the whole reference set (config refit.reference).
use rule refit as refit_reference with:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        opportunities=refit_opportunities,
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
        assay=reference_assay_args,
    resources:
        mem_mb=2000,
        runtime=60,


# One patient's VCF against the reference set, with its own page, each counted SNV's
# probability per signature, and the SNVs in the regions of interest (config
# refit.regions_of_interest; the table holds only its header when none is set).
use rule refit as refit_patient with:
    input:
        vcf=sample_vcf,
        reference=REFERENCE,
        fai=rules.genome_faidx.output.fai,
        regions=refit_regions,
        targets=catalog_regions,
        opportunities=refit_opportunities,
    output:
        exposures="results/patients/{stem}/exposures.tsv",
        intervals="results/patients/{stem}/exposure_intervals.tsv",
        probabilities="results/patients/{stem}/mutation_probabilities.tsv",
        regions="results/patients/{stem}/regions_of_interest.tsv",
        page="results/patients/{stem}/patients/{stem}.html",
    log:
        "logs/patients/{stem}.log",
    benchmark:
        "results/benchmarks/patients/{stem}.tsv"
    params:
        data=refit_vcf_args,
        signatures=config["refit"]["reference"],
        assay=reference_assay_args,
    resources:
        mem_mb=1000,
        runtime=30,


rule patients:
    input:
        expand("results/patients/{stem}/patients/{stem}.html", stem=SAMPLES["stem"]),

# Per-sample exposures with bootstrap intervals, for every context: the whole cohort against
# the context's de novo signatures (plus their decomposition into the reference set) and
# against the reference set (config `signatures`); and the per-patient target
# (`snakemake patients`), which needs no discovery at all.
# One rule, `refit`; its variants change only what they read and write (and the signatures).
# Only refit settings reach these rules, so changing them never reruns discovery.


rule refit:
    input:
        catalog=out("catalogs/{catalog}.tsv"),
        signatures=refit_signatures,
        # the reference set's table (de novo signatures are decomposed into it), when a file
        reference_signatures=reference_signatures,
        opportunities=refit_opportunities,
    output:
        exposures=out("refit/{catalog}/exposures.tsv"),
        reconstruction=out("refit/{catalog}/reconstruction.tsv"),
        intervals=out("refit/{catalog}/exposure_intervals.tsv"),
        decomposition=out("refit/{catalog}/decomposition.tsv"),
    log:
        out("logs/refit/{catalog}.log"),
    benchmark:
        out("benchmarks/refit/{catalog}.tsv")
    params:
        data=refit_catalog_args,
        signatures=refit_signatures_arg,
        options=REFIT_FLAGS,
        decompose=decompose_args,
        restrict=refit_restrict_args,
        assay=refit_assay_args,
        # not on the command line: a table restored with an older time reruns the job
        user_files=user_file_stamps("refit_signatures", "signatures"),
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit {params.data:q} --signatures={params.signatures:q}"
        " {params.options:q} {params.decompose:q} {params.restrict:q} {params.assay:q}"
        " --out {params.outdir:q} 2> {log:q}"


# The cohort against the whole reference set (config `signatures`).
use rule refit as refit_reference with:
    input:
        catalog=out("catalogs/{catalog}.tsv"),
        reference_signatures=reference_signatures,
        opportunities=refit_opportunities,
    output:
        exposures=out("refit/{catalog}/reference/exposures.tsv"),
        reconstruction=out("refit/{catalog}/reference/reconstruction.tsv"),
        intervals=out("refit/{catalog}/reference/exposure_intervals.tsv"),
        decomposition=out("refit/{catalog}/reference/decomposition.tsv"),
    log:
        out("logs/refit/{catalog}_reference.log"),
    benchmark:
        out("benchmarks/refit/{catalog}_reference.tsv")
    params:
        signatures=config["signatures"],
        decompose=reference_decompose_args,
        restrict=reference_restrict_args,
        assay=reference_assay_args,
        user_files=user_file_stamps("signatures"),
    resources:
        mem_mb=2000,
        runtime=60,


# One patient's VCF against the reference set: its page {outdir}/patients/{stem}.html (every
# context the reference set covers), and beside it the folder of its tables: exposures, each
# counted SNV's probability per signature, and the SNVs in the regions of interest (config
# refit.regions_of_interest; the table holds only its header when none is set).
use rule refit as refit_patient with:
    input:
        vcf=sample_vcf,
        reference=ancient(REFERENCE),  # as catalog_sample's, with reference_size
        fai=rules.genome_faidx.output.fai,
        regions=refit_regions,
        targets=catalog_regions,
        reference_signatures=reference_signatures,
        opportunities=refit_opportunities,
    output:
        exposures=out("patients/{stem}/exposures.tsv"),
        intervals=out("patients/{stem}/exposure_intervals.tsv"),
        probabilities=out("patients/{stem}/mutation_probabilities.tsv"),
        regions=out("patients/{stem}/regions_of_interest.tsv"),
        page=out("patients/{stem}.html"),
    log:
        out("logs/patients/{stem}.log"),
    benchmark:
        out("benchmarks/patients/{stem}.tsv")
    params:
        data=refit_vcf_args,
        # not on the command line: a VCF of another size reruns the job (common.input_size)
        input_size=input_size,
        reference_size=reference_size(),
        signatures=config["signatures"],
        decompose=reference_decompose_args,
        restrict=patient_restrict_args,
        assay=reference_assay_args,
        user_files=user_file_stamps("signatures", "roi", "regions"),
        outdir=subpath(output.exposures, parent=True),
    resources:
        mem_mb=patient_mem_mb,
        runtime=patient_runtime,
    # A patient takes seconds; cluster/config.yaml packs 100 patients into one SLURM job.
    group:
        "patients"


rule patients:
    input:
        expand(out("patients/{stem}.html"), stem=SAMPLES["stem"]),

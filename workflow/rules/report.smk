# The self-contained cohort HTML report and one HTML page per sample.


rule report:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        skips=rules.merge_catalogs.output.skips,
        metrics=rules.select_rank.output.metrics,
        signatures=rules.select_rank.output.signatures,
        provenance=rules.select_rank.output.provenance,
        exposures=rules.refit.output.exposures,
        reconstruction=rules.refit.output.reconstruction,
        intervals=rules.refit.output.intervals,
        decomposition=rules.refit.output.decomposition,
    output:
        cohort="results/report/cohort.html",
        patients=expand("results/report/patients/{stem}.html", stem=SAMPLES["stem"]),
    log:
        "logs/report/report.log",
    params:
        catalog_dir=subpath(input.catalog, parent=True),
        extract_dir=subpath(input.metrics, parent=True),
        refit_dir=subpath(input.exposures, parent=True),
        reference=config["report"]["reference"],
        build=config["genome_build"],
        outdir=subpath(output.cohort, parent=True),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge report --catalog-dir {params.catalog_dir:q} --extract-dir {params.extract_dir:q}"
        " --refit-dir {params.refit_dir:q} --reference {params.reference:q}"
        " --genome-build {params.build} --out {params.outdir:q} 2> {log:q}"

# The self-contained cohort HTML report and one HTML page per sample.


rule report:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        skips=rules.merge_catalogs.output.skips,
        metrics="results/extract/SBS96/rank_metrics.tsv",
        signatures="results/extract/SBS96/signatures.tsv",
        provenance="results/extract/SBS96/provenance.json",
        exposures=rules.refit.output.exposures,
        reconstruction=rules.refit.output.reconstruction,
        intervals=rules.refit.output.intervals,
        decomposition=rules.refit.output.decomposition,
        # The cohort refitted to the whole reference set: the "Refit to COSMIC" section.
        reference_exposures=rules.refit_reference.output.exposures,
        reference_intervals=rules.refit_reference.output.intervals,
        opportunities=refit_opportunities,
    output:
        cohort=report(
            "results/report/cohort.html",
            caption="../report/cohort.rst",
            category="Reports",
            labels={"page": "cohort"},
        ),
        patients=[
            report(
                f"results/report/patients/{stem}.html",
                caption="../report/patient.rst",
                category="Patient reports",
                labels={"patient": stem},
            )
            for stem in SAMPLES["stem"]
        ],
        figures=report(
            directory("results/report/figures"),
            patterns=["{name,[^/]+}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    log:
        "logs/report/report.log",
    params:
        catalog_dir=subpath(input.catalog, parent=True),
        extract_dir=subpath(input.metrics, parent=True),
        refit_dir=subpath(input.exposures, parent=True),
        reference_refit_dir=subpath(input.reference_exposures, parent=True),
        reference=config["report"]["reference"],
        build=config["genome_build"],
        assay=report_assay_args,
        outdir=subpath(output.cohort, parent=True),
    # Patient pages are drawn by up to `threads` processes.
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge report --catalog-dir {params.catalog_dir:q} --extract-dir {params.extract_dir:q}"
        " --refit-dir {params.refit_dir:q} --reference-refit-dir {params.reference_refit_dir:q}"
        " --reference={params.reference:q} --threads {threads}"
        " --genome-build {params.build:q} {params.assay:q} --out {params.outdir:q} 2> {log:q}"

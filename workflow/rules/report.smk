# The self-contained cohort HTML report and one HTML page per sample.


rule report:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        skips=rules.merge_catalogs.output.skips,
        metrics=out("extract/SBS96/rank_metrics.tsv"),
        signatures=out("extract/SBS96/signatures.tsv"),
        provenance=out("extract/SBS96/provenance.json"),
        exposures=out("refit/SBS96/exposures.tsv"),
        reconstruction=out("refit/SBS96/reconstruction.tsv"),
        intervals=out("refit/SBS96/exposure_intervals.tsv"),
        decomposition=out("refit/SBS96/decomposition.tsv"),
        # The cohort refitted to the whole reference set: the "Refit to COSMIC" section.
        reference_exposures=out("refit/SBS96/reference/exposures.tsv"),
        reference_intervals=out("refit/SBS96/reference/exposure_intervals.tsv"),
    output:
        cohort=report(
            out("report/cohort.html"),
            caption="../report/cohort.rst",
            category="Reports",
            labels={"page": "cohort"},
        ),
        patients=[
            report(
                out(f"report/patients/{stem}.html"),
                caption="../report/patient.rst",
                category="Patient reports",
                labels={"patient": stem},
            )
            for stem in SAMPLES["stem"]
        ],
        figures=report(
            directory(out("report/figures")),
            patterns=["{name,[^/]+}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    log:
        out("logs/report/report.log"),
    params:
        catalog_dir=subpath(input.catalog, parent=True),
        extract_dir=subpath(input.metrics, parent=True),
        refit_dir=subpath(input.exposures, parent=True),
        reference_refit_dir=subpath(input.reference_exposures, parent=True),
        reference=config["signatures"],
        build=config["genome_build"],
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
        " --genome-build {params.build:q} --out {params.outdir:q} 2> {log:q}"

# The self-contained cohort HTML report (a section per mutation type, links to every patient
# page) and one HTML page per sample.


rule report:
    input:
        catalog=rules.merge_catalogs.output.matrix,
        others=rules.merge_catalogs.output.others,
        skips=rules.merge_catalogs.output.skips,
        results=report_inputs,
        patients=expand(out("patients/{stem}.html"), stem=SAMPLES["stem"]),
        # the reference set's table (the report's matches), when a file
        reference_signatures=reference_signatures,
        opportunities=refit_opportunities,
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
    benchmark:
        out("benchmarks/report/report.tsv")
    params:
        catalog_dir=subpath(input.catalog, parent=True),
        # Roots: the report reads {root}/{context}/ for every catalog it finds.
        extract_dir=out("extract"),
        refit_dir=out("refit"),
        patients_dir=lambda wildcards, input: os.path.dirname(input.patients[0]),
        signatures=config["signatures"],
        build=config["genome_build"],
        assay=report_assay_args,
        method=REFIT["method"],
        user_files=user_file_stamps("signatures"),
        outdir=subpath(output.cohort, parent=True),
    # Patient pages are drawn by up to `threads` processes.
    threads: 2
    resources:
        mem_mb=4000,
        runtime=lambda wildcards, attempt: resources.report_runtime(len(SAMPLES), attempt),
    conda:
        "../../environment.yml"
    shell:
        "sigforge report --catalog-dir {params.catalog_dir:q} --extract-dir {params.extract_dir:q}"
        " --refit-dir {params.refit_dir:q} --patients-dir {params.patients_dir:q}"
        " --signatures={params.signatures:q} --refit-method={params.method:q} --threads {threads}"
        " --genome-build {params.build:q} {params.assay:q} --out {params.outdir:q} 2> {log:q}"

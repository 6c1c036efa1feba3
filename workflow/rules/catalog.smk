# The reference's index; variants (VCF or MAF) -> per-sample catalogs of every context in
# catalog.contexts (one job per sample, so new samples cost only their own job) -> cohort
# catalogs and skip log.


# The .fai is built once here, before the catalog jobs that would race to build it. The FASTA
# is ancient(): an existing index is kept whatever the files' times (a shared, read-only genome
# folder; a fresh clone), and the jobs that read it check that it matches the FASTA.
rule genome_faidx:
    input:
        fasta=ancient(REFERENCE),
    output:
        fai=f"{REFERENCE}.fai",
    log:
        out("logs/genome/faidx.log"),
    benchmark:
        out("benchmarks/genome/faidx.tsv")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    # Seconds to a minute, once: on a cluster it runs beside snakemake (as it did when the index
    # was built while the Snakefile was read), not as a SLURM job of its own.
    localrule: True
    run:
        index_fasta(input.fasta, log=log[0])
        # The config's BEDs against the new index: without one the start read their lines only,
        # and a BED of another build failed in every catalog or patient job.
        checked(bed_checks.check_bed_files, REFIT.get("regions_of_interest"),
                config["catalog"]["regions"], input.fasta)


rule catalog_sample:
    input:
        vcf=sample_vcf,
        # ancient: a touched or copied genome reruns nothing; one of another size reruns
        # the job through reference_size below
        reference=ancient(REFERENCE),
        fai=rules.genome_faidx.output.fai,
        annotation=catalog_annotation,
        regions=catalog_regions,
    output:
        matrices=expand(out("catalogs/samples/{{stem}}/{context}.tsv"), context=CONTEXTS),
        skips=out("catalogs/samples/{stem}/catalog_log.tsv"),
    # In a folder of their own: a sample named 'merge' shared the cohort merge's log.
    log:
        out("logs/catalog/samples/{stem}.log"),
    benchmark:
        out("benchmarks/catalog/samples/{stem}.tsv")
    params:
        sample=sample_name,
        vcf_sample=vcf_sample_flag,
        # not on the command line: a VCF of another size reruns the job (common.input_size)
        input_size=input_size,
        reference_size=reference_size(),
        user_files=user_file_stamps("annotation", "regions"),
        flags=catalog_flags,
        outdir=subpath(output.skips, parent=True),
    threads: 1
    resources:
        mem_mb=catalog_mem_mb,
        runtime=catalog_runtime,
    # One VCF takes seconds; cluster/config.yaml packs 100 samples into one SLURM job.
    group:
        "catalog"
    conda:
        "../../environment.yml"
    shell:
        "sigforge catalog --reference={input.reference:q} --vcf={input.vcf:q}"
        " --sample-name={params.sample:q} {params.vcf_sample:q} {params.flags:q}"
        " --out {params.outdir:q} 2> {log:q}"


rule merge_catalogs:
    input:
        matrices=expand(out("catalogs/samples/{stem}/SBS96.tsv"), stem=SAMPLES["stem"]),
    output:
        # SBS96 first: discovery, refit and report read it as `matrix`
        matrix=out("catalogs/SBS96.tsv"),
        others=expand(out("catalogs/{context}.tsv"),
                      context=[c for c in CONTEXTS if c != "SBS96"]),
        skips=out("catalogs/catalog_log.tsv"),
    log:
        out("logs/catalog/merge.log"),
    benchmark:
        out("benchmarks/catalog/merge.tsv")
    params:
        dirs=expand(out("catalogs/samples/{stem}"), stem=SAMPLES["stem"]),
        outdir=subpath(output.matrix, parent=True),
        identical=("--allow-identical" if CATALOG_CONFIG["allow_identical"]
                   else "--allow-identical-columns"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    # The samples sheet refuses one (vcf, vcf_sample) on two rows, so identical samples of one
    # file are distinct columns (warned, merged); identical samples of two files are one
    # tumour under two rows (a VCF and its gzip copy), refused unless catalog.allow_identical.
    shell:
        "sigforge merge-catalogs {params.identical} --inputs {params.dirs:q} "
        "--out {params.outdir:q} 2> {log:q}"


# The trinucleotide and dinucleotide opportunities of the whole FASTA and of the assay's
# targeted regions (catalog.regions), counted once for the refits of refit.assay regions.
if CATALOG_CONFIG["regions"]:

    rule opportunities:
        input:
            reference=REFERENCE,
            fai=rules.genome_faidx.output.fai,
            regions=CATALOG_CONFIG["regions"],
        output:
            table=out("catalogs/opportunities.tsv"),
        log:
            out("logs/catalog/opportunities.log"),
        benchmark:
            out("benchmarks/catalog/opportunities.tsv")
        params:
            user_files=user_file_stamps("regions"),
        threads: 1
        resources:
            # chunks of 16 Mb: a few hundred MB whatever the genome
            mem_mb=2000,
            runtime=60,
        conda:
            "../../environment.yml"
        shell:
            "sigforge opportunities --reference={input.reference:q} --regions={input.regions:q}"
            " --out {output.table:q} 2> {log:q}"

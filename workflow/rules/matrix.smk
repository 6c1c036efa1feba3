# Matrix and joint mode: any features x samples table(s) instead of VCFs. The prepared table
# goes through the same replicate, consensus and rank rules as the SBS96 catalog; the refit is to
# the de novo components only and the report draws figures that fit generic data.


if MODE == "matrix":

    rule prepare_matrix:
        input:
            matrix=config["matrix"]["path"],
        output:
            matrix=out(f"catalogs/{CATALOG}.tsv"),
            dropped=out(f"catalogs/{CATALOG}_dropped.tsv"),
        log:
            out("logs/catalog/prepare_matrix.log"),
        benchmark:
            out("benchmarks/catalog/prepare_matrix.tsv")
        params:
            name=CATALOG,
            pixels=flags.pixel_flag(MATRIX),
            counts=flags.counts_flag(MATRIX),
            outdir=subpath(output.matrix, parent=True),
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        conda:
            "../../environment.yml"
        shell:
            "sigforge prepare-matrix --input={input.matrix:q} --name {params.name:q}"
            " {params.pixels:q} {params.counts:q} --out {params.outdir:q} 2> {log:q}"


if MODE == "joint":

    rule prepare_joint:
        input:
            matrices=[m["path"] for m in config["joint"]["modalities"]],
        output:
            matrix=out(f"catalogs/{CATALOG}.tsv"),
            dropped=out(f"catalogs/{CATALOG}_dropped.tsv"),
            blocks=out(f"catalogs/{CATALOG}_blocks.tsv"),
        log:
            out("logs/catalog/prepare_joint.log"),
        benchmark:
            out("benchmarks/catalog/prepare_joint.tsv")
        params:
            name=CATALOG,
            modalities=[m["name"] for m in config["joint"]["modalities"]],
            weights=[m.get("weight", 1.0) for m in config["joint"]["modalities"]],
            counts=flags.counts_flag(MATRIX),
            outdir=subpath(output.matrix, parent=True),
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        conda:
            "../../environment.yml"
        shell:
            "sigforge prepare-joint --inputs {input.matrices:q}"
            " --modalities {params.modalities:q} --weights {params.weights:q}"
            " --name {params.name:q} {params.counts:q}"
            " --out {params.outdir:q} 2> {log:q}"

    rule split_joint:
        input:
            signatures=out(f"extract/{CATALOG}/signatures.tsv"),
            blocks=out(f"catalogs/{CATALOG}_blocks.tsv"),
        output:
            shares=out(f"joint/{CATALOG}/modalities.tsv"),
            signatures=[out(f"joint/{CATALOG}/{m['name']}_signatures.tsv")
                        for m in config["joint"]["modalities"]],
        log:
            out("logs/joint/split.log"),
        benchmark:
            out("benchmarks/joint/split.tsv")
        params:
            outdir=subpath(output.shares, parent=True),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            "../../environment.yml"
        shell:
            "sigforge split-joint --signatures {input.signatures:q} --blocks {input.blocks:q}"
            " --out {params.outdir:q} 2> {log:q}"


rule refit_matrix:
    input:
        catalog=out(f"catalogs/{CATALOG}.tsv"),
        signatures=out(f"extract/{CATALOG}/signatures.tsv"),
    output:
        exposures=out(f"refit/{CATALOG}/exposures.tsv"),
        reconstruction=out(f"refit/{CATALOG}/reconstruction.tsv"),
    log:
        out(f"logs/refit/{CATALOG}.log"),
    benchmark:
        out(f"benchmarks/refit/{CATALOG}.tsv")
    params:
        options=REFIT_FLAGS,
        outdir=subpath(output.exposures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge refit --catalog {input.catalog:q} --signatures {input.signatures:q}"
        " {params.options:q} --out {params.outdir:q} 2> {log:q}"


rule report_matrix:
    input:
        matrix=out(f"catalogs/{CATALOG}.tsv"),
        dropped=out(f"catalogs/{CATALOG}_dropped.tsv"),
        metrics=out(f"extract/{CATALOG}/rank_metrics.tsv"),
        signatures=out(f"extract/{CATALOG}/signatures.tsv"),
        exposures=rules.refit_matrix.output.exposures,
        reconstruction=rules.refit_matrix.output.reconstruction,
        blocks=joint_blocks,
    output:
        cohort=report(
            out("report/cohort.html"),
            caption="../report/cohort.rst",
            category="Reports",
            labels={"page": "cohort"},
        ),
    log:
        out("logs/report/report.log"),
    benchmark:
        out("benchmarks/report/report.tsv")
    params:
        name=CATALOG,
        pixels=flags.pixel_flag(MATRIX) if MODE == "matrix" else [],
        blocks=blocks_flag,
        extract_dir=subpath(input.metrics, parent=True),
        refit_dir=subpath(input.exposures, parent=True),
        outdir=subpath(output.cohort, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../environment.yml"
    shell:
        "sigforge matrix-report --name {params.name:q} --matrix {input.matrix:q}"
        " --dropped {input.dropped:q} --extract-dir {params.extract_dir:q}"
        " --refit-dir {params.refit_dir:q} {params.pixels:q} {params.blocks:q}"
        " --out {params.outdir:q} 2> {log:q}"

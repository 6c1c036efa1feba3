# Stratified discovery, when the samples sheet has a `group` column: each context's catalog is
# split into one catalog per group, every group runs the discovery of a whole catalog (the same
# rules, one folder deeper: extract/{catalog}/groups/{group}/), and the groups' chosen
# signatures are merged into extract/{catalog}/, which refits and reports read as usual.
# Random streams are keyed by the context's name, not the group's, and ranks are capped per
# group (sigforge.workflow.groups), so `sigforge extract --groups` writes the same bits.
# Input functions: workflow/rules/common.smk (group_*).


# The merged set replaces the whole-catalog rank choice: both would write
# extract/{catalog}/signatures.tsv, and with groups the merge is the one wanted.
ruleorder: merge_groups > select_rank


# The samples sheet's grouping by sample_id, as split-groups reads it: rewritten only when the
# grouping changes (a comment or a notes column edited in the sheet reruns nothing), and
# never read from the sheet itself, whose other columns (a notes column titled 'sample', R's
# quotes) are not the groups reader's to interpret.
rule groups_file:
    output:
        groups=out(f"catalogs/groups/{grouping.GROUPS_FILE}"),
    params:
        rows=[[sample, group] for group, samples in (GROUPS or {}).items()
              for sample in samples],
    localrule: True
    run:
        grouping.write_groups_file(output.groups, params.rows)


rule split_groups:
    input:
        catalog=out("catalogs/{catalog}.tsv"),
        sheet=rules.groups_file.output.groups,
    output:
        catalogs=expand(out("catalogs/groups/{{catalog}}/{group}.tsv"), group=list(GROUPS)),
    log:
        out("logs/groups/{catalog}_split.log"),
    benchmark:
        out("benchmarks/groups/{catalog}_split.tsv")
    params:
        outdir=lambda wildcards: out(f"catalogs/groups/{wildcards.catalog}"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../environment.yml"
    shell:
        "sigforge split-groups --catalog {input.catalog:q} --groups {input.sheet:q}"
        " --out {params.outdir:q} 2> {log:q}"


use rule nmf_chunk as nmf_chunk_group with:
    input:
        catalog=group_catalog_input,
    output:
        chunk=out("extract/{catalog}/groups/{group}/k{k}/chunks/chunk{chunk}.npz"),
    log:
        out("logs/extract/{catalog}/groups/{group}/k{k}/chunk{chunk}.log"),
    benchmark:
        out("benchmarks/extract/{catalog}/groups/{group}/k{k}/chunk{chunk}.tsv")
    params:
        mode=group_rank_mode,


use rule consensus as consensus_group with:
    input:
        catalog=group_catalog_input,
        chunks=group_rank_chunks,
    output:
        signatures=out("extract/{catalog}/groups/{group}/k{k}/signatures.tsv"),
        exposures=out("extract/{catalog}/groups/{group}/k{k}/exposures.tsv"),
        stability=out("extract/{catalog}/groups/{group}/k{k}/stability.tsv"),
        metrics=out("extract/{catalog}/groups/{group}/k{k}/metrics.json"),
    log:
        out("logs/consensus/{catalog}/groups/{group}/k{k}.log"),
    benchmark:
        out("benchmarks/consensus/{catalog}/groups/{group}/k{k}.tsv")
    params:
        mode=group_rank_mode,


use rule cross_validate as cross_validate_group with:
    input:
        catalog=group_catalog_input,
    output:
        cv=out("extract/{catalog}/groups/{group}/k{k}/cv.npz"),
    log:
        out("logs/rank/{catalog}/groups/{group}/cv_k{k}.log"),
    benchmark:
        out("benchmarks/rank/{catalog}/groups/{group}/cv_k{k}.tsv")
    params:
        mode=group_rank_mode,


use rule select_rank as select_rank_group with:
    input:
        catalog=group_catalog_input,
        metrics=group_rank_files("metrics.json"),
        signatures=group_rank_files("signatures.tsv"),
        cv=group_cv_files,
    output:
        metrics=out("extract/{catalog}/groups/{group}/rank_metrics.tsv"),
        signatures=out("extract/{catalog}/groups/{group}/signatures.tsv"),
        exposures=out("extract/{catalog}/groups/{group}/exposures.tsv"),
        stability=out("extract/{catalog}/groups/{group}/stability.tsv"),
        provenance=out("extract/{catalog}/groups/{group}/provenance.json"),
    log:
        out("logs/rank/{catalog}/groups/{group}.log"),
    benchmark:
        out("benchmarks/rank/{catalog}/groups/{group}.tsv")
    params:
        mode=group_mode,
        dirs=group_rank_dirs,
        ranks=group_rank_list,
        group=lambda wildcards: ["--group", wildcards.group],


rule merge_groups:
    input:
        catalog=out("catalogs/{catalog}.tsv"),
        selections=group_selections,
    output:
        signatures=out("extract/{catalog}/signatures.tsv"),
        exposures=out("extract/{catalog}/exposures.tsv"),
        stability=out("extract/{catalog}/stability.tsv"),
        merged=out("extract/{catalog}/merged.tsv"),
        provenance=out("extract/{catalog}/provenance.json"),
    log:
        out("logs/groups/{catalog}_merge.log"),
    benchmark:
        out("benchmarks/groups/{catalog}_merge.tsv")
    params:
        dirs=group_dirs,
        merge_cosine=EXTRACT["merge_cosine"],
        seed=config["seed"],
        mode=merge_mode_flags,
        outdir=subpath(output.signatures, parent=True),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    # As select_rank, its ungrouped twin: with the groups' rank choices in one SLURM job.
    group:
        "rank"
    conda:
        "../../environment.yml"
    shell:
        "sigforge merge-groups --catalog {input.catalog:q} --catalog-name {wildcards.catalog:q}"
        " --group-dirs {params.dirs:q} --merge-cosine {params.merge_cosine:q} --drop-empty"
        " --seed {params.seed:q} {params.mode:q} --out {params.outdir:q} 2> {log:q}"

# Validation, the sample table, wildcard constraints and input functions. No rules here.
# Every check runs while the Snakefile is read, so bad input fails in seconds with one message
# (a WorkflowError: Snakemake prints it without a traceback) naming the file, line and fix.
import math
import os
import re
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.discovery.pipeline import chunk_ranges
from sigforge.io import InputError
from sigforge.workflow.checks import (
    check_inputs,
    check_ranks,
    discard_damaged,
    dry_run_requested,
    generic_refit_flags,
    input_shape,
    refit_flags,
    schema_error_message,
)


def checked(step, *args, **kwargs):
    """Run a parse-time check; its InputError becomes a one-message WorkflowError."""
    try:
        return step(*args, **kwargs)
    except InputError as err:
        raise WorkflowError(str(err)) from None


def validate_against(data, schema, what, lines=None):
    """Snakemake's validate() with its error cut to one line, a 'did you mean' and the fix.

    Snakemake's own message is followed by the whole schema (80 lines); the jsonschema error it
    wraps is enough to say which key is wrong and why. ``lines`` maps the rows of a validated
    table (Snakemake reports 'row i', from 0) to the lines of its file.
    """
    try:
        validate(data, schema)
    except WorkflowError as err:
        cause = err.__context__  # the jsonschema ValidationError validate() caught
        if not hasattr(cause, "validator"):
            raise
        row = re.search(r"row (\d+)", str(err.args[0]))
        if row and lines is not None:
            what = f"{what}, line {list(lines)[int(row.group(1))]}"
        raise WorkflowError(schema_error_message(cause, what)) from None


def config_files():
    """'config (FILE, ...)': the files the configuration was read from, for messages."""
    files = [str(f) for f in getattr(workflow, "configfiles", [])] or ["config/config.yaml"]
    return f"config ({', '.join(files)})"


validate_against(config, "../schemas/config.schema.yaml", config_files())

# MODE vcf: VCFs -> SBS96 catalog; matrix / joint: generic tables (workflow/rules/matrix.smk).
MODE = config["type"]
EXTRACT = config["extract"]
REFIT = config["refit"]
if MODE == "vcf":
    from sigforge.genomics.catalog import check_catalog_config
    from sigforge.genomics.genome import ensure_index, largest_contig
    from sigforge.genomics.samplesheet import read_sample_sheet

    SAMPLES = checked(read_sample_sheet, config["samples"])
    validate_against(SAMPLES, "../schemas/samples.schema.yaml",
                     f"samples sheet {config['samples']}", lines=SAMPLES["sheet_line"])
    REFERENCE = config["reference"]
    checked(check_inputs, REFERENCE, SAMPLES, f"samples sheet {config['samples']}")
    checked(ensure_index, REFERENCE)
    CATALOG_CONFIG = config["catalog"]
    CONTEXTS = checked(check_catalog_config, CATALOG_CONFIG["contexts"],
                       CATALOG_CONFIG["annotation"])
    CATALOG = "SBS96"
    N_FEATURES, N_SAMPLES = len(SBS96_CHANNELS), len(SAMPLES)
    RESAMPLING = EXTRACT["resampling"]
    GENERIC = []
    REFIT_FLAGS = refit_flags(REFIT, config["seed"], config["genome_build"])
else:
    MATRIX = config.get("matrix") or {"counts": False, "depth": 10000}
    CATALOG = config[MODE]["name"]
    # Read and check the input(s) now, so a bad table fails before any job starts.
    N_FEATURES, N_SAMPLES = checked(input_shape, config)
    RESAMPLING = (EXTRACT["resampling"] if MATRIX["counts"]
                  else f"scaled:{MATRIX['depth']}")
    GENERIC = ["--generic"]
    REFIT_FLAGS = generic_refit_flags(REFIT, config["seed"], MATRIX["counts"])
RANKS = checked(check_ranks, EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"], N_SAMPLES,
                config["rank"]["fixed"], n_features=N_FEATURES)
CHUNKS = checked(chunk_ranges, EXTRACT["replicates"], EXTRACT["replicates_per_chunk"])


wildcard_constraints:
    k=r"\d+",
    chunk=r"\d+",
    catalog=re.escape(CATALOG),


if MODE == "vcf":

    wildcard_constraints:
        stem="|".join(re.escape(stem) for stem in SAMPLES["stem"]),


def discovery_products():
    """Every file of the discovery: chunks, per-rank tables and CV folds, the chosen rank."""
    rank_files = ["signatures.tsv", "exposures.tsv", "stability.tsv", "metrics.json"]
    if config["rank"]["cv_folds"] > 0:
        rank_files.append("cv.npz")
    files = expand("results/extract/{catalog}/k{k}/chunks/chunk{chunk}.npz", catalog=CATALOG,
                   k=RANKS, chunk=range(len(CHUNKS)))
    files += expand("results/extract/{catalog}/k{k}/{name}", catalog=CATALOG, k=RANKS,
                    name=rank_files)
    files += expand("results/extract/{catalog}/{name}", catalog=CATALOG,
                    name=["rank_metrics.tsv", "signatures.tsv", "exposures.tsv",
                          "stability.tsv", "provenance.json"])
    return files


def vcf_products():
    """Every file the vcf mode writes by default (catalogs, refits, reports)."""
    catalogs = expand("results/catalogs/samples/{stem}/{name}", stem=SAMPLES["stem"],
                      name=[f"{context}.tsv" for context in CONTEXTS] + ["catalog_log.tsv"])
    catalogs += expand("results/catalogs/{context}.tsv", context=CONTEXTS)
    refits = expand("results/refit/SBS96/{ref}{name}", ref=["", "reference/"],
                    name=["exposures.tsv", "reconstruction.tsv", "exposure_intervals.tsv",
                          "decomposition.tsv"])
    reports = ["results/report/cohort.html", "results/report/figures"]
    reports += expand("results/report/patients/{stem}.html", stem=SAMPLES["stem"])
    return catalogs + ["results/catalogs/catalog_log.tsv"] + refits + reports


def generic_products():
    """Every file the matrix and joint modes write by default (besides discovery)."""
    files = [f"results/catalogs/{CATALOG}.tsv", f"results/catalogs/{CATALOG}_dropped.tsv",
             f"results/refit/{CATALOG}/exposures.tsv",
             f"results/refit/{CATALOG}/reconstruction.tsv", "results/report/cohort.html"]
    if MODE == "joint":
        files += [f"results/catalogs/{CATALOG}_blocks.tsv",
                  f"results/joint/{CATALOG}/modalities.tsv"]
        files += [f"results/joint/{CATALOG}/{m['name']}_signatures.tsv"
                  for m in config["joint"]["modalities"]]
    return files


def final_targets():
    """What `snakemake` builds by default: every output, intermediates included.

    Snakemake reruns a job whose output is missing only when a target or a job that reruns
    needs that output; a deleted chunk or rank table under an up-to-date report would be
    "Nothing to be done". Naming every product here makes a plain rerun rebuild whatever is
    missing, and everything downstream of it.
    """
    products = vcf_products() if MODE == "vcf" else generic_products()
    return products + discovery_products()


def checked_intermediates():
    """Delete damaged chunk, CV and metrics files (main process only), saying so on stderr.

    Every output is written atomically, so a damaged file was truncated or overwritten later
    (disk full, a bad copy); deleting it makes it missing, and final_targets() rebuilds it.
    """
    if not workflow.is_main_process:
        return
    paths = [path for path in discovery_products() if path.endswith((".npz", ".json"))]
    dry_run = bool(workflow.dryrun) or dry_run_requested(sys.argv[1:])
    for note in discard_damaged(paths, dry_run=dry_run):
        print(note, file=sys.stderr)


checked_intermediates()


def catalog_matrix(wildcards):
    """The cohort matrix that discovery factors: the SBS96 catalog or the prepared table."""
    return f"results/catalogs/{wildcards.catalog}.tsv"


def pixel_flag():
    """['--pixels', 'H,W'] when the matrix's features are the pixels of an image, else [].

    Every flag function returns a list of arguments; rules pass it as ``{params.x:q}``, so
    Snakemake shell-quotes each element.
    """
    shape = (config.get("matrix") or {}).get("features_are_pixels")
    return ["--pixels", f"{shape[0]},{shape[1]}"] if shape else []


def counts_flag():
    """['--counts'] when the matrix is declared to hold counts, else []."""
    return ["--counts"] if MATRIX["counts"] else []


def joint_blocks(wildcards):
    """The blocks table of a joint run (modality of each stacked feature), else nothing."""
    return [f"results/catalogs/{CATALOG}_blocks.tsv"] if MODE == "joint" else []


def blocks_flag(wildcards, input):
    """['--blocks', FILE] for the joint report, else []."""
    return ["--blocks", str(input.blocks)] if input.blocks else []


def sample_row(wildcards):
    """The samples-sheet row whose file stem is wildcards.stem."""
    return SAMPLES.loc[SAMPLES["stem"] == wildcards.stem].iloc[0]


def sample_vcf(wildcards):
    """The VCF of the sample whose file stem is wildcards.stem."""
    return sample_row(wildcards)["vcf"]


def sample_name(wildcards):
    """The verbatim sample name behind wildcards.stem."""
    return sample_row(wildcards)["sample_id"]


def vcf_sample_flag(wildcards):
    """['--vcf-sample=NAME'] for multi-sample VCF rows, else []; NAME verbatim (a VCF column
    such as 'Tumor 1' holds spaces: the rule quotes it; '=' keeps a NAME starting with '-' a
    value, not an option)."""
    column = sample_row(wildcards).get("vcf_sample", "")
    return [f"--vcf-sample={column}"] if column else []


def catalog_annotation(wildcards):
    """The gene annotation file when SBS288 is counted, else nothing."""
    return [CATALOG_CONFIG["annotation"]] if "SBS288" in CONTEXTS else []


def catalog_flags(wildcards, input):
    """--contexts, --annotation, --all-filters and --multi-snvs-in-sbs: a list of arguments."""
    flags = ["--contexts", *CONTEXTS]
    if input.annotation:
        flags.append(f"--annotation={input.annotation}")
    if CATALOG_CONFIG["all_filters"]:
        flags.append("--all-filters")
    if CATALOG_CONFIG["multi_snvs_in_sbs"]:
        flags.append("--multi-snvs-in-sbs")
    return flags


def chunk_first(wildcards):
    """Index of the first replicate of chunk wildcards.chunk."""
    return CHUNKS[int(wildcards.chunk)].start


def chunk_count(wildcards):
    """Number of replicates in chunk wildcards.chunk."""
    return len(CHUNKS[int(wildcards.chunk)])


def rank_chunks(wildcards):
    """Every chunk file of rank wildcards.k, in chunk order."""
    return expand(
        "results/extract/{catalog}/k{k}/chunks/chunk{chunk}.npz",
        catalog=wildcards.catalog,
        k=wildcards.k,
        chunk=range(len(CHUNKS)),
    )


def rank_dirs(wildcards):
    """Every rank directory of catalog wildcards.catalog, in rank order."""
    return expand("results/extract/{catalog}/k{k}", catalog=wildcards.catalog, k=RANKS)


def refit_signatures(wildcards):
    """The de novo signature table when refitting to it; shipped sets need no input file."""
    name = config["refit"]["signatures"]
    if name == "denovo":
        return "results/extract/SBS96/signatures.tsv"
    return [name] if os.path.exists(name) else []


def refit_signatures_arg(wildcards, input):
    """The --signatures value: the input file, or the shipped set's name."""
    return input.signatures if input.signatures else config["refit"]["signatures"]


# Resources. NMF_SECONDS_PER_UNIT is the measured CPU time per (channel x sample x rank x
# iteration x replicate) of the KL updates (tests/cluster/chunk_costs.py; docs/benchmarks.md);
# runtimes take 3x it, memory bounds lie above the measured peaks, both grow with each retry.
NMF_SECONDS_PER_UNIT = 1.3e-9
CHANNELS = N_FEATURES


def nmf_chunk_runtime(wildcards, attempt):
    """Minutes for one NMF chunk: cohort size x k x iteration cap x replicates, x3, + 1."""
    units = (CHANNELS * N_SAMPLES * int(wildcards.k) * EXTRACT["max_iter"]
             * chunk_count(wildcards))
    return attempt * (1 + math.ceil(3 * NMF_SECONDS_PER_UNIT * units / 60))


def nmf_chunk_mem_mb(wildcards, attempt):
    """MB for one NMF chunk: the interpreter plus ~8 copies of each replicate's W, H and data."""
    floats = chunk_count(wildcards) * (CHANNELS + int(wildcards.k)) * N_SAMPLES
    return attempt * (500 + math.ceil(8 * 8 * floats / 1e6))


def cv_problems():
    """Masked factorisations of one cross-validation job: folds x starts."""
    return config["rank"]["cv_folds"] * config["rank"]["cv_starts"]


def cross_validate_runtime(wildcards, attempt):
    """Minutes for one rank's CV folds: as an NMF chunk of folds x starts problems."""
    units = (CHANNELS * N_SAMPLES * int(wildcards.k) * config["rank"]["cv_max_iter"]
             * cv_problems())
    return attempt * (1 + math.ceil(3 * NMF_SECONDS_PER_UNIT * units / 60))


def cross_validate_mem_mb(wildcards, attempt):
    """MB for one rank's CV folds: data, weights, W and H of every problem, ~8 copies."""
    floats = cv_problems() * (2 * CHANNELS + int(wildcards.k)) * N_SAMPLES
    return attempt * (500 + math.ceil(8 * 8 * floats / 1e6))


def consensus_mem_mb(wildcards, attempt):
    """MB to hold and cluster every replicate's W and H of one rank (~4 copies)."""
    floats = EXTRACT["replicates"] * int(wildcards.k) * (CHANNELS + N_SAMPLES)
    return attempt * (1000 + math.ceil(4 * 8 * floats / 1e6))


def catalog_mem_mb(wildcards, attempt):
    """MB to count one sample: the interpreter plus ~3 bytes per base of the longest contig."""
    return attempt * (1000 + math.ceil(3 * largest_contig(REFERENCE) / 1e6))


def catalog_runtime(wildcards, input, attempt):
    """Minutes to count one sample's VCF: 1 plus 1 per 20 MB of VCF."""
    return attempt * (1 + math.ceil(os.path.getsize(input.vcf) / 20e6))

# Validation, the sample table, wildcard constraints and input functions. No rules here.
import math
import os
import re
import shlex

from snakemake.utils import validate

from sigforge.contexts import SBS96_CHANNELS
from sigforge.discovery import chunk_ranges
from sigforge.workflow_checks import (
    check_inputs,
    check_ranks,
    generic_refit_flags,
    input_shape,
    refit_flags,
)

validate(config, "../schemas/config.schema.yaml")

# MODE vcf: VCFs -> SBS96 catalog; matrix / joint: generic tables (workflow/rules/matrix.smk).
MODE = config["type"]
EXTRACT = config["extract"]
REFIT = config["refit"]
if MODE == "vcf":
    from sigforge.catalog import check_catalog_config
    from sigforge.genome import ensure_index, largest_contig
    from sigforge.samplesheet import read_sample_sheet

    SAMPLES = read_sample_sheet(config["samples"])
    validate(SAMPLES, "../schemas/samples.schema.yaml")
    REFERENCE = config["reference"]
    check_inputs(REFERENCE, SAMPLES)
    ensure_index(REFERENCE)
    CATALOG_CONFIG = config["catalog"]
    CONTEXTS = check_catalog_config(CATALOG_CONFIG["contexts"], CATALOG_CONFIG["annotation"])
    CATALOG = "SBS96"
    N_FEATURES, N_SAMPLES = len(SBS96_CHANNELS), len(SAMPLES)
    RESAMPLING = EXTRACT["resampling"]
    GENERIC = ""
    REFIT_FLAGS = refit_flags(REFIT, config["seed"], config["genome_build"])
else:
    MATRIX = config.get("matrix") or {"counts": False, "depth": 10000}
    CATALOG = config[MODE]["name"]
    # Read and check the input(s) now, so a bad table fails before any job starts.
    N_FEATURES, N_SAMPLES = input_shape(config)
    RESAMPLING = (EXTRACT["resampling"] if MATRIX["counts"]
                  else f"scaled:{MATRIX['depth']}")
    GENERIC = "--generic"
    REFIT_FLAGS = generic_refit_flags(REFIT, config["seed"], MATRIX["counts"])
RANKS = check_ranks(EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"], N_SAMPLES,
                    config["rank"]["fixed"], n_features=N_FEATURES)
CHUNKS = chunk_ranges(EXTRACT["replicates"], EXTRACT["replicates_per_chunk"])


wildcard_constraints:
    k=r"\d+",
    chunk=r"\d+",
    catalog=re.escape(CATALOG),


if MODE == "vcf":

    wildcard_constraints:
        stem="|".join(re.escape(stem) for stem in SAMPLES["stem"]),


def final_targets():
    """What `snakemake` builds by default in the configured mode."""
    if MODE == "vcf":
        return [
            "results/report/cohort.html",
            "results/refit/SBS96/exposures.tsv",
            "results/refit/SBS96/reference/exposures.tsv",
        ]
    targets = ["results/report/cohort.html", f"results/refit/{CATALOG}/exposures.tsv"]
    if MODE == "joint":
        targets.append(f"results/joint/{CATALOG}/modalities.tsv")
    return targets


def catalog_matrix(wildcards):
    """The cohort matrix that discovery factors: the SBS96 catalog or the prepared table."""
    return f"results/catalogs/{wildcards.catalog}.tsv"


def pixel_flag():
    """'--pixels H,W' when the matrix's features are the pixels of an image, else empty."""
    shape = (config.get("matrix") or {}).get("features_are_pixels")
    return f"--pixels {shape[0]},{shape[1]}" if shape else ""


def counts_flag():
    """'--counts' when the matrix is declared to hold counts."""
    return "--counts" if MATRIX["counts"] else ""


def joint_blocks(wildcards):
    """The blocks table of a joint run (modality of each stacked feature), else nothing."""
    return [f"results/catalogs/{CATALOG}_blocks.tsv"] if MODE == "joint" else []


def blocks_flag(wildcards, input):
    """'--blocks FILE' for the joint report, else empty."""
    return f"--blocks {input.blocks}" if input.blocks else ""


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
    """'--vcf-sample NAME' for multi-sample VCF rows, else empty."""
    column = sample_row(wildcards).get("vcf_sample", "")
    return f"--vcf-sample {column}" if column else ""


def catalog_annotation(wildcards):
    """The gene annotation file when SBS288 is counted, else nothing."""
    return [CATALOG_CONFIG["annotation"]] if "SBS288" in CONTEXTS else []


def catalog_flags(wildcards, input):
    """--contexts, --annotation, --all-filters and --multi-snvs-in-sbs of the catalog command."""
    flags = ["--contexts", *CONTEXTS]
    if input.annotation:
        flags += ["--annotation", input.annotation]
    if CATALOG_CONFIG["all_filters"]:
        flags.append("--all-filters")
    if CATALOG_CONFIG["multi_snvs_in_sbs"]:
        flags.append("--multi-snvs-in-sbs")
    return " ".join(shlex.quote(flag) for flag in flags)


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

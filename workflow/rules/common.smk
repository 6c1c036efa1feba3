# Validation, the sample table, wildcard constraints and input functions. No rules here.
import math
import os
import re

from snakemake.utils import validate

from sigforge.contexts import SBS96_CHANNELS
from sigforge.discovery import chunk_ranges
from sigforge.genome import ensure_index
from sigforge.samplesheet import read_sample_sheet
from sigforge.workflow_checks import check_inputs, check_ranks, refit_flags

validate(config, "../schemas/config.schema.yaml")

SAMPLES = read_sample_sheet(config["samples"])
validate(SAMPLES, "../schemas/samples.schema.yaml")

REFERENCE = config["reference"]
EXTRACT = config["extract"]
RANKS = check_ranks(EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"], len(SAMPLES),
                    config["rank"]["fixed"])
CHUNKS = chunk_ranges(EXTRACT["replicates"], EXTRACT["replicates_per_chunk"])
check_inputs(REFERENCE, SAMPLES)
REFIT = config["refit"]
REFIT_FLAGS = refit_flags(REFIT, config["seed"], config["genome_build"])
ensure_index(REFERENCE)


wildcard_constraints:
    k=r"\d+",
    chunk=r"\d+",
    stem="|".join(re.escape(stem) for stem in SAMPLES["stem"]),


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


def chunk_first(wildcards):
    """Index of the first replicate of chunk wildcards.chunk."""
    return CHUNKS[int(wildcards.chunk)].start


def chunk_count(wildcards):
    """Number of replicates in chunk wildcards.chunk."""
    return len(CHUNKS[int(wildcards.chunk)])


def rank_chunks(wildcards):
    """Every chunk file of rank wildcards.k, in chunk order."""
    return expand(
        "results/extract/SBS96/k{k}/chunks/chunk{chunk}.npz",
        k=wildcards.k,
        chunk=range(len(CHUNKS)),
    )


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
CHANNELS = len(SBS96_CHANNELS)


def nmf_chunk_runtime(wildcards, attempt):
    """Minutes for one NMF chunk: cohort size x k x iteration cap x replicates, x3, + 1."""
    units = (CHANNELS * len(SAMPLES) * int(wildcards.k) * EXTRACT["max_iter"]
             * chunk_count(wildcards))
    return attempt * (1 + math.ceil(3 * NMF_SECONDS_PER_UNIT * units / 60))


def nmf_chunk_mem_mb(wildcards, attempt):
    """MB for one NMF chunk: the interpreter plus ~8 copies of each replicate's W, H and data."""
    floats = chunk_count(wildcards) * (CHANNELS + int(wildcards.k)) * len(SAMPLES)
    return attempt * (500 + math.ceil(8 * 8 * floats / 1e6))


def cv_problems():
    """Masked factorisations of one cross-validation job: folds x starts."""
    return config["rank"]["cv_folds"] * config["rank"]["cv_starts"]


def cross_validate_runtime(wildcards, attempt):
    """Minutes for one rank's CV folds: as an NMF chunk of folds x starts problems."""
    units = (CHANNELS * len(SAMPLES) * int(wildcards.k) * config["rank"]["cv_max_iter"]
             * cv_problems())
    return attempt * (1 + math.ceil(3 * NMF_SECONDS_PER_UNIT * units / 60))


def cross_validate_mem_mb(wildcards, attempt):
    """MB for one rank's CV folds: data, weights, W and H of every problem, ~8 copies."""
    floats = cv_problems() * (2 * CHANNELS + int(wildcards.k)) * len(SAMPLES)
    return attempt * (500 + math.ceil(8 * 8 * floats / 1e6))


def consensus_mem_mb(wildcards, attempt):
    """MB to hold and cluster every replicate's W and H of one rank (~4 copies)."""
    floats = EXTRACT["replicates"] * int(wildcards.k) * (CHANNELS + len(SAMPLES))
    return attempt * (1000 + math.ceil(4 * 8 * floats / 1e6))


def catalog_runtime(wildcards, input, attempt):
    """Minutes to count one sample's VCF: 1 plus 1 per 20 MB of VCF."""
    return attempt * (1 + math.ceil(os.path.getsize(input.vcf) / 20e6))

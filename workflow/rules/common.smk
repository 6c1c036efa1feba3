# Validation, the sample table, wildcard constraints and input functions. No rules here.
import os
import re

from snakemake.utils import validate

from sigforge.discovery import chunk_ranges
from sigforge.genome import ensure_index
from sigforge.samplesheet import read_sample_sheet
from sigforge.workflow_checks import check_inputs, check_ranks

validate(config, "../schemas/config.schema.yaml")

SAMPLES = read_sample_sheet(config["samples"])
validate(SAMPLES, "../schemas/samples.schema.yaml")

REFERENCE = config["reference"]
EXTRACT = config["extract"]
RANKS = check_ranks(EXTRACT["ranks"]["min"], EXTRACT["ranks"]["max"], len(SAMPLES),
                    config["rank"]["fixed"])
CHUNKS = chunk_ranges(EXTRACT["replicates"], EXTRACT["replicates_per_chunk"])
check_inputs(REFERENCE, SAMPLES)
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

"""The one-patient input of ``sigforge refit --vcf``: the VCF counted in memory (its SBS96,
DBS78 and ID83 catalogs and its counted SNVs), the BED of regions of interest, and the tables
of each counted SNV's probability per signature.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sigforge.io import InputError, Matrix, atomic_write

logger = logging.getLogger("sigforge.cli.refit")


def sample_names(args: argparse.Namespace, paths: list[Path]) -> list[str]:
    """Sample names: --sample-name, else the column --vcf-sample picks, else the VCF's single
    sample column, else the file stem."""
    from sigforge.genomics.variants import input_stem, vcf_sample_columns

    if args.sample_name is not None:
        if len(args.sample_name) != len(paths):
            raise InputError(f"--sample-name gives {len(args.sample_name)} names for "
                             f"{len(paths)} VCFs; give one name per VCF.")
        return list(args.sample_name)
    chosen = getattr(args, "vcf_sample", None)
    if chosen is not None:
        return [chosen] * len(paths)
    names = []
    for path in paths:
        columns = vcf_sample_columns(path)
        names.append(columns[0] if len(columns) == 1 else input_stem(path))
    return names


#: Label columns of the tables a patient's name becomes a column of: the catalogs'
#: (SBS96.tsv, DBS78.tsv, ID83.tsv) and exposures.tsv's.
_LABEL_COLUMNS = {"MutationType": "SBS96.tsv", "Signature": "exposures.tsv"}


def name_source(args: argparse.Namespace) -> str:
    """Where the patient's name came from, in the words of a message: the option, the VCF's
    sample column or the VCF's file name (the order of :func:`sample_names`)."""
    from sigforge.genomics.variants import vcf_sample_columns

    if args.sample_name is not None:
        return "--sample-name"
    if args.vcf_sample is not None:
        return f"--vcf-sample, the sample column of VCF {args.vcf}"
    if len(vcf_sample_columns(Path(args.vcf))) == 1:
        return f"the sample column of VCF {args.vcf}"
    return f"the file name of VCF {args.vcf}"


def check_patient_name(args: argparse.Namespace, name: str) -> None:
    """Refuse a patient named like the label column of a table the name becomes a column of
    ('Signature' in exposures.tsv, 'MutationType' in SBS96.tsv), before the VCF is counted:
    found only when the table is written, it would stop the run after the work, blaming the
    output file instead of the name."""
    table = _LABEL_COLUMNS.get(name)
    if table is None:
        return
    raise InputError(f"sample name '{name}' (from {name_source(args)}) is the name of the "
                     f"label column of {table}, where the patient is a column, so that table "
                     "could not be read back. Name the patient otherwise with --sample-name "
                     f"(e.g. --sample-name {name}_1).")


class Patient(NamedTuple):
    """One patient's counted VCF: SBS96 catalog, log, counted SBS96 variants, contig
    resolver, its DBS78 and ID83 catalogs, and the FASTA's contig lengths."""

    matrix: Matrix
    log: pd.DataFrame
    variants: pd.DataFrame
    resolve: Callable[[str], str | None]
    others: dict[str, pd.DataFrame]
    lengths: dict[str, int]


def patient_catalog(args: argparse.Namespace) -> Patient:
    """Per-patient mode: count the VCF into an SBS96 catalog in memory, keeping its variants."""
    from sigforge.genomics.accounting import log_fingerprints
    from sigforge.genomics.catalog import assemble_cohort, count_sample
    from sigforge.genomics.genome import ReferenceGenome
    from sigforge.genomics.samplesheet import file_stems

    if not args.reference:
        raise InputError("--vcf needs --reference GENOME.fa (the FASTA the VCF was called "
                         "against).")
    name = sample_names(argparse.Namespace(sample_name=None if args.sample_name is None
                                            else [args.sample_name],
                                            vcf_sample=args.vcf_sample), [Path(args.vcf)])[0]
    file_stems([name], f"VCF {args.vcf}")  # the name becomes file names: check it first
    check_patient_name(args, name)
    genome = ReferenceGenome(args.reference)
    contexts = ("SBS96", "DBS78", "ID83")
    targets = None
    if args.regions is not None:
        from sigforge.genomics.target_regions import read_target_regions

        targets = read_target_regions(args.regions, genome.lengths, genome.resolve)
    result = count_sample(args.vcf, genome, sample=name, vcf_sample=args.vcf_sample,
                          all_filters=args.all_filters, contexts=contexts, keep_variants=True,
                          regions=targets)
    genome.close()
    catalogs, log = assemble_cohort([result], contexts, log_fingerprints(
        args.reference, genome.lengths, targets))
    counts = catalogs["SBS96"]
    if int(counts.to_numpy().sum()) == 0:
        doublets, indels = (int(catalogs[c].to_numpy().sum()) for c in ("DBS78", "ID83"))
        skipped = {reason: n for reason, n in dict(result.skipped).items() if n}
        raise InputError(f"VCF {args.vcf}: no SNV of sample '{name}' could be counted "
                         f"({result.variants_read} variants read: {doublets} counted as "
                         f"doublets (DBS78), {indels} as indels (ID83); skipped: "
                         f"{skipped or 'none'}). The patient page is built on SNVs (SBS96). "
                         "To refit doublets or indels alone, count them with 'sigforge "
                         "catalog' and run 'sigforge refit --catalog DBS78.tsv' (or "
                         "ID83.tsv).")
    others = {name: catalogs[name].astype(np.float64) for name in ("DBS78", "ID83")
              if name in catalogs}
    return Patient(Matrix(counts.astype(np.float64), "SBS96", str(args.vcf)), log,
                    result.variants, genome.resolve, others, dict(genome.lengths))


def read_regions_of_interest(args: argparse.Namespace) -> pd.DataFrame | None:
    """The --regions-of-interest BED, read and checked before any work (VCF input only)."""
    if args.regions_of_interest is None:
        return None
    if not args.vcf:
        raise InputError("--regions-of-interest reports the variants of one patient's VCF: "
                         "give --vcf (a catalog has no variants), or drop the option.")
    from sigforge.genomics.regions import read_regions

    return read_regions(args.regions_of_interest)


def _write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """A plain TSV without index, floats to 6 significant digits, written atomically."""
    with atomic_write(path) as handle:
        frame.to_csv(handle, sep="\t", index=False, float_format="%.6g")


def write_attribution(patient: Patient, signatures: Matrix, exposures: pd.DataFrame,
                       regions: pd.DataFrame | None, out: Path) -> None:
    """mutation_probabilities.tsv and regions_of_interest.tsv (header only without a BED)."""
    from sigforge.genomics.mutation_tables import (
        REGION_TABLE,
        mutation_probabilities,
        mutation_probabilities_text,
        regions_of_interest,
    )
    from sigforge.genomics.regions import variants_in_regions

    sample = exposures.columns[0]
    table = mutation_probabilities(patient.variants, signatures.data, exposures[sample])
    with atomic_write(out / "mutation_probabilities.tsv") as handle:
        handle.write(mutation_probabilities_text(table))
    if regions is None:
        hits = pd.DataFrame(columns=list(REGION_TABLE))
    else:
        pairs = variants_in_regions(table["chrom"], table["pos"], regions, patient.resolve)
        hits = regions_of_interest(table, regions, pairs)
        logger.info("regions of interest: %d counted SNV(s) in %d of %d region(s)",
                    pairs["variant_row"].nunique(), pairs["region_row"].nunique(), len(regions))
    _write_tsv(hits, out / "regions_of_interest.tsv")

"""The one-patient input of ``sigforge refit --vcf``: the VCF counted in memory (its SBS96,
DBS78 and ID83 catalogs and its counted SNVs), the BED of regions of interest, and the tables
of each counted SNV's probability per signature.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sigforge.io import InputError, Matrix, atomic_write

logger = logging.getLogger("sigforge.cli.refit")


def sample_names(args: argparse.Namespace, paths: list[Path]) -> list[str]:
    """Sample names: --sample-name, else the column --vcf-sample picks, else the VCF's single
    sample column (a MAF's single Tumor_Sample_Barcode), else the file stem."""
    from sigforge.genomics.variants import input_stem, is_maf, vcf_sample_columns

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
        columns = maf_barcodes(path) if is_maf(path) else vcf_sample_columns(path)
        names.append(columns[0] if len(columns) == 1 else input_stem(path))
    return names


def maf_barcodes(path: Path) -> list[str]:
    """The Tumor_Sample_Barcodes of a MAF given as --vcf: its one barcode names the patient
    as a single-sample VCF's column does; several need --vcf-sample (refused here, listing
    them, before any counting). Only the barcode column is read here: the count reads the
    whole file (reading it twice repeated its notes, such as the Mutation_Status one)."""
    from sigforge.genomics.maf import maf_barcodes as barcodes_of

    barcodes = barcodes_of(path)
    if len(barcodes) > 1:
        listed = ", ".join(barcodes[:10]) + (" ..." if len(barcodes) > 10 else "")
        raise InputError(f"MAF {path}: holds {len(barcodes)} tumour samples "
                         f"(Tumor_Sample_Barcode {listed}); say which one is the patient with "
                         f"--vcf-sample (e.g. --vcf-sample {shlex.quote(barcodes[0])}).")
    return barcodes


#: Label columns of the tables a patient's name becomes a column of: the catalogs'
#: (SBS96.tsv, DBS78.tsv, ID83.tsv) and exposures.tsv's.
_LABEL_COLUMNS = {"MutationType": "SBS96.tsv", "Signature": "exposures.tsv"}


def name_source(args: argparse.Namespace) -> str:
    """Where the patient's name came from, in the words of a message: the option, the VCF's
    sample column or the VCF's file name (the order of :func:`sample_names`)."""
    from sigforge.genomics.variants import is_maf, vcf_sample_columns

    if args.sample_name is not None:
        return "--sample-name"
    if args.vcf_sample is not None:
        return f"--vcf-sample, the sample column of VCF {args.vcf}"
    if is_maf(args.vcf):
        return f"the Tumor_Sample_Barcode of MAF {args.vcf}"
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
    resolver, its DBS78 and ID83 catalogs, the FASTA's contig lengths and the targeted
    regions it was counted in (--regions; None: the whole genome)."""

    matrix: Matrix
    log: pd.DataFrame
    variants: pd.DataFrame
    resolve: Callable[[str], str | None]
    others: dict[str, pd.DataFrame]
    lengths: dict[str, int]
    targets: Any = None
    skipped: Any = None  # where the variants no catalog counts lie (chrom, pos, reason)


def check_not_unnamed_maf(path: Path) -> None:
    """Refuse a MAF whose name is not a MAF's (cBioPortal's data_mutations.txt) with the fix:
    --vcf reads a MAF by its name, and would call this one 'not a VCF'."""
    from sigforge.genomics.maf import maf_header_columns
    from sigforge.genomics.variants import is_maf

    if is_maf(path) or not path.is_file():
        return
    columns = maf_header_columns(path)
    if columns:
        raise InputError(f"--vcf {path}: it is a MAF (its header names {', '.join(columns)}), "
                         "and --vcf reads a MAF when its name ends in .maf (.maf.gz, .maf.txt, "
                         f".maf.tsv): link or copy it under such a name (ln -s {path.name} "
                         f"{path.stem}.maf) and give that.")


def _check_maf_build(path: Path, genome_build: str) -> None:
    """Refuse a MAF whose NCBI_Build names another build than --genome-build (the shipped
    signature tables of --genome-build would be fitted to another build's counts)."""
    from sigforge.genomics.maf import maf_barcodes as barcodes_of
    from sigforge.genomics.sheet_inputs import build_problem

    builds: dict[str, list[int]] = {}
    barcodes_of(path, builds)
    problem = build_problem(builds, genome_build, "--genome-build")
    if problem is not None:
        raise InputError(f"MAF {path}: {problem}.")


def patient_catalog(args: argparse.Namespace) -> Patient:
    """Per-patient mode: count the VCF into an SBS96 catalog in memory, keeping its variants."""
    from sigforge.genomics.accounting import log_fingerprints, skip_summary
    from sigforge.genomics.catalog import assemble_cohort, count_sample
    from sigforge.genomics.genome import ReferenceGenome
    from sigforge.genomics.samplesheet import file_stems
    from sigforge.genomics.variants import is_maf

    if not args.reference:
        raise InputError("--vcf needs --reference GENOME.fa (the FASTA the VCF was called "
                         "against).")
    check_not_unnamed_maf(Path(args.vcf))
    if is_maf(args.vcf):
        _check_maf_build(Path(args.vcf), args.genome_build)
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
    logger.info("%s: %d variants read; counted %s; skipped %s", name, result.variants_read,
                ", ".join(f"{k} {v}" for k, v in result.counted_by_kind.items()) or "nothing",
                skip_summary(result) or "none")
    catalogs, log = assemble_cohort([result], contexts, log_fingerprints(
        args.reference, genome.lengths, targets))
    counts = catalogs["SBS96"]
    if int(counts.to_numpy().sum()) == 0 and not args.drop_empty:
        doublets, indels = (int(catalogs[c].to_numpy().sum()) for c in ("DBS78", "ID83"))
        kind = "MAF" if is_maf(args.vcf) else "VCF"
        filtered = sum(result.skipped[r] for r in ("filtered", "not_somatic"))
        raise InputError(f"{kind} {args.vcf}: no SNV of sample '{name}' could be counted "
                         f"({result.variants_read} variants read: {doublets} counted as "
                         f"doublets (DBS78), {indels} as indels (ID83); skipped: "
                         f"{skip_summary(result) or 'none'}). The patient page is built on "
                         "SNVs (SBS96). "
                         + ("If the filters or the somatic status are not to be trusted, "
                            "--all-filters counts those variants. " if filtered
                            and not args.all_filters else "")
                         + "To refit doublets or indels alone, count them with 'sigforge "
                         "catalog' and run 'sigforge refit --catalog DBS78.tsv' (or "
                         "ID83.tsv).")
    others = {name: catalogs[name].astype(np.float64) for name in ("DBS78", "ID83")
              if name in catalogs}
    return Patient(Matrix(counts.astype(np.float64), "SBS96", str(args.vcf)), log,
                   result.variants, genome.resolve, others, dict(genome.lengths), targets,
                   result.skipped_sites)


def _write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """A plain TSV without index, floats to 6 significant digits, written atomically."""
    with atomic_write(path) as handle:
        frame.to_csv(handle, sep="\t", index=False, float_format="%.6g")


def quoted_header(text: str) -> str:
    """The TSV ``text`` with its header line quoted as pandas writes every other table
    (a name holding a quote, tab or line break in double quotes, its quotes doubled), so
    that a signature named ``"><img ...`` reads back as written."""
    header, _, rest = text.partition("\n")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="").writerow(header.split("\t"))
    return f"{buffer.getvalue()}\n{rest}"


def write_attribution(patient: Patient, signatures: Matrix, exposures: pd.DataFrame,
                      regions: pd.DataFrame | None, out: Path, others: pd.DataFrame | None = None,
                      types: Sequence[Any] = ()) -> dict[str, int]:
    """mutation_probabilities.tsv and regions_of_interest.tsv (header only without a BED):
    the SNVs, doublets and indels (``others``) in the regions, with their most likely
    signature (a doublet's or an indel's from its type's refit in ``types``). Returns how
    many of the patient's variants in the regions no catalog counted, by skip reason (the
    page says so: a region listing nothing may hold a filtered variant)."""
    from sigforge.cli.refit_regions import RECORD_COLUMNS, region_table
    from sigforge.genomics.mutation_tables import (
        mutation_probabilities,
        mutation_probabilities_text,
    )
    from sigforge.report.patient_rows import REGION_TABLE_COLUMNS

    sample = exposures.columns[0]
    table = mutation_probabilities(patient.variants, signatures.data, exposures[sample])
    with atomic_write(out / "mutation_probabilities.tsv") as handle:
        handle.write(quoted_header(mutation_probabilities_text(table)))
    if regions is None:
        hits = pd.DataFrame(columns=list(REGION_TABLE_COLUMNS))
    else:
        if others is None:
            others = pd.DataFrame(columns=list(RECORD_COLUMNS))
        hits = region_table(table, others, regions, patient.resolve, types)
        _log_regions(hits, regions, types)
    _write_tsv(hits, out / "regions_of_interest.tsv")
    return {} if regions is None else skipped_in_regions(patient, regions)


def skipped_in_regions(patient: Patient, regions: pd.DataFrame) -> dict[str, int]:
    """The patient's uncounted variants (:attr:`Patient.skipped`) inside the regions, by
    skip reason, each variant once however many regions hold it."""
    from sigforge.genomics.regions import variants_in_regions

    sites = patient.skipped
    if sites is None or sites.empty:
        return {}
    pairs = variants_in_regions(sites["chrom"], sites["pos"].astype(np.int64), regions,
                                patient.resolve, quiet=True)
    inside = sites.iloc[np.unique(pairs["variant_row"].to_numpy())]
    return {str(k): int(v) for k, v in inside["reason"].value_counts().sort_index().items()}


def _log_regions(hits: pd.DataFrame, regions: pd.DataFrame, types: Sequence[Any]) -> None:
    """Say what the regions of interest hold, and why doublets or indels in them have no
    signature when their type was not refitted."""
    variants = hits.drop_duplicates(subset=["type", "chrom", "pos", "ref", "alt"])
    counts = variants["type"].value_counts()
    overlap = (f" ({len(hits)} rows of regions_of_interest.tsv: a variant in overlapping "
               "regions has a row per region)" if len(hits) > len(variants) else "")
    logger.info("regions of interest: %d counted SNV(s), %d doublet(s) (DBS78) and %d "
                "indel(s) (ID83) in %d of %d region(s)%s", counts.get("SBS96", 0),
                counts.get("DBS78", 0), counts.get("ID83", 0),
                hits[["region_chrom", "region_start", "region_end", "region"]]
                .drop_duplicates().shape[0], len(regions), overlap)
    refitted = {refit.context for refit in types if refit.signatures is not None}
    unrefitted = [name for name in ("DBS78", "ID83") if counts.get(name, 0)
                  and name not in refitted]
    if unrefitted:
        logger.info("regions_of_interest.tsv lists the %s in the regions without a signature: "
                    "the signature set has no %s table to refit them to",
                    " and ".join(unrefitted), " or ".join(unrefitted))

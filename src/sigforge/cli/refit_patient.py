"""The one-patient input of ``sigforge refit --vcf``: the VCF counted in memory (its SBS96,
DBS78 and ID83 catalogs and its counted SNVs), the BED of regions of interest, and the tables
of each counted SNV's probability per signature.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

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
    resolver, its DBS78 and ID83 catalogs, the FASTA's contig lengths and the targeted
    regions it was counted in (--regions; None: the whole genome)."""

    matrix: Matrix
    log: pd.DataFrame
    variants: pd.DataFrame
    resolve: Callable[[str], str | None]
    others: dict[str, pd.DataFrame]
    lengths: dict[str, int]
    targets: Any = None


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
                   result.variants, genome.resolve, others, dict(genome.lengths), targets)


def read_regions_of_interest(args: argparse.Namespace) -> pd.DataFrame | None:
    """The --regions-of-interest BED, read and checked before any work (VCF input only)."""
    if args.regions_of_interest is None:
        return None
    if not args.vcf:
        raise InputError("--regions-of-interest reports the variants of one patient's VCF: "
                         "give --vcf (a catalog has no variants), or drop the option.")
    from sigforge.genomics.regions import read_regions

    return read_regions(args.regions_of_interest)


def check_roi_contigs(regions: pd.DataFrame, patient: Patient, label: str) -> None:
    """Check the regions of interest against the reference FASTA: a region ending past its
    contig's end is refused (a BED of another build, :func:`check_within_contigs`), and so is
    a BED none of whose contigs the FASTA has (also under the aliases chr1/1, chrM/MT: a
    BED of another naming or build, whose regions could never hold a variant); contigs the
    FASTA lacks beside known ones are named in a warning, as their regions hold nothing."""
    from sigforge.genomics.regions import check_within_contigs

    check_within_contigs(regions, patient.lengths, patient.resolve, label)
    unknown = [str(chrom) for chrom in dict.fromkeys(regions["chrom"])
               if patient.resolve(str(chrom)) is None]
    if not unknown:
        return
    known = list(patient.lengths)
    listed = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
    contigs = ", ".join(known[:5]) + (" ..." if len(known) > 5 else "")
    if len(unknown) == regions["chrom"].nunique():
        first = regions[regions["chrom"] == unknown[0]].iloc[0]
        raise InputError(f"{label}, line {first['line']}: none of the BED's contigs ({listed}) "
                         f"is in the reference FASTA (also under the aliases chr1/1, chrM/MT; "
                         f"its contigs are {contigs}), so no region could hold a variant. Give "
                         "the BED of the genome build and contig names the FASTA holds.")
    logger.warning("%s: contig(s) %s are not in the reference FASTA (its contigs are %s); "
                   "their regions hold no variant. Check the BED's contig names and build.",
                   label, listed, contigs)


def _roi_targets(regions: pd.DataFrame, patient: Patient) -> Any:
    """The regions of interest as targeted regions (merged per FASTA contig), cut to the
    regions the patient was counted in (--regions), so that counting the VCF with them
    finds the mutations the catalog counted inside the regions of interest."""
    from sigforge.genomics.target_regions import TargetRegions, merge_intervals

    intervals = {}
    known = regions.assign(contig=regions["chrom"].map(lambda c: patient.resolve(str(c))))
    for contig, group in known.dropna(subset=["contig"]).groupby("contig", sort=False):
        starts, ends = merge_intervals(group["start"].to_numpy(np.int64),
                                       group["end"].to_numpy(np.int64))
        if patient.targets is not None:
            starts, ends = _intersect(starts, ends, patient.targets, str(contig))
        if len(starts):
            intervals[str(contig)] = (starts, ends)
    return TargetRegions(Path("regions of interest"), intervals)


def _intersect(starts: np.ndarray, ends: np.ndarray, targets: Any, contig: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """The bases of the disjoint intervals (``starts``, ``ends``) inside ``targets`` on
    ``contig``, as disjoint intervals: the stretches between consecutive interval ends of
    either set lie wholly inside or outside each, so each is kept or dropped whole."""
    from sigforge.genomics.target_regions import merge_intervals

    other = targets.intervals.get(contig)
    if other is None:
        return starts[:0], ends[:0]
    points = np.unique(np.concatenate([starts, ends, other[0], other[1]]))
    lows, highs = points[:-1], points[1:]
    inside = targets.contains(contig, lows + 1)
    mine = np.searchsorted(starts, lows, side="right") - 1
    inside &= (mine >= 0) & (lows < ends[np.clip(mine, 0, None)])
    if not inside.any():
        return starts[:0], ends[:0]
    return merge_intervals(lows[inside], highs[inside])


def in_regions_counts(args: argparse.Namespace, patient: Patient,
                      regions: pd.DataFrame) -> dict[str, int]:
    """The patient's counted doublets (DBS78) and indels (ID83) inside the regions of
    interest (by their first base, as --regions counts them).

    The regions table lists SNVs only (they alone are attributed variant by variant), so the
    page says how many doublets and indels the regions hold instead of calling them empty.
    The VCF is counted a second time, restricted to the regions of interest.
    """
    from sigforge.genomics.catalog import count_sample
    from sigforge.genomics.genome import ReferenceGenome

    targets = _roi_targets(regions, patient)
    if not targets.intervals:
        return {"DBS78": 0, "ID83": 0}
    genome = ReferenceGenome(args.reference)
    try:
        result = count_sample(args.vcf, genome, sample=str(patient.matrix.data.columns[0]),
                              vcf_sample=args.vcf_sample, all_filters=args.all_filters,
                              contexts=("DBS78", "ID83"), regions=targets)
    finally:
        genome.close()
    counts = {context: int(result.matrices[context].sum()) for context in ("DBS78", "ID83")}
    if any(counts.values()):
        logger.info("regions of interest: %d counted doublet(s) (DBS78) and %d indel(s) "
                    "(ID83) lie inside them; regions_of_interest.tsv lists SNVs only",
                    counts["DBS78"], counts["ID83"])
    return counts


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
        handle.write(quoted_header(mutation_probabilities_text(table)))
    if regions is None:
        hits = pd.DataFrame(columns=list(REGION_TABLE))
    else:
        pairs = variants_in_regions(table["chrom"], table["pos"], regions, patient.resolve)
        hits = regions_of_interest(table, regions, pairs)
        logger.info("regions of interest: %d counted SNV(s) in %d of %d region(s)",
                    pairs["variant_row"].nunique(), pairs["region_row"].nunique(), len(regions))
    _write_tsv(hits, out / "regions_of_interest.tsv")

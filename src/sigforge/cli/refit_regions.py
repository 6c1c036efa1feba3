"""The regions of interest of ``sigforge refit --vcf``: the BED read and checked against the
FASTA, and the patient's counted doublets (DBS78) and indels (ID83) inside them, one record
each, for ``regions_of_interest.tsv`` beside the SNVs.

The counting keeps a record per SNV only (:mod:`sigforge.genomics.sbs_variants`), so the
doublets and indels are found by counting again, one site at a time: for each position inside
the regions where a doublet or an indel may start, the variants around it (enough for the
doublet pairing rules) are counted with that single base as the targeted region. What the
counting adds there is exactly what the patient's catalogs counted starting at that base, by
the same code, so the records always agree with the DBS78 and ID83 catalogs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sigforge.cli.refit_patient import Patient
from sigforge.io import InputError

#: Columns of :func:`doublets_and_indels` (``order``: the first table row, for VCF order).
RECORD_COLUMNS = ("type", "chrom", "pos", "ref", "alt", "channel", "order", "last")


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
    """Check the regions of interest against the patient's reference FASTA
    (:func:`sigforge.genomics.regions.check_regions_of_interest`)."""
    from sigforge.genomics.regions import check_regions_of_interest

    check_regions_of_interest(regions, patient.lengths, patient.resolve, label)


def roi_targets(regions: pd.DataFrame, patient: Patient) -> Any:
    """The regions of interest as targeted regions (merged per FASTA contig): where a counted
    doublet or indel must reach to be listed."""
    from sigforge.genomics.target_regions import TargetRegions, merge_intervals

    intervals = {}
    known = regions.assign(contig=regions["chrom"].map(lambda c: patient.resolve(str(c))))
    for contig, group in known.dropna(subset=["contig"]).groupby("contig", sort=False):
        intervals[str(contig)] = merge_intervals(group["start"].to_numpy(np.int64),
                                                 group["end"].to_numpy(np.int64))
    return TargetRegions(Path("regions of interest"), intervals)


def _reaches(targets: Any, contig: str, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether any base of each 1-based span ``first..last`` lies in ``targets`` on
    ``contig``: the first merged interval ending after the span's first base must start
    before its last."""
    if contig not in targets.intervals:
        return np.zeros(len(first), dtype=bool)
    starts, ends = targets.intervals[contig]
    index = np.searchsorted(ends, first - 1, side="right")
    found = index < len(starts)
    found[found] = starts[index[found]] < last[found]
    return found


def doublets_and_indels(args: argparse.Namespace, patient: Patient,
                        regions: pd.DataFrame) -> pd.DataFrame:
    """The patient's counted doublets and indels of which a reference base lies in a region
    of interest (a deletion starting before a gene and reaching into it is the gene's), one
    row each with :data:`RECORD_COLUMNS`, in VCF order; ``type`` is DBS78 or ID83,
    ``channel`` the label it was counted in, ``last`` its last reference base."""
    from sigforge.genomics.allele_trim import trim_shared_bases, unanchor_contig_start
    from sigforge.genomics.genome import ReferenceGenome
    from sigforge.genomics.maf import anchor_maf_indels
    from sigforge.genomics.variants import read_input

    targets = roi_targets(regions, patient)
    if not targets.intervals:
        return pd.DataFrame(columns=list(RECORD_COLUMNS))
    genome = ReferenceGenome(args.reference)
    try:
        table = read_input(args.vcf, vcf_sample=args.vcf_sample)
        if "-" in table.ref or "-" in table.alt:
            anchor_maf_indels(table, genome.base)
        trim_shared_bases(table)  # as the catalog counted them (genomics.catalog.count_table)
        unanchor_contig_start(table)
        records = [record for site in _sites(table, targets, patient.targets, genome.resolve)
                   for record in _counted_at(table, site, genome, args.all_filters)]
    finally:
        genome.close()
    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    return frame.sort_values("order", kind="stable").reset_index(drop=True)


class _Site(NamedTuple):
    """A position where a counted doublet or indel may start: the table's contig code, the
    FASTA contig, the 1-based position and the table rows around it (file order)."""

    code: int
    contig: str
    pos: int
    rows: np.ndarray


def _window() -> int:
    """Bases either side of a site whose variants are counted with it: the doublet rules
    look at SNVs up to ``DBS_ISOLATION_BP`` bases from a pair's bases."""
    from sigforge.genomics.sample_counts import DBS_ISOLATION_BP

    return DBS_ISOLATION_BP + 3


def _sites(table: Any, targets: Any, counted_in: Any, resolve: Any) -> list[_Site]:
    """The positions where a counted doublet or indel reaching into the regions (``targets``)
    may start: a record that is not a single-base change, or a variant followed by another at
    the next base (a pair of adjacent SNVs), whose reference bases reach a region; with
    --regions (``counted_in``) only where the catalog counted it, at a first base inside
    them. By contig, so that each contig is fetched once."""
    window = _window()
    span = np.fromiter(map(len, table.ref), dtype=np.int64, count=len(table))
    single = np.fromiter((len(ref) == 1 and len(alt) == 1
                          for ref, alt in zip(table.ref, table.alt, strict=True)),
                         dtype=bool, count=len(table))
    sites = []
    for code, name in enumerate(table.contig_names):
        contig = resolve(name)
        if contig is None or contig not in targets.intervals:
            continue
        rows = np.flatnonzero(table.contig == code)
        rows = rows[np.argsort(table.pos[rows], kind="stable")]
        pos = table.pos[rows].astype(np.int64)
        paired = np.isin(pos + 1, pos)
        last = pos + np.maximum(span[rows], np.where(paired, 2, 1)) - 1
        start = (~single[rows] | paired) & _reaches(targets, contig, pos, last)
        if counted_in is not None:
            start &= counted_in.contains(contig, pos)
        for site in np.unique(pos[start]).tolist():
            low, high = np.searchsorted(pos, [site - window, site + window + 1])
            sites.append(_Site(code, contig, int(site), np.sort(rows[low:high])))
    return sites


def _rows_table(table: Any, rows: np.ndarray) -> Any:
    """The variant table of ``rows`` alone (file order), its one sample carrying the rows it
    carries in ``table``."""
    from sigforge.genomics.variant_table import VariantTable

    members = None
    if table.members is not None:
        carried = np.asarray(table.members[0])
        at = np.searchsorted(carried, rows)
        inside = at < len(carried)
        inside[inside] = carried[at[inside]] == rows[inside]
        members = [np.flatnonzero(inside)]
    listed = rows.tolist()
    return VariantTable(source=table.source, contig_names=table.contig_names,
                        contig=table.contig[rows], pos=table.pos[rows],
                        ref=[table.ref[i] for i in listed], alt=[table.alt[i] for i in listed],
                        passed=table.passed[rows], line=table.line[rows],
                        samples=table.samples[:1], members=members,
                        declared_lengths=table.declared_lengths,
                        shared_rows=table.shared_rows,
                        # the per-sample filter (FORMAT/FT), somatic status and phase, which
                        # decide what the catalog counted
                        sample_failed=(None if table.sample_failed is None
                                       else [np.asarray(table.sample_failed[0])[rows]]),
                        not_somatic=(None if table.not_somatic is None
                                     else table.not_somatic[rows]),
                        phase=(None if table.phase is None
                               else [np.asarray(table.phase[0])[rows]]))


def _counted_at(table: Any, site: _Site, genome: Any, all_filters: bool
                ) -> list[tuple[str, str, int, str, str, str, int, int]]:
    """The doublets and indels the counting adds starting at ``site``: the variants around
    it counted with that single base as the targeted region (as the patient's catalogs were
    counted), each channel's count matched to the records that make it."""
    from sigforge.genomics.accounting import CatalogOptions
    from sigforge.genomics.classify import classify_table
    from sigforge.genomics.contexts import CHANNEL_SETS
    from sigforge.genomics.sample_counts import count_sample_rows
    from sigforge.genomics.target_regions import TargetRegions

    part = _rows_table(table, site.rows)
    base = TargetRegions(Path("site"), {site.contig: (np.array([site.pos - 1], np.int64),
                                                      np.array([site.pos], np.int64))})
    options = CatalogOptions(("DBS78", "ID83"), all_filters, regions=base)
    verdicts = classify_table(part, genome, options)
    matrices = count_sample_rows(part, 0, verdicts, options).matrices
    chrom = table.contig_names[site.code]
    records = []
    for kind in ("DBS78", "ID83"):
        for channel in np.flatnonzero(matrices[kind]).tolist():
            label = CHANNEL_SETS[kind][channel]
            found = _alleles(part, verdicts, site.pos, kind, channel, label, all_filters)
            for n in range(int(matrices[kind][channel])):
                ref, alt, row = found[n] if n < len(found) else ("", "", 0)
                records.append((kind, chrom, site.pos, ref, alt, label, int(site.rows[row]),
                                site.pos + max(len(ref), 1) - 1))
    return records


def _alleles(part: Any, verdicts: Any, pos: int, kind: str, channel: int, label: str,
             all_filters: bool) -> list[tuple[str, str, int]]:
    """(REF, ALT, row) of the counted records at ``pos`` in ``channel``: indels, 2-bp
    doublet records, then pairs of adjacent SNVs (their bases joined); each REF/ALT once
    (a repeated record is counted once), in file order."""
    from sigforge.genomics.accounting import (
        COUNTED,
        KIND_DBS,
        KIND_INDEL,
        KIND_SNV,
        REASON_CODE,
    )
    from sigforge.genomics.contexts import dbs78_label

    usable = np.zeros(len(part), dtype=bool)
    usable[part.rows_of(0)] = True
    if not all_filters:
        usable &= part.passed
    # an SNV without a trinucleotide (contig end, N beside it) still pairs into a doublet
    counted = usable & ((verdicts.fate == COUNTED) | verdicts.flankless) & (part.pos == pos)
    if kind == "ID83":
        rows = np.flatnonzero(counted & (verdicts.kind == KIND_INDEL)
                              & (verdicts.indel == channel))
        found = [(part.ref[i], part.alt[i], i) for i in rows.tolist()]
    else:
        rows = np.flatnonzero(counted & (verdicts.kind == KIND_DBS) & (verdicts.dbs == channel))
        found = [(part.ref[i], part.alt[i], i) for i in rows.tolist()]
        snv = verdicts.kind == KIND_SNV
        seconds = np.flatnonzero(usable & snv & (part.pos == pos + 1) & (np.isin(
            verdicts.fate, [COUNTED, REASON_CODE["outside_regions"]]) | verdicts.flankless)
                                 ).tolist()
        for first in np.flatnonzero(counted & snv).tolist():
            for second in seconds:
                ref, alt = part.ref[first] + part.ref[second], part.alt[first] + part.alt[second]
                if dbs78_label(ref, alt) == label:
                    found.append((ref, alt, first))
    seen: set[tuple[str, str]] = set()
    unique = []
    for ref, alt, row in found:
        if (ref, alt) not in seen:
            seen.add((ref, alt))
            unique.append((ref, alt, row))
    return unique


def region_table(probabilities: pd.DataFrame, others: pd.DataFrame, regions: pd.DataFrame,
                 resolve: Any, types: Sequence[Any]) -> pd.DataFrame:
    """``regions_of_interest.tsv``: one row per (region, counted variant inside it), SNVs
    (``probabilities``, the rows of mutation_probabilities.tsv), doublets and indels
    (``others``, :func:`doublets_and_indels`) alike, each with its region's name and BED
    coordinates (two regions of one name stay apart), its type and its most likely signature
    with that probability; empty for a doublet or an indel whose type was not refitted
    (``types``: the patient's doublet and indel refits). Regions in BED order, the variants
    of a region by position (SNVs first at a shared position)."""
    from sigforge.genomics.mutation_tables import regions_of_interest
    from sigforge.genomics.regions import variants_in_regions
    from sigforge.report.patient_rows import REGION_TABLE_COLUMNS

    n = len(probabilities)
    pairs = variants_in_regions(
        pd.concat([probabilities["chrom"], others["chrom"]], ignore_index=True),
        pd.concat([probabilities["pos"], others["pos"]], ignore_index=True).astype(np.int64),
        regions, resolve,
        last=pd.concat([probabilities["pos"], others["last"]], ignore_index=True))
    snv = pairs[pairs["variant_row"] < n].reset_index(drop=True)
    snvs = regions_of_interest(probabilities, regions, snv).assign(
        type="SBS96", region_row=snv["region_row"].to_numpy())
    other = pairs[pairs["variant_row"] >= n]
    records = others.iloc[other["variant_row"].to_numpy() - n].reset_index(drop=True)
    records = records.assign(region=regions["region"].to_numpy()[other["region_row"]],
                             region_row=other["region_row"].to_numpy(), context="",
                             **_most_likely(records, types))
    table = pd.concat([snvs, records[snvs.columns]], ignore_index=True)
    table = table.sort_values(["region_row", "pos"], kind="stable")
    spans = regions.iloc[table["region_row"].to_numpy()]
    table = table.assign(region_chrom=spans["chrom"].to_numpy(),
                         region_start=spans["start"].to_numpy(),
                         region_end=spans["end"].to_numpy())
    return table[list(REGION_TABLE_COLUMNS)].reset_index(drop=True)


def _most_likely(records: pd.DataFrame, types: Sequence[Any]) -> dict[str, Any]:
    """The ``signature``, ``probability`` and ``explained`` columns of doublet and indel
    ``records``: the most likely signature of their type's refit (the first in table order on
    a tie), as for SNVs, empty where the refit cannot produce the channel (``explained``
    False); all three empty where the type was not refitted."""
    from sigforge.refit import attribute_mutations

    signature = np.full(len(records), "", dtype=object)
    probability = np.full(len(records), np.nan)
    explained = np.full(len(records), "", dtype=object)
    for refit in types:
        mine = np.flatnonzero((records["type"] == refit.context).to_numpy())
        if refit.signatures is None or not mine.size:
            continue
        table = refit.signatures
        channels = table.index.get_indexer(records["channel"].to_numpy()[mine])
        result = attribute_mutations(table.to_numpy(np.float64),
                                     refit.exposures.loc[table.columns].to_numpy(np.float64),
                                     channels)
        best = result.probabilities.argmax(axis=1)
        known = result.explained
        signature[mine] = np.where(known, np.asarray(table.columns, dtype=object)[best], "")
        probability[mine] = np.where(known, result.probabilities[np.arange(len(best)), best],
                                     np.nan)
        explained[mine] = known
    return {"signature": signature, "probability": probability, "explained": explained}

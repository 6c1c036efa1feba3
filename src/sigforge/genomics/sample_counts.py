"""Counting one sample's alleles into its catalogs (:func:`count_sample_rows`).

Starts from the sample-independent verdicts of :mod:`.classify` and applies what depends on
the sample (steps 1, 7 and 8 of the order in :mod:`.catalog`'s docstring): FILTER and
genotype membership, duplicates, adjacent SNVs (DBS pairs and MNV runs), then adds the counted
alleles to the sample's matrices and records the evidence the build checks need. With
``keep_variants`` it also keeps one record per variant counted in SBS96 (:mod:`.sbs_variants`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from sigforge.genomics.accounting import (
    COUNTED,
    KIND_DBS,
    KIND_INDEL,
    KIND_SNV,
    REASON_CODE,
    SKIP_REASONS,
    CatalogOptions,
    SampleCatalog,
)
from sigforge.genomics.classify import Classified
from sigforge.genomics.contexts import CHANNEL_SETS, DBS_INDEX_TABLE, SBS_CONTEXTS
from sigforge.genomics.sbs_variants import dbs_base_records, snv_records
from sigforge.genomics.variant_table import VariantTable
from sigforge.genomics.vcf_fields import in_trans

#: SNVs closer than this (bp) to an adjacent pair keep the pair from being a DBS (SPMG's rule).
DBS_ISOLATION_BP = 5


def _first_occurrences(rows: np.ndarray, table: VariantTable, verdicts: Classified
                       ) -> np.ndarray:
    """Mask of rows that are the first with their contig, POS, REF and ALT, on the FASTA's
    contig (:attr:`Classified.site_contig`: '1' and 'chr1' are one contig) and, for an
    indel, at its leftmost spelling (:attr:`Classified.spelling`: one deletion written at
    two places of a repeat is one variant)."""
    if len(rows) == 0:
        return np.ones(0, dtype=bool)
    spelling = verdicts.spelling
    site = verdicts.site_contig[rows].astype(np.int64) << 40 | verdicts.site_pos[rows]
    step = np.diff(site)
    if (step > 0).all():  # a sorted file without a repeated site: no sort needed
        return np.ones(len(rows), dtype=bool)
    _, first_index, inverse, counts = np.unique(site, return_index=True, return_inverse=True,
                                                return_counts=True)
    first = np.zeros(len(rows), dtype=bool)
    first[first_index] = True
    shared = np.flatnonzero(counts[inverse] > 1)
    seen: set[tuple[int, str, str]] = set()
    for i in sorted(shared.tolist()):
        row = int(rows[i])
        key = ((int(site[i]), spelling[row], "") if row in spelling
               else (int(site[i]), table.ref[row], table.alt[row]))
        first[i] = key not in seen
        seen.add(key)
    return first


def _adjacent_snvs(rows: np.ndarray, table: VariantTable, site_contig: np.ndarray,
                   phase: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Among one sample's counted SNV rows: DBS first rows, their partners, and MNV rows
    (contigs as resolved on the FASTA, ``site_contig``).

    ``phase`` (the sample's phase codes, :func:`~.vcf_fields.phase_codes`) parts SNVs on
    consecutive positions that phased genotypes put on different haplotypes: not one
    doublet (nor part of a run), though each still keeps a pair within 5 bp from being one.
    """
    if len(rows) == 0:
        return rows, rows, rows
    order = np.lexsort((table.pos[rows], site_contig[rows]))
    rows = rows[order]
    pos, contig = table.pos[rows], site_contig[rows]
    gap = np.where(contig[1:] == contig[:-1], np.diff(pos), -1)  # -1: another contig
    adjacent = gap == 1
    if phase is not None:
        adjacent &= ~in_trans(phase[rows[:-1]], phase[rows[1:]])
    # a second allele at the same position (a 1/2 genotype) is as close as can be: which of
    # the two would pair with a neighbour would otherwise depend on the order of ALT
    close = (gap >= 0) & (gap <= DBS_ISOLATION_BP)
    pad_adj = np.concatenate([[False], adjacent, [False]])
    pad_close = np.concatenate([[False], close, [False]])
    # pair (j, j+1) is a DBS when adjacent and no SNV within 5 bp on either side of it
    pair = adjacent & ~pad_close[:-2] & ~pad_close[2:]
    left, right = pad_adj[:-1], pad_adj[1:]  # element k adjacent to k-1 / to k+1
    in_run3 = (left & right) | (right & np.concatenate([right[1:], [False]])) | (
        left & np.concatenate([[False], left[:-1]]))
    firsts = np.flatnonzero(pair)
    return rows[firsts], rows[firsts + 1], rows[in_run3]


def _runs_through_records(records: np.ndarray, snvs: np.ndarray, table: VariantTable,
                          site_contig: np.ndarray) -> np.ndarray:
    """The doublet records and SNVs that a doublet record joins into a run of three or more
    substituted bases in a row (a record touching an SNV or another record): an MNV, however
    the caller split it, as one 3-bp record or three 1-bp ones already are. Without this a
    run written as a 2-bp record plus an SNV counted one DBS and one SBS, and two touching
    2-bp records two DBS."""
    if not records.size:
        return records
    rows = np.concatenate([records, snvs])
    # one axis for all contigs, so that sorting and reach never cross from one to the next
    start = site_contig[rows].astype(np.int64) << 40 | table.pos[rows]
    end = start + np.where(np.arange(len(rows)) < len(records), 2, 1)  # one past the last base
    order = np.argsort(start, kind="stable")
    rows, start, end = rows[order], start[order], end[order]
    touch = start[1:] <= np.maximum.accumulate(end)[:-1]  # touches or overlaps one before
    group = np.concatenate([[0], np.cumsum(~touch)])
    has_record = np.zeros(group[-1] + 1, dtype=bool)
    has_record[group[np.isin(rows, records)]] = True
    first = np.flatnonzero(np.concatenate([[True], ~touch]))
    span = np.maximum.reduceat(end, first) - start[first]  # bases the group covers
    # three or more bases: an SNV of another ALT on a record's own base (a second allele,
    # as a 1/2 genotype) is no run and stays an SNV beside the doublet
    return rows[has_record[group] & (span[group] >= 3)]


def _drop_snvs_of_records(fates: _Fates, table: VariantTable, verdicts: Classified,
                          counted: np.ndarray) -> np.ndarray:
    """The counted rows without the SNVs that repeat one base of a doublet record of the same
    sample, which become ``duplicate``: a MAF with a DNP row and its two SNP rows, a VCF with
    an MNV record and its parts (``AC>CA`` at 1001, ``A>C`` at 1001) hold one mutation, counted
    once, as the doublet. Decided before adjacent SNVs are paired, so that such an SNV neither
    forms a second doublet nor keeps a neighbouring pair from being one. A record outside the
    targeted regions (placed by its first base) takes its SNV rows with it: an inside second
    base is the same mutation, not an SNV of the regions."""
    records = np.concatenate([counted, fates.with_code(REASON_CODE["outside_regions"])])
    records = records[verdicts.kind[records] == KIND_DBS]
    again = _repeat_record_bases(counted, records, table, verdicts)
    fates.set(counted[again], "duplicate")
    return counted[~again]


def _repeat_record_bases(rows: np.ndarray, records: np.ndarray, table: VariantTable,
                         verdicts: Classified) -> np.ndarray:
    """Which of ``rows`` are SNVs repeating one base of one of the doublet ``records`` (the
    same site and alleles): one mutation written twice."""
    again = np.zeros(len(rows), dtype=bool)
    if not records.size or not rows.size:
        return again
    contig = verdicts.site_contig
    bases = {(int(contig[r]), int(table.pos[r]) + i, table.ref[r][i], table.alt[r][i])
             for r in records.tolist() for i in (0, 1)}
    site = contig[rows].astype(np.int64) << 40 | table.pos[rows]
    record_sites = contig[records].astype(np.int64) << 40 | table.pos[records]
    near = np.flatnonzero((verdicts.kind[rows] == KIND_SNV)  # few: compare their alleles
                          & np.isin(site, np.concatenate([record_sites, record_sites + 1])))
    again[near] = [(int(contig[r]), int(table.pos[r]), table.ref[r], table.alt[r]) in bases
                   for r in rows[near].tolist()]
    return again


def _placed_by_first_base(fates: _Fates, outside: np.ndarray, dbs_first: np.ndarray,
                          dbs_second: np.ndarray, mnv_rows: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """With targeted regions, pairs and runs were found among all SNVs, those outside the
    regions included: a doublet straddling a region's edge is one doublet, not an SNV inside
    plus one outside. It is inside when its first base is (as the assay's opportunities count
    a dinucleotide); a pair starting outside makes its second base ``outside_regions`` too.
    MNV rows outside keep their ``outside_regions`` fate. Returns the pairs inside and the MNV
    rows to mark."""
    if not outside.size:
        return dbs_first, dbs_second, mnv_rows
    starts_outside = np.isin(dbs_first, outside)
    fates.set(dbs_second[starts_outside & ~np.isin(dbs_second, outside)], "outside_regions")
    return (dbs_first[~starts_outside], dbs_second[~starts_outside],
            mnv_rows[~np.isin(mnv_rows, outside)])


#: Fates decided before genotype membership (a row so skipped is not ``not_in_sample``,
#: unless the sample's genotype calls its record without the allele:
#: :attr:`~.variant_table.VariantTable.called_elsewhere`).
_BEFORE_MEMBERSHIP = [REASON_CODE["filtered"], REASON_CODE["not_somatic"]]


def _mark_filtered(fates: _Fates, table: VariantTable, index: int) -> None:
    """Without ``all_filters``: rows whose FILTER failed, or whose genotype failed the
    sample's FORMAT/FT, are ``filtered``; the rest of those the caller marks germline or
    LOH (VarScan2's INFO/SS) are ``not_somatic``."""
    rows = fates.rows
    failed = ~table.passed[rows]
    if table.sample_failed is not None:
        failed |= table.sample_failed[index][rows]
    fates.codes[failed] = REASON_CODE["filtered"]
    if table.not_somatic is not None:
        fates.codes[table.not_somatic[rows] & ~failed] = REASON_CODE["not_somatic"]


def _flankless_snvs(fates: _Fates, verdicts: Classified, table: VariantTable) -> np.ndarray:
    """The sample's SNVs skipped for an incomplete trinucleotide only (``contig_end``,
    ``ambiguous_base``; :attr:`Classified.flankless`), each site once: they take part in
    pairing and runs as the SNV they are (a doublet needs no flanking base, and a run of
    three beside an N is an MNV, not a doublet), and stay skipped when they pair with none; a
    repeat of one is a ``duplicate``."""
    skipped = np.isin(fates.codes, [REASON_CODE["contig_end"], REASON_CODE["ambiguous_base"]])
    rows = fates.rows[skipped]
    rows = rows[verdicts.flankless[rows]]
    first = _first_occurrences(rows, table, verdicts)
    fates.set(rows[~first], "duplicate")  # as a repeated counted SNV is
    return rows[first]


class _Fates:
    """The fate codes of one sample's rows (sorted table row indices), set by row index."""

    def __init__(self, rows: np.ndarray, codes: np.ndarray) -> None:
        self.rows, self.codes = rows, codes

    def set(self, rows: np.ndarray, reason: str) -> None:
        """Give ``rows`` (table indices, all among this sample's) the fate ``reason``."""
        self.codes[np.searchsorted(self.rows, rows)] = REASON_CODE[reason]

    def count(self, rows: np.ndarray) -> None:
        """Count ``rows`` after all (a flankless SNV that pairs into a doublet)."""
        self.codes[np.searchsorted(self.rows, rows)] = COUNTED

    def with_code(self, code: int) -> np.ndarray:
        """Table indices of the rows whose fate is ``code``."""
        return self.rows[self.codes == code]


def count_sample_rows(table: VariantTable, index: int, verdicts: Classified,
                  options: CatalogOptions) -> SampleCatalog:
    """One sample's catalogs from the table's verdicts.

    In a multi-sample VCF every record is read for every sample (those whose GT does not
    carry the allele are ``not_in_sample``); in a MAF a sample reads only its own rows.
    """
    result = SampleCatalog(
        table.samples[index], table.source,
        {c: np.zeros(len(CHANNEL_SETS[c]), np.int64) for c in options.contexts})
    rows = table.rows_of(index) if not table.shared_rows else np.arange(len(table))
    fates = _Fates(rows, verdicts.fate[rows].copy())
    result.variants_read = len(rows)
    if not options.all_filters:
        _mark_filtered(fates, table, index)
    if table.shared_rows and table.members is not None:
        carried = np.zeros(len(table), dtype=bool)
        carried[table.rows_of(index)] = True
        not_carried = ~carried & ~np.isin(fates.codes, _BEFORE_MEMBERSHIP)
        fates.codes[not_carried] = REASON_CODE["not_in_sample"]
        if table.called_elsewhere is not None:  # another sample's filtered variant
            fates.set(table.called_elsewhere[index], "not_in_sample")
    outside = np.isin(fates.codes, [*_BEFORE_MEMBERSHIP, REASON_CODE["not_in_sample"]])
    result.checked = int((verdicts.checked[rows] & ~outside).sum())
    result.located = int((verdicts.located[rows] & ~outside).sum())
    counted = fates.with_code(COUNTED)
    duplicate = ~_first_occurrences(counted, table, verdicts)
    fates.set(counted[duplicate], "duplicate")
    counted = counted[~duplicate]
    counted = _drop_snvs_of_records(fates, table, verdicts, counted)
    snvs = counted[verdicts.kind[counted] == KIND_SNV]
    outside = fates.with_code(REASON_CODE["outside_regions"])
    outside = outside[verdicts.kind[outside] == KIND_SNV]
    outside = outside[_first_occurrences(outside, table, verdicts)]
    flankless = _flankless_snvs(fates, verdicts, table)
    singles = np.concatenate([snvs, outside, flankless])
    dbs_first, dbs_second, mnv_rows = _adjacent_snvs(
        singles, table, verdicts.site_contig,
        table.phase[index] if table.phase is not None else None)
    records = counted[verdicts.kind[counted] == KIND_DBS]
    # a flankless SNV repeating a base of a record is that record's, not a neighbour of it
    singles = singles[~_repeat_record_bases(singles, records, table, verdicts)]
    in_runs = _runs_through_records(records, singles, table, verdicts.site_contig)
    if in_runs.size:
        joined = np.isin(dbs_first, in_runs) | np.isin(dbs_second, in_runs)
        dbs_first, dbs_second = dbs_first[~joined], dbs_second[~joined]
        mnv_rows = np.union1d(mnv_rows, in_runs)
    dbs_first, dbs_second, mnv_rows = _placed_by_first_base(fates, outside, dbs_first,
                                                            dbs_second, mnv_rows)
    fates.count(dbs_first[np.isin(dbs_first, flankless)])
    fates.set(mnv_rows, "mnv")
    fates.set(dbs_second, "in_dbs")
    _tally(result, fates, (dbs_first, dbs_second), verdicts, options)
    multi_rows = np.concatenate([dbs_first, dbs_second, mnv_rows])
    if options.multi_snvs_in_sbs:
        _add_multi_snvs(result, multi_rows, fates.with_code(COUNTED), verdicts, options)
    if options.keep_variants and "SBS96" in options.contexts:
        result.variants = _kept_variants(table, fates, dbs_first, multi_rows, verdicts,
                                         options.multi_snvs_in_sbs)
        result.skipped_sites = _skipped_sites(table, fates)
    if "SBS288" in options.contexts:
        result.matrices["SBS288"] = _collapse_strands(result.strand_states)
    for code, reason in enumerate(SKIP_REASONS, start=1):
        result.skipped[reason] = int((fates.codes == code).sum())
    _build_evidence(result, fates, table, verdicts)
    return result


def _tally(result: SampleCatalog, fates: _Fates, dbs_pairs: tuple[np.ndarray, np.ndarray],
           verdicts: Classified, options: CatalogOptions) -> None:
    """Add the sample's counted rows to its matrices; unrequested kinds -> not_requested."""
    contexts = options.contexts
    pairs, partner = dbs_pairs
    counted = fates.with_code(COUNTED)
    kind = verdicts.kind[counted]
    sbs = counted[(kind == KIND_SNV) & ~np.isin(counted, pairs)]
    records = counted[kind == KIND_DBS]
    indels = counted[kind == KIND_INDEL]
    if not SBS_CONTEXTS.intersection(contexts):
        fates.set(sbs, "not_requested")
        sbs = sbs[:0]
    if "DBS78" not in contexts:
        for rows in (pairs, partner, records):
            fates.set(rows, "not_requested")
        pairs, partner, records = pairs[:0], partner[:0], records[:0]
    if "SBS96" in contexts:
        result.matrices["SBS96"] += np.bincount(verdicts.sbs96[sbs], minlength=96)
    if "SBS1536" in contexts:
        full = verdicts.sbs1536[sbs]
        result.matrices["SBS1536"] += np.bincount(full[full >= 0], minlength=1536)
        result.counted_by_kind["SBS1536"] = int((full >= 0).sum())
    if "SBS288" in contexts:
        result.strand_states += np.bincount(verdicts.strand[sbs] * 96 + verdicts.sbs96[sbs],
                                            minlength=4 * 96)
        result.counted_by_kind["SBS288"] = len(sbs)
    if "DBS78" in contexts:
        doublet = (verdicts.dbs[pairs] >> 2 << 6) + (verdicts.dbs[partner] >> 2 << 4) + (
            (verdicts.dbs[pairs] & 3) << 2) + (verdicts.dbs[partner] & 3)
        channels = np.concatenate([DBS_INDEX_TABLE[doublet], verdicts.dbs[records]])
        result.matrices["DBS78"] += np.bincount(channels, minlength=78)
    if "ID83" in contexts:
        result.matrices["ID83"] += np.bincount(verdicts.indel[indels], minlength=83)
    result.counted_by_kind["SBS96"] = len(sbs)
    result.counted_by_kind["DBS78"] = len(pairs) + len(records)
    result.counted_by_kind["ID83"] = len(indels)


def _add_multi_snvs(result: SampleCatalog, snv_rows: np.ndarray, counted: np.ndarray,
                    verdicts: Classified, options: CatalogOptions) -> None:
    """Also count in SBS the SNVs of DBS pairs and MNV runs and both bases of counted DBS
    records (SPMG-compatible mode); ``also_in_sbs`` is the number of SNVs added to SBS96.
    Like ``counted_SBS96``, ``counted_SBS1536`` and ``counted_SBS288`` leave them out (each
    counts the SNVs counted there a first time), so SBS1536's can only be lower."""
    records = _doublet_records(counted, snv_rows, verdicts)
    sbs96 = np.concatenate([verdicts.sbs96[snv_rows], verdicts.dbs_sbs96[records].ravel()])
    sbs1536 = np.concatenate([verdicts.sbs1536[snv_rows], verdicts.dbs_sbs1536[records].ravel()])
    strand = np.concatenate([verdicts.strand[snv_rows], verdicts.dbs_strand[records].ravel()])
    valid = sbs96 >= 0
    sbs96, sbs1536, strand = sbs96[valid], sbs1536[valid], strand[valid]
    result.counted_by_kind["also_in_sbs"] = len(sbs96)
    if "SBS96" in options.contexts:
        result.matrices["SBS96"] += np.bincount(sbs96, minlength=96)
    if "SBS1536" in options.contexts:
        result.matrices["SBS1536"] += np.bincount(sbs1536[sbs1536 >= 0], minlength=1536)
    if "SBS288" in options.contexts:
        result.strand_states += np.bincount(strand * 96 + sbs96, minlength=4 * 96)


def _doublet_records(counted: np.ndarray, multi_rows: np.ndarray,
                     verdicts: Classified) -> np.ndarray:
    """The 2-bp records whose bases ``multi_snvs_in_sbs`` adds to SBS: those counted as a
    DBS and those a run made an MNV (:func:`_runs_through_records`), in row order."""
    rows = np.union1d(counted, multi_rows)
    return rows[verdicts.kind[rows] == KIND_DBS]


def _kept_variants(table: VariantTable, fates: _Fates, dbs_first: np.ndarray,
                   multi_rows: np.ndarray, verdicts: Classified, multi_snvs_in_sbs: bool
                   ) -> pd.DataFrame:
    """One record per variant :func:`_tally` (and :func:`_add_multi_snvs`) added to SBS96,
    in file order: the same row selections, so the records' channels give the SBS96 column."""
    counted = fates.with_code(COUNTED)
    kind = verdicts.kind[counted]
    snvs = counted[(kind == KIND_SNV) & ~np.isin(counted, dbs_first)]
    if not multi_snvs_in_sbs:
        return snv_records(table, snvs, verdicts.sbs96[snvs])
    extra = multi_rows[verdicts.sbs96[multi_rows] >= 0]
    snvs = np.concatenate([snvs, extra])
    records = _doublet_records(counted, multi_rows, verdicts)
    parts = [snv_records(table, snvs, verdicts.sbs96[snvs]),
             dbs_base_records(table, records, verdicts.dbs_sbs96[records])]
    keys = [snvs * 2, (records[:, None] * 2 + np.arange(2))[verdicts.dbs_sbs96[records] >= 0]]
    frame = pd.concat(parts, ignore_index=True)
    return frame.iloc[np.argsort(np.concatenate(keys), kind="stable")].reset_index(drop=True)


#: Skips that lose none of the sample's mutations: another sample's allele, a repeat of a
#: counted one, the second SNV of a counted doublet.
_NOT_LOST = tuple(REASON_CODE[r] for r in ("not_in_sample", "duplicate", "in_dbs"))


def _skipped_sites(table: VariantTable, fates: _Fates) -> pd.DataFrame:
    """Where the sample's variants that no catalog counts lie (``chrom``, ``pos`` as in the
    file, ``reason``), so that a region of interest can say what it held but did not count."""
    keep = (fates.codes != COUNTED) & ~np.isin(fates.codes, _NOT_LOST)
    rows, codes = fates.rows[keep], fates.codes[keep]
    return pd.DataFrame({"chrom": [table.contig_names[c] for c in table.contig[rows].tolist()],
                         "pos": table.pos[rows].astype(np.int64),
                         "reason": [SKIP_REASONS[c - 1] for c in codes.tolist()]})


def _collapse_strands(strand_states: np.ndarray) -> np.ndarray:
    """SBS288 from T/U/B/N x SBS96 counts: per channel, B is split half to T and half to U,
    the odd one to T (as SPMG collapses its SBS384). Done once per sample, on all its SNVs."""
    transcribed, untranscribed, both, none = strand_states.reshape(4, 96)
    return np.concatenate([transcribed + both // 2 + both % 2, untranscribed + both // 2, none])


def _build_evidence(result: SampleCatalog, fates: _Fates, table: VariantTable,
                    verdicts: Classified) -> None:
    """Record what the build checks need: REF mismatches, variants past a contig's end and
    REFs on the FASTA's N (the first few as ``contig:pos``), and the missing contigs with
    their variant counts."""
    for row in fates.with_code(REASON_CODE["ref_mismatch"])[:5].tolist():
        result.mismatch_examples.append(_as_written(table, row))
    ends = fates.with_code(REASON_CODE["contig_end"])
    beyond = ends[verdicts.beyond[ends]]
    result.beyond_end = len(beyond)
    for row in beyond[:5].tolist():
        code = int(table.contig[row])
        result.beyond_examples.append(
            f"{table.contig_names[code]}:{table.pos[row]} (contig of "
            f"{verdicts.contig_lengths.get(code, 0):,} bp)")
    unknown = fates.with_code(REASON_CODE["ambiguous_base"])
    masked = unknown[verdicts.masked[unknown]]
    result.masked = len(masked)
    for row in masked[:5].tolist():
        result.masked_examples.append(_as_written(table, row))
    missing = fates.with_code(REASON_CODE["contig_missing"])
    result.missing_contigs = Counter(
        table.contig_names[code] for code in table.contig[missing].tolist())
    result.failed_filters = _failed_filters(fates.with_code(REASON_CODE["filtered"]), table)


def _failed_filters(rows: np.ndarray, table: VariantTable) -> Counter[str]:
    """The ``filtered`` rows by what they failed: their record's FILTER text, or
    ``FORMAT/FT`` for a row whose FILTER passed and the sample's genotype filter did not."""
    failed: Counter[str] = Counter()
    if not rows.size:
        return failed
    own = table.passed[rows]
    if own.any():
        failed["FORMAT/FT"] = int(own.sum())
    if table.filter_code is not None and table.filter_labels is not None:
        codes = np.bincount(table.filter_code[rows[~own]], minlength=len(table.filter_labels))
        failed.update({table.filter_labels[code]: int(n)
                       for code, n in enumerate(codes.tolist()) if n and code})
    return failed


def _as_written(table: VariantTable, row: int) -> str:
    """A row as ``contig:POS REF=...`` for a message, with the POS and REF its record was
    written with (before the shared flanking bases were trimmed), which the user can find."""
    pos, ref = table.padding.get(row, (int(table.pos[row]), table.ref[row]))
    return f"{table.contig_names[table.contig[row]]}:{pos} REF={ref}"

"""Per-sample mutation catalogs (SBS96, SBS288, SBS1536, DBS78, ID83) and cohort assembly.

Orientation: a catalog is (n_channels, n_samples), channels in the standard order of
:mod:`sigforge.genomics.contexts`.

Every variant read (:mod:`sigforge.genomics.variants`) ends up in exactly one place, so that
for each sample
``variants_read == counted_SBS96 + counted_DBS78 + counted_ID83 + sum(SKIP_REASONS)``.
The checks run in this order and the first that applies wins:

1. ``filtered``: FILTER, or the sample's FORMAT/FT, not PASS/'.' (unless ``all_filters``);
   ``not_somatic``: the caller's somatic status says germline or LOH (VarScan2's INFO/SS
   other than 2, a MAF's ``Mutation_Status``; unless ``all_filters``); ``not_in_sample``: the
   sample's GT does not carry the ALT, or is missing (any VCF with GT, one sample column or
   several); a filtered or not-somatic record the sample's GT calls in full without the
   ALT (``0/0``) is another sample's, and ``not_in_sample`` too.
2. The allele's kind, once the flanking bases REF and ALT share are trimmed as ``bcftools
   norm`` does (``CCT>CAT`` is the SNV ``C>A`` one base on; :mod:`.allele_trim`):
   ``symbolic`` (``<DEL>``, breakends, ``*``, missing ALT); ``no_change`` (ALT equal to
   REF, of any length: no mutation); SNV; DBS (REF and ALT of 2 bp, both bases changed);
   ``mnv`` (REF and ALT of equal length 3+); simple indel (REF or ALT is one base, sharing
   the first base, VCF-anchored); anything else is ``complex`` (e.g. ``ATG>AC``,
   ``ACG>T``).
3. ``not_requested``: no requested context counts this kind (SNVs feed SBS* and DBS78).
4. ``ambiguous_base``: REF/ALT holds a base other than A/C/G/T.
5. ``contig_missing`` (no FASTA contig under any alias, e.g. ``chr1``/``1``, ``chrM``/``MT``),
   ``contig_end`` (an SNV on a contig's first/last base, REF running off the contig, or an
   indel on its first base, :func:`.allele_trim.unanchor_contig_start`),
   ``ref_mismatch`` (REF differs from the FASTA), ``ambiguous_base`` (N next to an SNV).
6. ``outside_regions`` (only with ``CatalogOptions.regions``, the assay's targeted regions):
   the variant's POS lies outside them (:mod:`.target_regions`).
7. ``duplicate``: the same contig, POS, REF and ALT already counted for the sample (an
   indel at its leftmost spelling: :func:`.classify.leftmost_spelling`), or an SNV (or
   adjacent pair) that repeats a base of the sample's doublet record.
8. Adjacent SNVs of one sample: a pair of SNVs on consecutive positions whose next SNVs on
   either side lie more than 5 bp away is one DBS (unless phased genotypes put the two on
   different haplotypes of one phase set: then two SBS) (counted once, on the first SNV; the second
   goes to ``in_dbs``), as SigProfilerMatrixGenerator does; a pair with another SNV within
   5 bp stays two SBS (also as SPMG); three or more consecutive SNVs are ``mnv``.

With ``multi_snvs_in_sbs`` (SigProfilerMatrixGenerator-compatible) the SNVs of DBSs (pairs and
2-bp records) and of 3+ runs are also counted in the SBS catalogs, without changing their
place; ``also_in_sbs`` counts them.

Build checks (per sample, on the variants left after ``filtered`` and ``not_in_sample``; each
stops the run with an :class:`~sigforge.io.InputError` rather than write a wrong catalog):

- the VCF header declares a contig length that differs from the FASTA's (:func:`check_build`);
- *disagreement*: more than ``MAX_REF_MISMATCH_RATE`` (5%) and at least
  ``MIN_REF_MISMATCHES_TO_FAIL`` (3) of the variants checked against the FASTA have a REF
  that differs (``ref_mismatch``) or lie past the end of their contig (the part of
  ``contig_end`` whose position is beyond the contig, or whose REF runs off it; an SNV on a
  contig's first or last base is not a disagreement). The share is taken of the variants
  whose REF was compared plus those past the end (:func:`check_ref_mismatch`);
- *a hard-masked FASTA*: more than 5% and at least 3 of the variants checked have REF bases
  where the FASTA has N or X (``ambiguous_base``; :func:`check_masked`);
- *missing contigs*: more than 5% and at least 3 of the variants that reached the FASTA
  lookup lie on contigs the FASTA lacks under every alias (``contig_missing``;
  :func:`check_contigs_missing`). A few calls on decoys or patches pass and are counted in
  the log; a VCF whose contigs are all absent (another build or naming scheme) stops.

SBS96 and SBS288 use the trinucleotide; SBS1536 needs the pentanucleotide, so an SNV 2 bp
from a contig end or next-but-one to an N is in SBS96 but not in SBS1536 (``counted_SBS1536``
may be lower than ``counted_SBS96``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.accounting import SKIP_REASONS, CatalogOptions, SampleCatalog
from sigforge.genomics.allele_trim import (
    gapped_mnvs,
    right_anchored_indels,
    trim_shared_bases,
    unanchor_contig_start,
)
from sigforge.genomics.build_checks import (
    MAX_REF_MISMATCH_RATE,
    MIN_REF_MISMATCHES_TO_FAIL,
    check_build,
    check_contigs_missing,
    check_masked,
    check_ref_mismatch,
)
from sigforge.genomics.classify import classify_table
from sigforge.genomics.contexts import CHANNEL_SETS
from sigforge.genomics.empty_samples import warn_empty_samples
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.maf import anchor_maf_indels
from sigforge.genomics.sample_counts import DBS_ISOLATION_BP, count_sample_rows
from sigforge.genomics.target_regions import TargetRegions
from sigforge.genomics.variant_table import VariantTable
from sigforge.genomics.variants import read_input
from sigforge.io import InputError

__all__ = [
    "DBS_ISOLATION_BP", "MAX_REF_MISMATCH_RATE", "MIN_REF_MISMATCHES_TO_FAIL", "SKIP_REASONS",
    "CatalogOptions", "SampleCatalog", "assemble_cohort", "check_build", "check_catalog_config",
    "check_contigs_missing", "check_masked", "check_ref_mismatch", "classify_table", "count_sample",
    "count_table",
]

logger = logging.getLogger(__name__)


def check_catalog_config(contexts: Sequence[str], annotation: str | None) -> tuple[str, ...]:
    """The workflow's ``catalog.contexts``, checked: SBS96 present, SBS288 only with genes.

    Raises
    ------
    InputError
        SBS96 missing (discovery and refit run on it), or SBS288 without ``annotation``.
    """
    contexts = tuple(dict.fromkeys(contexts))
    if "SBS96" not in contexts:
        raise InputError(f"config catalog.contexts {list(contexts)}: must include SBS96 "
                         "(signature discovery and refitting run on it).")
    if "SBS288" in contexts and not annotation:
        raise InputError("config catalog.contexts lists SBS288, which needs the genes' strands: "
                         "set catalog.annotation to a GTF (or a BED with a strand column), or "
                         "drop SBS288.")
    return contexts


def count_table(table: VariantTable, genome: ReferenceGenome,
                options: CatalogOptions) -> list[SampleCatalog]:
    """Count every sample of one input file.

    Raises
    ------
    InputError
        Build mismatch: header contig lengths, or in a sample too many variants whose REF
        differs from the FASTA or that lie past their contig's end, or too many on contigs
        the FASTA lacks (see the module docstring).
    """
    check_build(table, genome)
    if "-" in table.ref or "-" in table.alt:
        anchor_maf_indels(table, genome.base)
    _trim(table)
    verdicts = classify_table(table, genome, options)
    results = []
    for index in range(len(table.samples)):
        result = count_sample_rows(table, index, verdicts, options)
        check_contigs_missing(result, genome)
        check_ref_mismatch(result, genome.path)
        check_masked(result, genome.path)
        if result.variants_read == 0:
            logger.warning("sample %s: %s holds no variants for it, so its catalog columns are "
                           "all zero.", result.sample, table.source)
        results.append(result)
    warn_empty_samples(results, table.source, rows_per_sample=not table.shared_rows)
    return results


def _trim(table: VariantTable) -> None:
    """Trim the alleles written with flanking bases both share (freebayes' haplotypes,
    padded indels) to their minimal form, saying how many (:mod:`.allele_trim`)."""
    trimmed = trim_shared_bases(table)
    if trimmed.count:
        logger.info("%s: %d allele(s) were written with flanking bases that REF and ALT share "
                    "(e.g. %s); counted in their minimal form, as 'bcftools norm' writes them.",
                    table.source, trimmed.count, trimmed.example)
    gapped = gapped_mnvs(table)
    if gapped.count:
        logger.warning("%s: %d record(s) of equal-length alleles change bases that are not "
                       "all adjacent (e.g. %s), as Mutect2 (--max-mnp-distance) and freebayes "
                       "write nearby SNVs of one haplotype; each is skipped whole as 'mnv'. "
                       "To count their SNVs and doublets, split them first: bcftools norm -a "
                       "IN.vcf -o OUT.vcf.", table.source, gapped.count, gapped.example)
    right = right_anchored_indels(table)
    if right.count:
        logger.warning("%s: %d indel(s) are written with their padding base after them (e.g. "
                       "%s), where VCF pads before them; each is skipped as 'complex'. "
                       "Normalise the file first: bcftools norm -f FASTA IN.vcf -o OUT.vcf.",
                       table.source, right.count, right.example)
    starts = unanchor_contig_start(table)
    if starts.count:
        logger.info("%s: %d indel(s) lie on a contig's first base, written with the base after "
                    "them (e.g. %s); no ID83 context exists there, so they are skipped as "
                    "contig_end.", table.source, starts.count, starts.example)


def count_sample(vcf_path: str | Path, genome: ReferenceGenome, *, sample: str,
                 vcf_sample: str | None = None, all_filters: bool = False,
                 contexts: Sequence[str] = ("SBS96",),
                 keep_variants: bool = False,
                 regions: TargetRegions | None = None) -> SampleCatalog:
    """Count one single-sample VCF (or one column of a multi-sample VCF) under a given name.

    ``keep_variants`` also returns the variants counted in SBS96, one record each, in
    ``result.variants`` (see :mod:`sigforge.genomics.sbs_variants`). ``regions`` counts only
    the variants inside the assay's targeted regions (the rest: ``outside_regions``).

    Raises
    ------
    InputError
        Unreadable VCF, several sample columns without ``vcf_sample``, build mismatch.
    """
    table = read_input(vcf_path, vcf_sample=vcf_sample)
    if len(table.samples) > 1:
        raise InputError(f"VCF {vcf_path}: has {len(table.samples)} sample columns "
                         f"{table.samples}; say which one is the tumour (samples sheet column "
                         "'vcf_sample' or --vcf-sample).")
    options = CatalogOptions(tuple(contexts), all_filters, keep_variants=keep_variants,
                             regions=regions)
    result = count_table(table, genome, options)[0]
    result.sample = sample
    return result


def assemble_cohort(samples: Sequence[SampleCatalog], contexts: Sequence[str] = ("SBS96",),
                    fingerprints: Mapping[str, str] | None = None
                    ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Stack per-sample counts into one catalog per context and a per-sample log.

    Returns
    -------
    catalogs : dict of DataFrame
        Per context, (n_channels, n_samples) int64 indexed by channel label.
    log : DataFrame
        One row per sample: source, the ``fingerprints`` (``reference`` and ``assay`` of
        :func:`~sigforge.genomics.accounting.log_fingerprints`, when given), variants_read,
        counted_<context> for SBS96, DBS78, ID83 (and SBS1536/SBS288 when requested),
        also_in_sbs (SNVs counted a second time in SBS by ``multi_snvs_in_sbs``; not part of
        the accounting identity), one column per skip reason.
    """
    names = [s.sample for s in samples]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"sample names {duplicated} appear more than once; names must be "
                         "unique (rename with --sample-name, or one file per sample).")
    catalogs = {}
    for context in contexts:
        channels = CHANNEL_SETS[context]
        data = np.column_stack([s.matrices[context] for s in samples]) if samples else \
            np.zeros((len(channels), 0), np.int64)
        catalogs[context] = pd.DataFrame(data, index=pd.Index(channels, name="MutationType"),
                                         columns=names)
    counted = ["SBS96", "DBS78", "ID83"] + [c for c in ("SBS1536", "SBS288") if c in contexts]
    columns = ["source", "variants_read", *(f"counted_{c}" for c in counted), "also_in_sbs",
               *SKIP_REASONS]
    rows = [{"sample": s.sample, "source": s.source, "variants_read": s.variants_read,
             **{f"counted_{c}": s.counted_by_kind[c] for c in counted},
             "also_in_sbs": s.counted_by_kind["also_in_sbs"],
             **{r: s.skipped[r] for r in SKIP_REASONS}} for s in samples]
    log = pd.DataFrame(rows, columns=["sample", *columns]).set_index("sample")
    for place, (column, value) in enumerate((fingerprints or {}).items(), start=1):
        log.insert(place, column, value)
    return catalogs, log

"""Where every variant read goes: skip reasons, variant kinds, what to count, what was counted.

The vocabulary shared by :mod:`.classify` (verdicts per allele), :mod:`.sample_counts`
(counting per sample), :mod:`.build_checks` and :mod:`.catalog` (see its module docstring for
the accounting identity and the order of the checks).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.annotation import StrandAnnotation
from sigforge.genomics.contexts import CHANNEL_SETS
from sigforge.genomics.target_regions import TargetRegions
from sigforge.io import InputError

#: Where a variant went when it was not counted, in the column order of ``catalog_log.tsv``.
SKIP_REASONS = (
    "filtered",         # FILTER (or the sample's FORMAT/FT) not PASS or '.', no all_filters
    "not_somatic",      # germline/LOH by the caller (VarScan2 INFO/SS != 2, MAF Mutation_Status)
    "not_in_sample",    # VCF with GT: the sample's GT lacks this ALT allele (or is missing)
    "symbolic",         # symbolic ALT (<DEL>, <INS>...), breakend, '*' or missing ALT
    "no_change",        # ALT equal to REF (no mutation: a reference call or a damaged record)
    "complex",          # not an SNV, DBS, MNV or simple anchored indel (e.g. ATG>AC, ACG>T)
    "mnv",              # REF/ALT of 3+ bp (once trimmed), or 3+ SNVs on consecutive positions
    "not_requested",    # a kind no requested context counts (e.g. indels without ID83)
    "contig_missing",   # contig absent from the FASTA under every alias
    "contig_end",       # SNV on a contig's first or last base; REF off the contig; indel at POS 1
    "ref_mismatch",     # REF differs from the FASTA
    "ambiguous_base",   # a base other than A/C/G/T in REF, ALT or an SNV's trinucleotide
    "duplicate",        # same contig, POS, REF and ALT (an indel: leftmost spelling) counted
    "in_dbs",           # second SNV of an adjacent pair counted once as a DBS
    "outside_regions",  # POS outside the assay's targeted regions (CatalogOptions.regions)
)
REASON_CODE = {reason: code for code, reason in enumerate(SKIP_REASONS, start=1)}
#: Skip reasons added after the first releases: a ``catalog_log.tsv`` written before lacks
#: their columns, which then count 0 (``merge-catalogs`` and its checks read such logs).
LATER_SKIP_REASONS = ("not_somatic",)
COUNTED = 0

# Variant kinds (see the module docstring of :mod:`.catalog`).
KIND_SNV, KIND_DBS, KIND_INDEL, KIND_MNV, KIND_COMPLEX, KIND_SYMBOLIC, KIND_NO_CHANGE = range(7)
KIND_REASON = {KIND_MNV: "mnv", KIND_COMPLEX: "complex", KIND_SYMBOLIC: "symbolic",
               KIND_NO_CHANGE: "no_change"}

#: Text columns of ``catalog_log.tsv`` (every other column is a count): the input file, and
#: what the counts were made against (:func:`log_fingerprints`).
LOG_TEXT_COLUMNS = ("source", "reference", "assay", "annotation")


def _digest(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def log_fingerprints(reference: str | Path, lengths: Mapping[str, int],
                     regions: TargetRegions | None,
                     annotation: StrandAnnotation | None = None) -> dict[str, str]:
    """The log's ``reference`` and ``assay`` cells: what a sample's counts were made against.

    ``reference`` is the FASTA's file name and a digest of its sorted contig lengths (two
    builds differ in them; contig names are left out, since chr1/1 aliases count alike);
    ``assay`` is ``genome``, or the regions BED's file name and a digest of its merged
    intervals. ``merge-catalogs`` compares them: samples counted on other builds or over
    other regions have other channel frequencies, which a discovery would take for a
    signature. With SBS288's gene ``annotation``, ``annotation`` is its file name and a digest
    of its genes' strand intervals: two annotations label one mutation T in one sample and U
    in another.
    """
    build = _digest(",".join(str(n) for n in sorted(lengths.values())))
    assay = "genome"
    if regions is not None:
        spans = ";".join(f"{contig}:{','.join(map(str, starts))}:{','.join(map(str, ends))}"
                         for contig, (starts, ends) in sorted(regions.intervals.items()))
        assay = f"{Path(regions.path).name}:{_digest(spans)}"
    cells = {"reference": f"{Path(reference).name}:{build}", "assay": assay}
    if annotation is not None:
        cells["annotation"] = f"{Path(annotation.source).name}:{_digest(annotation.spans())}"
    return cells



@dataclass(frozen=True)
class CatalogOptions:
    """What to count: contexts, FILTER handling, strand annotation (for SBS288).

    ``all_filters`` counts variants whatever FILTER, the sample's FORMAT/FT and the caller's
    somatic status (VarScan2's INFO/SS) say; without it they are ``filtered`` and
    ``not_somatic``.

    ``multi_snvs_in_sbs`` (SigProfilerMatrixGenerator-compatible) also counts in SBS96/288/1536
    the SNVs of every DBS (adjacent pair or 2-bp record) and of every run of 3+ adjacent SNVs;
    their place in the log is unchanged and ``also_in_sbs`` says how many were added.

    ``keep_variants`` also keeps, per sample, one record per variant counted in SBS96
    (``SampleCatalog.variants``, see :mod:`.sbs_variants`), for per-mutation attribution; off
    by default so that counting a cohort builds no per-variant tables.

    ``regions`` (the assay's targeted regions, :mod:`.target_regions`) counts only the
    variants whose POS lies inside them; the others are ``outside_regions`` in the log.
    """

    contexts: tuple[str, ...] = ("SBS96",)
    all_filters: bool = False
    annotation: StrandAnnotation | None = None
    multi_snvs_in_sbs: bool = False
    keep_variants: bool = False
    regions: TargetRegions | None = None

    def __post_init__(self) -> None:
        unknown = [c for c in self.contexts if c not in CHANNEL_SETS]
        if unknown:
            raise InputError(f"unknown context(s) {unknown}; choose from "
                             f"{', '.join(CHANNEL_SETS)}.")
        if "SBS288" in self.contexts and self.annotation is None:
            raise InputError("SBS288 needs a gene annotation for the transcriptional strand: "
                             "give --annotation GENES.gtf (or a BED with a strand column), "
                             "or drop SBS288 from the contexts.")


@dataclass
class SampleCatalog:
    """The catalogs of one sample and the fate of every variant read for it."""

    sample: str
    source: str
    matrices: dict[str, np.ndarray]
    skipped: Counter[str] = field(default_factory=Counter)
    variants_read: int = 0
    counted_by_kind: Counter[str] = field(default_factory=Counter)
    checked: int = 0
    mismatch_examples: list[str] = field(default_factory=list)
    beyond_end: int = 0
    beyond_examples: list[str] = field(default_factory=list)
    #: ``ambiguous_base`` variants whose REF is a base where the FASTA has N (or IUPAC)
    masked: int = 0
    masked_examples: list[str] = field(default_factory=list)
    located: int = 0
    missing_contigs: Counter[str] = field(default_factory=Counter)
    #: The ``filtered`` variants by what they failed: the FILTER text (``LowQual``,
    #: ``germline;LowQual``) or ``FORMAT/FT`` (the sample's own filter).
    failed_filters: Counter[str] = field(default_factory=Counter)
    strand_states: np.ndarray = field(default_factory=lambda: np.zeros(4 * 96, np.int64))
    #: With ``CatalogOptions.keep_variants``: the variants counted in SBS96, one row each
    #: (columns of :data:`~sigforge.genomics.sbs_variants.VARIANT_COLUMNS`); else None.
    variants: pd.DataFrame | None = None
    #: With ``keep_variants``: where the variants no catalog counts lie (chrom, pos, reason;
    #: not another sample's alleles, repeats or a doublet's second SNV); else None.
    skipped_sites: pd.DataFrame | None = None

    @property
    def counts(self) -> np.ndarray:
        """SBS96 counts (zeros when SBS96 was not requested)."""
        return self.matrices.get("SBS96", np.zeros(len(CHANNEL_SETS["SBS96"]), np.int64))

    @property
    def counted(self) -> int:
        """Number of SNVs counted as single-base substitutions."""
        return self.counted_by_kind["SBS96"]


def skip_summary(result: SampleCatalog, shown: int = 5) -> str:
    """The sample's skip reasons with their counts (``filtered=748 (LowQual 477,
    germline;LowQual 271), duplicate=2``), the ``filtered`` ones by what they failed, the
    ``shown`` most common named (ties by name) and the rest counted; '' when nothing was
    skipped."""
    parts = []
    for reason, n in sorted(result.skipped.items()):
        if not n:
            continue
        text = f"{reason}={n}"
        if reason == "filtered" and result.failed_filters:
            named = sorted(result.failed_filters.items(), key=lambda item: (-item[1], item[0]))
            listed = [f"{label} {count}" for label, count in named[:shown]]
            if len(named) > shown:
                listed.append(f"{len(named) - shown} other filter(s) "
                              f"{sum(count for _, count in named[shown:])}")
            text += f" ({', '.join(listed)})"
        parts.append(text)
    return ", ".join(parts)

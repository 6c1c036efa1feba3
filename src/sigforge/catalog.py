"""Per-sample SBS96 counting from VCF + FASTA, and cohort assembly.

Orientation: a catalog is (n_channels, n_samples), channels in the standard order of
:mod:`sigforge.contexts`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.contexts import SBS96_CHANNELS, SBS96_INDEX, sbs96_label
from sigforge.genome import ReferenceGenome
from sigforge.io import InputError
from sigforge.variants import (
    BASES,
    SKIP_REASONS,
    Allele,
    header_contig_lengths,
    is_snv,
    iter_alleles,
    open_vcf,
)

logger = logging.getLogger(__name__)

#: Stop when more than this fraction of a sample's SNVs disagree with the FASTA (wrong build).
MAX_REF_MISMATCH_RATE = 0.05
#: ...and at least this many disagree, so that one odd site in a tiny VCF does not stop a run.
MIN_REF_MISMATCHES_TO_FAIL = 3


@dataclass
class SampleCatalog:
    """SBS96 counts of one sample and the fate of every variant read from its VCF."""

    sample: str
    source: str
    counts: np.ndarray  # (96,) int64
    skipped: Counter[str] = field(default_factory=Counter)
    variants_read: int = 0
    mismatch_examples: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        """Number of variants that went into a channel."""
        return int(self.counts.sum())


def check_build(vcf_path: str | Path, genome: ReferenceGenome) -> None:
    """Fail fast when the VCF header's contig lengths disagree with the FASTA's.

    Raises
    ------
    InputError
        Naming the first contig whose lengths differ, with both lengths.
    """
    with open_vcf(vcf_path) as vcf:
        declared = header_contig_lengths(vcf)
    for contig, length in declared.items():
        resolved = genome.resolve(contig)
        if resolved is not None and genome.lengths[resolved] != length:
            raise InputError(
                f"VCF {vcf_path}: header declares contig {contig} of length {length:,} but the "
                f"reference FASTA {genome.path} has {resolved} of length "
                f"{genome.lengths[resolved]:,}. The VCF was called against a different genome "
                "build: give the matching FASTA.")


def _classify(allele: Allele, genome: ReferenceGenome, all_filters: bool) -> str:
    """Return the SBS96 label of an allele, or the skip reason that applies first."""
    if not allele.passed and not all_filters:
        return "filtered"
    if not allele.in_sample:
        return "not_in_sample"
    if not is_snv(allele):
        return "not_snv"
    contig = genome.resolve(allele.contig)
    if contig is None:
        return "contig_missing"
    if allele.pos < 2 or allele.pos >= genome.lengths[contig]:
        return "contig_end"
    if allele.ref not in BASES or allele.alt not in BASES:
        return "ambiguous_base"
    context = genome.fetch(contig, allele.pos - 2, allele.pos + 1)
    if context[1] != allele.ref:
        return "ref_mismatch"
    label = sbs96_label(context, allele.alt)
    return label if label is not None else "ambiguous_base"


def count_sample(vcf_path: str | Path, genome: ReferenceGenome, *, sample: str,
                 vcf_sample: str | None = None, all_filters: bool = False) -> SampleCatalog:
    """Count one sample's SNVs into SBS96 channels.

    Parameters
    ----------
    vcf_path : str or Path
        The sample's VCF.
    genome : ReferenceGenome
        The FASTA the VCF was called against.
    sample : str
        The sample name written in the catalog header.
    vcf_sample : str, optional
        Column of a multi-sample VCF holding this sample's genotypes.
    all_filters : bool, default=False
        Count variants whatever their FILTER (default: PASS and '.' only).

    Raises
    ------
    InputError
        Build mismatch, unreadable VCF, or a REF-mismatch rate that signals a wrong build.
    """
    check_build(vcf_path, genome)
    result = SampleCatalog(sample, str(vcf_path), np.zeros(len(SBS96_CHANNELS), np.int64))
    seen: set[tuple[str, int, str]] = set()
    for allele in iter_alleles(vcf_path, vcf_sample=vcf_sample):
        result.variants_read += 1
        outcome = _classify(allele, genome, all_filters)
        key = (allele.contig, allele.pos, allele.alt)
        if outcome in SBS96_INDEX and key in seen:
            outcome = "duplicate"
        if outcome in SBS96_INDEX:
            seen.add(key)
            result.counts[SBS96_INDEX[outcome]] += 1
            continue
        result.skipped[outcome] += 1
        if outcome == "ref_mismatch" and len(result.mismatch_examples) < 5:
            result.mismatch_examples.append(f"{allele.contig}:{allele.pos} REF={allele.ref}")
    _check_ref_mismatch(result)
    return result


def _check_ref_mismatch(result: SampleCatalog) -> None:
    """Stop with a build-mismatch message when too many SNVs disagree with the FASTA."""
    mismatches = result.skipped["ref_mismatch"]
    examined = mismatches + result.counted + result.skipped["duplicate"]
    if examined and mismatches >= MIN_REF_MISMATCHES_TO_FAIL \
            and mismatches / examined > MAX_REF_MISMATCH_RATE:
        raise InputError(
            f"sample {result.sample} ({result.source}): {mismatches} of {examined} SNVs "
            f"({mismatches / examined:.0%}) have a REF base that differs from the FASTA, e.g. "
            f"{', '.join(result.mismatch_examples)}. The VCF and the FASTA are probably "
            "different genome builds: give the FASTA the VCF was called against.")


def assemble_cohort(samples: Sequence[SampleCatalog]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack per-sample counts into a cohort catalog and a per-sample skip log.

    Returns
    -------
    catalog : DataFrame, (96, n_samples), int64, indexed by channel label
    log : DataFrame, one row per sample: source, variants_read, counted, one column per reason
    """
    names = [s.sample for s in samples]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"sample names {duplicated} appear more than once; names must be unique.")
    catalog = pd.DataFrame(
        np.column_stack([s.counts for s in samples]) if samples else np.zeros((96, 0), np.int64),
        index=pd.Index(SBS96_CHANNELS, name="MutationType"), columns=names)
    rows = [{"sample": s.sample, "source": s.source, "variants_read": s.variants_read,
             "counted_SBS96": s.counted, **{r: s.skipped[r] for r in SKIP_REASONS}}
            for s in samples]
    log = pd.DataFrame(rows, columns=["sample", "source", "variants_read", "counted_SBS96",
                                      *SKIP_REASONS]).set_index("sample")
    return catalog, log

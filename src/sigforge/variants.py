"""VCF reading through pysam: FILTER handling, multi-allelic split, sample selection, typing.

Every ALT allele of every record is one *variant read*; each one ends up either counted in a
catalog channel or in exactly one skip reason (see :data:`SKIP_REASONS`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pysam

from sigforge.io import InputError

BASES = frozenset("ACGT")

#: Why a variant was not counted, in the column order of ``catalog_log.tsv``.
SKIP_REASONS = (
    "filtered",          # FILTER not PASS or '.', and --all-filters not given
    "not_in_sample",     # multi-sample VCF: the sample's GT does not carry this ALT allele
    "not_snv",           # indels, MNVs, symbolic alleles: not part of SBS96
    "contig_missing",    # contig absent from the FASTA under every alias
    "contig_end",        # no flanking base on one side (first or last base of a contig)
    "ref_mismatch",      # VCF REF differs from the FASTA base
    "ambiguous_base",    # N (or another non-ACGT base) in REF, ALT or the trinucleotide
    "duplicate",         # same position and ALT already seen for this sample
)


@dataclass(frozen=True)
class Allele:
    """One ALT allele of a VCF record, split from its record."""

    contig: str
    pos: int  # 1-based
    ref: str
    alt: str
    passed: bool
    in_sample: bool
    line: int  # 1-based record number after the header, for messages


def open_vcf(path: str | Path) -> pysam.VariantFile:
    """Open a VCF/BCF (plain or bgzipped) with a clear error when it is missing or malformed."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"VCF {path}: file not found. Check the 'vcf' column of the samples "
                         "sheet (paths are relative to the working directory).")
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as err:
        raise InputError(f"VCF {path}: cannot be read as VCF/BCF ({err}). It must be a plain or "
                         "bgzip-compressed VCF with a '##fileformat=VCF' header.") from err


def header_contig_lengths(vcf: pysam.VariantFile) -> dict[str, int]:
    """Contig lengths declared in the VCF header (``##contig=<ID=..,length=..>``)."""
    lengths = {}
    for name, contig in vcf.header.contigs.items():
        if contig.length is not None:
            lengths[name] = int(contig.length)
    return lengths


def _pick_sample(vcf: pysam.VariantFile, path: Path, vcf_sample: str | None) -> str | None:
    """The VCF column whose genotypes decide membership, or None for all-records mode."""
    samples = list(vcf.header.samples)
    if vcf_sample is not None:
        if vcf_sample not in samples:
            raise InputError(f"VCF {path}: sample column '{vcf_sample}' not found; the file has "
                             f"{samples or 'no sample columns'}.")
        return vcf_sample
    if len(samples) > 1:
        raise InputError(f"VCF {path}: has {len(samples)} sample columns {samples}; say which "
                         "one is the tumour (samples sheet column 'vcf_sample' or --vcf-sample).")
    return None


def _carries(record: pysam.VariantRecord, sample: str | None, allele_index: int) -> bool:
    """Whether the chosen sample's GT carries ALT number ``allele_index`` (1-based)."""
    if sample is None:
        return True
    genotype = record.samples[sample].get("GT") or ()
    return allele_index in genotype


def iter_alleles(path: str | Path, *, vcf_sample: str | None = None) -> Iterator[Allele]:
    """Yield every ALT allele of a VCF, split from multi-allelic records.

    Parameters
    ----------
    path : str or Path
        VCF or BCF, plain or bgzipped, indexed or not.
    vcf_sample : str, optional
        For multi-sample VCFs, the column whose GT decides whether an allele belongs to the
        sample. Single-sample and sites-only VCFs count every record.
    """
    path = Path(path)
    with open_vcf(path) as vcf:
        sample = _pick_sample(vcf, path, vcf_sample)
        line = 0
        try:
            for line, record in enumerate(vcf, start=1):
                filters = list(record.filter.keys())
                passed = not filters or filters == ["PASS"]
                for index, alt in enumerate(record.alts or (), start=1):
                    yield Allele(record.chrom, record.pos, (record.ref or "").upper(),
                                 alt.upper(), passed, _carries(record, sample, index), line)
        except (OSError, ValueError) as err:
            raise InputError(f"VCF {path}: malformed after record {line} "
                             f"({err}). Validate it with 'bcftools view {path}'.") from err


def is_snv(allele: Allele) -> bool:
    """True for a single-base substitution (REF and ALT one base each, different)."""
    return len(allele.ref) == 1 and len(allele.alt) == 1 and allele.ref != allele.alt

"""Variant reading: VCF/BCF (:mod:`.vcf`, through pysam) and MAF (:mod:`.maf`, through pandas)
into one columnar table (:mod:`.variant_table`); this module picks the reader by suffix.

Every ALT allele of every VCF record (multi-allelic records are split) and every MAF row is
one *variant read*. The readers' modules say which samples a file gives and what a file must
hold; the names they define are importable from here too.
"""

from __future__ import annotations

from pathlib import Path

from sigforge.genomics.maf import (
    MAF_ALLELE,
    MAF_COLUMNS,
    anchor_maf_indels,
    choose_maf_samples,
    read_maf,
)
from sigforge.genomics.variant_table import (
    BASES,
    MAF_SUFFIXES,
    MAX_POSITION,
    VCF_SUFFIXES,
    VariantTable,
    input_stem,
    is_maf,
)
from sigforge.genomics.vcf import header_contig_lengths, open_vcf, read_vcf, vcf_sample_columns
from sigforge.io import InputError, file_identity

__all__ = [
    "BASES", "MAF_ALLELE", "MAF_COLUMNS", "MAF_SUFFIXES", "MAX_POSITION", "VCF_SUFFIXES",
    "VariantTable", "anchor_maf_indels", "collect_inputs", "header_contig_lengths",
    "input_stem", "is_maf", "open_vcf", "read_input", "read_maf", "read_vcf",
    "vcf_sample_columns",
]


def collect_inputs(vcfs: list[str], vcf_dir: str | None, mafs: list[str]) -> list[Path]:
    """The input files named on the command line and found in a directory, in a stable order.

    A directory contributes every ``*.vcf``, ``*.vcf.gz``, ``*.vcf.bgz``, ``*.bcf`` and
    ``*.maf`` (``.maf.gz``, ``.maf.txt``, ``.maf.tsv``) file, sorted by name.
    """
    for maf in mafs:  # the reader is chosen by name: a MAF named otherwise is read as a VCF
        if Path(maf).is_file() and not is_maf(maf):  # a missing file or a device: named later
            raise InputError(f"--maf {maf}: a MAF is recognised by a name ending in "
                             f"{', '.join(MAF_SUFFIXES)}; rename it (e.g. to "
                             f"{Path(maf).stem}.maf) and give that name.")
    paths = [Path(p) for p in vcfs] + [Path(p) for p in mafs]
    if vcf_dir:
        folder = Path(vcf_dir)
        if not folder.is_dir():
            raise InputError(f"--vcf-dir {folder}: not a directory.")
        found = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.name.lower().endswith(VCF_SUFFIXES + MAF_SUFFIXES))
        if not found and not paths:
            raise InputError(f"--vcf-dir {folder}: holds no VCF, BCF or MAF file (names ending "
                             f"in {', '.join(VCF_SUFFIXES + MAF_SUFFIXES)}). Point it at the "
                             "folder of the variant files.")
        paths += found
    if not paths:
        raise InputError("no input given: pass --vcf FILE..., --vcf-dir DIR or --maf FILE....")
    _check_distinct_files(paths)
    return paths


def _check_distinct_files(paths: list[Path]) -> None:
    """Refuse one file given twice (twice on the command line, by another spelling, through a
    hard link, or both named and found in --vcf-dir): its mutations would be counted as two
    samples' (or twice for one), which no later step can tell from real data."""
    seen: dict[tuple[int, int], Path] = {}
    for path in paths:
        key = file_identity(path)
        if key is None:
            continue  # missing: the reader's own message names it
        if key in seen:
            raise InputError(f"{path}: the same file as {seen[key]}, given twice as input; its "
                             "variants would be counted twice. Give each VCF/MAF once.")
        seen[key] = path


def read_input(path: str | Path, *, vcf_sample: str | None = None,
               sample_from_filename: bool = False) -> VariantTable:
    """Read a VCF/BCF or a MAF (by suffix) into a :class:`VariantTable`."""
    if is_maf(path):
        table = read_maf(path)
        choose_maf_samples(table, path, vcf_sample, sample_from_filename)
        return table
    return read_vcf(path, vcf_sample=vcf_sample, sample_from_filename=sample_from_filename)

"""Variant reading: VCF/BCF (:mod:`.vcf`, through pysam) and MAF (:mod:`.maf`, through pandas)
into one columnar table (:mod:`.variant_table`); this module picks the reader by suffix.

Every ALT allele of every VCF record (multi-allelic records are split) and every MAF row is
one *variant read*. The readers' modules say which samples a file gives and what a file must
hold; the names they define are importable from here too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sigforge.genomics.compression import foreign_compression_problem
from sigforge.genomics.maf import (
    MAF_ALLELE,
    MAF_COLUMNS,
    anchor_maf_indels,
    read_maf,
)
from sigforge.genomics.maf_checks import choose_maf_samples
from sigforge.genomics.variant_table import (
    BASES,
    MAF_SUFFIXES,
    MAX_POSITION,
    VCF_SUFFIXES,
    VariantTable,
    input_stem,
    is_maf,
)
from sigforge.genomics.vcf import open_vcf, read_vcf, vcf_sample_columns
from sigforge.genomics.vcf_header import header_contig_lengths
from sigforge.io import InputError, file_identity

__all__ = [
    "BASES", "MAF_ALLELE", "MAF_COLUMNS", "MAF_SUFFIXES", "MAX_POSITION", "VCF_SUFFIXES",
    "VariantTable", "anchor_maf_indels", "collect_inputs", "header_contig_lengths",
    "input_stem", "is_maf", "open_vcf", "read_input", "read_maf", "read_vcf",
    "vcf_sample_columns",
]

logger = logging.getLogger(__name__)


def collect_inputs(vcfs: list[str], vcf_dir: str | None, mafs: list[str]) -> list[Path]:
    """The input files named on the command line and found in a directory, in a stable order.

    A directory contributes every ``*.vcf``, ``*.vcf.gz``, ``*.vcf.bgz``, ``*.bcf`` and
    ``*.maf`` (``.maf.gz``, ``.maf.txt``, ``.maf.tsv``) file, sorted by name.
    """
    for maf in mafs:  # the reader is chosen by name: a MAF named otherwise is read as a VCF
        if Path(maf).is_file() and not is_maf(maf):  # a missing file or a device: named later
            foreign = foreign_compression_problem(maf, "gzip", "NEW.maf.gz")
            if foreign:
                raise InputError(f"--maf {maf}: cannot be read: {foreign}")
            stem = Path(maf).stem.removesuffix(".maf")
            raise InputError(f"--maf {maf}: a MAF is recognised by a name ending in "
                             f"{', '.join(MAF_SUFFIXES)}; rename it (e.g. to {stem}.maf) and "
                             "give that name.")
    paths = [Path(p) for p in vcfs] + [Path(p) for p in mafs]
    if vcf_dir:
        found = _variant_files(Path(vcf_dir))
        if not found and not paths:
            raise InputError(f"--vcf-dir {vcf_dir}: holds no VCF, BCF or MAF file (names "
                             f"ending in {', '.join(VCF_SUFFIXES + MAF_SUFFIXES)}). Point it at "
                             "the folder of the variant files.")
        paths += found
    if not paths:
        raise InputError("no input given: pass --vcf FILE..., --vcf-dir DIR or --maf FILE....")
    _check_distinct_files(paths)
    return paths


#: Files a folder of variant files holds beside them that are not variants: indexes and
#: checksums, left out without a word.
COMPANION_SUFFIXES = (".tbi", ".csi", ".gzi", ".fai", ".idx", ".md5", ".sha256")
#: Suffixes of compression formats sigforge does not read (a VCF or MAF so compressed is
#: refused with the fix instead of being left out).
FOREIGN_SUFFIXES = (".xz", ".bz2", ".zst", ".zip", ".7z")


def _foreign_variant_file(name: str) -> bool:
    """Whether a (lower-case) file name is a VCF, BCF or MAF name with a suffix of a
    compression sigforge does not read (``s.vcf.xz``, ``s.maf.bz2``)."""
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and f".{suffix}" in FOREIGN_SUFFIXES and stem.endswith(
        (".vcf", ".bcf", ".maf"))


def _refuse_foreign(folder: Path, path: Path) -> None:
    """Refuse a variant file of ``--vcf-dir`` compressed in a format sigforge does not read,
    with the fix; return when its content is not so compressed after all."""
    maf = ".maf." in path.name.lower()
    problem = foreign_compression_problem(path, "gzip" if maf else "bgzip",
                                          "NEW.maf.gz" if maf else "NEW.vcf.gz")
    if problem:
        raise InputError(f"--vcf-dir {folder}: {'MAF' if maf else 'VCF'} {path.name} cannot "
                         f"be read: {problem}")


def _variant_files(folder: Path) -> list[Path]:
    """The VCF, BCF and MAF files of ``--vcf-dir``, sorted by name.

    Nothing is left out without a word: a variant file in a compression sigforge does not read
    (``.vcf.xz``, ``.maf.bz2``...) is refused with the fix; hidden files (a Mac's ``._x.vcf``,
    ``.DS_Store``) and files of other names are left out with a warning naming them, as are
    sub-folders (not searched: a per-sample layout ``S1/S1.vcf.gz`` needs the files named);
    indexes and checksums (:data:`COMPANION_SUFFIXES`) silently.
    """
    if not folder.is_dir():
        raise InputError(f"--vcf-dir {folder}: not a directory.")
    folders = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if folders:
        shown = ", ".join(folders[:5]) + (f" and {len(folders) - 5} more" if len(folders) > 5
                                          else "")
        logger.warning("--vcf-dir %s: left out %d sub-folder(s), which are not searched: %s; "
                       "give their variant files with --vcf (or one --vcf-dir each)", folder,
                       len(folders), shown)
    found, hidden, other = [], [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        name = path.name.lower()
        if name.startswith("."):
            hidden.append(path.name)
        elif name.endswith(VCF_SUFFIXES + MAF_SUFFIXES):
            found.append(path)
        elif _foreign_variant_file(name):
            _refuse_foreign(folder, path)
            other.append(path.name)  # named so, but not so compressed
        elif not name.endswith(COMPANION_SUFFIXES):
            other.append(path.name)
    for names, why in ((hidden, "hidden file(s) (names starting with '.', e.g. a Mac's '._' "
                                "copies)"),
                       (other, "file(s) whose names are not those of VCF, BCF or MAF files "
                               f"({', '.join(VCF_SUFFIXES + MAF_SUFFIXES)}); rename a variant "
                               "file to count it")):
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5
                                            else "")
            logger.warning("--vcf-dir %s: left out %d %s: %s", folder, len(names), why, shown)
    return found


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
        table = read_maf(path, barcode=None if sample_from_filename else vcf_sample)
        choose_maf_samples(table, path, vcf_sample, sample_from_filename)
        return table
    return read_vcf(path, vcf_sample=vcf_sample, sample_from_filename=sample_from_filename)

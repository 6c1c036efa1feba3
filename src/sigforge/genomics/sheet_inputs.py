"""What a samples sheet row must say about its variant file, found before any job runs.

The workflow counts each row with ``sigforge catalog --vcf FILE --sample-name ID
[--vcf-sample COLUMN]``. A VCF with several sample columns and no ``vcf_sample`` (one whose
header does not name the tumour, :func:`~sigforge.genomics.vcf_samples.tumour_column`), a
``vcf_sample`` the VCF lacks, a MAF under a name that is not a MAF's, a file that is no
readable VCF, or a MAF holding several tumours (or none, or not the row's ``vcf_sample``
barcode) would each fail in the row's job, with command-line advice a sheet user cannot
follow and without the sheet's line; :func:`row_problem` names the row and the fix instead.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sigforge._validation import spelled_alike
from sigforge.genomics.maf import maf_barcodes, maf_header_columns
from sigforge.genomics.maf_checks import build_name, declared_build
from sigforge.genomics.variant_table import MAF_SUFFIXES, is_maf
from sigforge.genomics.vcf import open_vcf
from sigforge.genomics.vcf_samples import tumour_column
from sigforge.io import InputError


def _vcf_columns(path: Path) -> tuple[list[str], object] | str:
    """The sample columns and header of a VCF, or why it cannot be read as one (the reader's
    own message: not a VCF, empty, truncated, damaged header)."""
    try:
        vcf = open_vcf(path)
    except InputError as err:
        return str(err)
    try:
        return list(vcf.header.samples), vcf.header
    except UnicodeDecodeError as err:
        return f"VCF {path}: its header is not UTF-8 text ({err.reason})"
    finally:
        vcf.close()


def maf_row_problem(path: Path, vcf_sample: str, barcodes: list[str] | str) -> str | None:
    """What the sheet row of the MAF ``path`` must fix, given the file's barcodes (or why it
    cannot be read): each row is one tumour, so a MAF of several needs the row's barcode."""
    if isinstance(barcodes, str):
        return f"cannot be read as a MAF: {barcodes.rstrip('.')}"
    listed = ", ".join(barcodes[:10]) + (" ..." if len(barcodes) > 10 else "")
    if not barcodes:
        return ("has no variant rows (only the header), so no Tumor_Sample_Barcode names the "
                "row's tumour. Remove the row, or give the MAF that holds its variants")
    if vcf_sample:
        if vcf_sample in barcodes:
            return None
        return (f"has no rows with Tumor_Sample_Barcode '{vcf_sample}' (its barcodes: "
                f"{listed}). Write one of them in the row's vcf_sample column"
                f"{_spelled_otherwise(vcf_sample, barcodes)}")
    if len(barcodes) > 1:
        return (f"holds {len(barcodes)} tumours (Tumor_Sample_Barcode {listed}), while each "
                "sheet row is one sample. Write the barcode to count in the row's vcf_sample "
                "column (add the column to the sheet if it has none), one row per barcode")
    return None


def _spelled_otherwise(vcf_sample: str, barcodes: list[str]) -> str:
    """A note when the file holds the row's barcode in another Unicode form or case: the two
    print alike, and the listed barcodes seem to hold the one said to be missing."""
    found = spelled_alike(vcf_sample, barcodes)
    if found is None:
        return ""
    near, how = found
    return (f" (the file spells it {ascii(near)}, the row {ascii(vcf_sample)}: the same text "
            f"{how}; copy the file's spelling)")


#: A MAF's barcodes (or why it cannot be read) and the builds its NCBI_Build cells name.
MafFacts = tuple[list[str] | str, dict[str, list[int]]]


def _barcodes(path: Path) -> MafFacts:
    """The MAF's barcodes, or the reader's message when it cannot be read; and its builds."""
    builds: dict[str, list[int]] = {}
    try:
        return maf_barcodes(path, builds), builds
    except InputError as err:
        return str(err), builds


def build_problem(builds: dict[str, list[int]], genome_build: str | None,
                  option: str = "genome_build") -> str | None:
    """Why a MAF whose NCBI_Build cells name one build (GRCh37 or GRCh38, the builds the
    shipped tables are for) other than ``genome_build`` (the config key or command-line
    ``option``) must not be counted as it: the refits would use the other build's signature
    tables, with the FASTA presumably of the MAF's build; or None."""
    declared = declared_build(builds)
    if genome_build is None or declared not in ("GRCh37", "GRCh38") \
            or declared == build_name(genome_build):
        return None  # no build, or one without shipped tables (another species): unchecked
    rows, line = builds[declared]
    given = f"{option} {genome_build}" if option.startswith("--") else \
        f"the config's {option} ({genome_build})"
    fix = f"{option} {declared}" if option.startswith("--") else f"{option}: {declared}"
    return (f"declares NCBI_Build {declared} ({rows:,} row{'s' if rows > 1 else ''}, the "
            f"first at line {line}), not {given}: the signatures would be those of "
            f"{genome_build}. Give {fix} (with a {declared} FASTA as reference), or lift the "
            f"MAF over to {genome_build}")


def row_problem(vcf: str, vcf_sample: str, maf_cache: dict[Path, MafFacts] | None = None,
                genome_build: str | None = None) -> str | None:
    """What the sheet row of ``vcf`` (``vcf_sample`` '' when the row has none) must fix,
    as the end of a sentence naming the row, or None. ``maf_cache`` keeps each MAF's
    barcodes, so that a cohort MAF shared by many rows is read once; a MAF of another
    build than ``genome_build`` (when given) is named (:func:`build_problem`)."""
    path = Path(vcf)
    if not path.is_file():
        return None
    if is_maf(path):
        cache = {} if maf_cache is None else maf_cache
        if path not in cache:
            cache[path] = _barcodes(path)
        barcodes, builds = cache[path]
        return (maf_row_problem(path, vcf_sample, barcodes)
                or build_problem(builds, genome_build))
    if maf_header_columns(path):
        return (f"is a MAF (its header names the MAF columns) but its name does not end in "
                f"{', '.join(MAF_SUFFIXES)}, so it would be read as a VCF. Rename the file "
                f"(e.g. to {path.stem}.maf) and write that name in the sheet's vcf column")
    found = _vcf_columns(path)
    if isinstance(found, str):
        return f"cannot be read as a VCF: {found.rstrip('.')}"
    columns, header = found
    if vcf_sample:
        if vcf_sample in columns:
            return None
        return (f"has no sample column '{vcf_sample}' (its columns: "
                f"{', '.join(columns[:10]) or 'none'}). Write one of them in the row's "
                "vcf_sample column, or leave the cell empty for a VCF without sample columns")
    if len(columns) > 1 and tumour_column(header, columns) is None:
        return (f"holds {len(columns)} sample columns ({', '.join(columns[:10])}) and its "
                "header does not say which is the tumour, while each sheet row is one sample. "
                "Write the column to count in the row's vcf_sample column (add the column to "
                "the sheet if it has none)")
    return None


def check_sheet_rows(samples: pd.DataFrame, sheet: str = "samples sheet",
                     genome_build: str | None = None) -> None:
    """Fail with one message naming every row of the sheet (``sample_id``, ``vcf``, optional
    ``vcf_sample`` and ``sheet_line``) whose variant file needs the sheet's fix
    (:func:`row_problem`; a MAF of another build than ``genome_build``, when given)."""
    columns = samples["vcf_sample"] if "vcf_sample" in samples else [""] * len(samples)
    lines = samples["sheet_line"] if "sheet_line" in samples else [None] * len(samples)
    problems = []
    mafs: dict[Path, MafFacts] = {}
    for name, vcf, column, line in zip(samples["sample_id"], samples["vcf"], columns, lines,
                                       strict=True):
        problem = row_problem(str(vcf), "" if pd.isna(column) else str(column), mafs,
                              genome_build)
        if problem:
            where = f"{sheet}, line {line}" if line is not None else sheet
            problems.append(f"sample '{name}' ({where}): its file '{vcf}' {problem}")
    if problems:
        listed = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise InputError(f"{listed}.")

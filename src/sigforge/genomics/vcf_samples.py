"""Which sample columns of a VCF to count when the user did not say, and what to do with a
column whose genotypes are all missing; and which filtered records a sample's genotype
assigns to another sample (:func:`called_elsewhere`).

The tumour of a tumour-normal VCF (:func:`tumour_column`): without ``--vcf-sample`` every
column used to be a sample, so the matched normal came out as a sample of its own, all zero
(a Mutect2 VCF) or every record was refused (a Strelka VCF, without GT). When the file says
which column is the tumour, only that one is counted, and the log says so:

- a ``##tumor_sample=NAME`` header line naming one column (Mutect2; ``##normal_sample``
  names the normal);
- the fixed column names ``NORMAL`` and ``TUMOR`` (or ``TUMOUR``) of a caller that always
  writes them, named by a ``##source`` line: Strelka, VarScan2, cgpPindel, CaVEMan. Two
  columns so named in a file of unknown origin are left to the user, as before.

A column without a called genotype (:func:`columns_taking_all`): every GT ``./.`` or ``.``
(cgpPindel does not genotype; GATK's ``--set-filtered-gt-to-nocall``) says nothing about
which records the sample carries. The one column counted (the only one, the named or the
detected tumour) then takes every record, as a column of a VCF without GT does, with a
warning; several such columns with none named are refused as a VCF without GT is; beside
columns with calls, it keeps its (all-zero) counts and a warning names the fix.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sigforge.genomics.variant_table import VariantTable
from sigforge.io import InputError

logger = logging.getLogger(__name__)

#: ``##source`` values (lower case) of callers that name their columns NORMAL and TUMOR.
FIXED_COLUMN_CALLERS = ("strelka", "varscan", "pindel", "caveman")
_TUMOUR_NAMES = ("TUMOR", "TUMOUR")


class Tumour(NamedTuple):
    """The tumour column a VCF names, its normal column, and how the file says so."""

    name: str
    normal: str | None
    why: str


def _header_values(header: Any, key: str) -> list[str]:
    """The values of the header's ``##KEY=value`` lines (generic lines only)."""
    return [str(record.value) for record in header.records
            if record.key == key and record.value is not None]


def _caller(header: Any) -> str | None:
    """The caller that wrote fixed NORMAL/TUMOR columns, from a ``##source...`` line
    (``##source=strelka``, ``##source_20200101.1=cgpPindel``), else None."""
    for record in header.records:
        if record.key.lower().startswith("source") and record.value is not None:
            value = str(record.value).lower()
            found = next((name for name in FIXED_COLUMN_CALLERS if name in value), None)
            if found:
                return str(record.value)
    return None


def tumour_column(header: Any, columns: list[str]) -> Tumour | None:
    """The tumour column of a tumour-normal VCF when its header says which it is (see the
    module docstring), else None."""
    tumours = [name for name in _header_values(header, "tumor_sample") if name in columns]
    if len(tumours) == 1 and len(columns) > 1:
        normals = [n for n in _header_values(header, "normal_sample") if n in columns]
        return Tumour(tumours[0], normals[0] if len(normals) == 1 else None,
                      f"the header line ##tumor_sample={tumours[0]}")
    tumour = [name for name in columns if name in _TUMOUR_NAMES]
    caller = _caller(header)
    if caller and len(columns) == 2 and "NORMAL" in columns and len(tumour) == 1:
        return Tumour(tumour[0], "NORMAL", f"the fixed column names of {caller}")
    return None


def pick_tumour(header: Any, columns: list[str], path: Path) -> str | None:
    """The column to count when none was named: the tumour the file names (logged), else
    None (every column is a sample)."""
    if len(columns) < 2:
        return None
    found = tumour_column(header, columns)
    if found is None:
        _refuse_unmatched_tumour(header, columns, path)
        return None
    if found.normal == found.name:
        raise InputError(f"VCF {path}: its header lines ##tumor_sample and ##normal_sample "
                         f"both name the column {found.name!r}, so they do not tell the "
                         f"tumour from the matched normal among {', '.join(columns)}. Name "
                         "the tumour column with --vcf-sample COLUMN (the samples sheet's "
                         "vcf_sample).")
    normal = f"; {found.normal} is the matched normal" if found.normal else ""
    logger.info("VCF %s: counting only the tumour sample %s (told by %s)%s. Give "
                "--vcf-sample (the samples sheet's vcf_sample) to count another column.",
                path, found.name, found.why, normal)
    return found.name


def _refuse_unmatched_tumour(header: Any, columns: list[str], path: Path) -> None:
    """Refuse a VCF whose header names its tumour (``##tumor_sample=``) under a name no
    column has, as after ``bcftools reheader``: counting every column would count the matched
    normal's germline variants as a second tumour, without a word."""
    named = _header_values(header, "tumor_sample")
    present = [name for name in named if name in columns]
    if len(present) > 1:  # Mutect2's joint calling of several tumours of one patient
        raise InputError(f"VCF {path}: its header names {len(present)} tumours "
                         f"(##tumor_sample={', '.join(present)}) among the columns "
                         f"{', '.join(columns)}, so no single tumour is the sample. Count each "
                         "tumour on its own: --vcf-sample COLUMN once per tumour (in the "
                         "workflow, one samples-sheet row per tumour, each with its "
                         "vcf_sample).")
    if named:
        spaced = named[0] != named[0].strip()
        shown = f"{named[0]!r} (with a space at its end or start)" if spaced else named[0]
        raise InputError(f"VCF {path}: its header names the tumour ##tumor_sample="
                         f"{shown}, but no sample column has that name (the "
                         "columns are "
                         f"{', '.join(columns)}; renamed after calling?), so it cannot tell "
                         "the tumour from the matched normal. Name the tumour column with "
                         "--vcf-sample COLUMN (the samples sheet's vcf_sample).")


def uncalled(calls: list[tuple]) -> bool:
    """Whether no genotype of a column names an allele (every GT ``./.``, ``.`` or absent).
    Stops at the first called genotype, so an ordinary column costs one record."""
    return not any(allele is not None for call in calls for allele in call)


def columns_taking_all(path: Path, samples: list[str], genotypes: list[list[tuple]] | None,
                       named: bool) -> list[bool]:
    """Per sample, whether it takes every record because its column has no called genotype
    (see the module docstring); ``named``: the user or the file chose the column.

    Raises
    ------
    InputError
        Several columns, none named, none with a called genotype.
    """
    if not genotypes or not genotypes[0]:
        return [False] * len(samples)
    empty = [uncalled(calls) for calls in genotypes]
    if not any(empty):
        return empty
    if len(samples) == 1:
        logger.warning("VCF %s: sample %s has no called genotype (every GT is './.', '.' or "
                       "absent, as cgpPindel and GATK's --set-filtered-gt-to-nocall write), so "
                       "its genotypes cannot say which records it carries: every record is "
                       "counted for it, as in a VCF without genotypes%s.", path, samples[0],
                       "" if named else " (give --vcf-sample to count another column)")
        return empty
    if all(empty):
        raise InputError(f"VCF {path}: {len(samples)} sample columns ({', '.join(samples[:5])}"
                         f"{', ...' if len(samples) > 5 else ''}) but no called genotype in "
                         "any (every GT is './.' or '.'), so no record says which sample "
                         "carries it. For a tumour-normal VCF name the tumour column "
                         "(--vcf-sample, or the samples sheet's 'vcf_sample' column): every "
                         "record is then counted for it. Otherwise split the file per sample.")
    for sample, none_called in zip(samples, empty, strict=True):
        if none_called:
            logger.warning("VCF %s: sample %s has no called genotype (every GT is './.' or "
                           "'.'), so none of the records is counted for it. If its calls are "
                           "this file's records, count it alone with --vcf-sample %s: every "
                           "record is then counted for it.", path, sample, sample)
    return [False] * len(samples)


def called_elsewhere(table: VariantTable, genotypes: list[list[tuple]],
                      record_index: np.ndarray, take_all: list[bool]
                      ) -> list[np.ndarray] | None:
    """Per sample, the rows skipped before membership (failed FILTER or FORMAT/FT, or not
    somatic) whose record the sample's genotype calls in full without the allele: in a
    multi-sample VCF these are other samples' variants, and counting them as this sample's
    ``filtered`` made every sample's log list the whole cohort's filtered records. A no-call
    (``./.``, as GATK's --set-filtered-gt-to-nocall writes for a filtered record) says
    nothing, so such a row stays ``filtered``. Only the skipped rows are looked at (the
    rest are decided by membership anyway); None when none is found."""
    skipped = ~table.passed
    if table.not_somatic is not None:
        skipped = skipped | table.not_somatic
    found, any_found = [], False
    for place, (calls, everything) in enumerate(zip(genotypes, take_all, strict=True)):
        rows = np.flatnonzero(skipped | (table.sample_failed[place]
                                         if table.sample_failed is not None else False))
        if everything or not rows.size:
            found.append(np.zeros(0, dtype=np.int64))
            continue
        carried = np.isin(rows, table.members[place]) if table.members is not None else True
        whole = np.fromiter((bool(calls[r]) and None not in calls[r]
                             for r in record_index[rows].tolist()), dtype=bool,
                            count=rows.size)
        found.append(rows[whole & ~carried])
        any_found = any_found or bool(found[-1].size)
    return found if any_found else None


def refuse_local_genotypes_only(path: Path, declared: set[str], first_format: tuple[str, ...],
                                columns: list[str]) -> None:
    """Refuse a VCF whose genotypes are local alleles alone (VCF 4.5 ``LGT`` with ``LAA``, as
    Hail, GLnexus and other joint callers may write them): without GT every ALT of every
    record was counted for every sample, a record it calls ``0/0`` and alleles outside its
    ``LAA`` included, without a word."""
    keys = declared | set(first_format)
    if not columns or "LGT" not in keys or "GT" in keys:
        return
    raise InputError(f"VCF {path}: its genotypes are local alleles (FORMAT LGT/LAA, VCF 4.5) "
                     "and it has no GT, from which sigforge reads which alleles a sample "
                     "carries: every ALT would be counted for every sample, its 0/0 calls "
                     "included. Write the VCF with global genotypes (GT) first, e.g. Hail's "
                     "hl.vds.lgt_to_gt or the exporting tool's option to write GT; for one "
                     "tumour's somatic calls, drop the local fields instead (bcftools annotate "
                     "-x FORMAT/LGT,FORMAT/LAA) and every record is counted for it.")

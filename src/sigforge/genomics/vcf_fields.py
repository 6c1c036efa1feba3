"""The VCF fields beside FILTER and GT that decide what a sample's variant is.

Read only when the header declares them, or when records carry FT or PS without a header
line (found as htslib meets them: :func:`sigforge.genomics.vcf.read_vcf` then reads the file
again), so that an ordinary file costs nothing more:

- ``FORMAT/FT``, the per-sample filter (GATK VariantFiltration's
  ``--genotype-filter-expression``, Strelka germline, DeepVariant): a genotype whose FT is
  neither PASS nor missing failed its filter for that sample, which counts it as ``filtered``
  as a failed FILTER does (unless ``--all-filters``);
- ``INFO/SS`` declared as a somatic status (VarScan2's raw somatic calls: 0 reference,
  1 germline, 2 somatic, 3 LOH, 5 unknown): a record whose SS is not 2 is ``not_somatic``
  (unless ``--all-filters``), since VarScan2 writes its germline and LOH calls with FILTER
  PASS beside the somatic ones;
- ``FORMAT/PS``, the phase set of a phased genotype, for :func:`phase_codes`.

Phase itself (``0|1``) is read with the genotypes (:mod:`.vcf`): two adjacent SNVs whose
phased genotypes put them on different haplotypes of one phase set are two SNVs, not a
doublet (:func:`in_trans`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: FT values of a genotype that passed (pysam reads '.' as None).
_FT_PASSED = frozenset({None, "", ".", "PASS"})
#: The somatic status of a somatic call in VarScan2's INFO/SS.
SOMATIC_STATUS = "2"
#: VarScan2's somatic status codes, and the words that name them in its documentation.
_STATUS_NAMES = {"0": "reference (SS=0)", "1": "germline (SS=1)", "3": "LOH (SS=3)",
                 "5": "unknown (SS=5)"}
_STATUS_WORDS = {"reference": "0", "germline": "1", "somatic": "2", "loh": "3",
                 "unknown": "5"}
#: Bits of a phase code below the phase set (ploidy above the haplotype mask).
_SET_SHIFT = 16


def declares_somatic_status(header: Any) -> bool:
    """Whether the header declares INFO/SS as a somatic status (VarScan2's
    'Somatic status of variant (0=Reference,1=Germline,2=Somatic,3=LOH, or 5=Unknown)'):
    another tool's SS (a strand score) is not read."""
    info = header.info.get("SS", None)
    return info is not None and "somatic status" in (info.description or "").lower()


def _ft_failed(value: Any) -> bool:
    """Whether a genotype's FT value is a failed filter: neither PASS nor missing (a list
    when the header declares FT with Number other than 1)."""
    if isinstance(value, tuple):
        return any(part not in _FT_PASSED for part in value)
    return value not in _FT_PASSED


def _phase_set(value: Any) -> int:
    """A PS value as an integer, -1 when missing; htslib reads an undeclared PS as text."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return -1


def _somatic_status(value: Any) -> str | None:
    """A record's INFO/SS as VarScan2's status code: None when missing (pysam gives '.' as
    text under ``Type=String``, VarScan2's own declaration, and None under ``Type=Integer``,
    so a missing status counts the same either way), the code for a status written as its
    name ('Somatic' is 2), else the value as text (a status of another tool's making, not
    somatic)."""
    if isinstance(value, tuple):
        value = value[0] if len(value) == 1 else ",".join(map(str, value))
    if value is None:
        return None
    text = str(value).strip()
    if text in ("", "."):
        return None
    return _STATUS_WORDS.get(text.lower(), text)


@dataclass
class FieldReader:
    """Reads FT, PS (per chosen sample column) and SS (per record) record by record, for the
    fields the header declares (see the module docstring)."""

    columns: list[int]
    read_ft: bool
    read_ps: bool
    read_ss: bool
    ft_failed: list[list[bool]] = field(default_factory=list)
    phase_sets: list[list[int]] = field(default_factory=list)
    not_somatic: list[bool] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_header(cls, header: Any, columns: Sequence[int],
                   undeclared: Collection[str] = ()) -> FieldReader | None:
        """A reader of the fields ``header`` declares for the sample ``columns`` (indices),
        and the FORMAT keys in ``undeclared`` that records carry without a header line; None
        when there are none (the usual file: nothing to read)."""
        columns = list(columns)
        read_ft = bool(columns) and ("FT" in header.formats or "FT" in undeclared)
        read_ps = bool(columns) and ("PS" in header.formats or "PS" in undeclared)
        read_ss = declares_somatic_status(header)
        if not (read_ft or read_ps or read_ss):
            return None
        return cls(columns, read_ft, read_ps, read_ss,
                   [[] for _ in columns] if read_ft else [],
                   [[] for _ in columns] if read_ps else [])

    def add(self, record: Any) -> None:
        """Read one record's declared fields."""
        if self.read_ss:
            status = _somatic_status(record.info.get("SS"))
            other = status is not None and status != SOMATIC_STATUS
            self.not_somatic.append(other)
            if other:
                self.statuses[status] = self.statuses.get(status, 0) + 1
        if self.read_ft or self.read_ps:
            samples = record.samples
            for place, column in enumerate(self.columns):
                sample = samples[column]
                if self.read_ft:
                    self.ft_failed[place].append(_ft_failed(sample.get("FT")))
                if self.read_ps:
                    self.phase_sets[place].append(_phase_set(sample.get("PS")))

    def sample_failed(self, record_index: np.ndarray, path: Path,
                      samples: list[str]) -> list[np.ndarray] | None:
        """Per chosen column (sample), whether each row's genotype failed FT (logged per
        sample); None without FT or when none failed."""
        if not self.read_ft or not any(any(failed) for failed in self.ft_failed):
            return None
        for sample, failed in zip(samples, self.ft_failed, strict=True):
            if any(failed):
                logger.info("VCF %s: %d genotype(s) of sample %s failed the sample's own "
                            "filter (FORMAT/FT): counted as filtered unless --all-filters.",
                            path, sum(failed), sample)
        return [np.asarray(failed, dtype=bool)[record_index] for failed in self.ft_failed]

    def somatic_flags(self, record_index: np.ndarray, path: Path) -> np.ndarray | None:
        """Per row, whether the record's somatic status is not somatic (logged); None
        without SS or when every record is somatic."""
        if not self.read_ss or not any(self.not_somatic):
            return None
        by_status = ", ".join(f"{_STATUS_NAMES.get(status, 'SS=' + status)} {count}"
                              for status, count in sorted(self.statuses.items()))
        logger.info("VCF %s: %d record(s) are not somatic calls by their somatic status "
                    "(INFO/SS other than 2: %s; VarScan2 writes its germline, LOH, reference "
                    "and unknown-status calls beside its somatic ones under FILTER PASS): "
                    "counted as not_somatic unless --all-filters (VarScan2's processSomatic "
                    "keeps the somatic calls alone).", path, sum(self.not_somatic), by_status)
        return np.asarray(self.not_somatic, dtype=bool)[record_index]

    def sets_of(self, place: int) -> list[int] | None:
        """The phase sets (-1: none) of chosen column number ``place``, None without PS."""
        return self.phase_sets[place] if self.read_ps else None


def phase_codes(calls: list[tuple], phased: list[bool], phase_sets: list[int] | None,
                record_index: np.ndarray, allele_number: np.ndarray) -> np.ndarray | None:
    """Per row (ALT allele), where a sample's phased genotype puts it: 0 when unphased (or
    not carried), else ``(phase set + 1) << 16 | ploidy << 8 | haplotypes`` (a bit per
    haplotype carrying the allele; phase set -1 when the genotype has no PS). None when no
    genotype of the column is phased."""
    flags = np.asarray(phased, dtype=bool)
    if not flags.any():
        return None
    codes = np.zeros(len(record_index), dtype=np.int64)
    for row in np.flatnonzero(flags[record_index]).tolist():
        record = int(record_index[row])
        call, number = calls[record], int(allele_number[row])
        mask = sum(1 << place for place, allele in enumerate(call) if allele == number) & 0xFF
        if mask:
            phase_set = phase_sets[record] if phase_sets is not None else -1
            codes[row] = (phase_set + 1) << _SET_SHIFT | min(len(call), 0xFF) << 8 | mask
    return codes


def in_trans(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """For pairs of phase codes (:func:`phase_codes`), whether the two alleles lie on
    different haplotypes of one phase set: both phased, same phase set and ploidy, no
    haplotype carrying both. Unphased pairs (code 0) are not in trans: their phase is
    unknown, and they stay a doublet as before."""
    same_set = (first >> 8) == (second >> 8)
    return (first != 0) & (second != 0) & same_set & ((first & second & 0xFF) == 0)

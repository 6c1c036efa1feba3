"""The columnar table every variant reader fills: one row per ALT allele, in file order.

Shared by :mod:`.vcf` and :mod:`.maf` (the readers) and :mod:`.catalog` (the counting).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BASES = frozenset("ACGT")

VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")
MAF_SUFFIXES = (".maf", ".maf.gz", ".maf.txt", ".maf.tsv")

#: Largest position accepted (BCF's 32-bit POS); anything larger is a corrupt file, not a genome.
MAX_POSITION = 2**31 - 1


@dataclass
class VariantTable:
    """The variants of one input file, one row per ALT allele, in file order.

    Attributes
    ----------
    source : str
        The file, for messages and the log.
    contig_names : list of str
        Contig names as written in the file; ``contig`` holds indices into this list.
    contig, pos : ndarray of int
        Contig index and 1-based position of each allele.
    ref, alt : list of str
        Upper-case REF and ALT of each allele (ALT may be symbolic, ``*`` or ``.``).
    passed : ndarray of bool
        FILTER is PASS or ``.``.
    line : ndarray of int
        1-based line of the allele's record in the (uncompressed) file, for messages.
    samples : list of str
        Sample names of this file, in output order.
    members : list of ndarray or None
        Per sample, the sorted row indices of the alleles it carries (from GT, one sample
        column or several); None when every allele belongs to every sample (VCFs without
        GT, sites-only and file-name modes).
    declared_lengths : dict
        Contig lengths declared in a VCF header (empty for MAF).
    shared_rows : bool
        True for VCFs (every record is read for every sample column); False for MAFs (each
        row is read for its own sample only).
    sample_failed : list of ndarray or None
        Per sample, whether each row's genotype failed its per-sample filter (FORMAT/FT
        neither PASS nor missing); None when the file has no FT (see :mod:`.vcf_fields`).
    not_somatic : ndarray or None
        Per row, whether the caller marks the record germline, LOH or reference (VarScan2's
        INFO/SS other than 2); None when the file declares no such field.
    phase : list of ndarray or None
        Per sample, each row's phase code (:func:`~.vcf_fields.phase_codes`: 0 unphased or
        not carried); None when no genotype of the file is phased.
    called_elsewhere : list of ndarray or None
        Per sample, the sorted rows of records that failed a filter (FILTER, its FORMAT/FT)
        or that the caller marks not somatic, which the sample's genotype calls in full
        without carrying the allele (``0/0``; not a no-call): another sample's variant, so
        ``not_in_sample`` for this one rather than ``filtered``. None when no such row.
    filter_code, filter_labels : ndarray of int and list of str, or None
        Per row, the index in ``filter_labels`` of the FILTER text it failed (``LowQual``,
        ``germline;LowQual``; 0 for a row that passed, whose label is ''), so that the log
        can say which filters were skipped; None when no row failed FILTER.
    """

    source: str
    contig_names: list[str]
    contig: np.ndarray
    pos: np.ndarray
    ref: list[str]
    alt: list[str]
    passed: np.ndarray
    line: np.ndarray
    samples: list[str]
    members: list[np.ndarray] | None = None
    declared_lengths: dict[str, int] = field(default_factory=dict)
    shared_rows: bool = True
    sample_failed: list[np.ndarray] | None = None
    not_somatic: np.ndarray | None = None
    phase: list[np.ndarray] | None = None
    called_elsewhere: list[np.ndarray] | None = None
    filter_code: np.ndarray | None = None
    filter_labels: list[str] | None = None
    #: Rows whose alleles were trimmed of the flanking bases REF and ALT share
    #: (:func:`~.allele_trim.trim_shared_bases`): their POS and REF as written, which the
    #: classification checks against the FASTA too (a wrong shared base is a wrong REF)
    padding: dict[int, tuple[int, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ref)

    def rows_of(self, index: int) -> np.ndarray:
        """Row indices of the alleles sample number ``index`` carries."""
        if self.members is None:
            return np.arange(len(self), dtype=np.int64)
        return self.members[index]


class FailedFilters:
    """The records that failed FILTER, gathered while a file is read: each one's number and the
    code of its FILTER text (``q10;LowQual``), 8 bytes per record (an input whose every call
    is filtered can hold millions)."""

    def __init__(self) -> None:
        self.records = array("q")
        self.codes = array("l")
        self.labels: dict[str, int] = {"": 0}

    def add(self, record: int, text: str) -> None:
        """Record number ``record`` failed the filters named by ``text``."""
        code = self.labels.get(text)
        if code is None:
            code = self.labels[text] = len(self.labels)
        self.records.append(record)
        self.codes.append(code)

    def per_row(self, n_records: int, record_index: np.ndarray
                ) -> tuple[np.ndarray | None, list[str] | None]:
        """Per row (``record_index``: each row's record), the code of the FILTER text its
        record failed, and the labels the codes index (:attr:`VariantTable.filter_code`);
        (None, None) when no record failed."""
        if not self.records:
            return None, None
        codes = np.zeros(n_records, dtype=np.int32)
        codes[np.frombuffer(self.records, dtype=np.int64)] = self.codes
        return codes[record_index], list(self.labels)


def input_stem(path: str | Path) -> str:
    """File name without its VCF/MAF suffix (the sample name in file-name mode), the suffix
    matched in any case (``S2.VCF.GZ`` is S2, as ``S2.vcf.gz`` is: the folder listing and
    :func:`is_maf` accept either)."""
    name = Path(path).name
    for suffix in sorted(VCF_SUFFIXES + MAF_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def is_maf(path: str | Path) -> bool:
    """Whether a path names a MAF by its suffix."""
    return str(path).lower().endswith(MAF_SUFFIXES)

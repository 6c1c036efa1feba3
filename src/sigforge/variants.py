"""Variant reading: VCF/BCF through pysam and MAF through pandas, into one columnar table.

Every ALT allele of every VCF record (multi-allelic records are split) and every MAF row is
one *variant read*. Reading keeps only what counting needs, in flat arrays, so that one pass
of pysam over a million records costs about two seconds (``rec.rid``/``rec.pos``/``rec.ref``/
``rec.alts`` and ``len(rec.filter)`` are far cheaper than ``rec.filter.keys()`` or
``rec.alleles`` on every record; genotypes are read only when they decide sample membership).

Samples of a file (see :func:`read_vcf`):

- ``--vcf-sample NAME``: one sample, the allele belongs to it when NAME's GT carries it.
- ``--sample-from-filename`` (SigProfilerMatrixGenerator's mode): one sample named after the
  file, every record belongs to it whatever the genotypes.
- otherwise a single-sample VCF gives one sample named after its column; a multi-sample VCF
  gives one sample per column (an allele belongs to a sample whose GT carries that ALT); a
  sites-only VCF (no sample column) gives one sample named after the file.

MAF (TCGA/GDC): one sample per ``Tumor_Sample_Barcode``; the ALT allele is
``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1`` where Allele2 equals the reference. ``-``
alleles of indels become VCF-style alleles anchored on the preceding FASTA base
(:func:`anchor_maf_indels`). A ``FILTER`` column, when present, is honoured like the VCF's.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from sigforge.io import InputError

BASES = frozenset("ACGT")

VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")
MAF_SUFFIXES = (".maf", ".maf.gz", ".maf.txt", ".maf.tsv")

#: MAF columns read; every one must be present.
MAF_COLUMNS = ("Tumor_Sample_Barcode", "Chromosome", "Start_Position", "End_Position",
               "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2")


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
        Per sample, the sorted row indices of the alleles it carries; None when every allele
        belongs to every sample (single-sample, sites-only and file-name modes).
    declared_lengths : dict
        Contig lengths declared in a VCF header (empty for MAF).
    shared_rows : bool
        True for VCFs (every record is read for every sample column); False for MAFs (each
        row is read for its own sample only).
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

    def __len__(self) -> int:
        return len(self.ref)

    def rows_of(self, index: int) -> np.ndarray:
        """Row indices of the alleles sample number ``index`` carries."""
        if self.members is None:
            return np.arange(len(self), dtype=np.int64)
        return self.members[index]


def input_stem(path: str | Path) -> str:
    """File name without its VCF/MAF suffix (the sample name in file-name mode)."""
    name = Path(path).name
    for suffix in sorted(VCF_SUFFIXES + MAF_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def open_vcf(path: str | Path) -> pysam.VariantFile:
    """Open a VCF/BCF (plain or bgzipped) with a clear error when it is missing or malformed.

    No htslib decompression threads: measured 10% faster on a bgzipped million-record VCF,
    but reading then hung now and then (pysam 0.24.1) in the test suite.
    """
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


def vcf_sample_columns(path: str | Path) -> list[str]:
    """The sample columns of a VCF header."""
    with open_vcf(path) as vcf:
        return list(vcf.header.samples)


def _header_line_count(vcf: pysam.VariantFile) -> int:
    """Number of header lines, so that record number n sits on line header + n."""
    return len(str(vcf.header).splitlines())


def _scan_records(vcf: pysam.VariantFile, path: Path, genotype_columns: list[int] | None
                  ) -> tuple[list, list, list, list, list, list]:
    """One pysam pass: contig ids, positions, REF, ALT tuples, FILTER verdicts, genotypes.

    Genotypes come back per column (a list of allele-index tuples per sample column index in
    ``genotype_columns``); sample access by index is the cheapest pysam offers.
    """
    rids: list[int] = []
    positions: list[int] = []
    refs: list[str] = []
    alts: list[tuple[str, ...] | None] = []
    passed: list[bool] = []
    genotypes: list[list[tuple]] = [[] for _ in genotype_columns or ()]
    add_rid, add_pos, add_ref, add_alt, add_pass = (
        rids.append, positions.append, refs.append, alts.append, passed.append)
    record_number = 0
    header_lines = _header_line_count(vcf)
    try:
        for record_number, record in enumerate(vcf, start=1):  # noqa: B007
            add_rid(record.rid)
            add_pos(record.pos)
            add_ref(record.ref)
            add_alt(record.alts)
            filters = record.filter  # len() first: far cheaper than filter.keys()
            count = len(filters)
            add_pass(count == 0 or (count == 1 and "PASS" in filters))
            if genotype_columns is not None:
                calls = record.samples
                for column, store in zip(genotype_columns, genotypes, strict=True):
                    store.append(calls[column].allele_indices)
    except (OSError, ValueError) as err:
        line = header_lines + record_number + 1
        raise InputError(f"VCF {path}: malformed or truncated at line {line} (record "
                         f"{record_number + 1}: {err}). Check the file, e.g. 'bcftools view "
                         f"{path}'; a truncated .gz must be re-copied or re-compressed.") from err
    return rids, positions, refs, alts, passed, genotypes


def read_vcf(path: str | Path, *, vcf_sample: str | None = None,
             sample_from_filename: bool = False) -> VariantTable:
    """Read a VCF/BCF into a :class:`VariantTable` (see the module docstring for samples).

    Raises
    ------
    InputError
        Missing or unreadable file, a malformed or truncated record (naming its line), an
        unknown ``vcf_sample``.
    """
    path = Path(path)
    with open_vcf(path) as vcf:
        columns = list(vcf.header.samples)
        if vcf_sample is not None and vcf_sample not in columns:
            raise InputError(f"VCF {path}: sample column '{vcf_sample}' not found; the file has "
                             f"{columns or 'no sample columns'}.")
        if sample_from_filename or not columns:
            samples, genotype_columns = [input_stem(path)], None
        elif vcf_sample is not None:
            samples, genotype_columns = [vcf_sample], [vcf_sample]
        elif len(columns) == 1:
            samples, genotype_columns = columns, None
        else:
            samples, genotype_columns = columns, columns
        header_lines = _header_line_count(vcf)
        declared = header_contig_lengths(vcf)
        rids, positions, refs, alts, passed, genotypes = _scan_records(
            vcf, path, None if genotype_columns is None else
            [columns.index(name) for name in genotype_columns])
        contig_names = list(vcf.header.contigs)
    table = _split_alleles(str(path), contig_names, rids, positions, refs, alts, passed,
                           header_lines, samples, genotypes if genotype_columns else None)
    table.declared_lengths = declared
    return table


def _upper(alleles: list[str]) -> list[str]:
    """Upper-case a list of alleles in one C-level pass (alleles never hold a tab)."""
    return "\t".join(alleles).upper().split("\t") if alleles else []


def _carriers(calls: list[tuple], record_index: np.ndarray, allele_number: np.ndarray
              ) -> np.ndarray:
    """Rows (one per ALT allele) whose allele number appears in the column's genotype."""
    carries_first = np.fromiter((1 in call for call in calls), dtype=bool, count=len(calls))
    carried = carries_first[record_index]
    for row in np.flatnonzero(allele_number > 1).tolist():
        carried[row] = int(allele_number[row]) in calls[record_index[row]]
    return np.flatnonzero(carried)


def _split_alleles(source: str, contig_names: list[str], rids: list[int], positions: list[int],
                   refs: list[str], alts: list, passed: list[bool], header_lines: int,
                   samples: list[str], genotypes: list[list[tuple]] | None) -> VariantTable:
    """Flatten records into one row per ALT allele; records without ALT give no row."""
    if None in alts:
        alts = [a or () for a in alts]
    n_alts = np.fromiter(map(len, alts), dtype=np.int64, count=len(alts))
    record_index = np.repeat(np.arange(len(alts), dtype=np.int64), n_alts)
    if n_alts.size and (n_alts == 1).all():
        flat_alts = _upper([a[0] for a in alts])
        ref_upper = _upper(refs)
    else:
        flat_alts = _upper([allele for a in alts for allele in a])
        ref_upper = _upper([refs[i] for i in record_index.tolist()])
    members = None
    if genotypes is not None:
        offsets = np.cumsum(n_alts) - n_alts
        allele_number = np.arange(len(record_index)) - np.repeat(offsets, n_alts) + 1
        members = [_carriers(calls, record_index, allele_number) for calls in genotypes]
    return VariantTable(
        source=source, contig_names=contig_names,
        contig=np.asarray(rids, dtype=np.int32)[record_index],
        pos=np.asarray(positions, dtype=np.int64)[record_index],
        ref=ref_upper, alt=flat_alts,
        passed=np.asarray(passed, dtype=bool)[record_index],
        line=record_index + header_lines + 1, samples=samples, members=members)


def _read_maf_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """The MAF's rows as text, and the file line of its first data row.

    Leading ``#`` lines (``#version 2.4``) are skipped; a ``#`` elsewhere is data.
    """
    if not path.exists():
        raise InputError(f"MAF {path}: file not found.")
    try:
        with (gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)) as handle:
            comments = 0
            for text in handle:
                if not text.startswith("#"):
                    break
                comments += 1
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                            skiprows=comments, low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as err:
        raise InputError(f"MAF {path}: cannot be read as a tab-separated MAF ({err}).") from err
    missing = [column for column in MAF_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"MAF {path}: missing column(s) {', '.join(missing)}. A MAF needs "
                         f"the GDC columns {', '.join(MAF_COLUMNS)}.")
    return frame, comments + 2


def read_maf(path: str | Path) -> VariantTable:
    """Read a MAF into a :class:`VariantTable`, one sample per Tumor_Sample_Barcode.

    Alleles keep MAF conventions (``-`` for the empty side of an indel, ``Start_Position`` of
    the first affected base); :func:`anchor_maf_indels` turns them into VCF-style alleles.

    Raises
    ------
    InputError
        Missing file, missing columns (named), non-integer positions (line named).
    """
    path = Path(path)
    frame, first_line = _read_maf_frame(path)
    try:
        starts = frame["Start_Position"].astype(np.int64).to_numpy().copy()
    except ValueError as err:
        bad = int(np.flatnonzero(~frame["Start_Position"].str.fullmatch(r"\d+"))[0])
        raise InputError(f"MAF {path}: line {first_line + bad}: Start_Position "
                         f"'{frame['Start_Position'].iat[bad]}' is not an integer.") from err
    ref = frame["Reference_Allele"].str.upper()
    allele2 = frame["Tumor_Seq_Allele2"].str.upper()
    allele1 = frame["Tumor_Seq_Allele1"].str.upper()
    alt = allele2.where(allele2 != ref, allele1)
    passed = np.ones(len(frame), dtype=bool)
    if "FILTER" in frame.columns:
        passed = frame["FILTER"].isin(["PASS", ".", ""]).to_numpy()
    contig_codes, contig_names = pd.factorize(frame["Chromosome"], sort=False)
    sample_codes, samples = pd.factorize(frame["Tumor_Sample_Barcode"], sort=False)
    members = [np.flatnonzero(sample_codes == i) for i in range(len(samples))]
    return VariantTable(
        source=str(path), contig_names=[str(c) for c in contig_names],
        contig=contig_codes.astype(np.int32), pos=starts, ref=ref.tolist(), alt=alt.tolist(),
        passed=passed, line=np.arange(len(frame), dtype=np.int64) + first_line,
        samples=[str(s) for s in samples], members=members, shared_rows=False)


def is_maf(path: str | Path) -> bool:
    """Whether a path names a MAF by its suffix."""
    return str(path).lower().endswith(MAF_SUFFIXES)


def collect_inputs(vcfs: list[str], vcf_dir: str | None, mafs: list[str]) -> list[Path]:
    """The input files named on the command line and found in a directory, in a stable order.

    A directory contributes every ``*.vcf``, ``*.vcf.gz``, ``*.vcf.bgz``, ``*.bcf`` and
    ``*.maf`` (``.maf.gz``, ``.maf.txt``, ``.maf.tsv``) file, sorted by name.
    """
    paths = [Path(p) for p in vcfs] + [Path(p) for p in mafs]
    if vcf_dir:
        folder = Path(vcf_dir)
        if not folder.is_dir():
            raise InputError(f"--vcf-dir {folder}: not a directory.")
        paths += sorted(p for p in folder.iterdir()
                        if p.is_file() and p.name.lower().endswith(VCF_SUFFIXES + MAF_SUFFIXES))
    if not paths:
        raise InputError("no input given: pass --vcf FILE..., --vcf-dir DIR or --maf FILE....")
    return paths


def read_input(path: str | Path, *, vcf_sample: str | None = None,
               sample_from_filename: bool = False) -> VariantTable:
    """Read a VCF/BCF or a MAF (by suffix) into a :class:`VariantTable`."""
    if is_maf(path):
        table = read_maf(path)
        if sample_from_filename:
            table.samples, table.members = [input_stem(path)], None
        elif vcf_sample is not None:
            if vcf_sample not in table.samples:
                raise InputError(f"MAF {path}: no rows with Tumor_Sample_Barcode "
                                 f"'{vcf_sample}'; it holds {table.samples[:10]}"
                                 f"{' ...' if len(table.samples) > 10 else ''}.")
            chosen = table.samples.index(vcf_sample)
            table.samples, table.members = [vcf_sample], [table.members[chosen]]  # type: ignore[index]
        return table
    return read_vcf(path, vcf_sample=vcf_sample, sample_from_filename=sample_from_filename)


def anchor_maf_indels(table: VariantTable, fetch_base: object) -> None:
    """Rewrite MAF ``-`` alleles as VCF-style alleles anchored on the preceding FASTA base.

    A deletion ``Start=s, REF=ACG, ALT=-`` becomes ``POS=s-1, REF=xACG, ALT=x`` and an
    insertion ``Start=s, REF=-, ALT=TT`` (GDC: Start is the base before the insertion)
    becomes ``POS=s, REF=x, ALT=xTT``, where x is the FASTA base at the new POS.
    ``fetch_base(contig_name, pos)`` returns that base, or None when the contig is unknown
    or the position lies outside it (the row is then left as is and skipped later).
    """
    for row in range(len(table)):
        ref, alt = table.ref[row], table.alt[row]
        if ref != "-" and alt != "-":
            continue
        name = table.contig_names[table.contig[row]]
        deletion = alt == "-"
        anchor_pos = int(table.pos[row]) - 1 if deletion else int(table.pos[row])
        base = fetch_base(name, anchor_pos)  # type: ignore[operator]
        if base is None:
            continue
        table.pos[row] = anchor_pos
        if deletion:
            table.ref[row], table.alt[row] = base + ref, base
        else:
            table.ref[row], table.alt[row] = base, base + alt


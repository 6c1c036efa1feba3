"""Checks of the records one pysam pass read, and their flattening to one row per ALT allele.

htslib reads some broken records without complaint (``POS 0``, a REF of ``.``, an empty
CHROM, alleles that are no nucleotide code); counted, they would only be skipped, hiding a
broken file, so they are refused here naming the line. The alleles are then joined once, for
both the allele check and the upper casing (:func:`flatten`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sigforge.genomics.variant_table import MAX_POSITION
from sigforge.io import InputError

#: Nucleotide codes (IUPAC, any case): what REF and a non-symbolic ALT are made of.
_BASE_CODES = "ACGTNRYKMSWBDHVacgtnrykmswbdhv"
_BASE_CODES_AND_TAB = frozenset(_BASE_CODES + "\t")
_BASE_CODE_BYTES = (_BASE_CODES + "\t").encode("ascii")
#: One allele holding a character that is not a nucleotide code (alleles joined by tabs).
_UNUSUAL_ALLELE = re.compile(f"[^\t]*[^{_BASE_CODES}\t][^\t]*")


#: A symbolic ALT, alone or with the bases beside an assembled contig's insertion.
_SYMBOLIC_ALT = re.compile(f"[{_BASE_CODES}]*<[^<>\t]+>[{_BASE_CODES}]*")


def _is_symbolic(alts: tuple[str, ...] | None) -> bool:
    """Whether a record's ALT alleles are symbolic or breakends (the only ones allowed at
    POS 0, which VCF reserves for telomeric breakends)."""
    return bool(alts) and all(  # type: ignore[arg-type]
        a.startswith(("<", ".")) or a.endswith(".") or "[" in a or "]" in a or a == "*"
        for a in alts)  # type: ignore[union-attr]


def check_records(path: Path, positions: list[int], refs: list[str],
                  alleles: list[tuple[str, ...]], header_lines: int) -> None:
    """Reject positions outside 1..MAX_POSITION and a missing REF, naming the line.

    htslib reads ``POS 0`` (and a REF of ``.`` or nothing) without complaint; counted, they
    would only be skipped, hiding a broken file.
    """
    pos = np.asarray(positions, dtype=np.int64)
    for row in np.flatnonzero((pos < 1) | (pos > MAX_POSITION)).tolist():
        if not (pos[row] == 0 and _is_symbolic(alleles[row][1:])):
            raise InputError(f"VCF {path}: line {header_lines + row + 1}: POS {pos[row]} is "
                             f"not a position (VCF positions run from 1 to {MAX_POSITION:,}; "
                             "POS 0 is for telomeric breakends only). Correct or remove that "
                             "line.")
    if "." in refs:
        row = refs.index(".")
        raise InputError(f"VCF {path}: line {header_lines + row + 1}: REF is empty or '.'; "
                         "every record needs its reference base(s). Correct or remove that "
                         "line.")


def check_contigs(path: Path, contig_names: list[str], rids: list[int],
                  header_lines: int) -> None:
    """Reject a record with an empty CHROM, or a '#' line after the ``#CHROM`` line (a
    commented-out record), naming the line: htslib reads them as records on contigs named
    '' and '#chr1' that no FASTA has, so they would only be skipped as ``contig_missing`` (or,
    several, stop the run as a build mismatch naming contig '#chr1')."""
    commented = [i for i, name in enumerate(contig_names) if name.startswith("#")]
    if commented:
        rows = np.flatnonzero(np.isin(np.asarray(rids, dtype=np.int64), commented))
        if rows.size:
            raise InputError(
                f"VCF {path}: line {header_lines + int(rows[0]) + 1} starts with '#' but "
                f"follows the #CHROM line ({rows.size} such line(s) in all): a VCF has no "
                "comments among its records, so it is read as a record on contig "
                f"'{contig_names[int(np.asarray(rids)[rows[0]])][:40]}'. Delete those lines "
                "(e.g. awk '!/^#/ || /^##/ || /^#CHROM/' IN.vcf > OUT.vcf), or move notes into ## "
                "header lines.")
    if "" not in contig_names:
        return
    rows = np.flatnonzero(np.asarray(rids, dtype=np.int64) == contig_names.index(""))
    if rows.size:
        raise InputError(f"VCF {path}: line {header_lines + int(rows[0]) + 1}: CHROM is empty "
                         f"({rows.size} record(s) in all); every record must name its contig "
                         "(as in the reference FASTA). Correct or remove that line.")


#: htslib's warning for a record whose FILTER column is empty or holds an empty name
#: (``q10;;LowQual``): it reads the name '' as a filter the header lacks and goes on.
_EMPTY_FILTER = re.compile(r"FILTER '' at (.+?):(\d+) is not defined")


def check_empty_filter(path: Path, said: str, contig_names: list[str], rids: list[int],
                       positions: list[int], header_lines: int) -> None:
    """Reject a record with an empty FILTER column (or an empty name in its list), naming
    the line: htslib warns and reads it as a failed filter named '', so it would be skipped
    as ``filtered`` although nothing says it failed anything."""
    found = _EMPTY_FILTER.search(said)
    if found is None:
        return
    contig, pos = found.group(1), int(found.group(2))
    rid = contig_names.index(contig) if contig in contig_names else -1
    rows = np.flatnonzero((np.asarray(rids, dtype=np.int64) == rid)
                          & (np.asarray(positions, dtype=np.int64) == pos))
    where = f"line {header_lines + int(rows[0]) + 1}" if rows.size else f"{contig}:{pos}"
    raise InputError(f"VCF {path}: {where}: the FILTER column is empty (or holds an empty "
                     "filter name, as in 'q10;;LowQual'). Write PASS or '.' for a record that "
                     "passed, or the names of the filters it failed, separated by ';'.")

def _valid_alt(allele: str) -> bool:
    """Whether an ALT holding a character other than a nucleotide code is still an allele:
    symbolic (``<DEL>``), an assembled contig's insertion (``C<ctg1>``, ``<ctg1>C``: VCF
    4.1-4.3), a breakend (``G]17:198982]``, ``.A``, ``A.``), ``*`` or ``.``."""
    if allele in ("*", ".") or "[" in allele or "]" in allele:
        return True
    if "<" in allele:
        return bool(_SYMBOLIC_ALT.fullmatch(allele))
    bases = allele[1:] if allele.startswith(".") else allele[:-1] if allele.endswith(".") \
        else ""
    return bool(bases) and not bases.strip(_BASE_CODES)


def _junk(joined: str, valid: Callable[[str], bool] | None = None) -> set[str]:
    """The alleles in ``joined`` (tab-separated) that hold a character other than a nucleotide
    code and are not valid for ``valid`` (a predicate; None: none is). Found at C speed: the
    usual file holds none, and the rest only a few distinct ones ('*', '<DEL>')."""
    if set(joined) <= _BASE_CODES_AND_TAB:
        return set()
    unusual = set(_UNUSUAL_ALLELE.findall(joined))
    return {allele for allele in unusual if valid is None or not valid(allele)}


def check_alleles(path: Path, refs: list[str], alleles: list[tuple[str, ...]],
                  header_lines: int, flat: Flat) -> None:
    """Reject a REF or ALT that is not an allele, naming the first line that holds one.

    Nucleotide codes of any case pass (A, C, G, T; N and the other IUPAC codes are later
    skipped as ``ambiguous_base``), and so do symbolic, breakend, ``*`` and ``.`` ALTs.
    ``-`` (a MAF's empty allele) and characters that are not nucleotide codes (digits, an
    accent) are refused: the MAF reader refuses them too, and counted they would only be
    skipped, hiding a shifted or broken record. The usual file holds nucleotide codes only,
    found in one C-level pass over the joined alleles of ``flat``; only another file is
    looked at allele by allele.
    """
    if "." in flat.alt_text:
        _check_empty_alts(path, alleles, header_lines)
    if all(text.isascii() and not text.encode("ascii").translate(None, _BASE_CODE_BYTES)
           for text in (flat.ref_text, flat.alt_text)):
        return
    bad_refs = _junk("\t".join(refs))
    bad_alts = _junk("\t".join("\t".join(record[1:]) for record in alleles), _valid_alt)
    if not bad_refs and not bad_alts:
        return
    for row, (ref, record) in enumerate(zip(refs, alleles, strict=True)):
        column, value = ("REF", ref) if ref in bad_refs else next(
            (("ALT", alt) for alt in record[1:] if alt in bad_alts), ("", ""))
        if column:
            raise InputError(f"VCF {path}: line {header_lines + row + 1}: "
                             f"{_allele_problem(column, value)}")


def _check_empty_alts(path: Path, alleles: list[tuple[str, ...]], header_lines: int) -> None:
    """Refuse an empty allele in a list of ALTs ('T,' or ',T', which htslib reads as '.'):
    '.' stands for no ALT only as the whole column, and counted such an allele would be
    skipped as ``symbolic``, hiding a damaged record."""
    for row, record in enumerate(alleles):
        if len(record) > 2 and "." in record[1:]:
            raise InputError(f"VCF {path}: line {header_lines + row + 1}: the ALT column "
                             f"'{','.join(record[1:]).replace('.', '')}' holds an empty allele "
                             "(a comma with no allele on one side), or '.' beside other "
                             "alleles; '.' means no ALT only as the whole column. Remove the "
                             "stray comma (or correct the damaged record).")


def _allele_problem(column: str, value: str) -> str:
    """Why a REF or ALT is not an allele (``-``: a MAF convention; other junk), and the fix."""
    if value == "-":
        return (f"{column} '-' is a MAF convention, not a VCF allele: a VCF indel keeps the "
                "base before it in both alleles (REF G ALT GA inserts an A; REF GA ALT G "
                "deletes it), at that base's POS. Write the anchored alleles (a MAF-to-VCF "
                "converter fetches the base before from the FASTA), or remove that line.")
    kinds = ("A, C, G, T or another IUPAC nucleotide code" if column == "REF" else
             "A, C, G, T or another IUPAC nucleotide code, or a symbolic allele (<DEL>), a "
             "breakend, '*' or '.'")
    return (f"{column} '{value[:30]}' is not an allele ({kinds}); a shifted or damaged "
            "record. Correct or remove that line.")


def record_refs(path: Path, alleles: list[tuple[str, ...]], header_lines: int) -> list[str]:
    """Each record's REF. A record pysam gives no alleles for (None, or none at all) is
    refused like an empty REF, naming the record; htslib itself refuses the BCF records that
    lack a REF, so this guards against what it may let through, not a known case."""
    try:
        return [record[0] for record in alleles]
    except (TypeError, IndexError):  # None, or an empty tuple
        row = next(i for i, record in enumerate(alleles) if not record)
        raise InputError(f"VCF {path}: line {header_lines + row + 1}: the record has no "
                         "alleles (REF empty); every record needs its reference base(s). "
                         "Correct or remove that record.") from None


class Flat(NamedTuple):
    """Records flattened to one row per ALT allele (see :func:`flatten`)."""

    n_alts: np.ndarray  # ALT alleles per record, 1 for a record without ALT
    no_alt: np.ndarray  # per record: no ALT ('.')
    record_index: np.ndarray  # per row: its record
    ref_text: str  # the rows' REFs, tab-separated
    alt_text: str  # the rows' ALTs ('.' for a record without ALT), tab-separated


def flatten(refs: list[str], alleles: list[tuple[str, ...]]) -> Flat:
    """One row per ALT allele of the records (``alleles``: REF then ALTs), the alleles joined
    by tabs (alleles never hold one): one join serves both the allele check and the upper
    casing. A record without ALT (``.``, a reference call) gives one row with ALT ``.``."""
    n_alleles = np.fromiter(map(len, alleles), dtype=np.int64, count=len(alleles))
    n_alts = np.maximum(n_alleles - 1, 1)
    record_index = np.repeat(np.arange(len(alleles), dtype=np.int64), n_alts)
    if n_alleles.size and (n_alleles == 2).all():
        ref_text = "\t".join(refs)
        alt_text = "\t".join([record[1] for record in alleles])
    else:
        ref_text = "\t".join([refs[i] for i in record_index.tolist()])
        alt_text = "\t".join([alt for record in alleles for alt in record[1:] or (".",)])
    return Flat(n_alts, n_alleles == 1, record_index, ref_text, alt_text)


def upper_alleles(text: str, count: int) -> list[str]:
    """The ``count`` tab-separated alleles of ``text``, upper case (one C-level pass)."""
    return text.upper().split("\t") if count else []

"""The VCF header as written in the file, read beside htslib's parse of it.

htslib adds lines of its own to the header it parses (``##FILTER=<ID=PASS>``) and keeps the
first of two ``##contig`` lines of one ID, dropping the other unsaid; the line numbers in
messages and the check of contradicting contig lines need the file's own text.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path
from typing import NamedTuple

import pysam

from sigforge.genomics.genome import file_compression
from sigforge.io import InputError


class HeaderLayout(NamedTuple):
    """Where a VCF's records start and what they look like, read from the file itself.

    ``lines``: header lines, so that record number n sits on line ``lines + n``.
    ``columns``: tab-separated columns of the ``#CHROM`` line (None for a BCF).
    ``first_format``: the FORMAT keys of the first record (empty when none or a BCF).
    """

    lines: int
    columns: int | None
    first_format: tuple[str, ...]


def header_contig_lengths(vcf: pysam.VariantFile) -> dict[str, int]:
    """Contig lengths declared in the VCF header (``##contig=<ID=..,length=..>``)."""
    lengths = {}
    for name, contig in vcf.header.contigs.items():
        if contig.length is not None:
            lengths[name] = int(contig.length)
    return lengths


def file_header(path: Path, vcf: pysam.VariantFile) -> HeaderLayout:
    """The header's layout, counted in the file itself: htslib adds lines of its own
    (``##FILTER=<ID=PASS>``) to the header it parses. A BCF has no lines; its header's length
    stands in (records are then numbered, not located by line)."""
    if vcf.format != "VCF":
        return _parsed_layout(path, vcf)
    count, columns, first_format = 0, None, ()
    contigs: dict[bytes, tuple[bytes, int]] = {}
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none" else open(path, "rb")
              ) as handle:
            for text in handle:
                if not text.startswith(b"#"):  # no #CHROM line: the reader names that
                    first_format = format_keys(text)
                    break
                count += 1
                if text.startswith(b"##"):  # #CHROM's sample names have a check of their own
                    _check_utf8(path, text, count)
                if text.startswith(b"##contig=<"):
                    _check_contig_line(path, text, count, contigs)
                if text.startswith(b"#CHROM"):  # the last header line: htslib reads every
                    columns = text.rstrip(b"\r\n").count(b"\t") + 1  # later line as a record
                    first_format = format_keys(next(handle, b""))
                    break
    except (OSError, EOFError, zlib.error):
        return _parsed_layout(path, vcf)
    return HeaderLayout(count, columns, first_format)


def _parsed_layout(path: Path, vcf: pysam.VariantFile) -> HeaderLayout:
    """The layout from htslib's parse of the header (a BCF, or a file the scan could not
    read): its line count stands in for the file's."""
    try:
        lines = len(str(vcf.header).splitlines())
    except UnicodeDecodeError as err:
        raise InputError(f"VCF {path}: its header is not UTF-8 text ({err.reason} at byte "
                         f"{err.start} of the header): {_UTF8_FIX}") from None
    return HeaderLayout(lines, None, ())


#: How to turn a header written in Latin-1 (or another legacy encoding) into UTF-8.
_UTF8_FIX = ("sigforge reads VCFs as UTF-8, as the VCF specification requires. Convert the "
             "file, e.g. 'iconv -f latin1 -t utf-8 FILE > FIXED.vcf' ('zcat FILE | iconv -f "
             "latin1 -t utf-8 | bgzip > FIXED.vcf.gz' for a compressed one).")


def _check_utf8(path: Path, text: bytes, line: int) -> None:
    """Refuse a header line that is not UTF-8 (a description written in Latin-1): htslib keeps
    its bytes, and decoding the header for the run's records would fail later with no file or
    line named."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as err:
        shown = text[max(0, err.start - 30):err.start + 10].decode("utf-8", "replace")
        shown = shown.replace("\r", " ").replace("\n", " ").strip()
        raise InputError(f"VCF {path}, header line {line}: not UTF-8 text (byte "
                         f"0x{text[err.start]:02x} at column {err.start + 1}, in '...{shown}"
                         f"...'). {_UTF8_FIX}") from None


_CONTIG_ID = re.compile(rb"[<,]ID=([^,>]+)")
_CONTIG_LENGTH = re.compile(rb"[<,]length=([^,>]+)")


def _check_contig_line(path: Path, text: bytes, line: int,
                       seen: dict[bytes, tuple[bytes, int]]) -> None:
    """Refuse a second ``##contig`` line of one ID with another length: htslib keeps the first
    and drops the other unsaid, so the build check would compare only one of two claims."""
    name, length = _CONTIG_ID.search(text), _CONTIG_LENGTH.search(text)
    if name is None or length is None:
        return
    earlier = seen.setdefault(name.group(1), (length.group(1), line))
    if earlier[0] != length.group(1):
        raise InputError(
            f"VCF {path}: header lines {earlier[1]} and {line} declare contig "
            f"{name.group(1).decode('utf-8', 'replace')} with two lengths "
            f"({earlier[0].decode('utf-8', 'replace')} and "
            f"{length.group(1).decode('utf-8', 'replace')}). The header was merged from files "
            "of different genome builds: keep the ##contig line of the build the variants "
            "were called on (bcftools reheader), or call again.")


def format_keys(line: bytes) -> tuple[str, ...]:
    """The FORMAT keys of a record line (none when it has no FORMAT column)."""
    fields = line.rstrip(b"\r\n").split(b"\t")
    return tuple(fields[8].decode("utf-8", "replace").split(":")) if len(fields) > 8 else ()

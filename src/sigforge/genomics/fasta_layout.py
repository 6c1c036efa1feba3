"""Why htslib cannot index a FASTA: the layout fault that stopped it (contig, line, fix).

Run by :mod:`sigforge.genomics.genome` only after htslib failed to index a FASTA: the file is
read line by line as htslib reads it, up to the first fault (a line of another width, a stray
character, mixed or old-Mac line ends, a blank line inside a sequence, text before the first
header, a last contig without bases). Kept apart from :mod:`sigforge.genomics.fasta_checks`
(the checks run before every open) as it is a separate, error-path-only diagnosis.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from sigforge.genomics.compression import file_compression
from sigforge.genomics.fasta_checks import rewrite_advice


@dataclass(frozen=True)
class _Line:
    """One line of a FASTA being scanned for a layout fault."""

    number: int
    raw: bytes  # with its line end

    @property
    def width(self) -> int:
        """Bytes with the line end, as htslib counts them (a last line without one counts 1)."""
        return len(self.raw) + (0 if self.raw.endswith(b"\n") else 1)

    @property
    def text(self) -> bytes:
        """The line without its line end (LF or CR LF)."""
        return self.raw.rstrip(b"\n").removesuffix(b"\r")

    @property
    def crlf(self) -> bool:
        """Whether the line ends with CR LF."""
        return self.raw.endswith(b"\r\n")


@dataclass
class _Contig:
    """A contig's header and the lines that decide whether htslib can index it."""

    name: str
    line: int
    first: _Line | None = None  # its first sequence line: every later one but the last as long
    short: _Line | None = None  # a shorter line: must be its last
    blank: int | None = None  # a blank line after its header: only another header may follow


def _odd_character(line: _Line) -> str | None:
    """The first character in a sequence line that is not a printable base (a space, a tab,
    another control or a non-ASCII byte), described with its column; None when there is none."""
    for column, byte in enumerate(line.text, 1):
        if not 33 <= byte <= 126:
            name = {32: "a space", 9: "a tab"}.get(byte, f"the byte 0x{byte:02X}")
            return f"{name} at column {column}"
    return None


def _odd_fault(path: Path, contig: _Contig, line: _Line, odd: str) -> str:
    """A sequence line holding a space, tab, other control or non-ASCII byte, with the fix."""
    stages = ["sed '/^>/!s/[[:space:]]//g'", "seqkit seq -w 60"]
    return (f"contig {contig.name}, line {line.number}: its sequence holds {odd}. Sequence "
            "lines may hold bases only: remove such characters and re-wrap the FASTA, "
            + rewrite_advice(path, stages))


def _width_fault(path: Path, contig: _Contig, first: _Line, line: _Line) -> str:
    """Why a sequence line's width differs from the contig's ``first`` line's, with the fix: a
    stray space or other character, mixed line ends, or a line wrapped to another width."""
    for candidate in (first, line):
        odd = _odd_character(candidate)
        if odd:
            return _odd_fault(path, contig, candidate, odd)
    if first.crlf != line.crlf:
        crlf, lf = (first, line) if first.crlf else (line, first)
        return (f"contig {contig.name}: line {crlf.number} ends with CR LF (Windows) and line "
                f"{lf.number} with LF alone. Give every line the same ending, "
                + rewrite_advice(path, ["sed 's/\\r$//'"]))
    bases = len(line.text)
    relation = "more" if bases > len(first.text) else "fewer"
    tail = "" if relation == "more" else ", but it is not the contig's last line"
    return (f"contig {contig.name}, line {line.number}: it holds {bases:,} bases, {relation} "
            f"than the {len(first.text):,} of the contig's first sequence line (line "
            f"{first.number}){tail}. htslib needs every line of a contig but its last to hold "
            "the same number of bases: re-wrap the FASTA, "
            + rewrite_advice(path, ["seqkit seq -w 60"]))


def _sequence_line_fault(path: Path, contig: _Contig | None, line: _Line) -> str | None:
    """Why htslib cannot take a sequence line where it stands; None when it can (the
    contig's first, as wide as the first, or a shorter one that must then be the last)."""
    if contig is None:
        return (f"line {line.number} comes before the first '>' header line. Delete what "
                "precedes the first header.")
    odd = None if line.text.isalpha() else _odd_character(line)
    if odd:  # of the same width, htslib indexes it, but counts the contig a base short
        return _odd_fault(path, contig, line, odd)
    if contig.blank is not None:
        return (f"contig {contig.name} has a blank line inside its sequence (line "
                f"{contig.blank}). Remove blank lines inside sequences, "
                + rewrite_advice(path, ["seqkit seq -w 60"]))
    if contig.first is None:
        contig.first = line
    elif contig.short is not None:
        return _width_fault(path, contig, contig.first, contig.short)
    elif line.width > contig.first.width:
        return _width_fault(path, contig, contig.first, line)
    elif line.width < contig.first.width:
        contig.short = line
    return None


def _lone_carriage_return(path: Path, contig: _Contig | None, line: _Line) -> str | None:
    """A CR not followed by LF: old Mac line ends (htslib then sees one endless line)."""
    if b"\r" not in line.text.rstrip(b"\r"):  # CR CR LF is taken, as htslib does
        return None
    where = f"contig {contig.name}, line {line.number}" if contig else f"line {line.number}"
    return (f"{where} holds a carriage return (CR) that no line feed (LF) follows: the file's "
            "lines end with CR alone (old Mac line ends), which htslib does not read. Convert "
            "them, " + rewrite_advice(path, ["tr '\\r' '\\n'"]))


def _header_name(raw: bytes) -> str:
    """A contig's name on its ``>`` header line: up to the first white space, as htslib reads."""
    words = raw[1:].split(None, 1)
    return words[0].decode("utf-8", "replace") if words else "(unnamed)"


def _scan_line(path: Path, contig: _Contig | None, line: _Line
               ) -> tuple[_Contig | None, str | None]:
    """The contig after one more line, and the layout fault that line shows (None if none)."""
    if line.raw.startswith(b">"):
        contig = _Contig(_header_name(line.raw), line.number)
        return contig, _lone_carriage_return(path, contig, line)
    fault = _lone_carriage_return(path, contig, line)
    if fault or line.text:
        return contig, fault or _sequence_line_fault(path, contig, line)
    if contig is not None and contig.blank is None:
        contig.blank = line.number
    return contig, None


def layout_fault(path: Path) -> str | None:
    """Why htslib cannot index a FASTA (the contig, the line and the fix), found by reading it
    line by line as htslib does; None when no layout fault is found. Run only after htslib
    failed: it reads the file up to the fault."""
    contig: _Contig | None = None
    opener = gzip.open if file_compression(path) == "bgzf" else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            contig, fault = _scan_line(path, contig, _Line(number, raw))
            if fault:
                return fault
    if contig is not None and contig.first is None:
        return (f"its last contig {contig.name} (line {contig.line}) has no sequence. Remove "
                "that header line or add the contig's bases.")
    return None

"""Reference FASTA access through pysam, with chromosome-name aliasing (chr1/1, chrM/MT).

Before pysam opens a FASTA it is checked, so that a wrong file is one message with the fix
rather than an htslib error: an empty file, a file that does not start with a ``>`` header
(binary data, a VCF given as the reference, a byte-order mark), plain gzip (htslib fetches
only from bgzip), and a ``.fai`` (with, for bgzip, its ``.gzi``) that does not describe the
FASTA (the FASTA was edited or re-compressed after indexing, or the index belongs to another
file). The index check reads a few bytes around each contig's start and end as the ``.fai``
places them: milliseconds even for thousands of contigs in a plain FASTA; in a bgzip one the
``.gzi`` finds the blocks holding those bytes, as htslib does, and only those blocks are
inflated (at most about two 64 KiB blocks per contig, not the sequence: 0.02 s for 25 contigs,
about 1 s for 3,000 contigs of 600 Mb). When htslib cannot index a FASTA, the file is scanned
(on that error path only) for the layout fault that stopped it: the contig, the line and the
fix.
"""

from __future__ import annotations

import gzip
import logging
import os
import shlex
import struct
import sys
import tempfile
import zlib
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
import pysam

from sigforge.genomics.contexts import encode
from sigforge.io import InputError, check_regular_file

logger = logging.getLogger(__name__)

_MITO = ("chrM", "chrMT", "MT", "M")
_GZIP_MAGIC = b"\x1f\x8b"
#: Bytes read before a contig's sequence to find its ``>`` header line in the FASTA.
_HEADER_WINDOW = 4096
_UTF8_BOM = b"\xef\xbb\xbf"
#: Inflated BGZF blocks kept while an index is checked (contigs are visited in file order).
_KEPT_BLOCKS = 8

#: One ``.fai`` row: name, length, offset, line bases, line bytes.
_Entry = tuple[str, int, int, int, int]


class _Readable(Protocol):
    """What the index checks read a FASTA through: a plain file, or a bgzip file's bytes."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def read(self, size: int = -1, /) -> bytes: ...


def file_compression(path: str | Path) -> str:
    """``"bgzf"``, ``"gzip"`` (plain, not bgzip) or ``"none"``, from a file's first bytes.

    A BGZF block is a gzip member whose extra field holds the subfield ``BC`` (SAM
    specification, section 4.1); plain gzip has no such field.
    """
    with open(path, "rb") as handle:
        head = handle.read(18)
    if head[:2] != _GZIP_MAGIC:
        return "none"
    has_extra = len(head) >= 14 and head[3] & 4
    return "bgzf" if has_extra and head[12:14] == b"BC" else "gzip"


def _aliases(name: str) -> list[str]:
    """Names under which a VCF contig may appear in a FASTA, most likely first."""
    if name in _MITO:
        return list(_MITO)
    if name.startswith("chr"):
        return [name, name[3:]]
    return [name, f"chr{name}"]


def _rewrite_command(path: Path, stages: list[str]) -> str:
    """A shell pipeline that writes a fixed copy of a FASTA through ``stages`` (filters of
    standard input), bgzip-compressed again when the FASTA is."""
    quoted = shlex.quote(str(path))
    if file_compression(path) == "bgzf":
        return " | ".join([f"bgzip -dc {quoted}", *stages, "bgzip"]) + " > FIXED.fa.gz"
    return " | ".join([f"{stages[0]} < {quoted}", *stages[1:]]) + " > FIXED.fa"


def _rewrite_advice(path: Path, stages: list[str]) -> str:
    """How to write the fixed copy (:func:`_rewrite_command`) and use it instead."""
    fixed = "FIXED.fa.gz" if file_compression(path) == "bgzf" else "FIXED.fa"
    return f"e.g. {_rewrite_command(path, stages)}, and give {fixed} as the reference."


def _bom_problem(path: Path, head: bytes) -> str | None:
    """The message for a FASTA that starts with a byte-order mark (a Windows editor's 'UTF-8
    with BOM' or UTF-16 text), which htslib cannot index; None when there is none."""
    if head.startswith(_UTF8_BOM):
        return ("it starts with a UTF-8 byte-order mark (the 3 bytes EF BB BF that editors "
                "write when saving as 'UTF-8 with BOM') before its first '>' header line, and "
                "htslib cannot index that. Remove the mark, "
                + _rewrite_advice(path, ["tail -c +4"]))
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ("it is UTF-16 text (it starts with a UTF-16 byte-order mark); htslib reads "
                "ASCII only. Convert it, " + _rewrite_advice(path, ["iconv -f UTF-16 -t ASCII"]))
    return None


def _fasta_problem(path: Path) -> str | None:
    """Why a file cannot be a FASTA htslib reads (with the fix), from its first bytes; None
    when it may be one."""
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes). Give the genome FASTA the variants were called on."
    compression = file_compression(path)
    if compression == "gzip":
        return (f"it is gzip-compressed, not bgzip-compressed, and htslib fetches only from "
                f"bgzip. Re-compress it ('zcat {path} | bgzip > NEW.fa.gz'; bgzip comes with "
                "htslib/samtools) and give NEW.fa.gz, or give the uncompressed FASTA.")
    try:
        with (gzip.open(path, "rb") if compression == "bgzf" else open(path, "rb")) as handle:
            head = handle.read(_HEADER_WINDOW)
    except (OSError, EOFError, zlib.error) as err:
        return f"its bgzip data is corrupt ({err}). Copy the FASTA again or re-compress it."
    bom = _bom_problem(path, head)
    if bom:
        return bom
    start = head.lstrip()
    if start.startswith(b">"):
        return None
    first = start.split(b"\n", 1)[0][:60]
    seen = ("binary data" if b"\x00" in head or not first.isascii()
            else f"'{first.decode('ascii', 'replace')}'")
    return (f"it does not start with a '>' header line (it starts with {seen}), so it is not "
            "a FASTA. Give the reference genome FASTA (plain or bgzip-compressed), not a "
            "VCF or another file.")


def _fai_entries(fai: Path) -> list[_Entry] | None:
    """The (name, length, offset, line bases, line bytes) rows of a ``.fai``; None if malformed."""
    entries = []
    try:
        with open(fai, encoding="ascii") as handle:
            for text in handle:
                if not text.strip():
                    continue
                name, *numbers = text.rstrip("\r\n").split("\t")
                length, offset, line_bases, line_bytes = (int(v) for v in numbers[:4])
                entries.append((name, length, offset, line_bases, line_bytes))
    except (ValueError, UnicodeDecodeError):
        return None
    return entries


def _gzi_path(fasta: Path) -> Path:
    """Where htslib keeps a bgzip FASTA's block index."""
    return Path(f"{fasta}.gzi")


def _gzi_blocks(gzi: Path) -> list[tuple[int, int]] | None:
    """The (compressed, uncompressed) start of every BGZF block a ``.gzi`` lists, the first
    block (0, 0), which it leaves implicit, included; None when the file is not laid out as a
    ``.gzi`` (a 64-bit little-endian count, then that many pairs of 64-bit offsets)."""
    data = gzi.read_bytes()
    if len(data) < 8 or len(data) != 8 + 16 * int.from_bytes(data[:8], "little"):
        return None
    blocks = [(0, 0), *struct.iter_unpack("<QQ", data[8:])]
    if any(b[0] <= a[0] or b[1] < a[1] for a, b in zip(blocks, blocks[1:], strict=False)):
        return None
    return blocks


class _StaleBlockIndexError(Exception):
    """A BGZF block is not where the ``.gzi`` puts it, or is not as long as it says."""


def _inflate_block(handle: BinaryIO, offset: int) -> tuple[bytes, int]:
    """The uncompressed bytes of the BGZF block starting at ``offset``, and where the next
    block starts (SAM specification, section 4.1: an 18-byte header whose ``BC`` subfield
    holds the block size, raw deflate data, then CRC32 and uncompressed size)."""
    handle.seek(offset)
    header = handle.read(18)
    if len(header) < 18 or header[:2] != _GZIP_MAGIC or header[12:14] != b"BC":
        raise _StaleBlockIndexError(f"no bgzip block starts at compressed byte {offset:,}, "
                                    "where the .gzi puts one")
    size = int.from_bytes(header[16:18], "little") + 1
    body = handle.read(size - 18)
    try:
        data = zlib.decompress(body[:-8], wbits=-15)
    except zlib.error as err:
        raise _StaleBlockIndexError(f"the bgzip block at compressed byte {offset:,} is "
                                    f"corrupt ({err})") from err
    if len(body) != size - 18 or len(data) != int.from_bytes(body[-4:], "little"):
        raise _StaleBlockIndexError(f"the bgzip block at compressed byte {offset:,} is cut short")
    return data, offset + size


class _BgzfView:
    """The uncompressed bytes of a bgzip file, read at any offset the way htslib reads them:
    the ``.gzi`` names the block holding the offset. Each block read is checked against the
    ``.gzi`` (the next block must start where it says), so a stale ``.gzi`` raises
    :class:`_StaleBlockIndexError` instead of giving the wrong bytes. The last few blocks are
    kept.
    """

    def __init__(self, handle: BinaryIO, blocks: list[tuple[int, int]]) -> None:
        self._handle = handle
        self._blocks = blocks
        self._starts = [start for _, start in blocks]
        self._kept: dict[int, bytes] = {}
        self._position = 0
        self.size = self._size()

    def _size(self) -> int:
        """Uncompressed size: the end of the last listed block, which only empty blocks (the
        end-of-file marker) may follow."""
        data, following = _inflate_block(self._handle, self._blocks[-1][0])
        end = self._handle.seek(0, os.SEEK_END)
        while following < end:
            extra, following = _inflate_block(self._handle, following)
            if extra:
                raise _StaleBlockIndexError("the .gzi ends before the file's last bgzip block")
        return self._starts[-1] + len(data)

    def _block(self, index: int) -> bytes:
        """Block ``index`` of the ``.gzi``, inflated and checked against the next entry."""
        if index not in self._kept:
            offset, start = self._blocks[index]
            data, following = _inflate_block(self._handle, offset)
            if index + 1 < len(self._blocks):
                self._check_next(index + 1, following, start + len(data))
            if len(self._kept) >= _KEPT_BLOCKS:
                del self._kept[next(iter(self._kept))]
            self._kept[index] = data
        return self._kept[index]

    def _check_next(self, index: int, following: int, start: int) -> None:
        """The ``.gzi``'s entry ``index`` must be the next block holding data, which starts at
        uncompressed ``start``: empty blocks before it at compressed ``following`` (the
        end-of-file marker of one file of a concatenation) are skipped, as htslib lists none."""
        offset, listed = self._blocks[index]
        extra = b""
        while following < offset and not extra:
            extra, following = _inflate_block(self._handle, following)
        if extra or (following, start) != (offset, listed):
            raise _StaleBlockIndexError(f"block {index} of the .gzi is not where the bgzip "
                                        "file's blocks lie")

    def seek(self, offset: int, whence: int = 0, /) -> int:
        """Move to an uncompressed offset (from the start only)."""
        self._position = offset
        return offset

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` uncompressed bytes from the current offset."""
        end = self.size if size < 0 else min(self._position + size, self.size)
        parts = []
        while self._position < end:
            index = bisect_right(self._starts, self._position) - 1
            skip = self._position - self._starts[index]
            part = self._block(index)[skip:skip + end - self._position]
            if not part:
                raise _StaleBlockIndexError(f"block {index} of the .gzi holds too few bytes")
            parts.append(part)
            self._position += len(part)
        return b"".join(parts)


def _last_base_offset(entry: _Entry) -> int:
    """Byte offset of a contig's last base in the (uncompressed) FASTA, from its ``.fai`` row."""
    _, length, offset, line_bases, line_bytes = entry
    last = max(length, 1) - 1
    return offset + last // line_bases * line_bytes + last % line_bases


def _header_mismatch(handle: _Readable, entry: _Entry) -> bool:
    """Whether the line just before a contig's indexed offset is not its ``>name`` line.

    Only the last ``_HEADER_WINDOW`` bytes are read; a header line longer than that is not
    checked.
    """
    name, offset = entry[0], entry[2]
    window = min(offset, _HEADER_WINDOW)
    handle.seek(offset - window)
    before = handle.read(window)
    if not before.endswith(b"\n"):
        return True
    lines = before[:-1].split(b"\n")
    if len(lines) == 1 and window < offset:
        return False
    return lines[-1].rstrip(b"\r").split(None, 1)[:1] != [b">" + name.encode()]


def _line_end_mismatch(handle: _Readable, entry: _Entry) -> bool:
    """Whether a contig's first line, or the line before its last, does not end (LF) where
    the ``.fai`` row's line width puts it: a FASTA re-wrapped to another width whose first
    and last bases happen to land where the old index expects bases."""
    _, length, offset, line_bases, line_bytes = entry
    full_lines = (max(length, 1) - 1) // line_bases
    if not full_lines:
        return False
    for line_end in (offset + line_bytes - 1, offset + full_lines * line_bytes - 1):
        handle.seek(line_end)
        if handle.read(1) != b"\n":
            return True
    return False


def _contig_layout_problem(handle: _Readable, size: int, entry: _Entry) -> str | None:
    """Whether one ``.fai`` row fits the (uncompressed) FASTA read through ``handle``.

    The bytes the row points at must be: the contig's own ``>name`` line just before its
    offset, line ends where its line width puts the end of its first line and of the line
    before its last, a base at its last position, and a line end (or the file's end) right
    after it.
    """
    name, length, offset, line_bases, line_bytes = entry
    if line_bases < 1 or line_bytes < line_bases or offset < 1:
        return f"contig {name}: impossible line layout"
    last = _last_base_offset(entry)
    if length and last >= size:
        return f"contig {name} would end at byte {last:,}, past the FASTA's {size:,} bytes"
    if _header_mismatch(handle, entry):
        return f"contig {name} does not start at byte {offset:,} under its '>{name}' line"
    if _line_end_mismatch(handle, entry):
        return f"contig {name}'s lines are not {line_bases:,} bases long as the index says"
    if length:
        handle.seek(last)
        tail = handle.read(2)
        if tail[:1] in (b"\n", b"\r", b">", b"") or tail[1:] not in (b"", b"\n", b"\r"):
            return f"contig {name} is not {length:,} bases long as the index says"
    return None


def _entries_problem(handle: _Readable, size: int, entries: list[_Entry]) -> str | None:
    """Why the ``.fai`` rows do not describe the FASTA read through ``handle`` (``size`` bytes
    uncompressed); None when every row fits and nothing lies between or beyond them. Contigs
    are visited in file order, so that each part of the file is read once."""
    ordered = sorted(entries, key=lambda e: e[2])
    for before, entry in zip([None, *ordered], ordered, strict=False):
        problem = _contig_layout_problem(handle, size, entry) or (
            _unindexed_gap(handle, before, entry) if before else None)
        if problem:
            return problem
    final = ordered[-1]
    handle.seek(_last_base_offset(final) + (1 if final[1] else 0))
    if handle.read(_HEADER_WINDOW).strip():
        return f"the FASTA holds more after its last indexed contig {final[0]}"
    return None


def _bgzf_entries_problem(handle: BinaryIO, gzi: Path, entries: list[_Entry]) -> str | None:
    """:func:`_entries_problem` for a bgzip FASTA, read through its ``.gzi`` as htslib reads
    it; a ``.gzi`` that does not describe the file's blocks is a problem too."""
    blocks = _gzi_blocks(gzi)
    if blocks is None:
        return f"{gzi} is not a valid .gzi"
    try:
        view = _BgzfView(handle, blocks)
        return _entries_problem(view, view.size, entries)
    except _StaleBlockIndexError as err:
        return str(err)


def _fai_problem(fasta: Path, fai: Path) -> str | None:
    """Why a FASTA's ``.fai`` (and a bgzip FASTA's ``.gzi``) does not describe it; None when
    every row fits."""
    entries = _fai_entries(fai)
    if entries is None:
        return "the index is not a valid .fai (5 tab-separated columns per contig)"
    if not entries:
        return "the index lists no contig"
    with open(fasta, "rb") as handle:
        if file_compression(fasta) == "bgzf":
            return _bgzf_entries_problem(handle, _gzi_path(fasta), entries)
        return _entries_problem(handle, fasta.stat().st_size, entries)


def _unindexed_gap(handle: _Readable, before: _Entry, after: _Entry) -> str | None:
    """Bytes between one indexed contig's end and the next one's header line that no index
    row covers: a sequence the index skipped, as htslib does with the second of two contigs of
    one name (it warns and keeps the first). Blank lines in between are allowed."""
    end = _last_base_offset(before) + 1 if before[1] else before[2]
    window = min(after[2] - end, _HEADER_WINDOW)
    if window <= 0:
        return None
    handle.seek(after[2] - window)
    tail = handle.read(window)
    newline = tail[:-1].rfind(b"\n")
    if newline < 0:
        return None  # a header line longer than the window: not checked
    if tail[:newline + 1].strip():  # what precedes the next contig's header line
        return (f"the FASTA holds a sequence between contigs {before[0]} and {after[0]} "
                "that no index row covers (a contig name used twice?)")
    return None


def _index_message(fasta: Path, problem: str) -> str:
    """The message for a ``.fai`` (or ``.gzi``) that does not match its FASTA, with the fix."""
    fai = Path(f"{fasta}.fai")
    gzi = _gzi_path(fasta)
    indexes = [fai, gzi] if gzi.exists() and file_compression(fasta) == "bgzf" else [fai]
    newer = any(i.exists() and fasta.stat().st_mtime > i.stat().st_mtime for i in indexes)
    if len(indexes) == 1:
        return (f"reference FASTA {fasta}: its index {fai} does not match it ({problem}"
                f"{'; the FASTA is newer than the index' if newer else ''}). The FASTA was "
                "changed after it was indexed, or the .fai belongs to another file: delete the "
                f".fai (sigforge rebuilds it) or rebuild it with 'samtools faidx {fasta}'.")
    return (f"reference FASTA {fasta}: its index {fai} with {gzi} does not match it ({problem}"
            f"{'; the FASTA is newer than the index' if newer else ''}). The FASTA was changed "
            "or re-compressed after it was indexed, or the index belongs to another file: "
            f"delete the .fai and the .gzi (rm {fai} {gzi}; sigforge rebuilds both) or rebuild "
            f"them with 'samtools faidx {fasta}'.")


def _stale_index(path: Path) -> str | None:
    """Why an existing index does not describe the FASTA; None when it does or when htslib
    will build it afresh (no ``.fai``; for bgzip, no ``.gzi``: htslib then rebuilds both)."""
    fai = Path(f"{path}.fai")
    if not fai.exists():
        return None
    compression = file_compression(path)
    if compression == "bgzf" and not _gzi_path(path).exists():
        return None
    return _fai_problem(path, fai)


def _check_fasta(path: Path) -> None:
    """Raise InputError when a file is not a usable FASTA or its ``.fai``/``.gzi`` is stale."""
    try:
        problem = _fasta_problem(path)
        stale = None if problem else _stale_index(path)
    except OSError as err:
        raise InputError(f"reference FASTA {path}: cannot be read ({err}). Give a readable "
                         "FASTA file.") from err
    if problem:
        raise InputError(f"reference FASTA {path}: {problem}")
    if stale:
        raise InputError(_index_message(path, stale))


def _redirect_stderr(target: int) -> int | None:
    """Point file descriptor 2 at ``target`` (Python's ``sys.stderr`` flushed first); the
    original, duplicated, to restore later, or None when fd 2 cannot be redirected."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return None
    os.dup2(target, 2)
    return saved


@contextmanager
def _stderr_captured(sink: list[str]) -> Iterator[None]:
    """Send what is written to file descriptor 2 inside the block to ``sink`` (htslib says why
    it cannot index a FASTA only there, as ``[E::function] reason`` lines); fd 2 is restored
    however the block ends. Nothing is captured when no temporary file can be made or fd 2
    cannot be redirected."""
    with ExitStack() as stack:
        try:
            capture = stack.enter_context(tempfile.TemporaryFile())
        except OSError:
            capture = None
        saved = _redirect_stderr(capture.fileno()) if capture else None
        try:
            yield
        finally:
            if capture and saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                sink.append(capture.read().decode("utf-8", "replace"))


def _htslib_errors(text: str) -> list[str]:
    """The reasons in htslib's ``[E::function] reason`` lines."""
    return [line.split("] ", 1)[-1].strip() for line in text.splitlines()
            if line.startswith("[E::")]


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


def _width_fault(path: Path, contig: _Contig, first: _Line, line: _Line) -> str:
    """Why a sequence line's width differs from the contig's ``first`` line's, with the fix: a
    stray space or other character, mixed line ends, or a line wrapped to another width."""
    for candidate in (first, line):
        odd = _odd_character(candidate)
        if odd:
            stages = ["sed '/^>/!s/[[:space:]]//g'", "seqkit seq -w 60"]
            return (f"contig {contig.name}, line {candidate.number}: its sequence holds {odd}. "
                    "Sequence lines may hold bases only: remove such characters and re-wrap "
                    "the FASTA, " + _rewrite_advice(path, stages))
    if first.crlf != line.crlf:
        crlf, lf = (first, line) if first.crlf else (line, first)
        return (f"contig {contig.name}: line {crlf.number} ends with CR LF (Windows) and line "
                f"{lf.number} with LF alone. Give every line the same ending, "
                + _rewrite_advice(path, ["sed 's/\\r$//'"]))
    bases = len(line.text)
    relation = "more" if bases > len(first.text) else "fewer"
    tail = "" if relation == "more" else ", but it is not the contig's last line"
    return (f"contig {contig.name}, line {line.number}: it holds {bases:,} bases, {relation} "
            f"than the {len(first.text):,} of the contig's first sequence line (line "
            f"{first.number}){tail}. htslib needs every line of a contig but its last to hold "
            "the same number of bases: re-wrap the FASTA, "
            + _rewrite_advice(path, ["seqkit seq -w 60"]))


def _sequence_line_fault(path: Path, contig: _Contig | None, line: _Line) -> str | None:
    """Why htslib cannot take a sequence line where it stands; None when it can (the
    contig's first, as wide as the first, or a shorter one that must then be the last)."""
    if contig is None:
        return (f"line {line.number} comes before the first '>' header line. Delete what "
                "precedes the first header.")
    if contig.blank is not None:
        return (f"contig {contig.name} has a blank line inside its sequence (line "
                f"{contig.blank}). Remove blank lines inside sequences, "
                + _rewrite_advice(path, ["seqkit seq -w 60"]))
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
            "them, " + _rewrite_advice(path, ["tr '\\r' '\\n'"]))


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


def _layout_fault(path: Path) -> str | None:
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


def _open_failure(path: Path, building: bool, htslib_text: str, err: Exception) -> str:
    """The message for a FASTA htslib cannot open or index: a folder it cannot write the
    index to, the layout fault that stopped indexing, or else htslib's own reason."""
    reasons = "; ".join(_htslib_errors(htslib_text)) or str(err)
    if building and not os.access(path.parent, os.W_OK):
        return (f"reference FASTA {path}: its index cannot be built, as its folder "
                f"{path.parent} is not writable (htslib: {reasons}). Index it once where it "
                f"may be written ('samtools faidx {path}'), or copy the FASTA to a writable "
                "folder.")
    try:
        fault = _layout_fault(path) if building else None
    except (OSError, EOFError, zlib.error):
        fault = None
    if fault:
        return f"reference FASTA {path}: htslib cannot index it: {fault}"
    return (f"reference FASTA {path}: cannot be opened or indexed (htslib: {reasons}). It must "
            "be plain FASTA or bgzip-compressed, and its folder writable when the .fai (and "
            ".gzi) must be built; a stale .fai or .gzi can be deleted to rebuild it.")


def _open_fasta(path: Path, building: bool) -> pysam.FastaFile:
    """Open a FASTA with pysam (htslib builds a missing index). htslib's messages are held
    back meanwhile: passed on when the FASTA opens (warnings), replaced by one InputError
    with the cause and the fix when it does not."""
    said: list[str] = []
    try:
        with _stderr_captured(said):
            fasta = pysam.FastaFile(str(path))
    except (OSError, ValueError) as err:
        raise InputError(_open_failure(path, building, "".join(said), err)) from err
    if "".join(said).strip():
        sys.stderr.write("".join(said))
    return fasta


class ReferenceGenome:
    """A reference FASTA opened with pysam; builds the ``.fai`` index if it is missing.

    Parameters
    ----------
    path : str or Path
        Plain or bgzip-compressed FASTA.
    """

    def __init__(self, path: str | Path, *, keep_sequences: bool = False) -> None:
        self.path = Path(path)
        self.keep_sequences = keep_sequences
        self._sequences: dict[str, tuple[str, np.ndarray]] = {}
        if not self.path.exists():
            raise InputError(f"reference FASTA {self.path}: file not found. Give the genome the "
                             "VCFs were called against (config key 'reference' or --reference).")
        check_regular_file(self.path, f"reference FASTA {self.path}")
        _check_fasta(self.path)
        fai, gzi = Path(f"{self.path}.fai"), _gzi_path(self.path)
        bgzf = file_compression(self.path) == "bgzf"
        gzi_existed = gzi.exists()
        building = not fai.exists() or (bgzf and not gzi_existed)
        if building:
            logger.info("building FASTA index %s.fai (one-off; needs write access beside the "
                        "FASTA)", self.path)
        self._fasta = _open_fasta(self.path, building)
        if building:
            self._check_new_index(fai, gzi if bgzf and not gzi_existed else None)
        self.lengths: dict[str, int] = dict(
            zip(self._fasta.references, self._fasta.lengths, strict=True))
        self._resolved: dict[str, str | None] = {}

    def _check_new_index(self, fai: Path, new_gzi: Path | None) -> None:
        """The index just built must cover the whole FASTA: htslib skips (with only a warning)
        the second of two contigs of one name, whose bases would then be silently unused.
        Such an index is deleted again (with the ``.gzi`` built with it), so that a corrected
        FASTA is indexed afresh."""
        problem = _fai_problem(self.path, fai)
        if problem:
            self._fasta.close()
            fai.unlink(missing_ok=True)
            if new_gzi is not None:
                new_gzi.unlink(missing_ok=True)
            raise InputError(f"reference FASTA {self.path}: {problem}. Every contig needs its "
                             "own name: remove or rename the repeated one.")

    def resolve(self, contig: str) -> str | None:
        """The FASTA's name for a VCF contig, trying common aliases; None when absent."""
        if contig not in self._resolved:
            self._resolved[contig] = next(
                (alias for alias in _aliases(contig) if alias in self.lengths), None)
        return self._resolved[contig]

    def fetch(self, contig: str, start: int, end: int) -> str:
        """Upper-case sequence of the 0-based half-open interval on a FASTA contig name.

        Raises
        ------
        InputError
            The index promises bases the FASTA does not hold (a stale ``.fai`` or ``.gzi``).
        """
        try:
            text = str(self._fasta.fetch(contig, start, end)).upper()
        except (OSError, ValueError) as err:
            raise InputError(_index_message(
                self.path, f"fetching {contig}:{start + 1}-{end} failed: {err}")) from err
        if len(text) != min(end, self.lengths[contig]) - start:
            raise InputError(_index_message(
                self.path, f"{contig}:{start + 1}-{end} gave {len(text):,} bases, not "
                f"{end - start:,}"))
        return text

    def sequence(self, contig: str) -> tuple[str, np.ndarray]:
        """A whole FASTA contig, upper case, as text and as base codes (fetched once).

        Only the last contig is kept unless ``keep_sequences`` was set (then every contig
        stays in memory, about one byte per base twice: worth it when many files are counted
        against the same genome).
        """
        if contig not in self._sequences:
            if not self.keep_sequences:
                self._sequences.clear()
            text = self.fetch(contig, 0, self.lengths[contig])
            self._sequences[contig] = (text, encode(text))
        return self._sequences[contig]

    def base(self, contig: str, pos: int) -> str | None:
        """The base at 1-based ``pos`` of a contig named as in the input, or None if absent."""
        name = self.resolve(contig)
        if name is None or not 1 <= pos <= self.lengths[name]:
            return None
        return self.fetch(name, pos - 1, pos)

    def close(self) -> None:
        """Release the FASTA file handle and the cached sequences."""
        self._sequences.clear()
        self._fasta.close()


def ensure_index(path: str | Path) -> None:
    """Build the FASTA's ``.fai`` once, before parallel jobs would race to build it."""
    if Path(path).is_file() and not Path(f"{path}.fai").exists():
        ReferenceGenome(path).close()


def check_reference(path: str | Path) -> None:
    """Fail with one message (InputError) when a file is no FASTA htslib reads or its ``.fai``
    (or ``.gzi``) does not describe it; reads a few bytes per contig (in a bgzip FASTA, the
    blocks holding them) and builds nothing (a parse-time check).
    """
    _check_fasta(Path(path))


def index_fasta(path: str | Path, log: str | Path | None = None) -> Path:
    """Check a FASTA and build its ``.fai`` (and ``.gzi`` when bgzip-compressed) if missing.

    What the workflow's ``genome_faidx`` rule runs; ``log`` gets one line describing the
    index. Returns the ``.fai`` path.

    Raises
    ------
    InputError
        The file is no usable FASTA, or an existing ``.fai`` does not describe it.
    """
    genome = ReferenceGenome(path)
    lengths = dict(genome.lengths)
    genome.close()
    fai = Path(f"{path}.fai")
    if log is not None:
        Path(log).write_text(f"{fai}: {len(lengths)} contig(s), the longest "
                             f"{max(lengths.values(), default=0):,} bases\n", encoding="utf-8")
    return fai


def _bgzf_size(path: str | Path) -> int | None:
    """Uncompressed size of a BGZF file from its blocks' headers and footers; None if a block
    is not laid out as bgzip writes it (one ``BC`` extra subfield).

    Reads 18 + 4 bytes per 64 KiB block (SAM specification, section 4.1), not the data.
    """
    total = 0
    with open(path, "rb") as handle:
        while header := handle.read(18):
            if len(header) < 18 or header[:2] != _GZIP_MAGIC or header[12:14] != b"BC":
                return None
            block = int.from_bytes(header[16:18], "little") + 1
            handle.seek(block - 18 - 4, 1)
            footer = handle.read(4)
            if len(footer) < 4:
                return None
            total += int.from_bytes(footer, "little")
    return total


def largest_contig(path: str | Path) -> int:
    """Length of the FASTA's longest contig (for memory requests), without building an index.

    Read from the ``.fai`` when it exists; before it does (the workflow builds it in a job), an
    upper bound from the file's size: one byte per base of a plain FASTA, the uncompressed size
    of a bgzip-compressed one.
    """
    fai = Path(f"{path}.fai")
    if fai.is_file():
        with open(fai) as handle:
            return max((int(line.split("\t")[1]) for line in handle if line.strip()),
                       default=0)
    if file_compression(path) == "bgzf":
        size = _bgzf_size(path)
        if size is not None:
            return size
    return Path(path).stat().st_size

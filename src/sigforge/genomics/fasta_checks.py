"""Checks of a reference FASTA and its index, and the diagnosis of why htslib cannot index one.

What :mod:`sigforge.genomics.genome` runs before and around opening a FASTA with pysam, kept
apart from the genome access itself so that each module holds one responsibility (reading a
genome; telling what is wrong with a file meant to be one). A wrong file is one message with
the fix rather than an htslib error: an empty file, a file that does not start with a ``>``
header (binary data, a VCF given as the reference, a UTF-8 or UTF-16 byte-order mark), plain
gzip (htslib fetches only from bgzip), and a ``.fai`` (with, for bgzip, its ``.gzi``) that does
not describe the FASTA (the FASTA was edited or re-compressed after indexing, or the index
belongs to another file). The index check reads a few bytes around each contig's start and end
as the ``.fai`` places them: milliseconds even for thousands of contigs in a plain FASTA; in a
bgzip one the ``.gzi`` finds the blocks holding those bytes, as htslib does, and only those
blocks are inflated (at most about two 64 KiB blocks per contig, not the sequence: 0.02 s for
25 contigs, about 1 s for 3,000 contigs of 600 Mb). htslib says why it cannot open or index a
FASTA only on file descriptor 2, so that is captured while it works
(:func:`sigforge._htslib.stderr_captured`);
the scan for the layout fault that stopped htslib indexing a FASTA is in
:mod:`sigforge.genomics.fasta_layout`.

What a file's first bytes say about its compression (:func:`file_compression`) is in
:mod:`sigforge.genomics.compression`, shared with the VCF, MAF, BED and GTF readers.
"""

from __future__ import annotations

import gzip
import logging
import os
import shlex
import struct
import zlib
from bisect import bisect_right
from pathlib import Path
from typing import BinaryIO, Protocol

from sigforge.genomics.compression import (
    GZIP_MAGIC,
    file_compression,
    foreign_compression_problem,
    tar_archive_problem,
)
from sigforge.io import InputError

logger = logging.getLogger(__name__)

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


def _rewrite_command(path: Path, stages: list[str]) -> str:
    """A shell pipeline that writes a fixed copy of a FASTA through ``stages`` (filters of
    standard input), bgzip-compressed again when the FASTA is."""
    quoted = shlex.quote(str(path))
    if file_compression(path) == "bgzf":
        return " | ".join([f"bgzip -dc {quoted}", *stages, "bgzip"]) + " > FIXED.fa.gz"
    return " | ".join([f"{stages[0]} < {quoted}", *stages[1:]]) + " > FIXED.fa"


def rewrite_advice(path: Path, stages: list[str]) -> str:
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
                + rewrite_advice(path, ["tail -c +4"]))
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return ("it is UTF-16 text (it starts with a UTF-16 byte-order mark); htslib reads "
                "ASCII only. Convert it, " + rewrite_advice(path, ["iconv -f UTF-16 -t ASCII"]))
    return None


def _packed_problem(path: Path, compression: str) -> str | None:
    """A tar archive (plain or compressed) given as the FASTA, with the fix; else None."""
    try:
        with (open(path, "rb") if compression == "none" else gzip.open(path, "rb")) as handle:
            head = handle.read(512)
    except (OSError, EOFError, zlib.error):
        return None  # the checks below name damaged data
    return tar_archive_problem(head, "FASTA", path)


def _fasta_problem(path: Path) -> str | None:
    """Why a file cannot be a FASTA htslib reads (with the fix), from its first bytes; None
    when it may be one."""
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes). Give the genome FASTA the variants were called on."
    foreign = foreign_compression_problem(path, "bgzip", "NEW.fa.gz")
    if foreign:
        return foreign
    compression = file_compression(path)
    packed = _packed_problem(path, compression)
    if packed:
        return packed
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


def gzi_path(fasta: Path) -> Path:
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
    if len(header) < 18 or header[:2] != GZIP_MAGIC or header[12:14] != b"BC":
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
    header = lines[-1].rstrip(b"\r")
    # htslib names a contig by the first word after '>', spaces after '>' skipped ('> chr1')
    return not header.startswith(b">") or (header[1:].split(None, 1) or [b""])[0] != \
        name.encode()


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
    after = handle.read(_HEADER_WINDOW)
    if after.strip() and not _only_empty_contigs(after):
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


def indexed_lengths(fasta: Path) -> dict[str, int] | None:
    """The contig lengths of a FASTA's own ``.fai`` when it has one that describes it (the
    workflow's dry run checks BEDs against them before the index rule runs); None when the
    index is absent, unreadable or stale (the jobs build or refuse it)."""
    fai = Path(f"{fasta}.fai")
    if not fai.is_file() or not Path(fasta).is_file():
        return None
    try:
        if fai_problem(Path(fasta), fai):
            return None
        entries = _fai_entries(fai)
    except OSError:
        return None
    return {name: length for name, length, *_ in entries or ()} or None


def fai_problem(fasta: Path, fai: Path) -> str | None:
    """Why a FASTA's ``.fai`` (and a bgzip FASTA's ``.gzi``) does not describe it; None when
    every row fits."""
    entries = _fai_entries(fai)
    if entries is None:
        return "the index is not a valid .fai (5 tab-separated columns per contig)"
    if not entries:
        return "the index lists no contig"
    with open(fasta, "rb") as handle:
        if file_compression(fasta) == "bgzf":
            return _bgzf_entries_problem(handle, gzi_path(fasta), entries)
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
    between = tail[:newline + 1]  # what precedes the next contig's header line
    if between.strip() and not _only_empty_contigs(between):
        return (f"the FASTA holds a sequence between contigs {before[0]} and {after[0]} "
                "that no index row covers (a contig name used twice?)")
    return None


def _only_empty_contigs(text: bytes) -> bool:
    """Whether ``text`` holds only header lines (and blank lines): contigs without a base,
    which htslib leaves out of the index. Warned about, not refused: no variant can lie on
    them (one that names them is counted as contig_missing)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith(b">") for line in lines):
        return False
    names = [line[1:].split()[0].decode("utf-8", "replace") if line[1:].split() else "''"
             for line in lines]
    logger.warning("reference FASTA: contig(s) %s hold no bases, so the index leaves them "
                   "out; a variant on them is counted as contig_missing.", ", ".join(names))
    return True


def index_message(fasta: Path, problem: str) -> str:
    """The message for a ``.fai`` (or ``.gzi``) that does not match its FASTA, with the fix."""
    fai = Path(f"{fasta}.fai")
    gzi = gzi_path(fasta)
    indexes = [fai, gzi] if gzi.exists() and file_compression(fasta) == "bgzf" else [fai]
    newer = any(i.exists() and fasta.stat().st_mtime > i.stat().st_mtime for i in indexes)
    if not newer:  # indexed as it is: the FASTA's own layout may be the fault
        from sigforge.genomics.fasta_layout import layout_fault  # it imports this module

        fault = layout_fault(fasta)
        if fault:
            return (f"reference FASTA {fasta}: {fault} Then delete its index "
                    f"({' '.join(map(str, indexes))}), built from the faulty file.")
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
    if compression == "bgzf" and not gzi_path(path).exists():
        return None
    return fai_problem(path, fai)


def check_fasta(path: Path) -> None:
    """Raise InputError when a file is not a usable FASTA or its ``.fai``/``.gzi`` is stale."""
    try:
        problem = _fasta_problem(path)
        stale = None if problem else _stale_index(path)
    except OSError as err:
        beside = err.filename is not None and Path(err.filename) != path
        raise InputError(
            f"reference FASTA {path}: its index {err.filename} cannot be read ({err.strerror}). "
            "Remove it, and sigforge builds the index afresh." if beside else
            f"reference FASTA {path}: cannot be read ({err}). Give a readable FASTA file."
        ) from err
    if problem:
        raise InputError(f"reference FASTA {path}: {problem}")
    if stale:
        raise InputError(index_message(path, stale))

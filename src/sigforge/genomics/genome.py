"""Reference FASTA access through pysam, with chromosome-name aliasing (chr1/1, chrM/MT).

Before pysam opens a FASTA it is checked, so that a wrong file is one message with the fix
rather than an htslib error: an empty file, a file that does not start with a ``>`` header
(binary data, a VCF given as the reference), plain gzip (htslib fetches only from bgzip), and
a ``.fai`` that does not describe the FASTA (the FASTA was edited after indexing, or the index
belongs to another file). The index check reads a few bytes around each contig's start and
end as the ``.fai`` places them (milliseconds even for thousands of contigs); a bgzip FASTA's
index is checked when a fetch fails or returns fewer bases than the index promises.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pysam

from sigforge.genomics.contexts import encode
from sigforge.io import InputError, check_regular_file

logger = logging.getLogger(__name__)

_MITO = ("chrM", "chrMT", "MT", "M")
_GZIP_MAGIC = b"\x1f\x8b"
#: Bytes read before a contig's sequence to find its ``>`` header line in the FASTA.
_HEADER_WINDOW = 4096


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
    start = head.lstrip()
    if start.startswith(b">"):
        return None
    first = start.split(b"\n", 1)[0][:60]
    seen = ("binary data" if b"\x00" in head or not first.isascii()
            else f"'{first.decode('ascii', 'replace')}'")
    return (f"it does not start with a '>' header line (it starts with {seen}), so it is not "
            "a FASTA. Give the reference genome FASTA (plain or bgzip-compressed), not a "
            "VCF or another file.")


def _fai_entries(fai: Path) -> list[tuple[str, int, int, int, int]] | None:
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


def _last_base_offset(entry: tuple[str, int, int, int, int]) -> int:
    """Byte offset of a contig's last base in a plain FASTA, from its ``.fai`` row."""
    _, length, offset, line_bases, line_bytes = entry
    last = max(length, 1) - 1
    return offset + last // line_bases * line_bytes + last % line_bases


def _header_mismatch(handle: BinaryIO, entry: tuple[str, int, int, int, int]) -> bool:
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


def _contig_layout_problem(handle: BinaryIO, size: int, entry: tuple[str, int, int, int, int]
                           ) -> str | None:
    """Whether one ``.fai`` row fits the plain FASTA open in ``handle``.

    The bytes the row points at must be: the contig's own ``>name`` line just before its
    offset, a base at its last position, and a line end (or the file's end) right after it.
    """
    name, length, offset, line_bases, line_bytes = entry
    if line_bases < 1 or line_bytes < line_bases or offset < 1:
        return f"contig {name}: impossible line layout"
    last = _last_base_offset(entry)
    if length and last >= size:
        return f"contig {name} would end at byte {last:,}, past the FASTA's {size:,} bytes"
    if _header_mismatch(handle, entry):
        return f"contig {name} does not start at byte {offset:,} under its '>{name}' line"
    if length:
        handle.seek(last)
        tail = handle.read(2)
        if tail[:1] in (b"\n", b"\r", b">", b"") or tail[1:] not in (b"", b"\n", b"\r"):
            return f"contig {name} is not {length:,} bases long as the index says"
    return None


def _fai_problem(fasta: Path, fai: Path) -> str | None:
    """Why a plain FASTA's ``.fai`` does not describe it; None when every row fits."""
    entries = _fai_entries(fai)
    if entries is None:
        return "the index is not a valid .fai (5 tab-separated columns per contig)"
    if not entries:
        return "the index lists no contig"
    size = fasta.stat().st_size
    with open(fasta, "rb") as handle:
        for entry in entries:
            problem = _contig_layout_problem(handle, size, entry)
            if problem:
                return problem
        gap = _unindexed_gap(handle, entries)
        if gap:
            return gap
        final = max(entries, key=lambda e: e[2])
        handle.seek(_last_base_offset(final) + (1 if final[1] else 0))
        if handle.read(_HEADER_WINDOW).strip():
            return f"the FASTA holds more after its last indexed contig {final[0]}"
    return None


def _unindexed_gap(handle: BinaryIO, entries: list[tuple[str, int, int, int, int]]
                   ) -> str | None:
    """Bytes between one indexed contig's end and the next one's header line that no index
    row covers: a sequence the index skipped, as htslib does with the second of two contigs of
    one name (it warns and keeps the first). Blank lines in between are allowed."""
    ordered = sorted(entries, key=lambda e: e[2])
    for before, after in zip(ordered, ordered[1:], strict=False):
        end = _last_base_offset(before) + 1 if before[1] else before[2]
        window = min(after[2] - end, _HEADER_WINDOW)
        if window <= 0:
            continue
        handle.seek(after[2] - window)
        tail = handle.read(window)
        newline = tail[:-1].rfind(b"\n")
        if newline < 0:
            continue  # a header line longer than the window: not checked
        if tail[:newline + 1].strip():  # what precedes the next contig's header line
            return (f"the FASTA holds a sequence between contigs {before[0]} and {after[0]} "
                    "that no index row covers (a contig name used twice?)")
    return None


def _index_message(fasta: Path, problem: str) -> str:
    """The message for a ``.fai`` that does not match its FASTA, with the fix."""
    fai = Path(f"{fasta}.fai")
    newer = fai.exists() and fasta.stat().st_mtime > fai.stat().st_mtime
    return (f"reference FASTA {fasta}: its index {fai} does not match it ({problem}"
            f"{'; the FASTA is newer than the index' if newer else ''}). The FASTA was changed "
            "after it was indexed, or the .fai belongs to another file: delete the .fai "
            f"(sigforge rebuilds it) or rebuild it with 'samtools faidx {fasta}'.")


def _check_fasta(path: Path) -> None:
    """Raise InputError when a file is not a usable FASTA or its ``.fai`` is stale."""
    try:
        problem = _fasta_problem(path)
        fai = Path(f"{path}.fai")
        stale = (_fai_problem(path, fai)
                 if problem is None and fai.exists() and file_compression(path) == "none"
                 else None)
    except OSError as err:
        raise InputError(f"reference FASTA {path}: cannot be read ({err}). Give a readable "
                         "FASTA file.") from err
    if problem:
        raise InputError(f"reference FASTA {path}: {problem}")
    if stale:
        raise InputError(_index_message(path, stale))


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
        fai = Path(f"{self.path}.fai")
        building = not fai.exists()
        if building:
            logger.info("building FASTA index %s.fai (one-off; needs write access beside the "
                        "FASTA)", self.path)
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as err:
            raise InputError(f"reference FASTA {self.path}: cannot be opened or indexed ({err}). "
                             "It must be plain FASTA or bgzip-compressed, and its folder "
                             "writable when the .fai (and .gzi) must be built; a stale .fai or "
                             ".gzi can be deleted to rebuild it.") from err
        if building and file_compression(self.path) == "none":
            self._check_new_index(fai)
        self.lengths: dict[str, int] = dict(
            zip(self._fasta.references, self._fasta.lengths, strict=True))
        self._resolved: dict[str, str | None] = {}

    def _check_new_index(self, fai: Path) -> None:
        """The index just built must cover the whole FASTA: htslib skips (with only a warning)
        the second of two contigs of one name, whose bases would then be silently unused.
        Such an index is deleted again, so that a corrected FASTA is indexed afresh."""
        problem = _fai_problem(self.path, fai)
        if problem:
            self._fasta.close()
            fai.unlink(missing_ok=True)
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
    does not describe it; reads a few bytes per contig and builds nothing (a parse-time check).
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

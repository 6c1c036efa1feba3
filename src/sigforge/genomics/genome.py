"""Reference FASTA access through pysam, with chromosome-name aliasing (chr1/1, chrM/MT).

Before pysam opens a FASTA it is checked (:mod:`sigforge.genomics.fasta_checks`), so that a
wrong file is one message with the fix rather than an htslib error: an empty file, a file that
does not start with a ``>`` header, plain gzip, and a ``.fai`` (with, for bgzip, its ``.gzi``)
that does not describe the FASTA. htslib's messages are held back while it opens the FASTA;
when it cannot index one, the file is scanned (on that error path only) for the layout fault
that stopped it: the contig, the line and the fix.
"""

from __future__ import annotations

import gzip
import logging
import os
import sys
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pysam

from sigforge import _htslib
from sigforge._htslib import htslib_errors, stderr_captured
from sigforge.genomics.compression import GZIP_MAGIC, file_compression
from sigforge.genomics.contexts import encode
from sigforge.genomics.fasta_checks import check_fasta, fai_problem, gzi_path, index_message
from sigforge.genomics.fasta_layout import layout_fault
from sigforge.io import InputError, check_regular_file, not_found

logger = logging.getLogger(__name__)

_MITO = ("chrM", "chrMT", "MT", "M")


def _aliases(name: str) -> list[str]:
    """Names under which a VCF contig may appear in a FASTA, most likely first."""
    if name in _MITO:  # the exact name first: a combined reference may hold chrM and MT
        return [name, *(alias for alias in _MITO if alias != name)]
    if name.startswith("chr"):
        return [name, name[3:]]
    return [name, f"chr{name}"]

def alias_resolver(lengths: Mapping[str, int]) -> Callable[[str], str | None]:
    """A contig-name lookup like :meth:`ReferenceGenome.resolve` over ``lengths`` alone (the
    names of a FASTA's index, before the FASTA is opened)."""
    return lambda contig: next((alias for alias in _aliases(contig) if alias in lengths), None)


def _open_failure(path: Path, building: bool, htslib_text: str, err: Exception) -> str:
    """The message for a FASTA htslib cannot open or index: a folder it cannot write the
    index to, the layout fault that stopped indexing, or else htslib's own reason."""
    reasons = "; ".join(htslib_errors(htslib_text)) or str(err)
    if building and not os.access(path.parent, os.W_OK):
        return (f"reference FASTA {path}: its index cannot be built, as its folder "
                f"{path.parent} is not writable (htslib: {reasons}). Index it once where it "
                f"may be written ('samtools faidx {path}'), or copy the FASTA to a writable "
                "folder.")
    try:
        fault = layout_fault(path) if building else None
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
        with stderr_captured(said):
            fasta = pysam.FastaFile(str(path.absolute()))  # 's3:x.fa' would be a URL
    except (OSError, ValueError) as err:
        raise InputError(_open_failure(path, building, "".join(said), err)) from err
    passed = _htslib.shown("".join(said))  # its warnings held back (sigforge._htslib)
    if passed.strip():
        sys.stderr.write(passed)
    return fasta


def repeated_contig(path: Path) -> tuple[str, int, int] | None:
    """The first contig name that two '>' lines of the FASTA give, with the file lines of both
    (plain, gzip or bgzip), for the message when htslib indexed only the first of them; None
    when no name repeats. Reads the whole file: only when the index already failed."""
    opener = gzip.open if file_compression(path) in ("gzip", "bgzf") else open
    seen: dict[str, int] = {}
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.startswith(b">"):
                fields = line[1:].split()
                name = fields[0].decode("utf-8", "replace") if fields else ""
                if name in seen:
                    return name, seen[name], number
                seen[name] = number
    return None


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
            raise InputError(f"reference FASTA {self.path}: {not_found(self.path)}. Give the "
                             "genome the VCFs were called against (config key 'reference' or "
                             "--reference).")
        check_regular_file(self.path, f"reference FASTA {self.path}")
        check_fasta(self.path)
        fai, gzi = Path(f"{self.path}.fai"), gzi_path(self.path)
        bgzf = file_compression(self.path) == "bgzf"
        gzi_existed = gzi.exists()
        building = not fai.exists() or (bgzf and not gzi_existed)
        if building:
            logger.info("building FASTA index %s.fai (one-off; needs write access beside the "
                        "FASTA)", self.path)
        self._fasta = _open_fasta(self.path, building)
        new_gzi = gzi if bgzf and not gzi_existed else None
        if building:
            self._check_new_index(fai, new_gzi)
        self.lengths: dict[str, int] = dict(
            zip(self._fasta.references, self._fasta.lengths, strict=True))
        self._resolved: dict[str, str | None] = {}
        self._check_names([p for p in (fai, new_gzi) if p is not None] if building else [])

    def _check_names(self, built: list[Path]) -> None:
        """Refuse a sequence under a '>' line without a name (htslib indexes it as contig
        ''): no VCF can name it, so its bases would be silently unused, and a header line
        that lost its name is a damaged file. An index built by this run is deleted again
        (``built``), so that the corrected FASTA is indexed afresh."""
        names = list(self.lengths)
        if "" not in names:
            return
        place = names.index("")
        after = (f"after contig '{names[place - 1]}'" if place else "before every other "
                 "contig")
        self._fasta.close()
        for index in built:
            index.unlink(missing_ok=True)
        stale = "" if built else ", then delete the FASTA's .fai"
        raise InputError(f"reference FASTA {self.path}: a '>' line without a contig name, "
                         f"{after} (contig {place + 1} of {len(names)}, "
                         f"{self.lengths['']:,} bases). Give it its name (>chr1) or remove "
                         f"it with its sequence{stale}.")

    def _check_new_index(self, fai: Path, new_gzi: Path | None) -> None:
        """The index just built must cover the whole FASTA: htslib skips (with only a warning)
        the second of two contigs of one name, whose bases would then be silently unused.
        Such an index is deleted again (with the ``.gzi`` built with it), so that a corrected
        FASTA is indexed afresh."""
        problem = fai_problem(self.path, fai)
        if problem:
            self._fasta.close()
            fai.unlink(missing_ok=True)
            if new_gzi is not None:
                new_gzi.unlink(missing_ok=True)
            repeated = repeated_contig(self.path)
            if repeated:
                raise InputError(
                    f"reference FASTA {self.path}: {problem}. Contig '{repeated[0]}' is named "
                    f"on lines {repeated[1]} and {repeated[2]}. Every contig needs its own "
                    "name: remove or rename the repeated one.")
            fault = layout_fault(self.path)
            raise InputError(f"reference FASTA {self.path}: "
                             + (fault or f"{problem}, though htslib indexed it. Check the "
                                "FASTA's lines (bases only, one width per contig)."))

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
            raise InputError(index_message(
                self.path, f"fetching {contig}:{start + 1}-{end} failed: {err}")) from err
        if len(text) != min(end, self.lengths[contig]) - start:
            raise InputError(index_message(
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
    blocks holding them) and builds nothing (a parse-time check). A missing index whose
    folder cannot be written (a read-only shared genome) is refused here too: the workflow's
    ``genome_faidx`` job would fail on it after the dry run had passed.
    """
    path = Path(path)
    check_fasta(path)
    missing = [index for index in (Path(f"{path}.fai"), gzi_path(path))
               if not index.exists() and (index.suffix == ".fai"
                                          or file_compression(path) == "bgzf")]
    if missing and not os.access(path.parent, os.W_OK):
        raise InputError(f"reference FASTA {path}: its index {missing[0]} does not exist and "
                         f"cannot be built, as its folder {path.parent} is not writable. "
                         f"Index it once where it may be written ('samtools faidx {path}'), "
                         "or copy the FASTA to a writable folder.")


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
            if len(header) < 18 or header[:2] != GZIP_MAGIC or header[12:14] != b"BC":
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

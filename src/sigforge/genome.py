"""Reference FASTA access through pysam, with chromosome-name aliasing (chr1/1, chrM/MT)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pysam

from sigforge.contexts import encode
from sigforge.io import InputError

logger = logging.getLogger(__name__)

_MITO = ("chrM", "chrMT", "MT", "M")


def _aliases(name: str) -> list[str]:
    """Names under which a VCF contig may appear in a FASTA, most likely first."""
    if name in _MITO:
        return list(_MITO)
    if name.startswith("chr"):
        return [name, name[3:]]
    return [name, f"chr{name}"]


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
        if not Path(f"{self.path}.fai").exists():
            logger.info("building FASTA index %s.fai (one-off; needs write access beside the "
                        "FASTA)", self.path)
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as err:
            raise InputError(f"reference FASTA {self.path}: cannot be opened or indexed ({err}). "
                             "It must be plain FASTA or bgzip-compressed (not gzip).") from err
        self.lengths: dict[str, int] = dict(
            zip(self._fasta.references, self._fasta.lengths, strict=True))
        self._resolved: dict[str, str | None] = {}

    def resolve(self, contig: str) -> str | None:
        """The FASTA's name for a VCF contig, trying common aliases; None when absent."""
        if contig not in self._resolved:
            self._resolved[contig] = next(
                (alias for alias in _aliases(contig) if alias in self.lengths), None)
        return self._resolved[contig]

    def fetch(self, contig: str, start: int, end: int) -> str:
        """Upper-case sequence of the 0-based half-open interval on a FASTA contig name."""
        return str(self._fasta.fetch(contig, start, end)).upper()

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


def largest_contig(path: str | Path) -> int:
    """Length of the FASTA's longest contig, from its ``.fai`` (for memory requests)."""
    with open(f"{path}.fai") as handle:
        return max((int(line.split("\t")[1]) for line in handle if line.strip()), default=0)

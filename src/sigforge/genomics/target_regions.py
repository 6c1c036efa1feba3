"""The regions an assay targets (an exome's baits, a panel's amplicons), read from a BED.

Catalogs count only the variants inside them (the rest are counted as ``outside_regions`` in
``catalog_log.tsv``), and :mod:`.opportunities` counts the trinucleotides and dinucleotides
inside them, so that reference signatures can be rescaled to what the assay can see.

The BED is read by :func:`sigforge.genomics.regions.read_regions` (0-based half-open, header
and blank lines skipped, gzip read) and checked against the reference FASTA: every contig must
be in the FASTA (under the aliases chr1/1, chrM/MT) and every region must end within its
contig. Overlapping or touching regions are merged, so no base is counted twice.

A variant is inside when its first REF base (its VCF ``POS``) is: an SNV by its base, a
doublet or indel by its first (anchor) base. The opportunities use the same rule: a
trinucleotide is inside when its centre base is, a dinucleotide when its first base is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sigforge.genomics.regions import past_end_cause, read_regions
from sigforge.io import InputError

logger = logging.getLogger(__name__)

#: Where the targeted regions come from, for the error messages.
OPTION, CONFIG_KEY = "--regions", "catalog.regions"


@dataclass(frozen=True)
class TargetRegions:
    """Merged targeted regions per FASTA contig: sorted, disjoint 0-based half-open intervals.

    Attributes
    ----------
    path : Path
        The BED they were read from.
    intervals : dict
        FASTA contig name -> (starts, ends), int64 arrays.
    """

    path: Path
    intervals: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def bases(self) -> int:
        """Number of bases the regions cover (after merging)."""
        return int(sum((ends - starts).sum() for starts, ends in self.intervals.values()))

    def contains(self, contig: str, pos: np.ndarray) -> np.ndarray:
        """Whether each 1-based position ``pos`` on a FASTA contig lies in a region."""
        if contig not in self.intervals:
            return np.zeros(len(pos), dtype=bool)
        starts, ends = self.intervals[contig]
        zero_based = np.asarray(pos, dtype=np.int64) - 1
        index = np.searchsorted(starts, zero_based, side="right") - 1
        found = index >= 0
        found[found] = zero_based[found] < ends[index[found]]
        return found

    def mask(self, contig: str, start: int, end: int) -> np.ndarray:
        """Boolean mask of the bases ``start..end-1`` (0-based) of a contig inside a region."""
        length = end - start
        if contig not in self.intervals or length <= 0:
            return np.zeros(max(length, 0), dtype=bool)
        starts, ends = self.intervals[contig]
        near = (ends > start) & (starts < end)
        delta = (np.bincount(np.clip(starts[near] - start, 0, length), minlength=length + 1)
                 - np.bincount(np.clip(ends[near] - start, 0, length), minlength=length + 1))
        return np.cumsum(delta[:length]) > 0


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, disjoint intervals covering the same bases as the given ones."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.concatenate([[True], starts[1:] > reach[:-1]])
    first = np.flatnonzero(new)
    last = np.concatenate([first[1:], [len(starts)]]) - 1
    return starts[first], reach[last]


def read_target_regions(path: str | Path, lengths: Mapping[str, int],
                        resolve: Callable[[str], str | None],
                        option: str = OPTION) -> TargetRegions:
    """Read and check the BED of an assay's targeted regions against the reference FASTA.

    Parameters
    ----------
    path : str or Path
        BED file (see :func:`sigforge.genomics.regions.read_regions` for the format).
    lengths : mapping
        FASTA contig name -> length (``ReferenceGenome.lengths``).
    resolve : callable
        Maps a BED contig name to the FASTA's (``ReferenceGenome.resolve``), None if absent.
    option : str
        How messages name the file's source (the workflow's dry run: the config key).

    Raises
    ------
    InputError
        Every problem :func:`read_regions` reports, and (naming the file and line) a contig
        the FASTA lacks or a region ending past its contig's end.
    """
    table = read_regions(path, option=option, config_key=CONFIG_KEY)
    label = f"{option} {path}"
    names = {chrom: resolve(chrom) for chrom in table["chrom"].unique()}
    missing = table[table["chrom"].map(names).isna()]
    if len(missing):
        row = missing.iloc[0]
        known = list(lengths)
        raise InputError(f"{label}, line {row['line']}: contig '{row['chrom']}' is not in the "
                         f"reference FASTA (also under the aliases chr1/1, chrM/MT; its contigs "
                         f"are {', '.join(known[:5])}{' ...' if len(known) > 5 else ''}). Give "
                         "the BED of the genome build the FASTA holds, or remove the lines of "
                         "other contigs.")
    fasta = table["chrom"].map(names)
    too_long = table[table["end"].to_numpy() > fasta.map(lengths).to_numpy()]
    if len(too_long):
        row = too_long.iloc[0]
        length = lengths[names[row['chrom']]]
        raise InputError(f"{label}, line {row['line']}: region ends at {row['end']:,}, past the "
                         f"end of {row['chrom']} ({length:,} bp in the reference FASTA). "
                         f"{past_end_cause(int(row['end']), length)}")
    intervals = {}
    for contig, group in table.groupby(fasta, sort=False):
        intervals[str(contig)] = merge_intervals(group["start"].to_numpy(np.int64),
                                        group["end"].to_numpy(np.int64))
    regions = TargetRegions(Path(path), intervals)
    logger.info("%s: %d region(s) on %d contig(s), %s bases after merging overlaps", label,
                len(table), len(intervals), f"{regions.bases:,}")
    return regions

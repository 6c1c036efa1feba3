"""The embedded example's data model: the synthetic genome, VCF records and simulated samples."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from indels import Site


@dataclass
class Genome:
    """The synthetic reference: contig sequences plus global-coordinate offsets."""

    names: list[str]
    seqs: list[str]
    offsets: np.ndarray  # global 0-based start of each contig

    def locate(self, gpos: int) -> tuple[int, int]:
        """Return (contig index, 0-based position) for a global 0-based coordinate."""
        idx = int(np.searchsorted(self.offsets, gpos, side="right")) - 1
        return idx, gpos - int(self.offsets[idx])

    def base(self, gpos: int, length: int = 1) -> str:
        """Return ``length`` forward-strand bases starting at a global coordinate."""
        idx, pos = self.locate(gpos)
        return self.seqs[idx][pos : pos + length]


@dataclass
class Record:
    """One VCF record in global coordinates."""

    gpos: int
    ref: str
    alts: tuple[str, ...]
    filter: str = "PASS"
    doublet: bool = False  # one half of a doublet written as two adjacent SNV records


@dataclass
class Sample:
    """One simulated sample: its records and the truth counts of its counted SNV alleles."""

    name: str
    burden: int
    exposures: dict[str, int]
    records: list[Record] = field(default_factory=list)
    channel_counts: np.ndarray = field(default_factory=lambda: np.zeros(96, dtype=np.int64))
    doublets: list[tuple[int, str, str]] = field(default_factory=list)  # (gpos, ref, alt)
    dbs_counts: np.ndarray = field(default_factory=lambda: np.zeros(78, dtype=np.int64))
    dbs_exposures: dict[str, int] = field(default_factory=dict)
    indels: list[Site] = field(default_factory=list)  # every PASS indel record, skips included
    id_counts: np.ndarray = field(default_factory=lambda: np.zeros(83, dtype=np.int64))
    id_exposures: dict[str, int] = field(default_factory=dict)


def load_signature_columns(table: Path, channels: Sequence[str],
                           names: Iterable[str]) -> dict[str, np.ndarray]:
    """Read some columns of a COSMIC signature table whose rows must be ``channels`` in
    order, each rescaled to sum to 1."""
    with table.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], rows[1:]
    assert tuple(row[0] for row in body) == tuple(channels), f"{table} rows out of order"
    signatures = {}
    for name in names:
        column = np.array([float(row[header.index(name)]) for row in body])
        signatures[name] = column / column.sum()
    return signatures


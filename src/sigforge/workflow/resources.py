"""Memory and runtime requests of the workflow's jobs, as pure functions of sizes and attempt.

Snakemake asks for ``mem_mb`` (MB) and ``runtime`` (minutes) of every job before it runs; on a
cluster these become the SLURM request. Each formula is an upper bound grown from the measured
cost of the step, and every value is multiplied by ``attempt`` (1, 2, ...), so a job that was
killed for time or memory is retried with more (``retries`` in the cluster profile).

``NMF_SECONDS_PER_UNIT`` is the measured CPU time per (feature x sample x rank x iteration x
replicate) of the KL updates (tests/cluster/chunk_costs.py; docs/benchmarks.md); runtimes take
3x it, memory bounds lie above the measured peaks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Measured CPU seconds per (feature x sample x rank x iteration x replicate) of the KL updates.
NMF_SECONDS_PER_UNIT = 1.3e-9
#: MB every job needs before it holds any data: the interpreter and the imported libraries.
_NMF_BASE_MB = 500
_CONSENSUS_BASE_MB = 1000
_CATALOG_BASE_MB = 1000
#: Most MB the silhouettes' pairwise distances take (scikit-learn computes them in chunks).
_SILHOUETTE_MAX_MB = 2048


def _nmf_minutes(units: float) -> int:
    """Minutes for ``units`` of NMF work: 3x the measured rate, rounded up, plus 1."""
    return 1 + math.ceil(3 * NMF_SECONDS_PER_UNIT * units / 60)


def _megabytes(floats: float, copies: int) -> int:
    """MB for ``copies`` copies of ``floats`` float64 values, rounded up."""
    return math.ceil(copies * 8 * floats / 1e6)


@dataclass(frozen=True)
class DiscoveryCosts:
    """What the discovery jobs of one cohort ask for, from its size and the config.

    Parameters
    ----------
    n_features, n_samples : int
        Shape of the matrix that is factored (96 x samples for SBS96).
    max_iter : int
        The iteration cap of one NMF run (config ``extract.max_iter``).
    replicates : int
        Bootstrap replicates per rank (config ``extract.replicates``).
    cv_problems : int
        Masked factorisations of one cross-validation job (``rank.cv_folds`` x
        ``rank.cv_starts``).
    cv_max_iter : int
        The iteration cap of one cross-validation run (config ``rank.cv_max_iter``).
    """

    n_features: int
    n_samples: int
    max_iter: int
    replicates: int
    cv_problems: int
    cv_max_iter: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any], n_features: int,
                    n_samples: int) -> DiscoveryCosts:
        """The costs of a validated workflow config for a matrix of the given shape."""
        extract, rank = config["extract"], config["rank"]
        return cls(n_features=n_features, n_samples=n_samples, max_iter=extract["max_iter"],
                   replicates=extract["replicates"],
                   cv_problems=rank["cv_folds"] * rank["cv_starts"],
                   cv_max_iter=rank["cv_max_iter"])

    def nmf_chunk_runtime(self, k: int, replicates: int, attempt: int = 1) -> int:
        """Minutes for one chunk of ``replicates`` NMF runs at rank k."""
        units = self.n_features * self.n_samples * k * self.max_iter * replicates
        return attempt * _nmf_minutes(units)

    def nmf_chunk_mem_mb(self, k: int, replicates: int, attempt: int = 1) -> int:
        """MB for one NMF chunk: the interpreter plus ~8 copies of each replicate's data, W, H."""
        floats = replicates * (self.n_features + k) * self.n_samples
        return attempt * (_NMF_BASE_MB + _megabytes(floats, 8))

    def cross_validate_runtime(self, k: int, attempt: int = 1) -> int:
        """Minutes for one rank's CV job: as an NMF chunk of folds x starts problems."""
        units = self.n_features * self.n_samples * k * self.cv_max_iter * self.cv_problems
        return attempt * _nmf_minutes(units)

    def cross_validate_mem_mb(self, k: int, attempt: int = 1) -> int:
        """MB for one rank's CV job: data, weights, W and H of every problem, ~8 copies."""
        floats = self.cv_problems * (2 * self.n_features + k) * self.n_samples
        return attempt * (_NMF_BASE_MB + _megabytes(floats, 8))

    def consensus_mem_mb(self, k: int, attempt: int = 1) -> int:
        """MB to hold and cluster every replicate's W and H of one rank (~4 copies), plus the
        silhouettes' pairwise distances between the replicates' components (two copies of
        n x n for n = replicates x k, up to :data:`_SILHOUETTE_MAX_MB`: scikit-learn works
        through them in chunks). Measured peaks (96 x 40 catalog): 0.85 GB at n = 5,000,
        2.9-3.1 GB at n = 12,000-30,000."""
        floats = self.replicates * k * (self.n_features + self.n_samples)
        pairs = min(_megabytes((self.replicates * k) ** 2, 2), _SILHOUETTE_MAX_MB)
        return attempt * (_CONSENSUS_BASE_MB + _megabytes(floats, 4) + pairs)


def catalog_mem_mb(largest_contig: int, attempt: int = 1, annotation_bytes: int = 0,
                   annotation_compressed: bool = False) -> int:
    """MB to count one sample: the interpreter plus ~3 bytes per base of the longest contig,
    plus, with SBS288, the gene annotation's transcript and gene rows: 0.5 byte per byte of a
    plain GTF, 15 per byte of a gzipped one (measured: 155 MB more for a 340 MB GENCODE-like
    GTF of 1M rows, 11.8 MB gzipped, one row in seven a transcript or gene)."""
    per_byte = 15 if annotation_compressed else 0.5
    return attempt * (_CATALOG_BASE_MB + math.ceil(3 * largest_contig / 1e6)
                      + math.ceil(per_byte * annotation_bytes / 1e6))


def patient_mem_mb(largest_contig: int, vcf_bytes: int, compressed: bool,
                   attempt: int = 1) -> int:
    """MB to refit one patient from its VCF and draw its page: a catalog job's share (the
    longest contig) plus ~2.2 KB per counted variant (its row of mutation probabilities,
    one per reference signature). Variants are estimated from the file's size: 10 bytes
    per byte of a plain VCF (records of 35-300 bytes), 40 of a compressed one. Measured
    peaks: 1.30 GB for 10,000 SNVs on a 249 Mb contig; 0.57, 1.05, 1.55 and 4.88 GB for
    10,000, 300,000, 500,000 and 2 million 35-byte records on a 62 Mb contig."""
    per_byte = 40 if compressed else 10
    return attempt * (catalog_mem_mb(largest_contig) + math.ceil(per_byte * vcf_bytes / 1e6))


def patient_runtime(vcf_bytes: int, attempt: int = 1) -> int:
    """Minutes to refit one patient and draw its page: 2 plus a catalog job's time for its
    VCF. Measured: 19 s wall (6 s CPU) for an example VCF on a loaded 2-core machine. A group
    of patient jobs asks for the sum of their runtimes, so each must be near its real time:
    the former 30 + catalog time made a group of 100 ask for 53 hours."""
    return attempt * (2 + catalog_runtime(vcf_bytes))


def catalog_runtime(vcf_bytes: int, attempt: int = 1) -> int:
    """Minutes to count one sample's variants: 1 per 20 MB of VCF, at least 1 (measured: 4 s
    wall, 1 s CPU for an example VCF; a group of catalog jobs asks for the sum)."""
    return attempt * max(1, math.ceil(vcf_bytes / 20e6))


def report_runtime(samples: int, attempt: int = 1) -> int:
    """Minutes for the cohort report and its page per sample: 30 plus 1 per 100 samples
    (measured: 10 minutes wall on 2 processes for 2,000 pages; a fixed 30 minutes was killed
    from about 10,000 samples on)."""
    return attempt * (30 + math.ceil(samples / 100))

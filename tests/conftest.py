"""Shared fixtures: seeded generator, tiny FASTA/VCF writers, deterministic hypothesis profile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pysam
import pytest
from hypothesis import settings

settings.register_profile(
    "sigforge", derandomize=True, deadline=None, max_examples=60, print_blob=True
)
settings.load_profile("sigforge")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The file with the demo run (the longest fixture) first, then the other end-to-end
    workflow runs, the other slow tests and the rest (a stable sort, so each file keeps its
    order). `make test` runs two pytest-xdist workers that each take a whole file at a time;
    the longest files started last would leave one worker idle at the end."""
    def weight(item: pytest.Item) -> int:
        if item.path.parent.name == "workflow":
            return 0 if item.path.name == "test_workflow.py" else 1
        return 2 if item.get_closest_marker("slow") else 3
    items.sort(key=weight)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator so every test sees the same numbers."""
    return np.random.default_rng(20261128)


def write_fasta(path: Path, contigs: dict[str, str]) -> Path:
    """Write contigs to a FASTA and index it with pysam."""
    with open(path, "w") as handle:
        for name, seq in contigs.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), 60):
                handle.write(seq[i : i + 60] + "\n")
    pysam.faidx(str(path))
    return path


def write_vcf(
    path: Path,
    records: Sequence[tuple],
    *,
    contigs: dict[str, int] | None = None,
    samples: Sequence[str] = ("TUMOUR",),
    compress: bool = False,
) -> Path:
    """Write a VCF from (chrom, pos, ref, alt, filter[, gt...]) tuples; bgzip+tabix if asked."""
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    ]
    lines += [f"##contig=<ID={name},length={length}>" for name, length in (contigs or {}).items()]
    header = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if samples:
        header += ["FORMAT", *samples]
    lines.append("\t".join(header))
    for record in records:
        chrom, pos, ref, alt, filt, *gts = record
        fields = [chrom, str(pos), ".", ref, alt, ".", filt, "."]
        if samples:
            fields += ["GT", *(gts or ["0/1"] * len(samples))]
        lines.append("\t".join(fields))
    path.write_text("\n".join(lines) + "\n")
    if compress:
        pysam.tabix_index(str(path), preset="vcf", force=True)
        return Path(f"{path}.gz")
    return path


@pytest.fixture
def make_fasta(tmp_path: Path) -> Callable[..., Path]:
    """Factory writing a FASTA into the test's temp dir."""

    def make(contigs: dict[str, str], name: str = "ref.fa") -> Path:
        return write_fasta(tmp_path / name, contigs)

    return make


@pytest.fixture
def make_vcf(tmp_path: Path) -> Callable[..., Path]:
    """Factory writing a VCF into the test's temp dir."""

    def make(records: Sequence[tuple], name: str = "sample.vcf", **kwargs: object) -> Path:
        return write_vcf(tmp_path / name, records, **kwargs)  # type: ignore[arg-type]

    return make

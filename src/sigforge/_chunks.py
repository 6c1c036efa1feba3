"""How the replicates of one rank are cut into chunks (jobs), with no numerical import: the
workflow computes the chunks of every rank while Snakemake parses it, and importing
:mod:`sigforge.discovery` there (numba, SciPy) cost every ``snakemake`` command, dry runs
included, about half a second. :mod:`sigforge.discovery` re-exports :func:`chunk_ranges`.
"""

from __future__ import annotations


def chunk_ranges(n_replicates: int, chunk_size: int) -> list[range]:
    """Replicate index ranges of the chunks; chunk c always covers the same replicates."""
    if n_replicates < 2 or chunk_size < 1:
        raise ValueError(f"expected replicates >= 2 and chunk size >= 1, got {n_replicates} "
                         f"and {chunk_size}.")
    return [range(start, min(start + chunk_size, n_replicates))
            for start in range(0, n_replicates, chunk_size)]

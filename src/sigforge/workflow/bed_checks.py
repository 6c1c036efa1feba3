"""The BEDs a workflow config names (``refit.regions_of_interest``, ``catalog.regions``),
checked once before any job: their lines, and their contigs against the reference FASTA's
index, as the patient and catalog jobs would check them after the discovery. The index is read
while the Snakefile is parsed when it exists already, else right after rule ``genome_faidx``
builds it (before every job that reads a BED). Split from :mod:`sigforge.workflow.checks`.
"""

from __future__ import annotations

from pathlib import Path


def check_bed_files(regions_of_interest: str | None, targets: str | None,
                    reference: str | None = None) -> None:
    """Read the BEDs the config names (``refit.regions_of_interest``, ``catalog.regions``)
    once before any job, so that a malformed line fails the run in seconds, naming its file
    and line, instead of failing every patient or catalog job after the discovery. When the
    ``reference`` FASTA's index exists, their contigs are checked against it too (a BED of
    another build or naming), as the jobs would."""
    from sigforge.genomics.fasta_checks import indexed_lengths
    from sigforge.genomics.genome import alias_resolver
    from sigforge.genomics.regions import check_regions_of_interest, read_regions
    from sigforge.genomics.target_regions import read_target_regions

    lengths = indexed_lengths(Path(reference)) if reference else None
    if regions_of_interest:
        option = "config key refit.regions_of_interest:"
        table = read_regions(regions_of_interest, option=option)
        if lengths is not None:
            check_regions_of_interest(table, lengths, alias_resolver(lengths),
                                      f"{option} {regions_of_interest}")
    if targets and Path(targets).is_file():
        option = "config key catalog.regions:"
        if lengths is None:
            read_regions(targets, option=option, config_key="catalog.regions")
        else:
            read_target_regions(targets, lengths, alias_resolver(lengths), option=option)

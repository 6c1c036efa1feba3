"""The BEDs a workflow config names (``refit.regions_of_interest``, ``catalog.regions``),
checked once before any job: their lines, and, when the reference FASTA's index exists
already, their contigs against it, as the patient and catalog jobs would check them after the
discovery. Split from :mod:`sigforge.workflow.checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sigforge.io import InputError


def check_bed_files(regions_of_interest: str | None, targets: str | None,
                    reference: str | None = None) -> None:
    """Read the BEDs the config names (``refit.regions_of_interest``, ``catalog.regions``)
    once before any job, so that a malformed line fails the run in seconds, naming its file
    and line, instead of failing every patient or catalog job after the discovery. When the
    ``reference`` FASTA's index exists, their contigs are checked against it too (a BED of
    another build or naming), as the jobs would."""
    from sigforge.genomics.fasta_checks import indexed_lengths
    from sigforge.genomics.genome import alias_resolver
    from sigforge.genomics.regions import check_within_contigs, read_regions
    from sigforge.genomics.target_regions import read_target_regions

    lengths = indexed_lengths(Path(reference)) if reference else None
    if regions_of_interest:
        option = "config key refit.regions_of_interest:"
        table = read_regions(regions_of_interest, option=option)
        if lengths is not None:
            label = f"{option} {regions_of_interest}"
            check_within_contigs(table, lengths, alias_resolver(lengths), label)
            _refuse_foreign_contigs(table, lengths, label)
    if targets and Path(targets).is_file():
        option = "config key catalog.regions:"
        if lengths is None:
            read_regions(targets, option=option, config_key="catalog.regions")
        else:
            read_target_regions(targets, lengths, alias_resolver(lengths), option=option)


def _refuse_foreign_contigs(table: pd.DataFrame, lengths: Mapping[str, int],
                            label: str) -> None:
    """Refuse a regions-of-interest BED none of whose contigs the FASTA has (also under the
    aliases chr1/1, chrM/MT): no region could hold a variant, as the patient jobs say."""
    from sigforge.genomics.genome import alias_resolver

    resolve = alias_resolver(lengths)
    if table.empty or any(resolve(str(chrom)) is not None for chrom in table["chrom"].unique()):
        return
    names = list(dict.fromkeys(str(chrom) for chrom in table["chrom"]))
    known = list(lengths)
    raise InputError(f"{label}, line {table['line'].iat[0]}: none of the BED's contigs "
                     f"({', '.join(names[:5])}{' ...' if len(names) > 5 else ''}) is in the "
                     f"reference FASTA (also under the aliases chr1/1, chrM/MT; its contigs "
                     f"are {', '.join(known[:5])}{' ...' if len(known) > 5 else ''}), so no "
                     "region could hold a variant. Give the BED of the genome build and "
                     "contig names the FASTA holds.")

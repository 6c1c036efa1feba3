"""Sample and group names Snakemake cannot take as wildcard values.

A samples sheet's names become the ``{stem}`` and ``{group}`` wildcards of the workflow's
jobs. Snakemake refuses some values of its own accord; the sheet is checked for them first,
so the message names the sheet's line and a name to use instead of Snakemake's internals.
"""

from __future__ import annotations

import re

import pandas as pd

from sigforge.io import InputError

#: A name ending in 20 or more copies of one piece ('P01_' + '0' * 20): Snakemake takes a
#: wildcard value of that shape for a rule recursing on itself (its PeriodicityDetector)
#: and stops the run with a PeriodicWildcardError about its own internals.
_PERIODIC_END = re.compile(r"(.+?)\1{19,}$")


def check_wildcard_names(samples: pd.DataFrame, sheet: str = "samples sheet") -> None:
    """Refuse a sample (its file stem) or group name that Snakemake would take for an endless
    recursion (:data:`_PERIODIC_END`), naming the sheet line, the repeated piece and a fix,
    before Snakemake's own message about its internals."""
    lines = samples["sheet_line"] if "sheet_line" in samples else [None] * len(samples)
    groups = samples["group"] if "group" in samples else [None] * len(samples)
    for name, stem, group, line in zip(samples["sample_id"], samples["stem"], groups, lines,
                                       strict=True):
        for what, value in (("sample_id", stem), ("group", group)):
            found = _PERIODIC_END.search(str(value)) if value is not None else None
            if found is None:
                continue
            where = f"{sheet}, line {line}" if line is not None else sheet
            copies = len(found.group(0)) // len(found.group(1))
            shown = name if what == "sample_id" else value
            raise InputError(f"{where}: {what} '{shown}' ends in {copies} copies of "
                             f"'{found.group(1)}', which Snakemake takes for a rule that calls "
                             "itself without end (PeriodicWildcardError) and refuses to run. "
                             f"Rename it so that no piece repeats 20 times at its end (e.g. "
                             f"'{str(shown)[:len(str(shown)) - len(found.group(0))]}"
                             f"{found.group(1)}x{copies}').")

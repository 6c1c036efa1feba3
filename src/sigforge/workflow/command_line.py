"""What a snakemake command line asks for, read by the Snakefile before Snakemake says.

Snakemake reads the Snakefile before it knows its executor or whether any job will run, so the
workflow looks at the command line itself (:func:`dry_run_requested`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Snakemake's short options that take no value, so may share a cluster with -n ("-np").
_SHORT_FLAGS = "pFfkrtDSlq"


#: Snakemake options under which no job runs, so nothing may be deleted for a rebuild.
_NO_JOBS = ("--dry-run", "--dryrun", "--unlock", "--summary", "--detailed-summary", "--dag",
            "--rulegraph", "--filegraph", "--lint", "--list-changes", "--touch",
            "--delete-all-output", "--delete-temp-output", "--cleanup-metadata", "-S", "-D")


def dry_run_requested(argv: Sequence[str]) -> bool:
    """Whether a snakemake command line runs no job: a dry run (``-n``, ``-np``,
    ``--dry-run``) or an inspection or housekeeping command (``--unlock``, ``--summary``,
    ``--dag``, ... :data:`_NO_JOBS`), in which a damaged intermediate is only named.

    Snakemake reads the Snakefile before it knows its executor, so the workflow looks at the
    command line itself; anything after ``--`` is ignored.
    """
    for token in argv:
        if token == "--":
            return False
        if token.split("=")[0] in _NO_JOBS or token.startswith("--list-"):
            return True
        if re.fullmatch(rf"-[{_SHORT_FLAGS}]*n[{_SHORT_FLAGS}n]*", token):
            return True
    return False


def config_items(argv: Sequence[str]) -> list[str]:
    """The ``KEY=VALUE`` texts given to ``--config`` (or ``-C``) on a snakemake command line,
    as written: Snakemake has typed them by the time the Snakefile sees its config."""
    items: list[str] = []
    taking = False
    for arg in argv:
        if arg in ("--config", "-C"):
            taking = True
        elif arg.startswith("--config="):
            items.append(arg.partition("=")[2])
            taking = True
        elif arg.startswith("-"):
            taking = False
        elif taking:
            items.append(arg)
    return items

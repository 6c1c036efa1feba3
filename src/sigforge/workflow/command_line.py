"""What a snakemake command line asks for, read by the Snakefile before Snakemake says.

Snakemake reads the Snakefile before it knows its executor or whether any job will run, so the
workflow looks at the command line itself (:func:`dry_run_requested`); and it reads the
``--config`` texts as written (:func:`check_override_bases`), which Snakemake has already typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

from sigforge.io import InputError
from sigforge.workflow.configs import ConfigLoader, other_base_message, other_base_number

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


def _python_number(text: str) -> bool:
    """Whether ``int()`` or ``float()`` reads ``text`` (as Snakemake types a top-level
    ``--config`` value before it falls back to YAML)."""
    for kind in (int, float):
        try:
            kind(text)
        except ValueError:
            continue
        return True
    return False


def check_override_bases(items: Sequence[str]) -> None:
    """Refuse a ``--config KEY=VALUE`` whose number YAML reads in another base, as a config
    file's is refused: ``--config seed=1:30`` ran seed 90 and ``'extract={replicates: 010}'``
    8 replicates, where the same values in a file stop the run. ``items`` are the texts that
    followed ``--config`` on the command line (:func:`sigforge.workflow.command_line.
    config_items`)."""
    for item in items:
        key, equals, text = item.partition("=")
        if not equals or _python_number(text):
            continue  # Snakemake reads a top-level 010 as int('010'), decimal
        try:
            node = yaml.compose(f"{key}: {text}", Loader=ConfigLoader)  # noqa: S506 - composed only
        except yaml.YAMLError:
            continue  # Snakemake names what it cannot read itself
        found = other_base_number(node) if node is not None else None
        if found is not None:
            dotted, item_node, read = found
            raise InputError(other_base_message(f"--config {item}", dotted, item_node.value,
                                                 read))

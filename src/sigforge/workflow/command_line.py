"""What a snakemake command line asks for, read by the Snakefile before Snakemake says.

Snakemake reads the Snakefile before it knows its executor or whether any job will run, so the
workflow looks at the command line itself (:func:`dry_run_requested`); and it reads the
``--config`` texts as written (:func:`check_override_bases`), which Snakemake has already typed,
and the ``config:`` entries of the profiles it reads (:func:`profile_files`,
:func:`check_profile_bases`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from sigforge.io import InputError
from sigforge.workflow.configs import (
    ConfigLoader,
    display_path,
    other_base_message,
    other_base_number,
)

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
        _refuse_other_base(item, f"--config {item}")


def _refuse_other_base(item: str, where: str) -> None:
    """Refuse one ``KEY=VALUE`` text Snakemake would type with YAML into another base."""
    key, equals, text = item.partition("=")
    if not equals or _python_number(text):
        return  # Snakemake reads a top-level 010 as int('010'), decimal
    try:
        node = yaml.compose(f"{key}: {text}", Loader=ConfigLoader)  # noqa: S506 - composed only
    except yaml.YAMLError:
        return  # Snakemake names what it cannot read itself
    found = other_base_number(node) if node is not None else None
    if found is not None:
        dotted, item_node, read = found
        raise InputError(other_base_message(where, dotted, item_node.value, read))


def _option_values(argv: Sequence[str], option: str) -> list[str]:
    """The values given to a long ``option`` (``--profile X`` or ``--profile=X``), in order;
    anything after ``--`` is ignored."""
    values: list[str] = []
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == option and index + 1 < len(argv):
            values.append(argv[index + 1])
        elif token.startswith(option + "="):
            values.append(token.partition("=")[2])
    return values


def profile_files(argv: Sequence[str], environ: Mapping[str, str], snakefile_dir: Path,
                  resolve: Callable[[str], tuple[Path, Path] | None]) -> list[Path]:
    """The profile YAML files a snakemake command line reads, found as Snakemake finds them:
    each ``--profile`` (else ``$SNAKEMAKE_PROFILE``), then the workflow profile
    (``--workflow-profile``, by default ``profiles/default`` in the run directory or beside
    the Snakefile; ``none`` for none). ``resolve`` is Snakemake's own lookup of a profile
    name or folder (``snakemake.cli.get_profile_dir``)."""
    names = _option_values(argv, "--profile") or (
        [environ["SNAKEMAKE_PROFILE"]] if environ.get("SNAKEMAKE_PROFILE") else [])
    names = [] if names == ["none"] else names
    chosen = (_option_values(argv, "--workflow-profile") or ["default"])[-1]
    if chosen != "none":
        given = Path(chosen)
        candidates = [given] if given.is_file() else [
            given, Path("profiles") / given, snakefile_dir / "profiles" / given]
        names += [str(path) for path in candidates if path.exists()][:1]
    found = [resolve(name) for name in names]
    return [entry[1] for entry in found if entry is not None]


def check_profile_bases(paths: Sequence[Path]) -> None:
    """Refuse a profile's ``config:`` entry whose number YAML reads in another base, as
    :func:`check_override_bases` refuses it on the command line: a profile's
    ``config: [seed=1:30]`` (or ``config: {seed: 1:30}``) ran seed 90 without a word."""
    for path in paths:
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=ConfigLoader)  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # Snakemake names a profile it cannot read itself
        if not isinstance(root, yaml.MappingNode):
            continue
        for key, value in root.value:
            if getattr(key, "value", None) == "config":
                _check_profile_config(value, path)


def _check_profile_config(node: yaml.Node, path: Path) -> None:
    """One profile's ``config:`` value: a list of ``KEY=VALUE`` texts, or a mapping whose
    values the profile's own YAML reading has already typed."""
    def where(item: yaml.Node) -> str:
        return f"profile {display_path(path)}, line {item.start_mark.line + 1}: config entry"

    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                _refuse_other_base(str(item.value), f"{where(item)} {item.value}")
    elif isinstance(node, yaml.MappingNode):
        found = other_base_number(node)
        if found is not None:
            dotted, item, read = found
            raise InputError(other_base_message(where(item), dotted, item.value, read))
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode) and value.style in ("'", '"'):
                # a quoted '1:30' reaches Snakemake as the text seed=1:30, which it types
                _refuse_other_base(f"{key.value}={value.value}", f"{where(value)} {key.value}")

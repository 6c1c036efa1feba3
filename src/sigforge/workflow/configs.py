"""The workflow's config files, read and checked before Snakemake merges them.

Snakemake loads every config file with a plain YAML loader and merges them key by key, so a
key written twice keeps only its last value, a YAML mistake is reported without the file or
line, and a key a user's ``--configfile`` leaves out silently takes the shipped example's
value. The Snakefile therefore reads each file here first (``read_config_files``), and
``workflow/rules/common.smk`` checks the merged, schema-validated config with the other
functions: each failure is an InputError naming the file or key, the line and the fix.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sigforge.io import InputError
from sigforge.workflow.checks import check_expanded, expansion_fix

#: The keys that name the cohort's data in vcf mode: a user's config that sets one of them
#: must set the other (see check_user_config).
DATA_KEYS = ("samples", "reference")


@dataclass(frozen=True)
class UserConfig:
    """What the user's own config files (``--configfile``) and ``--config`` set.

    ``files`` are the user's files as messages name them; ``values`` their merged top-level
    keys (``--config`` last), so ``keys`` tells which keys did not fall back to the shipped
    config file.
    """

    files: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def given(self) -> bool:
        """Whether any user config (file or --config) was given."""
        return bool(self.files or self.values)

    @property
    def keys(self) -> set[str]:
        """Top-level keys the user's config sets."""
        return set(self.values)


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, reading ``!!python/name:`` tags as their plain value (Snakemake's
    loader accepts them, so the schema then names the key); any other tag is refused."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    """A tagged node's value without its tag."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", _plain)
#: The loader config files are read with (also for ``--config`` texts: command_line).
ConfigLoader = _Loader


def display_path(path: str | Path) -> str:
    """``path`` as a message shows it: relative to the run directory when it lies below it."""
    text = str(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return relative if not relative.startswith("..") else text


def mapping_nodes(node: yaml.Node, path: tuple[str, ...],
                   seen: set[int]) -> Iterator[tuple[yaml.MappingNode, tuple[str, ...]]]:
    """Every mapping node below ``node`` with the dotted key path that leads to it (aliases
    followed once: a recursive alias cannot loop)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        yield node, path
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            yield from mapping_nodes(value, (*path, name), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            yield from mapping_nodes(item, (*path, f"[{index}]"), seen)


def _duplicate_keys(root: yaml.Node, name: str) -> None:
    """Fail on the first key written twice in one mapping (YAML would keep the last silently).

    The merge key ``<<`` of anchors is YAML's own way to take keys over, so it is exempt.
    """
    for mapping, path in mapping_nodes(root, (), set()):
        first: dict[str, int] = {}
        for key, _ in mapping.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                dotted = ".".join((*path, str(key.value)))
                section = f"section '{'.'.join(path)}'" if path else "top level"
                raise InputError(
                    f"config file {name}, line {line}: key '{dotted}' is written a second time "
                    f"in the {section} (first on line {first[key.value]}). YAML keeps only the "
                    "last one, so the settings of the first would be lost without a word. "
                    f"Merge the two into one '{key.value}:' entry.")
            first[key.value] = line


#: Plain YAML 1.1 numbers a reader takes for decimal but YAML does not: a leading 0 (octal,
#: 010 = 8), 0x/0b/0o prefixes, and ':' (base 60, 1:30 = 90).
_OTHER_BASE = re.compile(
    r"[-+]?(0[0-9_]*[0-9]|0[xXbBoO].*|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)")


def other_base_number(root: yaml.Node) -> tuple[str, yaml.ScalarNode, Any] | None:
    """The first plain number below ``root`` that YAML 1.1 reads in another base than the
    decimal it looks like: (dotted key, its node, what YAML makes of it); None when none."""
    for mapping, path in mapping_nodes(root, (), set()):
        for key, value in mapping.value:
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for item in items:
                if (isinstance(item, yaml.ScalarNode) and item.style is None
                        and item.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
                        and _OTHER_BASE.fullmatch(item.value)):
                    read = yaml.load(item.value, Loader=_Loader)  # noqa: S506 - a scalar
                    return ".".join((*path, str(getattr(key, "value", "?")))), item, read
    return None


def other_base_message(where: str, dotted: str, text: str, read: Any) -> str:
    """The refusal of a number written ``text`` that YAML reads as ``read``."""
    return (f"{where}: key '{dotted}' is written {text}, which YAML reads as {read}, not in "
            "decimal (a leading 0 makes an octal number, 0x a hexadecimal one, ':' a base-60 "
            "one). Write the number in decimal without a leading 0 (or quote it, "
            f"'{text}', where text is meant).")


def _numbers_in_other_bases(root: yaml.Node, name: str) -> None:
    """Refuse a number YAML 1.1 reads in another base than the decimal it looks like:
    ``replicates: 010`` ran 8 replicates and ``seed: 1:30`` seed 90, without a word."""
    found = other_base_number(root)
    if found is not None:
        dotted, item, read = found
        raise InputError(other_base_message(
            f"config file {name}, line {item.start_mark.line + 1}", dotted, item.value, read))


def _yaml_error(err: yaml.YAMLError, name: str, lines: Sequence[str]) -> InputError:
    """The InputError for a YAML syntax error: file, line, column, what, and the fix."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    what = f"{problem} ({context})" if context else problem
    if mark is None:
        return InputError(f"config file {name}: not valid YAML: {what}. Fix the syntax.")
    where = f"config file {name}, line {mark.line + 1}, column {mark.column + 1}"
    text = lines[mark.line] if mark.line < len(lines) else ""
    tab_line = next((number for number, line in enumerate(lines, start=1)
                     if line[:len(line) - len(line.lstrip(" \t"))].count("\t")), None)
    if isinstance(err, yaml.constructor.ConstructorError):
        fix = "Remove the '!' tag: a config holds plain text, numbers, lists and keys."
    elif "\t" in text or "'\\t'" in what or tab_line is not None:
        fix = (f"YAML indents with spaces only: replace the tab"
               f"{f' on line {tab_line}' if tab_line else ''} with spaces.")
    else:
        fix = ("Fix the syntax there (an unclosed bracket or quote, a missing ':' or a line "
               "indented unlike its neighbours are the usual causes).")
    return InputError(f"{where}: not valid YAML: {what}. {fix}")


def _json_config(text: str, name: str) -> dict[str, Any] | None:
    """A JSON config that YAML does not read (None when it is not JSON either), its keys
    checked for repeats as in YAML."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                raise InputError(f"config file {name}: key '{key}' is written twice in one "
                                 "object; JSON keeps only the last one. Merge the two.")
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def load_config_file(path: str | Path) -> dict[str, Any]:
    """One config file, parsed as Snakemake would, or an InputError naming file and line.

    Refused: a folder, text that is not UTF-8, a YAML syntax error (tabs in the indentation
    included), a key written twice in one section, an empty file and a top level that is not
    keys with values.
    """
    name = display_path(path)
    if Path(path).is_dir():
        raise InputError(f"config file {name} is a folder, not a file; give the YAML file.")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"config file {name}: not UTF-8 text ({err.reason} at byte "
                         f"{err.start}). Save it as UTF-8.") from None
    except OSError as err:
        raise InputError(f"config file {name}: cannot be read ({err.strerror}).") from None
    lines = text.splitlines()
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader) if root is not None else None  # noqa: S506
    except yaml.YAMLError as err:
        as_json = _json_config(text, name)  # Snakemake reads JSON first; YAML is stricter
        if as_json is None:
            raise _yaml_error(err, name, lines) from None
        return as_json
    if root is None or data is None:
        raise InputError(f"config file {name} is empty (or holds only comments): it must hold "
                         "the configuration's keys (type, samples, reference, ...), one "
                         "'key: value' per line (workflow/schemas/config.schema.yaml lists "
                         "them).")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the single value {data!r}"
        raise InputError(f"config file {name}, line {root.start_mark.line + 1}: the top level "
                         f"is {kind}, not keys with values. Write the settings as 'key: value' "
                         "lines (type: vcf, samples: ...; workflow/schemas/config.schema.yaml "
                         "lists the keys).")
    _duplicate_keys(root, name)
    _numbers_in_other_bases(root, name)
    return data


#: The shipped config file, relative to the folder of the Snakefile (never the run
#: directory: a ``config/config.yaml`` that happens to lie there is not the workflow's).
SHIPPED_CONFIG = Path("config", "config.yaml")


def shipped_config(basedir: str | Path) -> str:
    """The shipped config file of the workflow whose Snakefile lies in ``basedir``
    (Snakemake's ``workflow.basedir``), as an absolute path: the same file whatever
    directory snakemake runs in (``--directory``, ``cd`` elsewhere)."""
    return str(Path(basedir).absolute() / SHIPPED_CONFIG)


def read_config_files(shipped: str, user_files: Sequence[str | Path],
                      overrides: Mapping[str, Any] | None = None) -> UserConfig:
    """Check the shipped config file (when present) and every user file; return what the
    user set (the files' top-level keys, then ``overrides``: Snakemake's ``--config``).
    ``shipped`` is :func:`shipped_config`'s path (a relative one is taken from the current
    directory)."""
    if Path(shipped).exists():
        load_config_file(shipped)
    values: dict[str, Any] = {}
    names = []
    for path in user_files:
        values.update(load_config_file(path))
        names.append(display_path(path))
    values.update(dict(overrides or {}))
    return UserConfig(tuple(names), values)


#: Keys that only vcf mode reads: set in a matrix or joint config, they would do nothing.
VCF_ONLY_KEYS = ("samples", "reference", "genome_build", "signatures", "catalog")
#: Keys of the refit section that only vcf mode reads (matrix and joint mode refit their own
#: components: no reference set, genome, tumour type or regions).
VCF_ONLY_REFIT_KEYS = ("signatures", "restrict_to", "tumour_type", "assay",
                       "include_artefacts", "regions_of_interest", "novel_below")


def check_mode_keys(config: Mapping[str, Any], user: UserConfig, shipped: str) -> None:
    """Refuse, in matrix and joint mode, a user config that sets a vcf-mode key to a value of
    its own (``refit.restrict_to: [SBS1]``, a ``reference``): it would be silently ignored.
    A value equal to the shipped config's (a copy of config/config.yaml with ``type``
    changed) is left alone."""
    if config.get("type", "vcf") == "vcf" or not user.given:
        return
    base = load_config_file(shipped) if Path(shipped).exists() else {}
    ignored = [key for key in VCF_ONLY_KEYS
               if key in user.values and user.values[key] != base.get(key)]
    refit, base_refit = user.values.get("refit"), base.get("refit") or {}
    if isinstance(refit, Mapping):
        ignored += [f"refit.{key}" for key in VCF_ONLY_REFIT_KEYS
                    if key in refit and refit[key] != base_refit.get(key)]
    if ignored:
        files = ", ".join(user.files) or "--config"
        verb = "applies" if len(ignored) == 1 else "apply"
        raise InputError(f"config ({files}): {', '.join(ignored)} only {verb} to vcf mode, but "
                         f"'type' is '{config.get('type')}': they would be ignored (matrix and "
                         "joint mode factor the given tables and refit their own components; "
                         "there is no reference set, genome or sample sheet). Remove them, or "
                         "set 'type: vcf'.")


def check_user_config(config: Mapping[str, Any], user: UserConfig, shipped: str) -> None:
    """Refuse a user config that leans on the shipped example's data without saying so.

    Snakemake merges a ``--configfile`` over the shipped ``config/config.yaml``, which runs the
    bundled example. A key the user's file leaves out therefore takes the example's value: a
    user file that names its own samples sheet but no ``reference`` would count the user's
    VCFs against the example genome (and one naming its reference but no ``samples`` would
    count the example's VCFs against it), and a file with a ``matrix`` or ``joint`` section
    but no ``type`` would run the example in vcf mode. Rule: the samples sheet and the FASTA
    the VCFs were called against come from the same place: when the user's config sets one of
    them to its own value, it must set the other too, and a user config with a ``matrix`` or
    ``joint`` section must set ``type``. A user config that sets neither (an override of a few
    settings for the example) is left alone, as is the shipped file edited in place.
    """
    if not user.given:
        return
    files = ", ".join(user.files) or "--config"
    shipped = display_path(shipped)
    for section in ("matrix", "joint"):
        if section in user.keys and "type" not in user.keys and config.get("type") != section:
            raise InputError(f"config ({files}): has a '{section}' section but does not set "
                             f"'type', so 'type' falls back to {shipped}'s "
                             f"'{config.get('type')}' and the bundled example would run. Add "
                             f"'type: {section}' to {files}.")
    if config.get("type") != "vcf":
        return
    own = [key for key in DATA_KEYS if key in user.keys]
    if len(own) != 1:
        return
    given, missing = own[0], next(key for key in DATA_KEYS if key not in user.keys)
    example = config.get(missing)
    what = {"samples": "samples sheet", "reference": "reference FASTA"}[missing]
    add = (f"add '{missing}: PATH' (your {what}) to {files}" if user.files
           else f"add {missing}=PATH (your {what}) to --config")
    raise InputError(
        f"config ({files}): sets '{given}' ({user.values[given]!r}) but not '{missing}', so "
        f"'{missing}' falls back to {shipped}'s {example!r}, the bundled example's {what}. "
        f"The samples and the reference they were called against must come from the same "
        f"config: {add}.")


def _numbers(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """(dotted key, value) of every float in a nested config."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _numbers(item, f"{path}[{index}]")
    elif isinstance(value, float):
        yield path, value


def check_finite(config: Mapping[str, Any], source: str = "config") -> None:
    """Refuse NaN and infinity anywhere in the config (YAML's .nan and .inf).

    JSON-schema bounds compare with ``<`` and ``>``, which NaN always passes, so a NaN would
    reach a job and fail there after the catalogs and replicates were written.
    """
    for key, value in _numbers(config, ""):
        if not math.isfinite(value):
            raise InputError(f"{source}: key {key}: {value} is not a finite number. Give a "
                             "number (workflow/schemas/config.schema.yaml lists each key's "
                             "range and default).")


def check_settings(config: Mapping[str, Any], source: str = "config") -> None:
    """Settings the schema cannot relate: extract.min_iter at most extract.max_iter, and the
    joint modalities' names distinct."""
    extract = config.get("extract") or {}
    if "min_iter" in extract and "max_iter" in extract and \
            extract["min_iter"] > extract["max_iter"]:
        raise InputError(f"{source}: key extract.min_iter ({extract['min_iter']}) exceeds "
                         f"extract.max_iter ({extract['max_iter']}): no replicate could run "
                         "its minimum. Lower extract.min_iter or raise extract.max_iter.")
    if config.get("type") == "joint":
        modalities = (config.get("joint") or {}).get("modalities") or []
        first: dict[str, int] = {}
        for number, modality in enumerate(modalities, start=1):
            name = modality.get("name")
            if name in first:
                raise InputError(f"{source}: key joint.modalities: modalities {first[name]} and "
                                 f"{number} are both named '{name}'. Each modality needs its "
                                 "own name (it prefixes its feature labels and names its "
                                 "output files): rename one.")
            first[name] = number


def check_input_path(value: str | None, key: str, what: str, source: str = "config", *,
                     fix: str = "or set it to null") -> None:
    """A file the config names (``key``) must exist and be a file, else an InputError naming
    the key, the path and the fix (``fix``: the alternative to correcting the path); None
    (not set) passes; an empty path is refused (it read as null, without a word)."""
    if value is None:
        return
    if not value.strip():
        raise InputError(f"{source}: key {key}: the path is empty. Write the path of the "
                         f"{what}, {fix}.")
    path = Path(value)
    if path.is_dir():
        raise InputError(f"{source}: key {key}: '{value}' is a folder, not {what}. Point "
                         f"{key} at the file, {fix}.")
    if not path.is_file():
        raise InputError(f"{source}: key {key}: {what} '{value}' not found (relative paths "
                         f"are taken from {Path.cwd()}){expansion_fix(value)}. Fix the path, "
                         f"{fix}.")


def check_samples_path(value: str, source: str = "config") -> None:
    """The samples sheet named by config ``samples`` must not be a folder (a missing file is
    reported by the sheet reader), nor a path a shell would expand (``~/sheet.tsv``: taken
    literally, it is not found)."""
    check_expanded(value, "samples", source)
    if Path(value).is_dir():
        raise InputError(f"{source}: key samples: '{value}' is a folder, not a samples sheet. "
                         "Point 'samples' at your tab-separated sheet (columns sample_id and "
                         "vcf), e.g. config/samples.tsv.")


def signature_table_files(signatures: str) -> list[str]:
    """``[signatures]`` when a signature set (config ``signatures`` or ``refit.signatures``)
    names a table file, ``[]`` for a shipped set's name or ``denovo``: the input a job that
    reads the set declares, so that editing the table reruns it (a shipped name is matched
    first, as ``sigforge`` resolves it)."""
    from sigforge.genomics.reference import available_references

    if signatures == "denovo" or signatures in available_references():
        return []
    return [signatures] if Path(signatures).exists() else []


@functools.lru_cache(maxsize=64)
def signature_names(signatures: str, genome_build: str,
                    channel_sets: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The signature names of a set: those of a shipped set's tables of ``channel_sets``
    (default all of them; SBS96 first, then DBS78, ID83), or the header of a user's table
    (one channel set). Cached: every refit job of a run asks for the same few sets."""
    from sigforge.genomics.reference import (
        available_references,
        load_reference,
        shipped_channel_sets,
    )

    if signatures in available_references():
        names: list[str] = []
        for channel_set in shipped_channel_sets(signatures):
            if channel_sets is None or channel_set in channel_sets:
                names += [str(name) for name in load_reference(
                    signatures, channel_set=channel_set, genome_build=genome_build).data.columns]
        return tuple(names)
    with open(signatures, encoding="utf-8-sig", errors="replace") as handle:
        header = next((line for line in handle if line.strip() and not line.startswith("#")),
                      "")
    separator = "\t" if header.count("\t") >= header.count(",") else ","
    return tuple(cell.strip().strip('"')
                 for cell in header.rstrip("\r\n").split(separator)[1:])


def check_restrict_to(names: Sequence[str] | None, sets: Sequence[tuple[str, str]],
                      genome_build: str, source: str = "config",
                      contexts: Sequence[str] | None = None) -> None:
    """Every name of ``refit.restrict_to`` must be a signature of each set it restricts
    (``sets``: (set, config key naming it)) in one of its tables of the counted
    ``contexts`` (default: all its tables), checked before any job instead of in every
    refit job. A set that is not a shipped name nor an existing file is left to the check
    of that key."""
    from sigforge.genomics.reference import available_references

    if not names:
        return
    for signatures, key in sets:
        if signatures not in available_references() and not Path(signatures).is_file():
            continue  # denovo, or a missing set (reported by the check of its key)
        try:
            known = signature_names(signatures, genome_build,
                                    tuple(contexts) if contexts is not None else None)
        except (InputError, OSError):
            continue  # reported by the check of the set itself
        unknown = [name for name in names if name not in known]
        if unknown:
            hint = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.6)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more"
                                             if len(known) > 10 else "")
            tables = (f" in its tables of the counted contexts ({', '.join(contexts)})"
                      if contexts is not None else "")
            listed = (f"{unknown[:10]} and {len(unknown) - 10} more" if len(unknown) > 10
                      else f"{unknown}")
            raise InputError(f"{source}: key refit.restrict_to: {listed} not in the signature "
                             f"set '{signatures}' (config key '{key}'){tables}, which has "
                             f"{shown}."
                             f"{did} Give names from that set, or null to use all of them.")

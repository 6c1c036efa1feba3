"""Config keys written with a dot (``extract.replicates: 8``), refused with the nested form.

YAML and Snakemake's ``--config`` never split a key on its dots: ``extract.replicates: 8`` in
a config file (or ``--config 'extract={ranks.max: 3}'``) is one key named
``extract.replicates``, which the schema refuses as unknown, and the message did not say why
a key that reads like the right one is unknown. :func:`check_dotted_keys` runs before the
schema and names the nested form to write instead. (A top-level ``--config
extract.replicates=8`` never reaches the Snakefile: Snakemake itself refuses it with "Config
entry must start with a valid identifier".)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sigforge.io import InputError
from sigforge.workflow.inert import shown


def dotted_keys(config: Mapping[str, Any], schema: Mapping[str, Any],
                path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(path of its section, key, value) of every key holding a dot whose first part is a
    key the schema knows at that place (``extract.replicates`` at the top level,
    ``ranks.max`` in ``extract``); other unknown keys are left to the schema's message."""
    known = schema.get("properties") or {}
    for key, value in config.items():
        name = str(key)
        if "." in name and name.split(".", 1)[0] in known:
            yield path, name, value
        elif isinstance(value, Mapping) and isinstance(known.get(name), Mapping):
            yield from dotted_keys(value, known[name], (*path, name))


def nested(parts: list[str], value: Any) -> str:
    """``parts`` and ``value`` written nested in YAML's flow style: 'replicates: 8' for one
    part, 'ranks: {max: 3}' for two. Text is written as it was typed (``--config`` gives
    every nested value as text: '3', not the quoted "'3'" that would break the advice's
    shell quotes)."""
    text = f"{parts[-1]}: {value if isinstance(value, str) else shown(value)}"
    for part in reversed(parts[:-1]):
        text = f"{part}: {{{text}}}"
    return text


def check_dotted_keys(config: Mapping[str, Any], schema: Mapping[str, Any],
                      source: str = "config") -> None:
    """Refuse the first key written with a dot (:func:`dotted_keys`), naming the nested form
    for a config file and for ``--config``."""
    for path, key, value in dotted_keys(config, schema):
        parts = [*path, *key.split(".")]
        top, rest = parts[0], parts[1:]
        inner = nested(rest, value)
        where = f" in the section '{'.'.join(path)}'" if path else ""
        raise InputError(
            f"{source}: key '{key}'{where} is one key whose name holds a dot: YAML and "
            f"--config never split a key on its dots, so it does not set {'.'.join(parts)}. "
            f"Write it nested: '{top}: {{{inner}}}' in the config file, or "
            f"--config '{top}={{{inner}}}' on the command line.")


#: Most values a config may hold once YAML's aliases are expanded, and its deepest nesting: a
#: sigforge config holds a few dozen settings, a few levels deep. Beyond these a config is a
#: YAML alias bomb or a pasted table, and the schema's message (which prints the offending
#: value whole) would take the machine's memory.
MAX_CONFIG_VALUES = 100_000
MAX_CONFIG_DEPTH = 32


def config_size(config: Any, limit: int = MAX_CONFIG_VALUES) -> tuple[int, int]:
    """(values, depth) of a parsed config as it reads once aliases are expanded, counted
    without expanding them (a node shared by aliases is sized once) and without recursion (a
    config nested thousands of levels deep is measured too); the count stops above ``limit``.
    """
    sizes: dict[int, int] = {}
    depth = 0
    stack: list[tuple[Any, int, bool]] = [(config, 1, False)]
    while stack:
        node, level, done = stack.pop()
        depth = max(depth, level)
        children = (list(node.values()) if isinstance(node, Mapping)
                    else list(node) if isinstance(node, list) else [])
        if id(node) in sizes:
            continue
        if not done and children:
            stack.append((node, level, True))
            stack.extend((child, level + 1, False) for child in children
                         if id(child) not in sizes)
            if depth > MAX_CONFIG_DEPTH:
                return 0, depth
            continue
        sizes[id(node)] = min(limit + 1, 1 + sum(sizes.get(id(child), 1) for child in children))
    return sizes.get(id(config), 1), depth


def check_config_size(config: Mapping[str, Any], source: str) -> None:
    """InputError when the config holds more than :data:`MAX_CONFIG_VALUES` values once its
    aliases are expanded, or nests deeper than :data:`MAX_CONFIG_DEPTH` levels."""
    values, depth = config_size(config)
    if depth > MAX_CONFIG_DEPTH:
        raise InputError(f"{source}: nested more than {MAX_CONFIG_DEPTH} levels deep; a sigforge "
                         "config is a few levels deep (sections, then settings). Check the "
                         "file's indentation and brackets.")
    if values > MAX_CONFIG_VALUES:
        raise InputError(f"{source}: holds more than {MAX_CONFIG_VALUES:,} values once its YAML "
                         "anchors and aliases (&name, *name) are expanded; a sigforge config "
                         "holds a few dozen settings. Check for a repeated alias or a table "
                         "pasted into a setting.")


def other_schema_errors(config: Mapping[str, Any], schema: Mapping[str, Any], first: str,
                        what: str, *, unknown_named: bool = False) -> list[str]:
    """The message of every schema error of ``config`` but ``first`` (the one reported), so
    that a config with several mistakes is corrected in one run instead of one per run; in
    path order, each once. ``required`` errors are left out (the schema fills defaults as it
    validates, which this second look does not), and so are unknown keys when
    ``unknown_named`` (the first message named them all)."""
    import jsonschema

    from sigforge.workflow.checks import schema_error_message

    validator = jsonschema.validators.validator_for(schema)(schema)
    skipped = {"required", *(["additionalProperties"] if unknown_named else [])}
    messages: list[str] = []
    for error in sorted(validator.iter_errors(config),
                        key=lambda found: [str(part) for part in found.absolute_path]):
        if error.validator in skipped:
            continue
        text = schema_error_message(error, what)
        if text == first:
            continue
        text = text.removeprefix(f"{what}: ")  # said once, in the first message
        if text not in messages:
            messages.append(text)
    return messages

"""Whole numbers in the workflow config: JSON Schema counts 1.0 as an integer, so
``replicates: 4.0`` or ``seed: 1.0`` pass the schema as floats and would reach ``range()`` in
the checks and ``--seed 1.0`` every job's command line. :func:`whole_numbers` makes every
value of an integer key an int once, right after validation, walking the schema generically.

Split from :mod:`sigforge.workflow.configs`, which reads and checks the config files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sigforge.io import InputError


def whole_number_fix(value: Any) -> str:
    """The fix (a sentence without its full stop) for a value given to a key that takes whole
    numbers: write one, the nearest ones named when the value is a finite fraction."""
    if isinstance(value, bool):
        return "Write a whole number (such as 1 or 2): true and false are not numbers"
    if isinstance(value, float) and math.isfinite(value):
        return f"Write a whole number (such as {math.floor(value)} or {math.ceil(value)})"
    return "Write a whole number (such as 1 or 2)"


def _types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a (sub)schema allows (``type: integer`` or ``type: [integer, "null"]``)."""
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else list(kind or [])


def _reference(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """The subschema a local ``$ref`` (``#/$defs/name``) points at; None without one."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    target: Any = root
    for part in ref[1:].split("/")[1:]:
        target = target.get(part.replace("~1", "/").replace("~0", "~")) \
            if isinstance(target, Mapping) else None
    return target


def _applicable(schema: Any, root: Mapping[str, Any], binding: bool = True,
                seen: frozenset[int] = frozenset()
                ) -> Iterator[tuple[Mapping[str, Any], bool]]:
    """(subschema, binding) of every subschema that applies to the value ``schema`` applies
    to: itself, its local ``$ref`` and its ``allOf`` (binding), its ``anyOf``, ``oneOf``,
    ``then`` and ``else`` (not binding: they may hold or not, so a value they refuse is left
    to the schema). A ``$ref`` back to a schema being walked is not followed again."""
    if not isinstance(schema, Mapping) or id(schema) in seen:
        return
    seen = seen | {id(schema)}
    yield schema, binding
    yield from _applicable(_reference(schema, root), root, binding, seen)
    for sub in schema.get("allOf") or ():
        yield from _applicable(sub, root, binding, seen)
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            yield from _applicable(sub, root, False, seen)
    for key in ("then", "else"):
        yield from _applicable(schema.get(key), root, False, seen)


def _children(schemas: Sequence[tuple[Mapping[str, Any], bool]], key: str
              ) -> list[tuple[Mapping[str, Any], bool]]:
    """The subschemas of mapping key ``key``: ``properties``, else the matching
    ``patternProperties``, else ``additionalProperties`` (when it is a schema)."""
    found: list[tuple[Mapping[str, Any], bool]] = []
    for schema, binding in schemas:
        named = [sub for pattern, sub in (schema.get("patternProperties") or {}).items()
                 if re.search(pattern, key)]
        if key in (schema.get("properties") or {}):
            named.append(schema["properties"][key])
        if not named and isinstance(schema.get("additionalProperties"), Mapping):
            named.append(schema["additionalProperties"])
        found += [(sub, binding) for sub in named]
    return found


def _items(schemas: Sequence[tuple[Mapping[str, Any], bool]], index: int
           ) -> list[tuple[Mapping[str, Any], bool]]:
    """The subschemas of list item ``index`` (from 0): ``prefixItems`` (or a draft-7 list of
    ``items``) by position, ``items`` for the rest."""
    found: list[tuple[Mapping[str, Any], bool]] = []
    for schema, binding in schemas:
        items = schema.get("items")
        prefix = schema.get("prefixItems") or (items if isinstance(items, list) else [])
        if index < len(prefix):
            found.append((prefix[index], binding))
        elif isinstance(items, Mapping):
            found.append((items, binding))
    return found


def _integer(value: Any, schema: Mapping[str, Any], binding: bool, key: str,
             source: str) -> Any:
    """``value`` as an int when ``schema`` types it as integer and it is a whole-number float;
    a fraction or a boolean there is an InputError when ``schema`` is binding."""
    types = _types(schema)
    if "integer" not in types or "number" in types:
        return value
    if isinstance(value, bool):
        if binding and "boolean" not in types:
            raise InputError(f"{source}: key {key}: {value!r} is not a whole number. "
                             f"{whole_number_fix(value)}; workflow/schemas/config.schema.yaml "
                             "describes every key.")
    elif isinstance(value, float):
        if value.is_integer():
            return int(value)
        if binding:
            raise InputError(f"{source}: key {key}: {value!r} is not a whole number. "
                             f"{whole_number_fix(value)}; workflow/schemas/config.schema.yaml "
                             "describes every key.")
    return value


def _whole(value: Any, schemas: Sequence[tuple[Mapping[str, Any], bool]],
           root: Mapping[str, Any], key: str, source: str) -> Any:
    """``value`` with every whole-number float the schemas type as integer made an int."""
    applicable = [found for schema, binding in schemas
                  for found in _applicable(schema, root, binding)]
    for schema, binding in applicable:
        value = _integer(value, schema, binding, key, source)
    if isinstance(value, MutableMapping):
        for name in list(value):
            dotted = f"{key}.{name}" if key else str(name)
            value[name] = _whole(value[name], _children(applicable, str(name)), root, dotted,
                                 source)
    elif isinstance(value, list):
        for index in range(len(value)):
            value[index] = _whole(value[index], _items(applicable, index), root,
                                  f"{key}[{index + 1}]", source)
    return value


def whole_numbers(config: MutableMapping[str, Any],
                  schema: Mapping[str, Any] | str | Path,
                  source: str = "config") -> MutableMapping[str, Any]:
    """Make every value of an integer key of the config schema an int, in place; returns
    ``config``.

    JSON Schema counts 1.0 as an integer, so ``replicates: 4.0`` or ``seed: 1.0`` pass the
    schema (``schema``: the schema, or the path of its YAML file) as floats, which would reach
    ``range()`` in the checks and ``--seed 1.0`` every job's command line (argparse refuses
    it). Run once, right after the schema validated (and defaulted) the merged config, this
    walks the schema (``properties``, ``patternProperties``, ``additionalProperties``,
    ``items``, ``allOf``/``anyOf``/``oneOf``, ``if``/``then``/``else`` and local ``$ref``s),
    so a key the schema gains is covered without being listed here. A fraction (1.5) or a
    boolean for an integer key (which the schema refuses first) is an InputError naming the
    dotted key, the value and the fix.
    """
    if not isinstance(schema, Mapping):
        schema = yaml.safe_load(Path(schema).read_text(encoding="utf-8"))
    return _whole(config, [(schema, True)], schema, "", source)


def typed_overrides(config: MutableMapping[str, Any], overrides: Mapping[str, Any],
                    schema: Mapping[str, Any] | str | Path) -> MutableMapping[str, Any]:
    """Give the values of ``--config`` the YAML types a config file gives them, in place;
    returns ``config`` (the merged config, before validation).

    Snakemake reads a nested ``--config 'extract={replicates: 8}'`` with YAML's base loader,
    so every value in it arrives as text ('8', 'true', 'null'), which the schema then refuses
    for an integer, number, boolean or null key ("'8' is not of type 'integer'"). A text value
    of ``overrides`` (Snakemake's ``--config``, merged last) is read as YAML where the schema
    takes no text at that key and the YAML value is of a type it takes; any other value is
    left for the schema to judge. Top-level values Snakemake types itself.
    """
    if not isinstance(schema, Mapping):
        schema = yaml.safe_load(Path(schema).read_text(encoding="utf-8"))
    _retype(config, overrides, [(schema, True)], schema)
    return config


def _retype(target: Any, given: Any, schemas: Sequence[tuple[Mapping[str, Any], bool]],
            root: Mapping[str, Any]) -> None:
    """Replace, in ``target``, each text value ``given`` holds at the same place by its YAML
    value where the schemas take that value and no text (see :func:`typed_overrides`)."""
    applicable = [found for schema, binding in schemas
                  for found in _applicable(schema, root, binding)]
    if isinstance(given, Mapping) and isinstance(target, MutableMapping):
        places = [(name, _children(applicable, str(name))) for name in given if name in target]
    elif isinstance(given, list) and isinstance(target, list) and len(given) == len(target):
        places = [(index, _items(applicable, index)) for index in range(len(given))]
    else:
        return
    for place, children in places:
        value = given[place]
        if isinstance(value, str) and target[place] == value:
            target[place] = _typed_text(value, children, root)
        else:
            _retype(target[place], value, children, root)


#: How YAML writes null (the texts ``yaml.safe_load`` reads as None, but the empty one).
_NULL_SPELLINGS = frozenset({"null", "Null", "NULL", "~"})


def _typed_text(text: str, schemas: Sequence[tuple[Mapping[str, Any], bool]],
                root: Mapping[str, Any]) -> Any:
    """``text`` read as YAML when the schemas take no text but take that value's type
    (integer, number, boolean or null), else ``text`` itself."""
    types = {kind for schema, _ in schemas for found, _ in _applicable(schema, root)
             for kind in _types(found)}
    if "string" in types and "null" in types and text in _NULL_SPELLINGS:
        return None  # `--config 'catalog={regions: null}'` unsets a path, as the file would
    if not types or "string" in types:
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, bool):
        taken = "boolean" in types
    elif isinstance(value, int):
        taken = bool({"integer", "number"} & types)
    elif isinstance(value, float):
        taken = "number" in types or ("integer" in types and value.is_integer())
    else:
        taken = value is None and "null" in types
    return value if taken else text


def yaml_text_number(value: Any) -> bool:
    """Whether a config value is text that is a number in scientific notation (``1e-7``,
    ``5E3``): YAML 1.1 reads those as strings, so the schema's number check refuses them."""
    if not isinstance(value, str) or "e" not in value.lower():
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def yaml_float_spelling(value: str) -> str:
    """``1e-7`` as YAML 1.1 reads it as a number: ``1.0e-7``."""
    mantissa, _, exponent = value.lower().partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent[:1] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}"

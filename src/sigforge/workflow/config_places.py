"""Where each config key was set, so that a schema error names the file and line to fix.

The schema validates the merged config (the shipped file, then each ``--configfile``, then
``--config``), so its messages named the key and value but not which of several files (or
the command line) set it. :func:`key_places` records, for every dotted key, the last place
that set it, as Snakemake merges them; :func:`with_places` adds that place to each key a
message names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sigforge.workflow.configs import ConfigLoader, display_path, mapping_nodes


def _file_places(path: str | Path) -> dict[str, str]:
    """Every dotted key of one config file with 'FILE, line N' of its key; empty when the
    file cannot be read (its own check names that)."""
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=ConfigLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    name = display_path(path)
    return {".".join((*prefix, str(getattr(key, "value", "?")))):
            f"{name}, line {key.start_mark.line + 1}"
            for mapping, prefix in (mapping_nodes(root, (), set()) if root is not None else ())
            for key, _ in mapping.value}


def _override_places(overrides: Mapping[str, Any], prefix: tuple[str, ...] = ()
                     ) -> dict[str, str]:
    """Every dotted key ``--config`` set, placed on the command line."""
    places: dict[str, str] = {}
    for key, value in overrides.items():
        dotted = (*prefix, str(key))
        places[".".join(dotted)] = "--config"
        if isinstance(value, Mapping):
            places.update(_override_places(value, dotted))
    return places


def key_places(shipped: str | Path, user_files: Sequence[str | Path],
               overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Dotted key -> where it was last set ('my.yaml, line 4', '--config'), the shipped file
    first, then each user file, then ``--config``, as Snakemake merges them. A section a later
    file sets anew keeps the earlier files' places of the keys it does not set: Snakemake
    merges sections key by key."""
    places: dict[str, str] = {}
    for path in (shipped, *user_files):
        if Path(path).is_file():
            places.update(_file_places(path))
    places.update(_override_places(overrides or {}))
    return places


#: A key a message names: "key 'extract.tol'", or "key 'methd' in the section 'refit'".
_KEY = re.compile(r"key '([^']+)'(?: in the section '([^']+)')?(?!\s\()")


def with_places(message: str, places: Mapping[str, str]) -> str:
    """``message`` with the place of each key it names ("key 'extract.replicates' (my.yaml,
    line 4)"), the nearest enclosing key's place where the key itself was not written (a
    value the schema's default filled in), and the schema's repeated advice said once."""
    def placed(match: re.Match[str]) -> str:
        section = f"{match.group(2)}." if match.group(2) else ""
        parts = (section + match.group(1)).split(".")
        for end in range(len(parts), 0, -1):
            where = places.get(".".join(parts[:end]))
            if where is not None:
                return f"{match.group(0)} ({where})"
        return match.group(0)

    advice = " Fix the value (workflow/schemas/config.schema.yaml describes every key)."
    placed_message = _KEY.sub(placed, message)
    if placed_message.count(advice) > 1:
        head, _, tail = placed_message.partition(advice)
        placed_message = head + tail.replace(advice, "") + advice
    return placed_message

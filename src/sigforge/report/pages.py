"""Writing pages: the one Jinja2 environment, atomic page writes and safe relative links.

Templates live in ``templates/``: ``base.html.j2`` (head, style, layout) and
``macros.html.j2`` (the ``figure`` and ``table`` macros), which the cohort, patient and
matrix pages extend and import. Autoescaping is always on: every value reaches a template as
plain text.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from sigforge.io import atomic_write

_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescape always on, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sigforge.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_page(template: str, path: Path, context: Mapping[str, Any]) -> Path:
    """Render a template to ``path`` as UTF-8, atomically."""
    html = environment().get_template(template).render(**context)
    with atomic_write(path, mode="wb") as handle:
        handle.write(html.encode("utf-8"))
    return path


def href(path: str | os.PathLike[str]) -> str:
    """Percent-encode a relative path so that it can only ever be a relative link.

    Raises
    ------
    ValueError
        If ``path`` is absolute: a report must stay valid when its directory is moved.
    """
    posix = Path(path).as_posix()
    if Path(path).is_absolute() or posix.startswith("/"):
        raise ValueError(f"files: expected paths relative to the report directory, got {posix!r}.")
    return quote(posix, safe="/")


def check_stem(file_stem: str) -> None:
    """Refuse file stems that could escape the patients directory or break a link."""
    if not _SAFE_STEM.match(file_stem):
        raise ValueError(f"file_stem: expected letters, digits, '.', '_' or '-' (not starting "
                         f"with '.', '_' or '-'), got {file_stem!r}.")


def safe_name(name: object) -> str:
    """``name`` with every character but letters, digits, '_' and '-' replaced by '_'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(name))


#: The most characters of a name that go into a figure's file name (see :func:`name_stem`).
NAME_STEM_MAX = 40


def name_stem(name: object) -> str:
    """The first :data:`NAME_STEM_MAX` characters of :func:`safe_name` (``name``): the part of
    a figure's file name taken from a signature name, which is free text of any length.

    A file name is limited to 255 bytes, so a long name is cut rather than refused; the
    figure's stem keeps its index (``signature_3_...``), so cut names stay distinct.
    """
    return safe_name(name)[:NAME_STEM_MAX]

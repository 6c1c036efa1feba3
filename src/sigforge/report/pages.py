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
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from sigforge.io import atomic_write

_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescape always on, strict undefined,
    and the ``bdi`` filter for users' names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sigforge.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bdi"] = bdi
    return env


def bdi(text: object) -> Markup:
    """``text`` escaped inside ``<bdi>``: a user's name (sample, signature, region) holding
    bidirectional controls (U+202E) or right-to-left letters cannot reorder the text around
    it."""
    return Markup("<bdi>{}</bdi>").format(text)


class IsolatedNames:
    """Names written into plain-text sentences as tokens (:meth:`token`, a
    :data:`~sigforge.report.patient_rows.Namer`), then shown each in ``<bdi>`` when the
    sentence becomes markup (:meth:`markup`), the rest of the sentence escaped."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def token(self, name: str) -> str:
        """A stand-in for ``name`` (NUL-delimited: names never hold control characters;
        one that did is written as it is)."""
        if "\x00" in str(name):
            return str(name)
        self.names.append(str(name))
        return f"\x00{len(self.names) - 1}\x00"

    def markup(self, sentence: str) -> Markup:
        """``sentence`` escaped, each token's name in ``<bdi>``."""
        parts = sentence.split("\x00")
        return Markup("").join(escape(part) if index % 2 == 0 else bdi(self.names[int(part)])
                               for index, part in enumerate(parts))


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


#: The tag of a per-patient page written by ``refit --vcf``: its VCF's path as given.
_SOURCE_TAG = re.compile(rb'<meta name="sigforge-source" content="([^"]*)">')


def page_source(path: Path) -> str | None:
    """The path of the VCF (or MAF) a per-patient page was written from, as given to
    ``refit --vcf`` (its ``sigforge-source`` tag), or None for a page without one (a cohort
    report's own pages, older versions)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    found = _SOURCE_TAG.search(head)
    return None if found is None else unescape(found.group(1).decode("utf-8", "replace"))


#: The catalog_log.tsv columns a per-patient page records in its ``sigforge-counts`` tag.
COUNT_COLUMNS = ("variants_read", "counted_SBS96", "counted_DBS78", "counted_ID83")
_COUNTS_TAG = re.compile(rb'<meta name="sigforge-counts" content="([^"]*)">')


def log_row(catalog_log: pd.DataFrame, sample: str) -> pd.Series | None:
    """A sample's row of a catalog log (its first, for a name twice in a hand-made log), or
    None when the log has none."""
    if sample not in catalog_log.index:
        return None
    row = catalog_log.loc[sample]
    return row.iloc[0] if isinstance(row, pd.DataFrame) else row


def page_counts_tag(catalog_log: pd.DataFrame, sample: str) -> str:
    """A per-patient page's ``sigforge-counts`` tag: its sample's variants read and counted
    per type (``variants_read=1011;counted_SBS96=961;...``), so that ``report
    --patients-dir`` can tell a page counted with other settings from the cohort's count."""
    row = log_row(catalog_log, sample)
    if row is None:
        return ""
    return ";".join(f"{column}={int(row[column])}" for column in COUNT_COLUMNS
                    if column in row.index and pd.notna(row[column]))


def page_counts(path: Path) -> dict[str, int]:
    """The counts a per-patient page's ``sigforge-counts`` tag records (empty: no tag)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    found = _COUNTS_TAG.search(head)
    if found is None:
        return {}
    pairs = (part.split("=", 1) for part in found.group(1).decode("ascii", "replace").split(";"))
    return {name: int(value) for name, value in (p for p in pairs if len(p) == 2)
            if value.isdigit()}

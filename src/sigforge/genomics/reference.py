"""Reference signature sets shipped as package data, resolved by name or read from a file.

Names look like ``COSMIC_v3.6``; the genome build (``GRCh37`` or ``GRCh38``) picks the
build-specific SBS96 and DBS78 tables (ID83 signatures do not depend on the build). See
``sigforge/genomics/data/PROVENANCE.md`` for where each table comes from.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from sigforge.genomics.tables import read_catalog
from sigforge.io import InputError, Matrix

GENOME_BUILDS = ("GRCh37", "GRCh38")
_SHIPPED = {"COSMIC_v3.6": {"SBS96": "COSMIC_v3.6_SBS96_{build}.tsv",
                            "DBS78": "COSMIC_v3.6_DBS78_{build}.tsv",
                            "ID83": "COSMIC_v3.6_ID83.tsv"}}
_AETIOLOGY = {"COSMIC_v3.6": "COSMIC_v3.6_aetiology.tsv"}


def available_references() -> list[str]:
    """Names accepted by :func:`load_reference`."""
    return sorted(_SHIPPED)


def shipped_channel_sets(name: str) -> list[str]:
    """The channel sets a shipped reference has tables of (empty for an unknown name)."""
    return list(_SHIPPED.get(name, {}))


def load_reference(name_or_path: str, *, channel_set: str = "SBS96",
                   genome_build: str = "GRCh37") -> Matrix:
    """Load reference signatures by shipped name or from a user's table.

    Parameters
    ----------
    name_or_path : str
        A shipped set name (see :func:`available_references`) or a path to a signature table.
    channel_set : str, default="SBS96"
        Which channel set of a shipped reference to load.
    genome_build : str, default="GRCh37"
        ``GRCh37`` or ``GRCh38``; shipped tables are build-specific.

    Raises
    ------
    InputError
        Unknown name or build, or a file that cannot be read.
    """
    if name_or_path in _SHIPPED:
        if genome_build not in GENOME_BUILDS:
            raise InputError(f"genome build '{genome_build}' is not shipped; "
                             f"expected one of {', '.join(GENOME_BUILDS)}.")
        tables = _SHIPPED[name_or_path]
        if channel_set not in tables:
            raise InputError(f"{name_or_path} has no {channel_set} table; "
                             f"shipped: {', '.join(tables)}.")
        table = tables[channel_set].format(build=genome_build)
        resource = resources.files("sigforge.genomics.data") / table
        with resources.as_file(resource) as path:
            return read_catalog(path)
    if Path(name_or_path).exists():
        return read_catalog(name_or_path)
    raise InputError(f"signatures '{name_or_path}': neither a shipped reference "
                     f"({', '.join(available_references())}) nor an existing file.")


def load_aetiology(name: str = "COSMIC_v3.6") -> dict[str, str]:
    """Proposed aetiology of each signature of a shipped set (empty for other sets).

    Signatures whose aetiology was not transcribed say so rather than guess; see
    ``sigforge/genomics/data/PROVENANCE.md``.
    """
    table = _aetiology_table(name)
    if table is None:
        return {}
    return dict(zip(table["Signature"], table["proposed_aetiology"], strict=True))


def _aetiology_table(name: str) -> pd.DataFrame | None:
    """The shipped aetiology table of a set (Signature, channel_set, proposed_aetiology,
    possible_artefact), or None for a set without one."""
    if name not in _AETIOLOGY:
        return None
    resource = resources.files("sigforge.genomics.data") / _AETIOLOGY[name]
    with resources.as_file(resource) as path:
        return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


_PREVALENCE = "PCAWG_signature_prevalence.tsv"
#: The column of the prevalence table used when no tumour type is given.
PAN_CANCER = "pan-cancer"
#: ``--tumour-type`` value that turns the prevalence prior off.
NO_PRIOR = "none"


def _prevalence_table() -> pd.DataFrame:
    """Signatures x (pan-cancer, PCAWG tumour types): share of tumours with each signature."""
    resource = resources.files("sigforge.genomics.data") / _PREVALENCE
    with resources.as_file(resource) as path:
        return pd.read_csv(path, sep="\t", index_col="Signature")


def tumour_types() -> list[str]:
    """Accepted ``--tumour-type`` values: pan-cancer, the PCAWG types, and ``none``."""
    return [*_prevalence_table().columns, NO_PRIOR]


def load_prevalence(tumour_type: str) -> pd.Series | None:
    """Share of tumours of ``tumour_type`` in which each COSMIC signature is active.

    From the published PCAWG attributions (``sigforge/genomics/data/PROVENANCE.md``); the
    soft prior of the ``negbin`` refit. ``none`` returns None (no prior).

    Raises
    ------
    InputError
        An unknown tumour type (the message lists the known ones).
    """
    if tumour_type == NO_PRIOR:
        return None
    table = _prevalence_table()
    if tumour_type not in table.columns:
        raise InputError(f"tumour type '{tumour_type}' is not in the prevalence table; "
                         f"expected one of: {', '.join(tumour_types())}.")
    return table[tumour_type]


def artefact_signatures(name: str = "COSMIC_v3.6") -> list[str]:
    """Signatures of a shipped set that COSMIC calls possible sequencing artefacts."""
    table = _aetiology_table(name)
    if table is None:
        return []
    return table.loc[table["possible_artefact"] == "yes", "Signature"].tolist()

"""Reference signature sets shipped as package data, resolved by name or read from a file.

Names look like ``COSMIC_v3.6``; the genome build (``GRCh37`` or ``GRCh38``) picks the
build-specific SBS96 and DBS78 tables (ID83 signatures do not depend on the build). See
``sigforge/genomics/data/PROVENANCE.md`` for where each table comes from.

The assay (:data:`sigforge.refit.ASSAYS`) adapts the signatures to what was sequenced:
``genome`` serves the tables as they are; ``exome`` the shipped exome tables of SBS96 and
DBS78 (ID83 has none: its genome table is served, and the log says so; a user's table is
taken as given); ``regions`` rescales the genome tables, and a user's table, from the whole
FASTA's opportunities to the targeted regions' (:mod:`.opportunities`; ID83 is not rescaled,
indel channels having no sequence context to rescale by, and the log says so).
"""

from __future__ import annotations

import difflib
import logging
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from sigforge.genomics.contexts import CHANNEL_SETS
from sigforge.genomics.sample_names import check_table_names
from sigforge.genomics.tables import read_catalog
from sigforge.io import InputError, Matrix

logger = logging.getLogger(__name__)

GENOME_BUILDS = ("GRCh37", "GRCh38")
_SHIPPED = {"COSMIC_v3.6": {"SBS96": "COSMIC_v3.6_SBS96_{build}.tsv",
                            "DBS78": "COSMIC_v3.6_DBS78_{build}.tsv",
                            "ID83": "COSMIC_v3.6_ID83.tsv"}}
#: The exome tables shipped per set (channel sets absent here fall back to the genome table).
_EXOME = {"COSMIC_v3.6": {"SBS96": "COSMIC_v3.6_SBS96_{build}_exome.tsv",
                          "DBS78": "COSMIC_v3.6_DBS78_{build}_exome.tsv"}}
_AETIOLOGY = {"COSMIC_v3.6": "COSMIC_v3.6_aetiology.tsv"}
#: The name reports give each shipped set's signatures ("Best COSMIC match").
_LABELS = {"COSMIC_v3.6": "COSMIC"}


def available_references() -> list[str]:
    """Names accepted by :func:`load_reference`."""
    return sorted(_SHIPPED)


def set_label(name_or_path: str) -> str:
    """How a report names the signatures of a set: ``COSMIC`` for a shipped COSMIC set, and
    ``reference`` for a user's table (its signatures may share COSMIC's names without being
    COSMIC's, so a page never calls them so)."""
    return _LABELS.get(str(name_or_path), "reference")


def shipped_channel_sets(name: str) -> list[str]:
    """The channel sets a shipped reference has tables of (empty for an unknown name)."""
    return list(_SHIPPED.get(name, {}))


def _shipped_table(name: str, channel_set: str, genome_build: str, assay: str) -> Matrix:
    """A shipped table: the exome one when asked for and shipped, else the genome one."""
    if genome_build not in GENOME_BUILDS:
        raise InputError(f"genome build '{genome_build}' is not shipped; "
                         f"expected one of {', '.join(GENOME_BUILDS)}.")
    tables = _SHIPPED[name]
    if channel_set not in tables:
        summed = (" Refit the SBS96 catalog instead (the SBS96.tsv counted with it, or this "
                  "one summed to SBS96: its channels sum over strands or outer bases)."
                  if channel_set in ("SBS288", "SBS1536") and "SBS96" in tables else "")
        raise InputError(f"{name} has no {channel_set} table; "
                         f"shipped: {', '.join(tables)}.{summed}")
    table = tables[channel_set]
    if assay == "exome":
        table = _EXOME.get(name, {}).get(channel_set, table)
        if table == tables[channel_set]:
            logger.info("assay exome: %s has no exome %s table (indel signatures are not "
                        "rescaled by sequence composition); its genome table is used", name,
                        channel_set)
    resource = resources.files("sigforge.genomics.data") / table.format(build=genome_build)
    with resources.as_file(resource) as path:
        return read_catalog(path)


#: Shipped names whose shadowing file in the working folder was warned about (once each).
_SHADOW_WARNED: set[str] = set()


def load_reference(name_or_path: str, *, channel_set: str = "SBS96",
                   genome_build: str = "GRCh37", assay: str = "genome",
                   opportunities: pd.DataFrame | None = None) -> Matrix:
    """Load reference signatures by shipped name or from a user's table, for an assay.

    Parameters
    ----------
    name_or_path : str
        A shipped set name (see :func:`available_references`) or a path to a signature table.
    channel_set : str, default="SBS96"
        Which channel set of a shipped reference to load.
    genome_build : str, default="GRCh37"
        ``GRCh37`` or ``GRCh38``; shipped tables are build-specific.
    assay : {"genome", "exome", "regions"}, default="genome"
        See the module docstring.
    opportunities : DataFrame, optional
        With ``assay="regions"`` (required then): the table of
        :func:`~sigforge.genomics.opportunities.count_opportunities`, with its ``genome`` and
        ``regions`` columns.

    Raises
    ------
    InputError
        Unknown name, build or assay, a file that cannot be read, ``regions`` without
        opportunities, or signatures that cannot be rescaled to the regions.
    """
    if assay not in ("genome", "exome", "regions"):
        raise InputError(f"assay '{assay}' is unknown; expected genome, exome or regions.")
    if name_or_path in _SHIPPED:
        if Path(name_or_path).is_file() and name_or_path not in _SHADOW_WARNED:
            _SHADOW_WARNED.add(name_or_path)  # a user's table saved under a shipped name
            logger.warning("signatures '%s': the shipped set of that name is used, not the "
                           "file '%s' in the working folder; give it as ./%s to use the "
                           "file.", name_or_path, name_or_path, name_or_path)
        matrix = _shipped_table(name_or_path, channel_set, genome_build, assay)
    elif Path(name_or_path).exists():
        matrix = read_catalog(name_or_path)
        # a zero-width space in 'SBS1' prints as SBS1, yet loses SBS1's prior and matches
        check_table_names(list(matrix.data.columns), str(name_or_path))
        if assay == "exome":
            logger.info("assay exome: signatures %s are used as given (taken to be relative "
                        "to exome opportunities already)", name_or_path)
    else:
        raise InputError(f"signatures '{name_or_path}': neither a shipped reference "
                         f"({', '.join(available_references())}) nor an existing file.")
    if assay != "regions":
        return matrix
    if opportunities is None:
        raise InputError("assay regions needs the opportunities of the regions: give "
                         "--opportunities FILE (written by 'sigforge opportunities --regions "
                         "BED').")
    return rescale_to_regions(matrix, opportunities)


def rescale_to_regions(matrix: Matrix, opportunities: pd.DataFrame) -> Matrix:
    """Signatures rescaled from the whole FASTA's opportunities to the regions' (ID83 and
    generic tables are returned as they are, with a log line).

    Raises
    ------
    InputError
        A context the signatures weigh never occurs in the whole FASTA but does in the
        regions, or a signature with no weight left in the regions.
    """
    from sigforge.genomics.opportunities import channel_contexts, context_counts
    from sigforge.refit.rescale import rescale_signatures

    mapping = channel_contexts(matrix.channel_set) if matrix.channel_set else None
    if mapping is None:
        logger.info("assay regions: %s signatures %s are not rescaled (no sequence context "
                    "per channel)", matrix.channel_set or "generic", matrix.path)
        return matrix
    kind, contexts = mapping
    source = context_counts(opportunities, kind, "genome")
    target = context_counts(opportunities, kind, "regions")
    if not (source > 0).any() or not (target > 0).any():
        raise InputError(f"the opportunities hold no {kind} in the "
                         f"{'genome' if not (source > 0).any() else 'regions'}; "
                         "write them with 'sigforge opportunities' (pentanucleotides are "
                         "needed for SBS1536).")
    by_channel = dict(zip(CHANNEL_SETS[matrix.channel_set], contexts, strict=True))
    try:
        data = rescale_signatures(matrix.data, [by_channel[str(c)] for c in matrix.data.index],
                                  source, target)
    except ValueError as err:
        raise InputError(f"signatures {matrix.path}: cannot be rescaled to the regions: "
                         f"{err}") from err
    logger.info("assay regions: %d %s signatures of %s rescaled from the whole FASTA's %s "
                "opportunities to the regions'", data.shape[1], matrix.channel_set,
                matrix.path, kind)
    return Matrix(data, matrix.channel_set, matrix.path)


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
    tumour_type = canonical_tumour_type(tumour_type)
    if tumour_type == NO_PRIOR:
        return None
    return _prevalence_table()[tumour_type]


def _type_key(name: str) -> str:
    """A tumour type's name as compared: case, '-', '_' and spaces ignored."""
    return re.sub(r"[-_\s]", "", name).lower()


def canonical_tumour_type(value: str) -> str:
    """The prevalence table's spelling of a tumour type given in any case, with '-', '_' or
    spaces alike (``breast_adenoca`` -> ``Breast-AdenoCA``), as users type PCAWG's names.

    Raises
    ------
    InputError
        A name no known type matches; the message suggests the closest ones and lists all.
    """
    known = tumour_types()
    if value in known:
        return value
    matches = [name for name in known if _type_key(name) == _type_key(value)]
    if len(matches) == 1:
        return matches[0]
    close = difflib.get_close_matches(_type_key(value), [_type_key(n) for n in known], n=3,
                                      cutoff=0.6)
    named = [next(n for n in known if _type_key(n) == key) for key in close]
    hint = f" Did you mean {' or '.join(named)}?" if named else ""
    raise InputError(f"tumour type '{value}' is not in the prevalence table.{hint} Expected "
                     f"one of: {', '.join(known)}.")


def artefact_signatures(name: str = "COSMIC_v3.6") -> list[str]:
    """Signatures of a shipped set that COSMIC calls possible sequencing artefacts."""
    table = _aetiology_table(name)
    if table is None:
        return []
    return table.loc[table["possible_artefact"] == "yes", "Signature"].tolist()

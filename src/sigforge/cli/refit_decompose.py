"""The decomposition of refitted signatures into a reference set (``refit --decompose-into``):
each de novo signature as a sparse mix of reference signatures, written as
``decomposition.tsv`` beside the exposures."""

from __future__ import annotations

import argparse
import logging
import math

import pandas as pd

from sigforge.cli.refit_signatures import load_for_assay, log_rescaled
from sigforge.io import InputError, Matrix

logger = logging.getLogger(__name__)


def decomposition_reference(args: argparse.Namespace, matrix: Matrix) -> pd.DataFrame | None:
    """The --decompose-into set adapted to the same --assay, with the catalog's rows (or the
    SBS96 rows an SBS288/SBS1536 catalog's signatures are summed into, when the set has no
    table of the catalog's own channels: no shipped set has), its columns checked and
    rescaled to sum 1 as a --signatures table's are (a column in percent would otherwise
    skew every weight). Loaded before the refit so that a set of another channel set (an ID83
    table for an SBS96 catalog) stops the run with the file and both channel sets named
    instead of failing after the work. None when no decomposition is written (generic
    matrices) or when refitting to that set itself (the identity, :func:`decomposition`)."""
    if matrix.channel_set is None or args.signatures == args.decompose_into:
        return None
    from sigforge.genomics.contexts import SBS96_CHANNELS  # not for generic matrices
    from sigforge.refit import normalise_signatures

    own, reference = matrix.channel_set, None
    try:
        reference = load_for_assay(args, args.decompose_into, own)
    except InputError:
        if own not in _SUMMED_INTO_SBS96:
            raise
    rows: list[str] = list(matrix.data.index)
    if own in _SUMMED_INTO_SBS96 and (reference is None or reference.channel_set != own):
        reference, rows = load_for_assay(args, args.decompose_into, "SBS96"), \
            list(SBS96_CHANNELS)
        own = "SBS96"
    assert reference is not None
    if reference.channel_set != own:
        raise InputError(f"--decompose-into {args.decompose_into}: its rows are the "
                         f"{reference.channel_set or 'generic (no known channel set)'} "
                         f"channels, but the catalog {matrix.path} is {matrix.channel_set}, "
                         f"so its signatures cannot be decomposed into it. Give a signature "
                         f"table over the {matrix.channel_set} channels (or a shipped set such "
                         "as COSMIC_v3.6, which picks the catalog's channel set itself).")
    try:
        data, rescaled = normalise_signatures(reference.data.loc[rows])
    except ValueError as err:
        raise InputError(f"--decompose-into {args.decompose_into}: {err}") from err
    if rescaled:
        log_rescaled(f"--decompose-into {args.decompose_into}", rescaled,
                     "so that decomposition weights compare like with like")
    return data


#: Channel sets whose signatures are decomposed summed into SBS96 when the reference set has
#: no table of their own channels (as the report compares them).
_SUMMED_INTO_SBS96 = ("SBS288", "SBS1536")


def decomposition(args: argparse.Namespace, matrix: Matrix, signatures: Matrix,
                   reference: pd.DataFrame | None) -> pd.DataFrame | None:
    """The signatures decomposed into the --decompose-into ``reference`` (None for generic
    matrices; the identity when refitting to that set itself)."""
    from sigforge.refit import decompose_signatures, identity_decomposition

    if matrix.channel_set is None:
        return None
    if reference is None:
        return identity_decomposition(signatures.data)
    data, catalog = signatures.data, matrix.data
    if len(reference.index) != len(data.index):  # SBS288/SBS1536 into an SBS96 set
        from sigforge.genomics.tables import as_sbs96

        data, catalog = as_sbs96(data), as_sbs96(catalog)
    return decompose_signatures(data, used_reference(args, catalog, reference),
                                novel_below=args.novel_below)


def used_reference(args: argparse.Namespace, catalog: pd.DataFrame,
                   reference: pd.DataFrame) -> pd.DataFrame:
    """The reference signatures a refit of the cohort's own catalog to the whole set uses in
    at least one sample (negbin, no resamples; the whole set for a single sample, an empty
    catalog or a refit that uses none). A de novo signature that splits or merges planted
    processes was decomposed over all of COSMIC, and its cosine-best mix named processes the
    data hold none of (a split of UV as 26-57% SBS2, APOBEC; platinum SBS31 in melanomas),
    which the report then gave as aetiologies; the cohort's own refit is the evidence of
    which processes are there. A shipped set's possible sequencing artefacts are left out
    unless --include-artefacts, as the refits leave them out."""
    from dataclasses import replace

    from sigforge.cli.refit_signatures import drop_artefacts, prevalence, refit_options
    from sigforge.refit import refit_catalog

    reference = drop_artefacts(argparse.Namespace(**{**vars(args),
                                                     "signatures": args.decompose_into}),
                               reference)

    values = catalog.to_numpy()
    if catalog.shape[1] < 2 or not values.any() or not (values == values.round()).all():
        return reference
    counts = catalog.loc[reference.index] if set(catalog.index) == set(reference.index) \
        else None
    if counts is None:
        return reference
    selecting = argparse.Namespace(**{**vars(args), "method": "negbin", "bootstrap": 0})
    fit = refit_catalog(_within_count_range(counts), reference,
                        replace(refit_options(selecting), bootstrap=0),
                        prevalence=prevalence(selecting))
    used = fit.exposures.index[(fit.exposures.to_numpy() > 0).any(axis=1)]
    if len(used) == 0:
        return reference
    logger.info("decomposing into the %d of %d reference signatures that a refit of the "
                "catalog to the whole set uses", len(used), reference.shape[1])
    return reference[list(used)]


def _within_count_range(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` divided by the power of ten (and rounded) that brings every sample's total
    within the range of the count fit that chooses the signatures used (at most
    :data:`~sigforge.refit.sparse.MAX_SAMPLE_TOTAL`); unchanged when they are. A whole-number
    catalog of larger totals refitted with ``nnls``, which takes any scale, was refused by
    this internal choice, with a message proposing ``nnls``; at 1e12 mutations a sample
    still holds all the evidence the choice needs."""
    from sigforge.refit.sparse import MAX_SAMPLE_TOTAL

    largest = float(counts.sum(axis=0).max()) if counts.size else 0.0
    if largest <= MAX_SAMPLE_TOTAL:
        return counts
    factor = 10.0 ** math.ceil(math.log10(largest / MAX_SAMPLE_TOTAL))
    return (counts / factor).round()

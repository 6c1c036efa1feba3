"""The signature set of a refit: the reference or user table, rescaled to an assay, restricted
(--restrict-to), artefacts left out, the tumour-type prior; and the refit options. Split from
:mod:`sigforge.cli.refit`, which runs the command."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.cli.refit_checks import (
    channel_set_fix,
    check_distinct_signatures,
    check_generic_signatures,
    label_hint,
)
from sigforge.cli.restriction import per_table_restriction, restriction
from sigforge.io import (
    InputError,
    Matrix,
    read_matrix,
)
from sigforge.refit import SIGNATURE_SUM_TOLERANCE, RefitOptions

logger = logging.getLogger("sigforge.cli.refit")


def log_rescaled(what: str, rescaled: dict[str, float], why: str) -> None:
    """Say which signature columns were rescaled to sum 1: a warning when one was off by
    more than 1% (a table of percentages, unnormalised loadings), else a note (sums such as
    1.009, whose exposures would have fallen that much short of the sample's mutations)."""
    listed = ", ".join(f"{name} (sum {total:.4g})" for name, total in rescaled.items())
    far = any(abs(total - 1.0) > SIGNATURE_SUM_TOLERANCE for total in rescaled.values())
    (logger.warning if far else logger.info)(
        "%s: column(s) %s do not sum to 1; rescaled to sum 1 %s", what, listed, why)


def refit_options(args: argparse.Namespace) -> RefitOptions:
    """RefitOptions from the command-line flags (checked there)."""
    return RefitOptions(method=args.method, bootstrap=args.bootstrap,
                        confidence=args.confidence, seed=args.seed, penalty=args.penalty,
                        cohort_prior=args.cohort_prior,
                        likelihood_threshold=args.likelihood_threshold, assay=args.assay)


def assay_opportunities(args: argparse.Namespace) -> pd.DataFrame | None:
    """The opportunities table of --assay regions, checked against the other flags first."""
    if args.generic and args.assay != "genome":
        raise InputError(f"--assay {args.assay} adapts mutation signatures to what was "
                         "sequenced; a --generic matrix has no sequence contexts: drop "
                         "--assay.")
    if args.assay != "regions":
        if args.opportunities is not None:
            raise InputError(f"--opportunities is used only with --assay regions (the assay "
                             f"is {args.assay}): drop it, or give --assay regions.")
        return None
    if args.opportunities is None:
        raise InputError("--assay regions rescales the signatures to the targeted regions' "
                         "opportunities: give --opportunities FILE (written by 'sigforge "
                         "opportunities --reference GENOME.fa --regions BED --out FILE').")
    from sigforge.genomics.opportunities import read_opportunities

    table = read_opportunities(args.opportunities)
    if "regions" not in table.columns:
        raise InputError(f"--opportunities {args.opportunities}: has no 'regions' column; "
                         "write it with 'sigforge opportunities --regions BED'.")
    return table


def load_for_assay(args: argparse.Namespace, name: str, channel_set: str, *,
                    native: bool = False) -> Matrix:
    """A reference or signature table adapted to --assay (``native``: a user's table already
    relative to the assay's opportunities, used as given)."""
    from sigforge.genomics.reference import available_references, load_reference

    assay = "genome" if native and name not in available_references() else args.assay
    if assay != args.assay:
        logger.info("--native-signatures: %s used as given for assay %s", name, args.assay)
    return load_reference(name, channel_set=channel_set, genome_build=args.genome_build,
                          assay=assay, opportunities=args.opportunity_table)


def prevalence(args: argparse.Namespace) -> pd.Series | None:
    """The tumour-type prior of method negbin (none for generic matrices or other methods)."""
    if args.generic or args.method != "negbin":
        return None
    from sigforge.genomics.reference import canonical_tumour_type, load_prevalence

    args.tumour_type = canonical_tumour_type(args.tumour_type)  # as recorded in the outputs
    return load_prevalence(args.tumour_type)


def restricted_names(args: argparse.Namespace, available: pd.Index,
                 channel_set: str | None) -> list[str] | None:
    """The --restrict-to names for the table of ``channel_set`` (None: the whole table). A
    patient's VCF against a shipped set may name signatures of any of the set's tables (see
    :mod:`sigforge.cli.restriction`); otherwise every name must be in ``available``."""
    if args.restrict_to is None:
        return None
    if not (args.vcf and channel_set):  # generic matrices import no genomics code
        return restriction(args.restrict_to, available)
    from sigforge.genomics.reference import (
        available_references,
        load_reference,
        shipped_channel_sets,
    )

    if args.signatures not in available_references():
        return restriction(args.restrict_to, available)

    tables = {name: load_reference(args.signatures, channel_set=name,
                                   genome_build=args.genome_build).data.columns
              for name in shipped_channel_sets(args.signatures)}
    return per_table_restriction(args.restrict_to, tables, channel_set)


def drop_artefacts(args: argparse.Namespace, data: pd.DataFrame) -> pd.DataFrame:
    """Leave out the shipped set's possible sequencing-artefact signatures (unless
    --include-artefacts): a refit against all of COSMIC would otherwise explain noise or
    real signal with them."""
    if args.generic or args.include_artefacts:
        return data
    from sigforge.genomics.reference import artefact_signatures, available_references

    if args.signatures not in available_references():
        return data
    dropped = [name for name in artefact_signatures(args.signatures) if name in data.columns]
    if dropped:
        logger.info("left out %d possible sequencing-artefact signature(s) of %s (%s); "
                    "--include-artefacts keeps them", len(dropped), args.signatures,
                    ", ".join(dropped))
    return data.drop(columns=dropped)


def no_signatures(args: argparse.Namespace, matrix: Matrix) -> Matrix | None:
    """A --signatures table without a single signature column, as the discovery of a catalog
    too thin to factor writes (None for any other table): its rows must be the catalog's."""
    path = Path(args.signatures)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        head = handle.read(4096)
    # gzip, a zip (an Excel workbook) or any binary file: the table reader names it, with the fix
    if head.startswith((b"\x1f\x8b", b"PK\x03\x04")) or b"\x00" in head:
        return None
    with path.open(encoding="utf-8", errors="replace") as handle:
        header, first = handle.readline().rstrip("\r\n"), handle.readline()
    # the reader names an empty or ';'-separated table, or rows of values under a header
    # naming the label column alone: a skipped discovery's rows are labels alone (which may
    # hold spaces, as a generic matrix's 'gene 0')
    if not header.strip() or any(mark in header for mark in "\t,;") \
            or any(mark in first.strip() for mark in "\t,;"):
        return None
    from sigforge.cli._run_files import read_empty_table

    rows = read_empty_table(path).index
    if set(rows) != set(matrix.data.index):
        spaced = " " in header.strip()
        raise InputError(f"signatures {path}: a table without signature columns whose rows are "
                         f"not the catalog {matrix.path}'s features; give the signature table "
                         "of this catalog" + (" (if the file has signature columns, separate "
                                              "the columns with tabs or commas, not spaces)"
                                              if spaced else "") + ".")
    return Matrix(pd.DataFrame(index=matrix.data.index, columns=pd.Index([], dtype=object),
                               dtype=np.float64), matrix.channel_set, str(path))


def _own_output_note(signatures: str) -> str:
    """For a table sigforge extract wrote (its provenance.json beside it), how to rebuild it:
    a damaged one read as a user's table got advice for a user's table."""
    path = Path(signatures)
    if not (path.is_file() and (path.parent / "provenance.json").is_file()):
        return ""
    return (f" ({path} was written by sigforge extract, with the provenance.json beside it: "
            "if it was damaged since, delete it and rerun the step that writes it, "
            "select-rank or extract; the workflow rebuilds it when you delete it and run "
            "snakemake again.)")


def refit_signatures(args: argparse.Namespace, matrix: Matrix, checked: bool = True) -> Matrix:
    """The signature table for a catalog: same channel set, rows aligned to the catalog's
    features by label (any row order), columns rescaled to sum 1 where they do not (with a
    warning), restricted to --restrict-to. ``checked`` False: a set the command fits for its
    own checks (the patient page's wider refit), not the user's, whose conditioning is not
    warned of (the user's set would be said to hold 101 signatures where 3 were fitted)."""
    from sigforge._validation import feature_differences
    from sigforge.refit import normalise_signatures

    try:
        empty = no_signatures(args, matrix)
        if empty is not None:
            return empty
        if args.generic:
            check_generic_signatures(args.signatures)
            signatures = read_matrix(args.signatures)
        else:
            signatures = load_for_assay(args, args.signatures, matrix.channel_set or "SBS96",
                                         native=args.native_signatures)
    except InputError as err:
        raise InputError(f"{err}{_own_output_note(args.signatures)}") from err
    if signatures.channel_set != matrix.channel_set:
        raise InputError(f"signatures {signatures.path} ({signatures.channel_set or 'generic'}"
                         f") do not match the catalog {matrix.path} "
                         f"({matrix.channel_set or 'generic'}): "
                         + channel_set_fix(args, matrix, signatures))
    missing, extra = feature_differences(matrix.data.index, signatures.data.index)
    if missing or extra:
        hint = label_hint(args, matrix, signatures)
        raise InputError(f"signatures {signatures.path} and catalog {matrix.path} have "
                         f"different features: {len(missing)} catalog feature(s) missing from "
                         f"the signatures {missing[:5]}, {len(extra)} signature feature(s) not "
                         f"in the catalog {extra[:5]}. "
                         + (hint[:1].upper() + hint[1:]
                            or "Give the signatures one row per catalog feature, with the same "
                               "labels (rows may be in any order)."))
    try:
        data, rescaled = normalise_signatures(signatures.data)
    except ValueError as err:
        raise InputError(f"signatures {signatures.path}: {err}") from err
    if rescaled:
        log_rescaled(f"signatures {signatures.path}", rescaled,
                     "so exposures are in the catalog's units")
    restricted = restricted_names(args, data.columns, matrix.channel_set)
    data = data[restricted] if restricted is not None else drop_artefacts(args, data)
    if checked:
        check_distinct_signatures(data, signatures.path, args.method)
    if args.vcf:
        from sigforge.genomics.mutation_tables import check_signature_names

        check_signature_names(data.columns, f"signatures {signatures.path}")
    return Matrix(data.loc[matrix.data.index], signatures.channel_set, signatures.path)

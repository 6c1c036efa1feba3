"""Helpers shared by the stage commands: reading the input table, names, required files.

Generic reads go through :func:`sigforge.io.read_matrix`; mutation tables (channel sets
recognised) through :mod:`sigforge.genomics.tables`, imported only when needed.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from sigforge.io import (
    InputError,
    Matrix,
    read_matrix,
)

logger = logging.getLogger("sigforge.cli")


def read_table_matrix(path: str | Path, *, generic: bool = False) -> Matrix:
    """A catalog or signature table, channel sets recognised; with ``generic`` any matrix.

    The generic read imports nothing of :mod:`sigforge.genomics`, so that the generic commands
    run without the mutation layer.
    """
    if generic:
        return read_matrix(path)
    from sigforge.genomics.tables import read_catalog as read_mutation_table

    return read_mutation_table(path)


def read_input_catalog(path: str, generic: bool = False, drop_empty: bool = False) -> Matrix:
    """Read a catalog (or, with ``generic``, any matrix) and refuse one with no usable sample.

    ``drop_empty`` removes samples without a single mutation instead of refusing them (DBS78
    and ID83 catalogs often have some), naming each one in a warning.
    """
    return read_input_catalog_dropping(path, generic, drop_empty)[0]


def read_input_catalog_dropping(path: str, generic: bool = False, drop_empty: bool = False
                           ) -> tuple[Matrix, list[str]]:
    """:func:`read_input_catalog`, also returning the samples left out for having no mutations."""
    matrix = read_table_matrix(path, generic=generic)
    if matrix.data.shape[1] == 0:
        raise InputError(f"{path}: no sample columns.")
    empty = [str(c) for c in matrix.data.columns[matrix.data.sum(axis=0) == 0]]
    if empty and drop_empty and len(empty) < matrix.data.shape[1]:
        logger.warning("%s: %d sample(s) without mutations left out: %s", path, len(empty),
                       ", ".join(empty))
        return Matrix(matrix.data.drop(columns=empty), matrix.channel_set, matrix.path), empty
    if empty:
        raise InputError(f"{path}: sample(s) {empty[:5]} have no mutations in any channel; "
                         "remove their columns (for a workflow catalog: their rows of the "
                         "samples sheet; catalog_log.tsv says why their variants were "
                         "skipped), or give --drop-empty (extract, refit) to leave them out.")
    return matrix, []


def catalog_name(args: argparse.Namespace) -> str:
    """The catalog name keying random streams: --catalog-name or the file stem."""
    return args.catalog_name or Path(args.catalog).stem.split(".")[0]


EXTRACT_FILES = ["provenance.json", "signatures.tsv", "rank_metrics.tsv", "stability.tsv"]
REFIT_FILES = ["exposures.tsv", "reconstruction.tsv"]


def require_files(folder: Path, names: list[str], option: str, producer: str) -> None:
    """Name every missing input of a report at once, with the command that writes it."""
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{option} {folder}: {', '.join(missing)} not found. Give the folder "
                         f"written by '{producer} --out FOLDER', after that command finished.")

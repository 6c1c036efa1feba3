"""What a refit records of its inputs (``refit.json`` in its --out), and ``report``'s check of
it: the refit names its signatures only by their names, and a discovery's are letters
(``SBS96A``, ``SBS96B``) that another run (another seed) gives to other profiles, so exposures
of one run would be shown beside another run's signatures; and a catalog whose counts moved
between channels keeps every sample's burden, which is all the report could compare.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

import sigforge
from sigforge.cli._run_files import catalog_digest, file_digest
from sigforge.io import InputError, read_json

#: The file a refit writes beside its exposures.
RECORD = "refit.json"


def unordered_digest(data: pd.DataFrame) -> str:
    """:func:`catalog_digest` of ``data`` with its rows and columns sorted by label: a refit
    reads a catalog's rows in any order, and the report restricts it to the refit's samples."""
    return catalog_digest(data.loc[sorted(data.index, key=str), sorted(data.columns, key=str)])


def refit_record(args: argparse.Namespace, fitted: pd.DataFrame) -> dict[str, Any]:
    """The record of a refit of the catalog ``fitted`` (its samples refitted): the signature
    set as given and, for a file, the SHA-256 of its bytes; the method, assay and genome
    build; and the catalog's :func:`unordered_digest`."""
    given = Path(str(args.signatures))
    return {"sigforge": sigforge.__version__, "signatures": str(args.signatures),
            "signatures_sha256": file_digest(given) if given.is_file() else None,
            "method": args.method, "assay": getattr(args, "assay", None),
            "genome_build": None if args.generic else args.genome_build,
            "catalog_digest": unordered_digest(fitted)}


def check_refit_record(folder: Path, catalog: pd.DataFrame, source: Path,
                       signatures: Path | None = None) -> None:
    """Refuse a refit folder whose ``refit.json`` says it refitted other counts than
    ``catalog`` (the samples of its exposures, from ``source``), or, with ``signatures``,
    another signature table than that file. A folder without the record (written before it
    existed) is not checked."""
    path = folder / RECORD
    if not path.is_file():
        return
    record = read_json(path)  # a damaged file, or one not a JSON object, is named there
    digest = record.get("catalog_digest")
    if isinstance(digest, str) and digest != unordered_digest(catalog):
        raise InputError(f"{folder}: was refitted from other counts than {source} holds for "
                         f"its samples (the catalog digest in {path} differs, though every "
                         "burden may agree: counts moved between channels, or another "
                         "catalog). Rerun the refit on this catalog, or give the catalog it "
                         "was run on.")
    recorded = record.get("signatures_sha256")
    if signatures is not None and isinstance(recorded, str) \
            and recorded != file_digest(signatures):
        raise InputError(f"{folder}: was refitted to another signature table than {signatures} "
                         f"(its SHA-256 in {path} differs): the exposures are of another "
                         "discovery run's signatures, whose names (SBS96A, SBS96B, ...) another "
                         "run gives to other profiles. Rerun the refit with --signatures "
                         f"{signatures}, or give the extract folder it was run on.")

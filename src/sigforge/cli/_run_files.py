"""The run folders' intermediate files: replicate chunks, cross-validation files and rank
folders, written by one discovery step and read, checked, by the next.

A damaged or missing intermediate is named in an InputError with the fix (delete it and rerun:
the workflow rebuilds it on a plain rerun).
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.cli._common import rank_folder_number, read_table_matrix
from sigforge.discovery.pipeline import RankResult
from sigforge.io import (
    InputError,
    load_arrays,
    read_json,
    read_matrix,
    read_table,
    write_json,
    write_matrix,
    write_table,
)

logger = logging.getLogger(__name__)

#: Arrays every replicate chunk (``sigforge replicates``) and CV file (``cross-validate``) holds.
CHUNK_ARRAYS = ("replicate", "W", "H", "objective", "n_iter", "converged")
CV_ARRAYS = ("k", "fold", "error", "train", "converged")
#: Where a chunk file and a rank folder's metrics.json record the catalog they came from.
DIGEST_KEY = "catalog_digest"


def catalog_digest(data: pd.DataFrame) -> str:
    """SHA-256 of a catalog as factored: its feature and sample labels, in order, and its
    counts as float64. Recorded in every replicate chunk and rank folder so that the next
    step refuses a catalog with the same samples and channels but other counts (a recount,
    an edited file), which would otherwise pass its shape and label checks."""
    digest = hashlib.sha256()
    for labels in (data.index, data.columns):
        digest.update("\t".join(map(str, labels)).encode("utf-8"))
        digest.update(b"\n")
    digest.update(np.ascontiguousarray(data.to_numpy(dtype="<f8")).tobytes())
    return digest.hexdigest()


def read_intermediate(path: str | Path, read: Callable[[Path], Any], what: str) -> Any:
    """``read(path)``, or an InputError naming the damaged or missing file and the fix.

    Intermediates are written atomically, so a damaged one was truncated or overwritten
    afterwards; the workflow rebuilds a deleted one on a plain rerun.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} is missing; rerun the step that writes it (snakemake "
                         "rebuilds it on a plain rerun).")
    try:
        return read(path)
    except InputError as err:  # the reader's own message names the file; say what it is
        if str(path) in str(err):
            raise InputError(f"{what} {err}") from err
        raise InputError(f"{what} {path}: {err} Delete it and rerun - snakemake will rebuild "
                         "it.") from err
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        reason = str(err).replace(str(path), "").strip(": ") or type(err).__name__
        raise InputError(f"{what} {path} is damaged ({reason}); delete it and rerun - "
                         "snakemake will rebuild it.") from err


def load_checked_arrays(path: str | Path, names: tuple[str, ...], what: str
                         ) -> dict[str, np.ndarray]:
    """The arrays of an intermediate ``.npz``, all of ``names`` present, else an InputError."""
    arrays: dict[str, np.ndarray] = read_intermediate(path, load_arrays, what)
    missing = [name for name in names if name not in arrays]
    if missing:
        raise InputError(f"{what} {path} is damaged (no array {', '.join(missing)}; not written "
                         "by sigforge?); delete it and rerun - snakemake will rebuild it.")
    return arrays


def load_chunk(path: str, k: int, shape: tuple[int, int] | None = None,
               digest: str | None = None) -> dict[str, np.ndarray]:
    """One replicate chunk of rank k, checked to hold rank-k factors of a catalog of ``shape``
    (features, samples) when given, and of the catalog whose :func:`catalog_digest` is
    ``digest`` when given and the chunk records one (the record is removed)."""
    arrays = load_checked_arrays(path, CHUNK_ARRAYS, "chunk file")
    recorded = arrays.pop(DIGEST_KEY, None)
    if arrays["W"].ndim != 3 or arrays["W"].shape[2] != k:
        raise InputError(f"chunk file {path} holds factors of shape {arrays['W'].shape}, not "
                         f"rank {k}; delete it and rerun - snakemake will rebuild it.")
    found = (arrays["W"].shape[1], arrays["H"].shape[-1] if arrays["H"].ndim == 3 else -1)
    if shape is not None and found != shape:
        raise InputError(f"chunk file {path} was factored from a catalog of {found[0]} features "
                         f"x {found[1]} samples, not this catalog's {shape[0]} x {shape[1]} "
                         "(a chunk of another catalog or an older run); delete it and rerun "
                         "'replicates' on this catalog - snakemake will rebuild it.")
    if digest is not None and recorded is not None and str(recorded) != digest:
        raise InputError(f"chunk file {path} was factored from a catalog with the same samples "
                         "and features but other counts (a recounted or edited catalog, or an "
                         "older run); delete it and rerun 'replicates' on this catalog - "
                         "snakemake will rebuild it.")
    return arrays


def write_rank_dir(result: RankResult, folder: Path, digest: str | None = None) -> None:
    """Write one rank's signatures, exposures, stability and metrics (with the factored
    catalog's :func:`catalog_digest` when given)."""
    write_matrix(result.signatures, folder / "signatures.tsv")
    write_matrix(result.exposures, folder / "exposures.tsv", label="Signature")
    write_table(result.stability, folder / "stability.tsv")
    recorded = {DIGEST_KEY: digest} if digest is not None else {}
    write_json({"k": result.k, **result.metrics, **recorded}, folder / "metrics.json")


def rank_dir_digest(folder: Path) -> str | None:
    """The catalog digest a rank folder's metrics.json records (None: it records none, e.g.
    a folder of a skipped catalog or of an older version)."""
    metrics = read_intermediate(folder / "metrics.json", read_json, "rank metrics file")
    value = metrics.get(DIGEST_KEY) if isinstance(metrics, dict) else None
    return str(value) if value is not None else None


def read_rank_dir(folder: Path, generic: bool = False) -> RankResult:
    """Read back what :func:`write_rank_dir` wrote; a damaged file is named in an InputError.

    The folder of a skipped catalog (metrics.json says why) holds tables without signatures,
    read as such."""
    metrics = read_intermediate(folder / "metrics.json", read_json, "rank metrics file")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("k"), int):
        raise InputError(f"rank metrics file {folder / 'metrics.json'} is damaged (no rank 'k');"
                         " delete it and rerun - snakemake will rebuild it.")
    k = int(metrics.pop("k"))
    metrics.pop(DIGEST_KEY, None)  # checked by select-rank (rank_dir_digest), not a metric
    if "skipped" in metrics:
        return RankResult(k, *(read_intermediate(folder / name, read_empty_table, "rank table")
                               for name in ("signatures.tsv", "exposures.tsv",
                                            "stability.tsv")), metrics)
    signatures = read_intermediate(folder / "signatures.tsv",
                                    lambda p: read_table_matrix(p, generic=generic), "rank table")
    exposures = read_intermediate(folder / "exposures.tsv",
                                   read_matrix, "rank table")
    stability = read_intermediate(folder / "stability.tsv", read_table, "rank table")
    _check_stability(stability, list(signatures.data.columns), folder / "stability.tsv")
    return RankResult(k, signatures.data, exposures.data, stability, metrics)


def _check_stability(table: pd.DataFrame, names: list[str], path: Path) -> None:
    """A rank folder's stability.tsv names the folder's signatures, each with a silhouette
    in [-1, 1] (the rank rule leaves components out, and adds them, by these)."""
    fix = "delete it and rerun - snakemake will rebuild it."
    if "stability" not in table.columns:
        raise InputError(f"rank table {path} is damaged (no column 'stability'); {fix}")
    if [str(name) for name in table.index] != [str(name) for name in names]:
        raise InputError(f"rank table {path} is damaged: it lists the components "
                         f"{list(map(str, table.index))}, its signatures.tsv {names}; {fix}")
    values = pd.to_numeric(table["stability"], errors="coerce")
    bad = ~values.between(-1.0, 1.0)
    if bad.any():
        name = table.index[int(np.flatnonzero(bad.to_numpy())[0])]
        raise InputError(f"rank table {path} is damaged: the stability of {name} is "
                         f"{table['stability'][name]!r}, not a silhouette in [-1, 1]; {fix}")
    table["stability"] = values


def read_empty_table(path: Path) -> pd.DataFrame:
    """A table that may have no value column or no row (the tables of a skipped catalog)."""
    return pd.read_csv(path, sep="\t", index_col=0, dtype={0: str})


def read_cv(paths: list[str], ranks: list[int]) -> dict[int, dict[str, np.ndarray]]:
    """Per-rank CV results from 'cross-validate' files, keyed by rank: one file per rank of
    ``ranks``, no file of another rank."""
    results, source = {}, {}
    for path in paths:
        arrays = load_checked_arrays(path, CV_ARRAYS, "cross-validation file")
        k = int(arrays.pop("k"))
        if k in source or k not in ranks:
            problem = (f"rank {k} is also in {source[k]}" if k in source
                       else f"rank {k} is not among the --rank-dirs ranks {ranks}")
            raise InputError(f"--cv {path}: {problem}; give one 'cross-validate' file per rank "
                             "of this run.")
        results[k], source[k] = arrays, path
    missing = [k for k in ranks if k not in results]
    if results and missing:
        raise InputError(f"--cv: no cross-validation file for ranks {missing} (given: "
                         f"{', '.join(paths)}); give one 'cross-validate' file per rank, or "
                         "none at all.")
    return results


def read_rank_dirs(folders: list[str], generic: bool) -> list[RankResult]:
    """The rank directories of --rank-dirs, each rank once."""
    results: list[RankResult] = []
    for folder in folders:
        _check_is_rank_dir(Path(folder))
        result = read_rank_dir(Path(folder), generic)
        other = next((f for f, r in zip(folders, results, strict=False) if r.k == result.k),
                     None)
        if other is not None:
            raise InputError(f"--rank-dirs: {folder} and {other} both hold rank k={result.k}; "
                             "give one directory per rank.")
        results.append(result)
    return results


def _rank_subfolders(folder: Path) -> list[Path]:
    """The rank folders (``k{k}``, k in digits 0-9) right under ``folder``, by rank."""
    found = [(rank_folder_number(d.name), d) for d in folder.glob("k*") if d.is_dir()]
    return [d for k, d in sorted((k, d) for k, d in found if k is not None)]


def _check_is_rank_dir(folder: Path) -> None:
    """Refuse a --rank-dirs entry without metrics.json that holds rank folders itself (the
    folder of 'sigforge extract --out', or its root holding one folder per mutation type):
    name the ``k{k}`` folders to give instead of calling its metrics.json missing."""
    if (folder / "metrics.json").exists() or not folder.is_dir():
        return
    ranks, inside = _rank_subfolders(folder), ""
    if not ranks:
        nested = [(d, _rank_subfolders(d)) for d in sorted(folder.iterdir()) if d.is_dir()]
        nested = [(d, found) for d, found in nested if found]
        if not nested:
            return
        ranks, inside = nested[0][1], f" (in {nested[0][0]})"
        if len(nested) > 1:
            others = ", ".join(str(d) for d, _ in nested[1:])
            inside = (f" (in {nested[0][0]}; {others} hold rank folders too: give the rank "
                      "folders of one mutation type at a time)")
    shown = ", ".join(d.name for d in ranks)
    raise InputError(f"--rank-dirs {folder}: is not a rank folder (it has no metrics.json), "
                     f"but it holds the rank folders {shown}{inside}. Give those rank folders "
                     f"instead: --rank-dirs {' '.join(str(d) for d in ranks)}.")


def warn_other_rank_folders(out: Path, ranks: list[int]) -> None:
    """Say so when --out holds rank folders of an earlier run with other --ranks: they are
    left alone (they may be wanted), and the report shows only this run's ranks."""
    found = (rank_folder_number(d.name) for d in out.glob("k*") if d.is_dir())
    others = sorted(k for k in found if k is not None and k not in ranks)
    if others:
        logger.warning("%s holds rank folder(s) %s of an earlier run with other --ranks; this "
                       "run's are k%s. They are left as they were and the report ignores "
                       "them; delete them, or use a fresh --out, to avoid mixing runs.", out,
                       ", ".join(f"k{k}" for k in others), ", k".join(map(str, ranks)))

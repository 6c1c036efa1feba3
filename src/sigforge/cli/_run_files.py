"""The run folders' intermediate files: replicate chunks, cross-validation files and rank
folders, written by one discovery step and read, checked, by the next.

A damaged or missing intermediate is named in an InputError with the fix (delete it and rerun:
the workflow rebuilds it on a plain rerun).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge._errors import check_regular_file
from sigforge.cli._chunk_checks import check_chunk_arrays
from sigforge.cli._common import read_table_matrix
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
#: Where a chunk or CV file records the settings its factorisations depend on (a JSON object:
#: seed, catalog name and the NMF or CV options), so that the next step refuses a mixture; a
#: rank folder's metrics.json records its chunks' settings under the same key.
SETTINGS_KEY = "run_settings"
#: Where a rank folder's metrics.json records the SHA-256 of each of its tables, so that a table
#: edited, or copied in from another run or seed, is refused rather than read as this rank's.
TABLES_KEY = "table_digests"
#: The tables of a rank folder.
RANK_TABLES = ("signatures.tsv", "exposures.tsv", "stability.tsv")
#: The first bytes of every .npz (a zip archive).
_ZIP_MAGIC = b"PK\x03\x04"


def settings_record(settings: dict[str, Any]) -> np.ndarray:
    """The :data:`SETTINGS_KEY` array of a chunk or CV file: ``settings`` as sorted JSON text
    (deterministic bytes for the same settings)."""
    return np.array(json.dumps(settings, sort_keys=True))


def recorded_settings(path: str | Path, arrays: dict[str, np.ndarray], what: str
                       ) -> dict[str, Any] | None:
    """The settings an intermediate records, removed from ``arrays`` (None: a file written
    before sigforge recorded them, which is read as before)."""
    recorded = arrays.pop(SETTINGS_KEY, None)
    if recorded is None:
        return None
    try:
        settings = json.loads(str(recorded))
    except ValueError:
        settings = None
    if not isinstance(settings, dict):
        raise InputError(f"{what} {path} is damaged (its '{SETTINGS_KEY}' record is not a JSON "
                         "object); delete it and rerun - snakemake will rebuild it.")
    return settings


#: The command-line options of the CV settings whose names differ from their field's.
CV_FLAGS = {"folds": "--cv-folds", "holdout": "--cv-holdout", "starts": "--cv-starts",
            "max_iter": "--cv-max-iter", "scheme": "--cv-scheme", "block": "--cv-block"}


def _option_name(key: str, flags: dict[str, str]) -> str:
    """The command-line spelling of a recorded setting: ``flags[key]``, else ``max_iter`` ->
    ``--max-iter``."""
    return flags.get(key, "--" + key.replace("_", "-"))


def check_same_settings(paths: list[str], settings: list[dict[str, Any] | None],
                        what: str, flags: dict[str, str] | None = None) -> None:
    """Refuse intermediates of one step made with different settings (another seed, catalog
    name, --max-iter, --normalisation, ...), naming two files and the first setting that
    differs (its option spelled as in ``flags``). Only settings both files record are
    compared (older files record none)."""
    known = [(path, found) for path, found in zip(paths, settings, strict=True)
             if found is not None]
    if not known:
        return
    if len(known) < len(paths):  # an older version's file beside this version's
        bare = next(path for path, found in zip(paths, settings, strict=True) if found is None)
        raise InputError(
            f"{what} {bare} records no run settings while {known[0][0]} does: they were "
            "written by different sigforge versions, and nothing shows they are of one run "
            "(catalog, seed, options). Delete the older files and rerun them with the same "
            "options (snakemake rebuilds them on a plain rerun).")
    first_path, first = known[0]
    for path, found in known[1:]:
        for key in sorted(set(first) & set(found)):
            if first[key] != found[key]:
                option = _option_name(key, flags or {})
                raise InputError(
                    f"{what}s {first_path} and {path} were made with different settings: "
                    f"{option} {first[key]!r} in {first_path}, {found[key]!r} in {path}. One "
                    "result must come from one run's settings: delete the files of the other "
                    "run and rerun them with the same options (snakemake rebuilds them on a "
                    "plain rerun).")


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
    check_regular_file(path, f"{what} {path}")
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


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz``; a file that is not a zip archive at all (a table, a JSON
    file, random bytes given by mistake) is refused as such, not as a damaged one of ours."""
    with open(path, "rb") as handle:
        start = handle.read(len(_ZIP_MAGIC))
    if start and start != _ZIP_MAGIC:
        kind = "text" if start.isascii() and start.decode("ascii").isprintable() else "bytes"
        raise InputError(f"{path}: is not an .npz file written by sigforge (it starts with "
                         f"{kind}, not a zip archive's header); give the files the discovery "
                         "step wrote (a catalog or table given here by mistake?).")
    return load_arrays(path)


def load_checked_arrays(path: str | Path, names: tuple[str, ...], what: str
                         ) -> dict[str, np.ndarray]:
    """The arrays of an intermediate ``.npz``, all of ``names`` present, else an InputError."""
    arrays: dict[str, np.ndarray] = read_intermediate(path, _load_npz, what)
    missing = [name for name in names if name not in arrays]
    kind = next((kind for kind, keys in _NPZ_KINDS.items()
                 if keys != names and all(key in arrays for key in keys)), None)
    if missing and kind is not None:
        raise InputError(f"{what} {path}: is {kind}, not a {what}; give the {what}s this "
                         "command reads (the files were probably listed in the wrong option).")
    if missing:
        raise InputError(f"{what} {path} is damaged (no array {', '.join(missing)}; not written "
                         "by sigforge?); delete it and rerun - snakemake will rebuild it.")
    return arrays


#: The .npz files of the staged discovery, by the arrays each holds, for naming one given
#: where another is read.
_NPZ_KINDS = {"a replicate chunk of 'sigforge replicates'": CHUNK_ARRAYS,
              "a cross-validation file of 'sigforge cross-validate'": CV_ARRAYS}


def load_chunks(paths: list[str], k: int, shape: tuple[int, int] | None = None,
                digest: str | None = None
                ) -> tuple[list[dict[str, np.ndarray]], dict[str, Any] | None]:
    """The replicate chunks of one rank (:func:`load_chunk`), checked to come from one run's
    settings (:func:`check_same_settings`) and to hold replicates 0..R-1 once each
    (:func:`check_chunk_cover`), and those settings (sorted by key; None: no chunk records
    them, chunks of an older version). The settings records are removed from the chunks."""
    chunks, settings = [], []
    for path in paths:
        arrays = load_chunk(path, k, shape, digest)
        settings.append(recorded_settings(path, arrays, "chunk file"))
        chunks.append(arrays)
    check_same_settings(paths, settings, "chunk file")
    check_chunk_cover(paths, chunks)
    known = [found for found in settings if found is not None]
    return chunks, (dict(sorted(known[0].items())) if known else None)


def load_chunk(path: str, k: int, shape: tuple[int, int] | None = None,
               digest: str | None = None) -> dict[str, np.ndarray]:
    """One replicate chunk of rank k, checked to hold rank-k factors of a catalog of ``shape``
    (features, samples) when given, and of the catalog whose :func:`catalog_digest` is
    ``digest`` when given and the chunk records one (the record is removed)."""
    arrays = load_checked_arrays(path, CHUNK_ARRAYS, "chunk file")
    recorded = arrays.pop(DIGEST_KEY, None)
    if arrays["W"].ndim == 3 and arrays["W"].shape[2] != k:
        rank = arrays["W"].shape[2]
        raise InputError(f"chunk file {path} holds rank-{rank} factors, not rank {k}: give "
                         f"--k {rank} for it, or the chunks of rank {k} (a chunk of another "
                         "rank listed by mistake?).")
    if arrays["W"].ndim != 3:
        raise InputError(f"chunk file {path} holds factors of shape {arrays['W'].shape}, not "
                         f"rank {k}; delete it and rerun - snakemake will rebuild it.")
    check_chunk_arrays(path, arrays, k)
    found = (arrays["W"].shape[1], arrays["H"].shape[-1] if arrays["H"].ndim == 3 else -1)
    if shape is not None and found != shape:
        raise InputError(f"chunk file {path} was factored from a catalog of {found[0]} features "
                         f"x {found[1]} samples, not this catalog's {shape[0]} x {shape[1]} "
                         "(a chunk of another catalog or an older run); delete it and rerun "
                         "'replicates' on this catalog - snakemake will rebuild it.")
    if digest is not None and recorded is not None and str(recorded) != digest:
        raise InputError(f"chunk file {path} was factored from another catalog of this shape "
                         "(other sample or channel names, another order of them, or other "
                         "counts: a recounted or edited catalog, --generic given to one step "
                         "only, or an older run); delete it and rerun 'replicates' on this "
                         "catalog - snakemake will rebuild it.")
    return arrays


def _same_file(first: str, second: str) -> bool:
    """Whether two paths name one file (another spelling, a link, or a hard link)."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _spans(indices: list[int]) -> str:
    """Sorted whole numbers as ranges: [0, 1, 2, 5] -> '0-2, 5'."""
    spans: list[list[int]] = []
    for index in indices:
        if spans and index == spans[-1][1] + 1:
            spans[-1][1] = index
        else:
            spans.append([index, index])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def check_chunk_cover(paths: list[str], chunks: list[dict[str, np.ndarray]]) -> None:
    """Refuse chunks that do not hold replicates 0..R-1 exactly once each, naming the files:
    one file given twice, two chunks holding the same replicate (chunks of different splits),
    or replicates no chunk holds (a chunk missing)."""
    for i, first in enumerate(paths):
        twin = next((other for other in paths[i + 1:] if _same_file(first, other)), None)
        if twin is not None:
            which = (f"{first} is given twice" if twin == first
                     else f"{first} and {twin} are the same file, given twice")
            raise InputError(f"--chunks: {which}; give each chunk once.")
    owner: dict[int, str] = {}
    for path, chunk in zip(paths, chunks, strict=True):
        for replicate in (int(r) for r in np.asarray(chunk["replicate"]).ravel()):
            if replicate in owner:
                raise InputError(f"--chunks: replicate {replicate} is in both {owner[replicate]} "
                                 f"and {path} (chunks of different splits?); give chunks that "
                                 "hold each replicate once: delete the stale ones and rerun.")
            owner[replicate] = path
    missing = sorted(set(range(max(owner, default=-1) + 1)) - set(owner))
    if missing or (owner and min(owner) < 0):
        raise InputError(f"--chunks: replicates {_spans(missing) or 'below 0'} are in none of "
                         f"the chunks given ({', '.join(paths)}); give every chunk of the rank "
                         "(replicates 0 to R-1), rerunning 'replicates' for those missing.")


def write_rank_dir(result: RankResult, folder: Path, digest: str | None = None,
                   settings: dict[str, Any] | None = None) -> None:
    """Write one rank's signatures, exposures, stability and metrics (with the factored
    catalog's :func:`catalog_digest` and the chunks' settings - seed, catalog name, NMF
    options - when given: ``select-rank`` records them in its provenance)."""
    write_matrix(result.signatures, folder / "signatures.tsv")
    write_matrix(result.exposures, folder / "exposures.tsv", label="Signature")
    write_table(result.stability, folder / "stability.tsv")
    recorded: dict[str, Any] = {DIGEST_KEY: digest} if digest is not None else {}
    if settings is not None:
        recorded[SETTINGS_KEY] = settings
    recorded[TABLES_KEY] = {name: file_digest(folder / name) for name in RANK_TABLES}
    write_json({"k": result.k, **result.metrics, **recorded}, folder / "metrics.json")


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_table_digests(folder: Path, recorded: object, names: tuple[str, ...] = RANK_TABLES
                        ) -> None:
    """Refuse a rank folder table of ``names`` whose bytes differ from the SHA-256 its
    metrics.json records (``recorded``: None for a folder written before they were recorded,
    read as before): edited by hand, or copied in from another run, seed or rank."""
    if recorded is None:
        return
    if not isinstance(recorded, dict):
        raise InputError(f"rank metrics file {folder / 'metrics.json'} is damaged (its "
                         f"'{TABLES_KEY}' record is not a JSON object); delete the folder and "
                         "rerun its replicates and consensus - snakemake will rebuild it.")
    for name in names:
        path = folder / name
        if name in recorded and path.is_file() and file_digest(path) != recorded[name]:
            raise InputError(
                f"rank folder {folder}: {name} is not the table consensus wrote there (its "
                "bytes differ from the SHA-256 metrics.json records: edited, or copied in "
                "from another run, seed or rank); delete the folder and rerun its replicates "
                "and consensus - snakemake will rebuild it.")


def rank_dir_digest(folder: Path) -> str | None:
    """A rank folder's recorded catalog digest (None: a skipped catalog's, or an older one)."""
    metrics = read_intermediate(folder / "metrics.json", read_json, "rank metrics file")
    value = metrics.get(DIGEST_KEY) if isinstance(metrics, dict) else None
    return str(value) if value is not None else None


def read_rank_dir(folder: Path, generic: bool = False) -> RankResult:
    """Read back what :func:`write_rank_dir` wrote; a damaged file is named in an InputError.

    The folder of a skipped catalog (metrics.json says why) holds tables without signatures,
    read as such."""
    metrics = read_intermediate(folder / "metrics.json", read_json, "rank metrics file")
    k = _recorded_rank(folder, metrics)
    metrics.pop("k")
    metrics.pop(DIGEST_KEY, None)  # checked by select-rank (rank_dir_digest), not a metric
    metrics.pop(SETTINGS_KEY, None)  # read by select-rank (discovery_settings), not a metric
    digests = metrics.pop(TABLES_KEY, None)  # checked once the tables' own checks pass
    if "skipped" in metrics:
        check_table_digests(folder, digests)
        return RankResult(k, *(read_intermediate(folder / name, read_empty_table, "rank table")
                               for name in RANK_TABLES), metrics)
    signatures = read_intermediate(folder / "signatures.tsv",
                                    lambda p: _rank_signatures(p, generic), "rank table")
    exposures = read_intermediate(folder / "exposures.tsv",
                                   read_matrix, "rank table")
    stability = read_intermediate(folder / "stability.tsv", read_table, "rank table")
    _check_rank_tables(folder, k, signatures.data, exposures.data)
    _check_stability(stability, list(signatures.data.columns), folder / "stability.tsv")
    check_table_digests(folder, digests)
    return RankResult(k, signatures.data, exposures.data, stability, metrics)


def _rank_signatures(path: Path, generic: bool) -> Any:
    """A rank folder's signatures.tsv; channels not of a known set (cut short, edited) are
    damage to name, not a catalog to read with --generic as the catalog reader advises."""
    try:
        return read_table_matrix(path, generic=generic)
    except InputError as err:
        first = str(err).split(". ")[0].removeprefix(f"{path}: ")
        raise InputError(f"{path} is damaged ({first}); delete the rank folder and rerun its "
                         "replicates and consensus - snakemake will rebuild it.") from err


#: Ranks a rank folder may hold (as ``check_rank`` bounds the commands' --k).
_MAX_RANK = 1000


def _recorded_rank(folder: Path, metrics: object) -> int:
    """The rank 'k' a rank folder's metrics.json records: a whole number in [1, 1000] (not
    true, 3.0 or text), else an InputError naming the file."""
    value = metrics.get("k") if isinstance(metrics, dict) else None
    if not isinstance(metrics, dict) or "k" not in metrics:
        problem = "no rank 'k'"
    elif isinstance(value, bool) or not isinstance(value, int):
        problem = f"its rank 'k' is {value!r}, not a whole number"
    elif not 1 <= value <= _MAX_RANK:
        problem = f"its rank 'k' is {value}, not a rank in [1, {_MAX_RANK}]"
    else:
        return value
    raise InputError(f"rank metrics file {folder / 'metrics.json'} is damaged ({problem}); "
                     "delete it and rerun - snakemake will rebuild it.")


def _check_rank_tables(folder: Path, k: int, signatures: pd.DataFrame,
                       exposures: pd.DataFrame) -> None:
    """A rank folder holds k signatures (metrics.json's k) and exposures of exactly those
    signatures: a file copied from another rank's folder would mix two ranks."""
    fix = ("a file of another rank's folder? Delete the folder and rerun its replicates and "
           "consensus - snakemake will rebuild it.")
    names = [str(c) for c in signatures.columns]
    sums = signatures.to_numpy(dtype=np.float64).sum(axis=0)
    if signatures.size and not np.allclose(sums, 1.0, atol=1e-3):
        raise InputError(f"rank folder {folder}: signatures.tsv is damaged: its columns sum to "
                         f"{', '.join(f'{v:.3g}' for v in sums[:4])}, not 1 (cut short, or "
                         "edited?); delete the folder and rerun its replicates and consensus - "
                         "snakemake will rebuild it.")
    if len(names) != k:
        raise InputError(f"rank folder {folder}: metrics.json says k={k} but signatures.tsv "
                         f"holds {len(names)} signatures ({fix})")
    rows = [str(r) for r in exposures.index]
    if rows != names:
        raise InputError(f"rank folder {folder}: exposures.tsv has the rows {rows[:6]}, not the "
                         f"signatures {names[:6]} of signatures.tsv ({fix})")


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

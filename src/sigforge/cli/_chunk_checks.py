"""Checks of a replicate chunk's arrays (``sigforge replicates``' ``.npz``) before ``consensus``
clusters them: consistent shapes, whole-number replicate indices and counts, and factors that
are finite and nonnegative.

A chunk is written atomically, so an array that fails here was edited or crafted after the
fact (a file that still passes the zip archive's checksums): a negated W or a NaN would
otherwise be clustered into the consensus signatures, and an array of the wrong length fail
deep inside the clustering with an index error. Split from :mod:`sigforge.cli._run_files`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sigforge.io import InputError

#: The fix of a damaged chunk, as for any damaged intermediate.
_FIX = "delete it and rerun 'replicates' - snakemake will rebuild it."
#: The per-replicate arrays of a chunk besides the factors, with the kind of values each holds.
_PER_REPLICATE = {"replicate": "whole numbers >= 0", "objective": "finite numbers",
                  "n_iter": "whole numbers >= 0", "converged": "true/false values"}


def check_chunk_arrays(path: str | Path, arrays: dict[str, np.ndarray], k: int) -> None:
    """Refuse a rank-k chunk whose arrays do not fit together or hold impossible values,
    naming the file and the array: W must be (R, features, k) and H (R, k, samples), both
    finite and nonnegative; replicate, objective, n_iter and converged one value per
    replicate, of their kind. A chunk of a catalog not factored (``--skip-unfactorable``) is
    named as such."""
    if "skipped" in arrays:
        raise InputError(f"chunk file {path} says its catalog was not factored "
                         f"({arrays['skipped']}): it comes from a run with --skip-unfactorable "
                         "and cannot be merged with chunks of factored replicates. Give the "
                         "chunks of one run (a consensus of a skipped catalog is given "
                         "--skip-unfactorable too).")
    W, H = arrays["W"], arrays["H"]
    replicates = W.shape[0] if W.ndim == 3 else -1
    if W.ndim != 3 or H.ndim != 3 or H.shape[:2] != (replicates, k):
        _damaged(path, f"W has shape {W.shape} and H {H.shape}, not (R, features, {k}) and "
                       f"(R, {k}, samples) of the same R")
    for name, kind in _PER_REPLICATE.items():
        values = np.asarray(arrays[name])
        if values.shape != (replicates,):
            _damaged(path, f"'{name}' holds {values.size} value(s) in shape {values.shape}, "
                           f"not one per replicate ({replicates})")
        if not _of_kind(values, name):
            _damaged(path, f"'{name}' holds {_shown(values)}, not {kind}")
    for name, factor in (("W", W), ("H", H)):
        if not np.issubdtype(factor.dtype, np.floating) and factor.dtype.kind not in "iu":
            _damaged(path, f"'{name}' holds {factor.dtype} values, not numbers")
        bad = ~np.isfinite(factor) | (factor < 0)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            _damaged(path, f"'{name}' holds {factor[where]} at {where}: factors are finite "
                           "and nonnegative")
    empty = np.argwhere(~(W.sum(axis=1) > 0))  # (replicate, component) of all-zero columns
    if empty.size:
        replicate, component = (int(i) for i in empty[0])
        _damaged(path, f"'W' of replicate {replicate} has an all-zero component {component}, "
                       "which 'replicates' never writes (it writes an emptied component as a "
                       "flat one)")


def _of_kind(values: np.ndarray, name: str) -> bool:
    """Whether a per-replicate array holds the kind of values ``name`` holds."""
    if name == "converged":
        return values.dtype == np.bool_
    if name == "objective":
        return values.dtype.kind == "f" and bool(np.isfinite(values).all())
    if values.dtype.kind not in "iu":
        return False
    return bool((values >= 0).all())


def _shown(values: np.ndarray) -> str:
    """A per-replicate array's values in a few words: the first that is not finite, else
    the first values and their type."""
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return f"{values[~np.isfinite(values)][0]}"
    return f"{values.dtype} values {values[:3].tolist()}"


def _damaged(path: str | Path, problem: str) -> None:
    """Raise the InputError of a damaged chunk: the file, what is wrong in it and the fix."""
    raise InputError(f"chunk file {path} is damaged ({problem}); {_FIX}")

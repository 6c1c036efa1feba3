"""The cross-validation files of ``sigforge cross-validate``, read back by ``select-rank``.

Their held-out errors decide the rank when no rank is stable, and veto a stable rank that
predicts worse, so a file whose contents are not what ``cross-validate`` writes (a NaN error,
another fold count, a fold repeated, a fractional rank) would silently change the rank rule;
each is refused here, naming the file and the fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sigforge.cli._run_files import (
    CV_ARRAYS,
    CV_FLAGS,
    DIGEST_KEY,
    check_same_settings,
    load_checked_arrays,
    recorded_settings,
)
from sigforge.io import InputError

#: What a damaged CV file's message ends with.
_REBUILD = "delete it and rerun 'cross-validate' - snakemake will rebuild it."


def read_cv(paths: list[str], ranks: list[int], digest: str | None = None
            ) -> tuple[dict[int, dict[str, np.ndarray]], dict[str, Any] | None]:
    """Per-rank CV results from 'cross-validate' files, keyed by rank: one file per rank of
    ``ranks``, no file of another rank, each holding what ``cross-validate`` writes
    (:func:`check_cv_arrays`), all of one run's CV settings (folds, scheme, ...:
    :func:`check_same_settings`) and folds and, where they record one, of the catalog whose
    :func:`catalog_digest` is ``digest`` (the rank folders'; None: not checked); and those
    settings (None: no file, or files of an older version)."""
    results: dict[int, dict[str, np.ndarray]] = {}
    source: dict[int, str] = {}
    settings: list[dict[str, Any] | None] = []
    for path in paths:
        arrays = load_checked_arrays(path, CV_ARRAYS, "cross-validation file")
        k = _recorded_k(path, arrays.pop("k"))
        if k in source or k not in ranks:
            problem = (f"rank {k} is also in {source[k]}" if k in source
                       else f"rank {k} is not among the --rank-dirs ranks {ranks}")
            raise InputError(f"--cv {path}: {problem}; give one 'cross-validate' file per rank "
                             "of this run.")
        _check_cv_digest(path, arrays.pop(DIGEST_KEY, None), digest)
        settings.append(recorded_settings(path, arrays, "cross-validation file"))
        check_cv_arrays(path, arrays, settings[-1])
        results[k], source[k] = arrays, path
    check_same_settings(paths, settings, "cross-validation file", CV_FLAGS)
    _check_same_folds(results, source)
    missing = [k for k in ranks if k not in results]
    if results and missing:
        raise InputError(f"--cv: no cross-validation file for ranks {missing} (given: "
                         f"{', '.join(paths)}); give one 'cross-validate' file per rank, or "
                         "none at all.")
    return results, next((found for found in settings if found is not None), None)


def _recorded_k(path: str, value: np.ndarray) -> int:
    """A CV file's rank: one whole number (not 3.5, true or text), else an InputError."""
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "iu":
        raise InputError(f"cross-validation file {path} is damaged (its rank 'k' is "
                         f"{array.tolist()!r}, not a whole number); {_REBUILD}")
    return int(array)


def check_cv_arrays(path: str, arrays: dict[str, np.ndarray],
                    settings: dict[str, Any] | None) -> None:
    """Refuse a CV file whose folds are not what ``cross-validate`` writes: one fold index,
    held-out error, training error and convergence flag per fold, the folds numbered
    0..F-1 once each (F the file's recorded --cv-folds when it records it), the errors
    finite deviances (>= 0). A file of a catalog that was not factored (it says why) is
    refused too: the rank folders were factored, so it is of another run."""
    if "skipped" in arrays:
        raise InputError(f"--cv {path}: says the catalog was not cross-validated "
                         f"({arrays['skipped']}), but the --rank-dirs factored it: files of "
                         f"two runs; {_REBUILD}")
    lengths = {name: np.asarray(arrays[name]).shape for name in CV_ARRAYS if name != "k"}
    if any(len(shape) != 1 for shape in lengths.values()) or \
            len(set(lengths.values())) != 1:
        _damaged(path, "its arrays fold, error, train and converged are not one value per "
                 "fold each: " + ", ".join(f"{name} {shape}" for name, shape in lengths.items()))
    folds = np.asarray(arrays["fold"])
    expected = settings.get("folds") if settings is not None else None
    if folds.dtype.kind not in "iu" or np.asarray(arrays["converged"]).dtype != np.bool_:
        _damaged(path, "its fold numbers or convergence flags are not of the types "
                 "'cross-validate' writes")
    if sorted(folds.tolist()) != list(range(folds.size)) or folds.size < 2 or (
            isinstance(expected, int) and folds.size != expected):
        wanted = f"{expected} folds" if isinstance(expected, int) else "folds"
        _damaged(path, f"it holds the folds {folds.tolist()[:8]}, not {wanted} numbered from "
                 "0 once each")
    for name in ("error", "train"):
        values = np.asarray(arrays[name])
        if values.dtype.kind != "f" or not (np.isfinite(values) & (values >= 0)).all():
            _damaged(path, f"its {name} values {values.tolist()[:6]} are not deviances "
                     "(finite numbers >= 0)")


def _damaged(path: str, problem: str) -> None:
    """Raise the InputError of a damaged CV file."""
    raise InputError(f"cross-validation file {path} is damaged ({problem}); {_REBUILD}")


def _check_same_folds(results: dict[int, dict[str, np.ndarray]], source: dict[int, str]
                      ) -> None:
    """Every rank's file holds the same folds: the rank rule compares ranks fold by fold."""
    first = None
    for k, arrays in results.items():
        folds = sorted(np.asarray(arrays["fold"]).tolist())
        if first is None:
            first = (k, folds)
        elif folds != first[1]:
            raise InputError(
                f"--cv {source[k]} holds {len(folds)} folds, {source[first[0]]} "
                f"{len(first[1])}: the ranks must be cross-validated with the same --cv-folds; "
                "delete the files of the other run and rerun 'cross-validate' with one "
                "--cv-folds.")


def _check_cv_digest(path: str, recorded: np.ndarray | None, digest: str | None) -> None:
    """Refuse a CV file of another catalog than the rank folders' (both record a digest)."""
    if digest is not None and recorded is not None and str(recorded) != digest:
        raise InputError(f"--cv {path}: was cross-validated on another catalog than the one the "
                         "--rank-dirs were factored from (other samples or counts: a recounted "
                         "or edited catalog, or an older run); delete it and rerun "
                         "'cross-validate' on the rank folders' catalog.")

"""The rank folders ``select-rank`` reads (--rank-dirs): each a folder ``consensus`` wrote,
named after the rank it holds, each rank once; a folder of rank folders given by mistake is
answered with the folders to give instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sigforge.cli._common import rank_folder_number
from sigforge.cli._run_files import read_rank_dir
from sigforge.discovery.pipeline import RankResult
from sigforge.io import InputError, not_found

logger = logging.getLogger(__name__)


def read_rank_dirs(folders: list[str], generic: bool) -> list[RankResult]:
    """The rank directories of --rank-dirs, each rank once."""
    results: list[RankResult] = []
    for folder in folders:
        _check_is_rank_dir(Path(folder))
        result = read_rank_dir(Path(folder), generic)
        named = rank_folder_number(Path(folder).name)
        if named is not None and named != result.k:
            raise InputError(f"--rank-dirs {folder}: a folder named as rank {named}'s holds rank "
                             f"k={result.k} (its metrics.json): renamed, or copied into another "
                             "rank's folder? The report and the chosen tables find a rank by its "
                             f"folder's name: rename it k{result.k}, or rerun that rank.")
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
    if not folder.exists():
        why = not_found(folder) if folder.is_symlink() else "no such folder"
        raise InputError(f"--rank-dirs {folder}: {why}; give the folders consensus wrote.")
    if folder.is_file():
        raise InputError(f"--rank-dirs {folder}: is a file, not a rank folder; give the "
                         "folders 'sigforge consensus' writes (one per rank, each holding "
                         "metrics.json, signatures.tsv and exposures.tsv).")
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

"""Checks of ``select-rank``'s and ``extract``'s inputs before any work: rank folders of one
catalog, a --catalog that is the one they were factored from, rank metrics the rule can read,
and whole counts for count resampling.

Split from :mod:`sigforge.cli.discovery` so that the command module holds the commands.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from sigforge.cli.outputs import check_planned_outputs, extract_outputs
from sigforge.discovery.pipeline import RankResult
from sigforge.io import InputError, Matrix

logger = logging.getLogger(__name__)


def check_counts_for_resampling(matrix: Matrix, args: argparse.Namespace) -> None:
    """Refuse count resampling (poisson, multinomial) of non-integer data, for any catalog
    (a mutation catalog with a fractional cell was factored as if rounded before)."""
    from sigforge.discovery.matrix import first_fraction

    if args.resampling.startswith("scaled"):
        return
    fraction = first_fraction(matrix.data)
    if fraction is not None:
        feature, sample, value = fraction
        if _columns_sum_to_one(matrix.data.to_numpy()):
            raise InputError(f"{matrix.path}: every column sums to 1 (row '{feature}', column "
                             f"'{sample}' holds {value}): a table of signatures or of "
                             "proportions, not counts of mutations. Give --catalog the "
                             "catalog of counts (sigforge catalog's or merge-catalogs' "
                             "output); a signatures table goes to refit --signatures. Data "
                             "that are proportions by nature can be factored with "
                             "--resampling scaled.")
        raise InputError(f"{matrix.path}: row '{feature}', column '{sample}' holds {value}: "
                         f"--resampling {args.resampling} draws whole counts, so it needs "
                         "whole numbers. Round the catalog to counts, or use --resampling "
                         "scaled (or scaled:DEPTH), which accepts real values.")


def check_cv_shape(matrix: Matrix, args: argparse.Namespace) -> None:
    """Refuse cross-validation of a catalog with one sample or one feature before any work:
    every held-out entry (or block) would be the only one of its sample or feature, so none
    can be held out; the library's message named neither the file nor the fix."""
    rows, columns = matrix.data.shape
    if args.cv_folds > 0 and min(rows, columns) < 2:
        raise InputError(f"{args.catalog}: a {rows} x {columns} catalog has "
                         f"{'one sample' if columns < 2 else 'one feature'}, so "
                         "cross-validation can hold out nothing (every sample and feature must "
                         "keep entries visible). Give --cv-folds 0 (the workflow's "
                         "rank.cv_folds: 0) to choose the rank by stability alone.")


def check_before_extract(matrix: Matrix, args: argparse.Namespace) -> None:
    """What a plain ``extract`` checks before any factorisation: counts that can be
    resampled, a catalog that cross-validation can hold entries out of, and output paths
    that can be written (a folder or an input where a file goes was found at the end)."""
    check_counts_for_resampling(matrix, args)
    check_cv_shape(matrix, args)
    warn_repeated_samples(matrix)
    check_planned_outputs(extract_outputs(Path(args.out), args.ranks, args.cv_folds > 0))


#: Two samples with identical counts in every feature and at least this many counts are one
#: sample given twice; fewer can agree by chance. The catalog command's threshold.
REPEAT_MIN_COUNTS = 50


def warn_repeated_samples(matrix: Matrix) -> None:
    """Warn of samples whose counts repeat an earlier sample's in every feature (at least
    :data:`REPEAT_MIN_COUNTS` counts): one tumour given twice enters the factorisation as two
    patients and pulls a signature towards itself. ``sigforge catalog`` warns of the same and
    ``merge-catalogs`` refuses it; a catalog joined by hand reaches extract unchecked."""
    data = matrix.data
    first_of: dict[bytes, str] = {}
    repeats: list[str] = []
    for name in data.columns:
        column = np.ascontiguousarray(data[name].to_numpy(dtype=np.float64))
        if column.sum() >= REPEAT_MIN_COUNTS:
            first = first_of.setdefault(column.tobytes(), str(name))
            if first != str(name):
                repeats.append(f"'{name}' = '{first}'")
    if repeats:
        shown = ", ".join(repeats[:5]) + (f" and {len(repeats) - 5} more" if len(repeats) > 5
                                          else "")
        logger.warning("%d sample(s) of the catalog have exactly the counts of an earlier one "
                       "in every channel (%s): most likely one tumour given twice, which the "
                       "factorisation takes as several patients. Keep one column of each, "
                       "unless they are distinct samples that share every mutation.",
                       len(repeats), shown)


def _columns_sum_to_one(values: np.ndarray) -> bool:
    """Whether every column of ``values`` sums to 1 (to 1e-3, as signature tables printed with
    a few digits do): a table of signatures or proportions rather than counts."""
    return values.size > 0 and bool(np.allclose(values.sum(axis=0), 1.0, atol=1e-3))


def _samples(result: RankResult) -> list[str]:
    """The samples a rank folder's catalog held: its exposures' columns."""
    return [str(c) for c in result.exposures.columns]


def _features(result: RankResult) -> list[str]:
    """The features a rank folder's catalog held: its signatures' rows."""
    return [str(r) for r in result.signatures.index]


def _difference(found: list[str], expected: list[str]) -> str:
    """The labels only in ``found`` and only in ``expected``, a few of each, in words."""
    extra = [x for x in found if x not in set(expected)]
    missing = [x for x in expected if x not in set(found)]
    parts = ([f"{len(extra)} not in the other: {extra[:5]}"] if extra else []) + (
        [f"{len(missing)} missing: {missing[:5]}"] if missing else [])
    return "; ".join(parts) or "the same labels in another order"


def check_one_catalog(folders: list[Path], results: list[RankResult]) -> None:
    """Refuse rank folders factored from different catalogs (their samples or features
    differ): comparing their KL divergences would choose a rank on numbers of different data.
    The folder named is the one that differs from most of the others (the first on a tie)."""
    keys = [(frozenset(_features(r)), frozenset(_samples(r))) for r in results]
    usual = max(keys, key=keys.count)  # max keeps the first of equally common keys
    reference = keys.index(usual)
    for folder, result, key in zip(folders, results, keys, strict=True):
        if key == usual:
            continue
        other, what = results[reference], "samples" if key[0] == usual[0] else "features"
        found, expected = ((_samples(result), _samples(other)) if what == "samples"
                           else (_features(result), _features(other)))
        raise InputError(f"--rank-dirs: {folder} was factored from another catalog than "
                         f"{folders[reference]}: its {len(found)} {what} are not the "
                         f"{len(expected)} of {folders[reference]} ({_difference(found, expected)}"
                         "). Give the rank folders of one catalog (one run), or rerun the "
                         "differing rank's replicates and consensus on this catalog.")
    _check_one_digest(folders)


def _check_one_digest(folders: list[Path]) -> None:
    """Refuse rank folders of the same samples and features but other counts (the digests
    their metrics.json record differ: one rank factored from an edited or recounted catalog),
    naming the folder that differs from most of the others."""
    from sigforge.cli._run_files import rank_dir_digest

    digests = [rank_dir_digest(folder) for folder in folders]
    recorded = [d for d in digests if d is not None]
    if recorded and len(recorded) < len(digests):
        bare = folders[digests.index(None)]
        raise InputError(f"--rank-dirs: {bare} records no catalog digest while "
                         f"{folders[digests.index(recorded[0])]} does: they were written by "
                         "different sigforge versions, and nothing shows they factored the "
                         "same counts. Rerun the older rank's replicates and consensus.")
    if len(set(recorded)) < 2:
        return
    usual = max(recorded, key=recorded.count)
    reference = folders[digests.index(usual)]
    odd = next(f for f, d in zip(folders, digests, strict=True) if d not in (None, usual))
    raise InputError(f"--rank-dirs: {odd} was factored from other counts than {reference} "
                     "(the same samples and features, but the catalog digests their "
                     "metrics.json record differ: a recounted or edited catalog). Give the rank "
                     "folders of one catalog (one run), or rerun that rank's replicates and "
                     "consensus on the catalog of the others.")


def check_rank_catalog(folders: list[Path], results: list[RankResult], catalog: Matrix,
                       skipped: bool, drop_empty: bool) -> None:
    """Refuse a --catalog other than the one the rank folders were factored from: its samples
    (those with mutations under --drop-empty; all of them when the catalog was skipped) and
    features must be the folders'. provenance.json would otherwise name the wrong catalog."""
    data = catalog.data
    empty = [str(c) for c in data.columns[data.sum(axis=0) == 0]]
    samples = [str(c) for c in data.columns if skipped or not drop_empty or str(c) not in empty]
    features = [str(r) for r in data.index]
    folder, result = folders[0], results[0]
    for what, found, expected in (("samples", _samples(result), samples),
                                  ("features", _features(result), features)):
        if set(found) != set(expected):
            hint = (" (the catalog's samples without mutations: give --drop-empty as their run "
                    "did)" if what == "samples" and not drop_empty and empty else "")
            raise InputError(f"--catalog {catalog.path}: its {len(expected)} {what} are not the "
                             f"{len(found)} {what} {folder} was factored from "
                             f"({_difference(expected, found)}){hint}. Give the catalog the "
                             "rank folders were factored from.")
    if not skipped:
        _check_rank_digests(folders, results, catalog)


def _check_rank_digests(folders: list[Path], results: list[RankResult], catalog: Matrix
                        ) -> None:
    """Refuse a --catalog whose counts differ from those the rank folders recorded (same
    samples and channels, other counts: a recount or an edited file), naming the folder."""
    from sigforge.cli._run_files import catalog_digest, rank_dir_digest

    result = results[0]
    factored = catalog.data.loc[result.signatures.index, result.exposures.columns]
    digest = catalog_digest(factored)
    for folder in folders:
        recorded = rank_dir_digest(folder)
        if recorded is not None and recorded != digest:
            raise InputError(f"--catalog {catalog.path}: has the samples and features {folder} "
                             "was factored from but other counts (a recounted or edited "
                             "catalog). Give the catalog the rank folders were factored from, "
                             "or rerun the discovery on this one.")


def check_rank_metrics(folders: list[Path], results: list[RankResult]) -> None:
    """Refuse a metrics.json whose values the rank rule reads are missing or not finite
    numbers in range (:func:`sigforge.discovery.metrics_check.metrics_problem`, counts such
    as ``gap_clusters`` within the folder's rank), naming the file and key: a NaN or a missing
    value would silently change the chosen rank."""
    from sigforge.discovery.metrics_check import metrics_problem

    with_gap = [f for f, r in zip(folders, results, strict=True) if "gap_clusters" in r.metrics]
    for folder, result in zip(folders, results, strict=True):
        problem = metrics_problem(result.metrics, result.k)
        if problem is None and with_gap and "gap_clusters" not in result.metrics:
            problem = f"no 'gap_clusters', which {with_gap[0] / 'metrics.json'} has"
        if problem is None and "replicates" not in result.metrics:  # consensus records it
            problem = "no 'replicates' (the count of replicates its consensus clustered)"
        if problem is not None:
            raise InputError(f"rank metrics file {folder / 'metrics.json'}: {problem}. It is "
                             f"damaged or of another run: delete rank {result.k}'s folder and "
                             "rerun its replicates and consensus (snakemake rebuilds it on a "
                             "plain rerun).")


def folders_replicates(given: int | None, folders: list[Path],
                        results: list[RankResult]) -> int:
    """The replicates the rank folders were factored with (their metrics.json), which the
    provenance records: folders of different counts, or a --replicates other than theirs, are
    refused (the provenance recorded the option's default, 100, beside folders of 4)."""
    counts = {folder: int(value) for folder, result in zip(folders, results, strict=True)
              if isinstance(value := result.metrics.get("replicates"), int | float)
              and not isinstance(value, bool) and np.isfinite(value)}  # else: checked later
    found = sorted(set(counts.values()))
    if len(found) > 1:
        shown = ", ".join(f"{folder} {count}" for folder, count in counts.items())
        raise InputError(f"--rank-dirs: the ranks were factored with different numbers of "
                         f"replicates ({shown}); compare ranks of one run (rerun the others "
                         "with the same --replicates).")
    if given is not None and found and given != found[0]:
        raise InputError(f"--replicates {given}: the rank folders were factored with "
                         f"{found[0]} replicates (their metrics.json); give --replicates "
                         f"{found[0]} or leave it out.")
    return given if given is not None else (found[0] if found else 100)


def check_rank_folder_name(out: Path, k: int) -> None:
    """Refuse ``consensus --k K --out .../kJ`` with J not K: the report, select-rank's users and
    merge-groups find a rank's folder by its name, so rank K's tables would pass for rank J's
    (beside rank J's own cross-validation file left in it)."""
    from sigforge.cli._common import rank_folder_number

    named = rank_folder_number(out.name)
    if named is not None and named != k:
        raise InputError(f"--out {out}: a folder named as rank {named}'s, but --k {k}; the rank "
                         "folders are found by name (k{k}). Give --out .../k"
                         f"{k} (or --k {named} with rank {named}'s chunks).")

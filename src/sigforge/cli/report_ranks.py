"""Reading a discovery's rank choice for ``sigforge report``: provenance.json's chosen rank
and rule, rank_metrics.tsv checked against it, and stability.tsv; with the check of a
column of numbers that every report reader of sigforge's own tables uses.

Shared by the reader of a mutation type's extract folder (:mod:`.report_contexts`), by the
reader of the per-group folders of a stratified discovery (:mod:`.report_groups`), which have
the same layout, and by ``matrix-report`` (:mod:`.matrix`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.io import InputError, read_table

#: Rank-rule thresholds drawn on the rank figure, read from provenance.json's rank_rule.
THRESHOLDS = ("min_mean_stability", "min_component_stability")
#: rank_metrics.tsv's columns of numbers, checked when present (an empty cell, a metric not
#: computed for that rank, reads as NaN), and its True/False columns.
RANK_NUMBERS = ("mean_stability", "min_stability", "kl_divergence", "relative_error",
                "mean_cosine", "cophenetic", "gap", "gap_sd", "gap_clusters", "replicates",
                "converged_fraction", "median_iterations", "cv_error", "cv_sd", "cv_se",
                "cv_folds", "cv_train")
RANK_FLAGS = ("stable", "gap_consistent", "candidate", "accepted", "selected")
#: The fix of a damaged file of the discovery.
_EXTRACT_FIX = ("the file is damaged: rerun the step that wrote it (sigforge extract, "
                "select-rank or merge-groups) into {folder} to rebuild it.")


def _ends_with_newline(path: Path) -> bool:
    """Whether a file ends with a newline, as every table sigforge writes does (an empty or
    unreadable file passes: the reader's own error names it)."""
    try:
        with open(path, "rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return True
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
    except OSError:
        return True


def read_run_matrix(path: Path, step: str, *, written: bool = True) -> pd.DataFrame:
    """A labelled table of a run folder (signatures, exposures, a catalog), channel sets
    recognised, whose fix is to rerun ``step`` (e.g. 'sigforge extract --out EXT/SBS96').

    The table readers advise a user's own table (correct the rows, or take it as a generic
    matrix with --generic, which report does not have); a file of a run folder was written
    by a step of sigforge, so a damaged one (cut short mid-line, a channel lost) is rebuilt
    by rerunning that step. ``written`` False (a catalog folder, which may hold a catalog of
    the user's own) keeps the advice to correct the rows and skips the check that the last
    line is complete.
    """
    from sigforge.cli._common import read_table_matrix

    fix = (f"sigforge wrote this file, so it was damaged or cut short afterwards: rerun "
           f"{step} to rebuild it." if written else
           f"Correct the file, or rerun {step} to rebuild it.")
    if written and path.is_file() and not _ends_with_newline(path):
        raise InputError(f"{path}: damaged or cut short (its last line is incomplete). {fix}")
    from sigforge.genomics.tables import ChannelSetError

    try:
        return read_table_matrix(path).data
    except ChannelSetError as err:  # its advice is for a user's own table
        found = err.problem if written else f"{err.problem} {err.correct}."
        raise InputError(f"{found} {fix}") from None
    except InputError as err:
        message = str(err).rstrip()
        raise InputError(f"{message}{'' if message.endswith('.') else '.'} {fix}") from None


def number_column(values: pd.Series, path: Path, column: str, fix: str) -> pd.Series:
    """A column of one of sigforge's tables as numbers (an empty cell or 'nan' as NaN; a
    column pandas already read as numbers is returned as it is, whole numbers staying whole).

    sigforge writes these tables whole, so text among the numbers means the file was damaged
    or edited afterwards: the first such cell is named by its line, row label and column in
    an InputError ending with ``fix``, instead of being drawn on the page or met later as a
    bare 'could not convert string to float'.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text.mask(text == "", "nan"), errors="coerce")
    bad = np.flatnonzero((numbers.isna() & ~text.str.lower().isin(["", "nan"])).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise InputError(f"{path}, line {row + 2} (row '{values.index[row]}'), column "
                         f"'{column}': {values.iloc[row]!r} is not a number; {fix}")
    return numbers


def check_within(values: pd.Series, path: Path, column: str, bounds: tuple[float, float],
                 fix: str) -> None:
    """Refuse a number outside ``bounds`` (an empty cell, NaN, passes): a cosine above 1 or a
    negative burden cannot come from sigforge, so the file was edited or damaged, and the page
    would print it as a result. The first such cell is named by its line, row and column."""
    low, high = bounds
    numbers = values.to_numpy(np.float64)
    bad = np.flatnonzero(~np.isnan(numbers) & ((numbers < low) | (numbers > high)))
    if bad.size:
        row = int(bad[0])
        raise InputError(f"{path}, line {row + 2} (row '{values.index[row]}'), column "
                         f"'{column}': {float(numbers[row])!r} lies outside [{low:g}, {high:g}], "
                         f"where every {column} lies; {fix}")


def _check_flags(values: pd.Series, path: Path, column: str, fix: str) -> None:
    """Refuse a True/False column of rank_metrics.tsv holding anything else: 'selected' read
    as 'is it the text true' would turn a damaged cell into False without a word."""
    text = values.astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~text.isin(["true", "false"]).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise InputError(f"{path}, line {row + 2} (row '{values.index[row]}'), column "
                         f"'{column}': {values.iloc[row]!r} is neither True nor False; {fix}")


def chosen_rank(provenance: dict[str, Any], path: Path) -> int:
    """The chosen rank of an extract run's provenance.json, checked with its rule ('reason').

    Each key is checked on its own, so that the message names the one that is wrong; JSON's
    ``Infinity`` or an overflowing ``1e400`` is a float, refused here like any non-integer.
    """
    rank, reason = provenance.get("chosen_rank"), provenance.get("reason")
    fix = ("give the provenance.json written by sigforge extract or select-rank (rerun that "
           "step to rebuild it).")
    if isinstance(rank, bool) or not isinstance(rank, int):
        raise InputError(f"{path}: expected 'chosen_rank' to be a whole number, got "
                         f"chosen_rank={rank!r}; {fix}")
    if not isinstance(reason, str):
        raise InputError(f"{path}: expected 'reason' to be text (why the rank was chosen), got "
                         f"reason={reason!r}; {fix}")
    return rank


def read_rank_metrics(path: Path, chosen: int) -> pd.DataFrame:
    """rank_metrics.tsv with a boolean ``selected``, checked to hold the chosen rank."""
    metrics = read_table(path)
    if "selected" not in metrics.columns:
        raise InputError(f"{path}: no column selected; give the rank_metrics.tsv written by "
                         "sigforge extract or select-rank.")
    ranks = pd.to_numeric(pd.Series(metrics.index), errors="coerce")
    if chosen not in set(ranks.dropna().astype(int)):
        raise InputError(f"{path}: no row for the chosen rank k={chosen} of provenance.json "
                         f"(ranks: {list(metrics.index)}); the two files come from different "
                         "runs. Give the folder of one run.")
    fix = _EXTRACT_FIX.format(folder=path.parent)
    for column in RANK_NUMBERS:
        if column in metrics.columns:
            metrics[column] = number_column(metrics[column], path, column, fix)
    for column in RANK_FLAGS:
        if column in metrics.columns:
            _check_flags(metrics[column], path, column, fix)
    metrics["selected"] = metrics["selected"].astype(str).str.lower() == "true"
    return metrics


#: The columns of a discovery's stability.tsv (index: the signature names).
STABILITY_COLUMNS = ("stability", "spread")
#: The values each of them can take (a little slack for rounding).
STABILITY_BOUNDS = {"stability": (-1.0 - 1e-9, 1.0 + 1e-9), "spread": (0.0, 2.0 + 1e-9)}


def read_stability(path: Path) -> pd.DataFrame:
    """A discovery's stability.tsv, checked to hold its columns of numbers (an empty cell as
    NaN: a merged set's signatures come from no bootstrap of their own, and the page shows
    them as missing)."""
    table = read_table(path)
    fix = _EXTRACT_FIX.format(folder=path.parent)
    missing = [column for column in STABILITY_COLUMNS if column not in table.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(missing)} (found: "
                         f"{', '.join(map(str, table.columns)) or 'none'}); {fix}")
    for column in STABILITY_COLUMNS:
        table[column] = number_column(table[column], path, column, fix).astype(np.float64)
    for column, bounds in STABILITY_BOUNDS.items():  # a silhouette; a mean cosine distance
        check_within(table[column], path, column, bounds, fix)
    return table


def rank_thresholds(provenance: dict[str, Any]) -> dict[str, float]:
    """The rank rule's stability thresholds recorded in provenance.json (drawn on the rank
    figure); empty when the rule is not recorded."""
    rule = provenance.get("rank_rule")
    return {key: float(rule[key]) for key in THRESHOLDS
            if isinstance(rule, dict) and isinstance(rule.get(key), int | float)}

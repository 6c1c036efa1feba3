"""Checks of a refit's ``exposure_intervals.tsv`` before a report shows it: that it belongs to
the refit whose exposures the report reads, and that its intervals are intervals. Split from
:mod:`sigforge.cli.report_contexts`, which reads the refit's tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.io import InputError


def listing_of(items: list[str], limit: int = 5) -> str:
    """The first few of ``items`` and how many more, or 'none'."""
    if not items:
        return "none"
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def check_intervals(intervals: pd.DataFrame | None, exposures: pd.DataFrame, path: Path,
                    source: Path) -> None:
    """Refuse an exposure_intervals.tsv that is not of the refit whose exposures are
    ``source``: refit writes one row per sample and signature, its ``exposure`` the table's,
    so a missing or repeated row (a file cut at a line end), other names or other values (a
    file of another run) would leave blank intervals and wrong counts on the pages."""
    if intervals is None:
        return
    pairs = pd.MultiIndex.from_arrays([intervals.index.astype(str),
                                       intervals["signature"].astype(str)])
    expected = pd.MultiIndex.from_product([exposures.columns.astype(str),
                                           exposures.index.astype(str)])
    if pairs.has_duplicates or len(pairs) != len(expected) or not pairs.isin(expected).all():
        missing = [f"{a}/{b}" for a, b in expected.difference(pairs)]
        extra = [f"{a}/{b}" for a, b in pairs.difference(expected)]
        repeated = "; some repeated" if pairs.has_duplicates else ""
        raise InputError(f"{path}: its rows (sample/signature) are not one per sample and "
                         f"signature of {source} (missing: {listing_of(missing)}; not in "
                         f"{source.name}: {listing_of(extra)}{repeated}); "
                         "the files come from different runs or one was cut short. Give the "
                         "folders of one run (rerun the refit that wrote them).")
    stacked = exposures.set_axis(exposures.columns.astype(str), axis=1).set_axis(
        exposures.index.astype(str), axis=0)
    written = stacked.to_numpy(dtype=float)[
        stacked.index.get_indexer(pairs.get_level_values(1)),
        stacked.columns.get_indexer(pairs.get_level_values(0))]
    differs = ~np.isclose(intervals["exposure"].to_numpy(dtype=float), written, rtol=1e-9,
                          atol=1e-9, equal_nan=True)
    if differs.any():
        row = int(np.argmax(differs))
        raise InputError(f"{path}: sample '{pairs[row][0]}', signature '{pairs[row][1]}' has "
                         f"the exposure {intervals['exposure'].iat[row]:.6g}, but {source} "
                         f"holds {written[row]:.6g} ({int(differs.sum())} row(s) differ); the "
                         "files come from different runs. Give the folders of one run (rerun "
                         "the refit that wrote them).")


def check_interval_bounds(intervals: pd.DataFrame, path: Path) -> None:
    """Refuse an interval whose ends are reversed or negative, or a presence outside 0-1
    (an edited or damaged file): the page would print '4,178 - 136'. The exposure itself
    may lie outside its percentile interval, as a bootstrap's point estimate can."""
    lower, upper = intervals["lower"].to_numpy(float), intervals["upper"].to_numpy(float)
    presence = intervals["presence"].to_numpy(float)
    wrong = (lower > upper + 1e-9 * np.maximum(abs(upper), 1.0)) | (lower < 0) \
        | (presence < 0) | (presence > 1)
    if wrong.any():
        row = int(np.argmax(wrong))
        raise InputError(f"{path}: sample '{intervals.index[row]}', signature "
                         f"'{intervals['signature'].iat[row]}' has the interval {lower[row]:.6g} - "
                         f"{upper[row]:.6g} and presence {presence[row]:.6g}; an interval "
                         "runs from a lower end >= 0 to an upper end at least as large, and "
                         f"presence is a share from 0 to 1 ({int(wrong.sum())} row(s) are "
                         "not). The file was edited or damaged: rerun the refit that wrote it.")

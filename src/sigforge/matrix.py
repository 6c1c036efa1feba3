"""Generic input: any nonnegative features x samples table, checked and cleaned for discovery.

Matrix mode (config ``type: matrix``) runs the discovery on data that are not mutation catalogs:
word counts, pixel intensities, EMG envelopes, expression. This module reads such a table,
checks it with messages that name the file, row and column, and removes what NMF cannot use.

Decisions (documented in config/README.md):

- Negative, NaN, infinite or non-numeric cells and duplicate row or column labels are rejected:
  they are errors in the input, and guessing a repair would change the science.
- All-zero features (rows) and all-zero samples (columns) are dropped, never silently: each one is
  listed in a ``dropped`` table (written beside the cleaned matrix) and logged. A zero row has a
  zero loading in every component whatever the fit, and a zero sample has zero exposures, so
  dropping them changes no other number; keeping them would only break the normalisations.
- Values need not be integers. Whether they are counts decides the resampling (see
  :func:`sigforge.resample.scaled_multinomial_bootstrap`).

Nothing here imports the genomics modules (catalog, variants, genome, contexts, reference).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.io import InputError, read_matrix

logger = logging.getLogger(__name__)

#: File name endings read as delimited text (tab or comma, sniffed).
TEXT_SUFFIXES = (".tsv", ".csv", ".txt", ".tab")


@dataclass(frozen=True)
class PreparedMatrix:
    """A checked matrix ready for discovery, and what was removed from the input.

    Attributes
    ----------
    data : DataFrame, (m, n)
        Nonnegative float64; features in input order, minus the dropped ones.
    dropped : DataFrame
        One row per dropped feature or sample: ``axis`` ('feature' or 'sample'), ``label``,
        ``position`` (0-based row or column index in the input) and ``reason``.
    counts : bool
        True when every value is a whole number.
    """

    data: pd.DataFrame
    dropped: pd.DataFrame
    counts: bool


def read_generic_matrix(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a features x samples text table: first column feature labels, header sample names.

    Raises
    ------
    InputError
        Unsupported file type, missing file, non-numeric, non-finite or negative cells,
        duplicate labels, or a table without features or samples; the message names the file
        and the offending line and column.
    """
    path = Path(path)
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise InputError(f"{path}: matrix files must be tab- or comma-separated text "
                         f"({', '.join(TEXT_SUFFIXES)}); convert it, e.g. with pandas: "
                         "pd.read_parquet(path).to_csv('matrix.tsv', sep='\\t').")
    frame = read_matrix(path, generic=True).data
    if frame.shape[0] == 0:
        raise InputError(f"{path}: the table has no feature rows.")
    return frame


def whole_numbers(frame: pd.DataFrame) -> bool:
    """True when every value of the table is a whole number (the data may be counts)."""
    values = frame.to_numpy(dtype=np.float64)
    return bool(np.array_equal(values, np.round(values)))


def first_fraction(frame: pd.DataFrame) -> tuple[str, str, float] | None:
    """(feature, sample, value) of the first non-integer cell, or None when all are whole."""
    values = frame.to_numpy(dtype=np.float64)
    bad = np.argwhere(values != np.round(values))
    if not len(bad):
        return None
    row, col = bad[0]
    return str(frame.index[row]), str(frame.columns[col]), float(values[row, col])


def _dropped_rows(labels: pd.Index, mask: np.ndarray, axis: str) -> list[dict[str, object]]:
    """Rows of the dropped table for the labels where mask is True."""
    return [{"axis": axis, "label": str(labels[i]), "position": int(i),
             "reason": "all values are zero"} for i in np.flatnonzero(mask)]


def drop_empty(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove all-zero features and samples; return the rest and the table of what went.

    One pass suffices: removing a zero row leaves every column sum unchanged, and a row whose
    only nonzero values lay in a zero column cannot exist.
    """
    values = frame.to_numpy(dtype=np.float64)
    zero_rows = ~values.any(axis=1)
    zero_cols = ~values.any(axis=0)
    dropped = pd.DataFrame(
        _dropped_rows(frame.index, zero_rows, "feature")
        + _dropped_rows(frame.columns, zero_cols, "sample"),
        columns=["axis", "label", "position", "reason"])
    return frame.loc[~zero_rows, ~zero_cols], dropped.set_index("axis")


def check_pixels(n_features: int, shape: tuple[int, int] | None, path: str) -> None:
    """Raise unless ``shape`` (height, width) covers exactly the input's features."""
    if shape is None:
        return
    height, width = shape
    if height < 1 or width < 1 or height * width != n_features:
        raise InputError(f"{path}: features_are_pixels {list(shape)} needs {height * width} "
                         f"feature rows (one per pixel, row-major), but the table has "
                         f"{n_features}. Fix the shape or the table.")


def prepare_matrix(path: str | os.PathLike[str], *, counts: bool = False,
                   pixels: tuple[int, int] | None = None) -> PreparedMatrix:
    """Read, check and clean a generic matrix for discovery.

    Parameters
    ----------
    path : path of a TSV/CSV table, features x samples
    counts : bool, default=False
        Require whole numbers (the Poisson and multinomial resamplings need counts).
    pixels : (height, width), optional
        The features are the pixels of a height x width image, in row-major order.

    Raises
    ------
    InputError
        Any problem of :func:`read_generic_matrix`; non-integers with ``counts``; a pixel shape
        that does not match; fewer than 2 features or 1 sample left after dropping zeros.
    """
    frame = read_generic_matrix(path)
    check_pixels(frame.shape[0], pixels, str(path))
    fraction = first_fraction(frame)
    if counts and fraction is not None:
        feature, sample, value = fraction
        raise InputError(f"{path}: row '{feature}', column '{sample}' holds {value}, but the "
                         "matrix is declared to hold counts (matrix.counts: true). Set "
                         "matrix.counts: false for real-valued data (scaled resampling).")
    data, dropped = drop_empty(frame)
    for axis, row in dropped.iterrows():
        logger.warning("%s: dropped %s '%s' (position %d): %s", path, axis, row["label"],
                       row["position"], row["reason"])
    if data.shape[0] < 2 or data.shape[1] < 1:
        raise InputError(f"{path}: after dropping all-zero rows and columns, {data.shape[0]} "
                         f"feature(s) x {data.shape[1]} sample(s) remain; NMF needs at least "
                         "2 features and 1 sample with nonzero values.")
    return PreparedMatrix(data, dropped, fraction is None)


def pixel_image(loadings: pd.Series, shape: tuple[int, int],
                dropped: pd.DataFrame) -> np.ndarray:
    """A component's loadings as a (height, width) image; dropped (all-zero) pixels are 0."""
    height, width = shape
    removed = set()
    if "feature" in dropped.index:
        removed = {int(p) for p in dropped.loc[["feature"], "position"]}
    kept = [p for p in range(height * width) if p not in removed]
    if len(kept) != loadings.size:
        raise InputError(f"component {loadings.name}: {loadings.size} loadings do not fill "
                         f"the {height} x {width} image minus {len(removed)} dropped pixels.")
    image = np.zeros(height * width)
    image[kept] = loadings.to_numpy(dtype=np.float64)
    return image.reshape(height, width)

"""Whether a matrix holds counts, and whether its counts can be held exactly: whole numbers
(the Poisson and multinomial resamplings need counts), cells below 2**52 when declared
counts (above it a fraction written in the file is lost on reading), and sample totals
within 2**53 - 1.

Split from :mod:`sigforge.discovery.matrix`, which reads and prepares the matrix.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sigforge.io import MAX_CELL, InputError


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


#: From 2**52 a float64 holds no fraction: '4503599627370497.5' reads as a whole number.
_FRACTIONS_END = 2.0**52


def check_exact_counts(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """With ``counts``: refuse a cell of 2**52 or more, where a fraction written in the file
    is rounded away on reading, so the whole-number check cannot tell a count from a real
    value (and the count written back would differ from the file's)."""
    values = frame.to_numpy(dtype=np.float64)
    big = np.argwhere(values >= _FRACTIONS_END)
    if len(big):
        row, col = big[0]
        raise InputError(f"{path}: row '{frame.index[row]}', column '{frame.columns[col]}' "
                         f"holds {values[row, col]:.17g}, 2**52 or more, where a number read "
                         "from text keeps no fraction, so it cannot be checked to be a count "
                         "(--counts). Divide the matrix by a power of ten (discovery is "
                         "scale-free) and leave out --counts.")


def check_count_totals(data: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Refuse whole-number samples whose totals pass 2**53 - 1: the discovery's last step
    (exposures by a count fit) refused them only after every replicate had been solved, in
    the words of a refit method the user never chose, and multinomial resampling failed
    with numpy's 'n < 0'."""
    totals = data.sum(axis=0)
    over = totals[totals > MAX_CELL]
    if len(over):
        raise InputError(f"{path}: sample '{over.index[0]}' holds {over.iloc[0]:.3g} counts in "
                         f"all ({len(over)} sample(s) above {MAX_CELL:.0f}, 2**53 - 1, where "
                         "whole numbers stop being exact). Divide the matrix by a power of "
                         "ten: discovery is scale-free.")



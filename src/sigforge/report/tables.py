"""Display tables: cell formatting and the :class:`Table` objects the ``table`` macro draws.

Every page builds its tables here, so a number reads the same on the cohort, patient and
matrix pages: counts with thousands separators, floats to three decimals, a dash when missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import SupportsFloat

import numpy as np
import pandas as pd

MISSING = "\u2014"
"""What a missing value (None, NaN) displays as."""

_HEADERS = {"kl_divergence": "KL divergence", "not_snv": "not SNV",
            "counted_SBS96": "counted SBS96"}


@dataclass(frozen=True)
class Table:
    """A display table whose cells are already formatted strings.

    ``numeric`` right-aligns a column, ``highlight`` marks rows (the chosen rank); when rows
    were cut, ``more`` says how many and ``source`` names the file that holds them all.
    """

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    highlight: list[bool] = field(default_factory=list)
    more: int = 0
    source: str = ""


def is_missing(value: object) -> bool:
    """True for None and float NaN."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def fmt_int(value: SupportsFloat | None) -> str:
    """Format a count with thousands separators, rounding to the nearest integer (halves away
    from zero, as a reader rounds: Python's round() takes 0.5 to 0 and 2.5 to 2)."""
    if value is None or is_missing(value):
        return MISSING
    number = float(value)
    return f"{int(math.copysign(math.floor(abs(number) + 0.5), number)):,}"


def fmt_float(value: SupportsFloat | None, digits: int = 3) -> str:
    """Format a float with a fixed number of decimals."""
    if value is None or is_missing(value):
        return MISSING
    return f"{float(value):.{digits}f}"


def fmt_percent(value: float) -> str:
    """Format a fraction as a percentage with one decimal."""
    return MISSING if is_missing(value) else f"{100 * value:.1f}%"


def fmt_cell(value: object) -> str:
    """Format an arbitrary table cell by type."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, int | np.integer):
        return fmt_int(value)
    if isinstance(value, float | np.floating):
        return MISSING if is_missing(value) else f"{float(value):,.3f}"
    return str(value)


def _is_numeric_column(series: pd.Series) -> bool:
    """True when a column holds numbers (right-aligned in tables)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def frame_table(frame: pd.DataFrame, index_header: str, *, limit: int | None = None,
                source: str = "", highlight: list[bool] | None = None) -> Table:
    """Turn a DataFrame into a display table with its index as the first column.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to show; column names become headers (``_`` read as spaces).
    index_header : str
        Header of the index column.
    limit : int or None, default=None
        Show at most this many rows (``more`` counts the rest); None shows all.
    source : str, default=""
        The file that holds every row, named when rows were cut.
    highlight : list of bool or None, default=None
        Rows to highlight, one flag per row of ``frame``.
    """
    headers = [index_header] + [_HEADERS.get(str(column), str(column).replace("_", " "))
                                for column in frame.columns]
    numeric = [False] + [_is_numeric_column(frame[column]) for column in frame.columns]
    shown = frame if limit is None else frame.iloc[:limit]
    rows = [
        [str(index)] + [fmt_cell(value) for value in row]
        for index, row in zip(shown.index, shown.itertuples(index=False), strict=True)
    ]
    return Table(headers, rows, numeric, highlight or [], more=len(frame) - len(shown),
                 source=source)

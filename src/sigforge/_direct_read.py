"""Large plain tables read by pandas alone, without the line-by-line reader.

The reader of :mod:`sigforge._text_tables` checks every line with Python's csv module before
pandas parses the values, so that a fault is named by its line. That keeps every cell as a
Python string for a while: about 47 bytes per cell, 9 GB for an expression matrix of 20,000
genes x 10,000 cells. Most large tables need none of it: no quote, no blank line, every row as
wide as the header and every value a number. For those (at least :data:`DIRECT_FROM` bytes),
pandas' C parser reads the file directly and the result is the one the line-by-line reader
gives; any other table, or any doubt, returns None and the line-by-line reader takes over
(and names what is wrong).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge._validation import MAX_CELL

#: Tables of at least this many bytes are tried here first (smaller ones cost little).
DIRECT_FROM = 4 << 20

#: What makes a table need the line-by-line reader: a quote (cells may then hold separators
#: or line breaks), a carriage return not ending a line, or a blank line (rows then do not lie
#: on lines 2, 3, 4, ..., which messages name).
_NEEDS_LINES = re.compile(rb'"|\r(?!\n)|\n[ \t]*\r?\n|^[ \t]*\r?\n')
_BLOCK = 8 << 20


def plain_lines(path: Path) -> bool:
    """Whether ``path`` holds no quote, no lone carriage return and no blank line (a final
    line break ends the last row). Read in blocks that overlap by a few bytes, so that a
    pattern across two blocks is seen; the overlap may also see one where there is none,
    which only sends the table to the line-by-line reader."""
    tail = b""
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            if not block:
                break
            if _NEEDS_LINES.search(tail + block):
                return False
            tail = block[-4:]
    return True


def direct_frame(path: Path, separator: str, header: list[str],
                 minimum: int = DIRECT_FROM) -> pd.DataFrame | None:
    """The table under ``header`` (its first line, already checked) as pandas reads it, the
    first two columns as text and the others as numbers, when the file has at least
    ``minimum`` bytes, plain lines (:func:`plain_lines`), every row as wide as the header and
    every value after the first two columns a finite number in [0, MAX_CELL]; else None.

    A row with more fields than the header stops pandas (or, the first row, makes it read
    the labels as an index), and one with fewer leaves an empty cell that fails the number
    check: either way the line-by-line reader then names the line.
    """
    width = len(header)
    if (width < 3 or not header[-1].strip() or path.stat().st_size < minimum
            or not plain_lines(path)):
        return None
    try:
        frame = pd.read_csv(path, sep=separator, dtype={0: object, 1: object},
                            encoding="utf-8-sig", header=None, skiprows=1, names=range(width),
                            keep_default_na=False, quoting=csv.QUOTE_NONE)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(frame.index, pd.RangeIndex):  # rows wider than the header: pandas
        return None                                 # takes their first field as an index
    values = frame.iloc[:, 2:]
    if not len(frame) or any(dtype.kind not in "iuf" for dtype in values.dtypes):
        return None
    if frame[0].isna().any() or frame[1].isna().any():
        return None
    array = values.to_numpy(dtype=np.float64)
    if not (np.isfinite(array).all() and (array >= 0).all() and (array <= MAX_CELL).all()):
        return None
    frame.columns = pd.Index(header, dtype=object)
    return frame

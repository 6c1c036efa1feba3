"""Large plain tables read by pandas alone, without the line-by-line reader.

The reader of :mod:`sigforge._text_tables` checks every line with Python's csv module before
pandas parses the values, so that a fault is named by its line. That keeps every cell as a
Python string for a while: about 120 bytes per cell at its peak on a table of reals
(docs/benchmarks.md, "Reading large tables"), tens of GB for an expression matrix of 20,000
genes x 10,000 cells. Most large tables need none of it: no quote, no blank line, every row as
wide as the header and every value a number. For those (at least :data:`DIRECT_FROM` bytes),
pandas' C parser reads the file directly and the result is the one the line-by-line reader
gives; any other table, or any doubt, returns None and the line-by-line reader takes over
(and names what is wrong).
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge._validation import MAX_CELL

#: Tables of at least this many bytes are tried here first (smaller ones cost little).
DIRECT_FROM = 4 << 20

#: Bytes that, right after a line break, may start a blank line (or a line starting with a
#: space, which the line reader also sees first): a line break, a carriage return, a space
#: or a tab.
#: Tables at least this wide are read by :func:`_wide_frame` whatever their size: pandas
#: keeps each column apart (150,000 columns of 96 rows: 33 s to read, 1.1 GB).
WIDE_FROM = 10_000

_AFTER_BREAK = np.frombuffer(b"\n\r \t", dtype=np.uint8)
_BLOCK = 8 << 20


def plain_lines(path: Path) -> bool:
    """Whether ``path`` holds no quote (cells may then hold separators or line breaks), no
    carriage return but those ending a line, and no blank line (rows then do not lie on lines
    2, 3, 4, ..., which messages name); a final line break ends the last row.

    Read in blocks with numpy, each with the last bytes of the one before, so that a line
    break ending one block is judged with the byte after it. A false alarm (a line starting
    with a space) only sends the table to the line-by-line reader.
    """
    tail = b""
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            if not block:
                return True
            window = tail + block
            if b'"' in window or not _breaks_plain(np.frombuffer(window, dtype=np.uint8)):
                return False
            tail = block[-1:]


def _breaks_plain(codes: np.ndarray) -> bool:
    """Whether every line break in ``codes`` but a last one is followed by the start of a
    non-blank line, and every carriage return by a line break."""
    breaks = np.flatnonzero(codes == 10)
    breaks = breaks[breaks + 1 < len(codes)]
    if np.isin(codes[breaks + 1], _AFTER_BREAK).any():
        return False
    returns = np.flatnonzero(codes == 13)
    return not len(returns) or (returns[-1] + 1 < len(codes)
                                and bool((codes[returns + 1] == 10).all()))


def direct_frame(path: Path, separator: str, header: list[str],
                 minimum: int = DIRECT_FROM, labels: int = 2) -> pd.DataFrame | None:
    """The table under ``header`` (its first line, already checked) as pandas reads it, the
    first ``labels`` columns (at least two) as text and the others as numbers, when the file
    has at least ``minimum`` bytes, plain lines (:func:`plain_lines`), every row as wide as
    the header and every value after the label columns a finite number in [0, MAX_CELL];
    else None.

    A row with more fields than the header stops pandas (or, the first row, makes it read
    the labels as an index), and one with fewer leaves an empty cell that fails the number
    check: either way the line-by-line reader then names the line.
    """
    width = len(header)
    wide = width >= WIDE_FROM
    if (width < 3 or not header[-1].strip() or (path.stat().st_size < minimum and not wide)
            or not plain_lines(path)):
        return None
    labels = max(labels, 2)
    if wide:
        frame = _wide_frame(path, separator, width, labels)
        if frame is not None:
            frame.columns = pd.Index(header, dtype=object)
        return frame
    try:
        with warnings.catch_warnings():  # mixed columns fail the checks below
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(path, sep=separator, dtype=dict.fromkeys(range(labels), object),
                                encoding="utf-8-sig", header=None, skiprows=1,
                                names=range(width), keep_default_na=False,
                                quoting=csv.QUOTE_NONE)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(frame.index, pd.RangeIndex):  # rows wider than the header: pandas
        return None                                 # takes their first field as an index
    if not len(frame) or frame.iloc[:, :labels].isna().any().any():
        return None
    if not numbers_in_range(frame.iloc[:, labels:]):
        return None
    frame.columns = pd.Index(header, dtype=object)
    return frame


def numbers_in_range(values: pd.DataFrame) -> bool:
    """Whether pandas read every column of ``values`` as numbers, all finite and in
    [0, MAX_CELL]: the values a table may hold, so that no cell needs its text to be named
    in a message."""
    if any(dtype.kind not in "iuf" for dtype in values.dtypes):
        return False
    array = values.to_numpy(dtype=np.float64)
    return bool(np.isfinite(array).all() and (array >= 0).all() and (array <= MAX_CELL).all())


def _wide_frame(path: Path, separator: str, width: int, labels: int) -> pd.DataFrame | None:
    """A wide plain table (:data:`WIDE_FROM` columns or more) as :func:`direct_frame` gives
    it, its values in one float64 block: each row's values are put one per line and pandas'
    C parser reads them as one column, so the numbers are the ones it reads in any table.
    None when a row is not as wide as the header, a label is no UTF-8, or a value is no
    number in [0, MAX_CELL]."""
    sep = separator.encode()
    label_rows: list[list[str]] = []
    value_lines: list[bytes] = []
    with open(path, "rb") as handle:
        handle.readline()
        for line in handle:
            fields = line.rstrip(b"\r\n").split(sep, labels)
            if len(fields) <= labels or fields[labels].count(sep) != width - labels - 1:
                return None
            try:
                label_rows.append([field.decode("utf-8") for field in fields[:labels]])
            except UnicodeDecodeError:
                return None
            value_lines.append(fields[labels].replace(sep, b"\n"))
    if not label_rows:
        return None
    try:
        values = pd.read_csv(io.BytesIO(b"\n".join(value_lines)), header=None,
                             dtype=np.float64, skip_blank_lines=False, keep_default_na=False,
                             quoting=csv.QUOTE_NONE).to_numpy()
    except (pd.errors.ParserError, ValueError):
        return None
    if values.size != len(label_rows) * (width - labels):
        return None
    values = values.reshape(len(label_rows), width - labels)
    if not (np.isfinite(values).all() and (values >= 0).all() and (values <= MAX_CELL).all()):
        return None
    frame = pd.DataFrame(values, columns=range(labels, width), copy=False)
    for column, texts in enumerate(zip(*label_rows, strict=True)):
        frame.insert(column, column, list(texts))
    return frame

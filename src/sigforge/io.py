"""Generic labelled tables in and out; every write is atomic.

Tables are SigProfiler-compatible: a first label column (``MutationType`` for catalogs and
signature tables, ``Signature`` for exposures, any name for a generic matrix) and one column per
sample or signature. :func:`read_matrix` accepts tab- or comma-separated text and Parquet (and
PCAWG's two label columns ``Mutation type`` + ``Trinucleotide``, joined, and COSMIC v2's three,
``Substitution Type``, ``Trinucleotide``, ``Somatic Mutation Type``, read from the third) and
keeps the table's own row order, unless the caller passes ``channel_sets``: an object that
recognises known row label sets and puts them in their standard order.
:mod:`sigforge.genomics.tables` passes the mutation channel sets (SBS96, DBS78, ID83, ...);
this module knows nothing of mutations and imports nothing of :mod:`sigforge.genomics`.

Every rejected table raises :class:`InputError` with the file, the line (header = line 1) or
column, what was expected, what was found, and the fix. Outputs get the permissions the umask
gives any new file.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import pandas as pd

from sigforge._atomic import (
    atomic_write,
    current_umask,
    discard_output,
    file_identity,
    protected_label,
    removed_on_failure,
)
from sigforge._errors import InputError, check_regular_file, not_found
from sigforge._table_checks import (
    check_index_column,
    check_labels_first,
    check_not_transposed,
    check_rows,
    refuse_layout_without_channels,
)
from sigforge._text_tables import read_raw_table, row_location, split_labels
from sigforge._validation import (
    MAX_CELL,
    describe_character,
    first_control_character,
    hidden_character,
    quoted,
)

logger = logging.getLogger(__name__)

#: A negative cell no larger than this fraction of its column's largest value is floating-point
#: round-off (a table normalised or subtracted by another program: -1e-18 beside 0.05), read as
#: 0 with a warning; any other negative cell is refused.
ROUND_OFF = 1e-9

__all__ = ["ChannelSets", "InputError", "MAX_CELL", "Matrix", "atomic_write",
           "check_regular_file", "current_umask", "discard_output", "file_identity",
           "load_arrays", "not_found", "protected_label", "read_json", "read_matrix", "read_table",
           "removed_on_failure", "row_location", "save_arrays", "write_json", "write_matrix",
           "write_table"]


@dataclass(frozen=True)
class Matrix:
    """A labelled nonnegative matrix read from a file.

    Attributes
    ----------
    data : pandas.DataFrame
        Rows are features (channels), columns are samples or signatures, float64.
    channel_set : str or None
        The name of the known channel set the row labels form (``"SBS96"``, ``"DBS78"``, ...,
        as recognised by the reader's ``channel_sets``), else None (generic matrix).
    path : str
        Where the table was read from, for messages.
    """

    data: pd.DataFrame
    channel_set: str | None
    path: str


class ChannelSets(Protocol):
    """What :func:`read_matrix` asks of a recogniser of known row-label sets.

    :func:`sigforge.genomics.tables.read_catalog` passes one that knows the mutation channel
    sets; None (the default) reads every table as a generic matrix.
    """

    def recognise(self, labels: list[str], path: Path) -> tuple[str, list[str], list[str]] | None:
        """``(set name, each row's standard label, the set's labels in standard order)`` when
        ``labels`` form a known set, None for a generic matrix; raises :class:`InputError` for
        a table that is mostly a known set but not all of it."""
        ...




def _bad_cell(values: pd.DataFrame, labels: list[str], path: Path, bad: np.ndarray,
              negative: bool = False, too_large: bool = False) -> InputError:
    """The error for the first True cell of ``bad``: file, line, column, row label, the fix."""
    row, col = np.argwhere(bad)[0]
    cell, count = str(values.iat[row, col]), int(bad.sum())
    where = f"{path}: {row_location(path, row)}, column '{values.columns[col]}'"
    more = f" ({count - 1} more such cell(s) in the table)" if count > 1 else ""
    if negative:
        return InputError(f"{where}: expected a nonnegative value, got {cell.strip()} (row "
                          f"{quoted(labels[row])}){more}. Counts and signature weights cannot be "
                          "negative: correct the value (data that can be negative need a "
                          "nonnegative transform first).")
    if too_large:
        return InputError(f"{where}: {cell.strip()} is above {MAX_CELL:,.0f} (row "
                          f"{quoted(labels[row])}){more}, more than any count (of mutations "
                          "or anything else) and beyond what 64-bit floats hold exactly. Correct "
                          "the value, or rescale real-valued data.")
    got = "'' (an empty cell)" if not cell.strip() else quoted(cell)
    hidden = hidden_character(cell)
    if hidden is not None:
        label = unicodedata.name(hidden, "a hidden character")
        got += f", which holds U+{ord(hidden):04X} ({label}) beside the digits: remove it"
    return InputError(f"{where} (row {quoted(labels[row])}): expected a finite number, got {got}"
                      f"{more}. Replace it with a number (0 where nothing was observed); NaN, "
                      "infinity and text are not accepted.")


def _to_numeric(values: pd.DataFrame, labels: list[str], path: Path) -> pd.DataFrame:
    """Convert text cells to float64, naming the first offending cell on failure.

    Text tables name the file line (header = line 1); Parquet tables the 1-based data row.
    """
    text = [i for i, dtype in enumerate(values.dtypes) if dtype.kind not in "iuf"]
    numeric = values
    if text:  # only the columns still text (all of them on the text path): no copy of the rest
        numeric = values.copy(deep=False)
        for i in text:
            numeric.isetitem(i, pd.to_numeric(values.iloc[:, i], errors="coerce"))
    array = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(array)
    if not finite.all():
        raise _bad_cell(values, labels, path, ~finite)
    if (array < 0).any():
        _zero_round_off(array, values.columns, path)
    if (array < 0).any():
        raise _bad_cell(values, labels, path, array < 0, negative=True)
    if (array > MAX_CELL).any():
        raise _bad_cell(values, labels, path, array > MAX_CELL, too_large=True)
    return pd.DataFrame(array, index=numeric.index, columns=numeric.columns, copy=False)


def _zero_round_off(array: np.ndarray, columns: pd.Index, path: Path) -> None:
    """Set to 0, in place, the negative cells of ``array`` that are round-off (at most
    :data:`ROUND_OFF` of their column's largest value), and say how many and where: such a
    table is what other programs write, and refusing it would make the user edit it by hand
    for no change in any result."""
    tiny = (array < 0) & (-array <= ROUND_OFF * array.max(axis=0, initial=0.0))
    if not tiny.any():
        return
    array[tiny] = 0.0
    names = [str(columns[j]) for j in np.flatnonzero(tiny.any(axis=0))]
    listed = ", ".join(quoted(name) for name in names[:5]) + (" ..." if len(names) > 5 else "")
    logger.warning("%s: %d negative cell(s) no larger than %g times their column's largest "
                   "value (column(s) %s) read as 0: floating-point round-off, not data.",
                   path, int(tiny.sum()), ROUND_OFF, listed)


def read_matrix(path: str | os.PathLike[str], *, channel_sets: ChannelSets | None = None,
                transposed_sets: ChannelSets | None = None) -> Matrix:
    """Read a features x columns table (catalog, signatures, any matrix), aligned by label.

    With ``channel_sets`` None the table is a generic matrix in its own row order (index name
    ``Feature``). Otherwise ``channel_sets.recognise`` decides: a table whose labels form a known
    set comes back in that set's standard order (index name ``MutationType``) with
    :attr:`Matrix.channel_set` naming it; any other table is a generic matrix, unless its
    column names form a known set: that table is transposed, and refused.
    ``transposed_sets`` (default: ``channel_sets``) recognises the sets for that check alone,
    so that a generic read can refuse a transposed catalog too.

    Raises
    ------
    InputError
        Missing, empty or unreadable file, rows with another number of fields than the header
        (an R-style header without a name for the label column), no data rows or value
        columns, duplicate labels or column names, non-numeric, non-finite or negative cells,
        a transposed table, or whatever ``channel_sets`` refuses (an incomplete channel set);
        the message names the file, line and column, and the fix.
    """
    path = Path(path)
    raw = read_raw_table(path)
    labels, values = split_labels(raw, path)
    check_index_column(str(raw.columns[0]).strip(), labels, values, path)
    check_labels_first(labels, values, path)
    check_rows(labels, values, path, raw.iloc[:, 0] if raw.shape[1] - values.shape[1] == 1
                else None)
    numeric = _to_numeric(values, labels, path)
    found = None if channel_sets is None else channel_sets.recognise(labels, path)
    if found is None and channel_sets is not None:
        refuse_layout_without_channels(raw, labels, path)
    if found is None:
        transposed = channel_sets if transposed_sets is None else transposed_sets
        if transposed is not None:
            check_not_transposed(labels, [str(c) for c in numeric.columns], path, transposed)
        numeric.index = pd.Index(labels, name="Feature")
        return Matrix(numeric, None, str(path))
    name, standard, order = found
    numeric.index = pd.Index(standard, name="MutationType")
    numeric = numeric.loc[order]
    return Matrix(numeric, name, str(path))


#: How tables store real numbers: ten significant digits (see :func:`as_written`).
FLOAT_FORMAT = "%.10g"


def number_text(values: np.ndarray, *, exact: bool = False) -> list[str]:
    """How tables write each of ``values`` (1-D floats): in :data:`FLOAT_FORMAT`, except a
    whole number of ten or more digits up to MAX_CELL, written in full (ten significant
    digits would change a count of 12345678901 into 12345678900); NaN as an empty cell.

    ``exact`` writes every value in the shortest text that reads back as the same float
    (Python's ``repr``): for tables that carry a user's data on to later steps (a checked,
    stacked or split matrix), where ten digits would change 0.1234567890123 on the way.
    """
    array = np.asarray(values, dtype=np.float64)
    if exact:
        return ["" if v != v else str(int(v)) if v.is_integer() and abs(v) <= MAX_CELL
                else repr(v) for v in array.tolist()]
    whole = (np.abs(array) >= _FORMAT_WHOLE_LIMIT) & (np.abs(array) <= MAX_CELL)
    whole &= array == np.floor(array)
    return ["" if v != v else str(int(v)) if full else FLOAT_FORMAT % v
            for v, full in zip(array.tolist(), whole.tolist(), strict=True)]


def as_written(values: np.ndarray) -> np.ndarray:
    """``values`` as a table written by this module reads them back (:func:`number_text`):
    for numbers a result carries in memory and in its files alike, so that a decision taken
    on them is the same in one process and in separate jobs."""
    array = np.asarray(values, dtype=float)
    return np.array([float(text) for text in number_text(array.ravel())]).reshape(array.shape)


def write_matrix(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                 label: str = "MutationType", integer: bool = False,
                 exact: bool = False) -> None:
    """Write a labelled table as TSV atomically; ``integer`` writes counts without decimals,
    ``exact`` writes real values so that they read back unchanged (:func:`number_text`).

    A column named like the label column is refused: its header line would hold that name
    twice, and every reader (sigforge's too) rejects such a table. So is any other table
    :func:`read_matrix` would not read back (:func:`_check_readable`; ValueError).
    """
    if label in {str(c) for c in frame.columns}:
        raise InputError(f"{path}: a column (a sample, or a signature) is named '{label}', "
                         "the name of this table's label column, so the table could not be "
                         f"read back. Rename '{label}' in the input (e.g. '{label}_1').")
    out = frame.astype(np.int64) if len(frame.columns) and all(
        dtype.kind == "b" for dtype in frame.dtypes) else frame.copy()  # True/False: 1/0
    _check_readable(out, path)
    out.index = out.index.rename(label)
    if integer or _whole_and_exact(out):
        out = out.round().astype(np.int64)
    with atomic_write(path) as handle:
        write_tsv_chunks(out, handle, exact=exact)


def _check_readable(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Refuse a table :func:`read_matrix` would refuse once written: several header rows or
    label columns, a label or column name that is empty, holds a control character (a tab
    would shift every cell after it) or is given twice, or a value that is NaN, infinite,
    negative or above MAX_CELL. The message names the first offending label or cell."""
    for axis, names in (("column", frame.columns), ("row", frame.index)):
        if isinstance(names, pd.MultiIndex):
            raise ValueError(f"{path}: cannot write a table with several {axis} label levels; "
                             "join them into one label first.")
        seen: set[str] = set()
        for name in (str(n).strip() for n in names):
            odd = first_control_character(name)
            if not name or odd is not None or name in seen:
                why = ("is empty" if not name else f"holds {describe_character(odd)}"
                       if odd is not None else "is given twice")
                raise ValueError(f"{path}: cannot write {axis} label {name!r}: it {why}, and "
                                 "the table could not be read back. Rename it.")
            seen.add(name)
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: cannot write a matrix with a cell that is no number "
                         f"({err}).") from err
    bad = ~np.isfinite(values) | (values < 0) | (values > MAX_CELL)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{path}: cannot write {values[row, column]} (row "
                         f"'{frame.index[row]}', column '{frame.columns[column]}'): a matrix "
                         f"holds finite values between 0 and {MAX_CELL:.0f}, and the table "
                         "could not be read back.")


#: Whole numbers below this print the same as an int64 and under :data:`FLOAT_FORMAT` ("%.10g"
#: keeps up to ten digits; 1e10 would print as 1e+10); :func:`number_text` writes larger ones
#: in full.
_FORMAT_WHOLE_LIMIT = 1e10

#: Rows formatted at a time by :func:`write_tsv_chunks`: bounds the text held in memory.
_CHUNK_ROWS = 20_000


def _whole_and_exact(frame: pd.DataFrame) -> bool:
    """True when every column is float and every value a whole number in [0, MAX_CELL],
    without a negative zero: written as int64 such a table is byte-identical to its
    :func:`number_text` text, and pandas writes integers in C, where it formats each float in
    Python (a count matrix of 10 million cells: 33 s against about 2 s)."""
    if frame.empty or any(dtype != np.float64 for dtype in frame.dtypes):
        return False
    values = frame.to_numpy()
    return bool(((values >= 0) & (values <= MAX_CELL)).all()
                and not np.signbit(values).any() and (values == np.floor(values)).all())


def _formatted_floats(block: pd.DataFrame, *, exact: bool = False) -> pd.DataFrame:
    """``block`` with each float column as text (:func:`number_text`), as
    ``to_csv(float_format=FLOAT_FORMAT)`` would write it but for large whole numbers, at a
    third of its cost."""
    out = block.copy()
    for position, dtype in enumerate(block.dtypes):
        if dtype == np.float64:
            out.isetitem(position, number_text(block.iloc[:, position].to_numpy(),
                                               exact=exact))
    return out


def write_tsv_chunks(frame: pd.DataFrame, handle: IO[str], *, exact: bool = False) -> None:
    """Write ``frame`` (index included) to ``handle`` as tab-separated text with floats as
    :func:`number_text` writes them, a block of rows at a time: the same bytes as pandas'
    ``to_csv`` with :data:`FLOAT_FORMAT` (but for whole numbers of ten or more digits, which
    it writes in full), in a third of the time and without holding the whole table as text;
    ``exact`` as :func:`number_text` says."""
    frame.iloc[:0].to_csv(handle, sep="\t")
    for start in range(0, len(frame), _CHUNK_ROWS):
        block = _formatted_floats(frame.iloc[start:start + _CHUNK_ROWS], exact=exact)
        block.to_csv(handle, sep="\t", header=False, float_format=FLOAT_FORMAT)


def read_table(path: str | os.PathLike[str], *, written_by_sigforge: bool = True,
               text_index: bool = False) -> pd.DataFrame:
    """Read a TSV table with its first column as index: one of our own outputs (metrics, logs),
    refused as cut short when its last line is incomplete; or, with ``written_by_sigforge``
    False, a user's table, which need not end with a newline. ``text_index`` keeps the first
    column as written: sample names '001' and '002' would otherwise become the numbers 1, 2."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {not_found(path)}.")
    check_regular_file(path, str(path))
    if written_by_sigforge and not _ends_with_newline(path):
        raise _damaged(path, ValueError("its last line is incomplete"))
    try:
        return pd.read_csv(path, sep="\t", index_col=0, keep_default_na=False,
                           converters={0: str} if text_index else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        if not written_by_sigforge:  # the user's file: no rerun rebuilds it
            reason = " ".join(str(err).split()) or type(err).__name__
            raise InputError(f"{path}: cannot be read as a tab-separated table ({reason}); "
                             "expected a header line, then one row per entry.") from err
        raise _damaged(path, err) from err


def _ends_with_newline(path: Path) -> bool:
    """Whether a non-empty text file ends with a newline, as every table sigforge writes does:
    one cut short (a copy broken off, a disk that filled up) ends mid-line, and pandas would
    read the missing cells as empty ones."""
    with open(path, "rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return True  # empty: the reader's own error says so
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _damaged(path: str | os.PathLike[str], err: Exception) -> InputError:
    """The error for one of our own intermediate files that is cut short or damaged."""
    reason = " ".join(str(err).split()) or type(err).__name__
    return InputError(f"{path}: damaged or cut short ({reason}). sigforge wrote this file: "
                      "delete it and rerun the step that writes it (a plain snakemake rerun "
                      "rebuilds it).")


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a plain TSV table atomically, index included."""
    with atomic_write(path) as handle:
        write_tsv_chunks(frame, handle)


def write_json(payload: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a small JSON document (provenance, summaries) atomically."""
    with atomic_write(path) as handle:
        json.dump(payload, handle, indent=2, default=str)
        handle.write("\n")


def read_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON document written by :func:`write_json`."""
    try:
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _damaged(path, err) from err
    if not isinstance(result, dict):
        raise _damaged(path, ValueError(f"expected a JSON object, got {type(result).__name__}"))
    return result


def save_arrays(path: str | os.PathLike[str], **arrays: np.ndarray) -> None:
    """Save named arrays as an uncompressed ``.npz`` atomically (bit-exact float64).

    Object arrays are refused: numpy would pickle them, and :func:`load_arrays` does not
    unpickle (a pickle runs code when loaded).
    """
    for name, array in arrays.items():
        if np.asarray(array).dtype.hasobject:
            raise TypeError(f"{name}: expected an array of numbers or fixed-width text, got "
                            "Python objects, which would be stored pickled and could not be "
                            "loaded back; convert it (e.g. array.astype(float) or "
                            "array.astype(str)).")
    with atomic_write(path, mode="wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]


def load_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` written by :func:`save_arrays`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, zlib.error) as err:
        raise _damaged(path, err) from err

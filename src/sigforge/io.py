"""Generic labelled tables in and out; every write is atomic.

Tables are SigProfiler-compatible: a first label column (``MutationType`` for catalogs and
signature tables, ``Signature`` for exposures, any name for a generic matrix) and one column per
sample or signature. :func:`read_matrix` accepts tab- or comma-separated text and Parquet (and
PCAWG's two label columns ``Mutation type`` + ``Trinucleotide``, joined) and keeps the table's
own row order, unless the caller passes ``channel_sets``: an object that recognises known row
label sets and puts them in their standard order. :mod:`sigforge.genomics.tables` passes the
mutation channel sets (SBS96, DBS78, ID83, ...); this module knows nothing of mutations and
imports nothing of :mod:`sigforge.genomics`.

Every rejected table raises :class:`InputError` with the file, the line (header = line 1) or
column, what was expected, what was found, and the fix. Outputs get the permissions the umask
gives any new file.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sigforge._atomic import atomic_write, current_umask, file_identity, removed_on_failure

__all__ = ["ChannelSets", "InputError", "MAX_CELL", "Matrix", "atomic_write",
           "check_regular_file", "current_umask", "file_identity", "load_arrays", "read_json",
           "read_matrix", "read_table", "removed_on_failure", "row_location", "save_arrays",
           "write_json", "write_matrix", "write_table"]


class InputError(ValueError):
    """Bad user input; the message names the file, the line or sample, and the fix."""


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


def check_regular_file(path: Path, label: str) -> None:
    """Raise an InputError when an existing ``path`` is not a regular file.

    A folder cannot be read as a table; a device (``/dev/zero``), a named pipe or a socket may
    never end, or block forever waiting for a writer, so a reader would hang or fill the
    memory instead of failing. ``label`` names the input in the message (``"VCF x.vcf"``).
    """
    if path.is_dir():
        raise InputError(f"{label}: is a folder, not a file. Give the file itself.")
    if path.exists() and not path.is_file():
        raise InputError(f"{label}: is not a regular file (a device, named pipe or socket, "
                         "which may never end or may block waiting for a writer). Save the "
                         "data to a file and give that file.")


def _read_parquet_as_text(path: Path) -> pd.DataFrame:
    """Read a Parquet table with every cell as text, so it passes the same checks as TSV/CSV.

    A named (non-default) index becomes the label column; float cells keep their exact value
    through ``repr``.
    """
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several unrelated types for corrupt files
        raise InputError(f"{path}: cannot be read as Parquet ({err}).") from err
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise InputError(f"{path}: column '{repeated[0]}' appears more than once; give every "
                         "sample column a distinct name.")
    frame.columns = [str(c) for c in frame.columns]
    if len(frame.columns):  # a null label reads back as NaN: make it the empty label it is
        labels = frame.iloc[:, 0].astype(object)
        frame[frame.columns[0]] = labels.where(labels.notna(), None)
    return frame.map(lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v))


def _check_text_format(path: Path) -> None:
    """Refuse a gzip-compressed or Parquet file given under a text table's name, naming the
    format and the fix, instead of reporting its first bytes as text that is not UTF-8."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:2] == b"\x1f\x8b":
        plain = path.with_suffix("") if path.suffix.lower() == ".gz" else path.with_name(
            f"{path.stem}.plain{path.suffix}")
        raise InputError(f"{path}: is gzip-compressed, but tables are read as plain text. "
                         f"Decompress it first (e.g. gzip -dc {path} > {plain}) and give the "
                         "decompressed file.")
    if magic == b"PAR1":
        raise InputError(f"{path}: is a Parquet file, but only names ending in .parquet are "
                         "read as Parquet (others as tab- or comma-separated text). Rename it "
                         f"to end in .parquet (e.g. mv {path} {path.with_suffix('.parquet')}).")


def _header_line(path: Path) -> str:
    """The first line of a text table (BOM removed); an error for an empty file."""
    with open(path, encoding="utf-8-sig") as handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: line 1 is not UTF-8 text ({err}). Save the table as "
                             "UTF-8 (or ASCII) tab- or comma-separated text.") from err
    if not first.strip():
        raise InputError(f"{path}: the file is empty (or its first line is blank); expected a "
                         "header line (label column, then one column per sample or signature) "
                         "followed by one row per feature. Check that the right file was "
                         "given and that it was written completely.")
    return first


def _check_header(header: list[str], path: Path) -> None:
    """Refuse repeated column names (pandas would silently rename them 's0', 's0.1')."""
    names = [name.strip() for name in header]
    odd = [name for name in names if any(ord(ch) < 32 or ord(ch) == 127 for ch in name)]
    if odd:
        raise InputError(f"{path}: line 1 (header): column name {odd[0]!r} holds a NUL or other "
                         "control character (a damaged or binary file?). Remove the character "
                         "or rewrite the table as plain text.")
    repeated = [name for i, name in enumerate(names) if name in names[:i]]
    if repeated:
        raise InputError(f"{path}: line 1 (header): column '{repeated[0]}' appears more than "
                         f"once ({names.count(repeated[0])} times); expected one column per "
                         "sample or signature. Give every column a distinct name.")


def _read_raw_table(path: Path) -> pd.DataFrame:
    """Read a delimited (or Parquet) table with every cell as text, sniffing tab versus comma.

    A UTF-8 byte-order mark and Windows (CRLF) line endings are accepted.
    """
    if not path.exists():
        raise InputError(f"{path}: file not found. Check the path (relative paths are taken "
                         f"from the working directory {Path.cwd()}).")
    check_regular_file(path, str(path))
    if path.suffix.lower() == ".parquet":
        return _read_parquet_as_text(path)
    _check_text_format(path)
    first = _header_line(path)
    separator = "\t" if first.count("\t") >= first.count(",") else ","
    header = next(csv.reader([first.rstrip("\r\n")], delimiter=separator), [])
    _check_header(header, path)
    try:
        frame = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as a tab- or comma-separated table ({err}). "
                         "Write one row per feature with a label column first and the same "
                         "number of columns on every line, as UTF-8 text.") from err
    frame = _drop_trailing_separator_column(frame, header)
    _check_named_columns(header[:frame.shape[1]], path)
    return frame


def _check_named_columns(header: list[str], path: Path) -> None:
    """Refuse a column after the first whose header cell is empty: pandas would call it
    'Unnamed: N' and the sample's results would come out under that made-up name. (The first
    column holds the labels, and a table written from a pandas index leaves its cell empty.)"""
    for number, name in enumerate(header[1:], start=2):
        if not name.strip():
            raise InputError(f"{path}: line 1 (header): column {number} has no name, but "
                             "every column after the labels is a sample or signature. Write "
                             "its name in the header, or delete the column.")


def _drop_trailing_separator_column(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Drop the nameless, empty last column that a separator at the end of every line makes.

    Spreadsheet exports often end each line with a tab or comma; pandas reads that as a column
    'Unnamed: N' of empty cells, which is no sample. A nameless column holding any value is
    kept, so that the cell checks name it.
    """
    if len(header) > 1 and not header[-1].strip() and (frame.iloc[:, -1] == "").all():
        return frame.iloc[:, :-1]
    return frame


def _split_labels(raw: pd.DataFrame, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Separate the label column(s) from the value columns; joins PCAWG's two label columns.

    Labels and column names lose surrounding spaces (spreadsheets often pad them), so
    ``'A[C>A]A '`` is the channel ``A[C>A]A`` and ``'s1 '`` the sample ``s1``.
    """
    columns = [str(c).strip() for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    pcawg = [c.lower() for c in columns[:2]] == ["mutation type", "trinucleotide"]
    if len(columns) < (3 if pcawg else 2):
        raise InputError(f"{path}: line 1 (header): expected a label column and at least one "
                         f"value column (one per sample or signature), got only {columns}. "
                         "Add the sample columns; if the file has them, separate the columns "
                         "with tabs or commas (not spaces or semicolons).")
    if pcawg:
        labels = [f"{a.strip()}:{b.strip()}" for a, b in zip(raw.iloc[:, 0], raw.iloc[:, 1],
                                                             strict=True)]
        return labels, raw.iloc[:, 2:]
    return [str(v).strip() for v in raw.iloc[:, 0]], raw.iloc[:, 1:]


def row_location(path: Path, row: int) -> str:
    """Where data row ``row`` (0-based) is: the file line for text (header = line 1), else the
    1-based row of a Parquet table."""
    if path.suffix.lower() == ".parquet":
        return f"row {row + 1}"
    return f"line {row + 2}"


#: Largest cell value accepted: 2**53, beyond which float64 holds no longer every whole number
#: (counts would silently change) and count resampling overflows.
MAX_CELL = float(2 ** 53)


def _bad_cell(values: pd.DataFrame, labels: list[str], path: Path, bad: np.ndarray,
              negative: bool = False, too_large: bool = False) -> InputError:
    """The error for the first True cell of ``bad``: file, line, column, row label, the fix."""
    row, col = np.argwhere(bad)[0]
    cell, count = str(values.iat[row, col]), int(bad.sum())
    where = f"{path}: {row_location(path, row)}, column '{values.columns[col]}'"
    more = f" ({count - 1} more such cell(s) in the table)" if count > 1 else ""
    if negative:
        return InputError(f"{where}: expected a nonnegative value, got {cell.strip()} (row "
                          f"'{labels[row]}'){more}. Counts and signature weights cannot be "
                          "negative: correct the value (data that can be negative need a "
                          "nonnegative transform first).")
    if too_large:
        return InputError(f"{where}: {cell.strip()} is above {MAX_CELL:,.0f} (row "
                          f"'{labels[row]}'){more}, more than any count of mutations and "
                          "beyond what 64-bit floats hold exactly. Correct the value, or "
                          "rescale real-valued data.")
    got = "'' (an empty cell)" if not cell.strip() else f"'{cell}'"
    return InputError(f"{where} (row '{labels[row]}'): expected a finite number, got {got}"
                      f"{more}. Replace it with a number (0 where nothing was observed); NaN, "
                      "infinity and text are not accepted.")


def _to_numeric(values: pd.DataFrame, labels: list[str], path: Path) -> pd.DataFrame:
    """Convert text cells to float64, naming the first offending cell on failure.

    Text tables name the file line (header = line 1); Parquet tables the 1-based data row.
    """
    numeric = values.apply(pd.to_numeric, errors="coerce")
    array = numeric.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(array)
    if not finite.all():
        raise _bad_cell(values, labels, path, ~finite)
    if (array < 0).any():
        raise _bad_cell(values, labels, path, array < 0, negative=True)
    if (array > MAX_CELL).any():
        raise _bad_cell(values, labels, path, array > MAX_CELL, too_large=True)
    return numeric.astype(np.float64)


def _check_rows(labels: list[str], values: pd.DataFrame, path: Path) -> None:
    """Refuse a table without data rows or with a row label given twice."""
    if values.shape[0] == 0:
        raise InputError(f"{path}: the table has a header but no data rows; expected one row "
                         "per feature (channel) below the header line. Check that the file was "
                         "written completely.")
    seen: dict[str, int] = {}
    for row, label in enumerate(labels):
        _check_label(label, path, row)
        if label in seen:
            first = row_location(path, seen[label])
            raise InputError(f"{path}: {row_location(path, row)}: row label '{label}' appears "
                             f"more than once (first on {first}); expected each feature exactly "
                             "once. Merge or rename the repeated rows.")
        seen[label] = row


def _check_label(label: str, path: Path, row: int) -> None:
    """Refuse an empty row label or one holding a NUL, tab or other control character."""
    if not label:
        raise InputError(f"{path}: {row_location(path, row)}: empty row label; expected the "
                         "feature name in the first column. Fill it in or delete the row.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in label):
        raise InputError(f"{path}: {row_location(path, row)}: row label {label!r} holds a NUL, tab "
                         "or other control character (a damaged or binary file?). Remove the "
                         "character or rewrite the table as plain text.")


def read_matrix(path: str | os.PathLike[str], *,
                channel_sets: ChannelSets | None = None) -> Matrix:
    """Read a features x columns table (catalog, signatures, any matrix), aligned by label.

    With ``channel_sets`` None the table is a generic matrix in its own row order (index name
    ``Feature``). Otherwise ``channel_sets.recognise`` decides: a table whose labels form a known
    set comes back in that set's standard order (index name ``MutationType``) with
    :attr:`Matrix.channel_set` naming it; any other table is a generic matrix.

    Raises
    ------
    InputError
        Missing, empty or unreadable file, no data rows or value columns, duplicate labels or
        column names, non-numeric, non-finite or negative cells, or whatever ``channel_sets``
        refuses (an incomplete channel set); the message names the file, line and column, and
        the fix.
    """
    path = Path(path)
    labels, values = _split_labels(_read_raw_table(path), path)
    _check_rows(labels, values, path)
    numeric = _to_numeric(values, labels, path)
    found = None if channel_sets is None else channel_sets.recognise(labels, path)
    if found is None:
        numeric.index = pd.Index(labels, name="Feature")
        return Matrix(numeric, None, str(path))
    name, standard, order = found
    numeric.index = pd.Index(standard, name="MutationType")
    numeric = numeric.loc[order]
    return Matrix(numeric, name, str(path))


def write_matrix(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                 label: str = "MutationType", integer: bool = False) -> None:
    """Write a labelled table as TSV atomically; ``integer`` writes counts without decimals.

    A column named like the label column is refused: its header line would hold that name
    twice, and every reader (sigforge's too) rejects such a table.
    """
    if label in {str(c) for c in frame.columns}:
        raise InputError(f"{path}: a column (a sample, or a signature) is named '{label}', "
                         "the name of this table's label column, so the table could not be "
                         f"read back. Rename '{label}' in the input (e.g. '{label}_1').")
    out = frame.copy()
    out.index = out.index.rename(label)
    if integer:
        out = out.round().astype(np.int64)
    with atomic_write(path) as handle:
        out.to_csv(handle, sep="\t", float_format="%.10g")


def read_table(path: str | os.PathLike[str], *, written_by_sigforge: bool = True
               ) -> pd.DataFrame:
    """Read a TSV table with its first column as index: one of our own outputs (metrics, logs),
    refused as cut short when its last line is incomplete; or, with ``written_by_sigforge``
    False, a user's table, which need not end with a newline."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found.")
    check_regular_file(path, str(path))
    if written_by_sigforge and not _ends_with_newline(path):
        raise _damaged(path, ValueError("its last line is incomplete"))
    try:
        return pd.read_csv(path, sep="\t", index_col=0, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
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
        frame.to_csv(handle, sep="\t", float_format="%.10g")


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
    """Save named arrays as an uncompressed ``.npz`` atomically (bit-exact float64)."""
    with atomic_write(path, mode="wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]


def load_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` written by :func:`save_arrays`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, zlib.error) as err:
        raise _damaged(path, err) from err

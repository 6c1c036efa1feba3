"""Reading and writing of catalogs, signatures and exposures; every write is atomic.

Tables are SigProfiler-compatible: a first label column (``MutationType`` for catalogs and
signature tables, ``Signature`` for exposures) and one column per sample or signature.
Readers accept tab- or comma-separated files, the label styles in common use (``A[C>A]A``,
``ACA>AAA``, PCAWG's two columns ``C>A`` + ``ACA``) and always align rows by label: a table
whose labels form a known channel set comes back in the standard channel order; any other
table is a generic matrix and keeps its own row order.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd


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
        ``"SBS96"`` when the row labels form that channel set, else None (generic matrix).
    path : str
        Where the table was read from, for messages.
    """

    data: pd.DataFrame
    channel_set: str | None
    path: str


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and rename it over ``path`` only on success.

    A killed process therefore never leaves a half-written output that a workflow engine
    would mistake for a finished one.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
    return frame.map(lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v))


def _read_raw_table(path: Path) -> pd.DataFrame:
    """Read a delimited (or Parquet) table with every cell as text, sniffing tab versus comma."""
    if not path.exists():
        raise InputError(f"{path}: file not found. Check the path (relative paths are taken "
                         f"from the working directory {Path.cwd()}).")
    if path.suffix.lower() == ".parquet":
        return _read_parquet_as_text(path)
    with open(path, encoding="utf-8-sig") as handle:
        first = handle.readline()
    separator = "\t" if first.count("\t") >= first.count(",") else ","
    # pandas renames repeated header names ('s0', 's0.1'), so repeats are caught here.
    header = next(csv.reader([first], delimiter=separator), [])
    repeated = [name for i, name in enumerate(header) if name in header[:i]]
    if repeated:
        raise InputError(f"{path}: column '{repeated[0].strip()}' appears more than once in "
                         "the header; give every sample column a distinct name.")
    try:
        return pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as a tab- or comma-separated table ({err}). "
                         "Write one row per feature with a label column first.") from err


def _split_labels(raw: pd.DataFrame, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Separate the label column(s) from the value columns; joins PCAWG's two label columns."""
    columns = list(raw.columns)
    if len(columns) < 2:
        raise InputError(f"{path}: expected a label column and at least one value column, "
                         f"got columns {columns}.")
    lowered = [c.strip().lower() for c in columns]
    if len(columns) >= 3 and lowered[0] == "mutation type" and lowered[1] == "trinucleotide":
        labels = [f"{a}:{b}" for a, b in zip(raw.iloc[:, 0], raw.iloc[:, 1], strict=True)]
        return labels, raw.iloc[:, 2:]
    return [str(v) for v in raw.iloc[:, 0]], raw.iloc[:, 1:]


def _to_numeric(values: pd.DataFrame, labels: list[str], path: Path) -> pd.DataFrame:
    """Convert text cells to float64, naming the first offending cell on failure.

    Text tables name the file line (header = line 1); Parquet tables the 1-based data row.
    """
    where = "row {}" if path.suffix.lower() == ".parquet" else "line {}"
    offset = 1 if path.suffix.lower() == ".parquet" else 2
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() | ~np.isfinite(numeric.to_numpy(dtype=float, na_value=np.nan))
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        cell = values.iat[row, col]
        raise InputError(f"{path}: {where.format(row + offset)}, column "
                         f"'{values.columns[col]}' (row '{labels[row]}'): expected a finite "
                         f"number, got '{cell}'.")
    if (numeric.to_numpy() < 0).any():
        row, col = np.argwhere(numeric.to_numpy() < 0)[0]
        raise InputError(f"{path}: {where.format(row + offset)}, column "
                         f"'{values.columns[col]}': expected a nonnegative value, got "
                         f"{numeric.iat[row, col]}.")
    return numeric.astype(np.float64)


def read_matrix(path: str | os.PathLike[str], *, generic: bool = False) -> Matrix:
    """Read a features x columns table (catalog or signatures), aligned by label.

    ``generic=True`` skips the detection of mutation channel sets: the table is taken as a
    generic matrix in its own row order, and no genomics module is imported.

    Raises
    ------
    InputError
        Missing file, unreadable table, duplicate labels, non-numeric, non-finite or negative
        cells; the message names the file, line and column.
    """
    path = Path(path)
    labels, values = _split_labels(_read_raw_table(path), path)
    duplicated = pd.Index(labels)[pd.Index(labels).duplicated()]
    if len(duplicated):
        raise InputError(f"{path}: row label '{duplicated[0]}' appears more than once; "
                         "each feature must have exactly one row.")
    duplicated_cols = values.columns[values.columns.duplicated()]
    if len(duplicated_cols):
        raise InputError(f"{path}: column '{duplicated_cols[0]}' appears more than once.")
    numeric = _to_numeric(values, labels, path)
    if generic:
        numeric.index = pd.Index(labels, name="Feature")
        return Matrix(numeric, None, str(path))
    from sigforge.contexts import CHANNEL_SETS, detect_channel_set

    detected = detect_channel_set(labels)
    if detected is None:
        numeric.index = pd.Index(labels, name="Feature")
        return Matrix(numeric, None, str(path))
    name, standard = detected
    numeric.index = pd.Index(standard, name="MutationType")
    numeric = numeric.loc[list(CHANNEL_SETS[name])]
    return Matrix(numeric, name, str(path))


def write_matrix(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                 label: str = "MutationType", integer: bool = False) -> None:
    """Write a labelled table as TSV atomically; ``integer`` writes counts without decimals."""
    out = frame.copy()
    out.index = out.index.rename(label)
    if integer:
        out = out.round().astype(np.int64)
    with atomic_write(path) as handle:
        out.to_csv(handle, sep="\t", float_format="%.10g")


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read one of our own TSV outputs (metrics, logs) with its first column as index."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found.")
    return pd.read_csv(path, sep="\t", index_col=0, keep_default_na=False)


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
    with open(path, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result


def save_arrays(path: str | os.PathLike[str], **arrays: np.ndarray) -> None:
    """Save named arrays as an uncompressed ``.npz`` atomically (bit-exact float64)."""
    with atomic_write(path, mode="wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]


def load_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` written by :func:`save_arrays`."""
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}

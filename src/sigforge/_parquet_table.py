"""Parquet tables read as raw text cells, so that they pass the same checks as TSV and CSV
(:func:`sigforge._text_tables.read_raw_table`): a named index or a first text column holds
the labels; a repeated, nested or unnamed column, and a table whose labels were lost to
pandas' default row numbers, are refused with the fix."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sigforge._errors import InputError

logger = logging.getLogger("sigforge")


def read_parquet_as_text(path: Path) -> pd.DataFrame:
    """Read a Parquet table with every cell as text, so it passes the same checks as TSV/CSV.

    A named (non-default) index becomes the label column; float cells keep their exact value
    through ``repr``; a null text cell is an empty cell.
    """
    frame = _read_frame(path)
    _refuse_nested_labels(frame, path)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        if frame.index.name is not None and frame.index.name in frame.columns:
            raise InputError(f"{path}: the index (the row labels) is named "
                             f"'{frame.index.name}', the name of a column too, so the table "
                             "would have two columns of that name. Rename the index (pandas: "
                             "frame.rename_axis('Feature')) and write the table again.")
        frame = frame.reset_index()
    elif len(frame.columns) and frame.dtypes.iloc[0].kind in "fiub":
        raise InputError(f"{path}: the Parquet table has no label column: its index is "
                         "pandas' default row numbers and its first column "
                         f"'{frame.columns[0]}' holds numbers, a sample's values rather than "
                         "feature labels. Write the table with the labels as its index "
                         "(pandas: frame.set_index(LABELS).to_parquet(PATH)) or as a first "
                         "text column (numeric labels as text: "
                         "frame[LABELS] = frame[LABELS].astype(str)).")
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise InputError(f"{path}: column '{repeated[0]}' appears more than once; give every "
                         "sample column a distinct name.")
    frame.columns = [str(c) for c in frame.columns]
    for position, dtype in enumerate(frame.dtypes):
        if position == 0 or dtype.kind not in "fiub":
            # a null label or text cell reads back as NaN: make it the empty cell it is
            cells = frame.iloc[:, position].astype(object)
            frame.isetitem(position, cells.where(cells.notna(), None))
    return frame.map(lambda v: "" if v is None else repr(v) if isinstance(v, float) else str(v))


def _read_frame(path: Path) -> pd.DataFrame:
    """The table as pandas reads it. A repeated column is refused by name before pyarrow's
    own message (its schema dump); a file whose pandas metadata (the index and column
    description pandas adds) is damaged is read from its columns alone, with a warning."""
    import pyarrow.parquet as pq  # here: pyarrow is slow to import and only Parquet needs it

    try:
        names = pq.read_schema(path).names
    except Exception as err:  # pyarrow raises several unrelated types for corrupt files
        raise InputError(f"{path}: cannot be read as Parquet ({err}).") from err
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"{path}: column '{repeated[0]}' appears more than once; give every "
                         "sample column a distinct name.")
    try:
        return pd.read_parquet(path)
    except Exception as err:
        try:
            frame = pq.read_table(path).replace_schema_metadata(None).to_pandas()
        except Exception:
            raise InputError(f"{path}: cannot be read as Parquet ({err}).") from err
        logger.warning("%s: the table's pandas metadata cannot be read (%s); its columns were "
                       "read as they are, the first as the labels.", path, err)
    index = [name for name in frame.columns if str(name).startswith("__index_level_")]
    return frame[index + [name for name in frame.columns if name not in index]]


def _refuse_nested_labels(frame: pd.DataFrame, path: Path) -> None:
    """Refuse several index levels (row labels in parts) and several column levels (sample
    names in parts): each must be one name, joined by the user the way they want it shown."""
    for axis, index, fix in (("row", frame.index, "frame.index = frame.index.map(':'.join)"),
                             ("column", frame.columns,
                              "frame.columns = frame.columns.map(':'.join)")):
        if isinstance(index, pd.MultiIndex):
            raise InputError(f"{path}: the Parquet table's {axis} labels have "
                             f"{index.nlevels} levels (a pandas MultiIndex, such as "
                             f"{tuple(map(str, index[0]))!r}); each {axis} needs one name. "
                             f"Join the levels before writing (pandas: {fix}).")

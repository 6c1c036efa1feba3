"""Checks of a table's rows and labels as :func:`sigforge.io.read_matrix` reads it: no data
rows, repeated or empty labels, a row index written as a column, a transposed table, and a
catalog's label layout whose rows name no channel set. Each refusal names the file, the line
and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sigforge._errors import InputError
from sigforge._text_tables import MULTI_LABEL_LAYOUTS, header_place, label_layout, row_location
from sigforge._validation import (
    describe_character,
    first_control_character,
    refuse_lookalikes,
)

if TYPE_CHECKING:
    from sigforge.io import ChannelSets


def check_rows(labels: list[str], values: pd.DataFrame, path: Path,
                written: pd.Series | None = None) -> None:
    """Refuse a table without data rows or with a row label given twice. ``written`` (the
    label column as in the file) shows padded spellings of a repeated label: labels lose
    surrounding spaces, so ``' f0 '`` and ``'f0'`` are one label."""
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
                             f"more than once (first on {first}"
                             f"{_padded_spellings(written, seen[label], row)}); expected each "
                             f"feature exactly once. {_repeated_label_fix(values)}")
        seen[label] = row
    refuse_lookalikes(labels, lambda a, b: (
        f"{path}: {row_location(path, b)}: row labels",
        f"{row_location(path, a)} and {row_location(path, b)}"), "features",
        "Spell both labels the same way and merge the rows if they are one feature, or "
        "rename one.")


def check_labels_first(labels: list[str], values: pd.DataFrame, path: Path) -> None:
    """Refuse a table whose row labels are in a later column (R's or a spreadsheet's export
    with the names last): the first column holds numbers in every row and another column
    text in every row. Read as it is, the numbers would be the labels, and the message would
    speak of repeated labels or of text cells instead of the misplaced column."""
    if 0 in values.shape or pd.to_numeric(pd.Series(labels), errors="coerce").isna().any():
        return
    for position in range(values.shape[1]):
        column = values.iloc[:, position].astype(str).str.strip()
        if (column != "").all() and pd.to_numeric(column, errors="coerce").isna().all():
            name, sep = values.columns[position], _separator(path).replace("\t", "\\t")
            raise InputError(f"{path}: column {position + 2} ('{name}') holds text in every "
                             f"row (such as '{column.iloc[0]}') and the first column numbers "
                             "(such as "
                             f"'{labels[0]}'): the row labels must be the first column. Move "
                             f"'{name}' to the front (pandas: pd.read_csv(IN, sep='{sep}')"
                             f".set_index('{name}').to_csv('matrix.tsv', sep='\\t')).")


def _padded_spellings(written: pd.Series | None, first: int, row: int) -> str:
    """', written ' f0 ' and 'f0' (labels are read without surrounding spaces)' when either
    row's label carries spaces the comparison dropped; else ''."""
    if written is None:
        return ""
    spellings = [str(written.iloc[first]), str(written.iloc[row])]
    if all(text == text.strip() for text in spellings):
        return ""
    return (f", written '{spellings[0]}' and '{spellings[1]}'; labels are read without "
            "surrounding spaces")


def _repeated_label_fix(values: pd.DataFrame) -> str:
    """The fix for a repeated row label: merge or rename the rows, unless the column after the
    labels holds text rather than numbers, when the label is only part of the name: the
    table has several label columns (as COSMIC v2's ``Substitution Type``,
    ``Trinucleotide``, ``Somatic Mutation Type``), and merging rows would be wrong."""
    column = values.iloc[:, 0].astype(str).str.strip()
    if values.shape[1] > 1 and pd.to_numeric(column, errors="coerce").isna().all():
        return (f"Column 2 ('{values.columns[0]}') holds text such as '{column.iloc[0]}', not "
                "numbers: the table has more than one label column. Keep one column that "
                "names each row fully (e.g. 'A[C>A]A') and delete the others; COSMIC v2's "
                "'Substitution Type', 'Trinucleotide', 'Somatic Mutation Type', COSMIC "
                "v3.0's 'Type', 'SubType' and PCAWG's 'Mutation type', 'Trinucleotide' "
                "(SBS96), 'Ref', 'Var' (DBS78) and 'Type', 'Subtype', 'Indel_size', "
                "'Repeat_MH_size' (ID83) are read as they are.")
    return "Merge or rename the repeated rows."


def _check_label(label: str, path: Path, row: int) -> None:
    """Refuse an empty row label or one holding a NUL, tab or other control character."""
    if not label:
        raise InputError(f"{path}: {row_location(path, row)}: empty row label; expected the "
                         "feature name in the first column. Fill it in or delete the row.")
    odd = first_control_character(label)
    if odd is not None:
        raise InputError(f"{path}: {row_location(path, row)}: row label {label!r} holds "
                         f"{describe_character(odd)} (a control character; a damaged or "
                         "binary file?). Remove the character or rewrite the table as plain "
                         "text.")


def check_index_column(header: str, labels: list[str], values: pd.DataFrame,
                        path: Path) -> None:
    """Refuse a table written with its row index as an extra first column: a first column
    without a name (or pandas' 'Unnamed: 0') holding the row numbers 0, 1, 2, ... (or R's
    1, 2, 3, ...), followed by a column of text labels. Read as it is, the row numbers
    would be the labels and the real labels the first sample's cells, reported as text
    where a number was expected."""
    if (header and not re.fullmatch(r"Unnamed: [0-9]+", header)) or values.shape[1] < 2:
        return
    first = 0 if labels[:1] == ["0"] else 1
    if labels != [str(row) for row in range(first, first + len(labels))]:
        return
    cells = values.iloc[:, 0].astype(str).str.strip()
    if (cells == "").any() or pd.to_numeric(cells, errors="coerce").notna().any():
        return
    name = "no name" if not header else f"the name '{header}'"
    raise InputError(f"{path}: the first column (with {name} in the header) holds the row "
                     f"numbers {labels[0]} to {labels[-1]}, and column 2 "
                     f"('{values.columns[0]}') the labels (such as '{cells.iloc[0]}' on "
                     f"{row_location(path, 0)}): the table was written with its row index "
                     "as an extra first column. Delete the first column, or write the table "
                     "without its index (pandas: to_csv(..., index=False); R: "
                     "write.table(..., row.names=FALSE)).")


def check_not_transposed(labels: list[str], columns: list[str], path: Path,
                          sets: ChannelSets) -> None:
    """Refuse a table whose column names, not its row labels, form a known label set.

    Such a table is transposed (samples as rows, channels as columns): read as it is, its
    samples would be factored as features and its channels as samples, or refused for
    'samples' without mutations that are channels. A column set that is mostly one known set
    but not all of it (which ``sets`` refuses) counts as well.
    """
    try:
        found = sets.recognise(columns, path)
    except InputError:  # mostly one known set: still channels as columns
        found = ("", [], [])
    if found is None:
        return
    what = f"{found[0]} channel labels" if found[0] else "mostly labels of a known channel set"
    raise InputError(f"{path}: the table looks transposed: its column names (read as "
                     f"samples), such as '{columns[0]}', are {what}, and its rows, such as "
                     f"'{labels[0]}' on {row_location(path, 0)}, are samples (or "
                     "signatures). Transpose it: "
                     "one row per feature (channel), one column per sample (in Python: "
                     f"pandas.read_csv(PATH, sep={_separator(path)!r}, index_col=0).T"
                     ".to_csv(NEW_PATH, sep='\\t')).")


def _separator(path: Path) -> str:
    """The separator a transposing pandas line should read ``path`` with: ',' for a CSV
    (by name or by a header holding commas and no tab), else a tab."""
    if str(path).lower().removesuffix(".gz").endswith(".csv"):
        return ","
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
    except OSError:
        return "\t"
    return "," if "," in header and "\t" not in header else "\t"


def refuse_layout_without_channels(raw: pd.DataFrame, labels: list[str], path: Path) -> None:
    """Refuse a table whose header names a catalog's label columns (PCAWG's, COSMIC's) when
    its labels are no channel set: read as a generic matrix, such a catalog would be
    factored without its channels (lower-case or purine-strand spellings, say), silently."""
    layout = label_layout(raw)
    if layout is None:
        return
    names = ", ".join(f"'{c}'" for c in raw.columns[:len(layout)])
    raise InputError(f"{path}: {header_place(path)}: the label columns {names} are "
                     f"{MULTI_LABEL_LAYOUTS[layout]}'s layout of a mutation catalog, but the "
                     f"rows, such as '{labels[0][:80]}' on {row_location(path, 0)} (the "
                     "columns joined with ':'), name no channel set sigforge reads. Write "
                     "each row as the layout does: upper case; SBS96 on the pyrimidine strand "
                     "('C>A', 'ACA'); DBS78 on COSMIC's strand ('AC', 'CA', not its reverse "
                     "complement 'GT', 'TG'); ID83 as 'DEL', 'C', '1', '0' or 'INS', "
                     "'repeats', '5+', '0'. For a matrix that is no mutation catalog, give "
                     "--generic, or name its label column otherwise (e.g. 'Feature').")

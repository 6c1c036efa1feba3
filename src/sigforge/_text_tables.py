"""Reading tab- or comma-separated text (and Parquet) into raw string cells, keeping the
file line each row starts on, for :func:`sigforge.io.read_matrix`.

Rows are read with :mod:`csv` so that every message names the line an editor shows (blank
lines skipped but counted); a row with another number of fields than the header, an R-style
header (one field short), a quoted cell holding a line break, or bytes that are not UTF-8
are refused here, before any number is parsed. The separator is chosen from the header line:
tab whenever it holds one outside quotes, else comma if it holds one, else tab.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import pandas as pd

from sigforge import _direct_read
from sigforge._errors import InputError, check_regular_file, not_found
from sigforge._parquet_table import read_parquet_as_text
from sigforge._text_records import first_undecodable_line, read_records, separator_name
from sigforge._validation import (
    describe_character,
    first_control_character,
    refuse_lookalikes,
)

logger = logging.getLogger(__name__)


def _check_text_format(path: Path) -> None:
    """Refuse a gzip-compressed, zip (a spreadsheet workbook), UTF-16, binary (a PDF) or
    Parquet file given under a text table's name, naming the format and the fix, instead of
    reporting its first bytes as text that is not UTF-8."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    magic = head[:4]
    if magic[:2] == b"\x1f\x8b":
        plain = path.with_suffix("") if path.suffix.lower() == ".gz" else path.with_name(
            f"{path.stem}.plain{path.suffix}")
        raise InputError(f"{path}: is gzip-compressed, but tables are read as plain text. "
                         f"Decompress it first (e.g. gzip -dc {path} > {plain}) and give the "
                         "decompressed file.")
    if magic == b"PK\x03\x04":
        raise InputError(f"{path}: is a zip archive (an Excel .xlsx or OpenDocument "
                         "workbook?), but tables are read as tab- or comma-separated text. "
                         "Save the sheet as tab-separated text (Excel: Save As, 'Text (Tab "
                         "delimited)'; or pandas.read_excel(...).to_csv(OUT, sep='\\t')).")
    wide = ("UTF-32" if magic in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else
            "UTF-16" if magic[:2] in (b"\xff\xfe", b"\xfe\xff") else None)
    if wide is not None:
        raise InputError(f"{path}: is {wide} text (Excel's 'Unicode Text' is UTF-16), but "
                         f"tables are read as UTF-8. Save it as UTF-8 (e.g. iconv -f {wide} -t "
                         f"UTF-8 {path} > OUT.tsv).")
    # a PDF, or a file of which NUL bytes make a twentieth (a stray NUL in a text table is
    # named in its cell by the reader)
    if magic == b"%PDF" or (head.count(0) > len(head) // 20 and magic != b"PAR1"):
        kind = "a PDF document" if magic == b"%PDF" else "a binary file (it holds NUL bytes)"
        raise InputError(f"{path}: is {kind}, not tab- or comma-separated text (or UTF-16 text "
                         "without a byte-order mark). Give the table itself, saved as UTF-8 "
                         "text.")
    if magic == b"PAR1":
        raise InputError(f"{path}: is a Parquet file, but only names ending in .parquet are "
                         "read as Parquet (others as tab- or comma-separated text). Rename it "
                         f"to end in .parquet (e.g. mv {path} {path.with_suffix('.parquet')}).")


def _header_line(path: Path) -> str:
    """The first line of a text table (BOM removed); an error for an empty file."""
    with open(path, encoding="utf-8-sig") as handle:
        try:
            first = handle.readline()
        except UnicodeDecodeError as err:  # the reader decodes a block: find the line
            raise InputError(f"{path}: line {first_undecodable_line(path)} is not UTF-8 text "
                             f"({err.reason}). Save the table as UTF-8 (or ASCII) tab- or "
                             "comma-separated text.") from err
    if not first.strip():
        raise InputError(f"{path}: the file is empty (or its first line is blank); expected a "
                         "header line (label column, then one column per sample or signature) "
                         "followed by one row per feature. Check that the right file was "
                         "given and that it was written completely.")
    return first


def header_place(path: Path) -> str:
    """Where a table's column names are, for messages: 'line 1 (header)' of a text table,
    'the column names' of a Parquet one, which has no lines."""
    return "the column names" if path.suffix.lower() == ".parquet" else "line 1 (header)"


def _check_header(header: list[str], path: Path) -> None:
    """Refuse a column name holding a control character (a tab or line break inside quotes
    would break every output table it is written to) and repeated column names (pandas would
    silently rename them 's0', 's0.1'). Empty names are left to :func:`_check_named_columns`."""
    names = [name.strip() for name in header]
    for name in names:
        odd = first_control_character(name)
        if odd is not None:
            raise InputError(f"{path}: {header_place(path)}: column name {name!r} holds "
                             f"{describe_character(odd)} (a control character), which would "
                             "break every table the name is written to (a damaged or binary "
                             "file?). Remove the character from the name or rewrite the table "
                             "as plain text.")
    seen: set[str] = set()
    repeated = [name for name in names if name and (name in seen or seen.add(name))]
    if repeated:
        spellings = [text for text, name in zip(header, names, strict=True)
                     if name == repeated[0]]
        padded = ("" if all(text == text.strip() for text in spellings) else
                  f", written {', '.join(repr(text) for text in spellings)}; names are read "
                  "without surrounding spaces")
        raise InputError(f"{path}: {header_place(path)}: column '{repeated[0]}' appears more than "
                         f"once ({len(spellings)} times{padded}); expected one column per "
                         "sample or signature. Give every column a distinct name.")
    refuse_lookalikes(names, lambda a, b: (f"{path}: {header_place(path)}: column names",
                                           f"columns {a + 1} and {b + 1}"), "samples",
                      "Spell both names the same way if they are one sample, or rename one.")
    padded = [text for text in header[1:] if text != text.strip() and text.strip()]
    if padded:  # outputs name them without the spaces: a join on the file's names misses them
        logger.warning(
            "%s: %d column name(s) have spaces around them (%s), read without them; every "
            "output names them so.", path, len(padded),
            ", ".join(repr(text) for text in padded[:3]) + (" ..." if len(padded) > 3 else ""))


def read_raw_table(path: Path) -> pd.DataFrame:
    """Read a delimited (or Parquet) table with every cell as text, sniffing tab versus comma.

    A UTF-8 byte-order mark, Windows (CRLF) line endings and blank lines are accepted; the file
    line of every data row is kept for messages (:func:`row_location`).
    """
    if not path.exists():
        raise InputError(f"{path}: {not_found(path)}. Check the path (relative paths are taken "
                         f"from the working directory {Path.cwd()}).")
    check_regular_file(path, str(path))
    if path.suffix.lower() == ".parquet":
        _ROW_LINES.pop(str(path), None)
        frame = read_parquet_as_text(path)
        _check_header(list(frame.columns), path)
        _check_named_columns(list(frame.columns), path)
        return frame
    _check_text_format(path)
    header_line = _header_line(path)
    _refuse_semicolons(path, header_line)
    separator = _choose_separator(header_line)
    names = header_line.rstrip("\r\n").split(separator)
    direct = _direct_read.direct_frame(path, separator, names, _direct_read.DIRECT_FROM,
                                       _header_label_columns(names))
    if direct is not None:  # a large plain table: rows on lines 2, 3, ... (no blank line)
        _check_header(list(direct.columns), path)
        _check_named_columns(list(direct.columns), path)
        _ROW_LINES.pop(str(path), None)
        return direct
    (_, header), *records = read_records(path, separator)
    _check_header(header, path)
    rows = _fit_rows_to_header(header, records, path, separator)
    _remember_row_lines(path, [line for line, _ in rows])
    frame = _text_frame(path, separator, header, [cells for _, cells in rows])
    frame = _drop_trailing_separator_column(frame, header)
    _check_named_columns(header[:frame.shape[1]], path)
    return frame


def _text_frame(path: Path, separator: str, header: list[str], rows: list[list[str]]
                ) -> pd.DataFrame:
    """The checked rows as a frame of text cells under the header.

    pandas parses the file again, several times faster than a frame is built from the rows
    (tables of millions of cells); the rows are used instead should its reading differ from
    theirs in shape or labels.
    """
    width = len(header)
    numbers = _number_frame(path, separator, width, rows, _header_label_columns(header))
    if numbers is not None:
        numbers.columns = pd.Index(header, dtype=object)
        return numbers
    try:
        frame = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False,
                            encoding="utf-8-sig", header=None, skiprows=1,
                            names=range(width)) if rows else None
    except (pd.errors.ParserError, ValueError):  # read otherwise than the rows: use them
        frame = None
    if (frame is None or frame.shape != (len(rows), width)
            or frame[0].tolist() != [cells[0] for cells in rows]):
        frame = pd.DataFrame(rows or None, columns=range(width), dtype=str)
    frame.columns = pd.Index(header, dtype=object)
    return frame


def _header_label_columns(header: list[str]) -> int:
    """How many leading columns the fast readers take as text: two (a label column and the
    first value column, or a two-column layout), or more when the header names a wider
    label layout (PCAWG's four ID83 columns, whose sizes such as '5+' are no numbers)."""
    named = _layouts_named([str(c).strip().strip('"') for c in header])
    return max(2, len(named[0])) if named else 2


def _layout_key(name: object) -> str:
    """A header name as layouts are matched: lower case, without a byte-order mark, spaces
    (no-break ones too) and underscores alike ('Indel size', 'Indel_size' and 'Mutation
    type' with a no-break space from a spreadsheet all name their column)."""
    return re.sub(r"[\s_]+", " ", str(name).replace("\ufeff", "")).strip().lower()


def _layouts_named(columns: list[object]) -> list[tuple[str, ...]]:
    """The label layouts whose column names the header starts with (:func:`_layout_key`),
    the longest first (PCAWG's four ID83 columns before COSMIC v3.0's two)."""
    keys = tuple(_layout_key(c) for c in columns[:_LONGEST_LAYOUT])  # not 150,000 names
    return sorted((names for names in MULTI_LABEL_LAYOUTS
                   if keys[:len(names)] == tuple(_layout_key(n) for n in names)),
                  key=len, reverse=True)


def _number_frame(path: Path, separator: str, width: int, rows: list[list[str]],
                  labels: int = 2) -> pd.DataFrame | None:
    """The checked rows with the value columns already numbers, when pandas reads every cell
    after the first ``labels`` columns (at least two: a label column, or a layout's label
    columns) as a number in [0, MAX_CELL]; else None, and the text path reads the table (and
    names the offending cell as written). Converting text cells costs ten times this read on
    large tables; both parse each number to the same float (correctly rounded)."""
    labels = max(labels, 2)
    if not rows or width <= labels:
        return None
    try:
        with warnings.catch_warnings():  # mixed columns fail the checks below
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(path, sep=separator, dtype=dict.fromkeys(range(labels), object),
                                encoding="utf-8-sig", header=None, skiprows=1,
                                names=range(width), keep_default_na=False)
    except (pd.errors.ParserError, ValueError):
        return None
    if frame.shape != (len(rows), width) or not _direct_read.numbers_in_range(
            frame.iloc[:, labels:]):
        return None
    if any(frame[column].tolist() != [cells[column] for cells in rows]
           for column in range(labels)):
        return None
    return frame


#: File lines of the data rows, by path, of the text tables read whose rows do not lie on
#: lines 2, 3, 4, ... (blank lines were skipped): :func:`row_location` names the line an
#: editor shows, not the row's position. Replaced at every read of the path.
_ROW_LINES: dict[str, list[int]] = {}


def _remember_row_lines(path: Path, lines: list[int]) -> None:
    """Keep the file line of each data row of ``path`` for :func:`row_location` (only when
    they are not simply lines 2, 3, 4, ..., which it computes)."""
    if lines == list(range(2, len(lines) + 2)):
        _ROW_LINES.pop(str(path), None)
    else:
        _ROW_LINES[str(path)] = lines


def _refuse_semicolons(path: Path, header_line: str) -> None:
    """Refuse a table whose header is split by semicolons and holds no tab or comma: a
    spreadsheet's CSV export in a locale with decimal commas (1,5 for 1.5), which read as tab-
    or comma-separated text would be one column (or split numbers at their decimal comma)."""
    if re.fullmatch(r"\s*\"?sep=.?\"?\s*", header_line):  # Excel's separator hint line
        raise InputError(f"{path}: line 1 is '{header_line.strip()}', Excel's note of the "
                         "separator, not the table's header. Delete that line (the header is "
                         "the next one), e.g. tail -n +2 IN > OUT.")
    unquoted = re.sub(r'"[^"]*("|$)', "", header_line)
    if ";" in unquoted and "\t" not in unquoted and "," not in unquoted:
        raise InputError(f"{path}: line 1 (header) is separated by semicolons (';'), as a "
                         "spreadsheet exports CSV where the decimal mark is a comma; tables "
                         "are read as tab- or comma-separated text with decimal points. Save "
                         "it again as tab-separated text (\"Text (Tab delimited)\") with '.' "
                         "as the decimal mark, e.g. tr ';,' '\\t.' < IN > OUT.tsv when no "
                         "cell holds either character otherwise.")


def _choose_separator(header_line: str) -> str:
    """Tab when the header line holds a tab outside quotes, else comma when it holds a comma,
    else tab.

    Names may hold the other character: a TSV whose sample names hold commas (``donor,A``)
    is tab-separated however many commas it has, and a CSV whose quoted name holds a tab is
    comma-separated (the name is then refused for its tab).
    """
    unquoted = re.sub(r'"[^"]*("|$)', "", header_line)
    if "\t" in unquoted:
        return "\t"
    return "," if "," in unquoted else "\t"


def _fit_rows_to_header(header: list[str], records: list[tuple[int, list[str]]], path: Path,
                        separator: str) -> list[tuple[int, list[str]]]:
    """The data rows, each checked to have as many fields as the header.

    A header that alone ends with a separator (a last column without name) gets an empty last
    cell in the rows that lack it. A first row with one field more than the header is an
    R-style header (or rows alone ending with a separator); any other difference names the
    line.
    """
    width = len(header)
    if records and len(records[0][1]) != width and header[0].lstrip().startswith("#"):
        raise InputError(f"{path}: line 1 is a comment ('{separator.join(header)[:60]}'), "
                         f"where the header is expected, and line {records[0][0]} has "
                         f"{len(records[0][1])} field(s) to its {width}: a table has no "
                         "comment lines ('#'). Delete it, so that the header (the label "
                         "column's name, then one name per sample or signature) is line 1.")
    if records and len(records[0][1]) == width + 1:
        raise _one_field_more_error(header, records, path, separator)
    complete = width >= 2 and not header[-1].strip()
    rows = []
    for line, cells in records:
        if complete and len(cells) == width - 1:
            cells = [*cells, ""]
        if len(cells) != width:
            raise _field_count_error(line, cells, width, path, separator)
        rows.append((line, cells))
    return rows


def _one_field_more_error(header: list[str], records: list[tuple[int, list[str]]],
                          path: Path, separator: str) -> InputError:
    """The error for rows with one field more than the header: the rows alone ending with a
    separator (every extra cell empty), else an R-style header, which names no label column
    and would shift every sample name one column to the left of its values."""
    width, (line, _) = len(header), records[0]
    name = separator_name(separator)
    counts = f"line 1 (header) has {width} field(s), but line {line}, the first row, has " \
             f"{width + 1}"
    if all(len(cells) == width + 1 and not cells[-1].strip() for _, cells in records):
        return InputError(f"{path}: {counts}, all rows ending with a {name} that the header "
                          f"line lacks. End the header line with a {name} too, or remove the "
                          f"{name} at the end of every row.")
    if any(len(cells) != width + 1 for _, cells in records):  # not every row: that line's
        return _field_count_error(line, records[0][1], width, path, separator)  # own fault
    return InputError(f"{path}: {counts}: the header has no name for the label column (an "
                      "R-style header, as R's write.table writes by default), so every "
                      "column name would sit above the wrong column. Add a name for the "
                      f"label column at the start of the header line, followed by a {name} "
                      "(e.g. 'MutationType' for a catalog, 'Feature' for a matrix), or write "
                      "the table from R with write.table(..., col.names=NA), which does.")


def _field_count_error(line: int, cells: list[str], width: int, path: Path,
                       separator: str) -> InputError:
    """The error for a row whose number of fields is not the header's."""
    count = len(cells)
    if cells[0].lstrip().startswith("#"):
        fix = "Delete the line: a table has no comment lines ('#')."
    elif count < width:
        fix = "Fill in the missing value(s) (0 where nothing was observed)."
    else:
        fix = ("Remove the extra field(s): a separator at the end of the line, or one inside "
               "a name that is not quoted?")
    return InputError(f"{path}: line {line} has {count} field(s) separated by "
                      f"{separator_name(separator)}s, but the header (line 1) has {width}: "
                      "expected the label and then one value per column on every line. "
                      f"{fix}")


def _check_named_columns(header: list[str], path: Path) -> None:
    """Refuse a column after the first whose header cell is empty: pandas would call it
    'Unnamed: N' and the sample's results would come out under that made-up name. (The first
    column holds the labels, and a table written from a pandas index leaves its cell empty.)"""
    for number, name in enumerate(header[1:], start=2):
        if not name.strip():
            raise InputError(f"{path}: {header_place(path)}: column {number} has no name, but "
                             "every column after the labels is a sample or signature. Write "
                             "its name in the header, or delete the column.")


def _drop_trailing_separator_column(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Drop the nameless, empty last columns that separators at the end of every line make.

    Spreadsheet exports often end each line with a tab or comma (COSMIC's v2
    ``signatures_probabilities.txt`` with several); pandas reads each as a column
    'Unnamed: N' of empty cells, which is no sample. A nameless column holding any value is
    kept, so that the cell checks name it.
    """
    width = frame.shape[1]
    while (width > 1 and not str(header[width - 1]).strip()
           and (frame.iloc[:, width - 1] == "").all()):
        width -= 1
    return frame.iloc[:, :width] if width < frame.shape[1] else frame


#: Label columns of tables that spell each channel over several columns, by their header
#: names (lower case): how many leading columns hold labels, and how a row's label is made
#: from them. COSMIC v2's ``Substitution Type``, ``Trinucleotide``, ``Somatic Mutation Type``
#: (``C>A``, ``ACA``, ``A[C>A]A``) take the third, which is the whole channel; the others are
#: joined with ``:``: PCAWG's SBS96 ``Mutation type`` + ``Trinucleotide`` and COSMIC v3.0's
#: ``Type`` + ``SubType`` as ``C>A:ACA``, PCAWG's DBS78 ``Ref`` + ``Var`` as ``AC:CA`` and its
#: ID83 ``Type``, ``Subtype``, ``Indel_size``, ``Repeat_MH_size`` as ``DEL:C:1:0`` (the
#: ``WGS_PCAWG.96/dinucs/indels.csv`` files of Alexandrov et al. 2020, Synapse syn11801889),
#: which the channel sets of :mod:`sigforge.genomics.contexts` read.
MULTI_LABEL_LAYOUTS: dict[tuple[str, ...], str] = {
    ("substitution type", "trinucleotide", "somatic mutation type"): "COSMIC v2",
    ("mutation type", "trinucleotide"): "PCAWG",
    ("type", "subtype", "indel_size", "repeat_mh_size"): "PCAWG ID83",
    ("type", "subtype"): "COSMIC v3.0",  # sigProfiler_SBS_signatures_*.csv: C>A, ACA
    ("ref", "var"): "PCAWG DBS78",
}


_LONGEST_LAYOUT = max(map(len, MULTI_LABEL_LAYOUTS))

#: Label columns of a layout that may hold numbers (PCAWG ID83's sizes); every other label
#: column of a layout holds text.
NUMBER_LABEL_COLUMNS = {"indel_size", "repeat_mh_size"}


def _only_numbers(column: pd.Series) -> bool:
    """Whether every cell of ``column`` reads as a number (a value column, not labels)."""
    cells = column.astype(str).str.strip()
    return bool(pd.to_numeric(cells, errors="coerce").notna().all())


def label_layout(raw: pd.DataFrame) -> tuple[str, ...] | None:
    """The multi-column label layout the table's header starts with, if any: the longest
    (so that PCAWG's four ID83 label columns are not read as COSMIC v3.0's first two) whose
    text label columns hold text. A column named like a label column whose cells are all
    numbers is a sample named 'Subtype' or 'Var', not labels: joined into the labels, its
    counts would vanish from the table."""
    for names in _layouts_named(list(raw.columns)):
        if not any(name not in NUMBER_LABEL_COLUMNS and _only_numbers(raw.iloc[:, position])
                   for position, name in enumerate(names)):
            return names
    return None


def _check_v2_labels_agree(raw: pd.DataFrame, labels: list[str], path: Path) -> None:
    """Refuse a COSMIC v2 row whose ``Somatic Mutation Type`` (``A[C>A]A``) is not its
    ``Substitution Type`` (``C>A``) in its ``Trinucleotide`` (``ACA``): the columns were
    shifted or edited, and which of them names the row would be a guess."""
    for row, (label, sub, tri) in enumerate(zip(labels, raw.iloc[:, 0], raw.iloc[:, 1],
                                                strict=True)):
        sub, tri = str(sub).strip(), str(tri).strip()
        if len(tri) == 3 and label != f"{tri[0]}[{sub}]{tri[2]}":
            raise InputError(f"{path}: {row_location(path, row)}: the label columns disagree: "
                             f"Somatic Mutation Type '{label}' is not Substitution Type "
                             f"'{sub}' in Trinucleotide '{tri}'. Correct the row (the COSMIC "
                             "v2 layout's three label columns name one channel).")


def _layout_labels(raw: pd.DataFrame, layout: tuple[str, ...], path: Path) -> list[str]:
    """Each row's label from the label columns of ``layout``: COSMIC v2's third column as
    it is, the others' columns joined with ``:`` (``C>A:ACA``, ``AC:CA``, ``DEL:C:1:0``)."""
    if MULTI_LABEL_LAYOUTS[layout] == "COSMIC v2":
        labels = [str(v).strip() for v in raw.iloc[:, 2]]
        _check_v2_labels_agree(raw, labels, path)
        return labels
    parts = raw.iloc[:, :len(layout)].astype(str).to_numpy()
    return [":".join(cell.strip() for cell in row) for row in parts]


def split_labels(raw: pd.DataFrame, path: Path) -> tuple[list[str], pd.DataFrame]:
    """Separate the label column(s) from the value columns (:data:`MULTI_LABEL_LAYOUTS`:
    PCAWG's and COSMIC v3.0's label columns joined, COSMIC v2's three read from the third).

    Labels and column names lose surrounding spaces (spreadsheets often pad them), so
    ``'A[C>A]A '`` is the channel ``A[C>A]A`` and ``'s1 '`` the sample ``s1``.
    """
    columns = [str(c).strip() for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    layout = label_layout(raw)
    width = len(layout) if layout else 1
    if len(columns) < width + 1:
        raise InputError(f"{path}: {header_place(path)}: expected a label column and at least one "
                         f"value column (one per sample or signature), got only {columns}. "
                         "Add the sample columns; if the file has them, separate the columns "
                         "with tabs or commas (not spaces or semicolons).")
    if layout:
        return _layout_labels(raw, layout, path), raw.iloc[:, width:]
    return [str(v).strip() for v in raw.iloc[:, 0]], raw.iloc[:, 1:]


def row_location(path: Path, row: int) -> str:
    """Where data row ``row`` (0-based) is: the file line for text (header = line 1; blank
    lines skipped by the reader still count), else the 1-based row of a Parquet table."""
    if path.suffix.lower() == ".parquet":
        return f"row {row + 1}"
    lines = _ROW_LINES.get(str(path))
    return f"line {lines[row] if lines is not None and row < len(lines) else row + 2}"

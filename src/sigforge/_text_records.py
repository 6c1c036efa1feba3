"""Reading a delimited text table record by record with the csv module, each record with
the file line it starts on, for :mod:`sigforge._text_tables`: the messages for a record
running over lines, a quote never closed, a cell beyond the csv field limit and text that is
no UTF-8 name the line an editor shows."""

from __future__ import annotations

import csv
from pathlib import Path

from sigforge._errors import InputError


def separator_name(separator: str) -> str:
    """'tab' or 'comma', for messages."""
    return "tab" if separator == "\t" else "comma"


def read_records(path: Path, separator: str) -> list[tuple[int, list[str]]]:
    """The non-blank records of a delimited text table, each with the file line it starts on.

    Blank lines (and lines of spaces) are skipped, as pandas skips them, but the records keep
    their own line numbers, so that messages name the line an editor shows. A record that
    runs over several lines (a quoted cell holding a line break, or a quote never closed) is
    refused: no name, label or number may span lines.
    """
    records: list[tuple[int, list[str]]] = []
    end = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=separator)
            for cells in reader:
                start, end = end + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if end > start:
                    raise _line_break_error(path, start, end, cells)
                records.append((start, cells))
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: line {first_undecodable_line(path)} is not UTF-8 text "
                         f"({err.reason}). Save the table as UTF-8 (or ASCII) tab- or "
                         "comma-separated text.") from err
    except csv.Error as err:
        raise _csv_error(path, end + 1, separator, err) from err
    return records


def _csv_error(path: Path, line: int, separator: str, err: csv.Error) -> InputError:
    """The error for a record the csv module refuses from ``line`` on: a cell longer than its
    field limit where the line holds no quote, else a quote probably never closed."""
    if "field limit" in str(err) and not _line_has_quote(path, line):
        return InputError(f"{path}: line {line}: a cell holds more than "
                          f"{csv.field_size_limit():,} characters, longer than any name, "
                          "label or number; the file is probably not a table (or its "
                          f"{separator_name(separator)}s are missing). Check the file.")
    return InputError(f"{path}: line {line}: cannot be read as "
                      f"{separator_name(separator)}-separated text ({err}); a quote (\") "
                      "opened there or above is probably never closed, which makes the rest "
                      "of the file one cell. Close the quote, or remove it.")


def _line_has_quote(path: Path, line: int) -> bool:
    """Whether line ``line`` of ``path`` holds a double quote."""
    with open(path, "rb") as handle:
        for number, text in enumerate(handle, start=1):
            if number == line:
                return b'"' in text
    return False


def first_undecodable_line(path: Path) -> int:
    """The first line of ``path`` that is not UTF-8 (the text reader decodes in blocks, so
    where it fails says nothing of the line)."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _line_break_error(path: Path, start: int, end: int, cells: list[str]) -> InputError:
    """The error for a record running from line ``start`` to ``end``: names its cell holding
    the line break (shortened: a quote never closed swallows the rest of the file)."""
    cell = next((c for c in cells if "\n" in c or "\r" in c), cells[-1])
    shown = cell if len(cell) <= 40 else f"{cell[:40]}..."
    where = "line 1 (header)" if start == 1 else f"line {start}"
    return InputError(f"{path}: {where}: the quoted cell {shown!r} holds a line break, so the "
                      f"row runs over lines {start}-{end}; names, labels and numbers cannot "
                      "span lines (a sample name holding one would break every table it is "
                      "written to). Remove the line break from the cell, or close the quote "
                      "(\") if one was left open.")

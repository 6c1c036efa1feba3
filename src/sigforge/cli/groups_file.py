"""The files that name groups. The groups file of stratified discovery (``extract --groups``,
``split-groups``): which group each sample belongs to, read and checked (columns, blank cells,
repeated samples, group names usable as folder names, names differing only in case), each
problem named with the file's line. And split-groups' list of the groups it wrote, trusted
only when every entry is a group it could have written.

Split from :mod:`sigforge.cli.groups`, which runs the groups.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge._validation import PLAIN_NAME_MAX, is_plain_name, plain_name_example
from sigforge.cli.outputs import check_plain_name
from sigforge.discovery.groups import near_names, split_groups
from sigforge.io import InputError, Matrix, check_regular_file, read_table

logger = logging.getLogger(__name__)

#: What a group names in the results of the command line (said when a name is refused).
GROUP_NAMES = ("the catalog OUT/<group>.tsv of split-groups and the folder OUT/groups/<group> "
               "of extract --groups")


class Groups(dict[str, str]):
    """A groups file's {sample: group}, with the file and each sample's line (to name them
    when the catalog disagrees: :func:`split_catalog`)."""

    def __init__(self, groups: dict[str, str], path: Path, lines: dict[str, int]) -> None:
        super().__init__(groups)
        self.path = path
        self.lines = lines


def read_groups(path: str | Path) -> Groups:
    """The groups file as {sample: group}, checked: columns ``sample`` (or ``sample_id``, which
    wins: a samples sheet's notes may be titled ``sample``) and ``group``, no blank cell, no
    sample twice, group names usable as folder names (a bad one named with its line)."""
    path = Path(path)
    separator = "," if path.suffix.lower() == ".csv" else "\t"
    check_regular_file(path, f"groups file {path}")
    try:
        table, lines = _read_groups_table(path, separator)
    except (OSError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError,
            UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the groups file ({err}). Expected a "
                         f"{'comma' if separator == ',' else 'tab'}-separated table with the "
                         "columns sample and group.") from err
    if "sample_id" in table.columns:  # a samples sheet: its sample_id names the samples,
        table = table.drop(columns=["sample"], errors="ignore")  # a 'sample' column is notes
        table = table.rename(columns={"sample_id": "sample"})
    missing = [c for c in ("sample", "group") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: no column {missing} (columns: {list(table.columns)}); a "
                         f"groups file has the columns sample and group.{_header_hint(table)}")
    # a samples sheet serves as a groups file: its vcf columns are expected, not named
    unread = [str(c) for c in table.columns if c not in ("sample", "group", "vcf", "vcf_sample")]
    if unread:
        logger.warning("%s: column(s) %s not read: a groups file's columns are sample (or "
                       "sample_id) and group.", path, ", ".join(repr(c) for c in unread[:5]))
    table = table[["sample", "group"]].apply(lambda column: column.str.strip())
    blank = [i for i, (sample, group) in enumerate(zip(table["sample"], table["group"],
                                                         strict=True)) if not sample or not group]
    if blank:
        raise InputError(f"{path}: line {lines[blank[0]]}: blank sample or group; give every "
                         "row both.")
    repeated = table["sample"].duplicated()
    if repeated.any():
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        sample = table["sample"].iloc[row]
        first = int(np.flatnonzero((table["sample"] == sample).to_numpy())[0])
        groups = (f"in group '{table['group'].iloc[first]}' there and "
                  f"'{table['group'].iloc[row]}' here" if table["group"].iloc[first]
                  != table["group"].iloc[row] else f"in group '{table['group'].iloc[row]}' "
                  "both times")
        more = int(repeated.sum()) - 1
        raise InputError(f"{path}: line {lines[row]}: sample '{sample}' is listed again (first "
                         f"on line {lines[first]}, {groups})"
                         f"{f'; {more} more repeated row(s)' if more else ''}. Give each sample "
                         "one row, with its one group.")
    checked: set[str] = set()
    for line, sample, group in zip(lines, table["sample"], table["group"], strict=True):
        if group not in checked:
            _check_group_cell(group, f"groups file {path}, line {line} (sample '{sample}')")
            checked.add(group)
    groups = dict(zip(table["sample"], table["group"], strict=True))
    _check_case_collisions(path, groups)
    return Groups(groups, path, dict(zip(table["sample"], lines, strict=True)))


def split_catalog(matrix: Matrix, groups: Groups, catalog: str | Path) -> dict[str, pd.DataFrame]:
    """The catalog cut into one table per group. A grouped sample the catalog lacks is named
    with its line of the groups file, and a sample in no group with the catalog (a typo in
    either would move samples silently): InputError."""
    columns = {str(c) for c in matrix.data.columns}
    absent = [sample for sample in groups if sample not in columns]
    if absent:
        more = f" ({len(absent) - 1} more grouped sample(s) absent too)" if len(absent) > 1 \
            else ""
        raise InputError(f"groups file {groups.path}, line {groups.lines[absent[0]]}: sample "
                         f"'{absent[0]}' is not in the catalog {catalog}{more}. Remove its "
                         "row, or check its spelling against the catalog's sample names."
                         f"{_commented(absent[0])}"
                         f"{near_names(absent[:5], sorted(columns), 'The catalog')}")
    try:
        return split_groups(matrix.data, groups)
    except ValueError as err:
        raise InputError(f"{catalog} and groups file {groups.path}: {err}") from err


def _commented(sample: str) -> str:
    """A hint for a grouped sample named '#...': a row commented out below the header."""
    return (" (A line starting with '#' below the header is a row, not a comment: delete the "
            "line to leave its sample out.)" if sample.startswith("#") else "")


def _check_group_cell(group: str, where: str) -> None:
    """A group name of a groups file: a plain name (the rule of the samples sheet's group
    column and of --name-like options, :func:`sigforge._validation.is_plain_name`), else an
    InputError naming the file, line and sample, and a group name to use instead."""
    if len(group) > PLAIN_NAME_MAX:
        check_plain_name(group, f"{where}: group")
    if not is_plain_name(group):
        raise InputError(f"{where}: group {group!r} is not a plain name: expected a plain file "
                         "name (letters, digits, '.', '_', '+', '-'; not starting with '.' or "
                         f"'-'; no '/'), because it names {GROUP_NAMES}. Rename the group, "
                         f"e.g. '{plain_name_example(group, 'Lung_SCC')}'.")


def _check_case_collisions(path: Path, groups: dict[str, str]) -> None:
    """Refuse two group names that differ only in case ('grp', 'GRP'): each names a folder
    (and a catalog file), and on a case-insensitive disk (macOS, Windows) the second group's
    files would overwrite the first's. Both names are given, each with a sample of it."""
    first: dict[str, tuple[str, str]] = {}
    for sample, group in groups.items():
        other, other_sample = first.setdefault(group.lower(), (group, sample))
        if other != group:
            raise InputError(f"{path}: groups '{other}' (sample '{other_sample}') and '{group}' "
                             f"(sample '{sample}') differ only in case, so their folders and "
                             "files would be one on a case-insensitive disk (macOS, Windows) "
                             "and one group's results would overwrite the other's. Rename one "
                             "of them (or give both the same spelling if they are one group).")


def _header_hint(table: pd.DataFrame) -> str:
    """The fix for a header that names the columns in another spelling: in quotes (R's
    write.table writes them so) or in other letter case."""
    names = [str(c) for c in table.columns]
    if any(len(n) > 1 and n[0] == n[-1] and n[0] in "\"'" for n in names):
        return (" Its names are in quotes, as R's write.table writes them: write the file "
                "without quotes (write.table(..., quote = FALSE)).")
    if {n.strip().lower() for n in names} & {"sample", "sample_id", "group"}:
        return " Column names are case-sensitive: write them in lower case (sample, group)."
    return ""


def _read_groups_table(path: Path, separator: str) -> tuple[pd.DataFrame, list[int]]:
    """The groups file's cells as text, and the line of the file each row is on. Blank lines
    are skipped, and so are comments: lines starting with '#' above the header, and below it
    those that hold no separator. Below the header a '#' line holding the separator is a row,
    as in the samples sheet: a sample may be named '#12' (the workflow writes its groups file
    from the sheet), and a row commented out is then named by split-groups as a grouped
    sample the catalog lacks, rather than its sample silently left out of its group. A TSV is
    read as the samples sheet is (quotes part of the value), so the sheet itself serves as a
    groups file whatever its sample names hold; a CSV as the csv module reads it (a quoted
    cell may hold a comma or span lines)."""
    if separator == ",":
        return _read_groups_csv(path)
    numbered: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.strip() and not (line.startswith("#") and (not numbered or "\t" not in line)):
            numbered.append((number, line))
    table = pd.read_csv(io.StringIO("\n".join(line for _, line in numbered)), sep="\t",
                        dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
    lines = [number for number, _ in numbered[1:]]
    return table, lines if len(lines) == len(table) else _row_lines(len(table))


def _read_groups_csv(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """A CSV groups file's records (after its header) and the line each starts on; blank
    records and comments skipped (a record starting with '#' above the header, or of one cell
    below it: :func:`_read_groups_table`). A record with more or fewer cells than the header
    is refused with its line (pandas would shift or pad its cells)."""
    records: list[tuple[int, list[str]]] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        previous = 0
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in record) or (
                    record[0].startswith("#") and (not records or len(record) == 1)):
                continue
            records.append((start, record))
    if not records:
        raise pd.errors.EmptyDataError("no header line")
    (_, header), rows = records[0], records[1:]
    for line, record in rows:
        if len(record) > len(header):
            raise InputError(f"{path}: line {line}: {len(record)} comma-separated cells "
                             f"where the header has {len(header)} ({', '.join(header)}); "
                             "quote a cell that holds a comma, or give each row at most the "
                             "header's cells.")
    cells = [record + [""] * (len(header) - len(record)) for _, record in rows]
    table = pd.DataFrame(cells, columns=header, dtype=str)
    if table.columns.duplicated().any():
        raise InputError(f"{path}: header names a column twice ({', '.join(header)}); give "
                         "each column one name.")
    return table, [line for line, _ in rows]


def _row_lines(rows: int) -> list[int]:
    """Line numbers of a table read without blank or comment lines: its row + 2."""
    return [row + 2 for row in range(rows)]


def earlier_groups(manifest: Path, out: Path) -> list[str]:
    """The groups an earlier split-groups run wrote into this folder (none without its
    manifest): only their catalogs may be removed when the groups change, never another
    file of the folder.

    The list is trusted only when every entry is a group name split-groups could have
    written (a plain name, the rule :func:`read_groups` applies) whose catalog lies directly
    inside ``out``: an entry such as '../data' or '/home/me/x' (an edited or damaged list) would
    otherwise delete a file outside --out. A damaged list removes nothing, with a warning
    naming it; this run's list then replaces it."""
    if not manifest.is_file():
        return []
    try:
        groups = [str(g) for g in read_table(manifest).index]
    except InputError as err:
        logger.warning("%s: the list of an earlier split's groups cannot be read (%s); no "
                       "earlier group's catalog was removed from %s (delete any stale one "
                       "yourself). This run's list replaces it.", manifest, err, out)
        return []
    folder = os.path.normpath(os.path.abspath(out))
    for line, group in enumerate(groups, start=2):
        try:
            catalog = os.path.normpath(os.path.abspath(out / f"{group}.tsv"))
            inside = is_plain_name(group) and os.path.dirname(catalog) == folder
        except ValueError:  # a NUL byte in the entry
            inside = False
        if not inside:
            logger.warning("%s, line %d: %r is not a group an earlier split could have "
                           "written into %s (not a plain group name, or a path outside it), "
                           "so the list is damaged: no earlier group's catalog was removed "
                           "(delete any stale one yourself). This run's list replaces it.",
                           manifest, line, _shortened(group), out)
            return []
    return groups


def _shortened(text: str, keep: int = 120) -> str:
    """At most ``keep`` characters of a list entry, for a log line."""
    return text if len(text) <= keep else f"{text[:keep]}..."

"""The samples sheet: one row per sample, read and checked before any job.

The samples sheet is tab-separated, with the columns ``sample_id`` and ``vcf``, optionally
``vcf_sample`` and ``group``, and no others (a misspelled column is named with a "did you
mean"). Lines starting with '#' above the header are comments; below it, a line starting with
'#' that holds a tab reads as a commented-out row (or a sample_id starting with '#') and is
refused with its line, while one without a tab is a comment. Sample names that are the label
column of a table the sample becomes a column of (``MutationType``, ``Signature``,
``Feature``) are refused, and so is a name whose stem is another's plus ``.html``
(``patients/P1.html`` would be both a page and a folder).

An optional ``group`` column stratifies discovery (each group is factored on its own, then the
groups' signatures are merged): when the column is present every row needs a group, and a
group is a plain name (letters, digits, ``._+-``, not starting with '.' or '-'), because it
names a folder of the results.
"""

from __future__ import annotations

import codecs
import difflib
import logging
import unicodedata
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from sigforge._same_content import content_identities, path_identity
from sigforge._validation import (
    PLAIN_NAME_MAX,
    is_plain_name,
    plain_name_example,
)
from sigforge.genomics.sample_names import (
    LABEL_COLUMNS,
    MAX_NAME_LENGTH,
    check_path_safe,
    check_sample_name,
    file_stem,
    file_stems,
    same_text,
    same_text_message,
)
from sigforge.io import InputError, check_regular_file, not_found

__all__ = [  # the name checks live in sample_names; the sheet's callers find them here too
    "GROUP_COLUMN", "LABEL_COLUMNS", "MAX_NAME_LENGTH", "REQUIRED_COLUMNS", "SHEET_COLUMNS",
    "check_group_name", "check_path_safe", "check_sample_name", "file_stem", "file_stems",
    "read_sample_sheet", "sample_groups",
]

logger = logging.getLogger(__name__)
REQUIRED_COLUMNS = ("sample_id", "vcf")
#: Optional column: the group each sample is factored with (stratified discovery).
GROUP_COLUMN = "group"
#: Every column a samples sheet may have; any other is refused (a typo such as 'Group' would
#: otherwise silently turn stratified discovery off).
SHEET_COLUMNS = (*REQUIRED_COLUMNS, "vcf_sample", GROUP_COLUMN)




class _Sheet(NamedTuple):
    """A samples sheet split into lines: the header (its line and cells), the comment lines
    above it, the lines below it that start with '#' and hold a tab (line, text), and the
    data rows (line, cells)."""

    header_line: int
    header: list[str]
    comments: list[tuple[int, str]]
    hashed: list[tuple[int, str]]
    rows: list[tuple[int, list[str]]]


def _sheet_rows(path: Path) -> _Sheet:
    """The header and the (line number, cells) of every data row, cells taken verbatim.

    Tab is the only separator: quotes, spaces and '#' inside a cell are part of the value (a
    sample or file name may hold them), except in a sheet whose header cells are all quoted
    (R's ``write.table`` and spreadsheet exports quote every text cell): there a cell wholly
    in double quotes is unquoted (:func:`_unquoted`). Blank lines are skipped, and so are
    lines starting with '#' above the header (comments). Below the header a line starting
    with '#' is a comment when it holds no tab; one holding a tab is kept apart
    (``hashed``), to be refused (:func:`_check_hashed_rows`): it reads as a row.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(_not_utf8(path, err)) from err
    comments: list[tuple[int, str]] = []
    hashed: list[tuple[int, str]] = []
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("#"):
            if not rows:
                comments.append((number, line))
            elif "\t" in line:
                hashed.append((number, line))
            continue
        rows.append((number, line.split("\t")))
    if not rows:
        raise InputError(f"samples sheet {path}: empty file{_comments_note(comments)}. Write a "
                         f"tab-separated header '{chr(9).join(REQUIRED_COLUMNS)}' and one "
                         "line per sample.")
    if all(_is_quoted(cell) for cell in rows[0][1]):
        rows = [(number, [_unquoted(cell) for cell in cells]) for number, cells in rows]
    return _Sheet(rows[0][0], rows[0][1], comments, hashed, rows[1:])


def _comments_note(comments: list[tuple[int, str]]) -> str:
    """Why a sheet of comment lines only is empty, or '' when it holds none."""
    return " (it holds only lines starting with '#', which are comments)" if comments else ""


def _is_quoted(cell: str) -> bool:
    """Whether a cell is wholly in double quotes (``"S01"``)."""
    return len(cell) >= 2 and cell[0] == cell[-1] == '"'


def _unquoted(cell: str) -> str:
    """A cell of a quoted sheet as written before quoting: the outer quotes removed and each
    doubled quote inside made single (CSV quoting); a cell not wholly quoted is kept."""
    return cell[1:-1].replace('""', '"') if _is_quoted(cell) else cell


def _known_column(column: str) -> str | None:
    """The sheet column (:data:`SHEET_COLUMNS`) that ``column`` is a near miss of, compared
    case-insensitively ('Group', 'groups', 'vcf_samples'), else None."""
    lower = column.strip().lower()
    if lower in SHEET_COLUMNS:
        return lower
    return next(iter(difflib.get_close_matches(lower, SHEET_COLUMNS, n=1, cutoff=0.6)), None)


def _commented_header(comments: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The comment line above the header that, without its '#', would be the header (it
    names every required column), if any."""
    for number, line in reversed(comments):
        cells = [cell.strip().strip('"') for cell in line.lstrip("#").split("\t")]
        if all(column in cells for column in REQUIRED_COLUMNS):
            return number, line
    return None


def _drop_trailing_empty_column(sheet: _Sheet) -> _Sheet:
    """A sheet whose every line, header included, ends with a tab (an empty last cell), as
    some spreadsheet exports write it, without that empty column; any other sheet as is."""
    header, rows = sheet.header, sheet.rows
    if (len(header) > 1 and not header[-1].strip()
            and all(len(cells) == len(header) and not cells[-1].strip() for _, cells in rows)):
        return sheet._replace(header=header[:-1],
                              rows=[(number, cells[:-1]) for number, cells in rows])
    return sheet


def _check_header(path: Path, sheet: _Sheet) -> None:
    """Require the sample_id and vcf columns, each once, and no column the sheet does not
    take (with a did-you-mean); name an empty header cell, a header commented out with '#',
    and the wrong separator."""
    header, where = sheet.header, f"samples sheet {path}, line {sheet.header_line}"
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    commented = _commented_header(sheet.comments) if missing else None
    if commented is not None:
        number, line = commented
        raise InputError(f"samples sheet {path}, line {number}: the header line starts with "
                         f"'#' ({line[:60]!r}), so it is read as a comment, and line "
                         f"{sheet.header_line} ({', '.join(header)}) is taken for the header. "
                         f"Remove the '#' at the start of line {number} (only lines above "
                         "the header may be comments).")
    empty = [i for i, cell in enumerate(header, start=1) if not cell.strip()]
    if empty and len(header) > 1:
        last = empty[-1] == len(header)
        why = ("the header line ends with a tab" if last else
               "two tabs in a row, or a tab at the start of the line")
        fix = (f"Remove the tab at the end of line {sheet.header_line}" if last else
               "Remove the extra tab")
        raise InputError(f"{where} (the header): column {empty[0]} has no name ({why}), so "
                         "every row would need a cell for it. "
                         f"{fix}; the header is {', '.join(REQUIRED_COLUMNS)} (optionally "
                         "vcf_sample and group), tab-separated.")
    unknown = [c for c in header if c not in SHEET_COLUMNS and c.strip()]
    if missing:
        hint = (" The header holds no tab: the sheet must be tab-separated, not comma- or "
                "space-separated." if len(header) == 1 else "")
        hints = "".join(f" Did you mean '{_known_column(c)}' for column '{c}'?"
                        for c in unknown if _known_column(c) in missing and not hint)
        raise InputError(f"{where}: missing column(s) {', '.join(missing)} (found: "
                         f"{', '.join(header)}).{hint}{hints} Expected a tab-separated header "
                         f"with {', '.join(REQUIRED_COLUMNS)} (and optionally vcf_sample and "
                         "group).")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(f"{where}: column(s) {', '.join(repeated)} appear more than once. "
                         "Keep one of each.")
    misspelled = [c for c in unknown if _known_column(c) not in (None, *header)]
    if misspelled:
        named = ", ".join(f"'{c}' (did you mean '{_known_column(c)}'?)" for c in misspelled)
        raise InputError(f"{where}: column(s) {named}: sample sheet columns are spelled "
                         f"{', '.join(SHEET_COLUMNS)}, exactly (a misspelled group or "
                         "vcf_sample column would silently change the run). Rename the "
                         "column.")
    if unknown:
        logger.warning("%s: column(s) %s are not read (a samples sheet's columns are %s); "
                       "they are kept in the sheet only.", where,
                       ", ".join(f"'{c}'" for c in unknown), ", ".join(SHEET_COLUMNS))


def _check_hashed_rows(path: Path, sheet: _Sheet) -> None:
    """Refuse a line below the header that starts with '#' and holds a tab: it reads as a
    sample's row (a commented-out sample, or a sample_id such as '#12'), and skipping it as a
    comment would drop that sample from the cohort without a word."""
    if not sheet.hashed:
        return
    number, line = sheet.hashed[0]
    cells = line.split("\t")
    others = (f" (so do lines {', '.join(str(n) for n, _ in sheet.hashed[1:])})"
              if len(sheet.hashed) > 1 else "")
    raise InputError(f"samples sheet {path}, line {number}: {line[:60]!r} starts with '#' "
                     f"below the header, but holds {len(cells)} tab-separated cells like a "
                     f"sample's row{others}: a row commented out, or a sample_id starting with "
                     "'#'? Only lines above the header are comments. To leave the sample out, "
                     "delete the line (or move it above the header); to keep a sample_id "
                     f"that starts with '#', put it in double quotes (\"{cells[0]}\") and "
                     "every cell of the header too (\"sample_id\", \"vcf\", ...).")


def _check_rows(path: Path, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
    """One cell per column, a non-empty vcf and a unique, usable sample_id on every row."""
    if not rows:
        raise InputError(f"samples sheet {path}: no samples listed under the header. Add one "
                         "tab-separated line per sample (sample_id, vcf).")
    seen: dict[str, int] = {}
    forms: dict[str, tuple[str, int]] = {}
    for number, cells in rows:
        where = f"samples sheet {path}, line {number}"
        if len(cells) != len(header):
            raise InputError(f"{where}: {len(cells)} tab-separated cells, but the header has "
                             f"{len(header)} columns. Separate the cells with single tabs.")
        record = dict(zip(header, cells, strict=True))
        name = record["sample_id"]
        if cells == header:
            raise InputError(f"{where} repeats the header line (two sheets pasted together?). "
                             "Delete it: a sheet has one header, on its first line.")
        check_sample_name(name, where, "sample_id")
        check_path_safe(name, where)
        if name in LABEL_COLUMNS:
            raise InputError(f"{where}: sample_id '{name}' is the name of the label column of "
                             f"{LABEL_COLUMNS[name]}, where each sample is a column, so that "
                             "table could not be read back (its header would name the column "
                             f"twice). Rename it in the samples sheet (e.g. '{name}_1').")
        if not record["vcf"].strip():
            raise InputError(f"{where}: sample '{name}' has an empty 'vcf' path. Give the path"
                             " of its VCF or MAF.")
        if name in seen:
            raise InputError(f"{where}: sample_id '{name}' already appears on line "
                             f"{seen[name]}. Give every sample a unique sample_id (remove or "
                             "rename one of the rows).")
        seen[name] = number
        first, line = forms.setdefault(unicodedata.normalize("NFC", name), (name, number))
        if same_text(first, name):
            raise InputError(same_text_message(where, first, name, f"line {line}"))
        if GROUP_COLUMN in record:
            check_group_name(record[GROUP_COLUMN], f"{where} (sample '{name}')")


def check_group_name(group: str, where: str,
                     names: str = "the folder extract/<context>/groups/<group>") -> None:
    """Reject a blank group or one that is not a plain name (it names a results folder).

    ``where`` says where the cell is (file, line, sample); ``names`` what the group names in
    the results, said in the message. The fix suggests the name with its unusable characters
    replaced ('Lung SCC' -> 'Lung_SCC'), when that is a plain name."""
    if not group.strip():
        raise InputError(f"{where}: empty 'group' cell. With a group column every sample needs "
                         "a group; fill it in (or remove the column to factor the cohort as "
                         "one).")
    if len(group) > PLAIN_NAME_MAX:
        raise InputError(f"{where}: group '{group[:40]}...' is too long ({len(group)} "
                         f"characters; a group name has at most {PLAIN_NAME_MAX} characters, "
                         f"because it names {names} and the file system limits a name to 255 "
                         "bytes). Rename it to a shorter name, e.g. 'lung_adeno'.")
    if not is_plain_name(group):
        raise InputError(f"{where}: group {group!r} is not a plain name: use letters, digits, "
                         "'.', '_', '+' and '-' only, not starting with '.' or '-', at most "
                         f"{PLAIN_NAME_MAX} characters (it names {names}). Rename it, e.g. "
                         f"'{plain_name_example(group, 'lung_adeno')}'.")


def sample_groups(sheet: pd.DataFrame) -> dict[str, list[str]] | None:
    """The samples of each group of a sheet from :func:`read_sample_sheet`, groups in the
    order of their first sample; None when the sheet has no group column."""
    if GROUP_COLUMN not in sheet.columns:
        return None
    groups: dict[str, list[str]] = {}
    for name, group in zip(sheet["sample_id"], sheet[GROUP_COLUMN], strict=True):
        groups.setdefault(group, []).append(name)
    return groups


def _check_group_case(path: Path, sheet: pd.DataFrame) -> None:
    """Name both lines when two group names differ only in case: each names a folder
    (extract/<context>/groups/<group>), and on a case-insensitive disk the two are one."""
    if GROUP_COLUMN not in sheet.columns:
        return
    taken: dict[str, tuple[str, int]] = {}
    for group, number in zip(sheet[GROUP_COLUMN], sheet["sheet_line"], strict=True):
        first = taken.setdefault(group.lower(), (group, number))
        if first[0] != group:
            raise InputError(f"samples sheet {path}, line {number}: group '{group}' differs "
                             f"only in case from group '{first[0]}' (line {first[1]}); each "
                             "names a results folder, and on a case-insensitive disk the two "
                             "would be one. Use one spelling for one group.")


def _check_stems(path: Path, sheet: pd.DataFrame) -> None:
    """Name both lines when two sample names map to one file stem, or when one's stem is the
    other's plus '.html' (the workflow writes patients/<stem>.html beside the folder
    patients/<stem>/: 'P1' and 'P1.html' would make patients/P1.html a page and a folder)."""
    taken: dict[str, int] = {}
    names = dict(zip(sheet["sheet_line"], sheet["sample_id"], strict=True))
    for name, stem, number in zip(sheet["sample_id"], sheet["stem"], sheet["sheet_line"],
                                  strict=True):
        other = taken.get(stem.lower())
        if other is not None:
            first = names[other]
            raise InputError(f"samples sheet {path}, line {number}: sample names '{first}' "
                             f"and '{name}' both become the file name '{stem}' once unsafe "
                             "characters are replaced (or differ only in case; "
                             f"'{first}' is on line {other}). Rename one of them.")
        taken[stem.lower()] = number
    for stem, number in taken.items():
        page = taken.get(f"{stem}.html")
        if page is not None:
            first, second = sorted([(number, names[number]), (page, names[page])])
            raise InputError(f"samples sheet {path}, line {second[0]}: sample '{second[1]}' "
                             f"(line {second[0]}) and sample '{first[1]}' (line {first[0]}) "
                             f"clash: the patient page of '{names[number]}' is "
                             f"patients/{file_stem(names[number])}.html, the very path of "
                             f"the results folder of '{names[page]}' "
                             f"(patients/{file_stem(names[page])}/). Rename one of them in the "
                             "samples sheet (e.g. drop the '.html').")


def _check_distinct_files(path: Path, sheet: pd.DataFrame) -> None:
    """Refuse two rows naming one file (by the same path, another spelling or a hard link;
    relative paths taken from the working directory), naming both lines: its mutations would
    be counted twice, as two samples no later step can tell from two patients. Rows that pick
    different columns of one multi-sample VCF or MAF (``vcf_sample``) are distinct samples."""
    columns = (sheet["vcf_sample"] if "vcf_sample" in sheet.columns
               else pd.Series([""] * len(sheet), index=sheet.index))
    # file -> vcf_sample column ('' for the whole file) -> (sample, line, vcf cell)
    seen: dict[object, dict[str, tuple[str, int, str]]] = {}
    keys = content_identities(list(sheet["vcf"]))
    for name, vcf, column, number in zip(sheet["sample_id"], sheet["vcf"], columns,
                                         sheet["sheet_line"], strict=True):
        rows = seen.setdefault(keys[vcf], {})
        clash = (next(iter(rows.items()), None) if not column
                 else next(((c, rows[c]) for c in (column, "") if c in rows), None))
        if clash is not None:
            first_column, (first, line, first_vcf) = clash
            if vcf == first_vcf:
                what = f"{vcf!r}, which sample '{first}' on line {line} names already"
            elif path_identity(vcf) == path_identity(first_vcf):
                what = (f"{vcf!r}, the same file as {first_vcf!r} of sample '{first}' on line "
                        f"{line} (another spelling of the path, or a hard link)")
            else:
                what = (f"{vcf!r}, a byte-for-byte copy of {first_vcf!r} of sample '{first}' "
                        f"on line {line}")
            if column and column == first_column:
                what += f", with the same vcf_sample '{column}'"
            raise InputError(f"samples sheet {path}, line {number}: sample '{name}' names "
                             f"{what}; its mutations would be counted twice, as two samples. "
                             "Remove one of the two rows (for a multi-sample VCF or MAF, give "
                             "each row the vcf_sample column it counts).")
        rows[column] = (name, number, vcf)


def read_sample_sheet(path: str | Path) -> pd.DataFrame:
    """Read a samples sheet (TSV with ``sample_id`` and ``vcf``; optionally ``vcf_sample``
    and ``group``; no other column), all cells verbatim.

    Returns the sheet indexed by sample_id, with a ``stem`` column and the ``sheet_line`` each
    row came from (for messages). Every problem raises an :class:`InputError` naming the sheet,
    the line and the fix.
    """
    path = Path(path)
    if not path.exists():
        where = "" if path.is_absolute() else f"; relative paths are taken from {Path.cwd()}"
        raise InputError(f"samples sheet {path}: {not_found(path)} (config key 'samples'"
                         f"{where}). Point 'samples' at your tab-separated sheet.")
    check_regular_file(path, f"samples sheet {path} (config key 'samples')")
    parsed = _drop_trailing_empty_column(_sheet_rows(path))
    _check_header(path, parsed)
    _check_hashed_rows(path, parsed)
    header, rows = parsed.header, parsed.rows
    _check_rows(path, header, rows)
    sheet = pd.DataFrame([cells for _, cells in rows], columns=header, dtype=str)
    sheet = sheet[[c for c in header if c in SHEET_COLUMNS]].copy()  # the others: not read
    sheet["sheet_line"] = [number for number, _ in rows]
    sheet["stem"] = [file_stem(name) for name in sheet["sample_id"]]
    _check_stems(path, sheet)
    _check_group_case(path, sheet)
    _check_distinct_files(path, sheet)
    return sheet.set_index("sample_id", drop=False)


def _not_utf8(path: Path, err: UnicodeDecodeError) -> str:
    """The message for a sheet that is not UTF-8: UTF-16 (a spreadsheet's "Unicode text"
    export) named as such, else the line of the first byte that is not UTF-8."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return (f"samples sheet {path}: the file is UTF-16 text (it starts with a UTF-16 "
                "byte-order mark, as a spreadsheet's 'Unicode text' export writes). Save it as "
                f"UTF-8 tab-separated text, e.g. iconv -f utf-16 -t utf-8 {path} > sheet.tsv.")
    line = raw.count(b"\n", 0, err.start) + 1
    return (f"samples sheet {path}: line {line}: byte 0x{raw[err.start]:02x} is not UTF-8 "
            f"text ({err.reason}; the file is probably Latin-1 or Windows-1252). Save it as "
            f"UTF-8 tab-separated text, e.g. iconv -f latin1 -t utf-8 {path} > sheet.tsv.")

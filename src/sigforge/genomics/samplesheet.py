"""Sample names and the file names derived from them.

A sample's name is kept verbatim in every table and report; its file stem (used in paths such
as ``results/catalogs/samples/{stem}``) replaces every character outside ``[A-Za-z0-9._-]``
with ``_`` and, when the result does not start with a letter or digit, is prefixed with ``s``
(so that no stem is hidden or read as a command-line option). Names whose stems collide
(compared case-insensitively, for case-insensitive file systems) are rejected. The samples
sheet is stricter: a name that reads as a path (``../x``, ``a/b``) is rejected there rather
than silently rewritten, because users expect the sample name they typed to be a file name of
the results.

An optional ``group`` column stratifies discovery (each group is factored on its own, then the
groups' signatures are merged): when the column is present every row needs a group, and a
group is a plain name (letters, digits, ``._+-``, not starting with '.' or '-'), because it
names a folder of the results.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sigforge._validation import PLAIN_NAME_MAX, is_plain_name, plain_name_example
from sigforge.io import InputError, file_identity

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
REQUIRED_COLUMNS = ("sample_id", "vcf")
#: Optional column: the group each sample is factored with (stratified discovery).
GROUP_COLUMN = "group"
MAX_NAME_LENGTH = 200  # leaves room below 255 bytes for suffixes and temporary-file names


def file_stem(name: str) -> str:
    """The path-safe stem of a sample name (see the module docstring)."""
    stem = _UNSAFE.sub("_", name)
    return stem if stem[:1].isalnum() else f"s{stem}"


def check_path_safe(name: str, where: str) -> None:
    """Reject a name that reads as a path: holds '/' or '\\', or starts with '.'."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise InputError(f"{where}: sample name '{name}' would escape or hide in the results "
                         "folder (it holds '/' or '\\' or starts with '.'). Rename the sample.")


def check_sample_name(name: str, where: str) -> None:
    """Reject names that are empty or hold a tab, newline or other control character."""
    if not name.strip():
        raise InputError(f"{where}: empty sample name. Give every sample a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"{where}: sample name '{name[:40]}...' is {len(name)} characters long;"
                         " file names made from it would exceed the file system's limit. Give "
                         f"it a name of at most {MAX_NAME_LENGTH} characters.")
    if any(ord(ch) < 32 for ch in name):
        raise InputError(f"{where}: sample name {name!r} holds a tab, newline or other control "
                         "character, which cannot be written to a TSV header. Rename it.")


def file_stems(names: Sequence[str], where: str) -> dict[str, str]:
    """Map each sample name to its file stem; reject unsafe names and colliding stems."""
    stems: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in names:
        check_sample_name(name, where)
        if name in stems:
            raise InputError(f"{where}: sample name '{name}' appears more than once.")
        stem = file_stem(name)
        other = taken.get(stem.lower())
        if other is not None:
            raise InputError(f"{where}: sample names '{other}' and '{name}' both become the file "
                             f"name '{stem}' once unsafe characters are replaced (or differ only "
                             "in case). Rename one of them.")
        stems[name] = stem
        taken[stem.lower()] = name
    return stems


def _sheet_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line number, cells) of every data row, cells taken verbatim.

    Tab is the only separator: quotes, spaces and '#' inside a cell are part of the value (a
    sample or file name may hold them), except in a sheet whose header cells are all quoted
    (R's ``write.table`` and spreadsheet exports quote every text cell): there a cell wholly
    in double quotes is unquoted (:func:`_unquoted`). Blank lines and lines starting with '#'
    are skipped.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"samples sheet {path}: not UTF-8 text ({err.reason} at byte "
                         f"{err.start}). Save it as UTF-8 tab-separated text.") from err
    rows = [(number, line.rstrip("\r").split("\t"))
            for number, line in enumerate(text.split("\n"), start=1)
            if line.strip() and not line.startswith("#")]
    if not rows:
        raise InputError(f"samples sheet {path}: empty file. Write a tab-separated header "
                         f"'{chr(9).join(REQUIRED_COLUMNS)}' and one line per sample.")
    if all(_is_quoted(cell) for cell in rows[0][1]):
        rows = [(number, [_unquoted(cell) for cell in cells]) for number, cells in rows]
    return rows[0][1], rows[1:]


def _is_quoted(cell: str) -> bool:
    """Whether a cell is wholly in double quotes (``"S01"``)."""
    return len(cell) >= 2 and cell[0] == cell[-1] == '"'


def _unquoted(cell: str) -> str:
    """A cell of a quoted sheet as written before quoting: the outer quotes removed and each
    doubled quote inside made single (CSV quoting); a cell not wholly quoted is kept."""
    return cell[1:-1].replace('""', '"') if _is_quoted(cell) else cell


def _check_header(path: Path, header: list[str]) -> None:
    """Require the sample_id and vcf columns, each once; hint at the wrong separator."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        hint = (" The header holds no tab: the sheet must be tab-separated, not comma- or "
                "space-separated." if len(header) == 1 else "")
        raise InputError(f"samples sheet {path}, line 1: missing column(s) "
                         f"{', '.join(missing)} (found: {', '.join(header)}).{hint} Expected "
                         f"a tab-separated header with {', '.join(REQUIRED_COLUMNS)}"
                         " (and optionally vcf_sample).")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(f"samples sheet {path}, line 1: column(s) {', '.join(repeated)} "
                         "appear more than once. Keep one of each.")


def _check_rows(path: Path, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
    """One cell per column, a non-empty vcf and a unique sample_id on every row."""
    if not rows:
        raise InputError(f"samples sheet {path}: no samples listed under the header. Add one "
                         "tab-separated line per sample (sample_id, vcf).")
    seen: dict[str, int] = {}
    for number, cells in rows:
        where = f"samples sheet {path}, line {number}"
        if len(cells) != len(header):
            raise InputError(f"{where}: {len(cells)} tab-separated cells, but the header has "
                             f"{len(header)} columns. Separate the cells with single tabs.")
        record = dict(zip(header, cells, strict=True))
        name = record["sample_id"]
        check_sample_name(name, where)
        check_path_safe(name, where)
        if name != name.strip():  # catalogs strip padded labels: 'S01 ' would become 'S01'
            raise InputError(f"{where}: sample_id {name!r} starts or ends with a space. Remove "
                             "the space (names are compared exactly, and the catalogs store "
                             "them without it).")
        if not record["vcf"].strip():
            raise InputError(f"{where}: sample '{name}' has an empty 'vcf' path. Give the path"
                             " of its VCF or MAF.")
        if name in seen:
            raise InputError(f"{where}: sample_id '{name}' already appears on line "
                             f"{seen[name]}. Give every sample a unique sample_id (remove or "
                             "rename one of the rows).")
        seen[name] = number
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
    """Name both lines when two sample names map to one file stem."""
    taken: dict[str, int] = {}
    for name, stem, number in zip(sheet["sample_id"], sheet["stem"], sheet["sheet_line"],
                                  strict=True):
        other = taken.get(stem.lower())
        if other is not None:
            first = sheet.loc[sheet["sheet_line"] == other, "sample_id"].iloc[0]
            raise InputError(f"samples sheet {path}, line {number}: sample names '{first}' "
                             f"and '{name}' both become the file name '{stem}' once unsafe "
                             "characters are replaced (or differ only in case; "
                             f"'{first}' is on line {other}). Rename one of them.")
        taken[stem.lower()] = number


def _file_key(vcf: str) -> tuple[int, int] | str:
    """What identifies the file a ``vcf`` cell names: its (device, inode) when it exists (so
    another spelling of the path, or a hard link, agrees), else its normalised path."""
    return file_identity(Path(vcf)) or os.path.normpath(vcf)


def _check_distinct_files(path: Path, sheet: pd.DataFrame) -> None:
    """Refuse two rows naming one file (by the same path, another spelling or a hard link;
    relative paths taken from the working directory), naming both lines: its mutations would
    be counted twice, as two samples no later step can tell from two patients. Rows that pick
    different columns of one multi-sample VCF or MAF (``vcf_sample``) are distinct samples."""
    columns = (sheet["vcf_sample"] if "vcf_sample" in sheet.columns
               else pd.Series([""] * len(sheet), index=sheet.index))
    # file -> vcf_sample column ('' for the whole file) -> (sample, line, vcf cell)
    seen: dict[tuple[int, int] | str, dict[str, tuple[str, int, str]]] = {}
    for name, vcf, column, number in zip(sheet["sample_id"], sheet["vcf"], columns,
                                         sheet["sheet_line"], strict=True):
        rows = seen.setdefault(_file_key(vcf), {})
        clash = (next(iter(rows.items()), None) if not column
                 else next(((c, rows[c]) for c in (column, "") if c in rows), None))
        if clash is not None:
            first_column, (first, line, first_vcf) = clash
            what = (f"{vcf!r}, which sample '{first}' on line {line} names already"
                    if vcf == first_vcf else
                    f"{vcf!r}, the same file as {first_vcf!r} of sample '{first}' on line "
                    f"{line} (another spelling of the path, or a hard link)")
            if column and column == first_column:
                what += f", with the same vcf_sample '{column}'"
            raise InputError(f"samples sheet {path}, line {number}: sample '{name}' names "
                             f"{what}; its mutations would be counted twice, as two samples. "
                             "Remove one of the two rows (for a multi-sample VCF or MAF, give "
                             "each row the vcf_sample column it counts).")
        rows[column] = (name, number, vcf)


def read_sample_sheet(path: str | Path) -> pd.DataFrame:
    """Read a samples sheet (TSV with at least ``sample_id`` and ``vcf``; optionally
    ``vcf_sample`` and ``group``), all cells verbatim.

    Returns the sheet indexed by sample_id, with a ``stem`` column and the ``sheet_line`` each
    row came from (for messages). Every problem raises an :class:`InputError` naming the sheet,
    the line and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"samples sheet {path}: file not found (config key 'samples'). Point "
                         "'samples' at your tab-separated sheet.")
    header, rows = _sheet_rows(path)
    _check_header(path, header)
    _check_rows(path, header, rows)
    sheet = pd.DataFrame([cells for _, cells in rows], columns=header, dtype=str)
    sheet["sheet_line"] = [number for number, _ in rows]
    sheet["stem"] = [file_stem(name) for name in sheet["sample_id"]]
    _check_stems(path, sheet)
    _check_group_case(path, sheet)
    _check_distinct_files(path, sheet)
    return sheet.set_index("sample_id", drop=False)

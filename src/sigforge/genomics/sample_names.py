"""Sample names and the file names derived from them.

A sample's name is kept verbatim in every table and report; its file stem (used in paths such
as ``results/catalogs/samples/{stem}``) replaces every character outside ``[A-Za-z0-9._-]``
with ``_`` (a name with characters outside ASCII then also ends with ``_`` and 8 hex digits of
its SHA-256, so that names in other scripts stay distinct) and, when the result does not start
with a letter or digit, is prefixed with ``s`` (so that no stem is hidden or read as a
command-line option). Names whose stems collide
(compared case-insensitively, for case-insensitive file systems) are rejected. The samples
sheet is stricter: a name that reads as a path (``../x``, ``a/b``) is rejected there rather
than silently rewritten, because users expect the sample name they typed to be a file name of
the results.

A sample name may not be empty or padded with spaces (the table readers trim padded labels,
so ' S01' would come back as 'S01'), nor hold a character the table readers refuse (a tab,
line break or other control character, DEL included: one rule,
:func:`sigforge._validation.first_control_character`) or an invisible one (a zero-width
space, a direction mark or other format character, Unicode category Cf; a line or paragraph
separator), which would make it print like another name. Two names that are one text in two
Unicode forms (composed and decomposed accents, NFC) are rejected like a repeated name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from sigforge._validation import describe_character, first_control_character, invisible_character
from sigforge.io import InputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: Names that are the label column of a table in which each sample is a column: a sample so
#: named would put that name twice on the table's header line, which no reader takes back.
#: name -> the table, for messages.
LABEL_COLUMNS = {
    "MutationType": "the catalogs (catalogs/<context>.tsv)",
    "Signature": "exposures.tsv (refit/<context>/ and patients/<sample>/)",
    "Feature": "the feature matrices (matrix and joint mode)",
}
#: Unicode categories of characters that print as nothing (format characters such as the
#: zero-width space or a direction mark; C1 controls) or as a line break: a name holding one
#: looks like another name in every table and report.
MAX_NAME_LENGTH = 200  # leaves room below 255 bytes for suffixes and temporary-file names


def file_stem(name: str) -> str:
    """The path-safe stem of a sample name (see the module docstring).

    A name with characters outside ASCII (another script, accents) also gets the first 8 hex
    digits of its SHA-256: replaced by '_' alone, names such as 张三 and 李四 would all become
    one stem and the cohort would be refused as colliding.
    """
    stem = _UNSAFE.sub("_", name)
    if not name.isascii():
        stem = f"{stem}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return stem if stem[:1].isalnum() else f"s{stem}"


def check_path_safe(name: str, where: str) -> None:
    """Reject a name that reads as a path: holds '/' or '\\', or starts with '.'."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise InputError(f"{where}: sample name '{name}' would escape or hide in the results "
                         "folder (it holds '/' or '\\' or starts with '.'). Rename the sample.")


def check_sample_name(name: str, where: str, what: str = "sample name") -> None:
    """Reject a name that cannot be written to a table and read back as itself.

    Refused: an empty name; one longer than :data:`MAX_NAME_LENGTH`; one holding a control
    character the table readers refuse (tab, line break, DEL...: the readers' own rule,
    :func:`sigforge._validation.first_control_character`); one starting or ending with a
    space (the readers trim padded labels); one holding an invisible character (a zero-width
    space, a direction mark, any format character). ``where`` says where the name comes
    from, ``what`` what it is called there ('sample_id' in the samples sheet).
    """
    if not name.strip():
        raise InputError(f"{where}: empty sample name. Give every sample a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"{where}: {what} '{name[:40]}...' is {len(name)} characters long;"
                         " file names made from it would exceed the file system's limit. Give "
                         f"it a name of at most {MAX_NAME_LENGTH} characters"
                         + (" (--sample-name names a VCF's or MAF's sample)."
                            if what == "sample name" else "."))
    odd = first_control_character(name)
    if odd is not None:
        raise InputError(f"{where}: {what} {name!r} holds {describe_character(odd)}, which "
                         "cannot be written to a table: a TSV header holding it is refused by "
                         "every reader, sigforge's own included. Rename the sample without "
                         "it.")
    _refuse_invisible(name, f"{where}: {what}", "Remove the character (text pasted from a "
                      "web page or a word processor often carries one).")
    if name != name.strip():
        raise InputError(f"{where}: {what} {name!r} starts or ends with a space. Remove the "
                         "space: names are compared exactly, and the table readers trim "
                         f"padded names, so the tables would give it back as "
                         f"'{name.strip()}'.")


def same_text(first: str, second: str) -> bool:
    """Whether two different names are one text in two Unicode forms (composed 'é' and
    'e' + combining accent): they print identically."""
    return first != second and unicodedata.normalize("NFC", first) == unicodedata.normalize(
        "NFC", second)


def same_text_message(where: str, first: str, second: str, first_place: str) -> str:
    """The refusal of two names that are one text in two Unicode forms."""
    return (f"{where}: sample names {second!r} and {first!r} ({first_place}) are the same "
            f"text written in two Unicode forms ({second!a} and {first!a}: an accented "
            "letter composed in one and decomposed into letter + accent in the other), so "
            "they print identically in every table and report. Write the name the same way "
            "in both places, or rename one of the samples.")


def _refuse_invisible(name: str, what: str, fix: str) -> None:
    """Refuse ``name`` when it holds an invisible character; ``what`` (place and kind of
    name) starts the message and ``fix`` ends it."""
    odd = invisible_character(name)
    if odd is not None:
        raise InputError(f"{what} {name!r} holds the invisible character U+{ord(odd):04X} "
                         f"({unicodedata.name(odd, 'a control character')}), so it prints like "
                         f"a name without it in every table and report. {fix}")


def _refuse_second_form(forms: dict[str, str], name: str, where: str, first_place: str
                        ) -> None:
    """Refuse ``name`` when an earlier name (in ``forms``, keyed by NFC form, which this
    call extends) is the same text in another Unicode form."""
    form = forms.setdefault(unicodedata.normalize("NFC", name), name)
    if same_text(form, name):
        raise InputError(same_text_message(where, form, name, first_place))


def check_table_names(names: Sequence[str], where: str) -> None:
    """Refuse column names of a catalog or signature table that print like other names: one
    holding an invisible character (a zero-width space), or two that are one text in two
    Unicode forms. Both print identically in every table and report, so two columns would
    read as one name, or a name as one it is not. (File-name rules are checked where names
    become files, :func:`file_stems`.)"""
    forms: dict[str, str] = {}
    for name in map(str, names):
        _refuse_invisible(name, f"{where}: column name", "Remove the character from the "
                          "header.")
        _refuse_second_form(forms, name, where, "an earlier column")


def file_stems(names: Sequence[str], where: str) -> dict[str, str]:
    """Map each sample name to its file stem; reject unsafe names, colliding stems and names
    that are one text in two Unicode forms (see the module docstring)."""
    stems: dict[str, str] = {}
    taken: dict[str, str] = {}
    forms: dict[str, str] = {}
    for name in names:
        check_sample_name(name, where)
        if name in stems:
            raise InputError(f"{where}: sample name '{name}' appears more than once.")
        _refuse_second_form(forms, name, where, "given earlier")
        stem = file_stem(name)
        other = taken.get(stem.lower())
        if other is not None:
            raise InputError(f"{where}: sample names '{other}' and '{name}' both become the file "
                             f"name '{stem}' once unsafe characters are replaced (or differ only "
                             "in case). Rename one of them.")
        stems[name] = stem
        taken[stem.lower()] = name
    return stems

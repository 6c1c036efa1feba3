"""What a file's first bytes say about its compression, and opening text accordingly.

sigforge reads plain, gzip and bgzip files, told apart by content rather than by name
(:func:`file_compression`); xz, bzip2, zstd, zip and 7-Zip are recognised so that such a
file is refused with the command that recompresses it (:func:`foreign_compression_problem`)
instead of reaching htslib, which aborts the process on some of them. Shared by the FASTA
checks, the VCF and MAF readers and the BED and GTF readers.
"""

from __future__ import annotations

import gzip
import shlex
from pathlib import Path

from sigforge.io import InputError

#: The first two bytes of every gzip member (and so of bgzip files).
GZIP_MAGIC = b"\x1f\x8b"


def file_compression(path: str | Path) -> str:
    """``"bgzf"``, ``"gzip"`` (plain, not bgzip) or ``"none"``, from a file's first bytes.

    A BGZF block is a gzip member whose extra field holds the subfield ``BC`` (SAM
    specification, section 4.1); plain gzip has no such field.
    """
    with open(path, "rb") as handle:
        head = handle.read(18)
    if head[:2] != GZIP_MAGIC:
        return "none"
    has_extra = len(head) >= 14 and head[3] & 4
    return "bgzf" if has_extra and head[12:14] == b"BC" else "gzip"


def open_text(path: Path, label: str, new_name: str):  # noqa: ANN201 - a text handle
    """Open UTF-8 text, plain or gzip/bgzip-compressed as its first bytes say (not its name:
    a gzip BED named ``.bed`` reads), without a byte-order mark. A compression sigforge does
    not read is an InputError naming ``label`` and the fix (recompress to ``new_name``)."""
    problem = foreign_compression_problem(path, "gzip", new_name)
    if problem:
        raise InputError(f"{label}: cannot be read: {problem}")
    if file_compression(path) != "none":
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


#: First bytes of the compression formats that neither htslib nor Python's gzip reads, with
#: each one's name and the command that writes its contents to standard output.
_FOREIGN_COMPRESSION = ((b"\xfd7zXZ\x00", "xz", "xz -dc"),
                        (b"\x28\xb5\x2f\xfd", "zstd", "zstd -dc"),
                        (b"PK\x03\x04", "zip", "unzip -p"),
                        (b"7z\xbc\xaf\x27\x1c", "7-Zip", "7z x -so"))


def foreign_compression(path: str | Path) -> tuple[str, str] | None:
    """The name of a compression format sigforge does not read (xz, bzip2, zstd, zip, 7-Zip)
    and the command that decompresses it to standard output, from a file's first bytes; None
    for plain text, gzip, bgzip or anything else.

    htslib aborts the process on some of them (an xz VCF: SIGABRT, no message), so the file
    is looked at before htslib opens it.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head[:3] == b"BZh" and head[3:4] in (b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8",
                                            b"9"):
        return "bzip2", "bzip2 -dc"
    return next(((name, command) for magic, name, command in _FOREIGN_COMPRESSION
                 if head.startswith(magic)), None)


def _office_document(path: str | Path) -> bool:
    """Whether a zip's first member is a spreadsheet's part (``[Content_Types].xml``,
    ``xl/...``, OpenDocument's ``mimetype``): its name follows the 30-byte local header."""
    with open(path, "rb") as handle:
        head = handle.read(30 + 64)
    size = int.from_bytes(head[26:28], "little") if len(head) >= 30 else 0
    member = head[30:30 + size]
    return member in (b"[Content_Types].xml", b"mimetype") or member.startswith(
        (b"xl/", b"docProps/", b"_rels/"))


def foreign_compression_problem(path: str | Path, recompress: str, new_name: str
                                ) -> str | None:
    """Why a file in a compression format sigforge does not read cannot be read, and the fix
    (decompress, and compress with ``recompress`` (bgzip or gzip) to ``new_name``), or None."""
    found = foreign_compression(path)
    if found is None:
        return None
    name, command = found
    if name == "zip" and _office_document(path):
        return ("it is a spreadsheet workbook (Excel .xlsx or OpenDocument: a zip of XML), "
                "not text. Save the sheet as tab-separated text (Excel: Save As, 'Text (Tab "
                "delimited)') and give that file.")
    return (f"it is {name}-compressed, which sigforge does not read (plain text, gzip or "
            f"bgzip only). Decompress it and compress it with {recompress}, e.g. "
            f"{command} {shlex.quote(str(path))} | {recompress} > {new_name}, and give "
            f"{new_name}.")


def tar_archive_problem(head: bytes, what: str, path: str | Path) -> str | None:
    """Why a file whose (decompressed) first bytes are a tar header cannot be read as one
    ``what`` (a VCF, a FASTA), naming its first member and the fix; None for anything else.
    A tar's first 512 bytes are its first member's header, 'ustar' at byte 257 (POSIX.1)."""
    if len(head) < 262 or head[257:262] != b"ustar":
        return None
    # A pax or GNU extended header (typeflag x, g, L, K: Python's and GNU tar's) comes first
    # and names no member of the user's.
    member = ("" if head[156:157] in (b"x", b"g", b"L", b"K") else
              head[:100].split(b"\0", 1)[0].decode("utf-8", "replace"))
    first = f"; the first is '{member}'" if member else ""
    return (f"it is a tar archive (files packed together{first}), not one "
            f"{what}. Unpack it (tar -xf {shlex.quote(str(path))}) and give the {what} inside.")


def not_utf8_fix(path: str | Path) -> str | None:
    """The fix for a text file that is not UTF-8 (a Latin-1 or Windows-1252 export); None
    for a file whose (decompressed) start holds a NUL byte or is mostly not ASCII, which is
    binary data rather than text in another encoding."""
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none"
              else open(path, "rb")) as handle:
            head = handle.read(4096)
    except (OSError, EOFError):
        return None
    if b"\0" in head or sum(byte < 128 for byte in head) < 0.9 * len(head):
        return None
    return (f"It is not UTF-8 text: save it as UTF-8, e.g. iconv -f latin1 -t utf-8 "
            f"{shlex.quote(str(path))} > NEW.txt, and give NEW.txt.")

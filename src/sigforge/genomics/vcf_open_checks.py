"""Why htslib refused to open a VCF/BCF, in words and with the fix: empty, not a VCF, a
byte-order mark, carriage-return line ends, repeated or empty sample names, a ``#CHROM``
line split by spaces, truncated compressed data (:func:`diagnose_vcf`). Read again only on
this error path; split from :mod:`sigforge.genomics.vcf_checks`, which diagnoses records.
Also whether a plain VCF ends inside a line (:func:`ends_inside_a_line`).
"""

from __future__ import annotations

from pathlib import Path

from sigforge.genomics.compression import tar_archive_problem
from sigforge.genomics.genome import file_compression
from sigforge.genomics.vcf_checks import read_text_head

#: The empty BGZF block bgzip writes last (SAM specification, section 4.1.2).
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def _describe_start(text: bytes) -> str:
    """What a file that should be a VCF starts with, for the message (binary or first line)."""
    if not text:
        return "it is empty once decompressed"
    first = text.split(b"\n", 1)[0][:60]
    if not first.strip(b"\r \t") and text.strip():
        return "its first line is blank: delete the blank line(s) above '##fileformat'"
    if b"\x00" in text[:512] or not first.isascii():
        return "it holds binary data"
    return f"its first line is '{first.decode('ascii', 'replace')}'"


def _utf16(text: bytes) -> bool:
    """Whether a file's first bytes are UTF-16 text: a UTF-16 byte-order mark, or printable
    ASCII with a NUL after (little-endian) or before (big-endian) every character."""
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = text[:16]
    if len(head) < 16:
        return False
    for chars, nuls in ((head[::2], head[1::2]), (head[1::2], head[::2])):
        if nuls == bytes(8) and all(32 <= c < 127 or c in (9, 10, 13) for c in chars):
            return True
    return False


def _duplicate_samples(text: bytes) -> list[str]:
    """Sample names that appear more than once on the ``#CHROM`` line of a VCF's header."""
    for raw in text.split(b"\n"):
        if raw.startswith(b"#CHROM"):
            names = raw.rstrip(b"\r").decode("utf-8", "replace").split("\t")[9:]
            return sorted({name for name in names if names.count(name) > 1})
    return []


def _bom_fix(path: Path, compression: str) -> str:
    """How to remove a byte-order mark: ``sed -i`` on a plain file; for a compressed one,
    decompress, strip and recompress with bgzip (``sed -i`` would corrupt the gzip data)."""
    strip = "sed '1s/^\\xEF\\xBB\\xBF//'"
    if compression == "none":
        return f"Save it without the mark, e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' {path}."
    fixed = path.with_name(f"{path.name}.tmp")
    kind = "bgzip" if compression == "bgzf" else "gzip"
    return (f"The file is {kind}-compressed, so decompress it, strip the mark and "
            f"recompress it with bgzip, e.g. gzip -dc {path} | {strip} | bgzip > {fixed} "
            f"&& mv {fixed} {path} (do not run sed -i on the compressed file).")


def _chrom_line_problem(text: bytes) -> str | None:
    """What is wrong with the ``#CHROM`` header line in a VCF's head, if htslib's complaint is
    one we can name: columns split by spaces, an empty sample name (a tab at the end of the
    line), no such line before the first record."""
    for number, raw in enumerate(text.split(b"\n"), start=1):
        if raw.startswith(b"#CHROM"):
            return _chrom_fields_problem(raw.rstrip(b"\r").decode("utf-8", "replace"), number)
        if raw and not raw.startswith(b"#"):
            return (f"line {number} is a record, but no '#CHROM' header line comes before it. "
                    "Add the #CHROM line (#CHROM POS ID REF ALT QUAL FILTER INFO, then FORMAT "
                    "and the sample names, tab-separated) as the last header line")
    return None


def _chrom_fields_problem(line: str, number: int) -> str | None:
    """A ``#CHROM`` line split by spaces, ending with FORMAT but naming no sample, or naming
    an empty sample (see :func:`_chrom_line_problem`)."""
    fields = line.split("\t")
    if len(fields) < 8 and len(line.split()) >= 8:
        return (f"line {number}: the #CHROM header line separates its columns with spaces; "
                "VCF columns are separated by tabs (a space may sit inside a sample name). "
                f"Replace the spaces between the columns of line {number} by tabs")
    if len(fields) < 8:
        return (f"line {number}: the #CHROM header line has {len(fields)} tab-separated "
                "column(s); it must name at least CHROM POS ID REF ALT QUAL FILTER INFO, "
                "tab-separated (then FORMAT and one column per sample)")
    if len(fields) == 9 and fields[8].strip() == "FORMAT":
        return (f"line {number}: the #CHROM header line ends with FORMAT but names no sample "
                "column (htslib refuses a FORMAT column without samples). For a sites-only "
                "VCF drop the FORMAT column (e.g. 'cut -f1-8'), or add the sample column(s) "
                "the genotypes belong to")
    if "" in fields[9:]:
        column = fields.index("", 9) + 1
        where = ("a tab at the end of the line" if column == len(fields)
                 else "two tabs in a row")
        return (f"line {number}: the #CHROM header line has an empty sample name (column "
                f"{column}: {where}). Remove the stray tab, or name that sample column")
    return None


def _header_problem(path: Path, text: bytes, compression: str, reason: str) -> str | None:
    """What is wrong with the header of a VCF whose text starts as one should, when we can
    name it: carriage-return line ends, a sample named twice, a bad #CHROM line."""
    if b"\r" in text and b"\n" not in text:
        plain = path.with_name(f"{path.name}.unix")
        return ("its lines end in carriage returns alone (old Mac OS line ends), so htslib "
                "reads the whole file as one line. Convert them, e.g. tr '\\r' '\\n' < "
                f"{path} > {plain}" + (" (after decompressing it)" if compression != "none"
                                       else "") + ", and give the converted file.")
    duplicated = _duplicate_samples(text)
    if duplicated:
        return (f"sample column(s) {duplicated} appear more than once on the #CHROM header "
                "line; every sample column needs its own name. Rename one (e.g. 'bcftools "
                "reheader --samples NAMES.txt') or split the file.")
    problem = _chrom_line_problem(text)
    if problem:
        return f"{problem}{f' (htslib: {reason})' if reason else ''}."
    return None


def _stream_problem(path: Path, text: bytes, broken: str | None,
                    compression: str) -> str | None:
    """Bytes appended after a compressed VCF's end, a VCF saved as UTF-16 or with a UTF-8
    byte-order mark: named as such, where the generic checks would call them a truncation,
    binary data or not a VCF."""
    if broken and broken.startswith("Not a gzipped file"):
        return (f"bytes that are not compressed data follow the end of its compressed stream "
                f"({broken}): something was appended to the file after it was compressed "
                f"(e.g. 'cat ... >> {path.name}'). Re-create it with 'bgzip' from the "
                "uncompressed VCF, or compress what was appended before joining the two.")
    if _utf16(text):
        return ("it is UTF-16 text (as Windows editors save 'Unicode'), where a VCF is UTF-8: "
                f"convert it, e.g. iconv -f utf-16 -t utf-8 {path} > {path.stem}.utf8.vcf, "
                "and give the converted file.")
    if text.startswith(b"\xef\xbb\xbf##fileformat=VCF"):
        return ("it starts with a UTF-8 byte-order mark (saved as 'UTF-8 with BOM'), three "
                "bytes before '##fileformat' that htslib does not read. "
                + _bom_fix(path, compression))
    return None


def diagnose_vcf(path: Path, err: Exception, reason: str = "") -> str:
    """Why htslib rejected a VCF at open, and the fix (read again only on this error path).
    ``reason`` is what htslib said (its ``[E::...]`` lines), quoted when no cause is named."""
    try:
        size = path.stat().st_size
        text, broken = read_text_head(path)
        compression = file_compression(path)
        with open(path, "rb") as handle:
            handle.seek(max(size - len(_BGZF_EOF), 0))
            eof_block = handle.read() == _BGZF_EOF
    except OSError as os_err:
        return f"{os_err}. Give a VCF/BCF file."
    if size == 0:
        return "the file is empty (0 bytes). Re-create it, or remove the sample from the input."
    if text.startswith(b"BCF"):
        return (f"htslib rejects this BCF ({reason or err}). Check it with "
                f"'bcftools view {path}'.")
    problem = _stream_problem(path, text, broken, compression)
    if problem:
        return problem
    if not text.startswith(b"##fileformat=VCF"):
        packed = tar_archive_problem(text, "VCF", path)
        if packed:
            return packed.replace("give the VCF inside", "give the VCFs inside (--vcf-dir, "
                                  "or one row each in the samples sheet)")
        if broken:
            return (f"its compressed data is truncated or corrupt ({broken}). Copy the file "
                    "again, or re-create it with 'bgzip'.")
        return (f"it does not start with a '##fileformat=VCF' line ({_describe_start(text)}), "
                "so it is not a VCF. Give a VCF or BCF (plain, gzip or bgzip).")
    problem = _header_problem(path, text, compression, reason)
    if problem:
        return problem
    if broken or (compression == "bgzf" and not eof_block):
        return (f"the file is truncated ({broken or 'no BGZF end-of-file block'}). Copy it "
                "again, or re-create it with 'bgzip'.")
    return (f"htslib rejects its header ({reason or err}). Check it with "
            f"'bcftools view -h {path}'.")


def ends_inside_a_line(path: Path) -> bool:
    """Whether a plain-text VCF's last byte is not a line end. htslib reads such a last line
    as it stands, and a copy or download that stopped part-way leaves a record cut inside a
    field that still parses (FILTER 'PA' for 'PASS', GT '0' for '0/1'). Compressed files are
    not looked at: their truncation breaks the compressed stream, which is reported."""
    if file_compression(path) != "none" or path.stat().st_size == 0:
        return False
    with open(path, "rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) not in (b"\n", b"\r")

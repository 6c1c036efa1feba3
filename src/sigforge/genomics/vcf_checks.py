"""Diagnosis of a VCF/BCF that cannot be read: what finds and words the reason, for
:mod:`sigforge.genomics.vcf`.

htslib says why it rejects a header or a record only on standard error, and pysam then raises
a bare error; :func:`htslib_said` holds that text back while htslib reads, :func:`pass_on`
passes it on after a complete read and :func:`htslib_reason` quotes it;
:func:`sigforge.genomics.vcf_open_checks.diagnose_vcf` names why a file could not be opened,
:func:`diagnose_record` why one record could not be read (columns, POS, bytes that are not
text, GT). :func:`check_genotypes` and :func:`check_columns` refuse what htslib reads without
complaint but wrongly (GT not first in FORMAT, an allele number past the ALTs, extra or
missing columns). They read the file again, only on those paths, so that the reader's record
loop stays lean; this module never imports the reader.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shlex
import sys
import zlib
from pathlib import Path
from typing import NamedTuple

import pysam

from sigforge import _htslib
from sigforge._htslib import stderr_captured
from sigforge.genomics.genome import file_compression
from sigforge.genomics.variant_table import MAX_POSITION
from sigforge.genomics.vcf_header import HeaderLayout
from sigforge.io import InputError

#: A GT value: allele numbers or '.', separated by '/' (unphased) or '|' (phased).
_GT_VALUE = re.compile(r"(?:\.|\d+)(?:[/|](?:\.|\d+))*")
#: The fixed columns of a VCF record line, in order.
_FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT")


def htslib_said(sink: list[str]) -> contextlib.AbstractContextManager[None]:
    """Hold back what is written to file descriptor 2 inside the block and append it to
    ``sink``: htslib says why it cannot read a header or a record only there (``[E::function]
    reason`` lines), before pysam raises a bare "unable to parse next record". The capture is
    :func:`sigforge._htslib.stderr_captured`: fd 2 is
    restored however the block ends; nothing is held back when it cannot be redirected."""
    return stderr_captured(sink)


#: htslib's error lines about a VCF's index, which sigforge never uses (files are read whole).
_INDEX_ERRORS = ("[E::idx_find", "[E::hts_idx_load")


def pass_on(said: list[str]) -> None:
    """Write held-back htslib messages to stderr: its errors, not its warnings (unless
    ``--debug``, :mod:`sigforge._htslib`), and not the missing index of a bgzip VCF or BCF,
    which htslib reports as an error (``[E::idx_find_and_load]``) on every open although the
    file is read whole without one, nor an index beside it that htslib cannot load
    (``[E::hts_idx_load3]``: a damaged .tbi or .csi, unused for the same reason)."""
    text = "".join(line for line in _htslib.shown("".join(said)).splitlines(keepends=True)
                   if not line.startswith(_INDEX_ERRORS))
    if text.strip():
        sys.stderr.write(text)


def htslib_reason(said: list[str]) -> str:
    """htslib's reasons (its ``[E::function] reason`` lines, and the warning naming a bad BCF
    record, which is all it says about one) in held-back text, or ''; not the missing index
    of a bgzip VCF, which it reports as an error on every open."""
    return "; ".join(line.split("] ", 1)[-1].strip().rstrip(":")
                     for line in "".join(said).splitlines()
                     if (line.startswith("[E::") and not line.startswith(_INDEX_ERRORS))
                     or line.startswith("[W::bcf_record_check]"))


def read_text_head(path: Path, limit: int = 1 << 20) -> tuple[bytes, str | None]:
    """Up to ``limit`` bytes of a file's text (inflated when gzip or bgzip), and the error
    that stopped the read early (a truncated or corrupt compressed stream), if any."""
    chunks: list[bytes] = []
    total = 0
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none" else open(path, "rb")
              ) as handle:
            while total < limit and (chunk := handle.read(1 << 12)):
                chunks.append(chunk)
                total += len(chunk)
    except (OSError, EOFError, zlib.error) as err:
        return b"".join(chunks), str(err)
    return b"".join(chunks), None


def _stream_error(path: Path) -> str | None:
    """The error that stops inflating a gzip/bgzip file before its end, if any (the whole
    file is read, 1 MiB at a time, nothing kept)."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as err:
        return str(err)
    return None


def _nth_line(path: Path, number: int) -> tuple[bytes | None, str | None]:
    """Line ``number`` (1-based) of a plain or compressed text file, as bytes, or the read
    error."""
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none" else open(path, "rb")
              ) as handle:
            for current, text in enumerate(handle, start=1):
                if current == number:
                    return text.rstrip(b"\r\n"), None
    except (OSError, EOFError, zlib.error) as err:
        return None, str(err)
    return None, None


#: The fix of a truncated file.
_TRUNCATED_FIX = "A truncated file must be copied again or re-created (bgzip)."


def _edit_fix(path: Path) -> str:
    """The fix of a broken record line."""
    return f"Correct or remove that line (check with 'bcftools view {path}')."


def _either_fix(path: Path) -> str:
    """The fix of a record line that is broken or cut short by a truncated file."""
    return f"{_edit_fix(path)[:-1]}; {_TRUNCATED_FIX[0].lower()}{_TRUNCATED_FIX[1:]}"


def _column_name(index: int, samples: list[str]) -> str:
    """The name of a record line's column ``index`` (0-based): fixed column or sample."""
    if index < len(_FIXED_COLUMNS):
        return _FIXED_COLUMNS[index]
    sample = index - len(_FIXED_COLUMNS)
    return (f"sample '{samples[sample]}'" if sample < len(samples)
            else f"column {index + 1}")


def _non_text_column(raw: bytes, samples: list[str]) -> str | None:
    """The first column of a record line holding a byte that is not text: not UTF-8 (a
    Latin-1 accent) or a control character (NUL from a damaged copy), if any."""
    for index, value in enumerate(raw.rstrip(b"\r").split(b"\t")):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as err:
            byte, kind = value[err.start], "not UTF-8 text (e.g. a Latin-1 accent)"
        else:
            control = next((b for b in value if b < 0x20 or b == 0x7F), None)
            if control is None:
                continue
            byte, kind = control, "a control character (e.g. NUL bytes of a damaged copy)"
        shown = value[:30].decode("utf-8", "replace").replace("\x00", "\\0")
        return (f"its {_column_name(index, samples)} column '{shown}' holds the byte "
                f"0x{byte:02x}, {kind}; a VCF line is plain text")
    return None


def _count_problem(fields: list[str], samples: list[str], columns: int | None) -> str | None:
    """The message for a record line whose column count differs from the ``#CHROM`` line's
    (empty columns at the end of the line aside), if it does."""
    expected = columns if columns is not None else (
        len(_FIXED_COLUMNS) + len(samples) if samples else len(_FIXED_COLUMNS) - 1)
    used = len(fields)
    while used > expected and not fields[used - 1].strip():
        used -= 1
    if used == expected or (expected, used) == (9, 8):  # FORMAT named, no sample
        return None
    return _columns_message(used, expected, samples)


def _columns_message(found: int, expected: int, samples: list[str]) -> str:
    """A record has ``found`` columns where the ``#CHROM`` line has ``expected``."""
    layout = (f"the 8 fixed ones, FORMAT and {len(samples)} sample column(s): "
              f"{', '.join(samples[:5])}{', ...' if len(samples) > 5 else ''}" if samples
              else "a sites-only VCF: the 8 fixed ones")
    effect = ("its extra column(s) belong to no sample, and htslib would drop them unread"
              if found > expected else "a sample column (or FORMAT) is missing")
    return (f"it has {found} tab-separated columns, but the #CHROM header line has {expected} "
            f"({layout}): {effect}")


def _gt_problem(fields: list[str], header: pysam.VariantHeader, samples: list[str],
                path: Path) -> tuple[str, str] | None:
    """What keeps htslib from reading a record's genotypes, and the fix, if it is GT:
    declared with another Type than String, or a sample's GT value that is no genotype."""
    keys = fields[8].split(":") if len(fields) > 8 else []
    if not keys or keys[0] != "GT":
        return None
    declared = header.formats["GT"].type if "GT" in header.formats else "String"
    if declared != "String":
        where = _header_line_number(path, b"##FORMAT=<ID=GT,")
        return (f"the header declares GT as Type={declared} (its ##FORMAT=<ID=GT,...> line"
                f"{f', line {where}' if where else ''}), so htslib cannot read genotypes "
                "such as 0/1",
                "Declare it as the VCF specification does: ##FORMAT=<ID=GT,Number=1,"
                'Type=String,Description="Genotype">.')
    for index, value in enumerate(fields[9:]):
        gt = value.split(":", 1)[0]
        if not _GT_VALUE.fullmatch(gt):
            return (f"the GT of {_column_name(index + 9, samples)} is '{gt[:30]}', which is no "
                    "genotype (allele numbers or '.', separated by '/' or '|': 0/1, 1|0, ./.)",
                    _edit_fix(path))
    return None


def _header_line_number(path: Path, prefix: bytes) -> int | None:
    """The number of the first header line starting with ``prefix``, if the head holds one."""
    text, _ = read_text_head(path)
    for number, raw in enumerate(text.split(b"\n"), start=1):
        if raw.startswith(prefix):
            return number
        if not raw.startswith(b"#"):
            break
    return None


class _Diagnosis(NamedTuple):
    """Why a record could not be read: the heading (``truncated``, ``malformed``, or
    ``malformed or truncated`` when a line cut short could look the same), what, the fix."""

    heading: str
    what: str
    fix: str


def _not_a_record(raw: bytes | None, broken: str | None, err: Exception,
                  path: Path) -> _Diagnosis:
    """Where a record should be, the compressed data breaks off (``broken``), the file ends
    (``raw`` None), a blank line stands (not a line cut short: a VCF holds no empty lines),
    or a header line (``##...`` or a second ``#CHROM``: the ``#CHROM`` line ends a VCF's
    header, and htslib reads every later line as a record)."""
    if broken:
        return _Diagnosis("truncated", f"the compressed data breaks off there ({broken}): the "
                          "file is truncated", _TRUNCATED_FIX)
    if raw is None:
        return _Diagnosis("truncated", f"the file ends inside that record ({err}): it is "
                          "truncated", _TRUNCATED_FIX)
    if not raw.strip():
        return _Diagnosis("malformed", "it is blank (a VCF holds no empty lines, not even at "
                          "the end)", f"Delete the blank line(s): grep -v '^[[:space:]]*$' "
                          f"{shlex.quote(str(path))} > fixed.vcf (for a bgzip VCF, zcat it "
                          "first and bgzip the result).")
    kind = "a second '#CHROM' line" if raw.startswith(b"#CHROM") else "a header line"
    return _Diagnosis("misplaced header line", f"it is {kind} "
                      f"('{raw[:40].decode('utf-8', 'replace')}'), but the '#CHROM' line "
                      "above it ends the header (htslib reads every later line as a record)",
                      "Move the line above the #CHROM line, or delete it if it repeats one "
                      "(e.g. where two VCFs were concatenated: join them with 'bcftools "
                      "concat' instead).")


def diagnose_record(path: Path, line: int, err: Exception, header: pysam.VariantHeader,
                     columns: int | None, reason: str) -> _Diagnosis:
    """What is wrong with the VCF record on ``line`` that htslib or pysam could not read,
    and the fix. ``reason`` is what htslib said (its ``[E::...]`` lines), quoted when no cause
    is named. A BCF has no text line to look at: htslib's reason is all there is."""
    stream = _stream_error(path) if file_compression(path) != "none" else None
    if columns is None and stream:  # a BCF or bgzip VCF whose blocks do not inflate
        return _Diagnosis("truncated or corrupt", "its compressed data breaks off or is "
                          f"damaged near there ({stream})", _TRUNCATED_FIX)
    if columns is None and read_text_head(path, 4)[0].startswith(b"BCF"):
        return _Diagnosis("malformed or truncated", f"htslib cannot read that record "
                          f"({reason or err})", f"Check it with 'bcftools view {path}'; "
                          "re-create the BCF, or copy it again if it was cut short.")
    raw, broken = _nth_line(path, line)
    if broken or raw is None or raw.startswith(b"#") or not raw.strip():
        return _not_a_record(raw, broken, err, path)
    fields = raw.decode("utf-8", "replace").split("\t")
    samples = list(header.samples)
    if len(fields) < 8:
        return _Diagnosis("malformed or truncated", f"it has {len(fields)} tab-separated "
                          "column(s); a VCF record needs at least 8 (CHROM POS ID REF ALT QUAL "
                          "FILTER INFO)", _either_fix(path))
    if not (fields[1].isascii() and fields[1].isdigit()) or not 1 <= int(fields[1]) <= MAX_POSITION:
        return _Diagnosis("malformed or truncated", f"POS '{fields[1][:30]}' is not an integer "
                          f"from 1 to {MAX_POSITION:,}", _either_fix(path))
    if any(ch.isspace() for ch in fields[0]):  # htslib: "Could not add dummy header"
        return _Diagnosis("malformed", f"CHROM '{fields[0][:40]}' holds a space (contig names "
                          "cannot)", "Remove the space(s), naming the contig exactly as the "
                          "reference FASTA does.")
    problem = _non_text_column(raw, samples) or _count_problem(fields, samples, columns)
    if problem:
        return _Diagnosis("malformed", problem, _edit_fix(path))
    gt_problem = _gt_problem(fields, header, samples, path)
    if gt_problem:
        return _Diagnosis("malformed", *gt_problem)
    if stream:
        return _Diagnosis("truncated", f"the compressed data breaks off near there "
                          f"({stream}): the file is truncated", _TRUNCATED_FIX)
    return _Diagnosis("malformed or truncated", f"htslib cannot parse it ({reason or err})",
                      _either_fix(path))


def check_genotypes(record: pysam.VariantRecord, columns: list[int], path: Path,
                     line: int) -> None:
    """Refuse what pysam reads as a missing genotype but is a broken record: GT not the first
    FORMAT key (htslib then reads no genotype at all, and every sample would silently lose the
    record) or an allele number past the record's ALTs (read as '.'). A GT that is missing
    ('.', './.') or absent from a record's FORMAT is a call without that ALT: kept."""
    fields = str(record).rstrip("\n").split("\t")
    keys = fields[8].split(":") if len(fields) > 8 else []
    if keys == [""] and any(fields[9 + c] not in ("", ".") for c in columns[:len(fields) - 9]):
        raise InputError(f"VCF {path}: line {line}: FORMAT is empty but the sample column(s) "
                         "hold values (a shifted or cut record). Write the FORMAT keys (e.g. "
                         "GT), or remove that line.")
    if "GT" in keys and keys[0] != "GT":
        raise InputError(f"VCF {path}: line {line}: FORMAT '{fields[8][:40]}' has GT in "
                         f"position {keys.index('GT') + 1}; the VCF specification requires "
                         "GT to be the first FORMAT key, and htslib reads no genotype "
                         "otherwise. Write GT first in FORMAT and in every sample column "
                         "(e.g. GT:DP and 0/1:30), or re-create the VCF.")
    n_alts = len(record.alts or ())
    if not keys or keys[0] != "GT" or not n_alts:
        return  # a record without ALT is read for every sample whatever its GT
    for column in columns:
        gt = fields[9 + column].split(":", 1)[0]
        numbers = [int(n) for n in re.split(r"[/|]", gt) if n.isascii() and n.isdigit()]
        if numbers and max(numbers) > n_alts:
            raise InputError(f"VCF {path}: line {line}: sample '{record.header.samples[column]}'"
                             f" has GT '{gt}', which names allele {max(numbers)}, but the "
                             f"record has {n_alts} ALT allele(s) (GT numbers 0 for REF, then "
                             "1, 2, ... for the ALTs in order). Correct the genotype or the "
                             "ALT column, or remove that line.")


def _column_mismatch(path: Path, layout: HeaderLayout) -> tuple[int, int] | None:
    """The first record line (and its column count) of a text VCF whose tab-separated columns
    are not as many as the ``#CHROM`` line's, empty columns at the end of a line aside (and 8
    allowed where the #CHROM line names FORMAT but no sample).

    htslib refuses a line with too few sample columns, but silently drops extra ones (a
    shifted or pasted record whose calls would belong to no sample) and takes a line of 8
    columns in a file with samples. Checked in line-aligned blocks of about 1 MiB: a block
    whose tab count is the line count times the expected is skipped at C speed (50 ms a
    million records); only a block that differs is split into lines. None also when the file
    cannot be read again (htslib's pass has named any damage).
    """
    if layout.columns is None:
        return None
    tabs = layout.columns - 1
    line = layout.lines
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none" else open(path, "rb")
              ) as handle:
            for _ in range(layout.lines):
                handle.readline()
            rest = b""
            while True:
                chunk = handle.read(1 << 20)
                block = rest + chunk
                cut = block.rfind(b"\n") + 1 if chunk else len(block)
                block, rest = block[:cut], block[cut:]
                lines = block.count(b"\n") + (1 if block and not block.endswith(b"\n") else 0)
                if block.count(b"\t") != tabs * lines:
                    found = _odd_line(block, layout.columns)
                    if found is not None:
                        return line + found[0], found[1]
                line += lines
                if not chunk:
                    return None
    except (OSError, EOFError, zlib.error):
        return None


def _odd_line(block: bytes, columns: int) -> tuple[int, int] | None:
    """The first line of ``block`` (1-based within it) with other than ``columns`` columns
    (see :func:`_column_mismatch`), and its count."""
    allowed = {columns, 8} if columns == 9 else {columns}
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    for number, text in enumerate(lines, start=1):
        fields = text.rstrip(b"\r").split(b"\t")
        used = len(fields)
        while used > columns and not fields[used - 1].strip():
            used -= 1
        if used not in allowed:
            return number, used
    return None


def check_columns(path: Path, layout: HeaderLayout, samples: list[str]) -> None:
    """Refuse a record line whose column count differs from the ``#CHROM`` line's
    (:func:`_column_mismatch`), naming the line."""
    found = _column_mismatch(path, layout)
    if found is not None:
        line, count = found
        raise InputError(f"VCF {path}: line {line}: "
                         f"{_columns_message(count, layout.columns or 0, samples)}. Correct or "
                         "remove that line (or, when every record has more columns, name every "
                         "sample on the #CHROM line).")

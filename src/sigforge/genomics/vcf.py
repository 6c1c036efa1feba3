"""VCF/BCF reading through pysam into a :class:`~sigforge.genomics.variant_table.VariantTable`.

Every ALT allele of every record (multi-allelic records are split) is one *variant read*.
Reading keeps only what counting needs, in flat arrays, so that one pass of pysam over a
million records costs about two seconds (``rec.rid``/``rec.pos``/``rec.ref``/``rec.alts`` and
``len(rec.filter)`` are far cheaper than ``rec.filter.keys()`` or ``rec.alleles`` on every
record; genotypes are read only when they decide sample membership).

Samples of a file (see :func:`read_vcf`):

- ``--vcf-sample NAME``: one sample, the allele belongs to it when NAME's GT carries it.
- ``--sample-from-filename`` (SigProfilerMatrixGenerator's mode): one sample named after the
  file, every record belongs to it whatever the genotypes.
- otherwise a single-sample VCF gives one sample named after its column; a multi-sample VCF
  gives one sample per column (an allele belongs to a sample whose GT carries that ALT); a
  sites-only VCF (no sample column) gives one sample named after the file.

Containers: plain, bgzip and plain-gzip VCFs and BCFs are read (plain gzip is streamed, as
htslib cannot seek in it). A file htslib rejects is diagnosed for the message: empty, not a
VCF at all (binary or other text), repeated sample columns, truncated compressed data.

What a file must hold, else an :class:`~sigforge.io.InputError` names the file, the line and
the fix (counting such a row would only skip it, hiding a broken or shifted file): records
with at least 8 columns, ``POS`` in 1..``MAX_POSITION`` (``POS 0`` only for symbolic telomeric
breakends), a REF other than ``.``. A VCF without records is a valid sample with no variants.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pysam

from sigforge.genomics.genome import file_compression
from sigforge.genomics.variant_table import MAX_POSITION, VariantTable, input_stem
from sigforge.io import InputError, check_regular_file

#: The empty BGZF block bgzip writes last (SAM specification, section 4.1.2).
_BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def _open_streamed(path: Path) -> pysam.VariantFile:
    """Open a plain-gzip VCF as a stream.

    pysam asks htslib for the file offset when it opens a file by name, and plain gzip cannot
    give one (``NotImplementedError: seek not implemented``); a stream skips that, and htslib
    inflates plain gzip on the fly. pysam reads a duplicate of the descriptor, so ours can
    close at once.
    """
    with open(path, "rb") as handle:
        return pysam.VariantFile(handle)


def open_vcf(path: str | Path) -> pysam.VariantFile:
    """Open a VCF/BCF (plain, gzip or bgzip) with a clear error when it is missing or malformed.

    No htslib decompression threads: measured 10% faster on a bgzipped million-record VCF,
    but reading then hung now and then (pysam 0.24.1) in the test suite.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"VCF {path}: file not found. Check the 'vcf' column of the samples "
                         "sheet (paths are relative to the working directory).")
    check_regular_file(path, f"VCF {path}")
    try:
        if file_compression(path) == "gzip":
            return _open_streamed(path)
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as err:
        raise InputError(f"VCF {path}: cannot be read as VCF/BCF: "
                         f"{_diagnose_vcf(path, err)}") from err


def _read_text_head(path: Path, limit: int = 1 << 20) -> tuple[bytes, str | None]:
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


def _describe_start(text: bytes) -> str:
    """What a file that should be a VCF starts with, for the message (binary or first line)."""
    first = text.split(b"\n", 1)[0][:60]
    if not first or b"\x00" in text[:512] or not first.isascii():
        return "it holds binary data"
    return f"its first line is '{first.decode('ascii', 'replace')}'"


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


def _diagnose_vcf(path: Path, err: Exception) -> str:
    """Why htslib rejected a VCF at open, and the fix (read again only on this error path)."""
    try:
        size = path.stat().st_size
        text, broken = _read_text_head(path)
        compression = file_compression(path)
        with open(path, "rb") as handle:
            handle.seek(max(size - len(_BGZF_EOF), 0))
            eof_block = handle.read() == _BGZF_EOF
    except OSError as os_err:
        return f"{os_err}. Give a VCF/BCF file."
    if size == 0:
        return "the file is empty (0 bytes). Re-create it, or remove the sample from the input."
    if text.startswith(b"BCF"):
        return f"htslib rejects this BCF ({err}). Check it with 'bcftools view {path}'."
    if text.startswith(b"\xef\xbb\xbf##fileformat=VCF"):
        return ("it starts with a UTF-8 byte-order mark (saved as 'UTF-8 with BOM'), three "
                "bytes before '##fileformat' that htslib does not read. "
                + _bom_fix(path, compression))
    if not text.startswith(b"##fileformat=VCF"):
        if broken:
            return (f"its compressed data is truncated or corrupt ({broken}). Copy the file "
                    "again, or re-create it with 'bgzip'.")
        return (f"it does not start with a '##fileformat=VCF' line ({_describe_start(text)}), "
                "so it is not a VCF. Give a VCF or BCF (plain, gzip or bgzip).")
    duplicated = _duplicate_samples(text)
    if duplicated:
        return (f"sample column(s) {duplicated} appear more than once on the #CHROM header "
                "line; every sample column needs its own name. Rename one (e.g. 'bcftools "
                "reheader --samples NAMES.txt') or split the file.")
    if broken or (compression == "bgzf" and not eof_block):
        return (f"the file is truncated ({broken or 'no BGZF end-of-file block'}). Copy it "
                "again, or re-create it with 'bgzip'.")
    return f"htslib rejects its header ({err}). Check it with 'bcftools view -h {path}'."


def _file_header_lines(path: Path, vcf: pysam.VariantFile) -> int:
    """Number of header lines in the file, so that record number n sits on line header + n.

    Counted in the file itself: htslib adds lines of its own (``##FILTER=<ID=PASS>``) to the
    header it parses. A BCF has no lines; its header's length stands in (records are then
    numbered, not located by line).
    """
    if vcf.format != "VCF":
        return len(str(vcf.header).splitlines())
    count = 0
    try:
        with (gzip.open(path, "rb") if file_compression(path) != "none" else open(path, "rb")
              ) as handle:
            for text in handle:
                if not text.startswith(b"#"):
                    break
                count += 1
    except (OSError, EOFError, zlib.error):
        return len(str(vcf.header).splitlines())
    return count


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[pysam.VariantFile]:
    """:func:`open_vcf` as a context whose closing never hides the error that stopped reading.

    Closing a stream (a plain-gzip VCF) whose compressed data broke off raises again in
    pysam 0.24.1, and as a ``TypeError`` (it formats its OSError with the file object as a
    name); the error raised while reading is the one to report. A close that fails after a
    complete read is reported itself.
    """
    vcf = open_vcf(path)
    try:
        yield vcf
    except BaseException:
        with contextlib.suppress(OSError, TypeError):
            vcf.close()
        raise
    try:
        vcf.close()
    except (OSError, TypeError) as err:
        raise InputError(f"VCF {path}: reading ended with an error ({err}); the file is "
                         "probably truncated: copy it again, or re-create it.") from err


def header_contig_lengths(vcf: pysam.VariantFile) -> dict[str, int]:
    """Contig lengths declared in the VCF header (``##contig=<ID=..,length=..>``)."""
    lengths = {}
    for name, contig in vcf.header.contigs.items():
        if contig.length is not None:
            lengths[name] = int(contig.length)
    return lengths


def vcf_sample_columns(path: str | Path) -> list[str]:
    """The sample columns of a VCF header."""
    with _reading(Path(path)) as vcf:
        return _sample_columns(vcf, Path(path))


def _sample_columns(vcf: pysam.VariantFile, path: Path) -> list[str]:
    """The header's sample names, or an InputError when one is not UTF-8 text (pysam decodes
    them on access and would raise a bare UnicodeDecodeError)."""
    try:
        return list(vcf.header.samples)
    except UnicodeDecodeError as err:
        raise InputError(f"VCF {path}: the #CHROM header line holds a sample name that is not "
                         f"UTF-8 text ({err.reason} at byte {err.start}), e.g. Latin-1 accents. "
                         "Rename the sample in UTF-8 (bcftools reheader --samples).") from err


def _nth_line(path: Path, number: int) -> tuple[str | None, str | None]:
    """Line ``number`` (1-based) of a plain or compressed text file, or the read error."""
    try:
        with (gzip.open(path, "rt", errors="replace") if file_compression(path) != "none"
              else open(path, errors="replace")) as handle:
            for current, text in enumerate(handle, start=1):
                if current == number:
                    return text.rstrip("\r\n"), None
    except (OSError, EOFError, zlib.error) as err:
        return None, str(err)
    return None, None


def _diagnose_record(path: Path, line: int, err: Exception) -> str:
    """What is wrong with the VCF record on ``line`` that htslib could not parse."""
    text, broken = _nth_line(path, line)
    if broken:
        return f"the compressed data breaks off there ({broken}): the file is truncated"
    if text is None:
        return f"the file ends inside that record ({err}): it is truncated"
    fields = text.split("\t")
    if len(fields) < 8:
        return (f"it has {len(fields)} tab-separated column(s); a VCF record needs at least 8 "
                "(CHROM POS ID REF ALT QUAL FILTER INFO)")
    if not fields[1].isdigit() or not 1 <= int(fields[1]) <= MAX_POSITION:
        return f"POS '{fields[1][:30]}' is not an integer from 1 to {MAX_POSITION:,}"
    if file_compression(path) != "none":
        broken = _stream_error(path)
        if broken:
            return f"the compressed data breaks off near there ({broken}): the file is truncated"
    return f"htslib cannot parse it ({err})"


def _scan_records(vcf: pysam.VariantFile, path: Path, genotype_columns: list[int] | None,
                  header_lines: int) -> tuple[list, list, list, list, list, list]:
    """One pysam pass: contig ids, positions, REF, ALT tuples, FILTER verdicts, genotypes.

    Genotypes come back per column (a list of allele-index tuples per sample column index in
    ``genotype_columns``); sample access by index is the cheapest pysam offers.
    """
    rids: list[int] = []
    positions: list[int] = []
    refs: list[str] = []
    alts: list[tuple[str, ...] | None] = []
    passed: list[bool] = []
    genotypes: list[list[tuple]] = [[] for _ in genotype_columns or ()]
    add_rid, add_pos, add_ref, add_alt, add_pass = (
        rids.append, positions.append, refs.append, alts.append, passed.append)
    record_number = 0
    try:
        for record_number, record in enumerate(vcf, start=1):  # noqa: B007
            add_rid(record.rid)
            add_pos(record.pos)
            add_ref(record.ref)
            add_alt(record.alts)
            filters = record.filter  # len() first: far cheaper than filter.keys()
            count = len(filters)
            add_pass(count == 0 or (count == 1 and "PASS" in filters))
            if genotype_columns is not None:
                calls = record.samples
                for column, store in zip(genotype_columns, genotypes, strict=True):
                    store.append(calls[column].allele_indices)
    except (OSError, ValueError) as err:
        line = header_lines + record_number + 1
        raise InputError(f"VCF {path}: malformed or truncated at line {line} (record "
                         f"{record_number + 1}): {_diagnose_record(path, line, err)}. Correct "
                         f"or remove that line (check with 'bcftools view {path}'); a "
                         "truncated file must be copied again or re-compressed.") from err
    return rids, positions, refs, alts, passed, genotypes


def _is_symbolic(alts: tuple[str, ...] | None) -> bool:
    """Whether a record's ALT alleles are symbolic or breakends (the only ones allowed at
    POS 0, which VCF reserves for telomeric breakends)."""
    return bool(alts) and all(  # type: ignore[arg-type]
        a.startswith(("<", ".")) or a.endswith(".") or "[" in a or "]" in a or a == "*"
        for a in alts)  # type: ignore[union-attr]


def _check_records(path: Path, positions: list[int], refs: list[str], alts: list,
                   header_lines: int) -> None:
    """Reject positions outside 1..MAX_POSITION and a missing REF, naming the line.

    htslib reads ``POS 0`` (and a REF of ``.`` or nothing) without complaint; counted, they
    would only be skipped, hiding a broken file.
    """
    pos = np.asarray(positions, dtype=np.int64)
    for row in np.flatnonzero((pos < 1) | (pos > MAX_POSITION)).tolist():
        if not (pos[row] == 0 and _is_symbolic(alts[row])):
            raise InputError(f"VCF {path}: line {header_lines + row + 1}: POS {pos[row]} is "
                             f"not a position (VCF positions run from 1 to {MAX_POSITION:,}; "
                             "POS 0 is for telomeric breakends only). Correct or remove that "
                             "line.")
    if "." in refs:
        row = refs.index(".")
        raise InputError(f"VCF {path}: line {header_lines + row + 1}: REF is empty or '.'; "
                         "every record needs its reference base(s). Correct or remove that "
                         "line.")


def _choose_samples(path: Path, columns: list[str], vcf_sample: str | None,
                    sample_from_filename: bool, has_genotypes: bool = True
                    ) -> tuple[list[str], list[str] | None]:
    """The output samples of a VCF and the sample columns whose genotypes decide membership.

    Without a GT field no genotype can decide: one named column (``vcf_sample``) then takes
    every record, as the tumour column of a tumour-normal caller's VCF (Strelka writes none)
    should; several columns and no choice are refused, since every sample would otherwise
    come out empty."""
    if vcf_sample is not None and vcf_sample not in columns:
        raise InputError(f"VCF {path}: sample column '{vcf_sample}' not found; the file has "
                         f"{columns or 'no sample columns'}. Give one of those names "
                         "(--vcf-sample, or the samples sheet's 'vcf_sample' column)"
                         f"{'' if columns else ', or none'}.")
    if sample_from_filename or not columns:
        return [input_stem(path)], None
    if vcf_sample is not None:
        return [vcf_sample], [vcf_sample] if has_genotypes else None
    if len(columns) > 1 and not has_genotypes:
        raise InputError(f"VCF {path}: {len(columns)} sample columns ({', '.join(columns[:5])}"
                         f"{', ...' if len(columns) > 5 else ''}) but no GT field in FORMAT, so "
                         "no record says which sample carries it. For a tumour-normal VCF "
                         "name the tumour column (--vcf-sample, or the samples sheet's "
                         "'vcf_sample' column): every record is then counted for it. Otherwise "
                         "add genotypes (GT) or split the file per sample.")
    if len(columns) == 1:
        return columns, None
    return columns, columns


def read_vcf(path: str | Path, *, vcf_sample: str | None = None,
             sample_from_filename: bool = False) -> VariantTable:
    """Read a VCF/BCF into a :class:`VariantTable` (see the module docstring for samples).

    Raises
    ------
    InputError
        Missing or unreadable file, a malformed or truncated record, a position outside
        1..MAX_POSITION or a missing REF (naming its line), an unknown ``vcf_sample``.
    """
    path = Path(path)
    with _reading(path) as vcf:
        columns = _sample_columns(vcf, path)
        samples, genotype_columns = _choose_samples(path, columns, vcf_sample,
                                                    sample_from_filename,
                                                    "GT" in vcf.header.formats)
        header_lines = _file_header_lines(path, vcf)
        declared = header_contig_lengths(vcf)
        rids, positions, refs, alts, passed, genotypes = _scan_records(
            vcf, path, None if genotype_columns is None else
            [columns.index(name) for name in genotype_columns], header_lines)
        contig_names = list(vcf.header.contigs)
    _check_records(path, positions, refs, alts, header_lines)
    table = _split_alleles(str(path), contig_names, rids, positions, refs, alts, passed,
                           header_lines, samples, genotypes if genotype_columns else None)
    table.declared_lengths = declared
    return table


def _upper(alleles: list[str]) -> list[str]:
    """Upper-case a list of alleles in one C-level pass (alleles never hold a tab)."""
    return "\t".join(alleles).upper().split("\t") if alleles else []


def _carriers(calls: list[tuple], record_index: np.ndarray, allele_number: np.ndarray
              ) -> np.ndarray:
    """Rows (one per ALT allele) whose allele number appears in the column's genotype."""
    carries_first = np.fromiter((1 in call for call in calls), dtype=bool, count=len(calls))
    carried = carries_first[record_index]
    for row in np.flatnonzero(allele_number > 1).tolist():
        carried[row] = int(allele_number[row]) in calls[record_index[row]]
    return np.flatnonzero(carried)


def _split_alleles(source: str, contig_names: list[str], rids: list[int], positions: list[int],
                   refs: list[str], alts: list, passed: list[bool], header_lines: int,
                   samples: list[str], genotypes: list[list[tuple]] | None) -> VariantTable:
    """Flatten records into one row per ALT allele. A record without ALT (``.``, a reference
    call) gives one row with ALT ``.``, which the catalog logs as ``symbolic``: it was read,
    so it must be accounted for."""
    if None in alts:
        alts = [a or (".",) for a in alts]
    n_alts = np.fromiter(map(len, alts), dtype=np.int64, count=len(alts))
    record_index = np.repeat(np.arange(len(alts), dtype=np.int64), n_alts)
    if n_alts.size and (n_alts == 1).all():
        flat_alts = _upper([a[0] for a in alts])
        ref_upper = _upper(refs)
    else:
        flat_alts = _upper([allele for a in alts for allele in a])
        ref_upper = _upper([refs[i] for i in record_index.tolist()])
    members = None
    if genotypes is not None:
        offsets = np.cumsum(n_alts) - n_alts
        allele_number = np.arange(len(record_index)) - np.repeat(offsets, n_alts) + 1
        members = [_carriers(calls, record_index, allele_number) for calls in genotypes]
    return VariantTable(
        source=source, contig_names=contig_names,
        contig=np.asarray(rids, dtype=np.int32)[record_index],
        pos=np.asarray(positions, dtype=np.int64)[record_index],
        ref=ref_upper, alt=flat_alts,
        passed=np.asarray(passed, dtype=bool)[record_index],
        line=record_index + header_lines + 1, samples=samples, members=members)

"""MAF (TCGA/GDC, cBioPortal) reading into a :class:`~sigforge.genomics.variant_table.VariantTable`.

One sample per ``Tumor_Sample_Barcode``; every tumour allele that differs from the reference
is one *variant read*. The ALT allele is ``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1``
where Allele2 equals the reference; a row whose two tumour alleles are two different
non-reference alleles (vcf2maf's rendering of a ``1/2`` genotype) gives two variants, as a
multi-allelic VCF record does (:func:`_second_alleles`). ``Tumor_Seq_Allele1`` is optional
(cBioPortal's format leaves it out); a ``FILTER`` column, when present, is honoured like the
VCF's, and a ``Mutation_Status`` of germline, LOH and the like is ``not_somatic``. ``-`` alleles
of indels become VCF-style alleles anchored on the preceding FASTA base
(:func:`anchor_maf_indels`).

A MAF is plain tab-separated UTF-8 text: every line is one row (a ``"`` is an ordinary
character, so a lone quote in an annotation cannot join rows), gzip-compressed or not (told by
its content). Leading ``#`` lines (``#version 2.4``) and blank lines are skipped, and every
line number in a message is the file's own. The cells the reader uses are stripped of
surrounding spaces and of a pair of enclosing double quotes (``"S1"`` is ``S1``), so that one
barcode or contig is never two.

What a file must hold, else an :class:`~sigforge.io.InputError` names the file, the line and
the fix: UTF-8 text; a header naming every column of ``MAF_COLUMNS`` once; rows of as many
fields as the header, with ``Start_Position`` in 1..``MAX_POSITION``, an ``End_Position``
(when an integer) not before it, alleles of IUPAC bases or ``-`` (lower case is upper-cased)
and a non-blank ``Chromosome`` and ``Tumor_Sample_Barcode``; a MAF with no data row names no
sample and is an error unless ``sample_from_filename``.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from sigforge.genomics.compression import foreign_compression_problem
from sigforge.genomics.maf_checks import (
    REFUSED_BARCODES,
    OtherBuilds,
    RowDecoder,
    check_maf_ends,
    check_one_build,
    check_optional_spellings,
    clean_cell,
    commented_header,
    header_hint,
    missing_barcode,
    not_somatic_rows,
)
from sigforge.genomics.variant_table import (
    MAX_POSITION,
    FailedFilters,
    VariantTable,
)
from sigforge.io import InputError, check_regular_file, not_found

#: MAF columns read that must be present.
MAF_COLUMNS = ("Tumor_Sample_Barcode", "Chromosome", "Start_Position", "End_Position",
               "Reference_Allele", "Tumor_Seq_Allele2")
#: MAF columns read when present: cBioPortal's format makes ``Tumor_Seq_Allele1`` optional,
#: only some writers add ``FILTER``, and ``NCBI_Build`` is checked to name one build.
MAF_OPTIONAL_COLUMNS = ("Tumor_Seq_Allele1", "FILTER", "NCBI_Build", "Mutation_Status")
#: A MAF allele: IUPAC bases (non-ACGT ones are later skipped as ``ambiguous_base``) or ``-``.
MAF_ALLELE = r"[ACGTNRYKMSWBDHV]+|-"
#: The first two bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"


def _check_unique_columns(path: Path, header: list[str], line: int) -> None:
    """Refuse a header naming a column the reader uses twice: which of the two holds the
    alleles (or the sample) would be a guess, and the wrong guess counts wrong mutations."""
    repeated = sorted({c for c in MAF_COLUMNS + MAF_OPTIONAL_COLUMNS if header.count(c) > 1})
    if repeated:
        raise InputError(f"MAF {path}: line {line} (the header) names {', '.join(repeated)} "
                         "more than once; keep one column of each name (rename or remove the "
                         "other).")


def _open_maf(path: Path) -> IO[bytes]:
    """The MAF's bytes, gunzipped when they are a gzip stream.

    Told by the content rather than the name, so that a compressed MAF named ``.maf`` is read
    like one named ``.maf.gz`` instead of being refused as text that is not UTF-8.
    """
    with open(path, "rb") as probe:
        compressed = probe.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _numbered_lines(handle: IO[bytes], path: Path) -> Iterator[tuple[int, bytes]]:
    """Every line of the file with its 1-based number, without its line end.

    A line ends at LF, CRLF or a lone CR, as editors count them, so that a message's line
    number is the one a user finds in the file; blank lines are yielded too (and counted). A
    gzip stream that is damaged or cut short is an error naming the last whole line.
    """
    number = 0
    try:
        for chunk in handle:
            for raw in chunk.splitlines():
                number += 1
                yield number, raw
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise InputError(f"MAF {path}: the gzip compression is damaged or cut short after line "
                         f"{number} ({err}). Copy or download the file again (a truncated copy "
                         "is the usual cause), or compress the text MAF again with gzip."
                         ) from err


def _decode_line(raw: bytes, number: int, path: Path) -> str:
    """A line above the rows (header, comments) as text; a byte that is not UTF-8 is an error
    naming the line and the fix, rather than a byte offset into the file. (Rows are decoded
    by :class:`~sigforge.genomics.maf_checks.RowDecoder`, strictly only where they are read.)"""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"MAF {path}: line {number}: byte 0x{raw[err.start]:02x} is not UTF-8 "
                         "text (the file is probably Latin-1 or Windows-1252). Save the file "
                         "as UTF-8, e.g. iconv -f latin1 -t utf-8 IN.maf > OUT.maf.") from err


#: What a MAF's header must name, for messages.
_NEEDED_COLUMNS = (f"A MAF needs a tab-separated header with the GDC columns "
                   f"{', '.join(MAF_COLUMNS)} (and reads {', '.join(MAF_OPTIONAL_COLUMNS)} "
                   "when present).")


def _refuse_utf16(first: bytes, path: Path) -> None:
    """Refuse a file starting with a UTF-16 byte-order mark (a spreadsheet's "Unicode text"
    export): read as UTF-8 its every character would be garbled, and the fix is to re-save it."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"MAF {path}: line 1: the file is UTF-16 text (it starts with a UTF-16 "
                         "byte-order mark). Save it as UTF-8 tab-separated text, e.g. iconv -f "
                         "utf-16 -t utf-8 IN.maf > OUT.maf.")


def _maf_header(lines: Iterator[tuple[int, bytes]], path: Path) -> tuple[list[str], int]:
    """The header's column names (cleaned like the cells) and its line number.

    The header is the first line that is neither blank nor a ``#`` line (``#version 2.4``,
    skipped unread); a UTF-8 byte-order mark before the file's first line is dropped, and a
    UTF-16 one is refused with the fix.
    """
    commented: tuple[int, bytes] | None = None  # the last '#' line of columns (VEP's header)
    for number, raw in lines:
        if raw.startswith(b"#") and raw.count(b"\t") >= 3:
            commented = (number, raw)
        if number == 1:
            _refuse_utf16(raw, path)
            raw = raw.removeprefix(codecs.BOM_UTF8)
            if raw.startswith(b"##fileformat=VCF"):  # --maf names any file a MAF
                named = path.name.lower().removesuffix(".gz").endswith(".maf")
                raise InputError(f"MAF {path}: line 1 is '##fileformat=VCF...': the file is a "
                                 "VCF, not a MAF. " + (
                                     "Rename it to end in .vcf (a file named .maf is read as "
                                     "a MAF, under --vcf too) and give it with --vcf." if named
                                     else f"Give it with --vcf {path}."))
        if raw.strip() and not raw.startswith(b"#"):
            text = _decode_line(raw, number, path)
            header = [clean_cell(name) for name in text.split("\t")]
            _check_unique_columns(path, header, number)
            missing = [column for column in MAF_COLUMNS if column not in header]
            if missing:
                raise InputError(f"MAF {path}: missing column(s) {', '.join(missing)} in the "
                                 f"header (line {number}).{header_hint(header, missing)}"
                                 f"{commented_header(commented)} {_NEEDED_COLUMNS}")
            check_optional_spellings(header, number, path)
            return header, number
    raise InputError(f"MAF {path}: the file is empty (no header line). {_NEEDED_COLUMNS}")


def _refuse_ragged_rows(path: Path, ragged: list[tuple[int, int, str]], width: int,
                        header_line: int) -> None:
    """Refuse rows whose number of fields differs from the header's, naming the first.

    Such a row is shifted (a cell holding a tab, a column left out, trailing tabs removed by
    an editor, a ``#`` note between rows): which cell belongs to which column is a guess, so
    its variant cannot be read. ``ragged`` holds (line, fields, text) of each such row.
    """
    if not ragged:
        return
    number, fields, text = ragged[0]
    note = " A '#' line is only allowed above the header." if text.startswith("#") else ""
    raise InputError(f"MAF {path}: line {number} has {fields} tab-separated field(s), but the "
                     f"header (line {header_line}) has {width} ({len(ragged)} such row(s) in "
                     "all). Every row needs one field per header column, separated by tabs "
                     "(empty cells included); correct or remove that row." + note)


def _maf_rows(lines: Iterator[tuple[int, bytes]], header: list[str], header_line: int,
              used: list[str], path: Path, barcode: str | None
              ) -> tuple[list[list[str]], list[int], list[str], OtherBuilds]:
    """The cleaned cells of the ``used`` columns of every data row (of ``barcode`` only, when
    given, and of rows of no barcode: refused), each row's line, the first other barcodes
    seen (for messages) and the builds of their rows.

    Every line is one row, split at its tabs: no quoting is honoured, so a ``"`` in an
    annotation cell cannot swallow the rows after it. Blank (or all-whitespace) lines hold no
    variant and are skipped, though still counted in the line numbers; a row with another
    number of fields than the header is refused, whatever its barcode.
    """
    pick = [header.index(column) for column in used]
    column = header.index("Tumor_Sample_Barcode") if barcode is not None and \
        "Tumor_Sample_Barcode" in header else None
    decoder, builds = RowDecoder(path, header, pick), OtherBuilds(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    others: dict[str, None] = {}
    ragged: list[tuple[int, int, str]] = []
    for number, raw in lines:
        if not raw.strip():
            continue
        fields = decoder.fields(raw, number)
        if len(fields) != len(header):
            ragged.append((number, len(fields),
                           "" if ragged else raw.decode("utf-8", "replace")))
            continue
        if column is not None and (cell := clean_cell(fields[column])) != barcode \
                and cell not in REFUSED_BARCODES:
            builds.add(fields, number)
            if len(others) < 11:
                others[cell] = None
            continue
        rows.append([clean_cell(fields[i]) for i in pick])
        numbers.append(number)
    _refuse_ragged_rows(path, ragged, len(header), header_line)
    decoder.report()
    return rows, numbers, list(others), builds


def _read_maf_frame(path: Path, barcode: str | None = None
                    ) -> tuple[pd.DataFrame, np.ndarray, list[str], OtherBuilds]:
    """The used columns of the MAF's rows (``barcode``'s only, when given) as cleaned text,
    each row's line (comment and blank lines counted), the first other barcodes seen and the
    builds of their rows."""
    if not path.exists():
        raise InputError(f"MAF {path}: {not_found(path)}. Check the 'vcf' column of the samples "
                         "sheet or --maf (paths are relative to the working directory).")
    check_regular_file(path, f"MAF {path}")
    foreign = foreign_compression_problem(path, "gzip", "NEW.maf.gz")
    if foreign:
        raise InputError(f"MAF {path}: cannot be read: {foreign}")
    try:
        with _open_maf(path) as handle:
            lines = _numbered_lines(handle, path)
            header, header_line = _maf_header(lines, path)
            used = [column for column in MAF_COLUMNS + MAF_OPTIONAL_COLUMNS if column in header]
            rows, numbers, others, builds = _maf_rows(lines, header, header_line, used,
                                                      path, barcode)
    except OSError as err:
        raise InputError(f"MAF {path}: cannot be read ({err}). Check that the file is readable "
                         "and give a tab-separated text MAF (optionally gzip-compressed) with "
                         "the GDC columns.") from err
    frame = pd.DataFrame(rows, columns=used, dtype=object)
    return frame, np.asarray(numbers, dtype=np.int64), others, builds


def _maf_positions(frame: pd.DataFrame, path: Path, lines: np.ndarray) -> np.ndarray:
    """``Start_Position`` as int64, every one an integer in 1..MAX_POSITION.

    Checked as text first, so that a 20-digit number is a message naming its line rather
    than an ``OverflowError``.
    """
    text = frame["Start_Position"]
    bad = ~text.str.fullmatch(r"\d{1,10}").to_numpy(dtype=bool)
    starts = np.zeros(len(text), dtype=np.int64)
    starts[~bad] = text[~bad].astype(np.int64).to_numpy()
    bad |= (starts < 1) | (starts > MAX_POSITION)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"MAF {path}: line {lines[row]}: Start_Position "
                         f"'{text.iat[row][:30]}' is not an integer from 1 "
                         f"to {MAX_POSITION:,} (column Start_Position holds 1-based "
                         "positions). Correct or remove that row.")
    return starts


def _check_maf_alleles(ref: pd.Series, alt: pd.Series, alt_column: np.ndarray, path: Path,
                       lines: np.ndarray) -> None:
    """Every REF and chosen ALT is IUPAC bases or ``-``; junk (``Z``, empty, ``1``) is an error
    naming the line and the column, since it means a broken or shifted row."""
    bad_ref = ~ref.str.fullmatch(MAF_ALLELE).to_numpy(dtype=bool)
    bad_alt = ~alt.str.fullmatch(MAF_ALLELE).to_numpy(dtype=bool)
    if not (bad_ref.any() or bad_alt.any()):
        return
    row = int(np.flatnonzero(bad_ref | bad_alt)[0])
    column, value = ("Reference_Allele", ref.iat[row]) if bad_ref[row] else (
        str(alt_column[row]), alt.iat[row])
    said = f"'{value[:30]}' is not" if value else "is blank or NA (a missing value), not"
    raise InputError(f"MAF {path}: line {lines[row]}: {column} {said} an allele (A, C, G, "
                     "T or another IUPAC base, or '-' for the empty side of an indel). "
                     "Correct or remove that row.")


def _refuse_blank(frame: pd.DataFrame, column: str, what: str, fix: str, path: Path,
                  lines: np.ndarray) -> None:
    """Refuse rows whose ``column`` is blank or ``NA`` (R's missing value), naming the first
    one's line: a variant without its contig or its sample cannot be placed or counted for
    anyone."""
    blank = np.flatnonzero(frame[column].isin(["", "NA"]).to_numpy(dtype=bool))
    if blank.size:
        raise InputError(f"MAF {path}: line {lines[int(blank[0])]}: {column} is blank or NA "
                         f"(R's missing value) ({blank.size} row(s) in all); every row must "
                         f"name its {what}. "
                         f"{fix} or remove the row.")


def _tumour_alleles(frame: pd.DataFrame, path: Path, lines: np.ndarray
                    ) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """REF, the ALT of each row and which rows carry a second ALT (each checked to be bases).

    The ALT is ``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1`` where Allele2 equals REF. The
    second ALT is ``Tumor_Seq_Allele1`` where it differs from REF and from Allele2 and Allele2
    is not REF (see :func:`_second_alleles`); a blank Allele1 there means none, as does
    ``NA``/``NaN`` (:func:`_missing_as_blank`); where Allele2 is missing, Allele1 is the ALT.
    A missing REF, or no ALT at all, is refused with its line. Without an Allele1 column
    (cBioPortal's optional column) every ALT is Allele2.
    """
    ref = _missing_as_blank(frame["Reference_Allele"].str.upper())
    allele2 = _missing_as_blank(frame["Tumor_Seq_Allele2"].str.upper())
    if "Tumor_Seq_Allele1" not in frame.columns:
        _check_maf_alleles(ref, allele2, np.full(len(ref), "Tumor_Seq_Allele2"), path, lines)
        return ref, allele2, np.zeros(len(ref), dtype=bool)
    allele1 = _missing_as_blank(frame["Tumor_Seq_Allele1"].str.upper())
    # Allele2, unless it is REF and Allele1 is not missing (both REF: no_change), or it is
    # missing and Allele1 is another base (cBioPortal's exports may hold the ALT there
    # alone); a missing Allele2 beside REF or nothing is refused below
    from_allele2 = (((allele2 != ref) & (allele2 != "")) | (allele1 == "")
                    | ((allele2 == "") & (allele1 == ref))).to_numpy(dtype=bool)
    alt = allele2.where(from_allele2, allele1)
    _check_maf_alleles(ref, alt, np.where(from_allele2, "Tumor_Seq_Allele2",
                                          "Tumor_Seq_Allele1"), path, lines)
    second = from_allele2 & ((allele1 != ref) & (allele1 != allele2)
                             & (allele1 != "")).to_numpy(dtype=bool)
    _check_maf_alleles(ref[second], allele1[second],
                       np.full(int(second.sum()), "Tumor_Seq_Allele1"), path, lines[second])
    return ref, alt, second


def _missing_as_blank(alleles: pd.Series) -> pd.Series:
    """``NA``/``NaN`` (R's missing value, which maftools, cBioPortal and R exports write) as a
    blank allele: read as bases it was the allele 'NA', a phantom complex variant."""
    return alleles.mask(alleles.isin(["NA", "NAN"]), "")


def _second_alleles(alt: pd.Series, allele1: pd.Series | None, second: np.ndarray
                    ) -> tuple[np.ndarray, list[str]]:
    """The file row of every variant and its ALT, a row with a second ALT giving two.

    A MAF row whose tumour alleles are two different non-reference alleles (vcf2maf writes
    ``Tumor_Seq_Allele1`` so for a ``1/2`` genotype) holds two variants, as a multi-allelic
    VCF record does: each is a variant read and ends up in one place of the log, so that
    neither is dropped without a word. The Allele2 variant comes first, the Allele1 one right
    after it.
    """
    rows = np.repeat(np.arange(len(alt)), 1 + second.astype(np.int64))
    if allele1 is None or not second.any():
        return rows, alt.tolist()
    is_second = np.zeros(len(rows), dtype=bool)
    is_second[np.cumsum(1 + second.astype(np.int64))[second] - 1] = True
    alts = np.where(is_second, allele1.to_numpy(dtype=object)[rows],
                    alt.to_numpy(dtype=object)[rows])
    return rows, [str(a) for a in alts]


def read_maf(path: str | Path, *, barcode: str | None = None) -> VariantTable:
    """Read a MAF into a :class:`VariantTable`, one sample per Tumor_Sample_Barcode (only
    ``barcode``'s rows when given: a job counting one tumour of a cohort MAF).

    Alleles keep MAF conventions (``-`` for the empty side of an indel, ``Start_Position`` of
    the first affected base); :func:`anchor_maf_indels` turns them into VCF-style alleles.
    Lower-case alleles are upper-cased. A row with two different non-reference tumour alleles
    gives two variants (:func:`_second_alleles`).

    Raises
    ------
    InputError
        Missing or empty file, bytes that are not UTF-8, missing columns (named), rows with
        another number of fields than the header, positions that are not integers in
        1..MAX_POSITION, an End_Position before its Start_Position, alleles that are not
        bases, a blank Chromosome or Tumor_Sample_Barcode (line and column named).
    """
    path = Path(path)
    frame, lines, others, builds = _read_maf_frame(path, barcode)
    if frame.empty and others and barcode is not None:
        raise missing_barcode(path, barcode, others)
    check_one_build(frame, path, lines, builds)
    starts = check_maf_ends(frame, _maf_positions(frame, path, lines), path, lines)
    ref, alt, second = _tumour_alleles(frame, path, lines)
    _refuse_blank(frame, "Chromosome", "contig", "Fill in the chromosome", path, lines)
    _refuse_blank(frame, "Tumor_Sample_Barcode", "sample", "Fill in the barcode", path, lines)
    passed = np.ones(len(frame), dtype=bool)
    failed = FailedFilters()
    if "FILTER" in frame.columns:
        # 'NA': R's missing value, as '.' or a blank cell; 'Pass' and 'pass' as PASS
        passed = frame["FILTER"].str.upper().isin(["PASS", ".", "", "NA"]).to_numpy(dtype=bool)
        for row, text in zip(np.flatnonzero(~passed).tolist(),
                             frame["FILTER"].to_numpy(dtype=object)[~passed].tolist(),
                             strict=True):
            failed.add(row, text)
    rows, alts = _second_alleles(alt, frame["Tumor_Seq_Allele1"].str.upper()
                                 if "Tumor_Seq_Allele1" in frame.columns else None, second)
    contig_codes, contig_names = pd.factorize(frame["Chromosome"], sort=False)
    sample_codes, samples = pd.factorize(frame["Tumor_Sample_Barcode"], sort=False)
    sample_codes = sample_codes[rows]
    # each sample's rows in file order by one stable sort (not a scan of all rows per barcode)
    order = np.argsort(sample_codes, kind="stable")
    bounds = np.searchsorted(sample_codes[order], np.arange(len(samples) + 1))
    members = [order[bounds[i]:bounds[i + 1]] for i in range(len(samples))]
    filter_code, filter_labels = failed.per_row(len(frame), rows)
    return VariantTable(
        source=str(path), contig_names=[str(c) for c in contig_names],
        contig=contig_codes[rows].astype(np.int32), pos=starts[rows],
        ref=ref.to_numpy(dtype=object)[rows].tolist(), alt=alts, passed=passed[rows],
        line=lines[rows], samples=[str(s) for s in samples], members=members,
        shared_rows=False, filter_code=filter_code, filter_labels=filter_labels,
        not_somatic=not_somatic_rows(frame, path, rows))


def maf_header_columns(path: str | Path) -> list[str]:
    """The MAF columns (:data:`MAF_COLUMNS`) that the first header-like line of ``path``
    names, read without trusting the file's name; empty when it names fewer than four of
    them or cannot be read.

    Lets a reader of another format say that the file it was given is a MAF (a cBioPortal
    ``data_mutations.txt`` given as a VCF) instead of only that it is not what was expected.
    """
    try:
        with _open_maf(Path(path)) as handle:
            for _ in range(200):  # a '#version' line or a few comments above the header
                raw = handle.readline(1 << 16)
                if not raw:
                    break
                if raw.strip() and not raw.startswith(b"#"):
                    names = {clean_cell(name) for name in
                             raw.decode("utf-8", "replace").rstrip("\r\n").split("\t")}
                    found = [column for column in MAF_COLUMNS if column in names]
                    return found if len(found) >= 4 else []
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
        return []
    return []


def maf_barcodes(path: str | Path, builds: dict[str, list[int]] | None = None) -> list[str]:
    """The distinct ``Tumor_Sample_Barcode`` cells of the MAF's rows, in first-seen order
    (with ``builds``: the builds its ``NCBI_Build`` cells name put in it, :class:`OtherBuilds`).
    A light pass for the samples-sheet check, so that a sheet row naming a barcode the file
    lacks is named before any job. A missing or damaged file, or one without the MAF
    columns, is an InputError as in :func:`read_maf`."""
    path = Path(path)
    check_regular_file(path, f"MAF {path}")
    seen: dict[str, None] = {}
    try:
        with _open_maf(path) as handle:
            lines = _numbered_lines(handle, path)
            header = _maf_header(lines, path)[0]
            column = header.index("Tumor_Sample_Barcode")
            tally = OtherBuilds(header)
            for line, raw in lines:
                fields = raw.split(b"\t")
                if builds is not None:
                    tally.add_raw(fields, line)
                if column < len(fields):
                    seen.setdefault(clean_cell(fields[column].decode("utf-8", "replace")))
    except OSError as err:
        raise InputError(f"MAF {path}: cannot be read ({err}).") from err
    if builds is not None:
        builds.update(tally.seen)
    return [barcode for barcode in seen if barcode]


def anchor_maf_indels(table: VariantTable, fetch_base: object) -> None:
    """Rewrite MAF ``-`` alleles as VCF-style alleles anchored on the preceding FASTA base.

    A deletion ``Start=s, REF=ACG, ALT=-`` becomes ``POS=s-1, REF=xACG, ALT=x`` and an
    insertion ``Start=s, REF=-, ALT=TT`` (GDC: Start is the base before the insertion)
    becomes ``POS=s, REF=x, ALT=xTT``, where x is the FASTA base at the new POS.
    ``fetch_base(contig_name, pos)`` returns that base, or None when the contig is unknown
    or the position lies outside it (the row is then left as is and skipped later).
    """
    for row in range(len(table)):
        ref, alt = table.ref[row], table.alt[row]
        if (ref != "-" and alt != "-") or ref == alt:  # '-' for both: no_change, unanchored
            continue
        name = table.contig_names[table.contig[row]]
        deletion = alt == "-"
        anchor_pos = int(table.pos[row]) - 1 if deletion else int(table.pos[row])
        base = fetch_base(name, anchor_pos)  # type: ignore[operator]
        if base is None:
            continue
        table.pos[row] = anchor_pos
        if deletion:
            table.ref[row], table.alt[row] = base + ref, base
        else:
            table.ref[row], table.alt[row] = base, base + alt

"""MAF (TCGA/GDC) reading into a :class:`~sigforge.genomics.variant_table.VariantTable`.

One sample per ``Tumor_Sample_Barcode``; every row is one *variant read*. The ALT allele is
``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1`` where Allele2 equals the reference. ``-``
alleles of indels become VCF-style alleles anchored on the preceding FASTA base
(:func:`anchor_maf_indels`). A ``FILTER`` column, when present, is honoured like the VCF's.

What a file must hold, else an :class:`~sigforge.io.InputError` names the file, the line and
the fix: rows with ``Start_Position`` in 1..``MAX_POSITION``, an ``End_Position`` (when an
integer) not before it, and alleles of IUPAC bases or ``-`` (lower case is upper-cased); a
MAF with no data row names no sample and is an error unless ``sample_from_filename``.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.variant_table import MAX_POSITION, VariantTable, input_stem
from sigforge.io import InputError, check_regular_file

#: MAF columns read; every one must be present.
MAF_COLUMNS = ("Tumor_Sample_Barcode", "Chromosome", "Start_Position", "End_Position",
               "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2")
#: A MAF allele: IUPAC bases (non-ACGT ones are later skipped as ``ambiguous_base``) or ``-``.
MAF_ALLELE = r"[ACGTNRYKMSWBDHV]+|-"


def _check_unique_columns(path: Path, header: list[str], line: int) -> None:
    """Refuse a header naming a column the reader uses twice: which of the two holds the
    alleles (or the sample) would be a guess, and the wrong guess counts wrong mutations."""
    repeated = sorted({c for c in MAF_COLUMNS if header.count(c) > 1})
    if repeated:
        raise InputError(f"MAF {path}: line {line} (the header) names {', '.join(repeated)} "
                         "more than once; keep one column of each name (rename or remove the "
                         "other).")


def _read_maf_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """The MAF's rows as text, and the file line of its first data row.

    Leading ``#`` lines (``#version 2.4``) are skipped; a ``#`` elsewhere is data.
    """
    if not path.exists():
        raise InputError(f"MAF {path}: file not found. Check the 'vcf' column of the samples "
                         "sheet or --maf (paths are relative to the working directory).")
    check_regular_file(path, f"MAF {path}")
    try:
        with (gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)) as handle:
            comments, text = 0, ""
            for text in handle:
                if not text.startswith("#"):
                    break
                comments += 1
        _check_unique_columns(path, text.rstrip("\r\n").split("\t"), comments + 1)
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                            skiprows=comments, low_memory=False)
    except pd.errors.EmptyDataError as err:
        raise InputError(f"MAF {path}: the file is empty (no header line). A MAF needs a "
                         f"tab-separated header with the GDC columns {', '.join(MAF_COLUMNS)}."
                         ) from err
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"MAF {path}: cannot be read as a tab-separated MAF ({err}). Give a "
                         "tab-separated text MAF (optionally gzip-compressed, named .maf.gz) "
                         "with the GDC columns.") from err
    missing = [column for column in MAF_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"MAF {path}: missing column(s) {', '.join(missing)}. A MAF needs "
                         f"the GDC columns {', '.join(MAF_COLUMNS)}.")
    return frame, comments + 2


def _maf_positions(frame: pd.DataFrame, path: Path, first_line: int) -> np.ndarray:
    """``Start_Position`` as int64, every one an integer in 1..MAX_POSITION.

    Checked as text first, so that a 20-digit number is a message naming its line rather
    than an ``OverflowError``.
    """
    text = frame["Start_Position"].str.strip()
    bad = ~text.str.fullmatch(r"\d{1,10}").to_numpy(dtype=bool)
    starts = np.zeros(len(text), dtype=np.int64)
    starts[~bad] = text[~bad].astype(np.int64).to_numpy()
    bad |= (starts < 1) | (starts > MAX_POSITION)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"MAF {path}: line {first_line + row}: Start_Position "
                         f"'{frame['Start_Position'].iat[row][:30]}' is not an integer from 1 "
                         f"to {MAX_POSITION:,} (column Start_Position holds 1-based "
                         "positions). Correct or remove that row.")
    return starts


def _check_maf_ends(frame: pd.DataFrame, starts: np.ndarray, path: Path,
                    first_line: int) -> None:
    """Refuse a row whose ``End_Position`` lies before its ``Start_Position`` (a swapped or
    shifted row: its variant cannot be placed), naming the line and the sample. An
    ``End_Position`` that is not an integer is left alone, as the count does not use it. An
    insertion (``Reference_Allele`` '-') may end one base before its start: its two positions
    flank the inserted bases, and writers differ on their order."""
    text = frame["End_Position"].str.strip()
    numeric = text.str.fullmatch(r"\d{1,18}").to_numpy(dtype=bool)
    ends = np.full(len(text), np.iinfo(np.int64).max, dtype=np.int64)
    ends[numeric] = text[numeric].astype(np.int64).to_numpy()
    insertion = (frame["Reference_Allele"].str.strip() == "-").to_numpy(dtype=bool)
    before = np.flatnonzero(ends < starts - insertion)
    if before.size:
        row = int(before[0])
        raise InputError(f"MAF {path}: line {first_line + row} (sample "
                         f"'{frame['Tumor_Sample_Barcode'].iat[row].strip()}'): End_Position "
                         f"{ends[row]} is before Start_Position {starts[row]} ({before.size} "
                         "row(s) in all). End_Position is the last affected base (Start_Position"
                         " for an SNV, Start_Position + 1 for an insertion); correct the "
                         "positions or remove the row.")


def _check_maf_alleles(ref: pd.Series, alt: pd.Series, alt_column: np.ndarray, path: Path,
                       first_line: int) -> None:
    """Every REF and chosen ALT is IUPAC bases or ``-``; junk (``Z``, empty, ``1``) is an error
    naming the line and the column, since it means a broken or shifted row."""
    bad_ref = ~ref.str.fullmatch(MAF_ALLELE).to_numpy(dtype=bool)
    bad_alt = ~alt.str.fullmatch(MAF_ALLELE).to_numpy(dtype=bool)
    if not (bad_ref.any() or bad_alt.any()):
        return
    row = int(np.flatnonzero(bad_ref | bad_alt)[0])
    column, value = ("Reference_Allele", ref.iat[row]) if bad_ref[row] else (
        str(alt_column[row]), alt.iat[row])
    raise InputError(f"MAF {path}: line {first_line + row}: {column} '{value[:30]}' is not an "
                     "allele (A, C, G, T or another IUPAC base, or '-' for the empty side of an "
                     "indel). Correct or remove that row.")


def read_maf(path: str | Path) -> VariantTable:
    """Read a MAF into a :class:`VariantTable`, one sample per Tumor_Sample_Barcode.

    Alleles keep MAF conventions (``-`` for the empty side of an indel, ``Start_Position`` of
    the first affected base); :func:`anchor_maf_indels` turns them into VCF-style alleles.
    Lower-case alleles are upper-cased.

    Raises
    ------
    InputError
        Missing or empty file, missing columns (named), positions that are not integers in
        1..MAX_POSITION, an End_Position before its Start_Position, alleles that are not
        bases (line and column named).
    """
    path = Path(path)
    frame, first_line = _read_maf_frame(path)
    starts = _maf_positions(frame, path, first_line)
    _check_maf_ends(frame, starts, path, first_line)
    ref = frame["Reference_Allele"].str.strip().str.upper()
    allele2 = frame["Tumor_Seq_Allele2"].str.strip().str.upper()
    allele1 = frame["Tumor_Seq_Allele1"].str.strip().str.upper()
    from_allele2 = (allele2 != ref).to_numpy(dtype=bool)
    alt = allele2.where(from_allele2, allele1)
    _check_maf_alleles(ref, alt, np.where(from_allele2, "Tumor_Seq_Allele2",
                                          "Tumor_Seq_Allele1"), path, first_line)
    passed = np.ones(len(frame), dtype=bool)
    if "FILTER" in frame.columns:
        passed = frame["FILTER"].isin(["PASS", ".", ""]).to_numpy()
    contig_codes, contig_names = pd.factorize(frame["Chromosome"], sort=False)
    barcodes = frame["Tumor_Sample_Barcode"].str.strip()
    blank = np.flatnonzero((barcodes == "").to_numpy())
    if blank.size:
        raise InputError(f"MAF {path}: line {int(blank[0]) + first_line}: Tumor_Sample_Barcode "
                         f"is blank ({blank.size} row(s) in all); every row must name its "
                         "sample. Fill in the barcode or remove the row.")
    sample_codes, samples = pd.factorize(frame["Tumor_Sample_Barcode"], sort=False)
    members = [np.flatnonzero(sample_codes == i) for i in range(len(samples))]
    return VariantTable(
        source=str(path), contig_names=[str(c) for c in contig_names],
        contig=contig_codes.astype(np.int32), pos=starts, ref=ref.tolist(), alt=alt.tolist(),
        passed=passed, line=np.arange(len(frame), dtype=np.int64) + first_line,
        samples=[str(s) for s in samples], members=members, shared_rows=False)


def choose_maf_samples(table: VariantTable, path: str | Path, vcf_sample: str | None,
                        sample_from_filename: bool) -> None:
    """Apply ``--sample-from-filename`` / ``--vcf-sample`` to a MAF's samples, in place.

    A MAF without a data row names no sample (samples are its barcodes), so it is an error
    unless the sample is named after the file (then it is one sample with no variants).
    """
    if sample_from_filename:
        table.samples, table.members = [input_stem(path)], None
        return
    if not table.samples:
        raise InputError(f"MAF {path}: no variant rows (only the header), so no "
                         "Tumor_Sample_Barcode names a sample. Remove the file from the input, "
                         "or use --sample-from-filename to count it as one sample without "
                         "variants.")
    if vcf_sample is not None:
        if vcf_sample not in table.samples:
            raise InputError(f"MAF {path}: no rows with Tumor_Sample_Barcode "
                             f"'{vcf_sample}'; it holds {table.samples[:10]}"
                             f"{' ...' if len(table.samples) > 10 else ''}. Give one of those "
                             "(--vcf-sample, or the samples sheet's 'vcf_sample' column).")
        chosen = table.samples.index(vcf_sample)
        table.samples, table.members = [vcf_sample], [table.members[chosen]]  # type: ignore[index]


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
        if ref != "-" and alt != "-":
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

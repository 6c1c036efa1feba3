"""Regions of interest: a BED file read and checked, and the variants that fall inside.

BED is 0-based and half-open: the line ``chr1  99  200`` covers the 1-based positions 100 to
200, so a variant at 1-based ``pos`` is inside when ``start < pos <= end``. Columns 1-3
(chrom, start, end) are required; a 4th column names the region (else it is named
``chrom:start+1-end``, the 1-based span genome browsers write); further columns are ignored.
Blank lines and ``track``, ``browser`` and ``#`` header lines are skipped; gzip (``.gz``) is
read too. Fields are tab-separated; a line without a tab is split at whitespace, and is
refused when it has more than 4 fields that are not BED's score and strand columns (its name
would hold spaces, so where it ends is ambiguous).

Chromosome names match the way VCF contigs match the FASTA: through a ``resolve`` function
(:meth:`ReferenceGenome.resolve <sigforge.genomics.genome.ReferenceGenome.resolve>`), so
``chr1`` in the BED finds variants on ``1`` in the VCF and ``chrM`` finds ``MT``.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.compression import not_utf8_fix, open_text
from sigforge.genomics.variant_table import MAX_POSITION
from sigforge.io import InputError, check_regular_file, not_found

logger = logging.getLogger(__name__)

REGION_COLUMNS = ("region", "chrom", "start", "end", "line")
_HEADERS = ("#", "track", "browser")
_FIX = ("BED lines are 'chrom<TAB>start<TAB>end[<TAB>name]', 0-based half-open: the single "
        "base at 1-based position P is 'chrom<TAB>P-1<TAB>P'.")


def _coordinate(text: str, what: str, where: str) -> int:
    """A BED coordinate as an int, or an InputError naming the line.

    Only plain ASCII digits are taken (a leading '-' too, refused next as negative): Python's
    ``int`` would also read '1_0' as 10, '+5' or '٣٠٠' (Arabic-Indic digits) as numbers, so a
    damaged or mistyped line would become a region other than the one written.
    """
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{where}: {what} {text!r} is not a whole number (plain digits 0-9 "
                         f"only). {_FIX}")
    return int(text)


def _is_score(text: str) -> bool:
    """Whether a BED field reads as the score column (a whole number, or '.')."""
    return text == "." or (text.isascii() and text.isdigit())


def check_spaced_name(fields: list[str], where: str) -> None:
    """Refuse a space-separated line (no tab) whose fields past the 4th are not BED's score
    and strand columns: its name then holds spaces (``chr1 268 269 BRCA1 exon 2``), and
    cutting it at the first space would silently rename the region or gene ('BRCA1') and
    move its strand. A line like ``chr1 268 269 BRCA1 0 +`` is BED6 written with spaces and
    reads as such (here, and in a gene annotation)."""
    if len(fields) <= 4:
        return
    strand_ok = len(fields) < 6 or fields[5] in ("+", "-", ".")
    if _is_score(fields[4]) and strand_ok:
        return
    raise InputError(f"{where}: the line has no tab and {len(fields)} space-separated fields, "
                     f"so its name is ambiguous ('{fields[3]}', or "
                     f"'{' '.join(fields[3:])}'?). BED fields are separated by tabs: write the "
                     f"line with tabs (chrom<TAB>start<TAB>end<TAB>name; a name may then hold "
                     f"spaces).")


def _parse_line(text: str, where: str) -> tuple[str, str, int, int]:
    """(name, chrom, start, end) of one BED data line, checked."""
    fields = text.split("\t") if "\t" in text else text.split()
    if "\t" not in text:
        check_spaced_name(fields, where)
    if len(fields) < 3:
        raise InputError(f"{where}: {len(fields)} column(s), expected at least 3 (chrom, "
                         f"start, end). {_FIX}")
    chrom = fields[0].strip()
    if "\t" in text and len(chrom.split()) > 1:  # 'chr1  0<TAB>1000': spaces, then tabs
        raise InputError(f"{where}: the chromosome '{chrom[:40]}' holds spaces: the line "
                         "mixes spaces and tabs between its columns. Separate every column "
                         f"with one tab. {_FIX}")
    if not any(text.strip().lstrip("-").isdigit() for text in fields[1:3]) and all(
            text.strip().isalpha() for text in fields[1:3]):
        shown = text.strip().replace("\t", "<TAB>")
        raise InputError(f"{where}: '{shown}' looks like a column-header line (start "
                         f"'{fields[1].strip()}' and end '{fields[2].strip()}' are words): a "
                         "BED has no header. Delete the line or start it with '#'. "
                         f"{_FIX}")
    start = _coordinate(fields[1].strip(), "start", where)
    end = _coordinate(fields[2].strip(), "end", where)
    if not chrom:
        raise InputError(f"{where}: empty chromosome name. {_FIX}")
    if start < 0:
        raise InputError(f"{where}: start {start} is negative; BED starts are 0-based (the "
                         f"first base of a chromosome is 0). {_FIX}")
    if end <= start:
        raise InputError(f"{where}: end {end} is not greater than start {start}, so the "
                         f"region holds no base. {_FIX}")
    if end > MAX_POSITION:
        raise InputError(f"{where}: end {end} lies beyond any chromosome (positions end at "
                         f"{MAX_POSITION:,}); a shifted or corrupted line? {_FIX}")
    name = fields[3].strip() if len(fields) > 3 else ""
    return (name if name and name != "." else f"{chrom}:{start + 1}-{end}"), chrom, start, end


def _has_blocks(text: str) -> bool:
    """Whether a tab-separated line is a BED12 record of two or more blocks."""
    fields = text.split("\t")
    return len(fields) >= 12 and fields[9].strip().isdigit() and int(fields[9]) > 1


def read_regions(path: str | Path, *, option: str = "--regions-of-interest",
                 config_key: str = "refit.regions_of_interest") -> pd.DataFrame:
    """Read a BED of regions (of interest, or targeted by the assay).

    ``option`` and ``config_key`` name where the file came from in the error messages.

    Returns
    -------
    DataFrame
        One row per region in file order: region (name), chrom (as written), start, end
        (BED coordinates), line (1-based line number).

    Raises
    ------
    InputError
        Missing, unreadable or not a regular file (a folder, a device); a line with fewer
        than 3 columns, a start or end that is not a whole number in plain digits, a negative
        start, an end not greater than the start, a space-separated line whose name would
        hold spaces (each naming the file, the line and the fix); a file with no region at
        all.
    """
    path = Path(path)
    label = f"{option} {path}"
    if not path.exists():
        raise InputError(f"{label}: {not_found(path)}. Give a BED file of the regions (config "
                         f"key {config_key}).")
    check_regular_file(path, label)
    rows, number, blocked = [], 0, 0
    try:
        with open_text(path, label, "NEW.bed.gz") as handle:
            for number, raw in enumerate(handle, start=1):  # noqa: B007
                text = raw.rstrip("\r\n")
                if text.strip() and not text.lstrip().startswith(_HEADERS):
                    rows.append((*_parse_line(text, f"{label}, line {number}"), number))
                    blocked += _has_blocks(text)
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"{label}: cannot be read as text at line {number + 1} or soon after "
                         f"({err}). " + ((isinstance(err, UnicodeDecodeError)
                                          and not_utf8_fix(path))
                                         or "Give a plain or gzip-compressed BED file.")
                         ) from err
    if not rows:
        raise InputError(f"{label}: no region found ({number} line(s), all blank or headers). "
                         f"{_FIX}")
    if blocked:
        logger.warning("%s: %d line(s) are BED12 gene models of several blocks (exons); each "
                       "region is its whole span from start to end, introns included. Give "
                       "one line per exon (e.g. bedtools bed12tobed6) to keep to the exons.",
                       label, blocked)
    return _without_repeats(pd.DataFrame(rows, columns=list(REGION_COLUMNS)), label)


def _without_repeats(regions: pd.DataFrame, label: str) -> pd.DataFrame:
    """The regions with each repeated line (same name, chrom, start and end as an earlier
    one) left out, in a warning naming both lines: listed twice, every variant of the
    region would be reported twice and counted twice in the totals."""
    repeated = regions.duplicated(["region", "chrom", "start", "end"])
    if not repeated.any():
        return regions
    first = regions.groupby(["region", "chrom", "start", "end"], sort=False)["line"].transform(
        "first")
    shown = [f"line {line} repeats line {earlier} ({name})" for line, earlier, name in zip(
        regions["line"][repeated], first[repeated], regions["region"][repeated], strict=True)]
    logger.warning("%s: %s%s; each region is read once.", label, "; ".join(shown[:3]),
                   f" and {len(shown) - 3} more" if len(shown) > 3 else "")
    return regions[~repeated].reset_index(drop=True)


def past_end_cause(end: int, length: int) -> str:
    """Why a BED region ends past its contig, and the fix: one base past is a 1-based end
    (BED ends are 0-based, half-open: a whole contig of n bases is 0 to n); further, another
    genome build."""
    if end == length + 1:
        return (f"One base past it: the BED's positions are probably 1-based (a BED counts "
                f"from 0 and its ends are exclusive: the whole contig is 0 to {length:,}). If "
                "every region lies one base to the right, subtract 1 from starts and ends: "
                "awk -v OFS='\\t' '{$2 -= 1; $3 -= 1; print}' in.bed > out.bed.")
    return "The BED is probably for another genome build: give the one matching the FASTA."


def check_within_contigs(regions: pd.DataFrame, lengths: Mapping[str, int],
                         resolve: Callable[[str], str | None], label: str) -> None:
    """Refuse a region ending past the end of its contig in the reference FASTA (naming the
    file's line): the BED is then for another genome build, and its regions would silently
    miss the variants they were meant to list. Contigs the FASTA lacks are left alone: a
    region there simply holds no variant."""
    for row in regions.itertuples(index=False):
        contig = resolve(str(row.chrom))
        if contig is not None and contig in lengths and row.end > lengths[contig]:
            raise InputError(f"{label}, line {row.line}: region ends at {row.end:,}, past the "
                             f"end of {row.chrom} ({lengths[contig]:,} bp in the reference "
                             f"FASTA). {past_end_cause(row.end, lengths[contig])}")


def variants_in_regions(chrom: pd.Series, pos: pd.Series, regions: pd.DataFrame,
                        resolve: Callable[[str], str | None],
                        last: pd.Series | None = None, *, quiet: bool = False
                        ) -> pd.DataFrame:
    """Which variants lie in which regions: one row per (region, variant) pair; ``quiet``
    leaves out the note of regions on contigs without a variant (the skipped variants' pass
    would repeat the counted variants' note, and of variants not counted).

    Parameters
    ----------
    chrom, pos : Series
        The variants' contigs (as in the VCF) and 1-based positions.
    last : Series, optional
        Each variant's last reference base (1-based; a doublet's second base, a deletion's
        last deleted base): a variant lies in a region when any base of ``pos..last`` does,
        so that a deletion starting before a gene and reaching into it is the gene's.
        Default: ``pos`` (one base).
    regions : DataFrame
        As :func:`read_regions` returns.
    resolve : callable
        Maps a contig name to its canonical (FASTA) name, None when unknown; names it does
        not know are compared as written.

    Returns
    -------
    DataFrame
        Columns ``region_row`` and ``variant_row`` (0-based positions in ``regions`` and the
        variants), ordered by region (file order), then variant (input order). A variant in
        two regions gives two rows.
    """
    names = {name: resolve(name) or name for name in set(chrom) | set(regions["chrom"])}
    variant_contig = chrom.map(names).to_numpy()
    region_contig = regions["chrom"].map(names).to_numpy()
    positions = pos.to_numpy(dtype=np.int64)
    lasts = positions if last is None else np.maximum(last.to_numpy(dtype=np.int64), positions)
    reach = int((lasts - positions).max(initial=0))  # how far before a region a variant starts
    # Hash lookups: np.isin on object arrays compares every pair (minutes for an exome BED).
    with_variants = pd.Series(region_contig).isin(set(variant_contig.tolist())).to_numpy()
    unknown = sorted(set(regions["chrom"][~with_variants]))
    if unknown and not quiet:
        logger.info("regions of interest on %s hold no counted variant", ", ".join(unknown[:5]))
    pairs = [np.zeros((0, 2), np.int64)]
    for contig in sorted(set(region_contig[with_variants].tolist())):
        on = np.flatnonzero(variant_contig == contig)
        order = on[np.argsort(positions[on], kind="stable")]
        sorted_pos = positions[order]
        rows = np.flatnonzero(region_contig == contig)
        starts = regions["start"].to_numpy()[rows]
        low = np.searchsorted(sorted_pos, starts - reach, side="right")
        high = np.searchsorted(sorted_pos, regions["end"].to_numpy()[rows], side="right")
        counts = high - low  # the candidates of region i are order[low[i]:high[i]]
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        region_of, variant = np.repeat(rows, counts), order[np.repeat(low, counts) + within]
        reaches = lasts[variant] > np.repeat(starts, counts)  # 0-based start: last base inside
        pairs.append(np.column_stack([region_of[reaches], variant[reaches]]))
    found = np.concatenate(pairs)
    found = found[np.lexsort((found[:, 1], found[:, 0]))]
    return pd.DataFrame(found, columns=["region_row", "variant_row"])


def check_regions_of_interest(regions: pd.DataFrame, lengths: Mapping[str, int],
                              resolve: Callable[[str], str | None], label: str) -> None:
    """Check the regions of interest against the reference FASTA: a region ending past its
    contig's end is refused (a BED of another build, :func:`check_within_contigs`), and so is
    a BED none of whose contigs the FASTA has (also under the aliases chr1/1, chrM/MT: a
    BED of another naming or build, whose regions could never hold a variant); contigs the
    FASTA lacks beside known ones are named in a warning, as their regions hold nothing."""
    check_within_contigs(regions, lengths, resolve, label)
    unknown = [str(chrom) for chrom in dict.fromkeys(regions["chrom"])
               if resolve(str(chrom)) is None]
    if not unknown:
        return
    known = list(lengths)
    listed = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
    contigs = ", ".join(known[:5]) + (" ..." if len(known) > 5 else "")
    if len(unknown) == regions["chrom"].nunique():
        first = regions[regions["chrom"] == unknown[0]].iloc[0]
        raise InputError(f"{label}, line {first['line']}: none of the BED's contigs ({listed}) "
                         f"is in the reference FASTA (also under the aliases chr1/1, chrM/MT; "
                         f"its contigs are {contigs}), so no region could hold a variant. Give "
                         "the BED of the genome build and contig names the FASTA holds.")
    logger.warning("%s: contig(s) %s are not in the reference FASTA (its contigs are %s); "
                   "their regions hold no variant. Check the BED's contig names and build.",
                   label, listed, contigs)

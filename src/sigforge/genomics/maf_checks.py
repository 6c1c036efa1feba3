"""Checks of a MAF's rows beyond their layout (:mod:`sigforge.genomics.maf`): one genome build
(``NCBI_Build``) in the whole file, and text that is UTF-8 where it is read.

A MAF merged from several sources can mix builds row by row; its GRCh38 rows counted against
a GRCh37 FASTA land at the wrong positions, and only some of them (about three in four SNVs)
show as REF mismatches, so the rest would enter the catalogs in wrong contexts unnoticed.
Annotation columns (gene names, protein changes) are often Latin-1 in files exported from
spreadsheets; sigforge never reads them, so such bytes there need no re-encoding. Also the
choice of a MAF's samples (its barcodes, ``--vcf-sample``, ``--sample-from-filename``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.variant_table import VariantTable, input_stem
from sigforge.io import InputError

logger = logging.getLogger(__name__)

#: Spellings of one build, by what they are read as (lower case).
_BUILD_NAMES = {
    "GRCh37": ("grch37", "hg19", "37", "b37", "grch37-lite", "hs37d5", "grch37.p13"),
    "GRCh38": ("grch38", "hg38", "38", "grch38.p14", "grch38.d1.vd1"),
}
_BUILD_OF = {spelling: build for build, names in _BUILD_NAMES.items() for spelling in names}
#: Cells that give no build.
_NO_BUILD = {"", ".", "na", "nan", "n/a", "none", "unknown"}


def clean_cell(cell: str) -> str:
    """A cell without surrounding spaces and without one pair of enclosing double quotes.

    Spaces around a barcode or contig would otherwise make ``S1`` and ``S1 `` two samples; a
    cell wholly in quotes (as spreadsheet and R exports write them) means the text inside. A
    quote anywhere else is kept as written.
    """
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].replace('""', '"').strip()
    return cell


def build_name(cell: str) -> str | None:
    """The build a NCBI_Build cell (or the config's genome_build) names: aliases of
    GRCh37/GRCh38 joined ('hg19', '37', 'GRCh37.p13' are GRCh37), None if blank."""
    key = cell.strip().lower()
    if key in _NO_BUILD:
        return None
    patch = re.fullmatch(r"(grch3[78])\.p\d+", key)  # a patch release: the same coordinates
    return _BUILD_OF.get(patch.group(1) if patch else key, cell.strip())


def _refuse_repeated_header(frame: pd.DataFrame, path: Path, lines: np.ndarray) -> None:
    """Refuse a row that repeats the header (two MAFs joined with ``cat``): three or more of
    its cells are their own column's name. Its NCBI_Build cell 'NCBI_Build' was otherwise
    called a second genome build."""
    named = [column for column in frame.columns if column in _HEADER_CELLS]
    if len(named) < 3 or frame.empty:
        return
    repeats = sum((frame[column] == column).to_numpy() for column in named) >= 3
    if repeats.any():
        first = int(lines[np.flatnonzero(repeats)[0]])
        raise InputError(f"MAF {path}: line {first} repeats the header line (its cells are "
                         "the column names): MAFs joined with 'cat' keep each file's header. "
                         "Delete the repeated header (and '#' lines) between the files, e.g. "
                         "keep the first file whole and the others from their second line on.")


#: Columns whose name a data row never holds as a value.
_HEADER_CELLS = frozenset(["Hugo_Symbol", "Chromosome", "Start_Position", "End_Position",
                           "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
                           "Tumor_Sample_Barcode", "NCBI_Build", "Variant_Type"])


#: Barcode cells a one-barcode reading keeps whatever the barcode asked for: a blank or NA
#: barcode (refused with its line, as in a whole reading) and a repeated header's.
REFUSED_BARCODES = ("", "NA", "Tumor_Sample_Barcode")


class OtherBuilds:
    """The builds the NCBI_Build cells of the rows a one-barcode reading skips name (rows and
    first line of each): a job counting one tumour of a cohort MAF refuses a MAF of two
    builds, as reading it whole does, rather than counting its tumour at another build's
    positions."""

    def __init__(self, header: list[str]) -> None:
        self.column = header.index("NCBI_Build") if "NCBI_Build" in header else None
        self.seen: dict[str, list[int]] = {}

    def add(self, fields: list[str], line: int) -> None:
        """Tally one skipped row's build."""
        if self.column is not None:
            self.add_cell(fields[self.column], line)

    def add_raw(self, fields: list[bytes], line: int) -> None:
        """Tally the build of a row split as bytes (the light pass of ``maf_barcodes``)."""
        if self.column is not None and self.column < len(fields):
            self.add_cell(fields[self.column].decode("utf-8", "replace"), line)

    def add_cell(self, cell: str, line: int) -> None:
        """Tally one NCBI_Build cell (a blank one names no build)."""
        if (build := build_name(cell)) is not None:
            self.seen.setdefault(build, [0, line])[0] += 1


def declared_build(builds: dict[str, list[int]]) -> str | None:
    """The one build the NCBI_Build cells of a MAF name (GRCh37, GRCh38, or the cell as
    written for another), None when they name none or several (refused when counted)."""
    return next(iter(builds)) if len(builds) == 1 else None


def check_one_build(frame: pd.DataFrame, path: Path, lines: np.ndarray,
                    others: OtherBuilds | None = None) -> None:
    """Refuse a MAF whose ``NCBI_Build`` column names two or more genome builds (GRCh37, hg19
    and 37 are one build; blank cells name none), saying how many rows each has and the first
    line of the build with fewer rows; first, a row that repeats the header (whose build
    would read 'NCBI_Build'). ``others``: the builds of rows not read (other barcodes')."""
    _refuse_repeated_header(frame, path, lines)
    if "NCBI_Build" not in frame.columns:
        return
    builds = frame["NCBI_Build"].map(build_name)
    tally = {str(build): [int(count), int(lines[np.flatnonzero((builds == build).to_numpy())[0]])]
             for build, count in builds.value_counts().items()}
    for build, (rows, line) in (others.seen.items() if others is not None else ()):
        count, first = tally.get(build, [0, line])
        tally[build] = [count + rows, min(first, line)]
    if len(tally) < 2:
        return
    # most rows first, a tie by the first line: every barcode's job words it the same
    counts = dict(sorted(((build, rows) for build, (rows, _) in tally.items()),
                         key=lambda item: (-item[1], tally[item[0]][1])))
    minority = list(counts)[-1]
    first = tally[minority][1]
    listed = ", ".join(f"{build} ({count:,} row{'s' if count > 1 else ''})"
                       for build, count in counts.items())
    raise InputError(f"MAF {path}: column NCBI_Build names {len(counts)} genome builds: "
                     f"{listed}; the first {minority} row is line {first}. One FASTA is one "
                     "build, so the rows of the other build would be counted at wrong "
                     "positions. Lift those rows over to the FASTA's build (e.g. with "
                     "CrossMap or Picard LiftoverVcf) or split the MAF by build and count "
                     "each against its own FASTA.")


#: What reading each optional MAF column does (said when its name is spelled otherwise).
_OPTIONAL_USE = {"Tumor_Seq_Allele1": "a row's second tumour allele would be missed",
                 "FILTER": "rows that failed a filter would be counted as passing",
                 "NCBI_Build": "the rows' builds would go unchecked",
                 "Mutation_Status": "germline rows would be counted as somatic"}


def check_optional_spellings(header: list[str], line: int, path: Path) -> None:
    """Refuse an optional column (:data:`_OPTIONAL_USE`) named in another case ('filter',
    'Mutation_status'): read only by its exact name, it was left unread without a word, and
    what it says about the rows (a failed filter, a germline call) ignored."""
    for column, use in _OPTIONAL_USE.items():
        if column in header:
            continue
        other = next((name for name in header if name.casefold() == column.casefold()), None)
        if other is not None:
            raise InputError(f"MAF {path}: line {line}: column '{other}' is read only when "
                             f"spelled '{column}' (the GDC spelling); otherwise {use}. Rename "
                             f"'{other}' -> '{column}' in the header.")


class RowDecoder:
    """Decodes a MAF's data rows: the cells of the columns read must be UTF-8 (an error naming
    the line and column otherwise); bytes that are not UTF-8 in the other columns are kept
    undecoded and counted, and :meth:`report` names them once."""

    def __init__(self, path: Path, header: list[str], pick: list[int]) -> None:
        self.path, self.header, self.pick = path, header, set(pick)
        self.elsewhere = 0
        self.first: tuple[int, str] | None = None

    def fields(self, raw: bytes, number: int) -> list[str]:
        """The line split at its tabs, as text; raises for a read cell that is not UTF-8."""
        try:
            return raw.decode("utf-8").split("\t")
        except UnicodeDecodeError:
            pass
        fields = raw.decode("utf-8", "surrogateescape").split("\t")
        for index, cell in enumerate(fields):
            bad = _first_undecodable_byte(cell)
            if bad is None:
                continue
            column = self.header[index] if index < len(self.header) else f"field {index + 1}"
            if index in self.pick:
                raise InputError(f"MAF {self.path}: line {number} (column {column}): byte "
                                 f"0x{bad:02x} is not UTF-8 text (the file is probably Latin-1 "
                                 "or Windows-1252). Save the file as UTF-8, e.g. iconv -f "
                                 "latin1 -t utf-8 IN.maf > OUT.maf.")
            self.elsewhere += 1
            if self.first is None:
                self.first = (number, column)
        return fields

    def report(self) -> None:
        """One warning for the rows holding non-UTF-8 bytes in columns sigforge does not read."""
        if self.first is not None:
            number, column = self.first
            logger.warning("MAF %s: %d cell(s) in columns sigforge does not read hold bytes "
                           "that are not UTF-8 (the first on line %d, column %s); they were "
                           "left as they are and the rows were read.", self.path,
                           self.elsewhere, number, column)


def _first_undecodable_byte(cell: str) -> int | None:
    """The first byte of a cell decoded with ``surrogateescape`` that was not UTF-8, or None."""
    escaped = next((ch for ch in cell if "\udc80" <= ch <= "\udcff"), None)
    return None if escaped is None else ord(escaped) - 0xDC00


#: ``Mutation_Status`` values (lower case) of rows that are no somatic mutation of the tumour
#: (GDC and cBioPortal MAFs): germline calls, loss of heterozygosity of a germline allele,
#: wild-type rows and RNA editing. Somatic, blank and unknown statuses are counted.
NOT_SOMATIC_STATUS = frozenset({"germline", "loh", "wildtype", "wild-type",
                                "post-transcriptional modification"})


def not_somatic_rows(frame: pd.DataFrame, path: Path, rows: np.ndarray) -> np.ndarray | None:
    """Per variant (``rows`` of the frame), whether its MAF row's ``Mutation_Status`` says it
    is not somatic (:data:`NOT_SOMATIC_STATUS`), as VarScan2's INFO/SS does in a VCF; None
    without the column or such a row. Counted as ``not_somatic`` unless --all-filters."""
    if "Mutation_Status" not in frame.columns:
        return None
    status = frame["Mutation_Status"].str.strip().str.lower()
    flags = status.isin(NOT_SOMATIC_STATUS).to_numpy(dtype=bool)
    if not flags.any():
        return None
    kinds = status[flags].value_counts()
    logger.info("MAF %s: %d row(s) are not somatic by their Mutation_Status (%s): counted as "
                "not_somatic unless --all-filters.", path, int(flags.sum()),
                ", ".join(f"{name} {count}" for name, count in kinds.items()))
    return flags[rows]


def missing_barcode(path: str | Path, barcode: str, held: list[str]) -> InputError:
    """The error for a barcode the MAF has no row of, naming (up to ten of) those it holds."""
    return InputError(f"MAF {path}: no rows with Tumor_Sample_Barcode '{barcode}'; it holds "
                      f"{held[:10]}{' ...' if len(held) > 10 else ''}. Give one of those "
                      "(--vcf-sample, or the samples sheet's 'vcf_sample' column).")


def choose_maf_samples(table: VariantTable, path: str | Path, vcf_sample: str | None,
                        sample_from_filename: bool) -> None:
    """Apply ``--sample-from-filename`` / ``--vcf-sample`` to a MAF's samples, in place.

    A MAF without a data row names no sample (samples are its barcodes), so it is an error
    unless the sample is named after the file (then it is one sample with no variants).
    """
    if sample_from_filename and len(table.samples) > 1:
        raise InputError(f"MAF {path}: {len(table.samples)} tumours (Tumor_Sample_Barcode "
                         f"{', '.join(table.samples[:5])}{' ...' if len(table.samples) > 5 else ''}"
                         ") would be pooled into one sample by --sample-from-filename, their "
                         "SNVs paired into doublets across patients. Leave the option out: a "
                         "MAF gives one column per barcode (as SigProfilerMatrixGenerator's).")
    if sample_from_filename:
        table.samples, table.members = [input_stem(path)], None
        return
    if not table.samples:
        raise InputError(f"MAF {path}: no variant rows (only the header), so no "
                         "Tumor_Sample_Barcode names a sample. Remove the file from the input "
                         "(or, in `sigforge catalog`, give --sample-from-filename to count it "
                         "as one sample without variants).")
    if vcf_sample is not None:
        if vcf_sample not in table.samples:
            raise missing_barcode(path, vcf_sample, table.samples)
        chosen = table.samples.index(vcf_sample)
        table.samples, table.members = [vcf_sample], [table.members[chosen]]  # type: ignore[index]


def check_maf_ends(frame: pd.DataFrame, starts: np.ndarray, path: Path,
                    lines: np.ndarray) -> np.ndarray:
    """Refuse a row whose ``End_Position`` lies before its ``Start_Position`` (a swapped or
    shifted row: its variant cannot be placed), naming the line and the sample. An
    ``End_Position`` that is not an integer is left alone, as the count does not use it. An
    insertion (``Reference_Allele`` '-') may end one base before its start: its two positions
    flank the inserted bases, and writers differ on their order. Returns each row's position
    of the base before an insertion (the lower flank) or its Start_Position."""
    text = frame["End_Position"]
    numeric = text.str.fullmatch(r"\d{1,18}").to_numpy(dtype=bool)
    ends = np.full(len(text), np.iinfo(np.int64).max, dtype=np.int64)
    ends[numeric] = text[numeric].astype(np.int64).to_numpy()
    insertion = (frame["Reference_Allele"] == "-").to_numpy(dtype=bool)
    before = np.flatnonzero(ends < starts - insertion)
    if before.size:
        row = int(before[0])
        raise InputError(f"MAF {path}: line {lines[row]} (sample "
                         f"'{frame['Tumor_Sample_Barcode'].iat[row]}'): End_Position "
                         f"{ends[row]} is before Start_Position {starts[row]} ({before.size} "
                         "row(s) in all). End_Position is the last affected base (Start_Position"
                         " for an SNV, Start_Position + 1 for an insertion); correct the "
                         "positions or remove the row.")
    _warn_span_mismatch(frame, starts, ends, numeric & ~insertion, path, lines)
    inserted = insertion & (frame["Tumor_Seq_Allele2"] != "-").to_numpy(dtype=bool)
    _warn_insertion_flanks(frame, starts, ends, numeric & inserted, path, lines)  # not '-'>'-'
    return np.where(insertion & (ends == starts - 1), ends, starts)


def _warn_insertion_flanks(frame: pd.DataFrame, starts: np.ndarray, ends: np.ndarray,
                           checked: np.ndarray, path: Path, lines: np.ndarray) -> None:
    """Warn of insertion rows whose positions are not the two bases around the inserted
    ones (End_Position = Start_Position + 1, or - 1): a writer that gives Start = End means
    either flank, and its ID83 channel may differ by one repeat copy."""
    wrong = np.flatnonzero(checked & (np.abs(ends - starts) != 1))
    if wrong.size:
        row = int(wrong[0])
        logger.warning("MAF %s: %d insertion row(s) whose End_Position is not Start_Position "
                       "+ 1 (the two bases around the inserted ones; first: line %d, %s:%d-%d); "
                       "counted as inserted after Start_Position. Check those rows.", path,
                       wrong.size, lines[row], frame["Chromosome"].iat[row], starts[row],
                       ends[row])


def _warn_span_mismatch(frame: pd.DataFrame, starts: np.ndarray, ends: np.ndarray,
                        checked: np.ndarray, path: Path, lines: np.ndarray) -> None:
    """Warn of rows whose End_Position is not Start_Position + len(Reference_Allele) - 1 (a
    2-bp deletion spanning 6 bases): the row is counted from Start_Position and its alleles,
    which the End_Position contradicts, so one of them is wrong."""
    span = ends - starts + 1
    lengths = frame["Reference_Allele"].str.len().to_numpy()
    wrong = np.flatnonzero(checked & (span != lengths))
    if wrong.size:
        row = int(wrong[0])
        logger.warning("MAF %s: %d row(s) whose End_Position is not Start_Position + the "
                       "length of Reference_Allele - 1 (first: line %d, %s:%d-%d with "
                       "Reference_Allele '%s'); counted from Start_Position and the alleles. "
                       "Check those rows.", path, wrong.size, lines[row],
                       frame["Chromosome"].iat[row], starts[row], ends[row],
                       frame["Reference_Allele"].iat[row][:20])


def header_hint(header: list[str], missing: list[str]) -> str:
    """What a header missing MAF columns holds instead: a column of another case
    (``Start_position``, older TCGA and PCAWG MAFs), or commas (a CSV)."""
    folded = {name.casefold(): name for name in header}
    renames = [f"{folded[column.casefold()]} -> {column}" for column in missing
               if column.casefold() in folded]
    if renames:
        return (f" Columns are matched by exact name, and the header spells them in another "
                f"case: rename {', '.join(renames)}.")
    if len(header) == 1 and header[0].count(",") >= 3:
        return " The header is comma-separated: a MAF is tab-separated."
    return ""


def commented_header(line: tuple[int, bytes] | None) -> str:
    """What a '#' line of column names above the first row says (``#Uploaded_variation``:
    Ensembl VEP's tab output), for the missing-columns message; '' when there is none."""
    if line is None:
        return ""
    number, raw = line
    names = raw.decode("utf-8", "replace").lstrip("#").rstrip("\r\n").split("\t")
    fix = (" (Ensembl VEP's tab output, not a MAF: annotate to VCF and count the VCF)"
           if names[0] == "Uploaded_variation" else "; remove the '#' if it is the header")
    return (f" Line {number} names columns ({', '.join(names[:4])}, ...) but starts with '#', "
            f"so it is read as a comment{fix}.")

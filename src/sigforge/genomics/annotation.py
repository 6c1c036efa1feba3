"""Gene strand annotation for SBS288: which strand(s) of the genome are transcribed where.

Read from a GTF/GFF (transcript features -- ``transcript``, GFF3 ``mRNA`` and other RNA
rows -- and the ``gene`` rows no transcript overlaps; only ``gene`` rows in a file without
transcripts; 1-based inclusive) or a BED with a strand column (column 6; 0-based
half-open). A forward-strand base lies in state

- ``U`` when only ``+`` genes cover it (the forward strand is then the coding, untranscribed
  strand),
- ``T`` when only ``-`` genes cover it,
- ``B`` when genes on both strands cover it, ``N`` when none does,

which is SigProfilerMatrixGenerator's convention (``save_tsb_192``). A variant whose reference
base is a purine is classified on the reverse strand, so its T and U swap (see
:mod:`sigforge.genomics.catalog`).
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.compression import not_utf8_fix, open_text
from sigforge.genomics.regions import check_spaced_name
from sigforge.io import InputError, check_regular_file, not_found

logger = logging.getLogger(__name__)

#: State codes returned by :meth:`StrandAnnotation.states`.
NONE, PLUS_ONLY, MINUS_ONLY, BOTH = 0, 1, 2, 3


@dataclass(frozen=True)
class _Intervals:
    """Sorted starts and ends (0-based half-open) of the genes on one strand of one contig."""

    starts: np.ndarray
    ends: np.ndarray

    def covered(self, positions: np.ndarray) -> np.ndarray:
        """Whether each 0-based position lies in at least one interval."""
        opened = np.searchsorted(self.starts, positions, side="right")
        closed = np.searchsorted(self.ends, positions, side="right")
        return opened > closed


def _check_within(source: str, contig: str, ends: np.ndarray, length: int | None,
                  line: int | None = None) -> None:
    """Refuse genes of ``contig`` that end past its ``length`` in the FASTA (``ends`` sorted;
    ``line``: the file line of the gene that ends last, named in the message)."""
    if length is not None and ends.size and int(ends[-1]) > length:
        beyond = int(np.count_nonzero(ends > length))
        where = f", line {line}" if line is not None else ""
        raise InputError(f"annotation {source}{where}: a gene on {contig} ends at "
                         f"{int(ends[-1]):,}, past the end of {contig} ({length:,} bp in the "
                         f"reference FASTA; {beyond} gene(s) on its strand end past it): the "
                         "annotation is of another genome build. Use the annotation of the "
                         "FASTA's build.")


class StrandAnnotation:
    """Gene intervals per contig and strand, queried by position (vectorised)."""

    def __init__(self, intervals: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
                 source: str, last_lines: Mapping[tuple[str, str], int] | None = None) -> None:
        self.source = source
        #: per (contig, strand), the file line of the gene that ends last (for messages)
        self.last_lines = dict(last_lines or {})
        self._intervals = {key: _Intervals(np.sort(starts), np.sort(ends))
                           for key, (starts, ends) in intervals.items()}
        self.contigs = sorted({contig for contig, _ in intervals})

    def states(self, contig: str, positions: np.ndarray) -> np.ndarray:
        """State code (NONE, PLUS_ONLY, MINUS_ONLY, BOTH) of each 0-based position."""
        state = np.zeros(len(positions), dtype=np.int64)
        plus = self._intervals.get((contig, "+"))
        minus = self._intervals.get((contig, "-"))
        if plus is not None:
            state += plus.covered(positions) * PLUS_ONLY
        if minus is not None:
            state += minus.covered(positions) * MINUS_ONLY
        return state

    def spans(self) -> str:
        """Every strand interval as text, in a fixed order (for the catalog log's digest)."""
        return ";".join(f"{contig}{strand}:{','.join(map(str, part.starts))}:"
                        f"{','.join(map(str, part.ends))}"
                        for (contig, strand), part in sorted(self._intervals.items()))

    def renamed(self, resolve: Callable[[str], str | None],
                lengths: Mapping[str, int] | None = None) -> StrandAnnotation:
        """The same annotation with contigs renamed to the FASTA's names.

        Contigs the FASTA lacks are dropped with a warning naming them; when none is left, the
        annotation cannot describe any mutation (every one would count as untranscribed), so
        that is an error naming the contigs and the likely fix. A gene ending past its
        contig's end in ``lengths`` (the FASTA's) is an error: the annotation is of another
        genome build, and its strands would be wrong wherever the builds differ.
        """
        merged: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
        unknown = set()
        for (contig, strand), spans in self._intervals.items():
            name = resolve(contig)
            if name is not None:
                _check_within(self.source, contig, spans.ends, (lengths or {}).get(name),
                              self.last_lines.get((contig, strand)))
                merged.setdefault((name, strand), []).append((spans.starts, spans.ends))
            else:
                unknown.add(contig)
        shown = ", ".join(sorted(unknown)[:5]) + (", ..." if len(unknown) > 5 else "")
        if unknown and not merged:
            raise InputError(f"annotation {self.source}: none of its contigs ({shown}) is in "
                             "the reference FASTA, so no gene would be found. Use the "
                             "annotation of the FASTA's genome build, with its contig names.")
        if unknown:
            logger.warning("annotation %s: %d contig(s) not in the reference FASTA left out: "
                           "%s", self.source, len(unknown), shown)
        return StrandAnnotation(
            {key: (np.concatenate([s for s, _ in parts]), np.concatenate([e for _, e in parts]))
             for key, parts in merged.items()}, self.source)


#: What the columns a row needs are, by their number (a GTF's 9, a strand BED's 6).
_COLUMNS_WANTED = {9: "a GTF row: seqname, source, feature, start, end, score, strand, frame, "
                      "attributes", 6: "a BED row of genes: chrom, start, end, name, score, "
                                       "strand (column 6, + or -)"}


def _read_columns(path: Path, wanted: int, dropped: Counter[str] | None = None
                  ) -> pd.DataFrame:
    """Tab-separated rows with at least ``wanted`` columns, comment/track lines dropped.
    With ``dropped`` (a GTF/GFF), only the rows that can give a strand are kept (transcripts
    and genes: :func:`_strand_feature`) and the others' features are counted there: a
    GENCODE file's exons, CDSs and UTRs are nine rows in ten, and keeping them as text
    took 5 GB for a 1 GB file."""
    rows = []
    number = 0
    try:
        with open_text(path, f"annotation {path}", "NEW.gtf.gz") as handle:
            for number, text in enumerate(handle, start=1):  # noqa: B007
                if text.startswith("##FASTA"):
                    break  # GFF3: sequences follow, no more features
                if not text.strip() or text.startswith(("#", "track", "browser")):
                    continue
                fields = text.rstrip("\r\n").split("\t")
                if dropped is None and len(fields) == 1:  # a BED written with spaces
                    fields = fields[0].split()
                    check_spaced_name(fields, f"annotation {path}, line {number}")
                if len(fields) < wanted:
                    raise InputError(f"annotation {path}, line {number}: {len(fields)} "
                                     f"columns, expected at least {wanted} (tab-separated; "
                                     f"{_COLUMNS_WANTED.get(wanted, 'see the README')}).")
                if dropped is not None and not _strand_feature(fields[2]):
                    dropped[fields[2].strip()] += 1
                    continue
                rows.append((number, *fields[:wanted]))
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"annotation {path}: cannot be read as text at line {number + 1} "
                         f"or soon after ({err}). "
                         + ((isinstance(err, UnicodeDecodeError) and not_utf8_fix(path))
                            or "Give a plain or gzip-compressed GTF, or a BED with a strand "
                               "column.")) from err
    return pd.DataFrame(rows, columns=["line", *range(wanted)])


def _strand_feature(feature: str) -> bool:
    """Whether a GTF/GFF feature is a transcript or a gene (the rows :func:`_gtf_genes` reads;
    the same rules as :func:`_transcript_like` and :func:`_gene_like`)."""
    lower = feature.strip().lower()
    return (lower in ("transcript", "mrna", "primary_transcript", "gene", "pseudogene")
            or lower.endswith(("rna", "_transcript", "_gene")))


def _is_plain_integer(text: str) -> bool:
    """Whether ``text`` is a whole number in plain ASCII digits (a leading '-' allowed: the
    interval check names a negative coordinate). Not '1.9', '3e2', '1_0' or other scripts'
    digits, which a numeric parser would turn into some other coordinate than the one meant."""
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit() and len(digits) <= 18


def _integers(frame: pd.DataFrame, column: int, path: Path) -> np.ndarray:
    """One column as int64, naming the first line whose cell is not a plain integer."""
    cells = frame[column].astype(str).str.strip()
    plain = cells.map(_is_plain_integer).to_numpy(dtype=bool)
    if not plain.all():
        row = int(np.flatnonzero(~plain)[0])
        raise InputError(f"annotation {path}, line {frame['line'].iat[row]}: coordinate "
                         f"{cells.iat[row]!r} is not a whole number ({(~plain).sum()} "
                         "line(s) in all). Coordinates must be plain positive integers (digits "
                         "0-9 only, no decimal point or exponent); correct or remove the line.")
    return cells.astype(np.int64).to_numpy()


#: Strand values meaning "no strand": the gene is left out (counted, named in a warning).
_UNSTRANDED = (".", "?")


def _stranded(frame: pd.DataFrame, strands: pd.Series, path: Path) -> np.ndarray:
    """Which rows have a strand ('+' or '-'). A strand cell holding anything else ('minus',
    '1', a shifted column) is refused with its line: its gene would vanish and its mutations
    be counted as outside genes. Rows without a strand ('.', '?') are left out, and how many
    is said in a warning."""
    values = strands.astype(str).str.strip().to_numpy(dtype=object)
    stranded = np.isin(values, ["+", "-"])
    unstranded = np.isin(values, _UNSTRANDED)
    bad = np.flatnonzero(~(stranded | unstranded))
    if bad.size:
        row = int(bad[0])
        strand = str(values[row])
        raise InputError(f"annotation {path}, line {frame['line'].iat[row]}: strand "
                         f"{strand!r} is not '+', '-' or '.' ({bad.size} line(s) in all). "
                         "Write the gene's strand as '+' or '-' ('.' when it has none: such "
                         "genes are left out), or remove the line.")
    if unstranded.any():
        lines = frame["line"].to_numpy()[unstranded]
        logger.warning("annotation %s: %d gene(s) without a strand ('.') left out (lines %s%s):"
                       " they cannot say which strand is transcribed.", path,
                       int(unstranded.sum()), ", ".join(map(str, lines[:5])),
                       ", ..." if lines.size > 5 else "")
    return stranded


def _refuse_unnamed_gtf(frame: pd.DataFrame, path: Path) -> None:
    """A file read as BED (by its name) whose first line has a GTF's shape: the 4th and 5th
    columns whole numbers, the 2nd (a BED's start, a GTF's source) not. The format is chosen
    by the name, so say so instead of failing on the 'coordinate' in the source column."""
    if frame.empty:
        return
    source, start, end = (str(frame[c].iat[0]).strip() for c in (1, 3, 4))
    if start.isdigit() and end.isdigit() and not source.lstrip("-").isdigit():
        raise InputError(f"annotation {path}: looks like a GTF/GFF (9 columns, coordinates in "
                         "the 4th and 5th) but is read as a BED, since the format is taken "
                         "from the name. Name it .gtf, .gff or .gff3 (optionally .gz).")


def _check_intervals(frame: pd.DataFrame, starts: np.ndarray, ends: np.ndarray,
                     path: Path) -> None:
    """Refuse a gene that ends before or where it starts (0-based half-open here), naming its
    line: a swapped or shifted row would otherwise be an empty gene, its mutations silently
    counted as untranscribed (a GTF start one past its end converted to an empty interval and
    passed)."""
    negative = np.flatnonzero(starts < 0)
    if negative.size:
        row = int(negative[0])
        raise InputError(f"annotation {path}, line {frame['line'].iat[row]}: the start "
                         f"({starts[row]}, 0-based) is negative ({negative.size} line(s) in "
                         "all); positions start at 0 in a BED and at 1 in a GTF. Correct the "
                         "coordinates or remove the line.")
    bad = np.flatnonzero(ends <= starts)
    if bad.size:
        row = int(bad[0])
        where = (f"ends ({ends[row]}) before it starts ({starts[row]}, 0-based)"
                 if ends[row] < starts[row] else
                 f"holds no base (start and end are both {ends[row]}, 0-based half-open; a "
                 "GTF/GFF line whose start is one past its end reads so)")
        raise InputError(f"annotation {path}, line {frame['line'].iat[row]}: the interval "
                         f"{where} ({bad.size} line(s) in all), as a regions BED refuses it. "
                         "Correct the coordinates or remove the line.")


def _transcript_like(features: pd.Series) -> np.ndarray:
    """Rows of transcripts: GTF ``transcript``, GFF3 ``mRNA`` and the other RNA features
    (``lnc_RNA``, ``ncRNA``, ``primary_transcript``, ...), which NCBI's GFF3 mixes."""
    lower = features.str.lower()
    return (lower.isin(["transcript", "mrna", "primary_transcript"]) | lower.str.endswith("rna")
            | lower.str.endswith("_transcript")).to_numpy(dtype=bool)


def _gene_like(features: pd.Series) -> np.ndarray:
    """Rows of genes: ``gene``, ``pseudogene`` and the typed genes of Ensembl's and NCBI's
    GFF3 (``ncRNA_gene``, ``rRNA_gene``, ...), whose mutations would otherwise be ``N``."""
    lower = features.str.lower()
    return (lower.isin(["gene", "pseudogene"]) | lower.str.endswith("_gene")).to_numpy(
        dtype=bool)


#: A gene's own identifier in a GTF (``gene_id "X"``, on its transcripts too) or a GFF3
#: (``ID=X`` on the gene row, ``Parent=X[,Y]`` on its transcripts).
_GTF_GENE_ID = re.compile(r'(?:^|;)\s*gene_id\s+"?([^";]+)"?')
_GFF_ID = re.compile(r"(?:^|;)\s*ID=([^;]+)")
_GFF_PARENT = re.compile(r"(?:^|;)\s*Parent=([^;]+)")


def _gene_ids(attributes: pd.Series, genes: np.ndarray) -> tuple[list[str | None], set[str]]:
    """Each gene row's identifier (None when its attributes hold none, and for the other
    rows) and the identifiers
    of the genes that some transcript row names as its own."""
    ids: list[str | None] = []
    owners: set[str] = set()
    for text, is_gene in zip(attributes.astype(str).tolist(), genes.tolist(), strict=True):
        gtf = _GTF_GENE_ID.search(text)
        if is_gene:
            own = gtf or _GFF_ID.search(text)
            ids.append(own.group(1).strip() if own else None)
            continue
        ids.append(None)
        if gtf:
            owners.add(gtf.group(1).strip())
        elif parent := _GFF_PARENT.search(text):
            owners.update(name.strip() for name in parent.group(1).split(","))
    return ids, owners


def _overlapped(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, probe: np.ndarray,
                cover: np.ndarray) -> np.ndarray:
    """Whether each ``probe`` row overlaps some ``cover`` row of the same key (contig and
    strand); rows are 0-based half-open intervals."""
    hit = np.zeros(len(keys), dtype=bool)
    codes = pd.factorize(keys)[0]
    for code in np.unique(codes[probe]):
        same = codes == code
        covering = np.flatnonzero(cover & same)
        if not covering.size:
            continue
        order = covering[np.argsort(starts[covering], kind="stable")]
        reach = np.maximum.accumulate(ends[order])  # furthest end of the covers so far
        rows = np.flatnonzero(probe & same)
        last = np.searchsorted(starts[order], ends[rows], side="left") - 1
        found = last >= 0
        hit[rows[found]] = reach[last[found]] > starts[rows[found]]
    return hit


def _gtf_genes(frame: pd.DataFrame, path: Path, dropped: Counter[str]
               ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows of a GTF/GFF that give strands, with 0-based half-open starts and ends.

    Transcripts when the file has any (:func:`_transcript_like`); then also each gene row
    (:func:`_gene_like`) that no transcript names as its own (``gene_id``, GFF3 ``Parent``),
    or, where the attributes name no gene (or no transcript names its gene), that no
    transcript of its contig and strand overlaps, so that a file assembled from sources
    with and without transcript rows loses no gene. Only gene rows otherwise.
    """
    features = frame[2].astype(str).str.strip()
    transcripts = _transcript_like(features)
    genes = _gene_like(features) & ~transcripts
    if not (transcripts | genes).any():
        kinds = ", ".join(name for name, _ in (Counter(features.tolist()) + dropped)
                          .most_common(6)) or "none"
        raise InputError(f"annotation {path}: no transcript or gene rows (its features: "
                         f"{kinds}), so no gene span is known. Give a GTF/GFF with transcript "
                         "(or mRNA) or gene rows; AGAT's agat_convert_sp_gxf2gxf.pl adds "
                         "them to a file of exons.")
    candidates = frame[transcripts | genes]
    starts, ends = _integers(candidates, 3, path), _integers(candidates, 4, path)
    if (starts < 1).any():
        row = int(np.flatnonzero(starts < 1)[0])
        raise InputError(f"annotation {path}, line {candidates['line'].iat[row]}: start "
                         f"{starts[row]} is not a 1-based position (a GTF/GFF counts from 1). "
                         "Correct the coordinates (a BED counts from 0: name it .bed) or "
                         "remove the line.")
    starts = starts - 1
    keep = transcripts[transcripts | genes]
    if keep.any():
        keys = (candidates[0].astype(str).str.strip() + "\t"
                + candidates[6].astype(str).str.strip()).to_numpy(dtype=object)
        ids, owners = _gene_ids(candidates[8], ~keep)
        named = np.array([name is not None and bool(owners) for name in ids], dtype=bool)
        lone = ~keep & ~_overlapped(keys, starts, ends, ~keep & ~named, keep)
        lone[named] = [name not in owners for name, is_named in zip(ids, named, strict=True)
                       if is_named]
        if lone.any():
            logger.info("annotation %s: %d gene row(s) without a transcript row used as "
                        "they are", path, int(lone.sum()))
        keep |= lone
    else:
        keep[:] = True
    return candidates[keep], starts[keep], ends[keep]


def read_annotation(path: str | Path) -> StrandAnnotation:
    """Read gene strands from a GTF/GFF (by suffix) or a 6-column BED.

    Raises
    ------
    InputError
        Missing file or not a regular file, too few columns, coordinates that are not plain
        integers or end before they start, a strand other than '+', '-' or '.', no stranded
        interval at all (each naming the file and line).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"annotation {path}: {not_found(path)} (--annotation / config "
                         "'catalog.annotation').")
    check_regular_file(path, f"annotation {path}")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".gtf", ".gff", ".gff3")):
        dropped: Counter[str] = Counter()
        frame, starts, ends = _gtf_genes(_read_columns(path, 9, dropped), path, dropped)
        contigs, strands = frame[0], frame[6]
    else:
        frame = _read_columns(path, 6)
        _refuse_unnamed_gtf(frame, path)
        contigs, strands = frame[0], frame[5]
        starts, ends = _integers(frame, 1, path), _integers(frame, 2, path)
    # Cells are compared stripped, as the strand check reads them: a '+ ' strand or 'chr1 '
    # contig kept as written would be a key no lookup finds, its genes silently lost.
    contigs, strands = contigs.astype(str).str.strip(), strands.astype(str).str.strip()
    _check_intervals(frame, starts, ends, path)
    stranded = _stranded(frame, strands, path)
    if not stranded.any():
        raise InputError(f"annotation {path}: no gene with strand '+' or '-' found. Give a GTF "
                         "with transcript/gene features or a BED whose 6th column is the strand.")
    intervals, last_lines = {}, {}
    for (contig, strand), index in pd.Series(range(len(contigs)))[stranded].groupby(
            [contigs.to_numpy()[stranded], strands.to_numpy()[stranded]]).groups.items():
        rows = np.asarray(index)
        intervals[(str(contig), str(strand))] = (starts[rows], ends[rows])
        last_lines[(str(contig), str(strand))] = int(frame["line"].iat[
            int(rows[np.argmax(ends[rows])])])
    return StrandAnnotation(intervals, str(path), last_lines)

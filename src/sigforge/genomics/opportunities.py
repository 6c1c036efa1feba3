"""Mutational opportunities: how often each sequence context occurs in a genome or in regions.

A signature's channel weights depend on how often its contexts occur in the sequence that was
studied: a C>T at CpG is rarer in a whole genome than in an exome because CpGs are rarer. To
refit a catalog counted in targeted regions against signatures estimated on whole genomes, the
signatures are rescaled by the ratio of the two sets of opportunities
(:func:`sigforge.refit.rescale_signatures`, channels mapped to contexts by
:func:`channel_contexts`).

Counted here, from the reference FASTA (pysam), contig by contig in chunks of
:data:`CHUNK_BASES` (memory stays near 30 bytes per chunk base whatever the genome):

- ``trinucleotide``: the 32 pyrimidine-centred trinucleotides of SBS96 (a purine-centred one
  counts as its reverse complement), a position inside the regions when its centre base is;
- ``dinucleotide``: the 10 reference dinucleotide classes of DBS78 (``AC AT CC CG CT GC TA TC
  TG TT``; each counts its reverse complement too), inside when its first base is;
- ``pentanucleotide``: the 512 pyrimidine-centred pentanucleotides of SBS1536.

A context holding a base other than A/C/G/T (N, IUPAC codes) is not counted, nor one that runs
off a contig. Each table holds a ``genome`` column (the whole FASTA) and, with regions, a
``regions`` column (:mod:`.target_regions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.contexts import BASES, CHANNEL_SETS, encode, reverse_complement
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.target_regions import TargetRegions
from sigforge.io import InputError, check_regular_file, not_found, read_table

logger = logging.getLogger(__name__)

#: Bases fetched from the FASTA at a time (plus 2 on each side for the flanks).
CHUNK_BASES = 1 << 24
#: The kinds of context counted, with their length and the offset of the base that decides
#: whether a context lies in the regions.
KINDS = {"trinucleotide": (3, 1), "dinucleotide": (2, 0), "pentanucleotide": (5, 2)}
_FLANK = 2

TRINUCLEOTIDES: tuple[str, ...] = tuple(
    f"{five}{centre}{three}" for five in BASES for centre in "CT" for three in BASES)
DINUCLEOTIDES: tuple[str, ...] = ("AC", "AT", "CC", "CG", "CT", "GC", "TA", "TC", "TG", "TT")
PENTANUCLEOTIDES: tuple[str, ...] = tuple(
    f"{a}{b}{centre}{c}{d}" for a in BASES for b in BASES for centre in "CT" for c in BASES
    for d in BASES)
LABELS = {"trinucleotide": TRINUCLEOTIDES, "dinucleotide": DINUCLEOTIDES,
          "pentanucleotide": PENTANUCLEOTIDES}
#: Columns of the opportunities table.
COLUMNS = ("kind", "context", "genome", "regions")


def _collapse_table(kind: str) -> np.ndarray:
    """Map from the 4**k k-mer codes (2 bits per base, first base highest) to the index of
    its strand-collapsed class in ``LABELS[kind]``."""
    size = KINDS[kind][0]
    index = {label: i for i, label in enumerate(LABELS[kind])}
    table = np.empty(4 ** size, dtype=np.int64)
    for code in range(4 ** size):
        kmer = "".join(BASES[(code >> (2 * (size - 1 - i))) & 3] for i in range(size))
        table[code] = index[kmer] if kmer in index else index[reverse_complement(kmer)]
    return table


_COLLAPSE = {kind: _collapse_table(kind) for kind in KINDS}


def _kmer_codes(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Code of the k-mer starting at each position (2 bits per base) and whether it is clean
    (all four bases known); one entry per start with a whole k-mer."""
    count = len(codes) - size + 1
    if count <= 0:
        return np.zeros(0, np.uint16), np.zeros(0, bool)
    kmer = np.zeros(count, dtype=np.uint16)
    clean = np.ones(count, dtype=bool)
    for i in range(size):
        part = codes[i:i + count]
        clean &= part < 4
        kmer = (kmer << 2) | (part & 3)
    return kmer, clean


def _count_chunk(codes: np.ndarray, keep: np.ndarray, inside: np.ndarray | None,
                 totals: dict[str, np.ndarray]) -> None:
    """Add one chunk's contexts to ``totals`` (kind -> (2, n_classes) genome / regions).

    ``keep`` marks the chunk's own bases (not the flanks borrowed from its neighbours) and
    ``inside`` those in the regions; a context counts where its deciding base is marked.
    """
    for kind, (size, offset) in KINDS.items():
        kmer, clean = _kmer_codes(codes, size)
        anchor = slice(offset, offset + len(kmer))
        classes = _COLLAPSE[kind]
        genome = clean & keep[anchor]
        totals[kind][0] += np.bincount(classes[kmer[genome]], minlength=len(LABELS[kind]))
        if inside is not None:
            regional = genome & inside[anchor]
            totals[kind][1] += np.bincount(classes[kmer[regional]],
                                           minlength=len(LABELS[kind]))


def count_opportunities(genome: ReferenceGenome, regions: TargetRegions | None = None,
                        *, chunk: int = CHUNK_BASES,
                        progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Every context's occurrences in the whole FASTA and (optionally) in the regions.

    ``progress`` is called with the number of bases of each chunk once it is counted.

    Returns
    -------
    DataFrame
        Columns ``kind``, ``context``, ``genome`` and, with regions, ``regions`` (int64); rows
        in the order of :data:`TRINUCLEOTIDES`, :data:`DINUCLEOTIDES`, :data:`PENTANUCLEOTIDES`.
    """
    totals = {kind: np.zeros((2, len(LABELS[kind])), np.int64) for kind in KINDS}
    for contig, length in genome.lengths.items():
        for start in range(0, length, chunk):
            end = min(start + chunk, length)
            low, high = max(start - _FLANK, 0), min(end + _FLANK, length)
            codes = encode(genome.fetch(contig, low, high))
            keep = np.zeros(high - low, dtype=bool)
            keep[start - low:end - low] = True
            inside = None if regions is None else keep & regions.mask(contig, low, high)
            _count_chunk(codes, keep, inside, totals)
            if progress is not None:
                progress(end - start)
    frames = []
    for kind, labels in LABELS.items():
        frame = pd.DataFrame({"kind": kind, "context": labels, "genome": totals[kind][0]})
        if regions is not None:
            frame["regions"] = totals[kind][1]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


#: Each kind's contexts, for the check of a table's rows.
_KNOWN = {kind: frozenset(labels) for kind, labels in LABELS.items()}


def read_opportunities(path: str | Path) -> pd.DataFrame:
    """An opportunities table written by ``sigforge opportunities``, checked.

    Raises
    ------
    InputError
        Unreadable file, missing columns or contexts, counts that are negative or not whole.
    """
    label = f"--opportunities {path}"
    if not Path(path).exists():
        raise InputError(f"{label}: {not_found(path)}. Write it with 'sigforge opportunities "
                         "--reference GENOME.fa --regions BED --out FILE'.")
    check_regular_file(Path(path), label)
    table = read_table(path, written_by_sigforge=False).reset_index()
    missing = [c for c in ("kind", "context", "genome") if c not in table.columns]
    if missing:
        joined = next((str(c) for c in table.columns if "," in str(c) or " " in str(c)), None)
        how = (f" Line 1 (header) reads as one column, {joined!r}: it must be tab-separated "
               "(saved with commas or spaces by a spreadsheet?)." if joined and
               len(table.columns) <= 2 else "")
        raise InputError(f"{label}: lacks the column(s) {missing}; expected {list(COLUMNS)}."
                         f"{how} Write it with 'sigforge opportunities'.")
    repeated = table.duplicated(["kind", "context"])
    if repeated.any():
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        raise InputError(f"{label}: line {row + 2}: the {table['kind'].iat[row]} "
                         f"'{table['context'].iat[row]}' is listed again (two tables joined, "
                         "or an edit?); each context has one row. Rewrite it with 'sigforge "
                         "opportunities'.")
    _check_contexts(table, label)
    counts = table[[c for c in ("genome", "regions") if c in table.columns]]
    values = counts.apply(pd.to_numeric, errors="coerce")
    _check_counts(table, values, label)
    table[values.columns] = values.astype(np.float64)
    return table


def _check_contexts(table: pd.DataFrame, label: str) -> None:
    """Refuse a row of an unknown kind or context (it would be ignored unsaid) and a kind
    whose contexts are incomplete (pentanucleotides may be: a small FASTA lacks some)."""
    known = np.array([context in _KNOWN.get(kind, ()) for kind, context
                      in zip(table["kind"], table["context"], strict=True)], dtype=bool)
    if not known.all():
        row = int(np.flatnonzero(~known)[0])
        raise InputError(f"{label}: line {row + 2}: '{table['kind'].iat[row]}' "
                         f"'{table['context'].iat[row]}' is not a context sigforge counts "
                         f"(kinds {', '.join(LABELS)}; contexts of A, C, G, T with the "
                         "pyrimidine reference base in the middle of a trinucleotide or "
                         "pentanucleotide). Remove the row, or rewrite the table with "
                         "'sigforge opportunities'.")
    for kind, labels in LABELS.items():
        present = set(table.loc[table["kind"] == kind, "context"])
        if kind != "pentanucleotide" and not set(labels) <= present:
            raise InputError(f"{label}: the {kind} rows are incomplete (missing "
                             f"{sorted(set(labels) - present)[:5]}). Rewrite it with "
                             "'sigforge opportunities'.")


def _check_counts(table: pd.DataFrame, values: pd.DataFrame, label: str) -> None:
    """Refuse a count that is missing, negative or not a number, and a context counted more
    often in the regions than in the whole genome they lie in, naming the line and column."""
    wrong = values.isna() | (values < 0)
    if wrong.any().any():
        row, col = (int(i[0]) for i in np.nonzero(wrong.to_numpy()))
        column = values.columns[col]
        raise InputError(f"{label}: line {row + 2}, column '{column}': "
                         f"'{table[column].iat[row]}' is not a count (a whole number >= 0). "
                         "Rewrite the table with 'sigforge opportunities'.")
    if "regions" in values.columns:
        more = (values["regions"] > values["genome"]).to_numpy()
        if more.any():
            row = int(np.flatnonzero(more)[0])
            raise InputError(f"{label}: line {row + 2}: the regions hold the "
                             f"{table['kind'].iat[row]} {table['context'].iat[row]} "
                             f"{values['regions'].iat[row]:.0f} times but the whole genome only "
                             f"{values['genome'].iat[row]:.0f} ({int(more.sum())} row(s) like "
                             "it); regions inside the genome cannot hold more. The columns "
                             "were swapped or edited: rewrite the table with 'sigforge "
                             "opportunities --regions BED'.")


def context_counts(table: pd.DataFrame, kind: str, column: str) -> pd.Series:
    """One column of an opportunities table for one kind, indexed by context.

    Raises
    ------
    InputError
        The table has no such column (e.g. ``regions`` in a table written without --regions).
    """
    if column not in table.columns:
        raise InputError(f"the opportunities table has no '{column}' column: write it with "
                         "'sigforge opportunities --regions BED' (the assay's regions).")
    rows = table[table["kind"] == kind]
    return pd.Series(rows[column].to_numpy(np.float64), index=rows["context"].to_numpy())


#: Channel set -> the kind of context its channels are rescaled by (ID83: none).
CHANNEL_KINDS = {"SBS96": "trinucleotide", "SBS288": "trinucleotide",
                 "SBS1536": "pentanucleotide", "DBS78": "dinucleotide"}


def channel_contexts(channel_set: str) -> tuple[str, list[str]] | None:
    """(kind, the reference context of each channel) of a channel set, in channel order;
    None for sets whose channels are not rescaled by sequence composition (ID83).

    ``A[C>A]G`` -> ``ACG``; ``AA[C>T]GT`` -> ``AACGT``; ``T:A[C>A]G`` -> ``ACG``;
    ``CC>AA`` -> ``CC``.
    """
    if channel_set not in CHANNEL_KINDS:
        return None
    labels = [label.split(":")[-1] for label in CHANNEL_SETS[channel_set]]
    if channel_set == "DBS78":
        contexts = [label.split(">")[0] for label in labels]
    else:
        contexts = [_sbs_reference(label) for label in labels]
    return CHANNEL_KINDS[channel_set], contexts


def _sbs_reference(label: str) -> str:
    """The reference context of an SBS label: ``5'[REF>ALT]3'`` -> ``5' REF 3'``."""
    five, rest = label.split("[")
    substitution, three = rest.split("]")
    return f"{five}{substitution[0]}{three}"

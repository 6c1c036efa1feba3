"""Per-sample mutation catalogs (SBS96, SBS288, SBS1536, DBS78, ID83) and cohort assembly.

Orientation: a catalog is (n_channels, n_samples), channels in the standard order of
:mod:`sigforge.genomics.contexts`.

Every variant read (:mod:`sigforge.genomics.variants`) ends up in exactly one place, so that
for each sample
``variants_read == counted_SBS96 + counted_DBS78 + counted_ID83 + sum(SKIP_REASONS)``.
The checks run in this order and the first that applies wins:

1. ``filtered``: FILTER not PASS/'.' (unless ``all_filters``); ``not_in_sample``: the sample's
   GT does not carry the ALT (multi-sample VCF).
2. The allele's kind: ``symbolic`` (``<DEL>``, breakends, ``*``, missing ALT); SNV; DBS (REF
   and ALT of 2 bp, both bases changed); ``mnv`` (REF and ALT of equal length 3+); simple
   indel (REF or ALT is one base, sharing the first base, VCF-anchored); anything else is
   ``complex`` (e.g. ``AC>AT``, ``ACG>T``).
3. ``not_requested``: no requested context counts this kind (SNVs feed SBS* and DBS78).
4. ``ambiguous_base``: REF/ALT holds a base other than A/C/G/T.
5. ``contig_missing`` (no FASTA contig under any alias, e.g. ``chr1``/``1``, ``chrM``/``MT``),
   ``contig_end`` (an SNV on a contig's first/last base, or REF running off the contig),
   ``ref_mismatch`` (REF differs from the FASTA), ``ambiguous_base`` (N next to an SNV).
6. ``duplicate``: the same contig, POS, REF and ALT already counted for the sample.
7. Adjacent SNVs of one sample: a pair of SNVs on consecutive positions whose next SNVs on
   either side lie more than 5 bp away is one DBS (counted once, on the first SNV; the second
   goes to ``in_dbs``), as SigProfilerMatrixGenerator does; a pair with another SNV within
   5 bp stays two SBS (also as SPMG); three or more consecutive SNVs are ``mnv``.

With ``multi_snvs_in_sbs`` (SigProfilerMatrixGenerator-compatible) the SNVs of DBSs (pairs and
2-bp records) and of 3+ runs are also counted in the SBS catalogs, without changing their
place; ``also_in_sbs`` counts them.

Build checks (per sample, on the variants left after ``filtered`` and ``not_in_sample``; each
stops the run with an :class:`~sigforge.io.InputError` rather than write a wrong catalog):

- the VCF header declares a contig length that differs from the FASTA's (:func:`check_build`);
- *disagreement*: more than ``MAX_REF_MISMATCH_RATE`` (5%) and at least
  ``MIN_REF_MISMATCHES_TO_FAIL`` (3) of the variants checked against the FASTA have a REF
  that differs (``ref_mismatch``) or lie past the end of their contig (the part of
  ``contig_end`` whose position is beyond the contig, or whose REF runs off it; an SNV on a
  contig's first or last base is not a disagreement). The share is taken of the variants
  whose REF was compared plus those past the end (:func:`check_ref_mismatch`);
- *missing contigs*: more than 5% and at least 3 of the variants that reached the FASTA
  lookup lie on contigs the FASTA lacks under every alias (``contig_missing``;
  :func:`check_contigs_missing`). A few calls on decoys or patches pass and are counted in
  the log; a VCF whose contigs are all absent (another build or naming scheme) stops.

SBS96 and SBS288 use the trinucleotide; SBS1536 needs the pentanucleotide, so an SNV 2 bp
from a contig end or next-but-one to an N is in SBS96 but not in SBS1536 (``counted_SBS1536``
may be lower than ``counted_SBS96``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.annotation import BOTH, MINUS_ONLY, PLUS_ONLY, StrandAnnotation
from sigforge.genomics.contexts import (
    CHANNEL_SETS,
    DBS_INDEX_TABLE,
    ID83_CHANNELS,
    SBS_CONTEXTS,
    encode,
    id83_label,
    sbs_channel_indices,
)
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.variants import VariantTable, read_input
from sigforge.io import InputError

logger = logging.getLogger(__name__)

#: Stop when more than this fraction of a sample's checked variants disagree with the FASTA.
MAX_REF_MISMATCH_RATE = 0.05
#: ...and at least this many disagree, so that one odd site in a tiny VCF does not stop a run.
MIN_REF_MISMATCHES_TO_FAIL = 3
#: SNVs closer than this (bp) to an adjacent pair keep the pair from being a DBS (SPMG's rule).
DBS_ISOLATION_BP = 5

#: Where a variant went when it was not counted, in the column order of ``catalog_log.tsv``.
SKIP_REASONS = (
    "filtered",         # FILTER not PASS or '.', and all_filters not set
    "not_in_sample",    # multi-sample VCF: the sample's GT does not carry this ALT allele
    "symbolic",         # symbolic ALT (<DEL>, <INS>...), breakend, '*' or missing ALT
    "complex",          # not an SNV, DBS, MNV or simple anchored indel (e.g. AC>AT, ACG>T)
    "mnv",              # REF/ALT of 3+ bp, or 3+ SNVs on consecutive positions
    "not_requested",    # a kind no requested context counts (e.g. indels without ID83)
    "contig_missing",   # contig absent from the FASTA under every alias
    "contig_end",       # SNV on a contig's first or last base; REF running off the contig
    "ref_mismatch",     # REF differs from the FASTA
    "ambiguous_base",   # a base other than A/C/G/T in REF, ALT or an SNV's trinucleotide
    "duplicate",        # same contig, POS, REF and ALT already counted for this sample
    "in_dbs",           # second SNV of an adjacent pair counted once as a DBS
)
_REASON = {reason: code for code, reason in enumerate(SKIP_REASONS, start=1)}
_COUNTED = 0

# Variant kinds (see the module docstring).
_SNV, _DBS, _INDEL, _MNV, _COMPLEX, _SYMBOLIC = range(6)
_KIND_REASON = {_MNV: "mnv", _COMPLEX: "complex", _SYMBOLIC: "symbolic"}
_ACGT = re.compile(r"^[ACGT]+$")
_ID83_INDEX = {label: i for i, label in enumerate(ID83_CHANNELS)}


@dataclass(frozen=True)
class CatalogOptions:
    """What to count: contexts, FILTER handling, strand annotation (for SBS288).

    ``multi_snvs_in_sbs`` (SigProfilerMatrixGenerator-compatible) also counts in SBS96/288/1536
    the SNVs of every DBS (adjacent pair or 2-bp record) and of every run of 3+ adjacent SNVs;
    their place in the log is unchanged and ``also_in_sbs`` says how many were added.
    """

    contexts: tuple[str, ...] = ("SBS96",)
    all_filters: bool = False
    annotation: StrandAnnotation | None = None
    multi_snvs_in_sbs: bool = False

    def __post_init__(self) -> None:
        unknown = [c for c in self.contexts if c not in CHANNEL_SETS]
        if unknown:
            raise InputError(f"unknown context(s) {unknown}; choose from "
                             f"{', '.join(CHANNEL_SETS)}.")
        if "SBS288" in self.contexts and self.annotation is None:
            raise InputError("SBS288 needs a gene annotation for the transcriptional strand: "
                             "give --annotation GENES.gtf (or a BED with a strand column), "
                             "or drop SBS288 from the contexts.")


@dataclass
class SampleCatalog:
    """The catalogs of one sample and the fate of every variant read for it."""

    sample: str
    source: str
    matrices: dict[str, np.ndarray]
    skipped: Counter[str] = field(default_factory=Counter)
    variants_read: int = 0
    counted_by_kind: Counter[str] = field(default_factory=Counter)
    checked: int = 0
    mismatch_examples: list[str] = field(default_factory=list)
    beyond_end: int = 0
    beyond_examples: list[str] = field(default_factory=list)
    located: int = 0
    missing_contigs: Counter[str] = field(default_factory=Counter)
    strand_states: np.ndarray = field(default_factory=lambda: np.zeros(4 * 96, np.int64))

    @property
    def counts(self) -> np.ndarray:
        """SBS96 counts (zeros when SBS96 was not requested)."""
        return self.matrices.get("SBS96", np.zeros(len(CHANNEL_SETS["SBS96"]), np.int64))

    @property
    def counted(self) -> int:
        """Number of SNVs counted as single-base substitutions."""
        return self.counted_by_kind["SBS96"]


def check_catalog_config(contexts: Sequence[str], annotation: str | None) -> tuple[str, ...]:
    """The workflow's ``catalog.contexts``, checked: SBS96 present, SBS288 only with genes.

    Raises
    ------
    InputError
        SBS96 missing (discovery and refit run on it), or SBS288 without ``annotation``.
    """
    contexts = tuple(dict.fromkeys(contexts))
    if "SBS96" not in contexts:
        raise InputError(f"config catalog.contexts {list(contexts)}: must include SBS96 "
                         "(signature discovery and refitting run on it).")
    if "SBS288" in contexts and not annotation:
        raise InputError("config catalog.contexts lists SBS288, which needs the genes' strands: "
                         "set catalog.annotation to a GTF (or a BED with a strand column), or "
                         "drop SBS288.")
    return contexts


def check_build(table: VariantTable, genome: ReferenceGenome) -> None:
    """Fail fast when the VCF header's contig lengths disagree with the FASTA's.

    Raises
    ------
    InputError
        Naming the first contig whose lengths differ, with both lengths.
    """
    for contig, length in table.declared_lengths.items():
        resolved = genome.resolve(contig)
        if resolved is not None and genome.lengths[resolved] != length:
            raise InputError(
                f"VCF {table.source}: header declares contig {contig} of length {length:,} but "
                f"the reference FASTA {genome.path} has {resolved} of length "
                f"{genome.lengths[resolved]:,}. The VCF was called against a different genome "
                "build: give the matching FASTA.")


def _kind(ref: str, alt: str) -> int:
    """The kind of one REF/ALT pair (see the module docstring)."""
    if not alt or alt[0] in "<.*" or alt[-1] == "." or "[" in alt or "]" in alt:
        return _SYMBOLIC  # <DEL>, breakends (incl. single ".A"/"A."), '*', missing
    if ref == "-" or alt == "-":
        return _INDEL  # a MAF indel whose anchor base could not be fetched
    if len(ref) == len(alt):
        if len(ref) == 1:
            return _SNV if ref != alt else _COMPLEX
        if len(ref) == 2:
            return _DBS if ref[0] != alt[0] and ref[1] != alt[1] else _COMPLEX
        return _MNV
    if min(len(ref), len(alt)) == 1 and ref[0] == alt[0]:
        return _INDEL
    return _COMPLEX


@dataclass
class _Classified:
    """Sample-independent verdicts for every row of a table."""

    fate: np.ndarray        # 0 = countable, else a reason code
    kind: np.ndarray
    sbs96: np.ndarray       # channel index or -1
    sbs1536: np.ndarray     # channel index or -1 (pentanucleotide off the contig or with N)
    strand: np.ndarray      # 0 T, 1 U, 2 B, 3 N (after the pyrimidine flip)
    dbs: np.ndarray         # DBS78 index of DBS records; for SNVs the 2-bit ref/alt codes
    indel: np.ndarray       # ID83 index or -1
    checked: np.ndarray     # reached the REF comparison
    located: np.ndarray     # reached the FASTA contig lookup
    beyond: np.ndarray      # contig_end because it lies past the contig's end (or REF runs off)
    ref_code: np.ndarray    # base codes of one-base REF/ALT (4 otherwise)
    alt_code: np.ndarray
    dbs_sbs96: np.ndarray   # (n, 2): SBS96 index of each base of a DBS record, or -1
    dbs_sbs1536: np.ndarray
    dbs_strand: np.ndarray
    contig_lengths: dict[int, int] = field(default_factory=dict)  # contig code -> FASTA length


def _kinds(table: VariantTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kind of every row, whether its alleles are all A/C/G/T, and single-base codes.

    The codes (A0 C1 G2 T3, else 4) of REF and ALT are filled for one-base alleles only.
    """
    n = len(table)
    ref_len = np.fromiter(map(len, table.ref), dtype=np.int64, count=n)
    alt_len = np.fromiter(map(len, table.alt), dtype=np.int64, count=n)
    kind = np.full(n, _SNV, dtype=np.int64)
    clean = np.ones(n, dtype=bool)
    ref_code = np.full(n, 4, dtype=np.uint8)
    alt_code = np.full(n, 4, dtype=np.uint8)
    single = (ref_len == 1) & (alt_len == 1)
    if single.all():
        rows, refs_text, alts_text = np.arange(n), table.ref, table.alt
    else:
        rows = np.flatnonzero(single)
        refs_text = [table.ref[i] for i in rows.tolist()]
        alts_text = [table.alt[i] for i in rows.tolist()]
    if len(rows):
        raw_alts = np.frombuffer("".join(alts_text).encode("ascii", "replace"), np.uint8)
        ref_code[rows] = encode("".join(refs_text))
        alt_code[rows] = encode(raw_alts.tobytes())
        symbolic = (raw_alts == ord("*")) | (raw_alts == ord("."))
        kind[rows[symbolic]] = _SYMBOLIC
        kind[rows[~symbolic & (ref_code[rows] == alt_code[rows])]] = _COMPLEX
        clean[rows] = (ref_code[rows] < 4) & (alt_code[rows] < 4)
    for row in np.flatnonzero(~single).tolist():
        ref, alt = table.ref[row], table.alt[row]
        kind[row] = _kind(ref, alt)
        if kind[row] in (_DBS, _INDEL) and "-" not in (ref, alt):
            clean[row] = bool(_ACGT.match(ref) and _ACGT.match(alt))
    return kind, clean, ref_code, alt_code


def _wanted(kind: np.ndarray, contexts: tuple[str, ...]) -> np.ndarray:
    """Whether some requested context counts each row's kind."""
    sbs = bool(SBS_CONTEXTS.intersection(contexts))
    dbs, indel = "DBS78" in contexts, "ID83" in contexts
    return (((kind == _SNV) & (sbs or dbs)) | ((kind == _DBS) & dbs)
            | ((kind == _INDEL) & indel) | (kind >= _MNV))


def _classify_snvs(rows: np.ndarray, table: VariantTable, codes: np.ndarray, contig: str,
                   out: _Classified, annotation: StrandAnnotation | None) -> None:
    """Context checks and channel indices of the SNV rows on one contig (vectorised)."""
    p = table.pos[rows] - 1
    n = len(codes)
    inside = (p >= 1) & (p <= n - 2)
    out.fate[rows[~inside]] = _REASON["contig_end"]
    out.beyond[rows[p >= n]] = True
    rows, p = rows[inside], p[inside]
    ref, alt = out.ref_code[rows], out.alt_code[rows]
    out.checked[rows] = True
    mismatch = codes[p] != ref
    out.fate[rows[mismatch]] = _REASON["ref_mismatch"]
    rows, p, ref, alt = rows[~mismatch], p[~mismatch], ref[~mismatch], alt[~mismatch]
    five1, three1 = codes[p - 1], codes[p + 1]
    ambiguous = (five1 > 3) | (three1 > 3)
    out.fate[rows[ambiguous]] = _REASON["ambiguous_base"]
    keep = ~ambiguous
    rows, p, ref, alt, five1, three1 = (x[keep] for x in (rows, p, ref, alt, five1, three1))
    sbs96, sbs1536, strand = _sbs_channels(codes, p, ref, alt, contig, annotation)
    out.sbs96[rows], out.sbs1536[rows], out.strand[rows] = sbs96, sbs1536, strand
    out.dbs[rows] = ref.astype(np.int64) * 4 + alt


def _sbs_channels(codes: np.ndarray, p: np.ndarray, ref: np.ndarray, alt: np.ndarray,
                  contig: str, annotation: StrandAnnotation | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SBS96 and SBS1536 indices (-1 when the 5-mer is incomplete) and strand (0 T, 1 U, 2 B,
    3 N) of SNVs at 0-based positions ``p`` whose trinucleotide is known to be clean."""
    n = len(codes)
    in_reach = (p >= 2) & (p <= n - 3)
    five2 = np.where(in_reach, codes[np.clip(p - 2, 0, n - 1)], 4)
    three2 = np.where(in_reach, codes[np.clip(p + 2, 0, n - 1)], 4)
    full = (five2 < 4) & (three2 < 4)
    sbs96, sbs1536, flipped = sbs_channel_indices(
        np.minimum(five2, 3), codes[p - 1], ref, alt, codes[p + 1], np.minimum(three2, 3))
    strand = np.full(len(p), 3, dtype=np.int64)
    if annotation is not None:
        state = annotation.states(contig, p)
        # forward strand: + gene -> U, - gene -> T; the pyrimidine flip swaps them
        strand = np.select([state == BOTH, state == PLUS_ONLY, state == MINUS_ONLY],
                           [2, 1, 0], default=3)
        strand = np.where(flipped & (strand < 2), 1 - strand, strand)
    return sbs96, np.where(full, sbs1536, -1), strand


def _classify_dbs_bases(rows: np.ndarray, table: VariantTable, codes: np.ndarray, contig: str,
                        out: _Classified, annotation: StrandAnnotation | None) -> None:
    """SBS channels of both bases of DBS records (for ``multi_snvs_in_sbs``; -1 off the
    contig or next to an N)."""
    n = len(codes)
    for base in (0, 1):
        p = table.pos[rows] - 1 + base
        ref = encode("".join(table.ref[i][base] for i in rows.tolist()))
        alt = encode("".join(table.alt[i][base] for i in rows.tolist()))
        ok = (p >= 1) & (p <= n - 2)
        ok[ok] = (codes[p[ok] - 1] < 4) & (codes[p[ok] + 1] < 4)
        sbs96, sbs1536, strand = _sbs_channels(codes, p[ok], ref[ok], alt[ok], contig,
                                               annotation)
        out.dbs_sbs96[rows[ok], base] = sbs96
        out.dbs_sbs1536[rows[ok], base] = sbs1536
        out.dbs_strand[rows[ok], base] = strand


def _classify_others(rows: np.ndarray, table: VariantTable, text: str, out: _Classified) -> None:
    """REF checks and channel indices of the DBS-record and indel rows on one contig."""
    n = len(text)
    for row in rows.tolist():
        pos, ref, alt = int(table.pos[row]), table.ref[row], table.alt[row]
        unanchored = "-" in (ref, alt)
        if unanchored or pos < 1 or pos - 1 + len(ref) > n:
            out.fate[row] = _REASON["contig_end"]
            out.beyond[row] = pos > n or not unanchored and pos - 1 + len(ref) > n
            continue
        out.checked[row] = True
        if text[pos - 1:pos - 1 + len(ref)] != ref:
            out.fate[row] = _REASON["ref_mismatch"]
        elif out.kind[row] == _DBS:
            code = (encode(ref).astype(np.int64) << np.array([6, 4])).sum() + (
                encode(alt).astype(np.int64) << np.array([2, 0])).sum()
            out.dbs[row] = DBS_INDEX_TABLE[code]
        else:
            out.indel[row] = _ID83_INDEX[id83_label(text, pos, ref, alt)]  # type: ignore[index]


def classify_table(table: VariantTable, genome: ReferenceGenome,
                   options: CatalogOptions) -> _Classified:
    """Sample-independent verdicts for every allele of a table (each contig fetched once)."""
    n = len(table)
    kind, clean, ref_code, alt_code = _kinds(table)
    out = _Classified(fate=np.zeros(n, np.int64), kind=kind, sbs96=np.full(n, -1, np.int64),
                      sbs1536=np.full(n, -1, np.int64), strand=np.full(n, 3, np.int64),
                      dbs=np.full(n, -1, np.int64), indel=np.full(n, -1, np.int64),
                      checked=np.zeros(n, bool), located=np.zeros(n, bool),
                      beyond=np.zeros(n, bool), ref_code=ref_code, alt_code=alt_code,
                      dbs_sbs96=np.full((n, 2), -1, np.int64),
                      dbs_sbs1536=np.full((n, 2), -1, np.int64),
                      dbs_strand=np.full((n, 2), 3, np.int64))
    for code, reason in _KIND_REASON.items():
        out.fate[kind == code] = _REASON[reason]
    pending = out.fate == _COUNTED
    out.fate[pending & ~_wanted(kind, options.contexts)] = _REASON["not_requested"]
    pending = out.fate == _COUNTED
    out.fate[pending & ~clean] = _REASON["ambiguous_base"]
    pending = out.fate == _COUNTED
    out.located[pending] = True
    annotation = options.annotation if "SBS288" in options.contexts else None
    for contig_code in np.unique(table.contig[pending]).tolist():
        on_contig = pending & (table.contig == contig_code)
        name = genome.resolve(table.contig_names[contig_code])
        if name is None:
            out.fate[on_contig] = _REASON["contig_missing"]
            continue
        text, codes = genome.sequence(name)
        out.contig_lengths[contig_code] = len(text)
        _classify_snvs(np.flatnonzero(on_contig & (kind == _SNV)), table, codes, name, out,
                       annotation)
        _classify_others(np.flatnonzero(on_contig & (kind != _SNV)), table, text, out)
        if options.multi_snvs_in_sbs:
            _classify_dbs_bases(np.flatnonzero(on_contig & (kind == _DBS) & (out.fate == 0)),
                                table, codes, name, out, annotation)
    return out


def _first_occurrences(rows: np.ndarray, table: VariantTable) -> np.ndarray:
    """Mask of rows that are the first with their contig, POS, REF and ALT."""
    if len(rows) == 0:
        return np.ones(0, dtype=bool)
    site = table.contig[rows].astype(np.int64) << 40 | table.pos[rows]
    _, first_index, inverse, counts = np.unique(site, return_index=True, return_inverse=True,
                                                return_counts=True)
    first = np.zeros(len(rows), dtype=bool)
    first[first_index] = True
    shared = np.flatnonzero(counts[inverse] > 1)
    seen: set[tuple[int, str, str]] = set()
    for i in sorted(shared.tolist()):
        key = (int(site[i]), table.ref[rows[i]], table.alt[rows[i]])
        first[i] = key not in seen
        seen.add(key)
    return first


def _adjacent_snvs(rows: np.ndarray, table: VariantTable) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Among one sample's counted SNV rows: DBS first rows, their partners, and MNV rows."""
    if len(rows) == 0:
        return rows, rows, rows
    order = np.lexsort((table.pos[rows], table.contig[rows]))
    rows = rows[order]
    pos, contig = table.pos[rows], table.contig[rows]
    gap = np.where(contig[1:] == contig[:-1], np.diff(pos), 0)
    adjacent = gap == 1
    close = (gap >= 1) & (gap <= DBS_ISOLATION_BP)
    pad_adj = np.concatenate([[False], adjacent, [False]])
    pad_close = np.concatenate([[False], close, [False]])
    # pair (j, j+1) is a DBS when adjacent and no SNV within 5 bp on either side of it
    pair = adjacent & ~pad_close[:-2] & ~pad_close[2:]
    left, right = pad_adj[:-1], pad_adj[1:]  # element k adjacent to k-1 / to k+1
    in_run3 = (left & right) | (right & np.concatenate([right[1:], [False]])) | (
        left & np.concatenate([[False], left[:-1]]))
    firsts = np.flatnonzero(pair)
    return rows[firsts], rows[firsts + 1], rows[in_run3]


class _Fates:
    """The fate codes of one sample's rows (sorted table row indices), set by row index."""

    def __init__(self, rows: np.ndarray, codes: np.ndarray) -> None:
        self.rows, self.codes = rows, codes

    def set(self, rows: np.ndarray, reason: str) -> None:
        """Give ``rows`` (table indices, all among this sample's) the fate ``reason``."""
        self.codes[np.searchsorted(self.rows, rows)] = _REASON[reason]

    def with_code(self, code: int) -> np.ndarray:
        """Table indices of the rows whose fate is ``code``."""
        return self.rows[self.codes == code]


def _count_sample(table: VariantTable, index: int, verdicts: _Classified,
                  options: CatalogOptions) -> SampleCatalog:
    """One sample's catalogs from the table's verdicts.

    In a multi-sample VCF every record is read for every sample (those whose GT does not
    carry the allele are ``not_in_sample``); in a MAF a sample reads only its own rows.
    """
    result = SampleCatalog(
        table.samples[index], table.source,
        {c: np.zeros(len(CHANNEL_SETS[c]), np.int64) for c in options.contexts})
    rows = table.rows_of(index) if not table.shared_rows else np.arange(len(table))
    fates = _Fates(rows, verdicts.fate[rows].copy())
    result.variants_read = len(rows)
    if not options.all_filters:
        fates.codes[~table.passed[rows]] = _REASON["filtered"]
    if table.shared_rows and table.members is not None:
        carried = np.zeros(len(table), dtype=bool)
        carried[table.rows_of(index)] = True
        fates.codes[~carried & (fates.codes != _REASON["filtered"])] = _REASON["not_in_sample"]
    outside = np.isin(fates.codes, [_REASON["filtered"], _REASON["not_in_sample"]])
    result.checked = int((verdicts.checked[rows] & ~outside).sum())
    result.located = int((verdicts.located[rows] & ~outside).sum())
    counted = fates.with_code(_COUNTED)
    duplicate = ~_first_occurrences(counted, table)
    fates.set(counted[duplicate], "duplicate")
    counted = counted[~duplicate]
    snvs = counted[verdicts.kind[counted] == _SNV]
    dbs_first, dbs_second, mnv_rows = _adjacent_snvs(snvs, table)
    fates.set(mnv_rows, "mnv")
    fates.set(dbs_second, "in_dbs")
    _tally(result, fates, (dbs_first, dbs_second), verdicts, options)
    if options.multi_snvs_in_sbs:
        _add_multi_snvs(result, np.concatenate([dbs_first, dbs_second, mnv_rows]),
                        fates.with_code(_COUNTED), verdicts, options)
    if "SBS288" in options.contexts:
        result.matrices["SBS288"] = _collapse_strands(result.strand_states)
    for code, reason in enumerate(SKIP_REASONS, start=1):
        result.skipped[reason] = int((fates.codes == code).sum())
    _build_evidence(result, fates, table, verdicts)
    return result


def _tally(result: SampleCatalog, fates: _Fates, dbs_pairs: tuple[np.ndarray, np.ndarray],
           verdicts: _Classified, options: CatalogOptions) -> None:
    """Add the sample's counted rows to its matrices; unrequested kinds -> not_requested."""
    contexts = options.contexts
    pairs, partner = dbs_pairs
    counted = fates.with_code(_COUNTED)
    kind = verdicts.kind[counted]
    sbs = counted[(kind == _SNV) & ~np.isin(counted, pairs)]
    records = counted[kind == _DBS]
    indels = counted[kind == _INDEL]
    if not SBS_CONTEXTS.intersection(contexts):
        fates.set(sbs, "not_requested")
        sbs = sbs[:0]
    if "DBS78" not in contexts:
        for rows in (pairs, partner, records):
            fates.set(rows, "not_requested")
        pairs, partner, records = pairs[:0], partner[:0], records[:0]
    if "SBS96" in contexts:
        result.matrices["SBS96"] += np.bincount(verdicts.sbs96[sbs], minlength=96)
    if "SBS1536" in contexts:
        full = verdicts.sbs1536[sbs]
        result.matrices["SBS1536"] += np.bincount(full[full >= 0], minlength=1536)
        result.counted_by_kind["SBS1536"] = int((full >= 0).sum())
    if "SBS288" in contexts:
        result.strand_states += np.bincount(verdicts.strand[sbs] * 96 + verdicts.sbs96[sbs],
                                            minlength=4 * 96)
        result.counted_by_kind["SBS288"] = len(sbs)
    if "DBS78" in contexts:
        doublet = (verdicts.dbs[pairs] >> 2 << 6) + (verdicts.dbs[partner] >> 2 << 4) + (
            (verdicts.dbs[pairs] & 3) << 2) + (verdicts.dbs[partner] & 3)
        channels = np.concatenate([DBS_INDEX_TABLE[doublet], verdicts.dbs[records]])
        result.matrices["DBS78"] += np.bincount(channels, minlength=78)
    if "ID83" in contexts:
        result.matrices["ID83"] += np.bincount(verdicts.indel[indels], minlength=83)
    result.counted_by_kind["SBS96"] = len(sbs)
    result.counted_by_kind["DBS78"] = len(pairs) + len(records)
    result.counted_by_kind["ID83"] = len(indels)


def _add_multi_snvs(result: SampleCatalog, snv_rows: np.ndarray, counted: np.ndarray,
                    verdicts: _Classified, options: CatalogOptions) -> None:
    """Also count in SBS the SNVs of DBS pairs and MNV runs and both bases of counted DBS
    records (SPMG-compatible mode); ``also_in_sbs`` is the number of SNVs added to SBS96."""
    records = counted[verdicts.kind[counted] == _DBS]
    sbs96 = np.concatenate([verdicts.sbs96[snv_rows], verdicts.dbs_sbs96[records].ravel()])
    sbs1536 = np.concatenate([verdicts.sbs1536[snv_rows], verdicts.dbs_sbs1536[records].ravel()])
    strand = np.concatenate([verdicts.strand[snv_rows], verdicts.dbs_strand[records].ravel()])
    valid = sbs96 >= 0
    sbs96, sbs1536, strand = sbs96[valid], sbs1536[valid], strand[valid]
    result.counted_by_kind["also_in_sbs"] = len(sbs96)
    if "SBS96" in options.contexts:
        result.matrices["SBS96"] += np.bincount(sbs96, minlength=96)
    if "SBS1536" in options.contexts:
        result.matrices["SBS1536"] += np.bincount(sbs1536[sbs1536 >= 0], minlength=1536)
        result.counted_by_kind["SBS1536"] += int((sbs1536 >= 0).sum())
    if "SBS288" in options.contexts:
        result.strand_states += np.bincount(strand * 96 + sbs96, minlength=4 * 96)
        result.counted_by_kind["SBS288"] += len(sbs96)


def _collapse_strands(strand_states: np.ndarray) -> np.ndarray:
    """SBS288 from T/U/B/N x SBS96 counts: per channel, B is split half to T and half to U,
    the odd one to T (as SPMG collapses its SBS384). Done once per sample, on all its SNVs."""
    transcribed, untranscribed, both, none = strand_states.reshape(4, 96)
    return np.concatenate([transcribed + both // 2 + both % 2, untranscribed + both // 2, none])


def _build_evidence(result: SampleCatalog, fates: _Fates, table: VariantTable,
                    verdicts: _Classified) -> None:
    """Record what the build checks need: REF mismatches and variants past a contig's end
    (the first few as ``contig:pos``), and the missing contigs with their variant counts."""
    for row in fates.with_code(_REASON["ref_mismatch"])[:5].tolist():
        result.mismatch_examples.append(
            f"{table.contig_names[table.contig[row]]}:{table.pos[row]} REF={table.ref[row]}")
    ends = fates.with_code(_REASON["contig_end"])
    beyond = ends[verdicts.beyond[ends]]
    result.beyond_end = len(beyond)
    for row in beyond[:5].tolist():
        code = int(table.contig[row])
        result.beyond_examples.append(
            f"{table.contig_names[code]}:{table.pos[row]} (contig of "
            f"{verdicts.contig_lengths.get(code, 0):,} bp)")
    missing = fates.with_code(_REASON["contig_missing"])
    result.missing_contigs = Counter(
        table.contig_names[code] for code in table.contig[missing].tolist())


def _too_many(bad: int, total: int) -> bool:
    """The build checks' rule: more than 5% and at least 3 of ``total``."""
    return total > 0 and bad >= MIN_REF_MISMATCHES_TO_FAIL \
        and bad / total > MAX_REF_MISMATCH_RATE


def check_ref_mismatch(result: SampleCatalog, reference: str | Path = "the FASTA") -> None:
    """Stop with a build-mismatch message when too many variants disagree with the FASTA.

    A disagreement is a REF that differs from the FASTA or a variant past the end of its
    contig (both impossible against the genome the variants were called on).
    """
    mismatches, beyond = result.skipped["ref_mismatch"], result.beyond_end
    bad, total = mismatches + beyond, result.checked + beyond
    if not _too_many(bad, total):
        return
    parts = []
    if mismatches:
        parts.append(f"{mismatches} have a REF that differs from the FASTA, e.g. "
                     f"{', '.join(result.mismatch_examples)}")
    if beyond:
        parts.append(f"{beyond} lie past the end of their contig, e.g. "
                     f"{', '.join(result.beyond_examples)}")
    raise InputError(
        f"sample {result.sample} ({result.source}): {bad} of {total} variants "
        f"({bad / total:.0%}) disagree with the reference {reference}: {'; '.join(parts)}. "
        "The input and the FASTA are probably different genome builds: give the FASTA the "
        "variants were called against (a VCF's ##reference and ##contig header lines name "
        "it).")


def check_contigs_missing(result: SampleCatalog, genome: ReferenceGenome) -> None:
    """Stop when too many of a sample's variants lie on contigs the FASTA does not have.

    The same rule as the REF check (more than 5% and at least 3 of the variants that reached
    the contig lookup): a few calls on decoys or patches pass, and are counted as
    ``contig_missing``; a VCF on another build or naming scheme (every contig absent) does
    not yield an all-zero catalog.
    """
    missing = result.skipped["contig_missing"]
    if not _too_many(missing, result.located):
        return
    names = ", ".join(f"{name} ({n})" for name, n in result.missing_contigs.most_common(5))
    known = list(genome.lengths)
    raise InputError(
        f"sample {result.sample} ({result.source}): {missing} of {result.located} variants "
        f"({missing / result.located:.0%}) lie on contigs that the reference FASTA "
        f"{genome.path} does not have, also under the aliases chr1/1 and chrM/MT: {names}. "
        f"The FASTA's contigs are {', '.join(known[:5])}{' ...' if len(known) > 5 else ''}. "
        "Give the FASTA the variants were called against; if those contigs are meant to be "
        "left out (decoys, patches), remove them from the input first (e.g. 'bcftools view "
        "-t ^NAME,...').")


def count_table(table: VariantTable, genome: ReferenceGenome,
                options: CatalogOptions) -> list[SampleCatalog]:
    """Count every sample of one input file.

    Raises
    ------
    InputError
        Build mismatch: header contig lengths, or in a sample too many variants whose REF
        differs from the FASTA or that lie past their contig's end, or too many on contigs
        the FASTA lacks (see the module docstring).
    """
    check_build(table, genome)
    if "-" in table.ref or "-" in table.alt:
        from sigforge.genomics.variants import anchor_maf_indels

        anchor_maf_indels(table, genome.base)
    verdicts = classify_table(table, genome, options)
    results = []
    for index in range(len(table.samples)):
        result = _count_sample(table, index, verdicts, options)
        check_contigs_missing(result, genome)
        check_ref_mismatch(result, genome.path)
        if result.variants_read == 0:
            logger.warning("sample %s: %s holds no variants for it, so its catalog columns are "
                           "all zero.", result.sample, table.source)
        results.append(result)
    return results


def count_sample(vcf_path: str | Path, genome: ReferenceGenome, *, sample: str,
                 vcf_sample: str | None = None, all_filters: bool = False,
                 contexts: Sequence[str] = ("SBS96",)) -> SampleCatalog:
    """Count one single-sample VCF (or one column of a multi-sample VCF) under a given name.

    Raises
    ------
    InputError
        Unreadable VCF, several sample columns without ``vcf_sample``, build mismatch.
    """
    table = read_input(vcf_path, vcf_sample=vcf_sample)
    if len(table.samples) > 1:
        raise InputError(f"VCF {vcf_path}: has {len(table.samples)} sample columns "
                         f"{table.samples}; say which one is the tumour (samples sheet column "
                         "'vcf_sample' or --vcf-sample).")
    result = count_table(table, genome, CatalogOptions(tuple(contexts), all_filters))[0]
    result.sample = sample
    return result


def assemble_cohort(samples: Sequence[SampleCatalog], contexts: Sequence[str] = ("SBS96",)
                    ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Stack per-sample counts into one catalog per context and a per-sample log.

    Returns
    -------
    catalogs : dict of DataFrame
        Per context, (n_channels, n_samples) int64 indexed by channel label.
    log : DataFrame
        One row per sample: source, variants_read, counted_<context> for SBS96, DBS78, ID83
        (and SBS1536/SBS288 when requested), also_in_sbs (SNVs counted a second time in SBS
        by ``multi_snvs_in_sbs``; not part of the accounting identity), one column per skip
        reason.
    """
    names = [s.sample for s in samples]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise InputError(f"sample names {duplicated} appear more than once; names must be "
                         "unique (rename with --sample-name, or one file per sample).")
    catalogs = {}
    for context in contexts:
        channels = CHANNEL_SETS[context]
        data = np.column_stack([s.matrices[context] for s in samples]) if samples else \
            np.zeros((len(channels), 0), np.int64)
        catalogs[context] = pd.DataFrame(data, index=pd.Index(channels, name="MutationType"),
                                         columns=names)
    counted = ["SBS96", "DBS78", "ID83"] + [c for c in ("SBS1536", "SBS288") if c in contexts]
    columns = ["source", "variants_read", *(f"counted_{c}" for c in counted), "also_in_sbs",
               *SKIP_REASONS]
    rows = [{"sample": s.sample, "source": s.source, "variants_read": s.variants_read,
             **{f"counted_{c}": s.counted_by_kind[c] for c in counted},
             "also_in_sbs": s.counted_by_kind["also_in_sbs"],
             **{r: s.skipped[r] for r in SKIP_REASONS}} for s in samples]
    log = pd.DataFrame(rows, columns=["sample", *columns]).set_index("sample")
    return catalogs, log

"""Sample-independent verdicts on every allele of a variant table (:func:`classify_table`).

Each allele gets its kind, its fate so far (countable, or the first skip reason that applies:
steps 2-6 of the order in :mod:`.catalog`'s docstring) and its channel in every context; each
contig of the FASTA is fetched once. What depends on the sample (FILTER, genotypes,
duplicates, adjacent SNVs) is decided later, in :mod:`.sample_counts`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np

from sigforge.genomics.accounting import (
    COUNTED,
    KIND_COMPLEX,
    KIND_DBS,
    KIND_INDEL,
    KIND_MNV,
    KIND_NO_CHANGE,
    KIND_REASON,
    KIND_SNV,
    KIND_SYMBOLIC,
    REASON_CODE,
    CatalogOptions,
)
from sigforge.genomics.annotation import BOTH, MINUS_ONLY, PLUS_ONLY, StrandAnnotation
from sigforge.genomics.contexts import (
    DBS_INDEX_TABLE,
    ID83_CHANNELS,
    SBS_CONTEXTS,
    encode,
    sbs_channel_indices,
)
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.indels import id83_label, left_aligned
from sigforge.genomics.target_regions import TargetRegions
from sigforge.genomics.variant_table import VariantTable

logger = logging.getLogger(__name__)

_ACGT = re.compile(r"^[ACGT]+$")
#: The bases a hard-masking writes over repeats: N (Ensembl's dna_rm, UCSC's .fa.masked) or
#: X (RepeatMasker -x); IUPAC ambiguity codes (R, Y...) are real, if rare, reference bases.
_MASK = frozenset("NX")
_ID83_INDEX = {label: i for i, label in enumerate(ID83_CHANNELS)}


def _kind(ref: str, alt: str) -> int:
    """The kind of one REF/ALT pair (see the module docstring)."""
    if not alt or alt[0] in "<.*" or alt[-1] == "." or "[" in alt or "]" in alt or "<" in alt:
        return KIND_SYMBOLIC  # <DEL>, C<ctg1>, breakends (incl. single ".A"/"A."), '*', missing
    if ref == alt:
        return KIND_NO_CHANGE  # not a mutation (a reference call, or REF copied into ALT)
    if ref == "-" or alt == "-":
        return KIND_INDEL  # a MAF indel whose anchor base could not be fetched
    if len(ref) == len(alt):
        if len(ref) == 1:
            return KIND_SNV
        if len(ref) == 2:
            return KIND_DBS if ref[0] != alt[0] and ref[1] != alt[1] else KIND_COMPLEX
        return KIND_MNV
    if min(len(ref), len(alt)) == 1 and ref[0] == alt[0]:
        return KIND_INDEL
    return KIND_COMPLEX


@dataclass
class Classified:
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
    #: contig code of each row with the codes of names that resolve to one FASTA contig made
    #: one ('1' and 'chr1'): duplicates and adjacent SNVs are found on the genome, not on
    #: the file's spelling
    site_contig: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    #: SNVs whose own base matches the FASTA but whose trinucleotide is incomplete (the first
    #: or last base of a contig, an N or IUPAC neighbour): skipped from SBS, yet doublets and
    #: runs need no flanking base, so they still pair with their neighbours (``dbs`` is set)
    flankless: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: ``ambiguous_base`` rows whose REF spells a base (A, C, G, T) where the FASTA has N (or
    #: X): a few lie in assembly gaps, many mean a hard-masked FASTA
    #: (:func:`~.build_checks.check_masked`)
    masked: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: The position duplicates are found at: POS, but for an ID83-counted indel the start of
    #: its leftmost spelling (:func:`leftmost_spelling`), two records of one indel written
    #: at two places of a repeat being one variant, a ``duplicate``
    site_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: By row, each ID83-counted indel's 'D' or 'I' + its unit at that leftmost spelling
    spelling: dict[int, str] = field(default_factory=dict)


def _kinds(table: VariantTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kind of every row, whether its alleles are all A/C/G/T, and single-base codes.

    The codes (A0 C1 G2 T3, else 4) of REF and ALT are filled for one-base alleles only.
    """
    n = len(table)
    ref_len = np.fromiter(map(len, table.ref), dtype=np.int64, count=n)
    alt_len = np.fromiter(map(len, table.alt), dtype=np.int64, count=n)
    kind = np.full(n, KIND_SNV, dtype=np.int8)
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
        raw_refs = np.frombuffer("".join(refs_text).encode("ascii", "replace"), np.uint8)
        ref_code[rows] = encode("".join(refs_text))
        alt_code[rows] = encode(raw_alts.tobytes())
        symbolic = (raw_alts == ord("*")) | (raw_alts == ord("."))
        kind[rows[symbolic]] = KIND_SYMBOLIC
        same = ~symbolic & (raw_refs == raw_alts)
        kind[rows[same]] = KIND_NO_CHANGE
        clean[rows] = (ref_code[rows] < 4) & (alt_code[rows] < 4)
        # A one-base MAF indel left unanchored (a deletion of a contig's first base): an
        # indel, so that it is skipped as ``contig_end``, not for its '-' as a base.
        dash = ~symbolic & ~same & ((raw_refs == ord("-")) | (raw_alts == ord("-")))
        kind[rows[dash]] = KIND_INDEL
        clean[rows[dash]] = True
    for row in np.flatnonzero(~single).tolist():
        ref, alt = table.ref[row], table.alt[row]
        kind[row] = _kind(ref, alt)
        if kind[row] in (KIND_DBS, KIND_INDEL) and "-" not in (ref, alt):
            clean[row] = bool(_ACGT.match(ref) and _ACGT.match(alt))
    return kind, clean, ref_code, alt_code


def _wanted(kind: np.ndarray, contexts: tuple[str, ...]) -> np.ndarray:
    """Whether some requested context counts each row's kind."""
    sbs = bool(SBS_CONTEXTS.intersection(contexts))
    dbs, indel = "DBS78" in contexts, "ID83" in contexts
    return (((kind == KIND_SNV) & (sbs or dbs)) | ((kind == KIND_DBS) & dbs)
            | ((kind == KIND_INDEL) & indel) | (kind >= KIND_MNV))


def _classify_snvs(rows: np.ndarray, table: VariantTable, codes: np.ndarray, text: str,
                   contig: str, out: Classified, annotation: StrandAnnotation | None) -> None:
    """Context checks and channel indices of the SNV rows on one contig (vectorised)."""
    p = table.pos[rows] - 1
    n = len(codes)
    on_contig = p <= n - 1
    out.fate[rows[~on_contig]] = REASON_CODE["contig_end"]
    out.beyond[rows[~on_contig]] = True
    rows, p = rows[on_contig], p[on_contig]
    _warn_odd_bases(text, contig, p[(codes[p] > 3) | (codes[np.maximum(p - 1, 0)] > 3)
                                    | (codes[np.minimum(p + 1, n - 1)] > 3)])
    ref, alt = out.ref_code[rows], out.alt_code[rows]
    out.checked[rows] = True
    # the FASTA's own base is N or another IUPAC code (R, Y...): the REF cannot be checked
    # against it, which is no sign of another build
    unknown = codes[p] > 3
    out.fate[rows[unknown]] = REASON_CODE["ambiguous_base"]
    out.masked[rows[unknown]] = [text[i] in _MASK for i in p[unknown].tolist()]
    mismatch = ~unknown & (codes[p] != ref)
    out.fate[rows[mismatch]] = REASON_CODE["ref_mismatch"]
    keep = ~unknown & ~mismatch
    rows, p, ref, alt = rows[keep], p[keep], ref[keep], alt[keep]
    out.dbs[rows] = ref.astype(np.int64) * 4 + alt  # a doublet needs no flanking base
    edge = (p == 0) | (p == n - 1)
    out.fate[rows[edge]] = REASON_CODE["contig_end"]
    out.flankless[rows[edge]] = True
    rows, p, ref, alt = rows[~edge], p[~edge], ref[~edge], alt[~edge]
    five1, three1 = codes[p - 1], codes[p + 1]
    ambiguous = (five1 > 3) | (three1 > 3)
    out.fate[rows[ambiguous]] = REASON_CODE["ambiguous_base"]
    out.flankless[rows[ambiguous]] = True
    keep = ~ambiguous
    rows, p, ref, alt, five1, three1 = (x[keep] for x in (rows, p, ref, alt, five1, three1))
    sbs96, sbs1536, strand = _sbs_channels(codes, p, ref, alt, contig, annotation)
    out.sbs96[rows], out.sbs1536[rows], out.strand[rows] = sbs96, sbs1536, strand


#: What a FASTA base may be: a base or an IUPAC code (N, R, Y...), in either case.
_IUPAC = frozenset("ACGTNRYKMSWBDHVacgtnrykmswbdhv")


def _warn_odd_bases(text: str, contig: str, positions: np.ndarray) -> None:
    """Warn once per contig when the FASTA has a character that is no base or IUPAC code
    ('*', '-', '.', a digit, U) at or beside an SNV (0-based ``positions``, where the codes
    say 'not A, C, G or T'): the SNV is then ambiguous_base, as beside an N, but the FASTA is
    an alignment or damaged, which the user should know. Looked at only there: scanning
    every contig for them would cost every catalog job seconds."""
    for p in positions.tolist():
        odd = next((text[i] for i in (p - 1, p, p + 1)
                    if 0 <= i < len(text) and text[i] not in _IUPAC), None)
        if odd is not None:
            logger.warning("reference FASTA: contig %s holds %r at or beside position %d, which "
                           "is no base or IUPAC code (an alignment's gap, or a damaged file?); "
                           "the variants beside such characters are counted as "
                           "ambiguous_base. Check the FASTA.", contig, odd, p + 1)
            return


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
                        out: Classified, annotation: StrandAnnotation | None) -> None:
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


def _classify_others(rows: np.ndarray, table: VariantTable, text: str, out: Classified) -> None:
    """REF checks and channel indices of the DBS-record and indel rows on one contig."""
    n = len(text)
    for row in rows.tolist():
        pos, ref, alt = int(table.pos[row]), table.ref[row], table.alt[row]
        unanchored = "-" in (ref, alt)
        if unanchored or pos < 1 or pos - 1 + len(ref) > n:
            out.fate[row] = REASON_CODE["contig_end"]
            out.beyond[row] = pos > n or not unanchored and pos - 1 + len(ref) > n
            continue
        out.checked[row] = True
        spanned = text[pos - 1:pos - 1 + len(ref)]
        if spanned != ref and not _ACGT.match(spanned):
            # N or IUPAC in the FASTA under REF: unknown, not evidence of another build
            out.fate[row] = REASON_CODE["ambiguous_base"]
            out.masked[row] = any(base in _MASK for base in spanned)
        elif spanned != ref:
            out.fate[row] = REASON_CODE["ref_mismatch"]
        elif out.kind[row] == KIND_DBS:
            code = (encode(ref).astype(np.int64) << np.array([6, 4])).sum() + (
                encode(alt).astype(np.int64) << np.array([2, 0])).sum()
            out.dbs[row] = DBS_INDEX_TABLE[code]
        else:
            out.indel[row] = _ID83_INDEX[id83_label(text, pos, ref, alt)]  # type: ignore[index]
            out.site_pos[row], out.spelling[row] = leftmost_spelling(text, pos, ref, alt)


def _check_padding(rows: np.ndarray, table: VariantTable, text: str, out: Classified) -> None:
    """Check the REF of trimmed rows as written (:attr:`VariantTable.padding`) against the
    FASTA: the flanking bases REF and ALT share are part of the record's claim about the
    genome, so a wrong one is a ``ref_mismatch`` (and counts towards the build check), one
    running past the contig's end a ``contig_end``, one over an N an ``ambiguous_base``. Only
    rows still to be counted change: the trimmed allele's own fate stands otherwise."""
    for row in rows.tolist():
        if row not in table.padding or not (out.fate[row] == COUNTED or out.flankless[row]):
            continue
        pos, ref = table.padding[row]
        spanned = text[pos - 1:pos - 1 + len(ref)]
        if spanned == ref:
            continue
        out.flankless[row] = False
        out.sbs96[row] = out.sbs1536[row] = out.indel[row] = out.dbs[row] = -1
        if len(spanned) < len(ref):
            out.fate[row], out.beyond[row] = REASON_CODE["contig_end"], True
        elif not _ACGT.match(spanned):
            out.fate[row] = REASON_CODE["ambiguous_base"]
            out.masked[row] = any(base in _MASK for base in spanned)
        else:
            out.fate[row], out.checked[row] = REASON_CODE["ref_mismatch"], True


#: Bases an indel is walked left for its leftmost spelling (:func:`leftmost_spelling`). Two
#: spellings further apart (in a longer tract) stay two variants: the walk costs per base,
#: and a tract holding many indels would make it quadratic (its ID83 channel needs a walk of
#: at most six units: :func:`~sigforge.genomics.contexts.id83_label`).
SPELLING_WALK = 200


def leftmost_spelling(text: str, pos: int, ref: str, alt: str) -> tuple[int, str]:
    """A simple anchored indel's leftmost spelling, as ``bcftools norm -f`` writes it: the
    1-based position where its bases start and 'D' or 'I' followed by the (rotated) unit.
    One caller's left-aligned ``CA>C`` at 11 and another's ``AA>A`` at 12 in ``CAAAT``
    give the same spelling, so a file holding both counts the deletion once."""
    deletion = len(ref) > len(alt)
    start, unit = left_aligned(text, pos, ref[1:] if deletion else alt[1:],
                               max_steps=SPELLING_WALK)
    return start + 1, ("D" if deletion else "I") + unit


def _mark_outside(rows: np.ndarray, table: VariantTable, contig: str, regions: TargetRegions,
                  out: Classified) -> None:
    """Countable rows whose POS lies outside the targeted regions become ``outside_regions``
    (after the REF checks, so the build checks still see every variant)."""
    inside = regions.contains(contig, table.pos[rows])
    out.fate[rows[~inside]] = REASON_CODE["outside_regions"]


def _site_contigs(table: VariantTable, genome: ReferenceGenome) -> np.ndarray:
    """Each row's contig code, the codes of spellings that resolve to one FASTA contig
    ('1' and 'chr1', 'MT' and 'chrM' where only one is in the FASTA) replaced by the first
    of them; a contig absent from the FASTA keeps its own code."""
    canonical = np.arange(len(table.contig_names), dtype=np.int32)
    first: dict[str, int] = {}
    for code in np.unique(table.contig).tolist():
        name = genome.resolve(table.contig_names[code])
        if name is not None:
            canonical[code] = first.setdefault(name, code)
    return canonical[table.contig]


def classify_table(table: VariantTable, genome: ReferenceGenome,
                   options: CatalogOptions) -> Classified:
    """Sample-independent verdicts for every allele of a table (each contig fetched once)."""
    n = len(table)
    kind, clean, ref_code, alt_code = _kinds(table)
    site_contig = _site_contigs(table, genome)
    # The narrowest types that hold the codes: a million rows then fill 24 MB, not 104
    # (channel indices are combined with small multiples only: strand * 96 + sbs96).
    out = Classified(fate=np.zeros(n, np.int8), kind=kind, sbs96=np.full(n, -1, np.int16),
                      sbs1536=np.full(n, -1, np.int16), strand=np.full(n, 3, np.int16),
                      dbs=np.full(n, -1, np.int16), indel=np.full(n, -1, np.int16),
                      checked=np.zeros(n, bool), located=np.zeros(n, bool),
                      beyond=np.zeros(n, bool), ref_code=ref_code, alt_code=alt_code,
                      dbs_sbs96=np.full((n, 2), -1, np.int16),
                      dbs_sbs1536=np.full((n, 2), -1, np.int16),
                      dbs_strand=np.full((n, 2), 3, np.int16), site_contig=site_contig,
                      flankless=np.zeros(n, bool), site_pos=table.pos.astype(np.int64),
                      masked=np.zeros(n, bool))
    for code, reason in KIND_REASON.items():
        out.fate[kind == code] = REASON_CODE[reason]
    pending = out.fate == COUNTED
    out.fate[pending & ~_wanted(kind, options.contexts)] = REASON_CODE["not_requested"]
    pending = out.fate == COUNTED
    out.fate[pending & ~clean] = REASON_CODE["ambiguous_base"]
    pending = out.fate == COUNTED
    out.located[pending] = True
    annotation = options.annotation if "SBS288" in options.contexts else None
    for contig_code in np.unique(table.contig[pending]).tolist():
        on_contig = pending & (table.contig == contig_code)
        name = genome.resolve(table.contig_names[contig_code])
        if name is None:
            out.fate[on_contig] = REASON_CODE["contig_missing"]
            continue
        text, codes = genome.sequence(name)
        out.contig_lengths[contig_code] = len(text)
        _classify_snvs(np.flatnonzero(on_contig & (kind == KIND_SNV)), table, codes, text,
                       name, out, annotation)
        _classify_others(np.flatnonzero(on_contig & (kind != KIND_SNV)), table, text, out)
        if table.padding:
            _check_padding(np.flatnonzero(on_contig), table, text, out)
        if options.regions is not None:  # flankless SNVs too: they may still pair
            _mark_outside(np.flatnonzero(on_contig & ((out.fate == COUNTED) | out.flankless)),
                          table, name, options.regions, out)
        if options.multi_snvs_in_sbs:
            _classify_dbs_bases(np.flatnonzero(on_contig & (kind == KIND_DBS) & (out.fate == 0)),
                                table, codes, name, out, annotation)
    return out

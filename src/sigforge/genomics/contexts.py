"""Mutation channel definitions in the SigProfiler/COSMIC standard order.

SBS96 channels are pyrimidine-centred trinucleotide contexts written ``5'[REF>ALT]3'``
(for example ``A[C>A]A``). The standard order -- the one SigProfilerMatrixGenerator writes
and SigProfilerAssignment's COSMIC tables use -- sorts by the 5' base, then the substitution,
then the 3' base.

Provenance of the order: ``COSMIC_v3.6_SBS_GRCh37.txt`` in the sigprofilerassignment 1.1.5 wheel
(first column), identical to SigProfilerMatrixGenerator's ``*.SBS96.all`` row order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

BASES = "ACGT"
PYRIMIDINES = "CT"
SUBSTITUTIONS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def reverse_complement(seq: str) -> str:
    """Return the reverse complement of an upper-case DNA string (N stays N)."""
    return seq.translate(_COMPLEMENT)[::-1]


SBS96_CHANNELS: tuple[str, ...] = tuple(
    f"{five}[{sub}]{three}" for five in BASES for sub in SUBSTITUTIONS for three in BASES
)
SBS96_INDEX: dict[str, int] = {label: i for i, label in enumerate(SBS96_CHANNELS)}

#: DBS78 labels ``REF>ALT`` in the COSMIC order (first column of COSMIC_v3.6_DBS_GRCh37.txt in
#: the sigprofilerassignment 1.1.5 wheel). Listed, not generated: for the four palindromic
#: reference dinucleotides COSMIC keeps one strand's alt per pair, and not by a simple rule.
_DBS78_ALTS = {
    "AC": "CA CG CT GA GG GT TA TG TT", "AT": "CA CC CG GA GC TA",
    "CC": "AA AG AT GA GG GT TA TG TT", "CG": "AT GC GT TA TC TT",
    "CT": "AA AC AG GA GC GG TA TC TG", "GC": "AA AG AT CA CG TA",
    "TA": "AT CG CT GC GG GT", "TC": "AA AG AT CA CG CT GA GG GT",
    "TG": "AA AC AT CA CC CT GA GC GT", "TT": "AA AC AG CA CC CG GA GC GG",
}
DBS78_CHANNELS: tuple[str, ...] = tuple(
    f"{ref}>{alt}" for ref, alts in _DBS78_ALTS.items() for alt in alts.split())


def _id83_channels() -> tuple[str, ...]:
    """ID83 labels ``size:Del|Ins:C|T|R|M:count`` in the COSMIC/SigProfiler order."""
    labels = [f"1:{kind}:{base}:{n}" for kind in ("Del", "Ins") for base in "CT"
              for n in range(6)]
    labels += [f"{size}:{kind}:R:{n}" for kind in ("Del", "Ins") for size in range(2, 6)
               for n in range(6)]
    labels += [f"{size}:Del:M:{n}" for size in range(2, 6) for n in range(1, size)]
    labels.append("5:Del:M:5")  # microhomology of 5+ bases is possible only for 5+-bp deletions
    return tuple(labels)


#: ID83 labels in the COSMIC order (first column of COSMIC_v3.6_ID_GRCh37.txt).
ID83_CHANNELS: tuple[str, ...] = _id83_channels()

#: SBS1536 labels ``AA[C>A]AA`` (pentanucleotide) in SigProfilerMatrixGenerator's order, which is
#: the labels' sort order: 5'-2, 5'-1, substitution, 3'+1, 3'+2.
SBS1536_CHANNELS: tuple[str, ...] = tuple(
    f"{a}{b}[{sub}]{c}{d}" for a in BASES for b in BASES for sub in SUBSTITUTIONS
    for c in BASES for d in BASES)

#: Transcriptional-strand prefixes of SBS288, in SigProfilerMatrixGenerator's order: T
#: (transcribed), U (untranscribed), N (outside genes). SPMG's fourth state B (genes on both
#: strands) is not a channel: per sample and channel, B counts are split half to T and half to
#: U, the odd one to T (as SPMG collapses its 384 matrix into 288).
STRANDS = "TUN"
SBS288_CHANNELS: tuple[str, ...] = tuple(
    f"{strand}:{label}" for strand in STRANDS for label in SBS96_CHANNELS)

CHANNEL_SETS: dict[str, tuple[str, ...]] = {
    "SBS96": SBS96_CHANNELS, "DBS78": DBS78_CHANNELS, "ID83": ID83_CHANNELS,
    "SBS1536": SBS1536_CHANNELS, "SBS288": SBS288_CHANNELS}

_CHANNEL_SET_MEMBERS: dict[str, frozenset[str]] = {
    name: frozenset(channels) for name, channels in CHANNEL_SETS.items()}
_ID83_MEMBERS = _CHANNEL_SET_MEMBERS["ID83"]
_DBS78_MEMBERS = _CHANNEL_SET_MEMBERS["DBS78"]

#: The contexts ``sigforge catalog`` can count, in the order their files are written.
CATALOG_CONTEXTS = ("SBS96", "SBS288", "SBS1536", "DBS78", "ID83")
#: Contexts counted from single-base substitutions.
SBS_CONTEXTS = frozenset({"SBS96", "SBS288", "SBS1536"})

#: Byte -> base code (A0 C1 G2 T3; anything else, N included, 4), for vectorised lookups.
BASE_CODE = np.full(256, 4, dtype=np.uint8)
for _code, _base in enumerate(BASES):
    BASE_CODE[ord(_base)] = _code
    BASE_CODE[ord(_base.lower())] = _code


_BASE_CODE_TABLE = BASE_CODE.tobytes()


def encode(sequence: str | bytes) -> np.ndarray:
    """A DNA string as an array of base codes (A0 C1 G2 T3, other 4); ``bytes.translate``
    does it at twice the speed of a numpy lookup (a whole chromosome per call)."""
    raw = sequence.encode("ascii") if isinstance(sequence, str) else sequence
    return np.frombuffer(bytearray(raw).translate(_BASE_CODE_TABLE), dtype=np.uint8)


def sbs_channel_indices(five2: np.ndarray, five1: np.ndarray, ref: np.ndarray, alt: np.ndarray,
                        three1: np.ndarray, three2: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised SBS classification from forward-strand base codes (all in 0..3, ref != alt).

    Returns
    -------
    sbs96, sbs1536 : ndarray of int64
        Indices into :data:`SBS96_CHANNELS` and :data:`SBS1536_CHANNELS` (the 5'-2 and 3'+2
        codes only enter the second; pass zeros when unknown).
    flipped : ndarray of bool
        Whether the variant was reverse-complemented to its pyrimidine reference (needed to
        turn a forward-strand gene orientation into T/U).
    """
    flipped = (ref == 0) | (ref == 2)  # A or G: classify the reverse complement
    f2 = np.where(flipped, 3 - three2, five2).astype(np.int64)
    f1 = np.where(flipped, 3 - three1, five1).astype(np.int64)
    t1 = np.where(flipped, 3 - five1, three1).astype(np.int64)
    t2 = np.where(flipped, 3 - five2, three2).astype(np.int64)
    r = np.where(flipped, 3 - ref, ref).astype(np.int64)
    a = np.where(flipped, 3 - alt, alt).astype(np.int64)
    substitution = np.where(r == 1, 0, 3) + a - (a > r)
    sbs96 = f1 * 24 + substitution * 4 + t1
    sbs1536 = ((f2 * 4 + f1) * 6 + substitution) * 16 + t1 * 4 + t2
    return sbs96, sbs1536, flipped


def _dbs_lookup() -> np.ndarray:
    """Table from ``ref1*64 + ref2*16 + alt1*4 + alt2`` to a DBS78 index (-1: not a DBS)."""
    index = {label: i for i, label in enumerate(DBS78_CHANNELS)}
    table = np.full(256, -1, dtype=np.int64)
    for code in range(256):
        r1, r2, a1, a2 = (code >> 6) & 3, (code >> 4) & 3, (code >> 2) & 3, code & 3
        if r1 == a1 or r2 == a2:
            continue
        ref, alt = BASES[r1] + BASES[r2], BASES[a1] + BASES[a2]
        label = f"{ref}>{alt}"
        if label not in index:
            label = f"{reverse_complement(ref)}>{reverse_complement(alt)}"
        table[code] = index[label]
    return table


#: See :func:`_dbs_lookup`; every doublet with both bases changed maps to one of the 78.
DBS_INDEX_TABLE = _dbs_lookup()


def dbs78_label(ref: str, alt: str) -> str | None:
    """The DBS78 label of a doublet substitution (either strand), or None if it is not one."""
    if len(ref) != 2 or len(alt) != 2 or any(b not in BASES for b in ref + alt):
        return None
    code = (BASES.index(ref[0]) << 6) | (BASES.index(ref[1]) << 4) | (
        BASES.index(alt[0]) << 2) | BASES.index(alt[1])
    index = int(DBS_INDEX_TABLE[code])
    return DBS78_CHANNELS[index] if index >= 0 else None


_PCAWG_TRINUC = re.compile(r"^([ACGT])([ACGT])([ACGT])$")
_ARROW_STYLE = re.compile(r"^([ACGT])([CT])([ACGT])>([ACGT])([ACGT])([ACGT])$")


def sbs96_label(context: str, alt: str) -> str | None:
    """Classify one SNV into its SBS96 channel label.

    Parameters
    ----------
    context : str
        The reference trinucleotide centred on the variant, upper case, forward strand.
    alt : str
        The alternate base on the forward strand.

    Returns
    -------
    str or None
        The pyrimidine-centred label such as ``A[C>A]A``, or None when the context holds a
        base other than A/C/G/T (the caller counts those as skipped).
    """
    if len(context) != 3 or any(b not in BASES for b in context) or alt not in BASES:
        return None
    ref = context[1]
    if ref not in PYRIMIDINES:
        context = reverse_complement(context)
        alt = reverse_complement(alt)
        ref = context[1]
    return f"{context[0]}[{ref}>{alt}]{context[2]}"


def normalise_sbs96_label(label: str) -> str | None:
    """Map one of the SBS96 label styles in common use to the standard ``A[C>A]A`` form.

    Accepted styles: ``A[C>A]A`` (SigProfiler/COSMIC), ``ACA>AAA`` (arrow style), and the
    PCAWG two-column style joined as ``C>A:ACA``. Returns None for anything else.
    """
    label = label.strip()
    if label in SBS96_INDEX:
        return label
    arrow = _ARROW_STYLE.match(label)
    if arrow:
        five, ref, three, five2, alt, three2 = arrow.groups()
        if (five, three) == (five2, three2) and ref != alt:
            candidate = f"{five}[{ref}>{alt}]{three}"
            return candidate if candidate in SBS96_INDEX else None
        return None
    if ":" in label:
        substitution, trinucleotide = label.split(":", 1)
        tri = _PCAWG_TRINUC.match(trinucleotide.strip())
        if tri and substitution.strip() in SUBSTITUTIONS and tri.group(2) == substitution[0]:
            candidate = f"{tri.group(1)}[{substitution.strip()}]{tri.group(3)}"
            return candidate if candidate in SBS96_INDEX else None
    return None


#: ID83 labels in the naming of SigProfiler's and COSMIC's downloads before COSMIC v3.1
#: (``DEL_C_1_0``, ``INS_T_1_5+``, ``DEL_repeats_2_0``, ``DEL_MH_5+_5+``) and of ICAMS/mSigAct
#: (the same with ``:``: ``DEL:C:1:0``, ``DEL:repeats:5+:0``): KIND_UNIT_SIZE_COUNT, ``+``
#: marking the open classes (size or count 5 and more).
#:
#: Provenance of the mapping: ``sigProfiler_ID_signatures.csv`` of Alexandrov et al. 2020
#: (Nature 578:94; Synapse syn11738319) lists its 83 rows as DEL_C_1_0..5+, DEL_T_1_0..5+,
#: INS_C_1_0..5+, INS_T_1_0..5+, DEL_repeats_2..5+_0..5+, INS_repeats_2..5+_0..5+,
#: DEL_MH_2_1 ... DEL_MH_5+_5+, which is COSMIC v3's ``COSMIC_v3.x_ID_GRCh37.txt`` row order
#: (:data:`ID83_CHANNELS`: 1:Del:C:0..5, 1:Del:T, 1:Ins:C, 1:Ins:T, 2..5:Del:R:0..5,
#: 2..5:Ins:R:0..5, 2:Del:M:1 ... 5:Del:M:5) row for row under this renaming: DEL/INS ->
#: Del/Ins, C/T (1-bp events) unchanged, ``repeats`` -> R, ``MH`` -> M, the numbers
#: unchanged without their ``+`` (SigProfilerMatrixGenerator's ID83 counts 0..5 the same
#: adjacent repeat units in both namings). tests/robustness/test_redteam_formats_tables.py
#: checks that the 83 labels in that order map onto ID83_CHANNELS in order.
_ID83_OLD_STYLE = re.compile(
    r"^(DEL|INS)([_:])(C|T|repeats|MH)\2(1|[2-4]|5\+)\2([0-4]|5\+)$", re.IGNORECASE)
_ID83_UNITS = {"c": "C", "t": "T", "repeats": "R", "mh": "M"}


def normalise_id83_label(label: str) -> str | None:
    """Map one of the ID83 label styles in common use to the standard ``1:Del:C:0`` form.

    Accepted styles: ``1:Del:C:0`` (COSMIC v3.1+, SigProfilerMatrixGenerator) and
    ``DEL_C_1_0`` / ``DEL:C:1:0`` (older SigProfiler and COSMIC downloads, ICAMS; see
    :data:`_ID83_OLD_STYLE`). Returns None for anything else.
    """
    label = label.strip()
    if label in _ID83_MEMBERS:
        return label
    old = _ID83_OLD_STYLE.match(label)
    if old is None:
        return None
    kind, _, unit, size, count = old.groups()
    unit = _ID83_UNITS[unit.lower()]
    if (size == "1") != (unit in "CT"):
        return None
    candidate = f"{size.rstrip('+')}:{kind.capitalize()}:{unit}:{count.rstrip('+')}"
    return candidate if candidate in _ID83_MEMBERS else None


def normalise_dbs78_label(label: str) -> str | None:
    """Map a DBS78 label to the standard ``AC>CA`` form: that form, or PCAWG's ``Ref`` and
    ``Var`` columns joined as ``AC:CA`` (``WGS_PCAWG.dinucs.csv``; see
    :data:`sigforge._text_tables.MULTI_LABEL_LAYOUTS`). Returns None for anything else."""
    label = label.strip()
    if label in _DBS78_MEMBERS:
        return label
    ref, colon, alt = label.partition(":")
    candidate = f"{ref.strip()}>{alt.strip()}"
    return candidate if colon and candidate in _DBS78_MEMBERS else None


#: What each accepted label style is called in messages, by channel set.
LABEL_STYLES = {
    "SBS96": {"standard": "A[C>A]A", "arrow": "ACA>AAA", "pcawg": "PCAWG's C>A + ACA"},
    "ID83": {"standard": "1:Del:C:0",
             "old": "DEL_C_1_0 (older SigProfiler/COSMIC downloads, and PCAWG's Type + "
                    "Subtype + Indel_size + Repeat_MH_size; sizes of five or more as 5+)"},
    "DBS78": {"standard": "AC>CA", "pcawg": "PCAWG's Ref + Var (AC, CA)"},
}


def label_style(name: str, labels: list[str]) -> str | None:
    """The accepted label style most of ``labels`` are written in, for messages naming what
    a table holds (``"DEL_C_1_0 (older SigProfiler/COSMIC downloads, ...)"``); None for the
    standard style or an unknown set."""
    if name == "ID83":
        old = sum(bool(_ID83_OLD_STYLE.match(label.strip())) for label in labels)
        return LABEL_STYLES["ID83"]["old"] if old > len(labels) / 2 else None
    if name == "DBS78":
        pcawg = sum(":" in label for label in labels)
        return LABEL_STYLES["DBS78"]["pcawg"] if pcawg > len(labels) / 2 else None
    if name == "SBS96":
        arrow = sum(bool(_ARROW_STYLE.match(label.strip())) for label in labels)
        pcawg = sum(":" in label for label in labels)
        if max(arrow, pcawg) > len(labels) / 2:
            return LABEL_STYLES["SBS96"]["arrow" if arrow >= pcawg else "pcawg"]
    return None


def detect_channel_set(labels: list[str]) -> tuple[str, list[str]] | None:
    """Recognise a full known channel set among ``labels`` in any supported label style.

    Returns
    -------
    (name, standard_labels) or None
        The channel-set name (``"SBS96"``, ``"DBS78"``, ``"ID83"``, ``"SBS288"``,
        ``"SBS1536"``) and each input label in standard form, or None when the labels are not
        exactly one known channel set (see :func:`closest_channel_set` for partial matches).
    """
    match = closest_channel_set(labels)
    if match is None or not match.complete:
        return None
    return match.name, [label for label in match.standard if label is not None]


#: A table is "mostly" a channel set when at least this share of its labels are channels of
#: that set (in any accepted style) ...
MOSTLY_SHARE = 0.5
#: ... and at least this many of them are (so a small generic table with one or two
#: channel-like feature names stays generic).
MOSTLY_MIN_LABELS = 4


@dataclass(frozen=True)
class ChannelSetMatch:
    """How the row labels of a table relate to the known channel set they mostly belong to.

    Attributes
    ----------
    name : str
        The channel set (``"SBS96"``, ...).
    standard : list of str or None
        Each input label in the set's standard form; None for a label outside the set.
    missing : list of str
        Channels of the set no label stands for, in standard order.
    extra : list of int
        Positions (0-based) of the input labels outside the set.
    repeated : list of int
        Positions of labels that name a channel an earlier label already named (another style
        of the same channel, for example ``A[C>A]A`` and ``ACA>AAA``).
    """

    name: str
    standard: list[str | None]
    missing: list[str]
    extra: list[int]
    repeated: list[int]

    @property
    def complete(self) -> bool:
        """True when the labels are exactly the channel set, each channel once."""
        return not (self.missing or self.extra or self.repeated)


def _standard_label(name: str, label: str) -> str | None:
    """``label`` in the standard form of channel set ``name``, or None if it is not a channel.

    SBS96 accepts every style of :func:`normalise_sbs96_label`; SBS288 accepts a strand prefix
    (``T:``, ``U:``, ``N:``) followed by any of those styles; ID83 every style of
    :func:`normalise_id83_label`, DBS78 those of :func:`normalise_dbs78_label`; the other sets
    take their standard labels (surrounding spaces ignored).
    """
    label = label.strip()
    if name == "SBS96":
        return normalise_sbs96_label(label)
    if name == "ID83":
        return normalise_id83_label(label)
    if name == "DBS78":
        return normalise_dbs78_label(label)
    if name == "SBS288" and label[:2] in ("T:", "U:", "N:"):
        sbs96 = normalise_sbs96_label(label[2:])
        return f"{label[:2]}{sbs96}" if sbs96 is not None else None
    return label if label in _CHANNEL_SET_MEMBERS[name] else None


def _match(name: str, labels: list[str]) -> ChannelSetMatch:
    """Compare ``labels`` with channel set ``name``: standard forms, missing, extra, repeats."""
    standard = [_standard_label(name, label) for label in labels]
    seen: set[str] = set()
    repeated = []
    for position, label in enumerate(standard):
        if label is None:
            continue
        if label in seen:
            repeated.append(position)
        seen.add(label)
    missing = [channel for channel in CHANNEL_SETS[name] if channel not in seen]
    extra = [position for position, label in enumerate(standard) if label is None]
    return ChannelSetMatch(name, standard, missing, extra, repeated)


def closest_channel_set(labels: list[str]) -> ChannelSetMatch | None:
    """The known channel set the labels mostly belong to, complete or not; None if none.

    A table is *mostly* channel set S when at least :data:`MOSTLY_SHARE` of its labels, and at
    least :data:`MOSTLY_MIN_LABELS` of them, are channels of S in an accepted style. Such a
    table is meant to be a catalog or signature table of S, so a missing or unknown row is an
    error for the reader to report, not a reason to treat the table as a generic matrix.
    """
    best: ChannelSetMatch | None = None
    best_count = 0
    for name in CHANNEL_SETS:
        match = _match(name, labels)
        count = len(labels) - len(match.extra)
        if count > best_count:
            best, best_count = match, count
    if best is None or best_count < max(MOSTLY_MIN_LABELS, MOSTLY_SHARE * len(labels)):
        return None
    return best


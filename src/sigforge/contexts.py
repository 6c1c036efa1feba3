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

BASES = "ACGT"
PYRIMIDINES = "CT"
SUBSTITUTIONS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")

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

CHANNEL_SETS: dict[str, tuple[str, ...]] = {
    "SBS96": SBS96_CHANNELS, "DBS78": DBS78_CHANNELS, "ID83": ID83_CHANNELS}

_PCAWG_TRINUC = re.compile(r"^([ACGT])([ACGT])([ACGT])$")
_ARROW_STYLE = re.compile(r"^([ACGT])([CT])([ACGT])>([ACGT])([ACGT])([ACGT])$")


def reverse_complement(seq: str) -> str:
    """Return the reverse complement of an upper-case DNA string (N stays N)."""
    return seq.translate(_COMPLEMENT)[::-1]


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


def detect_channel_set(labels: list[str]) -> tuple[str, list[str]] | None:
    """Recognise a full known channel set among ``labels`` in any supported label style.

    Returns
    -------
    (name, standard_labels) or None
        The channel-set name (``"SBS96"``, ``"DBS78"``, ``"ID83"``) and each input label in
        standard form, or None when
        the labels are not exactly one known channel set (the table is then a generic matrix).
    """
    stripped = [label.strip() for label in labels]
    for name in ("DBS78", "ID83"):
        if len(stripped) == len(CHANNEL_SETS[name]) and set(stripped) == set(CHANNEL_SETS[name]):
            return name, stripped
    normalised = [normalise_sbs96_label(label) for label in labels]
    if None in normalised:
        return None
    standard = [label for label in normalised if label is not None]
    if len(standard) == len(SBS96_CHANNELS) and set(standard) == set(SBS96_CHANNELS):
        return "SBS96", standard
    return None

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

CHANNEL_SETS: dict[str, tuple[str, ...]] = {"SBS96": SBS96_CHANNELS}

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
        The channel-set name (``"SBS96"``) and each input label in standard form, or None when
        the labels are not exactly one known channel set (the table is then a generic matrix).
    """
    normalised = [normalise_sbs96_label(label) for label in labels]
    if None in normalised:
        return None
    standard = [label for label in normalised if label is not None]
    if len(standard) == len(SBS96_CHANNELS) and set(standard) == set(SBS96_CHANNELS):
        return "SBS96", standard
    return None

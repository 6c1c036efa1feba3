"""Planted indels of the embedded example: ID83 sites in the synthetic genome and their draws.

Every ID83 channel a planted indel signature uses gets a list of *sites*: an anchored VCF indel
(POS, REF, ALT) whose reference context sigforge's classifier (``id83_label``) puts in exactly
that channel. Sites are found by classifying candidate indels at random anchors of the random
contigs; a channel with too few such natural sites (long repeats, long microhomology) gets
designed *tracts* instead, short sequences built to realise it, laid end to end in one extra
contig. Each indel drawn for a channel goes to a random site of that channel that is clear of
the sample's other variants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigforge.genomics.contexts import ID83_CHANNELS
from sigforge.genomics.indels import id83_label

#: Indel signature accompanying a planted SBS signature, and indels per 100 of its SNVs.
ID_COMPANIONS: dict[str, tuple[str, float]] = {"SBS4": ("ID3", 15.0), "SBS7a": ("ID13", 15.0)}
#: Indels draw from their own stream, so SNVs and doublets are exactly those drawn before.
ID_STREAM = 83
#: Random anchors whose candidate indels are classified to find natural sites.
SITE_ANCHORS = 20_000
#: A channel with fewer natural sites than this is realised by designed tracts only.
MIN_NATURAL_SITES = 40
#: Designed tracts per such channel (more than any sample draws of one rare channel).
TRACTS_PER_CHANNEL = 20
#: Random bases either side of a tract's core, and between tracts.
TRACT_FLANK = 10
#: The contig holding the designed tracts.
TRACT_CONTIG = "chr4"
#: No other variant within this many bases of an indel's REF span.
ID_CLEARANCE = 5
BASES = "ACGT"
_ID83_INDEX = {label: i for i, label in enumerate(ID83_CHANNELS)}


@dataclass(frozen=True)
class Site:
    """One realisable indel: global 0-based anchor position and anchored REF/ALT."""

    gpos: int
    ref: str
    alt: str


def candidate_indels(seq: str, p: int, random_bases: str) -> list[tuple[str, str]]:
    """Anchored (REF, ALT) candidates at 0-based anchor ``p``: deletions of 1-6 bases, and
    insertions of 1-5 bases duplicating the next bases, the previous bases or a prefix of
    ``random_bases``."""
    out = [(seq[p:p + 1 + s], seq[p]) for s in range(1, 7)]
    for s in range(1, 6):
        random_unit = random_bases[:s]
        for unit in (seq[p + 1:p + 1 + s], seq[p + 1 - s:p + 1], random_unit):
            out.append((seq[p], seq[p] + unit))
    return out


def natural_sites(rng: np.random.Generator, names: list[str], seqs: list[str],
                  offsets: np.ndarray) -> dict[int, list[Site]]:
    """Classify the candidate indels at SITE_ANCHORS random anchors; map channel -> sites.

    Anchors within 2 * TRACT_FLANK bases of a contig end or of an N are skipped.
    """
    lengths = np.array([len(s) for s in seqs])
    total = int(lengths.sum())
    sites: dict[int, list[Site]] = {}
    seen: set[tuple[int, str, str]] = set()
    margin = 2 * TRACT_FLANK
    for gpos in rng.integers(0, total, size=SITE_ANCHORS).tolist():
        idx = int(np.searchsorted(offsets, gpos, side="right")) - 1
        seq, p = seqs[idx], gpos - int(offsets[idx])
        if p < margin or p + margin >= len(seq) or "N" in seq[p - margin:p + margin]:
            continue
        for ref, alt in candidate_indels(seq, p, _random_bases(rng, 5)):
            label = id83_label(seq, p + 1, ref, alt)
            if label is None or (gpos, ref, alt) in seen:
                continue
            seen.add((gpos, ref, alt))
            sites.setdefault(_ID83_INDEX[label], []).append(Site(gpos, ref, alt))
    return sites


def _random_bases(rng: np.random.Generator, n: int) -> str:
    """``n`` uniform random bases."""
    return "".join(np.array(list(BASES))[rng.integers(0, 4, size=n)].tolist())


def tract_core(rng: np.random.Generator, label: str) -> tuple[str, str, bool]:
    """(core sequence, indel unit, is_deletion) realising an ID83 label right after an anchor.

    Deletions remove the unit at the start of the core; insertions add it before the core.
    """
    size, kind, cls, count = label.split(":")
    n = int(count)
    if size == "1":
        unit = str(rng.choice(["C", "G"] if cls == "C" else ["T", "A"]))
    else:  # 5 stands for 5+; a 5-base microhomology needs a 6-base deletion
        unit = _random_bases(rng, 6 if (cls, n) == ("M", 5) else int(size))
    if cls == "M":
        return unit + unit[:n] + _random_bases(rng, 4), unit, True
    if kind == "Del":
        return unit * (n + 1), unit, True
    return unit * n, unit, False


def design_tract(rng: np.random.Generator, label: str) -> tuple[str, int, str, str]:
    """A tract (flank + core + flank) whose indel classifies as ``label``.

    Returns the tract, its 0-based anchor offset and the anchored REF/ALT. Random flanks and
    units are redrawn until the classifier agrees (a flank may by chance extend the repeat).
    """
    for _ in range(1000):
        core, unit, deletion = tract_core(rng, label)
        left, right = _random_bases(rng, TRACT_FLANK), _random_bases(rng, TRACT_FLANK)
        tract, anchor = left + core + right, TRACT_FLANK - 1
        ref, alt = (tract[anchor] + unit, tract[anchor]) if deletion else (
            tract[anchor], tract[anchor] + unit)
        if id83_label(tract, anchor + 1, ref, alt) == label:
            return tract, anchor, ref, alt
    raise RuntimeError(f"cannot design a tract for {label}")


def tract_contig(rng: np.random.Generator, channels: list[int],
                 offset: int) -> tuple[str, dict[int, list[Site]]]:
    """Lay TRACTS_PER_CHANNEL designed tracts per channel end to end, each after a random
    spacer; return the contig sequence and the tract sites (global coordinates from
    ``offset``)."""
    parts: list[str] = []
    sites: dict[int, list[Site]] = {}
    length = 0
    for channel in channels:
        for _ in range(TRACTS_PER_CHANNEL):
            spacer = _random_bases(rng, TRACT_FLANK)
            tract, anchor, ref, alt = design_tract(rng, ID83_CHANNELS[channel])
            parts += [spacer, tract]
            sites.setdefault(channel, []).append(
                Site(offset + length + len(spacer) + anchor, ref, alt))
            length += len(spacer) + len(tract)
    parts.append(_random_bases(rng, TRACT_FLANK))
    return "".join(parts), sites


def sparse_channels(signatures: dict[str, np.ndarray],
                    natural: dict[int, list[Site]]) -> list[int]:
    """Channels a planted signature uses that have fewer than MIN_NATURAL_SITES natural sites."""
    used = np.flatnonzero(sum(signatures.values()) > 0)
    return [int(c) for c in used if len(natural.get(int(c), ())) < MIN_NATURAL_SITES]


def pick_site(rng: np.random.Generator, sites: list[Site], occupied: set[int]) -> Site:
    """A random site with no occupied base within ID_CLEARANCE of its REF span; occupy it."""
    for _ in range(100 * len(sites)):
        site = sites[int(rng.integers(0, len(sites)))]
        near = range(site.gpos - ID_CLEARANCE, site.gpos + len(site.ref) + ID_CLEARANCE)
        if not any(p in occupied for p in near):
            occupied.update(range(site.gpos, site.gpos + len(site.ref)))
            return site
    raise RuntimeError("no free site left for a channel; raise TRACTS_PER_CHANNEL")


def draw_indels(rng: np.random.Generator, exposures: dict[str, int],
                signatures: dict[str, np.ndarray], sites: dict[int, list[Site]],
                occupied: set[int]) -> tuple[list[tuple[Site, int]], dict[str, int]]:
    """Draw a sample's indels: Poisson(rate x companion SNVs / 100) per ID_COMPANIONS entry,
    channels multinomial from the signature, each at a free site of its channel.

    Returns (site, channel) pairs and the number drawn from each indel signature.
    """
    drawn: list[tuple[Site, int]] = []
    per_signature: dict[str, int] = {}
    for sbs, (name, per_100) in ID_COMPANIONS.items():
        n = int(rng.poisson(exposures.get(sbs, 0) * per_100 / 100))
        per_signature[name] = n
        for channel in np.repeat(np.arange(83), rng.multinomial(n, signatures[name])).tolist():
            drawn.append((pick_site(rng, sites[channel], occupied), channel))
    return drawn, per_signature

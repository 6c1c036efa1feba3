"""Build checks: stop before writing a catalog from variants called on another genome build.

See :mod:`.catalog`'s module docstring for the rules: header contig lengths against the
FASTA's (:func:`check_build`), too many REF disagreements (:func:`check_ref_mismatch`), too
many REFs on the FASTA's N (:func:`check_masked`), too many variants on contigs the FASTA
lacks (:func:`check_contigs_missing`). Each failure is an
:class:`~sigforge.io.InputError` naming the sample, examples and the fix.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from sigforge.genomics.accounting import SampleCatalog
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.variant_table import VariantTable
from sigforge.io import InputError

logger = logging.getLogger(__name__)

#: Stop when more than this fraction of a sample's checked variants disagree with the FASTA.
MAX_REF_MISMATCH_RATE = 0.05
#: ...and at least this many disagree, so that one odd site in a tiny VCF does not stop a run.
MIN_REF_MISMATCHES_TO_FAIL = 3


#: Names of the mitochondrial contig (compared in lower case): hg19's chrM (the Yoruba
#: sequence, 16,571 bp) is not the rCRS (16,569 bp) of b37, GRCh38 and hg38, although every
#: nuclear contig of hg19 and b37 is the same sequence.
MITOCHONDRIAL_NAMES = frozenset({"chrm", "mt", "m", "chrmt"})


def check_build(table: VariantTable, genome: ReferenceGenome) -> None:
    """Fail fast when the VCF header's contig lengths disagree with the FASTA's.

    A differing mitochondrial contig alone, without a record on it, is the usual pairing of
    a UCSC hg19 VCF with a b37 FASTA (same nuclear sequences): a warning then, since no
    counted variant depends on it. Any other difference (another build) stops the run.

    Raises
    ------
    InputError
        Naming the first contig whose lengths differ, with both lengths.
    """
    differing = [(contig, length, resolved) for contig, length in table.declared_lengths.items()
                 if (resolved := genome.resolve(contig)) is not None
                 and genome.lengths[resolved] != length]
    if not differing:
        return
    used = {table.contig_names[code] for code in np.unique(table.contig).tolist()}
    nuclear = [d for d in differing if d[0].lower() not in MITOCHONDRIAL_NAMES]
    held = [d for d in differing if d[0] in used]
    contig, length, resolved = (nuclear or held or differing)[0]
    found = (f"header declares contig {contig} of length {length:,} but the reference FASTA "
             f"{genome.path} has {resolved} of length {genome.lengths[resolved]:,}")
    if nuclear:
        raise InputError(f"VCF {table.source}: {found}. The VCF was called against a different "
                         "genome build: give the matching FASTA.")
    if held:
        raise InputError(
            f"VCF {table.source}: {found}; only the mitochondrial contig differs (hg19's chrM "
            "is not the rCRS of b37/GRCh38), and the VCF has calls on it, which would be "
            f"counted against another sequence. Remove them first (e.g. 'bcftools view -t "
            f"^{contig}'), or give the FASTA the VCF was called against.")
    logger.warning("VCF %s: %s; only the mitochondrial contig differs (hg19's chrM is not the "
                   "rCRS of b37/GRCh38) and no record lies on it, so counting goes on.",
                   table.source, found)


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


def check_masked(result: SampleCatalog, reference: str | Path = "the FASTA") -> None:
    """Stop when too many variants (the REF rule: more than 5% and at least 3 of those
    checked) have REF bases where the FASTA has N (or X, RepeatMasker's other mask).

    Callers do not call variants in assembly gaps, so a few such variants are counted as
    ``ambiguous_base``; many mean a hard-masked FASTA (repeats replaced by N), which would
    silently drop every variant in a repeat: about half of a genome's.
    """
    if not _too_many(result.masked, result.checked):
        return
    raise InputError(
        f"sample {result.sample} ({result.source}): {result.masked} of {result.checked} "
        f"variants ({result.masked / result.checked:.0%}) have REF bases where the reference "
        f"{reference} has N, e.g. "
        f"{', '.join(result.masked_examples)}. The FASTA is probably hard-masked (repeats "
        "replaced by N, as in Ensembl's '*dna_rm*' and UCSC's '*.fa.masked' files), which "
        "would drop every variant in a repeat. Give the unmasked or soft-masked FASTA of the "
        "same build (Ensembl's '*dna.*' or '*dna_sm.*', UCSC's '*.fa').")


def check_contigs_missing(result: SampleCatalog, genome: ReferenceGenome) -> None:
    """Stop when too many of a sample's variants lie on contigs the FASTA does not have.

    The same rule as the REF check (more than 5% and at least 3 of the variants that reached
    the contig lookup), or every one of them however few: a few calls on decoys or patches
    pass, and are counted as ``contig_missing``; a VCF on another build or naming scheme
    (every contig absent) does not yield an all-zero catalog, even a panel's of one or two
    variants.
    """
    missing = result.skipped["contig_missing"]
    if not (_too_many(missing, result.located) or 0 < missing == result.located):
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

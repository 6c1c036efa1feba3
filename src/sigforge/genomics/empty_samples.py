"""Warnings for samples that end up with all-zero catalogs although their file held variants.

A sample whose every variant read was skipped gets a catalog column of zeros; written without
a word, it passes for a sample without mutations until a discovery or a refit stops on it.
The usual causes are the matched normal of a tumour-normal VCF counted as a sample of its own
(Mutect2 writes both columns) and genotypes that are all missing; the warning names the skip
reasons and, when other samples of the same file have counts, says to pick the one to count.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence

from sigforge.genomics.accounting import SampleCatalog, skip_summary

logger = logging.getLogger(__name__)

#: The counted columns that together hold every counted variant once.
_COUNTED = ("SBS96", "DBS78", "ID83")


def counted_total(result: SampleCatalog) -> int:
    """How many of a sample's variants were counted (SBS96, DBS78 and ID83 together)."""
    return sum(result.counted_by_kind[kind] for kind in _COUNTED)




def warn_empty_samples(results: Sequence[SampleCatalog], source: str, *,
                       rows_per_sample: bool = False) -> None:
    """Warn about each sample of one input file that read variants but counted none.

    When other samples of the file have counts, the empty one is most likely a matched normal
    (or a sample without calls in a joint file): the warning says to count only the sample
    wanted with ``--vcf-sample`` (the samples sheet's ``vcf_sample``). Not in a MAF
    (``rows_per_sample``), whose every barcode is a tumour of its own.
    """
    with_counts = [r.sample for r in results if counted_total(r)]
    for result in results:
        # SNVs of doublets and runs added to SBS (multi_snvs_in_sbs) leave the SBS columns
        # non-zero even when every variant was a doublet or an MNV
        if (not result.variants_read or counted_total(result)
                or result.counted_by_kind.get("also_in_sbs", 0)):
            continue
        hint = ""
        if with_counts and not rows_per_sample:
            hint = (f" Other samples of the file have counts ({', '.join(with_counts[:3])}): "
                    f"if {result.sample} is the matched normal, count only the tumour with "
                    f"--vcf-sample {shlex.quote(with_counts[0])} (in the workflow, the "
                    "samples sheet's vcf_sample column).")
        elif result.skipped["filtered"] == result.variants_read:
            hint = (" Every one failed FILTER or the sample's FORMAT/FT; --all-filters "
                    "counts them whatever either says.")
        logger.warning("sample %s (%s): none of its %d variants read was counted (skipped: %s), "
                       "so its catalog columns are all zero.%s", result.sample, source,
                       result.variants_read, skip_summary(result), hint)

"""Where a patient's variants went, for the top of its page.

The burden a page states counts SNVs only; the variants read that no catalog counted
(filtered, multi-nucleotide, REF mismatches, ...) are in ``catalog_log.tsv`` and must be on
the page too, or a reader takes "Burden 258" for all of a VCF of 300.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sigforge.genomics.accounting import SKIP_REASONS
from sigforge.report.pages import log_row
from sigforge.report.tables import fmt_int

#: How the page names each skip reason (``catalog_log.tsv`` keeps the column names).
_REASON_TEXT = {"filtered": "filtered (FILTER not PASS)", "not_somatic": "not somatic",
                "not_in_sample": "not in the sample's genotype",
                "symbolic": "symbolic or breakend", "no_change": "ALT equal to REF",
                "complex": "complex", "mnv": "multi-nucleotide (3+ bp)",
                "not_requested": "of a type not counted",
                "contig_missing": "on a contig the FASTA lacks",
                "contig_end": "at a contig's first or last base, or past its end",
                "ref_mismatch": "REF not matching the FASTA",
                "ambiguous_base": "with a base other than A/C/G/T", "duplicate": "duplicates",
                "in_dbs": "merged into a doublet (its second SNV)",
                "outside_regions": "outside the assay's targeted regions"}


#: The counted columns of ``catalog_log.tsv`` and how the page names what they count.
_COUNTED_TEXT = (("counted_SBS96", "SNVs"), ("counted_DBS78", "doublets"),
                 ("counted_ID83", "indels"))


def variant_accounting(catalog_log: pd.DataFrame, sample: str) -> dict[str, Any]:
    """The page's ``variants_read`` (text, empty when the log has no row for ``sample``),
    ``counted``: (count, what) per counted type, and ``not_counted``: (count, reason) of
    every skip reason with variants, in the log's order.
    """
    row = log_row(catalog_log, sample)
    if row is None or "variants_read" not in catalog_log.columns:
        return {"variants_read": "", "counted": [], "not_counted": []}
    counted = [(fmt_int(int(row[column])), text) for column, text in _COUNTED_TEXT
               if column in row.index and pd.notna(row[column])]
    skipped = [(fmt_int(int(row[reason])), _reason_text(reason, int(row[reason])))
               for reason in SKIP_REASONS
               if reason in row.index and pd.notna(row[reason]) and int(row[reason]) > 0]
    return {"variants_read": fmt_int(int(row["variants_read"])), "counted": counted,
            "not_counted": skipped}


def _reason_text(reason: str, count: int) -> str:
    """How the page names ``count`` variants skipped for ``reason``: '1 duplicate', '2
    duplicates' (the other reasons read as adjectives: '1 filtered', '2 complex')."""
    text = _REASON_TEXT[reason]
    return "duplicate" if reason == "duplicate" and count == 1 else text

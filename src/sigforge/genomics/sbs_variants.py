"""The SBS96 variants one sample's catalog counted, one record each (opt-in, for attribution).

Built by :func:`~sigforge.genomics.sample_counts.count_sample_rows` when
``CatalogOptions(keep_variants=True)``: exactly the single-base substitutions added to the
sample's SBS96 column, so that grouping the records by ``channel`` gives that column. Variants
skipped for any reason (``catalog_log.tsv``) are not here. The normal catalog path builds no
records.

Columns (:data:`VARIANT_COLUMNS`):

- ``chrom``, ``pos``, ``ref``, ``alt``: as in the input file (``pos`` 1-based; REF/ALT
  upper-case, on the file's strand, before the pyrimidine collapse);
- ``context``: the reference trinucleotide around the variant on the file's strand (REF in
  the middle);
- ``channel``: the SBS96 label the variant was counted in, e.g. ``A[C>T]G``.

With ``multi_snvs_in_sbs`` the SNVs of DBS pairs and MNV runs are records of their own, and
each base of a 2-bp DBS record counted in SBS96 is one record at its own position, with that
base's REF and ALT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sigforge.genomics.contexts import PYRIMIDINES, SBS96_CHANNELS, reverse_complement
from sigforge.genomics.variant_table import VariantTable

VARIANT_COLUMNS = ("chrom", "pos", "ref", "alt", "context", "channel")


def _context(ref: str, channel: str) -> str:
    """The trinucleotide on the strand of ``ref`` from its pyrimidine-centred SBS96 label."""
    pyrimidine = f"{channel[0]}{channel[2]}{channel[6]}"
    return pyrimidine if ref in PYRIMIDINES else reverse_complement(pyrimidine)


def variant_records(chrom: list[str], pos: np.ndarray, ref: list[str], alt: list[str],
                    channels: np.ndarray) -> pd.DataFrame:
    """The records of counted SNVs from their columns and SBS96 channel indices."""
    labels = [SBS96_CHANNELS[i] for i in channels.tolist()]
    return pd.DataFrame({
        "chrom": pd.Series(chrom, dtype=object), "pos": np.asarray(pos, dtype=np.int64),
        "ref": pd.Series(ref, dtype=object), "alt": pd.Series(alt, dtype=object),
        "context": pd.Series([_context(r, c) for r, c in zip(ref, labels, strict=True)],
                             dtype=object),
        "channel": pd.Series(labels, dtype=object)}, columns=list(VARIANT_COLUMNS))


def snv_records(table: VariantTable, rows: np.ndarray, channels: np.ndarray) -> pd.DataFrame:
    """Records of single-base table rows counted in SBS96 at ``channels``."""
    listed = rows.tolist()
    return variant_records([table.contig_names[c] for c in table.contig[rows].tolist()],
                           table.pos[rows], [table.ref[i] for i in listed],
                           [table.alt[i] for i in listed], channels)


def dbs_base_records(table: VariantTable, rows: np.ndarray, channels: np.ndarray
                     ) -> pd.DataFrame:
    """Records of the bases of 2-bp DBS rows counted in SBS96 (``channels`` (n, 2), -1 for a
    base not counted), one per counted base, at the base's own position."""
    row_of, base = np.nonzero(channels >= 0)
    picked = rows[row_of]
    listed = list(zip(picked.tolist(), base.tolist(), strict=True))
    return variant_records([table.contig_names[c] for c in table.contig[picked].tolist()],
                           table.pos[picked] + base, [table.ref[i][b] for i, b in listed],
                           [table.alt[i][b] for i, b in listed], channels[row_of, base])


def empty_records() -> pd.DataFrame:
    """A table of no variants with the record columns."""
    return variant_records([], np.zeros(0, np.int64), [], [], np.zeros(0, np.int64))

"""The per-patient tables of per-mutation attribution: ``mutation_probabilities.tsv`` and
``regions_of_interest.tsv`` (written by ``sigforge refit --vcf``).

The probabilities come from :func:`sigforge.refit.attribute_mutations` (Bayes' rule with the
patient's exposures as prior); the variants from :mod:`.sbs_variants`; the regions from
:mod:`.regions`.

``mutation_probabilities.tsv``: one row per variant counted in SBS96, in VCF order: the
:data:`~sigforge.genomics.sbs_variants.VARIANT_COLUMNS`, one column per signature of the refit
(the signature table's order) holding ``P(signature | channel, exposures)``, and
``explained`` (False where no signature with positive exposure produces the channel; the row
then holds the signatures' own weights at the channel, see
:func:`sigforge.refit.channel_probabilities`).

``regions_of_interest.tsv``: one row per (region, variant inside it): :data:`REGION_TABLE`
columns, ``signature`` being the most likely one (the first in table order on a tie) and
``probability`` its probability; both are empty where ``explained`` is False (no signature
the fit uses produces the variant's channel: naming one at the fallback's probability would
pass off a variant the fit cannot produce as attributed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sigforge.genomics.sbs_variants import VARIANT_COLUMNS
from sigforge.io import InputError
from sigforge.refit import attribute_mutations

EXPLAINED = "explained"
REGION_TABLE = ("region", "chrom", "pos", "ref", "alt", "context", "channel", "signature",
                "probability", EXPLAINED)


def check_signature_names(names: pd.Index, source: str = "signatures") -> None:
    """Raise InputError when a signature is named like a fixed column of the tables.

    Called before any output is written (``sigforge refit --vcf``), so that a clash stops the
    run with nothing half-written.
    """
    clash = [str(name) for name in names if str(name) in (*VARIANT_COLUMNS, EXPLAINED)]
    if clash:
        raise InputError(f"{source}: signatures named {clash} clash with the columns of "
                         "mutation_probabilities.tsv; rename them in the signature table.")


def mutation_probabilities(variants: pd.DataFrame, signatures: pd.DataFrame,
                           exposures: pd.Series) -> pd.DataFrame:
    """Each counted variant's probability per signature, with the variant's columns.

    Parameters
    ----------
    variants : DataFrame
        Records of :mod:`.sbs_variants` (``channel`` holds SBS96 labels).
    signatures : DataFrame
        (channels x k) indexed by the catalog's labels, every variant's channel among them.
    exposures : Series
        The patient's exposure to each signature (indexed by signature name).

    Raises
    ------
    InputError
        A signature named like one of the fixed columns (the table would be ambiguous).
    """
    check_signature_names(signatures.columns)
    channels = signatures.index.get_indexer(variants["channel"])
    if (channels < 0).any():
        raise ValueError("a variant's channel is missing from the signature table")
    result = attribute_mutations(signatures.to_numpy(dtype=np.float64),
                                 exposures.loc[signatures.columns].to_numpy(dtype=np.float64),
                                 channels)
    probabilities = pd.DataFrame(result.probabilities, columns=signatures.columns,
                                 index=variants.index)
    table = pd.concat([variants[list(VARIANT_COLUMNS)], probabilities], axis=1)
    table[EXPLAINED] = result.explained
    return table.reset_index(drop=True)


def _signature_columns(table: pd.DataFrame) -> list[str]:
    """The signature columns of a :func:`mutation_probabilities` table."""
    return [c for c in table.columns if c not in (*VARIANT_COLUMNS, EXPLAINED)]


def mutation_probabilities_text(table: pd.DataFrame, float_format: str = "%.6g") -> str:
    """The TSV text of a :func:`mutation_probabilities` table (header, one line per variant).

    Fast for large VCFs: a variant's probabilities depend only on its channel, so each
    channel's probabilities are formatted once (every row is checked to equal its channel's
    first row; otherwise each row is formatted on its own).
    """
    signatures = _signature_columns(table)
    values = table[signatures].to_numpy(dtype=np.float64)
    explained = table[EXPLAINED].to_numpy(dtype=bool)
    codes, _ = pd.factorize(table["channel"])
    _, first = np.unique(codes, return_index=True)
    if not (np.array_equal(values, values[first][codes])
            and np.array_equal(explained, explained[first][codes])):
        first, codes = np.arange(len(table)), np.arange(len(table))
    tails = np.array(["\t".join([*(float_format % v for v in values[i]), str(explained[i])])
                      for i in first.tolist()], dtype=object)
    heads = table["chrom"].astype(str)
    for column in VARIANT_COLUMNS[1:]:
        heads = heads + "\t" + table[column].astype(str)
    lines = ["\t".join(map(str, table.columns)), *(heads + "\t" + tails[codes]).tolist()]
    return "\n".join(lines) + "\n"


def regions_of_interest(probabilities: pd.DataFrame, regions: pd.DataFrame,
                        hits: pd.DataFrame) -> pd.DataFrame:
    """The variants inside each region with their most likely signature.

    Parameters
    ----------
    probabilities : DataFrame
        As :func:`mutation_probabilities` returns.
    regions : DataFrame
        As :func:`sigforge.genomics.regions.read_regions` returns.
    hits : DataFrame
        As :func:`sigforge.genomics.regions.variants_in_regions` returns for the same tables.

    Returns
    -------
    DataFrame
        The :data:`REGION_TABLE` columns, one row per hit (no rows, same columns, when none).
    """
    signatures = _signature_columns(probabilities)
    values = probabilities[signatures].to_numpy(dtype=np.float64)[hits["variant_row"]]
    best = values.argmax(axis=1) if len(values) else np.zeros(0, np.int64)
    rows = probabilities.iloc[hits["variant_row"].to_numpy()]
    table = pd.DataFrame({"region": regions["region"].to_numpy()[hits["region_row"]]})
    for column in VARIANT_COLUMNS:
        table[column] = rows[column].to_numpy()
    explained = rows[EXPLAINED].to_numpy(dtype=bool)
    table["signature"] = np.where(explained, np.asarray(signatures, dtype=object)[best], "")
    table["probability"] = np.where(explained, values[np.arange(len(best)), best], np.nan)
    table[EXPLAINED] = explained
    return table[list(REGION_TABLE)]

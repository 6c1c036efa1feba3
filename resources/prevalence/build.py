"""Build ``PCAWG_signature_prevalence.tsv``: per tumour type, the share of tumours with each
signature in the published PCAWG SigProfiler attributions.

The table is the prior of the ``negbin`` refit (``refit.tumour_type`` / ``--tumour-type``):
how often each COSMIC signature is active in tumours of a type. Input: the three attribution
files of Alexandrov et al., Nature 578:94 (2020) (SBS, DBS, ID; see
../shared/data/real/PROVENANCE.md). Output rows: every signature of the shipped COSMIC v3.6
sets (signatures never attributed in PCAWG get 0); columns: ``Signature``, ``pan-cancer``
(share over all tumours with that mutation type's attribution), then one column per PCAWG
tumour type. A second header line is not used: the number of tumours per type is written to
the provenance file by hand from this script's printout.

Usage: python resources/prevalence/build.py ../shared/data/real src/sigforge/genomics/data
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

FILES = ("PCAWG_sigProfiler_SBS_signatures_in_samples.csv",
         "PCAWG_sigProfiler_DBS_signatures_in_samples.csv",
         "PCAWG_SigProfiler_ID_signatures_in_samples.csv")
#: COSMIC v3.0 names of the attributions whose v3.6 successor has another name.
RENAMED = {"SBS22": "SBS22a", "SBS40": "SBS40a"}
COSMIC = ("COSMIC_v3.6_SBS96_GRCh37.tsv", "COSMIC_v3.6_DBS78_GRCh37.tsv",
          "COSMIC_v3.6_ID83.tsv")


def shares(path: Path) -> pd.DataFrame:
    """Signatures x (pan-cancer, types): share of tumours with a positive attribution."""
    table = pd.read_csv(path, skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    types = table["Cancer Types"]
    values = table.drop(columns=["Cancer Types", "Sample Names", "Accuracy"]).rename(
        columns=RENAMED).astype(float) > 0
    by_type = values.groupby(types).mean().T
    by_type.insert(0, "pan-cancer", values.mean())
    print(path.name, "tumours per type:", types.value_counts().sort_index().to_dict())
    return by_type


def main(real: Path, data: Path) -> None:
    """Write the table next to the shipped COSMIC sets."""
    names = [c for f in COSMIC for c in pd.read_csv(data / f, sep="\t", nrows=0).columns[1:]]
    table = pd.concat([shares(real / f) for f in FILES]).fillna(0.0)
    table = table.reindex(names).fillna(0.0)
    table.index.name = "Signature"
    table.round(4).to_csv(data / "PCAWG_signature_prevalence.tsv", sep="\t")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

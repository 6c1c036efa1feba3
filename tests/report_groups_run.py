"""A stratified discovery run, made in code, for the report tests.

The cohort: groups A and B of six SBS96 samples each, every sample mostly one of its group's two
planted processes (A: processes 0 and 1, B: 1 and 2, so process 1 is found in both groups and
merged), and group C of one sample with 11 mutations, too thin to factor. It goes through the
real ``sigforge extract --groups`` (ranks 1-3, 8 replicates, no cross-validation), ``refit``
(no bootstrap) and ``report`` commands; everything is seeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.cli import main
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import write_matrix, write_table

#: Group -> (samples, indices of the planted processes it carries).
GROUPS = {"A": (6, (0, 1)), "B": (6, (1, 2)), "C": (1, ())}


def _write_cohort(root: Path, names: Mapping[str, str]) -> None:
    """catalogs/SBS96.tsv, catalogs/catalog_log.tsv and groups.tsv of the cohort, each group
    named as ``names`` says (by default A, B and C)."""
    rng = np.random.default_rng(11)
    processes = rng.dirichlet(np.full(96, 0.3), size=3).T
    columns: dict[str, np.ndarray] = {}
    groups = {}
    for group, (n, active) in GROUPS.items():
        for i in range(n):
            if active:  # mostly one process or the other: each group's two are identifiable
                weights = np.zeros(3)
                weights[list(active)] = rng.uniform(1500, 3000) * rng.dirichlet([0.5, 0.5])
                counts = rng.poisson(processes @ weights)
            else:  # 11 mutations in 11 channels: too few to factor
                counts = np.zeros(96, dtype=int)
                counts[:11] = 1
            columns[f"{group}{i + 1}"] = counts
            groups[f"{group}{i + 1}"] = names.get(group, group)
    catalog = pd.DataFrame(columns, index=list(SBS96_CHANNELS))
    write_matrix(catalog, root / "catalogs" / "SBS96.tsv", integer=True)
    burden = catalog.sum(axis=0)
    write_table(pd.DataFrame({"source": [f"vcf/{s}.vcf" for s in catalog.columns],
                              "variants_read": burden, "counted_SBS96": burden},
                             index=pd.Index(catalog.columns, name="sample")),
                root / "catalogs" / "catalog_log.tsv")
    pd.DataFrame({"sample": list(groups), "group": list(groups.values())}).to_csv(
        root / "groups.tsv", sep="\t", index=False)


def report_args(root: Path, out: Path) -> list[str]:
    """``sigforge report`` arguments for the run under ``root``, writing to ``out``."""
    return ["report", "--catalog-dir", str(root / "catalogs"), "--extract-dir",
            str(root / "extract"), "--refit-dir", str(root / "refit"), "--threads", "1",
            "--out", str(out)]


def write_grouped_run(root: Path, names: Mapping[str, str] | None = None) -> Path:
    """Write the cohort under ``root``, extract it by group, refit it and report it
    (``root/report/cohort.html``); returns ``root``. ``names`` renames groups A, B, C."""
    _write_cohort(root, names or {})
    extract = root / "extract" / "SBS96"
    assert main(["-q", "extract", "--groups", str(root / "groups.tsv"), "--catalog",
                 str(root / "catalogs" / "SBS96.tsv"), "--catalog-name", "SBS96",
                 "--ranks", "1-3", "--replicates", "8", "--cv-folds", "0", "--max-iter", "1000",
                 "--threads", "1", "--out", str(extract)]) == 0
    assert main(["-q", "refit", "--catalog", str(root / "catalogs" / "SBS96.tsv"),
                 "--signatures", str(extract / "signatures.tsv"), "--bootstrap", "0",
                 "--out", str(root / "refit" / "SBS96")]) == 0
    assert main(report_args(root, root / "report")) == 0
    return root

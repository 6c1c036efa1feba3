"""``sigforge report`` on a stratified discovery (``sigforge extract --groups``): the merged set
with where each signature came from, one subsection per group (samples, rank choice and figure,
signatures, or why a thin group was not factored), and clear errors for incomplete folders.

The cohort is written in code: two groups of SBS96 samples sharing one of their two processes,
and a third group of one sample with 11 mutations, too thin to factor. It goes through the real
``extract --groups``, ``refit`` and ``report`` commands with tiny settings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.html_page import HtmlPage

from sigforge.cli import main
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import read_table, write_matrix, write_table

#: Group -> (samples, indices of the planted processes it carries).
GROUPS = {"A": (6, (0, 1)), "B": (6, (1, 2)), "C": (1, ())}


def _write_cohort(root: Path) -> None:
    """catalogs/SBS96.tsv, catalogs/catalog_log.tsv and groups.tsv of the module's cohort."""
    rng = np.random.default_rng(11)
    processes = rng.dirichlet(np.full(96, 0.3), size=3).T
    columns: dict[str, np.ndarray] = {}
    groups = {}
    for group, (n, active) in GROUPS.items():
        for i in range(n):
            weights = np.zeros(3)
            if active:  # mostly one process or the other: each group's two are identifiable
                weights[list(active)] = rng.uniform(1500, 3000) * rng.dirichlet([0.5, 0.5])
            counts = rng.poisson(processes @ weights) if active else np.zeros(96, dtype=int)
            if not active:  # 11 mutations in 11 channels: too few to factor
                counts[:11] = 1
            columns[f"{group}{i + 1}"] = counts
            groups[f"{group}{i + 1}"] = group
    catalog = pd.DataFrame(columns, index=list(SBS96_CHANNELS))
    write_matrix(catalog, root / "catalogs" / "SBS96.tsv", integer=True)
    burden = catalog.sum(axis=0)
    write_table(pd.DataFrame({"source": [f"vcf/{s}.vcf" for s in catalog.columns],
                              "variants_read": burden, "counted_SBS96": burden},
                             index=pd.Index(catalog.columns, name="sample")),
                root / "catalogs" / "catalog_log.tsv")
    pd.DataFrame({"sample": list(groups), "group": list(groups.values())}).to_csv(
        root / "groups.tsv", sep="\t", index=False)


def _report_args(root: Path, out: Path) -> list[str]:
    return ["report", "--catalog-dir", str(root / "catalogs"), "--extract-dir",
            str(root / "extract"), "--refit-dir", str(root / "refit"), "--threads", "1",
            "--out", str(out)]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cohort, extracted by group, refitted and reported (report under ``report/``)."""
    root = tmp_path_factory.mktemp("groups")
    _write_cohort(root)
    extract = root / "extract" / "SBS96"
    assert main(["-q", "extract", "--groups", str(root / "groups.tsv"), "--catalog",
                 str(root / "catalogs" / "SBS96.tsv"), "--catalog-name", "SBS96",
                 "--ranks", "1-3", "--replicates", "8", "--cv-folds", "0", "--max-iter", "1000",
                 "--threads", "1", "--out", str(extract)]) == 0
    assert main(["-q", "refit", "--catalog", str(root / "catalogs" / "SBS96.tsv"),
                 "--signatures", str(extract / "signatures.tsv"), "--bootstrap", "0",
                 "--out", str(root / "refit" / "SBS96")]) == 0
    assert main(_report_args(root, root / "report")) == 0
    return root


@pytest.fixture(scope="module")
def page(run: Path) -> HtmlPage:
    parsed = HtmlPage()
    parsed.feed((run / "report" / "cohort.html").read_text(encoding="utf-8"))
    return parsed

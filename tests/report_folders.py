"""Result folders of a small run, written in code, laid out as ``sigforge report`` reads them.

``catalogs/`` (SBS96, DBS78, ID83 and the log), ``extract/SBS96/`` (ranks 2 and 3 tried, 2
chosen), ``refit/SBS96/`` (the de novo refit; its reconstruction.tsv has no KL column, so the
report computes it) and ``refit/SBS96/reference/`` (COSMIC refit), ``extract/DBS78/`` skipped
with :data:`SKIP_REASON` (a COSMIC refit in ``refit/DBS78/reference/``), ID83 never factored
(or, with ``factor_id83``, factored at k = 2 with sample S5, which has no indels, left out of
its refit as ``--drop-empty`` does), SBS288 never factored, and one per-patient page per sample
under ``patients/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.contexts import (
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    SBS288_CHANNELS,
)
from sigforge.io import write_json, write_matrix, write_table

SAMPLES = ["S1", "S2", "S3", "S4", "S5"]
SKIP_REASON = "only 12 DBS78 mutations in the cohort (at least 100 needed)"
THRESHOLDS = {"min_mean_stability": 0.8, "min_component_stability": 0.6}


@dataclass(frozen=True)
class RunFolders:
    """Paths of the written run and the SBS96 tables behind it."""

    root: Path
    catalog: pd.DataFrame
    signatures: pd.DataFrame
    exposures: pd.DataFrame

    @property
    def args(self) -> list[str]:
        """``sigforge report`` arguments for this run (output under ``root/report``)."""
        return ["report", "--catalog-dir", str(self.root / "catalogs"), "--extract-dir",
                str(self.root / "extract"), "--refit-dir", str(self.root / "refit"),
                "--threads", "1", "--out", str(self.root / "report")]


def _signatures(rng: np.random.Generator, k: int) -> pd.DataFrame:
    """k random SBS96 signatures named SBS96A, SBS96B, ..."""
    return pd.DataFrame(rng.dirichlet(np.full(96, 0.4), size=k).T, index=list(SBS96_CHANNELS),
                        columns=[f"SBS96{chr(65 + i)}" for i in range(k)])


def _write_extract(folder: Path, signatures: pd.DataFrame, rng: np.random.Generator) -> None:
    """extract/SBS96: ranks 2 and 3 (k{k}/ folders), k = 2 chosen, the rule's thresholds."""
    names = list(signatures.columns)
    metrics = pd.DataFrame({"mean_stability": [0.95, 0.7], "min_stability": [0.9, 0.4],
                            "kl_divergence": [30.0, 27.0], "relative_error": [0.2, 0.18],
                            "mean_cosine": [0.97, 0.98], "candidate": [True, False],
                            "selected": [True, False]}, index=pd.Index([2, 3], name="k"))
    write_table(metrics, folder / "rank_metrics.tsv")
    write_matrix(signatures, folder / "signatures.tsv")
    write_table(pd.DataFrame({"stability": [0.93, 0.88], "spread": [0.01, 0.02]},
                             index=pd.Index(names, name="signature")), folder / "stability.tsv")
    write_json({"chosen_rank": 2, "reason": "k=2 is the largest candidate rank.",
                "rank_caution": False, "seed": 3, "ranks": [2, 3],
                "rank_rule": {**THRESHOLDS, "min_error_gain": 0.05, "fixed_rank": None}},
               folder / "provenance.json")
    third = pd.DataFrame(rng.dirichlet(np.full(len(signatures.index), 0.4), size=3).T,
                         index=signatures.index, columns=["K3_A", "K3_B", "K3_C"])
    for k, frame in ((2, signatures), (3, third)):
        write_matrix(frame, folder / f"k{k}" / "signatures.tsv")
        write_json({"k": k, "mean_stability": float(metrics.at[k, "mean_stability"]),
                    "min_stability": float(metrics.at[k, "min_stability"])},
                   folder / f"k{k}" / "metrics.json")


def _write_refit(folder: Path, catalog: pd.DataFrame, exposures: pd.DataFrame) -> None:
    """refit/SBS96 (burden and cosine only: the report computes L1 and KL) and its intervals."""
    write_matrix(exposures, folder / "exposures.tsv", label="Signature")
    observed = catalog.to_numpy(float)
    write_table(pd.DataFrame({"burden": observed.sum(axis=0).astype(int), "cosine": 0.9},
                             index=pd.Index(SAMPLES, name="sample")),
                folder / "reconstruction.tsv")
    rows = [(s, name, exposures.at[name, s], 0.5 * exposures.at[name, s],
             1.5 * exposures.at[name, s], 1.0) for s in SAMPLES for name in exposures.index]
    write_table(pd.DataFrame(rows, columns=["sample", "signature", "exposure", "lower", "upper",
                                            "presence"]).set_index("sample"),
                folder / "exposure_intervals.tsv")


def _write_id83(root: Path, rng: np.random.Generator) -> None:
    """ID83 factored at k = 2 (S5 without indels, left out of the refit)."""
    signatures = pd.DataFrame(rng.dirichlet(np.full(83, 0.5), size=2).T,
                              index=list(ID83_CHANNELS), columns=["ID83A", "ID83B"])
    kept = SAMPLES[:-1]
    exposures = pd.DataFrame(rng.uniform(20, 80, size=(2, len(kept))).round(1),
                             index=list(signatures.columns), columns=kept)
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ exposures.to_numpy()),
                           index=list(ID83_CHANNELS), columns=kept).assign(S5=0)
    write_matrix(catalog, root / "catalogs" / "ID83.tsv", integer=True)
    _write_extract(root / "extract" / "ID83", signatures, rng)
    write_matrix(exposures, root / "refit" / "ID83" / "exposures.tsv", label="Signature")
    write_table(pd.DataFrame({"burden": catalog[kept].sum(axis=0), "cosine": 0.8},
                             index=pd.Index(kept, name="sample")),
                root / "refit" / "ID83" / "reconstruction.tsv")


def write_run(root: Path, *, patients: bool = True, factor_id83: bool = False) -> RunFolders:
    """Write the run under ``root`` (see the module docstring) and return its paths."""
    rng = np.random.default_rng(2024)
    signatures = _signatures(rng, 2)
    exposures = pd.DataFrame(rng.uniform(20, 600, size=(2, len(SAMPLES))).round(1),
                             index=list(signatures.columns), columns=SAMPLES)
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ exposures.to_numpy()),
                           index=list(SBS96_CHANNELS), columns=SAMPLES)
    catalogs = root / "catalogs"
    write_matrix(catalog, catalogs / "SBS96.tsv", integer=True)
    for name, channels in (("DBS78", DBS78_CHANNELS), ("ID83", ID83_CHANNELS)):
        write_matrix(pd.DataFrame(rng.poisson(2, size=(len(channels), len(SAMPLES))),
                                  index=list(channels), columns=SAMPLES),
                     catalogs / f"{name}.tsv", integer=True)
    write_matrix(pd.DataFrame(rng.poisson(1, size=(288, len(SAMPLES))),
                              index=list(SBS288_CHANNELS), columns=SAMPLES),
                 catalogs / "SBS288.tsv", integer=True)
    if factor_id83:
        _write_id83(root, rng)
    burden = catalog.sum(axis=0)
    write_table(pd.DataFrame({"source": [f"vcf/{s}.vcf" for s in SAMPLES],
                              "variants_read": burden + 2, "counted_SBS96": burden},
                             index=pd.Index(SAMPLES, name="sample")), catalogs / "catalog_log.tsv")
    _write_extract(root / "extract" / "SBS96", signatures, rng)
    _write_refit(root / "refit" / "SBS96", catalog, exposures)
    write_matrix(pd.DataFrame({s: [100.0 + i, 0.0, 50.0] for i, s in enumerate(SAMPLES)},
                              index=["SBS1", "SBS2", "SBS5"]),
                 root / "refit" / "SBS96" / "reference" / "exposures.tsv", label="Signature")
    skipped = root / "extract" / "DBS78"
    write_json({"skipped": SKIP_REASON, "chosen_rank": None}, skipped / "provenance.json")
    write_matrix(pd.DataFrame(index=list(DBS78_CHANNELS)), skipped / "signatures.tsv")
    write_matrix(pd.DataFrame({s: [3.0, 1.0] for s in SAMPLES}, index=["DBS2", "DBS4"]),
                 root / "refit" / "DBS78" / "reference" / "exposures.tsv", label="Signature")
    if patients:
        for sample in SAMPLES:
            (root / "patients").mkdir(exist_ok=True)
            (root / "patients" / f"{sample}.html").write_text(f"<p>{sample}</p>")
    return RunFolders(root, catalog, signatures, exposures)

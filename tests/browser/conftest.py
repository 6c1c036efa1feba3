"""Fixtures for the headless-Chromium tests: the browser, and reports built from fixtures.

Chromium comes from Debian's ``chromium`` package. ``make test`` installs it first (CI runs
as root on a fresh Debian 12 machine); when it is missing here, the ``chromium`` fixture
installs it the same way if it can (root with apt-get), and otherwise skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics import read_catalog
from sigforge.genomics.contexts import DBS78_CHANNELS, ID83_CHANNELS, SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import read_table, write_matrix, write_table
from sigforge.report import CohortData, write_patient_report, write_reports

from ._chromium import Chromium, find_chromium

HOSTILE = "<script>alert(1)</script>"
HOSTILE_SIGNATURE = '<img src=x onerror="alert(2)">'
SAMPLES = ["P01", "P02", HOSTILE, "P04", "P05", "P06"]
STEMS = {sample: f"patient_{i + 1}" for i, sample in enumerate(SAMPLES)}
SIGNATURES = ["SBS96A", "SBS96B", HOSTILE_SIGNATURE]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``browser`` marker (``-m "not browser"`` deselects these tests)."""
    config.addinivalue_line("markers", "browser: renders reports in headless Chromium")


def _install_chromium() -> str:
    """Install Debian's chromium when running as root with apt-get; '' when not possible."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return ""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run(command, env=env, capture_output=True, check=False).returncode:
            return ""
    return find_chromium() or ""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """One headless Chromium (fresh profile) shared by the browser tests."""
    binary = find_chromium() or _install_chromium()
    if not binary:
        pytest.skip("chromium is not installed and cannot be installed here (needs root and "
                    "apt-get); `make test` installs it with apt-get install chromium")
    with Chromium(binary) as browser:
        yield browser


def _fixture_tables(directory: Path) -> None:
    """Write a small deterministic cohort's tables as the workflow would (TSVs)."""
    rng = np.random.default_rng(7)
    signatures = rng.dirichlet(np.full(96, 0.4), size=len(SIGNATURES)).T
    exposures = (rng.uniform(30, 900, size=(len(SIGNATURES), len(SAMPLES))).round(1) + 0.03)
    exposures[2, 0] = 0.0
    catalog = rng.poisson(signatures @ exposures)
    reconstructed = signatures @ exposures
    cosine = (catalog * reconstructed).sum(0) / (
        np.linalg.norm(catalog, axis=0) * np.linalg.norm(reconstructed, axis=0))
    write_matrix(pd.DataFrame(catalog, index=list(SBS96_CHANNELS), columns=SAMPLES),
                 directory / "SBS96.tsv", integer=True)
    write_matrix(pd.DataFrame(signatures, index=list(SBS96_CHANNELS), columns=SIGNATURES),
                 directory / "signatures.tsv")
    write_matrix(pd.DataFrame(exposures, index=SIGNATURES, columns=SAMPLES),
                 directory / "exposures.tsv", label="Signature")
    write_table(pd.DataFrame({"burden": catalog.sum(axis=0), "cosine": cosine,
                              "kl_divergence": 1.0}, index=pd.Index(SAMPLES, name="sample")),
                directory / "reconstruction.tsv")


def _cohort_from_tables(directory: Path) -> CohortData:
    """Read the fixture's TSVs back, as ``sigforge report`` does, into a ``CohortData``."""
    catalog = read_catalog(directory / "SBS96.tsv").data
    signatures = read_catalog(directory / "signatures.tsv").data
    names = list(signatures.columns)
    samples = list(catalog.columns)
    log = pd.DataFrame({"source": [f"vcf/{s}.vcf.gz" for s in samples],
                        "variants_read": catalog.sum(axis=0).astype(int) + 3,
                        "counted_SBS96": catalog.sum(axis=0).astype(int),
                        "filtered": 2, "not_snv": 1}, index=samples)
    ranks = pd.DataFrame({"mean_stability": [0.99, 0.95, 0.7], "min_stability": [0.98, 0.9, 0.4],
                          "kl_divergence": [300.0, 120.0, 110.0],
                          "relative_error": [0.4, 0.25, 0.24], "mean_cosine": [0.9, 0.97, 0.98],
                          "selected": [False, True, False]}, index=pd.Index([2, 3, 4], name="k"))
    return CohortData(
        match_label="COSMIC",
        catalog=catalog, catalog_log=log, rank_metrics=ranks, chosen_rank=3,
        rank_rule="k = 3 is the largest stable rank.", signatures=signatures,
        stability=pd.DataFrame({"stability": [0.97, 0.93, 0.9], "spread": 0.01}, index=names),
        exposures=read_catalog(directory / "exposures.tsv").data,
        reconstruction=read_table(directory / "reconstruction.tsv"),
        reference_matches=pd.DataFrame({"reference": ["SBS1", "SBS5", "SBS13"],
                                        "cosine": [0.95, 0.81, 0.62]}, index=names),
        run_info={"seed": "7", "config": f"config/{HOSTILE}.yaml"},
        files={"exposures": "tables/exposures.tsv"},
        aetiology={"SBS1": "clock-like", "SBS13": f"APOBEC {HOSTILE}"},
        reference_signatures=load_reference("COSMIC_v3.6").data,
        decomposition=pd.DataFrame({"components": ["SBS1:0.7;SBS5:0.3", "SBS5:1.0",
                                                   "SBS13:0.6;SBS2:0.4"],
                                    "cosine": [0.91, 0.81, 0.77], "novel": [False, True, True]},
                                   index=names),
        other_catalogs={name: pd.DataFrame(
            np.random.default_rng(3).poisson(4, size=(len(channels), len(samples))),
            index=list(channels), columns=samples)
            for name, channels in (("DBS78", DBS78_CHANNELS), ("ID83", ID83_CHANNELS))})


@pytest.fixture(scope="session")
def fixture_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cohort report with six patients (one named ``<script>alert(1)</script>``).

    The tables are under ``tables/`` beside the pages, so that the tests can read the TSVs.
    """
    root = tmp_path_factory.mktemp("browser-report")
    (root / "tables").mkdir()
    _fixture_tables(root / "tables")
    write_reports(_cohort_from_tables(root / "tables"), root, STEMS)
    return root


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $SIGFORGE_SCREENSHOTS if set (to look at them), else a tmp dir."""
    chosen = os.environ.get("SIGFORGE_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


#: The mixed-exposure patient: found, tied, uncertain, zero, and a loose COSMIC match.
MIXED_SIGNATURES = ["SBS96A", "SBS96B", "SBS96C", "SBS96D", "SBS96E"]
MIXED_SAMPLES = ["M01", "M02"]
MIXED_EXPOSURES = {"M01": [300.0, 120.0, 40.0, 0.0, 0.0], "M02": [200.0, 200.0, 0.0, 50.0, 0.0]}
#: (lower, upper, presence) per signature and sample; SBS96C's interval in M01 includes 0.
MIXED_INTERVALS = {
    "M01": [(250, 350, 1.0), (80, 160, 1.0), (0, 74, 0.32), (0, 0, 0.0), (0, 3, 0.05)],
    "M02": [(150, 250, 1.0), (150, 250, 1.0), (0, 0, 0.0), (10, 90, 0.9), (0, 0, 0.0)],
}
MIXED_MATCHES = [("SBS1", 0.95), ("SBS5", 0.82), ("SBS13", 0.97), ("SBS2", 0.93),
                 ("SBS40a", 0.5)]
REGION_NAME = "TP53 <b onmouseover=alert(3)>exon 5</b>"
REGIONS = pd.DataFrame(
    [[REGION_NAME, "17", "7675088", "C", "T", "ACG", "A[C>T]G", "SBS96A", "0.8734"],
     ["BRCA2", "13", "32340300", "G", "A", "TGA", "T[C>T]A", "SBS96B", "0.61"]],
    columns=["region", "chrom", "pos", "ref", "alt", "context", "channel", "signature",
             "probability"])


def _mixed_intervals() -> pd.DataFrame:
    """exposure_intervals.tsv of the mixed cohort, as ``sigforge refit`` writes it."""
    rows = [(sample, name, MIXED_EXPOSURES[sample][i], *MIXED_INTERVALS[sample][i])
            for sample in MIXED_SAMPLES for i, name in enumerate(MIXED_SIGNATURES)]
    frame = pd.DataFrame(rows, columns=["sample", "signature", "exposure", "lower", "upper",
                                        "presence"])
    return frame.set_index("sample")


def mixed_cohort() -> CohortData:
    """Two samples, five de novo signatures, a rank chosen with caution, a COSMIC refit."""
    rng = np.random.default_rng(11)
    signatures = pd.DataFrame(rng.dirichlet(np.full(96, 0.5), size=5).T,
                              index=list(SBS96_CHANNELS), columns=MIXED_SIGNATURES)
    exposures = pd.DataFrame(MIXED_EXPOSURES, index=MIXED_SIGNATURES)
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ exposures.to_numpy()),
                           index=list(SBS96_CHANNELS), columns=MIXED_SAMPLES)
    reference = pd.DataFrame({"M01": [310.0, 0.0, 90.0, 20.0, 0.0],
                              "M02": [150.0, 0.0, 260.0, 0.0, 40.0]},
                             index=["SBS1", "SBS2", "SBS5", "SBS13", "SBS40a"])
    return CohortData(
        match_label="COSMIC",
        catalog=catalog,
        catalog_log=pd.DataFrame({"source": ["vcf/M01.vcf", "vcf/M02.vcf"],
                                  "variants_read": catalog.sum(axis=0), "counted_SBS96":
                                  catalog.sum(axis=0)}, index=MIXED_SAMPLES),
        rank_metrics=pd.DataFrame({"mean_stability": [0.6, 0.5], "min_stability": [0.2, 0.1],
                                   "kl_divergence": [20.0, 15.0], "relative_error": [0.3, 0.2],
                                   "mean_cosine": [0.9, 0.95], "selected": [False, True]},
                                  index=pd.Index([4, 5], name="k")),
        chosen_rank=5, rank_caution=True,
        rank_rule="no rank met the stability thresholds; k=5 has the highest mean stability. "
                  "Treat this choice with caution: add samples or replicates.",
        signatures=signatures,
        stability=pd.DataFrame({"stability": 0.5, "spread": 0.1}, index=MIXED_SIGNATURES),
        exposures=exposures,
        reconstruction=pd.DataFrame({"burden": catalog.sum(axis=0), "cosine": [0.93, 0.91],
                                     "kl_divergence": 1.0}, index=MIXED_SAMPLES),
        reference_matches=pd.DataFrame(MIXED_MATCHES, columns=["reference", "cosine"],
                                       index=MIXED_SIGNATURES),
        run_info={"seed": "11"}, files={}, intervals=_mixed_intervals(),
        aetiology={"SBS1": "clock-like", "SBS5": "clock-like, unknown", "SBS13": "APOBEC",
                   "SBS2": "APOBEC"},
        reference_exposures=reference,
        reference_intervals=pd.DataFrame({"signature": ["SBS1", "SBS5", "SBS5"],
                                          "lower": [200.0, 0.0, 180.0]},
                                         index=["M01", "M01", "M02"]))


@pytest.fixture(scope="session")
def mixed_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cohort and patient pages of :func:`mixed_cohort`; M01's page lists two ROI variants."""
    root = tmp_path_factory.mktemp("mixed-report")
    data = mixed_cohort()
    write_reports(data, root, {sample: sample for sample in MIXED_SAMPLES})
    write_patient_report(data, "M01", root, "M01", regions=REGIONS)
    return root

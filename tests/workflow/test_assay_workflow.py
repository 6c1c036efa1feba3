"""The workflow with a targeted-regions assay: catalogs counted inside catalog.regions, the
opportunities written once, the reference refits rescaled, the config checked at parse time."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.workflow.test_workflow import copy_workflow, snakemake

from sigforge.io import read_table

pytestmark = pytest.mark.slow

REGIONS = "chr1\t0\t300000\tfirst\nchr2\t100000\t400000\tsecond\n"


def _regions_config(workdir: Path, assay: str = "regions") -> Path:
    """A BED of two regions of the example genome and a config file that uses it."""
    (workdir / "panel.bed").write_text(REGIONS)
    config = workdir / "config" / "panel.yaml"
    config.write_text(yaml.safe_dump({"catalog": {"regions": "panel.bed"},
                                      "refit": {"assay": assay}}))
    return config


def test_regions_assay_runs_the_reference_and_patient_refits(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    config = _regions_config(workdir)
    dry = snakemake(workdir, "-n", "-p", "--cores", "2", "--configfile", str(config))
    assert dry.returncode == 0, dry.stdout[-3000:]
    assert "sigforge opportunities" in dry.stdout and "--native-signatures" in dry.stdout
    targets = ["results/refit/SBS96/reference/exposures.tsv", "results/patients/S01/exposures.tsv"]
    run = snakemake(workdir, "--cores", "2", *targets, "--configfile", str(config))
    assert run.returncode == 0, run.stdout[-4000:]
    log = read_table(workdir / "results/catalogs/catalog_log.tsv")
    assert (log["outside_regions"] > 0).all() and (log["counted_SBS96"] > 0).all()
    opportunities = read_table(workdir / "results/catalogs/opportunities.tsv")
    assert {"genome", "regions"} <= set(opportunities.columns)
    assert "assay regions" in (workdir / "results/logs/refit/SBS96_reference.log").read_text()
    patient = read_table(workdir / "results/patients/S01/catalog_log.tsv")
    # the patient is counted in SBS96 only (indels go to not_requested before the region
    # check), so its SBS96 count, not its outside count, equals the cohort's
    assert patient.loc["S01", "counted_SBS96"] == log.loc["S01", "counted_SBS96"]
    assert patient.loc["S01", "outside_regions"] > 0


def test_regions_assay_without_regions_fails_at_parse_time(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    config = workdir / "config" / "bad.yaml"
    config.write_text(yaml.safe_dump({"refit": {"assay": "regions"}}))
    run = snakemake(workdir, "-n", "--cores", "1", "--configfile", str(config))
    assert run.returncode != 0
    assert "catalog.regions is null" in run.stdout and "Traceback" not in run.stdout

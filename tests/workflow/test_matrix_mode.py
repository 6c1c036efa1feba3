"""The workflow in matrix and joint mode on small generated tables, end to end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from tests.workflow.test_workflow import REPO, copy_workflow, job_counts, snakemake

from sigforge.genomics import read_catalog
from sigforge.io import read_json, read_table, write_matrix
from sigforge.testing import match_cosines

pytestmark = pytest.mark.slow

FAST = {"ranks": {"min": 2, "max": 4}, "replicates": 6, "replicates_per_chunk": 3,
        "max_iter": 600, "min_iter": 50}


def planted_images(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """6 x 6 pixel images (36 features) x 24 samples mixing 3 bar parts, real-valued; pixels no
    part lights (the last column among them) are all-zero rows; sample 'dark' is all zero."""
    parts = np.zeros((3, 6, 6))
    parts[0, 0:2, :5] = 1.0
    parts[1, 3:5, :5] = 1.0
    parts[2, :, 1:3] = 1.0
    W = parts.reshape(3, 36).T
    W /= W.sum(axis=0)
    H = rng.gamma(0.8, 1.0, size=(3, 24))
    X = rng.gamma(30.0, (W @ H) / 30.0 + 1e-300)
    X[W.sum(axis=1) == 0] = 0.0
    X[:, 5] = 0.0
    columns = [f"img{j}" if j != 5 else "dark" for j in range(24)]
    index = pd.Index([f"p{r}_{c}" for r in range(6) for c in range(6)], name="pixel")
    return pd.DataFrame(X, index=index, columns=columns), W


def write_config(workdir: Path, extra: dict[str, object]) -> Path:
    """A config file with the fast extract settings plus ``extra``."""
    path = workdir / "config/test.yaml"
    path.write_text(yaml.safe_dump({"extract": FAST, **extra}))
    return path


@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """One matrix-mode run on planted images."""
    workdir = copy_workflow(tmp_path_factory.mktemp("matrix"))
    table, W = planted_images(np.random.default_rng(5))
    table.to_csv(workdir / "images.csv")
    config = write_config(workdir, {"type": "matrix", "matrix": {
        "path": "images.csv", "name": "IMG", "features_are_pixels": [6, 6]}})
    run = snakemake(workdir, "--cores", "2", "--configfile", str(config))
    assert run.returncode == 0, run.stdout[-4000:]
    return workdir, W


def test_matrix_mode_recovers_the_planted_parts(matrix_run: tuple[Path, np.ndarray]) -> None:
    workdir, W = matrix_run
    provenance = read_json(workdir / "results/extract/IMG/provenance.json")
    assert provenance["chosen_rank"] == 3
    assert provenance["nmf"]["resampling"] == "scaled:10000"
    signatures = read_catalog(workdir / "results/extract/IMG/signatures.tsv", generic=True).data
    assert list(signatures.columns) == ["IMGA", "IMGB", "IMGC"]
    keep = W.sum(axis=1) > 0
    assert (match_cosines(signatures.to_numpy(), W[keep]) > 0.97).all()


def test_matrix_mode_drops_and_lists_all_zero_rows_and_columns(
        matrix_run: tuple[Path, np.ndarray]) -> None:
    workdir, W = matrix_run
    prepared = read_catalog(workdir / "results/catalogs/IMG.tsv", generic=True).data
    dropped = read_table(workdir / "results/catalogs/IMG_dropped.tsv")
    assert prepared.shape == (int((W.sum(axis=1) > 0).sum()), 23)
    dark = [f"p{i // 6}_{i % 6}" for i in np.flatnonzero(W.sum(axis=1) == 0)]
    assert {f"p{r}_5" for r in range(6)} <= set(dark)
    assert list(dropped.loc["feature", "label"]) == dark
    assert dropped.loc["sample", "label"] == "dark"
    log = workdir / "results/logs/catalog/prepare_matrix.log"
    assert "dropped sample 'dark'" in log.read_text()


def test_matrix_mode_refits_and_reports_without_genomics(
        matrix_run: tuple[Path, np.ndarray]) -> None:
    workdir, _ = matrix_run
    exposures = read_catalog(workdir / "results/refit/IMG/exposures.tsv", generic=True).data
    assert exposures.shape == (3, 23)
    assert (read_table(workdir / "results/refit/IMG/reconstruction.tsv")["cosine"] > 0.9).all()
    assert not (workdir / "results/refit/IMG/decomposition.tsv").exists()
    page = (workdir / "results/report/cohort.html").read_text()
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", page)  # inline figures
    assert "6 x 6 image" in text and "dark" in text and "SBS" not in text
    assert sorted(p.name for p in (workdir / "results/report/figures").iterdir()) == [
        f"{stem}.{ext}" for stem in ("components", "exposures", "rank_selection")
        for ext in ("png", "svg")]
    assert not (workdir / "results/catalogs/SBS96.tsv").exists()


def test_joint_mode_shares_exposures_across_modalities(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    H = rng.gamma(0.6, 1.0, size=(2, 16)) * 300
    Ws = {"rna": rng.dirichlet(np.full(20, 0.3), 2).T, "atac": rng.dirichlet(np.full(8, 0.3), 2).T}
    workdir = copy_workflow(tmp_path)
    modalities = []
    for name, W in Ws.items():
        table = pd.DataFrame(rng.poisson(W @ H), columns=[f"c{j}" for j in range(16)],
                             index=[f"{name}{i}" for i in range(W.shape[0])])
        if name == "atac":
            table = table[table.columns[::-1]]  # samples aligned by name, not position
        write_matrix(table, workdir / f"{name}.tsv", label="Feature")
        modalities.append({"name": name, "path": f"{name}.tsv", "weight": 2.0})
    config = write_config(workdir, {"type": "joint", "joint": {"name": "J",
                                                                "modalities": modalities}})
    config_data = yaml.safe_load(config.read_text())
    config_data["extract"]["ranks"] = {"min": 1, "max": 3}
    config_data["extract"]["replicates_per_chunk"] = 6  # one job per rank: fewer start-ups
    config.write_text(yaml.safe_dump(config_data))
    run = snakemake(workdir, "--cores", "2", "--configfile", str(config))
    assert run.returncode == 0, run.stdout[-4000:]
    assert read_json(workdir / "results/extract/J/provenance.json")["chosen_rank"] == 2
    for name, W in Ws.items():
        found = read_catalog(workdir / f"results/joint/J/{name}_signatures.tsv",
                            generic=True).data
        assert list(found.index) == [f"{name}{i}" for i in range(W.shape[0])]
        assert (match_cosines(found.to_numpy(), W) > 0.95).all()
    shares = read_table(workdir / "results/joint/J/modalities.tsv")
    np.testing.assert_allclose(shares.sum(axis=0), 1.0)
    exposures = read_catalog(workdir / "results/refit/J/exposures.tsv", generic=True).data
    assert list(exposures.columns) == [f"c{j}" for j in range(16)]
    figures = {p.name for p in (workdir / "results/report/figures").iterdir()}
    assert {"components_rna.png", "components_atac.png"} <= figures
    assert "<h3>atac</h3>" in (workdir / "results/report/cohort.html").read_text()


def test_bad_matrix_fails_before_any_job(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    (workdir / "bad.tsv").write_text("f\ts0\ts1\na\t1\t2\nb\t3\t-4\n")
    config = write_config(workdir, {"type": "matrix", "matrix": {"path": "bad.tsv"}})
    run = snakemake(workdir, "-n", "--configfile", str(config))
    assert run.returncode != 0
    assert "bad.tsv: line 3, column 's1': expected a nonnegative value" in run.stdout
    assert "Job stats" not in run.stdout


def test_vcf_only_refit_key_fails_before_any_job_in_matrix_mode(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    shutil.copytree(REPO / "resources/matrix_example", workdir / "resources/matrix_example")
    config = write_config(workdir, {"type": "matrix", "matrix": {
        "path": "resources/matrix_example/bars.tsv", "name": "BARS"},
        "refit": {"restrict_to": ["SBS1"]}})
    run = snakemake(workdir, "-n", "--configfile", str(config))
    assert run.returncode != 0
    assert "refit.restrict_to only applies to vcf mode" in run.stdout, run.stdout[-2000:]
    assert "Job stats" not in run.stdout


def test_matrix_mode_dry_run_has_no_genomics_jobs(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    shutil.copytree(REPO / "resources/matrix_example", workdir / "resources/matrix_example")
    config = write_config(workdir, {"type": "matrix", "matrix": {
        "path": "resources/matrix_example/bars.tsv", "name": "BARS"}})
    run = snakemake(workdir, "-n", "--configfile", str(config))
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    assert counts["prepare_matrix"] == 1 and counts["nmf_chunk"] == 3 * 2
    assert not {"catalog_sample", "merge_catalogs", "refit_reference", "report"} & set(counts)


@pytest.mark.parametrize("config", ["config/matrix_example.yaml", "config/joint_example.yaml"])
def test_lint_is_clean_in_matrix_and_joint_mode(tmp_path: Path, config: str) -> None:
    workdir = copy_workflow(tmp_path)
    shutil.copytree(REPO / "resources/matrix_example", workdir / "resources/matrix_example")
    run = snakemake(workdir, "--lint", "--configfile", config)
    assert run.returncode == 0, run.stdout
    assert "Congratulations, your workflow is in a good condition" in run.stdout

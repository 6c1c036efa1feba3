"""The bundled example (resources/example): its catalogs, truth tables and generator agree.

``sigforge catalog`` over the bundled VCFs must reproduce the truth catalogs exactly, the
truth signature tables must be the COSMIC columns the generator says it planted, and the
generator, run in a scratch copy, must rewrite the committed files byte for byte.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics import read_catalog

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources/example"
DATA = REPO / "src/sigforge/genomics/data"
#: Samples S01-S05 carry one PASS deletion besides the planted indels (see the README).
SKIP_SAMPLES = [f"S{i:02d}" for i in range(1, 6)]


def truth(name: str) -> pd.DataFrame:
    """A truth table of the example as a DataFrame (first column as index)."""
    return read_catalog(EXAMPLE / name).data


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sigforge catalog`` over the bundled VCFs (SBS96, DBS78, ID83)."""
    out = tmp_path_factory.mktemp("example_catalogs")
    code = main(["-q", "catalog", "--reference", str(EXAMPLE / "genome.fa"),
                 "--vcf-dir", str(EXAMPLE / "vcfs"), "--contexts", "SBS96", "DBS78", "ID83",
                 "--out", str(out)])
    assert code == 0
    return out


@pytest.mark.parametrize(("context", "table"), [
    ("SBS96", "truth_catalog.tsv"), ("DBS78", "truth_DBS78.tsv"), ("ID83", "truth_ID83.tsv")])
def test_catalog_of_the_bundled_vcfs_equals_the_truth(catalogs: Path, context: str,
                                                      table: str) -> None:
    counted = read_catalog(catalogs / f"{context}.tsv").data
    expected = truth(table)
    assert list(counted.index) == list(expected.index)
    assert list(counted.columns) == list(expected.columns)
    np.testing.assert_array_equal(counted.to_numpy(), expected.to_numpy())


def test_indel_truth_is_the_planted_draws_plus_the_skip_deletions() -> None:
    """Each sample's ID83 total is its planted ID3 + ID13 indels, plus one deletion in
    S01-S05; the companions carry about 100-300 indels per exposed sample."""
    catalog, exposures = truth("truth_ID83.tsv"), truth("truth_ID_exposures.tsv")
    extra = pd.Series(0, index=catalog.columns)
    extra[SKIP_SAMPLES] = 1
    pd.testing.assert_series_equal(catalog.sum(), exposures.sum() + extra, check_dtype=False)
    assert list(exposures.index) == ["ID3", "ID13"]
    assert catalog.to_numpy().sum() > 3000
    dbs_exposures = truth("truth_DBS_exposures.tsv")
    np.testing.assert_array_equal(truth("truth_DBS78.tsv").sum().to_numpy(),
                                  dbs_exposures.sum().to_numpy())


@pytest.mark.parametrize(("table", "cosmic"), [
    ("truth_ID_signatures.tsv", "COSMIC_v3.6_ID83.tsv"),
    ("truth_DBS_signatures.tsv", "COSMIC_v3.6_DBS78_GRCh37.tsv")])
def test_planted_signatures_are_the_cosmic_columns(table: str, cosmic: str) -> None:
    """Every channel is realisable, so each planted signature is its COSMIC column rescaled."""
    planted = truth(table)
    reference = pd.read_csv(DATA / cosmic, sep="\t", index_col=0)[planted.columns]
    np.testing.assert_allclose(planted.to_numpy(), (reference / reference.sum()).to_numpy(),
                               rtol=1e-9, atol=1e-12)
    unit = planted / np.linalg.norm(planted, axis=0)
    assert (unit.T @ unit).to_numpy()[0, 1] < 0.8  # distinct enough to be separated


def files_under(folder: Path) -> list[Path]:
    """Relative paths of the files under ``folder``, bytecode caches left out, sorted."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def test_generator_rewrites_the_committed_files(tmp_path: Path) -> None:
    """The generator is deterministic and the committed example is its output."""
    scratch = tmp_path / "resources/example"
    scratch.mkdir(parents=True)
    for script in EXAMPLE.glob("*.py"):
        shutil.copy(script, scratch / script.name)
    (tmp_path / "src").symlink_to(REPO / "src")
    (tmp_path / "config").mkdir()
    subprocess.run([sys.executable, str(scratch / "generate.py")], check=True,
                   capture_output=True)
    written = files_under(scratch)
    assert len(written) == 55  # 4 scripts, FASTA + index, 9 truth tables, 40 VCF files
    assert written == [p for p in files_under(EXAMPLE) if p.name != "README.md"]
    for path in written:
        assert filecmp.cmp(scratch / path, EXAMPLE / path, shallow=False), path
    assert filecmp.cmp(tmp_path / "config/samples.tsv", REPO / "config/samples.tsv",
                       shallow=False)

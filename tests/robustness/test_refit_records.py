"""A refit records what it fitted (``refit.json``: the signature table's SHA-256, the
catalog's digest), and ``report`` refuses a refit of another run.

The report paired a refit with the extract folder by signature names alone; a discovery's
names are letters (SBS96A, SBS96B) that another run (another seed) gives to other profiles,
so one run's exposures were shown beside another run's signatures (UV mutations reported as
SBS17b). It compared the catalog by burdens alone, so a refit of counts moved between
channels was shown as this catalog's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.report_folders import write_run
from tests.robustness._harness import assert_clear_error, run_cli


def _real_refit(capsys: pytest.CaptureFixture[str], root: Path, catalog: Path,
                out: Path, signatures: str) -> None:
    """``sigforge refit`` of ``catalog`` to ``signatures`` into ``out`` (replacing the
    written run's refit there)."""
    shutil.rmtree(out, ignore_errors=True)
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", signatures,
                      "--bootstrap", "0", "--out", str(out))
    assert outcome.code == 0, outcome.err


def _moved(root: Path, tmp_path: Path, sample: str) -> Path:
    """The run's SBS96 catalog with ``sample``'s counts moved between channels (its channel
    order reversed: the same burden), written to ``tmp_path/moved.tsv``."""
    catalog = pd.read_csv(root / "catalogs" / "SBS96.tsv", sep="\t", index_col=0)
    catalog[sample] = catalog[sample].to_numpy()[::-1]
    catalog.to_csv(tmp_path / "moved.tsv", sep="\t")
    return tmp_path / "moved.tsv"


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """The written run with a real de novo refit (refit/SBS96, its refit.json) and no
    reference refit."""
    folders = write_run(tmp_path / "run", patients=False)
    root = folders.root
    shutil.rmtree(root / "refit" / "SBS96")
    _real_refit(capsys, root, root / "catalogs" / "SBS96.tsv", root / "refit" / "SBS96",
                str(root / "extract" / "SBS96" / "signatures.tsv"))
    assert (root / "refit" / "SBS96" / "refit.json").is_file()
    assert run_cli(capsys, *folders.args).code == 0  # the run as it is: reported
    shutil.rmtree(root / "report")
    return folders


def test_a_refit_to_another_runs_signatures_is_refused(
        run, capsys: pytest.CaptureFixture[str]) -> None:
    """Another run's lettering: the chosen signatures' names swapped, the refit kept."""
    table = run.root / "extract" / "SBS96" / "signatures.tsv"
    frame = pd.read_csv(table, sep="\t", index_col=0)
    first, second = frame.columns[:2]
    frame.rename(columns={first: second, second: first})[list(frame.columns)].to_csv(
        table, sep="\t")
    outcome = run_cli(capsys, *run.args)
    assert_clear_error(outcome, "was refitted to another signature table than",
                       str(table), "Rerun the refit with --signatures")
    assert not (run.root / "report" / "cohort.html").exists()


def test_a_refit_of_counts_moved_between_channels_is_refused(
        run, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every sample's burden agrees (the only check there was); S1's counts are moved."""
    _real_refit(capsys, run.root, _moved(run.root, tmp_path, "S1"), run.root / "refit" / "SBS96",
                str(run.root / "extract" / "SBS96" / "signatures.tsv"))
    outcome = run_cli(capsys, *run.args)
    assert_clear_error(outcome, "was refitted from other counts than",
                       str(run.root / "catalogs" / "SBS96.tsv"))


def test_a_reference_refit_of_other_counts_is_refused(
        run, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reference = run.root / "refit" / "SBS96" / "reference"
    _real_refit(capsys, run.root, _moved(run.root, tmp_path, "S2"), reference, "COSMIC_v3.6")
    record = json.loads((reference / "refit.json").read_text())
    assert record["signatures"] == "COSMIC_v3.6" and record["signatures_sha256"] is None
    outcome = run_cli(capsys, *run.args)
    assert_clear_error(outcome, f"{reference}: was refitted from other counts")
    _real_refit(capsys, run.root, run.root / "catalogs" / "SBS96.tsv", reference,
                "COSMIC_v3.6")
    assert run_cli(capsys, *run.args).code == 0


@pytest.mark.parametrize(("column", "value"), [("counted_SBS96", 7), ("counted_ID83", 0)])
def test_a_catalog_log_that_contradicts_its_catalogs_is_refused(
        run, capsys: pytest.CaptureFixture[str], column: str, value: int) -> None:
    """The page said 'Variants read 2,128: 2,128 SNVs counted' beside a burden of 2,121, or
    '0 indels' beside an indel section: the log was never compared with the catalogs."""
    path = run.root / "catalogs" / "catalog_log.tsv"
    log = pd.read_csv(path, sep="\t", index_col=0)
    if column == "counted_ID83":
        indels = pd.read_csv(run.root / "catalogs" / "ID83.tsv", sep="\t", index_col=0)
        log[column] = indels.sum(axis=0).astype(int)
    log.loc["S2", column] = int(log.loc["S2", column]) + value if value else 0
    log.to_csv(path, sep="\t")
    outcome = run_cli(capsys, *run.args)
    assert_clear_error(outcome, str(path), f"sample S2: its {column}", "is not the sum")

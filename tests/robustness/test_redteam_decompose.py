"""The decomposition of refitted signatures into a reference set (``refit --decompose-into``)
against what a red-team sweep found: an SBS288 or SBS1536 catalog could not be refitted at
all (no shipped set has those tables), and a reference table in percent skewed every weight
without a word while the same table as ``--signatures`` was rescaled.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import SBS288_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import read_table, write_matrix
from tests.robustness._harness import run_cli


def _sbs288_run(tmp_path: Path) -> tuple[Path, Path]:
    """An SBS288 catalog made of SBS1 and SBS7a spread evenly over the strands, and the two
    as its (de novo) signature table."""
    cosmic = load_reference("COSMIC_v3.6").data
    rows = [label.split(":", 1)[1] for label in SBS288_CHANNELS]
    signatures = pd.DataFrame({name: cosmic.loc[rows, source].to_numpy() / 3
                               for name, source in (("SBS288A", "SBS1"), ("SBS288B", "SBS7a"))},
                              index=list(SBS288_CHANNELS))
    exposures = np.random.default_rng(2).uniform(300, 3000, size=(2, 6))
    catalog = pd.DataFrame(np.round(signatures.to_numpy() @ exposures).astype(int),
                           index=list(SBS288_CHANNELS), columns=[f"S{i}" for i in range(6)])
    write_matrix(catalog, tmp_path / "SBS288.tsv", integer=True)
    write_matrix(signatures, tmp_path / "signatures.tsv")
    return tmp_path / "SBS288.tsv", tmp_path / "signatures.tsv"


def test_an_sbs288_catalog_is_refitted_and_its_signatures_decomposed_summed_into_sbs96(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It stopped with "COSMIC_v3.6 has no SBS288 table" (the default --decompose-into), so
    every workflow counting SBS288 failed at its refit, after the discovery."""
    catalog, signatures = _sbs288_run(tmp_path)
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      str(signatures), "--bootstrap", "0", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    decomposition = read_table(tmp_path / "out/decomposition.tsv")
    assert decomposition["best_match"].to_dict() == {"SBS288A": "SBS1", "SBS288B": "SBS7a"}
    assert (decomposition["best_match_cosine"] > 0.999).all()


def test_a_decompose_into_table_in_percent_is_rescaled_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A reference column written in percent (SBS1 x 100) skewed a 2:1 mix of SBS1 and SBS13
    towards SBS13 (each weight scaled by 1 / its column's sum); an all-zero column was
    accepted."""
    cosmic = load_reference("COSMIC_v3.6").data
    mix = (2 * cosmic["SBS1"] + cosmic["SBS13"]) / 3
    signatures = pd.DataFrame({"SBS96A": mix}, index=cosmic.index)
    write_matrix(signatures, tmp_path / "signatures.tsv")
    catalog = pd.DataFrame({f"S{i}": np.round(mix * (1000 + 100 * i)).astype(int)
                            for i in range(4)}, index=cosmic.index)
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    reference = cosmic[["SBS1", "SBS13", "SBS5"]].copy()
    reference["SBS1"] *= 100
    write_matrix(reference, tmp_path / "percent.tsv")
    caplog.set_level(logging.WARNING)
    assert run_cli(capsys, "refit", "--catalog", str(tmp_path / "SBS96.tsv"), "--signatures",
                   str(tmp_path / "signatures.tsv"), "--decompose-into",
                   str(tmp_path / "percent.tsv"), "--bootstrap", "0", "--out",
                   str(tmp_path / "out")).code == 0
    assert "--decompose-into" in caplog.text and "SBS1 (sum 100)" in caplog.text
    components = read_table(tmp_path / "out/decomposition.tsv").at["SBS96A", "components"]
    weights = dict(part.split(":") for part in components.split(";"))
    assert abs(float(weights["SBS1"]) - 2 / 3) < 0.05
    reference["SBS5"] = 0.0
    write_matrix(reference, tmp_path / "zero.tsv")
    refused = run_cli(capsys, "refit", "--catalog", str(tmp_path / "SBS96.tsv"),
                      "--signatures", str(tmp_path / "signatures.tsv"), "--decompose-into",
                      str(tmp_path / "zero.tsv"), "--bootstrap", "0", "--out",
                      str(tmp_path / "out2"))
    assert refused.code == 2 and "--decompose-into" in refused.err and "SBS5" in refused.err

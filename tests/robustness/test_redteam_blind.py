"""Cases of the blind red-team sweeps (reproducers built from scratch by an author who had not
seen the suite): each asserts the message, the exit status and what is left on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sigforge.genomics.samplesheet import read_sample_sheet
from sigforge.io import InputError
from tests.robustness._harness import assert_clear_error, run_cli, sbs1_sbs13_catalog


def test_a_samples_sheet_that_is_a_named_pipe_is_named_as_one(tmp_path: Path) -> None:
    """A FIFO given as the samples sheet was reported as 'file not found' (it exists but is
    no regular file), sending the user to look for a missing file."""
    sheet = tmp_path / "samples.tsv"
    os.mkfifo(sheet)
    with pytest.raises(InputError) as caught:
        read_sample_sheet(sheet)
    message = str(caught.value)
    assert str(sheet) in message and "not a regular file" in message
    assert "not found" not in message


def test_a_dangling_link_as_out_folder_says_where_it_points(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A symbolic link to a folder that does not exist, given as --out, was described as 'a
    file stands where a folder is needed' (EEXIST from mkdir), after the work was done."""
    catalog = tmp_path / "catalog.tsv"
    sbs1_sbs13_catalog().to_csv(catalog, sep="\t")
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "missing_folder")
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      "COSMIC_v3.6", "--restrict-to", "SBS1,SBS13", "--out", str(out))
    assert_clear_error(outcome, str(out), "symbolic link", "missing_folder", "does not exist")
    assert "a file stands" not in outcome.err
    assert not (tmp_path / "missing_folder").exists() and out.is_symlink()

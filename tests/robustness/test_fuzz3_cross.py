"""Hostile inputs whose fixes sit in shared command-line code: a partly reversed --ranks,
fractional counts under count resampling, a control character in --catalog-name, sample names
that type inference would turn into numbers, and samples sheets with padded names or groups
that differ only in case.

Each bad case asserts exit 2, a message naming the input and the fix, and nothing written;
the readable case asserts the command works.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.samplesheet import read_sample_sheet
from sigforge.io import InputError, read_table, write_matrix
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

FAST = ("--replicates", "2", "--max-iter", "50", "--min-iter", "10", "--cv-folds", "0")


def _catalog(path: Path, samples: list[str], *, fraction: bool = False) -> Path:
    """A 96-channel catalog of whole counts (one cell 3.5 with ``fraction``)."""
    counts = np.random.default_rng(3).poisson(20, size=(96, len(samples))).astype(float)
    if fraction:
        counts[5, 1] = 3.5
    write_matrix(pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=samples), path,
                 integer=not fraction)
    return path


def test_a_partly_reversed_rank_list_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'2,4-3' used to keep 2 and drop the reversed part without a word."""
    catalog = _catalog(tmp_path / "c.tsv", [f"s{i}" for i in range(6)])
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2,4-3", *FAST,
                      "--out", str(out), case="extract:ranks-partly-reversed")
    assert_clear_error(outcome, "'4-3' holds no rank", "'3-4'", "2,4-3")
    assert_nothing_written(out)


def test_fractional_counts_are_refused_under_count_resampling(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mutation catalog (not only --generic) with a cell of 3.5 cannot be Poisson-resampled;
    scaled resampling takes it."""
    catalog = _catalog(tmp_path / "c.tsv", [f"s{i}" for i in range(6)], fraction=True)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2", *FAST,
                      "--out", str(out), case="extract:fractional-poisson")
    assert_clear_error(outcome, str(catalog), "'s1' holds 3.5", "--resampling scaled")
    assert_nothing_written(out)
    assert run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2", *FAST,
                   "--resampling", "scaled", "--out", str(out)).code == 0


@pytest.mark.parametrize(("name", "said"), [("a\tb", "a tab"), ("a\nb", "a line break")])
def test_a_control_character_in_the_catalog_name_is_refused(
        name: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _catalog(tmp_path / "c.tsv", [f"s{i}" for i in range(6)])
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2", *FAST,
                      "--catalog-name", name, "--out", str(out),
                      case=f"extract:catalog-name-{said}")
    assert_clear_error(outcome, "--catalog-name", said, "Choose a name without control")
    assert_nothing_written(out)


def test_merge_catalogs_keeps_sample_names_that_look_like_numbers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'007' and '1.0' stay themselves in catalog_log.tsv: read with type inference they
    became 7 and 1.0 and matched no catalog column ('damaged, rerun')."""
    folders = []
    for name, samples in (("a", ["007", "1.0"]), ("b", ["01"])):
        folder = tmp_path / name
        folder.mkdir()
        catalog = _catalog(folder / "SBS96.tsv", samples)
        burden = pd.read_csv(catalog, sep="\t", index_col=0).sum(axis=0)
        log = pd.DataFrame({"source": [f"{s}.vcf" for s in samples],
                            "variants_read": burden.to_numpy(),
                            "counted_SBS96": burden.to_numpy()},
                           index=pd.Index(samples, name="sample"))
        log.to_csv(folder / "catalog_log.tsv", sep="\t")
        folders.append(str(folder))
    out = tmp_path / "merged"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", *folders, "--out", str(out))
    assert outcome.code == 0, outcome.err
    merged = pd.read_csv(out / "SBS96.tsv", sep="\t", index_col=0, nrows=0)
    assert list(merged.columns) == ["007", "1.0", "01"]
    log = pd.read_csv(out / "catalog_log.tsv", sep="\t", dtype=str)
    assert list(log.iloc[:, 0]) == ["007", "1.0", "01"]
    assert read_table(out / "catalog_log.tsv").shape[0] == 3


def _sheet(tmp_path: Path, rows: list[str], header: str = "sample_id\tvcf") -> Path:
    for number in range(len(rows)):
        (tmp_path / f"v{number}.vcf").write_text("##fileformat=VCFv4.2\n")
    path = tmp_path / "samples.tsv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_a_padded_sample_id_is_refused_with_its_line(tmp_path: Path) -> None:
    """'S01 ' would be stored as 'S01' by the catalogs and collide with 'S01' there."""
    sheet = _sheet(tmp_path, ["S01\tv0.vcf", "S01 \tv1.vcf"])
    with pytest.raises(InputError, match=r"line 3: sample_id 'S01 ' starts or ends with a "
                                         r"space"):
        read_sample_sheet(sheet)


def test_groups_differing_only_in_case_are_refused_naming_both_lines(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, ["S1\tv0.vcf\tLung", "S2\tv1.vcf\tlung"],
                   header="sample_id\tvcf\tgroup")
    with pytest.raises(InputError, match=r"line 3: group 'lung' differs only in case from "
                                         r"group 'Lung' \(line 2\)"):
        read_sample_sheet(sheet)

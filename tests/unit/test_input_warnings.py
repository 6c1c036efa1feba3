"""Inputs read with a warning that were read without a word: a user's table saved under a
shipped set's name (``./COSMIC_v3.6``), passed over for the shipped set; a BED12 gene model,
read as its whole span."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from sigforge.genomics import reference
from sigforge.genomics.reference import load_reference
from sigforge.io import write_matrix


def test_a_file_named_like_a_shipped_set_is_warned_about(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(reference, "_SHADOW_WARNED", set())
    shipped = load_reference("COSMIC_v3.6").data
    write_matrix(shipped[["SBS1"]].rename(columns={"SBS1": "Mine"}), tmp_path / "COSMIC_v3.6")
    with caplog.at_level(logging.WARNING):
        assert load_reference("COSMIC_v3.6").data.shape == shipped.shape
        load_reference("COSMIC_v3.6")
    assert caplog.text.count("give it as ./COSMIC_v3.6 to use the file") == 1
    assert list(load_reference("./COSMIC_v3.6").data.columns) == ["Mine"]
    assert isinstance(shipped, pd.DataFrame)


def test_a_bed12_gene_model_is_read_as_its_span_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Its exon blocks were ignored unsaid: intronic variants were listed as in the gene."""
    from sigforge.genomics.regions import read_regions

    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t0\t1000\tg1\t0\t+\t0\t1000\t0\t2\t100,100\t0,900\n"
                   "chr1\t2000\t2100\tg2\t0\t+\t2000\t2100\t0\t1\t100\t0\n")
    with caplog.at_level(logging.WARNING):
        regions = read_regions(bed)
    assert regions[["start", "end"]].values.tolist() == [[0, 1000], [2000, 2100]]
    assert "1 line(s) are BED12 gene models of several blocks" in caplog.text


def test_a_bed_line_mixing_spaces_and_tabs_names_the_cause(tmp_path: Path) -> None:
    """'chr1  0<TAB>1000<TAB>g' was refused as "end 'g' is not a whole number"."""
    from sigforge.genomics.regions import read_regions
    from sigforge.io import InputError

    bed = tmp_path / "mixed.bed"
    bed.write_text("chr1  0\t1000\tg\n")
    with pytest.raises(InputError, match=r"line 1: the chromosome 'chr1  0' holds spaces: "
                                         r"the line mixes spaces and tabs"):
        read_regions(bed)


def test_an_sbs96_label_is_not_told_to_be_written_as_itself() -> None:
    """SBS96 signatures for an SBS1536 catalog read "write 'A[C>A]A' as 'A[C>A]A'"."""
    from sigforge.cli.refit_checks import sbs_spelling_hint

    assert sbs_spelling_hint("A[C>A]A") == ""
    assert "as 'A[C>A]A' (square brackets)" in sbs_spelling_hint("A(C>A)A")


@pytest.mark.parametrize("first", ["sep=,", "sep=\t", '"sep=,"'])
def test_excels_separator_line_is_named(tmp_path: Path, first: str) -> None:
    """It was 'line 2 has 5 fields ... but the header (line 1) has 2: remove the extra'."""
    from sigforge.io import InputError, read_matrix

    table = tmp_path / "export.csv"
    table.write_text(f"{first}\nMutationType,S1,S2\nA[C>A]A,1,2\n")
    with pytest.raises(InputError, match=r"line 1 is .*sep=.*Excel's note of the separator"):
        read_matrix(table)

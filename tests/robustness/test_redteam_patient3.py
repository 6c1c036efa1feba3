"""Per-patient cases of a third red-team sweep, each now fixed.

A patient refitted on its own (``sigforge refit --vcf``) against a cohort's de novo
``signatures.tsv`` carries what the cohort's own pages carry: the rank caution and edge
warning of its discovery, and no aetiology for a component the bootstrap did not reproduce.
A signature whose interval includes 0 gets its aetiology only as "if present: ...", and a
variant in a region of interest attributed to such a signature is marked "not established"
with a note, where the page named it with a probability of 1.000 and no caveat.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from sigforge.report.established import mark_unestablished
from tests.robustness._harness import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"
GENOME = EXAMPLE / "genome.fa"
S01 = EXAMPLE / "vcfs" / "S01.vcf"


@pytest.fixture(scope="module")
def discovery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real extract run of the example's exact catalog (ranks 4-5, so k = 5 is an edge),
    its record then marked as chosen with caution and its signature A (SBS1, which S01
    carries) as unreproduced, as
    a fallback rank leaves them."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("discovery") / "SBS96"
    assert main(["-q", "extract", "--catalog", str(EXAMPLE / "truth_catalog.tsv"),
                 "--ranks", "4-5", "--replicates", "4", "--max-iter", "300",
                 "--cv-folds", "2", "--threads", "1", "--out", str(folder)]) == 0
    provenance = json.loads((folder / "provenance.json").read_text())
    provenance["rank_caution"] = True
    (folder / "provenance.json").write_text(json.dumps(provenance))
    stability = pd.read_csv(folder / "stability.tsv", sep="\t", index_col=0)
    stability.iloc[0, 0] = -0.5
    stability.to_csv(folder / "stability.tsv", sep="\t")
    return folder


def _page(out: Path) -> str:
    """The one patient page of a per-patient run."""
    (page,) = (out / "patients").glob("*.html")
    return page.read_text(encoding="utf-8")


def test_a_patient_refitted_to_a_cohorts_signatures_carries_its_cautions(
        discovery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page had no rank caution or edge warning and stated the aetiology of a component
    with stability -0.5 (below the rule's 0.2), while the cohort report's page of the same
    sample withheld it."""
    outcome = run_cli(capsys, "refit", "--vcf", str(S01), "--reference", str(GENOME),
                      "--signatures", str(discovery / "signatures.tsv"), "--bootstrap", "50",
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    page = _page(tmp_path / "out")
    assert 'id="rank-caution"' in page and 'id="rank-edge"' in page
    assert "stability -0.50 is below the rule&#39;s 0.2" in page or \
        "stability -0.50 is below the rule's 0.2" in page


def test_a_ranks_own_table_gets_its_stabilities_but_no_rank_caution(
        discovery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rank's own table (k5/signatures.tsv, the rank's folder) comes with no record of
    the rank choice: the cohort's caution is not stated for it, but the rule's threshold (in
    the folder above) still withholds an unreproduced component's aetiology."""
    rank = discovery / "k5"
    stability = pd.read_csv(rank / "stability.tsv", sep="\t", index_col=0)
    stability["stability"] = -0.4
    stability.to_csv(rank / "stability.tsv", sep="\t")
    outcome = run_cli(capsys, "refit", "--vcf", str(S01), "--reference", str(GENOME),
                      "--signatures", str(rank / "signatures.tsv"), "--bootstrap", "50",
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    page = _page(tmp_path / "out")
    assert 'id="rank-caution"' not in page
    assert "stability -0.40 is below the rule" in page


def test_stabilities_of_other_signatures_are_warned_of_and_not_used(
        discovery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A table whose columns were renamed since cannot be matched to its stability.tsv."""
    folder = tmp_path / "edited"
    folder.mkdir()
    table = pd.read_csv(discovery / "signatures.tsv", sep="\t", index_col=0)
    table.columns = [f"mine{i}" for i in range(table.shape[1])]
    table.to_csv(folder / "signatures.tsv", sep="\t")
    (folder / "stability.tsv").write_text((discovery / "stability.tsv").read_text())
    with caplog.at_level(logging.WARNING):
        outcome = run_cli(capsys, "refit", "--vcf", str(S01), "--reference", str(GENOME),
                          "--signatures", str(folder / "signatures.tsv"), "--bootstrap", "0",
                          "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert "they are not from one discovery run" in caplog.text
    assert "stability -0.50" not in _page(tmp_path / "out")


def _three_snvs(tmp_path: Path) -> Path:
    """S01's first three PASS SNVs on chr1: too few for any signature to be established."""
    lines = S01.read_text().splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    snvs = [line for line in lines if not line.startswith("#")
            and line.split("\t")[0] == "chr1" and line.split("\t")[6] == "PASS"
            and len(line.split("\t")[3]) == len(line.split("\t")[4]) == 1][:3]
    path = tmp_path / "three.vcf"
    path.write_text("".join(header + snvs))
    return path


def test_variants_of_a_signature_not_established_are_marked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With three SNVs every interval includes 0 ("No signature is established"), yet the
    regions table named one signature at probability 1.000 for each variant, without a
    caveat, and the exposure table gave its aetiology as it gives a finding's."""
    bed = tmp_path / "chr1.bed"
    bed.write_text("chr1\t0\t900000\tchr1_all\n")
    outcome = run_cli(capsys, "refit", "--vcf", str(_three_snvs(tmp_path)), "--reference",
                      str(GENOME), "--signatures", "COSMIC_v3.6", "--regions-of-interest",
                      str(bed), "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    page = _page(tmp_path / "out")
    assert "No signature is established" in page
    assert page.count("(not established)") == 3
    assert 'id="regions-unestablished"' in page
    assert "if present: " in page


def test_marking_follows_each_variants_own_type() -> None:
    """An indel attributed to ID1 is marked only when ID1 is uncertain in the ID83 refit,
    whatever the SNV refit says of a signature of the same name; untyped tables are SNVs."""
    typed = pd.DataFrame({"type": ["SBS96", "ID83", "SBS96"], "signature": ["SBS1", "ID1", "SBS5"]})
    shown, marked = mark_unestablished(typed, {"SBS96": {"SBS5"}, "ID83": set()})
    assert marked == 1
    assert shown["signature"].tolist() == ["SBS1", "ID1", "SBS5 (not established)"]
    assert typed["signature"].tolist() == ["SBS1", "ID1", "SBS5"]  # the input is not changed
    plain = pd.DataFrame({"signature": ["SBS1", "SBS2"]})
    plain.attrs["skipped"] = {"filtered": 2}
    shown, marked = mark_unestablished(plain, {"SBS96": {"SBS1", "SBS2"}})
    assert marked == 2 and shown.attrs == {"skipped": {"filtered": 2}}


def test_the_page_says_where_every_variant_read_went(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page stated "Burden 2,121" for a VCF of 2,370 variants and nowhere said that 3
    were filtered (their counts were only in catalog_log.tsv): counted and skipped now add
    up to the variants read, on the page."""
    outcome = run_cli(capsys, "refit", "--vcf", str(S01), "--reference", str(GENOME),
                      "--signatures", "COSMIC_v3.6", "--bootstrap", "0",
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    page = _page(tmp_path / "out")
    log = pd.read_csv(tmp_path / "out" / "catalog_log.tsv", sep="\t").iloc[0]
    assert (f'id="variants-read">{log["variants_read"]:,}: {log["counted_SBS96"]:,} SNVs, '
            f'{log["counted_DBS78"]:,} doublets, {log["counted_ID83"]:,} indels counted') in page
    assert f"{log['filtered']} filtered (FILTER not PASS)" in page
    assert f"{log['in_dbs']} merged into a doublet" in page
    assert log["counted_SBS96"] + log["counted_DBS78"] + log["counted_ID83"] + \
        log["filtered"] + log["in_dbs"] == log["variants_read"]


def test_a_tumour_type_prior_that_knows_no_signature_is_not_listed_as_applied(
        discovery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Against de novo signatures the refit warned that --tumour-type changes nothing, while
    the page's Run table listed the prior as if it had been applied."""
    outcome = run_cli(capsys, "refit", "--vcf", str(S01), "--reference", str(GENOME),
                      "--signatures", str(discovery / "signatures.tsv"), "--bootstrap", "0",
                      "--tumour-type", "Skin-Melanoma", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert "Skin-Melanoma, not applied: it knows none of these signatures" in \
        _page(tmp_path / "out")


def test_an_overlong_sample_name_is_refused_naming_the_option_that_renames_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The message said to give a shorter name but not how (--sample-name)."""
    vcf = tmp_path / "long.vcf"
    vcf.write_text(S01.read_text().replace("\tS01\n", "\t" + "L" * 250 + "\n", 1))
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(GENOME),
                      "--signatures", "COSMIC_v3.6", "--out", str(tmp_path / "out"))
    assert outcome.code == 2 and "250 characters long" in outcome.err
    assert "--sample-name names a VCF's or MAF's sample" in outcome.err
    assert not (tmp_path / "out").exists()


def test_a_region_on_a_contig_without_variants_is_noted_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """The note came twice: once for the counted variants, once more from the pass over the
    skipped ones (which hold no counted variant by definition)."""
    vcf = tmp_path / "no_chr4.vcf"
    vcf.write_text("".join(line for line in S01.read_text().splitlines(keepends=True)
                           if not line.startswith("chr4\t")))
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t999\t20000\tR1\nchr4\t100\t2000\tR4\n")
    with caplog.at_level(logging.INFO):
        outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(GENOME),
                          "--signatures", "COSMIC_v3.6", "--bootstrap", "0",
                          "--regions-of-interest", str(bed), "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert caplog.text.count("regions of interest on chr4 hold no counted variant") == 1


def test_a_damaged_table_of_a_discovery_says_how_to_rebuild_it(
        discovery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A signatures.tsv cut short after extract wrote it got only the advice for a user's
    table ("Fill in the missing value(s)"); it now also says to delete and rebuild it."""
    import shutil

    folder = tmp_path / "SBS96"
    shutil.copytree(discovery, folder)
    text = (folder / "signatures.tsv").read_text()
    (folder / "signatures.tsv").write_text(text[:len(text) // 2])
    outcome = run_cli(capsys, "refit", "--catalog", str(EXAMPLE / "truth_catalog.tsv"),
                      "--signatures", str(folder / "signatures.tsv"),
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "was written by sigforge extract" in outcome.err
    assert "delete it and rerun the step that writes it" in outcome.err
    assert not (tmp_path / "out").exists()

"""Per-patient refit cases a red-team sweep found mishandled, each now fixed.

A rerun into the same --out removes what the earlier run wrote and this one does not (the
intervals before --bootstrap 0, the DBS78/ and ID83/ refits before a table of SBS96 only),
as one all-or-nothing step; the patient page labels intervals with their level (recorded in
exposure_intervals.tsv, so ``sigforge report`` labels them too) and, when they rest on too
few resamples, marks every exposure uncertain with a visible warning; the regions-of-interest
section says it lists SNVs and counts the doublets and indels the regions hold; --assay
regions without --regions is refused (or warned about); no output may replace a FASTA's index;
a regions-of-interest BED of unknown contigs is refused; --tumour-type and --penalty with a
method other than negbin are warned about; mutation_probabilities.tsv quotes its header as
the other tables do.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.reference import load_reference
from sigforge.io import read_table, write_matrix, write_table
from sigforge.report.patient_rows import (
    interval_label,
    interval_settings,
    is_uncertain,
    too_few_resamples,
)
from tests.conftest import write_fasta, write_vcf
from tests.report_folders import write_run
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
    sbs1_sbs13_catalog,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"
GENOME = EXAMPLE / "genome.fa"
S01 = EXAMPLE / "vcfs" / "S01.vcf"


def _patient(capsys: pytest.CaptureFixture[str], out: Path, *options: str,
             vcf: Path = S01, reference: Path = GENOME, signatures: str = "COSMIC_v3.6",
             case: str | None = None):  # noqa: ANN202 - an Outcome
    """Run ``sigforge refit --vcf VCF --reference FASTA --signatures SET OPTIONS --out OUT``."""
    return run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(reference),
                   "--signatures", signatures, *options, "--out", str(out), case=case)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


@pytest.fixture(scope="module")
def sbs96_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's signature table of SBS96 only (four COSMIC columns under their names)."""
    path = tmp_path_factory.mktemp("sigs") / "mysigs.tsv"
    cosmic = load_reference("COSMIC_v3.6").data
    write_matrix(cosmic[["SBS1", "SBS5", "SBS13", "SBS7a"]], path, label="MutationType")
    return path


# -- 1. a rerun into the same --out ---------------------------------------------------------

def test_a_rerun_with_bootstrap_0_leaves_no_intervals_of_the_earlier_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first run's exposure_intervals.tsv (and DBS78/, ID83/ intervals) stayed, byte for
    byte, beside the second run's exposures, listing signatures the new refit does not have."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert _patient(capsys, out, "--bootstrap", "5").code == 0
    assert (out / "exposure_intervals.tsv").is_file()
    options = ("--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap", "0")
    outcome = _patient(capsys, out, *options, case="refit --vcf: rerun with --bootstrap 0")
    assert outcome.code == 0, outcome.err
    assert _patient(capsys, fresh, *options).code == 0
    assert files_under(out) == files_under(fresh)
    assert not any(name.endswith("exposure_intervals.tsv") for name in files_under(out))


def test_a_rerun_against_an_sbs96_table_leaves_no_doublet_or_indel_refit(
        sbs96_table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A set without DBS78/ID83 tables: the first run's DBS78.tsv, ID83.tsv, DBS78/, ID83/ and
    their figures stayed beside the new refit."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert _patient(capsys, out, "--bootstrap", "5").code == 0
    assert (out / "DBS78" / "exposures.tsv").is_file()
    outcome = _patient(capsys, out, "--bootstrap", "5", signatures=str(sbs96_table))
    assert outcome.code == 0, outcome.err
    assert _patient(capsys, fresh, "--bootstrap", "5", signatures=str(sbs96_table)).code == 0
    assert files_under(out) == files_under(fresh)
    assert not (out / "DBS78").exists() and not (out / "ID83").exists()


def test_a_failed_rerun_puts_back_what_it_had_removed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The removals are part of the run's all-or-nothing commit: a failure after them (here a
    full disk) leaves the folder exactly as the earlier run left it."""
    import sigforge.cli.refit as refit_module

    out = tmp_path / "out"
    assert _patient(capsys, out, "--bootstrap", "5").code == 0
    before = _snapshot(out)
    original = refit_module.discard_stale_outputs

    def discard_then_fail(paths: list[Path], why: str) -> list[Path]:
        removed = original(paths, why)
        assert removed, "the rerun should have removed the earlier intervals"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))

    monkeypatch.setattr(refit_module, "discard_stale_outputs", discard_then_fail)
    outcome = _patient(capsys, out, "--bootstrap", "0", "--restrict-to", "SBS1,SBS5")
    assert outcome.code == 2 and "disk is full" in outcome.err, outcome.err
    assert _snapshot(out) == before


def test_a_catalog_rerun_with_bootstrap_0_removes_the_intervals(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "SBS96.tsv"
    write_matrix(sbs1_sbs13_catalog(4), catalog, integer=True)
    out = tmp_path / "out"
    for bootstrap in ("5", "0"):
        outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                          "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap",
                          bootstrap, "--out", str(out))
        assert outcome.code == 0, outcome.err
        assert (out / "exposure_intervals.tsv").is_file() is (bootstrap == "5")
    assert files_under(out) == [".refit_files", "decomposition.tsv", "exposures.tsv",
                                "reconstruction.tsv", "refit.json"]


def test_a_rerun_elsewhere_or_under_another_name_removes_the_earlier_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rerun into the same --out with --page-dir elsewhere, or with another --sample-name,
    left the earlier run's page and figures beside this run's exposures (a negbin page beside
    nnls exposures): every file the earlier run listed and this one did not write goes."""
    out = tmp_path / "out"
    assert _patient(capsys, out, "--bootstrap", "0").code == 0
    assert (out / "patients" / "S01.html").is_file()
    pages = tmp_path / "pages"
    assert _patient(capsys, out, "--bootstrap", "0", "--method", "nnls",
                    "--page-dir", str(pages)).code == 0
    assert not (out / "patients").exists() and not (out / "figures").exists()
    assert (pages / "patients" / "S01.html").is_file()
    assert _patient(capsys, out, "--bootstrap", "0", "--sample-name", "PX").code == 0
    assert _patient(capsys, out, "--bootstrap", "0", "--sample-name", "PY").code == 0
    assert sorted(path.name for path in (out / "patients").iterdir()) == ["PY.html"]
    assert all(path.name.startswith("PY_") for path in (out / "figures" / "patients").iterdir())
    assert (pages / "patients" / "S01.html").is_file()  # outside --out: not this folder's


def test_a_catalog_refit_keeps_what_other_commands_wrote_since(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """refit --vcf into Y, then catalog into Y, then refit --catalog into Y: the last run
    removed the catalogs catalog had written (their names were in the first refit's list).
    Only pages and figures the earlier refit wrote, untouched since, are its to remove; and
    a refit of the folder's own SBS96.tsv into it is not refused."""
    out = tmp_path / "Y"
    assert _patient(capsys, out, "--bootstrap", "0").code == 0
    assert run_cli(capsys, "catalog", "--reference", str(GENOME), "--vcf", str(S01),
                   "--out", str(out)).code == 0
    catalogs = {name: (out / name).read_bytes()
                for name in ("SBS96.tsv", "DBS78.tsv", "ID83.tsv", "catalog_log.tsv")}
    cohort = tmp_path / "cohort.tsv"
    cohort.write_bytes(catalogs["SBS96.tsv"])
    outcome = run_cli(capsys, "refit", "--catalog", str(cohort), "--signatures", "COSMIC_v3.6",
                      "--bootstrap", "0", "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert {name: (out / name).read_bytes() for name in catalogs} == catalogs
    assert not (out / "patients").exists()  # the first refit's page: its own, stale
    again = tmp_path / "X"
    assert _patient(capsys, again, "--bootstrap", "0").code == 0
    outcome = run_cli(capsys, "refit", "--catalog", str(again / "SBS96.tsv"), "--signatures",
                      "COSMIC_v3.6", "--bootstrap", "0", "--out", str(again))
    assert outcome.code == 0, outcome.err


def test_an_input_named_like_an_output_to_remove_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Removing an earlier run's outputs never removes a file the command reads."""
    catalog = tmp_path / "SBS96.tsv"
    write_matrix(sbs1_sbs13_catalog(4), catalog, integer=True)
    out = tmp_path / "out"
    assert run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                   "--bootstrap", "5", "--out", str(out)).code == 0  # an earlier refit's
    names = out / "exposure_intervals.tsv"
    names.write_text("SBS1,SBS13\n")
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      "COSMIC_v3.6", "--restrict-to", str(names), "--bootstrap", "0",
                      "--out", str(out), case="refit: input named like a stale output")
    assert_clear_error(outcome, str(names), "--restrict-to",
                       "never replaces or deletes a file it reads")
    assert names.read_text() == "SBS1,SBS13\n"


# -- 2. the level of the intervals ----------------------------------------------------------

def test_the_patient_page_labels_intervals_with_their_level(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--confidence 0.5: the page said '95% interval' over the 50% intervals."""
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "10", "--confidence", "0.5")
    assert outcome.code == 0, outcome.err
    page = (out / "patients" / "S01.html").read_text(encoding="utf-8")
    assert "50% interval" in page and "95% interval" not in page
    for table in (out / "exposure_intervals.tsv", out / "DBS78" / "exposure_intervals.tsv"):
        intervals = read_table(table)
        assert set(intervals["confidence"]) == {0.5} and set(intervals["resamples"]) == {10}
        assert interval_settings(intervals) == (0.5, 10)


@pytest.mark.parametrize(("confidence", "resamples", "label", "warned"), [
    (None, None, "Interval (level not recorded)", False), (0.8, 100, "80% interval", False),
    (0.95, 4, "95% interval", True)], ids=["old-file", "recorded", "too-few"])
def test_the_cohort_report_labels_intervals_from_the_file(
        confidence: float | None, resamples: int | None, label: str, warned: bool,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``sigforge report`` reads the level from exposure_intervals.tsv; a table written before
    it was recorded says so (--confidence could be set, so 95% cannot be assumed)."""
    run = write_run(tmp_path / "run", patients=False)
    table = run.root / "refit" / "SBS96" / "exposure_intervals.tsv"
    if confidence is not None:
        write_table(read_table(table).assign(confidence=confidence, resamples=resamples),
                    table)
    outcome = run_cli(capsys, *run.args)
    assert outcome.code == 0, outcome.err
    page = (run.root / "report" / "patients" / "S1.html").read_text(encoding="utf-8")
    assert f">{label}</th>" in page
    assert ("95% interval" in page) is (label == "95% interval")
    assert ('id="few-resamples"' in page) is warned


# -- 3. too few resamples -------------------------------------------------------------------

def test_too_few_resamples_state_no_finding_and_say_why_on_the_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--bootstrap 5 at 95% (39 needed): the page stated findings from intervals that were the
    resamples' extremes, with only a line on standard error."""
    few, enough = tmp_path / "few", tmp_path / "enough"
    assert _patient(capsys, few, "--bootstrap", "5").code == 0
    page = (few / "patients" / "S01.html").read_text(encoding="utf-8")
    assert 'id="few-resamples"' in page and "only 5 resamples" in page
    assert "--bootstrap 39 or more" in page
    assert "attributed to" not in page.split('<section class="reading">')[1].split("</section>")[0]
    assert "rest on too few resamples to establish any" in page
    assert _patient(capsys, enough, "--bootstrap", "39").code == 0
    page = (enough / "patients" / "S01.html").read_text(encoding="utf-8")
    assert 'id="few-resamples"' not in page and "attributed to" in page


def test_the_decisions_behind_the_few_resamples_warning() -> None:
    assert too_few_resamples(0.95, 38) and not too_few_resamples(0.95, 39)
    assert too_few_resamples(0.5, 2) and not too_few_resamples(0.5, 3)
    assert not too_few_resamples(None, 5) and not too_few_resamples(0.95, None)
    assert is_uncertain(40.0, 12.0, enough_resamples=False)
    assert not is_uncertain(0.0, 0.0, enough_resamples=False)  # unused: "not found"
    # no intervals at all: the page establishes nothing (it passes enough_resamples=False
    # and says why, sigforge.report.fit_support.no_intervals_support); a row the intervals
    # table lacks is otherwise left unmarked
    assert is_uncertain(40.0, math.nan, enough_resamples=False)
    assert not is_uncertain(40.0, math.nan)
    assert is_uncertain(40.0, 0.3) and not is_uncertain(40.0, 0.5)  # half a mutation
    assert interval_label(0.95) == "95% interval" and interval_label(0.995) == "99.5% interval"
    assert interval_label(None) == "Interval (level not recorded)"
    mixed = pd.DataFrame({"lower": [1.0, 2.0], "confidence": [0.9, 0.95],
                          "resamples": [100, 100]})
    assert interval_settings(mixed) == (None, 100)
    assert interval_settings(pd.DataFrame({"lower": [1.0]})) == (None, None)


# -- 4. doublets and indels in regions of interest -----------------------------------------

@pytest.fixture(scope="module")
def roi_patient(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A 6-kb contig, a patient with 150 SNVs before position 2,000 and, inside the region of
    interest chr1:3001-3200, one doublet (3050-3051) and one deletion (at 3100); and that
    region's BED."""
    folder = tmp_path_factory.mktemp("roi")
    rng = np.random.default_rng(7)
    sequence = "".join(rng.choice(list("ACGT"), size=6000))
    fasta = write_fasta(folder / "ref.fa", {"chr1": sequence})
    swap = {"A": "T", "C": "T", "G": "A", "T": "C"}
    positions = np.sort(rng.choice(np.arange(2, 2000, 2), size=150, replace=False))
    records = [("chr1", int(p), sequence[p - 1], swap[sequence[p - 1]], "PASS")
               for p in positions]
    records += [("chr1", p, sequence[p - 1], swap[sequence[p - 1]], "PASS")
                for p in (3050, 3051)]
    records.append(("chr1", 3100, sequence[3099:3101], sequence[3099], "PASS"))
    vcf = write_vcf(folder / "patient.vcf", records, samples=("P1",))
    bed = folder / "roi.bed"
    bed.write_text("chr1\t3000\t3200\tDRIVER\n")
    return fasta, vcf, bed


def test_the_regions_table_lists_the_doublets_and_indels_of_the_regions(
        roi_patient: tuple[Path, Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The page said 'No counted variant falls in the given regions' of a region holding a
    counted doublet and a counted indel; later it only counted them. Now each is a row of
    regions_of_interest.tsv and of the page's table, with its type, its channel and the most
    likely signature of its type's refit."""
    fasta, vcf, bed = roi_patient
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed),
                       vcf=vcf, reference=fasta)
    assert outcome.code == 0, outcome.err
    log = read_table(out / "catalog_log.tsv")
    assert (log["counted_DBS78"].iloc[0], log["counted_ID83"].iloc[0]) == (1, 1)
    table = pd.read_csv(out / "regions_of_interest.tsv", sep="\t", keep_default_na=False)
    assert table[["type", "pos"]].values.tolist() == [["DBS78", 3050], ["ID83", 3100]]
    assert table["channel"].tolist()[1].startswith("1:Del:")
    assert all(name.startswith(("DBS", "ID")) for name in table["signature"])
    assert ((table["probability"] > 0) & (table["probability"] <= 1)).all()
    page = (out / "patients" / "P1.html").read_text(encoding="utf-8")
    assert "No counted" not in page and "DBS78</td>" in page and "ID83</td>" in page


def test_only_the_counted_doublets_and_indels_of_the_regions_are_listed(
        roi_patient: tuple[Path, Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With --regions ending at 3,080 the indel is not counted at all, so the region of
    interest holds the doublet alone."""
    fasta, vcf, bed = roi_patient
    targets = tmp_path / "targets.bed"
    targets.write_text("chr1\t0\t3080\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed),
                       "--regions", str(targets), vcf=vcf, reference=fasta)
    assert outcome.code == 0, outcome.err
    table = pd.read_csv(out / "regions_of_interest.tsv", sep="\t", keep_default_na=False)
    assert table["type"].tolist() == ["DBS78"]


@pytest.mark.parametrize(("contigs", "refused"), [
    (("NC_000001.11", "Chr1"), True), (("chr1", "NC_000001.11"), False)],
    ids=["none-known", "some-unknown"])
def test_regions_of_interest_on_contigs_the_fasta_lacks(
        contigs: tuple[str, ...], refused: bool, roi_patient: tuple[Path, Path, Path],
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A BED none of whose contigs is in the FASTA succeeded silently (--regions refuses it)."""
    fasta, vcf, _ = roi_patient
    bed = tmp_path / "roi.bed"
    bed.write_text("".join(f"{contig}\t100\t200\n" for contig in contigs))
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest",
                           str(bed), vcf=vcf, reference=fasta,
                           case=f"refit --vcf: regions of interest on {', '.join(contigs)}")
    if refused:
        assert_clear_error(outcome, f"--regions-of-interest {bed}, line 1",
                           "none of the BED's contigs (NC_000001.11, Chr1)",
                           "is in the reference FASTA")
        assert_nothing_written(out)
    else:
        assert outcome.code == 0, outcome.err
        assert "NC_000001.11 are not in the reference FASTA" in caplog.text


# -- 5. --assay regions without --regions ---------------------------------------------------

@pytest.fixture(scope="module")
def panel_opportunities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Opportunities of a 30-bp panel (most trinucleotides absent) and of a panel of all of
    chr1 (every trinucleotide present), written by ``sigforge opportunities``."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("panel")
    tables = {}
    for name, end in (("tiny", 1030), ("wide", 500_000)):
        bed = folder / f"{name}.bed"
        bed.write_text(f"chr1\t1000\t{end}\n")
        tables[name] = folder / f"{name}.tsv"
        assert main(["-q", "opportunities", "--reference", str(GENOME), "--regions", str(bed),
                     "--out", str(tables[name])]) == 0
    return tables


def test_assay_regions_without_regions_is_refused_when_the_catalog_cannot_be_the_panels(
        panel_opportunities: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """593 of 2,121 SNVs fell in channels the panel's opportunities made impossible; the fit
    went on without a word."""
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--assay", "regions",
                       "--opportunities", str(panel_opportunities["tiny"]),
                       case="refit --vcf: --assay regions without --regions")
    assert_clear_error(outcome, "--assay regions", "no --regions", "Give --regions BED",
                       str(panel_opportunities["tiny"]))
    assert_nothing_written(out)
    with caplog.at_level(logging.WARNING):
        outcome = _patient(capsys, tmp_path / "wide", "--bootstrap", "0", "--assay",
                           "regions", "--opportunities", str(panel_opportunities["wide"]))
    assert outcome.code == 0, outcome.err
    assert "--assay regions without --regions" in caplog.text
    assert "Give --regions BED" in caplog.text


@pytest.mark.parametrize(("bed", "fate"), [
    ("chr1\t1000\t300000\n", "refused"),                 # counts more than the BED covers
    ("chr1\t1000\t500000\nchr2\t0\t100000\n", "warned"),  # a sixth of the BED is missing
    ("chr1\t1000\t500000\n", "accepted"),                # the table's own BED
])
def test_opportunities_of_another_bed_than_regions_are_named(
        bed: str, fate: str, panel_opportunities: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """--opportunities written from one BED and --regions another rescaled the signatures to
    one panel and counted the variants of another, without a word."""
    targets = tmp_path / "targets.bed"
    targets.write_text(bed)
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        outcome = _patient(capsys, out, "--bootstrap", "0", "--assay", "regions",
                           "--opportunities", str(panel_opportunities["wide"]), "--regions",
                           str(targets))
    if fate == "refused":
        assert_clear_error(outcome, "499,000 trinucleotides", "covers 299,000 bases",
                           "written from another BED", f"--regions {targets} --out FILE")
        assert_nothing_written(out)
        return
    assert outcome.code == 0, outcome.err
    assert ("most likely another BED's" in caplog.text) == (fate == "warned")


# -- 8. an output replacing an input's index ------------------------------------------------

@pytest.mark.parametrize("index", ["absent", "present", "hard-link"])
def test_opportunities_never_writes_over_the_fasta_index(
        index: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out genome.fa.fai replaced the index the command had just read with the table; the
    next command then refused the FASTA."""
    fasta = tmp_path / "g.fa"
    shutil.copy(GENOME, fasta)
    fai = Path(f"{fasta}.fai")
    target = fai
    if index != "absent":
        shutil.copy(Path(f"{GENOME}.fai"), fai)
    if index == "hard-link":
        target = tmp_path / "opportunities.tsv"
        os.link(fai, target)
    before = _snapshot(tmp_path)
    outcome = run_cli(capsys, "opportunities", "--reference", str(fasta), "--out",
                      str(target), case=f"opportunities: --out the FASTA's index ({index})")
    assert_clear_error(outcome, str(fai))
    assert _snapshot(tmp_path) == before


def test_the_indexes_of_inputs_are_protected_inputs(tmp_path: Path) -> None:
    """_input_files lists the .fai/.gzi/.tbi/.csi beside each input file."""
    import argparse

    from sigforge.cli import _input_files

    vcf = write_vcf(tmp_path / "p.vcf", [("chr1", 10, "A", "C", "PASS")], compress=True)
    fasta = tmp_path / "g.fa"
    shutil.copy(GENOME, fasta)
    shutil.copy(Path(f"{GENOME}.fai"), Path(f"{fasta}.fai"))
    args = argparse.Namespace(command="refit", vcf=str(vcf), reference=str(fasta),
                              out=str(tmp_path / "out"))
    inputs = _input_files(args)
    assert Path(f"{vcf}.tbi") in inputs and Path(f"{fasta}.fai") in inputs
    assert "the index of --reference" in inputs[Path(f"{fasta}.fai")]


# -- minor ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "options", "warned"), [
    ("nnls", ("--tumour-type", "Not-A-Type", "--penalty", "50"), True),
    ("likelihood", ("--penalty", "50"), True), ("cosine", (), False),
    ("negbin", ("--tumour-type", "Breast-AdenoCA"), False)])
def test_negbin_options_with_another_method_are_warned_about(
        method: str, options: tuple[str, ...], warned: bool, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    catalog = tmp_path / "SBS96.tsv"
    write_matrix(sbs1_sbs13_catalog(3), catalog, integer=True)
    with caplog.at_level(logging.WARNING):
        outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                          "COSMIC_v3.6", "--method", method, *options, "--bootstrap", "0",
                          "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert ("used only by --method negbin" in caplog.text) is warned, caplog.text
    if warned:
        assert f"--method {method} ignores" in caplog.text and options[1] in caplog.text


def test_mutation_probabilities_reads_back_with_any_signature_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its header was written raw: pandas failed on a name holding a quote ('EOF inside
    string'), while exposures.tsv quoted the same name."""
    names = ['"><img src=x>', 'say "hi"', "plain"]
    sigs = tmp_path / "sigs.tsv"
    table = load_reference("COSMIC_v3.6").data[["SBS1", "SBS5", "SBS13"]].set_axis(names,
                                                                                    axis=1)
    write_matrix(table, sigs, label="MutationType")
    out = tmp_path / "out"
    assert _patient(capsys, out, "--bootstrap", "0", signatures=str(sigs)).code == 0
    probabilities = pd.read_csv(out / "mutation_probabilities.tsv", sep="\t")
    assert list(probabilities.columns[6:9]) == names
    exposures = pd.read_csv(out / "exposures.tsv", sep="\t", index_col=0)
    assert list(exposures.index) == names


def test_characters_the_figure_font_lacks_are_said_once_in_sigforges_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """matplotlib printed a UserWarning with its source path per missing glyph."""
    import logging
    import warnings

    from sigforge.report import figures

    figures._SAID.clear()
    example = Path(__file__).resolve().parents[2] / "resources" / "example"
    with warnings.catch_warnings(record=True) as raised, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        outcome = run_cli(capsys, "refit", "--vcf", str(example / "vcfs" / "S01.vcf"),
                          "--reference", str(example / "genome.fa"), "--signatures",
                          "COSMIC_v3.6", "--bootstrap", "0", "--sample-name", "患者一号",
                          "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert not [w for w in raised if "missing from font" in str(w.message)]
    assert caplog.text.count("characters the figures' font lacks") == 1


@pytest.mark.parametrize(("method", "warned"), [("negbin", True), ("nnls", True),
                                                ("likelihood", False)])
def test_a_likelihood_threshold_another_method_ignores_is_warned_about(
        method: str, warned: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """--likelihood-threshold 1e308 under the default negbin gave byte-identical results
    without a word, where --penalty and --tumour-type are warned about."""
    catalog = tmp_path / "SBS96.tsv"
    write_matrix(sbs1_sbs13_catalog(3), catalog, integer=True)
    with caplog.at_level(logging.WARNING):
        outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                          "COSMIC_v3.6", "--method", method, "--likelihood-threshold", "40",
                          "--bootstrap", "0", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert (f"--method {method} ignores it" in caplog.text) is warned, caplog.text


@pytest.mark.parametrize("separator", [",", " "])
def test_opportunities_saved_with_other_separators_are_named_so(
        separator: str, panel_opportunities: dict[str, Path], tmp_path: Path) -> None:
    """A comma- or space-separated copy 'lacks the column(s) kind, context, genome', which
    are all there."""
    from sigforge.genomics.opportunities import read_opportunities
    from sigforge.io import InputError

    copy = tmp_path / "opp.txt"
    copy.write_text(panel_opportunities["tiny"].read_text().replace("\t", separator))
    with pytest.raises(InputError) as caught:
        read_opportunities(copy)
    assert "reads as one column" in str(caught.value) and "must be tab-separated" in str(
        caught.value), str(caught.value)

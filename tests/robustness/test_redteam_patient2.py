"""Per-patient refit cases of a second red-team sweep, each now fixed.

regions_of_interest.tsv (and the page's table) lists the doublets and indels of the regions
one by one, as it lists SNVs, with the most likely signature of their type's refit (none,
with the reason on the page, when the set has no such table), and gives each row its region's
coordinates; a space-separated BED line whose name would hold spaces is refused; option typos
(--signatures, --restrict-to, --tumour-type, --decompose-into) fail before the VCF is counted;
a MAF of one Tumor_Sample_Barcode names the patient; long names are cut in figures (with an
ellipsis, both ends kept); users' names are isolated (``<bdi>``) in the pages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.reference import load_reference
from sigforge.genomics.regions import read_regions
from sigforge.io import InputError, read_table, write_matrix
from tests.conftest import write_fasta, write_vcf
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"
GENOME = EXAMPLE / "genome.fa"
S01 = EXAMPLE / "vcfs" / "S01.vcf"


def _patient(capsys: pytest.CaptureFixture[str], out: Path, *options: str,
             vcf: Path = S01, reference: Path = GENOME, signatures: str = "COSMIC_v3.6",
             case: str | None = None):  # noqa: ANN202 - an Outcome
    """Run ``sigforge refit --vcf VCF --reference FASTA --signatures SET OPTIONS --out OUT``."""
    return run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(reference),
                   "--signatures", signatures, *options, "--out", str(out), case=case)


def _regions(out: Path) -> pd.DataFrame:
    """regions_of_interest.tsv as text cells."""
    return pd.read_csv(out / "regions_of_interest.tsv", sep="\t", dtype=str,
                       keep_default_na=False)


def _regions_run(capsys: pytest.CaptureFixture[str], folder: Path, bed_text: str, vcf: Path,
                 fasta: Path, *options: str) -> pd.DataFrame:
    """Refit ``vcf`` (--bootstrap 0) with a BED of ``bed_text`` as regions of interest into
    ``folder``/out; exit 0 asserted; regions_of_interest.tsv as text cells."""
    bed = folder / "roi.bed"
    bed.write_text(bed_text)
    out = folder / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed),
                       *options, vcf=vcf, reference=fasta)
    assert outcome.code == 0, outcome.err
    return _regions(out)


@pytest.fixture(scope="module")
def mixed_patient(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A 6-kb contig and a patient with 150 SNVs before position 2,000 and, after 3,000: an
    adjacent SNV pair (3050-3051, a doublet), a 2-bp doublet record (3300), a deletion
    (3100), the same deletion again (a duplicate, counted once), a filtered deletion (3200)
    and a lone SNV (3400)."""
    folder = tmp_path_factory.mktemp("mixed")
    rng = np.random.default_rng(11)
    sequence = "".join(rng.choice(list("ACGT"), size=6000))
    fasta = write_fasta(folder / "ref.fa", {"chr1": sequence})
    swap = {"A": "T", "C": "T", "G": "A", "T": "C"}

    def snv(pos: int, filt: str = "PASS") -> tuple[str, int, str, str, str]:
        return ("chr1", pos, sequence[pos - 1], swap[sequence[pos - 1]], filt)

    def deletion(pos: int, filt: str = "PASS") -> tuple[str, int, str, str, str]:
        return ("chr1", pos, sequence[pos - 1:pos + 1], sequence[pos - 1], filt)

    positions = np.sort(rng.choice(np.arange(2, 2000, 2), size=150, replace=False))
    records = [snv(int(p)) for p in positions]
    records += [snv(3050), snv(3051), deletion(3100), deletion(3100), deletion(3200, "LowQual"),
                ("chr1", 3300, sequence[3299:3301],
                 "".join(swap[base] for base in sequence[3299:3301]), "PASS"), snv(3400)]
    vcf = write_vcf(folder / "patient.vcf", records, samples=("P1",))
    return fasta, vcf, sequence


# -- 1. doublets and indels listed one by one ----------------------------------------------

def test_doublets_and_indels_are_listed_as_the_catalogs_counted_them(
        mixed_patient: tuple[Path, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only counted doublets and indels are rows (the filtered deletion is not, the repeated
    one once), each with its channel and a DBS/ID signature, and they agree with DBS78.tsv
    and ID83.tsv; the SNV is listed beside them, by position."""
    fasta, vcf, _ = mixed_patient
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t3000\t3500\tGENE\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed),
                       vcf=vcf, reference=fasta)
    assert outcome.code == 0, outcome.err
    table = _regions(out)
    assert table[["type", "pos"]].values.tolist() == [
        ["DBS78", "3050"], ["ID83", "3100"], ["DBS78", "3300"], ["SBS96", "3400"]]
    assert table["signature"].str.match(r"^(DBS|ID|SBS)").all()
    assert (table["type"] == "DBS78").sum() == read_table(out / "DBS78.tsv").to_numpy().sum()
    assert (table["type"] == "ID83").sum() == read_table(out / "ID83.tsv").to_numpy().sum()
    for kind in ("DBS78", "ID83"):
        catalog = read_table(out / f"{kind}.tsv").iloc[:, 0]
        listed = table.loc[table["type"] == kind, "channel"].value_counts()
        assert listed.to_dict() == catalog[catalog > 0].astype(int).to_dict()


def test_a_doublet_or_deletion_reaching_into_a_region_is_listed(
        mixed_patient: tuple[Path, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A region holding only the deleted base of the deletion at 3100 (bases 3100-3101) and
    one holding only the second base of the doublet at 3050-3051 listed nothing: a doublet or
    indel was placed by its first base alone. Any of its reference bases now places it; with
    --regions the catalog counts it only at a first base inside them, so then it is not
    listed (nor counted)."""
    fasta, vcf, _ = mixed_patient
    bed_text = "chr1\t3100\t3101\tEXON\nchr1\t3050\t3051\tSECOND\nchr1\t3101\t3102\tAFTER\n"
    table = _regions_run(capsys, tmp_path, bed_text, vcf, fasta)
    assert table[["region", "type", "pos"]].values.tolist() == [
        ["EXON", "ID83", "3100"], ["SECOND", "DBS78", "3050"]]
    counted = tmp_path / "restricted" / "counted.bed"
    counted.parent.mkdir()
    counted.write_text("chr1\t3000\t3099\nchr1\t3100\t3500\n")  # 3100 itself left out
    table = _regions_run(capsys, counted.parent, bed_text, vcf, fasta, "--regions", str(counted))
    assert read_table(counted.parent / "out" / "ID83.tsv").to_numpy().sum() == 0
    assert table[["region", "type", "pos"]].values.tolist() == [["SECOND", "DBS78", "3050"]]


def test_a_region_holding_no_variant_gives_an_empty_table_and_a_page(
        mixed_patient: tuple[Path, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A BED whose only region holds no counted variant stopped refit --vcf with an internal
    TypeError (an empty table's text column and'ed with a boolean one)."""
    fasta, vcf, _ = mixed_patient
    assert _regions_run(capsys, tmp_path, "chr1\t5000\t5100\tQUIET\n", vcf, fasta).empty
    assert (tmp_path / "out" / "patients" / "P1.html").is_file()


def test_a_doublet_without_a_trinucleotide_is_listed_with_its_alleles(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A doublet at a contig's first base, or after an N, is counted (a doublet needs no
    flanking base), but its row in regions_of_interest.tsv had blank REF and ALT, and a region
    holding only its second base stopped the refit with an internal error."""
    rng = np.random.default_rng(5)
    sequence = "GC" + "".join(rng.choice(list("ACGT"), size=48)) + "N" + "TG" + "".join(
        rng.choice(list("ACGT"), size=947))
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    swap = {"A": "T", "C": "A", "G": "T", "T": "G"}
    positions = [1, 2, 52, 53, *range(200, 900, 30)]
    vcf = write_vcf(tmp_path / "p.vcf", [("chr1", p, sequence[p - 1], swap[sequence[p - 1]],
                                          "PASS") for p in positions], samples=("P1",))
    table = _regions_run(capsys, tmp_path, "chr1\t0\t2\tSTART\nchr1\t52\t53\tSECOND_AFTER_N\n",
                         vcf, fasta)
    assert table[["region", "pos", "ref", "alt"]].values.tolist() == [
        ["START", "1", "GC", "TA"], ["SECOND_AFTER_N", "52", "TG", "GT"]]


def test_without_a_doublet_or_indel_table_they_are_listed_and_the_page_says_why(
        mixed_patient: tuple[Path, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A user's SBS96 table refits no doublet or indel: they are rows without a signature,
    and the page says why."""
    fasta, vcf, _ = mixed_patient
    sigs = tmp_path / "mysigs.tsv"
    write_matrix(load_reference("COSMIC_v3.6").data[["SBS1", "SBS5", "SBS13"]], sigs,
                 label="MutationType")
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t3000\t3500\tGENE\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed),
                       vcf=vcf, reference=fasta, signatures=str(sigs))
    assert outcome.code == 0, outcome.err
    table = _regions(out)
    others = table[table["type"] != "SBS96"]
    assert len(others) == 3 and (others["signature"] == "").all()
    assert (others["probability"] == "").all()
    page = (out / "patients" / "P1.html").read_text(encoding="utf-8")
    assert "The DBS78 and ID83 variants are listed without a signature" in page


# -- 2. the region's coordinates -------------------------------------------------------------

def test_rows_of_two_regions_of_one_name_are_told_apart_by_their_coordinates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two overlapping regions named 'dup' gave byte-identical rows."""
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t0\t1000\tdup\nchr1\t200\t400\tdup\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed))
    assert outcome.code == 0, outcome.err
    table = _regions(out)
    assert list(table.columns[:5]) == ["region", "region_chrom", "region_start", "region_end",
                                       "type"]
    assert not table.duplicated().any()
    assert set(zip(table["region_start"], table["region_end"], strict=True)) == {
        ("0", "1000"), ("200", "400")}
    page = (out / "patients" / "S01.html").read_text(encoding="utf-8")
    assert "chr1:1-1000" in page and "chr1:201-400" in page and "Region span" in page


# -- 3. a space-separated BED line --------------------------------------------------------

@pytest.mark.parametrize(("line", "name"), [
    ("chr1 268 269 BRCA1\n", "BRCA1"), ("chr1 268 269 BRCA1 0 +\n", "BRCA1"),
    ("chr1 268 269 BRCA1 . -\n", "BRCA1"), ("chr1\t268\t269\tBRCA1 exon 2\n", "BRCA1 exon 2")],
    ids=["four-fields", "bed6", "bed6-dots", "tabs"])
def test_bed_lines_whose_name_is_clear_are_read(line: str, name: str, tmp_path: Path) -> None:
    bed = tmp_path / "roi.bed"
    bed.write_text(line)
    assert read_regions(bed)["region"].tolist() == [name]


@pytest.mark.parametrize("line", ["chr1 268 269 BRCA1 exon 2\n", "chr1 268 269 TP53 promoter\n",
                                  "chr1 268 269 BRCA1 0 exon\n"])
def test_a_space_separated_line_whose_name_holds_spaces_is_refused(line: str,
                                                                   tmp_path: Path) -> None:
    """'chr1 268 269 BRCA1 exon 2' named the region 'BRCA1' without a word."""
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t1\t5\tfirst\n" + line)
    with pytest.raises(InputError) as raised:
        read_regions(bed)
    message = str(raised.value)
    assert f"{bed}, line 2" in message and "no tab" in message and "with tabs" in message


def test_the_refit_refuses_the_ambiguous_line_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1 268 269 BRCA1 exon 2\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", "--regions-of-interest", str(bed))
    assert_clear_error(outcome, f"--regions-of-interest {bed}, line 1", "'BRCA1 exon 2'")
    assert_nothing_written(out)


# -- 4. option typos before the VCF is counted --------------------------------------------

def _never(*_: object, **__: object) -> None:
    raise AssertionError("the VCF was counted before the options were checked")


@pytest.mark.parametrize(("options", "fragment"), [
    (("--signatures", "nosuch.tsv"), "nosuch.tsv"),
    (("--restrict-to", "SBS999"), "SBS999"),
    (("--tumour-type", "Not-A-Type"), "Not-A-Type"),
    (("--decompose-into", "nosuch2.tsv"), "nosuch2.tsv")],
    ids=["signatures", "restrict-to", "tumour-type", "decompose-into"])
def test_option_typos_fail_before_the_vcf_is_counted(
        options: tuple[str, ...], fragment: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """They were found only after the counting (or hidden behind an error of the VCF)."""
    monkeypatch.setattr("sigforge.cli.refit.patient_catalog", _never)
    argv = ["refit", "--vcf", str(S01), "--reference", str(GENOME), "--bootstrap", "0",
            "--out", str(tmp_path / "out")]
    if options[0] != "--signatures":
        argv += ["--signatures", "COSMIC_v3.6"]
    outcome = run_cli(capsys, *argv, *options)
    assert_clear_error(outcome, fragment)


# -- 5. a MAF of one tumour sample ---------------------------------------------------------

def _maf(path: Path, barcodes: tuple[str, ...]) -> Path:
    """The PASS SNVs of S01 as a MAF, spread over ``barcodes`` in turn."""
    rows = []
    for line in S01.read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, _, ref, alt, _, filt = line.split("\t")[:7]
        if len(ref) == len(alt) == 1 and filt == "PASS":
            barcode = barcodes[len(rows) % len(barcodes)]
            rows.append(f"X\t{chrom}\t{pos}\t{pos}\tSNP\t{ref}\t{ref}\t{alt}\t{barcode}")
    path.write_text("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
                    "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\t"
                    "Tumor_Sample_Barcode\n" + "\n".join(rows) + "\n")
    return path


def test_a_maf_of_one_barcode_names_the_patient(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was refused as 'not a VCF' unless --sample-name or --vcf-sample was given."""
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0",
                       vcf=_maf(tmp_path / "one.maf", ("TUMOUR_A",)))
    assert outcome.code == 0, outcome.err
    assert (out / "patients" / "TUMOUR_A.html").is_file()
    assert read_table(out / "SBS96.tsv").columns.tolist() == ["TUMOUR_A"]


def test_a_maf_of_several_barcodes_lists_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0",
                       vcf=_maf(tmp_path / "two.maf", ("TUMOUR_A", "TUMOUR_B")))
    assert_clear_error(outcome, "2 tumour samples", "TUMOUR_A, TUMOUR_B", "--vcf-sample")
    assert_nothing_written(out)


# -- 6. long names in figures ----------------------------------------------------------------

def test_long_names_are_cut_in_figures_keeping_both_ends() -> None:
    """250-character names made titles run off the figure and tick labels of names that
    differ only at the end identical."""
    from sigforge.report.figures import MAX_TITLE_CHARS, plot_exposures, plt, short
    from sigforge.report.sbs96 import plot_sbs96

    long = "L" * 250
    assert short(long + "A") != short(long + "B")
    assert len(short(long + "A")) == 24 and "\u2026" in short(long + "A")
    assert short("SBS1") == "SBS1"
    figure = plot_sbs96(np.ones(96), title=long + "A")
    title = figure._suptitle.get_text()  # noqa: SLF001 - matplotlib keeps it there
    assert len(title) == MAX_TITLE_CHARS and title.endswith("LA")
    exposures = pd.DataFrame({"S1": [3.0, 4.0]}, index=[long + "A", long + "B"])
    bars = plot_exposures(exposures, relative=False)
    labels = [text.get_text() for text in bars.axes[0].get_legend().get_texts()]
    assert len(set(labels)) == 2 and max(map(len, labels)) <= 40
    plt.close(figure)
    plt.close(bars)


# -- 7. names isolated in the pages --------------------------------------------------------

def test_names_with_bidi_controls_are_isolated_in_the_patient_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """U+202E in a name was escaped but not isolated: it reversed the text after it. Names in
    running text (the Reading) and the heading are in <bdi>; a table cell is a paragraph of
    its own, so a name alone in one cannot reorder anything else. (Sample and signature names
    with bidi controls are now refused; right-to-left letters still reorder the text around a
    name that is not isolated.)"""
    name, signature = "\u05de\u05d8\u05d5\u05e4\u05dc 7", "SBS1 \u05d0\u05d1"
    sigs = tmp_path / "sigs.tsv"
    table = load_reference("COSMIC_v3.6").data[["SBS1", "SBS5", "SBS13"]]
    controlled = tmp_path / "controlled.tsv"
    write_matrix(table.rename(columns={"SBS1": "SBS1\u202ex"}), controlled,
                 label="MutationType")
    assert_clear_error(_patient(capsys, tmp_path / "c", "--bootstrap", "0",
                                signatures=str(controlled)), "U+202E")
    write_matrix(table.rename(columns={"SBS1": signature}), sigs, label="MutationType")
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t0\t1000\tre\u202egion\n")
    out = tmp_path / "out"
    options = ("--bootstrap", "0", "--sample-name", name, "--regions-of-interest", str(bed))
    assert _patient(capsys, out, *options, signatures=str(sigs)).code == 0
    page = next((out / "patients").glob("*.html")).read_text(encoding="utf-8")
    assert f"<h1><bdi>{name}</bdi></h1>" in page
    assert f'<dd id="sample-name"><bdi>{name}</bdi></dd>' in page
    reading = page.split('<section class="reading">')[1].split("</section>")[0]
    assert f"<bdi>{signature}</bdi>" in reading
    assert signature not in reading.replace(f"<bdi>{signature}</bdi>", "")
    # a rerun replaces the page, another patient of the same file name does not
    assert _patient(capsys, out, *options, signatures=str(sigs)).code == 0
    stem = next((out / "patients").glob("*.html")).stem
    other = _patient(capsys, out, "--bootstrap", "0", "--sample-name", stem,
                     signatures=str(sigs))
    assert_clear_error(other, "is the page of patient")


def test_padded_alleles_in_regions_are_listed_as_the_catalog_counted_them(
        mixed_patient: tuple[Path, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A deletion written with a shared trailing flank (freebayes: REF 'XYZ', ALT 'XZ' at P)
    is counted as the anchored deletion 'XY>X' at P; the regions table lists that one, not a
    'complex' record the catalog skipped."""
    fasta, _, sequence = mixed_patient
    pos = 3100
    padded = ("chr1", pos, sequence[pos - 1:pos + 2], sequence[pos - 1] + sequence[pos + 1],
              "PASS")
    swap = {"A": "T", "C": "T", "G": "A", "T": "C"}
    snvs = [("chr1", p, sequence[p - 1], swap[sequence[p - 1]], "PASS") for p in range(2, 400, 4)]
    vcf = write_vcf(tmp_path / "padded.vcf", [*snvs, padded], samples=("P1",))
    table = _regions_run(capsys, tmp_path, "chr1\t3000\t3500\tGENE\n", vcf, fasta)
    assert table[["type", "pos", "ref", "alt"]].values.tolist() == [
        ["ID83", str(pos), sequence[pos - 1:pos + 1], sequence[pos - 1]]]
    assert read_table(tmp_path / "out" / "ID83.tsv").to_numpy().sum() == 1


def test_a_maf_under_another_name_given_to_vcf_is_named_as_a_maf(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """cBioPortal's data_mutations.txt given to refit --vcf was called 'not a VCF'."""
    maf = tmp_path / "data_mutations.txt"
    maf.write_text("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
                   "Tumor_Seq_Allele2\tTumor_Sample_Barcode\nG\tchr1\t3\t3\tG\tA\tS1\n")
    out = tmp_path / "out"
    outcome = _patient(capsys, out, "--bootstrap", "0", vcf=maf,
                       case="patient: MAF named .txt given to --vcf")
    assert_clear_error(outcome, str(maf), "it is a MAF", "data_mutations.maf")
    assert "not a VCF" not in outcome.err
    assert_nothing_written(out)

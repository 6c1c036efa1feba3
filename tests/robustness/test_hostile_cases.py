"""Hostile inputs found by fuzzing the command line: outputs aimed at inputs, unbounded
options, numbers beyond the fits' range, genotype-less VCFs and leftovers of earlier runs.

Every case asserts what a user relies on: the input is never overwritten, a run that cannot be
done ends with exit 2 and one message naming the file and the fix before any work, and a
folder holds only what its last run wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli._common import parse_ranks
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import read_table, write_matrix
from tests.conftest import write_fasta, write_vcf
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

COSMIC = load_reference("COSMIC_v3.6").data
REFIT = ("--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap", "3")
FAST_EXTRACT = ("--ranks", "2", "--replicates", "2", "--max-iter", "50", "--min-iter", "10",
                "--cv-folds", "0", "--catalog-name", "SBS96")


def _catalog(samples: int = 4, scale: float = 300.0) -> pd.DataFrame:
    """A 96 x n SBS96 catalog of whole counts drawn from SBS1 and SBS13."""
    rng = np.random.default_rng(11)
    exposures = rng.gamma(1.0, scale, size=(2, samples)) + scale / 6
    counts = rng.poisson(COSMIC[["SBS1", "SBS13"]].to_numpy() @ exposures)
    return pd.DataFrame(counts.astype(float), index=list(SBS96_CHANNELS),
                        columns=[f"s{i}" for i in range(samples)])


def _genome(tmp_path: Path) -> Path:
    """A one-contig FASTA of 400 random bases."""
    rng = np.random.default_rng(5)
    return write_fasta(tmp_path / "ref.fa", {"chr1": "".join(rng.choice(list("ACGT"), 400))})


def _records(genome: Path, count: int = 12) -> list[tuple]:
    """SNV records at every 25th base of chr1, REF from the genome, ALT the next base."""
    sequence = "".join(genome.read_text().splitlines()[1:])
    out = []
    for pos in range(20, 20 + 25 * count, 25):
        ref = sequence[pos - 1]
        out.append(("chr1", pos, ref, "ACGT"["ACGT".index(ref) - 1], "PASS"))
    return out


# --- outputs aimed at inputs ----------------------------------------------------------------


@pytest.mark.parametrize("output", ["exposures.tsv", "reconstruction.tsv"])
def test_refit_never_overwrites_its_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            output: str) -> None:
    """A catalog lying in --out under an output's name stays as it was; nothing is written."""
    out = tmp_path / "out"
    catalog = out / output
    write_matrix(_catalog(), catalog, integer=True)
    before = catalog.read_bytes()
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), *REFIT, "--out", str(out),
                      case=f"refit --catalog named like its output {output}")
    assert_clear_error(outcome, str(catalog), "would overwrite the input", "--catalog")
    assert catalog.read_bytes() == before
    assert_nothing_written(out, [output])


def test_opportunities_never_overwrites_the_reference(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``--out`` equal to the FASTA is refused and the FASTA keeps its bytes."""
    genome = _genome(tmp_path)
    before = genome.read_bytes()
    outcome = run_cli(capsys, "opportunities", "--reference", str(genome), "--out", str(genome),
                      case="opportunities --out equal to --reference")
    assert_clear_error(outcome, "--reference", "would overwrite the input")
    assert genome.read_bytes() == before


def test_a_hard_link_to_an_input_is_that_input(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Files are compared by identity, not by name: a hard link in --out is refused too."""
    source = tmp_path / "catalog.tsv"
    write_matrix(_catalog(), source, integer=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / "exposures.tsv").hardlink_to(source)
    before = source.read_bytes()
    outcome = run_cli(capsys, "refit", "--catalog", str(source), *REFIT, "--out", str(out))
    assert_clear_error(outcome, "would overwrite the input", str(source))
    assert source.read_bytes() == before


def test_merge_catalogs_never_writes_over_an_input_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Merging into one of the merged folders would replace that sample's catalogs: refused,
    both folders left as they were."""
    genome = _genome(tmp_path)
    for name in ("a", "b"):
        vcf = write_vcf(tmp_path / f"{name}.vcf", _records(genome), samples=(name.upper(),))
        assert run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                       "--contexts", "SBS96", "--out", str(tmp_path / name)).code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(tmp_path / "a"),
                      str(tmp_path / "b"), "--out", str(tmp_path / "a"),
                      case="merge-catalogs --out one of its --inputs")
    assert_clear_error(outcome, "would overwrite the input", "--inputs")
    assert {p: p.read_bytes() for p in (tmp_path / "a").iterdir()} == before


def test_an_input_elsewhere_does_not_block_a_rerun(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Rerunning into the same --out replaces the earlier outputs as before (only inputs are
    protected), with the same bytes."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(), catalog, integer=True)
    out = tmp_path / "out"
    args = ("refit", "--catalog", str(catalog), *REFIT, "--out", str(out))
    assert run_cli(capsys, *args).code == 0
    first = (out / "exposures.tsv").read_bytes()
    assert run_cli(capsys, *args).code == 0
    assert (out / "exposures.tsv").read_bytes() == first


# --- unbounded options -----------------------------------------------------------------------


def test_a_huge_rank_range_is_refused_before_it_is_built() -> None:
    """'2-100000000000' would build a set of 10^11 ranks (the memory runs out first)."""
    with pytest.raises(argparse.ArgumentTypeError, match="ranks must be <= 1000"):
        parse_ranks("2-100000000000")
    assert parse_ranks("2-4,8") == [2, 3, 4, 8]


@pytest.mark.parametrize("text", ["1--3", "-3", "2,-3-4"])
def test_a_negative_rank_bound_is_not_answered_with_a_reversed_range(text: str) -> None:
    """'1--3' was told to 'write the smaller rank first, as in -3-1'."""
    with pytest.raises(argparse.ArgumentTypeError, match="whole numbers >= 1") as caught:
        parse_ranks(text)
    assert "smaller rank first" not in str(caught.value)


@pytest.mark.parametrize(("option", "value", "fragment"), [
    ("--replicates", "1000000000", "from 2 to 10,000"),
    ("--replicates", "1", "from 2 to 10,000"),
    ("--skip-unfactorable", "0", "from 1 to 1,000"),
    ("--skip-unfactorable", "-3", "from 1 to 1,000"),
])
def test_extract_counts_out_of_range_are_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 option: str, value: str, fragment: str) -> None:
    """A mistyped count stops at parse time (it would otherwise queue 10^9 replicates)."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(), catalog, integer=True)
    args = [a for a in FAST_EXTRACT]
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), *args, "--out",
                      str(tmp_path / "out"), case=f"extract {option} {value}")
    assert_clear_error(outcome, option, fragment)
    assert_nothing_written(tmp_path / "out")


def test_min_iter_above_max_iter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A minimum above the cap the user set is refused; the default minimum yields to a small
    cap instead (``--max-iter 50`` alone runs)."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(), catalog, integer=True)
    base = ("extract", "--catalog", str(catalog), "--ranks", "2", "--replicates", "2",
            "--cv-folds", "0", "--catalog-name", "SBS96")
    outcome = run_cli(capsys, *base, "--max-iter", "10", "--min-iter", "50", "--out",
                      str(tmp_path / "bad"))
    assert_clear_error(outcome, "--min-iter 50 exceeds --max-iter 10")
    assert_nothing_written(tmp_path / "bad")
    assert run_cli(capsys, *base, "--max-iter", "50", "--out", str(tmp_path / "ok")).code == 0


# --- numbers beyond the fits' range ----------------------------------------------------------


def test_refit_refuses_totals_beyond_its_exact_range(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A cell of 1e14 came back as an exposure 11 times the sample's total; now exit 2 naming
    the sample, while NNLS (scale-free) still fits it."""
    frame = _catalog()
    frame.iloc[1, 0] = 1e14
    catalog = tmp_path / "catalog.tsv"
    write_matrix(frame, catalog, integer=True)
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), *REFIT, "--out",
                      str(tmp_path / "out"), case="refit a sample of 1e14 counts")
    assert_clear_error(outcome, "'s0'", "divide the catalog")
    assert_nothing_written(tmp_path / "out")
    assert run_cli(capsys, "refit", "--catalog", str(catalog), *REFIT, "--method", "nnls",
                   "--out", str(tmp_path / "nnls")).code == 0
    exposures = read_table(tmp_path / "nnls" / "exposures.tsv")["s0"]
    assert np.isfinite(exposures).all() and 0 < exposures.sum() <= frame["s0"].sum()


def test_prepare_joint_refuses_a_weight_that_overflows(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``--weights 1 1e308`` used to write infinities into the stacked matrix."""
    frame = _catalog().iloc[:10]
    frame.index = [f"f{i}" for i in range(10)]
    paths = []
    for name in ("a", "b"):
        paths.append(tmp_path / f"{name}.tsv")
        frame.to_csv(paths[-1], sep="\t", index_label="feature")
    outcome = run_cli(capsys, "prepare-joint", "--inputs", *map(str, paths), "--modalities",
                      "a", "b", "--weights", "1", "1e308", "--name", "j", "--out",
                      str(tmp_path / "out"), case="prepare-joint weight 1e308")
    assert_clear_error(outcome, "modality 'b'", "smaller weight")
    assert_nothing_written(tmp_path / "out")


# --- VCFs without genotypes ------------------------------------------------------------------


def _without_genotypes(path: Path) -> Path:
    """The same VCF with its GT FORMAT field replaced by DP (a tumour-normal caller's style)."""
    text = path.read_text().replace("ID=GT,Number=1,Type=String", "ID=DP,Number=1,Type=Integer")
    lines = []
    for line in text.splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and len(fields) > 8:
            fields[8:] = ["DP"] + ["20"] * (len(fields) - 9)
        lines.append("\t".join(fields))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_multi_sample_vcf_without_genotypes_is_refused(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Every sample used to come out empty (all 'not_in_sample'), with exit 0."""
    genome = _genome(tmp_path)
    vcf = _without_genotypes(write_vcf(tmp_path / "tn.vcf", _records(genome),
                                       samples=("NORMAL", "TUMOR")))
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"), case="multi-sample VCF without GT")
    assert_clear_error(outcome, str(vcf), "no GT field", "--vcf-sample")
    assert_nothing_written(tmp_path / "out")


def test_the_named_column_of_a_genotype_less_vcf_takes_every_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--vcf-sample TUMOR`` on a VCF without GT counts all its PASS records for TUMOR."""
    genome = _genome(tmp_path)
    records = _records(genome)
    vcf = _without_genotypes(write_vcf(tmp_path / "tn.vcf", records,
                                       samples=("NORMAL", "TUMOR")))
    out = tmp_path / "out"
    assert run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                   "--vcf-sample", "TUMOR", "--contexts", "SBS96", "--out", str(out)).code == 0
    catalog = read_table(out / "SBS96.tsv")
    assert list(catalog.columns) == ["TUMOR"]
    assert int(catalog["TUMOR"].sum()) == len(records)


# --- names and leftovers ---------------------------------------------------------------------


def test_a_sample_named_like_the_channel_header_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A VCF sample called MutationType made a catalog that refit then rejected."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome), samples=("MutationType",))
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"), case="VCF sample named MutationType")
    assert_clear_error(outcome, "MutationType", "--sample-name")
    assert_nothing_written(tmp_path / "out")


def test_a_rerun_with_fewer_contexts_leaves_no_stale_catalog(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The folder holds exactly what the last run counted (and its log describes)."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    out = tmp_path / "out"
    base = ("catalog", "--reference", str(genome), "--vcf", str(vcf), "--out", str(out))
    assert run_cli(capsys, *base).code == 0
    assert files_under(out) == [".catalog_files", "DBS78.tsv", "ID83.tsv", "SBS96.tsv",
                                "catalog_log.tsv"]
    (out / "notes.txt").write_text("mine\n")
    assert run_cli(capsys, *base, "--contexts", "SBS96").code == 0
    assert files_under(out) == [".catalog_files", "SBS96.tsv", "catalog_log.tsv", "notes.txt"]


# --- round two: more inputs and names --------------------------------------------------------


def test_one_vcf_given_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Twice by name, or through a hard link: its variants would count as two samples."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "a.vcf", _records(genome))
    (tmp_path / "b.vcf").hardlink_to(vcf)
    for second in (vcf, tmp_path / "b.vcf"):
        outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                          str(second), "--sample-name", "A", "B", "--out", str(tmp_path / "out"),
                          case=f"catalog the same VCF twice ({second.name})")
        assert_clear_error(outcome, "given twice", str(second))
        assert_nothing_written(tmp_path / "out")


def test_a_maf_header_naming_a_column_twice_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two Tumor_Seq_Allele2 columns: the reader used to take the first and count wrong ALTs."""
    genome = _genome(tmp_path)
    sequence = "".join(genome.read_text().splitlines()[1:])
    maf = tmp_path / "in.maf"
    maf.write_text("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
                   "Tumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Seq_Allele2\t"
                   "Tumor_Sample_Barcode\n"
                   f"G\tchr1\t50\t50\t{sequence[49]}\t{sequence[49]}\tGENE\tA\tM1\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--maf", str(maf),
                      "--out", str(tmp_path / "out"), case="MAF header with a repeated column")
    assert_clear_error(outcome, f"MAF {maf}", "line 1", "Tumor_Seq_Allele2 more than once")
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("line", "fragment"), [
    ("chr1\tsrc\tgene\t300\t100\t.\t+\t.\tgene_id \"g1\";", "ends (100) before it starts"),
    ("chrZ\tsrc\tgene\t10\t300\t.\t+\t.\tgene_id \"g1\";", "none of its contigs (chrZ)"),
    ("chr1\tsrc\tgene\t10\t90000000\t.\t+\t.\tgene_id \"g1\";",
     "ends at 90,000,000, past the end of chr1"),  # another build: used to be accepted
])
def test_strand_annotation_that_describes_no_gene_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, fragment: str) -> None:
    """A gene ending before its start, or genes only on contigs the FASTA lacks, used to put
    every SBS288 count on the untranscribed strand with exit 0."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(line + "\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--contexts", "SBS96", "SBS288", "--annotation", str(gtf),
                      "--out", str(tmp_path / "out"), case=f"annotation: {fragment}")
    assert_clear_error(outcome, str(gtf), fragment)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(("command", "label"), [("refit", "Signature"),
                                                ("extract", "Signature")])
def test_a_sample_named_like_a_label_column_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, label: str) -> None:
    """A sample called 'Signature' made exposures tables whose header held it twice."""
    frame = _catalog().rename(columns={"s1": label})
    catalog = tmp_path / "catalog.tsv"
    write_matrix(frame, catalog, integer=True)
    options = REFIT if command == "refit" else FAST_EXTRACT
    outcome = run_cli(capsys, command, "--catalog", str(catalog), *options, "--out",
                      str(tmp_path / "out"), case=f"{command}: a sample named {label}")
    assert_clear_error(outcome, f"named '{label}'", "Rename")
    assert_nothing_written(tmp_path / "out")


def test_merge_groups_names_a_damaged_group_provenance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A group's provenance.json holding a list used to end in an internal error (exit 1)."""
    catalog = tmp_path / "catalog.tsv"
    frame = _catalog(samples=6)
    write_matrix(frame, catalog, integer=True)
    groups = tmp_path / "groups.tsv"
    groups.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'AB'[i % 2]}\n" for i in range(6)))
    out = tmp_path / "run"
    assert run_cli(capsys, "extract", "--catalog", str(catalog), *FAST_EXTRACT, "--groups",
                   str(groups), "--out", str(out)).code == 0
    (out / "groups" / "B" / "provenance.json").write_text("[]\n")
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                      str(out / "groups" / "A"), str(out / "groups" / "B"), "--out",
                      str(tmp_path / "merged"), case="merge-groups: provenance.json is a list")
    assert_clear_error(outcome, "provenance.json", "damaged")
    assert_nothing_written(tmp_path / "merged")
    (out / "groups" / "B" / "provenance.json").write_text(
        (out / "groups" / "A" / "provenance.json").read_text().replace(
            '"group": "A"', '"group": "B"'))
    before = (out / "groups" / "A" / "signatures.tsv").read_bytes()
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                      str(out / "groups" / "A"), str(out / "groups" / "B"), "--out",
                      str(out / "groups" / "A"))
    assert_clear_error(outcome, "would overwrite the input")
    assert (out / "groups" / "A" / "signatures.tsv").read_bytes() == before


def test_an_indel_only_patient_says_what_was_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The message names the indels counted instead of 'skipped: all 0'."""
    genome = _genome(tmp_path)
    sequence = "".join(genome.read_text().splitlines()[1:])
    records = [("chr1", pos, sequence[pos - 1: pos + 1], sequence[pos - 1], "PASS")
               for pos in (40, 120)]
    vcf = write_vcf(tmp_path / "s.vcf", records)
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(genome), *REFIT,
                      "--out", str(tmp_path / "out"), case="patient VCF of indels only")
    assert_clear_error(outcome, "2 as indels (ID83)", "sigforge refit --catalog")
    assert_nothing_written(tmp_path / "out")


def test_a_gtf_named_like_a_bed_says_so(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The format comes from the name; a GTF called genes.txt used to fail on 'coordinate
    src'."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    gtf = tmp_path / "genes.txt"
    gtf.write_text("chr1\tsrc\tgene\t10\t300\t.\t+\t.\tgene_id \"g1\";\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--contexts", "SBS96", "SBS288", "--annotation", str(gtf),
                      "--out", str(tmp_path / "out"), case="a GTF named .txt")
    assert_clear_error(outcome, str(gtf), "looks like a GTF", "Name it .gtf")
    assert_nothing_written(tmp_path / "out")


def test_a_region_of_interest_beyond_any_chromosome_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 23-digit end used to be accepted (the targeted-regions reader refused it)."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    roi = tmp_path / "roi.bed"
    roi.write_text("chr1\t10\t99999999999999999999999\tTP53\n")
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(genome), *REFIT,
                      "--regions-of-interest", str(roi), "--out", str(tmp_path / "out"),
                      case="regions of interest beyond any chromosome")
    assert_clear_error(outcome, str(roi), "line 1", "beyond any chromosome")
    assert_nothing_written(tmp_path / "out")


def test_a_shared_page_dir_keeps_another_patients_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'a/b' and 'a_b' make the same page name: the second run used to replace the first
    patient's page silently; a rerun of the same patient still replaces its own page."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    pages = tmp_path / "pages"
    base = ("refit", "--vcf", str(vcf), "--reference", str(genome), *REFIT, "--page-dir",
            str(pages))
    assert run_cli(capsys, *base, "--sample-name", "a/b", "--out", str(tmp_path / "o1")).code == 0
    page = pages / "patients" / "a_b.html"
    before = page.read_bytes()
    outcome = run_cli(capsys, *base, "--sample-name", "a_b", "--out", str(tmp_path / "o2"),
                      case="patient page name taken by another patient")
    assert_clear_error(outcome, str(page), "patient 'a/b'", "--page-dir")
    assert page.read_bytes() == before
    assert_nothing_written(tmp_path / "o2")
    assert run_cli(capsys, *base, "--sample-name", "a/b", "--out", str(tmp_path / "o3")).code == 0


def test_a_doublet_given_also_as_its_two_snvs_counts_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A MAF with a DNP row and the same two SNP rows used to count two doublets; the SNP rows
    are now duplicates, and the log still accounts for every row."""
    genome = _genome(tmp_path)
    sequence = "".join(genome.read_text().splitlines()[1:])
    ref = sequence[109:111]
    alt = "".join("ACGT"["ACGT".index(b) - 1] for b in ref)
    maf = tmp_path / "in.maf"
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
        "Tumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"
        f"G\tchr1\t110\t111\t{ref}\t{ref}\t{alt}\tM1\n"
        f"G\tchr1\t110\t110\t{ref[0]}\t{ref[0]}\t{alt[0]}\tM1\n"
        f"G\tchr1\t111\t111\t{ref[1]}\t{ref[1]}\t{alt[1]}\tM1\n")
    out = tmp_path / "out"
    assert run_cli(capsys, "catalog", "--reference", str(genome), "--maf", str(maf),
                   "--out", str(out)).code == 0
    log = read_table(out / "catalog_log.tsv").loc["M1"]
    assert (log["counted_DBS78"], log["counted_SBS96"], log["duplicate"]) == (1, 0, 2)
    assert int(read_table(out / "DBS78.tsv")["M1"].sum()) == 1


def test_a_new_split_removes_only_the_earlier_splits_groups(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Group A of an earlier split would pass for one of the new groups' catalogs; a file the
    split did not write stays."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(), catalog, integer=True)
    out = tmp_path / "split"
    out.mkdir()
    (out / "mine.tsv").write_text("kept\n")
    for groups in ("A\nA\nB\nB", "C\nC\nB\nB"):
        sheet = tmp_path / "groups.tsv"
        sheet.write_text("sample\tgroup\n" + "".join(
            f"s{i}\t{g}\n" for i, g in enumerate(groups.split())))
        assert run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                       str(sheet), "--out", str(out)).code == 0
    assert files_under(out) == [".groups_written.tsv", "B.tsv", "C.tsv", "mine.tsv"]


def test_a_region_of_interest_past_its_contig_end_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The FASTA's chr1 holds 400 bases: a region to 5,000 is from another build."""
    genome = _genome(tmp_path)
    vcf = write_vcf(tmp_path / "s.vcf", _records(genome))
    roi = tmp_path / "roi.bed"
    roi.write_text("chr1\t10\t300\tA\nchr1\t100\t5000\tB\nchrUn\t0\t99999\tC\n")
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(genome), *REFIT,
                      "--regions-of-interest", str(roi), "--out", str(tmp_path / "out"),
                      case="region of interest past its contig's end")
    assert_clear_error(outcome, str(roi), "line 2", "past the end of chr1 (400 bp")
    assert_nothing_written(tmp_path / "out")
    roi.write_text("chr1\t10\t300\tA\nchrUn\t0\t99999\tC\n")
    assert run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(genome), *REFIT,
                   "--regions-of-interest", str(roi), "--out", str(tmp_path / "ok")).code == 0


@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_fasta_naming_a_contig_twice_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  where: str) -> None:
    """htslib indexes the first of two contigs of one name and skips the second with a
    warning; its bases were silently unused. The index built for it is taken back."""
    rng = np.random.default_rng(3)
    seq = {name: "".join(rng.choice(list("ACGT"), 130)) for name in ("chr1", "chr2", "dup")}
    records = [("chr1", seq["chr1"]), ("chr1", seq["dup"]), ("chr2", seq["chr2"])]
    if where == "end":
        records = [records[0], records[2], records[1]]
    fasta = tmp_path / "ref.fa"
    fasta.write_text("".join(f">{n}\n{s[:60]}\n{s[60:120]}\n{s[120:]}\n" for n, s in records))
    vcf = write_vcf(tmp_path / "s.vcf", [("chr1", 20, seq["chr1"][19], "A" if seq["chr1"][19]
                                          != "A" else "C", "PASS")])
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"),
                      case=f"FASTA with a repeated contig ({where})")
    assert_clear_error(outcome, str(fasta), "own name")
    assert_nothing_written(tmp_path / "out")
    assert not Path(f"{fasta}.fai").exists()


def test_blank_lines_between_fasta_records_are_no_gap(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Blank lines between records (and CRLF line ends) are not unindexed sequence."""
    rng = np.random.default_rng(4)
    seq = {name: "".join(rng.choice(list("ACGT"), 130)) for name in ("chr1", "chr2")}
    fasta = tmp_path / "ref.fa"
    fasta.write_bytes("".join(f">{n} some description\r\n{s[:60]}\r\n{s[60:120]}\r\n"
                              f"{s[120:]}\r\n\r\n" for n, s in seq.items()).encode())
    vcf = write_vcf(tmp_path / "s.vcf", [("chr2", 20, seq["chr2"][19], "A" if seq["chr2"][19]
                                          != "A" else "C", "PASS")])
    out = tmp_path / "out"
    for _ in range(2):  # the index is built, then checked as an existing one
        assert run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                       "--contexts", "SBS96", "--out", str(out)).code == 0
        assert int(read_table(out / "SBS96.tsv").to_numpy().sum()) == 1


def test_merge_groups_refuses_a_renamed_or_swapped_group_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Swapped group folders were merged with each group's signatures credited to the other
    (the merge names a group after its folder), exit 0; a renamed one to a group that never
    existed."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(samples=6), catalog, integer=True)
    groups = tmp_path / "groups.tsv"
    groups.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'AB'[i % 2]}\n" for i in range(6)))
    out = tmp_path / "run"
    assert run_cli(capsys, "extract", "--catalog", str(catalog), *FAST_EXTRACT, "--groups",
                   str(groups), "--out", str(out)).code == 0
    swapped = tmp_path / "swapped"
    (out / "groups" / "A").rename(tmp_path / "A")
    swapped.mkdir()
    (out / "groups" / "B").rename(swapped / "A")
    (tmp_path / "A").rename(swapped / "B")
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                      str(swapped / "A"), str(swapped / "B"), "--out", str(tmp_path / "m"))
    assert_clear_error(outcome, str(swapped / "A"), "records the group 'B'",
                       "named 'A'", "Rename the folder back to 'B'")
    assert_nothing_written(tmp_path / "m")


def test_extract_into_an_earlier_run_of_the_other_kind_leaves_one_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rerunning extract --groups with other groups left the old group's folder (a later
    merge-groups over groups/* then failed); a plain extract into a --groups folder left
    merged.tsv describing signatures no longer there, and the reverse left rank_metrics.tsv
    and the rank folders beside merged.tsv."""
    catalog = tmp_path / "catalog.tsv"
    write_matrix(_catalog(samples=6), catalog, integer=True)
    first, second = tmp_path / "ab.tsv", tmp_path / "ac.tsv"
    first.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'AB'[i % 2]}\n" for i in range(6)))
    second.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'AC'[i % 2]}\n" for i in range(6)))
    out = tmp_path / "run"
    base = ["extract", "--catalog", str(catalog), *FAST_EXTRACT, "--out", str(out)]
    assert run_cli(capsys, *base, "--groups", str(first)).code == 0
    assert run_cli(capsys, *base, "--groups", str(second)).code == 0
    assert sorted(p.name for p in (out / "groups").iterdir()) == ["A", "C"]
    assert run_cli(capsys, *base).code == 0
    assert not (out / "merged.tsv").exists() and not (out / "groups").exists()
    assert (out / "rank_metrics.tsv").exists()
    assert run_cli(capsys, *base, "--groups", str(first)).code == 0
    assert (out / "merged.tsv").exists() and not (out / "rank_metrics.tsv").exists()
    assert not any(p.name.startswith("k") for p in out.iterdir())
    assert not [p for p in out.rglob(".*")]

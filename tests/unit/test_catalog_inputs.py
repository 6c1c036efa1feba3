"""All contexts and all inputs of ``sigforge catalog``: hand-checked labels, samples, errors."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics import read_catalog
from sigforge.genomics.accounting import LOG_TEXT_COLUMNS, CatalogOptions
from sigforge.genomics.catalog import check_catalog_config, count_table
from sigforge.genomics.contexts import dbs78_label
from sigforge.genomics.genome import ReferenceGenome
from sigforge.genomics.indels import id83_label
from sigforge.genomics.variants import read_input
from sigforge.io import InputError, read_table

#            1234567890123
CHR_A = "GACTTTTTGCAGG"   # a T homopolymer at 4-8
CHR_B = "GGCATCAGGATCG"   # deleting CAT (3-5) leaves CA after it: microhomology 2
CHR_C = "TACACACGTTAGC"   # an AC tandem repeat at 2-7


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    return make_fasta({"chrA": CHR_A, "chrB": CHR_B, "chrC": CHR_C})


def _run(*argv: str) -> int:
    return main(["-q", *argv])


@pytest.mark.parametrize(("sequence", "pos", "ref", "alt", "label"), [
    (CHR_A, 3, "CT", "C", "1:Del:T:4"),      # one of five Ts deleted: 4 more remain
    (CHR_A, 3, "C", "CT", "1:Ins:T:5"),      # a T inserted before five Ts
    (CHR_A, 9, "GC", "G", "1:Del:C:0"),      # the lone C at 10
    (CHR_A, 1, "G", "GA", "1:Ins:T:1"),      # an A next to the A at 2: T class, 1 copy
    (CHR_B, 2, "GCAT", "G", "3:Del:M:2"),    # CAT deleted, CA follows: microhomology 2
    (CHR_C, 1, "TAC", "T", "2:Del:R:2"),     # AC deleted from ACACAC: 2 copies remain
    (CHR_C, 1, "T", "TAC", "2:Ins:R:3"),     # AC inserted before ACACAC
    (CHR_C, 8, "GTTAGC", "G", "5:Del:R:0"),  # 5 bp, no repeat, no microhomology
    (CHR_B, 2, "G", "GCAC", "3:Ins:R:0"),    # microhomology of insertions is not a class
])
def test_id83_labels_by_hand(sequence: str, pos: int, ref: str, alt: str, label: str) -> None:
    assert id83_label(sequence, pos, ref, alt) == label


@pytest.mark.parametrize(("ref", "alt", "label"), [
    ("AC", "CA", "AC>CA"), ("GT", "TG", "AC>CA"), ("CG", "AT", "CG>AT"),
    ("TT", "GG", "TT>GG"), ("AA", "CC", "TT>GG"), ("AC", "AA", None),
])
def test_dbs78_labels(ref: str, alt: str, label: str | None) -> None:
    assert dbs78_label(ref, alt) == label


def test_all_default_contexts_and_log(tmp_path: Path, fasta: Path,
                                      make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([
        ("chrA", 3, "CT", "C", "PASS"),              # ID 1:Del:T:4
        ("chrB", 2, "GCAT", "G", "PASS"),            # ID 3:Del:M:2
        ("chrC", 10, "TA", "GC", "PASS"),            # DBS record TA>GC
        ("chrB", 10, "A", "G", "PASS"),              # SNV pair 10-11 -> DBS AT>GC
        ("chrB", 11, "T", "C", "PASS"),
        ("chrA", 11, "A", "T", "PASS"),              # SBS: CAG -> C[T>A]G
        ("chrC", 3, "CAC", "TTT", "PASS"),           # mnv record
        ("chrC", 2, "A", "<DEL>", "PASS"),           # symbolic
        ("chrC", 4, "A", "A]chrA:5]", "PASS"),       # breakend
        ("chrC", 6, "C", ".C", "PASS"),              # single breakend
        ("chrC", 5, "CAC", "GT", "PASS"),            # complex (no shared flank to trim)
        ("chrC", 7, "C", ".", "PASS"),               # no ALT (a reference call): read, symbolic
        ("chrA", 5, "T", "T", "PASS"),               # ALT = REF, any length: no_change
        ("chrA", 6, "TT", "TT", "PASS"),
        ("chrB", 6, "CAG", "CAG", "PASS"),
        ("chrA", 12, "G", "N", "PASS"),              # N for a base: ambiguous, not unchanged
    ])
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(tmp_path / "out")) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [".catalog_files", "DBS78.tsv", "ID83.tsv",
                                                      "SBS96.tsv", "catalog_log.tsv"]
    sbs = read_catalog(out / "SBS96.tsv").data["TUMOUR"]
    dbs = read_catalog(out / "DBS78.tsv").data["TUMOUR"]
    ids = read_catalog(out / "ID83.tsv").data["TUMOUR"]
    assert sbs[sbs > 0].to_dict() == {"C[T>A]G": 1}
    assert dbs[dbs > 0].to_dict() == {"TA>GC": 1, "AT>GC": 1}
    assert ids[ids > 0].to_dict() == {"1:Del:T:4": 1, "3:Del:M:2": 1}
    log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
    assert (log["counted_SBS96"], log["counted_DBS78"], log["counted_ID83"]) == (1, 2, 2)
    assert (log["in_dbs"], log["mnv"], log["symbolic"], log["complex"]) == (1, 1, 4, 1)
    assert (log["no_change"], log["ambiguous_base"]) == (3, 1)
    reasons = log.drop([*LOG_TEXT_COLUMNS, "variants_read", "counted_SBS96", "counted_DBS78",
                        "counted_ID83"], errors="ignore")
    assert log["variants_read"] == 16 == 5 + reasons.sum() - log["also_in_sbs"]
    assert log["also_in_sbs"] == 0
    # SPMG-compatible: the pair's two SNVs and the DBS record's two bases are also SBS
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--multi-snvs-in-sbs",
                "--out", str(tmp_path / "spmg")) == 0
    spmg = read_table(tmp_path / "spmg/catalog_log.tsv").loc["TUMOUR"]
    assert spmg["also_in_sbs"] == 4 and spmg["counted_SBS96"] == 1
    assert read_catalog(tmp_path / "spmg/SBS96.tsv").data["TUMOUR"].sum() == 5
    assert read_catalog(tmp_path / "spmg/DBS78.tsv").data.equals(
        read_catalog(out / "DBS78.tsv").data)


def test_three_adjacent_snvs_are_an_mnv_and_a_close_snv_breaks_a_dbs(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path]) -> None:
    records = [("chrA", p, CHR_A[p - 1], "A" if CHR_A[p - 1] != "A" else "C", "PASS")
               for p in (2, 3, 4, 9, 10, 12, 13)]  # 2-4: run of 3; 9-10 pair, 12 within 5 bp
    vcf = make_vcf(records)
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(tmp_path / "out")) == 0
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["TUMOUR"]
    assert (log["mnv"], log["counted_DBS78"], log["contig_end"]) == (3, 0, 1)
    assert log["counted_SBS96"] == 3  # 9, 10 and 12 stay SBS; 13 is the contig's last base


def test_sbs1536_and_sbs288_with_a_gtf(tmp_path: Path, fasta: Path,
                                       make_vcf: Callable[..., Path]) -> None:
    gtf = tmp_path / "genes.gtf"
    rows = [("chrA", "gene", 1, 13, "+"), ("chrA", "transcript", 1, 6, "+"),
            ("chrA", "transcript", 5, 13, "-")]  # transcripts win over genes
    gtf.write_text("".join(f"{c}\tsrc\t{f}\t{s}\t{e}\t.\t{st}\t.\tgene_id \"g\";\n"
                           for c, f, s, e, st in rows))
    vcf = make_vcf([
        ("chrA", 3, "C", "T", "PASS"),   # + only, pyrimidine REF -> U
        ("chrA", 2, "A", "G", "PASS"),   # + only, purine REF -> T
        ("chrA", 10, "C", "T", "PASS"),  # - only -> T
        ("chrA", 5, "T", "C", "PASS"),   # both strands -> B, split: odd one to T
    ])
    code = _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--contexts",
                "SBS96", "SBS288", "SBS1536", "--annotation", str(gtf), "--out",
                str(tmp_path / "out"))
    assert code == 0
    s288 = read_catalog(tmp_path / "out/SBS288.tsv").data["TUMOUR"]
    s1536 = read_catalog(tmp_path / "out/SBS1536.tsv").data["TUMOUR"]
    # 2 and 3 are adjacent with nothing within 5 bp on the left but 5 on the right: not a DBS
    assert s288[s288 > 0].to_dict() == {"U:A[C>T]T": 1, "T:G[T>C]C": 1, "T:G[C>T]A": 1,
                                        "T:T[T>C]T": 1}
    # position 2 has no 5'-2 base: in SBS96 and SBS288, not in SBS1536
    assert s1536[s1536 > 0].to_dict() == {"GA[C>T]TT": 1, "CT[T>C]TT": 1, "TG[C>T]AG": 1}
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["TUMOUR"]
    assert (log["counted_SBS96"], log["counted_SBS288"], log["counted_SBS1536"]) == (4, 4, 3)


def test_sbs288_without_annotation_is_an_error(tmp_path: Path, fasta: Path,
                                               make_vcf: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([("chrA", 3, "C", "T", "PASS")])
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--contexts",
                "SBS288", "--out", str(tmp_path / "out")) == 2
    assert "SBS288 needs --annotation" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_multi_sample_vcf_gives_one_column_per_sample(tmp_path: Path, fasta: Path,
                                                      make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chrA", 3, "C", "A,T", "PASS", "0/1", "1/2"),
                    ("chrA", 11, "A", "G", "PASS", "0/0", "0/1")], samples=("N", "T"))
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--contexts", "SBS96",
                "--out", str(tmp_path / "out")) == 0
    catalog = read_catalog(tmp_path / "out/SBS96.tsv").data
    assert list(catalog.columns) == ["N", "T"]
    assert catalog.sum().tolist() == [1, 3]
    log = read_table(tmp_path / "out/catalog_log.tsv")
    assert log.loc["N", "not_in_sample"] == 2 and log.loc["T", "not_in_sample"] == 0
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--vcf-sample", "N",
                "--out", str(tmp_path / "one")) == 0
    assert list(read_catalog(tmp_path / "one/SBS96.tsv").data.columns) == ["N"]


def test_sample_from_filename_ignores_genotypes(tmp_path: Path, fasta: Path,
                                                make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chrA", 3, "C", "A", "PASS", "0/0", "0/0")], name="P7.vcf",
                   samples=("N", "T"))
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf),
                "--sample-from-filename", "--out", str(tmp_path / "out")) == 0
    catalog = read_catalog(tmp_path / "out/SBS96.tsv").data
    assert list(catalog.columns) == ["P7"] and catalog["P7"].sum() == 1


def test_sites_only_vcf_is_named_after_its_file(tmp_path: Path, fasta: Path,
                                                make_vcf: Callable[..., Path]) -> None:
    vcf = make_vcf([("chrA", 3, "C", "A", "PASS")], name="sites.vcf", samples=(), compress=True)
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(tmp_path / "out")) == 0
    assert list(read_catalog(tmp_path / "out/SBS96.tsv").data.columns) == ["sites"]


def test_vcf_dir_with_bgzipped_and_aliased_contigs(tmp_path: Path, fasta: Path,
                                                   make_vcf: Callable[..., Path]) -> None:
    folder = tmp_path / "vcfs"
    folder.mkdir()
    make_vcf([("chrA", 3, "C", "A", "PASS")], name="vcfs/b.vcf", samples=("B",), compress=True)
    make_vcf([("A", 11, "A", "G", "PASS")], name="vcfs/a.vcf", samples=("A",))  # A = chrA
    assert _run("catalog", "--reference", str(fasta), "--vcf-dir", str(folder), "--out",
                str(tmp_path / "out")) == 0
    assert list(read_catalog(tmp_path / "out/SBS96.tsv").data.columns) == ["A", "B"]


MAF_HEADER = ("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tVariant_Type\t"
              "Reference_Allele\tTumor_Seq_Allele1\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n")


def test_maf_snvs_and_dash_indels_are_anchored(tmp_path: Path, fasta: Path) -> None:
    maf = tmp_path / "cohort.maf"
    rows = [
        ("G", "chrA", 11, 11, "SNP", "A", "A", "G", "S1"),      # Allele2 is the ALT
        ("G", "chrA", 3, 3, "SNP", "C", "T", "C", "S1"),        # Allele2 = REF: Allele1
        ("G", "chrA", 4, 4, "DEL", "T", "T", "-", "S2"),        # = VCF chrA:3 CT>C
        ("G", "chrC", 1, 2, "INS", "-", "-", "AC", "S2"),       # = VCF chrC:1 T>TAC
        ("G", "chrA", 10, 11, "DNP", "CA", "CA", "AG", "S2"),   # DBS CA>AG
    ]
    body = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    maf.write_text("#version 2.4\n" + MAF_HEADER + body)
    assert _run("catalog", "--reference", str(fasta), "--maf", str(maf), "--out",
                str(tmp_path / "out")) == 0
    ids = read_catalog(tmp_path / "out/ID83.tsv").data
    assert ids["S2"][ids["S2"] > 0].to_dict() == {"1:Del:T:4": 1, "2:Ins:R:3": 1}
    sbs = read_catalog(tmp_path / "out/SBS96.tsv").data
    assert sbs["S1"][sbs["S1"] > 0].to_dict() == {"C[T>C]G": 1, "A[C>T]T": 1}
    dbs = read_catalog(tmp_path / "out/DBS78.tsv").data
    assert dbs["S2"].sum() == 1 and dbs.loc["TG>CT", "S2"] == 1
    log = read_table(tmp_path / "out/catalog_log.tsv")
    assert log["variants_read"].to_dict() == {"S1": 2, "S2": 3}  # a MAF row is one sample's
    assert _run("catalog", "--reference", str(fasta), "--maf", str(maf), "--vcf-sample", "S2",
                "--sample-name", "patient2", "--out", str(tmp_path / "one")) == 0
    assert read_catalog(tmp_path / "one/ID83.tsv").data["patient2"].sum() == 2



def test_maf_rows_without_a_mutation_or_an_anchor_get_their_own_reasons(
        tmp_path: Path, fasta: Path) -> None:
    """Tumour alleles both equal to the reference are ``no_change`` (not ``complex``), and a
    deletion of a contig's first base, which has no base before it to anchor on, is
    ``contig_end`` (not ``ambiguous_base`` for its '-')."""
    maf = tmp_path / "odd.maf"
    rows = [
        ("G", "chrA", 11, 11, "SNP", "A", "A", "A", "S1"),      # no tumour allele differs
        ("G", "chrA", 6, 7, "DNP", "TT", "TT", "TT", "S1"),
        ("G", "chrB", 1, 1, "DEL", "G", "G", "-", "S1"),        # base 1: nothing to anchor on
        ("G", "chrA", 3, 3, "SNP", "C", "C", "T", "S1"),        # counted
    ]
    body = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    maf.write_text(MAF_HEADER + body)
    assert _run("catalog", "--reference", str(fasta), "--maf", str(maf), "--out",
                str(tmp_path / "out")) == 0
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["S1"]
    assert (log["variants_read"], log["counted_SBS96"]) == (4, 1)
    assert (log["no_change"], log["contig_end"], log["complex"], log["ambiguous_base"]) == (
        2, 1, 0, 0)


def test_an_indel_on_a_contig_s_first_base_is_contig_end_in_a_vcf_as_in_a_maf(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path]) -> None:
    """VCF writes an indel on a contig's first base with the base after it (``POS 1 GA>A``
    deletes chrA's first G; ``G>TG`` inserts a T before it): the MAF test above skips the
    same deletion as ``contig_end``, and so must the VCF, not call it ``complex``. A real
    complex record at POS 1 (both alleles changed) stays ``complex``."""
    vcf = make_vcf([("chrA", 1, "GA", "A", "PASS"), ("chrB", 1, "G", "TG", "PASS"),
                    ("chrB", 1, "GGC", "T", "PASS"), ("chrA", 3, "C", "CT", "PASS")])
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(tmp_path / "out")) == 0
    log = read_table(tmp_path / "out/catalog_log.tsv").iloc[0]
    assert (log["variants_read"], log["counted_ID83"]) == (4, 1)
    assert (log["contig_end"], log["complex"]) == (2, 1)

@pytest.mark.parametrize(("setup", "message"), [
    ("truncated", r"cut.vcf.gz: cannot be read .*truncated"),
    ("malformed", r"bad.vcf: malformed or truncated at line 7"),
    ("maf_columns", r"missing column\(s\) Tumor_Sample_Barcode"),
    ("maf_position", r"pos.maf: line 4: Start_Position 'x3' is not an integer"),
    ("no_fasta", r"reference FASTA .* not found"),
    ("twice", r"'s1' appears more than once"),
    ("bad_context", r"--contexts SBS6: unknown catalog; choose from SBS96"),
])
def test_bad_input_is_one_clear_error_and_writes_nothing(
        setup: str, message: str, tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    good = make_vcf([("chrA", 3, "C", "A", "PASS")], name="good.vcf")
    args = ["--reference", str(fasta), "--vcf", str(good)]
    if setup == "truncated":
        records = [("chrA", p, CHR_A[p - 1], "A" if CHR_A[p - 1] != "A" else "C", "PASS")
                   for p in range(2, 12) for _ in range(600)]  # > 64 kB: several BGZF blocks
        full = make_vcf(records, name="big.vcf", compress=True).read_bytes()
        cut = tmp_path / "cut.vcf.gz"
        cut.write_bytes(full[: len(full) // 2])
        args = ["--reference", str(fasta), "--vcf", str(cut)]
    elif setup == "malformed":
        bad = make_vcf([("chrA", 3, "C", "A", "PASS"), ("chrA", "x3", "C", "A", "PASS")],
                       name="bad.vcf")
        args = ["--reference", str(fasta), "--vcf", str(bad)]
    elif setup == "maf_columns":
        maf = tmp_path / "bad.maf"
        maf.write_text("Chromosome\tStart_Position\tEnd_Position\tReference_Allele\t"
                       "Tumor_Seq_Allele2\nchrA\t3\t3\tC\tA\n")
        args = ["--reference", str(fasta), "--maf", str(maf)]
    elif setup == "maf_position":
        maf = tmp_path / "pos.maf"
        maf.write_text("#version 2.4\n" + MAF_HEADER + "G\tchrA\t3\t3\tSNP\tC\tC\tA\tS1\n"
                       "G\tchrA\tx3\t3\tSNP\tC\tC\tA\tS1\n")
        args = ["--reference", str(fasta), "--maf", str(maf)]
    elif setup == "no_fasta":
        args[1] = str(tmp_path / "absent.fa")
    elif setup == "twice":
        other = make_vcf([("chrA", 11, "A", "G", "PASS")], name="other.vcf")
        args = ["--reference", str(fasta), "--vcf", str(good), str(other), "--sample-name",
                "s1", "s1"]
    elif setup == "bad_context":
        args += ["--contexts", "SBS6"]
    assert _run("catalog", *args, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert pd.Series([err]).str.contains(message).iat[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_two_files_with_the_same_sample_column(tmp_path: Path, fasta: Path,
                                               make_vcf: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    a = make_vcf([("chrA", 3, "C", "A", "PASS")], name="a.vcf")
    b = make_vcf([("chrA", 11, "A", "G", "PASS")], name="b.vcf")
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(a), str(b), "--out",
                str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "'TUMOUR' comes from both" in err and "--sample-from-filename" in err
    assert not (tmp_path / "out").exists()
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(a), str(b),
                "--sample-from-filename", "--out", str(tmp_path / "out")) == 0
    assert list(read_catalog(tmp_path / "out/SBS96.tsv").data.columns) == ["a", "b"]


def test_workflow_context_config_is_checked() -> None:
    assert check_catalog_config(["SBS96", "ID83", "SBS96"], None) == ("SBS96", "ID83")
    with pytest.raises(InputError, match="must include SBS96"):
        check_catalog_config(["DBS78"], None)
    with pytest.raises(InputError, match="set catalog.annotation"):
        check_catalog_config(["SBS96", "SBS288"], None)
    assert check_catalog_config(["SBS96", "SBS288"], "genes.gtf") == ("SBS96", "SBS288")


def test_merge_catalogs_merges_every_context(tmp_path: Path, fasta: Path,
                                             make_vcf: Callable[..., Path]) -> None:
    for name, records in (("a", [("chrA", 3, "CT", "C", "PASS")]),
                          ("b", [("chrC", 10, "TA", "GC", "PASS")])):
        vcf = make_vcf(records, name=f"{name}.vcf")
        assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--sample-name",
                    name, "--out", str(tmp_path / name)) == 0
    assert _run("merge-catalogs", "--inputs", str(tmp_path / "a"), str(tmp_path / "b"),
                "--out", str(tmp_path / "all")) == 0
    for context, totals in (("SBS96", [0, 0]), ("DBS78", [0, 1]), ("ID83", [1, 0])):
        assert read_catalog(tmp_path / f"all/{context}.tsv").data.sum().tolist() == totals
    log = read_table(tmp_path / "all/catalog_log.tsv")
    assert list(log.index) == ["a", "b"] and log["counted_ID83"].tolist() == [1, 0]


def test_gzip_maf(tmp_path: Path, fasta: Path) -> None:
    maf = tmp_path / "c.maf.gz"
    with gzip.open(maf, "wt") as handle:
        handle.write(MAF_HEADER + "G\tchrA\t11\t11\tSNP\tA\tA\tG\tS1\n")
    assert _run("catalog", "--reference", str(fasta), "--maf", str(maf), "--out",
                str(tmp_path / "out")) == 0
    assert read_catalog(tmp_path / "out/SBS96.tsv").data["S1"].sum() == 1


def test_both_strand_split_covers_all_sbs_of_a_sample(tmp_path: Path,
                                                      make_fasta: Callable[..., Path],
                                                      make_vcf: Callable[..., Path]) -> None:
    """With --multi-snvs-in-sbs, B (genes on both strands) is split once over every SNV."""
    fasta = make_fasta({"chrD": "CTTTCCCCCCCCCCTTTCC"}, name="d.fa")
    gtf = tmp_path / "both.gtf"
    gtf.write_text("chrD\tsrc\tgene\t1\t19\t.\t+\t.\tid\nchrD\tsrc\tgene\t1\t19\t.\t-\t.\tid\n")
    vcf = make_vcf([("chrD", 3, "T", "C", "PASS"),     # TTT, an SBS: T[T>C]T in B
                    ("chrD", 15, "T", "C", "PASS"),    # with 16: a DBS
                    ("chrD", 16, "T", "C", "PASS")])   # TTT: T[T>C]T in B, also in SBS
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--contexts",
                "SBS288", "DBS78", "--annotation", str(gtf), "--multi-snvs-in-sbs", "--out",
                str(tmp_path / "out")) == 0
    s288 = read_catalog(tmp_path / "out/SBS288.tsv").data["TUMOUR"]
    assert s288[s288 > 0].to_dict() == {"T:T[T>C]T": 1, "U:T[T>C]T": 1, "T:C[T>C]T": 1}


@pytest.mark.parametrize(("positions", "dbs", "mnv", "skipped"), [
    ((23, 24), {"TG>AC": 1}, 0, 0),       # a doublet beside an N: one doublet
    ((23, 24, 25), {}, 3, 0),             # a run of three beside an N: an MNV
    ((1, 2), {"AC>TA": 1}, 0, 0),         # a doublet at the contig's start
    ((23,), {}, 0, 1),                    # a lone SNV beside an N: no trinucleotide, skipped
])
def test_snvs_without_a_trinucleotide_still_pair_into_doublets_and_runs(
        positions: tuple[int, ...], dbs: dict[str, int], mnv: int, skipped: int,
        tmp_path: Path, make_fasta: Callable[..., Path],
        make_vcf: Callable[..., Path]) -> None:
    """An SNV beside an N (or at a contig's end) was dropped before adjacent SNVs were paired:
    a doublet split over two records became a lone SBS of half a doublet (the same doublet as
    one record was DBS78), and a run of three a doublet plus in_dbs. A doublet needs no
    flanking base: they pair and run as SNVs, and only a lone one is skipped."""
    sequence = "ACGTACGTACGTACGTACGTAN" + "TGCAGTACCGTAAGCTTACG"  # N at 22, T G C A at 23-26
    fasta = make_fasta({"chrN": sequence})
    swap = {"A": "T", "C": "A", "G": "C", "T": "A"}
    vcf = make_vcf([("chrN", p, sequence[p - 1], swap[sequence[p - 1]], "PASS")
                    for p in positions])
    out = tmp_path / "out"
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(out)) == 0
    log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
    doublets = read_catalog(out / "DBS78.tsv").data["TUMOUR"]
    assert doublets[doublets > 0].to_dict() == dbs
    assert log["mnv"] == mnv and log["counted_SBS96"] == 0
    assert log["ambiguous_base"] + log["contig_end"] == skipped
    assert log["in_dbs"] == len(dbs)


@pytest.mark.parametrize(("contexts", "files", "also_in_sbs", "counted_sbs96"), [
    (("SBS96",), ["DBS78.tsv", "SBS96.tsv"], 2, 0),   # DBS78 counted too: the log adds up
    (("DBS78",), ["DBS78.tsv"], 0, 0),                # no SBS catalog: nothing counted twice
    (("SBS1536",), ["DBS78.tsv", "SBS1536.tsv", "SBS96.tsv"], 2, 0),
])
def test_multi_snvs_in_sbs_keeps_the_log_true_with_any_contexts(
        contexts: tuple[str, ...], files: list[str], also_in_sbs: int, counted_sbs96: int,
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path]) -> None:
    """With SBS96 alone the doublet's two SNVs were in SBS96.tsv while the log called them
    not_requested and also_in_sbs ("counted a second time", never counted a first); with
    DBS78 alone also_in_sbs was 2 with no SBS catalog at all."""
    vcf = make_vcf([("chrA", 9, "G", "T", "PASS"), ("chrA", 10, "C", "A", "PASS")])
    out = tmp_path / "out"
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--contexts",
                *contexts, "--multi-snvs-in-sbs", "--out", str(out)) == 0
    assert sorted(p.name for p in out.glob("*.tsv")) == [*files, "catalog_log.tsv"]
    log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
    assert (log["also_in_sbs"], log["counted_SBS96"], log["not_requested"]) == (
        also_in_sbs, counted_sbs96, 0)
    assert log["counted_DBS78"] == 1 and log["variants_read"] == 2
    # counted_SBS1536 left the second counting out as counted_SBS96 does (it had said 2)
    assert log.get("counted_SBS1536", 0) <= log["counted_SBS96"]


def test_a_repeated_snv_beside_an_n_is_a_duplicate(
        tmp_path: Path, make_fasta: Callable[..., Path],
        make_vcf: Callable[..., Path]) -> None:
    """The same SNV beside an N written twice was logged ambiguous_base twice; like any
    repeated SNV, the second is a duplicate."""
    sequence = "ACGTACGTACGTACGTACGTAN" + "TGCAGTACCGTAAGCTTACG"
    fasta = make_fasta({"chrN": sequence})
    vcf = make_vcf([("chrN", 23, "T", "A", "PASS"), ("chrN", 23, "T", "A", "PASS")])
    out = tmp_path / "out"
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(out)) == 0
    log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
    assert (log["ambiguous_base"], log["duplicate"], log["variants_read"]) == (1, 1, 2)


@pytest.mark.parametrize(("contexts", "names_sbs1536"), [(["SBS1536"], True),
                                                        (["SBS288"], False)])
def test_sbs96_added_to_strand_or_pentanucleotide_contexts_says_why(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, contexts: list[str],
        names_sbs1536: bool) -> None:
    """The warning for --contexts SBS288 spoke of SNVs 'SBS1536 cannot place'."""
    import argparse
    import logging

    from sigforge.cli.catalog import _catalog_options

    genes = tmp_path / "genes.bed"
    genes.write_text("chr1\t0\t100\tg1\t0\t+\n")
    args = argparse.Namespace(contexts=contexts, multi_snvs_in_sbs=False, all_filters=False,
                              annotation=str(genes) if "SBS288" in contexts else None)
    with caplog.at_level(logging.WARNING):
        options = _catalog_options(args)
    assert options.contexts[0] == "SBS96"
    assert "SBS96 is counted too" in caplog.text
    assert ("SBS1536 cannot place" in caplog.text) == names_sbs1536


def test_samples_of_one_shared_file_are_compared_only_when_their_counts_agree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """merge-catalogs compared every pair of samples counted from one MAF or multi-sample VCF
    (and read the VCF's header for each pair): 2,000 barcodes of one MAF took 295 s. Now the
    file is read once and only samples with equal counts are compared; twins are still
    found."""
    from sigforge.cli import catalog_checks

    calls = {"header": 0, "pairs": 0}
    holds, twins = catalog_checks._holds_one_sample, catalog_checks._check_not_twins

    def count(name: str, function: Callable) -> Callable:
        def counted(*args: object) -> object:
            calls[name] += 1
            return function(*args)
        return counted

    monkeypatch.setattr(catalog_checks, "_holds_one_sample", count("header", holds))
    monkeypatch.setattr(catalog_checks, "_check_not_twins", count("pairs", twins))
    source = tmp_path / "cohort.maf"
    source.write_text("Hugo_Symbol\n")
    n = 60
    folders = [tmp_path / f"d{i}" for i in range(n)]
    logs = [pd.DataFrame({"source": [str(source)]}, index=[f"s{i}"]) for i in range(n)]
    catalogs = [{"SBS96": pd.DataFrame({f"s{i}": [i, 1, 2]})} for i in range(n)]
    catalog_checks.check_distinct_sources(folders, logs, catalogs)
    assert calls == {"header": 1, "pairs": 0}
    catalogs[7] = {"SBS96": pd.DataFrame({"s7": [3, 1, 2]})}  # s3's counts, 6 mutations
    catalog_checks.check_distinct_sources(folders, logs, catalogs)
    assert calls["pairs"] == 1


@pytest.mark.parametrize(("records", "duplicates"), [
    # one T deleted from TTTTT (4-8): left-aligned at 3, and written at 5 and 7
    ([("chrA", 3, "CT", "C"), ("chrA", 5, "TT", "T"), ("chrA", 7, "TT", "T")], 2),
    # one AC unit deleted from ACACAC (2-7): at 1 (TAC>T) and shifted by one base (CA)
    ([("chrC", 1, "TAC", "T"), ("chrC", 2, "ACA", "A"), ("chrC", 3, "CAC", "C")], 2),
    # one T inserted into the T run, written before and after it
    ([("chrA", 3, "C", "CT"), ("chrA", 8, "T", "TT")], 1),
    # two different deletions of the run (one T, two Ts): both counted
    ([("chrA", 3, "CT", "C"), ("chrA", 3, "CTT", "C")], 0),
    # an insertion and a deletion at one place: both counted
    ([("chrA", 3, "CT", "C"), ("chrA", 3, "C", "CT")], 0),
])
def test_one_indel_written_at_two_places_of_a_repeat_is_a_duplicate(
        tmp_path: Path, fasta: Path, make_vcf: Callable[..., Path],
        records: list[tuple], duplicates: int) -> None:
    """A file merging a caller that left-aligns with one that does not (freebayes, VarDict,
    MAF conversions) held one deletion twice, and ID83 counted it twice."""
    vcf = make_vcf([(*r, "PASS") for r in records])
    out = tmp_path / "out"
    assert _run("catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                str(out)) == 0
    log = read_table(out / "catalog_log.tsv").loc["TUMOUR"]
    assert (log["duplicate"], log["counted_ID83"]) == (duplicates, len(records) - duplicates)
    id83 = read_table(out / "ID83.tsv")["TUMOUR"]
    assert id83.sum() == len(records) - duplicates


def test_a_hard_masked_fasta_is_refused_naming_the_fix(
        tmp_path: Path, make_fasta: Callable[..., Path],
        make_vcf: Callable[..., Path]) -> None:
    """A FASTA whose repeats are N (Ensembl's dna_rm) dropped every variant in them as
    ambiguous_base, exit 0, with only an INFO line: half a genome's SNVs lost."""
    rng = np.random.default_rng(3)
    real = "".join(rng.choice(list("ACGT"), size=400))
    masked = "".join(b if (i // 20) % 2 == 0 else "N" for i, b in enumerate(real))
    positions = range(5, 395, 7)
    records = [("chrM1", p, real[p - 1], "A" if real[p - 1] != "A" else "C", "PASS")
               for p in positions]
    vcf = make_vcf(records)
    on_n = sum(masked[p - 1] == "N" for p in positions)
    for sequence, fails in ((masked, True), (masked.replace("N", "X"), True),
                            (masked.replace("N", "R"), False), (real, False)):
        fasta = make_fasta({"chrM1": sequence}, name=f"{sequence[20]}.fa")
        with pytest.raises(InputError, match=(
                rf"{on_n} of {len(records)} variants .* have REF bases where the reference "
                r".* has N.*hard-masked.*soft-masked")) if fails else contextlib.nullcontext():
            count_table(read_input(vcf), ReferenceGenome(fasta), CatalogOptions())
    assert on_n > len(records) // 3


def test_a_doublet_or_indel_over_an_ambiguous_fasta_base_is_not_a_ref_mismatch(
        tmp_path: Path, make_fasta: Callable[..., Path],
        make_vcf: Callable[..., Path]) -> None:
    """A DBS or deletion whose REF spans an N or an R of the FASTA was a ref_mismatch, and
    three of them in a small sample stopped the run as 'different genome builds'."""
    rng = np.random.default_rng(4)
    sequence = list("".join(rng.choice(list("ACGT"), size=300)))
    sequence[100], sequence[150] = "R", "Y"
    fasta = make_fasta({"chrI": "".join(sequence)})
    text = "".join(sequence)
    real = {100: "A", 150: "C"}
    ref = lambda start, size: "".join(real.get(i, text[i]) for i in range(start, start + size))  # noqa: E731
    records = [("chrI", 100, ref(99, 2), "TT" if ref(99, 2) != "TT" else "GG", "PASS"),
               ("chrI", 150, ref(149, 3), ref(149, 1), "PASS"),
               ("chrI", 149, ref(148, 3), ref(148, 1), "PASS")]
    records += [("chrI", p, text[p - 1], "A" if text[p - 1] != "A" else "C", "PASS")
                for p in range(200, 290, 10)]
    results = count_table(read_input(make_vcf(records)), ReferenceGenome(fasta),
                          CatalogOptions(contexts=("SBS96", "DBS78", "ID83")))
    log = results[0].skipped
    assert (log["ambiguous_base"], log["ref_mismatch"]) == (3, 0)
    assert results[0].masked == 0  # IUPAC codes are reference bases, not a mask


@pytest.mark.parametrize("odd", ["*", "-", "5", "U"])
def test_a_fasta_character_that_is_no_base_beside_an_snv_is_warned_of(
        tmp_path: Path, make_fasta: Callable[..., Path], make_vcf: Callable[..., Path],
        caplog: pytest.LogCaptureFixture, odd: str) -> None:
    """A '*', '-' or digit in the FASTA beside an SNV made it ambiguous_base, exit 0 without
    a word, as if the FASTA held an N there."""
    import logging

    sequence = "ACGTACGTACGTACGTACGTAC" + odd + "TGCAGTACCGTAAGCTTACG"
    fasta = make_fasta({"chrO": sequence})
    vcf = make_vcf([("chrO", 24, "T", "A", "PASS"), ("chrO", 10, "C", "A", "PASS")])
    with caplog.at_level(logging.WARNING):
        results = count_table(read_input(vcf), ReferenceGenome(fasta), CatalogOptions())
    assert results[0].skipped["ambiguous_base"] == 1
    assert f"contig chrO holds '{odd}' at or beside position 24" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        count_table(read_input(vcf), ReferenceGenome(make_fasta(
            {"chrO": sequence.replace(odd, "N")}, name="n.fa")), CatalogOptions())
    assert "no base or IUPAC" not in caplog.text

"""Red team 4 (formats of other tools): MAF inputs and downloaded tables, read right or refused
by name with a fix that works.

- cBioPortal's ``data_mutations.txt``: read with an explicit ``--maf`` whatever its name and
  without the optional ``Tumor_Seq_Allele1``; given as a VCF, refused as a MAF;
- a MAF row with two different non-reference tumour alleles counts both (as a ``1/2`` VCF
  record does), and both are variants read;
- a MAF numbering X/Y as 23/24 is refused with a command that renames them in the MAF;
- COSMIC v2's ``signatures_probabilities.txt`` (three label columns, trailing tabs) and the
  ``DEL_C_1_0`` naming of ID83 are read as SBS96 and ID83 tables;
- ``.mtx``/``.npy``/``.rds`` matrices are refused naming their format with a conversion for
  it; SigProfilerMatrixGenerator's other matrices (SBS6, SBS384, ID28 ...) are refused by name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.contexts import ID83_CHANNELS, SBS96_CHANNELS, normalise_id83_label
from sigforge.genomics.maf import read_maf
from sigforge.genomics.tables import read_catalog
from sigforge.io import InputError, read_table
from tests.robustness._harness import assert_clear_error, run_cli

#       1234567890123456789012345678901234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
SNV_POSITIONS = (5, 11, 20, 33, 47, 60)
#: cBioPortal's data_mutations columns, Tumor_Seq_Allele1 left out (optional there).
CBIO_COLUMNS = ("Hugo_Symbol", "Chromosome", "Start_Position", "End_Position",
                "Reference_Allele", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode")


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """One 70-bp contig chr1, and chrX/chrY copies of it."""
    return make_fasta({"chr1": CHR1, "chrX": CHR1, "chrY": CHR1})


def _alt(ref: str) -> str:
    """A base other than ``ref``."""
    return "A" if ref != "A" else "C"


def _write(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> Path:
    """A tab-separated file: the header, then one line per row."""
    path.write_text("".join("\t".join(line) + "\n" for line in [list(columns), *rows]))
    return path


def _cbio_rows(sample: str, contig: str = "chr1") -> list[list[str]]:
    """cBioPortal rows (no Tumor_Seq_Allele1) of six SNVs matching the FASTA."""
    return [["G", contig, str(p), str(p), CHR1[p - 1], _alt(CHR1[p - 1]), sample]
            for p in SNV_POSITIONS]


def _catalog(capsys: pytest.CaptureFixture[str], out: Path, fasta: Path, *inputs: str):
    """Run ``sigforge catalog`` on the inputs (already split into options)."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), *inputs, "--out", str(out))


# --- item 1: cBioPortal data_mutations.txt ---------------------------------------------------

def test_explicit_maf_of_any_name_without_allele1_is_read(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--maf data_mutations.txt`` was refused for its name, and a MAF without the optional
    Tumor_Seq_Allele1 for that column; both samples now count their six SNVs."""
    maf = _write(tmp_path / "data_mutations.txt", CBIO_COLUMNS,
                 _cbio_rows("P-1") + _cbio_rows("P-2"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf))
    assert outcome.code == 0, outcome.err
    log = read_table(tmp_path / "out/catalog_log.tsv")
    assert log["variants_read"].to_dict() == {"P-1": 6, "P-2": 6}
    assert log["counted_SBS96"].to_dict() == {"P-1": 6, "P-2": 6}


def test_maf_without_allele1_uses_allele2(tmp_path: Path) -> None:
    """Without Tumor_Seq_Allele1 every ALT is Tumor_Seq_Allele2 (one variant per row)."""
    table = read_maf(_write(tmp_path / "x.maf", CBIO_COLUMNS, _cbio_rows("S1")))
    assert table.alt == [_alt(CHR1[p - 1]) for p in SNV_POSITIONS]


def test_maf_given_as_vcf_says_it_is_a_maf(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A MAF given with --vcf said only that it is not a VCF; it now says it is a MAF and to
    give it with --maf."""
    maf = _write(tmp_path / "data_mutations.txt", CBIO_COLUMNS, _cbio_rows("P-1"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--vcf", str(maf))
    assert_clear_error(outcome, "it is a MAF", "Tumor_Sample_Barcode", f"--maf {maf}")


def test_vcf_given_as_maf_says_it_is_a_vcf(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        make_vcf: Callable[..., Path]) -> None:
    """Now that --maf takes any name, a VCF given there is named as a VCF."""
    vcf = make_vcf([("chr1", 5, CHR1[4], "A", "PASS")], name="s.vcf")
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(vcf))
    assert_clear_error(outcome, "is a VCF, not a MAF", f"--vcf {vcf}")


# --- item 2: two different tumour alternate alleles -----------------------------------------

def test_both_non_reference_tumour_alleles_are_counted(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """vcf2maf writes a 1/2 genotype as Allele1 and Allele2 two different ALTs; Allele1 was
    dropped (not even read). Each is now a variant read and counted, as a VCF's 1/2 record;
    a homozygous row (both alleles the same ALT) is one variant."""
    columns = ("Chromosome", "Start_Position", "End_Position", "Reference_Allele",
               "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode")
    rows = []
    for i, p in enumerate(SNV_POSITIONS):
        ref = CHR1[p - 1]
        second = next(b for b in "ACGT" if b not in (ref, _alt(ref)))
        allele1 = {0: second, 1: second, 2: _alt(ref)}.get(i, ref)
        rows.append(["chr1", str(p), str(p), ref, allele1, _alt(ref), "T1"])
    maf = _write(tmp_path / "t.maf", columns, rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf))
    assert outcome.code == 0, outcome.err
    log = read_table(tmp_path / "out/catalog_log.tsv").loc["T1"]
    assert (log["variants_read"], log["counted_SBS96"]) == (8, 8)
    table = read_maf(maf)
    assert table.line.tolist() == [2, 2, 3, 3, 4, 5, 6, 7]


def test_a_second_allele_that_is_not_bases_is_refused(tmp_path: Path) -> None:
    """The second ALT is checked like the first: junk names its line and column."""
    columns = ("Chromosome", "Start_Position", "End_Position", "Reference_Allele",
               "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode")
    maf = _write(tmp_path / "t.maf", columns, [["chr1", "5", "5", "T", "Z", "A", "T1"]])
    with pytest.raises(InputError, match=r"line 2: Tumor_Seq_Allele1 'Z' is not an allele"):
        read_maf(maf)


# --- item 3: chromosomes 23 and 24 ------------------------------------------------------------

def test_chromosomes_23_24_get_a_maf_fix_that_works(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A MAF numbering X/Y as 23/24 was refused with a bcftools command, which cannot read a
    MAF; the message now names the convention and gives an awk command, which fixes it."""
    rows = [[*row[:1], "23", *row[2:]] for row in _cbio_rows("S1")[:3]]
    rows += [[*row[:1], "24", *row[2:]] for row in _cbio_rows("S1")[3:4]]
    maf = _write(tmp_path / "old.maf", CBIO_COLUMNS, _cbio_rows("S1")[4:] + rows)
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf))
    assert_clear_error(outcome, "23 (3 row(s)), 24 (1 row(s))", "23 and 24", "awk")
    assert "bcftools" not in outcome.err
    awk = shutil.which("awk")
    if awk is None:
        return
    command = outcome.err[outcome.err.index("awk '"):outcome.err.index(" > OUT.maf")]
    command = command.replace("IN.maf", str(maf))
    fixed = tmp_path / "fixed.maf"
    fixed.write_text(subprocess.run(["sh", "-c", command], check=True, capture_output=True,
                                    text=True).stdout)
    outcome = _catalog(capsys, tmp_path / "out2", fasta, "--maf", str(fixed))
    assert outcome.code == 0, outcome.err
    assert int(read_table(tmp_path / "out2/catalog_log.tsv").loc["S1", "counted_SBS96"]) == 6


def test_contig_23_of_the_fasta_is_not_renamed(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A genome whose contigs are numbered 23 and 24 (zebrafish) keeps them."""
    fasta = make_fasta({"23": CHR1, "X": CHR1}, name="fish.fa")
    maf = _write(tmp_path / "z.maf", CBIO_COLUMNS, _cbio_rows("S1", contig="23"))
    outcome = _catalog(capsys, tmp_path / "out", fasta, "--maf", str(maf))
    assert outcome.code == 0, outcome.err


# --- item 4: COSMIC v2 signatures_probabilities.txt ------------------------------------------

def _cosmic_v2(path: Path, order: list[str], trailing: int = 4) -> Path:
    """COSMIC v2's layout: Substitution Type, Trinucleotide, Somatic Mutation Type, then the
    signatures, every line ending with ``trailing`` tabs."""
    end = "\t" * trailing
    lines = ["Substitution Type\tTrinucleotide\tSomatic Mutation Type\tSignature 1\t"
             f"Signature 5{end}"]
    for i, label in enumerate(order):
        lines.append(f"{label[2:5]}\t{label[0]}{label[2]}{label[6]}\t{label}\t{(i + 1) / 4656}"
                     f"\t{(96 - i) / 4656}{end}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cosmic_v2_three_label_columns_are_read_as_sbs96(tmp_path: Path) -> None:
    """The classic table was refused (a nameless column 9; after trimming, 'C>A' repeated
    with advice to merge rows); it is now an SBS96 signature table, names kept."""
    order = sorted(SBS96_CHANNELS, key=lambda label: (label[2:5], label))
    table = read_catalog(_cosmic_v2(tmp_path / "signatures_probabilities.txt", order))
    assert table.channel_set == "SBS96"
    assert list(table.data.columns) == ["Signature 1", "Signature 5"]
    assert table.data.loc[order[0], "Signature 1"] == pytest.approx(1 / 4656)
    trimmed = read_catalog(_cosmic_v2(tmp_path / "trimmed.txt", order, trailing=0))
    assert trimmed.data.equals(table.data)


def test_cosmic_v2_label_columns_that_disagree_are_refused(tmp_path: Path) -> None:
    """A shifted row (Somatic Mutation Type not its substitution in its trinucleotide) is a
    guess, so it names its line."""
    path = _cosmic_v2(tmp_path / "v2.txt", list(SBS96_CHANNELS))
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("\tACG\t", "\tACT\t")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"line 4: the label columns disagree"):
        read_catalog(path)


def test_repeated_labels_with_a_text_second_column_do_not_advise_merging(
        tmp_path: Path) -> None:
    """Unknown extra label columns make a label repeat: the fix is to keep one label column,
    not to merge rows."""
    rows = [[label[2:5], label, "0.1"] for label in SBS96_CHANNELS]
    path = _write(tmp_path / "sigs.txt", ("Type", "Context", "SBS1"), rows)
    with pytest.raises(InputError, match=r"more than one label column") as caught:
        read_catalog(path)
    assert "Merge or rename" not in str(caught.value)


# --- item 5: ID83 labels in the DEL_C_1_0 naming ---------------------------------------------

def _old_id83(label: str) -> str:
    """A standard ID83 label in the older SigProfiler/COSMIC download naming."""
    size, kind, unit, count = label.split(":")
    plus = {"5": "5+"}
    if size == "1":
        return f"{kind.upper()}_{unit}_1_{plus.get(count, count)}"
    word = {"R": "repeats", "M": "MH"}[unit]
    return f"{kind.upper()}_{word}_{plus.get(size, size)}_{plus.get(count, count)}"


#: sigProfiler_ID_signatures.csv's 83 rows, in that file's order (Alexandrov et al. 2020).
SYNAPSE_ID83 = (
    [f"DEL_{u}_1_{n}" for u in "CT" for n in ("0", "1", "2", "3", "4", "5+")]
    + [f"INS_{u}_1_{n}" for u in "CT" for n in ("0", "1", "2", "3", "4", "5+")]
    + [f"{k}_repeats_{s}_{n}" for k in ("DEL", "INS") for s in ("2", "3", "4", "5+")
       for n in ("0", "1", "2", "3", "4", "5+")]
    + ["DEL_MH_2_1", "DEL_MH_3_1", "DEL_MH_3_2", "DEL_MH_4_1", "DEL_MH_4_2", "DEL_MH_4_3",
       "DEL_MH_5+_1", "DEL_MH_5+_2", "DEL_MH_5+_3", "DEL_MH_5+_4", "DEL_MH_5+_5+"])


def test_every_old_style_id83_label_maps_in_cosmic_order() -> None:
    """The download's 83 labels, in its order, map one to one onto ID83_CHANNELS in order
    (the provenance of the mapping); the ICAMS ':' spelling too; malformed ones do not."""
    assert [normalise_id83_label(label) for label in SYNAPSE_ID83] == list(ID83_CHANNELS)
    assert [normalise_id83_label(label.replace("_", ":")) for label in SYNAPSE_ID83] == list(
        ID83_CHANNELS)
    for bad in ("DEL_C_2_0", "DEL_MH_2_0", "DEL_repeats_1_0", "DEL_C_1_5", "DEL_MH_6_1"):
        assert normalise_id83_label(bad) is None


def test_old_style_id83_signatures_are_read_as_id83(tmp_path: Path) -> None:
    """sigProfiler_ID_signatures.csv was read as a generic matrix, matching no ID83 catalog."""
    frame = pd.DataFrame({"ID1": np.arange(1, 84) / 3486, "ID2": np.arange(83, 0, -1) / 3486},
                         index=pd.Index([_old_id83(c) for c in ID83_CHANNELS][::-1],
                                        name="Mutation Type"))
    frame.to_csv(tmp_path / "sigProfiler_ID_signatures.csv")
    table = read_catalog(tmp_path / "sigProfiler_ID_signatures.csv")
    assert table.channel_set == "ID83"
    assert list(table.data.index) == list(ID83_CHANNELS)
    assert table.data.loc["1:Del:C:0", "ID1"] == pytest.approx(83 / 3486)


def test_an_incomplete_old_style_id83_table_names_its_style(tmp_path: Path) -> None:
    """A table of that naming with a channel missing names the style it is written in."""
    rows = [[_old_id83(c), "1"] for c in ID83_CHANNELS[1:]]
    path = _write(tmp_path / "id.tsv", ("MutationType", "S1"), rows)
    with pytest.raises(InputError, match=r"written in the DEL_C_1_0 .* style.*1:Del:C:0"):
        read_catalog(path)


# --- item 6: matrices in other containers ----------------------------------------------------

@pytest.mark.parametrize(("name", "fragments"), [
    ("counts.mtx", ("Matrix Market", "scipy.io.mmread")),
    ("counts.npy", ("NumPy array", "np.load")),
    ("counts.rds", ("R object", "readRDS", "write.table")),
    ("counts.h5ad", ("AnnData", "read_h5ad")),
    ("counts.xyz", ("first column of feature labels",)),
])
def test_foreign_matrix_names_its_format_and_a_conversion(
        name: str, fragments: tuple[str, ...], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every such file was offered pd.read_excel, which cannot read any of them."""
    path = tmp_path / name
    path.write_bytes(b"\x93NUMPY")
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(path), "--name", "M",
                      "--counts", "--out", str(tmp_path / "o"))
    assert_clear_error(outcome, name, *fragments)
    assert "read_excel" not in outcome.err


def test_the_npy_conversion_given_works(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The conversion in the message, run as given (names left out), writes a matrix that
    prepare-matrix reads."""
    monkeypatch.chdir(tmp_path)
    np.save("IN.npy", np.arange(12).reshape(4, 3) + 1)
    outcome = run_cli(capsys, "prepare-matrix", "--input", "IN.npy", "--name", "M",
                      "--counts", "--out", "o")
    code = outcome.err[outcome.err.index("import numpy"):outcome.err.index(" (without")]
    code = code.replace(", index=FEATURES, columns=SAMPLES", "").replace("\n", " ")
    exec(code, {})  # noqa: S102 - the message's own Python, on the test's file
    outcome = run_cli(capsys, "prepare-matrix", "--input", "matrix.tsv", "--name", "M",
                      "--counts", "--out", "o2")
    assert outcome.code == 0, outcome.err


def test_a_sigprofiler_all_matrix_is_a_generic_matrix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SigProfilerMatrixGenerator's ``.all`` files are tab-separated text: prepare-matrix
    reads one as it reads a ``.tsv`` (it was refused as a file of another format)."""
    path = tmp_path / "proj.SBS96.all"
    path.write_text("MutationType\tS1\tS2\tS3\nA[C>A]A\t1\t0\t0\nA[C>A]C\t4\t2\t0\n")
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(path), "--name", "M",
                      "--counts", "--out", str(tmp_path / "o"))
    assert outcome.code == 0, outcome.err
    written = read_table(tmp_path / "o" / "M.tsv")
    assert list(written.columns) == ["S1", "S2"] and written.loc["A[C>A]C", "S1"] == 4
    assert "S3" in (tmp_path / "o" / "M_dropped.tsv").read_text()


# --- item 7: SigProfilerMatrixGenerator's other matrices -------------------------------------

@pytest.mark.parametrize(("labels", "name"), [
    (["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"], "SBS6"),
    ([f"{s}:{c}" for s in "TUBN" for c in SBS96_CHANNELS], "SBS384"),
    ([c for c in ID83_CHANNELS if c.startswith("1:")]
     + ["long_Del", "long_Ins", "MH", "complex"], "ID28"),
])
def test_other_spmg_matrices_are_refused_by_name(labels: list[str], name: str,
                                                 tmp_path: Path) -> None:
    """SBS6 was read as a generic matrix, SBS384 and ID28 refused as broken SBS288/ID83
    tables; each now names the matrix it is and the one to give."""
    path = _write(tmp_path / f"PROJ.{name}.all", ("MutationType", "S1"),
                  [[label, "1"] for label in labels])
    with pytest.raises(InputError, match=rf"SigProfilerMatrixGenerator's {name} matrix"):
        read_catalog(path)
    assert read_catalog(path, generic=True).channel_set is None


@pytest.mark.parametrize(("text", "name"), [
    ("S1\tS2\tfeature\n7\t1\tf0\n7\t2\tf1\n3\t5\tf2\n", "last.tsv"),   # repeated first cells
    ("S1,feature,S2\n1,f0,3\n2,f1,3\n3,f2,5\n", "middle.csv"),
])
def test_row_labels_in_a_later_column_are_named(
        text: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A table with its label column last (or in the middle) was refused as one whose row
    label '7' repeats, or whose cell 'f0' is not a number; the column is named, and the
    pandas line given writes a table that reads."""
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    outcome = run_cli(capsys, "prepare-matrix", "--input", name, "--name", "M", "--out", "o")
    assert_clear_error(outcome, name, "('feature') holds text in every row",
                       "the row labels must be the first column")
    assert "more than once" not in outcome.err and "finite number" not in outcome.err
    code = outcome.err[outcome.err.index("pd.read_csv"):outcome.err.rindex("))") + 1]
    exec("import pandas as pd; " + code.replace("IN", repr(name)), {})  # noqa: S102
    outcome = run_cli(capsys, "prepare-matrix", "--input", "matrix.tsv", "--name", "M",
                      "--out", "o")
    assert outcome.code == 0, outcome.err
    assert list(read_table(Path("o") / "M.tsv").index) == ["f0", "f1", "f2"]

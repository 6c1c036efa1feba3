"""Cases of the blind red-team sweeps (reproducers built from scratch by an author who had not
seen the suite): each asserts the message, the exit status and what is left on disk."""

from __future__ import annotations

import os
from collections.abc import Callable
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


def test_many_empty_rows_are_counted_not_each_logged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A sparse matrix with 2,000 all-zero features logged 2,000 warning lines (100,000 for a
    genome-wide count matrix, a third of the command's time): ten are named, the rest
    counted, and the dropped table still lists every one."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    values = rng.integers(1, 9, size=(2_400, 4))
    values[400:] = 0
    frame = pd.DataFrame(values, index=[f"f{i}" for i in range(2_400)],
                         columns=["a", "b", "c", "d"])
    frame.index.name = "feature"
    matrix = tmp_path / "m.tsv"
    frame.to_csv(matrix, sep="\t")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", "m",
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings[:10] == [f"{matrix}: dropped feature 'f{i}' (position {i}): all values "
                             "are zero" for i in range(400, 410)]
    assert len(warnings) == 11 and "dropped 1990 more all-zero features" in warnings[10]
    table = pd.read_csv(out / "m_dropped.tsv", sep="\t")
    assert len(table) == 2_000
    assert len(pd.read_csv(out / "m.tsv", sep="\t", index_col=0)) == 400


# -- genomics inputs ---------------------------------------------------------------------------

#       1234567890123456789012345678901234567890
CHR1 = "GACTTTTTGCAGGACTGACTGACCATGACGATCGATCGACTTGCAGCATGCATCGACTAGCATCGACTGA"
MAF_HEADER = ("Hugo_Symbol", "Chromosome", "Start_Position", "End_Position", "Variant_Type",
              "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
              "Tumor_Sample_Barcode", "NCBI_Build")


def _maf(path: Path, builds: list[str], gene: bytes = b"TP53") -> Path:
    """A MAF of SNVs at positions 5, 11, 20, ... of CHR1 (REF matching), one build per row."""
    lines = [("\t".join(MAF_HEADER) + "\n").encode()]
    for position, build in zip((5, 11, 20, 33, 47, 60), builds, strict=False):
        ref = CHR1[position - 1]
        alt = "A" if ref != "A" else "C"
        cells = [b"", f"chr1\t{position}\t{position}\tSNP\t{ref}\t{ref}\t{alt}\tS1\t{build}"
                 .encode()]
        lines.append(gene + b"\t" + cells[1] + b"\n")
    path.write_bytes(b"".join(lines))
    return path


def _catalog_run(capsys: pytest.CaptureFixture[str], fasta: Path, out: Path,
                 *inputs: str) -> tuple[int, str]:
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), *inputs, "--out", str(out))
    return outcome.code, outcome.err


def test_undeclared_filters_and_contigs_raise_no_raw_htslib_warnings(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capfd: pytest.CaptureFixture[str]) -> None:
    """htslib printed '[W::vcf_parse_filter] FILTER 'q10' ... is not defined in the header'
    and 'Missing headers may cause later processing to fail' for records sigforge counts as
    filtered anyway; its warnings are off (errors kept), and the counts are unchanged."""
    fasta = make_fasta({"chr1": CHR1})
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "chr1\t5\t.\tT\tA\t.\tPASS;q10\tXX=1\n"
                   "chr1\t10\t.\tC\tA\t.\tPASS\tXX=2\n")
    out = tmp_path / "out"
    outcome = run_cli(capfd, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert "[W::" not in outcome.err and "Missing headers" not in outcome.err
    import pandas as pd

    log = pd.read_csv(out / "catalog_log.tsv", sep="\t", index_col=0)
    assert log.loc["v", "filtered"] == 1 and log.loc["v", "counted_SBS96"] == 1


def test_two_copies_of_one_file_in_a_vcf_dir_are_named_as_such(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """a.vcf and a.vcf.gz under --sample-from-filename were said to be 'files of the same name
    in different folders' (they share a folder and differ in extension)."""
    import gzip

    fasta = make_fasta({"chr1": CHR1})
    folder = tmp_path / "d"
    folder.mkdir()
    text = ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "chr1\t5\t.\tT\tA\t.\tPASS\t.\n")
    (folder / "a.vcf").write_text(text)
    (folder / "a.vcf.gz").write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf-dir", str(folder),
                      "--sample-from-filename", "--out", str(out))
    assert_clear_error(outcome, "differ only in their extension", "a.vcf and a.vcf.gz",
                       "Remove or move the copy")
    assert "different folders" not in outcome.err
    assert not out.exists()


def test_two_copies_of_one_file_with_a_sample_column_are_named_as_such(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """T.vcf and T.vcf.gz, both with the sample column 'T', were said to 'hold no sample
    column'; they are named as one file's calls twice, as under --sample-from-filename."""
    import gzip

    fasta = make_fasta({"chr1": CHR1})
    folder = tmp_path / "d"
    folder.mkdir()
    text = ("##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n"
            "chr1\t5\t.\tT\tA\t.\tPASS\t.\tGT\t0/1\n")
    (folder / "T.vcf").write_text(text)
    (folder / "T.vcf.gz").write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf-dir", str(folder),
                      "--out", str(out))
    assert_clear_error(outcome, "both samples are named 'T'", "differ only in their extension",
                       "T.vcf and T.vcf.gz", "Remove or move the copy")
    assert "no sample column" not in outcome.err
    assert not out.exists()


def test_a_maf_of_two_genome_builds_is_refused(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """GRCh37 and GRCh38 rows in one MAF were all counted against one FASTA; spellings of one
    build (GRCh37, hg19, 37) and blank cells are one build."""
    fasta = make_fasta({"chr1": CHR1})
    mixed = _maf(tmp_path / "mixed.maf", ["GRCh37", "GRCh37", "GRCh38", "37"])
    out = tmp_path / "out"
    code, err = _catalog_run(capsys, fasta, out, "--maf", str(mixed))
    assert code == 2, err
    assert f"MAF {mixed}: column NCBI_Build names 2 genome builds: GRCh37 (3 rows), GRCh38 " \
           "(1 row); the first GRCh38 row is line 4" in err
    assert not out.exists()
    one = _maf(tmp_path / "one.maf", ["GRCh37", "hg19", "37", "", "NA", "b37"])
    code, err = _catalog_run(capsys, fasta, out, "--maf", str(one))
    assert code == 0, err
    assert pd_total(out / "SBS96.tsv") == 6


def pd_total(path: Path) -> int:
    """The sum of a catalog table's counts."""
    import pandas as pd

    return int(pd.read_csv(path, sep="\t", index_col=0).to_numpy().sum())


def test_latin1_bytes_in_a_maf_column_never_read_are_warned_about(
        tmp_path: Path, make_fasta: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """A Latin-1 gene name (Hugo_Symbol, a column sigforge does not read) refused the whole
    MAF; now its rows are read and the bytes named once. In a column read it still fails."""
    fasta = make_fasta({"chr1": CHR1})
    maf = _maf(tmp_path / "m.maf", ["GRCh37"] * 3, gene="G\xe9ne".encode("latin-1"))
    out = tmp_path / "out"
    code, err = _catalog_run(capsys, fasta, out, "--maf", str(maf))
    assert code == 0, err
    assert pd_total(out / "SBS96.tsv") == 3
    assert ("3 cell(s) in columns sigforge does not read hold bytes that are not UTF-8 (the "
            "first on line 2, column Hugo_Symbol)") in caplog.text


def test_a_semicolon_separated_table_is_named_as_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A signature table saved by a spreadsheet with ';' and decimal commas was 'a table
    without signature columns whose rows are not the catalog's features'; as a catalog it
    was one column. Both now say it is ';'-separated and how to save it."""
    catalog = tmp_path / "cat.tsv"
    table = sbs1_sbs13_catalog()
    table.to_csv(catalog, sep="\t")
    semicolons = tmp_path / "sig.csv"
    (table / table.sum()).to_csv(semicolons, sep=";", decimal=",", encoding="utf-8-sig",
                                 lineterminator="\r\n")
    for flags in (("--catalog", str(catalog), "--signatures", str(semicolons)),
                  ("--catalog", str(semicolons), "--signatures", "COSMIC_v3.6")):
        outcome = run_cli(capsys, "refit", *flags, "--out", str(tmp_path / "out"))
        assert_clear_error(outcome, f"{semicolons}: line 1 (header) is separated by "
                           "semicolons", "tab-separated text", "'.' as the decimal mark")


@pytest.mark.parametrize(("given", "recorded"), [("breast-adenoca", "Breast-AdenoCA"),
                                                  ("LIVER_HCC", "Liver-HCC")])
def test_tumour_types_are_read_in_any_case(
        given: str, recorded: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--tumour-type breast-adenoca was refused with the list of 38 names; PCAWG's names are
    matched in any case and with '_' for '-': the refit is the one of the table's spelling."""
    catalog = tmp_path / "cat.tsv"
    sbs1_sbs13_catalog().to_csv(catalog, sep="\t")
    for name, out in ((given, tmp_path / "given"), (recorded, tmp_path / "recorded")):
        outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                          "COSMIC_v3.6", "--tumour-type", name, "--bootstrap", "0",
                          "--out", str(out))
        assert outcome.code == 0, outcome.err
    assert ((tmp_path / "given" / "exposures.tsv").read_bytes()
            == (tmp_path / "recorded" / "exposures.tsv").read_bytes())
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      "COSMIC_v3.6", "--tumour-type", "Breast-Adeno", "--out",
                      str(tmp_path / "out2"))
    assert_clear_error(outcome, "'Breast-Adeno'", "Did you mean Breast-AdenoCA")


def test_a_catalog_folder_listed_twice_is_named(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """merge-catalogs --inputs c1 c1 blamed the samples' names ('give each sample a distinct
    name'); the folder is named as listed twice, under another spelling too."""
    fasta = make_fasta({"chr1": CHR1})
    maf = _maf(tmp_path / "m.maf", ["GRCh37"] * 3)
    folder = tmp_path / "c1"
    assert _catalog_run(capsys, fasta, folder, "--maf", str(maf))[0] == 0
    other_spelling = tmp_path / "x" / ".." / "c1"
    (tmp_path / "x").mkdir()
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", str(folder), str(other_spelling),
                      "--out", str(tmp_path / "merged"))
    assert_clear_error(outcome, f"--inputs: {other_spelling} is listed twice (also as "
                       f"{folder})", "Remove the repeated entry")
    assert "distinct name" not in outcome.err


# -- workflow and generic inputs ---------------------------------------------------------------

def _generic(path: Path, header: bool = True, names: list[str] | None = None,
             tiny: float | None = None) -> Path:
    """A 20 x 8 count matrix (features f0.., samples s0..), written as TSV."""
    import numpy as np
    import pandas as pd

    values = np.random.default_rng(2).poisson(40, size=(20, 8)).astype(float)
    if tiny is not None:
        values[0, 0] = tiny
    frame = pd.DataFrame(values, index=[f"f{i}" for i in range(20)],
                         columns=names or [f"s{j}" for j in range(8)])
    frame.index.name = "feature"
    frame.to_csv(path, sep="\t", header=header)
    return path


def test_a_matrix_without_a_header_line_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """prepare-matrix took the first row's counts as sample names and lost the row (exit 0,
    the row in no dropped table); the workflow's check passed it too."""
    matrix = _generic(tmp_path / "m.tsv", header=False)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", "m",
                      "--out", str(out))
    assert_clear_error(outcome, f"{matrix}: line 1 holds only numbers", "no header line",
                       "Add a header line")
    assert not out.exists()
    outcome = run_cli(capsys, "extract", "--catalog", str(matrix), "--generic", "--ranks", "2",
                      "--out", str(tmp_path / "ex"))
    assert_clear_error(outcome, "line 1 holds only numbers")


def test_numbered_samples_in_increasing_order_are_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Samples numbered 1..8 (or 1001, 1005, ...) are a header, not a lost first row."""
    for names in ([str(i) for i in range(1, 9)], [str(1000 + 5 * i) for i in range(8)]):
        matrix = _generic(tmp_path / "m.tsv", names=names)
        out = tmp_path / f"out{names[0]}"
        outcome = run_cli(capsys, "prepare-matrix", "--input", str(matrix), "--name", "m",
                          "--out", str(out))
        assert outcome.code == 0, outcome.err
        assert (out / "m.tsv").read_text().splitlines()[0].split("\t")[1:] == names


def test_values_that_underflow_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Cells of 1e-310 made extract write KL divergences of -inf and refit call a nonzero
    sample 'burden 0' (exit 0 both): nonzero cells below 1e-100 are refused, the cell named."""
    matrix = _generic(tmp_path / "m.tsv", tiny=1e-310)
    for argv in (("prepare-matrix", "--input", str(matrix), "--name", "m"),
                 ("refit", "--catalog", str(matrix), "--generic", "--method", "nnls",
                  "--signatures", str(matrix))):
        outcome = run_cli(capsys, *argv, "--out", str(tmp_path / "out"))
        assert_clear_error(outcome, f"{matrix}: row 'f0', column 's0' holds 1e-310",
                           "below 1e-100", "Multiply the whole matrix by a constant")
        assert not (tmp_path / "out").exists()
    assert run_cli(capsys, "prepare-matrix", "--input", str(_generic(tmp_path / "ok.tsv",
                   tiny=1e-90)), "--name", "m", "--out", str(tmp_path / "ok")).code == 0


def test_a_byte_for_byte_copy_of_a_vcf_on_a_second_row_is_refused(tmp_path: Path) -> None:
    """The sheet refused one file on two rows by path or inode; a copy under another name
    passed, and the cohort got two identical columns as two patients, with no warning."""
    text = ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "chr1\t5\t.\tT\tA\t.\tPASS\t.\n")
    first, copy, other = (tmp_path / "a.vcf", tmp_path / "a_copy.vcf", tmp_path / "b.vcf")
    first.write_text(text)
    copy.write_text(text)
    other.write_text(text.replace("\t5\t", "\t6\t"))  # same size, other bytes: a sample
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(f"sample_id\tvcf\nA\t{first}\nB\t{other}\nC\t{copy}\n")
    with pytest.raises(InputError) as caught:
        read_sample_sheet(sheet)
    assert (f"line 4: sample 'C' names '{copy}', a byte-for-byte copy of '{first}' of sample "
            "'A' on line 2") in str(caught.value)
    sheet.write_text(f"sample_id\tvcf\nA\t{first}\nB\t{other}\n")
    assert list(read_sample_sheet(sheet).index) == ["A", "B"]


def test_a_patient_vcf_without_snvs_gets_a_page_under_drop_empty(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow runs refit --vcf with --drop-empty; a sample whose VCF holds no SNV (the
    README: a sample without mutations) stopped the whole cohort run in refit_patient. Its
    outputs now hold zero exposures and its page says no SNV was counted; without
    --drop-empty the command still refuses it."""
    import pandas as pd

    fasta = make_fasta({"chr1": CHR1})
    vcf = tmp_path / "e.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\t"
                   "FORMAT\tP1\n")
    common = ("refit", "--vcf", str(vcf), "--reference", str(fasta), "--signatures",
              "COSMIC_v3.6", "--bootstrap", "0")
    outcome = run_cli(capsys, *common, "--out", str(tmp_path / "refused"))
    assert_clear_error(outcome, "no SNV of sample 'P1' could be counted")
    out = tmp_path / "out"
    outcome = run_cli(capsys, *common, "--drop-empty", "--out", str(out))
    assert outcome.code == 0, outcome.err
    exposures = pd.read_csv(out / "exposures.tsv", sep="\t", index_col=0)
    assert list(exposures.columns) == ["P1"] and (exposures["P1"] == 0).all()
    page = (out / "patients" / "P1.html").read_text()
    assert "No SNVs were counted for this sample" in page


def test_sheet_vcfs_that_are_no_files_are_named_as_what_they_are(tmp_path: Path) -> None:
    """A dangling link, a link loop, a device and a FIFO in the sheet's vcf column were all
    'not found'; each is named as what it is (the README promises it)."""
    from sigforge.workflow.checks import check_inputs

    (tmp_path / "dangling.vcf").symlink_to(tmp_path / "nowhere.vcf")
    (tmp_path / "loop1.vcf").symlink_to(tmp_path / "loop2.vcf")
    (tmp_path / "loop2.vcf").symlink_to(tmp_path / "loop1.vcf")
    os.mkfifo(tmp_path / "fifo.vcf")
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\nACGT\n")
    expected = {"dangling.vcf": "is a symbolic link to", "loop1.vcf": "a link loop",
                "fifo.vcf": "is not a regular file", "/dev/zero": "is not a regular file"}
    import pandas as pd

    for name, fragment in expected.items():
        vcf = name if name.startswith("/") else str(tmp_path / name)
        samples = pd.DataFrame({"sample_id": ["S1"], "vcf": [vcf], "sheet_line": [2]})
        with pytest.raises(InputError) as caught:
            check_inputs(str(fasta), samples)
        message = str(caught.value)
        assert f"VCF '{vcf}' of sample 'S1' (samples sheet, line 2) is " in message
        assert fragment in message and "not found (" not in message.split(": ", 1)[1]


def test_a_missing_relative_sheet_names_the_folder_it_is_looked_for_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'samples sheet samples.tsv: file not found' did not say where relative paths are
    taken from (the reference and VCF messages do): run from a subfolder, that is the cause."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=rf"relative paths are taken from {tmp_path}"):
        read_sample_sheet("samples.tsv")


def test_a_sheet_of_groups_all_smaller_than_the_smallest_rank_is_refused() -> None:
    """One sample per group at ranks 2-3: the dry run passed and the real run failed in the
    merge after every group's jobs (extract --groups refuses it before any work)."""
    from sigforge.workflow.groups import check_some_group_factorable

    groups = {"G1": ["a"], "G2": ["b"], "G3": ["c", "d"][:1]}
    with pytest.raises(InputError, match=r"every group of the samples sheet has fewer samples "
                       r"than the smallest rank tried \(2; the largest group, 'G1', has 1\)"):
        check_some_group_factorable([2, 3], groups, "config")
    check_some_group_factorable([2, 3], {**groups, "G4": ["e", "f"]}, "config")
    check_some_group_factorable([1, 2], groups, "config")


def test_scientific_notation_read_as_text_by_yaml_gets_the_spelling_it_needs() -> None:
    """'tol: 1e-7' is text to YAML 1.1, refused as 'not of type number' with no hint."""
    from sigforge.workflow.config_numbers import yaml_float_spelling, yaml_text_number

    assert yaml_text_number("1e-7") and yaml_text_number("5E3")
    assert not yaml_text_number("abc") and not yaml_text_number("10") and not yaml_text_number(1)
    assert yaml_float_spelling("1e-7") == "1.0e-7"
    assert yaml_float_spelling("5E3") == "5.0e+3"
    import yaml

    assert isinstance(yaml.safe_load(f"x: {yaml_float_spelling('1e-7')}")["x"], float)


def test_a_generic_sample_named_like_a_label_column_is_refused_before_the_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """prepare-matrix accepted a sample named 'Signature'; extract ran the whole NMF and
    failed writing exposures.tsv."""
    names = [f"s{j}" for j in range(8)]
    names[1] = "Signature"
    matrix = _generic(tmp_path / "m.tsv", names=names)
    for argv in (("prepare-matrix", "--input", str(matrix), "--name", "m"),
                 ("extract", "--catalog", str(matrix), "--generic", "--ranks", "2")):
        outcome = run_cli(capsys, *argv, "--out", str(tmp_path / "out"))
        assert_clear_error(outcome, "a sample column is named 'Signature'", "'Signature_1'")
        assert not (tmp_path / "out").exists()


def test_an_open_rank_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--ranks 2- was read as rank 2 alone (while -3 and 2-- were refused)."""
    outcome = run_cli(capsys, "extract", "--catalog", "x.tsv", "--ranks", "2-", "--out", "o")
    assert outcome.code == 2 and "'2-' has no last rank" in outcome.err


def test_long_name_lists_say_how_many_are_not_shown() -> None:
    """merge-groups said '6 sample(s) ... ['s6', ..., 's10']' listing five with no sign of the
    sixth: lists of names end with how many more there are."""
    from sigforge.cli._common import listed

    assert listed([f"s{i}" for i in range(6, 12)]) == "'s6', 's7', 's8', 's9', 's10' and 1 more"
    assert listed(["a", "b"]) == "'a', 'b'"


def test_a_list_option_given_twice_takes_both(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """catalog --vcf=A --vcf=B kept only B (argparse's default for a repeated option), exit 0
    and one sample: list options extend instead."""
    import pandas as pd

    fasta = make_fasta({"chr1": CHR1})
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    (tmp_path / "a.vcf").write_text(header + "chr1\t5\t.\tT\tA\t.\tPASS\t.\n")
    (tmp_path / "b.vcf").write_text(header + "chr1\t10\t.\tC\tA\t.\tPASS\t.\n")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta),
                      f"--vcf={tmp_path / 'a.vcf'}", f"--vcf={tmp_path / 'b.vcf'}",
                      "--sample-name", "A", "--sample-name", "B", "--out", str(out))
    assert outcome.code == 0, outcome.err
    catalog = pd.read_csv(out / "SBS96.tsv", sep="\t", index_col=0)
    assert list(catalog.columns) == ["A", "B"] and catalog.to_numpy().sum() == 2


@pytest.mark.parametrize(("text", "said", "shown"), [
    ("feature\ts1\ts2\n f0 \t1\t2\nf0\t3\t4\nf1\t5\t6\n", "row label 'f0'",
     "written ' f0 ' and 'f0'; labels are read without surrounding spaces"),
    ("feature\ts1\ts1 \nf0\t1\t2\nf1\t5\t6\n", "column 's1'",
     "written 's1', 's1 '; names are read without surrounding spaces"),
])
def test_a_repeated_label_that_differs_only_in_spaces_says_so(
        tmp_path: Path, text: str, said: str, shown: str) -> None:
    """' f0 ' beside 'f0' was refused as 'f0' appearing twice: a user looking at the file sees
    two different labels and no repetition. The message shows both spellings; a plain
    repetition says nothing about spaces."""
    from sigforge.io import read_matrix

    path = tmp_path / "m.tsv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_matrix(path)
    assert said in str(caught.value) and shown in str(caught.value)
    path.write_text(text.replace(" f0 ", "f0").replace("s1 ", "s1"))
    with pytest.raises(InputError) as caught:
        read_matrix(path)
    assert said in str(caught.value) and "spaces" not in str(caught.value)


@pytest.mark.parametrize(("args", "said"), [
    (["refit", "--vcf", "a.vcf", "--vcf", "b.vcf", "--reference", "g.fa"],
     ["--vcf was given twice ('a.vcf', then 'b.vcf')", "once per VCF", "sigforge catalog"]),
    (["refit", "--catalog", "a.tsv", "--catalog", "b.tsv"],
     ["--catalog was given twice ('a.tsv', then 'b.tsv')", "Give it once"]),
    (["extract", "--catalog", "a.tsv", "--ranks", "2-3", "--ranks", "4"],
     ["--ranks was given twice", "--ranks 2-6"]),
    (["report", "--catalog-dir", "c", "--out", "x", "--out", "y"],
     ["--out was given twice ('x', then 'y')"]),
])
def test_a_single_value_option_given_twice_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        said: list[str]) -> None:
    """argparse kept the last value and dropped the first without a word: refit --vcf S01
    --vcf S02 refitted S02 alone (exit 0), though list options such as catalog --vcf add up."""
    outcome = run_cli(capsys, *args)
    assert outcome.code == 2
    for text in said:
        assert text in outcome.err


def test_a_list_option_given_twice_still_adds_up(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigforge.io import read_matrix

    example = Path(__file__).resolve().parents[2] / "resources/example"
    outcome = run_cli(capsys, "catalog", "--reference", str(example / "genome.fa"), "--vcf",
                      str(example / "vcfs/S01.vcf"), "--vcf", str(example / "vcfs/S02.vcf"),
                      "--contexts", "SBS96", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert list(read_matrix(tmp_path / "out" / "SBS96.tsv").data.columns) == ["S01", "S02"]

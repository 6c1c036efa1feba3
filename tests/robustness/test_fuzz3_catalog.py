"""Third fuzzing round, catalog side: the stale-context cleanup, reruns that fail part-way,
--vcf-dir entries that are not files, one VCF listed twice, strand annotations (GTF) and BED
coordinates.

Each bad case asserts exit 2, one message naming the file (and line) and the fix, and that
nothing was written (or, for a rerun, that --out is byte for byte as it was and every input
still there); each readable case asserts the exact result.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.regions import read_regions
from sigforge.genomics.samplesheet import read_sample_sheet
from sigforge.io import InputError, atomic_write, discard_output, removed_on_failure
from tests.conftest import write_fasta, write_vcf
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

#: SNV positions on chr1, all inside the gene (1-300) of the annotations below.
POSITIONS = (20, 60, 100, 140, 180, 220)


def _sequence() -> str:
    """chr1 (400 random bases) with a pyrimidine (C or T) at every SNV position, so that each
    SNV in a '+' gene lies on the untranscribed strand (U) of SBS288."""
    bases = list(np.random.default_rng(5).choice(list("ACGT"), 400))
    for pos in POSITIONS:
        if bases[pos - 1] not in "CT":
            bases[pos - 1] = "C"
    return "".join(bases)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """(FASTA, single-sample VCF of six PASS SNVs on chr1)."""
    sequence = _sequence()
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    records = [("chr1", p, sequence[p - 1], "A" if sequence[p - 1] != "A" else "C", "PASS")
               for p in POSITIONS]
    return fasta, write_vcf(tmp_path / "in.vcf", records, contigs={"chr1": len(sequence)})


def _catalog(capsys: pytest.CaptureFixture[str], fasta: Path, vcf: Path, out: Path,
             *extra: str, case: str | None = None):  # noqa: ANN202 - an Outcome
    """Run ``sigforge catalog`` on the FASTA and VCF into ``out``."""
    return run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf), *extra,
                   "--out", str(out), case=case)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``, hidden ones included: a file's bytes, None for a folder."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))}


# --- 1. the stale-context cleanup never deletes an input ------------------------------------

def _annotation(folder: Path) -> Path:
    """A strand BED for SBS288 counting."""
    path = folder / "genes.bed"
    path.write_text("chr1\t0\t300\tgene\t0\t+\n")
    return path


@pytest.mark.parametrize(("option", "name", "contexts"), [
    ("--regions", "SBS1536.tsv", ["SBS96"]),
    ("--annotation", "SBS288.tsv", ["SBS96", "DBS78", "ID83"]),
])
def test_an_input_named_like_another_contexts_catalog_in_out_is_refused_and_kept(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        option: str, name: str, contexts: list[str]) -> None:
    fasta, vcf = inputs
    out = tmp_path / "out"
    assert _catalog(capsys, fasta, vcf, out, "--contexts", *contexts,
                    name.removesuffix(".tsv"), *(("--annotation", str(_annotation(tmp_path)))
                                                 if name == "SBS288.tsv" else ())).code == 0
    given = out / name  # an earlier run's catalog, overwritten by the user with an input
    given.write_text("chr1\t0\t300\tgene\t0\t+\n")
    before = _snapshot(out)
    outcome = _catalog(capsys, fasta, vcf, out, option, str(given), "--contexts", *contexts,
                       case=f"catalog: {option} input in --out named {name}")
    assert_clear_error(outcome, str(given), f"{option} {given}", "Move the input out of --out")
    assert _snapshot(out) == before  # the input is still there, unchanged; nothing written


def test_a_rerun_with_fewer_contexts_still_removes_the_earlier_catalogs(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    fasta, vcf = inputs
    out = tmp_path / "out"
    assert _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96", "SBS1536").code == 0
    assert _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96").code == 0
    assert sorted(os.listdir(out)) == [".catalog_files", "SBS96.tsv",  # no backup left
                                       "catalog_log.tsv"]


def test_a_discarded_output_comes_back_when_the_command_fails(tmp_path: Path) -> None:
    old = tmp_path / "SBS1536.tsv"
    old.write_text("earlier run\n")
    with pytest.raises(RuntimeError), removed_on_failure():
        assert discard_output(old)
        assert not old.exists()
        raise RuntimeError("late failure")
    assert sorted(os.listdir(tmp_path)) == ["SBS1536.tsv"]
    assert old.read_text() == "earlier run\n"


# --- 2. a rerun that fails part-way leaves --out exactly as it was --------------------------

def test_a_rerun_into_an_output_name_held_by_a_folder_fails_before_writing(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    fasta, vcf = inputs
    out = tmp_path / "out"
    assert _catalog(capsys, fasta, vcf, out).code == 0
    (out / "ID83.tsv").unlink()
    (out / "ID83.tsv").mkdir()
    (out / "ID83.tsv" / "x").write_text("user's\n")
    before = _snapshot(out)
    outcome = _catalog(capsys, fasta, vcf, out, case="catalog rerun: a folder at ID83.tsv")
    assert_clear_error(outcome, str(out / "ID83.tsv"), "is a folder", "Remove or rename")
    assert _snapshot(out) == before


def test_a_rerun_failing_after_some_outputs_puts_the_old_ones_back(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalogs are written, then the log fails (a full disk): the old catalogs, which the
    new ones had replaced, must come back, not be deleted beside the old log."""
    fasta, vcf = inputs
    out = tmp_path / "out"
    assert _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96", "DBS78", "SBS1536").code == 0
    before = _snapshot(out)

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device", str(out / "catalog_log.tsv"))

    monkeypatch.setattr("sigforge.cli.catalog.write_table", full_disk)
    write_vcf(vcf, [("chr1", 20, _sequence()[19], "G" if _sequence()[19] != "G" else "A",
                     "PASS")], contigs={"chr1": 400})
    outcome = _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96", "DBS78",
                       case="catalog rerun: the disk fills at the log")
    assert_clear_error(outcome, "catalog_log.tsv", "No space left")
    assert _snapshot(out) == before  # SBS96 and DBS78 restored, SBS1536 not removed


def test_removed_on_failure_restores_each_replaced_file_once(tmp_path: Path) -> None:
    old = tmp_path / "a.tsv"
    old.write_text("old\n")
    with pytest.raises(RuntimeError), removed_on_failure():
        for text in ("first\n", "second\n"):
            with atomic_write(old) as handle:
                handle.write(text)
        with atomic_write(tmp_path / "new.tsv") as handle:
            handle.write("new\n")
        raise RuntimeError("late failure")
    assert sorted(os.listdir(tmp_path)) == ["a.tsv"]
    assert old.read_text() == "old\n"


def test_a_failed_inner_block_does_not_let_the_outer_one_delete_restored_files(
        tmp_path: Path) -> None:
    """The inner block puts back the earlier file; the outer one, failing next, must not then
    remove it as a file of its own."""
    old = tmp_path / "a.tsv"
    old.write_text("old\n")
    with pytest.raises(KeyError), removed_on_failure():
        with atomic_write(old) as handle:
            handle.write("new\n")
        with pytest.raises(RuntimeError), removed_on_failure():
            with atomic_write(old) as handle:
                handle.write("newer\n")
            raise RuntimeError("inner failure")
        assert old.read_text() == "old\n"
        raise KeyError("outer failure")
    assert sorted(os.listdir(tmp_path)) == ["a.tsv"]
    assert old.read_text() == "old\n"


# --- 3. --vcf-dir entries that are not files ------------------------------------------------

@pytest.mark.parametrize(("kind", "fragment"), [
    ("dangling link", "dangling symbolic link"),
    ("folder", "is a folder"),
    ("link to a device", "not a regular file"),
])
def test_a_vcf_dir_entry_that_is_not_a_file_is_refused(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        kind: str, fragment: str) -> None:
    fasta, vcf = inputs
    folder = tmp_path / "vcfs"
    folder.mkdir()
    os.link(vcf, folder / "S1.vcf")
    entry = folder / "S2.vcf"
    if kind == "dangling link":
        entry.symlink_to(tmp_path / "moved" / "S2.vcf")
    elif kind == "folder":
        entry.mkdir()
    else:
        entry.symlink_to("/dev/null")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf-dir", str(folder),
                      "--out", str(out), case=f"catalog --vcf-dir: S2.vcf is a {kind}")
    assert_clear_error(outcome, f"--vcf-dir {folder}", "S2.vcf", fragment, "remove")
    assert_nothing_written(out)


# --- 4. one VCF listed twice ----------------------------------------------------------------

def _sheet(tmp_path: Path, rows: list[tuple[str, ...]], header: str = "sample_id\tvcf") -> Path:
    """A samples sheet of ``rows`` below ``header``."""
    path = tmp_path / "samples.tsv"
    path.write_text(header + "\n" + "".join("\t".join(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("spelling", ["same", "other spelling", "hard link"])
def test_a_samples_sheet_naming_one_vcf_twice_is_refused(
        tmp_path: Path, inputs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        spelling: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vcfs").mkdir()
    os.link(inputs[1], tmp_path / "vcfs" / "S1.vcf")
    second = {"same": "vcfs/S1.vcf", "other spelling": "./vcfs/../vcfs/S1.vcf",
              "hard link": "vcfs/S1_copy.vcf"}[spelling]
    if spelling == "hard link":
        os.link(tmp_path / "vcfs" / "S1.vcf", tmp_path / second)
    sheet = _sheet(tmp_path, [("S1", "vcfs/S1.vcf"), ("S2", "vcfs/S2.vcf"), ("S1b", second)])
    (tmp_path / "vcfs" / "S2.vcf").write_text("other\n")
    with pytest.raises(InputError) as caught:
        read_sample_sheet(sheet)
    message = str(caught.value)
    for fragment in (f"samples sheet {sheet}, line 4", "sample 'S1b'", second,
                     "sample 'S1' on line 2", "counted twice", "Remove one of the two rows"):
        assert fragment in message, message


def test_a_samples_sheet_may_split_one_multi_sample_vcf_by_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "multi.vcf").write_text("x\n")
    rows = [("T1", "multi.vcf", "Tumor 1"), ("T2", "./multi.vcf", "Tumor 2")]
    sheet = read_sample_sheet(_sheet(tmp_path, rows, "sample_id\tvcf\tvcf_sample"))
    assert list(sheet["sample_id"]) == ["T1", "T2"]
    for clash, fragment in [(("T3", "multi.vcf", "Tumor 1"), "same vcf_sample 'Tumor 1'"),
                            (("T3", "multi.vcf", ""), "sample 'T1' on line 2")]:
        with pytest.raises(InputError, match="line 4") as caught:
            read_sample_sheet(_sheet(tmp_path, [*rows, clash], "sample_id\tvcf\tvcf_sample"))
        assert fragment in str(caught.value)


def test_merge_catalogs_refuses_one_single_sample_vcf_counted_twice(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fasta, vcf = inputs
    for name in ("S01", "S01_again"):
        assert _catalog(capsys, fasta, Path(vcf.name), tmp_path / name, "--sample-name",
                        name).code == 0
    out = tmp_path / "cohort"
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "S01", "S01_again", "--out",
                      str(out), case="merge-catalogs: one single-sample VCF under two names")
    assert_clear_error(outcome, "--inputs S01_again", "sample 'S01_again'", "in.vcf",
                       "sample 'S01' in S01", "Count each VCF once")
    assert_nothing_written(out)


def test_merge_catalogs_takes_two_columns_of_one_multi_sample_vcf(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sequence = _sequence()
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    records = [("chr1", p, sequence[p - 1], "A" if sequence[p - 1] != "A" else "C", "PASS",
                "0/1", "0/1") for p in POSITIONS]
    write_vcf(tmp_path / "multi.vcf", records, contigs={"chr1": 400}, samples=("T1", "T2"))
    for column in ("T1", "T2"):
        assert _catalog(capsys, fasta, Path("multi.vcf"), tmp_path / column, "--vcf-sample",
                        column).code == 0
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "T1", "T2", "--out", "cohort")
    assert outcome.code == 0, outcome.err
    merged = pd.read_csv(tmp_path / "cohort" / "SBS96.tsv", sep="\t", index_col=0)
    assert merged.sum().to_dict() == {"T1": 6, "T2": 6}
    assert "identical counts in every channel" in caplog.text  # 6 mutations: a warning


def _one_column_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Folders A and B, both counted from column T1 of one two-sample VCF (64 SNVs), under
    two names: T2 differs from T1 in one genotype, so only the repeated column is a twin."""
    sequence = "".join(np.random.default_rng(9).choice(list("ACGT"), 1000))
    positions = range(10, 970, 15)
    records = [("chr1", p, sequence[p - 1], "A" if sequence[p - 1] != "A" else "C", "PASS",
                "0/1", "0/0" if p == 10 else "0/1") for p in positions]
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    write_vcf(tmp_path / "multi.vcf", records, contigs={"chr1": 1000}, samples=("T1", "T2"))
    for name, column in (("A", "T1"), ("B", "T1"), ("C", "T2")):
        assert _catalog(capsys, fasta, Path("multi.vcf"), tmp_path / name, "--vcf-sample",
                        column, "--sample-name", name).code == 0


def test_merge_catalogs_refuses_one_column_of_a_multi_sample_vcf_counted_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _one_column_twice(tmp_path, capsys)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "A", "C", "B", "--out", "cohort",
                      case="merge-catalogs: one VCF column under two names")
    assert_clear_error(outcome, "--inputs B", "sample 'B'", "sample 'A' in A", "multi.vcf",
                       "identical counts", "64 mutations", "--allow-identical")
    assert_nothing_written(tmp_path / "cohort")
    # Distinct columns of the file (63 of 64 mutations shared) merge without a word.
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "A", "C", "--out", "ac")
    assert outcome.code == 0, outcome.err
    assert "identical" not in caplog.text


def test_merge_catalogs_allow_identical_merges_twins_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _one_column_twice(tmp_path, capsys)
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "A", "B", "--out", "cohort",
                      "--allow-identical")
    assert outcome.code == 0, outcome.err
    assert "sample 'B' and sample 'A' in A" in caplog.text
    merged = pd.read_csv(tmp_path / "cohort" / "SBS96.tsv", sep="\t", index_col=0)
    assert merged.sum().to_dict() == {"A": 64, "B": 64}


# --- 5. strand annotations (GTF) ------------------------------------------------------------

def _sbs288_strands(out: Path) -> dict[str, int]:
    """The SBS288 counts of the one sample by strand class (T, U, B, N)."""
    frame = pd.read_csv(out / "SBS288.tsv", sep="\t", index_col=0)
    return {k: int(v) for k, v in frame.iloc[:, 0].groupby(
        frame.index.str[0]).sum().items() if v}


@pytest.mark.parametrize("compressed", [False, True])
def test_a_gtf_with_a_byte_order_mark_keeps_its_first_gene(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        compressed: bool) -> None:
    fasta, vcf = inputs
    text = '\ufeffchr1\tsrc\tgene\t1\t300\t.\t+\t.\tgene_id "g1";\n'
    gtf = tmp_path / ("genes.gtf.gz" if compressed else "genes.gtf")
    if compressed:
        gtf.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        gtf.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96", "SBS288",
                       "--annotation", str(gtf))
    assert outcome.code == 0, outcome.err
    assert "not in the reference FASTA" not in outcome.err
    assert _sbs288_strands(out) == {"U": len(POSITIONS)}  # all in the '+' gene, none N


@pytest.mark.parametrize(("cells", "fragment"), [
    (("1", "300", "minus"), "strand 'minus' is not '+', '-' or '.'"),
    (("1", "300", "1"), "strand '1' is not '+', '-' or '.'"),
    (("1.9", "300", "+"), "coordinate '1.9' is not a whole number"),
    (("1", "3e2", "+"), "coordinate '3e2' is not a whole number"),
    (("1", "3_00", "+"), "coordinate '3_00' is not a whole number"),
    (("1", "\u0663\u0660\u0660", "+"), "is not a whole number"),
])
def test_a_gtf_gene_with_a_bad_strand_or_coordinate_is_refused_with_its_line(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        cells: tuple[str, str, str], fragment: str) -> None:
    fasta, vcf = inputs
    start, end, strand = cells
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('chr1\tsrc\tgene\t301\t400\t.\t+\t.\tgene_id "g0";\n'
                   f'chr1\tsrc\tgene\t{start}\t{end}\t.\t{strand}\t.\tgene_id "g1";\n',
                   encoding="utf-8")
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, vcf, out, "--contexts", "SBS96", "SBS288",
                       "--annotation", str(gtf), case=f"annotation GTF: {fragment}")
    assert_clear_error(outcome, f"annotation {gtf}, line 2", fragment)
    assert_nothing_written(out)


def test_a_gtf_gene_without_a_strand_is_left_out_and_said(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    fasta, vcf = inputs
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('chr1\tsrc\tgene\t1\t100\t.\t+\t.\tgene_id "g1";\n'
                   'chr1\tsrc\tgene\t101\t300\t.\t.\t.\tgene_id "g2";\n')
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--contexts", "SBS96", "SBS288", "--annotation", str(gtf), "--out",
                      str(out))
    assert outcome.code == 0, outcome.err
    assert f"annotation {gtf}: 1 gene(s) without a strand ('.') left out (lines 2)" \
        in caplog.text
    inside = sum(p <= 100 for p in POSITIONS)
    assert _sbs288_strands(out) == {"U": inside, "N": len(POSITIONS) - inside}


# --- 6. BED coordinates and BED paths -------------------------------------------------------

@pytest.mark.parametrize("end", ["1_0", "\u0663\u0660\u0660", "+300", "3e2", "300.0", " "])
def test_a_bed_coordinate_that_is_not_plain_digits_is_refused(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        end: str) -> None:
    fasta, vcf = inputs
    bed = tmp_path / "r.bed"
    bed.write_text(f"# header\nchr1\t0\t{end}\n", encoding="utf-8")
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, vcf, out, "--regions", str(bed),
                       case=f"catalog --regions: end {end!r}")
    assert_clear_error(outcome, f"--regions {bed}, line 2", "is not a whole number",
                       "plain digits")
    assert_nothing_written(out)


def test_a_regions_of_interest_bed_with_underscored_digits_is_refused(tmp_path: Path) -> None:
    bed = tmp_path / "roi.bed"
    bed.write_text("chr1\t1_0\t300\tROI\n")
    with pytest.raises(InputError, match=r"--regions-of-interest .*roi.bed, line 1: start "
                                         r"'1_0' is not a whole number"):
        read_regions(bed)
    bed.write_text("chr1\t10\t300\tROI\n")
    assert read_regions(bed)[["region", "start", "end"]].values.tolist() == [["ROI", 10, 300]]


@pytest.mark.parametrize(("kind", "fragment"), [("folder", "is a folder"),
                                                ("device", "not a regular file")])
def test_a_regions_bed_that_is_a_folder_or_device_says_what_it_is(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        kind: str, fragment: str) -> None:
    fasta, vcf = inputs
    bed = tmp_path / "r.bed"
    if kind == "folder":
        bed.mkdir()
    else:
        bed = Path("/dev/zero")
    out = tmp_path / "out"
    outcome = _catalog(capsys, fasta, vcf, out, "--regions", str(bed),
                       case=f"catalog --regions: a {kind}")
    assert_clear_error(outcome, f"--regions {bed}", fragment)
    assert "not found" not in outcome.err
    assert_nothing_written(out)


# --- 7. --sample-from-filename: two files of one name ---------------------------------------

def test_two_files_of_one_name_with_sample_from_filename_get_a_fix_that_applies(
        tmp_path: Path, inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    fasta, vcf = inputs
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.vcf").write_bytes(vcf.read_bytes())
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf",
                      str(tmp_path / "a" / "x.vcf"), str(tmp_path / "b" / "x.vcf"),
                      "--sample-from-filename", "--out", str(out),
                      case="catalog --sample-from-filename: two files named x.vcf")
    assert_clear_error(outcome, "sample name 'x'", "Rename one of the files", "--sample-name")
    assert "after their files with --sample-from-filename" not in outcome.err
    assert_nothing_written(out)


def test_one_tumour_counted_from_a_vcf_and_its_gzip_copy_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A samples sheet naming S01.vcf and a gzip copy of it (other bytes, other name) gave
    a cohort with two identical columns, exit 0: one tumour passed for two patients."""
    import gzip
    import logging
    import shutil

    monkeypatch.chdir(tmp_path)
    example = Path(__file__).resolve().parents[2] / "resources" / "example"
    shutil.copy(example / "vcfs" / "S01.vcf", "A.vcf")
    Path("B.vcf.gz").write_bytes(gzip.compress(Path("A.vcf").read_bytes()))
    fasta = example / "genome.fa"
    for name, vcf in (("A", "A.vcf"), ("B", "B.vcf.gz")):
        assert _catalog(capsys, fasta, Path(vcf), tmp_path / name, "--sample-name",
                        name).code == 0
    outcome = run_cli(capsys, "merge-catalogs", "--inputs", "A", "B", "--out", "cohort")
    assert_clear_error(outcome, "sample 'B' and sample 'A' in A", "counted from B.vcf.gz and "
                       "from A.vcf", "one tumour counted from two files", "--allow-identical")
    assert_nothing_written(tmp_path / "cohort")
    assert run_cli(capsys, "merge-catalogs", "--inputs", "A", "B", "--out", "cohort",
                   "--allow-identical").code == 0
    with caplog.at_level(logging.WARNING):  # one catalog run of both files: a warning
        assert _catalog(capsys, fasta, Path("A.vcf"), tmp_path / "both", "B.vcf.gz",
                        "--sample-name", "A", "B").code == 0
    assert "samples 'A' and 'B' have identical counts" in caplog.text

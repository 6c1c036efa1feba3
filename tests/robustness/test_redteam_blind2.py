"""Inputs a blind red-team pass found mishandled (each case: what happened before, in the
test's docstring). Each now ends with exit 2 and one message naming the file, the line or row
where there is one, and the fix, with nothing written under --out; or, where the input is
usable, a warning that says what was assumed.
"""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import pytest

from tests.conftest import write_fasta
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

SEQUENCE = "ACGT" * 15
HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=60>\n"
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT1\n"
RECORD = "chr1\t10\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"


@pytest.fixture
def genome(tmp_path: Path) -> Path:
    return write_fasta(tmp_path / "g.fa", {"chr1": SEQUENCE})


@pytest.mark.parametrize("compressed", [False, True])
def test_a_latin1_header_line_is_named_with_its_line_and_the_fix(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str],
        compressed: bool) -> None:
    """A ##FILTER description written in Latin-1 ('Qualit\\xe9'): the run stopped with
    Python's bare "'utf-8' codec can't decode byte 0xe9 in position 266", naming no file and
    no line. A Latin-1 byte in a record's ID or INFO is never decoded and stays harmless."""
    text = (HEADER + '##FILTER=<ID=Low,Description="Qualit\xe9 basse">\n' + COLUMNS
            + RECORD).encode("latin-1")
    vcf = tmp_path / ("in.vcf.gz" if compressed else "in.vcf")
    vcf.write_bytes(gzip.compress(text) if compressed else text)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(out))
    assert_clear_error(outcome, f"VCF {vcf}, header line 4: not UTF-8", "0xe9", "Qualit",
                       "iconv -f latin1 -t utf-8")
    assert_nothing_written(out)
    record = (HEADER + COLUMNS + "chr1\t10\tcaf\xe9\tC\tT\t.\tPASS\tNOTE=\xe9\tGT\t0/1\n"
              ).encode("latin-1")
    vcf.write_bytes(gzip.compress(record) if compressed else record)
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert (out / "SBS96.tsv").is_file()


@pytest.mark.parametrize("records", [1, 2])
def test_a_panel_vcf_whose_few_variants_all_miss_the_fasta_is_refused(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str], records: int) -> None:
    """One or two variants, all on a contig the FASTA lacks under every alias ('Chr1'): an
    all-zero catalog and a warning, where three or more were refused as another FASTA's."""
    lines = "".join(f"Chr1\t{10 + 10 * i}\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
                    for i in range(records))
    vcf = tmp_path / "panel.vcf"
    vcf.write_text(HEADER.replace("ID=chr1", "ID=Chr1") + COLUMNS + lines)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(out))
    assert_clear_error(outcome, f"{records} of {records} variants (100%)", "Chr1",
                       "Give the FASTA the variants were called against")
    assert_nothing_written(out)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_vcf_is_named_as_such_not_as_binary_data(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str], encoding: str) -> None:
    """A VCF saved as UTF-16 (with or without a byte-order mark) was called "binary data"."""
    vcf = tmp_path / "wide.vcf"
    vcf.write_bytes((HEADER + COLUMNS + RECORD).encode(encoding))
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "it is UTF-16 text", "iconv -f utf-16 -t utf-8")
    assert "binary data" not in outcome.err


def test_bytes_appended_to_a_bgzip_vcf_are_not_called_a_truncation(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A whole bgzip VCF with text appended ('cat notes >> in.vcf.gz') was said to be
    truncated; a cut one still is."""
    pysam = pytest.importorskip("pysam")
    plain = tmp_path / "in.vcf"
    plain.write_text(HEADER + COLUMNS + RECORD * 1)
    pysam.tabix_compress(str(plain), str(tmp_path / "in.vcf.gz"))
    whole = (tmp_path / "in.vcf.gz").read_bytes()
    appended = tmp_path / "appended.vcf.gz"
    appended.write_bytes(whole + b"garbage\n")
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(appended),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "follow the end of its compressed stream", "appended",
                       "Re-create it with 'bgzip'")
    assert "truncated" not in outcome.err


@pytest.mark.parametrize(("lower", "upper", "presence"), [
    (4177.87, 135.9, 1.0), (-1.0, 20.0, 1.0), (1.0, 20.0, 1.5)])
def test_an_interval_with_reversed_or_negative_ends_is_refused(
        tmp_path: Path, lower: float, upper: float, presence: float) -> None:
    """A lower end above the upper one was printed on the patient page as '4,178 - 136'."""
    from sigforge.cli.report_contexts import read_intervals
    from sigforge.io import InputError

    path = tmp_path / "exposure_intervals.tsv"
    rows = ["sample\tsignature\texposure\tlower\tupper\tpresence\tconfidence\tresamples",
            "S1\tSBS1\t10\t5\t15\t1\t0.95\t50",
            f"S1\tSBS5\t12\t{lower}\t{upper}\t{presence}\t0.95\t50"]
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"sample 'S1', signature 'SBS5' has the interval"):
        read_intervals(path)
    rows[2] = "S1\tSBS5\t12\t13\t20\t0.9\t0.95\t50"  # a point outside its interval is legal
    path.write_text("\n".join(rows) + "\n")
    assert read_intervals(path) is not None


def _opportunities(tmp_path: Path) -> list[str]:
    """A complete, consistent opportunities table's lines (every context 10 times in the
    genome, 4 in the regions)."""
    from sigforge.genomics.opportunities import LABELS

    return ["kind\tcontext\tgenome\tregions"] + [
        f"{kind}\t{context}\t10\t4" for kind, labels in LABELS.items() for context in labels]


@pytest.mark.parametrize(("edit", "said"), [
    (lambda lines: lines.__setitem__(1, lines[1].replace("\t10\t4", "\t10\t40")),
     "line 2: the regions hold the trinucleotide ACA 40 times but the whole genome only 10"),
    (lambda lines: lines.__setitem__(1, lines[1].replace("\t10\t4", "\t0\t4")),
     "the whole genome only 0"),
    (lambda lines: lines.append("trinucleotide\tNNN\t5\t5"), "'NNN' is not a context"),
    (lambda lines: lines.append("codon\tACA\t5\t5"), "'codon' 'ACA' is not a context"),
    (lambda lines: lines.__setitem__(2, lines[2].replace("\t10\t4", "\t-5\t4")),
     "line 3, column 'genome': '-5' is not a count"),
])
def test_an_impossible_opportunities_table_is_refused_naming_its_line(
        tmp_path: Path, edit, said: str) -> None:
    """Regions counting a context ten times as often as the genome were accepted and
    rescaled the signatures; an unknown row was ignored unsaid; a genome count of 0 was
    blamed on the shipped signature table; a negative count named no line."""
    from sigforge.genomics.opportunities import read_opportunities
    from sigforge.io import InputError

    lines = _opportunities(tmp_path)
    path = tmp_path / "opportunities.tsv"
    path.write_text("\n".join(lines) + "\n")
    assert len(read_opportunities(path)) == len(lines) - 1
    edit(lines)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=f"--opportunities {path}: .*{said}"):
        read_opportunities(path)


def test_restrict_to_a_name_that_is_also_a_file_here_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file named 'SBS1' in the run folder turned '--restrict-to SBS1' into the file's
    list (SBS1 and SBS5) without a word."""
    from sigforge.cli.restriction import restriction_names
    from sigforge.io import InputError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "SBS1").write_text("SBS1\nSBS5\n")
    known = {"SBS1", "SBS5", "SBS13"}
    with pytest.raises(InputError, match=r"'SBS1' is both a file in this folder.*'\./SBS1'"):
        restriction_names("SBS1", known)
    assert restriction_names("./SBS1", known) == ["SBS1", "SBS5"]
    assert restriction_names("SBS13", known) == ["SBS13"]
    (tmp_path / "mine.txt").write_text("SBS13\n")  # a file name that names no signature
    assert restriction_names("mine.txt", known) == ["SBS13"]


def test_extract_warns_of_a_sample_given_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Columns that are one tumour's counts copied were factored as that many patients
    without a word, where catalog warns and merge-catalogs refuses."""
    from tests.robustness._harness import sbs1_sbs13_catalog

    frame = sbs1_sbs13_catalog(samples=6)
    frame["copy_of_s1"] = frame["s1"]
    frame["few"] = 0.0
    frame.iloc[0, -1] = 3.0
    frame["few_again"] = frame["few"]  # 3 mutations alike can be chance: not named
    path = tmp_path / "SBS96.tsv"
    frame.to_csv(path, sep="\t")
    with caplog.at_level(logging.WARNING, logger="sigforge"):
        outcome = run_cli(capsys, "extract", "--catalog", str(path), "--ranks", "2",
                          "--replicates", "3", "--max-iter", "50", "--min-iter", "10",
                          "--cv-folds", "0", "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    said = [r.getMessage() for r in caplog.records if "exactly the counts" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("1 sample(s) of the catalog"), said
    assert "'copy_of_s1' = 's1'" in said[0] and "few_again" not in said[0]


def test_a_matrix_path_that_is_a_folder_or_missing_names_its_config_key(
        tmp_path: Path) -> None:
    """matrix.path pointing at a folder said 'vcfs: is a folder', naming no config key."""
    from sigforge.io import InputError
    from sigforge.workflow.checks import input_shape

    folder = tmp_path / "vcfs"
    folder.mkdir()
    with pytest.raises(InputError, match=r"config key matrix.path: .*vcfs: is a folder"):
        input_shape({"type": "matrix", "matrix": {"path": str(folder), "name": "M"}})
    with pytest.raises(InputError, match=r"config key matrix.path: .*gone.tsv: file not found"):
        input_shape({"type": "matrix", "matrix": {"path": str(tmp_path / "gone.tsv")}})
    with pytest.raises(InputError, match=r"config key joint.modalities \('b'\) path: .*vcfs: "
                                         r"is a folder"):
        input_shape({"type": "joint", "joint": {"modalities": [
            {"name": "b", "path": str(folder)}]}})


def test_a_reference_refit_using_many_signatures_draws_a_legend_that_fits(
        tmp_path: Path) -> None:
    """An NNLS refit to all of COSMIC used 40 signatures: the stacked-bar legend ran off the
    figure, its names cut ('SBS1' for SBS13), and matplotlib's 'constrained_layout not
    applied' warning reached the user. The 14 largest are drawn, the rest as one segment."""
    import warnings

    import numpy as np
    import pandas as pd

    from sigforge.report.reference_refit import reference_refit_context

    rng = np.random.default_rng(3)
    names = [f"SBS{i}" for i in range(1, 41)]
    exposures = pd.DataFrame(rng.gamma(0.5, 50.0, (40, 8)), index=names,
                             columns=[f"S{i}" for i in range(8)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        context = reference_refit_context(exposures, None, list(exposures.columns), {},
                                          tmp_path)
    assert context is not None and context["n_present"] == "40"
    svg = (tmp_path / "figures" / "reference_refit_relative.svg").read_text()
    assert "other (26 signatures)" in svg
    labels = re.findall(r">([^<>\n]+)\n?</text>", svg)
    legend = [label.strip() for label in labels if label.strip().startswith(("SBS", "other"))]
    largest = exposures.sum(axis=1).sort_values(ascending=False).index
    assert legend == [*largest[:14], "other (26 signatures)"]
    assert len(context["samples"].rows) == 8  # the tables still list every signature


def _substitution(sequence: str, pos: int, length: int) -> tuple[str, str]:
    """REF and an ALT changing every base of ``length`` bases at 1-based ``pos``."""
    other = {"A": "C", "C": "A", "G": "T", "T": "G"}
    ref = sequence[pos - 1:pos - 1 + length]
    return ref, "".join(other[base] for base in ref)


@pytest.mark.parametrize("multi", [False, True])
def test_a_run_split_into_a_doublet_record_and_snvs_is_one_mnv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], multi: bool) -> None:
    """Three or four bases changed in a row, written as a 2-bp record plus an SNV or as two
    2-bp records, counted one DBS plus one SBS (or two DBS), where one 3-bp record or three
    1-bp ones are an MNV: the cells depended on how the caller split the run."""
    import numpy as np
    import pandas as pd

    sequence = "".join(np.random.default_rng(11).choice(list("ACGT"), 400))
    genome = write_fasta(tmp_path / "g.fa", {"chr1": sequence})
    sites = [(50, 2), (52, 1),       # record + touching SNV: 3 bases
             (100, 1), (101, 2),     # SNV + touching record: 3 bases
             (150, 2), (152, 2),     # two touching records: 4 bases
             (250, 2),               # a lone record: a DBS
             (300, 1)]               # a lone SNV: an SBS
    lines = [f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\n"
             for pos, length in sites for ref, alt in [_substitution(sequence, pos, length)]]
    vcf = tmp_path / "runs.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=400>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + "".join(lines))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(vcf),
                      "--sample-name", "X", "--out", str(out),
                      *(["--multi-snvs-in-sbs"] if multi else []))
    assert outcome.code == 0, outcome.err
    log = pd.read_csv(out / "catalog_log.tsv", sep="\t").iloc[0]
    assert (log["counted_SBS96"], log["counted_DBS78"], log["mnv"]) == (1, 1, 6)
    assert pd.read_csv(out / "DBS78.tsv", sep="\t", index_col=0)["X"].sum() == 1
    sbs = pd.read_csv(out / "SBS96.tsv", sep="\t", index_col=0)["X"].sum()
    # with multi_snvs_in_sbs every base of the runs and of the lone doublet is also in SBS
    assert (sbs, log.get("also_in_sbs", 0)) == ((1 + 12, 12) if multi else (1, 0))

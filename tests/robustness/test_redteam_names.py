"""Catalog inputs a red-team pass found mishandled: a path or sample name holding bytes that
are not UTF-8 (Latin-1 names on shared drives), a VCF whose #CHROM line ends with FORMAT and
no sample, and an annotation gene past its contig's end (the message named no line).

Each ends with exit 2 and one message naming the option or file, the line where there is one,
and the fix, and nothing written under --out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import write_fasta
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

SEQUENCE = "ACGT" * 15
VCF = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=60>\n"
       '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
       "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT1\n"
       "chr1\t10\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n")


@pytest.fixture
def genome(tmp_path: Path) -> Path:
    return write_fasta(tmp_path / "g.fa", {"chr1": SEQUENCE})


def _latin1(folder: Path, stem: str, text: str) -> str:
    """Write ``text`` to a file named ``stem`` + Latin-1 'é' + '.vcf'; its name as Python
    gives it (the undecodable byte kept as a surrogate)."""
    raw = os.fsencode(folder) + b"/" + stem.encode() + b"\xe9.vcf"
    with open(raw, "w") as handle:
        handle.write(text)
    return os.fsdecode(raw)


def test_a_path_or_name_that_is_not_utf8_is_refused_naming_the_option(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --vcf path, a --sample-name or a file in --vcf-dir holding a Latin-1 byte: the run
    read and counted the input, then stopped with Python's "'utf-8' codec can't encode
    character '\\udce9'" and no file named. Now each is refused before any reading, naming
    the option and the name's bytes."""
    vcf = _latin1(tmp_path, "caf", VCF)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", vcf,
                      "--out", str(out))
    assert_clear_error(outcome, "--vcf '", "caf\\xe9.vcf'", "not UTF-8", "convmv")
    plain = tmp_path / "plain.vcf"
    plain.write_text(VCF)
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(plain),
                      "--sample-name", "T\udce9", "--out", str(out))
    assert_clear_error(outcome, "--sample-name 'T\\xe9'", "not UTF-8")
    folder = tmp_path / "vcfs"
    folder.mkdir()
    _latin1(folder, "tumour", VCF)
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf-dir",
                      str(folder), "--sample-from-filename", "--out", str(out))
    assert_clear_error(outcome, f"--vcf-dir {folder}: file", "tumour\\xe9.vcf'", "not UTF-8")
    assert_nothing_written(out)


def test_a_chrom_line_ending_with_format_and_no_sample_is_named(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'cut -f1-9' of a VCF keeps FORMAT without a sample: htslib's message blamed a missing
    FORMAT or spaces for tabs, neither of which was the case."""
    sites = tmp_path / "sites9.vcf"
    sites.write_text("".join("\t".join(line.split("\t")[:9]) + "\n"
                             for line in VCF.splitlines()))
    assert "\tFORMAT\n" in sites.read_text()
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(sites),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, str(sites), "line 4", "ends with FORMAT but names no sample",
                       "cut -f1-8")
    assert "FORMAT is missing or spaces" not in outcome.err.split("(htslib:")[0]
    assert_nothing_written(tmp_path / "out")


def test_an_annotation_gene_past_its_contig_names_its_line(
        tmp_path: Path, genome: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The check compared sorted ends, so the message named no line: in a GENCODE-sized GTF
    the one gene running off a contig could not be found from it."""
    plain = tmp_path / "s.vcf"
    plain.write_text(VCF)
    gtf = tmp_path / "genes.gtf"
    gtf.write_text("#!genome-build other\n"
                   'chr1\tsrc\ttranscript\t5\t30\t.\t+\t.\tgene_id "g1"; transcript_id "t1";\n'
                   'chr1\tsrc\ttranscript\t20\t99\t.\t-\t.\tgene_id "g2"; transcript_id "t2";\n'
                   'chr1\tsrc\ttranscript\t22\t40\t.\t-\t.\tgene_id "g3"; transcript_id "t3";\n')
    outcome = run_cli(capsys, "catalog", "--reference", str(genome), "--vcf", str(plain),
                      "--contexts", "SBS96", "SBS288", "--annotation", str(gtf),
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, f"annotation {gtf}, line 3:", "ends at 99",
                       "past the end of chr1 (60 bp", "1 gene(s) on its strand")
    assert_nothing_written(tmp_path / "out")

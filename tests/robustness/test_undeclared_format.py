"""FORMAT keys that records carry without a ``##FORMAT`` header line (GT, FT, PS).

htslib reads them as it meets them; the reader decided per file from the header (and the
first record) whether genotypes, per-sample filters and phase sets apply, so one header line
changed the catalog: a '0/0' tumour call counted when GT first appeared in record 2, a
genotype whose FT failed counted, and two SNVs of different phase sets split into two SBS.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sigforge.io import read_table
from tests.robustness._harness import assert_clear_error, run_cli

_RANDOM = random.Random(43)
CHR1 = "".join(_RANDOM.choice("ACGT") for _ in range(600))
GT = '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">'
AD = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">'
FT = '##FORMAT=<ID=FT,Number=1,Type=String,Description="f">'
PS = '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="p">'


@pytest.fixture
def fasta(make_fasta: Callable[..., Path]) -> Path:
    """chr1, 600 random bases, indexed."""
    return make_fasta({"chr1": CHR1})


def _alt(ref: str) -> str:
    return "A" if ref != "A" else "C"


def _vcf(path: Path, header: Sequence[str], samples: Sequence[str],
         rows: Sequence[tuple[int, str, Sequence[str]]]) -> Path:
    """A VCF of SNVs matching the genome: (pos, FORMAT, sample cells) per row."""
    lines = ["##fileformat=VCFv4.2", *header,
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for pos, keys, cells in rows:
        ref = CHR1[pos - 1]
        lines.append(f"chr1\t{pos}\t.\t{ref}\t{_alt(ref)}\t.\tPASS\t.\t{keys}\t"
                     + "\t".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def _log(capsys: pytest.CaptureFixture[str], fasta: Path, out: Path, *args: str):
    """Run ``sigforge catalog`` and return its per-sample log and the run's stderr."""
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), *args, "--out", str(out))
    assert outcome.code == 0, outcome.err
    return read_table(out / "catalog_log.tsv"), outcome.err


@pytest.mark.parametrize("declared", [True, False])
def test_a_gt_first_met_in_a_later_record_decides_as_a_declared_one(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, declared: bool) -> None:
    header = [AD, GT] if declared else [AD]
    rows = [(100, "AD", ["5,5"]), (200, "GT:AD", ["0/0:10,0"]), (300, "GT:AD", ["0/1:5,5"])]
    vcf = _vcf(tmp_path / "late.vcf", header, ["T"], rows)
    log, _ = _log(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert (log.loc["T", "counted_SBS96"], log.loc["T", "not_in_sample"]) == (1, 2)
    assert ("records carry FORMAT GT, which the header does not declare" in caplog.text
            ) is not declared


def test_two_columns_with_a_late_gt_are_read_by_genotype(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused as 'no GT field in FORMAT' (false), and with --vcf-sample T the normal's
    germline call (T: 0/0) was counted for the tumour."""
    rows = [(100, "AD", ["5,0", "5,5"]), (200, "GT:AD", ["0/1:5,5", "0/0:10,0"]),
            (300, "GT", ["0/0", "0/1"])]
    vcf = _vcf(tmp_path / "pair.vcf", [AD], ["N", "T"], rows)
    log, _ = _log(capsys, fasta, tmp_path / "out", "--vcf", str(vcf), "--vcf-sample", "T")
    assert (log.loc["T", "counted_SBS96"], log.loc["T", "not_in_sample"]) == (1, 2)
    log, _ = _log(capsys, fasta, tmp_path / "both", "--vcf", str(vcf))
    assert log["counted_SBS96"].to_dict() == {"N": 1, "T": 1}
    plain = _vcf(tmp_path / "nogt.vcf", [AD], ["N", "T"], [(100, "AD", ["5,0", "5,5"])])
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(plain),
                      "--out", str(tmp_path / "nogt"))
    assert_clear_error(outcome, "2 sample columns (N, T) but no GT field in FORMAT",
                       "--vcf-sample")


@pytest.mark.parametrize("declared", [True, False])
def test_an_undeclared_ft_still_filters_its_genotype(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], declared: bool) -> None:
    rows = [(100, "GT:FT", ["0/1:LowQual"]), (300, "GT:FT", ["0/1:PASS"])]
    vcf = _vcf(tmp_path / "ft.vcf", [GT, FT] if declared else [GT], ["T"], rows)
    log, _ = _log(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert (log.loc["T", "counted_SBS96"], log.loc["T", "filtered"]) == (1, 1)


@pytest.mark.parametrize("declared", [True, False])
def test_an_undeclared_phase_set_decides_a_doublet_as_a_declared_one(
        tmp_path: Path, fasta: Path, capsys: pytest.CaptureFixture[str], declared: bool) -> None:
    """0|1 and 1|0 in different phase sets have no known relative phase: one doublet. With
    PS undeclared (read as text by htslib) both fell in 'no phase set' and were split."""
    rows = [(310, "GT:PS", ["0|1:100"]), (311, "GT:PS", ["1|0:311"])]
    vcf = _vcf(tmp_path / "ps.vcf", [GT, PS] if declared else [GT], ["T"], rows)
    log, _ = _log(capsys, fasta, tmp_path / "out", "--vcf", str(vcf))
    assert (log.loc["T", "counted_DBS78"], log.loc["T", "counted_SBS96"]) == (1, 0)
    same_set = _vcf(tmp_path / "same.vcf", [GT, PS] if declared else [GT], ["T"],
                    [(310, "GT:PS", ["0|1:100"]), (311, "GT:PS", ["1|0:100"])])
    log, _ = _log(capsys, fasta, tmp_path / "out2", "--vcf", str(same_set))
    assert (log.loc["T", "counted_DBS78"], log.loc["T", "counted_SBS96"]) == (0, 2)

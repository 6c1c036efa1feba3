"""Hostile inputs of the fourth red-team sweep: files meant to exhaust memory or confuse file
handling (compressed payloads that are no VCF, ...). Each asserts exit 2, a message naming
the file and the fix, no traceback, and nothing written."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def _tarball(path: Path) -> None:
    """A .vcf.gz that is `tar czf` of a VCF (a tarball, not a gzip-compressed VCF)."""
    data = HEADER.encode()
    with tarfile.open(path, "w:gz") as tar:
        member = tarfile.TarInfo("s1.vcf")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))


def _zeros(path: Path) -> None:
    path.write_bytes(gzip.compress(bytes(4096)))


def _random(path: Path) -> None:
    rng = random.Random(1)
    path.write_bytes(gzip.compress(bytes(rng.getrandbits(8) for _ in range(5000))))


@pytest.mark.parametrize("build", [_tarball, _zeros, _random], ids=["tarball", "zeros", "random"])
def test_gzip_files_holding_no_vcf_are_named(
        build: Callable[[Path], None], tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Plain gzip of binary data (a tarball named .vcf.gz, NULs, random bytes) was an internal
    error: pysam formats its OSError with the stream object as a file name (TypeError)."""
    fasta = make_fasta({"chr1": "ACGTACGTACGTACGTACGT"})
    vcf = tmp_path / "in.vcf.gz"
    build(vcf)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(out), case=f"hostile: gzip payload {build.__name__}")
    assert_clear_error(outcome, str(vcf), "not a VCF")
    assert "internal error" not in outcome.err
    assert_nothing_written(out)


def test_sheet_paths_the_system_cannot_look_up_are_named(tmp_path: Path) -> None:
    """A VCF or reference path with a 300-character folder name (over the file system's 255)
    made the parse-time check raise OSError 'File name too long' (a Snakemake traceback)."""
    import pandas as pd

    from sigforge.io import InputError
    from sigforge.workflow.checks import check_inputs

    long_vcf = str(tmp_path / ("d" * 300) / "s1.vcf")
    long_ref = str(tmp_path / ("r" * 300) / "genome.fa")
    samples = pd.DataFrame({"sample_id": ["S1"], "vcf": [long_vcf], "sheet_line": [2]})
    with pytest.raises(InputError) as err:
        check_inputs(long_ref, samples, "samples sheet sheet.tsv")
    message = str(err.value)
    assert "cannot be looked up (File name too long)" in message
    assert "samples sheet sheet.tsv, line 2" in message and "reference FASTA" in message
    assert "d" * 150 not in message  # the path is shown cut, not whole


@pytest.mark.parametrize("option", ["--vcf", "--reference"])
def test_a_link_loop_or_dangling_link_is_called_what_it_is(
        option: str, tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A link loop (a -> b -> a) was reported as a plain 'file not found', the user then
    looking for a file that is there by name."""
    fasta = make_fasta({"chr1": "ACGTACGTACGTACGTACGT"})
    vcf = tmp_path / "ok.vcf"
    vcf.write_text(HEADER)
    loop_a, loop_b = tmp_path / "loopA", tmp_path / "loopB"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    given = {"--vcf": str(vcf), "--reference": str(fasta), option: str(loop_a)}
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", given["--reference"], "--vcf",
                      given["--vcf"], "--out", str(out), case=f"hostile: link loop {option}")
    assert_clear_error(outcome, str(loop_a), "file not found", "symbolic link to",
                       str(loop_b), "link loop")
    assert_nothing_written(out)

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
    assert_clear_error(outcome, str(vcf), "a tar archive" if build is _tarball else "not a VCF")
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


def test_running_out_of_memory_is_said_as_such_not_as_a_bug(
        tmp_path: Path, make_fasta: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A decompression bomb (4 MB inflating to 8 GB) ended in 'internal error (MemoryError)
    ... a bug in sigforge'; the reader's MemoryError is simulated here."""
    import sigforge.genomics.vcf as vcf_module

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(vcf_module, "_scan_records", exhausted)
    fasta = make_fasta({"chr1": "ACGTACGTACGTACGTACGT"})
    vcf = tmp_path / "bomb.vcf"
    vcf.write_text(HEADER)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "catalog", "--reference", str(fasta), "--vcf", str(vcf),
                      "--out", str(out), case="hostile: out of memory")
    assert_clear_error(outcome, "ran out of memory", "zcat FILE | wc -c")
    assert "bug" not in outcome.err
    assert_nothing_written(out)


def test_a_huge_restrict_to_list_is_named_by_its_first_names() -> None:
    """20,000 unknown names in refit.restrict_to were echoed whole (a 287 KB message)."""
    from sigforge.io import InputError
    from sigforge.workflow.configs import check_restrict_to

    names = [f"SBSX{i}" for i in range(20_000)]
    with pytest.raises(InputError) as err:
        check_restrict_to(names, [("COSMIC_v3.6", "signatures")], "GRCh37",
                          "config (big.yaml)", ["SBS96"])
    message = str(err.value)
    assert "and 19990 more" in message and len(message) < 2_000


def test_numba_caches_in_the_temporary_folder_when_nowhere_else_is_writable(
        tmp_path: Path) -> None:
    """Run as a user who can write neither the install nor HOME, every refit died with numba's
    'cannot cache function ...: no locator available'. The folders' writability is given (the
    suite may run as root, for whom permissions do not bind)."""
    from sigforge._numba_cache import cache_dir_fallback

    package, cache = tmp_path / "site" / "sigforge", tmp_path / "home" / ".cache"
    environ: dict[str, str] = {"XDG_CACHE_HOME": str(cache)}
    asked: list[Path] = []

    def read_only(folder: Path) -> bool:
        asked.append(folder)
        return False

    folder = cache_dir_fallback(environ, package, read_only)
    assert folder is not None and environ["NUMBA_CACHE_DIR"] == folder
    assert asked == [package / "nmf" / "__pycache__", cache / "numba"]
    assert cache_dir_fallback({"NUMBA_CACHE_DIR": "/x"}, package, read_only) is None
    for writable_place in asked:
        environ = {"XDG_CACHE_HOME": str(cache)}
        assert cache_dir_fallback(environ, package, writable_place.__eq__) is None
        assert "NUMBA_CACHE_DIR" not in environ


def test_the_fallback_cache_folder_is_private(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """numba unpickles its cache files: a folder others can write is never used."""
    import os
    import tempfile

    from sigforge._numba_cache import cache_dir_fallback

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"sigforge-numba-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    environ: dict[str, str] = {}
    folder = Path(cache_dir_fallback(environ, tmp_path / "pkg", lambda _: False) or "")
    assert folder != shared and folder.parent == tmp_path
    assert not folder.stat().st_mode & 0o077
    shared.chmod(0o700)
    assert cache_dir_fallback({}, tmp_path / "pkg", lambda _: False) == str(shared)


def test_a_gzip_signature_table_and_a_fifo_opportunities_table_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A gzip --signatures table whose first compressed bytes hold no tab gave a bare
    "'utf-8' codec can't decode"; a named pipe given as --opportunities was 'file not found'."""
    import os

    import numpy as np
    import pandas as pd

    from sigforge.genomics.reference import load_reference
    from sigforge.io import write_matrix

    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(2)
    catalog = tmp_path / "cat.tsv"
    write_matrix(pd.DataFrame(rng.poisson(cosmic[["SBS1", "SBS5"]].to_numpy()
                                          @ rng.gamma(1.0, 300.0, (2, 3))),
                              index=cosmic.index, columns=["a", "b", "c"]), catalog,
                 integer=True)
    packed = tmp_path / "sigs.tsv"
    packed.write_bytes(gzip.compress(b"x" * 100_000))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", str(packed),
                      "--bootstrap", "0", "--out", str(out), case="hostile: gzip --signatures")
    assert_clear_error(outcome, str(packed), "gzip-compressed", "gzip -dc")
    fifo = tmp_path / "opp.tsv"
    os.mkfifo(fifo)
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                      "--assay", "regions", "--opportunities", str(fifo), "--bootstrap", "0",
                      "--out", str(out), case="hostile: fifo --opportunities")
    assert_clear_error(outcome, str(fifo), "not a regular file")
    assert_nothing_written(out)


def test_no_home_directory_is_no_reason_to_fail_the_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME unset under a user id without a passwd entry: Path.home() raises RuntimeError,
    which must not stop `import sigforge`; the temporary folder is used instead."""
    from sigforge._numba_cache import cache_dir_fallback

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    environ: dict[str, str] = {}
    folder = cache_dir_fallback(environ, tmp_path / "pkg", lambda _: False)
    assert folder is not None and Path(folder).parent == tmp_path

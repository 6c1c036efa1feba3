"""Reference FASTAs from the third fuzzing round: bgzip FASTAs whose ``.fai``/``.gzi`` no
longer describe them, layouts htslib cannot index, and a byte-order mark.

A stale bgzip index used to pass unchecked (wrong catalogs with exit 0, or a message blaming
the variants' genome build); every layout fault got one message about writable folders and
stale indexes. Each bad case must stop with exit 2 and one message naming the file, the contig
and line where there is one, and the fix, leaving every file as it was; each good one must give
the catalog of the plain, freshly indexed FASTA.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pysam
import pytest

from sigforge._htslib import stderr_captured as _stderr_captured
from sigforge.genomics import read_catalog
from tests.robustness._harness import Outcome, assert_clear_error, run_cli

_RNG = np.random.default_rng(20260301)
#: chr1 spans several 64 KiB BGZF blocks, so that the .gzi lists more than the first one.
SEQUENCES = {name: "".join(_RNG.choice(list("ACGT"), length))
             for name, length in (("chr1", 140_000), ("chr2", 800), ("chr3", 600))}
#: SNV positions (1-based) per contig, isolated from one another.
POSITIONS = {"chr1": (50, 120, 333, 70_001, 139_900), "chr2": (51, 122, 201, 611, 702),
             "chr3": (40, 300)}


def _fasta_text(order: tuple[str, ...] = ("chr1", "chr2", "chr3"), width: int = 60,
                end: str = "\n") -> str:
    """The test genome as FASTA text, contigs in ``order`` wrapped at ``width`` bases."""
    return "".join(f">{name} test contig{end}" + "".join(
        SEQUENCES[name][i:i + width] + end for i in range(0, len(SEQUENCES[name]), width))
        for name in order)


def _write(path: Path, text: str | bytes, *, bgzip: bool = False, index: bool = False) -> Path:
    """Write a FASTA (bgzip-compressed when asked, through a plain copy) and index it if asked."""
    data = text.encode() if isinstance(text, str) else text
    if bgzip:
        plain = path.with_name(f"{path.name}.plain")
        plain.write_bytes(data)
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()
    else:
        path.write_bytes(data)
    if index:
        pysam.faidx(str(path))
    return path


def _alt(base: str) -> str:
    """A base other than ``base``."""
    return "C" if base != "C" else "G"


@pytest.fixture
def vcf(make_vcf: Callable[..., Path]) -> Path:
    """SNVs on every contig, their REF taken from the test genome."""
    records = [(name, p, SEQUENCES[name][p - 1], _alt(SEQUENCES[name][p - 1]), "PASS")
               for name, positions in POSITIONS.items() for p in positions]
    return make_vcf(records, contigs={n: len(s) for n, s in SEQUENCES.items()})


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes: what a refused command must leave as is."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _catalog(capsys: pytest.CaptureFixture[str], reference: Path, vcf: Path, out: Path,
             case: str) -> Outcome:
    """``sigforge catalog --reference REFERENCE --vcf VCF --out OUT``, one case of the table."""
    return run_cli(capsys, "catalog", "--reference", str(reference), "--vcf", str(vcf),
                   "--out", str(out), case=case)


def _opportunities(capsys: pytest.CaptureFixture[str], reference: Path, out: Path,
                   case: str) -> Outcome:
    """``sigforge opportunities --reference REFERENCE --out OUT``, one case of the table."""
    return run_cli(capsys, "opportunities", "--reference", str(reference), "--out", str(out),
                   case=case)


def _same_catalogs(first: Path, second: Path) -> None:
    """Two catalog folders hold equal SBS96, DBS78 and ID83 catalogs."""
    for context in ("SBS96", "DBS78", "ID83"):
        assert read_catalog(first / f"{context}.tsv").data.equals(
            read_catalog(second / f"{context}.tsv").data), context


# --- good FASTAs keep working --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["bgzip", "bgzip_crlf", "concatenated_bgzip", "plain_crlf"])
def test_a_good_fasta_gives_the_catalog_of_the_plain_one(
        kind: str, tmp_path: Path, vcf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bgzip FASTA with a fresh index (built by sigforge, then checked as an existing one),
    CRLF line ends, and two bgzip files concatenated (an empty end-of-file block inside, which
    the .gzi does not list) all count like the plain LF FASTA."""
    plain = _write(tmp_path / "plain.fa", _fasta_text(), index=True)
    assert _catalog(capsys, plain, vcf, tmp_path / "expected", "fasta_plain").code == 0
    end = "\r\n" if kind.endswith("crlf") else "\n"
    reference = tmp_path / ("ref.fa" if kind == "plain_crlf" else "ref.fa.gz")
    if kind == "concatenated_bgzip":
        first = _write(tmp_path / "a.fa.gz", _fasta_text(("chr1",)), bgzip=True)
        second = _write(tmp_path / "b.fa.gz", _fasta_text(("chr2", "chr3")), bgzip=True)
        reference.write_bytes(first.read_bytes() + second.read_bytes())
    else:
        _write(reference, _fasta_text(end=end), bgzip=kind != "plain_crlf")
    for run in range(2):  # the index is built, then checked as an existing one
        outcome = _catalog(capsys, reference, vcf, tmp_path / f"out{run}", f"fasta_{kind}")
        assert outcome.code == 0, outcome.err
        _same_catalogs(tmp_path / "expected", tmp_path / f"out{run}")
    assert read_catalog(tmp_path / "out1/SBS96.tsv").data.to_numpy().sum() == sum(
        map(len, POSITIONS.values()))


def test_opportunities_of_a_bgzip_fasta_equal_the_plain_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _write(tmp_path / "plain.fa", _fasta_text(), index=True)
    packed = _write(tmp_path / "ref.fa.gz", _fasta_text(), bgzip=True, index=True)
    assert _opportunities(capsys, plain, tmp_path / "plain.tsv", "opportunities_plain").code == 0
    outcome = _opportunities(capsys, packed, tmp_path / "bgzip.tsv", "opportunities_bgzip")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "plain.tsv").read_bytes() == (tmp_path / "bgzip.tsv").read_bytes()


# --- a bgzip FASTA's stale .fai/.gzi -------------------------------------------------------

#: How the FASTA was rewritten after it was indexed: contigs reordered, or re-wrapped.
REWRITES = {"reordered": {"order": ("chr2", "chr3", "chr1")}, "rewrapped": {"width": 80},
            "small_reordered": {"order": ("chr3", "chr2")}}


@pytest.mark.parametrize("command", ["catalog", "opportunities"])
@pytest.mark.parametrize("rewrite", sorted(REWRITES))
def test_bgzip_fasta_rewritten_after_indexing_is_refused(
        rewrite: str, command: str, tmp_path: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The old .fai and .gzi kept beside a re-compressed FASTA used to give wrong catalogs
    with exit 0, or a message blaming the variants' genome build."""
    fasta = tmp_path / "ref.fa.gz"
    old = ("chr2", "chr3") if rewrite.startswith("small") else ("chr1", "chr2", "chr3")
    _write(fasta, _fasta_text(old), bgzip=True, index=True)
    _write(fasta, _fasta_text(**REWRITES[rewrite]), bgzip=True)
    before = _files(tmp_path)
    case = f"bgzip_fasta_{rewrite}_old_index_{command}"
    outcome = (_catalog(capsys, fasta, vcf, tmp_path / "out", case) if command == "catalog"
               else _opportunities(capsys, fasta, tmp_path / "out.tsv", case))
    assert_clear_error(outcome, f"reference FASTA {fasta}", f"{fasta}.fai", f"{fasta}.gzi",
                       "does not match", "delete the .fai and the .gzi",
                       f"samtools faidx {fasta}")
    assert "genome build" not in outcome.err
    assert _files(tmp_path) == before


@pytest.mark.parametrize("damage", ["gzi_of_another_file", "gzi_junk", "gzi_truncated"])
def test_a_bad_gzi_beside_a_fresh_fai_is_refused(
        damage: str, tmp_path: Path, vcf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The .fai fits, the .gzi does not: htslib would read the wrong blocks."""
    fasta = _write(tmp_path / "ref.fa.gz", _fasta_text(), bgzip=True, index=True)
    gzi = Path(f"{fasta}.gzi")
    if damage == "gzi_of_another_file":  # same layout, other bases: other block offsets
        other = _write(tmp_path / "other.fa.gz", _fasta_text().replace("G", "A"), bgzip=True,
                       index=True)
        shutil.copy(f"{other}.gzi", gzi)
    elif damage == "gzi_junk":
        gzi.write_bytes(os.urandom(20))
    else:
        gzi.write_bytes(gzi.read_bytes()[:-16])
    before = _files(tmp_path)
    outcome = _catalog(capsys, fasta, vcf, tmp_path / "out", f"bgzip_fasta_{damage}")
    assert_clear_error(outcome, f"reference FASTA {fasta}", str(gzi), "does not match",
                       "delete the .fai and the .gzi")
    assert _files(tmp_path) == before


def test_a_bgzip_fasta_naming_a_contig_twice_is_refused_and_its_index_taken_back(
        tmp_path: Path, vcf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As for a plain FASTA: htslib would index the first chr2 and skip the second."""
    text = _fasta_text() + _fasta_text(("chr2",))
    fasta = _write(tmp_path / "ref.fa.gz", text, bgzip=True)
    outcome = _catalog(capsys, fasta, vcf, tmp_path / "out", "bgzip_fasta_contig_twice")
    assert_clear_error(outcome, str(fasta), "chr2", "own name")
    assert not Path(f"{fasta}.fai").exists() and not Path(f"{fasta}.gzi").exists()
    assert not (tmp_path / "out").exists()


# --- layouts htslib cannot index -----------------------------------------------------------

def _lines(text: str) -> list[str]:
    """The FASTA's lines without their line ends."""
    return text.split("\n")[:-1]


def _edited(edit: str) -> bytes:
    """The small test genome (chr2, chr3; 60 bases a line) with one layout fault.

    Lines: 1 is ">chr2", 2-15 its sequence (14 lines, the last of 20 bases), 16 ">chr3", 17-26
    its sequence.
    """
    lines = _lines(_fasta_text(("chr2", "chr3")))
    if edit == "longer_line":  # 10 bases of line 4 moved up to line 3
        lines[2], lines[3] = lines[2] + lines[3][:10], lines[3][10:]
    elif edit == "shorter_line":  # line 4 loses 10 bases to line 5
        lines[3], lines[4] = lines[3][:50], lines[3][50:] + lines[4]
    elif edit == "space":
        lines[1] = lines[1][:30] + " " + lines[1][30:]
    elif edit == "blank_line":
        lines.insert(4, "")
    elif edit == "mixed_line_ends":
        lines = [line + "\r" if number < 5 else line for number, line in enumerate(lines)]
    elif edit == "empty_last_contig":
        lines.append(">chrEmpty")
    text = "\n".join(lines) + "\n"
    return (text.replace("\n", "\r") if edit == "cr_only" else text).encode()


#: Per fault: what the message must name (after the FASTA) and the fix it must give.
LAYOUT_FAULTS = {
    "longer_line": ("contig chr2, line 3", "70 bases, more than the 60", "seqkit seq -w 60"),
    "shorter_line": ("contig chr2, line 4", "50 bases, fewer than the 60",
                     "not the contig's last line", "seqkit seq -w 60"),
    "space": ("contig chr2, line 2", "a space at column 31", "[[:space:]]",
              "seqkit seq -w 60"),
    "blank_line": ("contig chr2", "blank line inside its sequence (line 5)",
                   "seqkit seq -w 60"),
    "cr_only": ("contig chr2, line 1", "carriage return", "CR alone", "tr '\\r' '\\n'"),
    "mixed_line_ends": ("contig chr2", "ends with CR LF", "with LF alone", "sed 's/\\r$//'"),
    "empty_last_contig": ("last contig chrEmpty (line 27) has no sequence",
                          "Remove that header line"),
}


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "bgzip"])
@pytest.mark.parametrize("fault", sorted(LAYOUT_FAULTS))
def test_a_layout_htslib_cannot_index_names_contig_line_and_fix(
        fault: str, compressed: bool, tmp_path: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every layout fault used to get one message about writable folders and stale indexes."""
    fasta = _write(tmp_path / ("ref.fa.gz" if compressed else "ref.fa"), _edited(fault),
                   bgzip=compressed)
    before = _files(tmp_path)
    outcome = _catalog(capsys, fasta, vcf, tmp_path / "out",
                       f"fasta_{fault}_{'bgzip' if compressed else 'plain'}")
    assert_clear_error(outcome, f"reference FASTA {fasta}: htslib cannot index it",
                       *LAYOUT_FAULTS[fault])
    assert "writable" not in outcome.err and "stale" not in outcome.err
    assert "[E::" not in outcome.err  # htslib's own line is replaced by the message
    if compressed and fault != "empty_last_contig":
        assert f"bgzip -dc {fasta} |" in outcome.err and "| bgzip > FIXED.fa.gz" in outcome.err
    assert _files(tmp_path) == before


def test_opportunities_on_unequal_lines_names_contig_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fasta = _write(tmp_path / "w.fa", _edited("longer_line"))
    before = _files(tmp_path)
    outcome = _opportunities(capsys, fasta, tmp_path / "opp.tsv", "opportunities_unequal_lines")
    assert_clear_error(outcome, str(fasta), "contig chr2, line 3", "seqkit seq -w 60")
    assert _files(tmp_path) == before


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "bgzip"])
def test_a_fasta_starting_with_a_byte_order_mark_says_so(
        compressed: bool, tmp_path: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """It used to be 'starts with binary data', with no word of the mark or the fix."""
    fasta = _write(tmp_path / ("bom.fa.gz" if compressed else "bom.fa"),
                   b"\xef\xbb\xbf" + _fasta_text().encode(), bgzip=compressed)
    before = _files(tmp_path)
    outcome = _catalog(capsys, fasta, vcf, tmp_path / "out", "fasta_bom")
    assert_clear_error(outcome, str(fasta), "UTF-8 byte-order mark", "tail -c +4",
                       "FIXED.fa")
    assert "binary data" not in outcome.err
    if compressed:
        assert f"bgzip -dc {fasta} | tail -c +4 | bgzip > FIXED.fa.gz" in outcome.err
    assert _files(tmp_path) == before


# --- htslib's messages ---------------------------------------------------------------------

def test_htslib_messages_are_held_back_and_stderr_restored(
        capfd: pytest.CaptureFixture[str]) -> None:
    """What C code writes to file descriptor 2 inside the block is captured; afterwards fd 2
    writes where it did before, also when the block raised."""
    said: list[str] = []
    with pytest.raises(OSError), _stderr_captured(said):
        os.write(2, b"[E::fai_build_core] Different line length\n")
        raise OSError("failed")
    os.write(2, b"after\n")
    assert said == ["[E::fai_build_core] Different line length\n"]
    assert capfd.readouterr().err == "after\n"


def test_a_repeated_contig_is_named_with_its_two_lines(
        tmp_path: Path, vcf: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A contig name used twice: the message names it and the lines of both headers (htslib
    indexes only the first); htslib's own warning about it is no longer printed beside it
    (sigforge's message says more), nor any other htslib warning."""
    fasta = _write(tmp_path / "ref.fa", _fasta_text() + _fasta_text(("chr3",)))
    outcome = _catalog(capfd, fasta, vcf, tmp_path / "out", "fasta_duplicate_warning")
    chr3_lines = [n for n, line in enumerate(fasta.read_text().splitlines(), start=1)
                  if line.startswith(">chr3")]
    assert_clear_error(outcome, str(fasta), "own name",
                       f"Contig 'chr3' is named on lines {chr3_lines[0]} and {chr3_lines[1]}")
    assert "[W::" not in outcome.err


# --- a contig without a name ---------------------------------------------------------------

@pytest.mark.parametrize("indexed", [False, True])
def test_a_header_line_without_a_name_is_refused(
        indexed: bool, tmp_path: Path, vcf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'>' alone on a line: htslib indexes the sequence under it as contig '', which no VCF
    can name, so its bases would be silently unused. Refused with the neighbouring contig
    named; an index built by the run is deleted again, one the user made is left as it was."""
    text = _fasta_text(("chr1", "chr2")) + ">\nACGTACGTAC\n" + _fasta_text(("chr3",))
    reference = _write(tmp_path / "ref.fa", text, index=indexed)
    before = _files(tmp_path)
    outcome = _catalog(capsys, reference, vcf, tmp_path / "out", "fasta_nameless_contig")
    assert_clear_error(outcome, f"reference FASTA {reference}", "without a contig name",
                       "after contig 'chr2'", "contig 3 of 4", "10 bases")
    assert ("delete the FASTA's .fai" in outcome.err) == indexed
    assert _files(tmp_path) == before


# --- contigs without a base ----------------------------------------------------------------

@pytest.mark.parametrize("bgzip", [False, True])
def test_contigs_without_bases_are_warned_of_not_called_repeated_names(
        bgzip: bool, tmp_path: Path, vcf: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """htslib leaves a contig without bases out of the index, and the bytes of its header
    line between two indexed contigs read as 'a contig name used twice?' (refused); its
    variants could only be contig_missing. Now the catalog is the plain genome's, with a
    warning naming the empty contigs. (An empty last contig is refused by htslib itself,
    with the fix.)"""
    text = (_fasta_text(("chr1",)) + ">chrEmpty\n\n>chrVoid empty\n"
            + _fasta_text(("chr2", "chr3")))
    reference = _write(tmp_path / "ref.fa.gz" if bgzip else tmp_path / "ref.fa", text,
                       bgzip=bgzip)
    plain = _write(tmp_path / "plain.fa", _fasta_text())
    with caplog.at_level(logging.WARNING):
        outcome = _catalog(capsys, reference, vcf, tmp_path / "out", "fasta_empty_contigs")
    assert outcome.code == 0, outcome.err
    assert "contig(s) chrEmpty, chrVoid hold no bases" in caplog.text
    assert _catalog(capsys, plain, vcf, tmp_path / "plain_out", "fasta_plain").code == 0
    _same_catalogs(tmp_path / "out", tmp_path / "plain_out")


@pytest.mark.parametrize("byte", [" ", "\t", "\x01", "\x7f"])
@pytest.mark.parametrize("indexed", [False, True])
def test_a_base_replaced_by_a_space_or_control_names_its_line(
        byte: str, indexed: bool, tmp_path: Path, vcf: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A base overwritten by a space keeps the line's width, so htslib indexes the FASTA a
    base short; the message spoke of a contig named twice, and with a samtools-built .fai
    told the user to delete it, which led back to the first message."""
    lines = _fasta_text().split("\n")
    lines[3] = lines[3][:10] + byte + lines[3][11:]
    fasta = _write(tmp_path / "ref.fa", "\n".join(lines), index=indexed)
    outcome = _catalog(capsys, fasta, vcf, tmp_path / "out", f"fasta_replaced_{ord(byte)}")
    assert_clear_error(outcome, f"reference FASTA {fasta}: contig chr1, line 4: its sequence "
                       "holds", "at column 11", "Sequence lines may hold bases only")
    assert "named" not in outcome.err and "own name" not in outcome.err
    assert ("delete its index" in outcome.err) == indexed

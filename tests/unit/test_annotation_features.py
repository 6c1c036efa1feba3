"""Which rows of a GTF/GFF give gene strands (SBS288), and strand cells as written.

NCBI's GFF3 mixes ``mRNA`` rows (coding genes) with ``transcript`` rows (some non-coding
ones); taking only the features named ``transcript`` dropped every coding gene unsaid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sigforge.genomics.annotation import BOTH, MINUS_ONLY, NONE, PLUS_ONLY, read_annotation
from sigforge.io import InputError


def _gff(path: Path, rows: list[tuple[str, str, int, int, str]]) -> Path:
    """A GTF/GFF of (contig, feature, start, end, strand) rows, 1-based inclusive."""
    path.write_text("##gff-version 3\n" + "".join(
        f"{c}\tsrc\t{f}\t{s}\t{e}\t.\t{st}\t.\tID=x{i}\n"
        for i, (c, f, s, e, st) in enumerate(rows)))
    return path


def _states(annotation, contig: str, positions: list[int]) -> list[int]:
    """States at 1-based positions."""
    return annotation.states(contig, np.asarray(positions) - 1).tolist()


def test_mrna_and_other_rna_rows_count_as_transcripts(tmp_path: Path) -> None:
    gff = _gff(tmp_path / "refseq.gff3", [
        ("chr1", "gene", 1, 100, "+"), ("chr1", "mRNA", 1, 40, "+"), ("chr1", "exon", 1, 10, "+"),
        ("chr1", "lnc_RNA", 60, 100, "+"),
        ("chr2", "gene", 10, 50, "-"), ("chr2", "transcript", 10, 50, "-")])
    annotation = read_annotation(gff)
    # 50 lies in gene1 but in none of its transcripts (they win over the gene's span)
    assert _states(annotation, "chr1", [5, 40, 50, 70, 101]) == [
        PLUS_ONLY, PLUS_ONLY, NONE, PLUS_ONLY, NONE]
    assert _states(annotation, "chr2", [9, 10, 50]) == [NONE, MINUS_ONLY, MINUS_ONLY]


def test_a_gene_without_transcript_rows_is_kept(tmp_path: Path) -> None:
    """A GTF assembled from a source with transcript rows and one with genes only."""
    gtf = _gff(tmp_path / "merged.gtf", [
        ("chr1", "gene", 1, 100, "+"), ("chr1", "transcript", 1, 100, "+"),
        ("chr1", "gene", 150, 200, "-"),                    # no transcript: kept
        ("chr2", "gene", 1, 30, "+"),                       # no transcript on chr2 at all
        ("chr1", "gene", 90, 120, "+"), ("chr1", "transcript", 95, 120, "+")])
    annotation = read_annotation(gtf)
    assert _states(annotation, "chr1", [50, 92, 130, 150, 200, 201]) == [
        PLUS_ONLY, PLUS_ONLY, NONE, MINUS_ONLY, MINUS_ONLY, NONE]
    assert _states(annotation, "chr2", [1, 30, 31]) == [PLUS_ONLY, PLUS_ONLY, NONE]


def test_genes_alone_are_read_when_no_row_is_a_transcript(tmp_path: Path) -> None:
    gtf = _gff(tmp_path / "genes.gtf", [("chr1", "gene", 1, 100, "+"),
                                         ("chr1", "gene", 50, 150, "-")])
    assert _states(read_annotation(gtf), "chr1", [10, 60, 120]) == [PLUS_ONLY, BOTH, MINUS_ONLY]


@pytest.mark.parametrize("strand", ["+ ", " +", "+\u0020\u0020"])
def test_a_padded_strand_or_contig_keeps_its_gene(tmp_path: Path, strand: str) -> None:
    """'+ ' passed the strand check (which strips it) but keyed the gene under '+ ', which no
    lookup asks for: its mutations were counted as outside genes."""
    bed = tmp_path / "genes.bed"
    bed.write_text(f"chr1\t0\t100\tg1\t0\t{strand}\nchr2 \t0\t50\tg2\t0\t-\n")
    annotation = read_annotation(bed)
    assert _states(annotation, "chr1", [1, 100, 101]) == [PLUS_ONLY, PLUS_ONLY, NONE]
    assert _states(annotation, "chr2", [50]) == [MINUS_ONLY]


def test_exon_only_files_and_zero_starts_are_refused_with_the_fix(tmp_path: Path) -> None:
    exons = _gff(tmp_path / "ucsc.gtf", [("chr1", "exon", 1, 100, "+"),
                                          ("chr1", "CDS", 5, 90, "+")])
    with pytest.raises(InputError, match=r"no transcript or gene rows \(its features: "
                                         r"exon, CDS\).*AGAT"):
        read_annotation(exons)
    zero = _gff(tmp_path / "zero.gtf", [("chr1", "gene", 0, 100, "+")])
    with pytest.raises(InputError, match=r"zero\.gtf, line 2: start 0 is not a 1-based "
                                         r"position.*name it \.bed"):
        read_annotation(zero)


def test_a_negative_start_is_named_as_such(tmp_path: Path) -> None:
    """'chr1 -5 3000' was said to end (3000) before it starts (-5)."""
    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t10\t300\tg1\t0\t+\nchr1\t-5\t3000\tg2\t0\t-\n")
    with pytest.raises(InputError, match=r"genes.bed, line 2: the start \(-5, 0-based\) is "
                                         r"negative.*0 in a BED and at 1 in a GTF"):
        read_annotation(bed)


def test_an_empty_gene_interval_is_refused_as_a_regions_bed_refuses_it(tmp_path: Path) -> None:
    """A BED gene with start = end, and a GTF gene whose start is one past its end (a swapped
    or shifted line), became an empty interval that passed the check, its mutations counted
    as untranscribed; the regions BED refused the same line."""
    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t10\t300\tg1\t0\t+\nchr1\t400\t400\tg2\t0\t-\n")
    with pytest.raises(InputError, match=r"genes.bed, line 2: the interval holds no base "
                                         r"\(start and end are both 400"):
        read_annotation(bed)
    gtf = _gff(tmp_path / "swapped.gtf", [("chr1", "gene", 10, 300, "+"),
                                          ("chr1", "gene", 501, 500, "-")])
    with pytest.raises(InputError, match=r"swapped.gtf, line 3: the interval holds no base"):
        read_annotation(gtf)
    one_base = _gff(tmp_path / "one.gtf", [("chr1", "gene", 500, 500, "-")])
    assert _states(read_annotation(one_base), "chr1", [499, 500, 501]) == [
        NONE, MINUS_ONLY, NONE]


def test_a_gene_bed_written_with_spaces_reads_as_with_tabs(tmp_path: Path) -> None:
    """A BED6 line with spaces for tabs is read as the regions BEDs read one; it was refused
    as '1 columns'. A line whose name would hold spaces is refused: its strand column is
    ambiguous."""
    rows = [("chr1", 10, 40, "g1", "0", "+"), ("chr1", 60, 90, "g2", ".", "-")]
    tabs, spaces = tmp_path / "tabs.bed", tmp_path / "spaces.bed"
    tabs.write_text("".join("\t".join(map(str, row)) + "\n" for row in rows))
    spaces.write_text("".join("  ".join(map(str, row)) + "\n" for row in rows))
    positions = [5, 11, 40, 41, 61, 90, 91]
    expected = [NONE, PLUS_ONLY, PLUS_ONLY, NONE, MINUS_ONLY, MINUS_ONLY, NONE]
    assert _states(read_annotation(tabs), "chr1", positions) == expected
    assert _states(read_annotation(spaces), "chr1", positions) == expected
    named = tmp_path / "named.bed"
    named.write_text("chr1 10 40 tumour protein p53 0 +\n")
    with pytest.raises(InputError, match=r"named.bed, line 1: .*no tab and 8 space-separated "
                       r"fields, so its name is ambiguous"):
        read_annotation(named)

"""Per-mutation attribution of a patient's VCF (mutation_probabilities.tsv) against a
brute-force computation, and regions of interest: BED parsing, its errors, and the 0-based
half-open boundaries in regions_of_interest.tsv."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.regions import read_regions, variants_in_regions
from sigforge.io import InputError

PYRIMIDINE_ALT = {"C": "T", "G": "A"}  # C>T on either strand
OTHER_ALT = {"C": "A", "G": "T"}       # C>A on either strand
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _signature_table(path: Path) -> pd.DataFrame:
    """Three signatures: C>T only; half C>T half C>A; T>G only (so T>A is nobody's)."""
    labels = pd.Index(SBS96_CHANNELS, name="MutationType")
    kind = pd.Series([label[2:5] for label in labels], index=labels)
    table = pd.DataFrame({"onlyCT": (kind == "C>T") / 16.0,
                          "mixed": (kind == "C>T") / 32.0 + (kind == "C>A") / 32.0,
                          "onlyTG": (kind == "T>G") / 16.0}, index=labels)
    table.to_csv(path, sep="\t")
    return table


@pytest.fixture
def patient(tmp_path: Path, make_fasta: Callable[..., Path],
            make_vcf: Callable[..., Path]) -> dict:
    """A FASTA (contig chr1), a VCF naming it '1' with 31 isolated SNVs (C>T and C>A on both
    strands, one T>A that no signature produces), and the refit's output folder."""
    rng = np.random.default_rng(7)
    sequence = "".join(rng.choice(list("ACGT"), size=3000))
    fasta = make_fasta({"chr1": sequence})
    strong = [p for p in range(20, 2980, 40) if sequence[p - 1] in "CG"][:30]
    weak = next(p for p in range(50, 2980, 60) if sequence[p - 1] in "AT")
    records = [("1", p, sequence[p - 1],
                (PYRIMIDINE_ALT if i % 3 else OTHER_ALT)[sequence[p - 1]], "PASS")
               for i, p in enumerate(strong)]
    records.append(("1", weak, sequence[weak - 1], "A" if sequence[weak - 1] == "T" else "T",
                    "PASS"))
    records.sort(key=lambda r: r[1])
    records.append(("1", 2990, sequence[2989], "N", "PASS"))  # skipped: not in the tables
    signatures = _signature_table(tmp_path / "signatures.tsv")
    out = tmp_path / "out"
    vcf = make_vcf(records, name="patient.vcf")
    args = ["refit", "--vcf", str(vcf), "--reference", str(fasta), "--signatures",
            str(tmp_path / "signatures.tsv"), "--method", "nnls", "--bootstrap", "0",
            "--out", str(out)]
    return {"sequence": sequence, "records": records[:-1], "signatures": signatures,
            "args": args, "out": out, "tmp": tmp_path}


def _brute_force(signatures: pd.DataFrame, exposures: pd.Series, channel: str
                 ) -> tuple[list[float], bool]:
    """P(signature | channel) by a loop over signatures; the flat-prior fallback when the
    model gives the channel nothing."""
    names = list(signatures.columns)
    weights = [signatures.loc[channel, n] * exposures[n] for n in names]
    total = sum(weights)
    if total > 0:
        return [w / total for w in weights], True
    own = [signatures.loc[channel, n] for n in names]
    return ([w / sum(own) for w in own] if sum(own) > 0 else [1 / len(names)] * len(names),
            False)


def _pyrimidine_label(context: str, alt: str) -> str:
    if context[1] in "AG":
        context, alt = context.translate(COMPLEMENT)[::-1], alt.translate(COMPLEMENT)
    return f"{context[0]}[{context[1]}>{alt}]{context[2]}"


def test_mutation_probabilities_match_a_brute_force_loop(patient: dict) -> None:
    assert main(patient["args"]) == 0
    out = patient["out"]
    table = pd.read_csv(out / "mutation_probabilities.tsv", sep="\t", dtype={"chrom": str})
    exposures = pd.read_csv(out / "exposures.tsv", sep="\t", index_col=0).iloc[:, 0]
    signatures = patient["signatures"]
    names = list(signatures.columns)
    assert list(table.columns) == ["chrom", "pos", "ref", "alt", "context", "channel", *names,
                                   "explained"]
    assert len(table) == len(patient["records"]) == 31
    assert exposures["mixed"] > 0 and exposures["onlyCT"] > 0 and exposures["onlyTG"] == 0
    sequence = patient["sequence"]
    for row, (chrom, pos, ref, alt, _) in zip(table.itertuples(index=False),
                                              patient["records"], strict=True):
        assert (row.chrom, row.pos, row.ref, row.alt) == (chrom, pos, ref, alt)
        assert row.context == sequence[pos - 2:pos + 1]
        assert row.channel == _pyrimidine_label(row.context, alt)
        expected, explained = _brute_force(signatures, exposures, row.channel)
        np.testing.assert_allclose([getattr(row, n) for n in names], expected, rtol=1e-5,
                                   atol=1e-6)
        assert bool(row.explained) == explained
    np.testing.assert_allclose(table[names].sum(axis=1), 1.0, atol=1e-5)
    assert (~table["explained"]).sum() == 1  # the T>A: nobody's channel, kept and flagged
    assert ((table[names] > 0) & (table[names] < 1)).any().any()  # non-trivial posteriors
    header = (out / "regions_of_interest.tsv").read_text()
    assert header == ("region\tregion_chrom\tregion_start\tregion_end\ttype\tchrom\tpos\tref"
                      "\talt\tcontext\tchannel\tsignature\tprobability\texplained\n")


def test_regions_of_interest_boundaries_are_bed_half_open(patient: dict) -> None:
    """A variant at 1-based P is in 'P-1 E' and 'S P', not in 'P E' nor 'S P-1'; 'chr1' in
    the BED finds the VCF's '1'; a variant in two regions is listed under each."""
    p = patient["records"][10][1]
    bed = patient["tmp"] / "regions.bed.gz"
    with gzip.open(bed, "wt") as handle:
        handle.write(f"browser position chr1\ntrack name=genes\n# comment\n\n"
                     f"chr1\t{p}\t{p + 5}\tstarts_at_pos\n"
                     f"chr1\t{p - 1}\t{p + 5}\tstarts_before\n"
                     f"chr1\t{p - 5}\t{p}\n"
                     f"chr1\t{p - 5}\t{p - 1}\tends_before\n"
                     f"chr2\t0\t100\telsewhere\n")
    assert main([*patient["args"], "--regions-of-interest", str(bed)]) == 0
    out = patient["out"]
    hits = pd.read_csv(out / "regions_of_interest.tsv", sep="\t", dtype={"chrom": str})
    assert list(hits["region"]) == ["starts_before", f"chr1:{p - 4}-{p}"]
    assert set(hits["pos"]) == {p}
    table = pd.read_csv(out / "mutation_probabilities.tsv", sep="\t", dtype={"chrom": str})
    row = table[table["pos"] == p].iloc[0]
    names = list(patient["signatures"].columns)
    best = max(names, key=lambda n: row[n])
    for hit in hits.itertuples(index=False):
        assert (hit.chrom, hit.ref, hit.alt, hit.context, hit.channel) == (
            row["chrom"], row["ref"], row["alt"], row["context"], row["channel"])
        assert hit.signature == best and hit.probability == pytest.approx(row[best])


@pytest.mark.parametrize(("line", "message"), [
    ("chr1\t5", "line 3: 2 column(s), expected at least 3"),
    ("chr1\tten\t20", "line 3: start 'ten' is not a whole number"),
    ("chr1\t5\t2.5", "line 3: end '2.5' is not a whole number"),
    ("chr1\t20\t10", "line 3: end 10 is not greater than start 20"),
    ("chr1\t-3\t10", "line 3: start -3 is negative"),
])
def test_bad_bed_lines_are_named_and_nothing_is_written(
        patient: dict, line: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    bed = patient["tmp"] / "bad.bed"
    bed.write_text(f"track name=x\nchr1\t0\t10\tok\n{line}\n")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_regions(bed)
    assert main([*patient["args"], "--regions-of-interest", str(bed)]) == 2
    err = capsys.readouterr().err
    assert f"--regions-of-interest {bed}, {message}" in err and "0-based half-open" in err
    assert not patient["out"].exists()


def test_bed_without_regions_or_with_a_catalog_is_refused(patient: dict) -> None:
    bed = patient["tmp"] / "empty.bed"
    bed.write_text("track name=x\n# nothing\n")
    with pytest.raises(InputError, match="no region found"):
        read_regions(bed)
    with pytest.raises(InputError, match="file not found"):
        read_regions(patient["tmp"] / "absent.bed")
    bed.write_text("chr1\t0\t10\n")
    catalog = patient["tmp"] / "catalog.tsv"
    patient["signatures"].mul(100).round().to_csv(catalog, sep="\t")
    assert main(["refit", "--catalog", str(catalog), "--signatures", "COSMIC_v3.6",
                 "--regions-of-interest", str(bed), "--out", str(patient["out"])]) == 2
    assert not patient["out"].exists()


def test_read_regions_names_and_whitespace(tmp_path: Path) -> None:
    bed = tmp_path / "r.bed"
    bed.write_text("chr1 10 20\nchr2\t0\t5\tTP53 exon 5\t0\t+\nchrM\t1\t3\t.\n")
    regions = read_regions(bed)
    assert list(regions["region"]) == ["chr1:11-20", "TP53 exon 5", "chrM:2-3"]
    assert list(regions["line"]) == [1, 2, 3]
    hits = variants_in_regions(pd.Series(["1", "MT", "1"]), pd.Series([11, 2, 21]), regions,
                               {"1": "chr1", "chr1": "chr1", "MT": "chrM", "chrM": "chrM"}.get)
    assert hits.to_numpy().tolist() == [[0, 0], [2, 1]]


def test_probability_text_formats_each_channel_once_but_never_wrongly() -> None:
    """Rows of one channel share their probabilities (formatted once); a table where they do
    not (edited by a caller) is still written row by row, exactly."""
    from sigforge.genomics.mutation_tables import mutation_probabilities_text

    table = pd.DataFrame({"chrom": ["1", "1", "2"], "pos": [5, 9, 7], "ref": ["C", "G", "C"],
                          "alt": ["T", "A", "A"], "context": ["ACG", "CGT", "ACA"],
                          "channel": ["A[C>T]G", "A[C>T]G", "A[C>A]A"],
                          "S1": [0.25, 0.25, 1 / 3], "S2": [0.75, 0.75, 2 / 3],
                          "explained": [True, True, False]})
    for frame in (table, table.assign(S1=[0.25, 0.5, 1 / 3], S2=[0.75, 0.5, 2 / 3])):
        text = mutation_probabilities_text(frame)
        assert text == frame.to_csv(sep="\t", index=False, float_format="%.6g",
                                    lineterminator="\n")


def test_a_signature_named_like_a_column_is_refused(patient: dict,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = patient["tmp"] / "signatures.tsv"
    patient["signatures"].rename(columns={"mixed": "pos"}).to_csv(path, sep="\t")
    assert main(patient["args"]) == 2
    assert "signatures named ['pos'] clash with the columns" in capsys.readouterr().err
    assert not patient["out"].exists()



def test_vcf_sample_names_the_patient_and_picks_its_variants(
        patient: dict, make_vcf: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    # T1 carries every variant, T2 none: T1's refit is the single-sample VCF's, under T1's name
    assert main(["-q", *patient["args"]]) == 0
    alone = pd.read_csv(patient["out"] / "exposures.tsv", sep="\t", index_col=0).iloc[:, 0]
    records = [(*record, "0/1", "0/0") for record in patient["records"]]
    args = list(patient["args"])
    args[args.index("--vcf") + 1] = str(make_vcf(records, name="cohort.vcf",
                                                 samples=("T1", "T2")))
    for sample in ("T1", "T2"):
        args[args.index("--out") + 1] = str(patient["tmp"] / sample)
        code = main(["-q", *args, "--vcf-sample", sample])
        assert code == (0 if sample == "T1" else 2)
    exposures = pd.read_csv(patient["tmp"] / "T1" / "exposures.tsv", sep="\t", index_col=0)
    assert list(exposures.columns) == ["T1"]
    assert exposures["T1"].to_numpy() == pytest.approx(alone.to_numpy())
    assert (patient["tmp"] / "T1" / "patients" / "T1.html").exists()
    assert "no SNV of sample 'T2' could be counted" in capsys.readouterr().err


def test_overlapping_regions_count_each_variant_once(patient: dict,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Three identical regions reported three times the SNVs they hold (a count of rows of
    regions_of_interest.tsv, one per variant and region, not of variants)."""
    bed = patient["tmp"] / "overlap.bed"
    bed.write_text("".join(f"chr1\t0\t3000\t{name}\n" for name in "ABC"))
    with caplog.at_level("INFO"):
        assert main([*patient["args"], "--regions-of-interest", str(bed)]) == 0
    hits = pd.read_csv(patient["out"] / "regions_of_interest.tsv", sep="\t",
                       dtype={"chrom": str})
    snvs = hits[hits["type"] == "SBS96"].drop_duplicates(subset=["pos", "ref", "alt"])
    assert len(snvs) > 0 and len(hits) == 3 * len(snvs)
    assert (f"regions of interest: {len(snvs)} counted SNV(s), 0 doublet(s) (DBS78) and 0 "
            f"indel(s) (ID83) in 3 of 3 region(s) ({len(hits)} rows" in caplog.text)

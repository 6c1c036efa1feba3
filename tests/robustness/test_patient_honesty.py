"""Patient pages that stated more than their numbers support, found by a red-team sweep.

A page refitted to a user's (or a de novo) signature table matched that table against itself,
so every signature read as "itself a COSMIC reference signature" at cosine 1 (a tobacco
profile named SBS7a was presented as COSMIC's UV signature); a variant in a region of interest
whose channel no signature of the fit produces was listed with a "most likely" signature at
probability 1; the doublet and indel sections of a page without bootstrap intervals stated
aetiologies the SNV section withheld.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics.reference import load_reference
from sigforge.io import write_matrix
from tests.conftest import write_fasta, write_vcf
from tests.robustness._harness import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"
GENOME = EXAMPLE / "genome.fa"
S01 = EXAMPLE / "vcfs" / "S01.vcf"  # simulated from SBS1, SBS4 and SBS7a


def _refit(capsys: pytest.CaptureFixture[str], out: Path, signatures: str, *options: str,
           vcf: Path = S01, reference: Path = GENOME) -> str:
    """``sigforge refit --vcf``; the patient page's text, tags removed."""
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(reference),
                      "--signatures", signatures, *options, "--out", str(out))
    assert outcome.code == 0, outcome.err
    pages = list((out / "patients").glob("*.html"))
    assert len(pages) == 1
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages[0].read_text())))


def test_a_user_table_is_matched_against_cosmic_not_against_itself(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cosmic = load_reference("COSMIC_v3.6").data
    swapped = cosmic[["SBS1", "SBS4", "SBS7a", "SBS5"]].copy()
    swapped.columns = ["SBS1", "SBS7a", "SBS4", "SBS5"]  # tobacco's profile named SBS7a
    table = tmp_path / "mine.tsv"
    write_matrix(swapped, table)
    text = _refit(capsys, tmp_path / "out", str(table), "--bootstrap", "50", "--seed", "1")
    assert re.search(r"SBS7a , which resembles COSMIC SBS4 \(cosine 1\.000\)", text), text
    assert "SBS7a , which is itself a COSMIC" not in text
    assert re.search(r"SBS1 [^.]*itself a COSMIC signature", text)
    # the aetiology is the matched COSMIC signature's (SBS4: tobacco), not the name's (UV)
    row = re.search(r"SBS7a [\d,]+ [\d,.]+ – [\d,]+ [\d.]+% [\d.]+% ([^|]*?) SBS", text)
    assert row is not None and "tobacco" in row.group(1).lower(), text


def _channel_signatures(tmp_path: Path) -> Path:
    """One signature spread over the 16 C>T channels alone."""
    channels = load_reference("COSMIC_v3.6").data.index
    weights = np.array([1.0 if "[C>T]" in c else 0.0 for c in channels])
    path = tmp_path / "ct_only.tsv"
    write_matrix(pd.DataFrame({"SigCT": weights / weights.sum()}, index=channels), path)
    return path


def test_a_variant_no_fitted_signature_produces_gets_no_signature(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(5)
    sequence = "".join(rng.choice(list("ACGT"), size=3000))
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    cs = [p for p in range(10, 2900) if sequence[p - 1] == "C"][:40]
    t = next(p for p in range(10, 2900) if sequence[p - 1] == "T")
    records = [("chr1", p, "C", "T", "PASS") for p in cs] + [("chr1", t, "T", "C", "PASS")]
    vcf = write_vcf(tmp_path / "p.vcf", sorted(records, key=lambda r: r[1]))
    bed = tmp_path / "all.bed"
    bed.write_text("chr1\t0\t3000\tall\n")
    text = _refit(capsys, tmp_path / "out", str(_channel_signatures(tmp_path)),
                  "--regions-of-interest", str(bed), "--bootstrap", "50", vcf=vcf,
                  reference=fasta)
    regions = pd.read_csv(tmp_path / "out/regions_of_interest.tsv", sep="\t", dtype=str,
                          keep_default_na=False).set_index("pos")
    assert regions.loc[str(t), ["signature", "probability", "explained"]].tolist() == [
        "", "", "False"]
    assert (regions.drop(index=str(t))["signature"] == "SigCT").all()
    assert (regions.drop(index=str(t))["explained"] == "True").all()
    assert "1 listed variant(s) have no signature: no signature this fit uses" in text


def test_doublet_and_indel_sections_withhold_what_the_snv_section_withholds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --bootstrap 0 the page's caution says no exposure is established and the SNV
    table hides aetiologies, while the DBS78 and ID83 tables named UV and tobacco."""
    html = _refit(capsys, tmp_path / "out", "COSMIC_v3.6", "--bootstrap", "0")
    doublets = html[html.index("Doublet base substitutions (DBS78)"):]
    doublets = doublets[:doublets.index("Small indels (ID83)")]
    assert re.search(r"DBS\d+ \d+ [\d.]+% not shown: no signature is established", doublets)
    assert "ultraviolet" not in doublets.lower() and "tobacco" not in doublets.lower()
    with_intervals = _refit(capsys, tmp_path / "b50", "COSMIC_v3.6", "--bootstrap", "50",
                            "--seed", "1")
    assert "not shown: no signature is established" not in with_intervals


def test_a_fit_missing_the_tumours_processes_states_no_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """S01 (SBS1, SBS4, SBS7a; 2,121 SNVs) refitted to SBS3 and SBS1 alone read "Most of this
    sample's 2,121 SNVs (64%) are attributed to SBS3" with the HR-deficiency aetiology: cosine
    0.84 is above what overdispersed counting noise leaves at that burden (0.77), so only the
    whole set's refit shows the missing processes."""
    text = _refit(capsys, tmp_path / "cut", "COSMIC_v3.6", "--restrict-to", "SBS3,SBS1",
                  "--bootstrap", "50", "--seed", "1")
    assert re.search(r"a refit to all of COSMIC_v3.6 \(its possible sequencing-artefact "
                     r"signatures included\) explains them decisively better \(by \d+ "
                     r"log-likelihood units.*outside the fitted set: SBS4, SBS7a", text), text
    assert "No signature is established in this sample's 2,121 SNVs" in text
    assert "are attributed to SBS3" not in text and "homologous" not in text.lower()
    for options in (("--restrict-to", "SBS1,SBS4,SBS7a"), ()):  # the true set; all of COSMIC
        text = _refit(capsys, tmp_path / "_".join(options or ("all",)), "COSMIC_v3.6",
                      *options, "--bootstrap", "50", "--seed", "1")
        assert "explains them decisively better" not in text
        assert "No signature is established" not in text


def test_uncounted_variants_in_the_regions_are_said(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A LowQual SNV inside a region vanished from the regions section: a reader could not
    tell "no variant in this gene" from "one, filtered"."""
    rng = np.random.default_rng(6)
    sequence = "".join(rng.choice(list("ACGT"), size=3000))
    fasta = write_fasta(tmp_path / "ref.fa", {"chr1": sequence})
    cs = [p for p in range(10, 2900) if sequence[p - 1] == "C"]
    records = [("chr1", p, "C", "T", "PASS") for p in cs[:40]]
    records += [("chr1", cs[41], "C", "T", "LowQual"), ("chr1", cs[42], "C", "T", "LowQual")]
    vcf = write_vcf(tmp_path / "p.vcf", sorted(records, key=lambda r: r[1]))
    bed = tmp_path / "gene.bed"
    bed.write_text(f"chr1\t{cs[41] - 1}\t{cs[41]}\tGENE1\nchr1\t{cs[0] - 1}\t{cs[0]}\tGENE2\n")
    text = _refit(capsys, tmp_path / "out", "COSMIC_v3.6", "--regions-of-interest", str(bed),
                  "--bootstrap", "50", vcf=vcf, reference=fasta)
    assert ("The regions also hold 1 filtered variant(s) that no catalog counted" in text), text
    regions = pd.read_csv(tmp_path / "out/regions_of_interest.tsv", sep="\t", dtype=str)
    assert regions["region"].tolist() == ["GENE2"]  # the counted one is listed, as before


def _signature_sample(tmp_path: Path, mix: dict[str, float], burden: int,
                      seed: int = 1) -> tuple[Path, Path]:
    """A random 400-kb genome and one patient's VCF of ``burden`` SNVs drawn from a mix of
    COSMIC v3.6 SBS96 signatures (even positions only, so that no two SNVs make a doublet)."""
    rng = np.random.default_rng(seed)
    sequence = "".join(rng.choice(list("ACGT"), size=400_000))
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": sequence})
    positions: dict[str, list[int]] = {}
    for p in range(2, len(sequence) - 1, 2):  # 0-based even p: 1-based odd positions
        if sequence[p] in "CT":
            positions.setdefault(sequence[p - 1:p + 2], []).append(p + 1)
    cosmic = load_reference("COSMIC_v3.6").data
    profile = sum(weight * cosmic[name].to_numpy() for name, weight in mix.items())
    counts = rng.multinomial(burden, profile / profile.sum())
    records = []
    for label, count in zip(cosmic.index, counts, strict=True):
        chosen = rng.choice(positions[label[0] + label[2] + label[6]], size=count,
                            replace=False)
        records += [("chr1", int(q), label[2], label[4], "PASS") for q in chosen]
    vcf = write_vcf(tmp_path / "P.vcf", sorted(records, key=lambda r: r[1]),
                    contigs={"chr1": len(sequence)})
    return vcf, fasta


@pytest.mark.parametrize("artefact", ["SBS45", "SBS56"])
def test_an_artefact_left_out_is_not_presented_as_a_biological_signature(
        artefact: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """3,000 SNVs of a possible sequencing artefact (left out of the refit by default) were
    stated as the biological signature least unlike it, with its aetiology: SBS45 as SBS38
    (ultraviolet light, cosine 0.92), SBS56 as SBS10d (POLD1 proofreading, cosine 0.98)."""
    vcf, fasta = _signature_sample(tmp_path, {artefact: 1.0}, 3000)
    text = _refit(capsys, tmp_path / "out", "COSMIC_v3.6", "--bootstrap", "50", "--seed", "1",
                  vcf=vcf, reference=fasta)
    assert "No signature is established in this sample's 3,000 SNVs" in text, text
    assert re.search(rf"all of COSMIC_v3.6 \(its possible sequencing-artefact signatures "
                     rf"included\)[^.]*{artefact}", text), text
    assert "ultraviolet" not in text.lower() and "POLD1" not in text
    shown = _refit(capsys, tmp_path / "with", "COSMIC_v3.6", "--include-artefacts",
                   "--bootstrap", "50", "--seed", "1", vcf=vcf, reference=fasta)
    assert "No signature is established" not in shown
    assert re.search(rf"{artefact} [\d,]+ [\d,]+ – [\d,]+", shown), shown


def test_a_tumour_with_a_little_artefact_keeps_its_findings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The artefact check withholds a page only when the artefacts take most of the sample:
    a tumour of SBS1 and SBS13 with 10% SBS45 keeps both as findings."""
    vcf, fasta = _signature_sample(tmp_path, {"SBS1": 0.5, "SBS13": 0.4, "SBS45": 0.1}, 3000)
    text = _refit(capsys, tmp_path / "out", "COSMIC_v3.6", "--bootstrap", "50", "--seed", "1",
                  vcf=vcf, reference=fasta)
    assert "No signature is established" not in text, text
    for name in ("SBS1", "SBS13"):
        assert re.search(rf"{name} [\d,]+ [\d,]+ – [\d,]+ [\d.]+% [\d.]+% {name} ", text), text


def test_a_plain_nnls_page_states_no_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--method nnls gives every signature some weight; its resamples' intervals excluded 0
    for signatures never planted, and the page stated them (pure SBS5: SBS16 and SBS32)."""
    vcf, fasta = _signature_sample(tmp_path, {"SBS5": 1.0}, 2000)
    text = _refit(capsys, tmp_path / "out", "COSMIC_v3.6", "--method", "nnls",
                  "--bootstrap", "50", "--seed", "1", vcf=vcf, reference=fasta)
    assert "No signature is established" in text and "plain NNLS" in text, text
    assert "Smaller contributions" not in text


@pytest.mark.parametrize("method", ["negbin", "nnls"])
def test_the_cohort_reports_pages_of_an_nnls_refit_state_no_finding(
        method: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow's report drew patient pages from an nnls cohort refit (refit.method:
    nnls) as from a selecting one; it is told the method and withholds their findings."""
    from tests.report_folders import write_run

    run = write_run(tmp_path / "run", patients=False).root
    out = tmp_path / "report"
    outcome = run_cli(capsys, "report", "--catalog-dir", str(run / "catalogs"),
                      "--extract-dir", str(run / "extract"), "--refit-dir", str(run / "refit"),
                      "--refit-method", method, "--threads", "1", "--out", str(out))
    assert outcome.code == 0, outcome.err
    pages = sorted((out / "patients").glob("*.html"))
    assert pages
    texts = [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text())))
             for page in pages]
    withheld = ["plain NNLS" in text and "No signature is established" in text
                for text in texts]
    assert all(withheld) if method == "nnls" else not any(withheld)


def test_a_de_novo_signature_is_decomposed_only_into_processes_the_cohort_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A de novo signature mixing planted processes was decomposed over all of COSMIC: its
    cosine-best mix named processes the cohort holds none of (platinum SBS31, APOBEC SBS2 in
    melanomas), which the report gave as aetiologies. The candidates are now the signatures
    a refit of the cohort itself uses; artefacts are left out as the refits leave them."""
    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(3)
    exposures = rng.gamma(2.0, 300.0, size=(2, 12))
    catalog = pd.DataFrame(rng.poisson(cosmic[["SBS1", "SBS5"]].to_numpy() @ exposures),
                           index=cosmic.index, columns=[f"T{i}" for i in range(12)])
    write_matrix(catalog, tmp_path / "cohort.tsv", integer=True)
    denovo = pd.DataFrame({"X": 0.6 * cosmic["SBS1"] + 0.4 * cosmic["SBS31"],
                           "Y": cosmic["SBS5"]}, index=cosmic.index)
    write_matrix(denovo, tmp_path / "denovo.tsv")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(tmp_path / "cohort.tsv"),
                      "--signatures", str(tmp_path / "denovo.tsv"), "--decompose-into",
                      "COSMIC_v3.6", "--bootstrap", "0", "--out", str(out))
    assert outcome.code == 0, outcome.err
    table = pd.read_csv(out / "decomposition.tsv", sep="\t", index_col=0)
    assert "SBS31" not in table.loc["X", "components"], table
    assert "SBS5" in table.loc["Y", "components"]

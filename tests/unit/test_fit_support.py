"""The patient page's fit checks (sigforge.report.fit_support): a spectrum the fitted
signatures explain no better than a flat one, or worse than counting noise allows, states no
finding; real signatures at low burden still do."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from tests.robustness._harness import run_cli

from sigforge.genomics.reference import load_reference
from sigforge.refit import percentile_interval
from sigforge.report.fit_support import (
    MISSING_PROCESS_GAIN,
    WiderFit,
    counting_cosines,
    fit_support,
    misses_a_process,
    no_better_than_flat,
    poorer_than_counting,
)

COSMIC = load_reference("COSMIC_v3.6").data


def _profile(*names: str) -> np.ndarray:
    mix = COSMIC[list(names)].to_numpy().mean(axis=1)
    return mix / mix.sum()


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_noise_fitted_by_flat_signatures_is_no_better_than_flat() -> None:
    """Uniform noise of 5,000 SNVs, fitted (as the COSMIC refit does) by SBS3 and SBS40b at
    cosine about 0.94: the flat spectrum explains it better, so no finding."""
    counts = np.random.default_rng(1).multinomial(5000, np.ones(96) / 96).astype(float)
    fitted = 5000 * (0.6 * _profile("SBS3") + 0.4 * _profile("SBS40b"))
    assert no_better_than_flat(counts, fitted, used=2)
    assert "no better than a flat one" in fit_support(counts, fitted, _cosine(counts, fitted),
                                                      2).reason


@pytest.mark.parametrize(("names", "burden"), [(("SBS3",), 30), (("SBS5",), 50),
                                                (("SBS40a",), 100), (("SBS1", "SBS5"), 30),
                                                (("SBS2", "SBS13"), 20)])
def test_real_signatures_at_low_burden_keep_their_findings(names: tuple[str, ...],
                                                           burden: int) -> None:
    """Flat signatures alone (SBS3, SBS5, SBS40a) and mixtures of a few dozen SNVs, fitted by
    their own profile: their cosine is low from counting alone, and they stay findings."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        counts = rng.multinomial(burden, _profile(*names)).astype(float)
        fitted = counts.sum() * _profile(*names)
        assert fit_support(counts, fitted, _cosine(counts, fitted), len(names)) is None


def test_a_fit_by_a_wrong_signature_is_poorer_than_counting_noise() -> None:
    """SBS4 (tobacco) refitted with --restrict-to SBS84 (cosine about 0.1): withheld, and the
    restriction named as a possible cause."""
    counts = np.random.default_rng(2).multinomial(300, _profile("SBS4")).astype(float)
    fitted = counts.sum() * _profile("SBS84")
    support = fit_support(counts, fitted, _cosine(counts, fitted), 1, restricted=True)
    assert support is not None and "--restrict-to" in support.warning


def test_a_loose_fit_is_judged_against_the_noise_of_its_burden() -> None:
    """Cosine 0.5 is what counting (with real genomes' overdispersion) may leave at 30 SNVs,
    and far below it at 20,000, where that noise alone leaves about 0.94 (1st percentile
    about 0.74); a close fit is never judged."""
    shares = _profile("SBS1", "SBS5")
    assert np.percentile(counting_cosines(shares, 30), 1) < 0.5
    assert 0.7 < np.percentile(counting_cosines(shares, 20000), 1) < 0.8
    assert not poorer_than_counting(30 * shares, 30 * shares, 0.5)
    assert poorer_than_counting(20000 * shares, 20000 * shares, 0.5)
    assert not poorer_than_counting(20000 * shares, 20000 * shares, 0.85)
    assert not poorer_than_counting(20000 * shares, 20000 * shares, 0.95)  # a close fit


def test_an_interval_on_a_zero_draw_includes_zero() -> None:
    """At 39 resamples the 95% interval's lower end is the smallest draw; (1 - 0.95) / 2 * 100
    is 2.500000000000002 in floating point, which stepped just past a zero draw (6e-15)."""
    draws = np.linspace(1.0, 30.0, 39)[:, None]
    draws[0] = 0.0
    lower, _ = percentile_interval(draws, 0.95)
    assert lower[0] == 0.0


def _noise_vcf(path: Path, fasta: Path, sequence: str, snvs: int) -> None:
    """A VCF of ``snvs`` SNVs at random positions with random ALTs: a flat spectrum."""
    rng = random.Random(5)
    positions = sorted(rng.sample(range(2, len(sequence) - 1), snvs))
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for pos in positions:
        ref = sequence[pos - 1]
        alt = rng.choice([b for b in "ACGT" if b != ref])
        lines.append(f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.")
    path.write_text("\n".join(lines) + "\n")


def test_a_noise_patient_page_states_no_finding(
        tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 random SNVs refitted against COSMIC: the page stated SBS3 (HR deficiency) and
    other flat signatures as established, and called the fit close. Now it warns, states no
    finding, shows no aetiology, and --bootstrap 0 states none either."""
    bases = random.Random(3)
    sequence = "".join(bases.choice("ACGT") for _ in range(60_000))
    fasta = make_fasta({"chr1": sequence})
    vcf = tmp_path / "noise.vcf"
    _noise_vcf(vcf, fasta, sequence, 2000)
    for bootstrap, warning in (("40", "no better than a flat spectrum"),
                               ("0", "No bootstrap intervals were computed")):
        out = tmp_path / f"out{bootstrap}"
        outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                          "--signatures", "COSMIC_v3.6", "--bootstrap", bootstrap,
                          "--sample-name", "P", "--out", str(out))
        assert outcome.code == 0, outcome.err
        page = (out / "patients" / "P.html").read_text(encoding="utf-8")
        reading = page.split('<section class="reading">')[1].split("</section>")[0]
        assert 'id="fit-support"' in page and warning in page
        assert "attributed to" not in reading and "No signature is established" in reading
        assert "homologous recombination" not in page and "a close fit" not in reading


def test_mixed_de_novo_signatures_are_named_as_mixes() -> None:
    """A de novo signature 57% SBS7a and 43% SBS4 was shown with SBS7a's aetiology alone
    (UV light) on the page of a tumour whose truth was 41% tobacco."""
    from sigforge.report.patient import mixture

    assert mixture("SBS7a:0.568;SBS4:0.432") == [("SBS7a", 0.568), ("SBS4", 0.432)]
    assert mixture("SBS1:1.000") == [] and mixture("SBS1:0.85;SBS5:0.15") == []
    assert mixture("SBS5:0.3;SBS40a:0.3;SBS3:0.4") == [("SBS3", 0.4), ("SBS5", 0.3),
                                                        ("SBS40a", 0.3)]


def test_a_fit_a_wider_set_beats_decisively_misses_a_process() -> None:
    """2,000 SNVs of SBS1 and SBS7a (half each) fitted by SBS1 and SBS3: cosine about 0.8,
    above the counting check's line at this burden; the wider set's fit (SBS1 + SBS7a) beats
    it by far more than MISSING_PROCESS_GAIN, so the page states no finding and names SBS7a.
    The same wider fit beside the right set, or a close fit, does not."""
    rng = np.random.default_rng(3)
    truth = _profile("SBS1", "SBS7a")
    counts = rng.multinomial(2000, truth).astype(float)
    basis = COSMIC[["SBS1", "SBS3"]].to_numpy()
    weights = np.linalg.lstsq(basis, counts, rcond=None)[0].clip(min=0)
    fitted = basis @ weights * counts.sum() / (basis @ weights).sum()
    cosine = _cosine(counts, fitted)
    assert 0.75 < cosine < 0.85
    wider = WiderFit(2000 * truth, 2, "COSMIC_v3.6", ("SBS7a",))
    gain = misses_a_process(counts, fitted, cosine, 2, wider)
    assert gain is not None and gain > 10 * MISSING_PROCESS_GAIN
    support = fit_support(counts, fitted, cosine, 2, True, wider)
    assert support is not None and "outside the fitted set: SBS7a" in support.warning
    assert fit_support(counts, fitted, cosine, 2, True) is None  # without it: let through
    right = 2000 * truth
    assert misses_a_process(counts, right, _cosine(counts, right), 2, wider) is None
    assert misses_a_process(counts, fitted, 0.96, 2, wider) is None  # a close fit states


@pytest.mark.parametrize(("method", "bootstrap"), [
    ("likelihood", "40"), ("nnls", "40"), ("negbin", "40"), ("nnls", "10"), ("negbin", "10")])
def test_snvs_in_one_channel_state_no_finding(
        method: str, bootstrap: str, tmp_path: Path, make_fasta: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Five C>T at five copies of one trinucleotide (ACG): every multinomial resample is the
    sample itself, so the likelihood and NNLS refits gave zero-width intervals and stated
    SBS30 or SBS1 with an aetiology. No finding now, with the channel named; with too few
    resamples for 95% intervals (10) too, where the page gave only the few-resamples caution
    and kept the aetiologies, as if more resamples would make one channel say more."""
    sequence = "ACGTTT" * 2000
    fasta = make_fasta({"chr1": sequence})
    vcf = tmp_path / "one.vcf"
    positions = [6 * i + 2 for i in range(10, 15)]  # the C of each ACG: A[C>T]G
    lines = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"chr1\t{pos}\t.\tC\tT\t.\tPASS\t." for pos in positions]
    vcf.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--vcf", str(vcf), "--reference", str(fasta),
                      "--signatures", "COSMIC_v3.6", "--method", method, "--bootstrap",
                      bootstrap, "--sample-name", "P", "--out", str(out))
    assert outcome.code == 0, outcome.err
    page = (out / "patients" / "P.html").read_text(encoding="utf-8")
    reading = page.split('<section class="reading">')[1].split("</section>")[0]
    assert "all fall in one channel (A[C&gt;T]G)" in page
    assert "attributed to" not in reading and "No signature is established" in reading
    assert "if present:" not in page  # no aetiology offered for any row
    assert ('id="few-resamples"' in page) == (bootstrap == "10")


def test_two_channels_are_not_one() -> None:
    observed = np.zeros(96)
    observed[[10, 20]] = 3.0
    reconstructed = _profile("SBS1", "SBS5") * 6
    support = fit_support(observed, reconstructed, _cosine(observed, reconstructed), 2)
    assert support is None or "one channel" not in support.reason

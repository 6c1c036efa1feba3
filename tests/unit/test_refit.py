"""Refitting: exact NNLS, sparse refits that neither spray nor drop, intervals that cover,
decomposition into a reference, shipped references, and per-patient mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics import read_catalog
from sigforge.genomics.reference import available_references, load_aetiology, load_reference
from sigforge.io import read_table, write_matrix
from sigforge.refit import (
    RefitOptions,
    best_matches,
    bootstrap_exposures,
    decompose_signatures,
    fit_exposures,
    percentile_interval,
    refit_catalog,
    refit_matrix,
    sample_rng,
)
from sigforge.testing import planted_counts

COSMIC = load_reference("COSMIC_v3.6").data


def _cohort(names: list[str], n: int, burden: float, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:
    """Samples using 2-4 of the named COSMIC signatures each: (counts, truth in COSMIC order)."""
    truth = np.zeros((COSMIC.shape[1], n))
    for j in range(n):
        chosen = rng.choice(len(names), size=min(len(names), rng.integers(2, 5)), replace=False)
        weights = rng.dirichlet(np.ones(len(chosen))) * 0.8 + 0.2 / len(chosen)
        for c, w in zip(chosen, weights, strict=True):
            truth[COSMIC.columns.get_loc(names[c]), j] = w * burden
    return rng.poisson(COSMIC.to_numpy() @ truth).astype(float), truth


def test_exact_refit_of_noise_free_data(rng: np.random.Generator) -> None:
    planted = planted_counts(96, 12, 4, rng=rng)
    exact = planted.signatures @ planted.exposures
    np.testing.assert_allclose(fit_exposures(exact, planted.signatures), planted.exposures,
                               atol=1e-8)


def test_sparse_refits_do_not_spray_and_do_not_drop(rng: np.random.Generator) -> None:
    names = ["SBS1", "SBS2", "SBS4", "SBS7a", "SBS13", "SBS17b", "SBS18"]
    counts, truth = _cohort(names, 30, 5000, rng)
    planted = truth > 0
    found = {m: refit_matrix(counts, COSMIC.to_numpy(), RefitOptions(method=m, bootstrap=0)) > 0
             for m in ("nnls", "likelihood", "cosine")}
    false_pos = {m: int((f & ~planted).sum()) for m, f in found.items()}
    missed = {m: int((~f & planted).sum()) for m, f in found.items()}
    assert false_pos["nnls"] > 3 * counts.shape[1]       # NNLS sprays several per sample
    assert false_pos["likelihood"] <= counts.shape[1] // 5
    assert missed["likelihood"] == 0
    assert false_pos["likelihood"] < false_pos["nnls"]


def test_intervals_cover_the_truth_at_about_the_nominal_rate() -> None:
    """The refit's 95% intervals from 60 resamples cover 95-99% of planted exposures (numpy's
    default quantile of the same draws: 93.2%)."""
    rng = np.random.default_rng(5)
    names = ["SBS1", "SBS4", "SBS7a", "SBS13", "SBS17b"]
    basis = COSMIC[names].to_numpy()
    covered, total = 0, 0
    options = RefitOptions(bootstrap=60)
    for j in range(80):
        truth = rng.dirichlet(np.ones(5)) * rng.uniform(500, 3000)
        x = rng.poisson(basis @ truth).astype(float)
        draws = bootstrap_exposures(x, basis, options, sample_rng(0, str(j)))
        lower, upper = percentile_interval(draws, 0.95)
        active = truth > 0.1 * truth.sum()
        covered += int(((lower <= truth) & (truth <= upper))[active].sum())
        total += int(active.sum())
    assert 0.95 <= covered / total <= 0.99, covered / total


def test_refit_catalog_intervals_are_per_sample_deterministic(rng: np.random.Generator) -> None:
    counts, _ = _cohort(["SBS1", "SBS5", "SBS13"], 3, 2000, rng)
    catalog = pd.DataFrame(counts, index=COSMIC.index, columns=["a", "b", "c"])
    options = RefitOptions(bootstrap=20, seed=3)
    full = refit_catalog(catalog, COSMIC, options)
    alone = refit_catalog(catalog[["b"]], COSMIC, options)
    pd.testing.assert_frame_equal(full.intervals.loc[["b"]], alone.intervals)
    assert set(full.intervals.columns) == {"signature", "exposure", "lower", "upper", "presence"}
    assert (full.intervals["lower"] <= full.intervals["upper"]).all()
    assert list(full.reconstruction.columns) == ["burden", "cosine", "kl_divergence",
                                                 "signatures_used"]


def test_mismatched_features_are_rejected() -> None:
    with pytest.raises(ValueError, match="different feature labels"):
        refit_catalog(pd.DataFrame(np.ones((3, 2)), index=list("abc")),
                      pd.DataFrame(np.ones((3, 1)), index=list("abd")))


def test_unknown_method_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="likelihood, cosine, nnls"):
        RefitOptions(method="lasso")


def test_shipped_references_and_aetiology() -> None:
    assert "COSMIC_v3.6" in available_references()
    for channel_set, n in (("SBS96", 96), ("DBS78", 78), ("ID83", 83)):
        for build in ("GRCh37", "GRCh38"):
            table = load_reference("COSMIC_v3.6", channel_set=channel_set, genome_build=build)
            assert table.channel_set == channel_set and table.data.shape[0] == n
            np.testing.assert_allclose(table.data.sum(axis=0), 1.0, atol=2e-3)
    aetiology = load_aetiology()
    assert aetiology["SBS4"] == "tobacco smoking"
    assert "APOBEC" in aetiology["SBS13"]
    assert set(COSMIC.columns) <= set(aetiology)


def test_best_match_finds_itself() -> None:
    found = best_matches(COSMIC[["SBS13", "SBS1"]], COSMIC)
    assert list(found["reference"]) == ["SBS13", "SBS1"]
    np.testing.assert_allclose(found["cosine"], 1.0)


def test_decomposition_and_novelty(rng: np.random.Generator) -> None:
    mixed = 0.6 * COSMIC["SBS1"] + 0.4 * COSMIC["SBS4"]
    spiky = pd.Series(0.0, index=COSMIC.index)
    spiky.iloc[[3, 50, 90]] = [0.5, 0.3, 0.2]
    table = decompose_signatures(pd.DataFrame({"mix": mixed, "odd": spiky}), COSMIC)
    assert table.at["mix", "components"].startswith("SBS1:0.6")
    assert "SBS4:0.4" in table.at["mix", "components"]
    assert table.at["mix", "cosine"] > 0.999 and not table.at["mix", "novel"]
    assert table.at["odd", "novel"]


def _write_catalog(path: Path, frame: pd.DataFrame) -> Path:
    write_matrix(frame, path, integer=True)
    return path


def test_cli_refit_writes_intervals_and_decomposition(tmp_path: Path,
                                                      rng: np.random.Generator) -> None:
    counts, _ = _cohort(["SBS1", "SBS13"], 4, 1000, rng)
    catalog = _write_catalog(tmp_path / "SBS96.tsv", pd.DataFrame(
        counts, index=COSMIC.index, columns=[f"p{i}" for i in range(4)]))
    denovo = tmp_path / "denovo.tsv"
    write_matrix(COSMIC[["SBS1", "SBS13"]].set_axis(["SBS96A", "SBS96B"], axis=1), denovo)
    assert main(["refit", "--catalog", str(catalog), "--signatures", str(denovo),
                 "--bootstrap", "10", "--out", str(tmp_path / "out")]) == 0
    decomposition = read_table(tmp_path / "out/decomposition.tsv")
    assert list(decomposition["best_match"]) == ["SBS1", "SBS13"]
    intervals = read_table(tmp_path / "out/exposure_intervals.tsv")
    assert len(intervals) == 8
    assert read_catalog(tmp_path / "out/exposures.tsv").data.shape == (2, 4)


@pytest.mark.parametrize(("columns", "signatures", "message"), [
    (None, "DBS78", "do not match the catalog"),
    (["a", "zero"], "COSMIC_v3.6", "no mutations in any channel"),
    (None, "restrict", "are not in the signature table"),
])
def test_cli_refit_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             columns: list[str] | None, signatures: str, message: str) -> None:
    frame = pd.DataFrame({"a": COSMIC["SBS1"] * 500, "zero": 0.0}).round()
    catalog = _write_catalog(tmp_path / "SBS96.tsv", frame if columns else frame[["a"]])
    args = ["refit", "--catalog", str(catalog), "--out", str(tmp_path / "out")]
    if signatures == "DBS78":
        dbs = tmp_path / "dbs.tsv"
        write_matrix(load_reference("COSMIC_v3.6", channel_set="DBS78").data, dbs)
        args += ["--signatures", str(dbs)]
    elif signatures == "restrict":
        args += ["--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS999"]
    else:
        args += ["--signatures", signatures]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_per_patient_mode(tmp_path: Path, make_fasta: Callable[..., Path],
                          make_vcf: Callable[..., Path]) -> None:
    rng = np.random.default_rng(2)
    sequence = "".join(rng.choice(list("ACGT"), size=5000))
    fasta = make_fasta({"chr1": sequence})
    # even positions only: no two SNVs adjacent, so none pairs into a DBS and all 300 are SBS96
    positions = np.sort(rng.choice(np.arange(2, 4999, 2), size=300, replace=False))
    records = [("chr1", int(p), sequence[p - 1],
                {"A": "T", "C": "T", "G": "A", "T": "C"}[sequence[p - 1]], "PASS")
               for p in positions]
    vcf = make_vcf(records, name="patient.vcf", samples=("PATIENT<1>",))
    out = tmp_path / "patient"
    assert main(["refit", "--vcf", str(vcf), "--reference", str(fasta), "--signatures",
                 "COSMIC_v3.6", "--bootstrap", "20", "--out", str(out)]) == 0
    assert read_catalog(out / "SBS96.tsv").data["PATIENT<1>"].sum() == 300
    page = (out / "patients" / "PATIENT_1_.html").read_text()
    assert "PATIENT&lt;1&gt;" in page and "95% interval" in page
    assert "cohort.html" not in page
    assert (out / "exposure_intervals.tsv").exists()


def test_signature_file_rows_are_aligned_by_label(tmp_path: Path,
                                                  rng: np.random.Generator) -> None:
    """A signature table in another row order (or label style) gives the same exposures."""
    counts, _ = _cohort(["SBS1", "SBS13", "SBS4"], 3, 1500, rng)
    catalog = _write_catalog(tmp_path / "SBS96.tsv", pd.DataFrame(
        counts, index=COSMIC.index, columns=["a", "b", "c"]))
    subset = COSMIC[["SBS1", "SBS4", "SBS13"]]
    write_matrix(subset, tmp_path / "ordered.tsv")
    arrow = [f"{lab[0]}{lab[2]}{lab[6]}>{lab[0]}{lab[4]}{lab[6]}" for lab in subset.index]
    subset.set_axis(arrow, axis=0).iloc[::-1].to_csv(tmp_path / "shuffled.csv")
    for name in ("ordered.tsv", "shuffled.csv"):
        assert main(["refit", "--catalog", str(catalog), "--signatures", str(tmp_path / name),
                     "--bootstrap", "0", "--out", str(tmp_path / name.split(".")[0])]) == 0
    pd.testing.assert_frame_equal(read_catalog(tmp_path / "ordered/exposures.tsv").data,
                                  read_catalog(tmp_path / "shuffled/exposures.tsv").data)


def test_likelihood_threshold_is_half_the_chi_square_quantile() -> None:
    """The constant is written out so commands need not import scipy.stats; it must be the
    value the docs state, to the last bit."""
    from scipy.stats import chi2

    from sigforge.refit import DEFAULT_LIKELIHOOD_THRESHOLD

    assert float(chi2.ppf(1 - 2 * 0.001, df=1) / 2) == DEFAULT_LIKELIHOOD_THRESHOLD


@pytest.mark.parametrize("mix", [1e-5, 1e-6, 1e-7])
def test_a_near_copy_of_a_signature_leaves_the_fit_sound(mix: float) -> None:
    """With SBS4 replaced by SBS1 * (1 - mix) + SBS4 * mix, the Newton step of the Poisson fit
    along the two columns' difference found no descent and the warm start from the search
    was kept: exposures 12 times the burden, reconstruction cosine 0.37, exit 0. The fit now
    falls back on an EM step, which always descends."""
    cosmic = load_reference("COSMIC_v3.6").data
    names = ["SBS1", "SBS4", "SBS7a", "SBS13", "SBS17b"]
    rng = np.random.default_rng(5)
    counts = rng.poisson(cosmic[names].to_numpy() @ rng.gamma(1.0, 400.0, size=(5, 6)))
    catalog = pd.DataFrame(counts, index=cosmic.index, columns=[f"s{i}" for i in range(6)])
    near = cosmic[names].copy()
    near["SBS4"] = cosmic["SBS1"] * (1 - mix) + cosmic["SBS4"] * mix
    options = RefitOptions(method="negbin", bootstrap=0)
    fitted = refit_catalog(catalog, near, options).exposures
    without = refit_catalog(catalog, near.drop(columns="SBS4"), options).exposures

    def cosines(exposures: pd.DataFrame, signatures: pd.DataFrame) -> np.ndarray:
        model = signatures.to_numpy() @ exposures.loc[signatures.columns].to_numpy()
        return (model * counts).sum(0) / np.linalg.norm(model, axis=0) / np.linalg.norm(
            counts, axis=0)

    np.testing.assert_allclose(fitted.sum().to_numpy(), counts.sum(0), rtol=1e-6)
    assert (cosines(fitted, near) >= cosines(without, near.drop(columns="SBS4")) - 1e-4).all()

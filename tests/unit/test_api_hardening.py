"""Cases of the blind red-team sweep of the Python API (built from scratch by an author who
had not seen the suite): calls that returned wrong results silently or failed deep inside,
each now a right result or a ValueError/TypeError naming the argument."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.io import read_matrix, write_matrix
from sigforge.nmf import NMF, ConvergenceWarning, FitOptions, fit_nmf, nndsvd_init
from sigforge.refit import (
    RefitOptions,
    decompose_signatures,
    min_resamples,
    percentile_interval,
    refit_catalog,
    with_unfitted_samples,
)

SIGNATURES = pd.DataFrame([[0.5, 0.2], [0.5, 0.8]], index=["a", "b"], columns=["S1", "S2"])


@pytest.mark.parametrize("beta", [0.5, 0.9, 1.5, 0.0001])
def test_beta_between_0_and_2_stays_finite_with_an_all_zero_sample(beta: float) -> None:
    """The model of an all-zero sample reaches 0; WH ** (beta - 2) at the 1e-300 floor was
    inf and 0 * inf made every factor NaN for beta in (0, 1)."""
    X = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [3.0, 1.0, 0.0], [2.0, 2.0, 0.0]])
    model = NMF(2, beta_loss=beta, random_state=0, max_iter=50, tol=0.0)
    with warnings.catch_warnings():  # tol=0 asks for exactly max_iter: nothing to warn of
        warnings.simplefilter("error", ConvergenceWarning)
        W = model.fit_transform(X.T)
    assert np.isfinite(W).all() and np.isfinite(model.components_).all()
    assert np.isfinite(model.reconstruction_err_)
    assert np.allclose(W[2], 0.0)


def test_hidden_samples_keep_finite_factors_under_weights() -> None:
    rng = np.random.default_rng(1)
    X = rng.poisson(5.0, (6, 8)).astype(float)
    weights = np.ones_like(X)
    weights[:, 7] = 0.0
    W0, H0 = rng.uniform(0.5, 1.0, (6, 2)), rng.uniform(0.5, 1.0, (2, 8))
    fit = fit_nmf(X, W0, H0, weights=weights, options=FitOptions(beta=0.5, max_iter=30))
    assert np.isfinite(fit.W).all() and np.isfinite(fit.H).all()


def test_data_too_small_to_factor_are_refused_not_zeroed() -> None:
    """Data of about 1e-200 came back as all-zero factors, 'converged', error 0."""
    X = np.random.default_rng(0).poisson(5.0, (30, 12)) * 1e-200
    with pytest.raises(ValueError, match=r"X: expected values up to at least 1e-100.*Multiply"):
        NMF(2, beta_loss="frobenius", random_state=0).fit(X)
    fitted = NMF(2, beta_loss="frobenius", random_state=0, max_iter=500).fit(X * 1e200)
    assert fitted.reconstruction_err_ > 0
    # all zero: refused too (scikit-learn returns zero components, reported as converged)
    with pytest.raises(ValueError, match="X: expected at least one positive entry"):
        NMF(1, random_state=0, max_iter=5).fit(np.zeros((3, 4)))


@pytest.mark.parametrize(("scale", "bootstrap"), [(1e19, 0), (1e200, 0), (1e20, 5)])
def test_nnls_refit_of_totals_beyond_whole_numbers_is_refused(scale: float,
                                                               bootstrap: int) -> None:
    """Totals above 2**53 gave a burden of -9223372036854775808, a NaN cosine, or an
    OverflowError from the resampler."""
    catalog = pd.DataFrame([[1.0, 3.0], [2.0, 1.0]], index=["a", "b"], columns=["x", "y"])
    with pytest.raises(ValueError, match=r"sample 'x' holds .* divide the catalog"):
        refit_catalog(catalog * scale, SIGNATURES, RefitOptions(method="nnls",
                                                                bootstrap=bootstrap))
    result = refit_catalog(catalog * 1e12, SIGNATURES, RefitOptions(method="nnls",
                                                                    bootstrap=bootstrap))
    assert (result.reconstruction["burden"] > 0).all()


def test_interval_rows_keep_the_catalog_s_own_sample_labels() -> None:
    """Integer sample labels became strings in the interval table only, and the table of
    with_unfitted_samples came out of catalog order: [1, 1, 3, 3, '2', '2']."""
    catalog = pd.DataFrame([[10.0, 3, 4], [20, 9, 5]], index=["a", "b"], columns=[1, 2, 3])
    result = refit_catalog(catalog[[2]], SIGNATURES, RefitOptions(bootstrap=5))
    assert result.intervals is not None and list(result.intervals.index) == [2, 2]
    table = with_unfitted_samples(result, catalog, SIGNATURES.columns).intervals
    assert table is not None and list(table.index) == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(("settings", "error", "said"), [
    ({"bootstrap": 1.5}, TypeError, "--bootstrap: expected a whole number"),
    ({"seed": "x"}, TypeError, "--seed: expected a whole number"),
    ({"bootstrap": True}, TypeError, "--bootstrap"),
    ({"cohort_prior": "no"}, TypeError, "cohort_prior"),
    ({"cosine_add": float("nan")}, ValueError, "cosine_add"),
    ({"penalty": "1"}, TypeError, "--penalty: expected a number"),
])
def test_refit_options_of_the_wrong_type_are_named(settings: dict, error: type,
                                                   said: str) -> None:
    with pytest.raises(error, match=said):
        RefitOptions(**settings)


def test_interval_helpers_refuse_what_they_cannot_compute() -> None:
    with pytest.raises(ValueError, match="B >= 1 resamples"):
        percentile_interval(np.zeros((0, 3)), 0.95)
    with pytest.raises(ValueError, match="confidence"):
        min_resamples(1.0)
    assert min_resamples(0.95) == 39
    # 2 / (1 - 0.9) is 20.000000000000004 in floating point: it asked for 20, not 19
    assert [min_resamples(c) for c in (0.8, 0.9, 0.98, 0.99)] == [9, 19, 99, 199]


def test_whole_counts_beyond_int64_or_nan_are_not_written(tmp_path: Path) -> None:
    """1e20 was written as -9223372036854775808; NaN raised pandas' IntCastingNaNError."""
    for value in (1e20, float("nan")):
        with pytest.raises(ValueError, match=r"row 'f', column 'a'.*between 0 and"):
            write_matrix(pd.DataFrame([[value]], index=["f"], columns=["a"]),
                         tmp_path / "x.tsv", integer=True)
    assert not (tmp_path / "x.tsv").exists()


def test_nndsvd_checks_its_inputs_as_initialise_does() -> None:
    with pytest.raises(ValueError, match="at most min"):
        nndsvd_init(np.ones((3, 4)), 4)
    with pytest.raises(ValueError, match="k: expected an integer"):
        nndsvd_init(np.ones((3, 4)), 0)
    with pytest.raises(ValueError, match="NaN"):
        nndsvd_init(np.full((3, 4), np.nan), 2)


def test_decomposition_refuses_a_signature_name_given_twice() -> None:
    signatures = SIGNATURES.set_axis(["A", "A"], axis=1)
    with pytest.raises(ValueError, match="column 'A' appears more than once"):
        decompose_signatures(signatures, SIGNATURES)


def test_transform_refuses_features_other_than_those_fitted() -> None:
    """A DataFrame with the fitted columns reordered gave wrong coefficients silently."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.poisson(5.0, (20, 6)) + 1.0, columns=[f"f{i}" for i in range(6)])
    model = NMF(2, random_state=0, max_iter=200).fit(frame)
    model.transform(frame)
    with pytest.raises(ValueError, match="feature names seen in fit"):
        model.transform(frame[frame.columns[::-1]])
    model.fit(frame.to_numpy())
    assert not hasattr(model, "feature_names_in_")
    model.transform(frame[frame.columns[::-1]])  # fitted on an array: nothing to compare


def test_a_graph_penalty_needs_a_symmetric_graph_and_a_weight() -> None:
    rng = np.random.default_rng(3)
    X = rng.poisson(5.0, (8, 5)) + 1.0
    graph = (rng.uniform(size=(8, 8)) > 0.5).astype(float)
    np.fill_diagonal(graph, 0.0)
    with pytest.raises(ValueError, match="symmetric adjacency"):
        NMF(2, graph_weight=0.5, random_state=0).fit(X, graph=graph)
    symmetric = np.maximum(graph, graph.T)
    NMF(2, graph_weight=0.5, random_state=0, max_iter=50).fit(X, graph=symmetric)
    with pytest.raises(ValueError, match="needs both a graph and a graph_weight"):
        NMF(2, graph_weight=0.5, random_state=0).fit(X)
    with pytest.raises(ValueError, match="needs both a graph and a graph_weight"):
        NMF(2, random_state=0).fit(X, graph=symmetric)


def test_seeds_ranks_and_counts_of_the_wrong_kind_are_named() -> None:
    from sigforge.nmf import fit_joint_nmf
    from sigforge.nmf.spatial import fit_spatial_nmf

    X = np.ones((5, 8)) + np.arange(40.0).reshape(5, 8)
    for seed in ("abc", -1, 1.5):
        with pytest.raises(ValueError, match="random_state"):
            NMF(2, random_state=seed).fit(X)
    with pytest.raises(TypeError, match="k: expected an integer"):
        fit_joint_nmf([X, X], "2")
    with pytest.raises(ValueError, match="9"):
        fit_spatial_nmf(X, 9, np.arange(16.0).reshape(8, 2))


def test_refit_and_decomposition_inputs_of_the_wrong_kind_are_named() -> None:
    catalog = pd.DataFrame([[10.0, 3.0], [20.0, 9.0]], index=["a", "b"], columns=["x", "y"])
    with pytest.raises(TypeError, match="catalog: expected a labelled DataFrame"):
        refit_catalog(catalog.to_numpy(), SIGNATURES)
    with pytest.raises(ValueError, match="must not exceed cosine_add"):
        RefitOptions(method="cosine", cosine_remove=0.2, cosine_add=0.05)
    for reference, said in ((SIGNATURES * np.nan, "finite"), (-SIGNATURES, "nonnegative"),
                            (SIGNATURES.iloc[:, :0], "at least one signature")):
        with pytest.raises(ValueError, match=said):
            decompose_signatures(SIGNATURES, reference)


def test_the_public_divergences_check_their_inputs_as_the_solvers_do() -> None:
    from sigforge.nmf import beta_divergence, kl_divergence

    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match="undefined at zero"):
        beta_divergence(X, X + 1, 0)  # Itakura-Saito: returned a finite number
    with pytest.raises(ValueError, match="nonnegative"):
        kl_divergence(-X, X)
    with pytest.raises(ValueError, match="one shape"):
        kl_divergence(X, X[:1])
    expected = float(np.sum(np.where(X > 0, X * np.log(np.where(X > 0, X, 1) / (X + 1)), 0)
                            - X + X + 1))
    assert kl_divergence(X, X + 1) == pytest.approx(expected)


def test_a_modality_without_a_weight_is_refused() -> None:
    """A weight left out was taken as 1 without a word."""
    from sigforge.discovery.matrix import stack_modalities
    from sigforge.io import InputError

    frames = {name: pd.DataFrame(np.ones((3, 2)), index=[f"{name}{i}" for i in range(3)],
                                 columns=["s1", "s2"]) for name in ("A", "B")}
    with pytest.raises(InputError, match="modality 'B' has no weight"):
        stack_modalities(frames, {"A": 2.0})
    stacked, _ = stack_modalities(frames, {"A": 2.0, "B": 1.0})
    assert stacked.shape == (6, 2)


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame([[1.0, 2.0]], index=["f"], columns=["a", "a"]), "column label 'a'.*twice"),
    (pd.DataFrame([[1.0]], index=["f\tg"], columns=["a"]), r"row label 'f\\tg'.*tab"),
    (pd.DataFrame([[1.0]], index=["f"], columns=[" "]), "column label ''.*empty"),
    (pd.DataFrame([[1.0, 2.0]], index=["f"],
                  columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
     "several column label levels"),
    (pd.DataFrame([[np.nan]], index=["f"], columns=["a"]), r"cannot write nan \(row 'f'"),
    (pd.DataFrame([[-1.0]], index=["f"], columns=["a"]), r"cannot write -1.0"),
    (pd.DataFrame({"a": ["x"], "b": [1.0]}, index=["f"]), "a cell that is no number"),
])
def test_write_matrix_refuses_what_read_matrix_would_refuse(
        tmp_path: Path, frame: pd.DataFrame, message: str) -> None:
    """Such tables were written and then refused by every reader (sigforge's too)."""
    with pytest.raises(ValueError, match=message):
        write_matrix(frame, tmp_path / "x.tsv")
    assert not (tmp_path / "x.tsv").exists()


def test_object_arrays_are_not_saved_pickled(tmp_path: Path) -> None:
    from sigforge.io import load_arrays, save_arrays

    with pytest.raises(TypeError, match="names: expected an array of numbers"):
        save_arrays(tmp_path / "a.npz", names=np.array(["x", 1], dtype=object))
    save_arrays(tmp_path / "a.npz", names=np.array(["x", "1"]))
    assert load_arrays(tmp_path / "a.npz")["names"].tolist() == ["x", "1"]


@pytest.mark.parametrize("name", ["poisson", "multinomial", "scaled"])
@pytest.mark.parametrize("value, message", [(np.nan, "NaN or infinity"), (-1.0, "-1 to"),
                                           (1e19, "between 0 and")])
def test_resamplers_name_a_bad_catalog(name: str, value: float, message: str) -> None:
    """numpy's samplers said 'lam < 0 or lam contains NaNs' or 'pvals < 0'."""
    from sigforge.discovery.resample import get_resampler

    catalog = np.array([[1.0, 2.0], [3.0, value]])
    with pytest.raises(ValueError, match=f"catalog: .*{message}"):
        get_resampler(name)(catalog, np.random.default_rng(0))


def test_gmm_threshold_names_bad_totals() -> None:
    from sigforge.discovery.normalise import gmm_threshold

    with pytest.raises(ValueError, match="totals: expected a 1-D array"):
        gmm_threshold(np.array([10.0, np.nan, 30.0, 40.0, 50.0]))


def test_prevalence_outside_0_1_is_refused_not_clipped() -> None:
    """A prevalence of 40 (a percentage) was clipped to 1 - 1e-3: a confident prior."""
    from sigforge.refit.negbin import cohort_costs, signature_costs

    with pytest.raises(ValueError, match="got 40 at position 1; percentages"):
        signature_costs(2, prevalence=np.array([0.5, 40.0]))
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        cohort_costs(np.ones((2, 3), bool), prevalence=np.array([0.5]))
    unknown = signature_costs(2, prevalence=np.array([np.nan, 1.0]))
    assert unknown[0] == signature_costs(2)[0] and unknown[1] == unknown[0]


def test_channel_probabilities_survive_values_near_the_float_limit() -> None:
    """S * e overflowed to infinity and the rows became NaN."""
    from sigforge.refit.attribution import channel_probabilities

    signatures = np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]])
    exposures = np.array([1.0, 3.0])
    small, small_explained = channel_probabilities(signatures, exposures)
    huge, huge_explained = channel_probabilities(signatures * 1e300, exposures * 1e300)
    assert np.allclose(huge, small, rtol=1e-12) and (huge_explained == small_explained).all()
    assert np.allclose(small[0], [1 / 7, 6 / 7])


@pytest.mark.parametrize("text", ["9007199254740992", "9007199254740993", "9.007199254740993e15"])
def test_counts_beyond_whole_float_precision_are_refused_on_reading(tmp_path: Path,
                                                                    text: str) -> None:
    """9007199254740993 read as 9007199254740992 (2**53, then the largest accepted value), so
    a count changed silently; 2**53 itself may be such a rounded count and is refused too."""
    path = tmp_path / "catalog.tsv"
    path.write_text(f"channel\ts1\ts2\na\t{text}\t1\nb\t2\t3\n")
    with pytest.raises(ValueError, match=r"line 2, column 's1'.*above 9,007,199,254,740,991"):
        read_matrix(path)
    path.write_text("channel\ts1\ts2\na\t9007199254740991\t1\nb\t2\t3\n")
    assert read_matrix(path).data.loc["a", "s1"] == 2**53 - 1


def test_burdens_of_a_real_valued_matrix_are_not_rounded() -> None:
    """A generic matrix's totals of 0.45 and 0.7 were written as burdens 0 and 1; counts stay
    whole numbers."""
    catalog = pd.DataFrame([[0.3, 0.2, 0.0], [0.15, 0.5, 0.0]], index=["a", "b"],
                           columns=["s1", "s2", "s3"])
    result = refit_catalog(catalog[["s1", "s2"]], SIGNATURES, RefitOptions(method="nnls",
                                                                           bootstrap=0))
    assert list(result.reconstruction["burden"]) == pytest.approx([0.45, 0.7])
    table = with_unfitted_samples(result, catalog, SIGNATURES.columns).reconstruction
    assert list(table["burden"]) == pytest.approx([0.45, 0.7, 0.0])
    counts = refit_catalog(catalog * 20, SIGNATURES, RefitOptions(method="nnls", bootstrap=0))
    assert counts.reconstruction["burden"].dtype == np.int64
    assert list(counts.reconstruction["burden"]) == [9, 14, 0]

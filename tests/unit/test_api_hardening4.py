"""Cases of a red-team sweep of the generic NMF and refit Python API: an objective that did not
belong to the returned factors, masks dropped, an all-zero start reported as converged, a
prior dropped silently, tables that were never checked. Each test fails on the code before
its fix."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.nmf import (
    NMF,
    ConvergenceWarning,
    FitOptions,
    fit_joint_nmf,
    fit_kl_mu_batched,
    fit_nmf,
    fit_spatial_nmf,
    initialise,
    knn_graph,
    penalised_objective,
    read_coordinates,
)
from sigforge.refit import (
    RefitOptions,
    best_matches,
    fit_exposures,
    refit_catalog,
    refit_matrix,
    refit_sample,
)
from sigforge.refit.bootstrap import bootstrap_exposures
from sigforge.refit.rescale import rescale_signatures

RNG = np.random.default_rng(20261207)


def test_a_graph_penalised_fit_reports_the_objective_of_the_factors_it_returns() -> None:
    """The fit rescaled W's columns to sum 1 after recording its objective; the graph penalty
    grows with the square of H's scale, so from a start scaled by 50 the returned factors
    scored 43,606 against a reported 85."""
    X = RNG.poisson(5, (20, 15)).astype(float)
    graph = knn_graph(RNG.normal(size=(15, 2)), 3)
    W0, H0 = initialise(X, 3, "random", 0)
    options = FitOptions(graph_weight=1.0, max_iter=2000)
    laplacian = np.diag(graph.sum(axis=0)) - graph
    for scale in (1.0, 50.0):
        fit = fit_nmf(X, W0 * scale, H0 / scale, graph=graph, options=options)
        by_hand = (np.sum(X * np.log(np.where(X > 0, X, 1) / (fit.W @ fit.H)) - X
                          + fit.W @ fit.H) + 0.5 * np.trace(fit.H @ laplacian @ fit.H.T))
        assert fit.objective == pytest.approx(by_hand, rel=1e-9)
        assert fit.objective == penalised_objective(X, fit.W, fit.H, graph=graph,
                                                    options=options)
    spatial = fit_spatial_nmf(X, 3, RNG.normal(size=(15, 2)), rounds=3,
                              iterations_per_round=50, rng=0)
    np.testing.assert_allclose(spatial.W.sum(axis=0), 1.0)
    model = NMF(3, graph_weight=1.0, random_state=0, max_iter=300, tol=0)
    model.fit(X.T, graph=graph)
    np.testing.assert_allclose(model.components_.sum(axis=1), 1.0)


def test_a_fit_stopped_by_a_rise_returns_the_factors_before_it_and_says_why() -> None:
    """A large volume penalty makes the updates non-monotone: the fit stopped at the first
    rise and returned the worse iterate after it, and the estimator warned that max_iter
    (2000) had been reached after 130 iterations."""
    X = np.random.default_rng(16).poisson(20, (30, 25)).astype(float)
    W0, H0 = initialise(X, 4, "random", 0)
    options = FitOptions(volume_weight=1000.0, max_iter=2000)
    fit = fit_nmf(X, W0, H0, options=options)
    assert fit.n_iter < 2000 and not fit.converged and fit.history[-1] > fit.history[-2]
    assert fit.objective == pytest.approx(fit.history[-2], rel=1e-9)
    assert fit.objective == pytest.approx(penalised_objective(X, fit.W, fit.H, options=options),
                                          rel=1e-9)
    with pytest.warns(ConvergenceWarning, match=r"stopped at iteration \d+ of max_iter=2000: "
                                                "its objective rose"):
        NMF(4, random_state=0, volume_weight=1000.0, max_iter=2000).fit(X.T)


def test_masked_arrays_are_refused_by_every_entry_point() -> None:
    """NMF and fit_nmf refused a masked array; the joint and spatial fits and the refits
    dropped the mask and fitted the hidden placeholders (exposures 7,000 times the counts)."""
    values = np.ma.masked_array(RNG.poisson(5, (12, 6)).astype(float), mask=False)
    values[0] = 1e6
    values[0] = np.ma.masked
    signatures = RNG.dirichlet(np.ones(12), 2).T
    calls = {
        "fit_joint_nmf": lambda: fit_joint_nmf([values, values.filled(0)], 2),
        "fit_spatial_nmf": lambda: fit_spatial_nmf(values, 2, RNG.normal(size=(6, 2))),
        "fit_exposures": lambda: fit_exposures(values, signatures),
        "refit_matrix": lambda: refit_matrix(values, signatures),
        "refit_sample": lambda: refit_sample(values[:, 0], signatures),
        "bootstrap_exposures": lambda: bootstrap_exposures(
            values[:, 0], signatures, RefitOptions(method="nnls", bootstrap=3),
            np.random.default_rng(0)),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match="a masked array; its mask would be ignored"):
            call()
        assert name


def test_a_batch_with_an_all_zero_start_is_refused() -> None:
    """fit_nmf refused an all-zero start; the batched runner returned zero factors for that
    problem and reported it converged."""
    X = RNG.poisson(5, (2, 10, 8)).astype(float)
    W = RNG.uniform(0.1, 1, (2, 10, 3))
    H = RNG.uniform(0.1, 1, (2, 3, 8))
    W[1] = 0.0
    with pytest.raises(ValueError, match=r"start of problem\(s\) \[1\] is all zeros"):
        fit_kl_mu_batched(X, W, H, max_iter=50)


def test_sample_names_of_a_coordinates_file_are_read_as_text(tmp_path: Path) -> None:
    """'001' was read as the number 1 (so '001' had 'no coordinates'), and a file's row '01'
    answered for sample '1'."""
    path = tmp_path / "coords.tsv"
    path.write_text("sample\tx\ty\n001\t1\t2\n002\t3\t4\n")
    np.testing.assert_array_equal(read_coordinates(path, ["002", "001"]), [[3, 4], [1, 2]])
    path.write_text("sample\tx\ty\n01\t5\t5\n2\t3\t4\n")
    with pytest.raises(Exception, match=r"no coordinates for samples \['1'\]"):
        read_coordinates(path, ["1", "2"])


def _prior_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eight signatures with integer labels (as any DataFrame of an array has) and five
    samples."""
    rng = np.random.default_rng(17)
    signatures = pd.DataFrame(rng.dirichlet(np.ones(30) * 0.5, 8).T)
    exposures = rng.gamma(1, 30, (8, 5)) * (rng.uniform(size=(8, 5)) < 0.5)
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ exposures).astype(float),
                           columns=[f"t{i}" for i in range(5)])
    return catalog, signatures


def test_a_prior_keyed_by_the_signatures_own_labels_is_used() -> None:
    """The prior's index was looked up by the signatures' names as text but kept its own
    integers, so it matched nothing and was dropped without a word."""
    catalog, signatures = _prior_case()
    options = RefitOptions(cohort_prior=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none = refit_catalog(catalog, signatures, options).exposures
        by_label = refit_catalog(catalog, signatures, options, prevalence=pd.Series(
            {j: 0.01 for j in signatures.columns})).exposures
    by_text = refit_catalog(catalog, signatures, options, prevalence=pd.Series(
        {str(j): 0.01 for j in signatures.columns})).exposures
    assert not by_label.equals(none) and by_label.equals(by_text)
    unmatched = pd.Series({f"SBS{j}": 0.01 for j in signatures.columns})
    with pytest.warns(UserWarning, match="none of its 8 name.*runs without a prior"):
        assert refit_catalog(catalog, signatures, options, prevalence=unmatched
                             ).exposures.equals(none)
    with pytest.warns(UserWarning, match="method 'nnls' has no prior"):
        refit_catalog(catalog, signatures, RefitOptions(method="nnls"),
                      prevalence=pd.Series({0: 0.5}))
    with pytest.raises(ValueError, match="signature '1' has more than one share"):
        refit_catalog(catalog, signatures, options,
                      prevalence=pd.Series([0.1, 0.2], index=[1, "1"]))
    with pytest.raises(TypeError, match="prevalence: expected a pandas Series"):
        refit_catalog(catalog, signatures, options, prevalence=[0.5] * 8)  # type: ignore[arg-type]


def test_too_few_resamples_for_the_confidence_are_said() -> None:
    """Five resamples for 95% intervals: every interval was the resamples' extremes, and
    only the command line said so."""
    catalog, signatures = _prior_case()
    with pytest.warns(UserWarning, match=r"bootstrap=5: 95% intervals need at least 39"):
        refit_catalog(catalog, signatures, RefitOptions(method="nnls", bootstrap=5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refit_catalog(catalog, signatures, RefitOptions(method="nnls", bootstrap=39))


def test_rescaling_checks_the_signatures_and_the_opportunities() -> None:
    """A negative loading came out in the 'rescaled' signature, an infinite one as a NaN
    column, a NaN one as 'none of their contexts occur in the target'; list or repeated
    opportunities failed inside pandas."""
    contexts = ["A", "C", "G", "T"]
    source = pd.Series({"A": 1.0, "C": 2.0, "G": 2.0, "T": 1.0})
    target = pd.Series({"A": 2.0, "C": 1.0, "G": 1.0, "T": 2.0})
    good = pd.DataFrame({"S": [0.25, 0.25, 0.25, 0.25]})
    assert rescale_signatures(good, contexts, source, target)["S"].sum() == pytest.approx(1)
    for value, message in ((-0.05, "nonnegative"), (np.inf, "finite"), (np.nan, "finite")):
        bad = good.copy()
        bad.iloc[0, 0] = value
        with pytest.raises(ValueError, match=f"signatures: expected {message}"):
            rescale_signatures(bad, contexts, source, target)
    with pytest.raises(TypeError, match="target: expected opportunities as a pandas Series"):
        rescale_signatures(good, contexts, source, [2.0, 1.0, 1.0, 2.0])  # type: ignore[arg-type]
    repeated = pd.Series([2.0, 1.0, 1.0, 2.0, 3.0], index=[*contexts, "A"])
    with pytest.raises(ValueError, match="target: context 'A' is listed more than once"):
        rescale_signatures(good, contexts, source, repeated)


def test_best_matches_checks_its_tables() -> None:
    """A NaN signature's 'best match' had cosine NaN, a negative one a match of cosine 0;
    an empty reference or an array failed inside numpy or pandas."""
    reference = pd.DataFrame({"A": [0.5, 0.5, 0.0], "B": [0.0, 0.5, 0.5]})
    found = best_matches(pd.DataFrame({"S": [0.4, 0.6, 0.0]}), reference)
    assert found.loc["S", "reference"] == "A"
    for value, message in ((np.nan, "finite"), (-1.0, "nonnegative")):
        with pytest.raises(ValueError, match=f"signatures: expected {message}"):
            best_matches(pd.DataFrame({"S": [value, 0.5, 0.5]}), reference)
    with pytest.raises(ValueError, match="reference: expected at least one signature"):
        best_matches(pd.DataFrame({"S": [0.4, 0.6, 0.0]}), reference.iloc[:, :0])
    with pytest.raises(TypeError, match="signatures: expected a labelled DataFrame"):
        best_matches(np.ones((3, 1)), reference)  # type: ignore[arg-type]


def test_wrong_types_of_settings_are_named() -> None:
    """A dict of options or an integer rng failed on their first attribute read; a NaN
    tolerance rescaled nothing, silently."""
    from sigforge.refit import normalise_signatures

    signatures = RNG.dirichlet(np.ones(6), 2).T
    with pytest.raises(TypeError, match="options: expected a RefitOptions"):
        refit_matrix(np.ones((6, 2)), signatures, {"method": "nnls"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        bootstrap_exposures(np.ones(6), signatures, RefitOptions(), 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tolerance: expected a relative error"):
        normalise_signatures(pd.DataFrame(signatures * 2), tolerance=float("nan"))


def test_the_estimator_names_its_inputs_and_outputs_as_scikit_learn_does() -> None:
    """n_features_in_ and get_feature_names_out, which pipelines read, were missing."""
    X = RNG.poisson(5, (10, 7)).astype(float)
    model = NMF(3, random_state=0, max_iter=200, tol=0).fit(X)
    assert model.n_features_in_ == 7
    assert list(model.get_feature_names_out()) == ["nmf0", "nmf1", "nmf2"]


def test_empty_objectives_options_given_as_lists_and_empty_matrices_are_answered() -> None:
    """kl_divergence of an empty matrix raised numpy's 'zero-size array to reduction
    operation minimum' (the divergence of nothing is 0); the estimator's init/solver and a
    resampling given as a list raised 'unhashable type' or 'has no attribute partition'; a
    matrix with no samples was told to 'lower the ranks to at most 0'."""
    from sigforge.discovery.resample import get_resampler
    from sigforge.nmf import kl_divergence

    for shape in [(0, 3), (3, 0), (2, 0, 4)]:
        np.testing.assert_array_equal(kl_divergence(np.zeros(shape), np.zeros(shape)),
                                      np.zeros(shape[:-2]))
    data = RNG.poisson(5.0, (10, 8)).astype(float)
    with pytest.raises(ValueError, match=r"expected init in .*got \['random'\]"):
        NMF(2, init=["random"]).fit(data)
    with pytest.raises(ValueError, match=r"expected solver in .*got \['mu'\]"):
        NMF(2, solver=["mu"]).fit(data)
    with pytest.raises(ValueError, match="expected a name, one of poisson"):
        get_resampler(["poisson"])  # type: ignore[arg-type]
    for empty in (np.zeros((0, 5)), np.zeros((5, 0))):
        with pytest.raises(ValueError, match="is empty: there is nothing to factorise"):
            NMF(2).fit(empty)


def test_joint_hals_takes_block_weights_of_one_as_the_plain_fit() -> None:
    """Block weights all 1 are the unweighted objective, which HALS solves; they were refused
    as 'weights'. Other weights still need 'mu', and the error says so."""
    a, b = RNG.poisson(4.0, (5, 8)).astype(float), RNG.poisson(9.0, (3, 8)).astype(float)
    options = FitOptions(beta=2, max_iter=50)
    ones = fit_joint_nmf([a, b], 2, solver="hals", block_weights=[1, 1], rng=0, options=options)
    plain = fit_joint_nmf([a, b], 2, solver="hals", rng=0, options=options)
    assert ones.objective == plain.objective
    np.testing.assert_array_equal(ones.H, plain.H)
    with pytest.raises(ValueError, match="Use solver='mu'"):
        fit_joint_nmf([a, b], 2, solver="hals", block_weights=[1, 2], rng=0, options=options)

"""Cases of a third red-team sweep of the Python API (a data scientist's non-genomic use):
array refits out of the count methods' exact range or without features, bootstrap of
unchecked input, and samples that a held-out-entry cross-validation hid whole. Each test
states a fact that was false before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from sigforge.refit import (
    RefitOptions,
    bootstrap_exposures,
    fit_exposures,
    refit_matrix,
    refit_sample,
)

RNG = np.random.default_rng(0)
SIGNATURES = RNG.dirichlet(np.ones(20), 4).T
COUNTS = RNG.poisson(SIGNATURES @ RNG.gamma(2, 50, (4, 10))).astype(float)


def test_array_refits_refuse_totals_beyond_the_count_methods_range() -> None:
    """refit_matrix and refit_sample (negbin) gave other exposures, and another subset,
    once totals passed about 1e14; refit_catalog alone refused them."""
    scaled = COUNTS * 1e12
    with pytest.raises(ValueError, match=r"catalog column 0 holds 3.17e\+14 .* method "
                                         r"'negbin' .* divide the catalog"):
        refit_matrix(scaled, SIGNATURES)
    with pytest.raises(ValueError, match=r"^x holds .* 'likelihood'"):
        refit_sample(scaled[:, 0], SIGNATURES, RefitOptions(method="likelihood"))
    inside = refit_matrix(COUNTS * 1e9, SIGNATURES)  # in range: scale-free there, as before
    np.testing.assert_allclose(inside / 1e9, refit_matrix(COUNTS * 1e3, SIGNATURES) / 1e3,
                               rtol=1e-6)


def test_refits_without_features_are_refused() -> None:
    """A 0-feature system returned uninitialised memory (5.7e67, another value each run)."""
    for call in (lambda: fit_exposures(COUNTS[:0], SIGNATURES[:0]),
                 lambda: refit_matrix(np.ones((0, 4)), np.ones((0, 3)))):
        with pytest.raises(ValueError, match=r"expected at least one feature \(row\)"):
            call()
    assert fit_exposures(COUNTS, SIGNATURES[:, :0]).shape == (0, 10)  # no signature: empty


@pytest.mark.parametrize(("x", "message"), [
    (-COUNTS[:, 0], "expected nonnegative values"),
    (COUNTS[:, :3], "a 1-D array"),
    (COUNTS[:10, 0], "x has 10 features but signatures have 20"),
    (np.full(20, 2.0 ** 60), r"x holds 2.31e\+19 counts in all"),
])
def test_bootstrap_exposures_checks_its_inputs(x: np.ndarray, message: str) -> None:
    """Raw numpy, scipy and OverflowError messages came from inside the resampler."""
    with pytest.raises(ValueError, match=message):
        bootstrap_exposures(x, SIGNATURES, RefitOptions(method="nnls", bootstrap=5),
                            np.random.default_rng(0))


def test_spatial_nmf_refuses_coordinates_of_another_sample_order() -> None:
    """Shuffled labelled coordinates were paired with X's columns by position: the kNN graph
    joined other samples and H moved by up to 4.3 counts, without a word."""
    import pandas as pd

    from sigforge.nmf.spatial import fit_spatial_nmf

    rng = np.random.default_rng(0)
    coords = pd.DataFrame(rng.uniform(size=(30, 2)), index=[f"s{j}" for j in range(30)],
                          columns=["x", "y"])
    X = pd.DataFrame(rng.poisson(5, (8, 30)).astype(float), columns=coords.index)
    with pytest.raises(ValueError, match=r"another order; align them with "
                                         r"coordinates.loc\[X.columns\]"):
        fit_spatial_nmf(X, 2, coords.sample(frac=1, random_state=1), rng=0, rounds=1)
    with pytest.raises(ValueError, match="are not X's sample columns"):
        fit_spatial_nmf(X, 2, coords.rename(index=lambda s: s.upper()), rng=0, rounds=1)
    aligned = fit_spatial_nmf(X, 2, coords.sample(frac=1, random_state=1).loc[X.columns],
                              rng=0, rounds=1)
    np.testing.assert_array_equal(aligned.H, fit_spatial_nmf(X, 2, coords.to_numpy(), rng=0,
                                                             rounds=1).H)


def test_repeated_or_missing_labels_are_refused_by_the_labelled_functions() -> None:
    """refit_catalog returned two rows 'X' and two columns 'a' (one random stream shared) and
    run_discovery turned a None sample label into NaN; the table readers refuse both."""
    import pandas as pd

    from sigforge.discovery import NMFOptions, RankRule, run_discovery
    from sigforge.refit import refit_catalog

    features = [f"f{i}" for i in range(20)]
    catalog = pd.DataFrame(COUNTS[:, :4], index=features, columns=["a", "b", "a", "c"])
    signatures = pd.DataFrame(SIGNATURES[:, :3], index=features, columns=["X", "X", "Y"])
    with pytest.raises(ValueError, match=r"catalog: column label\(s\) \['a'\] appear more "
                                         "than once"):
        refit_catalog(catalog, signatures.set_axis(["X", "Y", "Z"], axis=1))
    with pytest.raises(ValueError, match=r"signatures: column label\(s\) \['X'\]"):
        refit_catalog(catalog.set_axis(["a", "b", "d", "c"], axis=1), signatures)
    unnamed = catalog.set_axis(["a", "b", None, "c"], axis=1)
    with pytest.raises(ValueError, match="catalog: a column label is missing"):
        run_discovery(unnamed, [1], replicates=1, chunk_size=1, seed=0, matrix_name="M",
                      options=NMFOptions(max_iter=20, min_iter=5), rule=RankRule())


def test_tol_0_runs_max_iter_iterations_whatever_the_solver() -> None:
    """The batched KL kernel ran tol=0 to max_iter; the other solvers stopped at the first
    rounding-level rise (1,590 of 200,000) and warned that max_iter had been reached. tol=0
    asks for exactly max_iter iterations, so no solver warns of having run them (as
    scikit-learn's NMF, which warns only with tol > 0)."""
    import warnings

    from sigforge.nmf import NMF, ConvergenceWarning

    X = RNG.poisson(30, (40, 12)).astype(float)
    for beta_loss, solver in (("frobenius", "mu"), ("frobenius", "hals"),
                              ("kullback-leibler", "mu")):
        model = NMF(3, beta_loss=beta_loss, solver=solver, tol=0.0, max_iter=3000,
                    random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model.fit(X)
        assert model.n_iter_ == 3000


def test_exported_discovery_helpers_check_their_inputs() -> None:
    """cap_samples ('cap', 'none') passed NaN and negative data through unchanged;
    split_components raised pandas' KeyError for signatures of another joint matrix."""
    import pandas as pd

    from sigforge.discovery.matrix import split_components
    from sigforge.discovery.normalise import cap_samples

    for method in ("cap", "none"):
        with pytest.raises(ValueError, match="catalog: expected finite values"):
            cap_samples(np.array([[1.0, np.nan], [2.0, 3.0]]), method)
        with pytest.raises(ValueError, match="catalog: expected nonnegative values"):
            cap_samples(np.array([[1.0, -2.0], [2.0, 3.0]]), method)
    signatures = pd.DataFrame(np.ones((2, 1)), index=["a:x", "c:z"], columns=["C1"])
    blocks = pd.DataFrame({"modality": ["a", "b"], "feature": ["x", "y"],
                           "weight": [1.0, 1.0]}, index=["a:x", "b:y"])
    with pytest.raises(ValueError, match=r"1 feature\(s\) the blocks table lacks"):
        split_components(signatures, blocks)


def test_running_out_of_memory_in_a_factorisation_names_the_work_not_the_inputs(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path) -> None:  # noqa: ANN001 - pytest's tmp_path
    """A replicates job capped at 1.2 GB blamed 'a compressed file that inflates to
    gigabytes' for a 770 KB catalog; the factorisation commands name replicates per chunk
    and the job's memory."""
    import sigforge.cli.discovery as discovery
    from sigforge.cli import main

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(discovery, "check_before_extract", exhausted)
    catalog = tmp_path / "m.tsv"
    catalog.write_text("f\ta\tb\nx\t1\t2\ny\t3\t4\n")
    code = main(["extract", "--catalog", str(catalog), "--generic", "--ranks", "1",
                 "--replicates", "2", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "ran out of memory" in err and "--replicates-per-chunk" in err
    assert "inflates to gigabytes" not in err

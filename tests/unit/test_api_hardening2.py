"""Cases of a second red-team sweep of the Python API, as a notebook user calls it: inputs
that gave silently wrong numbers (np.matrix, labelled tables in another order, real values
to the count models, a masked array's mask) or lost a sample (a table saved without its
label column), each now a right result or an error naming the argument and the fix."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery import read_generic_matrix
from sigforge.nmf import FitOptions, beta_divergence, fit_joint_nmf, fit_nmf, kl_divergence
from sigforge.refit import (
    RefitOptions,
    attribute_mutations,
    bootstrap_exposures,
    fit_exposures,
    refit_matrix,
    refit_sample,
)

RNG = np.random.default_rng(3)
FEATURES = [f"w{i}" for i in range(12)]
SIGNATURES = pd.DataFrame(RNG.dirichlet(np.ones(12), size=3).T, index=FEATURES,
                          columns=["A", "B", "C"])
COUNTS = pd.DataFrame(RNG.poisson(SIGNATURES.to_numpy() @ RNG.gamma(2, 60, (3, 5))),
                      index=FEATURES, columns=[f"d{j}" for j in range(5)])


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_np_matrix_gives_the_plain_arrays_numbers() -> None:
    """np.matrix (what scipy.sparse's todense() returns) made '*' a matrix product: the
    Frobenius divergence came out about 0 and KL a 1x1 matrix of another value."""
    X = RNG.poisson(4.0, (6, 5)).astype(float) + 1
    WH = RNG.uniform(1, 5, (6, 5))
    for beta in (2, 1, 0.5):
        assert beta_divergence(np.matrix(X), WH, beta) == pytest.approx(
            beta_divergence(X, WH, beta), rel=1e-12)
    assert kl_divergence(np.matrix(X), WH) == pytest.approx(kl_divergence(X, WH), rel=1e-12)
    W0, H0 = RNG.uniform(0.1, 1, (6, 2)), RNG.uniform(0.1, 1, (2, 5))
    plain = fit_nmf(X, W0, H0, options=FitOptions(beta=2, max_iter=30))
    matrix = fit_nmf(np.matrix(X), W0, H0, options=FitOptions(beta=2, max_iter=30))
    assert np.array_equal(plain.W, matrix.W) and np.array_equal(plain.H, matrix.H)


def test_masked_and_sparse_inputs_are_refused_with_the_fix() -> None:
    """A masked array's mask was dropped (hidden entries fitted as data); sparse matrices
    got numpy's 'setting an array element with a sequence'."""
    import scipy.sparse as sp

    X = RNG.poisson(4.0, (6, 5)).astype(float)
    W0, H0 = RNG.uniform(0.1, 1, (6, 2)), RNG.uniform(0.1, 1, (2, 5))
    masked = np.ma.masked_array(X, mask=X > 5)
    with pytest.raises(TypeError, match=r"X: a masked array; its mask would be ignored.*weights"):
        fit_nmf(masked, W0, H0)
    with pytest.raises(TypeError, match=r"X: a scipy.sparse csr_matrix.*toarray\(\)"):
        fit_nmf(sp.csr_matrix(X), W0, H0)


def test_array_refits_refuse_labelled_rows_in_another_order() -> None:
    """A reference table stored in another row order was used by position: exposures off by
    most of the largest true exposure, without a word."""
    shuffled = SIGNATURES.iloc[::-1]
    aligned = fit_exposures(COUNTS, shuffled.loc[COUNTS.index])
    assert np.allclose(aligned, fit_exposures(COUNTS.to_numpy(), SIGNATURES.to_numpy()))
    with pytest.raises(ValueError, match=r"different order.*signatures.loc\[catalog.index\]"):
        fit_exposures(COUNTS, shuffled)
    with pytest.raises(ValueError, match="different order"):
        refit_sample(COUNTS["d0"], shuffled, RefitOptions(bootstrap=0))
    renamed = SIGNATURES.rename(index={"w0": "x0"})
    with pytest.raises(ValueError, match=r"different feature labels.*'w0'"):
        refit_matrix(COUNTS, renamed, RefitOptions(method="nnls", bootstrap=0))


def test_count_refits_refuse_real_values_with_the_fix() -> None:
    """refit_catalog refused real values for the count models, the array functions did not:
    scaled data gave exposures off by 100% ('negbin') or all zero ('likelihood')."""
    scaled = COUNTS.to_numpy(dtype=float) * 0.01
    S = SIGNATURES.to_numpy()
    for method in ("negbin", "likelihood"):
        with pytest.raises(ValueError, match=rf"not a count: method '{method}'.*'nnls'"):
            refit_matrix(scaled, S, RefitOptions(method=method, bootstrap=0))
        with pytest.raises(ValueError, match="not a count"):
            refit_sample(scaled[:, 0], S, RefitOptions(method=method, bootstrap=0))
    with pytest.raises(ValueError, match="and bootstrap resamples"):
        bootstrap_exposures(scaled[:, 0], S, RefitOptions(method="nnls", bootstrap=20),
                            np.random.default_rng(0))
    nnls = refit_matrix(scaled, S, RefitOptions(method="nnls", bootstrap=0))
    assert np.allclose(nnls * 100, fit_exposures(COUNTS.to_numpy(dtype=float), S))


def test_attribution_and_joint_fits_refuse_labels_in_another_order() -> None:
    """attribute_mutations took a labelled exposures Series by position (A = 100 given as
    (C, B, A) gave A almost nothing); fit_joint_nmf paired modalities' samples by position."""
    exposures = pd.Series({"A": 100.0, "B": 0.0, "C": 1.0})
    right = attribute_mutations(SIGNATURES, exposures, [0]).probabilities[0]
    assert right[0] > right[2]
    with pytest.raises(ValueError, match=r"another order.*exposures\[signatures.columns\]"):
        attribute_mutations(SIGNATURES, exposures[["C", "B", "A"]], [0])
    a = pd.DataFrame(RNG.poisson(5, (6, 8)) + 1.0, columns=[f"s{j}" for j in range(8)])
    b = pd.DataFrame(RNG.poisson(5, (4, 8)) + 1.0, columns=[f"s{j}" for j in range(8)])
    fit_joint_nmf([a, b], 2, rng=0, options=FitOptions(max_iter=20))
    with pytest.raises(ValueError, match=r"matrix 1: its sample columns are matrix 0's in "
                                         r"another order"):
        fit_joint_nmf([a, b[b.columns[::-1]]], 2, rng=0, options=FitOptions(max_iter=20))


def test_a_table_without_its_label_column_is_warned_of(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A TSV written with index=False: the first sample's counts became the row labels and
    the sample left the data unseen. Labels that are numbers in no increasing order warn;
    increasing numeric labels (bins, m/z values) and text labels do not."""
    values = pd.DataFrame({"s0": [7, 2, 9, 4], "s1": [1, 5, 3, 8], "s2": [6, 6, 2, 1]})
    values.to_csv(tmp_path / "nolabels.tsv", sep="\t", index=False)
    with caplog.at_level(logging.WARNING):
        data = read_generic_matrix(tmp_path / "nolabels.tsv")
    assert list(data.columns) == ["s1", "s2"]
    assert "every row label is a number" in caplog.text and "index=True" in caplog.text
    caplog.clear()
    for labels in ([100.5, 101.0, 101.5, 102.0], ["g1", "g2", "g3", "g4"]):
        values.set_axis(labels).rename_axis("f").to_csv(tmp_path / "ok.tsv", sep="\t")
        with caplog.at_level(logging.WARNING):
            assert read_generic_matrix(tmp_path / "ok.tsv").shape == (4, 3)
        assert "row label" not in caplog.text


def test_discovery_arguments_are_refused_with_their_name() -> None:
    """run_discovery failed deep inside numpy or pandas ('argmax of an empty sequence',
    'replicate chunks do not cover', 'seed must be integer', an AttributeError)."""
    from sigforge.discovery import NMFOptions, RankRule, run_discovery

    catalog = pd.DataFrame(RNG.poisson(20, (8, 6)) + 1.0)
    common = {"replicates": 2, "chunk_size": 2, "seed": 1, "matrix_name": "M",
              "options": NMFOptions(max_iter=20, min_iter=5), "rule": RankRule()}
    for ranks, error, message in (([], ValueError, "ranks: expected at least one rank"),
                                  ([2, 3, 3], ValueError, r"ranks: \[3\] given more than once"),
                                  ([2.0], TypeError, "ranks: expected whole numbers")):
        with pytest.raises(error, match=message):
            run_discovery(catalog, ranks, **common)
    with pytest.raises(TypeError, match="seed: expected whole numbers, got NoneType"):
        run_discovery(catalog, [2], **(common | {"seed": None}))
    with pytest.raises(TypeError, match=r"catalog: expected a pandas DataFrame.*pd.DataFrame"):
        run_discovery(catalog.to_numpy(), [2], **common)
    with pytest.raises(TypeError, match="--starts: expected a whole number, got float"):
        NMFOptions(starts=2.0)


def test_rank_table_and_settings_out_of_range_are_named() -> None:
    """select_rank with a rank twice said 'truth value of a Series is ambiguous'; a NaN cap
    capped nothing; NaN costs gave all-zero exposures; a NaN cosine flagged nothing novel."""
    from sigforge.discovery import cap_samples, select_rank
    from sigforge.refit import decompose_signatures

    metrics = pd.DataFrame({"mean_stability": [0.9, 0.8], "min_stability": [0.9, 0.7],
                            "kl_divergence": [5.0, 4.0]}, index=[2, 2])
    with pytest.raises(ValueError, match="rank 2 has more than one row"):
        select_rank(metrics)
    with pytest.raises(ValueError, match=r"no column \['kl_divergence'\]"):
        select_rank(metrics.drop(columns="kl_divergence").set_axis([2, 3]))
    with pytest.raises(ValueError, match="positive finite cap, got nan"):
        cap_samples(np.ones((4, 3)), "cap", cap=float("nan"))
    S = SIGNATURES.to_numpy()
    x = COUNTS["d0"].to_numpy(dtype=float)
    for costs in (np.ones(2), np.array([1.0, np.nan, 1.0])):
        with pytest.raises(ValueError, match="costs: expected 3 finite numbers"):
            refit_sample(x, S, RefitOptions(bootstrap=0), costs)
    assert np.allclose(refit_sample(x, S), refit_sample(x, S, RefitOptions()))
    with pytest.raises(ValueError, match=r"x: expected one sample's counts.*refit_matrix"):
        refit_sample(COUNTS.to_numpy(dtype=float)[:, :2], S)
    with pytest.raises(ValueError, match="novel_below: expected a cosine between 0 and 1"):
        decompose_signatures(SIGNATURES, SIGNATURES, novel_below=float("nan"))


def test_nmf_estimator_and_weighted_fit_messages_name_the_fix() -> None:
    """inverse_transform gave an AttributeError unfitted and numpy's gufunc message for the
    wrong width; NaN at entries hidden by weights=0 did not say to fill them."""
    from sigforge.nmf import NMF

    X = RNG.poisson(5.0, (10, 6)) + 1.0
    with pytest.raises(ValueError, match="expected a fitted NMF"):
        NMF(2).inverse_transform(np.ones((3, 2)))
    model = NMF(2, random_state=0, max_iter=50)
    with pytest.warns(Warning):
        coefficients = model.fit_transform(X)
    assert np.allclose(model.inverse_transform(coefficients), coefficients @ model.components_)
    with pytest.raises(ValueError, match=r"coefficients: expected 2 columns"):
        model.inverse_transform(np.ones((3, 5)))
    hidden = X.copy()
    hidden[0, 0] = np.nan
    weights = np.ones_like(X)
    weights[0, 0] = 0
    W0, H0 = RNG.uniform(0.1, 1, (10, 2)), RNG.uniform(0.1, 1, (2, 6))
    with pytest.raises(ValueError, match=r"hidden by weights=0 must still hold a number"):
        fit_nmf(hidden, W0, H0, weights=weights)


def test_refit_catalog_warns_of_signatures_not_summing_to_one() -> None:
    """A table of percentages gave exposures 100 times too small without a word (the
    command line rescales it; the library call did not say)."""
    from sigforge.refit import normalise_signatures, refit_catalog

    percent = SIGNATURES * 100
    with pytest.warns(UserWarning, match=r"column 'A' sums to 100 \(2 more such.*"
                                         r"normalise_signatures"):
        refit_catalog(COUNTS, percent)
    rescaled, sums = normalise_signatures(percent)
    assert sums == {"A": pytest.approx(100), "B": pytest.approx(100), "C": pytest.approx(100)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.allclose(refit_catalog(COUNTS, rescaled).exposures,
                           refit_catalog(COUNTS, SIGNATURES).exposures)


def test_a_bool_table_is_written_as_ones_and_zeros_and_nan_blamed_on_the_data(
        tmp_path: Path) -> None:
    """write_matrix wrote True/False, which read_matrix then refused; stack_modalities said
    a weight of 1 scaled NaN data beyond the largest value a matrix may hold."""
    from sigforge.discovery import stack_modalities
    from sigforge.io import InputError, read_matrix, write_matrix

    flags = pd.DataFrame({"s0": [True, False], "s1": [False, True]}, index=["a", "b"])
    write_matrix(flags, tmp_path / "flags.tsv")
    assert read_matrix(tmp_path / "flags.tsv").data.to_numpy().tolist() == [[1, 0], [0, 1]]
    a = pd.DataFrame([[1.0, np.nan], [2.0, 3.0]], columns=["s0", "s1"], index=["f0", "f1"])
    b = pd.DataFrame([[1.0, 2.0]], columns=["s0", "s1"], index=["g0"])
    with pytest.raises(InputError, match="modality 'a': its table holds NaN or infinite"):
        stack_modalities({"a": a, "b": b}, {"a": 1.0, "b": 1.0})

"""Public library functions given inputs a red-team sweep of the API found mishandled: a NaN
read as a perfect fit, a NaN start or exposures of zero returned without a word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sigforge.discovery import relative_error
from sigforge.nmf import random_init
from sigforge.refit import RefitOptions, refit_sample


def test_relative_error_of_a_nan_is_nan_and_of_huge_values_is_finite() -> None:
    """relative_error([1, NaN], [1, 1]) was 0.0, a perfect fit; values near 1e200 gave NaN
    as the norm overflowed."""
    assert np.isnan(relative_error(np.array([1.0, np.nan]), np.ones(2)))
    assert np.isnan(relative_error(np.ones(2), np.array([1.0, np.inf])))
    assert relative_error(np.full(4, 1e200), np.full(4, 5e199)) == pytest.approx(0.5)
    assert relative_error(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


@pytest.mark.parametrize("x", [np.full(3, np.nan), np.array([1.0, -2.0, 3.0]),
                               np.array([1.0, 2.0])], ids=["nan", "negative", "short"])
@pytest.mark.parametrize("method", ["negbin", "likelihood", "cosine", "nnls"])
def test_refit_sample_refuses_counts_that_are_no_counts(x: np.ndarray, method: str) -> None:
    """NaN or negative counts gave zero exposures under negbin, silently, and raw numpy
    errors under the other methods."""
    with pytest.raises(ValueError, match=r"^x"):
        refit_sample(x, np.eye(3), RefitOptions(method=method, bootstrap=0))
    assert refit_sample([1, 2, 3], np.eye(3), RefitOptions(method=method, bootstrap=0)).shape \
        == (3,)


def test_random_init_refuses_data_it_cannot_start_from() -> None:
    """A NaN in X gave an H of NaN, silently; k = -1 a raw numpy error."""
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="X: expected finite values"):
        random_init(np.full((3, 2), np.nan), 2, rng)
    with pytest.raises(ValueError, match="k"):
        random_init(np.ones((3, 2)), -1, rng)
    W, H = random_init(np.ones((3, 2)), 2, rng)
    assert W.shape == (3, 2) and H.shape == (2, 2) and np.isfinite(H).all()


@pytest.mark.parametrize(("method", "bootstrap"), [("negbin", 0), ("likelihood", 0),
                                                   ("nnls", 20)])
def test_count_methods_and_resampling_refuse_real_values(method: str, bootstrap: int) -> None:
    """negbin and likelihood returned zero exposures for a catalog in small units (x 1e-6),
    and resampling drew at the rounded total (0 for totals under 0.5), so the interval
    [0, 0] excluded the estimate, without a word."""
    import pandas as pd

    from sigforge.refit import refit_catalog

    rng = np.random.default_rng(0)
    signatures = pd.DataFrame(rng.dirichlet(np.ones(12), 3).T, columns=list("ABC"))
    counts = rng.poisson(signatures.to_numpy() @ rng.gamma(2.0, 50.0, (3, 4))).astype(float)
    catalog = pd.DataFrame(counts * 1e-6, columns=list("abcd"))
    options = RefitOptions(method=method, bootstrap=bootstrap)
    with pytest.raises(ValueError, match=r"not a count: method .*use method 'nnls'"):
        refit_catalog(catalog, signatures, options)
    fitted = refit_catalog(pd.DataFrame(counts, columns=list("abcd")), signatures, options)
    assert (fitted.exposures.sum() > 0).all()
    real = refit_catalog(catalog, signatures, RefitOptions(method="nnls", bootstrap=0))
    assert (real.exposures.sum() > 0).all()


def test_small_data_keep_their_nndsvd_start_and_data_below_the_floor_are_refused() -> None:
    """NNDSVD zeroed every entry below 1e-12, so data in small units (x 1e-60) started from
    zeros and HALS returned zero factors 'converged'; beta 0.5 fits of data near 1e-80 (below
    the model's floor) returned zeros; an all-zero start was accepted."""
    from sigforge.nmf import FitOptions, fit_nmf, initialise

    X = (np.random.default_rng(0).poisson(5.0, (6, 4)) + 1).astype(float)
    W0, H0 = initialise(X * 1e-60, 2, "nndsvd")
    big_w, big_h = initialise(X, 2, "nndsvd")
    np.testing.assert_allclose(W0 * H0.max(), big_w * big_h.max() * 1e-60, rtol=1e-6)
    fit = fit_nmf(X * 1e-60, W0, H0, solver="hals", options=FitOptions(beta=2))
    assert (fit.W @ fit.H).max() > 1e-60
    with pytest.raises(ValueError, match=r"X: expected values up to at least .* for beta 0.5"):
        fit_nmf(X * 1e-80, *initialise(X * 1e-80, 2, "random", 0), options=FitOptions(beta=0.5))
    with pytest.raises(ValueError, match="W, H: the start is all zeros"):
        fit_nmf(X, np.zeros((6, 2)), np.ones((2, 4)))


def test_discovery_refuses_count_resampling_of_real_values() -> None:
    """run_discovery with the default Poisson resampling on data in small units (x 1e-4)
    resampled them to zeros and returned perfectly flat signatures, silently."""
    import pandas as pd

    from sigforge.discovery import NMFOptions, RankRule, run_discovery

    counts = np.random.default_rng(1).poisson(20.0, (12, 8)).astype(float)
    catalog = pd.DataFrame(counts * 1e-4, columns=[f"s{i}" for i in range(8)])
    with pytest.raises(ValueError, match=r"resampling 'poisson' draws whole counts.*'scaled'"):
        run_discovery(catalog, [2], replicates=2, chunk_size=2, seed=1, matrix_name="M",
                      options=NMFOptions(max_iter=50), rule=RankRule())


def test_cluster_replicates_at_any_scale_and_with_an_empty_component() -> None:
    """Bases scaled by 1e200 or 1e-200 gave stability 0 for reproducible replicates (their
    norms over- or underflowed); a component every replicate left empty gave NaN
    signatures; an objective of the wrong length was accepted."""
    from sigforge.discovery import cluster_replicates

    W = np.random.default_rng(0).random((4, 10, 3))
    objective = np.arange(4.0)
    plain = cluster_replicates(W, objective)
    for scale in (1e200, 1e-200):
        scaled = cluster_replicates(W * scale, objective)
        np.testing.assert_allclose(scaled.stability, plain.stability, atol=1e-12)
    empty = cluster_replicates(np.concatenate([W[:, :, :2], np.zeros((4, 10, 1))], axis=2),
                               objective)
    assert np.isfinite(empty.signatures).all()
    with pytest.raises(ValueError, match=r"objective: expected one value per replicate"):
        cluster_replicates(W, np.arange(3.0))
    with pytest.raises(ValueError, match="W: expected finite nonnegative"):
        cluster_replicates(-W, objective)


def test_stack_modalities_refuses_colliding_labels_and_negative_values() -> None:
    """Modality 'a' feature 'b:c' and modality 'a:b' feature 'c' both became 'a:b:c', and
    split_components then failed with a raw IndexError; negative values were stacked."""
    import pandas as pd

    from sigforge.discovery import stack_modalities
    from sigforge.io import InputError

    a = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["b:c", "x"], columns=["s1", "s2"])
    b = pd.DataFrame([[1.0, 2.0]], index=["c"], columns=["s1", "s2"])
    with pytest.raises(InputError, match="'a:b:c' is made twice"):
        stack_modalities({"a": a, "a:b": b}, {"a": 1, "a:b": 1})
    with pytest.raises(InputError, match="nonnegative"):
        stack_modalities({"a": -a, "b": b}, {"a": 1, "b": 1})
    stacked, _ = stack_modalities({"a": a, "b": b}, {"a": 1, "b": 2})
    assert list(stacked.index) == ["a:b:c", "a:x", "b:c"] and stacked.loc["b:c", "s2"] == 4


def test_signature_tables_at_extreme_values_give_no_nan() -> None:
    """normalise_signatures of an infinite cell, and rescale_signatures between opportunities
    1e-300 and 1e300, returned all-NaN tables; a NaN or negative cell was called 'all zeros'."""
    import pandas as pd

    from sigforge.refit import normalise_signatures, rescale_signatures

    for value, said in ((np.inf, "finite"), (np.nan, "finite"), (-1.0, "nonnegative")):
        with pytest.raises(ValueError, match=f"signatures: expected {said}"):
            normalise_signatures(pd.DataFrame({"A": [1.0, value], "B": [0.5, 0.5]}))
    signatures = pd.DataFrame({"A": [0.5, 0.5], "B": [0.2, 0.8]})
    carried = rescale_signatures(signatures, ["AAA", "CCC"],
                                 pd.Series({"AAA": 1e-300, "CCC": 1.0}),
                                 pd.Series({"AAA": 1e300, "CCC": 1.0}))
    assert np.isfinite(carried.to_numpy()).all()
    np.testing.assert_allclose(carried.sum().to_numpy(), 1.0)
    assert (carried.iloc[0] == 1.0).all()


@pytest.mark.parametrize("scale", [1e-200, 1e-170, 1e160])
def test_cosine_and_its_refit_at_any_scale(scale: float) -> None:
    """cosine_similarity over- or underflowed near 1e160 and 1e-170: the cosine refit gave
    all-zero exposures at 1e-170 and wrong ones (148.6 for 247.5) at 1e160."""
    from sigforge._maths import cosine_similarity
    from sigforge.refit import refit_matrix

    a, B = np.array([1.0, 2.0, 3.0]), np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    np.testing.assert_allclose(cosine_similarity(a * scale, B * scale), cosine_similarity(a, B))
    rng = np.random.default_rng(0)
    S = rng.dirichlet(np.ones(12), 3).T
    C = rng.poisson(S @ rng.gamma(2.0, 50.0, (3, 4))).astype(float)
    options = RefitOptions(method="cosine", bootstrap=0)
    np.testing.assert_allclose(refit_matrix(C * scale, S, options) / scale,
                               refit_matrix(C, S, options), rtol=1e-6)


def test_complex_values_are_refused_not_cut_to_their_real_part() -> None:
    """The refit, spatial and attribution functions dropped the imaginary part silently,
    where the NMF functions refuse complex input."""
    from sigforge.refit import refit_matrix

    with pytest.raises(ValueError, match="catalog: expected real numbers"):
        refit_matrix(np.ones((3, 2)) + 1j, np.eye(3), RefitOptions(method="nnls", bootstrap=0))


def test_the_workflow_refuses_one_table_as_two_modalities_before_any_job(
        tmp_path: Path) -> None:
    """The dry run passed a joint config naming one file twice; the run failed in the
    prepare_joint job, its message only in the job's log."""
    from sigforge.io import InputError
    from sigforge.workflow.checks import input_shape

    table = tmp_path / "ja.tsv"
    table.write_text("f\ts1\ts2\ts3\ng1\t1\t2\t3\ng2\t4\t5\t6\n")
    copy = tmp_path / "jb.tsv"
    copy.write_bytes(table.read_bytes())
    config = {"type": "joint", "joint": {"modalities": [
        {"name": "a", "path": str(table)}, {"name": "b", "path": str(copy)}]}}
    with pytest.raises(InputError, match=r"joint.modalities path .*jb.tsv \(modality 'b'\) is "
                                         r"a byte-for-byte copy of"):
        input_shape(config)

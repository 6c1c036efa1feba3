"""The minimum-volume refinement of the batched KL solver (``volume`` > 0)."""

from __future__ import annotations

import numpy as np
import pytest

from sigforge.discovery.pipeline import NMFOptions, solve_replicates
from sigforge.nmf import fit_kl_mu_batched, kl_divergence, random_init
from sigforge.testing import match_cosines


def _flat_cohort(seed: int, m: int = 96, n: int = 150, k: int = 4,
                 burden: float = 1500.0) -> tuple[np.ndarray, np.ndarray]:
    """Signatures that are 60% the same flat profile (pairwise cosines up to about 0.73, like
    SBS3/SBS5/SBS40a) and Poisson counts of samples mixing them."""
    rng = np.random.default_rng(seed)
    peaks = rng.gamma(0.3, 1.0, size=(m, k))
    signatures = 0.6 / m + 0.4 * peaks / peaks.sum(axis=0)
    signatures /= signatures.sum(axis=0)
    weights = rng.dirichlet(np.ones(k), size=n).T
    return signatures, rng.poisson(signatures @ (weights * burden)).astype(np.float64)


def _log_volume(W: np.ndarray) -> float:
    return float(np.linalg.slogdet(W.T @ W + np.eye(W.shape[1]))[1])


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_refinement_separates_flat_signatures_that_plain_nmf_blends(seed: int) -> None:
    signatures, X = _flat_cohort(seed)
    W0, H0 = random_init(X, 4, np.random.default_rng(seed))
    plain = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=5000, tol=1e-9)
    refined = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=5000, tol=1e-9,
                                volume=0.2)
    plain_cos = match_cosines(plain.W[0], signatures)
    refined_cos = match_cosines(refined.W[0], signatures)
    assert refined_cos.min() > plain_cos.min()
    assert refined_cos.min() > 0.985
    # A smaller simplex at nearly the same fit (the polish takes the divergence back to
    # within 0.5% of the plain fit's).
    assert _log_volume(refined.W[0]) < _log_volume(plain.W[0])
    plain_kl = kl_divergence(X[None], plain.W @ plain.H)[0]
    refined_kl = kl_divergence(X[None], refined.W @ refined.H)[0]
    assert abs(refined_kl - plain_kl) < 0.005 * plain_kl
    np.testing.assert_allclose(refined.W[0].sum(axis=0), 1.0)
    # The reported objective is the polished fit's plain divergence.
    assert refined.objective[0] == pytest.approx(refined_kl, rel=1e-9)


def test_the_refinements_start_is_not_iterated_to_convergence(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain fit before the refinement stops at PREFIT_TOL: far fewer iterations than a
    start converged to ``tol``, for signatures as close to the truth."""
    from sigforge.nmf import _batch

    signatures, X = _flat_cohort(0)
    W0, H0 = random_init(X, 4, np.random.default_rng(0))
    quick = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=5000, tol=1e-9,
                              volume=0.2)
    monkeypatch.setattr(_batch, "PREFIT_TOL", 0.0)  # the plain fit runs to tol = 1e-9
    slow = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=5000, tol=1e-9,
                             volume=0.2)
    assert quick.n_iter[0] < 0.5 * slow.n_iter[0]
    quick_cos = match_cosines(quick.W[0], signatures).min()
    slow_cos = match_cosines(slow.W[0], signatures).min()
    assert quick_cos > 0.985 and abs(quick_cos - slow_cos) < 0.01


def test_refinement_gives_the_same_bits_alone_and_in_a_batch() -> None:
    problems = [_flat_cohort(seed, n=40) for seed in range(3)]
    X = np.stack([counts for _, counts in problems])
    starts = [random_init(x, 4, np.random.default_rng(i)) for i, x in enumerate(X)]
    W0, H0 = np.stack([s[0] for s in starts]), np.stack([s[1] for s in starts])
    together = fit_kl_mu_batched(X, W0, H0, max_iter=400, min_iter=20, volume=0.2)
    for r in range(3):
        alone = fit_kl_mu_batched(X[r:r + 1], W0[r:r + 1], H0[r:r + 1], max_iter=400,
                                  min_iter=20, volume=0.2)
        np.testing.assert_array_equal(alone.W[0], together.W[r])
        np.testing.assert_array_equal(alone.H[0], together.H[r])


def test_more_features_than_samples_are_refined_untransposed() -> None:
    # 96 features, 20 samples: the plain solver transposes such problems; the penalty acts on
    # the caller's W, so the refinement must not, and W still sums to 1 per column.
    signatures, X = _flat_cohort(2, n=20)
    W0, H0 = random_init(X, 4, np.random.default_rng(0))
    plain = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=2000)
    refined = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=2000, volume=0.2)
    np.testing.assert_allclose(refined.W[0].sum(axis=0), 1.0)
    assert _log_volume(refined.W[0]) < _log_volume(plain.W[0])


def test_refinement_refuses_weights_and_fixed_factors() -> None:
    _, X = _flat_cohort(0, n=30)
    W0, H0 = random_init(X, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="both factors updated and no entry weights"):
        fit_kl_mu_batched(X[None], W0[None], H0[None], volume=0.1,
                          weights=np.ones_like(X)[None])
    with pytest.raises(ValueError, match="both factors updated"):
        fit_kl_mu_batched(X[None], W0[None], H0[None], volume=0.1, update_w=False)
    with pytest.raises(ValueError, match="volume >= 0"):
        fit_kl_mu_batched(X[None], W0[None], H0[None], volume=-0.1)


def test_discovery_option_reaches_the_replicates() -> None:
    _, X = _flat_cohort(0, n=60)
    plain = solve_replicates(X, 4, range(2), seed=1, matrix_name="flat",
                             options=NMFOptions(max_iter=500, volume=0.0))
    refined = solve_replicates(X, 4, range(2), seed=1, matrix_name="flat",
                               options=NMFOptions(max_iter=500, volume=0.2))
    assert all(_log_volume(refined["W"][r]) < _log_volume(plain["W"][r]) for r in range(2))
    with pytest.raises(ValueError, match="--volume"):
        NMFOptions(volume=-1.0)


def test_a_component_the_refinement_empties_becomes_flat_and_unused() -> None:
    """An emptied component (zero or non-finite W column) is replaced by a flat one with no
    exposure, so consensus clustering can take it; the product W @ H keeps its value."""
    from sigforge.discovery.pipeline import flatten_empty_components

    rng = np.random.default_rng(2)
    W, H = rng.dirichlet(np.ones(6), size=(3, 3)).transpose(0, 2, 1), rng.uniform(1, 5, (3, 3, 4))
    W[1, :, 2] = 0.0
    W[2, :, 0] = np.nan
    flat, unused = flatten_empty_components(W, H)
    assert np.isfinite(flat).all() and np.allclose(flat.sum(axis=1), 1.0)
    assert np.all(flat[1, :, 2] == 1 / 6) and np.all(unused[1, 2] == 0.0)
    assert np.all(flat[2, :, 0] == 1 / 6) and np.all(unused[2, 0] == 0.0)
    np.testing.assert_array_equal(flat[0], W[0])  # untouched replicates keep their bits
    np.testing.assert_allclose((flat @ unused)[1], (np.nan_to_num(W) @ H)[1]
                               - np.outer(W[1, :, 2], H[1, 2]))
    full_w, full_h = W[:1].copy(), H[:1].copy()
    same_w, same_h = flatten_empty_components(full_w, full_h)
    assert same_w is full_w and same_h is full_h  # nothing emptied: no copy


def test_an_over_split_rank_whose_replicate_loses_a_component_is_summarised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A replicate with an emptied component still gives a consensus (no NaN in the cosine
    clustering or the gap statistic)."""
    import pandas as pd

    from sigforge.discovery import pipeline

    signatures, X = _flat_cohort(4, n=40)
    real = pipeline.fit_kl_mu_batched

    def emptying(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        result = real(*args, **kwargs)
        result.W[0, :, -1] = 0.0
        return result

    monkeypatch.setattr(pipeline, "fit_kl_mu_batched", emptying)
    reps = solve_replicates(X, 3, range(6), seed=1, matrix_name="X",
                            options=NMFOptions(max_iter=300, min_iter=20))
    assert np.isfinite(reps["W"]).all()
    summary = pipeline.summarise_rank(pd.DataFrame(X), 3, reps, prefix="X", seed=1)
    assert np.isfinite(summary.signatures.to_numpy()).all()


#: A 12 x 8 count matrix on which the penalised objective rises at the refinement's first
#: check (a red-team case of ``extract --generic --min-iter 0``).
_RISING = np.array([
    [15, 37, 15, 31, 59, 4, 13, 28], [11, 10, 7, 3, 0, 1, 5, 12],
    [16, 57, 24, 107, 246, 20, 36, 54], [10, 29, 7, 8, 19, 1, 9, 13],
    [66, 176, 72, 585, 1309, 36, 163, 262], [31, 61, 25, 26, 22, 5, 20, 50],
    [10, 35, 11, 88, 238, 4, 26, 44], [10, 35, 9, 3, 1, 2, 7, 27],
    [61, 119, 45, 22, 19, 8, 36, 73], [31, 58, 11, 75, 172, 9, 41, 58],
    [50, 142, 50, 130, 269, 18, 58, 113], [44, 96, 35, 13, 2, 11, 19, 56]], dtype=float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_small_min_iter_does_not_cut_the_refinement_short(seed: int) -> None:
    """With --min-iter 0 the penalised stage stopped at its first rise of the objective (270
    iterations in all, not converged): the signatures were plain NMF's to 1e-3, and the run
    blamed --max-iter. It now runs VOLUME_MIN_ITER iterations at least, as at the default."""
    from sigforge.nmf._kernels import VOLUME_MIN_ITER

    W0, H0 = random_init(_RISING, 2, np.random.default_rng(seed))
    fits = {min_iter: fit_kl_mu_batched(_RISING[None], W0[None], H0[None], max_iter=10000,
                                        tol=1e-7, volume=0.5, min_iter=min_iter)
            for min_iter in (0, VOLUME_MIN_ITER)}
    plain = fit_kl_mu_batched(_RISING[None], W0[None], H0[None], max_iter=10000, tol=1e-7)
    assert fits[0].converged[0]
    assert np.abs(fits[0].W - plain.W).max() > 0.03
    np.testing.assert_allclose(fits[0].W, fits[VOLUME_MIN_ITER].W, atol=1e-3)

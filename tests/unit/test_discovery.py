"""Replicates, consensus, rank choice: determinism and recovery of planted signatures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery.consensus import cluster_replicates
from sigforge.discovery.pipeline import (
    NMFOptions,
    chunk_ranges,
    component_names,
    merge_chunks,
    run_discovery,
    solve_replicates,
)
from sigforge.discovery.rank import RankRule, select_rank
from sigforge.discovery.resample import replicate_rng
from sigforge.testing import match_cosines, planted_counts

OPTIONS = NMFOptions(max_iter=600, min_iter=50, tol=1e-6)


def test_chunking_does_not_change_a_bit() -> None:
    catalog = planted_counts(40, 15, 3, rng=3).counts
    one = solve_replicates(catalog, 3, range(6), seed=7, matrix_name="X", options=OPTIONS)
    parts = [solve_replicates(catalog, 3, chunk, seed=7, matrix_name="X", options=OPTIONS)
             for chunk in chunk_ranges(6, 4)]
    merged = merge_chunks(parts[::-1])
    for key in one:
        np.testing.assert_array_equal(one[key], merged[key])


def test_seed_streams_are_keyed_by_all_four_keys() -> None:
    draws = {key: replicate_rng(*key).integers(1 << 62)
             for key in [(1, "SBS96", 3, 0), (2, "SBS96", 3, 0), (1, "DBS78", 3, 0),
                         (1, "SBS96", 4, 0), (1, "SBS96", 3, 1)]}
    assert len(set(draws.values())) == 5
    assert replicate_rng(1, "SBS96", 3, 0).integers(1 << 62) == draws[(1, "SBS96", 3, 0)]


def test_merge_rejects_gaps() -> None:
    chunk = {"replicate": np.array([0, 2]), "W": np.zeros((2, 1, 1))}
    with pytest.raises(ValueError, match="exactly once"):
        merge_chunks([chunk])


def test_chunk_ranges_are_stable_when_replicates_grow() -> None:
    assert chunk_ranges(10, 4)[:2] == chunk_ranges(20, 4)[:2]
    assert chunk_ranges(10, 4)[-1] == range(8, 10)


def test_component_names() -> None:
    assert component_names("SBS96", 3) == ["SBS96A", "SBS96B", "SBS96C"]
    assert component_names("C", 28)[26:] == ["CAA", "CAB"]


def test_consensus_recovers_permuted_replicates(rng: np.random.Generator) -> None:
    truth = rng.gamma(0.3, size=(50, 4))
    truth /= truth.sum(axis=0)
    replicates = []
    for _ in range(8):
        noisy = truth * rng.uniform(0.9, 1.1, size=truth.shape)
        replicates.append(noisy[:, rng.permutation(4)])
    W = np.stack(replicates)
    result = cluster_replicates(W, np.arange(8.0))
    assert match_cosines(result.signatures, truth).min() > 0.999
    assert result.stability.min() > 0.8
    for r in range(8):
        assert sorted(result.assignment[r]) == [0, 1, 2, 3]
    reordered = cluster_replicates(W[::-1], np.arange(8.0)[::-1])
    np.testing.assert_allclose(reordered.signatures, result.signatures)


def test_rank_rule_prefers_the_largest_stable_useful_rank() -> None:
    metrics = pd.DataFrame({
        "mean_stability": [0.95, 0.9, 0.92, 0.6, 0.85],
        "min_stability": [0.9, 0.8, 0.85, -0.2, 0.7],
        "kl_divergence": [1000.0, 600.0, 300.0, 295.0, 299.0],
    }, index=pd.Index([2, 3, 4, 5, 6], name="k"))
    choice = select_rank(metrics, RankRule())
    assert choice.rank == 4  # 5 unstable; 6 stable but gains < 1% over 4
    assert choice.metrics["selected"].sum() == 1
    assert select_rank(metrics, RankRule(fixed_rank=6)).rank == 6
    with pytest.raises(ValueError, match="not among the ranks"):
        select_rank(metrics, RankRule(fixed_rank=9))


def test_rank_rule_without_stable_rank_says_so() -> None:
    metrics = pd.DataFrame({"mean_stability": [0.5, 0.6], "min_stability": [0.1, 0.2],
                            "kl_divergence": [10.0, 5.0]}, index=[2, 3])
    choice = select_rank(metrics)
    assert choice.rank == 3 and "caution" in choice.reason


def test_discovery_recovers_planted_rank_and_signatures() -> None:
    planted = planted_counts(96, 30, 4, burden=3000, rng=11)
    catalog = pd.DataFrame(planted.counts)
    found = run_discovery(catalog, [2, 3, 4, 5, 6], replicates=8, chunk_size=4, seed=1,
                          matrix_name="T", options=NMFOptions(max_iter=2000),
                          rule=RankRule())
    assert found.choice.rank == 4
    assert match_cosines(found.chosen.signatures.to_numpy(), planted.signatures).min() > 0.97


def test_rank_larger_than_data_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"expected 1 <= k <= 5"):
        solve_replicates(np.ones((10, 5)), 6, range(2), seed=0, matrix_name="X",
                         options=OPTIONS)


def test_consensus_matrix_and_cophenetic_correlation(rng: np.random.Generator) -> None:
    from sigforge.discovery.consensus import consensus_matrix, cophenetic_correlation

    groups = np.repeat([0, 1, 2], 4)
    clean = np.stack([np.eye(3)[:, groups] * 10 + rng.uniform(0, 1, (3, 12)) for _ in range(6)])
    matrix = consensus_matrix(clean)
    assert matrix.shape == (12, 12)
    np.testing.assert_array_equal(matrix, (groups[:, None] == groups[None, :]).astype(float))
    assert cophenetic_correlation(clean) == pytest.approx(1.0)
    noisy = rng.uniform(0, 1, size=(6, 3, 12))
    assert cophenetic_correlation(noisy) < 0.95
    assert np.isnan(cophenetic_correlation(clean[:, :1, :]))


def test_multinomial_resampling_keeps_every_total(rng: np.random.Generator) -> None:
    from sigforge.discovery.resample import get_resampler

    catalog = planted_counts(30, 8, 2, rng=rng).counts
    catalog[:, 3] = 0.0
    draw = get_resampler("multinomial")(catalog, rng)
    np.testing.assert_array_equal(draw.sum(axis=0), catalog.sum(axis=0))
    assert not np.array_equal(draw, catalog)
    with pytest.raises(ValueError, match="poisson, multinomial"):
        get_resampler("jackknife")
    options = NMFOptions(max_iter=100, min_iter=10, resampling="multinomial")
    one = solve_replicates(catalog[:, [0, 1, 2, 4]], 2, range(3), seed=1, matrix_name="X",
                           options=options)
    parts = [solve_replicates(catalog[:, [0, 1, 2, 4]], 2, range(i, i + 1), seed=1,
                              matrix_name="X", options=options) for i in range(3)]
    np.testing.assert_array_equal(one["W"], merge_chunks(parts)["W"])


def test_factor_problem_names_each_reason_and_passes_a_factorable_catalog() -> None:
    from sigforge.discovery.skip import MIN_MUTATIONS_PER_SIGNATURE, factor_problem

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values)

    rich = np.full((10, 6), 10)
    assert factor_problem(frame(rich), 5) is None
    few_samples = rich.copy()
    few_samples[:, 2:] = 0
    assert factor_problem(frame(few_samples), 3).startswith("only 2 sample(s)")
    few_channels = rich.copy()
    few_channels[2:, :] = 0
    assert factor_problem(frame(few_channels), 3).startswith("only 2 channel(s)")
    thin = np.zeros((10, 6), dtype=np.int64)
    np.fill_diagonal(thin, 1)
    thin[0, :] += 1  # 12 mutations: enough samples and channels, too few counts for rank 3
    assert f"fewer than {3 * MIN_MUTATIONS_PER_SIGNATURE}" in factor_problem(frame(thin), 3)


def test_several_starts_keep_each_replicates_best_fit_and_one_start_is_the_old_fit() -> None:
    """starts = S factors each bootstrap catalog from S random starts and keeps the lowest
    objective; the first start is the single-start fit, so S = 1 is unchanged and S > 1 can
    only lower each replicate's objective."""
    from sigforge.discovery.pipeline import best_starts

    counts = planted_counts(96, 30, 3, burden=500, rng=1).counts.astype(float)
    one = solve_replicates(counts, 4, range(5), seed=2, matrix_name="t",
                           options=NMFOptions(max_iter=300, min_iter=20))
    three = solve_replicates(counts, 4, range(5), seed=2, matrix_name="t",
                             options=NMFOptions(max_iter=300, min_iter=20, starts=3))
    assert three["W"].shape == one["W"].shape and (three["objective"] <= one["objective"]).all()
    assert (three["objective"] < one["objective"]).any()
    same = three["objective"] == one["objective"]
    np.testing.assert_array_equal(three["W"][same], one["W"][same])
    np.testing.assert_array_equal(best_starts(np.array([3.0, 1.0, 1.0, 2.0, 5.0, 2.0]), 3),
                                  [1, 3])
    with pytest.raises(ValueError, match="--starts"):
        NMFOptions(starts=0)


def test_cophenetic_correlation_of_equal_distances_is_nan_without_a_warning() -> None:
    """Every sample in a group of its own in every replicate: the tree's distances are all
    equal and the correlation undefined; scipy's division warning reached the terminal."""
    import warnings

    from sigforge.discovery.consensus import cophenetic_correlation

    H = np.tile(np.eye(3)[None], (4, 1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(cophenetic_correlation(H))

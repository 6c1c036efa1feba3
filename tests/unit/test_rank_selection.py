"""Held-out cross-validation (random entries and bi-cross-validation blocks), the gap
statistic and the combined rank rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigforge.discovery.consensus import gap_statistic
from sigforge.discovery.crossval import (
    CVOptions,
    cross_validate_rank,
    holdout_block,
    holdout_mask,
    poisson_deviance,
    summarise_folds,
)
from sigforge.discovery.pipeline import NMFOptions, run_discovery, solve_replicates
from sigforge.discovery.rank import RankRule, range_edge, select_rank
from sigforge.testing import match_cosines, planted_counts

FAST_CV = CVOptions(folds=3, starts=1, max_iter=800, min_iter=50, tol=1e-6)


def test_holdout_mask_is_deterministic_and_shared_by_every_rank() -> None:
    one = holdout_mask((96, 30), 0.1, 5, "SBS96", 2)
    np.testing.assert_array_equal(one, holdout_mask((96, 30), 0.1, 5, "SBS96", 2))
    assert one.sum() == round(0.1 * 96 * 30)
    assert not np.array_equal(one, holdout_mask((96, 30), 0.1, 5, "SBS96", 3))
    assert not np.array_equal(one, holdout_mask((96, 30), 0.1, 6, "SBS96", 2))
    with pytest.raises(ValueError, match="fraction"):
        holdout_mask((4, 4), 1.0, 0, "X", 0)


@pytest.mark.parametrize(("shape", "fraction"), [((3, 5000), 0.1), ((4, 300), 0.3),
                                                  ((40, 2), 0.5)])
def test_holdout_mask_hides_no_sample_or_feature_whole(shape: tuple[int, int],
                                                       fraction: float) -> None:
    """On three features 4-7 samples per fold were hidden whole; their coefficients fit to 0
    and they made up to half of the fold's error. Each keeps one visible entry now, and the
    draw is otherwise the plain one (a 96 x 30 fold still hides exactly 10%)."""
    for fold in range(5):
        mask = holdout_mask(shape, fraction, 0, "M", fold)
        assert not mask.all(axis=0).any() and not mask.all(axis=1).any()
        assert 0.6 * fraction * mask.size < mask.sum() <= round(fraction * mask.size)
    with pytest.raises(ValueError, match="leaves no entry to hold out"):
        holdout_mask((1, 50), 0.1, 0, "M", 0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=20), st.floats(0.01, 60.0))
def test_poisson_deviance_is_zero_only_at_the_data(counts: list[int], shift: float) -> None:
    x = np.asarray(counts, dtype=np.float64)
    assert np.allclose(poisson_deviance(x, np.maximum(x, 1e-300)), 0.0, atol=1e-9)
    assert (poisson_deviance(x, x + shift) > 0).all()


def test_holdout_block_is_deterministic_and_keeps_something_visible() -> None:
    samples, channels = holdout_block((96, 30), 0.2, 5, "SBS96", 2)
    again = holdout_block((96, 30), 0.2, 5, "SBS96", 2)
    np.testing.assert_array_equal(samples, again[0])
    np.testing.assert_array_equal(channels, again[1])
    assert samples.sum() == 6 and channels.sum() == round(0.2 * 96)
    assert not np.array_equal(samples, holdout_block((96, 30), 0.2, 5, "SBS96", 3)[0])
    tiny = holdout_block((3, 2), 0.9, 0, "X", 0)
    assert tiny[0].sum() == 1 and tiny[1].sum() == 2  # one sample and one channel stay visible
    with pytest.raises(ValueError, match="fraction"):
        holdout_block((4, 4), 1.0, 0, "X", 0)


@pytest.mark.parametrize("scheme", ["entries", "blocks"])
def test_cv_folds_give_the_same_bits_however_they_are_split(scheme: str) -> None:
    catalog = planted_counts(40, 20, 3, rng=5).counts
    options = CVOptions(**{**FAST_CV.__dict__, "scheme": scheme})
    together = cross_validate_rank(catalog, 3, range(3), seed=2, matrix_name="X",
                                   options=options)
    apart = [cross_validate_rank(catalog, 3, [f], seed=2, matrix_name="X", options=options)
             for f in (2, 0, 1)]
    for key in ("error", "train", "converged"):
        merged = np.concatenate([a[key] for a in sorted(apart, key=lambda a: a["fold"][0])])
        np.testing.assert_array_equal(together[key], merged)


@pytest.mark.parametrize("scheme", ["entries", "blocks"])
def test_cv_error_is_lowest_near_the_planted_rank(scheme: str) -> None:
    catalog = planted_counts(96, 40, 4, burden=3000, rng=11).counts
    options = CVOptions(folds=3, starts=2, max_iter=2000, min_iter=100, tol=1e-7,
                        scheme=scheme)
    errors = {k: summarise_folds(cross_validate_rank(catalog, k, range(3), seed=1,
                                                     matrix_name="T", options=options))
              ["cv_error"] for k in (2, 3, 4, 5, 7)}
    assert min(errors, key=errors.get) in (4, 5)
    assert errors[2] > errors[3] > errors[4]
    assert errors[7] > errors[4]


def test_blocks_stay_put_where_a_hypermutators_hidden_entries_drift() -> None:
    """40 genomes of 2,000 mutations from 3 signatures, one of them with 400,000 more from a
    private signature. With random hidden entries, the component that serves that genome alone
    has no visible data on its hidden channels, so its weight there drifts for as long as the
    fit runs: fold errors grow several-fold from 1,000 to 4,000 iterations. Bi-cross-validation
    blocks fit the signatures without the held-out genomes, so every prediction is fixed by
    data: the errors do not move, and rank 4 (3 shared + the private one) beats rank 3 (except
    on the fold that holds the hypermutated genome out: no other genome shows its private
    signature, so no rank predicts it)."""
    catalog = planted_counts(96, 40, 3, burden=2000, rng=3).counts.astype(float)
    rng = np.random.default_rng(0)
    catalog[:, 0] += rng.poisson(rng.dirichlet(np.full(96, 0.3)) * 400_000)

    def errors(scheme: str, max_iter: int) -> dict[int, np.ndarray]:
        options = CVOptions(folds=5, max_iter=max_iter, scheme=scheme)
        return {k: cross_validate_rank(catalog, k, range(5), seed=1, matrix_name="H",
                                       options=options)["error"] for k in (3, 4)}

    entries = errors("entries", 1000), errors("entries", 4000)
    assert max((entries[1][k] / entries[0][k]).max() for k in (3, 4)) > 3
    blocks = errors("blocks", 1000), errors("blocks", 4000)
    for k in (3, 4):
        np.testing.assert_allclose(blocks[1][k], blocks[0][k], rtol=0.05)
    assert blocks[1][4].mean() < blocks[1][3].mean()
    assert (blocks[1][4] < blocks[1][3]).sum() >= 4  # the fold holding out genome 0 excepted


def test_gap_statistic_sees_clusters_in_reproducible_replicates(
        rng: np.random.Generator) -> None:
    truth = rng.gamma(0.3, size=(50, 4))
    reproducible = np.stack([truth * rng.uniform(0.95, 1.05, truth.shape) for _ in range(10)])
    gap = gap_statistic(reproducible, np.random.default_rng(0))
    assert gap.clusters >= 4
    assert gap.gap[3] > gap.gap[0]
    shapeless = rng.uniform(size=(10, 50, 4))
    assert gap_statistic(shapeless, np.random.default_rng(0)).clusters < 4


def _metrics(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.Index([2, 3, 4, 5, 6], name="k"))


def test_rank_rule_takes_the_largest_stable_gap_consistent_rank_whatever_cv_says() -> None:
    metrics = _metrics(mean_stability=[0.95, 0.9, 0.92, 0.6, 0.85],
                       min_stability=[0.9, 0.8, 0.85, -0.2, 0.7],
                       kl_divergence=[1000.0, 600.0, 300.0, 295.0, 290.0],
                       gap_clusters=[3, 4, 5, 4, 7],
                       cv_error=[9.0, 4.0, 1.10, 1.05, 1.60],
                       cv_se=[0.5, 0.2, 0.02, 0.1, 0.02])
    choice = select_rank(metrics)
    # 5 has the lowest CV error but is unstable; 6 is stable and gap-consistent and lowers
    # the KL divergence by more than 1%, so it is chosen although its CV error is 25 SE
    # above 4's.
    assert choice.rank == 6 and not choice.caution
    assert choice.metrics.loc[5, "candidate"] == np.False_
    assert "largest candidate rank" in choice.reason and "CV" not in choice.reason
    not_gap = metrics.assign(gap_clusters=[3, 4, 5, 4, 5])  # 6 now lacks gap support
    assert select_rank(not_gap).rank == 4


def test_a_least_stable_component_above_the_threshold_keeps_a_rank_a_candidate() -> None:
    """SigProfilerExtractor's thresholds: mean >= 0.8 and every component >= 0.2. A rank
    whose one flat or rare signature reaches 0.36 is a candidate (the renal-ovarian cohort's
    k = 9); one whose split signature falls below 0 is not."""
    metrics = _metrics(mean_stability=[0.99, 0.98, 0.79, 0.87, 0.80],
                       min_stability=[0.97, 0.95, -0.10, 0.36, -0.05],
                       kl_divergence=[330.0, 306.0, 298.0, 280.0, 274.0])
    choice = select_rank(metrics)
    assert list(choice.metrics.index[choice.metrics["candidate"]]) == [2, 3, 5]
    assert choice.rank == 5
    assert select_rank(metrics, RankRule(min_component_stability=0.5)).rank == 3
    assert select_rank(metrics.assign(min_stability=[0.97, 0.95, -0.10, 0.19, -0.05])
                       ).rank == 3


def test_rank_rule_does_not_underfit_when_cv_cannot_separate_ranks() -> None:
    """Sparse catalogs: CV errors of k = 1 and 2 overlap, the KL gain is large; take 2."""
    metrics = pd.DataFrame({"mean_stability": [0.999, 0.998, 0.42],
                            "min_stability": [0.999, 0.996, -0.75],
                            "kl_divergence": [298.1, 121.9, 115.9],
                            "gap_clusters": [2, 2, 4],
                            "cv_error": [0.777, 0.731, 0.628], "cv_se": [0.09, 0.20, 0.13]},
                           index=pd.Index([1, 2, 3], name="k"))
    assert select_rank(metrics).rank == 2


def test_rank_rule_fallback_uses_paired_fold_differences() -> None:
    metrics = _metrics(mean_stability=[0.5] * 5, min_stability=[0.1] * 5,
                       kl_divergence=[5.0, 4.0, 3.0, 2.0, 1.0],
                       cv_error=[3.0, 2.0, 1.2, 1.0, 1.1], cv_se=[0.5] * 5)
    # No rank is stable: the one-SE rule runs over every rank. Fold errors move together
    # across ranks, so rank 5 beats 4 on every fold.
    folds = pd.DataFrame({f"fold{f}": [3.0 + s, 2.0 + s, 1.2 + s, 1.0 + s, 1.1 + s]
                          for f, s in enumerate([-0.6, 0.0, 0.6])}, index=metrics.index)
    choice = select_rank(metrics)
    assert choice.rank == 4 and "caution" in choice.reason  # unpaired SE 0.5 accepts 4
    assert select_rank(metrics, cv_folds=folds).rank == 5


def test_discovery_with_cv_recovers_planted_rank_and_signatures() -> None:
    planted = planted_counts(96, 30, 4, burden=3000, rng=11)
    catalog = pd.DataFrame(planted.counts)
    found = run_discovery(catalog, [2, 3, 4, 5, 6], replicates=8, chunk_size=4, seed=1,
                          matrix_name="T", options=NMFOptions(max_iter=2000),
                          rule=RankRule(), cv=CVOptions(folds=3, starts=1, max_iter=2000))
    assert found.choice.rank == 4
    table = found.choice.metrics
    assert {"cv_error", "cv_se", "gap", "gap_clusters"} <= set(table.columns)
    assert table["cv_error"].idxmin() in (4, 5)
    assert match_cosines(found.chosen.signatures.to_numpy(), planted.signatures).min() > 0.97
    assert sorted(found.cv) == [2, 3, 4, 5, 6]


def test_gap_nulls_are_keyed_by_the_seed() -> None:
    planted = planted_counts(30, 12, 2, rng=3)
    reps = solve_replicates(planted.counts, 2, range(4), seed=0, matrix_name="X",
                            options=NMFOptions(max_iter=200, min_iter=10))
    from sigforge.discovery.pipeline import summarise_rank

    frame = pd.DataFrame(planted.counts)
    a = summarise_rank(frame, 2, reps, prefix="X", seed=4).metrics
    b = summarise_rank(frame, 2, reps, prefix="X", seed=4).metrics
    assert a == b
    c = summarise_rank(frame, 2, reps, prefix="X", seed=5).metrics
    assert c["gap"] != a["gap"] and c["mean_stability"] == a["mean_stability"]


def test_capping_scales_only_hypermutators_and_keeps_profiles(
        rng: np.random.Generator) -> None:
    from sigforge.discovery.normalise import cap_samples, gmm_threshold

    totals = np.concatenate([rng.lognormal(np.log(3000), 0.4, 60), [2e5, 4e5, 9e5]])
    profiles = rng.dirichlet(np.ones(96), size=totals.size).T
    catalog = profiles * totals
    capped = cap_samples(catalog, "gmm", cap=100.0)
    assert 5000 < capped.threshold < 2e5
    # mean + 2 SD of the main population: a few ordinary samples are trimmed a little.
    assert (capped.scale[:60] == 1.0).sum() >= 55 and capped.scale[:60].min() > 0.5
    assert np.all(capped.scale[60:] < 0.1)
    np.testing.assert_allclose(capped.catalog.sum(axis=0)[60:], capped.threshold)
    np.testing.assert_allclose(capped.catalog[:, 60:] / capped.catalog[:, 60:].sum(axis=0),
                               profiles[:, 60:])
    # Without hypermutators the floor (SigProfilerExtractor's 9,600) leaves every sample alone.
    assert gmm_threshold(totals[:60]) == 9600.0
    fixed = cap_samples(catalog, "cap", cap=5000.0)
    assert fixed.catalog.sum(axis=0).max() == pytest.approx(5000.0)
    np.testing.assert_array_equal(cap_samples(catalog, "none").catalog, catalog)
    with pytest.raises(ValueError, match="none, cap, gmm"):
        cap_samples(catalog, "log2")


def test_gmm_capping_under_the_floor_fits_no_mixture_and_caps_nothing() -> None:
    """A cohort with no sample over the floor: the gmm threshold could not cap any sample,
    so the mixture is skipped (a discovery job then never imports scikit-learn, a second of
    its start), the floor is reported and the catalog is the input's, bit for bit; one
    sample over the floor fits the mixture again."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from sigforge.discovery.normalise import cap_samples, gmm_threshold\n"
        "rng = np.random.default_rng(3)\n"
        "x = rng.poisson(rng.uniform(0.5, 2.0, (96, 12))).astype(float)\n"
        "x[:, 0] *= 40.0\n"  # a 'hypermutator', still under 9,600
        "capped = cap_samples(x, 'gmm')\n"
        "assert x.sum(axis=0).max() < 9600.0\n"
        "assert capped.threshold == 9600.0 and (capped.scale == 1.0).all()\n"
        "assert np.array_equal(capped.catalog, x)\n"
        "assert 'sklearn' not in sys.modules, 'the mixture was fitted'\n"
        "x[:, 0] *= 100.0\n"
        "over = cap_samples(x, 'gmm')\n"
        "assert 'sklearn' in sys.modules and over.scale[0] < 1.0\n"
        "assert over.threshold == gmm_threshold(x.sum(axis=0))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr


def test_capping_lets_discovery_see_the_other_signatures() -> None:
    planted = planted_counts(96, 40, 3, burden=1500, rng=21)
    counts = planted.counts.copy()
    # Four hypermutators made of signature 0 only, 200 times the usual burden.
    hyper = np.random.default_rng(0).poisson(planted.signatures[:, [0]] * 3e5, (96, 4))
    catalog = pd.DataFrame(np.hstack([counts, hyper]).astype(float))
    options = NMFOptions(max_iter=2000, normalisation="gmm", cap=3000.0)
    found = run_discovery(catalog, [3], replicates=6, chunk_size=6, seed=1, matrix_name="H",
                          options=options, rule=RankRule(fixed_rank=3))
    assert match_cosines(found.chosen.signatures.to_numpy(), planted.signatures).min() > 0.95
    # Exposures are refitted to the original counts: the hypermutators keep their burden.
    assert found.chosen.exposures.to_numpy()[:, -4:].sum(axis=0).min() > 2e5


def test_cv_floor_bounds_the_cost_of_a_numerical_zero() -> None:
    # One stray count where the fit predicts 1e-70: unfloored it costs ~640, floored ~8.
    unfloored = poisson_deviance(np.array([2.0]), np.array([1e-70]))[0]
    floored = poisson_deviance(np.array([2.0]), np.maximum(np.array([1e-70]), 0.1))[0]
    assert unfloored > 600 and floored < 9
    # CVOptions itself now rejects the floor (its message names the option).
    with pytest.raises(ValueError, match="floor"):
        cross_validate_rank(np.ones((5, 4)), 1, [0], seed=0, matrix_name="X",
                            options=CVOptions(floor=0.0))


def test_whole_discovery_is_bit_identical_however_split() -> None:
    catalog = pd.DataFrame(planted_counts(40, 15, 3, rng=8).counts)
    common = {"replicates": 6, "seed": 3, "matrix_name": "X", "rule": RankRule(),
              "options": NMFOptions(max_iter=300, min_iter=20), "cv": FAST_CV}
    one = run_discovery(catalog, [2, 3, 4], chunk_size=6, threads=1, **common)
    split = run_discovery(catalog, [4, 2, 3], chunk_size=2, threads=2, **common)
    pd.testing.assert_frame_equal(one.choice.metrics, split.choice.metrics, check_exact=True)
    for k in (2, 3, 4):
        pd.testing.assert_frame_equal(one.ranks[k].signatures, split.ranks[k].signatures,
                                      check_exact=True)
        np.testing.assert_array_equal(one.cv[k]["error"], split.cv[k]["error"])


def test_one_worker_solves_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """threads=1 (`sigforge extract`'s default) keeps every solve to one numba thread on a
    machine with more cores and no OMP_NUM_THREADS; the cap ends with the run."""
    import numba

    from sigforge.nmf._batch import thread_budget

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    seen: list[int] = []
    original = numba.set_num_threads
    monkeypatch.setattr(numba, "set_num_threads", lambda n: (seen.append(n), original(n))[1])
    free = thread_budget()
    catalog = pd.DataFrame(planted_counts(40, 15, 3, rng=8).counts)
    run_discovery(catalog, [2, 3], replicates=4, chunk_size=4, threads=1, seed=3,
                  matrix_name="X", rule=RankRule(), options=NMFOptions(max_iter=100),
                  cv=FAST_CV)
    assert seen and set(seen) == {1}
    assert thread_budget() == free


def test_more_replicates_keep_the_first_ones_and_the_cv() -> None:
    catalog = planted_counts(40, 15, 3, rng=8).counts
    options = NMFOptions(max_iter=300, min_iter=20)
    few = solve_replicates(catalog, 3, range(4), seed=3, matrix_name="X", options=options)
    more = solve_replicates(catalog, 3, range(8), seed=3, matrix_name="X", options=options)
    np.testing.assert_array_equal(few["W"], more["W"][:4])
    cv = cross_validate_rank(catalog, 3, range(2), seed=3, matrix_name="X", options=FAST_CV)
    again = cross_validate_rank(catalog, 3, range(3), seed=3, matrix_name="X", options=FAST_CV)
    np.testing.assert_array_equal(cv["error"], again["error"][:2])


def test_gap_uses_the_first_replicates_when_the_pool_is_large(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sigforge.discovery.pipeline as discovery

    planted = planted_counts(30, 12, 2, rng=3)
    reps = solve_replicates(planted.counts, 2, range(8), seed=0, matrix_name="X",
                            options=NMFOptions(max_iter=200, min_iter=10))
    monkeypatch.setattr(discovery, "GAP_MAX_POINTS", 8)
    metrics = discovery.summarise_rank(pd.DataFrame(planted.counts), 2, reps, prefix="X",
                                       seed=4).metrics
    expected = gap_statistic(reps["W"][:4], discovery.gap_rng(4, "X", 2))
    assert metrics["gap"] == expected.gap[1] and metrics["gap_clusters"] == expected.clusters


def test_without_candidates_cv_still_chooses_and_says_so() -> None:
    metrics = _metrics(mean_stability=[0.5, 0.75, 0.7, 0.4, 0.3],
                       min_stability=[0.1, 0.2, 0.3, -0.2, -0.5],
                       kl_divergence=[5.0, 4.0, 3.0, 2.0, 1.0],
                       cv_error=[3.0, 2.0, 1.0, 1.05, 1.5], cv_se=[0.1] * 5)
    choice = select_rank(metrics)
    assert choice.rank == 4 and "caution" in choice.reason
    assert select_rank(metrics.drop(columns=["cv_error", "cv_se"])).rank == 3  # most stable


def test_caution_is_a_field_not_only_words_in_the_reason() -> None:
    """Reports read ``caution`` (provenance.json's ``rank_caution``), not the reason's text."""
    fallback = _metrics(mean_stability=[0.5, 0.75, 0.7, 0.4, 0.3],
                        min_stability=[0.1, 0.2, 0.3, -0.2, -0.5],
                        kl_divergence=[5.0, 4.0, 3.0, 2.0, 1.0],
                        cv_error=[3.0, 2.0, 1.0, 1.05, 1.5], cv_se=[0.1] * 5)
    assert select_rank(fallback).caution is True
    assert select_rank(fallback.drop(columns=["cv_error", "cv_se"])).caution is True
    assert select_rank(fallback, RankRule(fixed_rank=3)).caution is False
    stable = fallback.assign(mean_stability=[0.95] * 5, min_stability=[0.9] * 5)
    assert select_rank(stable).caution is False


def test_a_rank_at_an_edge_of_the_range_is_said_so() -> None:
    """The largest rank tried, or the smallest above 1, carries a warning naming the setting;
    a rank inside the range, a range starting at 1, one rank, or a fixed rank do not."""
    assert "largest rank tried (2-8)" in range_edge(range(2, 9), 8)
    assert "extract.ranks.max" in range_edge(range(2, 9), 8)
    assert "smallest rank tried (3-8)" in range_edge(range(3, 9), 3, lower=True)
    assert range_edge(range(3, 9), 3) == ""  # the rule's own choice: smaller ranks lose to it
    assert range_edge(range(1, 9), 1, lower=True) == "" and range_edge(range(2, 9), 5) == ""
    assert range_edge([4], 4) == ""
    stable = _metrics(mean_stability=[0.95] * 5, min_stability=[0.9] * 5,
                      kl_divergence=[5.0, 4.0, 3.0, 2.0, 1.0])
    top = select_rank(stable)  # every rank lowers the error by far more than 1%
    assert top.rank == int(stable.index.max()) and "largest rank tried" in top.edge
    assert select_rank(stable, RankRule(fixed_rank=top.rank)).edge == ""
    inside = stable.assign(kl_divergence=[5.0, 4.0, 3.0, 2.99, 2.985])
    assert select_rank(inside).edge == ""


def test_a_fallback_at_the_smallest_rank_tried_is_an_edge() -> None:
    """The one-SE fallback prefers small ranks, so its choice of the smallest rank tried is
    flagged; the rule's choice of the same rank (a stable candidate) is not."""
    fallback = _metrics(mean_stability=[0.5, 0.4, 0.3, 0.3, 0.3],
                        min_stability=[0.1, 0.0, -0.2, -0.2, -0.5],
                        kl_divergence=[5.0, 4.0, 3.0, 2.0, 1.0],
                        cv_error=[1.0, 1.05, 1.5, 2.0, 2.5], cv_se=[0.1] * 5)
    low = int(fallback.index.min())
    choice = select_rank(fallback)
    assert choice.caution and choice.rank == low and "smallest rank tried" in choice.edge
    stable = fallback.assign(mean_stability=[0.95, 0.5, 0.4, 0.3, 0.3],
                             min_stability=[0.9, 0.1, 0.0, -0.2, -0.5])
    assert select_rank(stable).rank == low and select_rank(stable).edge == ""


def _stabilities(values: dict[int, list[float]]) -> dict[int, pd.Series]:
    """Per rank, each component's stability, named as discovery names them."""
    return {k: pd.Series(v, index=[f"X{chr(65 + i)}" for i in range(len(v))])
            for k, v in values.items()}


def test_unreproduced_components_are_left_out_before_the_rule_looks_at_a_rank() -> None:
    """A rank whose only fault is one component below 0 (a split or a mixture the replicates
    do not reproduce) is a candidate over its kept components; the choice names the one left
    out, and its reason says so."""
    stabilities = _stabilities({2: [0.99, 0.98], 3: [0.98, 0.95, 0.90],
                                4: [0.97, 0.93, 0.90, -0.30]})
    metrics = pd.DataFrame({"mean_stability": [0.985, 0.943, 0.625],
                            "min_stability": [0.98, 0.90, -0.30],
                            "kl_divergence": [500.0, 300.0, 250.0]},
                           index=pd.Index([2, 3, 4], name="k"))
    kept = select_rank(metrics, None, None, _stabilities({2: [0.99, 0.98], 3: [0.98, 0.95, 0.90],
                                                           4: [0.97, 0.93, 0.90, 0.85]}))
    assert kept.rank == 4 and kept.dropped == ()
    choice = select_rank(metrics, None, None, stabilities)
    # k = 4 keeps 3 components: no more than k = 3, so it is not accepted over it.
    assert choice.metrics["kept_components"].tolist() == [2, 3, 3]
    assert choice.metrics.loc[4, "candidate"] and not choice.metrics.loc[4, "accepted"]
    assert choice.rank == 3 and choice.dropped == ()
    # With a fifth component that is reproduced, k = 5 adds one: accepted, XD left out.
    five = pd.concat([metrics, pd.DataFrame({"mean_stability": [0.676], "min_stability": [-0.3],
                                             "kl_divergence": [200.0]},
                                            index=pd.Index([5], name="k"))])
    stabilities.update(_stabilities({5: [0.97, 0.93, 0.90, -0.30, 0.88]}))
    choice = select_rank(five, None, None, stabilities)
    assert choice.rank == 5 and choice.dropped == ("XD",)
    assert choice.metrics.loc[5, "kept_mean_stability"] == pytest.approx(0.92)
    assert choice.metrics.loc[5, "kept_min_stability"] == pytest.approx(0.88)
    assert "XD (-0.30)" in choice.reason and "1 of the 5 components" in choice.reason
    # Every component kept (-1): k = 5's least stable component fails the rule again.
    keep_all = select_rank(five, RankRule(drop_below_stability=-1.0), None, stabilities)
    assert keep_all.rank == 3 and keep_all.dropped == ()
    assert keep_all.metrics["kept_components"].tolist() == [2, 3, 4, 5]
    # A rank the user fixed keeps every component.
    fixed = select_rank(five, RankRule(fixed_rank=5), None, stabilities)
    assert fixed.rank == 5 and fixed.dropped == ()


def test_without_component_stabilities_every_component_is_kept() -> None:
    metrics = _metrics(mean_stability=[0.99, 0.98, 0.6, 0.5, 0.4],
                       min_stability=[0.98, 0.97, -0.2, -0.3, -0.4],
                       kl_divergence=[500.0, 300.0, 250.0, 240.0, 230.0])
    choice = select_rank(metrics)
    assert choice.dropped == () and choice.rank == 3
    assert (choice.metrics["kept_components"] == choice.metrics.index).all()


def test_a_rank_with_more_unreproduced_components_than_allowed_keeps_them_all() -> None:
    """One rank too many splits one signature; two or more unreproduced components mean an
    over-split rank, which keeps them all and so is no candidate."""
    from sigforge.discovery.rank import kept_components

    stability = pd.Series([0.99, 0.95, -0.2, 0.9, -0.5], index=[f"X{c}" for c in "ABCDE"])
    assert kept_components(stability, RankRule()).index.tolist() == list(stability.index)
    two = RankRule(max_dropped_components=2)
    assert kept_components(stability, two).index.tolist() == ["XA", "XB", "XD"]
    assert kept_components(stability.drop("XE"), RankRule()).index.tolist() == [
        "XA", "XB", "XD"]
    assert kept_components(stability, RankRule(max_dropped_components=0)).size == 5
    assert kept_components(pd.Series([-0.2, -0.5], index=["XA", "XB"]), two).size == 2
    metrics = pd.DataFrame({"mean_stability": [0.97, 0.43], "min_stability": [0.95, -0.5],
                            "kl_divergence": [500.0, 300.0]}, index=pd.Index([2, 5], name="k"))
    stabilities = {2: pd.Series([0.99, 0.95], index=["XA", "XB"]), 5: stability}
    assert select_rank(metrics, None, None, stabilities).rank == 2
    choice = select_rank(metrics, two, None, stabilities)
    assert choice.rank == 5 and choice.dropped == ("XC", "XE")
    assert "2 of the 5 components of k=5 were left out" in choice.reason
    with pytest.raises(ValueError, match="drop-below-stability"):
        RankRule(drop_below_stability=1.5)
    with pytest.raises(ValueError, match="max-dropped-components"):
        RankRule(max_dropped_components=-1)


def test_a_rank_that_left_a_component_out_must_not_lose_held_out_error() -> None:
    """Stability no longer vouches for all of a rank that left a component out: with CV,
    such a rank is accepted only if its held-out error is within two paired standard errors
    of the last accepted rank's (the three-signature cohort that reached k = 5: 8.1 vs 3.5)."""
    metrics = pd.DataFrame({"mean_stability": [1.0, 0.9, 0.55],
                            "min_stability": [1.0, 0.96, -0.52],
                            "kl_divergence": [42571.0, 43821.0, 41845.0],
                            "cv_error": [3.47, 5.44, 8.13], "cv_se": [0.1, 0.7, 0.9]},
                           index=pd.Index([3, 4, 5], name="k"))
    stabilities = _stabilities({3: [1.0, 1.0, 1.0], 4: [0.99, 0.99, 0.96, -0.42],
                                5: [0.99, 0.95, 0.94, 0.45, -0.52]})
    folds = pd.DataFrame({f"fold{f}": [3.4 + 0.05 * f, 5.3 + 0.1 * f, 7.9 + 0.2 * f]
                          for f in range(5)}, index=metrics.index)
    choice = select_rank(metrics, None, folds, stabilities)
    assert choice.metrics.loc[5, "candidate"] and not choice.metrics.loc[5, "accepted"]
    assert choice.rank == 3 and choice.dropped == ()
    # Held-out error as good as k = 3's: k = 5 is accepted, its unreproduced piece left out.
    level = metrics.assign(cv_error=[3.47, 3.6, 3.5])
    level_folds = folds.assign(**{f"fold{f}": [3.4, 3.5, value]
                                  for f, value in enumerate([3.3, 3.6, 3.5, 3.4, 3.7])})
    accepted = select_rank(level, None, level_folds, stabilities)
    assert accepted.rank == 5 and accepted.dropped == ("XE",)
    # Without per-fold errors the two standard errors are combined; without CV there is no test.
    assert select_rank(metrics, None, None, stabilities).rank == 3
    no_cv = metrics.drop(columns=["cv_error", "cv_se"])
    assert select_rank(no_cv, None, None, stabilities).rank == 5

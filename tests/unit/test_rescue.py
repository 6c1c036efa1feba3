"""Rank rule step 6: components reproduced at larger ranks join the chosen signatures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery.pipeline import RankResult, choose_rank, chosen_components
from sigforge.discovery.rank import RankChoice, RankRule
from sigforge.discovery.rescue import rescue_components

CHANNELS = [f"c{i}" for i in range(6)]
#: Three distinct spectra over six channels (pairwise cosines 0.0-0.2).
X = np.array([0.5, 0.4, 0.1, 0.0, 0.0, 0.0])
Y = np.array([0.0, 0.1, 0.4, 0.5, 0.0, 0.0])
Z = np.array([0.0, 0.0, 0.0, 0.1, 0.4, 0.5])


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=CHANNELS)


def _stability(values: dict[str, float]) -> pd.Series:
    return pd.Series(values, name="stability")


def _choice(rank: int, *, dropped: tuple[str, ...] = (), caution: bool = False) -> RankChoice:
    return RankChoice(rank, pd.DataFrame(), f"k={rank} chosen.", caution, "", dropped)


def _name(i: int) -> str:
    return f"new{i}"


#: k = 2 merges Y and Z; k = 3 separates them, k = 4 finds Z again with a split of X.
SIGNATURES = {
    2: _frame({"A": X, "B": Y + Z}),
    3: _frame({"A": X, "B": Y, "C": Z}),
    4: _frame({"A": X * 0.5 + Y * 0.1, "B": X, "C": Y, "D": Z * 1.01}),
}


def test_a_reproduced_distinct_component_of_a_larger_rank_is_added() -> None:
    """k = 2 chosen (X, and Y+Z merged): Y and Z at k = 3 are reproduced (0.99, 0.97) and
    their cosines to the chosen signatures are 0.75 and 0.75 (< 0.9), so both join; at k = 4
    nothing new is left (X, Y, Z found again; the split of X is unstable)."""
    stabilities = {2: _stability({"A": 1.0, "B": 0.99}),
                   3: _stability({"A": 1.0, "B": 0.99, "C": 0.97}),
                   4: _stability({"A": 0.1, "B": 0.99, "C": 0.98, "D": 0.99})}
    choice = rescue_components(_choice(2), SIGNATURES, stabilities, RankRule(), _name)
    assert [(r.name, r.rank, r.component) for r in choice.rescued] == [
        ("new0", 3, "B"), ("new1", 3, "C")]
    assert choice.rescued[0].stability == pytest.approx(0.99)
    merged = (Y + Z) / np.linalg.norm(Y + Z)
    assert choice.rescued[0].closest == pytest.approx(float(merged @ Y / np.linalg.norm(Y)))
    assert choice.rescued[0].closest < 0.9
    assert "2 components of larger ranks" in choice.reason
    assert "new1 (component C of k=3, stability 0.97" in choice.reason
    assert choice.rank == 2 and choice.dropped == ()


def test_unreproduced_or_near_duplicate_components_are_not_added() -> None:
    """A stability below 0.95 or a cosine of 0.9 or more to a chosen (or added) signature
    keeps a component out; k = 4's Z (cosine 1 to k = 3's) is not added twice."""
    stabilities = {2: _stability({"A": 1.0, "B": 0.99}),
                   3: _stability({"A": 1.0, "B": 0.949, "C": 0.96}),
                   4: _stability({"A": 0.99, "B": 0.99, "C": 0.9, "D": 0.99})}
    choice = rescue_components(_choice(2), SIGNATURES, stabilities, RankRule(), _name)
    # k = 3: B (Y) below 0.95, C (Z) added; k = 4: A is 0.97 like X, B is X, C below 0.95,
    # D is Z again.
    assert [(r.rank, r.component) for r in choice.rescued] == [(3, "C")]
    looser = RankRule(rescue_min_stability=0.9)
    assert [(r.rank, r.component) for r in rescue_components(
        _choice(2), SIGNATURES, stabilities, looser, _name).rescued] == [(3, "B"), (3, "C")]
    strict = RankRule(rescue_max_cosine=0.5)  # Y and Z are 0.75 like the chosen Y+Z
    assert rescue_components(_choice(2), SIGNATURES, stabilities, strict, _name).rescued == ()


def test_nothing_is_added_to_a_fixed_or_fallback_rank_or_when_switched_off() -> None:
    stabilities = {k: _stability(dict.fromkeys(frame.columns, 1.0))
                   for k, frame in SIGNATURES.items()}
    for rule, choice in ((RankRule(fixed_rank=2), _choice(2)),
                         (RankRule(), _choice(2, caution=True)),
                         (RankRule(rescue_min_stability=2.0), _choice(2)),
                         (RankRule(), _choice(4))):
        assert rescue_components(choice, SIGNATURES, stabilities, rule, _name) is choice


def test_a_component_left_out_of_the_chosen_rank_can_be_found_at_a_larger_one() -> None:
    """k = 3 chosen with C (Z) left out as unreproduced: k = 4 reproduces Z, which is unlike
    the kept X and Y, so it is added."""
    stabilities = {3: _stability({"A": 1.0, "B": 1.0, "C": 0.1}),
                   4: _stability({"A": 0.2, "B": 1.0, "C": 1.0, "D": 0.99})}
    signatures = {3: SIGNATURES[3], 4: SIGNATURES[4]}
    choice = rescue_components(_choice(3, dropped=("C",)), signatures, stabilities, RankRule(),
                               _name)
    assert [(r.rank, r.component) for r in choice.rescued] == [(4, "D")]


def test_rescue_rule_thresholds_are_checked() -> None:
    for bad in (-1.5, float("nan")):
        with pytest.raises(ValueError, match="rescue-min-stability"):
            RankRule(rescue_min_stability=bad)
    with pytest.raises(ValueError, match="rescue-max-cosine"):
        RankRule(rescue_max_cosine=0.0)
    RankRule(rescue_min_stability=2.0)  # above 1: nothing is added, not an error


def _rank_result(k: int, signatures: pd.DataFrame, stability: dict[str, float],
                 kl: float) -> RankResult:
    names = [f"S{chr(ord('A') + i)}" for i in range(k)]
    frame = signatures.set_axis(names, axis=1)
    table = pd.DataFrame({"stability": list(stability.values()), "spread": 0.0},
                         index=pd.Index(names, name="Signature"))
    values = list(stability.values())
    metrics = {"mean_stability": float(np.mean(values)), "min_stability": float(min(values)),
               "kl_divergence": kl}
    return RankResult(k, frame, pd.DataFrame(), table, metrics)


def test_choose_rank_rescues_and_the_chosen_result_holds_the_added_signature() -> None:
    """k = 3 fails the stability test (its split component at 0.1), so k = 2 is chosen; k = 3
    reproduces Z apart from Y at 0.99. The chosen result holds SA, SB and the added SC (the
    next letter after k = 2's), with its stability, and the exposures refitted to all three
    recover a catalog built from them."""
    rng = np.random.default_rng(3)
    exposures = rng.uniform(50, 500, size=(3, 30))
    catalog = pd.DataFrame(np.column_stack([X, Y + Z, Z]) @ exposures, index=CHANNELS,
                           columns=[f"s{j}" for j in range(30)])
    results = [_rank_result(2, _frame({"a": X, "b": Y + Z}), {"a": 1.0, "b": 0.99}, 100.0),
               _rank_result(3, _frame({"a": X + 0.3 * Y, "b": Y, "c": Z}),
                            {"a": 0.1, "b": 0.9, "c": 0.99}, 50.0)]
    choice = choose_rank(results, RankRule(drop_below_stability=-1.0))
    assert choice.rank == 2
    assert [(r.name, r.rank, r.component) for r in choice.rescued] == [("SC", 3, "SC")]
    chosen = chosen_components({r.k: r for r in results}, choice, catalog)
    assert list(chosen.signatures.columns) == ["SA", "SB", "SC"]
    assert list(chosen.exposures.index) == ["SA", "SB", "SC"]
    assert chosen.stability.loc["SC", "stability"] == pytest.approx(0.99)
    assert chosen.metrics == results[0].metrics
    np.testing.assert_allclose(chosen.exposures.loc["SA"], exposures[0], rtol=1e-3)
    np.testing.assert_allclose(chosen.exposures.loc["SC"], exposures[2], rtol=1e-3)


def test_added_components_take_the_next_unused_names() -> None:
    from sigforge.discovery.pipeline import _added_names

    assert _added_names(["SBS96A", "SBS96B"], 2) == ["SBS96C", "SBS96D"]
    # A rank whose names skip a letter (one left out upstream) never reuses one.
    assert _added_names(["XA", "XB", "XD"], 2) == ["XE", "XF"]
    assert _added_names([f"P{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"], 1) == ["PAA"]


def test_never_more_signatures_than_the_largest_rank_tried() -> None:
    """k = 2 chosen among ranks 1-3 with Y and Z both reproduced at k = 3: only one joins, or
    there would be four signatures where the data allow three (three features gave four)."""
    signatures = {k: SIGNATURES[k] for k in (2, 3)}
    stabilities = {2: _stability({"A": 1.0, "B": 0.99}),
                   3: _stability({"A": 1.0, "B": 0.99, "C": 0.97})}
    choice = rescue_components(_choice(2), signatures, stabilities, RankRule(), _name)
    assert [(r.rank, r.component) for r in choice.rescued] == [(3, "B")]

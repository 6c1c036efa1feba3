"""The worked examples in examples/ at small sizes: each one's quantitative claim holds."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    """Import examples/NAME.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spatial_penalty_improves_exposure_recovery() -> None:
    scores = load("spatial_nmf").run(side=12, weights=(0.0, 0.1), rounds=10)
    plain, spatial = scores[0.0]["exposure_cosine"], scores[0.1]["exposure_cosine"]
    assert spatial > plain + 0.01
    assert spatial > 0.97


def test_emg_synergies_are_recovered() -> None:
    result = load("emg_synergies").run(movements=20)
    assert result["chosen"] == 3
    assert (result["cosines"] >= 0.95).all()


def test_masked_nmf_beats_item_means_on_held_out_ratings() -> None:
    scores = load("ratings_masked").run(ranks=(4,))
    assert scores["masked NMF k=4"] < 0.9 * scores["item means"]
    assert scores["item means"] < scores["global mean"]


def test_exposures_predict_the_covariate_better_than_burden() -> None:
    r2 = load("exposures_regression").run(samples=160)["r2"]
    assert r2["NMF exposures (4)"] > 0.6
    assert r2["NMF exposures (4)"] > r2["total count (1)"] + 0.3


def test_topic_discovery_finds_the_four_topics() -> None:
    result = load("topics").run(documents=100, ranks=(3, 4, 5), replicates=8)
    assert result["rank"] == 4
    assert (result["cosines"] > 0.95).all()
    assert {"goal", "oven", "orbit", "guitar"} & {w for words in result["top_words"].values()
                                                   for w in words}


def test_digit_components_are_sparse_parts() -> None:
    result = load("digits_parts").run(images=400)
    assert result["nmf_sparsity"] > result["pca_sparsity"] + 0.3
    assert result["median_cosine"] > 0.9
    assert np.all(result["nmf"] >= 0)


def test_ihc_stain_vectors_match_rgb2hed() -> None:
    result = load("ihc_stains").run(pixels=5000)
    assert result["cosine"]["hematoxylin"] > 0.95 and result["cosine"]["DAB"] > 0.95
    assert result["correlation"]["DAB"] > 0.95
    assert result["correlation"]["hematoxylin"] > 0.8

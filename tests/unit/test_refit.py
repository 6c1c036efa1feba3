"""NNLS refit: exact on noise-free data, labelled outputs, matching to references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sigforge.reference import available_references, load_reference
from sigforge.refit import best_matches, fit_exposures, refit_catalog
from sigforge.testing import planted_counts


def test_exact_refit_of_noise_free_data(rng: np.random.Generator) -> None:
    planted = planted_counts(96, 12, 4, rng=rng)
    exact = planted.signatures @ planted.exposures
    np.testing.assert_allclose(fit_exposures(exact, planted.signatures), planted.exposures,
                               atol=1e-8)


def test_refit_catalog_labels_and_cosine(rng: np.random.Generator) -> None:
    planted = planted_counts(10, 3, 2, rng=rng)
    catalog = pd.DataFrame(planted.signatures @ planted.exposures, columns=["a", "b", "c"])
    signatures = pd.DataFrame(planted.signatures, columns=["S1", "S2"])
    result = refit_catalog(catalog, signatures)
    assert list(result.exposures.index) == ["S1", "S2"]
    assert list(result.exposures.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(result.reconstruction["cosine"], 1.0)


def test_mismatched_features_are_rejected() -> None:
    with pytest.raises(ValueError, match="different feature labels"):
        refit_catalog(pd.DataFrame(np.ones((3, 2)), index=list("abc")),
                      pd.DataFrame(np.ones((3, 1)), index=list("abd")))


def test_shipped_cosmic_reference() -> None:
    assert "COSMIC_v3.6" in available_references()
    for build in ("GRCh37", "GRCh38"):
        cosmic = load_reference("COSMIC_v3.6", genome_build=build)
        assert cosmic.channel_set == "SBS96"
        assert {"SBS1", "SBS5", "SBS40a"} <= set(cosmic.data.columns)
        np.testing.assert_allclose(cosmic.data.sum(axis=0), 1.0, atol=1e-3)


def test_best_match_finds_itself() -> None:
    cosmic = load_reference("COSMIC_v3.6").data
    found = best_matches(cosmic[["SBS13", "SBS1"]], cosmic)
    assert list(found["reference"]) == ["SBS13", "SBS1"]
    np.testing.assert_allclose(found["cosine"], 1.0)

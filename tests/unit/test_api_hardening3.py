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

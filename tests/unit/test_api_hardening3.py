"""Cases of a third sweep of the library's calls: settings no fit could honour, refused
with the argument's name and the fix rather than run to a result that says something else."""

from __future__ import annotations

import numpy as np
import pytest

from sigforge.nmf import NMF, FitOptions


def test_a_minimum_above_the_cap_is_refused_not_run_to_the_cap() -> None:
    """FitOptions(min_iter=50, max_iter=5) ran 5 iterations and reported no convergence:
    the stopping rule the caller asked for could never apply."""
    with pytest.raises(ValueError, match=r"min_iter \(50\) exceeds max_iter \(5\).*Lower "
                                         r"min_iter or raise max_iter"):
        FitOptions(max_iter=5, min_iter=50)
    X = np.random.default_rng(0).poisson(5.0, (12, 8)) + 1.0
    with pytest.raises(ValueError, match=r"min_iter \(50\) exceeds max_iter \(5\)"):
        NMF(2, max_iter=5, min_iter=50).fit(X)
    assert FitOptions(max_iter=5, min_iter=5).min_iter == 5


def test_integer_signature_names_come_back_as_integers() -> None:
    """refit_catalog kept integer sample labels but turned integer signature labels into
    text, so ``exposures.loc[1]`` of a table with signatures 1, 2, 3 raised KeyError."""
    import pandas as pd

    from sigforge.genomics.contexts import SBS96_CHANNELS
    from sigforge.refit import RefitOptions, refit_catalog

    rng = np.random.default_rng(0)
    signatures = pd.DataFrame(rng.dirichlet(np.ones(96), 3).T, index=list(SBS96_CHANNELS),
                              columns=[1, 2, 3])
    catalog = pd.DataFrame(rng.poisson(signatures.to_numpy() @ rng.gamma(2, 50, (3, 4))),
                           index=signatures.index, columns=[10, 20, 30, 40])
    refit = refit_catalog(catalog, signatures, RefitOptions(bootstrap=5))
    assert refit.exposures.index.tolist() == [1, 2, 3]
    assert refit.exposures.columns.tolist() == [10, 20, 30, 40]
    assert set(refit.intervals["signature"]) == {1, 2, 3}
    assert refit.exposures.loc[1].sum() > 0

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

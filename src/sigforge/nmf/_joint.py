"""Joint NMF: several matrices on the same samples share one coefficient matrix.

Orientation: matrix i is (m_i, n); it is factored as ``W_i`` (m_i, k) times a shared ``H`` (k, n).
Stacking the matrices row-wise turns this into one NMF of the (sum m_i, n) matrix, with an entry
weight per block so that a small block (say 96 mutation channels) is not drowned by a large one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_rank
from sigforge.nmf._checks import check_count, check_data, check_real
from sigforge.nmf._init import initialise
from sigforge.nmf._solvers import FitOptions, fit_nmf


@dataclass(frozen=True)
class JointResult:
    """Per-matrix bases and the shared coefficients.

    Attributes
    ----------
    W : list of ndarray, shapes (m_i, k)
        Columns of the stacked basis sum to 1 over all blocks together.
    H : ndarray, shape (k, n)
    objective : float
        Block-weighted objective.
    n_iter : int
    converged : bool
    """

    W: list[FloatArray]
    H: FloatArray
    objective: float
    n_iter: int
    converged: bool


def fit_joint_nmf(matrices: Sequence[FloatArray], k: int, *,
                  block_weights: Sequence[float] | None = None, solver: str = "mu",
                  init: str = "random", rng: np.random.Generator | int | None = None,
                  options: FitOptions | None = None) -> JointResult:
    """Factor matrices X_i (m_i, n) as W_i @ H with one shared H (k, n).

    Parameters
    ----------
    matrices : sequence of ndarray, shapes (m_i, n)
        Nonnegative matrices on the same n samples, in the same sample order.
    k : int
    block_weights : sequence of float, optional
        Weight of each matrix's entries in the objective; default 1 for every matrix (weights
        all 1 are the unweighted fit, which every solver runs; other weights need 'mu').
    solver : {'mu', 'hals'}, default='mu'
    init : str, default='random'
    rng : Generator, int or None, default=None
    options : FitOptions, optional

    Returns
    -------
    JointResult

    Raises
    ------
    ValueError
        If the matrices do not share their sample count (or, given as labelled tables such as
        pandas DataFrames, their sample columns in one order) or hold NaN, infinite, negative or too
        large values, or k or a block weight is out of range, zero or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.poisson(4.0, (5, 8)).astype(float), rng.poisson(9.0, (3, 8)).astype(float)
    >>> fit = fit_joint_nmf([a, b], 2, rng=0, options=FitOptions(max_iter=50))
    >>> [w.shape for w in fit.W], fit.H.shape
    ([(5, 2), (3, 2)], (2, 8))
    """
    _check_sample_labels(matrices)
    blocks = [check_nonnegative_matrix(x, f"matrix {i}") for i, x in enumerate(matrices)]
    if not blocks:
        raise ValueError("matrices: expected at least one matrix, got none.")
    for i, block in enumerate(blocks):
        check_data(block, f"matrix {i}")
    samples = {x.shape[1] for x in blocks}
    if len(samples) != 1:
        raise ValueError(f"expected matrices with one sample count, got {sorted(samples)}.")
    scales = list(block_weights) if block_weights is not None else [1.0] * len(blocks)
    if len(scales) != len(blocks):
        raise ValueError(f"block_weights: expected {len(blocks)} weights (one per matrix), got "
                         f"{len(scales)}.")
    scales = [check_real(s, f"block_weights[{i}]", minimum=0.0) for i, s in enumerate(scales)]
    if max(scales) <= 0:
        raise ValueError(f"block_weights: expected at least one positive weight, got {scales}.")
    zero = next((i for i, scale in enumerate(scales) if scale == 0), None)
    if zero is not None:  # its W would come back all zeros, read as a modality without signal
        raise ValueError(f"block_weights[{zero}]: 0 leaves matrix {zero} out of the fit, so "
                         "its W would be all zeros; give it a positive weight, or leave the "
                         "matrix out of matrices.")
    X = np.vstack(blocks)
    k = check_count(k, "k", 1)
    check_rank(k, *X.shape)
    weights = None
    if any(scale != 1.0 for scale in scales):  # weights of 1 are the plain fit (HALS takes it)
        weights = np.vstack([np.full(x.shape, s) for x, s in zip(blocks, scales, strict=True)])
    W0, H0 = initialise(X, k, init, rng)
    fit = fit_nmf(X, W0, H0, solver=solver, weights=weights, options=options)
    edges = np.cumsum([x.shape[0] for x in blocks])[:-1]
    return JointResult(np.split(fit.W, edges), fit.H, fit.objective, fit.n_iter, fit.converged)


def _check_sample_labels(matrices: Sequence[object]) -> None:
    """Refuse labelled matrices (anything with ``columns``, e.g. pandas DataFrames) whose
    sample columns differ from the first's or come in another order: the fit pairs columns by
    position, so a modality stored in another sample order would mix samples without a word."""
    labelled = [(i, list(m.columns)) for i, m in enumerate(matrices) if hasattr(m, "columns")]
    for i, columns in labelled[1:]:
        first, names = labelled[0]
        if columns != names:
            same = sorted(map(str, columns)) == sorted(map(str, names))
            raise ValueError(f"matrix {i}: its sample columns " + (
                f"are matrix {first}'s in another order; reorder them first "
                f"(matrix[matrices[{first}].columns])." if same else
                f"{list(map(str, columns[:5]))} are not matrix {first}'s "
                f"{list(map(str, names[:5]))}; give every matrix the same samples."))

"""Batched runner: R same-shape KL problems solved in one call by the tiled numba kernel.

Orientation: ``X`` (R, m, n) -- R independent problems of m features by n samples -- factored as
``W`` (R, m, k) times ``H`` (R, k, n). Every problem's trajectory depends on its own data and
start only, so a problem gives the same bits whether it is solved alone or stacked with others
(the determinism contract of the workflow relies on this).

Memory: the inputs are copied once into C-contiguous float64 arrays, transposed where the
kernel needs it (X, optional weights, W, H: ``8 * R * (m*n*(1 + masked) + k*(m + n))`` bytes);
each worker thread then needs ``8 * (b*(s + 2k) + 5*s*k)`` bytes of scratch, whatever R is,
where s = min(m, n) and ``b*s`` is at most about 49,152 entries (a 384 KiB tile; see
:func:`sigforge.nmf._kernels.tile_columns`). ``W @ H`` is never stored whole.

Threads: one numba thread per problem. The tiles' products call the BLAS that scipy ships, which
is pinned to one thread for the duration of the call (``threadpoolctl``), so that threads are not
oversubscribed and each problem's arithmetic runs in one thread in a fixed order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numba
import numpy as np
import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS the kernel calls, so it can be pinned)
from threadpoolctl import ThreadpoolController

from sigforge._types import FloatArray
from sigforge.nmf._checks import (
    MAX_START,
    as_float_array,
    check_count,
    check_data,
    check_flag,
    check_real,
    check_something_to_learn,
    check_start_model,
    check_values,
    check_weights_positive,
)
from sigforge.nmf._kernels import kl_mu_batch

#: Finds the loaded BLAS libraries once; limiting them per call is then cheap.
_THREADPOOLS = ThreadpoolController()
#: A caller's explicit cap on the numba threads of every solve (see :func:`solver_threads`).
_THREAD_CAP: ContextVar[int | None] = ContextVar("sigforge_solver_threads", default=None)


@contextmanager
def solver_threads(count: int) -> Iterator[None]:
    """Solve with at most ``count`` numba threads inside the block.

    For callers that were given a thread budget explicitly (``sigforge extract --threads 1``
    runs in this process and must keep to one core, whatever the machine has). The thread
    count never changes results.
    """
    if count < 1:
        raise ValueError(f"expected at least one thread, got {count}.")
    token = _THREAD_CAP.set(count)
    try:
        yield
    finally:
        _THREAD_CAP.reset(token)


def thread_budget() -> int:
    """Numba threads a solve may use: the CPUs this process may run on, capped by
    ``OMP_NUM_THREADS`` when set, by numba's own ``NUMBA_NUM_THREADS`` and by an enclosing
    :func:`solver_threads`.

    Snakemake sets ``OMP_NUM_THREADS`` to a job's ``threads`` (and SLURM sites often to the
    job's CPUs): honouring it keeps jobs that run side by side from each starting one thread
    per core of the machine, whose waiting threads would burn the CPU time the other jobs
    need. The thread count never changes results (one problem per thread).
    """
    budget = numba.config.NUMBA_NUM_THREADS
    if hasattr(os, "sched_getaffinity"):
        budget = min(budget, len(os.sched_getaffinity(0)))
    try:
        requested = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        requested = 0
    if requested > 0:
        budget = min(budget, requested)
    cap = _THREAD_CAP.get()
    return max(1, budget if cap is None else min(budget, cap))


@dataclass(frozen=True)
class BatchResult:
    """Result of a batched solve.

    Attributes
    ----------
    W : ndarray, shape (R, m, k)
        Basis per problem; columns scaled to sum to 1 when both factors were fitted.
    H : ndarray, shape (R, k, n)
        Coefficients per problem, scaled so that W @ H is unchanged by the normalisation.
    objective : ndarray, shape (R,)
        Final objective (entry-weighted generalised KL divergence) per problem.
    n_iter : ndarray, shape (R,)
        Iterations run per problem.
    converged : ndarray of bool, shape (R,)
        Whether the relative objective change fell below ``tol`` before ``max_iter``.
    """

    W: FloatArray
    H: FloatArray
    objective: FloatArray
    n_iter: np.ndarray
    converged: np.ndarray


def normalise_factors(W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Scale each column of W to sum to 1 and the matching row of H inversely.

    Parameters
    ----------
    W : ndarray, shape (..., m, k)
    H : ndarray, shape (..., k, n)

    Returns
    -------
    W, H : ndarrays of the same shapes
    """
    scale = W.sum(axis=-2)
    scale = np.where(scale > 0, scale, 1.0)
    return W / scale[..., None, :], H * scale[..., :, None]


def _check_batch(X: FloatArray, W: FloatArray, H: FloatArray,
                 weights: FloatArray | None) -> None:
    """Raise ValueError unless X (R, m, n), W (R, m, k), H (R, k, n) and weights agree."""
    if X.ndim != 3 or W.ndim != 3 or H.ndim != 3:
        raise ValueError(f"expected 3-D X, W, H (R, m, n), (R, m, k), (R, k, n); got shapes "
                         f"{X.shape}, {W.shape}, {H.shape}.")
    R, m, n = X.shape
    k = W.shape[2]
    if W.shape != (R, m, k) or H.shape != (R, k, n):
        raise ValueError(f"expected W {(R, m, k)} and H {(R, k, n)} for X {X.shape}; got "
                         f"{W.shape} and {H.shape}.")
    if weights is not None and weights.shape != X.shape:
        raise ValueError(f"expected weights of shape {X.shape}, got {weights.shape}.")


#: Plain iterations after the minimum-volume refinement. Without them a thin cohort of sparse
#: signatures (two groups of 30 samples of about 600 mutations) lost 0.034 of cosine on its
#: worst signature against plain NMF; 200 iterations bring that to 0.018, 500 to 0.014, a
#: polish to convergence to 0.006 but at up to twice the refinement's cost (flat5: 93 vs 44
#: CPU s), while the flat signatures stay apart (nine of nine at the same stability).
VOLUME_POLISH = 200

#: Relative-change tolerance of the plain fit that a minimum-volume refinement continues (or
#: ``tol`` when looser). The refinement runs to ``tol`` itself, so its start only needs to be in
#: the right basin: iterating the plain fit to 1e-7 spent most of a replicate's iterations on
#: a fit the penalty then moves anyway. Chosen by measurement (docs/benchmarks.md, "Discovery:
#: hard cohorts"): from 1e-7 to 1e-5 to 1e-4 discovery's CPU fell by about half and then a
#: further 10-30% on nine synthetic cohorts, with as many or more signatures found and higher
#: worst cosines, and on 1,056 PCAWG genomes stratified by type 13 of 23 processes were found
#: at each (CPU 702, 335, 250 s); 1e-3 found 11 there, its ranks chosen smaller.
PREFIT_TOL = 1e-4


def fit_kl_mu_batched(X: FloatArray, W: FloatArray, H: FloatArray, *,
                      weights: FloatArray | None = None, update_w: bool = True,
                      update_h: bool = True, exponent: float = 1.0, max_iter: int = 5000,
                      min_iter: int = 100, tol: float = 1e-7,
                      check_every: int = 10, volume: float = 0.0,
                      volume_delta: float = 1.0) -> BatchResult:
    """Fit R KL-divergence NMF problems at once by multiplicative updates (both cores used).

    Parameters
    ----------
    X : ndarray, shape (R, m, n)
        Nonnegative data, one problem per leading index.
    W, H : ndarray, shapes (R, m, k) and (R, k, n)
        Positive starting basis and coefficients (not modified).
    weights : ndarray, shape (R, m, n), optional
        Nonnegative entry weights; 0 hides an entry (held-out cross-validation). Default: none.
    update_w, update_h : bool, default=True
        False keeps W (refit of H against known signatures), or H, fixed.
    exponent : float, default=1.0
        Of the multiplicative factor: 1 is Lee-Seung's monotone update; (1, 2) over-relaxes it.
    max_iter, min_iter : int, default=5000, 100
        Iteration cap per problem; no problem is declared converged before ``min_iter``.
    tol : float, default=1e-7
        Converged when the objective improves by less than ``tol`` (relative) over
        ``check_every`` iterations (the objective's evaluation interval); ``tol=0`` runs
        exactly ``max_iter`` iterations and evaluates the objective once, at the end.
    check_every : int, default=10
        The convergence rule's window.
    volume : float, default=0.0
        Relative weight of a minimum-volume refinement (mvNMF): each problem's plain fit is
        continued with the penalty ``lambda * log det(W^T W + volume_delta I)`` added, lambda
        being ``volume`` times the plain fit's divergence over ``|log det|`` at its end (the plain
        fit then stops at :data:`PREFIT_TOL`, or ``tol`` when looser), until
        the penalised objective settles (at most ``max_iter`` more iterations), and then
        polished by :data:`VOLUME_POLISH` plain iterations. The penalty moves the fit to the
        tightest set of signatures that still explains the data, which separates flat,
        overlapping ones that plain NMF blends; the polish takes back most of its pull of the
        signatures towards each other. ``objective`` is then the polished fit's divergence and
        ``converged`` says whether the refinement converged. 0 switches it off. Needs both
        factors updated and no weights.
    volume_delta : float, default=1.0
        The delta of the log-determinant.

    Returns
    -------
    BatchResult

    Raises
    ------
    ValueError
        If the shapes disagree, a setting is out of range or not finite, or X, W, H or the
        weights hold NaN, infinity, negative values or values too large to square (data above
        1e100, starts above 1e150), or a problem's weights are all zero, or W is learnt
        from a problem that is zero on every weighted entry.
    TypeError
        A non-numeric array or setting.

    References
    ----------
    Lee & Seung, NIPS 13 (2001); Badeau, Bertin & Vincent, IEEE TNN 21(12) (2010) (exponents);
    Leplat, Gillis & Ang, IEEE TSP 68 (2020) (minimum-volume beta-NMF and its updates; the
    relative weight follows their scaling of lambda by the initial fit's divergence over its
    log-determinant).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(5.0, size=(2, 6, 4)).astype(float)
    >>> result = fit_kl_mu_batched(X, rng.uniform(0.1, 1, (2, 6, 2)),
    ...                            rng.uniform(0.1, 1, (2, 2, 4)), max_iter=50)
    >>> result.W.shape, result.n_iter.tolist()
    ((2, 6, 2), [50, 50])
    """
    X, W, H, weights = _checked_inputs(X, W, H, weights)
    volume = check_real(volume, "volume", minimum=0.0)
    volume_delta = check_real(volume_delta, "volume_delta", positive=True)
    update_w, update_h = check_flag(update_w, "update_w"), check_flag(update_h, "update_h")
    check_something_to_learn(X, weights, update_w)
    max_iter = check_count(max_iter, "max_iter", 1)
    min_iter = check_count(min_iter, "min_iter", 0)
    check_every = check_count(check_every, "check_every", 1)
    tol = check_real(tol, "tol", minimum=0.0)
    exponent = check_real(exponent, "exponent")
    if volume > 0 and (weights is not None or not (update_w and update_h)):
        raise ValueError("the minimum-volume refinement (volume > 0) needs both factors "
                         "updated and no entry weights.")
    layout = _KernelLayout.of(X, W, H, weights, update_w=update_w, update_h=update_h,
                              transpose=volume == 0)
    settings = np.append(_settings(max_iter, min_iter, check_every, tol, exponent),
                         [volume, volume_delta, VOLUME_POLISH, PREFIT_TOL])
    out = np.zeros((X.shape[0], 3))
    numba.set_num_threads(min(thread_budget(), max(1, X.shape[0])))
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        kl_mu_batch(layout.data, layout.mask, layout.basis, layout.coefficients, settings,
                    layout.fit_basis, layout.fit_coefficients, float(exponent),
                    layout.transposed, out)
    W, H = layout.factors()
    return BatchResult(W, H, out[:, 0].copy(), out[:, 1].astype(np.int64), out[:, 2] > 0)


def _checked_inputs(X: object, W: object, H: object, weights: object | None
                    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """X, W, H (and weights) as float64 arrays of agreeing shapes, finite, nonnegative and not
    too large (:mod:`sigforge.nmf._checks`); ValueError or TypeError naming the argument."""
    X, W, H = (as_float_array(a, name, 3) for a, name in ((X, "X"), (W, "W"), (H, "H")))
    array_weights = None if weights is None else as_float_array(weights, "weights", 3)
    _check_batch(X, W, H, array_weights)
    check_data(X, "X")
    check_values(W, "W", limit=MAX_START)
    check_values(H, "H", limit=MAX_START)
    check_start_model(W, H, "W, H")
    _check_starts_not_zero(W, H)
    if array_weights is not None:
        check_values(array_weights, "weights")
        check_weights_positive(array_weights, "weights")
    return X, W, H, array_weights


def _check_starts_not_zero(W: FloatArray, H: FloatArray) -> None:
    """Refuse a problem whose start W or H is all zeros (a buffer never filled, say): a fixed
    point of the updates, from which that problem came back as zero factors reported as
    converged, unnoticed among the others."""
    zero = np.flatnonzero(~(W.reshape(len(W), -1).any(axis=1) & H.reshape(len(H), -1).any(axis=1)))
    if zero.size:
        raise ValueError(f"W, H: the start of problem(s) {zero[:10].tolist()} is all zeros in "
                         "W or in H, a fixed point of the updates (the fit would return zero "
                         "factors). Start from positive values (initialise(X, k, 'random')).")


def _settings(max_iter: int, min_iter: int, check_every: int, tol: float,
              exponent: float) -> FloatArray:
    """The kernel's settings vector (max_iter, min_iter, check_every, tol), checked."""
    if max_iter < 0 or min_iter < 0 or check_every < 1 or tol < 0 or not 0 < exponent < 2:
        raise ValueError(f"expected max_iter >= 0, min_iter >= 0, check_every >= 1, tol >= 0, "
                         f"0 < exponent < 2; got {max_iter}, {min_iter}, {check_every}, {tol}, "
                         f"{exponent}.")
    return np.array([max_iter, min_iter, check_every, tol], dtype=np.float64)


@dataclass(frozen=True)
class _KernelLayout:
    """The arrays handed to the kernel, in the orientation it sweeps best.

    The kernel sweeps tiles along its sample axis, which should be the longer one: a problem
    with more features than samples goes in transposed (X.T ~ H.T @ W.T), with the kernel
    told to update its W (our H) first so that the order of the half-updates is unchanged.
    Every array is a fresh writable C-contiguous float64 copy: the one array type the cached
    kernel is compiled for, and never the caller's memory. The kernel updates ``basis`` and
    ``coefficients`` in place.
    """

    data: FloatArray
    mask: FloatArray
    basis: FloatArray
    coefficients: FloatArray
    fit_basis: bool
    fit_coefficients: bool
    transposed: bool

    @classmethod
    def of(cls, X: FloatArray, W: FloatArray, H: FloatArray, weights: FloatArray | None, *,
           update_w: bool, update_h: bool, transpose: bool = True) -> _KernelLayout:
        """Check and copy X (R, m, n), W (R, m, k), H (R, k, n) and the weights; with
        ``transpose`` False never transposed (the kernel's W is then always the caller's,
        which the minimum-volume penalty acts on)."""
        _check_batch(X, W, H, weights)
        transposed = transpose and X.shape[1] > X.shape[2]
        if transposed:
            data, basis, coefficients = _copied(X), _transposed(H), _copied(W)
            mask = None if weights is None else _copied(weights)
            fit_basis, fit_coefficients = update_h, update_w
        else:
            data, basis, coefficients = _transposed(X), _copied(W), _transposed(H)
            mask = None if weights is None else _transposed(weights)
            fit_basis, fit_coefficients = update_w, update_h
        return cls(data, np.empty((X.shape[0], 0, 0)) if mask is None else mask, basis,
                   coefficients, fit_basis, fit_coefficients, transposed)

    def factors(self) -> tuple[FloatArray, FloatArray]:
        """W (R, m, k) and H (R, k, n) from the kernel's (updated) basis and coefficients."""
        if self.transposed:
            return self.coefficients, np.ascontiguousarray(self.basis.transpose(0, 2, 1))
        return self.basis, np.ascontiguousarray(self.coefficients.transpose(0, 2, 1))


def _copied(A: FloatArray) -> FloatArray:
    """A new C-contiguous float64 copy of A."""
    return np.array(A, dtype=np.float64, order="C")


def _transposed(A: FloatArray) -> FloatArray:
    """A (R, p, q) as a new C-contiguous float64 array of shape (R, q, p).

    Always a copy: for p or q = 1 the transposed view is already contiguous, and handing it to
    the kernel would let it overwrite the caller's array.
    """
    return np.array(np.asarray(A, dtype=np.float64).transpose(0, 2, 1), order="C")

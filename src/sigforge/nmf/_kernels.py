"""Fused numba kernels for the batched KL multiplicative-update solver.

Orientation: ``X`` (R, m, n) is R independent problems of m features by n samples, each factored
as ``W`` (R, m, k) times ``H`` (R, k, n). One kernel call solves every problem to convergence.

Why the code looks the way it does:

- **One thread per problem.** ``prange`` runs over problems only; a problem's arithmetic happens
  in one thread, in a fixed loop order, with no reduction across threads. So a problem gives the
  same bits whether it is solved alone or stacked with others (the workflow's determinism contract).
- **Fused passes.** Each half-update streams over the rows of X once: the row of ``W @ H``, the
  ratio ``X / WH`` and (on check iterations) the objective are computed in an n-long scratch row
  and immediately accumulated into the update, so ``WH`` is never materialised.
- **Few compiled kernels, cached.** Every workflow job is a fresh process, so compile time counts;
  ``cache=True`` stores the machine code next to this file and a single entry point
  (:func:`kl_mu_batch`) serves masked and unmasked problems alike (an empty mask means "none").
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sigforge._types import FloatArray

#: Floor for the model X ~ WH and for update denominators, so ratios and logs stay finite.
TINY = 1e-300

# Reassociation (and FMA contraction) are allowed only in loops that load and never store: LLVM
# guards a vectorised loop that stores with a run-time overlap check on the pointers, and where
# two scratch buffers happen to lie close together in the heap it takes the scalar fallback,
# whose summation order (and rounding) differs. Loops without stores have no such check, so
# their result is a fixed function of the inputs and the batch-versus-solo bits stay equal.
_FASTMATH = {"reassoc", "contract", "nsz"}
_STRICT = False


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _model_row(W: FloatArray, H: FloatArray, i: int, out: FloatArray) -> None:
    """Row i of W @ H into ``out`` (n,), as axpys over pairs of H's rows.

    Pairing halves the loads and stores of ``out``; the loop vectorises without a reduction.
    """
    k, n = H.shape
    c = 0
    if k % 2 == 1:
        w = W[i, 0]
        for j in range(n):
            out[j] = w * H[0, j]
        c = 1
    else:
        for j in range(n):
            out[j] = 0.0
    while c + 1 < k:
        w0, w1 = W[i, c], W[i, c + 1]
        for j in range(n):
            out[j] += w0 * H[c, j] + w1 * H[c + 1, j]
        c += 2


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def _dot_rows(ratio: FloatArray, H: FloatArray, out: FloatArray) -> None:
    """out[c] = ratio . H[c] for every row c of H (k, n), four rows per sweep of ``ratio``.

    Four independent accumulators share each load of ``ratio`` and hide the add latency.
    """
    k, n = H.shape
    c = 0
    while c + 3 < k:
        s0 = s1 = s2 = s3 = 0.0
        for j in range(n):
            r = ratio[j]
            s0 += r * H[c, j]
            s1 += r * H[c + 1, j]
            s2 += r * H[c + 2, j]
            s3 += r * H[c + 3, j]
        out[c], out[c + 1], out[c + 2], out[c + 3] = s0, s1, s2, s3
        c += 4
    while c < k:
        s = 0.0
        for j in range(n):
            s += ratio[j] * H[c, j]
        out[c] = s
        c += 1


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _ratio_row(X: FloatArray, M: FloatArray, masked: bool, i: int, model: FloatArray,
               ratio: FloatArray, evaluate: bool) -> float:
    """ratio[j] = M X / max(WH, TINY) on row i; returns the row's KL term when ``evaluate``.

    The common case (no mask, no objective) has its own branch-free loop so that it vectorises.
    """
    n = X.shape[1]
    if not masked and not evaluate:
        for j in range(n):
            ratio[j] = X[i, j] / max(model[j], TINY)
        return 0.0
    total = 0.0
    for j in range(n):
        value = max(model[j], TINY)
        x = X[i, j]
        weight = M[i, j] if masked else 1.0
        ratio[j] = weight * x / value
        term = value - x
        if x > 0.0:
            term += x * math.log(x / value)
        total += weight * term
    return total if evaluate else 0.0


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _accumulate_h(M: FloatArray, masked: bool, W: FloatArray, i: int, ratio: FloatArray,
                  numer: FloatArray, denom: FloatArray) -> None:
    """Add row i's share to H's update numerator W^T ratio and (masked) denominator W^T M."""
    k = W.shape[1]
    n = ratio.shape[0]
    for c in range(k):
        w = W[i, c]
        for j in range(n):
            numer[c, j] += w * ratio[j]
    if masked:
        for c in range(k):
            w = W[i, c]
            for j in range(n):
                denom[c, j] += w * M[i, j]


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _update_h(X: FloatArray, M: FloatArray, masked: bool, W: FloatArray, H: FloatArray,
              exponent: float, evaluate: bool, apply: bool, model: FloatArray,
              ratio: FloatArray, numer: FloatArray, denom: FloatArray) -> float:
    """Multiplicative KL update of H (k, n) in place; returns the incoming W, H's objective."""
    m, k = W.shape
    n = H.shape[1]
    numer[:, :] = 0.0
    denom[:, :] = 0.0
    if not masked:
        for i in range(m):
            for c in range(k):
                denom[c, 0] += W[i, c]
    objective = 0.0
    for i in range(m):
        _model_row(W, H, i, model)
        objective += _ratio_row(X, M, masked, i, model, ratio, evaluate)
        if apply:
            _accumulate_h(M, masked, W, i, ratio, numer, denom)
    if apply:
        for c in range(k):
            for j in range(n):
                d = denom[c, j] if masked else denom[c, 0]
                factor = numer[c, j] / max(d, TINY)
                H[c, j] *= factor if exponent == 1.0 else factor**exponent
    return objective


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def _update_w(X: FloatArray, M: FloatArray, masked: bool, W: FloatArray, H: FloatArray,
              exponent: float, model: FloatArray, ratio: FloatArray, denom: FloatArray,
              numer_row: FloatArray) -> None:
    """Multiplicative KL update of W (m, k) in place, one row at a time (rows are independent)."""
    m, k = W.shape
    n = H.shape[1]
    if not masked:
        for c in range(k):
            s = 0.0
            for j in range(n):
                s += H[c, j]
            denom[0, c] = s
    for i in range(m):
        _model_row(W, H, i, model)
        _ratio_row(X, M, masked, i, model, ratio, False)
        _dot_rows(ratio, H, numer_row)
        for c in range(k):
            if masked:
                d = 0.0
                for j in range(n):
                    d += M[i, j] * H[c, j]
            else:
                d = denom[0, c]
            factor = numer_row[c] / max(d, TINY)
            W[i, c] *= factor if exponent == 1.0 else factor**exponent


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _normalise(W: FloatArray, H: FloatArray) -> None:
    """Scale W's columns to sum to 1 and H's rows inversely (W @ H unchanged up to rounding)."""
    m, k = W.shape
    for c in range(k):
        s = 0.0
        for i in range(m):
            s += W[i, c]
        if s > 0.0:
            for i in range(m):
                W[i, c] /= s
            for j in range(H.shape[1]):
                H[c, j] *= s


@njit(cache=True, fastmath=_STRICT, nogil=True)
def _solve_one(X: FloatArray, M: FloatArray, W: FloatArray, H: FloatArray,
               settings: FloatArray, update_w: bool, update_h: bool, exponent: float,
               out: FloatArray) -> None:
    """Run one problem to convergence; writes objective, iterations, converged into ``out`` (3,)."""
    m, n = X.shape
    k = W.shape[1]
    max_iter, min_iter, check_every = int(settings[0]), int(settings[1]), int(settings[2])
    tol = settings[3]
    masked = M.shape[0] > 0
    model = np.empty(n)
    numer_row = np.empty(k)
    ratio = np.empty(n)
    numer = np.empty((k, n))
    denom = np.empty((k, n if masked else k))
    previous = np.inf
    iteration = 0
    converged = False
    while True:
        # With tol = 0 nothing can converge, so the (log-heavy) objective is only taken at the
        # end, as scikit-learn does; fixed-iteration runs then pay for updates alone.
        evaluate = (tol > 0 and iteration % check_every == 0) or iteration == max_iter
        stop = iteration == max_iter
        current = _update_h(X, M, masked, W, H, exponent, evaluate, update_h and not stop,
                            model, ratio, numer, denom)
        if evaluate and iteration > 0:
            change = (previous - current) / max(abs(previous), TINY)
            if change < tol and iteration >= min_iter:
                converged = True
                stop = True
        if evaluate:
            previous = current
        if stop:
            break
        if update_w:
            _update_w(X, M, masked, W, H, exponent, model, ratio, denom, numer_row)
        iteration += 1
    if update_w and update_h:
        _normalise(W, H)
    out[0] = previous
    out[1] = iteration
    out[2] = 1.0 if converged else 0.0


@njit(cache=True, parallel=True)
def kl_mu_batch(X: FloatArray, M: FloatArray, W: FloatArray, H: FloatArray,
                settings: FloatArray, update_w: bool, update_h: bool, exponent: float,
                out: FloatArray) -> None:
    """Solve R problems in place, one thread per problem.

    Parameters
    ----------
    X : ndarray, shape (R, m, n), C-contiguous float64
    M : ndarray, shape (R, m, n) entry weights, or shape (R, 0, 0) for "no mask"
    W : ndarray, shape (R, m, k), updated in place
    H : ndarray, shape (R, k, n), updated in place
    settings : ndarray, shape (4,): max_iter, min_iter, check_every, tol
    update_w, update_h : bool
        Which factors move (fixed-W refits and fixed-H fits keep the other factor).
    exponent : float
        1.0 for Lee-Seung updates; in (1, 2) for over-relaxed updates.
    out : ndarray, shape (R, 3): objective, iterations, converged flag per problem
    """
    for r in prange(X.shape[0]):
        _solve_one(X[r], M[r], W[r], H[r], settings, update_w, update_h, exponent, out[r])

"""Tiled numba kernel for the batched KL multiplicative-update solver.

Orientation inside the kernel is sample-major: ``Xt`` (R, n, m) holds R independent problems of
n samples by m features, and each is factored as ``Ht`` (R, n, k) times ``W.T`` (W: (R, m, k)).
The public wrapper (:func:`sigforge.nmf.fit_kl_mu_batched`) takes the usual ``X ~ W @ H``
orientation and, once per call, hands the kernel X or X.T, whichever has more samples than
features, so tiles always run along the longer axis; for X.T the kernel's W is the caller's H,
and ``w_first`` keeps the caller's H updated first.

Why the code looks the way it does:

- **One sweep per iteration, tile by tile.** The samples are cut into blocks of ``b`` columns of
  X, chosen so that a ``b x m`` tile stays in a core's L2 cache. For each block the sweep does
  the whole H half-update (model tile ``Ht_b @ W.T``, ratio ``X / model`` in place, numerator
  ``ratio @ W``, new ``Ht_b``) and then the block's share of the W half-update (model tile from
  the *new* ``Ht_b`` and the current W, ratio, ``ratio.T @ Ht_b`` added to W's numerator). That
  is exactly Lee and Seung's alternating order: H from (W, H), then W from (W, H_new); only the
  final scaling of W waits for the end of the sweep. ``W @ H`` and the ratio are never stored
  whole, so memory traffic stays in cache however large the problem.
- **The products run in BLAS.** Each tile's four products are ``np.dot`` calls into the BLAS
  that scipy ships (numba binds them), which blocks for registers and caches far better than
  loops compiled by numba; the kernel only adds the elementwise ratio, the objective and the
  multiplicative scaling. The caller pins that BLAS to one thread (:mod:`threadpoolctl`), so a
  problem's arithmetic happens in one thread, in a fixed order.
- **One thread per problem.** ``prange`` runs over problems only, with no reduction across
  threads, and the tile size depends on the shape alone. So a problem gives the same bits
  whether it is solved alone or stacked with others, and from call to call (the workflow's
  determinism contract; tested, also with operands moved to every 8-byte offset).
- **Few compiled kernels, cached.** Every workflow job is a fresh process, so compile time
  counts; ``cache=True`` stores the machine code next to this file and a single entry point
  (:func:`kl_mu_batch`) serves masked and unmasked problems alike (an empty mask means "none").
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sigforge._types import FloatArray

#: Floor for the model X ~ WH and for update denominators, so ratios and logs stay finite.
TINY = 1e-300

#: Entries of one ``b x m`` tile: 49,152 float64 = 384 KiB, half of a 1 MiB L2 cache, so the
#: tile, the matching block of X and W stay cache-resident through the tile's four products.
TILE_ENTRIES = 49152

#: Fewest samples per tile: below this the per-call cost of BLAS outweighs the cache benefit.
MIN_TILE_COLUMNS = 32

#: Iterations the minimum-volume refinement runs at least, whatever the fit's own
#: ``min_iter``: its multiplicative step does not lower the penalised objective every time,
#: and a fit asked for ``min_iter`` 0 stopped it at its first rise, as if it had not been asked
#: for (the default ``min_iter``, 200, is this floor).
VOLUME_MIN_ITER = 200


@njit(cache=True, nogil=True)
def tile_columns(m: int, n: int) -> int:
    """Samples per tile for an m-feature, n-sample problem (a function of the shape only)."""
    return max(1, min(n, max(MIN_TILE_COLUMNS, TILE_ENTRIES // max(m, 1))))


@njit(cache=True, nogil=True)
def _ratio_tile(Xt: FloatArray, Mt: FloatArray, masked: bool, j0: int, tile: FloatArray,
                evaluate: bool) -> float:
    """Replace the model tile (b, m) by ``M X / max(model, TINY)`` for samples j0..j0+b.

    Returns the tile's (entry-weighted) generalised KL divergence when ``evaluate``, else 0.
    The common case (no mask, no objective) has its own branch-free loop so that it vectorises.
    """
    b, m = tile.shape
    if not masked and not evaluate:
        for j in range(b):
            for i in range(m):
                tile[j, i] = Xt[j0 + j, i] / max(tile[j, i], TINY)
        return 0.0
    total = 0.0
    for j in range(b):
        for i in range(m):
            value = max(tile[j, i], TINY)
            x = Xt[j0 + j, i]
            weight = Mt[j0 + j, i] if masked else 1.0
            tile[j, i] = weight * x / value
            term = value - x
            if x > 0.0:
                term += x * math.log(x / value)
            total += weight * term
    return total if evaluate else 0.0


@njit(cache=True, nogil=True)
def _scale(values: FloatArray, numer: FloatArray, denom: FloatArray, per_entry: bool,
           exponent: float) -> None:
    """values *= (numer / max(denom, TINY)) ** exponent; denom is (rows, k) or a (1, k) row.

    A shared denominator row is inverted once, so the loop multiplies instead of dividing
    (divisions, not multiply-adds, bound these updates at small k).
    """
    rows, k = values.shape
    if per_entry:
        for r in range(rows):
            for c in range(k):
                factor = numer[r, c] / max(denom[r, c], TINY)
                values[r, c] *= factor if exponent == 1.0 else factor**exponent
        return
    inverse = np.empty(k)
    for c in range(k):
        inverse[c] = 1.0 / max(denom[0, c], TINY)
    for r in range(rows):
        for c in range(k):
            factor = numer[r, c] * inverse[c]
            values[r, c] *= factor if exponent == 1.0 else factor**exponent


@njit(cache=True, nogil=True)
def _h_block(Xt: FloatArray, Mt: FloatArray, masked: bool, W: FloatArray, Wt: FloatArray,
             h: FloatArray, j0: int, exponent: float, evaluate: bool, do_h: bool,
             tile: FloatArray, numer: FloatArray, denom: FloatArray) -> float:
    """H half-update of one block of samples ``h`` (b, k); returns the block's objective.

    Leaves ``tile`` holding the block's ratio for the incoming (W, H). ``denom`` holds W's
    column sums (unmasked) or is scratch for the per-entry denominators ``M^T W`` (masked).
    """
    b = h.shape[0]
    np.dot(h, Wt, tile)
    objective = _ratio_tile(Xt, Mt, masked, j0, tile, evaluate)
    if do_h:
        np.dot(tile, W, numer)
        if masked:
            np.dot(Mt[j0:j0 + b], W, denom)
        _scale(h, numer, denom, masked, exponent)
    return objective


@njit(cache=True, nogil=True)
def _w_block(Xt: FloatArray, Mt: FloatArray, masked: bool, Wt: FloatArray, h: FloatArray,
             j0: int, fresh: bool, tile: FloatArray, part: FloatArray, part_d: FloatArray,
             numer_w: FloatArray, denom_w: FloatArray) -> None:
    """Add one block's share to W's update: ``ratio.T @ h`` and ``M.T @ h`` (or h's sums).

    ``fresh`` says ``tile`` already holds the ratio for (W, h); otherwise it is recomputed.
    """
    b, k = h.shape
    if not fresh:
        np.dot(h, Wt, tile)
        _ratio_tile(Xt, Mt, masked, j0, tile, False)
    np.dot(tile.T, h, part)
    numer_w += part
    if masked:
        np.dot(Mt[j0:j0 + b].T, h, part_d)
        denom_w += part_d
    else:
        for j in range(b):
            for c in range(k):
                denom_w[0, c] += h[j, c]


@njit(cache=True, nogil=True)
def _sweep(Xt: FloatArray, Mt: FloatArray, masked: bool, W: FloatArray, Wt: FloatArray,
           Ht: FloatArray, exponent: float, evaluate: bool, do_h: bool, do_w: bool,
           scratch: FloatArray, numer_h: FloatArray, denom_h: FloatArray, part: FloatArray,
           numer_w: FloatArray, denom_w: FloatArray, part_d: FloatArray) -> float:
    """One iteration over all tiles: returns the objective of the incoming (W, H).

    With ``do_h`` the rows of ``Ht`` are updated tile by tile; with ``do_w`` W's numerator and
    denominator are accumulated in ``numer_w``/``denom_w`` (the caller applies them, so that a
    problem that converges on this sweep keeps its W, as in the unfused order).
    """
    n, m = Xt.shape
    k = W.shape[1]
    block = tile_columns(m, n)
    objective = 0.0
    # W is constant during a sweep; a C-contiguous copy of W.T makes the model products
    # (h @ W.T) 1.3-1.6x faster in OpenBLAS than the transposed view (k = 5-10, measured).
    for c in range(k):
        for i in range(m):
            Wt[c, i] = W[i, c]
    if do_h and not masked:
        for c in range(k):
            s = 0.0
            for i in range(m):
                s += W[i, c]
            denom_h[0, c] = s
    if do_w:
        numer_w[:, :] = 0.0
        denom_w[:, :] = 0.0
    for j0 in range(0, n, block):
        b = min(n, j0 + block) - j0
        h = Ht[j0:j0 + b]
        tile = scratch[:b]
        if evaluate or do_h:
            objective += _h_block(Xt, Mt, masked, W, Wt, h, j0, exponent, evaluate, do_h,
                                  tile, numer_h[:b], denom_h[:b] if masked else denom_h)
        if do_w:
            _w_block(Xt, Mt, masked, Wt, h, j0, evaluate and not do_h, tile, part, part_d,
                     numer_w, denom_w)
    return objective


@njit(cache=True, nogil=True)
def _normalise(W: FloatArray, Ht: FloatArray) -> None:
    """Scale W's columns to sum to 1 and H's rows inversely (W @ H unchanged up to rounding)."""
    m, k = W.shape
    for c in range(k):
        s = 0.0
        for i in range(m):
            s += W[i, c]
        if s > 0.0:
            for i in range(m):
                W[i, c] /= s
            for j in range(Ht.shape[0]):
                Ht[j, c] *= s


@njit(cache=True, nogil=True)
def _small_change(previous: float, current: float, tol: float) -> bool:
    """True when the objective fell by less than ``tol`` relative to ``previous`` (or rose:
    the fit stops either way, :func:`_settled` says whether it converged)."""
    return (previous - current) / max(abs(previous), TINY) < tol


@njit(cache=True, nogil=True)
def _settled(previous: float, current: float, tol: float) -> bool:
    """True when the objective moved by less than ``tol`` relative to ``previous``, up or
    down: a fit stopped by a larger rise (an over-relaxed step, a penalty's approximate
    step) has not converged."""
    return abs(previous - current) / max(abs(previous), TINY) < tol


@njit(cache=True, nogil=True)
def _log_volume(W: FloatArray, delta: float) -> float:
    """``log det(W^T W + delta I)``: the minimum-volume penalty's measure of W's spread."""
    k = W.shape[1]
    gram = W.T @ W
    for c in range(k):
        gram[c, c] += delta
    return np.linalg.slogdet(gram)[1]


@njit(cache=True, nogil=True)
def _volume_scale(W: FloatArray, Ht: FloatArray, numer: FloatArray, denom: FloatArray,
                  weight: float, delta: float, exponent: float) -> None:
    """Minimum-volume W update, then W's columns rescaled to sum to 1 (H inversely).

    The penalty's gradient ``2 weight W Y`` with ``Y = (W^T W + delta I)^-1`` is split into its
    positive and negative parts, which join the KL denominator and numerator (the heuristic
    multiplicative update of Leplat, Gillis & Ang, 2020). ``denom`` is the KL update's shared
    (1, k) row of H's sums, ``numer`` its (m, k) numerator; both are consumed.
    """
    m, k = W.shape
    gram = W.T @ W
    for c in range(k):
        gram[c, c] += delta
    inverse = np.linalg.inv(gram)
    positive = np.maximum(inverse, 0.0)
    negative = np.maximum(-inverse, 0.0)
    push = W @ negative
    pull = W @ positive
    full = np.empty((m, k))
    for i in range(m):
        for c in range(k):
            numer[i, c] += 2.0 * weight * push[i, c]
            full[i, c] = denom[0, c] + 2.0 * weight * pull[i, c]
    _scale(W, numer, full, True, exponent)
    _normalise(W, Ht)


@njit(cache=True, nogil=True)
def _run(Xt: FloatArray, Mt: FloatArray, W: FloatArray, Ht: FloatArray,
         settings: FloatArray, update_w: bool, update_h: bool, exponent: float,
         w_first: bool, weight: float, delta: float) -> tuple[float, int, bool]:
    """Iterate one problem until its objective settles or ``max_iter``; the objective, the
    iterations and whether it converged. ``weight`` > 0 adds the minimum-volume penalty
    ``weight * log det(W^T W + delta I)`` (only with ``w_first`` False and no mask)."""
    n, m = Xt.shape
    k = W.shape[1]
    max_iter, min_iter, check_every = int(settings[0]), int(settings[1]), int(settings[2])
    tol = settings[3]
    masked = Mt.shape[0] > 0
    block = tile_columns(m, n)
    scratch = np.empty((block, m))
    Wt = np.empty((k, m))
    numer_h = np.empty((block, k))
    denom_h = np.empty((block if masked else 1, k))
    part = np.empty((m, k))
    part_d = np.empty((m, k))
    numer_w = np.empty((m, k))
    denom_w = np.empty((m if masked else 1, k))
    previous = np.inf
    iteration = 0
    converged = False
    while True:
        # With tol = 0 nothing can converge, so the (log-heavy) objective is only taken at the
        # end, as scikit-learn does; fixed-iteration runs then pay for updates alone.
        evaluate = (tol > 0 and iteration % check_every == 0) or iteration == max_iter
        stop = iteration == max_iter
        first_h = update_h and not stop and not w_first
        first_w = update_w and not stop
        current = _sweep(Xt, Mt, masked, W, Wt, Ht, exponent, evaluate, first_h, first_w,
                         scratch, numer_h, denom_h, part, numer_w, denom_w, part_d)
        if evaluate:
            if weight > 0.0:
                current += weight * _log_volume(W, delta)
            if iteration >= max(min_iter, 1) and _small_change(previous, current, tol):
                converged = _settled(previous, current, tol)
                stop = True
            previous = current
        # The factor updated first in the sweep that converges keeps its update; the second
        # one does not (as in Lee and Seung's loop stopped between its two half-updates).
        if w_first and first_w:
            _scale(W, numer_w, denom_w, masked, exponent)
        if stop:
            break
        if w_first and update_h:
            # H alone, unevaluated: ``stop`` is False and ``update_h`` True here; passed as
            # variables rather than literals, so numba compiles one _sweep, not a second one
            # specialised to the constants (seconds of CPU on first use).
            _sweep(Xt, Mt, masked, W, Wt, Ht, exponent, stop, update_h, stop, scratch, numer_h,
                   denom_h, part, numer_w, denom_w, part_d)
        elif not w_first and update_w:
            if weight > 0.0:
                _volume_scale(W, Ht, numer_w, denom_w, weight, delta, exponent)
            else:
                _scale(W, numer_w, denom_w, masked, exponent)
        iteration += 1
    return previous, iteration, converged


@njit(cache=True, nogil=True)
def _solve_one(Xt: FloatArray, Mt: FloatArray, W: FloatArray, Ht: FloatArray,
               settings: FloatArray, update_w: bool, update_h: bool, exponent: float,
               w_first: bool, out: FloatArray) -> None:
    """Run one problem to convergence; writes objective, iterations, converged into ``out`` (3,).

    ``w_first`` updates W before H in each iteration (two sweeps instead of one fused sweep,
    the same products); the wrapper uses it for a transposed problem, whose W is the caller's H.

    With a relative volume weight ``settings[4]`` > 0 (``settings[5]`` is delta) the plain fit
    stops at the looser tolerance ``settings[7]`` (when it is looser than ``tol``) and is
    followed by a minimum-volume refinement and then a short plain polish. The refinement's
    weight is the relative weight times the plain fit's KL divergence over
    ``|log det(W^T W + delta I)|`` (W's columns summing to 1), so the penalty is the same share
    of the objective whatever the data's scale; it moves the fit into the basin of the tightest
    signatures that still explain the data, where flat, overlapping ones come apart, and runs
    to convergence (after at least :data:`VOLUME_MIN_ITER` iterations, or ``max_iter`` if
    fewer) or ``max_iter`` iterations. The polish (plain KL again, at most
    ``settings[6]`` iterations) takes back most of the penalty's pull of the signatures
    towards one another. ``out`` then holds the polished fit's KL divergence, the iterations of
    all three stages and whether the refinement converged.
    """
    volume, delta = settings[4], settings[5]
    refine = volume > 0.0 and update_w and update_h and not w_first and Mt.shape[0] == 0
    plain = settings.copy()
    if refine:  # the refinement converges the fit: its start need not be converged
        plain[3] = max(settings[3], settings[7])
    objective, iterations, converged = _run(Xt, Mt, W, Ht, plain, update_w, update_h,
                                            exponent, w_first, 0.0, 0.0)
    if update_w and update_h:
        if w_first:
            _normalise(Ht, W)
        else:
            _normalise(W, Ht)
    if refine:
        spread = abs(_log_volume(W, delta))
        weight = volume * objective / max(spread, TINY)
        penalised = settings.copy()
        penalised[1] = max(settings[1], min(VOLUME_MIN_ITER, settings[0]))
        objective, more, converged = _run(Xt, Mt, W, Ht, penalised, update_w, update_h,
                                          exponent, w_first, weight, delta)
        iterations += more
        _normalise(W, Ht)
        polish = settings.copy()
        polish[0] = settings[6]
        polish[1] = min(settings[1], settings[6])
        objective, more, _ = _run(Xt, Mt, W, Ht, polish, update_w, update_h, exponent, w_first,
                                  0.0, 0.0)
        iterations += more
        _normalise(W, Ht)
    out[0] = objective
    out[1] = iterations
    out[2] = 1.0 if converged else 0.0


@njit(cache=True, parallel=True)
def kl_mu_batch(Xt: FloatArray, Mt: FloatArray, W: FloatArray, Ht: FloatArray,
                settings: FloatArray, update_w: bool, update_h: bool, exponent: float,
                w_first: bool, out: FloatArray) -> None:
    """Solve R problems in place, one thread per problem (BLAS must be single-threaded).

    Parameters
    ----------
    Xt : ndarray, shape (R, n, m), C-contiguous float64 (X transposed: samples by features)
    Mt : ndarray, shape (R, n, m) entry weights (transposed), or shape (R, 0, 0) for "no mask"
    W : ndarray, shape (R, m, k), updated in place
    Ht : ndarray, shape (R, n, k) (H transposed), updated in place
    settings : ndarray, shape (8,): max_iter, min_iter, check_every, tol, relative volume
        weight (0: none), volume delta, polish iterations after the volume refinement, the
        plain fit's tolerance before the refinement
    update_w, update_h : bool
        Which factors move (fixed-W refits and fixed-H fits keep the other factor).
    exponent : float
        1.0 for Lee-Seung updates; in (1, 2) for over-relaxed updates.
    w_first : bool
        Update W before H in each iteration; at the end, normalise H's columns (``Ht``'s
        columns sum to 1) instead of W's. For a problem passed transposed.
    out : ndarray, shape (R, 3): objective, iterations, converged flag per problem
    """
    for r in prange(Xt.shape[0]):
        _solve_one(Xt[r], Mt[r], W[r], Ht[r], settings, update_w, update_h, exponent, w_first,
                   out[r])

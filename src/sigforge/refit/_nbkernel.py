"""Compiled subset search of the ``negbin`` refit (:mod:`sigforge.refit.negbin` documents
the method).

One sample at a time, in numba: candidate screening (a one-step estimate, then exact line
searches of the best), the penalised stepwise search (add, remove, swap), the rounds of
dispersion estimates, the resample search and the shortlist. The likelihood pieces are in
:mod:`._nbfit`. Every function is deterministic and sequential, so a sample's result never
depends on how many samples or threads a run has.

Arrays: ``x`` (m,) counts, ``S`` (m, k) signatures, ``cost`` (k,) the cost of each signature,
``theta`` the negative-binomial size (``inf`` = Poisson).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sigforge.refit._nbfit import (
    NEWTON_TOLERANCE,
    POLISH_TOLERANCE,
    TINY,
    adjusted_theta,
    estimate_theta,
    line_derivatives,
    line_gain,
    model_of,
    nb_loglik,
    poisson_fit,
)

__all__ = ["adjusted_theta", "estimate_theta", "poisson_fit", "refit_counts", "refit_draws",
           "select", "shortlist"]

#: Smallest score gain that counts as an improvement (guards against rounding cycles).
IMPROVEMENT = 1e-7
#: Candidates refitted exactly after screening, per addition and per swap-out.
SCREEN_ADD = 3
SCREEN_SWAP = 2
#: Candidates ranked by a one-step estimate whose exact one-dimensional gain is computed.
PRESCREEN = 8
#: Search effort (prescreened, exact additions, exact swap-ins, exact removals): a sample's
#: own search, and the lighter one of its bootstrap resamples (which start from its answer).
#: Read-only, as numba sees a global array inside a kernel: a caller passing either one hands
#: the search the same argument type, so it is compiled once, not once per kind of caller.
FULL_EFFORT = np.array([PRESCREEN, SCREEN_ADD, SCREEN_SWAP, 1_000_000], dtype=np.int64)
LIGHT_EFFORT = np.array([2, 1, 0, 1], dtype=np.int64)
FULL_EFFORT.flags.writeable = False
LIGHT_EFFORT.flags.writeable = False


@njit(cache=True, error_model="numpy")
def fit_set(x, S, idx, a, warm, cost, theta):  # pragma: no cover - compiled
    """Poisson exposures of the subset idx[:a] from the warm start, and the subset's score.

    Score = negative-binomial log-likelihood at theta of the Poisson fit - the subset's
    costs. Zero warm-start entries start at a small positive value so that the model is
    positive wherever a subset signature is.
    """
    w = np.empty(a)
    floor = max(x.sum() * 1e-3 / max(a, 1), 1e-6)
    for j in range(a):
        w[j] = warm[j] if warm[j] > 0 else floor
    if a > 0:
        poisson_fit(x, S, idx, a, w, NEWTON_TOLERANCE)
    mu = np.empty(S.shape[0])
    model_of(S, idx, a, w, mu)
    score = nb_loglik(x, mu, theta)
    for j in range(a):
        score -= cost[idx[j]]
    return score, w


@njit(cache=True, error_model="numpy")
def _top(values, count):  # pragma: no cover - compiled
    """Indices of the ``count`` largest finite values, largest first (ties: lower index)."""
    order = np.argsort(-values, kind="mergesort")
    n = 0
    for i in range(order.shape[0]):
        if np.isfinite(values[order[i]]):
            n += 1
    return order[:min(count, n)]


@njit(cache=True, error_model="numpy")
def _quick_gain(x, mu, S, j, theta):  # pragma: no cover - compiled
    """One-Newton-step estimate d1^2 / (2 |d2|) of line_gain at t = 0 (0 when adding j
    cannot help at the margin): one pass over the channels, to rank candidates cheaply."""
    d1, d2 = line_derivatives(x, mu, S, j, theta, 0.0, 1e-12)
    if d1 <= 0:
        return 0.0
    return d1 * d1 / (2.0 * max(-d2, 1e-300))


@njit(cache=True, error_model="numpy")
def _screen(x, S, cost, theta, mu, excluded, allowed, prescreen):  # pragma: no cover
    """Gain minus cost of adding each allowed, not excluded signature (-inf otherwise), and
    the size it would take.

    All candidates are ranked by :func:`_quick_gain` minus cost; the best ``prescreen`` get the
    exact one-dimensional gain (:func:`line_gain`), the rest stay -inf.
    """
    k = S.shape[1]
    quick = np.full(k, -np.inf)
    for j in range(k):
        if allowed[j] and not excluded[j]:
            quick[j] = _quick_gain(x, mu, S, j, theta) - cost[j]
    gains = np.full(k, -np.inf)
    sizes = np.zeros(k)
    for j in _top(quick, prescreen):
        gain, size = line_gain(x, mu, S, j, theta)
        if size > 0:
            gains[j] = gain - cost[j]
            sizes[j] = size
    return gains, sizes


@njit(cache=True, error_model="numpy")
def _with(idx, a, w, j, size):  # pragma: no cover - compiled
    """Subset idx[:a] plus column j (sorted), with warm start w plus ``size`` for j."""
    idx2 = np.empty(a + 1, dtype=np.int64)
    w2 = np.empty(a + 1)
    p = 0
    placed = False
    for i in range(a):
        if not placed and j < idx[i]:
            idx2[p], w2[p] = j, size
            p += 1
            placed = True
        idx2[p], w2[p] = idx[i], w[i]
        p += 1
    if not placed:
        idx2[p], w2[p] = j, size
    return idx2, w2


@njit(cache=True, error_model="numpy")
def _without(idx, a, w, position):  # pragma: no cover - compiled
    """Subset idx[:a] without the member at ``position``, with its warm start."""
    idx2 = np.empty(max(a - 1, 0), dtype=np.int64)
    w2 = np.empty(max(a - 1, 0))
    p = 0
    for i in range(a):
        if i != position:
            idx2[p], w2[p] = idx[i], w[i]
            p += 1
    return idx2, w2


@njit(cache=True, error_model="numpy")
def _best_addition(x, S, cost, theta, idx, a, w, member, allowed, effort):  # pragma: no cover
    """Best subset with one signature added: exact scores of the screened candidates."""
    k = S.shape[1]
    best, best_idx, best_w = -np.inf, idx[:a].copy(), w[:a].copy()
    if a == 0:
        # Singletons have a closed-form Poisson fit (total / column sum): score them all.
        total = x.sum()
        for j in range(k):
            if allowed[j] and not member[j]:
                idx2, w2 = _with(idx, a, w, j, total / max(S[:, j].sum(), TINY))
                score, w2 = fit_set(x, S, idx2, a + 1, w2, cost, theta)
                if score > best:
                    best, best_idx, best_w = score, idx2, w2
        return best, best_idx, best_w
    mu = np.empty(S.shape[0])
    model_of(S, idx, a, w, mu)
    gains, sizes = _screen(x, S, cost, theta, mu, member, allowed, effort[0])
    for j in _top(gains, effort[1]):
        idx2, w2 = _with(idx, a, w, j, sizes[j])
        score, w2 = fit_set(x, S, idx2, a + 1, w2, cost, theta)
        if score > best:
            best, best_idx, best_w = score, idx2, w2
    return best, best_idx, best_w


@njit(cache=True, error_model="numpy")
def _best_removal(x, S, cost, theta, idx, a, w, limit):  # pragma: no cover - compiled
    """Best subset with one member removed: the ``limit`` members whose removal (the others
    held fixed) costs least are refitted exactly (all of them when limit >= a)."""
    best, best_idx, best_w = -np.inf, idx[:a].copy(), w[:a].copy()
    order = np.arange(a)
    if limit < a:
        mu = np.empty(S.shape[0])
        model_of(S, idx, a, w, mu)
        held = np.empty(a)
        for p in range(a):
            held[p] = nb_loglik(x, mu - w[p] * S[:, idx[p]], theta) + cost[idx[p]]
        order = _top(held, limit)
    for p in order:
        idx2, w2 = _without(idx, a, w, p)
        score, w2 = fit_set(x, S, idx2, a - 1, w2, cost, theta)
        if score > best:
            best, best_idx, best_w = score, idx2, w2
    return best, best_idx, best_w


@njit(cache=True, error_model="numpy")
def _best_swap(x, S, cost, theta, idx, a, w, member, allowed, effort):  # pragma: no cover
    """Best subset with one member replaced by a non-member: the move that lets a flat
    signature give way to the one that really explains the counts (or the reverse)."""
    best, best_idx, best_w = -np.inf, idx[:a].copy(), w[:a].copy()
    mu = np.empty(S.shape[0])
    for p in range(a):
        idx_r, w_r = _without(idx, a, w, p)
        _, w_r = fit_set(x, S, idx_r, a - 1, w_r, cost, theta)
        model_of(S, idx_r, a - 1, w_r, mu)
        excluded = member.copy()
        gains, sizes = _screen(x, S, cost, theta, mu, excluded, allowed, effort[0])
        for j in _top(gains, effort[2]):
            idx2, w2 = _with(idx_r, a - 1, w_r, j, sizes[j])
            score, w2 = fit_set(x, S, idx2, a, w2, cost, theta)
            if score > best:
                best, best_idx, best_w = score, idx2, w2
    return best, best_idx, best_w


@njit(cache=True, error_model="numpy")
def _members(k, idx):  # pragma: no cover - compiled
    """Boolean membership (k,) of the subset idx."""
    member = np.zeros(k, dtype=np.bool_)
    for j in idx:
        member[j] = True
    return member


@njit(cache=True, error_model="numpy")
def select(x, S, cost, theta, idx, w, allowed, effort):  # pragma: no cover - compiled
    """Penalised stepwise search from the subset idx (warm start w) at a fixed theta.

    Each round tries the best addition, then the best removal, and, when neither improved
    the score and the effort allows swap-ins, the best swap; it stops when no move raises
    the score by IMPROVEMENT. The score rises strictly, so the search cannot cycle. Returns
    (score, subset, exposures).
    """
    k = S.shape[1]
    current, w = fit_set(x, S, idx, idx.shape[0], w, cost, theta)
    for _ in range(4 * k + 10):
        moved = False
        score, idx2, w2 = _best_addition(x, S, cost, theta, idx, idx.shape[0], w,
                                         _members(k, idx), allowed, effort)
        if score > current + IMPROVEMENT:
            current, idx, w, moved = score, idx2, w2, True
        score, idx2, w2 = _best_removal(x, S, cost, theta, idx, idx.shape[0], w, effort[3])
        if score > current + IMPROVEMENT:
            current, idx, w, moved = score, idx2, w2, True
        if moved or effort[2] == 0:
            if moved:
                continue
            break
        score, idx2, w2 = _best_swap(x, S, cost, theta, idx, idx.shape[0], w,
                                     _members(k, idx), allowed, effort)
        if not score > current + IMPROVEMENT:
            break
        current, idx, w = score, idx2, w2
    return current, idx, w


@njit(cache=True, error_model="numpy")
def refit_counts(x, S, cost, allowed, theta0, estimate, rounds):  # pragma: no cover
    """Selected subset, its Poisson exposures and theta for one sample's counts.

    With ``estimate``, theta starts at theta0 and is re-estimated by maximum likelihood from
    the chosen model's fit, up to ``rounds`` times (stopping once it moves by under 10%),
    with one last search at the final theta; otherwise theta0 is used as given. The search
    starts from the empty subset.
    """
    return refit_from(x, S, cost, allowed, theta0, estimate, rounds,
                      np.empty(0, dtype=np.int64), np.empty(0))


@njit(cache=True, error_model="numpy")
def refit_from(x, S, cost, allowed, theta0, estimate, rounds, idx0, w0):  # pragma: no cover
    """:func:`refit_counts` with the search starting from the subset idx0 (exposures w0):
    the sample's own earlier fit, when only the costs have moved since."""
    idx = idx0.copy()
    w = w0.copy()
    theta = theta0
    if estimate:
        mu = np.empty(S.shape[0])
        for _ in range(rounds):
            _, idx, w = select(x, S, cost, theta, idx, w, allowed, FULL_EFFORT)
            model_of(S, idx, idx.shape[0], w, mu)
            new = estimate_theta(x, mu)
            settled = abs(math.log(new / theta)) < 0.1
            theta = new
            if settled:
                break
    _, idx, w = select(x, S, cost, theta, idx, w, allowed, FULL_EFFORT)
    # The search compares scores to NEWTON_TOLERANCE; the reported exposures are polished to
    # machine precision, so that equivalent inputs give the same numbers.
    if idx.shape[0] > 0:
        poisson_fit(x, S, idx, idx.shape[0], w, POLISH_TOLERANCE)
    return idx, w, theta


@njit(cache=True, error_model="numpy")
def refit_draws(draws, S, cost, theta, idx0, w0, effort):  # pragma: no cover - compiled
    """Exposures (B, k) of resampled counts (B, m): each draw searched with ``effort``
    (LIGHT_EFFORT: additions and removals, the best candidates only, no swaps) from the
    sample's own subset idx0 (exposures w0 rescaled to the draw's total) at the sample's
    theta."""
    out = np.zeros((draws.shape[0], S.shape[1]))
    allowed = np.ones(S.shape[1], dtype=np.bool_)
    scale_total = w0.sum()
    for b in range(draws.shape[0]):
        x = draws[b]
        w = w0 * (x.sum() / scale_total) if scale_total > 0 else w0.copy()
        _, idx, w = select(x, S, cost, theta, idx0.copy(), w, allowed, effort)
        for p in range(idx.shape[0]):
            out[b, idx[p]] = w[p]
    return out


@njit(cache=True, error_model="numpy")
def shortlist(x, S, cost, theta, idx, w, extra):  # pragma: no cover - compiled
    """The chosen subset, the ``extra`` best candidates to add and each member's best swap
    partner: the signatures a resample of this sample could plausibly choose."""
    k = S.shape[1]
    keep = np.zeros(k, dtype=np.bool_)
    member = np.zeros(k, dtype=np.bool_)
    allowed = np.ones(k, dtype=np.bool_)
    for j in idx:
        keep[j] = True
        member[j] = True
    mu = np.empty(S.shape[0])
    a = idx.shape[0]
    model_of(S, idx, a, w, mu)
    gains, _ = _screen(x, S, cost, theta, mu, member, allowed, FULL_EFFORT[0])
    for j in _top(gains, extra):
        keep[j] = True
    for p in range(a):
        idx_r, w_r = _without(idx, a, w, p)
        _, w_r = fit_set(x, S, idx_r, a - 1, w_r, cost, theta)
        model_of(S, idx_r, a - 1, w_r, mu)
        gains, _ = _screen(x, S, cost, theta, mu, member, allowed, FULL_EFFORT[0])
        for j in _top(gains, 1):
            keep[j] = True
    return np.flatnonzero(keep)

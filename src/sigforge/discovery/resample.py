"""Bootstrap replicates of a count matrix, and the seed derivation that makes them reproducible.

Replicate r of rank k for the matrix named c draws every random number from a generator keyed
by (global seed, c, k, r) alone, so a replicate's result does not depend on which job ran it,
how many replicates share that job, or which other ranks were requested.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import MAX_CELL


def stream_key(name: str) -> int:
    """A stable 32-bit integer for a matrix name, keying its random streams (CRC-32; Python's
    hash() is salted). A name that is not text (an integer label) is keyed by its text."""
    return zlib.crc32(str(name).encode("utf-8"))


def replicate_rng(seed: int, name: str, k: int, replicate: int) -> np.random.Generator:
    """The random generator of one replicate, a pure function of its four keys."""
    if seed < 0 or k < 1 or replicate < 0:
        raise ValueError(f"expected seed >= 0, k >= 1, replicate >= 0; got seed={seed}, k={k}, "
                         f"replicate={replicate}")
    return np.random.default_rng(np.random.SeedSequence([seed, stream_key(name), k, replicate]))


def checked_catalog(catalog: FloatArray) -> FloatArray:
    """``catalog`` as a float64 matrix, refused with a message naming the problem when it is
    not a 2-D array of finite values in [0, MAX_CELL] (2**53 - 1, beyond which float64
    counts are not exact): numpy's samplers would otherwise fail with their own messages
    (``lam < 0 or lam contains NaNs``) or draw from garbage."""
    array = np.asarray(catalog, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"catalog: expected a 2-D (features x samples) matrix, got "
                         f"{array.ndim} dimension(s).")
    if not np.isfinite(array).all():
        raise ValueError("catalog: expected finite values; it holds NaN or infinity.")
    if (array < 0).any() or (array > MAX_CELL).any():
        raise ValueError(f"catalog: expected values between 0 and {MAX_CELL:.0f}; it holds "
                         f"{array.min():g} to {array.max():g}.")
    return array


def poisson_bootstrap(catalog: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A Poisson-resampled copy of a count matrix: each entry ~ Poisson(observed count).

    Parameters
    ----------
    catalog : ndarray, shape (m, n)
        Nonnegative counts (non-integer values are used as Poisson means).

    Returns
    -------
    ndarray, shape (m, n), float64
    """
    return rng.poisson(checked_catalog(catalog)).astype(np.float64)


def multinomial_bootstrap(catalog: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A copy of a count matrix with each sample redrawn at its own total.

    Column j ~ Multinomial(round(total_j), catalog[:, j] / total_j): the resampling
    SigProfilerExtractor uses. Unlike Poisson resampling it keeps every sample's burden.

    Parameters
    ----------
    catalog : ndarray, shape (m, n)

    Returns
    -------
    ndarray, shape (m, n), float64
    """
    catalog = checked_catalog(catalog)
    totals = catalog.sum(axis=0)
    if (totals > MAX_CELL).any():
        j = int(np.argmax(totals > MAX_CELL))
        raise ValueError(f"catalog: sample (column) {j} holds {totals[j]:.3g} counts in all, "
                         f"beyond {MAX_CELL:.0f} (2**53 - 1), which a multinomial resample "
                         "cannot draw exactly; divide the counts by a power of ten: discovery "
                         "is scale-free.")
    safe = np.where(totals > 0, totals, 1.0)
    proportions = (catalog / safe).T
    proportions[totals == 0] = 1.0 / catalog.shape[0]
    draws = rng.multinomial(np.round(totals).astype(np.int64), proportions)
    return draws.T.astype(np.float64)


#: Pseudo-count depth of the ``scaled`` resampling when no depth is given.
DEFAULT_DEPTH = 10_000


def scaled_multinomial_bootstrap(catalog: FloatArray, rng: np.random.Generator,
                                 depth: int = DEFAULT_DEPTH) -> FloatArray:
    """A resample of a nonnegative real-valued matrix: each sample redrawn at a fixed depth.

    Poisson and multinomial resampling treat the values as counts, so their noise depends on
    the unit the data happen to be in (intensities in [0, 1] would resample to mostly zeros).
    Here column j becomes Multinomial(depth, catalog[:, j] / total_j) * total_j / depth: the
    noise of ``depth`` counts spread over the sample's proportions, whatever the unit, and
    every sample keeps its total. All-zero columns stay zero.

    Parameters
    ----------
    catalog : ndarray, shape (m, n)
    depth : int, default=10000
        Pseudo-counts per sample; larger means less resampling noise.

    Returns
    -------
    ndarray, shape (m, n), float64
    """
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) \
            or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth: expected a whole number from 1 to {MAX_DEPTH:.0e} (the "
                         f"multinomial sampler's counts are 64-bit integers), got {depth!r}.")
    catalog = checked_catalog(catalog)
    totals = catalog.sum(axis=0)
    safe = np.where(totals > 0, totals, 1.0)
    proportions = (catalog / safe).T
    proportions[totals == 0] = 1.0 / catalog.shape[0]
    draws = rng.multinomial(np.where(totals > 0, depth, 0), proportions).T.astype(np.float64)
    return draws * (totals / depth)


RESAMPLERS: dict[str, Callable[[FloatArray, np.random.Generator], FloatArray]] = {
    "poisson": poisson_bootstrap,
    "multinomial": multinomial_bootstrap,
    "scaled": scaled_multinomial_bootstrap,
}


#: Largest depth of the scaled resampling: far past any useful one (a depth of 10^4 already
#: resamples with little noise), and within the multinomial sampler's 64-bit counts.
MAX_DEPTH = 10**12


def get_resampler(name: str) -> Callable[[FloatArray, np.random.Generator], FloatArray]:
    """The resampling function registered under ``name``; raises with the valid names.

    ``scaled:D`` is the scaled multinomial resampling at depth D (``scaled`` alone: depth
    :data:`DEFAULT_DEPTH`).
    """
    if not isinstance(name, str):
        raise ValueError(f"resampling {name!r}: expected a name, one of "
                         f"{', '.join(RESAMPLERS)} or scaled:DEPTH.")
    base, sep, depth = name.partition(":")
    if base == "scaled" and sep:
        if not (depth.isascii() and depth.isdigit()) or not 1 <= int(depth) <= MAX_DEPTH:
            raise ValueError(f"resampling '{name}': expected scaled:DEPTH with DEPTH a whole "
                             f"number from 1 to {MAX_DEPTH:.0e} written in the digits 0-9, e.g. "
                             "scaled:10000.")
        return functools.partial(scaled_multinomial_bootstrap, depth=int(depth))
    if name not in RESAMPLERS:
        raise ValueError(f"resampling '{name}' is unknown; expected one of "
                         f"{', '.join(RESAMPLERS)} or scaled:DEPTH.")
    return RESAMPLERS[name]

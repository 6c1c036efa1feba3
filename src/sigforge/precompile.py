"""Compile every numba kernel into numba's on-disk cache once, when sigforge is installed.

Why: the kernels (the batched NMF of :mod:`sigforge.nmf._kernels`, the negative-binomial
search of :mod:`sigforge.refit._nbkernel`) are compiled on first use, about 25 s of CPU for
the NMF and 30 s for the refit. Left to the first run, that cost is paid by every job that
starts before the cache is written: the workflow's first refit jobs, running side by side,
each compiled the same kernels. ``make`` runs ``python -m sigforge.precompile`` right after
installing, so a run's jobs load machine code instead.

Each kernel is compiled for one argument type only (C-contiguous, writeable float64 arrays;
the callers normalise what they pass), so one small problem through each public entry point
fills the cache for every later call. Numba keys its cache on the source files' modification
times: an edited kernel is compiled again on its first use, as without this step.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from sigforge.nmf import fit_kl_mu_batched, fit_nmf
from sigforge.refit import RefitOptions, refit_catalog
from sigforge.refit.negbin import penalised_gain


def _nmf() -> None:
    """The batched KL kernel, both factors updated, with the minimum-volume refinement, with
    a mask of held-out entries and with W fixed: the argument types discovery, cross-validation
    and refitting pass."""
    rng = np.random.default_rng(0)
    X = rng.poisson(20.0, (2, 12, 6)).astype(np.float64)
    W = rng.uniform(0.1, 1.0, (2, 12, 2))
    H = rng.uniform(0.1, 1.0, (2, 2, 6))
    fit_kl_mu_batched(X, W, H, max_iter=20, min_iter=5, volume=0.1)
    fit_kl_mu_batched(X, W, H, weights=(X > 15).astype(np.float64), max_iter=20, min_iter=5)
    fit_kl_mu_batched(X, W, H, update_w=False, max_iter=20, min_iter=5)
    fit_nmf(X[0], W[0], H[0])


def _refit() -> None:
    """The negative-binomial search, its cohort-prior second pass, its bootstrap, and the
    likelihood comparison of two fits the patient pages make."""
    rng = np.random.default_rng(0)
    signatures = rng.dirichlet(np.ones(12), 4).T
    exposures = rng.gamma(1.0, 200.0, (4, 5))
    counts = rng.poisson(signatures @ exposures).astype(np.float64)
    channels = [f"c{i}" for i in range(12)]
    refit_catalog(pd.DataFrame(counts, index=channels),
                  pd.DataFrame(signatures, index=channels), RefitOptions(bootstrap=3))
    penalised_gain(counts[:, 0], signatures @ exposures[:, 0], 4, signatures[:, :2]
                   @ exposures[:2, 0], 2)


def main() -> None:
    """Compile the kernels; print how long it took."""
    start = time.perf_counter()
    _nmf()
    _refit()
    took = time.perf_counter() - start
    sys.stderr.write(f"sigforge: numba kernels compiled and cached in {took:.0f} s\n")


if __name__ == "__main__":
    main()

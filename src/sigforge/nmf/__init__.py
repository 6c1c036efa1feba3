"""Generic nonnegative matrix factorisation: batched solvers and initialisations.

This package knows nothing of mutations: it factors any nonnegative (m, n) matrix.
"""

from sigforge.nmf._init import random_init
from sigforge.nmf._solvers import BatchResult, fit_kl_mu_batched, kl_divergence, normalise_factors

__all__ = ["BatchResult", "fit_kl_mu_batched", "kl_divergence", "normalise_factors", "random_init"]

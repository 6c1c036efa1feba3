"""Generic nonnegative matrix factorisation: solvers, initialisations, batched runner, estimator.

This package knows nothing of mutations: it factors any nonnegative (m, n) matrix X as
W (m, k) @ H (k, n) -- features by samples, the orientation of the rest of sigforge -- except the
scikit-learn-style :class:`NMF` estimator, which follows scikit-learn's (samples, features).

- :func:`fit_kl_mu_batched`: R same-shape KL problems at once, tiled BLAS kernel, one numba
  thread per problem (:func:`solver_threads` caps them).
- :func:`fit_nmf`: one problem; MU for any beta-divergence (entry weights, fixed W or H,
  minimum-volume and graph penalties) or HALS for Frobenius.
- :func:`fit_joint_nmf`: several matrices sharing one H.
- :func:`initialise`: 'random', 'nndsvd', 'nndsvda', 'nndsvdar'.
- :func:`fit_spatial_nmf` (:mod:`.spatial`): graph-penalised NMF over a kNN graph of the
  samples' coordinates.

May import :mod:`sigforge.io` and the shared private modules only; never
:mod:`sigforge.genomics`, :mod:`sigforge.discovery`, :mod:`sigforge.refit`,
:mod:`sigforge.report`, :mod:`sigforge.cli` or :mod:`sigforge.workflow`.
"""

from sigforge.nmf._batch import BatchResult, fit_kl_mu_batched, normalise_factors, solver_threads
from sigforge.nmf._estimator import BETA_LOSSES, NMF, ConvergenceWarning
from sigforge.nmf._init import INITS, initialise, nndsvd_init, random_init
from sigforge.nmf._joint import JointResult, fit_joint_nmf
from sigforge.nmf._objective import beta_divergence, kl_divergence
from sigforge.nmf._solvers import SOLVERS, FitOptions, FitResult, fit_nmf, penalised_objective
from sigforge.nmf.spatial import fit_spatial_nmf, knn_graph, read_coordinates

__all__ = [
    "BETA_LOSSES", "INITS", "NMF", "SOLVERS", "BatchResult", "ConvergenceWarning", "FitOptions",
    "FitResult", "JointResult", "beta_divergence", "fit_joint_nmf", "fit_kl_mu_batched",
    "fit_nmf", "fit_spatial_nmf", "initialise", "kl_divergence", "knn_graph", "nndsvd_init",
    "normalise_factors", "penalised_objective", "random_init", "read_coordinates",
    "solver_threads",
]

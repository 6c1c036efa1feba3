"""Cost of the convergence checks in the batched KL kernel: the same 1,000 iterations with no
objective evaluation (tol = 0), with one every 10 iterations (the workflow's default) and with
one every 50. Each evaluation takes a logarithm per matrix entry, which numba cannot vectorise.

    python benchmarks/nmf_check_cost.py
"""

import time

import numpy as np

from sigforge.nmf import fit_kl_mu_batched


def _per_iteration(X: np.ndarray, W0: np.ndarray, H0: np.ndarray, iterations: int, tol: float,
                   every: int) -> float:
    """Median ms per iteration per replicate of ``iterations`` iterations (3 repeats)."""
    times = []
    for _ in range(3):
        time.sleep(0.2)  # let BLAS threads left spinning by earlier work go idle
        start = time.perf_counter()
        fit = fit_kl_mu_batched(X, W0, H0, max_iter=iterations, min_iter=iterations, tol=tol,
                                check_every=every)
        times.append(time.perf_counter() - start)
    assert (fit.n_iter == iterations).all()
    return float(np.median(times)) / iterations / X.shape[0] * 1e3


def main() -> None:
    """Print ms per iteration per replicate for each check cadence."""
    rng = np.random.default_rng(0)
    replicates, iterations = 4, 1000
    for m, n, k in [(96, 200, 5), (96, 200, 10), (96, 2000, 10)]:
        X = rng.poisson(20, size=(replicates, m, n)).astype(float)
        W0 = rng.uniform(0.1, 1, (replicates, m, k))
        H0 = rng.uniform(0.1, 1, (replicates, k, n))
        fit_kl_mu_batched(X, W0, H0, max_iter=2)

        none, every10, every50 = (_per_iteration(X, W0, H0, iterations, tol, every)
                                  for tol, every in [(0.0, 10), (1e-7, 10), (1e-7, 50)])
        print(f"{m} x {n}, k = {k}: no checks {none:.4f} ms/iter/replicate; every 10 "
              f"{every10:.4f} (+{100 * (every10 / none - 1):.0f}%); every 50 {every50:.4f} "
              f"(+{100 * (every50 / none - 1):.0f}%)", flush=True)


if __name__ == "__main__":
    main()

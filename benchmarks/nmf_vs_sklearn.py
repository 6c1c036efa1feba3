"""Side-by-side: sigforge's batched KL multiplicative updates vs scikit-learn's NMF (solver='mu',
beta_loss='kullback-leibler') on the same Poisson bootstrap replicates of a real catalog.

Both run a fixed number of iterations from the same starts (tol=0), so the time per replicate
and the final objective are directly comparable. Medians of --repeats runs, in one process.

    python benchmarks/nmf_vs_sklearn.py --catalog ../shared/data/real/WGS_PCAWG.96.csv \
        --samples 300 --k 10 --replicates 20 --iterations 1000
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from sigforge.io import read_matrix
from sigforge.nmf import fit_kl_mu_batched, kl_divergence, random_init
from sigforge.resample import poisson_bootstrap, replicate_rng


def _problems(catalog: np.ndarray, k: int, replicates: int) -> tuple[np.ndarray, ...]:
    """Bootstrap replicates and their random starts, as the workflow makes them."""
    data, ws, hs = [], [], []
    for r in range(replicates):
        rng = replicate_rng(1, "bench", k, r)
        x = poisson_bootstrap(catalog, rng)
        w, h = random_init(x, k, rng)
        data.append(x)
        ws.append(w)
        hs.append(h)
    return np.stack(data), np.stack(ws), np.stack(hs)


def _sklearn(X: np.ndarray, W0: np.ndarray, H0: np.ndarray, iterations: int) -> np.ndarray:
    """scikit-learn MU-KL on every replicate in turn; returns the final objectives."""
    objectives = []
    for x, w, h in zip(X, W0, H0, strict=True):
        model = NMF(n_components=w.shape[1], init="custom", solver="mu",
                    beta_loss="kullback-leibler", max_iter=iterations, tol=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # scikit-learn factors samples x features: transpose ours.
            h_out = model.fit_transform(x.T, W=h.T.copy(), H=w.T.copy())
        objectives.append(kl_divergence(x[None], (model.components_.T @ h_out.T)[None])[0])
    return np.array(objectives)


def main() -> None:
    """Run both solvers --repeats times and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    catalog = read_matrix(args.catalog).data.iloc[:, : args.samples].to_numpy()
    catalog = catalog[:, catalog.sum(axis=0) > 0]
    X, W0, H0 = _problems(catalog, args.k, args.replicates)
    ours, theirs = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = fit_kl_mu_batched(X, W0, H0, max_iter=args.iterations, min_iter=0, tol=0.0)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        objectives = _sklearn(X, W0, H0, args.iterations)
        theirs.append(time.perf_counter() - start)
    ratio = np.median(result.objective / objectives)
    print(f"catalog {args.catalog}: {catalog.shape[0]} x {catalog.shape[1]}, k={args.k}, "
          f"{args.replicates} replicates x {args.iterations} iterations, {args.repeats} repeats")
    print(f"sigforge batched MU-KL : median {np.median(ours):.2f} s "
          f"({np.median(ours) / args.replicates * 1000:.0f} ms/replicate)")
    print(f"scikit-learn NMF mu-KL : median {np.median(theirs):.2f} s "
          f"({np.median(theirs) / args.replicates * 1000:.0f} ms/replicate)")
    print(f"speed-up {np.median(theirs) / np.median(ours):.2f}x; "
          f"median objective ratio sigforge/sklearn {ratio:.6f}")


if __name__ == "__main__":
    main()

"""NNDSVD start of a large matrix: the k leading singular triplets against the whole SVD.

``sigforge.nmf.nndsvd_init`` uses k singular triplets. Up to
``sigforge.nmf._init.FULL_SVD_UP_TO`` rows or columns it takes the whole economy SVD; above,
ARPACK's k leading triplets. This times both on one seeded gamma matrix (an expression matrix
of genes x cells), alternating, and checks that they give the same start (largest difference
of W @ H relative to its largest entry).

    python benchmarks/nndsvd_start.py --rows 20000 --columns 3000 --k 10 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import sigforge.nmf._init as init
from sigforge.nmf import nndsvd_init


def timed_start(X: np.ndarray, k: int, full_up_to: int) -> tuple[float, np.ndarray]:
    """Wall seconds of one NNDSVD start with the whole SVD taken up to ``full_up_to``, and
    its W @ H."""
    saved = init.FULL_SVD_UP_TO
    init.FULL_SVD_UP_TO = full_up_to
    try:
        start = time.perf_counter()
        W, H = nndsvd_init(X, k)
        return time.perf_counter() - start, W @ H
    finally:
        init.FULL_SVD_UP_TO = saved


def main() -> None:
    """Print the median wall time of each start and how far apart the starts are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=3_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    X = rng.gamma(0.3, 1.0, (args.rows, args.columns)) * rng.random(args.columns)
    times: dict[str, list[float]] = {"leading triplets": [], "whole SVD": []}
    products = {}
    for _ in range(args.repeats):
        for name, up_to in (("leading triplets", init.FULL_SVD_UP_TO),
                            ("whole SVD", 10 ** 9)):
            seconds, products[name] = timed_start(X, args.k, up_to)
            times[name].append(seconds)
    gap = np.abs(products["leading triplets"] - products["whole SVD"]).max()
    scale = np.abs(products["whole SVD"]).max()
    print(f"{args.rows:,} x {args.columns:,}, k = {args.k}: "
          + ", ".join(f"{name} {statistics.median(t):.2f} s" for name, t in times.items())
          + f"; starts differ by at most {gap / scale:.1e} of the largest entry")


if __name__ == "__main__":
    main()

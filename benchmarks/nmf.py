"""Side-by-side NMF benchmark: sigforge batched KL vs scikit-learn and SigProfilerExtractor.

Two parts, all in one run on the same matrices, medians of ``--repeats``:

1. **Per-iteration time** (fixed iteration count, tol = 0) on 96 x 200 and 96 x 2,000 (the first
   PCAWG SBS96 genomes, Poisson-bootstrapped) and on a planted 1536 x 500 matrix, k = 5, 10, 20:
   sigforge's batched runner (``--replicates`` problems per call, both cores) against
   ``sklearn.decomposition.NMF(solver='mu', beta_loss='kullback-leibler')`` one replicate at a
   time from the same starts; the achieved GFLOP/s (8 m n k flops per KL-MU iteration) against
   this machine's measured 2000 x 2000 float64 matrix-multiply rate, measured in the same run.
2. **Time to converge** on one replicate (96 x 200, k = 10) with SigProfilerExtractor's own NMF
   class and default settings (float32, >= 10,000 iterations, convergence tested every 10,000
   at tol 1e-15) against sigforge's workflow defaults and against sigforge run until it reaches
   SigProfilerExtractor's final objective, plain and over-relaxed (exponent 1.5).
   SigProfilerExtractor is never a sigforge dependency: it lives in its own venv, made once by

       python3.11 -m venv /tmp/spe-venv
       /tmp/spe-venv/bin/pip install torch==2.13.0      # CPU wheel first: no CUDA download
       /tmp/spe-venv/bin/pip install SigProfilerExtractor

   and is driven through that venv's python (``--spe-python``); skipped if it is missing.

    python benchmarks/nmf.py --catalog ../shared/data/real/WGS_PCAWG.96.csv --repeats 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import NMF as SklearnNMF  # noqa: N811
from sklearn.exceptions import ConvergenceWarning

from sigforge.discovery.resample import poisson_bootstrap, replicate_rng
from sigforge.genomics import read_catalog
from sigforge.nmf import fit_kl_mu_batched, kl_divergence, random_init
from sigforge.testing import planted_counts

SHAPES = [(96, 200), (96, 2000), (1536, 500)]
RANKS = [5, 10, 20]

SPE_DRIVER = """
import json, sys, time
import numpy as np, torch
from SigProfilerExtractor import nmf_cpu
data = np.load(sys.argv[1])
net = nmf_cpu.NMF(torch.from_numpy(data["X"]).float(), rank=int(data["W"].shape[1]),
                  min_iterations=10000, max_iterations=int(sys.argv[3]), tolerance=1e-15,
                  test_conv=10000, init_method="random", generator=np.random.default_rng(0),
                  floating_point_precision="single")
net._W = torch.from_numpy(data["W"][None]).float()
net._H = torch.from_numpy(data["H"][None]).float()
start = time.perf_counter()
net.fit()
seconds = time.perf_counter() - start
np.savez(sys.argv[2], W=net.W.numpy()[0].astype(float), H=net.H.numpy()[0].astype(float))
print(json.dumps({"seconds": seconds, "iterations": int(net.conv) or int(sys.argv[3]),
                  "converged": bool(net.conv), "threads": torch.get_num_threads(),
                  "torch": torch.__version__}))
"""


#: Seconds to wait before each timed call. OpenBLAS's worker threads (numpy's, used by
#: scikit-learn and the matmul probe) busy-wait for a while after each parallel call, which would
#: steal a core from whichever run comes next; the pause lets them go idle, fairly for both.
SETTLE_SECONDS = 0.3


def _median_time(function, repeats: int) -> float:
    """Median wall time of ``function()`` over ``repeats`` calls, each after a settling pause."""
    times = []
    for _ in range(repeats):
        time.sleep(SETTLE_SECONDS)
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _matmul_rate(repeats: int, size: int = 2000) -> float:
    """This machine's float64 matrix-multiply rate in GFLOP/s (numpy's BLAS, all cores)."""
    a = np.random.default_rng(0).uniform(size=(size, size))
    a @ a
    return 2 * size**3 / _median_time(lambda: a @ a, repeats) / 1e9


def _matrix(catalog: np.ndarray, m: int, n: int) -> np.ndarray:
    """The first n real genomes for 96 channels; a planted matrix for other shapes."""
    if m == catalog.shape[0] and n <= catalog.shape[1]:
        return catalog[:, :n]
    return planted_counts(m, n, 20, burden=20000.0, rng=0).counts


def _problems(matrix: np.ndarray, k: int, replicates: int) -> tuple[np.ndarray, ...]:
    """Bootstrap replicates and their random starts, as the workflow makes them."""
    data, ws, hs = [], [], []
    for r in range(replicates):
        rng = replicate_rng(1, "bench", k, r)
        x = poisson_bootstrap(matrix, rng)
        w, h = random_init(x, k, rng)
        data.append(x)
        ws.append(w)
        hs.append(h)
    return np.stack(data), np.stack(ws), np.stack(hs)


def _sklearn_fit(x: np.ndarray, w: np.ndarray, h: np.ndarray, iterations: int) -> float:
    """scikit-learn MU-KL from our start (it factors samples x features); final KL."""
    model = SklearnNMF(n_components=w.shape[1], init="custom", solver="mu",
                       beta_loss="kullback-leibler", max_iter=iterations, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        coefficients = model.fit_transform(x.T, W=h.T.copy(), H=w.T.copy())
    return float(kl_divergence(x, model.components_.T @ coefficients.T))


def _shape_row(matrix: np.ndarray, k: int, args: argparse.Namespace) -> str:
    """One table row: per-iteration times, speed-up, GFLOP/s vs matmul, objective agreement.

    sigforge, scikit-learn and the matmul probe alternate within each repeat, so that all three
    see the same load on a shared machine; each figure is the median over repeats.
    """
    m, n = matrix.shape
    X, W0, H0 = _problems(matrix, k, args.replicates)
    its = args.iterations
    square = np.random.default_rng(0).uniform(size=(2000, 2000))

    def ours() -> np.ndarray:
        return fit_kl_mu_batched(X, W0, H0, max_iter=its, min_iter=0, tol=0.0).objective

    def theirs() -> list[float]:
        return [_sklearn_fit(X[r], W0[r], H0[r], its) for r in range(args.sklearn_replicates)]

    ours()
    t_ours, t_theirs, rates = [], [], []
    for _ in range(args.repeats):
        t_ours.append(_median_time(ours, 1) / its / args.replicates)
        t_theirs.append(_median_time(theirs, 1) / its / args.sklearn_replicates)
        rates.append(2 * 2000**3 / _median_time(lambda: square @ square, 1) / 1e9)
    t_o, t_t, rate = np.median(t_ours), np.median(t_theirs), np.median(rates)
    agreement = np.max(np.abs(ours()[: args.sklearn_replicates] / np.array(theirs()) - 1))
    gflops = 8 * m * n * k / t_o / 1e9
    return (f"| {m} x {n} | {k} | {t_o * 1e3:.3f} | {t_t * 1e3:.3f} | {t_t / t_o:.1f}x | "
            f"{gflops:.1f} | {rate:.1f} | {100 * gflops / rate:.0f}% | {agreement:.1e} |")


def _until(x: np.ndarray, w: np.ndarray, h: np.ndarray, target: float,
           exponent: float, cap: int) -> tuple[float, int, float]:
    """Run sigforge in blocks of 100 iterations until KL <= target; (seconds, iters, KL)."""
    W, H = w[None], h[None]
    start, done, objective = time.perf_counter(), 0, np.inf
    while done < cap and objective > target:
        fit = fit_kl_mu_batched(x[None], W, H, exponent=exponent, max_iter=100, min_iter=0,
                                tol=0.0)
        W, H, objective, done = fit.W, fit.H, float(fit.objective[0]), done + 100
    return time.perf_counter() - start, done, objective


def _spe(x: np.ndarray, w: np.ndarray, h: np.ndarray, args: argparse.Namespace) -> dict | None:
    """Run SigProfilerExtractor's NMF in its own venv; None when that venv is missing."""
    if not Path(args.spe_python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(f"{tmp}/in.npz", X=x, W=w, H=h)
        done = subprocess.run([args.spe_python, "-c", SPE_DRIVER, f"{tmp}/in.npz",
                               f"{tmp}/out.npz", str(args.spe_max_iter)],
                              capture_output=True, text=True, check=True, timeout=1800)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        with np.load(f"{tmp}/out.npz") as out:
            result["objective"] = float(kl_divergence(x, out["W"] @ out["H"]))
    return result


def _convergence(catalog: np.ndarray, args: argparse.Namespace) -> list[str]:
    """Rows of the time-to-converge table on one 96 x 200 replicate, k = 10."""
    X, W0, H0 = _problems(_matrix(catalog, 96, 200), 10, 1)
    x, w, h = X[0], W0[0], H0[0]
    rows = []
    spe = _spe(x, w, h, args)
    fit_kl_mu_batched(X, W0, H0, max_iter=1)  # load the compiled kernel outside the timing
    start = time.perf_counter()
    default = fit_kl_mu_batched(X, W0, H0, max_iter=5000, min_iter=200, tol=1e-7)
    seconds = time.perf_counter() - start
    rows.append(f"| sigforge, workflow defaults (tol 1e-7 / 10 its) | {seconds:.2f} | "
                f"{default.n_iter[0]} | {default.objective[0]:.2f} |")
    if spe is None:
        rows.append(f"| SigProfilerExtractor | not run: {args.spe_python} missing | | |")
        return rows
    state = "converged" if spe["converged"] else f"stopped at --spe-max-iter {args.spe_max_iter}"
    rows.append(f"| SigProfilerExtractor {spe['torch']} NMF, its settings, {state} "
                f"({spe['threads']} threads) | {spe['seconds']:.2f} | {spe['iterations']} | "
                f"{spe['objective']:.2f} |")
    for exponent in (1.0, 1.5):
        seconds, iterations, objective = _until(x, w, h, spe["objective"], exponent, 400000)
        rows.append(f"| sigforge to SigProfilerExtractor's KL, exponent {exponent} | "
                    f"{seconds:.2f} | {iterations} | {objective:.2f} |")
    return rows


def main() -> None:
    """Run both parts and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--catalog", required=True, help="SBS96 catalog, e.g. WGS_PCAWG.96.csv")
    parser.add_argument("--replicates", type=int, default=4, help="problems per batched call")
    parser.add_argument("--sklearn-replicates", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--spe-python", default="/tmp/spe-venv/bin/python")
    parser.add_argument("--spe-max-iter", type=int, default=1000000)
    parser.add_argument("--parts", default="shapes,convergence",
                        help="comma-separated subset of: shapes, convergence")
    args = parser.parse_args()
    catalog = read_catalog(args.catalog).data.to_numpy(dtype=np.float64)
    catalog = catalog[:, catalog.sum(axis=0) > 0]
    if "shapes" in args.parts:
        _print_shapes(catalog, args)
    if "convergence" in args.parts:
        print("| run (96 x 200 replicate, k = 10) | seconds | iterations | KL |")
        print("|---|---|---|---|")
        for row in _convergence(catalog, args):
            print(row, flush=True)


def _print_shapes(catalog: np.ndarray, args: argparse.Namespace) -> None:
    """The per-iteration table, bracketed by matmul rates."""
    print(f"matmul 2000x2000 float64 (at the start): {_matmul_rate(args.repeats):.1f} GFLOP/s")
    print(f"{args.replicates} replicates per batched call, {args.iterations} iterations\n")
    print("| matrix | k | sigforge ms/iter/replicate | scikit-learn ms/iter/replicate | "
          "speed-up | sigforge GFLOP/s | matmul GFLOP/s | of matmul | max objective gap |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m, n in SHAPES:
        for k in RANKS:
            print(_shape_row(_matrix(catalog, m, n), k, args), flush=True)
    print(f"\nmatmul at the end: {_matmul_rate(args.repeats):.1f} GFLOP/s\n")


if __name__ == "__main__":
    main()

"""Rating prediction with missing entries: masked NMF fits only the ratings that exist.

Generated data: 400 users rate 120 items on a 1-5 scale; each user's taste is a nonnegative mix
of 4 latent tastes and each item appeals to them in its own nonnegative way, plus noise. Only
12 % of the (item, user) pairs are rated; a fifth of those are hidden as a test set. NMF with
entry weights (1 for a training rating, 0 for a missing or hidden one: `fit_nmf(weights=...)`)
fits the training ratings only, and predicts the hidden ones from W @ H. Baselines: each item's
mean training rating, and the global mean. Score: root mean squared error on the hidden ratings.

Run from the repository root (writes docs/examples/ratings_masked.png):
    .venv/bin/python examples/ratings_masked.py
"""

from __future__ import annotations

import sys

import numpy as np

from sigforge.nmf import FitOptions, fit_nmf, initialise


def simulate(items: int = 120, users: int = 400, k: int = 4, density: float = 0.12,
             seed: int = 0) -> dict[str, np.ndarray]:
    """Full ratings (items, users), the observed mask, and a train/test split of it."""
    rng = np.random.default_rng(seed)
    appeal = rng.gamma(0.6, 1.0, size=(items, k))
    taste = rng.dirichlet(np.full(k, 0.4), size=users).T
    raw = appeal @ taste
    ratings = np.clip(1 + 4 * raw / np.quantile(raw, 0.98) + 0.3 * rng.standard_normal(raw.shape),
                      1, 5)
    observed = rng.random(ratings.shape) < density
    test = observed & (rng.random(ratings.shape) < 0.2)
    return {"ratings": ratings, "train": observed & ~test, "test": test}


def rmse(truth: np.ndarray, predicted: np.ndarray, mask: np.ndarray) -> float:
    """Root mean squared error over the masked entries."""
    return float(np.sqrt(((truth - predicted)[mask] ** 2).mean()))


def masked_nmf(ratings: np.ndarray, train: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """W @ H of a Frobenius NMF fitted to the training entries only."""
    X = np.where(train, ratings, 0.0)
    W0, H0 = initialise(X, k, "random", seed)
    W0, H0 = W0 * 2.0, H0 * 2.0  # random start near the ratings' scale
    fit = fit_nmf(X, W0, H0, weights=train.astype(np.float64),
                  options=FitOptions(beta=2, max_iter=1500, tol=1e-7))
    return np.clip(fit.W @ fit.H, 1, 5)


def item_means(ratings: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Baseline: each item's mean training rating (the global mean for unrated items)."""
    counts = train.sum(axis=1, keepdims=True)
    sums = np.where(train, ratings, 0.0).sum(axis=1, keepdims=True)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), ratings[train].mean())
    return np.broadcast_to(means, ratings.shape)


def run(items: int = 120, users: int = 400, ranks: tuple[int, ...] = (2, 4, 6),
        seed: int = 0) -> dict[str, float]:
    """Held-out RMSE of masked NMF at each rank and of the two baselines."""
    data = simulate(items=items, users=users, seed=seed)
    ratings, train, test = data["ratings"], data["train"], data["test"]
    scores = {"global mean": rmse(ratings, np.full(ratings.shape, ratings[train].mean()), test),
              "item means": rmse(ratings, item_means(ratings, train), test)}
    for k in ranks:
        scores[f"masked NMF k={k}"] = rmse(ratings, masked_nmf(ratings, train, k), test)
    scores["test ratings"] = float(test.sum())
    return scores


def main() -> int:
    """Print the RMSE table and draw it."""
    from _common import plt, save

    scores = run()
    for name, value in scores.items():
        print(f"{name:18s} {value:.4f}")
    shown = {name: value for name, value in scores.items() if name != "test ratings"}
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.barh(list(shown), list(shown.values()), color="#3b6ea5")
    ax.set_xlabel(f"RMSE on {int(scores['test ratings'])} held-out ratings")
    fig.tight_layout()
    print(f"figure: {save(fig, 'ratings_masked')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

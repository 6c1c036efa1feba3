"""Exposures as features downstream: predict a covariate from each sample's NMF exposures.

Generated data: 240 samples x 40 features of counts from 4 components. One component behaves like
a clock: its exposure grows with the sample's age (plus noise); the other three vary at random.
NMF (KL, k = 4) turns each sample into 4 exposures; a ridge regression (scikit-learn, 5-fold
cross-validation) predicts age from them. Baselines: the sample's total count alone, and the
40 raw feature counts. NMF is unsupervised (age is never seen), so fitting it on all samples
does not leak age into the folds.

Caveat: a good prediction is not a cause. The clock component predicts age here because the
simulation made it so; in real data an exposure may track age through anything that goes with
age (time to diagnosis, treatment, sequencing batch). Prediction says what is associated, not why.

Run from the repository root (writes docs/examples/exposures_regression.png):
    .venv/bin/python examples/exposures_regression.py
"""

from __future__ import annotations

import sys

import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sigforge.nmf import NMF


def simulate(samples: int = 240, features: int = 40, seed: int = 0) -> dict[str, np.ndarray]:
    """Ages (n,), counts (features, n) and the true exposures (4, n)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(30, 85, size=samples)
    W = rng.dirichlet(np.full(features, 0.3), size=4).T
    H = np.vstack([6.0 * age * rng.lognormal(0, 0.15, samples),
                   rng.gamma(1.0, 150.0, size=(3, samples))])
    return {"age": age, "X": rng.poisson(W @ H).astype(np.float64), "H": H}


def predict(features: np.ndarray, target: np.ndarray, seed: int = 0) -> np.ndarray:
    """Cross-validated ridge predictions of target from the (samples, p) feature matrix."""
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    folds = KFold(n_splits=5, shuffle=True, random_state=seed)
    return cross_val_predict(model, features, target, cv=folds)


def r_squared(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination of out-of-fold predictions."""
    return float(1 - ((truth - predicted) ** 2).sum() / ((truth - truth.mean()) ** 2).sum())


def run(samples: int = 240, seed: int = 0) -> dict[str, object]:
    """Out-of-fold R^2 of age from exposures, from total counts and from the raw counts."""
    data = simulate(samples=samples, seed=seed)
    X, age = data["X"], data["age"]
    exposures = NMF(n_components=4, init="nndsvda", max_iter=3000, tol=1e-5,
                    random_state=0).fit_transform(X.T)
    predictions = {"NMF exposures (4)": predict(exposures, age, seed),
                   "total count (1)": predict(X.sum(axis=0, keepdims=True).T, age, seed),
                   "raw counts (40)": predict(X.T, age, seed)}
    return {"r2": {name: r_squared(age, p) for name, p in predictions.items()},
            "predictions": predictions, "age": age}


def main() -> int:
    """Print R^2 per feature set and plot predicted against true age."""
    from _common import plt, save

    result = run()
    for name, value in result["r2"].items():
        print(f"{name:20s} out-of-fold R^2 {value:.3f}")
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), sharey=True)
    for ax, (name, predicted) in zip(axes, result["predictions"].items(), strict=True):
        ax.scatter(result["age"], predicted, s=6, alpha=0.6)
        ax.plot([30, 85], [30, 85], color="grey", linestyle=":")
        ax.set_title(f"{name}: R² {result['r2'][name]:.2f}", fontsize=9)
        ax.set_xlabel("true age")
    axes[0].set_ylabel("predicted age (out of fold)")
    fig.tight_layout()
    print(f"figure: {save(fig, 'exposures_regression')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

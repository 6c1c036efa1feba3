"""Muscle synergies from simulated EMG: NMF finds the muscle groups that act together.

Generated data: 12 muscles recorded over 40 reaching movements of 100 time points each. Three
synergies (fixed muscle weightings) are switched on by smooth activation bursts whose timing and
size vary from movement to movement; the rectified, smoothed EMG envelope is their sum with
signal-dependent noise. The envelopes are a muscles x time-points matrix: features = muscles,
samples = time points. NMF (Frobenius, the usual choice for EMG) at ranks 1-6; the number of
synergies is the smallest rank whose variance accounted for (VAF) reaches 90 % and beyond which
one more synergy adds less than 1 % VAF (a common rule in the motor control literature); the
found synergies are compared with the planted ones by cosine.

Run from the repository root (writes docs/examples/emg_synergies.png):
    .venv/bin/python examples/emg_synergies.py
"""

from __future__ import annotations

import sys

import numpy as np

from sigforge.nmf import NMF
from sigforge.testing import match_cosines

MUSCLES = ["deltoid ant", "deltoid post", "biceps", "triceps lat", "triceps long", "brachialis",
           "brachiorad", "pect major", "lat dorsi", "trapezius", "infraspin", "teres major"]


def simulate(movements: int = 40, steps: int = 100, seed: int = 0
             ) -> dict[str, np.ndarray]:
    """Synergies W (12, 3), activations H (3, movements*steps), envelopes X (12, ...)."""
    rng = np.random.default_rng(seed)
    W = rng.gamma(0.5, 1.0, size=(len(MUSCLES), 3))
    W /= np.linalg.norm(W, axis=0)
    t = np.linspace(0, 1, steps)
    H = np.zeros((3, movements * steps))
    for mv in range(movements):
        for s in range(3):
            centre = rng.uniform(0.15, 0.85)
            width = rng.uniform(0.05, 0.15)
            H[s, mv * steps:(mv + 1) * steps] = rng.uniform(0.3, 1.5) * np.exp(
                -0.5 * ((t - centre) / width) ** 2)
    clean = W @ H
    X = np.maximum(clean * (1 + 0.15 * rng.standard_normal(clean.shape))
                   + 0.01 * rng.random(clean.shape), 0.0)
    return {"W": W, "H": H, "X": X}


def vaf(X: np.ndarray, model: np.ndarray) -> float:
    """Variance accounted for: 1 - ||X - model||^2 / ||X||^2 (uncentred, as in EMG work)."""
    return float(1 - ((X - model) ** 2).sum() / (X ** 2).sum())


def fit(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Frobenius NMF of muscles x time: synergies (12, k) and activations (k, time)."""
    model = NMF(n_components=k, beta_loss="frobenius", solver="hals", init="nndsvda",
                max_iter=3000, tol=1e-5, random_state=0)
    activations = model.fit_transform(X.T)  # estimator orientation: samples x features
    return model.components_.T, activations.T


def run(movements: int = 40, max_rank: int = 6, seed: int = 0) -> dict[str, object]:
    """VAF per rank, the chosen rank, and the cosines of the found synergies to the truth."""
    data = simulate(movements=movements, seed=seed)
    curve = {}
    for k in range(1, max_rank + 1):
        W, H = fit(data["X"], k)
        curve[k] = vaf(data["X"], W @ H)
    chosen = min((k for k, value in curve.items()
                  if value >= 0.9 and curve.get(k + 1, 1.0) - value < 0.01), default=max_rank)
    W, H = fit(data["X"], chosen)
    cosines = match_cosines(W, data["W"]) if chosen == data["W"].shape[1] else np.array([])
    return {"vaf": curve, "chosen": chosen, "cosines": cosines, "W": W, "H": H, "data": data}


def figure(result: dict[str, object]) -> object:
    """Planted vs found synergies (bars) and the VAF curve."""
    from _common import plt, save
    from scipy.optimize import linear_sum_assignment

    data = result["data"]
    W, truth = result["W"], data["W"]
    unit = W / np.linalg.norm(W, axis=0)
    _, order = linear_sum_assignment(-(truth.T @ unit))
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    x = np.arange(len(MUSCLES))
    for s in range(3):
        axes[s].bar(x - 0.2, truth[:, s], 0.4, label="planted", color="#999999")
        axes[s].bar(x + 0.2, unit[:, order[s]], 0.4, label="found", color="#3b6ea5")
        axes[s].set_xticks(x, MUSCLES, rotation=90, fontsize=7)
        axes[s].set_title(f"synergy {s + 1}: cosine {result['cosines'][s]:.3f}", fontsize=9)
    axes[0].legend(fontsize=7)
    ranks = list(result["vaf"])
    axes[3].plot(ranks, [result["vaf"][k] for k in ranks], "o-")
    axes[3].axhline(0.9, color="grey", linestyle=":")
    axes[3].set_xlabel("number of synergies")
    axes[3].set_ylabel("VAF")
    fig.tight_layout()
    return save(fig, "emg_synergies")


def main() -> int:
    """Print VAF per rank and the synergy cosines; draw the figure."""
    result = run()
    for k, value in result["vaf"].items():
        print(f"rank {k}: VAF {value:.4f}")
    print(f"chosen rank {result['chosen']}; synergy cosines "
          f"{np.round(result['cosines'], 4).tolist()}")
    print(f"figure: {figure(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

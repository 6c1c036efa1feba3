"""Parts of images: NMF of handwritten digits learns strokes, PCA learns whole-image patterns.

Data: scikit-learn's bundled digits (1797 images of 8 x 8 pixels, no download). Pixels are the
features and images the samples. NMF (KL, 16 components) and PCA (16 components) are compared
on what their components look like: an NMF component is nonnegative and covers a few pixels (a
stroke), a PCA component spreads signed weight over most of the image. Sparsity of a component
= fraction of its 64 pixels below 5 % of its largest absolute value. NMF still reconstructs the
images well: per-image cosine of W @ H to the image.

Run from the repository root (writes docs/examples/digits_parts.png):
    .venv/bin/python examples/digits_parts.py
"""

from __future__ import annotations

import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sigforge.nmf import NMF


def sparsity(components: np.ndarray) -> np.ndarray:
    """Per component (rows): fraction of entries below 5 % of the largest absolute entry."""
    magnitude = np.abs(components)
    return (magnitude < 0.05 * magnitude.max(axis=1, keepdims=True)).mean(axis=1)


def run(n_components: int = 16, images: int | None = None) -> dict[str, object]:
    """NMF and PCA components, their sparsity, and NMF's per-image reconstruction cosine."""
    X = load_digits().data[:images]  # (images, 64), values 0..16
    X = X[X.sum(axis=1) > 0]
    nmf = NMF(n_components=n_components, init="nndsvda", max_iter=2000, tol=1e-4,
              random_state=0)
    exposures = nmf.fit_transform(X)
    model = exposures @ nmf.components_
    cosine = (X * model).sum(axis=1) / (np.linalg.norm(X, axis=1) * np.linalg.norm(model, axis=1))
    pca = PCA(n_components=n_components, random_state=0).fit(X)
    return {"nmf": nmf.components_, "pca": pca.components_,
            "nmf_sparsity": float(sparsity(nmf.components_).mean()),
            "pca_sparsity": float(sparsity(pca.components_).mean()),
            "median_cosine": float(np.median(cosine))}


def main() -> int:
    """Print sparsity and reconstruction; draw NMF and PCA components side by side."""
    from _common import plt, save

    result = run()
    print(f"mean sparsity: NMF {result['nmf_sparsity']:.3f}, PCA {result['pca_sparsity']:.3f}; "
          f"NMF median reconstruction cosine {result['median_cosine']:.3f}")
    fig, axes = plt.subplots(4, 9, figsize=(9, 4.3))
    for ax in axes.flat:
        ax.axis("off")
    for i in range(16):
        nmf_ax = axes[i // 4, i % 4]
        nmf_ax.imshow(result["nmf"][i].reshape(8, 8), cmap="gray_r")
        limit = np.abs(result["pca"][i]).max()
        axes[i // 4, 5 + i % 4].imshow(result["pca"][i].reshape(8, 8), cmap="RdBu_r",
                                        vmin=-limit, vmax=limit)
    axes[0, 1].set_title("NMF components", fontsize=9, loc="left")
    axes[0, 6].set_title("PCA components", fontsize=9, loc="left")
    fig.tight_layout()
    print(f"figure: {save(fig, 'digits_parts')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

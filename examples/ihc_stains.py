"""Stain separation of an immunohistochemistry image in optical-density space.

Data: scikit-image's bundled IHC image (`skimage.data.immunohistochemistry()`, 512 x 512 RGB;
hematoxylin counterstain in blue, DAB in brown; shipped with scikit-image, no download).
By the Beer-Lambert law the optical density OD = -log10(I / I0) of each colour channel is a
nonnegative sum over stains of (stain's absorbance vector) x (its concentration at that pixel):
exactly NMF, with colour channels as the 3 features and pixels as the samples. NMF (Frobenius,
k = 2) of 20 000 sampled pixels finds the two stain vectors; they are compared by cosine with the
standard vectors scikit-image uses in `rgb2hed` (Ruifrok & Johnston 2001, `rgb_from_hed`), and
the NMF concentration maps of the whole image are correlated with `rgb2hed`'s channels.

Run from the repository root (needs the `examples` extra: scikit-image; writes
docs/examples/ihc_stains.png):
    .venv/bin/python examples/ihc_stains.py
"""

from __future__ import annotations

import sys

import numpy as np

from sigforge.nmf import NMF
from sigforge.refit import fit_exposures

STAINS = ("hematoxylin", "eosin", "DAB")


def optical_density(image: np.ndarray) -> np.ndarray:
    """OD = -log10(I / 255) per channel, (pixels, 3); zero intensities clipped to 1."""
    return -np.log10(np.maximum(image.reshape(-1, 3).astype(np.float64), 1.0) / 255.0)


def run(pixels: int = 20_000, seed: int = 0) -> dict[str, object]:
    """Stain vectors found by NMF, their cosines to rgb2hed's, and map correlations."""
    from skimage import data
    from skimage.color import rgb2hed, rgb_from_hed

    image = data.immunohistochemistry()
    od = optical_density(image)
    rows = np.random.default_rng(seed).choice(od.shape[0], size=pixels, replace=False)
    model = NMF(n_components=2, beta_loss="frobenius", solver="hals", init="nndsvda",
                max_iter=3000, tol=1e-6, random_state=0)
    model.fit(od[rows])
    found = model.components_.T / np.linalg.norm(model.components_.T, axis=0)
    reference = rgb_from_hed.T / np.linalg.norm(rgb_from_hed.T, axis=0)
    similarity = reference.T @ found  # (3 reference stains, 2 found)
    match = {STAINS[s]: int(np.argmax(similarity[s])) for s in (0, 2)}
    concentrations = fit_exposures(od.T, found)  # NNLS of every pixel on the found vectors
    hed = rgb2hed(image).reshape(-1, 3)
    correlation = {name: float(np.corrcoef(concentrations[match[name]],
                                           hed[:, STAINS.index(name)])[0, 1])
                   for name in match}
    return {"cosine": {name: float(similarity[STAINS.index(name), j])
                       for name, j in match.items()},
            "correlation": correlation, "vectors": found, "match": match,
            "maps": concentrations.reshape(2, *image.shape[:2]), "image": image,
            "hed": hed.reshape(*image.shape[:2], 3)}


def main() -> int:
    """Print the cosines and correlations; draw the image and the stain maps."""
    from _common import plt, save

    result = run()
    for name in result["match"]:
        print(f"{name}: cosine to rgb2hed's vector {result['cosine'][name]:.3f}, map "
              f"correlation {result['correlation'][name]:.3f}")
    fig, axes = plt.subplots(1, 5, figsize=(12.5, 2.9))
    axes[0].imshow(result["image"])
    axes[0].set_title("IHC image", fontsize=9)
    for i, name in enumerate(result["match"]):
        axes[1 + 2 * i].imshow(result["maps"][result["match"][name]], cmap="gray_r")
        axes[1 + 2 * i].set_title(f"NMF {name}", fontsize=9)
        axes[2 + 2 * i].imshow(result["hed"][:, :, STAINS.index(name)], cmap="gray_r")
        axes[2 + 2 * i].set_title(f"rgb2hed {name}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    print(f"figure: {save(fig, 'ihc_stains', dpi=45)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

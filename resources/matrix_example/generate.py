"""Generate the matrix-mode and joint-mode examples (run from the repository root).

bars.tsv: 64 pixel features (an 8 x 8 image, row-major) x 40 samples. Each sample is a
nonnegative mix of 4 planted parts (two horizontal and two vertical bars), with gamma noise,
so the values are real, not counts. Pixels that no part lights (the corners, row 7, column 7 ...)
are all zero: `sigforge prepare-matrix` drops them and lists them in MATRIX_dropped.tsv.

joint_rna.tsv (30 genes) and joint_protein.tsv (12 proteins) x 24 samples: two modalities of
the same samples driven by one shared exposure matrix of 3 programmes (Poisson counts).
Truth tables (truth_*.tsv) hold the planted parts and exposures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent
SEED = 20261128


def bar_parts() -> np.ndarray:
    """Four 8 x 8 parts (64 x 4): rows 1-2, rows 5-6, columns 1-2 and columns 4-5 lit."""
    parts = np.zeros((4, 8, 8))
    parts[0, 1:3, :7] = 1.0
    parts[1, 5:7, :7] = 1.0
    parts[2, :7, 1:3] = 1.0
    parts[3, :7, 4:6] = 1.0
    W = parts.reshape(4, 64).T
    return W / W.sum(axis=0)


def bars(rng: np.random.Generator) -> None:
    """Write bars.tsv and its truth."""
    W = bar_parts()
    H = rng.gamma(0.7, 1.0, size=(4, 40)) * 5.0
    X = rng.gamma(20.0, (W @ H) / 20.0 + 1e-300)
    X[W.sum(axis=1) == 0] = 0.0
    features = [f"px_{r}_{c}" for r in range(8) for c in range(8)]
    samples = [f"img{j:02d}" for j in range(40)]
    names = ["row_1_2", "row_5_6", "col_1_2", "col_4_5"]
    pd.DataFrame(X.round(6), index=pd.Index(features, name="Feature"),
                 columns=samples).to_csv(OUT / "bars.tsv", sep="\t")
    pd.DataFrame(W, index=pd.Index(features, name="Feature"),
                 columns=names).to_csv(OUT / "truth_bars_parts.tsv", sep="\t")


def joint(rng: np.random.Generator) -> None:
    """Write joint_rna.tsv, joint_protein.tsv and their truth."""
    H = rng.gamma(0.6, 1.0, size=(3, 24)) * 400.0
    names = ["P1", "P2", "P3"]
    samples = [f"S{j:02d}" for j in range(24)]
    for modality, m, scale in (("rna", 30, 1.0), ("protein", 12, 0.25)):
        W = rng.dirichlet(np.full(m, 0.3), size=3).T
        X = rng.poisson(W @ H * scale)
        index = pd.Index([f"{modality}{i:02d}" for i in range(m)], name="Feature")
        pd.DataFrame(X, index=index, columns=samples).to_csv(OUT / f"joint_{modality}.tsv",
                                                             sep="\t")
        pd.DataFrame(W, index=index, columns=names).to_csv(OUT / f"truth_joint_{modality}.tsv",
                                                           sep="\t")
    pd.DataFrame(H, index=pd.Index(names, name="Signature"),
                 columns=samples).to_csv(OUT / "truth_joint_exposures.tsv", sep="\t")


if __name__ == "__main__":
    generator = np.random.default_rng(SEED)
    bars(generator)
    joint(generator)

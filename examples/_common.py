"""Helpers shared by the worked examples: where figures go and how they are saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

#: Figures of the examples, committed beside their pages.
FIGURES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def save(fig: Any, name: str, dpi: int = 80) -> Path:
    """Save a figure as docs/examples/NAME.png (small: low dpi) and close it."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return path

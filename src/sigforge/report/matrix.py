"""The cohort report of a matrix-mode run: figures that fit any features x samples data.

Components are drawn as bar charts of their loadings (the heaviest features when there are many)
or, when the features are the pixels of an image, as images. Nothing here knows of mutations,
so nothing here imports the genomics modules.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import numpy as np
import pandas as pd

from sigforge.discovery.matrix import pixel_image, split_components
from sigforge.io import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

#: Features shown per component bar chart; heavier features first when there are more.
MAX_BARS = 30
#: Rows shown in the report's per-sample and dropped tables (the TSVs hold all).
MAX_ROWS = 200


@dataclass(frozen=True)
class MatrixReportData:
    """Everything the matrix report shows; read from the files of one run."""

    name: str
    matrix: pd.DataFrame
    dropped: pd.DataFrame
    rank_metrics: pd.DataFrame
    chosen_rank: int
    rank_rule: str
    signatures: pd.DataFrame
    stability: pd.DataFrame
    exposures: pd.DataFrame
    reconstruction: pd.DataFrame
    pixels: tuple[int, int] | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    blocks: pd.DataFrame | None = None


def top_features(loadings: pd.Series, limit: int = MAX_BARS) -> pd.Series:
    """The loadings to draw: all in input order when few, else the ``limit`` heaviest."""
    if loadings.size <= limit:
        return loadings
    return loadings.sort_values(ascending=False, kind="stable").iloc[:limit]


def plot_component_bars(signatures: pd.DataFrame) -> Figure:
    """One bar chart per component of its (normalised) feature loadings."""
    k = signatures.shape[1]
    fig, axes = plt.subplots(k, 1, figsize=(9, 1.9 * k + 0.6), squeeze=False)
    for ax, name in zip(axes[:, 0], signatures.columns, strict=True):
        shown = top_features(signatures[name])
        ax.bar(range(shown.size), shown.to_numpy(), color="#3b6ea5")
        ax.set_xticks(range(shown.size), [str(label) for label in shown.index], rotation=90,
                      fontsize=7)
        ax.set_ylabel("loading")
        heaviest = " (heaviest features)" if shown.size < signatures.shape[0] else ""
        ax.set_title(f"{name}{heaviest}", fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def plot_component_images(signatures: pd.DataFrame, shape: tuple[int, int],
                          dropped: pd.DataFrame) -> Figure:
    """One image per component when the features are the pixels of a height x width image."""
    k = signatures.shape[1]
    columns = min(k, 6)
    rows = math.ceil(k / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.8 * columns, 1.9 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, signatures.columns, strict=False):
        ax.imshow(pixel_image(signatures[name], shape, dropped), cmap="gray_r")
        ax.set_title(str(name), fontsize=8)
    fig.tight_layout()
    return fig


def plot_rank_metrics(metrics: pd.DataFrame, chosen: int) -> Figure:
    """Mean stability and relative error per rank, the chosen rank marked."""
    fig, left = plt.subplots(figsize=(6, 3))
    ranks = metrics.index.to_numpy()
    left.plot(ranks, metrics["mean_stability"], "o-", color="#3b6ea5", label="mean stability")
    left.set_xlabel("rank k")
    left.set_ylabel("mean stability", color="#3b6ea5")
    right = left.twinx()
    right.plot(ranks, metrics["relative_error"], "s--", color="#b5523b", label="relative error")
    right.set_ylabel("relative error", color="#b5523b")
    left.axvline(chosen, color="grey", linestyle=":")
    left.set_xticks(ranks)
    fig.tight_layout()
    return fig


def plot_exposure_heatmap(exposures: pd.DataFrame) -> Figure:
    """Each sample's exposures as fractions of its total, components x samples."""
    values = exposures.to_numpy(dtype=np.float64)
    totals = values.sum(axis=0)
    fractions = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    fig, ax = plt.subplots(figsize=(9, 0.4 * exposures.shape[0] + 1.4))
    image = ax.imshow(fractions, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                      interpolation="nearest")
    ax.set_yticks(range(exposures.shape[0]), [str(i) for i in exposures.index])
    if exposures.shape[1] <= 60:
        ax.set_xticks(range(exposures.shape[1]), [str(c) for c in exposures.columns],
                      rotation=90, fontsize=7)
    else:
        ax.set_xlabel(f"{exposures.shape[1]} samples")
        ax.set_xticks([])
    fig.colorbar(image, ax=ax, label="fraction of the sample")
    fig.tight_layout()
    return fig


def _save(fig: Figure, path: Path, alt: str) -> dict[str, str]:
    """Write a figure as PNG (atomically) and return what the template embeds."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    png = buffer.getvalue()
    with atomic_write(path, mode="wb") as handle:
        handle.write(png)
    return {"png_base64": base64.b64encode(png).decode("ascii"), "alt": alt,
            "href": f"figures/{path.name}"}


def _table(frame: pd.DataFrame, index_header: str, source: str = "") -> dict[str, Any]:
    """A frame as template rows (numbers to 4 significant digits), at most MAX_ROWS rows."""
    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:.4g}"
        return str(value)

    shown = frame.iloc[:MAX_ROWS]
    return {"headers": [index_header, *map(str, frame.columns)],
            "rows": [[str(index), *map(cell, row)] for index, row in
                     zip(shown.index, shown.itertuples(index=False), strict=True)],
            "more": max(0, len(frame) - MAX_ROWS), "source": source}


def _component_figure(data: MatrixReportData, figures: Path) -> tuple[dict[str, str], str]:
    """Images when the features are pixels, else bar charts; and the note saying which."""
    if data.pixels is not None:
        height, width = data.pixels
        return (_save(plot_component_images(data.signatures, data.pixels, data.dropped),
                      figures / "components.png", "Component loadings as images"),
                f"Each component's loadings drawn as a {height} x {width} image "
                "(darker = heavier).")
    note = "Each component's loadings (columns sum to 1)"
    if data.signatures.shape[0] > MAX_BARS:
        note += f"; the {MAX_BARS} heaviest of {data.signatures.shape[0]} features are shown"
    return (_save(plot_component_bars(data.signatures), figures / "components.png",
                  "Component loadings"), note + ".")


def _modality_sections(data: MatrixReportData, figures: Path) -> list[dict[str, Any]]:
    """Joint mode: each modality's own loadings (weights undone) as bar charts."""
    if data.blocks is None:
        return []
    per_modality, shares = split_components(data.signatures, data.blocks)
    sections = []
    for name, loadings in per_modality.items():
        figure = _save(plot_component_bars(loadings), figures / f"components_{name}.png",
                       f"Component loadings in modality {name}")
        sections.append({"name": name, "figure": figure})
    if sections:
        sections[0]["shares"] = _table(shares, "modality")
    return sections


def write_matrix_report(data: MatrixReportData, out_dir: Path) -> Path:
    """Write ``out_dir/cohort.html`` and its figures under ``out_dir/figures``."""
    figures = out_dir / "figures"
    component_figure, note = _component_figure(data, figures)
    samples = data.reconstruction[["cosine"]].join(data.exposures.T)
    run = pd.DataFrame({"value": [str(v) for v in data.provenance.values()]},
                       index=pd.Index([str(k) for k in data.provenance], name="fact"))
    context = {
        "name": data.name,
        "summary": (f"{data.matrix.shape[0]} features x {data.matrix.shape[1]} samples; "
                    f"{data.chosen_rank} components chosen; median reconstruction cosine "
                    f"{data.reconstruction['cosine'].median():.3f}."),
        "run": _table(run, "fact"), "rank_rule": data.rank_rule,
        "rank_figure": _save(plot_rank_metrics(data.rank_metrics, data.chosen_rank),
                             figures / "rank_selection.png", "Rank selection"),
        "rank_table": _table(data.rank_metrics, "k"),
        "component_figure": component_figure, "component_note": note,
        "stability": _table(data.stability, "component"),
        "exposure_figure": _save(plot_exposure_heatmap(data.exposures),
                                 figures / "exposures.png", "Exposures per sample"),
        "samples": _table(samples, "sample", "the refit's exposures.tsv"),
        "dropped": _table(data.dropped, "axis", f"{data.name}_dropped.tsv"),
        "modalities": _modality_sections(data, figures),
    }
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("sigforge.report", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined)
    page = environment.get_template("matrix.html.j2").render(**context)
    path = out_dir / "cohort.html"
    with atomic_write(path) as handle:
        handle.write(page)
    return path

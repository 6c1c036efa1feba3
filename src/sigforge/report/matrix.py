"""The cohort report of a matrix-mode run: figures that fit any features x samples data.

Components are drawn as bar charts of their loadings (the heaviest features when there are many)
or, when the features are the pixels of an image, as images. The page is drawn with the same
stack as the mutation reports (:mod:`.figures`, :mod:`.tables`, :mod:`.pages` and the shared
templates): the same rank-selection figure (with its cross-validation panel when the metrics
have one), the same clustered heatmap and tables formatted the same way. Nothing here knows of
mutations, so nothing here imports the genomics modules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sigforge.discovery.matrix import pixel_image, split_components
from sigforge.report.context_data import left_out_components, rescued_phrase
from sigforge.report.diagnostics import plot_exposure_intervals
from sigforge.report.figures import (
    DPI,
    MAX_BARS,
    SavedFigure,
    plain,
    plot_component_bars,
    plot_exposure_heatmap,
    plot_rank_selection,
    plt,
    save_figure,
    short,
    top_features,
)
from sigforge.report.pages import safe_name, write_page
from sigforge.report.tables import MISSING, Table, frame_table

__all__ = ["MAX_BARS", "MAX_ROWS", "MatrixReportData", "plot_component_bars",
           "plot_component_images", "plot_rank_metrics", "top_features", "write_matrix_report"]

#: Rows shown in the report's per-sample and dropped tables (the TSVs hold all).
MAX_ROWS = 200
#: Matrix figures are saved as SVG as well as PNG, like the cohort report's.
_SVG = True


@dataclass(frozen=True)
class MatrixReportData:
    """Everything the matrix report shows; read from the files of one run.

    ``provenance`` is the extract run's provenance.json (shown as a table of settings, nested
    ones as ``group.name`` rows; its ``rank_rule`` thresholds are drawn on the rank figure);
    ``intervals`` the refit's exposure_intervals.tsv when bootstrap intervals were computed;
    ``rescued`` the components of larger ranks the rank rule added, as 'NAME (k = K)'.
    """

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
    rank_caution: bool = False
    rank_edge: str = ""
    intervals: pd.DataFrame | None = None
    rescued: tuple[str, ...] = ()


def plot_component_images(signatures: pd.DataFrame, shape: tuple[int, int],
                          dropped: pd.DataFrame) -> Figure:
    """One image per component when the features are the pixels of a height x width image."""
    k = signatures.shape[1]
    columns = min(k, 6)
    rows = math.ceil(k / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.8 * columns, 1.9 * rows), dpi=DPI,
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, signatures.columns, strict=False):
        ax.imshow(pixel_image(signatures[name], shape, dropped), cmap="gray_r")
        ax.set_title(plain(short(name)), fontsize=8)
    fig.tight_layout()
    return fig


def plot_rank_metrics(metrics: pd.DataFrame, chosen: int) -> Figure:
    """The rank-selection figure of :func:`sigforge.report.figures.plot_rank_selection`."""
    return plot_rank_selection(metrics, chosen)


def _save(fig: Figure, figures: Path, stem: str, out_dir: Path, alt: str) -> SavedFigure:
    """Save a matrix-page figure under ``figures`` (see :data:`_SVG`)."""
    return save_figure(fig, figures / stem, out_dir, alt, svg=_SVG)


def _component_figure(data: MatrixReportData, figures: Path,
                      out_dir: Path) -> tuple[SavedFigure, str]:
    """Images when the features are pixels, else bar charts; and the note saying which."""
    if data.pixels is not None:
        height, width = data.pixels
        return (_save(plot_component_images(data.signatures, data.pixels, data.dropped),
                      figures, "components", out_dir, "Component loadings as images"),
                f"Each component's loadings drawn as a {height} x {width} image "
                "(darker = heavier).")
    note = "Each component's loadings (columns sum to 1)"
    if data.signatures.shape[0] > MAX_BARS:
        note += f"; the {MAX_BARS} heaviest of {data.signatures.shape[0]} features are shown"
    return (_save(plot_component_bars(data.signatures), figures, "components", out_dir,
                  "Component loadings"), note + ".")


def _modality_sections(data: MatrixReportData, figures: Path,
                       out_dir: Path) -> list[dict[str, Any]]:
    """Joint mode: each modality's own loadings (weights undone) as bar charts."""
    if data.blocks is None:
        return []
    per_modality, shares = split_components(data.signatures, data.blocks)
    sections: list[dict[str, Any]] = []
    for name, loadings in per_modality.items():
        figure = _save(plot_component_bars(loadings), figures,
                       f"components_{safe_name(name)}", out_dir,
                       f"Component loadings in modality {name}")
        sections.append({"name": name, "figure": figure})
    if sections:
        sections[0]["shares"] = frame_table(shares, "modality")
    return sections


def _thresholds(provenance: Mapping[str, Any]) -> dict[str, float]:
    """The rank rule's stability thresholds recorded in provenance.json, when numbers."""
    rule = provenance.get("rank_rule")
    if not isinstance(rule, Mapping):
        return {}
    return {key: float(rule[key]) for key in ("min_mean_stability", "min_component_stability")
            if isinstance(rule.get(key), int | float) and not isinstance(rule.get(key), bool)}


def _fact_value(value: Any) -> str:
    """One setting as text: lists joined by commas, None as a dash, numbers in short form."""
    if value is None:
        return MISSING
    if isinstance(value, list | tuple):
        return ", ".join(_fact_value(item) for item in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def fact_rows(provenance: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """provenance.json as (setting, value) rows; nested settings as ``group.name`` rows."""
    rows: list[tuple[str, str]] = []
    for key, value in provenance.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(fact_rows(value, f"{name}."))
        else:
            rows.append((name, _fact_value(value)))
    return rows


def _interval_view(data: MatrixReportData, figures: Path, out_dir: Path
                   ) -> dict[str, Any] | None:
    """The exposure-interval figure and table, when the refit computed intervals."""
    if data.intervals is None or data.intervals.empty:
        return None
    columns = [c for c in ("signature", "exposure", "lower", "upper", "presence")
               if c in data.intervals.columns]
    return {"figure": _save(plot_exposure_intervals(data.intervals), figures,
                            "exposure_intervals", out_dir,
                            "Exposures with their bootstrap intervals, per component"),
            "table": frame_table(data.intervals[columns], "sample", limit=MAX_ROWS,
                                 source="the refit's exposure_intervals.tsv")}


def _figures(data: MatrixReportData, out_dir: Path) -> dict[str, Any]:
    """Draw and save every figure of the matrix page."""
    figures = out_dir / "figures"
    component_figure, note = _component_figure(data, figures, out_dir)
    return {
        "rank_figure": _save(plot_rank_selection(data.rank_metrics, data.chosen_rank,
                                                 thresholds=_thresholds(data.provenance)),
                             figures, "rank_selection", out_dir, "Rank selection metrics"),
        "component_figure": component_figure, "component_note": note,
        "exposure_figure": _save(plot_exposure_heatmap(data.exposures), figures, "exposures",
                                 out_dir, "Relative exposures, samples and components clustered"),
        "modalities": _modality_sections(data, figures, out_dir),
        "intervals": _interval_view(data, figures, out_dir),
    }


def _cv_table(metrics: pd.DataFrame, chosen: int) -> Any:
    """Held-out error per rank (cross-validation), when the metrics have it."""
    columns = [c for c in ("cv_error", "cv_se", "cv_folds") if c in metrics.columns]
    if "cv_error" not in columns:
        return None
    return frame_table(metrics[columns], "k",
                       highlight=[index == chosen for index in metrics.index])


def _chosen_components(data: MatrixReportData) -> str:
    """How many components were chosen, left out (rank rule step 0) and added from larger
    ranks (step 6), in words."""
    kept = data.signatures.shape[1]
    left_out = left_out_components(data.chosen_rank, kept, data.rescued)
    if not left_out and not data.rescued:
        return f"{kept} components chosen"
    text = f"k = {data.chosen_rank} chosen"
    if left_out:
        kept_count = data.chosen_rank - left_out
        text += (f", {kept_count} component{'' if kept_count == 1 else 's'} kept ({left_out} "
                 "not reproduced by the bootstrap replicates left out)")
    if data.rescued:
        text += f", {rescued_phrase(data.rescued)}"
    return text


def write_matrix_report(data: MatrixReportData, out_dir: Path) -> Path:
    """Write ``out_dir/cohort.html`` and its figures (PNG and SVG) under ``out_dir/figures``."""
    out_dir = Path(out_dir)
    samples = data.reconstruction[["cosine"]].join(data.exposures.T)
    context = {
        "name": data.name,
        "summary": (f"{data.matrix.shape[0]} features x {data.matrix.shape[1]} samples; "
                    f"{_chosen_components(data)}; median reconstruction cosine "
                    f"{data.reconstruction['cosine'].median():.3f}."),
        "run": Table(["Setting", "Value"], [list(row) for row in fact_rows(data.provenance)],
                     [False, False]),
        "rank_rule": data.rank_rule,
        "rank_caution": data.rank_caution, "rank_edge": data.rank_edge,
        "chosen_rank": str(data.chosen_rank),
        "rank_table": frame_table(data.rank_metrics, "k", highlight=[
            index == data.chosen_rank for index in data.rank_metrics.index]),
        "cv_table": _cv_table(data.rank_metrics, data.chosen_rank),
        "stability": frame_table(data.stability, "component"),
        "samples": frame_table(samples, "sample", limit=MAX_ROWS,
                               source="the refit's exposures.tsv"),
        "dropped": frame_table(data.dropped, "axis", limit=MAX_ROWS,
                               source=f"{data.name}_dropped.tsv"),
        **_figures(data, out_dir),
    }
    return write_page("matrix.html.j2", out_dir / "cohort.html", context)

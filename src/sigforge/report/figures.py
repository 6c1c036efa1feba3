"""Figure saving and the plots every report page shares.

Saving: :func:`save_figure` renders a figure once per format (PNG always, SVG by default; SVG
deterministic with editable text), writes the files atomically and returns a
:class:`SavedFigure` that the ``figure`` macro inlines as base64 PNG with download links.

Shared plots (any features x samples data, no genomics): exposures as stacked bars
(:func:`plot_exposures`), exposures as a heatmap, clustered or not
(:func:`plot_exposure_heatmap`), rank selection with a cross-validation panel when the
metrics have one (:func:`plot_rank_selection`) and component loadings as bar charts
(:func:`plot_component_bars`).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sigforge.io import atomic_write
from sigforge.report.pages import href

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

logger = logging.getLogger(__name__)

DPI = 100
_SAVE_RC = {"svg.fonttype": "none", "svg.hashsalt": "sigforge"}
_MAX_SAMPLE_TICKS = 60
_MAX_TICK_CHARS = 24
#: The most characters of a figure title or legend entry (longer names are cut, see short).
MAX_TITLE_CHARS = 80
_MAX_LEGEND_CHARS = 40
_RANK_COLUMNS = ("mean_stability", "min_stability", "kl_divergence", "relative_error")

#: Features shown per component bar chart; heavier features first when there are more.
MAX_BARS = 30


@dataclass(frozen=True)
class SavedFigure:
    """A figure as shown in a page: inline PNG plus links to its PNG and (if any) SVG files."""

    alt: str
    png_base64: str
    png_href: str
    svg_href: str


# ---------------------------------------------------------------------------------------------
# Saving


def _render(fig: Figure, fmt: str) -> bytes:
    """Render a figure to PNG or SVG bytes (SVG deterministic, text kept editable)."""
    buffer = io.BytesIO()
    # Lower zlib effort: nearly the same size, noticeably faster over hundreds of figures.
    options: dict[str, Any] = ({"metadata": {"Date": None}} if fmt == "svg"
                               else {"pil_kwargs": {"compress_level": 3}})
    with plt.rc_context(_SAVE_RC), warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        fig.savefig(buffer, format=fmt, dpi=DPI, **options)
    _pass_on(said)
    return buffer.getvalue()


def _render_laid_out(fig: Figure, fmt: str) -> bytes:
    """Render a figure again with the axes where its last render's layout put them.

    A constrained layout is computed on every render, and measuring every tick label costs
    about a third of a figure's time: the SVG keeps the PNG's layout (the same positions, so
    both files show the same figure) and the figure's own engine is restored afterwards.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return _render(fig, fmt)
    fig.set_layout_engine("none")
    try:
        return _render(fig, fmt)
    finally:
        fig.set_layout_engine(engine)


#: What matplotlib warned about (once a process): a name with characters the font lacks.
_SAID: set[str] = set()


def _pass_on(said: list[warnings.WarningMessage]) -> None:
    """Say once, in sigforge's words, that a figure draws some names' characters as boxes
    (matplotlib warns per glyph, with its source path); pass other warnings on unchanged."""
    for warning in said:
        text = str(warning.message)
        if "missing from font" in text:
            if "glyph" not in _SAID:
                _SAID.add("glyph")
                logger.warning("some names hold characters the figures' font lacks: the "
                               "figures draw them as boxes; the pages show the names as "
                               "written.")
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def save_figure(fig: Figure, stem: Path, page_dir: Path, alt: str, *, close: bool = True,
                svg: bool = True) -> SavedFigure:
    """Write ``stem``.png (and ``stem``.svg) and return the figure ready for a page.

    ``close`` closes the figure afterwards (always, unless it is reused by the caller);
    ``svg=False`` writes the PNG only (the page then links no SVG).
    """
    try:
        png = _render(fig, "png")
        vector = _render_laid_out(fig, "svg") if svg else None
    finally:
        if close:
            plt.close(fig)
    # Suffixes are appended, never substituted: the stem of sample 'P1.tumor' must not
    # become 'P1.png' and collide with the figures of 'P1.normal'.
    for suffix, payload in ((".png", png), (".svg", vector)):
        if payload is not None:
            with atomic_write(f"{stem}{suffix}", mode="wb") as handle:
                handle.write(payload)
    relative = os.path.relpath(stem, page_dir)
    return SavedFigure(alt=alt, png_base64=base64.b64encode(png).decode("ascii"),
                       png_href=href(Path(f"{relative}.png")),
                       svg_href=href(Path(f"{relative}.svg")) if svg else "")


# ---------------------------------------------------------------------------------------------
# Shared helpers


def plain(text: object) -> str:
    """Return ``text`` as a string that matplotlib draws literally (no mathtext)."""
    return str(text).replace("$", r"\$")


def short(text: object, limit: int = _MAX_TICK_CHARS) -> str:
    """``text`` cut to ``limit`` characters for a figure's label, an ellipsis in the middle:
    names are free text of any length (a 250-character one would run off the figure), and
    keeping both ends keeps apart long names that differ only at the end (``<catalog>A``,
    ``<catalog>B``). Tables and page text show names in full."""
    text = str(text)
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return f"{text[:limit - 1 - tail]}\u2026{text[len(text) - tail:]}"


def title_text(text: object) -> str:
    """A figure title drawn literally (:func:`plain`), cut to :data:`MAX_TITLE_CHARS`."""
    return plain(short(text, MAX_TITLE_CHARS))


def set_peak(ax: Axes, peak: float) -> None:
    """Y range from zero to a little above ``peak`` (to 1 when everything is zero)."""
    ax.set_ylim(0, peak * 1.08 if peak > 0 else 1.0)


def _label_samples(ax: Axes, samples: Sequence[str]) -> None:
    """Put (shortened) sample names on the x axis, or just a count when there are many."""
    ax.set_xlim(-0.6, len(samples) - 0.4)
    if len(samples) <= _MAX_SAMPLE_TICKS:
        ax.set_xticks(np.arange(len(samples)))
        ax.set_xticklabels([plain(short(s)) for s in samples], rotation=90, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"Samples (n = {len(samples):,})", fontsize=8)


def _signature_colours(count: int) -> list[Any]:
    """Distinct colours for ``count`` signatures (tab10, then tab20, then a sampled map)."""
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    if count <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(count)]
    return [plt.get_cmap("turbo")(x) for x in np.linspace(0.05, 0.95, count)]


def _fractions(exposures: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Each sample's exposures as fractions of its total (zero for an empty sample)."""
    values = exposures.to_numpy(dtype=np.float64)
    totals = values.sum(axis=0)
    return np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)


# ---------------------------------------------------------------------------------------------
# Exposures


def plot_exposures(exposures: pd.DataFrame, *, relative: bool) -> Figure:
    """Plot exposures as one stacked bar per sample.

    Parameters
    ----------
    exposures : pandas.DataFrame, shape (n_signatures, n_samples)
        Exposures in mutation counts; index = signature names, columns = sample names.
    relative : bool
        Plot each sample's fractions (bars of height 1) instead of counts.

    Returns
    -------
    matplotlib.figure.Figure
        Sample names label the x axis when there are at most 60 samples. Beyond that no
        name can be read and the bars are ordered by their largest signature, then by its
        share (descending): hundreds of bars in catalog order read as noise.
    """
    values = _fractions(exposures) if relative else exposures.to_numpy(dtype=np.float64)
    n_samples = values.shape[1]
    if n_samples > _MAX_SAMPLE_TICKS:
        order = bar_order(exposures)
        values, exposures = values[:, order], exposures.iloc[:, order]
    width = min(16.0, max(6.0, 2.5 + 0.22 * n_samples))
    fig, ax = plt.subplots(figsize=(width, 3.4), dpi=DPI, layout="constrained")
    _stack_bars(ax, values, _signature_colours(len(exposures.index)),
                half_width=0.4 if n_samples < 200 else 0.5)
    handles = [Patch(facecolor=colour, label=plain(short(name, _MAX_LEGEND_CHARS)))
               for name, colour in
               zip(exposures.index, _signature_colours(len(exposures.index)), strict=True)]
    _label_samples(ax, [str(sample) for sample in exposures.columns])
    if n_samples > _MAX_SAMPLE_TICKS:
        ax.set_xlabel(f"Samples (n = {n_samples:,}), grouped by their largest signature",
                      fontsize=8)
    ax.set_ylabel("Fraction of mutations" if relative else "Mutations", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7,
              frameon=False)
    return fig


def bar_order(exposures: pd.DataFrame) -> npt.NDArray[np.int64]:
    """The samples (columns) ordered by their largest signature (in the table's row order),
    then by that signature's share, largest first; samples without exposures last; ties keep
    the catalog order."""
    shares = _fractions(exposures)
    dominant = np.where(shares.sum(axis=0) > 0, shares.argmax(axis=0), shares.shape[0])
    top = shares[np.minimum(dominant, shares.shape[0] - 1), np.arange(shares.shape[1])]
    return np.lexsort((-top, dominant))


def _stack_bars(ax: Axes, values: npt.NDArray[np.float64], colours: Sequence[Any], *,
                half_width: float) -> None:
    """Stacked bars, one ``PolyCollection`` per row of ``values`` (rows stack upwards).

    One collection per signature instead of one rectangle artist per bar keeps the figure
    cheap to draw and small as SVG for cohorts of hundreds of samples.
    """
    n_samples = values.shape[1]
    left = np.arange(n_samples) - half_width
    right = np.arange(n_samples) + half_width
    bottom = np.zeros(n_samples)
    for row, colour in zip(values, colours, strict=True):
        top = bottom + row
        corners = np.stack([np.column_stack([left, bottom]), np.column_stack([left, top]),
                            np.column_stack([right, top]), np.column_stack([right, bottom])],
                           axis=1)
        ax.add_collection(PolyCollection(corners, facecolors=[colour], linewidths=0),
                          autolim=False)
        bottom = top
    set_peak(ax, float(bottom.max()) if n_samples else 0.0)


def _leaf_order(values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], Any]:
    """Average-linkage (Euclidean) leaf order of the rows of ``values`` and the linkage."""
    from scipy.cluster import hierarchy  # here: patient pages draw no heatmap (0.1 s a job)

    if len(values) < 2:
        return np.arange(len(values)), None
    linkage = hierarchy.linkage(values, method="average", metric="euclidean")
    return hierarchy.leaves_list(linkage), linkage


def plot_exposure_heatmap(exposures: pd.DataFrame, *, cluster: bool = True) -> Figure:
    """Plot relative exposures as a heatmap, samples and signatures clustered by default.

    Parameters
    ----------
    exposures : pandas.DataFrame, shape (n_signatures, n_samples)
        Exposures in mutation counts; index = signature names, columns = sample names.
    cluster : bool, default=True
        Order samples and signatures by clustering and draw the sample dendrogram; False
        keeps the input order and draws no dendrogram.

    Returns
    -------
    matplotlib.figure.Figure
        Each sample's exposures as fractions of its total, samples (columns) and signatures
        (rows) ordered by average-linkage hierarchical clustering
        (:func:`scipy.cluster.hierarchy.linkage`, Euclidean distance between fraction
        vectors), the sample dendrogram above and a colour bar on the right.
    """
    fractions = _fractions(exposures)
    n_signatures, n_samples = fractions.shape
    if cluster:
        columns, linkage = _leaf_order(fractions.T)
        rows, _ = _leaf_order(fractions)
    else:
        columns, linkage, rows = np.arange(n_samples), None, np.arange(n_signatures)
    width = min(16.0, max(6.0, 2.5 + 0.22 * n_samples))
    fig = plt.figure(figsize=(width, (1.6 if cluster else 1.0) + 0.28 * n_signatures), dpi=DPI,
                     layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1 if cluster else 0.001,
                                                 max(1.0, 0.28 * n_signatures)],
                            width_ratios=[1, 0.02])
    tree, heat, bar = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), \
        fig.add_subplot(grid[1, 1])
    fig.add_subplot(grid[0, 1]).set_axis_off()
    if linkage is not None and np.asarray(linkage)[:, 2].max(initial=0) > 0:
        # (all heights 0, e.g. one signature: every sample alike, no tree to draw)
        from scipy.cluster import hierarchy

        hierarchy.dendrogram(linkage, ax=tree, no_labels=True, color_threshold=0,
                             above_threshold_color="0.35")
        tree.set_xlim(0, 10 * n_samples)
    tree.set_axis_off()
    image = heat.imshow(fractions[np.ix_(rows, columns)], aspect="auto", cmap="viridis",
                        vmin=0.0, vmax=1.0, interpolation="nearest")
    heat.set_yticks(np.arange(n_signatures))
    heat.set_yticklabels([plain(short(exposures.index[r])) for r in rows], fontsize=7)
    _label_samples(heat, [str(exposures.columns[c]) for c in columns])
    heat.set_xlim(-0.5, n_samples - 0.5)
    cbar = fig.colorbar(image, cax=bar)
    cbar.set_label("Fraction of sample", fontsize=7)
    cbar.ax.tick_params(labelsize=6)
    return fig


# ---------------------------------------------------------------------------------------------
# Rank selection


def plot_rank_selection(rank_metrics: pd.DataFrame, chosen_rank: int, *,
                        thresholds: Mapping[str, float] | None = None) -> Figure:
    """Plot stability and reconstruction error against the number of signatures k.

    Parameters
    ----------
    rank_metrics : pandas.DataFrame
        Index = k; needs columns ``mean_stability``, ``min_stability``, ``kl_divergence``
        and ``relative_error``; an optional boolean column ``candidate`` marks the ranks that
        passed the rank rule's stability and gap tests (open circles on the stability panel);
        an optional ``kept_min_stability`` (over the components the rule kept) is drawn where
        it differs from ``min_stability``.
    chosen_rank : int
        The selected k, marked on every panel (dotted line) and starred on the stability one.
    thresholds : mapping of str to float or None, default=None
        ``min_mean_stability`` and ``min_component_stability`` of the rank rule (as in
        provenance.json's ``rank_rule``): drawn as horizontal lines on the stability panel.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean and minimum stability; middle: KL divergence (left axis) and relative
        error (right axis); right, when ``cv_error`` is present: held-out CV error +- SE.

    Raises
    ------
    ValueError
        If a needed column is missing or ``chosen_rank`` is not one of the ranks.
    """
    missing = [column for column in _RANK_COLUMNS if column not in rank_metrics.columns]
    if missing:
        raise ValueError(f"rank_metrics: expected columns {list(_RANK_COLUMNS)}, "
                         f"got {list(rank_metrics.columns)} (missing {missing}).")
    if chosen_rank not in rank_metrics.index:
        raise ValueError(f"chosen_rank: expected one of {list(rank_metrics.index)}, "
                         f"got {chosen_rank}.")
    with_cv = "cv_error" in rank_metrics.columns
    fig, axes = plt.subplots(1, 2 + with_cv, figsize=(9 + 4 * with_cv, 3.2), dpi=DPI,
                             layout="constrained")
    left, right = axes[0], axes[1]
    _plot_stability(left, rank_metrics, chosen_rank, thresholds or {})
    _plot_errors(right, rank_metrics)
    if with_cv:
        _plot_cross_validation(axes[2], rank_metrics)
    for ax in axes:
        ax.axvline(chosen_rank, color="0.35", linestyle=":", linewidth=1.2)
        ax.set_xticks(rank_metrics.index.to_numpy())
        ax.set_xlabel("k (number of signatures)")
    left.annotate(f"chosen k = {chosen_rank}", (chosen_rank, 0.02),
                  xycoords=("data", "axes fraction"), xytext=(4, 0),
                  textcoords="offset points", fontsize=7)
    return fig


#: Rank-rule thresholds drawn on the stability panel: key, label, colour of the line.
RANK_THRESHOLDS = (("min_mean_stability", "min mean stability", "C0"),
                   ("min_component_stability", "min component stability", "C1"))


def candidate_ranks(rank_metrics: pd.DataFrame) -> list[int]:
    """The ranks flagged in a ``candidate`` column (text or boolean), or none."""
    if "candidate" not in rank_metrics.columns:
        return []
    flags = rank_metrics["candidate"].astype(str).str.lower() == "true"
    return [int(k) for k in rank_metrics.index[flags.to_numpy()]]


def _plot_stability(ax: Axes, rank_metrics: pd.DataFrame, chosen_rank: int,
                    thresholds: Mapping[str, float]) -> None:
    """Mean and minimum stability against k, the rule's thresholds, candidates and the choice."""
    ranks = rank_metrics.index.to_numpy()
    mean = rank_metrics["mean_stability"]
    ax.plot(ranks, mean, "o-", color="C0", label="mean stability")
    ax.plot(ranks, rank_metrics["min_stability"], "s--", color="C1", label="min stability")
    kept = _kept_min_stability(rank_metrics)
    if kept is not None:
        ax.plot(ranks, kept, "^:", color="C1", alpha=0.7,
                label="min stability of the kept components")
    for key, label, colour in RANK_THRESHOLDS:
        if key in thresholds:
            ax.axhline(float(thresholds[key]), color=colour, linestyle="-.", linewidth=0.9,
                       alpha=0.8, label=f"{label} = {float(thresholds[key]):g}")
    candidates = candidate_ranks(rank_metrics)
    if candidates:
        ax.plot(candidates, mean.loc[candidates], "o", markersize=11, markerfacecolor="none",
                markeredgecolor="0.2", label="candidate rank")
    ax.plot([chosen_rank], [mean.loc[chosen_rank]], "*", markersize=14, color="#d62728",
            markeredgecolor="0.1", label="chosen rank", zorder=5)
    ax.set(title="Stability", ylabel="Silhouette")
    ax.legend(fontsize=6, frameon=False)


def _kept_min_stability(rank_metrics: pd.DataFrame) -> pd.Series | None:
    """The least stability over each rank's kept components (``kept_min_stability``, rank
    rule step 0), where some rank left a component out; None where none did (the line would
    only repeat ``min_stability``)."""
    if "kept_min_stability" not in rank_metrics.columns:
        return None
    kept = pd.to_numeric(rank_metrics["kept_min_stability"], errors="coerce")
    if np.allclose(kept.to_numpy(), rank_metrics["min_stability"].to_numpy(dtype=float),
                   equal_nan=True):
        return None
    return kept


def _plot_errors(ax: Axes, rank_metrics: pd.DataFrame) -> None:
    """KL divergence (left axis) and relative error (right axis) against k."""
    ranks = rank_metrics.index.to_numpy()
    ax.plot(ranks, rank_metrics["kl_divergence"], "o-", color="C2", label="KL divergence")
    twin = ax.twinx()
    twin.plot(ranks, rank_metrics["relative_error"], "s--", color="C3", label="relative error")
    ax.set(title="Reconstruction error", ylabel="KL divergence")
    twin.set_ylabel("Relative error")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, frameon=False)


def _plot_cross_validation(ax: Axes, rank_metrics: pd.DataFrame) -> None:
    """Held-out CV error (mean +- one standard error over folds) against k."""
    ranks = rank_metrics.index.to_numpy()
    ax.errorbar(ranks, rank_metrics["cv_error"], yerr=rank_metrics.get("cv_se"), fmt="o-",
                color="C4", capsize=3, label="held-out deviance")
    ax.set(title="Cross-validation", ylabel="Poisson deviance per hidden entry")
    ax.legend(fontsize=7, frameon=False)


# ---------------------------------------------------------------------------------------------
# Component loadings


def top_features(loadings: pd.Series, limit: int = MAX_BARS) -> pd.Series:
    """The loadings to draw: all in input order when few, else the ``limit`` heaviest."""
    if loadings.size <= limit:
        return loadings
    return loadings.sort_values(ascending=False, kind="stable").iloc[:limit]


def plot_component_bars(signatures: pd.DataFrame) -> Figure:
    """One bar chart per component of its (normalised) feature loadings."""
    k = signatures.shape[1]
    fig, axes = plt.subplots(k, 1, figsize=(9, 1.9 * k + 0.6), dpi=DPI, squeeze=False)
    for ax, name in zip(axes[:, 0], signatures.columns, strict=True):
        shown = top_features(signatures[name])
        ax.bar(range(shown.size), shown.to_numpy(), color="#3b6ea5")
        ax.set_xticks(range(shown.size), [plain(label) for label in shown.index], rotation=90,
                      fontsize=7)
        ax.set_ylabel("loading")
        heaviest = " (heaviest features)" if shown.size < signatures.shape[0] else ""
        ax.set_title(title_text(f"{name}{heaviest}"), fontsize=9, loc="left")
    fig.tight_layout()
    return fig

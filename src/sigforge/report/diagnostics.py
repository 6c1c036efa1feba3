"""Diagnostic figures of a mutation type's section: per-sample reconstruction quality, the
mutation burden, and de novo signatures against the reference set.

Any channel set; all drawn with the shared helpers of :mod:`sigforge.report.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sigforge._maths import pairwise_cosine
from sigforge.report.figures import DPI, _label_samples, _signature_colours, plain, plt, short

#: Reference signatures shown per de novo signature in the cosine heatmap.
TOP_MATCHES = 3


def plot_sample_quality(quality: pd.DataFrame) -> Figure:
    """Per-sample cosine, relative L1 error and KL divergence of the reconstruction.

    Parameters
    ----------
    quality : pandas.DataFrame
        As :func:`sigforge.report.context_data.sample_quality`: index = sample, columns
        ``cosine``, ``l1_relative`` and ``kl_divergence``.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels sharing the sample axis (catalog order): cosine (the 0.9 line drawn),
        relative L1 and KL divergence, one point per sample.
    """
    samples = [str(s) for s in quality.index]
    width = min(16.0, max(6.0, 2.5 + 0.18 * len(samples)))
    fig, axes = plt.subplots(3, 1, figsize=(width, 5.6), dpi=DPI, sharex=True,
                             layout="constrained")
    x = np.arange(len(samples))
    panels = (("cosine", "Cosine", "C0"), ("l1_relative", "Relative L1", "C3"),
              ("kl_divergence", "KL divergence", "C2"))
    for ax, (column, label, colour) in zip(axes, panels, strict=True):
        ax.plot(x, quality[column].to_numpy(dtype=float), "o", color=colour, markersize=4)
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].axhline(0.9, color="0.5", linestyle=":", linewidth=0.9)
    axes[0].set_ylim(min(0.0, float(np.nanmin(quality["cosine"], initial=0.0))), 1.02)
    _label_samples(axes[-1], samples)
    fig.suptitle("Reconstruction quality per sample", fontsize=9)
    return fig


def _minor_count_label(value: float, _: int) -> str:
    """Label the 2x and 5x minor ticks of a log count axis (1x are the major ticks); the other
    minor ticks stay unlabelled so the labels never overlap."""
    if value <= 0:
        return ""
    leading = value / 10 ** np.floor(np.log10(value))
    return f"{value:,.0f}" if round(leading) in (2, 5) and abs(leading - round(leading)) < 1e-6 \
        else ""


def plot_burden(totals: pd.Series, dominant: pd.Series | None = None, *,
                unit: str = "mutations") -> Figure:
    """Per-sample mutation burden on a log scale, samples sorted by burden.

    Parameters
    ----------
    totals : pandas.Series
        Index = sample; the sample's total mutations.
    dominant : pandas.Series or None, default=None
        Index = sample; the signature with the largest exposure, colouring each point (with
        a legend). None draws every point in one colour.
    unit : str, default="mutations"
        What is counted, for the axis label.

    Returns
    -------
    matplotlib.figure.Figure
        One point per sample, ascending; samples with zero mutations are drawn at 1 (the
        log axis cannot show 0) and counted in the title.
    """
    order = totals.astype(float).sort_values(kind="stable")
    values = order.to_numpy()
    zeros = int((values <= 0).sum())
    width = min(16.0, max(6.0, 2.5 + 0.15 * len(order)))
    fig, ax = plt.subplots(figsize=(width, 3.2), dpi=DPI, layout="constrained")
    x = np.arange(len(order))
    if dominant is not None and len(order):
        labels = [str(dominant.get(sample, "")) or "none" for sample in order.index]
        names = sorted(set(labels))
        colours = dict(zip(names, _signature_colours(len(names)), strict=True))
        ax.scatter(x, np.maximum(values, 1.0), c=[colours[label] for label in labels], s=18)
        ax.legend(handles=[Patch(facecolor=colours[name], label=plain(short(name)))
                           for name in names], title="dominant signature", fontsize=7,
                  title_fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.scatter(x, np.maximum(values, 1.0), color="C0", s=18)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_count_label))
    ax.tick_params(axis="y", which="both", labelsize=6)
    ax.set_ylabel(f"{unit.capitalize()} per sample (log scale)", fontsize=8)
    _label_samples(ax, [str(sample) for sample in order.index])
    ax.spines[["top", "right"]].set_visible(False)
    median = float(np.median(values)) if len(values) else 0.0
    title = f"Mutation burden, sorted (median {median:,.0f})"
    fig.suptitle(title + (f"; {zeros} sample(s) without any, drawn at 1" if zeros else ""),
                 fontsize=9)
    return fig


def best_reference_columns(signatures: pd.DataFrame, reference: pd.DataFrame,
                           top: int = TOP_MATCHES) -> list[str]:
    """The reference signatures among the ``top`` closest (cosine) to any de novo signature,
    in order of first appearance (each de novo signature's best first)."""
    similarity = pairwise_cosine(signatures.to_numpy(np.float64), reference.to_numpy(np.float64))
    chosen: list[str] = []
    for row in similarity:
        for column in np.argsort(-row, kind="stable")[:top]:
            name = str(reference.columns[column])
            if name not in chosen:
                chosen.append(name)
    return chosen


def cosine_matrix(signatures: pd.DataFrame, reference: pd.DataFrame,
                  top: int = TOP_MATCHES) -> pd.DataFrame:
    """Cosine of each de novo signature (rows) with the reference signatures that best match
    any of them (columns, :func:`best_reference_columns`); both aligned by channel label."""
    reference = reference.set_axis([str(x) for x in reference.index], axis=0)
    reference = reference.loc[[str(x) for x in signatures.index]]
    columns = best_reference_columns(signatures, reference, top)
    values = pairwise_cosine(signatures.to_numpy(np.float64),
                             reference[columns].to_numpy(np.float64))
    return pd.DataFrame(values, index=[str(c) for c in signatures.columns], columns=columns)


def plot_cosine_heatmap(matrix: pd.DataFrame) -> Figure:
    """De novo signatures (rows) x reference signatures (columns), each cell its cosine.

    Cells are annotated with the cosine to two decimals (white on dark cells); the best match
    of each row is outlined.
    """
    n_rows, n_columns = matrix.shape
    fig, ax = plt.subplots(figsize=(min(16.0, 2.5 + 0.55 * n_columns),
                                    1.4 + 0.42 * n_rows), dpi=DPI, layout="constrained")
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="magma_r", vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.set_xticks(np.arange(n_columns))
    ax.set_xticklabels([plain(short(c)) for c in matrix.columns], rotation=60, ha="right",
                       fontsize=7)
    ax.set_yticks(np.arange(n_rows))
    ax.set_yticklabels([plain(short(r)) for r in matrix.index], fontsize=7)
    for i in range(n_rows):
        for j in range(n_columns):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if values[i, j] > 0.6 else "black")
        if n_columns:
            best = int(np.argmax(values[i]))
            ax.add_patch(plt.Rectangle((best - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor="#1f77b4", linewidth=1.8))
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label("Cosine similarity", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    ax.set_xlabel("Reference signatures (best matches)", fontsize=8)
    ax.set_ylabel("De novo signatures", fontsize=8)
    return fig


#: Samples drawn per component in the exposure-interval figure (the table holds all).
MAX_INTERVAL_SAMPLES = 60


def plot_exposure_intervals(intervals: pd.DataFrame) -> Figure:
    """Each component's exposure per sample with its bootstrap interval, one panel each.

    Parameters
    ----------
    intervals : pandas.DataFrame
        As ``exposure_intervals.tsv`` written by ``sigforge refit``: index = sample; columns
        ``signature``, ``exposure``, ``lower`` and ``upper``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per signature (component): a point per sample at its exposure, a bar from
        ``lower`` to ``upper``; at most :data:`MAX_INTERVAL_SAMPLES` samples (the first, in
        table order) so that large cohorts stay legible.
    """
    frame = intervals.reset_index()
    sample_column = frame.columns[0]
    samples = list(dict.fromkeys(str(s) for s in frame[sample_column]))[:MAX_INTERVAL_SAMPLES]
    names = list(dict.fromkeys(str(s) for s in frame["signature"]))
    width = min(16.0, max(6.0, 2.5 + 0.18 * len(samples)))
    fig, axes = plt.subplots(max(1, len(names)), 1, figsize=(width, 0.8 + 1.7 * len(names)),
                             dpi=DPI, sharex=True, squeeze=False, layout="constrained")
    position = {sample: i for i, sample in enumerate(samples)}
    for ax, name in zip(axes[:, 0], names, strict=False):
        rows = frame[(frame["signature"].astype(str) == name)
                     & frame[sample_column].astype(str).isin(position)]
        x = np.array([position[str(s)] for s in rows[sample_column]])
        point = rows["exposure"].to_numpy(dtype=float)
        low = np.clip(point - rows["lower"].to_numpy(dtype=float), 0, None)
        high = np.clip(rows["upper"].to_numpy(dtype=float) - point, 0, None)
        ax.errorbar(x, point, yerr=[low, high], fmt="o", markersize=3, capsize=2,
                    color="C0", ecolor="0.4", linewidth=0.8)
        ax.set_ylabel(plain(short(name)), fontsize=7)
        ax.tick_params(axis="y", labelsize=6)
        ax.spines[["top", "right"]].set_visible(False)
    _label_samples(axes[-1, 0], samples)
    shown = f" (first {len(samples)} samples)" if len(samples) == MAX_INTERVAL_SAMPLES else ""
    fig.suptitle(f"Exposures with bootstrap intervals{shown}", fontsize=9)
    return fig

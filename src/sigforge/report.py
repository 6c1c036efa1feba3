"""Figures and self-contained HTML reports for one signature-extraction run.

Orientation follows the rest of the package: ``catalog`` is (n_channels, n_samples),
``signatures`` is (n_channels, n_signatures) and ``exposures`` is (n_signatures, n_samples).
Channel rows are labelled with SBS96 labels such as ``A[C>A]A`` and are aligned by label to
:data:`sigforge.contexts.SBS96_CHANNELS` before any plotting.

This module only displays results: it never selects ranks or refits exposures. Plot functions
return matplotlib figures (Agg backend); the ``write_*`` functions render Jinja2 templates with
autoescaping on, inline every figure as a base64 PNG (the pages reference no external URL, font
or script) and also save each figure as PNG and SVG under ``figures/`` for use in papers.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, SupportsFloat, cast
from urllib.parse import quote

import jinja2
import matplotlib
import matplotlib.path as mpath
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform, blended_transform_factory

from sigforge.contexts import BASES, SBS96_CHANNELS, SBS96_INDEX, SUBSTITUTIONS
from sigforge.io import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

logger = logging.getLogger(__name__)

SUBSTITUTION_COLOURS: dict[str, str] = {
    "C>A": "#03BDEE",
    "C>G": "#010101",
    "C>T": "#E32926",
    "T>A": "#CAC9C9",
    "T>C": "#A1CE63",
    "T>G": "#EBC6C4",
}
"""The community-standard colour of each of the six substitution classes."""

SBS96_PLOT_ORDER: tuple[str, ...] = tuple(
    f"{five}[{sub}]{three}" for sub in SUBSTITUTIONS for five in BASES for three in BASES
)
"""Bar order of the SBS96 plot: substitution blocks, then 5' base, then 3' base."""

_PLOT_POSITIONS = np.array([SBS96_INDEX[label] for label in SBS96_PLOT_ORDER])
_PLOT_TICKS = tuple(f"{label[0]}{label[2]}{label[-1]}" for label in SBS96_PLOT_ORDER)
_PLOT_COLOURS = tuple(SUBSTITUTION_COLOURS[label[2:5]] for label in SBS96_PLOT_ORDER)

_DPI = 100
_BAR_HALF_WIDTH = 0.35
_LABEL_POINTS = 5.5
_LABEL_GAP_POINTS = 2.0
_SAVE_RC = {"svg.fonttype": "none", "svg.hashsalt": "sigforge"}
_MAX_SAMPLE_TICKS = 60
_MAX_TICK_CHARS = 24
_STRONG_MATCH = 0.9
_GOOD_FIT = 0.9
_MINOR_SHARE = 0.1
_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RANK_COLUMNS = ("mean_stability", "min_stability", "kl_divergence", "relative_error")
_MISSING = "\u2014"
_HEADERS = {"kl_divergence": "KL divergence", "not_snv": "not SNV",
            "counted_SBS96": "counted SBS96"}
CAVEAT = (
    "A signature's resemblance to a COSMIC signature, and that COSMIC signature's proposed "
    "link to a mutational process, are statistical associations. They are not proof that the "
    "process caused the mutations in this sample."
)


@dataclass(frozen=True)
class CohortData:
    """Everything the reports display, as labelled tables (see the module docstring).

    Attributes
    ----------
    catalog : pandas.DataFrame, shape (96, n_samples)
        Mutation counts; index = SBS96 channel labels, columns = sample names.
    catalog_log : pandas.DataFrame
        Index = sample name; columns ``source``, ``variants_read``, ``counted_SBS96`` and one
        integer column per skip reason.
    rank_metrics : pandas.DataFrame
        Index = k; columns include ``mean_stability``, ``min_stability``, ``kl_divergence``,
        ``relative_error``, ``mean_cosine`` and ``selected``.
    chosen_rank : int
        The selected number of signatures k.
    rank_rule : str
        Plain-text paragraph explaining why ``chosen_rank`` was selected.
    signatures : pandas.DataFrame, shape (96, k)
        De novo signatures; columns are signature names and sum to 1.
    stability : pandas.DataFrame
        Index = signature name; columns ``stability`` and ``spread``.
    exposures : pandas.DataFrame, shape (k, n_samples)
        Exposures in mutation counts; index = signature names, columns = sample names.
    reconstruction : pandas.DataFrame
        Index = sample name; columns ``burden``, ``cosine`` and ``kl_divergence``.
    reference_matches : pandas.DataFrame
        Index = de novo signature name; columns ``reference`` and ``cosine``.
    run_info : dict of str to str
        Ordered items of the run summary table.
    files : dict of str to str
        Label to path, relative to the report directory, of each TSV output.
    intervals : pandas.DataFrame or None, default=None
        Bootstrap intervals: index = sample name; columns ``signature``, ``exposure``,
        ``lower``, ``upper``, ``presence`` (as written by ``sigforge refit``).
    aetiology : dict of str to str, default={}
        Proposed aetiology of each reference signature name, shown beside matches.
    cohort_link : bool, default=True
        Whether patient pages link back to ``../cohort.html`` (False in per-patient mode).
    decomposition : pandas.DataFrame or None, default=None
        Index = de novo signature; columns ``components`` (``NAME:weight;...``), ``cosine``
        and ``novel``, as written by ``sigforge refit``.
    """

    catalog: pd.DataFrame
    catalog_log: pd.DataFrame
    rank_metrics: pd.DataFrame
    chosen_rank: int
    rank_rule: str
    signatures: pd.DataFrame
    stability: pd.DataFrame
    exposures: pd.DataFrame
    reconstruction: pd.DataFrame
    reference_matches: pd.DataFrame
    run_info: dict[str, str]
    files: dict[str, str]
    intervals: pd.DataFrame | None = None
    aetiology: dict[str, str] = field(default_factory=dict)
    cohort_link: bool = True
    decomposition: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Prepared:
    """Label-checked arrays shared by the cohort page and every patient page."""

    data: CohortData
    catalog: npt.NDArray[np.float64]
    signatures: npt.NDArray[np.float64]
    exposures: npt.NDArray[np.float64]
    samples: tuple[str, ...]
    signature_names: tuple[str, ...]
    column_of: dict[str, int]
    burden: dict[str, int]
    cosine: dict[str, float]
    stability: dict[str, tuple[float, float]]
    matches: dict[str, tuple[str, float]]


@dataclass(frozen=True)
class _SavedFigure:
    """A figure as shown in a page: inline PNG plus links to its PNG and SVG files."""

    alt: str
    png_base64: str
    png_href: str
    svg_href: str


@dataclass(frozen=True)
class _Table:
    """A display table whose cells are already formatted strings."""

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    highlight: list[bool] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Formatting helpers


def _plain(text: object) -> str:
    """Return ``text`` as a string that matplotlib draws literally (no mathtext)."""
    return str(text).replace("$", r"\$")


def _short(text: object) -> str:
    """Shorten a label for a crowded axis."""
    text = str(text)
    return text if len(text) <= _MAX_TICK_CHARS else text[: _MAX_TICK_CHARS - 1] + "\u2026"


def _is_missing(value: object) -> bool:
    """True for None and float NaN."""
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _fmt_int(value: SupportsFloat | None) -> str:
    """Format a count with thousands separators, rounding to the nearest integer."""
    if value is None or _is_missing(value):
        return _MISSING
    return f"{round(float(value)):,}"


def _fmt_float(value: SupportsFloat | None, digits: int = 3) -> str:
    """Format a float with a fixed number of decimals."""
    if value is None or _is_missing(value):
        return _MISSING
    return f"{float(value):.{digits}f}"


def _fmt_percent(value: float) -> str:
    """Format a fraction as a percentage with one decimal."""
    return _MISSING if _is_missing(value) else f"{100 * value:.1f}%"


def _fmt_cell(value: object) -> str:
    """Format an arbitrary table cell by type."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, int | np.integer):
        return _fmt_int(value)
    if isinstance(value, float | np.floating):
        return _MISSING if _is_missing(value) else f"{float(value):,.3f}"
    return str(value)


def _is_numeric_column(series: pd.Series) -> bool:
    """True when a column holds numbers (right-aligned in tables)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _frame_table(frame: pd.DataFrame, index_header: str) -> _Table:
    """Turn a DataFrame into a display table with its index as the first column."""
    headers = [index_header] + [_HEADERS.get(str(column), str(column).replace("_", " "))
                                for column in frame.columns]
    numeric = [False] + [_is_numeric_column(frame[column]) for column in frame.columns]
    rows = [
        [str(index)] + [_fmt_cell(value) for value in row]
        for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]
    return _Table(headers, rows, numeric)


def _href(path: str | os.PathLike[str]) -> str:
    """Percent-encode a relative path so that it can only ever be a relative link.

    Raises
    ------
    ValueError
        If ``path`` is absolute: a report must stay valid when its directory is moved.
    """
    posix = Path(path).as_posix()
    if Path(path).is_absolute() or posix.startswith("/"):
        raise ValueError(f"files: expected paths relative to the report directory, got {posix!r}.")
    return quote(posix, safe="/")


# ---------------------------------------------------------------------------------------------
# Figures


def _as_sbs96_vector(values: npt.ArrayLike | pd.Series, name: str) -> npt.NDArray[np.float64]:
    """Return 96 finite values in standard channel order; a Series is aligned by label."""
    if isinstance(values, pd.Series):
        missing = sorted(set(SBS96_CHANNELS) - set(values.index))
        if missing:
            raise ValueError(f"{name}: expected the 96 SBS96 channel labels, "
                             f"got a Series missing {len(missing)} of them (e.g. {missing[0]}).")
        values = values.reindex(list(SBS96_CHANNELS))
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (len(SBS96_CHANNELS),):
        raise ValueError(f"{name}: expected 96 values in SBS96 standard order, "
                         f"got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: expected finite values, got NaN or infinity.")
    return array


@functools.lru_cache(maxsize=4)
def _context_label_glyphs(size: float) -> tuple[list[mpath.Path], npt.NDArray[np.int64]]:
    """Trinucleotide labels as 12 rotated glyph outlines (in points) and the bar of each use.

    One path collection of glyphs renders several times faster than 96 text artists, which
    matters for hundreds of patient pages. Every glyph slot is used by exactly 24 bars, so
    the collection cycles through the slots and the SVG backend stores each outline once.

    Returns
    -------
    paths : list of matplotlib.path.Path, length 12
        Slots: 5' base A/C/G/T, the reference base (C, C, T, T: two slots each so that all
        slots are used equally often), 3' base A/C/G/T.
    bars : numpy.ndarray of int, shape (288,)
        Bar index of use ``i``, whose glyph is ``paths[i % 12]``.
    """
    font = FontProperties(family="monospace", size=size)
    ink = TextPath((0, 0), "ACGT", prop=font).get_extents()
    # In a monospace font, this difference is exactly one advance width.
    advance = (TextPath((0, 0), "AAAA", prop=font).get_extents().x1
               - TextPath((0, 0), "AAA", prop=font).get_extents().x1)
    place = Affine2D().rotate_deg(90).translate((ink.y0 + ink.y1) / 2,
                                                -3 * advance - _LABEL_GAP_POINTS)
    slots = [(0, base) for base in BASES] + [(1, "C"), (1, "C"), (1, "T"), (1, "T")]
    slots += [(2, base) for base in BASES]
    users: dict[tuple[int, str], list[int]] = {slot: [] for slot in slots}
    for bar, label in enumerate(_PLOT_TICKS):
        for position, base in enumerate(label):
            users[position, base].append(bar)
    halves = {slot: [bars[::2], bars[1::2]] if slot[0] == 1 else [bars]
              for slot, bars in users.items()}
    columns = [halves[slot].pop(0) for slot in slots]
    paths = [place.transform_path(TextPath((position * advance, 0), base, prop=font))
             for position, base in slots]
    return paths, np.array(columns).T.ravel()


def _bar_vertices(heights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rectangle corners, shape (n, 4, 2), of bars at x = 0..n-1 with the given heights."""
    vertices = np.zeros((len(heights), 4, 2))
    vertices[:, :, 0] = np.arange(len(heights))[:, None] + _BAR_HALF_WIDTH * np.array(
        [-1, -1, 1, 1])
    vertices[:, 1:3, 1] = heights[:, None]
    return vertices


def _draw_substitution_bands(ax: Axes) -> None:
    """Coloured band and substitution label above each block of 16 bars."""
    band = blended_transform_factory(ax.transData, ax.transAxes)
    for block, substitution in enumerate(SUBSTITUTIONS):
        ax.add_patch(Rectangle((16 * block - 0.4, 1.02), 15.8, 0.07, transform=band,
                               facecolor=SUBSTITUTION_COLOURS[substitution],
                               edgecolor="none", clip_on=False))
        ax.text(16 * block + 7.5, 1.12, substitution, transform=band, ha="center",
                va="bottom", fontsize=8, fontweight="bold")


def _set_bars(ax: Axes, values: npt.NDArray[np.float64]) -> None:
    """Set the heights of the SBS96 bars of ``ax`` (values in standard order) and its y range."""
    ordered = values[_PLOT_POSITIONS]
    bars = cast(PolyCollection, next(c for c in ax.collections if c.get_gid() == "sbs96-bars"))
    bars.set_verts(_bar_vertices(ordered))
    _set_peak(ax, float(ordered.max()))


def _set_peak(ax: Axes, peak: float) -> None:
    """Y range from zero to a little above ``peak`` (to 1 when everything is zero)."""
    ax.set_ylim(0, peak * 1.08 if peak > 0 else 1.0)


def _draw_sbs96(ax: Axes, values: npt.NDArray[np.float64], *, ylabel: str,
                tick_labels: bool = True) -> None:
    """Draw the standard SBS96 bar layout (values in standard order) into ``ax``.

    The bars are one ``PolyCollection`` (gid ``"sbs96-bars"``), in :data:`SBS96_PLOT_ORDER`;
    the trinucleotide labels one ``PathCollection`` of glyphs (gid ``"sbs96-labels"``).
    """
    bars = PolyCollection(_bar_vertices(np.zeros(len(_PLOT_POSITIONS))),
                          facecolors=_PLOT_COLOURS, linewidths=0, gid="sbs96-bars")
    ax.add_collection(bars, autolim=False)
    _set_bars(ax, values)
    ax.set_xlim(-0.7, len(_PLOT_POSITIONS) - 0.3)
    _draw_substitution_bands(ax)
    ax.set_xticks([])
    if tick_labels:
        glyphs, uses = _context_label_glyphs(_LABEL_POINTS)
        labels = PathCollection(
            glyphs, sizes=[1.0], facecolors="#222222", linewidths=0,
            offsets=np.column_stack([uses, np.zeros(len(uses))]),
            offset_transform=blended_transform_factory(ax.transData, ax.transAxes),
            transform=IdentityTransform(), clip_on=False, snap=False, gid="sbs96-labels")
        ax.add_collection(labels, autolim=False)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(_plain(ylabel), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def plot_sbs96(values: np.ndarray, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot one SBS96 spectrum in the community-standard bar layout.

    Parameters
    ----------
    values : numpy.ndarray, shape (96,)
        One value per channel in :data:`sigforge.contexts.SBS96_CHANNELS` order. A
        ``pandas.Series`` indexed by channel label is aligned by label instead.
    title : str
        Figure title, drawn literally.
    ylabel : str, default="Mutations"
        Y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        96 bars in six substitution blocks (C>A, C>G, C>T, T>A, T>C, T>G), each block holding
        the 16 contexts 5' in ACGT by 3' in ACGT, coloured by class under a labelled band.
        The bars are one ``PolyCollection`` with gid ``"sbs96-bars"``, in
        :data:`SBS96_PLOT_ORDER`. The caller closes it (``matplotlib.pyplot.close``).

    Raises
    ------
    ValueError
        If ``values`` does not hold 96 finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_sbs96(np.ones(96), title="flat")
    >>> bars = next(c for c in fig.axes[0].collections if c.get_gid() == "sbs96-bars")
    >>> len(bars.get_paths())
    96
    >>> plt.close(fig)
    """
    array = _as_sbs96_vector(values, "values")
    fig, ax = plt.subplots(figsize=(9, 2.6), dpi=_DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16, top=0.74)
    _draw_sbs96(ax, array, ylabel=ylabel)
    fig.suptitle(_plain(title), fontsize=9)
    return fig


def _cosine(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """Cosine similarity of two vectors; NaN when either is all zero."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else math.nan


def plot_reconstruction(observed: np.ndarray, reconstructed: np.ndarray, *, title: str,
                        cosine: float | None = None) -> Figure:
    """Plot an observed SBS96 spectrum above its reconstruction from the signatures.

    Parameters
    ----------
    observed : numpy.ndarray, shape (96,)
        Observed counts in standard channel order (or a Series aligned by label).
    reconstructed : numpy.ndarray, shape (96,)
        ``signatures @ exposures`` for the same sample, same order.
    title : str
        Figure title; the cosine similarity is appended.
    cosine : float or None, default=None
        Cosine similarity to show; None computes it from the two spectra.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked SBS96 panels sharing one y scale.

    Raises
    ------
    ValueError
        If either input does not hold 96 finite numbers.
    """
    first = _as_sbs96_vector(observed, "observed")
    second = _as_sbs96_vector(reconstructed, "reconstructed")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 4.4), dpi=_DPI, sharey=True)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.1, top=0.84, hspace=0.35)
    _draw_sbs96(top, first, ylabel="Observed", tick_labels=False)
    _draw_sbs96(bottom, second, ylabel="Reconstructed")
    _fill_reconstruction(fig, first, second, title=title, cosine=cosine)
    return fig


def _fill_reconstruction(fig: Figure, observed: npt.NDArray[np.float64],
                         reconstructed: npt.NDArray[np.float64], *, title: str,
                         cosine: float | None) -> None:
    """Set both panels' bars, their shared y range and the title with the cosine."""
    top, bottom = fig.axes[:2]
    _set_bars(top, observed)
    _set_bars(bottom, reconstructed)
    _set_peak(top, max(float(observed.max()), float(reconstructed.max())))
    if cosine is None:
        cosine = _cosine(observed, reconstructed)
    fig.suptitle(f"{_plain(title)} (cosine {_fmt_float(cosine)})", fontsize=9)


class _PatientFigures:
    """The two patient figures, created once and refilled for each sample.

    Creating a figure costs about as much as rendering it, so reports for hundreds of
    patients reuse the same two; use as a context manager so that both are closed.
    """

    def __init__(self) -> None:
        zeros = np.zeros(len(SBS96_CHANNELS))
        self.spectrum = plot_sbs96(zeros, title="")
        self.reconstruction = plot_reconstruction(zeros, zeros, title="", cosine=math.nan)

    def __enter__(self) -> _PatientFigures:
        return self

    def __exit__(self, *exc_info: object) -> None:
        plt.close(self.spectrum)
        plt.close(self.reconstruction)

    def draw_spectrum(self, observed: npt.NDArray[np.float64], *, title: str) -> Figure:
        """The spectrum figure showing ``observed`` (standard order) under ``title``."""
        _set_bars(self.spectrum.axes[0], observed)
        self.spectrum.suptitle(_plain(title), fontsize=9)
        return self.spectrum

    def draw_reconstruction(self, observed: npt.NDArray[np.float64],
                            reconstructed: npt.NDArray[np.float64], *, title: str,
                            cosine: float) -> Figure:
        """The observed-versus-reconstructed figure for one sample."""
        _fill_reconstruction(self.reconstruction, observed, reconstructed, title=title,
                             cosine=cosine)
        return self.reconstruction


def _signature_colours(count: int) -> list[Any]:
    """Distinct colours for ``count`` signatures (tab10, then tab20, then a sampled map)."""
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    if count <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(count)]
    return [plt.get_cmap("turbo")(x) for x in np.linspace(0.05, 0.95, count)]


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
        Sample names label the x axis when there are at most 60 samples.
    """
    values = exposures.to_numpy(dtype=np.float64)
    if relative:
        totals = values.sum(axis=0)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    n_samples = values.shape[1]
    width = min(16.0, max(6.0, 2.5 + 0.22 * n_samples))
    fig, ax = plt.subplots(figsize=(width, 3.4), dpi=_DPI, layout="constrained")
    positions, bottom = np.arange(n_samples), np.zeros(n_samples)
    colours = _signature_colours(len(exposures.index))
    for row, (name, colour) in enumerate(zip(exposures.index, colours, strict=True)):
        ax.bar(positions, values[row], bottom=bottom, width=0.8 if n_samples < 200 else 1.0,
               color=colour, label=_plain(name), linewidth=0)
        bottom += values[row]
    _label_samples(ax, [str(sample) for sample in exposures.columns])
    ax.set_ylabel("Fraction of mutations" if relative else "Mutations", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return fig


def _label_samples(ax: Axes, samples: Sequence[str]) -> None:
    """Put (shortened) sample names on the x axis, or just a count when there are many."""
    ax.set_xlim(-0.6, len(samples) - 0.4)
    if len(samples) <= _MAX_SAMPLE_TICKS:
        ax.set_xticks(np.arange(len(samples)))
        ax.set_xticklabels([_plain(_short(s)) for s in samples], rotation=90, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"Samples (n = {len(samples):,})", fontsize=8)


def plot_rank_selection(rank_metrics: pd.DataFrame, chosen_rank: int) -> Figure:
    """Plot stability and reconstruction error against the number of signatures k.

    Parameters
    ----------
    rank_metrics : pandas.DataFrame
        Index = k; needs columns ``mean_stability``, ``min_stability``, ``kl_divergence``
        and ``relative_error``.
    chosen_rank : int
        The selected k, marked on both panels.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean and minimum stability; right: KL divergence (left axis) and relative
        error (right axis).

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
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), dpi=_DPI, layout="constrained")
    _plot_stability(left, rank_metrics)
    _plot_errors(right, rank_metrics)
    for ax in (left, right):
        ax.axvline(chosen_rank, color="0.35", linestyle=":", linewidth=1.2)
        ax.set_xticks(rank_metrics.index.to_numpy())
        ax.set_xlabel("k (number of signatures)")
    left.annotate(f"chosen k = {chosen_rank}", (chosen_rank, 0.02),
                  xycoords=("data", "axes fraction"), xytext=(4, 0),
                  textcoords="offset points", fontsize=7)
    return fig


def _plot_stability(ax: Axes, rank_metrics: pd.DataFrame) -> None:
    """Mean and minimum stability against k."""
    ranks = rank_metrics.index.to_numpy()
    ax.plot(ranks, rank_metrics["mean_stability"], "o-", color="C0", label="mean stability")
    ax.plot(ranks, rank_metrics["min_stability"], "s--", color="C1", label="min stability")
    ax.set(title="Stability", ylabel="Silhouette")
    ax.legend(fontsize=7, frameon=False)


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


def _render(fig: Figure, fmt: str) -> bytes:
    """Render a figure to PNG or SVG bytes (SVG deterministic, text kept editable)."""
    buffer = io.BytesIO()
    # Lower zlib effort: nearly the same size, noticeably faster over hundreds of figures.
    options: dict[str, Any] = ({"metadata": {"Date": None}} if fmt == "svg"
                               else {"pil_kwargs": {"compress_level": 3}})
    with plt.rc_context(_SAVE_RC):
        fig.savefig(buffer, format=fmt, dpi=_DPI, **options)
    return buffer.getvalue()


def _save_figure(fig: Figure, stem: Path, page_dir: Path, alt: str, *,
                 close: bool = True) -> _SavedFigure:
    """Write ``stem``.png and ``stem``.svg and return the figure ready for a page.

    ``close`` closes the figure afterwards (always, unless it is reused by the caller).
    """
    try:
        png, svg = _render(fig, "png"), _render(fig, "svg")
    finally:
        if close:
            plt.close(fig)
    for suffix, payload in ((".png", png), (".svg", svg)):
        with atomic_write(stem.with_suffix(suffix), mode="wb") as handle:
            handle.write(payload)
    relative = Path(os.path.relpath(stem, page_dir))
    return _SavedFigure(alt=alt, png_base64=base64.b64encode(png).decode("ascii"),
                        png_href=_href(relative.with_suffix(".png")),
                        svg_href=_href(relative.with_suffix(".svg")))


# ---------------------------------------------------------------------------------------------
# Input checks


def _aligned_rows(frame: pd.DataFrame, name: str) -> npt.NDArray[np.float64]:
    """Return ``frame`` as a float array with rows in standard SBS96 order, checked."""
    labels = [str(label) for label in frame.index]
    if len(labels) != len(SBS96_CHANNELS) or set(labels) != set(SBS96_CHANNELS):
        raise ValueError(f"{name}: expected the 96 SBS96 channel labels as index, "
                         f"got {len(labels)} rows (first: {labels[:3]}).")
    array = frame.set_axis(labels, axis=0).loc[list(SBS96_CHANNELS)].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: expected finite values, got NaN or infinity.")
    return array


def _check_same(expected: Iterable[object], got: Iterable[object], what: str) -> None:
    """Raise when two label collections differ as sets."""
    expected_set, got_set = {str(x) for x in expected}, {str(x) for x in got}
    if expected_set != got_set:
        extra, absent = sorted(got_set - expected_set), sorted(expected_set - got_set)
        raise ValueError(f"{what}: labels differ; unexpected {extra[:3]}, missing {absent[:3]}.")


def _by_label(frame: pd.DataFrame, columns: Sequence[str], name: str) -> dict[str, tuple[Any, ...]]:
    """Rows of ``frame`` keyed by their label as text, restricted to ``columns``."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name}: expected columns {list(columns)}, got {list(frame.columns)}.")
    return {str(label): tuple(row) for label, row in
            zip(frame.index, frame[list(columns)].itertuples(index=False), strict=True)}


def _prepare(data: CohortData) -> _Prepared:
    """Check labels across the tables once and return aligned arrays and lookups."""
    samples = tuple(str(sample) for sample in data.catalog.columns)
    names = tuple(str(name) for name in data.signatures.columns)
    _check_same(names, data.exposures.index, "exposures index vs signatures columns")
    _check_same(samples, data.exposures.columns, "exposures columns vs catalog columns")
    _check_same(samples, data.reconstruction.index, "reconstruction index vs catalog columns")
    if len(set(samples)) != len(samples):
        raise ValueError("catalog: expected unique sample names, got duplicates.")
    for path in data.files.values():
        _href(path)  # fail before drawing anything
    exposures = data.exposures.set_axis([str(x) for x in data.exposures.index], axis=0)
    exposures = exposures.set_axis([str(x) for x in exposures.columns], axis=1)
    fit = _by_label(data.reconstruction, ("burden", "cosine"), "reconstruction")
    stability = _by_label(data.stability, ("stability", "spread"), "stability")
    matches = _by_label(data.reference_matches, ("reference", "cosine"), "reference_matches")
    return _Prepared(
        data=data,
        catalog=_aligned_rows(data.catalog, "catalog"),
        signatures=_aligned_rows(data.signatures, "signatures"),
        exposures=exposures.loc[list(names), list(samples)].to_numpy(dtype=np.float64),
        samples=samples,
        signature_names=names,
        column_of={sample: i for i, sample in enumerate(samples)},
        burden={sample: int(round(float(row[0]))) for sample, row in fit.items()},
        cosine={sample: float(row[1]) for sample, row in fit.items()},
        stability={key: (float(row[0]), float(row[1])) for key, row in stability.items()},
        matches={key: (_MISSING if _is_missing(row[0]) else str(row[0]), float(row[1]))
                 for key, row in matches.items()},
    )


def _check_stem(file_stem: str) -> None:
    """Refuse file stems that could escape the patients directory or break a link."""
    if not _SAFE_STEM.match(file_stem):
        raise ValueError(f"file_stem: expected letters, digits, '.', '_' or '-' (not starting "
                         f"with '.', '_' or '-'), got {file_stem!r}.")


def _check_stems(prepared: _Prepared, file_stems: Mapping[str, str]) -> None:
    """Every sample needs a safe stem, and no two stems may name the same file."""
    missing = [sample for sample in prepared.samples if sample not in file_stems]
    if missing:
        raise ValueError(f"file_stems: expected a stem for every sample, got none for "
                         f"{missing[:3]}.")
    stems = [file_stems[sample] for sample in prepared.samples]
    for stem in stems:
        _check_stem(stem)
    if len({stem.lower() for stem in stems}) != len(stems):
        raise ValueError("file_stems: expected unique stems (ignoring case), got duplicates.")


# ---------------------------------------------------------------------------------------------
# Page content


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescape always on, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sigforge", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_page(template: str, path: Path, context: Mapping[str, Any]) -> Path:
    """Render a template to ``path`` as UTF-8, atomically."""
    html = _environment().get_template(template).render(**context)
    with atomic_write(path, mode="wb") as handle:
        handle.write(html.encode("utf-8"))
    return path


def _reference_of(prepared: _Prepared, signature: str) -> tuple[str, float]:
    """Best-matching COSMIC signature and its cosine, or placeholders when unknown."""
    return prepared.matches.get(signature, (_MISSING, math.nan))


def _catalog_summary(prepared: _Prepared) -> dict[str, str]:
    """Number of samples, total SNVs and median burden from the catalog."""
    burdens = prepared.catalog.sum(axis=0)
    return {
        "n_samples": f"{len(prepared.samples):,}",
        "total_snvs": _fmt_int(burdens.sum()),
        "median_burden": _fmt_int(float(np.median(burdens))) if len(burdens) else _MISSING,
    }


def _rank_table(data: CohortData) -> _Table:
    """Rank metrics with the chosen k highlighted."""
    table = _frame_table(data.rank_metrics, "k")
    highlight = [index == data.chosen_rank for index in data.rank_metrics.index]
    return _Table(table.headers, table.rows, table.numeric, highlight)


def _signature_rows(prepared: _Prepared) -> list[dict[str, Any]]:
    """One row per de novo signature: stability, spread, COSMIC match, attributed total."""
    rows: list[dict[str, Any]] = []
    for row, name in enumerate(prepared.signature_names):
        reference, cosine = _reference_of(prepared, name)
        stability, spread = prepared.stability.get(name, (math.nan, math.nan))
        parts = _decomposition_of(prepared, name)
        rows.append({
            "name": name, "stability": _fmt_float(stability), "spread": _fmt_float(spread),
            "reference": reference, "cosine": _fmt_float(cosine),
            "aetiology": prepared.data.aetiology.get(reference, ""),
            "mutations": _fmt_int(prepared.exposures[row].sum()), **parts,
        })
    return rows


def _decomposition_of(prepared: _Prepared, name: str) -> dict[str, Any]:
    """Displayed decomposition of one signature: components as percentages, cosine, novelty."""
    table = prepared.data.decomposition
    if table is None or name not in table.index:
        return {"decomposition": "", "decomposition_cosine": "", "novel": False}
    parts = []
    for item in str(table.at[name, "components"]).split(";"):
        label, _, weight = item.partition(":")
        if label:
            parts.append(f"{label} {float(weight):.0%}")
    novel = str(table.at[name, "novel"]).lower() == "true"
    return {"decomposition": " + ".join(parts),
            "decomposition_cosine": _fmt_float(float(table.at[name, "cosine"])), "novel": novel}


def _exposure_table(prepared: _Prepared) -> _Table:
    """Samples as rows, signatures as columns, counts as displayed on patient pages."""
    rows = [
        [sample] + [_fmt_int(value) for value in prepared.exposures[:, column]]
        for column, sample in enumerate(prepared.samples)
    ]
    names = list(prepared.signature_names)
    return _Table(["Sample", *names], rows, [False] + [True] * len(names))


def _patient_rows(prepared: _Prepared, file_stems: Mapping[str, str]) -> list[dict[str, str]]:
    """Links to the patient pages with burden and reconstruction cosine."""
    return [
        {
            "sample": sample,
            "href": f"patients/{_href(file_stems[sample])}.html",
            "burden": _fmt_int(prepared.burden[sample]),
            "cosine": _fmt_float(prepared.cosine[sample]),
        }
        for sample in prepared.samples
    ]


def _cohort_figures(prepared: _Prepared, out_dir: Path) -> dict[str, Any]:
    """Draw and save the rank, signature and exposure figures of the cohort page."""
    data, figures = prepared.data, out_dir / "figures"
    exposures = pd.DataFrame(prepared.exposures, index=list(prepared.signature_names),
                             columns=list(prepared.samples))
    saved: dict[str, Any] = {
        "rank": _save_figure(plot_rank_selection(data.rank_metrics, data.chosen_rank),
                             figures / "rank_selection", out_dir, "Rank selection metrics"),
        "absolute": _save_figure(plot_exposures(exposures, relative=False),
                                 figures / "exposures_absolute", out_dir,
                                 "Exposures per sample, in mutations"),
        "relative": _save_figure(plot_exposures(exposures, relative=True),
                                 figures / "exposures_relative", out_dir,
                                 "Exposures per sample, as fractions"),
    }
    signature_figures = []
    for column, name in enumerate(prepared.signature_names):
        fig = plot_sbs96(prepared.signatures[:, column], title=name, ylabel="Probability")
        stem = figures / f"signature_{column + 1}_{re.sub(r'[^A-Za-z0-9_-]', '_', name)}"
        signature_figures.append(_save_figure(fig, stem, out_dir, f"Spectrum of {name}"))
    saved["signatures"] = signature_figures
    return saved


def _cohort_context(prepared: _Prepared, out_dir: Path,
                    file_stems: Mapping[str, str]) -> dict[str, Any]:
    """Everything the cohort template displays, as strings and saved figures."""
    data = prepared.data
    figures = _cohort_figures(prepared, out_dir)
    signatures = _signature_rows(prepared)
    for row, figure in zip(signatures, figures.pop("signatures"), strict=True):
        row["figure"] = figure
    return {
        "run_info": [(str(key), str(value)) for key, value in data.run_info.items()],
        "summary": _catalog_summary(prepared),
        "catalog_log": _frame_table(data.catalog_log, "Sample"),
        "figures": figures,
        "rank_table": _rank_table(data),
        "chosen_rank": str(data.chosen_rank),
        "rank_rule": data.rank_rule,
        "signatures": signatures,
        "exposure_table": _exposure_table(prepared),
        "patients": _patient_rows(prepared, file_stems),
        "files": [(str(label), _href(path), str(path)) for label, path in data.files.items()],
    }


def _sample_intervals(prepared: _Prepared, sample: str) -> dict[str, tuple[float, float, float]]:
    """Signature -> (lower, upper, presence) of one sample; empty without intervals."""
    intervals = prepared.data.intervals
    if intervals is None or sample not in intervals.index:
        return {}
    rows = intervals.loc[[sample]]
    return {str(sig): (float(lo), float(hi), float(pr)) for sig, lo, hi, pr in zip(
        rows["signature"], rows["lower"], rows["upper"], rows["presence"], strict=True)}


#: Patient tables list every signature up to this many; beyond it, only those ever used.
_ALL_ROWS_UP_TO = 12


def _patient_exposures(prepared: _Prepared, sample: str) -> list[dict[str, Any]]:
    """Per-signature mutations, fractions, intervals and matches of one sample.

    With many signatures (a reference set), those with zero exposure in the fit and in every
    bootstrap refit are left out; the page says how many.
    """
    values = prepared.exposures[:, prepared.column_of[sample]]
    total = float(values.sum())
    intervals = _sample_intervals(prepared, sample)
    rows = []
    for name, value in zip(prepared.signature_names, values, strict=True):
        reference, cosine = _reference_of(prepared, name)
        fraction = float(value) / total if total > 0 else 0.0
        lower, upper, presence = intervals.get(name, (np.nan, np.nan, np.nan))
        rows.append({"signature": name, "value": float(value), "fraction": fraction,
                     "mutations": _fmt_int(value), "percent": _fmt_percent(fraction),
                     "reference": reference, "reference_value": cosine,
                     "cosine": _fmt_float(cosine),
                     "interval": "" if _is_missing(lower) else
                     f"{_fmt_int(lower)} – {_fmt_int(upper)}",
                     "presence": "" if _is_missing(presence) else _fmt_percent(presence),
                     "aetiology": prepared.data.aetiology.get(reference, ""),
                     "shown": len(values) <= _ALL_ROWS_UP_TO or value > 0
                     or (not _is_missing(presence) and presence > 0)})
    return rows


def _resemblance(row: Mapping[str, Any], *, relative: bool) -> str:
    """Clause on how closely a de novo signature resembles its best COSMIC match.

    ``relative`` phrases it to follow the signature's name ("which ..."), otherwise as a
    clause of its own ("it ...").
    """
    subject, possessive = ("which", "whose") if relative else ("it", "its")
    cosine = row["reference_value"]
    if row["reference"] == _MISSING or _is_missing(cosine):
        return f"{subject} has no COSMIC match on record"
    if cosine >= _STRONG_MATCH:
        return f"{subject} resembles COSMIC {row['reference']} (cosine {cosine:.2f})"
    return (f"{possessive} closest COSMIC signature, {row['reference']}, is only a weak match "
            f"(cosine {cosine:.2f})")


def _describe_sample(burden: int, rows: Sequence[Mapping[str, Any]], cosine: float) -> list[str]:
    """A short plain-language reading of one sample's numbers, sentence by sentence."""
    if burden <= 0 or not any(row["value"] > 0 for row in rows):
        return ["No SNVs were counted for this sample, so no signature can be attributed."]
    ranked = sorted(rows, key=lambda row: row["value"], reverse=True)
    top = ranked[0]
    lead = "Most of" if top["fraction"] > 0.5 else "The largest share of"
    verb = "are" if top["fraction"] > 0.5 else "is"
    sentences = [f"{lead} this sample's {burden:,} SNVs ({top['fraction']:.0%}) {verb} "
                 f"attributed to {top['signature']}, {_resemblance(top, relative=True)}."]
    for row in ranked[1:]:
        if row["fraction"] >= _MINOR_SHARE:
            sentences.append(f"{row['signature']} accounts for a further {row['fraction']:.0%}; "
                             f"{_resemblance(row, relative=False)}.")
    if not _is_missing(cosine):
        quality = "a close fit" if cosine >= _GOOD_FIT else "a loose fit; read it with caution"
        sentences.append(f"Together the signatures reconstruct the observed spectrum with "
                         f"cosine similarity {cosine:.2f} (1 is a perfect match), {quality}.")
    return sentences


def _patient_figures(prepared: _Prepared, sample: str, out_dir: Path, file_stem: str,
                     figures: _PatientFigures) -> dict[str, _SavedFigure]:
    """Draw and save the spectrum and reconstruction figures of one sample."""
    column = prepared.column_of[sample]
    observed = prepared.catalog[:, column]
    reconstructed = prepared.signatures @ prepared.exposures[:, column]
    cosine = prepared.cosine[sample]
    stem, page_dir = out_dir / "figures" / "patients" / file_stem, out_dir / "patients"
    spectrum = figures.draw_spectrum(observed, title=f"{sample}: observed SBS96 spectrum")
    fit = figures.draw_reconstruction(observed, reconstructed, title=sample, cosine=cosine)
    return {
        "spectrum": _save_figure(spectrum, stem.with_name(f"{file_stem}_spectrum"), page_dir,
                                 "Observed SBS96 spectrum", close=False),
        "reconstruction": _save_figure(fit, stem.with_name(f"{file_stem}_reconstruction"),
                                       page_dir, "Observed and reconstructed spectra",
                                       close=False),
    }


def _patient_context(prepared: _Prepared, sample: str, out_dir: Path, file_stem: str,
                     figures: _PatientFigures) -> dict[str, Any]:
    """Figures, tables and reading of one patient page."""
    burden, cosine = prepared.burden[sample], prepared.cosine[sample]
    rows = _patient_exposures(prepared, sample)
    return {
        "sample": sample, "burden": _fmt_int(burden), "cosine": _fmt_float(cosine),
        "figures": _patient_figures(prepared, sample, out_dir, file_stem, figures),
        "exposures": [row for row in rows if row["shown"]],
        "hidden": sum(not row["shown"] for row in rows),
        "has_intervals": prepared.data.intervals is not None,
        "has_aetiology": bool(prepared.data.aetiology),
        "cohort_link": prepared.data.cohort_link,
        "reading": _describe_sample(burden, rows, cosine),
        "caveat": CAVEAT,
        "run_info": [(str(key), str(value)) for key, value in prepared.data.run_info.items()],
    }


# ---------------------------------------------------------------------------------------------
# Public writers


def _write_patient(prepared: _Prepared, sample: str, out_dir: Path, file_stem: str,
                   figures: _PatientFigures) -> Path:
    """Write one patient page from already-checked data, drawing into reused figures."""
    _check_stem(file_stem)
    if sample not in prepared.column_of:
        raise ValueError(f"sample: expected one of the catalog's samples, got {sample!r}.")
    context = _patient_context(prepared, sample, out_dir, file_stem, figures)
    path = _write_page("patient.html.j2", out_dir / "patients" / f"{file_stem}.html", context)
    logger.debug("Wrote patient report %s", path)
    return path


def _write_cohort(prepared: _Prepared, out_dir: Path, file_stems: Mapping[str, str]) -> Path:
    """Write the cohort page from already-checked data."""
    context = _cohort_context(prepared, out_dir, file_stems)
    path = _write_page("cohort.html.j2", out_dir / "cohort.html", context)
    logger.info("Wrote cohort report %s", path)
    return path


def _default_stems(samples: Sequence[str]) -> dict[str, str]:
    """File stems used for patient links when the caller does not give any."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for number, sample in enumerate(samples, start=1):
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", sample).lstrip("._-") or "sample"
        if stem.lower() in taken:
            stem = f"{stem}-{number}"
        stems[sample] = stem
        taken.add(stem.lower())
    return stems


def write_cohort_report(data: CohortData, out_dir: str | Path, *,
                        file_stems: Mapping[str, str] | None = None) -> Path:
    """Write ``out_dir/cohort.html`` and its figures under ``out_dir/figures``.

    Parameters
    ----------
    data : CohortData
        The run's results.
    out_dir : str or pathlib.Path
        Report directory; created if needed.
    file_stems : mapping of str to str or None, default=None
        Sample name to the stem of its page, for the links ``patients/{stem}.html``. None
        derives stems from the names (characters other than letters, digits, '.', '_' and '-'
        become '_'). :func:`write_reports` passes its own stems.

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    ValueError
        If the tables' labels disagree (channels, samples or signature names).
    """
    prepared = _prepare(data)
    stems = _default_stems(prepared.samples) if file_stems is None else file_stems
    _check_stems(prepared, stems)
    return _write_cohort(prepared, Path(out_dir), stems)


def write_patient_report(data: CohortData, sample: str, out_dir: str | Path,
                         file_stem: str) -> Path:
    """Write ``out_dir/patients/{file_stem}.html`` and its two figures.

    Parameters
    ----------
    data : CohortData
        The run's results.
    sample : str
        Sample name, one of the catalog's columns.
    out_dir : str or pathlib.Path
        Report directory (the page links back to ``../cohort.html``).
    file_stem : str
        File name without extension: letters, digits, '.', '_' and '-' only.

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    ValueError
        If the sample is unknown, the stem is unsafe, or the tables' labels disagree.
    """
    prepared = _prepare(data)
    with _PatientFigures() as figures:
        return _write_patient(prepared, sample, Path(out_dir), file_stem, figures)


def write_reports(data: CohortData, out_dir: str | Path, file_stems: dict[str, str]) -> Path:
    """Write the cohort page and one patient page per sample.

    Parameters
    ----------
    data : CohortData
        The run's results.
    out_dir : str or pathlib.Path
        Report directory; pages go to ``cohort.html`` and ``patients/``, figures (PNG and SVG)
        to ``figures/``.
    file_stems : dict of str to str
        Sample name to a unique, safe file stem for its page.

    Returns
    -------
    pathlib.Path
        The cohort HTML file.

    Raises
    ------
    ValueError
        If a sample has no stem, stems repeat (ignoring case) or are unsafe, or the tables'
        labels disagree.
    """
    prepared, out_dir = _prepare(data), Path(out_dir)
    _check_stems(prepared, file_stems)
    with _PatientFigures() as figures:
        for sample in prepared.samples:
            _write_patient(prepared, sample, out_dir, file_stems[sample], figures)
    logger.info("Wrote %d patient reports under %s", len(prepared.samples), out_dir / "patients")
    return _write_cohort(prepared, out_dir, file_stems)

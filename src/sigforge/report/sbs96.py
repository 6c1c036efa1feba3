"""The SBS96 spectrum: the community-standard bar layout, signature panels, reconstructions.

Channel rows are labelled with SBS96 labels such as ``A[C>A]A`` and are aligned by label to
:data:`sigforge.genomics.contexts.SBS96_CHANNELS` before any plotting. Bars, bands and the
trinucleotide labels are drawn as a few collections (not hundreds of artists), so that
figures for hundreds of patient pages stay cheap to render.
"""

from __future__ import annotations

import functools
from typing import cast

import matplotlib.path as mpath
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform, blended_transform_factory

from sigforge._maths import cosine_similarity
from sigforge.genomics.contexts import BASES, SBS96_CHANNELS, SBS96_INDEX, SUBSTITUTIONS
from sigforge.report.figures import DPI, plain, plt, set_peak, short, title_text
from sigforge.report.tables import fmt_float

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

_BAR_HALF_WIDTH = 0.35
_LABEL_POINTS = 5.5
_LABEL_GAP_POINTS = 2.0


def as_sbs96_vector(values: npt.ArrayLike | pd.Series, name: str) -> npt.NDArray[np.float64]:
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


def aligned_rows(frame: pd.DataFrame, name: str) -> npt.NDArray[np.float64]:
    """Return ``frame`` as a float array with rows in standard SBS96 order, checked."""
    labels = [str(label) for label in frame.index]
    if len(labels) != len(SBS96_CHANNELS) or set(labels) != set(SBS96_CHANNELS):
        raise ValueError(f"{name}: expected the 96 SBS96 channel labels as index, "
                         f"got {len(labels)} rows (first: {labels[:3]}).")
    array = frame.set_axis(labels, axis=0).loc[list(SBS96_CHANNELS)].to_numpy(dtype=np.float64)
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


def bar_vertices(heights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rectangle corners, shape (n, 4, 2), of bars at x = 0..n-1 with the given heights."""
    vertices = np.zeros((len(heights), 4, 2))
    vertices[:, :, 0] = np.arange(len(heights))[:, None] + _BAR_HALF_WIDTH * np.array(
        [-1, -1, 1, 1])
    vertices[:, 1:3, 1] = heights[:, None]
    return vertices


@functools.lru_cache(maxsize=2)
def _substitution_glyphs(size: float) -> list[mpath.Path]:
    """The six substitution labels as bold outlines in points, each centred on x = 0."""
    font = FontProperties(weight="bold", size=size)
    paths = []
    for text in SUBSTITUTIONS:
        path = TextPath((0, 0), text, prop=font)
        extents = path.get_extents()
        paths.append(Affine2D().translate(-(extents.x0 + extents.x1) / 2, 0)
                     .transform_path(path))
    return paths


def _draw_substitution_bands(ax: Axes) -> None:
    """Coloured band and substitution label above each block of 16 bars.

    Bands and labels are two collections (not 12 artists): like the trinucleotide labels,
    this keeps hundreds of patient figures cheap to render.
    """
    band = blended_transform_factory(ax.transData, ax.transAxes)
    left = 16 * np.arange(len(SUBSTITUTIONS)) - 0.4
    corners = np.stack([np.column_stack([left, np.full(6, y)]) for y in (1.02, 1.09)]
                       + [np.column_stack([left + 15.8, np.full(6, y)]) for y in (1.09, 1.02)],
                       axis=1)
    ax.add_collection(PolyCollection(
        corners, facecolors=[SUBSTITUTION_COLOURS[s] for s in SUBSTITUTIONS], linewidths=0,
        transform=band, clip_on=False, gid="sbs96-bands"), autolim=False)
    ax.add_collection(PathCollection(
        _substitution_glyphs(8.0), sizes=[1.0], facecolors="black", linewidths=0,
        offsets=np.column_stack([16 * np.arange(len(SUBSTITUTIONS)) + 7.5, np.full(6, 1.12)]),
        offset_transform=band, transform=IdentityTransform(), clip_on=False, snap=False,
        gid="sbs96-classes"), autolim=False)


def set_bars(ax: Axes, values: npt.NDArray[np.float64]) -> None:
    """Set the heights of the SBS96 bars of ``ax`` (values in standard order) and its y range."""
    ordered = values[_PLOT_POSITIONS]
    bars = cast(PolyCollection, next(c for c in ax.collections if c.get_gid() == "sbs96-bars"))
    bars.set_verts(bar_vertices(ordered))
    set_peak(ax, float(ordered.max()))


def _draw_sbs96(ax: Axes, values: npt.NDArray[np.float64], *, ylabel: str,
                tick_labels: bool = True) -> None:
    """Draw the standard SBS96 bar layout (values in standard order) into ``ax``.

    The bars are one ``PolyCollection`` (gid ``"sbs96-bars"``), in :data:`SBS96_PLOT_ORDER`;
    the trinucleotide labels one ``PathCollection`` of glyphs (gid ``"sbs96-labels"``).
    """
    bars = PolyCollection(bar_vertices(np.zeros(len(_PLOT_POSITIONS))),
                          facecolors=_PLOT_COLOURS, linewidths=0, gid="sbs96-bars")
    ax.add_collection(bars, autolim=False)
    set_bars(ax, values)
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
    ax.set_ylabel(plain(ylabel), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def plot_sbs96(values: np.ndarray, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot one SBS96 spectrum in the community-standard bar layout.

    Parameters
    ----------
    values : numpy.ndarray, shape (96,)
        One value per channel in :data:`sigforge.genomics.contexts.SBS96_CHANNELS` order. A
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
    array = as_sbs96_vector(values, "values")
    fig, ax = plt.subplots(figsize=(9, 2.6), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16, top=0.74)
    _draw_sbs96(ax, array, ylabel=ylabel)
    fig.suptitle(title_text(title), fontsize=9)
    return fig


def plot_signature_panel(signatures: pd.DataFrame) -> Figure:
    """Plot several SBS96 signatures as one panel of stacked spectra.

    Parameters
    ----------
    signatures : pandas.DataFrame, shape (96, k)
        Index = SBS96 channel labels (aligned by label); one column per signature.

    Returns
    -------
    matplotlib.figure.Figure
        One SBS96 row per signature, named on its y axis, trinucleotide labels on the last.

    Raises
    ------
    ValueError
        If the index is not the 96 SBS96 labels or a value is not finite.
    """
    array = aligned_rows(signatures, "signatures")
    count = max(1, array.shape[1])
    fig, axes = plt.subplots(count, 1, figsize=(9, 0.6 + 1.55 * count), dpi=DPI,
                             squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.35 / (0.6 + 1.55 * count),
                        top=1 - 0.45 / (0.6 + 1.55 * count), hspace=0.55)
    for column, ax in enumerate(axes[:, 0]):
        if column >= array.shape[1]:
            ax.set_axis_off()
            continue
        _draw_sbs96(ax, array[:, column], ylabel=short(signatures.columns[column]),
                    tick_labels=column == array.shape[1] - 1)
    return fig


def plot_reconstruction(observed: np.ndarray, reconstructed: np.ndarray, *, title: str,
                        cosine: float | None = None,
                        labels: tuple[str, str] = ("Observed", "Reconstructed"),
                        residual: bool = True) -> Figure:
    """Plot an observed SBS96 spectrum above its reconstruction and their difference.

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
    labels : tuple of str, default=("Observed", "Reconstructed")
        Y-axis labels of the top and middle panels.
    residual : bool, default=True
        Add a bottom panel with ``observed - reconstructed`` per channel (same layout, a y
        range symmetric about 0), which shows which channels the signatures miss.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked SBS96 panels sharing one y scale, and the residual panel below them.

    Raises
    ------
    ValueError
        If either input does not hold 96 finite numbers.
    """
    first = as_sbs96_vector(observed, "observed")
    second = as_sbs96_vector(reconstructed, "reconstructed")
    panels = 3 if residual else 2
    fig, axes = plt.subplots(panels, 1, figsize=(9, 2.1 * panels + 0.2), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16 / (panels - 1),
                        top=1 - 0.32 / panels, hspace=0.35)
    axes[0].sharey(axes[1])
    _draw_sbs96(axes[0], first, ylabel=labels[0], tick_labels=False)
    _draw_sbs96(axes[1], second, ylabel=labels[1], tick_labels=not residual)
    if residual:
        _draw_sbs96(axes[2], first - second, ylabel="Residual")
        axes[2].axhline(0.0, color="0.3", linewidth=0.6)
    fill_reconstruction(fig, first, second, title=title, cosine=cosine)
    return fig


def _set_residual(ax: Axes, residual: npt.NDArray[np.float64]) -> None:
    """Set the residual bars and a y range symmetric about 0 (to +-1 when all are 0)."""
    set_bars(ax, residual)
    peak = float(np.abs(residual).max())
    limit = peak * 1.08 if peak > 0 else 1.0
    ax.set_ylim(-limit, limit)


def fill_reconstruction(fig: Figure, observed: npt.NDArray[np.float64],
                        reconstructed: npt.NDArray[np.float64], *, title: str,
                        cosine: float | None) -> None:
    """Set every panel's bars, the shared y range, the residual and the title with the cosine."""
    top, bottom = fig.axes[:2]
    set_bars(top, observed)
    set_bars(bottom, reconstructed)
    set_peak(top, max(float(observed.max()), float(reconstructed.max())))
    if len(fig.axes) > 2:
        _set_residual(fig.axes[2], observed - reconstructed)
    if cosine is None:
        cosine = float(cosine_similarity(observed, reconstructed))
    fig.suptitle(f"{title_text(title)} (cosine {fmt_float(cosine)})", fontsize=9)

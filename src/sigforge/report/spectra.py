"""DBS78 and ID83 spectra (SigProfilerPlotting's layout and colours), :func:`plot_spectrum`,
which draws any of SBS96, DBS78 or ID83 chosen by its channel labels (SBS288 and SBS1536
summed into SBS96 first, :func:`as_sbs96`), and :func:`plot_spectra_panel`, several spectra
stacked in one figure.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import matplotlib.path as mpath
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform, blended_transform_factory

from sigforge.genomics.contexts import (
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
)
from sigforge.genomics.tables import as_sbs96
from sigforge.report.figures import DPI, plain, plt, set_peak, short, title_text
from sigforge.report.sbs96 import bar_vertices, plot_sbs96, plot_signature_panel

DBS78_COLOURS: dict[str, str] = {
    "AC": "#03BDEF", "AT": "#0366CC", "CC": "#A2CF63", "CG": "#016601", "CT": "#FF9999",
    "GC": "#E42926", "TA": "#FFB266", "TC": "#FF8001", "TG": "#CC99FF", "TT": "#4C0199",
}
"""The community-standard colour of each DBS78 class (reference dinucleotide)."""

ID83_COLOURS: dict[str, str] = {
    "1:Del:C": "#FDBE6F", "1:Del:T": "#FF8002", "1:Ins:C": "#B0DD8B", "1:Ins:T": "#36A12E",
    "2:Del:R": "#FDCAB5", "3:Del:R": "#FC8A6A", "4:Del:R": "#F14432", "5:Del:R": "#BC191A",
    "2:Ins:R": "#D0E1F2", "3:Ins:R": "#94C4DF", "4:Ins:R": "#4A98C9", "5:Ins:R": "#1764AB",
    "2:Del:M": "#E2E2EF", "3:Del:M": "#B6B6D8", "4:Del:M": "#8683BD", "5:Del:M": "#62409B",
}
"""The community-standard colour of each of the 16 ID83 classes, in plotting order."""

_ID83_HEADINGS = (("1bp deletion", 2), ("1bp insertion", 2), (">1bp deletion at repeats", 4),
                  (">1bp insertion at repeats", 4), ("Microhomology", 4))


@dataclass(frozen=True)
class _Layout:
    """How to draw one non-SBS96 channel set: classes, colours and labels, in channel order."""

    name: str
    channels: tuple[str, ...]
    classes: tuple[str, ...]
    colours: dict[str, str]
    class_labels: dict[str, str]
    ticks: tuple[str, ...]
    headings: tuple[tuple[str, int], ...] = ()
    tick_rotation: int = 90


def _dbs78_layout() -> _Layout:
    """DBS78: ten classes by reference dinucleotide; ticks are the alternate dinucleotides."""
    classes = tuple(label.split(">")[0] for label in DBS78_CHANNELS)
    return _Layout("DBS78", DBS78_CHANNELS, classes, DBS78_COLOURS,
                   {ref: f"{ref}>NN" for ref in DBS78_COLOURS},
                   tuple(label.split(">")[1] for label in DBS78_CHANNELS))


def _id83_tick(label: str) -> str:
    """ID83 tick: homopolymer/repeat length (deletions count the deleted unit), '+' at 5."""
    size, kind, motif, count = label.split(":")
    number = int(count) + (1 if kind == "Del" and motif != "M" else 0)
    top = 5 + (1 if kind == "Del" and motif != "M" else 0)
    return f"{number}+" if number == top else str(number)


def _id83_layout() -> _Layout:
    """ID83: 16 classes (1bp C/T deletions and insertions, repeats, microhomology)."""
    classes = tuple(label.rsplit(":", 1)[0] for label in ID83_CHANNELS)
    labels = {name: (name.split(":")[2] if name.startswith("1:") else
                     name.split(":")[0] + ("+" if name.startswith("5") else ""))
              for name in ID83_COLOURS}
    return _Layout("ID83", ID83_CHANNELS, classes, ID83_COLOURS, labels,
                   tuple(_id83_tick(label) for label in ID83_CHANNELS), _ID83_HEADINGS, 0)


_LAYOUTS: dict[str, _Layout] = {"DBS78": _dbs78_layout(), "ID83": _id83_layout()}


def _as_vector(values: npt.ArrayLike | pd.Series, channels: Sequence[str],
               name: str) -> npt.NDArray[np.float64]:
    """Values in ``channels`` order (a Series is aligned by label), checked finite."""
    if isinstance(values, pd.Series):
        missing = sorted(set(channels) - {str(label) for label in values.index})
        if missing:
            raise ValueError(f"{name}: expected the {len(channels)} channel labels, got a "
                             f"Series missing {len(missing)} of them (e.g. {missing[0]}).")
        values = values.set_axis([str(x) for x in values.index]).reindex(list(channels))
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (len(channels),) or not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: expected {len(channels)} finite values in standard order, "
                         f"got shape {array.shape}.")
    return array


def _class_spans(layout: _Layout) -> list[tuple[str, int, int]]:
    """(class, first bar, last bar) of each run of equal classes, in plotting order."""
    spans: list[tuple[str, int, int]] = []
    for bar, name in enumerate(layout.classes):
        if spans and spans[-1][0] == name:
            spans[-1] = (name, spans[-1][1], bar)
        else:
            spans.append((name, bar, bar))
    return spans


def _draw_class_bands(ax: Axes, layout: _Layout) -> None:
    """Coloured, labelled band above each class and, for ID83, the headings above those."""
    band = blended_transform_factory(ax.transData, ax.transAxes)
    spans = _class_spans(layout)
    for name, first, last in spans:
        colour = layout.colours[name]
        ax.add_patch(Rectangle((first - 0.4, 1.02), last - first + 0.8, 0.08, transform=band,
                               facecolor=colour, edgecolor="none", clip_on=False))
        dark = float(np.dot(to_rgb(colour), (0.2126, 0.7152, 0.0722))) < 0.4
        ax.text((first + last) / 2, 1.06, layout.class_labels[name], transform=band,
                ha="center", va="center", fontsize=6.5, fontweight="bold",
                color="white" if dark else "black")
    start = 0
    for heading, count in layout.headings:
        first, last = spans[start][1], spans[start + count - 1][2]
        ax.text((first + last) / 2, 1.13, heading, transform=band, ha="center", va="bottom",
                fontsize=7)
        start += count


def _draw_layout(ax: Axes, values: npt.NDArray[np.float64], layout: _Layout, *,
                 ylabel: str) -> None:
    """Draw a DBS78 or ID83 spectrum (values in channel order) into ``ax``."""
    colours = [layout.colours[name] for name in layout.classes]
    bars = PolyCollection(bar_vertices(values), facecolors=colours, linewidths=0,
                          gid=f"{layout.name.lower()}-bars")
    ax.add_collection(bars, autolim=False)
    set_peak(ax, float(values.max()) if len(values) else 0.0)
    ax.set_xlim(-0.7, len(values) - 0.3)
    _draw_class_bands(ax, layout)
    _draw_tick_glyphs(ax, layout)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(plain(ylabel), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def plot_dbs78(values: np.ndarray, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot one DBS78 spectrum in the community-standard layout and colours.

    Parameters
    ----------
    values : numpy.ndarray, shape (78,)
        One value per channel in :data:`sigforge.genomics.contexts.DBS78_CHANNELS` order, or a
        ``pandas.Series`` indexed by channel label (aligned by label).
    title : str
        Figure title, drawn literally.
    ylabel : str, default="Mutations"
        Y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        78 bars in ten classes by reference dinucleotide (AC>NN ... TT>NN), each bar labelled
        with its alternate dinucleotide. The bars are one ``PolyCollection`` with gid
        ``"dbs78-bars"``.

    Raises
    ------
    ValueError
        If ``values`` does not hold 78 finite numbers.
    """
    return _plot_layout(_as_vector(values, DBS78_CHANNELS, "values"), _LAYOUTS["DBS78"],
                        title=title, ylabel=ylabel)


def plot_id83(values: np.ndarray, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot one ID83 spectrum in the community-standard layout and colours.

    Parameters
    ----------
    values : numpy.ndarray, shape (83,)
        One value per channel in :data:`sigforge.genomics.contexts.ID83_CHANNELS` order, or a
        ``pandas.Series`` indexed by channel label (aligned by label).
    title : str
        Figure title, drawn literally.
    ylabel : str, default="Mutations"
        Y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        83 bars in 16 classes: 1bp C and T deletions and insertions by homopolymer length,
        longer deletions and insertions by repeat count, and microhomology deletions. The bars
        are one ``PolyCollection`` with gid ``"id83-bars"``.

    Raises
    ------
    ValueError
        If ``values`` does not hold 83 finite numbers.
    """
    return _plot_layout(_as_vector(values, ID83_CHANNELS, "values"), _LAYOUTS["ID83"],
                        title=title, ylabel=ylabel)


def _plot_layout(values: npt.NDArray[np.float64], layout: _Layout, *, title: str,
                 ylabel: str) -> Figure:
    """One-panel figure of a DBS78 or ID83 spectrum."""
    fig, ax = plt.subplots(figsize=(9, 2.8), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.12,
                        top=0.70 if layout.headings else 0.76)
    _draw_layout(ax, values, layout, ylabel=ylabel)
    fig.suptitle(title_text(title), fontsize=9)
    return fig


#: Points between the axis and the bar labels' glyphs (:func:`_draw_tick_glyphs`).
_TICK_GAP_POINTS = 2.0


@functools.lru_cache(maxsize=2)
def _tick_glyphs(name: str) -> list[mpath.Path]:
    """Each bar's label of layout ``name`` as a glyph outline in points, placed as monospace
    5.5-point tick labels would be: read upwards and ending just below the axis (DBS78), or
    upright and centred below it (ID83). One path collection renders several times faster
    than 78-83 text artists (as SBS96's labels, :mod:`sigforge.report.sbs96`)."""
    layout = _LAYOUTS[name]
    font = FontProperties(family="monospace", size=5.5)
    glyphs: dict[str, mpath.Path] = {}
    for tick in dict.fromkeys(layout.ticks):
        path = TextPath((0, 0), tick, prop=font)
        ink = path.get_extents()
        place = (Affine2D().translate(-ink.x1, -(ink.y0 + ink.y1) / 2).rotate_deg(90)
                 .translate(0, -_TICK_GAP_POINTS) if layout.tick_rotation == 90 else
                 Affine2D().translate(-(ink.x0 + ink.x1) / 2, -ink.y1 - _TICK_GAP_POINTS))
        glyphs[tick] = place.transform_path(path)
    return [glyphs[tick] for tick in layout.ticks]


def _draw_tick_glyphs(ax: Axes, layout: _Layout) -> None:
    """Each bar's label below the axis as one path collection (gid ``"{name}-ticks"``, lower
    case) in place of 78-83 text ticks, whose drawing was most of a DBS78 or ID83 figure's
    time (a report draws one per signature of every rank, twice: PNG and SVG)."""
    ax.set_xticks([])
    ax.add_collection(PathCollection(
        _tick_glyphs(layout.name), sizes=[1.0], facecolors="black", linewidths=0,
        offsets=np.column_stack([np.arange(len(layout.channels)),
                                 np.zeros(len(layout.channels))]),
        offset_transform=blended_transform_factory(ax.transData, ax.transAxes),
        transform=IdentityTransform(), clip_on=False, snap=False,
        gid=f"{layout.name.lower()}-ticks"), autolim=False)


def type_figure(name: str) -> Figure:
    """An empty DBS78 or ID83 spectrum (``name``) in the standard layout, its tick labels one
    path collection (gid ``"{name}-ticks"``, lower case), outside pyplot: made once and
    refilled for every patient page by :func:`fill_type_figure`, since making and rendering
    a fresh one per page cost several times a whole SBS96 patient figure."""
    layout = _LAYOUTS[name]
    fig = Figure(figsize=(9, 2.8), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.12,
                        top=0.70 if layout.headings else 0.76)
    ax = fig.subplots()
    _draw_layout(ax, np.zeros(len(layout.channels)), layout, ylabel="Mutations")
    return fig


def fill_type_figure(fig: Figure, values: pd.Series, *, title: str) -> Figure:
    """Set the bars (``values`` aligned by channel label), the y range and the title of a
    :func:`type_figure`."""
    name = next(n for n, layout in _LAYOUTS.items() if len(layout.channels) == len(values))
    ax = fig.axes[0]
    heights = _as_vector(values, _LAYOUTS[name].channels, "values")
    bars = next(c for c in ax.collections if c.get_gid() == f"{name.lower()}-bars")
    cast(PolyCollection, bars).set_verts(bar_vertices(heights))
    set_peak(ax, float(heights.max()) if len(heights) else 0.0)
    fig.suptitle(title_text(title), fontsize=9)
    return fig


def plot_spectrum(values: pd.Series, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot a labelled spectrum of any of SBS96, DBS78 or ID83, chosen by its labels.

    Parameters
    ----------
    values : pandas.Series
        Values indexed by channel label of one of the three channel sets, or of SBS288 or
        SBS1536 (drawn summed into SBS96, :func:`as_sbs96`).
    title : str
        Figure title, drawn literally.
    ylabel : str, default="Mutations"
        Y-axis label.

    Returns
    -------
    matplotlib.figure.Figure
        The channel set's standard plot (:func:`plot_sbs96`, :func:`plot_dbs78` or
        :func:`plot_id83`).

    Raises
    ------
    ValueError
        If the labels are not exactly one of the three channel sets.
    """
    values = as_sbs96(values)
    labels = {str(label) for label in values.index}
    if labels == set(SBS96_CHANNELS):
        return plot_sbs96(values, title=title, ylabel=ylabel)
    for name, layout in _LAYOUTS.items():
        if labels == set(layout.channels):
            return plot_dbs78(values, title=title, ylabel=ylabel) if name == "DBS78" else \
                plot_id83(values, title=title, ylabel=ylabel)
    raise ValueError(f"values: expected SBS96, DBS78 or ID83 channel labels, got "
                     f"{len(labels)} labels (e.g. {sorted(labels)[:2]}).")


def plot_spectra_panel(spectra: pd.DataFrame) -> Figure:
    """Several spectra of one channel set (one column each) stacked in one figure.

    SBS96 (and SBS288/SBS1536, summed into SBS96) uses
    :func:`sigforge.report.sbs96.plot_signature_panel`; DBS78 and ID83 one row per column in
    their standard layout, each named on its y axis.

    Raises
    ------
    ValueError
        If the rows are not the labels of a known channel set.
    """
    spectra = as_sbs96(spectra)
    labels = {str(label) for label in spectra.index}
    if labels == set(SBS96_CHANNELS):
        return plot_signature_panel(spectra)
    layout = next((lay for lay in _LAYOUTS.values() if labels == set(lay.channels)), None)
    if layout is None:
        raise ValueError(f"spectra: expected SBS96, DBS78 or ID83 channel labels, got "
                         f"{len(labels)} labels.")
    count = max(1, spectra.shape[1])
    height = 0.5 + 2.1 * count
    fig, axes = plt.subplots(count, 1, figsize=(9, height), dpi=DPI, squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.3 / height, top=1 - 0.55 / height,
                        hspace=0.9)
    for column, ax in enumerate(axes[:, 0]):
        if column >= spectra.shape[1]:
            ax.set_axis_off()
            continue
        values = _as_vector(spectra.iloc[:, column], layout.channels, "spectra")
        _draw_layout(ax, values, layout, ylabel=short(spectra.columns[column]))
    return fig

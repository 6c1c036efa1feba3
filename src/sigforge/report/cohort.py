"""Figures and self-contained HTML reports for one signature-extraction run.

Orientation follows the rest of the package: ``catalog`` is (n_channels, n_samples),
``signatures`` is (n_channels, n_signatures) and ``exposures`` is (n_signatures, n_samples).
Channel rows are labelled with SBS96 labels such as ``A[C>A]A`` and are aligned by label to
:data:`sigforge.genomics.contexts.SBS96_CHANNELS` before any plotting.

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
import multiprocessing as mp
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
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
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform, blended_transform_factory
from scipy.cluster import hierarchy

from sigforge.genomics.contexts import (
    BASES,
    DBS78_CHANNELS,
    ID83_CHANNELS,
    SBS96_CHANNELS,
    SBS96_INDEX,
    SUBSTITUTIONS,
)
from sigforge.genomics.samplesheet import file_stems as sample_file_stems
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
    reference_signatures : pandas.DataFrame or None, default=None
        The reference set (SBS96 rows, one column per reference signature) that
        ``decomposition`` names; with both, the cohort page draws each de novo signature
        beside the weighted sum of its components.
    other_catalogs : dict of str to pandas.DataFrame, default={}
        Further catalogs by channel set name (``"DBS78"``, ``"ID83"``), channels x samples;
        the cohort page shows each one's summed spectrum.
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
    reference_signatures: pd.DataFrame | None = None
    other_catalogs: dict[str, pd.DataFrame] = field(default_factory=dict)


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
    array = _as_sbs96_vector(values, "values")
    fig, ax = plt.subplots(figsize=(9, 2.6), dpi=_DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16, top=0.74)
    _draw_sbs96(ax, array, ylabel=ylabel)
    fig.suptitle(_plain(title), fontsize=9)
    return fig


# ---------------------------------------------------------------------------------------------
# DBS78 and ID83 spectra (SigProfilerPlotting's layout and colours)

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
    bars = PolyCollection(_bar_vertices(values), facecolors=colours, linewidths=0,
                          gid=f"{layout.name.lower()}-bars")
    ax.add_collection(bars, autolim=False)
    _set_peak(ax, float(values.max()) if len(values) else 0.0)
    ax.set_xlim(-0.7, len(values) - 0.3)
    _draw_class_bands(ax, layout)
    ax.set_xticks(np.arange(len(values)))
    ax.set_xticklabels(layout.ticks, rotation=layout.tick_rotation, fontsize=5.5,
                       family="monospace")
    ax.tick_params(axis="x", length=0, pad=1)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(_plain(ylabel), fontsize=8)
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
    fig, ax = plt.subplots(figsize=(9, 2.8), dpi=_DPI)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.12,
                        top=0.70 if layout.headings else 0.76)
    _draw_layout(ax, values, layout, ylabel=ylabel)
    fig.suptitle(_plain(title), fontsize=9)
    return fig


def plot_spectrum(values: pd.Series, *, title: str, ylabel: str = "Mutations") -> Figure:
    """Plot a labelled spectrum of any of SBS96, DBS78 or ID83, chosen by its labels.

    Parameters
    ----------
    values : pandas.Series
        Values indexed by channel label of one of the three channel sets.
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
    labels = {str(label) for label in values.index}
    if labels == set(SBS96_CHANNELS):
        return plot_sbs96(values, title=title, ylabel=ylabel)
    for name, layout in _LAYOUTS.items():
        if labels == set(layout.channels):
            return plot_dbs78(values, title=title, ylabel=ylabel) if name == "DBS78" else \
                plot_id83(values, title=title, ylabel=ylabel)
    raise ValueError(f"values: expected SBS96, DBS78 or ID83 channel labels, got "
                     f"{len(labels)} labels (e.g. {sorted(labels)[:2]}).")


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
    array = _aligned_rows(signatures, "signatures")
    count = max(1, array.shape[1])
    fig, axes = plt.subplots(count, 1, figsize=(9, 0.6 + 1.55 * count), dpi=_DPI,
                             squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.35 / (0.6 + 1.55 * count),
                        top=1 - 0.45 / (0.6 + 1.55 * count), hspace=0.55)
    for column, ax in enumerate(axes[:, 0]):
        if column >= array.shape[1]:
            ax.set_axis_off()
            continue
        _draw_sbs96(ax, array[:, column], ylabel=_short(signatures.columns[column]),
                    tick_labels=column == array.shape[1] - 1)
    return fig


def _cosine(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """Cosine similarity of two vectors; NaN when either is all zero."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else math.nan


def plot_reconstruction(observed: np.ndarray, reconstructed: np.ndarray, *, title: str,
                        cosine: float | None = None,
                        labels: tuple[str, str] = ("Observed", "Reconstructed")) -> Figure:
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
    labels : tuple of str, default=("Observed", "Reconstructed")
        Y-axis labels of the top and bottom panels.

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
    _draw_sbs96(top, first, ylabel=labels[0], tick_labels=False)
    _draw_sbs96(bottom, second, ylabel=labels[1])
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
    """The patient figure, created once and refilled for each sample.

    Creating a figure costs about as much as rendering it, so reports for hundreds of
    patients reuse one; use as a context manager so that it is closed. The figure's top panel
    is the observed SBS96 spectrum in the standard layout, so no separate spectrum figure is
    drawn (it would double the cost of every page and show the same bars twice).
    """

    def __init__(self) -> None:
        zeros = np.zeros(len(SBS96_CHANNELS))
        self.reconstruction = plot_reconstruction(zeros, zeros, title="", cosine=math.nan)

    def __enter__(self) -> _PatientFigures:
        return self

    def __exit__(self, *exc_info: object) -> None:
        plt.close(self.reconstruction)

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
    _stack_bars(ax, values, _signature_colours(len(exposures.index)),
                half_width=0.4 if n_samples < 200 else 0.5)
    handles = [Patch(facecolor=colour, label=_plain(name)) for name, colour in
               zip(exposures.index, _signature_colours(len(exposures.index)), strict=True)]
    _label_samples(ax, [str(sample) for sample in exposures.columns])
    ax.set_ylabel("Fraction of mutations" if relative else "Mutations", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7,
              frameon=False)
    return fig


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
    _set_peak(ax, float(bottom.max()) if n_samples else 0.0)


def _leaf_order(values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], Any]:
    """Average-linkage (Euclidean) leaf order of the rows of ``values`` and the linkage."""
    if len(values) < 2:
        return np.arange(len(values)), None
    linkage = hierarchy.linkage(values, method="average", metric="euclidean")
    return hierarchy.leaves_list(linkage), linkage


def plot_exposure_heatmap(exposures: pd.DataFrame) -> Figure:
    """Plot relative exposures as a heatmap with samples and signatures clustered.

    Parameters
    ----------
    exposures : pandas.DataFrame, shape (n_signatures, n_samples)
        Exposures in mutation counts; index = signature names, columns = sample names.

    Returns
    -------
    matplotlib.figure.Figure
        Each sample's exposures as fractions of its total, samples (columns) and signatures
        (rows) ordered by average-linkage hierarchical clustering
        (:func:`scipy.cluster.hierarchy.linkage`, Euclidean distance between fraction
        vectors), the sample dendrogram above and a colour bar on the right.
    """
    values = exposures.to_numpy(dtype=np.float64)
    totals = values.sum(axis=0)
    fractions = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    columns, linkage = _leaf_order(fractions.T)
    rows, _ = _leaf_order(fractions)
    n_signatures, n_samples = fractions.shape
    width = min(16.0, max(6.0, 2.5 + 0.22 * n_samples))
    fig = plt.figure(figsize=(width, 1.6 + 0.28 * n_signatures), dpi=_DPI, layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1, max(1.0, 0.28 * n_signatures)],
                            width_ratios=[1, 0.02])
    tree, heat, bar = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), \
        fig.add_subplot(grid[1, 1])
    fig.add_subplot(grid[0, 1]).set_axis_off()
    if linkage is not None:
        hierarchy.dendrogram(linkage, ax=tree, no_labels=True, color_threshold=0,
                             above_threshold_color="0.35")
        tree.set_xlim(0, 10 * n_samples)
    tree.set_axis_off()
    image = heat.imshow(fractions[np.ix_(rows, columns)], aspect="auto", cmap="viridis",
                        vmin=0.0, vmax=1.0, interpolation="nearest")
    heat.set_yticks(np.arange(n_signatures))
    heat.set_yticklabels([_plain(_short(exposures.index[r])) for r in rows], fontsize=7)
    _label_samples(heat, [str(exposures.columns[c]) for c in columns])
    heat.set_xlim(-0.5, n_samples - 0.5)
    cbar = fig.colorbar(image, cax=bar)
    cbar.set_label("Fraction of sample", fontsize=7)
    cbar.ax.tick_params(labelsize=6)
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
    fig, axes = plt.subplots(1, 2 + with_cv, figsize=(9 + 4 * with_cv, 3.2), dpi=_DPI,
                             layout="constrained")
    left, right = axes[0], axes[1]
    _plot_stability(left, rank_metrics)
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


def _plot_cross_validation(ax: Axes, rank_metrics: pd.DataFrame) -> None:
    """Held-out CV error (mean +- one standard error over folds) against k."""
    ranks = rank_metrics.index.to_numpy()
    ax.errorbar(ranks, rank_metrics["cv_error"], yerr=rank_metrics.get("cv_se"), fmt="o-",
                color="C4", capsize=3, label="held-out deviance")
    ax.set(title="Cross-validation", ylabel="Poisson deviance per hidden entry")
    ax.legend(fontsize=7, frameon=False)


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
    # Suffixes are appended, never substituted: the stem of sample 'P1.tumor' must not
    # become 'P1.png' and collide with the figures of 'P1.normal'.
    for suffix, payload in ((".png", png), (".svg", svg)):
        with atomic_write(f"{stem}{suffix}", mode="wb") as handle:
            handle.write(payload)
    relative = os.path.relpath(stem, page_dir)
    return _SavedFigure(alt=alt, png_base64=base64.b64encode(png).decode("ascii"),
                        png_href=_href(Path(f"{relative}.png")),
                        svg_href=_href(Path(f"{relative}.svg")))


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
        loader=jinja2.PackageLoader("sigforge.report", "templates"),
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
        "heatmap": _save_figure(plot_exposure_heatmap(exposures), figures / "exposures_heatmap",
                                out_dir, "Relative exposures, samples and signatures clustered"),
        "panel": _save_figure(plot_signature_panel(data.signatures),
                              figures / "signatures_panel", out_dir,
                              "All de novo signatures (SBS96)"),
        "other_catalogs": _other_catalog_figures(data, out_dir),
    }
    signature_figures = []
    for column, name in enumerate(prepared.signature_names):
        fig = plot_sbs96(prepared.signatures[:, column], title=name, ylabel="Probability")
        stem = figures / f"signature_{column + 1}_{re.sub(r'[^A-Za-z0-9_-]', '_', name)}"
        signature_figures.append(_save_figure(fig, stem, out_dir, f"Spectrum of {name}"))
    saved["signatures"] = signature_figures
    saved["decompositions"] = _decomposition_figures(prepared, out_dir)
    return saved


def _other_catalog_figures(data: CohortData, out_dir: Path) -> list[_SavedFigure]:
    """The cohort's summed DBS78 / ID83 spectra, in the order given."""
    saved = []
    for name, catalog in data.other_catalogs.items():
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", str(name))
        total = catalog.sum(axis=1)
        fig = plot_spectrum(total, title=f"{name}: all samples ({_fmt_int(total.sum())} "
                                         f"mutations, {catalog.shape[1]:,} samples)")
        saved.append(_save_figure(fig, out_dir / "figures" / f"catalog_{safe}", out_dir,
                                  f"Summed {name} spectrum of the cohort"))
    return saved


def _components(text: str) -> dict[str, float]:
    """Parse ``NAME:weight;NAME:weight`` into a dict."""
    parts = (item.partition(":") for item in str(text).split(";"))
    return {name: float(weight) for name, _, weight in parts if name}


def _decomposition_figures(prepared: _Prepared, out_dir: Path) -> dict[str, _SavedFigure]:
    """Per de novo signature: its spectrum above the weighted sum of its COSMIC components.

    Needs both ``decomposition`` and ``reference_signatures``; signatures whose components
    are not all in the reference table are left out.
    """
    table, reference = prepared.data.decomposition, prepared.data.reference_signatures
    if table is None or reference is None:
        return {}
    reference = reference.set_axis([str(x) for x in reference.index], axis=0)
    saved = {}
    for column, name in enumerate(prepared.signature_names):
        if name not in table.index:
            continue
        weights = _components(str(table.at[name, "components"]))
        if not weights or not set(weights) <= {str(c) for c in reference.columns}:
            continue
        mix = reference.loc[list(SBS96_CHANNELS), list(weights)].to_numpy(np.float64) @ \
            np.array(list(weights.values()))
        label = " + ".join(f"{weight:.2f}\u00d7{ref}" for ref, weight in weights.items())
        fig = plot_reconstruction(prepared.signatures[:, column], mix,
                                  title=f"{name} \u2248 {label}",
                                  cosine=float(table.at[name, "cosine"]),
                                  labels=("De novo", "COSMIC mix"))
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)
        saved[name] = _save_figure(fig, out_dir / "figures" / f"decomposition_{column + 1}_{safe}",
                                   out_dir, f"{name} and its COSMIC decomposition")
    return saved


def _cohort_context(prepared: _Prepared, out_dir: Path,
                    file_stems: Mapping[str, str]) -> dict[str, Any]:
    """Everything the cohort template displays, as strings and saved figures."""
    data = prepared.data
    figures = _cohort_figures(prepared, out_dir)
    signatures = _signature_rows(prepared)
    decompositions = figures.pop("decompositions")
    for row, figure in zip(signatures, figures.pop("signatures"), strict=True):
        row["figure"] = figure
        row["decomposition_figure"] = decompositions.get(row["name"])
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
    if row["reference"] == row["signature"]:
        return f"{subject} is itself a COSMIC reference signature"
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
    """Draw and save the observed and reconstructed spectra of one sample."""
    column = prepared.column_of[sample]
    observed = prepared.catalog[:, column]
    reconstructed = prepared.signatures @ prepared.exposures[:, column]
    cosine = prepared.cosine[sample]
    stem, page_dir = out_dir / "figures" / "patients" / file_stem, out_dir / "patients"
    fit = figures.draw_reconstruction(observed, reconstructed, title=sample, cosine=cosine)
    return {
        "reconstruction": _save_figure(
            fit, stem.with_name(f"{file_stem}_spectrum"), page_dir,
            "Observed SBS96 spectrum (top) and its reconstruction from the signatures (bottom)",
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


#: Below this many samples, patient pages are drawn in the calling process.
_PARALLEL_FROM = 32
_MAX_WORKERS = 8
_WORKER_STATE: dict[str, Any] = {}


def _worker_count(workers: int | None, n_samples: int) -> int:
    """Processes to use for ``n_samples`` patient pages (see :func:`write_reports`)."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers: expected a positive number, got {workers}.")
        return min(workers, max(1, n_samples))
    if n_samples < _PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        return 1
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    return max(1, min(available, _MAX_WORKERS))


def _init_worker(prepared: _Prepared, out_dir: Path, file_stems: Mapping[str, str]) -> None:
    """Give a worker process its data and its own reusable figures."""
    _WORKER_STATE.update(prepared=prepared, out_dir=out_dir, file_stems=file_stems,
                         figures=_PatientFigures())


def _write_chunk(samples: Sequence[str]) -> int:
    """Write the pages of ``samples`` in a worker process; returns how many."""
    state = _WORKER_STATE
    for sample in samples:
        _write_patient(state["prepared"], sample, state["out_dir"],
                       state["file_stems"][sample], state["figures"])
    return len(samples)


def _write_patients(prepared: _Prepared, out_dir: Path, file_stems: Mapping[str, str],
                    workers: int) -> None:
    """Write every patient page, in ``workers`` forked processes when more than one.

    Figures are drawn by matplotlib, which holds the GIL, so pages are split over processes
    (forked, so that the prepared data is shared rather than pickled) in chunks of a few
    pages each, reusing one pair of figures per process.
    """
    samples = list(prepared.samples)
    if workers <= 1:
        with _PatientFigures() as figures:
            for sample in samples:
                _write_patient(prepared, sample, out_dir, file_stems[sample], figures)
        return
    size = max(1, min(16, len(samples) // (4 * workers)))
    chunks = [samples[i:i + size] for i in range(0, len(samples), size)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker,
                             initargs=(prepared, out_dir, dict(file_stems))) as pool:
        written = sum(pool.map(_write_chunk, chunks))
    if written != len(samples):
        raise RuntimeError(f"wrote {written} of {len(samples)} patient pages.")


def _write_cohort(prepared: _Prepared, out_dir: Path, file_stems: Mapping[str, str]) -> Path:
    """Write the cohort page from already-checked data."""
    context = _cohort_context(prepared, out_dir, file_stems)
    path = _write_page("cohort.html.j2", out_dir / "cohort.html", context)
    logger.info("Wrote cohort report %s", path)
    return path


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
        derives them with :func:`sigforge.genomics.samplesheet.file_stems`, the rule the
        workflow and the CLI use (names whose stems collide are refused). :func:`write_reports`
        passes its own stems.

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
    stems = sample_file_stems(list(prepared.samples), "catalog") if file_stems is None \
        else file_stems
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


def write_reports(data: CohortData, out_dir: str | Path, file_stems: dict[str, str], *,
                  workers: int | None = None) -> Path:
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
    workers : int or None, default=None
        Processes drawing patient pages. None uses the CPUs this process may run on (its
        affinity mask, which SLURM and taskset restrict; at most 8), and one process for
        fewer than 32 samples. Pages are identical whatever the number.

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
    _write_patients(prepared, out_dir, file_stems, _worker_count(workers, len(prepared.samples)))
    logger.info("Wrote %d patient reports under %s", len(prepared.samples), out_dir / "patients")
    return _write_cohort(prepared, out_dir, file_stems)

"""The doublet (DBS78) and indel (ID83) sections of a per-patient page.

The page's main sections read the SBS96 refit; a tumour's doublets and indels carry their own
signatures (tobacco's DBS2 and ID3, UV's DBS1 and ID13, mismatch repair's ID1/ID2), so each
type the reference set covers gets a section of its own: the observed spectrum, the refit's
exposures with their intervals, and how well they reconstruct the spectrum. A type without a
single mutation says so instead of showing an empty fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sigforge._maths import cosine_similarity
from sigforge.report.established import conditional_aetiology
from sigforge.report.figures import save_figure
from sigforge.report.patient_rows import (
    WITHHELD_AETIOLOGY,
    balance_shown,
    exposure_row,
    interval_label,
    interval_settings,
    split_found,
    too_few_resamples,
)
from sigforge.report.spectra import fill_type_figure, type_figure
from sigforge.report.tables import fmt_float, fmt_int

if TYPE_CHECKING:
    from sigforge.report.context_data import ContextResults

#: Page titles of the mutation types with a section of their own.
TYPE_TITLES = {"DBS78": "Doublet base substitutions (DBS78)", "ID83": "Small indels (ID83)"}


@dataclass(frozen=True)
class TypeRefit:
    """One patient's refit of one mutation type to the reference set.

    Attributes
    ----------
    context : str
        The channel set, a key of :data:`TYPE_TITLES`.
    catalog : pandas.Series
        The patient's counts, indexed by channel.
    exposures : pandas.Series
        Mutations attributed to each reference signature.
    cosine : float
        Cosine of the counts and their reconstruction (NaN without mutations).
    intervals : pandas.DataFrame or None
        The refit's interval rows of this patient (signature, lower, upper, presence, and
        the ``confidence`` and ``resamples`` they were computed at when recorded).
    in_regions : int or None
        How many of these mutations lie in the regions of interest (None: no regions given).
    signatures : pandas.DataFrame or None
        The reference signatures refitted to (channels x signatures), which give each
        mutation in the regions of interest its most likely signature (None: not kept).
    """

    context: str
    catalog: pd.Series
    exposures: pd.Series
    cosine: float
    intervals: pd.DataFrame | None = None
    in_regions: int | None = None
    signatures: pd.DataFrame | None = None


def _interval(refit: TypeRefit, signature: str) -> tuple[float, float, float]:
    """(lower, upper, presence) of one signature, NaN without intervals."""
    if refit.intervals is None:
        return (np.nan, np.nan, np.nan)
    row = refit.intervals[refit.intervals["signature"] == signature]
    if row.empty:
        return (np.nan, np.nan, np.nan)
    first = row.iloc[0]
    return (float(first["lower"]), float(first["upper"]), float(first["presence"]))


def type_section(refit: TypeRefit, out_dir: Path, file_stem: str,
                 aetiology: Mapping[str, str], withheld: bool = False) -> dict[str, Any]:
    """The template context of one type's section, its spectrum saved beside the page's
    figures (``out_dir/figures/patients/{file_stem}_{context}``).

    The SNV section's rules hold here too: without intervals, or with too few resamples,
    every used signature is uncertain; without intervals, or when the page states no finding
    (``withheld``: :mod:`sigforge.report.fit_support`), no aetiology is shown either."""
    burden = float(refit.catalog.sum())
    confidence, resamples = interval_settings(refit.intervals)
    few = too_few_resamples(confidence, resamples)
    withheld = withheld or refit.intervals is None
    section: dict[str, Any] = {"context": refit.context, "id": refit.context.lower(),
                               "title": TYPE_TITLES[refit.context],
                               "burden": fmt_int(burden), "has_mutations": burden > 0,
                               "cosine": fmt_float(refit.cosine),
                               "has_intervals": refit.intervals is not None,
                               "interval_label": interval_label(confidence),
                               "few_resamples": few}
    if burden == 0:
        return {**section, "exposures": [], "absent": [], "figure": None}
    total = float(refit.exposures.sum())
    rows = [exposure_row(str(name), float(value), total, _interval(refit, str(name)),
                         (str(name), 1.0), aetiology, not (few or withheld))
            for name, value in refit.exposures.items()]
    rows = balance_shown(rows)
    if withheld:
        rows = [{**row, "aetiology": WITHHELD_AETIOLOGY, "close_match": False} for row in rows]
    else:
        rows = [conditional_aetiology(row) for row in rows]
    found, absent = split_found(rows)
    stem = out_dir / "figures" / "patients" / f"{file_stem}_{refit.context}"
    drawn = fill_type_figure(_figure(refit.context), refit.catalog,
                             title=f"{refit.catalog.name}: {refit.context} spectrum")
    figure = save_figure(drawn, stem, out_dir / "patients",
                         f"Observed {refit.context} spectrum of {refit.catalog.name}",
                         close=False)
    return {**section, "exposures": found, "absent": absent, "figure": figure}


#: This process's spectrum figure of each type, made once (:func:`type_figure`), refilled
#: for every page: hundreds of pages would otherwise each make and render two new figures.
_FIGURES: dict[str, Figure] = {}


def _figure(context: str) -> Figure:
    """This process's reusable spectrum figure of ``context``."""
    if context not in _FIGURES:
        _FIGURES[context] = type_figure(context)
    return _FIGURES[context]


def type_sections(refits: Sequence[TypeRefit], out_dir: Path, file_stem: str,
                  aetiology: Mapping[str, str], withheld: bool = False
                  ) -> list[dict[str, Any]]:
    """The sections of every type refitted, in the order given (``withheld``: the page
    states no finding, :func:`type_section`)."""
    return [type_section(refit, out_dir, file_stem, aetiology, withheld) for refit in refits]


def cohort_type_refits(contexts: Sequence[ContextResults], sample: str) -> list[TypeRefit]:
    """A cohort patient's doublet and indel refits, as ``refit --vcf`` gives a patient's: each
    type's refit to the reference set (``refit/{type}/reference/``, with its intervals), in
    page order. A type without that refit, or whose reference lacks a signature it used, has
    no section (its cohort section still shows it)."""
    refits = []
    for context in contexts:
        exposures = context.reference_exposures
        if (context.name not in TYPE_TITLES or exposures is None or context.reference is None
                or sample not in exposures.columns or sample not in context.catalog.columns
                or not exposures.index.isin(context.reference.columns).all()):
            continue
        counts = context.catalog[sample]
        values = exposures[sample].astype(np.float64)
        fitted = context.reference.loc[counts.index, values.index].to_numpy() @ values.to_numpy()
        cosine = (float(cosine_similarity(counts.to_numpy(np.float64), fitted))
                  if counts.sum() > 0 and fitted.sum() > 0 else np.nan)
        intervals = context.reference_intervals
        if intervals is not None:
            intervals = intervals.loc[intervals.index == sample]
        refits.append(TypeRefit(context.name, counts, values, cosine, intervals))
    return refits

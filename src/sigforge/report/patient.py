"""Patient pages: one self-contained HTML page per sample, drawn by a pool of processes.

Each page shows the sample's exposures (largest first, with bootstrap intervals when the refit
wrote them; unused signatures collapsed), a plain-language reading of its numbers that states
only established signatures (:mod:`.patient_rows` makes those decisions), its observed SBS96
spectrum above the reconstruction and the residual, and, when given, its variants in regions
of interest. One reconstruction figure per process is refilled for
every sample, and pages are split over forked processes for large cohorts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.report.cohort_data import CohortData, Prepared, prepare, reference_of
from sigforge.report.context_data import unreproduced_aetiology
from sigforge.report.established import (
    conditional_aetiology,
    mark_unestablished,
    unestablished,
)
from sigforge.report.figures import plt, save_figure
from sigforge.report.fit_support import (
    Support,
    WiderFit,
    fit_support,
    no_intervals_support,
    non_selecting_support,
)
from sigforge.report.pages import IsolatedNames, check_stem, page_counts_tag, write_page
from sigforge.report.patient_accounting import variant_accounting
from sigforge.report.patient_rows import (
    AETIOLOGY_MIN_COSINE,
    FEW_RESAMPLES_TITLE,
    UNCERTAIN_TITLE,
    WITHHELD_AETIOLOGY,
    balance_shown,
    describe_sample,
    exposure_row,
    few_resamples_warning,
    interval_label,
    interval_settings,
    region_headers,
    region_rows,
    shared_matches,
    split_found,
    too_few_resamples,
    unattributed_types,
    unexplained_count,
    unexplained_share,
)
from sigforge.report.patient_types import TypeRefit, cohort_type_refits, type_sections
from sigforge.report.sbs96 import fill_reconstruction, plot_reconstruction
from sigforge.report.tables import fmt_float, fmt_int, fmt_percent

logger = logging.getLogger(__name__)


def caveat_text(label: str) -> str:
    """The page's closing caution, naming the matched set (``COSMIC``, or ``reference``)."""
    return (f"A signature's resemblance to a {label} signature, and that {label} signature's "
            "proposed link to a mutational process, are statistical associations. They are "
            "not proof that the process caused the mutations in this sample.")


CAVEAT = caveat_text("COSMIC")


class PatientFigures:
    """The patient figure, created once and refilled for each sample.

    Creating a figure costs about as much as rendering it, so reports for hundreds of
    patients reuse one; use as a context manager so that it is closed. The figure's top panel
    is the observed SBS96 spectrum in the standard layout, so no separate spectrum figure is
    drawn (it would double the cost of every page and show the same bars twice).
    """

    def __init__(self) -> None:
        zeros = np.zeros(len(SBS96_CHANNELS))
        self.reconstruction = plot_reconstruction(zeros, zeros, title="", cosine=math.nan)

    def __enter__(self) -> PatientFigures:
        return self

    def __exit__(self, *exc_info: object) -> None:
        plt.close(self.reconstruction)

    def draw_reconstruction(self, observed: npt.NDArray[np.float64],
                            reconstructed: npt.NDArray[np.float64], *, title: str,
                            cosine: float) -> Figure:
        """The observed-versus-reconstructed figure for one sample."""
        fill_reconstruction(self.reconstruction, observed, reconstructed, title=title,
                            cosine=cosine)
        return self.reconstruction


def _interval_rows(prepared: Prepared, sample: str) -> pd.DataFrame | None:
    """The interval rows of one sample; None without intervals (or none for the sample)."""
    intervals = prepared.data.intervals
    if intervals is None or sample not in intervals.index:
        return None
    return intervals.loc[[sample]]


def _sample_intervals(prepared: Prepared, sample: str) -> dict[str, tuple[float, float, float]]:
    """Signature -> (lower, upper, presence) of one sample; empty without intervals."""
    rows = _interval_rows(prepared, sample)
    if rows is None:
        return {}
    return {str(sig): (float(lo), float(hi), float(pr)) for sig, lo, hi, pr in zip(
        rows["signature"], rows["lower"], rows["upper"], rows["presence"], strict=True)}


def _patient_exposures(prepared: Prepared, sample: str,
                       enough_resamples: bool = True) -> list[dict[str, Any]]:
    """Per-signature mutations, fractions, intervals and reference matches of one sample
    (``enough_resamples`` False: every used signature uncertain, see
    :func:`~sigforge.report.patient_rows.too_few_resamples`).

    Every signature gets a row; the page orders and collapses them (see
    :mod:`sigforge.report.patient_rows`).
    """
    values = prepared.exposures[:, prepared.column_of[sample]]
    total = float(values.sum())
    intervals = _sample_intervals(prepared, sample)
    rows = [exposure_row(name, float(value), total,
                         intervals.get(name, (np.nan, np.nan, np.nan)),
                         reference_of(prepared, name), prepared.data.aetiology,
                         enough_resamples, prepared.data.match_label)
            for name, value in zip(prepared.signature_names, values, strict=True)]
    shared = shared_matches(prepared.matches)
    for row in rows:
        row["shared_with"] = ", ".join(shared.get(row["signature"], []))
    return [_withheld(conditional_aetiology(_with_mixture(row, prepared)), prepared)
            for row in balance_shown(rows)]


def _page_source(prepared: Prepared) -> str:
    """The path of a per-patient page's VCF as given (its ``sigforge-source`` tag, which
    ``report --patients-dir`` checks); empty for a cohort's pages. Not made absolute: a page
    must be the same bytes wherever the run's folder lies."""
    return str(prepared.data.run_info.get("VCF", ""))


def _uncounted_types(prepared: Prepared, other_types: Sequence[TypeRefit]) -> list[str]:
    """DBS78 and ID83 when a cohort report's catalogs did not count them (its ``contexts``
    lack them): the page must not read as a sample without doublets or indels. None for a
    per-patient page (``other_types`` given: its VCF is counted for every type)."""
    contexts = {ctx.name for ctx in prepared.data.contexts}
    if other_types or not contexts:
        return []
    return [name for name in ("DBS78", "ID83") if name not in contexts]


def _withheld(row: dict[str, Any], prepared: Prepared) -> dict[str, Any]:
    """A row of a de novo signature the bootstrap did not reproduce (stability below the
    rank rule's least, kept by a fallback rank): its aetiology is not stated, as in the
    cohort report's signature table."""
    sbs96 = next((ctx for ctx in prepared.data.contexts if ctx.name == "SBS96"), None)
    least = prepared.data.stability_threshold if sbs96 is None else \
        sbs96.thresholds.get("min_component_stability")
    text = unreproduced_aetiology(row["signature"], prepared.data.stability, least)
    return row if text is None else {**row, "aetiology": text}


#: Weight from which a COSMIC component of a de novo signature's decomposition is a part of
#: it worth naming: a signature 57% SBS7a and 43% SBS4 is not the UV signature alone.
MIX_SHARE = 0.2


def mixture(components: str, least: float = MIX_SHARE) -> list[tuple[str, float]]:
    """The parts of a decomposition (``NAME:weight;...``, as ``decomposition.tsv`` writes
    it) of weight at least ``least``, largest first; empty when fewer than two are."""
    parts = []
    for item in str(components).split(";"):
        name, _, weight = item.rpartition(":")
        try:
            parts.append((name, float(weight)))
        except ValueError:
            continue
    parts = sorted([p for p in parts if p[0] and p[1] >= least], key=lambda p: -p[1])
    return parts if len(parts) >= 2 else []


def _with_mixture(row: dict[str, Any], prepared: Prepared) -> dict[str, Any]:
    """A de novo signature whose decomposition into the reference set mixes two or more (each at
    least :data:`MIX_SHARE`): its aetiology cell names every part with its own aetiology,
    rather than that of its best single match alone."""
    table = prepared.data.decomposition
    if (table is None or not row["close_match"] or row["signature"] not in table.index
            or "components" not in table.columns):
        return row
    text = mixture_aetiology(table.loc[row["signature"], "components"],
                             prepared.data.aetiology, prepared.data.match_label)
    return row if text is None else {**row, "aetiology": text}


def mixture_aetiology(components: str, aetiology: Mapping[str, str],
                      label: str = "reference") -> str | None:
    """The aetiology cell of a signature whose decomposition (``NAME:weight;...``) mixes
    two or more signatures of the set ``label`` names (:func:`mixture`): every part with its
    own aetiology; None when it is no mix. The cohort report and the patient pages share it."""
    parts = mixture(components)
    if not parts:
        return None
    named = "; ".join(f"{name} {weight:.0%}" + (f" ({aetiology[name]})"
                                                   if aetiology.get(name) else "")
                      for name, weight in parts)
    return f"a mix of {label} signatures: {named}"


def _interval_context(intervals: pd.DataFrame | None) -> dict[str, Any]:
    """How the page presents a sample's intervals: the column heading with their level, the
    badge's tooltip, and the warning (None when there is nothing to warn about) when they
    rest on too few resamples to establish anything."""
    confidence, resamples = interval_settings(intervals)
    few = too_few_resamples(confidence, resamples)
    warning = (few_resamples_warning(confidence, resamples)
               if few and confidence is not None and resamples is not None else None)
    return {"interval_label": interval_label(confidence), "few_resamples": few,
            "few_resamples_warning": warning,
            "uncertain_title": FEW_RESAMPLES_TITLE if few else UNCERTAIN_TITLE}


#: Rows of the regions-of-interest table a patient page lists (regions_of_interest.tsv has
#: them all): 100,000 regions made a 12 MB page, a million one that took minutes to write.
PAGE_REGION_ROWS = 1_000


def _regions_context(regions: pd.DataFrame | None,
                     other_types: Sequence[TypeRefit]) -> dict[str, Any]:
    """The regions-of-interest section: its rows (None: no section) and their headings; the
    types listed without a signature (not refitted); for a table of SNVs alone, the doublets
    and indels the regions hold, which it does not list ((context, count) pairs of the types
    whose count is known, and their total)."""
    if regions is None:
        return {"regions": None, "regions_other": [], "regions_other_total": 0,
                "regions_typed": False, "region_headers": [], "regions_unattributed": [],
                "regions_total": 0, "regions_unexplained": 0, "regions_skipped": []}
    typed = "type" in regions.columns  # doublets and indels listed: nothing left to count
    other = [] if typed else [(refit.context, int(refit.in_regions)) for refit in other_types
                              if refit.in_regions is not None]
    return {"regions": region_rows(regions.iloc[:PAGE_REGION_ROWS]), "regions_other": other,
            "regions_other_total": sum(count for _, count in other), "regions_typed": typed,
            "region_headers": region_headers(regions),
            "regions_unattributed": unattributed_types(regions), "regions_total": len(regions),
            "regions_unexplained": unexplained_count(regions),
            "regions_skipped": sorted(regions.attrs.get("skipped", {}).items())}


def _patient_fit(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                 figures: PatientFigures) -> dict[str, Any]:
    """Draw and save the observed, reconstructed and residual spectra of one sample.

    Returns the saved figure and the fit's numbers as page text: the cosine and the share of
    mutations the reconstruction leaves unexplained.
    """
    column = prepared.column_of[sample]
    observed = prepared.catalog[:, column]
    reconstructed = prepared.signatures @ prepared.exposures[:, column]
    cosine = prepared.cosine[sample]
    stem, page_dir = out_dir / "figures" / "patients" / file_stem, out_dir / "patients"
    fit = figures.draw_reconstruction(observed, reconstructed, title=sample, cosine=cosine)
    saved = save_figure(fit, stem.with_name(f"{file_stem}_spectrum"), page_dir,
                        "Observed SBS96 spectrum (top), its reconstruction from the signatures "
                        "(middle) and the residual, observed minus reconstructed (bottom)",
                        close=False)
    return {"figure": saved, "cosine": fmt_float(cosine),
            "unexplained": fmt_percent(unexplained_share(observed, reconstructed))}


def _reading(burden: int, rows: Sequence[Mapping[str, Any]], cosine: float,
             few_resamples: bool, withheld: str | None = None) -> list[Any]:
    """The Reading's sentences as markup, each signature name in ``<bdi>``."""
    names = IsolatedNames()
    return [names.markup(sentence) for sentence in describe_sample(
        burden, rows, cosine, few_resamples=few_resamples, withheld=withheld,
        name=names.token)]


def _support(prepared: Prepared, sample: str) -> Support | None:
    """Why the page may state no finding beyond what each interval says (None: it may):
    no intervals at all, or a fit no better than a flat spectrum or poorer than counting
    noise (:mod:`sigforge.report.fit_support`). Too few resamples has its own warning, shown
    beside this one: rerunning with more resamples does not make a fit of one channel, or
    one no better than a flat spectrum, say more."""
    column = prepared.column_of[sample]
    observed = prepared.catalog[:, column]
    if float(observed.sum()) <= 0:
        return None
    if prepared.data.intervals is None:
        return no_intervals_support()
    exposures = prepared.exposures[:, column]
    support = fit_support(observed, prepared.signatures @ exposures, prepared.cosine[sample],
                          int((exposures > 0).sum()), prepared.data.restricted,
                          _wider_fit(prepared, sample),
                          [str(label) for label in prepared.data.catalog.index])
    return support if support or prepared.data.selecting_method else non_selecting_support()


def _wider_fit(prepared: Prepared, sample: str) -> WiderFit | None:
    """The sample's refit to the reference set (``reference_signatures`` and
    ``reference_exposures``: the cohort's COSMIC refit, or the patient's to the set behind
    its signatures), for :func:`~sigforge.report.fit_support.fit_support`; None without
    one."""
    data = prepared.data
    if data.reference_signatures is None or data.reference_exposures is None \
            or sample not in data.reference_exposures.columns:
        return None
    reference = data.reference_signatures.reindex(data.catalog.index)
    if reference.isna().to_numpy().any():
        return None
    exposures = data.reference_exposures[sample].reindex(reference.columns).fillna(0.0)
    own = set(prepared.signature_names)
    named = own & {str(name) for name in reference.columns}  # de novo names: none to list
    lacking = tuple(str(name) for name, value in exposures.sort_values(
        ascending=False, kind="stable").items()
        if value > 0 and str(name) not in own) if named else ()
    total = float(exposures.sum())
    outside = float(exposures[[str(name) in set(lacking) for name in exposures.index]].sum())
    return WiderFit(reference.to_numpy(np.float64) @ exposures.to_numpy(np.float64),
                    int((exposures > 0).sum()), data.reference_name, lacking,
                    outside / total if total > 0 else 0.0)


def _patient_context(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                     figures: PatientFigures, regions: pd.DataFrame | None,
                     other_types: Sequence[TypeRefit] = ()) -> dict[str, Any]:
    """Figures, tables and reading of one patient page."""
    burden, cosine = prepared.burden[sample], prepared.cosine[sample]
    intervals = _interval_context(_interval_rows(prepared, sample))
    support = _support(prepared, sample)
    if support is not None:
        intervals["uncertain_title"] = support.title
    rows = _patient_exposures(prepared, sample,
                              not intervals["few_resamples"] and support is None)
    if support is not None:  # the signatures' aetiologies say nothing of this sample
        rows = [{**row, "aetiology": WITHHELD_AETIOLOGY, "close_match": False} for row in rows]
    found, absent = split_found(rows)
    types = type_sections(other_types or cohort_type_refits(prepared.data.contexts, sample),
                          out_dir, file_stem, prepared.data.aetiology,
                          withheld=support is not None)
    uncertain = {"SBS96": unestablished(rows),
                 **{t["context"]: unestablished([*t["exposures"], *t["absent"]]) for t in types}}
    regions, marked = (None, 0) if regions is None else mark_unestablished(regions, uncertain)
    return {
        **intervals, **_regions_context(regions, other_types),
        "regions_unestablished": marked,
        **variant_accounting(prepared.data.catalog_log, sample),
        "support_warning": None if support is None else support.warning,
        "regions_withheld": support is not None or intervals["few_resamples"],
        "sample": sample, "burden": fmt_int(burden), "cosine": fmt_float(cosine),
        "fit": _patient_fit(prepared, sample, out_dir, file_stem, figures),
        "exposures": found, "absent": absent,
        "has_intervals": prepared.data.intervals is not None,
        "has_aetiology": bool(prepared.data.aetiology),
        "aetiology_min_cosine": f"{AETIOLOGY_MIN_COSINE:g}",
        "rank_caution": prepared.data.rank_caution, "rank_edge": prepared.data.rank_edge,
        "rank_rule": prepared.data.rank_rule, "chosen_rank": str(prepared.data.chosen_rank),
        "cohort_link": prepared.data.cohort_link,
        "reading": _reading(burden, rows, cosine, intervals["few_resamples"],
                            None if support is None else support.reason),
        "caveat": caveat_text(prepared.data.match_label),
        "match_label": prepared.data.match_label,
        "other_types": types,
        "run_info": [(str(key), str(value)) for key, value in prepared.data.run_info.items()],
        "page_source": _page_source(prepared),
        "page_counts": page_counts_tag(prepared.data.catalog_log, sample)
        if _page_source(prepared) else "",
        "uncounted_types": _uncounted_types(prepared, other_types),
        "unrefitted_types": [] if other_types else [
            ctx.name for ctx in prepared.data.contexts
            if ctx.name in ("DBS78", "ID83") and ctx.reference_exposures is None],
    }


def write_patient_page(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                       figures: PatientFigures, regions: pd.DataFrame | None = None,
                       other_types: Sequence[TypeRefit] = ()) -> Path:
    """Write one patient page from already-checked data, drawing into reused figures."""
    check_stem(file_stem)
    if sample not in prepared.column_of:
        raise ValueError(f"sample: expected one of the catalog's samples, got {sample!r}.")
    context = _patient_context(prepared, sample, out_dir, file_stem, figures, regions,
                               other_types)
    path = write_page("patient.html.j2", out_dir / "patients" / f"{file_stem}.html", context)
    logger.debug("Wrote patient report %s", path)
    return path


def write_patient_report(data: CohortData, sample: str, out_dir: str | Path,
                         file_stem: str, *, regions: pd.DataFrame | None = None,
                         other_types: Sequence[TypeRefit] = ()) -> Path:
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
    regions : pandas.DataFrame or None, default=None
        The sample's variants in regions of interest (``regions_of_interest.tsv``: columns
        region, chrom, pos, ref, alt, context, channel, signature, probability; as ``refit
        --vcf`` writes it also region_chrom, region_start, region_end and type, and then its
        doublets and indels are rows too). None leaves the section out; an empty table says
        that no counted variant falls in the regions. For a table of SNVs alone, the doublets
        and indels the regions hold are counted by ``other_types``' ``in_regions``.
    other_types : sequence of TypeRefit, default=()
        The patient's doublet and indel refits: one section each (see
        :mod:`sigforge.report.patient_types`).

    Returns
    -------
    pathlib.Path
        The HTML file written.

    Raises
    ------
    ValueError
        If the sample is unknown, the stem is unsafe, the tables' labels disagree, or
        ``regions`` lacks a column.
    """
    prepared = prepare(data)
    with PatientFigures() as figures:
        return write_patient_page(prepared, sample, Path(out_dir), file_stem, figures, regions,
                              other_types)

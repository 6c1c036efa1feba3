"""The cohort page: run summary, catalog, rank selection, signatures, exposures and links.

This module only displays results: it never selects ranks or refits exposures. Every figure
is inlined as a base64 PNG (the page references no external URL, font or script) and also
saved as PNG and SVG under ``figures/`` for use in papers. :func:`write_reports` writes the
cohort page and every patient page (:mod:`sigforge.report.patient`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.samplesheet import file_stems as sample_file_stems
from sigforge.report.cohort_data import CohortData, Prepared, check_stems, prepare, reference_of
from sigforge.report.figures import (
    SavedFigure,
    plot_exposure_heatmap,
    plot_exposures,
    plot_rank_selection,
    save_figure,
)
from sigforge.report.pages import href, safe_name, write_page
from sigforge.report.patient import worker_count, write_patient_report, write_patients
from sigforge.report.patient_rows import AETIOLOGY_MIN_COSINE, aetiology_text, is_close_match
from sigforge.report.reference_refit import reference_refit_context
from sigforge.report.sbs96 import plot_reconstruction, plot_sbs96, plot_signature_panel
from sigforge.report.spectra import plot_spectrum
from sigforge.report.tables import MISSING, Table, fmt_float, fmt_int, frame_table

__all__ = ["CohortData", "write_cohort_report", "write_patient_report", "write_reports"]

logger = logging.getLogger(__name__)


def _catalog_summary(prepared: Prepared) -> dict[str, str]:
    """Number of samples, total SNVs and median burden from the catalog."""
    burdens = prepared.catalog.sum(axis=0)
    return {
        "n_samples": f"{len(prepared.samples):,}",
        "total_snvs": fmt_int(burdens.sum()),
        "median_burden": fmt_int(float(np.median(burdens))) if len(burdens) else MISSING,
    }


def _rank_table(data: CohortData) -> Table:
    """Rank metrics with the chosen k highlighted."""
    return frame_table(data.rank_metrics, "k",
                       highlight=[index == data.chosen_rank for index in data.rank_metrics.index])


def _signature_rows(prepared: Prepared) -> list[dict[str, Any]]:
    """One row per de novo signature: stability, spread, COSMIC match, attributed total."""
    rows: list[dict[str, Any]] = []
    for row, name in enumerate(prepared.signature_names):
        reference, cosine = reference_of(prepared, name)
        stability, spread = prepared.stability.get(name, (math.nan, math.nan))
        parts = _decomposition_of(prepared, name)
        rows.append({
            "name": name, "stability": fmt_float(stability), "spread": fmt_float(spread),
            "reference": reference, "cosine": fmt_float(cosine),
            "aetiology": aetiology_text(name, reference, cosine, prepared.data.aetiology),
            "close_match": is_close_match(reference, cosine),
            "mutations": fmt_int(prepared.exposures[row].sum()), **parts,
        })
    return rows


def _decomposition_of(prepared: Prepared, name: str) -> dict[str, Any]:
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
            "decomposition_cosine": fmt_float(float(table.at[name, "cosine"])), "novel": novel}


def _exposure_table(prepared: Prepared) -> Table:
    """Samples as rows, signatures as columns, counts as displayed on patient pages."""
    rows = [
        [sample] + [fmt_int(value) for value in prepared.exposures[:, column]]
        for column, sample in enumerate(prepared.samples)
    ]
    names = list(prepared.signature_names)
    return Table(["Sample", *names], rows, [False] + [True] * len(names))


def _patient_rows(prepared: Prepared, file_stems: Mapping[str, str]) -> list[dict[str, str]]:
    """Links to the patient pages with burden and reconstruction cosine."""
    return [
        {
            "sample": sample,
            "href": f"patients/{href(file_stems[sample])}.html",
            "burden": fmt_int(prepared.burden[sample]),
            "cosine": fmt_float(prepared.cosine[sample]),
        }
        for sample in prepared.samples
    ]


def _cohort_figures(prepared: Prepared, out_dir: Path) -> dict[str, Any]:
    """Draw and save the rank, signature and exposure figures of the cohort page."""
    data, figures = prepared.data, out_dir / "figures"
    exposures = pd.DataFrame(prepared.exposures, index=list(prepared.signature_names),
                             columns=list(prepared.samples))
    saved: dict[str, Any] = {
        "rank": save_figure(plot_rank_selection(data.rank_metrics, data.chosen_rank),
                            figures / "rank_selection", out_dir, "Rank selection metrics"),
        "absolute": save_figure(plot_exposures(exposures, relative=False),
                                figures / "exposures_absolute", out_dir,
                                "Exposures per sample, in mutations"),
        "relative": save_figure(plot_exposures(exposures, relative=True),
                                figures / "exposures_relative", out_dir,
                                "Exposures per sample, as fractions"),
        "heatmap": save_figure(plot_exposure_heatmap(exposures), figures / "exposures_heatmap",
                               out_dir, "Relative exposures, samples and signatures clustered"),
        "panel": save_figure(plot_signature_panel(data.signatures),
                             figures / "signatures_panel", out_dir,
                             "All de novo signatures (SBS96)"),
        "other_catalogs": _other_catalog_figures(data, out_dir),
    }
    signature_figures = []
    for column, name in enumerate(prepared.signature_names):
        fig = plot_sbs96(prepared.signatures[:, column], title=name, ylabel="Probability")
        stem = figures / f"signature_{column + 1}_{safe_name(name)}"
        signature_figures.append(save_figure(fig, stem, out_dir, f"Spectrum of {name}"))
    saved["signatures"] = signature_figures
    saved["decompositions"] = _decomposition_figures(prepared, out_dir)
    return saved


def _other_catalog_figures(data: CohortData, out_dir: Path) -> list[SavedFigure]:
    """The cohort's summed DBS78 / ID83 spectra, in the order given."""
    saved = []
    for name, catalog in data.other_catalogs.items():
        safe = safe_name(name)
        total = catalog.sum(axis=1)
        fig = plot_spectrum(total, title=f"{name}: all samples ({fmt_int(total.sum())} "
                                         f"mutations, {catalog.shape[1]:,} samples)")
        saved.append(save_figure(fig, out_dir / "figures" / f"catalog_{safe}", out_dir,
                                 f"Summed {name} spectrum of the cohort"))
    return saved


def _components(text: str) -> dict[str, float]:
    """Parse ``NAME:weight;NAME:weight`` into a dict."""
    parts = (item.partition(":") for item in str(text).split(";"))
    return {name: float(weight) for name, _, weight in parts if name}


def _decomposition_figures(prepared: Prepared, out_dir: Path) -> dict[str, SavedFigure]:
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
        safe = safe_name(name)
        saved[name] = save_figure(fig, out_dir / "figures" / f"decomposition_{column + 1}_{safe}",
                                  out_dir, f"{name} and its COSMIC decomposition")
    return saved


def _cohort_context(prepared: Prepared, out_dir: Path,
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
        "catalog_log": frame_table(data.catalog_log, "Sample"),
        "figures": figures,
        "rank_table": _rank_table(data),
        "chosen_rank": str(data.chosen_rank),
        "rank_rule": data.rank_rule,
        "rank_caution": data.rank_caution,
        "aetiology_min_cosine": f"{AETIOLOGY_MIN_COSINE:g}",
        "reference_refit": reference_refit_context(
            data.reference_exposures, data.reference_intervals, prepared.samples,
            data.aetiology, out_dir),
        "signatures": signatures,
        "exposure_table": _exposure_table(prepared),
        "patients": _patient_rows(prepared, file_stems),
        "files": [(str(label), href(path), str(path)) for label, path in data.files.items()],
    }


def _write_cohort(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str]) -> Path:
    """Write the cohort page from already-checked data."""
    context = _cohort_context(prepared, out_dir, file_stems)
    path = write_page("cohort.html.j2", out_dir / "cohort.html", context)
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
    prepared = prepare(data)
    stems = sample_file_stems(list(prepared.samples), "catalog") if file_stems is None \
        else file_stems
    check_stems(prepared, stems)
    return _write_cohort(prepared, Path(out_dir), stems)


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
    prepared, out_dir = prepare(data), Path(out_dir)
    check_stems(prepared, file_stems)
    write_patients(prepared, out_dir, file_stems, worker_count(workers, len(prepared.samples)))
    logger.info("Wrote %d patient reports under %s", len(prepared.samples), out_dir / "patients")
    return _write_cohort(prepared, out_dir, file_stems)

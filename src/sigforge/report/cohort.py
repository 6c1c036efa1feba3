"""The cohort page: run summary, catalog, one section per mutation type (rank selection,
signatures, exposures, reconstruction quality, refit to COSMIC; :mod:`.context_section`) and
links to every patient page.

This module only displays results: it never selects ranks or refits exposures. Every figure
is inlined as a base64 PNG (the page references no external URL, font or script) and also
saved as PNG and SVG under ``figures/`` for use in papers. :func:`write_reports` writes the
cohort page and every patient page (:mod:`sigforge.report.patient`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.genomics.samplesheet import file_stems as sample_file_stems
from sigforge.report.cohort_data import CohortData, Prepared, check_stems, prepare
from sigforge.report.context_data import NOT_FACTORED, ContextResults, context_from_cohort
from sigforge.report.context_section import context_view, id_prefix
from sigforge.report.group_section import group_anchor
from sigforge.report.pages import href, write_page
from sigforge.report.patient import write_patient_report
from sigforge.report.patient_rows import AETIOLOGY_MIN_COSINE
from sigforge.report.tables import MISSING, fmt_float, fmt_int, frame_table
from sigforge.report.workers import (
    check_written,
    start_pool,
    submit_patients,
    worker_count,
    worker_state,
    write_patients,
)

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


def _patient_rows(prepared: Prepared, file_stems: Mapping[str, str]) -> list[dict[str, str]]:
    """Links to the patient pages (and per-patient refit pages) with burden and cosine."""
    pages = prepared.data.patient_pages
    return [
        {
            "sample": sample,
            "href": f"patients/{href(file_stems[sample])}.html",
            "burden": fmt_int(prepared.burden[sample]),
            "cosine": fmt_float(prepared.cosine[sample]),
            "patient_page": href(pages[sample]) if sample in pages else "",
        }
        for sample in prepared.samples
    ]


def contexts_of(data: CohortData) -> tuple[ContextResults, ...]:
    """The mutation types shown: ``data.contexts``, or SBS96 built from the top-level tables
    (with the other catalogs as "not factored" sections) when none were given."""
    if data.contexts:
        return tuple(data.contexts)
    others = tuple(ContextResults(name=name, catalog=catalog, status=NOT_FACTORED)
                   for name, catalog in data.other_catalogs.items())
    return (context_from_cohort(data), *others)


def _caution(contexts: Sequence[ContextResults]) -> tuple[str, str]:
    """Types (and groups of a stratified discovery) whose rank was a fallback, and the anchor
    of the first one's rank section (a group's subsection)."""
    found: list[tuple[str, str]] = []
    for ctx in contexts:
        if ctx.factored and ctx.rank_caution:
            found.append((ctx.name, f"{id_prefix(ctx.name)}rank"))
        if ctx.factored:
            found += [(f"{ctx.name} group {group.group}",
                       group_anchor(id_prefix(ctx.name), position, group.group))
                      for position, group in enumerate(ctx.groups, start=1)
                      if group.rank_caution and not group.skipped]
    return ", ".join(name for name, _ in found), found[0][1] if found else "rank"


def _uncounted(contexts: Sequence[ContextResults], log: pd.DataFrame) -> list[str]:
    """The mutation types of the default catalogs (DBS78, ID83) that the cohort did not
    count (no catalog, a log column of zeros): those zeros would read as "none found"."""
    present = {ctx.name for ctx in contexts}
    return [name for name in ("DBS78", "ID83") if name not in present
            and f"counted_{name}" in log.columns
            and not pd.to_numeric(log[f"counted_{name}"], errors="coerce").fillna(0).any()]


def _context_views(prepared: Prepared, out_dir: Path) -> list[dict[str, Any]]:
    """Each mutation type's section of the cohort page (figures saved), in page order."""
    return [context_view(ctx, out_dir, prepared.data.aetiology, prepared.data.match_label)
            for ctx in contexts_of(prepared.data)]


def _context_view_task(index: int) -> dict[str, Any]:
    """In a worker of :func:`~sigforge.report.workers.start_pool`: the section of the
    ``index``-th mutation type (its figures saved by the worker)."""
    state = worker_state()
    prepared: Prepared = state["prepared"]
    return context_view(contexts_of(prepared.data)[index], state["out_dir"],
                        prepared.data.aetiology, prepared.data.match_label)


def _cohort_context(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str],
                    views: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the cohort template displays, as strings and saved figures (``views``:
    the types' sections when already drawn)."""
    data = prepared.data
    contexts = contexts_of(data)
    caution_names, caution_anchor = _caution(contexts)
    return {
        "run_info": [(str(key), str(value)) for key, value in data.run_info.items()],
        "summary": _catalog_summary(prepared),
        "catalog_log": frame_table(data.catalog_log.drop(columns=[
            f"counted_{name}" for name in _uncounted(contexts, data.catalog_log)]), "Sample"),
        "uncounted": _uncounted(contexts, data.catalog_log),
        "rank_caution": data.rank_caution or bool(caution_names),
        "caution_names": caution_names, "caution_anchor": caution_anchor,
        "rank_edges": [(ctx.name, ctx.rank_edge) for ctx in contexts
                       if ctx.factored and ctx.rank_edge],
        "aetiology_min_cosine": f"{AETIOLOGY_MIN_COSINE:g}",
        "contexts": list(views) if views is not None else _context_views(prepared, out_dir),
        "patients": _patient_rows(prepared, file_stems),
        "patient_pages": bool(data.patient_pages),
        "files": [(str(label), href(path), str(path)) for label, path in data.files.items()],
    }


def _write_cohort(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str],
                  views: Sequence[dict[str, Any]] | None = None) -> Path:
    """Write the cohort page from already-checked data (``views``: see _cohort_context)."""
    context = _cohort_context(prepared, out_dir, file_stems, views)
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
    count = worker_count(workers, len(prepared.samples))
    if count <= 1:
        write_patients(prepared, out_dir, file_stems, 1)
        views = None
    else:
        # The types' sections (every rank's figures: the longest tasks) first, then the
        # patient pages, on one pool, so that the cohort page is not drawn after the rest.
        samples = list(prepared.samples)
        with start_pool(prepared, out_dir, file_stems, count) as pool:
            sections = [pool.submit(_context_view_task, index)
                        for index in range(len(contexts_of(prepared.data)))]
            check_written(submit_patients(pool, samples, count), len(samples))
            views = [section.result() for section in sections]
    logger.info("Wrote %d patient reports under %s", len(prepared.samples), out_dir / "patients")
    return _write_cohort(prepared, out_dir, file_stems, views)

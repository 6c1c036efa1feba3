"""Patient pages: one self-contained HTML page per sample, drawn by a pool of processes.

Each page shows the sample's exposures (with bootstrap intervals when the refit wrote them),
a plain-language reading of its numbers and its observed SBS96 spectrum above the
reconstruction from the signatures. One reconstruction figure per process is refilled for
every sample, and pages are split over forked processes for large cohorts.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.report.cohort_data import CohortData, Prepared, prepare, reference_of
from sigforge.report.figures import SavedFigure, plt, save_figure
from sigforge.report.pages import check_stem, write_page
from sigforge.report.sbs96 import fill_reconstruction, plot_reconstruction
from sigforge.report.tables import MISSING, fmt_float, fmt_int, fmt_percent, is_missing

logger = logging.getLogger(__name__)

_STRONG_MATCH = 0.9
_GOOD_FIT = 0.9
_MINOR_SHARE = 0.1
CAVEAT = (
    "A signature's resemblance to a COSMIC signature, and that COSMIC signature's proposed "
    "link to a mutational process, are statistical associations. They are not proof that the "
    "process caused the mutations in this sample."
)


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


def _sample_intervals(prepared: Prepared, sample: str) -> dict[str, tuple[float, float, float]]:
    """Signature -> (lower, upper, presence) of one sample; empty without intervals."""
    intervals = prepared.data.intervals
    if intervals is None or sample not in intervals.index:
        return {}
    rows = intervals.loc[[sample]]
    return {str(sig): (float(lo), float(hi), float(pr)) for sig, lo, hi, pr in zip(
        rows["signature"], rows["lower"], rows["upper"], rows["presence"], strict=True)}


#: Patient tables list every signature up to this many; beyond it, only those ever used.
_ALL_ROWS_UP_TO = 12


def _patient_exposures(prepared: Prepared, sample: str) -> list[dict[str, Any]]:
    """Per-signature mutations, fractions, intervals and matches of one sample.

    With many signatures (a reference set), those with zero exposure in the fit and in every
    bootstrap refit are left out; the page says how many.
    """
    values = prepared.exposures[:, prepared.column_of[sample]]
    total = float(values.sum())
    intervals = _sample_intervals(prepared, sample)
    rows = []
    for name, value in zip(prepared.signature_names, values, strict=True):
        reference, cosine = reference_of(prepared, name)
        fraction = float(value) / total if total > 0 else 0.0
        lower, upper, presence = intervals.get(name, (np.nan, np.nan, np.nan))
        rows.append({"signature": name, "value": float(value), "fraction": fraction,
                     "mutations": fmt_int(value), "percent": fmt_percent(fraction),
                     "reference": reference, "reference_value": cosine,
                     "cosine": fmt_float(cosine),
                     "interval": "" if is_missing(lower) else
                     f"{fmt_int(lower)} – {fmt_int(upper)}",
                     "presence": "" if is_missing(presence) else fmt_percent(presence),
                     "aetiology": prepared.data.aetiology.get(reference, ""),
                     "shown": len(values) <= _ALL_ROWS_UP_TO or value > 0
                     or (not is_missing(presence) and presence > 0)})
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
    if row["reference"] == MISSING or is_missing(cosine):
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
    if not is_missing(cosine):
        quality = "a close fit" if cosine >= _GOOD_FIT else "a loose fit; read it with caution"
        sentences.append(f"Together the signatures reconstruct the observed spectrum with "
                         f"cosine similarity {cosine:.2f} (1 is a perfect match), {quality}.")
    return sentences


def _patient_figures(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                     figures: PatientFigures) -> dict[str, SavedFigure]:
    """Draw and save the observed and reconstructed spectra of one sample."""
    column = prepared.column_of[sample]
    observed = prepared.catalog[:, column]
    reconstructed = prepared.signatures @ prepared.exposures[:, column]
    cosine = prepared.cosine[sample]
    stem, page_dir = out_dir / "figures" / "patients" / file_stem, out_dir / "patients"
    fit = figures.draw_reconstruction(observed, reconstructed, title=sample, cosine=cosine)
    return {
        "reconstruction": save_figure(
            fit, stem.with_name(f"{file_stem}_spectrum"), page_dir,
            "Observed SBS96 spectrum (top) and its reconstruction from the signatures (bottom)",
            close=False),
    }


def _patient_context(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                     figures: PatientFigures) -> dict[str, Any]:
    """Figures, tables and reading of one patient page."""
    burden, cosine = prepared.burden[sample], prepared.cosine[sample]
    rows = _patient_exposures(prepared, sample)
    return {
        "sample": sample, "burden": fmt_int(burden), "cosine": fmt_float(cosine),
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


def _write_patient(prepared: Prepared, sample: str, out_dir: Path, file_stem: str,
                   figures: PatientFigures) -> Path:
    """Write one patient page from already-checked data, drawing into reused figures."""
    check_stem(file_stem)
    if sample not in prepared.column_of:
        raise ValueError(f"sample: expected one of the catalog's samples, got {sample!r}.")
    context = _patient_context(prepared, sample, out_dir, file_stem, figures)
    path = write_page("patient.html.j2", out_dir / "patients" / f"{file_stem}.html", context)
    logger.debug("Wrote patient report %s", path)
    return path


#: Below this many samples, patient pages are drawn in the calling process.
_PARALLEL_FROM = 32
_MAX_WORKERS = 8
_WORKER_STATE: dict[str, Any] = {}


def worker_count(workers: int | None, n_samples: int) -> int:
    """Processes for ``n_samples`` patient pages (see :func:`sigforge.report.write_reports`)."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers: expected a positive number, got {workers}.")
        return min(workers, max(1, n_samples))
    if n_samples < _PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        return 1
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    return max(1, min(available, _MAX_WORKERS))


def _init_worker(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str]) -> None:
    """Give a worker process its data and its own reusable figures."""
    _WORKER_STATE.update(prepared=prepared, out_dir=out_dir, file_stems=file_stems,
                         figures=PatientFigures())


def _write_chunk(samples: Sequence[str]) -> int:
    """Write the pages of ``samples`` in a worker process; returns how many."""
    state = _WORKER_STATE
    for sample in samples:
        _write_patient(state["prepared"], sample, state["out_dir"],
                       state["file_stems"][sample], state["figures"])
    return len(samples)


def write_patients(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str],
                   workers: int) -> None:
    """Write every patient page, in ``workers`` forked processes when more than one.

    Figures are drawn by matplotlib, which holds the GIL, so pages are split over processes
    (forked, so that the prepared data is shared rather than pickled) in chunks of a few
    pages each, reusing one pair of figures per process.
    """
    samples = list(prepared.samples)
    if workers <= 1:
        with PatientFigures() as figures:
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
    prepared = prepare(data)
    with PatientFigures() as figures:
        return _write_patient(prepared, sample, Path(out_dir), file_stem, figures)

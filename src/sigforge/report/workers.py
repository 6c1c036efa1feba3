"""The report's worker processes: patient pages drawn in parallel, and the cohort page's
type sections beside them (:func:`sigforge.report.write_reports`).

Figures are drawn by matplotlib, which holds the GIL, so the work is split over forked
processes: the prepared data is shared with them rather than pickled, and each process reuses
one pair of patient figures. Pages and figures are the same bytes whatever the number of
processes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sigforge.report.cohort_data import Prepared
from sigforge.report.patient import PatientFigures, write_patient_page

__all__ = ["check_written", "start_pool", "submit_patients", "worker_count", "worker_state",
           "write_patients"]

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


def worker_state() -> Mapping[str, Any]:
    """In a process of :func:`start_pool`: the prepared data, ``out_dir`` and ``file_stems``
    it was given (other tasks of the report, such as the cohort page's sections, read them)."""
    return _WORKER_STATE


def start_pool(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str],
               workers: int) -> ProcessPoolExecutor:
    """``workers`` forked processes that hold the prepared data (shared, not pickled) and
    draw patient pages (:func:`submit_patients`) or any other task of the report.

    Figures are drawn by matplotlib, which holds the GIL, hence processes rather than threads.
    """
    return ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                               initializer=_init_worker,
                               initargs=(prepared, out_dir, dict(file_stems)))


def _write_chunk(samples: Sequence[str]) -> int:
    """Write the pages of ``samples`` in a worker process; returns how many."""
    state = _WORKER_STATE
    for sample in samples:
        write_patient_page(state["prepared"], sample, state["out_dir"],
                       state["file_stems"][sample], state["figures"])
    return len(samples)


def submit_patients(pool: ProcessPoolExecutor, samples: Sequence[str],
                    workers: int) -> list[Future[int]]:
    """Queue every patient page on ``pool`` in chunks of a few pages (one pair of figures
    reused per process); each future gives the number of pages its chunk wrote."""
    size = max(1, min(16, len(samples) // (4 * workers)))
    return [pool.submit(_write_chunk, samples[i:i + size])
            for i in range(0, len(samples), size)]


def check_written(futures: Sequence[Future[int]], expected: int) -> None:
    """Raise (a worker's error, or a count that falls short) unless every page was written."""
    written = sum(future.result() for future in futures)
    if written != expected:
        raise RuntimeError(f"wrote {written} of {expected} patient pages.")


def write_patients(prepared: Prepared, out_dir: Path, file_stems: Mapping[str, str],
                   workers: int) -> None:
    """Write every patient page, in ``workers`` forked processes when more than one."""
    samples = list(prepared.samples)
    if workers <= 1:
        with PatientFigures() as figures:
            for sample in samples:
                write_patient_page(prepared, sample, out_dir, file_stems[sample], figures)
        return
    with start_pool(prepared, out_dir, file_stems, workers) as pool:
        check_written(submit_patients(pool, samples, workers), len(samples))

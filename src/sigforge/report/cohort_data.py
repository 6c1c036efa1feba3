"""The results a cohort report displays (:class:`CohortData`), checked once for every page.

Orientation follows the rest of the package: ``catalog`` is (n_channels, n_samples),
``signatures`` is (n_channels, n_signatures) and ``exposures`` is (n_signatures, n_samples).
:func:`prepare` checks that the tables' labels agree and aligns them into the arrays that the
cohort page and every patient page share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigforge.report.context_data import ContextResults
from sigforge.report.pages import check_stem, href
from sigforge.report.sbs96 import aligned_rows
from sigforge.report.tables import MISSING, is_missing


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
    rank_caution : bool, default=False
        True when rank selection fell back because no rank met its rule (``rank_caution`` in
        the extract run's provenance.json); every page then carries a warning.
    rank_edge : str, default=""
        The warning that the chosen rank is an edge of the range tried (``rank_edge`` in
        provenance.json; a merged set's names its groups); every page shows it when set.
    reference_exposures : pandas.DataFrame or None, default=None
        The cohort refitted to the whole reference set (COSMIC): index = reference signature,
        columns = sample names, as ``exposures.tsv`` of ``results/refit/SBS96/reference/``.
        None leaves the cohort page's "Refit to COSMIC" section out.
    reference_intervals : pandas.DataFrame or None, default=None
        Bootstrap intervals of that refit, laid out as ``intervals``.
    contexts : tuple of ContextResults, default=()
        One section per mutation type (:class:`sigforge.report.context_data.ContextResults`),
        in page order. Empty builds the SBS96 section from the tables above, and a "not
        factored" section per entry of ``other_catalogs``.
    patient_pages : dict of str to str, default={}
        Sample name to the path, relative to the report directory, of its per-patient refit
        page; the Patients table links each one beside the sample's own page.
    restricted : bool, default=False
        The signatures were cut from the reference set by ``--restrict-to``: a page whose fit
        supports no finding names that as a possible cause.
    reference_name : str, default="the reference set"
        The name of the set of ``reference_signatures`` (e.g. ``COSMIC_v3.6``): a patient page
        whose fit that set's refit shows to miss a process names it
        (:mod:`sigforge.report.fit_support`).
    match_label : str, default="reference"
        How the pages name the set the signatures are matched against, decomposed into and
        (``reference_exposures``) refitted to: ``COSMIC`` for a shipped COSMIC set (as
        :func:`sigforge.genomics.reference.set_label` gives it); the default never claims a
        user's table to be COSMIC's.
    stability_threshold : float or None, default=None
        The rank rule's least component stability when ``contexts`` is empty (a per-patient
        page refitted to a discovery's signatures): a signature below it gets no aetiology.
    selecting_method : bool, default=True
        False when the refit gives every signature some weight (plain NNLS): its bootstrap
        intervals exclude 0 for signatures no process made, so a patient page states none
        as a finding.
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
    rank_caution: bool = False
    rank_edge: str = ""
    reference_exposures: pd.DataFrame | None = None
    reference_intervals: pd.DataFrame | None = None
    contexts: tuple[ContextResults, ...] = ()
    patient_pages: dict[str, str] = field(default_factory=dict)
    restricted: bool = False
    reference_name: str = "the reference set"
    match_label: str = "reference"
    stability_threshold: float | None = None
    selecting_method: bool = True


@dataclass(frozen=True)
class Prepared:
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


def prepare(data: CohortData) -> Prepared:
    """Check labels across the tables once and return aligned arrays and lookups."""
    samples = tuple(str(sample) for sample in data.catalog.columns)
    names = tuple(str(name) for name in data.signatures.columns)
    _check_same(names, data.exposures.index, "exposures index vs signatures columns")
    _check_same(samples, data.exposures.columns, "exposures columns vs catalog columns")
    _check_same(samples, data.reconstruction.index, "reconstruction index vs catalog columns")
    if len(set(samples)) != len(samples):
        raise ValueError("catalog: expected unique sample names, got duplicates.")
    for path in [*data.files.values(), *data.patient_pages.values()]:
        href(path)  # fail before drawing anything
    for context in data.contexts:
        for path in context.files.values():
            href(path)
    exposures = data.exposures.set_axis([str(x) for x in data.exposures.index], axis=0)
    exposures = exposures.set_axis([str(x) for x in exposures.columns], axis=1)
    fit = _by_label(data.reconstruction, ("burden", "cosine"), "reconstruction")
    stability = _by_label(data.stability, ("stability", "spread"), "stability")
    matches = _by_label(data.reference_matches, ("reference", "cosine"), "reference_matches")
    return Prepared(
        data=data,
        catalog=aligned_rows(data.catalog, "catalog"),
        signatures=aligned_rows(data.signatures, "signatures"),
        exposures=exposures.loc[list(names), list(samples)].to_numpy(dtype=np.float64),
        samples=samples,
        signature_names=names,
        column_of={sample: i for i, sample in enumerate(samples)},
        burden={sample: int(round(float(row[0]))) for sample, row in fit.items()},
        cosine={sample: float(row[1]) for sample, row in fit.items()},
        stability={key: (float(row[0]), float(row[1])) for key, row in stability.items()},
        matches={key: (MISSING if is_missing(row[0]) else str(row[0]), float(row[1]))
                 for key, row in matches.items()},
    )


def check_stems(prepared: Prepared, file_stems: Mapping[str, str]) -> None:
    """Every sample needs a safe stem, and no two stems may name the same file."""
    missing = [sample for sample in prepared.samples if sample not in file_stems]
    if missing:
        raise ValueError(f"file_stems: expected a stem for every sample, got none for "
                         f"{missing[:3]}.")
    stems = [file_stems[sample] for sample in prepared.samples]
    for stem in stems:
        check_stem(stem)
    if len({stem.lower() for stem in stems}) != len(stems):
        raise ValueError("file_stems: expected unique stems (ignoring case), got duplicates.")


def reference_of(prepared: Prepared, signature: str) -> tuple[str, float]:
    """Best-matching COSMIC signature and its cosine, or placeholders when unknown."""
    return prepared.matches.get(signature, (MISSING, math.nan))

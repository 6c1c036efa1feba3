"""Reading one mutation type's results for ``sigforge report``: the folders under the
``--extract-dir`` and ``--refit-dir`` roots, checked against the type's catalog.

For a catalog ``CATALOGS/{name}.tsv``, ``EXTRACT/{name}/`` holds the discovery (rank_metrics.tsv,
signatures.tsv, stability.tsv, provenance.json, and ``k{k}/`` per rank tried),
``REFIT/{name}/`` the refit to the de novo signatures and ``REFIT/{name}/reference/`` the
refit to the whole reference set. A provenance.json with ``"skipped": "<reason>"`` marks a
discovery that was skipped; no ``EXTRACT/{name}/`` at all, a catalog that was not factored.
A stratified discovery (``sigforge extract --groups``) holds the merged set and merged.tsv
instead of rank_metrics.tsv and ``k{k}/``, and one extract folder per group under
``groups/`` (:mod:`.report_groups`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.cli._common import (
    EXTRACT_FILES,
    REFIT_FILES,
    rank_folder_number,
    require_files,
)
from sigforge.cli._run_files import TABLES_KEY, check_table_digests
from sigforge.cli.rank_provenance import rank_caution, rank_edge, rank_rescued
from sigforge.cli.refit_intervals import check_interval_bounds, check_intervals, listing_of
from sigforge.cli.refit_record import check_refit_record
from sigforge.cli.report_groups import (
    MERGED_EXTRACT_FILES,
    check_merge_provenance,
    is_merged,
    stratified_fields,
)
from sigforge.cli.report_ranks import (
    check_within,
    chosen_rank,
    number_column,
    rank_thresholds,
    read_rank_metrics,
    read_run_matrix,
    read_stability,
)
from sigforge.discovery.groups import MERGED_TABLE
from sigforge.io import InputError, read_json, read_table
from sigforge.report.context_data import (
    FACTORED,
    NOT_FACTORED,
    SKIPPED,
    ContextResults,
    RankSolution,
)
from sigforge.report.context_section import parse_components

#: The catalogs a report looks for, in page order.
REPORT_CONTEXTS = ("SBS96", "SBS288", "SBS1536", "DBS78", "ID83")


def check_same_labels(found: pd.Index, expected: pd.Index, path: Path, what: str,
                      source: Path) -> None:
    """Refuse a table whose labels (``what``) are not exactly those of ``source``."""
    found_set, expected_set = {str(x) for x in found}, {str(x) for x in expected}
    if found_set == expected_set and len(found) == len(expected):
        return
    missing = sorted(expected_set - found_set)
    extra = sorted(found_set - expected_set)
    raise InputError(f"{path}: its {what} differ from those of {source} (missing: "
                     f"{listing_of(missing)}; not in {source.name}: {listing_of(extra)}); the "
                     "files come from different runs. Give the folders of one run (rerun the "
                     "step that wrote the stale file).")


#: The columns of the refit's tables that the reports read, and which of them hold numbers.
RECONSTRUCTION_COLUMNS = ("burden", "cosine")
INTERVAL_COLUMNS = ("signature", "exposure", "lower", "upper", "presence")
DECOMPOSITION_COLUMNS = ("components", "cosine", "novel")


def read_refit_table(path: Path, columns: tuple[str, ...], numeric: tuple[str, ...] = ()
                     ) -> pd.DataFrame:
    """A table written by ``sigforge refit``, checked to hold ``columns``, with numbers (or an
    empty cell, read as NaN: a sample the refit could not fit) in the ``numeric`` ones.

    sigforge writes these tables whole, so one without its columns or with text among the
    numbers was damaged or replaced afterwards (a line of garbage reads as a table with no
    column at all); refusing it keeps the report from dropping a section or failing late.
    """
    table = read_table(path, text_index=True)  # sample names '001' stay text
    missing = [column for column in columns if column not in table.columns]
    if missing:
        found = listing_of([str(column) for column in table.columns])
        raise InputError(f"{path}: damaged: no column {', '.join(missing)} (found: {found}); "
                         f"sigforge refit writes it with the columns {', '.join(columns)}. "
                         f"Rerun refit (sigforge refit --out {path.parent}) to rebuild it.")
    for column in numeric:
        table[column] = _numbers(table[column], path, column)
    return table


def read_reconstruction(path: Path) -> pd.DataFrame:
    """A refit's reconstruction.tsv, checked: numbers in its columns, a burden of at least 0
    and a cosine in [0, 1] (a hand-edited 1.7 would be printed as a fit's quality)."""
    table = read_refit_table(path, RECONSTRUCTION_COLUMNS, RECONSTRUCTION_COLUMNS)
    fix = f"the file is damaged: rerun refit (sigforge refit --out {path.parent}) to rebuild it."
    check_within(table["burden"], path, "burden", (0.0, math.inf), fix)
    check_within(table["cosine"], path, "cosine", (0.0, 1.0 + 1e-9), fix)
    return table


def _numbers(values: pd.Series, path: Path, column: str) -> pd.Series:
    """A refit table's column as numbers (an empty cell as NaN); the first cell that is not
    a number is named by its line, row label and column in an InputError."""
    fix = f"the file is damaged: rerun refit (sigforge refit --out {path.parent}) to rebuild it."
    numbers = number_column(values, path, column, fix)
    return numbers if numbers is values else numbers.astype(np.float64)


def read_optional_refit_table(path: Path, columns: tuple[str, ...],
                              numeric: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """:func:`read_refit_table` of a file the refit writes only sometimes (intervals only
    with --bootstrap, the decomposition only with a reference set); None when it is absent.

    Present but unreadable is an error, not absent: silently dropping the section would
    hide a damaged run."""
    return read_refit_table(path, columns, numeric) if path.is_file() else None


def read_intervals(path: Path) -> pd.DataFrame | None:
    """A refit's exposure_intervals.tsv, checked; None when the refit wrote none."""
    table = read_optional_refit_table(path, INTERVAL_COLUMNS, INTERVAL_COLUMNS[1:])
    if table is not None:
        check_interval_bounds(table, path)
    return table


def refit_samples(catalog: pd.DataFrame, found: pd.Index, path: Path, source: Path
                  ) -> pd.DataFrame:
    """The catalog restricted to the samples of a refit table, in catalog order.

    A refit may leave out samples without a single mutation (``--drop-empty``); any other
    difference means the files come from different runs and is refused.
    """
    found_set = {str(x) for x in found}
    catalog = catalog.set_axis([str(x) for x in catalog.columns], axis=1)
    left_out = [s for s in catalog.columns if s not in found_set]
    empty = catalog[left_out].sum(axis=0) == 0 if left_out else pd.Series(dtype=bool)
    if left_out and bool(empty.all()) and found_set <= set(catalog.columns):
        kept = catalog[[s for s in catalog.columns if s in found_set]]
        check_same_labels(found, kept.columns, path, "samples", source)
        return kept
    check_same_labels(found, catalog.columns, path, "samples", source)
    return catalog


def check_refit_burdens(catalog: pd.DataFrame, reconstruction: pd.DataFrame, path: Path,
                        source: Path) -> None:
    """Refuse a refit whose samples' burdens (``reconstruction.tsv``) are not the catalog's
    column sums, naming the first sample: the catalog was recounted or edited after the
    refit, and the page would show its counts beside exposures of other counts."""
    counted = catalog.sum(axis=0).astype(float)
    recorded = reconstruction["burden"].reindex(counted.index).astype(float)
    differs = ~np.isclose(recorded.to_numpy(), counted.to_numpy(), rtol=1e-9, atol=1e-6)
    if differs.any():
        sample = str(counted.index[int(np.argmax(differs))])
        raise InputError(f"{path}: sample '{sample}' has a burden of {recorded[sample]:,.6g} "
                         f"mutations, but {source} counts {counted[sample]:,.6g} for it "
                         f"({int(differs.sum())} sample(s) differ): the catalog was recounted "
                         "or edited after the refit. Rerun the discovery and the refit on this "
                         "catalog (snakemake reruns them when the catalog changes), or give "
                         "the catalog they were run on.")


def check_factored_catalog(catalog: pd.DataFrame, provenance: dict[str, Any], extract: Path,
                           source: Path) -> None:
    """Refuse a catalog whose counts are not those the discovery factored (provenance.json's
    ``catalog_digest``, over the samples it did not leave out), even where every sample's
    burden agrees: counts moved between channels change the signatures found."""
    from sigforge.cli._run_files import DIGEST_KEY, catalog_digest

    recorded = provenance.get(DIGEST_KEY)
    if not isinstance(recorded, str):
        return  # skipped, or written before digests were recorded
    left_out = set(map(str, provenance.get("samples_without_mutations_left_out") or []))
    factored = catalog[[s for s in catalog.columns if str(s) not in left_out]]
    if catalog_digest(factored) != recorded:
        order = _discovery_order(extract)
        if sorted(order) == sorted(map(str, factored.columns)) and catalog_digest(
                factored.set_axis(list(map(str, factored.columns)), axis=1)[order]) == recorded:
            raise InputError(f"{source}: its samples and counts are those {extract} was "
                             "factored from, but its sample columns are in another order, on "
                             "which the discovery's resampling depends. Give the catalog with "
                             f"its columns in the order of {extract / 'exposures.tsv'}, or "
                             "rerun the discovery and the refit on this catalog.")
        raise InputError(f"{source}: its counts are not those {extract} was factored from "
                         f"({DIGEST_KEY} in {extract / 'provenance.json'} differs): the catalog "
                         "was recounted or edited after the discovery. Rerun the discovery and "
                         "the refit on this catalog (snakemake reruns them when the catalog "
                         "changes), or give the catalog they were run on.")


def check_rank_count(signatures: pd.DataFrame, rank: int, provenance: dict[str, Any],
                      extract: Path) -> None:
    """Refuse a signatures.tsv whose number of signatures is not the chosen rank's, less the
    components the rule left out, plus those it added from larger ranks (provenance.json):
    another run's table (or another rank's) would be shown under this run's rank."""
    dropped = provenance.get("dropped_components") or []
    left_out = len(dropped) if isinstance(dropped, list) else 1
    added = len(rank_rescued(provenance, extract / "provenance.json"))  # checks each entry
    expected, found = rank - left_out + added, signatures.shape[1]
    if found != expected:
        raise InputError(f"{extract / 'signatures.tsv'}: holds {found} signature(s), but "
                         f"{extract / 'provenance.json'} chose k = {rank} and records "
                         f"{left_out} component(s) left out and {added} added, so "
                         f"{expected}: the files come from different runs (or ranks). Give "
                         "the folder of one run (rerun the rank choice to rebuild both).")


def _discovery_order(extract: Path) -> list[str]:
    """The samples of the discovery's ``exposures.tsv`` in its column order ([] when it
    cannot be read: the caller then says only that the counts differ)."""
    try:
        return [str(c) for c in pd.read_csv(extract / "exposures.tsv", sep="\t", nrows=0,
                                            index_col=0).columns]
    except (OSError, ValueError):
        return []


def _check_rank_folders(folder: Path, ranks: pd.Index) -> None:
    """Refuse a factored run whose rank_metrics.tsv lists a rank without its ``k{k}/`` folder
    (or without that folder's signatures.tsv): extract and the workflow write one per rank
    tried, so a missing one was deleted or never finished, and the page's 'Every rank tried'
    would otherwise drop that rank without a word (a component rescued from it included).
    A skipped catalog never gets here: its provenance.json says why it was not factored."""
    missing = []
    for rank in ranks:
        rank_dir = folder / f"k{rank}"
        if not (rank_dir / "signatures.tsv").is_file():
            missing.append((rank, rank_dir))
    if not missing:
        return
    rank, rank_dir = missing[0]
    what = "is missing" if not rank_dir.is_dir() else "has no signatures.tsv"
    others = (f" (and {listing_of([str(d) for _, d in missing[1:]])})"
              if len(missing) > 1 else "")
    raise InputError(f"{rank_dir}: this rank folder {what}{others}, but "
                     f"{folder / 'rank_metrics.tsv'} lists k={rank} among the ranks tried; the "
                     "folder was deleted or its step did not finish. Rerun the discovery "
                     f"(sigforge extract --out {folder}, or a plain snakemake rerun) to "
                     "rebuild it.")


def _solutions(folder: Path, ranks: pd.Index) -> tuple[RankSolution, ...]:
    """Every ``k{k}/`` of an extract folder with its signatures.tsv (and metrics.json), of the
    run's ``ranks`` (rank_metrics.tsv's): a folder of an earlier run into the same folder with
    other ranks is not this run's solution, and each of those ranks must have its folder
    (:func:`_check_rank_folders`)."""
    kept = {str(k) for k in ranks}
    _check_rank_folders(folder, ranks)
    found = []
    for rank_dir in folder.glob("k*"):
        rank = rank_folder_number(rank_dir.name)  # None: no rank folder ('k²', 'keep')
        if rank is None or not (rank_dir / "signatures.tsv").is_file():
            continue
        if str(rank) not in kept:
            continue
        metrics: dict[str, Any] = {}
        if (rank_dir / "metrics.json").is_file():
            recorded = read_json(rank_dir / "metrics.json")
            if isinstance(recorded, dict):  # the page shows this rank's signatures
                check_table_digests(rank_dir, recorded.get(TABLES_KEY), ("signatures.tsv",))
            metrics = {k: v for k, v in recorded.items() if k != "k"} \
                if isinstance(recorded, dict) else {}
        found.append(RankSolution(rank, read_run_matrix(rank_dir / "signatures.tsv",
                                                        _extract_step(folder)), metrics))
    return tuple(sorted(found, key=lambda solution: solution.k))


def _extract_step(folder: Path) -> str:
    """The step that writes an extract folder's tables, for the fix of a damaged one."""
    return f"the discovery (sigforge extract --out {folder}, or a plain snakemake rerun)"


def _refit_step(folder: Path) -> str:
    """The step that writes a refit folder's tables, for the fix of a damaged one."""
    return f"the refit (sigforge refit --out {folder}, or a plain snakemake rerun)"


def read_catalog(path: Path) -> pd.DataFrame:
    """A catalog of the --catalog-dir, whose fix names the commands that write it, never an
    option of the discovery (--generic) that report does not have."""
    return read_run_matrix(path, f"sigforge catalog (or merge-catalogs) --out {path.parent}",
                           written=False)


def _relative(out: Path, pairs: list[tuple[str, Path]]) -> dict[str, str]:
    """Label to the path relative to ``out`` of each file that exists."""
    return {label: os.path.relpath(path, out) for label, path in pairs if path.exists()}


def _reference_refit(folder: Path, catalog: pd.DataFrame, source: Path,
                     reference: pd.DataFrame | None = None
                     ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Exposures and intervals of ``REFIT/{name}/reference/``, when it was written; its
    signatures must be signatures of the reference set (``reference``, when it has a table
    for the type): the section says "refit to" that set, and the patient pages' wider fit
    reads the exposures against its columns."""
    path = folder / "exposures.tsv"
    if not path.is_file():
        return None, None
    exposures = read_run_matrix(path, _refit_step(folder))
    check_refit_record(folder, refit_samples(catalog, exposures.columns, path, source), source)
    if reference is not None:
        foreign = [str(x) for x in exposures.index
                   if str(x) not in {str(c) for c in reference.columns}]
        if foreign:
            raise InputError(f"{path}: its signatures {listing_of(foreign)} are not in the "
                             "reference set the report was given (--signatures), so this is "
                             "not the refit to that set (a refit to other signatures, or to "
                             "another set). Give the --signatures the reference refit used, "
                             "or rerun that refit ('sigforge refit --signatures SET').")
    intervals = read_intervals(folder / "exposure_intervals.tsv")
    check_intervals(intervals, exposures, folder / "exposure_intervals.tsv", path)
    return exposures, intervals


def _discovery(extract: Path, refit: Path, catalog: pd.DataFrame, source: Path
               ) -> dict[str, Any]:
    """The fields of a factored type: rank choice, every rank, signatures and the refit.

    A stratified discovery (``merged.tsv`` present) has no rank_metrics.tsv or ``k*/`` of its
    own: its ranks were chosen per group, read with the merge table by
    :func:`.report_groups.stratified_fields`.
    """
    merged = is_merged(extract)
    require_files(extract, MERGED_EXTRACT_FILES if merged else EXTRACT_FILES, "--extract-dir",
                  "sigforge extract")
    require_files(refit, REFIT_FILES, "--refit-dir", "sigforge refit")
    provenance = read_json(extract / "provenance.json")
    check_merge_provenance(extract, provenance)
    rank = chosen_rank(provenance, extract / "provenance.json")
    signatures = read_run_matrix(extract / "signatures.tsv", _extract_step(extract))
    stability = read_stability(extract / "stability.tsv")
    exposures = read_run_matrix(refit / "exposures.tsv", _refit_step(refit))
    reconstruction = read_reconstruction(refit / "reconstruction.tsv")
    kept = refit_samples(catalog, exposures.columns, refit / "exposures.tsv", source)
    check_refit_record(refit, kept, source, extract / "signatures.tsv")
    check_same_labels(exposures.index, signatures.columns, refit / "exposures.tsv",
                      "signatures", extract / "signatures.tsv")
    check_same_labels(reconstruction.index, kept.columns, refit / "reconstruction.tsv",
                      "samples", source)
    check_same_labels(stability.index, signatures.columns, extract / "stability.tsv",
                      "signatures", extract / "signatures.tsv")
    check_refit_burdens(kept, reconstruction, refit / "reconstruction.tsv", source)
    if not merged:
        check_factored_catalog(catalog, provenance, extract, source)
        check_rank_count(signatures, rank, provenance, extract)
    intervals = read_intervals(refit / "exposure_intervals.tsv")
    check_intervals(intervals, exposures, refit / "exposure_intervals.tsv",
                    refit / "exposures.tsv")
    decomposition = read_decomposition(refit / "decomposition.tsv")
    if decomposition is not None:
        check_same_labels(decomposition.index, signatures.columns, refit / "decomposition.tsv",
                          "signatures", extract / "signatures.tsv")
    metrics = None if merged else read_rank_metrics(extract / "rank_metrics.tsv", rank)
    fields = {"catalog": kept, "chosen_rank": rank, "rank_rule": str(provenance["reason"]),
              "rank_metrics": metrics,
              "rank_caution": rank_caution(provenance), "rank_edge": rank_edge(provenance),
              "thresholds": rank_thresholds(provenance),
              "rescued": rank_rescued(provenance, extract / "provenance.json"),
              # a stratified run's ranks are its groups' (a k*/ here is an earlier run's)
              "solutions": () if merged else _solutions(extract, metrics.index),
              "signatures": signatures,
              "stability": stability, "exposures": exposures, "reconstruction": reconstruction,
              "intervals": intervals, "decomposition": decomposition,
              "left_out_samples": tuple(map(str, provenance.get(
                  "samples_without_mutations_left_out") or []))}
    if merged:
        fields.update(stratified_fields(extract, provenance, signatures))
    return fields


def read_decomposition(path: Path) -> pd.DataFrame | None:
    """decomposition.tsv (None when absent), its ``components`` cells checked to read as
    ``NAME:weight;...``: a damaged cell is named by line and row, not met later as a failure
    to draw the signature's figure."""
    table = read_optional_refit_table(path, DECOMPOSITION_COLUMNS, ("cosine",))
    if table is None:
        return None
    for line, (name, cell) in enumerate(table["components"].items(), start=2):
        try:
            parse_components(cell)
        except ValueError as err:
            raise InputError(f"{path}, line {line} (row '{name}'), column 'components': "
                             f"{err}; the file is damaged: rerun refit (sigforge refit "
                             f"--out {path.parent}) to rebuild it.") from None
    return table


def skip_reason(extract: Path) -> str | None:
    """provenance.json's ``skipped`` reason, or None for a discovery that ran."""
    path = extract / "provenance.json"
    if not path.is_file():
        return None
    provenance = read_json(path)
    reason = provenance.get("skipped") if isinstance(provenance, dict) else None
    return None if reason is None else str(reason)


def read_catalogs(catalog_dir: Path) -> dict[str, pd.DataFrame]:
    """Every catalog of :data:`REPORT_CONTEXTS` in the folder, SBS96 first, each checked to
    hold the samples of SBS96.tsv.

    ``sigforge catalog`` and ``merge-catalogs`` write every type for every sample, so a
    catalog of other samples (an ID83.tsv copied from another run) would put another
    cohort's section beside this one's; it is refused, naming both files and the samples.
    """
    source = catalog_dir / "SBS96.tsv"
    catalogs = {name: read_catalog(catalog_dir / f"{name}.tsv")
                for name in REPORT_CONTEXTS if (catalog_dir / f"{name}.tsv").is_file()}
    samples = catalogs["SBS96"].columns
    for name, catalog in catalogs.items():
        if name != "SBS96":
            check_same_labels(catalog.columns, samples, catalog_dir / f"{name}.tsv", "samples",
                              source)
    return catalogs


def read_context(name: str, catalog_dir: Path, extract_root: Path, refit_root: Path,
                 out: Path, reference: pd.DataFrame | None, *,
                 catalog: pd.DataFrame | None = None) -> ContextResults:
    """One mutation type's section from its catalog and its extract and refit folders.

    ``catalog`` is the type's catalog when already read (:func:`read_catalogs`), else it is
    read from ``catalog_dir``.

    Raises
    ------
    InputError
        A factored type whose files are missing or come from different runs (named).
    """
    source = catalog_dir / f"{name}.tsv"
    if catalog is None:
        catalog = read_catalog(source)
    extract, refit = extract_root / name, refit_root / name
    reference_exposures, reference_intervals = _reference_refit(refit / "reference", catalog,
                                                                source, reference)
    files = _relative(out, [
        (f"{name} catalog", source), (f"{name} rank metrics", extract / "rank_metrics.tsv"),
        (f"{name} signatures", extract / "signatures.tsv"),
        (f"{name} merge of the groups' signatures", extract / MERGED_TABLE),
        (f"{name} exposures", refit / "exposures.tsv"),
        (f"{name} exposure intervals", refit / "exposure_intervals.tsv"),
        (f"{name} reconstruction", refit / "reconstruction.tsv"),
        (f"{name} decomposition into the reference set", refit / "decomposition.tsv"),
        (f"{name} exposures to the reference set", refit / "reference" / "exposures.tsv"),
        (f"{name} exposure intervals, reference set",
         refit / "reference" / "exposure_intervals.tsv")])
    common = {"name": name, "reference": reference, "files": files,
              "reference_exposures": reference_exposures,
              "reference_intervals": reference_intervals}
    if not extract.is_dir():
        return ContextResults(catalog=catalog, status=NOT_FACTORED, **common)
    reason = skip_reason(extract)
    if reason is not None:
        return ContextResults(catalog=catalog, status=SKIPPED, skip_reason=reason, **common)
    return ContextResults(status=FACTORED, **_discovery(extract, refit, catalog, source),
                          **common)

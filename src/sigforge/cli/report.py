"""The ``report`` command (cohort and per-patient HTML) and the patient page of ``refit``.
"""

from __future__ import annotations

import argparse
import logging
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sigforge import __version__
from sigforge.cli._common import (
    EXTRACT_FILES,
    REFIT_FILES,
    add_command,
    fact_text,
    field_default,
    rank_caution,
    read_table_matrix,
    require_files,
)
from sigforge.io import (
    InputError,
    Matrix,
    read_json,
    read_table,
)
from sigforge.refit.options import ASSAYS, RefitOptions

if TYPE_CHECKING:
    from sigforge.report.cohort import CohortData

logger = logging.getLogger(__name__)


def _chosen_rank(provenance: dict[str, Any], path: Path) -> int:
    """The chosen rank and rule of an extract run's provenance.json, checked to be there."""
    rank, reason = provenance.get("chosen_rank"), provenance.get("reason")
    if isinstance(rank, bool) or not isinstance(rank, int) or not isinstance(reason, str):
        raise InputError(f"{path}: expected 'chosen_rank' (a whole number) and 'reason', got "
                         f"chosen_rank={rank!r}; give the provenance.json written by sigforge "
                         "extract or select-rank (rerun that step to rebuild it).")
    return rank


def _reference_refit(args: argparse.Namespace, catalog: pd.DataFrame
                     ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Exposures and intervals of the cohort's refit to the reference set, when given."""
    if args.reference_refit_dir is None:
        return None, None
    folder = Path(args.reference_refit_dir)
    require_files(folder, ["exposures.tsv"], "--reference-refit-dir",
                  "sigforge refit --signatures COSMIC_v3.6")
    exposures = read_table_matrix(folder / "exposures.tsv").data
    _check_same_labels(exposures.columns, catalog.columns, folder / "exposures.tsv", "samples",
                       Path(args.catalog_dir) / "SBS96.tsv")
    intervals = folder / "exposure_intervals.tsv"
    return exposures, read_table(intervals) if intervals.exists() else None


def _check_rank_metrics(metrics: pd.DataFrame, path: Path, chosen: int) -> None:
    """rank_metrics.tsv has the columns the report reads and a row for the chosen rank."""
    if "selected" not in metrics.columns:
        raise InputError(f"{path}: no column selected; give the rank_metrics.tsv written by "
                         "sigforge extract or select-rank.")
    ranks = pd.to_numeric(pd.Series(metrics.index), errors="coerce")
    if chosen not in set(ranks.dropna().astype(int)):
        raise InputError(f"{path}: no row for the chosen rank k={chosen} of provenance.json "
                         f"(ranks: {list(metrics.index)}); the two files come from different "
                         "runs. Give the folder of one run.")


def _check_same_labels(found: pd.Index, expected: pd.Index, path: Path, what: str,
                       source: Path) -> None:
    """Refuse a table whose labels (``what``) are not exactly those of ``source``."""
    found_set, expected_set = {str(x) for x in found}, {str(x) for x in expected}
    if found_set == expected_set and len(found) == len(expected):
        return
    missing = sorted(expected_set - found_set)
    extra = sorted(found_set - expected_set)
    raise InputError(f"{path}: its {what} differ from those of {source} (missing: "
                     f"{_listing_of(missing)}; not in {source.name}: {_listing_of(extra)}); the "
                     "files come from different runs. Give the folders of one run (rerun the "
                     "step that wrote the stale file).")


def _listing_of(items: list[str], limit: int = 5) -> str:
    """The first few of ``items`` and how many more, or 'none'."""
    if not items:
        return "none"
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _check_cohort_data(data: Any, catalog_dir: Path, extract_dir: Path, refit_dir: Path
                       ) -> None:
    """The report's tables agree on samples and signatures, before anything is drawn."""
    catalog, signatures = catalog_dir / "SBS96.tsv", extract_dir / "signatures.tsv"
    exposures = refit_dir / "exposures.tsv"
    _check_same_labels(data.exposures.columns, data.catalog.columns, exposures, "samples",
                       catalog)
    _check_same_labels(data.exposures.index, data.signatures.columns, exposures, "signatures",
                       signatures)
    _check_same_labels(data.reconstruction.index, data.catalog.columns,
                       refit_dir / "reconstruction.tsv", "samples", catalog)
    _check_same_labels(data.stability.index, data.signatures.columns,
                       extract_dir / "stability.tsv", "signatures", signatures)


def _load_cohort_data(args: argparse.Namespace) -> CohortData:
    """Gather the report's inputs (catalog, log, discovery, refit, reference matches)."""
    import os

    from sigforge.genomics.reference import load_aetiology, load_reference
    from sigforge.refit import best_matches
    from sigforge.report.cohort import CohortData

    catalog_dir, extract_dir = Path(args.catalog_dir), Path(args.extract_dir)
    refit_dir, out = Path(args.refit_dir), Path(args.out)
    require_files(catalog_dir, ["SBS96.tsv", "catalog_log.tsv"], "--catalog-dir",
                   "sigforge catalog (or merge-catalogs)")
    require_files(extract_dir, EXTRACT_FILES, "--extract-dir", "sigforge extract")
    require_files(refit_dir, REFIT_FILES, "--refit-dir", "sigforge refit")
    provenance = read_json(extract_dir / "provenance.json")
    chosen_rank = _chosen_rank(provenance, extract_dir / "provenance.json")
    signatures = read_table_matrix(extract_dir / "signatures.tsv").data
    opportunities = None
    if args.assay == "regions":
        if args.opportunities is None:
            raise InputError("--assay regions needs --opportunities FILE (the table of "
                             "'sigforge opportunities --regions BED') to rescale the "
                             "reference the signatures are matched to.")
        from sigforge.genomics.opportunities import read_opportunities

        opportunities = read_opportunities(args.opportunities)
    reference = load_reference(args.reference, genome_build=args.genome_build,
                               assay=args.assay, opportunities=opportunities).data
    metrics = read_table(extract_dir / "rank_metrics.tsv")
    _check_rank_metrics(metrics, extract_dir / "rank_metrics.tsv", chosen_rank)
    metrics["selected"] = metrics["selected"].astype(str).str.lower() == "true"
    files = {label: os.path.relpath(path, out) for label, path in [
        ("SBS96 catalog", catalog_dir / "SBS96.tsv"),
        ("catalog log", catalog_dir / "catalog_log.tsv"),
        ("rank metrics", extract_dir / "rank_metrics.tsv"),
        ("signatures", extract_dir / "signatures.tsv"),
        ("exposures", refit_dir / "exposures.tsv"),
        ("exposure intervals", refit_dir / "exposure_intervals.tsv"),
        ("decomposition into COSMIC", refit_dir / "decomposition.tsv"),
        ("reconstruction", refit_dir / "reconstruction.tsv"),
        *_reference_files(args)] if path.exists()}
    intervals_path = refit_dir / "exposure_intervals.tsv"
    decomposition_path = refit_dir / "decomposition.tsv"
    catalog_log = read_table(catalog_dir / "catalog_log.tsv")
    run_info = _run_info(args, provenance, catalog_log)
    other_catalogs = {name: read_table_matrix(catalog_dir / f"{name}.tsv").data
                      for name in ("DBS78", "ID83") if (catalog_dir / f"{name}.tsv").exists()}
    catalog = read_table_matrix(catalog_dir / "SBS96.tsv").data
    reference_exposures, reference_intervals = _reference_refit(args, catalog)
    data = CohortData(
        catalog=catalog,
        catalog_log=catalog_log,
        rank_metrics=metrics, chosen_rank=chosen_rank,
        rank_rule=str(provenance["reason"]), rank_caution=rank_caution(provenance),
        signatures=signatures,
        stability=read_table(extract_dir / "stability.tsv"),
        exposures=read_table_matrix(refit_dir / "exposures.tsv").data,
        reconstruction=read_table(refit_dir / "reconstruction.tsv"),
        reference_matches=best_matches(signatures, reference.loc[signatures.index]),
        run_info=run_info, files=files,
        intervals=read_table(intervals_path) if intervals_path.exists() else None,
        decomposition=read_table(decomposition_path) if decomposition_path.exists() else None,
        aetiology=load_aetiology(args.reference), reference_signatures=reference,
        other_catalogs=other_catalogs, reference_exposures=reference_exposures,
        reference_intervals=reference_intervals)
    _check_cohort_data(data, catalog_dir, extract_dir, refit_dir)
    return data


def _reference_files(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """The reference refit's tables, for the cohort page's list of output files."""
    if args.reference_refit_dir is None:
        return []
    folder = Path(args.reference_refit_dir)
    return [("exposures to the reference set", folder / "exposures.tsv"),
            ("exposure intervals, reference set", folder / "exposure_intervals.tsv")]


#: The NMF settings the cohort report shows: those given on the command line.
_NMF_SHOWN = ("max_iter", "min_iter", "tol", "resampling", "normalisation", "cap")


def _run_info(args: argparse.Namespace, provenance: dict[str, Any],
              catalog_log: pd.DataFrame) -> dict[str, str]:
    """The cohort report's run summary: inputs, versions, configuration and seed."""
    import matplotlib
    import scipy

    sources = [str(source) for source in catalog_log.get("source", pd.Series(dtype=str))]
    folders = sorted({str(Path(source).parent) for source in sources})
    info = {"inputs": f"{len(sources)} sample(s) from {', '.join(folders[:3]) or '?'}"
                      + (f" and {len(folders) - 3} more folders" if len(folders) > 3 else ""),
            "catalog": str(args.catalog_dir), "seed": str(provenance.get("seed", "not recorded"))}
    for key, label in (("catalog_name", "channel set"), ("ranks", "ranks tried"),
                       ("replicates", "replicates per rank"), ("nmf", "NMF settings")):
        if key in provenance:
            info[label] = fact_text(provenance[key], _NMF_SHOWN)
    rule = provenance.get("rank_rule")
    if isinstance(rule, dict):
        info["rank rule"] = ", ".join(f"{key}={value}" for key, value in rule.items())
    info["reference signatures"] = f"{args.reference} ({args.genome_build}, assay {args.assay})"
    info["sigforge version"] = str(provenance.get("sigforge", __version__))
    versions = {"python": provenance.get("python", platform.python_version()),
                "numpy": provenance.get("numpy", np.__version__), "pandas": pd.__version__,
                "scipy": scipy.__version__, "matplotlib": matplotlib.__version__}
    info["versions"] = ", ".join(f"{name} {version}" for name, version in versions.items())
    return info


def report(args: argparse.Namespace) -> None:
    """``sigforge report``: the cohort HTML page and one page per sample."""
    from sigforge.genomics.samplesheet import file_stems
    from sigforge.report.cohort import write_reports

    data = _load_cohort_data(args)
    stems = file_stems(list(data.catalog.columns), f"{args.catalog_dir}/SBS96.tsv")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be at least 1, got {args.threads}.")
    path = write_reports(data, Path(args.out), stems, workers=args.threads)
    logger.info("cohort report: %s", path.resolve())


def write_patient_page(args: argparse.Namespace, matrix: Matrix, log: pd.DataFrame,
                        signatures: Matrix, result: Any, out: Path) -> None:
    """Per-patient mode: the patient's HTML page (no cohort page to link back to)."""
    from sigforge.genomics.reference import load_aetiology
    from sigforge.genomics.samplesheet import file_stems
    from sigforge.refit import best_matches
    from sigforge.report.cohort import CohortData, write_patient_report

    sample = str(matrix.data.columns[0])
    matches = best_matches(signatures.data, signatures.data)
    data = CohortData(
        catalog=matrix.data, catalog_log=log, rank_metrics=pd.DataFrame(), chosen_rank=0,
        rank_rule="", signatures=signatures.data,
        stability=pd.DataFrame({"stability": np.nan, "spread": np.nan},
                               index=signatures.data.columns),
        exposures=result.exposures, reconstruction=result.reconstruction,
        reference_matches=matches,
        run_info={"sigforge version": __version__, "VCF": str(args.vcf),
                  "reference FASTA": str(args.reference),
                  "signatures": f"{args.signatures} ({args.genome_build}, assay "
                                f"{getattr(args, 'assay', 'genome')})",
                  **({"targeted regions": str(args.regions)}
                     if getattr(args, "regions", None) else {}),
                  "refit method": args.method, "bootstrap resamples": str(args.bootstrap),
                  **({"signature cost (penalty)": str(args.penalty),
                      "tumour-type prior": args.tumour_type} if args.method == "negbin"
                     else {}),
                  "seed": str(args.seed)},
        files={}, intervals=result.intervals, aetiology=load_aetiology(args.signatures),
        cohort_link=False)
    stem = file_stems([sample], f"VCF {args.vcf}")[sample]
    regions = (_regions_of_interest(out) if getattr(args, "regions_of_interest", None)
               else None)
    path = write_patient_report(data, sample, out, stem, regions=regions)
    logger.info("patient report: %s", path.resolve())


def _regions_of_interest(out: Path) -> pd.DataFrame | None:
    """``out/regions_of_interest.tsv`` as text cells, or None (called only when a BED was
    given: without one the file holds only its header and the page has no such section)."""
    from sigforge.report.patient_rows import REGION_COLUMNS

    path = out / "regions_of_interest.tsv"
    if not path.exists():
        return None
    try:
        return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:  # no header either: no variant in the regions
        return pd.DataFrame(columns=list(REGION_COLUMNS))


def add_parsers(subparsers: Any) -> None:
    """Declare ``report``."""
    p = add_command(subparsers, "report", report)
    p.add_argument("--catalog-dir", required=True, help="directory with SBS96.tsv, catalog_log.tsv")
    p.add_argument("--extract-dir", required=True, help="directory written by extract")
    p.add_argument("--refit-dir", required=True, help="directory written by refit")
    p.add_argument("--reference-refit-dir", default=None,
                   help="directory written by refit against the whole reference set "
                        "(exposures.tsv, exposure_intervals.tsv): adds the cohort page's "
                        "'Refit to COSMIC' section")
    p.add_argument("--reference", default="COSMIC_v3.6", help="reference set for matches")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"],
                   help="build of the reference set")
    p.add_argument("--assay", default=field_default(RefitOptions, "assay"), choices=ASSAYS,
                   help="what was sequenced (as for refit): genome, exome or regions; picks "
                        "the reference tables the signatures are matched to")
    p.add_argument("--opportunities", default=None, metavar="FILE",
                   help="with --assay regions: the table of 'sigforge opportunities'")
    p.add_argument("--threads", type=int, default=None,
                   help="processes drawing patient pages (default: the CPUs allowed, at most 8)")
    p.add_argument("--out", required=True, help="output directory")


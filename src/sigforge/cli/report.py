"""The ``report`` command (cohort and per-patient HTML) and the patient page of ``refit``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sigforge import __version__
from sigforge._validation import MAX_CELL
from sigforge.cli._common import (
    MAX_THREADS,
    add_command,
    count_type,
    fact_text,
    field_default,
    require_files,
)
from sigforge.cli.own_outputs import page_files, stale_outputs_removed
from sigforge.cli.report_contexts import (
    listing_of,
    read_catalogs,
    read_context,
    skip_reason,
)
from sigforge.cli.report_outputs import check_pages_not_outputs
from sigforge.io import (
    InputError,
    read_json,
    read_table,
)
from sigforge.refit.options import ASSAYS, REFIT_METHODS, RefitOptions

if TYPE_CHECKING:
    from sigforge.report.cohort import CohortData

logger = logging.getLogger(__name__)


def _reference_set(args: argparse.Namespace, name: str) -> pd.DataFrame | None:
    """The reference set in a type's channel set (SBS96 for SBS288/SBS1536, compared summed
    into SBS96); None when the set has no table for it (a user's SBS96-only file). A file of
    another channel set than SBS96 is refused: the SBS96 section and the patient pages are
    drawn from its matches."""
    from sigforge.genomics.reference import load_reference

    channel_set = "SBS96" if name in ("SBS288", "SBS1536") else name
    try:
        reference = load_reference(args.signatures, channel_set=channel_set,
                                   genome_build=args.genome_build, assay=args.assay,
                                   opportunities=args.opportunity_table)
    except InputError:
        if channel_set == "SBS96":
            raise
        logger.info("%s has no %s table: %s is shown without reference matches",
                    args.signatures, channel_set, name)
        return None
    if reference.channel_set == channel_set:
        return reference.data
    found = reference.channel_set or "generic (no known channel set)"
    if channel_set == "SBS96":
        raise InputError(f"--signatures {args.signatures}: its rows are the {found} channels, "
                         "but the report matches the de novo SBS96 signatures against it. "
                         "Give a signature table over the SBS96 channels (or a shipped set "
                         "such as COSMIC_v3.6, which has a table for each mutation type).")
    logger.info("%s is a %s table, not %s: %s is shown without reference matches",
                args.signatures, found, channel_set, name)
    return None


def _assay_opportunities(args: argparse.Namespace) -> pd.DataFrame | None:
    """The --opportunities table that --assay regions rescales the reference to (None for
    the other assays)."""
    if args.assay != "regions":
        return None
    if args.opportunities is None:
        raise InputError("--assay regions needs --opportunities FILE (the table of 'sigforge "
                         "opportunities --regions BED') to rescale the reference the "
                         "signatures are matched to.")
    from sigforge.genomics.opportunities import read_opportunities

    return read_opportunities(args.opportunities)


def _patient_pages(args: argparse.Namespace, stems: dict[str, str], out: Path,
                   log: pd.DataFrame) -> dict[str, str]:
    """Sample to its per-patient page relative to the report; every page must exist.

    The page is ``--patients-dir/{stem}.html``, where the workflow's ``patients`` target and
    ``sigforge refit --vcf ... --page-dir DIR`` (under ``DIR/patients``) write it.
    """
    if args.patients_dir is None:
        return {}
    folder = Path(args.patients_dir)
    pages = {sample: folder / f"{stem}.html" for sample, stem in stems.items()}
    missing = [str(path) for path in pages.values() if not path.is_file()]
    if missing:
        raise InputError(f"--patients-dir {folder}: no per-patient page for "
                         f"{len(missing)} sample(s) ({listing_of(missing)}); give the folder "
                         "of the per-patient refits ('sigforge refit --vcf ...', the workflow's "
                         "patients target), or leave --patients-dir out.")
    check_pages_not_outputs(folder, pages, out, stems)
    _check_page_sources(folder, pages, log)
    return {sample: os.path.relpath(path, out) for sample, path in pages.items()}


def _check_page_sources(folder: Path, pages: dict[str, Path], log: pd.DataFrame) -> None:
    """Refuse per-patient pages written from the input another sample of the cohort was
    counted from (a stale page, or another tumour's written under this name): linked as the
    sample's, it would show another tumour's burden and exposures. A page from an input the
    cohort did not count at all (per-patient VCFs beside a cohort MAF) cannot be checked and
    is warned about. Inputs are compared as files where both paths exist here, else by file
    name. Pages without the tag (older versions) are not checked."""
    from sigforge.report.pages import page_source

    sources = {str(sample): str(source)
               for sample, source in log.get("source", pd.Series(dtype=str)).items()}
    wrong, unchecked, recounted = [], [], []
    for sample, path in pages.items():
        written, counted = page_source(path), sources.get(sample, "")
        if not written or not counted:
            continue
        if _same_input(written, counted):  # the sample's own input: counted alike?
            recounted += _other_counts(path, sample, log)
            continue
        other = next((name for name, source in sources.items()
                      if name != sample and _same_input(written, source)), None)
        if other is not None:
            wrong.append(f"{path.name} from {written}, {other}'s input; {sample} was counted "
                         f"from {counted}")
        else:
            unchecked.append(f"{path.name} from {written}")
    if wrong:
        raise InputError(f"--patients-dir {folder}: {len(wrong)} page(s) were written from "
                         f"another sample's input ({listing_of(wrong)}): each would show "
                         "another tumour as the sample's. Rewrite them from the samples' own "
                         "inputs (sigforge refit --vcf, or the workflow's patients target), or "
                         "leave --patients-dir out.")
    if unchecked:
        logger.warning("--patients-dir %s: %d page(s) were written from inputs the cohort's "
                       "catalog did not count (%s); check that each is the sample's own "
                       "tumour.", folder, len(unchecked), listing_of(unchecked))
    if recounted:
        logger.warning("--patients-dir %s: %d page(s) counted their input otherwise than the "
                       "cohort's catalog (%s): other --regions, --all-filters, FASTA or "
                       "VCF column, or a cohort counted with --multi-snvs-in-sbs (a page "
                       "never counts a doublet's SNVs as SNVs)? Each page states its own "
                       "counts, not the cohort page's; rewrite the pages with the cohort's "
                       "settings to make the two agree.", folder,
                       len(recounted), listing_of(recounted))


def _other_counts(path: Path, sample: str, log: pd.DataFrame) -> list[str]:
    """The page's counts (its ``sigforge-counts`` tag) that differ from the cohort's
    catalog_log.tsv row of ``sample``, in words (empty: they agree, or the page records none)."""
    from sigforge.report.pages import log_row, page_counts

    row = log_row(log, sample)
    if row is None:
        return []
    differ = [f"{column.removeprefix('counted_')} {value:,} on the page, {int(row[column]):,} "
              "in the cohort" for column, value in page_counts(path).items()
              if column in row.index and pd.notna(row[column]) and int(row[column]) != value]
    return [f"{path.name}: {', '.join(differ)}"] if differ else []


def _same_input(first: str, second: str) -> bool:
    """Whether two input paths name one file: the same file where both exist here (a file
    name shared by folders, somatic.vcf.gz in each patient's, is no match), else the same
    file name (paths written relative to another directory)."""
    one, other = Path(first), Path(second)
    if one.is_file() and other.is_file():
        return os.path.samefile(one, other)
    return one.name == other.name


def _load_cohort_data(args: argparse.Namespace) -> tuple[CohortData, dict[str, str]]:
    """Gather the report's inputs (every catalog's section, the SBS96 tables of the patient
    pages, the catalog log and the reference matches) and each sample's page stem."""
    from sigforge.genomics.reference import load_aetiology, set_label
    from sigforge.genomics.samplesheet import file_stems
    from sigforge.refit import best_matches
    from sigforge.report.cohort import CohortData

    catalog_dir, out = Path(args.catalog_dir), Path(args.out)
    extract_root, refit_root = Path(args.extract_dir), Path(args.refit_dir)
    require_files(catalog_dir, ["SBS96.tsv", "catalog_log.tsv"], "--catalog-dir",
                  "sigforge catalog (or merge-catalogs)")
    _require_sbs96(extract_root, refit_root)
    args.opportunity_table = _assay_opportunities(args)
    catalogs = read_catalogs(catalog_dir)
    catalog_log = read_catalog_log(catalog_dir, catalogs["SBS96"].columns)
    _check_log_against_catalogs(catalog_log, catalogs, catalog_dir)
    contexts = tuple(read_context(name, catalog_dir, extract_root, refit_root, out,
                                  _reference_set(args, name), catalog=catalog)
                     for name, catalog in catalogs.items())
    sbs96 = contexts[0]
    assert sbs96.signatures is not None and sbs96.reference is not None
    provenance = read_json(extract_root / "SBS96" / "provenance.json")
    catalog = sbs96.catalog
    stems = file_stems(list(catalog.columns), f"{catalog_dir}/SBS96.tsv")
    files = _relative_files(out, catalog_dir, contexts)
    run_info = _run_info(args, provenance, catalog_log)
    run_info["mutation types"] = "; ".join(_context_summary(context) for context in contexts)
    data = CohortData(
        catalog=catalog, catalog_log=catalog_log,
        rank_metrics=sbs96.rank_metrics if sbs96.rank_metrics is not None else pd.DataFrame(),
        chosen_rank=sbs96.chosen_rank,
        rank_rule=sbs96.rank_rule, rank_caution=sbs96.rank_caution, rank_edge=sbs96.rank_edge,
        signatures=sbs96.signatures, stability=sbs96.stability,
        exposures=sbs96.exposures, reconstruction=sbs96.reconstruction,
        reference_matches=best_matches(sbs96.signatures,
                                       sbs96.reference.loc[sbs96.signatures.index]),
        run_info=run_info, files=files,
        intervals=sbs96.intervals, decomposition=sbs96.decomposition,
        aetiology=load_aetiology(args.signatures), reference_signatures=sbs96.reference,
        reference_name=str(args.signatures), match_label=set_label(args.signatures),
        selecting_method=args.refit_method != "nnls",
        reference_exposures=sbs96.reference_exposures,
        reference_intervals=sbs96.reference_intervals, contexts=contexts,
        patient_pages=_patient_pages(args, stems, out, catalog_log))
    return data, stems


def _log_fix(catalog_dir: Path) -> str:
    """How a catalog log that does not describe its catalogs is rebuilt."""
    return ("sigforge catalog (or merge-catalogs) writes the log with the catalogs: rerun it "
            f"with --out {catalog_dir}, so that both come from one run.")


def _log_sample_names(path: Path) -> list[str]:
    """The sample column of a catalog log as written (text: type inference would read a
    sample '007' as the number 7, and no longer find it in the catalogs)."""
    column = pd.read_csv(path, sep="\t", usecols=[0], dtype=str, keep_default_na=False)
    return column.iloc[:, 0].tolist()


def _check_log_samples(path: Path, names: list[str], samples: pd.Index,
                       catalog_dir: Path) -> None:
    """Refuse a catalog log that does not list each sample of SBS96.tsv exactly once: a
    sample listed twice, one of no catalog (an extra row) or one without a row. The catalogs
    hold every counted sample, those without mutations too, so the two always agree."""
    source = catalog_dir / "SBS96.tsv"
    expected = [str(sample) for sample in samples]
    known = set(expected)
    first: dict[str, int] = {}
    for line, name in enumerate(names, start=2):
        if name not in known:
            raise InputError(f"{path}, line {line}: sample '{name}' is not a sample of "
                             f"{source}; {_log_fix(catalog_dir)}")
        if name in first:
            raise InputError(f"{path}, line {line}: sample '{name}' is listed again (first on "
                             f"line {first[name]}); {_log_fix(catalog_dir)}")
        first[name] = line
    missing = [sample for sample in expected if sample not in first]
    if missing:
        raise InputError(f"{path}: no row for sample(s) {listing_of(missing)}, column(s) of "
                         f"{source}; {_log_fix(catalog_dir)}")


#: The largest count a log cell may hold (:data:`sigforge._validation.MAX_CELL`: above it a
#: float no longer holds every whole number, so a larger count could read as a smaller one).
_MAX_COUNT = MAX_CELL


def _check_log_counts(log: pd.DataFrame, path: Path, catalog_dir: Path) -> pd.DataFrame:
    """The log's count columns (every column but the text ones: source, reference, assay)
    as whole numbers >= 0; the first
    other cell (text, empty, negative, fractional) is named by line, sample and column."""
    from sigforge.genomics.accounting import LOG_TEXT_COLUMNS

    for column in [c for c in log.columns if c not in LOG_TEXT_COLUMNS]:
        values = log[column]
        numbers = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
        valid = (numbers.notna() & (numbers >= 0) & (numbers <= _MAX_COUNT)
                 & (numbers == numbers.round()))
        bad = np.flatnonzero(~valid.to_numpy())
        if bad.size:
            row = int(bad[0])
            raise InputError(f"{path}, line {row + 2} (sample '{log.index[row]}'), column "
                             f"'{column}': {values.iloc[row]!r} is not a count (a whole number "
                             f">= 0); {_log_fix(catalog_dir)}")
        log[column] = numbers.astype(np.int64)
    return log


def _check_log_against_catalogs(log: pd.DataFrame, catalogs: dict[str, pd.DataFrame],
                                catalog_dir: Path) -> None:
    """Refuse a catalog_log.tsv whose counts contradict the catalogs beside it (the pages
    would say '2,128 SNVs counted' beside a burden of 2,121, or '0 doublets' beside a
    doublet section): :func:`.catalog_checks.log_count_problem`."""
    from sigforge.cli.catalog_checks import log_count_problem

    problem = log_count_problem(log, catalogs)
    if problem is not None:
        raise InputError(f"{catalog_dir / 'catalog_log.tsv'}: {problem}; "
                         f"{_log_fix(catalog_dir)}")


def read_catalog_log(catalog_dir: Path, samples: pd.Index) -> pd.DataFrame:
    """catalog_log.tsv of ``catalog_dir``, checked to describe the catalogs of ``samples``
    (SBS96.tsv's): one row per sample, counts in every column but 'source'.

    The report shows the log as it is, so a row of another run, a repeated or missing
    sample, or text among the counts would otherwise reach the page without a word.
    """
    path = catalog_dir / "catalog_log.tsv"
    log = read_table(path)
    names = _log_sample_names(path)
    _check_log_samples(path, names, samples, catalog_dir)
    log.index = pd.Index(names, name=log.index.name)
    return _check_log_counts(log, path, catalog_dir)


def _context_summary(context: Any) -> str:
    """One type's state for the run summary: 'SBS96: k = 3', 'SBS96: k = 3 (merged from 2
    groups)', 'DBS78: skipped (...)'."""
    if context.factored and context.merged is not None:
        skipped = sum(group.skipped for group in context.groups)
        return (f"{context.name}: k = {context.chosen_rank} (merged from "
                f"{len(context.groups) - skipped} groups"
                f"{f'; {skipped} too thin to factor' if skipped else ''})")
    if context.factored and context.rescued:
        return (f"{context.name}: k = {context.chosen_rank} "
                f"({context.signatures.shape[1]} signatures, {len(context.rescued)} of them "
                "added from larger ranks)")
    if context.factored and context.signatures.shape[1] != context.chosen_rank:
        return (f"{context.name}: k = {context.chosen_rank} "
                f"({context.signatures.shape[1]} signatures kept)")
    if context.factored:
        return f"{context.name}: k = {context.chosen_rank}"
    if context.skip_reason:
        return f"{context.name}: discovery skipped ({context.skip_reason})"
    return f"{context.name}: {context.status}"


def _type_folder_files(root: Path, names: list[str]) -> list[str]:
    """What makes ``root`` look like one mutation type's results folder rather than the root
    of them all: those of ``names`` it holds, and its rank folders (``k{k}/``)."""
    from sigforge.cli._common import rank_folder_number

    found = [name for name in names if (root / name).is_file()]
    ranks = sorted((rank, d.name) for d in root.glob("k*")
                   if d.is_dir() and (rank := rank_folder_number(d.name)) is not None)
    return found + [f"{name}/" for _, name in ranks]


def _check_roots(extract_root: Path, refit_root: Path) -> None:
    """Refuse an --extract-dir or --refit-dir given one type's folder (``EXTRACT/SBS96``)
    instead of the root holding one folder per type: say so and name the parent to give,
    rather than calling ``EXTRACT/SBS96/SBS96``'s files missing."""
    from sigforge.cli._common import EXTRACT_FILES, REFIT_FILES
    from sigforge.cli.report_contexts import REPORT_CONTEXTS
    from sigforge.discovery.groups import MERGED_TABLE

    problems = []
    for option, root, names, producer in (
            ("--extract-dir", extract_root, [*EXTRACT_FILES, MERGED_TABLE], "extract"),
            ("--refit-dir", refit_root, REFIT_FILES, "refit")):
        if (root / "SBS96").is_dir() or not root.is_dir():
            continue
        found = _type_folder_files(root, names)
        if not found:
            continue
        holds = f"it holds {listing_of(found)}"
        if root.name in REPORT_CONTEXTS:
            problems.append(f"{option} {root} is the folder of one mutation type ("
                            f"{root.name}; {holds}), not the root that holds one folder per "
                            f"type (SBS96/, DBS78/, ...). Give its parent folder: {option} "
                            f"{root.parent}.")
        else:
            problems.append(f"{option} {root} holds one mutation type's results itself "
                            f"({holds}), but the report reads each type's results from a "
                            f"folder named after it ({root / 'SBS96'}, ...). Give the folder "
                            f"above the SBS96 results, or rerun 'sigforge {producer} --out "
                            f"{root / 'SBS96'}'.")
    if problems:
        raise InputError(" ".join(problems))


def _require_sbs96(extract_root: Path, refit_root: Path) -> None:
    """SBS96 must be factored: the per-sample pages are drawn from its signatures."""
    from sigforge.cli._common import EXTRACT_FILES, REFIT_FILES
    from sigforge.cli.report_groups import MERGED_EXTRACT_FILES, is_merged

    _check_roots(extract_root, refit_root)
    folder = extract_root / "SBS96"
    reason = skip_reason(folder)
    if reason is not None:
        raise InputError(f"--extract-dir {extract_root}: SBS96 discovery was skipped "
                         f"({reason}); the per-sample pages are drawn from the SBS96 "
                         "signatures. Run 'sigforge extract' on SBS96.tsv into "
                         f"{folder} and 'sigforge refit' into {refit_root / 'SBS96'}.")
    require_files(folder, MERGED_EXTRACT_FILES if is_merged(folder) else EXTRACT_FILES,
                  "--extract-dir", "sigforge extract")
    require_files(refit_root / "SBS96", REFIT_FILES, "--refit-dir", "sigforge refit")


def _relative_files(out: Path, catalog_dir: Path, contexts: tuple[Any, ...]) -> dict[str, str]:
    """The page's list of output files: the catalog log and every type's tables."""
    listed = {"catalog log": os.path.relpath(catalog_dir / "catalog_log.tsv", out)}
    for context in contexts:
        listed.update(context.files)
    return listed


#: The NMF settings the cohort report shows: those given on the command line.
_NMF_SHOWN = ("max_iter", "min_iter", "tol", "resampling", "normalisation", "cap", "volume")


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
    for key, label in (("catalog_name", "catalog name (signature prefix)"),
                       ("ranks", "ranks tried"), ("replicates", "replicates per rank"),
                       ("nmf", "NMF settings")):
        if key in provenance:
            info[label] = fact_text(provenance[key], _NMF_SHOWN)
    rule = provenance.get("rank_rule")
    if isinstance(rule, dict):
        info["rank rule"] = ", ".join(f"{key}={value}" for key, value in rule.items())
    info["reference signatures"] = f"{args.signatures} ({args.genome_build}, assay {args.assay})"
    info["sigforge version"] = str(provenance.get("sigforge", __version__))
    versions = {"python": provenance.get("python", platform.python_version()),
                "numpy": provenance.get("numpy", np.__version__), "pandas": pd.__version__,
                "scipy": scipy.__version__, "matplotlib": matplotlib.__version__}
    info["versions"] = ", ".join(f"{name} {version}" for name, version in versions.items())
    return info


#: The pages and figures a report wrote, relative to its --out (:mod:`.own_outputs`).
REPORT_MANIFEST = ".report_files"


def report(args: argparse.Namespace) -> None:
    """``sigforge report``: the cohort HTML page and one page per sample."""
    from sigforge.report.cohort import write_reports

    data, stems = _load_cohort_data(args)
    with stale_outputs_removed(Path(args.out), REPORT_MANIFEST, page_files, "report"):
        path = write_reports(data, Path(args.out), stems, workers=args.threads)
    logger.info("cohort report: %s", path)  # as given: identical runs write identical logs


def add_parsers(subparsers: Any) -> None:
    """Declare ``report``."""
    p = add_command(subparsers, "report", report)
    p.add_argument("--catalog-dir", required=True,
                   help="directory with catalog_log.tsv and the catalogs (SBS96.tsv required; "
                        "SBS288.tsv, SBS1536.tsv, DBS78.tsv, ID83.tsv each get a section when "
                        "present)")
    p.add_argument("--extract-dir", required=True,
                   help="root of the discovery results: EXTRACT/{context}/ per catalog, as "
                        "written by 'sigforge extract --out EXTRACT/{context}' (a catalog "
                        "without one is shown as not factored)")
    p.add_argument("--refit-dir", required=True,
                   help="root of the refits: REFIT/{context}/ (refit to the de novo "
                        "signatures) and REFIT/{context}/reference/ (refit to the whole "
                        "signature set, the 'Refit to COSMIC' part, when present)")
    p.add_argument("--signatures", default="COSMIC_v3.6",
                   help="reference signature set (shipped name or table) that de novo "
                        "signatures are matched against")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"],
                   help="build of the reference set")
    p.add_argument("--patients-dir", default=None,
                   help="directory of the per-patient refit pages, DIR/{stem}.html: the "
                        "Patients table links each sample's page; a missing page is an error "
                        "(default: no such links)")
    p.add_argument("--assay", default=field_default(RefitOptions, "assay"), choices=ASSAYS,
                   help="what was sequenced (as for refit): genome, exome or regions; picks "
                        "the reference tables the signatures are matched to")
    p.add_argument("--opportunities", default=None, metavar="FILE",
                   help="with --assay regions: the table of 'sigforge opportunities'")
    p.add_argument("--refit-method", default=field_default(RefitOptions, "method"),
                   choices=REFIT_METHODS,
                   help="the method the refits in --refit-dir were made with: under nnls, "
                        "which gives every signature some weight, the patient pages state no "
                        "signature as a finding (default: %(default)s)")
    p.add_argument("--threads", default=None,
                   type=count_type(1, MAX_THREADS, "processes drawing pages"),
                   help="processes drawing patient pages (default: the CPUs allowed, at most 8)")
    p.add_argument("--out", required=True, help="output directory")

"""The per-patient page of ``sigforge refit --vcf``: one patient's refit, its doublet and
indel refits and its regions of interest, written as the cohort report writes a patient's
page (no cohort page to link back to)."""

from __future__ import annotations

import argparse
import html
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sigforge import __version__
from sigforge.io import InputError, Matrix

logger = logging.getLogger(__name__)


class WiderRefit(NamedTuple):
    """The patient refitted to a wider reference set than its signatures (the set they are
    decomposed into, or the whole shipped set behind a --restrict-to): that set, the
    exposures, and its name. The page checks its fit against it
    (:mod:`sigforge.report.fit_support`)."""

    signatures: pd.DataFrame
    exposures: pd.DataFrame
    name: str


def write_patient_page(args: argparse.Namespace, matrix: Matrix, log: pd.DataFrame,
                        signatures: Matrix, result: Any, out: Path, page_dir: Path,
                        other_types: Sequence[Any] = (),
                        reference: pd.DataFrame | None = None,
                        wider: WiderRefit | None = None,
                        skipped: dict[str, int] | None = None) -> None:
    """Per-patient mode: the patient's HTML page ``page_dir/patients/{stem}.html`` (no cohort
    page to link back to); ``out`` holds its tables.

    Each signature's COSMIC match (and so its aetiology) is found in ``reference``, the
    --decompose-into set, when the signatures are another set (a de novo or user table):
    matched against themselves, every one read as "itself a COSMIC signature" at
    cosine 1, whatever its name or profile. Without it the set is that reference itself.
    ``wider``: the patient refitted to a wider set, against which the page checks whether its
    fit misses a process; ``skipped``: the uncounted variants in the regions of interest,
    by skip reason."""
    from sigforge.cli.patient_discovery import discovery_fields
    from sigforge.genomics.reference import load_aetiology, set_label
    from sigforge.genomics.samplesheet import file_stems
    from sigforge.refit import best_matches
    from sigforge.report.cohort import CohortData, write_patient_report

    sample = str(matrix.data.columns[0])
    matches = best_matches(signatures.data,
                           signatures.data if reference is None else reference)
    matched_set = args.signatures if reference is None else args.decompose_into
    aetiology = load_aetiology(matched_set)
    discovery = {"chosen_rank": 0, "rank_rule": "",
                 "stability": pd.DataFrame({"stability": np.nan, "spread": np.nan},
                                           index=signatures.data.columns),
                 **discovery_fields(args.signatures, signatures.data.columns)}
    data = CohortData(
        catalog=matrix.data, catalog_log=log, rank_metrics=pd.DataFrame(),
        signatures=signatures.data, **discovery,
        exposures=result.exposures, reconstruction=result.reconstruction,
        reference_matches=matches,
        run_info={"sigforge version": __version__, "VCF": str(args.vcf),
                  "reference FASTA": str(args.reference),
                  **_signature_info(args),
                  "variant filters": ("every variant counted whatever its FILTER or "
                                      "FORMAT/FT (--all-filters)" if args.all_filters else
                                      "PASS (or '.') only; the rest are counted as skipped "
                                      "below"),
                  **({"targeted regions": str(args.regions)}
                     if getattr(args, "regions", None) else {}),
                  **_restriction_info(args, signatures),
                  "refit method": args.method, "bootstrap resamples": str(args.bootstrap),
                  **({"signature cost (penalty)": str(args.penalty),
                      "tumour-type prior": _prior_text(args, signatures)}
                     if args.method == "negbin"
                     else {}),
                  "seed": str(args.seed)},
        files={}, intervals=result.intervals, aetiology=aetiology,
        cohort_link=False, restricted=bool(getattr(args, "restrict_to", None)),
        match_label=set_label(matched_set),
        selecting_method=args.method != "nnls",
        **({} if wider is None else {"reference_signatures": wider.signatures,
                                     "reference_exposures": wider.exposures,
                                     "reference_name": wider.name}))
    stem = file_stems([sample], f"VCF {args.vcf}")[sample]
    _check_page_owner(page_dir / "patients" / f"{stem}.html", sample)
    regions = (_regions_of_interest(out) if getattr(args, "regions_of_interest", None)
               else None)
    if regions is not None:
        regions.attrs["skipped"] = dict(skipped or {})
    path = write_patient_report(data, sample, page_dir, stem, regions=regions,
                                other_types=other_types)
    logger.info("patient report: %s", path)


def _signature_info(args: argparse.Namespace) -> dict[str, str]:
    """The Run table's rows for the signatures: a shipped set with the genome build and assay
    its tables are for, a user's table as such (its build is not known), the set the
    signatures were matched against (--decompose-into), and for a shipped set whether its
    possible sequencing-artefact signatures were left out (the default) or kept."""
    from sigforge.genomics.reference import artefact_signatures, available_references

    def named(name: str) -> str:
        if not args.generic and name in available_references():
            return f"{name} ({args.genome_build}, assay {getattr(args, 'assay', 'genome')})"
        return f"{name} (a user table)"

    rows = {"signatures": named(str(args.signatures))}
    if getattr(args, "decompose_into", None):
        rows["matched against (--decompose-into)"] = named(str(args.decompose_into))
    artefacts = ([] if args.generic or args.signatures not in available_references()
                 else artefact_signatures(args.signatures))
    if artefacts:
        rows["possible sequencing artefacts"] = (
            f"kept (--include-artefacts): {', '.join(artefacts)}" if args.include_artefacts
            else f"left out ({len(artefacts)}: {', '.join(artefacts)}); --include-artefacts "
                 "keeps them")
    return rows


def _prior_text(args: argparse.Namespace, signatures: Matrix) -> str:
    """The Run table's tumour-type prior: its name, and that it was not applied when it
    knows none of the signatures (de novo ones: the refit warned that it changes nothing)."""
    from sigforge.cli.refit_signatures import prevalence

    if args.tumour_type in ("pan-cancer", "none"):
        return str(args.tumour_type)
    prior = prevalence(args)
    if prior is not None and not prior.index.isin(signatures.data.columns).any():
        return (f"{args.tumour_type}, not applied: it knows none of these signatures (it "
                "applies to COSMIC signatures)")
    return str(args.tumour_type)


def _restriction_info(args: argparse.Namespace, signatures: Matrix) -> dict[str, str]:
    """The Run table's row for --restrict-to: the signatures the fit was limited to (the page
    must say its reference set was cut, since a finding can only be among them)."""
    if not getattr(args, "restrict_to", None):
        return {}
    names = [str(c) for c in signatures.data.columns]
    shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return {"restricted to (--restrict-to)": f"{len(names)} signature(s): {shown}"}


_PAGE_TITLE = re.compile(r"<title>(.*?) &middot; sigforge patient report</title>", re.S)


def _check_page_owner(page: Path, sample: str) -> None:
    """Refuse to replace another patient's page in a shared --page-dir: two names that make
    the same file name (``a/b`` and ``a_b``) would otherwise lose the first patient's page
    without a word. The owner is read from the page's title; a page of the same patient (a
    rerun) or one without a readable title is replaced as before."""
    if not page.is_file():
        return
    found = _PAGE_TITLE.search(page.read_text(encoding="utf-8", errors="replace")[:4096])
    owner = html.unescape(found.group(1)) if found else None
    if owner is not None and owner != sample:
        raise InputError(f"{page} is the page of patient '{owner}', and patient '{sample}' "
                         "would be written to the same file (their names make the same file "
                         "name). Give another --sample-name or another --page-dir.")


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


def wider_refit(args: argparse.Namespace, matrix: Matrix, signatures: Matrix,
                reference: pd.DataFrame | None) -> WiderRefit | None:
    """The patient refitted (as the page's refit, without resamples) to a wider set than its
    signatures: the --decompose-into ``reference`` when the signatures are another table, or
    the whole shipped --signatures set, its possible sequencing artefacts included, behind a
    --restrict-to or the artefacts left out by default (a sample of one artefact was stated
    as the biological signature least unlike it: SBS45 as SBS38, SBS56 as SBS10d); None when
    the signatures are already the whole set."""
    from dataclasses import replace

    from sigforge.cli.refit_signatures import prevalence, refit_options, refit_signatures
    from sigforge.genomics.reference import available_references
    from sigforge.refit import refit_catalog

    shipped = not args.generic and args.signatures in available_references()
    if reference is not None:
        wider, name = reference, str(args.decompose_into)
    elif getattr(args, "restrict_to", None) or (shipped and not args.include_artefacts):
        whole = argparse.Namespace(**{**vars(args), "restrict_to": None,
                                      "include_artefacts": True})
        wider = refit_signatures(whole, matrix, checked=False).data
        name = (f"all of {args.signatures} (its possible sequencing-artefact signatures "
                "included)" if shipped and not args.include_artefacts
                else str(args.signatures))
    else:
        return None
    if set(map(str, wider.columns)) <= set(map(str, signatures.data.columns)):
        return None
    result = refit_catalog(matrix.data, wider, replace(refit_options(args), bootstrap=0),
                           prevalence=prevalence(args))
    return WiderRefit(wider, result.exposures, name)

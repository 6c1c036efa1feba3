"""The ``refit`` command: exposures of a catalog (or one patient's VCF) to a signature set.

With ``--vcf`` it also writes the per-mutation attribution (``mutation_probabilities.tsv``)
and ``regions_of_interest.tsv`` (header only without ``--regions-of-interest``), see
:mod:`sigforge.genomics.mutation_tables`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sigforge.cli._common import (
    add_command,
    add_generic,
    add_seed,
    check_no_total_column,
    check_not_exposures,
    cosine_type,
    field_default,
    read_table_matrix,
    real,
    split_empty,
    warn_report_file_names,
)
from sigforge.cli.outputs import check_removable, discard_stale_outputs, remove_when_emptied
from sigforge.cli.own_outputs import earlier_outputs, write_manifest
from sigforge.cli.refit_checks import (
    check_assay_regions_counting,
    check_decompose_into,
    check_regions_match_opportunities,
    check_source_options,
    warn_few_resamples,
    warn_genomics_only_options,
    warn_negbin_only_options,
    warn_prior_on_other_profiles,
    warn_unused_tumour_type,
)
from sigforge.cli.refit_decompose import decomposition as decompose
from sigforge.cli.refit_decompose import decomposition_reference
from sigforge.cli.refit_patient import Patient, patient_catalog, write_attribution
from sigforge.cli.refit_record import RECORD, refit_record
from sigforge.cli.refit_regions import (
    check_roi_contigs,
    doublets_and_indels,
    read_regions_of_interest,
)
from sigforge.cli.refit_signatures import (
    assay_opportunities,
    drop_artefacts,
    load_for_assay,
    prevalence,
    refit_options,
    refit_signatures,
    restricted_names,
)
from sigforge.discovery.matrix import check_data_matrix
from sigforge.io import (
    InputError,
    Matrix,
    removed_on_failure,
    write_json,
    write_matrix,
    write_table,
)
from sigforge.refit import ASSAYS, REFIT_METHODS, Refit, RefitOptions

logger = logging.getLogger(__name__)


def _check_counts_for_refit(matrix: Matrix, args: argparse.Namespace) -> None:
    """The likelihood rules and multinomial intervals need counts (whole numbers).

    Checked for mutation catalogs as for generic matrices: the negbin and likelihood rules
    model counts, and a fractional catalog (normalised, or a signature table
    given as --catalog) would otherwise be refitted without a word.
    """
    from sigforge.discovery.matrix import first_fraction

    if args.method not in ("negbin", "likelihood") and args.bootstrap == 0:
        return
    fraction = first_fraction(matrix.data)
    if fraction is not None:
        feature, sample, value = fraction
        noise = abs(value - round(value)) < 1e-6  # a count written with rounding noise
        raise InputError(f"{matrix.path}: row '{feature}', column '{sample}' holds {value}: "
                         "--method negbin/likelihood and --bootstrap (count resamples) "
                         "need counts. " + ("It is a count written with rounding noise: "
                                            "round the catalog to whole numbers. " if noise
                                            else "") + "For real-valued data use --method "
                         "nnls (or cosine) with --bootstrap 0.")


def _refit_fitted(args: argparse.Namespace, matrix: Matrix, fitted: Matrix | None,
                  signatures: Matrix) -> Any:
    """Refit the samples with mutations (``fitted``) and list the others with zeros (see
    :func:`sigforge.refit.with_unfitted_samples`); with no signature at all (a context whose
    discovery was skipped) every sample is listed with zeros."""
    from sigforge.refit import refit_catalog, with_unfitted_samples

    if signatures.data.shape[1] == 0:
        logger.warning("signatures %s: no signature to refit to (a discovery skipped for too "
                       "few mutations writes none); every exposure is 0", signatures.path)
    if fitted is None:
        logger.warning("%s: no sample has a mutation; every exposure is 0", matrix.path)
    if signatures.data.shape[1] == 0 or fitted is None:
        return with_unfitted_samples(None, matrix.data, signatures.data.columns,
                                     intervals=args.bootstrap > 0)
    warn_unused_tumour_type(args, prevalence(args), signatures.data.columns)
    warn_prior_on_other_profiles(args, prevalence(args), signatures)
    n = fitted.data.shape[1]
    if args.method == "negbin" and args.cohort_prior and n > 1:
        logger.info("cohort prior: each sample's prior shares of the signatures are learnt "
                    "from the other %d samples of the catalog (--no-cohort-prior: each alone)",
                    n - 1)
    with tqdm(total=n, desc="refit", unit="sample", disable=n < 20 or args.quiet) as bar:
        result = refit_catalog(fitted.data, signatures.data, refit_options(args),
                               progress=lambda done: bar.update(done - bar.n),
                               prevalence=prevalence(args))
    if fitted.data.shape[1] == matrix.data.shape[1]:
        return result
    return with_unfitted_samples(result, matrix.data, signatures.data.columns)


def _labelled(result: Refit, args: argparse.Namespace) -> Refit:
    """The refit with the level (--confidence) and the number of resamples (--bootstrap) of
    its intervals as the columns ``confidence`` and ``resamples`` of exposure_intervals.tsv:
    a page drawn from the files (``sigforge report``) labels the intervals with their level
    and knows whether they rest on enough resamples to mean anything."""
    if result.intervals is None:
        return result
    return dataclasses.replace(result, intervals=result.intervals.assign(
        confidence=args.confidence, resamples=args.bootstrap))


def _patient_types(args: argparse.Namespace, patient: Patient, out: Path,
                   in_regions: dict[str, int] | None = None) -> list[Any]:
    """Refit the patient's doublets and indels to the shipped set's DBS78 and ID83 tables
    (artefacts left out as for SBS96; --restrict-to keeps the names of each table, see
    :mod:`sigforge.cli.restriction`), writing each into ``out/<type>/``; nothing for a set
    of one channel set. ``in_regions``: each type's counted mutations in the regions of
    interest (None without them), for the page."""
    from sigforge.genomics.reference import available_references, shipped_channel_sets
    from sigforge.refit import refit_catalog, with_unfitted_samples
    from sigforge.report.patient_types import TypeRefit

    if args.signatures not in available_references():
        counted = {name: int(counts.to_numpy().sum()) for name, counts in patient.others.items()}
        if any(counted.values()):
            logger.info("%s counted (catalog_log.tsv) but not refitted: the signature table %s "
                        "holds SBS96 signatures only (a shipped set such as COSMIC_v3.6 refits "
                        "them too)", " and ".join(f"{n} {name}" for name, n in counted.items()),
                        args.signatures)
        return []
    refits = []
    for name, counts in patient.others.items():
        if name not in shipped_channel_sets(args.signatures):
            continue
        reference = load_for_assay(args, args.signatures, name).data
        restricted = restricted_names(args, reference.columns, name)
        reference = (reference[restricted] if restricted is not None
                     else drop_artefacts(args, reference)).loc[counts.index]
        if counts.to_numpy().sum() > 0:
            result = refit_catalog(counts, reference, refit_options(args),
                                   prevalence=prevalence(args))
        else:
            result = with_unfitted_samples(None, counts, reference.columns,
                                           intervals=args.bootstrap > 0)
        result = _labelled(result, args)
        folder = out / name
        write_matrix(counts, out / f"{name}.tsv", integer=True)
        write_matrix(result.exposures, folder / "exposures.tsv", label="Signature")
        write_table(result.reconstruction, folder / "reconstruction.tsv")
        if result.intervals is not None:
            write_table(result.intervals, folder / "exposure_intervals.tsv")
        sample = counts.columns[0]
        refits.append(TypeRefit(name, counts[sample], result.exposures[sample],
                                float(result.reconstruction.loc[sample, "cosine"]),
                                result.intervals,
                                None if in_regions is None else in_regions.get(name, 0),
                                reference))
    return refits


#: Tables of a patient's doublet and indel refits, in ``out/DBS78/`` and ``out/ID83/``.
_TYPE_TABLES = ("exposures.tsv", "reconstruction.tsv", "exposure_intervals.tsv")
#: Tables only ``refit --vcf`` writes: stale beside the exposures of any other run.
_PATIENT_TABLES = ("mutation_probabilities.tsv", "regions_of_interest.tsv")


def _possible_outputs(args: argparse.Namespace, out: Path, sample: str | None) -> list[Path]:
    """Every output of this command that an earlier run into the same --out may have left
    and this run may not write again (see :func:`_remove_stale_outputs`).

    Both modes: the intervals and the decomposition. With a catalog also the per-patient
    tables; with a VCF (whose ``sample`` names the figures) the catalogs of the other
    contexts, the doublet and indel refits' folders and the page's doublet and indel figures
    (in the page folder). Never the catalogs or folders of a catalog refit: they may be
    another command's (``sigforge catalog``) or another refit's (``--out OUT/DBS78``).
    """
    paths = [out / "exposure_intervals.tsv", out / "decomposition.tsv"]
    if sample is None:
        return paths + [out / name for name in _PATIENT_TABLES]
    from sigforge.genomics.contexts import CATALOG_CONTEXTS
    from sigforge.genomics.samplesheet import file_stems

    stem = file_stems([sample], f"VCF {args.vcf}")[sample]
    figures = (Path(args.page_dir) if args.page_dir else out) / "figures" / "patients"
    paths += [out / f"{context}.tsv" for context in CATALOG_CONTEXTS if context != "SBS96"]
    for context in ("DBS78", "ID83"):
        paths += [out / context / name for name in _TYPE_TABLES]
        paths += [figures / f"{stem}_{context}{suffix}" for suffix in (".png", ".svg")]
    return paths


#: The files a refit wrote into its --out, for the next run's stale-output removal.
REFIT_MANIFEST = ".refit_files"


def _remove_stale_outputs(candidates: list[Path], written: list[Path]) -> None:
    """Remove the ``candidates`` this run did not write (``written``): an earlier run into
    the same --out left them (intervals before a rerun with --bootstrap 0, the DBS78/ and
    ID83/ refits before a rerun against a table of SBS96 only), and beside this run's
    exposures they would pass for its results. The removals are part of the run: put back if
    it fails after all (:func:`sigforge.io.discard_output`); a folder of ours left empty goes
    once the run has succeeded."""
    done = {str(path.absolute()) for path in written}
    stale = [path for path in candidates
             if path.is_file() and str(path.absolute()) not in done]
    for path in discard_stale_outputs(stale, "an output of an earlier run into the same "
                                             "--out that this run does not write"):
        for folder in path.parents[:2]:  # DBS78/, ID83/, patients/, figures/patients/, figures/
            if folder.name in ("DBS78", "ID83", "patients", "figures"):
                remove_when_emptied(folder)


def _check_component_names(reference: pd.DataFrame, source: str) -> None:
    """Refuse a signature of the decomposition's reference named with ';': decomposition.tsv
    lists components as ``NAME:weight;NAME:weight``, so such a name could not be read back
    (the report would call the file damaged, and a rerun would write it again)."""
    named = [str(name) for name in reference.columns if ";" in str(name)]
    if named:
        raise InputError(f"{source}: signature '{named[0]}' holds ';', which separates the "
                         "components in decomposition.tsv ('SBS1:0.600;SBS5:0.400'), so the "
                         f"decomposition could not be read back. Rename it (e.g. "
                         f"'{named[0].replace(';', '_')}').")


def _check_sample_names(matrix: Matrix) -> None:
    """Refuse a catalog sample named 'Signature', the label column of exposures.tsv (where
    each sample is a column), before the refit: found only when that table is written, it
    would stop the run after the work, blaming the output file."""
    if "Signature" in {str(column) for column in matrix.data.columns}:
        raise InputError(f"{matrix.path}: a sample column is named 'Signature', the label "
                         "column of exposures.tsv (one column per sample), so that table "
                         "could not be read back. Rename the sample (e.g. 'Signature_1') in "
                         f"{matrix.path}.")


def _patient_signatures(args: argparse.Namespace) -> tuple[Matrix, pd.DataFrame | None]:
    """With --vcf, the signature set and the --decompose-into set for the patient's SBS96
    catalog, and the --tumour-type prior, loaded before the VCF is counted: a typo in
    --signatures, --restrict-to, --tumour-type or --decompose-into then fails at once instead
    of after the counting (or behind an error of the VCF). The patient's catalog always has
    the SBS96 channels in their standard order, so an empty catalog of those rows stands in
    for it; the set loaded is the one the refit uses."""
    from sigforge.genomics.contexts import SBS96_CHANNELS

    stand_in = Matrix(pd.DataFrame(0.0, index=pd.Index(SBS96_CHANNELS), columns=["patient"]),
                      "SBS96", str(args.vcf))
    prevalence(args)  # an unknown --tumour-type lists the known ones
    return refit_signatures(args, stand_in), decomposition_reference(args, stand_in)


def _aligned(checked: tuple[Matrix, pd.DataFrame | None], matrix: Matrix
             ) -> tuple[Matrix, pd.DataFrame | None]:
    """The sets :func:`_patient_signatures` loaded, with the rows (and row labels) of the
    patient's counted catalog ``matrix``."""
    signatures, reference = checked
    rows = matrix.data.index
    return (Matrix(signatures.data.loc[rows], signatures.channel_set, signatures.path),
            None if reference is None else reference.loc[rows])


def refit(args: argparse.Namespace) -> None:
    """``sigforge refit``: sparse exposures with intervals; per-patient mode from a VCF."""
    log = patient = checked = None
    refit_options(args)  # range-checks --bootstrap, --seed, --confidence...: before any work
    warn_few_resamples(args)
    warn_negbin_only_options(args)
    warn_genomics_only_options(args)
    check_source_options(args)
    check_decompose_into(args)
    regions = read_regions_of_interest(args)
    args.opportunity_table = assay_opportunities(args)
    if args.catalog:
        matrix = read_table_matrix(args.catalog, generic=args.generic)
        if matrix.data.shape[1] == 0:
            raise InputError(f"{args.catalog}: no sample columns.")
        check_no_total_column(matrix)
        if matrix.channel_set is None and not args.generic:  # as extract says of one
            check_not_exposures(matrix, args.catalog)
        check_data_matrix(matrix.data, args.catalog, generic=matrix.channel_set is None)
        _check_sample_names(matrix)
        warn_report_file_names(matrix)
        if matrix.channel_set is not None:
            check_assay_regions_counting(args, matrix.data, matrix.channel_set)
        fitted, _ = split_empty(matrix, args.drop_empty, _ZERO_FATE)
    else:
        checked = _patient_signatures(args)  # option typos: before minutes of counting
        patient = patient_catalog(args)
        check_regions_match_opportunities(args, patient.targets)
        matrix, log = patient.matrix, patient.log
        check_assay_regions_counting(args, matrix.data)
        if regions is not None:
            check_roi_contigs(regions, patient, f"--regions-of-interest "
                                                f"{args.regions_of_interest}")
        fitted, _ = split_empty(matrix, args.drop_empty, _ZERO_FATE)
    _check_counts_for_refit(matrix, args)
    if checked is not None:
        signatures, reference = _aligned(checked, matrix)
    else:
        signatures = refit_signatures(args, matrix)
        reference = decomposition_reference(args, matrix)
    if matrix.channel_set is not None:
        _check_component_names(reference if reference is not None else signatures.data,
                                args.decompose_into if reference is not None
                                else args.signatures)
    result = _labelled(_refit_fitted(args, matrix, fitted, signatures), args)
    n = matrix.data.shape[1]
    out = Path(args.out)
    decomposition = decompose(args, matrix, signatures, reference)
    others = (doublets_and_indels(args, patient, regions)
              if patient is not None and regions is not None else None)
    stale = earlier_outputs(out, REFIT_MANIFEST, "exposures.tsv", _possible_outputs(
        args, out, None if patient is None else str(matrix.data.columns[0])))
    check_removable([path for path in stale if path.is_file()], args.out)
    with removed_on_failure() as written:
        _write_outputs(args, out, matrix, log, result, decomposition)
        if patient is not None:
            _write_patient(args, patient, signatures, result, regions, out, others, reference)
        _remove_stale_outputs(stale, written)
        write_manifest(out, REFIT_MANIFEST, written)
    _warn_unexplained(result.reconstruction, args)
    cosines = result.reconstruction["cosine"].dropna()
    logger.info("refit %d sample(s) to %d signatures (%s, assay %s): median %g signatures "
                "used, %s", n, signatures.data.shape[1], args.method, args.assay,
                result.reconstruction["signatures_used"].median(),
                f"median cosine {cosines.median():.3f}" if len(cosines)
                else "no sample with mutations to reconstruct")


def _warn_unexplained(reconstruction: pd.DataFrame, args: argparse.Namespace) -> None:
    """Warn of samples with mutations that the refit gave no signature (all exposures 0):
    their counts paid no signature's cost (a few mutations, or a --penalty far above the
    default), which would otherwise read as a sample the signatures cannot explain."""
    empty = reconstruction.index[(reconstruction["signatures_used"] == 0)
                                 & (reconstruction["burden"] > 0)]
    if not len(empty):
        return
    shown = ", ".join(str(name) for name in empty[:5]) + (", ..." if len(empty) > 5 else "")
    why = (f" at --penalty {args.penalty:g} (default {RefitOptions.penalty:g})"
           if args.method == "negbin" and args.penalty != RefitOptions.penalty else "")
    logger.warning("%d sample(s) with mutations were given no signature (%s): no signature "
                   "explained enough of their counts to be called%s; their exposures are 0 "
                   "and their mutations unattributed.", len(empty), shown, why)


def _write_outputs(args: argparse.Namespace, out: Path, matrix: Matrix,
                   log: pd.DataFrame | None, result: Refit,
                   decomposition: pd.DataFrame | None) -> None:
    """The refit's tables: exposures, reconstruction, intervals (with --bootstrap) and the
    decomposition (mutation catalogs); with a VCF also its SBS96 catalog and log."""
    if log is not None:
        write_matrix(matrix.data, out / "SBS96.tsv", integer=True)
        write_table(log, out / "catalog_log.tsv")
    write_matrix(result.exposures, out / "exposures.tsv", label="Signature")
    write_json(refit_record(args, matrix.data[result.exposures.columns]), out / RECORD)
    write_table(result.reconstruction, out / "reconstruction.tsv")
    if result.intervals is not None:
        write_table(result.intervals, out / "exposure_intervals.tsv")
    if decomposition is not None:
        write_table(decomposition, out / "decomposition.tsv")


def _write_patient(args: argparse.Namespace, patient: Patient, signatures: Matrix,
                   result: Refit, regions: pd.DataFrame | None, out: Path,
                   others: pd.DataFrame | None, reference: pd.DataFrame | None) -> None:
    """Per-patient mode: the doublet and indel refits, the per-mutation tables (``others``:
    the doublets and indels in the regions of interest, attributed by those refits) and the
    patient's page."""
    from sigforge.cli.patient_page import wider_refit, write_patient_page  # VCF input only

    in_regions = (None if others is None else
                  {name: int((others["type"] == name).sum()) for name in ("DBS78", "ID83")})
    types = _patient_types(args, patient, out, in_regions)
    skipped = write_attribution(patient, signatures, result.exposures, regions, out, others,
                                types)
    write_patient_page(args, patient.matrix, patient.log, signatures, result, out,
                       Path(args.page_dir) if args.page_dir else out, types, reference,
                       wider_refit(args, patient.matrix, signatures, reference), skipped)


#: What refit --drop-empty does with a sample without mutations, for the warning.
_ZERO_FATE = "left out of the fit (zero exposures in every output)"


def add_parsers(subparsers: Any) -> None:
    """Declare ``refit``; defaults from :class:`~sigforge.refit.RefitOptions`."""
    p = add_command(subparsers, "refit", refit)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--catalog", help="catalog table (features x samples)")
    source.add_argument("--vcf", help="one patient's VCF: builds its SBS96 catalog first")
    p.add_argument("--drop-empty", action="store_true",
                   help="samples without a single mutation (DBS78 and ID83 catalogs often have "
                        "some) get zero exposures instead of stopping the run")
    p.add_argument("--reference", help="reference FASTA (with --vcf)")
    p.add_argument("--sample-name", default=None, help="patient name (with --vcf; default: "
                   "--vcf-sample, else the VCF's only sample column, else its file name)")
    p.add_argument("--vcf-sample", default=None, help="sample column of a multi-sample VCF")
    p.add_argument("--all-filters", action="store_true", help="count all FILTER values")
    p.add_argument("--page-dir", default=None, metavar="DIR",
                   help="with --vcf: folder of the patient page, written as "
                        "DIR/patients/{sample}.html with its figures under DIR/figures/patients/"
                        " (default: --out)")
    p.add_argument("--regions-of-interest", default=None, metavar="BED",
                   help="with --vcf: BED of regions whose variants are listed, with their most "
                        "likely signature, in regions_of_interest.tsv")
    p.add_argument("--signatures", required=True, help="signature table or a shipped name "
                   "such as COSMIC_v3.6")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"],
                   help="build of a shipped signature set")
    p.add_argument("--assay", default=field_default(RefitOptions, "assay"), choices=ASSAYS,
                   help="what was sequenced: genome (signatures as shipped), exome (the "
                        "shipped exome tables of SBS96/DBS78), regions (signatures rescaled "
                        "to the targeted regions' --opportunities); applies to --signatures "
                        "and --decompose-into; ID83 is never rescaled")
    p.add_argument("--opportunities", default=None, metavar="FILE",
                   help="with --assay regions: the table of 'sigforge opportunities "
                        "--regions BED'")
    p.add_argument("--native-signatures", action="store_true",
                   help="the --signatures file is already relative to the assay's "
                        "opportunities (e.g. de novo signatures of this cohort): used as given")
    p.add_argument("--regions", default=None, metavar="BED",
                   help="with --vcf: count only the variants inside the assay's targeted "
                        "regions (the rest: outside_regions in catalog_log.tsv)")
    p.add_argument("--method", default=field_default(RefitOptions, "method"),
                   choices=REFIT_METHODS, help="sparse refit rule (see sigforge.refit)")
    p.add_argument("--penalty", type=real, default=field_default(RefitOptions, "penalty"),
                   help="method negbin: base cost of a signature in log-likelihood units")
    p.add_argument("--cohort-prior", action=argparse.BooleanOptionalAction,
                   default=field_default(RefitOptions, "cohort_prior"),
                   help="method negbin with several samples: learn how often each signature "
                        "is active from the other samples of the catalog, shrunk to the "
                        "--tumour-type prior (default: on; --no-cohort-prior fits every "
                        "sample on its own)")
    # The literal values are genomics.reference's PAN_CANCER and NO_PRIOR (tested): generic
    # commands must not import genomics to build their parser.
    p.add_argument("--tumour-type", default="pan-cancer",
                   help="method negbin: soft prior from how often each COSMIC signature is "
                        "active in this PCAWG tumour type (e.g. Breast-AdenoCA, Liver-HCC; "
                        "default: %(default)s; 'none' = no prior; an unknown name lists them)")
    p.add_argument("--include-artefacts", action="store_true",
                   help="keep the shipped set's possible sequencing-artefact signatures "
                        "(left out by default)")
    p.add_argument("--likelihood-threshold", type=real,
                   default=field_default(RefitOptions, "likelihood_threshold"),
                   help="log-likelihood a signature must be worth (default: %(default).4g, "
                        "the chi-square rule)")
    p.add_argument("--bootstrap", type=int, default=field_default(RefitOptions, "bootstrap"),
                   help="resamples per sample for intervals (negbin: negative-binomial at the "
                        "sample's dispersion; others: multinomial; 0 = none)")
    p.add_argument("--confidence", type=real,
                   default=field_default(RefitOptions, "confidence"),
                   help="central coverage of the percentile intervals")
    add_seed(p, "; keys each sample's resamples")
    p.add_argument("--restrict-to", default=None,
                   help="only these signatures: comma-separated names or a file of names (one per "
                        "line, or separated by spaces, tabs or commas; '#' starts a comment) "
                        "(default: the whole set, less artefacts; see --include-artefacts). "
                        "With --vcf and a shipped set the names may be of any of its tables "
                        "(SBS1,DBS2,ID1); a table none of whose signatures is named is used "
                        "whole")
    p.add_argument("--decompose-into", default="COSMIC_v3.6",
                   help="reference set the signatures are decomposed into (decomposition.tsv;"
                        " known channel sets only; refitting to that set itself, each is "
                        "its own decomposition)")
    p.add_argument("--novel-below", type=cosine_type(), default=0.9,
                   help="decomposition cosine under which a signature is flagged novel")
    add_generic(p)
    p.add_argument("--out", required=True, help="output directory")


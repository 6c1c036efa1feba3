"""Implementations of the ``sigforge`` commands: read inputs, call one library step, write outputs.

Each handler takes the parsed ``argparse.Namespace``; :mod:`sigforge.cli` declares the options.
"""

from __future__ import annotations

import argparse
import logging
import platform
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sigforge import __version__
from sigforge._validation import check_rank
from sigforge.crossval import CVOptions, cross_validate_rank
from sigforge.discovery import (
    NMFOptions,
    RankResult,
    choose_rank,
    chunk_ranges,
    merge_chunks,
    run_discovery,
    solve_replicates,
    summarise_rank,
)
from sigforge.io import (
    InputError,
    Matrix,
    load_arrays,
    read_json,
    read_matrix,
    read_table,
    save_arrays,
    write_json,
    write_matrix,
    write_table,
)
from sigforge.rank import RankChoice, RankRule
from sigforge.resample import get_resampler

logger = logging.getLogger(__name__)


def _sample_names(args: argparse.Namespace, paths: list[Path]) -> list[str]:
    """Sample names: --sample-name, else the VCF's single sample column, else the file stem."""
    from sigforge.variants import input_stem, vcf_sample_columns

    if args.sample_name is not None:
        if len(args.sample_name) != len(paths):
            raise InputError(f"--sample-name gives {len(args.sample_name)} names for "
                             f"{len(paths)} VCFs; give one name per VCF.")
        return list(args.sample_name)
    names = []
    for path in paths:
        columns = vcf_sample_columns(path)
        names.append(columns[0] if len(columns) == 1 else input_stem(path))
    return names


def _read_catalog(path: str, generic: bool = False, drop_empty: bool = False) -> Matrix:
    """Read a catalog (or, with ``generic``, any matrix) and refuse one with no usable sample.

    ``drop_empty`` removes samples without a single mutation instead of refusing them (DBS78
    and ID83 catalogs often have some), naming each one in a warning.
    """
    return _read_catalog_dropping(path, generic, drop_empty)[0]


def _read_catalog_dropping(path: str, generic: bool = False, drop_empty: bool = False
                           ) -> tuple[Matrix, list[str]]:
    """:func:`_read_catalog`, also returning the samples left out for having no mutations."""
    matrix = read_matrix(path, generic=generic)
    if matrix.data.shape[1] == 0:
        raise InputError(f"{path}: no sample columns.")
    empty = [str(c) for c in matrix.data.columns[matrix.data.sum(axis=0) == 0]]
    if empty and drop_empty and len(empty) < matrix.data.shape[1]:
        logger.warning("%s: %d sample(s) without mutations left out: %s", path, len(empty),
                       ", ".join(empty))
        return Matrix(matrix.data.drop(columns=empty), matrix.channel_set, matrix.path), empty
    if empty:
        raise InputError(f"{path}: sample(s) {empty[:5]} have no mutations in any channel; "
                         "remove their columns (for a workflow catalog: their rows of the "
                         "samples sheet; catalog_log.tsv says why their variants were "
                         "skipped), or give --drop-empty (extract, refit) to leave them out.")
    return matrix, []


def _catalog_name(args: argparse.Namespace) -> str:
    """The catalog name keying random streams: --catalog-name or the file stem."""
    return args.catalog_name or Path(args.catalog).stem.split(".")[0]


def _nmf_options(args: argparse.Namespace) -> NMFOptions:
    """NMF options from the shared command-line flags."""
    if args.max_iter < 1 or args.min_iter < 0 or args.tol < 0 or args.cap <= 0:
        raise InputError("expected --max-iter >= 1, --min-iter >= 0, --tol >= 0 and --cap > 0; "
                         f"got {args.max_iter}, {args.min_iter}, {args.tol} and {args.cap}.")
    if args.seed < 0:
        raise InputError(f"--seed: expected a whole number >= 0, got {args.seed}.")
    try:
        get_resampler(args.resampling)
    except ValueError as err:
        raise InputError(f"--resampling: {err}") from err
    return NMFOptions(max_iter=args.max_iter, min_iter=args.min_iter, tol=args.tol,
                      resampling=args.resampling, normalisation=args.normalisation,
                      cap=args.cap)


def _check_counts_for_resampling(matrix: Matrix, args: argparse.Namespace) -> None:
    """Generic mode: refuse count resampling (poisson, multinomial) of non-integer data."""
    from sigforge.matrix import first_fraction

    if not args.generic or args.resampling.startswith("scaled"):
        return
    fraction = first_fraction(matrix.data)
    if fraction is not None:
        feature, sample, value = fraction
        raise InputError(f"{matrix.path}: row '{feature}', column '{sample}' holds {value}: "
                         f"--resampling {args.resampling} needs counts. Use --resampling scaled"
                         " (or scaled:DEPTH) for real-valued data.")


def replicates(args: argparse.Namespace) -> None:
    """``sigforge replicates``: one chunk of resampled factorisations, saved as ``.npz``."""
    matrix = _read_catalog(args.catalog, args.generic)
    _check_counts_for_resampling(matrix, args)
    if args.first < 0 or args.count < 1:
        raise InputError(f"expected --first >= 0 and --count >= 1, got {args.first}, {args.count}.")
    chunk = solve_replicates(matrix.data.to_numpy(), args.k,
                             range(args.first, args.first + args.count), seed=args.seed,
                             catalog_name=_catalog_name(args), options=_nmf_options(args))
    save_arrays(args.out, **chunk)
    logger.info("k=%d replicates %d-%d: median %d iterations, %d/%d converged", args.k,
                args.first, args.first + args.count - 1, np.median(chunk["n_iter"]),
                chunk["converged"].sum(), args.count)


#: Arrays every replicate chunk (``sigforge replicates``) and CV file (``cross-validate``) holds.
_CHUNK_ARRAYS = ("replicate", "W", "H", "objective", "n_iter", "converged")
_CV_ARRAYS = ("k", "fold", "error", "train", "converged")


def _read_intermediate(path: str | Path, read: Callable[[Path], Any], what: str) -> Any:
    """``read(path)``, or an InputError naming the damaged or missing file and the fix.

    Intermediates are written atomically, so a damaged one was truncated or overwritten
    afterwards; the workflow rebuilds a deleted one on a plain rerun.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {path} is missing; rerun the step that writes it (snakemake "
                         "rebuilds it on a plain rerun).")
    try:
        return read(path)
    except InputError as err:  # the reader's own message names the file; say what it is
        if str(path) in str(err):
            raise InputError(f"{what} {err}") from err
        raise InputError(f"{what} {path}: {err} Delete it and rerun - snakemake will rebuild "
                         "it.") from err
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        reason = str(err).replace(str(path), "").strip(": ") or type(err).__name__
        raise InputError(f"{what} {path} is damaged ({reason}); delete it and rerun - "
                         "snakemake will rebuild it.") from err


def _load_checked_arrays(path: str | Path, names: tuple[str, ...], what: str
                         ) -> dict[str, np.ndarray]:
    """The arrays of an intermediate ``.npz``, all of ``names`` present, else an InputError."""
    arrays: dict[str, np.ndarray] = _read_intermediate(path, load_arrays, what)
    missing = [name for name in names if name not in arrays]
    if missing:
        raise InputError(f"{what} {path} is damaged (no array {', '.join(missing)}; not written "
                         "by sigforge?); delete it and rerun - snakemake will rebuild it.")
    return arrays


def _load_chunk(path: str, k: int, shape: tuple[int, int] | None = None
                ) -> dict[str, np.ndarray]:
    """One replicate chunk of rank k, checked to hold rank-k factors of a catalog of ``shape``
    (features, samples) when given."""
    arrays = _load_checked_arrays(path, _CHUNK_ARRAYS, "chunk file")
    if arrays["W"].ndim != 3 or arrays["W"].shape[2] != k:
        raise InputError(f"chunk file {path} holds factors of shape {arrays['W'].shape}, not "
                         f"rank {k}; delete it and rerun - snakemake will rebuild it.")
    found = (arrays["W"].shape[1], arrays["H"].shape[-1] if arrays["H"].ndim == 3 else -1)
    if shape is not None and found != shape:
        raise InputError(f"chunk file {path} was factored from a catalog of {found[0]} features "
                         f"x {found[1]} samples, not this catalog's {shape[0]} x {shape[1]} "
                         "(a chunk of another catalog or an older run); delete it and rerun "
                         "'replicates' on this catalog - snakemake will rebuild it.")
    return arrays


def _write_rank_dir(result: RankResult, folder: Path) -> None:
    """Write one rank's signatures, exposures, stability and metrics."""
    write_matrix(result.signatures, folder / "signatures.tsv")
    write_matrix(result.exposures, folder / "exposures.tsv", label="Signature")
    write_table(result.stability, folder / "stability.tsv")
    write_json({"k": result.k, **result.metrics}, folder / "metrics.json")


def _read_rank_dir(folder: Path, generic: bool = False) -> RankResult:
    """Read back what :func:`_write_rank_dir` wrote; a damaged file is named in an InputError."""
    metrics = _read_intermediate(folder / "metrics.json", read_json, "rank metrics file")
    if not isinstance(metrics, dict) or not isinstance(metrics.get("k"), int):
        raise InputError(f"rank metrics file {folder / 'metrics.json'} is damaged (no rank 'k');"
                         " delete it and rerun - snakemake will rebuild it.")
    k = int(metrics.pop("k"))
    signatures = _read_intermediate(folder / "signatures.tsv",
                                    lambda p: read_matrix(p, generic=generic), "rank table")
    exposures = _read_intermediate(folder / "exposures.tsv",
                                   lambda p: read_matrix(p, generic=True), "rank table")
    stability = _read_intermediate(folder / "stability.tsv", read_table, "rank table")
    return RankResult(k, signatures.data, exposures.data, stability, metrics)


def consensus(args: argparse.Namespace) -> None:
    """``sigforge consensus``: cluster one rank's replicate chunks into consensus signatures."""
    matrix = _read_catalog(args.catalog, args.generic)
    shape = matrix.data.shape
    merged = merge_chunks([_load_chunk(path, args.k, shape) for path in args.chunks])
    result = summarise_rank(matrix.data, args.k, merged, prefix=_catalog_name(args),
                            seed=args.seed)
    _write_rank_dir(result, Path(args.out))
    logger.info("k=%d: stability %s", args.k,
                ", ".join(f"{v:.2f}" for v in result.stability["stability"]))


def _cv_options(args: argparse.Namespace) -> CVOptions:
    """Cross-validation options from the command-line flags (iterations as for replicates)."""
    if (args.cv_folds < 0 or not 0 < args.cv_holdout < 1 or args.cv_starts < 1
            or args.cv_max_iter < 1):
        raise InputError(f"expected --cv-folds >= 0, 0 < --cv-holdout < 1, --cv-starts >= 1 and "
                         f"--cv-max-iter >= 1; got {args.cv_folds}, {args.cv_holdout}, "
                         f"{args.cv_starts}, {args.cv_max_iter}.")
    nmf = _nmf_options(args)
    return CVOptions(folds=args.cv_folds, holdout=args.cv_holdout, starts=args.cv_starts,
                     max_iter=args.cv_max_iter, min_iter=min(nmf.min_iter, args.cv_max_iter),
                     tol=nmf.tol,
                     normalisation=nmf.normalisation, cap=nmf.cap)


def cross_validate(args: argparse.Namespace) -> None:
    """``sigforge cross-validate``: held-out-entry CV folds of one rank, saved as ``.npz``."""
    matrix = _read_catalog(args.catalog, generic=args.generic)
    options = _cv_options(args)
    if options.folds < 1:
        raise InputError("--cv-folds must be >= 1 for 'cross-validate'.")
    result = cross_validate_rank(matrix.data.to_numpy(), args.k, range(options.folds),
                                 seed=args.seed, catalog_name=_catalog_name(args),
                                 options=options)
    save_arrays(args.out, k=np.array(args.k), **result)
    logger.info("k=%d: held-out deviance %s", args.k,
                ", ".join(f"{v:.4f}" for v in result["error"]))


def _read_cv(paths: list[str], ranks: list[int]) -> dict[int, dict[str, np.ndarray]]:
    """Per-rank CV results from 'cross-validate' files, keyed by rank: one file per rank of
    ``ranks``, no file of another rank."""
    results, source = {}, {}
    for path in paths:
        arrays = _load_checked_arrays(path, _CV_ARRAYS, "cross-validation file")
        k = int(arrays.pop("k"))
        if k in source or k not in ranks:
            problem = (f"rank {k} is also in {source[k]}" if k in source
                       else f"rank {k} is not among the --rank-dirs ranks {ranks}")
            raise InputError(f"--cv {path}: {problem}; give one 'cross-validate' file per rank "
                             "of this run.")
        results[k], source[k] = arrays, path
    missing = [k for k in ranks if k not in results]
    if results and missing:
        raise InputError(f"--cv: no cross-validation file for ranks {missing} (given: "
                         f"{', '.join(paths)}); give one 'cross-validate' file per rank, or "
                         "none at all.")
    return results


def _read_rank_dirs(folders: list[str], generic: bool) -> list[RankResult]:
    """The rank directories of --rank-dirs, each rank once."""
    results: list[RankResult] = []
    for folder in folders:
        result = _read_rank_dir(Path(folder), generic)
        other = next((f for f, r in zip(folders, results, strict=False) if r.k == result.k),
                     None)
        if other is not None:
            raise InputError(f"--rank-dirs: {folder} and {other} both hold rank k={result.k}; "
                             "give one directory per rank.")
        results.append(result)
    return results


def _rank_rule(args: argparse.Namespace) -> RankRule:
    """The rank rule from the command-line flags."""
    return RankRule(min_mean_stability=args.min_mean_stability,
                    min_component_stability=args.min_component_stability,
                    min_error_gain=args.min_error_gain, fixed_rank=args.fixed_rank)


def _write_selection(results: list[RankResult], choice: RankChoice, out: Path,
                     facts: dict[str, Any]) -> None:
    """Write rank_metrics.tsv, the chosen rank's tables and provenance.json."""
    chosen = next(r for r in results if r.k == choice.rank)
    write_table(choice.metrics, out / "rank_metrics.tsv")
    write_matrix(chosen.signatures, out / "signatures.tsv")
    write_matrix(chosen.exposures, out / "exposures.tsv", label="Signature")
    write_table(chosen.stability, out / "stability.tsv")
    write_json({"sigforge": __version__, "python": platform.python_version(),
                "numpy": np.__version__, "chosen_rank": choice.rank, "reason": choice.reason,
                **facts}, out / "provenance.json")
    logger.info("chosen rank: %s", choice.reason)


def _parse_facts(pairs: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs into a dict."""
    facts = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"--provenance expects KEY=VALUE, got '{pair}'.")
        facts[key] = value
    return facts


def select_rank(args: argparse.Namespace) -> None:
    """``sigforge select-rank``: apply the rank rule to the per-rank results."""
    results = _read_rank_dirs(args.rank_dirs, args.generic)
    rule = _rank_rule(args)
    choice = choose_rank(results, rule, _read_cv(args.cv, [r.k for r in results]) or None)
    facts = {"rank_rule": asdict(rule), **_parse_facts(args.provenance)}
    _write_selection(results, choice, Path(args.out), facts)


def extract(args: argparse.Namespace) -> None:
    """``sigforge extract``: replicates, consensus and rank choice in one process pool."""
    options, rule = _nmf_options(args), _rank_rule(args)
    if args.threads < 1:
        raise InputError(f"--threads: expected at least 1, got {args.threads}.")
    if rule.fixed_rank is not None and rule.fixed_rank not in args.ranks:
        raise InputError(f"--fixed-rank {rule.fixed_rank} is not among --ranks "
                         f"{args.ranks}; widen --ranks or change --fixed-rank.")
    matrix, left_out = _read_catalog_dropping(args.catalog, args.generic, args.drop_empty)
    _check_counts_for_resampling(matrix, args)
    for k in args.ranks:
        try:
            check_rank(k, *matrix.data.shape)
        except ValueError as err:
            raise InputError(f"{args.catalog}: {err}") from err
    name = _catalog_name(args)
    cv = _cv_options(args)
    n_tasks = len(args.ranks) * (len(chunk_ranges(args.replicates, args.chunk_size))
                                 + (cv.folds > 0))
    with tqdm(total=n_tasks, desc="extract", unit="task", disable=args.quiet) as bar:
        discovery = run_discovery(matrix.data, args.ranks, replicates=args.replicates,
                                  chunk_size=args.chunk_size, seed=args.seed, catalog_name=name,
                                  options=options, rule=rule, cv=cv, threads=args.threads,
                                  progress=lambda done: bar.update(done - bar.n))
    out = Path(args.out)
    for result in discovery.ranks.values():
        _write_rank_dir(result, out / f"k{result.k}")
        if result.k in discovery.cv:
            save_arrays(out / f"k{result.k}" / "cv.npz", k=np.array(result.k),
                        **discovery.cv[result.k])
    facts = {"seed": args.seed, "catalog": args.catalog, "catalog_name": name,
             "samples_without_mutations_left_out": left_out, "ranks": args.ranks,
             "replicates": args.replicates, "nmf": asdict(options),
             "cross_validation": asdict(cv), "rank_rule": asdict(rule)}
    _write_selection(list(discovery.ranks.values()), discovery.choice, out, facts)


def _restriction_names(text: str) -> list[str]:
    """The names of --restrict-to: a file with one per line, else a comma-separated list."""
    path = Path(text)
    if not path.is_file():
        return [n.strip() for n in text.split(",") if n.strip()]
    try:
        return path.read_text(encoding="utf-8-sig").split()
    except UnicodeDecodeError as err:
        raise InputError(f"--restrict-to {path}: not UTF-8 text ({err.reason} at byte "
                         f"{err.start}). Save the list of signature names as plain text, one "
                         "per line.") from err


def _restriction(text: str | None, available: pd.Index) -> list[str] | None:
    """Signature names from --restrict-to (comma list or file); all must exist."""
    if text is None:
        return None
    names = _restriction_names(text)
    if not names:
        raise InputError(f"--restrict-to '{text}' names no signature. Give names from the "
                         "signature table, comma-separated (SBS1,SBS5) or one per line in a "
                         "file, or leave the option out to use every signature.")
    unknown = [n for n in names if n not in available]
    if unknown:
        raise InputError(f"--restrict-to: signatures {unknown} are not in the "
                         f"signature table (it has {', '.join(map(str, available[:8]))}, ...). "
                         "Give names from that table, comma-separated or one per line in a "
                         "file.")
    return names


def _refit_options(args: argparse.Namespace) -> Any:
    """RefitOptions from the command-line flags."""
    from sigforge.refit import DEFAULT_LIKELIHOOD_THRESHOLD, RefitOptions

    threshold = args.likelihood_threshold
    return RefitOptions(method=args.method, bootstrap=args.bootstrap,
                        confidence=args.confidence, seed=args.seed,
                        likelihood_threshold=DEFAULT_LIKELIHOOD_THRESHOLD
                        if threshold is None else threshold)


def _patient_catalog(args: argparse.Namespace) -> tuple[Matrix, pd.DataFrame]:
    """Per-patient mode: count the VCF into an SBS96 catalog in memory."""
    from sigforge.catalog import assemble_cohort, count_sample
    from sigforge.genome import ReferenceGenome
    from sigforge.samplesheet import file_stems

    if not args.reference:
        raise InputError("--vcf needs --reference GENOME.fa (the FASTA the VCF was called "
                         "against).")
    name = _sample_names(argparse.Namespace(sample_name=None if args.sample_name is None
                                            else [args.sample_name]), [Path(args.vcf)])[0]
    file_stems([name], f"VCF {args.vcf}")  # the name becomes file names: check it first
    genome = ReferenceGenome(args.reference)
    result = count_sample(args.vcf, genome, sample=name, vcf_sample=args.vcf_sample,
                          all_filters=args.all_filters)
    genome.close()
    catalogs, log = assemble_cohort([result])
    counts = catalogs["SBS96"]
    if result.counted == 0:
        raise InputError(f"VCF {args.vcf}: no SNV of sample '{name}' could be counted "
                         f"({result.variants_read} variants read; skipped: "
                         f"{dict(result.skipped) or 'none'}). Nothing to refit.")
    return Matrix(counts.astype(np.float64), "SBS96", str(args.vcf)), log


def _refit_signatures(args: argparse.Namespace, matrix: Matrix) -> Matrix:
    """The signature table for a catalog: same channel set, rows aligned to the catalog's
    features by label (any row order), columns rescaled to sum 1 where they do not (with a
    warning), restricted to --restrict-to."""
    from sigforge._validation import feature_differences
    from sigforge.refit import normalise_signatures

    if args.generic:
        signatures = read_matrix(args.signatures, generic=True)
    else:
        from sigforge.reference import load_reference

        signatures = load_reference(args.signatures, channel_set=matrix.channel_set or "SBS96",
                                    genome_build=args.genome_build)
    if signatures.channel_set != matrix.channel_set:
        raise InputError(f"signatures {signatures.path} ({signatures.channel_set or 'generic'}"
                         f") do not match the catalog {matrix.path} "
                         f"({matrix.channel_set or 'generic'}): give signatures over the same "
                         "features (a shipped name such as COSMIC_v3.6 picks the catalog's "
                         "channel set itself).")
    missing, extra = feature_differences(matrix.data.index, signatures.data.index)
    if missing or extra:
        raise InputError(f"signatures {signatures.path} and catalog {matrix.path} have "
                         f"different features: {len(missing)} catalog feature(s) missing from "
                         f"the signatures {missing[:5]}, {len(extra)} signature feature(s) not "
                         f"in the catalog {extra[:5]}. Give the signatures one row per catalog "
                         "feature, with the same labels (rows may be in any order).")
    try:
        data, rescaled = normalise_signatures(signatures.data)
    except ValueError as err:
        raise InputError(f"signatures {signatures.path}: {err}") from err
    if rescaled:
        logger.warning("signatures %s: column(s) %s do not sum to 1; rescaled to sum 1 so "
                       "exposures are in the catalog's units", signatures.path,
                       ", ".join(f"{name} (sum {total:.4g})" for name, total in rescaled.items()))
    restricted = _restriction(args.restrict_to, data.columns)
    if restricted is not None:
        data = data[restricted]
    return Matrix(data.loc[matrix.data.index], signatures.channel_set, signatures.path)


def _check_counts_for_refit(matrix: Matrix, args: argparse.Namespace) -> None:
    """The likelihood rule and multinomial intervals need counts (whole numbers).

    Checked for mutation catalogs as for generic matrices: the likelihood rule's threshold is
    calibrated on Poisson counts, and a fractional catalog (normalised, or a signature table
    given as --catalog) would otherwise be refitted without a word.
    """
    from sigforge.matrix import first_fraction

    if args.method != "likelihood" and args.bootstrap == 0:
        return
    fraction = first_fraction(matrix.data)
    if fraction is not None:
        feature, sample, value = fraction
        raise InputError(f"{matrix.path}: row '{feature}', column '{sample}' holds {value}: "
                         "--method likelihood and --bootstrap (multinomial resamples) need "
                         "counts. For real-valued data use --method nnls (or cosine) with "
                         "--bootstrap 0.")


def refit(args: argparse.Namespace) -> None:
    """``sigforge refit``: sparse exposures with intervals; per-patient mode from a VCF."""
    from sigforge.refit import decompose_signatures, identity_decomposition, refit_catalog

    log = None
    if args.generic and not args.catalog:
        raise InputError("--generic refits a --catalog matrix; a VCF is always a mutation "
                         "catalog: drop --generic.")
    matrix = (_read_catalog(args.catalog, args.generic, drop_empty=args.drop_empty)
              if args.catalog else None)
    if matrix is None:
        matrix, log = _patient_catalog(args)
    _check_counts_for_refit(matrix, args)
    signatures = _refit_signatures(args, matrix)
    n = matrix.data.shape[1]
    with tqdm(total=n, desc="refit", unit="sample", disable=n < 20 or args.quiet) as bar:
        result = refit_catalog(matrix.data, signatures.data, _refit_options(args),
                               progress=lambda done: bar.update(done - bar.n))
    out = Path(args.out)
    decomposition = None
    if matrix.channel_set is not None and args.signatures == args.decompose_into:
        decomposition = identity_decomposition(signatures.data)
    elif matrix.channel_set is not None:
        from sigforge.reference import load_reference

        reference = load_reference(args.decompose_into, channel_set=matrix.channel_set,
                                   genome_build=args.genome_build).data
        decomposition = decompose_signatures(signatures.data, reference.loc[matrix.data.index],
                                             novel_below=args.novel_below)
    if log is not None:
        write_matrix(matrix.data, out / "SBS96.tsv", integer=True)
        write_table(log, out / "catalog_log.tsv")
    write_matrix(result.exposures, out / "exposures.tsv", label="Signature")
    write_table(result.reconstruction, out / "reconstruction.tsv")
    if result.intervals is not None:
        write_table(result.intervals, out / "exposure_intervals.tsv")
    if decomposition is not None:
        write_table(decomposition, out / "decomposition.tsv")
    if log is not None:
        _write_patient_page(args, matrix, log, signatures, result, out)
    logger.info("refit %d sample(s) to %d signatures (%s): median %d signatures used, median "
                "cosine %.3f", n, signatures.data.shape[1], args.method,
                result.reconstruction["signatures_used"].median(),
                result.reconstruction["cosine"].median())


_EXTRACT_FILES = ["provenance.json", "signatures.tsv", "rank_metrics.tsv", "stability.tsv"]
_REFIT_FILES = ["exposures.tsv", "reconstruction.tsv"]


def _require_files(folder: Path, names: list[str], option: str, producer: str) -> None:
    """Name every missing input of a report at once, with the command that writes it."""
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{option} {folder}: {', '.join(missing)} not found. Give the folder "
                         f"written by '{producer} --out FOLDER', after that command finished.")


def _chosen_rank(provenance: dict[str, Any], path: Path) -> int:
    """The chosen rank and rule of an extract run's provenance.json, checked to be there."""
    rank, reason = provenance.get("chosen_rank"), provenance.get("reason")
    if isinstance(rank, bool) or not isinstance(rank, int) or not isinstance(reason, str):
        raise InputError(f"{path}: expected 'chosen_rank' (a whole number) and 'reason', got "
                         f"chosen_rank={rank!r}; give the provenance.json written by sigforge "
                         "extract or select-rank (rerun that step to rebuild it).")
    return rank


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


def _load_cohort_data(args: argparse.Namespace) -> Any:
    """Gather the report's inputs (catalog, log, discovery, refit, reference matches)."""
    import os

    from sigforge.reference import load_aetiology, load_reference
    from sigforge.refit import best_matches
    from sigforge.report import CohortData

    catalog_dir, extract_dir = Path(args.catalog_dir), Path(args.extract_dir)
    refit_dir, out = Path(args.refit_dir), Path(args.out)
    _require_files(catalog_dir, ["SBS96.tsv", "catalog_log.tsv"], "--catalog-dir",
                   "sigforge catalog (or merge-catalogs)")
    _require_files(extract_dir, _EXTRACT_FILES, "--extract-dir", "sigforge extract")
    _require_files(refit_dir, _REFIT_FILES, "--refit-dir", "sigforge refit")
    provenance = read_json(extract_dir / "provenance.json")
    chosen_rank = _chosen_rank(provenance, extract_dir / "provenance.json")
    signatures = read_matrix(extract_dir / "signatures.tsv").data
    reference = load_reference(args.reference, genome_build=args.genome_build).data
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
        ("reconstruction", refit_dir / "reconstruction.tsv")] if path.exists()}
    intervals_path = refit_dir / "exposure_intervals.tsv"
    decomposition_path = refit_dir / "decomposition.tsv"
    catalog_log = read_table(catalog_dir / "catalog_log.tsv")
    run_info = _run_info(args, provenance, catalog_log)
    other_catalogs = {name: read_matrix(catalog_dir / f"{name}.tsv").data
                      for name in ("DBS78", "ID83") if (catalog_dir / f"{name}.tsv").exists()}
    data = CohortData(
        catalog=read_matrix(catalog_dir / "SBS96.tsv").data,
        catalog_log=catalog_log,
        rank_metrics=metrics, chosen_rank=chosen_rank,
        rank_rule=str(provenance["reason"]), signatures=signatures,
        stability=read_table(extract_dir / "stability.tsv"),
        exposures=read_matrix(refit_dir / "exposures.tsv").data,
        reconstruction=read_table(refit_dir / "reconstruction.tsv"),
        reference_matches=best_matches(signatures, reference.loc[signatures.index]),
        run_info=run_info, files=files,
        intervals=read_table(intervals_path) if intervals_path.exists() else None,
        decomposition=read_table(decomposition_path) if decomposition_path.exists() else None,
        aetiology=load_aetiology(args.reference), reference_signatures=reference,
        other_catalogs=other_catalogs)
    _check_cohort_data(data, catalog_dir, extract_dir, refit_dir)
    return data


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
            info[label] = str(provenance[key])
    rule = provenance.get("rank_rule")
    if isinstance(rule, dict):
        info["rank rule"] = ", ".join(f"{key}={value}" for key, value in rule.items())
    info["reference signatures"] = f"{args.reference} ({args.genome_build})"
    info["sigforge version"] = str(provenance.get("sigforge", __version__))
    versions = {"python": provenance.get("python", platform.python_version()),
                "numpy": provenance.get("numpy", np.__version__), "pandas": pd.__version__,
                "scipy": scipy.__version__, "matplotlib": matplotlib.__version__}
    info["versions"] = ", ".join(f"{name} {version}" for name, version in versions.items())
    return info


def report(args: argparse.Namespace) -> None:
    """``sigforge report``: the cohort HTML page and one page per sample."""
    from sigforge.report import write_reports
    from sigforge.samplesheet import file_stems

    data = _load_cohort_data(args)
    stems = file_stems(list(data.catalog.columns), f"{args.catalog_dir}/SBS96.tsv")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be at least 1, got {args.threads}.")
    path = write_reports(data, Path(args.out), stems, workers=args.threads)
    logger.info("cohort report: %s", path.resolve())


def _write_patient_page(args: argparse.Namespace, matrix: Matrix, log: pd.DataFrame,
                        signatures: Matrix, result: Any, out: Path) -> None:
    """Per-patient mode: the patient's HTML page (no cohort page to link back to)."""
    from sigforge.reference import load_aetiology
    from sigforge.refit import best_matches
    from sigforge.report import CohortData, write_patient_report
    from sigforge.samplesheet import file_stems

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
                  "signatures": f"{args.signatures} ({args.genome_build})",
                  "refit method": args.method, "bootstrap resamples": str(args.bootstrap),
                  "seed": str(args.seed)},
        files={}, intervals=result.intervals, aetiology=load_aetiology(args.signatures),
        cohort_link=False)
    stem = file_stems([sample], f"VCF {args.vcf}")[sample]
    path = write_patient_report(data, sample, out, stem)
    logger.info("patient report: %s", path.resolve())


def _pixel_shape(text: str | None) -> tuple[int, int] | None:
    """'H,W' or 'HxW' into (H, W); None when not given."""
    if not text:
        return None
    parts = text.replace("x", ",").split(",")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise InputError(f"--pixels expects HEIGHT,WIDTH such as 8,8; got '{text}'.")
    height, width = int(parts[0]), int(parts[1])
    if height < 1 or width < 1:
        raise InputError(f"--pixels {text}: HEIGHT and WIDTH must be at least 1 (the image "
                         "holds one feature per pixel); give them as 8,8.")
    return height, width


def prepare_matrix(args: argparse.Namespace) -> None:
    """``sigforge prepare-matrix``: check a generic matrix, drop all-zero rows and columns."""
    from sigforge.matrix import prepare_matrix as prepare

    prepared = prepare(args.input, counts=args.counts, pixels=_pixel_shape(args.pixels))
    out = Path(args.out)
    write_table(prepared.dropped, out / f"{args.name}_dropped.tsv")
    write_matrix(prepared.data, out / f"{args.name}.tsv", label="Feature",
                 integer=prepared.counts and args.counts)
    logger.info("%s: %d features x %d samples (%s); dropped %d all-zero features and %d "
                "all-zero samples", args.input, *prepared.data.shape,
                "whole numbers" if prepared.counts else "real values",
                int((prepared.dropped.index == "feature").sum()),
                int((prepared.dropped.index == "sample").sum()))


def _read_blocks(path: str) -> pd.DataFrame:
    """A joint run's blocks table; its modality names become file names, so they are checked."""
    from sigforge._outputs import check_plain_name

    blocks = read_table(path)
    if "modality" not in blocks.columns:
        raise InputError(f"{path}: no 'modality' column; give the NAME_blocks.tsv written by "
                         "prepare-joint.")
    for name in blocks["modality"].astype(str).unique():
        check_plain_name(name, f"{path}: modality")
    return blocks


def matrix_report(args: argparse.Namespace) -> None:
    """``sigforge matrix-report``: the generic cohort page (bar charts or pixel images)."""
    from sigforge.generic_report import MatrixReportData, write_matrix_report

    extract_dir, refit_dir = Path(args.extract_dir), Path(args.refit_dir)
    _require_files(extract_dir, _EXTRACT_FILES, "--extract-dir", "sigforge extract")
    _require_files(refit_dir, _REFIT_FILES, "--refit-dir", "sigforge refit")
    metrics = read_table(extract_dir / "rank_metrics.tsv")
    metrics["selected"] = metrics["selected"].astype(str).str.lower() == "true"
    provenance = read_json(extract_dir / "provenance.json")
    data = MatrixReportData(
        name=args.name, matrix=read_matrix(args.matrix, generic=True).data,
        dropped=read_table(args.dropped) if args.dropped else pd.DataFrame(),
        rank_metrics=metrics, chosen_rank=int(provenance["chosen_rank"]),
        rank_rule=str(provenance["reason"]),
        signatures=read_matrix(extract_dir / "signatures.tsv", generic=True).data,
        stability=read_table(extract_dir / "stability.tsv"),
        exposures=read_matrix(refit_dir / "exposures.tsv", generic=True).data,
        reconstruction=read_table(refit_dir / "reconstruction.tsv"),
        pixels=_pixel_shape(args.pixels), provenance=provenance,
        blocks=_read_blocks(args.blocks) if args.blocks else None)
    path = write_matrix_report(data, Path(args.out))
    logger.info("matrix report: %s", path.resolve())


def prepare_joint(args: argparse.Namespace) -> None:
    """``sigforge prepare-joint``: stack weighted modalities over the same samples."""
    from sigforge.matrix import prepare_joint as prepare

    if not len(args.inputs) == len(args.modalities) == len(args.weights):
        raise InputError(f"--inputs ({len(args.inputs)}), --modalities "
                         f"({len(args.modalities)}) and --weights ({len(args.weights)}) must "
                         "give one value per modality.")
    if len(set(args.modalities)) != len(args.modalities):
        raise InputError(f"--modalities {args.modalities}: each name must be unique.")
    prepared, blocks = prepare(dict(zip(args.modalities, args.inputs, strict=True)),
                               dict(zip(args.modalities, args.weights, strict=True)),
                               counts=args.counts)
    out = Path(args.out)
    write_table(prepared.dropped, out / f"{args.name}_dropped.tsv")
    write_table(blocks, out / f"{args.name}_blocks.tsv")
    write_matrix(prepared.data, out / f"{args.name}.tsv", label="Feature")
    logger.info("joint matrix %s: %d features x %d samples from %s", args.name,
                *prepared.data.shape, ", ".join(args.modalities))


def split_joint(args: argparse.Namespace) -> None:
    """``sigforge split-joint``: per-modality loadings and shares of the joint components."""
    from sigforge.matrix import split_components

    signatures = read_matrix(args.signatures, generic=True).data
    blocks = _read_blocks(args.blocks)
    missing = [f for f in signatures.index if f not in blocks.index][:5]
    if missing:
        raise InputError(f"{args.blocks}: features {missing} of {args.signatures} are not "
                         "listed; give the blocks table written with this joint matrix.")
    per_modality, shares = split_components(signatures, blocks)
    out = Path(args.out)
    for name, frame in per_modality.items():
        write_matrix(frame, out / f"{name}_signatures.tsv", label="Feature")
    write_table(shares, out / "modalities.tsv")

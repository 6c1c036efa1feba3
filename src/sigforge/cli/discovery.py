"""The discovery commands: ``replicates``, ``consensus``, ``cross-validate``, ``select-rank``
and ``extract`` (all of them in one process).

Each handler takes the parsed ``argparse.Namespace``; :func:`add_parsers` declares the commands,
their options taking their defaults from :class:`NMFOptions`, :class:`CVOptions` and
:class:`RankRule`. ``select-rank`` accepts every option of ``extract`` that provenance.json
records, so the workflow's jobs and one ``extract`` write the same provenance (:func:`run_facts`).
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
from tqdm import tqdm

from sigforge import __version__
from sigforge._validation import check_rank
from sigforge.cli._common import (
    add_command,
    add_drop_empty,
    add_generic,
    add_seed,
    catalog_name,
    field_default,
    read_input_catalog,
    read_input_catalog_dropping,
    read_table_matrix,
)
from sigforge.discovery.crossval import CVOptions, cross_validate_rank
from sigforge.discovery.pipeline import (
    NMFOptions,
    RankResult,
    choose_rank,
    chunk_ranges,
    merge_chunks,
    run_discovery,
    solve_replicates,
    summarise_rank,
)
from sigforge.discovery.rank import RankChoice, RankRule
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

logger = logging.getLogger(__name__)


def _nmf_options(args: argparse.Namespace) -> NMFOptions:
    """NMF options from the shared command-line flags (checked by NMFOptions), and the seed."""
    if args.seed < 0:
        raise InputError(f"--seed: expected a whole number >= 0, got {args.seed}.")
    return NMFOptions(max_iter=args.max_iter, min_iter=args.min_iter, tol=args.tol,
                      resampling=args.resampling, normalisation=args.normalisation,
                      cap=args.cap)


def _check_counts_for_resampling(matrix: Matrix, args: argparse.Namespace) -> None:
    """Generic mode: refuse count resampling (poisson, multinomial) of non-integer data."""
    from sigforge.discovery.matrix import first_fraction

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
    matrix = read_input_catalog(args.catalog, args.generic)
    _check_counts_for_resampling(matrix, args)
    if args.first < 0 or args.count < 1:
        raise InputError(f"expected --first >= 0 and --count >= 1, got {args.first}, {args.count}.")
    chunk = solve_replicates(matrix.data.to_numpy(), args.k,
                             range(args.first, args.first + args.count), seed=args.seed,
                             matrix_name=catalog_name(args), options=_nmf_options(args))
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
                                    lambda p: read_table_matrix(p, generic=generic), "rank table")
    exposures = _read_intermediate(folder / "exposures.tsv",
                                   read_matrix, "rank table")
    stability = _read_intermediate(folder / "stability.tsv", read_table, "rank table")
    return RankResult(k, signatures.data, exposures.data, stability, metrics)


def consensus(args: argparse.Namespace) -> None:
    """``sigforge consensus``: cluster one rank's replicate chunks into consensus signatures."""
    matrix = read_input_catalog(args.catalog, args.generic)
    shape = matrix.data.shape
    merged = merge_chunks([_load_chunk(path, args.k, shape) for path in args.chunks])
    result = summarise_rank(matrix.data, args.k, merged, prefix=catalog_name(args),
                            seed=args.seed)
    _write_rank_dir(result, Path(args.out))
    logger.info("k=%d: stability %s", args.k,
                ", ".join(f"{v:.2f}" for v in result.stability["stability"]))


def _cv_options(args: argparse.Namespace) -> CVOptions:
    """Cross-validation options from the command-line flags (checked by CVOptions; stopping
    rule and normalisation as for replicates)."""
    nmf = _nmf_options(args)
    return CVOptions(folds=args.cv_folds, holdout=args.cv_holdout, starts=args.cv_starts,
                     max_iter=args.cv_max_iter, min_iter=min(nmf.min_iter, args.cv_max_iter),
                     tol=nmf.tol,
                     normalisation=nmf.normalisation, cap=nmf.cap)


def cross_validate(args: argparse.Namespace) -> None:
    """``sigforge cross-validate``: held-out-entry CV folds of one rank, saved as ``.npz``."""
    matrix = read_input_catalog(args.catalog, generic=args.generic)
    options = _cv_options(args)
    if options.folds < 1:
        raise InputError("--cv-folds must be >= 1 for 'cross-validate'.")
    result = cross_validate_rank(matrix.data.to_numpy(), args.k, range(options.folds),
                                 seed=args.seed, matrix_name=catalog_name(args),
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
                "rank_caution": choice.caution,
                **facts}, out / "provenance.json")
    logger.info("chosen rank: %s", choice.reason)


def run_facts(args: argparse.Namespace, ranks: list[int],
              left_out: list[str] | None = None) -> dict[str, Any]:
    """The run's settings recorded in provenance.json, typed, from the options of ``extract``.

    ``extract`` and ``select-rank`` (the workflow's last discovery step, given the same options)
    both record this, so a run by hand and the workflow's jobs write the same provenance.
    """
    return {"seed": args.seed, "catalog": args.catalog,
            "catalog_name": catalog_name(args) if args.catalog or args.catalog_name else None,
            "samples_without_mutations_left_out": left_out or [], "ranks": ranks,
            "replicates": args.replicates, "nmf": asdict(_nmf_options(args)),
            "cross_validation": asdict(_cv_options(args)), "rank_rule": asdict(_rank_rule(args))}


def select_rank(args: argparse.Namespace) -> None:
    """``sigforge select-rank``: apply the rank rule to the per-rank results."""
    results = _read_rank_dirs(args.rank_dirs, args.generic)
    ranks = sorted(r.k for r in results)
    if args.ranks is not None and args.ranks != ranks:
        raise InputError(f"--ranks {args.ranks} differ from the ranks {ranks} of --rank-dirs; "
                         "give one directory per rank of --ranks.")
    facts = run_facts(args, ranks)
    choice = choose_rank(results, _rank_rule(args), _read_cv(args.cv, ranks) or None)
    _write_selection(results, choice, Path(args.out), facts)


def extract(args: argparse.Namespace) -> None:
    """``sigforge extract``: replicates, consensus and rank choice in one process pool."""
    options, rule = _nmf_options(args), _rank_rule(args)
    if args.threads < 1:
        raise InputError(f"--threads: expected at least 1, got {args.threads}.")
    if rule.fixed_rank is not None and rule.fixed_rank not in args.ranks:
        raise InputError(f"--fixed-rank {rule.fixed_rank} is not among --ranks "
                         f"{args.ranks}; widen --ranks or change --fixed-rank.")
    matrix, left_out = read_input_catalog_dropping(args.catalog, args.generic, args.drop_empty)
    _check_counts_for_resampling(matrix, args)
    for k in args.ranks:
        try:
            check_rank(k, *matrix.data.shape)
        except ValueError as err:
            raise InputError(f"{args.catalog}: {err}") from err
    name = catalog_name(args)
    cv = _cv_options(args)
    n_tasks = len(args.ranks) * (len(chunk_ranges(args.replicates, args.chunk_size))
                                 + (cv.folds > 0))
    with tqdm(total=n_tasks, desc="extract", unit="task", disable=args.quiet) as bar:
        discovery = run_discovery(matrix.data, args.ranks, replicates=args.replicates,
                                  chunk_size=args.chunk_size, seed=args.seed, matrix_name=name,
                                  options=options, rule=rule, cv=cv, threads=args.threads,
                                  progress=lambda done: bar.update(done - bar.n))
    out = Path(args.out)
    for result in discovery.ranks.values():
        _write_rank_dir(result, out / f"k{result.k}")
        if result.k in discovery.cv:
            save_arrays(out / f"k{result.k}" / "cv.npz", k=np.array(result.k),
                        **discovery.cv[result.k])
    _write_selection(list(discovery.ranks.values()), discovery.choice, out,
                     run_facts(args, args.ranks, left_out))


def parse_ranks(text: str) -> list[int]:
    """Parse '3', '2-8' or '2,4,6' into a sorted list of distinct ranks."""
    ranks: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            ranks.update(range(int(low), int(high or low) + 1))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected ranks like '2-8' or '2,3,5', got '{text}'") \
            from err
    if not ranks:
        raise argparse.ArgumentTypeError(f"'{text}' holds no rank: write the smaller rank "
                                         "first, as in '2-8'")
    if min(ranks) < 1:
        raise argparse.ArgumentTypeError(f"ranks must be >= 1, got '{text}'")
    return sorted(ranks)


def _add_nmf_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that factor replicates; defaults from :class:`NMFOptions`."""
    add_seed(parser, "; replicate r of rank k draws from (seed, catalog name, k, r) alone")
    parser.add_argument("--max-iter", type=int, default=field_default(NMFOptions, "max_iter"),
                        help="iteration cap per replicate")
    parser.add_argument("--min-iter", type=int, default=field_default(NMFOptions, "min_iter"),
                        help="iterations before stopping")
    parser.add_argument("--tol", type=float, default=field_default(NMFOptions, "tol"),
                        help="relative objective change that counts as converged")
    parser.add_argument("--resampling", default=field_default(NMFOptions, "resampling"),
                        help="bootstrap: poisson (per entry), multinomial (at each sample's "
                             "total) or scaled[:DEPTH] (multinomial at DEPTH pseudo-counts, "
                             "rescaled; for real-valued data)")
    parser.add_argument("--normalisation", default=field_default(NMFOptions, "normalisation"),
                        choices=["none", "cap", "gmm"],
                        help="scale hypermutated samples down before factorisation: none, "
                             "cap (at --cap) or gmm (threshold from a Gaussian mixture of the "
                             "log totals, at least --cap); see sigforge.discovery.normalise")
    parser.add_argument("--cap", type=float, default=field_default(NMFOptions, "cap"),
                        help="mutations per sample for 'cap', floor for 'gmm'")
    add_generic(parser)
    parser.add_argument("--catalog-name", default=None,
                        help="name keying the random streams and naming components "
                             "(default: the catalog file's stem)")


def _add_cv_options(parser: argparse.ArgumentParser) -> None:
    """Options of held-out-entry cross-validation; defaults from :class:`CVOptions`."""
    parser.add_argument("--cv-folds", type=int, default=field_default(CVOptions, "folds"),
                        help="held-out folds per rank; 0 disables")
    parser.add_argument("--cv-holdout", type=float, default=field_default(CVOptions, "holdout"),
                        help="share of entries hidden per fold")
    parser.add_argument("--cv-starts", type=int, default=field_default(CVOptions, "starts"),
                        help="random starts per fold; the best on the visible entries is kept")
    parser.add_argument("--cv-max-iter", type=int, default=field_default(CVOptions, "max_iter"),
                        help="iteration cap of each masked fit")


def _add_rank_rule(parser: argparse.ArgumentParser) -> None:
    """Options of the rank-selection rule; defaults from :class:`RankRule`."""
    for name, text in (("min_mean_stability", "mean component silhouette of a candidate rank"),
                       ("min_component_stability", "silhouette of every component of a "
                                                   "candidate rank"),
                       ("min_error_gain", "share of the KL divergence a larger rank must "
                                          "remove (without cross-validation)")):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float,
                            default=field_default(RankRule, name), help=f"smallest {text}")
    parser.add_argument("--fixed-rank", type=int, default=field_default(RankRule, "fixed_rank"),
                        help="use this rank instead of the rule (default: the rule chooses)")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Every option provenance.json records but --catalog and --ranks (see run_facts)."""
    parser.add_argument("--replicates", type=int, default=100,
                        help="bootstrap replicates per rank")
    _add_nmf_options(parser)
    _add_cv_options(parser)
    _add_rank_rule(parser)


def _add_stage_parsers(subparsers: Any) -> None:
    """Declare the workflow's per-job commands: replicates, consensus, cross-validate."""
    p = add_command(subparsers, "replicates", replicates)
    p.add_argument("--catalog", required=True, help="the catalog to factor")
    p.add_argument("--k", type=int, required=True, help="rank")
    p.add_argument("--first", type=int, required=True, help="first replicate index")
    p.add_argument("--count", type=int, required=True, help="replicates in this chunk")
    _add_nmf_options(p)
    p.add_argument("--out", required=True, help="output .npz")

    p = add_command(subparsers, "consensus", consensus)
    p.add_argument("--catalog", required=True, help="the catalog the chunks factored")
    p.add_argument("--k", type=int, required=True, help="rank")
    p.add_argument("--chunks", nargs="+", required=True, help=".npz files from 'replicates'")
    p.add_argument("--catalog-name", default=None,
                   help="name of the components (default: the catalog file's stem)")
    add_generic(p)
    add_seed(p, "; keys the gap statistic's null sets")
    p.add_argument("--out", required=True, help="rank directory (k{k})")

    p = add_command(subparsers, "cross-validate", cross_validate)
    p.add_argument("--catalog", required=True, help="the catalog to cross-validate")
    p.add_argument("--k", type=int, required=True, help="rank")
    _add_nmf_options(p)
    _add_cv_options(p)
    p.add_argument("--out", required=True, help="output .npz")


def add_parsers(subparsers: Any) -> None:
    """Declare the discovery commands: the per-job steps, ``select-rank`` and ``extract``."""
    _add_stage_parsers(subparsers)
    p = add_command(subparsers, "select-rank", select_rank)
    p.add_argument("--rank-dirs", nargs="+", required=True, help="directories from 'consensus'")
    p.add_argument("--cv", nargs="*", default=[],
                   help=".npz files from 'cross-validate', one per rank (optional)")
    p.add_argument("--catalog", default=None,
                   help="the catalog the ranks were factored from, recorded in provenance.json")
    p.add_argument("--ranks", type=parse_ranks, default=None,
                   help="ranks tried, checked against --rank-dirs (default: theirs)")
    _add_run_options(p)
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "extract", extract)
    p.add_argument("--catalog", required=True, help="the catalog (features x samples) to factor")
    p.add_argument("--ranks", type=parse_ranks, required=True, help="ranks tried, e.g. 1-12")
    _add_run_options(p)
    p.add_argument("--chunk-size", type=int, default=25,
                   help="replicates per batched solve (the workflow's job size)")
    p.add_argument("--threads", type=int, default=1, help="worker processes")
    add_drop_empty(p)
    p.add_argument("--out", required=True, help="output directory")


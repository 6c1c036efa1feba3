"""The discovery commands: ``replicates``, ``consensus``, ``cross-validate``, ``select-rank``
and ``extract`` (all of them in one process). :func:`add_parsers` declares them, their options
in :mod:`sigforge.cli.discovery_options`. ``select-rank`` accepts every option of ``extract``
that provenance.json records, so the workflow's jobs and one ``extract`` write the same
provenance (:func:`run_facts`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sigforge
from sigforge._validation import check_rank
from sigforge.cli._common import (
    MAX_REPLICATES,
    MAX_THREADS,
    add_command,
    add_generic,
    add_seed,
    catalog_name,
    count_type,
    given,
    killed_by_interrupt,
    parse_ranks,
    read_input_catalog,
    read_input_catalog_dropping,
    read_table_matrix,
)
from sigforge.cli._run_files import (
    catalog_digest,
    load_chunks,
    rank_dir_digest,
    write_rank_dir,
)
from sigforge.cli.cv_files import read_cv
from sigforge.cli.discovery_checks import (
    check_before_extract,
    check_counts_for_resampling,
    check_cv_shape,
    check_one_catalog,
    check_rank_catalog,
    check_rank_folder_name,
    check_rank_metrics,
    folders_replicates,
)
from sigforge.cli.discovery_options import (
    add_cv_options,
    add_nmf_options,
    add_run_options,
    add_skip_options,
    catalog_name_type,
)
from sigforge.cli.discovery_settings import (
    apply_chunk_settings,
    chunk_settings,
    cv_option_defaults,
    cv_options,
    cv_settings,
    digest_fact,
    folder_option_defaults,
    group_fact,
    nmf_options,
    records,
    resolve_cv_settings,
    resolve_folder_settings,
    unset_defaults,
    warn_inert_cap,
)
from sigforge.cli.groups import add_merge_cosine, extract_groups
from sigforge.cli.groups import add_parsers as groups_parsers
from sigforge.cli.outputs import discard_other_extract_outputs, discard_stale_cv
from sigforge.cli.rank_dirs import read_rank_dirs, warn_other_rank_folders
from sigforge.cli.rank_provenance import warn_rank_choice
from sigforge.discovery.crossval import cross_validate_rank
from sigforge.discovery.pipeline import (
    RankResult,
    as_written_frame,
    choose_rank,
    chosen_components,
    chunk_ranges,
    merge_chunks,
    run_discovery,
    solve_replicates,
    summarise_rank,
)
from sigforge.discovery.rank import RankChoice, RankRule
from sigforge.io import InputError, Matrix, save_arrays, write_json, write_matrix, write_table

logger = logging.getLogger(__name__)


def _discovery_input(args: argparse.Namespace) -> tuple[Matrix, str | None]:
    """The catalog a discovery step factors (samples without mutations left out with
    --drop-empty), and why the catalog is skipped (--skip-unfactorable; None: it is factored).

    The reason depends on the catalog and the rank given alone (a rank's jobs get their own k,
    the rank choice the largest); a skipped catalog is returned whole (nothing factored)."""
    from sigforge.discovery.skip import factor_problem

    if args.skip_unfactorable is not None:
        whole = read_table_matrix(args.catalog, generic=args.generic)
        reason = factor_problem(whole.data, args.skip_unfactorable)
        if reason is not None and getattr(args, "require_factored", False):
            supported = next((k for k in range(args.skip_unfactorable - 1, 0, -1)
                              if factor_problem(whole.data, k) is None), 0)
            fix = (f"lower the largest rank (the workflow's extract.ranks.max) to at most "
                   f"{supported}, the largest this catalog supports, or add samples"
                   if supported else
                   "add samples or mutations: it cannot be factored at any rank")
            raise InputError(f"{args.catalog}: too thin to factor at ranks up to "
                             f"{args.skip_unfactorable}: {reason}. Its signatures are needed "
                             f"(the patient pages and the cohort report are drawn from them), "
                             f"so the run stops here; {fix}.")
        if reason is not None:
            logger.warning("%s: not factored: %s", args.catalog, reason)
            return whole, reason
    return read_input_catalog(args.catalog, args.generic, drop_empty=args.drop_empty), None


def replicates(args: argparse.Namespace) -> None:
    """``sigforge replicates``: one chunk of resampled factorisations, saved as ``.npz``."""
    from sigforge.discovery.skip import skipped_chunk

    if args.first + args.count > MAX_REPLICATES:
        raise InputError(f"--first {args.first} --count {args.count}: the chunk would reach "
                         f"replicate {args.first + args.count - 1}, but a rank has at most "
                         f"{MAX_REPLICATES:,} replicates (indices 0 to {MAX_REPLICATES - 1}).")
    matrix, skipped = _discovery_input(args)
    if skipped is not None:
        save_arrays(args.out, **skipped_chunk(args.k, skipped))
        return
    check_counts_for_resampling(matrix, args)
    warn_inert_cap(args)
    with killed_by_interrupt("replicates"):
        chunk = solve_replicates(matrix.data.to_numpy(), args.k,
                                 range(args.first, args.first + args.count), seed=args.seed,
                                 matrix_name=catalog_name(args), options=nmf_options(args))
    save_arrays(args.out, **chunk, **records(matrix.data, chunk_settings(args)))
    logger.info("k=%d replicates %d-%d: median %d iterations, %d/%d converged", args.k,
                args.first, args.first + args.count - 1, np.median(chunk["n_iter"]),
                chunk["converged"].sum(), args.count)


def consensus(args: argparse.Namespace) -> None:
    """``sigforge consensus``: cluster one rank's replicate chunks into consensus signatures."""
    from sigforge.discovery.skip import skipped_rank

    check_rank_folder_name(Path(args.out), args.k)
    matrix, skipped = _discovery_input(args)
    if skipped is not None:
        write_rank_dir(skipped_rank(args.k, matrix.data, skipped), Path(args.out))
        return
    shape, digest = matrix.data.shape, catalog_digest(matrix.data)
    chunks, settings = load_chunks(args.chunks, args.k, shape, digest)
    apply_chunk_settings(args, settings, args.chunks[0])
    result = summarise_rank(matrix.data, args.k, merge_chunks(chunks),
                            prefix=catalog_name(args), seed=args.seed)
    write_rank_dir(result, Path(args.out), digest, settings)
    logger.info("k=%d: stability %s", args.k,
                ", ".join(f"{v:.2f}" for v in result.stability["stability"]))


def cross_validate(args: argparse.Namespace) -> None:
    """``sigforge cross-validate``: held-out-entry CV folds of one rank, saved as ``.npz``."""
    from sigforge.discovery.skip import skipped_cv

    options = cv_options(args)
    if options.folds < 1:
        raise InputError("--cv-folds must be 2 or more for 'cross-validate'.")
    matrix, skipped = _discovery_input(args)
    if skipped is not None:
        save_arrays(args.out, **skipped_cv(args.k, skipped))
        return
    check_cv_shape(matrix, args)
    with killed_by_interrupt("cross-validate"):
        result = cross_validate_rank(matrix.data.to_numpy(), args.k, range(options.folds),
                                     seed=args.seed, matrix_name=catalog_name(args),
                                     options=options)
    save_arrays(args.out, k=np.array(args.k), **result,
                **records(matrix.data, cv_settings(args)))
    logger.info("k=%d: held-out deviance %s", args.k,
                ", ".join(f"{v:.4f}" for v in result["error"]))


def _rank_rule(args: argparse.Namespace) -> RankRule:
    """The rank rule from the command-line flags."""
    return RankRule(min_mean_stability=args.min_mean_stability,
                    min_component_stability=args.min_component_stability,
                    min_error_gain=args.min_error_gain, fixed_rank=args.fixed_rank,
                    drop_below_stability=args.drop_below_stability,
                    max_dropped_components=args.max_dropped_components,
                    rescue_min_stability=args.rescue_min_stability,
                    rescue_max_cosine=args.rescue_max_cosine)


def _write_selection(chosen: RankResult, choice: RankChoice, out: Path,
                     facts: dict[str, Any]) -> None:
    """Write rank_metrics.tsv, the chosen rank's tables (``chosen``: its kept and rescued
    components, see :func:`chosen_components`) and provenance.json, which names the
    components left out and those added."""
    write_table(choice.metrics, out / "rank_metrics.tsv")
    # as the rank folder's tables read back (as_written), as select-rank has them: a value
    # that ten digits round to a whole number of 1e10 or more is written in full there
    write_matrix(as_written_frame(chosen.signatures), out / "signatures.tsv")
    write_matrix(as_written_frame(chosen.exposures), out / "exposures.tsv", label="Signature")
    write_table(chosen.stability, out / "stability.tsv")
    write_json({"sigforge": sigforge.__version__, "python": platform.python_version(),
                "numpy": np.__version__, "chosen_rank": choice.rank, "reason": choice.reason,
                "rank_caution": choice.caution, "rank_edge": choice.edge,
                "dropped_components": list(choice.dropped),
                "rescued_components": [asdict(added) for added in choice.rescued],
                **facts}, out / "provenance.json")
    logger.info("chosen rank: %s", choice.reason)
    warn_rank_choice(choice)


def run_facts(args: argparse.Namespace, ranks: list[int],
              left_out: list[str] | None = None) -> dict[str, Any]:
    """The run's settings recorded in provenance.json, typed, from the options of ``extract``.

    ``extract`` and ``select-rank`` (the workflow's last discovery step, given the same options)
    both record this, so a run by hand and the workflow's jobs write the same provenance.
    """
    return {"seed": args.seed, "catalog": args.catalog,
            "catalog_name": catalog_name(args) if args.catalog or args.catalog_name else None,
            "samples_without_mutations_left_out": left_out or [], "ranks": ranks,
            "replicates": args.replicates, "nmf": asdict(nmf_options(args)),
            "cross_validation": asdict(cv_options(args)), "rank_rule": asdict(_rank_rule(args))}


def select_rank(args: argparse.Namespace) -> None:
    """``sigforge select-rank``: apply the rank rule to the per-rank results."""
    results = read_rank_dirs(args.rank_dirs, args.generic)
    ranks = sorted(r.k for r in results)
    if args.ranks is not None and args.ranks != ranks:
        raise InputError(f"--ranks {args.ranks} differ from the ranks {ranks} of --rank-dirs; "
                         "give one directory per rank of --ranks.")
    skipped = _skipped(results)
    folders = [Path(folder) for folder in args.rank_dirs]
    check_one_catalog(folders, results)
    catalog = read_table_matrix(args.catalog, generic=args.generic) if args.catalog else None
    if catalog is not None:
        check_rank_catalog(folders, results, catalog, skipped is not None, args.drop_empty)
    args.replicates = folders_replicates(args.replicates, folders, results)
    resolve_folder_settings(args, folders)
    facts = {**run_facts(args, ranks, _left_out(args, catalog)), **group_fact(args.group)}
    discard_other_extract_outputs(Path(args.out), None)  # a --groups run's merged set
    if skipped is not None:  # extract and the group runs warned when they found it
        logger.warning("%s: not factored: %s", args.out, skipped)
        _write_skipped_selection(results, skipped, Path(args.out), facts)
        return
    check_rank_metrics(folders, results)
    digest = rank_dir_digest(folders[0])
    cv, cv_recorded = read_cv(args.cv, ranks, digest)
    resolve_cv_settings(args, args.cv, cv_recorded)
    facts["cross_validation"] = asdict(cv_options(args))
    choice = choose_rank(results, _rank_rule(args), cv or None)
    chosen = next(r for r in results if r.k == choice.rank)
    if (choice.dropped or choice.rescued) and catalog is None:
        raise InputError(
            f"k={choice.rank} was chosen {_changed_components(choice)}; refitting the "
            "exposures to its signatures needs the catalog: add --catalog (the catalog the "
            "rank folders factored), or keep the rank's components as they are with "
            "--drop-below-stability -1 --rescue-min-stability 2.")
    if choice.dropped or choice.rescued:
        # The rank folders' samples: --drop-empty left the catalog's empty ones out.
        samples = catalog.data[chosen.exposures.columns]  # type: ignore[union-attr]
        chosen = chosen_components({r.k: r for r in results}, choice, samples)
    _write_selection(chosen, choice, Path(args.out), {**facts, **digest_fact(digest)})


def _changed_components(choice: RankChoice) -> str:
    """What rule steps 0 and 6 changed about the chosen rank's components, in words."""
    parts = []
    if choice.dropped:
        parts.append(f"with {_components(len(choice.dropped))} not reproduced left out "
                     f"({', '.join(choice.dropped)})")
    if choice.rescued:
        parts.append(f"with {_components(len(choice.rescued))} of larger ranks added "
                     f"({', '.join(f'{r.component} of k={r.rank}' for r in choice.rescued)})")
    return " and ".join(parts)


def _components(count: int) -> str:
    """'1 component', '2 components'."""
    return f"{count} component{'' if count == 1 else 's'}"


def _left_out(args: argparse.Namespace, catalog: Matrix | None = None) -> list[str]:
    """The samples --drop-empty leaves out of --catalog (recorded in provenance.json, as
    ``extract`` records them); ``catalog`` is --catalog when already read."""
    if not (args.drop_empty and args.catalog):
        return []
    matrix = catalog if catalog is not None else read_table_matrix(args.catalog,
                                                                   generic=args.generic)
    return [str(c) for c in matrix.data.columns[matrix.data.sum(axis=0) == 0]]


def _skipped(results: list[RankResult]) -> str | None:
    """The reason the rank folders say the catalog was not factored (None: it was). Either
    every rank was skipped or none: anything else mixes folders of different runs."""
    from sigforge.discovery.skip import skip_reason

    reasons = [skip_reason(r.metrics) for r in results]
    if all(reason is None for reason in reasons):
        return None
    if any(reason is None for reason in reasons):
        raise InputError("--rank-dirs: some ranks were factored and others skipped as too thin "
                         "to factor (folders of different runs?); delete them and rerun.")
    return reasons[0]


def _write_skipped_selection(results: list[RankResult], reason: str, out: Path,
                             facts: dict[str, Any]) -> None:
    """The chosen-rank files of a catalog not factored: no signature, the reason."""
    ranks = pd.Index([r.k for r in results], name="k")
    write_table(pd.DataFrame({"skipped": reason}, index=ranks), out / "rank_metrics.tsv")
    write_matrix(results[0].signatures, out / "signatures.tsv")
    write_matrix(results[0].exposures, out / "exposures.tsv", label="Signature")
    write_table(results[0].stability, out / "stability.tsv")
    write_json({"sigforge": sigforge.__version__, "python": platform.python_version(),
                "numpy": np.__version__, "chosen_rank": None,
                "reason": f"not factored: {reason}", "rank_caution": False, "rank_edge": "",
                "skipped": reason,
                **facts}, out / "provenance.json")


def extract(args: argparse.Namespace) -> None:
    """``sigforge extract``: replicates, consensus and rank choice in one process pool; with
    --groups, per group and then merged (:mod:`sigforge.cli.groups`)."""
    rule = _rank_rule(args)
    if rule.fixed_rank is not None and rule.fixed_rank not in args.ranks:
        raise InputError(f"--fixed-rank {rule.fixed_rank} is not among --ranks "
                         f"{args.ranks}; widen --ranks or change --fixed-rank.")
    if args.groups is not None:
        extract_groups(args)
        return
    if given(args, "min_cosine"):
        logger.warning("--merge-cosine %g: merges the groups' signatures of extract --groups; "
                       "without --groups there is nothing to merge.", args.min_cosine)
    if _extract_skipped(args):
        discard_other_extract_outputs(Path(args.out), None)
        return
    matrix, left_out = read_input_catalog_dropping(args.catalog, args.generic,
                                                   args.drop_empty, True)
    check_before_extract(matrix, args)
    warn_inert_cap(args)
    for k in args.ranks:
        try:
            check_rank(k, *matrix.data.shape)
        except ValueError as err:
            raise InputError(f"{args.catalog}: {err}") from err
    factor_and_write(args, matrix.data, args.ranks, Path(args.out),
                      run_facts(args, args.ranks, left_out), first_output=True)
    discard_other_extract_outputs(Path(args.out), None)


def factor_and_write(args: argparse.Namespace, data: pd.DataFrame, ranks: list[int],
                      out: Path, facts: dict[str, Any], first_output: bool = False) -> None:
    """Run the discovery of ``data`` at ``ranks`` and write every rank folder and the choice.

    ``first_output``: the command has written nothing yet, so an interrupt during a solve in
    this process (--threads 1) may kill it at once (:func:`killed_by_interrupt`); with worker
    processes this process waits interruptibly anyway."""
    from tqdm import tqdm  # here: the per-job commands have no progress bar to show
    cv = cv_options(args)
    n_tasks = len(ranks) * (len(chunk_ranges(args.replicates, args.replicates_per_chunk))
                            + (cv.folds > 0))
    interrupt = (killed_by_interrupt("extract") if first_output and args.threads == 1
                 else contextlib.nullcontext())
    with interrupt, tqdm(total=n_tasks, desc="extract", unit="task", disable=args.quiet) as bar:
        discovery = run_discovery(data, ranks, replicates=args.replicates,
                                  chunk_size=args.replicates_per_chunk, seed=args.seed,
                                  matrix_name=catalog_name(args), options=nmf_options(args),
                                  rule=_rank_rule(args), cv=cv, threads=args.threads,
                                  progress=lambda done: bar.update(done - bar.n))
    digest = catalog_digest(data)
    for result in discovery.ranks.values():
        write_rank_dir(result, out / f"k{result.k}", digest, chunk_settings(args))
        if result.k in discovery.cv:
            save_arrays(out / f"k{result.k}" / "cv.npz", k=np.array(result.k),
                        **discovery.cv[result.k], **records(data, cv_settings(args)))
        else:  # an earlier run's CV beside this run's rank: one folder, two runs
            discard_stale_cv(out / f"k{result.k}")
    _write_selection(discovery.chosen, discovery.choice, out, {**facts, **digest_fact(digest)})
    warn_other_rank_folders(out, ranks)


def write_skipped(args: argparse.Namespace, data: pd.DataFrame, ranks: list[int],
                   reason: str, out: Path, facts: dict[str, Any]) -> None:
    """Every rank folder and the chosen-rank files of a catalog not factored, with the reason
    (what the workflow's jobs write for it)."""
    from sigforge.discovery.skip import skipped_cv, skipped_rank

    results = [skipped_rank(k, data, reason) for k in ranks]
    for result in results:
        write_rank_dir(result, out / f"k{result.k}")
        if cv_options(args).folds > 0:
            save_arrays(out / f"k{result.k}" / "cv.npz", **skipped_cv(result.k, reason))
        else:
            discard_stale_cv(out / f"k{result.k}")
    _write_skipped_selection(results, reason, out, facts)


def _extract_skipped(args: argparse.Namespace) -> bool:
    """With --skip-unfactorable, write a catalog too thin to factor as skipped (every rank
    folder and the chosen-rank files say why, as the workflow's jobs write them); True then."""
    if args.skip_unfactorable is None or (found := _discovery_input(args))[1] is None:
        return False  # read once, by extract itself, without --skip-unfactorable
    matrix, reason = found
    write_skipped(args, matrix.data, args.ranks, reason, Path(args.out),
                   run_facts(args, args.ranks, _left_out(args)))
    return True


def _add_stage_parsers(subparsers: Any) -> None:
    """Declare the workflow's per-job commands: replicates, consensus, cross-validate."""
    p = add_command(subparsers, "replicates", replicates)
    p.add_argument("--catalog", required=True, help="the catalog to factor")
    p.add_argument("--k", type=int, required=True, help="rank")
    p.add_argument("--first", required=True,
                   type=count_type(0, MAX_REPLICATES - 1, "the chunk's first replicate index"),
                   help="first replicate index (0-based)")
    p.add_argument("--count", required=True,
                   type=count_type(1, MAX_REPLICATES, "replicates in this chunk"),
                   help="replicates in this chunk")
    add_nmf_options(p)
    p.add_argument("--out", required=True, help="output .npz")

    p = add_command(subparsers, "consensus", consensus)
    p.add_argument("--catalog", required=True, help="the catalog the chunks factored")
    p.add_argument("--k", type=int, required=True, help="rank")
    p.add_argument("--chunks", action="extend", nargs="+", required=True,
                   help=".npz files from 'replicates'")
    p.add_argument("--catalog-name", default=None, type=catalog_name_type,
                   help="name of the components (default: the chunks' own, else the catalog "
                        "file's stem)")
    add_generic(p)
    add_skip_options(p)
    add_seed(p, "; keys the gap statistic's null sets")
    unset_defaults(p, ["seed"], "the chunks'")  # apply_chunk_settings takes theirs
    p.add_argument("--out", required=True, help="rank directory (k{k})")

    p = add_command(subparsers, "cross-validate", cross_validate)
    p.add_argument("--catalog", required=True, help="the catalog to cross-validate")
    p.add_argument("--k", type=int, required=True, help="rank")
    add_nmf_options(p)
    add_cv_options(p)
    p.add_argument("--out", required=True, help="output .npz")


def add_parsers(subparsers: Any) -> None:
    """Declare the discovery commands: the per-job steps, ``select-rank`` and ``extract``."""
    _add_stage_parsers(subparsers)
    p = add_command(subparsers, "select-rank", select_rank)
    p.add_argument("--rank-dirs", action="extend", nargs="+", required=True,
                   help="directories from 'consensus'")
    p.add_argument("--cv", action="extend", nargs="*", default=[],
                   help=".npz files from 'cross-validate', one per rank (optional)")
    p.add_argument("--catalog", default=None,
                   help="the catalog the ranks were factored from, recorded in provenance.json")
    p.add_argument("--ranks", type=parse_ranks, default=None,
                   help="ranks tried, checked against --rank-dirs (default: theirs)")
    add_run_options(p)
    p.set_defaults(replicates=None)  # default: the rank folders' own (metrics.json)
    folder_option_defaults(p)  # --seed, --catalog-name, NMF options: the folders' own
    cv_option_defaults(p)  # --cv-folds, ...: the CV files' own
    p.add_argument("--group", default=None,
                   help="the group of a stratified run these ranks factored (its catalog from "
                        "split-groups), recorded in provenance.json as extract --groups does")
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "extract", extract)
    p.add_argument("--catalog", required=True, help="the catalog (features x samples) to factor")
    p.add_argument("--ranks", type=parse_ranks, required=True, help="ranks tried, e.g. 1-12")
    add_run_options(p)
    p.add_argument("--replicates-per-chunk", default=25,
                   type=count_type(1, MAX_REPLICATES, "replicates per chunk"),
                   help="replicates per batched solve (the workflow's job size)")
    p.add_argument("--threads", default=1, type=count_type(1, MAX_THREADS, "worker processes"),
                   help="cores: worker processes of one solver thread each (1: this "
                        "process, one thread)")
    p.add_argument("--groups", default=None, metavar="FILE",
                   help="TSV/CSV with columns sample (or sample_id), group: factor each "
                        "group on its own (OUT/groups/GROUP), then merge their signatures "
                        "into OUT and refit every sample to them (see sigforge.cli.groups)")
    add_merge_cosine(p)
    p.add_argument("--out", required=True, help="output directory")
    groups_parsers(subparsers)


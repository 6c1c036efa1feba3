"""De novo discovery on any nonnegative matrix: replicates, consensus per rank, rank choice.

Orientation: catalog (m features, n samples); per-rank signatures (m, k); exposures (k, n).
The workflow runs the stages as separate jobs (:func:`solve_replicates` per chunk,
:func:`sigforge.discovery.crossval.cross_validate_rank` and :func:`summarise_rank` (consensus, gap
statistic) per k, :func:`choose_rank` once); :func:`run_discovery` runs them all in one process
pool for ``sigforge extract``. Both paths produce the same bits.
"""

from __future__ import annotations

import math
import multiprocessing
import numbers
import os
import string
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sigforge._chunks import chunk_ranges
from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_rank, check_unique_labels
from sigforge.discovery.consensus import cluster_replicates, cophenetic_correlation, gap_statistic
from sigforge.discovery.crossval import CVOptions, cross_validate_rank, summarise_folds
from sigforge.discovery.normalise import DEFAULT_CAP, NORMALISATIONS, cap_samples
from sigforge.discovery.rank import RankChoice, RankRule, relative_error, select_rank
from sigforge.discovery.resample import get_resampler, replicate_rng, stream_key
from sigforge.discovery.rescue import rescue_components
from sigforge.io import as_written
from sigforge.nmf import fit_kl_mu_batched, random_init, solver_threads

#: Distinguishes the gap statistic's null sets from other random streams.
_GAP_STREAM = 0x47415001
#: Null reference sets of the gap statistic per rank.
GAP_NULLS = 20
#: Pooled components above which the gap statistic uses only the first replicates: its
#: clustering needs (R k)^2 distances (3,000 points: 72 MB and about a second per set).
GAP_MAX_POINTS = 3000


#: Largest ``--volume``: the penalty is this times the plain fit's divergence, so 10^6 already
#: leaves the data no say; far larger weights overflow the update to infinity.
MAX_VOLUME = 1e6
#: Smallest ``--cap`` of a generic matrix: a sample capped to this total over up to 10^10
#: features keeps entries above the solvers' smallest data peak (1e-100).
MIN_GENERIC_CAP = 1e-90

#: Most random starts per replicate (``NMFOptions.starts``).
MAX_STARTS = 100


@dataclass(frozen=True)
class NMFOptions:
    """Per-replicate factorisation settings (the ``extract`` section of the config)."""

    max_iter: int = 5000
    min_iter: int = 200
    tol: float = 1e-7
    check_every: int = 10
    resampling: str = "poisson"
    normalisation: str = "gmm"
    cap: float = DEFAULT_CAP
    volume: float = 0.2
    starts: int = 1
    #: Whether the data are counts (mutation catalogs): False for a generic matrix, whose
    #: gmm normalisation then has no floor in mutations (:mod:`.normalise`).
    counts: bool = True

    def __post_init__(self) -> None:
        """Reject settings no fit can use, naming the command-line option of each."""
        for option, value in (("--starts", self.starts), ("--max-iter", self.max_iter),
                              ("--min-iter", self.min_iter), ("check_every", self.check_every)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{option}: expected a whole number, got "
                                f"{type(value).__name__} {value!r}.")
        for option, value, valid, bound in (
                ("--starts", self.starts, 1 <= self.starts <= MAX_STARTS,
                 f"--starts between 1 and {MAX_STARTS}"),
                ("--max-iter", self.max_iter, self.max_iter >= 1, "--max-iter >= 1"),
                ("--volume", self.volume, 0 <= self.volume <= MAX_VOLUME,
                 f"--volume between 0 and {MAX_VOLUME:g}"),
                ("--min-iter", self.min_iter, self.min_iter >= 0, "--min-iter >= 0"),
                ("--tol", self.tol, 0 <= self.tol < math.inf, "a finite --tol >= 0"),
                ("--cap", self.cap, (1 if self.counts else MIN_GENERIC_CAP) <= self.cap
                 < math.inf, "a finite --cap >= 1 for counts (a sample capped below one "
                 "mutation resamples to nothing)" if self.counts else
                 f"a finite --cap >= {MIN_GENERIC_CAP:g} (smaller sample totals underflow "
                 "in the solver's products)"),
                ("check_every", self.check_every, self.check_every >= 1, "check_every >= 1")):
            if not valid:
                raise ValueError(f"{option}: expected {bound}, got {value}.")
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"--normalisation: expected one of {', '.join(NORMALISATIONS)}, "
                             f"got '{self.normalisation}'.")
        try:
            get_resampler(self.resampling)
        except ValueError as err:
            raise ValueError(f"--resampling: {err}") from err


@dataclass(frozen=True)
class RankResult:
    """Consensus at one rank, labelled, plus its row of the rank-metrics table."""

    k: int
    signatures: pd.DataFrame
    exposures: pd.DataFrame
    stability: pd.DataFrame
    metrics: dict[str, float]


def solve_replicates(catalog: FloatArray, k: int, replicates: Sequence[int], *, seed: int,
                     matrix_name: str, options: NMFOptions) -> dict[str, np.ndarray]:
    """Resample and factor the given replicates of one rank in a single batched solve.

    With ``options.starts`` S > 1 each bootstrap catalog is factored from S random starts
    and the fit with the lowest objective is the replicate's (the first on ties): on real
    genomes of 10^4-10^6 mutations the starts of one catalog end in local minima up to 10%
    apart, so single starts disagree by optimisation rather than by the bootstrap. The
    starts are drawn one after the other from the replicate's generator, so S = 1 is the
    single-start fit, bit for bit.

    Returns
    -------
    dict of arrays
        ``replicate`` (R,), ``W`` (R, m, k), ``H`` (R, k, n), ``objective``, ``n_iter``,
        ``converged`` (R,), of the chosen start. Each replicate's arrays depend only on
        (seed, matrix_name, k, r) and the options.
    """
    catalog = check_nonnegative_matrix(catalog, "catalog")
    check_rank(k, *catalog.shape)
    catalog = cap_samples(catalog, options.normalisation, options.cap,
                          counts=options.counts).catalog
    resample = get_resampler(options.resampling)
    data, starts_w, starts_h = [], [], []
    for r in replicates:
        rng = replicate_rng(seed, matrix_name, k, r)
        resampled = resample(catalog, rng)
        for _ in range(options.starts):
            W0, H0 = random_init(resampled, k, rng)
            data.append(resampled)
            starts_w.append(W0)
            starts_h.append(H0)
    result = fit_kl_mu_batched(np.stack(data), np.stack(starts_w), np.stack(starts_h),
                               max_iter=options.max_iter, min_iter=options.min_iter,
                               tol=options.tol, check_every=options.check_every,
                               volume=options.volume)
    best = best_starts(result.objective, options.starts)
    W, H = flatten_empty_components(result.W[best], result.H[best])
    return {"replicate": np.asarray(list(replicates), dtype=np.int64), "W": W,
            "H": H, "objective": result.objective[best], "n_iter": result.n_iter[best],
            "converged": result.converged[best]}


def best_starts(objective: FloatArray, starts: int) -> np.ndarray:
    """Indices, into fits laid out replicate by replicate with ``starts`` each, of each
    replicate's fit with the lowest objective (the first of equals)."""
    per_replicate = np.asarray(objective).reshape(-1, starts)
    return np.argmin(per_replicate, axis=1) + starts * np.arange(per_replicate.shape[0])


def flatten_empty_components(W: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Replace each emptied component (a W column summing to 0, or not finite) by a flat,
    unused one: W column 1/m, H row 0 (copies; the product W @ H is unchanged).

    The minimum-volume refinement can shrink a redundant component of an over-split rank to
    nothing, a valid factorisation with fewer components. A zero column has no direction, so
    cosine clustering of the replicates would fail on it; a flat one clusters like any other
    component, and a replicate that has one makes its rank look as unstable as it is.
    """
    empty = ~(W.sum(axis=1) > 0)  # (R, k); NaN sums count as empty
    if not empty.any():
        return W, H
    W, H = W.copy(), H.copy()
    replicate, component = np.nonzero(empty)
    W[replicate, :, component] = 1.0 / W.shape[1]
    H[replicate, component, :] = 0.0
    return W, H


def merge_chunks(chunks: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate chunk results in replicate order; replicates must be exactly 0..R-1."""
    order = np.argsort(np.concatenate([c["replicate"] for c in chunks]), kind="stable")
    merged = {key: np.concatenate([c[key] for c in chunks])[order] for key in chunks[0]}
    expected = np.arange(merged["replicate"].size)
    if not np.array_equal(merged["replicate"], expected):
        raise ValueError("replicate chunks do not cover replicates 0..R-1 exactly once; "
                         "delete the stale chunk files and rerun.")
    return merged


def component_names(prefix: str, k: int) -> list[str]:
    """SigProfiler-style names: prefix + A, B, ..., Z, AA, AB, ..."""
    letters = string.ascii_uppercase
    names = []
    for i in range(k):
        label, j = "", i
        while True:
            label = letters[j % 26] + label
            j = j // 26 - 1
            if j < 0:
                break
        names.append(f"{prefix}{label}")
    return names


def gap_rng(seed: int, name: str, k: int) -> np.random.Generator:
    """Generator of the gap statistic's null sets at rank k (keyed like the replicates)."""
    return np.random.default_rng(np.random.SeedSequence(
        [seed, stream_key(name), _GAP_STREAM, k]))


def summarise_rank(catalog: pd.DataFrame, k: int, replicates: dict[str, np.ndarray], *,
                   prefix: str, seed: int) -> RankResult:
    """Consensus signatures, stability, consensus exposures and metrics at rank k.

    ``seed`` and ``prefix`` (the matrix name) key the gap statistic's null sets; it is
    computed on the first ``GAP_MAX_POINTS // k`` replicates when there are more (replicates
    are exchangeable, so this is a fixed random subset).
    """
    from sigforge.refit import refit_catalog  # here: replicate and CV jobs skip scipy.optimize

    consensus = cluster_replicates(replicates["W"], replicates["objective"])
    pooled = replicates["W"][:max(2, GAP_MAX_POINTS // k)]
    gap = gap_statistic(pooled, gap_rng(seed, prefix, k), n_null=GAP_NULLS)
    names = component_names(prefix, k)
    signatures = pd.DataFrame(consensus.signatures, index=catalog.index, columns=names)
    fit = refit_catalog(catalog, signatures)
    observed = catalog.to_numpy(dtype=np.float64)
    model = signatures.to_numpy() @ fit.exposures.to_numpy()
    # As stability.tsv holds them: the rank rule drops components by these values, whether
    # it reads them here (`sigforge extract`) or from the rank folders (`select-rank`).
    stability = pd.DataFrame({"stability": as_written(consensus.stability),
                              "spread": consensus.spread},
                             index=pd.Index(names, name="Signature"))
    metrics = {
        "mean_stability": float(consensus.stability.mean()),
        "min_stability": float(consensus.stability.min()),
        "kl_divergence": float(fit.reconstruction["kl_divergence"].sum()),
        "relative_error": relative_error(observed, model),
        "mean_cosine": float(fit.reconstruction["cosine"].mean()),
        "cophenetic": cophenetic_correlation(replicates["H"]),
        "gap": float(gap.gap[k - 1]) if gap.gap.size >= k else float("nan"),
        "gap_sd": float(gap.sd[k - 1]) if gap.sd.size >= k else float("nan"),
        "gap_clusters": int(gap.clusters),
        "replicates": int(replicates["replicate"].size),
        "converged_fraction": float(replicates["converged"].mean()),
        "median_iterations": float(np.median(replicates["n_iter"])),
    }
    return RankResult(k, signatures, fit.exposures, stability, metrics)


def cv_fold_table(cv: dict[int, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Held-out error per rank (rows) and fold (columns) from per-rank CV results."""
    rows = {k: pd.Series(result["error"], index=result["fold"]) for k, result in cv.items()}
    table = pd.DataFrame(rows).T.sort_index()
    table.index.name = "k"
    table.columns = [f"fold{f}" for f in table.columns]
    return table


def choose_rank(results: Sequence[RankResult], rule: RankRule,
                cv: dict[int, dict[str, np.ndarray]] | None = None) -> RankChoice:
    """Assemble the per-k metrics table (with CV columns when given), apply the rule, and add
    the components of larger ranks that step 6 rescues (:mod:`sigforge.discovery.rescue`)."""
    table = pd.DataFrame([r.metrics for r in results],
                         index=pd.Index([r.k for r in results], name="k"))
    folds = None
    if cv:
        missing = sorted(set(table.index) - set(cv))
        if missing:
            raise ValueError(f"cross-validation results are missing for ranks {missing}.")
        summary = pd.DataFrame({k: summarise_folds(cv[k]) for k in table.index}).T
        table = table.join(summary)
        folds = cv_fold_table({k: cv[k] for k in table.index})
    stabilities = {r.k: r.stability["stability"] for r in results}
    limit = min(results[0].signatures.shape[0], results[0].exposures.shape[1]) if results \
        else None  # the most components the data hold: no edge to warn of beyond it
    choice = select_rank(table, rule, folds, stabilities, limit)
    return add_rescued(choice, {r.k: r.signatures for r in results}, stabilities, rule)


def add_rescued(choice: RankChoice, signatures: Mapping[int, pd.DataFrame],
                stabilities: Mapping[int, pd.Series], rule: RankRule) -> RankChoice:
    """``choice`` with rank rule step 6 applied (:func:`rescue_components`) to every rank's
    consensus ``signatures``, taken as signatures.tsv holds them and named after the chosen
    rank's (:func:`_added_names`). Only the chosen and larger ranks are read, and none when
    the step cannot add anything (a fixed or fallback rank, the step switched off)."""
    if rule.fixed_rank is not None or choice.caution or rule.rescue_min_stability > 1.0:
        return choice
    written = {k: as_written_frame(frame) for k, frame in signatures.items()
               if k >= choice.rank}
    names = _added_names(list(written[choice.rank].columns),
                         sum(frame.shape[1] for k, frame in written.items() if k > choice.rank))
    return rescue_components(choice, written, stabilities, rule, names.__getitem__)


def _added_names(chosen: list[str], most: int) -> list[str]:
    """Names for up to ``most`` components added to a rank whose components are ``chosen``:
    its names are prefix + A, B, ...; the added ones take the next letters, skipping any name
    the rank already uses."""
    prefix, used = str(chosen[0])[:-1], set(map(str, chosen))
    names = component_names(prefix, len(chosen) + most + len(used))[len(chosen):]
    return [name for name in names if name not in used][:most]


def as_written_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its values as a table written by sigforge reads them back."""
    return pd.DataFrame(as_written(frame.to_numpy(dtype=np.float64)), index=frame.index,
                        columns=frame.columns)


def chosen_components(results: Mapping[int, RankResult], choice: RankChoice,
                      catalog: pd.DataFrame) -> RankResult:
    """The chosen rank's result with the components it left out (:attr:`RankChoice.dropped`)
    removed and those rescued from larger ranks (:attr:`RankChoice.rescued`) added under
    their new names, the exposures refitted to the result (a left-out component's mutations
    go to the others, not nowhere). The metrics stay those of the chosen rank: they are the
    rule's inputs.

    The signatures are taken as signatures.tsv holds them (:func:`as_written`), so the refit
    is the same bits from rank folders (``select-rank``) and in memory (``extract``).
    """
    result = results[choice.rank]
    if not choice.dropped and not choice.rescued:
        return result
    from sigforge.refit import refit_catalog

    kept = [name for name in result.signatures.columns if name not in set(choice.dropped)]
    parts = [as_written_frame(result.signatures[kept])]
    stability = [result.stability.loc[kept]]
    for added in choice.rescued:
        source = results[added.rank]
        parts.append(as_written_frame(source.signatures[[added.component]]).set_axis(
            [added.name], axis=1))
        stability.append(source.stability.loc[[added.component]].set_axis(
            pd.Index([added.name], name=result.stability.index.name)))
    signatures = pd.concat(parts, axis=1)
    return RankResult(result.k, signatures, refit_catalog(catalog, signatures).exposures,
                      pd.concat(stability), result.metrics)


@dataclass(frozen=True)
class Discovery:
    """Everything ``sigforge extract`` writes: every rank's result, CV folds and the choice."""

    ranks: dict[int, RankResult]
    choice: RankChoice
    cv: dict[int, dict[str, np.ndarray]]
    chosen: RankResult
    """The chosen rank's result without its unreproduced components (``choice.dropped``) and
    with the components rescued from larger ranks (``choice.rescued``); ``ranks`` keeps every
    rank whole."""


Task = tuple[str, FloatArray, int, Sequence[int], int, str, dict[str, object]]


def _run_task(task: Task) -> dict[str, np.ndarray]:
    """Process-pool entry point: one (rank, replicate chunk) or one rank's CV folds."""
    kind, catalog, k, indices, seed, name, options = task
    if kind == "cv":
        return cross_validate_rank(catalog, k, indices, seed=seed, matrix_name=name,
                                   options=CVOptions(**options))  # type: ignore[arg-type]
    return solve_replicates(catalog, k, indices, seed=seed, matrix_name=name,
                            options=NMFOptions(**options))  # type: ignore[arg-type]


def _one_thread_per_worker() -> None:
    """Pool initializer: ``threads`` worker processes use one solver thread each (see
    :func:`sigforge.nmf._batch.thread_budget`), not one per core each."""
    os.environ["OMP_NUM_THREADS"] = "1"


def _run_tasks(tasks: list[Task], threads: int,
               progress: Callable[[int], None] | None) -> list[dict[str, np.ndarray]]:
    """Run tasks in order: in ``threads`` worker processes of one solver thread each when
    threads > 1, else in this process on one thread."""
    outputs: list[dict[str, np.ndarray]] = []
    if threads > 1:
        # forkserver: forking a process whose OpenMP runtime is already running (numba's
        # threading layer after an earlier solve in the same process) aborts the child.
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=threads, mp_context=context,
                                 initializer=_one_thread_per_worker) as pool:
            for done, output in enumerate(pool.map(_run_task, tasks), start=1):
                outputs.append(output)
                if progress:
                    progress(done)
        return outputs
    # One worker means one core: the solves of this process get one numba thread, not one
    # per core of the machine (a job asked for one thread on a shared node keeps to it).
    with solver_threads(1):
        for done, task in enumerate(tasks, start=1):
            outputs.append(_run_task(task))
            if progress:
                progress(done)
    return outputs


def discovery_tasks(values: FloatArray, ranks: Sequence[int], *, replicates: int,
                    chunk_size: int, seed: int, matrix_name: str, options: NMFOptions,
                    cv: CVOptions | None) -> list[Task]:
    """The (rank, chunk) NMF tasks and, with CV, one task per rank covering all folds."""
    tasks: list[Task] = [("nmf", values, k, chunk, seed, matrix_name, asdict(options))
                         for k in ranks for chunk in chunk_ranges(replicates, chunk_size)]
    if cv is not None and cv.folds > 0:
        tasks += [("cv", values, k, range(cv.folds), seed, matrix_name, asdict(cv))
                  for k in ranks]
    return tasks


def _check_counts_for_resampling(catalog: pd.DataFrame, resampling: str) -> None:
    """Refuse count resampling (poisson, multinomial) of data that are not whole numbers, as
    ``sigforge extract`` does: data in small units (x 1e-4) were resampled to zeros and gave
    perfectly flat signatures, without a word. Counts whose sample totals pass 2**53 - 1 are
    refused whatever the resampling (the consensus's exposure fit refused them at the end)."""
    from sigforge.discovery.matrix import check_count_totals, first_fraction
    from sigforge.io import InputError

    fraction = first_fraction(catalog)
    if fraction is None:  # counts past 2**53 - 1: the consensus's exposure fit refused them
        try:
            check_count_totals(catalog, "catalog")
        except InputError as err:  # the API's own mistake type for a bad argument
            raise ValueError(str(err)) from None
    elif not resampling.startswith("scaled"):
        feature, sample, value = fraction
        raise ValueError(f"catalog: row '{feature}', column '{sample}' holds {value!r}: "
                         f"resampling '{resampling}' draws whole counts, so it needs whole "
                         "numbers. Round the catalog to counts, or use resampling 'scaled' "
                         "(or 'scaled:DEPTH'), which accepts real values.")


def _check_discovery_arguments(catalog: object, ranks: Sequence[int], replicates: int,
                               chunk_size: int, seed: int) -> None:
    """Refuse arguments of :func:`run_discovery` that failed deep inside numpy or pandas: a
    catalog that is not a labelled table, no ranks or a rank twice, a rank, replicate count,
    chunk size or seed that is not a whole number."""
    if not isinstance(catalog, pd.DataFrame):
        raise TypeError(f"catalog: expected a pandas DataFrame (features x samples, labelled), "
                        f"got {type(catalog).__name__}; wrap an array with pd.DataFrame(X).")
    ranks = list(ranks)
    if not ranks:
        raise ValueError("ranks: expected at least one rank, got none.")
    for name, value in [*(("ranks", k) for k in ranks), ("replicates", replicates),
                        ("chunk_size", chunk_size), ("seed", seed)]:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name}: expected whole numbers, got {type(value).__name__} "
                            f"{value!r}.")
    check_unique_labels(catalog, "catalog")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"ranks: {sorted(k for k in set(ranks) if ranks.count(k) > 1)} given "
                         "more than once; give each rank once.")
    if replicates < 1 or chunk_size < 1 or seed < 0:
        raise ValueError(f"expected replicates >= 1, chunk_size >= 1 and seed >= 0, got "
                         f"{replicates}, {chunk_size} and {seed}.")


def run_discovery(catalog: pd.DataFrame, ranks: Sequence[int], *, replicates: int,
                  chunk_size: int, seed: int, matrix_name: str, options: NMFOptions,
                  rule: RankRule, cv: CVOptions | None = None, threads: int = 1,
                  progress: Callable[[int], None] | None = None) -> Discovery:
    """Run the whole discovery in one process (``threads`` worker processes).

    ``progress`` is called with the number of finished tasks after each one (see
    :func:`discovery_tasks` for what a task is).
    """
    _check_discovery_arguments(catalog, ranks, replicates, chunk_size, seed)
    values = check_nonnegative_matrix(catalog.to_numpy(dtype=np.float64), "catalog")
    for k in ranks:
        check_rank(k, *values.shape)
    _check_counts_for_resampling(catalog, options.resampling)
    tasks = discovery_tasks(values, ranks, replicates=replicates, chunk_size=chunk_size,
                            seed=seed, matrix_name=matrix_name, options=options, cv=cv)
    outputs = _run_tasks(tasks, threads, progress)
    per_rank: dict[int, list[dict[str, np.ndarray]]] = {k: [] for k in ranks}
    folds: dict[int, dict[str, np.ndarray]] = {}
    for task, output in zip(tasks, outputs, strict=True):
        if task[0] == "cv":
            folds[task[2]] = output
        else:
            per_rank[task[2]].append(output)
    results = {k: summarise_rank(catalog, k, merge_chunks(chunks), prefix=matrix_name,
                                 seed=seed)
               for k, chunks in per_rank.items()}
    choice = choose_rank(list(results.values()), rule, folds or None)
    chosen = chosen_components(results, choice, catalog)
    return Discovery(results, choice, folds, chosen)

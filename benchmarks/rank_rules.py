"""Apply variants of the rank rule to finished discovery benchmarks, without refactoring.

``benchmarks/discovery.py`` keeps, per cohort, every rank's rule inputs (stabilities, gap
clusters, KL divergence, CV errors and folds) and the true and false positives of every
rank's signatures. This script replays :func:`sigforge.discovery.rank.select_rank` on those
tables under other thresholds, with and without the CV step, and prints per variant the rank
each cohort would get and its TP/FP: a rule change is judged on every cohort at once, and
only the rule differs between the columns (the factorisations are the same).

    python benchmarks/rank_rules.py /tmp/grid/results.json /tmp/ro_1/results.json ...
    python benchmarks/rank_rules.py --stratified /tmp/strat8 --data ../shared/data/real

``--drop`` replays the rule under other values of ``drop_below_stability`` (step 0 of
:mod:`sigforge.discovery.rank`: components below it are left out of each rank, the tests use
the kept ones, a larger rank must keep more): from the per-rank component records the
benchmark saves, or with ``--stratified`` from each type's saved ranks. The other replays
read no per-component stabilities, so they keep every component.

``--rescue`` replays the whole rule, step 6 included (components of larger ranks added,
:mod:`sigforge.discovery.rescue`), under other ``rescue_min_stability`` and
``rescue_max_cosine`` values; it needs every rank's spectra, which ``benchmarks/discovery.py``
saves (``spectra``) since step 6 exists, and scores the chosen signatures as the benchmark
does (Hungarian matching, TP at cosine >= 0.90). The other replays stop at step 5.

``--stratified`` replays a finished ``benchmarks/pcawg_stratified.py`` run instead: each
tumour type's rank is chosen again from its ``rank_metrics.tsv`` (paired CV standard errors
from its folds), that rank's signatures are merged across types as ``sigforge extract
--groups`` merges them, and the published processes matched at cosine >= 0.90 are counted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.discovery.groups import GroupSignatures, merge_group_signatures
from sigforge.discovery.pipeline import cv_fold_table
from sigforge.discovery.rank import RankRule, select_rank
from sigforge.io import read_table

#: name -> (rule, whether the CV step is used).
#: name -> (rule, whether the earlier CV veto applies among the candidates).
VARIANTS: dict[str, tuple[RankRule, bool]] = {
    f"{label}{', CV veto' if veto else ''}": (RankRule(min_component_stability=least), veto)
    for least, label in ((0.5, "min 0.5"), (0.2, "default (min 0.2)"), (0.3, "min 0.3"))
    for veto in (True, False)}

#: Standard errors a candidate's CV error could exceed the best candidate's under the veto.
VETO_SE = 2.0

def vetoed_choice(metrics: pd.DataFrame, rule: RankRule, folds: pd.DataFrame | None) -> int:
    """The rank under the earlier CV veto: :func:`select_rank`'s choice unless CV errors are
    known and some rank is a candidate, then the largest candidate whose CV error is at most
    :data:`VETO_SE` standard errors (of the paired per-fold differences, else unpaired) above
    the lowest among the candidates."""
    choice = select_rank(metrics, rule, folds)
    table = choice.metrics
    candidates = [int(k) for k in table.index[table["candidate"]]]
    if "cv_error" not in table or not candidates or rule.fixed_rank is not None:
        return choice.rank
    errors = table.loc[candidates, "cv_error"]
    best = int(errors.idxmin())
    if folds is not None and best in folds.index:
        differences = folds.reindex(table.index).sub(folds.loc[best], axis=1)
        se = differences.std(axis=1, ddof=1) / np.sqrt(differences.notna().sum(axis=1))
    else:
        se = np.sqrt(table["cv_se"] ** 2 + float(table.at[best, "cv_se"]) ** 2)
    return max(k for k in candidates
               if errors[k] - errors[best] <= VETO_SE * float(np.nan_to_num(se[k])))


def replay(row: dict, rule: RankRule, veto: bool) -> int:
    """The rank ``rule`` chooses from one benchmark row's saved metrics."""
    metrics = pd.DataFrame.from_dict(row["metrics"], orient="index")
    metrics.index = metrics.index.astype(int)
    folds = None
    if row.get("cv_folds"):
        folds = pd.DataFrame.from_dict(row["cv_folds"], orient="index")
        folds.index = folds.index.astype(int)
    return vetoed_choice(metrics, rule, folds) if veto else select_rank(metrics, rule, folds).rank


def _group_choice(folder: Path, rule: RankRule, veto: bool) -> int:
    """The rank ``rule`` chooses for one group folder of a stratified extraction."""
    metrics = read_table(folder / "rank_metrics.tsv")
    metrics.index = metrics.index.astype(int)
    metrics = metrics.drop(columns=[c for c in ("stable", "gap_consistent", "candidate",
                                                "accepted", "selected") if c in metrics])
    folds = _group_cv_folds(folder, metrics.index)
    return vetoed_choice(metrics, rule, folds) if veto else select_rank(metrics, rule, folds).rank


def _group_cv_folds(folder: Path, ranks: pd.Index) -> pd.DataFrame:
    """A group folder's per-rank, per-fold CV errors (for paired standard errors)."""
    cv = {}
    for k in ranks:
        with np.load(folder / f"k{k}" / "cv.npz") as saved:
            cv[int(k)] = {name: saved[name] for name in saved.files}
    return cv_fold_table(cv)


def _stratified_scorer(run: Path, data: Path):  # noqa: ANN202
    """The group folders of a stratified run, and a function that merges chosen group
    signatures as ``sigforge extract --groups`` does and prints how many published processes
    the merged set matches (with the ranks chosen per group)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pcawg_stratified import MATCH_COSINE, best_matches, published_processes

    from sigforge.genomics.reference import load_reference

    reference = load_reference("COSMIC_v3.6", genome_build="GRCh37").data
    groups = sorted(p for p in (run / "stratified" / "groups").iterdir() if p.is_dir())
    processes = published_processes(data / "PCAWG_sigProfiler_SBS_signatures_in_samples.csv",
                                    [g.name for g in groups])
    union = sorted(set().union(*processes.values()))

    def report(label: str, chosen: list[GroupSignatures], ranks: dict[str, str]) -> None:
        merged = merge_group_signatures(chosen, prefix="SBS96").signatures
        cosines = best_matches(merged, union, reference)
        found = sum(c >= MATCH_COSINE for c in cosines.values())
        print(f"{label}: {found} of {len(union)} ({merged.shape[1]} merged signatures); ranks "
              + ", ".join(f"{g.split('-')[0]} {k}" for g, k in ranks.items()))

    return groups, report


def replay_stratified(run: Path, data: Path) -> None:
    """Print, per variant, each type's rank and the published processes the merge finds."""
    groups, report = _stratified_scorer(run, data)
    for name, (rule, veto) in VARIANTS.items():
        ranks, chosen = {}, []
        for folder in groups:
            k = _group_choice(folder, rule, veto)
            ranks[folder.name] = str(k)
            signatures = read_table(folder / f"k{k}" / "signatures.tsv")
            mutations = read_table(folder / f"k{k}" / "exposures.tsv").sum(axis=1)
            chosen.append(GroupSignatures(folder.name, signatures, mutations))
        report(name, chosen, ranks)


#: (``drop_below_stability``, ``max_dropped_components``) pairs ``--drop`` replays (-1: every
#: component kept; 1000: no limit).
DROP_BELOW: tuple[tuple[float, int], ...] = (
    (-1.0, 1), (0.0, 1), (0.0, 2), (0.0, 1000), (0.2, 1), (0.5, 1))


def _drop_label(below: tuple[float, int]) -> str:
    """A column heading of the ``--drop`` replays."""
    threshold, most = below
    if threshold <= -1:
        return "keep every component"
    return f"drop below {threshold:g}, " + ("any number" if most >= 1000 else f"at most {most}")


def dropping_choice(metrics: pd.DataFrame, stabilities: dict[int, pd.Series],
                    below: tuple[float, int], folds: pd.DataFrame | None
                    ) -> tuple[int, list[str]]:
    """The rank :func:`select_rank` chooses with ``drop_below_stability`` and
    ``max_dropped_components`` as ``below`` (their only change to the default rule), and the
    names of its kept components."""
    table = metrics.drop(columns=[c for c in ("stable", "gap_consistent", "candidate",
                                              "accepted", "selected", "kept_components",
                                              "kept_mean_stability", "kept_min_stability")
                                  if c in metrics])
    rule = RankRule(drop_below_stability=below[0], max_dropped_components=below[1])
    choice = select_rank(table, rule, folds, stabilities)
    kept = [str(name) for name in stabilities[choice.rank].index if name not in choice.dropped]
    return choice.rank, kept


def replay_dropping(rows: list[dict]) -> None:
    """Print, per cohort and threshold, the rank chosen, the components kept and the
    distinct planted signatures they match at cosine >= 0.90 (true) and the rest (false)."""
    totals = {below: [0, 0] for below in DROP_BELOW}
    print("| cohort (seed) | planted | " + " | ".join(map(_drop_label, DROP_BELOW)) + " |")
    print("|---|---|" + "---|" * len(DROP_BELOW))
    for row in rows:
        metrics = pd.DataFrame.from_dict(row["metrics"], orient="index")
        metrics.index = metrics.index.astype(int)
        records = {int(k): v for k, v in row["components"].items()}
        stabilities = {k: pd.Series({c["name"]: c["stability"] for c in v})
                       for k, v in records.items()}
        folds = None
        if row.get("cv_folds"):
            folds = pd.DataFrame.from_dict(row["cv_folds"], orient="index")
            folds.index = folds.index.astype(int)
        cells = []
        for below in DROP_BELOW:
            k, kept = dropping_choice(metrics, stabilities, below, folds)
            matched = {c["best"] for c in records[k]
                       if c["name"] in kept and c["best_cosine"] >= 0.90}
            tp, fp = len(matched), len(kept) - len(matched)
            totals[below][0] += tp
            totals[below][1] += fp
            cells.append(f"k={k} ({len(kept)} kept) {tp}/{fp}")
        seed = "" if row.get("cohort_seed") is None else f" ({row['cohort_seed']})"
        print(f"| {row['cohort']}{seed} | {row['true_rank']} | " + " | ".join(cells) + " |")
    print("| total TP/FP | | " + " | ".join(f"{tp}/{fp}" for tp, fp in totals.values()) + " |")


def replay_stratified_dropping(run: Path, data: Path) -> None:
    """``--stratified --drop``: each type's rank chosen over its kept components, the kept
    components merged across types, the published processes matched counted."""
    groups, report = _stratified_scorer(run, data)
    for below in DROP_BELOW:
        chosen, ranks = [], {}
        for folder in groups:
            metrics = read_table(folder / "rank_metrics.tsv")
            metrics.index = metrics.index.astype(int)
            stabilities = {int(k): read_table(folder / f"k{k}" / "stability.tsv")["stability"]
                           for k in metrics.index}
            k, names = dropping_choice(metrics, stabilities, below,
                                       _group_cv_folds(folder, metrics.index))
            signatures = read_table(folder / f"k{k}" / "signatures.tsv")[names]
            mutations = read_table(folder / f"k{k}" / "exposures.tsv").sum(axis=1).loc[names]
            chosen.append(GroupSignatures(folder.name, signatures, mutations))
            ranks[folder.name] = f"{k} ({len(names)} kept)"
        report(_drop_label(below), chosen, ranks)


#: (``rescue_min_stability``, ``rescue_max_cosine``) pairs ``--rescue`` replays (2: off).
RESCUE: tuple[tuple[float, float], ...] = ((2.0, 0.9), (0.95, 0.9), (0.9, 0.9), (0.95, 0.8),
                                           (0.8, 0.9))


def replay_rescue(rows: list[dict]) -> None:
    """Print, per cohort and step-6 setting, the rank chosen, the components added and the
    chosen signatures' TP / FP against the planted ones."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic import cosmic_sbs96, score_signatures

    from sigforge.discovery.pipeline import add_rescued

    cosmic = cosmic_sbs96()
    totals = {pair: [0, 0] for pair in RESCUE}
    label = {pair: "off" if pair[0] > 1 else f"{pair[0]:g} / {pair[1]:g}" for pair in RESCUE}
    print("| cohort (seed) | planted | " + " | ".join(label.values()) + " |")
    print("|---|---|" + "---|" * len(RESCUE))
    for row in rows:
        metrics = pd.DataFrame.from_dict(row["metrics"], orient="index")
        metrics.index = metrics.index.astype(int)
        metrics = metrics.drop(columns=[c for c in ("kept_components", "kept_mean_stability",
                                                    "kept_min_stability") if c in metrics])
        stabilities = {int(k): pd.Series({c["name"]: c["stability"] for c in v})
                       for k, v in row["components"].items()}
        spectra = {int(k): pd.DataFrame(v, index=cosmic.index)
                   for k, v in row["spectra"].items()}
        folds = None
        if row.get("cv_folds"):
            folds = pd.DataFrame.from_dict(row["cv_folds"], orient="index")
            folds.index = folds.index.astype(int)
        truth = cosmic[[n for n, count in row["planted_in_tumours"].items() if count > 0]]
        cells = []
        for pair in RESCUE:
            rule = RankRule(rescue_min_stability=pair[0], rescue_max_cosine=pair[1])
            choice = add_rescued(select_rank(metrics, rule, folds, stabilities), spectra,
                                 stabilities, rule)
            chosen = spectra[choice.rank].drop(columns=list(choice.dropped))
            for added in choice.rescued:
                chosen[added.name] = spectra[added.rank][added.component]
            score = score_signatures(chosen, truth)
            totals[pair][0] += score.true_positives
            totals[pair][1] += score.false_positives
            cells.append(f"k={choice.rank} (+{len(choice.rescued)}) "
                         f"{score.true_positives}/{score.false_positives}")
        seed = "" if row.get("cohort_seed") is None else f" ({row['cohort_seed']})"
        print(f"| {row['cohort']}{seed} | {truth.shape[1]} | " + " | ".join(cells) + " |")
    print("| total TP/FP | | " + " | ".join(f"{tp}/{fp}" for tp, fp in totals.values()) + " |")


def main() -> None:
    """Print one line per cohort and variant: chosen rank, TP, FP; then totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="*", type=Path)
    parser.add_argument("--stratified", type=Path, default=None,
                        help="a finished benchmarks/pcawg_stratified.py --out folder")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/real"))
    parser.add_argument("--drop", action="store_true",
                        help="replay dropping unstable components (see the module docstring)")
    parser.add_argument("--rescue", action="store_true",
                        help="replay step 6 settings (needs runs that saved 'spectra')")
    args = parser.parse_args()
    if args.stratified is not None:
        if args.drop:
            replay_stratified_dropping(args.stratified, args.data)
        else:
            replay_stratified(args.stratified, args.data)
        return
    rows = [row for path in args.results for row in json.loads(path.read_text())
            if "metrics" in row]
    if args.drop:
        replay_dropping([row for row in rows if "components" in row])
        return
    if args.rescue:
        replay_rescue([row for row in rows if "spectra" in row])
        return
    totals = {name: [0, 0, 0] for name in VARIANTS}
    print("| cohort (seed) | planted | " + " | ".join(VARIANTS) + " |")
    print("|---|---|" + "---|" * len(VARIANTS))
    for row in rows:
        cells = []
        for name, (rule, veto) in VARIANTS.items():
            rank = replay(row, rule, veto)
            tp, fp = row["tp_fp_per_rank"][str(rank)]
            totals[name][0] += tp
            totals[name][1] += fp
            totals[name][2] += rank == row["true_rank"]
            cells.append(f"k={rank} {tp}/{fp}")
        seed = "" if row.get("cohort_seed") is None else f" ({row['cohort_seed']})"
        print(f"| {row['cohort']}{seed} | {row['true_rank']} | " + " | ".join(cells) + " |")
    print("| total TP/FP (planted rank) | | " + " | ".join(
        f"{tp}/{fp} ({hit})" for tp, fp, hit in totals.values()) + " |")


if __name__ == "__main__":
    main()

"""Where the ``negbin`` refit loses Combined score on the per-tumour-type protocol, and what its
constants change.

For one channel set, noise model and seed (the cohorts of :mod:`refit_cohorts`), four tables:

- **constants**: Combined (sensitivity, precision, SMD) of the per-tumour refit (every tumour
  on its own, no cohort prior) for each ``penalty:prior_weight`` pair given, the prior being
  the pan-cancer prevalence term of :func:`sigforge.refit.negbin.signature_costs` scaled by
  the weight (1 = the default);
- **dispersion**: the default costs with theta fixed at each value given (``--thetas``) instead
  of estimated per tumour;
- **cohort prior**: Combined for each ``bonus:pseudo_count:rounds`` variant of the cohort prior
  (:func:`sigforge.refit.negbin.cohort_prior_costs`) given with ``--cohort``, the tumours of
  one type and reference set refitted together as one catalog; bonus 0 gives no bonus to
  common signatures (the base prior's rule), 1 the full log odds;
- **loss**: the per-tumour refit (no cohort prior) against the oracle (each tumour refitted to
  exactly its true signatures), split into tumours whose called set is exactly the true set
  and the others: how much of the SMD excess each carries, and the planted signatures missed
  (their true counts) and the absent ones called.

    python benchmarks/refit_constants.py --context DBS78 --noise partial --nb-size 2 --seed 1 \\
        --pairs 1.5:1 1.5:0 1.5:0.5 1.0:1 2.0:1 --thetas 1 2 4 8 20 10000 \\
        --cohort 0:20:1 0.5:20:1 1:20:1 0.5:10:1 0.5:40:1 0.5:20:2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import refit_cohorts as rc  # noqa: E402
from refit import oracle  # noqa: E402

from sigforge.genomics.reference import load_prevalence  # noqa: E402
from sigforge.refit import _nbkernel as kernel  # noqa: E402
from sigforge.refit.negbin import (  # noqa: E402
    PRIOR_FLOOR,
    THETA_ROUNDS,
    THETA_START,
    base_cost,
    cohort_prior_costs,
    negbin_refit,
    signature_costs,
)


def weighted_costs(names: list[str], penalty: float, weight: float,
                   prevalence: pd.Series) -> np.ndarray:
    """signature_costs with the prior's log odds scaled by ``weight``."""
    costs = np.full(len(names), base_cost(len(names), penalty))
    share = np.clip(prevalence.reindex(names).to_numpy(np.float64), PRIOR_FLOOR,
                    1 - PRIOR_FLOOR)
    odds = np.where(np.isnan(share), 0.0, np.maximum(np.log((1 - share) / share), 0.0))
    return costs + weight * odds


def refit_cohort(counts: pd.DataFrame, truth: pd.DataFrame, references: dict[str, list[str]],
                 cosmic: pd.DataFrame, penalty: float, weight: float,
                 theta: float | None) -> pd.DataFrame:
    """negbin exposures of every tumour against its reference (theta estimated when None)."""
    prevalence = load_prevalence("pan-cancer")
    fitted = pd.DataFrame(0.0, index=truth.index, columns=truth.columns)
    for tumour, names in references.items():
        x = np.ascontiguousarray(counts[tumour].to_numpy(np.float64))
        if x.sum() == 0:
            continue
        basis = np.ascontiguousarray(cosmic[names].to_numpy(np.float64))
        costs = weighted_costs(names, penalty, weight, prevalence)
        allowed = np.ones(len(names), dtype=np.bool_)
        if theta is None:
            idx, w, _ = kernel.refit_counts(x, basis, costs, allowed, THETA_START, True,
                                            THETA_ROUNDS)
        else:
            idx, w, _ = kernel.refit_counts(x, basis, costs, allowed, theta, False, 0)
        fitted.loc[[names[i] for i in idx], tumour] = w
    return fitted


def cohort_refit(counts: pd.DataFrame, truth: pd.DataFrame, references: dict[str, list[str]],
                 cosmic: pd.DataFrame, bonus: float, pseudo_count: float, rounds: int
                 ) -> pd.DataFrame:
    """negbin exposures under one variant of the cohort prior: the tumours of one type and
    reference set form one catalog, as a user refits a cohort against its universe."""
    prevalence = load_prevalence("pan-cancer")
    fitted = pd.DataFrame(0.0, index=truth.index, columns=truth.columns)
    for names, tumours in rc.reference_groups(references).items():
        basis = np.ascontiguousarray(cosmic[list(names)].to_numpy(np.float64))
        values = counts[tumours].to_numpy(np.float64)
        share = prevalence.reindex(list(names)).to_numpy(np.float64)
        base = signature_costs(len(names), 1.5, share)
        costs, starts = cohort_prior_costs(values, basis, base, 1.5, share, rounds=rounds,
                                           pseudo_count=pseudo_count, bonus=bonus)
        for j, tumour in enumerate(tumours):
            exposure, _, idx = negbin_refit(values[:, j], basis, costs[:, j], starts[j])
            fitted.loc[[names[i] for i in idx], tumour] = exposure[idx]
    return fitted


def summary(fitted: pd.DataFrame, truth: pd.DataFrame) -> str:
    """Combined (sensitivity, precision, SMD)."""
    s = rc.score(fitted, truth)
    return (f"{s['combined']:.3f} ({s['sensitivity']:.3f}, {s['precision']:.3f}, "
            f"{s['smd']:.3f})")


def loss_table(fitted: pd.DataFrame, best: pd.DataFrame, truth: pd.DataFrame) -> list[str]:
    """Where the default refit's score goes, against the oracle."""
    called, true = fitted >= 0.5, truth >= 0.5
    exact = (called == true).all(axis=0)
    smd = (fitted - truth).abs().sum() / truth.sum()
    smd_oracle = (best - truth).abs().sum() / truth.sum()
    missed = truth.where(true & ~called).stack().dropna()
    missed_share = (truth / truth.sum()).where(true & ~called).stack().dropna()
    return [
        f"tumours with exactly the true set: {exact.mean():.3f}",
        f"SMD, right set: {smd[exact].mean():.3f} (oracle {smd_oracle[exact].mean():.3f}); "
        f"wrong set: {smd[~exact].mean():.3f} (oracle {smd_oracle[~exact].mean():.3f})",
        f"SMD excess over the oracle per tumour from wrong-set tumours: "
        f"{(smd - smd_oracle)[~exact].sum() / len(smd):.3f}, right-set: "
        f"{(smd - smd_oracle)[exact].sum() / len(smd):.3f}",
        f"planted signatures missed: {len(missed)} of {int(true.to_numpy().sum())}, true count "
        f"median {missed.median():.0f} (share of the tumour median {missed_share.median():.3f})",
        f"absent signatures called: {int((called & ~true).to_numpy().sum())} in "
        f"{truth.shape[1]} tumours",
    ]


def main() -> None:
    """Build the cohort once; print the three tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", default="DBS78", choices=["SBS96", "DBS78", "ID83"])
    parser.add_argument("--noise", default="partial", choices=["channel", "signature", "partial"])
    parser.add_argument("--nb-size", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-type", type=int, default=100)
    parser.add_argument("--pairs", nargs="*", default=["1.5:1"],
                        help="penalty:prior_weight pairs")
    parser.add_argument("--thetas", type=float, nargs="*", default=[])
    parser.add_argument("--cohort", nargs="*", default=[],
                        help="cohort-prior variants bonus:pseudo_count:rounds")
    args = parser.parse_args()
    counts, truth, references = rc.type_cohort(args.context, args.per_type,
                                               np.random.default_rng(args.seed), args.noise,
                                               args.nb_size)
    cosmic = rc.reference(args.context)
    print(f"{args.context}, {args.noise} noise size {args.nb_size:g}, seed {args.seed}, "
          f"{truth.shape[1]} tumours: Combined (sensitivity, precision, SMD)")
    for pair in args.pairs:
        penalty, weight = (float(v) for v in pair.split(":"))
        fitted = refit_cohort(counts, truth, references, cosmic, penalty, weight, None)
        print(f"  penalty {penalty:g}, prior weight {weight:g}: {summary(fitted, truth)}")
    for theta in args.thetas:
        fitted = refit_cohort(counts, truth, references, cosmic, 1.5, 1.0, theta)
        print(f"  theta fixed at {theta:g}: {summary(fitted, truth)}")
    for variant in args.cohort:
        bonus, pseudo, rounds = variant.split(":")
        fitted = cohort_refit(counts, truth, references, cosmic, float(bonus), float(pseudo),
                              int(rounds))
        print(f"  cohort prior, bonus {bonus}, pseudo-count {pseudo}, {rounds} round(s): "
              f"{summary(fitted, truth)}")
    default = refit_cohort(counts, truth, references, cosmic, 1.5, 1.0, None)
    best = oracle(counts, truth, cosmic)
    print(f"  per tumour (no cohort prior): {summary(default, truth)}; "
          f"oracle: {summary(best, truth)}")
    for line in loss_table(default, best, truth):
        print(f"  {line}")


if __name__ == "__main__":
    main()

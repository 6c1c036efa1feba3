"""How often a de novo signature's COSMIC decomposition names a process the cohort does not
hold, with the candidates the whole reference set (as before) or the signatures a refit of
the cohort itself uses (``sigforge refit --decompose-into``, :func:`sigforge.cli.
refit_decompose.used_reference`).

Each PCAWG tumour type's synthetic cohort (``refit_cohorts.type_cohort``: published
attributions, negative-binomial counts) gets stand-ins for what a factorisation returns:
each planted signature of 5% of the mutations or more, alone, and perturbed channel by
channel (a lognormal factor of sd 0.35: the piece a split leaves, cosine about 0.93 to its
source), and each pair of them merged by their shares. A decomposition part is "unplanted"
when its signature carries under 0.5% of the cohort's mutations.

    python benchmarks/decomposition_support.py --per-type 30 --seed 1
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import refit_cohorts  # noqa: E402

from sigforge.cli.refit_decompose import used_reference  # noqa: E402
from sigforge.genomics.reference import artefact_signatures, load_reference  # noqa: E402
from sigforge.refit import decompose_signatures  # noqa: E402
from sigforge.refit.options import DEFAULT_LIKELIHOOD_THRESHOLD  # noqa: E402


def stand_ins(cosmic: pd.DataFrame, share: pd.Series, rng: np.random.Generator
              ) -> pd.DataFrame:
    """The de novo stand-ins of one cohort (see the module docstring)."""
    planted = [name for name, value in share.items() if value >= 0.05 and name in cosmic]
    columns = {}
    for name in planted:
        columns[f"{name}"] = cosmic[name]
        split = cosmic[name] * rng.lognormal(0.0, 0.35, size=len(cosmic))
        columns[f"{name}~split"] = split / split.sum()
    for one, two in itertools.combinations(planted, 2):
        mix = share[one] * cosmic[one] + share[two] * cosmic[two]
        columns[f"{one}+{two}"] = mix / mix.sum()
    return pd.DataFrame(columns, index=cosmic.index)


def unplanted(table: pd.DataFrame, share: pd.Series) -> pd.Series:
    """Per stand-in, whether its decomposition names a signature under 0.5% of the cohort."""
    return table["components"].map(lambda text: any(
        share.get(part.split(":")[0], 0.0) < 0.005 for part in str(text).split(";") if part))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/real")
    parser.add_argument("--per-type", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    refit_cohorts.REAL = Path(args.data)
    rng = np.random.default_rng(args.seed)
    whole = load_reference("COSMIC_v3.6").data
    cosmic = whole.drop(columns=[c for c in artefact_signatures("COSMIC_v3.6")
                                 if c in whole.columns])
    counts, truth, _ = refit_cohorts.type_cohort("SBS96", args.per_type, rng)
    options = argparse.Namespace(method="negbin", bootstrap=0, confidence=0.95, seed=1,
                                 penalty=1.5, cohort_prior=True,
                                 likelihood_threshold=DEFAULT_LIKELIHOOD_THRESHOLD,
                                 assay="genome", generic=False, tumour_type="pan-cancer",
                                 include_artefacts=False, decompose_into="COSMIC_v3.6")
    rows = []
    for tumour_type in refit_cohorts.TYPES:
        tumours = [c for c in counts.columns if c.startswith(f"{tumour_type}::")]
        share = truth[tumours].sum(axis=1) / truth[tumours].to_numpy().sum()
        signatures = stand_ins(cosmic, share, rng)
        candidates = used_reference(options, counts[tumours].round(), whole)
        for label, reference in (("whole set", cosmic), ("cohort's own refit", candidates)):
            table = decompose_signatures(signatures, reference)
            wrong = unplanted(table, share)
            for kind in ("alone", "split", "merge"):
                mask = [("~split" in n) == (kind == "split") and ("+" in n) == (kind == "merge")
                        for n in table.index]
                rows.append({"type": tumour_type, "candidates": label, "kind": kind,
                             "stand-ins": int(sum(mask)), "unplanted": int(wrong[mask].sum()),
                             "novel": int(table.loc[mask, "novel"].astype(bool).sum())})
    result = pd.DataFrame(rows).groupby(["candidates", "kind"])[
        ["stand-ins", "unplanted", "novel"]].sum()
    print(result.to_string())


if __name__ == "__main__":
    main()

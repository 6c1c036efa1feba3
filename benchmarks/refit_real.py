"""Refits of real PCAWG genomes against all of COSMIC v3.6, beside the published attributions.

The synthetic protocols of benchmarks/refit.py know the truth; real genomes do not. What a
refit of a real genome can be held to is the published SigProfiler attribution of the same
genome (Alexandrov et al. 2020; `../shared/data/real`, see its PROVENANCE.md), which is one
reference pipeline's conclusion, not ground truth, and the genome's own spectrum. Each PCAWG
tumour type is one cohort (as a user refits a cohort), refitted against every COSMIC v3.6
SBS signature but the possible sequencing artefacts (the `sigforge refit` default), with:

- sigforge `negbin` at the default pan-cancer prior, with the tumour type's prior
  (``--tumour-type``; that prior is derived from these same attributions, so its agreement is
  flattered), and without a prior;
- SigProfilerAssignment 1.1.5 at its defaults (all of COSMIC v3.6, GRCh37), with ``--spa``.

Per genome, with the v3.6 names folded back to the published v3.0 ones (SBS40a/b/c -> SBS40,
SBS22a/b -> SBS22) and a signature called at >= 0.5 mutations: the signatures called; the
share of the published signatures that are called (``recall``) and of the called ones that
were published (``agreement``); how many called signatures postdate COSMIC v3.0 (``newer``);
the L1 distance between the called and the published exposure fractions; and the cosine
between the genome and its reconstruction (the published one is the file's ``Accuracy``).
Means over genomes, every type weighed by its genomes.

    python benchmarks/refit_real.py --out benchmarks/out/refit_real [--per-type 20 --spa VENV]

With ``--shapes``, synthetic genomes with a known truth instead (:func:`shape_cohort`): the
published exposures of ``--per-type`` genomes per type over signatures that differ from
COSMIC's at random per genome (a Dirichlet concentration) and, with ``--type-deviation``, by
each type's real channel deviation from the published or from sigforge's model of its genomes
(:func:`type_deviation`): whether a refit reads such differences as further signatures.

    python benchmarks/refit_real.py --out /tmp/dev --context ID83 --shapes 0 \
        --type-deviation published --per-type 10 --spa VENV
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import refit_cohorts as rc  # noqa: E402
from refit import cpu_seconds, peer_python, run_spa  # noqa: E402

from sigforge.genomics.reference import artefact_signatures, load_prevalence  # noqa: E402
from sigforge.genomics.tables import read_catalog  # noqa: E402
from sigforge.refit import RefitOptions, refit_catalog  # noqa: E402

#: v3.6 names folded into the v3.0 name the published attributions use.
FOLDED = {"SBS40a": "SBS40", "SBS40b": "SBS40", "SBS40c": "SBS40", "SBS22a": "SBS22",
          "SBS22b": "SBS22"}
CALLED_AT = 0.5


CATALOGS = {"SBS96": "WGS_PCAWG.96.csv", "DBS78": "WGS_PCAWG.dinucs.csv",
            "ID83": "WGS_PCAWG.indels.csv"}


def real_catalog(context: str = "SBS96") -> pd.DataFrame:
    """The 2,780 PCAWG genomes' catalog of one channel set (channels in COSMIC v3.6 order x
    ``Type::Sample``), read by sigforge's own catalog reader."""
    table = read_catalog(rc.REAL / CATALOGS[context]).data
    return table.reindex(rc.reference(context).index).astype(float)


def published(context: str = "SBS96") -> tuple[pd.DataFrame, pd.Series]:
    """Published exposures (v3.0 names x genomes) and each genome's published cosine."""
    table = pd.read_csv(rc.REAL / rc.ATTRIBUTIONS[context], skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    table.index = table["Cancer Types"] + "::" + table["Sample Names"]
    accuracy = table["Accuracy"].astype(float)
    exposures = table.drop(columns=["Cancer Types", "Sample Names", "Accuracy"]).astype(float)
    return exposures.T, accuracy


def folded(exposures: pd.DataFrame) -> pd.DataFrame:
    """Exposures (signatures x genomes) with v3.6 names summed into their v3.0 name."""
    return exposures.groupby(lambda name: FOLDED.get(name, name)).sum()


def cosines(counts: pd.DataFrame, signatures: pd.DataFrame, exposures: pd.DataFrame
            ) -> pd.Series:
    """Cosine between each genome and its reconstruction."""
    model = signatures[exposures.index].to_numpy() @ exposures[counts.columns].to_numpy()
    x = counts.to_numpy()
    norm = np.linalg.norm(x, axis=0) * np.linalg.norm(model, axis=0)
    return pd.Series((x * model).sum(axis=0) / np.where(norm > 0, norm, 1.0), counts.columns)


def agreement(fitted: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per genome: signatures called, recall, agreement, newer (names the published file
    lacks), L1 of fractions."""
    fitted = folded(fitted)
    names = truth.index.union(fitted.index)
    older = pd.Series(names.isin(truth.index), index=names)
    fitted = fitted.reindex(index=names, columns=truth.columns).fillna(0.0)
    truth = truth.reindex(names).fillna(0.0)
    called, true_on = fitted >= CALLED_AT, truth >= CALLED_AT
    both = (called & true_on).sum()
    fractions = fitted / fitted.sum().replace(0, 1) - truth / truth.sum().replace(0, 1)
    return pd.DataFrame({
        "called": called.sum(), "published": true_on.sum(),
        "recall": both / true_on.sum().clip(lower=1),
        "agreement": (both / called.sum().clip(lower=1)).where(called.sum() > 0, 1.0),
        "newer": called[~older].sum(), "l1_fraction": fractions.abs().sum()})


def sigforge_fit(counts: pd.DataFrame, signatures: pd.DataFrame, prior: str,
                 cohort_prior: bool = True) -> tuple[pd.DataFrame, float]:
    """One type's genomes refitted by sigforge (no resampling); exposures and CPU seconds."""
    start = cpu_seconds()
    options = RefitOptions(method="negbin", bootstrap=0, cohort_prior=cohort_prior)
    result = refit_catalog(counts, signatures, options, prevalence=load_prevalence(prior))
    return result.exposures, cpu_seconds() - start


def by_signature(fitted: pd.DataFrame, truth: pd.DataFrame, totals: pd.Series
                 ) -> pd.DataFrame:
    """Per signature (v3.0 names): genomes in which the refit and the publication call it,
    either alone, and the median share of the genome's mutations where only the refit does."""
    fitted = folded(fitted)
    names = truth.index.union(fitted.index)
    fitted = fitted.reindex(index=names, columns=truth.columns).fillna(0.0)
    truth = truth.reindex(names).fillna(0.0)
    called, true_on = fitted >= CALLED_AT, truth >= CALLED_AT
    alone = called & ~true_on
    share = (fitted / totals).where(alone)
    return pd.DataFrame({"called": called.sum(axis=1), "published": true_on.sum(axis=1),
                         "called_only": alone.sum(axis=1),
                         "published_only": (true_on & ~called).sum(axis=1),
                         "median_share_called_only": share.median(axis=1)}
                        ).sort_values("called_only", ascending=False)


def run(per_type: int | None, seed: int, spa: Path | None, work: Path, context: str = "SBS96"
        ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every tool on every type's genomes (or ``per_type`` of them, drawn with ``seed``) of
    one channel set: one row per genome and tool, and each tool's exposures. Genomes the
    publication attributes no mutation of the set to are left out."""
    catalog, (truth, accuracy) = real_catalog(context), published(context)
    catalog = catalog[[c for c in catalog.columns if c in truth.columns
                       and truth[c].sum() > 0 and catalog[c].sum() > 0]]
    cosmic = rc.reference(context)
    signatures = cosmic.drop(columns=[s for s in artefact_signatures() if s in cosmic.columns])
    types = pd.Series([c.split("::")[0] for c in catalog.columns], index=catalog.columns)
    rng = np.random.default_rng(seed)
    python = peer_python(spa) if spa else None
    rows, fitted = [], {}
    for tumour_type in sorted(types.unique()):
        genomes = list(types.index[types == tumour_type])
        if per_type is not None and len(genomes) > per_type:
            genomes = sorted(rng.choice(genomes, per_type, replace=False))
        counts = catalog[genomes]
        tools = {"sigforge pan-cancer": lambda c: sigforge_fit(c, signatures, "pan-cancer"),
                 "sigforge tumour type": lambda c, t=tumour_type: sigforge_fit(c, signatures, t),
                 "sigforge no prior": lambda c: sigforge_fit(c, signatures, "none"),
                 "sigforge pan-cancer, no cohort prior":
                     lambda c: sigforge_fit(c, signatures, "pan-cancer", cohort_prior=False)}
        if python is not None:
            tools["SigProfilerAssignment"] = lambda c: run_spa(c, context, python, work / "spa")
        for tool, fit in tools.items():
            exposures, seconds = fit(counts)
            exposures = exposures.reindex(columns=genomes).fillna(0.0)
            fitted.setdefault(tool, []).append(exposures)
            scores = agreement(exposures, truth[genomes])
            scores["cosine"] = cosines(counts, cosmic, exposures)
            scores["published_cosine"] = accuracy[genomes]
            scores["cpu_s"] = seconds / len(genomes)
            scores["tool"], scores["type"] = tool, tumour_type
            rows.append(scores)
        print(f"{tumour_type}: {len(genomes)} genomes", flush=True)
    return (pd.concat(rows).rename_axis("genome").reset_index(),
            {tool: pd.concat(parts, axis=1).fillna(0.0) for tool, parts in fitted.items()})


#: Pseudo-count of the per-channel ratios of :func:`type_deviation` (mutations).
DEVIATION_PSEUDO = 5.0


def type_deviation(context: str, model: str = "published") -> pd.DataFrame:
    """Each PCAWG tumour type's channel deviation from a model of its genomes (channels x
    types).

    Per type and channel: the genomes' observed mutations over their modelled ones,
    ``(sum x + 5) / (sum mu + 5)``. ``model="published"``: the published exposures times
    COSMIC v3.6's profiles; ``model="sigforge"``: sigforge's own refit of each type (the
    default ``negbin``, whole COSMIC less artefacts, the type one cohort). Either is the part
    of real spectra that the model does not describe and that every genome of a type shares
    (tissue-specific variants of a signature, the calling pipeline's channel biases, and
    under the published model also any signature the publication left out).
    """
    cosmic = rc.reference(context)
    profiles = cosmic / cosmic.sum()
    table = rc.attributions(context)
    catalog = real_catalog(context)
    genomes = [g for g in table.index if g in catalog.columns and catalog[g].sum() > 0]
    types = table.loc[genomes, "type"]
    if model == "published":
        exposures = table.loc[genomes].drop(columns="type").T.reindex(cosmic.columns)
    else:
        signatures = cosmic.drop(columns=[s for s in artefact_signatures()
                                          if s in cosmic.columns])
        exposures = pd.concat([sigforge_fit(catalog[list(group.index)], signatures,
                                            "pan-cancer")[0]
                               for _, group in types.groupby(types)], axis=1)
        exposures = exposures.reindex(index=cosmic.columns, columns=genomes)
    mean = pd.DataFrame(profiles.to_numpy() @ exposures.fillna(0.0).to_numpy(),
                        index=cosmic.index, columns=genomes)
    observed = catalog[genomes].T.groupby(types).sum().T
    modelled = mean.T.groupby(types).sum().T
    return (observed + DEVIATION_PSEUDO) / (modelled + DEVIATION_PSEUDO)


def shape_cohort(per_type: int, rng: np.random.Generator, concentration: float | None,
                 context: str = "SBS96", deviation: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and true exposures of synthetic genomes whose signatures are not COSMIC's
    exactly: ``per_type`` published PCAWG attributions of each type (their exposures as
    published, v3.6 names), and negative-binomial counts (size per genome log-uniform in
    [4, 40]) around the sum of their signatures, where each signature is

    - with ``concentration``, drawn as its own variant per genome,
      Dirichlet(concentration x COSMIC profile + 0.01) (for SBS96, median cosine to COSMIC
      about 0.98 at 300, 0.995 at 1,000): random variation;
    - with ``deviation`` (:func:`type_deviation`), multiplied channel by channel by its
      type's deviation and renormalised: the structured variation that real genomes of a
      type share.

    Real signatures differ between tissues and tumours in these ways; a refit against fixed
    COSMIC profiles must not read the difference as further signatures.
    """
    cosmic = rc.reference(context)
    table = rc.attributions(context)
    profiles = cosmic / cosmic.sum()
    chosen = [tumour for _, rows in table.groupby("type") if len(rows)
              for tumour in rng.choice(rows.index[rows.drop(columns="type").sum(axis=1) > 0],
                                       min(per_type, len(rows)), replace=False)]
    truth = table.loc[chosen].drop(columns="type").T.reindex(cosmic.columns).fillna(0.0)
    mean = np.zeros((cosmic.shape[0], len(chosen)))
    for t, tumour in enumerate(chosen):
        scale = (np.ones(cosmic.shape[0]) if deviation is None
                 else deviation[table.at[tumour, "type"]].to_numpy())
        for name in truth.index[truth[tumour] > 0]:
            profile = profiles[name].to_numpy() * scale
            profile = profile / profile.sum()
            if concentration is not None:
                profile = rng.dirichlet(concentration * profile + 0.01)
            mean[:, t] += truth.at[name, tumour] * profile
    size = np.exp(rng.uniform(np.log(4), np.log(40), size=len(chosen)))
    counts = rng.poisson(rng.gamma(size[None, :], np.maximum(mean, 1e-12) / size[None, :]))
    return pd.DataFrame(counts, index=cosmic.index, columns=chosen).astype(float), truth


def run_shapes(per_type: int, seed: int, concentrations: list[float | None],
               spa: Path | None, work: Path, context: str = "SBS96",
               deviation_model: str | None = None) -> pd.DataFrame:
    """Scores (benchmarks/refit_cohorts.py's ``score``), calls and planted signatures per
    genome of every tool on :func:`shape_cohort` at each concentration (with each type's real
    deviation from ``deviation_model``'s model, :func:`type_deviation`, when given), against
    all of COSMIC v3.6 less artefacts; each type one cohort."""
    cosmic = rc.reference(context)
    signatures = cosmic.drop(columns=[s for s in artefact_signatures() if s in cosmic.columns])
    deviation = type_deviation(context, deviation_model) if deviation_model else None
    python = peer_python(spa) if spa else None
    rows = []
    for concentration in concentrations:
        counts, truth = shape_cohort(per_type, np.random.default_rng(seed), concentration,
                                     context, deviation)
        types = pd.Series([c.split("::")[0] for c in counts.columns], index=counts.columns)
        tools = {"sigforge pan-cancer": lambda c, t: sigforge_fit(c, signatures, "pan-cancer"),
                 "sigforge tumour type": lambda c, t: sigforge_fit(c, signatures, t),
                 "sigforge pan-cancer, no cohort prior":
                     lambda c, t: sigforge_fit(c, signatures, "pan-cancer", cohort_prior=False)}
        if python is not None:
            tools["SigProfilerAssignment"] = lambda c, t: run_spa(c, context, python,
                                                                  work / "spa")
        for tool, fit in tools.items():
            fitted, seconds = [], 0.0
            for tumour_type in sorted(types.unique()):
                genomes = list(types.index[types == tumour_type])
                exposures, cpu = fit(counts[genomes], tumour_type)
                fitted.append(exposures.reindex(columns=genomes).fillna(0.0))
                seconds += cpu
            exposures = pd.concat(fitted, axis=1).reindex(truth.index).fillna(0.0)
            calls = exposures >= CALLED_AT
            rows.append({"concentration": concentration or "exact",
                         "deviation": deviation_model or "none", "tool": tool,
                         **rc.score(exposures, truth),
                         "calls": calls.sum().mean(),
                         "true": (truth >= CALLED_AT).sum().mean(),
                         "cpu_s": seconds / counts.shape[1]})
        print(f"concentration {concentration}: {counts.shape[1]} genomes", flush=True)
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Means per tool over genomes, and the published attribution's own row."""
    columns = ["called", "recall", "agreement", "newer", "l1_fraction", "cosine", "cpu_s"]
    table = rows.groupby("tool", sort=False)[columns].mean()
    first = rows[rows["tool"] == rows["tool"].iloc[0]]
    table.loc["published (SigProfiler, PCAWG)"] = [first["published"].mean(), 1.0, 1.0, 0.0,
                                                   0.0, first["published_cosine"].mean(),
                                                   np.nan]
    table.insert(0, "genomes", rows.groupby("tool", sort=False).size().reindex(table.index)
                 .fillna(len(first)).astype(int))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-type", type=int, default=None,
                        help="genomes drawn per type (default: all 2,780)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--context", choices=sorted(CATALOGS), default="SBS96")
    parser.add_argument("--spa", type=Path, default=None,
                        help="SigProfilerAssignment's virtual environment (created if missing)")
    parser.add_argument("--shapes", type=float, nargs="*", default=None, metavar="C",
                        help="instead: synthetic genomes with per-genome signature variants "
                             "at these Dirichlet concentrations (0 = COSMIC's exact profiles)")
    parser.add_argument("--type-deviation", choices=["published", "sigforge"], default=None,
                        help="with --shapes: each type's signatures carry its real channel "
                             "deviation from this model of its genomes (type_deviation)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.shapes is not None:
        table = run_shapes(args.per_type or 10, args.seed, [c or None for c in args.shapes],
                           args.spa, args.out / "work", args.context, args.type_deviation)
        table.to_csv(args.out / "shapes.tsv", sep="\t", index=False, float_format="%.4g")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(table.round(4))
        print(f"wall {time.perf_counter() - start:.0f} s")
        return
    rows, fitted = run(args.per_type, args.seed, args.spa, args.out / "work", args.context)
    rows.to_csv(args.out / "genomes.tsv", sep="\t", index=False)
    table = summary(rows)
    table.to_csv(args.out / "summary.tsv", sep="\t", float_format="%.4g")
    first = rows[rows["tool"] == rows["tool"].iloc[0]].set_index("genome")
    burden = real_catalog(args.context)[first.index].sum()
    rows["burden"] = pd.cut(rows["genome"].map(burden), [0, 1e3, 3e3, 1e4, 3e4, np.inf])
    bins = rows.groupby(["tool", "burden"], observed=True)[
        ["called", "published", "recall", "agreement", "newer"]].mean()
    truth = published(args.context)[0][first.index]
    signatures = by_signature(fitted["sigforge pan-cancer"], truth, burden)
    signatures.to_csv(args.out / "by_signature.tsv", sep="\t", float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(4))
        print(bins.round(3))
        print(signatures.head(12).round(3))
    print(f"wall {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()

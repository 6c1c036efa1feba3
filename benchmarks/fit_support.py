"""How often the patient page's fit checks (:mod:`sigforge.report.fit_support`) withhold
findings: on spectra with no signature in them (uniform noise, and a tumour whose signature is
not in the reference set), where they should, and on realistic tumours, where they should not.

Realistic tumours are drawn as in ``benchmarks/refit.py`` (``refit_cohorts.type_cohort``: PCAWG
attributions of nine tumour types, negative-binomial counts of size 4-40), at their own
burdens and thinned to panel-like burdens. Every tumour is refitted alone against COSMIC v3.6
(artefact signatures out, ``negbin``, as ``sigforge refit --vcf`` does, no cohort prior).

    python benchmarks/fit_support.py --data ../shared/data/real --per-type 20 --seed 1

``--missing SIZE`` measures the missing-process check instead: tumours of SynSigGen-like noise
(negative-binomial size SIZE per signature's channel, ``--noise partial``), thinned in turn to
50, 150, 500 and 2,000 SNVs or kept whole, each refitted to its tumour type's signatures
(the page's fit) with the whole-COSMIC refit as the wider set, and again with its main
signature left out of the type's set; how many pages withhold their findings by that check,
by burden:

    python benchmarks/fit_support.py --missing 4 --per-type 30 --seed 7

``--artefacts`` measures the page's check against the possible sequencing artefacts the
refit leaves out: spectra of each artefact signature alone, and PCAWG-like tumours, each
refitted without the artefacts and checked with the whole table as the wider set:

    python benchmarks/fit_support.py --artefacts --noise-draws 3 --per-type 20 --seed 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import refit_cohorts  # noqa: E402

from sigforge.genomics.reference import artefact_signatures, load_reference  # noqa: E402
from sigforge.refit import RefitOptions, refit_catalog  # noqa: E402
from sigforge.report.fit_support import (  # noqa: E402
    WiderFit,
    fit_support,
    misses_a_process,
)


def cosmic() -> pd.DataFrame:
    """COSMIC v3.6 SBS96 without the possible sequencing artefacts (the CLI's default)."""
    table = load_reference("COSMIC_v3.6").data
    return table.drop(columns=[c for c in artefact_signatures("COSMIC_v3.6")
                               if c in table.columns])


def flags(counts: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Each tumour refitted alone: '' when the page may state findings, else the check that
    withholds them ('flat' or 'poor')."""
    out = []
    for tumour in counts.columns:
        one = counts[[tumour]].astype(float)
        fit = refit_catalog(one, reference,
                            RefitOptions(method="negbin", bootstrap=0, cohort_prior=False))
        exposures = fit.exposures[tumour].to_numpy()
        observed = one[tumour].to_numpy()
        reconstructed = reference.to_numpy() @ exposures
        norm = np.linalg.norm(observed) * np.linalg.norm(reconstructed)
        cosine = float(observed @ reconstructed / norm) if norm > 0 else float("nan")
        support = fit_support(observed, reconstructed, cosine, int((exposures > 0).sum()))
        out.append("" if support is None else
                   ("flat" if "flat" in support.reason else "poor"))
    return out


def thinned(counts: pd.DataFrame, burden: int, rng: np.random.Generator) -> pd.DataFrame:
    """Each tumour's counts subsampled to ``burden`` mutations (all of them when fewer)."""
    columns = {}
    for tumour in counts.columns:
        values = counts[tumour].to_numpy().astype(np.int64)
        if values.sum() <= burden:
            columns[tumour] = values
            continue
        pool = np.repeat(np.arange(values.size), values)
        picked = rng.choice(pool, size=burden, replace=False)
        columns[tumour] = np.bincount(picked, minlength=values.size)
    return pd.DataFrame(columns, index=counts.index)


def summary(name: str, found: list[str]) -> dict[str, object]:
    """One row of the table: how many tumours, and how many each check flagged."""
    return {"spectra": name, "tumours": len(found), "flat": found.count("flat"),
            "poor": found.count("poor"), "missing": found.count("missing"),
            "outside": found.count("outside"),
            "withheld": f"{sum(bool(f) for f in found) / len(found):.1%}"}


def _negbin(counts: pd.DataFrame, reference: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Expected counts and signatures used of each tumour's ``negbin`` refit (no resamples)."""
    fit = refit_catalog(counts.astype(float), reference,
                        RefitOptions(method="negbin", bootstrap=0))
    exposures = fit.exposures.loc[reference.columns].to_numpy()
    return reference.to_numpy() @ exposures, (exposures > 0).sum(axis=0)


def missing_process(size: float, per_type: int, rng: np.random.Generator) -> pd.DataFrame:
    """Pages withheld by the missing-process check (``--missing``), by burden."""
    counts, truth, references = refit_cohorts.type_cohort("SBS96", per_type, rng, "partial",
                                                          size)
    targets = np.array([50, 150, 500, 2000, 0])[np.arange(counts.shape[1]) % 5]
    for i, target in enumerate(targets):
        x = counts.iloc[:, i].to_numpy()
        if target and x.sum() > target:
            counts.iloc[:, i] = rng.binomial(x, target / x.sum())
    whole = cosmic()
    wide, wide_used = _negbin(counts, whole)
    rows = []
    for names, tumours in refit_cohorts.reference_groups(references).items():
        own = whole.reindex(columns=list(names)).dropna(axis=1)
        fitted, used = _negbin(counts[tumours], own)
        for i, tumour in enumerate(tumours):
            x = counts[tumour].to_numpy(float)
            j = counts.columns.get_loc(tumour)
            wider = WiderFit(wide[:, j], int(wide_used[j]), "COSMIC_v3.6")
            main = truth[tumour].idxmax()
            cut, cut_used = _negbin(counts[[tumour]], own.drop(columns=[main], errors="ignore"))
            rows.append({"burden": x.sum(),
                         "share": truth[tumour].max() / truth[tumour].sum(),
                         "right set": _flagged(x, fitted[:, i], int(used[i]), wider),
                         "main left out": _flagged(x, cut[:, 0], int(cut_used[0]), wider)})
    table = pd.DataFrame(rows)
    table["SNVs"] = pd.cut(table["burden"], [0, 100, 300, 1000, 3000, np.inf],
                           labels=["<=100", "101-300", "301-1,000", "1,001-3,000", ">3,000"])
    main_third = table[table["share"] >= 1 / 3]
    return pd.DataFrame({
        "tumours": table.groupby("SNVs", observed=True).size(),
        "withheld, right set": table.groupby("SNVs", observed=True)["right set"].sum(),
        "main >= 1/3 left out": main_third.groupby("SNVs", observed=True).size(),
        "withheld, main left out": main_third.groupby("SNVs", observed=True)[
            "main left out"].sum()})


def with_artefacts(counts: pd.DataFrame) -> list[str]:
    """Each tumour's page as ``sigforge refit --vcf`` checks it: refitted to COSMIC v3.6
    without its artefacts, the wider set the whole table, artefacts included; '' when the
    page may state findings, else the check that withholds them."""
    whole = load_reference("COSMIC_v3.6").data
    cut = cosmic()
    out = []
    for tumour in counts.columns:
        one = counts[[tumour]].astype(float)
        options = RefitOptions(method="negbin", bootstrap=0, cohort_prior=False)
        exposures = refit_catalog(one, cut, options).exposures[tumour]
        wide = refit_catalog(one, whole, options).exposures[tumour]
        lacking = tuple(str(n) for n, v in wide.sort_values(ascending=False).items()
                        if v > 0 and n not in cut.columns)
        outside = float(wide[list(lacking)].sum() / wide.sum()) if wide.sum() > 0 else 0.0
        wider = WiderFit(whole.to_numpy() @ wide.to_numpy(), int((wide > 0).sum()),
                         "COSMIC_v3.6 with its artefacts", lacking, outside)
        observed = one[tumour].to_numpy()
        reconstructed = cut.to_numpy() @ exposures.to_numpy()
        norm = np.linalg.norm(observed) * np.linalg.norm(reconstructed)
        cosine = float(observed @ reconstructed / norm) if norm > 0 else float("nan")
        support = fit_support(observed, reconstructed, cosine, int((exposures > 0).sum()),
                              wider=wider)
        out.append("" if support is None else "flat" if "flat" in support.reason else
                   "poor" if "poorly" in support.reason else
                   "outside" if "lacks" in support.reason else "missing")
    return out


def artefact_rows(per_type: int, draws: int, rng: np.random.Generator) -> list[dict]:
    """``--artefacts``: spectra of one possible sequencing artefact each (left out of the
    refit by default) at 300, 1,000 and 3,000 SNVs, and PCAWG-like tumours at their own
    burdens, checked with the whole table (artefacts included) as the wider set."""
    whole = load_reference("COSMIC_v3.6").data
    rows = []
    for burden in (300, 1000, 3000):
        found: list[str] = []
        for name in artefact_signatures("COSMIC_v3.6"):
            profile = whole[name].to_numpy()
            spectra = pd.DataFrame(rng.multinomial(burden, profile / profile.sum(),
                                                   size=draws).T, index=whole.index)
            found += with_artefacts(spectra)
        rows.append(summary(f"one artefact signature, {burden} SNVs", found))
    counts, _, _ = refit_cohorts.type_cohort("SBS96", per_type, rng)
    rows.append(summary("PCAWG-like tumours, own burdens", with_artefacts(counts)))
    return rows


def _flagged(observed: np.ndarray, reconstructed: np.ndarray, used: int,
             wider: WiderFit) -> bool:
    """Whether the page withholds its findings for a missing process."""
    norm = np.linalg.norm(observed) * np.linalg.norm(reconstructed)
    cosine = float(observed @ reconstructed / norm) if norm > 0 else float("nan")
    return misses_a_process(observed, reconstructed, cosine, used, wider) is not None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/real")
    parser.add_argument("--per-type", type=int, default=20)
    parser.add_argument("--noise-draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--missing", type=float, default=None, metavar="SIZE")
    parser.add_argument("--artefacts", action="store_true")
    args = parser.parse_args(argv)
    refit_cohorts.REAL = Path(args.data)
    rng = np.random.default_rng(args.seed)
    if args.artefacts:
        print(pd.DataFrame(artefact_rows(args.per_type, args.noise_draws, rng))
              .to_string(index=False))
        return
    if args.missing is not None:
        print(missing_process(args.missing, args.per_type, rng).to_string())
        return
    reference = cosmic()
    rows = []
    for burden in (30, 100, 300, 1000, 5000):
        noise = pd.DataFrame(rng.multinomial(burden, np.ones(96) / 96,
                                             size=args.noise_draws).T, index=reference.index)
        rows.append(summary(f"uniform noise, {burden} SNVs", flags(noise, reference)))
    sbs4 = load_reference("COSMIC_v3.6").data["SBS4"].to_numpy()
    for burden in (100, 300, 1000):
        tobacco = pd.DataFrame(rng.multinomial(burden, sbs4 / sbs4.sum(),
                                               size=args.noise_draws).T, index=reference.index)
        rows.append(summary(f"SBS4 alone, reference without SBS4, {burden} SNVs",
                            flags(tobacco, reference.drop(columns="SBS4"))))
    counts, _, _ = refit_cohorts.type_cohort("SBS96", args.per_type, rng)
    rows.append(summary("PCAWG-like tumours, own burdens", flags(counts, reference)))
    for burden in (30, 100, 300):
        rows.append(summary(f"PCAWG-like tumours thinned to {burden} SNVs",
                            flags(thinned(counts, burden, rng), reference)))
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()

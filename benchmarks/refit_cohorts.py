"""Synthetic refit cohorts drawn from the published PCAWG attributions, and their scores.

Two protocols, both with known exposures:

- **per tumour type** (:func:`type_cohort`): for each of nine PCAWG tumour types, synthetic
  tumours whose exposures are real PCAWG attributions of that type (resampled, each exposure
  jittered log-normally), so signatures co-occur as they do in real tumours of the type and at
  real burdens. Counts are negative-binomial around the expected spectrum, with the size
  (dispersion) of each tumour drawn log-uniformly between 4 and 40; residuals of real PCAWG
  genomes around their published reconstructions have sizes of 4-16 (median about 8), see
  :func:`real_dispersion`. The reference of a tumour is its type's signature universe (every
  signature the published attributions give at least one tumour of the type, MSI signatures
  excepted); tumours with MSI signatures (MSI-H) also get the MSI signatures.
- **whole COSMIC** (:func:`cosmic_cohort`): tumours with nine planted SBS signatures (SBS1, 2,
  3, 5, 8, 13, 17b, 18, 40a), Poisson counts, median about 2,100 SNVs, refitted against every
  COSMIC v3.6 SBS signature.

Scores (:func:`score`) follow the published attribution-benchmark protocol: a signature is
called when it has at least 0.5 mutations; per tumour, sensitivity (true signatures called),
precision (called signatures that are true) and the scaled Manhattan distance
SMD = sum|true - inferred| / sum(true); Combined = sensitivity + precision + 1 - SMD, each
averaged over tumours.

The attribution files are read from ``../shared/data/real`` (see its PROVENANCE.md); they name
signatures in COSMIC v3.0 terms, mapped here to v3.6 (SBS22 -> SBS22a, SBS40 -> SBS40a).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.reference import load_reference

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
ATTRIBUTIONS = {"SBS96": "PCAWG_sigProfiler_SBS_signatures_in_samples.csv",
                "DBS78": "PCAWG_sigProfiler_DBS_signatures_in_samples.csv",
                "ID83": "PCAWG_SigProfiler_ID_signatures_in_samples.csv"}
#: COSMIC v3.0 names in the PCAWG attributions whose v3.6 successor has another name.
RENAMED = {"SBS22": "SBS22a", "SBS40": "SBS40a"}
#: The nine tumour types of the per-type protocol.
TYPES = ("Breast-AdenoCA", "ColoRect-AdenoCA", "Eso-AdenoCA", "Kidney-RCC", "Liver-HCC",
         "Lung-AdenoCA", "Ovary-AdenoCA", "Skin-Melanoma", "Stomach-AdenoCA")
#: Signatures of mismatch-repair deficiency and POLE/MSI (given only to MSI-H tumours).
MSI = {"SBS6", "SBS14", "SBS15", "SBS20", "SBS21", "SBS26", "SBS44", "DBS7", "DBS10",
       "ID7"}
#: A tumour is MSI-H when its MSI SBS signatures carry at least this share of its SBS burden.
MSI_SHARE = 0.1
#: The planted signatures of the whole-COSMIC protocol.
COSMIC_PLANTED = ("SBS1", "SBS2", "SBS3", "SBS5", "SBS8", "SBS13", "SBS17b", "SBS18", "SBS40a")


def reference(context: str) -> pd.DataFrame:
    """COSMIC v3.6 signatures of one channel set (GRCh37 for SBS96 and DBS78)."""
    return load_reference("COSMIC_v3.6", channel_set=context).data


def attributions(context: str) -> pd.DataFrame:
    """Published PCAWG attributions (tumours x signatures, v3.6 names), indexed by
    ``Type::Sample`` with a ``type`` column."""
    table = pd.read_csv(REAL / ATTRIBUTIONS[context], skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    table.index = table["Cancer Types"] + "::" + table["Sample Names"]
    types = table["Cancer Types"]
    table = table.drop(columns=["Cancer Types", "Sample Names", "Accuracy"]).rename(
        columns=RENAMED).astype(float)
    table["type"] = types
    return table


def msi_tumours() -> set[str]:
    """Tumours (``Type::Sample``) whose published SBS attribution is MSI-H."""
    table = attributions("SBS96")
    values = table.drop(columns="type")
    share = values[[c for c in values.columns if c in MSI]].sum(axis=1) / values.sum(axis=1)
    return set(share.index[share >= MSI_SHARE])


def universe(table: pd.DataFrame, tumour_type: str) -> list[str]:
    """Signatures the published attributions give at least one tumour of the type."""
    rows = table[table["type"] == tumour_type].drop(columns="type")
    return [c for c in rows.columns if (rows[c] > 0).any()]


def reference_groups(references: dict[str, list[str]]) -> dict[tuple[str, ...], list[str]]:
    """Tumours grouped by their reference set: each group is one catalog refitted together
    (a type's tumours, its MSI-H ones apart), as a user refits one cohort against one
    universe."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for tumour, names in references.items():
        groups.setdefault(tuple(names), []).append(tumour)
    return groups


def type_cohort(context: str, per_type: int, rng: np.random.Generator,
                noise: str = "channel", nb_size: float = 10.0
                ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Counts (channels x tumours), true exposures (signatures x tumours) and each tumour's
    reference signature names, ``per_type`` tumours for each of :data:`TYPES`.

    ``noise="channel"``: negative-binomial counts around the expected spectrum; the truth is
    the expected exposures. ``noise="signature"``: each signature's mutation count is
    negative binomial around its expected exposure and those mutations are spread over its
    channels (multinomial); the truth is the realised counts per signature, so a perfect
    attribution has SMD 0. ``noise="partial"``: each signature's expected partial spectrum
    (its profile times its exposure) is drawn channel by channel, negative binomial with the
    fixed size ``nb_size``, and the truth is the realised sum of each partial spectrum: the
    noise model of SynSigGen's ``AddNoise`` (Rozen lab), which its attribution benchmarks use.
    """
    cosmic = reference(context)
    table = attributions(context)
    msi = msi_tumours()
    truths, references = {}, {}
    for tumour_type in TYPES:
        rows = table[table["type"] == tumour_type].drop(columns="type")
        rows = rows[rows.sum(axis=1) > 0]
        names = [c for c in universe(table, tumour_type) if c in cosmic.columns]
        base = [c for c in names if c not in MSI]
        for i, source in enumerate(rng.choice(rows.index, size=per_type)):
            exposure = rows.loc[source, names].to_numpy(dtype=float)
            exposure = exposure * rng.lognormal(0.0, 0.25, size=exposure.shape)
            tumour = f"{tumour_type}::syn{i:03d}"
            truths[tumour] = pd.Series(exposure, index=names)
            references[tumour] = names if source in msi else base
            if source not in msi:
                truths[tumour][[c for c in names if c in MSI]] = 0.0
    truth = pd.DataFrame(truths).fillna(0.0).reindex(cosmic.columns).fillna(0.0)
    if noise == "signature":
        return (*signature_noise_counts(cosmic, truth, rng), references)
    if noise == "partial":
        return (*partial_noise_counts(cosmic, truth, rng, nb_size), references)
    counts = negative_binomial_counts(cosmic, truth, rng)
    return counts, truth, references


def signature_noise_counts(signatures: pd.DataFrame, truth: pd.DataFrame,
                           rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and realised per-signature counts: each signature's count negative binomial
    around its exposure (size per tumour log-uniform in [4, 40]), spread over its channels."""
    size = np.exp(rng.uniform(np.log(4), np.log(40), size=truth.shape[1]))
    expected = truth.to_numpy()
    realised = rng.poisson(rng.gamma(size[None, :], np.maximum(expected, 1e-12) / size[None, :]))
    realised[expected == 0] = 0
    profiles = signatures.to_numpy() / signatures.to_numpy().sum(axis=0)
    counts = np.zeros((signatures.shape[0], truth.shape[1]), dtype=np.int64)
    for t in range(truth.shape[1]):
        for j in np.flatnonzero(realised[:, t]):
            counts[:, t] += rng.multinomial(realised[j, t], profiles[:, j])
    return (pd.DataFrame(counts, index=signatures.index, columns=truth.columns),
            pd.DataFrame(realised.astype(float), index=truth.index, columns=truth.columns))


def partial_noise_counts(signatures: pd.DataFrame, truth: pd.DataFrame,
                         rng: np.random.Generator, size: float
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and realised per-signature counts when every channel of every signature's
    partial spectrum is negative binomial (mean: profile x exposure, the given size)."""
    profiles = signatures.to_numpy() / signatures.to_numpy().sum(axis=0)
    expected = truth.to_numpy()
    counts = np.zeros((signatures.shape[0], truth.shape[1]), dtype=np.int64)
    realised = np.zeros(expected.shape)
    for j in np.flatnonzero(expected.sum(axis=1) > 0):
        mean = np.maximum(np.outer(profiles[:, j], expected[j]), 1e-12)
        partial = rng.poisson(rng.gamma(size, mean / size))
        partial[:, expected[j] == 0] = 0
        counts += partial
        realised[j] = partial.sum(axis=0)
    return (pd.DataFrame(counts, index=signatures.index, columns=truth.columns),
            pd.DataFrame(realised, index=truth.index, columns=truth.columns))


def negative_binomial_counts(signatures: pd.DataFrame, truth: pd.DataFrame,
                             rng: np.random.Generator) -> pd.DataFrame:
    """Counts around ``signatures @ truth``, negative binomial with a size per tumour drawn
    log-uniformly in [4, 40] (variance = mean + mean^2 / size)."""
    mean = signatures.to_numpy() @ truth.to_numpy()
    size = np.exp(rng.uniform(np.log(4), np.log(40), size=mean.shape[1]))
    # Gamma-Poisson mixture: the negative binomial with that mean and size.
    rate = rng.gamma(size[None, :], np.maximum(mean, 1e-12) / size[None, :])
    return pd.DataFrame(rng.poisson(rate), index=signatures.index, columns=truth.columns)


def cosmic_cohort(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and true exposures of ``n`` tumours planted from :data:`COSMIC_PLANTED`.

    SBS1 and SBS5 (clock-like) are in 85% of tumours, each other signature in 30%, at least
    two per tumour; weights log-normal; burden log-normal with median 2,100; Poisson noise.
    """
    cosmic = reference("SBS96")
    truth = pd.DataFrame(0.0, index=cosmic.columns, columns=[f"C{j:04d}" for j in range(n)])
    chance = np.array([0.85 if s in ("SBS1", "SBS5") else 0.3 for s in COSMIC_PLANTED])
    for tumour in truth.columns:
        present = rng.random(len(COSMIC_PLANTED)) < chance
        while present.sum() < 2:
            present[rng.integers(len(COSMIC_PLANTED))] = True
        weights = rng.lognormal(0.0, 0.8, size=int(present.sum()))
        burden = rng.lognormal(np.log(2100), 0.6)
        truth.loc[np.array(COSMIC_PLANTED)[present], tumour] = burden * weights / weights.sum()
    counts = rng.poisson(cosmic.to_numpy() @ truth.to_numpy())
    return pd.DataFrame(counts, index=cosmic.index, columns=truth.columns), truth


def score(fitted: pd.DataFrame, truth: pd.DataFrame, called_at: float = 0.5
          ) -> dict[str, float]:
    """Per-tumour sensitivity, precision, SMD and Combined, averaged over tumours; also false
    positives per tumour and mean L1 distance of exposure fractions."""
    fitted = fitted.reindex(index=truth.index, columns=truth.columns).fillna(0.0)
    true_on, called = truth >= called_at, fitted >= called_at
    hits = (true_on & called).sum()
    sensitivity = (hits / true_on.sum().clip(lower=1)).where(true_on.sum() > 0, 1.0)
    precision = (hits / called.sum().clip(lower=1)).where(called.sum() > 0, 1.0)
    smd = (truth - fitted).abs().sum() / truth.sum()
    fractions = (fitted / fitted.sum().replace(0, 1)) - truth / truth.sum()
    return {"sensitivity": float(sensitivity.mean()), "precision": float(precision.mean()),
            "smd": float(smd.mean()),
            "combined": float(sensitivity.mean() + precision.mean() + 1 - smd.mean()),
            "false_pos_per_tumour": float((called & ~true_on).sum().mean()),
            "l1_fraction": float(fractions.abs().sum().mean())}


def real_dispersion(step: int = 5) -> pd.Series:
    """Negative-binomial size of real PCAWG SBS96 genomes around their published
    reconstructions (every ``step``-th genome), by maximum likelihood."""
    from scipy.optimize import minimize_scalar
    from scipy.special import gammaln

    cosmic = reference("SBS96")
    table = attributions("SBS96").drop(columns="type")
    table = table[[c for c in table.columns if c in cosmic.columns]]
    catalog = pd.read_csv(REAL / "WGS_PCAWG.96.csv")
    catalog.index = [f"{t[0]}[{m}]{t[2]}" for m, t in zip(catalog["Mutation type"],
                                                           catalog["Trinucleotide"], strict=True)]
    catalog = catalog.drop(columns=["Mutation type", "Trinucleotide"]).reindex(cosmic.index)
    sizes = {}
    for tumour in table.index[::step]:
        x = catalog[tumour].to_numpy(dtype=float)
        mu = cosmic[table.columns].to_numpy() @ table.loc[tumour].to_numpy()
        mu = np.maximum(mu * x.sum() / max(mu.sum(), 1.0), 1e-3)

        def negative_loglik(log_size: float, x: np.ndarray = x, mu: np.ndarray = mu) -> float:
            k = np.exp(log_size)
            return -float((gammaln(x + k) - gammaln(k) + k * np.log(k / (k + mu))
                           + x * np.log(mu / (k + mu))).sum())

        best = minimize_scalar(negative_loglik, bounds=(-2, 12), method="bounded")
        sizes[tumour] = float(np.exp(best.x))
    return pd.Series(sizes)

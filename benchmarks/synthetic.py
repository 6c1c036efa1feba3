"""Synthetic SBS96 cohorts with known signatures and exposures, and a scorer for discoveries.

A cohort is planted from COSMIC v3.6 SBS96 (GRCh37) signatures shipped with sigforge: every
sample carries a random subset of the planted signatures (each present with probability
``presence``, at least one), with log-normal total burdens and Dirichlet-split weights; the
catalog is Poisson(signatures @ exposures). The scorer matches extracted signatures to the
planted ones by the Hungarian algorithm on cosine similarity and counts a match as a true
positive at cosine >= ``threshold`` (0.90, the usual benchmark threshold).

Two options make cohorts hard the way real ones are:

- ``noise_size``: counts negative binomial with that size instead of Poisson (variance
  mean + mean^2 / size; real PCAWG genomes around their published reconstructions have sizes
  of about 4-16).
- ``relative``: a weight multiple per signature (before each sample's weights are rescaled
  to sum to 1), to plant low-exposure signatures.
- ``hypermutators``: groups of (signatures, share of samples, lowest and highest burden
  multiple). The group's signatures occur only in its samples (as UV signatures occur only in
  melanomas, POLE ones only in POLE-mutant tumours), where they add ``multiple`` x the
  sample's burden (multiple log-uniform between the bounds), split by Dirichlet weights.

:func:`pcawg_cohort` draws a realistic multi-type cohort instead: real PCAWG attributions of the
chosen tumour types as exposures, SynSigGen's per-channel negative-binomial noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class CohortSpec:
    """What to plant: signatures, number of samples, burden and sparsity."""

    name: str
    signatures: tuple[str, ...]
    samples: int
    median_burden: float = 3000.0
    burden_sigma: float = 0.8
    presence: float = 0.6
    seed: int = 0
    noise_size: float = 0.0
    relative: tuple[float, ...] = ()
    hypermutators: tuple[tuple[tuple[str, ...], float, float, float], ...] = ()


@dataclass(frozen=True)
class Cohort:
    """A planted cohort: counts (96, n), true signatures (96, k), true exposures (k, n)."""

    spec: CohortSpec
    catalog: pd.DataFrame
    signatures: pd.DataFrame
    exposures: pd.DataFrame


def cosmic_sbs96() -> pd.DataFrame:
    """COSMIC v3.6 SBS96 (GRCh37) signatures, contexts as rows in sigforge's order."""
    path = resources.files("sigforge.genomics.data") / "COSMIC_v3.6_SBS96_GRCh37.tsv"
    with resources.as_file(path) as local:
        return pd.read_csv(local, sep="\t", index_col=0)


def plant_cohort(spec: CohortSpec, reference: pd.DataFrame | None = None) -> Cohort:
    """Draw a cohort as described in the module docstring (deterministic from ``spec.seed``)."""
    reference = cosmic_sbs96() if reference is None else reference
    missing = [s for s in spec.signatures if s not in reference.columns]
    if missing:
        raise ValueError(f"signatures {missing} are not in COSMIC v3.6 SBS96.")
    rng = np.random.default_rng(spec.seed)
    W = reference.loc[:, list(spec.signatures)].to_numpy(dtype=np.float64)
    W = W / W.sum(axis=0, keepdims=True)
    k, n = W.shape[1], spec.samples
    hyper = {name for group in spec.hypermutators for name in group[0]}
    ordinary = np.array([name not in hyper for name in spec.signatures])
    present = (rng.random((k, n)) < spec.presence) & ordinary[:, None]
    present[rng.choice(np.flatnonzero(ordinary), size=n), np.arange(n)] = True
    weights = rng.dirichlet(np.ones(k), size=n).T * present
    if spec.relative:
        weights *= np.asarray(spec.relative, dtype=np.float64)[:, None]
    weights /= weights.sum(axis=0, keepdims=True)
    burden = np.exp(np.log(spec.median_burden) + spec.burden_sigma * rng.standard_normal(n))
    H = weights * burden
    free = rng.permutation(n) if spec.hypermutators else np.arange(0)
    for names, share, low, high in spec.hypermutators:
        chosen, free = free[:max(1, round(share * n))], free[max(1, round(share * n)):]
        rows = [spec.signatures.index(name) for name in names]
        multiple = np.exp(rng.uniform(np.log(low), np.log(high), size=chosen.size))
        split = rng.dirichlet(np.ones(len(rows)), size=chosen.size).T
        H[np.ix_(rows, chosen)] = split * (multiple * burden[chosen])
    mean = W @ H
    if spec.noise_size > 0:
        mean = rng.gamma(spec.noise_size, np.maximum(mean, 1e-12) / spec.noise_size)
    counts = rng.poisson(mean).astype(np.float64)
    samples = [f"{spec.name}_{j:04d}" for j in range(n)]
    names = list(spec.signatures)
    return Cohort(spec,
                  pd.DataFrame(counts, index=reference.index, columns=samples),
                  pd.DataFrame(W, index=reference.index, columns=names),
                  pd.DataFrame(H, index=names, columns=samples))


@dataclass(frozen=True)
class PcawgSpec:
    """A multi-type cohort drawn from the published PCAWG attributions (:func:`pcawg_cohort`)."""

    name: str
    types: tuple[str, ...]
    per_type: int
    seed: int = 0
    noise_size: float = 10.0

    @property
    def samples(self) -> int:
        """Tumours in the cohort."""
        return self.per_type * len(self.types)


def pcawg_cohort(spec: PcawgSpec, reference: pd.DataFrame | None = None) -> Cohort:
    """Tumours whose exposures are real PCAWG attributions of their types, as SynSigGen builds
    realistic discovery benchmarks.

    Each tumour resamples a genome of its type from the published SigProfiler attributions
    (``../shared/data/real``, see :mod:`refit_cohorts`), jitters each exposure log-normally
    (sd 0.25), and draws every channel of every signature's partial spectrum negative binomial
    with size ``noise_size`` (SynSigGen's noise). So signatures co-occur, and reach the
    burdens, they do in real tumours of those types, rare ones included. The planted
    signatures are those with at least one realised mutation; the exposures are the realised
    counts. Deterministic from ``spec.seed``.
    """
    import refit_cohorts as rc  # the attributions reader; imported here, needs the real data

    reference = cosmic_sbs96() if reference is None else reference
    rng = np.random.default_rng(spec.seed)
    table = rc.attributions("SBS96")
    truths = {}
    for tumour_type in spec.types:
        rows = table[table["type"] == tumour_type].drop(columns="type")
        rows = rows[rows.sum(axis=1) > 0]
        for i, source in enumerate(rng.choice(rows.index, size=spec.per_type)):
            exposure = rows.loc[source].to_numpy(dtype=float)
            exposure = exposure * rng.lognormal(0.0, 0.25, size=exposure.shape)
            truths[f"{tumour_type}_{i:04d}"] = pd.Series(exposure, index=rows.columns)
    truth = pd.DataFrame(truths).fillna(0.0)
    truth = truth.reindex(reference.columns).fillna(0.0)
    counts, realised = rc.partial_noise_counts(reference, truth, rng, spec.noise_size)
    keep = counts.sum(axis=0) > 0
    planted = realised.index[realised.loc[:, keep].sum(axis=1) > 0]
    W = reference[planted].to_numpy(dtype=np.float64)
    return Cohort(spec, counts.loc[:, keep].astype(np.float64),
                  pd.DataFrame(W / W.sum(axis=0), index=reference.index, columns=planted),
                  realised.loc[planted, keep])


@dataclass(frozen=True)
class Score:
    """Accuracy of one discovery against the planted truth."""

    true_positives: int
    false_positives: int
    false_negatives: int
    mean_matched_cosine: float
    min_matched_cosine: float
    matches: pd.DataFrame


def score_signatures(found: pd.DataFrame, truth: pd.DataFrame,
                     threshold: float = 0.90) -> Score:
    """Hungarian-match found signatures (96, k') to the truth (96, k) by cosine similarity.

    A matched pair at cosine >= ``threshold`` is a true positive; unmatched or
    below-threshold found signatures are false positives, unrecovered truths false negatives.
    ``mean_matched_cosine`` averages over the true positives (NaN without any).
    """
    a = found.to_numpy(dtype=np.float64)
    b = truth.loc[found.index].to_numpy(dtype=np.float64)
    a = a / np.maximum(np.linalg.norm(a, axis=0, keepdims=True), 1e-300)
    b = b / np.maximum(np.linalg.norm(b, axis=0, keepdims=True), 1e-300)
    cosine = a.T @ b
    rows, cols = linear_sum_assignment(-cosine)
    matched = cosine[rows, cols]
    table = pd.DataFrame({"found": found.columns[rows], "truth": truth.columns[cols],
                          "cosine": matched})
    hits = matched >= threshold
    tp = int(hits.sum())
    return Score(tp, found.shape[1] - tp, truth.shape[1] - tp,
                 float(matched[hits].mean()) if tp else float("nan"),
                 float(matched[hits].min()) if tp else float("nan"), table)


def spe_matrix(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog as SigProfilerExtractor's text input wants it (``MutationType`` first)."""
    frame = catalog.astype(np.int64).copy()
    frame.index.name = "MutationType"
    return frame

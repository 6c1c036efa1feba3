"""Clustering of replicate factorisations into stable components.

Input: the bases of R replicate factorisations at one rank k, shape (R, m, k). Output: k
clusters with exactly one member from every replicate, found by a k-means-like loop whose
assignment step is a Hungarian matching of each replicate's k components to the k centroids
(cosine distance). Stability of a component is the mean silhouette of its members.

The coefficients give a second, sample-side view (Brunet et al., PNAS 101:4164, 2004): each
replicate assigns every sample to its largest component; the consensus matrix is how often
two samples share a component, and its cophenetic correlation measures how cleanly the
samples fall into k groups across replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigforge._maths import unit_vectors
from sigforge._types import FloatArray

_MAX_ROUNDS = 100


@dataclass(frozen=True)
class Consensus:
    """Consensus of R replicate bases at rank k.

    Attributes
    ----------
    signatures : ndarray, shape (m, k)
        Mean of each cluster's L1-normalised members, columns summing to 1, ordered by
        decreasing stability (ties by first appearance).
    stability : ndarray, shape (k,)
        Mean cosine silhouette of each cluster's members (1 = tight and well separated).
        For k = 1 silhouettes are undefined; stability is then 1 - mean cosine distance of
        the members to the centroid.
    spread : ndarray, shape (k,)
        Mean cosine distance of the members to their consensus.
    assignment : ndarray of int, shape (R, k)
        ``assignment[r, j]`` is the cluster (in output order) of replicate r's component j.
    """

    signatures: FloatArray
    stability: FloatArray
    spread: FloatArray
    assignment: np.ndarray


def _match_to_centroids(units: FloatArray, centroids: FloatArray) -> np.ndarray:
    """Hungarian assignment of each replicate's components to centroids; (R, k) cluster ids."""
    from scipy.optimize import linear_sum_assignment  # here: jobs that never cluster skip it

    assignment = np.empty(units.shape[::2], dtype=np.int64)
    for r, replicate in enumerate(units):
        cost = 1.0 - replicate.T @ centroids
        rows, cols = linear_sum_assignment(cost)
        assignment[r, rows] = cols
    return assignment


def _centroids(units: FloatArray, assignment: np.ndarray, k: int) -> FloatArray:
    """Unit-norm mean direction of each cluster's members, shape (m, k)."""
    m = units.shape[1]
    sums = np.zeros((m, k))
    for r in range(units.shape[0]):
        sums[:, assignment[r]] += units[r]
    return unit_vectors(sums)


def cluster_replicates(W: FloatArray, objective: FloatArray) -> Consensus:
    """Cluster replicate bases into k components, one member per replicate.

    Parameters
    ----------
    W : ndarray, shape (R, m, k)
        Nonnegative bases of R replicates (R >= 2).
    objective : ndarray, shape (R,)
        Final objective of each replicate; the best one (lowest, first on ties) seeds the
        centroids, which makes the result independent of replicate order.

    Returns
    -------
    Consensus
    """
    W = np.asarray(W, dtype=np.float64)
    objective = np.asarray(objective, dtype=np.float64)
    if W.ndim != 3:
        raise ValueError(f"W: expected replicate bases of shape (R, m, k), got {W.ndim} "
                         f"dimension(s).")
    R, _, k = W.shape
    if R < 2:
        raise ValueError(f"expected at least 2 replicates to measure stability, got {R}.")
    if objective.shape != (R,):
        raise ValueError(f"objective: expected one value per replicate, shape ({R},), got "
                         f"{objective.shape}.")
    if not (np.isfinite(W).all() and (W >= 0).all()):
        raise ValueError("W: expected finite nonnegative bases; it holds NaN, infinity or a "
                         "negative value.")
    units = unit_vectors(np.asarray(W, dtype=np.float64))
    centroids = units[int(np.argmin(objective))]
    assignment = _match_to_centroids(units, centroids)
    for _ in range(_MAX_ROUNDS):
        centroids = _centroids(units, assignment, k)
        updated = _match_to_centroids(units, centroids)
        if np.array_equal(updated, assignment):
            break
        assignment = updated
    return _summarise(W, units, assignment, k)


def _summarise(W: FloatArray, units: FloatArray, assignment: np.ndarray, k: int) -> Consensus:
    """Consensus signatures, stability and spread from a final assignment."""
    members = units.transpose(0, 2, 1).reshape(-1, units.shape[1])
    labels = assignment.reshape(-1)
    l1 = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-300)
    flat_l1 = l1.transpose(0, 2, 1).reshape(-1, W.shape[1])
    signatures = np.stack([flat_l1[labels == c].mean(axis=0) for c in range(k)], axis=1)
    totals = signatures.sum(axis=0, keepdims=True)
    signatures /= np.where(totals > 0, totals, 1.0)  # a component every replicate left empty
    #                                                   stays zero (it was NaN)
    centre = unit_vectors(signatures)
    distance = 1.0 - (members @ centre)[np.arange(labels.size), labels]
    spread = np.array([distance[labels == c].mean() for c in range(k)])
    if k == 1:
        stability = 1.0 - spread
    else:
        from sklearn.metrics import silhouette_samples  # deferred: sklearn takes 0.4 s to import

        silhouettes = silhouette_samples(members, labels, metric="cosine")
        stability = np.array([silhouettes[labels == c].mean() for c in range(k)])
    order = np.argsort(-stability, kind="stable")
    rank_of = np.empty(k, dtype=np.int64)
    rank_of[order] = np.arange(k)
    return Consensus(signatures[:, order], stability[order], spread[order], rank_of[assignment])


#: Samples above which the (n x n) consensus matrix is not formed (it needs 8 n^2 bytes).
MAX_CONSENSUS_SAMPLES = 5000


def consensus_matrix(H: FloatArray) -> FloatArray:
    """Brunet consensus matrix: the share of replicates in which two samples' largest
    component is the same.

    Parameters
    ----------
    H : ndarray, shape (R, k, n)
        Coefficients of R replicates (columns of the bases normalised to sum to 1, so that the
        coefficients are comparable across components).

    Returns
    -------
    ndarray, shape (n, n), values in [0, 1], ones on the diagonal
    """
    R, k, n = H.shape
    labels = H.argmax(axis=1)  # (R, n)
    one_hot = np.zeros((n, R * k))
    one_hot[np.arange(n)[None, :], labels + k * np.arange(R)[:, None]] = 1.0
    result: FloatArray = one_hot @ one_hot.T / R
    return result


def cophenetic_correlation(H: FloatArray) -> float:
    """Cophenetic correlation of the consensus matrix under average linkage (Brunet 2004).

    1 means every replicate splits the samples into the same groups. NaN when it is undefined:
    fewer than 3 samples, k = 1 (every sample in one group), more than
    :data:`MAX_CONSENSUS_SAMPLES` samples, or a tree whose distances are all equal (no
    variance to correlate: scipy's division by zero, whose warning is kept off the terminal).
    """
    from scipy.cluster.hierarchy import cophenet, linkage
    from scipy.spatial.distance import squareform

    R, k, n = H.shape
    if k == 1 or n < 3 or n > MAX_CONSENSUS_SAMPLES:
        return float("nan")
    distance = squareform(1.0 - consensus_matrix(H), checks=False)
    if not distance.any():
        return 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation, _ = cophenet(linkage(distance, method="average"), distance)
    return float(correlation)


@dataclass(frozen=True)
class Gap:
    """Gap statistic of the pooled replicate components at one rank.

    Attributes
    ----------
    gap : ndarray, shape (C,)
        ``gap[c - 1]`` = mean log within-cluster dispersion of the null sets minus that of the
        pooled components, for c = 1 .. C clusters.
    sd : ndarray, shape (C,)
        Standard deviation of the null log dispersions, times sqrt(1 + 1/B).
    clusters : int
        Tibshirani's choice: the smallest c with ``gap[c] >= gap[c + 1] - sd[c + 1]``; C when
        none qualifies (the data support at least C clusters).
    """

    gap: FloatArray
    sd: FloatArray
    clusters: int


def _log_dispersion(points: FloatArray, max_clusters: int) -> FloatArray:
    """log W_c for c = 1..max_clusters under average-linkage cosine clustering.

    W_c is the sum over clusters of the within-cluster sum of pairwise cosine distances divided
    by twice the cluster size (Tibshirani, Walther and Hastie, JRSS B 63:411, 2001).
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    distances = pdist(points, metric="cosine")
    square = squareform(distances, checks=False)
    tree = linkage(distances, method="average")
    result = np.empty(max_clusters)
    for c in range(1, max_clusters + 1):
        labels = fcluster(tree, c, criterion="maxclust")
        total = 0.0
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            total += square[np.ix_(members, members)].sum() / (2.0 * members.size)
        result[c - 1] = np.log(max(total, 1e-300))
    return result


def _uniform_null(points: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Points drawn uniformly in the per-feature range of ``points``, scaled to unit norm."""
    low, high = points.min(axis=0), points.max(axis=0)
    draws = low + (high - low) * rng.random(points.shape)
    return unit_vectors(draws, axis=1)


def gap_statistic(W: FloatArray, rng: np.random.Generator, *, n_null: int = 20,
                  max_clusters: int | None = None) -> Gap:
    """Gap statistic of the R x k pooled replicate components of one rank.

    The pooled components (unit-norm columns of all replicates' bases) are clustered by
    average-linkage cosine clustering into c = 1..C groups (C = k + 1 by default); their
    within-cluster dispersion is compared with that of ``n_null`` reference sets drawn
    uniformly in the components' per-feature range. A rank whose replicates reproduce k
    distinct components supports at least k clusters (``clusters >= k``); an over-split rank,
    whose extra components fall differently in every replicate, supports fewer.

    Parameters
    ----------
    W : ndarray, shape (R, m, k)
    rng : numpy Generator
        Source of the null sets (keyed by seed, catalog and k by the caller).
    """
    R, m, k = W.shape
    points = unit_vectors(np.asarray(W, dtype=np.float64)).transpose(0, 2, 1).reshape(-1, m)
    clusters = min(k + 1 if max_clusters is None else max_clusters, points.shape[0] - 1)
    if clusters < 1 or n_null < 2:
        raise ValueError(f"expected at least 2 pooled components and 2 null sets, got "
                         f"{points.shape[0]} and {n_null}.")
    observed = _log_dispersion(points, clusters)
    null = np.stack([_log_dispersion(_uniform_null(points, rng), clusters)
                     for _ in range(n_null)])
    gap = null.mean(axis=0) - observed
    sd = null.std(axis=0) * np.sqrt(1.0 + 1.0 / n_null)
    chosen = next((c for c in range(1, clusters) if gap[c - 1] >= gap[c] - sd[c]), clusters)
    return Gap(gap, sd, int(chosen))

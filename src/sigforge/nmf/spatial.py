"""Spatial NMF: samples with coordinates, a k-nearest-neighbour graph, the NMF graph penalty.

Spots of a spatial assay (or any samples placed in space) that lie close together tend to share
their exposures. :func:`knn_graph` links each sample to its nearest neighbours, and
:func:`fit_spatial_nmf` passes that graph to the NMF engine's graph penalty
``graph_weight * tr(H L H^T) / 2`` (L the graph Laplacian; Cai et al., TPAMI 2011), which pulls the
exposures of neighbouring samples together. Generic: coordinates are plain numbers.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sigforge._types import FloatArray
from sigforge._validation import check_nonnegative_matrix, check_rank
from sigforge.io import InputError, read_table
from sigforge.nmf._batch import normalise_factors
from sigforge.nmf._checks import MAX_VALUE, as_float_array, check_count, check_real
from sigforge.nmf._init import initialise
from sigforge.nmf._solvers import FitOptions, FitResult, fit_nmf, penalised_objective


def knn_graph(coordinates: FloatArray, n_neighbors: int = 6) -> FloatArray:
    """Symmetric 0/1 adjacency (n, n) linking each sample to its ``n_neighbors`` nearest ones.

    A link exists when either sample is among the other's nearest neighbours (the union), so the
    graph is symmetric as the penalty requires. No self-links.

    Parameters
    ----------
    coordinates : ndarray, shape (n, d)
    n_neighbors : int, default=6

    Raises
    ------
    ValueError
        Non-finite or huge (above 1e100) coordinates, or ``n_neighbors`` outside 1..n-1.
    """
    points = as_float_array(coordinates, "coordinates", 2)
    if not np.isfinite(points).all():
        raise ValueError(f"coordinates: expected a finite (n, d) array, got NaN or infinity "
                         f"(shape {points.shape}).")
    largest = float(np.abs(points).max())
    if largest > MAX_VALUE:
        raise ValueError(f"coordinates: expected |values| <= {MAX_VALUE:g}, got {largest:g}; "
                         "squared distances would overflow float64. Rescale the coordinates.")
    n = points.shape[0]
    n_neighbors = check_count(n_neighbors, "n_neighbors", 1)
    if not 1 <= n_neighbors < n:
        raise ValueError(f"n_neighbors={n_neighbors} is impossible with {n} samples: expected "
                         f"1 <= n_neighbors <= {n - 1}.")
    from scipy.sparse import coo_matrix  # here, not at import: only spatial runs need them
    from scipy.spatial import cKDTree

    _, nearest = cKDTree(points).query(points, k=n_neighbors + 1)
    # Drop each sample from its own list by index, not by position: with coincident points
    # (or distances that underflow to 0) the sample itself need not come first.
    cols = np.concatenate([row[row != i][:n_neighbors] for i, row in enumerate(nearest)])
    rows = np.repeat(np.arange(n), n_neighbors)
    directed = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)).toarray()
    adjacency = np.maximum(directed, directed.T)
    np.fill_diagonal(adjacency, 0.0)
    return adjacency


def _check_same_samples(X: object, coordinates: object) -> None:
    """When X has sample labels (a DataFrame's columns) and the coordinates row labels,
    refuse labels that differ or come in another order: rows are paired with samples by
    position, so shuffled coordinates built the graph of other neighbours without a word."""
    columns, rows = getattr(X, "columns", None), getattr(coordinates, "index", None)
    if columns is None or rows is None or list(columns) == list(rows):
        return
    same = len(columns) == len(rows) and set(columns) == set(rows)
    raise ValueError("coordinates: " + (
        "its rows are X's samples in another order; align them with "
        "coordinates.loc[X.columns]." if same else
        f"its row labels are not X's sample columns ({list(rows)[:3]}... against "
        f"{list(columns)[:3]}...); give one row per column of X, in X's order."))


def fit_spatial_nmf(X: FloatArray, k: int, coordinates: FloatArray, *, n_neighbors: int = 6,
                    graph_weight: float = 0.1, beta: float = 1.0, rounds: int = 20,
                    iterations_per_round: int = 100, tol: float = 1e-6,
                    rng: np.random.Generator | int | None = None) -> FitResult:
    """NMF of X (features, samples) with the exposures smoothed over the samples' kNN graph.

    The penalty acts on H alone, and W H = (W c)(H / c): left free, the updates could shrink the
    penalty by moving scale from H into W. So the fit runs in rounds of multiplicative updates
    and rescales W's columns to sum 1 between rounds; H then stays in the data's units (counts
    per sample), which is what ``graph_weight`` is measured against.

    Parameters
    ----------
    X : ndarray, shape (m, n)
    k : int
    coordinates : ndarray, shape (n, d)
        Position of each sample (column of X), by position; a DataFrame beside a DataFrame
        X must list X's columns in X's order.
    n_neighbors : int, default=6
    graph_weight : float, default=0.1
        Strength of the penalty; 0 gives plain NMF from the same start and the same iterations.
    beta : float, default=1.0
        Beta-divergence (1: KL, 2: Frobenius).
    rounds, iterations_per_round : int, default=20, 100
        At most ``rounds`` rounds of ``iterations_per_round`` updates each.
    tol : float, default=1e-6
        The fit stops, converged, after a round that lowers the penalised objective by at most
        this fraction of its value; 0 runs every round.
    rng : seed of the random start

    Returns
    -------
    FitResult
        W (m, k) with columns summing to 1, H (k, n), their penalised objective, the
        iterations run, and whether the rounds converged (``tol``).
    """
    _check_same_samples(X, coordinates)
    values = check_nonnegative_matrix(X, "X")
    points = np.asarray(coordinates, dtype=np.float64)
    if points.shape[0] != values.shape[1]:
        raise ValueError(f"coordinates give {points.shape[0]} samples but X has "
                         f"{values.shape[1]} columns.")
    rounds = check_count(rounds, "rounds", 1)
    iterations_per_round = check_count(iterations_per_round, "iterations_per_round", 1)
    beta = check_real(beta, "beta")
    graph_weight = check_real(graph_weight, "graph_weight", minimum=0.0)
    graph = knn_graph(points, n_neighbors)
    check_rank(check_count(k, "k", 1), *values.shape)
    W, H = initialise(values, k, "random", rng)
    options = FitOptions(beta=beta, graph_weight=graph_weight, max_iter=iterations_per_round,
                         tol=0.0)
    tol = check_real(tol, "tol", minimum=0.0)
    used = graph if graph_weight > 0 else None
    previous, converged, done = np.inf, False, 0
    while done < rounds and not converged:
        fit = fit_nmf(values, W, H, graph=used, options=options)
        W, H = normalise_factors(fit.W, fit.H)
        done += 1
        objective = penalised_objective(values, W, H, graph=used, options=options)
        converged = bool(tol > 0 and previous - objective <= tol * abs(objective))
        previous = objective
    return FitResult(W, H, previous, done * iterations_per_round, converged)


def read_coordinates(path: str | os.PathLike[str], samples: list[str]) -> FloatArray:
    """Coordinates of ``samples`` from a TSV with columns sample, x, y (any order of rows).

    Raises
    ------
    InputError
        Missing columns, non-numeric values, a sample on two rows, or samples without
        coordinates (named).
    """
    table = read_table(path, written_by_sigforge=False, text_index=True)
    missing_columns = [c for c in ("x", "y") if c not in table.columns]
    if missing_columns:
        raise InputError(f"{path}: expected columns sample, x, y; missing {missing_columns}.")
    # sample names are text (as the matrix readers give them): numbered samples too
    table.index = table.index.map(str)
    repeated = table.index[table.index.duplicated()]
    if len(repeated):
        raise InputError(f"{path}: sample '{repeated[0]}' has more than one row; give each "
                         "sample one row of coordinates.")
    samples = [str(sample) for sample in samples]
    absent = [s for s in samples if s not in table.index][:5]
    if absent:
        raise InputError(f"{path}: no coordinates for samples {absent}.")
    coords = table.loc[samples, ["x", "y"]].apply(pd.to_numeric, errors="coerce")
    if coords.isna().any().any():
        bad = coords.index[coords.isna().any(axis=1)][0]
        raise InputError(f"{path}: sample '{bad}': x and y must be numbers.")
    return coords.to_numpy(dtype=np.float64)

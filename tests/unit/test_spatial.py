"""Spatial NMF: the kNN graph, coordinates from a file, and what the penalty does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sigforge.io import InputError
from sigforge.nmf.spatial import fit_spatial_nmf, knn_graph, read_coordinates


@given(arrays(np.float64, st.tuples(st.integers(3, 25), st.just(2)),
              elements=st.floats(-100, 100), unique=True), st.integers(1, 2))
def test_knn_graph_is_symmetric_without_self_links(points: np.ndarray, k: int) -> None:
    graph = knn_graph(points, k)
    np.testing.assert_array_equal(graph, graph.T)
    assert (np.diag(graph) == 0).all() and set(np.unique(graph)) <= {0.0, 1.0}
    assert (graph.sum(axis=1) >= k).all()


def test_knn_graph_links_grid_neighbours() -> None:
    xy = np.array([(i, j) for i in range(4) for j in range(4)], dtype=float)
    graph = knn_graph(xy, 1)
    for a, b in zip(*np.nonzero(graph), strict=True):
        assert np.abs(xy[a] - xy[b]).sum() == 1  # nearest neighbours are one step apart
    with pytest.raises(ValueError, match="n_neighbors=16 is impossible with 16 samples"):
        knn_graph(xy, 16)


def test_penalty_smooths_exposures_over_the_graph(rng: np.random.Generator) -> None:
    xy = np.array([(i, j) for i in range(8) for j in range(8)], dtype=float)
    X = rng.poisson(5.0, size=(10, 64)).astype(float)
    graph = knn_graph(xy, 4)
    laplacian = np.diag(graph.sum(axis=0)) - graph

    def roughness(weight: float) -> float:
        H = fit_spatial_nmf(X, 2, xy, n_neighbors=4, graph_weight=weight, rounds=5,
                            iterations_per_round=50, rng=0).H
        return float(np.trace(H @ laplacian @ H.T) / (H ** 2).sum())

    assert roughness(1.0) < 0.5 * roughness(0.0)


def test_fit_keeps_w_normalised_and_checks_shapes(rng: np.random.Generator) -> None:
    xy = rng.uniform(size=(12, 2))
    fit = fit_spatial_nmf(rng.poisson(3.0, (6, 12)).astype(float), 2, xy, n_neighbors=3,
                          rounds=2, iterations_per_round=10, rng=0)
    np.testing.assert_allclose(fit.W.sum(axis=0), 1.0)
    assert fit.n_iter == 20
    with pytest.raises(ValueError, match="coordinates give 11 samples but X has 12"):
        fit_spatial_nmf(np.ones((6, 12)), 2, xy[:11])


def test_read_coordinates_names_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "xy.tsv"
    path.write_text("sample\tx\ty\ns1\t0\t1\ns2\t2\t3.5\n")
    np.testing.assert_array_equal(read_coordinates(path, ["s2", "s1"]), [[2, 3.5], [0, 1]])
    with pytest.raises(InputError, match="no coordinates for samples \\['s3'\\]"):
        read_coordinates(path, ["s1", "s3"])
    bad = tmp_path / "bad.tsv"
    bad.write_text("sample\tx\ty\ns1\t0\tnorth\n")
    with pytest.raises(InputError, match="sample 's1': x and y must be numbers"):
        read_coordinates(bad, ["s1"])


def test_read_coordinates_of_numbered_repeated_and_empty_files(tmp_path: Path) -> None:
    """Numbered samples (text in the matrix, numbers in pandas' reading of the coordinates)
    were all 'without coordinates'; a sample on two rows gave more coordinates than samples;
    an empty file was called a damaged file of sigforge's own."""
    path = tmp_path / "xy.tsv"
    path.write_text("sample\tx\ty\n101\t0\t1\n102\t2\t3\n")
    np.testing.assert_array_equal(read_coordinates(path, ["102", "101"]), [[2, 3], [0, 1]])
    path.write_text("sample\tx\ty\na\t0\t0\na\t9\t9\nb\t1\t0\n")
    with pytest.raises(InputError, match="sample 'a' has more than one row"):
        read_coordinates(path, ["a", "b"])
    path.write_text("")
    with pytest.raises(InputError, match="cannot be read as a tab-separated table") as error:
        read_coordinates(path, ["a"])
    assert "sigforge wrote this file" not in str(error.value)


def test_the_rounds_stop_once_the_objective_settles() -> None:
    """The fit ran every round and always reported converged=False (its rounds had tol 0)."""
    from sigforge.nmf.spatial import fit_spatial_nmf

    rng = np.random.default_rng(2)
    W = rng.dirichlet(np.ones(12), 2).T
    coords = rng.uniform(0, 10, (40, 2))
    H = np.vstack([coords[:, 0] * 20, (10 - coords[:, 0]) * 20])
    X = rng.poisson(W @ H).astype(float)
    settled = fit_spatial_nmf(X, 2, coords, rng=0, rounds=200, tol=1e-6)
    assert settled.converged and settled.n_iter < 200 * 100
    every = fit_spatial_nmf(X, 2, coords, rng=0, rounds=3, tol=0.0)
    assert not every.converged and every.n_iter == 300
    short = fit_spatial_nmf(X, 2, coords, rng=0, rounds=2, tol=1e-6)
    first_two = fit_spatial_nmf(X, 2, coords, rng=0, rounds=2, tol=0.0)
    np.testing.assert_array_equal(short.H, first_two.H)  # the same rounds, then a stop
    assert settled.objective <= every.objective

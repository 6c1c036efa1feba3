"""The shared cosine helpers: one zero-vector convention, and the same bits as the formulas
they replaced (the outputs of the refit and discovery must not change)."""

from __future__ import annotations

import numpy as np
import pytest

from sigforge._maths import cosine_similarity, pairwise_cosine, unit_vectors


def test_zero_vectors_have_cosine_zero_everywhere() -> None:
    zero, x = np.zeros(4), np.array([1.0, 2.0, 0.0, 1.0])
    assert float(cosine_similarity(zero, x)) == 0.0
    assert float(cosine_similarity(zero, zero)) == 0.0
    matrix = np.column_stack([x, zero])
    assert cosine_similarity(x, matrix).tolist() == [pytest.approx(1.0), 0.0]
    assert cosine_similarity(matrix, matrix).tolist() == [pytest.approx(1.0), 0.0]
    np.testing.assert_array_equal(pairwise_cosine(matrix, matrix)[1], [0.0, 0.0])
    np.testing.assert_array_equal(unit_vectors(matrix)[:, 1], zero)


def test_shapes_vector_matrix_and_matching_columns() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.uniform(size=(6, 3)), rng.uniform(size=(6, 3))
    by_column = cosine_similarity(a, b)
    assert by_column.shape == (3,)
    np.testing.assert_allclose(by_column, np.diag(pairwise_cosine(a, b)), rtol=1e-12)
    np.testing.assert_allclose(cosine_similarity(a[:, 0], b), cosine_similarity(b, a[:, 0]))
    with pytest.raises(ValueError, match="same m"):
        cosine_similarity(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="same shape"):
        cosine_similarity(np.ones((3, 2)), np.ones((3, 4)))


def test_same_bits_as_the_formulas_it_replaced() -> None:
    rng = np.random.default_rng(1)
    counts, model = rng.poisson(5.0, 96).astype(float), rng.uniform(size=(96, 7))
    norms = np.linalg.norm(model, axis=0) * np.linalg.norm(counts)
    np.testing.assert_array_equal(cosine_similarity(counts, model), counts @ model / norms)
    a, b = rng.uniform(size=(96, 5)), rng.uniform(size=(96, 5))
    columns = (a * b).sum(axis=0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0))
    np.testing.assert_array_equal(cosine_similarity(a, b), columns)
    unit_a = a / np.maximum(np.linalg.norm(a, axis=0), 1e-300)
    unit_b = b / np.maximum(np.linalg.norm(b, axis=0), 1e-300)
    np.testing.assert_array_equal(pairwise_cosine(a, b), unit_a.T @ unit_b)

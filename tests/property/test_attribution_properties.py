"""Per-mutation attribution on generated models: a distribution per mutation, zero for unused
signatures, blind to the exposures' scale, and an explicit fallback where the fit is silent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sigforge.refit import attribute_mutations, channel_probabilities

pytestmark = pytest.mark.slow

# Values with exact zeros often, so that unused signatures and unproducible channels occur.
_value = st.one_of(st.just(0.0), st.floats(1e-6, 1e3, allow_nan=False, allow_infinity=False))


@st.composite
def models(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signatures (m, k), exposures (k,), channels (n,)) with m <= 12, k <= 6, n <= 30."""
    m, k = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    signatures = draw(arrays(np.float64, (m, k), elements=_value))
    exposures = draw(arrays(np.float64, (k,), elements=_value))
    channels = draw(arrays(np.int64, draw(st.integers(0, 30)), elements=st.integers(0, m - 1)))
    return signatures, exposures, channels


@given(models())
def test_rows_are_distributions(model: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    signatures, exposures, channels = model
    result = attribute_mutations(signatures, exposures, channels)
    assert result.probabilities.shape == (len(channels), signatures.shape[1])
    assert (result.probabilities >= 0).all()
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    model_at = (signatures * exposures).sum(axis=1)[channels]
    np.testing.assert_array_equal(result.explained, model_at > 0)


@given(models())
def test_zero_exposure_signatures_get_nothing_where_the_model_is_positive(
        model: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    signatures, exposures, channels = model
    result = attribute_mutations(signatures, exposures, channels)
    unused = exposures == 0
    assert (result.probabilities[result.explained][:, unused] == 0).all()


@given(models(), st.floats(1e-3, 1e3))
def test_invariant_to_the_scale_of_the_exposures(
        model: tuple[np.ndarray, np.ndarray, np.ndarray], scale: float) -> None:
    signatures, exposures, channels = model
    base = attribute_mutations(signatures, exposures, channels)
    scaled = attribute_mutations(signatures, exposures * scale, channels)
    np.testing.assert_allclose(scaled.probabilities, base.probabilities, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(scaled.explained, base.explained)


@given(models())
def test_unexplained_channels_fall_back_to_the_signatures_weights(
        model: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    signatures, exposures, _ = model
    probabilities, explained = channel_probabilities(signatures, exposures)
    k = signatures.shape[1]
    for c in np.flatnonzero(~explained):
        row = signatures[c]
        expected = row / row.sum() if row.sum() > 0 else np.full(k, 1.0 / k)
        np.testing.assert_allclose(probabilities[c], expected, rtol=1e-12)


def test_all_zero_exposures_are_flagged_not_dropped() -> None:
    signatures = np.array([[0.5, 0.0], [0.5, 1.0]])
    result = attribute_mutations(signatures, [0.0, 0.0], [0, 1, 1])
    assert not result.explained.any()
    np.testing.assert_allclose(result.probabilities, [[1, 0], [1 / 3, 2 / 3], [1 / 3, 2 / 3]])


@pytest.mark.parametrize(("signatures", "exposures", "channels", "message"), [
    (np.ones((3, 2)), [1.0], [0], "exposures: expected shape (2,)"),
    (np.ones((3, 2)), [1.0, -1.0], [0], "nonnegative"),
    (np.ones((3, 0)), [], [0], "at least one signature"),
    (np.ones((3, 2)), [1.0, 1.0], [3], "indices must lie in [0, 3)"),
    (np.ones((3, 2)), [1.0, 1.0], [0.5], "integer indices"),
])
def test_bad_input_is_named(signatures: np.ndarray, exposures: list[float],
                            channels: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[")):
        attribute_mutations(signatures, exposures, channels)


@given(st.lists(st.tuples(st.sampled_from(["chr1", "1", "chr2"]), st.integers(1, 60)),
                max_size=40),
       st.lists(st.tuples(st.sampled_from(["chr1", "chr2", "chrX"]), st.integers(0, 55),
                          st.integers(1, 12)), max_size=15))
def test_variants_in_regions_matches_a_brute_force_scan(
        variants: list[tuple[str, int]], spans: list[tuple[str, int, int]]) -> None:
    """Every (region, variant) pair whose 1-based POS lies in the 0-based half-open region,
    contigs compared through the aliases, ordered by region then variant; overlapping and
    repeated regions and variants included."""
    import pandas as pd

    from sigforge.genomics.regions import variants_in_regions

    aliases = {"1": "chr1", "chr1": "chr1", "chr2": "chr2"}
    regions = pd.DataFrame({"chrom": [c for c, _, _ in spans],
                            "start": [s for _, s, _ in spans],
                            "end": [s + n for _, s, n in spans]})
    hits = variants_in_regions(pd.Series([c for c, _ in variants], dtype=object),
                               pd.Series([p for _, p in variants], dtype=np.int64), regions,
                               aliases.get)
    expected = [[r, v] for r, (rc, start, n) in enumerate(spans)
                for v, (vc, pos) in enumerate(variants)
                if aliases.get(vc, vc) == aliases.get(rc, rc) and start < pos <= start + n]
    assert hits.to_numpy().tolist() == expected


@given(st.lists(st.tuples(st.sampled_from(["chr1", "chr2"]), st.integers(1, 60),
                          st.integers(0, 9)), max_size=40),
       st.lists(st.tuples(st.sampled_from(["chr1", "chr2"]), st.integers(0, 55),
                          st.integers(1, 12)), max_size=15))
def test_variants_reaching_into_regions_match_a_brute_force_scan(
        variants: list[tuple[str, int, int]], spans: list[tuple[str, int, int]]) -> None:
    """With each variant's last reference base (a deletion's), a variant is in a region when
    any base of POS..last is: a deletion starting before a region and reaching into it
    included, one ending just before it not."""
    import pandas as pd

    from sigforge.genomics.regions import variants_in_regions

    regions = pd.DataFrame({"chrom": [c for c, _, _ in spans],
                            "start": [s for _, s, _ in spans],
                            "end": [s + n for _, s, n in spans]})
    hits = variants_in_regions(pd.Series([c for c, _, _ in variants], dtype=object),
                               pd.Series([p for _, p, _ in variants], dtype=np.int64), regions,
                               lambda name: name,
                               last=pd.Series([p + k for _, p, k in variants], dtype=np.int64))
    expected = [[r, v] for r, (rc, start, n) in enumerate(spans)
                for v, (vc, pos, k) in enumerate(variants)
                if vc == rc and any(start < base <= start + n for base in range(pos, pos + k + 1))]
    assert hits.to_numpy().tolist() == expected

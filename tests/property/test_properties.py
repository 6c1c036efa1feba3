"""Property tests: parsers, classification and solvers on generated inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sigforge.genomics.contexts import (
    SBS96_INDEX,
    normalise_sbs96_label,
    reverse_complement,
    sbs96_label,
)
from sigforge.nmf import fit_kl_mu_batched, random_init
from sigforge.refit import fit_exposures

pytestmark = pytest.mark.slow
bases = st.sampled_from("ACGT")


@given(st.tuples(bases, bases, bases), bases)
def test_strand_symmetry_of_sbs96(context: tuple[str, str, str], alt: str) -> None:
    """A variant and its reverse complement fall in the same channel."""
    trinucleotide = "".join(context)
    if alt == trinucleotide[1]:
        return
    label = sbs96_label(trinucleotide, alt)
    assert label in SBS96_INDEX
    assert sbs96_label(reverse_complement(trinucleotide), reverse_complement(alt)) == label


@given(st.sampled_from(sorted(SBS96_INDEX)))
def test_every_label_style_round_trips(label: str) -> None:
    five, ref, alt, three = label[0], label[2], label[4], label[6]
    assert normalise_sbs96_label(f"{five}{ref}{three}>{five}{alt}{three}") == label
    assert normalise_sbs96_label(f"{ref}>{alt}:{five}{ref}{three}") == label


matrices = arrays(np.float64, st.tuples(st.integers(4, 12), st.integers(2, 8)),
                  elements=st.integers(0, 40).map(float))


@given(matrices, st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_nmf_outputs_are_nonnegative_and_objective_finite(X: np.ndarray, k: int,
                                                          seed: int) -> None:
    assume(X.any())  # learning from zeros is refused (tests/unit/test_nmf_inputs.py)
    k = min(k, *X.shape)
    W0, H0 = random_init(X, k, np.random.default_rng(seed))
    result = fit_kl_mu_batched(X[None], W0[None], H0[None], max_iter=50, min_iter=0)
    assert (result.W >= 0).all() and (result.H >= 0).all()
    assert np.isfinite(result.objective).all()


@given(matrices, st.integers(0, 2**32 - 1), st.floats(0.5, 20.0))
def test_refit_is_permutation_invariant_and_linear(X: np.ndarray, seed: int,
                                                   scale: float) -> None:
    rng = np.random.default_rng(seed)
    signatures = rng.uniform(0.0, 1.0, size=(X.shape[0], 3))
    base = fit_exposures(X, signatures)
    perm = rng.permutation(3)
    cols = rng.permutation(X.shape[1])
    np.testing.assert_allclose(fit_exposures(X[:, cols], signatures[:, perm]),
                               base[perm][:, cols], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fit_exposures(X * scale, signatures), base * scale,
                               rtol=1e-6, atol=1e-6 * scale)


@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_catalog_counts_every_pass_snv_once(seed: int, n_variants: int) -> None:
    """Every PASS SNV with a full context is in SBS96, or in a DBS/MNV with its neighbours."""
    import tempfile
    from pathlib import Path

    from tests.conftest import write_fasta, write_vcf

    from sigforge.genomics.catalog import count_sample
    from sigforge.genomics.genome import ReferenceGenome

    rng = np.random.default_rng(seed)
    sequence = "".join(rng.choice(list("ACGT"), size=200))
    positions = np.sort(rng.choice(np.arange(2, 200), size=n_variants, replace=False))
    records = []
    for pos in positions:
        ref = sequence[pos - 1]
        alt = str(rng.choice([b for b in "ACGT" if b != ref]))
        records.append(("chr1", int(pos), ref, alt, str(rng.choice(["PASS", "LowQual"]))))
    with tempfile.TemporaryDirectory() as folder:
        genome = ReferenceGenome(write_fasta(Path(folder) / "g.fa", {"chr1": sequence}))
        result = count_sample(write_vcf(Path(folder) / "s.vcf", records), genome, sample="s")
    passed = sum(record[4] == "PASS" for record in records)
    # adjacent PASS SNVs form DBSs or MNVs: not SBS96, but still accounted for
    grouped = result.skipped["not_requested"] + result.skipped["mnv"]
    assert result.counted + grouped == passed
    assert result.skipped["filtered"] == n_variants - passed
    assert result.variants_read == n_variants

"""Discovery settings and generic matrices a red-team sweep found mishandled: results that
depended on a generic matrix's unit (gmm's floor in mutations, cross-validation's floor in
counts), settings that crashed inside the solver or resampler, and CV settings that left
nothing to fit, each with a library message.

Each test states a fact that was false before its fix.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery.crossval import CVOptions, cross_validate_rank, prediction_floor
from sigforge.discovery.matrix import prepare_joint, prepare_matrix
from sigforge.discovery.normalise import cap_samples
from sigforge.discovery.pipeline import NMFOptions
from sigforge.discovery.resample import MAX_DEPTH, get_resampler
from sigforge.io import InputError
from sigforge.workflow.checks import check_discovery_settings
from tests.robustness._harness import assert_clear_error, run_cli


def _hypermutated(scale: float) -> np.ndarray:
    """12 x 20 real values, sample 0 thirty times the others, all times ``scale``."""
    rng = np.random.default_rng(3)
    data = rng.gamma(2.0, 0.4, size=(12, 20))
    data[:, 0] *= 30
    return data * scale


def test_gmm_capping_of_a_generic_matrix_does_not_depend_on_its_unit() -> None:
    """In mV no sample passed the floor of 9,600 "mutations"; the same matrix x1024 (uV-like)
    capped sample 0 to 0.037 of its total, and the signatures moved by up to 0.048."""
    small, large = cap_samples(_hypermutated(1.0), "gmm", counts=False), \
        cap_samples(_hypermutated(1024.0), "gmm", counts=False)
    assert np.allclose(small.scale, large.scale, rtol=1e-12)
    assert small.scale[0] < 1.0  # the outlying sample is capped in both units
    assert large.threshold == pytest.approx(1024 * small.threshold, rel=1e-12)
    counted = cap_samples(np.round(_hypermutated(1.0)), "gmm")
    assert counted.threshold == 9600.0 and (counted.scale == 1.0).all()  # counts: the floor


def _exact_rank3(scale: float) -> np.ndarray:
    rng = np.random.default_rng(5)
    signatures = rng.gamma(0.3, 1.0, size=(20, 3))
    exposures = rng.gamma(1.0, 50.0, size=(3, 30))
    return signatures @ exposures * scale


def test_cross_validation_ranks_small_valued_data_as_it_ranks_them_in_another_unit() -> None:
    """Every prediction was floored at 0.1: data scaled by 2^-20 scored all ranks alike
    (0.1991387273), and the rank rule's CV fallback chose k = 1 instead of 3."""
    options = CVOptions(folds=2, max_iter=400, normalisation="none", counts=False)
    errors = {k: cross_validate_rank(_exact_rank3(2.0 ** -20), k, [0, 1], seed=1,
                                     matrix_name="m", options=options)["error"].mean()
              for k in (1, 3)}
    assert errors[3] < 0.5 * errors[1]
    counts = np.ones((4, 4))
    assert prediction_floor(counts, 0.1) == 0.1  # count data keep 0.1 counts


def test_settings_that_overflowed_inside_the_solver_or_sampler_are_refused() -> None:
    """``--volume 1e307`` overflowed the penalty to infinity inside the NMF kernel (an
    internal error), and ``scaled:2**63`` gave numpy's bare "n < 0"."""
    with pytest.raises(ValueError, match="--volume: expected --volume between 0 and 1e"):
        NMFOptions(volume=1e307)
    with pytest.raises(ValueError, match="from 1 to 1e"):
        get_resampler(f"scaled:{2 ** 63}")
    get_resampler(f"scaled:{MAX_DEPTH}")
    with pytest.raises(ValueError, match="--cap >= 1 for counts"):
        NMFOptions(cap=0.5)
    assert NMFOptions(cap=0.5, counts=False).cap == 0.5
    with pytest.raises(ValueError, match="--cv-folds 0 .* or at least 2"):
        CVOptions(folds=1)


def test_cross_validation_that_leaves_nothing_to_fit_names_the_option() -> None:
    """Blocks on one sample said "expected 0 < fraction < 1, fold >= 0 and a matrix of at
    least 2 x 2"; a holdout hiding every entry blamed an internal "weights" argument."""
    one = np.ones((96, 1))
    with pytest.raises(ValueError, match="--cv-scheme blocks .* the matrix is 96 x 1"):
        cross_validate_rank(one, 1, [0], seed=1, matrix_name="m",
                            options=CVOptions(scheme="blocks"))
    with pytest.raises(ValueError, match="--cv-holdout 0.999 hides all 180 entries"):
        cross_validate_rank(np.ones((12, 15)), 1, [0], seed=1, matrix_name="m",
                            options=CVOptions(holdout=0.999))


def _write(path: Path, frame: pd.DataFrame) -> str:
    frame.to_csv(path, sep="\t")
    return str(path)


def test_an_all_zero_modality_is_refused(tmp_path: Path) -> None:
    """Its rows were dropped after stacking: the run went on with one modality under a
    joint label, the zero modality in no output."""
    samples = [f"s{i}" for i in range(4)]
    a = _write(tmp_path / "a.tsv", pd.DataFrame(np.arange(1, 13).reshape(3, 4),
                                                index=["a0", "a1", "a2"], columns=samples))
    b = _write(tmp_path / "b.tsv", pd.DataFrame(np.zeros((2, 4)), index=["b0", "b1"],
                                                columns=samples))
    with pytest.raises(InputError, match="modality 'b' .*b.tsv.* holds only zeros"):
        prepare_joint({"a": a, "b": b}, {"a": 1.0, "b": 1.0})


def test_an_all_zero_matrix_is_one_error_without_a_list_of_dropped_rows(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """22 warnings promising a NAME_dropped.tsv came before the error, which wrote none."""
    path = _write(tmp_path / "z.tsv", pd.DataFrame(np.zeros((30, 3)),
                                                   index=[f"f{i}" for i in range(30)],
                                                   columns=["x", "y", "w"]))
    caplog.set_level(logging.WARNING)
    with pytest.raises(InputError, match="0 feature"):
        prepare_matrix(path)
    assert "dropped" not in caplog.text


def test_a_generic_zero_sample_is_named_without_mutation_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``extract --generic`` on a sample of zeros spoke of mutations, the samples sheet and
    catalog_log.tsv."""
    frame = pd.DataFrame(np.arange(1.0, 21.0).reshape(5, 4), index=[f"f{i}" for i in range(5)],
                         columns=["s0", "s1", "s2", "s3"])
    frame["s0"] = 0.0
    path = _write(tmp_path / "m.tsv", frame)
    outcome = run_cli(capsys, "extract", "--catalog", path, "--generic", "--resampling",
                      "scaled:100", "--ranks", "1", "--replicates", "2", "--cv-folds", "0",
                      "--threads", "1", "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "m.tsv", "'s0'", "hold only zeros", "--drop-empty")
    assert "mutation" not in outcome.err and "catalog_log" not in outcome.err


def test_a_signatures_table_given_as_the_catalog_is_named_as_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A COSMIC-like table (each column sums to 1) given to extract was told to round its
    cells to counts or to resample with scaled: advice that would factor signatures."""
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.ones(6), size=3).T
    path = _write(tmp_path / "sigs.tsv", pd.DataFrame(
        table, index=[f"f{i}" for i in range(6)], columns=["SIG1", "SIG2", "SIG3"]))
    outcome = run_cli(capsys, "extract", "--catalog", path, "--generic", "--ranks", "1",
                      "--replicates", "2", "--cv-folds", "0", "--out", str(tmp_path / "o"))
    assert_clear_error(outcome, "sigs.tsv", "every column sums to 1", "refit --signatures")
    assert "Round the catalog" not in outcome.err
    table[0, 0] += 0.5  # a real-valued matrix whose columns do not sum to 1 keeps the advice
    path = _write(tmp_path / "reals.tsv", pd.DataFrame(
        table, index=[f"f{i}" for i in range(6)], columns=["SIG1", "SIG2", "SIG3"]))
    outcome = run_cli(capsys, "extract", "--catalog", path, "--generic", "--ranks", "1",
                      "--replicates", "2", "--cv-folds", "0", "--out", str(tmp_path / "o"))
    assert_clear_error(outcome, "reals.tsv", "Round the catalog")


@pytest.mark.parametrize(("config", "message"), [
    ({"rank": {"cv_folds": 1}}, "key rank.cv_folds: 1 fold has no spread"),
    ({"extract": {"cap": 0.5}}, "key extract.cap: 0.5 is below one mutation"),
])
def test_the_workflow_refuses_discovery_settings_no_job_can_use(
        config: dict, message: str) -> None:
    """The schema allowed them; every replicate or CV job then failed after the catalogs."""
    with pytest.raises(InputError, match=message):
        check_discovery_settings(config)
    for counts in (False, True):  # a generic matrix's cap is in its own unit
        check_discovery_settings({"type": "matrix", "matrix": {"counts": counts},
                                  "extract": {"cap": 0.5}})

"""Cross-validation files whose contents are not what ``cross-validate`` writes.

select-rank's rank rule reads the held-out errors fold by fold; a file with a NaN error made
the CV columns count as missing and silently switched the rule from the CV fallback to the
stability fallback (another rank chosen, exit 0), and a repeated fold or a fractional rank
reached pandas or was truncated. Each case is refused with exit 2, naming the
file and the fix, and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sigforge.cli._run_files import DIGEST_KEY, SETTINGS_KEY
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    run_cli,
    sbs1_sbs13_catalog,
)

FAST = ("--max-iter", "50", "--min-iter", "10", "--seed", "7")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rank folders k1, k2 of a six-sample catalog (four replicates each) and their CV files
    cv1.npz, cv2.npz of three folds."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("cv_contents")
    sbs1_sbs13_catalog(seed=5).to_csv(folder / "catalog.tsv", sep="\t")
    cat = str(folder / "catalog.tsv")
    for k in (1, 2):
        assert main(["-q", "replicates", "--catalog", cat, "--k", str(k), "--first", "0",
                     "--count", "4", *FAST, "--out", str(folder / f"c_k{k}.npz")]) == 0
        assert main(["-q", "consensus", "--catalog", cat, "--k", str(k), "--seed", "7",
                     "--chunks", str(folder / f"c_k{k}.npz"), "--out", str(folder / f"k{k}")]) == 0
        assert main(["-q", "cross-validate", "--catalog", cat, "--k", str(k), *FAST,
                     "--cv-folds", "3", "--cv-max-iter", "50",
                     "--out", str(folder / f"cv{k}.npz")]) == 0
    return folder


def _edited(source: Path, out: Path, strip_records: bool = False, **changes: object) -> Path:
    """A copy of a CV file with arrays replaced (a value of None removes the array)."""
    with np.load(source) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, value in changes.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = np.asarray(value)
    if strip_records:
        arrays = {n: a for n, a in arrays.items() if n not in (SETTINGS_KEY, DIGEST_KEY)}
    np.savez(out, **arrays)
    return out


def _select(capsys: pytest.CaptureFixture[str], run: Path, out: Path, cv: list[Path]):
    return run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k1"), str(run / "k2"),
                   "--cv", *map(str, cv), "--out", str(out))


def test_the_unedited_files_are_read(run: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _select(capsys, run, tmp_path / "sel", [run / "cv1.npz", run / "cv2.npz"]).code == 0
    assert (tmp_path / "sel" / "rank_metrics.tsv").exists()


def _fold_arrays(run: Path) -> dict[str, np.ndarray]:
    with np.load(run / "cv2.npz") as archive:
        return {name: archive[name] for name in ("fold", "error", "train", "converged")}


@pytest.mark.parametrize(("case", "expected"), [
    ("nan_error", "error values"), ("inf_error", "error values"),
    ("negative_error", "error values"), ("nan_train", "train values"),
    ("repeated_fold", "numbered from 0 once each"), ("fold_dropped", "not 3 folds"),
    ("fractional_k", "not a whole number"), ("true_k", "not a whole number"),
    ("short_error", "not one value per fold"), ("float_converged", "not of the types"),
    ("float_folds", "not of the types"), ("one_fold", "numbered from 0 once each"),
    ("skipped", "not cross-validated")])
def test_damaged_cv_contents_are_refused(run: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], case: str,
                                         expected: str) -> None:
    a = _fold_arrays(run)
    error = a["error"].copy()
    changes: dict[str, object] = {
        "nan_error": {"error": np.where(a["fold"] == 1, np.nan, error)},
        "inf_error": {"error": np.where(a["fold"] == 0, np.inf, error)},
        "negative_error": {"error": -error},
        "nan_train": {"train": np.full_like(a["train"], np.nan)},
        "repeated_fold": {"fold": np.array([0, 0, 2])},
        "fold_dropped": {name: value[:2] for name, value in a.items()},
        "fractional_k": {"k": 2.5},
        "true_k": {"k": True},
        "short_error": {"error": error[:2]},
        "float_converged": {"converged": a["converged"].astype(float)},
        "float_folds": {"fold": a["fold"].astype(float)},
        "one_fold": {name: value[:1] for name, value in a.items()},
        "skipped": {"skipped": "no mutations", **{n: v[:0] for n, v in a.items()}},
    }[case]
    edited = _edited(run / "cv2.npz", tmp_path / "cv2.npz", **changes)
    out = tmp_path / "sel"
    outcome = _select(capsys, run, out, [run / "cv1.npz", edited])
    assert_clear_error(outcome, str(edited), expected, "rerun 'cross-validate'")
    assert_nothing_written(out)


def test_files_of_two_fold_counts_are_refused_without_records(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files written before they recorded their settings: the fold counts themselves differ."""
    a = _fold_arrays(run)
    old1 = _edited(run / "cv1.npz", tmp_path / "old1.npz", strip_records=True)
    old2 = _edited(run / "cv2.npz", tmp_path / "old2.npz", strip_records=True,
                   **{name: value[:2] for name, value in a.items()})
    outcome = _select(capsys, run, tmp_path / "sel", [old1, old2])
    assert_clear_error(outcome, str(old2), "3", "same --cv-folds")
    assert_nothing_written(tmp_path / "sel")

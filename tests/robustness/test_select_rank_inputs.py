"""What select-rank reads that another run, an edit or a rename can change unseen: the
contents of the CV files, the tables of the rank folders and their names, and an earlier
stratified run's files in --out.

CV files: select-rank's rank rule reads the held-out errors fold by fold; a file with a NaN
error made the CV columns count as missing and silently switched the rule from the CV fallback
to the stability fallback (another rank chosen, exit 0), and a repeated fold or a fractional
rank reached pandas or was truncated. Each bad case is refused with exit 2, naming the file
and the fix, and writes nothing.
"""

from __future__ import annotations

import json
import shutil
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


# ------------------------------------------------------------------------------------------
# rank folders: tables edited or of another seed, folders renamed, counts missing


def _copies(run: Path, tmp_path: Path) -> tuple[Path, Path]:
    return (Path(shutil.copytree(run / "k1", tmp_path / "k1")),
            Path(shutil.copytree(run / "k2", tmp_path / "k2")))


@pytest.mark.parametrize("name", ["signatures.tsv", "exposures.tsv", "stability.tsv"])
def test_an_edited_rank_table_is_refused(run: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], name: str) -> None:
    """A table whose shape and names still fit (a value changed, as a table of another seed
    would differ) was read as the rank's own."""
    k1, k2 = _copies(run, tmp_path)
    lines = (k2 / name).read_text().splitlines()
    header, first, *rest = lines
    cells = first.split("\t")
    cells[1] = cells[1][:-1] + ("1" if cells[1][-1] != "1" else "2")  # one digit changed
    (k2 / name).write_text("\n".join([header, "\t".join(cells), *rest]) + "\n")
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k1), str(k2), "--out", str(out))
    assert_clear_error(outcome, f"rank folder {k2}", f"{name} is not the table consensus "
                       "wrote", "rerun its replicates and consensus")
    assert_nothing_written(out)


def test_a_rank_folder_under_another_ranks_name_is_refused(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k1 = Path(shutil.copytree(run / "k1", tmp_path / "k1"))
    renamed = Path(shutil.copytree(run / "k2", tmp_path / "k3"))
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k1), str(renamed),
                      "--out", str(out))
    assert_clear_error(outcome, f"--rank-dirs {renamed}", "named as rank 3's holds rank k=2",
                       "rename it k2")
    assert_nothing_written(out)


def test_a_factored_rank_without_its_replicate_count_is_refused(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The provenance recorded --replicates' default (100) for folders of 4 replicates when
    one folder's metrics.json had lost its count."""
    k1, k2 = _copies(run, tmp_path)
    metrics = json.loads((k2 / "metrics.json").read_text())
    del metrics["replicates"]
    (k2 / "metrics.json").write_text(json.dumps(metrics))
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(k1), str(k2), "--out", str(out))
    assert_clear_error(outcome, str(k2 / "metrics.json"), "no 'replicates'")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# an earlier stratified run's files in --out


def test_select_rank_removes_an_earlier_stratified_runs_merge(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """select-rank into the folder of an earlier --groups run left merged.tsv and groups/
    there, and the report then presented the old merged set as this run's."""
    out = tmp_path / "extract"
    (out / "groups" / "g1").mkdir(parents=True)
    (out / "groups" / "g1" / "provenance.json").write_text("{}")
    (out / "merged.tsv").write_text("Signature\tgroups\nSBS96A\tg1\n")
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(run / "k1"), str(run / "k2"),
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert not (out / "merged.tsv").exists()
    assert not (out / "groups").exists()
    assert (out / "provenance.json").is_file()


# ------------------------------------------------------------------------------------------
# the report reads the same records


def _report(capsys: pytest.CaptureFixture[str], root: Path):
    return run_cli(capsys, "report", "--catalog-dir", str(root / "catalogs"), "--extract-dir",
                   str(root / "extract"), "--refit-dir", str(root / "refit"), "--threads",
                   "1", "--out", str(root / "report"))


def test_the_report_refuses_a_rank_folders_edited_signatures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cohort page shows every rank's signatures; an edited k2/signatures.tsv was shown
    as what consensus found."""
    from sigforge.cli._run_files import TABLES_KEY, file_digest
    from sigforge.io import read_json, write_json
    from tests.report_folders import write_run

    write_run(tmp_path, patients=False)
    k2 = tmp_path / "extract/SBS96/k2"
    metrics = read_json(k2 / "metrics.json")
    write_json({**metrics, TABLES_KEY: {"signatures.tsv": file_digest(k2 / "signatures.tsv")}},
               k2 / "metrics.json")
    assert _report(capsys, tmp_path).code == 0
    shutil.rmtree(tmp_path / "report")
    text = (k2 / "signatures.tsv").read_text()
    (k2 / "signatures.tsv").write_text(text.replace("\t0.", "\t0.0", 1))
    outcome = _report(capsys, tmp_path)
    assert_clear_error(outcome, f"rank folder {k2}", "signatures.tsv is not the table")
    assert not (tmp_path / "report").exists()


def test_the_report_refuses_a_merge_table_beside_a_cohort_wide_choice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A merged.tsv of an earlier --groups run made the page present the old merged set."""
    from tests.report_folders import write_run

    write_run(tmp_path, patients=False)
    (tmp_path / "extract/SBS96/merged.tsv").write_text("Signature\tgroups\nSBS96A\tg1\n")
    outcome = _report(capsys, tmp_path)
    assert_clear_error(outcome, "merged.tsv is of an earlier stratified discovery",
                       "provenance.json of a cohort-wide rank choice")
    assert not (tmp_path / "report").exists()


def test_a_catalog_with_its_rows_in_another_order_gives_the_same_refit(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """When the rule leaves a component out, the exposures are refitted to --catalog; one
    whose channel rows are in another order is the same catalog (its digest is taken in the
    rank folders' order) and gives the same bytes."""
    import pandas as pd

    from sigforge.cli import main

    cat = str(run / "catalog.tsv")
    assert main(["-q", "replicates", "--catalog", cat, "--k", "3", "--first", "0", "--count",
                 "4", *FAST, "--out", str(tmp_path / "c_k3.npz")]) == 0
    assert main(["-q", "consensus", "--catalog", cat, "--k", "3", "--seed", "7", "--chunks",
                 str(tmp_path / "c_k3.npz"), "--out", str(tmp_path / "k3")]) == 0
    catalog = pd.read_csv(cat, sep="\t", index_col=0)
    catalog.iloc[::-1].to_csv(tmp_path / "reversed.tsv", sep="\t")
    outs = {}
    for name, path in (("plain", cat), ("reversed", tmp_path / "reversed.tsv")):
        outs[name] = tmp_path / name
        outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(tmp_path / "k3"),
                          "--catalog", str(path), "--drop-below-stability", "0.5",
                          "--out", str(outs[name]))
        assert outcome.code == 0, outcome.err
    provenance = json.loads((outs["plain"] / "provenance.json").read_text())
    assert provenance["dropped_components"], "the case needs a component left out"
    for table in ("signatures.tsv", "exposures.tsv"):
        assert (outs["plain"] / table).read_bytes() == (outs["reversed"] / table).read_bytes()

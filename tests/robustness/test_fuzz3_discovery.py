"""Bad input to the discovery commands found by the third fuzzing round: rank folders of
different catalogs, damaged metrics.json values, group folders whose files are damaged or of
another catalog, group names differing only in case, and an unbounded --cv-folds.

Each bad case asserts exit 2, one message naming the file (and line, column or key) and the
fix, and that nothing was written; the readable cases (a group's signature rows only reordered)
assert the correct result.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli._run_files import TABLES_KEY
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    run_cli,
    sbs1_sbs13_catalog,
)

FAST = ("--replicates", "4", "--max-iter", "50", "--min-iter", "10", "--cv-folds", "0")


def _write(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as TSV; the path."""
    frame.to_csv(path, sep="\t")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog.tsv (6 samples), catalog8.tsv (8 samples), ext/ (ranks 2-3, no groups) and
    grun/ (extract --groups: A = s0-s2, B = s3-s5, rank 2)."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("fuzz3")
    catalog = _write(sbs1_sbs13_catalog(seed=5), folder / "catalog.tsv")
    _write(sbs1_sbs13_catalog(8, seed=5), folder / "catalog8.tsv")
    groups = folder / "groups.tsv"
    groups.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'AB'[i // 3]}\n" for i in range(6)))
    assert main(["-q", "extract", "--catalog", str(catalog), "--ranks", "2-3", *FAST, "--out",
                 str(folder / "ext")]) == 0
    assert main(["-q", "extract", "--catalog", str(catalog), "--ranks", "2", *FAST, "--groups",
                 str(groups), "--out", str(folder / "grun")]) == 0
    return folder


def _copy(runs: Path, name: str, tmp_path: Path) -> Path:
    """A private copy of one of the module's runs, to damage."""
    return Path(shutil.copytree(runs / name, tmp_path / name))


# ------------------------------------------------------------------------------------------
# select-rank: rank folders of different catalogs, damaged metrics.

def _as_its_own_tables(folder: Path) -> None:
    """Drop a rank folder's record of its tables' bytes, so that tables edited here stand for
    a folder whose tables are its own (of another catalog), not for an edited one."""
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics.pop(TABLES_KEY, None)
    (folder / "metrics.json").write_text(json.dumps(metrics))


def test_select_rank_refuses_rank_folders_of_different_catalogs(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ext = _copy(runs, "ext", tmp_path)
    path = ext / "k3" / "exposures.tsv"
    path.write_text(path.read_text().replace("\ts5", "\ts9", 1))
    _as_its_own_tables(ext / "k3")
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(ext / "k2"), str(ext / "k3"),
                      "--out", str(out), case="select-rank: rank folders of two catalogs")
    assert_clear_error(outcome, str(ext / "k3"), "another catalog than", "['s9']",
                       "rank folders of one catalog")
    assert_nothing_written(out)


def _add_fourth_component(folder: Path) -> None:
    """Make a rank-3 folder's tables rank 4: a copy of its third component as catalogD."""
    signatures = pd.read_csv(folder / "signatures.tsv", sep="\t", index_col=0)
    signatures["catalogD"] = signatures["catalogC"]
    signatures.to_csv(folder / "signatures.tsv", sep="\t")
    for name in ("exposures.tsv", "stability.tsv"):
        table = pd.read_csv(folder / name, sep="\t", index_col=0)
        table.loc["catalogD"] = table.loc["catalogC"]
        table.to_csv(folder / name, sep="\t")


def test_select_rank_names_the_folder_unlike_the_others(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Of three folders, the one whose samples differ from the two others is named."""
    ext = _copy(runs, "ext", tmp_path)
    for k in (2, 3):
        shutil.copytree(ext / f"k{k}", tmp_path / f"other{k}")
    other = tmp_path / "other2"
    (other / "exposures.tsv").write_text(
        (other / "exposures.tsv").read_text().replace("\ts0", "\tx0", 1))
    _as_its_own_tables(other)
    metrics = json.loads((ext / "k3" / "metrics.json").read_text())
    metrics.pop(TABLES_KEY, None)
    (tmp_path / "other4").mkdir()
    for name in ("signatures.tsv", "exposures.tsv", "stability.tsv"):
        shutil.copy(ext / "k3" / name, tmp_path / "other4" / name)
    _add_fourth_component(tmp_path / "other4")
    (tmp_path / "other4" / "metrics.json").write_text(json.dumps({**metrics, "k": 4}))
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(other), str(ext / "k3"),
                      str(tmp_path / "other4"), "--out", str(out))
    assert_clear_error(outcome, f"{other} was factored from another catalog than {ext / 'k3'}")
    assert_nothing_written(out)


def test_select_rank_refuses_a_catalog_of_other_samples(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(runs / "ext" / "k2"),
                      str(runs / "ext" / "k3"), "--catalog", str(runs / "catalog8.tsv"),
                      "--out", str(out), case="select-rank: --catalog of other samples")
    assert_clear_error(outcome, f"--catalog {runs / 'catalog8.tsv'}", "['s6', 's7']",
                       "Give the catalog the rank folders were factored from")
    assert_nothing_written(out)


def test_select_rank_refuses_a_catalog_of_the_same_samples_with_other_counts(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One count changed (a recount, an edit): samples and channels agree, the digest the
    rank folders recorded does not. The catalog they were factored from, its columns in
    another order, is accepted (the digest follows the folders' order)."""
    frame = pd.read_csv(runs / "catalog.tsv", sep="\t", index_col=0)
    frame.iloc[3, 2] += 1
    edited = _write(frame, tmp_path / "edited.tsv")
    out = tmp_path / "sel"
    folders = [str(runs / "ext" / "k2"), str(runs / "ext" / "k3")]
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", *folders, "--catalog", str(edited),
                      "--out", str(out), case="select-rank: --catalog with other counts")
    assert_clear_error(outcome, f"--catalog {edited}", "other counts",
                       "Give the catalog the rank folders were factored from")
    assert_nothing_written(out)
    frame.iloc[3, 2] -= 1
    shuffled = _write(frame.iloc[:, ::-1], tmp_path / "same.tsv")
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", *folders, "--catalog",
                      str(shuffled), "--out", str(tmp_path / "sel2"))
    assert outcome.code == 0, outcome.err


def test_consensus_refuses_a_chunk_of_a_catalog_with_other_counts(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A replicate chunk records the catalog it factored; consensus on a catalog of the same
    shape and labels but other counts refuses it, naming the chunk."""
    chunk = tmp_path / "chunk.npz"
    fast = ("--max-iter", "50", "--min-iter", "10")
    assert run_cli(capsys, "replicates", "--catalog", str(runs / "catalog.tsv"), "--k", "2",
                   "--first", "0", "--count", "2", *fast, "--out", str(chunk)).code == 0
    frame = pd.read_csv(runs / "catalog.tsv", sep="\t", index_col=0)
    frame.iloc[0, 0] += 5
    edited = _write(frame, tmp_path / "edited.tsv")
    out = tmp_path / "k2"
    outcome = run_cli(capsys, "consensus", "--catalog", str(edited), "--k", "2", "--chunks",
                      str(chunk), "--out", str(out), case="consensus: chunk of other counts")
    assert_clear_error(outcome, f"chunk file {chunk}", "other counts", "rerun 'replicates'")
    assert_nothing_written(out)
    outcome = run_cli(capsys, "consensus", "--catalog", str(runs / "catalog.tsv"), "--k", "2",
                      "--chunks", str(chunk), "--out", str(tmp_path / "k2ok"))
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize(("key", "old", "new", "fragment"), [
    ("mean_stability", r'"mean_stability": [-0-9.e]+', '"mean_stability": NaN',
     "'mean_stability' is nan, not a finite number"),
    ("kl_divergence", r'"kl_divergence": [-0-9.e]+,', "", "the key 'kl_divergence' is missing"),
    ("mean_stability", r'"mean_stability": [-0-9.e]+', '"mean_stability": "high"',
     "'mean_stability' is 'high', not a number"),
    ("min_stability", r'"min_stability": [-0-9.e]+', '"min_stability": Infinity',
     "'min_stability' is inf, not a finite number"),
    ("min_stability", r'"min_stability": [-0-9.e]+', '"min_stability": 7.5',
     "'min_stability' is 7.5, outside [-1, 1]"),
    ("gap_clusters", r'"gap_clusters": [0-9]+', '"gap_clusters": true',
     "'gap_clusters' is True, not a number"),
    ("gap_clusters", r'"gap_clusters": [0-9]+,', "", "no 'gap_clusters', which"),
], ids=["nan", "missing", "text", "infinity", "out-of-range", "bool", "gap-missing"])
def test_select_rank_refuses_damaged_metrics(
        key: str, old: str, new: str, fragment: str, runs: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import re

    ext = _copy(runs, "ext", tmp_path)
    path = ext / "k3" / "metrics.json"
    text, count = re.subn(old, new, path.read_text())
    assert count == 1
    path.write_text(text)
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(ext / "k2"), str(ext / "k3"),
                      "--out", str(out), case=f"select-rank: metrics.json {key} {fragment}")
    assert_clear_error(outcome, f"rank metrics file {path}", fragment,
                       "rerun its replicates and consensus")
    assert_nothing_written(out)


@pytest.mark.parametrize(("case", "fragment"), [
    ("column", "no column 'stability'"),
    ("renamed", "it lists the components"),
    ("text", "not a silhouette in [-1, 1]"),
    ("range", "not a silhouette in [-1, 1]"),
])
def test_select_rank_refuses_a_damaged_stability_table(
        case: str, fragment: str, runs: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The rank rule leaves out and adds components by a rank folder's stability.tsv: a
    damaged one is named, with the fix, before anything is written."""
    ext = _copy(runs, "ext", tmp_path)
    path = ext / "k3" / "stability.tsv"
    header, first, *rest = path.read_text().splitlines()
    name, value, *others = first.split("\t")
    if case == "column":
        header = header.replace("stability", "stab", 1)
    elif case == "renamed":
        name = "SBS96Z"
    else:
        value = "high" if case == "text" else "3.5"
    path.write_text("\n".join([header, "\t".join([name, value, *others]), *rest]) + "\n")
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(ext / "k2"), str(ext / "k3"),
                      "--out", str(out), case=f"select-rank: stability.tsv {case}")
    assert_clear_error(outcome, f"rank table {path}", fragment, "snakemake will rebuild it")
    assert_nothing_written(out)


def test_select_rank_of_one_run_still_works(runs: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sel"
    outcome = run_cli(capsys, "select-rank", "--rank-dirs", str(runs / "ext" / "k2"),
                      str(runs / "ext" / "k3"), "--catalog", str(runs / "catalog.tsv"),
                      *FAST, "--ranks", "2-3", "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert (out / "rank_metrics.tsv").read_bytes() == \
        (runs / "ext" / "rank_metrics.tsv").read_bytes()


# ------------------------------------------------------------------------------------------
# --cv-folds bounded.

@pytest.mark.parametrize("command", ["extract", "cross-validate"])
def test_cv_folds_too_many_is_refused_before_any_work(
        command: str, runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    options = (["--ranks", "2", "--replicates", "4", "--out", str(out)] if command == "extract"
               else ["--k", "2", "--out", str(out / "cv.npz")])
    outcome = run_cli(capsys, command, "--catalog", str(runs / "catalog.tsv"), *options,
                      "--cv-folds", "100000000", case=f"{command}: --cv-folds 100000000")
    assert_clear_error(outcome, "--cv-folds", "a whole number from 0 to 100", "'100000000'")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# split-groups: group names differing only in case.

def test_split_groups_refuses_groups_differing_only_in_case(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    groups = tmp_path / "g.tsv"
    groups.write_text("sample\tgroup\n" + "".join(f"s{i}\t{'grp' if i < 3 else 'GRP'}\n"
                                                  for i in range(6)))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "split-groups", "--catalog", str(runs / "catalog.tsv"),
                      "--groups", str(groups), "--out", str(out),
                      case="split-groups: groups grp and GRP")
    assert_clear_error(outcome, str(groups), "'grp' (sample 's0')", "'GRP' (sample 's3')",
                       "differ only in case", "Rename one")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# merge-groups: a catalog of other samples, damaged group files, reordered rows.

def _merge(capsys: pytest.CaptureFixture[str], grun: Path, catalog: Path, out: Path,
           *extra: str, case: str | None = None):
    """Run merge-groups of grun's groups A and B."""
    return run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                   str(grun / "groups" / "A"), str(grun / "groups" / "B"), *extra, "--out",
                   str(out), case=case)


def test_merge_groups_refuses_a_catalog_with_samples_in_no_group(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    outcome = _merge(capsys, runs / "grun", runs / "catalog8.tsv", out,
                     case="merge-groups: catalog with samples in no group")
    assert_clear_error(outcome, str(runs / "catalog8.tsv"), "in no group", "'s6', 's7'",
                       "Give the catalog the groups were split from")
    assert_nothing_written(out)


def _set_cell(path: Path, line: int, value: str) -> None:
    """Replace the last cell of line ``line`` (1-based) of a TSV."""
    lines = path.read_text().splitlines(keepends=True)
    cells = lines[line - 1].rstrip("\n").split("\t")
    lines[line - 1] = "\t".join([*cells[:-1], value]) + "\n"
    path.write_text("".join(lines))


def _zero_column(path: Path) -> None:
    """Set the last column of a TSV to 0."""
    frame = pd.read_csv(path, sep="\t", index_col=0)
    frame.iloc[:, -1] = 0.0
    frame.to_csv(path, sep="\t")


def _other_channel_set(path: Path) -> None:
    """Relabel the signatures' rows f0, f1, ... (the features of another catalog)."""
    frame = pd.read_csv(path, sep="\t", index_col=0)
    frame.index = [f"f{i}" for i in range(len(frame))]
    frame.index.name = "MutationType"
    frame.to_csv(path, sep="\t")


@pytest.mark.parametrize(("name", "damage", "fragments"), [
    ("exposures.tsv", lambda p: _set_cell(p, 2, "abc"), ("line 2", "column 's5'", "'abc'")),
    ("signatures.tsv", lambda p: _set_cell(p, 3, "abc"), ("line 3", "'abc'")),
    ("signatures.tsv", lambda p: _set_cell(p, 3, ""), ("line 3", "an empty cell")),
    ("signatures.tsv", lambda p: _set_cell(p, 3, "nan"), ("line 3", "'nan'")),
    ("signatures.tsv", lambda p: _set_cell(p, 3, "inf"), ("line 3", "'inf'")),
    ("signatures.tsv", lambda p: _set_cell(p, 3, "-0.5"), ("line 3", "got -0.5")),
    ("signatures.tsv", _zero_column, ("is all zero",)),
], ids=["exposures-text", "text", "empty", "nan", "inf", "negative", "zero-column"])
def test_merge_groups_names_a_damaged_group_file(
        name: str, damage: Callable[[Path], None], fragments: tuple[str, ...], runs: Path,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grun = _copy(runs, "grun", tmp_path)
    path = grun / "groups" / "B" / name
    damage(path)
    out = tmp_path / "out"
    outcome = _merge(capsys, grun, runs / "catalog.tsv", out,
                     case=f"merge-groups: {name} {fragments[-1]}")
    assert_clear_error(outcome, str(path), *fragments, "rerun that group's select-rank")
    assert "RuntimeWarning" not in outcome.err
    assert_nothing_written(out)


def test_merge_groups_names_a_group_of_other_features(
        runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grun = _copy(runs, "grun", tmp_path)
    _other_channel_set(grun / "groups" / "B" / "signatures.tsv")
    out = tmp_path / "out"
    outcome = _merge(capsys, grun, runs / "catalog.tsv", out,
                     case="merge-groups: a group of other features")
    assert_clear_error(outcome, str(grun / "groups" / "B" / "signatures.tsv"),
                       str(grun / "groups" / "A" / "signatures.tsv"), "SBS96", "generic",
                       "another catalog")
    assert_nothing_written(out)


@pytest.mark.parametrize("generic", [False, True], ids=["sbs96", "generic"])
def test_merge_groups_aligns_reordered_signature_rows(
        generic: bool, runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows are aligned by label: a group's table with its rows only reordered merges into the
    same signatures and exposures."""
    extra = ("--generic",) if generic else ()
    reference = tmp_path / "ref"
    assert _merge(capsys, runs / "grun", runs / "catalog.tsv", reference, *extra).code == 0
    grun = _copy(runs, "grun", tmp_path)
    path = grun / "groups" / "B" / "signatures.tsv"
    header, *rows = path.read_text().splitlines(keepends=True)
    order = np.random.default_rng(2).permutation(len(rows))
    path.write_text(header + "".join(rows[i] for i in order))
    out = tmp_path / "out"
    outcome = _merge(capsys, grun, runs / "catalog.tsv", out, *extra,
                     case=f"merge-groups: reordered rows{' (generic)' if generic else ''}")
    assert outcome.code == 0, outcome.err
    for name in ("signatures.tsv", "exposures.tsv", "merged.tsv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


# ------------------------------------------------------------------------------------------
# Sample names the report will refuse: said by extract and refit --catalog, which go on.

@pytest.mark.parametrize("command", ["extract", "refit"])
def test_case_only_sample_clash_is_warned_before_the_report_refuses_it(
        command: str, runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """'S1' and 's1' passed extract and refit --catalog without a word and were refused only by
    report, at the end of the cohort run: both commands now warn at once and still run."""
    catalog = pd.read_csv(runs / "catalog.tsv", sep="\t", index_col=0)
    catalog.columns = ["S1", "s1", *catalog.columns[2:]]
    path = _write(catalog, tmp_path / "case.tsv")
    out = tmp_path / "out"
    options = (["--ranks", "2", *FAST] if command == "extract"
               else ["--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5"])
    with caplog.at_level("WARNING"):
        outcome = run_cli(capsys, command, "--catalog", str(path), *options, "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert "sample names 'S1' and 's1' both become the file name" in caplog.text
    assert caplog.text.count("`sigforge report` will refuse this catalog") == 1  # not per chunk
    assert (out / ("exposures.tsv" if command == "refit" else "signatures.tsv")).is_file()
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert run_cli(capsys, command, "--catalog", str(runs / "catalog.tsv"), *options,
                       "--out", str(tmp_path / "plain")).code == 0
    assert "will refuse" not in caplog.text

"""Bad input to the stratified-discovery and joint-matrix commands found by the second red-team
sweep: a rerun of split-groups deleting its own input catalog, a damaged list of an earlier
split's groups deleting files outside --out, an --fixed-rank or --ranks no group can be
factored at (found only after the work, or named after the wrong command), group names refused
without their line, one table given as two modalities, and a blocks table giving one modality
two weights.

Each bad case asserts exit 2, one message naming the file (and line, group or modality) and the
fix, and that nothing was written; the split-groups cases, which go on with a warning, assert
that no file outside this run's own earlier outputs was removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli.groups_file import read_groups
from sigforge.io import InputError
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
    sbs1_sbs13_catalog,
)

FAST = ("--replicates", "4", "--max-iter", "50", "--min-iter", "10", "--cv-folds", "0")
MANIFEST = ".groups_written.tsv"


def _write_catalog(path: Path, samples: int = 6) -> Path:
    """Write the catalog as TSV; the path."""
    sbs1_sbs13_catalog(samples, seed=7).to_csv(path, sep="\t")
    return path


def _groups(path: Path, names: list[str], header: str = "sample\tgroup\n") -> Path:
    """A groups file giving sample s<i> the group names[i]."""
    path.write_text(header + "".join(f"s{i}\t{g}\n" for i, g in enumerate(names)),
                    encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# 1. split-groups: a rerun never removes a file it reads (an earlier group's name).

@pytest.mark.parametrize("spelling", ["same", "dotted", "hardlink"])
def test_split_groups_rerun_keeps_its_input_named_like_an_earlier_group(
        spelling: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    out = tmp_path / "X"
    first = _groups(tmp_path / "g1.tsv", ["SBS96"] * 3 + ["B"] * 3)
    assert run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups", str(first),
                   "--out", str(out)).code == 0
    # the user's cohort catalog, now under the name of the earlier split's group SBS96
    mine = out / "SBS96.tsv"
    mine.unlink()
    if spelling == "hardlink":
        os.link(catalog, mine)
        given = catalog
    else:
        shutil.copyfile(catalog, mine)
        given = out / "." / "SBS96.tsv" if spelling == "dotted" else mine
    before = mine.read_bytes()
    second = _groups(tmp_path / "g2.tsv", ["A"] * 3 + ["B"] * 3)
    outcome = run_cli(capsys, "split-groups", "--catalog", str(given), "--groups", str(second),
                      "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert mine.is_file() and mine.read_bytes() == before, "the input catalog was deleted"
    assert "kept" in caplog.text and "never deletes a file it reads" in caplog.text
    assert files_under(out) == [MANIFEST, "A.tsv", "B.tsv", "SBS96.tsv"]


def test_split_groups_refuses_a_group_catalog_over_its_input_before_any_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "X"
    out.mkdir()
    catalog = _write_catalog(out / "A.tsv")
    before = catalog.read_bytes()
    groups = _groups(tmp_path / "g.tsv", ["B"] * 3 + ["A"] * 3)
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out), case="split-groups: group over input")
    assert_clear_error(outcome, "group 'A'", f"--catalog {catalog}", "choose another --out")
    assert catalog.read_bytes() == before
    assert_nothing_written(out, ["A.tsv"])


# ------------------------------------------------------------------------------------------
# 2. split-groups: a damaged list of an earlier split's groups removes nothing.

@pytest.mark.parametrize("entry", ["../victim", "ABSOLUTE", "a/../../victim", ".hidden",
                                   "Lung SCC"])
def test_split_groups_damaged_list_of_earlier_groups_removes_nothing(
        entry: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.tsv"
    victim.write_text("precious\n")
    if entry == "ABSOLUTE":
        entry = str(tmp_path / "victim")
    (out / "C.tsv").write_text("an earlier group's catalog, or the user's file\n")
    (out / "Lung SCC.tsv").write_text("the user's file\n")
    (out / ".hidden.tsv").write_text("the user's file\n")
    manifest = out / MANIFEST
    manifest.write_text(f"group\tsamples\n{entry}\t3\nC\t3\n")
    groups = _groups(tmp_path / "g.tsv", ["A"] * 3 + ["B"] * 3)
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert victim.read_text() == "precious\n", "a file outside --out was deleted"
    assert (out / "C.tsv").is_file(), "a damaged list must remove nothing"
    assert f"{manifest}, line 2" in caplog.text and "damaged" in caplog.text
    assert files_under(out) == sorted([MANIFEST, ".hidden.tsv", "A.tsv", "B.tsv", "C.tsv",
                                       "Lung SCC.tsv"])
    assert sorted(pd.read_csv(manifest, sep="\t")["group"]) == ["A", "B"]


def test_split_groups_good_list_still_removes_an_earlier_group(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    out = tmp_path / "out"
    out.mkdir()
    (out / "C.tsv").write_text("an earlier group's catalog\n")
    (out / MANIFEST).write_text("group\tsamples\nC\t3\nA\t3\n")
    groups = _groups(tmp_path / "g.tsv", ["A"] * 3 + ["B"] * 3)
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out))
    assert outcome.code == 0, outcome.err
    assert files_under(out) == [MANIFEST, "A.tsv", "B.tsv"]


# ------------------------------------------------------------------------------------------
# 3. extract --groups --fixed-rank above a group's sample count: refused before any work.

def test_extract_groups_fixed_rank_above_a_group_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sigforge.cli.discovery as discovery

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("a group was factored before the check")

    monkeypatch.setattr(discovery, "factor_and_write", no_work)
    catalog = _write_catalog(tmp_path / "catalog.tsv", 8)
    groups = _groups(tmp_path / "g.tsv", ["B"] * 3 + ["A"] * 2 + ["B"] * 3)
    out = tmp_path / "e"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-4",
                      "--fixed-rank", "3", *FAST, "--groups", str(groups), "--out", str(out),
                      case="extract --groups: fixed rank above a group")
    assert_clear_error(outcome, "--fixed-rank 3", "group 'A'", str(groups), "2 sample(s)",
                       "at most 2", "leave out --fixed-rank")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 4. every group too thin: the command run, how many groups, the largest, the fix.

def test_extract_groups_all_groups_too_thin_names_extract_and_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    groups = _groups(tmp_path / "g.tsv", [f"G{i}" for i in range(6)])
    out = tmp_path / "e"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), "--ranks", "2-3", *FAST,
                      "--groups", str(groups), "--out", str(out),
                      case="extract --groups: every group too thin")
    assert_clear_error(outcome, "extract --groups", str(groups), "all 6 group(s)", "too thin",
                       "--ranks 2-3", "'G0' (1 sample(s))", "fewer, larger groups",
                       "smaller --ranks", "leave out --groups")
    assert "merge-groups" not in outcome.err
    assert_nothing_written(out)


def test_merge_groups_of_skipped_groups_only_says_why_and_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv", 2)
    groups = _groups(tmp_path / "g.tsv", ["A", "B"])
    parts = tmp_path / "parts"
    assert run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups", str(groups),
                   "--out", str(parts)).code == 0
    folders = []
    for group in ("A", "B"):
        folder = tmp_path / "groups" / group
        assert run_cli(capsys, "extract", "--catalog", str(parts / f"{group}.tsv"),
                       "--ranks", "2", *FAST, "--drop-empty", "--skip-unfactorable=2",
                       "--out", str(folder)).code == 0
        folders.append(str(folder))
    out = tmp_path / "merged"
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                      *folders, "--out", str(out), case="merge-groups: every group skipped")
    assert_clear_error(outcome, "merge-groups", "all 2 group(s)", "too thin",
                       "fewer, larger groups", "without --groups")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 5. a bad group name of a groups file: its file, line and a group name to use.

@pytest.mark.parametrize(("bad", "example"), [("a/b", "a_b"), ("..", "Lung_SCC"),
                                              ("Lung SCC", "Lung_SCC"), ("Brüst", "Brust")])
def test_groups_file_bad_group_name_names_the_line_and_a_group_example(
        bad: str, example: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    groups = tmp_path / "g.tsv"
    groups.write_text("# cohort groups\nsample\tgroup\ns0\tA\n\ns1\tA\ns2\tA\n"
                      f"s3\t{bad}\ns4\tB\ns5\tB\n", encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out), case=f"groups file: group {bad!r}")
    assert_clear_error(outcome, f"groups file {groups}, line 7", "(sample 's3')",
                       f"group {bad!r} is not a plain name", f"Rename the group, e.g. '{example}'")
    assert "my_matrix" not in outcome.err
    assert_nothing_written(out)


def test_groups_csv_bad_group_name_names_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    groups = tmp_path / "g.csv"
    groups.write_text("sample,group\ns0,A\ns1,A\n\ns2,A\ns3,\"Lung SCC\"\ns4,B\ns5,B\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out))
    assert_clear_error(outcome, f"groups file {groups}, line 6", "'Lung SCC'", "'Lung_SCC'")
    assert_nothing_written(out)


def test_groups_csv_skips_comment_lines_as_the_tsv_does(tmp_path: Path) -> None:
    """A '#' line of a CSV groups file holding no comma is a comment (as in the TSV form and
    the samples sheet), not a sample named '# ...'; lines after it, and after a quoted cell
    spanning two lines, keep their own line numbers; a short row's missing trailing cell is
    blank. Below the header a '#' line of two cells is a row (a sample named '# s9')."""
    groups = tmp_path / "g.csv"
    groups.write_text("# cohort of 2026\nsample,group,notes\ns0,A,\"two\nlines\"\n"
                      "# s1 moved to B\ns1,B\n\ns2,Lung SCC,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 8 \(sample 's2'\)"):
        read_groups(groups)
    groups.write_text("# s8,A\nsample,group\n# moved\n# s9,A\ns0,A\ns1,B\n", encoding="utf-8")
    assert read_groups(groups) == {"# s9": "A", "s0": "A", "s1": "B"}
    groups.write_text("sample,group\ns0,A\ns1,B,extra\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: 3 comma-separated cells"):
        read_groups(groups)


# ------------------------------------------------------------------------------------------
# 6. prepare-joint: one file given as two modalities.

def _modality(path: Path, prefix: str, seed: int) -> Path:
    """A small features x samples table of whole counts."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.integers(1, 50, size=(5, 6)),
                         index=pd.Index([f"{prefix}{i}" for i in range(5)], name="Feature"),
                         columns=[f"S{i}" for i in range(6)])
    frame.to_csv(path, sep="\t")
    return path


@pytest.mark.parametrize("spelling", ["same", "dotted", "hardlink", "copy"])
def test_prepare_joint_refuses_one_file_as_two_modalities(
        spelling: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rna = _modality(tmp_path / "rna.tsv", "g", 1)
    other = {"same": rna, "dotted": tmp_path / "." / "rna.tsv",
             "hardlink": tmp_path / "rna_link.tsv", "copy": tmp_path / "rna_copy.tsv"}[spelling]
    if spelling == "hardlink":
        os.link(rna, other)
    if spelling == "copy":
        shutil.copyfile(rna, other)
    before = files_under(tmp_path)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "prepare-joint", "--inputs", str(rna), str(other),
                      "--modalities", "a", "b", "--weights", "1", "1", "--name", "J",
                      "--out", str(out), case=f"prepare-joint: one file twice ({spelling})")
    assert_clear_error(outcome, f"--inputs {other} (modality 'b')",
                       f"--inputs {rna} (modality 'a')", "its own table",
                       "byte-for-byte copy" if spelling == "copy" else "same file")
    assert_nothing_written(tmp_path, before)


def test_prepare_joint_of_two_tables_still_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rna, protein = _modality(tmp_path / "rna.tsv", "g", 1), _modality(tmp_path / "p.tsv", "p", 2)
    outcome = run_cli(capsys, "prepare-joint", "--inputs", str(rna), str(protein),
                      "--modalities", "rna", "protein", "--weights", "1", "4", "--name", "J",
                      "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert files_under(tmp_path / "out") == ["J.tsv", "J_blocks.tsv", "J_dropped.tsv"]


# ------------------------------------------------------------------------------------------
# 7. split-joint: one weight per modality.

def _joint_files(tmp_path: Path, weights: list[str]) -> tuple[Path, Path]:
    """A joint signatures.tsv over rna:g0-g2 and protein:p0-p1 and its blocks table with the
    rows' ``weights``."""
    labels = ["rna:g0", "rna:g1", "rna:g2", "protein:p0", "protein:p1"]
    signatures = tmp_path / "signatures.tsv"
    signatures.write_text("Feature\tC1\tC2\n" + "".join(
        f"{label}\t0.{i + 1}\t0.{5 - i}\n" for i, label in enumerate(labels)))
    blocks = tmp_path / "J_blocks.tsv"
    blocks.write_text("Feature\tmodality\tfeature\tweight\n" + "".join(
        f"{label}\t{label.split(':')[0]}\t{label.split(':')[1]}\t{weight}\n"
        for label, weight in zip(labels, weights, strict=True)))
    return signatures, blocks


def test_split_joint_refuses_two_weights_in_one_modality(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signatures, blocks = _joint_files(tmp_path, ["1", "2", "1", "4", "4"])
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(tmp_path / "out"),
                      case="split-joint: two weights in one modality")
    assert_clear_error(outcome, f"{blocks}, line 3", "row 'rna:g1'", "modality 'rna'",
                       "line 2", "one weight", "NAME_blocks.tsv")
    assert_nothing_written(tmp_path, before)


def test_split_joint_of_one_weight_per_modality_still_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signatures, blocks = _joint_files(tmp_path, ["1", "1.0", "1", "4", "4"])
    outcome = run_cli(capsys, "split-joint", "--signatures", str(signatures), "--blocks",
                      str(blocks), "--out", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.err
    assert files_under(tmp_path / "out") == [".split_joint_files", "modalities.tsv",
                                             "protein_signatures.tsv", "rna_signatures.tsv"]


# ------------------------------------------------------------------------------------------
# merge-groups: the group is the folder's name, taken lexically and a plain name.

def test_merge_groups_names_a_group_by_its_folder_and_refuses_odd_folder_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'--group-dirs .' inside groups/A gave a group named '' in merged.tsv, and a folder
    'grp A' a group name no later step takes."""
    catalog = _write_catalog(tmp_path / "catalog.tsv", samples=12)
    groups = _groups(tmp_path / "g.tsv", ["A"] * 6 + ["B"] * 6)
    ext = tmp_path / "ext"
    assert run_cli(capsys, "extract", "--catalog", str(catalog), "--groups", str(groups),
                   "--ranks", "2", *FAST, "--out", str(ext)).code == 0
    a, b = ext / "groups" / "A", ext / "groups" / "B"
    with monkeypatch.context() as inside:
        inside.chdir(a)
        assert run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs", ".",
                       f"{b}/.", "--out", str(tmp_path / "m")).code == 0
    merged = pd.read_csv(tmp_path / "m" / "merged.tsv", sep="\t")
    assert set(merged["groups"].str.split(",").sum()) == {"A", "B"}
    shutil.copytree(a, tmp_path / "grp A")
    outcome = run_cli(capsys, "merge-groups", "--catalog", str(catalog), "--group-dirs",
                      str(tmp_path / "grp A"), str(b), "--out", str(tmp_path / "m2"))
    assert_clear_error(outcome, "group 'grp A' is not a plain name", "'grp_A'")
    assert_nothing_written(tmp_path / "m2")


# ------------------------------------------------------------------------------------------
# Tables that carry the user's data on keep its values to the last bit.

def test_prepared_stacked_and_split_matrices_keep_every_digit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """prepare-matrix, prepare-joint and split-groups wrote real values with ten significant
    digits: 12345678901.25 became 1.23456789e+10 and 0.1234567890123 became 0.123456789."""
    values = [[12345678901.25, 0.5, 2.0], [0.1234567890123, 4.0, 1.0],
              [1.00000000001, 3.0, 7.25]]
    frame = pd.DataFrame(values, index=["x", "y", "z"], columns=["a", "b", "c"])
    frame.rename_axis("f").to_csv(tmp_path / "r.tsv", sep="\t", float_format="%.17g")
    other = frame.rename(index=lambda f: f"p{f}") * 3
    other.rename_axis("f").to_csv(tmp_path / "o.tsv", sep="\t", float_format="%.17g")
    groups = _groups(tmp_path / "g.tsv", [], "sample\tgroup\na\tA\nb\tB\nc\tA\n")
    assert run_cli(capsys, "prepare-matrix", "--input", str(tmp_path / "r.tsv"), "--name", "R",
                   "--out", str(tmp_path / "p")).code == 0
    assert run_cli(capsys, "prepare-joint", "--inputs", str(tmp_path / "r.tsv"),
                   str(tmp_path / "o.tsv"), "--modalities", "r", "o", "--weights", "1", "1",
                   "--name", "J", "--out", str(tmp_path / "j")).code == 0
    assert run_cli(capsys, "split-groups", "--catalog", str(tmp_path / "r.tsv"), "--generic",
                   "--groups", str(groups), "--out", str(tmp_path / "s")).code == 0

    def read(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, sep="\t", index_col=0)

    assert read(tmp_path / "p" / "R.tsv").equals(frame.rename_axis("Feature"))
    joint = read(tmp_path / "j" / "J.tsv")
    assert joint.loc["r:x", "a"] == 12345678901.25 and joint.loc["r:y", "a"] == 0.1234567890123
    assert read(tmp_path / "s" / "A.tsv")["a"].tolist() == frame["a"].tolist()


def test_a_rerun_removes_its_own_earlier_joint_outputs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A split-joint rerun with fewer modalities left the earlier third_signatures.tsv beside
    the new modalities.tsv (in the workflow too, which deletes modalities.tsv before the
    rerun), and prepare-matrix --name J into a prepare-joint folder left the joint matrix's
    J_blocks.tsv beside the new, plain J.tsv."""
    rng = np.random.default_rng(3)
    samples = [f"s{i}" for i in range(6)]
    inputs = []
    for name, rows in (("rna", 3), ("prot", 2), ("third", 2)):
        path = tmp_path / f"{name}.tsv"
        pd.DataFrame(rng.integers(1, 9, (rows, 6)), columns=samples,
                     index=pd.Index([f"{name}{i}" for i in range(rows)], name="f")
                     ).to_csv(path, sep="\t")
        inputs.append(str(path))
    split = tmp_path / "split"
    for count in (3, 2):
        joint, ext = tmp_path / f"j{count}", tmp_path / f"e{count}"
        modalities = ["rna", "prot", "third"][:count]
        assert run_cli(capsys, "prepare-joint", "--inputs", *inputs[:count], "--modalities",
                       *modalities, "--weights", *["1"] * count, "--name", "J",
                       "--out", str(joint)).code == 0
        assert run_cli(capsys, "extract", "--catalog", str(joint / "J.tsv"), "--generic",
                       "--ranks", "2", *FAST, "--out", str(ext)).code == 0
        # as Snakemake does before rerunning the job: its declared outputs are deleted
        (split / "modalities.tsv").unlink(missing_ok=True)
        assert run_cli(capsys, "split-joint", "--signatures", str(ext / "signatures.tsv"),
                       "--blocks", str(joint / "J_blocks.tsv"), "--out", str(split)).code == 0
        assert sorted(p.name for p in split.iterdir() if not p.name.startswith(".")) == sorted(
            ["modalities.tsv", *(f"{m}_signatures.tsv" for m in modalities)])
    assert run_cli(capsys, "prepare-matrix", "--input", inputs[0], "--name", "J",
                   "--out", str(tmp_path / "j2")).code == 0
    assert sorted(p.name for p in (tmp_path / "j2").iterdir()) == ["J.tsv", "J_dropped.tsv"]


def test_extract_and_select_rank_write_the_same_bytes_for_large_exposures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exposures of 1e10 or more: extract wrote 2.589724392e+11 where the workflow's
    select-rank, reading the rank folder's ten digits back, wrote 258972439200."""
    rng = np.random.default_rng(0)
    basis = np.zeros((8, 2))
    basis[:4, 0], basis[4:, 1] = 1.0, 1.0
    values = basis @ rng.gamma(1.0, 1.0, (2, 10)) * (1 + rng.random((8, 10)) * 0.01)
    values[:, 0] *= 1e11
    matrix = tmp_path / "m.tsv"
    pd.DataFrame(values, index=[f"f{i}" for i in range(8)],
                 columns=[f"s{j}" for j in range(10)]).rename_axis("f").to_csv(
        matrix, sep="\t", float_format="%.17g")
    common = ["--generic", "--ranks", "2", "--replicates", "4", "--max-iter", "300",
              "--cv-folds", "0", "--resampling", "scaled:10000"]
    assert run_cli(capsys, "extract", "--catalog", str(matrix), *common,
                   "--out", str(tmp_path / "one")).code == 0
    assert run_cli(capsys, "select-rank", "--rank-dirs", str(tmp_path / "one" / "k2"), "--cv",
                   "--catalog", str(matrix), *common, "--out", str(tmp_path / "two")).code == 0
    for name in ("exposures.tsv", "signatures.tsv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert "e+1" not in (tmp_path / "one" / "exposures.tsv").read_text()


@pytest.mark.parametrize("name", ["#12", "# 7", "#"])
def test_a_sample_named_with_a_leading_hash_keeps_its_group(name: str, tmp_path: Path) -> None:
    """The groups readers skipped every line starting with '#', so a sample the samples sheet
    accepts (a quoted "#12") had no group and the workflow's split_groups job failed after
    the catalogs: the groups file the workflow writes now reads back as written, in both
    forms, while a '#' line without a separator (a comment) is still skipped."""
    from sigforge.workflow.groups import write_groups_file

    tsv = tmp_path / "groups.tsv"
    write_groups_file(tsv, [(name, "A"), ("s1", "B")])
    assert read_groups(tsv) == {name: "A", "s1": "B"}
    tsv.write_text(f"# the cohort\nsample\tgroup\n# a note\n{name}\tA\ns1\tB\n", encoding="utf-8")
    assert read_groups(tsv) == {name: "A", "s1": "B"}
    csv_file = tmp_path / "groups.csv"
    csv_file.write_text(f'sample,group\n"{name}",A\ns1,B\n', encoding="utf-8")
    assert read_groups(csv_file) == {name: "A", "s1": "B"}


def test_a_row_commented_out_below_the_header_is_named_with_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It reads as a sample '# s5' the catalog lacks: refused, saying how to leave it out."""
    catalog = _write_catalog(tmp_path / "catalog.tsv")
    groups = tmp_path / "g.tsv"
    groups.write_text("sample\tgroup\ns0\tA\ns1\tA\ns2\tA\ns3\tB\ns4\tB\ns5\tB\n# s5\tA\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "split-groups", "--catalog", str(catalog), "--groups",
                      str(groups), "--out", str(out))
    assert_clear_error(outcome, "line 8: sample '# s5' is not in the catalog", "A line starting "
                       "with '#' below the header is a row, not a comment: delete the line")
    assert_nothing_written(out)


@pytest.mark.parametrize("given", [("--catalog-name", "x,y"), ()])
def test_a_signature_prefix_holding_a_comma_is_refused_before_any_work(
        given: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """merged.tsv joins its members (group:signature) with commas: a prefix 'x,y' made
    'B:x,yB', which the report split into 'B:x' and 'yB', dropping every group signature's
    '(merged into ...)' note. Refused (--catalog-name, or a catalog file named so), before
    the groups are factored."""
    from sigforge.cli import groups as groups_cli

    catalog = _write_catalog(tmp_path / ("x,y.tsv" if not given else "catalog.tsv"))
    table = _groups(tmp_path / "g.tsv", ["A", "A", "A", "B", "B", "B"])
    monkeypatch.setattr(groups_cli, "read_table_matrix", _never_called)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "extract", "--catalog", str(catalog), *given, "--groups",
                      str(table), "--ranks", "2", "--replicates", "2", "--out", str(out))
    assert_clear_error(outcome, "'x,y' names the signatures and holds a comma",
                       "Give --catalog-name without a comma")
    assert_nothing_written(out)


def _never_called(*_: object, **__: object) -> None:
    raise AssertionError("the catalog was read before the name was checked")


def test_merging_refuses_a_member_name_holding_a_comma() -> None:
    """The library's merge, given such names directly, names the group and the signature."""
    import pandas as pd

    from sigforge.discovery.groups import GroupSignatures, merge_group_signatures

    signatures = pd.DataFrame([[0.5], [0.5]], index=["f1", "f2"], columns=["x,yA"])
    group = GroupSignatures("A", signatures, pd.Series([10.0], index=["x,yA"]))
    with pytest.raises(ValueError, match=r"group 'A': signature 'x,yA' holds a comma"):
        merge_group_signatures([group], prefix="Merged")


def test_prepare_joint_refuses_modalities_differing_only_in_case(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Modalities 'A' and 'a' were accepted; split-joint's A_signatures.tsv and
    a_signatures.tsv are one file on macOS and Windows disks."""
    rna, protein = _modality(tmp_path / "rna.tsv", "g", 1), _modality(tmp_path / "p.tsv", "p", 2)
    before = files_under(tmp_path)
    outcome = run_cli(capsys, "prepare-joint", "--inputs", str(rna), str(protein),
                      "--modalities", "A", "a", "--weights", "1", "1", "--name", "J",
                      "--out", str(tmp_path / "out"))
    assert_clear_error(outcome, "--modalities: 'A' and 'a' differ only in case",
                       "case-insensitive disk", "Rename one")
    assert_nothing_written(tmp_path, before)

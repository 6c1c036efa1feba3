"""Stratified discovery: splitting a cohort into groups, merging the groups' signatures, and
``sigforge extract --groups`` / ``split-groups`` / ``merge-groups`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigforge._maths import cosine_similarity, unit_vectors
from sigforge.cli import main
from sigforge.discovery.groups import (
    GroupSignatures,
    group_ranks,
    merge_group_signatures,
    split_groups,
)
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import read_json, read_table, write_matrix


def _signatures(rng: np.random.Generator, n: int, m: int = 96) -> np.ndarray:
    """n random peaked signatures (columns summing to 1): pairwise cosines well below 0.9."""
    return rng.dirichlet(np.full(m, 0.3), size=n).T


def _noisy(signature: np.ndarray, rng: np.random.Generator, scale: float = 0.05) -> np.ndarray:
    """A re-estimate of ``signature``: a few percent of multiplicative noise, renormalised."""
    noisy = signature * rng.lognormal(0.0, scale, size=signature.shape)
    return noisy / noisy.sum()


def _group(name: str, columns: list[np.ndarray], mutations: list[float]) -> GroupSignatures:
    labels = [f"S{chr(65 + i)}" for i in range(len(columns))]
    frame = pd.DataFrame(np.column_stack(columns), index=SBS96_CHANNELS, columns=labels)
    return GroupSignatures(name, frame, pd.Series(mutations, index=labels))


def test_split_groups_keeps_the_matrix_order_and_names_missing_samples() -> None:
    matrix = pd.DataFrame(np.ones((3, 4)), columns=["s1", "s2", "s3", "s4"])
    parts = split_groups(matrix, {"s1": "b", "s2": "a", "s3": "b", "s4": "a"})
    assert list(parts) == ["b", "a"]  # groups in the order of their first sample
    assert list(parts["b"].columns) == ["s1", "s3"] and list(parts["a"].columns) == ["s2", "s4"]
    with pytest.raises(ValueError, match=r"1 sample\(s\) have no group: \['s4'\]"):
        split_groups(matrix, {"s1": "a", "s2": "a", "s3": "b"})
    with pytest.raises(ValueError, match=r"not in the matrix: \['s9'\]"):
        split_groups(matrix, {"s1": "a", "s2": "a", "s3": "b", "s4": "b", "s9": "b"})


def test_group_ranks_cap_at_the_group_and_fall_back_to_the_smallest() -> None:
    assert group_ranks([1, 2, 3, 4, 5], n_samples=3, n_features=96) == [1, 2, 3]
    assert group_ranks([2, 3, 4], n_samples=40, n_features=3) == [2, 3]
    # no rank fits: the smallest alone, which factor_problem then reports as too thin
    assert group_ranks([4, 5, 6], n_samples=2, n_features=96) == [4]


def test_shared_signature_is_merged_weighted_by_mutations() -> None:
    rng = np.random.default_rng(3)
    truth = _signatures(rng, 3)
    a_shared, b_shared = _noisy(truth[:, 0], rng), _noisy(truth[:, 0], rng)
    merged = merge_group_signatures([
        _group("A", [a_shared, truth[:, 1]], [300.0, 5000.0]),
        _group("B", [truth[:, 2], b_shared], [100.0, 900.0]),
    ], prefix="SBS96")
    assert list(merged.signatures.columns) == ["SBS96A", "SBS96B", "SBS96C"]
    # ordered by mutations: A's own (5000), the shared one (300 + 900), B's own (100)
    assert merged.members["members"].tolist() == ["A:SB", "A:SA,B:SB", "B:SA"]
    assert merged.members["groups"].tolist() == ["A", "A,B", "B"]
    assert merged.members["mutations"].tolist() == [5000.0, 1200.0, 100.0]
    expected = (300 * a_shared + 900 * b_shared) / 1200
    np.testing.assert_allclose(merged.signatures["SBS96B"], expected / expected.sum())
    np.testing.assert_allclose(merged.signatures.sum(axis=0), 1.0)
    assert merged.members.loc["SBS96A", "min_member_cosine"] == pytest.approx(1.0)


def test_two_signatures_of_one_group_are_never_merged() -> None:
    rng = np.random.default_rng(5)
    base = _signatures(rng, 1)[:, 0]
    close = [_noisy(base, rng, 0.01), _noisy(base, rng, 0.01)]
    assert float(cosine_similarity(close[0], close[1])) > 0.99
    merged = merge_group_signatures([_group("A", close, [10.0, 20.0])], prefix="X")
    assert merged.signatures.shape[1] == 2


def test_dissimilar_signatures_of_two_groups_stay_apart() -> None:
    rng = np.random.default_rng(8)
    truth = _signatures(rng, 2)
    merged = merge_group_signatures([_group("A", [truth[:, 0]], [1.0]),
                                     _group("B", [truth[:, 1]], [1.0])], prefix="X",
                                    min_cosine=0.9)
    assert merged.members["n_groups"].tolist() == [1, 1]
    # ...and any two signatures merge when the threshold allows it
    loose = merge_group_signatures([_group("A", [truth[:, 0]], [1.0]),
                                    _group("B", [truth[:, 1]], [1.0])], prefix="X",
                                   min_cosine=1e-9)
    assert loose.members["n_groups"].tolist() == [2]


def test_merge_refuses_bad_inputs() -> None:
    rng = np.random.default_rng(1)
    empty = GroupSignatures("E", pd.DataFrame(index=SBS96_CHANNELS, dtype=float),
                            pd.Series(dtype=float))
    with pytest.raises(ValueError, match="every group was skipped"):
        merge_group_signatures([empty], prefix="X")
    with pytest.raises(ValueError, match=r"min_cosine must be in \(0, 1\]"):
        merge_group_signatures([_group("A", [_signatures(rng, 1)[:, 0]], [1.0])], prefix="X",
                               min_cosine=1.5)
    other = GroupSignatures("B", pd.DataFrame({"S": [0.5, 0.5]}, index=["x", "y"]),
                            pd.Series({"S": 1.0}))
    with pytest.raises(ValueError, match="other features"):
        merge_group_signatures([_group("A", [_signatures(rng, 1)[:, 0]], [1.0]), other],
                               prefix="X")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(0, 4), min_size=1,
                                                      max_size=4),
       min_cosine=st.floats(0.5, 0.99))
def test_merge_invariants(seed: int, sizes: list[int], min_cosine: float) -> None:
    """Every input signature is a member exactly once; no merged signature holds two of one
    group; every pair of members is at least min_cosine alike."""
    rng = np.random.default_rng(seed)
    pool = _signatures(rng, 3, m=12)
    groups = []
    for g, size in enumerate(sizes):
        columns = [_noisy(pool[:, rng.integers(3)], rng, 0.3) for _ in range(size)]
        labels = [f"G{g}S{i}" for i in range(size)]
        frame = pd.DataFrame(np.column_stack(columns) if columns else np.zeros((12, 0)),
                             columns=labels)
        groups.append(GroupSignatures(f"g{g}", frame,
                                      pd.Series(rng.uniform(0, 100, size), index=labels)))
    if sum(sizes) == 0:
        return
    merged = merge_group_signatures(groups, prefix="X", min_cosine=min_cosine)
    lookup = {f"{g.group}:{c}": g.signatures[c].to_numpy()
              for g in groups for c in g.signatures.columns}
    members = [m.split(",") for m in merged.members["members"]]
    assert sorted(sum(members, [])) == sorted(lookup)
    for names in members:
        owners = [n.split(":")[0] for n in names]
        assert len(owners) == len(set(owners))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert float(cosine_similarity(lookup[a], lookup[b])) >= min_cosine - 1e-12


def _cohort(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    """Two groups of 30 samples: A uses signatures 0, 1, 2 and B uses 0, 3, 4; plus a thin
    group C of two samples with a handful of mutations (too thin to factor). Returns the
    catalog, the groups file and the truth."""
    rng = np.random.default_rng(11)
    truth = _signatures(rng, 5)
    columns, rows = {}, []
    for group, use, n, scale in (("A", [0, 1, 2], 30, 300.0), ("B", [0, 3, 4], 30, 300.0),
                                 ("C", [1], 2, 4.0)):
        for i in range(n):
            exposure = np.zeros(5)
            exposure[use] = rng.gamma(2.0, scale, size=len(use))
            columns[f"{group}{i}"] = rng.poisson(truth @ exposure)
            rows.append((f"{group}{i}", group))
    catalog = tmp_path / "SBS96.tsv"
    write_matrix(pd.DataFrame(columns, index=SBS96_CHANNELS), catalog, integer=True)
    groups = tmp_path / "groups.tsv"
    pd.DataFrame(rows, columns=["sample", "group"]).to_csv(groups, sep="\t", index=False)
    return catalog, groups, truth


EXTRACT = ["--ranks", "1-5", "--replicates", "6", "--replicates-per-chunk", "3",
           "--cv-folds", "2", "--max-iter", "2000", "--seed", "7"]


@pytest.mark.slow
def test_extract_groups_recovers_each_groups_signatures(tmp_path: Path) -> None:
    catalog, groups, truth = _cohort(tmp_path)
    out = tmp_path / "out"
    assert main(["-q", "extract", "--catalog", str(catalog), "--groups", str(groups),
                 *EXTRACT, "--out", str(out)]) == 0
    found = read_table(out / "signatures.tsv").to_numpy()
    cosines = unit_vectors(truth).T @ unit_vectors(found)
    assert cosines.max(axis=1).min() >= 0.95  # all five planted, four seen by one group only
    assert found.shape[1] == 5
    members = read_table(out / "merged.tsv")
    shared = members.index[cosines[0].argmax()]
    assert members.loc[shared, "groups"] == "A,B"
    provenance = read_json(out / "provenance.json")
    assert "mutations in the cohort, fewer than 40" in provenance["groups"]["C"]["skipped"]
    assert provenance["groups"]["A"]["chosen_rank"] == 3
    assert (out / "groups/C/provenance.json").exists()
    exposures = read_table(out / "exposures.tsv")
    assert exposures.shape == (5, 62)  # every sample refitted to the merged set, C included


@pytest.mark.slow
def test_split_then_merge_commands_equal_extract_groups(tmp_path: Path) -> None:
    """The workflow's route (split-groups, per-group extract, merge-groups) writes the same
    merged signatures as extract --groups, byte for byte."""
    catalog, groups, _ = _cohort(tmp_path)
    assert main(["-q", "extract", "--catalog", str(catalog), "--groups", str(groups),
                 *EXTRACT, "--out", str(tmp_path / "one")]) == 0
    assert main(["-q", "split-groups", "--catalog", str(catalog), "--groups", str(groups),
                 "--out", str(tmp_path / "split")]) == 0
    folders = []
    for group in ("A", "B", "C"):  # C is too thin to factor: skipped, as extract --groups does
        folder = tmp_path / "steps" / group
        folders.append(str(folder))
        assert main(["-q", "extract", "--catalog", str(tmp_path / f"split/{group}.tsv"),
                     "--catalog-name", "SBS96", *EXTRACT, "--skip-unfactorable", "5",
                     "--out", str(folder)]) == 0
    assert main(["-q", "merge-groups", "--catalog", str(catalog), "--group-dirs", *folders,
                 "--out", str(tmp_path / "steps")]) == 0
    for name in ("signatures.tsv", "exposures.tsv", "merged.tsv"):
        assert (tmp_path / f"one/{name}").read_bytes() == (tmp_path / f"steps/{name}").read_bytes()
    assert ((tmp_path / "one/groups/A/signatures.tsv").read_bytes()
            == (tmp_path / "steps/A/signatures.tsv").read_bytes())


@pytest.mark.parametrize(("text", "message"), [
    ("sample\tkind\ns1\tx\n", "no column ['group']"),
    ("sample\tgroup\ns1\tA\ns1\tB\n",
     "line 3: sample 's1' is listed again (first on line 2, in group 'A' there and 'B' here)"),
    ("sample\tgroup\ns1\tA\ns2\tA\ns1\tA\n",
     "line 4: sample 's1' is listed again (first on line 2, in group 'A' both times)"),
    ("sample\tgroup\ns1\tA\ns2\t\n", "line 3: blank sample or group"),
    ("sample\tgroup\ns1\t../up\n", "expected a plain file name"),
    # a grouped sample the catalog lacks: named with its line, and the catalog with it
    ("sample\tgroup\nA0\tA\n\nA1\tA\nZ9\tA\n",
     "bad.tsv, line 5: sample 'Z9' is not in the catalog "),
    ("sample\tgroup\nA0\tA\na1\tA\nZ9\tA\n", "line 3: sample 'a1' is not in the catalog "
     "{catalog} (1 more grouped sample(s) absent too). Remove its row, or check its spelling "
     "against the catalog's sample names. The catalog holds 'A1', which is 'a1' in another "
     "case"),
])
def test_bad_groups_files_are_clear_errors(tmp_path: Path, text: str, message: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    catalog, _, _ = _cohort(tmp_path)
    groups = tmp_path / "bad.tsv"
    groups.write_text(text)
    code = main(["split-groups", "--catalog", str(catalog), "--groups", str(groups),
                 "--out", str(tmp_path / "split")])
    err = capsys.readouterr().err
    assert code == 2 and message.format(catalog=catalog) in err and "Traceback" not in err
    assert not (tmp_path / "split").exists()


def test_sample_without_group_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    catalog, _, _ = _cohort(tmp_path)
    groups = tmp_path / "groups.csv"  # the .csv suffix selects commas; sample_id also works
    groups.write_text("sample_id,group\nA0,A\n")
    code = main(["split-groups", "--catalog", str(catalog), "--groups", str(groups),
                 "--out", str(tmp_path / "split")])
    assert code == 2
    assert "61 sample(s) have no group: ['A1'" in capsys.readouterr().err


def test_merge_groups_records_the_groups_seed_and_refuses_mixed_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Groups of seeds 20261128 and 7 were merged, and the merge recorded its own --seed."""
    from sigforge.cli import main

    example = Path(__file__).resolve().parents[2] / "resources" / "example"
    catalog = pd.read_csv(example / "truth_catalog.tsv", sep="\t", index_col=0).iloc[:, :12]
    catalog.to_csv(tmp_path / "cat.tsv", sep="\t")
    groups = tmp_path / "groups.tsv"
    groups.write_text("sample\tgroup\n" + "".join(
        f"{s}\t{'A' if i < 6 else 'B'}\n" for i, s in enumerate(catalog.columns)))
    base = ["-q", "extract", "--catalog", str(tmp_path / "cat.tsv"), "--ranks", "1-2",
            "--replicates", "4", "--max-iter", "100", "--cv-folds", "0", "--groups",
            str(groups)]
    assert main([*base, "--seed", "7", "--out", str(tmp_path / "s7")]) == 0
    assert main([*base, "--out", str(tmp_path / "ok")]) == 0
    merge = ["merge-groups", "--catalog", str(tmp_path / "cat.tsv"), "--group-dirs"]
    assert main([*merge, str(tmp_path / "s7/groups/A"), str(tmp_path / "s7/groups/B"),
                 "--out", str(tmp_path / "m7")]) == 0
    assert json.loads((tmp_path / "m7/provenance.json").read_text())["seed"] == 7
    capsys.readouterr()
    assert main([*merge, str(tmp_path / "ok/groups/A"), str(tmp_path / "s7/groups/B"),
                 "--out", str(tmp_path / "mixed")]) == 2
    assert "with --seed 7: the groups of one merge come from one run" in capsys.readouterr().err
    assert main([*merge, str(tmp_path / "s7/groups/A"), str(tmp_path / "s7/groups/B"),
                 "--seed", "3", "--out", str(tmp_path / "m3")]) == 2

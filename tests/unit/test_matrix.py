"""Generic matrices: validation messages, dropping of all-zero rows and columns, scaled
resampling, joint stacking, the generic commands, and that none of it imports genomics code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sigforge.cli import main
from sigforge.discovery.matrix import (
    drop_empty,
    pixel_image,
    prepare_joint,
    prepare_matrix,
    split_components,
    stack_modalities,
)
from sigforge.discovery.resample import get_resampler, scaled_multinomial_bootstrap
from sigforge.genomics import read_catalog
from sigforge.io import InputError, read_table, write_matrix
from sigforge.nmf import kl_divergence
from sigforge.testing import planted_counts

GENOMICS = ("sigforge.genomics", "pysam")


def write_text(path: Path, rows: list[str]) -> Path:
    """Write a small table line by line (so a test can plant any bad cell)."""
    path.write_text("\n".join(rows) + "\n")
    return path


def frame(values: np.ndarray, prefix: str = "f") -> pd.DataFrame:
    """A labelled features x samples frame."""
    return pd.DataFrame(values, index=pd.Index([f"{prefix}{i}" for i in range(values.shape[0])],
                                               name="Feature"),
                        columns=[f"s{j}" for j in range(values.shape[1])])


@pytest.mark.parametrize(("cell", "expected"), [
    ("-1.5", "line 3, column 's1': expected a nonnegative value, got -1.5"),
    ("nan", "line 3, column 's1' (row 'g2'): expected a finite number, got 'nan'"),
    ("inf", "line 3, column 's1' (row 'g2'): expected a finite number, got 'inf'"),
    ("abc", "line 3, column 's1' (row 'g2'): expected a finite number, got 'abc'"),
    ("", "line 3, column 's1' (row 'g2'): expected a finite number, got ''"),
])
def test_bad_cells_are_named_by_file_line_and_column(tmp_path: Path, cell: str,
                                                     expected: str) -> None:
    path = write_text(tmp_path / "m.tsv", ["gene\ts0\ts1", "g1\t1\t2", f"g2\t3\t{cell}"])
    with pytest.raises(InputError) as err:
        prepare_matrix(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_duplicate_labels_are_rejected(tmp_path: Path) -> None:
    rows = write_text(tmp_path / "rows.tsv", ["gene\ts0\ts1", "g1\t1\t2", "g1\t3\t4"])
    with pytest.raises(InputError, match="row label 'g1' appears more than once"):
        prepare_matrix(rows)
    cols = write_text(tmp_path / "cols.csv", ["gene,s0,s0", "g1,1,2", "g2,3,4"])
    with pytest.raises(InputError, match="column 's0' appears more than once"):
        prepare_matrix(cols)


def test_unsupported_file_type_says_how_to_convert(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match="tab- or comma-separated text or Parquet"):
        prepare_matrix(path)


def test_parquet_reads_exactly_like_the_same_table_as_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"s0": [1.5, 0.1, 3.0], "s1": [2.0, 1e-12, 4.25]},
                         index=pd.Index(["g1", "g2", "g3"], name="gene"))
    frame.to_parquet(tmp_path / "m.parquet")
    frame.to_csv(tmp_path / "m.tsv", sep="\t")
    from_parquet = prepare_matrix(tmp_path / "m.parquet").data
    from_text = prepare_matrix(tmp_path / "m.tsv").data
    pd.testing.assert_frame_equal(from_parquet, from_text)
    assert from_parquet.loc["g2", "s1"] == 1e-12  # float cells keep their exact value


def test_parquet_bad_cells_name_the_row_and_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"gene": ["g1", "g2"], "s0": [1.0, float("nan")], "s1": [2.0, 3.0]})
    frame.to_parquet(tmp_path / "nan.parquet")
    with pytest.raises(InputError, match=r"row 2, column 's0' \(row 'g2'\)"):
        prepare_matrix(tmp_path / "nan.parquet")
    frame["s0"] = [1.0, -4.0]
    frame.to_parquet(tmp_path / "neg.parquet")
    with pytest.raises(InputError, match="row 2, column 's0': expected a nonnegative value"):
        prepare_matrix(tmp_path / "neg.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="cannot be read as Parquet"):
        prepare_matrix(tmp_path / "broken.parquet")


def test_all_zero_rows_and_columns_are_dropped_and_listed(tmp_path: Path) -> None:
    path = write_text(tmp_path / "m.csv", ["word,d0,d1,d2", "a,1,0,2.5", "b,0,0,0", "c,3,0,1"])
    prepared = prepare_matrix(path)
    assert list(prepared.data.index) == ["a", "c"]
    assert list(prepared.data.columns) == ["d0", "d2"]
    assert not prepared.counts
    dropped = prepared.dropped.reset_index()
    assert dropped[["axis", "label", "position"]].values.tolist() == [
        ["feature", "b", 1], ["sample", "d1", 1]]


def test_nothing_left_after_dropping_is_an_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "m.tsv", ["f\ts0", "a\t0", "b\t0"])
    with pytest.raises(InputError, match="0 feature\\(s\\) x 0 sample\\(s\\) remain"):
        prepare_matrix(path)


def test_declared_counts_must_be_whole_numbers(tmp_path: Path) -> None:
    path = write_text(tmp_path / "m.tsv", ["f\ts0\ts1", "a\t1\t2", "b\t3\t0.5"])
    with pytest.raises(InputError, match="row 'b', column 's1' holds 0.5"):
        prepare_matrix(path, counts=True)
    assert prepare_matrix(write_text(tmp_path / "c.tsv", ["f\ts0", "a\t1", "b\t3"]),
                          counts=True).counts


def test_pixel_shape_must_match_and_images_put_dropped_pixels_back(tmp_path: Path) -> None:
    values = np.arange(1, 7, dtype=float).reshape(6, 1) * np.ones((6, 2))
    values[4] = 0.0
    path = tmp_path / "img.tsv"
    write_matrix(frame(values), path, label="Feature")
    with pytest.raises(InputError, match="features_are_pixels \\[2, 2\\] needs 4"):
        prepare_matrix(path, pixels=(2, 2))
    prepared = prepare_matrix(path, pixels=(2, 3))
    image = pixel_image(prepared.data["s0"], (2, 3), prepared.dropped)
    np.testing.assert_array_equal(image, [[1, 2, 3], [4, 0, 6]])


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
              elements=st.sampled_from([0.0, 0.5, 1.0, 3.25, 1e6])))
def test_drop_empty_keeps_exactly_the_nonzero_rows_and_columns(values: np.ndarray) -> None:
    data, dropped = drop_empty(frame(values))
    assert (data.to_numpy().any(axis=1)).all() and (data.to_numpy().any(axis=0)).all()
    assert data.shape[0] + (dropped.index == "feature").sum() == values.shape[0]
    assert data.shape[1] + (dropped.index == "sample").sum() == values.shape[1]
    assert data.to_numpy().sum() == pytest.approx(values.sum())


@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 6)),
              elements=st.floats(0, 1e3, allow_subnormal=False)),
       st.integers(-10, 10), st.integers(0, 2**32 - 1))
def test_scaled_resampling_keeps_totals_and_ignores_the_unit(values: np.ndarray, power: int,
                                                            seed: int) -> None:
    unit = 2.0**power  # exact in floating point, so the proportions are bit-identical
    draw = scaled_multinomial_bootstrap(values, np.random.default_rng(seed), depth=500)
    scaled = scaled_multinomial_bootstrap(values * unit, np.random.default_rng(seed), depth=500)
    np.testing.assert_allclose(draw.sum(axis=0), values.sum(axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(scaled, draw * unit, rtol=1e-9, atol=1e-9)
    assert (draw >= 0).all() and (draw[values == 0] == 0).all()


def test_scaled_resampling_noise_shrinks_with_depth(rng: np.random.Generator) -> None:
    values = rng.uniform(0.1, 1.0, size=(20, 50))
    shallow = get_resampler("scaled:100")(values, np.random.default_rng(1))
    deep = get_resampler("scaled:100000")(values, np.random.default_rng(1))
    assert np.abs(deep - values).mean() < np.abs(shallow - values).mean() / 10
    with pytest.raises(ValueError, match="scaled:DEPTH"):
        get_resampler("scaled:zero")


def test_stacked_weighted_kl_is_the_weighted_sum_of_block_kls(rng: np.random.Generator) -> None:
    a, b = rng.poisson(5.0, (6, 9)).astype(float), rng.poisson(2.0, (4, 9)).astype(float)
    Wa, Wb, H = rng.uniform(0.1, 1, (6, 2)), rng.uniform(0.1, 1, (4, 2)), rng.uniform(1, 3, (2, 9))
    stacked, blocks = stack_modalities({"A": frame(a, "a"), "B": frame(b, "b")},
                                       {"A": 1.0, "B": 3.0})
    model = np.vstack([Wa @ H, 3.0 * Wb @ H])
    assert kl_divergence(stacked.to_numpy(), model) == pytest.approx(
        kl_divergence(a, Wa @ H) + 3.0 * kl_divergence(b, Wb @ H))
    assert list(blocks["modality"].unique()) == ["A", "B"]


def test_split_components_undoes_the_weights(rng: np.random.Generator) -> None:
    Wa = rng.dirichlet(np.ones(5), 2).T
    Wb = rng.dirichlet(np.ones(3), 2).T
    _, blocks = stack_modalities({"A": frame(np.ones((5, 2)), "a"),
                                  "B": frame(np.ones((3, 2)), "b")}, {"A": 1.0, "B": 4.0})
    stacked = np.vstack([0.5 * Wa, 4.0 * 0.5 * Wb / 4.0 * 4.0])
    stacked /= stacked.sum(axis=0)
    signatures = pd.DataFrame(stacked, index=blocks.index, columns=["C1", "C2"])
    per_modality, shares = split_components(signatures, blocks)
    np.testing.assert_allclose(per_modality["A"].to_numpy(), Wa)
    np.testing.assert_allclose(per_modality["B"].to_numpy(), Wb)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0)
    assert list(per_modality["B"].index) == ["b0", "b1", "b2"]


def test_joint_modalities_must_share_samples(tmp_path: Path) -> None:
    write_matrix(frame(np.ones((3, 4))), tmp_path / "a.tsv", label="Feature")
    write_matrix(frame(np.ones((2, 3))), tmp_path / "b.tsv", label="Feature")
    with pytest.raises(InputError, match="modality 'B'.*missing \\['s3'\\]"):
        prepare_joint({"A": str(tmp_path / "a.tsv"), "B": str(tmp_path / "b.tsv")},
                      {"A": 1.0, "B": 1.0})


def test_prepare_matrix_command_fails_without_output(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = write_text(tmp_path / "m.tsv", ["f\ts0", "a\t1", "b\t-2"])
    code = main(["prepare-matrix", "--input", str(path), "--name", "X", "--out",
                 str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "sigforge prepare-matrix: error:" in err and "nonnegative" in err
    assert not (tmp_path / "out").exists()


def test_count_resampling_of_real_values_is_refused(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.tsv"
    write_matrix(frame(np.full((4, 5), 0.3)), path, label="Feature")  # columns sum to 1.2
    code = main(["extract", "--catalog", str(path), "--generic", "--ranks", "1",
                 "--replicates", "2", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "--resampling poisson draws whole counts" in capsys.readouterr().err
    code = main(["refit", "--catalog", str(path), "--generic", "--signatures", str(path),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "use --method nnls" in capsys.readouterr().err


GENERIC_RUN = """
import json, sys
from sigforge.cli import main
base = sys.argv[1]
codes = [main(["-q", "prepare-matrix", "--input", base + "/in.tsv", "--name", "M",
               "--out", base + "/cat"]),
         main(["-q", "extract", "--catalog", base + "/cat/M.tsv", "--generic", "--ranks", "1-2",
               "--replicates", "2", "--max-iter", "50", "--min-iter", "5",
               "--resampling", "scaled:1000", "--out", base + "/ex"]),
         main(["-q", "refit", "--catalog", base + "/cat/M.tsv", "--generic", "--signatures",
               base + "/ex/signatures.tsv", "--method", "nnls", "--bootstrap", "0",
               "--out", base + "/rf"])]
print(json.dumps({"codes": codes, "modules": sorted(m for m in sys.modules
                                                     if m.startswith(("sigforge", "pysam")))}))
"""


def test_generic_commands_import_no_genomics_module(tmp_path: Path) -> None:
    planted = planted_counts(12, 8, 2, burden=300, rng=3)
    write_matrix(frame(planted.counts / 7.0), tmp_path / "in.tsv", label="Feature")
    run = subprocess.run([sys.executable, "-c", GENERIC_RUN, str(tmp_path)], text=True,
                         capture_output=True, check=True)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0], run.stderr
    assert "sigforge.discovery.matrix" in result["modules"] and "sigforge.nmf" in result["modules"]
    assert not [m for m in result["modules"] if m.startswith(GENOMICS)]
    exposures = read_catalog(tmp_path / "rf/exposures.tsv", generic=True).data
    assert list(exposures.columns) == [f"s{j}" for j in range(8)]
    assert (read_table(tmp_path / "rf/reconstruction.tsv")["cosine"] > 0.8).all()


def test_joint_counts_need_whole_number_weights(tmp_path: Path) -> None:
    write_matrix(frame(np.ones((3, 4))), tmp_path / "a.tsv", label="Feature")
    write_matrix(frame(np.full((2, 4), 3.0)), tmp_path / "b.tsv", label="Feature")
    paths = {"A": str(tmp_path / "a.tsv"), "B": str(tmp_path / "b.tsv")}
    with pytest.raises(InputError, match="turn the counts into fractions"):
        prepare_joint(paths, {"A": 1.0, "B": 0.5}, counts=True)
    prepared, blocks = prepare_joint(paths, {"A": 1.0, "B": 2.0}, counts=True)
    assert prepared.counts and prepared.data.loc["B:f0"].tolist() == [6.0] * 4
    assert blocks.loc["B:f1", "weight"] == 2.0


def test_a_weight_that_underflows_a_modality_is_refused() -> None:
    """--weights 1e-200 1 wrote cells of 5e-200, exit 0, which extract then refused."""
    values = {"A": frame(np.full((3, 2), 5.0), "a"), "B": frame(np.ones((2, 2)), "b")}
    with pytest.raises(InputError, match=r"modality 'A': weight 1e-200 scales its smallest "
                                         r"nonzero value to 5e-200, below 1e-100"):
        stack_modalities(values, {"A": 1e-200, "B": 1.0})
    stacked, _ = stack_modalities(values, {"A": 1e-90, "B": 1.0})
    assert stacked.to_numpy().min() == pytest.approx(5e-90)


def test_refit_of_a_generic_matrix_names_the_options_it_ignores(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """--decompose-into, --novel-below and --include-artefacts were ignored silently for a
    --generic matrix (no COSMIC decomposition, no artefact signatures)."""
    write_matrix(frame(np.array([[3.0, 1, 2], [1, 4, 2], [2, 2, 5]])), tmp_path / "m.tsv",
                 label="Feature")
    write_matrix(frame(np.array([[0.6, 0.1], [0.3, 0.2], [0.1, 0.7]]), "f").set_axis(
        ["C1", "C2"], axis=1), tmp_path / "sig.tsv", label="Feature")
    base = ["refit", "--catalog", str(tmp_path / "m.tsv"), "--generic", "--signatures",
            str(tmp_path / "sig.tsv"), "--method", "nnls", "--bootstrap", "0"]
    with caplog.at_level("WARNING"):
        assert main([*base, "--out", str(tmp_path / "a")]) == 0
    assert "ignores" not in caplog.text
    with caplog.at_level("WARNING"):
        assert main([*base, "--novel-below", "0.8", "--include-artefacts", "--out",
                     str(tmp_path / "b")]) == 0
    assert ("--novel-below and --include-artefacts: used only for mutation catalogs"
            in caplog.text and "a --generic matrix ignores them" in caplog.text)


def test_a_generic_refit_names_a_tumour_type_and_genome_build_as_ignored(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """--tumour-type NotAType with --method negbin exited 0 without a word (and gave the
    same bytes as a real type); --genome-build was ignored silently too."""
    write_matrix(frame(np.array([[3.0, 1, 2], [1, 4, 2], [2, 2, 5]])), tmp_path / "m.tsv",
                 label="Feature")
    write_matrix(frame(np.array([[0.6, 0.1], [0.3, 0.2], [0.1, 0.7]]), "f").set_axis(
        ["C1", "C2"], axis=1), tmp_path / "sig.tsv", label="Feature")
    with caplog.at_level("WARNING"):
        assert main(["refit", "--catalog", str(tmp_path / "m.tsv"), "--generic",
                     "--signatures", str(tmp_path / "sig.tsv"), "--method", "negbin",
                     "--bootstrap", "0", "--tumour-type", "NotAType", "--genome-build",
                     "GRCh38", "--out", str(tmp_path / "a")]) == 0
    assert ("--genome-build and --tumour-type NotAType: used only for mutation catalogs"
            in caplog.text and "a --generic matrix ignores them" in caplog.text)


def test_a_generic_refit_warns_of_mixed_or_too_many_signatures(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A column C = (A + B) / 2, or more signatures than features, gave NNLS exposures that
    are one of many equally good ones, without a word."""
    rng = np.random.default_rng(2)
    write_matrix(frame(rng.poisson(20.0, (6, 5)).astype(float)), tmp_path / "m.tsv",
                 label="Feature")
    a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    mixed = frame(np.column_stack([a, b, (a + b) / 2]), "f").set_axis(["A", "B", "C"], axis=1)
    write_matrix(mixed, tmp_path / "mixed.tsv", label="Feature")
    many = frame(rng.dirichlet(np.ones(6), size=7).T, "f").set_axis(
        [f"S{i}" for i in range(7)], axis=1)
    write_matrix(many, tmp_path / "many.tsv", label="Feature")
    independent = frame(rng.dirichlet(np.ones(6), size=3).T, "f").set_axis(
        ["X", "Y", "Z"], axis=1)
    write_matrix(independent, tmp_path / "ok.tsv", label="Feature")

    def refit(signatures: str, method: str) -> str:
        caplog.clear()
        with caplog.at_level("WARNING"):
            assert main(["refit", "--catalog", str(tmp_path / "m.tsv"), "--generic",
                         "--signatures", str(tmp_path / signatures), "--method", method,
                         "--bootstrap", "0", "--out", str(tmp_path / f"{signatures}_{method}")
                         ]) == 0
        return caplog.text

    assert "columns 'A', 'B', 'C' are linearly dependent" in refit("mixed.tsv", "nnls")
    assert "linearly dependent" in refit("mixed.tsv", "negbin")
    assert "7 signatures for 6 features" in refit("many.tsv", "nnls")
    assert "signatures for" not in refit("many.tsv", "negbin")
    assert "dependent" not in refit("ok.tsv", "nnls")


def test_a_folder_as_the_matrix_and_real_values_under_joint_counts_say_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder given as --input was told about file formats; a real value in a joint run
    declared counts named no fix."""
    assert main(["prepare-matrix", "--input", str(tmp_path), "--name", "M", "--out",
                 str(tmp_path / "out")]) == 2
    assert f"{tmp_path}: is a folder, not a file" in capsys.readouterr().err
    write_matrix(frame(np.array([[3.0, 1], [1, 4]])), tmp_path / "a.tsv", label="Feature")
    write_matrix(frame(np.array([[2.5, 1], [1, 4]]), "p"), tmp_path / "b.tsv", label="Feature")
    assert main(["prepare-joint", "--inputs", str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv"),
                 "--modalities", "a", "b", "--weights", "1", "1", "--counts", "--name", "J",
                 "--out", str(tmp_path / "j")]) == 2
    err = capsys.readouterr().err
    assert "holds 2.5, but the data are declared counts (--counts" in err
    assert "round the modality 'b' to whole numbers" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "j").exists()


def test_generic_labels_differing_in_case_name_both_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Signatures labelled F0.. against a catalog's f0.. were blamed on the catalog ('write
    every label in the expected case'), though neither file's labels are a standard."""
    write_matrix(frame(np.array([[3.0, 1, 2], [1, 4, 2], [2, 2, 5], [1, 1, 1]])),
                 tmp_path / "m.tsv", label="Feature")
    write_matrix(frame(np.array([[0.4, 0.1], [0.3, 0.2], [0.2, 0.3], [0.1, 0.4]]), "F").set_axis(
        ["C1", "C2"], axis=1), tmp_path / "sig.tsv", label="Feature")
    assert main(["refit", "--catalog", str(tmp_path / "m.tsv"), "--generic", "--signatures",
                 str(tmp_path / "sig.tsv"), "--method", "nnls", "--bootstrap", "0", "--out",
                 str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert ("The catalog's row labels and the signature table's differ only in case (e.g. "
            "'f0' in the catalog, 'F0' in the signatures)") in err
    assert "expected case" not in err


def test_whole_number_totals_beyond_exact_counts_are_refused_before_any_solve(
        tmp_path: Path) -> None:
    """A sample of 9.9e18 counts passed prepare-matrix; discovery refused it only after every
    replicate had been solved (in the words of a refit method), and a multinomial resample
    failed with numpy's 'n < 0'. Real values of any scale still pass."""
    from sigforge.discovery.resample import multinomial_bootstrap

    values = np.column_stack([np.full(1100, 9e15), np.arange(1.0, 1101.0)])
    frame = pd.DataFrame(values, index=[f"f{i}" for i in range(1100)], columns=["p1", "p2"])
    path = tmp_path / "big.tsv"
    frame.to_csv(path, sep="\t", index_label="Feature")
    with pytest.raises(InputError, match=r"sample 'p1' holds 9.9e\+18 counts in all \(1 "
                                         r"sample\(s\) above 9007199254740991.*power of ten"):
        prepare_matrix(path)  # whole numbers: counts unless declared otherwise
    # declared counts: a cell of 9e15 (over 2**52) can no longer show a fraction
    with pytest.raises(InputError, match=r"row 'f0', column 'p1' holds 9000000000000000, 2\*\*52 "
                                         r"or more, .*cannot be checked to be a count"):
        prepare_matrix(path, counts=True)
    with pytest.raises(ValueError, match=r"sample \(column\) 0 holds 9.9e\+18 .* multinomial"):
        multinomial_bootstrap(values, np.random.default_rng(0))
    (frame + 0.5).to_csv(path, sep="\t", index_label="Feature")  # real values: scale-free
    assert prepare_matrix(path).data.shape == (1100, 2)


@pytest.mark.parametrize("command", ["replicates", "consensus", "cross-validate", "extract"])
def test_raw_tables_of_counts_beyond_exact_are_refused_by_every_discovery_step(
        tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A raw table (not through prepare-matrix) of 1.3e16 counts per sample was factored by
    replicates and cross-validate (Poisson resampling), and refused only by consensus."""
    from sigforge.cli import main
    from sigforge.discovery import CVOptions, NMFOptions, RankRule, run_discovery

    rng = np.random.default_rng(0)
    values = np.round(rng.random((20, 3)) @ (rng.random((3, 12)) * 1e15))
    frame = pd.DataFrame(values, index=[f"f{i}" for i in range(20)],
                         columns=[f"s{j}" for j in range(12)])
    path = tmp_path / "m.tsv"
    frame.to_csv(path, sep="\t", index_label="Feature")
    options = {"replicates": ["--first", "0", "--count", "2", "--resampling", "poisson"],
               "consensus": ["--chunks", str(tmp_path / "none.npz")],
               "cross-validate": [], "extract": ["--ranks", "2-3"]}[command]
    args = ["-q", command, "--catalog", str(path), "--generic", "--out", str(tmp_path / "o"),
            *options]
    if command != "extract":
        args += ["--k", "3"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert f"{path}: sample 's" in err and "above 9007199254740991" in err, err
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match=r"catalog: sample 's\d+' holds .* power of ten"):
        run_discovery(frame, [2], replicates=2, chunk_size=2, seed=1, matrix_name="m",
                      options=NMFOptions(resampling="scaled"), rule=RankRule(),
                      cv=CVOptions())

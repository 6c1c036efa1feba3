"""The command line: help, exit codes and one-paragraph messages on bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from sigforge.genomics import read_catalog
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import read_json, write_matrix


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("catalog", "extract", "refit", "report", "replicates", "consensus",
                    "select-rank", "merge-catalogs", "cross-validate"):
        assert command in out


def test_missing_reference_is_a_clear_error(tmp_path: Path, make_vcf: Callable[..., Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    vcf = make_vcf([("chr1", 2, "C", "A", "PASS")])
    code = main(["catalog", "--reference", str(tmp_path / "nope.fa"), "--vcf", str(vcf),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "sigforge catalog: error: reference FASTA" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_catalog_command_writes_catalog_and_log(tmp_path: Path, make_fasta: Callable[..., Path],
                                                make_vcf: Callable[..., Path]) -> None:
    fasta = make_fasta({"chr1": "ACGTTACGCATGCA"})
    vcf = make_vcf([("chr1", 2, "C", "A", "PASS"), ("chr1", 4, "T", "G", "LowQual")])
    assert main(["catalog", "--reference", str(fasta), "--vcf", str(vcf), "--out",
                 str(tmp_path / "out")]) == 0
    catalog = read_catalog(tmp_path / "out/SBS96.tsv").data
    assert list(catalog.columns) == ["TUMOUR"]  # the VCF's sample column names the sample
    assert catalog["TUMOUR"].sum() == 1
    log = (tmp_path / "out/catalog_log.tsv").read_text()
    assert "filtered" in log


def test_rank_too_large_for_the_catalog(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    catalog = pd.DataFrame(np.random.default_rng(0).integers(1, 9, size=(96, 3)),
                           index=SBS96_CHANNELS, columns=["a", "b", "c"])
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    code = main(["extract", "--catalog", str(tmp_path / "SBS96.tsv"), "--ranks", "2-5",
                 "--replicates", "2", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "rank k=4 is impossible" in capsys.readouterr().err


def test_bad_rank_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["extract", "--catalog", "x.tsv", "--ranks", "two", "--out", "y"])
    assert exit_info.value.code == 2
    assert "expected ranks like" in capsys.readouterr().err


def test_refit_to_cosmic_by_name(tmp_path: Path) -> None:
    from sigforge.genomics.reference import load_reference

    cosmic = load_reference("COSMIC_v3.6").data
    catalog = (cosmic[["SBS1", "SBS13"]] @ np.array([[100.0, 0.0], [50.0, 200.0]])).round()
    catalog.columns = ["p1", "p2"]
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    assert main(["refit", "--catalog", str(tmp_path / "SBS96.tsv"), "--signatures",
                 "COSMIC_v3.6", "--out", str(tmp_path / "refit")]) == 0
    exposures = read_catalog(tmp_path / "refit/exposures.tsv").data
    assert exposures.loc["SBS13", "p2"] == pytest.approx(200.0, rel=0.05)
    # negbin's exposures are the Poisson MLE of the chosen set: they add up to the counts.
    assert exposures["p1"].sum() == pytest.approx(catalog["p1"].sum(), rel=1e-6)
    assert set(exposures.index[exposures["p1"] > 0.5]) == {"SBS1", "SBS13"}


def test_stage_commands_with_cross_validation_match_extract(tmp_path: Path) -> None:
    """replicates -> consensus -> cross-validate -> select-rank by hand (the workflow's jobs),
    given extract's settings, write extract's signatures, rank metrics and provenance."""
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 12, 2, burden=800, rng=4).counts
    catalog = pd.DataFrame(counts, index=SBS96_CHANNELS,
                           columns=[f"S{j}" for j in range(12)])
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    shared = ["--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "5", "--max-iter", "300",
              "--min-iter", "20", "--starts", "2"]
    cv = ["--cv-folds", "2", "--cv-max-iter", "200"]
    dirs, cv_files = [], []
    for k in (2, 3):
        chunk = tmp_path / f"k{k}.npz"
        assert main(["replicates", *shared, "--k", str(k), "--first", "0", "--count", "3",
                     "--out", str(chunk)]) == 0
        assert main(["consensus", "--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "5",
                     "--k", str(k), "--chunks", str(chunk),
                     "--out", str(tmp_path / "stage" / f"k{k}")]) == 0
        assert main(["cross-validate", *shared, *cv, "--k", str(k),
                     "--out", str(tmp_path / f"cv{k}.npz")]) == 0
        dirs.append(str(tmp_path / "stage" / f"k{k}"))
        cv_files.append(str(tmp_path / f"cv{k}.npz"))
    run = ["--ranks", "2-3", "--replicates", "3", "--min-error-gain", "0.02"]
    assert main(["select-rank", "--rank-dirs", *dirs, "--cv", *cv_files, *shared, *cv, *run,
                 "--out", str(tmp_path / "stage")]) == 0
    assert main(["extract", *shared, *cv, *run, "--out", str(tmp_path / "one")]) == 0
    stage = (tmp_path / "stage" / "rank_metrics.tsv").read_text()
    assert "cv_error" in stage and "gap_clusters" in stage
    for name in ("rank_metrics.tsv", "signatures.tsv", "provenance.json"):
        assert (tmp_path / "stage" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    provenance = read_json(tmp_path / "one" / "provenance.json")
    assert provenance["seed"] == 5 and provenance["ranks"] == [2, 3]
    assert isinstance(provenance["rank_caution"], bool)  # read by the reports
    edge = provenance["rank_edge"]  # ranks 2-3: 3 is the top edge, 2 one only as a fallback
    flagged = provenance["chosen_rank"] == 3 or provenance["rank_caution"]
    assert (f"k = {provenance['chosen_rank']} is the" in edge and "--ranks" in edge) is flagged
    assert isinstance(edge, str) and (edge == "") is not flagged
    assert provenance["nmf"]["max_iter"] == 300 and provenance["cross_validation"]["folds"] == 2
    assert provenance["nmf"]["starts"] == 2
    assert provenance["rank_rule"]["min_error_gain"] == 0.02
    assert provenance["catalog_name"] == "SBS96"



def _assert_same_selection(stage: Path, one: Path) -> None:
    """select-rank (``stage``) and extract (``one``) wrote the same chosen-rank files."""
    for name in ("rank_metrics.tsv", "signatures.tsv", "exposures.tsv", "stability.tsv",
                 "provenance.json"):
        assert (stage / name).read_bytes() == (one / name).read_bytes(), name


def test_a_component_left_out_is_left_out_alike_by_extract_and_the_stage_commands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two planted signatures factored at k = 3: the third component is not reproduced by the
    replicates (stability -0.82) and is left out; signatures, exposures (refitted to the two
    kept) and provenance are the same bits from extract and from select-rank; select-rank
    without the catalog cannot refit and says what to add."""
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 12, 2, burden=800, rng=4).counts
    catalog = pd.DataFrame(counts, index=SBS96_CHANNELS, columns=[f"S{j}" for j in range(12)])
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    shared = ["--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "5", "--max-iter", "300",
              "--min-iter", "20"]
    run = ["--ranks", "3", "--replicates", "3", "--cv-folds", "0"]
    assert main(["replicates", *shared, "--k", "3", "--first", "0", "--count", "3",
                 "--out", str(tmp_path / "k3.npz")]) == 0
    assert main(["consensus", "--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "5",
                 "--k", "3", "--chunks", str(tmp_path / "k3.npz"),
                 "--out", str(tmp_path / "stage" / "k3")]) == 0
    rank_dirs = ["--rank-dirs", str(tmp_path / "stage" / "k3")]
    capsys.readouterr()
    assert main(["select-rank", *rank_dirs, *shared[2:], *run,
                 "--out", str(tmp_path / "nocatalog")]) != 0
    message = capsys.readouterr().err
    assert "SBS96C" in message and "--catalog" in message and "-1" in message
    assert not (tmp_path / "nocatalog" / "signatures.tsv").exists()
    assert main(["select-rank", *rank_dirs, *shared, *run, "--out", str(tmp_path / "stage")]) == 0
    assert main(["-q", "extract", *shared, *run, "--out", str(tmp_path / "one")]) == 0
    _assert_same_selection(tmp_path / "stage", tmp_path / "one")
    provenance = read_json(tmp_path / "one" / "provenance.json")
    assert provenance["chosen_rank"] == 3 and provenance["dropped_components"] == ["SBS96C"]
    assert "SBS96C (-0.82)" in provenance["reason"]
    assert provenance["rank_rule"]["drop_below_stability"] == 0.2
    signatures = read_catalog(tmp_path / "one" / "signatures.tsv").data
    exposures = pd.read_csv(tmp_path / "one" / "exposures.tsv", sep="\t", index_col=0)
    assert list(signatures.columns) == ["SBS96A", "SBS96B"]
    assert list(exposures.index) == ["SBS96A", "SBS96B"]
    # The left-out component's mutations went to the kept ones (refitted, not just cut).
    whole = read_catalog(tmp_path / "one" / "k3" / "signatures.tsv").data
    assert list(whole.columns) == ["SBS96A", "SBS96B", "SBS96C"]  # the rank folder is whole
    before = pd.read_csv(tmp_path / "one" / "k3" / "exposures.tsv", sep="\t", index_col=0)
    assert before.loc["SBS96C"].sum() > 100
    gained = exposures.sum(axis=0) - before.loc[["SBS96A", "SBS96B"]].sum(axis=0)
    assert (gained >= -1e-6).all() and gained.sum() > 0.5 * before.loc["SBS96C"].sum()
    np.testing.assert_allclose(exposures.sum(axis=0), catalog.sum(axis=0), rtol=0.05)
    assert main(["-q", "extract", *shared, *run, "--drop-below-stability", "-1",
                 "--out", str(tmp_path / "all")]) == 0
    assert read_json(tmp_path / "all" / "provenance.json")["dropped_components"] == []
    assert read_catalog(tmp_path / "all" / "signatures.tsv").data.shape[1] == 3

def test_a_component_rescued_from_a_larger_rank_is_added_alike_by_extract_and_stages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three planted signatures, ranks 2-3, k = 3 refused by an error-gain threshold of 99%:
    k = 2 is chosen and the components of k = 3 its replicates reproduce, unlike k = 2's,
    are added under the next names; extract and replicates -> consensus -> select-rank write
    the same bits, select-rank without the catalog says how to refit or switch it off."""
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 16, 3, burden=2000, rng=7).counts
    catalog = pd.DataFrame(counts, index=SBS96_CHANNELS, columns=[f"S{j}" for j in range(16)])
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    shared = ["--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "3", "--max-iter", "500",
              "--min-iter", "20"]
    run = ["--ranks", "2-3", "--replicates", "4", "--cv-folds", "0", "--min-error-gain", "0.99"]
    for k in (2, 3):
        assert main(["replicates", *shared, "--k", str(k), "--first", "0", "--count", "4",
                     "--out", str(tmp_path / f"k{k}.npz")]) == 0
        assert main(["consensus", "--catalog", str(tmp_path / "SBS96.tsv"), "--seed", "3",
                     "--k", str(k), "--chunks", str(tmp_path / f"k{k}.npz"),
                     "--out", str(tmp_path / "stage" / f"k{k}")]) == 0
    rank_dirs = ["--rank-dirs", str(tmp_path / "stage" / "k2"), str(tmp_path / "stage" / "k3")]
    capsys.readouterr()
    assert main(["select-rank", *rank_dirs, *shared[2:], *run,
                 "--out", str(tmp_path / "nocatalog")]) != 0
    message = capsys.readouterr().err
    assert "of larger ranks added (" in message and "of k=3)" in message
    assert "--catalog" in message and "--rescue-min-stability 2" in message
    assert main(["select-rank", *rank_dirs, *shared, *run, "--out", str(tmp_path / "stage")]) == 0
    assert main(["-q", "extract", *shared, *run, "--out", str(tmp_path / "one")]) == 0
    _assert_same_selection(tmp_path / "stage", tmp_path / "one")
    provenance = read_json(tmp_path / "one" / "provenance.json")
    rescued = provenance["rescued_components"]
    assert provenance["chosen_rank"] == 2 and rescued
    names = ["SBS96A", "SBS96B"] + [entry["name"] for entry in rescued]
    assert names[2:] == ["SBS96C", "SBS96D"][:len(rescued)]
    assert all(entry["rank"] == 3 and entry["stability"] >= 0.95 and entry["closest"] < 0.9
               for entry in rescued)
    assert f"{rescued[0]['name']} (component {rescued[0]['component']} of k=3" in (
        provenance["reason"])
    signatures = read_catalog(tmp_path / "one" / "signatures.tsv").data
    exposures = pd.read_csv(tmp_path / "one" / "exposures.tsv", sep="\t", index_col=0)
    stability = pd.read_csv(tmp_path / "one" / "stability.tsv", sep="\t", index_col=0)
    assert list(signatures.columns) == names == list(exposures.index) == list(stability.index)
    k3 = read_catalog(tmp_path / "one" / "k3" / "signatures.tsv").data
    for entry in rescued:  # the added signature is k = 3's component as its folder holds it
        np.testing.assert_array_equal(signatures[entry["name"]], k3[entry["component"]])
    # Refitted to the added signatures too: the catalog is reconstructed at least as well as
    # by k = 2's own consensus fit.
    k2 = read_catalog(tmp_path / "one" / "k2" / "signatures.tsv").data
    k2_exposures = pd.read_csv(tmp_path / "one" / "k2" / "exposures.tsv", sep="\t",
                               index_col=0)
    residual = np.linalg.norm(catalog.to_numpy() - signatures.to_numpy() @ exposures.to_numpy())
    before = np.linalg.norm(catalog.to_numpy() - k2.to_numpy() @ k2_exposures.to_numpy())
    assert residual <= before * (1 + 1e-9)
    assert main(["-q", "extract", *shared, *run, "--rescue-min-stability", "2",
                 "--out", str(tmp_path / "off")]) == 0
    assert read_json(tmp_path / "off" / "provenance.json")["rescued_components"] == []
    assert read_catalog(tmp_path / "off" / "signatures.tsv").data.shape[1] == 2


def test_select_rank_refuses_ranks_other_than_its_rank_dirs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 8, 2, burden=500, rng=2).counts
    write_matrix(pd.DataFrame(counts, index=SBS96_CHANNELS, columns=[f"S{j}" for j in range(8)]),
                 tmp_path / "SBS96.tsv", integer=True)
    catalog = ["--catalog", str(tmp_path / "SBS96.tsv"), "--max-iter", "50", "--min-iter", "5"]
    assert main(["replicates", *catalog, "--k", "2", "--first", "0", "--count", "2",
                 "--out", str(tmp_path / "c.npz")]) == 0
    assert main(["consensus", "--catalog", str(tmp_path / "SBS96.tsv"), "--k", "2", "--chunks",
                 str(tmp_path / "c.npz"), "--out", str(tmp_path / "k2")]) == 0
    assert main(["select-rank", "--rank-dirs", str(tmp_path / "k2"), "--ranks", "2-3",
                 "--out", str(tmp_path / "out")]) == 2
    assert "--ranks [2, 3] differ from the ranks [2] of --rank-dirs" in capsys.readouterr().err


def test_help_imports_no_stage_module() -> None:
    import json
    import subprocess
    import sys

    code = ("import json, sys, contextlib, io\nfrom sigforge.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['--help'])\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sigforge'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    modules = json.loads(run.stdout.strip().splitlines()[-1])
    stages = ("catalog", "discovery", "refit", "report", "matrix")
    assert not [m for m in modules if m.startswith(tuple(f"sigforge.{s}" for s in
                                                         ("genomics", "discovery", "nmf")))]
    assert not [m for m in modules if m in {f"sigforge.cli.{s}" for s in stages}]


def test_bad_cross_validation_options_are_clear_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = pd.DataFrame(np.ones((96, 4)), index=SBS96_CHANNELS, columns=list("ABCD"))
    write_matrix(catalog, tmp_path / "SBS96.tsv", integer=True)
    code = main(["cross-validate", "--catalog", str(tmp_path / "SBS96.tsv"), "--k", "2",
                 "--cv-holdout", "1.5", "--out", str(tmp_path / "cv.npz")])
    assert code == 2
    assert "--cv-holdout" in capsys.readouterr().err
    assert not (tmp_path / "cv.npz").exists()


def test_drop_empty_leaves_out_samples_without_mutations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    from sigforge.genomics.contexts import DBS78_CHANNELS
    from sigforge.io import read_json
    from sigforge.testing import planted_counts

    planted = planted_counts(len(DBS78_CHANNELS), 12, 2, burden=400, rng=5).counts
    planted[:, 3] = 0  # a sample without a single doublet, as DBS78 catalogs often have
    names = [f"p{i}" for i in range(12)]
    path = tmp_path / "DBS78.tsv"
    write_matrix(pd.DataFrame(planted, index=DBS78_CHANNELS, columns=names), path, integer=True)
    common = ["--catalog", str(path)]
    assert main(["extract", *common, "--ranks", "1-2", "--replicates", "4", "--cv-folds", "0",
                 "--out", str(tmp_path / "refused")]) == 2
    assert "sample(s) ['p3'] have no mutations" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()
    assert main(["-q", "extract", *common, "--drop-empty", "--ranks", "1-2", "--replicates", "4",
                 "--cv-folds", "0", "--out", str(tmp_path / "ex")]) == 0
    assert caplog.text.count("1 sample(s) without mutations left out: p3") == 1
    assert "p3" not in read_catalog(tmp_path / "ex/exposures.tsv").data.columns
    provenance = read_json(tmp_path / "ex/provenance.json")
    assert provenance["samples_without_mutations_left_out"] == ["p3"]
    caplog.clear()
    assert main(["-q", "refit", *common, "--drop-empty", "--signatures", "COSMIC_v3.6",
                 "--bootstrap", "5", "--out", str(tmp_path / "refit")]) == 0
    # the refit lists every sample: the one without a doublet with zero exposures, as its
    # warning says (it said 'left out', as extract's)
    assert "without mutations left out of the fit (zero exposures in every output)" in (
        caplog.text)
    exposures = read_catalog(tmp_path / "refit/exposures.tsv").data
    assert list(exposures.columns) == names and (exposures["p3"] == 0).all()
    assert (exposures.drop(columns="p3").sum() > 0).all()
    quality = pd.read_csv(tmp_path / "refit/reconstruction.tsv", sep="\t", index_col=0)
    assert quality.loc["p3", "burden"] == 0 and np.isnan(quality.loc["p3", "cosine"])
    intervals = pd.read_csv(tmp_path / "refit/exposure_intervals.tsv", sep="\t", index_col=0)
    assert list(dict.fromkeys(intervals.index)) == names
    assert (intervals.loc["p3", ["exposure", "lower", "upper"]].to_numpy() == 0).all()


def test_a_catalog_too_thin_to_factor_is_skipped_with_its_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow's discovery steps and extract write a 'skipped' result naming the reason
    (never a failure), and refitting to its empty signature table gives zero exposures."""
    from sigforge.cli import main
    from sigforge.genomics.contexts import ID83_CHANNELS
    from sigforge.io import read_json

    counts = np.zeros((len(ID83_CHANNELS), 6), dtype=np.int64)
    counts[0, :3] = [3, 1, 2]  # six indels in all
    names = [f"s{i}" for i in range(6)]
    path = tmp_path / "ID83.tsv"
    write_matrix(pd.DataFrame(counts, index=ID83_CHANNELS, columns=names), path, integer=True)
    skip = ["--catalog", str(path), "--drop-empty", "--skip-unfactorable", "3"]
    assert main(["-q", "replicates", *skip, "--k", "2", "--first", "0", "--count", "2",
                 "--out", str(tmp_path / "chunk.npz")]) == 0
    assert main(["-q", "consensus", *skip, "--k", "2", "--chunks", str(tmp_path / "chunk.npz"),
                 "--out", str(tmp_path / "k2")]) == 0
    assert main(["-q", "cross-validate", *skip, "--k", "2", "--cv-folds", "2",
                 "--out", str(tmp_path / "cv2.npz")]) == 0
    assert main(["-q", "select-rank", "--rank-dirs", str(tmp_path / "k2"), "--cv",
                 str(tmp_path / "cv2.npz"), *skip, "--out", str(tmp_path / "chosen")]) == 0
    provenance = read_json(tmp_path / "chosen/provenance.json")
    assert provenance["chosen_rank"] is None
    assert "only 1 channel(s) hold a mutation" in provenance["skipped"]
    assert provenance["samples_without_mutations_left_out"] == ["s3", "s4", "s5"]
    assert main(["-q", "extract", *skip, "--ranks", "2-3", "--replicates", "4",
                 "--out", str(tmp_path / "one")]) == 0
    assert read_json(tmp_path / "one/provenance.json")["skipped"] == provenance["skipped"]
    assert (tmp_path / "one/k3/cv.npz").is_file()
    assert main(["-q", "refit", "--catalog", str(path), "--drop-empty", "--signatures",
                 str(tmp_path / "chosen/signatures.tsv"), "--bootstrap", "5",
                 "--out", str(tmp_path / "refit")]) == 0
    exposures = pd.read_csv(tmp_path / "refit/exposures.tsv", sep="\t", index_col=0)
    assert exposures.shape == (0, 6)
    # without --skip-unfactorable the same catalog is factored as asked (or refused)
    assert main(["-q", "replicates", "--catalog", str(path), "--drop-empty", "--k", "2",
                 "--first", "0", "--count", "2", "--out", str(tmp_path / "factored.npz")]) == 0
    assert "skipped" not in np.load(tmp_path / "factored.npz")


@pytest.mark.parametrize(("samples", "said"), [
    (6, "to at most 1, the largest this catalog supports"),
    (1, "add samples or mutations: it cannot be factored at any rank")])
def test_a_required_catalog_too_thin_to_factor_stops_with_the_rank_it_supports(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], samples: int, said: str) -> None:
    """A workflow cohort too thin for SBS96 ran every job, then failed at the report, whose
    advice (rerun extract) skipped again: the fix is a lower largest rank. With
    --require-factored the first discovery job stops, naming it."""
    from sigforge.cli import main

    counts = np.zeros((96, 6), dtype=np.int64)
    counts[:5, :samples] = 1  # 5 x samples mutations: too few for rank 2 (40 needed)
    path = tmp_path / "SBS96.tsv"
    write_matrix(pd.DataFrame(counts, index=SBS96_CHANNELS, columns=[f"s{i}" for i in range(6)]),
                 path, integer=True)
    code = main(["-q", "replicates", "--catalog", str(path), "--drop-empty",
                 "--skip-unfactorable", "2", "--require-factored", "--k", "2", "--first", "0",
                 "--count", "2", "--out", str(tmp_path / "chunk.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "too thin to factor at ranks up to 2" in err and said in err, err
    assert not (tmp_path / "chunk.npz").exists()


def test_runs_without_the_edge_field_get_it_from_their_ranks() -> None:
    """provenance.json written before ``rank_edge`` existed: the reports compute it."""
    from sigforge.cli.rank_provenance import rank_edge

    old = {"ranks": [1, 2, 3, 4], "chosen_rank": 4, "rank_rule": {"fixed_rank": None}}
    fallback = {"ranks": [2, 3, 4], "chosen_rank": 2, "rank_caution": True}
    assert "smallest rank tried (2-4)" in rank_edge(fallback)
    assert rank_edge({**fallback, "rank_caution": False}) == ""
    assert "largest rank tried (1-4)" in rank_edge(old)
    assert rank_edge({**old, "chosen_rank": 3}) == ""
    assert rank_edge({**old, "rank_rule": {"fixed_rank": 4}}) == ""
    assert rank_edge({**old, "chosen_rank": None, "skipped": "too thin"}) == ""
    assert rank_edge({**old, "rank_edge": ""}) == ""  # recorded: trusted as written


@pytest.mark.parametrize(("converged", "warned"), [(0.2, True), (0.5, False), (1.0, False)])
def test_a_chosen_rank_whose_replicates_did_not_converge_is_warned_about(
        converged: float, warned: bool, caplog: pytest.LogCaptureFixture) -> None:
    """max_iter 1 ran to the end with 'converged fraction 0.000' in the report and no word."""
    from types import SimpleNamespace

    from sigforge.cli.rank_provenance import warn_rank_choice

    metrics = pd.DataFrame({"converged_fraction": [1.0, converged]}, index=[2, 3])
    with caplog.at_level("WARNING"):
        warn_rank_choice(SimpleNamespace(rank=3, metrics=metrics, edge=""))
    assert ("k=3: only 20% of its replicates converged" in caplog.text) is warned
    assert ("converged" in caplog.text) is warned


def test_a_rerun_without_cross_validation_removes_the_earlier_cv_of_its_ranks(
        tmp_path: Path) -> None:
    """extract --cv-folds 2, then --cv-folds 0 into the same --out, left k2/cv.npz of the
    first run beside the second's signatures, under a provenance saying 0 folds."""
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 10, 2, burden=600, rng=6).counts
    write_matrix(pd.DataFrame(counts, index=SBS96_CHANNELS,
                              columns=[f"S{j}" for j in range(10)]),
                 tmp_path / "SBS96.tsv", integer=True)
    common = ["extract", "--catalog", str(tmp_path / "SBS96.tsv"), "--ranks", "2",
              "--replicates", "3", "--max-iter", "200", "--cv-max-iter", "100",
              "--out", str(tmp_path / "ex")]
    assert main([*common, "--cv-folds", "2"]) == 0
    assert (tmp_path / "ex" / "k2" / "cv.npz").is_file()
    assert main([*common, "--cv-folds", "0"]) == 0
    assert not (tmp_path / "ex" / "k2" / "cv.npz").exists()
    assert (tmp_path / "ex" / "k2" / "signatures.tsv").is_file()


@pytest.mark.parametrize(("options", "message"), [
    (["--tol=inf"], "--tol: expected a finite --tol >= 0, got inf"),
    (["--cap=inf"], "--cap: expected a finite --cap >= 1e-90"),
    (["--normalisation", "cap", "--cap", "1e-300"], "--cap: expected a finite --cap >= 1e-90"),
])
def test_infinite_or_underflowing_tol_and_cap_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
        message: str) -> None:
    """--tol inf said 'tol: expected a finite number'; a generic --cap of 1e-300 blamed the
    data ('X: expected values up to at least 1e-100')."""
    write_matrix(pd.DataFrame(np.arange(1.0, 25.0).reshape(6, 4), columns=list("ABCD"),
                              index=pd.Index([f"f{i}" for i in range(6)], name="Feature")),
                 tmp_path / "m.tsv")
    code = main(["extract", "--catalog", str(tmp_path / "m.tsv"), "--generic", "--ranks", "2",
                 "--replicates", "2", "--cv-folds", "0", *options,
                 "--out", str(tmp_path / "ex")])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "ex").exists()


def test_a_cap_that_changes_nothing_is_warned_of(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """--cap with the gmm normalisation of a --generic matrix (no floor) was ignored
    silently."""
    write_matrix(pd.DataFrame(np.arange(1.0, 25.0).reshape(6, 4), columns=list("ABCD"),
                              index=pd.Index([f"f{i}" for i in range(6)], name="Feature")),
                 tmp_path / "m.tsv")
    base = ["extract", "--catalog", str(tmp_path / "m.tsv"), "--generic", "--ranks", "2",
            "--replicates", "2", "--cv-folds", "0", "--max-iter", "50"]
    with caplog.at_level("WARNING"):
        assert main([*base, "--cap", "50", "--out", str(tmp_path / "a")]) == 0
    assert "--cap 50: changes nothing with --normalisation gmm of a --generic" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert main([*base, "--cap", "50", "--normalisation", "cap",
                     "--out", str(tmp_path / "b")]) == 0
    assert "--cap" not in caplog.text


@pytest.mark.parametrize("argv", [
    ["prepare-joint", "--inputs", "a.tsv", "b.tsv", "--modalities", "a", "b", "--weights",
     "\uff11", "\uff14", "--name", "J", "--out", "o"],
    ["extract", "--catalog", "m.tsv", "--ranks", "2", "--volume", "\uff10.\uff15", "--out", "o"],
    ["refit", "--catalog", "m.tsv", "--signatures", "COSMIC_v3.6", "--penalty", "\uff12",
     "--out", "o"],
])
def test_real_valued_options_refuse_full_width_digits(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """float() reads full-width digits, so --weights １ ４ was weights 1 and 4, while --ranks
    and the counts refused them."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "expected a number in the digits 0-9" in capsys.readouterr().err


def test_merge_groups_refuses_an_empty_catalog_name(capsys: pytest.CaptureFixture[str]) -> None:
    """merge-groups took --catalog-name '' for the file's stem, which extract refuses."""
    with pytest.raises(SystemExit) as exit_info:
        main(["merge-groups", "--catalog", "m.tsv", "--group-dirs", "g/A", "--catalog-name",
              "", "--out", "o"])
    assert exit_info.value.code == 2
    assert "expected a name for the components, got ''" in capsys.readouterr().err


def test_numeric_sample_names_keep_their_leading_zeros_in_the_report_checks(
        tmp_path: Path) -> None:
    """Samples '001', '002' (a sheet's sample_id) became 1, 2 when the report read the
    refit's reconstruction.tsv and exposure_intervals.tsv, so the report refused the run's
    own fresh outputs as 'from different runs'."""
    from sigforge.cli.report_contexts import (
        RECONSTRUCTION_COLUMNS,
        check_intervals,
        read_intervals,
        read_refit_table,
    )
    from sigforge.cli.report_ranks import read_run_matrix
    from sigforge.testing import planted_counts

    counts = planted_counts(96, 3, 2, burden=400, rng=2).counts
    names = ["001", "002", "010"]
    write_matrix(pd.DataFrame(counts, index=SBS96_CHANNELS, columns=names),
                 tmp_path / "SBS96.tsv", integer=True)
    out = tmp_path / "refit"
    assert main(["refit", "--catalog", str(tmp_path / "SBS96.tsv"), "--signatures",
                 "COSMIC_v3.6", "--bootstrap", "10", "--out", str(out)]) == 0
    reconstruction = read_refit_table(out / "reconstruction.tsv", RECONSTRUCTION_COLUMNS,
                                      RECONSTRUCTION_COLUMNS)
    assert reconstruction.index.tolist() == names
    intervals = read_intervals(out / "exposure_intervals.tsv")
    assert intervals is not None and set(intervals.index) == set(names)
    exposures = read_run_matrix(out / "exposures.tsv", "sigforge refit")
    check_intervals(intervals, exposures, out / "exposure_intervals.tsv",
                    out / "exposures.tsv")


def test_an_sbs288_catalog_against_cosmic_is_told_to_refit_sbs96(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'COSMIC_v3.6 has no SBS288 table' gave no next step."""
    from sigforge.genomics.contexts import CHANNEL_SETS

    channels = CHANNEL_SETS["SBS288"]
    write_matrix(pd.DataFrame(np.ones((len(channels), 2)), index=channels,
                              columns=["a", "b"]), tmp_path / "SBS288.tsv", integer=True)
    assert main(["refit", "--catalog", str(tmp_path / "SBS288.tsv"), "--signatures",
                 "COSMIC_v3.6", "--out", str(tmp_path / "r")]) == 2
    assert ("has no SBS288 table; shipped: SBS96, DBS78, ID83. Refit the SBS96 catalog "
            "instead") in capsys.readouterr().err


def test_a_count_with_rounding_noise_is_told_to_round(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """87.00000000000001 was told to use --method nnls for real-valued data; extract says
    to round, which is the fix for float noise."""
    catalog = pd.DataFrame(np.full((96, 2), 5.0), index=SBS96_CHANNELS, columns=["a", "b"])
    catalog.iloc[3, 0] = 87.00000000000001
    write_matrix(catalog, tmp_path / "SBS96.tsv", exact=True)
    assert main(["refit", "--catalog", str(tmp_path / "SBS96.tsv"), "--signatures",
                 "COSMIC_v3.6", "--out", str(tmp_path / "r")]) == 2
    assert "a count written with rounding noise: round the catalog" in capsys.readouterr().err


def test_sigprofiler_matrix_files_name_their_signatures_by_mutation_type() -> None:
    """proj.SBS96.all and proj.DBS78.all both named their signatures projA, projB..."""
    import argparse

    from sigforge.cli._common import catalog_name

    def name(path: str, given: str | None = None) -> str:
        return catalog_name(argparse.Namespace(catalog=path, catalog_name=given))

    assert name("out/proj.SBS96.all") == "SBS96" and name("proj.DBS78.all") == "DBS78"
    assert name("catalogs/SBS96.tsv") == "SBS96" and name("groups/Lung.tsv") == "Lung"
    assert name("cohort.v2.tsv") == "cohort" and name("proj.SBS96.all", "mine") == "mine"
    from sigforge.cli._common import MUTATION_TYPES
    from sigforge.genomics.contexts import CHANNEL_SETS

    assert sorted(MUTATION_TYPES) == sorted(CHANNEL_SETS)


def test_refit_names_an_activities_table_given_as_the_catalog(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SigProfilerAssignment's Activities table as --catalog was 'read as a generic matrix
    ... correct its labels' in refit, while extract named it an exposures table."""
    activities = pd.DataFrame([[120, 30, 0], [5, 60, 80]], index=pd.Index(["P0", "P1"],
                              name="Samples"), columns=["SBS1", "SBS5", "SBS40a"])
    activities.to_csv(tmp_path / "Activities.txt", sep="\t")
    assert main(["refit", "--catalog", str(tmp_path / "Activities.txt"), "--signatures",
                 "COSMIC_v3.6", "--out", str(tmp_path / "r")]) == 2
    assert "looks like an exposures (activities) table" in capsys.readouterr().err


def test_a_restrict_to_file_keeps_names_holding_spaces_whole(tmp_path: Path) -> None:
    """COSMIC v2's 'Signature 1' on a line of a --restrict-to file was split at its space
    ('signature 'Signature' is named more than once'); only the comma list worked."""
    from sigforge.cli.restriction import per_table_restriction, restriction

    listed = tmp_path / "keep.txt"
    listed.write_text("Signature 1\nSignature 4, Signature 13\n# a comment\n")
    available = pd.Index(["Signature 1", "Signature 4", "Signature 13", "Signature 30"])
    assert restriction(str(listed), available) == ["Signature 1", "Signature 4",
                                                   "Signature 13"]
    assert per_table_restriction(str(listed), {"SBS96": available}, "SBS96") == [
        "Signature 1", "Signature 4", "Signature 13"]
    listed.write_text("SBS1 SBS5\tSBS13,SBS2\n")  # names without spaces: split as before
    assert restriction(str(listed), pd.Index(["SBS1", "SBS2", "SBS5", "SBS13"])) == [
        "SBS1", "SBS5", "SBS13", "SBS2"]

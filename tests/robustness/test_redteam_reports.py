"""Red-team cases of the report commands: an --out that would overwrite the --patients-dir
pages the report links, a rank folder deleted from an extract run, a damaged table of a run
folder whose fix named an option report lacks, and matrix-report given --pixels or a --dropped
table that are not the matrix's own.

Each bad case asserts exit 2, one message naming the file (or option) and the fix, and that
nothing was written; each readable case asserts the command still works.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.discovery.matrix import pixel_image
from sigforge.io import InputError, write_json, write_matrix, write_table
from tests.report_folders import SAMPLES, RunFolders, write_run
from tests.robustness._harness import (
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

FAST_NMF = ("--max-iter", "30", "--min-iter", "10", "--cv-folds", "0")


def _report_args(run: RunFolders, out: Path, *extra: str) -> list[str]:
    """``sigforge report`` on the written run, into ``out``."""
    return [*run.args[:-1], str(out), *extra]


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its content."""
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


# ------------------------------------------------------------------------------------------
# 1. report --out must not overwrite the --patients-dir pages it reads and links.

def test_report_refuses_an_out_that_overwrites_the_patients_dir_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--patients-dir DIR/patients --out DIR``: every per-patient refit page is also the
    report's page of that sample (and DIR/figures/patients the pages' figures)."""
    run = write_run(tmp_path / "run")
    before = _snapshot(run.root)
    outcome = run_cli(capsys, *_report_args(run, run.root, "--patients-dir",
                                            str(run.root / "patients")),
                      case="report:out-overwrites-patients-dir-pages")
    assert_clear_error(outcome, f"--out {run.root}", str(run.root / "patients" / "S1.html"),
                       f"--patients-dir {run.root / 'patients'}", "reads and links",
                       "Choose another --out", "never replaces a file it reads")
    assert _snapshot(run.root) == before


def test_report_refuses_an_out_through_a_link_to_the_patients_dir(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another spelling of the same folder (a link) is caught too."""
    run = write_run(tmp_path / "run")
    (tmp_path / "alias").symlink_to(run.root, target_is_directory=True)
    before = _snapshot(run.root)
    outcome = run_cli(capsys, *_report_args(run, tmp_path / "alias", "--patients-dir",
                                            str(run.root / "patients")),
                      case="report:out-link-to-patients-dir")
    assert_clear_error(outcome, str(run.root / "patients" / "S1.html"), "--patients-dir",
                       "Choose another --out")
    assert _snapshot(run.root) == before


def test_report_refuses_an_out_that_overwrites_the_figures_of_the_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Pages under DIR/pages show DIR/figures/patients/{stem}_*.png, the report's own patient
    figures of --out DIR."""
    run = write_run(tmp_path / "run")
    shutil.move(run.root / "patients", run.root / "pages")
    before = _snapshot(run.root)
    outcome = run_cli(capsys, *_report_args(run, run.root, "--patients-dir",
                                            str(run.root / "pages")),
                      case="report:out-overwrites-patients-dir-figures")
    assert_clear_error(outcome, f"--out {run.root}", str(run.root / "figures" / "patients"),
                       f"--patients-dir {run.root / 'pages'}", "Choose another --out")
    assert _snapshot(run.root) == before


def test_report_beside_the_patients_dir_still_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow's layout: pages in results/patients, the report in results/report."""
    run = write_run(tmp_path / "run")
    pages = _snapshot(run.root / "patients")
    out = run.root / "report"
    outcome = run_cli(capsys, *_report_args(run, out, "--patients-dir",
                                            str(run.root / "patients")),
                      case="report:patients-dir-beside-out")
    assert outcome.code == 0, outcome.err
    assert _snapshot(run.root / "patients") == pages
    assert 'href="../patients/S1.html"' in (out / "cohort.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# 2. A rank folder that rank_metrics.tsv lists must be there.

def test_report_refuses_a_deleted_rank_folder(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False)
    extract = run.root / "extract" / "SBS96"
    shutil.rmtree(extract / "k3")
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case="report:rank-folder-deleted")
    assert_clear_error(outcome, str(extract / "k3"), "is missing",
                       str(extract / "rank_metrics.tsv"), "k=3",
                       f"sigforge extract --out {extract}", "snakemake")
    assert_nothing_written(out)


def test_report_refuses_a_rank_folder_without_its_signatures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False)
    extract = run.root / "extract" / "SBS96"
    (extract / "k2" / "signatures.tsv").unlink()
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case="report:rank-folder-no-signatures")
    assert_clear_error(outcome, str(extract / "k2"), "has no signatures.tsv", "k=2",
                       "sigforge extract")
    assert_nothing_written(out)


def test_report_of_a_skipped_catalog_without_rank_folders_still_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A catalog too thin to factor lists its ranks in rank_metrics.tsv (as skipped) and may
    have no rank folder at all: it is shown as skipped, not refused."""
    run = write_run(tmp_path / "run", patients=False)
    skipped = run.root / "extract" / "DBS78"
    write_table(pd.DataFrame({"skipped": "too few mutations"}, index=pd.Index([2, 3], name="k")),
                skipped / "rank_metrics.tsv")
    write_matrix(pd.DataFrame(index=pd.Index(SAMPLES)).T, skipped / "exposures.tsv",
                 label="Signature")
    write_table(pd.DataFrame(columns=["stability", "spread"],
                             index=pd.Index([], name="signature")), skipped / "stability.tsv")
    write_json({"chosen_rank": None, "reason": "not factored: too few mutations",
                "skipped": "too few mutations", "ranks": [2, 3]}, skipped / "provenance.json")
    assert not list(skipped.glob("k*"))
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case="report:skipped-without-ranks")
    assert outcome.code == 0, outcome.err
    assert "Every rank tried" in (out / "cohort.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# 3. A damaged table of a run folder: the fix reruns its step, never --generic.

def _cut_mid_line(path: Path) -> None:
    """Keep the first 2000 bytes: the last line ends mid-row."""
    path.write_bytes(path.read_bytes()[:2000])


def _cut_at_line(path: Path) -> None:
    """Keep the header and the first 30 rows: whole lines, rows missing."""
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:31]))


DAMAGED_RUN_FILES = [
    ("signatures-mid-line", "extract/SBS96/signatures.tsv", _cut_mid_line,
     ("cut short", "sigforge extract --out")),
    ("signatures-rows-missing", "extract/SBS96/signatures.tsv", _cut_at_line,
     ("SBS96 channel(s) missing", "sigforge extract --out")),
    ("rank-signatures-rows-missing", "extract/SBS96/k3/signatures.tsv", _cut_at_line,
     ("SBS96 channel(s) missing", "sigforge extract --out")),
    ("exposures-mid-line", "refit/SBS96/exposures.tsv",
     lambda path: path.write_bytes(path.read_bytes()[:-3]), ("cut short", "sigforge refit --out")),
    ("catalog-rows-missing", "catalogs/SBS96.tsv", _cut_at_line,
     ("SBS96 channel(s) missing", "sigforge catalog (or merge-catalogs)")),
]


@pytest.mark.parametrize(("case", "file", "damage", "fragments"), DAMAGED_RUN_FILES,
                         ids=[case[0] for case in DAMAGED_RUN_FILES])
def test_report_names_the_step_to_rerun_for_a_damaged_run_table(
        case: str, file: str, damage, fragments: tuple[str, ...], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", patients=False)
    damaged = run.root / file
    damage(damaged)
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case=f"report:damaged-{case}")
    assert_clear_error(outcome, str(damaged), *fragments, "rebuild it")
    assert "--generic" not in outcome.err, outcome.err
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# 4 and 5. matrix-report: --pixels and --dropped must be those of the prepared matrix.

@pytest.fixture(scope="module")
def pixel_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pm/ (img.tsv, img_dropped.tsv: pixels 0, 3 and 15 of a 4 x 4 image are all zero),
    ext/ and ref/ of one small pixel-matrix run."""
    from sigforge.cli import main

    folder = tmp_path_factory.mktemp("pixels")
    rng = np.random.default_rng(5)
    bars = np.zeros((16, 2))
    bars[[4, 5, 6, 7], 0] = 1.0  # a row bar
    bars[[1, 5, 9, 13], 1] = 1.0  # a column bar
    bars[[2, 8, 10, 11, 12, 14], :] = 0.2
    counts = rng.poisson(bars @ rng.gamma(2.0, 40.0, size=(2, 12))).astype(float)
    counts[[0, 3, 15], :] = 0
    labels = [f"px_{p // 4}_{p % 4}" for p in range(16)]
    write_matrix(pd.DataFrame(counts, index=labels, columns=[f"img{j}" for j in range(12)]),
                 folder / "in.tsv", label="Feature")
    assert main(["-q", "prepare-matrix", "--input", str(folder / "in.tsv"), "--name", "img",
                 "--pixels", "4,4", "--out", str(folder / "pm")]) == 0
    assert main(["-q", "extract", "--catalog", str(folder / "pm" / "img.tsv"), "--generic",
                 "--ranks", "2", "--replicates", "2", *FAST_NMF,
                 "--out", str(folder / "ext")]) == 0
    assert main(["-q", "refit", "--catalog", str(folder / "pm" / "img.tsv"), "--generic",
                 "--signatures", str(folder / "ext" / "signatures.tsv"), "--method", "nnls",
                 "--bootstrap", "0", "--out", str(folder / "ref")]) == 0
    return folder


def _pixel_report(capsys: pytest.CaptureFixture[str], run: Path, out: Path, case: str,
                  dropped: Path | None, *extra: str):
    """``sigforge matrix-report`` on the pixel run, with ``dropped`` as --dropped."""
    return run_cli(capsys, "matrix-report", "--name", "img", "--matrix",
                   str(run / "pm" / "img.tsv"),
                   *(("--dropped", str(dropped)) if dropped is not None else ()),
                   "--extract-dir", str(run / "ext"), "--refit-dir", str(run / "ref"), *extra,
                   "--out", str(out), case=case)


def test_matrix_report_of_the_prepared_pixels_still_works(
        pixel_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, "matrix-report:pixels-as-prepared",
                            pixel_run / "pm" / "img_dropped.tsv", "--pixels", "4,4")
    assert outcome.code == 0, outcome.err
    assert (out / "cohort.html").is_file()


@pytest.mark.parametrize("pixels", ["3,5", "5,3", "2,7"])
def test_matrix_report_refuses_pixels_other_than_prepare_matrix_was_given(
        pixels: str, pixel_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """13 kept + 3 dropped features are a 16-pixel image: a 15- or 14-pixel --pixels would
    drop position 15 silently and draw every image shifted."""
    dropped = pixel_run / "pm" / "img_dropped.tsv"
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, f"matrix-report:pixels-{pixels}", dropped,
                            "--pixels", pixels)
    assert_clear_error(outcome, f"--pixels {pixels}", str(dropped), "'px_3_3' (position 15)",
                       "outside the image", "given to prepare-matrix",
                       "HEIGHT x WIDTH = 16")
    assert_nothing_written(out)


def test_matrix_report_refuses_pixels_without_the_dropped_table(
        pixel_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, "matrix-report:pixels-no-dropped", None,
                            "--pixels", "4,4")
    assert_clear_error(outcome, "--pixels 4,4", "13 features", "--dropped",
                       "NAME_dropped.tsv")
    assert_nothing_written(out)


def test_matrix_report_refuses_a_dropped_table_of_another_matrix(
        pixel_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other_dropped.tsv"
    other.write_text("axis\tlabel\tposition\treason\nfeature\tgene_XYZ\t5\tall zero\n"
                     "sample\tpatient9\t2\tall zero\n")
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, "matrix-report:dropped-of-other-matrix",
                            other, "--pixels", "4,4")
    assert_clear_error(outcome, str(other), "'gene_XYZ'", "not this matrix's",
                       "'px_0_0', 'px_0_3', 'px_3_3'", "NAME_dropped.tsv",
                       f"--dropped {pixel_run / 'pm' / 'img_dropped.tsv'}")
    assert_nothing_written(out)


def test_matrix_report_refuses_a_dropped_table_naming_the_matrix_s_own_features(
        pixel_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A dropped label that is still a row of the matrix cannot be of its prepare-matrix run
    (refused without --pixels too)."""
    other = tmp_path / "other_dropped.tsv"
    other.write_text("axis\tlabel\tposition\treason\nfeature\tpx_1_1\t5\tall zero\n")
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, "matrix-report:dropped-kept-feature", other)
    assert_clear_error(outcome, str(other), "'px_1_1'", str(pixel_run / "pm" / "img.tsv"),
                       "not this matrix's", "NAME_dropped.tsv")
    assert_nothing_written(out)


@pytest.mark.parametrize("cut", ["last-row", "all-rows"])
def test_matrix_report_refuses_a_dropped_table_other_than_the_one_beside_the_matrix(
        cut: str, pixel_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A cut copy of the table (without --pixels, whose count check would find it), or
    another matrix's empty table, was accepted and its dropped list shown on the page."""
    own = pixel_run / "pm" / "img_dropped.tsv"
    lines = own.read_text().splitlines(keepends=True)
    other = tmp_path / "copy_dropped.tsv"
    other.write_text("".join(lines[:-1] if cut == "last-row" else lines[:1]))
    out = tmp_path / "report"
    outcome = _pixel_report(capsys, pixel_run, out, f"matrix-report:dropped-{cut}", other)
    assert_clear_error(outcome, str(other), "not this matrix's", "'px_0_0'",
                       f"--dropped {own}")
    assert_nothing_written(out)


def test_pixel_image_refuses_a_dropped_pixel_outside_the_image() -> None:
    """Six loadings and a dropped position 6 of a 2 x 3 image used to draw as if nothing
    had been dropped."""
    loadings = pd.Series(np.arange(1.0, 7.0), name="C1")
    dropped = pd.DataFrame({"label": ["x"], "position": [6], "reason": ["all zero"]},
                           index=pd.Index(["feature"], name="axis"))
    with pytest.raises(InputError, match=r"position\(s\) \[6\] lie outside it"):
        pixel_image(loadings, (2, 3), dropped)


# ------------------------------------------------------------------------------------------
# 7. A catalog recounted or edited after the discovery and the refit.

def test_report_refuses_a_catalog_recounted_after_the_refit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """S1's counts doubled after the refit: the page showed 2x the mutations beside exposures
    summing to the old burden, exit 0."""
    run = write_run(tmp_path / "run", patients=False)
    catalog = run.catalog.copy()
    catalog["S1"] *= 2
    write_matrix(catalog, run.root / "catalogs" / "SBS96.tsv", integer=True)
    log_path = run.root / "catalogs" / "catalog_log.tsv"  # recounted: the log with it
    log = pd.read_csv(log_path, sep="\t", index_col=0)
    log.loc["S1", "counted_SBS96"] = int(catalog["S1"].sum())
    log.to_csv(log_path, sep="\t")
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case="report:catalog-recounted")
    assert_clear_error(outcome, str(run.root / "refit" / "SBS96" / "reconstruction.tsv"),
                       "sample 'S1'", f"{int(run.catalog['S1'].sum()):,}",
                       f"{int(catalog['S1'].sum()):,}", "recounted or edited", "Rerun")
    assert_nothing_written(out)


def test_report_refuses_counts_moved_between_channels_after_the_discovery(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every burden unchanged, but counts moved from one channel to another: only the digest
    extract records in provenance.json tells; the catalog it was taken of still reports."""
    from sigforge.cli._run_files import DIGEST_KEY, catalog_digest
    from sigforge.io import read_json

    run = write_run(tmp_path / "run", patients=False)
    provenance_path = run.root / "extract" / "SBS96" / "provenance.json"
    provenance = read_json(provenance_path)
    write_json({**provenance, DIGEST_KEY: catalog_digest(run.catalog.astype(float))},
               provenance_path)
    assert run_cli(capsys, *_report_args(run, tmp_path / "fine")).code == 0
    catalog = run.catalog.copy()
    first, second = catalog.index[:2]
    moved = int(catalog.at[first, "S2"])
    catalog.loc[[first, second], "S2"] = [0, int(catalog.at[second, "S2"]) + moved]
    assert moved > 0 and (catalog.sum() == run.catalog.sum()).all()
    write_matrix(catalog, run.root / "catalogs" / "SBS96.tsv", integer=True)
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out), case="report:counts-moved")
    assert_clear_error(outcome, str(run.root / "catalogs" / "SBS96.tsv"), DIGEST_KEY,
                       str(provenance_path), "recounted or edited", "Rerun")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# Intervals and decompositions must be of the refit whose exposures the report shows.

def _without_sample(path: Path, sample: str) -> None:
    kept = [line for line in path.read_text().splitlines(keepends=True)
            if not line.startswith(f"{sample}\t")]
    path.write_text("".join(kept))


@pytest.mark.parametrize("damage", ["sample removed", "other values", "other run"])
def test_report_refuses_intervals_that_are_not_of_its_refit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    """An exposure_intervals.tsv without a sample's rows, with other exposures, or of another
    refit (COSMIC names) was shown as blank intervals and wrong 'interval excluding 0'
    counts, exit 0."""
    run = write_run(tmp_path / "run", patients=False)
    path = run.root / "refit" / "SBS96" / "exposure_intervals.tsv"
    table = pd.read_csv(path, sep="\t", index_col=0)
    if damage == "sample removed":
        _without_sample(path, "S3")
        said = ["missing: S3/SBS96A, S3/SBS96B"]
    elif damage == "other values":
        table.iloc[4, table.columns.get_loc("exposure")] += 7.0
        write_table(table, path)
        said = ["has the exposure", "1 row(s) differ"]
    else:
        write_table(table.assign(signature=table["signature"].str.replace("SBS96", "SBS")),
                    path)
        said = ["not in exposures.tsv: S1/SBSA"]
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out))
    assert_clear_error(outcome, str(path), *said, "the files come from different runs")
    assert_nothing_written(out)


def test_report_refuses_a_decomposition_of_other_signatures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A decomposition.tsv with only its header, or of other signatures, left the de novo
    table's decomposition cells blank, exit 0."""
    run = write_run(tmp_path / "run", patients=False)
    path = run.root / "refit" / "SBS96" / "decomposition.tsv"
    write_table(pd.DataFrame({"best_match": ["SBS1"], "best_match_cosine": [0.9],
                              "components": ["SBS1:1.000"], "cosine": [0.9], "novel": [False]},
                             index=pd.Index(["FOO"], name="Signature")), path)
    out = tmp_path / "report"
    outcome = run_cli(capsys, *_report_args(run, out))
    assert_clear_error(outcome, str(path), "missing: SBS96A, SBS96B", "not in signatures.tsv: FOO")
    assert_nothing_written(out)


def test_a_report_rerun_into_its_folder_removes_the_earlier_reports_own_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rerun into the same --out left the earlier report's pages and figures that it no
    longer writes (a sample since removed, a type no longer factored), looking current;
    files the report never wrote are kept."""
    first = write_run(tmp_path / "first", patients=False, factor_id83=True)
    second = write_run(tmp_path / "second", patients=False)
    out, fresh = tmp_path / "report", tmp_path / "fresh"
    assert run_cli(capsys, *_report_args(first, out)).code == 0
    (out / "patients" / "notes.txt").write_text("mine\n")
    (out / "patients" / "S9.html").write_text("a page of another run\n")
    earlier = set(files_under(out))
    assert run_cli(capsys, *_report_args(second, out)).code == 0
    assert run_cli(capsys, *_report_args(second, fresh)).code == 0
    left = set(files_under(out)) - {"patients/notes.txt", "patients/S9.html"}
    assert left == set(files_under(fresh)), sorted(left ^ set(files_under(fresh)))
    assert (out / "patients" / "notes.txt").exists() and (out / "patients" / "S9.html").exists()
    assert earlier - set(files_under(out)), "the ID83 figures of the first report stayed"
    # a third run: the user's files were never listed as the report's, so they stay
    assert run_cli(capsys, *_report_args(second, out)).code == 0
    assert (out / "patients" / "notes.txt").exists() and (out / "patients" / "S9.html").exists()

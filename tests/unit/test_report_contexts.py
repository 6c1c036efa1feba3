"""``sigforge report`` over result roots: one section per mutation type, every rank tried,
per-sample reconstruction quality, the de novo x COSMIC heatmap, the rank figure's thresholds
and the links to per-patient pages. The run is written in code (tests/report_folders.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from tests.html_page import HtmlPage as _Page
from tests.report_folders import SAMPLES, SKIP_REASON, THRESHOLDS, RunFolders, write_run

from sigforge.cli import main
from sigforge.genomics.reference import load_reference
from sigforge.report import plot_rank_selection
from sigforge.report.context_data import sample_quality


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolders:
    """The written run and its report (with links to the per-patient pages)."""
    folders = write_run(tmp_path_factory.mktemp("contexts"))
    assert main([*folders.args, "--patients-dir", str(folders.root / "patients")]) == 0
    return folders


@pytest.fixture(scope="module")
def page(run: RunFolders) -> _Page:
    parsed = _Page()
    parsed.feed((run.root / "report" / "cohort.html").read_text(encoding="utf-8"))
    return parsed


def _hrefs(page: _Page) -> set[str]:
    return {str(attributes.get("href")) for tag, attributes in page.tags if tag == "a"}


def test_every_catalog_has_a_section_with_a_nav_entry(run: RunFolders, page: _Page) -> None:
    for anchor in ("context-sbs96", "context-dbs78", "context-id83"):
        assert anchor in page.text_of and f"#{anchor}" in _hrefs(page)
    figures = run.root / "report" / "figures"
    for name in ("catalog_SBS96", "catalog_DBS78", "catalog_ID83", "burden_SBS96"):
        assert (figures / f"{name}.png").is_file() and (figures / f"{name}.svg").is_file()
    assert "Summed SBS96 spectrum of the cohort" in page.text("context-sbs96")


def test_skipped_discovery_shows_its_reason_and_the_cosmic_refit(page: _Page) -> None:
    assert SKIP_REASON in page.text("dbs78-status")
    summary = {row[0]: row[1] for row in page.tables["run-info"]}
    assert summary["mutation types"] == (f"SBS96: k = 2; SBS288: not factored; DBS78: discovery "
                                         f"skipped ({SKIP_REASON}); ID83: not factored")
    header, *rows = page.tables["dbs78-reference-refit-table"]
    assert header == ["Sample", "DBS2", "DBS4"] and [row[0] for row in rows] == SAMPLES
    assert "dbs78-rank-metrics" not in page.tables and "dbs78-exposure-table" not in page.tables


def test_catalog_without_extract_folder_is_not_factored(page: _Page) -> None:
    assert "Not factored" in page.text("id83-status")
    assert "Summed ID83 spectrum" in page.text("context-id83")
    assert not any(key.startswith("id83-") and key != "id83-status"
                   and key != "id83-catalog-spectrum" for key in page.text_of)


def test_every_rank_tried_is_shown_and_the_chosen_one_marked(run: RunFolders,
                                                             page: _Page) -> None:
    details = {attributes["id"]: attributes for tag, attributes in page.tags
               if tag == "details"}
    assert set(details) == {"k2", "k3"}
    assert "open" in details["k2"] and "chosen-rank" in str(details["k2"]["class"])
    assert "open" not in details["k3"]
    assert "(chosen)" in page.text("k2") and "(chosen)" not in page.text("k3")
    assert "K3_A, K3_B, K3_C" in page.text("k3")
    facts = page.text("k3")
    for fact in ("mean stability0.700", "min stability0.400", "kl divergence27",
                 "relative error0.180"):
        assert fact in facts
    assert "selected" not in facts  # flags are in the table, not the rank's facts
    for k in (2, 3):
        assert (run.root / "report" / "figures" / f"rank_k{k}_signatures.png").is_file()


def _hand_quality(catalog: pd.DataFrame, signatures: pd.DataFrame,
                  exposures: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Relative L1 and generalised KL per sample, channel by channel."""
    result = {}
    for sample in catalog.columns:
        l1 = kl = 0.0
        for channel in catalog.index:
            observed = float(catalog.at[channel, sample])
            model = sum(float(signatures.at[channel, name]) * float(exposures.at[name, sample])
                        for name in signatures.columns)
            l1 += abs(observed - model)
            kl += (observed * np.log(observed / model) if observed > 0 else 0.0) - observed + model
        result[sample] = (l1 / float(catalog[sample].sum()), kl)
    return result


def test_quality_numbers_equal_a_hand_computation(run: RunFolders, page: _Page) -> None:
    header, *rows = page.tables["quality-table"]
    assert header == ["Sample", "mutations", "reconstructed", "cosine", "relative L1",
                      "KL divergence"]
    expected = _hand_quality(run.catalog, run.signatures, run.exposures)
    assert [row[0] for row in rows] == SAMPLES
    for row in rows:
        l1, kl = expected[row[0]]
        assert float(row[3]) == 0.9  # reconstruction.tsv's own cosine is kept
        assert float(row[4]) == pytest.approx(l1, abs=6e-4)
        assert float(row[5].replace(",", "")) == pytest.approx(kl, abs=6e-4)
    computed = sample_quality(run.catalog, run.signatures, run.exposures)
    observed, model = run.catalog["S1"].to_numpy(float), \
        run.signatures.to_numpy() @ run.exposures["S1"].to_numpy()
    cosine = observed @ model / (np.linalg.norm(observed) * np.linalg.norm(model))
    assert computed.at["S1", "cosine"] == pytest.approx(cosine)
    assert (run.root / "report" / "figures" / "reconstruction_quality.svg").is_file()


def test_cosine_heatmap_shows_each_signatures_best_cosmic_matches(run: RunFolders,
                                                                   page: _Page) -> None:
    header, *rows = page.tables["cosine-matrix"]
    reference = load_reference("COSMIC_v3.6").data
    reference = reference.loc[run.signatures.index]
    assert [row[0] for row in rows] == list(run.signatures.columns)
    for row in rows:
        spectrum = run.signatures[row[0]].to_numpy()
        cosines = {name: spectrum @ reference[name].to_numpy()
                   / (np.linalg.norm(spectrum) * np.linalg.norm(reference[name].to_numpy()))
                   for name in reference.columns}
        best = sorted(cosines, key=lambda name: -cosines[name])[:3]
        assert set(best) <= set(header[1:])
        for name, cell in zip(header[1:], row[1:], strict=True):
            assert float(cell) == pytest.approx(cosines[name], abs=6e-4)
    assert (run.root / "report" / "figures" / "cosine_heatmap.png").is_file()


def test_rank_figure_draws_thresholds_candidates_and_the_choice() -> None:
    metrics = pd.DataFrame({"mean_stability": [0.9, 0.85, 0.5], "min_stability": [0.8, 0.7, 0.2],
                            "kl_divergence": [3.0, 2.0, 1.9], "relative_error": [0.3, 0.2, 0.19],
                            "candidate": [True, True, False]}, index=[2, 3, 4])
    fig = plot_rank_selection(metrics, 3, thresholds=THRESHOLDS)
    try:
        lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
        for key, value in THRESHOLDS.items():
            line = lines[f"{key.replace('_', ' ')} = {value:g}"]
            assert list(line.get_ydata()) == [value, value]
        assert list(lines["candidate rank"].get_xdata()) == [2, 3]
        assert list(lines["chosen rank"].get_xdata()) == [3]
        assert list(lines["chosen rank"].get_ydata()) == [0.85]
        assert "min stability of the kept components" not in lines  # nothing was left out
    finally:
        plt.close(fig)
    dropped = metrics.assign(kept_min_stability=[0.8, 0.7, 0.6])  # k = 4 left one out
    fig = plot_rank_selection(dropped, 4, thresholds=THRESHOLDS)
    try:
        lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
        kept = lines["min stability of the kept components"]
        assert list(kept.get_xdata()) == [2, 3, 4] and list(kept.get_ydata()) == [0.8, 0.7, 0.6]
    finally:
        plt.close(fig)


def test_patient_pages_are_linked_relative_to_the_cohort_page(run: RunFolders,
                                                              page: _Page) -> None:
    header, *rows = page.tables["patient-links"]
    assert header[-1] == "Per-patient refit"
    links = [attributes["href"] for tag, attributes in page.tags
             if tag == "a" and attributes.get("class") == "patient-page"]
    report = run.root / "report"
    assert links == [os.path.relpath(run.root / "patients" / f"{s}.html", report)
                     for s in SAMPLES]
    for link in links:
        assert (report / str(link)).resolve().is_file()


def test_a_missing_patient_page_is_refused_before_writing(run: RunFolders, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    patients = tmp_path / "patients"
    shutil.copytree(run.root / "patients", patients)
    (patients / "S3.html").unlink()
    out = tmp_path / "report"
    args = [*run.args[:-1], str(out), "--patients-dir", str(patients)]
    assert main(args) != 0
    error = capsys.readouterr().err
    assert str(patients / "S3.html") in error and "--patients-dir" in error
    assert not out.exists()


def test_signature_set_option_is_signatures(run: RunFolders, tmp_path: Path) -> None:
    out = tmp_path / "report"
    with pytest.raises(SystemExit):
        main([*run.args[:-1], str(out), "--reference", "COSMIC_v3.6"])
    assert main([*run.args[:-1], str(out), "--signatures", "COSMIC_v3.6"]) == 0
    assert (out / "cohort.html").is_file()


def test_a_factored_id83_section_and_an_sbs288_catalog(tmp_path: Path) -> None:
    """ID83 factored (S5, without indels, left out of its refit) gets its own prefixed
    sections, matched against COSMIC's ID83 set; SBS288 is drawn summed into SBS96."""
    run = write_run(tmp_path, patients=False, factor_id83=True)
    assert main(run.args) == 0
    parsed = _Page()
    parsed.feed((run.root / "report" / "cohort.html").read_text(encoding="utf-8"))
    assert "Factored: k = 2" in parsed.text("id83-status")
    header, *rows = parsed.tables["id83-quality-table"]
    assert [row[0] for row in rows] == SAMPLES[:-1]
    assert [row[0] for row in parsed.tables["id83-rank-metrics"][1:]] == ["2", "3"]
    matrix = parsed.tables["id83-cosine-matrix"]
    assert all(name.startswith("ID") for name in matrix[0][1:])
    assert {"id83-k2", "id83-k3", "k2", "k3"} <= set(parsed.text_of)
    assert "Not factored" in parsed.text("sbs288-status")
    figures = run.root / "report" / "figures"
    for name in ("ID83_rank_selection", "ID83_cosine_heatmap", "ID83_rank_k3_signatures",
                 "ID83_signatures_panel", "catalog_SBS288"):
        assert (figures / f"{name}.png").is_file(), name
    nav = [attributes["href"] for tag, attributes in parsed.tags
           if tag == "a" and str(attributes.get("href", "")).startswith("#context-")]
    assert nav == ["#context-sbs96", "#context-sbs288", "#context-dbs78", "#context-id83"]



def test_a_rank_with_components_left_out_says_how_many_signatures_it_kept(
        tmp_path: Path) -> None:
    """k = 3 chosen, one unreproduced component left out (signatures.tsv holds the other
    two): the status line, the run summary and the reason say so; k is not shown as the
    number of signatures."""
    from sigforge.io import read_json, write_json

    run = write_run(tmp_path, patients=False)
    provenance_path = run.root / "extract" / "SBS96" / "provenance.json"
    provenance = read_json(provenance_path)
    reason = ("k=3 is the largest candidate rank. 1 of the 3 components of k=3 was left out, "
              "its stability below 0 (not reproduced by the bootstrap replicates): "
              "SBS96C (-0.41).")
    write_json({**provenance, "chosen_rank": 3, "reason": reason,
                "dropped_components": ["SBS96C"]}, provenance_path)
    assert main(run.args) == 0
    parsed = _Page()
    parsed.feed((run.root / "report" / "cohort.html").read_text(encoding="utf-8"))
    status = parsed.text("status")
    assert "k = 3, of whose components 2 are the de novo signatures" in status
    assert "1 not reproduced by the bootstrap replicates was left out" in status
    summary = {row[0]: row[1] for row in parsed.tables["run-info"]}
    assert summary["mutation types"].startswith("SBS96: k = 3 (2 signatures kept);")
    assert "SBS96C (-0.41)" in parsed.text("context-sbs96")

def test_a_rank_with_components_added_from_larger_ranks_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """k = 2 chosen, one component left out and one added from k = 3 (rule steps 0 and 6):
    the status line names the one added and the number of signatures, the run summary says
    how many were added; a malformed record of the added components is refused by name."""
    from sigforge.io import read_json, write_json

    run = write_run(tmp_path, patients=False)
    provenance_path = run.root / "extract" / "SBS96" / "provenance.json"
    provenance = read_json(provenance_path)
    added = {"name": "SBS96C", "rank": 3, "component": "SBS96B", "stability": 0.97,
             "closest": 0.42}
    write_json({**provenance, "chosen_rank": 2, "dropped_components": ["SBS96B"],
                "rescued_components": [added]}, provenance_path)
    assert main(run.args) == 0
    parsed = _Page()
    parsed.feed((run.root / "report" / "cohort.html").read_text(encoding="utf-8"))
    status = parsed.text("status")
    assert ("k = 2, of whose components 1 is kept: 1 not reproduced by the bootstrap "
            "replicates was left out; 1 reproduced at larger ranks was added: SBS96C (k = 3); "
            "2 de novo signatures") in " ".join(status.split())
    summary = {row[0]: row[1] for row in parsed.tables["run-info"]}
    assert summary["mutation types"].startswith(
        "SBS96: k = 2 (2 signatures, 1 of them added from larger ranks);")
    write_json({**provenance, "rescued_components": [{"name": 3}]}, provenance_path)
    capsys.readouterr()
    assert main(run.args) != 0
    message = capsys.readouterr().err
    assert str(provenance_path) in message and "'rescued_components'" in message


def test_sample_quality_of_a_perfect_fit_and_an_empty_sample() -> None:
    signatures = pd.DataFrame({"A": [0.5, 0.5, 0.0], "B": [0.0, 0.25, 0.75]},
                              index=["x", "y", "z"])
    exposures = pd.DataFrame({"s1": [10.0, 4.0], "s2": [0.0, 0.0], "s3": [2.0, 0.0]},
                             index=["A", "B"])
    catalog = pd.DataFrame({"s1": [5, 6, 3], "s2": [0, 0, 0], "s3": [2, 0, 0]},
                           index=["x", "y", "z"])
    quality = sample_quality(catalog, signatures, exposures)
    assert quality.at["s1", "cosine"] == pytest.approx(1.0)
    assert quality.at["s1", "l1_relative"] == pytest.approx(0.0)
    assert quality.at["s1", "kl_divergence"] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(quality.at["s2", "l1_relative"]) and quality.at["s2", "mutations"] == 0
    # s3: catalog (2, 0, 0) against model (1, 1, 0): L1 = 2 over 2 mutations; KL = 2 log 2
    assert quality.at["s3", "l1_relative"] == pytest.approx(1.0)
    assert quality.at["s3", "kl_divergence"] == pytest.approx(2 * np.log(2))

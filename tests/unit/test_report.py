"""Tests for sigforge.report.cohort: figures, HTML escaping, self-containment, displayed numbers."""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from tests.html_page import HtmlPage

from sigforge.genomics.contexts import SBS96_CHANNELS, SBS96_INDEX, SUBSTITUTIONS
from sigforge.report import (
    SBS96_PLOT_ORDER,
    SUBSTITUTION_COLOURS,
    CohortData,
    plot_exposures,
    plot_rank_selection,
    plot_reconstruction,
    plot_sbs96,
    write_cohort_report,
    write_patient_report,
    write_reports,
)
from sigforge.report.patient_rows import describe_sample as _describe_sample

HOSTILE = "<script>alert(1)</script>"
SAMPLES = ["S1", HOSTILE, "a&b", "S4"]
STEMS = {"S1": "S1", HOSTILE: "sample_2", "a&b": "a_b", "S4": "S4"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SKIP_REASONS = ["filtered", "not_in_sample", "not_snv", "contig_missing", "contig_end",
                "ref_mismatch", "ambiguous_base", "duplicate"]


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


@pytest.fixture(scope="module")
def cohort(rng: np.random.Generator) -> CohortData:
    """Four samples, k = 2, with hostile names in sample, signature and path fields."""
    names = ["SBS96A", "SBS96B"]
    signatures = rng.dirichlet(np.full(96, 0.5), size=2).T
    exposures = rng.uniform(50, 800, size=(2, 4)).round(2)
    catalog = rng.poisson(signatures @ exposures).astype(np.int64)
    burden = catalog.sum(axis=0)
    log = pd.DataFrame({"source": [f"vcf/{s}.vcf.gz" for s in SAMPLES],
                        "variants_read": burden + 10, "counted_SBS96": burden}, index=SAMPLES)
    for reason in SKIP_REASONS:
        log[reason] = rng.integers(0, 3, size=4)
    ranks = pd.DataFrame({"mean_stability": [0.95, 0.9, 0.6], "min_stability": [0.9, 0.8, 0.3],
                          "kl_divergence": [40.0, 20.0, 18.0], "relative_error": [0.3, 0.2, 0.19],
                          "mean_cosine": [0.9, 0.97, 0.98], "selected": [False, True, False]},
                         index=pd.Index([1, 2, 3], name="k"))
    return CohortData(
        match_label="COSMIC",
        catalog=pd.DataFrame(catalog, index=list(SBS96_CHANNELS), columns=SAMPLES),
        catalog_log=log,
        rank_metrics=ranks,
        chosen_rank=2,
        rank_rule="k = 2 is the largest rank whose minimum stability is at least 0.8.",
        signatures=pd.DataFrame(signatures, index=list(SBS96_CHANNELS), columns=names),
        stability=pd.DataFrame({"stability": [0.93, 0.81], "spread": [0.01, 0.04]}, index=names),
        exposures=pd.DataFrame(exposures, index=names, columns=SAMPLES),
        reconstruction=pd.DataFrame({"burden": burden, "cosine": [0.97, 0.95, 0.88, 0.99],
                                     "kl_divergence": [0.1, 0.2, 0.3, 0.1]}, index=SAMPLES),
        reference_matches=pd.DataFrame({"reference": ["SBS1", "SBS5"], "cosine": [0.98, 0.71]},
                                       index=names),
        run_info={"version": "0.1.0", "seed": "42", "config": f"configs/{HOSTILE}.yaml"},
        files={"exposures": "exposures.tsv", "rank metrics": "rank_metrics.tsv"},
    )


@pytest.fixture(scope="module")
def report_dir(cohort: CohortData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report build shared by the read-only tests of this module."""
    out_dir = tmp_path_factory.mktemp("report")
    assert write_reports(cohort, out_dir, STEMS) == out_dir / "cohort.html"
    return out_dir


def _parse(path: Path) -> HtmlPage:
    collector = HtmlPage()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def _html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_write_reports_creates_every_page_and_figure(report_dir: Path) -> None:
    assert (report_dir / "cohort.html").is_file()
    for stem in STEMS.values():
        assert (report_dir / "patients" / f"{stem}.html").is_file()
        for suffix in (".png", ".svg"):
            assert (report_dir / "figures" / "patients" / f"{stem}_spectrum{suffix}").is_file()
    for name in ("rank_selection", "exposures_absolute", "exposures_relative",
                 "exposures_heatmap", "signatures_panel",
                 "signature_1_SBS96A", "signature_2_SBS96B"):
        png = report_dir / "figures" / f"{name}.png"
        assert png.read_bytes().startswith(PNG_MAGIC)
        assert "<svg" in (report_dir / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    assert not list(report_dir.rglob("*.tmp")), "atomic writes left temporary files"


def test_hostile_text_is_escaped_everywhere(report_dir: Path) -> None:
    for path in _html_files(report_dir):
        text = path.read_text(encoding="utf-8")
        assert HOSTILE not in text, path
        assert "<script" not in text.lower(), path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
    cohort = (report_dir / "cohort.html").read_text(encoding="utf-8")
    assert "a&amp;b" in cohort
    assert re.search(r"a&b(?!amp;)", cohort) is None


def test_pages_are_self_contained(report_dir: Path) -> None:
    for path in _html_files(report_dir):
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path
        for tag, attributes in _parse(path).tags:
            assert tag not in ("script", "link", "iframe", "object"), (path, tag)
            for name in ("src", "href"):
                value = attributes.get(name) or ""
                if value.startswith("data:image/png;base64,"):
                    continue
                assert "//" not in value and not value.startswith("/"), (path, value)


def test_every_image_is_an_inline_png(report_dir: Path) -> None:
    count = 0
    for path in _html_files(report_dir):
        for tag, attributes in _parse(path).tags:
            if tag != "img":
                continue
            source = attributes.get("src") or ""
            prefix = "data:image/png;base64,"
            assert source.startswith(prefix), (path, source[:40])
            assert base64.b64decode(source[len(prefix):], validate=True).startswith(PNG_MAGIC)
            count += 1
    # Cohort: catalog spectrum, burden, rank, 2 exposure bars, heatmap, quality, panel,
    # 2 signatures (no reference set: no cosine heatmap); 1 per patient.
    assert count == 10 + len(SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES)
def test_patient_numbers_match_the_data(report_dir: Path, cohort: CohortData,
                                        sample: str) -> None:
    page = _parse(report_dir / "patients" / f"{STEMS[sample]}.html")
    burden = int(cohort.reconstruction.at[sample, "burden"])
    assert page.text("sample-name") == sample
    assert int(page.text("burden").replace(",", "")) == burden
    assert float(page.text("cosine")) == round(cohort.reconstruction.at[sample, "cosine"], 3)
    header, *rows = page.tables["exposures"]
    assert header[:3] == ["Signature", "Mutations", "Fraction"]
    exposures = cohort.exposures[sample]
    assert [row[0] for row in rows] == sorted(exposures.index, key=lambda n: -exposures[n])
    # each shown count and share is its value rounded down or up, and together they add up
    # to the rounded total and to 100% (largest remainder)
    for signature, mutations, fraction, reference, _ in rows:
        shown = int(mutations.replace(",", ""))
        assert math.floor(exposures[signature]) <= shown <= math.ceil(exposures[signature])
        share = 1000 * exposures[signature] / exposures.sum()
        assert math.floor(share) <= 10 * float(fraction.rstrip("%")) + 1e-9
        assert 10 * float(fraction.rstrip("%")) <= math.ceil(share) + 1e-9
        assert reference == cohort.reference_matches.at[signature, "reference"]
    assert sum(int(row[1].replace(",", "")) for row in rows) == round(exposures.sum())
    assert sum(float(row[2].rstrip("%")) for row in rows) == pytest.approx(100.0)


def test_patient_reading_and_links(report_dir: Path, cohort: CohortData) -> None:
    text = (report_dir / "patients" / "S1.html").read_text(encoding="utf-8")
    burden = int(cohort.reconstruction.at["S1", "burden"])
    assert f"this sample&#39;s {burden:,} SNVs" in text
    assert "not proof" in text
    assert 'href="../cohort.html"' in text
    assert "@media print" in text


def test_reading_handles_empty_and_strong_matches() -> None:
    rows = [{"signature": "SBS96A", "value": 0.0, "fraction": 0.0, "reference": "SBS1",
             "reference_value": 0.98, "match_label": "COSMIC"}]
    assert "No SNVs" in _describe_sample(0, rows, float("nan"))[0]
    rows = [dict(rows[0], value=765.08, fraction=0.62),
            {"signature": "SBS96B", "value": 468.92, "fraction": 0.38, "reference": "SBS5",
             "reference_value": 0.5, "match_label": "COSMIC"}]
    reading = _describe_sample(1234, rows, 0.95)
    assert reading[0] == ("Most of this sample's 1,234 SNVs (62%) are attributed to SBS96A, "
                          "which resembles COSMIC SBS1 (cosine 0.980).")
    assert "SBS96B accounts for a further 38%" in reading[1] and "weak" in reading[1]
    assert "0.95" in reading[2]


def test_cohort_page_links_every_patient_and_file(report_dir: Path, cohort: CohortData) -> None:
    page = _parse(report_dir / "cohort.html")
    hrefs = {attributes.get("href") for tag, attributes in page.tags if tag == "a"}
    for stem in STEMS.values():
        assert f"patients/{stem}.html" in hrefs
    assert set(cohort.files.values()) <= hrefs
    header, *rows = page.tables["patient-links"]
    assert [row[0] for row in rows] == SAMPLES
    assert [int(row[1].replace(",", "")) for row in rows] == list(cohort.reconstruction.burden)
    rank_rows = page.tables["rank-metrics"][1:]
    assert len(rank_rows) == len(cohort.rank_metrics)
    text = (report_dir / "cohort.html").read_text(encoding="utf-8")
    assert text.count('class="chosen"') == 1
    assert cohort.rank_rule in text


def test_catalog_summary_numbers(report_dir: Path, cohort: CohortData) -> None:
    text = (report_dir / "cohort.html").read_text(encoding="utf-8")
    burdens = cohort.catalog.sum(axis=0)
    assert f"<dd>{int(burdens.sum()):,}</dd>" in text
    assert f"<dd>{int(np.floor(float(np.median(burdens)) + 0.5)):,}</dd>" in text  # half up
    log_rows = _parse(report_dir / "cohort.html").tables["catalog-log"]
    assert len(log_rows[0]) == 1 + len(cohort.catalog_log.columns)
    assert "duplicate" in log_rows[0] and "counted SBS96" in log_rows[0]
    assert len(log_rows) == len(SAMPLES) + 1
    hostile_row = next(row for row in log_rows if row[0] == HOSTILE)
    counted = int(cohort.catalog_log.at[HOSTILE, "counted_SBS96"])
    assert int(hostile_row[3].replace(",", "")) == counted


def _bars(fig: plt.Figure) -> tuple[list[float], list[str]]:
    """Heights and colours of the SBS96 bars of a figure's first axes, left to right."""
    bars = next(c for c in fig.axes[0].collections if c.get_gid() == "sbs96-bars")
    paths = bars.get_paths()
    lefts = [path.vertices[:, 0].min() for path in paths]
    assert lefts == sorted(lefts)
    colours = [plt.matplotlib.colors.to_hex(rgba) for rgba in bars.get_facecolors()]
    return [float(path.vertices[:, 1].max()) for path in paths], colours


def test_plot_sbs96_uses_the_standard_layout() -> None:
    values = np.arange(96, dtype=float)  # value = position in the standard row order
    fig = plot_sbs96(values, title="order")
    try:
        heights, colours = _bars(fig)
        assert heights == [float(SBS96_INDEX[label]) for label in SBS96_PLOT_ORDER]
        assert all("[C>A]" in label for label in SBS96_PLOT_ORDER[:16])
        assert heights[:4] == [float(SBS96_INDEX[f"A[C>A]{b}"]) for b in "ACGT"]
        assert heights[16] == float(SBS96_INDEX["A[C>G]A"])
        for block, substitution in enumerate(SUBSTITUTIONS):
            expected = SUBSTITUTION_COLOURS[substitution].lower()
            assert set(colours[16 * block: 16 * (block + 1)]) == {expected}
        labels = next(c for c in fig.axes[0].collections if c.get_gid() == "sbs96-labels")
        assert len(labels.get_offsets()) == 3 * 96  # one glyph per base
    finally:
        plt.close(fig)


def test_plot_sbs96_aligns_a_series_by_label() -> None:
    series = pd.Series(np.arange(96, dtype=float), index=list(SBS96_CHANNELS))[::-1]
    fig = plot_sbs96(series, title="series")
    try:
        heights, _ = _bars(fig)
        assert heights == [float(SBS96_INDEX[label]) for label in SBS96_PLOT_ORDER]
    finally:
        plt.close(fig)


def test_plot_sbs96_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="expected 96 values"):
        plot_sbs96(np.ones(95), title="short")


def test_residual_panel_shows_observed_minus_reconstructed() -> None:
    observed = np.arange(96, dtype=float)
    reconstructed = np.full(96, 40.0)
    fig = plot_reconstruction(observed, reconstructed, title="r")
    try:
        bars = next(c for c in fig.axes[2].collections if c.get_gid() == "sbs96-bars")
        heights = sorted(float(path.vertices[1, 1]) for path in bars.get_paths())
        assert heights == sorted(observed - reconstructed)
        low, high = fig.axes[2].get_ylim()
        assert low == pytest.approx(-high) and high >= 55.0
        assert len(plot_reconstruction(observed, reconstructed, title="r",
                                       residual=False).axes) == 2
    finally:
        plt.close("all")


def test_other_plots_build(cohort: CohortData) -> None:
    figures = [
        plot_reconstruction(np.ones(96), np.ones(96), title="$x$ sample"),
        plot_exposures(cohort.exposures, relative=True),
        plot_exposures(cohort.exposures, relative=False),
        plot_rank_selection(cohort.rank_metrics, cohort.chosen_rank),
    ]
    try:
        assert "cosine 1.000" in figures[0].texts[0].get_text()
        # One PolyCollection per signature; the top edge of the last is the stack height.
        last = figures[1].axes[0].collections[-1]
        stacked = np.array([path.vertices[1:3, 1].max() for path in last.get_paths()])
        assert [ax.get_ylabel() for ax in figures[0].axes] == [
            "Observed", "Reconstructed", "Residual"]
        np.testing.assert_allclose(stacked, 1.0)
        for fig in figures:
            fig.canvas.draw()
    finally:
        for fig in figures:
            plt.close(fig)
    with pytest.raises(ValueError, match="chosen_rank"):
        plot_rank_selection(cohort.rank_metrics, 7)


def test_single_writers_and_bad_stems(cohort: CohortData, tmp_path: Path) -> None:
    path = write_patient_report(cohort, "a&b", tmp_path, "a_b")
    assert path == tmp_path / "patients" / "a_b.html"
    cohort_path = write_cohort_report(cohort, tmp_path)
    assert cohort_path == tmp_path / "cohort.html"
    with pytest.raises(ValueError, match="file_stem"):
        write_patient_report(cohort, "S1", tmp_path, "../escape")
    with pytest.raises(ValueError, match="expected a stem for every sample"):
        write_reports(cohort, tmp_path, {"S1": "S1"})
    with pytest.raises(ValueError, match="sample"):
        write_patient_report(cohort, "nobody", tmp_path, "nobody")
    absolute = CohortData(**{**vars(cohort), "files": {"exposures": "/etc/exposures.tsv"}})
    with pytest.raises(ValueError, match="relative to the report directory"):
        write_cohort_report(absolute, tmp_path)
    assert plt.get_fignums() == []


def test_dbs78_and_id83_use_the_standard_layouts() -> None:
    from sigforge.genomics.contexts import DBS78_CHANNELS, ID83_CHANNELS
    from sigforge.report import DBS78_COLOURS, ID83_COLOURS, plot_spectrum

    dbs = plot_spectrum(pd.Series(np.arange(78.0), index=list(DBS78_CHANNELS)), title="dbs")
    ids = plot_spectrum(pd.Series(np.arange(83.0), index=list(ID83_CHANNELS)[::-1]), title="id")
    try:
        for fig, gid, channels, colours in ((dbs, "dbs78-bars", DBS78_CHANNELS, DBS78_COLOURS),
                                            (ids, "id83-bars", ID83_CHANNELS, ID83_COLOURS)):
            bars = next(c for c in fig.axes[0].collections if c.get_gid() == gid)
            assert len(bars.get_paths()) == len(channels)
            assert len({tuple(c) for c in bars.get_facecolors()}) == len(colours)
        # each bar's label is a glyph outline in one path collection, below its bar
        from sigforge.report.spectra import _LAYOUTS, _tick_glyphs

        ticks = _LAYOUTS["ID83"].ticks
        assert ticks[:6] == ("1", "2", "3", "4", "5", "6+") and ticks[12:18][-1] == "5+"
        glyphs = next(c for c in ids.axes[0].collections if c.get_gid() == "id83-ticks")
        assert glyphs.get_paths() == _tick_glyphs("ID83") and len(glyphs.get_paths()) == 83
        np.testing.assert_array_equal(glyphs.get_offsets()[:, 0], np.arange(83))
        assert not ids.axes[0].get_xticklabels()
        # the reversed Series was aligned by label: bar i has height i
        heights = [p.vertices[1, 1] for p in next(
            c for c in ids.axes[0].collections if c.get_gid() == "id83-bars").get_paths()]
        np.testing.assert_allclose(heights, np.arange(83.0)[::-1])
    finally:
        plt.close(dbs)
        plt.close(ids)
    with pytest.raises(ValueError, match="SBS96, DBS78 or ID83"):
        plot_spectrum(pd.Series([1.0, 2.0], index=["a", "b"]), title="bad")


def test_heatmap_orders_samples_by_scipy_clustering(cohort: CohortData) -> None:
    from scipy.cluster import hierarchy

    from sigforge.report import plot_exposure_heatmap

    fig = plot_exposure_heatmap(cohort.exposures)
    try:
        fractions = (cohort.exposures / cohort.exposures.sum(axis=0)).to_numpy()
        order = hierarchy.leaves_list(hierarchy.linkage(fractions.T, method="average"))
        labels = [t.get_text() for t in fig.axes[1].get_xticklabels()]
        assert [label[:10] for label in labels] == [cohort.exposures.columns[i][:10]
                                                    for i in order]
    finally:
        plt.close(fig)


def test_decomposition_and_other_catalog_figures(cohort: CohortData, tmp_path: Path) -> None:
    from dataclasses import replace

    from sigforge.genomics.contexts import DBS78_CHANNELS

    reference = pd.DataFrame(np.eye(96)[:, :3] * 0 + 1 / 96, index=list(SBS96_CHANNELS),
                             columns=["SBS1", "SBS5", "SBS40a"])
    data = replace(cohort, reference_signatures=reference,
                   decomposition=pd.DataFrame({"components": ["SBS1:0.6;SBS5:0.4", "SBS40a:1"],
                                               "cosine": [0.91, 0.88], "novel": [False, True]},
                                              index=["SBS96A", "SBS96B"]),
                   other_catalogs={"DBS78": pd.DataFrame(1, index=list(DBS78_CHANNELS),
                                                         columns=SAMPLES)})
    page = write_cohort_report(data, tmp_path).read_text(encoding="utf-8")
    figures = tmp_path / "figures"
    for name in ("decomposition_1_SBS96A", "decomposition_2_SBS96B", "catalog_DBS78"):
        assert (figures / f"{name}.png").is_file() and (figures / f"{name}.svg").is_file()
    assert "SBS1 60% + SBS5 40%" in page and "Summed DBS78 spectrum" in page


def test_patient_regions_section_absent_empty_or_escaped(cohort: CohortData,
                                                          tmp_path: Path) -> None:
    from sigforge.report.patient_rows import REGION_COLUMNS

    page = write_patient_report(cohort, "S1", tmp_path, "S1").read_text(encoding="utf-8")
    assert "Variants in regions of interest" not in page
    empty = pd.DataFrame(columns=list(REGION_COLUMNS))
    page = write_patient_report(cohort, "S1", tmp_path, "S1", regions=empty).read_text(
        encoding="utf-8")
    assert "No counted SNV falls in the given regions." in page
    hostile = pd.DataFrame([[HOSTILE, "1", "10", "C", "A", "ACA", "A[C>A]A", "SBS96A", "0.9"]],
                           columns=list(REGION_COLUMNS))
    page = write_patient_report(cohort, "S1", tmp_path, "S1", regions=hostile).read_text(
        encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and HOSTILE not in page
    with pytest.raises(ValueError, match="probability"):
        write_patient_report(cohort, "S1", tmp_path, "S1",
                             regions=hostile.drop(columns=["probability"]))


@pytest.mark.parametrize(("caution", "edge"), [(True, ""), (False, "k = 3 is the largest"),
                                             (False, "")])
def test_matrix_report_warns_when_the_rank_was_a_fallback(tmp_path: Path, caution: bool,
                                                          edge: str) -> None:
    from sigforge.report.matrix import MatrixReportData, write_matrix_report

    rng = np.random.default_rng(5)
    features, samples, names = [f"f{i}" for i in range(8)], ["a", "b", "c"], ["C1", "C2"]
    ranks = pd.DataFrame({"mean_stability": [0.5, 0.4], "min_stability": [0.1, 0.0],
                          "kl_divergence": [3.0, 2.0], "relative_error": [0.3, 0.2],
                          "mean_cosine": [0.9, 0.95], "selected": [True, False]},
                         index=pd.Index([2, 3], name="k"))
    data = MatrixReportData(
        name="m", matrix=pd.DataFrame(rng.poisson(5, (8, 3)), index=features, columns=samples),
        dropped=pd.DataFrame(columns=["label", "position", "reason"]), rank_metrics=ranks,
        chosen_rank=2, rank_rule="k=2 has the highest mean stability.",
        signatures=pd.DataFrame(rng.dirichlet(np.ones(8), 2).T, index=features, columns=names),
        stability=pd.DataFrame({"stability": [0.5, 0.4]}, index=names),
        exposures=pd.DataFrame(rng.uniform(1, 9, (2, 3)), index=names, columns=samples),
        reconstruction=pd.DataFrame({"cosine": [0.9, 0.8, 0.95]}, index=samples),
        rank_caution=caution, rank_edge=edge)
    page = write_matrix_report(data, tmp_path).read_text(encoding="utf-8")
    assert ('id="rank-caution"' in page) is caution
    assert ('id="rank-edge"' in page) is bool(edge) and (edge in page)


@pytest.mark.parametrize(("n_signatures", "rescued", "text"), [
    (2, (), "2 components chosen"),
    (1, (), "k = 2 chosen, 1 component kept (1 not reproduced by the bootstrap replicates "
            "left out)"),
    (3, ("C3 (k = 3)",), "k = 2 chosen, 1 reproduced at larger ranks was added: C3 (k = 3)"),
    (2, ("C3 (k = 3)",), "k = 2 chosen, 1 component kept (1 not reproduced by the bootstrap "
                         "replicates left out), 1 reproduced at larger ranks was added: "
                         "C3 (k = 3)")])
def test_matrix_report_says_which_components_were_left_out_or_added(
        tmp_path: Path, n_signatures: int, rescued: tuple[str, ...], text: str) -> None:
    from sigforge.report.matrix import MatrixReportData, write_matrix_report

    rng = np.random.default_rng(6)
    features, samples = [f"f{i}" for i in range(8)], ["a", "b", "c"]
    names = [f"C{i + 1}" for i in range(n_signatures)]
    ranks = pd.DataFrame({"mean_stability": [0.9, 0.4], "min_stability": [0.8, 0.1],
                          "kl_divergence": [3.0, 2.0], "relative_error": [0.3, 0.2],
                          "selected": [True, False]}, index=pd.Index([2, 3], name="k"))
    data = MatrixReportData(
        name="m", matrix=pd.DataFrame(rng.poisson(5, (8, 3)), index=features, columns=samples),
        dropped=pd.DataFrame(columns=["label", "position", "reason"]), rank_metrics=ranks,
        chosen_rank=2, rank_rule="k=2.", rescued=rescued,
        signatures=pd.DataFrame(rng.dirichlet(np.ones(8), n_signatures).T, index=features,
                                columns=names),
        stability=pd.DataFrame({"stability": [0.9] * n_signatures}, index=names),
        exposures=pd.DataFrame(rng.uniform(1, 9, (n_signatures, 3)), index=names,
                               columns=samples),
        reconstruction=pd.DataFrame({"cosine": [0.9, 0.8, 0.95]}, index=samples))
    page = write_matrix_report(data, tmp_path).read_text(encoding="utf-8")
    assert f"{text};" in page


def test_matrix_report_facts_svg_cross_validation_and_intervals(tmp_path: Path) -> None:
    from sigforge.report.matrix import MatrixReportData, write_matrix_report

    rng = np.random.default_rng(8)
    features, samples, names = [f"f{i}" for i in range(8)], ["a", "b", "c"], ["C1", "C2"]
    ranks = pd.DataFrame({"mean_stability": [0.9, 0.4], "min_stability": [0.8, 0.1],
                          "kl_divergence": [3.0, 2.0], "relative_error": [0.3, 0.2],
                          "cv_error": [1.25, 1.5], "cv_se": [0.05, 0.07],
                          "selected": [True, False]}, index=pd.Index([2, 3], name="k"))
    exposures = pd.DataFrame(rng.uniform(1, 9, (2, 3)), index=names, columns=samples)
    intervals = pd.DataFrame([(s, n, exposures.at[n, s], exposures.at[n, s] - 1,
                               exposures.at[n, s] + 2, 0.9) for s in samples for n in names],
                             columns=["sample", "signature", "exposure", "lower", "upper",
                                      "presence"]).set_index("sample")
    provenance = {"seed": 4, "ranks": [2, 3], "nmf": {"max_iter": 500, "tol": 1e-6},
                  "rank_rule": {"min_mean_stability": 0.8, "fixed_rank": None}}
    data = MatrixReportData(
        name="m", matrix=pd.DataFrame(rng.poisson(5, (8, 3)), index=features, columns=samples),
        dropped=pd.DataFrame(columns=["label", "position", "reason"]), rank_metrics=ranks,
        chosen_rank=2, rank_rule="k=2.", provenance=provenance,
        signatures=pd.DataFrame(rng.dirichlet(np.ones(8), 2).T, index=features, columns=names),
        stability=pd.DataFrame({"stability": [0.9, 0.8]}, index=names), exposures=exposures,
        reconstruction=pd.DataFrame({"cosine": [0.9, 0.8, 0.95]}, index=samples),
        intervals=intervals)
    path = write_matrix_report(data, tmp_path)
    parsed = _parse(path)
    facts = {row[0]: row[1] for row in parsed.tables["run-info"][1:]}
    assert facts == {"seed": "4", "ranks": "2, 3", "nmf.max_iter": "500", "nmf.tol": "1e-06",
                     "rank_rule.min_mean_stability": "0.8", "rank_rule.fixed_rank": "\u2014"}
    assert "{" not in path.read_text(encoding="utf-8").split('id="run-info"')[1].split(
        "</table>")[0]
    cv_rows = parsed.tables["cv-table"][1:]
    assert [row[:3] for row in cv_rows] == [["2", "1.250", "0.050"], ["3", "1.500", "0.070"]]
    interval_rows = parsed.tables["exposure-intervals"][1:]
    assert len(interval_rows) == 6
    assert interval_rows[0][:2] == ["a", "C1"]
    assert float(interval_rows[0][3]) == pytest.approx(exposures.at["C1", "a"] - 1, abs=6e-4)
    for stem in ("rank_selection", "components", "exposures", "exposure_intervals"):
        assert (tmp_path / "figures" / f"{stem}.png").is_file()
        assert (tmp_path / "figures" / f"{stem}.svg").is_file()
    hrefs = {attributes.get("href") for tag, attributes in parsed.tags if tag == "a"}
    assert "figures/exposure_intervals.svg" in hrefs
    fig = plot_rank_selection(ranks, 2)
    try:
        assert [ax.get_title() for ax in fig.axes if ax.get_title()][-1] == "Cross-validation"
    finally:
        plt.close(fig)


def test_patient_page_lists_the_first_region_rows_and_says_so(
        cohort: CohortData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row of regions_of_interest.tsv went onto the page: 100,000 regions made a 12 MB
    page and a million one that took minutes to write."""
    from sigforge.report import patient
    from sigforge.report.patient_rows import REGION_COLUMNS

    monkeypatch.setattr(patient, "PAGE_REGION_ROWS", 3)
    rows = [[f"gene{i}", "1", str(10 + i), "C", "A", "ACA", "A[C>A]A", "SBS96A", "0.9"]
            for i in range(5)]
    regions = pd.DataFrame(rows, columns=list(REGION_COLUMNS))
    page = write_patient_report(cohort, "S1", tmp_path, "S1", regions=regions).read_text(
        encoding="utf-8")
    assert all(f"gene{i}<" in page for i in range(3)) and "gene3<" not in page
    assert ("lists the first 3 of 5 rows; regions_of_interest.tsv, in the refit's output "
            "folder, lists") in page
    page = write_patient_report(cohort, "S1", tmp_path, "S1",
                                regions=regions.iloc[:3]).read_text(encoding="utf-8")
    assert "regions-cut" not in page and "gene2<" in page


def test_de_novo_signatures_sharing_a_best_match_are_flagged(cohort: CohortData,
                                                             tmp_path: Path) -> None:
    """Two de novo signatures whose best COSMIC match is the same signature read as that
    signature found twice; the cohort page now names the pair, marks both table cells and
    says so in each signature's facts, and a patient page marks both rows. Distinct matches
    (the module's cohort) get no such note."""
    from dataclasses import replace

    from sigforge.report.context_section import shared_match_groups

    shared = replace(cohort, reference_matches=pd.DataFrame(
        {"reference": ["SBS5", "SBS5"], "cosine": [0.95, 0.91]}, index=["SBS96A", "SBS96B"]))
    page = write_cohort_report(shared, tmp_path / "shared", file_stems=STEMS).read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "SBS96A (cosine 0.950) and SBS96B (cosine 0.910) both best match SBS5" in text
    assert page.count("class=\"shared-match\"") == 2
    assert "also the best match of SBS96B (cosine 0.910)" in text
    assert "also the best match of SBS96A (cosine 0.950)" in text
    patient = write_patient_report(shared, "S1", tmp_path / "shared", "S1").read_text()
    assert 'title="also the best match of SBS96B"' in patient
    assert 'title="also the best match of SBS96A"' in patient
    plain_page = write_cohort_report(cohort, tmp_path / "plain", file_stems=STEMS).read_text()
    assert "class=\"shared-match\"" not in plain_page and "best match SBS" not in plain_page
    three = {"A": ("SBS5", 0.9), "B": ("SBS1", 0.99), "C": ("SBS5", 0.8), "D": ("SBS5", 0.7)}
    assert shared_match_groups(three) == [
        "A (cosine 0.900), C (cosine 0.800) and D (cosine 0.700) all best match SBS5"]

"""The cohort page's per-mutation-type sections and the matrix page, opened in Chromium: they
render without console errors, every in-page anchor and every file link resolves, and the
sections show what their files hold (the run is written by tests/report_folders.py)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main
from tests.report_folders import SAMPLES, SKIP_REASON, write_run

from ._chromium import Chromium
from .test_reports_in_chromium import _CELLS, _assert_clean

pytestmark = pytest.mark.browser

_LINKS = "Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"


@pytest.fixture(scope="module")
def sections_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sigforge report`` over the written run, linking the per-patient pages."""
    run = write_run(tmp_path_factory.mktemp("sections"))
    assert main([*run.args, "--patients-dir", str(run.root / "patients")]) == 0
    return run.root / "report"


def _assert_links_resolve(chromium: Chromium, session: str, page: Path) -> int:
    """Every ``#anchor`` names an element; every relative link names an existing file."""
    hrefs = [str(h) for h in chromium.evaluate(_LINKS, session) if h]
    for link in hrefs:
        if link.startswith("#"):
            assert chromium.evaluate(f"document.getElementById({link[1:]!r}) !== null",
                                     session), link
        else:
            assert (page.parent / unquote(link)).resolve().is_file(), link
    return len(hrefs)


def test_cohort_sections_render_and_links_resolve(chromium: Chromium, sections_report: Path,
                                                  screenshot_dir: Path) -> None:
    page = sections_report / "cohort.html"
    result, session = chromium.load(page, screenshot_dir / "sections_cohort.png")
    _assert_clean(result)
    assert _assert_links_resolve(chromium, session, page) > 50
    nav = chromium.evaluate("Array.from(document.querySelectorAll('nav a'))"
                            ".map(a => a.textContent)", session)
    assert nav == ["Run", "Catalog", "SBS96", "SBS288 (not factored)", "DBS78 (skipped)",
                   "ID83 (not factored)", "Patients", "Files"]
    status = chromium.evaluate("document.getElementById('dbs78-status').textContent", session)
    assert SKIP_REASON in status
    ranks = chromium.evaluate("Array.from(document.querySelectorAll('#rank-solutions details'))"
                              ".map(d => [d.id, d.open])", session)
    assert ranks == [["k2", True], ["k3", False]]
    quality = chromium.evaluate(_CELLS.format("#quality-table"), session)
    assert [row[0] for row in quality] == SAMPLES
    links = chromium.evaluate("Array.from(document.querySelectorAll('a.patient-page'))"
                              ".map(a => a.getAttribute('href'))", session)
    assert links == [f"../patients/{sample}.html" for sample in SAMPLES]


def test_closed_rank_solution_shows_its_figure_when_opened(chromium: Chromium,
                                                           sections_report: Path) -> None:
    _, session = chromium.load(sections_report / "cohort.html")
    chromium.evaluate("document.getElementById('k3').open = true", session)
    size = chromium.evaluate("(() => { const i = document.querySelector('#k3 img');"
                             " return [i.complete, i.naturalWidth, i.getBoundingClientRect()"
                             ".height]; })()", session)
    assert size[0] and size[1] > 100 and size[2] > 100


def test_matrix_page_renders_with_intervals(chromium: Chromium, tmp_path: Path,
                                            screenshot_dir: Path) -> None:
    from sigforge.report.matrix import MatrixReportData, write_matrix_report

    rng = np.random.default_rng(2)
    features, samples, names = [f"f{i}" for i in range(10)], ["a", "b", "c", "d"], ["C1", "C2"]
    exposures = pd.DataFrame(rng.uniform(5, 50, (2, 4)), index=names, columns=samples)
    intervals = pd.DataFrame([(s, n, exposures.at[n, s], 0.8 * exposures.at[n, s],
                               1.2 * exposures.at[n, s], 1.0) for s in samples for n in names],
                             columns=["sample", "signature", "exposure", "lower", "upper",
                                      "presence"]).set_index("sample")
    data = MatrixReportData(
        name="m", matrix=pd.DataFrame(rng.poisson(9, (10, 4)), index=features, columns=samples),
        dropped=pd.DataFrame(columns=["label", "position", "reason"]),
        rank_metrics=pd.DataFrame({"mean_stability": [0.9, 0.5], "min_stability": [0.8, 0.2],
                                   "kl_divergence": [3.0, 2.0], "relative_error": [0.3, 0.2],
                                   "cv_error": [1.1, 1.4], "cv_se": [0.1, 0.1],
                                   "selected": [True, False]}, index=pd.Index([2, 3], name="k")),
        chosen_rank=2, rank_rule="k=2.", provenance={"seed": 1, "nmf": {"tol": 1e-7}},
        signatures=pd.DataFrame(rng.dirichlet(np.ones(10), 2).T, index=features, columns=names),
        stability=pd.DataFrame({"stability": [0.9, 0.8]}, index=names), exposures=exposures,
        reconstruction=pd.DataFrame({"cosine": [0.9, 0.8, 0.95, 0.9]}, index=samples),
        intervals=intervals)
    page = write_matrix_report(data, tmp_path)
    result, session = chromium.load(page, screenshot_dir / "matrix.png")
    _assert_clean(result)
    assert _assert_links_resolve(chromium, session, page) >= 8
    assert len(chromium.evaluate(_CELLS.format("#exposure-intervals"), session)) == 8
    assert chromium.evaluate(_CELLS.format("#run-info"), session) == [
        ["seed", "1"], ["nmf.tol", "1e-07"]]

"""Reports opened in headless Chromium: they render, show the TSVs' numbers and run no script.

How errors are caught: the pages are loaded through the DevTools protocol over
``--remote-debugging-pipe`` (see ``_chromium.py``), which delivers every console message,
uncaught exception, browser log entry (Content-Security-Policy violations, failed loads) and
JavaScript dialog as an event. A page passes when none of those arrived, every ``<img>`` is
decoded with a nonzero natural size, and the full-page screenshot is a real picture. The
numbers are read from the rendered DOM (``textContent`` of table cells, through
``Runtime.evaluate``, which DevTools runs outside the page's CSP) and compared with values read
directly from the TSVs with pandas.

The hostile-name tests check three things: the dangerous text is shown as text, no
``<script>`` or event-handler attribute reached the DOM, and no dialog opened. A control page
proves the harness is not blind: the same ``alert`` without the report's CSP opens a dialog,
and with the report's CSP is blocked and logged.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from sigforge.report import write_reports

from ._chromium import Chromium, PageResult
from .conftest import HOSTILE, HOSTILE_SIGNATURE, SAMPLES, STEMS

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
_CELLS = ("Array.from(document.querySelectorAll('{0} tbody tr')).map(r => "
          "Array.from(r.cells).map(c => c.textContent.trim()))")
_CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">")


def _count(value: float) -> str:
    """A count as the reports show it (rounded, thousands separators)."""
    return f"{round(float(value)):,}"


def _assert_clean(result: PageResult) -> None:
    """No console errors, no dialogs, every image decoded, a real screenshot."""
    assert result.errors == [], result.errors
    assert result.dialogs == [], result.dialogs
    assert result.images, "expected figures on the page"
    for image in result.images:
        assert image["complete"] and image["width"] > 100 and image["height"] > 100, image
    assert result.screenshot is not None and result.screenshot.stat().st_size > 20_000
    with Image.open(result.screenshot) as shot:
        assert shot.width >= 1000 and shot.height >= 800
        colours = shot.convert("RGB").resize((64, 64)).getcolors(64 * 64)
        assert colours is not None and len(colours) > 20, "screenshot looks blank"


def _assert_no_injection(chromium: Chromium, session: str) -> None:
    """No script element and no inline event handler anywhere in the DOM."""
    assert chromium.evaluate("document.scripts.length", session) == 0
    handlers = chromium.evaluate(
        "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))"
        ".filter(a => a.name.startsWith('on')).length", session)
    assert handlers == 0


def test_cohort_page_renders_and_matches_the_tsvs(chromium: Chromium, fixture_reports: Path,
                                                  screenshot_dir: Path) -> None:
    result, session = chromium.load(fixture_reports / "cohort.html",
                                    screenshot_dir / "cohort.png")
    _assert_clean(result)
    exposures = pd.read_csv(fixture_reports / "tables" / "exposures.tsv", sep="\t",
                            index_col=0)
    shown = chromium.evaluate(_CELLS.format("#exposure-table"), session)
    header = chromium.evaluate("Array.from(document.querySelectorAll('#exposure-table thead "
                               "th')).map(c => c.textContent)", session)
    assert header == ["Sample", *exposures.index]
    assert [row[0] for row in shown] == list(exposures.columns)
    for row in shown:
        # rounded by largest remainder, as the patient pages round them: each count is its
        # value rounded down or up, and the sample's counts add up to its rounded total
        values = exposures[row[0]].to_numpy(dtype=float)
        counts = [int(cell.replace(",", "")) for cell in row[1:]]
        assert all(math.floor(v + 1e-9) <= c <= math.ceil(v - 1e-9)
                   for v, c in zip(values, counts, strict=True)), row[0]
        assert sum(counts) == math.floor(values.sum() + 0.5), row[0]
    reconstruction = pd.read_csv(fixture_reports / "tables" / "reconstruction.tsv", sep="\t",
                                 index_col=0)
    links = chromium.evaluate(_CELLS.format("#patient-links"), session)
    assert links == [[s, _count(reconstruction.at[s, "burden"]),
                      f"{reconstruction.at[s, 'cosine']:.3f}"] for s in SAMPLES]
    catalog = pd.read_csv(fixture_reports / "tables" / "SBS96.tsv", sep="\t", index_col=0)
    facts = chromium.evaluate("Array.from(document.querySelectorAll('#catalog dd'))"
                              ".map(d => d.textContent)", session)
    assert facts[:2] == [str(len(SAMPLES)), _count(catalog.to_numpy().sum())]


@pytest.mark.parametrize("sample", [SAMPLES[0], HOSTILE])
def test_patient_page_renders_and_matches_the_tsvs(chromium: Chromium, fixture_reports: Path,
                                                   screenshot_dir: Path, sample: str) -> None:
    stem = STEMS[sample]
    result, session = chromium.load(fixture_reports / "patients" / f"{stem}.html",
                                    screenshot_dir / f"{stem}.png")
    _assert_clean(result)
    tables = fixture_reports / "tables"
    reconstruction = pd.read_csv(tables / "reconstruction.tsv", sep="\t", index_col=0)
    text = {key: chromium.evaluate(f"document.getElementById('{key}').textContent", session)
            for key in ("sample-name", "burden", "cosine")}
    assert text == {"sample-name": sample,
                    "burden": _count(reconstruction.at[sample, "burden"]),
                    "cosine": f"{reconstruction.at[sample, 'cosine']:.3f}"}
    exposures = pd.read_csv(tables / "exposures.tsv", sep="\t", index_col=0)[sample]
    rows = chromium.evaluate(_CELLS.format("#exposures"), session)
    used = exposures[exposures > 0]
    assert [row[0] for row in rows] == sorted(used.index, key=lambda k: (-used[k], k))
    # counts and shares rounded by largest remainder: each down or up, adding up to the total
    shown = {row[0]: (int(row[1].replace(",", "")), float(row[2].rstrip("%"))) for row in rows}
    total = exposures.sum()
    for name, value in used.items():
        count, share = shown[name]
        assert math.floor(value) <= count <= math.ceil(value)
        assert math.floor(1000 * value / total) <= round(10 * share) <= math.ceil(
            1000 * value / total)
    assert sum(count for count, _ in shown.values()) == math.floor(used.sum() + 0.5)
    assert round(sum(share for _, share in shown.values()), 1) == 100.0
    absent = chromium.evaluate(_CELLS.format("#absent"), session)
    assert [row[0] for row in absent] == sorted(exposures.index[exposures == 0])


def test_hostile_names_are_text_and_no_script_runs(chromium: Chromium, fixture_reports: Path,
                                                   screenshot_dir: Path) -> None:
    for page in (fixture_reports / "cohort.html",
                 fixture_reports / "patients" / f"{STEMS[HOSTILE]}.html"):
        result, session = chromium.load(page, screenshot_dir / f"hostile_{page.stem}.png")
        assert result.dialogs == [] and result.errors == [], (page, result)
        _assert_no_injection(chromium, session)
        body = chromium.evaluate("document.body.textContent", session)
        assert HOSTILE in body and HOSTILE_SIGNATURE in body
    assert chromium.evaluate("document.title", session).startswith(HOSTILE)
    assert not [e for e in chromium.events() if e.get("method") == "Page.javascriptDialogOpening"]


def test_harness_sees_a_script_that_runs_and_one_the_csp_blocks(chromium: Chromium,
                                                                 tmp_path: Path) -> None:
    """Control: without CSP the alert fires (and is seen); with the reports' CSP it is blocked."""
    page = "<!DOCTYPE html><html><head>{}<title>t</title></head><body>x{}</body></html>"
    open_page, guarded = tmp_path / "open.html", tmp_path / "guarded.html"
    open_page.write_text(page.format("", HOSTILE))
    guarded.write_text(page.format(_CSP, HOSTILE))
    assert chromium.load(open_page)[0].dialogs == ["1"]
    blocked = chromium.load(guarded)[0]
    assert blocked.dialogs == []
    assert any("Content Security Policy" in error for error in blocked.errors), blocked.errors


def test_real_patient_report_from_a_vcf(chromium: Chromium, tmp_path: Path,
                                        screenshot_dir: Path) -> None:
    """Per-patient mode on an example VCF, with a hostile --sample-name, end to end."""
    out = tmp_path / "patient"
    command = [sys.executable, "-m", "sigforge", "refit",
               "--vcf", str(REPO / "resources/example/vcfs/S01.vcf"),
               "--reference", str(REPO / "resources/example/genome.fa"),
               "--sample-name", HOSTILE, "--signatures", "COSMIC_v3.6", "--bootstrap", "20",
               "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    [page] = (out / "patients").glob("*.html")
    result, session = chromium.load(page, screenshot_dir / "vcf_patient.png")
    _assert_clean(result)
    _assert_no_injection(chromium, session)
    reconstruction = pd.read_csv(out / "reconstruction.tsv", sep="\t", index_col=0)
    assert chromium.evaluate("document.getElementById('sample-name').textContent",
                             session) == HOSTILE
    assert chromium.evaluate("document.getElementById('burden').textContent",
                             session) == _count(reconstruction.iloc[0]["burden"])
    exposures = pd.read_csv(out / "exposures.tsv", sep="\t", index_col=0).iloc[:, 0]
    rows = chromium.evaluate(_CELLS.format("#exposures"), session)
    assert rows and {row[0]: row[1] for row in rows} == {
        name: _count(exposures[name]) for name in (row[0] for row in rows)}


def test_parallel_pages_equal_serial_pages(fixture_reports: Path, tmp_path: Path) -> None:
    """Pages and figures drawn by forked workers (the patient pages, and the cohort page's
    type sections beside them) are byte-identical to those drawn in-process."""
    from .conftest import _cohort_from_tables

    data = _cohort_from_tables(fixture_reports / "tables")
    write_reports(data, tmp_path / "serial", STEMS, workers=1)
    write_reports(data, tmp_path / "parallel", STEMS, workers=2)

    def files(root: Path) -> list[Path]:
        return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())

    assert files(tmp_path / "serial") == files(tmp_path / "parallel")
    assert any(name.suffix == ".svg" for name in files(tmp_path / "serial"))
    for name in files(tmp_path / "serial"):
        assert (tmp_path / "serial" / name).read_bytes() == \
            (tmp_path / "parallel" / name).read_bytes(), name

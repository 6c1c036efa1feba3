"""The patient page states only what the data establish, checked in headless Chromium.

The fixture (``mixed_cohort`` in conftest) has, for patient M01: two established signatures,
one whose interval includes 0, two at 0, a de novo signature whose best COSMIC match is only
cosine 0.82, a rank chosen with caution, and two variants in regions of interest (one
region named with markup). Rendered pages are read through the DOM, as a reader sees them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._chromium import Chromium
from .conftest import REGION_NAME, REGIONS
from .test_reports_in_chromium import _CELLS, _assert_clean, _assert_no_injection

pytestmark = pytest.mark.browser

#: Whether an element is rendered: checkVisibility() also sees the content of a closed
#: <details> (hidden by content-visibility, which keeps its layout boxes) as hidden.
_VISIBLE = ("(e => !!e && e.checkVisibility({{contentVisibilityAuto: true, "
            "visibilityProperty: true}}) && e.getBoundingClientRect().height > 0)"
            "(document.querySelector('{0}'))")


def _text(chromium: Chromium, selector: str, session: str) -> list[str]:
    """textContent of every element matching ``selector``."""
    return chromium.evaluate(f"Array.from(document.querySelectorAll({selector!r}))"
                             ".map(e => e.textContent.trim())", session)


def test_patient_page_orders_collapses_and_flags(chromium: Chromium, mixed_reports: Path,
                                                 screenshot_dir: Path) -> None:
    result, session = chromium.load(mixed_reports / "patients" / "M01.html",
                                    screenshot_dir / "mixed_M01.png")
    _assert_clean(result)
    _assert_no_injection(chromium, session)
    rows = chromium.evaluate(_CELLS.format("#exposures"), session)
    assert [row[0] for row in rows] == ["SBS96A", "SBS96B", "SBS96C"]  # by exposure
    assert [row[1] for row in rows] == ["300", "120", "40"]
    # The zero rows sit in a closed <details>, not in the table.
    assert chromium.evaluate("document.getElementById('absent-signatures').open", session) is False
    assert _text(chromium, "#absent-signatures summary", session) == [
        "2 signatures not found in this sample"]
    assert [row[0] for row in chromium.evaluate(_CELLS.format("#absent"), session)] == [
        "SBS96D", "SBS96E"]
    assert chromium.evaluate(_VISIBLE.format("#absent"), session) is False
    # Exactly the row whose interval includes 0 carries the visible badge, with a reason.
    flagged = chromium.evaluate(
        "Array.from(document.querySelectorAll('#exposures tbody tr')).filter(r => "
        "r.querySelector('.uncertain')).map(r => r.cells[0].textContent)", session)
    assert flagged == ["SBS96C"]
    assert chromium.evaluate(_VISIBLE.format("#exposures .uncertain"), session) is True
    assert "includes 0" in chromium.evaluate(
        "document.querySelector('#exposures .uncertain').title", session)
    assert rows[2][2].startswith("0 – 74") and rows[2][3] == "32.0%"


def test_patient_page_reading_matches_and_caution(chromium: Chromium,
                                                  mixed_reports: Path) -> None:
    _, session = chromium.load(mixed_reports / "patients" / "M01.html")
    reading = " ".join(_text(chromium, ".reading p", session))
    assert "attributed to SBS96A" in reading and "SBS96B accounts for a further" in reading
    assert "SBS96C accounts" not in reading and "SBS96C (" in reading
    assert "Possibly present (its interval includes 0" in reading and "SBS96C" in reading
    rows = chromium.evaluate(_CELLS.format("#exposures"), session)
    aetiology = {row[0]: row[-1] for row in rows}
    assert aetiology["SBS96A"] == "clock-like"
    assert aetiology["SBS96B"] == "no close COSMIC match (best: SBS5, cosine 0.82)"
    assert "cosine ≥ 0.9" in chromium.evaluate("document.body.textContent", session)
    assert chromium.evaluate(_VISIBLE.format("#rank-caution"), session) is True
    assert "Caution" in _text(chromium, "#rank-caution", session)[0]
    unexplained = _text(chromium, "#unexplained", session)[0]
    assert unexplained.endswith("%") and 0 <= float(unexplained.rstrip("%")) <= 100


def test_patient_page_regions_of_interest(chromium: Chromium, mixed_reports: Path) -> None:
    _, session = chromium.load(mixed_reports / "patients" / "M01.html")
    _assert_no_injection(chromium, session)
    rows = chromium.evaluate(_CELLS.format("#regions-of-interest"), session)
    expected = REGIONS.astype(str).to_numpy().tolist()
    expected[0][-1], expected[1][-1] = "0.873", "0.610"
    assert rows == expected
    assert rows[0][0] == REGION_NAME  # markup shown as text
    _, other = chromium.load(mixed_reports / "patients" / "M02.html")
    assert chromium.evaluate("document.getElementById('regions')", other) is None


def test_cohort_page_shows_the_cosmic_refit_and_caution(chromium: Chromium,
                                                        mixed_reports: Path,
                                                        screenshot_dir: Path) -> None:
    result, session = chromium.load(mixed_reports / "cohort.html",
                                    screenshot_dir / "mixed_cohort.png")
    _assert_clean(result)
    assert chromium.evaluate(_VISIBLE.format("#rank-caution"), session) is True
    header = _text(chromium, "#reference-refit-table thead th", session)
    assert header == ["Sample", "SBS1", "SBS5", "SBS40a", "SBS13"]  # used ones, by total
    rows = chromium.evaluate(_CELLS.format("#reference-refit-table"), session)
    assert rows == [["M01", "310", "90", "0", "20"], ["M02", "150", "260", "40", "0"]]
    summary = chromium.evaluate(_CELLS.format("#reference-refit-summary"), session)
    assert [row[:4] for row in summary[:2]] == [["SBS1", "460", "2", "1"],
                                                ["SBS5", "350", "2", "1"]]
    images = chromium.evaluate(
        "Array.from(document.querySelectorAll('#reference-refit img'))"
        ".map(i => i.complete && i.naturalWidth > 100)", session)
    assert images == [True]
    loose = chromium.evaluate(_CELLS.format("#signature-summary"), session)
    assert {row[0]: row[5] for row in loose}["SBS96B"].startswith("no close COSMIC match")


def test_no_caution_and_no_regions_section_unless_given(chromium: Chromium,
                                                        fixture_reports: Path) -> None:
    """The default fixture's rank met the rule and has no regions: neither block appears."""
    for page in (fixture_reports / "cohort.html", fixture_reports / "patients" / "patient_1.html"):
        _, session = chromium.load(page)
        assert chromium.evaluate("document.getElementById('rank-caution')", session) is None
        assert chromium.evaluate("document.getElementById('regions')", session) is None

"""The cohort page of a stratified discovery (tests/report_groups_run.py), opened in Chromium:
it renders without console errors, every in-page anchor and file link resolves, and each
group's subsection is on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report_groups_run import write_grouped_run

from ._chromium import Chromium
from .test_reports_in_chromium import _assert_clean
from .test_sections_in_chromium import _assert_links_resolve

pytestmark = pytest.mark.browser


def test_grouped_cohort_page_renders_and_links_resolve(
        chromium: Chromium, tmp_path: Path, screenshot_dir: Path) -> None:
    page = write_grouped_run(tmp_path) / "report" / "cohort.html"
    result, session = chromium.load(page, screenshot_dir / "groups_cohort.png")
    _assert_clean(result)
    assert _assert_links_resolve(chromium, session, page) > 20
    groups = chromium.evaluate("Array.from(document.querySelectorAll('#stratified section.group'))"
                               ".map(s => s.id)", session)
    assert groups == ["group-1-A", "group-2-B", "group-3-C"]
    rows = chromium.evaluate("document.querySelectorAll('#merged-signatures tbody tr').length",
                             session)
    assert rows == 3

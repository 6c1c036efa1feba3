"""What every robustness case asserts: exit 2, one clear message, no traceback, nothing written.

Each case runs the ``sigforge`` command line in-process (``sigforge.cli.main``), so an
uncaught exception fails the test with its traceback instead of hiding in a subprocess.
With ``SIGFORGE_CASE_TABLE=FILE`` in the environment every case appends one row
``case<TAB>exit<TAB>first line of the message`` to FILE: the table of the hardening note.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.cli import main


@dataclass(frozen=True)
class Outcome:
    """Exit status and standard error of one command."""

    code: int
    err: str

    @property
    def first_line(self) -> str:
        """The message a user reads first: the first 'error:' line (argparse prints its usage
        line before it), else the first non-empty line of standard error."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        return next((line for line in lines if "error:" in line), lines[0] if lines else "")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str, case: str | None = None) -> Outcome:
    """Run ``sigforge -q ARGV`` in-process; record it in the case table when ``case`` is given."""
    capsys.readouterr()
    try:
        code = main(["-q", *argv])
    except SystemExit as stop:  # argparse rejects malformed options itself, with exit 2
        code = stop.code if isinstance(stop.code, int) else 2
    outcome = Outcome(code, capsys.readouterr().err)
    if case is not None:
        record_case(case, outcome)
    return outcome


def record_case(case: str, outcome: Outcome) -> None:
    """Append one row to $SIGFORGE_CASE_TABLE (no-op when unset)."""
    table = os.environ.get("SIGFORGE_CASE_TABLE")
    if table:
        with open(table, "a", encoding="utf-8") as handle:
            handle.write(f"{case}\t{outcome.code}\t{outcome.first_line[:300]}\n")


def assert_clear_error(outcome: Outcome, *fragments: str) -> None:
    """Exit 2, no traceback, and every fragment (file, line, sample, fix) in the message."""
    assert outcome.code == 2, f"expected exit 2, got {outcome.code}: {outcome.err}"
    assert "Traceback" not in outcome.err, outcome.err
    assert "error:" in outcome.err, outcome.err
    for fragment in fragments:
        assert fragment in outcome.err, f"{fragment!r} not in message: {outcome.err}"


def files_under(folder: Path) -> list[str]:
    """Every file below folder (relative paths, sorted): what a failed command left behind."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_nothing_written(folder: Path, before: list[str] | None = None) -> None:
    """No file under folder beyond those listed in ``before`` (no partial output, no temp file)."""
    assert files_under(folder) == sorted(before or []), files_under(folder)


def sbs1_sbs13_catalog(samples: int = 6, seed: int = 5) -> pd.DataFrame:
    """A 96 x ``samples`` SBS96 catalog of whole counts from SBS1 and SBS13 (exposures
    gamma-distributed, at least 50 each), the robustness tests' small cohort."""
    from sigforge.genomics.contexts import SBS96_CHANNELS
    from sigforge.genomics.reference import load_reference

    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(seed)
    exposures = rng.gamma(1.0, 300.0, size=(2, samples)) + 50
    counts = rng.poisson(cosmic[["SBS1", "SBS13"]].to_numpy() @ exposures).astype(float)
    frame = pd.DataFrame(counts, index=list(SBS96_CHANNELS),
                         columns=[f"s{i}" for i in range(samples)])
    frame.index.name = "MutationType"
    return frame

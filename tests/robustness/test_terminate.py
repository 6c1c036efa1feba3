"""SIGTERM (a scheduler's time limit, ``timeout``, ``kill``) unwinds a command as Ctrl-C
does: its default action killed the process mid-write, leaving new tables beside the previous
page and the backups of the files it replaced."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest

from sigforge.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"


def _digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) by relative path, with its digest."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sigterm_mid_write_leaves_the_previous_outputs(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "refit"
    command = ["refit", "--catalog", str(EXAMPLE / "truth_catalog.tsv"), "--signatures",
               "COSMIC_v3.6", "--bootstrap", "0", "--out", str(out)]
    assert main(command) == 0
    before = _digests(out)
    replace = os.replace
    calls: list[str] = []

    def replace_then_terminate(source: str | os.PathLike[str],
                               target: str | os.PathLike[str]) -> None:
        """Commit a file as usual; after the third, SIGTERM arrives (once)."""
        replace(source, target)
        calls.append(str(target))
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, "replace", replace_then_terminate)
    outer = signal.getsignal(signal.SIGTERM)
    assert main([*command[:-2], "--method", "nnls", "--out", str(out)]) == 143
    assert len(calls) >= 3
    assert "terminated (SIGTERM" in capsys.readouterr().err
    assert _digests(out) == before
    assert signal.getsignal(signal.SIGTERM) is outer

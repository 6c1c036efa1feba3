"""Outputs of mutation types taken out of ``catalog.contexts`` (sigforge.workflow.stale)."""

from __future__ import annotations

from pathlib import Path

from sigforge.workflow import stale


def test_outputs_of_contexts_no_longer_configured_are_removed(tmp_path: Path) -> None:
    """A run with SBS96 and DBS78, then SBS96 alone: DBS78's catalog, discovery and refits
    used to stay, and the cohort report went on showing them. The patients' DBS78 figures
    stay: patient pages refit doublets whatever the cohort's contexts."""
    out = tmp_path / "results"
    for context in ("SBS96", "DBS78"):
        (out / "extract" / context / "k2").mkdir(parents=True)
        (out / "extract" / context / "signatures.tsv").write_text("sigs")
        (out / "refit" / context / "reference").mkdir(parents=True)
        (out / "catalogs").mkdir(exist_ok=True)
        (out / "catalogs" / f"{context}.tsv").write_text("counts")
        (out / "figures/patients").mkdir(parents=True, exist_ok=True)
        (out / "figures/patients" / f"S1_{context}.png").write_text("png")
    (out / "figures/patients/S1_spectrum.png").write_text("png")
    (out / "figures/patients/X_DBS78_spectrum.png").write_text("png")  # sample X_DBS78's
    notes = stale.remove_stale_context_outputs(str(out), ["SBS96"], dry_run=True)
    assert len(notes) == 1 and "3 output(s)" in notes[0] and "catalog.contexts" in notes[0]
    assert (out / "extract/DBS78").exists()
    stale.remove_stale_context_outputs(str(out), ["SBS96"], dry_run=False)
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert left == ["catalogs/SBS96.tsv", "extract/SBS96/signatures.tsv",
                    "figures/patients/S1_DBS78.png", "figures/patients/S1_SBS96.png",
                    "figures/patients/S1_spectrum.png", "figures/patients/X_DBS78_spectrum.png"]
    assert not (out / "refit/DBS78").exists() and (out / "refit/SBS96/reference").is_dir()
    assert stale.remove_stale_context_outputs(str(out), ["SBS96"], dry_run=False) == []

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


def test_a_dropped_contexts_folder_holding_a_users_file_is_left_alone(tmp_path: Path) -> None:
    """The folders of a mutation type dropped from catalog.contexts (and of a grouping the
    sheet no longer has) were deleted with whatever they held: a user's notes and scripts,
    or a second run's outdir placed inside. Only folders of the workflow's own files go."""
    from sigforge.workflow import groups as grouping

    out = tmp_path / "results"
    for path in ("extract/DBS78/k2/chunks/chunk1.npz", "extract/DBS78/k2/metrics.json",
                 "extract/DBS78/k2/.snakemake_timestamp", "extract/DBS78/signatures.tsv",
                 "refit/DBS78/reference/exposures.tsv", "extract/ID83/provenance.json",
                 "extract/ID83/my_analysis.R", "refit/ID83/NOTES.txt",
                 "extract/SBS96/groups/old/exposures.tsv", "extract/SBS96/groups/old/x.txt",
                 "catalogs/groups/SBS96/old.tsv"):
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text("x")
    notes = stale.remove_stale_context_outputs(str(out), ["SBS96"], dry_run=False)
    assert not (out / "extract/DBS78").exists() and not (out / "refit/DBS78").exists()
    assert (out / "extract/ID83/my_analysis.R").exists() and (out / "refit/ID83/NOTES.txt").exists()
    assert len(notes) == 2 and "left alone 2 folder(s)" in notes[1], notes
    notes = grouping.remove_stale_group_outputs(str(out), ["SBS96"], None, dry_run=False)
    assert (out / "extract/SBS96/groups/old/x.txt").exists()
    assert not (out / "catalogs/groups/SBS96").exists()
    assert any("left alone 1 folder(s)" in note for note in notes), notes

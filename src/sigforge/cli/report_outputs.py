"""What ``sigforge report`` must not overwrite: the per-patient pages of ``--patients-dir``
that the cohort report links, and the figures those pages show.

Split from :mod:`sigforge.cli.report`, which gathers the report's inputs and writes it.
"""

from __future__ import annotations

from pathlib import Path

from sigforge.io import InputError, file_identity


def _same_place(first: Path, second: Path) -> bool:
    """Whether two existing paths are one file or folder (another spelling, a link)."""
    key = file_identity(first)
    return key is not None and key == file_identity(second)


def check_pages_not_outputs(folder: Path, pages: dict[str, Path], out: Path,
                             stems: dict[str, str]) -> None:
    """Refuse an --out whose pages or figures would replace the --patients-dir pages the
    report links, or the figures those pages show.

    The report writes ``OUT/patients/{stem}.html`` and ``OUT/figures/patients/{stem}_*``,
    the very names ``refit --vcf ... --page-dir DIR`` gives a patient's page and figures; so
    ``--patients-dir DIR/patients --out DIR`` would overwrite every per-patient refit page
    with the cohort's page of that sample, linked to itself. Files are compared by device and
    inode, so another spelling of a path or a link to it is caught too, as the other commands
    refuse an output that is one of their inputs.
    """
    read = {file_identity(page): page for page in pages.values()}
    outputs = [(out / "cohort.html", "the cohort page"),
               *((out / "patients" / f"{stem}.html", f"the page of sample '{sample}'")
                 for sample, stem in stems.items())]
    fix = (f"Choose another --out (not {out}), or move the per-patient pages out of it: this "
           "command never replaces a file it reads.")
    for path, what in outputs:
        page = read.get(file_identity(path)) if path.exists() else None
        if page is not None:
            raise InputError(f"--out {out}: the report would write {what} to {path}, which is "
                             f"the per-patient page {page} of --patients-dir {folder} that it "
                             "reads and links (and the figures of those pages, under "
                             f"{out / 'figures' / 'patients'}, would be overwritten too). {fix}")
    if _same_place(out, folder.parent):
        raise InputError(f"--out {out}: the report would write its patient figures under "
                         f"{out / 'figures' / 'patients'}, where the per-patient pages of "
                         f"--patients-dir {folder} have theirs (named alike), replacing the "
                         f"figures those linked pages show. {fix}")

"""Outputs of an earlier run that the current samples sheet no longer explains.

A sample taken out of the sheet leaves its catalog folder, its patient page, folder and
figures, its cohort-report page, and its jobs' logs and time records behind; left in place
they would sit beside the current cohort's as if they belonged to it. They are removed when
a run starts (Snakemake's ``onstart``, which runs only when jobs are about to execute, after
the working directory is locked; a dry run only names them), and only when they are provably
the workflow's own: a folder is removed only if it holds nothing but the file names the
workflow writes there, a page only if it is a sigforge page (its generator tag), a figure
only if its name is a stem plus one of the figure suffixes the report writes. Anything else
under those folders (a user's notes, input VCFs kept beside the results) is named in a
warning and left alone.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sigforge.genomics.contexts import CATALOG_CONTEXTS

#: What ``sigforge catalog`` writes into a sample's folder (``catalogs/samples/{stem}``).
SAMPLE_CATALOG_FILES = frozenset([*(f"{c}.tsv" for c in CATALOG_CONTEXTS), "catalog_log.tsv",
                                  ".catalog_files"])
#: Tables of one refit (the patient folder's own, and those of its DBS78/ID83 subfolders).
_REFIT_TABLES = ("exposures.tsv", "exposure_intervals.tsv", "reconstruction.tsv",
                 "decomposition.tsv")
#: What ``sigforge refit --vcf --page-dir`` writes into a patient's folder.
PATIENT_FOLDER_FILES = frozenset([*SAMPLE_CATALOG_FILES, *_REFIT_TABLES,
                                  "mutation_probabilities.tsv", "regions_of_interest.tsv",
                                  ".refit_files", "refit.json"])
#: Subfolders of a patient's folder (one refit per other mutation type) and their files.
PATIENT_SUBFOLDERS = {context: frozenset(_REFIT_TABLES) for context in CATALOG_CONTEXTS}
#: The tag every sigforge page carries (report/templates/base.html.j2).
GENERATOR_TAG = b'<meta name="generator" content="sigforge">'
#: A patient figure: ``{stem}_spectrum`` or ``{stem}_{context}``, as PNG or SVG.
_FIGURE = re.compile(rf"^(?P<stem>.+)_(?:spectrum|{'|'.join(CATALOG_CONTEXTS)})\.(?:png|svg)$")


def _only(folder: Path, files: frozenset[str],
          subfolders: dict[str, frozenset[str]] | None = None) -> bool:
    """Whether ``folder`` holds nothing but ``files`` and ``subfolders`` of only their files."""
    for entry in folder.iterdir():
        if entry.is_symlink():
            return False
        if entry.is_dir():
            inner = (subfolders or {}).get(entry.name)
            if inner is None or not _only(entry, inner):
                return False
        elif entry.name not in files:
            return False
    return True


def _is_page(path: Path) -> bool:
    """Whether ``path`` is a page sigforge wrote (its head holds the generator tag)."""
    try:
        with path.open("rb") as handle:
            return GENERATOR_TAG in handle.read(4096)
    except OSError:
        return False


def stale_sample_outputs(outdir: str, stems: Sequence[str]) -> tuple[list[Path], list[Path]]:
    """Per-sample outputs under ``outdir`` of samples no longer in the samples sheet, as
    (the workflow's own, to remove; anything else found in their place, to leave alone)."""
    keep, root = set(stems), Path(outdir)
    verdicts = [*_folder_verdicts(root, keep), *_page_verdicts(root, keep),
                *((path, True) for path in _stale_figures(root, keep)),
                *((path, True) for path in _stale_records(root, keep))]
    ours = [path for path, owned in verdicts if owned and not path.is_symlink()]
    return ours, [path for path, owned in verdicts if not owned or path.is_symlink()]


def _folder_verdicts(root: Path, keep: set[str]) -> Iterator[tuple[Path, bool]]:
    """The sample folders of other samples (catalogs and patient tables), and whether each
    holds only what the workflow writes there."""
    for path in _entries(root / "catalogs" / "samples"):
        if path.name not in keep:
            yield path, path.is_dir() and _only(path, SAMPLE_CATALOG_FILES)
    for path in _entries(root / "patients"):
        if path.is_dir() and path.suffix != ".html" and path.name not in keep:
            yield path, _only(path, PATIENT_FOLDER_FILES, PATIENT_SUBFOLDERS)


def _page_verdicts(root: Path, keep: set[str]) -> Iterator[tuple[Path, bool]]:
    """The pages of other samples, and whether each is a page sigforge wrote."""
    for folder in (root / "patients", root / "report" / "patients"):
        for path in _entries(folder):
            if path.suffix == ".html" and path.stem not in keep:
                yield path, path.is_file() and _is_page(path)


def _stale_figures(root: Path, keep: set[str]) -> Iterator[Path]:
    """The patient figures of other samples (named ``{stem}_spectrum`` or
    ``{stem}_{context}``: ``A_B_spectrum.png`` is sample A_B's, not A's)."""
    for folder in (root / "figures" / "patients", root / "report" / "figures" / "patients"):
        for path in _entries(folder):
            figure = _FIGURE.match(path.name)
            if figure is not None and figure.group("stem") not in keep and path.is_file():
                yield path


#: The folders of per-sample logs and time records (``logs/catalog/samples/{stem}.log``...),
#: with the suffix of their files.
SAMPLE_RECORDS = (("logs/catalog/samples", ".log"), ("benchmarks/catalog/samples", ".tsv"),
                  ("logs/patients", ".log"), ("benchmarks/patients", ".tsv"))


def _stale_records(root: Path, keep: set[str]) -> Iterator[Path]:
    """The logs and time records of other samples' catalog and patient jobs."""
    for folder, suffix in SAMPLE_RECORDS:
        for path in _entries(root / folder):
            if path.suffix == suffix and path.stem not in keep and path.is_file():
                yield path


def _entries(folder: Path) -> Iterable[Path]:
    """The entries of ``folder`` in name order (none when it does not exist)."""
    return sorted(folder.iterdir()) if folder.is_dir() else []


def remove_stale_outputs(outdir: str, stems: Sequence[str], *, dry_run: bool) -> list[str]:
    """Delete the outputs of samples no longer in the sheet (a dry run only names them), and
    name what lies in their place but is not the workflow's; return the lines to print."""
    ours, foreign = stale_sample_outputs(outdir, stems)
    notes = delete_stale(ours, "of samples no longer in the samples sheet", outdir,
                         dry_run=dry_run)
    if foreign:
        shown = ", ".join(str(path) for path in foreign[:6]) + (" ..." if len(foreign) > 6
                                                                  else "")
        notes.append(f"sigforge: left alone {len(foreign)} path(s) named like the outputs of "
                     f"samples no longer in the samples sheet, which hold files the workflow "
                     f"does not write ({shown}). Move them out of {outdir} if they are yours; "
                     "delete them if they are old results.")
    return notes


def stale_context_outputs(outdir: str, contexts: Sequence[str]) -> list[Path]:
    """Outputs of mutation types no longer in ``catalog.contexts``: the cohort catalog and the
    discovery and refit folders (each sample's own catalog goes when its job reruns with the
    new contexts). Left in place, the cohort report would show the old type's results beside
    the current ones. Never the patient pages' doublet and indel figures and tables: a
    patient's VCF is refitted for SBS96, DBS78 and ID83 whatever the cohort's contexts."""
    root = Path(outdir)
    dropped = [context for context in CATALOG_CONTEXTS if context not in set(contexts)]
    return [path for context in dropped
            for path in (root / "catalogs" / f"{context}.tsv", root / "extract" / context,
                         root / "refit" / context, root / "catalogs" / "groups" / context)
            if path.exists() and not path.is_symlink()]


def remove_stale_context_outputs(outdir: str, contexts: Sequence[str], *,
                                 dry_run: bool) -> list[str]:
    """Delete :func:`stale_context_outputs` (a dry run only names them); one line or none."""
    return delete_stale(stale_context_outputs(outdir, contexts),
                        "of mutation types no longer in catalog.contexts", outdir,
                        dry_run=dry_run, run_folders=True)


#: Names of the files the workflow writes in a discovery or refit folder (``extract/{ctx}``,
#: its ``k{k}/``, ``chunks/`` and ``groups/{group}/``; ``refit/{ctx}`` and its ``reference/``),
#: with the temporary and backup files of an interrupted write and Snakemake's folder stamp.
_RUN_FILE = re.compile(r"(exposures|signatures|stability|rank_metrics|merged|decomposition|"
                       r"exposure_intervals|reconstruction)\.tsv|(provenance|metrics|refit)\.json|"
                       r"cv\.npz|chunk\d+\.(npz|log|tsv)|\.snakemake_timestamp|\.refit_files|"
                       r"\..+\.[^.]{8}\.(tmp|old)")
#: In the groups' catalogs (``catalogs/groups/{ctx}``) every group catalog and the list of
#: the groups written.
_GROUP_CATALOG = re.compile(r"[^/]+\.tsv|\..+\.[^.]{8}\.(tmp|old)")


def _workflow_folder(folder: Path, outdir: str) -> bool:
    """Whether every file below ``folder`` (no link among them) has a name the workflow writes
    there (:data:`_RUN_FILE`; any table in the groups' catalogs): a user's notes, scripts or
    a second run's outdir placed inside keep it from being deleted."""
    pattern = _GROUP_CATALOG if folder.relative_to(outdir).parts[:2] == (
        "catalogs", "groups") else _RUN_FILE
    for path in folder.rglob("*"):
        if path.is_symlink() or (path.is_file() and not pattern.fullmatch(path.name)):
            return False
        if not (path.is_file() or path.is_dir()):
            return False
    return True


def delete_stale(stale: Sequence[Path], what: str, outdir: str, *, dry_run: bool,
                 run_folders: bool = False) -> list[str]:
    """Delete the files and folders ``stale`` (a dry run only names them); return one line
    saying what went and why (``what``: whose outputs they are), or nothing. With
    ``run_folders`` (discovery, refit and group-catalog folders, not yet checked), a folder
    holding a file the workflow does not write there is left alone and named in a second
    line."""
    foreign = [path for path in stale if run_folders and path.is_dir()
               and not path.is_symlink() and not _workflow_folder(path, outdir)]
    stale = [path for path in stale if path not in foreign]
    notes = [] if not foreign else [
        f"sigforge: left alone {len(foreign)} folder(s) {what} that hold files the workflow "
        f"does not write ({', '.join(str(path) for path in foreign[:6])}"
        f"{' ...' if len(foreign) > 6 else ''}). Move your files out of {outdir}, then delete "
        "the folders if they are old results."]
    if not stale:
        return notes
    if not dry_run:
        for path in stale:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    shown = ", ".join(str(path) for path in stale[:6]) + (" ..." if len(stale) > 6 else "")
    action = "a real run deletes them" if dry_run else "deleted"
    return [f"sigforge: {len(stale)} output(s) {what} ({shown}): {action}, so that {outdir} "
            "holds this cohort only.", *notes]

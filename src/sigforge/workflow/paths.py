"""Input paths as the parse-time checks see them: whether a path is a file, and how to show
one in a message (a path of a megabyte would bury the message)."""

from __future__ import annotations

import errno
import functools
import hashlib
import os
from pathlib import Path

from sigforge.io import InputError


def not_a_file(path: str) -> str | None:
    """None when ``path`` is a regular file; else why not, as a clause after the path ('' when
    it is not found; a folder, a device or pipe, a dangling link are named as such). A path
    the system cannot look up (a name over 255 bytes, a path over 4,096) says so instead of
    raising OSError."""
    if not str(path).strip():
        return " is empty: no path is given"  # Path('') is the run directory, a folder
    try:
        given = Path(path)
        if given.is_file():
            return None
        if given.is_dir():
            return " is a folder, not a file"
        if given.exists():
            return (" is not a regular file (a device, named pipe or socket, which may never "
                    "end)")
        if given.is_symlink():
            return (f" is a symbolic link to '{os.readlink(given)}', which does not exist or "
                    "leads back to itself (a link loop)")
        return ""
    except OSError as err:
        return f" cannot be looked up ({err.strerror or err})"


def clipped(path: str, most: int = 200) -> str:
    """``path`` for a message: at most ``most`` characters, its middle cut."""
    return path if len(path) <= most else f"{path[:most // 2]}...{path[-most // 2:]}"


def shown_path(path: object) -> str:
    """A config file's path as messages show it: relative to the run directory when below it
    (Snakemake keeps --configfile paths absolute)."""
    text = str(path)
    relative = os.path.relpath(text) if os.path.isabs(text) else text
    return text if relative.startswith("..") else relative


#: The longest folder name most file systems take, in bytes.
_NAME_MAX = 255


def check_outdir_text(value: str, path: str, source: str) -> None:
    """Refuse an outdir every job would fail on: one starting with '-' (the commands read
    ``--out -o/...`` as an option), a folder name with a line break, tab or other control
    character or with spaces around it (Snakemake warns about each path, and the name is not
    what the user sees), or a folder name longer than :data:`_NAME_MAX` bytes."""
    fix = "Give a folder such as results or results/cohort2."
    if path.startswith("-"):
        raise InputError(f"{source}: key outdir: {value!r} starts with '-', which the commands "
                         f"would read as an option. {fix}")
    for part in path.split("/"):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in part) or part != part.strip():
            raise InputError(f"{source}: key outdir: {value!r} holds a folder name with a line "
                             f"break, a tab or spaces around it ({part!r}). {fix}")
        if len(part.encode()) > _NAME_MAX:
            raise InputError(f"{source}: key outdir: a folder name of {len(part.encode())} "
                             f"bytes ('{part[:40]}...'); file systems take at most "
                             f"{_NAME_MAX}. {fix}")


#: The folders a run writes directly under its outdir.
RUN_FOLDERS = ("benchmarks", "catalogs", "extract", "figures", "joint", "logs", "patients",
               "refit", "report")


def _is_run_outdir(folder: Path) -> bool:
    """Whether ``folder`` looks like the outdir of a run (its catalogs and logs folders)."""
    return (folder / "catalogs").is_dir() and (folder / "logs").is_dir()


def check_not_in_another_run(path: str, source: str) -> None:
    """Refuse an outdir inside one of another run's output folders (``results/report`` when
    ``results`` holds a run), or one whose output folders hold another run: one run's
    cleanup of samples it no longer lists deleted the other's patient pages (exit 0), and
    pages of one name overwrite each other. Folders of their own side by side
    (``results/cohort2`` beside a run in ``results``) stay allowed."""
    here = Path(path).absolute()
    fix = ("Give each cohort an outdir of its own that is not one of the other's folders "
           "(results/cohort1 and results/cohort2).")
    for above in here.parents:
        folder = here.relative_to(above).parts[0]
        if folder in RUN_FOLDERS and _is_run_outdir(above):
            raise InputError(f"{source}: key outdir: {path!r} lies in {above / folder}, a "
                             f"folder of the run whose outdir is {above}: that run's outputs "
                             f"there would be deleted or overwritten as this run's. {fix}")
    for name in RUN_FOLDERS:
        if _is_run_outdir(here / name):
            raise InputError(f"{source}: key outdir: {path!r} holds the outdir of another run "
                             f"in its folder {name}/ ({here / name}), which this run writes "
                             f"into. {fix}")


#: Files up to this size are stamped by their content; larger ones (a genome's GTF) by size.
STAMP_CONTENT_BYTES = 64 * 2 ** 20


def file_stamps(*paths: str | None) -> str:
    """A setting that changes with the content of each user file given (signature tables,
    BEDs, a gene annotation; None and '' are skipped): a SHA-256 prefix of a file up to
    :data:`STAMP_CONTENT_BYTES`, the size of a larger one. Snakemake reruns a job only for an
    input newer than its outputs, so a table replaced by another version with an older time
    (cp -p, rsync -a, a restored backup) left the refits, pages and report silently stale;
    passed as a param, the stamp reruns them."""
    stamps = []
    for path in paths:
        if not path:
            continue
        try:
            status = os.stat(path)
        except OSError:  # missing: the inputs check names it (or Snakemake, for a dry run)
            stamps.append("missing")
            continue
        stamps.append(_stamp(str(path), status.st_size, status.st_mtime_ns))
    return " ".join(stamps)


@functools.lru_cache(maxsize=64)
def _stamp(path: str, size: int, mtime_ns: int) -> str:
    """One file's stamp (:func:`file_stamps`), read once per version while the workflow is
    read, however many jobs name it."""
    if size > STAMP_CONTENT_BYTES:
        return f"{size}"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2 ** 20), b""):
            digest.update(block)
    return f"{size}:{digest.hexdigest()[:16]}"


#: The config keys naming input files, as dotted paths into the config.
INPUT_KEYS = ("samples", "reference", "signatures", "refit.signatures", "catalog.regions",
              "catalog.annotation", "refit.regions_of_interest")


def without_dot_segments(path: str) -> str:
    """``path`` without its redundant ``./`` segments (``./in/./a.vcf`` -> ``in/a.vcf``);
    ``..`` is kept (through a link it is not the parent folder). Snakemake warns about a
    relative input starting with ``./`` on every rule that names it, 20 lines for the demo."""
    if "/" not in path or "://" in path:
        return path
    parts = path.split("/")
    kept = [part for index, part in enumerate(parts)
            if part != "." and not (part == "" and 0 < index < len(parts) - 1)]
    tidy = "/".join(kept)
    return tidy if tidy.strip("/") else path


def tidy_input_paths(config: dict, sheet: object = None) -> None:
    """Drop the redundant ``./`` segments of every input path the config names
    (:data:`INPUT_KEYS`, the matrix and joint tables) and of the samples sheet's ``vcf``
    column, in place, before any rule names them (:func:`without_dot_segments`)."""
    keys = [*INPUT_KEYS, "matrix.path"]
    for key in keys:
        *parents, last = key.split(".")
        holder: object = config
        for part in parents:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and isinstance(holder.get(last), str):
            holder[last] = without_dot_segments(holder[last])
    joint = config.get("joint")
    for modality in (joint.get("modalities") or []) if isinstance(joint, dict) else []:
        if isinstance(modality, dict) and isinstance(modality.get("path"), str):
            modality["path"] = without_dot_segments(modality["path"])
    if sheet is not None and "vcf" in getattr(sheet, "columns", ()):
        sheet["vcf"] = [without_dot_segments(str(vcf)) for vcf in sheet["vcf"]]


def check_no_braces(config: dict, sheet: object, sheet_name: str, source: str) -> None:
    """Refuse '{' or '}' in an input path (a config key's, or a samples sheet row's vcf):
    Snakemake reads them as wildcards of the jobs' inputs and stopped with a WildcardError
    (or a RuleException about genome_faidx) naming no key, line or sample. Rename the file
    or folder, or link it under a name without braces."""
    fix = ("Snakemake reads braces in a path as a wildcard. Rename the file or folder, or "
           "link it under a name without them (ln -s 'PATH' plain-name)")
    for key in INPUT_KEYS:
        value: object = config
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and ("{" in value or "}" in value):
            raise InputError(f"{source}: key {key}: {value!r} holds '{{' or '}}'. {fix}.")
    rows = getattr(sheet, "itertuples", None)
    for row in rows(index=False) if rows else ():
        vcf = str(getattr(row, "vcf", ""))
        if "{" in vcf or "}" in vcf:
            raise InputError(f"{sheet_name}, line {getattr(row, 'sheet_line', '?')} (sample "
                             f"'{getattr(row, 'sample_id', '?')}'): vcf {vcf!r} holds '{{' or "
                             f"'}}'. {fix}.")


def os_error_message(err: OSError, source: str = "config") -> str:
    """A parse-time check's OSError (a path the config or the samples sheet names that the
    system refuses to look at: a name over 255 bytes, a path over 4096) as one message with
    the path and the fix; it was a traceback."""
    name = str(err.filename or "")
    shown = name if len(name) <= 90 else f"{name[:40]}...{name[-40:]} ({len(name)} characters)"
    limits = (" (Linux allows 255 bytes per name and 4096 per path)"
              if err.errno == errno.ENAMETOOLONG else "")
    return (f"{source}: the path '{shown}' cannot be read: {err.strerror or err}{limits}. "
            "Fix the path in the config or the samples sheet.")

"""Checks the workflow runs before it builds its job graph, so bad input fails in seconds."""

from __future__ import annotations

import difflib
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import InputError


def check_ranks(low: int, high: int, n_samples: int, fixed: int | None, *,
                n_features: int = len(SBS96_CHANNELS)) -> list[int]:
    """The ranks to try, or an error when the range is impossible for the data.

    A rank k needs k <= number of samples and k <= number of features (channels); a fixed rank
    must lie in the range.
    """
    limit = min(n_samples, n_features)
    if low > high:
        raise InputError(f"config extract.ranks: min ({low}) is larger than max ({high}).")
    if high > limit:
        raise InputError(f"config extract.ranks: max={high} is impossible with {n_samples} "
                         f"samples and {n_features} features, which support at most {limit} "
                         f"signatures. Set extract.ranks.max <= {limit}.")
    if fixed is not None and not low <= fixed <= high:
        raise InputError(f"config rank.fixed={fixed} lies outside extract.ranks "
                         f"({low}-{high}); widen the range or change the fixed rank.")
    return list(range(low, high + 1))


def check_inputs(reference: str, samples: pd.DataFrame, sheet: str = "samples sheet") -> None:
    """Fail with one message listing the reference and every VCF that does not exist."""
    problems = []
    if not Path(reference).is_file():
        problems.append(f"reference FASTA '{reference}' (config key 'reference')")
    lines = samples["sheet_line"] if "sheet_line" in samples else [None] * len(samples)
    for name, vcf, line in zip(samples["sample_id"], samples["vcf"], lines, strict=True):
        if not Path(vcf).is_file():
            where = f"{sheet}, line {line}" if line is not None else sheet
            problems.append(f"VCF '{vcf}' of sample '{name}' ({where})")
    if problems:
        listed = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise InputError(f"input files not found (relative paths are taken from "
                         f"{Path.cwd()}): {listed}. Fix the paths or add the files.")


def refit_flags(section: dict[str, Any], seed: int, genome_build: str) -> list[str]:
    """The ``sigforge refit`` options of the config's ``refit`` section, one argument each.

    Rules pass the list as ``{params.options:q}``, so Snakemake shell-quotes every element;
    values from the config are joined to their option by '=' so that one starting with '-'
    stays a value.
    """
    flags = ["--method", section["method"], "--bootstrap", str(section["bootstrap"]),
             "--confidence", str(section["confidence"]), "--seed", str(seed),
             "--genome-build", genome_build, f"--decompose-into={section['reference']}",
             "--novel-below", str(section["novel_below"])]
    if section.get("restrict_to"):
        flags.append(f"--restrict-to={','.join(section['restrict_to'])}")
    return flags


def input_shape(config: dict[str, Any]) -> tuple[int, int]:
    """(features, samples) of the generic input after cleaning; fails early on a bad table."""
    from sigforge.discovery.matrix import prepare_joint, prepare_matrix

    settings = config.get("matrix") or {}
    counts = bool(settings.get("counts", False))
    if config["type"] == "joint":
        modalities = config["joint"]["modalities"]
        prepared, _ = prepare_joint({m["name"]: m["path"] for m in modalities},
                                    {m["name"]: m.get("weight", 1.0) for m in modalities},
                                    counts=counts, log_dropped=False)
        return prepared.data.shape
    pixels = settings.get("features_are_pixels")
    prepared = prepare_matrix(settings["path"], counts=counts,
                              pixels=tuple(pixels) if pixels else None, log_dropped=False)
    return prepared.data.shape


def generic_refit_flags(section: dict[str, Any], seed: int, counts: bool) -> list[str]:
    """``sigforge refit`` options in matrix and joint mode.

    Counts keep the configured method and bootstrap; real-valued data get plain NNLS without
    intervals, because the likelihood rule and the multinomial resamples assume counts.
    """
    flags = ["--generic", "--seed", str(seed)]
    if counts:
        flags += ["--method", section["method"], "--bootstrap", str(section["bootstrap"]),
                  "--confidence", str(section["confidence"])]
    else:
        flags += ["--method", "nnls", "--bootstrap", "0"]
    return flags


def _close_matches(word: str, allowed: list[str]) -> str:
    """' Did you mean 'x'?' for the allowed word nearest a typo, else ''."""
    matches = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def schema_error_message(error: Any, what: str = "config") -> str:
    """One short message for a JSON-schema ValidationError: where, what is wrong, the fix.

    ``error`` is the ``jsonschema.ValidationError`` Snakemake's ``validate`` wraps (its
    ``path``, ``validator``, ``schema``, ``instance`` and ``message``). Unknown keys get a
    "did you mean" against the keys allowed in their section, enum values one against the
    allowed values; the schema itself is never dumped.
    """
    location = ".".join(str(part) for part in error.path)
    section = f"section '{location}'" if location else "top level"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        key = str(unknown[0]) if unknown else "?"
        return (f"{what}: unknown key '{key}' in the {section}.{_close_matches(key, allowed)} "
                f"Allowed keys there: {', '.join(allowed)}. Fix or remove the key "
                "(workflow/schemas/config.schema.yaml lists every key).")
    hint = ""
    if error.validator == "enum":
        hint = _close_matches(str(error.instance), [str(v) for v in error.validator_value])
    where = f"key '{location}'" if location else "top level"
    first = str(error.message).splitlines()[0]
    return (f"{what}: {where}: {first}.{hint} Fix the value "
            "(workflow/schemas/config.schema.yaml describes every key).")


def _damage(path: Path) -> str | None:
    """Why an intermediate file cannot be read back (None when it reads)."""
    try:
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive:
                if not archive.namelist():
                    return "no arrays in it"
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def damaged_files(paths: list[str]) -> list[tuple[str, str]]:
    """The (path, reason) of every existing ``.npz`` or ``.json`` among paths that is damaged.

    A zip archive is checked through its central directory (at the file's end, so a truncated
    file fails), which costs a few kilobytes of reading per file, not the arrays.
    """
    found = []
    for name in paths:
        path = Path(name)
        if path.is_file():
            reason = _damage(path)
            if reason is not None:
                found.append((name, reason))
    return found


def discard_damaged(paths: list[str], *, dry_run: bool) -> list[str]:
    """Delete damaged intermediates so that this run rebuilds them; return one line per file.

    The workflow writes every file atomically, so a damaged one was truncated or overwritten
    after the fact; removing it lets Snakemake see it as missing and rebuild it (and rerun
    what depends on it). A dry run only reports.
    """
    notes = []
    for name, reason in damaged_files(paths):
        if not dry_run:
            Path(name).unlink(missing_ok=True)
        action = ("a real run deletes and rebuilds it" if dry_run
                  else "deleted it; this run rebuilds it")
        notes.append(f"sigforge: intermediate file {name} is damaged ({reason}): {action}.")
    return notes


#: Snakemake's short options that take no value, so may share a cluster with -n ("-np").
_SHORT_FLAGS = "pFfkrtDSlq"


def dry_run_requested(argv: Sequence[str]) -> bool:
    """Whether a snakemake command line asks for a dry run (``-n``, ``-np``, ``--dry-run``).

    Snakemake reads the Snakefile before it knows its executor, so the workflow looks at the
    command line itself; anything after ``--`` is ignored.
    """
    for token in argv:
        if token == "--":
            return False
        if token in ("--dry-run", "--dryrun"):
            return True
        if re.fullmatch(rf"-[{_SHORT_FLAGS}]*n[{_SHORT_FLAGS}n]*", token):
            return True
    return False

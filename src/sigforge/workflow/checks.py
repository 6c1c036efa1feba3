"""Checks the workflow runs before it builds its job graph, so bad input fails in seconds."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sigforge._same_content import refuse_one_table_twice
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import InputError, check_regular_file, not_found
from sigforge.workflow.config_numbers import whole_number_fix, yaml_float_spelling, yaml_text_number
from sigforge.workflow.paths import (
    check_not_in_another_run,
    check_outdir_text,
    clipped,
    not_a_file,
    shown_path,
)


def check_ranks(low: int, high: int, n_samples: int, fixed: int | None, *,
                n_features: int = len(SBS96_CHANNELS)) -> list[int]:
    """The ranks to try, or an error when the range is impossible for the data: a rank k
    needs k <= samples and k <= features (channels); a fixed rank must lie in the range."""
    limit = min(n_samples, n_features)
    if low > high:
        raise InputError(f"config extract.ranks: min ({low}) is larger than max ({high}).")
    if high > limit:
        what = (f"{n_samples} samples" if n_samples <= n_features else f"catalogs of "
                f"{n_features} channels (the smallest of catalog.contexts; a matrix: features)")
        fix = "extract.ranks.max" if low <= limit else "both extract.ranks.min and .max"
        raise InputError(f"config extract.ranks: max={high} is impossible with {what}, which "
                         f"support at most {limit} signatures. Set {fix} <= {limit}.")
    if fixed is not None and not low <= fixed <= high:
        raise InputError(f"config rank.fixed={fixed} lies outside extract.ranks "
                         f"({low}-{high}); widen the range or change the fixed rank.")
    return list(range(low, high + 1))


def check_inputs(reference: str, samples: pd.DataFrame, sheet: str = "samples sheet",
                 sheet_path: str | None = None, genome_build: str | None = None) -> None:
    """Fail with one message listing the reference and every VCF that does not exist; then
    with one naming every row whose file needs the sheet's fix (a multi-sample VCF without
    vcf_sample, a vcf_sample the VCF lacks, a MAF named as a VCF: check_sheet_rows).
    ``sheet_path``: the sheet's file, to notice paths written relative to its folder; a MAF
    of another build than the config's ``genome_build`` is named too."""
    problems = []
    what = not_a_file(reference)
    if what is not None:
        problems.append(f"reference FASTA '{clipped(reference)}' (config key 'reference'){what}"
                        f"{expansion_fix(reference)}")
    lines = samples["sheet_line"] if "sheet_line" in samples else [None] * len(samples)
    for name, vcf, line in zip(samples["sample_id"], samples["vcf"], lines, strict=True):
        what = not_a_file(vcf)
        if what is not None:
            where = f"{sheet}, line {line}" if line is not None else sheet
            problems.append(f"VCF '{clipped(vcf)}' of sample '{name}' ({where}){what}"
                            f"{expansion_fix(vcf)}{_space_fix(vcf)}")
    if problems:
        listed = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise InputError(f"input files not found or not files (relative paths are taken "
                         f"from {Path.cwd()}): {listed}. Fix the paths or add the files."
                         f"{_beside_the_sheet(samples, sheet_path)}")
    # The rows' sample columns: a multi-sample VCF without vcf_sample would fail in its job.
    from sigforge.genomics.sheet_inputs import check_sheet_rows

    check_sheet_rows(samples, sheet, genome_build)


def _beside_the_sheet(samples: pd.DataFrame, sheet_path: str | None) -> str:
    """A hint when the missing VCFs exist relative to the sheet's own folder (a common
    layout: data/samples.tsv naming vcfs/S01.vcf), '' otherwise."""
    folder = Path(sheet_path).parent if sheet_path else Path(".")
    missing = [vcf for vcf in samples["vcf"] if not Path(vcf).is_absolute()
               and not Path(vcf).exists()]
    if folder == Path(".") or not missing or not all((folder / v).exists() for v in missing):
        return ""
    return (f" Those paths exist relative to the sheet's folder ({folder}): write them "
            f"relative to the run directory ('{folder / missing[0]}'), or absolute.")


def matrix_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``matrix`` section, or its defaults when a joint config leaves it out."""
    return dict(config.get("matrix") or {"counts": False, "depth": 10000})


def check_discovery_settings(config: Mapping[str, Any], source: str = "config") -> None:
    """Discovery settings within the schema's bounds that no run can use: one
    cross-validation fold (no spread for the rank rule's standard errors) and, on mutation
    catalogs, a cap below one mutation (every capped sample would resample to nothing).
    Refused before any job, as the jobs' ``sigforge`` commands would refuse them."""
    if (config.get("rank") or {}).get("cv_folds") == 1:
        raise InputError(f"{source}: key rank.cv_folds: 1 fold has no spread for the rank "
                         "rule's standard errors. Give 0 (no cross-validation) or at least 2 "
                         "(5 is the default).")
    cap = (config.get("extract") or {}).get("cap")  # mutation catalogs only: the generic
    # matrix jobs take any cap > 0, a count in their own unit
    if config.get("type", "vcf") == "vcf" and isinstance(cap, int | float) and cap < 1:
        raise InputError(f"{source}: key extract.cap: {cap} is below one mutation, so every "
                         "capped sample would resample to nothing. Give at least 1 (9600, "
                         "100 per SBS96 channel, is the default).")


def input_shape(config: Mapping[str, Any], *, thorough: bool = True,
                prepared: str | Path | None = None) -> tuple[int, int]:
    """(features, samples) of the generic input after cleaning. ``thorough`` reads, checks
    and cleans the whole input, so a bad table (or one table given as two modalities) fails
    with its file, line and column before any job starts; the workflow's main process does
    that once. Job processes (every SLURM job step reads the Snakefile again) pass
    ``thorough=False``: the shape then comes from the header and line count of ``prepared``,
    the cleaned table the workflow wrote (so the same shape), or, before it exists, of the
    raw input(s), an upper bound of the cleaned shape."""
    if not thorough:
        if prepared is not None and Path(prepared).is_file():
            return table_shape(prepared)
        return _raw_shape(config)
    from sigforge.discovery.matrix import prepare_joint, prepare_matrix

    settings = config.get("matrix") or {}
    counts = bool(settings.get("counts", False))
    if config["type"] == "joint":
        modalities = config["joint"]["modalities"]
        for modality in modalities:
            _check_table_path(modality["path"],
                              f"joint.modalities ('{modality['name']}') path")
        prepared_joint, _ = prepare_joint({m["name"]: m["path"] for m in modalities},
                                          {m["name"]: m.get("weight", 1.0) for m in modalities},
                                          counts=counts, log_dropped=False)
        refuse_one_table_twice([m["path"] for m in modalities], [m["name"] for m in modalities],
                               "joint.modalities path")
        return prepared_joint.data.shape
    pixels = settings.get("features_are_pixels")
    _check_table_path(settings["path"], "matrix.path")
    cleaned = prepare_matrix(settings["path"], counts=counts,
                             pixels=tuple(pixels) if pixels else None, log_dropped=False)
    return cleaned.data.shape


def _check_table_path(path: str, key: str) -> None:
    """Refuse a generic input that is missing, a folder or not a regular file, naming the
    config ``key`` that gave it (the readers' messages name only the path)."""
    label = f"config key {key}: {path}"
    if not Path(path).exists():
        raise InputError(f"{label}: {not_found(path)}. Check the path (relative paths are "
                         f"taken from the working directory {Path.cwd()}).")
    check_regular_file(Path(path), label)


def _raw_shape(config: Mapping[str, Any]) -> tuple[int, int]:
    """(rows, value columns) of the raw generic input(s), stacked in joint mode."""
    if config["type"] == "joint":
        shapes = [table_shape(m["path"]) for m in config["joint"]["modalities"]]
        return sum(rows for rows, _ in shapes), max(columns for _, columns in shapes)
    return table_shape(config["matrix"]["path"])


def table_shape(path: str | Path) -> tuple[int, int]:
    """(data rows, columns after the first) of a table, from its header and line count.

    Reads the header line and counts line ends (Parquet: its footer's metadata), without
    parsing a cell; for a table with one label column that is (features, samples).
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_metadata(path)
        return meta.num_rows, max(meta.num_columns - 1, 0)
    with open(path, "rb") as handle:
        header = handle.readline()
        separator = b"\t" if header.count(b"\t") >= header.count(b",") else b","
        rows = 0
        last = b"\n"
        for block in iter(lambda: handle.read(1 << 20), b""):
            rows += block.count(b"\n")
            last = block[-1:]
        rows += last != b"\n"  # a last line without its line end
    return rows, len(header.rstrip(b"\r\n").split(separator)) - 1


def check_tumour_type(value: str, source: str = "config") -> None:
    """Fail before any job on an unknown ``refit.tumour_type`` (the refit jobs would fail on
    it only after the whole discovery); ``source`` names the config file(s)."""
    from sigforge.genomics.reference import canonical_tumour_type

    try:
        canonical_tumour_type(value)  # any case, '-' or '_': the refit jobs accept it too
    except InputError as err:
        raise InputError(f"{source}: key refit.tumour_type: {err}") from err


#: A shell variable in a path: ``$HOME``, ``${HOME}``.
_SHELL_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})")


def unexpanded_part(value: str) -> str | None:
    """What a shell would expand in a path (a leading '~' or a $VARIABLE), described for a
    message, or None. Snakemake and sigforge take config paths literally: ``~/x`` is a folder
    named '~' in the run directory, not one in the home folder."""
    if value.startswith("~"):
        return "starts with '~'"
    variable = _SHELL_VARIABLE.search(value)
    if variable:
        return f"holds the shell variable {variable.group(0)}"
    return None


def _expanded_example(value: str) -> str:
    """', such as /home/me/x': ``value`` as a shell would expand it, when that expands it
    fully; '' otherwise (an unset variable)."""
    expanded = os.path.expandvars(os.path.expanduser(value))
    return f", such as {expanded}" if unexpanded_part(expanded) is None else ""


def _space_fix(value: str) -> str:
    """A hint for a path with a space at its start or end that exists without it (a cell
    typed or pasted with one): the space is part of the name, and hard to see."""
    if value == value.strip() or not Path(value.strip()).is_file():
        return ""
    return (f" (the path {'starts' if value != value.lstrip() else 'ends'} with a space; "
            f"'{value.strip()}' exists: delete the space in the sheet)")


def expansion_fix(value: str) -> str:
    """' ('~' and $VARIABLES are not expanded: give an absolute path, such as /home/me/x)'
    for a path a shell would expand, else '': the hint a "not found" message adds."""
    if unexpanded_part(value) is None:
        return ""
    return (" ('~' and $VARIABLES are not expanded: give an absolute path"
            f"{_expanded_example(value)})")


def check_expanded(value: str, key: str, source: str = "config", *,
                   existing_ok: bool = True) -> None:
    """Refuse a config path (``key``) a shell would expand (``~/x``, ``$HOME/x``): the
    workflow takes it literally, so it names a folder called '~' or '$HOME' in the run
    directory. An input that exists as written is left alone (``existing_ok``); an output
    folder never is."""
    part = unexpanded_part(value)
    if part is None or (existing_ok and Path(value).exists()):
        return
    raise InputError(f"{source}: key {key}: {value!r} {part}, which is not expanded: the path "
                     f"is taken literally, relative to {Path.cwd()}. Give an absolute path"
                     f"{_expanded_example(value)}.")


def check_outdir(value: str, source: str = "config") -> str:
    """The config's ``outdir`` as the workflow uses it (no trailing '/'), or an InputError.

    It prefixes every output pattern, so it must not hold wildcard braces, and it may not be
    the run directory itself (outputs would land among the sources). A leading '~' or a
    $VARIABLE is refused: it is not expanded, so the outputs would land in a folder named '~'
    or '$HOME' of the run directory.
    """
    path = value.rstrip("/") or value
    check_expanded(path, "outdir", source, existing_ok=False)
    if not path.strip() or "{" in path or "}" in path:
        raise InputError(f"{source}: key outdir: {value!r} is not a usable folder name (empty, or "
                         "holding '{' or '}'). Give a folder such as results or "
                         "results/cohort2.")
    check_outdir_text(value, path, source)
    # one spelling, relative below the run directory: './results' made Snakemake warn on
    # every rule, and a target had to be written './results/...' to match
    path = os.path.normpath(path)
    if os.path.isabs(path) and path.startswith(os.getcwd() + os.sep):
        path = os.path.relpath(path)
    here = Path.cwd().resolve()
    if Path(path).resolve() == here:
        raise InputError(f"{source}: key outdir: {value!r} is the run directory itself; give a "
                         "folder of its own, such as results.")
    if Path(path).resolve() in here.parents:
        raise InputError(f"{source}: key outdir: {value!r} holds the run directory ({here}): "
                         "the outputs would land among the sources and folders above them. "
                         "Give a folder of its own, such as results.")
    if Path(path).exists() and not Path(path).is_dir():
        raise InputError(f"{source}: key outdir: {value!r} exists and is not a folder; give "
                         "another name or move the file.")
    check_not_in_another_run(path, source)
    above = Path(path).absolute().parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(f"{source}: key outdir: {value!r} lies below {above}, which is a file, so "
                         "no folder can be made there; give an outdir whose parents are "
                         "folders.")
    return path


def reference_contexts(signatures: str, contexts: Sequence[str], genome_build: str, *,
                       key: str = "signatures", source: str = "config") -> list[str]:
    """The counted contexts a signature set can refit: those a shipped set has tables of, or
    the one channel set of a user's table; every context for ``denovo``, which only
    ``refit.signatures`` takes (the cohort's own signatures). An InputError naming the config
    key (``key``, in ``source``) and the fix otherwise: ``denovo`` for the reference set, a
    name that is no shipped set nor an existing file (with a did-you-mean), a table over no
    counted context."""
    from sigforge.genomics.reference import available_references, shipped_channel_sets

    if signatures in available_references():
        return [context for context in contexts if context in shipped_channel_sets(signatures)]
    if signatures == "denovo":
        if key == "refit.signatures":
            return list(contexts)
        raise InputError(f"{source}: key {key}: 'denovo' is only valid for refit.signatures (the "
                         "cohort's own de novo signatures); the reference set is what they are "
                         "decomposed into and matched against. Give a shipped set "
                         f"({', '.join(available_references())}) or the path of a signature "
                         "table.")
    check_signature_set(signatures, key, source)
    from sigforge.genomics.reference import load_reference

    try:
        table = load_reference(signatures, genome_build=genome_build)
    except InputError as err:
        raise InputError(f"{source}: key {key}: {err}") from None
    if table.channel_set not in contexts:
        raise InputError(f"{source}: key {key}: signatures {signatures}: its rows are "
                         f"{table.channel_set or 'not a known channel set'}, but "
                         f"catalog.contexts counts {', '.join(contexts)}. Give a table over "
                         "one of the counted channel sets (or add its context to "
                         "catalog.contexts).")
    return [table.channel_set]


def check_signature_set(signatures: str, key: str = "signatures",
                        source: str = "config") -> None:
    """A signature set that is no shipped name (nor ``denovo``) must be an existing file: an
    InputError naming the key, with a did-you-mean for a shipped name in the wrong case
    (``cosmic_v3.6``) and the hint that '~' and $VARIABLES are not expanded."""
    from sigforge.genomics.reference import available_references

    if Path(signatures).is_file():
        return
    shipped = available_references()
    allowed = [*shipped, "denovo"] if key == "refit.signatures" else shipped
    folded = {name.casefold(): name for name in allowed}
    hint = (f" Did you mean '{folded[signatures.casefold()]}'? Names are case-sensitive."
            if signatures.casefold() in folded else _close_matches(signatures, allowed))
    if Path(signatures).is_dir():
        raise InputError(f"{source}: key {key}: {signatures!r} is a folder, not a signature "
                         "table. Give the path of the table's file, or a shipped set's name "
                         f"({', '.join(shipped)}).")
    raise InputError(f"{source}: key {key}: {signatures!r} is neither a shipped signature set "
                     f"({', '.join(shipped)}) nor an existing file (relative paths are taken "
                     f"from {Path.cwd()}){expansion_fix(signatures)}.{hint} Give a shipped "
                     "set's name or the path of a signature table.")


def check_assay(assay: str, regions: str | None, source: str = "config") -> None:
    """Fail before any job when ``refit.assay: regions`` lacks ``catalog.regions`` (the
    opportunities it rescales to come from that BED) or the BED does not exist."""
    if regions is not None and not regions.strip():
        raise InputError(f"{source}: key catalog.regions: the path is empty. Write the path "
                         "of the assay's BED, or set it to null to count the whole genome.")
    if assay == "regions" and not regions:
        raise InputError(f"{source}: key refit.assay is 'regions', which rescales the reference "
                         "signatures to the targeted regions' opportunities, but "
                         "catalog.regions is null. Set catalog.regions to the assay's BED, or "
                         "set refit.assay to genome or exome.")
    if regions and not Path(regions).is_file():
        raise InputError(f"{source}: key catalog.regions: BED file '{regions}' not found "
                         f"(relative paths are taken from {Path.cwd()})"
                         f"{expansion_fix(regions)}. Fix the path, or set it to null to count "
                         "the whole genome.")


def _close_matches(word: str, allowed: list[str]) -> str:
    """' Did you mean 'x'?' for the allowed word nearest a typo, else ''."""
    matches = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    return f" Did you mean '{matches[0]}'?" if matches else ""


#: Configuration keys of earlier releases and where their setting lives now: an old config
#: fails with the new key named, not only "unknown key".
RENAMED_KEYS = {
    "refit.reference": "the top-level key 'signatures' (the reference signature set)",
    "report": "the top-level key 'signatures' (report.reference, the set the report matches "
              "against, is now that one set)",
}


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
        dotted = f"{location}.{key}" if location else key
        if dotted in RENAMED_KEYS:
            return (f"{what}: key '{dotted}' was renamed: use {RENAMED_KEYS[dotted]}. "
                    "workflow/schemas/config.schema.yaml lists every key.")
        return (f"{what}: unknown key '{key}' in the {section}.{_close_matches(key, allowed)} "
                f"Allowed keys there: {', '.join(allowed)}. Fix or remove the key "
                "(workflow/schemas/config.schema.yaml lists every key).")
    hint = ""
    if error.validator == "enum":
        hint = _close_matches(str(error.instance), [str(v) for v in error.validator_value])
    if error.validator == "type" and yaml_text_number(error.instance):
        hint = (f" YAML 1.1 (which Snakemake's loader follows) reads {error.instance} as text: "
                "write it with a decimal point and a signed exponent, e.g. "
                f"{yaml_float_spelling(error.instance)}.")
    if error.validator == "type" and "object" in str(error.validator_value):
        hint = _section_hint(error.instance, location)
    where = f"key '{location}'" if location else "top level"
    first = str(error.message).splitlines()[0]
    if error.validator == "type" and _whole_number_expected(error):
        return (f"{what}: {where}: {first}. {whole_number_fix(error.instance)}; "
                "workflow/schemas/config.schema.yaml describes every key.")
    return (f"{what}: {where}: {first}.{hint} Fix the value "
            "(workflow/schemas/config.schema.yaml describes every key).")


def _section_hint(value: Any, location: str) -> str:
    """The fix for a value where a section belongs: an empty one (None to YAML), or ranks
    written the command line's way ('2-8', [2, 8])."""
    if value is None:
        return (f" The section '{location}' is empty (every key under it commented out?): "
                "remove its line, or give it keys.")
    if location.endswith("ranks"):
        return " Write the ranks as a section, e.g. ranks: {min: 2, max: 8}."
    return ""


def _whole_number_expected(error: Any) -> bool:
    """Whether a schema type error is a fraction (1.5), NaN, infinity or a boolean given to
    an integer key (the schema takes 1.0 there: config_numbers.whole_numbers makes it 1)."""
    expected = error.validator_value
    expected = [expected] if isinstance(expected, str) else list(expected or [])
    return ("integer" in expected and "number" not in expected
            and isinstance(error.instance, (bool, float)))


def _unknown_key_note(dotted: str, key: str, allowed: list[str]) -> str:
    """'rank.fixd' (did you mean 'fixed'?): one unknown key, for a list of them."""
    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return f"'{dotted}'" + (f" (did you mean '{matches[0]}'?)" if matches else "")


def unknown_keys_message(data: Mapping[str, Any], schema: Mapping[str, Any],
                         what: str = "config") -> str | None:
    """One message naming every unknown key of ``data`` (dotted, each with its "did you
    mean"), when there are two or more: a schema error names only the first, so a config
    with three typos took three runs to fix. None for fewer than two."""
    import jsonschema

    found = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(data):
        if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
            continue
        allowed = sorted(error.schema.get("properties", {}))
        location = ".".join(str(part) for part in error.path)
        for key in error.instance:
            if key not in allowed:
                dotted = f"{location}.{key}" if location else str(key)
                found.append(_unknown_key_note(dotted, str(key), allowed))
    if len(found) < 2:
        return None
    return (f"{what}: {len(found)} unknown keys: {', '.join(found)}. Fix or remove them "
            "(workflow/schemas/config.schema.yaml lists every key).")


def schema_failure(error_text: str, cause: Any, what: str,
                   lines: Sequence[int] | None = None) -> str | None:
    """The one-line message for a failed Snakemake ``validate()``; None when not a schema error.

    ``error_text`` is Snakemake's message (which names the failing row of a table as 'row i',
    from 0) and ``cause`` the error it wraps; only a jsonschema ``ValidationError`` (it has a
    ``validator``) gets the short message. ``lines`` maps the rows of a validated table to the
    lines of its file.
    """
    if not hasattr(cause, "validator"):
        return None
    row = re.search(r"row (\d+)", error_text)
    if row and lines is not None:
        what = f"{what}, line {list(lines)[int(row.group(1))]}"
    return schema_error_message(cause, what)


def config_source(files: Sequence[Any], command_line: bool = False) -> str:
    """'config (FILE, ..., --config)': the files the configuration was read from, and
    ``--config`` when values were given on the command line (``command_line``), for
    messages."""
    names = [shown_path(f) for f in files] or ["config/config.yaml"]
    return f"config ({', '.join([*names, '--config'] if command_line else names)})"

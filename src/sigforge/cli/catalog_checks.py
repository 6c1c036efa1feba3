"""Checks of ``merge-catalogs``'s inputs: each per-sample directory read whole (every
channel, whole counts, a log that agrees with its catalogs), no sample counted twice, no
single-sample VCF counted under two names, and no column of a multi-sample file counted under
two names (identical counts from one file).

Split from :mod:`sigforge.cli.catalog` so that the command module holds the commands.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.genomics.tables import read_catalog
from sigforge.io import InputError, file_identity, read_table

logger = logging.getLogger(__name__)

#: Identical catalogs of two samples of one file with at least this many mutations are one
#: sample counted twice; fewer can agree by chance (a warning names them).
TWIN_MIN_MUTATIONS = 50

#: The fix for a per-sample catalog directory that is cut short or damaged.
_RERUN = ("The per-sample catalog directory {folder} is incomplete or damaged (e.g. a copy cut "
          "short, or a full disk): rerun 'sigforge catalog' for that sample (in the workflow, "
          "delete the directory and run snakemake again).")


def _read_sample_catalog(folder: Path, context: str) -> pd.DataFrame:
    """One context's catalog from a per-sample directory, checked whole: every channel of
    the context present and every count a whole number (a cut file fails one of these)."""
    from sigforge.genomics.contexts import CHANNEL_SETS

    path = folder / f"{context}.tsv"
    try:
        matrix = read_catalog(path)
    except InputError as err:
        raise InputError(f"{path}: cut short or damaged, so it cannot be merged (reading it: "
                         f"{err}). {_RERUN.format(folder=folder)}") from err
    if matrix.channel_set != context:
        raise InputError(f"{path}: holds {len(matrix.data)} rows, not the "
                         f"{len(CHANNEL_SETS[context])} channels of {context}. "
                         f"{_RERUN.format(folder=folder)}")
    values = matrix.data.to_numpy()
    if (values != np.round(values)).any():
        raise InputError(f"{path}: holds counts that are not whole numbers. "
                         f"{_RERUN.format(folder=folder)}")
    return matrix.data


def _read_sample_log(folder: Path) -> pd.DataFrame:
    """A per-sample ``catalog_log.tsv`` with every count column as int64.

    Raises InputError (naming the file and the fix) when it cannot be parsed or a count
    cell is empty or not a whole number: a row cut short would otherwise read as zeros.
    """
    path = folder / "catalog_log.tsv"
    try:
        log = read_table(path)
    except InputError as err:  # cut short, or not a file: read_table names it
        raise InputError(f"{err} {_RERUN.format(folder=folder)}") from err
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as a catalog log ({err}). "
                         f"{_RERUN.format(folder=folder)}") from err
    # Sample names as written: type inference would read '007' as 7 and '1.0' as 1.0, which
    # then match no catalog column.
    log.index = pd.Index(pd.read_csv(path, sep="\t", usecols=[0], dtype=str,
                                     keep_default_na=False).iloc[:, 0], name=log.index.name)
    counts = log.drop(columns=[c for c in LOG_TEXT_COLUMNS if c in log.columns])
    numeric = counts.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() | (numeric != numeric.round())
    if "source" not in log.columns or "variants_read" not in log.columns or bad.any().any():
        raise InputError(f"{path}: not a complete catalog log (a 'source' and a "
                         "'variants_read' column and whole-number counts in every cell). "
                         f"{_RERUN.format(folder=folder)}")
    log[numeric.columns] = numeric.astype(np.int64)
    return log


def _log_problem(log: pd.DataFrame, catalogs: dict[str, pd.DataFrame]) -> str | None:
    """Whether a per-sample log contradicts its catalogs: other samples, or counts that do not
    add up (:func:`log_count_problem`)."""
    samples = list(next(iter(catalogs.values())).columns)
    if [str(name) for name in log.index] != [str(name) for name in samples]:
        return f"lists samples {list(log.index)} but the catalogs hold {samples}"
    return log_count_problem(log, catalogs)


def check_same_log_columns(folders: list[Path], logs: list[pd.DataFrame]) -> None:
    """Refuse per-sample logs of which one lacks a count column another has (other than a
    skip reason added in a later version, which an older log lacks and counted none of):
    merged, the missing counts would read as 0 (counted_DBS78 0 beside a DBS78.tsv of
    doublets; filtered variants gone)."""
    from sigforge.genomics.accounting import LATER_SKIP_REASONS

    columns = {column for log in logs for column in log.columns}
    for folder, log in zip(folders, logs, strict=True):
        missing = sorted(columns - set(log.columns) - set(LATER_SKIP_REASONS))
        if missing:
            other = next(f for f, found in zip(folders, logs, strict=True)
                         if missing[0] in found.columns)
            raise InputError(f"{folder / 'catalog_log.tsv'}: has no column "
                             f"{', '.join(missing)}, which {other / 'catalog_log.tsv'} has "
                             "(cut or edited?); merged, its counts would read as 0. "
                             f"{_RERUN.format(folder=folder)}")


def log_count_problem(log: pd.DataFrame, catalogs: Mapping[str, pd.DataFrame]) -> str | None:
    """Whether a catalog log's counts contradict themselves or the catalogs, naming the
    first sample: ``variants_read`` not the counted plus skipped columns (when the log has
    them all), or a ``counted_<context>`` column (SBS96 with ``also_in_sbs``) that is not the
    context's catalog column sum. Columns the log lacks are not compared."""
    from sigforge.genomics.accounting import LATER_SKIP_REASONS
    from sigforge.genomics.catalog import SKIP_REASONS

    # A log written before a skip reason was added lacks its column: it counted none.
    parts = ["counted_SBS96", "counted_DBS78", "counted_ID83",
             *(r for r in SKIP_REASONS if r not in LATER_SKIP_REASONS or r in log.columns)]
    if "variants_read" in log.columns and all(c in log.columns for c in parts):
        wrong = log.index[log["variants_read"] != log[parts].sum(axis=1)]
        if len(wrong):
            return (f"sample {wrong[0]}: variants_read is not the sum of the counted and "
                    "skipped columns")
    for context, frame in catalogs.items():
        column = f"counted_{context}"
        if column not in log.columns:
            continue
        expected = (log[column] + (log.get("also_in_sbs", 0) if context == "SBS96" else 0)
                    ).reindex([str(c) for c in frame.columns])
        totals = frame.sum().round().astype(np.int64)
        differs = np.flatnonzero(totals.to_numpy() != expected.to_numpy())
        if differs.size:
            first = int(differs[0])
            return (f"sample {frame.columns[first]}: its {column} ({expected.iloc[first]:,}) "
                    f"is not the sum of its column of {context}.tsv ({totals.iloc[first]:,})")
    return None


def ordered_log_columns(columns: list[str]) -> list[str]:
    """The columns of merged logs in the order ``catalog`` writes them: the skip reasons
    last, in their order. Logs written before a skip reason was added lack its column, which
    joining them to newer logs would otherwise put after all the others."""
    from sigforge.genomics.catalog import SKIP_REASONS

    reasons = [r for r in SKIP_REASONS if r in columns]
    return [c for c in columns if c not in SKIP_REASONS] + reasons


def read_sample_dir(folder: Path, contexts: list[str]) -> tuple[dict[str, pd.DataFrame],
                                                                 pd.DataFrame]:
    """The catalogs and log of one per-sample directory, checked against each other."""
    catalogs = {context: _read_sample_catalog(folder, context) for context in contexts}
    log = _read_sample_log(folder)
    problem = _log_problem(log, catalogs)
    if problem:
        raise InputError(f"{folder / 'catalog_log.tsv'}: {problem}. "
                         f"{_RERUN.format(folder=folder)}")
    return catalogs, log


def check_no_repeats(folders: list[Path], logs: list[pd.DataFrame]) -> None:
    """Reject a folder listed twice (another spelling or a link to it included) and a
    sample that two per-sample directories both hold, naming both."""
    places: dict[object, Path] = {}
    for folder in folders:
        key = file_identity(folder) or os.path.realpath(folder)
        if key in places:
            also = "" if str(places[key]) == str(folder) else f" (also as {places[key]})"
            raise InputError(f"--inputs: {folder} is listed twice{also}; each catalog folder "
                             "is merged once. Remove the repeated entry.")
        places[key] = folder
    seen: dict[str, tuple[str, Path]] = {}
    for folder, log in zip(folders, logs, strict=True):
        for name in map(str, log.index):
            key = _name_key(name)
            if key in seen:
                other, place = seen[key]
                if other == name:
                    raise InputError(f"sample '{name}' appears in both {place} and {folder}; "
                                     "every sample must be counted once. Give each sample a "
                                     "distinct name (samples sheet 'sample_id').")
                raise InputError(f"sample {other!r} of {place} and sample {name!r} of "
                                 f"{folder} {_how_alike(other, name)}, so every table and "
                                 "report would show them as one sample (or write them to one "
                                 "file). Rename one of them (catalog --sample-name, or the "
                                 "samples sheet's sample_id) and count it again.")
            seen[key] = (name, folder)


def _name_key(name: str) -> str:
    """What two sample names must not share: their file name once printed alike (one Unicode
    form, no invisible characters, plain spaces: :func:`lookalike_key`) and in one case, as
    ``catalog`` refuses within one run (:func:`file_stems`)."""
    from sigforge._validation import lookalike_key
    from sigforge.genomics.sample_names import file_stem

    return file_stem(lookalike_key(name)).lower()


def _how_alike(first: str, second: str) -> str:
    """Why two different names count as one (:func:`_name_key`), for a message."""
    from sigforge._validation import lookalike_key, lookalike_reason

    if lookalike_key(first) == lookalike_key(second):
        return lookalike_reason(first, second)
    if first.lower() == second.lower():
        return "differ only in case (one file on macOS and Windows disks)"
    return "become the same file name once unsafe characters are replaced"


def _source_key(source: str) -> tuple[int, int] | str:
    """What identifies a log's ``source`` file: its (device, inode) where it can be found from
    here (so another spelling or a hard link agrees), else its normalised path."""
    return file_identity(Path(source)) or os.path.normpath(source)


def _holds_one_sample(source: str) -> bool:
    """Whether ``source`` is a VCF that can give a single sample (one sample column, or none):
    two samples counted from it are then one sample counted twice. False when that cannot be
    told: a MAF or a multi-sample VCF (split into samples by --vcf-sample), a moved file."""
    from sigforge.genomics.variants import is_maf, vcf_sample_columns

    path = Path(source)
    if is_maf(path) or not path.is_file():
        return False
    try:
        return len(vcf_sample_columns(path)) <= 1
    except (InputError, OSError, ValueError):
        return False


def check_distinct_sources(folders: list[Path], logs: list[pd.DataFrame],
                           catalogs: list[dict[str, pd.DataFrame]],
                           allow_identical: str = "none") -> None:
    """Refuse two per-sample directories whose logs count one sample of one file under two
    sample names: one file listed twice (in the samples sheet, under two names or two
    spellings of its path), whose mutations would enter the cohort twice and pass for two
    patients.

    A single-sample VCF counted twice is refused outright. Samples of one multi-sample VCF
    (one per --vcf-sample column) or one MAF (one per barcode) may share the file; they are
    refused only when their counts are identical in every channel of every catalog and hold
    at least :data:`TWIN_MIN_MUTATIONS` mutations, which two columns of a file do not by
    chance but one column counted twice always does; below that a warning names them, and so
    does ``allow_identical`` (regions of one tumour may share every mutation of a small panel):
    ``"all"`` for any two samples, ``"columns"`` for two samples of one file only (whose
    columns the caller knows to differ: the workflow's samples sheet refuses one column on two
    rows), ``"none"`` for none.
    """
    # per source file: the first sample of each folder counted from it, whether it holds one
    # sample (read once), and its samples grouped by their counts (only equal counts can be
    # twins): linear in the samples, where comparing every pair took hours for a MAF of
    # thousands of barcodes
    folders_of: dict[tuple[int, int] | str, dict[int, str]] = {}
    single: dict[tuple[int, int] | str, bool] = {}
    by_counts: dict[bytes, list[tuple[str, int, str]]] = {}
    for index, (folder, log) in enumerate(zip(folders, logs, strict=True)):
        for name, source in zip(map(str, log.index), map(str, log["source"]), strict=True):
            key = _source_key(source)
            owners = folders_of.setdefault(key, {})
            other = next((i for i in owners if i != index), None)
            if other is not None and key not in single:
                single[key] = _holds_one_sample(source)
            if other is not None and single[key]:
                raise InputError(
                    f"--inputs {folder}: sample '{name}' was counted from {source}, the "
                    f"same file as sample '{owners[other]}' in {folders[other]}; that VCF "
                    "holds one sample, so its mutations would enter the cohort twice. "
                    "Count each VCF once: drop one of the two folders (in the workflow, "
                    "remove the samples sheet row that names the VCF a second time).")
            owners.setdefault(index, name)
            twins = by_counts.setdefault(_counts_digest(catalogs[index], name), [])
            for first, first_index, first_source in twins:
                if first_index != index:
                    _check_not_twins((name, folder, catalogs[index], source),
                                     (first, folders[first_index], catalogs[first_index],
                                      first_source), allow_identical)
            twins.append((name, index, source))


def _counts_digest(catalogs: dict[str, pd.DataFrame], name: str) -> bytes:
    """Sample ``name``'s counts in every catalog, as bytes: equal for identical counts."""
    return b"".join(np.ascontiguousarray(catalogs[c][name].to_numpy(dtype=np.float64))
                    .tobytes() for c in sorted(catalogs))


def _check_not_twins(one: tuple[str, Path, dict[str, pd.DataFrame], str],
                     other: tuple[str, Path, dict[str, pd.DataFrame], str],
                     allow_identical: str) -> None:
    """Refuse (or, below :data:`TWIN_MIN_MUTATIONS` or when allowed, warn about) two samples
    whose counts agree in every channel of every catalog: one column of a file counted twice,
    or one tumour counted from two files (a VCF and its gzip copy, a VCF and a MAF of it),
    which the file checks cannot tell apart by name or bytes."""
    (name, folder, catalogs, source), (first, first_folder, first_catalogs, first_source) = \
        one, other
    counts = [catalogs[c][name].to_numpy() for c in catalogs]
    first_counts = [first_catalogs[c][first].to_numpy() for c in catalogs]
    if not all(np.array_equal(a, b) for a, b in zip(counts, first_counts, strict=True)):
        return
    total = int(sum(a.sum() for a in counts))
    if total == 0:
        return
    same_file = _source_key(source) == _source_key(first_source)
    how = (f"both counted from {source}" if same_file
           else f"counted from {source} and from {first_source}")
    why = ("one column of that file counted twice under two names (two 'sigforge catalog' "
           "runs with the same --vcf-sample)" if same_file
           else "one tumour counted from two files (a VCF and its compressed copy, or a VCF "
                "and a MAF of it) under two names")
    message = (f"--inputs {folder}: sample '{name}' and sample '{first}' in {first_folder} were "
               f"{how} and have identical counts in every channel of every catalog ({total} "
               f"mutations): {why}")
    allowed = allow_identical == "all" or allow_identical == "columns" and same_file
    if total >= TWIN_MIN_MUTATIONS and not allowed:
        raise InputError(f"{message}. Count each tumour once: drop one of the two folders (in "
                         "the workflow, one of the two samples sheet rows). If "
                         "they are distinct samples that share every mutation, give "
                         "--allow-identical (in the workflow: catalog.allow_identical: true).")
    logger.warning("%s? They may also be distinct samples with the same mutations; merged "
                   "both.", message)


def warn_identical_samples(catalogs: dict[str, pd.DataFrame]) -> None:
    """Warn of samples of one catalog run whose counts agree in every channel of every
    catalog and hold at least :data:`TWIN_MIN_MUTATIONS` mutations: one tumour given twice
    (a VCF and its compressed copy, a VCF and a MAF of it), which would enter a discovery
    as two patients. merge-catalogs refuses such samples of two folders."""
    first_of: dict[bytes, str] = {}
    names = [str(name) for name in next(iter(catalogs.values())).columns]
    for name in names:
        counts = _counts_digest(catalogs, name)
        total = sum(float(frame[name].sum()) for frame in catalogs.values())
        if total >= TWIN_MIN_MUTATIONS and first_of.setdefault(counts, name) != name:
            logger.warning("samples '%s' and '%s' have identical counts in every channel of "
                           "every catalog (%d mutations): most likely one tumour given twice "
                           "(a VCF and its compressed copy, or a VCF and a MAF of it). Count "
                           "it once, unless they are distinct samples that share every "
                           "mutation.", first_of[counts], name, total)


def warn_mixed_fingerprints(folders: list[Path], logs: list[pd.DataFrame]) -> None:
    """Warn when the per-sample logs say their counts were made on other reference builds or
    over other assays (a panel's regions beside whole genomes): their channel frequencies
    differ by the sequence composition counted, which a discovery on the merged cohort
    would take for a signature; or their SBS288 with other gene annotations (one mutation T
    in one sample, U in another). Logs without the columns (older runs, no SBS288) are left
    out."""
    for column, what, fix in (
            ("reference", "reference FASTAs (builds: other contig lengths)",
             "Count every sample against one FASTA, or keep the builds' cohorts apart."),
            ("assay", "assays (targeted regions)",
             "Merge one assay's catalogs, or refit each assay with its own opportunities "
             "(refit --assay regions)."),
            ("annotation", "gene annotations (SBS288's transcribed and untranscribed "
                           "strands)",
             "Count every sample's SBS288 with one --annotation.")):
        seen: dict[str, list[str]] = {}
        for folder, log in zip(folders, logs, strict=True):
            for value in log.get(column, pd.Series(dtype=str)).dropna().astype(str):
                seen.setdefault(value, []).append(str(folder))
        if len(seen) > 1:
            parts = "; ".join(f"{value} ({len(where)} sample(s), e.g. {where[0]})"
                              for value, where in seen.items())
            logger.warning("the catalogs were counted on different %s: %s. %s", what, parts,
                           fix)
